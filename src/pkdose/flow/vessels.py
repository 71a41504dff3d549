"""A vessel table (two small CSV files) read into a :class:`~pkdose.flow.network.VascularNetwork`.

Format
------
**Vessels file**, one row per vessel segment, the unit of every quantity in its header::

    name,from,to,length [mm],diameter [um]
    feed,A,j,1.0,20
    left,j,B,0.8,12

``name``
    Unique vessel name.
``from``, ``to``
    Node names; positive flow runs ``from`` → ``to`` (the solved flow is negative if blood runs
    the other way). A node not listed in the nodes file is an inner junction with no external
    flow.
``length [unit]``, ``diameter [unit]``
    Any pint length unit (``um``, ``µm``, ``mm``, ``cm``, ``m``); values finite and > 0.

**Nodes file**, the boundary conditions, one row per boundary node::

    name,pressure [mmHg],inflow [nL/min]
    A,60,
    B,20,
    C,,-5

``name``
    A node used by some vessel.
``pressure [unit]``
    A fixed pressure (any pint pressure unit: ``Pa``, ``kPa``, ``mmHg``, ``cmH2O``). The node
    becomes a :class:`~pkdose.flow.network.FixedHeadNode`.
``inflow [unit]``
    A fixed external flow *into* the network at the node (any volume-flow unit: ``nL/min``,
    ``uL/min``, ``mL/min``, ``m**3/s``); negative for a flow leaving the network. The node is a
    :class:`~pkdose.flow.network.Junction` with demand = −inflow.

Each row gives exactly one of pressure and inflow (the other cell empty); at least one node has
a pressure, and every group of connected vessels reaches a pressure node. Both columns are
optional, but one of them must be present. Lines starting with ``#`` are comments (for a
source note); blank lines are not allowed inside the table. Column names are case-sensitive
and unknown columns or units are errors. Discharge haematocrit at the inflows is *not* part of
the table: it is an argument of :func:`pkdose.flow.rheology.solve_blood_flow`.

Pressures become heads
----------------------
:class:`~pkdose.flow.network.VascularNetwork` and :func:`~pkdose.flow.solver.solve_flow` work
in heads [m]. A vessel network uses the convention h = P / (ρ_ref g) with ρ_ref =
:data:`HEAD_DENSITY_KG_M3` and g = :data:`~pkdose.flow.solver.G_EPANET`, and a kinematic
viscosity ν = μ / ρ_ref. With Hagen-Poiseuille the flows do not depend on ρ_ref (it cancels:
ΔP = ρ_ref g · 128 ν L q / (π g d⁴) = 128 μ L q / (π d⁴)); use :func:`pressure_to_head_m`
and :func:`head_to_pressure_pa` to convert.

:func:`read_vessel_table` runs every rule, collects every violation with file, row (the line
number in the file, header = the first non-comment line), field, expected and got, and raises
one :class:`~pkdose.errors.InputDataError`.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass
from typing import Any

import pint

from pkdose.errors import InputDataError, UnitError, UnknownNameError, Violation
from pkdose.flow.network import FixedHeadNode, Junction, Pipe, VascularNetwork
from pkdose.flow.solver import G_EPANET
from pkdose.units import ureg

__all__ = [
    "HEAD_DENSITY_KG_M3",
    "VESSEL_COLUMNS",
    "NODE_COLUMNS",
    "pressure_to_head_m",
    "head_to_pressure_pa",
    "read_vessel_table",
]

HEAD_DENSITY_KG_M3 = 1000.0
"""Reference density ρ_ref [kg/m³] of the pressure ↔ head convention of vessel networks.

A convention, not a property of blood: h = P / (ρ_ref g) and ν = μ / ρ_ref with the same
ρ_ref, so Hagen-Poiseuille flows and pressures do not depend on its value (1000 kg/m³ makes
a head a height of water column at EPANET's g = 9.81456 m/s²)."""

VESSEL_COLUMNS: dict[str, str | None] = {
    "name": None, "from": None, "to": None, "length": "[length]", "diameter": "[length]",
}
"""Columns of the vessels file: name → dimensionality of its unit (None: no unit)."""
NODE_COLUMNS: dict[str, str | None] = {
    "name": None, "pressure": "[mass] / [length] / [time] ** 2",
    "inflow": "[length] ** 3 / [time]",
}
"""Columns of the nodes file: name → dimensionality of its unit (None: no unit)."""

_EXAMPLE_UNIT = {"length": "mm", "diameter": "um", "pressure": "mmHg", "inflow": "nL/min"}
_KIND = {"length": "a length unit (um, mm, cm, m)", "diameter": "a length unit (um, mm, cm, m)",
         "pressure": "a pressure unit (Pa, kPa, mmHg, cmH2O)",
         "inflow": "a volume-flow unit (nL/min, uL/min, mL/min, m**3/s)"}
_SI = {"length": "m", "diameter": "m", "pressure": "Pa", "inflow": "m**3/s"}
_HEADER = re.compile(r"^\s*([^\[\]]*?)\s*(?:\[(.*)\])?\s*$")


def pressure_to_head_m(pressure_pa: float) -> float:
    """Head h = P / (ρ_ref g) [m] of a pressure P [Pa] in a vessel network (see module).

    Examples
    --------
    >>> round(pressure_to_head_m(9814.56), 12)
    1.0
    """
    return float(pressure_pa) / (HEAD_DENSITY_KG_M3 * G_EPANET)


def head_to_pressure_pa(head_m: float) -> float:
    """Pressure P = ρ_ref g h [Pa] of a head h [m] in a vessel network (see module).

    Examples
    --------
    >>> head_to_pressure_pa(pressure_to_head_m(1234.5))
    1234.5
    """
    return float(head_m) * HEAD_DENSITY_KG_M3 * G_EPANET


@dataclass
class _Column:
    index: int
    unit: str | None
    factor: float = math.nan  # SI per header unit


@dataclass
class _Table:
    file: str
    header_row: int
    width: int
    columns: dict[str, _Column]
    rows: list[tuple[int, list[str]]]
    unusable: set[str]  # columns whose header is wrong: their cells are not checked


def _read_csv(path: str, allowed: dict[str, str | None], v: list[Violation]) -> _Table | None:
    """Read a CSV file, check its header (names, units, dimensions); None if unusable."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            lines = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        v.append(Violation(path, None, "file", "an existing CSV file", "no such file"))
        return None
    except UnicodeDecodeError as exc:
        v.append(Violation(path, None, "file", "a UTF-8 text file", str(exc)))
        return None
    lines = [(n, row) for n, row in lines if not (row and row[0].lstrip().startswith("#"))]
    if not lines:
        v.append(Violation(path, None, "header", "a header row", "an empty file"))
        return None
    header_row, header = lines[0]
    columns: dict[str, _Column] = {}
    unusable: set[str] = set()
    for j, text in enumerate(header):
        m = _HEADER.match(text)
        name, unit = (m.group(1), m.group(2)) if m else (text, None)
        if name not in allowed:
            hint = UnknownNameError("column", name, allowed).suggestions
            more = f" (did you mean {hint[0]!r}?)" if hint else ""
            v.append(Violation(path, header_row, f"column {j + 1}",
                               f"one of {', '.join(allowed)}{more}", text))
            continue
        if name in columns:
            v.append(Violation(path, header_row, name, "each column once", text))
            unusable.add(name)
            continue
        col = _Column(j, unit.strip() if unit is not None else None)
        dim = allowed[name]
        if dim is None and col.unit is not None:
            v.append(Violation(path, header_row, name, f"'{name}' without a unit", text))
            unusable.add(name)
        elif dim is not None:
            if not col.unit:
                v.append(Violation(path, header_row, name, f"a unit in the header, e.g. "
                                   f"'{name} [{_EXAMPLE_UNIT[name]}]'", text))
                unusable.add(name)
            else:
                try:
                    q: Any = ureg.Quantity(1.0, col.unit)
                    if q.dimensionality != ureg.Quantity(1.0, _SI[name]).dimensionality:
                        raise pint.DimensionalityError(col.unit, _SI[name])
                    col.factor = float(q.to(_SI[name]).magnitude)
                except Exception:  # pint raises several unrelated types for bad units
                    v.append(Violation(path, header_row, name, _KIND[name], col.unit))
                    unusable.add(name)
        columns[name] = col
    return _Table(path, header_row, len(header), columns, lines[1:], unusable)


def _cells(table: _Table, row: int, raw: list[str], v: list[Violation]) -> dict[str, str] | None:
    width = table.width
    if not any(c.strip() for c in raw):
        v.append(Violation(table.file, row, "row", "a table row", "an empty row"))
        return None
    if len(raw) != width:
        v.append(Violation(table.file, row, "row", f"{width} fields", len(raw)))
        return None
    return {name: raw[c.index].strip() for name, c in table.columns.items()}


def _quantity(table: _Table, row: int, name: str, text: str, v: list[Violation],
              positive: bool) -> float | None:
    """The cell as a float in SI, or None (with a violation) if it is not a valid number.

    None without a violation when the column's header is already reported as wrong."""
    if name in table.unusable:
        return None
    try:
        x = float(text)
    except ValueError:
        v.append(Violation(table.file, row, name, "a number", text))
        return None
    if not math.isfinite(x) or (positive and not x > 0):
        v.append(Violation(table.file, row, name,
                           "a finite number > 0" if positive else "a finite number", text))
        return None
    return x * table.columns[name].factor


def read_vessel_table(vessels: str | os.PathLike[str], nodes: str | os.PathLike[str], *,
                      name: str | None = None,
                      viscosity: str | pint.Quantity | float | None = None) -> VascularNetwork:
    """Read a vessel table and its boundary conditions into a Hagen-Poiseuille network.

    The format is described in the module docstring (:mod:`pkdose.flow.vessels`).

    Parameters
    ----------
    vessels : path-like
        The vessels CSV file (name, from, to, length [unit], diameter [unit]).
    nodes : path-like
        The nodes CSV file (name, pressure [unit] and/or inflow [unit]).
    name : str, optional
        Network name; the stem of the vessels file by default.
    viscosity : str, Quantity or float, optional
        One dynamic viscosity μ for every vessel (e.g. ``"3.5 mPa*s"``; a number is Pa·s),
        stored as ν = μ / ρ_ref [m²/s] for :func:`~pkdose.flow.solver.solve_flow`. Without
        it the network has no bulk viscosity (``viscosity_m2s`` is NaN): solve it with
        :func:`~pkdose.flow.rheology.solve_blood_flow`, which gives every vessel its apparent
        viscosity, or pass ``link_viscosity_m2s`` to ``solve_flow``.

    Returns
    -------
    VascularNetwork
        Pipes in SI (m) with ``headloss="H-P"``; fixed-pressure nodes as
        :class:`~pkdose.flow.network.FixedHeadNode` with head P / (ρ_ref g) [m]; every other
        node a :class:`~pkdose.flow.network.Junction` (elevation 0, demand −inflow [m³/s]).

    Raises
    ------
    InputDataError
        Every violation in both files at once: file, row, field, expected, got. Unknown
        columns, missing or unknown units, wrong dimensions, non-numbers, lengths or diameters
        ≤ 0, duplicate names, vessels from a node to itself, nodes-file names used by no
        vessel, rows with both or neither of pressure and inflow, no pressure node, groups of
        vessels with no pressure node.
    UnitError
        ``viscosity`` is not a dynamic viscosity.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "v.csv"), "w") as f:
    ...     _ = f.write("name,from,to,length [mm],diameter [um]\\nseg,A,B,1.0,20\\n")
    >>> with open(os.path.join(d, "n.csv"), "w") as f:
    ...     _ = f.write("name,pressure [mmHg]\\nA,60\\nB,20\\n")
    >>> net = read_vessel_table(os.path.join(d, "v.csv"), os.path.join(d, "n.csv"))
    >>> net.pipes[0].diameter_m, net.headloss
    (2e-05, 'H-P')
    >>> round(head_to_pressure_pa(net.fixed_heads[0].head_m), 3)  # 60 mmHg in Pa
    7999.343
    """
    vfile, nfile = os.fspath(vessels), os.fspath(nodes)
    v: list[Violation] = []
    nu = math.nan
    if viscosity is not None:
        try:
            q: Any = ureg.Quantity(viscosity) if isinstance(viscosity, str) else viscosity
            if not isinstance(q, pint.Quantity):
                q = ureg.Quantity(float(q), "Pa*s")
            mu = float(q.to("Pa*s").magnitude)
        except Exception as exc:
            raise UnitError("viscosity", "a dynamic viscosity (Pa*s, mPa*s, cP)",
                            viscosity) from exc
        if not (math.isfinite(mu) and mu > 0):
            raise UnitError("viscosity", "a dynamic viscosity > 0", viscosity)
        nu = mu / HEAD_DENSITY_KG_M3

    vt = _read_csv(vfile, VESSEL_COLUMNS, v)
    nt = _read_csv(nfile, NODE_COLUMNS, v)
    for table, required in ((vt, ("name", "from", "to", "length", "diameter")),
                            (nt, ("name",))):
        if table is None:
            continue
        for col in required:
            if col not in table.columns:
                expected = f"a column '{col}'" + (
                    f" [unit], e.g. '{col} [{_EXAMPLE_UNIT[col]}]'" if col in _EXAMPLE_UNIT
                    else "")
                v.append(Violation(table.file, table.header_row, col, expected, "missing"))
                table.rows = []
    if nt is not None and not ({"pressure", "inflow"} & set(nt.columns)):
        v.append(Violation(nfile, nt.header_row, "pressure, inflow",
                           "a column 'pressure [unit]' or 'inflow [unit]' (or both)", "neither"))
        nt.rows = []

    # ---- vessels
    pipes: list[Pipe] = []
    node_order: dict[str, None] = {}
    seen_vessels: dict[str, int] = {}
    if vt is not None:
        for row, raw in vt.rows:
            c = _cells(vt, row, raw, v)
            if c is None:
                continue
            vname, a, b = c["name"], c["from"], c["to"]
            ok = True
            for field_, value in (("name", vname), ("from", a), ("to", b)):
                if not value:
                    v.append(Violation(vfile, row, field_, "a non-empty name", "an empty cell"))
                    ok = False
            if vname and vname in seen_vessels:
                v.append(Violation(vfile, row, "name",
                                   f"a unique vessel name (also row {seen_vessels[vname]})",
                                   vname))
                ok = False
            elif vname:
                seen_vessels[vname] = row
            if a and a == b:
                v.append(Violation(vfile, row, "to", "a node other than 'from'", b))
                ok = False
            length = _quantity(vt, row, "length", c["length"], v, positive=True)
            diameter = _quantity(vt, row, "diameter", c["diameter"], v, positive=True)
            if a:
                node_order[a] = None
            if b:
                node_order[b] = None
            if ok and length is not None and diameter is not None:
                pipes.append(Pipe(vname, a, b, length, diameter, 0.0))

    # ---- nodes
    fixed: dict[str, float] = {}
    inflow: dict[str, float] = {}
    pressure_rows = 0
    if nt is not None:
        seen_nodes: dict[str, int] = {}
        for row, raw in nt.rows:
            c = _cells(nt, row, raw, v)
            if c is None:
                continue
            nname = c["name"]
            if not nname:
                v.append(Violation(nfile, row, "name", "a non-empty name", "an empty cell"))
                continue
            if nname in seen_nodes:
                v.append(Violation(nfile, row, "name",
                                   f"each node once (also row {seen_nodes[nname]})", nname))
                continue
            seen_nodes[nname] = row
            if vt is not None and vt.rows and nname not in node_order:
                v.append(Violation(nfile, row, "name", "a node used by a vessel in "
                                   f"{os.path.basename(vfile)}", nname))
            p_text, i_text = c.get("pressure", ""), c.get("inflow", "")
            if bool(p_text) == bool(i_text):
                v.append(Violation(nfile, row, "pressure, inflow",
                                   "exactly one of a pressure and an inflow",
                                   "both" if p_text else "neither"))
                continue
            if p_text:
                pressure_rows += 1
                p = _quantity(nt, row, "pressure", p_text, v, positive=False)
                if p is not None:
                    fixed[nname] = p
            else:
                qin = _quantity(nt, row, "inflow", i_text, v, positive=False)
                if qin is not None:
                    inflow[nname] = qin
        if nt.rows and not pressure_rows:
            v.append(Violation(nfile, None, "pressure", "at least one node with a pressure",
                               "none"))
    if not v:
        _check_components(pipes, fixed, nfile, v)
    if v:  # file by file, row by row (stable: same-row violations keep their order)
        v.sort(key=lambda x: (x.file != vfile, math.inf if x.row is None else x.row))
        raise InputDataError(v)

    junctions = tuple(Junction(n, 0.0, -inflow.get(n, 0.0)) for n in node_order
                      if n not in fixed)
    heads = tuple(FixedHeadNode(n, pressure_to_head_m(p)) for n, p in fixed.items())
    net_name = name if name is not None else os.path.splitext(os.path.basename(vfile))[0]
    note = (f"read from {vfile} and {nfile}; heads are P/(ρ_ref g) with ρ_ref = "
            f"{HEAD_DENSITY_KG_M3:g} kg/m³, g = {G_EPANET} m/s²")
    return VascularNetwork(net_name, junctions, heads, pipes=tuple(pipes), headloss="H-P",
                           viscosity_m2s=nu, notes=(note,))


def _check_components(pipes: list[Pipe], fixed: dict[str, float], nfile: str,
                      v: list[Violation]) -> None:
    """Every group of connected vessels needs a pressure node (else its heads are undefined)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pipes:
        parent[find(p.start)] = find(p.end)
    groups: dict[str, list[str]] = {}
    for node in list(parent):
        groups.setdefault(find(node), []).append(node)
    for members in groups.values():
        if not any(m in fixed for m in members):
            vessels = sorted(p.name for p in pipes if find(p.start) == find(members[0]))
            shown = ", ".join(vessels[:8]) + (" ..." if len(vessels) > 8 else "")
            v.append(Violation(nfile, None, "pressure",
                               f"a pressure node connected to vessels {shown}",
                               "none in that group"))

