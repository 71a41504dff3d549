"""The vessel-table reader: units from the headers, boundary conditions, every violation at once."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from pkdose.errors import InputDataError, SolverError, UnitError, Violation
from pkdose.flow import (
    FixedHeadNode,
    Junction,
    head_to_pressure_pa,
    read_vessel_table,
    solve_blood_flow,
    solve_flow,
)
from pkdose.flow.vessels import HEAD_DENSITY_KG_M3

DATA = Path(__file__).parent / "data"
MMHG_PA = 133.322387415  # pint's mmHg (conventional millimetre of mercury)
NL_MIN_M3S = 1e-12 / 60.0


def write(tmp_path: Path, vessels: str, nodes: str) -> tuple[Path, Path]:
    v, n = tmp_path / "vessels.csv", tmp_path / "nodes.csv"
    v.write_text(vessels, encoding="utf-8")
    n.write_text(nodes, encoding="utf-8")
    return v, n


def where(err: InputDataError) -> set[tuple[str, int | None, str]]:
    return {(Path(x.file).name, x.row, x.field) for x in err.violations}


OK_VESSELS = "name,from,to,length [mm],diameter [um]\nv1,A,j,1.0,20\nv2,j,B,0.5,10\n"
OK_NODES = "name,pressure [mmHg]\nA,60\nB,20\n"


def test_reads_the_example_tree_in_si() -> None:
    net = read_vessel_table(DATA / "arteriole_tree_vessels.csv", DATA / "arteriole_tree_nodes.csv")
    assert net.name == "arteriole_tree_vessels" and net.headloss == "H-P"
    pipes = {p.name: p for p in net.pipes}
    assert pipes["feed"].length_m == pytest.approx(0.5e-3, rel=1e-15)
    assert pipes["lr"].diameter_m == pytest.approx(10e-6, rel=1e-15)
    assert (pipes["right"].start, pipes["right"].end) == ("j1", "out_r")
    fixed = {n.name: n for n in net.fixed_heads}
    assert set(fixed) == {"inlet", "out_r", "out_ll"}
    assert head_to_pressure_pa(fixed["inlet"].head_m) == pytest.approx(60 * MMHG_PA, rel=1e-14)
    junctions = {j.name: j for j in net.junctions}
    assert set(junctions) == {"j1", "j2", "out_lr"}
    assert junctions["out_lr"].demand_m3s == pytest.approx(3 * NL_MIN_M3S, rel=1e-14)
    assert junctions["j1"] == Junction("j1", 0.0, -0.0)
    assert math.isnan(net.viscosity_m2s)  # no bulk viscosity unless asked for


def test_example_tree_solves_with_rheology() -> None:
    net = read_vessel_table(DATA / "arteriole_tree_vessels.csv", DATA / "arteriole_tree_nodes.csv")
    sol = solve_blood_flow(net, inflow_hd=0.45, plasma_viscosity_pa_s=1.2e-3)
    q, hd = sol.flow_m3s, sol.discharge_haematocrit
    assert q["lr"] == pytest.approx(3 * NL_MIN_M3S, rel=1e-9)  # the fixed outflow
    assert sol.pressure_pa["inlet"] == pytest.approx(60 * MMHG_PA, rel=1e-12)
    assert 20 * MMHG_PA < sol.pressure_pa["j2"] < sol.pressure_pa["j1"] < 60 * MMHG_PA
    for j in ("j1", "j2"):
        rbc_in = sum(q[p.name] * hd[p.name] for p in net.pipes if p.end == j)
        rbc_out = sum(q[p.name] * hd[p.name] for p in net.pipes if p.start == j)
        assert rbc_out == pytest.approx(rbc_in, rel=1e-12)


def test_several_violations_reported_at_once() -> None:
    files = (DATA / "broken_vessels.csv", DATA / "broken_nodes.csv")
    digest = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    with pytest.raises(InputDataError) as exc:
        read_vessel_table(*files)
    err = exc.value
    assert where(err) == {
        ("broken_vessels.csv", 3, "name"),      # duplicate vessel name
        ("broken_vessels.csv", 4, "to"),        # vessel from j to j
        ("broken_vessels.csv", 5, "length"),    # −1 mm
        ("broken_vessels.csv", 6, "diameter"),  # 'wide'
        ("broken_vessels.csv", 7, "row"),       # 4 fields for 5 columns
        ("broken_nodes.csv", 3, "column 4"),    # 'haematocrit' is not a column
        ("broken_nodes.csv", 5, "pressure, inflow"),  # both given
        ("broken_nodes.csv", 6, "name"),        # Z: no vessel uses it
        ("broken_nodes.csv", 7, "pressure, inflow"),  # neither given
        ("broken_nodes.csv", 8, "pressure"),    # 'high'
    }
    by_place = {(Path(v.file).name, v.row): v for v in err.violations}
    assert "also row 2" in by_place[("broken_vessels.csv", 3)].expected
    assert by_place[("broken_vessels.csv", 5)].got == "-1"
    assert by_place[("broken_vessels.csv", 7)].got == 4
    assert by_place[("broken_nodes.csv", 5)].got == "both"
    assert by_place[("broken_nodes.csv", 3)].got == "haematocrit"
    assert "broken_vessels.csv, row 6, field 'diameter': expected a number" in str(err)
    assert [hashlib.sha256(f.read_bytes()).hexdigest() for f in files] == digest  # unchanged


def test_units_in_headers_are_checked(tmp_path: Path) -> None:
    v, n = write(tmp_path,
                 "name [m],from,to,length,diameter [mmHg]\nv1,A,j,1.0,20\nv2,j,B,0.5,10\n",
                 "name,pressure [um],inflow [litre]\nA,60,\nB,20,\n")
    with pytest.raises(InputDataError) as exc:
        read_vessel_table(v, n)
    got = {(Path(x.file).name, x.field): x for x in exc.value.violations}
    assert set(got) == {("vessels.csv", "name"), ("vessels.csv", "length"),
                        ("vessels.csv", "diameter"), ("nodes.csv", "pressure"),
                        ("nodes.csv", "inflow")}
    assert got[("vessels.csv", "length")].expected.startswith("a unit in the header")
    assert got[("vessels.csv", "diameter")].expected.startswith("a length unit")
    assert got[("nodes.csv", "pressure")].got == "um"
    assert got[("nodes.csv", "inflow")].expected.startswith("a volume-flow unit")
    assert all(x.row == 1 for x in exc.value.violations)


def test_unknown_unit_and_unknown_column_with_suggestion(tmp_path: Path) -> None:
    v, n = write(tmp_path, "name,from,to,length [mmm],diamter [um]\nv1,A,B,1,20\n", OK_NODES)
    with pytest.raises(InputDataError) as exc:
        read_vessel_table(v, n)
    got = {x.field: x for x in exc.value.violations}
    assert got["length"].got == "mmm"
    assert "did you mean 'diameter'" in got["column 5"].expected
    assert got["diameter"].got == "missing"  # the required column is then missing too


def test_other_units_convert(tmp_path: Path) -> None:
    v, n = write(tmp_path, "name,from,to,length [cm],diameter [mm]\nv1,A,B,0.1,0.02\n",
                 "name,pressure [kPa],inflow [uL/min]\nA,8,\nB,2.5,\n")
    net = read_vessel_table(v, n, name="custom")
    assert net.name == "custom"
    assert net.pipes[0].length_m == pytest.approx(1e-3) and net.pipes[0].diameter_m == 2e-5
    heads = {f.name: head_to_pressure_pa(f.head_m) for f in net.fixed_heads}
    assert heads == {"A": pytest.approx(8000.0), "B": pytest.approx(2500.0)}


def test_missing_files_are_both_reported(tmp_path: Path) -> None:
    with pytest.raises(InputDataError) as exc:
        read_vessel_table(tmp_path / "nope.csv", tmp_path / "nada.csv")
    assert where(exc.value) == {("nope.csv", None, "file"), ("nada.csv", None, "file")}


def test_boundary_conditions_must_define_the_pressures(tmp_path: Path) -> None:
    v, n = write(tmp_path, OK_VESSELS, "name,inflow [nL/min]\nA,5\n")
    with pytest.raises(InputDataError) as exc:
        read_vessel_table(v, n)
    assert where(exc.value) == {("nodes.csv", None, "pressure")}
    v, n = write(tmp_path, OK_VESSELS, "name\nA\n")
    with pytest.raises(InputDataError) as exc:
        read_vessel_table(v, n)
    assert where(exc.value) == {("nodes.csv", 1, "pressure, inflow")}
    # two groups of vessels, only one of them with a pressure node
    v, n = write(tmp_path, OK_VESSELS + "w1,C,D,1.0,20\n", OK_NODES)
    with pytest.raises(InputDataError) as exc:
        read_vessel_table(v, n)
    assert exc.value.field == "pressure" and "w1" in exc.value.expected


def test_comments_keep_line_numbers_and_empty_rows_are_errors(tmp_path: Path) -> None:
    v, n = write(tmp_path, "# source: synthetic\n" + OK_VESSELS + "\nv3,B,C,1,x\n", OK_NODES)
    with pytest.raises(InputDataError) as exc:
        read_vessel_table(v, n)
    assert where(exc.value) == {("vessels.csv", 5, "row"), ("vessels.csv", 6, "diameter")}


def test_bulk_viscosity_option(tmp_path: Path) -> None:
    v, n = write(tmp_path, OK_VESSELS, OK_NODES)
    net = read_vessel_table(v, n, viscosity="3.5 mPa*s")
    assert net.viscosity_m2s == pytest.approx(3.5e-3 / HEAD_DENSITY_KG_M3, rel=1e-14)
    sol = solve_flow(net, tol=1e-12, head_tol=1e-12)
    r = sum(128 * 3.5e-3 * L / (math.pi * d**4) for L, d in ((1e-3, 20e-6), (0.5e-3, 10e-6)))
    assert sol.flow_m3s["v1"] == pytest.approx(40 * MMHG_PA / r, rel=1e-10)
    assert read_vessel_table(v, n, viscosity=3.5e-3).viscosity_m2s == net.viscosity_m2s
    with pytest.raises(UnitError):
        read_vessel_table(v, n, viscosity="3 m")
    with pytest.raises(SolverError, match="link_viscosity_m2s"):
        solve_flow(read_vessel_table(v, n))  # no viscosity: refused, not NaN flows


def test_violation_fields_are_attributes() -> None:
    with pytest.raises(InputDataError) as exc:
        read_vessel_table(DATA / "broken_vessels.csv", DATA / "broken_nodes.csv")
    first = exc.value.violations[0]
    assert isinstance(first, Violation)
    assert (exc.value.file, exc.value.row, exc.value.field) == (first.file, first.row, first.field)
    assert np.all([v.expected for v in exc.value.violations])  # every rule says what it wants


def test_fixed_pressure_nodes_are_fixed_heads() -> None:
    net = read_vessel_table(DATA / "arteriole_tree_vessels.csv", DATA / "arteriole_tree_nodes.csv")
    out_r = next(f for f in net.fixed_heads if f.name == "out_r")
    assert out_r == FixedHeadNode("out_r", out_r.head_m, "reservoir")
    assert head_to_pressure_pa(out_r.head_m) == pytest.approx(20 * MMHG_PA, rel=1e-14)
