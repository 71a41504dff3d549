"""Synthetic vascular beds (`pkdose.flow.synthetic.vascular_network`) and their blood flow
against EPANET 2.2.

Hagen-Poiseuille with a viscosity per vessel (blood in vivo, Pries et al. 1994) has no EPANET
law of its own, but EPANET's Darcy-Weisbach uses f = 64/Re for Re ≤ 2000, which is
Hagen-Poiseuille: ``to_wntr`` writes each vessel with the length L ν_i/ν_network, the same
laminar resistance under EPANET's single viscosity. The comparison holds only while every
vessel is laminar in EPANET's sense, which the test checks on the solution.

EPANET's flow unit is the cfs of 28.317 L (``LPSperCFS``) while its lengths use the ft of
0.3048 m, whose cube is 28.3168466 L: a laminar head loss computed in its units is therefore
28.317/28.3168466 = 1 + 5.4e-6 times too small for a flow given in L/s, and at fixed heads
EPANET's flows come out that much larger than the SI solution (pkdose's Hagen-Poiseuille is
plain SI). The test multiplies pkdose's flows by that factor. Heads need no factor.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from pkdose.flow import solve_flow
from pkdose.flow.network import CFS_M3S, FT_M
from pkdose.flow.synthetic import (MURRAY_EXPONENT, blood_viscosities, to_wntr,
                                   vascular_network)

FLOAT32_REL = 2.0**-23
"""Two float32 roundings of each EPANET value (binary output file, wntr's SI conversion)."""
EPANET_CFS_FACTOR = CFS_M3S / FT_M**3
"""EPANET's cfs (28.317 L) over the true ft³ (0.3048³ m³): 1 + 5.4e-6."""


def test_same_seed_same_bed_and_murray_law_at_every_branching() -> None:
    a = vascular_network(3000, seed=7)
    b = vascular_network(3000, seed=7)
    assert a.pipes == b.pipes and a.junctions == b.junctions
    assert a.pipes != vascular_network(3000, seed=8).pipes
    assert abs(len(a.pipes) - 3000) < 0.02 * 3000
    arterial = {p.name: p for p in a.pipes if p.name[0] == "A" and p.name[1:].isdigit()}
    n = len(arterial)                                   # 2K − 1 vessels, heap order
    branching = [i for i in range(1, n + 1) if 2 * i + 1 <= n]
    assert len(branching) == (n - 1) // 2
    for i in branching:
        d, d1, d2 = (arterial[f"A{k}"].diameter_m for k in (i, 2 * i, 2 * i + 1))
        assert d1**MURRAY_EXPONENT + d2**MURRAY_EXPONENT == pytest.approx(
            d**MURRAY_EXPONENT, rel=1e-12)
    # arcades close loops: independent cycles = links − nodes + 1 (one connected graph)
    nodes = len(a.junctions) + len(a.fixed_heads)
    assert len(a.pipes) - nodes + 1 > len([p for p in a.pipes if p.name.startswith("M")])


def test_bed_solves_with_blood_viscosity_and_conserves_blood() -> None:
    net = vascular_network(2000, seed=3)
    nu = blood_viscosities(net)
    sol = solve_flow(net, link_viscosity_m2s=nu, tol=1e-10)
    sol.check_kirchhoff(1e-18)
    inflow, outflow = sol.flow_m3s["A1"], sol.flow_m3s["V1"]
    assert inflow > 0 and outflow == pytest.approx(inflow, rel=1e-12)
    micro = sol.flow_m3s[[p.name for p in net.pipes if p.name.startswith("M")]]
    assert (micro > 0).all() and micro.sum() == pytest.approx(inflow, rel=1e-12)
    # the viscosity per vessel matters: one blood viscosity for all gives another flow
    uniform = solve_flow(net, tol=1e-10)
    assert abs(uniform.flow_m3s["A1"] / inflow - 1.0) > 0.02   # 4.0 % here


def test_poiseuille_bed_matches_epanet_darcy_weisbach_laminar(epanet_ref) -> None:  # type: ignore[no-untyped-def]
    net = vascular_network(2000, seed=3)
    nu = blood_viscosities(net)
    sol = solve_flow(net, link_viscosity_m2s=nu, tol=1e-10)
    d = np.array([p.diameter_m for p in net.pipes])
    names = [p.name for p in net.pipes]
    q = sol.flow_m3s[names].to_numpy()
    # EPANET's laminar branch everywhere: its Re uses its one viscosity (the network's; each
    # vessel's own viscosity went into its length)
    assert (4.0 * np.abs(q) / (math.pi * d * net.viscosity_m2s)).max() < 2000.0
    ref = epanet_ref(to_wntr(net, nu), accuracy=1e-8)
    q_en = ref.flow_m3s[names].to_numpy()
    scale = np.abs(q).max()
    assert np.abs(q * EPANET_CFS_FACTOR - q_en).max() <= 2 * FLOAT32_REL * scale
    # without EPANET's unit factor the difference is 45 times larger: the factor is real
    assert np.abs(q - q_en).max() > 20 * FLOAT32_REL * scale
    heads = sol.head_m[ref.head_m.index]
    assert np.abs(heads - ref.head_m).max() <= 2 * FLOAT32_REL * heads.abs().max()


def test_to_wntr_refuses_what_it_cannot_export() -> None:
    pytest.importorskip("wntr")
    net = vascular_network(100, seed=1)
    with pytest.raises(ValueError, match="not in the network"):
        to_wntr(net, {"nope": 1e-6})
    cv = dataclasses.replace(net, pipes=(dataclasses.replace(net.pipes[0], check_valve=True),
                                         *net.pipes[1:]))
    with pytest.raises(ValueError, match="check valves"):
        to_wntr(cv)
