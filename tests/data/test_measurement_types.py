"""read_trial measurement types: blood concentration, cumulative excreta, counts with calibration.

Each new rule is reported through the all-violations-at-once InputDataError with file, row and field.
"""

import hashlib

import numpy as np
import pytest

from pkdose.data import read_trial
from pkdose.errors import InputDataError

MANIFEST = """
[trial]
id = "T2"
radiopharmaceutical = "[223Ra]RaCl2"
nuclide = "Ra-223"
regions = ["blood", "whole_body", "gut", "kidneys", "urine", "faeces"]
simulated = true

[[patients]]
id = "P01"
sex = "male"
body_mass_kg = 80.0

[[administrations]]
patient = "P01"
cycle = 1
activity_MBq = 4.4
"""

HEAD = ("patient,cycle,time [h],region,activity [MBq],concentration [kBq/mL],counts [cps],calibration [cps/MBq],"
        "cumulative_percent_ia [%],relative_uncertainty [%]\n")
GOOD = HEAD + """P01,1,0.25,blood,,0.2,,,,5
P01,1,4,blood,,0.015,,,,5
P01,1,4,whole_body,,,1100,250,,3
P01,1,24,whole_body,,,1000,250,,3
P01,1,24,gut,2.2,,,,,15
P01,1,48,gut,1.5,,,,,15
P01,1,24,urine,,,,,1.0,10
P01,1,48,urine,,,,,2.0,10
P01,1,48,faeces,,,,,13.0,10
"""


def write(tmp_path, csv, manifest=MANIFEST):
    (tmp_path / "trial.toml").write_text(manifest)
    (tmp_path / "measurements.csv").write_text(csv)
    return tmp_path


def violations(tmp_path, csv):
    with pytest.raises(InputDataError) as e:
        read_trial(write(tmp_path, csv))
    for x in e.value.violations:                       # every violation says where
        assert x.file.endswith("measurements.csv") and x.field and x.expected
    return e.value


def test_every_type_in_canonical_units(tmp_path):
    folder = write(tmp_path, GOOD)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    trial = read_trial(folder)
    blood = trial.tac("P01", 1, "blood")
    assert blood.quantity == "concentration" and blood.unit == "MBq/L"
    np.testing.assert_allclose(blood.activity_MBq, [0.2, 0.015])       # 1 kBq/mL == 1 MBq/L
    np.testing.assert_allclose(blood.sigma_MBq, [0.01, 0.00075])        # 5 % of the value
    wb = trial.tac("P01", 1, "whole_body")
    assert wb.quantity == "activity"
    np.testing.assert_allclose(wb.activity_MBq, [4.4, 4.0])              # cps / (cps/MBq)
    urine = trial.tac("P01", 1, "urine")
    assert urine.quantity == "cumulative_excreted" and urine.unit == "MBq"
    np.testing.assert_allclose(urine.activity_MBq, [0.044, 0.088])      # % of 4.4 MBq
    assert trial.tac("P01", 1, "gut", quantity="activity").rows == (6, 7)
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before


def test_curves_default_to_activity_only(tmp_path):
    trial = read_trial(write(tmp_path, GOOD))
    assert {(c.region, c.quantity) for c in trial.curves()} == {("whole_body", "activity"), ("gut", "activity")}
    assert {c.quantity for c in trial.curves(None)} == {"activity", "concentration", "cumulative_excreted"}
    assert [c.region for c in trial.curves("concentration")] == ["blood"]


def test_legacy_curve_api_is_unchanged(tmp_path):
    csv = "patient,cycle,time [h],region,activity [MBq]\nP01,1,4,kidneys,1.0\nP01,1,24,kidneys,0.5\n"
    tac = read_trial(write(tmp_path, csv)).tac("P01", 1, "kidneys")
    assert tac.quantity == "activity" and tac.sigma_MBq is None and tac.rows == (2, 3)


def test_total_counts_need_duration_and_convert(tmp_path):
    csv = ("patient,cycle,time [h],region,counts [counts],calibration [cpm/kBq],duration [min]\n"
           "P01,1,4,whole_body,132000,15,2\n")
    # 132000 counts / 120 s = 1100 cps; 15 cpm/kBq = 250 cps/MBq -> 4.4 MBq
    tac = read_trial(write(tmp_path, csv)).tac("P01", 1, "whole_body")
    np.testing.assert_allclose(tac.activity_MBq, [4.4])
    err = violations(tmp_path, "patient,cycle,time [h],region,counts [counts],calibration [cps/MBq]\n"
                               "P01,1,4,whole_body,1000,250\n")
    assert {(x.row, x.field) for x in err.violations} == {(1, "duration")}


def test_each_row_rule_is_reported_at_once(tmp_path):
    csv = HEAD + """P01,1,1,blood,1.0,0.2,,,,5
P01,1,1,kidneys,,0.2,,,,5
P01,1,2,kidneys,,,,,1.0,
P01,1,3,urine,0.1,,,,,
P01,1,4,whole_body,,,1000,,,
P01,1,5,whole_body,,,1000,-2,,
P01,1,6,gut,1.0,,,250,,
P01,1,7,gut,,,,,,
P01,1,8,faeces,,,,,-1,
P01,1,9,gut,1.0,,,,,0
"""
    err = violations(tmp_path, csv)
    got = {(x.row, x.field) for x in err.violations}
    assert got == {
        (2, "activity/concentration"),          # two quantities on one row
        (3, "concentration"),                   # concentration for kidneys
        (4, "cumulative_percent_ia"),           # cumulative excretion for kidneys
        (5, "activity"),                        # urine needs a cumulative quantity
        (6, "calibration"),                     # counts without a calibration factor
        (7, "calibration"),                     # calibration <= 0
        (8, "calibration"),                     # calibration on a row without counts
        (9, "activity/concentration/counts/cumulative_percent_ia"),   # no quantity at all
        (10, "cumulative_percent_ia"),          # negative percentage
        (11, "relative_uncertainty"),           # relative SD must be > 0
    }
    text = str(err)
    assert "measurements.csv, row 3, field 'concentration'" in text and "kidneys" in text
    two = next(x for x in err.violations if x.row == 2)
    assert "exactly one quantity" in two.expected and "activity='1.0'" in two.got


def test_header_rules(tmp_path):
    csv = ("patient,cycle,time [h],region,concentration,counts [cps],cumulative_percent_ia [MBq],"
           "uncertanty [MBq],duration [s]\nP01,1,1,blood,0.2,,,,\n")
    err = violations(tmp_path, csv)
    by_field = {x.field: x for x in err.violations}
    assert all(x.row == 1 for x in err.violations)
    assert set(by_field) == {"concentration", "cumulative_percent_ia", "column 8", "calibration"}
    assert "unit in the header" in by_field["concentration"].expected
    assert "did you mean 'uncertainty'" in by_field["column 8"].expected
    assert by_field["calibration"].got == "missing"


def test_uncertainty_kind_must_fit_the_row(tmp_path):
    csv = ("patient,cycle,time [h],region,activity [MBq],concentration [kBq/mL],uncertainty [MBq],"
           "relative_uncertainty [%]\n"
           "P01,1,1,blood,,0.2,0.01,\n"
           "P01,1,2,gut,1.0,,0.1,10\n"
           "P01,1,3,gut,1.0,,0.1,\n")
    err = violations(tmp_path, csv)
    assert {(x.row, x.field) for x in err.violations} == {(2, "uncertainty"),
                                                          (3, "uncertainty/relative_uncertainty")}


def test_same_time_different_quantity_is_not_a_duplicate(tmp_path):
    csv = ("patient,cycle,time [h],region,activity [MBq],concentration [kBq/mL]\n"
           "P01,1,1,blood,0.5,\nP01,1,1,blood,,0.2\nP01,1,1,blood,,0.3\n")
    err = violations(tmp_path, csv)
    assert [(x.row, x.field) for x in err.violations] == [(4, "row")]
    trial = read_trial(write(tmp_path, csv.rsplit("P01,1,1,blood,,0.3\n", 1)[0]))
    with pytest.raises(KeyError):                          # two quantities: ask for one
        trial.tac("P01", 1, "blood")
    assert trial.tac("P01", 1, "blood", "concentration").activity_MBq[0] == pytest.approx(0.2)
