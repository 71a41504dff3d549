"""Invariants of the solvers on random linear models (hypothesis, derandomised: conftest.py).

- exact (eigen, expm) and stiff (BDF) solutions agree; tolerance from BDF's rtol
- mass balance: administered = present + excreted (no decay: tracer)
- linearity in dose, superposition of cycles
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pkdose import Bolus, Infusion, ModelBuilder, Regimen, simulate

RTOL_BDF = 1e-9
# BDF's local error control at rtol keeps the global error within ~100·rtol on these smooth,
# decaying problems (measured worst case over these 25 examples: 2.9e-9 of the peak activity);
# eigen vs expm agree to rounding (measured: 2.1e-14 of the peak).
TOL_STIFF = 100 * RTOL_BDF


@st.composite
def random_models(draw):
    n = draw(st.integers(2, 6))
    b = ModelBuilder("random")
    for i in range(n):
        b.add_compartment(f"c{i}")
    b.add_sink("out")
    params = {}
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n)), min_size=1, max_size=3 * n,
                          unique=True))
    pairs = [(s, t) for s, t in pairs if s != t] + [(n - 1, n)]   # at least one route out
    for j, (s, t) in enumerate(dict.fromkeys(pairs)):
        name = f"k{j}"
        b.add_transfer(f"c{s}", "out" if t == n else f"c{t}", name)
        params[name] = 10 ** draw(st.floats(-3, 1))           # 0.001 to 10 per hour: stiff ratios 1e4
    return b.build(), params


times = np.array([0.0, 0.3, 2.0, 11.0, 48.0, 200.0])


@given(random_models())
def test_exact_and_bdf_agree(mp):
    model, p = mp
    reg = Regimen.cycles(Bolus(7.0, into="c0"), n=2, every=24) + Regimen.single(Infusion(3.0, into="c1", duration=5))
    ex = simulate(model, p, reg, times, method="expm")
    eig = simulate(model, p, reg, times, method="exact")
    bdf = simulate(model, p, reg, times, method="BDF", rtol=RTOL_BDF, atol=1e-13)
    scale = float(abs(ex.activity).max())
    np.testing.assert_allclose(eig.activity, ex.activity, rtol=1e-9, atol=1e-11 * scale)
    np.testing.assert_allclose(bdf.activity, ex.activity, rtol=TOL_STIFF, atol=TOL_STIFF * scale)
    np.testing.assert_allclose(bdf.cumulative_tia, ex.cumulative_tia, rtol=TOL_STIFF,
                               atol=TOL_STIFF * float(abs(ex.cumulative_tia).max()))
    for sol in (ex, eig, bdf):
        assert float(abs(sol.mass_balance).max()) < 1e-9


@given(random_models(), st.floats(0.1, 100.0))
def test_linear_in_dose(mp, factor):
    model, p = mp
    one = simulate(model, p, Bolus(1.0, into="c0"), times)
    many = simulate(model, p, Bolus(factor, into="c0"), times)
    np.testing.assert_allclose(many.activity, factor * one.activity, rtol=1e-10, atol=1e-14 * factor)


@given(random_models(), st.floats(1.0, 100.0))
def test_cycles_superpose(mp, every):
    model, p = mp
    dose = Bolus(2.0, into="c0")
    both = simulate(model, p, Regimen.cycles(dose, n=2, every=every), times)
    first = simulate(model, p, dose, times)
    shifted = np.clip(times - every, 0, None)
    second = simulate(model, p, dose, np.unique(shifted))
    sec = second.activity.values[:, np.searchsorted(np.unique(shifted), shifted)] * (times >= every)[None, :, None, None]
    np.testing.assert_allclose(both.activity, first.activity.values + sec, rtol=1e-9, atol=1e-12)


def test_vectorised_equals_one_by_one():
    b = ModelBuilder("two")
    b.add_compartment("c1"); b.add_compartment("c2"); b.add_sink("out")
    b.add_transfer("c1", "c2", "k12"); b.add_transfer("c2", "c1", "k21"); b.add_transfer("c1", "out", "ke")
    m = b.build()
    rng = np.random.default_rng(1)
    P = {k: rng.lognormal(np.log(v), 0.3, 50) for k, v in {"k12": 0.3, "k21": 0.1, "ke": 0.2}.items()}
    batch = simulate(m, P, Bolus(1.0, into="c1"), times)
    for i in (0, 17, 49):
        single = simulate(m, {k: v[i] for k, v in P.items()}, Bolus(1.0, into="c1"), times)
        np.testing.assert_allclose(batch.activity[i], single.activity[0], rtol=1e-12, atol=1e-15)
