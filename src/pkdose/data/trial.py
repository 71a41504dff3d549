"""Trial data: a manifest and a tidy measurements table, validated all at once (DESIGN.md §5).

A trial folder holds

``trial.toml``
    ``[trial]`` id, radiopharmaceutical, nuclide, regions (the allowed region names),
    ``simulated`` (true for synthetic demo data) and a description; one ``[[patients]]`` table per
    patient (id, sex, body_mass_kg, optional ``[patients.organ_mass_kg]``); one
    ``[[administrations]]`` table per patient and cycle (patient, cycle, activity_MBq, optional
    ``start`` date-time).
``measurements.csv``
    One row per measurement with the unit in every quantitative header: ``patient``, ``cycle``,
    ``time [h]`` (after that cycle's administration; any time unit), ``region``, and the activity as
    ``activity [MBq]`` (any activity unit) or ``percent_ia [%]`` (percent of the administered
    activity of that cycle); optional ``uncertainty [MBq]`` (one standard deviation, same kind as
    the activity column).

:func:`read_trial` checks every rule, collects every violation with file, row, field, expected
and got, and raises one :class:`~pkdose.errors.InputDataError` listing them all; nothing is
dropped, clipped or rewritten, and the input files are only read.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError, UnknownNameError, Violation
from ..units import to_internal

__all__ = ["Trial", "Patient", "Administration", "TimeActivityCurve", "read_trial", "MANIFEST", "MEASUREMENTS"]

MANIFEST = "trial.toml"
MEASUREMENTS = "measurements.csv"
_HEADER = re.compile(r"^\s*([A-Za-z_]+)\s*(?:\[(.+)\])?\s*$")
_SEXES = ("male", "female")
#: Keys each manifest table accepts (anything else is reported: a typo must not be ignored).
#: ``[trial.generator]`` is free-form provenance of simulated data (script, seed, notes).
_TRIAL_KEYS = ("id", "radiopharmaceutical", "nuclide", "regions", "simulated", "description", "generator")
_PATIENT_KEYS = ("id", "sex", "body_mass_kg", "organ_mass_kg")
_ADMIN_KEYS = ("patient", "cycle", "activity_MBq", "start")


def _unknown_keys(f: str, where: str, table: Any, allowed: tuple[str, ...], v: list[Violation]) -> None:
    if not isinstance(table, dict):
        return
    for key in table:
        if key not in allowed:
            close = UnknownNameError("key", key, allowed).suggestions
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            v.append(Violation(f, None, f"{where}.{key}" if where else key, f"one of {list(allowed)}{hint}", key))


@dataclass(frozen=True)
class Patient:
    """A trial patient: id, sex, body mass [kg] and measured organ masses [kg]."""

    id: str
    sex: str
    body_mass_kg: float
    organ_mass_kg: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Administration:
    """One administration: patient, cycle number and administered activity [MBq]."""

    patient: str
    cycle: int
    activity_MBq: float
    start: str | None = None


@dataclass(frozen=True)
class TimeActivityCurve:
    """Measurements of one region of one patient in one cycle.

    Attributes
    ----------
    patient, region : str
    cycle : int
    times_h : ndarray
        Times after the cycle's administration [h], increasing.
    activity_MBq : ndarray
        Activity [MBq].
    sigma_MBq : ndarray or None
        One standard deviation per measurement [MBq], when given.
    rows : tuple of int
        Row numbers in ``measurements.csv`` (header = row 1), for traceability.
    """

    patient: str
    cycle: int
    region: str
    times_h: np.ndarray
    activity_MBq: np.ndarray
    sigma_MBq: np.ndarray | None
    rows: tuple[int, ...]


@dataclass(frozen=True)
class Trial:
    """A validated trial (frozen): manifest facts and the measurements in canonical units.

    ``measurements`` has columns patient, cycle, time_h, region, activity_MBq, sigma_MBq (NaN when
    not given) and row (the CSV row it came from).
    """

    id: str
    radiopharmaceutical: str
    nuclide: str
    regions: tuple[str, ...]
    simulated: bool
    description: str
    patients: tuple[Patient, ...]
    administrations: tuple[Administration, ...]
    measurements: pd.DataFrame
    path: str

    def patient(self, pid: str) -> Patient:
        ids = [p.id for p in self.patients]
        if pid not in ids:
            raise UnknownNameError("patient", pid, ids, f"trial {self.id}")
        return self.patients[ids.index(pid)]

    def tac(self, patient: str, cycle: int, region: str) -> TimeActivityCurve:
        """The time-activity curve of one region of one patient in one cycle."""
        self.patient(patient)
        if region not in self.regions:
            raise UnknownNameError("region", region, self.regions, f"trial {self.id}")
        m = self.measurements
        sel = m[(m["patient"] == patient) & (m["cycle"] == cycle) & (m["region"] == region)].sort_values("time_h")
        if sel.empty:
            raise UnknownNameError("measured (patient, cycle, region)", f"{patient}/{cycle}/{region}",
                                   sorted({f"{p}/{c}/{r}" for p, c, r in zip(m["patient"], m["cycle"], m["region"])}),
                                   f"trial {self.id}")
        sig = sel["sigma_MBq"].to_numpy()
        return TimeActivityCurve(patient, int(cycle), region, sel["time_h"].to_numpy(), sel["activity_MBq"].to_numpy(),
                                 None if np.all(np.isnan(sig)) else sig, tuple(int(r) for r in sel["row"]))

    def curves(self) -> list[TimeActivityCurve]:
        """Every measured (patient, cycle, region) curve."""
        keys = self.measurements[["patient", "cycle", "region"]].drop_duplicates().itertuples(index=False)
        return [self.tac(p, int(c), r) for p, c, r in keys]


def _manifest(path: Path, v: list[Violation]) -> dict[str, Any]:
    f = str(path)
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        v.append(Violation(f, None, "file", f"a manifest {MANIFEST}", "no such file"))
        return {}
    except tomllib.TOMLDecodeError as exc:
        v.append(Violation(f, None, "file", "valid TOML", str(exc)))
        return {}
    trial = doc.get("trial")
    if not isinstance(trial, dict):
        v.append(Violation(f, None, "[trial]", "a [trial] table", "missing"))
        return {}
    _unknown_keys(f, "trial", trial, _TRIAL_KEYS, v)
    _unknown_keys(f, "", doc, ("trial", "patients", "administrations"), v)
    for section, allowed in (("patients", _PATIENT_KEYS), ("administrations", _ADMIN_KEYS)):
        for i, item in enumerate(doc.get(section, []) or []):
            _unknown_keys(f, f"{section}[{i}]", item, allowed, v)
    for key in ("id", "radiopharmaceutical", "nuclide"):
        if not isinstance(trial.get(key), str) or not trial.get(key):
            v.append(Violation(f, None, f"trial.{key}", "a non-empty string", trial.get(key)))
    regions = trial.get("regions")
    if not (isinstance(regions, list) and regions and all(isinstance(r, str) and r for r in regions)):
        v.append(Violation(f, None, "trial.regions", "a list of region names", regions))
    elif len(set(regions)) != len(regions):
        v.append(Violation(f, None, "trial.regions", "each region once", regions))
    if not isinstance(trial.get("simulated", False), bool):
        v.append(Violation(f, None, "trial.simulated", "true or false", trial.get("simulated")))
    if isinstance(trial.get("nuclide"), str):
        from ..nuclides import get_nuclide

        try:
            get_nuclide(trial["nuclide"])
        except UnknownNameError as exc:
            v.append(Violation(f, None, "trial.nuclide", "an ICRP 107 nuclide", str(exc)))
    return doc


def _patients(doc: dict, f: str, v: list[Violation]) -> tuple[Patient, ...]:
    out = []
    seen: set[str] = set()
    for i, p in enumerate(doc.get("patients", []) or []):
        where = f"patients[{i}]"
        pid = p.get("id")
        if not isinstance(pid, str) or not pid:
            v.append(Violation(f, None, f"{where}.id", "a non-empty string", pid))
            continue
        if pid in seen:
            v.append(Violation(f, None, f"{where}.id", "each patient once", pid))
        seen.add(pid)
        sex = p.get("sex")
        if sex not in _SEXES:
            v.append(Violation(f, None, f"{where}.sex", "'male' or 'female'", sex))
        mass = p.get("body_mass_kg")
        if not isinstance(mass, (int, float)) or isinstance(mass, bool) or not (0 < mass < 700):
            v.append(Violation(f, None, f"{where}.body_mass_kg", "a body mass in kg, 0 < m < 700", mass))
            mass = float("nan")
        organs = p.get("organ_mass_kg", {}) or {}
        for organ, m in organs.items():
            if not isinstance(m, (int, float)) or isinstance(m, bool) or not m > 0:
                v.append(Violation(f, None, f"{where}.organ_mass_kg.{organ}", "a mass in kg > 0", m))
        out.append(Patient(pid, str(sex), float(mass), dict(organs)))
    if not out:
        v.append(Violation(f, None, "patients", "at least one [[patients]] table", "none"))
    return tuple(out)


def _administrations(doc: dict, f: str, pids: set[str], v: list[Violation]) -> tuple[Administration, ...]:
    out = []
    seen: set[tuple[str, int]] = set()
    for i, a in enumerate(doc.get("administrations", []) or []):
        where = f"administrations[{i}]"
        pid, cyc, act = a.get("patient"), a.get("cycle"), a.get("activity_MBq")
        if pid not in pids:
            v.append(Violation(f, None, f"{where}.patient", f"one of the patients {sorted(pids)}", pid))
        if not isinstance(cyc, int) or isinstance(cyc, bool) or cyc < 1:
            v.append(Violation(f, None, f"{where}.cycle", "a cycle number >= 1", cyc))
            continue
        if (pid, cyc) in seen:
            v.append(Violation(f, None, f"{where}", "one administration per patient and cycle", f"{pid} cycle {cyc}"))
        seen.add((pid, cyc))
        if not isinstance(act, (int, float)) or isinstance(act, bool) or not (np.isfinite(act) and act > 0):
            v.append(Violation(f, None, f"{where}.activity_MBq", "an activity in MBq > 0", act))
            act = float("nan")
        out.append(Administration(str(pid), int(cyc), float(act), a.get("start")))
    return tuple(out)


def _measurements(path: Path, regions: set[str], pids: set[str], admin: dict[tuple[str, int], float],
                  v: list[Violation]) -> pd.DataFrame:
    f = str(path)
    empty = pd.DataFrame(columns=["patient", "cycle", "time_h", "region", "activity_MBq", "sigma_MBq", "row"])
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        v.append(Violation(f, None, "file", f"a measurements table {MEASUREMENTS}", "no such file"))
        return empty
    if not rows:
        v.append(Violation(f, 1, "header", "a header row", "empty file"))
        return empty
    cols: dict[str, tuple[int, str | None]] = {}
    for j, h in enumerate(rows[0]):
        m = _HEADER.match(h)
        if not m:
            v.append(Violation(f, 1, f"column {j + 1}", "'name' or 'name [unit]'", h))
            continue
        name, unit = m.group(1).lower(), m.group(2)
        if name in cols:
            v.append(Violation(f, 1, name, "each column once", h))
        cols[name] = (j, unit.strip() if unit else None)
    for name in ("patient", "cycle", "time", "region"):
        if name not in cols:
            v.append(Violation(f, 1, name, f"a column '{name}'" + (" [unit]" if name == "time" else ""), "missing"))
    kinds = [k for k in ("activity", "percent_ia") if k in cols]
    if len(kinds) != 1:
        v.append(Violation(f, 1, "activity", "exactly one of 'activity [MBq]' or 'percent_ia [%]'",
                           kinds or "neither"))
    for name, expect in (("time", "time"), ("activity", "activity"), ("uncertainty", None)):
        if name in cols and cols[name][1] is None:
            v.append(Violation(f, 1, name, f"a unit in the header, e.g. '{name} [{'h' if name == 'time' else 'MBq'}]'",
                               rows[0][cols[name][0]]))
    if "percent_ia" in cols and cols["percent_ia"][1] not in ("%", "percent"):
        v.append(Violation(f, 1, "percent_ia", "'percent_ia [%]'", rows[0][cols["percent_ia"][0]]))
    if any(x.field in ("patient", "cycle", "time", "region", "activity") and x.row == 1 and x.file == f for x in v):
        return empty
    kind = kinds[0]
    unc_kind = "percent_ia" if kind == "percent_ia" else "activity"
    records = []
    seen: dict[tuple, int] = {}
    for i, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            v.append(Violation(f, i, "row", "a measurement", "an empty row"))
            continue
        if len(raw) != len(rows[0]):
            v.append(Violation(f, i, "row", f"{len(rows[0])} fields", len(raw)))
            continue

        def cell(name: str) -> str:
            return raw[cols[name][0]].strip()

        pid, region = cell("patient"), cell("region")
        if pid not in pids:
            v.append(Violation(f, i, "patient", f"one of {sorted(pids)}", pid))
        if region not in regions:
            v.append(Violation(f, i, "region", f"one of the trial's regions {sorted(regions)}", region))
        try:
            cyc = int(cell("cycle"))
        except ValueError:
            v.append(Violation(f, i, "cycle", "a whole number >= 1", cell("cycle")))
            continue
        if (pid, cyc) not in admin and pid in pids:
            v.append(Violation(f, i, "cycle", f"a cycle with an administration for {pid}", cyc))
        t = _number(f, i, "time", cell("time"), cols["time"][1], "time", v)
        if t is not None and t < 0:
            v.append(Violation(f, i, "time", "a time >= 0 after the cycle's administration", cell("time")))
        if kind == "activity":
            a = _number(f, i, "activity", cell("activity"), cols["activity"][1], "activity", v)
        else:
            pct = _number(f, i, "percent_ia", cell("percent_ia"), None, None, v)
            a = None if pct is None or (pid, cyc) not in admin else pct / 100.0 * admin[(pid, cyc)]
        if a is not None and a < 0:
            v.append(Violation(f, i, kind, "an activity >= 0", cell(kind)))
        s = float("nan")
        if "uncertainty" in cols and cell("uncertainty"):
            unit = cols["uncertainty"][1]
            if unc_kind == "percent_ia":
                val = _number(f, i, "uncertainty", cell("uncertainty"), None, None, v)
                s = float("nan") if val is None or (pid, cyc) not in admin else val / 100.0 * admin[(pid, cyc)]
            else:
                val = _number(f, i, "uncertainty", cell("uncertainty"), unit, "activity", v)
                s = float("nan") if val is None else val
            if val is not None and not val > 0:
                v.append(Violation(f, i, "uncertainty", "a standard deviation > 0", cell("uncertainty")))
        key = (pid, cyc, region, t)
        if t is not None and key in seen:
            v.append(Violation(f, i, "row", f"one measurement per patient, cycle, region and time (also row {seen[key]})",
                               f"{pid}, cycle {cyc}, {region}, {cell('time')}"))
        elif t is not None:
            seen[key] = i
        records.append((pid, cyc, t, region, a, s, i))
    frame = pd.DataFrame(records, columns=empty.columns)
    return frame


def _number(f: str, row: int, name: str, text: str, unit: str | None, kind: str | None, v: list[Violation]) -> float | None:
    try:
        x = float(text)
    except ValueError:
        v.append(Violation(f, row, name, "a number", text))
        return None
    if not np.isfinite(x):
        v.append(Violation(f, row, name, "a finite number", text))
        return None
    if kind is None:
        return x
    try:
        return float(to_internal(f"{x!r} {unit}", kind, name))
    except Exception as exc:  # UnitError from the header's unit, reported once per row
        v.append(Violation(f, row, name, f"a {kind} unit", f"{unit} ({exc})"))
        return None


def read_trial(path: str | os.PathLike) -> Trial:
    """Read and validate a trial folder (``trial.toml`` + ``measurements.csv``).

    Raises
    ------
    InputDataError
        Listing every violation: file, row, field, expected, got.
    """
    root = Path(path)
    v: list[Violation] = []
    if not root.is_dir():
        raise InputDataError([Violation(str(root), None, "path", "a trial folder", "no such folder")])
    doc = _manifest(root / MANIFEST, v)
    f = str(root / MANIFEST)
    trial = doc.get("trial", {}) if doc else {}
    regions = set(trial.get("regions") or [])
    patients = _patients(doc, f, v) if doc else ()
    pids = {p.id for p in patients}
    for i, p in enumerate(patients):
        for organ in p.organ_mass_kg:
            if regions and organ not in regions:        # a mass for no region is a typo, not data
                v.append(Violation(f, None, f"patients[{i}].organ_mass_kg.{organ}",
                                   f"one of the trial's regions {sorted(regions)}", organ))
    admins = _administrations(doc, f, pids, v) if doc else ()
    admin = {(a.patient, a.cycle): a.activity_MBq for a in admins}
    meas = _measurements(root / MEASUREMENTS, regions, pids, admin, v)
    if v:
        raise InputDataError(v)
    return Trial(str(trial["id"]), str(trial["radiopharmaceutical"]), str(trial["nuclide"]),
                 tuple(trial["regions"]), bool(trial.get("simulated", False)), str(trial.get("description", "")),
                 patients, admins, meas, str(root))
