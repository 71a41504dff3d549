"""The shipped SIMULATED Ra-223 demo trial: valid, labelled, reproducible, close to published means.

Published values (as transcribed in EJNMMI Phys. 8:44 (2021), doi:10.1186/s40658-021-00388-1,
Table 4, from the clinical studies it cites; secondary source, see trial_data/README.md):

- Chittenden et al., J Nucl Med 56 (2015) 1304-1309, n = 6: cumulative faeces 13 +/- 12 % and
  urine 2 +/- 2 % of the administered activity at 2 d (mean +/- SD).
- Carrasquillo et al., Eur J Nucl Med Mol Imaging 40 (2013) 1384-1393, n = 10: GI-tract content
  50.8 +/- 7.5 % at 1 d (mean +/- SD); plasma 1.6-3.9 % at 4 h and 0.37-1.0 % at 24 h (range).

Tolerance for mean +/- SD data: the simulated mean (n_sim patients) and the published mean
(n_pub patients) are two samples of the same population only if they differ by less than about
two standard errors of their difference, 2 * sqrt(SD_pub^2 / n_pub + SD_sim^2 / n_sim) (~95 %).
For range data: the simulated mean lies inside the published range.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from pkdose.data import read_trial

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "trial_data" / "ra223-xofigo-demo"
BLOOD_DENSITY = 1.06     # kg/L, ICRP 89, as the generator writes organ_mass_kg.blood


@pytest.fixture(scope="module")
def trial():
    return read_trial(DEMO)                      # raises InputDataError on any violation


def percent_ia_at(trial, region, quantity, nominal_h):
    """Per patient, the cycle-1 value at the nominal time (+/- 10 %) as % of the administered activity."""
    admin = {a.patient: a.activity_MBq for a in trial.administrations if a.cycle == 1}
    out = []
    for p in trial.patients:
        tac = trial.tac(p.id, 1, region, quantity)
        k = int(np.argmin(abs(tac.times_h - nominal_h)))
        assert abs(tac.times_h[k] - nominal_h) <= 0.1 * nominal_h
        value = tac.activity_MBq[k]
        if quantity == "concentration":                           # MBq/L x blood volume [L]
            value = value * p.organ_mass_kg["blood"] / BLOOD_DENSITY
        out.append(100.0 * value / admin[p.id])
    return np.array(out)


def test_reads_without_violations_and_is_labelled_simulated(trial):
    assert trial.simulated is True
    assert "SIMULATED" in trial.description and "synthetic" in trial.description.lower()
    assert trial.nuclide == "Ra-223"
    assert len(trial.patients) == 8 and {p.sex for p in trial.patients} == {"male"}
    # Xofigo label: 55 kBq/kg every 4 weeks x 6
    assert len(trial.administrations) == 8 * 6
    mass = {p.id: p.body_mass_kg for p in trial.patients}
    for a in trial.administrations:
        assert a.activity_MBq == pytest.approx(0.055 * mass[a.patient], abs=1e-3)
    assert set(trial.measurements["quantity"]) == {"activity", "concentration", "cumulative_excreted"}
    assert not trial.measurements["sigma_MBq"].isna().any()
    assert {c.region for c in trial.curves()} == {"whole_body", "gut"}        # activity only


def test_regeneration_is_byte_identical(tmp_path, demo_generator):
    folder = demo_generator.write_ra223(tmp_path)
    for name in ("trial.toml", "measurements.csv"):
        assert (folder / name).read_bytes() == (DEMO / name).read_bytes(), name


@pytest.mark.parametrize("region, quantity, hours, mean, sd, n", [
    ("faeces", "cumulative_excreted", 48.0, 13.0, 12.0, 6),    # Chittenden 2015, via Table 4
    ("urine", "cumulative_excreted", 48.0, 2.0, 2.0, 6),       # Chittenden 2015, via Table 4
    ("gut", "activity", 24.0, 50.8, 7.5, 10),                  # Carrasquillo 2013, via Table 4
])
def test_published_means_within_two_standard_errors(trial, region, quantity, hours, mean, sd, n):
    sim = percent_ia_at(trial, region, quantity, hours)
    tol = 2.0 * math.sqrt(sd ** 2 / n + sim.std(ddof=1) ** 2 / sim.size)
    assert abs(sim.mean() - mean) < tol, (region, sim.round(2), sim.mean(), mean, tol)


@pytest.mark.parametrize("hours, low, high", [(4.0, 1.6, 3.9), (24.0, 0.37, 1.0)])   # Carrasquillo ranges
def test_blood_mean_within_published_range(trial, hours, low, high):
    sim = percent_ia_at(trial, "blood", "concentration", hours)
    assert low <= sim.mean() <= high, (sim.round(3), sim.mean())


def test_known_model_discrepancy_at_15_min_is_documented(trial):
    # The ICRP 137 blood compartment holds ~49 % at 15 min (EJNMMI Phys 8:44 Table 4, model: 55 %
    # at 10-15 min) against 12 % (Nilsson) and 9-28 % (Yoshida) measured: the demo inherits this and
    # the README says so. Pin it, so that a change of the blood kinetics is noticed.
    sim = percent_ia_at(trial, "blood", "concentration", 0.25)
    assert 35.0 < sim.mean() < 65.0
    assert "15 min" in (REPO / "trial_data" / "README.md").read_text()
