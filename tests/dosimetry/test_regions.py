"""Imaging regions -> ICRP 133 source regions and the remainder of body (pkdose.dosimetry.regions).

The ICRP 133 files are licensed: every expected value here is either computed in the test from
``s_values(...)`` by an independent route (hand-made mass-weighted means, the Cloutier et al.
1973 remainder formula, linearity through ``absorbed_dose``), or a published number (ICRP 89
body masses, ICRP 107 energy per decay, the issue's ~5.7e-5 mGy/(MBq*s)). No S value is
written down. Tests skip when the files are absent (``saf_dir`` fixture).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pkdose.dosimetry import (absorbed_dose, effective_dose, scale_to_masses, s_values,
                              sphere_s_value)
from pkdose.dosimetry.regions import (IMAGING_REGIONS, REMAINDER, ImagingSValues, body_regions,
                                      imaging_doses, imaging_s_values, red_marrow_tia_from_blood)
from pkdose.dosimetry.svalues import DECAYS_PER_MBQ_H, MEV_TO_J, RADIATION_CLASSES
from pkdose.errors import DoseError, UnknownNameError
from pkdose.nuclides import get_nuclide

ORGANS = ("kidneys", "liver", "spleen")


@pytest.fixture(scope="module")
def lu_regions(saf_dir) -> ImagingSValues:
    """Lu-177, adult male: kidneys, liver, spleen, colon wall and one 20 g tumour."""
    return imaging_s_values("Lu-177", [*ORGANS, "colon", "tumour_1"], saf_dir=saf_dir,
                            masses={"tumour_1": "20 g"})


@pytest.fixture(scope="module")
def lu_whole_body(saf_dir) -> ImagingSValues:
    """Lu-177, adult male, nothing imaged: the remainder is the whole body."""
    return imaging_s_values("Lu-177", [], saf_dir=saf_dir)


# ----------------------------------------------------------------------------------------
# mapping


def test_every_mapped_source_is_a_body_region_and_none_is_shared(am):
    """Each imaging region removes exactly its own mass from the remainder: its ICRP 133
    sources exist, lie in the body regions (or are absent from this sex), and no ICRP 133 source
    belongs to two imaging regions (no double counting)."""
    body = set(body_regions("adult-male", am.directory))
    mass = dict(zip(am.sources, am.source_masses_kg))
    seen: dict[str, str] = {}
    for name, region in IMAGING_REGIONS.items():
        for src in region.sources:
            assert src in am.sources, (name, src)
            assert src in body or mass[src] == 0, (name, src)
            assert src not in seen, (name, src, seen.get(src))
            seen[src] = name


def test_kidneys_use_every_kidney_source_region_weighted_by_mass(am, lu_regions):
    """The kidney sources are read from the ICRP 133 index, not from memory: every source region
    whose name mentions the kidney is used, with mass weights (one region, 'Kidneys', in
    ICRP 133: the kidneys are not split into cortex, medulla and pelvis there)."""
    kidney_sources = {s for s in am.sources if "kidney" in s.lower()}
    assert kidney_sources and set(IMAGING_REGIONS["kidneys"].sources) == kidney_sources
    w = lu_regions.weights["adult-male"]["kidneys"]
    mass = pd.Series(am.source_masses_kg, index=am.sources)[sorted(kidney_sources)]
    np.testing.assert_allclose(w[sorted(kidney_sources)], mass / mass.sum(), rtol=1e-15)
    assert w.drop(sorted(kidney_sources)).eq(0).all()


def test_colon_column_is_the_mass_weighted_mean_of_three_walls(lu177, lu_regions):
    """S(T <- colon) = sum m_s S(T <- s) / sum m_s over RC-, LC- and RS-wall, by hand."""
    walls = ["RC-wall", "LC-wall", "RS-wall"]
    assert IMAGING_REGIONS["colon"].sources == tuple(walls)
    m = lu177.source_masses_kg[walls].to_numpy()
    t = lu_regions.table()
    for kind in ("total", *RADIATION_CLASSES):
        ref = lu177.values if kind == "total" else lu177.by_class[kind]
        got = t.values if kind == "total" else t.by_class[kind]
        hand = (ref[walls[0]] * m[0] + ref[walls[1]] * m[1] + ref[walls[2]] * m[2]) / m.sum()
        np.testing.assert_allclose(got.loc[list(lu177.targets), "colon"], hand, rtol=1e-12)


# ----------------------------------------------------------------------------------------
# remainder


def test_body_regions_fill_the_icrp89_reference_body(saf_dir):
    """The body regions' masses add up to the ICRP 89 reference body masses, 73 kg (male) and
    60 kg (female). Tolerance 0.01 kg: the NDX masses are given to 3-4 significant digits, the
    smallest regions to 0.1 g."""
    for sex, reference_kg in (("adult-male", 73.0), ("adult-female", 60.0)):
        data_s = s_values("H-3", phantom=sex, saf_dir=saf_dir).source_masses_kg
        regs = body_regions(sex, saf_dir)
        assert len(set(regs)) == len(regs)
        assert {"Blood", "UB-cont", "Lung-Tis", "O-mucosa"} <= set(regs)
        overlapping = {"Lungs", "ALV", "T-marrow", "C-marrow", "St-mucosa", "Tongue"}
        assert not overlapping & set(regs)
        assert abs(float(data_s[list(regs)].sum()) - reference_kg) <= 0.01


def test_remainder_column_is_the_mass_weighted_mean_over_the_rest(saf_dir, lu177, lu_regions):
    """Remainder = body regions minus the imaged ones; its S column by hand with numpy."""
    rest = lu_regions.remainder_regions["adult-male"]
    covered = {"Kidneys", "Liver", "Spleen", "RC-wall", "LC-wall", "RS-wall"}
    assert set(rest) == set(body_regions("adult-male", saf_dir)) - covered
    m = lu177.source_masses_kg[list(rest)].to_numpy(dtype=float)
    for kind in ("total", *RADIATION_CLASSES):
        ref = lu177.values if kind == "total" else lu177.by_class[kind]
        got = lu_regions.table().values if kind == "total" else lu_regions.table().by_class[kind]
        hand = ref[list(rest)].to_numpy() @ m / m.sum()
        np.testing.assert_allclose(got.loc[list(lu177.targets), REMAINDER], hand, rtol=1e-12)
    assert lu_regions.reference_masses_kg["adult-male"][REMAINDER] == pytest.approx(m.sum(), rel=1e-15)


def test_remainder_equals_the_cloutier_formula(lu177, lu_regions, lu_whole_body):
    """MIRD/OLINDA remainder-of-body correction (Cloutier et al., J Nucl Med 1973;14:53):
    S(T <- RB) = [M S(T <- WB) - sum_h m_h S(T <- h)] / (M - sum_h m_h), with the whole-body S
    of the no-organ case. Algebraically identical to the mass-weighted mean; rtol 1e-9 allows for
    the cancellation in the subtraction (M / (M - sum m_h) ~ 1.05, double precision)."""
    big_m = float(lu_whole_body.reference_masses_kg["adult-male"][REMAINDER])
    s_wb = lu_whole_body.table().values.loc[list(lu177.targets), REMAINDER]
    imaged = ["Kidneys", "Liver", "Spleen", "RC-wall", "LC-wall", "RS-wall"]
    m = lu177.source_masses_kg[imaged]
    cloutier = (big_m * s_wb - lu177.values[imaged] @ m) / (big_m - float(m.sum()))
    got = lu_regions.table().values.loc[list(lu177.targets), REMAINDER]
    np.testing.assert_allclose(got, cloutier, rtol=1e-9, atol=1e-12 * float(s_wb.max()))


def test_whole_body_in_the_remainder_is_activity_uniform_by_mass(lu177, lu_whole_body):
    """Nothing imaged: the dose equals absorbed_dose() of the whole-body TIA split over the body
    regions in proportion to their masses (linearity; exact to rounding)."""
    tia_wb = 1.0e4
    d = imaging_doses({"whole_body": tia_wb}, lu_whole_body)
    assert d.tia_MBq_h.to_dict() == {REMAINDER: tia_wb}
    rest = list(lu_whole_body.remainder_regions["adult-male"])
    m = lu177.source_masses_kg[rest]
    direct = absorbed_dose((tia_wb * m / m.sum()).to_dict(), lu177)
    np.testing.assert_allclose(d.absorbed_Gy["adult-male"][list(lu177.targets)],
                               direct.absorbed_Gy.iloc[0], rtol=1e-12)


@pytest.mark.parametrize("target", ["Liver", "Kidneys", "Spleen", "Pancreas", "Brain", "Muscle",
                                    "Adipose", "Thyroid", "S-glands"])
def test_uniform_whole_body_electron_dose_is_the_emitted_energy_per_mass(lu_whole_body, target):
    """Identity: with the whole-body activity uniform per unit mass (all in the remainder, no
    organ imaged), charged-particle equilibrium (Lu-177 electron ranges <= 2 mm, far below
    these organs' sizes) and near-uniform composition (Fano's theorem) make the electron
    absorbed dose the same everywhere in soft tissue and equal to the emitted electron energy
    per unit mass: D_e = A_WB k Delta_np / M, with Delta_np = 0.14792 MeV per decay (ICRP 107,
    quoted in the issue), k = 1.602176634e-13 J/MeV x 3.6e9 decays/(MBq h) and M the body
    mass of the body regions. It holds only if the blood is handled consistently: ICRP 133
    target masses include the organ's blood, and it is the remainder's 'Blood' share that puts
    activity there (without it the kidneys, liver and spleen would get clearly less than D_e,
    by about their blood fraction of the target mass). The oral-mucosa target checks that 'Tongue'
    is rightly left out of the body regions (with it, it would get far more than D_e); it is held
    to 5 % only, being a thin layer next to teeth and air. Tolerance 1 %: the
    residual departures from equilibrium next to lung, bone and air over ~1 mm and the
    trapezoid integration of the beta spectrum are each a few tenths of a per cent at most."""
    delta = get_nuclide("Lu-177").mean_energy("non_penetrating")
    assert delta == pytest.approx(0.14792, abs=5e-6)
    tia_wb = 1.0e4
    big_m = float(lu_whole_body.reference_masses_kg["adult-male"][REMAINDER])
    d = imaging_doses({"whole_body": tia_wb}, lu_whole_body)
    electron = d.dose_tables["adult-male"].absorbed_by_class_Gy["electron"].iloc[0]
    d_e = tia_wb * MEV_TO_J * DECAYS_PER_MBQ_H * delta / big_m
    assert float(electron[target]) == pytest.approx(d_e, rel=0.01)
    assert float(electron["O-mucosa"]) == pytest.approx(d_e, rel=0.05)


def test_remainder_is_whole_body_minus_every_imaged_region(lu_regions):
    tia = {"kidneys": 3000.0, "liver": 5000.0, "spleen": 1500.0, "colon": 500.0, "tumour_1": 2000.0,
           "whole_body": 40000.0}
    d = imaging_doses(tia, lu_regions)
    assert d.tia_MBq_h[REMAINDER] == 40000.0 - 3000.0 - 5000.0 - 1500.0 - 500.0 - 2000.0
    assert d.notes == () and "tumour cross-dose" in d.not_computed


def test_negative_remainder_is_an_error_naming_the_regions(lu_regions):
    tia = {"kidneys": 3000.0, "liver": 5000.0, "spleen": 1500.0, "colon": 500.0, "tumour_1": 2000.0,
           "whole_body": 11000.0}
    with pytest.raises(DoseError) as err:
        imaging_doses(tia, lu_regions)
    assert err.value.field == "tia_by_region_MBq_h['whole_body']"
    assert err.value.got == 11000.0
    for name in ("kidneys", "liver", "spleen", "colon", "tumour_1", "12000"):
        assert name in err.value.expected
    # the same deficit, but within 2 SD of the whole-body measurement: set to 0 and recorded
    d = imaging_doses(tia, lu_regions, tia_sd_MBq_h={"whole_body": 600.0})
    assert d.tia_MBq_h[REMAINDER] == 0.0
    assert d.remainder_raw_MBq_h == -1000.0 and d.remainder_sd_MBq_h == 600.0
    assert len(d.notes) == 1 and "set to 0" in d.notes[0]
    with pytest.raises(DoseError):                       # 1000 > 1 x 600
        imaging_doses(tia, lu_regions, tia_sd_MBq_h={"whole_body": 600.0}, coverage_factor=1.0)


def test_without_whole_body_no_equivalent_or_effective_dose(lu_regions):
    tia = {"kidneys": 3000.0, "liver": 5000.0, "spleen": 1500.0, "colon": 500.0, "tumour_1": 2000.0}
    d = imaging_doses(tia, lu_regions)
    assert d.tia_MBq_h[REMAINDER] == 0.0
    assert d.equivalent is None and d.effective is None and d.effective_Sv is None
    assert {"remainder", "equivalent dose", "effective dose"} <= set(d.not_computed)


# ----------------------------------------------------------------------------------------
# S values, masses, tumours


def test_lu177_kidney_self_s_near_the_issue_value(lu_regions):
    """Issue 3: with ICRP 133 SAFs and masses, Lu-177 S(kidneys <- kidneys) is about 5.7e-5
    mGy/(MBq*s); within 10 %. Units: pkdose uses Gy/(MBq*h); 1 Gy/(MBq*h) = 1000 mGy per
    (MBq x 3600 s) = 1/3.6 mGy/(MBq*s)."""
    gy_per_mbq_h = lu_regions.s("Kidneys", "kidneys")
    mgy_per_mbq_s = lu_regions.s("Kidneys", "kidneys", unit="mGy/(MBq*s)")
    assert mgy_per_mbq_s == pytest.approx(gy_per_mbq_h / 3.6, rel=1e-12)
    assert mgy_per_mbq_s == pytest.approx(5.7e-5, rel=0.10)


@pytest.mark.parametrize("convention", ["icrp133-target", "icrp89"])
def test_kidney_mass_scaling_matches_scale_to_masses(saf_dir, lu177, convention):
    """The kidneys column with a patient mass equals scale_to_masses() of the ICRP 133 table,
    with the patient mass converted to the blood-inclusive target convention for 'icrp89'
    (x m_T/m_S of the phantom)."""
    patient = 0.36
    s = imaging_s_values("Lu-177", ["kidneys"], saf_dir=saf_dir, masses={"kidneys": patient},
                         mass_convention=convention)
    ratio = (float(lu177.target_masses_kg["Kidneys"]) / float(lu177.source_masses_kg["Kidneys"])
             if convention == "icrp89" else 1.0)
    ref = scale_to_masses(lu177, {"Kidneys": patient * ratio})
    t = s.table()
    for kind in ("total", *RADIATION_CLASSES):
        want = ref.values if kind == "total" else ref.by_class[kind]
        got = t.values if kind == "total" else t.by_class[kind]
        np.testing.assert_allclose(got.loc[list(lu177.targets), "kidneys"], want["Kidneys"], rtol=1e-12)
    assert s.scaled_target_masses_kg["adult-male"]["Kidneys"] == pytest.approx(patient * ratio)
    # electrons: self-dose x m_ref/m in the convention used
    e = t.by_class["electron"].loc["Kidneys", "kidneys"] / lu177.by_class["electron"].loc["Kidneys", "Kidneys"]
    m_ref = float(lu177.source_masses_kg["Kidneys"] if convention == "icrp89"
                  else lu177.target_masses_kg["Kidneys"])
    assert e == pytest.approx(m_ref / patient, rel=1e-12)


def test_tumour_is_a_sphere_without_cross_dose(lu_regions):
    sphere = sphere_s_value("Lu-177", "20 g")
    t = lu_regions.table()
    assert t.values.loc["tumour_1", "tumour_1"] == pytest.approx(sphere.value, rel=1e-15)
    assert t.values.loc["tumour_1"].drop("tumour_1").eq(0).all()
    assert t.values["tumour_1"].drop("tumour_1").eq(0).all()
    assert "NO cross-dose" in lu_regions.convention


def test_imaging_columns_equal_the_icrp133_sources_they_stand_for(saf_dir):
    """Linearity, both phantoms: doses (and E) from the imaging TIAs equal those of
    absorbed_dose() on the plain ICRP 133 tables with every imaging TIA spread over its ICRP 133
    source regions by the published weights."""
    s = imaging_s_values("Lu-177", ["kidneys", "liver", "colon", "red_marrow"], phantom="both",
                         saf_dir=saf_dir)
    tia = {"kidneys": 3000.0, "liver": 5000.0, "colon": 400.0,
           "red_marrow": red_marrow_tia_from_blood(0.05), "whole_body": 40000.0}
    d = imaging_doses(tia, s)
    plain = {}
    for sex in s.phantoms:
        by_source = s.weights[sex] @ d.tia_MBq_h.reindex(s.weights[sex].columns)
        ref = s_values("Lu-177", phantom=sex, saf_dir=saf_dir)
        plain[sex] = absorbed_dose(by_source[by_source > 0].to_dict(), ref)
        np.testing.assert_allclose(d.absorbed_Gy[sex][list(ref.targets)], plain[sex].absorbed_Gy.iloc[0],
                                   rtol=1e-12)
    e = effective_dose(plain["adult-male"], plain["adult-female"])
    assert d.effective_Sv == pytest.approx(float(e.effective_Sv.iloc[0]), rel=1e-12)
    assert d.effective is not None and d.effective.sex_averaged


def test_red_marrow_from_blood():
    """EANM 2010 blood-based method: TIA_RM = [TIA]_blood / rho x RMBLR x m_RM."""
    assert red_marrow_tia_from_blood(0.106) == pytest.approx(0.1 * 1170.0)
    assert red_marrow_tia_from_blood(0.106, phantom="af") == pytest.approx(0.1 * 900.0)
    assert red_marrow_tia_from_blood(0.2, rmblr=0.36, red_marrow_mass_kg="1.5 kg",
                                     blood_density_g_per_mL=1.0) == pytest.approx(0.2 * 0.36 * 1500.0)
    with pytest.raises(DoseError):
        red_marrow_tia_from_blood(-1.0)


# ----------------------------------------------------------------------------------------
# names


def test_unknown_and_unmappable_names_are_errors(saf_dir, lu_regions):
    with pytest.raises(UnknownNameError) as err:
        imaging_s_values("Lu-177", ["kidney"], saf_dir=saf_dir)
    assert err.value.name == "kidney" and "kidneys" in err.value.suggestions
    for name in ("heart", "heart_contents", "whole_body", "urinary_bladder", "kidney_cortex"):
        with pytest.raises(DoseError) as derr:
            imaging_s_values("Lu-177", [name], saf_dir=saf_dir)
        assert derr.value.field == f"regions[{name!r}]"
    with pytest.raises(DoseError, match="tumour_2"):                     # a tumour needs a mass
        imaging_s_values("Lu-177", ["tumour_2"], saf_dir=saf_dir)
    with pytest.raises(DoseError, match="colon"):                        # 3 regions: no scaling
        imaging_s_values("Lu-177", ["colon"], saf_dir=saf_dir, masses={"colon": 0.5})
    with pytest.raises(DoseError, match="Lung-Tis"):                     # not a target region
        imaging_s_values("Lu-177", ["lungs"], saf_dir=saf_dir, masses={"lungs": 0.5})
    with pytest.raises(UnknownNameError):                                # mass of a region not imaged
        imaging_s_values("Lu-177", ["liver"], saf_dir=saf_dir, masses={"kidneys": 0.3})
    with pytest.raises(DoseError, match="Ovaries"):                      # not in the male phantom
        imaging_s_values("Lu-177", ["ovaries"], saf_dir=saf_dir)
    with pytest.raises(UnknownNameError):
        imaging_s_values("Lu-177", ["liver"], saf_dir=saf_dir, mass_convention="ct")
    tia = {"kidneys": 1.0, "liver": 1.0, "spleen": 1.0, "colon": 1.0, "tumour_1": 1.0}
    with pytest.raises(UnknownNameError) as err:
        imaging_doses({**tia, "lever": 1.0}, lu_regions)
    assert "liver" in err.value.suggestions
    with pytest.raises(DoseError, match="spleen"):                       # every region needs a TIA
        imaging_doses({k: v for k, v in tia.items() if k != "spleen"}, lu_regions)
    with pytest.raises(DoseError):
        imaging_doses({**tia, "whole_body": 10.0, "remainder": 5.0}, lu_regions)
    with pytest.raises(DoseError):
        imaging_doses({**tia, "kidneys": -1.0}, lu_regions)
