#!/usr/bin/env python
"""Tracer transit: pkdose ``simulate_transit`` vs EPANET 2.2's water-quality engine (wntr).

Run on demand (not part of the test suite)::

    python benchmarks/transit.py [--repeats N] [--hours H] [--sizes 1e3,1e4]   # from the repo root

The networks, the EPANET settings and the comparison are those of
``tests/flow/test_transit_epanet.py`` (imported from there; see its docstring for the mapping
EPANET MASS source ↔ :class:`~pkdose.model.Infusion` into a node, why EPANET's reported node
quality at t_{k+1} is our step average of step k, and EPANET's transit-time factor
1 + ε = 1 + 5.21e-6): the chain, tree and grid of the tests, wntr's Net1 and Net3 with their
tanks replaced by reservoirs at their initial heads (controls removed, demand patterns
constant), and synthetic square grids (:func:`pkdose.flow.synthetic.grid_network`, seed 1,
through :func:`~pkdose.flow.synthetic.to_wntr`). Plug flow, Δt = 60 s, CHEMICAL, quality
TOLERANCE 1e-12 mg/L, ACCURACY 1e-8.

Agreement (step source at a reservoir and, for the small networks, a pulse at a junction, on
the whole run): max |c_ours − c_EPANET| over nodes and steps / max c_EPANET, with our step
shortened to Δt/(1 + ε) ("exact": float32 level expected) and with the same Δt ("same Δt": the
ε shift of EPANET's transit times); link: the same for the link averages (EPANET ``avgqual``
vs our link amount / volume).

Timing (step source, best of ``--repeats``):

* ``transit``: :func:`~pkdose.flow.simulate_transit` alone (all nodes and links recorded every
  step);
* ``pk total``: ``read_inp`` + ``solve_flow`` (ACCURACY 1e-8) + ``simulate_transit``;
* ``EPANET 60 s``: ``EpanetSimulator(wn).run_sim()`` with hydraulic, quality and report steps
  60 s (the comparison's settings: every step written and read back; only up to
  ``EN60_MAX_LINKS`` links);
* ``EPANET 1 h``: the same with hydraulic and report steps of 1 h, quality step 60 s (EPANET's
  usual setup: 24 hydraulic solves a day, results hourly);
* ``EPANET hyd``: the 1 h run with quality NONE (the hydraulic part of the previous column).

Ratios are EPANET time / our transit time (above 1: pkdose faster), measured in this run.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _p in (os.path.join(_ROOT, "src"), os.path.join(_ROOT, "tests", "flow")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import numpy as np  # noqa: E402
import wntr  # noqa: E402

import test_transit_epanet as cases  # noqa: E402
from pkdose.flow import read_inp, simulate_transit, solve_flow  # noqa: E402
from pkdose.flow.synthetic import grid_network, to_wntr  # noqa: E402
from pkdose.model import Infusion  # noqa: E402


EN60_MAX_LINKS = 2000
"""Above this, the 60 s EPANET run is skipped (its binary output would be ~40 kB per link·h)."""


def best_of(fn: Any, repeats: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def net3_without_tanks() -> Any:
    """wntr's Net3 with its tanks → reservoirs at their initial heads, no controls/patterns."""
    wn = wntr.network.WaterNetworkModel(
        str(Path(os.path.dirname(wntr.__file__)) / "library" / "networks" / "Net3.inp"))
    for name in list(wn.control_name_list):
        wn.remove_control(name)
    for name in list(wn.tank_name_list):
        tank = wn.get_node(name)
        head = tank.elevation + tank.init_level
        pipes = []
        for lname in wn.get_links_for_node(name):
            lk = wn.get_link(lname)
            pipes.append((lname, lk.start_node_name, lk.end_node_name,
                          dict(length=lk.length, diameter=lk.diameter, roughness=lk.roughness,
                               minor_loss=lk.minor_loss)))
            wn.remove_link(lname)
        wn.remove_node(name)
        wn.add_reservoir(name, base_head=head)
        for lname, a, b, kw in pipes:
            wn.add_pipe(lname, a, b, **kw)
    for name in wn.pattern_name_list:
        wn.get_pattern(name).multipliers = [1.0]
    for _, node in wn.nodes():
        node.initial_quality = 0.0
    return wn


def synthetic_grid(n_pipes: int) -> Any:
    return to_wntr(grid_network(n_pipes, seed=1))


def main_supply(n_pipes: int) -> str:
    """The reservoir of the synthetic grid that feeds the most (some of them take water in)."""
    net = grid_network(n_pipes, seed=1)
    sol = solve_flow(net)
    fixed = set(net.node_names) - {j.name for j in net.junctions}
    out = dict.fromkeys(fixed, 0.0)
    for p in net.pipes:
        q = float(sol.flow_m3s[p.name])
        if p.start in out:
            out[p.start] += q
        if p.end in out:
            out[p.end] -= q
    return max(out, key=lambda n: out[n])


def timing(make: Any, source: Any, n_steps: int, repeats: int) -> dict[str, Any]:
    wn = make()
    cases.set_quality_options(wn, n_steps)
    wn.add_source("pk_src", source.node, "MASS", source.mg_s * 1e-6, None)
    dt_h = cases.DT_S / 3600
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net.inp")
        wntr.network.write_inpfile(wn, path, units="LPS")
        dose = Infusion(source.mg_s * n_steps * cases.DT_S, into=f"node:{source.node}",
                        duration=n_steps * dt_h)

        best_total = best_transit = float("inf")
        tr: Any = None
        for _ in range(repeats):
            tr = None
            gc.collect()
            t0 = time.perf_counter()
            sol = solve_flow(read_inp(path), tol=1e-8, max_iter=100)
            t1 = time.perf_counter()
            tr = simulate_transit(sol, dose, duration=n_steps * dt_h, time_step=dt_h)
            t2 = time.perf_counter()
            best_transit = min(best_transit, t2 - t1)
            best_total = min(best_total, t2 - t0)
        out["pk_total"], out["transit"] = best_total, best_transit
        out["links"] = len(sol.flow_m3s)
        out["nodes"] = len(sol.network.node_names)
        prefix = os.path.join(tmp, "ref")
        if out["links"] <= EN60_MAX_LINKS:
            out["en60"], _ = best_of(lambda: wntr.sim.EpanetSimulator(wn).run_sim(
                file_prefix=prefix), repeats)
        else:
            out["en60"] = float("nan")
        wn.options.time.hydraulic_timestep = 3600
        wn.options.time.report_timestep = 3600
        wn.options.time.pattern_timestep = 3600
        out["en1h"], res = best_of(lambda: wntr.sim.EpanetSimulator(wn).run_sim(
            file_prefix=prefix), repeats)
        wn.options.quality.parameter = "NONE"
        out["enhyd"], _ = best_of(lambda: wntr.sim.EpanetSimulator(wn).run_sim(
            file_prefix=prefix), repeats)
        # the hourly EPANET values against our step averages at the same times (same Δt)
        q = res.node["quality"].iloc[1:] * 1e3
        ours = tr.node_concentration_mbq_l.iloc[[int(t) // cases.DT_S - 1 for t in q.index]]
        supply = res.node["demand"].iloc[0]
        keep = [n for n in q.columns if n not in wn.reservoir_name_list or supply[n] <= 0]
        cmax = float(q[keep].to_numpy().max())
        out["hourly"] = float(np.abs(ours[keep].to_numpy() - q[keep].to_numpy()).max()) / cmax
    return out


def agreement(make: Any, source: Any, n_steps: int) -> dict[str, float]:
    exact = cases.compare(make(), (source,), n_steps, epanet_times=True)
    same = cases.compare(make(), (source,), n_steps, epanet_times=False)
    return {"node": exact.max_node_error() / exact.c_max,
            "link": exact.max_link_error() / exact.c_max,
            "same": same.max_node_error() / same.c_max,
            "tol": exact.tolerance(True) / exact.c_max,
            "s_path": exact.s_path, "cmax": exact.c_max}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--hours", type=float, default=24.0, help="run length of the timed networks")
    ap.add_argument("--sizes", default="1e3,1e4", help="synthetic grid sizes (pipes)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"python {platform.python_version()}, numpy {np.__version__}, wntr {wntr.__version__}"
          f" (EPANET 2.2), {os.cpu_count()} CPUs, {platform.machine()}")
    print(f"EPANET transit-time factor 1 + ε, ε = {cases.EPS_EPANET:.4e}\n")

    print("Agreement with EPANET (max |Δc| / c_max over all nodes and steps, Δt = 60 s)")
    hdr = ["network", "source", "steps", "Σs path", "exact: node", "link", "tolerance",
           "same Δt: node"]
    rows = []
    small = dict(cases.CASES)
    for name, (make, n_steps, step_src, pulse_src) in small.items():
        for kind, src in (("step", step_src), ("pulse", pulse_src)):
            a = agreement(make, src, n_steps)
            rows.append([name, f"{kind} {src.node}", str(n_steps), f"{a['s_path']:.0f}",
                         f"{a['node']:.1e}", f"{a['link']:.1e}", f"{a['tol']:.1e}",
                         f"{a['same']:.1e}"])
    n_day = int(round(args.hours * 3600 / cases.DT_S))
    big: list[tuple[str, Any, Any]] = [
        ("Net1 (no tank)", cases.net1_without_tank, cases.Source("9", 10.0)),
        ("Net3 (no tanks)", net3_without_tanks, cases.Source("River", 100.0)),
    ]
    for s in args.sizes.split(","):
        n = int(float(s))
        big.append((f"grid {n} pipes", lambda n=n: synthetic_grid(n),
                    cases.Source(main_supply(n), 100.0)))
    for name, make, src in big[:2]:
        try:
            a = agreement(make, src, n_day)
            rows.append([name, f"step {src.node}", str(n_day), f"{a['s_path']:.0f}",
                         f"{a['node']:.1e}", f"{a['link']:.1e}", f"{a['tol']:.1e}",
                         f"{a['same']:.1e}"])
        except Exception as exc:  # noqa: BLE001 -- a row that says why
            rows.append([name, f"step {src.node}", "not run", type(exc).__name__, str(exc)[:60],
                         "", "", ""])
    print_table(hdr, rows)

    print(f"\nTiming, step source, {args.hours:g} h at Δt = 60 s ({n_day} steps), best of "
          f"{args.repeats} [s]")
    hdr = ["network", "nodes", "links", "transit", "pk total", "EPANET 60 s", "EPANET 1 h",
           "EPANET hyd", "1 h / transit", "60 s / transit", "hourly same Δt"]
    rows = []
    for name, make, src in big:
        try:
            t = timing(make, src, n_day, args.repeats)
        except Exception as exc:  # noqa: BLE001
            rows.append([name, "not run", type(exc).__name__, str(exc)[:60]] + [""] * 7)
            continue
        rows.append([name, str(t["nodes"]), str(t["links"]), f"{t['transit']:.3g}",
                     f"{t['pk_total']:.3g}", f"{t['en60']:.3g}".replace("nan", "not run"),
                     f"{t['en1h']:.3g}",
                     f"{t['enhyd']:.3g}", f"{t['en1h'] / t['transit']:.2f}",
                     f"{t['en60'] / t['transit']:.2f}".replace("nan", "n/a"),
                     f"{t['hourly']:.1e}"])
        print(f"  ... {name} done", file=sys.stderr)
    print_table(hdr, rows)


def print_table(hdr: list[str], rows: list[list[str]]) -> None:
    w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(hdr)]
    print("| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(hdr)) + " |")
    print("|" + "|".join("-" * (x + 2) for x in w) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |")


if __name__ == "__main__":
    main()
