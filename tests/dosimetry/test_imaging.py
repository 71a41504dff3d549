"""trial_doses: D = S·Ã with the local-absorption S, BED of a mono-exponential, honest gaps."""

import math

import numpy as np
import pytest

from pkdose.data import read_trial
from pkdose.dosimetry.imaging import KIDNEY_BED_LIMITS, trial_doses
from pkdose.dosimetry.radiobiology import KIDNEY
from pkdose.errors import DoseError, UnknownNameError
from pkdose.fit import fit_trial

# ICRP 107 Lu-177 non-penetrating energy per decay, 0.14792 MeV (issue 3's published check);
# 1 MeV = 1.602176634e-13 J (SI exact), 1 MBq·h = 3.6e9 decays.
DELTA_NP_J = 0.14792 * 1.602176634e-13
DECAYS_PER_MBQ_H = 3.6e9
LU177_LAMBDA = math.log(2) / (6.647 * 24)     # ICRP 107 half-life 6.647 d


def write(folder, *, with_liver_mass=True):
    folder.mkdir()
    liver = "liver = 1.8\n" if with_liver_mass else ""
    (folder / "trial.toml").write_text(f"""
[trial]
id = "mono"
radiopharmaceutical = "[177Lu]Lu-DOTA-TATE"
nuclide = "Lu-177"
regions = ["kidneys", "liver"]

[[patients]]
id = "P1"
sex = "male"
body_mass_kg = 73.0
[patients.organ_mass_kg]
kidneys = 0.31
{liver}
[[administrations]]
patient = "P1"
cycle = 1
activity_MBq = 7400.0

[[administrations]]
patient = "P1"
cycle = 2
activity_MBq = 7400.0
""")
    rows = ["patient,cycle,time [h],region,activity [MBq]"]
    for cycle in (1, 2):
        for region, a0, teff in (("kidneys", 150.0, 50.0), ("liver", 300.0, 70.0)):
            for t in (4.0, 24.0, 96.0, 168.0):
                rows.append(f"P1,{cycle},{t},{region},{a0 * math.exp(-math.log(2) * t / teff):.10g}")
    (folder / "measurements.csv").write_text("\n".join(rows) + "\n")
    return folder


def _add_region(folder, region, a0_MBq, teff_h, mass_kg=None):
    """Add a mono-exponential region (both cycles, the four times) to a trial written by ``write``."""
    toml = (folder / "trial.toml").read_text().replace('regions = ["kidneys", "liver"]',
                                                       f'regions = ["kidneys", "liver", "{region}"]')
    if mass_kg is not None:
        toml = toml.replace("kidneys = 0.31", f"kidneys = 0.31\n{region} = {mass_kg}")
    (folder / "trial.toml").write_text(toml)
    rows = [f"P1,{c},{t},{region},{a0_MBq * math.exp(-math.log(2) * t / teff_h):.10g}" for c in (1, 2)
            for t in (4.0, 24.0, 96.0, 168.0)]
    (folder / "measurements.csv").write_text((folder / "measurements.csv").read_text() + "\n".join(rows) + "\n")
    return folder


@pytest.fixture
def mono(tmp_path):
    trial = read_trial(write(tmp_path / "mono"))
    return trial, trial_doses(trial, fit_trial(trial, n_terms=(1,), uptake=False))


def test_dose_is_local_absorption_s_times_tia(mono):
    from pkdose.dosimetry.spheres import sphere_s_value

    _, d = mono
    row = d.doses.set_index(["cycle", "target"]).loc[(1, "kidneys")]
    photons = sphere_s_value("Lu-177", 0.31).by_class["photon"]    # sphere photon self-dose (tested there)
    assert 0 < photons / row["s_Gy_per_MBq_h"] < 0.05            # Lu-177: photons are a few per cent
    s = DELTA_NP_J * DECAYS_PER_MBQ_H / 0.31 + photons          # Gy/(MBq·h), non-penetrating part by hand
    tia = 150.0 * 50.0 / math.log(2)                            # A0·Teff/ln2 of the exact data
    assert row["s_Gy_per_MBq_h"] == pytest.approx(s, rel=1e-4)  # ICRP 107 value given to 5 digits
    assert row["absorbed_Gy"] == pytest.approx(s * tia, rel=1e-4)
    assert row["Gy_per_GBq"] == pytest.approx(s * tia / 7.4, rel=1e-4)


def test_kidney_bed_of_a_mono_exponential(mono):
    _, d = mono
    row = d.doses.set_index(["cycle", "target"]).loc[(1, "kidneys")]
    lam = math.log(2) / 50.0
    D = row["absorbed_Gy"]
    G = lam / (lam + KIDNEY.repair_rate)                        # Lea-Catcheside factor, single exponential
    assert row["bed_Gy"] == pytest.approx(D + G * D * D / KIDNEY.alpha_beta_Gy, rel=1e-6)
    assert np.isnan(d.doses.set_index(["cycle", "target"]).loc[(1, "liver"), "bed_Gy"])   # no LQ data for liver
    cum = d.cumulative.set_index("target").loc["kidneys"]
    assert cum["bed_Gy"] == pytest.approx(2 * row["bed_Gy"], rel=1e-9)      # cycles fully repaired: BEDs add
    assert cum["administered_GBq"] == pytest.approx(14.8)
    ex = d.exceeding()
    assert list(ex["limit_bed_Gy"]) == [lim.bed_Gy for lim in KIDNEY_BED_LIMITS] == [40.0, 28.0]
    assert not ex["exceeds"].any()


def test_region_without_mass_is_listed_not_guessed(tmp_path):
    trial = read_trial(write(tmp_path / "m", with_liver_mass=False))
    d = trial_doses(trial, fit_trial(trial, n_terms=(1,), uptake=False))
    assert "liver" not in set(d.doses["target"]) and "liver" not in set(d.cumulative["target"])
    assert list(d.not_computed["region"]) == ["liver"]
    assert "organ_mass_kg" in d.not_computed["reason"].iloc[0]
    assert "photons" in d.label and "NOT included" in d.label


def test_unknown_method(mono):
    trial, _ = mono
    with pytest.raises(UnknownNameError):
        trial_doses(trial, {}, method="icrp-133")


def test_tumours_use_the_sphere_model(tmp_path):
    from pkdose.dosimetry.spheres import sphere_s_value

    trial = read_trial(_add_region(write(tmp_path / "t"), "tumour_1", 20.0, 90.0, mass_kg=0.02))
    d = trial_doses(trial, fit_trial(trial, n_terms=(1,), uptake=False))
    row = d.doses.set_index(["cycle", "target"]).loc[(1, "tumour_1")]
    assert row["s_model"] == "sphere"
    assert row["s_Gy_per_MBq_h"] == pytest.approx(sphere_s_value("Lu-177", 0.02).value, rel=1e-12)
    assert d.doses.set_index(["cycle", "target"]).loc[(1, "kidneys"), "s_model"] == "local + sphere photons"
    assert any("Berger" in s.citation for s in d.sources)


def test_alpha_emitter_progeny_in_situ_and_rbe_weighting():
    from pathlib import Path

    from pkdose.dosimetry import local_absorption_s_value

    trial = read_trial(Path(__file__).resolve().parents[2] / "trial_data" / "ra223-xofigo-demo")
    d = trial_doses(trial, fit_trial(trial, patient="RA01"))
    row = d.doses.set_index(["cycle", "target"]).loc[(1, "whole_body")]
    from pkdose.dosimetry.spheres import sphere_s_value

    mass = trial.patient("RA01").body_mass_kg
    sv = local_absorption_s_value("Ra-223", mass, progeny="in-situ")
    photons = sphere_s_value("Ra-223", mass, progeny="in-situ").by_class["photon"]
    assert row["s_Gy_per_MBq_h"] == pytest.approx(sv.value + photons, rel=1e-12)
    # the short-lived chain (Rn-219, Po-215, Pb-211, Bi-211, Tl-207/Po-211) adds about 4x the parent's
    # own non-penetrating energy (ICRP 107: 5.98 MeV for Ra-223 alone vs ~28 MeV for the chain)
    assert 4.0 < sv.value / local_absorption_s_value("Ra-223", 1.0).value * trial.patient("RA01").body_mass_kg < 5.5
    assert sum(sv.by_class.values()) == pytest.approx(sv.value, rel=1e-12)
    assert row["alpha_fraction"] == pytest.approx(sv.by_class["alpha"] / (sv.value + photons), rel=1e-12)
    assert 0.9 < row["alpha_fraction"] < 1.0
    assert row["rbe_weighted_Gy"] == pytest.approx(row["absorbed_Gy"] * (1 + 4 * row["alpha_fraction"]), rel=1e-12)
    assert any("MIRD Pamphlet No. 22" in s.citation for s in d.sources)
    assert list(d.not_computed["region"]) == ["gut"]          # no mass for the gut: listed, not guessed


def _with_whole_body(folder):
    return _add_region(folder, "whole_body", 4000.0, 40.0)


def test_icrp133_method_propagates_sds_and_bed_from_the_full_dose_rate(tmp_path, saf_dir):
    from pkdose.dosimetry.radiobiology import bed_from_dose_rate
    from pkdose.dosimetry.regions import imaging_doses, imaging_s_values

    trial = read_trial(_with_whole_body(write(tmp_path / "wb")))
    fits = fit_trial(trial, n_terms=(1,), uptake=False)
    d = trial_doses(trial, fits, method="icrp133", saf_dir=saf_dir)
    row = d.doses.set_index(["cycle", "target"]).loc[(1, "kidneys")]
    assert row["s_model"] == "ICRP 133 adult-male"
    # the same numbers by hand through imaging_doses, and the SD by perturbing each TIA (D is linear in them)
    s = imaging_s_values("Lu-177", ["kidneys", "liver"], phantom="both", saf_dir=saf_dir,
                         masses={"kidneys": 0.31, "liver": 1.8})
    tia = {r: fits[("P1", 1, r)].tia_MBq_h for r in ("kidneys", "liver", "whole_body")}
    sd = {r: fits[("P1", 1, r)].tia_sd_MBq_h for r in tia}
    base = imaging_doses(tia, s).dose("Kidneys", phantom="adult-male")
    assert row["absorbed_Gy"] == pytest.approx(base, rel=1e-12)
    grads = {r: (imaging_doses({**tia, r: tia[r] + 1.0}, s).dose("Kidneys", phantom="adult-male") - base)
             for r in tia}
    assert row["absorbed_sd_Gy"] == pytest.approx(math.sqrt(sum((grads[r] * sd[r]) ** 2 for r in tia)), rel=1e-6)
    # BED of the full dose-rate curve sum_R S(K<-R) A_R(t), with the remainder curve, by quadrature
    t = np.concatenate([np.linspace(0, 48, 4001), np.linspace(48.1, 20000, 40000)])
    table = s.tables["adult-male"].values.loc["Kidneys"]
    curves = {r: fits[("P1", 1, r)].curve(t) for r in tia}
    rate = (table["kidneys"] * curves["kidneys"] + table["liver"] * curves["liver"]
            + table["remainder"] * (curves["whole_body"] - curves["kidneys"] - curves["liver"]))
    # bed_from_dose_rate takes the rate as piecewise linear: its error is O(h²λ²/12) per step, with
    # h ≤ 0.5 h and λ ≤ 0.03/h (remainder, ln 2/40 h + physical) about 2e-5, and the tail after
    # 20 000 h is e^-80 of the dose; 2e-3 leaves room for the fast initial terms (h = 0.012 h)
    assert row["bed_Gy"] == pytest.approx(bed_from_dose_rate(t, rate), rel=2e-3)
    assert len(d.effective) == 2 and (d.effective["effective_Sv"] > 0).all()
    assert d.data_files and all(len(h) == 64 for h in d.data_files.values())


def test_icrp133_without_whole_body_says_what_is_missing(mono, saf_dir):
    trial, _ = mono
    d = trial_doses(trial, fit_trial(trial, n_terms=(1,), uptake=False), method="icrp133", saf_dir=saf_dir)
    reasons = dict(zip(d.not_computed["region"], d.not_computed["reason"]))
    assert "whole-body" in reasons["remainder"] and "effective dose" in reasons
    assert d.effective.empty


def test_local_method_refuses_regions_that_need_a_phantom(tmp_path):
    trial = read_trial(_add_region(write(tmp_path / "rm"), "red_marrow", 30.0, 60.0, mass_kg=1.17))
    d = trial_doses(trial, fit_trial(trial, n_terms=(1,), uptake=False))
    assert "red_marrow" not in set(d.doses["target"])
    reason = dict(zip(d.not_computed["region"], d.not_computed["reason"]))["red_marrow"]
    assert "ICRP 133" in reason and "icrp133" in reason


def _with_blood(folder, *, red_marrow_mass=None):
    """Add blood concentrations: c(t) = 400 kBq/mL e^{-ln2 t/2 h} + 4 kBq/mL e^{-ln2 t/60 h}."""
    toml = (folder / "trial.toml").read_text()
    toml = toml.replace('"whole_body"]', '"whole_body", "blood"]').replace('"liver"]', '"liver", "blood"]')
    if red_marrow_mass is not None:
        toml = toml.replace("kidneys = 0.31", f"kidneys = 0.31\nred_marrow = {red_marrow_mass}")
    (folder / "trial.toml").write_text(toml)
    lines = (folder / "measurements.csv").read_text().splitlines()
    out = [lines[0] + ",concentration [kBq/mL]"] + [ln + "," for ln in lines[1:]]
    for c in (1, 2):
        for t in (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 24.0, 96.0, 168.0):
            conc = 400.0 * math.exp(-math.log(2) * t / 2.0) + 4.0 * math.exp(-math.log(2) * t / 60.0)
            out.append(f"P1,{c},{t},blood,,{conc:.10g}")
    (folder / "measurements.csv").write_text("\n".join(out) + "\n")
    return folder


def test_red_marrow_from_blood_samples(tmp_path, saf_dir):
    """Blood-based method (EANM 2010): TIA_RM = ∫c dt / 1.06 g/mL × RMBLR × m_RM, by hand.

    ∫c = 400 MBq/L × 2 h/ln2 + 4 MBq/L × 60 h/ln2 (exact data, decay included in the curve).
    """
    trial = read_trial(_with_blood(write(tmp_path / "b")))
    fits = fit_trial(trial, n_terms=(1,), uptake=False)
    blood = fit_trial(trial, quantity="concentration", n_terms=(2,), uptake=False)
    expected_conc = (400.0 * 2.0 + 4.0 * 60.0) / math.log(2)                # MBq h / L
    assert blood[("P1", 1, "blood")].tia_MBq_h == pytest.approx(expected_conc, rel=1e-6)
    d = trial_doses(trial, fits, blood_fits=blood)
    tia = d.tia.set_index(["cycle", "region"]).loc[(1, "red_marrow"), "tia_MBq_h"]
    # male reference red marrow 1.17 kg (ICRP 89), RMBLR 1, blood 1.06 g/mL: MBq/L -> MBq/mL is 1e-3
    assert tia == pytest.approx(expected_conc * 1e-3 / 1.06 * 1170.0, rel=1e-6)
    # the local method lists the marrow as not computed (it needs a phantom), never silently
    reasons = dict(zip(d.not_computed["region"], d.not_computed["reason"]))
    assert "red_marrow" in reasons and "red_marrow" not in set(d.doses["target"])
    assert any("Hindorf" in s.citation for s in d.sources)
    # a measured marrow mass and another RMBLR scale it; the ICRP 133 method doses it as R-marrow
    trial2 = read_trial(_with_blood(_with_whole_body(write(tmp_path / "c")), red_marrow_mass=0.9))
    fits2 = fit_trial(trial2, n_terms=(1,), uptake=False)
    blood2 = fit_trial(trial2, quantity="concentration", n_terms=(2,), uptake=False)
    d2 = trial_doses(trial2, fits2, blood_fits=blood2, rmblr=0.36, method="icrp133", saf_dir=saf_dir)
    tia2 = d2.tia.set_index(["cycle", "region"]).loc[(1, "red_marrow"), "tia_MBq_h"]
    assert tia2 == pytest.approx(expected_conc * 1e-3 / 1.06 * 900.0 * 0.36, rel=1e-6)
    # by hand: the marrow is an imaged source region (R-marrow, scaled to its 0.9 kg) and its
    # activity leaves the remainder
    from pkdose.dosimetry.regions import imaging_doses, imaging_s_values
    s = imaging_s_values("Lu-177", ["kidneys", "liver", "red_marrow"], phantom="both", saf_dir=saf_dir,
                         masses={"kidneys": 0.31, "liver": 1.8, "red_marrow": 0.9})
    tia_all = {r: fits2[("P1", 1, r)].tia_MBq_h for r in ("kidneys", "liver", "whole_body")}
    by_hand = imaging_doses({**tia_all, "red_marrow": tia2}, s).dose("R-marrow", phantom="adult-male")
    rm = d2.doses.set_index(["cycle", "target"]).loc[(1, "red_marrow"), "absorbed_Gy"]
    assert rm == pytest.approx(by_hand, rel=1e-12)
    without = trial_doses(trial2, fits2, method="icrp133", saf_dir=saf_dir)
    assert without.doses.set_index(["cycle", "target"]).loc[(1, "red_marrow"), "absorbed_Gy"] != pytest.approx(rm)
    # red marrow imaged and from blood at once is refused
    with pytest.raises(DoseError, match="not both"):
        trial_doses(trial2, {**fits2, ("P1", 1, "red_marrow"): fits2[("P1", 1, "kidneys")]}, blood_fits=blood2)


def test_fits_of_the_wrong_quantity_are_refused(tmp_path):
    """A concentration fit (MBq·h/L) is never dosed as an organ activity, nor the reverse."""
    trial = read_trial(_with_blood(write(tmp_path / "q")))
    fits = fit_trial(trial, n_terms=(1,), uptake=False)
    blood = fit_trial(trial, quantity="concentration", n_terms=(2,), uptake=False)
    assert {f.quantity for f in fits.values()} == {"activity"}
    assert {f.quantity for f in blood.values()} == {"concentration"}
    with pytest.raises(DoseError, match="fits of activities"):
        trial_doses(trial, {**fits, **blood})
    with pytest.raises(DoseError, match="blood concentrations"):
        trial_doses(trial, fits, blood_fits={("P1", 1, "blood"): fits[("P1", 1, "liver")]})
    with pytest.raises(UnknownNameError, match="SIM99"):
        trial_doses(trial, fits, blood_fits={("SIM99", 1, "blood"): blood[("P1", 1, "blood")]})
