"""Exact parameter sensitivities of linear models via the Fréchet derivative of expm.

For a segment with constant input the augmented state ``z = [x; ∫x; 1]`` obeys
``z(τ) = expm(Mτ) z(0)`` with ``M = [[A, 0, r], [I, 0, 0], [0, 0, 0]]`` (see
:mod:`pkdose.solve.exact`). Differentiating with respect to a parameter ``p``,

.. math::

    \\frac{\\partial z(τ)}{\\partial p} = L\\big(Mτ, \\tfrac{\\partial M}{\\partial p} τ\\big)\\, z(0)
        + e^{Mτ} \\frac{\\partial z(0)}{\\partial p},

where ``L(X, E)`` is the Fréchet derivative of the matrix exponential at ``X`` in direction ``E``
(``scipy.linalg.expm_frechet``, Al-Mohy & Higham 2009). Doses do not depend on parameters, so
boluses add nothing to the derivative. The result is exact up to rounding — no finite differences.

References
----------
A. H. Al-Mohy, N. J. Higham, "Computing the Fréchet derivative of the matrix exponential, with an
application to condition number estimation", SIAM J. Matrix Anal. Appl. 30 (2009) 1639-1657.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
import sympy
import xarray as xr

from ..errors import ModelDefinitionError
from ..model.compartment_model import CompartmentModel
from ..model.dosing import Bolus, Infusion, Regimen
from .schedule import check_times, make_schedule

__all__ = ["Sensitivities", "sensitivities"]


@dataclass(frozen=True)
class Sensitivities:
    """Derivatives of a linear model's solution with respect to its parameters (one parameter set).

    Attributes
    ----------
    activity : xarray.DataArray
        ``(time, compartment, nuclide)`` activity [MBq] (sinks included as compartments).
    d_activity : xarray.DataArray
        ``(time, compartment, nuclide, parameter)``: ∂activity/∂p [MBq per parameter unit].
    d_cumulative_tia : xarray.DataArray
        ``(time, compartment, nuclide, parameter)``: ∂(∫₀ᵗ activity)/∂p [MBq·h per parameter unit].
    """

    activity: xr.DataArray
    d_activity: xr.DataArray
    d_cumulative_tia: xr.DataArray


def _rate_derivatives(model: CompartmentModel, p: np.ndarray) -> np.ndarray:
    """∂A/∂p_j for every parameter: ``(n_params, n, n)``."""
    syms = [sympy.Symbol(q) for q in model.parameters]
    src, tgt, active = model._index
    n = model.n_states
    dA = np.zeros((len(syms), n, n))
    values = dict(zip(syms, p))
    for k, tr in enumerate([model.transfers[j] for j in active]):
        for j, s in enumerate(syms):
            d = sympy.diff(tr.rate, s)
            if d != 0:
                v = float(d.subs(values))
                dA[j, tgt[k], src[k]] += v
                dA[j, src[k], src[k]] -= v
    return dA


def sensitivities(model: CompartmentModel, params: Mapping[str, Any] | None, regimen: Regimen | Bolus | Infusion,
                  times: Any) -> Sensitivities:
    """Solution and its exact derivatives with respect to every parameter of a linear model.

    Parameters
    ----------
    model : CompartmentModel
        A linear model.
    params : mapping, optional
        One parameter set (defaults fill the rest).
    regimen : Regimen, Bolus or Infusion
    times : array-like
        Output times [h], strictly increasing.

    Returns
    -------
    Sensitivities
    """
    if not model.is_linear:
        raise ModelDefinitionError(model.name, "sensitivities", "exact sensitivities need a linear model")
    t = check_times(times)
    schedule = make_schedule(model, regimen)
    P = model.parameter_table(params)
    if P.shape[0] != 1:
        raise ModelDefinitionError(model.name, "sensitivities", "give one parameter set")
    A = model.rate_matrices(P)[0]
    dA = _rate_derivatives(model, P[0])
    n, m = A.shape[0], dA.shape[0]
    N = 2 * n + 1
    X = np.zeros((t.size, n))
    dX = np.zeros((t.size, n, m))
    dI = np.zeros((t.size, n, m))
    z = np.zeros(N)
    z[-1] = 1.0
    dz = np.zeros((N, m))
    edges = schedule.edges
    dM = np.zeros((m, N, N))
    dM[:, :n, :n] = dA
    for i, e in enumerate(edges):
        z[:n] += schedule.bolus[i]
        M = np.zeros((N, N))
        M[:n, :n] = A
        M[:n, -1] = schedule.rate[i]
        M[n:2 * n, :n] = np.eye(n)
        end = edges[i + 1] if i + 1 < len(edges) else np.inf
        sel = np.nonzero((t >= e) & (t < end))[0]
        stops = list(t[sel])
        if np.isfinite(end):
            stops.append(end)
        prev = e
        k = 0
        for stop in stops:
            dt = stop - prev
            if dt > 0:
                E = scipy.linalg.expm(M * dt)
                Ls = np.stack([scipy.linalg.expm_frechet(M * dt, dM[j] * dt, compute_expm=False)
                               for j in range(m)], axis=-1)   # (N, N, m)
                dz = np.einsum("abj,b->aj", Ls, z) + E @ dz
                z = E @ z
                z[-1] = 1.0
                prev = stop
            if k < sel.size:
                X[sel[k]] = z[:n]
                dX[sel[k]] = dz[:n]
                dI[sel[k]] = dz[n:2 * n]
                k += 1
    nuc, nc = len(model.nuclides), len(model.all_compartments)
    coords = {"time": t, "compartment": list(model.all_compartments), "nuclide": list(model.nuclides)}
    act = xr.DataArray(model.to_grid(X).reshape(t.size, nuc, nc).transpose(0, 2, 1),
                       dims=("time", "compartment", "nuclide"), coords=coords, attrs={"units": "MBq"})
    dims = ("time", "compartment", "nuclide", "parameter")
    c4 = {**coords, "parameter": list(model.parameters)}

    def grid(d):   # (time, state, parameter) -> (time, compartment, nuclide, parameter)
        return model.to_grid(d.transpose(0, 2, 1)).reshape(t.size, m, nuc, nc).transpose(0, 3, 2, 1)

    dact = xr.DataArray(grid(dX), dims=dims, coords=c4)
    dtia = xr.DataArray(grid(dI), dims=dims, coords=c4)
    return Sensitivities(act, dact, dtia)
