"""read_trial: a valid folder reads into canonical units; a broken one reports every violation at once."""

import hashlib

import numpy as np
import pytest

from pkdose.data import read_trial
from pkdose.errors import InputDataError

MANIFEST = """
[trial]
id = "T1"
radiopharmaceutical = "[177Lu]Lu-DOTA-TATE"
nuclide = "Lu-177"
regions = ["kidneys", "liver"]
simulated = true

[[patients]]
id = "P01"
sex = "male"
body_mass_kg = 80.0
[patients.organ_mass_kg]
kidneys = 0.34

[[administrations]]
patient = "P01"
cycle = 1
activity_MBq = 7400.0
"""

GOOD_CSV = """patient,cycle,time [d],region,activity [GBq],uncertainty [MBq]
P01,1,0.25,kidneys,0.10,5
P01,1,1,kidneys,0.08,4
P01,1,4,kidneys,0.03,2
P01,1,1,liver,0.12,
"""


def write(tmp_path, manifest=MANIFEST, csv=GOOD_CSV):
    (tmp_path / "trial.toml").write_text(manifest)
    (tmp_path / "measurements.csv").write_text(csv)
    return tmp_path


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_valid_trial_in_canonical_units(tmp_path):
    folder = write(tmp_path)
    before = digest(folder)
    trial = read_trial(folder)
    assert (trial.id, trial.nuclide, trial.simulated) == ("T1", "Lu-177", True)
    tac = trial.tac("P01", 1, "kidneys")
    np.testing.assert_allclose(tac.times_h, [6.0, 24.0, 96.0])          # days -> hours
    np.testing.assert_allclose(tac.activity_MBq, [100.0, 80.0, 30.0])  # GBq -> MBq
    np.testing.assert_allclose(tac.sigma_MBq, [5.0, 4.0, 2.0])
    assert tac.rows == (2, 3, 4)
    assert trial.tac("P01", 1, "liver").sigma_MBq is None
    assert trial.patient("P01").organ_mass_kg["kidneys"] == 0.34
    assert digest(folder) == before                                    # inputs are only read


def test_percent_injected_activity_uses_the_cycles_administration(tmp_path):
    csv = "patient,cycle,time [h],region,percent_ia [%]\nP01,1,24,kidneys,1.5\n"
    trial = read_trial(write(tmp_path, csv=csv))
    assert trial.tac("P01", 1, "kidneys").activity_MBq[0] == pytest.approx(0.015 * 7400.0)


def test_every_violation_is_reported_at_once(tmp_path):
    csv = """patient,cycle,time [h],region,activity [MBq]
P01,1,4,kidneys,100
P02,1,24,kidneys,80
P01,2,24,kidneys,80
P01,1,-3,liver,10
P01,1,24,spleen,10
P01,1,4,kidneys,99
P01,1,48,kidneys,-1
P01,1,96,kidneys,nan
P01,1,abc,liver,3
"""
    with pytest.raises(InputDataError) as e:
        read_trial(write(tmp_path, csv=csv))
    got = {(x.row, x.field) for x in e.value.violations}
    assert got == {(3, "patient"), (4, "cycle"), (5, "time"), (6, "region"), (7, "row"),
                   (8, "activity"), (9, "activity"), (10, "time")}
    text = str(e.value)
    assert "measurements.csv, row 6, field 'region'" in text and "spleen" in text


def test_header_and_manifest_rules(tmp_path):
    manifest = MANIFEST.replace('sex = "male"', 'sex = "m"').replace("activity_MBq = 7400.0", "activity_MBq = -1")
    csv = "patient,cycle,time,region,activity [MBq]\nP01,1,4,kidneys,100\n"
    with pytest.raises(InputDataError) as e:
        read_trial(write(tmp_path, manifest=manifest, csv=csv))
    fields = {x.field for x in e.value.violations}
    assert {"patients[0].sex", "administrations[0].activity_MBq", "time"} <= fields
    time_v = next(x for x in e.value.violations if x.field == "time")
    assert time_v.row == 1 and "unit" in time_v.expected


def test_wrong_unit_kind_and_missing_files(tmp_path):
    csv = "patient,cycle,time [h],region,activity [kg]\nP01,1,4,kidneys,100\n"
    with pytest.raises(InputDataError) as e:
        read_trial(write(tmp_path, csv=csv))
    assert e.value.violations[0].field == "activity" and "kg" in e.value.violations[0].got
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputDataError) as e:
        read_trial(empty)
    assert {x.field for x in e.value.violations} == {"file"}
    assert len(e.value.violations) == 2


def test_fit_cli_json(tmp_path, capsys):
    import json

    from pkdose.cli import main

    lam = np.log(2) / (6.647 * 24) + 0.02                    # Lu-177 physical + 0.02 /h biological
    t = np.array([4.0, 24.0, 96.0, 168.0])
    rows = "\n".join(f"P01,1,{ti},kidneys,{float(100 * np.exp(-lam * ti))!r},{float(5 * np.exp(-lam * ti))!r}" for ti in t)
    folder = write(tmp_path, csv="patient,cycle,time [h],region,activity [MBq],uncertainty [MBq]\n" + rows + "\n")
    assert main(["fit", str(folder), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    kid = out["patients"]["P01"]["cycles"]["1"]["kidneys"]
    assert kid["tia_MBq_h"] == pytest.approx(100 / lam, rel=1e-6)   # exact data: TIA = A0/λ
    assert kid["n_terms"] == 1 and out["simulated"] is True
    assert main(["fit", str(folder), "--patient", "P9"]) == 2


def test_unknown_manifest_keys_are_reported(tmp_path):
    manifest = MANIFEST.replace("body_mass_kg = 80.0", "body_mass_kg = 80.0\nbody_mas = 81.0").replace(
        'simulated = true', 'simulated = true\nnucleus = "x"')
    with pytest.raises(InputDataError) as e:
        read_trial(write(tmp_path, manifest=manifest))
    by_field = {x.field: x for x in e.value.violations}
    assert set(by_field) == {"patients[0].body_mas", "trial.nucleus"}
    assert "did you mean 'body_mass_kg'" in by_field["patients[0].body_mas"].expected


def test_organ_mass_for_an_unknown_region_is_an_error(tmp_path):
    manifest = MANIFEST.replace("kidneys = 0.34", "kidneys = 0.34\nkidney = 0.30")
    with pytest.raises(InputDataError) as err:
        read_trial(write(tmp_path, manifest=manifest))
    msg = str(err.value)
    assert "patients[0].organ_mass_kg.kidney" in msg and "trial.toml" in msg


TUMOUR_MANIFEST = MANIFEST.replace('regions = ["kidneys", "liver"]',
                                   'regions = ["kidneys", "liver", "tumour_1", "tumour_2", "whole_body"]')


def test_tumour_hosts_trial_default_and_patient_override(tmp_path):
    manifest = (TUMOUR_MANIFEST.replace("simulated = true", 'simulated = true\n[trial.tumour_host]\n'
                                        'tumour_1 = "liver"\ntumour_2 = "lungs"')
                .replace("kidneys = 0.34", 'kidneys = 0.34\n[patients.tumour_host]\ntumour_2 = "red_marrow"'))
    trial = read_trial(write(tmp_path, manifest=manifest))
    assert dict(trial.patient("P01").tumour_host) == {"tumour_1": "liver", "tumour_2": "red_marrow"}


def test_bad_tumour_hosts_are_reported_at_once(tmp_path):
    manifest = (TUMOUR_MANIFEST.replace("simulated = true", 'simulated = true\n\n[trial.tumour_host]\n'
                                        'tumour_9 = "liver"\nkidneys = "liver"\ntumour_1 = "colon"\ntumour_2 = 3')
                .replace("kidneys = 0.34", 'kidneys = 0.34\n[patients.tumour_host]\ntumour_1 = "livr"\n'
                         'tumour_2 = "whole_body"'))
    with pytest.raises(InputDataError) as e:
        read_trial(write(tmp_path, manifest=manifest))
    by_field = {x.field: x for x in e.value.violations}
    assert set(by_field) == {"trial.tumour_host.tumour_9", "trial.tumour_host.kidneys", "trial.tumour_host.tumour_1",
                             "trial.tumour_host.tumour_2", "patients[0].tumour_host.tumour_1",
                             "patients[0].tumour_host.tumour_2"}
    assert "(str)" in by_field["trial.tumour_host.tumour_2"].got
    # unknown tumour, and a region that is no tumour: expected names the trial's tumours
    assert "['tumour_1', 'tumour_2']" in by_field["trial.tumour_host.tumour_9"].expected
    assert by_field["trial.tumour_host.kidneys"].got == "kidneys"
    # unknown host (with the closest), a host of several ICRP 133 regions, a region without a counterpart
    assert "did you mean 'liver'" in by_field["patients[0].tumour_host.tumour_1"].got
    assert "several ICRP 133 source regions" in by_field["trial.tumour_host.tumour_1"].got
    assert "no ICRP 133 counterpart" in by_field["patients[0].tumour_host.tumour_2"].got
    assert "'liver'" in by_field["trial.tumour_host.tumour_1"].expected
