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
# # Model workbench: extend the ICRP 137 radium model and fit it to a patient
#
# For modellers. This notebook takes a reference compartment model from the pkdose library, looks
# at its equations, extends it with a compartment of our own, simulates a full treatment, and fits
# some of its rates to one patient's measurements:
#
# 1. load the ICRP Publication 137 systemic model for radium (with the ICRP 130 alimentary tract
#    and the urinary bladder) for Ra-223, and print some of its differential equations;
# 2. derive a builder from the frozen model and add a **bone-metastasis** compartment that
#    exchanges with blood (an illustrative assumption, not an ICRP compartment);
# 3. simulate the Xofigo regimen, 55 kBq/kg every 4 weeks for 6 injections;
# 4. fit the rates that vary most between patients to one patient of the **simulated** Ra-223 demo
#    trial (blood samples, whole-body counts, gut imaging, urine and faeces collections) with
#    `pkdose.fit.fit_model`, and show fitted against measured values with the estimates and their
#    uncertainties.
#
# Activities are Ra-223 activities [MBq] (progeny not tracked in the fits: the measurements are
# Ra-223), not decay-corrected; time in hours; rates in 1/h unless a table says 1/d.

# %% tags=["parameters"]
trial_dir = None                # Ra-223 trial folder; None: the shipped simulated demo (ra223-xofigo-demo)
patient = "RA01"                # patient whose measurements are fitted
body_mass_kg = 70.0             # body mass of the simulated treatment
dose_kBq_per_kg = 55.0          # activity per injection per body mass (Xofigo label)
n_cycles = 6                    # injections
cycle_weeks = 4                 # weeks between injections
metastasis_uptake_per_d = 0.97  # blood -> metastases [1/d] (assumption: 10 % of trabecular surface uptake)
metastasis_release_per_d = 0.29  # metastases -> blood [1/d] (assumption: half the trabecular surface release)

# %% tags=["remove-cell"]
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import sympy
from IPython.display import HTML, Markdown, Math, display
from plotly.subplots import make_subplots

import pkdose
from pkdose.data import read_trial
from pkdose.fit import fit_model
from pkdose.model import ModelBuilder
from pkdose.model.library import get_model, injection_site
from pkdose.provenance import Source
from pkdose.report import check_text, demo_trial, input_files, package_versions, parameter_table, source_table, table

PARAMETERS = {"trial_dir": trial_dir, "patient": patient, "body_mass_kg": body_mass_kg,
              "dose_kBq_per_kg": dose_kBq_per_kg, "n_cycles": n_cycles, "cycle_weeks": cycle_weeks,
              "metastasis_uptake_per_d": metastasis_uptake_per_d, "metastasis_release_per_d": metastasis_release_per_d}
trial_path = Path(trial_dir) if trial_dir else demo_trial("ra223-xofigo-demo")
trial = read_trial(trial_path)
icrp = get_model("icrp137-radium", nuclide="Ra-223", daughters="none")
INTO = injection_site("icrp137-radium")
ASSUMPTION = Source("Assumption of this notebook (illustrative bone-metastasis compartment, not an ICRP model)")
pd.set_option("display.max_rows", 100)

# %% [markdown]
# ## The reference model
#
# `get_model("icrp137-radium", nuclide="Ra-223", daughters="none")` builds the frozen model: every
# transfer coefficient is a named parameter `k_<source>_to_<target>` whose default is the ICRP value
# (table and page in `pkdose.model.library.icrp137_radium_data`). With `daughters="none"` only
# Ra-223 is tracked, which is what the Ra-223 measurements see; the progeny options (`"in-situ"`,
# `"parent"`, `"own"`) matter for dosimetry, not for these fits.

# %%
groups = pd.DataFrame([{"group": g, "compartments": ", ".join(m), "n": len(m)} for g, m in icrp.group_map.items()])
display(HTML(f"<p>{escape(repr(icrp))}; sinks: {escape(', '.join(icrp.sinks))}; "
             f"intravenous injection into <code>{escape(INTO)}</code>.</p>"), table(groups))

# %% [markdown]
# `model.equations()` gives the system as sympy equations $\frac{d a}{dt} = f(a)$ of the activities
# $a$ [MBq] (names `a_<nuclide>_<compartment>`); `model.latex()` gives all of them as one LaTeX
# block. Each equation includes the physical decay of Ra-223 ($\lambda$ = 0.002527 /h,
# T½ = 11.43 d) as a numeric term. Three of the 25 equations (blood, the right-colon contents and
# the trabecular bone surface), with the symbols renamed for reading: $a_{\text{c}}$ is the Ra-223
# activity in compartment c, $k_{\text{s} \to \text{t}}$ the parameter `k_s_to_t` [1/h].

# %%
def show_equation(model, compartment, per_line=4):
    """Display d a/dt of one compartment with readable names, a few terms per line."""
    prefix = f"a_{model.nuclide.replace('-', '')}_"
    eq = next(e for e in model.equations() if str(e.lhs.args[0].func) == prefix + compartment)
    amounts = {f: sympy.Symbol(str(f.func)) for f in eq.rhs.atoms(sympy.core.function.AppliedUndef)}
    rhs = eq.rhs.subs(amounts).evalf(4)
    names = {a: rf"a_{{\text{{{a.name[len(prefix):]}}}}}" for a in amounts.values()}
    for k in rhs.free_symbols - set(amounts.values()):
        src, tgt = k.name[2:].split("_to_", 1)
        names[k] = rf"k_{{\text{{{src}}} \to \text{{{tgt}}}}}"
    terms = list(sympy.Add.make_args(rhs))
    lines = [sympy.latex(sympy.Add(*terms[i:i + per_line]), symbol_names=names) for i in range(0, len(terms), per_line)]
    head = rf"\frac{{d}}{{dt}} a_{{\text{{{compartment}}}}} = "
    display(Math(head + lines[0]))
    for line in lines[1:]:
        display(Math(r"\qquad " + ("" if line.startswith("-") else "+ ") + line))


for comp in ("blood", "rc_contents", "trab_bone_surface"):
    show_equation(icrp, comp)

# %% [markdown]
# ## Extending the model: a bone-metastasis compartment
#
# A built `CompartmentModel` is frozen, and pkdose has no `ModelBuilder.from_model` yet, so the
# cell below derives a builder from the frozen model's public description: every compartment with
# its groups, the sinks, every transfer with its rate expression, and every parameter default with
# its source. The library assembles the model in exactly this order
# (`pkdose.model.library.icrp137_radium._assemble`), so the rebuilt model equals the original,
# which the cell checks before anything is added.
#
# Then a `metastases` compartment is added, in the groups "Whole body" (so the whole-body counter
# sees it) and "Metastases", with an uptake from blood and a release back to blood. The two rates
# are **assumptions** of this notebook (notebook parameters), chosen only to show the mechanics:
# uptake 10 % of the trabecular bone-surface uptake (9.72 /d), release half of the trabecular
# surface release (0.578 /d).

# %%
def builder_from(model, name):
    """A ModelBuilder that reproduces a frozen parent-only model (compartments, groups, transfers, defaults)."""
    b = ModelBuilder(name, nuclide=model.nuclide, daughters="none")
    member_of = {c: [g for g, members in model.group_map.items() if c in members] for c in model.compartments}
    for c in model.compartments:
        b.add_compartment(c, group=member_of[c])
    for s in model.sinks:
        b.add_sink(s)
    for tr in model.transfers:
        b.add_transfer(tr.source, tr.target, tr.rate)
    for pname, par in model.defaults:
        b.add_parameter(pname, par.value, par.unit or "1/h", source=par.source)
    return b


rebuilt = builder_from(icrp, "icrp137-radium").build()
assert rebuilt == icrp, "the derived builder must reproduce the library model exactly"

b = builder_from(icrp, "icrp137-radium+metastases")
b.add_compartment("metastases", group=["Whole body", "Metastases"])
b.add_transfer("blood", "metastases", "k_blood_to_metastases")
b.add_transfer("metastases", "blood", "k_metastases_to_blood")
b.add_parameter("k_blood_to_metastases", metastasis_uptake_per_d, "1/d", source=ASSUMPTION)
b.add_parameter("k_metastases_to_blood", metastasis_release_per_d, "1/d", source=ASSUMPTION)
extended = b.build()
display(HTML(f"<p>{escape(repr(extended))}</p>"))
for comp in ("metastases", "blood"):
    show_equation(extended, comp)

# %% [markdown]
# The blood equation has gained the exchange terms with the metastases; every other equation is
# unchanged.
#
# ## Six cycles of Ra-223
#
# The Xofigo regimen for a patient of the body mass set above: boluses into blood every
# `cycle_weeks` weeks, simulated to four weeks after the last injection with the exact solver.
# The figure shows the Ra-223 activity of each group of compartments (the "Whole body" group sums
# them all; excreta are not in it).

# %%
activity_MBq = dose_kBq_per_kg * body_mass_kg / 1000.0
regimen = pkdose.Regimen.cycles(pkdose.Bolus(activity_MBq, into=INTO), n=n_cycles, every=f"{cycle_weeks} week")
period_h = cycle_weeks * 7 * 24.0
offsets = np.concatenate([[0.0], np.geomspace(0.1, period_h - 0.01, 45)])   # to just before the next dose
times = np.unique(np.concatenate([k * period_h + offsets for k in range(n_cycles)]))
sol = pkdose.simulate(extended, None, regimen, times)
shown = ["Whole body", "Skeleton", "Alimentary tract", "Blood", "Soft tissue", "Liver", "Metastases"]
fig = go.Figure()
for g in shown:
    y = sol.group_activity(g).sel(nuclide="Ra-223").to_numpy()[0]
    fig.add_trace(go.Scatter(x=np.round(times / 24.0, 4), y=np.round(y, 6), mode="lines", name=g))
fig.update_layout(title=f"Ra-223 in the extended model: {n_cycles} × {activity_MBq:.3g} MBq every {cycle_weeks} weeks",
                  xaxis_title="time after the first injection [d]", yaxis_title="Ra-223 activity [MBq]",
                  yaxis_type="log", yaxis_range=[-3, np.log10(1.2 * activity_MBq)], template="plotly_white",
                  height=450)
fig.show()
tia = pd.DataFrame([{"group": g, "TIA over the treatment [MBq·h]": float(sol.group_tia(g).sel(nuclide="Ra-223")[0, -1]),
                     "share of whole body": float(sol.group_tia(g).sel(nuclide="Ra-223")[0, -1]
                                                  / sol.group_tia("Whole body").sel(nuclide="Ra-223")[0, -1])}
                    for g in shown])
display(Markdown(f"**Time-integrated Ra-223 activity** from the first injection to {times[-1] / 24:.0f} d "
                 f"(total administered {regimen.total_activity:.3g} MBq)"), table(tia))

# %% [markdown]
# ## Fitting the model to a patient
#
# The demo trial was generated from the ICRP 137 model with log-normal factors, different for each
# patient, on four groups of rates: colon transit (right colon, left colon and rectosigmoid
# rates together), gut secretion (blood → right colon), urinary excretion (blood → bladder) and bone
# uptake (blood → trabecular and cortical bone surfaces); see `trial_data/README.md`. These four
# factors are what `fit_model` estimates here, each multiplying its rates' defaults
# (`factors=`). The metastasis rates stay at the values above.
#
# Each measurement type is mapped to a model output: whole-body counts to all body compartments,
# gut imaging to the "Alimentary tract" group, blood concentrations to the blood compartment
# divided by the patient's blood volume (blood mass in the manifest / 1.06 kg/L), and the
# cumulative urine and faeces collections to the two sinks. Residuals are weighted by the
# measurement uncertainties of the trial; the factors are fitted on the log scale, with the exact
# parameter sensitivities of the engine as the Jacobian.

# %%
factors = {
    "colon_transit": ["k_rc_contents_to_lc_contents", "k_lc_contents_to_rs_contents", "k_rs_contents_to_faeces"],
    "gut_secretion": ["k_blood_to_rc_contents"],
    "urinary_excretion": ["k_blood_to_ub_contents"],
    "bone_uptake": ["k_blood_to_trab_bone_surface", "k_blood_to_cort_bone_surface"],
}
observations = {("whole_body", "activity"): "*", ("gut", "activity"): "Alimentary tract",
                ("blood", "concentration"): "Blood", ("urine", "cumulative_excreted"): "urine",
                ("faeces", "cumulative_excreted"): "faeces"}
fit = fit_model(extended, trial, patient=patient, parameters=[], factors=factors, observations=observations,
                into=INTO)
fit_icrp = fit_model(icrp, trial, patient=patient, parameters=[], factors=factors, observations=observations)
banner = ('<p class="pkdose-banner"><strong>SIMULATED DATA</strong>: the demo trial is synthetic.</p>'
          if trial.simulated else "")
display(HTML(banner + f"<p>Patient <strong>{escape(patient)}</strong>: {fit.n_obs} measurements, "
             f"{len(fit.parameters)} factors; converged: {fit.success} ({escape(fit.message)}); "
             f"Jacobian: {fit.jacobian}; χ² = {fit.chisqr:.3g}.</p>"))

# %%
labels = {("whole_body", "activity"): "Whole body [MBq]", ("gut", "activity"): "Gut [MBq]",
          ("blood", "concentration"): "Blood [MBq/L]", ("urine", "cumulative_excreted"): "Urine, cumulative [MBq]",
          ("faeces", "cumulative_excreted"): "Faeces, cumulative [MBq]"}
fig = make_subplots(rows=2, cols=3, subplot_titles=[labels[k] for k in observations], horizontal_spacing=0.08,
                    vertical_spacing=0.2)
t_dense = np.geomspace(0.1, 1.05 * max(float(r["t_h"].max()) for r in fit.residuals.values()), 120)
for i, key in enumerate(observations):
    row, col = divmod(i, 3)
    res = fit.residuals[key]
    fig.add_trace(go.Scatter(x=res["t_h"], y=res["observed"], mode="markers", name="measured",
                             error_y=dict(type="data", array=res["sigma"]), marker=dict(color="#1f77b4"),
                             showlegend=i == 0, legendgroup="m"), row=row + 1, col=col + 1)
    fig.add_trace(go.Scatter(x=np.round(t_dense, 4), y=np.round(fit.predict(key, t_dense), 6), mode="lines",
                             name="fitted (extended model)", line=dict(color="#d62728"), showlegend=i == 0,
                             legendgroup="f"), row=row + 1, col=col + 1)
    fig.update_xaxes(title_text="time [h]", row=row + 1, col=col + 1)
fig.update_yaxes(type="log", row=1, col=3)          # blood: fast clearance in the first hours
fig.update_layout(title=f"Patient {escape(patient)}: measured (± 1 SD) and fitted", template="plotly_white",
                  height=620, legend=dict(x=0.72, y=0.2))
fig.show()

# %% [markdown]
# The estimates, with standard errors from the weighted Jacobian (delta method from the log scale),
# and the same fit with the unextended ICRP model. A factor of 1 means the ICRP default. AIC and
# AICc compare the two models on the same data (lower is better); with the metastasis rates
# fixed both have four estimated parameters.

# %%
est = fit.table()[["parameter", "value", "sd", "cv"]].rename(
    columns={"value": "factor", "sd": "SD", "cv": "CV"})
est["factor, ICRP model"] = [fit_icrp.values[p] for p in est["parameter"]]
est["SD, ICRP model"] = [fit_icrp.stderr[p] for p in est["parameter"]]
display(table(est))
display(Markdown("**Correlation of the estimates** (extended model); condition number of JᵀJ "
                 f"{fit.condition_number:.3g}"), table(fit.correlation_table(), index=True))
compare = pd.DataFrame([{"model": m.model.name, "χ²": m.chisqr, "AIC": m.aic, "AICc": m.aicc, "n": m.n_obs,
                         "K": m.n_estimated} for m in (fit, fit_icrp)])
display(table(compare))
rates = pd.DataFrame([{"parameter": p, "ICRP default [1/d]": 24 * icrp.default_values[p],
                       "fitted [1/d]": 24 * fit.all_values[p]} for ps in factors.values() for p in ps])
display(Markdown("**The rates behind the factors**"), table(rates))

# %% tags=["nbval-check-output", "remove-cell"]
# Checked by the test suite (nbval): the numbers that matter, as rounded text.
print(check_text(est))
print(check_text(compare))
print(check_text(tia))

# %% [markdown]
# ## Assumptions and provenance
#
# - The demo trial is **simulated** (see its README); the metastasis compartment and its two rates
#   are assumptions of this notebook, for illustration only.
# - Only Ra-223 is modelled in the fits and the simulation (`daughters="none"`); the progeny's
#   activity, which matters for absorbed doses, is not shown here.
# - The blood concentration is the blood compartment's activity divided by the blood volume from
#   the manifest (blood mass / 1.06 kg/L, ICRP 89).
# - Standard errors assume the trial's measurement SDs are right (no rescaling by χ²).

# %%
display(Markdown("**Input files**"),
        table(input_files([trial_path / "trial.toml", trial_path / "measurements.csv"], relative_to=trial_path)))
display(Markdown("**Parameters**"), table(parameter_table({**PARAMETERS, "trial_dir": trial_path.name})))
display(Markdown("**Software**"), table(package_versions()))
used = {p for ps in factors.values() for p in ps} | {"k_blood_to_metastases", "k_metastases_to_blood"}
display(Markdown("**Sources** of the parameters fitted or added"),
        table(source_table([par.source for name, par in extended.defaults if name in used and par.source])))
