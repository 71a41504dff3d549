"""Rounded text for notebook cells that nbval compares (``nbval-check-output``).

Floating-point results differ in their last bits between machines and library versions; the
numbers that matter are printed to a fixed number of significant figures, so a real change (a
dose off by more than the rounding) fails the comparison while platform noise does not.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pandas as pd

__all__ = ["sig", "rounded", "check_text", "table"]


def sig(x: float, digits: int = 3, missing: str = "nan") -> str:
    """*x* to *digits* significant figures, as text (``nan`` for missing values).

    Examples
    --------
    >>> sig(0.0123456), sig(12345.6), sig(float("nan")), sig(-2.5e-7, 2)
    ('0.0123', '1.23e+04', 'nan', '-2.5e-07')
    """
    if x is None or not math.isfinite(float(x)):
        return missing
    return f"{float(x):.{digits}g}"


def rounded(df: pd.DataFrame, digits: int = 3, missing: str = "–") -> pd.DataFrame:
    """A copy of *df* with every float column as text to *digits* significant figures (NaN: *missing*)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [sig(v, digits, missing) for v in out[col]]
    return out


def check_text(df: pd.DataFrame, digits: int = 3) -> str:
    """Fixed-width text of :func:`rounded` (no index), for ``print`` in a checked cell."""
    return rounded(df, digits).to_string(index=False)


def table(df: pd.DataFrame, digits: int = 3, *, index: bool = False) -> Any:
    """A display table: floats to *digits* significant figures, index hidden, and a stable HTML id.

    pandas gives every styled table a random id, which would make a stored notebook change on
    every run; the id here is derived from the table's content instead.
    """
    uid = hashlib.sha256(df.to_json(default_handler=str).encode()).hexdigest()[:10]
    floats = [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]
    style = df.style.set_uuid(uid).format({c: (lambda v: sig(v, digits, "–")) for c in floats})
    return style if index else style.hide(axis="index")
