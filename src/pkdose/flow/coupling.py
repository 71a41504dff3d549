"""From a solved whole-body network to PBPK parameters and an arterial input function.

Units: the flow solver is SI (m³/s, m³); everything here is in the canonical pkdose units:
flows in L/h (1 m³/s = 3.6e6 L/h), volumes in L (1 m³ = 1000 L), times in h, rate constants
in 1/h. The blood volume of a link is its geometric volume V = π d² L / 4, which
:func:`~pkdose.flow.wholebody.whole_body_network` makes equal to the ICRP 89 blood volume of
the region the link stands for; V/Q is then the region's mean transit time (plug flow: the time
a particle takes through the pipe; for a well-mixed region, the mean residence time).

References
----------
Levenspiel, O. (1999). *Chemical Reaction Engineering*, 3rd ed., Wiley, ch. 14 (the
tanks-in-series model: E(t) = tⁿ⁻¹ e^(−t/τ) / (τⁿ (n−1)!), mean nτ, variance nτ²).
Thompson, H. K., Starmer, C. F., Whalen, R. E. & McIntosh, H. D. (1964). Indicator transit time
considered as a gamma variate. *Circ. Res.* 14: 502-515.
Stewart, G. N. (1897). Researches on the circulation time and on the influences which affect it.
*J. Physiol.* 22: 159-183; Hamilton, W. F. et al. (1932) *Am. J. Physiol.* 99: 534-551
(indicator dilution: ∫ C dt = dose / Q).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammainc, gammaln

from pkdose.errors import InputDataError, UnknownNameError, Violation
from pkdose.flow.network import Pipe, Pump
from pkdose.flow.solver import FlowSolution
from pkdose.flow.wholebody import ICRP89_FLOW_PERCENT, PORTAL_ORGANS
from pkdose.model.builder import ModelBuilder
from pkdose.model.compartment_model import CompartmentModel
from pkdose.model.dosing import Bolus, Infusion

__all__ = [
    "M3S_TO_L_H",
    "Perfusion",
    "perfusion",
    "link_volumes_l",
    "link_transit_times_h",
    "path_transit_time_h",
    "ArterialInputKernel",
    "arterial_input_kernel",
    "flow_limited_pbpk",
]

M3S_TO_L_H = 3.6e6
"""L/h per m³/s."""

_EXCRETA = {"kidneys": "urine", "liver": "faeces"}


def link_volumes_l(solution: FlowSolution) -> dict[str, float]:
    """Geometric volume π d² L / 4 [L] of every pipe of the solved network."""
    return {p.name: math.pi * p.diameter_m**2 / 4.0 * p.length_m * 1e3
            for p in solution.network.pipes}


def link_transit_times_h(solution: FlowSolution) -> dict[str, float]:
    """Mean transit time V/|Q| [h] of every pipe (``inf`` where the flow is zero)."""
    vol = link_volumes_l(solution)
    out = {}
    for name, v in vol.items():
        q = abs(float(solution.flow_m3s[name])) * M3S_TO_L_H
        out[name] = v / q if q > 0 else math.inf
    return out


def path_transit_time_h(solution: FlowSolution, path: Sequence[str]) -> float:
    """Mean transit time [h] along a path of pipes: Σ V_k / |Q_k| (plug flow through each).

    Parameters
    ----------
    solution : FlowSolution
    path : sequence of str
        Pipe names in order (pumps carry no volume and may be named; they add nothing).

    Raises
    ------
    UnknownNameError
        A name that is not a link of the network.
    InputDataError
        Consecutive links that do not share a node.

    Examples
    --------
    >>> from pkdose.flow import solve_flow, whole_body_network
    >>> sol = solve_flow(whole_body_network(), head_tol=1e-9)
    >>> t = path_transit_time_h(sol, ["right_heart", "lungs", "left_ventricle", "left_heart"])
    >>> round(t * 3600, 3)   # s: (4.5 + 10.5 + 4.5) % of 5.3 L at 6.5 L/min
    9.54
    """
    net = solution.network
    all_links: list[Pipe | Pump] = [*net.pipes, *net.pumps]
    links = {lk.name: lk for lk in all_links}
    tt = link_transit_times_h(solution)
    total = 0.0
    prev: Pipe | Pump | None = None
    for name in path:
        if name not in links:
            raise UnknownNameError("link", name, links, "path_transit_time_h")
        lk = links[name]
        if prev is not None and not ({prev.start, prev.end} & {lk.start, lk.end}):
            raise InputDataError([Violation("path_transit_time_h", None, f"path {name!r}",
                                            f"a link joined to {prev.name!r}",
                                            f"{lk.start} -> {lk.end}")])
        total += tt.get(name, 0.0)
        prev = lk
    return total


@dataclass(frozen=True)
class Perfusion:
    """Organ blood flows and volumes of a solved whole-body network, in PBPK units.

    Attributes
    ----------
    organs : tuple of str
        The organ beds (ICRP 89 Table 2.40 rows) and ``"liver"``.
    flow_l_h : dict of str to float
        Blood flow [L/h] through each organ (liver: hepatic artery + portal vein).
    volume_l : dict of str to float
        Blood volume [L] of each organ (liver: liver bed + portal vein).
    cardiac_output_l_h : float
        Flow through the left ventricle [L/h].
    hepatic_artery_l_h, portal_vein_l_h : float
        The two inflows of the liver [L/h].
    lung_volume_l : float
        Pulmonary blood volume [L] (the ``lungs`` link).
    arterial_volume_l : float
        Left heart + every conducting artery + hepatic artery [L].
    venous_volume_l : float
        Venae cavae + right heart [L].
    central_volume_l : float
        Right heart + lungs + left heart [L], the first pass of a venous injection.
    portal_organs : tuple of str
        Organs draining into the liver.
    """

    organs: tuple[str, ...]
    flow_l_h: dict[str, float] = field(hash=False)
    volume_l: dict[str, float] = field(hash=False)
    cardiac_output_l_h: float
    hepatic_artery_l_h: float
    portal_vein_l_h: float
    lung_volume_l: float
    arterial_volume_l: float
    venous_volume_l: float
    central_volume_l: float
    portal_organs: tuple[str, ...] = PORTAL_ORGANS

    def transit_time_h(self, organ: str) -> float:
        """Mean transit time V/Q [h] of an organ's blood (``"lungs"`` allowed).

        Raises
        ------
        UnknownNameError
            Not an organ of this perfusion.
        """
        if organ == "lungs":
            return self.lung_volume_l / self.cardiac_output_l_h
        if organ not in self.flow_l_h:
            raise UnknownNameError("organ", organ, [*self.organs, "lungs"], "Perfusion")
        return self.volume_l[organ] / self.flow_l_h[organ]

    def central_transit_time_h(self) -> float:
        """Mean transit time [h] right heart → lungs → left heart at the cardiac output."""
        return self.central_volume_l / self.cardiac_output_l_h


def perfusion(solution: FlowSolution) -> Perfusion:
    """Organ flows [L/h] and blood volumes [L] of a solved :func:`whole_body_network`.

    Raises
    ------
    InputDataError
        The network lacks a link of the whole-body topology (every missing link listed).

    Examples
    --------
    >>> from pkdose.flow import solve_flow, whole_body_network
    >>> p = perfusion(solve_flow(whole_body_network("male"), head_tol=1e-9))
    >>> round(p.cardiac_output_l_h, 6), round(p.flow_l_h["kidneys"], 6)
    (390.0, 74.1)
    >>> round(p.volume_l["kidneys"], 6), round(p.transit_time_h("kidneys") * 3600, 3)   # L, s
    (0.106, 5.15)
    """
    q = solution.flow_m3s
    vol = link_volumes_l(solution)
    pumps = {p.name for p in solution.network.pumps}
    needed = [*ICRP89_FLOW_PERCENT, *(f"{o}_artery" for o in ICRP89_FLOW_PERCENT), "liver",
              "hepatic_artery", "portal_vein", "lungs", "right_heart", "left_heart", "venae_cavae"]
    missing = [n for n in needed if n not in vol]
    if "left_ventricle" not in pumps:
        missing.append("left_ventricle")
    if missing:
        raise InputDataError([Violation("perfusion", None, f"link {n!r}",
                                        "a link of the whole-body network (whole_body_network)",
                                        "missing") for n in missing])
    flows = {o: float(q[o]) * M3S_TO_L_H for o in ICRP89_FLOW_PERCENT}
    vols = {o: vol[o] for o in ICRP89_FLOW_PERCENT}
    flows["liver"] = float(q["liver"]) * M3S_TO_L_H
    vols["liver"] = vol["liver"] + vol["portal_vein"]
    arterial = vol["left_heart"] + vol["hepatic_artery"] + sum(
        vol[f"{o}_artery"] for o in ICRP89_FLOW_PERCENT)
    p = Perfusion(
        organs=(*ICRP89_FLOW_PERCENT, "liver"), flow_l_h=flows, volume_l=vols,
        cardiac_output_l_h=float(q["left_ventricle"]) * M3S_TO_L_H,
        hepatic_artery_l_h=float(q["hepatic_artery"]) * M3S_TO_L_H,
        portal_vein_l_h=float(q["portal_vein"]) * M3S_TO_L_H,
        lung_volume_l=vol["lungs"], arterial_volume_l=arterial,
        venous_volume_l=vol["venae_cavae"] + vol["right_heart"],
        central_volume_l=vol["right_heart"] + vol["lungs"] + vol["left_heart"],
    )
    return p


# ---------------------------------------------------------------------------------------------
# arterial input function of a venous injection: first pass through heart and lungs
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArterialInputKernel:
    """Transit-time density of right heart → lungs → left heart: n tanks in series.

    h(t) = tⁿ⁻¹ e^(−t/τ) / (τⁿ Γ(n)) [1/h], τ = T/n, mean T, variance T²/n (a gamma variate;
    Levenspiel 1999 ch. 14, Thompson et al. 1964). Convolved with a venous input rate r(t)
    [MBq/h] and divided by the cardiac output Q it gives the first-pass arterial concentration
    C_a(t) = (r ∗ h)(t) / Q [MBq/L] (no recirculation); ∫ C_a dt = dose / Q
    (Stewart-Hamilton).

    Attributes
    ----------
    mean_transit_time_h : float
        T [h].
    n_tanks : float
        n ≥ 1 (relative dispersion 1/√n).
    cardiac_output_l_h : float
        Q [L/h].
    """

    mean_transit_time_h: float
    n_tanks: float
    cardiac_output_l_h: float

    @property
    def tau_h(self) -> float:
        """τ = T/n [h], the mean residence time of one tank."""
        return self.mean_transit_time_h / self.n_tanks

    def density(self, t_h: ArrayLike) -> NDArray[np.float64]:
        """h(t) [1/h] at times t [h] (0 for t < 0; at t = 0, 1/τ for n = 1, else 0)."""
        t = np.asarray(t_h, dtype=float)
        n, tau = self.n_tanks, self.tau_h
        with np.errstate(divide="ignore", invalid="ignore"):
            logh = (n - 1.0) * np.log(t / tau) - t / tau - gammaln(n) - np.log(tau)
            at0 = 1.0 / tau if n == 1.0 else 0.0   # h(0⁺) = 1/τ for one tank, else 0
            out = np.where(t > 0, np.exp(logh), np.where(t == 0, at0, 0.0))
        return np.asarray(out, dtype=float)

    def cumulative(self, t_h: ArrayLike) -> NDArray[np.float64]:
        """∫₀ᵗ h dt' [-], the regularised incomplete gamma function P(n, t/τ)."""
        t = np.asarray(t_h, dtype=float)
        return np.asarray(np.where(t > 0, gammainc(self.n_tanks, np.maximum(t, 0) / self.tau_h),
                                   0.0), dtype=float)

    def arterial_concentration(self, times_h: ArrayLike,
                               injection: Bolus | Infusion | Iterable[Bolus | Infusion]
                               ) -> NDArray[np.float64]:
        """First-pass arterial concentration [MBq/L] of venous injections, at times [h].

        A bolus A at t₀ gives A h(t − t₀) / Q; an infusion of rate r from t₀ for D gives
        r [P(n, (t − t₀)/τ) − P(n, (t − t₀ − D)/τ)] / Q. Decay and recirculation are not
        included (use :func:`flow_limited_pbpk` for the whole course).

        Examples
        --------
        >>> from pkdose.model import Bolus
        >>> k = ArterialInputKernel(10 / 3600, 3.0, 390.0)
        >>> t = np.linspace(0, 120 / 3600, 24001)
        >>> c = k.arterial_concentration(t, Bolus("100 MBq", into="venous_blood"))
        >>> round(float(np.trapezoid(c, t) * 390.0), 6)    # Stewart-Hamilton: Q ∫C dt = dose
        100.0
        """
        t = np.asarray(times_h, dtype=float)
        doses = [injection] if isinstance(injection, (Bolus, Infusion)) else list(injection)
        c = np.zeros_like(t)
        for d in doses:
            if isinstance(d, Bolus):
                c += d.activity * self.density(t - d.at)
            elif isinstance(d, Infusion):
                c += d.rate * (self.cumulative(t - d.at) - self.cumulative(t - d.at - d.duration))
            else:
                raise InputDataError([Violation("arterial_concentration", None, "injection",
                                                "a Bolus or an Infusion", type(d).__name__)])
        return c / self.cardiac_output_l_h


def arterial_input_kernel(flows: Perfusion, *, n_tanks: float = 3.0) -> ArterialInputKernel:
    """The first-pass kernel of a venous injection from the network's central volumes.

    Mean transit time T = (V_right heart + V_lungs + V_left heart) / Q (cardiac output), i.e.
    the volume-over-flow of the three links in series (:meth:`Perfusion.central_transit_time_h`).
    ``n_tanks`` sets the dispersion only; the default 3 (one mixing stage per segment: right
    heart, lungs, left heart) is a modelling choice, not a fitted value.

    Raises
    ------
    InputDataError
        ``n_tanks`` < 1 or not finite.

    Examples
    --------
    >>> from pkdose.flow import solve_flow, whole_body_network
    >>> k = arterial_input_kernel(perfusion(solve_flow(whole_body_network(), head_tol=1e-9)))
    >>> round(k.mean_transit_time_h * 3600, 3), k.n_tanks
    (9.54, 3.0)
    """
    if not (isinstance(n_tanks, (int, float)) and math.isfinite(n_tanks) and n_tanks >= 1):
        raise InputDataError([Violation("arterial_input_kernel", None, "n_tanks",
                                        "a finite number >= 1", n_tanks)])
    return ArterialInputKernel(flows.central_transit_time_h(), float(n_tanks),
                               flows.cardiac_output_l_h)


# ---------------------------------------------------------------------------------------------
# flow-limited whole-body PBPK
# ---------------------------------------------------------------------------------------------

def flow_limited_pbpk(flows: Perfusion, *, nuclide: str | None = None,
                      organs: Iterable[str] | None = None,
                      partition: Mapping[str, float] | None = None,
                      extraction: Mapping[str, float] | None = None,
                      retention: Mapping[str, tuple[float, float]] | None = None,
                      name: str = "wholebody_pbpk") -> CompartmentModel:
    """A flow-limited whole-body PBPK :class:`CompartmentModel` with the network's perfusion.

    Compartments: ``venous_blood`` → ``lungs`` → ``arterial_blood`` → each organ → back to
    ``venous_blood``, portal organs → ``liver`` → ``venous_blood``. Organs not listed in
    ``organs`` are lumped into ``rest_systemic`` (draining to venous blood) and
    ``rest_portal`` (draining to the liver), flows and volumes summed, so the circulation
    stays closed. With amounts A [MBq], flows Q [L/h], blood volumes V [L] and partition
    coefficients K (organ : blood concentration ratio at equilibrium, default 1),

    .. math::

        \\frac{dA_o}{dt} = Q_o\\,\\frac{A_{art}}{V_{art}} - Q_o\\,\\frac{A_o}{K_o V_o}

    i.e. transfers arterial_blood → o at Q_o/V_art and o → its outlet at Q_o/(K_o V_o)
    [1/h]; venous_blood → lungs at Q_co/V_ven, lungs → arterial_blood at
    Q_co/(K_lungs V_lungs). With an extraction ratio E_o a fraction E_o of the organ's outflow
    goes to a sink (kidneys → ``urine``, liver → ``faeces``, others → ``excreta``), the rest on:
    rates (1 − E_o) Q_o/(K_o V_o) and E_o Q_o/(K_o V_o) (organ blood clearance E_o Q_o).
    With a retention (U_o, k_o) a fraction U_o of the organ's outflow is taken up into a
    tissue-bound compartment ``<organ>_bound`` (receptor binding, tubular reabsorption) that
    releases it back to the organ's outlet at k_o [1/h]; uptake is then proportional to the
    organ's flow, so a stenosis lowers it — the behaviour of retained radiopharmaceuticals
    (peptides in the kidneys), unlike a blood-pool tracer whose organ activity follows the
    arterial concentration whatever the flow. The organ and its bound compartment form the group
    ``<organ>_total`` (the activity an image of the organ sees).

    The rates are expressions of parameters ``Q_<c>`` [L/h], ``V_<c>`` [L], ``K_<c>`` and
    ``E_<c>`` [-] whose defaults are the network's values, so ``simulate(model, {...})`` can
    still override one. A network with a stenosis gives other defaults and hence other kinetics.

    Parameters
    ----------
    flows : Perfusion
        From :func:`perfusion` of a solved network.
    nuclide : str, optional
        Parent nuclide (decay and progeny as :class:`~pkdose.model.ModelBuilder`).
    organs : iterable of str, optional
        Organs modelled explicitly (default all of ``flows.organs``); the liver is always
        explicit.
    partition : mapping of str to float, optional
        K per compartment (organs and ``"lungs"``), > 0. Default 1 (a blood-pool tracer).
    extraction : mapping of str to float, optional
        E per explicit organ, in [0, 1].
    retention : mapping of str to (float, float), optional
        Per explicit organ: (U, k_release [1/h]) with U in (0, 1] the fraction of the organ's
        blood outflow taken up and retained, and k_release ≥ 0 its release rate (0: retained
        until it decays). E + U must not exceed 1.
    name : str

    Returns
    -------
    CompartmentModel

    Raises
    ------
    UnknownNameError
        An organ, partition or extraction key that is not a compartment of the model.
    InputDataError
        A partition ≤ 0 or an extraction outside [0, 1] (all listed at once).

    Examples
    --------
    >>> from pkdose.flow import solve_flow, whole_body_network
    >>> p = perfusion(solve_flow(whole_body_network(), head_tol=1e-9))
    >>> m = flow_limited_pbpk(p, organs=["kidneys", "spleen"], extraction={"kidneys": 0.2})
    >>> m.compartments
    ('venous_blood', 'lungs', 'arterial_blood', 'liver', 'kidneys', 'spleen', 'rest_systemic', 'rest_portal')
    >>> round(m.default_values["Q_kidneys"], 6), m.sinks
    (74.1, ('urine',))
    """
    all_organs = tuple(flows.organs)
    chosen = list(all_organs) if organs is None else list(dict.fromkeys(organs))
    for o in chosen:
        if o not in all_organs:
            raise UnknownNameError("organ", o, all_organs, f"flow_limited_pbpk {name}")
    if "liver" not in chosen:
        chosen.append("liver")
    portal = set(flows.portal_organs)
    sys_explicit = [o for o in chosen if o not in portal and o != "liver"]
    por_explicit = [o for o in chosen if o in portal]
    rest_sys = [o for o in all_organs if o not in portal and o != "liver" and o not in chosen]
    rest_por = [o for o in all_organs if o in portal and o not in chosen]

    Q: dict[str, float] = {o: flows.flow_l_h[o] for o in chosen}
    V: dict[str, float] = {o: flows.volume_l[o] for o in chosen}
    if rest_sys:
        Q["rest_systemic"] = sum(flows.flow_l_h[o] for o in rest_sys)
        V["rest_systemic"] = sum(flows.volume_l[o] for o in rest_sys)
    if rest_por:
        Q["rest_portal"] = sum(flows.flow_l_h[o] for o in rest_por)
        V["rest_portal"] = sum(flows.volume_l[o] for o in rest_por)
    tissue = ["liver", *sys_explicit, *por_explicit, *(["rest_systemic"] if rest_sys else []),
              *(["rest_portal"] if rest_por else [])]
    drains_to_liver = set(por_explicit) | ({"rest_portal"} if rest_por else set())

    known_k = ["lungs", *tissue]
    part = dict(partition or {})
    ext = dict(extraction or {})
    ret = dict(retention or {})
    for key in ret:
        if key not in tissue:
            raise UnknownNameError("organ", key, tissue, f"retention of {name}")
    for key in part:
        if key not in known_k:
            raise UnknownNameError("compartment", key, known_k, f"partition of {name}")
    for key in ext:
        if key not in tissue:
            raise UnknownNameError("organ", key, tissue, f"extraction of {name}")
    bad = [Violation("flow_limited_pbpk", None, f"partition[{k!r}]", "a finite number > 0", v)
           for k, v in part.items()
           if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v)
                                          and v > 0)]
    bad += [Violation("flow_limited_pbpk", None, f"extraction[{k!r}]", "a number in [0, 1]", v)
            for k, v in ext.items()
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and 0.0 <= v <= 1.0)]
    for k, v in ret.items():
        ok = (isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                           and math.isfinite(x) for x in v))
        if not ok or not (0.0 < v[0] <= 1.0 and v[1] >= 0.0):
            bad.append(Violation("flow_limited_pbpk", None, f"retention[{k!r}]",
                                 "(U in (0, 1], k_release >= 0 per hour)", v))
        elif v[0] + float(ext.get(k, 0.0)) > 1.0:
            bad.append(Violation("flow_limited_pbpk", None, f"retention[{k!r}]",
                                 "U + extraction E <= 1", (v[0], ext.get(k))))
    if bad:
        raise InputDataError(bad)

    b = ModelBuilder(name, nuclide=nuclide)
    for c in ("venous_blood", "lungs", "arterial_blood", *tissue):
        b.add_compartment(c, group="blood" if c in ("venous_blood", "arterial_blood") else None)
    b.add_parameter("Q_co", flows.cardiac_output_l_h, "L/h")
    b.add_parameter("V_venous_blood", flows.venous_volume_l, "L")
    b.add_parameter("V_arterial_blood", flows.arterial_volume_l, "L")
    b.add_parameter("V_lungs", flows.lung_volume_l, "L")
    b.add_transfer("venous_blood", "lungs", "Q_co / V_venous_blood")
    if "lungs" in part:
        b.add_parameter("K_lungs", part["lungs"], "")
        b.add_transfer("lungs", "arterial_blood", "Q_co / (K_lungs * V_lungs)")
    else:
        b.add_transfer("lungs", "arterial_blood", "Q_co / V_lungs")
    sinks: dict[str, None] = {}
    for c in tissue:
        b.add_parameter(f"Q_{c}", Q[c], "L/h")
        b.add_parameter(f"V_{c}", V[c], "L")
        out = f"Q_{c} / V_{c}"
        if c in part:
            b.add_parameter(f"K_{c}", part[c], "")
            out = f"Q_{c} / (K_{c} * V_{c})"
        if c != "liver":
            b.add_transfer("arterial_blood", c, f"Q_{c} / V_arterial_blood")
        target = "liver" if c in drains_to_liver else "venous_blood"
        keep = ""
        if c in ret:
            bound = f"{c}_bound"
            b.add_compartment(bound)
            b.add_group(f"{c}_total", [c, bound])
            b.add_parameter(f"U_{c}", ret[c][0], "")
            b.add_parameter(f"k_{c}_release", ret[c][1], "1/h")
            b.add_transfer(c, bound, f"U_{c} * {out}")
            if ret[c][1] > 0:
                b.add_transfer(bound, target, f"k_{c}_release")
            keep = f" - U_{c}"
        if c in ext and ext[c] > 0:
            sink = _EXCRETA.get(c, "excreta")
            if sink not in sinks:
                b.add_sink(sink)
                sinks[sink] = None
            b.add_parameter(f"E_{c}", ext[c], "")
            b.add_transfer(c, sink, f"E_{c} * {out}")
            b.add_transfer(c, target, f"(1 - E_{c}{keep}) * {out}")
        elif keep:
            b.add_transfer(c, target, f"(1{keep}) * {out}")
        else:
            b.add_transfer(c, target, out)
    # the liver's arterial supply is the hepatic artery (its portal inflow comes from organs)
    b.add_parameter("Q_hepatic_artery", flows.hepatic_artery_l_h, "L/h")
    b.add_transfer("arterial_blood", "liver", "Q_hepatic_artery / V_arterial_blood")
    return b.build()
