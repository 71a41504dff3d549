"""Hand-checkable networks: analytic Hazen-Williams flow, Hagen-Poiseuille resistances."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pkdose.errors import ConvergenceError, InputDataError, SolverError
from pkdose.flow import (
    FixedHeadNode,
    Junction,
    Pipe,
    Pump,
    PumpCurve,
    VascularNetwork,
    darcy_weisbach_headloss,
    hagen_poiseuille_headloss,
    hagen_poiseuille_pressure_drop,
    hazen_williams_headloss,
    solve_flow,
)
from pkdose.flow.solver import G_EPANET, HW_COEFFICIENT_SI

NU = 3.3e-6  # blood-like kinematic viscosity [m²/s] (μ 3.5 mPa s / ρ 1060 kg/m³)


def two_tanks(*pipes: Pipe, junctions: tuple[Junction, ...] = (), law: str = "H-W",
              h_up: float = 110.0, h_down: float = 100.0) -> VascularNetwork:
    return VascularNetwork("test", junctions, (FixedHeadNode("A", h_up),
                                               FixedHeadNode("B", h_down)),
                           pipes=pipes, headloss=law, viscosity_m2s=NU)  # type: ignore[arg-type]


def test_hw_constant_is_epanets() -> None:
    assert HW_COEFFICIENT_SI == pytest.approx(10.66672, abs=5e-6)
    assert G_EPANET == pytest.approx(9.81456, rel=1e-15)


def test_two_reservoirs_one_pipe_analytic_hazen_williams() -> None:
    L, d, C, dh = 1000.0, 0.3, 120.0, 10.0
    sol = solve_flow(two_tanks(Pipe("p", "A", "B", L, d, C)), tol=1e-12, max_iter=50)
    q = (dh * C**1.852 * d**4.871 / (10.66672 * L)) ** (1 / 1.852)
    assert sol.flow_m3s["p"] == pytest.approx(q, rel=1e-6)  # 10.66672 is rounded to 7 digits
    h, _ = hazen_williams_headloss(sol.flow_m3s["p"], L, d, C)
    assert float(h) == pytest.approx(dh, rel=1e-12)


def test_hw_is_linear_below_epanet_threshold() -> None:
    h1, g1 = hazen_williams_headloss(1e-16, 100.0, 0.1, 100.0)
    h2, g2 = hazen_williams_headloss(2e-16, 100.0, 0.1, 100.0)
    assert float(h2) == pytest.approx(2 * float(h1), rel=1e-12)
    assert float(g1) == float(g2)


def test_hagen_poiseuille_series() -> None:
    # A - j - B through two tubes in series: q = ΔH / (R1 + R2), R = 128 ν L / (π g d⁴)
    p1, p2 = Pipe("p1", "A", "j", 0.1, 2e-3, 0.0), Pipe("p2", "j", "B", 0.05, 1e-3, 0.0)
    net = two_tanks(p1, p2, junctions=(Junction("j", 0.0),), law="H-P", h_up=1.0, h_down=0.0)
    sol = solve_flow(net, tol=1e-12, max_iter=20)
    r = [128 * NU * p.length_m / (math.pi * G_EPANET * p.diameter_m**4) for p in (p1, p2)]
    q = 1.0 / sum(r)
    assert sol.flow_m3s["p1"] == pytest.approx(q, rel=1e-12)
    assert sol.flow_m3s["p2"] == pytest.approx(q, rel=1e-12)
    assert sol.head_m["j"] == pytest.approx(1.0 - r[0] * q, rel=1e-12)
    assert sol.iterations <= 3  # linear law: Newton is exact after one step


def test_hagen_poiseuille_parallel_with_demand() -> None:
    # A - (p1 ∥ p2) - j (demand) - p3 - B: conductances add
    p1, p2 = Pipe("p1", "A", "j", 0.1, 2e-3, 0.0), Pipe("p2", "A", "j", 0.2, 3e-3, 0.0)
    p3 = Pipe("p3", "j", "B", 0.1, 2e-3, 0.0)
    demand = 1e-7
    net = two_tanks(p1, p2, p3, junctions=(Junction("j", 0.0, demand),), law="H-P",
                    h_up=1.0, h_down=0.0)
    sol = solve_flow(net, tol=1e-12, max_iter=20)
    k = [math.pi * G_EPANET * p.diameter_m**4 / (128 * NU * p.length_m) for p in (p1, p2, p3)]
    hj = (k[0] * 1.0 + k[1] * 1.0 - demand) / (k[0] + k[1] + k[2])
    assert sol.head_m["j"] == pytest.approx(hj, rel=1e-12)
    assert sol.flow_m3s["p2"] == pytest.approx(k[1] * (1.0 - hj), rel=1e-12)
    assert abs(sol.junction_imbalance_m3s()["j"]) <= 1e-20


def test_pressure_form_of_hagen_poiseuille() -> None:
    rho, mu = 1060.0, 3.5e-3
    h, _ = hagen_poiseuille_headloss(1e-6, 0.1, 2e-3, mu / rho, g=9.81)
    dp = hagen_poiseuille_pressure_drop(1e-6, 0.1, 2e-3, mu)
    assert dp == pytest.approx(rho * 9.81 * float(h), rel=1e-12)


def test_darcy_weisbach_laminar_is_hagen_poiseuille() -> None:
    q = np.array([1e-7, -2e-7])  # Re = 4q/(π d ν) ≪ 2000
    h_dw, g_dw = darcy_weisbach_headloss(q, 0.1, 2e-3, 1e-6, NU)
    h_hp, g_hp = hagen_poiseuille_headloss(q, 0.1, 2e-3, NU)
    np.testing.assert_allclose(h_dw, h_hp, rtol=1e-12)
    np.testing.assert_allclose(g_dw, g_hp, rtol=1e-12)


def test_darcy_weisbach_turbulent_is_swamee_jain() -> None:
    q, L, d, e = 0.05, 100.0, 0.2, 1e-4
    re = 4 * q / (math.pi * d * 1.0e-6)
    f = 0.25 / math.log10(e / (3.7 * d) + 5.74 / re**0.9) ** 2
    h, _ = darcy_weisbach_headloss(q, L, d, e, 1.0e-6)
    assert float(h) == pytest.approx(f * L / d * (q / (math.pi * d**2 / 4)) ** 2 / (2 * G_EPANET),
                                     rel=1e-12)


def test_darcy_weisbach_network_gradient_is_consistent() -> None:
    net = two_tanks(Pipe("p", "A", "j", 100.0, 0.2, 1e-4), Pipe("p2", "j", "B", 50, 0.15, 1e-4),
                    junctions=(Junction("j", 0.0, 0.001),), law="D-W")
    sol = solve_flow(net, tol=1e-10, max_iter=50)
    sol.check_kirchhoff(1e-12)
    assert sol.head_residual_m < 1e-9


def test_single_point_pump_curve_as_epanet() -> None:
    c = PumpCurve.from_points([(0.1, 50.0)])
    assert c.shutoff_head_m == pytest.approx(1.33334 * 50.0)
    assert c.head_gain(0.1) == pytest.approx(50.0, rel=1e-12)
    assert c.exponent == pytest.approx(math.log(1.33334 / 0.33334) / math.log(2.0))
    with pytest.raises(ValueError, match="1 point or 3 points"):
        PumpCurve.from_points([(0.0, 10.0), (1.0, 5.0)])


def test_pump_lifts_to_upper_reservoir() -> None:
    curve = PumpCurve.from_points([(0.0, 30.0), (0.05, 25.0), (0.1, 10.0)])
    net = VascularNetwork("pump", (Junction("j", 0.0),),
                          (FixedHeadNode("low", 0.0), FixedHeadNode("high", 20.0)),
                          pipes=(Pipe("p", "j", "high", 500.0, 0.3, 130.0),),
                          pumps=(Pump("pu", "low", "j", curve),))
    sol = solve_flow(net, tol=1e-10, max_iter=50)
    q = sol.flow_m3s["pu"]
    assert sol.flow_m3s["p"] == pytest.approx(q, rel=1e-12)
    h, _ = hazen_williams_headloss(q, 500.0, 0.3, 130.0)
    assert curve.head_gain(q) == pytest.approx(20.0 + float(h), abs=1e-8)


def test_not_converging_raises_convergence_error() -> None:
    net = two_tanks(Pipe("p", "A", "j", 1000.0, 0.3, 120.0),
                    Pipe("p2", "j", "B", 1000.0, 0.2, 120.0), junctions=(Junction("j", 0.0),))
    with pytest.raises(ConvergenceError) as err:
        solve_flow(net, tol=1e-12, max_iter=2)
    assert err.value.iterations == 2
    assert err.value.residual > 1e-12


def test_isolated_junction_is_refused() -> None:
    net = two_tanks(Pipe("p", "A", "B", 10.0, 0.1, 100.0),
                    Pipe("c", "A", "j", 10.0, 0.1, 100.0, status="closed"),
                    junctions=(Junction("j", 0.0, 0.001),))
    with pytest.raises(SolverError, match="'?j'?|j"):
        solve_flow(net)


def test_description_validation() -> None:
    with pytest.raises(InputDataError) as err:
        two_tanks(Pipe("p", "A", "nowhere", 10.0, 0.1, 100.0))
    assert "nowhere" in str(err.value)
    # pipe geometry: real numbers > 0, each bad pipe named (a numeric string is not a length,
    # even though numpy would convert it); numpy and fractional numbers are fine
    from fractions import Fraction
    with pytest.raises(InputDataError) as err:
        two_tanks(Pipe("p1", "A", "j", "10", 0.1, 100.0), Pipe("p2", "j", "B", np.float32(5.0), 0.1, 100.0),
                  Pipe("p3", "j", "B", float("nan"), 0.1, 100.0), Pipe("p4", "j", "B", 5.0, True, 100.0),
                  junctions=(Junction("j", 0.0, 0.001),))
    assert [v.field for v in err.value.violations] == ["pipe p1", "pipe p3", "pipe p4"]
    ok = two_tanks(Pipe("p1", "A", "j", Fraction(10), 0.1, 100.0), Pipe("p2", "j", "B", np.int64(5), 0.1, 100.0),
                   junctions=(Junction("j", 0.0, 0.001),))
    assert ok._arrays.pipe_length_m.tolist() == [10.0, 5.0]


def _pumped_network() -> VascularNetwork:
    """A reservoir, a pump, a check valve and a closed pipe: every kind of per-link array."""
    curve = PumpCurve.from_points([(0.05, 40.0)])
    return VascularNetwork(
        "pumped", (Junction("j1", 5.0, 0.01), Junction("j2", 2.0, 0.02)),
        (FixedHeadNode("R", 10.0), FixedHeadNode("T", 30.0, "tank")),
        pipes=(Pipe("p1", "j1", "j2", 300.0, 0.2, 120.0),
               Pipe("p2", "j2", "T", 500.0, 0.25, 110.0, check_valve=True),
               Pipe("p3", "R", "j2", 400.0, 0.1, 100.0, status="closed")),
        pumps=(Pump("u", "R", "j1", curve),))


def test_repeated_solves_are_identical_and_reuse_the_network_arrays() -> None:
    # P1: the description holds no state a solve could change; what a solve derives from the
    # network (element arrays, index maps, matrix pattern) is built once and kept with it;
    # the element arrays are built with the network, the rest by the first solve
    net = _pumped_network()
    arrays = vars(net)["_arrays"]
    assert not arrays.memo
    first = solve_flow(net)
    assert net._arrays is arrays and arrays.memo
    second = solve_flow(net)
    assert net._arrays is arrays
    assert second.iterations == first.iterations
    for field in ("flow_m3s", "head_m", "link_status"):
        assert getattr(second, field).equals(getattr(first, field))
    assert second.closed_links == first.closed_links == ("p3",)
    assert second.flow_m3s.index is first.flow_m3s.index  # one index, shared
    # a network that was never solved gives the same bits
    fresh = solve_flow(_pumped_network())
    assert fresh.flow_m3s.equals(first.flow_m3s) and fresh.head_m.equals(first.head_m)


def test_network_arrays_are_read_only_and_not_part_of_the_value() -> None:
    import copy
    import dataclasses
    import pickle

    net = _pumped_network()
    solve_flow(net)
    arrays = net._arrays
    # nodes j1 j2 R T = 0 1 2 3; links p1 p2 p3 u
    assert arrays.start.tolist() == [0, 1, 2, 2] and arrays.end.tolist() == [1, 3, 1, 0]
    assert arrays.junction_start.tolist() == [0, 1, -1, -1]
    assert arrays.junction_end.tolist() == [1, -1, 1, 0]
    assert arrays.given_closed.tolist() == [False, False, True, False]
    assert arrays.pipe_check_valve.tolist() == [False, True, False]
    for a in (arrays.start, arrays.pipe_diameter_m, arrays.demand_m3s, arrays.given_closed):
        with pytest.raises(ValueError, match="read-only"):
            a[0] = a[0]
    assert arrays.pipe_diameter_m.tolist() == [0.2, 0.25, 0.1]
    assert net == _pumped_network() and hash(net) == hash(_pumped_network())
    # copies and pickles carry the description only, the arrays are rebuilt on use; a new
    # network (dataclasses.replace) builds its own
    for other in (copy.copy(net), pickle.loads(pickle.dumps(net)),
                  dataclasses.replace(net, name="other")):
        assert vars(other).get("_arrays") is not arrays
        assert solve_flow(other).flow_m3s.equals(solve_flow(net).flow_m3s)
        for a in (other._arrays.start, other._arrays.end):     # read-only after a pickle too
            with pytest.raises(ValueError, match="read-only"):
                a[0] = a[0]
    # a network pickled before the link-end positions existed (no such key) still solves
    old = pickle.loads(pickle.dumps(net))
    vars(old).pop("_link_end_positions", None)
    assert solve_flow(old).flow_m3s.equals(solve_flow(net).flow_m3s)
    # a changed element is a new network with its own arrays
    bigger = dataclasses.replace(net, pipes=(dataclasses.replace(net.pipes[0], diameter_m=0.3),
                                             *net.pipes[1:]))
    assert bigger._arrays.pipe_diameter_m[0] == 0.3 and arrays.pipe_diameter_m[0] == 0.2
