"""The one unit registry of pkdose and the canonical internal units.

Canonical units inside pkdose (DESIGN.md §3): time **h**, activity **MBq**, time-integrated
activity **MBq·h**, mass **kg**, volume **L**, absorbed dose **Gy**, S-value **Gy/(MBq·h)**.
Public functions accept a pint ``Quantity``, a string such as ``"7.4 GBq"`` or a bare number,
which means the canonical unit. They convert once, with :func:`to_internal`, and numerics see
plain floats.

Traps (pint's ``default_en.txt``): ``Bq`` is ``1/s`` so ``Bq·h`` is dimensionless; ``Gy`` and
``Sv`` are both ``J/kg``; ``rad`` is the radian. Hence the dimension checks below are by named
*kind*, not only by pint dimensionality, and doses are kept as separately named fields.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pint

from .errors import UnitError

__all__ = ["ureg", "Q_", "CANONICAL", "to_internal", "as_quantity", "parse_times"]

ureg: pint.UnitRegistry = pint.UnitRegistry()
Q_ = ureg.Quantity

#: kind -> (canonical unit, examples shown in error messages)
CANONICAL: dict[str, tuple[str, str]] = {
    "time": ("h", "s, min, h, d, week"),
    "activity": ("MBq", "Bq, kBq, MBq, GBq, mCi"),
    "tia": ("MBq * h", "MBq*h, GBq*h, MBq*s"),
    "mass": ("kg", "g, kg"),
    "volume": ("L", "mL, L"),
    "absorbed_dose": ("Gy", "mGy, Gy"),
    "s_value": ("Gy / (MBq * h)", "Gy/(MBq*h), mGy/(MBq*s)"),
    "rate": ("1 / h", "1/h, 1/d, 1/min"),
    "flow": ("L / h", "mL/min, L/h"),
    "concentration": ("MBq / L", "kBq/mL, MBq/L"),
}

# Alternative spellings users type; pint knows 'week' and 'day' but not 'wk' etc.
_ALIASES = {"wk": "week", "wks": "week", "weeks": "week", "days": "day", "hrs": "hour",
            "hr": "hour", "mins": "minute"}


@functools.lru_cache(maxsize=None)
def _canonical_unit(kind: str) -> pint.Unit:
    return ureg.Unit(CANONICAL[kind][0])


def as_quantity(value: Any, kind: str, field: str = "value") -> pint.Quantity:
    """Return *value* as a pint Quantity of the given *kind*, checking its dimension.

    Parameters
    ----------
    value : Quantity, str, float or array
        ``"3.85 MBq"``, ``Q_(3.85, "MBq")`` or a bare number in the canonical unit of *kind*.
    kind : str
        One of the keys of :data:`CANONICAL`.
    field : str
        The argument name, used in the error message.

    Raises
    ------
    UnitError
        If the text cannot be parsed or the dimension does not match.
    """
    if kind not in CANONICAL:
        raise KeyError(f"unknown quantity kind {kind!r}; known: {sorted(CANONICAL)}")
    unit = _canonical_unit(kind)
    expected = f"{kind.replace('_', ' ')} ({CANONICAL[kind][1]})"
    if isinstance(value, str):
        text = value.strip()
        parts = text.split()
        if len(parts) == 2 and parts[1] in _ALIASES:
            text = f"{parts[0]} {_ALIASES[parts[1]]}"
        try:
            q: Any = ureg.Quantity(text)
        except Exception as exc:  # pint raises several unrelated types here
            raise UnitError(field, expected, value) from exc
        if not isinstance(q, pint.Quantity):
            raise UnitError(field, expected + " with a unit", value)
        value = q
    if isinstance(value, pint.Quantity):
        if value.dimensionality != unit.dimensionality:
            raise UnitError(field, expected, f"{value:~P}")
        return value
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise UnitError(field, expected, value) from exc
    return Q_(arr if arr.ndim else float(arr), unit)


def to_internal(value: Any, kind: str, field: str = "value") -> Any:
    """Convert *value* to a float (or float array) in the canonical unit of *kind*.

    Examples
    --------
    >>> to_internal("7.4 GBq", "activity")
    7400.0
    >>> to_internal("4 week", "time")
    672.0
    >>> to_internal(2.0, "time")
    2.0
    """
    q = as_quantity(value, kind, field)
    m = q.to(_canonical_unit(kind)).magnitude
    return float(m) if np.ndim(m) == 0 else np.asarray(m, dtype=float)


def parse_times(spec: str | Sequence[Any], field: str = "times") -> np.ndarray:
    """Parse a comma-separated list such as ``"1h,1d,7d,28 d"`` into hours.

    Text items need a unit (``h``, ``d``, ``min``, ``week``; pint reads ``"7d"`` as 7 days);
    numbers are hours.

    Examples
    --------
    >>> parse_times("1h,1d,7d").tolist()
    [1.0, 24.0, 168.0]
    """
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str) and not item.strip():
            raise UnitError(f"{field}[{i}]", "a time such as '4h' or '7 d'", item)
        out.append(to_internal(item.strip() if isinstance(item, str) else item, "time", f"{field}[{i}]"))
    return np.asarray(out, dtype=float)
