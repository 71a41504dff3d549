"""Synthetic pipe meshes of any size, for scaling benchmarks and tests against EPANET.

:func:`grid_network` builds a square grid of junctions (a planar mesh, every interior junction
joined to its four neighbours) with random pipe lengths, diameters and Hazen-Williams
coefficients, random demands and a few reservoirs, reproducibly from a seed.
:func:`to_wntr` turns a :class:`~pkdose.flow.network.VascularNetwork` of junctions, fixed heads
and pipes into a ``wntr`` ``WaterNetworkModel`` (``wntr`` is imported only there: it is a
test/benchmark dependency, not one of pkdose's), so that the same network can be written to an
EPANET ``.inp`` file with ``wntr.network.write_inpfile`` and solved by both pkdose
(:func:`~pkdose.flow.network.read_inp` + :func:`~pkdose.flow.solver.solve_flow`) and EPANET
(``wntr.sim.EpanetSimulator``). Write it in L/s (``units="LPS"``): lengths in m, diameters in
mm and flows in L/s are then converted to SI by the same powers of ten in wntr, EPANET and
pkdose, with no unit-factor mismatch.

>>> net = grid_network(1000, seed=1)
>>> len(net.pipes), len(net.junctions), len(net.fixed_heads)
(1014, 529, 2)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pkdose.flow.network import FixedHeadNode, Junction, Pipe, VascularNetwork

__all__ = ["grid_network", "to_wntr"]

DIAMETERS_M = (0.10, 0.15, 0.20, 0.25, 0.30, 0.40)
"""Commercial pipe diameters drawn for the grid pipes [m]."""
JUNCTIONS_PER_RESERVOIR = 2000
"""About one reservoir per this many junctions (at least two)."""


def grid_network(n_pipes: int, *, seed: int = 0, demand_m3s: float = 5e-4,
                 reservoir_head_m: float = 80.0) -> VascularNetwork:
    """A random square-grid mesh of about ``n_pipes`` pipes (Hazen-Williams).

    The m × m junctions (m chosen so that the 2 m (m − 1) grid pipes come closest to
    ``n_pipes``) lie 50–150 m apart at elevations 0–20 m; each grid pipe gets a diameter from
    :data:`DIAMETERS_M`, C 90–140 and a length of 1–1.5 times the spacing. Each junction draws
    a demand uniformly in [0, 2 ``demand_m3s``]. ``max(2, m²/2000)`` reservoirs (head
    ``reservoir_head_m`` + 0–10 m) sit at random distinct junction positions, each joined to
    its junction by a 10 m pipe of 0.5 m diameter, C 130. Names: junctions ``J<k>``,
    reservoirs ``R<k>``, pipes ``P<k>`` (grid) and ``S<k>`` (reservoir supply).

    Parameters
    ----------
    n_pipes : int
        Target number of grid pipes (≥ 4).
    seed : int
        Seed of :func:`numpy.random.default_rng`: the same seed gives the same network.
    demand_m3s : float
        Mean junction demand [m³/s].
    reservoir_head_m : float
        Lowest reservoir head [m].

    Returns
    -------
    VascularNetwork
        Named ``grid<m>x<m>``, head-loss law "H-W", EPANET's default accuracy (0.001) and
        TRIALS 200 (wntr's default, written to the ``.inp`` by :func:`to_wntr`).
    """
    if n_pipes < 4:
        raise ValueError(f"n_pipes must be at least 4 (a 2 x 2 grid), got {n_pipes}")
    m = max(2, round(0.5 + math.sqrt(0.25 + n_pipes / 2.0)))
    rng = np.random.default_rng(seed)
    nj = m * m
    elevation = rng.uniform(0.0, 20.0, nj)
    demand = rng.uniform(0.0, 2.0 * demand_m3s, nj)
    k = np.arange(nj).reshape(m, m)
    starts = np.concatenate([k[:, :-1].ravel(), k[:-1, :].ravel()])
    ends = np.concatenate([k[:, 1:].ravel(), k[1:, :].ravel()])
    npipe = starts.size
    spacing = rng.uniform(50.0, 150.0)
    length = spacing * rng.uniform(1.0, 1.5, npipe)
    diameter = np.asarray(DIAMETERS_M)[rng.integers(0, len(DIAMETERS_M), npipe)]
    c = rng.uniform(90.0, 140.0, npipe)
    nres = max(2, nj // JUNCTIONS_PER_RESERVOIR)
    at = rng.choice(nj, size=nres, replace=False)
    heads = reservoir_head_m + rng.uniform(0.0, 10.0, nres)

    junctions = tuple(Junction(f"J{i}", float(elevation[i]), float(demand[i]))
                      for i in range(nj))
    fixed = tuple(FixedHeadNode(f"R{r}", float(heads[r])) for r in range(nres))
    pipes = [Pipe(f"P{p}", f"J{starts[p]}", f"J{ends[p]}", float(length[p]),
                  float(diameter[p]), float(c[p])) for p in range(npipe)]
    pipes += [Pipe(f"S{r}", f"R{r}", f"J{at[r]}", 10.0, 0.5, 130.0) for r in range(nres)]
    return VascularNetwork(name=f"grid{m}x{m}", junctions=junctions, fixed_heads=fixed,
                           pipes=tuple(pipes), headloss="H-W", accuracy=0.001, max_iter=200,
                           notes=(f"grid_network({n_pipes}, seed={seed})",))


def to_wntr(network: VascularNetwork) -> Any:
    """A ``wntr.network.WaterNetworkModel`` of ``network`` (needs ``wntr``).

    Junctions (elevation, base demand without pattern), fixed-head nodes as reservoirs (a
    tank at its initial level is the same boundary condition for one steady state), pipes
    (length, diameter, roughness, minor loss, open/closed); the head-loss law ("H-W" or
    "D-W"), ACCURACY and TRIALS of the network; flow units L/s (see the module docstring),
    duration 0 (one steady state). Pumps and the laminar "H-P" law have no EPANET
    counterpart here and raise ``ValueError``.
    """
    import wntr

    if network.pumps:
        raise ValueError(f"to_wntr: network {network.name!r} has pumps (not supported)")
    if network.headloss not in ("H-W", "D-W"):
        raise ValueError(f"to_wntr: head-loss law {network.headloss!r} has no EPANET "
                         "equivalent (H-W or D-W)")
    wn = wntr.network.WaterNetworkModel()
    opts = wn.options
    opts.hydraulic.inpfile_units = "LPS"
    opts.hydraulic.headloss = network.headloss
    opts.hydraulic.accuracy = network.accuracy
    opts.hydraulic.trials = network.max_iter
    opts.hydraulic.pattern = None
    opts.time.duration = 0
    for j in network.junctions:
        wn.add_junction(j.name, base_demand=j.demand_m3s, elevation=j.elevation_m)
    for f in network.fixed_heads:
        wn.add_reservoir(f.name, base_head=f.head_m)
    for p in network.pipes:
        wn.add_pipe(p.name, p.start, p.end, length=p.length_m, diameter=p.diameter_m,
                    roughness=p.roughness, minor_loss=p.minor_loss,
                    initial_status="CLOSED" if p.status == "closed" else "OPEN")
    return wn
