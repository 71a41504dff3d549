"""Population kinetics from a trial by the standard two-stage method (log-normal, per region).

Stage 1 fits every (patient, cycle, region) curve with one exponential,
A(t) = f·A₀·e^{−(λ_phys + λ_bio) t} (activity not decay-corrected), giving the uptake fraction f
and the biological rate λ_bio > 0 (so that every sampled effective rate is at least the physical
one). Stage 2 treats θ = (ln f, ln λ_bio) of all regions as multivariate normal and splits
its variability into a between-patient part Ω (patients differ) and a within-patient part Σ
(cycles of one patient differ):

.. math::

    \\hat\\Sigma = \\frac{1}{\\sum_i (n_i-1)} \\sum_i \\sum_c (\\theta_{ic}-\\bar\\theta_i)(\\theta_{ic}-\\bar\\theta_i)^T,
    \\qquad
    \\hat\\Omega = \\operatorname{cov}_i(\\bar\\theta_i) - \\hat\\Sigma / \\bar n,

the moment correction removing the cycle noise that patient means still carry. The fit noise of
each curve is part of Σ̂ (not separated). This is the standard two-stage (STS) estimator: simple
and transparent, with known weaknesses — with few patients Ω̂ is imprecise, and if the correction
makes it indefinite it is projected to the nearest positive semidefinite matrix (eigenvalues
below zero set to zero), which :attr:`LogNormalPopulation.projected` reports. It is not a
nonlinear mixed-effects (NLME) fit.

References
----------
J.-L. Steimer, A. Mallet, J.-L. Golmard, J.-F. Boisvieux, "Alternative approaches to estimation of
population pharmacokinetic parameters: comparison with the nonlinear mixed-effect model",
Drug Metab. Rev. 15 (1984) 265-292.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import UnknownNameError
from .exponentials import FitError, fit_exponentials

__all__ = ["LogNormalPopulation", "two_stage_population"]


@dataclass(frozen=True)
class LogNormalPopulation:
    """Log-normal population of mono-exponential organ kinetics (see module docstring).

    Attributes
    ----------
    nuclide : str
    regions : tuple of str
    parameters : tuple of str
        ``"<region>.f"`` (uptake fraction of the administered activity) and ``"<region>.lambda_bio"``
        (biological rate, 1/h; the effective rate is λ_phys + λ_bio), in the order of ``mean_log``.
    mean_log : ndarray
        Mean of ln θ.
    omega : ndarray
        Between-patient covariance of ln θ.
    sigma : ndarray
        Within-patient (cycle-to-cycle, fit noise included) covariance of ln θ.
    n_patients, n_curves : int
        Patients and (patient, cycle) sets used.
    projected : bool
        Whether Ω̂ had to be projected to positive semidefinite.
    decay_constant_per_h : float
        λ_phys of the nuclide [1/h].
    """

    nuclide: str
    regions: tuple[str, ...]
    parameters: tuple[str, ...]
    mean_log: np.ndarray
    omega: np.ndarray
    sigma: np.ndarray
    n_patients: int
    n_curves: int
    projected: bool
    decay_constant_per_h: float

    def median(self, parameter: str) -> float:
        """Population median of one parameter (exp of its mean log)."""
        if parameter not in self.parameters:
            raise UnknownNameError("parameter", parameter, self.parameters, "LogNormalPopulation")
        return float(np.exp(self.mean_log[self.parameters.index(parameter)]))

    def cv_between(self, parameter: str) -> float:
        """Between-patient coefficient of variation √(e^{ω²} − 1) of one parameter."""
        i = self.parameters.index(parameter)
        return float(np.sqrt(np.expm1(self.omega[i, i])))

    def sample(self, n_patients: int, n_cycles: int, seed: int = 0) -> np.ndarray:
        """θ for virtual patients and their cycles, shape (n_patients, n_cycles, n_parameters).

        Each patient draws η ~ N(0, Ω), each cycle ε ~ N(0, Σ); θ = exp(μ + η + ε) (f and λ_bio).
        """
        rng = np.random.default_rng(seed)
        p = len(self.parameters)
        eta = rng.multivariate_normal(np.zeros(p), self.omega, size=n_patients)
        eps = rng.multivariate_normal(np.zeros(p), self.sigma, size=(n_patients, n_cycles))
        return np.asarray(np.exp(self.mean_log + eta[:, None, :] + eps))


def two_stage_population(trial: Any, *, regions: Sequence[str] | None = None) -> LogNormalPopulation:
    """Estimate a :class:`LogNormalPopulation` from a trial (module docstring).

    Parameters
    ----------
    trial : pkdose.data.Trial
    regions : sequence of str, optional
        Regions to include (default: every region with activity curves, in the trial's order;
        blood samples and excreta are not activity curves); every (patient, cycle) must have all
        of them measured. A region without activity curves is an error.

    Raises
    ------
    UnknownNameError
        A region the trial does not have.
    FitError
        A curve that cannot be fitted with one exponential, or fewer than 3 patients.

    Examples
    --------
    >>> from pkdose.data import read_trial
    >>> pop = two_stage_population(read_trial(demo_trial_dir), regions=["kidneys"])
    >>> pop.n_patients, pop.n_curves, round(pop.median("kidneys.f"), 3)
    (6, 24, 0.025)
    """
    imaged = {tac.region for tac in trial.curves()}            # regions with activity curves
    regions = tuple(r for r in trial.regions if r in imaged) if regions is None else tuple(regions)
    for r in regions:
        if r not in trial.regions:
            raise UnknownNameError("region", r, trial.regions, f"trial {trial.id}")
        if r not in imaged:
            raise FitError(f"regions ({r!r})", "a region with activity curves",
                           "only other quantities (e.g. concentrations) measured there")
    admin = {(a.patient, a.cycle): a.activity_MBq for a in trial.administrations}
    rows: dict[tuple[str, int], dict[str, float]] = {}
    lam = None
    for tac in trial.curves():
        if tac.region not in regions:
            continue
        fit = fit_exponentials(tac.times_h, tac.activity_MBq, nuclide=trial.nuclide, sigma=tac.sigma_MBq,
                               n_terms=(1,), uptake=False)
        if not fit.success:
            raise FitError(f"curve ({tac.patient}, cycle {tac.cycle}, {tac.region})",
                           "a curve one exponential can be fitted to", fit.candidates[0].message)
        lam = fit.decay_constant_per_h
        a, k_bio = fit.params["a1"], fit.params["k1"]
        if not k_bio > 0:
            raise FitError(f"curve ({tac.patient}, cycle {tac.cycle}, {tac.region})",
                           "a biological clearance rate > 0 (log-normal population)", k_bio)
        rows.setdefault((tac.patient, tac.cycle), {})[f"{tac.region}.f"] = a / admin[(tac.patient, tac.cycle)]
        rows[(tac.patient, tac.cycle)][f"{tac.region}.lambda_bio"] = k_bio
    names = tuple(f"{r}.{k}" for r in regions for k in ("f", "lambda_bio"))
    incomplete = sorted(f"{p}/{c}" for (p, c), v in rows.items() if set(v) != set(names))
    if incomplete:
        raise FitError("measurements", f"every (patient, cycle) with all regions {list(regions)}",
                       f"incomplete: {incomplete[:5]}")
    keys = sorted(rows)
    patients = sorted({p for p, _ in keys})
    if len(patients) < 3:
        raise FitError("patients", "at least 3 patients for a between-patient covariance", len(patients))
    theta = np.log(np.array([[rows[k][n] for n in names] for k in keys]))
    groups = [np.array([i for i, (p, _) in enumerate(keys) if p == pid]) for pid in patients]
    means = np.array([theta[g].mean(axis=0) for g in groups])
    dev = np.concatenate([theta[g] - theta[g].mean(axis=0) for g in groups])
    dof = sum(len(g) - 1 for g in groups)
    sigma = dev.T @ dev / dof if dof > 0 else np.zeros((len(names), len(names)))
    n_bar = len(keys) / len(patients)
    omega = np.atleast_2d(np.cov(means, rowvar=False)) - sigma / n_bar
    w, v = np.linalg.eigh((omega + omega.T) / 2)
    projected = bool(w.min() < 0)
    if projected:
        omega = (v * np.clip(w, 0.0, None)) @ v.T
    assert lam is not None
    return LogNormalPopulation(trial.nuclide, regions, names, means.mean(axis=0), omega, sigma, len(patients),
                               len(keys), projected, lam)
