#!/usr/bin/env python
"""Generate the SIMULATED demo trial ``trial_data/lu177-dotatate-demo`` (synthetic, not patient data).

    python scripts/make_demo_trials.py [--out trial_data] [--overwrite]

Writes ``<out>/lu177-dotatate-demo/trial.toml`` and ``measurements.csv`` in the format read by
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
               "activities at about 4, 24, 96 and 168 h, not decay-corrected. Generated by "
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
        patients.append((pid, sex, round(body, 1), {o: round(m, 4 if o.startswith("tumour") else 3)
                                                        for o, m in organs.items()}))
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
    assert lam_phys > 0
    return _manifest(patients, admins), _csv(rows)


def _manifest(patients, admins) -> str:
    out = ["# SIMULATED demo trial - synthetic data, not from any patient.",
           "# Generated by scripts/make_demo_trials.py; do not edit by hand.",
           "", "[trial]", f'id = "{TRIAL_ID}"', 'radiopharmaceutical = "[177Lu]Lu-DOTA-TATE"',
           'nuclide = "Lu-177"', "regions = [" + ", ".join(f'"{r}"' for r in REGIONS) + "]",
           "simulated = true", f'description = "{DESCRIPTION}"', "",
           "[trial.generator]", 'script = "scripts/make_demo_trials.py"', f"seed = {SEED}",
           'organ_masses = "ICRP 89 reference masses scaled with body mass x lognormal CV 10 % (measured-like, simulated); tumour_1 lognormal median 20 g, CV 80 % (assumption)"',
           ""]
    for pid, sex, body, organs in patients:
        out += ["[[patients]]", f'id = "{pid}"', f'sex = "{sex}"', f"body_mass_kg = {body:.1f}",
                "[patients.organ_mass_kg]"] + [f"{o} = {m:g}" for o, m in organs.items()] + [""]
    for pid, c, act, start in admins:
        out += ["[[administrations]]", f'patient = "{pid}"', f"cycle = {c}", f"activity_MBq = {act:.1f}",
                f'start = "{start}"', ""]
    return "\n".join(out)


def _csv(rows) -> str:
    lines = ["patient,cycle,time [h],region,activity [MBq],uncertainty [MBq]"]
    lines += [f"{p},{c},{t:.2f},{r},{a:.3f},{s:.3f}" for p, c, t, r, a, s in rows]
    return "\n".join(lines) + "\n"


def write(out: Path, overwrite: bool = False, seed: int = SEED) -> Path:
    """Write the demo trial under *out*; refuse an existing folder unless *overwrite*."""
    folder = Path(out) / TRIAL_ID
    if folder.exists() and not overwrite:
        raise FileExistsError(f"{folder} exists; pass --overwrite to replace its trial.toml and measurements.csv")
    manifest, csv = simulate(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trial.toml").write_bytes(manifest.encode("utf-8"))
    (folder / "measurements.csv").write_bytes(csv.encode("utf-8"))
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "trial_data",
                    help="parent folder (default: <repo>/trial_data)")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing demo folder")
    args = ap.parse_args(argv)
    try:
        folder = write(args.out, args.overwrite)
    except FileExistsError as exc:
        print(f"make_demo_trials: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
