"""Tumour-organ photon cross-dose of the ``icrp133`` method (tumour inside a named host organ).

The ICRP 133 files are licensed: no S value or dose is written down here. Every expected value is
computed in the test from the engine's own S tables by another route (the S table *without*
hosts, whose organ and remainder columns the host model reuses, and ``sphere_s_value``), or is a
bound from published emission energies (ICRP 107 through ``pkdose.nuclides``). Tests skip when the
files are absent (``saf_dir`` fixture).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pkdose.data import read_trial
from pkdose.dosimetry import s_values, sphere_s_value
from pkdose.dosimetry.icrp133 import load_icrp133
from pkdose.dosimetry.imaging import trial_doses
from pkdose.dosimetry.regions import (IMAGING_REGIONS, TUMOUR_HOSTS, imaging_doses, imaging_s_values,
                                      tumour_host_problem)
from pkdose.errors import DoseError, UnknownNameError
from pkdose.fit import fit_trial
from pkdose.nuclides import get_nuclide

MASSES = {"kidneys": 0.31, "liver": 1.8, "tumour_1": 0.02}
REGIONS = ("kidneys", "liver", "tumour_1")
#: (A0 [MBq], effective half-life [h]) of the exact mono-exponential data, as in test_imaging.py
KINETICS = {"kidneys": (150.0, 50.0), "liver": (300.0, 70.0), "tumour_1": (20.0, 90.0), "whole_body": (4000.0, 40.0)}


def write(folder, *, nuclide="Lu-177", host: str | None = "liver"):
    folder.mkdir()
    hosts = f'[patients.tumour_host]\ntumour_1 = "{host}"\n' if host else ""
    (folder / "trial.toml").write_text(f"""
[trial]
id = "xdose"
radiopharmaceutical = "test"
nuclide = "{nuclide}"
regions = ["kidneys", "liver", "tumour_1", "whole_body"]

[[patients]]
id = "P1"
sex = "male"
body_mass_kg = 73.0
[patients.organ_mass_kg]
kidneys = 0.31
liver = 1.8
tumour_1 = 0.02
{hosts}
[[administrations]]
patient = "P1"
cycle = 1
activity_MBq = 7400.0
""")
    rows = ["patient,cycle,time [h],region,activity [MBq]"]
    for region, (a0, teff) in KINETICS.items():
        for t in (4.0, 24.0, 96.0, 168.0):
            rows.append(f"P1,1,{t},{region},{a0 * math.exp(-math.log(2) * t / teff):.10g}")
    (folder / "measurements.csv").write_text("\n".join(rows) + "\n")
    return folder


def run(folder, saf_dir):
    trial = read_trial(folder)
    fits = fit_trial(trial, n_terms=(1,), uptake=False)
    d = trial_doses(trial, fits, method="icrp133", saf_dir=saf_dir)
    tia = {r: fits[("P1", 1, r)].tia_MBq_h for r in KINETICS}
    return d, tia


def dose(d, target):
    return float(d.doses.set_index(["cycle", "target"]).loc[(1, target), "absorbed_Gy"])


@pytest.fixture(scope="module")
def lu(tmp_path_factory, saf_dir):
    """Lu-177: the same trial with tumour_1 in the liver and without a host; the S table without hosts."""
    root = tmp_path_factory.mktemp("lu")
    hosted, th = run(write(root / "host"), saf_dir)
    alone, ta = run(write(root / "none", host=None), saf_dir)
    assert th == ta
    s0 = imaging_s_values("Lu-177", REGIONS, phantom="both", saf_dir=saf_dir, masses=MASSES, progeny="in-situ")
    return hosted, alone, th, s0


def test_tumour_hosts_are_icrp133_targets_in_both_phantoms(saf_dir):
    for sex in ("adult-male", "adult-female"):
        data = load_icrp133(sex, saf_dir)
        mass = dict(zip(data.sources, data.source_masses_kg))
        for host, target in TUMOUR_HOSTS.items():
            (src,) = IMAGING_REGIONS[host].sources
            assert target in data.targets and mass[src] > 0, (sex, host)
    # every other imaging region says why it cannot hold a tumour
    assert all(tumour_host_problem(r) for r in IMAGING_REGIONS if r not in TUMOUR_HOSTS)
    assert "several" in tumour_host_problem("bone") and "not a target" in tumour_host_problem("stomach_contents")
    assert "one ICRP 133 reference phantom" in tumour_host_problem("prostate")
    assert "tumour" in tumour_host_problem("tumour_2") and "'liver'" in tumour_host_problem("livr")


def test_tumour_dose_is_sphere_self_dose_plus_host_photons_by_hand(lu):
    """(a) D_t = S_sphere Ã_t + Σ_R S_γ(Liver ← R) Ã_R over kidneys, liver and the remainder."""
    hosted, _, tia, s0 = lu
    rem = tia["whole_body"] - tia["kidneys"] - tia["liver"] - tia["tumour_1"]
    photon = {r: s0.s("Liver", r, phantom="adult-male", radiation="photon") for r in ("kidneys", "liver", "remainder")}
    self_s = sphere_s_value("Lu-177", 0.02, progeny="in-situ").value
    by_hand = (self_s * tia["tumour_1"] + photon["kidneys"] * tia["kidneys"] + photon["liver"] * tia["liver"]
               + photon["remainder"] * rem)
    assert dose(hosted, "tumour_1") == pytest.approx(by_hand, rel=1e-12)
    row = hosted.doses.set_index(["cycle", "target"]).loc[(1, "tumour_1")]
    assert row["s_model"] == "sphere + host photons (liver)"
    assert "tumour_1 in liver" in hosted.label
    assert "electron and alpha tumour-organ cross-dose NOT included" in hosted.label
    assert not any("cross-dose" in r for r in hosted.not_computed["region"])


def test_organs_gain_the_host_photon_dose_of_the_tumour_activity(lu):
    """(b) D_T(host) − D_T(none) = S_γ(T ← liver) Ã_t for every reported organ; E grows too."""
    hosted, alone, tia, s0 = lu
    for region, target in (("kidneys", "Kidneys"), ("liver", "Liver"), ("red_marrow", "R-marrow")):
        gain = s0.s(target, "liver", phantom="adult-male", radiation="photon") * tia["tumour_1"]
        assert gain > 0
        assert dose(hosted, region) - dose(alone, region) == pytest.approx(gain, rel=1e-9)
    assert (hosted.effective["effective_Sv"].to_numpy() > alone.effective["effective_Sv"].to_numpy()).all()
    # the tumour's activity is in its own column only: the remainder is the same with and without a host
    assert hosted.tia.equals(alone.tia)


def test_without_a_host_nothing_changes_and_the_reason_is_given(lu):
    """(e) No host: the doses are those of the S table without cross terms, and not_computed says why."""
    _, alone, tia, s0 = lu
    d = imaging_doses(tia, s0)
    for region, target in (("tumour_1", "tumour_1"), ("kidneys", "Kidneys"), ("liver", "Liver")):
        assert dose(alone, region) == pytest.approx(d.dose(target, phantom="adult-male"), rel=1e-12)
    assert alone.doses.set_index(["cycle", "target"]).loc[(1, "tumour_1"), "s_model"] == "sphere"
    reasons = dict(zip(alone.not_computed["region"], alone.not_computed["reason"]))
    assert "tumour_host" in reasons["tumour_1 cross-dose"] and "self-dose only" in reasons["tumour_1 cross-dose"]
    assert "Tumours without a host organ (tumour_1)" in alone.label and "cross-dose NOT included" in alone.label
    assert "tumour_1" in set(alone.cumulative["target"])        # a reason row, not a missing dose


def cross_fraction(tmp_path, saf_dir, nuclide):
    hosted, _ = run(write(tmp_path / f"{nuclide}-h", nuclide=nuclide), saf_dir)
    alone, _ = run(write(tmp_path / f"{nuclide}-n", nuclide=nuclide, host=None), saf_dir)
    return (dose(hosted, "tumour_1") - dose(alone, "tumour_1")) / dose(alone, "tumour_1"), hosted


def test_cross_dose_is_small_for_lu177_and_larger_for_a_photon_rich_nuclide(tmp_path, saf_dir):
    """(c) Tumour cross-dose / self-dose (20 g tumour in a 1.8 kg liver): below 1 % for Lu-177, larger for I-131.

    Bound: every source's photon energy absorbed in the host is at most Δ_γ Ã_R (absorbed
    fraction ≤ 1) spread over at least the patient's liver mass (the reference target masses
    are larger), so the cross-dose is ≤ Δ_γ (Ã_WB − Ã_t) / m_liver; the self-dose is
    E_abs,t Ã_t / m_t with E_abs,t the energy per decay the sphere keeps. Hence
    fraction ≤ (Δ_γ / E_abs,t) · (m_t / m_liver) · (Ã_WB − Ã_t) / Ã_t.
    Lu-177 emits 0.035 MeV of photons per 0.18 MeV, I-131 0.38 per 0.57 (ICRP 107): the photon
    share, and with it the fraction, is several times larger for I-131. The bounds are loose (they
    give the liver every photon emitted in the body); the measured fractions are in the report of
    the change, not here (numbers derived from the ICRP 133 files are not written down).
    """
    measured, bounds = {}, {}
    for nuclide in ("Lu-177", "I-131"):
        frac, hosted = cross_fraction(tmp_path, saf_dir, nuclide)
        tia = {r: float(hosted.tia.set_index("region").loc[r, "tia_MBq_h"]) for r in KINETICS}
        sphere = sphere_s_value(nuclide, 0.02, progeny="in-situ")
        e_abs = sum(sphere.energy_absorbed_MeV.values())
        delta_g = get_nuclide(nuclide).mean_energy("photon")
        bounds[nuclide] = delta_g / e_abs * 0.02 / 1.8 * (tia["whole_body"] - tia["tumour_1"]) / tia["tumour_1"]
        measured[nuclide] = frac
        assert 0 < frac < bounds[nuclide]
    assert measured["Lu-177"] < 0.01                        # below 1 % for Lu-177
    assert measured["I-131"] > 3 * measured["Lu-177"]       # photon-rich: clearly larger
    assert bounds["I-131"] > bounds["Lu-177"]


def test_s_table_structure_and_hosts_that_are_not_imaged(saf_dir):
    """Hosted tumours: photon-only cross terms; a host need not be imaged (its source column is ICRP 133's)."""
    s = imaging_s_values("Lu-177", ["kidneys", "liver", "tumour_1", "tumour_2", "tumour_3"], saf_dir=saf_dir,
                         masses={"kidneys": 0.31, "liver": 1.8, "tumour_1": 0.02, "tumour_2": 0.01, "tumour_3": 0.005},
                         tumour_hosts={"tumour_1": "liver", "tumour_2": "pancreas"})
    t = s.table()
    base = s_values("Lu-177", saf_dir=saf_dir)
    photon, electron = t.by_class["photon"], t.by_class["electron"]
    # tumour_2 in the (not imaged) pancreas irradiates every target as ICRP 133's pancreas source
    np.testing.assert_allclose(photon["tumour_2"].iloc[:len(base.targets)],
                               base.by_class["photon"]["Pancreas"].reindex(base.targets), rtol=1e-12)
    # tumour_1 receives the liver's photon dose from every source but itself, tumour_2 as pancreas
    for src in ("kidneys", "liver", "remainder"):
        assert t.values.loc["tumour_1", src] == photon.loc["tumour_1", src] == photon.loc["Liver", src]
    assert photon.loc["tumour_1", "tumour_2"] == photon.loc["Liver", "tumour_2"] > 0
    assert t.values.loc["tumour_1", "tumour_1"] == pytest.approx(sphere_s_value("Lu-177", 0.02).value, rel=1e-15)
    # no electron or alpha cross terms; tumour_3 (no host) has none at all
    assert electron.loc["tumour_1"].drop("tumour_1").eq(0).all() and electron["tumour_1"].drop("tumour_1").eq(0).all()
    assert t.values.loc["tumour_3"].drop("tumour_3").eq(0).all() and t.values["tumour_3"].drop("tumour_3").eq(0).all()
    assert dict(s.tumour_hosts) == {"tumour_1": "liver", "tumour_2": "pancreas"}
    assert "tumour_1 (in liver)" in s.convention and "NO cross-dose between these tumours" in s.convention
    d = imaging_doses({"kidneys": 3000, "liver": 5000, "tumour_1": 500, "tumour_2": 200, "tumour_3": 100,
                       "whole_body": 40000}, s)
    assert "tumour_3" in d.not_computed["tumour cross-dose"] and "tumour_1" not in d.not_computed["tumour cross-dose"]


def test_bad_tumour_hosts_are_refused(saf_dir):
    def s(hosts):
        return imaging_s_values("Lu-177", ["liver", "tumour_1"], saf_dir=saf_dir, masses={"tumour_1": 0.02},
                                tumour_hosts=hosts)
    with pytest.raises(UnknownNameError, match="tumour_2"):
        s({"tumour_2": "liver"})
    with pytest.raises(UnknownNameError) as err:
        s({"tumour_1": "livr"})
    assert err.value.suggestions[0] == "liver"
    with pytest.raises(DoseError, match="several ICRP 133 source regions"):
        s({"tumour_1": "colon"})
    with pytest.raises(DoseError, match="a mapping"):
        s(["liver"])


def test_icrp133_photon_s_values_are_reciprocal_between_hosts(saf_dir):
    """A tumour gets S_γ(host ← R) as a target and S_γ(T ← host) as a source: by reciprocity (Loevinger et al.
    1988) the same coupling. ICRP 133's Lu-177 photon S of neighbouring abdominal organs agree both ways to
    within 1 % (Monte Carlo estimates, blood-inclusive targets); distant pairs differ more, as the
    imaging_s_values Notes say."""
    photon = s_values("Lu-177", saf_dir=saf_dir).by_class["photon"]
    hosts = ("Liver", "Kidneys", "Spleen", "Pancreas")
    for i, a in enumerate(hosts):
        for b in hosts[i + 1:]:
            assert photon.loc[a, b] == pytest.approx(photon.loc[b, a], rel=0.01), (a, b)
