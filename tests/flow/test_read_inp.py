"""The .inp reader: what it uses, and refusals that name file, line and section."""

from __future__ import annotations

from pathlib import Path

import pytest

from pkdose.errors import InputDataError
from pkdose.flow import read_inp, solve_flow

BASE = """[TITLE]
small test
[JUNCTIONS]
;ID elev demand pattern
 j1   0   1.0   pat
[RESERVOIRS]
 R1   10
[TANKS]
 T1   2   3   0   5   10   0
[PIPES]
 p1  R1  j1  100  200  100  0  Open
 p2  j1  T1  100  200  100  0  Open
 p3  j1  T1  100  200  100  0  Closed
[PATTERNS]
 pat  1.5  0.5
[CONTROLS]
 LINK p3 OPEN IF NODE T1 BELOW 4
 LINK p2 CLOSED AT TIME 3
[OPTIONS]
 Units  LPS
 Headloss  H-W
 Accuracy  0.0001
[COORDINATES]
 j1 1 2
[END]
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "net.inp"
    p.write_text(text)
    return p


def test_lps_file_is_read_in_si(tmp_path: Path) -> None:
    net = read_inp(write(tmp_path, BASE))
    assert net.name == "small test"
    assert net.junctions[0].demand_m3s == pytest.approx(1e-3)  # base demand, no pattern
    assert net.pipes[0].diameter_m == pytest.approx(0.2)
    assert {n.name: n.head_m for n in net.fixed_heads} == {"R1": 10.0, "T1": 5.0}
    # the tank-level control fires at t = 0 (level 3 < 4): p3 opens; the t = 3 h one is ignored
    assert [p.status for p in net.pipes] == ["open", "open", "open"]
    assert net.accuracy == 1e-4
    solve_flow(net).check_kirchhoff()


@pytest.mark.parametrize(("old", "new", "section", "marker"), [
    ("[COORDINATES]", "[VALVES]\n v1 j1 T1 100 PRV 5 0\n[COORDINATES]", "[VALVES] v1", "v1 j1"),
    ("[COORDINATES]", "[VALVES]\n v1 j1 T1 100 GPV c1 0\n[COORDINATES]", "[VALVES] v1", "v1 j1"),
    (" T1   2   3   0   5", " T1   2   5   0   5", "[TANKS] T1", "T1   2   5"),
    (" Units  LPS", " Units  LPS\n Pressure kPa", "[OPTIONS] PRESSURE", "kPa"),
    ("[END]", "[RULES]\nRULE 1\n[END]", "[RULES]", "RULE 1"),
    ("[END]", "[DEMANDS]\n j1 2.0\n[END]", "[DEMANDS]", "j1 2.0"),
    ("[END]", "[EMITTERS]\n j1 0.5\n[END]", "[EMITTERS]", "j1 0.5"),
    ("[END]", "[BOGUS]\n x\n[END]", "[BOGUS]", "[BOGUS]"),
    (" Accuracy  0.0001", " Demand Multiplier 1.5", "[OPTIONS] DEMAND MULTIPLIER", "Multiplier"),
    (" Headloss  H-W", " Headloss  C-M", "[OPTIONS] HEADLOSS", "C-M"),
    (" Units  LPS", " Units  CMS", "[OPTIONS] UNITS", "CMS"),
    (" LINK p2 CLOSED AT TIME 3", " LINK p2 CLOSED AT CLOCKTIME 3 AM", "[CONTROLS] control", "CLOCKTIME"),
    (" LINK p3 OPEN IF NODE T1 BELOW 4", " LINK p3 OPEN IF NODE j1 BELOW 4", "[CONTROLS] control",
     "NODE j1"),
    (" R1   10", " R1   10  pat", "[RESERVOIRS] R1", "R1   10  pat"),
    ("0  Closed", "0  XV", "[PIPES] p3", "XV"),
    ("100  200  100  0  Open\n p2", "abc  200  100  0  Open\n p2", "[PIPES] p1", "abc"),
])
def test_refusals_name_file_line_and_section(tmp_path: Path, old: str, new: str,
                                             section: str, marker: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if marker in t)
    path = write(tmp_path, text)
    with pytest.raises(InputDataError) as err:
        read_inp(path)
    v = err.value.violations[0]
    assert v.file == str(path)
    assert v.field.startswith(section)
    assert v.row == line
    assert str(path) in str(err.value) and section.split()[0] in str(err.value)


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = BASE.replace("[END]", "[VALVES]\n v1 j1 T1 100 PRV 5 0\n[RULES]\nRULE 1\n[END]")
    with pytest.raises(InputDataError) as err:
        read_inp(write(tmp_path, text))
    assert [v.field for v in err.value.violations] == ["[RULES] content", "[VALVES] v1"]


def test_pump_with_speed_pattern_is_refused(tmp_path: Path) -> None:
    text = BASE.replace(" p3  j1  T1  100  200  100  0  Closed\n", "").replace(
        "[PATTERNS]", "[PUMPS]\n pu R1 j1 HEAD c1 PATTERN pat\n[CURVES]\n c1 10 5\n[PATTERNS]")
    text = text.replace(" LINK p3 OPEN IF NODE T1 BELOW 4\n", "")
    with pytest.raises(InputDataError) as err:
        read_inp(write(tmp_path, text))
    assert err.value.field.startswith("[PUMPS] pu")
    assert "PATTERN" in str(err.value.got)
