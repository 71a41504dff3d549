#!/usr/bin/env python
"""Steady-state solve time: pkdose ``solve_flow`` vs EPANET 2.2 (through wntr) on wntr's examples.

Run on demand (not part of the test suite)::

    python benchmarks/flow.py [--repeats N]      # from the repository root

For each of wntr's example networks Net1, Net3 and Net6 (``wntr/library/networks/``):

1. ``pkdose.flow.read_inp`` reads the file once (not timed); ``solve_flow`` is timed, best of
   ``--repeats`` calls, with EPANET's stopping rule (ACCURACY from the file, 0.001): a first
   solve (each on a network just read, so what a solve derives from the network and keeps
   with it, e.g. the matrix pattern and ordering, is built in the timed call; the element
   arrays are built with the network, as EPANET fills its arrays in ``ENopen``) and a
   repeated solve of the same network object.
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

Scaling (``--scaling [--family grid|vascular] [--sizes 1e3,1e4,1e5,1e6]``), two families of
synthetic networks of about that many pipes, each written once to an EPANET ``.inp`` in L/s
with ``wntr.network.write_inpfile``:

* ``grid`` (default): square-grid water meshes (:func:`pkdose.flow.synthetic.grid_network`,
  seed 1: random lengths, diameters, C, demands, one reservoir per ~2000 junctions,
  Hazen-Williams); pkdose reads the same file;
* ``vascular``: arterio-venous vascular beds (:func:`pkdose.flow.synthetic.vascular_network`,
  seed 1: Murray-law arterial tree, venous mirror, microvessels, arcades) with the in-vivo blood
  viscosity of each vessel (:func:`~pkdose.flow.synthetic.blood_viscosities`); pkdose solves
  the bed itself (Hagen-Poiseuille, ``link_viscosity_m2s``), EPANET the file, where each
  vessel is laminar Darcy-Weisbach with its viscosity folded into its length (exact while
  Re ≤ 2000; EPANET's flows are compared after its 28.317 L cfs, 1 + 5.4e-6, is applied).

Every measurement runs in a forked child process (so that peak memory is its own: ``VmHWM`` of
``/proc/self/status`` after resetting it, above the RSS before the timed call):

* pkdose: the network read (``read_inp``) or built, timed apart ("read/build s"), then
  ``solve_flow`` with ACCURACY 0.001 (``linear_solver="auto"``), a first solve of each network
  just read and, with more than one repeat, a repeated solve of one network;
* EPANET's C hydraulic solve through wntr's public toolkit class ``ENepanet``: ``ENopenH``
  (EPANET's sparse ordering and symbolic factorisation), ``ENinitH``, ``ENrunH`` (the Newton
  iterations) for t = 0; ``ENopen`` (parsing the file into EPANET's arrays) timed apart;
* ``wntr.sim.EpanetSimulator(wn).run_sim()`` end to end (writes the .inp, runs EPANET, reads its
  float32 binary output); its results give the flow/head differences (same ACCURACY 0.001);
* ``wntr.sim.WNTRSimulator`` (wntr's own Newton solver in Python) up to ``--wntr-max`` pipes
  (it has no Darcy-Weisbach: "failed" on the vascular beds).

EPANET runs up to ``--epanet-max`` pipes (its ``ENopenH`` grows about quadratically with size).
The fitted exponent b of time ≈ a · pipes^b is printed for pkdose and EPANET.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
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
from pkdose.flow.solver import CHOLMOD_MIN_JUNCTIONS  # noqa: E402
from pkdose.flow.network import CFS_M3S, FT_M  # noqa: E402
from pkdose.flow.synthetic import (blood_viscosities, grid_network, to_wntr,  # noqa: E402
                                   vascular_network)

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


def best_of_first(inp: Path, repeats: int) -> tuple[float, object]:
    """Best time of a first ``solve_flow`` of a network: each on a network just read from
    ``inp`` (not timed), so everything a solve derives from the network and keeps with it
    (matrix pattern, orderings, factor analysis) is built in the timed call."""
    best, out = float("inf"), None
    for _ in range(repeats):
        fresh = read_inp(inp)
        t0 = time.perf_counter()
        out = solve_flow(fresh)
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


# ------------------------------------------------------------------------------------------
# scaling on synthetic grids
# ------------------------------------------------------------------------------------------

def _reset_peak() -> float:
    """Reset the peak RSS (Linux clear_refs 5) and return the current RSS [MB]."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:  # pragma: no cover - not Linux: fall back to the (unreset) peak
        pass
    return _status_mb("VmRSS")


def _status_mb(key: str) -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:  # pragma: no cover
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _peak_above(base_mb: float) -> float:
    return max(0.0, _status_mb("VmHWM") - base_mb)


def _pk_load(source: str | int) -> tuple:
    """A network to solve, the solve_flow arguments and the factor to EPANET's flows: the
    ``.inp`` file at ``source`` (a path), or the vascular bed of ``source`` vessels, solved
    as itself (Hagen-Poiseuille with the blood viscosity per vessel). EPANET's cfs is
    28.317 L, its ft³ 28.316847 L: its laminar flows are that much larger."""
    if isinstance(source, str):
        return read_inp(source), {}, 1.0
    net = vascular_network(source, seed=1)
    return net, dict(link_viscosity_m2s=blood_viscosities(net)), CFS_M3S / FT_M**3


def _pk_child(source: str | int, repeats: int) -> dict:
    t_read, best, sol, peak = float("inf"), float("inf"), None, 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        net, kwargs, to_epanet = _pk_load(source)  # just read or built: its first solve
        t_read = min(t_read, time.perf_counter() - t0)
        base = _reset_peak()
        t0 = time.perf_counter()
        sol = solve_flow(net, **kwargs)
        best = min(best, time.perf_counter() - t0)
        peak = max(peak, _peak_above(base))
    warm = float("nan")
    if repeats > 1:
        warm, _ = best_of(lambda: solve_flow(net, **kwargs), repeats + 1)  # the first call builds
    return dict(read=t_read, solve=best, warm=warm, iters=sol.iterations, peak=peak,
                flow=sol.flow_m3s * to_epanet, head=sol.head_m, nj=len(net.junctions),
                npipe=len(net.pipes))


def _en_child(path: str, repeats: int) -> dict:
    from wntr.epanet import toolkit

    with tempfile.TemporaryDirectory() as tmp:
        t_open = float("inf")
        for _ in range(max(1, min(repeats, 3))):  # parsing: ENopen (its own network arrays)
            en = toolkit.ENepanet(version=2.2)
            t0 = time.perf_counter()
            en.ENopen(path, os.path.join(tmp, "b.rpt"), os.path.join(tmp, "b.bin"))
            t_open = min(t_open, time.perf_counter() - t0)
            en.ENclose()
        en = toolkit.ENepanet(version=2.2)
        en.ENopen(path, os.path.join(tmp, "b.rpt"), os.path.join(tmp, "b.bin"))
        en.ENsettimeparam(EN_DURATION, 0)
        best, best_run, peak = float("inf"), float("inf"), 0.0
        try:
            for _ in range(repeats):
                base = _reset_peak()
                t0 = time.perf_counter()
                en.ENopenH()
                en.ENinitH(0)
                t1 = time.perf_counter()
                en.ENrunH()
                t2 = time.perf_counter()
                en.ENcloseH()
                best, best_run = min(best, t2 - t0), min(best_run, t2 - t1)
                peak = max(peak, _peak_above(base))
        finally:
            en.ENclose()
    return dict(solve=best, run=best_run, peak=peak, open=t_open)


def _sim_child(path: str, which: str) -> dict:
    import wntr

    wn = wntr.network.WaterNetworkModel(path)
    wn.options.time.duration = 0
    with tempfile.TemporaryDirectory() as tmp:
        base = _reset_peak()
        t0 = time.perf_counter()
        if which == "epanet":
            res = wntr.sim.EpanetSimulator(wn).run_sim(file_prefix=os.path.join(tmp, "s"))
        else:
            res = wntr.sim.WNTRSimulator(wn).run_sim()
        elapsed = time.perf_counter() - t0
        peak = _peak_above(base)
    return dict(time=elapsed, peak=peak,
                flow=res.link["flowrate"].iloc[0].astype(float),
                head=res.node["head"].iloc[0].astype(float))


def _in_child(fn, *args):  # type: ignore[no-untyped-def]
    import multiprocessing as mp

    with mp.get_context("fork").Pool(1) as pool:
        return pool.apply(fn, args)


def _fit_exponent(sizes: list[float], times: list[float]) -> float:
    if len(sizes) < 2:
        return float("nan")
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def scaling(sizes: list[int], epanet_max: int, wntr_max: int, family: str = "grid") -> None:
    import wntr

    try:
        import cvxopt
        chol = f"cvxopt {cvxopt.__version__} (CHOLMOD from {CHOLMOD_MIN_JUNCTIONS} junctions)"
    except ImportError:
        chol = "no cvxopt (SuperLU at every size)"
    what = {"grid": "synthetic grid meshes (Hazen-Williams)",
            "vascular": "synthetic arterio-venous vascular beds (Hagen-Poiseuille, blood viscosity "
                        "per vessel; EPANET: laminar Darcy-Weisbach)"}[family]
    print(f"pkdose flow scaling: {what}, solve_flow vs EPANET 2.2 and WNTR")
    print(f"  python {platform.python_version()} on {platform.platform()}; numpy {np.__version__}; "
          f"wntr {wntr.__version__}; {chol}; nproc {os.cpu_count()}; "
          f"load {os.getloadavg()}\n")
    hdr = ("| pipes | junctions | pkdose solve s (iters) | repeat s | pkdose peak MB | EPANET C s "
           "(ENrunH s) | ratio | EPANET peak MB | EpanetSimulator s | ratio | WNTRSimulator s "
           "| ratio | max abs dq / max abs q | max abs dH m | pkdose read/build s | EPANET "
           "ENopen s |")
    print(hdr)
    print("|" + "|".join("---" for _ in hdr.strip("|").split("|")) + "|")
    fit_pk: list[tuple[float, float]] = []
    fit_en: list[tuple[float, float]] = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, f"{family}.inp")
            if family == "grid":
                wn = to_wntr(grid_network(n, seed=1))
            else:
                bed = vascular_network(n, seed=1)
                wn = to_wntr(bed, blood_viscosities(bed))
                del bed
            wntr.network.write_inpfile(wn, path, units="LPS")
            del wn
            gc.collect()  # the wntr model's cyclic garbage, or every forked child would scan it
            reps = 5 if n <= 10_000 else (2 if n <= 100_000 else 1)
            pk = _in_child(_pk_child, path if family == "grid" else n, reps)
            npipe = pk["npipe"]
            fit_pk.append((npipe, pk["solve"]))
            cells = [f"{npipe}", f"{pk['nj']}", f"{pk['solve']:.3g} ({pk['iters']})",
                     f"{pk['warm']:.3g}", f"{pk['peak']:.0f}"]
            if n <= epanet_max:
                en = _in_child(_en_child, path, reps if n <= 10_000 else 1)
                sim = _in_child(_sim_child, path, "epanet")
                fit_en.append((npipe, en["solve"]))
                q, h = sim["flow"][pk["flow"].index], sim["head"][pk["head"].index]
                dq = float((pk["flow"] - q).abs().max() / q.abs().max())
                dh = float((pk["head"] - h).abs().max())
                cells += [f"{en['solve']:.3g} ({en['run']:.3g})", f"{en['solve'] / pk['solve']:.2f}",
                          f"{en['peak']:.0f}", f"{sim['time']:.3g}",
                          f"{sim['time'] / pk['solve']:.1f}"]
            else:
                dq = dh = float("nan")
                cells += ["not run", "", "", "not run", ""]
            if n <= wntr_max:
                try:
                    ws = _in_child(_sim_child, path, "wntr")
                    cells += [f"{ws['time']:.3g}", f"{ws['time'] / pk['solve']:.0f}"]
                except Exception as exc:  # e.g. a law WNTRSimulator does not implement
                    cells += [f"failed: {type(exc).__name__}", ""]
            else:
                cells += ["not run", ""]
            cells += [f"{dq:.1e}", f"{dh:.1e}", f"{pk['read']:.3g}",
                      f"{en['open']:.3g}" if n <= epanet_max else "not run"]
        print("| " + " | ".join(cells) + " |", flush=True)
    print(f"\nfitted exponent b of time = a * pipes^b: pkdose solve_flow "
          f"{_fit_exponent(*zip(*fit_pk)) if fit_pk else float('nan'):.2f}, "
          f"EPANET C solve {_fit_exponent(*zip(*fit_en)) if len(fit_en) > 1 else float('nan'):.2f}")
    print("ratio = method time / pkdose solve_flow time (above 1: pkdose faster); both at "
          "ACCURACY 0.001; pkdose solve s = a first solve_flow of a network just read (grid: "
          "read_inp; vascular: vascular_network + blood_viscosities, 'read/build s'), repeat s = a further solve_flow of the same network object; EPANET C "
          "s = ENopenH + ENinitH + ENrunH; peak MB = peak RSS above the RSS before the timed "
          "call, in a separate process per method")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--scaling", action="store_true",
                    help="synthetic grids instead of wntr's example networks")
    ap.add_argument("--sizes", default="1e3,1e4,1e5,1e6",
                    help="network sizes in pipes, comma-separated (with --scaling)")
    ap.add_argument("--family", choices=("grid", "vascular"), default="grid",
                    help="with --scaling: water-grid meshes or vascular beds")
    ap.add_argument("--epanet-max", type=float, default=1e5,
                    help="largest grid EPANET is run on (with --scaling)")
    ap.add_argument("--wntr-max", type=float, default=1e4,
                    help="largest grid WNTRSimulator is run on (with --scaling)")
    args = ap.parse_args()
    if args.scaling:
        warnings.simplefilter("ignore")
        scaling([int(float(x)) for x in args.sizes.split(",")], int(args.epanet_max),
                int(args.wntr_max), args.family)
        return
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
    hdr = ("| network | nodes+links | pkdose solve_flow ms (iters) | repeat ms | EPANET toolkit ms "
           "| ratio | wntr EpanetSimulator ms | ratio | max rel flow diff |")
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
        t_pk, sol = best_of_first(inp, args.repeats)
        t_warm, _ = best_of(lambda: solve_flow(net), args.repeats)
        t_en, _, n_el = epanet_toolkit(inp, args.repeats, None)
        _, ref, _ = epanet_toolkit(inp, 1, 1e-8)
        t_wn = wntr_epanet_simulator(inp, max(1, args.repeats // 4))
        tight = solve_flow(net, tol=1e-10, head_tol=1e-8)
        q = tight.flow_m3s
        scale = max(abs(v) for v in ref.values())
        diff = max(abs(q[k] - v) / max(abs(v), 1e-3 * scale) for k, v in ref.items() if k in q)
        print(f"| {name} | {n_el} | {t_pk * 1e3:.3f} ({sol.iterations}) | {t_warm * 1e3:.3f} | "
              f"{t_en * 1e3:.3f} | "
              f"{t_en / t_pk:.2f} | {t_wn * 1e3:.1f} | {t_wn / t_pk:.1f} | {diff:.1e} |")
    print("\nratio = method time / pkdose time (above 1: pkdose faster); pkdose solve_flow = a "
          "first solve of a network just read (its pattern and ordering built in the call), repeat = a further solve of "
          "the same network object; flow diff relative to max(|q|, 1e-3 max|q|), pkdose at tol "
          "1e-10 vs EPANET ACCURACY 1e-8")


if __name__ == "__main__":
    main()
