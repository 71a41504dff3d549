r"""Fitting a whole compartment model jointly to several measured regions of one patient.

:func:`fit_model` estimates some parameters of a :class:`~pkdose.model.CompartmentModel` (library or
user-built) from one patient of a :class:`~pkdose.data.Trial`: whole-body and organ activities,
blood concentrations and cumulative excretion at once, each measurement compared with its own
model output.

What is compared with what (``observations``)
---------------------------------------------
A mapping from a trial measurement ``(region, quantity)`` — quantity one of ``"activity"``,
``"concentration"``, ``"cumulative_excreted"`` (see :mod:`pkdose.data.trial`) — to a
:class:`ModelOutput`, or to a string shorthand for one:

===========================================  ==================================================
mapping value                                model prediction [unit of the measurement]
===========================================  ==================================================
``ModelOutput.body()`` or ``"*"``            activity in every body compartment (sinks excluded)
``ModelOutput.group("Alimentary tract")``    activity summed over a group's compartments
``ModelOutput.compartments("blood")``        activity summed over the named compartments
``ModelOutput.sink("faeces")``               cumulative excreted activity still present [MBq]
a string                                     a group, else a compartment, else a sink of that name
===========================================  ==================================================

Activities are those of the model's parent nuclide unless ``ModelOutput(..., nuclide=...)`` says
otherwise, and they are *not* decay-corrected (as the trial format stores them). A
``"concentration"`` is the output divided by a volume [L]: ``ModelOutput(..., volume_L=...)``, or,
for region ``"blood"`` without a volume, the patient's blood volume = ``organ_mass_kg["blood"]``
of the manifest / 1.06 kg/L (ICRP Publication 89 blood density). ``"cumulative_excreted"`` must
map to sinks only, the other quantities to body compartments only.

For example, for the ICRP 137 radium model and the Ra-223 demo trial::

    observations = {("whole_body", "activity"): "*",
                    ("gut", "activity"): "Alimentary tract",
                    ("blood", "concentration"): "Blood",
                    ("urine", "cumulative_excreted"): "urine",
                    ("faeces", "cumulative_excreted"): "faeces"}

Time axis and doses
-------------------
Measurement times in the trial are hours after their cycle's administration. They are placed on
one time axis starting at the patient's first administration, using the manifest's ``start``
date-times; without them only one cycle can be fitted, and its administration is time 0. The
default regimen is a :class:`~pkdose.model.Bolus` of every administration of the patient into
the model's injection site (:func:`pkdose.model.library.injection_site` for library models,
``into=`` otherwise); ``regimen=`` replaces it (its time 0 is then the same first administration).

Estimation
----------
Parameters are estimated on the **log scale**, :math:`\phi = \ln\theta`, so rates stay positive
and multiplicative uncertainty is symmetric; bounds are :math:`\theta_0/1000 \le \theta \le
1000\,\theta_0` about the start value unless given. The objective is weighted least squares,

.. math:: \chi^2(\phi) = \sum_k \sum_i \left(\frac{y_{ki} - f_{ki}(\phi)}{\sigma_{ki}}\right)^2,

minimised by :class:`lmfit.Minimizer` (``least_squares``, trust-region reflective, native bounds).
``σ`` comes from the trial's measurement uncertainties (the default), or from a residual-error
model (:mod:`pkdose.fit.residual_error`) evaluated at the prediction. A prediction-dependent σ is
handled by iteratively reweighted least squares (generalised least squares, Carroll & Ruppert
1988, ch. 2): σ is computed from the previous iterate's prediction and held fixed while the
parameters are refitted, until the parameters stop moving (change of every ln θ below 1e-7).
Error parameters left ``None`` are re-estimated at each iteration from the residuals
(:func:`~pkdose.fit.residual_error.estimate_error_parameters`, pseudo-likelihood) and multiplied
by :math:`\sqrt{N/(N-p)}` (N measurements, p fitted parameters: the usual degrees-of-freedom
correction of a residual variance; without it the standard errors come out too small with the
few points of a dosimetry protocol). One :class:`~pkdose.fit.ResidualError` given for all
observations has **one** set of parameters shared by them (e.g. one CV for every measurement);
a mapping ``(region, quantity) -> ResidualError`` gives each listed observation its own (needed
when the noise differs between instruments, and always for additive errors across observations
in different units). σ is floored at 1e-9 × the largest value of its observation, so a zero
prediction cannot give an infinite weight.

The Jacobian is exact when the model is linear and small enough (``jacobian="auto"``: up to 80
states): the engine's Fréchet-derivative sensitivities (:mod:`pkdose.solve.sensitivity`) of a copy
of the model in which the parameters not being fitted are replaced by their numbers, so only the
fitted parameters are differentiated; :math:`\partial f/\partial\phi = \theta\,\partial f/\partial
\theta`. Otherwise (nonlinear or large models, e.g. 175 states of Ra-223 with in-situ progeny,
where one sensitivity evaluation takes seconds) central finite differences in φ with step 1e-4,
all 2p + 1 parameter sets in one vectorised :func:`pkdose.simulate` call. ``ModelFit.jacobian``
says which was used.

Uncertainty and diagnostics: the covariance of φ is :math:`(J^\top J)^{-1}` of the weighted
Jacobian at the optimum, *not* rescaled by the reduced χ² (σ is taken as known; with estimated
error parameters their own uncertainty is not propagated). Standard errors of θ follow by the
delta method, :math:`\mathrm{se}(\theta) = \theta\,\mathrm{se}(\phi)`; parameters at a bound, the
correlation matrix and the condition number of :math:`J^\top J` (identifiability) are reported.
AIC = −2 log L + 2K with the Gaussian likelihood at the final σ, K = fitted parameters plus
estimated error parameters; AICc = AIC + 2K(K+1)/(n−K−1) (Burnham & Anderson 2002).

References
----------
R. J. Carroll, D. Ruppert, Transformation and Weighting in Regression, Chapman & Hall 1988.
K. P. Burnham, D. R. Anderson, Model Selection and Multimodel Inference, 2nd ed., Springer 2002.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import lmfit
import numpy as np
import pandas as pd
import sympy

from ..errors import UnknownNameError, check_names
from ..model.compartment_model import CompartmentModel
from ..model.dosing import Bolus, Infusion, Regimen
from .exponentials import FitError
from .residual_error import ResidualError, estimate_error_parameters

__all__ = ["ModelOutput", "ModelFit", "fit_model", "BLOOD_DENSITY_KG_PER_L"]

#: Density of blood [kg/L] used to turn the manifest's blood mass into a volume (ICRP Publication
#: 89, Table 2.14: whole blood 1.06 g/cm³).
BLOOD_DENSITY_KG_PER_L = 1.06
_QUANTITIES = ("activity", "concentration", "cumulative_excreted")
_MAX_EXACT_STATES = 80
_FD_STEP = 1e-4
_BOUND_FACTOR = 1e3

Key = tuple[str, str]


@dataclass(frozen=True)
class ModelOutput:
    """What the model predicts for one kind of measurement.

    Build one with :meth:`body`, :meth:`group`, :meth:`compartments` or :meth:`sink`; see the
    module docstring for how it is compared with the trial.

    Attributes
    ----------
    kind : {"body", "group", "compartments", "sinks"}
    names : tuple of str
        The group, compartment or sink names (empty for ``"body"``).
    nuclide : str, optional
        Nuclide whose activity is predicted (default: the model's parent).
    volume_L : float, optional
        Divide by this volume [L] (for concentrations).

    Examples
    --------
    >>> ModelOutput.group("Blood", volume_L=5.0)
    ModelOutput(kind='group', names=('Blood',), nuclide=None, volume_L=5.0)
    """

    kind: Literal["body", "group", "compartments", "sinks"]
    names: tuple[str, ...] = ()
    nuclide: str | None = None
    volume_L: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("body", "group", "compartments", "sinks"):
            raise FitError("ModelOutput.kind", "'body', 'group', 'compartments' or 'sinks'", self.kind)
        if self.kind != "body" and not self.names:
            raise FitError("ModelOutput.names", f"at least one name for kind {self.kind!r}", self.names)
        if self.volume_L is not None and not (math.isfinite(self.volume_L) and self.volume_L > 0):
            raise FitError("ModelOutput.volume_L", "a finite volume > 0 L", self.volume_L)

    @classmethod
    def body(cls, *, nuclide: str | None = None, volume_L: float | None = None) -> ModelOutput:
        """Activity in every body compartment (whole body; excreta not included)."""
        return cls("body", (), nuclide, volume_L)

    @classmethod
    def group(cls, name: str, *, nuclide: str | None = None, volume_L: float | None = None) -> ModelOutput:
        """Activity summed over the compartments of a model group (e.g. ``"Skeleton"``)."""
        return cls("group", (name,), nuclide, volume_L)

    @classmethod
    def compartments(cls, *names: str, nuclide: str | None = None, volume_L: float | None = None) -> ModelOutput:
        """Activity summed over the named compartments."""
        return cls("compartments", tuple(names), nuclide, volume_L)

    @classmethod
    def sink(cls, *names: str, nuclide: str | None = None) -> ModelOutput:
        """Cumulative excreted activity still present in the named sink(s)."""
        return cls("sinks", tuple(names), nuclide, None)

    @classmethod
    def parse(cls, value: ModelOutput | str, model: CompartmentModel) -> ModelOutput:
        """A :class:`ModelOutput`, or the string shorthand: ``"*"`` (body), a group, a compartment or a sink."""
        if isinstance(value, ModelOutput):
            return value
        if not isinstance(value, str):
            raise FitError("observations", "a ModelOutput or a group/compartment/sink name", value)
        if value == "*":
            return cls.body()
        if value in model.group_map:
            return cls.group(value)
        if value in model.compartments:
            return cls.compartments(value)
        if value in model.sinks:
            return cls.sink(value)
        raise UnknownNameError("group, compartment or sink", value,
                               ["*", *model.group_map, *model.compartments, *model.sinks], model.name)

    def members(self, model: CompartmentModel) -> tuple[str, ...]:
        """Compartments and sinks of *model* that are summed (unknown names are errors)."""
        if self.kind == "body":
            return model.compartments
        if self.kind == "group":
            groups = model.group_map
            if self.names[0] not in groups:
                raise UnknownNameError("group", self.names[0], groups, model.name)
            return groups[self.names[0]]
        known = model.compartments if self.kind == "compartments" else model.sinks
        check_names("compartment" if self.kind == "compartments" else "sink", self.names, known, model.name)
        return self.names

    def describe(self) -> str:
        """Short text for tables: ``body``, ``group Blood / 5.3 L``, ``sink faeces``."""
        what = "body" if self.kind == "body" else f"{self.kind.rstrip('s')} {', '.join(self.names)}"
        what += f" [{self.nuclide}]" if self.nuclide else ""
        return what + (f" / {self.volume_L:.4g} L" if self.volume_L else "")


@dataclass(frozen=True)
class ModelFit:
    """Result of :func:`fit_model` (declared fields only).

    Attributes
    ----------
    model : CompartmentModel
        The model that was fitted (all parameters).
    patient : str
    parameters : tuple of str
        Estimated model parameters and factors, sorted, in the order of ``log_covariance``.
    values : dict of str to float
        Fitted values [canonical units, rates in 1/h; factors dimensionless].
    stderr : dict of str to float
        Standard errors of ``values`` (delta method from the log scale; NaN without covariance).
    start : dict of str to float
        Start values.
    bounds : dict of str to (float, float)
        Lower and upper bounds used.
    at_bounds : tuple of str
        Estimated parameters that ended within 1e-6 (relative) of a bound; their standard errors
        are not meaningful.
    fixed : dict of str to float
        Every model parameter neither estimated nor in a factor, at the value used.
    factors : dict of str to tuple of str
        Estimated factors (in ``values``, dimensionless) and the model parameters each multiplies.
    references : dict of str to float
        Value of each factor member at factor 1 (its default or ``fixed=`` value).
    log_covariance : ndarray or None
        Covariance of the log-parameters ln θ, ``(p, p)``; None if JᵀJ is singular.
    correlation : ndarray or None
        Correlation matrix of the estimates ``(p, p)``.
    condition_number : float
        Condition number of JᵀJ (weighted Jacobian in ln θ): large values (> 1e8, say) mean
        parameters that the data cannot separate.
    observations : dict of (str, str) to ModelOutput
        The resolved observation mapping (volumes filled in).
    residuals : dict of (str, str) to DataFrame
        Per observation: ``cycle``, ``time_h`` (after the cycle's administration), ``t_h`` (on
        the regimen's axis), ``observed``, ``predicted``, ``sigma``, ``residual`` (observed −
        predicted) and ``weighted`` (residual / sigma), in the unit of the measurement.
    error_models : dict of (str, str) to ResidualError or None
        Per observation, the error model with its estimated parameters (None: measurement SDs);
        the same object for observations that share one.
    n_obs : int
        Number of measurements fitted.
    chisqr : float
        Σ weighted² at the optimum.
    minus2_log_likelihood : float
        −2 log L (Gaussian, at the final σ).
    n_estimated : int
        K of AIC: fitted parameters plus estimated error parameters.
    aic, aicc, bic : float
        Information criteria (AICc is inf when n − K − 1 ≤ 0).
    success : bool
        The minimiser converged, reweighting converged, and the covariance exists.
    message : str
    nfev : int
        Model evaluations by the minimiser (all reweighting passes).
    n_reweight : int
        Least-squares passes (1 with measurement SDs or a prediction-independent error model).
    jacobian : {"exact", "finite-difference"}
        How the Jacobian was computed.
    regimen : Regimen
        The doses, on the time axis of ``t_h``.
    """

    model: CompartmentModel = field(repr=False)
    patient: str
    parameters: tuple[str, ...]
    values: dict[str, float]
    stderr: dict[str, float]
    start: dict[str, float]
    bounds: dict[str, tuple[float, float]]
    at_bounds: tuple[str, ...]
    fixed: dict[str, float] = field(repr=False)
    factors: dict[str, tuple[str, ...]]
    references: dict[str, float] = field(repr=False)
    log_covariance: np.ndarray | None = field(repr=False, compare=False)
    correlation: np.ndarray | None = field(repr=False, compare=False)
    condition_number: float
    observations: dict[Key, ModelOutput] = field(repr=False)
    residuals: dict[Key, pd.DataFrame] = field(repr=False, compare=False)
    error_models: dict[Key, ResidualError | None] = field(repr=False)
    n_obs: int
    chisqr: float
    minus2_log_likelihood: float
    n_estimated: int
    aic: float
    aicc: float
    bic: float
    success: bool
    message: str
    nfev: int
    n_reweight: int
    jacobian: str
    regimen: Regimen = field(repr=False)

    @property
    def all_values(self) -> dict[str, float]:
        """Every model parameter at its fitted or fixed value (factors applied) [canonical units]."""
        out = {**self.fixed, **{p: v for p, v in self.values.items() if p not in self.factors}}
        for f, members in self.factors.items():
            out.update({m: self.values[f] * self.references[m] for m in members})
        return out

    def table(self) -> pd.DataFrame:
        """One row per estimated parameter: start, value, SD, relative SD, bounds, at a bound."""
        return pd.DataFrame([{"parameter": p, "start": self.start[p], "value": self.values[p],
                              "sd": self.stderr[p], "cv": self.stderr[p] / self.values[p],
                              "lower": self.bounds[p][0], "upper": self.bounds[p][1],
                              "at bound": p in self.at_bounds} for p in self.parameters])

    def correlation_table(self) -> pd.DataFrame:
        """The correlation matrix as a labelled DataFrame (empty without covariance)."""
        if self.correlation is None:
            return pd.DataFrame()
        return pd.DataFrame(self.correlation, index=list(self.parameters), columns=list(self.parameters))

    def simulate(self, times: Any, regimen: Regimen | Bolus | Infusion | None = None) -> Any:
        """:func:`pkdose.simulate` with the fitted parameters (the fitted regimen by default)."""
        from ..solve import simulate

        return simulate(self.model, self.all_values, self.regimen if regimen is None else regimen, times)

    def predict(self, key: Key, times: Any) -> np.ndarray:
        """The fitted model's prediction of observation *key* at *times* [h on the regimen axis]."""
        if key not in self.observations:
            raise UnknownNameError("observation", str(key), [str(k) for k in self.observations], "ModelFit")
        t = np.asarray(times, dtype=float)
        sol = self.simulate(t)
        w, k = _output_weights(self.model, self.observations[key])
        X = np.concatenate([sol.activity.to_numpy(), sol.excreted.to_numpy()], axis=2)[0]
        return X[..., k] @ w


# ------------------------------------------------------------------------------------------------
# setup helpers


def _output_weights(model: CompartmentModel, out: ModelOutput) -> tuple[np.ndarray, int]:
    """Weights over ``all_compartments`` (1/volume on members) and the nuclide index."""
    members = out.members(model)
    nuc = model.nuclides[0] if out.nuclide is None else out.nuclide
    if nuc not in model.nuclides:
        raise UnknownNameError("nuclide", nuc, model.nuclides, model.name)
    allc = model.all_compartments
    w = np.zeros(len(allc))
    for m in members:
        w[allc.index(m)] += 1.0 / (out.volume_L or 1.0)
    return w, model.nuclides.index(nuc)


def _parse_parameters(model: CompartmentModel, parameters: Any, fixed: Mapping[str, float],
                      factors: Mapping[str, Sequence[str]]
                      ) -> tuple[list[str], dict[str, float], dict[str, tuple[float, float]], dict[str, float]]:
    """Estimated names (model parameters and factors), start values, bounds, factor-member references."""
    if isinstance(parameters, str):
        parameters = [parameters]
    if isinstance(parameters, Mapping):
        spec = dict(parameters)
    elif isinstance(parameters, Sequence):
        spec = {p: None for p in parameters}
    else:
        raise FitError("parameters", "parameter names, or a mapping name -> start or (start, lower, upper)",
                       parameters)
    defaults = {**model.default_values, **fixed}
    where = f"fit_model({model.name})"
    references: dict[str, float] = {}
    for f, members in factors.items():
        if not isinstance(f, str) or not f.isidentifier() or f.startswith("A_") or f in model.parameters:
            raise FitError(f"factors[{f!r}]", "a new identifier (not a model parameter, not starting with 'A_')", f)
        if isinstance(members, str) or not members:
            raise FitError(f"factors[{f!r}]", "a non-empty sequence of model parameter names", members)
        check_names("parameter", members, model.parameters, f"{where}, factors[{f!r}]")
        for m in members:
            if m in references or m in spec or m in fixed:
                raise FitError(f"factors[{f!r}]", "parameters that are in no other factor, not estimated on "
                               "their own and not fixed", m)
            ref = defaults.get(m, float("nan"))
            if not (math.isfinite(ref) and ref > 0):
                raise FitError(f"factors[{f!r}]", f"a reference value > 0 for {m!r} (its default or fixed= value)",
                               ref)
            references[m] = float(ref)
        spec.setdefault(f, 1.0)
    if not spec:
        raise FitError("parameters", "at least one parameter (or factor) to estimate", list(spec))
    check_names("parameter", spec, [*model.parameters, *factors], where)
    both = sorted(set(spec) & set(fixed))
    if both:
        raise FitError("fixed", "parameters that are not also estimated", both)
    names = sorted(spec)
    start: dict[str, float] = {}
    bounds: dict[str, tuple[float, float]] = {}
    for p in names:
        s = spec[p]
        lo = hi = None
        if isinstance(s, (tuple, list)):
            if len(s) != 3:
                raise FitError(f"parameters[{p!r}]", "a start value or (start, lower, upper)", s)
            s, lo, hi = s
        v = float(s) if s is not None else defaults.get(p, float("nan"))
        if not (math.isfinite(v) and v > 0):
            raise FitError(f"parameters[{p!r}]", "a finite start value > 0 (fitted on the log scale); "
                           "give one as parameters={name: start}", v)
        lo = v / _BOUND_FACTOR if lo is None else float(lo)
        hi = v * _BOUND_FACTOR if hi is None else float(hi)
        if not (0 < lo <= v <= hi < math.inf):
            raise FitError(f"parameters[{p!r}]", "bounds 0 < lower <= start <= upper < inf", (v, lo, hi))
        start[p], bounds[p] = v, (lo, hi)
    return names, start, bounds, references


def _reduced_model(model: CompartmentModel, fitted: Sequence[str], values: Mapping[str, float],
                   factors: Mapping[str, Sequence[str]] | None = None,
                   references: Mapping[str, float] | None = None) -> CompartmentModel:
    """*model* whose rates depend on the *fitted* names only.

    Parameters not fitted become their numbers; a member ``p`` of a factor ``f`` becomes
    ``f * reference[p]``. The copy's parameters are exactly *fitted* (so the engine's sensitivities
    differentiate only those).
    """
    subs: dict[sympy.Symbol, sympy.Expr] = {}
    for f, members in (factors or {}).items():
        for m in members:
            subs[sympy.Symbol(m)] = sympy.Symbol(f) * sympy.Float((references or {})[m])
    for p in model.parameters:
        if p not in fitted and sympy.Symbol(p) not in subs:
            subs[sympy.Symbol(p)] = sympy.Float(float(values[p]))
    transfers = tuple(dataclasses.replace(tr, rate=tr.rate.subs(subs)) if tr.rate.free_symbols else tr
                      for tr in model.transfers)
    return model.replace(transfers=transfers, parameters=tuple(sorted(fitted)),
                         defaults=tuple((k, p) for k, p in model.defaults if k in fitted))


def _hours_between(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 3600.0


@dataclass
class _Obs:
    key: Key
    output: ModelOutput
    weights: np.ndarray
    nuclide: int
    cycle: np.ndarray
    time_h: np.ndarray
    t_abs: np.ndarray
    y: np.ndarray
    sigma: np.ndarray | None
    error_model: ResidualError | None
    idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))


def _observations(model: CompartmentModel, trial: Any, patient: str, observations: Mapping[Any, Any],
                  cycles: Sequence[int] | None, error_model: Any) -> list[_Obs]:
    from ..data.trial import EXCRETA_REGIONS, QUANTITY_UNITS

    if not isinstance(observations, Mapping) or not observations:
        raise FitError("observations", "a non-empty mapping (region, quantity) -> model output", observations)
    pat = trial.patient(patient)
    m = trial.measurements
    m = m[m["patient"] == patient]
    if cycles is not None:
        m = m[m["cycle"].isin(list(cycles))]
    out: list[_Obs] = []
    for key, value in observations.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise FitError("observations", "keys (region, quantity), e.g. ('whole_body', 'activity')", key)
        region, quantity = key
        if region not in trial.regions:
            raise UnknownNameError("region", region, trial.regions, f"trial {trial.id}")
        if quantity not in QUANTITY_UNITS:
            raise UnknownNameError("quantity", quantity, QUANTITY_UNITS, f"trial {trial.id}")
        spec = ModelOutput.parse(value, model)
        members = spec.members(model)
        is_sink = [c in model.sinks for c in members]
        if quantity == "cumulative_excreted" and not all(is_sink):
            raise FitError(f"observations[{key!r}]", "sinks only for a cumulative excretion", spec)
        if quantity != "cumulative_excreted" and any(is_sink):
            raise FitError(f"observations[{key!r}]", f"body compartments only for {quantity!r} "
                           "(excreta are 'cumulative_excreted')", spec)
        if quantity == "concentration" and spec.volume_L is None:
            mass = pat.organ_mass_kg.get("blood") if region == "blood" else None
            if mass is None:
                raise FitError(f"observations[{key!r}]",
                               "ModelOutput(..., volume_L=...) or, for region 'blood', organ_mass_kg.blood "
                               f"of patient {patient} in the manifest", "neither")
            spec = dataclasses.replace(spec, volume_L=float(mass) / BLOOD_DENSITY_KG_PER_L)
        if quantity != "concentration" and spec.volume_L is not None:
            raise FitError(f"observations[{key!r}]", "a volume only for concentrations", spec.volume_L)
        if region in EXCRETA_REGIONS and quantity != "cumulative_excreted":
            raise FitError(f"observations[{key!r}]", "quantity 'cumulative_excreted' for excreta", quantity)
        sel = m[(m["region"] == region) & (m["quantity"] == quantity)].sort_values(["cycle", "time_h"])
        if sel.empty:
            raise FitError(f"observations[{key!r}]", f"measurements of patient {patient}"
                           + (f" in cycles {list(cycles)}" if cycles is not None else ""), "none")
        w, k = _output_weights(model, spec)
        sig = sel["sigma_MBq"].to_numpy(dtype=float)
        em = error_model.get(key) if isinstance(error_model, Mapping) else error_model
        if em is not None and not isinstance(em, ResidualError):
            raise FitError("error_model", "None, a ResidualError or a mapping (region, quantity) -> ResidualError",
                           type(em).__name__)
        if em is None and not np.all(np.isfinite(sig) & (sig > 0)):
            raise FitError(f"observations[{key!r}]", "a measurement uncertainty on every row, or error_model=",
                           f"{int(np.sum(~(np.isfinite(sig) & (sig > 0))))} rows without one")
        out.append(_Obs(key, spec, w, k, sel["cycle"].to_numpy(dtype=int), sel["time_h"].to_numpy(dtype=float),
                        np.zeros(len(sel)), sel["activity_MBq"].to_numpy(dtype=float),
                        None if em is not None else sig, em))
    if isinstance(error_model, Mapping):
        check_names("observation", [str(k) for k in error_model], [str(o.key) for o in out], "error_model")
    return out


def _time_axis(trial: Any, patient: str, obs: list[_Obs], model: CompartmentModel, regimen: Any,
               into: str | None) -> tuple[Regimen, dict[int, float]]:
    admins = sorted((a for a in trial.administrations if a.patient == patient), key=lambda a: a.cycle)
    measured = sorted({int(c) for o in obs for c in o.cycle})
    by_cycle = {a.cycle: a for a in admins}
    missing = [c for c in measured if c not in by_cycle]
    if missing:
        raise FitError("trial", f"an administration for every measured cycle of {patient}", f"none for {missing}")
    if admins and all(a.start for a in admins):
        first = admins[0].start
        offsets = {a.cycle: _hours_between(first, a.start) for a in admins}
        given = admins
    elif len(measured) == 1:
        offsets = {measured[0]: 0.0}
        given = [by_cycle[measured[0]]]
    else:
        raise FitError("trial", "administration start date-times in the manifest to fit several cycles together",
                       f"cycles {measured} of {patient} without start times")
    if regimen is None:
        if into is None:
            from ..model.library import injection_site, list_models

            if model.name not in list_models():
                raise FitError("into", f"the injection compartment of {model.name!r} (not a library model), "
                               "or regimen=", None)
            into = injection_site(model.name)
        regimen = Regimen(tuple(Bolus(a.activity_MBq, into=into, at=offsets[a.cycle]) for a in given))
    elif isinstance(regimen, (Bolus, Infusion)):
        regimen = Regimen.single(regimen)
    elif not isinstance(regimen, Regimen):
        raise FitError("regimen", "None, a Regimen, Bolus or Infusion", type(regimen).__name__)
    return regimen, offsets


# ------------------------------------------------------------------------------------------------
# the fit


def fit_model(model: CompartmentModel, trial: Any, *, patient: str,
              parameters: Sequence[str] | Mapping[str, Any],
              observations: Mapping[Key, ModelOutput | str],
              regimen: Regimen | Bolus | Infusion | None = None,
              error_model: ResidualError | Mapping[Key, ResidualError] | None = None,
              factors: Mapping[str, Sequence[str]] | None = None,
              fixed: Mapping[str, float] | None = None, cycles: Sequence[int] | None = None,
              into: str | None = None, jacobian: Literal["auto", "exact", "finite-difference"] = "auto",
              max_reweight: int = 20) -> ModelFit:
    r"""Fit parameters of a compartment model jointly to several measured regions of one patient.

    Parameters
    ----------
    model : CompartmentModel
        Any model, from the library or a :class:`~pkdose.model.ModelBuilder`.
    trial : Trial
        From :func:`pkdose.data.read_trial`.
    patient : str
        Patient id.
    parameters : sequence of str, or mapping
        Names of the parameters to estimate, started at their model defaults (or ``fixed``), or a
        mapping name -> start value or name -> ``(start, lower, upper)`` [canonical units, rates
        in 1/h]. Estimated on the log scale; default bounds start/1000 to start × 1000.
    observations : mapping
        ``(region, quantity)`` -> :class:`ModelOutput` or shorthand string (module docstring).
    factors : mapping name -> sequence of str, optional
        Shared multiplicative factors, each estimated (start 1, bounds 1/1000 to 1000 unless
        ``parameters`` gives them): every listed model parameter becomes factor × its default
        (or ``fixed=`` value), e.g. ``{"colon_transit": ["k_rc_contents_to_lc_contents",
        "k_lc_contents_to_rs_contents", "k_rs_contents_to_faeces"]}``. ``parameters`` may then
        be empty.
    regimen : Regimen, Bolus or Infusion, optional
        Default: every administration of the patient as a bolus into the injection site; its
        time 0 is the patient's first administration.
    error_model : ResidualError or mapping (region, quantity) -> ResidualError, optional
        Default: the measurement uncertainties of the trial (every row must have one). One model
        applies to every observation with one shared set of parameters; a mapping gives each
        listed observation its own model and parameters (the others use their SDs). ``None``
        parameters are estimated (module docstring).
    fixed : mapping, optional
        Values of parameters that are not estimated (others take the model defaults).
    cycles : sequence of int, optional
        Cycles whose measurements are fitted (default: all measured).
    into : str, optional
        Injection compartment for the default regimen of a model not in the library.
    jacobian : {"auto", "exact", "finite-difference"}
        ``"auto"``: exact for linear models of at most 80 states, finite differences otherwise.
    max_reweight : int
        Maximum number of reweighting passes (prediction-dependent σ).

    Returns
    -------
    ModelFit

    Raises
    ------
    UnknownNameError
        Unknown patient, parameter, region, quantity, group, compartment, sink or nuclide.
    FitError
        No observations, a region without measurements, missing uncertainties without an error
        model, a start value ≤ 0, bad bounds, or several cycles without administration dates.

    Examples
    --------
    The ICRP 137 radium model, urinary excretion and gut secretion of one Ra-223 demo patient
    (simulated data; excretion and blood only):

    >>> from pkdose.data import read_trial
    >>> from pkdose.model.library import get_model
    >>> trial = read_trial("trial_data/ra223-xofigo-demo")                   # doctest: +SKIP
    >>> model = get_model("icrp137-radium", nuclide="Ra-223", daughters="none")
    >>> fit = fit_model(model, trial, patient="RA01",                        # doctest: +SKIP
    ...                 parameters=["k_blood_to_ub_contents", "k_blood_to_rc_contents"],
    ...                 observations={("blood", "concentration"): "Blood",
    ...                               ("urine", "cumulative_excreted"): "urine"})

    A one-compartment model fitted to exact data recovers its rate (``tests/fit`` has more):

    >>> import pandas as pd
    >>> from pkdose.model import ModelBuilder
    >>> from pkdose.data.trial import Administration, Patient, Trial
    >>> b = ModelBuilder("one", nuclide="Lu-177"); b.add_compartment("body"); b.add_sink("urine")
    >>> b.add_transfer("body", "urine", "k"); b.add_parameter("k", 0.05)
    >>> one = b.build()
    >>> t = [2.0, 24.0, 72.0, 168.0]
    >>> from pkdose import simulate
    >>> y = simulate(one, {"k": 0.02}, Bolus(100.0, into="body"), t).activity[0, :, 0, 0].to_numpy()
    >>> data = pd.DataFrame({"patient": "P1", "cycle": 1, "time_h": t, "region": "whole_body",
    ...                      "activity_MBq": y, "sigma_MBq": [0.01 * v for v in y], "row": range(2, 6),
    ...                      "quantity": "activity"})
    >>> trial = Trial("demo", "x", "Lu-177", ("whole_body",), True, "", (Patient("P1", "male", 70.0),),
    ...               (Administration("P1", 1, 100.0),), data, ".")
    >>> fit = fit_model(one, trial, patient="P1", parameters=["k"],
    ...                 observations={("whole_body", "activity"): "*"}, into="body")
    >>> round(fit.values["k"], 6), fit.jacobian
    (0.02, 'exact')
    """
    with _single_threaded_blas():
        return _fit_model(model, trial, patient=patient, parameters=parameters, observations=observations,
                          regimen=regimen, error_model=error_model, factors=factors, fixed=fixed, cycles=cycles,
                          into=into, jacobian=jacobian, max_reweight=max_reweight)


def _single_threaded_blas() -> Any:
    """BLAS limited to one thread while fitting, when threadpoolctl is installed.

    The matrices here are small (tens of states): threaded BLAS only adds overhead, 5-10 times
    the run time on a loaded 2-core machine. The limit is restored on exit.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                                  # optional: then BLAS keeps its threads
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _fit_model(model: CompartmentModel, trial: Any, *, patient: str, parameters: Any, observations: Any,
               regimen: Any, error_model: Any, factors: Mapping[str, Sequence[str]] | None,
               fixed: Mapping[str, float] | None, cycles: Sequence[int] | None, into: str | None,
               jacobian: str, max_reweight: int) -> ModelFit:
    from ..solve import simulate
    from ..solve.sensitivity import sensitivities

    if not isinstance(model, CompartmentModel):
        raise FitError("model", "a CompartmentModel", type(model).__name__)
    if jacobian not in ("auto", "exact", "finite-difference"):
        raise FitError("jacobian", "'auto', 'exact' or 'finite-difference'", jacobian)
    if model.nuclide is not None and getattr(trial, "nuclide", None):
        from ..nuclides import get_nuclide

        if get_nuclide(trial.nuclide).name != model.nuclide:
            raise FitError("trial.nuclide", f"the model's nuclide {model.nuclide}", trial.nuclide)
    fixed = dict(fixed or {})
    check_names("parameter", fixed, model.parameters, f"fit_model({model.name}), fixed")
    factors = {str(k): tuple(v) if not isinstance(v, str) else v for k, v in (factors or {}).items()}
    names, start, bounds, references = _parse_parameters(model, parameters, fixed, factors)
    obs = _observations(model, trial, patient, observations, cycles, error_model)
    reg, offsets = _time_axis(trial, patient, obs, model, regimen, into)
    for o in obs:
        o.t_abs = np.array([offsets[int(c)] for c in o.cycle]) + o.time_h
    grid, inverse = np.unique(np.concatenate([o.t_abs for o in obs]), return_inverse=True)
    pos = 0
    for o in obs:
        o.idx = inverse[pos:pos + o.y.size]
        pos += o.y.size
    n_obs = pos
    all_values = {**model.default_values, **fixed}
    missing = [p for p in model.parameters if p not in all_values and p not in names and p not in references]
    if missing:
        raise FitError("fixed", "a value for every parameter without a default", missing)
    reduced = _reduced_model(model, names, all_values, factors, references)
    exact = model.is_linear and (jacobian == "exact" or (jacobian == "auto" and model.n_states <= _MAX_EXACT_STATES))
    if jacobian == "exact" and not model.is_linear:
        raise FitError("jacobian", "'auto' or 'finite-difference' for a nonlinear model", jacobian)
    y_all = np.concatenate([o.y for o in obs])

    def outputs(X: np.ndarray) -> np.ndarray:
        """X (samples, time, all_compartments, nuclides) -> predictions (samples, n_obs)."""
        return np.concatenate([X[..., o.nuclide][:, o.idx] @ o.weights for o in obs], axis=1)

    def predict(theta: np.ndarray) -> np.ndarray:
        sol = simulate(reduced, dict(zip(names, theta)), reg, grid)
        X = np.concatenate([sol.activity.to_numpy(), sol.excreted.to_numpy()], axis=2)
        return outputs(X)[0]

    def jac_theta(theta: np.ndarray) -> np.ndarray:
        """∂f/∂ln θ, (n_obs, p)."""
        if exact:
            S = sensitivities(reduced, dict(zip(names, theta)), reg, grid)
            dX = S.d_activity.sel(parameter=names).to_numpy()           # (time, comp, nuc, p)
            cols = [outputs(dX[None, ..., j])[0] for j in range(len(names))]
            return np.stack(cols, axis=1) * theta[None, :]
        P = np.repeat(theta[None, :], 2 * len(names) + 1, axis=0)
        for j in range(len(names)):
            P[1 + 2 * j, j] *= math.exp(_FD_STEP)
            P[2 + 2 * j, j] *= math.exp(-_FD_STEP)
        sol = simulate(reduced, {n: P[:, j] for j, n in enumerate(names)}, reg, grid)
        F = outputs(np.concatenate([sol.activity.to_numpy(), sol.excreted.to_numpy()], axis=2))
        return np.stack([(F[1 + 2 * j] - F[2 + 2 * j]) / (2 * _FD_STEP) for j in range(len(names))], axis=1)

    n_fit = len(names)
    df_scale = math.sqrt(n_obs / (n_obs - n_fit)) if n_obs > n_fit else 1.0
    share = "all" if isinstance(error_model, ResidualError) else None

    def sigmas(f: np.ndarray | None) -> tuple[np.ndarray, dict[Key, ResidualError | None]]:
        """σ per measurement from the SDs or the error models at prediction f (None: first pass)."""
        fitted: dict[Key, ResidualError | None] = {}
        slices, pos = {}, 0
        for o in obs:
            slices[o.key] = slice(pos, pos + o.y.size)
            pos += o.y.size
        groups: dict[Any, list[_Obs]] = {}
        for o in obs:
            if o.error_model is None:
                fitted[o.key] = None
            else:
                groups.setdefault(share or o.key, []).append(o)
        for members in groups.values():
            em = members[0].error_model
            assert em is not None
            if f is not None and not em.is_fixed:
                fg = np.concatenate([f[slices[o.key]] for o in members])
                yg = np.concatenate([o.y for o in members])
                est = estimate_error_parameters(em, fg, yg)
                em = est.with_values(**{n: getattr(est, n) * df_scale for n in em.free_parameters})
            for o in members:
                fitted[o.key] = em
        out = []
        for o in obs:
            em = fitted[o.key]
            if em is None:
                out.append(np.asarray(o.sigma, dtype=float))
                continue
            if f is None:
                ref = np.abs(o.y)
                sd = em.sd(ref) if em.is_fixed else 0.1 * ref     # first pass: relative weights
            else:
                sd = em.sd(f[slices[o.key]])
            out.append(np.maximum(sd, 1e-9 * float(np.max(np.abs(o.y)) or 1.0)))
        return np.concatenate(out), fitted

    params = lmfit.Parameters()
    for p in names:
        params.add(f"log_{p}", value=math.log(start[p]), min=math.log(bounds[p][0]), max=math.log(bounds[p][1]))
    reweight = any(o.error_model is not None for o in obs)
    sigma, fitted_em = sigmas(None)
    nfev, passes, result = 0, 0, None
    phi = np.log(np.array([start[p] for p in names]))
    converged_rw = not reweight
    for passes in range(1, (max_reweight if reweight else 1) + 1):
        s_now = sigma

        def resid(par: lmfit.Parameters) -> np.ndarray:
            th = np.exp([par[f"log_{p}"].value for p in names])
            return (predict(th) - y_all) / s_now

        def jac(par: lmfit.Parameters) -> np.ndarray:
            th = np.exp([par[f"log_{p}"].value for p in names])
            return jac_theta(th) / s_now[:, None]

        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            result = lmfit.Minimizer(resid, params, scale_covar=False).minimize(method="least_squares", jac=jac)
        nfev += int(result.nfev)
        new_phi = np.array([result.params[f"log_{p}"].value for p in names])
        params = result.params
        if not reweight:
            phi = new_phi
            break
        moved = float(np.max(np.abs(new_phi - phi)))
        phi = new_phi
        sigma, fitted_em = sigmas(predict(np.exp(phi)))
        if moved < 1e-7 and passes > 1:
            converged_rw = True
            break
    assert result is not None
    theta = np.exp(phi)
    f = predict(theta)
    sigma_final = sigma
    J = jac_theta(theta) / sigma_final[:, None]
    JTJ = J.T @ J
    cond = float(np.linalg.cond(JTJ))
    cov: np.ndarray | None
    try:
        cov = np.linalg.inv(JTJ) if np.isfinite(cond) and cond < 1e15 else None
    except np.linalg.LinAlgError:
        cov = None
    if cov is not None and not np.all(np.diag(cov) > 0):
        cov = None
    se_phi = np.sqrt(np.diag(cov)) if cov is not None else np.full(len(names), np.nan)
    corr = cov / np.outer(se_phi, se_phi) if cov is not None else None
    values = {p: float(v) for p, v in zip(names, theta)}
    stderr = {p: float(v * s) for p, v, s in zip(names, theta, se_phi)}
    at_bounds = tuple(p for p in names if min(abs(math.log(values[p] / bounds[p][0])),
                                              abs(math.log(bounds[p][1] / values[p]))) < 1e-6)
    r = y_all - f
    w = r / sigma_final
    chisqr = float(np.sum(w ** 2))
    m2ll = float(np.sum(np.log(2 * np.pi * sigma_final ** 2) + w ** 2))
    err_groups = {share or o.key: o.error_model for o in obs if o.error_model is not None}
    K = len(names) + sum(len(em.free_parameters) for em in err_groups.values() if em is not None)
    aic = m2ll + 2 * K
    aicc = aic + 2 * K * (K + 1) / (n_obs - K - 1) if n_obs - K - 1 > 0 else math.inf
    bic = m2ll + K * math.log(n_obs)
    residuals: dict[Key, pd.DataFrame] = {}
    pos = 0
    for o in obs:
        sl = slice(pos, pos + o.y.size)
        pos += o.y.size
        residuals[o.key] = pd.DataFrame({"cycle": o.cycle, "time_h": o.time_h, "t_h": o.t_abs, "observed": o.y,
                                         "predicted": f[sl], "sigma": sigma_final[sl], "residual": r[sl],
                                         "weighted": w[sl]})
    ok = bool(result.success) and converged_rw and cov is not None
    msg = str(result.message)
    if not converged_rw:
        msg += f"; reweighting did not converge in {max_reweight} passes"
    if cov is None:
        msg += f"; JᵀJ is singular (condition number {cond:.3g}): parameters not identifiable from these data"
    return ModelFit(model=model, patient=patient, parameters=tuple(names), values=values, stderr=stderr,
                    start=start, bounds=bounds, at_bounds=at_bounds,
                    fixed={p: float(v) for p, v in all_values.items() if p not in names and p not in references},
                    factors={f: tuple(m) for f, m in factors.items()}, references=dict(references),
                    log_covariance=cov, correlation=corr, condition_number=cond,
                    observations={o.key: o.output for o in obs}, residuals=residuals, error_models=fitted_em,
                    n_obs=n_obs, chisqr=chisqr, minus2_log_likelihood=m2ll, n_estimated=K, aic=float(aic),
                    aicc=float(aicc), bic=float(bic), success=ok, message=msg, nfev=nfev, n_reweight=passes,
                    jacobian="exact" if exact else "finite-difference", regimen=reg)
