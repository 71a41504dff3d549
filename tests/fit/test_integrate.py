"""TIA without a fitted curve: trapezoid, hybrid and single-time-point methods against analytic integrals."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

from pkdose.errors import UnknownNameError
from pkdose.fit import (FitError, haenscheid_ratio, haenscheid_tia, hybrid_tia, prior_half_life_tia,
                        trapezoid_tia)
from pkdose.nuclides import get_nuclide

LAM = get_nuclide("Lu-177").decay_constant          # ICRP 107, 1/h
T = np.array([4.0, 24.0, 96.0, 168.0])              # a typical Lu-177 imaging schedule [h]


# ------------------------------------------------------------------------------------------------
# trapezoid


@pytest.mark.parametrize("first", ["zero", "constant", "physical"])
def test_trapezoid_is_exact_for_a_piecewise_linear_curve_with_physical_tail(first):
    # the curve that the method assumes, integrated independently by adaptive quadrature: the first
    # segment as declared, linear between the points, A_n e^{-λ(t - t_n)} after the last one
    t = np.array([1.5, 6.0, 30.0, 100.0])
    a = np.array([3.0, 9.0, 7.0, 2.5])
    head = {"zero": lambda s: a[0] * s / t[0], "constant": lambda s: a[0],
            "physical": lambda s: a[0] * math.exp(LAM * (t[0] - s))}[first]
    expected = (integrate.quad(head, 0, t[0], epsabs=0, epsrel=1e-13)[0]
                + integrate.quad(lambda s: np.interp(s, t, a), t[0], t[-1], points=t[1:-1], epsabs=0,
                                 epsrel=1e-13)[0]
                + integrate.quad(lambda s: a[-1] * math.exp(-LAM * (s - t[-1])), t[-1], np.inf, epsabs=0,
                                 epsrel=1e-12)[0])
    est = trapezoid_tia(t, a, nuclide="Lu-177", first_segment=first)
    assert est.method == "trapezoid"
    assert est.tia_MBq_h == pytest.approx(expected, rel=1e-10)
    assert est.extrapolated_fraction == pytest.approx(a[-1] / LAM / expected, rel=1e-10)
    assert est.parameters["tail_rate_per_h"] == LAM
    assert math.isnan(est.tia_sd_MBq_h)                      # no sigma, no SD


def test_trapezoid_sd_is_the_exact_linear_propagation():
    # TIA = w·A with w written out by hand for three points (first segment "zero")
    t = np.array([2.0, 10.0, 50.0])
    s = np.array([0.3, 0.2, 0.1])
    w = np.array([2.0 / 2 + 8.0 / 2, 8.0 / 2 + 40.0 / 2, 40.0 / 2 + 1 / LAM])
    est = trapezoid_tia(t, [5.0, 4.0, 1.0], nuclide="Lu-177", sigma=s)
    assert est.tia_MBq_h == pytest.approx(w @ [5.0, 4.0, 1.0], rel=1e-12)
    assert est.tia_sd_MBq_h == pytest.approx(math.sqrt(np.sum((w * s) ** 2)), rel=1e-12)


def test_trapezoid_converges_on_physical_decay_within_the_trapezoid_error_bound():
    # A = A0 e^{-λt}: with the "physical" first segment and the tail exact, only the inner trapezoids
    # err, by at most (t_n - t_1) h² max|A''| / 12 = (t_n - t_1) h² λ² A0 / 12 (overestimate, A'' > 0)
    a0, h = 50.0, 6.0
    t = np.arange(3.0, 600.0 + h / 2, h)
    est = trapezoid_tia(t, a0 * np.exp(-LAM * t), nuclide="Lu-177", first_segment="physical")
    bound = (t[-1] - t[0]) * h ** 2 * LAM ** 2 * a0 / 12
    err = est.tia_MBq_h - a0 / LAM
    assert 0 < err <= bound


@given(st.lists(st.floats(0.0, 1e3), min_size=1, max_size=6), st.floats(1e-3, 1e3))
def test_trapezoid_is_linear_in_the_activities(acts, c):
    t = np.cumsum(np.linspace(1.0, 2.0, len(acts)) * 7.0)
    a = np.array(acts)
    one = trapezoid_tia(t, a, nuclide="Lu-177", sigma=0.1 + 0.05 * a)
    scaled = trapezoid_tia(t, c * a, nuclide="Lu-177", sigma=c * (0.1 + 0.05 * a))
    assert scaled.tia_MBq_h == pytest.approx(c * one.tia_MBq_h, rel=1e-12, abs=1e-12)
    assert scaled.tia_sd_MBq_h == pytest.approx(c * one.tia_sd_MBq_h, rel=1e-12)


# ------------------------------------------------------------------------------------------------
# hybrid


@pytest.mark.parametrize("k", [2, 3, 4])
def test_hybrid_tail_is_exact_for_mono_exponential_data(k):
    # λ_eff = λ_phys + 0.01/h: the log-linear fit through k exact points returns λ_eff, the tail
    # is A_n/λ_eff exactly, and the hybrid differs from the trapezoid only in the tail
    lam_eff = LAM + 0.01
    a = 80.0 * np.exp(-lam_eff * T)
    hyb = hybrid_tia(T, a, nuclide="Lu-177", tail_points=k)
    trap = trapezoid_tia(T, a, nuclide="Lu-177")
    assert hyb.parameters["tail_rate_per_h"] == pytest.approx(lam_eff, rel=1e-10)
    assert hyb.parameters["rate_limited"] == 0.0
    assert hyb.tia_MBq_h - trap.tia_MBq_h == pytest.approx(a[-1] / lam_eff - a[-1] / LAM, rel=1e-9)
    assert hyb.extrapolated_fraction == pytest.approx(a[-1] / lam_eff / hyb.tia_MBq_h, rel=1e-12)


def test_hybrid_never_decays_slower_than_physics():
    # a flat end (uptake still going on) fits λ̂ = 0 < λ_phys: the tail falls back to physical decay
    a = np.array([2.0, 6.0, 9.0, 9.0])
    hyb = hybrid_tia(T, a, nuclide="Lu-177", sigma=0.2)
    trap = trapezoid_tia(T, a, nuclide="Lu-177", sigma=0.2)
    assert hyb.parameters["fitted_rate_per_h"] == pytest.approx(0.0, abs=1e-15)
    assert hyb.parameters["rate_limited"] == 1.0 and hyb.parameters["tail_rate_per_h"] == LAM
    assert hyb.tia_MBq_h == pytest.approx(trap.tia_MBq_h, rel=1e-14)
    assert hyb.tia_sd_MBq_h == pytest.approx(trap.tia_sd_MBq_h, rel=1e-14)


def test_hybrid_delta_method_sd_matches_monte_carlo():
    # 2 % noise on mono-exponential data; 20 000 simulated data sets: the SD of the SD estimate is
    # 1/sqrt(2·20000) = 0.5 %, and the delta method's linearisation error at 2 % noise is of order
    # (2 %)² relative, so 3 % is asserted
    lam_eff = LAM + 0.008
    a = 80.0 * np.exp(-lam_eff * T)
    s = 0.02 * a
    est = hybrid_tia(T, a, nuclide="Lu-177", sigma=s, tail_points=3)
    rng = np.random.default_rng(11)
    draws = a + s * rng.standard_normal((20000, T.size))
    tias = [hybrid_tia(T, d, nuclide="Lu-177", tail_points=3).tia_MBq_h for d in draws]
    assert est.tia_sd_MBq_h == pytest.approx(np.std(tias, ddof=1), rel=0.03)


# ------------------------------------------------------------------------------------------------
# single time point


@pytest.mark.parametrize("x", [0.3, 0.75, 1.0, 1.0 / math.log(2), 1.5, 2.0, 2.5, 4.0])
def test_haenscheid_bias_on_mono_exponential_data(x):
    # A0 e^{-λt} at t = x·T_eff: estimate/true = (2λt/ln2) e^{-λt}, written out here from the
    # formula (not through haenscheid_ratio)
    t_eff = 60.0
    lam = math.log(2) / t_eff
    t = x * t_eff
    est = haenscheid_tia(t, 100.0 * math.exp(-lam * t), nuclide="Lu-177", effective_half_life_h=t_eff)
    expected_ratio = 2 * lam * t / math.log(2) * math.exp(-lam * t)
    assert est.tia_MBq_h / (100.0 / lam) == pytest.approx(expected_ratio, rel=1e-12)
    assert est.model_error_range == pytest.approx((expected_ratio - 1, expected_ratio - 1), rel=1e-9)
    assert est.extrapolated_fraction == pytest.approx(math.exp(-lam * t), rel=1e-12)


def test_haenscheid_is_exact_at_one_and_two_effective_half_lives_and_peaks_between():
    np.testing.assert_allclose(haenscheid_ratio([1.0, 2.0]), [1.0, 1.0], rtol=1e-15)
    x = np.linspace(0.5, 3.0, 25001)
    r = haenscheid_ratio(x)
    assert x[np.argmax(r)] == pytest.approx(1 / math.log(2), abs=1e-4)
    assert r.max() == pytest.approx(2 / (math.e * math.log(2)), rel=1e-9)


def test_haenscheid_error_band_at_the_stated_times():
    # the window 0.75-2.5 T_eff quoted for the method: at its ends the formula errs by
    # 0.75·2^0.25 - 1 = -10.8 % and 2.5·2^-1.5 - 1 = -11.6 %; ±10 % holds on [0.7644, 2.4373]
    assert haenscheid_ratio(0.75) - 1 == pytest.approx(0.75 * 2 ** 0.25 - 1, rel=1e-12)
    assert haenscheid_ratio(2.5) - 1 == pytest.approx(2.5 * 2 ** -1.5 - 1, rel=1e-12)
    inside = haenscheid_ratio(np.linspace(0.7644, 2.4372, 1001))
    assert np.all(np.abs(inside - 1) <= 0.1)
    assert abs(haenscheid_ratio(0.7643) - 1) > 0.1 and abs(haenscheid_ratio(2.4374) - 1) > 0.1
    # without an effective half-life the result states the band of that window
    est = haenscheid_tia(96.0, 10.0, nuclide="Lu-177", sigma=0.5)
    lo, hi = est.model_error_range
    assert lo == pytest.approx(2.5 * 2 ** -1.5 - 1, rel=1e-12)
    assert hi == pytest.approx(2 / (math.e * math.log(2)) - 1, rel=1e-12)
    assert math.isnan(est.extrapolated_fraction)
    assert est.tia_MBq_h == pytest.approx(10.0 * 2 * 96.0 / math.log(2), rel=1e-15)
    assert est.tia_sd_MBq_h == pytest.approx(0.5 * 2 * 96.0 / math.log(2), rel=1e-15)


def test_haenscheid_error_range_over_a_half_life_range():
    # T_eff in 40-80 h, t = 96 h: x in [1.2, 2.4] contains the peak 1/ln 2, so the range is
    # [min(R(1.2), R(2.4)), R(1/ln2)]
    est = haenscheid_tia(96.0, 10.0, nuclide="Lu-177", effective_half_life_h=(40.0, 80.0))
    r = lambda x: x * 2 ** (1 - x)  # noqa: E731
    assert est.model_error_range == pytest.approx((min(r(1.2), r(2.4)) - 1, r(1 / math.log(2)) - 1), rel=1e-12)


def test_prior_half_life_is_exact_and_propagates_the_half_life_sd():
    t_eff, sd_t, t, s = 50.0, 5.0, 48.0, 0.4
    lam = math.log(2) / t_eff
    a = 100.0 * math.exp(-lam * t)
    est = prior_half_life_tia(t, a, nuclide="Lu-177", effective_half_life_h=t_eff,
                              effective_half_life_sd_h=sd_t, sigma=s)
    assert est.tia_MBq_h == pytest.approx(100.0 / lam, rel=1e-12)
    # d TIA / dT by central differences of the closed form, independent of the code's formula
    f = lambda T_: a * math.exp(math.log(2) / T_ * t) / (math.log(2) / T_)  # noqa: E731
    dT = (f(t_eff + 1e-4) - f(t_eff - 1e-4)) / 2e-4
    expected = math.hypot(s * math.exp(lam * t) / lam, dT * sd_t)
    assert est.tia_sd_MBq_h == pytest.approx(expected, rel=1e-7)
    assert est.model_error_range == pytest.approx(sorted([f(t_eff - sd_t) / f(t_eff) - 1,
                                                          f(t_eff + sd_t) / f(t_eff) - 1]), rel=1e-12)
    # at t = T_eff/ln 2 an error in T_eff does not matter to first order
    t_opt = t_eff / math.log(2)
    flat = prior_half_life_tia(t_opt, 1.0, nuclide="Lu-177", effective_half_life_h=t_eff,
                               effective_half_life_sd_h=sd_t, sigma=0.0)
    assert flat.tia_sd_MBq_h == pytest.approx(0.0, abs=1e-9 * flat.tia_MBq_h)


# ------------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("call,field", [
    (lambda: trapezoid_tia([], [], nuclide="Lu-177"), "times_h"),
    (lambda: trapezoid_tia([1.0, 1.0], [1.0, 2.0], nuclide="Lu-177"), "times_h"),
    (lambda: trapezoid_tia([-1.0, 1.0], [1.0, 2.0], nuclide="Lu-177"), "times_h"),
    (lambda: trapezoid_tia([1.0, 2.0], [1.0, -2.0], nuclide="Lu-177"), "activity_MBq"),
    (lambda: trapezoid_tia([1.0, 2.0], [1.0], nuclide="Lu-177"), "times_h/activity_MBq"),
    (lambda: trapezoid_tia([1.0, 2.0], [1.0, 2.0], nuclide="Lu-177", sigma=[1.0, 2.0, 3.0]), "sigma"),
    (lambda: trapezoid_tia([1.0, 2.0], [1.0, 2.0], nuclide="Pb-208"), "nuclide"),
    (lambda: hybrid_tia(T, [4.0, 3.0, 2.0, 1.0], nuclide="Lu-177", tail_points=1), "tail_points"),
    (lambda: hybrid_tia(T, [4.0, 3.0, 2.0, 1.0], nuclide="Lu-177", tail_points=5), "tail_points"),
    (lambda: hybrid_tia(T, [4.0, 3.0, 2.0, 1.0], nuclide="Lu-177",
                        tail_points=2.0), "tail_points"),  # type: ignore[arg-type]
    (lambda: hybrid_tia(T, [4.0, 3.0, 2.0, 0.0], nuclide="Lu-177"), "activity_MBq"),
    (lambda: haenscheid_tia(0.0, 1.0, nuclide="Lu-177"), "time_h"),
    (lambda: haenscheid_tia(96.0, -1.0, nuclide="Lu-177"), "activity_MBq"),
    (lambda: haenscheid_tia(96.0, 1.0, nuclide="Lu-177", effective_half_life_h=200.0), "effective_half_life_h"),
    (lambda: haenscheid_tia(96.0, 1.0, nuclide="Lu-177", effective_half_life_h=(80.0, 40.0)),
     "effective_half_life_h"),
    (lambda: prior_half_life_tia(96.0, 1.0, nuclide="Lu-177",
                                 effective_half_life_h=(40.0, 80.0)),  # type: ignore[arg-type]
     "effective_half_life_h"),
    (lambda: prior_half_life_tia(96.0, 1.0, nuclide="Lu-177", effective_half_life_h=0.0), "effective_half_life_h"),
    (lambda: prior_half_life_tia(96.0, 1.0, nuclide="Lu-177", effective_half_life_h=50.0,
                                 effective_half_life_sd_h=-1.0), "effective_half_life_sd_h"),
])
def test_bad_input_names_the_field(call, field):
    with pytest.raises(FitError) as e:
        call()
    assert e.value.field == field


def test_unknown_first_segment_is_an_error_with_suggestion():
    with pytest.raises(UnknownNameError) as e:
        trapezoid_tia(T, [4.0, 3.0, 2.0, 1.0], nuclide="Lu-177", first_segment="zeros")
    assert e.value.suggestions[0] == "zero"
