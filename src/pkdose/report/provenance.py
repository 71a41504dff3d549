"""The provenance appendix of a report: input files with checksums, versions, parameters, sources."""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["PACKAGES", "sha256", "input_files", "package_versions", "parameter_table", "source_table"]

#: Packages whose versions a report lists.
PACKAGES = ("pkdose", "numpy", "scipy", "sympy", "lmfit", "pandas", "xarray", "pint", "plotly",
            "radioactivedecay", "icrp107-database", "papermill", "nbconvert")


def sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (read in chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_files(paths: Iterable[str | Path], *, relative_to: str | Path | None = None) -> pd.DataFrame:
    """One row per input file: name (relative to *relative_to* if given), size in bytes, SHA-256."""
    rows = []
    for p in paths:
        p = Path(p)
        name = p.name if relative_to is None else str(p.resolve().relative_to(Path(relative_to).resolve()))
        rows.append({"file": name, "bytes": p.stat().st_size, "sha256": sha256(p)})
    return pd.DataFrame(rows, columns=["file", "bytes", "sha256"])


def package_versions(names: Iterable[str] = PACKAGES) -> pd.DataFrame:
    """Installed versions of *names* (and Python), for the appendix."""
    rows = [{"package": "python", "version": platform.python_version()}]
    for n in names:
        try:
            v = importlib.metadata.version(n)
        except importlib.metadata.PackageNotFoundError:
            v = "not installed"
        rows.append({"package": n, "version": v})
    return pd.DataFrame(rows, columns=["package", "version"])


def parameter_table(parameters: Mapping[str, Any]) -> pd.DataFrame:
    """The notebook parameters the run used (values shown with ``repr``)."""
    return pd.DataFrame([{"parameter": k, "value": repr(v)} for k, v in parameters.items()],
                        columns=["parameter", "value"])


def source_table(sources: Iterable[Any]) -> pd.DataFrame:
    """Every cited source (:class:`pkdose.provenance.Source`) once, in order of first use."""
    seen: dict[tuple, Any] = {}
    for s in sources:
        seen.setdefault((s.citation, s.table, s.page, s.note), s)
    return pd.DataFrame([{"citation": s.citation, "table": s.table, "page": s.page, "used for": s.note}
                         for s in seen.values()], columns=["citation", "table", "page", "used for"])
