"""Blood rheology: the viscosity laws of Pries et al., phase separation, and the network iteration.

Sources of the expected numbers, and what each check can catch:

* Hand calculations of the published formulas (Pries et al. 1992, 1994; Pries & Secomb 2005),
  written out step by step below with intermediate values to 6 significant digits; the
  tolerance (1e-5 relative) is the rounding of those intermediates. A wrong transcribed
  constant changes these values by far more.
* The one number checked against a paper's own text: the abstract of Pries et al. (1994),
  Circ Res 75:904, "flow resistance in 10-µm microvessels at normal hematocrit is found to
  exceed that of a corresponding glass tube by a factor of ≈4" (one significant digit, so
  the ratio must round to 4).
* Limits stated by the form of the laws (H_D = 0.45 gives η₀.₄₅; H_D = 0 gives plasma; the
  bulk value 3.2 in wide tubes; FQ_E(0) = 0, FQ_E(1) = 1) and the in-vitro minimum near 7 µm.
* Network results against Poiseuille's law solved by hand and against red-cell mass balance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pkdose.errors import ConvergenceError, InputDataError, SolverError, UnknownNameError
from pkdose.flow import (
    VISCOSITY_LAWS,
    FixedHeadNode,
    Junction,
    Pipe,
    Pump,
    PumpCurve,
    VascularNetwork,
    erythrocyte_flux_fraction,
    phase_separation_parameters,
    relative_viscosity,
    relative_viscosity_vitro,
    relative_viscosity_vivo,
    relative_viscosity_vivo_esl,
    solve_blood_flow,
    solve_flow,
    surface_layer,
)
from pkdose.flow.rheology import eta45_vitro, eta45_vivo, haematocrit_exponent
from pkdose.flow.vessels import HEAD_DENSITY_KG_M3, pressure_to_head_m
from pkdose.flow.synthetic import blood_viscosities, vascular_network

MU_P = 1.2e-3  # plasma viscosity for the network tests [Pa s]; the laws are relative


# ---------------------------------------------------------------------------------------------
# Viscosity laws: hand calculations
# ---------------------------------------------------------------------------------------------

def test_eta45_in_vitro_by_hand() -> None:
    # η₀.₄₅ = 220 e^(−1.3 D) + 3.2 − 2.44 e^(−0.06 D^0.645)   (Pries et al. 1992)
    # D = 7 µm:  220 e^(−9.1) = 0.0245665;  7^0.645 = 3.508231;  e^(−0.210494) = 0.810184
    #            η = 0.0245665 + 3.2 − 2.44 × 0.810184 = 0.0245665 + 3.2 − 1.976849 = 1.247717
    # D = 10 µm: 220 e^(−13) = 0.000497272;  10^0.645 = 4.415704;  e^(−0.264942) = 0.767250
    #            η = 0.000497272 + 3.2 − 1.872091 = 1.328407
    assert eta45_vitro(7.0) == pytest.approx(1.247717, rel=1e-5)
    assert eta45_vitro(10.0) == pytest.approx(1.328407, rel=1e-5)
    # at H_D = 0.45 the haematocrit factor is 1 by construction: η_rel = η₀.₄₅
    d = np.array([3.0, 7.0, 10.0, 50.0, 500.0])
    np.testing.assert_allclose(relative_viscosity_vitro(d, 0.45), eta45_vitro(d), rtol=1e-13)


def test_in_vivo_1994_by_hand() -> None:
    # η₀.₄₅(vivo) = 6 e^(−0.085 D) + 3.2 − 2.44 e^(−0.06 D^0.645)   (Pries et al. 1994)
    # D = 10 µm: 6 e^(−0.85) = 2.564490;  2.44 e^(−0.264942) = 1.872091
    #            η₀.₄₅ = 2.564490 + 3.2 − 1.872091 = 3.892399
    # w = (D/(D − 1.1))² = (10/8.9)² = 1.262467
    # at H_D = 0.45: η_vivo = (1 + (η₀.₄₅ − 1) w) w = (1 + 2.892399 × 1.262467) × 1.262467
    #                       = 4.651558 × 1.262467 = 5.872437
    assert eta45_vivo(10.0) == pytest.approx(3.892399, rel=1e-5)
    assert relative_viscosity_vivo(10.0, 0.45) == pytest.approx(5.872437, rel=1e-5)
    # at H_D = 0 only the wall term remains: η = (D/(D − 1.1))²
    for d in (5.0, 10.0, 40.0):
        assert relative_viscosity_vivo(d, 0.0) == pytest.approx((d / (d - 1.1)) ** 2, rel=1e-13)


def test_haematocrit_exponent_by_hand() -> None:
    # C = (0.8 + e^(−0.075 D))(−1 + s) + s with s = 1/(1 + 1e-11 D^12)
    # D = 10 µm: s = 1/(1 + 10) = 0.0909091;  e^(−0.75) = 0.472367
    #            C = 1.272367 × (−0.909091) + 0.0909091 = −1.065788
    assert haematocrit_exponent(10.0) == pytest.approx(-1.065788, rel=1e-5)


def test_surface_layer_law_by_hand() -> None:
    # Pries & Secomb (2005) at D = 10 µm, H_D = 0.45 (D_off < D ≤ D_crit):
    # W_as   = (10 − 2.4)/(10 + 100 − 4.8) × 2.6 = 7.6/105.2 × 2.6 = 0.187833 µm
    # W_peak = 1.1 × (10 − 2.4)/(10.5 − 2.4) = 1.1 × 7.6/8.1 = 1.032099 µm
    # W_ph   = 0.187833 + 0.6 × 1.032099 = 0.807092;  D_ph = 10 − 1.614184 = 8.385816 µm
    # W_eff  = 0.187833 + 1.032099 × (1 + 0.45 × 1.18) = 0.187833 + 1.580143 = 1.767976
    # D_eff  = 10 − 3.535952 = 6.464048 µm;  (D/D_eff)⁴ = 5.727718
    # η_vitro(8.385816, 0.45) = η₀.₄₅ = 220 e^(−10.901561) + 3.2 − 2.44 e^(−0.06 × 3.941729)
    #                         = 0.00405448 + 3.2 − 2.44 × 0.789383 = 1.277960
    # η_vivo = 1.277960 × 5.727718 = 7.319796
    layer = surface_layer(10.0, 0.45)
    assert layer.w_as_um == pytest.approx(0.187833, rel=1e-5)
    assert layer.w_peak_um == pytest.approx(1.032099, rel=1e-5)
    assert layer.d_ph_um == pytest.approx(8.385816, rel=1e-6)
    assert layer.d_eff_um == pytest.approx(6.464048, rel=1e-6)
    assert relative_viscosity_vivo_esl(10.0, 0.45) == pytest.approx(7.319796, rel=1e-5)
    # above D_crit, D = 20 µm, H_D = 0.3:
    # W_as = 17.6/115.2 × 2.6 = 0.397222;  W_peak = 1.1 e^(−0.03 × 9.5) = 1.1 × 0.752014 = 0.827216
    # W_eff = 0.397222 + 0.827216 × (1 + 0.3 × 1.18) = 0.397222 + 1.120050 = 1.517272
    # D_eff = 20 − 3.034545 = 16.965455 µm
    layer = surface_layer(20.0, 0.3)
    assert layer.w_peak_um == pytest.approx(0.827216, rel=1e-5)
    assert layer.d_eff_um == pytest.approx(16.965455, rel=1e-6)


# ---------------------------------------------------------------------------------------------
# Viscosity laws: the published statement and the limits
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("hd", [0.40, 0.45])
def test_abstract_of_pries_1994_ten_micron_vessels_four_times_glass(hd: float) -> None:
    # "flow resistance in 10-µm microvessels at normal hematocrit is found to exceed that of a
    # corresponding glass tube by a factor of ≈4" (Circ Res 75:904, abstract). The ratio of
    # resistances at equal diameter is the ratio of apparent viscosities; one printed digit.
    ratio = float(relative_viscosity_vivo(10.0, hd)) / float(relative_viscosity_vitro(10.0, hd))
    assert round(ratio) == 4, ratio


def test_in_vivo_exceeds_glass_below_40_um_and_joins_it_in_wide_vessels() -> None:
    # Abstract of Pries et al. (1994): below ≈40 µm the in-vivo resistances "are markedly"
    # higher than in glass tubes. We read "markedly" as more than 15 % (it is 20 % at 40 µm
    # and grows as D falls); the two laws converge for wide vessels (both tend to 3.2).
    d = np.linspace(4.0, 40.0, 73)
    ratio = np.asarray(relative_viscosity_vivo(d, 0.45)) / np.asarray(
        relative_viscosity_vitro(d, 0.45))
    assert np.all(ratio > 1.15)
    wide = relative_viscosity_vivo(1000.0, 0.45) / relative_viscosity_vitro(1000.0, 0.45)
    assert wide == pytest.approx(1.0, abs=5e-3)


@pytest.mark.parametrize("law", VISCOSITY_LAWS)
def test_wide_vessels_tend_to_the_bulk_value(law: str) -> None:
    # Every law contains the same bulk term: η₀.₄₅ → 3.2 as D → ∞ (e^(−1.3 D), e^(−0.085 D) and
    # e^(−0.06 D^0.645) vanish; wall terms (D/(D − 1.1))² and (D/D_eff)⁴ → 1 like 1 + O(1/D)).
    prev = math.inf
    for d in (1e2, 1e3, 1e4, 1e5):
        err = abs(float(relative_viscosity(d, 0.45, law)) - 3.2)  # type: ignore[arg-type]
        assert err < prev or err < 1e-9
        prev = err
    assert prev < 1e-3


def test_in_vitro_minimum_near_seven_micrometres() -> None:
    # The in-vitro curve at H_D = 0.45 has its minimum near 7 µm (the Fåhræus-Lindqvist decrease
    # reverses when the tube becomes narrower than the cells; Pries et al. 1992 describe it,
    # the location here is not checked against the paper's text but against the law's shape).
    d = np.linspace(3.0, 30.0, 2701)
    eta = np.asarray(relative_viscosity_vitro(d, 0.45))
    assert 6.0 < d[np.argmin(eta)] < 8.0
    assert eta.min() == pytest.approx(1.2472, abs=5e-4)  # the hand value at 7 µm is 1.247717


@pytest.mark.parametrize("hd", [0.2, 0.45, 0.6])
def test_fahraeus_lindqvist_decrease_with_diameter(hd: float) -> None:
    # In glass tubes the apparent viscosity falls as the tube narrows from 1 mm to ~10 µm (the
    # minimum lies at 6.7-9.4 µm for H_D 0.6-0.1 by the law itself).
    d = np.geomspace(10.0, 1000.0, 400)
    eta = np.asarray(relative_viscosity_vitro(d, hd))
    assert np.all(np.diff(eta) > 0)
    assert eta[0] < 0.7 * eta[-1]  # a large effect: 35 % at H_D 0.2, 58 % at 0.45


def test_surface_layer_vanishes_below_d_off_and_is_continuous_at_d_crit() -> None:
    for d in (1.0, 2.0, 2.4):
        for hd in (0.0, 0.3, 0.6):
            assert relative_viscosity_vivo_esl(d, hd) == pytest.approx(
                relative_viscosity_vitro(d, hd), rel=1e-14)
    below, above = surface_layer(10.5 - 1e-9, 0.45), surface_layer(10.5 + 1e-9, 0.45)
    assert below.w_peak_um == pytest.approx(above.w_peak_um, abs=1e-8)
    assert below.w_peak_um == pytest.approx(1.1, abs=1e-8)  # E_amp at D_crit
    # plasma only (H_D = 0): η_vitro(D_ph, 0) = 1, so η = (D/D_eff)⁴
    layer = surface_layer(20.0, 0.0)
    assert relative_viscosity_vivo_esl(20.0, 0.0) == pytest.approx(
        (20.0 / layer.d_eff_um) ** 4, rel=1e-13)


def test_laws_refuse_values_outside_their_domain() -> None:
    with pytest.raises(UnknownNameError) as exc:
        relative_viscosity(10.0, 0.45, "vivo-1949")  # type: ignore[arg-type]
    assert "vivo-1994" in exc.value.suggestions
    with pytest.raises(InputDataError) as err:
        relative_viscosity_vivo(1.0, 0.45)  # (D/(D − 1.1))² is meaningless at D ≤ 1.1 µm
    assert err.value.field == "diameter_um"
    with pytest.raises(InputDataError) as err:
        relative_viscosity_vitro(10.0, 1.0)
    assert err.value.field == "hd"
    with pytest.raises(InputDataError):
        relative_viscosity_vivo_esl(-3.0, 0.45)


# ---------------------------------------------------------------------------------------------
# Phase separation
# ---------------------------------------------------------------------------------------------

def test_phase_separation_by_hand() -> None:
    # D_F = 10, D_α = D_β = 8 µm, H_F = 0.45, FQ_B = 0.3 (Pries & Secomb 2005 parameters):
    # X₀ = 0.964 × 0.55/10 = 0.05302;  B = 1 + 6.98 × 0.055 = 1.3839;  A = 0 (equal daughters)
    # x = (0.3 − 0.05302)/(1 − 0.10604) = 0.276276;  logit x = ln(0.276276/0.723724) = −0.963008
    # logit FQ_E = 1.3839 × (−0.963008) = −1.332707;  FQ_E = 1/(1 + e^1.332707) = 0.208712
    a, b, x0 = phase_separation_parameters(10.0, 8.0, 8.0, 0.45)
    assert (a, b, x0) == (pytest.approx(0.0, abs=1e-15), pytest.approx(1.3839),
                          pytest.approx(0.05302))
    assert erythrocyte_flux_fraction(0.3, 10.0, 8.0, 8.0, 0.45) == pytest.approx(0.208712,
                                                                                  rel=1e-5)
    # A for unequal daughters: r = (12/6)² = 4;  A = −13.29 × 3/5 × 0.055 = −0.43857
    a, _, _ = phase_separation_parameters(10.0, 12.0, 6.0, 0.45)
    assert a == pytest.approx(-0.43857, rel=1e-12)


def test_phase_separation_plasma_only_below_x0() -> None:
    # FQ_B ≤ X₀ = 0.05302: the daughter receives plasma only; FQ_B ≥ 1 − X₀: all red cells
    assert erythrocyte_flux_fraction(0.053, 10.0, 8.0, 8.0, 0.45) == 0.0
    assert erythrocyte_flux_fraction(0.947, 10.0, 8.0, 8.0, 0.45) == 1.0
    assert 0.0 < erythrocyte_flux_fraction(0.0531, 10.0, 8.0, 8.0, 0.45) < 1e-3


diam = st.floats(4.0, 100.0)
hct = st.floats(0.0, 0.7)


@given(diam, diam, diam, hct)
def test_phase_separation_end_points(df: float, da: float, db: float, h: float) -> None:
    assert erythrocyte_flux_fraction(0.0, df, da, db, h) == 0.0
    assert erythrocyte_flux_fraction(1.0, df, da, db, h) == 1.0


@given(st.floats(0.0, 1.0), diam, diam, diam, hct)
def test_phase_separation_two_daughters_share_all_red_cells(fqb: float, df: float, da: float,
                                                            db: float, h: float) -> None:
    # FQ_E(FQ_B; D_α, D_β) + FQ_E(1 − FQ_B; D_β, D_α) = 1: no red cell is lost or created
    fa = erythrocyte_flux_fraction(fqb, df, da, db, h)
    fb = erythrocyte_flux_fraction(1.0 - fqb, df, db, da, h)
    assert fa + fb == pytest.approx(1.0, abs=1e-12)


@given(diam, diam, diam, hct)
def test_phase_separation_is_monotone_and_skims_plasma(df: float, da: float, db: float,
                                                       h: float) -> None:
    fqb = np.linspace(0.0, 1.0, 201)
    fqe = np.asarray(erythrocyte_flux_fraction(fqb, df, da, db, h))
    assert np.all(np.diff(fqe) >= 0.0) and fqe.min() >= 0.0 and fqe.max() <= 1.0
    # equal daughters: the one with less flow gets proportionally fewer red cells
    fqe_eq = np.asarray(erythrocyte_flux_fraction(fqb, df, da, da, h))
    low = fqb < 0.5
    assert np.all(fqe_eq[low] <= fqb[low] + 1e-15)
    assert erythrocyte_flux_fraction(0.5, df, da, da, h) == pytest.approx(0.5, abs=1e-15)


def test_phase_separation_refuses_a_parent_too_narrow() -> None:
    with pytest.raises(InputDataError) as err:  # X₀ = 0.964 × 1/1.5 > 0.5
        erythrocyte_flux_fraction(0.5, 1.5, 1.5, 1.5, 0.0)
    assert err.value.field == "parent_diameter_um"
    with pytest.raises(InputDataError):
        erythrocyte_flux_fraction(1.2, 10.0, 8.0, 8.0, 0.45)


# ---------------------------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------------------------

def _net(junctions: tuple[Junction, ...], pressures: dict[str, float], *pipes: Pipe,
         pumps: tuple[Pump, ...] = ()) -> VascularNetwork:
    fixed = tuple(FixedHeadNode(n, pressure_to_head_m(p)) for n, p in pressures.items())
    return VascularNetwork("test", junctions, fixed, pipes=pipes, pumps=pumps, headloss="H-P",
                           viscosity_m2s=float("nan"))


def _resistance(mu: float, length: float, d: float) -> float:
    """Poiseuille resistance 128 μ L / (π D⁴) [Pa s/m³]."""
    return 128.0 * mu * length / (math.pi * d**4)


@pytest.mark.parametrize("law", VISCOSITY_LAWS)
def test_single_vessel_is_poiseuille_with_the_apparent_viscosity(law: str) -> None:
    L, d, dp = 1e-3, 12e-6, 3000.0
    net = _net((), {"A": 5000.0, "B": 5000.0 - dp}, Pipe("v", "A", "B", L, d, 0.0))
    sol = solve_blood_flow(net, inflow_hd=0.4, plasma_viscosity_pa_s=MU_P,
                           law=law)  # type: ignore[arg-type]
    mu = MU_P * float(relative_viscosity(12.0, 0.4, law))  # type: ignore[arg-type]
    assert sol.flow_m3s["v"] == pytest.approx(dp / _resistance(mu, L, d), rel=1e-9)
    assert sol.viscosity_pa_s["v"] == pytest.approx(mu, rel=1e-14)
    assert sol.discharge_haematocrit["v"] == 0.4
    assert sol.pressure_pa["A"] == pytest.approx(5000.0, rel=1e-12)


def test_symmetric_bifurcation_by_hand() -> None:
    # A → j, then two identical daughters to B and C at equal pressure. By symmetry FQ_B = 0.5
    # and A = 0, so FQ_E = 0.5 and every vessel keeps H_D = 0.45: the viscosities are known
    # before solving and the flow is q = ΔP / (R_parent + R_daughter / 2).
    pa, pb = 6000.0, 2000.0
    net = _net((Junction("j", 0.0),), {"A": pa, "B": pb, "C": pb},
               Pipe("p", "A", "j", 4e-4, 20e-6, 0.0), Pipe("b", "j", "B", 6e-4, 10e-6, 0.0),
               Pipe("c", "j", "C", 6e-4, 10e-6, 0.0))
    sol = solve_blood_flow(net, inflow_hd=0.45, plasma_viscosity_pa_s=MU_P)
    rp = _resistance(MU_P * float(relative_viscosity_vivo(20.0, 0.45)), 4e-4, 20e-6)
    rd = _resistance(MU_P * float(relative_viscosity_vivo(10.0, 0.45)), 6e-4, 10e-6)
    q = (pa - pb) / (rp + rd / 2)
    assert sol.flow_m3s["p"] == pytest.approx(q, rel=1e-9)
    assert sol.flow_m3s["b"] == pytest.approx(q / 2, rel=1e-9)
    assert sol.pressure_pa["j"] == pytest.approx(pa - q * rp, rel=1e-9)
    np.testing.assert_allclose(sol.discharge_haematocrit, 0.45, atol=1e-12)
    assert sol.iterations == 2  # nothing changes after the first solve


def test_asymmetric_bifurcation_is_a_fixed_point_of_the_laws() -> None:
    # Recompute from the returned haematocrits, independently of the solver: viscosities by
    # the law, flows by Poiseuille with the junction pressure solved by hand, and the
    # daughters' haematocrits by the bifurcation law. All must agree with the result.
    pa, pb, pc = 6000.0, 2500.0, 2000.0
    geo = {"p": (4e-4, 20e-6), "b": (6e-4, 14e-6), "c": (3e-4, 7e-6)}
    net = _net((Junction("j", 0.0),), {"A": pa, "B": pb, "C": pc},
               Pipe("p", "A", "j", *geo["p"], 0.0), Pipe("b", "j", "B", *geo["b"], 0.0),
               Pipe("c", "j", "C", *geo["c"], 0.0))
    sol = solve_blood_flow(net, inflow_hd=0.45, plasma_viscosity_pa_s=MU_P, hd_tol=1e-10,
                           flow_rtol=1e-10, max_iter=200)
    hd = sol.discharge_haematocrit
    g = {k: 1.0 / _resistance(MU_P * float(relative_viscosity_vivo(d * 1e6, hd[k])), L, d)
         for k, (L, d) in geo.items()}
    pj = (g["p"] * pa + g["b"] * pb + g["c"] * pc) / (g["p"] + g["b"] + g["c"])
    q = {"p": g["p"] * (pa - pj), "b": g["b"] * (pj - pb), "c": g["c"] * (pj - pc)}
    for k in q:
        assert sol.flow_m3s[k] == pytest.approx(q[k], rel=1e-7)
    fqe = erythrocyte_flux_fraction(q["b"] / q["p"], 20.0, 14.0, 7.0, 0.45)
    assert hd["b"] == pytest.approx(fqe * 0.45 * q["p"] / q["b"], rel=1e-7)
    assert hd["c"] < 0.45 < hd["b"]  # the narrow, low-flow daughter is skimmed
    # red cells conserved at j, to round-off
    rbc_in = sol.flow_m3s["p"] * hd["p"]
    rbc_out = sol.flow_m3s["b"] * hd["b"] + sol.flow_m3s["c"] * hd["c"]
    assert rbc_out == pytest.approx(rbc_in, rel=1e-13)


def test_plasma_only_daughter() -> None:
    # A very long narrow daughter takes less than X₀ of the flow: it receives plasma only and
    # its sibling carries every red cell (H = H_F q_F / q_α).
    net = _net((Junction("j", 0.0),), {"A": 6000.0, "B": 2000.0, "C": 2000.0},
               Pipe("p", "A", "j", 2e-4, 20e-6, 0.0), Pipe("b", "j", "B", 2e-4, 18e-6, 0.0),
               Pipe("c", "j", "C", 5e-3, 6e-6, 0.0))
    sol = solve_blood_flow(net, inflow_hd=0.3, plasma_viscosity_pa_s=MU_P)
    q, hd = sol.flow_m3s, sol.discharge_haematocrit
    x0 = 0.964 * (1 - 0.3) / 20.0
    assert q["c"] / q["p"] < x0
    assert hd["c"] == 0.0
    assert hd["b"] == pytest.approx(0.3 * q["p"] / q["b"], rel=1e-12)


def test_converging_vessels_mix_by_flow() -> None:
    # two inflows with different haematocrits join: H_out = (q1 H1 + q2 H2)/(q1 + q2)
    net = _net((Junction("j", 0.0),), {"A": 5000.0, "B": 4000.0, "C": 1000.0},
               Pipe("a", "A", "j", 5e-4, 15e-6, 0.0), Pipe("b", "B", "j", 5e-4, 15e-6, 0.0),
               Pipe("out", "j", "C", 5e-4, 20e-6, 0.0))
    sol = solve_blood_flow(net, inflow_hd={"A": 0.5, "B": 0.2}, plasma_viscosity_pa_s=MU_P)
    q, hd = sol.flow_m3s, sol.discharge_haematocrit
    assert (hd["a"], hd["b"]) == (0.5, 0.2)
    assert hd["out"] == pytest.approx((q["a"] * 0.5 + q["b"] * 0.2) / (q["a"] + q["b"]),
                                      rel=1e-13)
    assert sol.inflow_haematocrit == {"A": 0.5, "B": 0.2}


def test_inflow_at_a_junction_and_outflow_demand() -> None:
    # blood enters at junction S with a fixed flow, leaves partly through a demand at j
    qin = 2e-12
    net = _net((Junction("S", 0.0, -qin), Junction("j", 0.0, 0.5e-12)), {"B": 1000.0},
               Pipe("s", "S", "j", 5e-4, 15e-6, 0.0), Pipe("o", "j", "B", 5e-4, 15e-6, 0.0))
    sol = solve_blood_flow(net, inflow_hd={"S": 0.4}, plasma_viscosity_pa_s=MU_P)
    assert sol.flow_m3s["s"] == pytest.approx(qin, rel=1e-12)
    assert sol.flow_m3s["o"] == pytest.approx(1.5e-12, rel=1e-12)
    np.testing.assert_allclose(sol.discharge_haematocrit, 0.4, rtol=1e-14)


def test_without_phase_separation_every_branch_gets_the_parent_haematocrit() -> None:
    net = _net((Junction("j", 0.0),), {"A": 6000.0, "B": 2500.0, "C": 2000.0},
               Pipe("p", "A", "j", 4e-4, 20e-6, 0.0), Pipe("b", "j", "B", 6e-4, 14e-6, 0.0),
               Pipe("c", "j", "C", 3e-4, 7e-6, 0.0))
    sol = solve_blood_flow(net, inflow_hd=0.45, plasma_viscosity_pa_s=MU_P,
                           phase_separation=False)
    np.testing.assert_allclose(sol.discharge_haematocrit, 0.45, atol=1e-15)
    assert sol.unseparated_nodes == ("j",)


def test_convergence_error_carries_iterations_and_residual() -> None:
    net = _net((Junction("j", 0.0),), {"A": 6000.0, "B": 2500.0, "C": 2000.0},
               Pipe("p", "A", "j", 4e-4, 20e-6, 0.0), Pipe("b", "j", "B", 6e-4, 14e-6, 0.0),
               Pipe("c", "j", "C", 3e-4, 7e-6, 0.0))
    with pytest.raises(ConvergenceError) as exc:
        solve_blood_flow(net, inflow_hd=0.45, plasma_viscosity_pa_s=MU_P, max_iter=3)
    assert exc.value.iterations == 3
    assert exc.value.residual > 1e-6
    assert "hd_tol" in str(exc.value)


def test_inputs_are_checked_before_solving() -> None:
    base = (Junction("j", 0.0),), {"A": 6000.0, "B": 2000.0}
    net = _net(*base, Pipe("p", "A", "j", 4e-4, 20e-6, 0.0),
               Pipe("b", "j", "B", 6e-4, 1.0e-6, 0.0, minor_loss=0.5))
    with pytest.raises(InputDataError) as err:
        solve_blood_flow(net, inflow_hd=1.2, plasma_viscosity_pa_s=-1.0)
    fields = {v.field for v in err.value.violations}
    assert fields == {"minor_loss", "diameter_m", "plasma_viscosity_pa_s", "inflow_hd"}
    ok = _net(*base, Pipe("p", "A", "j", 4e-4, 20e-6, 0.0), Pipe("b", "j", "B", 6e-4, 9e-6, 0.0))
    with pytest.raises(UnknownNameError):
        solve_blood_flow(ok, inflow_hd={"j": 0.4}, plasma_viscosity_pa_s=MU_P)
    with pytest.raises(UnknownNameError):
        solve_blood_flow(ok, inflow_hd=0.4, plasma_viscosity_pa_s=MU_P,
                         law="pries")  # type: ignore[arg-type]
    # an inflow node without a haematocrit is found once flows are known
    two_in = _net((Junction("j", 0.0),), {"A": 6000.0, "B": 5000.0, "C": 1000.0},
                  Pipe("a", "A", "j", 4e-4, 20e-6, 0.0), Pipe("b", "B", "j", 4e-4, 20e-6, 0.0),
                  Pipe("c", "j", "C", 4e-4, 20e-6, 0.0))
    with pytest.raises(InputDataError) as err:
        solve_blood_flow(two_in, inflow_hd={"A": 0.4}, plasma_viscosity_pa_s=MU_P)
    assert err.value.field == "inflow_hd['B']"
    pump = Pump("heart", "A", "j", PumpCurve(1.0, 1.0, 2.0, 1e-9))
    with pytest.raises(InputDataError) as err:
        solve_blood_flow(_net(*base, Pipe("b", "j", "B", 6e-4, 9e-6, 0.0), pumps=(pump,)),
                         inflow_hd=0.4, plasma_viscosity_pa_s=MU_P)
    assert err.value.field == "network.pumps"


@st.composite
def binary_trees(draw: st.DrawFn) -> VascularNetwork:
    """A random arteriolar tree of depth 2-3 from one inlet to 4-8 outlets at equal pressure."""
    depth = draw(st.integers(2, 3))
    pipes: list[Pipe] = []
    junctions: list[Junction] = []
    pressures = {"in": draw(st.floats(4000.0, 9000.0))}
    p_out = draw(st.floats(500.0, 3000.0))
    level = [("in", draw(st.floats(15.0, 40.0)))]
    k = 0
    for gen in range(depth + 1):
        nxt = []
        for node, d in level:
            k += 1
            end = f"n{k}"
            pipes.append(Pipe(f"v{k}", node, end, draw(st.floats(1e-4, 1e-3)), d * 1e-6, 0.0))
            if gen == depth:
                pressures[end] = p_out
            else:
                junctions.append(Junction(end, 0.0))
                nxt += [(end, d * draw(st.floats(0.5, 0.95))),
                        (end, d * draw(st.floats(0.5, 0.95)))]
        level = nxt
    return _net(tuple(junctions), pressures, *pipes)


@given(binary_trees(), st.floats(0.1, 0.6), st.sampled_from(VISCOSITY_LAWS))
def test_red_cells_and_blood_conserved_at_every_node(net: VascularNetwork, hd: float,
                                                      law: str) -> None:
    sol = solve_blood_flow(net, inflow_hd=hd, plasma_viscosity_pa_s=MU_P,
                           law=law,  # type: ignore[arg-type]
                           relaxation=0.7, max_iter=400)
    q, h = sol.flow_m3s, sol.discharge_haematocrit
    scale = abs(q).max()
    for j in net.junctions:
        q_in = sum(q[p.name] for p in net.pipes if p.end == j.name)
        q_out = sum(q[p.name] for p in net.pipes if p.start == j.name)
        rbc_in = sum(q[p.name] * h[p.name] for p in net.pipes if p.end == j.name)
        rbc_out = sum(q[p.name] * h[p.name] for p in net.pipes if p.start == j.name)
        assert q_in == pytest.approx(q_out, abs=1e-9 * scale)
        assert rbc_in == pytest.approx(rbc_out, abs=1e-12 * scale)
    np.testing.assert_allclose(sol.red_cell_imbalance_m3s(), 0.0, atol=1e-12 * scale)
    assert (h >= 0).all() and (h < 1).all()
    assert (q > 0).all()  # a tree fed from its root: every vessel flows away from it
    # the red cells delivered to the outlets are the red cells that entered
    outlets = [p.name for p in net.pipes if p.end not in {j.name for j in net.junctions}]
    assert sum(q[n] * h[n] for n in outlets) == pytest.approx(q["v1"] * hd, rel=1e-11)


# ---------------------------------------------------------------------------------------------
# Per-vessel viscosity in solve_flow (the backward-compatible extension used above)
# ---------------------------------------------------------------------------------------------

def test_solve_flow_per_link_viscosity() -> None:
    net = _net((Junction("j", 0.0),), {"A": 3000.0, "B": 1000.0},
               Pipe("p1", "A", "j", 1e-3, 20e-6, 0.0), Pipe("p2", "j", "B", 1e-3, 20e-6, 0.0))
    mu = {"p1": 3e-3, "p2": 1.5e-3}
    sol = solve_flow(net, headloss="H-P", tol=1e-12, head_tol=1e-12,
                     link_viscosity_m2s={k: m / HEAD_DENSITY_KG_M3 for k, m in mu.items()})
    r = [_resistance(mu[k], 1e-3, 20e-6) for k in ("p1", "p2")]
    assert sol.flow_m3s["p1"] == pytest.approx(2000.0 / sum(r), rel=1e-10)
    with pytest.raises(SolverError, match="link_viscosity_m2s"):  # network has no viscosity
        solve_flow(net, headloss="H-P", link_viscosity_m2s={"p1": 3e-6})
    with pytest.raises(UnknownNameError) as exc:
        solve_flow(net, headloss="H-P", link_viscosity_m2s={"p3": 3e-6, "p2": 3e-6})
    assert exc.value.name == "p3" and exc.value.known == ("p1", "p2")
    with pytest.raises(InputDataError) as err:
        solve_flow(net, headloss="H-P", link_viscosity_m2s={"p1": -1.0, "p2": float("nan")})
    assert len(err.value.violations) == 2
    with pytest.raises(InputDataError) as err:   # not numbers: named, not converted
        solve_flow(net, headloss="H-P", link_viscosity_m2s={"p1": True, "p2": "3e-6"})
    assert [v.field for v in err.value.violations] == ["link_viscosity_m2s['p1']",
                                                      "link_viscosity_m2s['p2']"]


def test_per_link_viscosity_in_any_order_gives_the_same_solution() -> None:
    net = vascular_network(300, seed=2)
    nu = blood_viscosities(net)                        # every pipe, in network order
    backwards = dict(reversed(list(nu.items())))
    some = {k: nu[k] for k in list(nu)[::3]}           # the rest keep the network's value
    a = solve_flow(net, link_viscosity_m2s=nu)
    b = solve_flow(net, link_viscosity_m2s=backwards)
    assert np.array_equal(a.flow_m3s.to_numpy(), b.flow_m3s.to_numpy())
    c = solve_flow(net, link_viscosity_m2s=some)
    d = solve_flow(net, link_viscosity_m2s={**{p.name: net.viscosity_m2s for p in net.pipes},
                                            **some})
    assert np.array_equal(c.flow_m3s.to_numpy(), d.flow_m3s.to_numpy())
    assert not np.allclose(a.flow_m3s.to_numpy(), c.flow_m3s.to_numpy(), rtol=1e-3)
