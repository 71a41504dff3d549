# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Blood flow: the whole-body circulation, the arterial input and organ kinetics
#
# Organ uptake of a radiopharmaceutical starts with the blood that reaches the organ. This
# notebook builds the circulation of the ICRP Publication 89 reference adult as a network of
# vessels, solves it for the flows, and follows the consequences to kinetics and dose:
#
# 1. **the network**: the heart as two pumps in series, the lungs in series with the body, the
#    organ beds in parallel, the gut, pancreas and spleen draining through the portal vein into
#    the liver. Each vessel's resistance is calibrated so that the solved flows are the ICRP 89
#    fractions of cardiac output, and each vessel's volume is the ICRP 89 blood volume of the
#    region it stands for;
# 2. **transit times** of blood through each organ (volume over flow), and the **arterial input
#    function**: what an intravenous injection looks like in arterial blood after its first pass
#    through the heart and lungs;
# 3. **a changed network**: one artery is narrowed (a stenosis), the network is solved again, and a
#    whole-body physiologically based kinetic model built from each network shows how organ
#    time-activity curves, time-integrated activities (TIA) and absorbed doses change.
#
# The network is an equivalent circuit, not anatomy: one pipe per organ bed. Numbers in the tables
# are rounded to three significant figures.

# %% tags=["parameters"]
sex = "male"                  # ICRP 89 reference adult: "male" or "female"
cardiac_output = None         # e.g. "5 L/min" (a bare number is L/h); None: ICRP 89 reference
stenosis_organ = "kidneys"    # organ whose conducting artery is narrowed, or "hepatic_artery"/"portal_vein"
stenosis_fraction = 0.6       # fraction by which the vessel diameter is reduced (at least 0, below 1)
nuclide = "Lu-177"            # nuclide of the administered radiopharmaceutical
activity_MBq = 7400.0         # administered activity, intravenous bolus
kidney_extraction = 0.1       # fraction of renal blood flow cleared per pass (to urine)
liver_extraction = 0.05       # fraction of hepatic blood flow cleared per pass (to faeces)
kidney_retention = 0.003      # fraction of renal blood flow taken up and retained per pass (0: none)
kidney_release_half_life_h = 50.0  # biological half-life of the retained renal activity
n_tanks = 3.0                 # mixing stages of the first-pass kernel (right heart, lungs, left heart)

# %% tags=["remove-cell"]
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from IPython.display import HTML, Markdown, display

import pkdose
from pkdose.dosimetry.regions import REFERENCE_RED_MARROW_KG
from pkdose.dosimetry.regions import SOURCES as REGION_SOURCES
from pkdose.dosimetry.svalues import local_absorption_s_value
from pkdose.flow import (Dispersion, arterial_input_kernel, flow_limited_pbpk, indicator_dilution, link_transit_times_h,
                         link_volumes_l, perfusion, simulate_transit, solve_flow, whole_body_network)
from pkdose.flow.wholebody import (ICRP89_BLOOD_VOLUME_PERCENT, ICRP89_CARDIAC_OUTPUT_L_MIN, ICRP89_FLOW_PERCENT,
                                   ICRP89_HEPATIC_ARTERY_PERCENT, ICRP89_LIVER_TOTAL_PERCENT,
                                   ICRP89_TOTAL_BLOOD_VOLUME_L, MMHG_PA, PORTAL_ORGANS, STENOSIS_SITES,
                                   reference_flow_fractions)
from pkdose.flow.vessels import head_to_pressure_pa
from pkdose.model import Bolus, Infusion
from pkdose.nuclides import get_nuclide
from pkdose.provenance import Source
from pkdose.report import check_text, package_versions, parameter_table, source_table, table

PARAMETERS = {"sex": sex, "cardiac_output": cardiac_output, "stenosis_organ": stenosis_organ,
              "stenosis_fraction": stenosis_fraction, "nuclide": nuclide, "activity_MBq": activity_MBq,
              "kidney_extraction": kidney_extraction, "liver_extraction": liver_extraction,
              "kidney_retention": kidney_retention, "kidney_release_half_life_h": kidney_release_half_life_h, "n_tanks": n_tanks}
if stenosis_organ not in STENOSIS_SITES:
    raise ValueError(f"stenosis_organ must be one of {STENOSIS_SITES}, got {stenosis_organ!r}")
col = 0 if sex == "male" else 1
L_MIN = 60.0                     # L/h per L/min
HEAD_TOL = 1e-9                  # m of head: solve to far below any printed digit


def label(name: str) -> str:
    """A display name for a network organ or vessel (escaped: it can come from a parameter)."""
    return escape(name.replace("_", " "))


network = whole_body_network(sex, cardiac_output=cardiac_output)
solution = solve_flow(network, head_tol=HEAD_TOL)
flows = perfusion(solution)
co = flows.cardiac_output_l_h
volumes = link_volumes_l(solution)
transit = link_transit_times_h(solution)
blood_volume_l = sum(volumes.values())

# %% [markdown]
# ## The reference circulation
#
# The left ventricle pumps the cardiac output into the aorta; every organ bed has its own
# conducting artery and drains into the venae cavae, except the stomach and oesophagus,
# intestines, pancreas and spleen, whose blood passes through the portal vein and the liver
# first. The liver also has its own arterial supply (hepatic artery). The right ventricle pumps the
# returning blood through the lungs back to the left heart.

# %%
facts = [("Reference adult", f"ICRP 89 {sex}"),
         ("Cardiac output", f"{co / L_MIN:.3g} L/min"
          + (" (ICRP 89 reference)" if cardiac_output is None
             else f" (set; ICRP 89 reference {ICRP89_CARDIAC_OUTPUT_L_MIN[sex]:g} L/min)")),
         ("Blood volume", f"{blood_volume_l:.3g} L (ICRP 89: {ICRP89_TOTAL_BLOOD_VOLUME_L[sex]:g} L)"),
         ("Network", f"{len(network.pipes)} vessels, {len(network.pumps)} pumps (ventricles), "
                     f"{len(network.junctions) + len(network.fixed_heads)} nodes"),
         ("Solver", f"Global Gradient Algorithm (EPANET), Hagen-Poiseuille head loss, "
                    f"{solution.iterations} iterations"),
         ("Kirchhoff (worst junction)", f"{abs(solution.junction_imbalance_m3s()).max() * 6e4:.1e} L/min")]
display(HTML("<table>" + "".join(f"<tr><th style='text-align:left'>{escape(k)}</th><td>{escape(v)}</td></tr>"
                                 for k, v in facts) + "</table>"))

# %% [markdown]
# **Organ flows and blood volumes.** Flow through each organ bed as solved, as a share of the
# cardiac output, against the ICRP 89 reference distribution (Table 2.40), and the blood volume
# of each bed against the ICRP 89 regional blood volumes (Table 2.14). The liver's flow is the
# hepatic artery plus the portal vein; the liver's blood volume here is the liver bed alone
# (in the kinetic model below the portal vein's blood is added to it). A difference column of
# zero means the calibration reproduces the reference.

# %%
q = solution.flow_m3s * 3.6e6          # L/h per link
ref_frac = reference_flow_fractions(sex)
rows = []
for organ in flows.organs:
    if organ == "liver":
        ref_pct = ICRP89_LIVER_TOTAL_PERCENT[sex]
        ref_vol = ICRP89_BLOOD_VOLUME_PERCENT["liver"][col]
    else:
        ref_pct = ICRP89_FLOW_PERCENT[organ][col]
        ref_vol = ICRP89_BLOOD_VOLUME_PERCENT[organ][col]
    pct = 100 * flows.flow_l_h[organ] / co
    vol_pct = 100 * volumes[organ] / blood_volume_l
    rows.append({"organ bed": organ, "drains to": "portal vein" if organ in PORTAL_ORGANS else "venae cavae",
                 "flow [L/min]": flows.flow_l_h[organ] / L_MIN, "% of cardiac output": pct,
                 "ICRP 89 %": ref_pct, "difference [% points]": pct - ref_pct,
                 "blood volume [L]": volumes[organ], "% of blood volume": vol_pct,
                 "ICRP 89 % (volume)": ref_vol, "difference (volume) [% points]": vol_pct - ref_vol})
for vessel, ref_pct in (("hepatic_artery", ICRP89_HEPATIC_ARTERY_PERCENT[sex]),
                        ("portal_vein", 100 * ref_frac["portal_vein"])):
    pct = 100 * q[vessel] / co
    rows.append({"organ bed": vessel, "drains to": "liver", "flow [L/min]": q[vessel] / L_MIN,
                 "% of cardiac output": pct, "ICRP 89 %": ref_pct, "difference [% points]": pct - ref_pct,
                 "blood volume [L]": volumes[vessel], "% of blood volume": 100 * volumes[vessel] / blood_volume_l,
                 "ICRP 89 % (volume)": np.nan, "difference (volume) [% points]": np.nan})
flow_table = pd.DataFrame(rows)
flow_table["difference [% points]"] = flow_table["difference [% points]"].round(9) + 0.0   # no "-0"
flow_table["difference (volume) [% points]"] = flow_table["difference (volume) [% points]"].round(9) + 0.0
display(table(flow_table))
if sex == "female":
    display(Markdown(
        "*Liver (female): ICRP 89 Table 2.40 prints a total liver flow of 27.0 %, but its own column "
        "(hepatic artery 6.5 % plus the portal organs) adds up to 27.5 %. The network follows the column so "
        "that blood is conserved; the 0.5 % point difference above is that inconsistency of the table.*"))
display(Markdown(
    "*The ICRP 89 regional volumes cover the organ beds, heart chambers, pulmonary circulation and large "
    "vessels. The hepatic artery and portal vein have no row of their own: the aorta and large arteries "
    "(6 %) are shared among the conducting arteries and the large veins (18 %) between the venae cavae and "
    "the portal vein, each in proportion to its flow (an assumption of the network, not ICRP's).*"))

# %% [markdown]
# **Where the cardiac output goes.** Band widths are flows. Blood leaves the left ventricle
# through the organ beds (and the hepatic artery) and returns through the venae cavae to the
# right heart and the lungs; the portal organs pass their blood through the liver on the way.
# Hover over a band for its flow.

# %%
def sankey(flows, title):
    """Left ventricle → organ beds (→ portal vein → liver) → venae cavae → right heart → lungs."""
    beds = [o for o in flows.organs if o != "liver"]
    beds.sort(key=lambda o: (o in PORTAL_ORGANS, -flows.flow_l_h[o]))
    names = ["left ventricle", *beds, "hepatic artery", "portal vein", "liver", "venae cavae",
             "right heart", "lungs"]
    idx = {n: i for i, n in enumerate(names)}
    links = [("left ventricle", o, flows.flow_l_h[o], "rgba(214,39,40,0.35)") for o in beds]
    links.append(("left ventricle", "hepatic artery", flows.hepatic_artery_l_h, "rgba(214,39,40,0.35)"))
    links.append(("hepatic artery", "liver", flows.hepatic_artery_l_h, "rgba(214,39,40,0.35)"))
    links += [(o, "portal vein" if o in PORTAL_ORGANS else "venae cavae", flows.flow_l_h[o],
               "rgba(148,103,189,0.4)" if o in PORTAL_ORGANS else "rgba(31,119,180,0.35)") for o in beds]
    links.append(("portal vein", "liver", flows.portal_vein_l_h, "rgba(148,103,189,0.4)"))
    links.append(("liver", "venae cavae", flows.flow_l_h["liver"], "rgba(31,119,180,0.35)"))
    links.append(("venae cavae", "right heart", flows.cardiac_output_l_h, "rgba(31,119,180,0.35)"))
    links.append(("right heart", "lungs", flows.cardiac_output_l_h, "rgba(31,119,180,0.35)"))
    node_color = ["#d62728" if n == "left ventricle" else "#9467bd" if n in PORTAL_ORGANS or n == "portal vein"
                  else "#1f77b4" if n in ("venae cavae", "right heart", "lungs") else "#7f7f7f" for n in names]
    fig = go.Figure(go.Sankey(
        valueformat=".3g", valuesuffix=" L/min", arrangement="snap",
        node={"label": [label(n) for n in names], "color": node_color, "pad": 6, "thickness": 14,
              "line": {"width": 0}},
        link={"source": [idx[a] for a, *_ in links], "target": [idx[b] for _, b, *_ in links],
              "value": [v / L_MIN for _, _, v, _ in links], "color": [c for *_, c in links]}))
    fig.update_layout(title=title, height=700, font_size=11, template="plotly_white",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


sankey(flows, f"Distribution of the cardiac output, ICRP 89 reference {escape(sex)} "
              f"({co / L_MIN:.3g} L/min)").show()

# %% [markdown]
# ## Transit times and the arterial input function
#
# **Mean transit time** of an organ bed is its blood volume over its blood flow, $T = V/Q$: the
# mean time a blood particle spends in the bed. The conducting artery before each bed adds its
# own (short) time. The central circulation (right heart, lungs, left heart, all at the cardiac
# output) takes the time an intravenous injection needs to reach the arteries.

# %%
tt_rows = [{"organ bed": o, "flow [L/min]": flows.flow_l_h[o] / L_MIN, "blood volume [L]": volumes[o],
            "mean transit time [s]": 3600 * transit[o],
            "with its artery [s]": 3600 * (transit[o] + transit.get(f"{o}_artery", transit.get("hepatic_artery")))}
           for o in flows.organs]
tt_rows += [{"organ bed": v, "flow [L/min]": abs(q[v]) / L_MIN, "blood volume [L]": volumes[v],
             "mean transit time [s]": 3600 * transit[v], "with its artery [s]": np.nan}
            for v in ("right_heart", "lungs", "left_heart", "portal_vein", "venae_cavae")]
# longest first; beds whose times agree to 1e-6 s (equal volume/flow ratios) in name order, not round-off order
transit_table = (pd.DataFrame(tt_rows).assign(_t=lambda d: d["mean transit time [s]"].round(6))
                 .sort_values(["_t", "organ bed"], ascending=[False, True], ignore_index=True).drop(columns="_t"))
display(table(transit_table))
display(Markdown(
    f"*Whole circulation: blood volume / cardiac output = {blood_volume_l:.3g} L / {co / L_MIN:.3g} L/min = "
    f"{60 * blood_volume_l / (co / L_MIN):.3g} s. The liver's time is that of the liver bed; blood from the portal "
    f"organs spends its organ's time, the portal vein's and the liver's in turn.*"))

# %% [markdown]
# **Arterial input function.** After an intravenous injection the activity reaches the arteries
# only after passing the right heart, the lungs and the left heart, and is spread out on the
# way. The first pass is modelled as $n$ well-mixed tanks in series with the central mean transit
# time $T$ (a gamma-variate transit-time density, the classic indicator-dilution shape),
#
# $$h(t) = \frac{t^{n-1} e^{-t/\tau}}{\tau^n\, \Gamma(n)}, \qquad \tau = T/n,$$
#
# and the arterial concentration of a venous input rate $r(t)$ is $C_a = (r * h)/Q$ with $Q$
# the cardiac output, so that $Q \int C_a\,dt$ is the injected activity (Stewart-Hamilton).
# Recirculation and decay are not included: this is the first pass only, seconds after the
# injection. A short infusion spreads the same activity over its duration and lowers the peak.

# %%
kernel = arterial_input_kernel(flows, n_tanks=n_tanks)
INFUSION_S = 30.0
t_s = np.linspace(0.0, 60.0, 601)
injections = {"bolus": Bolus(f"{activity_MBq} MBq", into="venous_blood"),
              f"{INFUSION_S:g} s infusion": Infusion(f"{activity_MBq} MBq", duration=f"{INFUSION_S} s",
                                                     into="venous_blood")}
aif = {name: kernel.arterial_concentration(t_s / 3600, inj) for name, inj in injections.items()}
fig = go.Figure()
for (name, c), dash in zip(aif.items(), ("solid", "dot")):
    fig.add_trace(go.Scatter(x=t_s, y=c, mode="lines", name=escape(name), line={"dash": dash, "width": 2}))
fig.update_layout(title=f"First-pass arterial concentration after {activity_MBq:g} MBq intravenously "
                        f"(T = {3600 * kernel.mean_transit_time_h:.3g} s, n = {kernel.n_tanks:g})",
                  xaxis_title="time after the start of the injection [s]",
                  yaxis_title="arterial concentration [MBq/L]", template="plotly_white", height=420)
fig.show()
aif_rows = []
for name, c in aif.items():
    i = int(np.argmax(c))
    aif_rows.append({"injection": name, "peak [MBq/L]": float(c[i]), "time of peak [s]": float(t_s[i]),
                     "Q ∫C dt / injected": float(np.trapezoid(c, t_s / 3600) * co / activity_MBq)})
aif_table = pd.DataFrame(aif_rows)
display(table(aif_table))
display(Markdown("*The last column is the Stewart-Hamilton check over the first minute: 1 when the whole "
                 "injection has passed.*"))

# %% [markdown]
# **With recirculation.** The same bolus routed through the whole network
# (`pkdose.flow.simulate_transit`: plug flow through every vessel and organ bed as in EPANET's
# water-quality model, plus dispersion: half of each link's volume as two mixing tanks), so that
# activity leaving the organs returns through the veins and passes again. The arterial curve then
# shows the first pass, a recirculation hump from the short organ circuits (kidneys, brain, heart),
# and the approach to complete mixing, activity / total blood volume. The classical
# indicator-dilution analysis recovers the cardiac output from the full curve only when the first
# pass is separated from the recirculation (a gamma variate fitted to the first pass, Thompson et
# al. 1964; here the first pass is plug delays and mixing tanks in series, not exactly a gamma
# variate, and the fit is within 1 %); the plain area under the whole curve does not.

# %%
transit_disp = Dispersion(2, 0.5)
TRANSIT_MIN = 3.0
full = simulate_transit(solution, Bolus(f"{activity_MBq} MBq", into="right_atrium"), duration=f"{TRANSIT_MIN} min",
                        dispersion=transit_disp, record=["aorta", "vena_cava"])
first_pass = simulate_transit(solution, Bolus(f"{activity_MBq} MBq", into="right_atrium"),
                              duration=f"{TRANSIT_MIN} min", dispersion=transit_disp,
                              absorbing_nodes=["vena_cava"], record=["aorta"])
c_full, c_first = full.concentration("aorta"), first_pass.concentration("aorta")
fig = go.Figure()
fig.add_trace(go.Scatter(x=3600 * c_full.index, y=c_full.to_numpy(), mode="lines", name="with recirculation"))
fig.add_trace(go.Scatter(x=3600 * c_first.index, y=c_first.to_numpy(), mode="lines", name="first pass only",
                         line={"dash": "dot"}))
fig.add_hline(y=activity_MBq / full.total_volume_l, line={"dash": "dash", "color": "grey"},
              annotation_text="complete mixing: activity / blood volume")
fig.update_layout(title=f"Arterial (aortic) concentration after {activity_MBq:g} MBq into the right atrium",
                  xaxis_title="time after the injection [s]", yaxis_title="arterial concentration [MBq/L]",
                  template="plotly_white", height=420)
fig.show()
dilution = {"area under the whole curve": indicator_dilution(c_full, activity_MBq),
            "gamma variate fitted to the first pass": indicator_dilution(
                c_full, activity_MBq, method="gamma_variate", injection_time_h=full.time_step_h / 2),
            "area of the first pass alone (recirculation cut)": indicator_dilution(c_first, activity_MBq)}
sh_table = pd.DataFrame([{"analysis": k, "cardiac output [L/min]": v.flow_l_h / L_MIN,
                          "/ network cardiac output": v.flow_l_h / co} for k, v in dilution.items()])
display(table(sh_table))
display(Markdown(f"*Mass balance of the transit run: {float(full.balance_residual_mbq.abs().max()):.1e} MBq of "
                 f"{activity_MBq:g} MBq; blood volume of the network {full.total_volume_l:.3g} L.*"))

# %% [markdown]
# ## A changed network: stenosis
#
# The conducting artery of one organ is narrowed along its length by the fractional diameter
# reduction $s$. Its Hagen-Poiseuille resistance rises by $(1-s)^{-4}$, its volume falls by
# $(1-s)^2$, and the whole network is solved again: the narrowed bed loses flow, the pressure
# in the aorta rises a little as the ventricles (fixed pump curves) deliver less, and every other
# bed gains a little. There is no autoregulation or reflex in the model: it shows the passive,
# haemodynamic effect of the narrowing alone.

# %%
network_s = whole_body_network(sex, cardiac_output=cardiac_output, stenosis={stenosis_organ: stenosis_fraction})
solution_s = solve_flow(network_s, head_tol=HEAD_TOL)
flows_s = perfusion(solution_s)
q_s = solution_s.flow_m3s * 3.6e6
vessels = [*flows.organs, "hepatic_artery", "portal_vein"]


def vessel_flow(link_flows, p, name: str) -> float:
    """Flow [L/h] of an organ bed (liver: hepatic artery + portal vein) or of a single vessel."""
    return p.flow_l_h[name] if name in p.flow_l_h else float(link_flows[name])


change = pd.DataFrame([{"organ bed": v,
                        "before [L/min]": vessel_flow(q, flows, v) / L_MIN,
                        "after [L/min]": vessel_flow(q_s, flows_s, v) / L_MIN,
                        "after / before": vessel_flow(q_s, flows_s, v) / vessel_flow(q, flows, v),
                        "% of cardiac output after": 100 * vessel_flow(q_s, flows_s, v) / flows_s.cardiac_output_l_h}
                       for v in vessels])
change = pd.concat([pd.DataFrame([{"organ bed": "cardiac output", "before [L/min]": co / L_MIN,
                                   "after [L/min]": flows_s.cardiac_output_l_h / L_MIN,
                                   "after / before": flows_s.cardiac_output_l_h / co,
                                   "% of cardiac output after": 100.0}]), change], ignore_index=True)
aorta_mmhg = {k: head_to_pressure_pa(s.head_m["aorta"] - s.head_m["right_atrium"]) / MMHG_PA
              for k, s in (("before", solution), ("after", solution_s))}
display(HTML(f"<p>Stenosis: <strong>{label(stenosis_organ)}</strong>, diameter reduced by "
             f"<strong>{100 * stenosis_fraction:.3g} %</strong> (resistance × {(1 - stenosis_fraction) ** -4:.3g}). "
             f"Aortic minus right-atrial pressure: {aorta_mmhg['before']:.3g} → {aorta_mmhg['after']:.3g} mmHg. "
             f"Blood volume: {blood_volume_l:.3g} → {sum(link_volumes_l(solution_s).values()):.3g} L "
             f"(the narrowed vessel holds less blood).</p>"))
display(table(change))

fig = go.Figure()
order = change.sort_values("before [L/min]", ascending=False)
order = order[order["organ bed"] != "cardiac output"]
for when, color in (("before", "#1f77b4"), ("after", "#d62728")):
    fig.add_trace(go.Bar(x=[label(v) for v in order["organ bed"]], y=order[f"{when} [L/min]"],
                         name=f"{when} the stenosis", marker_color=color,
                         customdata=order["after / before"],
                         hovertemplate="%{x}: %{y:.3g} L/min (after/before %{customdata:.3g})<extra></extra>"))
fig.update_layout(barmode="group", title=f"Organ blood flows before and after a {100 * stenosis_fraction:.3g} % "
                                         f"stenosis of the {label(stenosis_organ)} artery",
                  yaxis_title="blood flow [L/min]", template="plotly_white", height=450, xaxis_tickangle=-45)
fig.show()

# %% [markdown]
# ### Organ kinetics from the two networks
#
# A flow-limited whole-body kinetic model is built from each solved network: venous blood → lungs
# → arterial blood → every organ → venous blood (the portal organs through the liver), with the
# network's flows $Q_o$ and blood volumes $V_o$:
#
# $$\frac{dA_o}{dt} = Q_o \frac{A_{art}}{V_{art}} - Q_o \frac{A_o}{V_o} - \lambda A_o .$$
#
# The tracer here stays in the blood (partition coefficient 1 in every organ) and is cleared
# by two organs only: the kidneys remove a fraction $E_{kidneys}$ of the blood that passes
# through them (to urine; 0.1 is about a glomerular filtration rate of 125 mL/min over a renal
# blood flow of 1.2 L/min, a freely filtered small molecule) and the liver a fraction
# $E_{liver}$ (to faeces; an illustrative value). The organ's clearance is then $E_o Q_o$: a
# narrowed renal artery lowers renal clearance in proportion to the flow. The kidneys also take up
# and retain a fraction $U$ of the blood passing through them (a tissue-bound compartment released
# with the given biological half-life; both are illustrative choices — 0.3 % per pass makes the
# kidneys hold a few per cent of the administered activity, the order reported for Lu-177
# peptides — not fitted to data), so their uptake is proportional to their flow.
# Organs not listed are
# lumped (systemic rest, portal rest), so the circulation stays closed. The physical decay of the
# nuclide is included; the administered activity is an intravenous bolus into venous blood.

# %%
organs = ["kidneys", "liver", "spleen", "red_marrow"]
if stenosis_organ in flows.organs and stenosis_organ not in organs:
    organs.append(stenosis_organ)
extraction = {"kidneys": kidney_extraction, "liver": liver_extraction}
retention = ({"kidneys": (kidney_retention, float(np.log(2)) / kidney_release_half_life_h)}
             if kidney_retention > 0 else {})
models = {when: flow_limited_pbpk(p, nuclide=nuclide, organs=organs, extraction=extraction, retention=retention,
                                  name=f"flow-limited PBPK, {when}")
          for when, p in (("before", flows), ("after", flows_s))}
times = np.concatenate([[0.0], np.geomspace(1 / 3600, 24.0, 300)])
dose_in = Bolus(f"{activity_MBq} MBq", into="venous_blood")
sims = {when: pkdose.simulate(m, None, dose_in, times) for when, m in models.items()}
parent = get_nuclide(nuclide).name
curve_names = ["arterial_blood", "kidneys", "liver", "spleen", "red_marrow",
               *([stenosis_organ] if stenosis_organ not in ("kidneys", "liver", "spleen", "red_marrow")
                 and stenosis_organ in organs else [])]

# %%
palette = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
fig = go.Figure()
for i, c in enumerate(curve_names):
    for when, dash in (("before", "solid"), ("after", "dash")):
        a = sims[when].activity.sel(compartment=c, nuclide=parent).isel(sample=0).to_numpy()
        fig.add_trace(go.Scatter(x=times, y=a, mode="lines", name=f"{label(c)}, {when}", legendgroup=c,
                                 line={"color": palette[i % len(palette)], "dash": dash, "width": 2}))
fig.update_layout(title=f"Activity in the organs' blood, {activity_MBq:g} MBq {escape(parent)}: "
                        f"before (solid) and after (dashed) the stenosis",
                  xaxis_title="time after injection [h]", yaxis_title="activity [MBq]", yaxis_type="log",
                  xaxis_range=[0, 6], yaxis_range=[-1, np.log10(activity_MBq)], template="plotly_white", height=480)
fig.show()

# %% [markdown]
# **Time-integrated activities and absorbed doses.** TIA from 0 to infinity (exact, including
# physical decay) of each organ compartment, and the self-dose of that activity with all
# non-penetrating emissions absorbed in the organ (local absorption: photons and cross-doses not
# included). Organ masses are the ICRP 89 reference organ masses (Table 2.8: kidneys, liver, spleen
# and the other soft-tissue organs, typed into this notebook; page not verified), the active marrow
# mass is the package's `REFERENCE_RED_MARROW_KG` (also ICRP 89). Organs without a tabulated mass are
# not dosed.

# %%
# ICRP 89 Table 2.8, adult male / female [kg], organs without their blood where ICRP lists both
ICRP89_ORGAN_MASS_KG = {"kidneys": (0.310, 0.275), "liver": (1.80, 1.40), "spleen": (0.150, 0.130),
                        "pancreas": (0.140, 0.120), "brain": (1.45, 1.30), "thyroid": (0.020, 0.017),
                        "adrenals": (0.014, 0.013), "heart": (0.330, 0.250)}
masses = {o: m[col] for o, m in ICRP89_ORGAN_MASS_KG.items()}
masses["red_marrow"] = REFERENCE_RED_MARROW_KG[f"adult-{sex}"]
mass_source = {o: "ICRP 89 Table 2.8 (this notebook)" for o in ICRP89_ORGAN_MASS_KG}
mass_source["red_marrow"] = "pkdose REFERENCE_RED_MARROW_KG (ICRP 89)"
tia = {when: s.tia_infinity.sel(nuclide=parent).isel(sample=0).to_pandas() for when, s in sims.items()}
s_values = {o: local_absorption_s_value(parent, masses[o]) for o in organs if o in masses}
# an organ's activity is its blood plus what it retains (the group "<organ>_total" of the model)
organ_tia = {when: {c: float(t[c]) + float(t.get(f"{c}_bound", 0.0)) for c in t.index} for when, t in tia.items()}
dose_rows = []
for c in [*organs, "arterial_blood", "venous_blood", "lungs"]:
    b, a = organ_tia["before"][c], organ_tia["after"][c]
    row = {"compartment": c, "TIA before [MBq·h]": b, "TIA after [MBq·h]": a, "TIA after / before": a / b}
    if c in s_values:
        sv = s_values[c].value
        row.update({"mass [kg]": masses[c], "mass from": mass_source[c], "S [Gy/(MBq·h)]": sv,
                    "dose before [Gy]": b * sv, "dose after [Gy]": a * sv, "dose after / before": a / b})
    dose_rows.append(row)
dose_table = pd.DataFrame(dose_rows)
dose_table["mass from"] = dose_table["mass from"].fillna("–")
display(table(dose_table))

# %% [markdown]
# **Where the activity goes.** Every administered MBq either decays in the body or is removed by
# an extracting organ; the extracted activity, counted when it is extracted, is
# $\int E_o Q_o A_o / V_o \,dt$, and what decays in the body is $\lambda \cdot$ TIA(body). The two add up
# to the administered activity.

# %%
def fate(model, tia_):
    """Activity extracted by each clearing organ [MBq]: E_o Q_o / V_o × TIA_o (model defaults)."""
    p = model.default_values
    return {f"extracted by the {o}": p[f"E_{o}"] * p[f"Q_{o}"] / p[f"V_{o}"] * float(tia_[o])
            for o in ("kidneys", "liver") if f"E_{o}" in p}


fates = {when: fate(models[when], tia[when]) for when in models}
lam = get_nuclide(parent).decay_constant
fate_rows = []
for k in fates["before"]:
    fate_rows.append({"quantity": k, "unit": "% of administered", "before": 100 * fates["before"][k] / activity_MBq,
                      "after": 100 * fates["after"][k] / activity_MBq})
decayed = {when: 100 * lam * float(tia[when].sum()) / activity_MBq for when in tia}
fate_rows.append({"quantity": "decayed in the body (λ × TIA of the body)", "unit": "% of administered",
                  "before": decayed["before"], "after": decayed["after"]})
fate_rows.append({"quantity": "total", "unit": "% of administered",
                  **{w: decayed[w] + 100 * sum(fates[w].values()) / activity_MBq for w in ("before", "after")}})
fate_rows.append({"quantity": "mean residence time in the body (TIA / administered)", "unit": "h",
                  **{w: float(tia[w].sum()) / activity_MBq for w in ("before", "after")}})
fate_table = pd.DataFrame(fate_rows)
fate_table["after / before"] = fate_table["after"] / fate_table["before"]
display(table(fate_table))

# %% [markdown]
# **Reading the result.** In a flow-limited organ the activity follows the local blood
# concentration: at any time the organ holds about its blood volume times the arterial
# concentration, whatever its flow, as long as the flow is fast compared with decay and
# clearance (the organ transit times above are seconds). A narrowed artery therefore changes
# organ TIAs mainly through the *whole-body* clearance: when the narrowed organ is a clearing
# organ (kidneys, liver), less blood is cleared per hour, the blood curve falls more slowly, and
# the TIA of every organ's blood rises by about the same factor. (The arterial blood pool itself
# rises a little less: the narrowed artery holds less blood.) What the kidneys *retain* behaves
# otherwise: its uptake $U\,Q_{kidneys} \int C_a\,dt$ falls with the flow (partly offset by the
# higher blood curve), so with a narrowed renal artery the kidney dose of a retained
# radiopharmaceutical goes down while every other organ's goes up.

# %% tags=["nbval-check-output", "remove-cell"]
# Checked by the test suite (nbval): the numbers that matter, as rounded text (not shown in rendered reports).
print(check_text(flow_table[["organ bed", "% of cardiac output", "difference [% points]", "blood volume [L]"]]))
print(check_text(transit_table[["organ bed", "mean transit time [s]"]]))
print(check_text(pd.DataFrame([{"central transit [s]": 3600 * kernel.mean_transit_time_h, "n": kernel.n_tanks,
                                **{f"peak {k} [MBq/L]": r["peak [MBq/L]"] for k, r in
                                   zip(aif_table["injection"], aif_rows)}}])))
print(check_text(sh_table))
print(check_text(change[["organ bed", "after [L/min]", "after / before"]]))
print(check_text(dose_table[["compartment", "TIA before [MBq·h]", "TIA after / before", "dose before [Gy]",
                             "dose after / before"]]))
print(check_text(fate_table))

# %% [markdown]
# ## Assumptions
#
# - The network is the ICRP 89 reference adult at rest: one equivalent vessel per organ bed,
#   laminar (Hagen-Poiseuille) flow with one apparent blood viscosity, steady (mean) flow, no
#   pulsatility. The design pressures set the pressure scale only; the calibrated flows are the ICRP
#   fractions whatever they are.
# - The ventricles are fixed pump curves: no baroreflex, no autoregulation of the narrowed bed.
# - The kinetic model is flow-limited with a partition coefficient of 1 (a tracer that stays in the
#   blood), extraction by the kidneys and the liver only, retention (binding) in the kidneys only,
#   no plasma protein or red-cell partition. Organ activities are the organs' blood plus, for the
#   kidneys, the retained activity.
# - Absorbed doses are local-absorption self-doses of non-penetrating emissions (photons and
#   cross-doses not included), at reference organ masses.

# %% [markdown]
# ## Provenance
#
# The parameters of this run, the software versions and every published source the numbers stand
# on.

# %%
flow_sources = [
    Source("ICRP Publication 89, Ann. ICRP 32(3-4), 2002", table="2.39",
           note="resting cardiac output; page not verified (src/pkdose/_data/icrp89_SOURCE.md)"),
    Source("ICRP Publication 89, Ann. ICRP 32(3-4), 2002", table="2.40",
           note="distribution of cardiac output; page not verified"),
    Source("ICRP Publication 89, Ann. ICRP 32(3-4), 2002", table="2.12",
           note="total blood and erythrocyte volume; page not verified"),
    Source("ICRP Publication 89, Ann. ICRP 32(3-4), 2002", table="2.13, 2.14",
           note="distribution of blood in the vascular system, regional blood volumes; page not verified"),
    Source("ICRP Publication 89, Ann. ICRP 32(3-4), 2002", table="2.8",
           note="reference organ masses used for the self-doses (typed into this notebook); page not verified"),
    REGION_SOURCES["body_mass"],
    Source("Pries AR, Secomb TW, Gessner T, Sperandio MB, Gross JF, Gaehtgens P. Resistance to blood flow in "
           "microvessels in vivo. Circ Res 1994;75:904-915", note="apparent blood viscosity (in-vivo law)"),
    Source("Kovacs G, Berghold A, Scheidl S, Olschewski H. Pulmonary arterial pressure during rest and exercise "
           "in healthy subjects: a systematic review. Eur Respir J 2009;34:888-894",
           note="resting mean pulmonary arterial pressure 14.0 mmHg (design pressure)"),
    Source("Todini E, Pilati S. A gradient algorithm for the analysis of pipe networks. In: Coulbeck, Orr (eds), "
           "Computer Applications in Water Supply, vol. 1, 1988, 1-20", note="network solver"),
    Source("Rossman LA. EPANET 2 Users Manual, EPA/600/R-00/057, 2000", table="Appendix D",
           note="network solver, pump curves"),
    Source("Levenspiel O. Chemical Reaction Engineering, 3rd ed., Wiley, 1999", page="ch. 14",
           note="tanks-in-series transit-time density"),
    Source("Thompson HK, Starmer CF, Whalen RE, McIntosh HD. Indicator transit time considered as a gamma "
           "variate. Circ Res 1964;14:502-515", note="first-pass arterial input function"),
    Source("Stewart GN. J Physiol 1897;22:159-183; Hamilton WF et al. Am J Physiol 1932;99:534-551",
           note="indicator dilution: Q ∫C dt = injected activity"),
]
s_sources = [src for sv in s_values.values() for src in sv.sources_cited]
display(Markdown("**Parameters**"), table(parameter_table(PARAMETERS)))
display(Markdown("**Software**"), table(package_versions()))
display(Markdown("**Sources**"), table(source_table([*flow_sources, *s_sources])))
