"""Steady-state flow in networks of pipes (Global Gradient Algorithm, validated against EPANET).

The network description (:class:`VascularNetwork`) and the EPANET ``.inp`` reader live in
:mod:`pkdose.flow.network`; the solver (:func:`solve_flow`) and the head-loss laws in
:mod:`pkdose.flow.solver`. Everything inside is SI: m, m³/s, m of head.
"""

from pkdose.flow.network import (
    FixedHeadNode,
    Junction,
    Pipe,
    Pump,
    PumpCurve,
    VascularNetwork,
    read_inp,
)
from pkdose.flow.solver import (
    FlowSolution,
    darcy_weisbach_headloss,
    hagen_poiseuille_headloss,
    hagen_poiseuille_pressure_drop,
    hazen_williams_headloss,
    solve_flow,
)

__all__ = [
    "FixedHeadNode",
    "FlowSolution",
    "Junction",
    "Pipe",
    "Pump",
    "PumpCurve",
    "VascularNetwork",
    "darcy_weisbach_headloss",
    "hagen_poiseuille_headloss",
    "hagen_poiseuille_pressure_drop",
    "hazen_williams_headloss",
    "read_inp",
    "solve_flow",
]
