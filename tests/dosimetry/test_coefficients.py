"""Tests of pkdose.dosimetry.coefficients (ICRP-style h_T and e(50) per Bq).

No number derived from the ICRP 133 files is written here (their licence): the end-to-end test
asserts structure, internal consistency and loose physical sanity only.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pkdose.errors import ModelDefinitionError, UnknownNameError
from pkdose.model import ModelBuilder
from pkdose.model.library import get_model
from pkdose.model.library import icrp137_radium_data as data
from pkdose.dosimetry.coefficients import (OTHER, _hours, _tia, dose_coefficients, other_regions,
                                           source_region_map, with_other)
from pkdose.nuclides import get_nuclide

# ICRP 133 source-region names used by the mapping (names only; sregions_2016-08-12.NDX)
_KNOWN_REGIONS = {
    "O-cavity", "Oesophag-f", "Oesophag-s", "St-cont", "SI-cont", "RC-cont", "LC-cont", "RS-cont",
    "Blood", "Liver", "Kidneys", "T-bone-S", "C-bone-S", "T-bone-V", "C-bone-V", "T-marrow",
    "C-marrow", "Spleen", "Skin", "Testes", "Ovaries", "UB-cont", OTHER,
}


@pytest.fixture(scope="module")
def ra223_model():
    return get_model("icrp137-radium", nuclide="Ra-223", daughters="own")


# ---------------------------------------------------------------- structure (no SAF files)


def test_every_compartment_of_every_element_model_is_mapped(ra223_model):
    mapping = source_region_map(ra223_model)
    assert set(mapping) == set(ra223_model.compartments)
    assert set(mapping.values()) <= _KNOWN_REGIONS
    assert not set(mapping) & set(ra223_model.sinks)          # excreta are no source
    # spot checks of the convention
    assert mapping["pb_plasma"] == mapping["po_plasma_2"] == mapping["bi_rbc"] == "Blood"
    assert mapping["bi_trab_marrow"] == "T-marrow" and mapping["tl_cort_marrow"] == "C-marrow"
    assert mapping["po_liver_1"] == mapping["tl_liver"] == "Liver"
    assert mapping["pb_st1"] == mapping["po_other"] == mapping["st2"] == OTHER
    assert mapping["pb_cort_bone_vol_nonexch"] == "C-bone-V"
    assert mapping["ub_contents"] == "UB-cont"


def test_progeny_table_covers_every_element_compartment():
    for element, model in data.PROGENY_MODELS.items():
        assert set(model["compartments"]) <= set(data.PROGENY_SOURCE_REGIONS[element]), element


def test_unmapped_compartment_is_an_error_not_dropped(ra223_model):
    partial = dict(source_region_map(ra223_model))
    del partial["po_spleen"]
    with pytest.raises(ModelDefinitionError, match="po_spleen"):
        dose_coefficients(ra223_model, source_regions=partial, saf_dir="/nonexistent")
    b = ModelBuilder("odd", nuclide="Ra-223", daughters="none")
    b.add_compartment("mystery_organ")
    b.add_sink("urine")
    b.add_transfer("mystery_organ", "urine", "k")
    with pytest.raises(ModelDefinitionError, match="mystery_organ"):
        source_region_map(b.build())


def test_unknown_route_and_compartment(ra223_model):
    with pytest.raises(UnknownNameError):
        dose_coefficients(ra223_model, route="inhalation")
    with pytest.raises(UnknownNameError):
        dose_coefficients(ra223_model, into="bloood")


def test_other_regions_rule():
    flagged = ("Liver", "Muscle", "T-bone-V", "C-bone-V", "R-marrow", "Y-marrow", "Spleen")
    # soft-tissue "Other" (ST0-2): mineral bone out; explicit Liver out
    assert other_regions(flagged, {"Liver"}, ["st0", "st1"]) == ("Muscle", "R-marrow", "Y-marrow", "Spleen")
    # a non-ST "Other" compartment keeps mineral bone; explicit T-marrow removes R/Y-marrow
    assert other_regions(flagged, {"T-marrow", "Spleen"}, ["po_other"]) == ("Liver", "Muscle", "T-bone-V",
                                                                              "C-bone-V")
    assert other_regions(flagged, set(), ["pb_st0", "bi_st2"]) == ("Liver", "Muscle", "R-marrow",
                                                                    "Y-marrow", "Spleen")


def test_commitment_period_parsing():
    assert _hours("50 y") == pytest.approx(50 * 365.25 * 24)
    assert _hours("50 year") == pytest.approx(50 * 365.25 * 24)
    assert _hours("7 d") == 168.0


def test_tia_of_one_becquerel_is_in_mbq_h():
    """1 Bq of Ra-223 retained forever: TIA = 1e-6 MBq x T1/2 / ln 2 (h), to infinity and to 50 y."""
    b = ModelBuilder("one", nuclide="Ra-223", daughters="none")
    b.add_compartment("body")
    b.add_sink("urine")
    b.add_parameter("k", 0.0, "1/h")
    b.add_transfer("body", "urine", "k")
    m = b.build()
    expected = 1e-6 * get_nuclide("Ra-223").half_life_h / math.log(2)
    inf, _ = _tia(m, "body", None)
    fifty, full = _tia(m, "body", _hours("50 y"))
    assert float(inf.loc["body", "Ra-223"]) == pytest.approx(expected, rel=1e-10)
    assert float(fifty.loc["body", "Ra-223"]) == pytest.approx(expected, rel=1e-10)
    assert float(full.loc["body", "Ra-223"]) == pytest.approx(expected, rel=1e-10)
    short, full = _tia(m, "body", 24.0)          # 1 d: 1 - exp(-lambda t) of the total
    lam = math.log(2) / get_nuclide("Ra-223").half_life_h
    assert float(short.loc["body", "Ra-223"]) == pytest.approx(expected * (1 - math.exp(-lam * 24)), rel=1e-9)


# ---------------------------------------------------------------- with the ICRP 133 files


def test_uniform_other_equals_mass_weighted_spread(saf_dir):
    """Activity A in "Other" gives the dose of A spread over its regions in proportion to mass."""
    from pkdose.dosimetry import absorbed_dose, load_icrp133, s_values

    for phantom in ("adult-male", "adult-female"):
        s = s_values("Ra-223", phantom=phantom, saf_dir=saf_dir)
        regions = other_regions(load_icrp133(phantom, saf_dir).other_tissue, {"Liver", "Kidneys"}, ["st0"])
        ext = with_other(s, regions)
        masses = s.source_masses_kg[list(regions)]
        spread = {r: 7.0 * float(masses[r] / masses.sum()) for r in regions if masses[r] > 0}
        d_other = absorbed_dose({OTHER: 7.0}, ext)
        d_spread = absorbed_dose(spread, s)
        for c in ("photon", "electron", "alpha"):
            np.testing.assert_allclose(d_other.absorbed_by_class_Gy[c].to_numpy(),
                                       d_spread.absorbed_by_class_Gy[c].to_numpy(), rtol=1e-12, atol=0)
        # "Other" is not one of the constituent regions themselves
        assert OTHER not in regions and "Liver" not in regions


def test_one_compartment_dose_is_tia_times_s(saf_dir):
    """Unit chain: 1 Bq Ra-223 retained in the liver, no progeny: D = TIA[MBq h] x S[Gy/(MBq h)]."""
    from pkdose.dosimetry import s_values

    b = ModelBuilder("liver-only", nuclide="Ra-223", daughters="none")
    b.add_compartment("liver")
    b.add_sink("urine")
    b.add_parameter("k", 0.0, "1/h")
    b.add_transfer("liver", "urine", "k")
    r = dose_coefficients(b.build(), into="liver", source_regions={"liver": "Liver"}, saf_dir=saf_dir,
                          integration_time="infinity")
    tia = 1e-6 * get_nuclide("Ra-223").half_life_h / math.log(2)
    assert float(r.tia_MBq_h_per_Bq.loc["Liver", "Ra-223"]) == pytest.approx(tia, rel=1e-10)
    s = s_values("Ra-223", phantom="adult-male", saf_dir=saf_dir)
    assert r.absorbed("Liver") == pytest.approx(tia * s.s("Liver", "Liver"), rel=1e-10)
    h_expected = tia * (s.s("Liver", "Liver", "photon") + s.s("Liver", "Liver", "electron")
                        + 20.0 * s.s("Liver", "Liver", "alpha"))
    assert r.h("Liver", "adult-male") == pytest.approx(h_expected, rel=1e-10)     # Sv per Bq


@pytest.fixture(scope="module")
def ra223(saf_dir):
    return dose_coefficients("icrp137-radium", nuclide="Ra-223", saf_dir=saf_dir)


def test_ra223_injection_structure(ra223, ra223_model):
    r = ra223
    assert r.route == "injection" and r.into == "blood" and r.integration_time_h == pytest.approx(438300.0)
    assert set(r.tia_MBq_h_per_Bq.columns) == set(ra223_model.nuclides)
    # TIA per Bq is bounded by the physical mean life of the parent (1e-6 MBq x tau)
    tau = get_nuclide("Ra-223").half_life_h / math.log(2)
    assert 0 < r.tia_MBq_h_per_Bq["Ra-223"].sum() < 1e-6 * tau
    assert (r.tail_fraction.abs() < 1e-9).all()          # 50 y = infinity for this chain
    # compartment and region TIA agree
    np.testing.assert_allclose(r.tia_MBq_h_per_Bq.sum().to_numpy(),
                               r.tia_compartment_MBq_h_per_Bq.sum().to_numpy(), rtol=1e-12)
    assert OTHER in r.tia_MBq_h_per_Bq.index
    assert abs(r.contributions_Sv_per_Bq.sum() - r.e_Sv_per_Bq) < 1e-12 * r.e_Sv_per_Bq
    for key, regions in r.other_regions.items():
        assert regions and OTHER not in regions, key
    # Pb-211 has explicit T/C-marrow, so R/Y-marrow are not parts of its "Other"
    assert "R-marrow" not in r.other_regions["adult-male/Pb-211"]


def test_ra223_injection_sanity(ra223):
    """No published ICRP injection coefficient for Ra-223 could be retrieved: sanity only."""
    r = ra223
    for sex in ("adult-male", "adult-female"):
        h = r.h_T_Sv_per_Bq[sex]
        bone = h["Bone surface"]
        others = h.drop("Bone surface")
        assert bone > 3 * others.max()                         # bone surface dominates
        for tissue in ("Red bone marrow", "Liver", "Kidneys"):
            assert h[tissue] > 5 * h["Colon"]                  # systemic deposits above gut wall
        a = r.absorbed_Gy_per_Bq[sex]
        assert a["Endost-BS"].sum() > 0
    assert 1e-8 < r.e_Sv_per_Bq < 1e-5
    # sex-averaged value lies between the two sexes
    for tissue in ("Bone surface", "Liver"):
        lo, hi = sorted((r.h(tissue, "am"), r.h(tissue, "af")))
        assert lo <= r.h_mean(tissue) <= hi


def test_ra223_alpha_dominated(saf_dir, ra223):
    from pkdose.dosimetry import s_values

    s = s_values("Ra-223", phantom="adult-male", saf_dir=saf_dir)
    tia = ra223.tia_MBq_h_per_Bq["Ra-223"]
    alpha = sum(tia[k] * s.s("Endost-BS", k, "alpha") for k in tia.index if k in s.sources)
    total = sum(tia[k] * s.s("Endost-BS", k) for k in tia.index if k in s.sources)
    assert alpha / total > 0.9


def test_infinity_equals_50_years_for_short_chain(saf_dir, ra223):
    inf = dose_coefficients("icrp137-radium", nuclide="Ra-223", saf_dir=saf_dir, integration_time="infinity")
    assert inf.integration == "infinity"
    assert inf.e_Sv_per_Bq == pytest.approx(ra223.e_Sv_per_Bq, rel=1e-9)


def test_ingestion_below_injection(saf_dir, ra223):
    ing = dose_coefficients("icrp137-radium", nuclide="Ra-223", route="ingestion", saf_dir=saf_dir)
    assert ing.into == "oral_cavity"
    assert 0 < ing.e_Sv_per_Bq < ra223.e_Sv_per_Bq       # fA = 0.2 < 1
