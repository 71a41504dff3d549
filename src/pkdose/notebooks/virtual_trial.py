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
# # Virtual trial: dose distributions of thousands of patients
#
# How many patients of a population would exceed a kidney limit with a given regimen? This
# notebook estimates a population of organ kinetics from a trial's imaging data, draws thousands
# of virtual patients from it, and gives each one absorbed doses and BED for every cycle:
#
# 1. every measured curve is fitted with one exponential: uptake fraction $f$ of the administered
#    activity and biological clearance rate $\lambda_{bio}$;
# 2. $\ln f$ and $\ln \lambda_{bio}$ of all organs are taken as multivariate normal, split into a
#    between-patient and a within-patient (cycle-to-cycle) part by the standard two-stage method;
# 3. virtual patients draw their own parameters, each cycle varies around them, organ masses are
#    drawn from the trial's measured masses;
# 4. per cycle $D = S(m)\, A_0 f / \lambda_{eff}$ with $\lambda_{eff} = \lambda_{phys} + \lambda_{bio}$,
#    and the BED of the mono-exponential dose rate; cycles add.
#
# The assumptions are listed at the end; the local-absorption S counts non-penetrating emissions
# only (photons and cross-doses not included).

# %% tags=["parameters"]
trial_dir = None       # trial folder; None: the shipped demo trial
n_patients = 5000      # virtual patients
n_cycles = 4           # cycles per patient
activity_GBq = 7.4     # activity per cycle
seed = 1               # random seed (the results are reproducible for a given seed)

# %% tags=["remove-cell"]
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from IPython.display import HTML, Markdown, display

from pkdose.data import read_trial
from pkdose.dosimetry.imaging import KIDNEY_BED_LIMITS
from pkdose.dosimetry.radiobiology import KIDNEY
from pkdose.dosimetry.virtual import masses_from_trial, virtual_trial
from pkdose.fit.population import two_stage_population
from pkdose.report import check_text, demo_trial, input_files, package_versions, parameter_table, source_table, table

PARAMETERS = {"trial_dir": trial_dir, "n_patients": n_patients, "n_cycles": n_cycles,
              "activity_GBq": activity_GBq, "seed": seed}
trial_path = Path(trial_dir) if trial_dir else demo_trial()
trial = read_trial(trial_path)
imaged = {t.region for t in trial.curves("activity")}       # imaged regions (blood samples are not)
organs = [r for r in trial.regions if r in imaged and r != "whole_body"]
population = two_stage_population(trial, regions=organs)
masses = masses_from_trial(trial, organs)
vt = virtual_trial(population, masses, n_patients=n_patients, n_cycles=n_cycles,
                   activity_MBq=1000 * activity_GBq, seed=seed)

# %% [markdown]
# ## Population estimated from the trial

# %%
banner = ('<p class="pkdose-banner"><strong>SIMULATED DATA</strong>: the source trial is synthetic.</p>'
          if trial.simulated else "")
display(HTML(banner + f"<p>Trial <strong>{escape(trial.id)}</strong> ({escape(trial.radiopharmaceutical)}, "
             f"{escape(trial.nuclide)}): {population.n_patients} patients, {population.n_curves} imaged cycles.</p>"))
pop_table = pd.DataFrame([{"parameter": name, "median": population.median(name),
                           "CV between patients": population.cv_between(name),
                           "SD of ln, within patient": float(np.sqrt(population.sigma[i, i]))}
                          for i, name in enumerate(population.parameters)])
display(table(pop_table))
if population.projected:
    display(Markdown("*The moment-corrected between-patient covariance was not positive semidefinite and was "
                     "projected to the nearest one (few patients): the between-patient spread is uncertain.*"))
mass_table = pd.DataFrame([{"region": r, "median mass [kg]": masses.median_kg[r], "CV": masses.cv[r],
                            "patients": masses.n[r]} for r in organs])
display(Markdown("**Organ masses** (log-normal from the trial's measured masses)"),
        table(mass_table))

# %% [markdown]
# ## Cumulative absorbed doses
#
# Distribution over the virtual patients of the dose summed over all cycles (5th, 50th and 95th
# percentiles in the table).

# %%
fig = go.Figure()
for region, g in vt.doses.groupby("region"):
    fig.add_trace(go.Box(y=g["absorbed_Gy"], name=escape(region), boxpoints=False))
fig.update_layout(title=f"Cumulative absorbed dose, {n_cycles} × {activity_GBq:g} GBq, {n_patients} virtual patients",
                  yaxis_title="absorbed dose [Gy]", yaxis_type="log", template="plotly_white", height=450,
                  showlegend=False)
fig.show()
display(table(vt.percentiles(quantity="absorbed_Gy"), index=True))

# %% [markdown]
# ## Kidney BED against published limits

# %%
kid = vt.doses[vt.doses["region"] == "kidneys"]
fig = go.Figure(go.Histogram(x=kid["bed_Gy"], nbinsx=60, name="kidney BED"))
for lim in KIDNEY_BED_LIMITS:
    fig.add_vline(x=lim.bed_Gy, line_dash="dash", line_color="#d62728",
                  annotation_text=f"{lim.bed_Gy:g} Gy ({escape(lim.condition)})")
fig.update_layout(title="Cumulative kidney BED of the virtual patients", xaxis_title="BED [Gy]",
                  yaxis_title="virtual patients", template="plotly_white", height=420)
fig.show()
exceed = pd.DataFrame([{"limit": f"{lim.bed_Gy:g} Gy ({lim.condition})",
                        "fraction exceeding": vt.fraction_exceeding("kidneys", lim.bed_Gy)}
                       for lim in KIDNEY_BED_LIMITS])
display(table(exceed))

# %% [markdown]
# ## What if: number of cycles
#
# The same virtual patients (same seed) with one to six cycles: the share whose cumulative
# kidney BED exceeds each limit.

# %%
rows = []
for c in range(1, 7):
    v = virtual_trial(population, masses, n_patients=n_patients, n_cycles=c, activity_MBq=1000 * activity_GBq,
                      seed=seed)
    rows.append({"cycles": c, **{f"> {lim.bed_Gy:g} Gy": v.fraction_exceeding("kidneys", lim.bed_Gy)
                                 for lim in KIDNEY_BED_LIMITS}})
what_if = pd.DataFrame(rows)
fig = go.Figure([go.Scatter(x=what_if["cycles"], y=100 * what_if[col], mode="lines+markers", name=col)
                 for col in what_if.columns[1:]])
fig.update_layout(title="Virtual patients above the kidney BED limits", xaxis_title="cycles",
                  yaxis_title="patients above the limit [%]", template="plotly_white", height=400)
fig.show()

# %% tags=["nbval-check-output", "remove-cell"]
# Checked by the test suite (nbval): the numbers that matter, as rounded text (not shown in rendered reports).
print(check_text(vt.percentiles(quantity="absorbed_Gy").reset_index()))
print(check_text(what_if))

# %% [markdown]
# ## Assumptions and provenance

# %%
display(Markdown(f"**Assumptions:** {escape(vt.assumptions)}. Population by the standard two-stage method "
                 "(Steimer et al. 1984), not a nonlinear mixed-effects fit."))
display(Markdown("**Input files**"),
        table(input_files([trial_path / "trial.toml", trial_path / "measurements.csv"], relative_to=trial_path)))
display(Markdown("**Parameters**"),
        table(parameter_table({**PARAMETERS, "trial_dir": trial_path.name})))
display(Markdown("**Software**"), table(package_versions()))
display(Markdown("**Sources**"), table(source_table([KIDNEY.source, *(lim.source for lim in KIDNEY_BED_LIMITS)])))
