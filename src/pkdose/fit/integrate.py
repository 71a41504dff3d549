"""Time-integrated activity without a fitted curve: trapezoid, hybrid and single-time-point methods.

Every function here takes activities that are **not** decay-corrected (MBq at the measurement
time, as :func:`~pkdose.fit.fit_exponentials` does) and returns the time-integrated activity (TIA)
from the administration (t = 0) to infinity, in MBq·h, as a :class:`TIAEstimate`:

======================================  ==================================================================
function                                TIA = ∫₀^∞ A(t) dt [MBq·h] is approximated by
======================================  ==================================================================
:func:`trapezoid_tia`                   a first segment (0 → t₁, three choices), trapezoids between the
                                        measurements, and a tail after the last one that decays
                                        physically only: A_n / λ_phys
:func:`hybrid_tia`                      the same first segment and trapezoids, and a tail A_n / λ_tail
                                        with λ_tail fitted (log-linear) to the last k ≥ 2 points and
                                        never slower than physical decay: λ_tail ≥ λ_phys
:func:`haenscheid_tia`                  one measurement: A(t) · 2t / ln 2 (Hänscheid et al. 2018)
:func:`prior_half_life_tia`             one measurement and a known effective half-life:
                                        A(t) · e^{λ_eff t} / λ_eff (Madsen et al. 2018; Hou et al. 2021)
======================================  ==================================================================

What a method assumes is in its docstring *and* in the ``assumptions`` text of the result, so a
report can print it next to the number. Standard deviations come from the measurement SDs
(``sigma``, MBq): exactly for the trapezoid (the TIA is linear in the data) and the Hänscheid
estimate, by the first-order delta method for the fitted tail of the hybrid method and for the
effective half-life of the prior-knowledge method. Without ``sigma`` the SD is ``nan``: these
methods have no residuals from which a scale could be estimated. The *model* error of the
single-time-point methods (what the assumption of a mono-exponential curve costs) is reported
separately, in ``model_error_range``.

References
----------
.. [1] M. G. Stabin, "Fundamentals of Nuclear Medicine Dosimetry", Springer 2008, ch. 4: the
   time-integrated activity as the area under the time-activity curve, trapezoidal integration and
   the extrapolation beyond the last point.
.. [2] J. A. Siegel et al., "MIRD Pamphlet No. 16: Techniques for quantitative radiopharmaceutical
   biodistribution data acquisition and analysis for use in human radiation dose estimates",
   J. Nucl. Med. 40 (1999) 37S-61S: trapezoid, hybrid (trapezoid plus fitted tail) and fitted
   methods. (Cited for the methods as a family; the first-segment options below were not checked
   against its text.)
.. [3] H. Hänscheid, C. Lapa, A. K. Buck, M. Lassmann, R. A. Werner, "Dose mapping after
   endoradiotherapy with 177Lu-DOTATATE/DOTATOC by a single measurement after 4 days",
   J. Nucl. Med. 59 (2018) 75-81.
.. [4] M. T. Madsen, Y. Menda, T. M. O'Dorisio, M. S. O'Dorisio, "Technical Note: Single time
   point dose estimate for exponential clearance", Med. Phys. 45 (2018) 2318-2324.
.. [5] X. Hou et al., "Feasibility of single-time-point dosimetry for radiopharmaceutical
   therapies", J. Nucl. Med. 62 (2021) 1006-1011: compares the methods of [3] and [4].
.. [6] D. Sarrut et al., ``rpt_dosi`` (github.com/dsarrut/rpt_dosi), ``rpt_dosi/dosimetry.py``,
   functions ``dose_hanscheid2018`` (dose ∝ A(t)·2t/ln 2) and ``dose_madsen2018``
   (TIA = A(t)·e^{kt}/k, k = ln 2 / T_eff): the independent implementation against which the two
   formulas here were checked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..errors import UnknownNameError
from .exponentials import FitError

__all__ = ["TIAEstimate", "trapezoid_tia", "hybrid_tia", "haenscheid_tia", "prior_half_life_tia",
           "FIRST_SEGMENTS", "haenscheid_ratio", "HAENSCHEID_WINDOW"]

_LN2 = math.log(2.0)

#: How the segment from the administration (t = 0) to the first measurement t₁ is integrated:
#: ``"zero"``: A(0) = 0 and a straight line up to A(t₁) (area t₁·A₁/2; the organ takes the activity
#: up from the blood); ``"constant"``: A(t) = A₁ on [0, t₁] (area t₁·A₁; the whole body, or an organ
#: whose uptake is complete before t₁ and which clears slowly); ``"physical"``: the first measurement
#: decayed back physically, A(t) = A₁·e^{λ_phys (t₁−t)} (area A₁(e^{λ t₁} − 1)/λ; instantaneous
#: uptake and no biological clearance before t₁: the largest of the three for a decaying curve).
FIRST_SEGMENTS: tuple[str, ...] = ("zero", "constant", "physical")

#: Measurement times, in units of the effective half-life, inside which the error of the Hänscheid
#: approximation is about ±10 % or less (brief of issue 4, attributed to [3]; NOT verified against
#: the paper). The exact errors at the window's ends follow from :func:`haenscheid_ratio`:
#: −10.8 % at 0.75 T_eff and −11.6 % at 2.5 T_eff; inside [0.764, 2.437] T_eff the error lies within
#: [−10 %, +6.15 %].
HAENSCHEID_WINDOW: tuple[float, float] = (0.75, 2.5)


@dataclass(frozen=True)
class TIAEstimate:
    """A time-integrated activity from a non-fitting method (see the module docstring).

    Attributes
    ----------
    method : str
        ``"trapezoid"``, ``"hybrid"``, ``"haenscheid"`` or ``"prior_half_life"``.
    tia_MBq_h : float
        Time-integrated activity from 0 to ∞ [MBq·h].
    tia_sd_MBq_h : float
        Its standard deviation from the measurement SDs [MBq·h]; ``nan`` without ``sigma``.
        It does not include the model error of the method (see ``model_error_range``).
    extrapolated_fraction : float
        Share of the TIA after the last measurement (the tail), as in
        :class:`~pkdose.fit.ExponentialFit`. For a single time point under a mono-exponential
        assumption it is e^{−λ_eff t}; ``nan`` for the Hänscheid method without an effective
        half-life.
    assumptions : str
        What the method assumes, in words, for the report.
    parameters : dict of str to float
        The method's numbers, named with units: e.g. ``first_segment_MBq_h``, ``tail_MBq_h``,
        ``tail_rate_per_h``, ``time_h``, ``effective_half_life_h``.
    nuclide : str
    decay_constant_per_h : float
        Physical decay constant of the nuclide [1/h].
    model_error_range : tuple of float, optional
        For single-time-point methods: the range of the relative error (estimate/true − 1) that
        the method's own assumptions allow, e.g. ``(-0.116, 0.0615)``. ``None`` when the method
        has no such statement (trapezoid, hybrid).
    """

    method: str
    tia_MBq_h: float
    tia_sd_MBq_h: float
    extrapolated_fraction: float
    assumptions: str
    parameters: dict[str, float]
    nuclide: str
    decay_constant_per_h: float
    model_error_range: tuple[float, float] | None = None
    times_h: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    activity_MBq: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)


# ------------------------------------------------------------------------------------------------
# validation shared by the functions


def _radioactive(nuclide: str) -> tuple[str, float]:
    from ..nuclides import get_nuclide

    nuc = get_nuclide(nuclide)
    lam = nuc.decay_constant
    if not lam > 0:
        raise FitError("nuclide", "a radioactive nuclide (the tail decays physically)",
                       f"{nuc.name} (stable)")
    return nuc.name, lam


def _series(times_h: npt.ArrayLike, activity_MBq: npt.ArrayLike, sigma: npt.ArrayLike | None,
            min_points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    t = np.asarray(times_h, dtype=float)
    y = np.asarray(activity_MBq, dtype=float)
    if t.ndim != 1 or t.shape != y.shape:
        raise FitError("times_h/activity_MBq", "1-D arrays of the same length", f"shapes {t.shape}, {y.shape}")
    if t.size < min_points:
        raise FitError("times_h", f"at least {min_points} time point(s)", t.size)
    if not np.all(np.isfinite(t)) or t.min() < 0 or np.any(np.diff(t) <= 0):
        raise FitError("times_h", "finite times >= 0 h, strictly increasing", t.tolist())
    if not np.all(np.isfinite(y)) or y.min() < 0:
        raise FitError("activity_MBq", "finite activities >= 0 MBq", y.tolist())
    s = None
    if sigma is not None:
        try:
            s = np.broadcast_to(np.asarray(sigma, dtype=float), y.shape).copy()
        except ValueError:
            raise FitError("sigma", f"a scalar or {y.size} standard deviations [MBq]",
                           np.shape(sigma)) from None
        if not np.all(np.isfinite(s)) or s.min() < 0:
            raise FitError("sigma", "finite standard deviations >= 0 MBq", s.tolist())
    return t, y, s


def _trapezoid_weights(t: np.ndarray, lam: float, first_segment: str) -> tuple[np.ndarray, float]:
    """Weights w [h] with ∫₀^{t_n} ≈ w·A, and the first segment's weight on A₁ alone."""
    if first_segment not in FIRST_SEGMENTS:
        raise UnknownNameError("first_segment", first_segment, FIRST_SEGMENTS, "trapezoid integration")
    t1 = float(t[0])
    w0 = {"zero": 0.5 * t1, "constant": t1, "physical": math.expm1(lam * t1) / lam}[first_segment]
    w = np.zeros(t.size)
    h = np.diff(t)
    w[:-1] += 0.5 * h
    w[1:] += 0.5 * h
    w[0] += w0
    return w, w0


def _sd(grad: np.ndarray, s: np.ndarray | None) -> float:
    return float("nan") if s is None else float(np.sqrt(np.sum((grad * s) ** 2)))


# ------------------------------------------------------------------------------------------------
# multi-point methods


def trapezoid_tia(times_h: npt.ArrayLike, activity_MBq: npt.ArrayLike, *, nuclide: str,
                  sigma: npt.ArrayLike | None = None, first_segment: str = "zero") -> TIAEstimate:
    r"""TIA by the trapezoid rule with a physical-decay tail after the last measurement.

    .. math::

        \mathrm{TIA} = S_0 + \sum_{i=1}^{n-1} \frac{(t_{i+1}-t_i)(A_i + A_{i+1})}{2}
                       + \frac{A_n}{\lambda_\mathrm{phys}}

    with the first segment S₀ over [0, t₁] from ``first_segment`` (:data:`FIRST_SEGMENTS`):
    ``"zero"`` S₀ = t₁A₁/2, ``"constant"`` S₀ = t₁A₁, ``"physical"`` S₀ = A₁(e^{λt₁} − 1)/λ.
    The TIA is linear in the activities, TIA = w·A, so its variance is exactly Σ wᵢ²σᵢ² for
    independent measurement errors.

    Parameters
    ----------
    times_h : array-like
        Measurement times after administration [h], ≥ 0, strictly increasing (one point is enough).
    activity_MBq : array-like
        Activities at those times [MBq], not decay-corrected, ≥ 0.
    nuclide : str
        The nuclide; its physical decay constant λ_phys [1/h] (ICRP 107, :mod:`pkdose.nuclides`)
        sets the tail.
    sigma : float or array-like, optional
        Standard deviations of the activities [MBq], assumed independent.
    first_segment : {"zero", "constant", "physical"}
        How [0, t₁] is integrated. The default ``"zero"`` (no activity in the region at the
        administration, a linear rise to A₁) suits organs and tumours that take the activity up
        from the blood; use ``"constant"`` for the whole body or when uptake is complete before
        t₁ and clearance is slow, and ``"physical"`` for instantaneous uptake without biological
        clearance before t₁. Which of these the literature prefers depends on the region; the
        choice of default here is ours (see [2] in the module references for the method family).
        The first segment's share is reported as ``parameters["first_segment_fraction"]``.

    Returns
    -------
    TIAEstimate
        ``method="trapezoid"``; ``parameters``: ``first_segment_MBq_h``, ``first_segment_fraction``,
        ``trapezoids_MBq_h``, ``tail_MBq_h``, ``tail_rate_per_h`` (= λ_phys).

    Raises
    ------
    FitError
        Bad times, activities or SDs (``field`` names which), or a stable nuclide.
    UnknownNameError
        An unknown ``first_segment``.

    Notes
    -----
    The tail assumes that after the last measurement the activity leaves the region by physical
    decay only: an upper bound for a clearing region, and the usual conservative choice when
    nothing is known about late kinetics. :func:`hybrid_tia` fits the tail instead.

    Examples
    --------
    A piecewise-linear curve is integrated exactly; Lu-177, λ_phys = ln 2 / 159.528 h:

    >>> est = trapezoid_tia([2.0, 24.0, 96.0], [10.0, 8.0, 4.0], nuclide="Lu-177", sigma=0.5)
    >>> round(est.parameters["trapezoids_MBq_h"], 6)     # 22·9 + 72·6
    630.0
    >>> round(est.tia_MBq_h, 3)                          # 10 (first segment) + 630 + 4/λ
    1560.6
    >>> round(est.extrapolated_fraction, 4)
    0.5899
    """
    name, lam = _radioactive(nuclide)
    t, y, s = _series(times_h, activity_MBq, sigma, 1)
    w, w0 = _trapezoid_weights(t, lam, first_segment)
    grad = w.copy()
    grad[-1] += 1.0 / lam
    first = w0 * float(y[0])
    tail = float(y[-1]) / lam
    tia = float(grad @ y)
    inner = tia - first - tail
    frac = lambda part: part / tia if tia > 0 else float("nan")  # noqa: E731
    return TIAEstimate(
        "trapezoid", tia, _sd(grad, s), frac(tail),
        f"first segment [0, {t[0]:g} h]: {first_segment!r}; linear between measurements; after "
        f"the last measurement ({t[-1]:g} h) physical decay only (T1/2 = {_LN2 / lam:g} h)",
        {"first_segment_MBq_h": first, "first_segment_fraction": frac(first), "trapezoids_MBq_h": inner,
         "tail_MBq_h": tail, "tail_rate_per_h": lam},
        name, lam, None, t, y)


def hybrid_tia(times_h: npt.ArrayLike, activity_MBq: npt.ArrayLike, *, nuclide: str,
               sigma: npt.ArrayLike | None = None, tail_points: int = 2,
               first_segment: str = "zero") -> TIAEstimate:
    r"""TIA by trapezoids up to the last measurement and a fitted mono-exponential tail.

    .. math::

        \mathrm{TIA} = S_0 + \sum_{i=1}^{n-1} \frac{(t_{i+1}-t_i)(A_i + A_{i+1})}{2}
                       + \frac{A_n}{\lambda_\mathrm{tail}}, \qquad
        \lambda_\mathrm{tail} = \max(\hat\lambda, \lambda_\mathrm{phys})

    where λ̂ = −slope of the straight line fitted to ln Aᵢ over the last k = ``tail_points``
    measurements (weighted by (Aᵢ/σᵢ)² when ``sigma`` is given, the first-order variance of
    ln Aᵢ; unweighted otherwise). With k = 2 it is λ̂ = ln(A_{n−1}/A_n)/(t_n − t_{n−1}). The tail
    starts from the *measured* A_n, so the curve is continuous at t_n. A fitted rate slower than
    physical decay (a rising or flat end) is replaced by λ_phys: activity cannot leave a region
    more slowly than it decays; the result then equals :func:`trapezoid_tia`.

    Parameters
    ----------
    times_h, activity_MBq, nuclide, sigma, first_segment
        As in :func:`trapezoid_tia`. The last ``tail_points`` activities must be > 0.
    tail_points : int
        Number k ≥ 2 of last measurements the tail rate is fitted to. The default 2 is the
        terminal segment only: typical imaging schedules (e.g. 4, 24, 96, 168 h for Lu-177) have
        just two points in the terminal phase, and an earlier point from a faster phase would
        make the tail too steep. Use 3 or more with dense late sampling, to average noise.

    Returns
    -------
    TIAEstimate
        ``method="hybrid"``; ``parameters`` as for :func:`trapezoid_tia`, plus
        ``fitted_rate_per_h`` (λ̂, before the physical-decay limit), ``tail_rate_per_h``
        (λ_tail), ``tail_points`` and ``rate_limited`` (1.0 when λ_phys was used, else 0.0).

    Raises
    ------
    FitError
        As :func:`trapezoid_tia`; ``tail_points`` < 2 or more than the measurements; a
        non-positive activity among the tail points.

    Notes
    -----
    The SD is first order (delta method) in the data: exact for the trapezoids, linearised for
    A_n/λ̂ through ∂λ̂/∂Aᵢ = −cᵢ/Aᵢ with cᵢ the least-squares slope weights. When the physical
    limit is active λ_tail does not depend on the data and the SD is that of the trapezoid.

    Examples
    --------
    Mono-exponential data with T_eff = 60 h: the tail is exact, A_n/λ_eff:

    >>> t = np.array([4.0, 24.0, 96.0, 168.0])
    >>> lam_eff = np.log(2) / 60.0
    >>> est = hybrid_tia(t, 100 * np.exp(-lam_eff * t), nuclide="Lu-177")
    >>> round(float(est.parameters["tail_rate_per_h"] / lam_eff), 9)
    1.0
    >>> round(float(est.parameters["tail_MBq_h"] / (100 * np.exp(-lam_eff * 168.0) / lam_eff)), 9)
    1.0
    """
    name, lam = _radioactive(nuclide)
    t, y, s = _series(times_h, activity_MBq, sigma, 2)
    if isinstance(tail_points, bool) or not isinstance(tail_points, (int, np.integer)) \
            or not 2 <= tail_points <= t.size:
        raise FitError("tail_points", f"an integer from 2 to the number of measurements ({t.size})",
                       tail_points)
    k = int(tail_points)
    tt, yy = t[-k:], y[-k:]
    if yy.min() <= 0:
        raise FitError("activity_MBq", f"activities > 0 MBq at the last {k} (tail) points", yy.tolist())
    if s is not None and s[-k:].min() <= 0:
        raise FitError("sigma", f"standard deviations > 0 MBq at the last {k} (tail) points", s[-k:].tolist())
    v = np.ones(k) if s is None else (yy / s[-k:]) ** 2          # weights of ln A: 1/var(ln A)
    tbar = float(v @ tt / v.sum())
    c = v * (tt - tbar) / float(v @ (tt - tbar) ** 2)          # slope = c · ln A
    rate_fit = -float(c @ np.log(yy))
    limited = rate_fit < lam
    rate = lam if limited else rate_fit
    w, w0 = _trapezoid_weights(t, lam, first_segment)
    first = w0 * float(y[0])
    tail = float(y[-1]) / rate
    tia = float(w @ y) + tail
    grad = w.copy()
    grad[-1] += 1.0 / rate
    if not limited:                                          # ∂(A_n/λ)/∂A_i through λ = −c·ln A
        grad[-k:] += float(y[-1]) / rate ** 2 * c / yy
    inner = tia - first - tail
    frac = lambda part: part / tia if tia > 0 else float("nan")  # noqa: E731
    tail_text = (f"physical decay only (fitted rate {rate_fit:.4g}/h is slower than physical decay)"
                 if limited else f"mono-exponential at {rate:.4g}/h (T_eff = {_LN2 / rate:.4g} h)")
    return TIAEstimate(
        "hybrid", tia, _sd(grad, s), frac(tail),
        f"first segment [0, {t[0]:g} h]: {first_segment!r}; linear between measurements; after "
        f"the last measurement ({t[-1]:g} h) {tail_text}, rate fitted to ln A over the last {k} points "
        "and never slower than physical decay",
        {"first_segment_MBq_h": first, "first_segment_fraction": frac(first), "trapezoids_MBq_h": inner,
         "tail_MBq_h": tail, "tail_rate_per_h": rate, "fitted_rate_per_h": rate_fit,
         "tail_points": float(k), "rate_limited": float(limited)},
        name, lam, None, t, y)


# ------------------------------------------------------------------------------------------------
# single time point


def haenscheid_ratio(t_over_teff: npt.ArrayLike) -> np.ndarray:
    r"""Estimate/true of the Hänscheid TIA for a mono-exponential curve, against t/T_eff.

    For A(t) = A₀e^{−λt}, λ = ln 2/T_eff, the true TIA is A₀/λ and the estimate A(t)·2t/ln 2,
    so with x = t/T_eff

    .. math:: R(x) = \frac{2\lambda t\, e^{-\lambda t}}{\ln 2} = x\, 2^{1-x},

    which is 1 at x = 1 and x = 2 and has its maximum 2/(e ln 2) = 1.0615 at x = 1/ln 2 = 1.443.

    >>> [round(float(r), 4) for r in haenscheid_ratio([0.75, 1.0, 1 / np.log(2), 2.0, 2.5])]
    [0.8919, 1.0, 1.0615, 1.0, 0.8839]
    """
    x = np.asarray(t_over_teff, dtype=float)
    return x * np.exp2(1.0 - x)


def _ratio_range(x_lo: float, x_hi: float) -> tuple[float, float]:
    """Min and max of R(x) = x·2^{1−x} on [x_lo, x_hi] (R rises up to 1/ln 2, then falls)."""
    ends = haenscheid_ratio([x_lo, x_hi])
    peak = 1.0 / _LN2
    hi = float(haenscheid_ratio(peak)) if x_lo <= peak <= x_hi else float(ends.max())
    return float(ends.min()), hi


def _single(time_h: float, activity_MBq: float, sigma: float | None) -> tuple[float, float, float | None]:
    try:
        t, a = float(time_h), float(activity_MBq)
    except (TypeError, ValueError):
        raise FitError("time_h/activity_MBq", "one time [h] and one activity [MBq] (numbers)",
                       (time_h, activity_MBq)) from None
    if not (math.isfinite(t) and t > 0):
        raise FitError("time_h", "a finite time > 0 h after administration", time_h)
    if not (math.isfinite(a) and a >= 0):
        raise FitError("activity_MBq", "a finite activity >= 0 MBq", activity_MBq)
    s = None
    if sigma is not None:
        s = float(sigma)
        if not (math.isfinite(s) and s >= 0):
            raise FitError("sigma", "a finite standard deviation >= 0 MBq", sigma)
    return t, a, s


def _half_life_range(effective_half_life_h: float | tuple[float, float] | None,
                     phys_half_life_h: float) -> tuple[float, float] | None:
    if effective_half_life_h is None:
        return None
    lo_hi = np.atleast_1d(np.asarray(effective_half_life_h, dtype=float))
    if lo_hi.size not in (1, 2) or not np.all(np.isfinite(lo_hi)) or lo_hi.min() <= 0 \
            or (lo_hi.size == 2 and lo_hi[0] > lo_hi[1]):
        raise FitError("effective_half_life_h", "a half-life > 0 h or a range (low, high) of them",
                       effective_half_life_h)
    if lo_hi.max() > phys_half_life_h * (1 + 1e-12):
        raise FitError("effective_half_life_h",
                       f"effective half-lives <= the physical half-life ({phys_half_life_h:g} h)",
                       effective_half_life_h)
    return float(lo_hi.min()), float(lo_hi.max())


def haenscheid_tia(time_h: float, activity_MBq: float, *, nuclide: str, sigma: float | None = None,
                   effective_half_life_h: float | tuple[float, float] | None = None) -> TIAEstimate:
    r"""Single-time-point TIA by the approximation of Hänscheid et al. (2018).

    .. math:: \mathrm{TIA} \approx A(t)\, \frac{2t}{\ln 2}

    from one measurement A(t) at time t after administration [3]_ (formula checked against the
    independent implementation ``dose_hanscheid2018`` in [6]_). It needs no half-life: it is exact
    for a mono-exponential curve measured at t = T_eff or t = 2T_eff, and for other times its
    relative error is R(t/T_eff) − 1 with R(x) = x·2^{1−x} (:func:`haenscheid_ratio`, derived
    here from the formula). Hänscheid et al. proposed it for 177Lu-DOTATATE/-TOC measured about
    4 days (96 h) after administration, where kidneys and tumours have effective half-lives for
    which t lies near 1.5 T_eff.

    Parameters
    ----------
    time_h : float
        Time of the measurement after administration [h], > 0.
    activity_MBq : float
        Activity at that time [MBq], not decay-corrected.
    nuclide : str
        The nuclide (for the record and the check that T_eff ≤ T_phys).
    sigma : float, optional
        Standard deviation of the activity [MBq]; the TIA's SD is σ·2t/ln 2 (exact).
    effective_half_life_h : float or (float, float), optional
        What is known of the region's effective half-life [h]: a value or a range (low, high),
        each ≤ the physical half-life. It is *not* used in the estimate; it sets
        ``model_error_range`` to the exact range of R − 1 over t/T_eff for T_eff in that range,
        and with a single value the ``extrapolated_fraction`` e^{−ln 2·t/T_eff}. Without it the
        range assumes what the method assumes, a measurement inside :data:`HAENSCHEID_WINDOW`
        (0.75-2.5 T_eff), which gives (−11.6 %, +6.15 %).

    Returns
    -------
    TIAEstimate
        ``method="haenscheid"``; ``parameters``: ``time_h``, ``factor_h`` (2t/ln 2) and, when
        given, ``effective_half_life_low_h``/``effective_half_life_high_h``.

    Raises
    ------
    FitError
        A time ≤ 0, a negative or non-finite activity or SD, a bad effective half-life.

    Notes
    -----
    Assumptions: the curve is mono-exponential from t = 0 (uptake much faster than clearance, no
    second phase), and t is within about 0.75-2.5 effective half-lives. What could not be verified
    here: the exact wording and numbers of the paper's own error statement (the brief of issue 4
    quotes "< 10 % for t within 0.75-2.5 T_eff"; the formula gives −10.8 % and −11.6 % at those
    ends and ±10 % holds on [0.764, 2.437] T_eff; see :data:`HAENSCHEID_WINDOW`). For real curves
    with uptake and several phases the error is larger: Hou et al. [5]_ report errors of the STP
    methods by radiopharmaceutical and organ.

    References
    ----------
    .. [3] H. Hänscheid et al., J. Nucl. Med. 59 (2018) 75-81.
    .. [5] X. Hou et al., J. Nucl. Med. 62 (2021) 1006-1011.
    .. [6] D. Sarrut et al., rpt_dosi, ``rpt_dosi/dosimetry.py``.

    Examples
    --------
    Kidneys at 96 h with T_eff = 50 h (t = 1.92 T_eff):

    >>> lam = np.log(2) / 50.0
    >>> est = haenscheid_tia(96.0, 100 * np.exp(-lam * 96.0), nuclide="Lu-177", effective_half_life_h=50.0)
    >>> round(float(est.tia_MBq_h / (100 / lam)), 4)     # = R(1.92) = 1.92 * 2**-0.92
    1.0147
    >>> [round(e, 4) for e in est.model_error_range]
    [0.0147, 0.0147]
    """
    name, lam = _radioactive(nuclide)
    t, a, s = _single(time_h, activity_MBq, sigma)
    rng = _half_life_range(effective_half_life_h, _LN2 / lam)
    factor = 2.0 * t / _LN2
    params = {"time_h": t, "factor_h": factor}
    if rng is None:
        err = _ratio_range(*HAENSCHEID_WINDOW)
        frac = float("nan")
        where = (f"assumed to lie within {HAENSCHEID_WINDOW[0]}-{HAENSCHEID_WINDOW[1]} effective "
                 "half-lives (not checked: no effective half-life given)")
    else:
        err = _ratio_range(t / rng[1], t / rng[0])
        frac = math.exp(-_LN2 * t / rng[0]) if rng[0] == rng[1] else float("nan")
        params |= {"effective_half_life_low_h": rng[0], "effective_half_life_high_h": rng[1]}
        where = f"at {t / rng[1]:.3g}-{t / rng[0]:.3g} effective half-lives"
    return TIAEstimate(
        "haenscheid", a * factor, float("nan") if s is None else s * factor, frac,
        f"Hänscheid et al. 2018: TIA = A(t)·2t/ln 2 from one measurement at t = {t:g} h; "
        f"mono-exponential curve from t = 0; the measurement time is {where}; model error "
        f"{100 * (err[0] - 1):+.1f} % to {100 * (err[1] - 1):+.1f} %",
        params, name, lam, (err[0] - 1.0, err[1] - 1.0), np.array([t]), np.array([a]))


def prior_half_life_tia(time_h: float, activity_MBq: float, *, nuclide: str, effective_half_life_h: float,
                        effective_half_life_sd_h: float = 0.0, sigma: float | None = None) -> TIAEstimate:
    r"""Single-time-point TIA with a known (prior) effective half-life (Madsen et al. 2018).

    .. math::

        \mathrm{TIA} = \frac{A(t)\, e^{\lambda_\mathrm{eff} t}}{\lambda_\mathrm{eff}}, \qquad
        \lambda_\mathrm{eff} = \frac{\ln 2}{T_\mathrm{eff}}

    is exact for a mono-exponential curve A₀e^{−λ_eff t} [4]_ (formula checked against
    ``dose_madsen2018`` in [6]_). T_eff comes from elsewhere: a population value, an earlier cycle
    of the same patient, a pre-therapy scan.

    Parameters
    ----------
    time_h : float
        Time of the measurement after administration [h], > 0.
    activity_MBq : float
        Activity at that time [MBq], not decay-corrected.
    nuclide : str
        The nuclide: T_eff may not exceed its physical half-life.
    effective_half_life_h : float
        The effective half-life T_eff [h], 0 < T_eff ≤ T_phys.
    effective_half_life_sd_h : float
        Its standard deviation [h] (e.g. the population SD), propagated to first order.
    sigma : float, optional
        Standard deviation of the activity [MBq].

    Returns
    -------
    TIAEstimate
        ``method="prior_half_life"``; ``extrapolated_fraction`` = e^{−λ_eff t};
        ``model_error_range``: the relative errors for T_eff one SD either side,
        TIA(T_eff ± SD)/TIA(T_eff) − 1 (sorted; (0, 0) without an SD).

    Raises
    ------
    FitError
        A time ≤ 0, a negative activity or SD, T_eff ≤ 0 or above the physical half-life.

    Notes
    -----
    Variance (first order, independent errors):

    .. math::

        \sigma^2_\mathrm{TIA} = \left(\frac{e^{\lambda t}}{\lambda}\right)^2 \sigma_A^2
          + \left(\mathrm{TIA}\,(t - 1/\lambda)\right)^2 \sigma_\lambda^2, \qquad
        \sigma_\lambda = \lambda\, \sigma_T / T_\mathrm{eff}.

    The half-life term vanishes at t = 1/λ_eff = T_eff/ln 2: the measurement time at which an
    error in T_eff matters least (cf. [5]_ on the optimal imaging time).

    References
    ----------
    .. [4] M. T. Madsen et al., Med. Phys. 45 (2018) 2318-2324.
    .. [5] X. Hou et al., J. Nucl. Med. 62 (2021) 1006-1011.
    .. [6] D. Sarrut et al., rpt_dosi, ``rpt_dosi/dosimetry.py``.

    Examples
    --------
    >>> lam = np.log(2) / 50.0
    >>> est = prior_half_life_tia(72.0, 100 * np.exp(-lam * 72.0), nuclide="Lu-177", effective_half_life_h=50.0)
    >>> round(float(est.tia_MBq_h / (100 / lam)), 12)
    1.0
    """
    name, lam_phys = _radioactive(nuclide)
    t, a, s = _single(time_h, activity_MBq, sigma)
    rng = _half_life_range(effective_half_life_h, _LN2 / lam_phys)
    if rng is None or rng[0] != rng[1]:
        raise FitError("effective_half_life_h", "one effective half-life > 0 h", effective_half_life_h)
    T = rng[0]
    sd_T = float(effective_half_life_sd_h)
    if not (math.isfinite(sd_T) and sd_T >= 0):
        raise FitError("effective_half_life_sd_h", "a finite standard deviation >= 0 h", effective_half_life_sd_h)
    lam = _LN2 / T
    gain = math.exp(lam * t) / lam
    tia = a * gain
    sd_lam = lam * sd_T / T
    var = (0.0 if s is None else (gain * s) ** 2) + (tia * (t - 1.0 / lam) * sd_lam) ** 2
    sd = float("nan") if s is None else math.sqrt(var)

    def rel(T_alt: float) -> float:
        lam_alt = _LN2 / T_alt
        return math.exp(lam_alt * t) / lam_alt / gain - 1.0

    errs = sorted([rel(max(T - sd_T, 1e-300)), rel(T + sd_T)]) if sd_T > 0 else [0.0, 0.0]
    return TIAEstimate(
        "prior_half_life", tia, sd, math.exp(-lam * t),
        f"Madsen et al. 2018: TIA = A(t)·exp(λ_eff t)/λ_eff from one measurement at t = {t:g} h and a "
        f"prior effective half-life {T:g} ± {sd_T:g} h; mono-exponential curve from t = 0",
        {"time_h": t, "effective_half_life_h": T, "effective_half_life_sd_h": sd_T,
         "effective_rate_per_h": lam},
        name, lam_phys, (errs[0], errs[1]), np.array([t]), np.array([a]))
