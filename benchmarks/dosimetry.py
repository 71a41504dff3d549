"""Benchmark: S-value matrix per nuclide and doses for many TIA vectors, against plain loops.

Run on demand from the repository root (not part of the test suite)::

    python benchmarks/dosimetry.py --saf-dir ../shared/reference/icrp133 [--vectors 100000]

Prints one table: what was timed, pkdose's time, the peer's time (a straightforward Python loop
over emissions / over TIA vectors, measured in the same run), their ratio, and the largest
difference between the two results. Targets from issue 3: the full 43 x 79 matrix < 50 ms, dose for
100 000 TIA vectors < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

_SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if os.path.isdir(os.path.join(_SRC, "pkdose")) and _SRC not in sys.path:
    sys.path.insert(0, _SRC)

from pkdose.dosimetry import absorbed_dose, load_icrp133, s_values  # noqa: E402
from pkdose.dosimetry.svalues import DECAYS_PER_MBQ_H, MEV_TO_J  # noqa: E402
from pkdose.nuclides import get_nuclide  # noqa: E402


def best_of(fn, n=5):
    best, out = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def loop_photon_s(nuclide: str, data) -> np.ndarray:
    """Peer: photon S by a plain loop over lines and (target, source) rows, linear interpolation."""
    nuc = get_nuclide(nuclide)
    table = data.saf["photon"]
    grid = np.asarray(table.energies_MeV)
    out = np.zeros((len(data.targets), len(data.sources)))
    lines = [nuc.emissions(c) for c in ("gamma", "x_ray", "annihilation")]
    for ti in range(len(data.targets)):
        for si in range(len(data.sources)):
            row = table.values[ti, si]
            acc = 0.0
            for ln in lines:
                for e, y in zip(ln.energy_MeV, ln.yield_per_decay):
                    acc += e * y * float(np.interp(e, grid, row))
            out[ti, si] = acc
    return out * MEV_TO_J * DECAYS_PER_MBQ_H


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--saf-dir", default=os.environ.get("PKDOSE_ICRP133_DIR"))
    ap.add_argument("--nuclide", default="Lu-177")
    ap.add_argument("--vectors", type=int, default=100_000)
    args = ap.parse_args()
    if not args.saf_dir:
        print("needs the ICRP 133 files: --saf-dir DIR or PKDOSE_ICRP133_DIR", file=sys.stderr)
        return 2
    data = load_icrp133("adult-male", args.saf_dir)
    s_values(args.nuclide, saf_dir=args.saf_dir)                       # warm the emission cache
    t_s, table = best_of(lambda: s_values(args.nuclide, saf_dir=args.saf_dir))
    t_loop, loop = best_of(lambda: loop_photon_s(args.nuclide, data), n=1)
    ph = table.by_class["photon"].to_numpy()
    diff_s = float(np.max(np.abs(ph - loop)) / np.max(np.abs(ph)))

    rng = np.random.default_rng(0)
    regions = ["Kidneys", "Liver", "Spleen", "Blood", "UB-cont", "Other"] if "Other" in table.sources else \
        ["Kidneys", "Liver", "Spleen", "Blood", "UB-cont"]
    tia = pd.DataFrame(rng.uniform(1, 1000, (args.vectors, len(regions))), columns=regions)
    t_dose, doses = best_of(lambda: absorbed_dose(tia, table))
    S = table.values.loc[:, regions].to_numpy()
    n_loop = min(args.vectors, 2000)

    def loop_dose():
        out = np.empty((n_loop, S.shape[0]))
        for i in range(n_loop):
            row = tia.iloc[i].to_numpy()
            for t in range(S.shape[0]):
                out[i, t] = sum(row[j] * S[t, j] for j in range(len(regions)))
        return out

    t_ld, ld = best_of(loop_dose, n=1)
    t_ld_scaled = t_ld * args.vectors / n_loop
    diff_d = float(np.max(np.abs(doses.absorbed_Gy.to_numpy()[:n_loop] - ld)) / np.max(np.abs(ld)))

    print(f"pkdose dosimetry benchmark ({args.nuclide}, ICRP 133 adult male), {os.cpu_count()} cores")
    print("| what | pkdose | peer (plain loop) | ratio | max rel. difference | target |")
    print("|---|---|---|---|---|---|")
    print(f"| 43x79 S matrix (photon+electron+alpha; peer: photons only) | {t_s * 1e3:.2f} ms | "
          f"{t_loop * 1e3:.0f} ms | {t_loop / t_s:.0f}x | {diff_s:.1e} (photon S) | < 50 ms: "
          f"{'PASS' if t_s < 0.05 else 'MISS'} |")
    print(f"| dose for {args.vectors} TIA vectors x {len(regions)} sources | {t_dose * 1e3:.1f} ms | "
          f"{t_ld_scaled * 1e3:.0f} ms (timed on {n_loop}, scaled) | {t_ld_scaled / t_dose:.0f}x | {diff_d:.1e} | "
          f"< 50 ms: {'PASS' if t_dose < 0.05 else 'MISS'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
