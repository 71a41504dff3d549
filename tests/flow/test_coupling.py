"""Coupling of the solved whole-body network to PBPK: flows, volumes, transit times, AIF, model.

Hand values: ICRP 89 male, cardiac output 6.5 L/min = 390 L/h, blood volume 5.3 L; kidneys 19 %
of the flow and 2 % of the blood: Q = 74.1 L/h, V = 0.106 L, V/Q = 0.106/74.1 h.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

from pkdose.errors import InputDataError, UnknownNameError
from pkdose.flow import (
    arterial_input_kernel,
    flow_limited_pbpk,
    path_transit_time_h,
    perfusion,
    solve_flow,
    whole_body_network,
)
from pkdose.flow.coupling import ArterialInputKernel
from pkdose.model import Bolus, Infusion
from pkdose.solve.facade import simulate


def perf(sex="male", **kw):
    return perfusion(solve_flow(whole_body_network(sex, **kw), head_tol=1e-9))


@pytest.fixture(scope="module")
def male():
    return perf()


def test_flows_and_volumes_in_pbpk_units(male):
    assert male.cardiac_output_l_h == pytest.approx(390.0, rel=1e-9)
    assert male.flow_l_h["kidneys"] == pytest.approx(0.19 * 390, rel=1e-9)
    assert male.volume_l["kidneys"] == pytest.approx(0.02 * 5.3, rel=1e-12)
    assert male.flow_l_h["liver"] == pytest.approx(0.255 * 390, rel=1e-9)
    assert male.hepatic_artery_l_h + male.portal_vein_l_h == pytest.approx(
        male.flow_l_h["liver"], rel=1e-12)
    total = (sum(male.volume_l.values()) + male.lung_volume_l + male.arterial_volume_l
             + male.venous_volume_l)
    assert total == pytest.approx(5.3, rel=1e-12)        # every pipe's blood, counted once


@pytest.mark.parametrize("organ,flow_pct,vol_pct", [("kidneys", 19, 2.0), ("brain", 12, 1.2),
                                                     ("skeletal_muscle", 17, 14.0),
                                                     ("red_marrow", 3, 4.0)])
def test_transit_time_is_volume_over_flow(male, organ, flow_pct, vol_pct):
    hand = (vol_pct / 100 * 5.3) / (flow_pct / 100 * 390.0)
    assert male.transit_time_h(organ) == pytest.approx(hand, rel=1e-9)


def test_path_transit_time_central_and_unknown_link():
    sol = solve_flow(whole_body_network(), head_tol=1e-9)
    t = path_transit_time_h(sol, ["right_heart", "lungs", "left_ventricle", "left_heart"])
    assert t == pytest.approx((0.045 + 0.105 + 0.045) * 5.3 / 390.0, rel=1e-9)
    assert perfusion(sol).central_transit_time_h() == pytest.approx(t, rel=1e-12)
    with pytest.raises(UnknownNameError):
        path_transit_time_h(sol, ["lung"])
    with pytest.raises(InputDataError):
        path_transit_time_h(sol, ["right_heart", "kidneys"])
    with pytest.raises(UnknownNameError):
        perfusion(sol).transit_time_h("kidney")


@given(n=st.floats(1.0, 20.0), mtt_s=st.floats(3.0, 30.0))
def test_aif_kernel_integrates_to_one_with_stated_mean(n, mtt_s):
    k = ArterialInputKernel(mtt_s / 3600, n, 390.0)
    T = k.mean_transit_time_h
    # adaptive quadrature in units of T (quad's own error estimate ~1e-12 sets the tolerance)
    area, _ = quad(lambda x: float(k.density(x * T)) * T, 0.0, np.inf, epsabs=1e-13)
    mean, _ = quad(lambda x: x * float(k.density(x * T)) * T, 0.0, np.inf, epsabs=1e-13)
    assert area == pytest.approx(1.0, rel=1e-9)
    assert mean == pytest.approx(1.0, rel=1e-9)          # mean transit time = T
    assert float(k.cumulative(60 * T)) == pytest.approx(1.0, rel=1e-12)


def test_aif_from_network_and_stewart_hamilton(male):
    k = arterial_input_kernel(male)
    assert k.mean_transit_time_h == pytest.approx(0.195 * 5.3 / 390.0, rel=1e-9)
    t = np.linspace(0, 0.05, 50001)
    c = k.arterial_concentration(t, [Bolus("50 MBq", into="venous_blood"),
                                     Infusion("50 MBq", into="venous_blood", duration="30 s",
                                              at="10 s")])
    # Stewart-Hamilton: cardiac output = dose / ∫C dt, recovered within 1e-6 here
    assert 100.0 / np.trapezoid(c, t) == pytest.approx(390.0, rel=1e-6)
    with pytest.raises(InputDataError):
        arterial_input_kernel(male, n_tanks=0.5)


def test_pbpk_conserves_mass_and_reaches_analytic_equilibrium(male):
    K = {"kidneys": 3.0, "liver": 2.0, "lungs": 1.5, "skeletal_muscle": 0.5}
    m = flow_limited_pbpk(male, partition=K)
    sol = simulate(m, None, Bolus("100 MBq", into="venous_blood"), [0.0, 1.0, 200.0])
    assert float(abs(sol.mass_balance).max()) < 1e-10
    a = sol.activity.isel(sample=0, nuclide=0)
    assert float(a.isel(time=-1).sum()) == pytest.approx(100.0, rel=1e-10)
    d = m.default_values
    kv = {c: K.get(c, 1.0) * d[f"V_{c}"] for c in m.compartments}
    total = sum(kv.values())
    for c in m.compartments:   # closed loop, no elimination: A_c = 100 K_c V_c / Σ K V
        assert float(a.sel(compartment=c).isel(time=-1)) == pytest.approx(
            100.0 * kv[c] / total, rel=1e-8), c


def test_pbpk_infusion_steady_state_depends_on_renal_flow():
    """Infusion R into venous blood, renal extraction E: C_art = R / (E Q_kidneys) analytically."""
    R, E = 10.0, 0.2
    out = {}
    for label, sten in (("ref", None), ("stenosis", {"kidneys": 0.6})):
        p = perf(stenosis=sten)
        m = flow_limited_pbpk(p, organs=["kidneys", "brain"], extraction={"kidneys": E})
        sol = simulate(m, None, Infusion(f"{R * 200} MBq", into="venous_blood", duration="200 h"),
                       [0.0, 100.0])
        c_art = R / (E * p.flow_l_h["kidneys"])
        a = sol.activity.isel(sample=0, nuclide=0, time=-1)
        assert float(a.sel(compartment="arterial_blood")) == pytest.approx(
            c_art * p.arterial_volume_l, rel=1e-8)
        assert float(a.sel(compartment="kidneys")) == pytest.approx(
            c_art * p.volume_l["kidneys"], rel=1e-8)
        out[label] = (p.flow_l_h["kidneys"], float(sol.tia().sel(compartment="arterial_blood")
                                                   .squeeze()))
        assert float(abs(sol.mass_balance).max()) < 1e-10
    assert out["stenosis"][0] < out["ref"][0]
    assert out["stenosis"][1] > out["ref"][1]     # less renal clearance: more blood TIA


def test_pbpk_with_nuclide_and_lumped_rest(male):
    m = flow_limited_pbpk(male, nuclide="Lu-177", organs=["kidneys", "spleen"],
                          extraction={"kidneys": 0.1, "liver": 0.05})
    assert set(m.sinks) == {"urine", "faeces"}
    d = m.default_values
    assert d["Q_rest_systemic"] + d["Q_kidneys"] + d["Q_hepatic_artery"] + d["Q_rest_portal"] + \
        d["Q_spleen"] == pytest.approx(d["Q_co"], rel=1e-9)
    sol = simulate(m, None, Bolus("7400 MBq", into="venous_blood"), [0.0, 24.0, 168.0])
    assert float(abs(sol.mass_balance).max()) < 1e-9


def test_unknown_organ_and_bad_partition_are_errors(male):
    with pytest.raises(UnknownNameError) as e:
        flow_limited_pbpk(male, organs=["kidney"])
    assert e.value.suggestions[0] == "kidneys"
    with pytest.raises(UnknownNameError):
        flow_limited_pbpk(male, organs=["kidneys"], partition={"brain": 2.0})
    with pytest.raises(UnknownNameError):
        flow_limited_pbpk(male, extraction={"urine": 0.1})
    with pytest.raises(InputDataError) as e2:
        flow_limited_pbpk(male, partition={"kidneys": 0.0}, extraction={"liver": 1.5})
    assert len(e2.value.violations) == 2


def test_perfusion_refuses_other_networks():
    from pkdose.flow import FixedHeadNode, Pipe, VascularNetwork

    net = VascularNetwork("tiny", (), (FixedHeadNode("a", 1.0), FixedHeadNode("b", 0.0)),
                          (Pipe("p", "a", "b", 1.0, 0.01, 0.0),), headloss="H-P",
                          viscosity_m2s=1e-6)
    with pytest.raises(InputDataError) as e:
        perfusion(solve_flow(net))
    assert any("lungs" in v.field for v in e.value.violations)
    assert math.isfinite(len(e.value.violations))


def test_retention_steady_state_and_a_stenosis_lowers_retained_uptake():
    """Uptake U of the organ's outflow into a bound pool released at k: at steady state under an
    infusion k·A_bound = U·(Q/V)·A_organ; with retention a renal stenosis lowers the kidneys'
    retained activity (uptake follows flow), while the free kidney blood pool follows C_art."""
    U, k, E = 0.05, math.log(2) / 50.0, 0.2
    bound = {}
    for label, sten in (("ref", None), ("stenosis", {"kidneys": 0.6})):
        p = perf(stenosis=sten)
        m = flow_limited_pbpk(p, organs=["kidneys"], extraction={"kidneys": E}, retention={"kidneys": (U, k)})
        assert dict(m.groups)["kidneys_total"] == ("kidneys", "kidneys_bound")
        sol = simulate(m, None, Infusion("20000 MBq", into="venous_blood", duration="2000 h"), [0.0, 1500.0])
        assert float(abs(sol.mass_balance).max()) < 1e-9
        a = sol.activity.isel(sample=0, nuclide=0, time=-1)
        q_over_v = p.flow_l_h["kidneys"] / p.volume_l["kidneys"]
        assert k * float(a.sel(compartment="kidneys_bound")) == pytest.approx(
            U * q_over_v * float(a.sel(compartment="kidneys")), rel=1e-6)
        one = simulate(m, None, Bolus("100 MBq", into="venous_blood"), np.linspace(0, 2000, 4001))
        bound[label] = float(one.tia().sel(compartment="kidneys_bound").squeeze())
    assert bound["stenosis"] < bound["ref"]


def test_retention_bad_values_all_reported(male):
    with pytest.raises(InputDataError) as err:
        flow_limited_pbpk(male, organs=["kidneys", "spleen"], extraction={"kidneys": 0.9},
                          retention={"kidneys": (0.2, 0.01), "spleen": (0.0, 0.1)})
    text = str(err.value)
    assert "retention['kidneys']" in text and "retention['spleen']" in text
    with pytest.raises(UnknownNameError):
        flow_limited_pbpk(male, organs=["kidneys"], retention={"kidney": (0.1, 0.0)})
