#!/usr/bin/env python
"""Steady-state solve time: pkdose ``solve_flow`` vs EPANET 2.2 (through wntr) on wntr's examples.

Run on demand (not part of the test suite)::

    python benchmarks/flow.py [--repeats N]      # from the repository root

For each of wntr's example networks Net1, Net3 and Net6 (``wntr/library/networks/``):

1. ``pkdose.flow.read_inp`` reads the file once (not timed); ``solve_flow`` is timed, best of
   ``--repeats`` calls, with EPANET's stopping rule (ACCURACY from the file, 0.001).
2. EPANET's own hydraulic solve through wntr's toolkit bindings: ``ENopenH``, ``ENinitH``,
   ``ENrunH`` for the t = 0 period (file parsed by ``ENopen`` outside the timed region),
   best of ``--repeats``. This is the C solver alone.
3. ``wntr.sim.EpanetSimulator(wn).run_sim()`` for one period (duration 0), best of
   ``--repeats``: what a wntr user waits for (writes the .inp, runs EPANET, reads the binary
   output into pandas).
4. The largest relative difference of pkdose's flows from EPANET's toolkit flows (same period,
   demand patterns removed so both use base demands, EPANET ACCURACY 1e-8): a check that
   both solved the same problem.

Ratios are "method time / pkdose time" (above 1: pkdose is faster), all measured in this run.
Where ``read_inp`` refuses a network (features outside the steady-state subset) the row says so.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

_SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if os.path.isdir(os.path.join(_SRC, "pkdose")) and _SRC not in sys.path:
    sys.path.insert(0, _SRC)

from pkdose.errors import PkdoseError  # noqa: E402
from pkdose.flow import read_inp, solve_flow  # noqa: E402

NETWORKS = ("Net1", "Net3", "Net6")
GPM_M3S = 0.028317 / 448.831
EN_PATTERN, EN_FLOW, EN_ACCURACY, EN_DURATION, EN_JUNCTION = 2, 8, 1, 0, 0


def best_of(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def link_id(en, k: int) -> str:
    buf = ctypes.create_string_buffer(64)
    en.ENlib.EN_getlinkid(en._project, ctypes.c_int(k), buf)
    return buf.value.decode("latin-1")


def epanet_toolkit(inp: Path, repeats: int, accuracy: float | None) -> tuple[float, dict, int]:
    """Best time of ENopenH+ENinitH+ENrunH (t = 0) and the flows [m³/s] of the last run."""
    from wntr.epanet import toolkit

    with tempfile.TemporaryDirectory() as tmp:
        en = toolkit.ENepanet(version=2.2)
        en.ENopen(str(inp), os.path.join(tmp, "b.rpt"), os.path.join(tmp, "b.bin"))
        try:
            if accuracy is not None:
                en.ENlib.EN_setoption(en._project, ctypes.c_int(EN_ACCURACY),
                                      ctypes.c_double(accuracy))
            en.ENsettimeparam(EN_DURATION, 0)
            nn, nl = en.ENgetcount(0), en.ENgetcount(2)
            for i in range(1, nn + 1):
                if en.ENgetnodetype(i) == EN_JUNCTION:
                    en.ENsetnodevalue(i, EN_PATTERN, 0)

            def run() -> None:
                en.ENopenH()
                en.ENinitH(0)
                en.ENrunH()

            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                run()
                best = min(best, time.perf_counter() - t0)
                if _ < repeats - 1:
                    en.ENcloseH()
            flows = {link_id(en, k): en.ENgetlinkvalue(k, EN_FLOW) * GPM_M3S
                     for k in range(1, nl + 1)}
            en.ENcloseH()
        finally:
            en.ENclose()
    return best, flows, nn + nl


def wntr_epanet_simulator(inp: Path, repeats: int) -> float:
    import wntr

    wn = wntr.network.WaterNetworkModel(str(inp))
    wn.options.time.duration = 0
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "sim")

        def run() -> object:
            return wntr.sim.EpanetSimulator(wn).run_sim(file_prefix=prefix)

        best, _ = best_of(run, repeats)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    try:
        import wntr
    except Exception as exc:  # pragma: no cover
        sys.exit(f"wntr is needed for this benchmark: {exc}")
    warnings.simplefilter("ignore")
    netdir = Path(os.path.dirname(wntr.__file__)) / "library" / "networks"
    print("pkdose flow benchmark: solve_flow vs EPANET 2.2 (wntr) on wntr example networks")
    print(f"  python {platform.python_version()} on {platform.platform()}; numpy {np.__version__}; "
          f"wntr {wntr.__version__}; nproc {os.cpu_count()}; load {os.getloadavg()}")
    print(f"  best of {args.repeats} repeats per method\n")
    hdr = ("| network | nodes+links | pkdose solve_flow ms (iters) | EPANET toolkit ms | ratio "
           "| wntr EpanetSimulator ms | ratio | max rel flow diff |")
    print(hdr)
    print("|" + "|".join("---" for _ in hdr.strip("|").split("|")) + "|")
    for name in NETWORKS:
        inp = netdir / f"{name}.inp"
        try:
            net = read_inp(inp)
        except PkdoseError as exc:
            first = str(exc).splitlines()[:2]
            print(f"| {name} | - | refused by read_inp: {' '.join(first)} | | | | | |")
            continue
        t_pk, sol = best_of(lambda: solve_flow(net), args.repeats)
        t_en, _, n_el = epanet_toolkit(inp, args.repeats, None)
        _, ref, _ = epanet_toolkit(inp, 1, 1e-8)
        t_wn = wntr_epanet_simulator(inp, max(1, args.repeats // 4))
        tight = solve_flow(net, tol=1e-10, head_tol=1e-8)
        q = tight.flow_m3s
        scale = max(abs(v) for v in ref.values())
        diff = max(abs(q[k] - v) / max(abs(v), 1e-3 * scale) for k, v in ref.items() if k in q)
        print(f"| {name} | {n_el} | {t_pk * 1e3:.3f} ({sol.iterations}) | {t_en * 1e3:.3f} | "
              f"{t_en / t_pk:.2f} | {t_wn * 1e3:.1f} | {t_wn / t_pk:.1f} | {diff:.1e} |")
    print("\nratio = method time / pkdose time (above 1: pkdose faster); "
          "flow diff relative to max(|q|, 1e-3 max|q|), pkdose at tol 1e-10 vs EPANET ACCURACY 1e-8")


if __name__ == "__main__":
    main()
