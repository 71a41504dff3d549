"""The head-matrix solvers of ``solve_flow``: SuperLU and CHOLMOD (optional ``cvxopt``) agree.

Both are sparse direct solvers of the same SPD head system in every Newton iteration, so the
two runs follow the same Newton iterates up to round-off and stop at the same iteration.
Tolerances, derived from the stopping rule rather than from round-off (which is what is
measured, see below):

* flows: each run stops with its last change Σ|Δq| < tol Σ|q|, and with Newton's quadratic
  convergence the remaining error is smaller than that last change; so each is within
  tol Σ|q| (L1) of the exact solution, and the two within 2 tol Σ|q| of each other.
* heads: each run also has |h_k(q_k) − (H_start − H_end)| < head_tol on every link. Along a
  path of ℓ links from a reservoir (fixed head, the same in both runs) to a junction, the two
  head differences therefore differ by at most Σ_path (|h_k(q_k) − h_k(q'_k)| + 2 head_tol)
  ≤ g_max Σ|q − q'| + 2 ℓ head_tol, g_max the largest head-loss gradient dh/dq between the two
  flows; ℓ ≤ the number of junctions.
* Kirchhoff: both balance every junction to round-off (the flow-space refinement after each
  head solve), asserted at 1e-10 m³/s as in the other flow tests.

Measured on the 2e4-pipe grid at tol = head_tol = 1e-8 (10 201 junctions, 12 iterations each):
flows within 2.2e-16 m³/s of each other (the bound is 2 tol Σ|q| = 4.1e-6 m³/s), heads within
1.4e-14 m (bound 2.0e-4 m): round-off, which a snapshot check pins with a ~500x margin.

The same bounds hold for large networks (``REFINE_AT_END_MIN_JUNCTIONS`` junctions and up),
where the flow-space refinement is done only at a step that meets the stopping rule: the
intermediate Newton iterates then keep a junction imbalance of the size of the head round-off
times the largest conductance, which the next Newton step corrects (the flow excess is part
of its right-hand side), and the final step is refined as always. Both runs stop on the same
rule, so they are within 2 tol Σ|q| (flows, L1) and g_max Σ|δq| + 2 ℓ head_tol (heads) of
each other. Measured on the 2e4-pipe grid with the threshold lowered to 0: the same 12
iterations, flows within 2.5e-16 m³/s, heads within 1.4e-14 m (at EPANET's default accuracy
0.001 and head_tol 1e-3 m: 9 iterations each, 2.0e-12 m³/s and 1.5e-12 m). These figures are
for pipes only: with valves, pumps and check valves the iteration count can differ (a review
measured 16 vs 15 on a 22 500-junction grid) and flows by up to 2e-7 m³/s, still within 0.7 % of
the bound above.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from pkdose.errors import SolverError
from pkdose.flow import solve_flow
from pkdose.flow.solver import (
    CHOLMOD_MIN_JUNCTIONS,
    REFINE_AT_END_MIN_JUNCTIONS,
    _HeadMatrixCholmod,
    _linear_solver_kind,
    hazen_williams_headloss,
)
from pkdose.flow.synthetic import grid_network

TOL = 1e-8


@pytest.fixture(scope="module")
def grid():  # type: ignore[no-untyped-def]
    return grid_network(20_000, seed=3)


@pytest.fixture(scope="module")
def both(grid):  # type: ignore[no-untyped-def]
    import cvxopt  # noqa: F401  (test extra: a missing install fails, never skips)
    lu = solve_flow(grid, tol=TOL, head_tol=TOL, linear_solver="superlu")
    chol = solve_flow(grid, tol=TOL, head_tol=TOL, linear_solver="cholmod")
    return lu, chol


def test_auto_picks_cholmod_only_for_large_networks() -> None:
    assert _linear_solver_kind("superlu", 10**6, "m") == "superlu"
    assert _linear_solver_kind("auto", CHOLMOD_MIN_JUNCTIONS - 1, "m") == "superlu"
    expected = "superlu"
    try:
        import cvxopt.cholmod  # noqa: F401
        expected = "cholmod"
    except ImportError:
        pass
    assert _linear_solver_kind("auto", CHOLMOD_MIN_JUNCTIONS, "m") == expected


def _assert_within_the_stopping_rule(grid, a, b) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Assert the module's bounds between two solutions of ``grid`` stopped at TOL; return
    the largest flow [m³/s] and head [m] differences."""
    q, q2 = a.flow_m3s, b.flow_m3s[a.flow_m3s.index]
    dq_l1 = float((q - q2).abs().sum())
    assert dq_l1 <= 2 * TOL * float(q.abs().sum())
    # head bound: g_max Σ|δq| + 2 ℓ head_tol with ℓ ≤ number of junctions
    pipes = grid.pipes
    L = np.array([p.length_m for p in pipes])
    d = np.array([p.diameter_m for p in pipes])
    c = np.array([p.roughness for p in pipes])
    names = [p.name for p in pipes]
    g_max = max(float(np.max(hazen_williams_headloss(s.flow_m3s[names].to_numpy(), L, d, c)[1]))
                for s in (a, b))
    dh = (a.head_m - b.head_m[a.head_m.index]).abs()
    assert dh.max() <= g_max * dq_l1 + 2 * len(grid.junctions) * TOL
    return float((q - q2).abs().max()), float(dh.max())


def test_superlu_and_cholmod_agree_within_the_stopping_rule(grid, both) -> None:  # type: ignore[no-untyped-def]
    lu, chol = both
    assert len(grid.junctions) >= CHOLMOD_MIN_JUNCTIONS  # "auto" would pick CHOLMOD here
    assert lu.iterations == chol.iterations
    assert lu.closed_links == chol.closed_links == ()
    dq_max, dh_max = _assert_within_the_stopping_rule(grid, lu, chol)
    # snapshot: what is actually seen is round-off (2.2e-16 m³/s, 1.4e-14 m measured)
    assert dq_max <= 1e-13
    assert dh_max <= 1e-11


def test_refining_only_the_final_step_agrees_within_the_stopping_rule(
        grid, both, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _, chol = both  # every iteration refined (10 201 junctions, below the threshold)
    assert len(grid.junctions) < REFINE_AT_END_MIN_JUNCTIONS
    monkeypatch.setattr("pkdose.flow.solver.REFINE_AT_END_MIN_JUNCTIONS", 0)
    late = solve_flow(grid, tol=TOL, head_tol=TOL, linear_solver="cholmod")
    assert late.iterations == chol.iterations  # snapshot: 12 both
    assert late.closed_links == ()
    assert late.residual < TOL and late.head_residual_m < TOL
    late.check_kirchhoff(atol=1e-10)  # the final step is refined to round-off
    assert late.junction_imbalance_m3s().abs().max() <= 1e-12
    dq_max, dh_max = _assert_within_the_stopping_rule(grid, chol, late)
    # snapshot: 2.5e-16 m³/s and 1.4e-14 m measured
    assert dq_max <= 1e-13
    assert dh_max <= 1e-11


def test_refinement_threshold_leaves_the_epanet_reference_networks_alone() -> None:
    # Net6 (3323 junctions) is the largest network compared with EPANET to round-off; the
    # synthetic grid of tests/flow/test_scaling.py has 1024
    assert REFINE_AT_END_MIN_JUNCTIONS > 3323


def test_cholmod_solution_satisfies_kirchhoff_and_the_head_losses(both) -> None:  # type: ignore[no-untyped-def]
    _, chol = both
    chol.check_kirchhoff(atol=1e-10)
    assert chol.junction_imbalance_m3s().abs().max() <= 1e-10
    assert chol.head_residual_m < TOL
    assert chol.residual < TOL


def test_unknown_linear_solver_is_an_error(grid) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SolverError, match="linear_solver must be"):
        solve_flow(grid, linear_solver="umfpack")  # type: ignore[arg-type]


def test_cholmod_without_cvxopt_is_an_error(grid, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "cvxopt", None)  # import cvxopt now raises ImportError
    monkeypatch.setitem(sys.modules, "cvxopt.cholmod", None)
    with pytest.raises(SolverError, match="needs the optional package cvxopt"):
        solve_flow(grid, linear_solver="cholmod")
    # "auto" falls back to SuperLU
    assert solve_flow(grid_network(1000, seed=3), linear_solver="auto").iterations > 0


def test_not_positive_definite_is_reported() -> None:
    rows = np.array([0, 1, 0, 1], dtype=np.intp)
    cols = np.array([0, 1, 1, 0], dtype=np.intp)
    head = _HeadMatrixCholmod(2, rows, cols)
    x = head.factor(np.array([2.0, 2.0, -1.0, -1.0])).solve(np.array([1.0, 1.0]))
    np.testing.assert_allclose(x, [1.0, 1.0], rtol=1e-15)
    with pytest.raises(RuntimeError, match="not positive definite"):
        head.factor(np.array([1.0, 1.0, -2.0, -2.0]))


def test_factorisation_failure_names_the_iteration(grid, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from cvxopt import cholmod
    calls = {"n": 0}
    numeric = cholmod.numeric

    def fail_third(A, F):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise ArithmeticError("5")  # what CHOLMOD raises: the failing column
        return numeric(A, F)

    monkeypatch.setattr(cholmod, "numeric", fail_third)
    with pytest.raises(SolverError, match="at iteration 3: CHOLMOD: head matrix not positive"):
        solve_flow(grid, linear_solver="cholmod")
