"""The band Cholesky head solver (``linear_solver="banded"``, "auto" on small networks) and the
per-network caches of ``solve_flow`` agree with SuperLU to round-off.

All three solvers (SuperLU, CHOLMOD, LAPACK's band Cholesky) are direct solvers of the same SPD
head system in every Newton iteration, so the runs follow the same iterates up to round-off:
same iterations, statuses and closed links, and flows and heads within a few ulps of the
largest one. Measured (relative to the largest flow / head): Net1 1.2e-16 / 0, Net3 2.0e-15 /
3.0e-16, the 1000-pipe grid 3.7e-16 / 1.7e-16 (banded vs SuperLU); Net6 (CHOLMOD, simplicial
factor) 1.5e-16 / 1.8e-16. Asserted at 1e-12, the bound stated for the change, which is
still far below anything the stopping rule allows (see ``test_linear_solvers.py``).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pkdose.flow import read_inp, solve_flow
from pkdose.flow.solver import (
    BANDED_MAX_WORK,
    _BandLayout,
    _Compressed,
    _HeadMatrixBanded,
    _HeadPattern,
    _linear_solver_kind,
)
from pkdose.flow.synthetic import grid_network

REL = 1e-12
CASES = [dict(), dict(tol=1e-10, head_tol=1e-8), dict(closed_link_leak=True)]


@pytest.fixture(scope="module")
def small_networks(epanet_networks):  # type: ignore[no-untyped-def]
    return {"grid": grid_network(1000, seed=3),
            "Net1": read_inp(epanet_networks / "Net1.inp"),
            "Net3": read_inp(epanet_networks / "Net3.inp")}


def _assert_same_solution(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.iterations == b.iterations
    assert a.closed_links == b.closed_links
    assert (a.link_status == b.link_status).all()
    assert list(a.flow_m3s.index) == list(b.flow_m3s.index)
    dq = (a.flow_m3s - b.flow_m3s).abs().max()
    dh = (a.head_m - b.head_m).abs().max()
    assert dq <= REL * a.flow_m3s.abs().max()
    assert dh <= REL * a.head_m.abs().max()


@pytest.mark.parametrize("name", ["grid", "Net1", "Net3"])
def test_auto_uses_the_band_solver_on_small_networks(small_networks, name) -> None:  # type: ignore[no-untyped-def]
    net = small_networks[name]
    solve_flow(net)
    band = net._arrays.memo["pattern"].band()
    assert band.work <= BANDED_MAX_WORK
    assert _linear_solver_kind("auto", len(net.junctions), "m", lambda: band.work) == "banded"
    assert _linear_solver_kind("auto", 5, "m", lambda: BANDED_MAX_WORK + 1) != "banded"
    assert _linear_solver_kind("superlu", 5, "m", lambda: 1) == "superlu"


@pytest.mark.parametrize("name", ["grid", "Net1", "Net3"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_banded_and_superlu_agree_to_round_off(small_networks, name, case) -> None:  # type: ignore[no-untyped-def]
    net = small_networks[name]
    lu = solve_flow(net, linear_solver="superlu", **CASES[case])
    band = solve_flow(net, linear_solver="banded", **CASES[case])
    _assert_same_solution(lu, band)
    if not CASES[case].get("closed_link_leak"):
        band.check_kirchhoff(atol=1e-10)


def test_cholmod_and_superlu_agree_to_round_off_on_net6(epanet_networks) -> None:  # type: ignore[no-untyped-def]
    import cvxopt  # noqa: F401  (test extra: a missing install fails, never skips)
    net = read_inp(epanet_networks / "Net6.inp")
    for kw in CASES[:2]:
        lu = solve_flow(net, linear_solver="superlu", **kw)
        first = solve_flow(net, linear_solver="cholmod", **kw)
        assert len(net._arrays.memo["cholmod_pool"]) == 1  # the analysis kept ...
        again = solve_flow(net, linear_solver="cholmod", **kw)  # ... and reused
        _assert_same_solution(lu, first)
        assert np.array_equal(first.flow_m3s.to_numpy(), again.flow_m3s.to_numpy())
        assert np.array_equal(first.head_m.to_numpy(), again.head_m.to_numpy())


def test_band_layout_matches_the_matrix_and_detects_indefinite() -> None:
    # a path 0 - 1 - 2 with a parallel pair between 2 and 1 (summed in the band)
    sj = np.array([0, 2, 2], dtype=np.intp)
    ej = np.array([1, 1, 1], dtype=np.intp)
    pattern = _HeadPattern.build(3, sj, ej)
    layout = _BandLayout.build(pattern)
    assert layout.width == 1 and sorted(layout.order) == [0, 1, 2]
    P = np.array([1.0, 2.0, 3.0])
    diag = np.array([1.0 + 0.5, 1.0 + 2.0 + 3.0, 2.0 + 3.0 + 0.25])
    vals = np.concatenate([diag, -P[pattern.both], -P[pattern.both]])
    A = np.zeros((3, 3))
    np.add.at(A, (pattern.rows, pattern.cols), vals)
    b = np.array([1.0, -2.0, 0.5])
    x = _HeadMatrixBanded(layout).factor(vals).solve(b)
    np.testing.assert_allclose(A @ x, b, rtol=0, atol=1e-14)
    with pytest.raises(RuntimeError, match="not positive definite"):
        _HeadMatrixBanded(layout).factor(np.concatenate([-diag, -P, -P]))


def test_compressed_values_sum_duplicates_as_bincount_does() -> None:
    rng = np.random.default_rng(5)
    n = 6
    rows = rng.integers(0, n, 40).astype(np.intp)
    cols = rng.integers(0, n, 40).astype(np.intp)  # many duplicate positions
    vals = rng.normal(size=40) * 10.0 ** rng.integers(-8, 8, 40)
    for lower in (False, True):
        lay = _Compressed.build(n, rows, cols, lower=lower)
        v = vals if lay.take is None else vals[lay.take]
        assert np.array_equal(lay.values(vals), np.bincount(lay.slot, v, lay.nnz))


def test_network_caches_survive_pickling(small_networks) -> None:  # type: ignore[no-untyped-def]
    net = small_networks["Net3"]
    first = solve_flow(net)
    clone = pickle.loads(pickle.dumps(net))
    assert "_arrays" not in vars(clone)  # derived arrays and solver caches are not pickled
    again = solve_flow(clone)
    assert np.array_equal(first.flow_m3s.to_numpy(), again.flow_m3s.to_numpy())
    assert np.array_equal(first.head_m.to_numpy(), again.head_m.to_numpy())
    assert first.iterations == again.iterations


def test_auto_factorises_small_networks_as_a_band(small_networks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = []
    factor = _HeadMatrixBanded.factor
    monkeypatch.setattr(_HeadMatrixBanded, "factor",
                        lambda self, vals: calls.append(1) or factor(self, vals))
    sol = solve_flow(small_networks["Net3"])
    assert len(calls) == sol.iterations                # one band factorisation per iteration
    calls.clear()
    solve_flow(small_networks["Net3"], linear_solver="superlu")
    assert not calls


def test_band_solver_without_junctions() -> None:
    # two fixed heads and a pipe: no head equations; every solver gives the same flow
    from pkdose.flow.network import FixedHeadNode, Pipe, VascularNetwork
    net = VascularNetwork("no junctions", (), (FixedHeadNode("A", 10.0), FixedHeadNode("B", 0.0)),
                          pipes=(Pipe("p", "A", "B", 100.0, 0.1, 100.0),))
    flows = {k: solve_flow(net, linear_solver=k).flow_m3s["p"] for k in ("banded", "superlu", "auto")}
    assert flows["banded"] == flows["superlu"] == flows["auto"] > 0


def test_cholmod_simplicial_factor_refuses_an_indefinite_matrix() -> None:
    pytest.importorskip("cvxopt")
    from pkdose.flow.solver import _HeadMatrixCholmod
    # a chain of 6 junctions; the diagonal made too small at one of them: indefinite, which a
    # simplicial LDLᵀ factorises without complaint unless its pivots are checked
    n = 6
    pattern = _HeadPattern.build(n, np.arange(n - 1, dtype=np.intp), np.arange(1, n, dtype=np.intp))
    P = np.ones(n - 1)
    diag = np.full(n, 2.0) + 0.1
    good = np.concatenate([diag, -P[pattern.both], -P[pattern.both]])
    head = _HeadMatrixCholmod(n, pattern.rows, pattern.cols, pattern.lower_csc())
    A = np.zeros((n, n))
    np.add.at(A, (pattern.rows, pattern.cols), good)
    b = np.arange(1.0, n + 1)
    np.testing.assert_allclose(A @ head.factor(good).solve(b), b, rtol=0, atol=1e-13)
    bad = good.copy()
    bad[3] = 0.2                                       # A[3, 3] = 0.2 < |off-diagonals|
    A_bad = np.zeros((n, n))
    np.add.at(A_bad, (pattern.rows, pattern.cols), bad)
    assert np.linalg.eigvalsh(A_bad).min() < 0
    with pytest.raises(RuntimeError, match="not positive definite"):
        head.factor(bad)


def test_concurrent_cholmod_solves_leave_cvxopt_options_alone(epanet_networks) -> None:  # type: ignore[no-untyped-def]
    import sys
    import threading
    cholmod = pytest.importorskip("cvxopt.cholmod")
    before = dict(cholmod.options)
    nets = [read_inp(epanet_networks / "Net3.inp") for _ in range(64)]  # each its own analysis
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)                        # switch threads as often as possible
    try:
        threads = [threading.Thread(target=solve_flow, args=(x,),
                                    kwargs=dict(linear_solver="cholmod")) for x in nets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    # without the lock, overlapping save/set/restore left {'supernodal': 1} behind (3 of 3 runs)
    assert dict(cholmod.options) == before
