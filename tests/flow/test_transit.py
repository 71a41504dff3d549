"""Tracer transit (pkdose.flow.transit) against exact results.

Facts of the scheme the tolerances below rest on (module docstring of pkdose.flow.transit):

* A bolus enters uniformly over one step [t₀, t₀ + Δt); curves are step averages at the
  step mid-points. For a link (or path) of transit time X, the step-binned outflow of such a
  pulse is the binned distribution of U + X, U ~ U[0, Δt). Writing X = (m + r)Δt, the bin
  index is m or m + 1 with mean m + r, so the binned mean is E[X] + Δt/2 EXACTLY, and the
  binned variance is Var X + Δt² E[r(1 − r)] with 0 ≤ r(1 − r) ≤ 1/4. Chained links add
  their variances and one such term each. With the Fourier series
  r(1 − r) = 1/6 − Σ_j cos(2πjr)/(π²j²), E[r(1 − r)] = 1/6 within |φ_X(2π/Δt)|/6
  (φ_X the characteristic function of X; Σ 1/(π²j²) = 1/6).
* Tanks are integrated exactly for an inflow held over a step; plug flow is the exact step
  average of the delayed inflow. So a single link's step masses are exact.
* Round-off: every step does O(10) floating operations per link on amounts ≤ the dose, whose
  rounding errors are of either sign. Balances are held to n·L·ε·dose (n steps, L links,
  ε = 2.2e-16: one unit round-off per link and step, a random walk of O(10 √n L) roundings
  stays far below it; e.g. 6000 steps of the whole body: bound 7e-9 MBq of 100 MBq, measured
  ~1e-12). Single-link curves, where errors pass through a tank state or a segment queue,
  are held to 64ε of their scale per step.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import gammainc

from pkdose.errors import InputDataError, UnitError, UnknownNameError
from pkdose.flow import (
    FixedHeadNode,
    Junction,
    Pipe,
    VascularNetwork,
    arterial_input_kernel,
    perfusion,
    solve_flow,
    whole_body_network,
)
from pkdose.flow.coupling import M3S_TO_L_H, link_volumes_l
from pkdose.flow.transit import (
    PLUG_FLOW,
    Dispersion,
    indicator_dilution,
    simulate_transit,
)
from pkdose.model import Bolus, Infusion

EPS = 2.220446049250313e-16
DOSE = 100.0  # MBq
CENTRAL = ("right_heart", "lungs", "left_heart")


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def series_net(*extra: Pipe, junctions: tuple[str, ...] = ("j",)) -> VascularNetwork:
    """A (reservoir) ─a→ j ─b→ B (reservoir), plus extra pipes."""
    pipes = (Pipe("a", "A", "j", 50.0, 0.2, 120.0), Pipe("b", "j", "B", 200.0, 0.15, 120.0),
             *extra)
    return VascularNetwork("series", tuple(Junction(n, 0.0) for n in junctions),
                           (FixedHeadNode("A", 20.0), FixedHeadNode("B", 0.0)), pipes=pipes)


def parallel_net() -> VascularNetwork:
    """A ─a→ j1, two branches j1 ─b1→ j2 and j1 ─b2→ j2 (different), j2 ─c→ B."""
    pipes = (Pipe("a", "A", "j1", 50.0, 0.3, 120.0), Pipe("b1", "j1", "j2", 300.0, 0.2, 120.0),
             Pipe("b2", "j1", "j2", 150.0, 0.12, 120.0), Pipe("c", "j2", "B", 80.0, 0.3, 120.0))
    return VascularNetwork("parallel", (Junction("j1", 0.0), Junction("j2", 0.0)),
                           (FixedHeadNode("A", 30.0), FixedHeadNode("B", 0.0)), pipes=pipes)


def q_v(sol, link):  # noqa: ANN001, ANN202
    return abs(float(sol.flow_m3s[link])) * M3S_TO_L_H, link_volumes_l(sol)[link]


def gamma_pulse_masses(n: int, tau: float, dt: float, steps: int) -> np.ndarray:
    """Exact fraction leaving n tanks (residence τ each) per step, for a pulse over [0, Δt).

    CDF of U + Γ(n, τ): G(t) = [I(t) − I(t − Δt)]/Δt, I(s) = ∫₀ˢ P(n, x/τ) dx
    = s P(n, s/τ) − nτ P(n + 1, s/τ) (s > 0).
    """
    def I(s: np.ndarray) -> np.ndarray:  # noqa: E743
        s = np.maximum(s, 0.0)
        return s * gammainc(n, s / tau) - n * tau * gammainc(n + 1, s / tau)

    edges = np.arange(steps + 1) * dt
    G = (I(edges) - I(edges - dt)) / dt
    return np.diff(G)


def binned_moments(c: pd.Series) -> tuple[float, float]:
    t = np.asarray(c.index, dtype=float)
    w = c.to_numpy() / c.sum()
    mean = float(w @ t)
    return mean, float(w @ (t - mean) ** 2)


@pytest.fixture(scope="module")
def male():  # noqa: ANN201
    return solve_flow(whole_body_network("male"), head_tol=1e-9)


def central_13_tanks() -> dict[str, Dispersion]:
    """Right heart 3, lungs 7, left heart 3 tanks: 13 equal tanks of 1.5 % of the blood each
    (the links hold 4.5, 10.5 and 4.5 % at one flow), i.e. an exact gamma variate."""
    return {"right_heart": Dispersion(3), "lungs": Dispersion(7), "left_heart": Dispersion(3)}


def whole_body_dispersion(sol, central, other) -> dict[str, Dispersion]:  # noqa: ANN001
    d = {p.name: other for p in sol.network.pipes}
    d.update(central)
    return d


# ---------------------------------------------------------------------------------------------
# (a) one pipe: plug flow and tanks in series
# ---------------------------------------------------------------------------------------------

def test_plug_flow_delay_is_exactly_v_over_q() -> None:
    sol = solve_flow(series_net(), tol=1e-12)
    q, v = q_v(sol, "b")
    dt = v / q / 40                       # 40 segments of volume Q Δt fill the pipe
    r = simulate_transit(sol, Bolus(DOSE, into="j"), duration=60 * dt, time_step=dt,
                         dispersion=PLUG_FLOW)
    y = r.concentration("b").to_numpy()
    expected = np.zeros_like(y)
    expected[40] = DOSE / (q * dt)        # the pulse of step 0, 40 steps later, undispersed
    np.testing.assert_allclose(y, expected, rtol=0, atol=64 * EPS * expected[40])
    # everything left through reservoir B; the balance closes
    assert r.balance_mbq["outflow"].iloc[-1] == pytest.approx(DOSE, rel=64 * EPS)
    assert abs(r.balance_residual_mbq).max() <= 60 * 2 * EPS * DOSE      # n·L·ε·dose


def test_plug_flow_fractional_delay_splits_and_keeps_the_mean() -> None:
    sol = solve_flow(series_net(), tol=1e-12)
    q, v = q_v(sol, "b")
    dt = v / q / 40.3                     # s = 40.3 segments: 0.7 leaves in step 40, 0.3 in 41
    r = simulate_transit(sol, Bolus(DOSE, into="j"), duration=60 * dt, time_step=dt)
    y = r.concentration("b").to_numpy() * q * dt / DOSE
    assert y[40] == pytest.approx(0.7, abs=1e-12)    # s is computed to ~1e-14 relative
    assert y[41] == pytest.approx(0.3, abs=1e-12)
    assert np.abs(np.delete(y, [40, 41])).max() == 0.0
    mean, var = binned_moments(r.concentration("b"))
    assert mean - dt / 2 == pytest.approx(v / q, rel=1e-12)      # exact first moment
    assert var == pytest.approx(0.3 * 0.7 * dt**2, rel=1e-9)      # r(1 − r) Δt², r = 0.3


def test_tanks_in_series_give_the_gamma_distribution() -> None:
    sol = solve_flow(series_net(), tol=1e-12)
    q, v = q_v(sol, "b")
    n, T = 4, v / q
    tau = T / n
    dt = tau / 10
    steps = int(50 * tau / dt)            # gamma(4) survival at 50τ: e^-50 50³/6 ≈ 4e-18
    r = simulate_transit(sol, Bolus(DOSE, into="j"), duration=steps * dt, time_step=dt,
                         dispersion={"b": Dispersion(n)})
    out = r.concentration("b").to_numpy() * q * dt / DOSE    # fraction leaving per step
    exact = gamma_pulse_masses(n, tau, dt, steps)
    # each step is the exact step integral. Round-off: the solver's closed forms, ≤ 64ε of
    # the peak per step accumulated over the steps through the tank state; the reference's,
    # from differences of I(s) ≈ s ≤ steps·Δt divided by Δt: ≤ 2·steps·ε per G, two G each
    tol = steps * 64 * EPS * exact.max() + 4 * steps * EPS
    np.testing.assert_allclose(out, exact, rtol=0, atol=tol)
    mean, var = binned_moments(r.concentration("b"))
    # mean: exact, nτ + Δt/2 (module docstring); variance: nτ² + Δt²/6 within
    # Δt² |φ(2π/Δt)|/6, |φ(ω)| = (1 + ω²τ²)^(−n/2) = (1 + (20π)²)^(−2) ≈ 6.4e-8
    assert mean == pytest.approx(n * tau + dt / 2, rel=1e-12)
    phi = (1 + (2 * math.pi * tau / dt) ** 2) ** (-n / 2)
    assert abs(var - (n * tau**2 + dt**2 / 6)) <= dt**2 * phi / 6 + 1e-12 * n * tau**2
    # and the same moments as the continuous tanks-in-series model, mean T, variance T²/n
    assert mean - dt / 2 == pytest.approx(T, rel=1e-12)
    assert var - dt**2 / 6 == pytest.approx(T**2 / n, rel=1e-6)


@given(frac=st.floats(0.0, 0.95), n=st.integers(0, 6), cells=st.floats(0.3, 30.0))
def test_first_moment_is_exact_for_any_step_and_dispersion(frac: float, n: int,
                                                           cells: float) -> None:
    # plug part (1 − φ)V then n tanks, any Δt (including Δt > V/Q: cells < 1 is the number
    # of steps the link holds): the binned mean is V/Q + Δt/2 to round-off
    sol = solve_flow(series_net(), tol=1e-12)
    q, v = q_v(sol, "b")
    dt = v / q / cells
    disp = Dispersion(n, 1.0 - frac) if n else PLUG_FLOW
    spread = (1.0 - frac) / math.sqrt(n) if n else 0.0
    # run until the survival of the slowest part is negligible: ≥ 60 tank residences
    steps = int(math.ceil((v / q) * (1 + 60 * spread * max(1, n) ** 0.5) / dt)) + 3
    r = simulate_transit(sol, Bolus(DOSE, into="j"), duration=steps * dt, time_step=dt,
                         dispersion={"b": disp})
    mean, _ = binned_moments(r.concentration("b"))
    assert mean - dt / 2 == pytest.approx(v / q, rel=1e-10)
    assert r.balance_mbq["outflow"].iloc[-1] + r.balance_mbq["in_network"].iloc[-1] == \
        pytest.approx(DOSE, rel=steps * 64 * EPS)


# ---------------------------------------------------------------------------------------------
# (b) two parallel branches: the flow-weighted mixture
# ---------------------------------------------------------------------------------------------

def test_parallel_branches_mix_flow_weighted() -> None:
    sol = solve_flow(parallel_net(), tol=1e-12)
    (q1, v1), (q2, v2) = q_v(sol, "b1"), q_v(sol, "b2")
    assert q1 != pytest.approx(q2, rel=0.05)           # really different branches
    dt = min(v1 / q1, v2 / q2) / 30.0
    n, tau = 4, v2 / q2 / 4
    steps = int(math.ceil(max(v1 / q1, 50 * tau) / dt)) + 5
    r = simulate_transit(sol, Bolus(DOSE, into="j1"), duration=steps * dt, time_step=dt,
                         dispersion={"b2": Dispersion(n)})
    # branch 1, plug flow: the pulse of step 0 delayed by s = V1/(Q1 Δt) = m + f
    s = v1 / q1 / dt
    m, f = int(s), s - int(s)
    y1 = np.zeros(steps)
    y1[m], y1[m + 1] = 1.0 - f, f
    # branch 2: the exact gamma step masses
    y2 = gamma_pulse_masses(n, tau, dt, steps)
    # a fraction Q_i/(Q1 + Q2) of the dose goes down branch i, then both mix at j2:
    # C_j2 = Σ_i (Q_i/Q) dose y_i / (Q_i Δt) · Q_i / Q ... = dose (y1 + y2)/(Q Δt) with
    # Q = Q1 + Q2
    qt = q1 + q2
    expected = DOSE * (q1 / qt * y1 + q2 / qt * y2) / (qt * dt)
    c_j2 = r.concentration("j2").to_numpy()
    # round-off as in test_tanks_in_series_give_the_gamma_distribution (reference: 4·steps·ε
    # of the fraction, times dose/(Q Δt))
    tol = steps * 64 * EPS * expected.max() + 4 * steps * EPS * DOSE / (qt * dt)
    np.testing.assert_allclose(c_j2, expected, rtol=0, atol=tol)
    # and it is the flow-weighted mean of the branch outflows (node mixing)
    mix = (q1 * r.concentration("b1") + q2 * r.concentration("b2")) / qt
    np.testing.assert_allclose(c_j2, mix.to_numpy(), rtol=1e-13, atol=0)
    # Stewart-Hamilton at j2: dose / ∫C dt = Q1 + Q2 (tail after 50τ ≈ 4e-18 of the dose)
    assert DOSE / r.area_mbq_h_l("j2") == pytest.approx(qt, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# (c) Stewart-Hamilton on the whole-body circulation
# ---------------------------------------------------------------------------------------------

def test_stewart_hamilton_first_pass_without_recirculation(male) -> None:  # noqa: ANN001
    co = float(male.flow_m3s["left_ventricle"]) * M3S_TO_L_H
    disp = whole_body_dispersion(male, central_13_tanks(), Dispersion(2, 0.5))
    r = simulate_transit(male, Bolus(DOSE, into="right_atrium"), duration="1 min",
                         dispersion=disp, absorbing_nodes=["vena_cava"])
    ida = indicator_dilution(r.concentration("aorta"), DOSE)
    # exact identity: what passed the aorta (CO ∫C dt) + what is still upstream of it = dose
    upstream = float(r.link_amount_mbq[list(CENTRAL)].iloc[-1].sum())
    assert co * r.area_mbq_h_l("aorta") + upstream == pytest.approx(DOSE, rel=1e-12)
    # upstream after 1 min: gamma(13, 0.73 s) survival at 60 s, < 1e-20: CO to round-off
    # (the trapezoid of indicator_dilution equals Σ C Δt here: the curve is 0 at both ends)
    assert ida.flow_l_h == pytest.approx(co, rel=1e-9)
    assert r.cardiac_output_l_h == pytest.approx(co, rel=1e-15)


def test_stewart_hamilton_gamma_variate_extrapolation_with_recirculation(
        male) -> None:  # noqa: ANN001
    co = float(male.flow_m3s["left_ventricle"]) * M3S_TO_L_H
    disp = whole_body_dispersion(male, central_13_tanks(), Dispersion(2, 0.5))
    full = simulate_transit(male, Bolus(DOSE, into="right_atrium"), duration="1 min",
                            dispersion=disp)
    first = simulate_transit(male, Bolus(DOSE, into="right_atrium"), duration="1 min",
                             dispersion=disp, absorbing_nodes=["vena_cava"])
    c = full.concentration("aorta")
    recirc = c - first.concentration("aorta")
    # recirculation is there and large: the plain area is far off
    assert indicator_dilution(c, DOSE).flow_l_h < 0.7 * co
    g = indicator_dilution(c, DOSE, method="gamma_variate", injection_time_h=full.time_step_h / 2)
    # the fit window ends before recirculation reaches 0.1 % of the peak, and the first pass
    # is an exact gamma variate (13 equal tanks, α = 12, β = 1.5 % × 5.3 L / 390 L/h): the fit
    # then differs from the data only by step averaging, C̄ − C(t_mid) = C''Δt²/24, relative
    # (Δt/β)²/24·O(α) ≈ 1e-3 pointwise and much less in the area; 1 % is the criterion
    first_recirc_h = float(recirc.index[np.argmax(recirc.to_numpy() > 1e-3 * c.max())])
    assert g.cutoff_h < first_recirc_h
    assert g.fit["alpha"] == pytest.approx(12.0, rel=0.02)
    assert g.fit["beta_h"] == pytest.approx(0.015 * 5.3 / 390.0, rel=0.02)
    assert g.flow_l_h == pytest.approx(co, rel=0.01)
    # the bolus enters over [0, Δt): its mean time is Δt/2
    assert g.mean_transit_time_h == pytest.approx(0.195 * 5.3 / 390.0, rel=0.01)


def test_stewart_hamilton_exponential_downslope_with_recirculation(male) -> None:  # noqa: ANN001
    # Newman et al. (1951): a first pass ending in one well-mixed chamber (here the left
    # heart; right heart and lungs plug flow) has an exponential down-slope once the pulse has
    # entered it; its step averages are exactly geometric, so the fit finds k = Q/V_lh to
    # round-off and the only error is trapezoid-vs-step-average at the cut-off:
    # ΔA/A = −(C_c τ/A)(Δt/τ)²/12 with C_c τ/A ≤ 1, i.e. |error| ≤ (Δt/τ)²/12 ≈ 1.7e-4.
    co = float(male.flow_m3s["left_ventricle"]) * M3S_TO_L_H
    central = {"right_heart": PLUG_FLOW, "lungs": PLUG_FLOW, "left_heart": Dispersion(1)}
    disp = whole_body_dispersion(male, central, Dispersion(1))   # organs well mixed
    r = simulate_transit(male, Bolus(DOSE, into="right_atrium"), duration="1 min",
                         dispersion=disp)
    e = indicator_dilution(r.concentration("aorta"), DOSE, method="exponential")
    tau_h = 0.045 * 5.3 / co
    assert e.fit["k_per_h"] == pytest.approx(1.0 / tau_h, rel=1e-9)
    h = r.time_step_h / tau_h
    assert abs(e.flow_l_h / co - 1.0) <= h**2 / 12
    assert indicator_dilution(r.concentration("aorta"), DOSE).flow_l_h < 0.7 * co


# ---------------------------------------------------------------------------------------------
# (d) complete mixing, (e) mass balance
# ---------------------------------------------------------------------------------------------

def test_recirculation_tends_to_dose_over_blood_volume(male) -> None:  # noqa: ANN001
    r = simulate_transit(male, Bolus(DOSE, into="venae_cavae"), duration="10 min",
                         time_step="0.2 s", dispersion=Dispersion(3, 0.5))
    v_total = r.total_volume_l
    assert v_total == pytest.approx(5.3, rel=1e-12)                # ICRP 89 male
    c_eq = DOSE / v_total
    # exact: nothing is lost, so the blood holds the dose (round-off bound of the module doc)
    n, n_links = len(r.midpoints_h), len(r.link_flow_l_h)
    assert r.balance_mbq["in_network"].iloc[-1] == pytest.approx(DOSE, rel=n * n_links * EPS)
    # mixing: the spread of the node concentrations shrinks by at least a factor of 10 every
    # 2.5 min (one deviation decays as e^(−t/τ_mix); the spread of circulation times between
    # the organ loops, 20 s to 70 s, each dispersed by σ/T = 0.29, gives τ_mix well under a
    # minute), so after 10 min it is below 1e-4 of C_eq from an O(1) start
    nc = r.node_concentration_mbq_l
    dev = [float((nc.iloc[int(i)] - c_eq).abs().max() / c_eq)
           for i in np.searchsorted(nc.index, np.array([2.5, 5.0, 7.5, 10.0]) / 60) - 1]
    assert all(b < a / 10 for a, b in zip(dev, dev[1:]))
    assert dev[-1] < 1e-4


def test_decay_is_exact_for_the_tracer_in_the_network(male) -> None:  # noqa: ANN001
    lam = math.log(2) / (109.77 / 60)      # F-18, 109.77 min
    r = simulate_transit(male, Bolus(DOSE, into="right_atrium"), duration="2 min",
                         decay_per_h=lam)
    b = r.balance_mbq
    t = r.times_h[1:]
    # Strang splitting: half a step of decay before and after transport, so the bolus (mean
    # time Δt/2) decays by exactly e^(−λ(t − Δt/2)) while nothing leaves the closed circuit
    np.testing.assert_allclose(b["in_network"].to_numpy()[1:],
                               DOSE * np.exp(-lam * (t - r.time_step_h / 2)),
                               rtol=len(t) * len(r.link_flow_l_h) * EPS)
    assert b["decayed"].iloc[-1] == pytest.approx(DOSE - b["in_network"].iloc[-1], rel=1e-9)


def test_mass_balance_with_every_loss(male) -> None:  # noqa: ANN001
    doses = [Bolus(DOSE, into="right_atrium"), Bolus(30.0, into="link:kidneys_artery", at=5 / 3600),
             Infusion(50.0, into="vena_cava", duration=40 / 3600, at=2 / 3600)]
    r = simulate_transit(male, doses, duration="3 min", decay_per_h=2.0,
                         dispersion=Dispersion(2, 0.6),
                         extraction={"kidneys": 0.2, "liver": 0.5},
                         absorbing_nodes=["portal_confluence"])
    b = r.balance_mbq.iloc[-1]
    assert b["injected"] == pytest.approx(180.0, rel=1e-14)
    assert min(b["extracted"], b["absorbed"], b["decayed"]) > 1.0   # every loss at work
    n, n_links = len(r.midpoints_h), len(r.link_flow_l_h)
    assert float(r.balance_residual_mbq.abs().max()) <= n * n_links * EPS * 180.0
    # link amounts add up to the network total
    assert float(r.link_amount_mbq.iloc[-1].sum()) == pytest.approx(b["in_network"],
                                                                    rel=1e-12)


def test_open_network_infusion_reaches_steady_state() -> None:
    # an infusion into A's outflow: at steady state the outlet carries rate/Q, and the pipes
    # hold rate/Q × their volume
    sol = solve_flow(series_net(), tol=1e-12)
    qa, va = q_v(sol, "a")
    qb, vb = q_v(sol, "b")
    rate = 10.0                              # MBq/h
    T = va / qa + vb / qb
    dur = 12 * T
    r = simulate_transit(sol, Infusion(rate * dur, into="A", duration=dur), duration=dur,
                         time_step=T / 100, dispersion=Dispersion(2, 0.5))
    # not yet reached: the survival of the two tank pairs (τ ≤ T/4) after ≥ 11.5 T = 46 τ,
    # e^(−46)(1 + 46) ≈ 5e-19 of the step response; round-off 64ε per step over 1200 steps
    c_ss = rate / qa
    assert float(r.concentration("b").iloc[-1]) == pytest.approx(c_ss, rel=1200 * 64 * EPS)
    assert float(r.link_amount_mbq["b"].iloc[-1]) == pytest.approx(c_ss * vb,
                                                                   rel=1200 * 64 * EPS)


# ---------------------------------------------------------------------------------------------
# (f) the first pass against ArterialInputKernel
# ---------------------------------------------------------------------------------------------

def test_first_pass_matches_arterial_input_kernel_moments(male) -> None:  # noqa: ANN001
    kernel = arterial_input_kernel(perfusion(male), n_tanks=13)
    disp = whole_body_dispersion(male, central_13_tanks(), PLUG_FLOW)
    r = simulate_transit(male, Bolus(DOSE, into="right_atrium"), duration="1 min",
                         dispersion=disp, absorbing_nodes=["vena_cava"])
    mean, var = binned_moments(r.concentration("aorta"))
    dt = r.time_step_h
    T = kernel.mean_transit_time_h
    assert mean - dt / 2 == pytest.approx(T, rel=1e-12)         # exact first moment
    # variance: the kernel's T²/n plus one binning term in [0, Δt²/4] per link with volume
    # on the path (right heart, lungs, left heart)
    excess = var - T**2 / kernel.n_tanks
    assert -1e-12 * T**2 <= excess <= 3 * dt**2 / 4
    # Stewart-Hamilton agrees with the kernel's (Q ∫C dt = dose)
    assert DOSE / r.area_mbq_h_l("aorta") == pytest.approx(kernel.cardiac_output_l_h,
                                                           rel=1e-9)


# ---------------------------------------------------------------------------------------------
# errors and small API facts
# ---------------------------------------------------------------------------------------------

def test_unknown_names_are_errors(male) -> None:  # noqa: ANN001
    b = Bolus(DOSE, into="right_atrium")
    with pytest.raises(UnknownNameError, match="right_atrum") as ei:
        simulate_transit(male, Bolus(DOSE, into="right_atrum"), duration="1 s")
    assert "right_atrium" in ei.value.suggestions
    with pytest.raises(UnknownNameError):
        simulate_transit(male, b, duration="1 s", dispersion={"lung": Dispersion(2)})
    with pytest.raises(UnknownNameError):
        simulate_transit(male, b, duration="1 s", extraction={"kidney": 0.1})
    with pytest.raises(UnknownNameError):
        simulate_transit(male, b, duration="1 s", absorbing_nodes=["venacava"])
    with pytest.raises(UnknownNameError):
        simulate_transit(male, b, duration="1 s", record=["aortaa"])
    with pytest.raises(UnknownNameError):
        simulate_transit(male, Bolus(DOSE, into="node:kidneys"), duration="1 s")
    r = simulate_transit(male, b, duration="1 s", record=["aorta", "lungs"])
    assert list(r.node_concentration_mbq_l.columns) == ["aorta"]
    with pytest.raises(UnknownNameError):
        r.concentration("kidneys")


def test_bad_inputs_are_reported_together(male) -> None:  # noqa: ANN001
    b = Bolus(DOSE, into="right_atrium")
    for step in (0.0, -1.0, "0 s", float("nan")):
        with pytest.raises(InputDataError) as ei:
            simulate_transit(male, b, duration="1 s", time_step=step)
        assert ei.value.field == "time_step"
    with pytest.raises(UnitError):
        simulate_transit(male, b, duration="1 s", time_step="0.1 L")
    with pytest.raises(InputDataError) as ei:
        simulate_transit(male, Bolus(DOSE, into="right_atrium", nuclide="Lu-177"),
                         duration=0.0, decay_per_h=-1.0,
                         extraction={"kidneys": 1.5},
                         dispersion={"left_ventricle": Dispersion(2)})
    assert ei.value.field == "duration"
    with pytest.raises(InputDataError) as ei:
        simulate_transit(male, Bolus(DOSE, into="right_atrium", nuclide="Lu-177"),
                         duration="1 s", decay_per_h=-1.0, extraction={"kidneys": 1.5},
                         dispersion={"left_ventricle": Dispersion(2)})
    fields = {v.field for v in ei.value.violations}
    assert fields == {"decay_per_h", "extraction['kidneys']", "dispersion['left_ventricle']",
                      "injections[0].nuclide"}
    with pytest.raises(InputDataError):
        simulate_transit(male, [b, "10 MBq"], duration="1 s")  # type: ignore[list-item]
    # a dose after the end of the run would inject nothing: refused, not silently skipped
    late = Bolus(DOSE, into="right_atrium", at="2 min")
    with pytest.raises(InputDataError) as ei:
        simulate_transit(male, [b, late], duration="1 min")
    assert ei.value.field == "injections[1].at" and "end of the run" in str(ei.value)
    for bad in ((-1, 1.0), (2, 0.0), (2, 1.5), (1.5, 1.0), (True, 1.0)):
        with pytest.raises(InputDataError):
            Dispersion(*bad)  # type: ignore[arg-type]
    with pytest.raises(InputDataError):
        Dispersion.from_relative_spread(1.2)
    with pytest.raises(InputDataError):
        Dispersion.from_dispersion_number(-0.1)


def test_ambiguous_name_and_no_flow_targets() -> None:
    # node "b" and pipe "b" share a name; a dead-end junction carries no flow
    net = VascularNetwork("amb", (Junction("j", 0.0), Junction("b", 0.0), Junction("dead", 0.0)),
                          (FixedHeadNode("A", 20.0), FixedHeadNode("B", 0.0)),
                          pipes=(Pipe("a", "A", "j", 50.0, 0.2, 120.0),
                                 Pipe("b", "j", "B", 200.0, 0.15, 120.0),
                                 Pipe("x", "j", "b", 10.0, 0.1, 120.0),
                                 Pipe("y", "b", "dead", 10.0, 0.1, 120.0)))
    sol = solve_flow(net, tol=1e-12)
    with pytest.raises(InputDataError, match="node:b"):
        simulate_transit(sol, Bolus(DOSE, into="b"), duration="1 s")
    with pytest.raises(InputDataError) as ei:
        simulate_transit(sol, Bolus(DOSE, into="node:dead"), duration="1 s")
    assert ei.value.expected == "a node that carries flow"
    with pytest.raises(InputDataError) as ei:
        simulate_transit(sol, Bolus(DOSE, into="link:y"), duration="1 s")
    assert ei.value.expected == "a link that carries flow"
    r = simulate_transit(sol, Bolus(DOSE, into="link:b"), duration="1 s")
    # the 200 m pipe holds it all after 1 s (its transit time is minutes); node b saw none
    assert float(r.link_amount_mbq["b"].iloc[-1]) == pytest.approx(DOSE, rel=1e-13)
    assert r.concentration("node:b").sum() == 0


def test_dispersion_models() -> None:
    d = Dispersion.from_relative_spread(0.3)
    assert d.n_tanks == 11 and d.relative_spread == pytest.approx(0.3, rel=1e-14)
    # Levenspiel ch. 13, closed vessel: σ²/t̄² = 2d − 2d²(1 − e^(−1/d)); d = 0.1: 0.18
    d01 = Dispersion.from_dispersion_number(0.1)
    assert d01.relative_spread**2 == pytest.approx(0.2 - 0.02 * (1 - math.exp(-10)), rel=1e-12)
    assert Dispersion.from_dispersion_number(0.0) == PLUG_FLOW


def test_indicator_dilution_errors() -> None:
    c = pd.Series([0.0, 1.0, 0.5, 0.0], index=[0.0, 1.0, 2.0, 3.0])
    with pytest.raises(InputDataError):
        indicator_dilution(c, 0.0)
    with pytest.raises(InputDataError):
        indicator_dilution(c, 1.0, method="simpson")  # type: ignore[arg-type]
    with pytest.raises(InputDataError):
        indicator_dilution(c, 1.0, downslope=(0.3, 0.7))
    with pytest.raises(InputDataError):
        indicator_dilution(c, 1.0, method="exponential")       # too few points to fit
    assert indicator_dilution(c, 1.0).flow_l_h == pytest.approx(1.0 / 1.5, rel=1e-15)
