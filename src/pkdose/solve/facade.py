"""``simulate``: one entry point over the exact and stiff solvers (the solve_ivp facade pattern)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
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
from .structured import Resonance, StructuredPropagator, block_solve

__all__ = ["simulate"]

Method = Literal["auto", "exact", "eigen", "expm", "BDF", "Radau"]
_METHODS = ("auto", "exact", "eigen", "expm", "BDF", "Radau")

# Samples per chunk: about _CHUNK_SAMPLES, fewer if the chunk's rate matrices would hold more than
# _CHUNK_ELEMENTS float64 elements (256 MB). Measured on the ICRP 137 radium model (2 cores,
# benchmarks/simulate.py): 1024 samples per chunk ran 1.3x (25 states) and 1.4x (175 states)
# faster than chunks of 5000 or 261, whose temporaries overflow the caches; much smaller chunks
# pay numpy's per-call overhead once per block and chunk.
_CHUNK_SAMPLES = 1024
_CHUNK_ELEMENTS = 32_000_000
# Chunks run in threads, one per core, when each thread gets at least this many samples.
_WORKERS = os.cpu_count() or 1
_MIN_SAMPLES_PER_THREAD = 256


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
        ``"auto"``: exact for linear models, BDF otherwise. ``"exact"``: per sample, the first
        path that passes its checks among the block-triangular modal solution
        (:mod:`pkdose.solve.structured`), the eigen-decomposition of the whole matrix, and the
        matrix exponential (always valid). ``"eigen"`` allows only the first two (and raises
        where both fail); ``"expm"`` forces the last.
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
        X, INT, used, count, tail = _solve_exact(model, P, schedule, t, method)
    else:
        X, INT, count = _solve_stiff(model, P, schedule, t, method, rtol, atol)
        used, tail = method, None
    return _package(model, regimen if isinstance(regimen, Regimen) else Regimen.single(regimen),
                    schedule, t, P, X, INT, tail, used, count)


def _solve_exact(model, P, schedule: Schedule, t, method):
    """Exact paths over chunks of samples (rate matrices are built one chunk at a time).

    Returns states, integrals, the paths used, the number of matrix exponentials and the tail
    integral ∫_T^∞ x = −A⁻¹ x(T) after the last output time (None where it does not exist).
    """
    S, n = P.shape[0], model.n_states
    X = np.empty((S, t.size, n))
    INT = np.empty((S, t.size, n))
    lam = np.asarray(model.decay_constants)
    want_tail = bool(np.all(lam > 0) and t[-1] >= schedule.edges[-1] and not schedule.rate[-1].any())
    tail = np.empty((S, n)) if want_tail else None
    chunk = max(1, min(_CHUNK_SAMPLES, _CHUNK_ELEMENTS // (n * n)))
    workers = min(_WORKERS, max(1, S // _MIN_SAMPLES_PER_THREAD))
    chunk = min(chunk, -(-S // workers))

    def solve_chunk(lo: int):
        rows = np.arange(lo, min(S, lo + chunk))
        A = model.rate_matrices(P[rows])
        Xc, Ic = X[lo:lo + rows.size], INT[lo:lo + rows.size]      # views: written in place
        todo = np.arange(rows.size)
        paths: set[str] = set()
        n_expm = 0
        if method in ("exact", "eigen"):
            todo = _run_structured(model, A, schedule, t, Xc, Ic, todo, paths)
            todo = _run_full_eigen(A, schedule, t, Xc, Ic, todo, paths)
            if todo.size and method == "eigen":
                raise ModelDefinitionError(model.name, "method='eigen'",
                                           f"the eigen-decomposition is ill-conditioned or resonant for "
                                           f"sample {rows[todo[0]]} and {todo.size - 1} other(s); use "
                                           "method='exact' or 'expm'")
        for s in todo:
            prop = ExpmPropagator(A[s])
            run_segments(prop, schedule, t, 1, out=(Xc[s:s + 1], Ic[s:s + 1]))
            n_expm += prop.n_expm
            paths.add("expm")
        if tail is not None:
            tail[rows] = -block_solve(A, model.blocks, Xc[:, -1], model.block_upstream)
        return paths, n_expm

    starts = range(0, S, chunk)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:   # numpy releases the GIL
            results = list(pool.map(solve_chunk, starts))
    else:
        results = [solve_chunk(lo) for lo in starts]
    paths = set().union(*(r[0] for r in results))
    n_expm = sum(r[1] for r in results)
    used = "exact-" + "+".join(sorted(paths))
    return X, INT, used, n_expm, tail


def _run_structured(model, A, schedule, t, X, INT, todo, paths) -> np.ndarray:
    """Block-triangular modal path (pkdose.solve.structured); returns the samples it could not do."""
    blocks = model.blocks
    n = A.shape[1]
    if len(blocks) == 1:
        return todo                      # one strongly connected block: nothing to exploit
    failed: list[int] = []
    if todo.size:
        idx = todo
        prop = StructuredPropagator(A[idx], blocks, model.block_upstream)
        keep = prop.ok.copy()
        while keep.any():
            try:
                sub = prop.subset(keep)
                if keep.all() and idx.size == X.shape[0]:
                    run_segments(sub, schedule, t, idx.size, out=(X, INT))
                else:
                    sel = idx[keep]
                    X[sel], INT[sel] = run_segments(sub, schedule, t, sel.size)
                paths.add("structured")
                break
            except Resonance as res:
                keep[np.nonzero(keep)[0][res.mask]] = False
        failed.extend(idx[~keep].tolist())
    return np.asarray(failed, dtype=int)


def _run_full_eigen(A, schedule, t, X, INT, todo, paths) -> np.ndarray:
    """Eigen-decomposition of the whole matrix; returns the samples that failed its check."""
    if todo.size == 0:
        return todo
    failed: list[int] = []
    if todo.size:
        idx = todo
        prop = EigenPropagator(A[idx])
        sel = idx[prop.ok]
        if sel.size:
            X[sel], INT[sel] = run_segments(prop, schedule, t, sel.size)
            paths.add("eigen")
        failed.extend(idx[~prop.ok].tolist())
    return np.asarray(failed, dtype=int)


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


def _package(model: CompartmentModel, regimen: Regimen, schedule: Schedule, t, P, X, INT, tail,
             method: str, count: int) -> Solution:
    S = P.shape[0]
    nuc, nc_all = len(model.nuclides), len(model.all_compartments)
    ncomp = len(model.compartments)
    X4 = model.to_grid(X).reshape(S, t.size, nuc, nc_all).transpose(0, 1, 3, 2)   # sample, time, comp, nuclide
    I4 = model.to_grid(INT).reshape(S, t.size, nuc, nc_all).transpose(0, 1, 3, 2)
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
    adm = model.to_grid(schedule.administered(t)).reshape(t.size, nuc, nc_all).sum(-1) * inv_lam
    present = X4.sum(2) * inv_lam
    decayed = I4.sum(2) * (lam > 0)
    ingrown = decayed @ B.T
    entered = adm[None] + ingrown
    # normalised by all atoms of the nuclide that entered during the simulation (the last time's
    # count: it never decreases), so that early, still tiny amounts of deep daughters are judged
    # against the scale that matters
    scale = entered.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = np.where(scale > 0, (entered - present - decayed) / np.where(scale > 0, scale, 1.0), 0.0)
    mass_balance = xr.DataArray(resid, dims=("sample", "time", "nuclide"),
                                coords={**coords, "nuclide": list(model.nuclides)})
    tia_inf = None
    if tail is not None:
        total = model.to_grid(INT[:, -1] + tail).reshape(S, nuc, nc_all).transpose(0, 2, 1)
        tia_inf = xr.DataArray(total[:, :ncomp], dims=("sample", "compartment", "nuclide"),
                               coords={"sample": np.arange(S), "compartment": list(model.compartments),
                                       "nuclide": list(model.nuclides)}, attrs={"units": "MBq*h"})
    params = xr.DataArray(P, dims=("sample", "parameter"),
                          coords={"sample": np.arange(S), "parameter": list(model.parameters)})
    return Solution(model, regimen, activity, excreted, ctia, tia_inf, mass_balance, method,
                    int(count), params)
