"""Mass scaling of self-dose S values: 1/m for electrons and alphas, m^(-2/3) for photons."""

import numpy as np
import pytest

from pkdose.dosimetry import scale_to_masses
from pkdose.errors import DoseError, UnknownNameError


def test_scaling_laws_and_cross_terms(lu177):
    m_ref = float(lu177.target_masses_kg["Kidneys"])
    p = scale_to_masses(lu177, {"Kidneys": f"{1.5 * m_ref * 1000} g"})
    r = 1 / 1.5
    assert p.s("Kidneys", "Kidneys", "electron") == pytest.approx(r * lu177.s("Kidneys", "Kidneys", "electron"), rel=1e-12)
    assert p.s("Kidneys", "Kidneys", "photon") == pytest.approx(r ** (2 / 3) * lu177.s("Kidneys", "Kidneys", "photon"),
                                                                rel=1e-12)
    assert p.s("Kidneys", "Kidneys") == pytest.approx(p.s("Kidneys", "Kidneys", "electron")
                                                      + p.s("Kidneys", "Kidneys", "photon")
                                                      + p.s("Kidneys", "Kidneys", "alpha"), rel=1e-12)
    # every other entry is untouched
    mask = np.ones(lu177.values.shape, dtype=bool)
    mask[lu177.targets.index("Kidneys"), lu177.sources.index("Kidneys")] = False
    np.testing.assert_array_equal(p.values.to_numpy()[mask], lu177.values.to_numpy()[mask])
    assert float(p.target_masses_kg["Kidneys"]) == pytest.approx(1.5 * m_ref)
    assert "rescaled" in p.convention
    # the reference table is not modified
    assert float(lu177.target_masses_kg["Kidneys"]) == pytest.approx(m_ref)


def test_reference_mass_is_identity(lu177):
    p = scale_to_masses(lu177, {"Liver": float(lu177.target_masses_kg["Liver"])})
    np.testing.assert_allclose(p.values, lu177.values, rtol=1e-15)


def test_bad_regions_and_masses(lu177):
    with pytest.raises(UnknownNameError):
        scale_to_masses(lu177, {"Kidney": 0.3})
    with pytest.raises(DoseError):
        scale_to_masses(lu177, {"Kidneys": 0.0})
