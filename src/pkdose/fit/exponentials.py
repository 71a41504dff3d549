"""Sums of exponentials fitted to time-activity data, with AICc model selection (NUKFIT style).

Candidate functions (biological rate constants kᵢ ≥ 0 [1/h]; the physical decay constant λ of the
nuclide is built in, so every term decays at least as fast as the nuclide):

=========  ========================================================================  =========
name       A(t) [MBq]                                                                 k (free)
=========  ========================================================================  =========
``1``      a₁ e^{−(k₁+λ)t}                                                            2
``1u``     a₁ (e^{−(k₁+λ)t} − e^{−(k₁+k_u+λ)t})       uptake, A(0) = 0                3
``2``      a₁ e^{−(k₁+λ)t} + a₂ e^{−(k₁+k₂+λ)t}                                       4
``2u``     a₁ e^{−(k₁+λ)t} + a₂ e^{−(k₁+k₂+λ)t} − (a₁+a₂) e^{−(k₁+k₂+k_u+λ)t}         5
``3``      three decaying terms, rates ordered k₁ < k₁+k₂ < k₁+k₂+k₃                  6
=========  ========================================================================  =========

Rates are parameterised as increments, so the terms stay ordered and identifiable. The
time-integrated activity is analytic, TIA = Σ aᵢ/(rateᵢ), and its standard deviation comes from
the fit covariance by the delta method (gradient by central differences with a relative step of
1e-7: truncation and rounding both below 1e-8 relative). Models are compared by the corrected
Akaike criterion AICc = AIC + 2K(K+1)/(n−K−1) (Burnham & Anderson 2002), which lmfit does not
provide; a candidate needs n − K − 1 > 0 and a finite covariance to be eligible. Goodness-of-fit
facts (parameter coefficients of variation, maximum correlation, the share of the TIA that lies
beyond the last measurement) are reported, not hidden. With a residual-error model
(``error_model=``, :mod:`pkdose.fit.residual_error`) the candidates are fitted by maximum
likelihood instead, and AICc counts the estimated error parameters. Methods that need no fitted
curve (trapezoid, hybrid, single time point) are in :mod:`pkdose.fit.integrate`.

References
----------
G. Glatting, P. Kletting, S. N. Reske, K. Hohl, C. Ring, "Choosing the optimal fit function:
comparison of the Akaike information criterion and the F-test", Med. Phys. 34 (2007) 4285-4292.
P. Kletting et al., "Optimal fit function selection for time-activity curves (NUKFIT)",
Med. Phys. 40 (2013) 102504.
K. P. Burnham, D. R. Anderson, Model Selection and Multimodel Inference, 2nd ed., Springer 2002.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import warnings

import lmfit
import numpy as np
import numpy.typing as npt

from ..errors import PkdoseError, UnknownNameError

if TYPE_CHECKING:                                   # residual_error imports FitError from here
    from .residual_error import ResidualError

__all__ = ["ExponentialFit", "CandidateFit", "FitError", "fit_exponentials", "fit_trial", "exp_sum", "CANDIDATES"]

#: candidate name -> (number of decaying terms, uptake phase)
CANDIDATES: dict[str, tuple[int, bool]] = {"1": (1, False), "1u": (1, True), "2": (2, False),
                                           "2u": (2, True), "3": (3, False)}


class FitError(PkdoseError, ValueError):
    """Data that cannot be fitted as given (``field``, ``expected``, ``got``)."""

    def __init__(self, field: str, expected: str, got: object) -> None:
        self.field, self.expected, self.got = field, expected, got
        super().__init__(f"{field}: expected {expected}, got {got!r}")


def exp_sum(t: npt.ArrayLike, amplitudes: npt.ArrayLike, rates: npt.ArrayLike) -> np.ndarray:
    """Σ aᵢ e^{−rᵢ t} (the plain function the fit models wrap).

    >>> float(exp_sum(0.0, [2.0, -2.0], [0.1, 1.0]))
    0.0
    """
    t = np.asarray(t, dtype=float)
    a = np.asarray(amplitudes, dtype=float)
    r = np.asarray(rates, dtype=float)
    return np.sum(a[:, None] * np.exp(-r[:, None] * np.atleast_1d(t)[None, :]), axis=0).reshape(t.shape)


def _terms(name: str, p: dict[str, float], lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Amplitudes and total rates of candidate *name* for parameter values *p*."""
    n, uptake = CANDIDATES[name]
    rates, amps, acc = [], [], lam
    for i in range(1, n + 1):
        acc += p[f"k{i}"]
        rates.append(acc)
        amps.append(p[f"a{i}"])
    if uptake:
        rates.append(acc + p["ku"])
        amps.append(-sum(amps))
    return np.array(amps), np.array(rates)


@dataclass(frozen=True)
class CandidateFit:
    """One fitted candidate function."""

    name: str
    success: bool
    n_params: int
    aicc: float
    chisqr: float
    params: dict[str, float]
    stderr: dict[str, float]
    tia_MBq_h: float
    tia_sd_MBq_h: float
    max_correlation: float
    message: str
    covariance: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: with ``error_model``: the fitted error model (estimated parameters filled in) and the
    #: standard errors of its estimated parameters; ``n_params`` then counts those parameters
    error_model: ResidualError | None = None
    error_stderr: dict[str, float] = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        """Converged, with a finite AICc and finite uncertainties."""
        return bool(self.success and np.isfinite(self.aicc) and np.isfinite(self.tia_sd_MBq_h))


#: What a curve fit can describe (:attr:`ExponentialFit.quantity`).
FIT_QUANTITIES = ("activity", "concentration")


@dataclass(frozen=True)
class ExponentialFit:
    """Result of :func:`fit_exponentials`: the selected function and every candidate tried.

    Attributes
    ----------
    model : str
        Selected candidate (``"1"``, ``"1u"``, ``"2"``, ``"2u"``, ``"3"``).
    n_terms : int
        Decaying terms of the selected function.
    uptake : bool
        Whether it has an uptake phase.
    tia_MBq_h, tia_sd_MBq_h : float
        Time-integrated activity from 0 to ∞ and its standard deviation (delta method) [MBq·h].
    extrapolated_fraction : float
        Share of the TIA after the last measurement.
    aicc : float
        AICc of the selected function.
    params, stderr : dict
        Fitted parameters (``a*`` in MBq, ``k*`` in 1/h, biological increments) and their SDs.
    success : bool
        A candidate was eligible.
    candidates : tuple of CandidateFit
        All candidates tried, in order, for the report's AICc table.
    nuclide : str
    decay_constant_per_h : float
    error_model : ResidualError or None
        The residual-error model of the selected fit with its estimated parameters filled in
        (``None`` when ``fit_exponentials`` was called without ``error_model``).
    error_stderr : dict
        Standard errors of the estimated error-model parameters.
    quantity : {"activity", "concentration"}
        What was fitted: activity [MBq] (TIA in MBq·h) or an activity concentration [MBq/L]
        (the "TIA" fields then hold the time-integrated concentration, MBq·h/L). Dose
        calculations check it, so a concentration curve is never taken for an organ's activity.
    """

    model: str
    n_terms: int
    uptake: bool
    tia_MBq_h: float
    tia_sd_MBq_h: float
    extrapolated_fraction: float
    aicc: float
    params: dict[str, float]
    stderr: dict[str, float]
    success: bool
    candidates: tuple[CandidateFit, ...]
    nuclide: str
    decay_constant_per_h: float
    times_h: np.ndarray = field(repr=False)
    activity_MBq: np.ndarray = field(repr=False)
    covariance: np.ndarray | None = field(default=None, repr=False, compare=False)
    error_model: ResidualError | None = None
    error_stderr: dict[str, float] = field(default_factory=dict)
    quantity: str = "activity"

    def terms(self, params: dict[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Amplitudes [MBq] and total decay rates [1/h] (physical included) of the selected function.

        A(t) = Σ aᵢ e^{−rᵢ t}; an uptake phase is a term with a negative amplitude. *params*
        replaces the fitted parameter values (e.g. a draw from the covariance).
        """
        return _terms(self.model, self.params if params is None else params, self.decay_constant_per_h)

    def curve(self, t: npt.ArrayLike) -> np.ndarray:
        """The selected function at times *t* [h] → activity [MBq]."""
        a, r = _terms(self.model, self.params, self.decay_constant_per_h)
        return exp_sum(t, a, r)

    def parameter_draws(self, n: int, seed: int = 0, *, what: str = "parameter_draws") -> list[dict[str, float]]:
        """*n* parameter sets drawn from the normal approximation of the fit (its covariance),
        without the draws that fall outside the model's domain (a negative rate)."""
        cand = next(c for c in self.candidates if c.name == self.model)
        if self.covariance is None:
            raise FitError(what, "a fit with a covariance matrix", "none (fit not eligible)")
        names = list(cand.params)
        draws = np.random.default_rng(seed).multivariate_normal([cand.params[k] for k in names],
                                                                np.asarray(self.covariance), size=n)
        params = (dict(zip(names, row)) for row in draws)
        return [p for p in params if not any(p[k] < 0 for k in names if k.startswith("k"))]

    def tia_monte_carlo(self, n: int = 4000, seed: int = 0) -> tuple[float, float]:
        """Mean and SD of the TIA [MBq·h] over parameter draws from the fit covariance (normal)."""
        tias = []
        for p in self.parameter_draws(n, seed, what="tia_monte_carlo"):
            a, r = _terms(self.model, p, self.decay_constant_per_h)
            tias.append(float(np.sum(a / r)))
        arr = np.asarray(tias)
        return float(arr.mean()), float(arr.std(ddof=1))


def _start_values(t: np.ndarray, y: np.ndarray, lam: float) -> tuple[float, float]:
    """Data-driven start: log-linear fit of the last (up to 3) positive points → (a, k)."""
    pos = y > 0
    tt, yy = t[pos], y[pos]
    if tt.size >= 2:
        tail = slice(max(0, tt.size - 3), tt.size)
        slope, icpt = np.polyfit(tt[tail], np.log(yy[tail]), 1)
        k = max(-slope - lam, 1e-4)
        a = float(np.exp(icpt))
    else:
        k, a = 0.05, float(np.max(y))
    return a, k


def _candidate_params(name: str, y: np.ndarray, start: tuple[float, float]) -> lmfit.Parameters:
    """Bounded parameters of candidate *name* with data-driven start values."""
    n_terms, uptake = CANDIDATES[name]
    a0, k0 = start
    ymax = float(np.max(y))
    p = lmfit.Parameters()
    for i in range(1, n_terms + 1):
        p.add(f"a{i}", value=a0 if i == 1 else 0.5 * ymax, min=0.0, max=100.0 * ymax)
        p.add(f"k{i}", value=k0 if i == 1 else 5.0 * k0 * i, min=0.0, max=1e3)
    if uptake:
        p.add("ku", value=max(1.0, 10 * k0), min=1e-6, max=1e3)
    return p


def _delta_tia(name: str, vals: dict[str, float], names: list[str], cov: np.ndarray,
               lam: float) -> tuple[float, float]:
    """SD of the TIA by the delta method, and the largest parameter correlation."""
    grad = np.empty(len(names))
    h = 1e-7
    for j, nm in enumerate(names):                   # gradient of TIA, central differences
        step = h * max(abs(vals[nm]), 1e-6)
        up, dn = dict(vals), dict(vals)
        up[nm] += step
        dn[nm] -= step
        au, ru = _terms(name, up, lam)
        ad, rd = _terms(name, dn, lam)
        grad[j] = (np.sum(au / ru) - np.sum(ad / rd)) / (2 * step)
    sd = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    d = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = cov / np.outer(d, d)
    off = np.abs(c[~np.eye(len(names), dtype=bool)])
    corr = float(off.max()) if off.size else 0.0
    return sd, corr


def _fit_candidate(name: str, t: np.ndarray, y: np.ndarray, sigma: np.ndarray | None, lam: float,
                   start: tuple[float, float]) -> CandidateFit:
    p = _candidate_params(name, y, start)
    K = len(p)
    w = None if sigma is None else 1.0 / sigma

    def resid(par):
        a, r = _terms(name, par.valuesdict(), lam)
        res = exp_sum(t, a, r) - y
        return res if w is None else res * w

    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # an over-parameterised candidate can end with a singular or indefinite covariance; lmfit
        # then warns while taking square roots. Such a candidate is marked ineligible below.
        warnings.simplefilter("ignore", RuntimeWarning)
        out = lmfit.minimize(resid, p, method="least_squares", scale_covar=sigma is None)
    n = t.size
    vals = {k: float(v.value) for k, v in out.params.items()}
    errs = {k: float(v.stderr) if v.stderr is not None else float("nan") for k, v in out.params.items()}
    aicc = float(out.aic + 2 * K * (K + 1) / (n - K - 1)) if n - K - 1 > 0 else float("inf")
    tia, sd, corr = float("nan"), float("nan"), float("nan")
    a, r = _terms(name, vals, lam)
    tia = float(np.sum(a / r))
    cov = out.covar
    if cov is not None and np.all(np.isfinite(cov)) and np.all(np.diag(cov) > 0):
        sd, corr = _delta_tia(name, vals, list(out.var_names), cov, lam)
    return CandidateFit(name, bool(out.success), K, aicc, float(out.chisqr), vals, errs, tia, sd, corr,
                        str(out.message), cov)


def _fit_candidate_ml(name: str, t: np.ndarray, y: np.ndarray, lam: float, start: tuple[float, float],
                      error_model: ResidualError) -> CandidateFit:
    """Candidate *name* fitted by maximum likelihood jointly with the free error parameters."""
    from .residual_error import fit_with_error_model

    p = _candidate_params(name, y, start)
    curve_names = list(p)

    def predict(v: dict[str, float]) -> np.ndarray:
        a, r = _terms(name, v, lam)
        return exp_sum(t, a, r)

    fit = fit_with_error_model(predict, p, y, error_model)
    n, K = t.size, fit.n_free                        # K counts the estimated error parameters too
    aicc = (fit.minus2_log_likelihood + 2 * K + 2 * K * (K + 1) / (n - K - 1)
            if n - K - 1 > 0 and fit.success else float("inf"))
    vals = dict(fit.params)
    errs = {k: fit.stderr.get(k, float("nan")) for k in curve_names}
    a, r = _terms(name, vals, lam)
    tia, sd, corr = float(np.sum(a / r)), float("nan"), float("nan")
    cov = None
    if fit.covariance is not None:
        idx = [fit.var_names.index(k) for k in curve_names]
        cov = fit.covariance[np.ix_(idx, idx)]
        if np.all(np.isfinite(cov)) and np.all(np.diag(cov) > 0):
            sd, corr = _delta_tia(name, vals, curve_names, cov, lam)
        else:
            cov = None
    err_sd = {k: fit.stderr[k] for k in error_model.free_parameters}
    return CandidateFit(name, fit.success, K, float(aicc), fit.chisqr, vals, errs, tia, sd, corr,
                        fit.message, cov, fit.error_model, err_sd)


def fit_exponentials(times_h: npt.ArrayLike, activity_MBq: npt.ArrayLike, *, nuclide: str,
                     sigma: npt.ArrayLike | None = None, n_terms: Sequence[int] = (1, 2, 3),
                     uptake: str | bool = "auto", criterion: str = "aicc",
                     error_model: ResidualError | None = None,
                     quantity: str = "activity") -> ExponentialFit:
    """Fit sums of exponentials to one time-activity curve and select one by AICc.

    Parameters
    ----------
    times_h : array-like
        Measurement times after administration [h], ≥ 0, strictly increasing.
    activity_MBq : array-like
        Activity at those times [MBq] (not decay-corrected), ≥ 0.
    nuclide : str
        The nuclide, whose physical decay constant is built into every term.
    sigma : array-like, optional
        Standard deviation of each measurement [MBq]. Without it the residual scale is estimated
        from the fit (covariance scaled by reduced χ²).
    n_terms : sequence of int
        Numbers of decaying terms to try (1-3).
    uptake : "auto", True or False
        Also try (or only try) functions with an uptake phase. ``"auto"`` tries both.
    criterion : "aicc"
        Model selection criterion.
    error_model : ResidualError, optional
        A residual-error model from :mod:`pkdose.fit.residual_error` (``AdditiveError``,
        ``ProportionalError``, ``CombinedError``). Each candidate is then fitted by maximum
        likelihood, jointly with the error parameters left ``None``
        (:func:`~pkdose.fit.residual_error.fit_with_error_model`), and compared by
        AICc = −2 log L + 2K + 2K(K+1)/(n−K−1) where K counts the curve parameters *and* the
        estimated error parameters (fixed ones are not counted). A candidate is eligible only if
        n − K − 1 > 0: a mono-exponential with an estimated CV needs 5 points. The
        uncertainties are absolute (the likelihood's curvature), not rescaled by χ². Not together
        with ``sigma``: give one description of the noise. ``None`` (the default) keeps the
        least-squares fit described above.
    quantity : {"activity", "concentration"}, default "activity"
        What the values are: activities [MBq] or activity concentrations [MBq/L] (e.g. blood
        samples); recorded in the result (:attr:`ExponentialFit.quantity`).

    Returns
    -------
    ExponentialFit

    Raises
    ------
    FitError
        Bad data or options (``field`` names which), or ``sigma`` and ``error_model`` together.
    UnknownNameError
        An unknown nuclide or criterion.

    Examples
    --------
    A kidney curve of Lu-177 with an effective half-life of 50 h, four time points:

    >>> t = np.array([4.0, 24.0, 96.0, 168.0])
    >>> lam_eff = np.log(2) / 50.0
    >>> fit = fit_exponentials(t, 10 * np.exp(-lam_eff * t), nuclide="Lu-177", n_terms=(1,), uptake=False)
    >>> fit.model, round(float(fit.tia_MBq_h / (10 / lam_eff)), 6)
    ('1', 1.0)
    """
    from ..nuclides import get_nuclide

    if criterion != "aicc":
        raise UnknownNameError("criterion", criterion, ("aicc",), "fit_exponentials")
    if quantity not in FIT_QUANTITIES:
        raise UnknownNameError("quantity", quantity, FIT_QUANTITIES, "fit_exponentials")
    t = np.asarray(times_h, dtype=float)
    y = np.asarray(activity_MBq, dtype=float)
    if t.ndim != 1 or t.shape != y.shape:
        raise FitError("times_h/activity_MBq", "1-D arrays of the same length", f"shapes {t.shape}, {y.shape}")
    if t.size < 3:
        raise FitError("times_h", "at least 3 time points", t.size)
    if not np.all(np.isfinite(t)) or t.min() < 0 or np.any(np.diff(t) <= 0):
        raise FitError("times_h", "finite times >= 0 h, strictly increasing", t.tolist())
    if not np.all(np.isfinite(y)) or y.min() < 0 or not y.max() > 0:
        raise FitError("activity_MBq", "finite activities >= 0 MBq, not all zero", y.tolist())
    s = None
    if sigma is not None:
        s = np.broadcast_to(np.asarray(sigma, dtype=float), y.shape).copy()
        if not np.all(np.isfinite(s)) or s.min() <= 0:
            raise FitError("sigma", "finite standard deviations > 0 MBq", s.tolist())
    bad_terms = [n for n in n_terms if n not in (1, 2, 3)]
    if bad_terms:
        raise FitError("n_terms", "numbers of terms among 1, 2, 3", list(n_terms))
    if uptake not in ("auto", True, False):
        raise FitError("uptake", "'auto', True or False", uptake)
    if error_model is not None:
        from .residual_error import ResidualError

        if not isinstance(error_model, ResidualError):
            raise FitError("error_model", "None or a ResidualError (AdditiveError, ProportionalError, "
                           "CombinedError)", type(error_model).__name__)
        if s is not None:
            raise FitError("sigma/error_model", "either measurement SDs (sigma) or an error model, not both",
                           f"sigma and {error_model!r}")
    nuc = get_nuclide(nuclide)
    lam = nuc.decay_constant
    names = [nm for nm, (k, u) in CANDIDATES.items()
             if k in n_terms and (uptake == "auto" or u == bool(uptake))]
    start = _start_values(t, y, lam)
    if error_model is None:
        # AICc needs n > K + 1: a candidate with more parameters can never be selected, so it is
        # listed as not fitted (unless no candidate qualifies: then all are fitted, for diagnosis)
        n_par = {nm: 2 * CANDIDATES[nm][0] + int(CANDIDATES[nm][1]) for nm in names}
        can = [nm for nm in names if t.size - n_par[nm] - 1 > 0]
        fits = tuple(_fit_candidate(nm, t, y, s, lam, start) if (nm in can or not can) else
                     CandidateFit(nm, False, n_par[nm], float("inf"), float("nan"), {}, {}, float("nan"),
                                  float("nan"), float("nan"),
                                  f"not fitted: AICc needs more than K + 1 = {n_par[nm] + 1} points, got {t.size}")
                     for nm in names)
    else:
        fits = tuple(_fit_candidate_ml(nm, t, y, lam, start, error_model) for nm in names)
    eligible = [f for f in fits if f.eligible]
    best = min(eligible, key=lambda f: f.aicc) if eligible else min(fits, key=lambda f: f.chisqr)
    a, r = _terms(best.name, best.params, lam)
    after = float(np.sum(a / r * np.exp(-r * t[-1])))
    result = ExponentialFit(best.name, CANDIDATES[best.name][0], CANDIDATES[best.name][1], best.tia_MBq_h,
                            best.tia_sd_MBq_h, after / best.tia_MBq_h if best.tia_MBq_h else float("nan"),
                            best.aicc, best.params, best.stderr, bool(eligible), fits, nuc.name, lam, t, y,
                            best.covariance, error_model=best.error_model, error_stderr=best.error_stderr,
                            quantity=quantity)
    return result


def fit_trial(trial: Any, *, patient: str | None = None, quantity: str = "activity",
              **options: Any) -> dict[tuple[str, int, str], ExponentialFit]:
    """Fit every (patient, cycle, region) curve of one quantity of a :class:`~pkdose.data.Trial`.

    Measurement uncertainties are used as ``sigma`` where the curve has them. Returns a mapping
    (patient, cycle, region) -> :class:`ExponentialFit`; ``options`` go to :func:`fit_exponentials`.
    *quantity* ``"activity"`` (default: imaged regions, TIA in MBq·h) or ``"concentration"``
    (body-fluid samples in the trial's canonical MBq/L: the fits' ``tia_MBq_h`` and
    ``tia_sd_MBq_h`` are then time-integrated concentrations in MBq·h/L, the input of
    :func:`pkdose.dosimetry.regions.red_marrow_tia_from_blood` after division by 1000 mL/L).

    Examples
    --------
    >>> from pkdose.data import read_trial
    >>> blood = fit_trial(read_trial(demo_trial_dir), patient="SIM01", quantity="concentration")
    >>> sorted({region for _, _, region in blood}), len(blood)
    (['blood'], 4)
    """
    if patient is not None:
        trial.patient(patient)                      # unknown ids are errors
    if quantity not in FIT_QUANTITIES:
        raise UnknownNameError("quantity", quantity, FIT_QUANTITIES, "fit_trial")
    out: dict[tuple[str, int, str], ExponentialFit] = {}
    for tac in trial.curves(quantity):
        if patient is not None and tac.patient != patient:
            continue
        out[(tac.patient, tac.cycle, tac.region)] = fit_exponentials(
            tac.times_h, tac.activity_MBq, nuclide=trial.nuclide, sigma=tac.sigma_MBq, quantity=quantity,
            **options)
    return out
