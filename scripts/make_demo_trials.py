#!/usr/bin/env python
"""Generate the SIMULATED demo trial ``trial_data/lu177-dotatate-demo`` (synthetic, not patient data).

    python scripts/make_demo_trials.py [--out trial_data] [--overwrite] [--trial all|<id>]

Writes ``<out>/lu177-dotatate-demo/`` and ``<out>/ra223-xofigo-demo/`` (see ``simulate_ra223``
and the section at the end of this file for the Ra-223 trial), each ``trial.toml`` and
``measurements.csv`` in the format read by
:func:`pkdose.data.read_trial`. The output is deterministic (fixed seed, fixed number formatting):
running the script twice gives byte-identical files. An existing folder is refused unless
``--overwrite`` is given.

Model (per patient p, cycle c, region r), activity NOT decay-corrected, in MBq::

    A(t) = A_adm * sum_i f_i * exp(-ln2 * t / Teff_i)

with f_i the extrapolated uptake fraction of the administered activity (not decay-corrected) and
Teff_i the effective half-life (physical decay of Lu-177 included, so Teff_i < 159.5 h).

Regimen
-------
7.4 GBq every 8 weeks x 4 cycles: NETTER-1 (J. Strosberg et al., "Phase 3 trial of 177Lu-Dotatate
for midgut neuroendocrine tumors", N Engl J Med 376 (2017) 125-135) and the LUTATHERA
prescribing information, section 2.2 (recommended dosage: 7.4 GBq every 8 weeks, 4 doses).

Parameter provenance -- READ THIS
---------------------------------
The full text of the tabulating papers named in the brief (Sandstrom et al. JNM 2013;54:33-41,
Garske-Roman et al. EJNMMI 2018, Wehrmann et al. CBR 2007, Del Prete et al. EJNMMI 2019,
Hanscheid et al. JNM 2018) was NOT available to the author of this script, so no table or page of
those papers is cited for any number below. Each number is marked with where it comes from:

[K1] Abstract of "Feasibility and accuracy of single time point imaging for renal dosimetry
     following 177Lu-DOTATATE ('Lutate') therapy", EJNMMI Phys 5 (2018) 33,
     doi:10.1186/s40658-018-0232-9 (Results, abstract): kidney 0.38 +/- 0.19 Gy/GBq per cycle,
     80 cycles, quantitative SPECT/CT at 4, 24, 96-120 h.
[K2] Abstract of "Implementation of patient dosimetry in the clinical practice after targeted
     radiotherapy using [177Lu-[DOTA0, Tyr3]-octreotate", EJNMMI Res 8 (2018) 103,
     doi:10.1186/s13550-018-0459-4 (Results, abstract): kidneys 0.43 +/- 0.13 mGy/MBq,
     range 0.27-0.91 mGy/MBq, SPECT/CT at 4, 24, 72, 192 h.
[K3] Abstract of P. F. Staanum et al., "Practical kidney dosimetry in PRRT using [177Lu]Lu-DOTATOC
     and [177Lu]Lu-DOTATATE with focus on uncertainty estimates", EJNMMI Phys 8 (2021) 78,
     doi:10.1186/s40658-021-00422-2 (Results, abstract): DOTATATE kidney mean 0.46 Gy/GBq;
     total uncertainty about 13 % per fraction with three SPECT/CT scans.
[S1] Abstract of "Dosimetric analyses of kidneys, liver, spleen, pituitary gland, and
     neuroendocrine tumors of patients treated with 177Lu-DOTATATE", Clin Nucl Med 38 (2013)
     (Ovid an=00003072-201303000-00005): liver 0.27 +/- 0.05, spleen 1.17 +/- 0.14,
     NET 3.41 +/- 0.68 mGy/MBq.
[L]  LUTATHERA prescribing information (section 12.3, pharmacokinetics): mean effective blood
     elimination half-life 3.5 h -- quoted FROM MEMORY, not verified here.
[A]  ASSUMPTION of this script (no verified source): chosen to be typical of 177Lu-DOTATATE
     SPECT/CT series and to reproduce the absorbed doses of [K1]-[K3], [S1] with the
     ICRP 89 masses below. Effective half-lives of 50 h (kidneys), 70 h (liver), 65 h (spleen),
     90 h (tumour) are in the range commonly reported for 177Lu-DOTATATE, but NOT checked
     against a table here: verify before using the demo for anything but software testing.

Conversion used for the calibration (kidney self-dose, electrons only, absorbed fraction 1):
Lu-177 mean electron energy per decay ~0.148 MeV (ICRP 107: beta mean 0.1333 MeV + conversion and
Auger electrons ~0.015 MeV) -> 2.37e-14 J; for 0.31 kg kidneys S = 2.37e-14 J * 3.6e9 / 0.31 kg
= 2.75e-4 Gy per MBq h. Kidney median f*Teff/ln2 = 0.022 * 50 h / ln2 = 1.59 h per administration
-> 0.44 Gy/GBq, between [K1] (0.38) and [K3] (0.46), matching [K2] (0.43).

Variability
-----------
Inter-patient: lognormal, median as below, CV as below. Kidney: uptake CV 30 % and Teff CV 15 %
give a TIA CV of ~34 %, matching the relative SD of [K2] (0.13/0.43 = 30 %) and below [K1]
(0.19/0.38 = 50 %, which includes 4 cycles of 18 patients with heterogeneous renal function).
Intra-patient, cycle-to-cycle: lognormal CV 5 % on each uptake and half-life [A].
Measurement noise: proportional, normal, SD 7 % of the true activity [A]: a typical quantitative
SPECT/CT activity uncertainty that, over three to four time points, is consistent with the ~13 %
total per-fraction dose uncertainty of [K3] (which also contains volume and S-value terms).
The ``uncertainty [MBq]`` column is that SD (7 % of the true, noise-free activity).

Organ masses: ICRP Publication 89 adult reference masses (male / female: kidneys 0.310 / 0.275 kg,
liver 1.800 / 1.400 kg, spleen 0.150 / 0.130 kg; reference body mass 73 / 60 kg), scaled linearly
with body mass and multiplied by a lognormal factor with CV 10 % to mimic CT volumetry
("measured-like", not measured).
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

TRIAL_ID = "lu177-dotatate-demo"
SEED = 20170112                      # fixed: the output is a pure function of this seed
LU177_HALF_LIFE_H = 6.647 * 24.0     # 159.5 h (ICRP 107)
ACTIVITY_MBQ = 7400.0                # NETTER-1 / LUTATHERA PI 2.2
N_CYCLES = 4
CYCLE_INTERVAL_D = 56                # 8 weeks, NETTER-1 / LUTATHERA PI 2.2
NOMINAL_TIMES_H = (4.0, 24.0, 96.0, 168.0)
TIME_JITTER_H = (0.25, 1.0, 2.0, 2.0)   # half-width of the uniform jitter at each nominal time [A]
NOISE_CV = 0.07                      # proportional measurement noise SD [A], see module docstring
CYCLE_CV = 0.05                      # intra-patient cycle-to-cycle CV [A]

#: region -> list of (uptake fraction f, CV of f, effective half-life [h], CV of Teff, source)
KINETICS: dict[str, list[tuple[float, float, float, float, str]]] = {
    # kidneys: f*Teff/ln2 = 1.59 h -> 0.44 Gy/GBq with 0.31 kg; calibrated to [K1]-[K3]; Teff [A]
    "kidneys": [(0.022, 0.30, 50.0, 0.15, "K1,K2,K3 (dose); Teff A")],
    # liver (normal parenchyma): 0.040*70/ln2 = 4.0 h -> ~0.2 Gy/GBq with 1.8 kg; [S1] 0.27 Gy/GBq
    # includes the tumour-free liver of that cohort; Teff [A]
    "liver": [(0.040, 0.40, 70.0, 0.20, "S1 (dose order); Teff A")],
    # spleen: 0.015*65/ln2 = 1.41 h -> 0.80 Gy/GBq with 0.15 kg; [S1] 1.17 Gy/GBq; Teff [A]
    "spleen": [(0.015, 0.40, 65.0, 0.20, "S1 (dose order); Teff A")],
    # tumour_1: one lesion, 0.005*90/ln2 = 0.65 h; tumours vary most (CV 60 %) [A]
    "tumour_1": [(0.005, 0.60, 90.0, 0.20, "A")],
    # whole body: fast urinary phase with Teff 3.5 h [L] holding 45 % [A], slow phase 55 %, 60 h [A]
    "whole_body": [(0.45, 0.10, 3.5, 0.20, "L (fast Teff); fractions A"),
                   (0.55, 0.10, 60.0, 0.15, "A")],
}
REGIONS = tuple(KINETICS)

#: Added later, drawn from their own generator (seed + 2) so that every earlier measurement of the
#: trial stayed byte-for-byte the same. Same form, f [IA], CV, Teff [h], CV, source:
#: salivary glands (parotid + submandibular VOIs, SPECT/CT) at the imaging times: [A] throughout --
#: no 177Lu-DOTATATE salivary uptake or half-life could be verified while writing this; 0.12 % IA
#: with Teff 40 h gives f*Teff/ln2 = 0.069 h, about 0.07 Gy/GBq for the 85 g ICRP 89 glands.
SALIVARY = [(0.0012, 0.40, 40.0, 0.20, "A")]
#: Blood: whole-blood activity [IA] = sum f_i exp(-ln2 t / Teff_i); concentration = that / blood
#: volume. Phases: distribution (f 0.70, Teff 0.25 h) [A]; elimination with the effective blood
#: half-life 3.5 h of the LUTATHERA label [L] (f 0.29 [A]); terminal (f 0.008 [A]) with the label's
#: terminal half-life of 71 h [L] (a drug-information page quoting the label, the label itself
#: not read). Blood residence time sum f Teff/ln2 = 2.54 h (0.25 + 1.46 + 0.82 h): red-marrow TIA by
#: the blood method (RMBLR 1) 2.54 h x 1.17 kg / (5.3 L x 1.06 kg/L) = 0.53 h per administration for
#: the male reference, ~0.04 Gy/GBq electron self-dose [A, plausibility only]; the fits of the demo
#: give 0.36 h on average (larger blood volumes than the reference, 0.25 h phase under-sampled).
BLOOD = [(0.70, 0.20, 0.25, 0.20, "A"),
         (0.29, 0.20, 3.5, 0.30, "L (Teff); f A"),
         (0.008, 0.40, 71.0, 0.30, "L (terminal T1/2); f A")]
#: Blood sampling times [h] after the start of each administration (well counter) [A]; the
#: imaging days reuse the imaging times.
BLOOD_TIMES_H = (0.5, 1.0, 2.0)
BLOOD_NOISE_CV = 0.05                # well-counter + pipetting, proportional SD [A]
SALIVARY_NOISE_CV = 0.15             # small VOIs: partial volume and noise, proportional SD [A]
#: ICRP 89 blood volume 5.3 L (male, 73 kg) / 3.9 L (female, 60 kg): the ICRP 133 'Blood' source
#: masses 5.6 / 4.1 kg at 1.06 kg/L; scaled with body mass, lognormal CV 10 % [A]. Salivary glands
#: 0.085 / 0.070 kg (ICRP 89; ICRP 133 'S-glands' source masses), scaled likewise.
BLOOD_L = {"male": 5.3, "female": 3.9}
BLOOD_DENSITY = 1.06
SALIVARY_KG = {"male": 0.085, "female": 0.070}

#: ICRP 89 adult reference masses [kg] and reference body mass [kg]
ICRP89 = {"male": {"kidneys": 0.310, "liver": 1.800, "spleen": 0.150, "body": 73.0},
          "female": {"kidneys": 0.275, "liver": 1.400, "spleen": 0.130, "body": 60.0}}
ORGAN_MASS_CV = 0.10
#: tumour_1 mass from CT volume x 1.0 g/mL: lognormal, median 20 g, CV 80 % [A]. Drawn from its own
#: generator (seed + 1) so that adding it left every measurement of the trial unchanged.
TUMOUR_MASS_MEDIAN_KG = 0.020
TUMOUR_MASS_CV = 0.80
SEXES = ("male", "female", "male", "female", "male", "female")
BODY_MASS_RANGE_KG = (55.0, 100.0)

DESCRIPTION = ("SIMULATED, SYNTHETIC demo data - not from any patient. Six virtual patients, "
               "[177Lu]Lu-DOTA-TATE 7.4 GBq every 8 weeks x 4 (NETTER-1 regimen), SPECT/CT-like "
               "activities at about 4, 24, 96 and 168 h and blood samples (0.5 h to 168 h), "
               "not decay-corrected. Generated by "
               "scripts/make_demo_trials.py (seed 20170112); parameter sources and assumptions "
               "in trial_data/README.md.")


def _lognormal(rng: np.random.Generator, median: float, cv: float, size=None):
    sigma = math.sqrt(math.log1p(cv * cv))
    return median * np.exp(sigma * rng.standard_normal(size))


def kidney_tia_per_activity_h(f: float = KINETICS["kidneys"][0][0],
                              teff_h: float = KINETICS["kidneys"][0][2]) -> float:
    """Time-integrated activity per administered activity [h] of a mono-exponential f, Teff."""
    return f * teff_h / math.log(2)


def simulate(seed: int = SEED) -> tuple[str, str]:
    """The manifest and measurements text (deterministic in *seed*)."""
    rng = np.random.default_rng(seed)
    rng_tumour = np.random.default_rng(seed + 1)
    rng_extra = np.random.default_rng(seed + 2)        # salivary glands and blood (added later)
    lam_phys = math.log(2) / LU177_HALF_LIFE_H
    patients, admins, rows = [], [], []
    t0 = datetime(2024, 1, 8, 9, 0)
    for i, sex in enumerate(SEXES):
        pid = f"SIM{i + 1:02d}"
        body = float(rng.uniform(*BODY_MASS_RANGE_KG))
        ref = ICRP89[sex]
        organs = {o: float(ref[o] * body / ref["body"] * _lognormal(rng, 1.0, ORGAN_MASS_CV))
                  for o in ("kidneys", "liver", "spleen")}
        organs["tumour_1"] = float(_lognormal(rng_tumour, TUMOUR_MASS_MEDIAN_KG, TUMOUR_MASS_CV))
        scale = body / ref["body"]
        organs["salivary_glands"] = float(SALIVARY_KG[sex] * scale * _lognormal(rng_extra, 1.0, ORGAN_MASS_CV))
        blood_l = float(BLOOD_L[sex] * scale * _lognormal(rng_extra, 1.0, ORGAN_MASS_CV))
        organs["blood"] = blood_l * BLOOD_DENSITY
        patients.append((pid, sex, round(body, 1), {o: round(m, 4 if o.startswith(("tumour", "salivary")) else 3)
                                                        for o, m in organs.items()}))
        extra = {"salivary_glands": [(float(_lognormal(rng_extra, f, cf)), float(_lognormal(rng_extra, te, ct)))
                                     for f, cf, te, ct, _ in SALIVARY],
                 "blood": [(float(_lognormal(rng_extra, f, cf)), float(_lognormal(rng_extra, te, ct)))
                           for f, cf, te, ct, _ in BLOOD]}
        for comps in extra.values():
            for j, (f, te) in enumerate(comps):
                comps[j] = (f, min(te, 0.95 * LU177_HALF_LIFE_H))
        # patient-level parameters (lognormal around the medians)
        pat = {r: [(float(_lognormal(rng, f, cf)), float(_lognormal(rng, te, ct)))
                   for f, cf, te, ct, _ in comps] for r, comps in KINETICS.items()}
        # no biological half-life may be negative: Teff below the physical half-life
        for comps in pat.values():
            for j, (f, te) in enumerate(comps):
                comps[j] = (f, min(te, 0.95 * LU177_HALF_LIFE_H))
        start0 = t0 + timedelta(days=7 * i)
        for c in range(1, N_CYCLES + 1):
            start = start0 + timedelta(days=CYCLE_INTERVAL_D * (c - 1))
            admins.append((pid, c, ACTIVITY_MBQ, start.strftime("%Y-%m-%dT%H:%M:%S")))
            times = [round(float(t + rng.uniform(-j, j)), 2) for t, j in zip(NOMINAL_TIMES_H, TIME_JITTER_H)]
            for region in REGIONS:
                comps = [(float(_lognormal(rng, f, CYCLE_CV)),
                          float(min(_lognormal(rng, te, CYCLE_CV), 0.95 * LU177_HALF_LIFE_H)))
                         for f, te in pat[region]]
                for t in times:
                    true = ACTIVITY_MBQ * sum(f * math.exp(-math.log(2) * t / te) for f, te in comps)
                    sd = NOISE_CV * true
                    meas = max(true + sd * float(rng.standard_normal()), 0.05 * true)
                    rows.append((pid, c, t, region, meas, sd))
            cyc = {r: [(float(_lognormal(rng_extra, f, CYCLE_CV)),
                        float(min(_lognormal(rng_extra, te, CYCLE_CV), 0.95 * LU177_HALF_LIFE_H)))
                       for f, te in comps] for r, comps in extra.items()}
            for t in times:
                true = ACTIVITY_MBQ * sum(f * math.exp(-math.log(2) * t / te) for f, te in cyc["salivary_glands"])
                sd = SALIVARY_NOISE_CV * true
                meas = max(true + sd * float(rng_extra.standard_normal()), 0.05 * true)
                rows.append((pid, c, t, "salivary_glands", meas, sd))
            sample_times = [round(float(t * (1.0 + rng_extra.uniform(-0.05, 0.05))), 2) for t in BLOOD_TIMES_H]
            for t in sample_times + times:
                # kBq/mL = MBq/L: whole-blood activity [MBq] / blood volume [L]
                true = ACTIVITY_MBQ * sum(f * math.exp(-math.log(2) * t / te) for f, te in cyc["blood"]) / blood_l
                meas = max(true * (1.0 + BLOOD_NOISE_CV * float(rng_extra.standard_normal())), 0.05 * true)
                rows.append((pid, c, t, "blood", meas, None))
    assert lam_phys > 0
    return _manifest(patients, admins), _csv(rows)


def _manifest(patients, admins) -> str:
    out = ["# SIMULATED demo trial - synthetic data, not from any patient.",
           "# Generated by scripts/make_demo_trials.py; do not edit by hand.",
           "", "[trial]", f'id = "{TRIAL_ID}"', 'radiopharmaceutical = "[177Lu]Lu-DOTA-TATE"',
           'nuclide = "Lu-177"', "regions = [" + ", ".join(f'"{r}"' for r in (*REGIONS, "salivary_glands", "blood")) + "]",
           "simulated = true", f'description = "{DESCRIPTION}"', "",
           "# where the lesion lies (photon cross-dose with method icrp133): a liver metastasis [A]",
           "[trial.tumour_host]", 'tumour_1 = "liver"', "",
           "[trial.generator]", 'script = "scripts/make_demo_trials.py"', f"seed = {SEED}",
           'organ_masses = "ICRP 89 reference masses scaled with body mass x lognormal CV 10 % (measured-like, simulated); tumour_1 lognormal median 20 g, CV 80 % (assumption); blood = ICRP 89 blood volume scaled likewise x 1.06 kg/L"',
           ""]
    for pid, sex, body, organs in patients:
        out += ["[[patients]]", f'id = "{pid}"', f'sex = "{sex}"', f"body_mass_kg = {body:.1f}",
                "[patients.organ_mass_kg]"] + [f"{o} = {m:g}" for o, m in organs.items()] + [""]
    for pid, c, act, start in admins:
        out += ["[[administrations]]", f'patient = "{pid}"', f"cycle = {c}", f"activity_MBq = {act:.1f}",
                f'start = "{start}"', ""]
    return "\n".join(out)


def _csv(rows) -> str:
    """Imaging rows: activity with its SD; blood rows (sd None): concentration with its relative SD."""
    lines = ["patient,cycle,time [h],region,activity [MBq],uncertainty [MBq],concentration [kBq/mL],"
             "relative_uncertainty [%]"]
    for p, c, t, r, a, s in rows:
        if s is None:
            lines.append(f"{p},{c},{t:.2f},{r},,,{a:.4g},{100 * BLOOD_NOISE_CV:.1f}")
        else:
            lines.append(f"{p},{c},{t:.2f},{r},{a:.3f},{s:.3f},,")
    return "\n".join(lines) + "\n"


def _write_trial(out: Path, trial_id: str, make, overwrite: bool) -> Path:
    """Write ``make()``'s (manifest, csv) as <out>/<trial_id>/; refuse an existing folder unless *overwrite*.

    The refusal comes before ``make`` runs, so nothing is simulated for a folder that stays as it is.
    """
    folder = Path(out) / trial_id
    if folder.exists() and not overwrite:
        raise FileExistsError(f"{folder} exists; pass --overwrite to replace its trial.toml and measurements.csv")
    manifest, csv = make()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trial.toml").write_bytes(manifest.encode("utf-8"))
    (folder / "measurements.csv").write_bytes(csv.encode("utf-8"))
    return folder


def write(out: Path, overwrite: bool = False, seed: int = SEED) -> Path:
    """Write the demo trial under *out*; refuse an existing folder unless *overwrite*."""
    return _write_trial(out, TRIAL_ID, lambda: simulate(seed), overwrite)


# =============================================================================================
# SIMULATED Ra-223 trial: trial_data/ra223-xofigo-demo
# =============================================================================================
#
# Provenance labels used below (full references in trial_data/README.md):
# [PI]  XOFIGO (radium Ra 223 dichloride) US prescribing information, section 2 (Dosage and
#       Administration): "55 kBq (1.49 microcurie) per kg body weight, given at 4 week intervals
#       for 6 injections" (read in the openFDA label record, api.fda.gov drug/label).
# [T4]  EJNMMI Phys. 8:44 (2021), doi:10.1186/s40658-021-00388-1, Table 4: clinical Ra-223
#       biodistribution of four trials (Nilsson n = 25, Carrasquillo n = 10, Chittenden n = 6,
#       Yoshida n = 6) next to the ICRP 137 model. Used here: Chittenden et al. (J Nucl Med 56
#       (2015) 1304-1309) faeces 13 +/- 12 % and urine 2 +/- 2 % cumulative at 2 d; Carrasquillo
#       et al. (Eur J Nucl Med Mol Imaging 40 (2013) 1384-1393) GI-tract content 50.8 +/- 7.5 % at
#       1 d and plasma 1.6-3.9 % (median 2) at 4 h, 0.37-1.0 % (median 0.55) at 24 h. These are
#       SECONDARY transcriptions (the original papers were not read; Table 4's column layout was
#       reconstructed from the journal's HTML table, see README).
# [ICRP] ICRP Publication 137 radium model (pkdose.model.library, every rate with its table/page).
# [A]   Assumption of this script.
RA_TRIAL_ID = "ra223-xofigo-demo"
RA_SEED = 20130515                          # fixed; US approval date of Xofigo, as a memorable seed
RA_DOSE_KBQ_PER_KG = 55.0                   # [PI]
RA_N_CYCLES = 6                             # [PI]
RA_CYCLE_INTERVAL_D = 28                    # [PI] 4 weeks
RA_N_PATIENTS = 8                           # [A] (Chittenden n = 6, Carrasquillo n = 10)
RA_BODY_MASS_RANGE_KG = (60.0, 100.0)       # [A] uniform; all male (prostate cancer)
#: ICRP 89 adult male blood volume 5.3 L for 73 kg, scaled with body mass, lognormal CV 10 % [A];
#: written to the manifest as organ_mass_kg.blood = volume x 1.06 kg/L (ICRP 89 blood density).
RA_BLOOD_L_PER_KG = 5.3 / 73.0
RA_BLOOD_CV = 0.10
RA_BLOOD_DENSITY = 1.06
#: Inter-patient variability, lognormal (median factor on the ICRP 137 default, CV) [A] except the
#: colon-transit median, which is CALIBRATED: 0.43 x the ICRP 130 colon transit rates makes the
#: population mean of cumulative faecal excretion at 48 h 13 % ([T4], Chittenden), while the ICRP
#: defaults give 35 % ([T4] model column). Calibration: 3000 virtual patients with these CVs, mean
#: faeces(48 h) = 11.6 % (median factor 0.40), 13.7 % (0.45); GI content at 24 h then 48 +/- 8 %
#: against 50.8 +/- 7.5 % ([T4], Carrasquillo), which was not fitted.
RA_VARIABILITY: dict[str, tuple[tuple[str, ...], float, float]] = {
    "colon_transit": (("k_rc_contents_to_lc_contents", "k_lc_contents_to_rs_contents", "k_rs_contents_to_faeces"),
                      0.43, 0.50),
    "gut_secretion": (("k_blood_to_rc_contents",), 1.0, 0.30),
    "urinary_excretion": (("k_blood_to_ub_contents",), 1.0, 0.50),
    "bone_uptake": (("k_blood_to_trab_bone_surface", "k_blood_to_cort_bone_surface"), 1.0, 0.25),
}
#: Cycle-1 sampling protocol [A] (after the designs summarised in [T4]): region -> (nominal times
#: [h], measurement noise CV (normal, proportional to the true value) [A]).
RA_PROTOCOL: dict[str, tuple[tuple[float, ...], float]] = {
    "blood": ((0.25, 1.0, 4.0, 24.0, 48.0, 72.0), 0.05),          # well-counter samples
    "whole_body": ((0.5, 4.0, 24.0, 48.0, 72.0, 144.0), 0.03),   # whole-body counter
    "gut": ((4.0, 24.0, 48.0, 72.0, 144.0), 0.15),               # planar gamma-camera ROI
    "urine": ((24.0, 48.0, 72.0, 144.0), 0.10),                  # collections, cumulative
    "faeces": ((24.0, 48.0, 72.0, 144.0), 0.10),                 # collections, cumulative
}
RA_REGIONS = tuple(RA_PROTOCOL)
RA_TIME_JITTER = 0.05                       # uniform +/- 5 % of each nominal time [A]
RA_WB_CALIBRATION_CPS_PER_MBQ = 250.0       # whole-body counter sensitivity for Ra-223 [A]
RA_DESCRIPTION = ("SIMULATED, SYNTHETIC demo data - not from any patient. Eight virtual men, "
                  "radium-223 dichloride 55 kBq/kg every 4 weeks x 6 (Xofigo label regimen). "
                  "Cycle 1 only: blood concentrations (0.25-72 h), whole-body counts with "
                  "calibration, gut activity from imaging, cumulative urinary and faecal "
                  "excretion (4-144 h); Ra-223 activity, not decay-corrected. Generated by "
                  "scripts/make_demo_trials.py from the ICRP 137 radium model with a calibrated "
                  "colon transit (seed 20130515); sources and assumptions in trial_data/README.md.")


def simulate_ra223(seed: int = RA_SEED) -> tuple[str, str]:
    """The Ra-223 demo's manifest and measurements text (deterministic in *seed*).

    Each virtual patient gets the ICRP 137 radium model (Ra-223 alone, progeny not tracked:
    the measurements are Ra-223 activity) with the lognormal factors of ``RA_VARIABILITY``; a
    bolus of 55 kBq/kg into blood; the cycle-1 measurements of ``RA_PROTOCOL`` with proportional
    normal noise. Not decay-corrected: every value is the Ra-223 activity present at the time
    (excreta decay after excretion, as the model counts them).
    """
    import pkdose
    from pkdose.model.library import get_model

    model = get_model("icrp137-radium", nuclide="Ra-223", daughters="none")
    defaults = model.default_values
    rng = np.random.default_rng(seed)
    patients, admins, rows = [], [], []
    t0 = datetime(2024, 3, 4, 9, 0)
    for i in range(RA_N_PATIENTS):
        pid = f"RA{i + 1:02d}"
        body = round(float(rng.uniform(*RA_BODY_MASS_RANGE_KG)), 1)
        blood_l = float(RA_BLOOD_L_PER_KG * body * _lognormal(rng, 1.0, RA_BLOOD_CV))
        factors = {name: float(_lognormal(rng, med, cv)) for name, (_, med, cv) in RA_VARIABILITY.items()}
        params = {p: defaults[p] * factors[name] for name, (ps, _, _) in RA_VARIABILITY.items() for p in ps}
        activity = round(RA_DOSE_KBQ_PER_KG * body / 1000.0, 3)             # MBq
        patients.append((pid, body, round(blood_l * RA_BLOOD_DENSITY, 3), factors))
        start0 = t0 + timedelta(days=3 * i)
        for c in range(1, RA_N_CYCLES + 1):
            start = start0 + timedelta(days=RA_CYCLE_INTERVAL_D * (c - 1))
            admins.append((pid, c, activity, start.strftime("%Y-%m-%dT%H:%M:%S")))
        times = {r: [round(t * (1.0 + float(rng.uniform(-RA_TIME_JITTER, RA_TIME_JITTER))), 2) for t in ts]
                 for r, (ts, _) in RA_PROTOCOL.items()}
        grid = np.array(sorted({t for ts in times.values() for t in ts}))
        sol = pkdose.simulate(model, params, pkdose.Bolus(f"{activity!r} MBq", into="blood"), grid)
        true = {
            "blood": sol.group_activity("Blood").sel(nuclide="Ra-223").to_numpy()[0],
            "whole_body": sol.group_activity("Whole body").sel(nuclide="Ra-223").to_numpy()[0],
            "gut": sol.group_activity("Alimentary tract").sel(nuclide="Ra-223").to_numpy()[0],
            "urine": sol.excreted.sel(sink="urine", nuclide="Ra-223").to_numpy()[0],
            "faeces": sol.excreted.sel(sink="faeces", nuclide="Ra-223").to_numpy()[0],
        }
        for region in RA_REGIONS:
            cv = RA_PROTOCOL[region][1]
            for t in times[region]:
                x = float(true[region][int(np.searchsorted(grid, t))])                  # MBq
                meas = max(x * (1.0 + cv * float(rng.standard_normal())), 0.05 * x)
                rows.append((pid, t, region, meas, activity, blood_l, cv))
    return _ra_manifest(patients, admins), _ra_csv(rows)


def _ra_manifest(patients, admins) -> str:
    variability = "; ".join(f"{name}: x{med:g} median, CV {cv:.0%} on {', '.join(ps)}"
                            for name, (ps, med, cv) in RA_VARIABILITY.items())
    out = ["# SIMULATED demo trial - synthetic data, not from any patient.",
           "# Generated by scripts/make_demo_trials.py; do not edit by hand.",
           "", "[trial]", f'id = "{RA_TRIAL_ID}"', 'radiopharmaceutical = "[223Ra]RaCl2 (radium-223 dichloride)"',
           'nuclide = "Ra-223"', "regions = [" + ", ".join(f'"{r}"' for r in RA_REGIONS) + "]",
           "simulated = true", f'description = "{RA_DESCRIPTION}"', "",
           "[trial.generator]", 'script = "scripts/make_demo_trials.py"', f"seed = {RA_SEED}",
           'model = "ICRP 137 radium model (icrp137-radium, Ra-223, progeny not tracked)"',
           f'variability = "lognormal factors on the ICRP 137 defaults: {variability}"',
           'blood_mass = "ICRP 89 male blood volume 5.3 L per 73 kg scaled with body mass x lognormal CV 10 %, x 1.06 kg/L (simulated)"',
           ""]
    for pid, body, blood_kg, _ in patients:
        out += ["[[patients]]", f'id = "{pid}"', 'sex = "male"', f"body_mass_kg = {body:.1f}",
                "[patients.organ_mass_kg]", f"blood = {blood_kg:g}", ""]
    for pid, c, act, start in admins:
        out += ["[[administrations]]", f'patient = "{pid}"', f"cycle = {c}", f"activity_MBq = {act:.3f}",
                f'start = "{start}"', ""]
    return "\n".join(out)


def _ra_csv(rows) -> str:
    lines = ["patient,cycle,time [h],region,concentration [Bq/mL],activity [MBq],counts [cps],"
             "calibration [cps/MBq],cumulative_percent_ia [%],relative_uncertainty [%]"]
    for pid, t, region, x, act, blood_l, cv in rows:
        conc = act_ = counts = cal = cum = ""
        if region == "blood":
            conc = f"{x * 1e6 / (blood_l * 1e3):.3f}"                    # MBq / L -> Bq/mL
        elif region == "gut":
            act_ = f"{x:.4f}"
        elif region == "whole_body":
            counts, cal = f"{x * RA_WB_CALIBRATION_CPS_PER_MBQ:.1f}", f"{RA_WB_CALIBRATION_CPS_PER_MBQ:.1f}"
        else:
            cum = f"{100.0 * x / act:.3f}"
        lines.append(f"{pid},1,{t:.2f},{region},{conc},{act_},{counts},{cal},{cum},{100 * cv:.1f}")
    return "\n".join(lines) + "\n"


def write_ra223(out: Path, overwrite: bool = False, seed: int = RA_SEED) -> Path:
    """Write the Ra-223 demo trial under *out*; refuse an existing folder unless *overwrite*."""
    return _write_trial(out, RA_TRIAL_ID, lambda: simulate_ra223(seed), overwrite)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "trial_data",
                    help="parent folder (default: <repo>/trial_data)")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing demo folder")
    ap.add_argument("--trial", choices=("all", TRIAL_ID, RA_TRIAL_ID), default="all",
                    help="which demo trial to write (default: all)")
    args = ap.parse_args(argv)
    writers = [(tid, w) for tid, w in ((TRIAL_ID, write), (RA_TRIAL_ID, write_ra223)) if args.trial in ("all", tid)]
    existing = [str(args.out / tid) for tid, _ in writers if (args.out / tid).exists()]
    if existing and not args.overwrite:                 # refuse before writing anything
        print(f"make_demo_trials: {', '.join(existing)} exist(s); pass --overwrite to replace "
              "trial.toml and measurements.csv", file=sys.stderr)
        return 2
    for _, w in writers:
        print(f"wrote {w(args.out, args.overwrite)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
