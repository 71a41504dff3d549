"""Stiff ODE integration (scipy BDF/Radau) with the exact sympy Jacobian.

The model's right-hand side and its Jacobian are derived symbolically (``sympy``), lambdified
once per model and cached. The integral of the state is carried as extra states (``y' = x``) so
that time-integrated activity and the mass balance come from the same integration. The solver is
restarted at every dose boundary (see :mod:`pkdose.solve.schedule`), so it never steps over a
bolus.

LSODA is not offered: ``solve_ivp(method="LSODA")`` with an array Jacobian crashes in scipy 1.17
(DESIGN.md §8).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from ..errors import ConvergenceError
from ..model.compartment_model import CompartmentModel

__all__ = ["StiffPropagator"]


class StiffPropagator:
    """Segment propagator for one parameter set by ``solve_ivp`` (BDF or Radau).

    Parameters
    ----------
    model : CompartmentModel
    params : ndarray
        ``(n_parameters,)`` values in the order of ``model.parameters``.
    method : {"BDF", "Radau"}
    rtol, atol : float
        Passed to ``solve_ivp``; ``atol`` [MBq] applies to states, ``atol``·1 h to integrals.
    """

    def __init__(self, model: CompartmentModel, params: np.ndarray, method: str = "BDF",
                 rtol: float = 1e-8, atol: float = 1e-12) -> None:
        self.f, self.j = model._numeric_rhs
        self.p = tuple(float(v) for v in params)
        self.n = model.n_states
        self.method, self.rtol, self.atol = method, rtol, atol
        self.nfev = 0
        self.njev = 0

    def __call__(self, x0: np.ndarray, r: np.ndarray, taus: np.ndarray):
        n = self.n
        f, j, p = self.f, self.j, self.p
        eye = np.eye(n)
        zero = np.zeros((n, n))

        def rhs(t, z):
            return np.concatenate([np.asarray(f(z[:n], *p), dtype=float) + r, z[:n]])

        def jac(t, z):
            J = np.asarray(j(z[:n], *p), dtype=float)
            return np.block([[J, zero], [eye, zero]])

        S = x0.shape[0]
        xs = np.empty((S, taus.size, n))
        ints = np.empty((S, taus.size, n))
        for s in range(S):
            z0 = np.concatenate([x0[s], np.zeros(n)])
            if taus[-1] == 0:
                xs[s], ints[s] = z0[:n], 0.0
                continue
            sol = solve_ivp(rhs, (0.0, float(taus[-1])), z0, method=self.method, t_eval=taus,
                            jac=jac, rtol=self.rtol, atol=self.atol)
            self.nfev += sol.nfev
            self.njev += sol.njev
            if sol.status != 0:
                raise ConvergenceError(f"solve_ivp({self.method})", int(sol.nfev), float("nan"),
                                       sol.message)
            xs[s] = sol.y[:n].T
            ints[s] = sol.y[n:].T
        return xs, ints
