"""`pkdose simulate`: output formats carry the same numbers as the library; errors exit 2."""

import json

import numpy as np
import pytest

from pkdose import Bolus, simulate
from pkdose.cli import main
from pkdose.model.library import get_model

ARGS = ["simulate", "--model", "icrp137-radium", "--nuclide", "Ra-223", "--activity", "3.85 MBq",
        "--times", "1h,1d,7d,28d"]


def run(capsys, *extra):
    code = main([*ARGS, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_matches_library(capsys):
    code, out, _ = run(capsys, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["times_h"] == [1.0, 24.0, 168.0, 672.0]
    assert set(data["excreted_cumulative_MBq"]) == {"Urine", "Faeces"}
    assert {"Whole body", "Skeleton", "Blood", "Liver", "Kidneys", "Soft tissue",
            "Alimentary tract"} <= set(data["groups_MBq"])
    sol = simulate(get_model("icrp137-radium"), None, Bolus("3.85 MBq", into="blood"), data["times_h"])
    np.testing.assert_allclose(data["groups_MBq"]["Skeleton"],
                               sol.group_activity("Skeleton").sel(nuclide="Ra-223")[0], rtol=1e-12)
    np.testing.assert_allclose(data["excreted_cumulative_MBq"]["Faeces"],
                               sol.excreted.sel(sink="faeces", nuclide="Ra-223")[0], rtol=1e-12)
    # whole body + excreta = the decayed administered activity (Ra-223 T1/2 = 11.43 d, ICRP 107)
    total = np.array(data["groups_MBq"]["Whole body"]) + sum(np.array(v) for v in data["excreted_cumulative_MBq"].values())
    np.testing.assert_allclose(total, 3.85 * np.exp(-np.log(2) / (11.43 * 24) * np.array(data["times_h"])), rtol=1e-9)


def test_table_and_csv(capsys):
    code, out, _ = run(capsys)
    assert code == 0 and "Whole body" in out and "28 d" in out and "Faeces (cumulative excreted)" in out
    code, out, _ = run(capsys, "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == "quantity,1 h,24 h,168 h,672 h"
    assert any(line.startswith("Urine (cumulative excreted),") for line in lines)


@pytest.mark.parametrize("daughters", ["own", "parent", "none"])
def test_daughter_options_keep_parent_numbers(capsys, daughters):
    # the parent's kinetics do not depend on how its progeny are treated
    _, base, _ = run(capsys, "--format", "json")
    code, out, _ = run(capsys, "--format", "json", "--daughters", daughters)
    assert code == 0
    a, b = json.loads(base), json.loads(out)
    np.testing.assert_allclose(b["groups_MBq"]["Skeleton"], a["groups_MBq"]["Skeleton"], rtol=1e-9)


def test_errors_name_the_problem(capsys):
    assert main(["simulate", "--model", "icrp137-radum", "--activity", "1 MBq", "--times", "1h"]) == 2
    assert "did you mean 'icrp137-radium'" in capsys.readouterr().err
    assert main([*ARGS[:6], "3.85 kg", "--times", "1h"]) == 2
    assert "activity" in capsys.readouterr().err
    assert main([*ARGS[:8], "1h,1h"]) == 2
    assert "each time once" in capsys.readouterr().err


def test_svalues_json_matches_library(capsys, saf_dir, lu177):
    assert main(["svalues", "Lu-177", "--saf-dir", str(saf_dir), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unit"] == "Gy/(MBq*h)" and data["phantom"] == "adult-male"
    assert len(data["S"]) == 43 and len(data["S"]["Kidneys"]) == 79
    assert data["S"]["Kidneys"]["Liver"] == pytest.approx(lu177.s("Kidneys", "Liver"), rel=1e-12)


def test_svalues_without_saf_files_says_how_to_get_them(capsys, tmp_path):
    assert main(["svalues", "Lu-177", "--saf-dir", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "ICRP Publication 133" in err and "PKDOSE_ICRP133_DIR" in err


def test_dose_coefficients_json(capsys, saf_dir):
    from pkdose.dosimetry import dose_coefficients

    assert main(["dose-coefficients", "--model", "icrp137-radium", "--nuclide", "Ra-223",
                 "--saf-dir", str(saf_dir), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unit"] == "Sv/Bq" and set(data["h_T"]) == {"male", "female"}
    dc = dose_coefficients("icrp137-radium", nuclide="Ra-223", saf_dir=saf_dir)
    assert data["e50"] == pytest.approx(dc.e_Sv_per_Bq, rel=1e-12)
    assert data["h_T"]["female"]["Bone surface"] == pytest.approx(dc.h("Bone surface", "adult-female"), rel=1e-12)
