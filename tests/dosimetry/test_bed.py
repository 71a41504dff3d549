"""BED: closed forms, an independent numerical double integral, cycles, errors."""

import numpy as np
import pytest
from scipy import integrate

from pkdose.errors import PkdoseError
from pkdose.dosimetry.radiobiology import KIDNEY, LQParameters, bed, bed_cycles, bed_from_dose_rate, g_factor
from pkdose.provenance import Source


def brute_force_g(a, lam, mu, t_end):
    """G by nested quadrature of the defining double integral (Dale 1985), independent of the closed form."""
    rate = lambda t: np.sum(np.asarray(a) * np.exp(-np.asarray(lam) * t))
    inner = lambda t: integrate.quad(lambda w: rate(w) * np.exp(-mu * (t - w)), 0, t, limit=200)[0]
    outer = integrate.quad(lambda t: rate(t) * inner(t), 0, t_end, limit=200)[0]
    D = integrate.quad(rate, 0, t_end, limit=200)[0]
    return 2 * outer / D**2


def test_mono_exponential_closed_form():
    # Dale 1985: BED = D (1 + D λ / ((λ + μ) α/β)) for Ḋ = D λ e^{-λt}
    lam, D = np.log(2) / 60.0, 7.0
    mu = np.log(2) / 2.8
    expect = D * (1 + D * lam / ((lam + mu) * 2.6))
    assert bed([D * lam], [lam]) == pytest.approx(expect, rel=1e-14)


def test_bi_exponential_with_uptake_against_quadrature():
    # uptake phase (negative amplitude) then clearance: Ḋ = c (e^{-λ1 t} - e^{-λ2 t})
    a, lam = [2.0, -2.0], [0.02, 0.5]
    mu = KIDNEY.repair_rate
    # nested adaptive quadrature to 2000 h (tail e^{-40} negligible); quad's own error ~1e-10
    assert g_factor(a, lam, mu) == pytest.approx(brute_force_g(a, lam, mu, 2000.0), rel=1e-7)


def test_sampled_curve_agrees_with_closed_form():
    # piecewise-linear sampling of a bi-exponential: the error is the linear-interpolation error,
    # (λh)²/12 per term: h = 1e-3 h over the fast uptake (λ = 0.8 /h) gives 5e-8, h = 0.074 h on the
    # slow tail (λ = 0.015 /h) 1e-7; the tail beyond 1500 h is e^{-22.5} = 2e-10. So 1e-6.
    a, lam = [3.0, -3.0], [0.015, 0.8]
    t = np.concatenate([np.linspace(0, 20, 20001), np.linspace(20, 1500, 20001)[1:]])
    rate = (np.asarray(a)[:, None] * np.exp(-np.asarray(lam)[:, None] * t)).sum(0)
    assert bed_from_dose_rate(t, rate) == pytest.approx(bed(a, lam), rel=1e-6)


def test_repair_limits():
    # instantaneous repair (μ → ∞): G → 0, BED → D; no repair (μ → 0): G → 1 (acute dose)
    lam = 0.01
    assert g_factor([lam], [lam], 1e9) < 1e-8
    assert g_factor([lam], [lam], 1e-12) == pytest.approx(1.0, rel=1e-9)


def test_cycles_add_and_limits_count():
    lam = np.log(2) / 50
    one = bed([6 * lam], [lam])
    res = bed_cycles([([6 * lam], [lam]), ([3 * lam], [lam])])
    assert res.cumulative_dose_Gy == pytest.approx((6.0, 9.0))
    assert res.cumulative_bed_Gy[0] == pytest.approx(one)
    assert res.cumulative_bed_Gy[1] == pytest.approx(one + bed([3 * lam], [lam]))
    assert res.cycles_within(one) == 1 and res.cycles_within(0.1) == 0


def test_bad_input():
    with pytest.raises(PkdoseError, match="rates must be finite and > 0"):
        bed([1.0], [0.0])
    with pytest.raises(PkdoseError, match="same length"):
        bed([1.0, 2.0], [0.1])
    with pytest.raises(PkdoseError, match="total dose must be > 0"):
        bed([-1.0], [0.1])
    with pytest.raises(PkdoseError, match="alpha_beta_Gy"):
        LQParameters(0.0, 2.8, Source("x"))
    with pytest.raises(PkdoseError, match="strictly increasing"):
        bed_from_dose_rate([0.0, 0.0], [1.0, 1.0])
