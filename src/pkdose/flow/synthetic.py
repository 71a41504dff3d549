"""Synthetic pipe meshes and vascular networks of any size, for scaling benchmarks and tests
against EPANET.

:func:`grid_network` builds a square grid of junctions (a planar mesh, every interior junction
joined to its four neighbours) with random pipe lengths, diameters and Hazen-Williams
coefficients, random demands and a few reservoirs, reproducibly from a seed.
:func:`vascular_network` builds an arterio-venous vascular bed: a bifurcating arterial tree
(Murray's law), a mirrored venous tree, microvessels joining each arterial end to its venous
twin and arcade anastomoses between neighbouring ends, with laminar Hagen-Poiseuille flow
between an arterial and a venous pressure; :func:`blood_viscosities` gives each vessel the
apparent viscosity of blood in vivo (Pries et al. 1994).
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
>>> bed = vascular_network(1000, seed=1)
>>> len(bed.pipes), len(bed.junctions), bed.headloss
(989, 766, 'H-P')
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from pkdose.flow.network import (EPANET_VISCOSITY_M2S, FixedHeadNode, Junction, Pipe,
                                 VascularNetwork, _gc_paused)
from pkdose.flow.rheology import PLASMA_VISCOSITY_PA_S, REFERENCE_HD, relative_viscosity_vivo
from pkdose.flow.vessels import HEAD_DENSITY_KG_M3, pressure_to_head_m

__all__ = ["grid_network", "vascular_network", "blood_viscosities", "to_wntr"]

DIAMETERS_M = (0.10, 0.15, 0.20, 0.25, 0.30, 0.40)
"""Commercial pipe diameters drawn for the grid pipes [m]."""
JUNCTIONS_PER_RESERVOIR = 2000
"""About one reservoir per this many junctions (at least two)."""


@_gc_paused()
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


LAMINAR_ROUGHNESS_M = 1.5e-6
"""Roughness written for "H-P" pipes as Darcy-Weisbach (EPANET needs one > 0; smooth drawn
tubing). It has no effect while the flow is laminar: f = 64/Re does not depend on it."""
MMHG_PA = 101325.0 / 760.0
"""One millimetre of mercury [Pa]."""
MURRAY_EXPONENT = 3.0
"""Murray's law d_parent³ = d_1³ + d_2³ at every bifurcation (Murray 1926, Proc. Natl. Acad.
Sci. USA 12:207-214: the cube law minimises pumping power plus blood volume)."""
LENGTH_TO_DIAMETER = (10.0, 30.0)
"""Range of the length/diameter ratio drawn per vessel [-]: a choice for the synthetic beds
(vessel segments of some ten to a few tens of diameters), not measured anatomy."""
VENOUS_DIAMETER_FACTOR = 1.25
"""Diameter of a venous vessel / that of its arterial twin [-]: a choice for the synthetic beds
(veins wider than their arteries), not measured anatomy."""
MICROVESSEL_DIAMETER_FACTOR = 0.6
"""Diameter of the microvessel joining an arterial end to its venous twin / the arterial end's
diameter [-]: a choice for the synthetic beds."""


def _bifurcating_tree(n_ends: int, root_diameter_m: float, rng: np.random.Generator
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Diameters and lengths [m] of a binary tree with ``n_ends`` end vessels, heap order.

    Vessel 1 is the root; vessel i > 1 leaves the distal end of vessel i // 2, so vessels
    1 … n_ends − 1 branch and n_ends … 2 n_ends − 1 are ends (a complete binary tree). At each
    branching the share s ~ U(0.25, 0.75) of d³ goes to the first daughter and 1 − s to the
    second (Murray's law, :data:`MURRAY_EXPONENT`). Arrays are indexed 1 … 2 n_ends − 1
    (index 0 unused).
    """
    n = 2 * n_ends
    d = np.empty(n)
    d[0] = np.nan
    d[1] = root_diameter_m
    share = rng.uniform(0.25, 0.75, n_ends)
    first = np.arange(2, n, 2)                   # first daughters 2, 4, ... (parent = i // 2)
    split = np.empty(n)
    split[first] = share[first // 2]
    split[first + 1] = 1.0 - share[first // 2]
    # d_i = d_root · Π over the path of split^(1/3): level by level, parents first
    lo = 2
    while lo < n:
        idx = np.arange(lo, min(2 * lo, n))
        d[idx] = d[idx // 2] * split[idx] ** (1.0 / MURRAY_EXPONENT)
        lo *= 2
    length = d * rng.uniform(*LENGTH_TO_DIAMETER, n)
    return d, length


@_gc_paused()
def vascular_network(n_vessels: int, *, seed: int = 0, root_diameter_m: float = 2e-3,
                     arterial_pressure_mmhg: float = 90.0, venous_pressure_mmhg: float = 10.0,
                     anastomosis_fraction: float = 0.1) -> VascularNetwork:
    """A synthetic arterio-venous vascular bed of about ``n_vessels`` vessels (Hagen-Poiseuille).

    * Arterial tree: a complete binary tree of K end vessels (2K − 1 vessels) from a root of
      ``root_diameter_m`` fed at ``arterial_pressure_mmhg``; at each branching a random share
      s ~ U(0.25, 0.75) of d³ goes to one daughter (Murray's law); each vessel's length is
      10–30 diameters (:data:`LENGTH_TO_DIAMETER`).
    * Venous tree: the mirror image (each vein 1.25 times its arterial twin's diameter, same
      length), its root draining to ``venous_pressure_mmhg``.
    * Microvessels: each arterial end joined to its venous twin by a vessel of 0.6 times the
      end's diameter and 20 of its own diameters long.
    * Arcades: a share ``anastomosis_fraction`` of the neighbouring arterial ends (and,
      independently, venous ends) joined by a vessel of the smaller end's diameter and twice
      the longer end's length. They close loops, so the network is a mesh, not a tree.

    K = round(n_vessels / (5 + 2 ``anastomosis_fraction``)). Pressures become heads with
    :func:`~pkdose.flow.vessels.pressure_to_head_m`; the network viscosity is that of blood at
    H_D = 0.45 in a wide vessel (plasma 1.39 mPa·s × η_vivo at the root diameter); give each
    vessel its own with :func:`blood_viscosities`. Names: nodes ``artery_in``, ``vein_out``,
    junctions ``a<i>``/``v<i>``, vessels ``A<i>``/``V<i>`` (trees, heap order), ``M<k>``
    (microvessels), ``AA<k>``/``VA<k>`` (arcades). Lengths, diameters and the tree are
    synthetic, not measured anatomy: the network is for benchmarks and solver tests.

    Parameters
    ----------
    n_vessels : int
        Target number of vessels (≥ 10).
    seed : int
        Seed of :func:`numpy.random.default_rng`: the same seed gives the same network.
    root_diameter_m : float
        Diameter of the feeding artery [m]. Diameters fall by about 2^(−1/3) per branching:
        with 2 mm and 10⁶ vessels the median end vessel is ~26 µm and the narrowest
        microvessels ~2 µm (seeds 0-3), near the 1.1 µm below which the in-vivo viscosity law
        of :func:`blood_viscosities` is undefined; widen the root for larger beds.
    arterial_pressure_mmhg, venous_pressure_mmhg : float
        Pressures at the arterial inlet and venous outlet [mmHg].
    anastomosis_fraction : float
        Share of neighbouring ends joined by an arcade, in [0, 1].

    Returns
    -------
    VascularNetwork
        Head-loss law "H-P", no demands (all blood enters at ``artery_in`` and leaves at
        ``vein_out``).
    """
    if n_vessels < 10:
        raise ValueError(f"n_vessels must be at least 10, got {n_vessels}")
    if not 0.0 <= anastomosis_fraction <= 1.0:
        raise ValueError(f"anastomosis_fraction must be in [0, 1], got {anastomosis_fraction}")
    if not arterial_pressure_mmhg > venous_pressure_mmhg:
        raise ValueError("arterial_pressure_mmhg must exceed venous_pressure_mmhg, got "
                         f"{arterial_pressure_mmhg} and {venous_pressure_mmhg}")
    n_ends = max(2, round(n_vessels / (5.0 + 2.0 * anastomosis_fraction)))
    rng = np.random.default_rng(seed)
    d_a, len_a = _bifurcating_tree(n_ends, root_diameter_m, rng)
    d_v, len_v = VENOUS_DIAMETER_FACTOR * d_a, len_a
    ends = np.arange(n_ends, 2 * n_ends)
    d_m = MICROVESSEL_DIAMETER_FACTOR * d_a[ends]
    len_m = 20.0 * d_m

    junctions = tuple(Junction(f"{t}{i}", 0.0) for t in "av" for i in range(1, 2 * n_ends))
    fixed = (FixedHeadNode("artery_in", pressure_to_head_m(arterial_pressure_mmhg * MMHG_PA)),
             FixedHeadNode("vein_out", pressure_to_head_m(venous_pressure_mmhg * MMHG_PA)))
    pipes = [Pipe(f"A{i}", f"a{i // 2}" if i > 1 else "artery_in", f"a{i}", float(len_a[i]),
                  float(d_a[i]), 0.0) for i in range(1, 2 * n_ends)]
    pipes += [Pipe(f"V{i}", f"v{i}", f"v{i // 2}" if i > 1 else "vein_out", float(len_v[i]),
                   float(d_v[i]), 0.0) for i in range(1, 2 * n_ends)]
    pipes += [Pipe(f"M{k}", f"a{e}", f"v{e}", float(len_m[k]), float(d_m[k]), 0.0)
              for k, e in enumerate(ends)]
    for tag, d_t, len_t in (("A", d_a, len_a), ("V", d_v, len_v)):
        joined = np.flatnonzero(rng.random(n_ends - 1) < anastomosis_fraction)
        lo, hi = ends[joined], ends[joined] + 1
        dd = np.minimum(d_t[lo], d_t[hi])
        pipes += [Pipe(f"{tag}A{k}", f"{tag.lower()}{a}", f"{tag.lower()}{b}",
                       float(2.0 * max(len_t[a], len_t[b])), float(x), 0.0)
                  for k, (a, b, x) in enumerate(zip(lo, hi, dd))]
    mu_root = PLASMA_VISCOSITY_PA_S * float(relative_viscosity_vivo(root_diameter_m * 1e6,
                                                                    REFERENCE_HD))
    return VascularNetwork(
        name=f"vascular{n_ends}", junctions=junctions, fixed_heads=fixed, pipes=tuple(pipes),
        headloss="H-P", viscosity_m2s=mu_root / HEAD_DENSITY_KG_M3,
        notes=(f"vascular_network({n_vessels}, seed={seed}, root_diameter_m={root_diameter_m}, "
               f"anastomosis_fraction={anastomosis_fraction})",))


def blood_viscosities(network: VascularNetwork, hd: float = REFERENCE_HD,
                      plasma_viscosity_pa_s: float = PLASMA_VISCOSITY_PA_S) -> dict[str, float]:
    """Kinematic viscosity ν [m²/s] of each pipe: blood in vivo at one discharge haematocrit.

    μ = μ_plasma · η_vivo(D, H_D) (:func:`~pkdose.flow.rheology.relative_viscosity_vivo`,
    Pries et al. 1994: the Fåhræus-Lindqvist fall of viscosity in narrow vessels and its rise
    in capillaries), ν = μ / :data:`~pkdose.flow.vessels.HEAD_DENSITY_KG_M3` as the head
    convention of :mod:`pkdose.flow.vessels`; for ``solve_flow(link_viscosity_m2s=...)``.
    For haematocrits that change from vessel to vessel (phase separation at bifurcations) use
    :func:`~pkdose.flow.rheology.solve_blood_flow`.
    """
    d_um = np.fromiter((p.diameter_m for p in network.pipes), float, len(network.pipes)) * 1e6
    mu = plasma_viscosity_pa_s * np.asarray(relative_viscosity_vivo(d_um, hd))
    return dict(zip((p.name for p in network.pipes), (mu / HEAD_DENSITY_KG_M3).tolist()))


def to_wntr(network: VascularNetwork,
            link_viscosity_m2s: Mapping[str, float] | None = None) -> Any:
    """A ``wntr.network.WaterNetworkModel`` of ``network`` (needs ``wntr``).

    Junctions (elevation, base demand without pattern), fixed-head nodes as reservoirs (a
    tank at its initial level is the same boundary condition for one steady state), pipes
    (length, diameter, roughness, minor loss, open/closed); the head-loss law, the network's
    viscosity (EPANET's VISCOSITY, relative to water at 20 °C), ACCURACY and TRIALS; flow
    units L/s (see the module docstring), duration 0 (one steady state). Pumps raise
    ``ValueError``.

    The laminar "H-P" law is written as EPANET's Darcy-Weisbach, whose friction factor is
    64/Re for Re ≤ 2000 (``hydcoeffs.c``): head loss 128 ν L q/(π g d⁴), Hagen-Poiseuille
    itself. EPANET has one viscosity for all pipes, so a pipe with its own ν (from
    ``link_viscosity_m2s``) is written with the length L ν/ν_network, which gives the same
    laminar resistance. The EPANET model equals the "H-P" one only while EPANET sees every pipe
    as laminar: Re = 4|q|/(π d ν_network) ≤ 2000 with the network's viscosity (only the length
    was stretched); check it on the solution. Valves and check valves have no counterpart in
    this export and raise ``ValueError``, like pumps.
    """
    import wntr

    if network.pumps or network.valves or any(p.check_valve for p in network.pipes):
        raise ValueError(f"to_wntr: network {network.name!r} has pumps, valves or check valves "
                         "(not supported)")
    if network.headloss not in ("H-W", "D-W", "H-P"):
        raise ValueError(f"to_wntr: head-loss law {network.headloss!r} has no EPANET "
                         "equivalent (H-W, D-W or H-P as laminar D-W)")
    if link_viscosity_m2s is not None and network.headloss == "H-W":
        raise ValueError("to_wntr: link_viscosity_m2s needs the D-W or H-P law, not H-W")
    stretch = {}
    if link_viscosity_m2s is not None:
        names = {p.name for p in network.pipes}
        unknown = [k for k in link_viscosity_m2s if k not in names]
        if unknown:
            raise ValueError(f"to_wntr: link_viscosity_m2s names pipes not in the network: "
                             f"{unknown[:5]}")
        if network.headloss == "D-W":
            raise ValueError("to_wntr: a per-pipe viscosity can be folded into the length only "
                             "for laminar flow (H-P), not for D-W")
        stretch = {k: float(v) / network.viscosity_m2s for k, v in link_viscosity_m2s.items()}
    wn = wntr.network.WaterNetworkModel()
    opts = wn.options
    opts.hydraulic.inpfile_units = "LPS"
    with warnings.catch_warnings():
        # wntr warns that D-W roughness keeps its units: no pipe exists yet, nothing to convert
        warnings.filterwarnings("ignore", "Changing the headloss formula", UserWarning)
        opts.hydraulic.headloss = "D-W" if network.headloss == "H-P" else network.headloss
    opts.hydraulic.viscosity = network.viscosity_m2s / EPANET_VISCOSITY_M2S
    opts.hydraulic.accuracy = network.accuracy
    opts.hydraulic.trials = network.max_iter
    opts.hydraulic.pattern = None
    opts.time.duration = 0
    for j in network.junctions:
        wn.add_junction(j.name, base_demand=j.demand_m3s, elevation=j.elevation_m)
    for f in network.fixed_heads:
        wn.add_reservoir(f.name, base_head=f.head_m)
    for p in network.pipes:
        wn.add_pipe(p.name, p.start, p.end, length=p.length_m * stretch.get(p.name, 1.0),
                    diameter=p.diameter_m,
                    roughness=LAMINAR_ROUGHNESS_M if network.headloss == "H-P" else p.roughness,
                    minor_loss=p.minor_loss,
                    initial_status="CLOSED" if p.status == "closed" else "OPEN")
    return wn
