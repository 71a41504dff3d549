"""Description of a pipe network for a steady-state flow solution, and an EPANET ``.inp`` reader.

Everything is stored in SI: lengths and heads in m, diameters in m, flows in m³/s. The
description is a frozen value; the solver is :func:`pkdose.flow.solver.solve_flow`.

Units are converted exactly as EPANET 2.2 does internally (Rossman, EPANET 2.2 source,
``units.c``/``input1.c``): EPANET computes in ft and cfs, with 1 ft = 0.3048 m and
1 cfs = 28.317 L/s (``LPSperCFS``; note 0.3048³ m³ = 28.3168 L, so EPANET's cfs is 1.1e-5
larger than the true one). A flow of ``x`` GPM is therefore ``x / 448.831 * 0.028317`` m³/s, a
flow in L/s is ``x / 1000`` m³/s, and the Hazen-Williams constant 4.727 (ft, cfs) becomes
``4.727 * 0.3048**4.871 / 0.028317**1.852 = 10.66672`` in SI.
"""

from __future__ import annotations

import gc
import math
import numbers
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from operator import attrgetter
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pkdose.errors import InputDataError, Violation

__all__ = [
    "FT_M",
    "CFS_M3S",
    "FLOW_UNITS_PER_CFS",
    "Junction",
    "FixedHeadNode",
    "Pipe",
    "PumpCurve",
    "Pump",
    "ConstantPower",
    "Valve",
    "VALVE_KINDS",
    "VascularNetwork",
    "read_inp",
]

FT_M = 0.3048
"""Metres per foot (EPANET ``MperFT``)."""
CFS_M3S = 0.028317
"""m³/s per cubic foot per second, as EPANET converts (``LPSperCFS`` = 28.317)."""
EPANET_VISCOSITY_M2S = 1.1e-5 * FT_M**2
"""EPANET's kinematic viscosity of water at 20 °C, 1.1e-5 ft²/s = 1.0219e-6 m²/s."""

FLOW_UNITS_PER_CFS: dict[str, float] = {
    # US customary (lengths in ft, diameters in inches, D-W roughness in millifeet)
    "CFS": 1.0, "GPM": 448.831, "MGD": 0.64632, "IMGD": 0.5382, "AFD": 1.9837,
    # SI (lengths in m, diameters in mm, D-W roughness in mm)
    "LPS": 28.317, "LPM": 1699.0, "MLD": 2.4466, "CMH": 101.94, "CMD": 2446.6,
}
"""EPANET's conversion factors, user flow unit per cfs (EPANET 2.2 ``types.h``)."""
_US_UNITS = {"CFS", "GPM", "MGD", "IMGD", "AFD"}

Status = Literal["open", "closed"]
ValveStatus = Literal["active", "open", "closed"]
VALVE_KINDS = ("PRV", "PSV", "FCV", "TCV")
"""EPANET valve types implemented: pressure reducing, pressure sustaining, flow control and
throttle control valves (GPV, PBV and PCV are not)."""
KW_PER_HP = 0.7457
"""EPANET's kilowatts per horsepower (``KWperHP``)."""
PSI_PER_FT = 0.4333
"""EPANET's psi per foot of water (``PSIperFT``), times the specific gravity for pressures."""


@dataclass(frozen=True)
class Junction:
    """A node of unknown head with a fixed demand.

    Parameters
    ----------
    name : str
    elevation_m : float
        Elevation [m] (pressure head = head − elevation).
    demand_m3s : float
        Base demand leaving the network at the node [m³/s]; negative for an inflow.
    """

    name: str
    elevation_m: float
    demand_m3s: float = 0.0


@dataclass(frozen=True)
class FixedHeadNode:
    """A node of known total head: a reservoir, or a tank frozen at its initial level.

    For a single steady state a tank is a fixed-head node at ``elevation + initial level``
    (EPANET does the same within one hydraulic time step); ``kind`` records which it was.

    Parameters
    ----------
    name : str
    head_m : float
        Total head [m].
    kind : {"reservoir", "tank"}
    """

    name: str
    head_m: float
    kind: Literal["reservoir", "tank"] = "reservoir"


@dataclass(frozen=True)
class Pipe:
    """A pipe from ``start`` to ``end`` (positive flow runs start → end).

    Parameters
    ----------
    name, start, end : str
    length_m : float
        Length L [m].
    diameter_m : float
        Internal diameter d [m].
    roughness : float
        Hazen-Williams C [-] for ``"H-W"``, absolute roughness ε [m] for ``"D-W"``;
        unused for ``"H-P"`` (laminar).
    minor_loss : float
        Minor loss coefficient K [-]; head loss ``K v²/(2g)`` = ``K 8 q²/(π² g d⁴)``.
    status : {"open", "closed"}
        A closed pipe carries no flow.
    check_valve : bool
        A check valve (EPANET status CV) closes the pipe against reverse flow or head, by
        EPANET's ``cvstatus`` in the solution.
    """

    name: str
    start: str
    end: str
    length_m: float
    diameter_m: float
    roughness: float
    minor_loss: float = 0.0
    status: Status = "open"
    check_valve: bool = False


@dataclass(frozen=True)
class PumpCurve:
    """Pump head gain h = A − B qᶜ [m], q in m³/s, as EPANET's power-function curve.

    Parameters
    ----------
    shutoff_head_m : float
        A [m], the head gain at zero flow.
    coefficient : float
        B [m (m³/s)^-C], > 0.
    exponent : float
        C [-], 0 < C ≤ 20.
    design_flow_m3s : float
        Flow of the design point (EPANET's initial pump flow) [m³/s].
    """

    shutoff_head_m: float
    coefficient: float
    exponent: float
    design_flow_m3s: float

    @classmethod
    def from_points(cls, points: Sequence[tuple[float, float]]) -> PumpCurve:
        """Fit the curve to one design point or three points (the first at q = 0), as EPANET.

        One point (q₁, h₁): EPANET adds h₀ = 1.33334 h₁ at q = 0 and (2q₁, 0). Three points
        (0, h₀), (q₁, h₁), (q₂, h₂): A = h₀, C = ln((h₀ − h₂)/(h₀ − h₁)) / ln(q₂/q₁),
        B = (h₀ − h₁)/q₁ᶜ (EPANET 2.2 ``powercurve``). Points in m³/s and m.

        Raises
        ------
        ValueError
            Any other number of points, or points that give no valid power function.
        """
        pts = [(float(q), float(h)) for q, h in points]
        if len(pts) == 1:
            q1, h1 = pts[0]
            h0, q2, h2 = 1.33334 * h1, 2.0 * q1, 0.0
        elif len(pts) == 3 and pts[0][0] == 0.0:
            (_, h0), (q1, h1), (q2, h2) = pts
        else:
            raise ValueError("a pump curve needs 1 point or 3 points starting at zero flow "
                             f"(multi-point curves are not implemented), got {pts}")
        tiny = 1e-6
        if h0 < tiny or h0 - h1 < tiny or h1 - h2 < tiny or q1 < tiny * CFS_M3S or q2 - q1 < 0:
            raise ValueError(f"pump curve points {pts} give no decreasing power function")
        c = math.log((h0 - h2) / (h0 - h1)) / math.log(q2 / q1)
        if not 0.0 < c <= 20.0:
            raise ValueError(f"pump curve points {pts} give exponent {c}, outside (0, 20]")
        return cls(h0, (h0 - h1) / q1**c, c, q1)

    def head_gain(self, q: float) -> float:
        """Head gain [m] at flow q [m³/s] (EPANET extends it as A − B q|q|^(C−1) for q < 0)."""
        return self.shutoff_head_m - self.coefficient * math.copysign(abs(q) ** self.exponent, q)


@dataclass(frozen=True)
class ConstantPower:
    """A constant-power pump (EPANET ``POWER``): head gain h = 8.814 P_hp / Q in ft and cfs.

    In SI, h [m] = 8.814 (P / 0.7457 kW) FT_M CFS_M3S / q with P in kW and q in m³/s, i.e.
    EPANET's own constants (water at 62.4 lb/ft³; 1 hp = 0.7457 kW). EPANET starts it at
    1 cfs and never closes it for lack of head (its shut-off head is infinite).

    Parameters
    ----------
    power_kw : float
        Power P [kW], > 0.
    """

    power_kw: float

    @property
    def coefficient(self) -> float:
        """r in h = r / q [m m³/s]: 8.814 (P/0.7457) ft·cfs in SI."""
        return 8.814 * self.power_kw / KW_PER_HP * FT_M * CFS_M3S

    @property
    def design_flow_m3s(self) -> float:
        """EPANET's initial flow of a constant-power pump, 1 cfs [m³/s]."""
        return CFS_M3S

    def head_gain(self, q: float) -> float:
        """Head gain [m] at flow q > 0 [m³/s]."""
        return self.coefficient / q


@dataclass(frozen=True)
class Pump:
    """A pump from ``start`` (suction) to ``end`` (discharge) with a power-function curve
    (:class:`PumpCurve`) or a constant power (:class:`ConstantPower`)."""

    name: str
    start: str
    end: str
    curve: PumpCurve | ConstantPower
    status: Status = "open"


@dataclass(frozen=True)
class Valve:
    """An EPANET control valve from ``start`` (upstream) to ``end`` (downstream).

    The valve's status in the solution follows EPANET 2.2 (``hydstatus.c``, see
    :func:`~pkdose.flow.solver.solve_flow`): a PRV holds the head of ``end`` at its elevation +
    ``setting`` while it can (ACTIVE), is fully OPEN when the upstream head is too low, and
    CLOSED against reverse flow; a PSV holds the head of ``start`` at its elevation +
    ``setting``; an FCV limits the flow to ``setting``; a TCV is an open valve with minor loss
    coefficient ``setting``. A fully open valve has the minor loss ``minor_loss`` (or, with
    none, EPANET's tiny linear resistance 1e-6 ft/cfs).

    Parameters
    ----------
    name, start, end : str
        PRV, PSV and FCV must join two junctions (as EPANET requires).
    kind : {"PRV", "PSV", "FCV", "TCV"}
    diameter_m : float
        Diameter d [m] (for the minor losses).
    setting : float
        PRV, PSV: pressure head [m] (of water) above the elevation of ``end`` (PRV) or
        ``start`` (PSV); FCV: flow [m³/s], ≥ 0; TCV: loss coefficient K [-], ≥ 0.
    minor_loss : float
        Minor loss coefficient K [-] of the fully open valve.
    status : {"active", "open", "closed"}
        "active": the status is decided in the solution (EPANET's valve with a setting);
        "open" or "closed": fixed, as EPANET's [STATUS] OPEN/CLOSED (the setting is unused).
    """

    name: str
    start: str
    end: str
    kind: Literal["PRV", "PSV", "FCV", "TCV"]
    diameter_m: float
    setting: float
    minor_loss: float = 0.0
    status: ValveStatus = "active"


def _violation(where: str, field_: str, expected: str, got: object) -> Violation:
    return Violation(file=where, row=None, field=field_, expected=expected, got=got)


@dataclass(frozen=True)
class VascularNetwork:
    """A network of junctions, fixed-head nodes, pipes and pumps for one steady state.

    Parameters
    ----------
    name : str
    junctions, fixed_heads, pipes, pumps, valves : tuple
        The elements; names must be unique among nodes and among links.
    headloss : {"H-W", "D-W", "H-P"}
        Default head-loss law for :func:`~pkdose.flow.solver.solve_flow`.
    accuracy : float
        Default convergence criterion Σ|Δq| / Σ|q| (EPANET ``ACCURACY``, 0.001).
    max_iter : int
        Default iteration limit (EPANET ``TRIALS``, 40).
    viscosity_m2s : float
        Kinematic viscosity ν [m²/s] for D-W and H-P (EPANET default 1.0219e-6).
    check_freq, max_check : int
        EPANET's CHECKFREQ and MAXCHECK: pump and FCV statuses are checked every
        ``check_freq`` iterations up to iteration ``max_check``, and at every convergence.

    Raises
    ------
    InputDataError
        Duplicate names, links to unknown nodes, non-positive lengths or diameters.
    """

    name: str
    junctions: tuple[Junction, ...]
    fixed_heads: tuple[FixedHeadNode, ...]
    pipes: tuple[Pipe, ...] = ()
    pumps: tuple[Pump, ...] = ()
    headloss: Literal["H-W", "D-W", "H-P"] = "H-W"
    accuracy: float = 0.001
    max_iter: int = 40
    viscosity_m2s: float = EPANET_VISCOSITY_M2S
    valves: tuple[Valve, ...] = ()
    check_freq: int = 2
    max_check: int = 10
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "junctions", tuple(self.junctions))
        object.__setattr__(self, "fixed_heads", tuple(self.fixed_heads))
        object.__setattr__(self, "pipes", tuple(self.pipes))
        object.__setattr__(self, "pumps", tuple(self.pumps))
        object.__setattr__(self, "valves", tuple(self.valves))
        where = f"network {self.name!r}"
        bad: list[Violation] = []
        nodes = list(self.node_names)
        links = self.link_names
        for kind, names in (("node", nodes), ("link", links)):
            if len(set(names)) == len(names):
                continue
            seen: set[str] = set()
            for n in names:
                if n in seen:
                    bad.append(_violation(where, f"{kind} {n}", "a unique name", "a duplicate"))
                seen.add(n)
        # each link end's position among the nodes (junctions, then fixed heads; -1: unknown),
        # kept for the solver (see _arrays): one hashed look-up per end, here and never again
        position = {name: i for i, name in enumerate(nodes)}
        all_links: list[Pipe | Pump | Valve] = [*self.pipes, *self.pumps, *self.valves]
        ends = tuple(np.fromiter(map(position.get, map(attrgetter(side), all_links),
                                     repeat(-1)), dtype=np.intp, count=len(all_links))
                     for side in ("start", "end"))
        for end_pos in ends:
            end_pos.flags.writeable = False
        object.__setattr__(self, "_link_end_positions", ends)
        for k in np.flatnonzero((ends[0] < 0) | (ends[1] < 0) | (ends[0] == ends[1])):
            link = all_links[k]
            for end in (link.start, link.end):
                if end not in position:
                    bad.append(_violation(where, f"link {link.name}", "a known node", end))
            if link.start == link.end:
                bad.append(_violation(where, f"link {link.name}", "two different nodes",
                                      link.start))
        # the solver's arrays are built here, with the network (as EPANET fills its arrays
        # when it reads a file), and the pipe geometry is checked on them in one pass, once
        # every length and diameter is known to be a real number (a numeric string would be
        # converted by numpy, and then break whatever reads the pipe)
        geometry_types = set(map(type, map(attrgetter("length_m"), self.pipes)))
        geometry_types |= set(map(type, map(attrgetter("diameter_m"), self.pipes)))
        bad_pipes: list[Pipe] = []
        if all(map(_is_real_type, geometry_types)):
            try:
                arrays = self._arrays
                geometry_ok = (arrays.pipe_length_m > 0) & (arrays.pipe_diameter_m > 0)
                bad_pipes = [self.pipes[k] for k in np.flatnonzero(~geometry_ok)]
            except (TypeError, ValueError, AttributeError, OverflowError):
                # another element's attribute is not a number: the solver reports it when it
                # builds the arrays; the pipes are checked one by one here
                self.__dict__.pop("_arrays", None)
                bad_pipes = [p for p in self.pipes if not (p.length_m > 0 and p.diameter_m > 0)]
        else:
            bad_pipes = [p for p in self.pipes if not (
                _is_real_type(type(p.length_m)) and _is_real_type(type(p.diameter_m))
                and p.length_m > 0 and p.diameter_m > 0)]
        for p in bad_pipes:
            bad.append(_violation(where, f"pipe {p.name}", "length and diameter > 0",
                                  (p.length_m, p.diameter_m)))
        junction_names = {j.name for j in self.junctions}
        for v in self.valves:
            if v.kind not in VALVE_KINDS:
                bad.append(_violation(where, f"valve {v.name}", "kind PRV, PSV, FCV or TCV",
                                      v.kind))
            elif v.kind != "TCV" and not (v.start in junction_names
                                          and v.end in junction_names):
                bad.append(_violation(where, f"valve {v.name}", f"a {v.kind} between two "
                                      "junctions (EPANET error 219)", (v.start, v.end)))
            if not v.diameter_m > 0:
                bad.append(_violation(where, f"valve {v.name}", "diameter > 0", v.diameter_m))
            if v.status not in ("active", "open", "closed"):
                bad.append(_violation(where, f"valve {v.name}", "status active, open or closed",
                                      v.status))
            if v.kind in ("FCV", "TCV") and not v.setting >= 0:
                bad.append(_violation(where, f"valve {v.name}", "a setting ≥ 0", v.setting))
        for pu in self.pumps:
            if isinstance(pu.curve, ConstantPower) and not pu.curve.power_kw > 0:
                bad.append(_violation(where, f"pump {pu.name}", "power > 0 kW",
                                      pu.curve.power_kw))
        if self.headloss not in ("H-W", "D-W", "H-P"):
            bad.append(_violation(where, "headloss", "H-W, D-W or H-P", self.headloss))
        if not self.fixed_heads:
            bad.append(_violation(where, "fixed_heads", "at least one fixed-head node", "none"))
        if bad:
            self.__dict__.pop("_arrays", None)
            raise InputDataError(bad)

    def __getstate__(self) -> dict[str, object]:
        """Pickle the description only: the derived arrays (:attr:`_arrays`) and the link-end
        positions are rebuilt after unpickling (read-only again, and also for a network pickled
        before they existed)."""
        state = dict(self.__dict__)
        state.pop("_arrays", None)
        state.pop("_link_end_positions", None)
        return state

    def _end_positions(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Each link end's node number (junctions, then fixed heads; -1: unknown), read-only."""
        got = self.__dict__.get("_link_end_positions")
        if got is None:                     # unpickled: recompute once
            position = {name: i for i, name in enumerate(self.node_names)}
            links: list[Pipe | Pump | Valve] = [*self.pipes, *self.pumps, *self.valves]
            got = tuple(np.fromiter(map(position.get, map(attrgetter(side), links), repeat(-1)),
                                    dtype=np.intp, count=len(links)) for side in ("start", "end"))
            for arr in got:
                arr.flags.writeable = False
            object.__setattr__(self, "_link_end_positions", got)
        return got

    @property
    def node_names(self) -> tuple[str, ...]:
        """Junction names, then fixed-head node names."""
        name = attrgetter("name")
        return tuple(map(name, self.junctions)) + tuple(map(name, self.fixed_heads))

    @property
    def link_names(self) -> tuple[str, ...]:
        """Pipe names, then pump names, then valve names."""
        name = attrgetter("name")
        return (tuple(map(name, self.pipes)) + tuple(map(name, self.pumps))
                + tuple(map(name, self.valves)))

    @cached_property
    def _arrays(self) -> _NetworkArrays:
        """The network as read-only arrays (built with the network, then kept with it; after
        unpickling, on first use).

        The network is frozen, so everything derived from it alone (element attributes, link
        end indices, name indexes) is computed once, not in every
        :func:`~pkdose.flow.solver.solve_flow` call: repeated solves of the same network pay
        no per-element Python or pandas look-ups.
        """
        return _NetworkArrays.build(self)


def _frozen(values: object, dtype: type = np.float64) -> NDArray[Any]:
    out: NDArray[Any] = np.array(values, dtype=dtype)
    out.flags.writeable = False
    return out


def _column(items: Sequence[object], attribute: str, dtype: type = np.float64) -> NDArray[Any]:
    """One attribute of every item as a read-only array."""
    out: NDArray[Any] = np.fromiter(map(attrgetter(attribute), items), dtype=dtype,
                                    count=len(items))
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class _NetworkArrays:
    """A :class:`VascularNetwork` as read-only arrays, in network order (SI units).

    Nodes are numbered junctions 0 … nj−1, then fixed-head nodes nj …; links pipes, then
    pumps, then valves (``VascularNetwork.link_names`` order). Built once per network by
    :attr:`VascularNetwork._arrays`; the arrays are not writeable.
    """

    junction_names: tuple[str, ...]
    fixed_names: tuple[str, ...]
    link_names: tuple[str, ...]
    fixed_head_m: NDArray[np.float64]
    demand_m3s: NDArray[np.float64]
    elevation_m: NDArray[np.float64]
    start: NDArray[np.intp]
    """Node number of each link's start."""
    end: NDArray[np.intp]
    given_closed: NDArray[np.bool_]
    """Links whose given status is "closed"."""
    pipe_length_m: NDArray[np.float64]
    pipe_diameter_m: NDArray[np.float64]
    pipe_roughness: NDArray[np.float64]
    pipe_minor_loss: NDArray[np.float64]
    pipe_check_valve: NDArray[np.bool_]
    pump_constant_power: NDArray[np.bool_]
    pump_shutoff_head_m: NDArray[np.float64]
    """A of h = A − B qᶜ (0 for a constant-power pump)."""
    pump_coefficient: NDArray[np.float64]
    """B (0 for a constant-power pump)."""
    pump_exponent: NDArray[np.float64]
    """C (1 for a constant-power pump)."""
    pump_power_coefficient: NDArray[np.float64]
    """r of a constant-power pump's h = r/q [m m³/s] (0 for a curve)."""
    pump_design_flow_m3s: NDArray[np.float64]
    valve_kind: tuple[str, ...]
    valve_status: tuple[str, ...]
    valve_diameter_m: NDArray[np.float64]
    valve_setting: NDArray[np.float64]
    valve_minor_loss: NDArray[np.float64]
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    """Further arrays derived by the solver (head-matrix pattern, resistances ...), each
    computed on first use; private to :mod:`pkdose.flow.solver`."""

    @classmethod
    def build(cls, net: VascularNetwork) -> _NetworkArrays:
        pipes, pumps, valves = net.pipes, net.pumps, net.valves
        start, end = net._end_positions()
        statuses = [*map(attrgetter("status"), pipes), *map(attrgetter("status"), pumps),
                    *map(attrgetter("status"), valves)]
        curves = [p.curve for p in pumps]
        return cls(
            junction_names=tuple(map(attrgetter("name"), net.junctions)),
            fixed_names=tuple(map(attrgetter("name"), net.fixed_heads)),
            link_names=net.link_names,
            fixed_head_m=_column(net.fixed_heads, "head_m"),
            demand_m3s=_column(net.junctions, "demand_m3s"),
            elevation_m=_column(net.junctions, "elevation_m"),
            start=start, end=end,
            given_closed=_frozen([s == "closed" for s in statuses], np.bool_),
            pipe_length_m=_column(pipes, "length_m"),
            pipe_diameter_m=_column(pipes, "diameter_m"),
            pipe_roughness=_column(pipes, "roughness"),
            pipe_minor_loss=_column(pipes, "minor_loss"),
            pipe_check_valve=_column(pipes, "check_valve", np.bool_),
            pump_constant_power=_frozen([isinstance(c, ConstantPower) for c in curves],
                                        np.bool_),
            pump_shutoff_head_m=_frozen([c.shutoff_head_m if isinstance(c, PumpCurve) else 0.0
                                         for c in curves]),
            pump_coefficient=_frozen([c.coefficient if isinstance(c, PumpCurve) else 0.0
                                      for c in curves]),
            pump_exponent=_frozen([c.exponent if isinstance(c, PumpCurve) else 1.0
                                   for c in curves]),
            pump_power_coefficient=_frozen([c.coefficient if isinstance(c, ConstantPower)
                                            else 0.0 for c in curves]),
            pump_design_flow_m3s=_frozen([c.design_flow_m3s for c in curves]),
            valve_kind=tuple(map(attrgetter("kind"), valves)),
            valve_status=tuple(map(attrgetter("status"), valves)),
            valve_diameter_m=_column(valves, "diameter_m"),
            valve_setting=_column(valves, "setting"),
            valve_minor_loss=_column(valves, "minor_loss"),
        )

    @property
    def n_junctions(self) -> int:
        return len(self.junction_names)

    @cached_property
    def junction_start(self) -> NDArray[np.intp]:
        """Junction index of each link's start, −1 where it is a fixed-head node."""
        nj = self.n_junctions
        return _frozen(np.where(self.start < nj, self.start, -1), np.intp)

    @cached_property
    def junction_end(self) -> NDArray[np.intp]:
        """Junction index of each link's end, −1 where it is a fixed-head node."""
        nj = self.n_junctions
        return _frozen(np.where(self.end < nj, self.end, -1), np.intp)

    @cached_property
    def start_head_m(self) -> NDArray[np.float64]:
        """Fixed head [m] at each link's start, 0 where it is a junction."""
        nj = self.n_junctions
        fixed = np.append(self.fixed_head_m, 0.0)
        return _frozen(np.where(self.start >= nj, fixed[np.maximum(self.start - nj, -1)], 0.0))

    @cached_property
    def end_head_m(self) -> NDArray[np.float64]:
        """Fixed head [m] at each link's end, 0 where it is a junction."""
        nj = self.n_junctions
        fixed = np.append(self.fixed_head_m, 0.0)
        return _frozen(np.where(self.end >= nj, fixed[np.maximum(self.end - nj, -1)], 0.0))

    @cached_property
    def link_index(self) -> pd.Index:
        """The link names as one pandas Index (shared by the Series of every solution)."""
        return pd.Index(list(self.link_names))

    @cached_property
    def node_index(self) -> pd.Index:
        """Junction then fixed-head node names as one pandas Index."""
        return pd.Index([*self.junction_names, *self.fixed_names])


# --------------------------------------------------------------------------------------------
# EPANET .inp reader
# --------------------------------------------------------------------------------------------

_IGNORED_SECTIONS = {
    "COORDINATES", "VERTICES", "LABELS", "BACKDROP", "TAGS", "ENERGY", "QUALITY", "SOURCES",
    "REACTIONS", "MIXING", "TIMES", "REPORT", "END",
}
"""Sections that cannot change the steady hydraulic state: skipped whatever they hold."""
_REFUSED_SECTIONS = {"RULES", "DEMANDS", "EMITTERS", "LEAKAGE"}
"""Sections that would change the steady state and are not implemented: refused if not empty."""
_READ_SECTIONS = {"TITLE", "JUNCTIONS", "RESERVOIRS", "TANKS", "PIPES", "PUMPS", "VALVES",
                  "CURVES", "STATUS", "OPTIONS", "CONTROLS", "PATTERNS"}
_IGNORED_OPTIONS = {
    "DAMPLIMIT", "UNBALANCED", "PATTERN", "EMITTER", "QUALITY", "DIFFUSIVITY", "TOLERANCE",
    "MAP", "HEADERROR", "FLOWCHANGE", "MINIMUM", "REQUIRED", "HYDRAULICS", "BACKFLOW",
}
HTOL_M = 0.0005 * FT_M
"""EPANET's head tolerance HTOL, 0.0005 ft, in m."""


@dataclass
class _Line:
    section: str
    number: int
    tokens: list[str]


@dataclass
class _PumpLine:
    name: str
    start: str
    end: str
    curve: str | None
    line: _Line
    status: str = "open"
    power: float | None = None


@dataclass
class _ValveLine:
    name: str
    start: str
    end: str
    kind: str
    diameter_m: float
    setting: float
    minor_loss: float
    line: _Line
    status: str = "active"


def _to_float(text: str) -> float:
    return float(text)


def _hours(tokens: list[str]) -> float:
    """EPANET time: ``h``, ``h:mm[:ss]`` or a number with a unit word."""
    t = tokens[0]
    if ":" in t:
        parts = [float(x) for x in t.split(":")]
        return parts[0] + (parts[1] / 60 if len(parts) > 1 else 0) + (
            parts[2] / 3600 if len(parts) > 2 else 0)
    value = float(t)
    unit = tokens[1].upper() if len(tokens) > 1 else "HOURS"
    if unit.startswith("SEC"):
        return value / 3600
    if unit.startswith("MIN"):
        return value / 60
    if unit.startswith("DAY"):
        return value * 24
    return value


def _is_real_type(t: type) -> bool:
    """A real-number type (int, float, numpy numbers, Fraction ...), not bool or str."""
    return issubclass(t, numbers.Real) and not issubclass(t, (bool, np.bool_))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a network's many small objects are built.

    Element objects hold no reference cycles, but every few hundred allocations the collector
    scans the objects already alive, so building 10⁶ elements in a process that holds many
    objects costs more in collections than in construction (vascular_network(10⁶): 5.8 s
    with collections, 3.4 s without, in a fresh interpreter). Reference counting still frees
    everything as usual. On exit the collector resumes (if it was running); after a large
    build (more than :data:`_GC_COLLECT_AFTER` new container objects) it makes the one full
    pass that the new objects make due right away, so that it is paid by the build (once,
    instead of several times during it) and not by whatever runs next, e.g. the first solve
    (at 10⁶ vessels a full pass deferred into ``solve_flow`` doubled its time, 1.1 → 2.4 s).
    The pause is process-wide (every thread), for the duration of the build.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            if gc.get_count()[0] > _GC_COLLECT_AFTER:
                gc.collect()


_GC_COLLECT_AFTER = 200_000
"""New container objects (the collector's generation-0 count) after which :func:`_gc_paused`
collects on exit: about 5·10⁴ elements (a small network never pays for a collection)."""


def read_inp(path: str | os.PathLike[str]) -> VascularNetwork:
    """Read the steady-state, base-demand part of an EPANET ``.inp`` file.

    What is used: [TITLE] (first line → name; the file stem if empty); [JUNCTIONS] ID, elevation,
    base demand; [RESERVOIRS] ID, head; [TANKS] ID, elevation, initial level (→ fixed head
    elevation + initial level); [PIPES] ID, nodes, length, diameter, roughness, minor loss,
    status OPEN/CLOSED/CV (check valve); [PUMPS] ID, nodes, ``HEAD curve`` (``SPEED 1`` allowed) or
    ``POWER p`` (constant power, hp or kW); [CURVES] the pump curves (1 point, or 3 points
    starting at zero flow); [VALVES] PRV, PSV, FCV and TCV (ID, nodes, diameter, type, setting,
    minor loss; PRV/PSV settings are pressures, psi or m, divided by the SPECIFIC GRAVITY as
    EPANET does); [STATUS] OPEN/CLOSED of pipes, pumps and valves, and ACTIVE or a numeric
    setting of valves; [CONTROLS] only as they act at t = 0: ``LINK x OPEN|CLOSED|setting AT
    TIME 0`` and ``LINK x OPEN|CLOSED|setting IF NODE tank BELOW|ABOVE level`` evaluated on
    the tank's initial level (EPANET's ``controls()`` before the first solution: the tank's net
    inflow is still zero then), applied in file order after [STATUS] (numeric settings only
    for valves); [OPTIONS] UNITS, HEADLOSS, VISCOSITY (relative to water at 20 °C), TRIALS,
    ACCURACY, SPECIFIC GRAVITY, CHECKFREQ, MAXCHECK.

    What is ignored because it cannot change the base-demand steady state: [COORDINATES],
    [VERTICES], [LABELS], [BACKDROP], [TAGS], [ENERGY], [QUALITY], [SOURCES], [REACTIONS],
    [MIXING], [TIMES], [REPORT]; tank min/max levels, diameter, volume curve; [PATTERNS] and
    junction demand patterns (base demands are used, *not* the pattern multiplier at t = 0);
    controls at a time > 0; curves not used by a pump; options DAMPLIMIT (it changes
    EPANET's path to the solution, not the solution), UNBALANCED, PATTERN, EMITTER EXPONENT,
    QUALITY,
    DIFFUSIVITY, TOLERANCE, MAP, HEADERROR, FLOWCHANGE, HYDRAULICS, and the pressure-driven
    demand parameters (only with DEMAND MODEL DDA).

    What is refused (each with file, line and section): non-empty [RULES], [DEMANDS],
    [EMITTERS], [LEAKAGE]; unknown sections; reservoir head patterns; tanks whose initial
    level is within EPANET's HTOL (0.0005 ft) of their minimum or maximum level (EPANET would
    close links filling a full or draining an empty tank); pumps with a
    SPEED other than 1 or a speed PATTERN; multi-point pump curves; GPV, PBV and PCV valves;
    PRV, PSV or FCV valves not between two junctions; numeric or ACTIVE [STATUS] settings of
    pipes and pumps; controls on CLOCKTIME, on junction or reservoir heads, or with numeric
    settings of pipes and pumps; PRESSURE units other than the default (psi for US flow units,
    m for SI); DEMAND MULTIPLIER other than 1; DEMAND MODEL other than DDA; HEADLOSS C-M; flow
    units other than CFS, GPM, MGD, IMGD, AFD, LPS, LPM, MLD, CMH, CMD; malformed lines.

    Parameters
    ----------
    path : path-like
        The ``.inp`` file.

    Returns
    -------
    VascularNetwork
        In SI units (m, m³/s), converted as EPANET does (see the module docstring).

    Raises
    ------
    InputDataError
        Every problem found, each naming the file, the line and ``[SECTION]`` in ``field``.
    """
    with _gc_paused():
        return _read_inp(path)


def _read_inp(path: str | os.PathLike[str]) -> VascularNetwork:
    fname = os.fspath(path)
    with open(fname, encoding="latin-1") as fh:
        raw = fh.read().splitlines()
    bad: list[Violation] = []

    def refuse(line: _Line, what: str, expected: str, got: object) -> None:
        bad.append(Violation(fname, line.number, f"[{line.section}] {what}", expected, got))

    lines: list[_Line] = []
    section = ""
    title: list[str] = []
    for i, text in enumerate(raw, start=1):
        body = text.split(";", 1)[0].strip()
        if not body:
            continue
        m = re.match(r"^\[([A-Za-z_]+)\]", body)
        if m:
            section = m.group(1).upper()
            if section not in _IGNORED_SECTIONS | _REFUSED_SECTIONS | _READ_SECTIONS:
                bad.append(Violation(fname, i, f"[{section}]", "a known EPANET section",
                                     "an unknown section"))
            continue
        if section == "TITLE":
            title.append(body)
            continue
        if section in _IGNORED_SECTIONS or section == "PATTERNS":
            continue
        ln = _Line(section, i, body.split())
        if section in _REFUSED_SECTIONS:
            refuse(ln, "content", "an empty section (not implemented for the steady state)",
                   body)
            continue
        if section == "":
            bad.append(Violation(fname, i, "(no section)", "a [SECTION] header first", body))
            continue
        lines.append(ln)

    # ---- options first: they fix the units
    units, headloss, viscosity, trials, accuracy = "GPM", "H-W", 1.0, 40, 0.001
    spgrav, checkfreq, maxcheck = 1.0, 2, 10
    pressure_lines: list[_Line] = []
    for ln in (x for x in lines if x.section == "OPTIONS"):
        key = ln.tokens[0].upper()
        try:
            if key == "UNITS":
                units = ln.tokens[1].upper()
                if units not in FLOW_UNITS_PER_CFS:
                    refuse(ln, "UNITS", f"one of {', '.join(FLOW_UNITS_PER_CFS)}", units)
            elif key == "HEADLOSS":
                headloss = ln.tokens[1].upper()
                if headloss not in ("H-W", "D-W"):
                    refuse(ln, "HEADLOSS", "H-W or D-W", headloss)
            elif key == "VISCOSITY":
                viscosity = _to_float(ln.tokens[1])
            elif key == "TRIALS":
                trials = int(ln.tokens[1])
            elif key == "ACCURACY":
                accuracy = _to_float(ln.tokens[1])
            elif key == "SPECIFIC":
                spgrav = _to_float(ln.tokens[2])
            elif key == "CHECKFREQ":
                checkfreq = int(ln.tokens[1])
            elif key == "MAXCHECK":
                maxcheck = int(ln.tokens[1])
            elif key == "PRESSURE":
                if ln.tokens[1].upper() != "EXPONENT":
                    pressure_lines.append(ln)
            elif key == "DEMAND" and ln.tokens[1].upper() == "MULTIPLIER":
                if _to_float(ln.tokens[2]) != 1.0:
                    refuse(ln, "DEMAND MULTIPLIER", "1.0 (base demands only)", ln.tokens[2])
            elif key == "DEMAND" and ln.tokens[1].upper() == "MODEL":
                if ln.tokens[2].upper() != "DDA":
                    refuse(ln, "DEMAND MODEL", "DDA (demand-driven)", ln.tokens[2])
            elif key not in _IGNORED_OPTIONS:
                refuse(ln, key, "a known option", " ".join(ln.tokens))
        except (IndexError, ValueError):
            refuse(ln, key, "option value", " ".join(ln.tokens))
    if units not in FLOW_UNITS_PER_CFS:
        raise InputDataError(bad)
    us = units in _US_UNITS
    q_si = CFS_M3S / FLOW_UNITS_PER_CFS[units]  # m³/s per user flow unit
    l_si = FT_M if us else 1.0  # m per user length unit
    d_si = FT_M / 12.0 if us else 1e-3  # m per user diameter unit
    e_si = FT_M * 1e-3 if us else 1e-3  # m per user D-W roughness unit
    # m of head per user pressure unit: EPANET divides by Ucf[PRESSURE] = 0.4333 SpGrav psi/ft
    # (US) or 0.3048 SpGrav m/ft (SI) into ft, here times 0.3048 into m
    p_si = FT_M / (PSI_PER_FT * spgrav) if us else 1.0 / spgrav
    for ln in pressure_lines:
        if ln.tokens[1].upper() != ("PSI" if us else "METERS"):
            refuse(ln, "PRESSURE", f"{'PSI' if us else 'METERS'} (the default for {units})",
                   ln.tokens[1])
    hp_si = KW_PER_HP if us else 1.0  # kW per user power unit

    junctions: list[Junction] = []
    fixed: list[FixedHeadNode] = []
    tank_level: dict[str, tuple[float, float]] = {}  # name -> (elevation, initial level) [m]
    pipes: dict[str, dict[str, object]] = {}
    pumps: dict[str, _PumpLine] = {}
    valves: dict[str, _ValveLine] = {}
    curves: dict[str, list[tuple[float, float]]] = {}
    statuses: list[tuple[_Line, str, str]] = []

    def need(ln: _Line, n: int, layout: str) -> bool:
        if len(ln.tokens) < n:
            refuse(ln, ln.tokens[0], layout, " ".join(ln.tokens))
            return False
        return True

    for ln in lines:
        t = ln.tokens
        try:
            if ln.section == "JUNCTIONS":
                if need(ln, 2, "ID Elevation [Demand] [Pattern]"):
                    dem = _to_float(t[2]) if len(t) > 2 else 0.0
                    junctions.append(Junction(t[0], _to_float(t[1]) * l_si, dem * q_si))
            elif ln.section == "RESERVOIRS":
                if need(ln, 2, "ID Head [Pattern]"):
                    if len(t) > 2:
                        refuse(ln, t[0], "no head pattern (steady state)", t[2])
                    fixed.append(FixedHeadNode(t[0], _to_float(t[1]) * l_si, "reservoir"))
            elif ln.section == "TANKS":
                if need(ln, 3, "ID Elevation InitLevel ..."):
                    el, lv = _to_float(t[1]) * l_si, _to_float(t[2]) * l_si
                    tank_level[t[0]] = (el, lv)
                    fixed.append(FixedHeadNode(t[0], el + lv, "tank"))
                    if len(t) > 4:
                        lo, hi = _to_float(t[3]) * l_si, _to_float(t[4]) * l_si
                        if not lo + HTOL_M < lv < hi - HTOL_M:
                            refuse(ln, t[0], "an initial level strictly inside (min, max) "
                                   "(links into a full or out of an empty tank are not "
                                   "closed here)", f"{t[2]} in [{t[3]}, {t[4]}]")
            elif ln.section == "PIPES":
                if need(ln, 6, "ID Node1 Node2 Length Diameter Roughness [MinorLoss] [Status]"):
                    status = t[7].upper() if len(t) > 7 else "OPEN"
                    if status not in ("OPEN", "CLOSED", "CV"):
                        refuse(ln, t[0], "status OPEN, CLOSED or CV", t[7])
                    rough = _to_float(t[5]) * (e_si if headloss == "D-W" else 1.0)
                    pipes[t[0]] = dict(
                        name=t[0], start=t[1], end=t[2], length_m=_to_float(t[3]) * l_si,
                        diameter_m=_to_float(t[4]) * d_si, roughness=rough,
                        minor_loss=_to_float(t[6]) if len(t) > 6 else 0.0,
                        status="closed" if status == "CLOSED" else "open",
                        check_valve=status == "CV")
            elif ln.section == "PUMPS":
                if need(ln, 5, "ID Node1 Node2 HEAD curve"):
                    curve = None
                    kv = t[3:]
                    for k in range(0, len(kv) - 1, 2):
                        key, val = kv[k].upper(), kv[k + 1]
                    power = None
                    for k in range(0, len(kv) - 1, 2):
                        key, val = kv[k].upper(), kv[k + 1]
                        if key == "HEAD":
                            curve = val
                        elif key == "POWER":
                            power = _to_float(val) * hp_si
                        elif key == "SPEED" and _to_float(val) == 1.0:
                            pass
                        else:
                            refuse(ln, t[0], "HEAD curve or POWER p [SPEED 1] (speed and speed "
                                   "patterns not implemented)", f"{kv[k]} {val}")
                    if len(kv) % 2:
                        refuse(ln, t[0], "keyword/value pairs", " ".join(kv))
                    if curve is None and power is None:
                        refuse(ln, t[0], "a HEAD curve or a POWER", " ".join(kv))
                    pumps[t[0]] = _PumpLine(t[0], t[1], t[2], curve, ln, power=power)
            elif ln.section == "VALVES":
                if need(ln, 6, "ID Node1 Node2 Diameter Type Setting [MinorLoss]"):
                    kind = t[4].upper()
                    if kind not in VALVE_KINDS:
                        refuse(ln, t[0], "valve type PRV, PSV, FCV or TCV (GPV, PBV and PCV "
                               "not implemented)", t[4])
                        continue
                    scale = {"PRV": p_si, "PSV": p_si, "FCV": q_si, "TCV": 1.0}[kind]
                    valves[t[0]] = _ValveLine(
                        t[0], t[1], t[2], kind, _to_float(t[3]) * d_si, _to_float(t[5]) * scale,
                        _to_float(t[6]) if len(t) > 6 else 0.0, ln)
            elif ln.section == "CURVES":
                if need(ln, 3, "ID X Y"):
                    curves.setdefault(t[0], []).append((_to_float(t[1]), _to_float(t[2])))
            elif ln.section == "STATUS":
                if need(ln, 2, "ID OPEN|CLOSED"):
                    statuses.append((ln, t[0], t[1].upper()))
            elif ln.section == "CONTROLS":
                pass  # after all elements are known
        except ValueError as exc:
            refuse(ln, t[0], "numbers where EPANET expects them", f"{' '.join(t)} ({exc})")

    def set_status(ln: _Line, link: str, value: str) -> None:
        if link in valves:
            v = valves[link]
            if value in ("OPEN", "CLOSED", "ACTIVE"):
                v.status = value.lower()
            else:
                try:
                    number = _to_float(value)
                except ValueError:
                    refuse(ln, link, "OPEN, CLOSED, ACTIVE or a setting", value)
                    return
                scale = {"PRV": p_si, "PSV": p_si, "FCV": q_si, "TCV": 1.0}[v.kind]
                v.setting, v.status = number * scale, "active"
            return
        if value not in ("OPEN", "CLOSED"):
            refuse(ln, link, "OPEN or CLOSED (settings of pipes and pumps not implemented)",
                   value)
            return
        if link in pipes:
            pipes[link]["status"] = value.lower()
        elif link in pumps:
            pumps[link].status = value.lower()
        else:
            refuse(ln, link, "a pipe, pump or valve defined in [PIPES], [PUMPS] or [VALVES]",
                   link)

    for ln, link, value in statuses:
        set_status(ln, link, value)

    for ln in (x for x in lines if x.section == "CONTROLS"):
        t = [x.upper() for x in ln.tokens]
        try:
            if len(t) >= 6 and t[0] == "LINK" and t[3] == "AT" and t[4] == "TIME":
                if _hours(ln.tokens[5:]) == 0.0:
                    set_status(ln, ln.tokens[1], t[2])
                elif t[2] not in ("OPEN", "CLOSED") and ln.tokens[1] not in valves:
                    refuse(ln, "control", "OPEN or CLOSED (settings of pipes and pumps not "
                           "implemented)", t[2])
            elif len(t) == 8 and t[0] == "LINK" and t[3] == "IF" and t[4] == "NODE" \
                    and t[6] in ("BELOW", "ABOVE"):
                node = ln.tokens[5]
                if node not in tank_level:
                    refuse(ln, "control", "a condition on a tank level (junction and "
                           "reservoir conditions not implemented)", node)
                    continue
                level = tank_level[node][1]
                threshold = _to_float(t[7]) * l_si
                fires = level <= threshold if t[6] == "BELOW" else level >= threshold
                if fires:
                    set_status(ln, ln.tokens[1], t[2])
                elif t[2] not in ("OPEN", "CLOSED") and ln.tokens[1] not in valves:
                    refuse(ln, "control", "OPEN or CLOSED (settings of pipes and pumps not "
                           "implemented)", t[2])
            else:
                refuse(ln, "control", "LINK x OPEN|CLOSED AT TIME t or IF NODE tank "
                       "BELOW|ABOVE level (CLOCKTIME not implemented)", " ".join(ln.tokens))
        except ValueError:
            refuse(ln, "control", "a number", " ".join(ln.tokens))

    pump_objs: list[Pump] = []
    for pl in pumps.values():
        pump_status: Status = "closed" if pl.status == "closed" else "open"
        if pl.power is not None:
            if pl.power > 0:
                pump_objs.append(Pump(pl.name, pl.start, pl.end, ConstantPower(pl.power),
                                      pump_status))
            else:
                refuse(pl.line, pl.name, "POWER > 0", pl.power)
            continue
        if pl.curve is None:
            continue
        if pl.curve not in curves:
            refuse(pl.line, pl.name, "a curve defined in [CURVES]", pl.curve)
            continue
        try:
            fitted = PumpCurve.from_points([(q * q_si, h * l_si) for q, h in curves[pl.curve]])
        except ValueError as exc:
            refuse(pl.line, pl.name, "a 1-point or 3-point pump curve", str(exc))
            continue
        pump_objs.append(Pump(pl.name, pl.start, pl.end, fitted, pump_status))
    junction_names = {j.name for j in junctions}
    for v in valves.values():
        if v.kind != "TCV" and not (v.start in junction_names and v.end in junction_names):
            refuse(v.line, v.name, f"a {v.kind} between two junctions (EPANET error 219)",
                   f"{v.start} -> {v.end}")
    valve_objs = tuple(
        Valve(v.name, v.start, v.end, v.kind, v.diameter_m, v.setting,  # type: ignore[arg-type]
              v.minor_loss, v.status)  # type: ignore[arg-type]
        for v in valves.values())

    if bad:
        raise InputDataError(bad)
    name = title[0] if title else os.path.splitext(os.path.basename(fname))[0]
    return VascularNetwork(
        name=name, junctions=tuple(junctions), fixed_heads=tuple(fixed),
        pipes=tuple(Pipe(**kw) for kw in pipes.values()),  # type: ignore[arg-type]
        pumps=tuple(pump_objs), headloss="D-W" if headloss == "D-W" else "H-W",
        accuracy=accuracy, max_iter=trials, viscosity_m2s=viscosity * EPANET_VISCOSITY_M2S,
        valves=valve_objs, check_freq=checkfreq, max_check=maxcheck,
        notes=(f"read from {fname} ({units}); base demands, tanks at initial level",),
    )
