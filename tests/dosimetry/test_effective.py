"""Equivalent and effective dose: ICRP 103 weights, target-region assignment, sex averaging."""

import math

import numpy as np
import pandas as pd
import pytest

from pkdose.dosimetry.dose import DoseTable
from pkdose.dosimetry.tissues import (RADIATION_WEIGHTS, REMAINDER_TISSUES, SEXES, SOURCES,
                                      TISSUE_TARGETS, TISSUE_WEIGHTS, TISSUES, EquivalentDoses,
                                      effective_dose, equivalent_dose, targets_used,
                                      tissue_targets, tissue_weight)
from pkdose.errors import DoseError, UnknownNameError

MALE, FEMALE = SEXES


def table(phantom, photon, electron=0.0, alpha=0.0, *, nuclide="X-1", columns=None):
    """A DoseTable with per-class absorbed doses (scalars, 1-D per-sample arrays or DataFrames)."""
    cols = list(columns if columns is not None else targets_used(phantom))

    def frame(v):
        if isinstance(v, pd.DataFrame):
            return v.loc[:, cols].astype(float)
        arr = np.broadcast_to(np.asarray(v, dtype=float).reshape(-1, 1), (np.size(v), len(cols)))
        return pd.DataFrame(arr.copy(), columns=cols)

    by = {"photon": frame(photon), "electron": frame(electron), "alpha": frame(alpha)}
    n = max(len(f) for f in by.values())
    by = {c: (f if len(f) == n else pd.concat([f] * n, ignore_index=True)) for c, f in by.items()}
    total = by["photon"] + by["electron"] + by["alpha"]
    return DoseTable(nuclide, phantom, pd.DataFrame(index=total.index), total, by,
                     total + 4.0 * by["alpha"], 5.0, "synthetic", ())


def random_doses(phantom, seed, n=4):
    rng = np.random.default_rng(seed)
    cols = list(targets_used(phantom))
    return pd.DataFrame(rng.uniform(0.0, 2.0, (n, len(cols))), columns=cols)


# ---------------------------------------------------------------------------------------
# data


def test_weights_sum_to_one_and_are_cited():
    assert math.fsum(TISSUE_WEIGHTS.values()) == pytest.approx(1.0, abs=1e-15)
    assert len(TISSUE_WEIGHTS) == 15                                    # 14 tissues + remainder
    assert {w for w in TISSUE_WEIGHTS.values()} == {0.12, 0.08, 0.04, 0.01}
    assert dict(RADIATION_WEIGHTS) == {"photon": 1.0, "electron": 1.0, "alpha": 20.0}
    for sex in SEXES:
        rem = REMAINDER_TISSUES[sex]
        assert len(rem) == len(set(rem)) == 13
        assert not set(rem) & set(TISSUE_WEIGHTS)
    assert "Prostate" in REMAINDER_TISSUES[MALE] and "Uterus/cervix" in REMAINDER_TISSUES[FEMALE]
    for key in ("w_R", "w_T", "effective_dose", "target_tissue", "target_fractions"):
        assert SOURCES[key].citation


def test_target_fractions_sum_to_one_and_every_tissue_is_defined():
    for tissue in TISSUES:
        for sex, parts in TISSUE_TARGETS[tissue].items():
            assert sum(f for _, f in parts) == pytest.approx(1.0, abs=1e-15), (tissue, sex)
    for sex in SEXES:
        defined = {t for t in TISSUES if sex in TISSUE_TARGETS[t]}
        assert set(TISSUE_WEIGHTS) - {"Remainder"} <= defined
        assert set(REMAINDER_TISSUES[sex]) <= defined


def test_per_target_effective_weights_match_flexid_wt_table():
    """The per-target-region shares of E in FlexID lib/OIR/wT.txt, written out independently."""
    r = 0.12 / 13
    expected = {"RC-stem": 0.048, "LC-stem": 0.048, "RS-stem": 0.024, "Bronch-bas": 0.02,
                "Bronch-sec": 0.02, "Bchiol-sec": 0.04, "AI": 0.04, "ET1-bas": 0.001 * r,
                "ET2-bas": 0.999 * r, "LN-ET": 0.08 * r, "LN-Th": 0.08 * r, "LN-Sys": 0.84 * r,
                "R-marrow": 0.12, "Endost-BS": 0.01, "Testes": 0.08, "Muscle": r, "Prostate": r}
    share: dict[str, float] = {}
    for tissue in TISSUES:
        w = TISSUE_WEIGHTS.get(tissue, r if tissue in REMAINDER_TISSUES[MALE] else None)
        if w is None:
            continue
        for region, f in tissue_targets(tissue, MALE):
            share[region] = share.get(region, 0.0) + w * f
    for region, w in expected.items():
        assert share[region] == pytest.approx(w, rel=1e-12), region
    assert math.fsum(share.values()) == pytest.approx(1.0, abs=1e-14)


# ---------------------------------------------------------------------------------------
# equivalent dose


def test_radiation_weighting_per_class():
    d = table(MALE, photon=0.1, electron=0.2, alpha=0.01)
    h = equivalent_dose(d)
    for tissue in ("Liver", "Red bone marrow", "Colon", "Lung", "Prostate"):
        assert h.h(tissue) == pytest.approx(0.1 + 0.2 + 20 * 0.01, rel=1e-14)
    # alpha only: exactly x20; the DoseTable's RBE (5) is not used
    a = equivalent_dose(table(MALE, photon=0.0, alpha=0.5))
    assert a.h("Bone surface") == pytest.approx(10.0, rel=1e-14)


def test_composite_tissues_equal_their_combination():
    for sex, seed in ((MALE, 1), (FEMALE, 2)):
        doses = random_doses(sex, seed)
        h = equivalent_dose(*((table(sex, doses), None) if sex == MALE else (None, table(sex, doses))))
        frame = h.h_T_Sv[sex]
        d = doses
        np.testing.assert_allclose(frame["Colon"], 0.4 * d["RC-stem"] + 0.4 * d["LC-stem"] + 0.2 * d["RS-stem"], rtol=1e-14)
        np.testing.assert_allclose(frame["Lung"], (d["Bronch-bas"] + d["Bronch-sec"]) / 6 + (d["Bchiol-sec"] + d["AI"]) / 3, rtol=1e-14)
        np.testing.assert_allclose(frame["Extrathoracic region"], 0.001 * d["ET1-bas"] + 0.999 * d["ET2-bas"], rtol=1e-14)
        np.testing.assert_allclose(frame["Lymphatic nodes"], 0.08 * (d["LN-ET"] + d["LN-Th"]) + 0.84 * d["LN-Sys"], rtol=1e-14)
        np.testing.assert_allclose(frame["Red bone marrow"], d["R-marrow"], rtol=0)
        np.testing.assert_allclose(frame["Bone surface"], d["Endost-BS"], rtol=0)
        np.testing.assert_allclose(frame["Gonads"], d["Testes" if sex == MALE else "Ovaries"], rtol=0)
    assert "Uterus/cervix" not in equivalent_dose(table(MALE, 1.0)).h_T_Sv[MALE].columns
    assert "Prostate" not in equivalent_dose(None, table(FEMALE, 1.0)).h_T_Sv[FEMALE].columns


def test_remainder_is_the_mean_of_13_tissues_per_sex():
    m, f = random_doses(MALE, 3), random_doses(FEMALE, 4)
    h = equivalent_dose(table(MALE, m), table(FEMALE, f))
    for sex in SEXES:
        expect = h.h_T_Sv[sex][list(REMAINDER_TISSUES[sex])].sum(axis=1) / 13
        np.testing.assert_allclose(h.remainder_Sv[sex], expect, rtol=1e-14)
    # a dose to the prostate alone: male remainder = D/13, female remainder 0
    only = pd.DataFrame(0.0, index=[0], columns=list(targets_used(MALE)))
    only["Prostate"] = 1.3
    h = equivalent_dose(table(MALE, only), table(FEMALE, 0.0))
    assert h.h("Remainder", MALE) == pytest.approx(0.1, rel=1e-14)
    assert h.h("Remainder", FEMALE) == 0.0
    assert effective_dose(table(MALE, only), table(FEMALE, 0.0)).effective_Sv.iloc[0] == pytest.approx(0.12 * 0.1 / 2, rel=1e-14)


# ---------------------------------------------------------------------------------------
# effective dose


def test_uniform_photon_dose_gives_equal_effective_dose_per_sample():
    gy = np.array([1.0, 0.5, 3.0])
    e = effective_dose(table(MALE, gy), table(FEMALE, gy))
    np.testing.assert_allclose(e.effective_Sv.to_numpy(), gy, rtol=1e-14)
    assert e.effective_Sv.iloc[0] == pytest.approx(1.0, rel=1e-14)
    assert e.sex_averaged and e.sexes == SEXES
    h = equivalent_dose(table(MALE, gy), table(FEMALE, gy))
    for sex in SEXES:
        np.testing.assert_allclose(h.h_T_Sv[sex].to_numpy(), np.repeat(gy[:, None], h.h_T_Sv[sex].shape[1], 1), rtol=1e-14)


def test_uniform_alpha_dose_gives_twenty_times():
    e = effective_dose(table(MALE, 0.0, alpha=0.05), table(FEMALE, 0.0, alpha=0.05))
    assert e.effective_Sv.iloc[0] == pytest.approx(1.0, rel=1e-13)


def test_sex_average_and_contributions():
    m, f = random_doses(MALE, 5), random_doses(FEMALE, 6)
    h = equivalent_dose(table(MALE, m), table(FEMALE, f))
    e = h.effective()
    expect = sum(w * (h.h_T_Sv[MALE][t] + h.h_T_Sv[FEMALE][t]) / 2
                 for t, w in TISSUE_WEIGHTS.items() if t != "Remainder")
    expect = expect + 0.12 * (h.remainder_Sv[MALE] + h.remainder_Sv[FEMALE]) / 2
    np.testing.assert_allclose(e.effective_Sv, expect, rtol=1e-14)
    np.testing.assert_allclose(e.contributions_Sv.sum(axis=1), e.effective_Sv, rtol=1e-14)
    assert list(e.contributions_Sv.columns) == list(TISSUE_WEIGHTS)
    # E is the mean of the two sex-specific values
    em = effective_dose(table(MALE, m), sex_specific=True)
    ef = effective_dose(None, table(FEMALE, f), sex_specific=True)
    np.testing.assert_allclose((em.effective_Sv + ef.effective_Sv) / 2, e.effective_Sv, rtol=1e-14)


def test_one_sex_is_refused_unless_sex_specific():
    with pytest.raises(DoseError, match="sex-averaged") as err:
        effective_dose(table(MALE, 1.0))
    assert err.value.field == "doses_female"
    with pytest.raises(DoseError, match="sex-averaged"):
        effective_dose(None, table(FEMALE, 1.0))
    e = effective_dose(table(MALE, 1.0), sex_specific=True)
    assert not e.sex_averaged and e.sexes == (MALE,)
    assert "NOT the ICRP 103 effective dose" in e.quantity
    assert e.effective_Sv.iloc[0] == pytest.approx(1.0, rel=1e-14)
    with pytest.raises(DoseError, match="sex_specific"):
        effective_dose(table(MALE, 1.0), table(FEMALE, 1.0), sex_specific=True)


# ---------------------------------------------------------------------------------------
# errors


def test_unknown_tissue_names_suggest():
    h = equivalent_dose(table(MALE, 1.0), table(FEMALE, 1.0))
    with pytest.raises(UnknownNameError) as err:
        h.h("Lungs")
    assert err.value.kind == "tissue" and "Lung" in err.value.suggestions
    with pytest.raises(UnknownNameError) as err:
        tissue_weight("Red marrow")
    assert err.value.suggestions[0] == "Red bone marrow"
    with pytest.raises(UnknownNameError, match="remainder tissue"):
        tissue_weight("Kidneys")
    with pytest.raises(UnknownNameError):
        tissue_targets("Prostate", FEMALE)
    with pytest.raises(UnknownNameError):
        h.h("Uterus/cervix", MALE)
    with pytest.raises(UnknownNameError):
        equivalent_dose(table(MALE, 1.0)).h("Liver", FEMALE)


def test_bad_tables_are_refused():
    with pytest.raises(DoseError, match="adult-male"):
        equivalent_dose(table(FEMALE, 1.0))                          # female passed as male
    with pytest.raises(DoseError):
        equivalent_dose(None)
    with pytest.raises(DoseError, match="nuclide"):
        equivalent_dose(table(MALE, 1.0), table(FEMALE, 1.0, nuclide="Y-2"))
    with pytest.raises(DoseError, match="samples"):
        equivalent_dose(table(MALE, [1.0, 2.0]), table(FEMALE, 1.0))
    cols = [c for c in targets_used(MALE) if c != "LN-Sys"]
    with pytest.raises(DoseError, match="LN-Sys"):
        equivalent_dose(table(MALE, 1.0, columns=cols))
    with pytest.raises(DoseError, match="negative"):
        equivalent_dose(table(MALE, -1.0))
    d = table(MALE, 1.0)
    odd = DoseTable(d.nuclide, d.phantom, d.tia_MBq_h, d.absorbed_Gy,
                    {**d.absorbed_by_class_Gy, "neutron": d.absorbed_Gy}, d.rbe_weighted_Gy, 5.0, "", ())
    with pytest.raises(UnknownNameError) as err:
        equivalent_dose(odd)
    assert err.value.kind == "radiation class"


def test_result_types_are_frozen():
    h = equivalent_dose(table(MALE, 1.0), table(FEMALE, 1.0))
    assert isinstance(h, EquivalentDoses)
    with pytest.raises(AttributeError):
        h.nuclide = "Y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        h.h_T_Sv["x"] = None  # type: ignore[index]


# ---------------------------------------------------------------------------------------
# with real ICRP 133 S values (names and an independent per-target-region sum)


def test_with_icrp133_s_values(saf_dir):
    from pkdose.dosimetry import absorbed_dose, s_values

    s = {sex: s_values("Lu-177", phantom=sex, saf_dir=saf_dir) for sex in SEXES}
    for sex in SEXES:
        assert set(targets_used(sex)) <= set(s[sex].targets)
    rng = np.random.default_rng(7)
    tia = pd.DataFrame({"Liver": rng.uniform(50, 150, 3), "Kidneys": rng.uniform(20, 60, 3),
                        "UB-cont": rng.uniform(10, 30, 3)})
    d = {sex: absorbed_dose(tia, s[sex]) for sex in SEXES}
    e = effective_dose(d[MALE], d[FEMALE])
    # independent: E = sum over target regions of a per-region weight (FlexID wT.txt layout)
    r = 0.12 / 13
    common = {"O-mucosa": r, "Oesophagus": 0.04, "St-stem": 0.12, "SI-stem": r, "RC-stem": 0.048,
              "LC-stem": 0.048, "RS-stem": 0.024, "ET1-bas": 0.001 * r, "ET2-bas": 0.999 * r,
              "LN-ET": 0.08 * r, "Bronch-bas": 0.02, "Bronch-sec": 0.02, "Bchiol-sec": 0.04,
              "AI": 0.04, "LN-Th": 0.08 * r, "R-marrow": 0.12, "Endost-BS": 0.01, "Brain": 0.01,
              "S-glands": 0.01, "Thyroid": 0.04, "Breast": 0.12, "Thymus": r, "Ht-wall": r,
              "Adrenals": r, "Liver": 0.04, "Pancreas": r, "Kidneys": r, "Spleen": r,
              "GB-wall": r, "UB-wall": 0.04, "LN-Sys": 0.84 * r, "Skin": 0.01, "Muscle": r}
    wm = {**common, "Testes": 0.08, "Prostate": r}
    wf = {**common, "Ovaries": 0.08, "Uterus": r}
    expect = sum(w * d[MALE].absorbed_Gy[t] for t, w in wm.items()) / 2 \
        + sum(w * d[FEMALE].absorbed_Gy[t] for t, w in wf.items()) / 2
    np.testing.assert_allclose(e.effective_Sv, expect, rtol=1e-12)
    assert (e.effective_Sv > 0).all()
