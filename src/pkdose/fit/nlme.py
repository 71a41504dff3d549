r"""Nonlinear mixed-effects population fits by FOCE with interaction (FOCE-I).

Model
-----
Subject i has observations y_ij at times t_ij. Its parameters are log-normal about the population
typical values θ_pop,

.. math::

    \theta_{i,k} = \theta_{\mathrm{pop},k}\, e^{\eta_{i,k}}, \qquad \eta_i \sim \mathcal N(0, \Omega),
    \qquad y_{ij} = f(\theta_i, t_{ij}, x_{ij}) + \sqrt{R_{ij}}\,\varepsilon_{ij}, \quad \varepsilon_{ij}\sim\mathcal N(0,1),

where f is a vectorised structural model given as a Python function, x are covariates (dose, ...),
only the parameters named in ``random`` carry an η (the others are the same for every subject),
Ω is diagonal or full, and R_ij = R(f_ij) is the variance of a residual-error model of
:mod:`pkdose.fit.residual_error` (additive a², proportional (b f)², combined a² + (b f)²; the
combined form is Monolix's ``combined2`` and nlmixr's default ``add + prop``).

Objective function
------------------
For subject i let

.. math:: \ell_i(\eta) = \sum_j \Big[\ln R_{ij}(\eta) + \frac{(y_{ij} - f_{ij}(\eta))^2}{R_{ij}(\eta)}\Big] + \eta^T\Omega^{-1}\eta .

The **inner step** finds the conditional mode η̂_i = argmin ℓ_i (the empirical Bayes estimate,
EBE) for every subject at once by a vectorised Levenberg-Marquardt / Gauss-Newton iteration,
with ∂f/∂η from central differences (step 1e-5 in η). The **outer step** minimises

.. math::

    \mathrm{OFV} = \sum_i \Big[\ell_i(\hat\eta_i) + \ln\lvert\Omega\rvert + \ln\lvert\hat H_i\rvert\Big],
    \qquad \hat H_i = \Omega^{-1} + \sum_j \Big[\frac{g_{ij} g_{ij}^T}{R_{ij}}
    + \frac{1}{2}\frac{\nabla_\eta R_{ij}\, \nabla_\eta R_{ij}^T}{R_{ij}^2}\Big],

g_ij = ∂f_ij/∂η at η̂_i. This is the Laplace approximation of −2 log L with the first-order
(expected-information) approximation of the Hessian of ℓ_i/2, i.e. FOCE-I as NONMEM and nlmixr
(Almquist et al. 2015) define it: the residual variance depends on η (the "interaction") both in
ℓ_i and in Ĥ_i. For an additive error model it is identical to FOCE and to the Lindstrom-Bates
linearisation at the EBEs.

**Constant terms.** ``ofv`` is the NONMEM / nlmixr ``OBJF`` convention: it leaves out
N ln 2π (N observations). ``minus2_log_likelihood = ofv + N ln 2π`` is the complete −2 log L
(nlmixr's ``-2 * logLik``), and ``aic`` adds twice the number of estimated parameters to it.

The outer variables are ln θ_pop, Ω (diagonal: ln ω_k; full: log-Cholesky, i.e. Ω = L Lᵀ with
ln L_kk and L_kl (k > l) free) and the ln of each free residual-error parameter. They are
optimised with :func:`scipy.optimize.minimize` (BFGS) on central finite-difference gradients
(step 1e-4), the inner EBEs of each gradient evaluation warm-started at those of its base point,
followed by Newton steps on the finite-difference Hessian. **Standard errors** come from the
inverse of that outer Hessian (central finite differences of OFV, step 1e-3 in the outer
variables): cov = 2 H⁻¹ (the NONMEM "R matrix" covariance, not the sandwich), mapped to the
reported scales by the delta method. SEs of the fixed effects are on the log scale
(``log_theta_se``; ≈ the relative SE of θ_pop).

What this module does not do: SAEM or importance sampling, covariate models on θ_pop (put them
in f), inter-occasion variability, censored data (BLQ), a sandwich covariance, and analytic
gradients; the outer optimiser uses finite differences throughout.

References
----------
.. [1] J. Almquist, J. Leander, M. Jirstrand, "Using sensitivity equations for computing gradients
   of the FOCE and FOCEI approximations to the population likelihood", J. Pharmacokinet.
   Pharmacodyn. 42 (2015) 191-209 (the FOCE-I objective used here).
.. [2] M. J. Lindstrom, D. M. Bates, "Nonlinear mixed effects models for repeated measures data",
   Biometrics 46 (1990) 673-687.
.. [3] M. Fidler et al., "Nonlinear mixed-effects model development and simulation using nlmixr
   and related R open-source packages", CPT Pharmacometrics Syst. Pharmacol. 8 (2019) 621-633.
   The theophylline check of ``tests/fit/test_nlme.py`` compares with nlmixr2's published FOCEi
   fit of the same model and data (cited there).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize

from ..errors import UnknownNameError
from .exponentials import FitError
from .residual_error import AdditiveError, ProportionalError, ResidualError

__all__ = ["NLMEResult", "fit_nlme", "StructuralModel", "monoexponential_tac_model", "TrialPopulationFit",
           "fit_trial_nlme"]

#: f(θ, t, x) -> prediction: θ maps each parameter name to an array of individual values, one per
#: observation (the shape of t); x maps each covariate name to an array of the same shape.
StructuralModel = Callable[[Mapping[str, np.ndarray], np.ndarray, Mapping[str, np.ndarray]], np.ndarray]

_LOG_2PI = math.log(2.0 * math.pi)
_H_ETA = 1e-5          # central-difference step in η for ∂f/∂η
_H_GRAD = 1e-4         # central-difference step of the outer gradient
_H_HESS = 1e-3         # central-difference step of the outer Hessian (standard errors)
_BAD = 1e12            # OFV returned where the model or Ω is not evaluable (a barrier)


@dataclass(frozen=True)
class NLMEResult:
    """Result of :func:`fit_nlme` (see the module docstring for the model and objective).

    Attributes
    ----------
    parameters : tuple of str
        Structural parameter names, in the order of the fixed effects.
    random : tuple of str
        Parameters with a random effect, in the order of the rows/columns of ``omega`` and the
        columns of ``eta``.
    theta : dict of str to float
        Population typical values θ_pop (the medians of the log-normal individual parameters).
    log_theta, log_theta_se : dict of str to float
        ln θ_pop (nlmixr's ``tka``, ``tcl``, ...) and its standard error (``nan`` if the outer
        Hessian is not positive definite).
    omega : ndarray, shape (q, q)
        Between-subject covariance Ω of η.
    omega_se : ndarray, shape (q, q)
        Standard errors of the elements of Ω (delta method; ``nan`` without a covariance).
    omega_cv : dict of str to float
        Between-subject coefficient of variation √(e^{ω²} − 1) of each random parameter (nlmixr's
        ``BSV(CV%)`` / 100).
    error_model : ResidualError
        The residual-error model with its estimated parameters filled in (``sigma_MBq`` is in the
        unit of the observations, whatever that is).
    error_se : dict of str to float
        Standard errors of the estimated residual-error parameters.
    ofv : float
        Objective function value at the optimum, −2 log L without N ln 2π (NONMEM/nlmixr OBJF).
    minus2_log_likelihood : float
        ``ofv + n_obs ln 2π``.
    n_estimated : int
        Number of estimated outer parameters (fixed effects, Ω elements, error parameters).
    subjects : tuple
        Subject identifiers, in order of first appearance; the rows of ``eta``.
    eta : ndarray, shape (n_subjects, q)
        Empirical Bayes estimates η̂ (conditional modes).
    eta_covariance : ndarray, shape (n_subjects, q, q)
        Ĥ_i⁻¹, the conditional (posterior) covariance of η_i given the population parameters
        (their own uncertainty is not included).
    individual_theta : dict of str to ndarray
        θ_i = θ_pop e^{η̂_i} per subject (all parameters; those without η equal θ_pop).
    shrinkage : dict of str to float
        η shrinkage 1 − SD(η̂)/ω per random parameter (SD with n − 1, as nlmixr reports it).
    ipred, pred : ndarray
        Individual (η̂) and population (η = 0) predictions, in the order of the input observations.
    success : bool
        The outer optimisation ended where the Newton decrement gᵀH⁻¹g of the finite-difference
        gradient g and Hessian H of OFV is below 1e-3 (less than 5e-4 of OFV left to gain), and H
        is positive definite (without standard errors: ‖g‖∞ < 1e-2).
    message : str
    n_subjects, n_obs : int
    nfev : int
        OFV evaluations (each one an inner EBE optimisation).
    covariance : ndarray or None
        Covariance 2H⁻¹ of the outer variables (see ``outer_names``), ``None`` if H is not
        positive definite.
    outer_names : tuple of str
        Names of the outer variables: ``log_theta:<p>``, ``omega:<k>,<l>`` (ln ω for a diagonal Ω,
        log-Cholesky factors for a full one), ``log_error:<name>``.
    """

    parameters: tuple[str, ...]
    random: tuple[str, ...]
    theta: dict[str, float]
    log_theta: dict[str, float]
    log_theta_se: dict[str, float]
    omega: np.ndarray
    omega_se: np.ndarray
    omega_cv: dict[str, float]
    error_model: ResidualError
    error_se: dict[str, float]
    ofv: float
    minus2_log_likelihood: float
    n_estimated: int
    subjects: tuple[Any, ...]
    eta: np.ndarray = field(repr=False)
    eta_covariance: np.ndarray = field(repr=False)
    individual_theta: dict[str, np.ndarray] = field(repr=False)
    shrinkage: dict[str, float] = field(repr=False)
    ipred: np.ndarray = field(repr=False)
    pred: np.ndarray = field(repr=False)
    success: bool = True
    message: str = ""
    n_subjects: int = 0
    n_obs: int = 0
    nfev: int = 0
    covariance: np.ndarray | None = field(default=None, repr=False, compare=False)
    outer_names: tuple[str, ...] = field(default=(), repr=False)

    @property
    def aic(self) -> float:
        """−2 log L + 2 × ``n_estimated`` (nlmixr's AIC)."""
        return self.minus2_log_likelihood + 2.0 * self.n_estimated

    def individual(self, subject: Any) -> dict[str, float]:
        """θ_i of one subject (EBE)."""
        if subject not in self.subjects:
            raise UnknownNameError("subject", str(subject), [str(s) for s in self.subjects], "NLMEResult")
        i = self.subjects.index(subject)
        return {p: float(v[i]) for p, v in self.individual_theta.items()}


class _Problem:
    """Data, model and the FOCE-I objective for one fit (internal)."""

    def __init__(self, model: StructuralModel, sid: np.ndarray, t: np.ndarray, y: np.ndarray,
                 cov: dict[str, np.ndarray], parameters: tuple[str, ...], random: tuple[str, ...],
                 full: bool, error: ResidualError) -> None:
        self.model, self.t, self.y, self.cov = model, t, y, cov
        self.sid = sid                       # subject index per observation (sorted, 0..S-1)
        self.S = int(sid.max()) + 1
        self.starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
        self.parameters, self.random, self.full, self.error = parameters, random, full, error
        self.p, self.q = len(parameters), len(random)
        self.rcol = np.array([parameters.index(r) for r in random], dtype=int)
        self.free_err = error.free_parameters
        self.n_omega = self.q * (self.q + 1) // 2 if full else self.q
        self.tril = np.tril_indices(self.q)
        self.eta = np.zeros((self.S, self.q))  # warm start of the inner step
        self.nfev = 0

    # -- outer variables ----------------------------------------------------------------------
    def names(self) -> tuple[str, ...]:
        out = [f"log_theta:{p}" for p in self.parameters]
        if self.full:
            out += [f"omega:{self.random[k]},{self.random[l]}" for k, l in zip(*self.tril)]
        else:
            out += [f"omega:{r},{r}" for r in self.random]
        return tuple(out + [f"log_error:{n}" for n in self.free_err])

    def unpack(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        mu = x[:self.p]
        w = x[self.p:self.p + self.n_omega]
        if self.full:
            L = np.zeros((self.q, self.q))
            L[self.tril] = w
            d = np.diag_indices(self.q)
            L[d] = np.exp(L[d])
            omega = L @ L.T
        else:
            omega = np.diag(np.exp(2.0 * w))
        ev = self.error.values
        ev.update({n: float(np.exp(v)) for n, v in zip(self.free_err, x[self.p + self.n_omega:])})
        return mu, omega, ev

    def pack(self, mu: np.ndarray, omega: np.ndarray, ev: Mapping[str, float]) -> np.ndarray:
        if self.full:
            L = np.linalg.cholesky(omega)
            d = np.diag_indices(self.q)
            L[d] = np.log(L[d])
            w = L[self.tril]
        else:
            w = 0.5 * np.log(np.diag(omega))
        return np.concatenate([mu, w, [math.log(ev[n]) for n in self.free_err]])

    # -- model ---------------------------------------------------------------------------------
    def predict(self, mu: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """f at η (n_subjects × q) for every observation."""
        logth = np.broadcast_to(mu, (self.t.size, self.p)).copy()
        if self.q:
            logth[:, self.rcol] += eta[self.sid]
        theta = {p: np.exp(logth[:, k]) for k, p in enumerate(self.parameters)}
        with np.errstate(all="ignore"):
            f = np.asarray(self.model(theta, self.t, self.cov), dtype=float)
        if f.shape != self.t.shape:
            raise FitError("model output", f"an array of shape {self.t.shape} (one value per observation)",
                           f"shape {f.shape}")
        return f

    def variance(self, f: np.ndarray, ev: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """R(f), dR/df and d²R/df² (central differences; exactly 0 for a constant variance)."""
        with np.errstate(all="ignore"):
            R = self.error.variance(f, ev)
            h = 1e-4 * (np.abs(f) + 1e-3 * (np.max(np.abs(f)) if f.size else 1.0) + 1e-300)
            Rp, Rm = self.error.variance(f + h, ev), self.error.variance(f - h, ev)
            dR = (Rp - Rm) / (2.0 * h)
            d2R = (Rp - 2.0 * R + Rm) / h ** 2
        return R, dR, d2R

    def ssum(self, a: np.ndarray) -> np.ndarray:
        """Sum over the observations of each subject (first axis)."""
        return np.add.reduceat(a, self.starts, axis=0)

    def ell(self, mu: np.ndarray, eta: np.ndarray, oinv: np.ndarray,
            ev: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        f = self.predict(mu, eta)
        R = self.error.variance(f, ev)
        with np.errstate(all="ignore"):
            obs = np.log(R) + (self.y - f) ** 2 / R
        val = self.ssum(obs) + np.einsum("sk,kl,sl->s", eta, oinv, eta)
        val[~np.isfinite(val)] = np.inf
        return val, f

    def sensitivities(self, mu: np.ndarray, eta: np.ndarray, f: np.ndarray,
                      second: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """∂f/∂η (n_obs × q, central differences) and, if *second*, ∂²f/∂η² (n_obs × q × q)."""
        q = self.q
        G = np.empty((self.t.size, q))
        D = np.empty((self.t.size, q, q)) if second else None
        plus = []
        for k in range(q):
            e = np.zeros_like(eta)
            e[:, k] = _H_ETA
            fp, fm = self.predict(mu, eta + e), self.predict(mu, eta - e)
            plus.append(fp)
            G[:, k] = (fp - fm) / (2.0 * _H_ETA)
            if D is not None:
                D[:, k, k] = (fp - 2.0 * f + fm) / _H_ETA ** 2
        if D is not None:
            for k in range(q):
                for m in range(k):
                    e = np.zeros_like(eta)
                    e[:, k] = e[:, m] = _H_ETA
                    D[:, k, m] = D[:, m, k] = (self.predict(mu, eta + e) - plus[k] - plus[m] + f) / _H_ETA ** 2
        return G, D

    def derivatives(self, mu: np.ndarray, eta: np.ndarray, f: np.ndarray, oinv: np.ndarray,
                    ev: Mapping[str, float], second: bool = True
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per subject: ∇ℓ_i, Ĥ_i (half the expected-information Hessian of ℓ_i, the FOCE-I matrix)
        and, if *second*, the full Hessian ∇²ℓ_i (with ∂²f/∂η², for the Newton steps)."""
        G, D = self.sensitivities(mu, eta, f, second)
        R, dR, d2R = self.variance(f, ev)
        r = self.y - f
        gR = dR[:, None] * G                                      # ∇_η R
        with np.errstate(all="ignore"):
            u, w = dR / R, r ** 2 / R
            a = u * (1.0 - w) - 2.0 * r / R                           # ∂ℓ_obs/∂f
            gobs = a[:, None] * G
            hobs = (np.einsum("nk,nl->nkl", G, G) / R[:, None, None]
                    + 0.5 * np.einsum("nk,nl->nkl", gR, gR) / (R ** 2)[:, None, None])
            full = None
            if D is not None:
                b = d2R / R * (1.0 - w) - u ** 2 + 2.0 * w * u ** 2 + 4.0 * r * u / R + 2.0 / R   # ∂²ℓ_obs/∂f²
                full = self.ssum(b[:, None, None] * np.einsum("nk,nl->nkl", G, G) + a[:, None, None] * D) \
                    + 2.0 * oinv[None, :, :]
        grad = self.ssum(gobs) + 2.0 * eta @ oinv
        H = self.ssum(hobs) + oinv[None, :, :]
        return grad, H, full

    # -- inner step ----------------------------------------------------------------------------
    def inner(self, mu: np.ndarray, oinv: np.ndarray, ev: Mapping[str, float], eta0: np.ndarray,
              max_iter: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """EBEs η̂, ℓ_i(η̂), Ĥ_i and f(η̂) for every subject.

        Damped Newton on the full Hessian of ℓ_i (falling back to the Gauss-Newton matrix 2Ĥ_i
        where that is not positive definite), Levenberg-Marquardt damping for step acceptance,
        vectorised over subjects; converged when gᵀM⁻¹g (M the Newton matrix) is below 1e-14.
        """
        eta = eta0.copy()
        val, f = self.ell(mu, eta, oinv, ev)
        if not np.all(np.isfinite(val)):
            bad = ~np.isfinite(val)
            eta[bad] = 0.0
            val, f = self.ell(mu, eta, oinv, ev)
        lam = np.full(self.S, 1e-4)
        eye = np.eye(self.q)
        grad, H, full = self.derivatives(mu, eta, f, oinv, ev)
        for _ in range(max_iter):
            assert full is not None
            M = full.copy()
            with np.errstate(all="ignore"):
                pd = np.all(np.linalg.eigvalsh(M) > 0, axis=1)
            M[~pd] = 2.0 * H[~pd]
            with np.errstate(all="ignore"):
                newton = np.linalg.solve(M, -grad[..., None])[..., 0]
            dec = -np.einsum("sk,sk->s", grad, newton)
            todo = ~(np.isfinite(dec) & (dec < 1e-14))
            if not todo.any():
                break
            diag = np.abs(np.einsum("skk->sk", M))
            A = M + lam[:, None, None] * diag[:, :, None] * eye
            with np.errstate(all="ignore"):
                step = np.linalg.solve(A, -grad[..., None])[..., 0]
            step[~todo] = 0.0
            step[~np.isfinite(step)] = 0.0
            step = np.clip(step, -2.0, 2.0)
            trial = eta + step
            tval, tf = self.ell(mu, trial, oinv, ev)
            ok = todo & (tval <= val + 1e-13 * np.abs(val))
            if ok.any():
                eta[ok] = trial[ok]
                val[ok] = np.minimum(tval[ok], val[ok])
                f = np.where(ok[self.sid], tf, f)
                lam[ok] = np.maximum(lam[ok] / 10.0, 1e-12)
                grad, H, full = self.derivatives(mu, eta, f, oinv, ev)
            lam[todo & ~ok] *= 10.0
            if np.all(lam[todo] > 1e10):
                break
        return eta, val, H, f

    def ofv(self, x: np.ndarray, eta0: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """OFV at outer variables *x* and the EBEs found (warm start *eta0*, default the last base)."""
        self.nfev += 1
        if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > 50:
            return _BAD, self.eta
        mu, omega, ev = self.unpack(x)
        sign, logdet_o = np.linalg.slogdet(omega)
        if sign <= 0 or not np.isfinite(logdet_o):
            return _BAD, self.eta
        oinv = np.linalg.inv(omega)
        eta, val, H, _ = self.inner(mu, oinv, ev, self.eta if eta0 is None else eta0)
        s, logdet_h = np.linalg.slogdet(H)
        total = float(np.sum(val) + self.S * logdet_o + np.sum(logdet_h))
        if not (np.all(s > 0) and math.isfinite(total)):
            return _BAD, eta
        return total, eta


def _as_array(name: str, v: npt.ArrayLike, n: int) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if a.shape != (n,) or not np.all(np.isfinite(a)):
        raise FitError(name, f"{n} finite numbers (one per observation)", f"shape {a.shape}" if a.shape != (n,)
                       else "non-finite values")
    return a


def _grad(fun: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    g = np.empty_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = h
        g[k] = (fun(x + e) - fun(x - e)) / (2.0 * h)
    return g


def _hessian(fun: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    n = x.size
    f0 = fun(x)
    H = np.empty((n, n))
    E = np.eye(n) * h
    fp = np.array([fun(x + E[k]) for k in range(n)])
    fm = np.array([fun(x - E[k]) for k in range(n)])
    for k in range(n):
        H[k, k] = (fp[k] - 2.0 * f0 + fm[k]) / h ** 2
        for m in range(k):
            v = (fun(x + E[k] + E[m]) - fun(x + E[k] - E[m]) - fun(x - E[k] + E[m]) + fun(x - E[k] - E[m]))
            H[k, m] = H[m, k] = v / (4.0 * h ** 2)
    return H


def fit_nlme(model: StructuralModel, subject: npt.ArrayLike, time: npt.ArrayLike, observed: npt.ArrayLike, *,
             theta0: Mapping[str, float], omega0: Mapping[str, float],
             covariates: Mapping[str, npt.ArrayLike] | None = None, full_omega: bool = False,
             error: ResidualError | None = None, min_subjects: int = 3, max_outer_iter: int = 200,
             standard_errors: bool = True) -> NLMEResult:
    """Population (NLME) fit by FOCE-I of a structural model to grouped data (module docstring).

    Parameters
    ----------
    model : callable
        ``model(theta, t, x) -> prediction`` (see :data:`StructuralModel`): vectorised over
        observations; ``theta[name]`` holds each observation's individual parameter value.
    subject, time, observed : array_like, one entry per observation
        Subject identifier (any hashable), time, observed value.
    theta0 : mapping of str to float
        Every structural parameter with a starting value of θ_pop (> 0).
    omega0 : mapping of str to float
        The parameters with a random effect and the starting variance of their η (> 0).
    covariates : mapping of str to array_like, optional
        Per-observation covariates (dose, body mass, ...) passed to the model as ``x``.
    full_omega : bool, default False
        Estimate a full Ω (log-Cholesky) instead of a diagonal one; starts from diagonal ``omega0``.
    error : ResidualError, default ``AdditiveError()``
        Residual-error model; parameters given as numbers are fixed, ``None`` ones are estimated.
    min_subjects : int, default 3
        Fewer subjects (or not more than the number of random effects) is an error.
    max_outer_iter : int, default 200
        BFGS iterations of the outer step.
    standard_errors : bool, default True
        Compute the outer Hessian (2n² OFV evaluations) for the covariance and standard errors.

    Raises
    ------
    UnknownNameError
        A random-effect name that is not a parameter, or a parameter or covariate the model asks
        for that was not given.
    FitError
        Bad data (shapes, non-finite values, θ₀ ≤ 0), no random effect, too few subjects, or a
        model output of the wrong shape.

    Examples
    --------
    Twelve simulated subjects with a mono-exponential decline, 30 % between-subject variability
    on both parameters and 5 % proportional error:

    >>> rng = np.random.default_rng(1)
    >>> t = np.tile([1.0, 4.0, 12.0, 24.0, 48.0], 12)
    >>> sid = np.repeat(np.arange(12), 5)
    >>> eta = rng.normal(0.0, 0.3, (12, 2))
    >>> a, k = 100 * np.exp(eta[sid, 0]), 0.05 * np.exp(eta[sid, 1])
    >>> y = a * np.exp(-k * t) * (1 + 0.05 * rng.standard_normal(t.size))
    >>> model = lambda th, t, x: th["a"] * np.exp(-th["k"] * t)
    >>> res = fit_nlme(model, sid, t, y, theta0={"a": 50.0, "k": 0.1}, omega0={"a": 0.1, "k": 0.1},
    ...                error=ProportionalError())
    >>> res.success, res.n_subjects, res.n_obs
    (True, 12, 60)
    >>> round(res.theta["k"], 3), round(res.error_model.values["cv"], 2)
    (0.053, 0.05)
    """
    error = AdditiveError() if error is None else error
    if not isinstance(error, ResidualError):
        raise FitError("error", "a ResidualError (AdditiveError, ProportionalError, CombinedError)", error)
    parameters = tuple(theta0)
    random = tuple(omega0)
    if not random:
        raise FitError("omega0", "at least one parameter with a random effect (else it is not a population fit)",
                       dict(omega0))
    for r in random:
        if r not in parameters:
            raise UnknownNameError("random-effect parameter", r, parameters, "fit_nlme theta0")
    for p, v in theta0.items():
        if not (isinstance(v, (int, float, np.floating)) and math.isfinite(v) and v > 0):
            raise FitError(f"theta0[{p!r}]", "a finite starting value > 0 (parameters are log-normal)", v)
    for r, v in omega0.items():
        if not (isinstance(v, (int, float, np.floating)) and math.isfinite(v) and v > 0):
            raise FitError(f"omega0[{r!r}]", "a finite starting variance > 0", v)
    y = np.asarray(observed, dtype=float)
    if y.ndim != 1 or y.size == 0:
        raise FitError("observed", "a 1-D array of observations", f"shape {y.shape}")
    n = y.size
    y = _as_array("observed", y, n)
    t = _as_array("time", time, n)
    subj = np.asarray(subject)
    if subj.shape != (n,):
        raise FitError("subject", f"{n} subject identifiers (one per observation)", f"shape {subj.shape}")
    cov_in = {k: _as_array(f"covariates[{k!r}]", v, n) for k, v in (covariates or {}).items()}
    clash = set(cov_in) & set(parameters)
    if clash:
        raise FitError("covariates", "names different from the parameter names", sorted(clash))

    # subjects in order of first appearance; observations sorted by subject (stable)
    _, first, inv = np.unique(subj, return_index=True, return_inverse=True)
    order_of_first = np.argsort(first)
    rank = np.empty_like(order_of_first)
    rank[order_of_first] = np.arange(order_of_first.size)
    sid_all = rank[inv.reshape(-1)]
    subjects = tuple(subj[np.sort(first)].tolist())
    S = len(subjects)
    q = len(random)
    if S < max(min_subjects, q + 1):
        raise FitError("subjects", f"at least {max(min_subjects, q + 1)} subjects for a population fit "
                                   f"with {q} random effects", S)
    perm = np.argsort(sid_all, kind="stable")
    back = np.empty_like(perm)
    back[perm] = np.arange(n)
    prob = _Problem(model, sid_all[perm], t[perm], y[perm], {k: v[perm] for k, v in cov_in.items()},
                    parameters, random, full_omega, error)

    mu0 = np.log(np.array([float(theta0[p]) for p in parameters]))
    try:
        f0 = prob.predict(mu0, np.zeros((S, q)))
    except KeyError as exc:                   # the model asked for a parameter or covariate not given
        name = str(exc.args[0]) if exc.args else "?"
        raise UnknownNameError("parameter or covariate", name, parameters + tuple(cov_in), "fit_nlme model") from exc
    if not np.all(np.isfinite(f0)):
        raise FitError("model at theta0", "finite predictions at every observation", "non-finite values")
    ev0 = error.values
    start = error._start(f0, prob.y - f0)
    ev0.update({k: max(start[k], 1e-6) for k in error.free_parameters})
    x0 = prob.pack(mu0, np.diag([float(omega0[r]) for r in random]), ev0)

    base: dict[str, Any] = {}

    def fun_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        val, eta = prob.ofv(x)
        prob.eta = eta
        base["x"], base["eta"] = x.copy(), eta.copy()
        g = _grad(lambda z: prob.ofv(z, eta)[0], x, _H_GRAD)
        return val, g

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        opt = optimize.minimize(fun_grad, x0, jac=True, method="BFGS",
                                options={"gtol": 1e-3, "maxiter": max_outer_iter})
        x = np.asarray(opt.x, dtype=float)
        val, eta = prob.ofv(x)
        prob.eta = eta

        def at_base(z: np.ndarray) -> float:
            return prob.ofv(z, eta)[0]

        message = str(opt.message)
        H: np.ndarray | None = None
        if standard_errors:
            # Newton polish on the finite-difference Hessian, then the Hessian for the SEs
            for _ in range(3):
                H = _hessian(at_base, x, _H_HESS)
                g = _grad(at_base, x, _H_GRAD)
                try:
                    step = -np.linalg.solve(H, g)
                except np.linalg.LinAlgError:
                    break
                if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 0.5:
                    break
                v2, e2 = prob.ofv(x + step, eta)
                if v2 < val:
                    x, val, eta = x + step, v2, e2
                    prob.eta = eta
                if np.max(np.abs(step)) < 1e-6 or val - v2 < 1e-9:
                    break
            H = _hessian(at_base, x, _H_HESS)
        gfinal = _grad(at_base, x, _H_GRAD)

    mu, omega, ev = prob.unpack(x)
    oinv = np.linalg.inv(omega)
    eta, _, Hi, f_ind = prob.inner(mu, oinv, ev, eta)
    names = prob.names()
    cov = None
    if H is not None:
        w = np.linalg.eigvalsh((H + H.T) / 2)
        if np.all(np.isfinite(w)) and w.min() > 0:
            cov = 2.0 * np.linalg.inv((H + H.T) / 2)
    if cov is not None:
        decrement = float(gfinal @ cov @ gfinal) / 2.0            # gᵀH⁻¹g: OFV still to gain (×2)
        grad_ok = bool(np.isfinite(decrement) and decrement < 1e-3)
        crit = f"gradient not small at the end (g'H^-1 g = {decrement:.3g})"
    else:
        grad_ok = bool(np.all(np.isfinite(gfinal)) and np.max(np.abs(gfinal)) < 1e-2)
        crit = f"gradient not small at the end (max |dOFV/dx| = {np.max(np.abs(gfinal)):.3g})"
    success = bool(grad_ok and val < _BAD and (cov is not None or not standard_errors))
    if not grad_ok:
        message += "; " + crit
    if standard_errors and cov is None:
        message += "; outer Hessian not positive definite (no standard errors)"

    # reported quantities and their delta-method SEs
    def report(z: np.ndarray) -> np.ndarray:
        m, o, e = prob.unpack(z)
        return np.concatenate([m, o[np.tril_indices(q)], [e[k] for k in error.free_parameters]])

    rep_se = np.full(report(x).size, np.nan)
    if cov is not None:
        J = np.empty((rep_se.size, x.size))
        for k in range(x.size):
            e = np.zeros_like(x)
            e[k] = 1e-6
            J[:, k] = (report(x + e) - report(x - e)) / 2e-6
        rep_se = np.sqrt(np.clip(np.einsum("ik,kl,il->i", J, cov, J), 0.0, None))
    n_par = len(parameters)
    ntri = q * (q + 1) // 2
    omega_se = np.full((q, q), np.nan)
    omega_se[np.tril_indices(q)] = rep_se[n_par:n_par + ntri]
    omega_se = np.where(np.isnan(omega_se), omega_se.T, omega_se)
    if not full_omega:
        omega_se[~np.eye(q, dtype=bool)] = 0.0

    theta_i: dict[str, np.ndarray] = {}
    for k, name in enumerate(parameters):
        lv = np.full(S, mu[k])
        if name in random:
            lv = lv + eta[:, random.index(name)]
        theta_i[name] = np.exp(lv)
    sd_eta = eta.std(axis=0, ddof=1)
    pred = prob.predict(mu, np.zeros((S, q)))
    fixed_err = error.with_values(**{k: ev[k] for k in error.free_parameters})
    return NLMEResult(
        parameters=parameters, random=random,
        theta={n_: float(np.exp(mu[k])) for k, n_ in enumerate(parameters)},
        log_theta={n_: float(mu[k]) for k, n_ in enumerate(parameters)},
        log_theta_se={n_: float(rep_se[k]) for k, n_ in enumerate(parameters)},
        omega=omega, omega_se=omega_se,
        omega_cv={r: float(np.sqrt(np.expm1(omega[k, k]))) for k, r in enumerate(random)},
        error_model=fixed_err,
        error_se={k: float(rep_se[n_par + ntri + j]) for j, k in enumerate(error.free_parameters)},
        ofv=float(val), minus2_log_likelihood=float(val + n * _LOG_2PI), n_estimated=int(x.size),
        subjects=subjects, eta=eta, eta_covariance=np.linalg.inv(Hi), individual_theta=theta_i,
        shrinkage={r: float(1.0 - sd_eta[k] / math.sqrt(omega[k, k])) for k, r in enumerate(random)},
        ipred=f_ind[back], pred=pred[back], success=success, message=message, n_subjects=S, n_obs=n,
        nfev=prob.nfev, covariance=cov, outer_names=names)


# ------------------------------------------------------------------------------------------------
# pkdose's exponential kinetics


def monoexponential_tac_model(decay_constant_per_h: float) -> StructuralModel:
    """Structural model A(t) = A₀ f e^{−(λ_phys + λ_bio) t} [MBq] (activity not decay-corrected).

    Parameters ``f`` (uptake fraction of the administered activity) and ``lambda_bio`` (1/h);
    covariate ``activity_MBq`` (A₀, administered activity).

    >>> m = monoexponential_tac_model(0.0)
    >>> m({"f": np.array([0.5]), "lambda_bio": np.array([0.1])}, np.array([0.0]),
    ...   {"activity_MBq": np.array([100.0])}).tolist()
    [50.0]
    """
    lam = float(decay_constant_per_h)

    def model(theta: Mapping[str, np.ndarray], t: np.ndarray, x: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.asarray(x["activity_MBq"] * theta["f"] * np.exp(-(lam + theta["lambda_bio"]) * t))

    return model


@dataclass(frozen=True)
class TrialPopulationFit:
    """Result of :func:`fit_trial_nlme`: one region of a trial, mono-exponential, FOCE-I.

    Attributes
    ----------
    region, nuclide : str
    decay_constant_per_h : float
        λ_phys [1/h].
    units : tuple of (str, int)
        The (patient, cycle) curves, the subjects of the fit (each has its own η).
    administered_MBq : ndarray
        A₀ of each unit.
    fit : NLMEResult
    tia_MBq_h : ndarray
        EBE time-integrated activity A₀ f_i / (λ_phys + λ_bio,i) of each unit [MBq·h].
    tia_sd_MBq_h : ndarray
        Its conditional SD from the EBE covariance Ĥ_i⁻¹ (delta method on ln TIA); the
        uncertainty of the population parameters is not included.
    """

    region: str
    nuclide: str
    decay_constant_per_h: float
    units: tuple[tuple[str, int], ...]
    administered_MBq: np.ndarray
    fit: NLMEResult
    tia_MBq_h: np.ndarray
    tia_sd_MBq_h: np.ndarray

    def tia(self, patient: str, cycle: int) -> tuple[float, float]:
        """TIA and its conditional SD [MBq·h] of one (patient, cycle)."""
        if (patient, cycle) not in self.units:
            raise UnknownNameError("curve", f"{patient}/{cycle}", [f"{p}/{c}" for p, c in self.units],
                                   f"region {self.region}")
        i = self.units.index((patient, cycle))
        return float(self.tia_MBq_h[i]), float(self.tia_sd_MBq_h[i])


def fit_trial_nlme(trial: Any, region: str, *, error: ResidualError | None = None,
                   full_omega: bool = False) -> TrialPopulationFit:
    """FOCE-I population fit of one region's activity curves of a trial (mono-exponential).

    Every (patient, cycle) curve is a subject with its own η on ``f`` and ``lambda_bio``
    (between-curve variability: patients and cycles together); the structural model is
    :func:`monoexponential_tac_model`. A curve with one or two points, which cannot be fitted on
    its own, still gets an empirical Bayes estimate that borrows from the other curves. The
    measurement uncertainties in the trial are not used: the residual error (default
    ``ProportionalError()``) is estimated. Starting values: medians of per-curve log-linear
    regressions (curves with ≥ 2 points), ω² = 0.1.

    Raises
    ------
    UnknownNameError
        A region the trial does not have.
    FitError
        Fewer than 3 curves in the region, or a fit that cannot start.

    Examples
    --------
    >>> from pkdose.data import read_trial
    >>> pop = fit_trial_nlme(read_trial(demo_trial_dir), "kidneys")
    >>> pop.fit.success, pop.fit.n_subjects, pop.fit.n_obs
    (True, 24, 96)
    """
    from ..nuclides import get_nuclide

    if region not in trial.regions:
        raise UnknownNameError("region", region, trial.regions, f"trial {trial.id}")
    lam = get_nuclide(trial.nuclide).decay_constant
    admin = {(a.patient, a.cycle): a.activity_MBq for a in trial.administrations}
    units: list[tuple[str, int]] = []
    sid: list[int] = []
    times: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    a0: list[float] = []
    f_start: list[float] = []
    k_start: list[float] = []
    for tac in trial.curves():
        if tac.region != region:
            continue
        key = (tac.patient, int(tac.cycle))
        units.append(key)
        n = len(tac.times_h)
        sid += [len(units) - 1] * n
        times.append(np.asarray(tac.times_h, dtype=float))
        ys.append(np.asarray(tac.activity_MBq, dtype=float))
        a0.append(float(admin[key]))
        pos = ys[-1] > 0
        if pos.sum() >= 2:
            slope, icpt = np.polyfit(times[-1][pos], np.log(ys[-1][pos] / a0[-1]), 1)
            f_start.append(float(np.exp(icpt)))
            k_start.append(float(-slope - lam))
    if len(units) < 3:
        raise FitError(f"region {region}", "at least 3 curves for a population fit", len(units))
    if not f_start:
        raise FitError(f"region {region}", "at least one curve with 2 positive points for starting values", 0)
    t = np.concatenate(times)
    y = np.concatenate(ys)
    A0 = np.array(a0)
    sida = np.array(sid)
    f0 = float(np.median(f_start))
    k0 = float(np.median(k_start))
    k0 = k0 if k0 > 1e-3 * max(lam, 1e-6) else max(0.1 * lam, 1e-4)
    fit = fit_nlme(monoexponential_tac_model(lam), sida, t, y, theta0={"f": f0, "lambda_bio": k0},
                   omega0={"f": 0.1, "lambda_bio": 0.1}, covariates={"activity_MBq": A0[sida]},
                   error=ProportionalError() if error is None else error, full_omega=full_omega)
    f_i = fit.individual_theta["f"]
    k_i = fit.individual_theta["lambda_bio"]
    tia = A0 * f_i / (lam + k_i)
    grad = np.stack([np.ones_like(k_i), -k_i / (lam + k_i)], axis=1)        # ∂ ln TIA / ∂(η_f, η_λ)
    var = np.einsum("sk,skl,sl->s", grad, fit.eta_covariance, grad)
    return TrialPopulationFit(region, trial.nuclide, lam, tuple(units), A0, fit, tia, tia * np.sqrt(var))
