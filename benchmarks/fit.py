"""Curve fits of a whole trial: pkdose (lmfit, AICc over candidates) vs plain scipy curve_fit.

    python benchmarks/fit.py [--trial trial_data/lu177-dotatate-demo] [--repeats 5]

Prints the time to fit every (patient, cycle, region) curve of the demo trial with
:func:`pkdose.fit.fit_trial` (every candidate AICc can rank, uncertainty by the delta method)
against fitting the same curves with the same candidate functions through
``scipy.optimize.curve_fit`` (bounded TRF, no model selection bookkeeping, no TIA uncertainty),
the ratio, and the time of the two-stage population estimate on the same trial. The issue's
target is the whole demo trial's curve fits in under 2 s on this machine. Not part of the tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import curve_fit

ROOT = Path(__file__).resolve().parents[1]


def _curve_fit_trial(trial) -> int:
    """The same candidates (those AICc can rank) with plain curve_fit; returns the number of fits."""
    from pkdose.fit.exponentials import CANDIDATES
    from pkdose.nuclides import get_nuclide

    lam = get_nuclide(trial.nuclide).decay_constant
    n = 0
    for tac in trial.curves():
        t, y = tac.times_h, tac.activity_MBq
        for name, (terms, uptake) in CANDIDATES.items():
            k = 2 * terms + int(uptake)
            if t.size - k - 1 <= 0:
                continue

            def f(tt, *p, terms=terms, uptake=uptake):
                amps, acc, out = p[0::2][:terms], lam, 0.0
                total = 0.0
                for i in range(terms):
                    acc = acc + p[2 * i + 1]
                    out = out + amps[i] * np.exp(-acc * tt)
                    total = total + amps[i]
                if uptake:
                    out = out - total * np.exp(-(acc + p[-1]) * tt)
                return out

            p0 = [y.max(), 0.01] * terms + ([1.0] if uptake else [])
            lo = [0.0, 0.0] * terms + ([1e-6] if uptake else [])
            curve_fit(f, t, y, p0=p0, sigma=tac.sigma_MBq, absolute_sigma=tac.sigma_MBq is not None,
                      bounds=(lo, np.inf), method="trf", maxfev=2000)
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trial", default=str(ROOT / "trial_data" / "lu177-dotatate-demo"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    from pkdose.data import read_trial
    from pkdose.fit import fit_trial
    from pkdose.fit.population import two_stage_population

    trial = read_trial(args.trial)
    fit_trial(trial)                                   # warm-up (imports, nuclide data)
    t_pk, t_cf, t_pop = [], [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        fits = fit_trial(trial)
        t_pk.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        n_cf = _curve_fit_trial(trial)
        t_cf.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        two_stage_population(trial)
        t_pop.append(time.perf_counter() - t0)
    pk, cf, pop = statistics.median(t_pk), statistics.median(t_cf), statistics.median(t_pop)
    n_cand = sum(sum(1 for c in f.candidates if "not fitted" not in c.message) for f in fits.values())
    print(f"# fit benchmark: {Path(args.trial).name}, {len(fits)} curves, median of {args.repeats}")
    print("\n| method | candidate fits | seconds | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| scipy curve_fit (same candidates) | {n_cf} | {cf:.3f} | 1.00x |")
    print(f"| pkdose fit_trial (lmfit, AICc, delta-method TIA SD) | {n_cand} | {pk:.3f} | {pk / cf:.2f}x |")
    print(f"| pkdose two_stage_population (all regions) | {len(trial.curves())} | {pop:.3f} | - |")
    print(f"\ntarget: whole demo trial's curve fits < 2 s -> {'PASS' if pk < 2 else 'FAIL'} ({pk:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
