"""A tiny trial for report tests: two patients, one cycle, mono-exponential curves (fast to run)."""

import math

import pytest

LU177_HALF_LIFE_H = 6.647 * 24  # ICRP 107 (6.647 d); only shapes the synthetic data here

HOSTILE = '<script>alert("pkdose")</script><img src=x onerror=alert(1)>'


def write_trial(folder, *, description="tiny test trial", radiopharmaceutical="[177Lu]Lu-DOTA-TATE",
                short_patient=False):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trial.toml").write_text(f"""
[trial]
id = "tiny"
radiopharmaceutical = {radiopharmaceutical!r}
nuclide = "Lu-177"
regions = ["kidneys", "liver"]
simulated = true
description = {description!r}

[[patients]]
id = "P01"
sex = "male"
body_mass_kg = 70.0
[patients.organ_mass_kg]
kidneys = 0.31

[[patients]]
id = "P02"
sex = "female"
body_mass_kg = 60.0
[patients.organ_mass_kg]
kidneys = 0.275
liver = 1.4

[[administrations]]
patient = "P01"
cycle = 1
activity_MBq = 7400.0
start = "2024-05-17T08:30:00"

[[administrations]]
patient = "P02"
cycle = 1
activity_MBq = 7400.0
""")
    lam_phys = math.log(2) / LU177_HALF_LIFE_H
    rows = ["patient,cycle,time [h],region,activity [MBq],uncertainty [MBq]"]
    noise = (1.02, 0.97, 1.01, 0.99)
    for pid, (f, teff) in {"P01": (0.02, 50.0), "P02": (0.025, 45.0)}.items():
        times = (4.0, 24.0, 96.0) if (short_patient and pid == "P02") else (4.0, 24.0, 96.0, 168.0)
        for region, scale in (("kidneys", 1.0), ("liver", 2.0)):
            for t, n in zip(times, noise):
                a = 7400.0 * scale * f * math.exp(-math.log(2) * t / teff) * n
                rows.append(f"{pid},1,{t},{region},{a:.4f},{0.05 * a:.4f}")
            if short_patient and pid == "P02" and region == "liver":
                rows = [r for r in rows if not (r.startswith("P02,1,96.0,liver"))]
    (folder / "measurements.csv").write_text("\n".join(rows) + "\n")
    assert lam_phys > 0
    return folder


@pytest.fixture
def tiny_trial(tmp_path):
    return write_trial(tmp_path / "tiny")


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """A rendered trial report of a trial whose texts carry HTML/JS (must come out escaped)."""
    from pkdose.report import run_report

    root = tmp_path_factory.mktemp("hostile")
    trial = write_trial(root / "trial", description=HOSTILE, radiopharmaceutical="Lu<b>177</b>-PSMA")
    return run_report(trial, root / "out", patient="P02")
