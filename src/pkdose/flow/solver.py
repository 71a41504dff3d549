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

Valves (PRV, PSV, FCV, TCV), check valves, constant-power pumps and the link statuses follow
EPANET 2.2's ``hydcoeffs.c`` and ``hydstatus.c`` (see :func:`solve_flow`): an ACTIVE PRV or PSV
holds a node's head by a penalty on the diagonal of the head matrix, an ACTIVE FCV carries its
setting, closed links keep a conductance of 1e-8 ft²/s in the matrix (in the flow balance only
with ``closed_link_leak=True``), and statuses change after iterations and at convergence until
a converged solution changes none.

References
----------
Todini, E. & Pilati, S. (1988). A gradient algorithm for the analysis of pipe networks. In
Coulbeck & Orr (eds), *Computer Applications in Water Supply*, vol. 1, 1-20.
Rossman, L. A. (2000). *EPANET 2 Users Manual*, EPA/600/R-00/057, Appendix D.
EPANET 2.2 source, ``hydcoeffs.c`` and ``hydsolver.c`` (constants reproduced below).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.linalg.lapack import dpbtrf as _dpbtrf
from scipy.linalg.lapack import dpbtrs as _dpbtrs
from scipy.sparse.csgraph import connected_components, reverse_cuthill_mckee
from scipy.sparse.linalg import SuperLU, splu

from pkdose.errors import (
    ConvergenceError,
    InputDataError,
    SolverError,
    UnknownNameError,
    Violation,
)
from pkdose.flow.network import CFS_M3S, FT_M, VascularNetwork

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
"""EPANET's big coefficient CBIG (1e8, ft/cfs or cfs/ft); CSMALL is 1e-6."""
CBIG_SI = CBIG * FT_M / CFS_M3S
"""Head-loss gradient CBIG = 1e8 ft/cfs in m per m³/s (a constant-power pump steeper than
this is treated as closed)."""
CSMALL_SI = 1e-6 * FT_M / CFS_M3S
"""EPANET's CSMALL = 1e-6 ft/cfs in m per m³/s: the linear resistance of an open valve without
minor loss."""
P_CLOSED_SI = 1.0 / CBIG_SI
"""Conductance 1/CBIG of a closed link [m²/s], as EPANET keeps closed links in the matrix."""
P_BIG_SI = CBIG * CFS_M3S / FT_M
"""The penalty CBIG [m²/s] EPANET adds to the diagonal to hold a valve-controlled head."""
HTOL_SI = 0.0005 * FT_M
"""EPANET's head tolerance HTOL, 0.0005 ft, in m (status checks)."""
QTOL_SI = 0.0001 * CFS_M3S
"""EPANET's flow tolerance QTOL, 0.0001 cfs, in m³/s (status checks)."""
QZERO_SI = 1e-6 * CFS_M3S
"""EPANET's initial flow of a closed link, QZERO = 1e-6 cfs, in m³/s."""

EPS = float(np.finfo(np.float64).eps)

# EPANET's link status codes (types.h StatusType)
XHEAD, TEMPCLOSED, CLOSED, OPEN, ACTIVE, XFLOW, XFCV, XPRESSURE = range(8)
_STATUS_NAMES = {XHEAD: "xhead", TEMPCLOSED: "tempclosed", CLOSED: "closed", OPEN: "open",
                 ACTIVE: "active", XFLOW: "xflow", XFCV: "xfcv", XPRESSURE: "xpressure"}

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
    return _hazen_williams(q, _hw_resistance(length_m, diameter_m, c))


def _hw_resistance(length_m: Array | float, diameter_m: Array | float,
                   c: Array | float) -> Array:
    """Hazen-Williams resistance r = 10.66672 C^-1.852 d^-4.871 L (h = r q|q|^0.852)."""
    return np.asarray(HW_COEFFICIENT_SI * np.asarray(length_m) / np.asarray(c) ** HW_EXPONENT
                      / np.asarray(diameter_m) ** 4.871, dtype=float)


def _hazen_williams(q: Array | float, r: Array,
                    r_grad: Array | None = None) -> tuple[Array, Array]:
    """:func:`hazen_williams_headloss` with the resistance r (and optionally
    ``r_grad`` = 1.852 r, the same product) precomputed."""
    q = np.asarray(q, dtype=float)
    aq = np.abs(q)
    grad = (HW_EXPONENT * r if r_grad is None else r_grad) * aq ** (HW_EXPONENT - 1.0)
    small = grad < RQTOL_SI
    grad = np.where(small, RQTOL_SI / HW_EXPONENT, grad)
    ga = grad * aq
    h = np.where(small, ga, ga / HW_EXPONENT) * np.sign(q)
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
        Links closed in the solution (by status, pumps closed because they could not
        deliver the head, EPANET's XHEAD status, or valves closed by their status logic).
    headloss : str
        The head-loss law used.
    link_status : pandas.Series
        EPANET's status word per link in the solution: "open", "closed", "xhead" (pump
        unable to deliver the head), "active" (controlled valve, or a TCV with its setting),
        "xfcv" (FCV fully open), "xpressure".
    """

    network: VascularNetwork
    flow_m3s: pd.Series
    head_m: pd.Series
    iterations: int
    residual: float
    head_residual_m: float
    closed_links: tuple[str, ...]
    headloss: str
    link_status: pd.Series

    def junction_imbalance_m3s(self) -> pd.Series:
        """Kirchhoff's current law per junction: inflow − outflow − demand [m³/s] (≈ 0)."""
        a = self.network._arrays
        nj = len(a.junction_names)
        q = self.flow_m3s.reindex(a.link_names).to_numpy(dtype=float)
        out_j, in_j = a.start < nj, a.end < nj            # link ends at junctions (fixed heads: ≥ nj)
        bal = (np.bincount(a.end[in_j], weights=q[in_j], minlength=nj)
               - np.bincount(a.start[out_j], weights=q[out_j], minlength=nj) - a.demand_m3s)
        return pd.Series(bal, index=list(a.junction_names))

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
               link_viscosity_m2s: Mapping[str, float] | None = None,
               closed_link_leak: bool = False,
               linear_solver: Literal["auto", "superlu", "cholmod", "banded"] = "auto"
               ) -> FlowSolution:
    """Solve the steady state of ``network`` by the Global Gradient Algorithm (see module).

    Link statuses follow EPANET 2.2 (``hydsolver.c``, ``hydstatus.c``): after every
    iteration the PRVs and PSVs with a setting get a new status (``prvstatus``,
    ``psvstatus``); every ``network.check_freq`` iterations up to ``network.max_check``, and at
    every convergence, pumps that cannot deliver the head (head gain above the shut-off head
    + HTOL: XHEAD) are closed and earlier ones re-opened, and FCVs get a new status
    (``fcvstatus``: XFCV, i.e. open, against reverse flow or head). A convergence that changes
    a status is not final: iterations go on until one changes nothing.

    Valve equations (``hydcoeffs.c``): an ACTIVE PRV fixes the head of its downstream node at
    its elevation + setting through a penalty of 1e8 ft²/s on the diagonal, its flow being the
    one that balances that node; an ACTIVE PSV fixes its upstream head likewise; an ACTIVE FCV
    carries its setting; open valves have the minor loss K v²/(2g) (TCV: K = setting), closed
    links (and XHEAD pumps) the conductance 1e-8 ft²/s, so the head matrix keeps one sparsity
    pattern (ordered once) whatever the statuses.

    Cost. Everything derived from the network alone (per-link attribute arrays, link end
    indices, the head-matrix pattern and its compressed and band layouts, the initial flows
    and statuses, the name indexes of the result Series, the connectivity check of the links
    as given and of the link sets the status checks closed, a CHOLMOD symbolic analysis) is
    computed on the first solve and kept with the (frozen) network, so repeated solves of one
    network skip it (none of it is pickled). Each Newton iteration factorises the head matrix
    afresh; on small and mid-size networks the time is mostly numpy call overhead per
    iteration, which is why the band solver (no symbolic work per call) is preferred there.
    After each head solve the flows are refined in flow space (see the code) so that every
    junction balances to round-off; on networks of at least
    :data:`REFINE_AT_END_MIN_JUNCTIONS` junctions only a step that meets
    the stopping rule is refined (an earlier imbalance is part of the next step's right-hand
    side, which corrects it), which saves one triangular solve per iteration and leaves the
    result within the stopping rule of the every-iteration refinement (measured on a pipe-only
    grid of 2e4 pipes: 2.5e-16 m³/s; on grids with valves, pumps and check valves the
    iteration count can change, e.g. 16 → 15, and flows then differ by up to 2e-7 m³/s, 0.7 %
    of the rule's bound; see ``tests/flow/test_linear_solvers.py``). Below that size the
    iterates are unchanged to the last bit.

    Parameters
    ----------
    network : VascularNetwork
    headloss : {"H-W", "D-W", "H-P"}, optional
        Head-loss law of the pipes; ``network.headloss`` by default. "H-P" is laminar
        Hagen-Poiseuille with ``network.viscosity_m2s`` (or ``link_viscosity_m2s``).
    tol : float, optional
        Accuracy, Σ|Δq| / Σ|q| < tol; ``network.accuracy`` (EPANET's 0.001) by default.
    head_tol : float
        Largest head-loss imbalance over any open link (and head error at the node an ACTIVE
        PRV or PSV controls) allowed at convergence [m].
    max_iter : int, optional
        Newton iterations allowed (over all status checks); ``network.max_iter`` by default.
    max_status_checks : int
        How many converged solutions may be followed by a status change (and more
        iterations) before giving up.
    link_viscosity_m2s : mapping of str to float, optional
        Kinematic viscosity ν [m²/s] per pipe name for "D-W" and "H-P", e.g. the apparent
        viscosity of blood in each vessel (:func:`pkdose.flow.rheology.solve_blood_flow`);
        pipes not named use ``network.viscosity_m2s``. Unknown pipe names are errors.
    closed_link_leak : bool
        False (default): closed links carry no flow, and every junction balances to
        round-off. True: as EPANET, closed links keep the conductance 1/CBIG = 1e-8 ft²/s
        (9.3e-10 m²/s) in the flow balance, so a closed link with a head difference Δh
        passes 9.3e-10 Δh m³/s (9e-8 m³/s across a 100 m pump), still reported as 0. This
        reproduces EPANET to round-off (its reported flows then leave junction imbalances of
        that size); without it, heads next to closed pumps with steep curves can differ
        from EPANET's by ~1e-4 m (Net6, see ``tests/flow/test_net6.py``).
    linear_solver : {"auto", "superlu", "cholmod", "banded"}
        Direct solver of the head equations (SPD, one sparsity pattern, so the
        fill-reducing ordering is computed once and each Newton iteration refactorises
        numerically). "superlu": scipy's SuperLU (always available). "cholmod": CHOLMOD's
        sparse Cholesky through the optional package ``cvxopt`` (GPL-3; not installed
        with pkdose), about 4-5 times faster from ~10⁴ junctions (0.46 s instead of 2.45 s
        per factorisation at 5·10⁵ junctions). "banded": LAPACK's band Cholesky in reverse
        Cuthill-McKee order (scipy, always available), the fastest on small and narrow
        networks (0.05 ms per factorisation at 529 junctions against 0.38 ms for SuperLU).
        "auto" (default): "banded" where its work n (width+1)² is at most
        :data:`BANDED_MAX_WORK` (networks of up to :data:`BANDED_MAX_JUNCTIONS` junctions),
        else "cholmod" for networks of at least :data:`CHOLMOD_MIN_JUNCTIONS` junctions when
        ``cvxopt`` can be imported, else "superlu". All are direct: results agree to
        round-off (see ``tests/flow/test_linear_solvers.py`` and
        ``tests/flow/test_banded_solver.py``).

    Returns
    -------
    FlowSolution

    Raises
    ------
    ConvergenceError
        Not converged within ``max_iter`` iterations (with iterations and last residual), or
        statuses still changing after ``max_status_checks`` convergences.
    SolverError
        A junction not connected to any fixed-head node through open links (in the network
        as given, or after links were closed by the status checks), a singular (or, for
        CHOLMOD and the band Cholesky, not positive definite) system, no finite positive viscosity for a
        "D-W"/"H-P" pipe, ``linear_solver="cholmod"`` without ``cvxopt``, or an unknown
        ``linear_solver``.
    UnknownNameError
        A name in ``link_viscosity_m2s`` that is not a pipe of the network.
    InputDataError
        A value in ``link_viscosity_m2s`` that is not a finite number > 0.
    """
    law = headloss or network.headloss
    tol = network.accuracy if tol is None else tol
    max_iter = network.max_iter if max_iter is None else max_iter
    method = f"global gradient algorithm ({law})"
    arr = network._arrays  # read-only arrays, built once per network
    memo = arr.memo
    junctions = arr.junction_names
    fixed_values = arr.fixed_head_m
    nj = arr.n_junctions
    demand = arr.demand_m3s
    elevation = arr.elevation_m
    npipe, npump, nvalve = len(network.pipes), len(network.pumps), len(network.valves)
    kv0 = npipe + npump  # index of the first valve
    nlink = kv0 + nvalve
    names = arr.link_names
    sj, ej = arr.junction_start, arr.junction_end  # junction index, -1 at a fixed head
    sh, eh = arr.start_head_m, arr.end_head_m  # fixed head at that end, 0 at a junction
    start, end = arr.start, arr.end  # node number (junctions, then fixed heads)

    L, d, rough = arr.pipe_length_m, arr.pipe_diameter_m, arr.pipe_roughness
    nu = _pipe_viscosities(network, link_viscosity_m2s, law, method)
    km = _memo(memo, "pipe_km", lambda: MINOR_LOSS_SI * arr.pipe_minor_loss / d**4)
    has_km = bool(km.any())
    hw_r = (_memo(memo, "hw_r", lambda: _hw_resistance(L, d, rough)) if law == "H-W"
            else np.zeros(0))
    hw_r_grad = (_memo(memo, "hw_r_grad", lambda: HW_EXPONENT * hw_r) if law == "H-W"
                 else np.zeros(0))
    is_cv = arr.pipe_check_valve
    any_cv = bool(is_cv.any())
    is_hp = arr.pump_constant_power
    any_hp = bool(is_hp.any())
    pa, pb, pc = arr.pump_shutoff_head_m, arr.pump_coefficient, arr.pump_exponent
    hp_r = arr.pump_power_coefficient
    pump_hmax = _memo(memo, "pump_hmax", lambda: np.where(is_hp, np.inf, pa))
    # the pump law's constant factors (the same products as written out in full)
    pc_pb = _memo(memo, "pump_c_b", lambda: pc * pb)
    pc_less1 = _memo(memo, "pump_c_less1", lambda: pc - 1.0)
    pc_div = _memo(memo, "pump_c_div", lambda: np.where(pc > 0, pc, 1.0))
    neg_pa = _memo(memo, "pump_neg_a", lambda: -pa)
    v_kind = list(arr.valve_kind)
    v_d = arr.valve_diameter_m
    v_km = _memo(memo, "valve_km", lambda: MINOR_LOSS_SI * arr.valve_minor_loss / v_d**4)
    v_tcv_km = _memo(memo, "valve_tcv_km", lambda: MINOR_LOSS_SI * arr.valve_setting / v_d**4)
    v_set = arr.valve_setting
    v_active = [s == "active" for s in arr.valve_status]
    v_controlled = [a and kind in ("PRV", "PSV", "FCV") for a, kind in zip(v_active, v_kind)]
    v_hset = np.array([
        (elevation[sj[kv0 + i]] if kind == "PSV" else elevation[ej[kv0 + i]]) + v_set[i]
        if kind in ("PRV", "PSV") else 0.0 for i, kind in enumerate(v_kind)])
    v_prv_psv = [i for i in range(nvalve) if v_controlled[i] and v_kind[i] != "FCV"]
    v_fcv = [i for i in range(nvalve) if v_controlled[i] and v_kind[i] == "FCV"]
    v_fixed = [i for i in range(nvalve) if not v_controlled[i]]

    def initial_state() -> tuple[NDArray[np.intp], Array]:
        # EPANET's initial statuses (inithyd): PRV/PSV/FCV with a setting start ACTIVE
        status = np.full(nlink, OPEN, dtype=np.intp)
        status[arr.given_closed] = CLOSED
        status[kv0 + np.flatnonzero(v_active).astype(np.intp)] = ACTIVE
        # ... and initial flows: 1 ft/s in pipes and valves, the design flow in pumps (1 cfs
        # for a constant-power pump), QZERO = 1e-6 cfs in closed links
        q = np.concatenate([math.pi * d**2 / 4.0 * FT_M, arr.pump_design_flow_m3s,
                            math.pi * v_d**2 / 4.0 * FT_M])
        q[status <= CLOSED] = QZERO_SI
        return status, q

    status0, q0 = _memo(memo, "initial_state", initial_state)
    status, q = status0.copy(), q0.copy()
    given_open = status0 > CLOSED
    if "connected" not in memo:  # a property of the network as given: checked once
        _check_connected(junctions, sj[given_open], ej[given_open], method)
        memo["connected"] = True

    # the head matrix has one sparsity pattern (every link, closed ones with a tiny
    # conductance): its fill-reducing ordering is computed once (see _HeadMatrixLU and
    # _HeadMatrixCholmod)
    pattern = _memo(memo, "pattern", lambda: _HeadPattern.build(nj, sj, ej))
    both, off_index = pattern.both, pattern.off_index
    s_bin, e_bin = pattern.s_bin, pattern.e_bin
    solver_kind = _linear_solver_kind(linear_solver, nj, method,
                                      lambda: pattern.band().work)
    head_lu: _HeadMatrixLU | _HeadMatrixCholmod | _HeadMatrixBanded
    # a CHOLMOD analysis (about 1 ms for Net6) is kept with the network for the next solve:
    # checked out of the network's pool while in use, so that solves in several threads
    # never share a factor object (they build their own)
    cholmod_pool: list[_HeadMatrixCholmod] = _memo(memo, "cholmod_pool", list)
    if solver_kind == "cholmod":
        try:                                  # (one atomic pop: no check-then-pop race)
            head_lu = cholmod_pool.pop()
        except IndexError:
            head_lu = _HeadMatrixCholmod(nj, pattern.rows, pattern.cols, pattern.lower_csc())
    elif solver_kind == "banded" and nj > 0:  # (no junctions: no head equations to factorise)
        head_lu = _HeadMatrixBanded(pattern.band())
    else:
        head_lu = _HeadMatrixLU(nj, pattern.rows, pattern.cols, pattern.csc())
    # large networks: the flow-space refinement only where the stopping rule is met
    refine_at_end = nj >= REFINE_AT_END_MIN_JUNCTIONS

    def node_sum(at_end: Array, at_start: Array) -> Array:
        """Σ at_end over the links ending at each junction + Σ at_start over those starting
        there (np.bincount: one pass per side, 5-10 times faster than np.add.at)."""
        total = np.bincount(e_bin, at_end, nj + 1) + np.bincount(s_bin, at_start, nj + 1)
        return np.asarray(total[:nj], dtype=np.float64)

    def end_heads(H: Array) -> tuple[Array, Array]:
        """Heads at the start and end of every link (fixed heads where not a junction)."""
        Hx = np.concatenate([H, fixed_values])  # by node number
        return Hx[start], Hx[end]

    def pipe_law(qp: Array) -> tuple[Array, Array]:
        """Head loss and gradient of the pipes by the head-loss law (no minor losses)."""
        if law == "H-W":
            return _hazen_williams(qp, hw_r, hw_r_grad)
        if law == "D-W":
            return darcy_weisbach_headloss(qp, L, d, rough, nu)
        if law == "H-P":
            return hagen_poiseuille_headloss(qp, L, d, nu)
        raise SolverError(method, f"unknown head-loss law {law!r} (H-W, D-W or H-P)")

    def valve_coeff(k: int, kmv: float) -> tuple[float, float]:
        """EPANET's ``valvecoeff``: P and Y of a closed or fully open valve."""
        if status[k] <= CLOSED:
            return P_CLOSED_SI, float(q[k])
        if kmv > 0.0:
            hgrad = 2.0 * kmv * abs(q[k])
            if hgrad < RQTOL_SI:
                hgrad = RQTOL_SI / 2.0
                hloss = q[k] * hgrad
            else:
                hloss = q[k] * hgrad / 2.0
            return 1.0 / hgrad, float(hloss / hgrad)
        return 1.0 / CSMALL_SI, float(q[k])

    def coefficients(q: Array, law_hg: tuple[Array, Array] | None) -> tuple[Array, Array]:
        """P = 1/(dh/dq) and Y = h/(dh/dq) of every link, as EPANET's ``headlosscoeffs``
        (controlled valves get P = 0 here, and their terms in the valve step); ``law_hg``:
        the pipes' :func:`pipe_law` at this q if already known."""
        qp = q[:npipe]
        h, g = pipe_law(qp) if law_hg is None else law_hg
        aq = np.abs(qp)
        if has_km:  # (adding km terms of 0 would change nothing)
            h = h + km * aq * qp
            g = g + 2.0 * km * aq
        if npump == 0 and nvalve == 0:
            P, Y = 1.0 / g, h / g
        else:
            qq = q[npipe:kv0]
            gp = pc_pb * np.abs(qq) ** pc_less1
            small = gp < RQTOL_SI
            gp = np.where(small, RQTOL_SI, gp)
            gq = gp * qq
            hp = np.where(small, neg_pa + gq, neg_pa + gq / pc_div)
            P = np.concatenate([1.0 / g, 1.0 / gp, np.zeros(nvalve)])
            Y = np.concatenate([h / g, hp / gp, np.zeros(nvalve)])
        if any_hp:
            qq = q[npipe:kv0]
            with np.errstate(divide="ignore", invalid="ignore"):
                g_hp = hp_r / (qq * qq)  # constant power: h = -r/q, dh/dq = r/q²
                h_hp = -hp_r / qq
                hp_big, hp_small = ~(g_hp <= CBIG_SI), g_hp < CSMALL_SI
                Pq = np.where(hp_big, P_CLOSED_SI,
                              np.where(hp_small, 1.0 / CSMALL_SI, 1.0 / g_hp))
                Yq = np.where(hp_big | hp_small, qq, h_hp / g_hp)
            P[npipe:kv0] = np.where(is_hp, Pq, P[npipe:kv0])
            Y[npipe:kv0] = np.where(is_hp, Yq, Y[npipe:kv0])
        closed = np.flatnonzero(status[:kv0] <= CLOSED)
        if closed.size:
            P[closed] = P_CLOSED_SI
            Y[closed] = q[closed]
        for i in v_fixed:
            kmv = v_tcv_km[i] if (v_kind[i] == "TCV" and v_active[i]) else v_km[i]
            P[kv0 + i], Y[kv0 + i] = valve_coeff(kv0 + i, kmv)
        return P, Y

    def head_losses(q: Array) -> tuple[Array, tuple[Array, Array]]:
        """Head loss h(q) of every pipe and pump (NaN elsewhere), for the head check, and
        the pipes' :func:`pipe_law` at q (reused by the next :func:`coefficients`)."""
        qp = q[:npipe]
        law_hg = pipe_law(qp)
        h = law_hg[0] + km * np.abs(qp) * qp if has_km else law_hg[0]
        if npump == 0 and nvalve == 0:
            return h, law_hg
        qq = q[npipe:kv0]
        gp = np.maximum(pc_pb * np.abs(qq) ** pc_less1, RQTOL_SI)
        gq = gp * qq
        hp = np.where(gp <= RQTOL_SI, neg_pa + gq, neg_pa + gq / pc_div)
        with np.errstate(divide="ignore", invalid="ignore"):
            hp = np.where(is_hp, -hp_r / qq, hp)
        return np.concatenate([h, hp, np.full(nvalve, np.nan)]), law_hg

    def valve_status() -> bool:
        """EPANET's ``valvestatus``: new statuses of controlled PRVs and PSVs."""
        change = False
        for i in v_prv_psv:
            k = kv0 + i
            h1, h2 = H[sj[k]], H[ej[k]]
            old = int(status[k])
            if v_kind[i] == "PRV":
                status[k] = _prv_status(old, float(q[k]), h1, h2, v_hset[i],
                                        v_km[i] * q[k] ** 2)
            else:
                status[k] = _psv_status(old, float(q[k]), h1, h2, v_hset[i],
                                        v_km[i] * q[k] ** 2)
            change |= status[k] != old
        return change

    def link_status() -> bool:
        """EPANET's ``linkstatus``: re-open XHEAD pumps and close those (still) unable to
        deliver the head; new statuses of check valves and controlled FCVs."""
        if not (any_cv or npump or v_fcv):
            return False  # nothing whose status this could change
        hs, he = end_heads(H)
        old = status.copy()
        status[(status == XHEAD) | (status == TEMPCLOSED)] = OPEN
        if any_cv:  # cvstatus
            dh = (hs - he)[:npipe]
            qp, sp_ = q[:npipe], status[:npipe]
            cv_new = np.where(np.abs(dh) > HTOL_SI,
                              np.where((dh < -HTOL_SI) | (qp < -QTOL_SI), CLOSED, OPEN),
                              np.where(qp < -QTOL_SI, CLOSED, sp_))
            status[:npipe] = np.where(is_cv, cv_new, sp_)
        gain = (he - hs)[npipe:kv0]
        sq = status[npipe:kv0]
        status[npipe:kv0] = np.where((sq >= OPEN) & (gain > pump_hmax + HTOL_SI), XHEAD, sq)
        for i in v_fcv:
            k = kv0 + i
            status[k] = _fcv_status(int(old[k]), float(q[k]), hs[k], he[k], v_set[i])
        return bool(np.any(status != old))

    def imbalance_check(qnew: Array, H: Array, hs: Array, he: Array
                        ) -> tuple[Array, Array, Array, tuple[Array, Array]]:
        """Heads at the link ends (``hs``, ``he``: those of H), and the head-loss imbalance of
        open pipes, pumps and uncontrolled valves, head error at the node an ACTIVE PRV or
        PSV holds."""
        hl, law_hg = head_losses(qnew)
        for i in v_prv_psv:
            k = kv0 + i
            if status[k] == ACTIVE:
                hl[k] = (hs[k] - he[k]) + (v_hset[i] - (H[ej[k]] if v_kind[i] == "PRV"
                                                         else H[sj[k]]))
        return hs, he, hl, law_hg

    demand_max = _memo(memo, "demand_max", lambda: float(np.max(np.abs(demand), initial=0.0)))
    iterations, status_checks = 0, 0
    relerr = head_err = math.inf
    H = np.zeros(nj)
    next_check = network.check_freq
    converged = False
    law_hg: tuple[Array, Array] | None = None  # pipe_law at the current q, if known
    while iterations < max_iter:
        iterations += 1
        P, Y = coefficients(q, law_hg)
        inmat = P != 0.0
        if inmat.all():
            qm, Ym, Pm = q, Y, P
        else:
            qm, Ym, Pm = np.where(inmat, q, 0.0), np.where(inmat, Y, 0.0), np.where(inmat, P, 0.0)
        X = node_sum(qm, -qm) - demand  # flow excess at junctions: inflow − outflow − demand
        # (sh, eh are 0 at junction ends and P finite ≥ 0, so P sh is the fixed-head term)
        F = X + node_sum(Pm * sh - Ym, Pm * eh + Ym)
        diag = node_sum(Pm, Pm)
        off = -P[both]
        for i in range(nvalve):  # EPANET's valvecoeffs, in valve order
            if not v_controlled[i]:
                continue
            k = kv0 + i
            n1, n2, ob = sj[k], ej[k], off_index[k]
            if v_kind[i] == "PRV" and status[k] == ACTIVE:
                P[k], Y[k] = 0.0, q[k] + X[n2]
                F[n2] += v_hset[i] * P_BIG_SI
                diag[n2] += P_BIG_SI
                if X[n2] < 0.0:
                    F[n1] += X[n2]
            elif v_kind[i] == "PSV" and status[k] == ACTIVE:
                P[k], Y[k] = 0.0, q[k] - X[n1]
                F[n1] += v_hset[i] * P_BIG_SI
                diag[n1] += P_BIG_SI
                if X[n1] > 0.0:
                    F[n2] += X[n1]
                off[ob] -= P_CLOSED_SI
                diag[n2] += P_CLOSED_SI
            elif v_kind[i] == "FCV" and status[k] == ACTIVE:
                s = v_set[i]
                X[n1] -= s
                X[n2] += s
                Y[k] = q[k] - s
                F[n1] -= s
                F[n2] += s
                P[k] = P_CLOSED_SI
                off[ob] -= P[k]
                diag[n1] += P[k]
                diag[n2] += P[k]
            else:
                P[k], Y[k] = valve_coeff(k, float(v_km[i]))
                off[ob] -= P[k]
                diag[n1] += P[k]
                diag[n2] += P[k]
                F[n1] += Y[k] - q[k]
                F[n2] -= Y[k] - q[k]
        vals = np.concatenate([diag, off, off])
        try:
            lu = head_lu.factor(vals) if nj else None
        except RuntimeError as exc:
            raise SolverError(method, f"singular head equations at iteration "
                              f"{iterations}: {exc}") from None
        H = lu.solve(F) if lu is not None else np.zeros(0)
        if not (math.isfinite(float(np.sum(H))) or np.all(np.isfinite(H))):  # sum: fast path
            raise SolverError(method, f"singular head equations at iteration {iterations}")
        hs, he = end_heads(H)
        dq = Y - P * (hs - he)
        if any_hp:  # EPANET keeps the flow of a constant-power pump positive
            qq, dqq = q[npipe:kv0], dq[npipe:kv0]
            dq[npipe:kv0] = np.where(is_hp & (dqq > qq), qq / 2.0, dqq)
        qnew = q - dq
        # Iterative refinement in flow space: links with a huge P (EPANET's linear law at
        # near-zero flow, P = 1.852/RQtol) turn round-off in H into continuity errors of
        # ~1e-8 m³/s; solving A δH = (junction excess of qnew) and correcting H by δH and the
        # flows by +P (δH_start − δH_end) restores the balance to round-off in the flows. (At
        # the node held by an ACTIVE PRV or PSV the penalty keeps δH ≈ 0: its imbalance is the
        # valve's lagged flow, which the next iteration corrects, as in EPANET.) Closed links
        # count with zero flow here, as they are reported, so that the open links balance.
        # On large networks (``refine_at_end``) only a step that meets the stopping rule is
        # refined: the next Newton step corrects any earlier imbalance itself (it is in F).
        refine = lu is not None
        pre = None
        if refine_at_end and refine:
            qsum = float(np.sum(np.abs(qnew)))
            relerr_pre = float(np.sum(np.abs(dq))) / qsum if qsum > 0 else 0.0
            pre = imbalance_check(qnew, H, hs, he)
            refine = relerr_pre < tol and _head_error(pre[2], pre[0], pre[1], status, P) < head_tol
        # A refinement is skipped once the imbalance is within the rounding of the node sums
        # themselves (16 eps of the largest flow or demand; the second one almost always is).
        if refine:
            shut = status <= CLOSED
            any_shut = not closed_link_leak and bool(shut.any())
            p_open = np.where(shut, 0.0, P) if any_shut else P
            moved = False
            for _ in range(2):
                q_open = np.where(shut, 0.0, qnew) if any_shut else qnew
                exc_q = node_sum(q_open, -q_open) - demand
                if np.abs(exc_q).max(initial=0.0) <= 16.0 * EPS * max(
                        float(np.abs(q_open).max(initial=0.0)), demand_max):
                    break
                delta = lu.solve(exc_q)  # type: ignore[union-attr]
                dx = np.append(delta, 0.0)  # δH by junction, 0 in the fixed-head bin nj
                qnew = qnew + p_open * (dx[s_bin] - dx[e_bin])
                H = H + delta
                pre = None
                moved = True
            if moved:
                hs, he = end_heads(H)
        dq = q - qnew
        q = qnew
        qsum = float(np.sum(np.abs(q)))
        relerr = float(np.sum(np.abs(dq))) / qsum if qsum > 0 else 0.0
        hs, he, hl, law_hg = pre if pre is not None else imbalance_check(q, H, hs, he)
        head_err = _head_error(hl, hs, he, status, P)

        valve_changed = valve_status()
        if relerr < tol and head_err < head_tol:
            changed = link_status() or valve_changed
            if not changed:
                converged = True
                break
            status_checks += 1
            if status_checks > max_status_checks:
                raise ConvergenceError(method, iterations, relerr,
                                       f"link statuses still changing after "
                                       f"{max_status_checks} converged solutions")
            next_check = iterations + network.check_freq
        elif iterations <= network.max_check and iterations == next_check:
            link_status()
            next_check += network.check_freq
    if not converged:
        raise ConvergenceError(method, iterations, relerr,
                               f"Σ|Δq|/Σ|q| = {relerr:.3g} (accuracy {tol:g}), largest "
                               f"head imbalance {head_err:.3g} m (allowed {head_tol:g} m)")
    if isinstance(head_lu, _HeadMatrixCholmod) and not cholmod_pool:
        cholmod_pool.append(head_lu)

    is_closed = status <= CLOSED
    newly_closed = np.flatnonzero(is_closed & given_open)
    if newly_closed.size:
        # connectivity depends only on which links are closed: a set found connected once
        # is remembered with the network (repeated solves end with the same statuses)
        seen: set[bytes] = _memo(memo, "connected_after_closing", set)
        key = np.flatnonzero(is_closed).tobytes()
        if key not in seen:
            _check_connected(junctions, sj[~is_closed], ej[~is_closed], method,
                             " (after the status checks closed "
                             f"{', '.join(names[k] for k in newly_closed[:10])})")
            seen.add(key)
    link_index = arr.link_index  # one index for both Series (and for every solution)
    # (float64 values: no dtype argument, which costs pandas a conversion check)
    flow = pd.Series(np.where(is_closed, 0.0, q), index=link_index, name="flow_m3s",
                     copy=False)
    head = pd.Series(np.concatenate([np.asarray(H, dtype=float), fixed_values]),
                     index=arr.node_index, name="head_m", copy=False)
    closed = tuple(names[k] for k in np.flatnonzero(is_closed))
    link_status_names = pd.Series(_STATUS_WORDS[status], index=link_index, name="status",
                                  dtype=object, copy=False)
    return FlowSolution(network, flow, head, iterations, relerr, head_err, closed, law,
                        link_status_names)


def _prv_status(s: int, q: float, h1: float, h2: float, hset: float, hml: float) -> int:
    """EPANET 2.2 ``prvstatus``: new status of a PRV from status s, flow q [m³/s], heads h1
    (upstream), h2 (downstream) and head setting hset [m]; hml = open-valve minor loss [m]."""
    if s == ACTIVE:
        return CLOSED if q < -QTOL_SI else OPEN if h1 - hml < hset - HTOL_SI else ACTIVE
    if s == OPEN:
        return CLOSED if q < -QTOL_SI else ACTIVE if h2 >= hset + HTOL_SI else OPEN
    if s == CLOSED:
        if h1 >= hset + HTOL_SI and h2 < hset - HTOL_SI:
            return ACTIVE
        if h1 < hset - HTOL_SI and h1 > h2 + HTOL_SI:
            return OPEN
        return CLOSED
    if s == XPRESSURE and q < -QTOL_SI:
        return CLOSED
    return s


def _psv_status(s: int, q: float, h1: float, h2: float, hset: float, hml: float) -> int:
    """EPANET 2.2 ``psvstatus`` (hset is the upstream head setting)."""
    if s == ACTIVE:
        return CLOSED if q < -QTOL_SI else OPEN if h2 + hml > hset + HTOL_SI else ACTIVE
    if s == OPEN:
        return CLOSED if q < -QTOL_SI else ACTIVE if h1 < hset - HTOL_SI else OPEN
    if s == CLOSED:
        if h2 > hset + HTOL_SI and h1 > h2 + HTOL_SI:
            return OPEN
        if h1 >= hset + HTOL_SI and h1 > h2 + HTOL_SI:
            return ACTIVE
        return CLOSED
    if s == XPRESSURE and q < -QTOL_SI:
        return CLOSED
    return s


def _fcv_status(s: int, q: float, h1: float, h2: float, setting: float) -> int:
    """EPANET 2.2 ``fcvstatus``: XFCV (open) against reverse head or flow; back to ACTIVE
    once the flow reaches the setting [m³/s]."""
    if h1 - h2 < -HTOL_SI or q < -QTOL_SI:
        return XFCV
    if s == XFCV and q >= setting:
        return ACTIVE
    return s


def _pipe_viscosities(network: VascularNetwork, given: Mapping[str, float] | None, law: str,
                      method: str) -> Array:
    """Kinematic viscosity [m²/s] per pipe: ``given`` where named, else the network's."""
    arr = network._arrays
    npipe = len(network.pipes)
    nu = np.full(npipe, float(network.viscosity_m2s))
    if given is not None:
        keys = tuple(given)
        # types first (one check per distinct type, not per value): real numbers only
        if not all(t is not bool and issubclass(t, (int, float, np.floating))
                   for t in set(map(type, given.values()))):
            values = np.array([float(v) if type(v) is not bool and isinstance(
                v, (int, float, np.floating)) else math.nan for v in given.values()])
        else:
            values = np.fromiter(given.values(), np.float64, len(keys))
        if keys == arr.link_names[:npipe]:
            positions: NDArray[np.intp] | slice = slice(None)   # every pipe, in network order
        else:
            index: dict[str, int] = _memo(arr.memo, "pipe_position", lambda: {
                name: k for k, name in enumerate(arr.link_names[:npipe])})
            for name in keys:
                if name not in index:
                    raise UnknownNameError("pipe", name, index,
                                           "link_viscosity_m2s of solve_flow")
            positions = np.fromiter(map(index.__getitem__, keys), np.intp, len(keys))
        bad = np.flatnonzero(~(np.isfinite(values) & (values > 0)))
        if bad.size:
            items = list(given.items())
            raise InputDataError([Violation("solve_flow", None,
                                            f"link_viscosity_m2s[{items[k][0]!r}]",
                                            "a finite kinematic viscosity > 0 [m²/s]",
                                            items[k][1]) for k in bad])
        nu[positions] = values
    if law in ("D-W", "H-P"):
        unusable = ~arr.given_closed[:npipe] & ~(np.isfinite(nu) & (nu > 0))
        if unusable.any():
            missing = [arr.link_names[k] for k in np.flatnonzero(unusable)]
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise SolverError(method, f"no finite positive viscosity for {len(missing)} "
                              f"pipe(s) ({shown}): network.viscosity_m2s is "
                              f"{network.viscosity_m2s!r}; give link_viscosity_m2s")
    return nu


_STATUS_WORDS = np.array([_STATUS_NAMES[k] for k in range(len(_STATUS_NAMES))], dtype=object)

_T = TypeVar("_T")


def _read_only(value: _T) -> _T:
    """``value`` with its arrays made read-only: an array, the arrays in a tuple, or the array
    fields of an object (the layouts below); anything else unchanged."""
    items = (value,) if isinstance(value, np.ndarray) else (
        value if isinstance(value, tuple) else tuple(getattr(value, "__dict__", {}).values()))
    for item in items:
        if isinstance(item, np.ndarray):
            item.flags.writeable = False
    return value


def _memo(memo: dict[str, Any], key: str, build: Callable[[], _T]) -> _T:
    """``memo[key]``, built by ``build()`` on first use (memo: the network's derived arrays),
    its arrays read-only."""
    if key not in memo:
        memo[key] = _read_only(build())
    return memo[key]  # type: ignore[no-any-return]


def _head_error(hl: Array, hs: Array, he: Array, status: NDArray[np.intp], P: Array) -> float:
    """Largest |h_k(q_k) − (H_start − H_end)| over the links whose head loss is checked: not
    closed, not an open valve without minor loss (its P = 1/CSMALL), h finite."""
    check = np.isfinite(hl) & (status > CLOSED) & ~((status == OPEN) & (P >= 1.0 / CSMALL_SI))
    return float(np.max(np.abs(hl - (hs - he))[check], initial=0.0))


CHOLMOD_MIN_JUNCTIONS = 100
"""Smallest network (junctions) for which ``solve_flow(linear_solver="auto")`` uses CHOLMOD
(when ``cvxopt`` is installed and the band Cholesky is not chosen, see
:data:`BANDED_MAX_WORK`). Per numeric factorisation on synthetic grids (2-core Xeon),
SuperLU / CHOLMOD (cvxopt's default supernodal factor): 0.4 / 0.5 ms at 529 junctions, 6 / 3 ms
at 5 041, 0.11 / 0.03 s at 50 176, 2.45 / 0.46 s at 501 264; with CHOLMOD's own choice of
simplicial or supernodal (:data:`CHOLMOD_SUPERNODAL`) 0.08 ms at 529 junctions. Whole first
solves, SuperLU / CHOLMOD: 5.4 / 2.6 ms on the 529-junction grid, 2.2 / 1.4 ms on the
766-junction vascular bed (``pkdose.flow.synthetic.vascular_network(1000)``), 5.4 / 3.0 ms at
2 306 junctions, 17.6 / 9.0 ms at 7 690; below ~100 junctions (Net3: 92) both are call
overhead and the band solver is the one chosen."""


REFINE_AT_END_MIN_JUNCTIONS = 20_000
"""Smallest network (junctions) on which ``solve_flow`` refines the flows only at a step that
meets the stopping rule (see there). Below it every iteration is refined, exactly as before
(and the results are unchanged to the last bit)."""


BANDED_MAX_WORK = 5_000_000
"""Largest band Cholesky work n (width+1)² (n junctions, width of the band in reverse
Cuthill-McKee order, see :class:`_BandLayout`) for which ``solve_flow(linear_solver="auto")``
factorises the head matrix as a band. Measured per factorisation on synthetic grids (2-core
Xeon; band / SuperLU / CHOLMOD with :data:`CHOLMOD_SUPERNODAL`): 0.05 / 0.38 / 0.08 ms at 529
junctions (work 3.1e5), 0.28 / 1.26 / 0.31 ms at 1521 (2.4e6), 0.43 / 1.69 / 0.45 ms at 2025
(4.3e6), 0.83 / 2.49 / 0.81 ms at 3025 (9.5e6), 3.3 / 5.0 / 1.6 ms at 5041 (2.6e7): the band
is the fastest up to about this work, and needs no symbolic analysis on a first solve; Net6
(3323 junctions, width 111, 4.2e7) keeps CHOLMOD."""

BANDED_MAX_JUNCTIONS = 3000
"""Largest network (junctions) for which "auto" computes the band ordering to decide (about
0.5 ms at 3000 junctions, paid on the first solve only). A larger network fits
:data:`BANDED_MAX_WORK` only with a band at most 40 wide, i.e. some 75 times longer than
wide; grids, EPANET's example networks (Net6: 3323 junctions, width 111) and vessel trees are
not, so the ordering would be computed for nothing."""


def _linear_solver_kind(choice: str, nj: int, method: str,
                        band_work: Callable[[], int] | None = None) -> str:
    """The head-matrix solver ``solve_flow`` uses: "superlu", "cholmod" or "banded" (see
    there); "auto" picks "banded" only if ``band_work`` (the network's band Cholesky work,
    computed on demand) is given and at most :data:`BANDED_MAX_WORK`."""
    if choice not in ("auto", "superlu", "cholmod", "banded"):
        raise SolverError(method, f"linear_solver must be 'auto', 'superlu', 'cholmod' or "
                          f"'banded', got {choice!r}")
    if choice in ("superlu", "banded"):
        return choice
    if (choice == "auto" and band_work is not None and 0 < nj <= BANDED_MAX_JUNCTIONS
            and band_work() <= BANDED_MAX_WORK):
        return "banded"
    try:
        import cvxopt.cholmod  # noqa: F401  (optional, GPL-3: imported only here)
    except ImportError as exc:
        if choice == "cholmod":
            raise SolverError(method, f"linear_solver='cholmod' needs the optional package "
                              f"cvxopt (pip install cvxopt): {exc}") from None
        return "superlu"
    return "cholmod" if (choice == "cholmod" or nj >= CHOLMOD_MIN_JUNCTIONS) else "superlu"


@dataclass(frozen=True, eq=False)
class _HeadPattern:
    """Sparsity pattern of the head matrix A = A21 D⁻¹ A12 of a network (all links).

    Entry ``i`` of the value vector ``vals = [diag, off, off]`` that :func:`solve_flow` builds
    every iteration sits at (``rows[i]``, ``cols[i]``): the nj diagonal entries, then each
    junction-to-junction link at (start, end) and at (end, start). Duplicates (parallel
    links) are summed. Built once per network (memoised with its arrays), together with the
    compressed layouts the factorisations and products need.
    """

    nj: int
    both: NDArray[np.bool_]
    """Links joining two junctions (an off-diagonal pair each)."""
    off_index: NDArray[np.intp]
    """Position of each such link among them (−1 for the others)."""
    rows: NDArray[np.intp]
    cols: NDArray[np.intp]
    s_bin: NDArray[np.intp]
    """Junction of each link's start, nj for a fixed-head start (a bin thrown away)."""
    e_bin: NDArray[np.intp]

    @classmethod
    def build(cls, nj: int, sj: NDArray[np.intp], ej: NDArray[np.intp]) -> _HeadPattern:
        both = (sj >= 0) & (ej >= 0)
        off_index = np.full(len(sj), -1, dtype=np.intp)
        nboth = int(both.sum())
        off_index[both] = np.arange(nboth)
        rows = np.concatenate([np.arange(nj), sj[both], ej[both]])
        cols = np.concatenate([np.arange(nj), ej[both], sj[both]])
        return _read_only(cls(nj, both, off_index, rows, cols,
                              np.where(sj >= 0, sj, nj), np.where(ej >= 0, ej, nj)))

    def csc(self) -> _Compressed:
        """The whole matrix in canonical compressed-column layout."""
        return _memo(vars(self).setdefault("_layouts", {}), "csc",
                     lambda: _Compressed.build(self.nj, self.rows, self.cols))

    def band(self) -> _BandLayout:
        """The band layout in reverse Cuthill-McKee order (:class:`_HeadMatrixBanded`)."""
        return _memo(vars(self).setdefault("_layouts", {}), "band",
                     lambda: _BandLayout.build(self))

    def lower_csc(self) -> _Compressed:
        """The lower triangle in compressed-column layout (CHOLMOD's input)."""
        return _memo(vars(self).setdefault("_layouts", {}), "lower",
                     lambda: _Compressed.build(self.nj, self.rows, self.cols, lower=True))


@dataclass(frozen=True, eq=False)
class _Compressed:
    """Canonical compressed-column layout (sorted, duplicates summed) of entries at
    (``rows``, ``cols``), and where each entry goes: :meth:`values` gathers a value vector
    into it (the first entry of each position), then adds the duplicates (parallel links) in
    entry order, the order scipy's own COO → CSC conversion sums in."""

    n: int
    take: NDArray[np.bool_] | None
    """Entries kept (the lower triangle), None for all."""
    slot: NDArray[np.intp]
    nnz: int
    indices: NDArray[np.int32]
    indptr: NDArray[np.int32]
    first: NDArray[np.intp]
    """Entry (index into the value vector) that starts each position's sum."""
    extra_slot: NDArray[np.intp]
    """Positions of the further (duplicate) entries, in entry order ..."""
    extra_entry: NDArray[np.intp]
    """... and those entries."""

    @classmethod
    def build(cls, n: int, rows: NDArray[np.intp], cols: NDArray[np.intp],
              lower: bool = False) -> _Compressed:
        take = rows >= cols if lower else None
        r, c = (rows[take], cols[take]) if take is not None else (rows, cols)
        key = c.astype(np.int64) * n + r
        uniq, slot = np.unique(key, return_inverse=True)
        col_of = uniq // n
        indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(col_of, minlength=n), out=indptr[1:])
        slot = slot.astype(np.intp).reshape(-1)
        entry = np.flatnonzero(take) if take is not None else np.arange(len(rows))
        _, first_at = np.unique(slot, return_index=True)  # first occurrence, entry order
        extra = np.ones(len(slot), dtype=bool)
        extra[first_at] = False
        return cls(n, take, slot, int(uniq.size), (uniq % n).astype(np.int32), indptr,
                   entry[first_at], slot[extra], entry[extra])

    def values(self, vals: Array) -> Array:
        """The summed values in layout order (as ``np.bincount`` over the entries would sum
        them, without its pass over every entry: a gather, then the few duplicates)."""
        out = vals[self.first]
        if self.extra_slot.size:
            np.add.at(out, self.extra_slot, vals[self.extra_entry])  # in entry order
        return np.asarray(out, dtype=np.float64)

    def permuted(self, rows: NDArray[np.intp], cols: NDArray[np.intp]) -> _Compressed:
        """The layout of the same entries moved to (``rows``, ``cols``)."""
        return _Compressed.build(self.n, rows, cols)


@dataclass(frozen=True, eq=False)
class _BandLayout:
    """The head matrix in LAPACK's lower band storage after a reverse Cuthill-McKee ordering.

    RCM numbers the junctions level by level from a peripheral one, which keeps every
    nonzero within ``width`` of the diagonal (23 for the 529-junction grid, 111 for Net6's
    3323 junctions); a Cholesky factor has no fill outside that band, so LAPACK's band
    Cholesky (``dpbtrf``, n (width+1)² flops) factorises it with no symbolic analysis and no
    per-call set-up beyond filling the band. Built once per network (memoised with its
    pattern): ``slot`` is where each lower-triangle entry of the pattern goes in the band
    array (Fortran order, ``width + 1`` rows of n), so a factorisation starts with one
    ``np.bincount``.
    """

    n: int
    width: int
    """Sub-diagonals of the band (kd)."""
    order: NDArray[np.intp]
    """Position i of the band holds junction ``order[i]``."""
    inverse: NDArray[np.intp]
    """Band position of each junction."""
    take: NDArray[np.bool_]
    """Entries of the pattern in the lower triangle of the reordered matrix."""
    slot: NDArray[np.intp]

    @property
    def work(self) -> int:
        """n (width+1)², the flop count of a band Cholesky up to a constant."""
        return self.n * (self.width + 1) ** 2

    @classmethod
    def build(cls, pattern: _HeadPattern) -> _BandLayout:
        n = pattern.nj
        lay = pattern.csc()  # symmetric: its column layout is also the row layout RCM wants
        graph = sp.csr_matrix((np.ones(lay.nnz), lay.indices, lay.indptr), shape=(n, n))
        order = np.asarray(reverse_cuthill_mckee(graph, symmetric_mode=True), dtype=np.intp)
        inverse = np.empty(n, dtype=np.intp)
        inverse[order] = np.arange(n)
        r, c = inverse[pattern.rows], inverse[pattern.cols]
        take = r >= c
        width = int(np.max(r - c, initial=0))
        return _read_only(cls(n, width, order, inverse, take,
                              (c * (width + 1) + (r - c))[take]))


class _HeadMatrixBanded:
    """Band Cholesky factorisations (LAPACK ``dpbtrf``/``dpbtrs``) of the head matrix in the
    reverse Cuthill-McKee order of a :class:`_BandLayout`: the fastest of the three on small
    and narrow networks (per factorisation 0.05 ms at 529 junctions against SuperLU's 0.38
    and CHOLMOD's 0.08 ms, see :data:`BANDED_MAX_WORK`), where a sparse factorisation is
    mostly call overhead. Like CHOLMOD it needs A positive definite (it is whenever every
    junction reaches a fixed head) and raises RuntimeError otherwise."""

    def __init__(self, layout: _BandLayout) -> None:
        self.layout = layout

    def factor(self, vals: Array) -> _BandedSolve:
        """Factorise A(vals) = L Lᵀ; raises RuntimeError if A is not positive definite."""
        lay = self.layout
        band = np.bincount(lay.slot, vals[lay.take], lay.n * (lay.width + 1)).reshape(
            (lay.width + 1, lay.n), order="F")
        c, info = _dpbtrf(band, lower=1, overwrite_ab=1)
        if info != 0:
            raise RuntimeError(f"band Cholesky: head matrix not positive definite "
                               f"(LAPACK dpbtrf info {info})")
        return _BandedSolve(c, lay.order, lay.inverse)


@dataclass(frozen=True)
class _BandedSolve:
    """Solves with one band Cholesky factor (junctions in band order)."""

    factor: Array
    order: NDArray[np.intp]
    inverse: NDArray[np.intp]

    def solve(self, b: Array) -> Array:
        """x with A x = b."""
        x, _ = _dpbtrs(self.factor, b[self.order], lower=1, overwrite_b=1)
        return np.asarray(x, dtype=np.float64)[self.inverse]


CHOLMOD_SUPERNODAL = 1
"""cvxopt's ``cholmod.options["supernodal"]`` for the symbolic analysis of the head matrix:
1, CHOLMOD's own choice (supernodal where the flops per nonzero of the factor reach 40,
simplicial below), instead of cvxopt's default 2 (always supernodal). Pipe networks are so
sparse that the simplicial factor is often the faster one: Net6 (3323 junctions) per numeric
factorisation 0.20 instead of 0.52 ms and per solve 0.02 instead of 0.11 ms; the synthetic
grids from 5041 junctions stay supernodal (same times)."""


_CHOLMOD_OPTIONS_LOCK = threading.Lock()
"""Held while cvxopt's global CHOLMOD options are changed for one symbolic analysis."""


class _HeadMatrixCholmod:
    """Sparse Cholesky factorisations (CHOLMOD, through ``cvxopt``) of the head matrix.

    The lower triangle of A (entries ``rows``, ``cols``; duplicates, i.e. parallel links,
    summed) is laid out once in compressed-column order; its symbolic analysis (CHOLMOD's
    default fill-reducing ordering, AMD in cvxopt's build; elimination tree, supernodes) is
    done once, and each :meth:`factor` only scatters the new values into that layout and
    refactorises numerically (simplicial or supernodal, CHOLMOD's choice, see
    :data:`CHOLMOD_SUPERNODAL`). A is symmetric
    positive definite whenever every junction reaches a fixed head (checked before), so
    Cholesky needs no pivoting; a matrix that is not (numerically) positive definite raises
    RuntimeError, as SuperLU does for a singular one. The factor object is reused: the
    returned solver is valid until the next :meth:`factor`.
    """

    def __init__(self, n: int, rows: NDArray[np.intp], cols: NDArray[np.intp],
                 layout: _Compressed | None = None) -> None:
        from cvxopt import cholmod, matrix, spmatrix

        self._cholmod, self._matrix = cholmod, matrix
        self.layout = layout or _Compressed.build(n, rows, cols, lower=True)
        lay = self.layout
        self.A = spmatrix(matrix(np.ones(lay.nnz)), matrix(lay.indices),
                          matrix(np.repeat(np.arange(n, dtype=np.int32), np.diff(lay.indptr))),
                          (n, n))
        # the factor's kind (simplicial or supernodal) is fixed by the symbolic analysis:
        # cvxopt's options are global, so ours applies to this call only, under a lock so
        # that concurrent solves restore the caller's setting (not each other's)
        with _CHOLMOD_OPTIONS_LOCK:
            options = cholmod.options
            before = options.get("supernodal")
            options["supernodal"] = CHOLMOD_SUPERNODAL
            try:
                self.F = cholmod.symbolic(self.A, uplo="L")
            finally:
                if before is None:
                    options.pop("supernodal", None)
                else:
                    options["supernodal"] = before

    def factor(self, vals: Array) -> _CholmodSolve:
        """Factorise A(vals) = L Lᵀ; raises RuntimeError if A is not positive definite."""
        self.A.V = self._matrix(self.layout.values(vals))
        try:
            self._cholmod.numeric(self.A, self.F)
        except ArithmeticError as exc:
            raise RuntimeError(f"CHOLMOD: head matrix not positive definite ({exc})") from None
        # A simplicial factor is LDLᵀ, which CHOLMOD computes for an indefinite matrix too
        # (only a supernodal LLᵀ fails above): A is positive definite iff every pivot
        # D_ii > 0, read off D⁻¹ 1 (CHOLMOD's sys=6 solve, O(n); all ones for LLᵀ)
        d_inv = self._matrix(1.0, (self.layout.n, 1))
        self._cholmod.solve(self.F, d_inv, sys=6)
        d = np.asarray(d_inv).reshape(-1)
        if d.size and not (d.min() > 0.0 and math.isfinite(d.max())):
            k = int(np.argmin(np.where(np.isfinite(d), d, -np.inf)))
            raise RuntimeError(f"CHOLMOD: head matrix not positive definite (pivot {k} of "
                               f"the LDLᵀ factor is {1.0 / d[k]:.3g})")
        return _CholmodSolve(self)


@dataclass(frozen=True)
class _CholmodSolve:
    """Solves with the current factorisation of a :class:`_HeadMatrixCholmod`."""

    head: _HeadMatrixCholmod

    def solve(self, b: Array) -> Array:
        """x with A x = b."""
        x = self.head._matrix(np.ascontiguousarray(b, dtype=np.float64))
        self.head._cholmod.solve(self.head.F, x)
        return np.asarray(x, dtype=np.float64).reshape(-1)


class _HeadMatrixLU:
    """Sparse LU factorisations of the head matrix A, one per Newton iteration.

    A = A21 D⁻¹ A12 is symmetric and, with P > 0, a diagonally dominant M-matrix whose
    sparsity pattern (given by ``rows``, ``cols``) does not change between iterations. The
    first :meth:`factor` orders it for little fill with SuperLU's minimum degree ordering on
    the symmetric structure (``MMD_AT_PLUS_A``, symmetric mode, diagonal pivots preferred);
    later ones factor the matrix permuted by that same ordering in natural order, so the
    ordering is computed once per status check instead of once per iteration. Results differ
    from a default ``splu`` (COLAMD, partial pivoting) only by round-off in the heads. The
    compressed-column layouts are computed once (``layout``: the network's, memoised), so a
    factorisation only scatters the values (no COO → CSC conversion per iteration).
    """

    _OPTIONS = dict(diag_pivot_thresh=1e-3, options=dict(SymmetricMode=True))

    def __init__(self, n: int, rows: NDArray[np.intp], cols: NDArray[np.intp],
                 layout: _Compressed | None = None) -> None:
        self.n, self.rows, self.cols = n, rows, cols
        self.layout = layout or _Compressed.build(n, rows, cols)
        self.order: NDArray[np.intp] | None = None  # position i holds original row order[i]
        self.inverse: NDArray[np.intp] | None = None

    def _matrix(self, lay: _Compressed, vals: Array) -> sp.csc_matrix:
        A = sp.csc_matrix((lay.values(vals), lay.indices, lay.indptr), shape=(self.n, self.n))
        A.has_canonical_format = True
        return A

    def factor(self, vals: Array) -> _PermutedLU:
        """Factorise A(vals); raises RuntimeError (from SuperLU) if A is singular."""
        if self.order is None or self.inverse is None:
            lu = splu(self._matrix(self.layout, vals), permc_spec="MMD_AT_PLUS_A",
                      **self._OPTIONS)  # type: ignore[arg-type]
            # SuperLU factors Pr A Pc; column j of A Pc is column argsort(perm_c)[j] of A
            self.inverse = np.asarray(lu.perm_c, dtype=np.intp)
            self.order = np.argsort(self.inverse).astype(np.intp)
            self.layout = self.layout.permuted(self.inverse[self.rows], self.inverse[self.cols])
            return _PermutedLU(lu, None, None)
        lu = splu(self._matrix(self.layout, vals), permc_spec="NATURAL",
                  **self._OPTIONS)  # type: ignore[arg-type]
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


def _check_connected(junctions: Sequence[str], sj: NDArray[np.intp], ej: NDArray[np.intp],
                     method: str, why: str = "") -> None:
    """Every junction must reach a fixed-head node through the links with junction indices
    ``sj`` → ``ej`` (-1 for a fixed-head end); else the head equations are singular."""
    nj = len(junctions)
    n = nj + 1  # node nj stands for all fixed-head nodes together
    rows = np.where(sj >= 0, sj, nj)
    cols = np.where(ej >= 0, ej, nj)
    # compressed rows built directly (a stable sort by start): half the time of scipy's
    # COO → CSR conversion on small networks, where this check is a visible part of a first
    # solve (50 instead of 95 µs on Net1)
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    indices = cols[np.argsort(rows, kind="stable")].astype(np.int32)
    graph = sp.csr_matrix((np.ones(len(rows)), indices, indptr), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    cut = [junctions[int(i)] for i in np.flatnonzero(labels[:nj] != labels[nj])]
    if cut:
        shown = ", ".join(cut[:10]) + (" ..." if len(cut) > 10 else "")
        raise SolverError(method, f"{len(cut)} junction(s) not connected to any reservoir or "
                          f"tank through open links{why}: {shown}")
