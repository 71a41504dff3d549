"""Plug-flow transit against EPANET 2.2's water-quality engine (wntr's ``EpanetSimulator``).

EPANET's Lagrangian routing (``qualroute.c``: ``transport``, ``evalnodeinflow``,
``findnodequal``, ``evalnodeoutflow``) and :func:`pkdose.flow.simulate_transit` are the same
algorithm, and with the settings below they produce the same numbers step for step, not just
the same curves:

* **What EPANET reports is a step average.** In each quality step Δt EPANET visits the nodes in
  topological order; a node takes the volume Q Δt off the front of each inflowing link (whole
  and partial segments), mixes it (its reported quality is mass in / volume in, plus any
  source) and puts Q Δt at that quality on the back of each outflowing link. The node quality
  reported at t_{k+1} = (k + 1) Δt is therefore the flow-weighted mean of what reached the node
  during [t_k, t_{k+1}): our step average ``node_concentration_mbq_l`` of step k (index
  (k + ½) Δt). With the reporting, hydraulic, pattern and quality steps all equal to Δt = 60 s,
  EPANET's row k + 1 is compared with our row k. EPANET's link quality (``avgqual``, the
  volume-weighted mean over the link's segments) at t_{k+1} is our ``link_amount_mbq`` at
  t_{k+1} divided by the link's volume.
* **Plug flow.** A segment entering a link of s = V/(Q Δt) = m + f steps leaves (1 − f) in the
  m-th step after and f in the (m + 1)-th (also for s < 1: the upstream node is visited first,
  so part of this step's inflow passes within the step, as our feed-through term does). EPANET
  2.2 has no dispersion (``EN_getversion`` = 20200 in wntr 1.5; dispersion came with 2.3), so
  ours runs with ``dispersion=PLUG_FLOW``; the segment-merging tolerance (TOLERANCE, 0.01 mg/L
  by default) is set to 1e-12 mg/L so that EPANET only merges segments of equal quality.
* **Injection.** EPANET's MASS booster source adds a mass rate M to the flow leaving its node:
  c_out = (mass in + M Δt)/(volume out), the volume out including a junction's demand
  (``findsourcequal``). Our :class:`~pkdose.model.Infusion` into a node does the same:
  F c = Σ inflows + R with F the node's outflow (links and demand). So 1 mg of EPANET ↔ 1 MBq
  here (mg/L ↔ MBq/L): M [mg/s] ↔ an infusion of rate 3600 M [MBq/h]; a continuous MASS source
  ↔ an infusion over the whole run (a *step*); a source pattern of ones for steps
  k₀ ... k₁ − 1 (EPANET reads the pattern at the start of each quality step) ↔ an infusion
  at k₀ Δt for (k₁ − k₀) Δt (a *pulse*). SETPOINT (forces a minimum quality) and CONCEN (only
  on negative demands) are not additive, and TRACE forces 100 at its node, so MASS is the
  source that means what an infusion means.
* **Definitional differences.** (1) A reservoir's quality in EPANET is its initial quality (or
  its source) whatever flows into it; ours mixes the inflow into it. Reservoirs that receive
  flow (Net1's replaced tank) are therefore not compared; nothing leaves them downstream.
  (2) EPANET's link volume is 0.785398 L D² (π/4 cut at 6 digits: −2.1e-7) and its internal
  flow unit is the cfs of 28.317 L, not the ft³ (0.3048³ m³ = 28.316847 L) it measures lengths
  in, so its transit times are V/Q × (1 + ε) with
  ε = (0.785398/(π/4)) (0.028317/0.3048³) − 1 = 5.21e-6 (:data:`EPS_EPANET`, independent of
  the flow units, since pkdose reads flows with EPANET's cfs). Concentrations carry no such
  factor (M/Q in consistent units on both sides). Running ours with Δt/(1 + ε) reproduces
  EPANET's step sequence exactly (``epanet_times=True``); with the same Δt the delays differ by
  ε Σ s, a shift of that many steps.
* **wntr 1.5 quirk.** ``wntr.network.WaterNetworkModel(inp)`` reads a MASS source's strength
  as a concentration (``_read_sources`` tests the node ID, ``current[0]``, for "MASS" instead
  of the type) and writes it back 60000 times too strong; so EPANET is run on the model built
  in Python (``EpanetSimulator`` writes it with the same writer as the file pkdose reads, and
  the test checks that the two files are identical but for wntr's time stamp).

Tolerances, derived (c_max = the largest reported concentration of the run):

* EPANET writes qualities in float32 and wntr converts them to SI in float32: 2 roundings,
  |Δc| ≤ 2⁻²³ |c|.
* EPANET's quality routing reads its flows back from the hydraulics file in float32, so each
  link's s is off by up to s 2⁻²⁴ and each mixing fraction by 2⁻²³; a delay error δ (in steps)
  changes a step average by at most δ times the largest jump between consecutive inflow
  values (≤ c_max). With S the largest Σ s along a flow path (:func:`longest_path_steps`):
  |Δc| ≤ c_max (2⁻²² + 2⁻²⁴ S). With the same Δt on both sides add c_max ε S. The same bound
  holds for the link averages (a link's content is a window of its inflow sequence).
* Measured (max |Δc| / c_max over nodes and steps, step and pulse, ε-corrected / same Δt):
  chain 2.6e-7 / 1.1e-4, tree 2.9e-7 / 1.2e-4, grid 1.2e-6 / 1.7e-4, Net1 (tank → reservoir)
  4.2e-6 / 7.7e-4 (tolerances, ε-corrected: 2.6e-6, 3.4e-6, 8.7e-5, 4.5e-5; same Δt: 2.1e-4,
  2.8e-4, 7.7e-3, 3.9e-3); ``benchmarks/transit.py`` prints them per network and injection.

Net1 (wntr's ``Net1.inp``) is used with its tank replaced by a reservoir at the tank's initial
head (pkdose's steady solution treats the tank that way; EPANET's quality model would mix the
tank's volume), its controls and demand pattern removed (constant base demands: steady flows),
and reactions, initial qualities and its chlorine source cleared.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pkdose.flow import FlowSolution, read_inp, solve_flow
from pkdose.flow.network import Pipe, Pump, Valve
from pkdose.flow.transit import PLUG_FLOW, TransitResult, simulate_transit
from pkdose.model import Infusion

wntr = pytest.importorskip("wntr")
pytest.importorskip("six")

DT_S = 60
"""EPANET's quality, hydraulic, pattern and report step, and ours [s]."""
EPS_EPANET = (0.785398 / (math.pi / 4)) * (0.028317 / 0.3048**3) - 1.0
"""EPANET's transit times are V/Q (1 + ε): its π/4 and its cfs (see the module docstring)."""
FLOAT32_REL = 2.0**-23


@dataclass(frozen=True)
class Source:
    """A MASS source of ``mg_s`` [mg/s] at ``node`` in steps [first, last) (None: to the end)."""

    node: str
    mg_s: float
    first: int = 0
    last: int | None = None


@dataclass(frozen=True)
class Comparison:
    ours: pd.DataFrame           # node step averages, row k = step k
    theirs: pd.DataFrame         # EPANET node quality at t_{k+1}, same rows and columns
    ours_link: pd.DataFrame      # link amount / volume at t_{k+1}, pipes with volume
    theirs_link: pd.DataFrame    # EPANET link quality at t_{k+1}
    s_path: float                # the longest Σ V/(Q Δt) along a flow path
    transit: TransitResult

    @property
    def c_max(self) -> float:
        return float(self.theirs.abs().to_numpy().max())

    def max_node_error(self) -> float:
        return float((self.ours - self.theirs).abs().to_numpy().max())

    def max_link_error(self) -> float:
        return float((self.ours_link - self.theirs_link).abs().to_numpy().max())

    def tolerance(self, epanet_times: bool) -> float:
        extra = 0.0 if epanet_times else EPS_EPANET
        return self.c_max * (2 * FLOAT32_REL + (FLOAT32_REL / 2 + extra) * self.s_path)


def set_quality_options(wn: Any, n_steps: int) -> None:
    o = wn.options
    o.hydraulic.inpfile_units = "LPS"
    o.hydraulic.accuracy = 1e-8
    o.time.duration = n_steps * DT_S
    for step in ("hydraulic_timestep", "quality_timestep", "report_timestep",
                 "pattern_timestep"):
        setattr(o.time, step, DT_S)
    o.time.report_start = 0
    o.time.pattern_start = 0
    o.quality.parameter = "CHEMICAL"
    o.quality.inpfile_units = "mg/L"
    o.quality.tolerance = 1e-12
    o.reaction.bulk_coeff = 0.0
    o.reaction.wall_coeff = 0.0


def compare(wn: Any, sources: tuple[Source, ...], n_steps: int, *,
            epanet_times: bool = True) -> Comparison:
    """Run EPANET (CHEMICAL, MASS sources) and simulate_transit on the same ``.inp``."""
    set_quality_options(wn, n_steps)
    for i, src in enumerate(sources):
        pattern = None
        if src.first > 0 or src.last is not None:
            mult = np.zeros(n_steps + 1)
            mult[src.first:src.last if src.last is not None else n_steps] = 1.0
            pattern = f"pk_src{i}"
            wn.add_pattern(pattern, list(mult))
        wn.add_source(f"pk_src{i}", src.node, "MASS", src.mg_s * 1e-6, pattern)   # kg/s
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net.inp")
        wntr.network.write_inpfile(wn, path, units="LPS")
        res = wntr.sim.EpanetSimulator(wn).run_sim(file_prefix=os.path.join(tmp, "ref"))
        assert _inp_lines(path) == _inp_lines(os.path.join(tmp, "ref.inp"))
        net = read_inp(path)
    sol = solve_flow(net, tol=1e-12, head_tol=1e-10, max_iter=100)
    dt_h = DT_S / 3600 / ((1.0 + EPS_EPANET) if epanet_times else 1.0)
    doses = []
    for src in sources:
        last = n_steps if src.last is None else src.last
        doses.append(Infusion(src.mg_s * 3600 * (last - src.first) * dt_h, into=f"node:{src.node}",
                              duration=(last - src.first) * dt_h, at=src.first * dt_h))
    tr = simulate_transit(sol, doses, duration=n_steps * dt_h, time_step=dt_h,
                          dispersion=PLUG_FLOW)
    assert tr.node_concentration_mbq_l.shape[0] == n_steps

    q_node = res.node["quality"] * 1e3                  # kg/m³ → mg/L
    q_link = res.link["quality"] * 1e3
    assert list(q_node.index) == [k * DT_S for k in range(n_steps + 1)]
    supply = res.node["demand"].iloc[0]
    sinks = [n for n in wn.reservoir_name_list if supply[n] > 0]
    nodes = [n for n in tr.node_concentration_mbq_l.columns if n not in sinks]
    ours = tr.node_concentration_mbq_l[nodes].reset_index(drop=True)
    theirs = q_node[nodes].iloc[1:].reset_index(drop=True).astype(float)
    vol = tr.link_volume_l[tr.link_volume_l > 0]
    ours_link = (tr.link_amount_mbq[vol.index].iloc[1:] / vol).reset_index(drop=True)
    theirs_link = q_link[vol.index].iloc[1:].reset_index(drop=True).astype(float)
    return Comparison(ours, theirs, ours_link, theirs_link, longest_path_steps(sol, tr), tr)


def _inp_lines(path: str) -> list[str]:
    """The lines of an ``.inp`` file written by wntr, without its "; Created: <time>" stamp."""
    return [ln for ln in Path(path).read_text().splitlines() if not ln.startswith("; Created:")]


def longest_path_steps(sol: FlowSolution, tr: TransitResult) -> float:
    """max over nodes of Σ s = V/(Q Δt) along the flow paths reaching them (the flows are
    acyclic: relax the |links| edges |nodes| times)."""
    s = tr.link_volume_l / (tr.link_flow_l_h * tr.time_step_h)
    net = sol.network
    all_links: list[Pipe | Pump | Valve] = [*net.pipes, *net.pumps, *net.valves]
    links = {lk.name: lk for lk in all_links}
    edges = []
    for name, s_k in s.items():
        a, b = links[name].start, links[name].end
        edges.append((a, b, s_k) if sol.flow_m3s[name] > 0 else (b, a, s_k))
    dist = dict.fromkeys(net.node_names, 0.0)
    for _ in range(len(dist)):
        for a, b, s_k in edges:
            dist[b] = max(dist[b], dist[a] + s_k)
    return max(dist.values())


# ---------------------------------------------------------------------------------------------
# networks (junctions, pipes, one reservoir unless stated; constant demands, no patterns)
# ---------------------------------------------------------------------------------------------

def chain() -> Any:
    """R → J1 → ... → J6; P4 is 5 m of 100 mm (s ≈ 0.04 < 1: passes within a step)."""
    wn = wntr.network.WaterNetworkModel()
    wn.add_reservoir("R", base_head=60.0)
    spec = [(130.0, 0.20, 1e-3), (250.0, 0.15, 2e-3), (75.0, 0.15, 0.0), (5.0, 0.10, 1e-3),
            (410.0, 0.15, 2e-3), (60.0, 0.10, 4e-3)]
    prev = "R"
    for i, (length, diam, demand) in enumerate(spec, 1):
        wn.add_junction(f"J{i}", base_demand=demand, elevation=0.0)
        wn.add_pipe(f"P{i}", prev, f"J{i}", length=length, diameter=diam, roughness=110)
        prev = f"J{i}"
    return wn


def tree() -> Any:
    """A branching tree: R → A; A → B, A → TCV → A2 → C; B → D, E; C → F, G; E → H."""
    wn = wntr.network.WaterNetworkModel()
    wn.add_reservoir("R", base_head=70.0)
    demands = {"A": 1e-3, "B": 0.0, "C": 2e-3, "D": 3e-3, "E": 1e-3, "F": 2.5e-3, "G": 1.5e-3,
               "H": 2e-3}
    for n, d in {**demands, "A2": 0.0}.items():
        wn.add_junction(n, base_demand=d, elevation=5.0)
    wn.add_valve("TCV", "A", "A2", diameter=0.15, valve_type="TCV", minor_loss=0.0,
                 initial_setting=2.0)    # a link without volume: the tracer passes in the step
    for name, a, b, length, diam in [("RA", "R", "A", 200.0, 0.25), ("AB", "A", "B", 320.0, 0.15),
                                     ("AC", "A2", "C", 150.0, 0.15), ("BD", "B", "D", 90.0, 0.10),
                                     ("BE", "B", "E", 400.0, 0.10), ("CF", "C", "F", 260.0, 0.10),
                                     ("CG", "C", "G", 45.0, 0.08), ("EH", "E", "H", 180.0, 0.08)]:
        wn.add_pipe(name, a, b, length=length, diameter=diam, roughness=120)
    return wn


def grid() -> Any:
    """A 3 × 3 grid of junctions (4 loops, 12 pipes of different sizes) fed at a corner."""
    wn = wntr.network.WaterNetworkModel()
    wn.add_reservoir("R", base_head=55.0)
    rng = np.random.default_rng(7)
    for i in range(3):
        for j in range(3):
            wn.add_junction(f"N{i}{j}", base_demand=round(float(rng.uniform(0.5e-3, 3e-3)), 6),
                            elevation=0.0)
    wn.add_pipe("S", "R", "N00", length=50.0, diameter=0.3, roughness=130)
    diams = [0.1, 0.15, 0.2]
    k = 0
    for i in range(3):
        for j in range(3):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < 3 and j + dj < 3:
                    wn.add_pipe(f"P{i}{j}{i + di}{j + dj}", f"N{i}{j}", f"N{i + di}{j + dj}",
                                length=float(100 + 37 * k % 150), diameter=diams[k % 3],
                                roughness=100 + 5 * (k % 5))
                    k += 1
    return wn


def net1_without_tank() -> Any:
    """wntr's Net1 with tank 2 → a reservoir at its initial head, no controls or patterns."""
    path = Path(os.path.dirname(wntr.__file__)) / "library" / "networks" / "Net1.inp"
    wn = wntr.network.WaterNetworkModel(str(path))
    for name in list(wn.control_name_list):
        wn.remove_control(name)
    tank = wn.get_node("2")
    head = tank.elevation + tank.init_level
    pipe = wn.get_link("110")
    args = dict(length=pipe.length, diameter=pipe.diameter, roughness=pipe.roughness,
                minor_loss=pipe.minor_loss)
    wn.remove_link("110")
    wn.remove_node("2")
    wn.add_reservoir("2", base_head=head)
    wn.add_pipe("110", "2", "12", **args)
    wn.get_pattern("1").multipliers = [1.0]     # the junctions' demand pattern: constant
    for name in list(wn.source_name_list):
        wn.remove_source(name)
    for _, node in wn.nodes():
        node.initial_quality = 0.0
    return wn


CASES = {
    # network, n_steps, step source, pulse source
    "chain": (chain, 60, Source("R", 1.0), Source("J2", 0.5, 3, 6)),
    "tree": (tree, 60, Source("R", 2.0), Source("A", 1.0, 2, 4)),
    "grid": (grid, 90, Source("R", 1.0), Source("N11", 0.2, 5, 8)),
    "net1": (net1_without_tank, 360, Source("9", 10.0), Source("10", 5.0, 10, 40)),
}


@pytest.mark.parametrize("shape", ["step", "pulse"])
@pytest.mark.parametrize("case", list(CASES))
def test_plug_flow_matches_epanet_step_by_step(case: str, shape: str) -> None:
    """Node and link qualities equal EPANET's to float32 precision (ε-corrected step)."""
    make, n_steps, step_src, pulse_src = CASES[case]
    cmp = compare(make(), (step_src if shape == "step" else pulse_src,), n_steps)
    assert cmp.c_max > 0
    tol = cmp.tolerance(epanet_times=True)
    assert cmp.max_node_error() <= tol, (cmp.max_node_error(), tol)
    assert cmp.max_link_error() <= tol, (cmp.max_link_error(), tol)
    # not a comparison of zeros: the tracer reached the source node and nodes downstream
    assert (cmp.theirs.max() > 0).sum() >= 2


def test_same_step_differs_only_by_epanets_unit_factors() -> None:
    """With the same Δt, the difference is the ε Σ s shift of EPANET's transit times."""
    make, n_steps, step_src, _ = CASES["grid"]
    cmp = compare(make(), (step_src,), n_steps, epanet_times=False)
    err = cmp.max_node_error()
    assert err <= cmp.tolerance(epanet_times=False), (err, cmp.tolerance(epanet_times=False))
    # ... and the shift is really there: 100 times what is left after the correction
    exact = compare(make(), (step_src,), n_steps).max_node_error()
    assert err > 100 * exact, (err, exact)


def test_steady_state_and_mass_through_a_node() -> None:
    """After the longest transit a step source gives c = M / Q downstream (mass balance), and a
    pulse's ∫c dt at the last node is M T / Q on both sides."""
    make, n_steps, _, _ = CASES["chain"]
    m_mg_s = 1.0
    cmp = compare(make(), (Source("R", m_mg_s),), n_steps)
    q_r_l_s = float(cmp.transit.link_flow_l_h["P1"]) / 3600
    assert cmp.theirs["J6"].iloc[-1] == pytest.approx(m_mg_s / q_r_l_s, rel=2 * FLOAT32_REL)
    assert cmp.ours["J6"].iloc[-1] == pytest.approx(m_mg_s / q_r_l_s, rel=1e-12)
    pulse = Source("J1", 0.5, 3, 6)
    cmp = compare(make(), (pulse,), n_steps)
    dt_s = DT_S / (1 + EPS_EPANET)
    area_ours = float(cmp.ours["J6"].sum()) * dt_s
    area_epanet = float(cmp.theirs["J6"].sum()) * DT_S
    expected = pulse.mg_s * 3 * dt_s / q_r_l_s      # mg·s/L: the dose over J1's outflow
    assert area_ours == pytest.approx(expected, rel=1e-12)
    assert area_epanet == pytest.approx(expected * (1 + EPS_EPANET), rel=1e-6)
