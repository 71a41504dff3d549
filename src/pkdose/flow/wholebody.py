"""A whole-body circulation as a pipe network, calibrated to the ICRP Publication 89 reference adult.

Topology (links are pipes unless marked as pumps; arrows give the positive flow direction)::

    right_atrium (fixed pressure) ──right_ventricle (pump)──► right_ventricle_outflow
        ──right_heart──► pulmonary_trunk ──lungs──► left_atrium
        ──left_ventricle (pump)──► left_ventricle_outflow ──left_heart──► aorta
    aorta ──<organ>_artery──► <organ>_inlet ──<organ>──► vena_cava          (systemic organs)
    aorta ──<organ>_artery──► <organ>_inlet ──<organ>──► portal_confluence  (stomach_oesophagus,
                                                   small_intestine, large_intestine, pancreas, spleen)
    portal_confluence ──portal_vein──► hepatic_sinusoids
    aorta ──hepatic_artery──► hepatic_sinusoids ──liver──► vena_cava
    vena_cava ──venae_cavae──► right_atrium

The heart is two pumps in series (right and left ventricle), the pulmonary circulation is in
series with the systemic one, the systemic organs are in parallel, and the splanchnic organs
drain through the portal vein into the liver, with the hepatic artery beside it. Every organ
bed has its own conducting artery (``<organ>_artery``), which is where a stenosis is applied.

Calibration
-----------
The design state is fixed first: flows from the ICRP 89 fractions of cardiac output
(:data:`ICRP89_FLOW_PERCENT`) and node pressures from :data:`DESIGN_PRESSURE_MMHG`. Each pipe
then gets the Hagen-Poiseuille resistance R = ΔP/Q of its design pressure drop and design flow,
and a geometry that realises both R and the pipe's blood volume V (ICRP 89 regional blood
volumes, :data:`ICRP89_BLOOD_VOLUME_PERCENT`) with the apparent viscosity μ of blood:

.. math::

    R = \\frac{128\\,μ L}{π d^4},\\quad V = \\frac{π d^2 L}{4}
    \\;\\Rightarrow\\; d = \\Big(\\frac{512\\,μ V}{π^2 R}\\Big)^{1/6},\\quad L = \\frac{4V}{π d^2}.

Each pump gets EPANET's one-point curve through (cardiac output, design pressure rise)
(:meth:`PumpCurve.from_points`). The design state then satisfies every head-loss law, every
pump curve and Kirchhoff's law at every junction, so it *is* the solution that
:func:`~pkdose.flow.solver.solve_flow` finds (H-P laws are linear and the pump curve is
monotone: the solution is unique); solved flows reproduce the ICRP fractions to the solver's
accuracy. The pipes are equivalent vessels, not anatomy: their volume V = πd²L/4 is the blood
volume of what they stand for, so V/Q is that region's mean transit time
(:mod:`pkdose.flow.coupling`). The design pressures only set the pressure scale; the
calibrated flows do not depend on them.

Volumes not tabulated per region are split by assumption (stated, not ICRP's): the aorta and
large arteries (6 %) among the conducting arteries in proportion to their flow; the large
veins (18 %) between the venae cavae and the portal vein in proportion to their flow; each
heart side (4.5 %) is the pipe after its ventricle.

References
----------
ICRP (2002). Basic anatomical and physiological data for use in radiological protection:
reference values. ICRP Publication 89. *Ann. ICRP* 32(3-4). Tables 2.12 (blood volume), 2.13
(distribution of blood in the vascular system), 2.14 (regional blood volumes), 2.39 (cardiac
output), 2.40 (distribution of cardiac output). Page numbers were not verified against the
printed report; see ``src/pkdose/_data/icrp89_SOURCE.md``.
Pries, A. R., Secomb, T. W., Gessner, T., Sperandio, M. B., Gross, J. F. & Gaehtgens, P.
(1994). Resistance to blood flow in microvessels in vivo. *Circ. Res.* 75: 904-915 (the
viscosity law of :func:`pkdose.flow.rheology.relative_viscosity_vivo`).
Kovacs, G., Berghold, A., Scheidl, S. & Olschewski, H. (2009). Pulmonary arterial pressure
during rest and exercise in healthy subjects: a systematic review. *Eur. Respir. J.* 34:
888-894 (resting mean pulmonary arterial pressure 14.0 ± 3.3 mmHg).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pkdose.errors import InputDataError, UnknownNameError, Violation
from pkdose.flow.network import FixedHeadNode, Junction, Pipe, Pump, PumpCurve, VascularNetwork
from pkdose.flow.rheology import PLASMA_VISCOSITY_PA_S, relative_viscosity_vivo
from pkdose.flow.vessels import HEAD_DENSITY_KG_M3, pressure_to_head_m
from pkdose.units import as_quantity

__all__ = [
    "MMHG_PA",
    "ICRP89_CARDIAC_OUTPUT_L_MIN",
    "ICRP89_TOTAL_BLOOD_VOLUME_L",
    "ICRP89_ERYTHROCYTE_VOLUME_L",
    "ICRP89_FLOW_PERCENT",
    "ICRP89_HEPATIC_ARTERY_PERCENT",
    "ICRP89_LIVER_TOTAL_PERCENT",
    "ICRP89_BLOOD_VOLUME_PERCENT",
    "ICRP89_CENTRAL_BLOOD_VOLUME_PERCENT",
    "DESIGN_PRESSURE_MMHG",
    "ORGANS",
    "PORTAL_ORGANS",
    "STENOSIS_SITES",
    "reference_flow_fractions",
    "reference_blood_volumes_l",
    "blood_viscosity_pa_s",
    "whole_body_network",
]

Sex = Literal["male", "female"]
_SEXES = ("male", "female")

MMHG_PA = 101325.0 / 760.0
"""Pascal per mmHg (conventional millimetre of mercury, 101325/760 Pa exactly)."""

# ---------------------------------------------------------------------------------------------
# ICRP Publication 89 reference values (adult male, adult female). Transcribed from the
# Huisinga-group PBPK physiology database (Matlab and R versions, each citing the ICRP 89 table),
# cross-checked as noted per value; see src/pkdose/_data/icrp89_SOURCE.md.
# ---------------------------------------------------------------------------------------------

ICRP89_CARDIAC_OUTPUT_L_MIN: dict[str, float] = {"male": 6.5, "female": 5.9}
"""Resting cardiac output [L/min], ICRP 89 Table 2.39 (adult columns). Male 6.5 also in a second,
independent transcription (ICRP 89 reference male, 390 L/h)."""

ICRP89_TOTAL_BLOOD_VOLUME_L: dict[str, float] = {"male": 5.3, "female": 3.9}
"""Total blood volume [L], ICRP 89 Table 2.12 (= erythrocytes + plasma: 2.3 + 3.0 L male,
1.5 + 2.4 L female). Male 5.3 L also in a second, independent transcription."""

ICRP89_ERYTHROCYTE_VOLUME_L: dict[str, float] = {"male": 2.3, "female": 1.5}
"""Erythrocyte volume [L], ICRP 89 Table 2.12; whole-body haematocrit = this / total volume."""

ICRP89_FLOW_PERCENT: dict[str, tuple[float, float]] = {
    # organ bed: (male, female) % of cardiac output, ICRP 89 Table 2.40
    "adipose": (5.0, 8.5),                # "Fat"
    "brain": (12.0, 12.0),
    "stomach_oesophagus": (1.0, 1.0),     # "Stomach and oesophagus"
    "small_intestine": (10.0, 11.0),
    "large_intestine": (4.0, 5.0),
    "heart": (4.0, 5.0),                  # "Coronary tissue"
    "kidneys": (19.0, 17.0),
    "bronchial": (2.5, 2.5),              # "Bronchial tissue" (systemic supply of the lungs)
    "skeletal_muscle": (17.0, 12.0),
    "pancreas": (1.0, 1.0),
    "red_marrow": (3.0, 3.0),             # skeleton: red marrow
    "trabecular_bone": (0.9, 0.9),        # skeleton: trabecular bone
    "cortical_bone": (0.6, 0.6),          # skeleton: cortical bone
    "skeleton_other": (0.5, 0.5),         # skeleton: others (skeleton total 5.0 / 5.0)
    "skin": (5.0, 5.0),
    "spleen": (3.0, 3.0),
    "thyroid": (1.5, 1.5),
    "lymph_nodes": (1.7, 1.7),
    "gonads": (0.05, 0.02),
    "adrenals": (0.3, 0.3),
    "urinary_bladder": (0.06, 0.06),
    "other": (1.39, 1.92),                # "All other tissues"
}
"""Distribution of cardiac output [% of cardiac output], ICRP 89 Table 2.40, per organ bed
(liver: see :data:`ICRP89_HEPATIC_ARTERY_PERCENT`). Both columns were read in two transcriptions
of the same group (Matlab and R); the male column also in two independent ones (adipose, muscle,
skin, skeleton, brain, heart, kidneys, spleen, pancreas, stomach, gut 14 = 10 + 4, liver 25.5)."""

ICRP89_HEPATIC_ARTERY_PERCENT: dict[str, float] = {"male": 6.5, "female": 6.5}
"""Hepatic arterial flow [% of cardiac output], ICRP 89 Table 2.40 ("Liver ... 6.5 arterial").
With it each column of Table 2.40 sums to exactly 100 %."""

ICRP89_LIVER_TOTAL_PERCENT: dict[str, float] = {"male": 25.5, "female": 27.0}
"""Total liver blood flow [% of cardiac output] as printed in ICRP 89 Table 2.40. For the male it
equals hepatic artery + stomach/oesophagus + intestines + pancreas + spleen (6.5 + 19 = 25.5);
for the female that sum is 27.5, not 27.0: the printed female total is 0.5 % lower than its own
column implies. The network follows the column (liver = 27.5 % female) so that Kirchhoff holds."""

ICRP89_BLOOD_VOLUME_PERCENT: dict[str, tuple[float, float]] = {
    # organ bed: (male, female) % of total blood volume, ICRP 89 Table 2.14
    "adipose": (5.0, 8.5),
    "brain": (1.2, 1.2),
    "stomach_oesophagus": (1.0, 1.0),
    "small_intestine": (3.8, 3.8),
    "large_intestine": (2.2, 2.2),
    "heart": (1.0, 1.0),                  # "Coronary tissue"
    "kidneys": (2.0, 2.0),
    "liver": (10.0, 10.0),
    "bronchial": (2.0, 2.0),              # "Bronchial tissue"
    "skeletal_muscle": (14.0, 10.5),
    "pancreas": (0.6, 0.6),
    "red_marrow": (4.0, 4.0),
    "trabecular_bone": (1.2, 1.2),
    "cortical_bone": (0.8, 0.8),
    "skeleton_other": (1.0, 1.0),         # skeleton total 7.0 / 7.0
    "skin": (3.0, 3.0),
    "spleen": (1.4, 1.4),
    "thyroid": (0.06, 0.06),
    "lymph_nodes": (0.2, 0.2),
    "gonads": (0.04, 0.02),
    "adrenals": (0.06, 0.06),
    "urinary_bladder": (0.02, 0.02),
    "other": (1.92, 1.92),                # "All other tissues"
}
"""Regional blood volumes [% of total blood volume], ICRP 89 Table 2.14 (two transcriptions of
the same group; kidneys 2 %, heart 9 + 1 %, lungs 10.5 + 2 %, arteries 6 %, veins 18 % also in
Leggett & Williams (1995) as used by a third code)."""

ICRP89_CENTRAL_BLOOD_VOLUME_PERCENT: dict[str, tuple[float, float]] = {
    "right_heart": (4.5, 4.5),            # Table 2.14 "Heart chambers: right"
    "left_heart": (4.5, 4.5),             # Table 2.14 "Heart chambers: left"
    "pulmonary": (10.5, 10.5),            # Table 2.14 / 2.13 pulmonary circulation
    "aorta_large_arteries": (6.0, 6.0),   # Table 2.14 / 2.13 systemic aorta and large arteries
    "large_veins": (18.0, 18.0),          # Table 2.14 / 2.13 systemic large veins
}
"""Blood in the heart chambers, pulmonary circulation and large systemic vessels [% of total blood
volume], ICRP 89 Table 2.14 (the male column sums with :data:`ICRP89_BLOOD_VOLUME_PERCENT` to
100.00 %, the female one to 99.98 % as transcribed)."""

DESIGN_PRESSURE_MMHG: dict[str, float] = {
    "right_atrium": 2.0,
    "right_ventricle_outflow": 14.5,
    "pulmonary_trunk": 14.0,        # Kovacs et al. (2009): resting mean PAP 14.0 ± 3.3 mmHg
    "left_atrium": 8.0,
    "left_ventricle_outflow": 93.5,
    "aorta": 93.0,                  # mean arterial pressure of 120/80 mmHg: 80 + 40/3 ≈ 93
    "organ_inlet": 91.0,            # 2 mmHg across each conducting artery
    "portal_confluence": 8.0,
    "hepatic_sinusoids": 6.0,
    "vena_cava": 3.0,
}
"""Mean pressures [mmHg] of the design state. These are design values within resting normal
ranges, not reference data: they set the pressure scale and the resistances, but the calibrated
flows are the ICRP fractions whatever they are (only their order matters: each link must have
a positive drop). Cited where a source was used (Kovacs et al. 2009)."""

PORTAL_ORGANS: tuple[str, ...] = ("stomach_oesophagus", "small_intestine", "large_intestine",
                                  "pancreas", "spleen")
"""Organs draining through the portal vein into the liver."""

ORGANS: tuple[str, ...] = (*ICRP89_FLOW_PERCENT, "liver")
"""Organ names of the network: every ICRP 89 bed of Table 2.40 and the liver."""

STENOSIS_SITES: tuple[str, ...] = (*ICRP89_FLOW_PERCENT, "hepatic_artery", "portal_vein")
"""Where :func:`whole_body_network` accepts a stenosis: an organ (its conducting artery
``<organ>_artery``), the hepatic artery or the portal vein."""


def _sex(sex: str, where: str) -> int:
    if sex not in _SEXES:
        raise UnknownNameError("sex", sex, _SEXES, where)
    return _SEXES.index(sex)


def reference_flow_fractions(sex: Sex = "male") -> dict[str, float]:
    """ICRP 89 fractions of cardiac output [-] of every link that carries an organ's blood.

    Keys: each organ bed of :data:`ICRP89_FLOW_PERCENT`, ``"hepatic_artery"``, ``"portal_vein"``
    (sum of :data:`PORTAL_ORGANS`), ``"liver"`` (hepatic artery + portal vein), ``"lungs"`` (1).

    Examples
    --------
    >>> f = reference_flow_fractions("male")
    >>> round(f["liver"], 4), round(f["portal_vein"], 4), f["lungs"]
    (0.255, 0.19, 1.0)
    """
    k = _sex(sex, "reference_flow_fractions")
    f = {o: v[k] / 100.0 for o, v in ICRP89_FLOW_PERCENT.items()}
    f["hepatic_artery"] = ICRP89_HEPATIC_ARTERY_PERCENT[sex] / 100.0
    f["portal_vein"] = sum(f[o] for o in PORTAL_ORGANS)
    f["liver"] = f["hepatic_artery"] + f["portal_vein"]
    f["lungs"] = 1.0
    return f


def reference_blood_volumes_l(sex: Sex = "male", total_l: float | None = None) -> dict[str, float]:
    """ICRP 89 regional blood volumes [L]: Table 2.14 percentages × total blood volume.

    Keys: the organs of :data:`ICRP89_BLOOD_VOLUME_PERCENT` and the central pools of
    :data:`ICRP89_CENTRAL_BLOOD_VOLUME_PERCENT`.

    Examples
    --------
    >>> v = reference_blood_volumes_l("male")
    >>> round(v["liver"], 6), round(v["pulmonary"], 6), round(sum(v.values()), 6)
    (0.53, 0.5565, 5.3)
    """
    k = _sex(sex, "reference_blood_volumes_l")
    tot = ICRP89_TOTAL_BLOOD_VOLUME_L[sex] if total_l is None else float(total_l)
    out = {o: v[k] / 100.0 * tot for o, v in ICRP89_BLOOD_VOLUME_PERCENT.items()}
    out.update({o: v[k] / 100.0 * tot for o, v in ICRP89_CENTRAL_BLOOD_VOLUME_PERCENT.items()})
    return out


def blood_viscosity_pa_s(sex: Sex = "male") -> float:
    """Apparent viscosity μ [Pa·s] of the reference blood in large vessels.

    μ = μ_plasma · η_rel(1 mm, H), the in-vivo law of Pries et al. (1994) at 1000 µm (where it
    has reached its large-vessel plateau) with the whole-body haematocrit H = erythrocyte
    volume / blood volume of ICRP 89 Table 2.12 (0.434 male, 0.385 female) and the plasma
    viscosity 1.39 mPa·s (:data:`pkdose.flow.rheology.PLASMA_VISCOSITY_PA_S`). The value scales
    every resistance alike, so the calibrated flows do not depend on it.

    Examples
    --------
    >>> round(blood_viscosity_pa_s("male") * 1e3, 2)   # mPa·s
    4.26
    """
    _sex(sex, "blood_viscosity_pa_s")
    hct = ICRP89_ERYTHROCYTE_VOLUME_L[sex] / ICRP89_TOTAL_BLOOD_VOLUME_L[sex]
    return float(PLASMA_VISCOSITY_PA_S * relative_viscosity_vivo(1000.0, hct))


def _positive(value: Any, kind: str, field: str, unit: str) -> float:
    q = as_quantity(value, kind, field)
    x = float(q.to(unit).magnitude)
    if not (math.isfinite(x) and x > 0):
        raise InputDataError([Violation("whole_body_network", None, field,
                                        f"a finite {kind} > 0", value)])
    return x


def _geometry(volume_m3: float, resistance: float, mu: float) -> tuple[float, float]:
    """Length and diameter [m] of a Hagen-Poiseuille pipe of given volume and resistance."""
    d = (512.0 * mu * volume_m3 / (math.pi**2 * resistance)) ** (1.0 / 6.0)
    return 4.0 * volume_m3 / (math.pi * d * d), d


def whole_body_network(sex: Sex = "male", *, cardiac_output: Any = None,
                       blood_volume: Any = None,
                       stenosis: Mapping[str, float] | None = None) -> VascularNetwork:
    """The ICRP 89 reference adult's circulation as a :class:`VascularNetwork` (see module).

    Parameters
    ----------
    sex : {"male", "female"}
    cardiac_output : Quantity, str or float, optional
        Cardiac output the network is calibrated to (e.g. ``"5 L/min"``; a bare number is
        L/h); default ICRP 89 Table 2.39 (6.5 L/min male, 5.9 L/min female). The ICRP
        fractions are kept.
    blood_volume : Quantity, str or float, optional
        Total blood volume (bare number: L); default ICRP 89 Table 2.12 (5.3 L, 3.9 L).
    stenosis : mapping of str to float, optional
        Fractional diameter reduction s (0 ≤ s < 1) of a vessel, applied *after*
        calibration, so the network no longer sits at its design point: an organ name
        narrows that organ's conducting artery ``<organ>_artery``; ``"hepatic_artery"`` and
        ``"portal_vein"`` narrow those pipes. The resistance rises by (1 − s)⁻⁴, the pipe
        volume falls by (1 − s)². See :data:`STENOSIS_SITES`.

    Returns
    -------
    VascularNetwork
        Head-loss law "H-P" with the viscosity of :func:`blood_viscosity_pa_s` (as ν = μ/ρ
        with the head convention ρ = 1000 kg/m³ of :mod:`pkdose.flow.vessels`), accuracy
        1e-12 and 50 iterations. Links named as in the module diagram.

    Raises
    ------
    UnknownNameError
        An unknown sex or stenosis site.
    InputDataError
        A stenosis outside [0, 1), or a non-positive cardiac output or blood volume.
    UnitError
        A cardiac output or blood volume of the wrong dimension.

    Examples
    --------
    >>> from pkdose.flow import solve_flow
    >>> sol = solve_flow(whole_body_network("male"), head_tol=1e-9)
    >>> q = sol.flow_m3s * 6e4                  # L/min
    >>> round(float(q["left_ventricle"]), 6), round(float(q["kidneys"] / q["left_ventricle"]), 6)
    (6.5, 0.19)
    >>> sten = solve_flow(whole_body_network("male", stenosis={"kidneys": 0.7}), head_tol=1e-9)
    >>> bool(sten.flow_m3s["kidneys"] < 0.5 * sol.flow_m3s["kidneys"])
    True
    """
    k = _sex(sex, "whole_body_network")
    co_l_h = (ICRP89_CARDIAC_OUTPUT_L_MIN[sex] * 60.0 if cardiac_output is None
              else _positive(cardiac_output, "flow", "cardiac_output", "L/h"))
    tbv_l = (ICRP89_TOTAL_BLOOD_VOLUME_L[sex] if blood_volume is None
             else _positive(blood_volume, "volume", "blood_volume", "L"))
    sten = dict(stenosis or {})
    bad: list[Violation] = []
    for site, s in sten.items():
        if site not in STENOSIS_SITES:
            raise UnknownNameError("stenosis site", site, STENOSIS_SITES, "whole_body_network")
        if isinstance(s, bool) or not (isinstance(s, (int, float)) and 0.0 <= s < 1.0):
            bad.append(Violation("whole_body_network", None, f"stenosis[{site!r}]",
                                 "a fractional diameter reduction in [0, 1)", s))
    if bad:
        raise InputDataError(bad)

    co = co_l_h / 3.6e6  # m³/s
    tbv = tbv_l * 1e-3   # m³
    mu = blood_viscosity_pa_s(sex)
    frac = reference_flow_fractions(sex)
    vol_pct = {o: v[k] / 100.0 for o, v in ICRP89_BLOOD_VOLUME_PERCENT.items()}
    central = {o: v[k] / 100.0 for o, v in ICRP89_CENTRAL_BLOOD_VOLUME_PERCENT.items()}
    P = {n: p * MMHG_PA for n, p in DESIGN_PRESSURE_MMHG.items()}

    pipes: list[Pipe] = []
    junctions: dict[str, float] = {}  # name -> design pressure [Pa] (for the record)

    def pipe(name: str, start: str, end: str, q: float, p_start: float, p_end: float,
             volume: float, site: str | None = None) -> None:
        length, d = _geometry(volume, (p_start - p_end) / q, mu)
        if site is not None:
            d *= 1.0 - sten.get(site, 0.0)  # narrowed along its whole length
        pipes.append(Pipe(name, start, end, length, d, 0.0))

    for n in ("right_ventricle_outflow", "pulmonary_trunk", "left_atrium", "left_ventricle_outflow",
              "aorta", "portal_confluence", "hepatic_sinusoids", "vena_cava"):
        junctions[n] = P[n]
    # central circulation
    pipe("right_heart", "right_ventricle_outflow", "pulmonary_trunk", co,
         P["right_ventricle_outflow"], P["pulmonary_trunk"], central["right_heart"] * tbv)
    pipe("lungs", "pulmonary_trunk", "left_atrium", co, P["pulmonary_trunk"], P["left_atrium"],
         central["pulmonary"] * tbv)
    pipe("left_heart", "left_ventricle_outflow", "aorta", co, P["left_ventricle_outflow"],
         P["aorta"], central["left_heart"] * tbv)
    # organ beds with their conducting arteries
    arteries = central["aorta_large_arteries"] * tbv
    for organ in ICRP89_FLOW_PERCENT:
        q = frac[organ] * co
        inlet = f"{organ}_inlet"
        junctions[inlet] = P["organ_inlet"]
        outlet = "portal_confluence" if organ in PORTAL_ORGANS else "vena_cava"
        pipe(f"{organ}_artery", "aorta", inlet, q, P["aorta"], P["organ_inlet"],
             arteries * frac[organ], site=organ)
        pipe(organ, inlet, outlet, q, P["organ_inlet"], P[outlet], vol_pct[organ] * tbv)
    # liver: hepatic artery beside the portal vein
    q_ha, q_pv = frac["hepatic_artery"] * co, frac["portal_vein"] * co
    pipe("hepatic_artery", "aorta", "hepatic_sinusoids", q_ha, P["aorta"], P["hepatic_sinusoids"],
         arteries * frac["hepatic_artery"], site="hepatic_artery")
    veins = central["large_veins"] * tbv
    pipe("portal_vein", "portal_confluence", "hepatic_sinusoids", q_pv, P["portal_confluence"],
         P["hepatic_sinusoids"], veins * q_pv / (co + q_pv), site="portal_vein")
    pipe("liver", "hepatic_sinusoids", "vena_cava", q_ha + q_pv, P["hepatic_sinusoids"],
         P["vena_cava"], vol_pct["liver"] * tbv)
    pipe("venae_cavae", "vena_cava", "right_atrium", co, P["vena_cava"], P["right_atrium"],
         veins * co / (co + q_pv))

    def head_gain(p_in: str, p_out: str) -> float:
        return pressure_to_head_m(P[p_out]) - pressure_to_head_m(P[p_in])

    pumps = (
        Pump("right_ventricle", "right_atrium", "right_ventricle_outflow",
             PumpCurve.from_points([(co, head_gain("right_atrium", "right_ventricle_outflow"))])),
        Pump("left_ventricle", "left_atrium", "left_ventricle_outflow",
             PumpCurve.from_points([(co, head_gain("left_atrium", "left_ventricle_outflow"))])),
    )
    notes = (
        f"ICRP 89 reference adult {sex}: cardiac output {co_l_h / 60.0:.6g} L/min, blood volume "
        f"{tbv_l:.6g} L, blood viscosity {mu * 1e3:.4g} mPa·s",
        "resistances calibrated to ICRP 89 Table 2.40 flow fractions at DESIGN_PRESSURE_MMHG; "
        "pipe volumes = ICRP 89 Table 2.14 regional blood volumes",
        *(f"stenosis {site}: diameter reduced by {s:.0%}" for site, s in sten.items() if s),
    )
    return VascularNetwork(
        name=f"whole-body circulation, ICRP 89 adult {sex}",
        junctions=tuple(Junction(n, 0.0, 0.0) for n in junctions),
        fixed_heads=(FixedHeadNode("right_atrium", pressure_to_head_m(P["right_atrium"])),),
        pipes=tuple(pipes), pumps=pumps, headloss="H-P", accuracy=1e-12, max_iter=50,
        viscosity_m2s=mu / HEAD_DENSITY_KG_M3, notes=notes,
    )
