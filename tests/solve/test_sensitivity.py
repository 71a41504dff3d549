"""Exact (Fréchet) sensitivities against closed-form derivatives and central differences."""

import numpy as np
import pytest

from pkdose import Bolus, Infusion, ModelBuilder, Regimen, simulate
from pkdose.solve.sensitivity import sensitivities


def model():
    b = ModelBuilder("two")
    b.add_compartment("c1"); b.add_compartment("c2"); b.add_sink("out")
    b.add_transfer("c1", "c2", "k12"); b.add_transfer("c2", "c1", "k21"); b.add_transfer("c1", "out", "CL / V")
    return b.build()


P = {"k12": 0.3, "k21": 0.1, "CL": 0.5, "V": 2.5}


def test_one_compartment_closed_form():
    # a(t) = a0 e^{-kt}: ∂a/∂k = -t a0 e^{-kt}
    b = ModelBuilder("one"); b.add_compartment("c"); b.add_sink("s"); b.add_transfer("c", "s", "k")
    t = np.array([0.5, 2.0, 9.0])
    s = sensitivities(b.build(), {"k": 0.2}, Bolus(3.0, into="c"), t)
    np.testing.assert_allclose(s.d_activity.sel(compartment="c", parameter="k")[:, 0],
                               -t * 3.0 * np.exp(-0.2 * t), rtol=1e-12)
    # ∂/∂k ∫0^t a0 e^{-ks} ds = a0 [t e^{-kt}/k - (1 - e^{-kt})/k²]
    k = 0.2
    np.testing.assert_allclose(s.d_cumulative_tia.sel(compartment="c", parameter="k")[:, 0],
                               3.0 * (t * np.exp(-k * t) / k - (1 - np.exp(-k * t)) / k**2), rtol=1e-11)


def test_against_central_differences_with_cycles_and_infusion():
    m = model()
    reg = Regimen.cycles(Bolus(4.0, into="c1"), n=2, every=12) + Regimen.single(Infusion(2.0, into="c2", duration=3, at=1))
    t = np.array([0.0, 1.5, 6.0, 13.0, 30.0])
    s = sensitivities(m, P, reg, t)
    base = simulate(m, P, reg, t, method="expm")
    np.testing.assert_allclose(s.activity.sel(compartment=list(m.compartments)),
                               base.activity[0], rtol=1e-12, atol=1e-14)
    for name in m.parameters:
        h = 1e-5 * P[name]
        up = simulate(m, {**P, name: P[name] + h}, reg, t, method="expm")
        dn = simulate(m, {**P, name: P[name] - h}, reg, t, method="expm")
        fd = (up.activity[0] - dn.activity[0]) / (2 * h)
        # central differences, h = 1e-5·p: truncation O(h²) ≈ 1e-10 relative, rounding eps/h ≈ 2e-11; margin x100
        np.testing.assert_allclose(s.d_activity.sel(compartment=list(m.compartments), parameter=name),
                                   fd, rtol=1e-8, atol=1e-10)
        fdi = (up.cumulative_tia[0] - dn.cumulative_tia[0]) / (2 * h)
        np.testing.assert_allclose(s.d_cumulative_tia.sel(compartment=list(m.compartments), parameter=name),
                                   fdi, rtol=1e-8, atol=1e-10)


def test_nonlinear_refused():
    b = ModelBuilder("mm"); b.add_compartment("c"); b.add_sink("s"); b.add_transfer("c", "s", "V/(K + A_c)")
    with pytest.raises(Exception, match="linear"):
        sensitivities(b.build(), {"V": 1, "K": 1}, Bolus(1, into="c"), [1.0])
