"""Valves, check valves and constant-power pumps against EPANET 2.2 on hand-built networks.

Each network is built with wntr's public ``WaterNetworkModel`` (``add_reservoir``,
``add_junction``, ``add_pipe``, ``add_valve``, ``add_pump``), written to an ``.inp`` file with
``wntr.network.write_inpfile`` and read back by :func:`pkdose.flow.read_inp` — so the reader's
unit conversions are tested too — and the reference is EPANET run on the same model through
``EpanetSimulator`` (``conftest.epanet_reference``, ACCURACY 1e-8).

Tolerances, as in ``test_epanet_reference.py``: the reference values are float32 (relative
error ≤ 2**-23, ``FLOAT32_REL``), both solutions are converged far below that, so flows must
agree within 1e-7 m³/s + 1.19e-7 |q| and heads within 1e-5 m + 1.19e-7 |H|. The statuses
must be EPANET's (wntr's codes: 0 closed, 1 open, 2 active). The networks are run with
``closed_link_leak=True`` (EPANET's 1e-8 ft²/s conductance of closed links) so that a closed
valve's head difference is not a source of difference; they are small enough that it makes no
measurable difference either way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pkdose.flow import read_inp, solve_flow
from pkdose.flow.solver import FlowSolution

FLOAT32_REL = 2.0**-23
WNTR_STATUS = {"closed": 0, "xhead": 0, "tempclosed": 0, "open": 1, "xfcv": 1,
               "xpressure": 1, "active": 2}
"""wntr's link status codes (EPANET's CLOSED/XHEAD/TEMPCLOSED → 0, OPEN/XFCV/XPRESSURE → 1,
ACTIVE → 2)."""

wntr = pytest.importorskip("wntr")
pytest.importorskip("six")


def valve_line(kind: str, setting: float, h_up: float, h_down: float | None = None,
               units: str = "LPS", status: str = "ACTIVE", minor_loss: float = 0.0) -> object:
    """R1 (head h_up) → p1 → j1 → valve → j2 (demand 20 L/s) → p2 → j3 (demand 10 L/s),
    and, if h_down is given, j3 → p3 → R2 (head h_down). Elevations 0 (SI in wntr)."""
    wn = wntr.network.WaterNetworkModel()
    wn.options.hydraulic.inpfile_units = units
    wn.add_reservoir("R1", base_head=h_up)
    wn.add_junction("j1", base_demand=0.0, elevation=0.0)
    wn.add_junction("j2", base_demand=0.02, elevation=0.0)
    wn.add_junction("j3", base_demand=0.01, elevation=0.0)
    wn.add_pipe("p1", "R1", "j1", length=500.0, diameter=0.3, roughness=100.0)
    wn.add_valve("v", "j1", "j2", diameter=0.2, valve_type=kind, minor_loss=minor_loss,
                 initial_setting=setting, initial_status=status)
    wn.add_pipe("p2", "j2", "j3", length=800.0, diameter=0.2, roughness=100.0)
    if h_down is not None:
        wn.add_reservoir("R2", base_head=h_down)
        wn.add_pipe("p3", "j3", "R2", length=300.0, diameter=0.25, roughness=100.0)
    return wn


def solve_both(wn: object, tmp_path: Path, epanet_ref: Callable[..., object]
               ) -> tuple[FlowSolution, object]:
    path = tmp_path / "valves.inp"
    wntr.network.write_inpfile(wn, str(path))
    ref = epanet_ref(wn)
    sol = solve_flow(read_inp(path), tol=1e-8, head_tol=1e-8, max_iter=100,
                     closed_link_leak=True)
    return sol, ref


def assert_matches(sol: FlowSolution, ref: object) -> None:
    q_ref = ref.flow_m3s[sol.flow_m3s.index]  # type: ignore[attr-defined]
    h_ref = ref.head_m[sol.head_m.index]  # type: ignore[attr-defined]
    dq = (sol.flow_m3s - q_ref).abs()
    dh = (sol.head_m - h_ref).abs()
    assert np.all(dq <= 1e-7 + FLOAT32_REL * q_ref.abs()), dq
    assert np.all(dh <= 1e-5 + FLOAT32_REL * h_ref.abs()), dh
    status = sol.link_status.map(WNTR_STATUS)
    assert status.to_dict() == ref.status[status.index].to_dict()  # type: ignore[attr-defined]


@pytest.mark.parametrize("units", ["LPS", "GPM"])
@pytest.mark.parametrize(("h_up", "h_down", "expected"), [
    (100.0, None, "active"),   # holds j2 at 30 m
    (25.0, None, "open"),      # upstream head below the setting: fully open
    (60.0, 70.0, "closed"),    # j2 fed from R2 above the setting: closed against reverse flow
])
def test_prv_active_open_closed(h_up: float, h_down: float | None, expected: str, units: str,
                                tmp_path: Path, epanet_ref) -> None:  # type: ignore[no-untyped-def]
    sol, ref = solve_both(valve_line("PRV", 30.0, h_up, h_down, units), tmp_path, epanet_ref)
    assert sol.link_status["v"] == expected
    assert_matches(sol, ref)
    if expected == "active":
        assert sol.head_m["j2"] == pytest.approx(30.0, abs=1e-6)
    if expected == "closed":
        assert sol.flow_m3s["v"] == 0.0 and "v" in sol.closed_links
    sol.check_kirchhoff(atol=1e-6)


def test_prv_with_minor_loss_opens_when_upstream_is_low(tmp_path: Path, epanet_ref) -> None:  # type: ignore[no-untyped-def]
    sol, ref = solve_both(valve_line("PRV", 30.0, 30.2, minor_loss=8.0), tmp_path, epanet_ref)
    assert sol.link_status["v"] == "open"
    assert_matches(sol, ref)


@pytest.mark.parametrize(("setting", "expected"), [(78.0, "active"), (5.0, "open")])
def test_psv_holds_upstream_pressure(setting: float, expected: str, tmp_path: Path,
                                     epanet_ref) -> None:  # type: ignore[no-untyped-def]
    sol, ref = solve_both(valve_line("PSV", setting, 80.0, 0.0), tmp_path, epanet_ref)
    assert sol.link_status["v"] == expected
    assert_matches(sol, ref)
    if expected == "active":
        assert sol.head_m["j1"] == pytest.approx(setting, abs=1e-6)


@pytest.mark.parametrize(("h_up", "h_down", "expected"), [
    (80.0, 0.0, "active"),    # limits the flow to 40 L/s
    (5.0, 60.0, "xfcv"),      # reverse head: fully open (EPANET's XFCV)
])
def test_fcv(h_up: float, h_down: float, expected: str, tmp_path: Path, epanet_ref) -> None:  # type: ignore[no-untyped-def]
    sol, ref = solve_both(valve_line("FCV", 0.04, h_up, h_down), tmp_path, epanet_ref)
    assert sol.link_status["v"] == expected
    assert_matches(sol, ref)
    if expected == "active":
        # setting + 1e-8 ft²/s × Δh (EPANET's conductance of an active FCV, 7e-8 m³/s here)
        assert sol.flow_m3s["v"] == pytest.approx(0.04, abs=1e-6)


@pytest.mark.parametrize("status", ["ACTIVE", "OPEN", "CLOSED"])
def test_tcv_and_fixed_status(status: str, tmp_path: Path, epanet_ref) -> None:  # type: ignore[no-untyped-def]
    sol, ref = solve_both(valve_line("TCV", 25.0, 80.0, 0.0, status=status, minor_loss=2.0),
                          tmp_path, epanet_ref)
    assert_matches(sol, ref)


@pytest.mark.parametrize("status", ["OPEN", "CLOSED"])
def test_prv_fixed_open_or_closed(status: str, tmp_path: Path, epanet_ref) -> None:  # type: ignore[no-untyped-def]
    sol, ref = solve_both(valve_line("PRV", 30.0, 80.0, 0.0, status=status), tmp_path,
                          epanet_ref)
    assert sol.link_status["v"] == status.lower()
    assert_matches(sol, ref)


def test_check_valve_closes_and_constant_power_pump(tmp_path: Path, epanet_ref) -> None:  # type: ignore[no-untyped-def]
    wn = wntr.network.WaterNetworkModel()
    wn.options.hydraulic.inpfile_units = "LPS"
    wn.add_reservoir("R1", base_head=10.0)
    wn.add_reservoir("R2", base_head=50.0)
    wn.add_junction("j1", base_demand=0.0, elevation=0.0)
    wn.add_junction("j2", base_demand=0.03, elevation=0.0)
    wn.add_pump("pu", "R1", "j1", pump_type="POWER", pump_parameter=20e3)  # 20 kW
    wn.add_pipe("p1", "j1", "j2", length=400.0, diameter=0.25, roughness=110.0)
    wn.add_pipe("p2", "j2", "R2", length=400.0, diameter=0.25, roughness=110.0)
    # a check valve that would carry reverse flow from the high reservoir: closed
    wn.add_pipe("cv", "R2", "j1", length=100.0, diameter=0.1, roughness=110.0,
                check_valve=True)
    sol, ref = solve_both(wn, tmp_path, epanet_ref)
    assert sol.link_status["cv"] == "closed" and sol.flow_m3s["cv"] == 0.0
    assert_matches(sol, ref)


def test_valve_reader_refusals_name_the_line(tmp_path: Path) -> None:
    wn = valve_line("PRV", 30.0, 100.0)
    path = tmp_path / "v.inp"
    wntr.network.write_inpfile(wn, str(path))
    text = path.read_text().replace(" PRV ", " GPV ")
    bad = tmp_path / "bad.inp"
    bad.write_text(text)
    from pkdose.errors import InputDataError
    with pytest.raises(InputDataError) as err:
        read_inp(bad)
    v = err.value.violations[0]
    assert v.field == "[VALVES] v" and v.file == str(bad)
    assert "GPV" in str(v.got) and os.fspath(bad) in str(err.value)
