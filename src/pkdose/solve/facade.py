"""``simulate``: one entry point over the exact and stiff solvers (the solve_ivp facade pattern)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import xarray as xr

from ..errors import ModelDefinitionError
from ..model.compartment_model import CompartmentModel
from ..model.dosing import Bolus, Infusion, Regimen
from ..units import to_internal
from .exact import EigenPropagator, ExpmPropagator
from .schedule import Schedule, check_times, make_schedule, run_segments
from .solution import Solution
from .stiff import StiffPropagator

__all__ = ["simulate"]

Method = Literal["auto", "exact", "eigen", "expm", "BDF", "Radau"]
_METHODS = ("auto", "exact", "eigen", "expm", "BDF", "Radau")

# Working memory per eigen chunk: samples × times × states complex numbers (16 bytes each).
_CHUNK_ELEMENTS = 8_000_000


def simulate(model: CompartmentModel, params: Mapping[str, Any] | Any | None,
             regimen: Regimen | Bolus | Infusion, times: Any, *, method: Method = "auto",
             rtol: float = 1e-8, atol: float = 1e-12) -> Solution:
    """Simulate *model* under *regimen* for one or many parameter sets.

    Parameters
    ----------
    model : CompartmentModel
    params : mapping or DataFrame or None
        Parameter values [canonical units: rates in 1/h]; a mapping of name -> value (or 1-D
        array, one value per sample), or a DataFrame with one column per parameter and one row
        per sample (virtual patients). Missing parameters take the model defaults; unknown names
        are errors.
    regimen : Regimen, Bolus or Infusion
    times : array-like or Quantity
        Output times [h], strictly increasing, >= 0. The state at a bolus time includes the bolus.
    method : {"auto", "exact", "eigen", "expm", "BDF", "Radau"}
        ``"auto"``: exact for linear models, BDF otherwise. ``"exact"``: eigen-decomposition where
        its conditioning check passes, matrix exponential otherwise; ``"eigen"``/``"expm"`` force
        one path (``"eigen"`` raises where the check fails).
    rtol, atol : float
        Tolerances of the stiff solvers (``atol`` in MBq).

    Returns
    -------
    Solution

    Raises
    ------
    UnknownNameError, ModelDefinitionError, DoseError
        Bad names, parameters, doses or times.

    Examples
    --------
    One compartment, elimination 0.1/h, Lu-177 (T½ = 6.647 d): 100 e^{-(0.1 + ln2/159.5) 10} MBq

    >>> from pkdose.model import ModelBuilder, Bolus
    >>> b = ModelBuilder("one", nuclide="Lu-177")
    >>> b.add_compartment("body"); b.add_sink("urine")
    >>> b.add_transfer("body", "urine", "k")
    >>> sol = simulate(b.build(), {"k": 0.1}, Bolus("100 MBq", into="body"), [0, 10])
    >>> round(float(sol.activity.sel(compartment="body", nuclide="Lu-177")[0, 1]), 4)
    35.2237
    """
    if method not in _METHODS:
        raise ModelDefinitionError(model.name, "method", f"expected one of {_METHODS}, got {method!r}")
    if not isinstance(times, (list, tuple, np.ndarray)) or (
            isinstance(times, (list, tuple)) and any(isinstance(t, str) for t in times)):
        times = to_internal(times, "time", "times") if not isinstance(times, (list, tuple)) else \
            np.array([to_internal(t, "time", f"times[{i}]") for i, t in enumerate(times)])
    t = check_times(times)
    schedule = make_schedule(model, regimen)
    P = model.parameter_table(params)
    S = P.shape[0]
    if method == "auto":
        method = "exact" if model.is_linear else "BDF"
    if method in ("exact", "eigen", "expm"):
        if not model.is_linear:
            raise ModelDefinitionError(model.name, f"method={method!r}",
                                       "the model is nonlinear (rates depend on amounts); use 'BDF' or 'Radau'")
        X, INT, used, count, A = _solve_exact(model, P, schedule, t, method)
    else:
        X, INT, count = _solve_stiff(model, P, schedule, t, method, rtol, atol)
        used, A = method, None
    return _package(model, regimen if isinstance(regimen, Regimen) else Regimen.single(regimen),
                    schedule, t, P, X, INT, A, used, count)


def _solve_exact(model, P, schedule: Schedule, t, method):
    A = model.rate_matrices(P)
    S, n = A.shape[0], A.shape[1]
    X = np.empty((S, t.size, n))
    INT = np.empty((S, t.size, n))
    n_eig = 0
    n_expm = 0
    fallback: list[int] = []
    if method in ("exact", "eigen"):
        chunk = max(1, _CHUNK_ELEMENTS // max(1, t.size * n))
        for lo in range(0, S, chunk):
            hi = min(S, lo + chunk)
            prop = EigenPropagator(A[lo:hi])
            idx = np.arange(lo, hi)[prop.ok]
            if idx.size:
                X[idx], INT[idx] = run_segments(prop, schedule, t, idx.size)
                n_eig += idx.size
            fallback.extend(np.arange(lo, hi)[~prop.ok].tolist())
        if fallback and method == "eigen":
            raise ModelDefinitionError(model.name, "method='eigen'",
                                       f"the eigenvector matrix is ill-conditioned for {len(fallback)} sample(s) "
                                       f"(first: {fallback[0]}); use method='exact' or 'expm'")
    else:
        fallback = list(range(S))
    for s in fallback:
        prop = ExpmPropagator(A[s])
        X[s:s + 1], INT[s:s + 1] = run_segments(prop, schedule, t, 1)
        n_expm += prop.n_expm
    used = "exact-eigen" if not fallback else ("exact-expm" if n_eig == 0 else "exact")
    return X, INT, used, n_expm, A


def _solve_stiff(model, P, schedule, t, method, rtol, atol):
    S, n = P.shape[0], model.n_states
    X = np.empty((S, t.size, n))
    INT = np.empty((S, t.size, n))
    nfev = 0
    for s in range(S):
        prop = StiffPropagator(model, P[s], method, rtol, atol)
        X[s:s + 1], INT[s:s + 1] = run_segments(prop, schedule, t, 1)
        nfev += prop.nfev
    return X, INT, nfev


def _package(model: CompartmentModel, regimen: Regimen, schedule: Schedule, t, P, X, INT, A,
             method: str, count: int) -> Solution:
    S = P.shape[0]
    nuc, nc_all = len(model.nuclides), len(model.all_compartments)
    ncomp = len(model.compartments)
    X4 = X.reshape(S, t.size, nuc, nc_all).transpose(0, 1, 3, 2)      # sample, time, comp, nuclide
    I4 = INT.reshape(S, t.size, nuc, nc_all).transpose(0, 1, 3, 2)
    coords = {"sample": np.arange(S), "time": t}
    activity = xr.DataArray(X4[:, :, :ncomp], dims=("sample", "time", "compartment", "nuclide"),
                            coords={**coords, "compartment": list(model.compartments),
                                    "nuclide": list(model.nuclides)},
                            attrs={"units": "MBq"})
    excreted = xr.DataArray(X4[:, :, ncomp:], dims=("sample", "time", "sink", "nuclide"),
                            coords={**coords, "sink": list(model.sinks), "nuclide": list(model.nuclides)},
                            attrs={"units": "MBq"})
    ctia = xr.DataArray(I4[:, :, :ncomp], dims=activity.dims, coords=activity.coords,
                        attrs={"units": "MBq*h"})
    # mass balance in atoms, expressed in MBq·h (N = a/λ)
    lam = np.asarray(model.decay_constants)
    B = np.asarray(model.branching)
    inv_lam = np.where(lam > 0, 1.0 / np.where(lam > 0, lam, 1.0), 1.0)
    adm = schedule.administered(t).reshape(t.size, nuc, nc_all).sum(-1) * inv_lam
    present = X4.sum(2) * inv_lam
    decayed = I4.sum(2) * (lam > 0)
    ingrown = decayed @ B.T
    scale = adm[None] + ingrown
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = np.where(scale > 0, (scale - present - decayed) / np.where(scale > 0, scale, 1.0), 0.0)
    mass_balance = xr.DataArray(resid, dims=("sample", "time", "nuclide"),
                                coords={**coords, "nuclide": list(model.nuclides)})
    tia_inf = None
    if A is not None and np.all(lam > 0) and t[-1] >= schedule.edges[-1] and not schedule.rate[-1].any():
        tail = -np.linalg.solve(A, X[:, -1, :, None])[..., 0]
        total = (INT[:, -1] + tail).reshape(S, nuc, nc_all).transpose(0, 2, 1)
        tia_inf = xr.DataArray(total[:, :ncomp], dims=("sample", "compartment", "nuclide"),
                               coords={"sample": np.arange(S), "compartment": list(model.compartments),
                                       "nuclide": list(model.nuclides)}, attrs={"units": "MBq*h"})
    params = xr.DataArray(P, dims=("sample", "parameter"),
                          coords={"sample": np.arange(S), "parameter": list(model.parameters)})
    return Solution(model, regimen, activity, excreted, ctia, tia_inf, mass_balance, method,
                    int(count), params)
