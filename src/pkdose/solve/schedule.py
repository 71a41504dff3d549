"""Turn a regimen into input segments, and drive a segment propagator over output times.

Every solver in pkdose integrates piecewise between *dose boundaries* (bolus times, infusion
starts and ends): within a segment the input is a constant rate vector ``r`` [MBq/h], and at the
start of a segment bolus activities are added to the state. A solver is a *segment propagator*:

1. it receives the states ``x0`` (n_samples, n_states) at the start of the segment, the input
   rate vector ``r`` (n_states,) and the offsets ``tau`` (n_tau,) [h] from the segment start, in
   increasing order, the first possibly 0;
2. it returns ``(x, integral)``, both (n_samples, n_tau, n_states): the state at each offset and
   the integral of the state from the segment start to that offset [MBq·h].

:func:`run_segments` does the bookkeeping (zero state before the first dose, boluses at
boundaries, cumulative integrals, output times that fall on a boundary), so a propagator writes
only numerics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import DoseError, UnknownNameError
from ..model.compartment_model import CompartmentModel
from ..model.dosing import Bolus, Infusion, Regimen

__all__ = ["Schedule", "make_schedule", "run_segments"]

Propagator = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Schedule:
    """Inputs of a regimen on the state vector.

    Attributes
    ----------
    edges : ndarray
        Sorted segment boundaries [h].
    bolus : ndarray
        ``(n_edges, n_states)``: activity [MBq] added at each edge.
    rate : ndarray
        ``(n_edges, n_states)``: input rate [MBq/h] during the segment starting at each edge.
    """

    edges: np.ndarray
    bolus: np.ndarray
    rate: np.ndarray

    def administered(self, times: np.ndarray) -> np.ndarray:
        """Activity [MBq] put into each state up to each time: ``(n_times, n_states)``."""
        times = np.asarray(times, dtype=float)
        out = np.zeros((times.size, self.bolus.shape[1]))
        for i, e in enumerate(self.edges):
            out += (times >= e)[:, None] * self.bolus[i]
            end = self.edges[i + 1] if i + 1 < len(self.edges) else np.inf
            dur = np.clip(times - e, 0.0, end - e)
            out += dur[:, None] * self.rate[i]
        return out


def make_schedule(model: CompartmentModel, regimen: Regimen | Bolus | Infusion) -> Schedule:
    """Map the doses of *regimen* onto state indices of *model* (checking every name)."""
    if isinstance(regimen, (Bolus, Infusion)):
        regimen = Regimen.single(regimen)
    if not isinstance(regimen, Regimen):
        raise DoseError("regimen", "a Regimen, Bolus or Infusion", regimen)
    if not regimen.doses:
        raise DoseError("regimen", "at least one dose", regimen)
    for i, d in enumerate(regimen.doses):
        if d.into in model.sinks:
            raise DoseError(f"doses[{i}].into", f"a compartment of {model.name!r}, not the sink {d.into!r}",
                            d.into)
        if d.into not in model.compartments:
            raise UnknownNameError("compartment", d.into, model.compartments, f"doses[{i}].into")
        if d.nuclide is not None and d.nuclide not in model.nuclides:
            raise UnknownNameError("nuclide", d.nuclide, model.nuclides, f"doses[{i}].nuclide")
    edges = np.array(regimen.boundaries)
    n = model.n_states
    bolus = np.zeros((edges.size, n))
    rate = np.zeros((edges.size, n))
    for d in regimen.doses:
        idx = model.state_index(d.into, d.nuclide)
        if isinstance(d, Bolus):
            bolus[np.searchsorted(edges, d.at), idx] += d.activity
        else:
            i0, i1 = np.searchsorted(edges, d.at), np.searchsorted(edges, d.end)
            rate[i0:i1, idx] += d.rate
    return Schedule(edges, bolus, rate)


def check_times(times) -> np.ndarray:
    """Validate output times: 1-D, finite, >= 0, strictly increasing [h]."""
    t = np.atleast_1d(np.asarray(times, dtype=float))
    if t.ndim != 1 or t.size == 0:
        raise DoseError("times", "a non-empty 1-D sequence of times [h]", f"shape {t.shape}")
    if not np.all(np.isfinite(t)) or t.min() < 0:
        raise DoseError("times", "finite times >= 0 h", t[~np.isfinite(t) | (t < 0)][:3].tolist())
    if np.any(np.diff(t) <= 0):
        i = int(np.argmax(np.diff(t) <= 0))
        raise DoseError("times", "strictly increasing times",
                        f"times[{i}]={t[i]} followed by times[{i + 1}]={t[i + 1]}")
    return t


def run_segments(propagate: Propagator, schedule: Schedule, times: np.ndarray,
                 n_samples: int, out: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Drive *propagate* over the segments of *schedule*; see the module docstring.

    *out*, if given, is a pair of ``(n_samples, n_times, n_states)`` arrays written in place
    (every element is written) and returned.

    Returns
    -------
    x, integral : ndarray
        ``(n_samples, n_times, n_states)``: state [MBq] and cumulative integral from 0 [MBq·h].
    """
    n = schedule.bolus.shape[1]
    T = times.size
    if out is None:
        X = np.empty((n_samples, T, n))
        INT = np.empty((n_samples, T, n))
    else:
        X, INT = out
    before = times < schedule.edges[0]         # output times before the first boundary: nothing yet
    X[:, before] = 0.0
    INT[:, before] = 0.0
    x = np.zeros((n_samples, n))
    cum = np.zeros((n_samples, n))
    edges = schedule.edges
    for i, e in enumerate(edges):
        x = x + schedule.bolus[i]
        end = edges[i + 1] if i + 1 < len(edges) else np.inf
        sel = np.nonzero((times >= e) & (times < end))[0]
        taus = times[sel] - e
        last = np.isfinite(end)
        if last:
            taus = np.append(taus, end - e)
        if taus.size == 0:
            continue
        xs, ints = propagate(x, schedule.rate[i], taus)
        k = sel.size
        if k:
            lo, hi = sel[0], sel[-1] + 1            # times are sorted: a contiguous range
            X[:, lo:hi] = xs[:, :k]
            np.add(cum[:, None, :], ints[:, :k], out=INT[:, lo:hi])
        if last:
            x = xs[:, -1]
            cum = cum + ints[:, -1]
    return X, INT
