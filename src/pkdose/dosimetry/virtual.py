"""Virtual trials: absorbed doses and BED for thousands of virtual patients from a population.

Each virtual patient gets mono-exponential organ kinetics per cycle from a
:class:`pkdose.fit.population.LogNormalPopulation` (uptake fraction f, effective rate
λ_eff = λ_phys + λ_bio),
organ masses from a log-normal fitted to the trial's measured masses (independent of the
kinetics: an assumption, stated in the result), and the local-absorption S of that mass. Per
cycle and organ

.. math::

    D = S(m)\\, A_0 f / \\lambda_{eff}, \\qquad
    \\mathrm{BED} = D + \\frac{\\lambda_{eff}}{\\lambda_{eff} + \\mu} \\frac{D^2}{\\alpha/\\beta},

the BED of a mono-exponential dose rate with repair rate μ (Dale 1985; see
:mod:`pkdose.dosimetry.radiobiology`); cycles add. Everything is vectorised over patients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DoseError, UnknownNameError
from .radiobiology import KIDNEY, LQParameters
from .svalues import local_absorption_s_value

__all__ = ["LogNormalMasses", "masses_from_trial", "VirtualTrial", "virtual_trial"]


@dataclass(frozen=True)
class LogNormalMasses:
    """Independent log-normal organ masses [kg]: median and CV per region."""

    median_kg: Mapping[str, float]
    cv: Mapping[str, float]
    n: Mapping[str, int]

    def sample(self, regions: Sequence[str], n_patients: int, seed: int = 0) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = np.empty((n_patients, len(regions)))
        for j, r in enumerate(regions):
            if r not in self.median_kg:
                raise UnknownNameError("region mass", r, tuple(self.median_kg), "LogNormalMasses")
            s = np.sqrt(np.log1p(self.cv[r] ** 2))
            out[:, j] = self.median_kg[r] * np.exp(s * rng.standard_normal(n_patients))
        return out


def masses_from_trial(trial: Any, regions: Sequence[str]) -> LogNormalMasses:
    """Log-normal masses per region from the trial's measured masses (``whole_body``: body mass).

    Raises
    ------
    DoseError
        A region with fewer than two measured masses.
    """
    med, cv, n = {}, {}, {}
    for r in regions:
        values = [p.body_mass_kg if r == "whole_body" else p.organ_mass_kg.get(r) for p in trial.patients]
        vals = np.array([v for v in values if v is not None], dtype=float)
        if vals.size < 2:
            raise DoseError(f"organ_mass_kg.{r}", "measured masses of at least 2 patients", int(vals.size))
        logs = np.log(vals)
        med[r], n[r] = float(np.exp(logs.mean())), int(vals.size)
        cv[r] = float(np.sqrt(np.expm1(logs.var(ddof=1))))
    return LogNormalMasses(med, cv, n)


@dataclass(frozen=True)
class VirtualTrial:
    """Per-patient cumulative doses of a virtual trial.

    Attributes
    ----------
    doses : pandas.DataFrame
        One row per (patient, region): ``mass_kg``, ``absorbed_Gy`` (all cycles), ``bed_Gy``
        (NaN for regions without LQ parameters).
    n_patients, n_cycles : int
    activity_MBq : float
        Activity per cycle.
    assumptions : str
    """

    doses: pd.DataFrame
    n_patients: int
    n_cycles: int
    activity_MBq: float
    assumptions: str

    def fraction_exceeding(self, region: str, limit: float, *, quantity: str = "bed_Gy") -> float:
        """Share of virtual patients whose cumulative *quantity* in *region* exceeds *limit*."""
        sel = self.doses[self.doses["region"] == region]
        if sel.empty:
            raise UnknownNameError("region", region, tuple(self.doses["region"].unique()), "VirtualTrial")
        return float((sel[quantity] > limit).mean())

    def percentiles(self, q: Sequence[float] = (5, 50, 95), quantity: str = "absorbed_Gy") -> pd.DataFrame:
        """Percentiles of *quantity* per region (rows) — the distribution a sponsor asks for."""
        return (self.doses.groupby("region")[quantity].quantile([x / 100 for x in q]).unstack()
                .rename(columns=lambda x: f"P{round(100 * x)}"))


def virtual_trial(population: Any, masses: LogNormalMasses, *, n_patients: int = 1000, n_cycles: int = 4,
                  activity_MBq: float = 7400.0, lq: Mapping[str, LQParameters] | None = None,
                  seed: int = 0) -> VirtualTrial:
    """Cumulative absorbed dose and BED of *n_patients* virtual patients (module docstring).

    Examples
    --------
    >>> from pkdose.data import read_trial
    >>> from pkdose.fit.population import two_stage_population
    >>> trial = read_trial(demo_trial_dir)
    >>> pop = two_stage_population(trial, regions=["kidneys"])
    >>> vt = virtual_trial(pop, masses_from_trial(trial, ["kidneys"]), n_patients=2000, seed=1)
    >>> 5 < float(vt.percentiles(quantity="absorbed_Gy").loc["kidneys", "P50"]) < 15
    True
    """
    if n_patients < 1 or n_cycles < 1 or not activity_MBq > 0:
        raise DoseError("n_patients/n_cycles/activity_MBq", "n_patients >= 1, n_cycles >= 1, activity > 0",
                        (n_patients, n_cycles, activity_MBq))
    lq = dict({"kidneys": KIDNEY} if lq is None else lq)
    regions = list(population.regions)
    theta = population.sample(n_patients, n_cycles, seed=seed)            # (N, C, 2R)
    m = masses.sample(regions, n_patients, seed=seed + 1)                    # (N, R)
    s_unit = local_absorption_s_value(population.nuclide, 1.0).value    # S·m is mass independent
    frames = []
    for j, region in enumerate(regions):
        f = theta[:, :, 2 * j]
        lam = population.decay_constant_per_h + theta[:, :, 2 * j + 1]
        s = s_unit / m[:, j]
        d = s[:, None] * activity_MBq * f / lam                              # (N, C) Gy
        bed = np.full(n_patients, np.nan)
        if region in lq:
            t = lq[region]
            g = lam / (lam + t.repair_rate)
            bed = np.sum(d + g * d * d / t.alpha_beta_Gy, axis=1)
        frames.append(pd.DataFrame({"patient": np.arange(n_patients), "region": region, "mass_kg": m[:, j],
                                    "absorbed_Gy": d.sum(axis=1), "bed_Gy": bed}))
    assumptions = ("mono-exponential kinetics per organ and cycle from a standard two-stage log-normal population; "
                   "organ masses log-normal and independent of kinetics; local-absorption S (non-penetrating "
                   "self-dose, photons and cross-doses not included); cycles fully repaired in between")
    return VirtualTrial(pd.concat(frames, ignore_index=True), n_patients, n_cycles, float(activity_MBq), assumptions)
