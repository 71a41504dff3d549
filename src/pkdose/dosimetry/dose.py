"""Absorbed and RBE-weighted dose from time-integrated activities and S values (MIRD schema).

.. math::

    D(r_T) = \\sum_{r_S} \\tilde A(r_S)\\, S(r_T \\leftarrow r_S), \\qquad
    D_{RBE}(r_T) = D_\\gamma + D_e + \\mathrm{RBE}_\\alpha\\, D_\\alpha

with Ã in MBq·h and S in Gy/(MBq·h) (MIRD Pamphlet No. 21). Absorbed dose and RBE-weighted dose
are separate named fields: pint cannot tell Gy from Sv (DESIGN.md §3).

References
----------
W. E. Bolch, K. F. Eckerman, G. Sgouros, S. R. Thomas, "MIRD Pamphlet No. 21: a generalized schema
for radiopharmaceutical dosimetry", J. Nucl. Med. 50 (2009) 477-484.
G. Sgouros et al., "MIRD Pamphlet No. 22 (abridged): radiobiology and dosimetry of α-particle
emitters for targeted radionuclide therapy", J. Nucl. Med. 51 (2010) 311-328.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DoseError, check_names
from ..provenance import Source
from ..units import to_internal
from .svalues import SValueTable

__all__ = ["DoseTable", "absorbed_dose", "DEFAULT_ALPHA_RBE", "ALPHA_RBE_SOURCE"]

#: RBE of alpha particles for deterministic effects recommended by MIRD Pamphlet No. 22.
DEFAULT_ALPHA_RBE = 5.0
ALPHA_RBE_SOURCE = Source("Sgouros G et al., MIRD Pamphlet No. 22, J Nucl Med 2010;51:311-328",
                          note="RBE = 5 for deterministic effects of alpha particles")


@dataclass(frozen=True)
class DoseTable:
    """Doses per target region for one or many sets of time-integrated activities.

    Attributes
    ----------
    nuclide, phantom : str
        From the S-value table.
    tia_MBq_h : pandas.DataFrame
        ``(sample, source)``: the time-integrated activities used [MBq·h].
    absorbed_Gy : pandas.DataFrame
        ``(sample, target)``: absorbed dose [Gy].
    absorbed_by_class_Gy : Mapping of str to pandas.DataFrame
        ``"photon"``, ``"electron"``, ``"alpha"``: absorbed dose of each radiation class [Gy].
    rbe_weighted_Gy : pandas.DataFrame
        ``(sample, target)``: RBE-weighted dose [Gy (RBE)], alphas weighted by ``alpha_rbe``.
    alpha_rbe : float
        The alpha RBE used.
    s_convention : str
        The S-value table's convention (SAF source, masses, progeny treatment).
    sources_cited : tuple of Source
    """

    nuclide: str
    phantom: str
    tia_MBq_h: pd.DataFrame
    absorbed_Gy: pd.DataFrame
    absorbed_by_class_Gy: Mapping[str, pd.DataFrame]
    rbe_weighted_Gy: pd.DataFrame
    alpha_rbe: float
    s_convention: str
    sources_cited: tuple[Source, ...]

    def dose(self, target: str, *, sample: int = 0, kind: str = "absorbed") -> float:
        """One dose [Gy]: ``kind`` is ``"absorbed"`` or ``"rbe_weighted"``."""
        check_names("target region", [target], self.absorbed_Gy.columns, "DoseTable")
        check_names("dose kind", [kind], ("absorbed", "rbe_weighted"), "DoseTable.dose")
        frame = self.absorbed_Gy if kind == "absorbed" else self.rbe_weighted_Gy
        return float(frame.iloc[sample][target])


def absorbed_dose(tia: Mapping[str, Any] | pd.Series | pd.DataFrame, s: SValueTable, *,
                  alpha_rbe: float = DEFAULT_ALPHA_RBE) -> DoseTable:
    """Absorbed and RBE-weighted dose per target from time-integrated activities.

    Parameters
    ----------
    tia : mapping, Series or DataFrame
        Time-integrated activity per ICRP 133 source region [MBq·h] (a mapping of region ->
        value, Quantity or string such as ``"12 GBq*h"``), or a DataFrame with one column per
        source region and one row per sample (e.g. virtual patients). Regions not given have
        no activity; unknown regions are errors.
    s : SValueTable
        From :func:`pkdose.dosimetry.s_values`.
    alpha_rbe : float, default 5
        RBE of alpha particles (MIRD Pamphlet No. 22: 5 for deterministic effects).

    Returns
    -------
    DoseTable

    Examples
    --------
    >>> from pkdose.dosimetry import s_values
    >>> s = s_values("Lu-177")
    >>> d = absorbed_dose({"Kidneys": "250 MBq*h"}, s)
    >>> round(d.dose("Kidneys") / (250 * s.s("Kidneys", "Kidneys")), 12)
    1.0
    """
    if not (np.isfinite(alpha_rbe) and alpha_rbe > 0):
        raise DoseError("alpha_rbe", "a finite value > 0", alpha_rbe)
    if isinstance(tia, pd.DataFrame):
        frame = tia.astype(float)
    else:
        items = dict(tia.items()) if isinstance(tia, (pd.Series, Mapping)) else None
        if items is None:
            raise DoseError("tia", "a mapping of source region -> MBq*h, a Series or a DataFrame", type(tia).__name__)
        frame = pd.DataFrame([{k: to_internal(v, "tia", f"tia[{k!r}]") for k, v in items.items()}])
    check_names("source region", frame.columns, s.sources, f"S values of {s.nuclide} ({s.phantom})")
    values = frame.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise DoseError(f"tia[{frame.columns[j]!r}] (sample {i})", "a finite value >= 0 MBq*h", values[i, j])
    cols = list(frame.columns)
    frame.index.name = "sample"
    classes = list(s.by_class)
    targets = list(s.values.index)
    # one matrix product for everything: (samples, sources) @ (sources, blocks x targets), the
    # blocks being the total, each class and the RBE-weighted sum (no large element-wise sums)
    per_class = [s.by_class[c].loc[:, cols].to_numpy() for c in classes]
    total_S = s.values.loc[:, cols].to_numpy()
    rbe_S = total_S + (alpha_rbe - 1.0) * s.by_class["alpha"].loc[:, cols].to_numpy()
    stacked = np.concatenate([total_S, *per_class, rbe_S], axis=0)
    doses = np.ascontiguousarray(values) @ stacked.T
    nt = len(targets)

    def block(k: int) -> pd.DataFrame:
        return pd.DataFrame(doses[:, k * nt:(k + 1) * nt], index=frame.index, columns=targets, copy=False)

    by_class = {c: block(1 + k) for k, c in enumerate(classes)}
    return DoseTable(s.nuclide, s.phantom, frame, block(0), by_class, block(len(classes) + 1), float(alpha_rbe),
                     s.convention, tuple(s.sources_cited) + (ALPHA_RBE_SOURCE,))
