r"""Residual-error models for curve fits: additive, proportional and combined Gaussian errors.

A measurement yᵢ [MBq] scatters about the model prediction fᵢ = f(tᵢ; θ) [MBq] as

.. math:: y_i = f_i + \sigma_i\, \varepsilon_i, \qquad \varepsilon_i \sim \mathcal N(0, 1)
          \text{ independent},

and the error model says how σᵢ depends on fᵢ:

===========================  ================  ==========================
model                        σᵢ² [MBq²]        parameters
===========================  ================  ==========================
:class:`AdditiveError`       a²                ``sigma_MBq`` = a [MBq]
:class:`ProportionalError`   (b fᵢ)²           ``cv`` = b (dimensionless)
:class:`CombinedError`       a² + (b fᵢ)²      ``sigma_MBq``, ``cv``
===========================  ================  ==========================

The combined model adds the variances (as Monolix's ``combined2`` error model does). chi's
``ConstantAndMultiplicativeGaussianErrorModel`` (STYLE.md §2.5) adds the standard deviations
instead, σᵢ = a + b fᵢ; the two agree where one term dominates.

The log-likelihood of n observations is

.. math:: -2 \log L(\theta, a, b) = \sum_{i=1}^n \left[\ln(2\pi\sigma_i^2)
          + \frac{(y_i - f_i)^2}{\sigma_i^2}\right].

Every model gives least-squares weights 1/σᵢ for a given prediction (:meth:`~ResidualError.weights`)
and evaluates −2 log L (:meth:`~ResidualError.minus2_log_likelihood`). A parameter given as a
number is fixed; a parameter left ``None`` is estimated:

- with the prediction fixed, by :func:`estimate_error_parameters` (closed form for the additive
  and proportional models, â² = Σrᵢ²/n and b̂² = Σ(rᵢ/fᵢ)²/n; numerical for the combined one);
- jointly with the curve, by :func:`fit_with_error_model`: maximum likelihood over (θ, a, b) at
  once, minimising −2 log L with :class:`lmfit.Minimizer` (Nelder-Mead) and Newton steps,
  started from the unweighted least-squares fit. The covariance is the inverse observed information,
  2 H⁻¹ with H the Hessian of −2 log L by central differences.

Why joint maximum likelihood rather than iteratively reweighted least squares (IRLS/GLS,
Carroll & Ruppert 1988): it gives the likelihood that AIC/AICc need (with the error parameters
counted, see :func:`~pkdose.fit.fit_exponentials`) and a covariance of θ that carries the
uncertainty of the estimated error parameters, which matters with the 4-8 points of a dosimetry
curve. Its price, which IRLS does not pay, is that the variance function also informs θ: if the
error model is wrong (e.g. proportional error assumed for additive noise) θ can be biased.
For an additive model with a fixed σ, −2 log L is χ² plus a constant and the fit is ordinary
weighted least squares.

How to add a model (the extension contract, as in scipy's ``OdeSolver``):

1. Subclass :class:`ResidualError` as a frozen dataclass whose fields are the error parameters,
   named with their unit, each ``float | None`` (``None`` = estimate it).
2. Set the class variable ``parameter_names`` to the field names, in order.
3. Implement ``_variance(prediction, values)`` returning σᵢ² [MBq²] for a mapping of every
   parameter name to a value, and ``_start(prediction, residual)`` returning starting values
   and ``_bounds(scale)`` returning (lower, upper) for each parameter. Everything else
   (validation, weights, likelihood, estimation) is in the base class.

References
----------
.. [1] R. J. Carroll, D. Ruppert, Transformation and Weighting in Regression, Chapman & Hall
   1988 (generalised least squares and likelihood estimation with a variance function).
.. [2] M. Davidian, D. M. Giltinan, Nonlinear Models for Repeated Measurement Data, Chapman &
   Hall 1995 (variance functions of the mean, including the combined model).
   Neither book was re-read for this module; they are cited for the standard methods, and the
   numbers here are checked by the tests against closed forms and simulation instead.
.. [3] D. Augustin et al., chi (github.com/DavAug/chi), ``chi/_error_models.py``: the error models
   as classes with the likelihood in the docstring (STYLE.md §2.5).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import lmfit
import numpy as np
import numpy.typing as npt

from ..errors import UnknownNameError
from .exponentials import FitError

__all__ = ["ResidualError", "AdditiveError", "ProportionalError", "CombinedError", "ErrorModelFit",
           "estimate_error_parameters", "fit_with_error_model"]

_LOG_2PI = math.log(2.0 * math.pi)


class ResidualError:
    """Base class of the residual-error models (see the module docstring for the contract)."""

    parameter_names: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self.parameter_names:
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float, np.floating))
                                  or not math.isfinite(v) or v < 0):
                raise FitError(f"{type(self).__name__}.{name}", "a finite number >= 0, or None to estimate it", v)

    # -- what is fixed and what is free ---------------------------------------------------------
    @property
    def free_parameters(self) -> tuple[str, ...]:
        """Names of the parameters to be estimated (those given as ``None``)."""
        return tuple(n for n in self.parameter_names if getattr(self, n) is None)

    @property
    def is_fixed(self) -> bool:
        """All parameters have values."""
        return not self.free_parameters

    @property
    def values(self) -> dict[str, float]:
        """The parameters that have values."""
        return {n: float(getattr(self, n)) for n in self.parameter_names if getattr(self, n) is not None}

    def with_values(self, **values: float) -> ResidualError:
        """A copy with some parameters set; unknown names are errors.

        >>> ProportionalError().with_values(cv=0.1)
        ProportionalError(cv=0.1)
        """
        for name in values:
            if name not in self.parameter_names:
                raise UnknownNameError("error-model parameter", name, self.parameter_names, type(self).__name__)
        return dataclasses.replace(self, **{k: float(v) for k, v in values.items()})  # type: ignore[type-var]

    # -- numerics ------------------------------------------------------------------------------
    def _variance(self, prediction: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
        raise NotImplementedError

    def _start(self, prediction: np.ndarray, residual: np.ndarray) -> dict[str, float]:
        raise NotImplementedError

    def _bounds(self, scale: float) -> dict[str, tuple[float, float]]:
        raise NotImplementedError

    def _values(self, values: Mapping[str, float] | None) -> dict[str, float]:
        out = self.values
        if values:
            out.update(values)
        missing = [n for n in self.parameter_names if n not in out]
        if missing:
            raise FitError(f"{type(self).__name__}", "values for every parameter (estimate the free ones first)",
                           f"no value for {missing}")
        return out

    def variance(self, prediction: npt.ArrayLike, values: Mapping[str, float] | None = None) -> np.ndarray:
        """σᵢ² [MBq²] at the predictions fᵢ [MBq]; *values* supplies or overrides parameters."""
        return self._variance(np.asarray(prediction, dtype=float), self._values(values))

    def sd(self, prediction: npt.ArrayLike, values: Mapping[str, float] | None = None) -> np.ndarray:
        """σᵢ [MBq] at the predictions fᵢ [MBq]."""
        return np.sqrt(self.variance(prediction, values))

    def weights(self, prediction: npt.ArrayLike, values: Mapping[str, float] | None = None) -> np.ndarray:
        """Least-squares weights 1/σᵢ [1/MBq] (multiply the residuals by them).

        >>> [round(w, 4) for w in CombinedError(sigma_MBq=0.3, cv=0.04).weights([0.0, 10.0]).tolist()]
        [3.3333, 2.0]
        """
        return 1.0 / self.sd(prediction, values)

    def minus2_log_likelihood(self, prediction: npt.ArrayLike, observed: npt.ArrayLike,
                              values: Mapping[str, float] | None = None) -> float:
        """−2 log L = Σ [ln(2π σᵢ²) + (yᵢ − fᵢ)²/σᵢ²] (dimensionless; σ in MBq).

        >>> round(AdditiveError(sigma_MBq=1.0).minus2_log_likelihood([0.0], [1.0]), 6)   # ln 2π + 1
        2.837877
        """
        f = np.asarray(prediction, dtype=float)
        y = np.asarray(observed, dtype=float)
        v = self.variance(f, values)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = float(np.sum(_LOG_2PI + np.log(v) + (y - f) ** 2 / v))
        return out if math.isfinite(out) else math.inf

    def sample(self, prediction: npt.ArrayLike, rng: np.random.Generator,
               values: Mapping[str, float] | None = None) -> np.ndarray:
        """Simulated observations fᵢ + σᵢ εᵢ [MBq] (for tests and simulation studies)."""
        f = np.asarray(prediction, dtype=float)
        return f + self.sd(f, values) * rng.standard_normal(f.shape)


@dataclass(frozen=True)
class AdditiveError(ResidualError):
    """Constant standard deviation: σᵢ = a = ``sigma_MBq`` [MBq].

    >>> AdditiveError(sigma_MBq=0.5).sd([1.0, 100.0])
    array([0.5, 0.5])
    """

    sigma_MBq: float | None = None
    parameter_names: ClassVar[tuple[str, ...]] = ("sigma_MBq",)

    def _variance(self, prediction: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
        return np.full(prediction.shape, values["sigma_MBq"] ** 2)

    def _start(self, prediction: np.ndarray, residual: np.ndarray) -> dict[str, float]:
        return {"sigma_MBq": float(np.sqrt(np.mean(residual ** 2)))}

    def _bounds(self, scale: float) -> dict[str, tuple[float, float]]:
        return {"sigma_MBq": (1e-9 * scale, 10.0 * scale)}


@dataclass(frozen=True)
class ProportionalError(ResidualError):
    """Standard deviation proportional to the prediction: σᵢ = b |fᵢ|, b = ``cv`` (dimensionless).

    A prediction of exactly 0 (an uptake curve at t = 0) has σ = 0; such a point makes the
    likelihood degenerate, so proportional error needs predictions > 0 at every measurement.

    >>> ProportionalError(cv=0.1).sd([1.0, 100.0])
    array([ 0.1, 10. ])
    """

    cv: float | None = None
    parameter_names: ClassVar[tuple[str, ...]] = ("cv",)

    def _variance(self, prediction: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
        return (values["cv"] * prediction) ** 2

    def _start(self, prediction: np.ndarray, residual: np.ndarray) -> dict[str, float]:
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = residual / np.abs(prediction)
        rel = rel[np.isfinite(rel)]
        return {"cv": float(np.sqrt(np.mean(rel ** 2))) if rel.size else 0.1}

    def _bounds(self, scale: float) -> dict[str, tuple[float, float]]:
        return {"cv": (1e-9, 10.0)}


@dataclass(frozen=True)
class CombinedError(ResidualError):
    """Additive and proportional variances added: σᵢ² = a² + (b fᵢ)², a = ``sigma_MBq`` [MBq], b = ``cv``.

    >>> CombinedError(sigma_MBq=0.3, cv=0.04).sd([0.0, 10.0])
    array([0.3, 0.5])
    """

    sigma_MBq: float | None = None
    cv: float | None = None
    parameter_names: ClassVar[tuple[str, ...]] = ("sigma_MBq", "cv")

    def _variance(self, prediction: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
        return values["sigma_MBq"] ** 2 + (values["cv"] * prediction) ** 2

    def _start(self, prediction: np.ndarray, residual: np.ndarray) -> dict[str, float]:
        a = AdditiveError()._start(prediction, residual)["sigma_MBq"]
        b = ProportionalError()._start(prediction, residual)["cv"]
        return {"sigma_MBq": 0.5 * a, "cv": 0.5 * b}

    def _bounds(self, scale: float) -> dict[str, tuple[float, float]]:
        return {"sigma_MBq": (1e-9 * scale, 10.0 * scale), "cv": (1e-9, 10.0)}


# ------------------------------------------------------------------------------------------------
# estimation


@dataclass(frozen=True)
class ErrorModelFit:
    """Result of :func:`fit_with_error_model`.

    Attributes
    ----------
    params : dict of str to float
        The curve parameters at the maximum of the likelihood (fixed ones included).
    error_model : ResidualError
        The error model with every parameter set (estimated ones filled in).
    minus2_log_likelihood : float
        −2 log L at the maximum.
    n_free : int
        Number of estimated parameters: varying curve parameters plus free error parameters
        (the K of AIC = −2 log L + 2K).
    var_names : tuple of str
        Names of the estimated parameters, in the order of ``covariance``.
    covariance : ndarray or None
        Inverse observed information 2H⁻¹ (H: Hessian of −2 log L by central differences);
        ``None`` when H is not positive definite (a flat or degenerate likelihood).
    stderr : dict of str to float
        Standard errors from ``covariance`` (``nan`` without it).
    chisqr : float
        Σ (yᵢ − fᵢ)²/σᵢ² at the maximum (≈ n for a correct error model).
    success : bool
        Nelder-Mead converged or a Newton step was taken, and −2 log L is finite.
    message : str
        Nelder-Mead's message.
    nfev : int
        Objective evaluations by Nelder-Mead (those of the Newton steps and Hessians are not counted).
    """

    params: dict[str, float]
    error_model: ResidualError
    minus2_log_likelihood: float
    n_free: int
    var_names: tuple[str, ...]
    covariance: np.ndarray | None = field(repr=False, compare=False)
    stderr: dict[str, float]
    chisqr: float
    success: bool
    message: str
    nfev: int


def _check_data(observed: npt.ArrayLike,
                prediction: npt.ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    y = np.asarray(observed, dtype=float)
    if y.ndim != 1 or y.size < 2 or not np.all(np.isfinite(y)):
        raise FitError("observed", "a 1-D array of at least 2 finite values [MBq]", y.tolist() if y.ndim else y)
    if prediction is None:
        return y, None
    f = np.asarray(prediction, dtype=float)
    if f.shape != y.shape or not np.all(np.isfinite(f)):
        raise FitError("prediction", f"{y.size} finite predictions [MBq] (the shape of observed)", f.tolist())
    return y, f


def estimate_error_parameters(error_model: ResidualError, prediction: npt.ArrayLike,
                              observed: npt.ArrayLike) -> ResidualError:
    r"""Maximum-likelihood values of the free error parameters for a fixed prediction.

    Closed forms: additive â² = Σrᵢ²/n; proportional b̂² = Σ(rᵢ/fᵢ)²/n (rᵢ = yᵢ − fᵢ; both are
    the ML estimates, biased low by the factor (n − p)/n when f was fitted with p parameters).
    The combined model, or any model with several free parameters, is maximised numerically
    (:func:`fit_with_error_model` over the free parameters only).

    Parameters
    ----------
    error_model : ResidualError
        Parameters given as ``None`` are estimated; the others stay fixed.
    prediction, observed : array-like
        fᵢ and yᵢ [MBq].

    Returns
    -------
    ResidualError
        The same kind of model, every parameter set.

    Examples
    --------
    >>> estimate_error_parameters(ProportionalError(), [10.0, 20.0], [11.0, 18.0])
    ProportionalError(cv=0.1)
    """
    y, f = _check_data(observed, prediction)
    assert f is not None
    free = error_model.free_parameters
    if not free:
        return error_model
    r = y - f
    if isinstance(error_model, AdditiveError):
        return error_model.with_values(sigma_MBq=float(np.sqrt(np.mean(r ** 2))))
    if isinstance(error_model, ProportionalError):
        if np.any(f == 0):
            raise FitError("prediction", "predictions != 0 for a proportional error model", f.tolist())
        return error_model.with_values(cv=float(np.sqrt(np.mean((r / f) ** 2))))
    fit = fit_with_error_model(lambda p: f, lmfit.Parameters(), y, error_model)
    return fit.error_model


def _hessian(fun: Callable[[np.ndarray], float], x: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Central-difference Hessian (error O(h²)); 2n² + 1 evaluations."""
    n = x.size
    H = np.empty((n, n))
    f0 = fun(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = steps[i]
        H[i, i] = (fun(x + ei) - 2 * f0 + fun(x - ei)) / steps[i] ** 2
        for j in range(i):
            ej = np.zeros(n)
            ej[j] = steps[j]
            H[i, j] = H[j, i] = (fun(x + ei + ej) - fun(x + ei - ej) - fun(x - ei + ej)
                                 + fun(x - ei - ej)) / (4 * steps[i] * steps[j])
    return H


def _gradient(fun: Callable[[np.ndarray], float], x: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Central-difference gradient (error O(h²)); 2n evaluations."""
    g = np.empty(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = steps[i]
        g[i] = (fun(x + e) - fun(x - e)) / (2 * steps[i])
    return g


def _newton_polish(fun: Callable[[np.ndarray], float], x: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   steps: np.ndarray, max_iter: int = 30) -> tuple[np.ndarray, float, int, np.ndarray]:
    """Projected Newton iterations with backtracking, from *x* to the minimum of *fun*.

    Parameters at a bound with the gradient pointing outwards are held there. Stops when the
    Newton decrement −g·d (the predicted decrease of −2 log L) is below 1e-10, when no step
    decreases *fun*, or when the Hessian of the free parameters is not positive definite.
    Returns the point, its value, the number of accepted steps and the Hessian there.
    """
    f = fun(x)
    accepted = 0
    H = _hessian(fun, x, steps)
    for _ in range(max_iter):
        g = _gradient(fun, x, steps)
        free = ~(((x <= lo) & (g > 0)) | ((x >= hi) & (g < 0)))
        if not free.any():
            break
        Hf = H[np.ix_(free, free)]
        try:
            np.linalg.cholesky(Hf)
        except np.linalg.LinAlgError:
            break
        d = np.zeros(x.size)
        d[free] = -np.linalg.solve(Hf, g[free])
        if -(g @ d) < 1e-10:
            break
        t, moved = 1.0, False
        while t > 1e-6:
            xn = np.clip(x + t * d, lo, hi)
            fn = fun(xn)
            if fn < f:
                x, f, moved = xn, fn, True
                break
            t *= 0.5
        if not moved:
            break
        accepted += 1
        H = _hessian(fun, x, steps)
    return x, f, accepted, H


def fit_with_error_model(predict: Callable[[dict[str, float]], np.ndarray], params: lmfit.Parameters,
                         observed: npt.ArrayLike, error_model: ResidualError) -> ErrorModelFit:
    r"""Maximum-likelihood fit of a curve and the free parameters of its error model, jointly.

    Minimises −2 log L(θ, a, b) (module docstring) over the varying parameters θ of *params* and
    the free error parameters: :class:`lmfit.Minimizer` with Nelder-Mead (``method="nelder"``),
    started from the unweighted least-squares fit of θ (``least_squares``) and error parameters
    from its residuals, then polished by projected Newton steps on the central-difference
    gradient and Hessian (L-BFGS-B from lmfit was tried first and stopped at the start point on
    typical 6-point curves, so it is not used). Error parameters are bounded below by 1e-9
    (relative to max |y| for ``sigma_MBq``) so that an exact fit cannot drive σ to zero and
    −2 log L to −∞.

    Parameters
    ----------
    predict : callable
        ``predict(values) -> f`` [MBq], values a dict of every parameter in *params*.
    params : lmfit.Parameters
        The curve parameters with start values and bounds (not modified). Their names may not
        clash with the error model's parameter names.
    observed : array-like
        Measurements yᵢ [MBq].
    error_model : ResidualError
        Fixed parameters stay fixed; ``None`` ones are estimated.

    Returns
    -------
    ErrorModelFit

    Raises
    ------
    FitError
        Bad data, or a curve-parameter name that clashes with an error-model parameter.

    Examples
    --------
    A straight line through the origin with 10 % proportional noise:

    >>> rng = np.random.default_rng(0)
    >>> x = np.linspace(1.0, 10.0, 400)
    >>> y = ProportionalError(cv=0.1).sample(3.0 * x, rng)
    >>> p = lmfit.Parameters()
    >>> p.add("slope", value=1.0, min=0.0)
    >>> fit = fit_with_error_model(lambda v: v["slope"] * x, p, y, ProportionalError())
    >>> fit.n_free, round(fit.params["slope"], 3), round(fit.stderr["slope"], 3)    # truth 3
    (2, 2.989, 0.015)
    >>> round(fit.error_model.cv, 4), round(fit.stderr["cv"], 4)                    # truth 0.1
    (0.0999, 0.0036)
    """
    y, _ = _check_data(observed)
    clash = [n for n in params if n in error_model.parameter_names]
    if clash:
        raise FitError("params", f"curve-parameter names other than {error_model.parameter_names}", clash)
    scale = float(np.max(np.abs(y))) or 1.0
    p = params.copy()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if any(par.vary for par in p.values()):
            p = lmfit.minimize(lambda q: predict(q.valuesdict()) - y, p, method="least_squares").params
    curve_names = tuple(n for n, par in p.items() if par.vary)
    f0 = predict(p.valuesdict())
    free = error_model.free_parameters
    start = error_model._start(f0, y - f0)
    bounds = error_model._bounds(scale)
    for name in free:
        low, high = bounds[name]
        p.add(name, value=min(max(start[name], 10 * low, 1e-3 * high), 0.5 * high), min=low, max=high)
    fixed_err = error_model.values

    def split(values: Mapping[str, float]) -> tuple[np.ndarray, dict[str, float]]:
        vals = dict(values)
        err = {n: float(vals.pop(n)) for n in free}
        err.update(fixed_err)
        return predict(vals), err

    def m2ll(values: Mapping[str, float]) -> float:
        f, err = split(values)
        out = error_model.minus2_log_likelihood(f, y, err)
        return out if math.isfinite(out) else 1e300

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        out = lmfit.Minimizer(lambda q: m2ll(q.valuesdict()), p, calc_covar=False).minimize(method="nelder")
    values = {k: float(v.value) for k, v in out.params.items()}
    var_names = curve_names + free
    x0 = np.array([values[n] for n in var_names])
    lo = np.array([p[n].min for n in var_names], dtype=float)
    hi = np.array([p[n].max for n in var_names], dtype=float)
    steps = 1e-4 * np.maximum(np.abs(x0), 1e-6 * scale)

    def fx(x: np.ndarray) -> float:
        v = dict(values)
        v.update(zip(var_names, (float(e) for e in x)))
        return m2ll(v)

    cov = None
    newton = 0
    if var_names:
        x, best, newton, H = _newton_polish(fx, x0, lo, hi, steps)
        values.update(zip(var_names, (float(e) for e in x)))
        try:
            np.linalg.cholesky(H)
            cov = 2.0 * np.linalg.inv(H)
        except np.linalg.LinAlgError:
            cov = None
    else:
        best = m2ll(values)
    converged = bool(out.success) or newton > 0
    nfev = int(out.nfev)
    sd = np.sqrt(np.diag(cov)) if cov is not None else np.full(len(var_names), np.nan)
    f, err = split(values)
    fitted = error_model.with_values(**{n: err[n] for n in free}) if free else error_model
    chisqr = float(np.sum((y - f) ** 2 / error_model.variance(f, err)))
    curve_values = {n: values[n] for n in params}
    return ErrorModelFit(curve_values, fitted, best, len(var_names), var_names, cov,
                         dict(zip(var_names, (float(s) for s in sd))), chisqr,
                         converged and best < 1e300, str(out.message), nfev)
