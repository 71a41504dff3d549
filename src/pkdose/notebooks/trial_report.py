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
# # Trial dosimetry report
#
# This report takes one trial's imaging measurements (organ and tumour activities at several
# times after each administration) to absorbed doses, for one patient or for the whole trial:
#
# 1. the measurements are read and validated (every problem is reported, nothing is dropped);
# 2. each time-activity curve is fitted with sums of exponentials that include the nuclide's
#    physical decay, and the function is chosen by AICc;
# 3. the fitted curve is integrated to the time-integrated activity (TIA);
# 4. an S value turns the TIA into an absorbed dose; the dose-rate curve gives the kidney BED;
#    cycles add up. Blood samples, where the trial has them, give the red-marrow TIA by the
#    blood-based method of the EANM guideline.
#
# Numbers in the tables are rounded to three significant figures; the uncertainties are one
# standard deviation from the curve fits.

# %% tags=["parameters"]
trial_dir = None             # trial folder (trial.toml + measurements.csv); None: the shipped demo trial
patient = None               # patient id for a per-patient report; None: the whole trial
method = "local-absorption"  # how S values are obtained: "local-absorption" or "icrp133"
saf_dir = None               # ICRP 133 SAF directory for method "icrp133" (None: $PKDOSE_ICRP133_DIR)
mass_convention = "icrp89"   # "icrp133": measured masses like ICRP 89 ("icrp89") or blood-inclusive
band_level = 0.95            # coverage of the shaded bands around fitted curves
marrow_from_blood = None     # red-marrow TIA from blood samples (None: if sampled and not a bone seeker)

# %% tags=["remove-cell"]
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown, display

import pkdose
from pkdose.data import read_trial
from pkdose.dosimetry.dose import ALPHA_RBE_SOURCE
from pkdose.dosimetry.imaging import bone_seeking, trial_doses
from pkdose.fit import fit_trial
from pkdose.report import (bed_figure, check_text, demo_trial, dose_figure, dose_per_activity_figure,
                           input_files, measurement_figure, package_versions, parameter_table, source_table, table,
                           tac_figure)

PARAMETERS = {"trial_dir": trial_dir, "patient": patient, "method": method, "saf_dir": saf_dir,
              "mass_convention": mass_convention, "band_level": band_level, "marrow_from_blood": marrow_from_blood}
trial_path = Path(trial_dir) if trial_dir else demo_trial()
trial = read_trial(trial_path)
patients = [trial.patient(patient)] if patient else list(trial.patients)
fits = fit_trial(trial, patient=patient)
has_blood = any(t.region == "blood" for t in trial.curves("concentration"))
bone_reason = bone_seeking(trial)
use_blood = has_blood and bone_reason is None if marrow_from_blood is None else bool(marrow_from_blood)
blood_fits = fit_trial(trial, patient=patient, quantity="concentration") if use_blood else {}
# an imaged red marrow wins over the blood-based estimate for its (patient, cycle)
marrow_imaged = sorted({(p_, c) for (p_, c, r) in fits if r == "red_marrow"})
blood_fits = {k: f for k, f in blood_fits.items() if k[2] == "blood" and k[:2] not in marrow_imaged}
doses = trial_doses(trial, fits, method=method, saf_dir=saf_dir, mass_convention=mass_convention,
                    blood_fits=blood_fits)
pd.set_option("display.max_rows", 200)

# %% [markdown]
# ## Trial and data

# %%
facts = [("Trial", trial.id), ("Radiopharmaceutical", trial.radiopharmaceutical), ("Nuclide", trial.nuclide),
         ("Report for", f"patient {patient}" if patient else f"all {len(trial.patients)} patients"),
         ("Regions", ", ".join(trial.regions))]
banner = ('<p class="pkdose-banner"><strong>SIMULATED DATA</strong>: this trial is synthetic, not from any '
          'patient.</p>' if trial.simulated else "")
display(HTML(banner + "<table>" + "".join(f"<tr><th style='text-align:left'>{escape(k)}</th><td>{escape(str(v))}</td></tr>"
                                          for k, v in facts) + "</table>"
             + (f"<p>{escape(trial.description)}</p>" if trial.description else "")))

# %%
m = trial.measurements
if patient:
    m = m[m["patient"] == patient]
overview = (m.groupby(["patient", "region"]).size().unstack("region", fill_value=0)
            .rename_axis(index="patient", columns=None))
def _day(a):
    """Days since the patient's first administration: calendar dates are identifying, intervals are not."""
    first = min((b for b in trial.administrations if b.patient == a.patient and b.start), key=lambda b: b.cycle,
                default=None)
    if not a.start or first is None:
        return float("nan")
    return (pd.Timestamp(a.start) - pd.Timestamp(first.start)).total_seconds() / 86400.0


admins = pd.DataFrame([{"patient": a.patient, "cycle": a.cycle, "activity [MBq]": a.activity_MBq,
                        "day": _day(a)} for a in trial.administrations if a.patient in {p.id for p in patients}])
subjects = pd.DataFrame([{"patient": p.id, "sex": p.sex, "body mass [kg]": p.body_mass_kg,
                          **{f"{k} mass [kg]": v for k, v in p.organ_mass_kg.items()}} for p in patients])
display(Markdown("**Patients** (masses from the trial manifest)"), table(subjects))
display(Markdown("**Administrations**"), table(admins))
display(Markdown("**Measurements per patient and region** (all cycles)"), overview)

# %% [markdown]
# ## Fitted time-activity curves
#
# Candidate functions: one, two or three decaying exponentials, with or without an uptake phase
# (`1`, `2`, `3`, `1u`, `2u`), each term decaying at least as fast as the nuclide itself. A
# candidate is eligible when the fit converged with finite uncertainties; the eligible one with the
# lowest AICc is used. The shaded band is the pointwise band of the fitted curve from its
# parameter uncertainty.

# %%
first = min(c for (_, c, _) in fits)
fitted_regions = [r for r in trial.regions if any(k[2] == r for k in fits)]
for region in fitted_regions:
    if patient:
        curves = [(f"cycle {c}", trial.tac(patient, c, region, "activity"), fits[(patient, c, region)])
                  for (p_, c, r) in sorted(fits) if p_ == patient and r == region]
        title = f"{patient}: {region}"
    else:
        curves = [(p.id, trial.tac(p.id, first, region, "activity"), fits[(p.id, first, region)]) for p in patients
                  if (p.id, first, region) in fits]
        title = f"{region}, cycle {first}: all patients"
    tac_figure(curves, title=title, level=band_level).show()

# %% [markdown]
# **Other measurements.** Blood concentrations and cumulative excretion, where the trial has them,
# as measured. Blood concentrations also give the red-marrow TIA (blood-based method, EANM 2010:
# TIA concentration in blood × red-marrow-to-blood ratio 1 × red-marrow mass: the patient's
# `red_marrow` mass in the manifest, else the ICRP 89 reference of the patient's sex) where the
# marrow is not imaged; the method assumes no specific uptake in bone, marrow or blood cells, so
# it is not applied to bone seekers (radium, strontium, phosphonate ligands) unless asked for.

# %%
others = [tac for tac in trial.curves(None) if tac.quantity != "activity" and (not patient or tac.patient == patient)]
if not others:
    display(Markdown("*This trial has activity measurements only.*"))
if blood_fits:        # fitted like the images (TIA → red marrow), so shown with their fits
    blood_curves = [t for t in others if (t.patient, t.cycle, t.region) in blood_fits and t.quantity == "concentration"]
    others = [t for t in others if t not in blood_curves]
    if patient:
        curves = [(f"cycle {t.cycle}", t, blood_fits[(t.patient, t.cycle, t.region)]) for t in blood_curves]
    else:
        curves = [(t.patient, t, blood_fits[(t.patient, t.cycle, t.region)]) for t in blood_curves if t.cycle == first]
    tac_figure(curves, title=f"{patient}: blood" if patient else f"blood, cycle {first}: all patients",
               level=band_level, quantity="concentration", unit="MBq/L").show()
if has_blood and not use_blood:
    why = bone_reason if marrow_from_blood is None else "the report was run with `marrow_from_blood=False`"
    display(Markdown(f"*Blood samples are shown but not used for the red marrow: {why}.*"))
elif use_blood and marrow_imaged:
    display(Markdown(f"*The red marrow is imaged for {len(marrow_imaged)} patient-cycle(s): there the imaged marrow "
                     "is used, not the blood samples.*"))
for (region, quantity) in sorted({(t.region, t.quantity) for t in others}):
    fig = measurement_figure([(f"{t.patient} cycle {t.cycle}" if not patient else f"cycle {t.cycle}", t)
                              for t in others if (t.region, t.quantity) == (region, quantity)],
                             title=f"{region}: {quantity.replace('_', ' ')}")
    fig.show()

# %% [markdown]
# **Model selection.** AICc of every candidate per curve (lower is better; – marks a
# candidate that is not eligible), the selected function and the share of the TIA that lies after
# the last measurement (extrapolated); blood-concentration curves too, where they give the red
# marrow.

# %%
rows = []
for (p_, c, r), f in sorted([*fits.items(), *blood_fits.items()]):
    row = {"patient": p_, "cycle": c, "region": r if f.quantity == "activity" else f"{r} ({f.quantity})",
           "selected": f.model,
           "extrapolated": f"{100 * f.extrapolated_fraction:.0f} %"}
    row.update({f"AICc {cand.name}": cand.aicc for cand in f.candidates})
    rows.append(row)
aicc = pd.DataFrame(rows)
if patient:
    display(table(aicc))
else:
    display(Markdown("Selected function per region (number of curves):"),
            aicc.groupby(["region", "selected"]).size().unstack("selected", fill_value=0))

# %% [markdown]
# ## Time-integrated activities
#
# TIA from 0 to infinity of the fitted curve (not decay-corrected data, so physical decay is
# included), and TIA per administered activity (the "residence time").

# %%
tia = doses.tia.rename(columns={"tia_MBq_h": "TIA [MBq·h]", "tia_sd_MBq_h": "SD [MBq·h]",
                                "tia_per_activity_h": "TIA/A0 [h]", "administered_MBq": "A0 [MBq]"})
if patient:
    display(table(tia.drop(columns=["fit_ok"])))
else:
    display(table(tia.groupby("region")["TIA/A0 [h]"].describe()[["count", "mean", "std", "min", "max"]], index=True))

# %% [markdown]
# ## Absorbed doses

# %%
display(HTML(f'<p class="pkdose-banner"><strong>Method:</strong> {escape(doses.label)}.</p>'))
if patient:
    dose_figure(doses.doses, title=f"{patient}: absorbed dose per cycle").show()
    shown = doses.doses.rename(columns={"absorbed_Gy": "D [Gy]", "absorbed_sd_Gy": "SD [Gy]",
                                        "s_Gy_per_MBq_h": "S [Gy/(MBq·h)]", "bed_Gy": "BED [Gy]",
                                        "bed_sd_Gy": "BED SD [Gy]", "rbe_weighted_Gy": "RBE-weighted [Gy]",
                                        "alpha_fraction": "alpha share"})
    if not (doses.doses["alpha_fraction"] > 0).any():     # no alpha emitter: RBE weighting changes nothing
        shown = shown.drop(columns=["RBE-weighted [Gy]", "alpha share"])
    display(table(shown))
else:
    dose_per_activity_figure(doses.doses, title="Absorbed dose per administered activity, all patients and cycles").show()

# %% [markdown]
# ## Kidney BED against published limits
#
# Biologically effective dose of the linear-quadratic model with incomplete repair during each
# cycle's exponential dose-rate curve; cycles weeks apart add. Kidney α/β and repair half-time and
# the BED thresholds are listed with their sources in the appendix.

# %%
if (doses.cumulative["target"] == "kidneys").any():
    bed_figure(doses.cumulative, doses.bed_limits).show()
    display(table(doses.exceeding()))
else:
    display(Markdown("*No kidney absorbed dose in this trial (kidneys not imaged or without a mass): "
                     "no BED is computed.*"))

# %% [markdown]
# ## Dose table
#
# Cumulative over all cycles, per patient and target (copy-ready).

# %%
dose_table = doses.cumulative.copy()
dose_table["Gy/GBq"] = dose_table["absorbed_Gy"] / dose_table["administered_GBq"]
dose_table = dose_table.rename(columns={"absorbed_Gy": "D [Gy]", "absorbed_sd_Gy": "SD [Gy]", "bed_Gy": "BED [Gy]",
                                        "bed_sd_Gy": "BED SD [Gy]", "administered_GBq": "A [GBq]",
                                        "rbe_weighted_Gy": f"RBE-weighted (RBE {doses.alpha_rbe:g}) [Gy]"})
if not (doses.doses["alpha_fraction"] > 0).any():
    dose_table = dose_table.drop(columns=[f"RBE-weighted (RBE {doses.alpha_rbe:g}) [Gy]"])
display(table(dose_table))
if not doses.effective.empty:
    eff = doses.effective.groupby("patient", as_index=False)["effective_Sv"].sum()
    display(Markdown("**Effective dose** (ICRP 103, sex-averaged reference person with the patient's activity "
                     "distribution and masses; summed over cycles) [Sv]"), table(eff))

# %% tags=["nbval-check-output", "remove-cell"]
# Checked by the test suite (nbval): the numbers that matter, as rounded text (not shown in rendered reports).
print(check_text(doses.cumulative[["patient", "target", "cycles", "absorbed_Gy", "absorbed_sd_Gy", "bed_Gy"]]))
print(check_text(doses.tia.groupby("region", as_index=False)["tia_per_activity_h"].mean()))

# %% [markdown]
# ## What this report does not contain
#
# Quantities that cannot be given honestly with the chosen method are listed here rather than
# estimated.

# %%
if doses.method == "local-absorption":
    missing = [{"quantity": "cross-doses (organ to organ, tumour to organ)",
                "reason": "the embedded method gives self-doses only: non-penetrating emissions absorbed locally "
                          "and photons absorbed in a sphere of the region's mass"},
               {"quantity": "effective dose",
                "reason": "needs absorbed doses to all ICRP 103 tissues: run with method='icrp133' and the ICRP 133 "
                          "specific absorbed fractions (pkdose report --method icrp133 --saf-dir DIR)"}]
else:
    missing = [{"quantity": "electron and alpha cross-doses between tumours and organs",
                "reason": "tumours are spheres; only photons cross between a tumour and the organs, and only for "
                          "tumours with a host organ (trial.toml tumour_host)"}]
missing += [{"quantity": (r["region"] if r["region"] in ("effective dose", "remainder") or r["region"].endswith("cross-dose")
                          else f"dose to {r['region']}"),
             "patient": r["patient"], "reason": r["reason"]} for _, r in doses.not_computed.iterrows()]
display(table(pd.DataFrame(missing)))

# %% [markdown]
# ## Provenance
#
# Inputs (with their SHA-256 checksums), the parameters of this run, the software versions and
# every published source the numbers stand on.

# %%
display(Markdown("**Input files**"),
        table(input_files([trial_path / "trial.toml", trial_path / "measurements.csv"], relative_to=trial_path)))
display(Markdown("**Parameters**"),
        table(parameter_table({**PARAMETERS, "trial_dir": trial_path.name,          # no local paths in a report
                               "saf_dir": Path(saf_dir).name if saf_dir else saf_dir})))
display(Markdown("**Software**"), table(package_versions()))
constants = [{"constant": f"{t} alpha/beta", "value": lq.alpha_beta_Gy, "unit": "Gy", "source": lq.source.citation}
             for t, lq in doses.lq.items()]
constants += [{"constant": f"{t} repair half-time", "value": lq.repair_half_time_h, "unit": "h",
               "source": lq.source.citation} for t, lq in doses.lq.items()]
constants += [{"constant": f"{lim.tissue} BED limit, {lim.condition}", "value": lim.bed_Gy, "unit": "Gy",
               "source": lim.source.citation} for lim in doses.bed_limits]
if (doses.doses["alpha_fraction"] > 0).any():
    constants.append({"constant": "alpha RBE (deterministic effects)", "value": doses.alpha_rbe, "unit": "-",
                      "source": ALPHA_RBE_SOURCE.citation})
constants.append({"constant": f"{trial.nuclide} physical half-life", "unit": "h", "source": "ICRP Publication 107",
                  "value": float(np.log(2) / next(iter(fits.values())).decay_constant_per_h)})
display(Markdown("**Constants** (every number the dose calculation takes from the literature; the S values "
                 "per region and patient are in the absorbed-dose table)"), table(pd.DataFrame(constants)))
display(Markdown("**Sources**"), table(source_table(doses.sources)))
if doses.data_files:
    display(Markdown("**ICRP 133 data files read** (not distributed with pkdose; checked against the published set)"),
            table(pd.DataFrame(sorted(doses.data_files.items()), columns=["file", "sha256"])))
