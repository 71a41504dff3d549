"""Net6 (wntr's ``Net6.inp``: 3323 junctions, 1 reservoir, 32 tanks, 3829 pipes with one check
valve, 61 pumps of which one constant-power, 2 PRVs, 126 tank-level controls, no rules)
against EPANET 2.2 at t = 0, through wntr's public ``EpanetSimulator`` (``conftest.py``).

What is compared. The t = 0 steady state with base demands, tanks at their initial levels, and
the controls as they act at t = 0: every [CONTROLS] line of Net6 is ``LINK x OPEN|CLOSED IF NODE
tank ABOVE|BELOW level``; EPANET's ``controls()`` evaluates them before its first solution on
the initial tank levels (the tanks' net inflow, its tolerance ``vplus``, is still zero then),
and :func:`~pkdose.flow.read_inp` does the same. Net6's [RULES] section is empty.

Tolerances, derived from measurements (reference: EPANET at ACCURACY 1e-8, float32 results):

* With ``closed_link_leak=True`` (closed links keep EPANET's 1e-8 ft²/s conductance) the two
  solvers solve the same equations: measured against EPANET in double precision (the toolkit,
  outside the tests) 3.0e-8 m³/s and 3.8e-6 m; against the float32 public results 1.4e-7 m³/s
  (LINK-0, 1.44 m³/s: within its float32 rounding, 1.19e-7 × 1.44 = 1.7e-7) and 2.4e-5 m.
  Hence the bounds of ``test_epanet_reference.py``: flows within 1e-7 m³/s + 1.19e-7 |q|,
  heads within 1e-5 m + 1.19e-7 |H| (heads are up to 1000 ft here: 3.6e-5 m of float32).
* By default closed links carry no flow. EPANET's closed pumps PUMP-3883/3884, in parallel with
  PUMP-3882 across ~98 m, pass 9e-8 m³/s each backwards; their absence moves the flow of that
  pump by 1.5e-8 m³/s, and through its steep curve the heads behind it by up to 9.8e-5 m
  (JUNCTION-3237; 9.4e-5 m against the float32 results). Flows differ by at most 1.7e-7 m³/s
  (LINK-3789, 1.2e-5 relative). So the issue's tolerance holds — flows within 1e-3 relative
  (1e-7 m³/s absolute for flows near zero), heads within 1e-4 m — with a margin of 6 % on the
  heads, which is why the tight comparison above uses ``closed_link_leak=True``.
"""

from __future__ import annotations

import numpy as np
import pytest

from pkdose.flow import read_inp, solve_flow

FLOAT32_REL = 2.0**-23
"""Relative error of the float32 reference values (two float32 roundings, see conftest.py)."""


@pytest.fixture(scope="module")
def net6(epanet_networks, epanet_ref):  # type: ignore[no-untyped-def]
    path = epanet_networks / "Net6.inp"
    return read_inp(path), epanet_ref(path), epanet_ref(path, None)


def test_net6_is_read_with_valves_pumps_and_t0_controls(net6) -> None:  # type: ignore[no-untyped-def]
    net, _, _ = net6
    assert (len(net.junctions), len(net.fixed_heads), len(net.pipes), len(net.pumps),
            len(net.valves)) == (3323, 33, 3829, 61, 2)
    assert {v.kind for v in net.valves} == {"PRV"}
    prv = next(v for v in net.valves if v.name == "VALVE-3890")
    assert prv.setting == pytest.approx(50 / 0.4333 * 0.3048)  # 50 psi as EPANET converts it
    assert sum(p.check_valve for p in net.pipes) == 1
    power = next(p for p in net.pumps if p.name == "PUMP-3889")
    assert power.curve.power_kw == pytest.approx(15 * 0.7457)  # type: ignore[union-attr]
    status = {p.name: p.status for p in [*net.pipes, *net.pumps]}
    # [STATUS] PUMP-3829 Closed; TANK-3326 starts at 12.0 ft < 18: "Open If ... Below 18" fires
    assert status["PUMP-3829"] == "open"
    # LINK-1843: "Closed If Node TANK-3326 Below 18" fires at t = 0
    assert status["LINK-1843"] == "closed"
    # PUMP-3830: TANK-3325 at 21.5 ft, "Open If Below 21.3" / "Closed If Above 22.8": neither
    assert status["PUMP-3830"] == "open"


def test_net6_matches_epanet_to_round_off(net6) -> None:  # type: ignore[no-untyped-def]
    net, ref, _ = net6
    sol = solve_flow(net, tol=1e-8, head_tol=1e-7, max_iter=100, closed_link_leak=True)
    assert set(sol.flow_m3s.index) == set(ref.flow_m3s.index)
    assert set(sol.head_m.index) == set(ref.head_m.index)
    q_ref, h_ref = ref.flow_m3s[sol.flow_m3s.index], ref.head_m[sol.head_m.index]
    dq, dh = (sol.flow_m3s - q_ref).abs(), (sol.head_m - h_ref).abs()
    assert np.all(dq <= 1e-7 + FLOAT32_REL * q_ref.abs()), dq.sort_values().tail()
    assert np.all(dh <= 1e-5 + FLOAT32_REL * h_ref.abs()), dh.sort_values().tail()
    assert set(sol.closed_links) == set(ref.status[ref.status == 0].index)
    assert sol.link_status[["VALVE-3890", "VALVE-3891"]].tolist() == ["active", "active"]
    assert (ref.status[["VALVE-3890", "VALVE-3891"]] == 2).all()  # wntr's code for ACTIVE


def test_net6_within_issue_tolerance_and_kirchhoff(net6) -> None:  # type: ignore[no-untyped-def]
    net, ref, _ = net6
    sol = solve_flow(net, tol=1e-8, head_tol=1e-7, max_iter=100)
    q_ref, h_ref = ref.flow_m3s[sol.flow_m3s.index], ref.head_m[sol.head_m.index]
    dq, dh = (sol.flow_m3s - q_ref).abs(), (sol.head_m - h_ref).abs()
    assert np.all(dq <= np.maximum(1e-3 * q_ref.abs(), 1e-7)), dq.sort_values().tail()
    assert dh.max() <= 1e-4, dh.sort_values().tail()
    assert set(sol.closed_links) == set(ref.status[ref.status == 0].index)
    # the PRVs hold their downstream nodes at elevation + setting
    for v in net.valves:
        elevation = next(j.elevation_m for j in net.junctions if j.name == v.end)
        assert sol.head_m[v.end] == pytest.approx(elevation + v.setting, abs=1e-6)
    sol.check_kirchhoff(atol=1e-10)


def test_net6_default_accuracy_matches_epanet_default(net6) -> None:  # type: ignore[no-untyped-def]
    net, _, ref = net6
    sol = solve_flow(net)  # ACCURACY 0.001, TRIALS 40, CHECKFREQ 10 of the file
    dq = (sol.flow_m3s - ref.flow_m3s[sol.flow_m3s.index]).abs()
    assert dq.max() <= 1e-3 * ref.flow_m3s.abs().max()
    assert (sol.head_m - ref.head_m[sol.head_m.index]).abs().max() <= 0.01
