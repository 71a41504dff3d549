"""Steady-state flow in networks of pipes (Global Gradient Algorithm, validated against EPANET).

The network description (:class:`VascularNetwork`) and the EPANET ``.inp`` reader live in
:mod:`pkdose.flow.network`; the solver (:func:`solve_flow`) and the head-loss laws in
:mod:`pkdose.flow.solver`; the vessel-table reader (:func:`read_vessel_table`) in
:mod:`pkdose.flow.vessels`; blood rheology (apparent viscosity laws of Pries et al., haematocrit
phase separation, :func:`solve_blood_flow`) in :mod:`pkdose.flow.rheology`; the ICRP 89
whole-body circulation (:func:`whole_body_network`) in :mod:`pkdose.flow.wholebody`; its
coupling to PBPK (:func:`perfusion`, :func:`arterial_input_kernel`, :func:`flow_limited_pbpk`)
in :mod:`pkdose.flow.coupling`; tracer transport through a solved network (Lagrangian segments as
in EPANET's water-quality model, dispersion, recirculation; :func:`simulate_transit`) and the
Stewart-Hamilton indicator-dilution analysis (:func:`indicator_dilution`) in
:mod:`pkdose.flow.transit`. Everything inside the solver is SI: m, m³/s, m of head, Pa,
Pa·s; the coupling and the transit results use L/h, L and h.
"""

from pkdose.flow.coupling import (
    ArterialInputKernel,
    Perfusion,
    arterial_input_kernel,
    flow_limited_pbpk,
    link_transit_times_h,
    link_volumes_l,
    path_transit_time_h,
    perfusion,
)
from pkdose.flow.network import (
    ConstantPower,
    FixedHeadNode,
    Junction,
    Pipe,
    Pump,
    PumpCurve,
    Valve,
    VascularNetwork,
    read_inp,
)
from pkdose.flow.rheology import (
    PLASMA_VISCOSITY_PA_S,
    VISCOSITY_LAWS,
    BloodFlowSolution,
    SurfaceLayer,
    erythrocyte_flux_fraction,
    phase_separation_parameters,
    relative_viscosity,
    relative_viscosity_vitro,
    relative_viscosity_vivo,
    relative_viscosity_vivo_esl,
    solve_blood_flow,
    surface_layer,
)
from pkdose.flow.solver import (
    FlowSolution,
    darcy_weisbach_headloss,
    hagen_poiseuille_headloss,
    hagen_poiseuille_pressure_drop,
    hazen_williams_headloss,
    solve_flow,
)
from pkdose.flow.transit import (
    PLUG_FLOW,
    Dispersion,
    IndicatorDilution,
    TransitResult,
    indicator_dilution,
    simulate_transit,
)
from pkdose.flow.vessels import head_to_pressure_pa, pressure_to_head_m, read_vessel_table
from pkdose.flow.wholebody import (
    ORGANS,
    PORTAL_ORGANS,
    blood_viscosity_pa_s,
    reference_blood_volumes_l,
    reference_flow_fractions,
    whole_body_network,
)

__all__ = [
    "ORGANS",
    "PORTAL_ORGANS",
    "ArterialInputKernel",
    "Perfusion",
    "arterial_input_kernel",
    "blood_viscosity_pa_s",
    "flow_limited_pbpk",
    "link_transit_times_h",
    "link_volumes_l",
    "path_transit_time_h",
    "perfusion",
    "reference_blood_volumes_l",
    "reference_flow_fractions",
    "whole_body_network",
    "PLASMA_VISCOSITY_PA_S",
    "VISCOSITY_LAWS",
    "BloodFlowSolution",
    "ConstantPower",
    "FixedHeadNode",
    "FlowSolution",
    "Junction",
    "Pipe",
    "Pump",
    "PumpCurve",
    "SurfaceLayer",
    "Valve",
    "VascularNetwork",
    "darcy_weisbach_headloss",
    "erythrocyte_flux_fraction",
    "hagen_poiseuille_headloss",
    "hagen_poiseuille_pressure_drop",
    "hazen_williams_headloss",
    "head_to_pressure_pa",
    "phase_separation_parameters",
    "pressure_to_head_m",
    "read_inp",
    "read_vessel_table",
    "relative_viscosity",
    "relative_viscosity_vitro",
    "relative_viscosity_vivo",
    "relative_viscosity_vivo_esl",
    "solve_blood_flow",
    "solve_flow",
    "surface_layer",
    "PLUG_FLOW",
    "Dispersion",
    "IndicatorDilution",
    "TransitResult",
    "indicator_dilution",
    "simulate_transit",
]
