"""Steady-state network flow by the Global Gradient Algorithm, as in EPANET.

Unknowns are the flows q of the open links and the heads H of the junctions; fixed-head nodes
(reservoirs, tanks at their initial level) are known. With the head loss of link k written
h_k(q_k) = H_start − H_end, its gradient g_k = dh_k/dq_k, and EPANET's coefficients
P_k = 1/g_k and Y_k = h_k/g_k, each Newton step solves the Schur complement system

    (A21 D⁻¹ A12) H = F,   A_ii = Σ_k∋i P_k,  A_ij = −P_k,
    F_i = Σ_in q − Σ_out q − d_i + Σ_start Y_k − Σ_end Y_k + Σ_{k to fixed node} P_k H_fixed,

then updates the flows q_k ← q_k − (Y_k − P_k (H_start − H_end)), so that every junction
balances exactly after each step. Iteration stops when Σ|Δq| / Σ|q| < accuracy (EPANET's
criterion, default 0.001) and the largest head-loss imbalance |h_k(q_k) − ΔH_k| is below
``head_tol``.

References
----------
Todini, E. & Pilati, S. (1988). A gradient algorithm for the analysis of pipe networks. In
Coulbeck & Orr (eds), *Computer Applications in Water Supply*, vol. 1, 1-20.
Rossman, L. A. (2000). *EPANET 2 Users Manual*, EPA/600/R-00/057, Appendix D.
EPANET 2.2 source, ``hydcoeffs.c`` and ``hydsolver.c`` (constants reproduced below).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import SuperLU, splu

from pkdose.errors import (
    ConvergenceError,
    InputDataError,
    SolverError,
    UnknownNameError,
    Violation,
)
from pkdose.flow.network import CFS_M3S, FT_M, Pipe, Pump, VascularNetwork

__all__ = [
    "G_EPANET",
    "HW_COEFFICIENT_SI",
    "FlowSolution",
    "solve_flow",
    "hazen_williams_headloss",
    "darcy_weisbach_headloss",
    "hagen_poiseuille_headloss",
    "hagen_poiseuille_pressure_drop",
]

Array = NDArray[np.float64]

HW_COEFFICIENT_SI = 4.727 * FT_M**4.871 / CFS_M3S**1.852
"""Hazen-Williams constant in SI as EPANET converts it: 10.66672 (4.727 in ft and cfs)."""
HW_EXPONENT = 1.852
G_EPANET = 32.2 * FT_M
"""Gravity EPANET uses in Darcy-Weisbach, 32.2 ft/s² = 9.81456 m/s²."""
MINOR_LOSS_SI = 0.02517 * FT_M**5 / CFS_M3S**2
"""EPANET's minor-loss factor 8/(π² g) = 0.02517 (ft, cfs) in SI: 0.0825778 s²/m⁵."""
RQTOL_SI = 1e-7 * FT_M / CFS_M3S
"""EPANET's smallest head-loss gradient (RQtol = 1e-7 ft/cfs) in m per m³/s; below it the
H-W law (and a pump curve) is replaced by a straight line through the origin."""
CBIG = 1e8

# Darcy-Weisbach constants of EPANET 2.2 (hydcoeffs.c)
_A1 = 1000.0 * math.pi  # Re = 4000 in w = Re π/4
_A2 = 500.0 * math.pi  # Re = 2000
_A8 = 5.74 * (math.pi / 4.0) ** 0.9
_A9 = -2.0 / math.log(10.0)
_AB = 5.74 / 4000.0**0.9
_AC = -2.0 * 0.9 * 2.0 / math.log(10.0) * _AB


def hazen_williams_headloss(q: Array | float, length_m: Array | float, diameter_m: Array | float,
                            c: Array | float) -> tuple[Array, Array]:
    """Hazen-Williams head loss h [m] and its gradient dh/dq [m s/m³] for flow q [m³/s].

    h = 10.66672 C^-1.852 d^-4.871 L q|q|^0.852 (EPANET's constant in SI). Where the gradient
    1.852 r |q|^0.852 falls below EPANET's RQtol (1e-7 ft/cfs = 1.0764e-6 m s/m³, i.e. flows
    of about 1e-7 m³/s and less for ordinary pipes) the law is replaced, as in EPANET, by
    h = (RQtol/1.852) q.
    """
    q = np.asarray(q, dtype=float)
    r = HW_COEFFICIENT_SI * np.asarray(length_m) / np.asarray(c) ** HW_EXPONENT / \
        np.asarray(diameter_m) ** 4.871
    aq = np.abs(q)
    grad = HW_EXPONENT * r * aq ** (HW_EXPONENT - 1.0)
    small = grad < RQTOL_SI
    grad = np.where(small, RQTOL_SI / HW_EXPONENT, grad)
    h = np.where(small, grad * aq, grad * aq / HW_EXPONENT) * np.sign(q)
    return np.asarray(h, dtype=float), np.asarray(grad, dtype=float)


def darcy_weisbach_headloss(q: Array | float, length_m: Array | float, diameter_m: Array | float,
                            roughness_m: Array | float, viscosity_m2s: Array | float
                            ) -> tuple[Array, Array]:
    """Darcy-Weisbach head loss h = f L q|q| / (2 g d A²) [m] and dh/dq, as EPANET 2.2.

    f = 64/Re (Hagen-Poiseuille) for Re ≤ 2000; Swamee-Jain's explicit Colebrook-White
    f = 0.25 / log10(ε/(3.7 d) + 5.74/Re^0.9)² for Re ≥ 4000; Dunlop's cubic interpolation
    between. Re = 4|q|/(π d ν); g = 9.81456 m/s² (EPANET's 32.2 ft/s²).
    """
    q = np.asarray(q, dtype=float)
    L, d = np.asarray(length_m, dtype=float), np.asarray(diameter_m, dtype=float)
    e = np.asarray(roughness_m, dtype=float) / d
    s = np.asarray(viscosity_m2s, dtype=float) * d
    r = L / (2.0 * G_EPANET * d * (math.pi * d**2 / 4.0) ** 2)
    aq = np.abs(q)
    w = aq / s
    with np.errstate(divide="ignore", invalid="ignore"):
        y1 = _A8 / np.maximum(w, 1e-300) ** 0.9
        y2 = e / 3.7 + y1
        y3 = _A9 * np.log(y2)
        f_t = 1.0 / (y3 * y3)
        dfdq_t = 1.8 * f_t * y1 * _A9 / y2 / y3 / np.maximum(aq, 1e-300)
        y2b = e / 3.7 + _AB
        y3b = _A9 * np.log(y2b)
        fa = 1.0 / (y3b * y3b)
        fb = (2.0 + _AC / (y2b * y3b)) * fa
        rr = w / _A2
        x1, x2 = 7.0 * fa - fb, 0.128 - 17.0 * fa + 2.5 * fb
        x3, x4 = -0.128 + 13.0 * fa - 2.0 * fb, 0.032 - 3.0 * fa + 0.5 * fb
        f_x = x1 + rr * (x2 + rr * (x3 + rr * x4))
        dfdq_x = (x2 + rr * (2.0 * x3 + rr * 3.0 * x4)) / s / _A2
    turbulent = w >= _A1
    f = np.where(turbulent, f_t, f_x)
    dfdq = np.where(turbulent, dfdq_t, dfdq_x)
    h = f * r * aq * q
    grad = 2.0 * f * r * aq + dfdq * r * aq * aq
    laminar = aq <= _A2 * s
    rl = 16.0 * math.pi * s * r
    h = np.where(laminar, rl * q, h)
    grad = np.where(laminar, rl, grad)
    return np.asarray(h, dtype=float), np.asarray(grad, dtype=float)


def hagen_poiseuille_headloss(q: Array | float, length_m: Array | float,
                              diameter_m: Array | float, viscosity_m2s: Array | float,
                              g: float = G_EPANET) -> tuple[Array, Array]:
    """Laminar (Hagen-Poiseuille) head loss h = 128 ν L q / (π g d⁴) [m] and dh/dq.

    ν = μ/ρ is the kinematic viscosity [m²/s], one value or one per pipe. Equivalent to
    ΔP = 128 μ L q / (π d⁴), see :func:`hagen_poiseuille_pressure_drop`; used for blood
    vessels (Re ≪ 2000).
    """
    q = np.asarray(q, dtype=float)
    r = 128.0 * np.asarray(viscosity_m2s, dtype=float) * np.asarray(length_m) / (
        math.pi * g * np.asarray(diameter_m)**4)
    return np.asarray(r * q, dtype=float), np.asarray(r * np.ones_like(q), dtype=float)


def hagen_poiseuille_pressure_drop(q: float, length_m: float, diameter_m: float,
                                   viscosity_pa_s: float) -> float:
    """Pressure drop ΔP = 128 μ L q / (π d⁴) [Pa] of laminar flow q [m³/s] in a tube."""
    return 128.0 * viscosity_pa_s * length_m * q / (math.pi * diameter_m**4)


@dataclass(frozen=True, eq=False)
class FlowSolution:
    """A converged steady state (never a partial one).

    Attributes
    ----------
    network : VascularNetwork
    flow_m3s : pandas.Series
        Flow per link [m³/s], positive from start to end node; 0 for closed links.
    head_m : pandas.Series
        Total head per node [m] (junctions solved, fixed-head nodes as given). Junctions cut
        off from every fixed head by closed links are not allowed (SolverError).
    iterations : int
        Newton iterations done.
    residual : float
        Last relative flow change Σ|Δq| / Σ|q| [-].
    head_residual_m : float
        Largest head-loss imbalance |h_k(q_k) − (H_start − H_end)| over open links [m].
    closed_links : tuple of str
        Links closed in the solution (by status, or pumps closed because they could not
        deliver the head, EPANET's XHEAD status).
    headloss : str
        The head-loss law used.
    """

    network: VascularNetwork
    flow_m3s: pd.Series
    head_m: pd.Series
    iterations: int
    residual: float
    head_residual_m: float
    closed_links: tuple[str, ...]
    headloss: str

    def junction_imbalance_m3s(self) -> pd.Series:
        """Kirchhoff's current law per junction: inflow − outflow − demand [m³/s] (≈ 0)."""
        net = self.network
        bal = pd.Series(0.0, index=[j.name for j in net.junctions])
        bal -= pd.Series({j.name: j.demand_m3s for j in net.junctions}, dtype=float)
        all_links: list[Pipe | Pump] = [*net.pipes, *net.pumps]
        for link in all_links:
            q = float(self.flow_m3s[link.name])
            if link.start in bal.index:
                bal[link.start] -= q
            if link.end in bal.index:
                bal[link.end] += q
        return bal

    def check_kirchhoff(self, atol: float = 1e-10) -> None:
        """Raise SolverError if any junction is out of balance by more than ``atol`` [m³/s]."""
        bal = self.junction_imbalance_m3s()
        worst = bal.abs().idxmax() if len(bal) else None
        if worst is not None and abs(bal[worst]) > atol:
            raise SolverError("Kirchhoff check", f"junction {worst!r} is out of balance by "
                              f"{bal[worst]:.3g} m³/s (> {atol:g})")


def solve_flow(network: VascularNetwork, *,
               headloss: Literal["H-W", "D-W", "H-P"] | None = None,
               tol: float | None = None, head_tol: float = 1e-3, max_iter: int | None = None,
               max_status_checks: int = 10,
               link_viscosity_m2s: Mapping[str, float] | None = None) -> FlowSolution:
    """Solve the steady state of ``network`` by the Global Gradient Algorithm (see module).

    Parameters
    ----------
    network : VascularNetwork
    headloss : {"H-W", "D-W", "H-P"}, optional
        Head-loss law of the pipes; ``network.headloss`` by default. "H-P" is laminar
        Hagen-Poiseuille with ``network.viscosity_m2s`` (or ``link_viscosity_m2s``).
    tol : float, optional
        Accuracy, Σ|Δq| / Σ|q| < tol; ``network.accuracy`` (EPANET's 0.001) by default.
    head_tol : float
        Largest head-loss imbalance over any link allowed at convergence [m].
    max_iter : int, optional
        Newton iterations allowed (over all status checks); ``network.max_iter`` by default.
    max_status_checks : int
        How many times pumps that cannot deliver their head (negative flow) may be closed and
        the solution restarted from the current state.
    link_viscosity_m2s : mapping of str to float, optional
        Kinematic viscosity ν [m²/s] per pipe name for "D-W" and "H-P", e.g. the apparent
        viscosity of blood in each vessel (:func:`pkdose.flow.rheology.solve_blood_flow`);
        pipes not named use ``network.viscosity_m2s``. Unknown pipe names are errors.

    Returns
    -------
    FlowSolution

    Raises
    ------
    ConvergenceError
        Not converged within ``max_iter`` iterations (with iterations and last residual).
    SolverError
        A junction not connected to any fixed-head node through open links, a singular
        system, or no finite positive viscosity for a "D-W"/"H-P" pipe.
    UnknownNameError
        A name in ``link_viscosity_m2s`` that is not a pipe of the network.
    InputDataError
        A value in ``link_viscosity_m2s`` that is not a finite number > 0.
    """
    law = headloss or network.headloss
    tol = network.accuracy if tol is None else tol
    max_iter = network.max_iter if max_iter is None else max_iter
    method = f"global gradient algorithm ({law})"
    junctions = [j.name for j in network.junctions]
    fixed_names = [n.name for n in network.fixed_heads]
    fixed_values = np.array([n.head_m for n in network.fixed_heads], dtype=float)
    nj = len(junctions)
    demand = np.array([j.demand_m3s for j in network.junctions], dtype=float)

    links: list[Pipe | Pump] = [*network.pipes, *network.pumps]
    npipe = len(network.pipes)
    names = [lk.name for lk in links]
    is_open = np.array([lk.status == "open" for lk in links], dtype=np.bool_)
    # node names -> junction index (-1 for a fixed-head node) and fixed head (0 at junctions),
    # by hashed look-up in pandas (node names are unique: VascularNetwork checks it)
    jpos, fpos = pd.Index(junctions, dtype=object), pd.Index(fixed_names, dtype=object)
    ends_by_side = ([lk.start for lk in links], [lk.end for lk in links])
    start_j, end_j = (jpos.get_indexer(side).astype(np.intp) for side in ends_by_side)
    start_f, end_f = (fpos.get_indexer(side) for side in ends_by_side)
    start_h = np.where(start_f >= 0, np.append(fixed_values, 0.0)[start_f], 0.0)
    end_h = np.where(end_f >= 0, np.append(fixed_values, 0.0)[end_f], 0.0)

    L = np.array([p.length_m for p in network.pipes])
    d = np.array([p.diameter_m for p in network.pipes])
    nu = _pipe_viscosities(network, link_viscosity_m2s, law, method)
    rough = np.array([p.roughness for p in network.pipes])
    km = MINOR_LOSS_SI * np.array([p.minor_loss for p in network.pipes]) / d**4
    pumps = network.pumps
    pa = np.array([p.curve.shutoff_head_m for p in pumps])
    pb = np.array([p.curve.coefficient for p in pumps])
    pc = np.array([p.curve.exponent for p in pumps])

    # EPANET's initial flows: 1 ft/s in every pipe, the design flow in every pump
    q = np.concatenate([math.pi * d**2 / 4.0 * FT_M, [p.curve.design_flow_m3s for p in pumps]])
    q[~is_open] = 0.0

    def coefficients(q: Array) -> tuple[Array, Array]:
        """Head loss h(q) and gradient dh/dq for every link (pumps: h = −(A − B q|q|^(C−1)))."""
        qp = q[:npipe]
        if law == "H-W":
            h, g = hazen_williams_headloss(qp, L, d, rough)
        elif law == "D-W":
            h, g = darcy_weisbach_headloss(qp, L, d, rough, nu)
        elif law == "H-P":
            h, g = hagen_poiseuille_headloss(qp, L, d, nu)
        else:
            raise SolverError(method, f"unknown head-loss law {law!r} (H-W, D-W or H-P)")
        aq = np.abs(qp)
        h = h + km * aq * qp
        g = g + 2.0 * km * aq
        qq = q[npipe:]
        aqq = np.abs(qq)
        gp = pc * pb * aqq ** (pc - 1.0)
        small = gp < RQTOL_SI
        gp = np.where(small, RQTOL_SI, gp)
        hp = np.where(small, -pa + gp * qq, -pa + gp * qq / np.where(pc > 0, pc, 1.0))
        return np.concatenate([h, hp]), np.concatenate([g, gp])

    closed_by_check: set[int] = set()
    iterations = 0
    relerr = math.inf
    head_err = math.inf
    H = np.zeros(nj)
    for _check in range(max_status_checks + 1):
        active = is_open.copy()
        active[list(closed_by_check)] = False
        q[~active] = 0.0
        idx = np.flatnonzero(active)
        sj, ej, sh, eh = start_j[idx], end_j[idx], start_h[idx], end_h[idx]
        _check_connected(junctions, sj, ej, method)
        both = (sj >= 0) & (ej >= 0)
        # the sparsity pattern of A is fixed until the next status check: its fill-reducing
        # ordering is computed at the first factorisation and reused (see _HeadMatrixLU)
        rows = np.concatenate([np.arange(nj), sj[both], ej[both]])
        cols = np.concatenate([np.arange(nj), ej[both], sj[both]])
        head_lu = _HeadMatrixLU(nj, rows, cols)
        converged = False
        while iterations < max_iter:
            iterations += 1
            h_all, g_all = coefficients(q)
            h, g, qa = h_all[idx], g_all[idx], q[idx]
            P, Y = 1.0 / g, h / g
            # flow excess at junctions: inflow − outflow − demand
            excess = -demand.copy()
            np.add.at(excess, sj[sj >= 0], -qa[sj >= 0])
            np.add.at(excess, ej[ej >= 0], qa[ej >= 0])
            F = excess
            np.add.at(F, sj[sj >= 0], Y[sj >= 0])
            np.add.at(F, ej[ej >= 0], -Y[ej >= 0])
            np.add.at(F, ej[(sj < 0) & (ej >= 0)], (P * sh)[(sj < 0) & (ej >= 0)])
            np.add.at(F, sj[(ej < 0) & (sj >= 0)], (P * eh)[(ej < 0) & (sj >= 0)])
            diag = np.zeros(nj)
            np.add.at(diag, sj[sj >= 0], P[sj >= 0])
            np.add.at(diag, ej[ej >= 0], P[ej >= 0])
            vals = np.concatenate([diag, -P[both], -P[both]])
            try:
                lu = head_lu.factor(vals) if nj else None
            except RuntimeError as exc:
                raise SolverError(method, f"singular head equations at iteration "
                                  f"{iterations}: {exc}") from None
            H = lu.solve(F) if lu is not None else np.zeros(0)
            if not np.all(np.isfinite(H)):
                raise SolverError(method, f"singular head equations at iteration {iterations}")
            hs = np.where(sj >= 0, np.append(H, 0.0)[sj], sh)
            he = np.where(ej >= 0, np.append(H, 0.0)[ej], eh)
            dq = Y - P * (hs - he)
            qnew = qa - dq
            # Iterative refinement in flow space: links with a huge P (EPANET's linear law at
            # near-zero flow, P = 1.852/RQtol) turn round-off in H into continuity errors of
            # ~1e-8 m³/s; solving A δH = (junction excess of qnew) and correcting H by δH and the
            # flows by +P (δH_start − δH_end) restores the balance to round-off in the flows.
            for _ in range(2 if lu is not None else 0):
                exc_q = -demand.copy()
                np.add.at(exc_q, sj[sj >= 0], -qnew[sj >= 0])
                np.add.at(exc_q, ej[ej >= 0], qnew[ej >= 0])
                delta = lu.solve(exc_q)  # type: ignore[union-attr]
                ds = np.where(sj >= 0, np.append(delta, 0.0)[sj], 0.0)
                de = np.where(ej >= 0, np.append(delta, 0.0)[ej], 0.0)
                qnew = qnew + P * (ds - de)
                dq = qa - qnew
                H = H + delta
            hs = np.where(sj >= 0, np.append(H, 0.0)[sj], sh)
            he = np.where(ej >= 0, np.append(H, 0.0)[ej], eh)
            q[idx] = qnew
            qsum = float(np.sum(np.abs(qnew)))
            relerr = float(np.sum(np.abs(dq))) / qsum if qsum > 0 else 0.0
            h_new, _ = coefficients(q)
            head_err = float(np.max(np.abs(h_new[idx] - (hs - he)), initial=0.0))
            if relerr < tol and head_err < head_tol:
                converged = True
                break
        if not converged:
            raise ConvergenceError(method, iterations, relerr,
                                   f"Σ|Δq|/Σ|q| = {relerr:.3g} (accuracy {tol:g}), largest "
                                   f"head imbalance {head_err:.3g} m (allowed {head_tol:g} m)")
        # EPANET-like status check: a pump with reverse flow cannot deliver the head (XHEAD)
        bad_pumps = {k for k in range(npipe, len(links)) if active[k] and q[k] < 0.0}
        if not bad_pumps:
            break
        closed_by_check |= bad_pumps
    else:
        raise ConvergenceError(method, iterations, relerr,
                               f"pump statuses still changing after {max_status_checks} checks")

    active = is_open.copy()
    active[list(closed_by_check)] = False
    flow = pd.Series(np.where(active, q, 0.0), index=names, name="flow_m3s", dtype=float)
    head = pd.Series(np.concatenate([np.asarray(H, dtype=float), fixed_values]),
                     index=[*junctions, *fixed_names], name="head_m", dtype=float)
    closed = tuple(names[k] for k in np.flatnonzero(~active))
    return FlowSolution(network, flow, head, iterations, relerr, head_err, closed, law)


def _pipe_viscosities(network: VascularNetwork, given: Mapping[str, float] | None, law: str,
                      method: str) -> Array:
    """Kinematic viscosity [m²/s] per pipe: ``given`` where named, else the network's."""
    nu = np.full(len(network.pipes), float(network.viscosity_m2s))
    if given is not None:
        index = {p.name: k for k, p in enumerate(network.pipes)}
        for name in given:
            if name not in index:
                raise UnknownNameError("pipe", name, index, "link_viscosity_m2s of solve_flow")
        bad = [Violation("solve_flow", None, f"link_viscosity_m2s[{name!r}]",
                         "a finite kinematic viscosity > 0 [m²/s]", value)
               for name, value in given.items()
               if isinstance(value, bool) or not (
                   isinstance(value, (int, float, np.floating)) and math.isfinite(value)
                   and value > 0)]
        if bad:
            raise InputDataError(bad)
        for name, value in given.items():
            nu[index[name]] = float(value)
    if law in ("D-W", "H-P"):
        open_pipes = [k for k, p in enumerate(network.pipes) if p.status == "open"]
        missing = [network.pipes[k].name for k in open_pipes
                   if not (math.isfinite(nu[k]) and nu[k] > 0)]
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise SolverError(method, f"no finite positive viscosity for {len(missing)} "
                              f"pipe(s) ({shown}): network.viscosity_m2s is "
                              f"{network.viscosity_m2s!r}; give link_viscosity_m2s")
    return nu


class _HeadMatrixLU:
    """Sparse LU factorisations of the head matrix A, one per Newton iteration.

    A = A21 D⁻¹ A12 is symmetric and, with P > 0, a diagonally dominant M-matrix whose
    sparsity pattern (given by ``rows``, ``cols``) does not change between iterations. The
    first :meth:`factor` orders it for little fill with SuperLU's minimum degree ordering on
    the symmetric structure (``MMD_AT_PLUS_A``, symmetric mode, diagonal pivots preferred);
    later ones factor the matrix permuted by that same ordering in natural order, so the
    ordering is computed once per status check instead of once per iteration. Results differ
    from a default ``splu`` (COLAMD, partial pivoting) only by round-off in the heads.
    """

    _OPTIONS = dict(diag_pivot_thresh=1e-3, options=dict(SymmetricMode=True))

    def __init__(self, n: int, rows: NDArray[np.intp], cols: NDArray[np.intp]) -> None:
        self.n, self.rows, self.cols = n, rows, cols
        self.order: NDArray[np.intp] | None = None  # position i holds original row order[i]
        self.inverse: NDArray[np.intp] | None = None

    def factor(self, vals: Array) -> _PermutedLU:
        """Factorise A(vals); raises RuntimeError (from SuperLU) if A is singular."""
        n = self.n
        if self.order is None or self.inverse is None:
            A = sp.csc_matrix((vals, (self.rows, self.cols)), shape=(n, n))
            lu = splu(A, permc_spec="MMD_AT_PLUS_A", **self._OPTIONS)  # type: ignore[arg-type]
            # SuperLU factors Pr A Pc; column j of A Pc is column argsort(perm_c)[j] of A
            self.inverse = np.asarray(lu.perm_c, dtype=np.intp)
            self.order = np.argsort(self.inverse).astype(np.intp)
            self.rows, self.cols = self.inverse[self.rows], self.inverse[self.cols]
            return _PermutedLU(lu, None, None)
        Ap = sp.csc_matrix((vals, (self.rows, self.cols)), shape=(n, n))
        lu = splu(Ap, permc_spec="NATURAL", **self._OPTIONS)  # type: ignore[arg-type]
        return _PermutedLU(lu, self.order, self.inverse)


@dataclass(frozen=True)
class _PermutedLU:
    """A SuperLU factorisation of A[order][:, order] (or of A itself if ``order`` is None)."""

    lu: SuperLU
    order: NDArray[np.intp] | None
    inverse: NDArray[np.intp] | None

    def solve(self, b: Array) -> Array:
        """x with A x = b."""
        if self.order is None or self.inverse is None:
            return np.asarray(self.lu.solve(b), dtype=np.float64)
        y = self.lu.solve(np.ascontiguousarray(b[self.order]))
        return np.asarray(y, dtype=np.float64)[self.inverse]


def _check_connected(junctions: list[str], sj: NDArray[np.intp], ej: NDArray[np.intp],
                     method: str) -> None:
    """Every junction must reach a fixed-head node through the links with junction indices
    ``sj`` → ``ej`` (-1 for a fixed-head end); else the head equations are singular."""
    nj = len(junctions)
    n = nj + 1  # node nj stands for all fixed-head nodes together
    rows = np.where(sj >= 0, sj, nj)
    cols = np.where(ej >= 0, ej, nj)
    graph = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    cut = [junctions[i] for i in np.flatnonzero(labels[:nj] != labels[nj])]
    if cut:
        shown = ", ".join(cut[:10]) + (" ..." if len(cut) > 10 else "")
        raise SolverError(method, f"{len(cut)} junction(s) not connected to any reservoir or "
                          f"tank through open links: {shown}")
