"""Standard two-stage population and virtual trials: recovery of a known population, exact doses."""

import math

import numpy as np
import pytest

from pkdose.data import read_trial
from pkdose.dosimetry.radiobiology import KIDNEY
from pkdose.dosimetry.virtual import LogNormalMasses, virtual_trial
from pkdose.fit.population import LogNormalPopulation, two_stage_population

LAM_PHYS = math.log(2) / (6.647 * 24)     # Lu-177, ICRP 107 half-life 6.647 d
TRUE = {"f": (0.02, 0.30), "k": (math.log(2) / 50 - LAM_PHYS, 0.20)}   # median, between-patient CV
CYCLE_CV = 0.05


def write_population_trial(folder, n_patients=40, n_cycles=4, seed=7):
    rng = np.random.default_rng(seed)
    folder.mkdir()
    pats, adm, rows = [], [], ["patient,cycle,time [h],region,activity [MBq]"]
    sd = {k: math.sqrt(math.log1p(cv * cv)) for k, (_, cv) in TRUE.items()}
    csd = math.sqrt(math.log1p(CYCLE_CV ** 2))
    for i in range(n_patients):
        pid = f"V{i:03d}"
        pats.append(f'[[patients]]\nid = "{pid}"\nsex = "male"\nbody_mass_kg = 70.0\n')
        eta = {k: sd[k] * rng.standard_normal() for k in TRUE}
        for c in range(1, n_cycles + 1):
            adm.append(f'[[administrations]]\npatient = "{pid}"\ncycle = {c}\nactivity_MBq = 7400.0\n')
            f = TRUE["f"][0] * math.exp(eta["f"] + csd * rng.standard_normal())
            k = TRUE["k"][0] * math.exp(eta["k"] + csd * rng.standard_normal())
            for t in (4.0, 24.0, 96.0, 168.0):
                rows.append(f"{pid},{c},{t},kidneys,{7400.0 * f * math.exp(-(LAM_PHYS + k) * t):.10g}")
    (folder / "trial.toml").write_text('[trial]\nid = "pop"\nradiopharmaceutical = "x"\nnuclide = "Lu-177"\n'
                                       'regions = ["kidneys"]\n\n' + "\n".join(pats + adm))
    (folder / "measurements.csv").write_text("\n".join(rows) + "\n")
    return folder


def test_two_stage_recovers_a_known_population(tmp_path):
    pop = two_stage_population(read_trial(write_population_trial(tmp_path / "pop")))
    assert (pop.n_patients, pop.n_curves) == (40, 160)
    # medians: SE of a mean log over 40 patients is sd/sqrt(40) (~0.046 for f): 3 SE
    for name, key in (("kidneys.f", "f"), ("kidneys.lambda_bio", "k")):
        se = math.sqrt(math.log1p(TRUE[key][1] ** 2) / 40)
        assert math.log(pop.median(name) / TRUE[key][0]) == pytest.approx(0.0, abs=3 * se)
        # between-patient CV: the SD of a sample SD is about sd/sqrt(2(n-1)) -> 3 of those, relative
        assert pop.cv_between(name) == pytest.approx(TRUE[key][1], rel=3 / math.sqrt(2 * 39))
    # within-patient SD of ln f is the cycle CV (exact data: no fit noise), 120 degrees of freedom
    assert math.sqrt(pop.sigma[0, 0]) == pytest.approx(math.sqrt(math.log1p(CYCLE_CV ** 2)), rel=3 / math.sqrt(240))


def test_virtual_doses_are_exact_for_a_degenerate_population():
    mu = np.log([0.02, 0.01])
    pop = LogNormalPopulation("Lu-177", ("kidneys",), ("kidneys.f", "kidneys.lambda_bio"), mu, np.zeros((2, 2)),
                              np.zeros((2, 2)), 1, 1, False, LAM_PHYS)
    masses = LogNormalMasses({"kidneys": 0.31}, {"kidneys": 0.0}, {"kidneys": 1})
    vt = virtual_trial(pop, masses, n_patients=3, n_cycles=4, activity_MBq=7400.0)
    s = 0.14792 * 1.602176634e-13 * 3.6e9 / 0.31          # ICRP 107 Lu-177 non-penetrating energy, Gy/(MBq·h)
    lam = LAM_PHYS + 0.01
    d = s * 7400.0 * 0.02 / lam
    bed = d + lam / (lam + KIDNEY.repair_rate) * d * d / KIDNEY.alpha_beta_Gy
    rows = vt.doses
    np.testing.assert_allclose(rows["absorbed_Gy"], 4 * d, rtol=1e-4)
    np.testing.assert_allclose(rows["bed_Gy"], 4 * bed, rtol=1e-4)
    assert vt.fraction_exceeding("kidneys", 4 * bed * 0.999) == 1.0
    assert vt.fraction_exceeding("kidneys", 4 * bed * 1.001) == 0.0


def test_default_regions_are_the_imaged_ones_and_blood_is_refused():
    """The demo trial has blood concentrations: the default population leaves them out, naming them is an error."""
    from pathlib import Path

    from pkdose.data import read_trial
    from pkdose.fit.exponentials import FitError

    trial = read_trial(Path(__file__).resolve().parents[2] / "trial_data" / "lu177-dotatate-demo")
    pop = two_stage_population(trial)
    assert "blood" in trial.regions and "blood" not in pop.regions
    assert pop.regions == tuple(r for r in trial.regions if r != "blood")
    with pytest.raises(FitError, match="activity curves"):
        two_stage_population(trial, regions=["kidneys", "blood"])
