"""Absorbed and RBE-weighted dose: MIRD sums, classes, vectorisation, names and values checked."""

import numpy as np
import pandas as pd
import pytest

from pkdose.dosimetry import absorbed_dose, s_values
from pkdose.errors import DoseError, UnknownNameError


def test_mird_sum_over_sources(lu177):
    tia = {"Kidneys": 250.0, "Liver": 600.0, "Spleen": "0.1 GBq*h"}
    d = absorbed_dose(tia, lu177)
    expect = 250.0 * lu177.s("Kidneys", "Kidneys") + 600.0 * lu177.s("Kidneys", "Liver") + 100.0 * lu177.s("Kidneys", "Spleen")
    assert d.dose("Kidneys") == pytest.approx(expect, rel=1e-13)
    # classes add up; Lu-177 has no alphas, so RBE weighting changes nothing
    total = sum(d.absorbed_by_class_Gy[c] for c in ("photon", "electron", "alpha"))
    np.testing.assert_allclose(total, d.absorbed_Gy, rtol=1e-14)
    np.testing.assert_allclose(d.rbe_weighted_Gy, d.absorbed_Gy, rtol=1e-15)   # separate BLAS products: rounding only


def test_alpha_rbe_weighting(saf_dir):
    ra = s_values("Ra-223", saf_dir=saf_dir, progeny="in-situ")
    d = absorbed_dose({"T-bone-S": 1000.0}, ra, alpha_rbe=5.0)
    a = d.absorbed_by_class_Gy["alpha"].iloc[0]["Endost-BS"]
    assert a > 0.9 * d.dose("Endost-BS")                     # alpha dominated
    assert d.dose("Endost-BS", kind="rbe_weighted") == pytest.approx(d.dose("Endost-BS") + 4.0 * a, rel=1e-13)


def test_vectorised_rows_equal_single_calls(lu177):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"Kidneys": rng.uniform(100, 300, 50), "Liver": rng.uniform(300, 900, 50)})
    many = absorbed_dose(frame, lu177)
    for i in (0, 27, 49):
        one = absorbed_dose(frame.iloc[i].to_dict(), lu177)
        np.testing.assert_allclose(many.absorbed_Gy.iloc[i], one.absorbed_Gy.iloc[0], rtol=1e-13)


def test_bad_input(lu177):
    with pytest.raises(UnknownNameError) as e:
        absorbed_dose({"Kidney": 1.0}, lu177)
    assert "Kidneys" in e.value.suggestions
    with pytest.raises(DoseError) as e:
        absorbed_dose({"Kidneys": -1.0}, lu177)
    assert "Kidneys" in e.value.field
    with pytest.raises(DoseError):
        absorbed_dose({"Kidneys": 1.0}, lu177, alpha_rbe=0)
    from pkdose.errors import UnitError

    with pytest.raises(UnitError):
        absorbed_dose({"Kidneys": "3 kg"}, lu177)
