"""Trial data: a manifest and a tidy measurements table, validated all at once (DESIGN.md §5).

A trial folder holds

``trial.toml``
    ``[trial]`` id, radiopharmaceutical, nuclide, regions (the allowed region names),
    ``simulated`` (true for synthetic demo data) and a description; one ``[[patients]]`` table per
    patient (id, sex, body_mass_kg, optional ``[patients.organ_mass_kg]``: one mass per region, plus
    ``red_marrow`` for the blood-based marrow method when ``blood`` is a region; optional
    ``[patients.tumour_host]``, below); one ``[[administrations]]`` table per patient and cycle
    (patient, cycle, activity_MBq, optional ``start`` date-time).
``measurements.csv``
    One row per measurement with the unit in every quantitative header: ``patient``, ``cycle``,
    ``time [h]`` (after that cycle's administration; any time unit), ``region``, and one or more
    *quantity columns*. Every row fills exactly one quantity column (two filled on one row is an
    error, so is none); the unit is in the header, so one column cannot mix units.

Where the tumours lie: ``tumour_host`` maps a tumour region of the trial (a name that
:func:`pkdose.dosimetry.regions.is_tumour` accepts, e.g. ``tumour_1``) to the organ containing it,
one of :data:`pkdose.dosimetry.regions.TUMOUR_HOSTS` (``liver``, ``kidneys``, ``lungs``,
``red_marrow`` for a bone-marrow lesion, ...; the host need not be an imaged region). It may be
given for the whole trial as ``[trial.tumour_host]`` and per patient as ``[patients.tumour_host]``
(after that patient's other keys); a patient's entry replaces the trial's for the same tumour,
and ``Patient.tumour_host`` holds the result::

    [trial.tumour_host]
    tumour_1 = "liver"            # every patient's tumour_1 is a liver lesion ...

    [[patients]]
    id = "P2"
    ...
    [patients.tumour_host]
    tumour_1 = "pancreas"         # ... except P2's

Only the ``icrp133`` method of :func:`pkdose.dosimetry.imaging.trial_doses` uses it (the photon
cross-dose between each tumour and the organs, through its host); a tumour without a host gets
its self-dose only, and the dose tables say so. Reported as violations: a key that is not a
tumour region of the trial, a host name that is not an imaging region (with the closest host),
and a region that cannot hold a tumour, with the reason (several ICRP 133 source regions as for
``colon``, no ICRP 133 target as for contents and ``blood``, an organ of one sex, ``whole_body``).

Quantity columns and what they become (``TimeActivityCurve.quantity``, canonical unit):

=============================  ======================  =========================================
column                         quantity                meaning
=============================  ======================  =========================================
``activity [MBq]``             activity, MBq           activity in the region (any activity unit)
``percent_ia [%]``             activity, MBq           % of that cycle's administered activity
``counts [cps]``               activity, MBq           count rate (``cps``, ``cpm``) / ``calibration``;
                                                       or ``counts [counts]`` (total) / ``duration``
``concentration [kBq/mL]``     concentration, MBq/L    body-fluid sample; regions ``blood``,
                                                       ``plasma``, ``serum`` only
``cumulative_percent_ia [%]``  cumulative_excreted,    % of that cycle's administered activity
                               MBq                     excreted up to the time; regions ``urine``,
                                                       ``faeces`` only
``cumulative_activity [MBq]``  cumulative_excreted,    the same as an activity
                               MBq
=============================  ======================  =========================================

Counts need ``calibration [cps/MBq]`` (any count rate per activity unit, e.g. ``cpm/kBq``) on every
counts row, and total counts also ``duration [s]`` (acquisition time, any time unit); these two
columns must be empty on other rows. Excreta regions (``urine``, ``faeces``) accept only the
cumulative columns, and the cumulative columns only those regions; concentrations only fluid
regions. Whether values are decay-corrected is a property of the trial (say so in its README or
description); the reader does not correct anything.

Optional uncertainty (one standard deviation), at most one per row: ``uncertainty [unit]`` with
``%`` (percentage points of the administered activity, for ``percent_ia`` and
``cumulative_percent_ia`` rows), an activity unit (activity rows) or a concentration unit
(concentration rows); or ``relative_uncertainty [%]`` (percent of the measured value, any row).
Any other column name is an error.

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError, UnknownNameError, Violation
from ..units import CANONICAL, to_internal

__all__ = ["Trial", "Patient", "Administration", "TimeActivityCurve", "read_trial", "MANIFEST", "MEASUREMENTS",
           "QUANTITY_COLUMNS", "QUANTITY_UNITS", "FLUID_REGIONS", "EXCRETA_REGIONS"]

MANIFEST = "trial.toml"
MEASUREMENTS = "measurements.csv"
_HEADER = re.compile(r"^\s*([A-Za-z_]+)\s*(?:\[(.+)\])?\s*$")
_SEXES = ("male", "female")
#: Keys each manifest table accepts (anything else is reported: a typo must not be ignored).
#: ``[trial.generator]`` is free-form provenance of simulated data (script, seed, notes).
_TRIAL_KEYS = ("id", "radiopharmaceutical", "nuclide", "regions", "simulated", "description", "generator",
               "tumour_host")
_PATIENT_KEYS = ("id", "sex", "body_mass_kg", "organ_mass_kg", "tumour_host")
_ADMIN_KEYS = ("patient", "cycle", "activity_MBq", "start")
#: Quantity columns: CSV column -> (quantity on the curve, how the header's unit is read).
#: ``"pct"``: percent of the cycle's administered activity; ``"counts"``: see :data:`_COUNT_RATE`.
QUANTITY_COLUMNS: dict[str, tuple[str, str]] = {
    "activity": ("activity", "activity"),
    "percent_ia": ("activity", "pct"),
    "counts": ("activity", "counts"),
    "concentration": ("concentration", "concentration"),
    "cumulative_activity": ("cumulative_excreted", "activity"),
    "cumulative_percent_ia": ("cumulative_excreted", "pct"),
}
#: Canonical unit of each quantity (values and ``sigma`` are stored in it).
QUANTITY_UNITS = {"activity": "MBq", "concentration": "MBq/L", "cumulative_excreted": "MBq"}
#: Regions where an activity concentration is measured (samples of a body fluid).
FLUID_REGIONS = ("blood", "plasma", "serum")
#: Regions of excreta: only cumulative quantities are accepted there (and only there).
EXCRETA_REGIONS = ("urine", "faeces")
_OTHER_COLUMNS = ("patient", "cycle", "time", "region", "uncertainty", "relative_uncertainty",
                  "calibration", "duration")
_PCT = ("%", "percent")
#: Count-rate units -> counts per second per unit; total-count units need ``duration``.
_COUNT_RATE = {"cps": 1.0, "counts/s": 1.0, "cts/s": 1.0, "1/s": 1.0,
               "cpm": 1.0 / 60.0, "counts/min": 1.0 / 60.0, "cts/min": 1.0 / 60.0}
_COUNT_TOTAL = ("counts", "count", "cts")


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
    """A trial patient: id, sex, body mass [kg], measured organ masses [kg] and tumour hosts.

    ``tumour_host`` maps a tumour region to the organ containing it: the trial's
    ``[trial.tumour_host]`` with the patient's own ``[patients.tumour_host]`` entries replacing it
    (module docstring).
    """

    id: str
    sex: str
    body_mass_kg: float
    organ_mass_kg: Mapping[str, float] = field(default_factory=dict)
    tumour_host: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Administration:
    """One administration: patient, cycle number and administered activity [MBq]."""

    patient: str
    cycle: int
    activity_MBq: float
    start: str | None = None


@dataclass(frozen=True)
class TimeActivityCurve:
    """Measurements of one quantity in one region of one patient in one cycle.

    Attributes
    ----------
    patient, region : str
    cycle : int
    times_h : ndarray
        Times after the cycle's administration [h], increasing.
    activity_MBq : ndarray
        The measured values in the canonical unit of ``quantity`` (see ``unit``): activity [MBq]
        for ``"activity"`` (the default; from ``activity``, ``percent_ia`` or ``counts`` columns),
        activity concentration [MBq/L] for ``"concentration"``, cumulative excreted activity [MBq]
        for ``"cumulative_excreted"``. The name is kept from the activity-only format.
    sigma_MBq : ndarray or None
        One standard deviation per measurement, same unit as ``activity_MBq``, when given.
    rows : tuple of int
        Row numbers in ``measurements.csv`` (header = row 1), for traceability.
    quantity : {"activity", "concentration", "cumulative_excreted"}
        What was measured; only ``"activity"`` curves are fitted by :func:`pkdose.fit.fit_trial`.
    """

    patient: str
    cycle: int
    region: str
    times_h: np.ndarray
    activity_MBq: np.ndarray
    sigma_MBq: np.ndarray | None
    rows: tuple[int, ...]
    quantity: str = "activity"

    @property
    def unit(self) -> str:
        """Canonical unit of ``activity_MBq`` and ``sigma_MBq`` for this ``quantity``."""
        return QUANTITY_UNITS[self.quantity]


@dataclass(frozen=True)
class Trial:
    """A validated trial (frozen): manifest facts and the measurements in canonical units.

    ``measurements`` has columns patient, cycle, time_h, region, activity_MBq (the value in the
    canonical unit of its quantity: MBq, or MBq/L for concentrations), sigma_MBq (NaN when not
    given), row (the CSV row it came from) and quantity (``"activity"``, ``"concentration"`` or
    ``"cumulative_excreted"``). ``nuclide`` is the canonical ICRP 107 name (``"Ra-223"``, whatever
    spelling the manifest used, e.g. ``"223Ra"``).
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

    def tac(self, patient: str, cycle: int, region: str, quantity: str | None = None) -> TimeActivityCurve:
        """The curve of one region of one patient in one cycle.

        Parameters
        ----------
        patient, region : str
        cycle : int
        quantity : {"activity", "concentration", "cumulative_excreted"} or None
            None: the one quantity measured there (an error if the region has several).

        Raises
        ------
        UnknownNameError
            Unknown patient, region or quantity, or nothing measured for that combination.
        """
        self.patient(patient)
        if region not in self.regions:
            raise UnknownNameError("region", region, self.regions, f"trial {self.id}")
        if quantity is not None and quantity not in QUANTITY_UNITS:
            raise UnknownNameError("quantity", quantity, QUANTITY_UNITS, f"trial {self.id}")
        m = self.measurements
        sel = m[(m["patient"] == patient) & (m["cycle"] == cycle) & (m["region"] == region)]
        measured = sorted(set(sel["quantity"]))
        if quantity is None and len(measured) > 1:
            raise UnknownNameError("quantity (several measured here; pass quantity=)", "None", measured,
                                   f"trial {self.id}, {patient}/{cycle}/{region}")
        if quantity is not None:
            sel = sel[sel["quantity"] == quantity]
        sel = sel.sort_values("time_h")
        if sel.empty:
            raise UnknownNameError("measured (patient, cycle, region, quantity)",
                                   f"{patient}/{cycle}/{region}/{quantity or 'any'}",
                                   sorted({f"{p}/{c}/{r}/{q}" for p, c, r, q in
                                           zip(m["patient"], m["cycle"], m["region"], m["quantity"])}),
                                   f"trial {self.id}")
        sig = sel["sigma_MBq"].to_numpy(dtype=float)
        return TimeActivityCurve(patient, int(cycle), region, sel["time_h"].to_numpy(dtype=float),
                                 sel["activity_MBq"].to_numpy(dtype=float),
                                 None if np.all(np.isnan(sig)) else sig, tuple(int(r) for r in sel["row"]),
                                 str(sel["quantity"].iloc[0]))

    def curves(self, quantity: str | None = "activity") -> list[TimeActivityCurve]:
        """Every measured (patient, cycle, region) curve of one quantity.

        Parameters
        ----------
        quantity : {"activity", "concentration", "cumulative_excreted"} or None, default "activity"
            The default returns only activity curves (MBq), which is what
            :func:`pkdose.fit.fit_trial` fits; blood concentrations and cumulative excretion are
            left out unless asked for. None: every curve of every quantity.
        """
        if quantity is not None and quantity not in QUANTITY_UNITS:
            raise UnknownNameError("quantity", quantity, QUANTITY_UNITS, f"trial {self.id}")
        m = self.measurements
        if quantity is not None:
            m = m[m["quantity"] == quantity]
        keys = m[["patient", "cycle", "region", "quantity"]].drop_duplicates().itertuples(index=False)
        return [self.tac(p, int(c), r, q) for p, c, r, q in keys]


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
        out.append(Patient(pid, str(sex), float(mass), dict(organs)))     # tumour_host: _tumour_hosts
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


def _calibration_factor(unit: str | None) -> float | None:
    """cps/MBq per unit of a calibration header such as ``cps/MBq``, ``cpm/kBq`` (None: not one)."""
    if not unit:
        return None
    for rate, per_s in _COUNT_RATE.items():
        if unit.startswith(rate + "/") and rate != "1/s":
            try:
                mbq = float(to_internal(f"1 {unit[len(rate) + 1:]}", "activity", "calibration"))
            except Exception:
                return None
            return per_s / mbq
    return None


def _measurements(path: Path, regions: set[str], pids: set[str], admin: dict[tuple[str, int], float],
                  v: list[Violation]) -> pd.DataFrame:
    f = str(path)
    empty = pd.DataFrame(columns=["patient", "cycle", "time_h", "region", "activity_MBq", "sigma_MBq", "row",
                                  "quantity"])
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        v.append(Violation(f, None, "file", f"a measurements table {MEASUREMENTS}", "no such file"))
        return empty
    if not rows:
        v.append(Violation(f, 1, "header", "a header row", "empty file"))
        return empty
    header_ok = len(v)
    known = (*_OTHER_COLUMNS, *QUANTITY_COLUMNS)
    cols: dict[str, tuple[int, str | None]] = {}
    for j, h in enumerate(rows[0]):
        m = _HEADER.match(h)
        if not m:
            v.append(Violation(f, 1, f"column {j + 1}", "'name' or 'name [unit]'", h))
            continue
        name, unit = m.group(1).lower(), m.group(2)
        if name not in known:                       # an unknown column is a typo, not data to ignore
            close = UnknownNameError("column", name, known).suggestions
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            v.append(Violation(f, 1, f"column {j + 1}", f"one of {list(known)}{hint}", h))
            continue
        if name in cols:
            v.append(Violation(f, 1, name, "each column once", h))
        cols[name] = (j, unit.strip() if unit else None)

    def header(name: str) -> str:
        return rows[0][cols[name][0]]

    for name in ("patient", "cycle", "time", "region"):
        if name not in cols:
            v.append(Violation(f, 1, name, f"a column '{name}'" + (" [unit]" if name == "time" else ""), "missing"))
    qcols = sorted((c for c in QUANTITY_COLUMNS if c in cols), key=lambda c: cols[c][0])   # CSV order
    if not qcols:
        v.append(Violation(f, 1, "activity", "at least one quantity column: 'activity [MBq]', 'percent_ia [%]', "
                           "'counts [cps]', 'concentration [kBq/mL]', 'cumulative_activity [MBq]' or "
                           "'cumulative_percent_ia [%]'", "none"))
    unc_kind: str | None = None
    for name in (*qcols, "time", "uncertainty", "relative_uncertainty", "calibration", "duration"):
        if name not in cols:
            continue
        unit = cols[name][1]
        read = QUANTITY_COLUMNS[name][1] if name in QUANTITY_COLUMNS else name
        example = {"activity": "MBq", "pct": "%", "counts": "cps", "concentration": "kBq/mL", "time": "h",
                   "uncertainty": "MBq", "relative_uncertainty": "%", "calibration": "cps/MBq",
                   "duration": "s"}[read]
        if unit is None:
            v.append(Violation(f, 1, name, f"a unit in the header, e.g. '{name} [{example}]'", header(name)))
        elif read in ("pct", "relative_uncertainty") and unit not in _PCT:
            v.append(Violation(f, 1, name, f"'{name} [%]'", header(name)))
        elif read == "counts" and unit not in _COUNT_RATE and unit not in _COUNT_TOTAL:
            v.append(Violation(f, 1, name, f"a count rate {list(_COUNT_RATE)} or total counts {list(_COUNT_TOTAL)}",
                               header(name)))
        elif read == "calibration" and _calibration_factor(unit) is None:
            v.append(Violation(f, 1, name, "a count rate per activity, e.g. 'calibration [cps/MBq]'", header(name)))
        elif read in ("activity", "concentration", "time", "duration"):
            kind = "time" if read == "duration" else read
            try:
                to_internal(f"1 {unit}", kind, name)
            except Exception:
                v.append(Violation(f, 1, name, f"a {kind} unit ({CANONICAL[kind][1]})", header(name)))
        elif read == "uncertainty":
            if unit in _PCT:
                unc_kind = "pct"
            else:
                for kind in ("activity", "concentration"):
                    try:
                        to_internal(f"1 {unit}", kind, name)
                        unc_kind = kind
                        break
                    except Exception:
                        pass
                else:
                    v.append(Violation(f, 1, name, "'%' (of the administered activity), an activity unit or a "
                                       "concentration unit", header(name)))
    counts_total = "counts" in cols and cols["counts"][1] in _COUNT_TOTAL
    if "counts" in cols and "calibration" not in cols:
        v.append(Violation(f, 1, "calibration", "a column 'calibration [cps/MBq]' with the 'counts' column", "missing"))
    if counts_total and "duration" not in cols:
        v.append(Violation(f, 1, "duration", "a column 'duration [s]' with total 'counts'", "missing"))
    for name in ("calibration", "duration"):
        if name in cols and "counts" not in cols:
            v.append(Violation(f, 1, name, "a 'counts' column that it belongs to", header(name)))
    if any(x.row == 1 and x.file == f for x in v[header_ok:]):
        return empty
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
            return raw[cols[name][0]].strip() if name in cols else ""

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
        a_adm = admin.get((pid, cyc))
        if a_adm is None and pid in pids:
            v.append(Violation(f, i, "cycle", f"a cycle with an administration for {pid}", cyc))
        t = _number(f, i, "time", cell("time"), cols["time"][1], "time", v)
        if t is not None and t < 0:
            v.append(Violation(f, i, "time", "a time >= 0 after the cycle's administration", cell("time")))
        filled = [c for c in qcols if cell(c)]
        if len(qcols) == 1 and not filled:
            filled = qcols                          # one quantity column: an empty cell is "not a number"
        if len(filled) != 1:
            v.append(Violation(f, i, "/".join(filled) if filled else "/".join(qcols),
                               f"exactly one quantity per row, in one of the columns {qcols}",
                               ", ".join(f"{c}={cell(c)!r}" for c in filled) if filled else "none"))
            continue
        src = filled[0]
        quantity, read = QUANTITY_COLUMNS[src]
        if quantity == "concentration" and region not in FLUID_REGIONS:
            v.append(Violation(f, i, src, f"a concentration only for a body-fluid region {list(FLUID_REGIONS)}",
                               f"{src} for region {region!r}"))
        elif quantity == "cumulative_excreted" and region not in EXCRETA_REGIONS:
            v.append(Violation(f, i, src, f"a cumulative excretion only for an excreta region {list(EXCRETA_REGIONS)}",
                               f"{src} for region {region!r}"))
        elif quantity != "cumulative_excreted" and region in EXCRETA_REGIONS:
            v.append(Violation(f, i, src, "for excreta, 'cumulative_percent_ia [%]' or 'cumulative_activity [MBq]' "
                               "(fractions of the administered activity excreted up to that time)",
                               f"{src} for region {region!r}"))
        if src != "counts":
            for name in ("calibration", "duration"):
                if cell(name):
                    v.append(Violation(f, i, name, "empty on a row without counts", cell(name)))
        a: float | None
        if read == "pct":
            pct = _number(f, i, src, cell(src), None, None, v)
            a = None if pct is None or a_adm is None else pct / 100.0 * a_adm
            if pct is not None and pct < 0:
                v.append(Violation(f, i, src, "a percentage >= 0", cell(src)))
        elif read == "counts":
            a = _counts(f, i, cell, cols, counts_total, v)
        else:
            a = _number(f, i, src, cell(src), cols[src][1], read, v)
            if a is not None and a < 0:
                v.append(Violation(f, i, src, f"{quantity.replace('_', ' ')} >= 0", cell(src)))
        s = float("nan")
        if cell("uncertainty") and cell("relative_uncertainty"):
            v.append(Violation(f, i, "uncertainty/relative_uncertainty", "at most one uncertainty per row",
                               f"uncertainty={cell('uncertainty')!r}, relative_uncertainty={cell('relative_uncertainty')!r}"))
        elif cell("relative_uncertainty"):
            val = _number(f, i, "relative_uncertainty", cell("relative_uncertainty"), None, None, v)
            if val is not None and not val > 0:
                v.append(Violation(f, i, "relative_uncertainty", "a relative standard deviation > 0 %",
                                   cell("relative_uncertainty")))
            s = float("nan") if val is None or a is None else val / 100.0 * a
        elif cell("uncertainty") and unc_kind is not None:
            want = "concentration" if quantity == "concentration" else ("pct" if read == "pct" else "activity")
            ok = unc_kind == want or (want == "pct" and unc_kind == "activity")
            if not ok:
                v.append(Violation(f, i, "uncertainty", f"for {src}, an uncertainty in "
                                   f"{'% of the administered activity or an activity unit' if want == 'pct' else want + ' units'}"
                                   f" (or use 'relative_uncertainty [%]')", f"[{cols['uncertainty'][1]}]"))
                val = None
            elif unc_kind == "pct":
                val = _number(f, i, "uncertainty", cell("uncertainty"), None, None, v)
                s = float("nan") if val is None or a_adm is None else val / 100.0 * a_adm
            else:
                val = _number(f, i, "uncertainty", cell("uncertainty"), cols["uncertainty"][1], unc_kind, v)
                s = float("nan") if val is None else val
            if val is not None and not val > 0:
                v.append(Violation(f, i, "uncertainty", "a standard deviation > 0", cell("uncertainty")))
        key = (pid, cyc, region, quantity, t)
        if t is not None and key in seen:
            v.append(Violation(f, i, "row", f"one {quantity.replace('_', ' ')} per patient, cycle, region and "
                               f"time (also row {seen[key]})", f"{pid}, cycle {cyc}, {region}, {cell('time')}"))
        elif t is not None:
            seen[key] = i
        records.append((pid, cyc, t, region, a, s, i, quantity))
    return pd.DataFrame(records, columns=empty.columns)


def _counts(f: str, row: int, cell: Any, cols: dict[str, tuple[int, str | None]], total: bool,
            v: list[Violation]) -> float | None:
    """Activity [MBq] = count rate [cps] / calibration [cps/MBq]; total counts are divided by the duration."""
    unit = cols["counts"][1] or ""
    n = _number(f, row, "counts", cell("counts"), None, None, v)
    if n is not None and n < 0:
        v.append(Violation(f, row, "counts", "counts >= 0", cell("counts")))
    k = None
    if not cell("calibration"):
        v.append(Violation(f, row, "calibration", "a calibration factor on every row with counts", "empty"))
    else:
        k = _number(f, row, "calibration", cell("calibration"), None, None, v)
        if k is not None and not k > 0:
            v.append(Violation(f, row, "calibration", "a calibration factor > 0", cell("calibration")))
            k = None
    rate = None if n is None else n * _COUNT_RATE.get(unit, 1.0)
    if total:
        d = None
        if not cell("duration"):
            v.append(Violation(f, row, "duration", "an acquisition duration on every row with total counts", "empty"))
        else:
            d = _number(f, row, "duration", cell("duration"), cols["duration"][1], "time", v)
            if d is not None and not d > 0:
                v.append(Violation(f, row, "duration", "an acquisition duration > 0", cell("duration")))
                d = None
        rate = None if n is None or d is None else n / (d * 3600.0)      # duration in h -> counts per s
    if rate is None or k is None:
        return None
    return rate / (k * (_calibration_factor(cols["calibration"][1]) or float("nan")))


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


def _tumour_hosts(doc: dict, f: str, trial: Any, regions: set[str], patients: tuple[Patient, ...],
                  v: list[Violation]) -> tuple[Patient, ...]:
    """Check ``[trial.tumour_host]`` and ``[patients.tumour_host]``; each patient's merged table."""
    from ..dosimetry.regions import TUMOUR_HOSTS, is_tumour, tumour_host_problem

    tumours = sorted(r for r in regions if is_tumour(r))

    def check(where: str, table: Any) -> dict[str, str]:
        if not isinstance(table, dict):
            v.append(Violation(f, None, where, 'a table of tumour = "organ containing it"', table))
            return {}
        good = {}
        for tumour, host in table.items():
            bad = False
            if tumour not in tumours:
                v.append(Violation(f, None, f"{where}.{tumour}", f"a tumour region of the trial {tumours}"
                                   if tumours else "a tumour region of the trial (trial.regions has none)", tumour))
                bad = True
            problem = tumour_host_problem(host)
            if problem is not None:
                v.append(Violation(f, None, f"{where}.{tumour}", "the organ containing the tumour, one of "
                                   f"{sorted(TUMOUR_HOSTS)}", f"{host!r}: {problem}"))
                bad = True
            if not bad:
                good[tumour] = host
        return good

    default = check("trial.tumour_host", trial["tumour_host"]) if "tumour_host" in trial else {}
    own = {p.get("id"): check(f"patients[{i}].tumour_host", p["tumour_host"])
           for i, p in enumerate(doc.get("patients", []) or []) if isinstance(p, dict) and "tumour_host" in p}
    return tuple(replace(p, tumour_host={**default, **own.get(p.id, {})}) for p in patients)


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
    # a mass for no region is a typo, not data; except the red marrow of the blood-based method
    massable = regions | ({"red_marrow"} if "blood" in regions else set())
    for i, p in enumerate(patients):
        for organ in p.organ_mass_kg:
            if regions and organ not in massable:
                v.append(Violation(f, None, f"patients[{i}].organ_mass_kg.{organ}",
                                   f"one of the trial's regions {sorted(regions)}"
                                   + (" or 'red_marrow' (with blood samples)" if "blood" in regions else ""), organ))
    patients = _tumour_hosts(doc, f, trial, regions, patients, v) if doc else patients
    admins = _administrations(doc, f, pids, v) if doc else ()
    admin = {(a.patient, a.cycle): a.activity_MBq for a in admins}
    meas = _measurements(root / MEASUREMENTS, regions, pids, admin, v)
    if v:
        raise InputDataError(v)
    from ..nuclides import get_nuclide

    nuclide = get_nuclide(str(trial["nuclide"])).name        # canonical spelling: "223Ra" -> "Ra-223"
    return Trial(str(trial["id"]), str(trial["radiopharmaceutical"]), nuclide,
                 tuple(trial["regions"]), bool(trial.get("simulated", False)), str(trial.get("description", "")),
                 patients, admins, meas, str(root))
