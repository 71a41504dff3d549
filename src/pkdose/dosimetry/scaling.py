"""Patient-specific mass scaling of reference S values.

For a region whose mass differs from the reference phantom's, the self-dose S values are scaled
as the absorbed-fraction physics suggests (as in OLINDA/EXM; Stabin 2008, references below):

* non-penetrating radiation (electrons, alphas), absorbed almost entirely in the region:
  S_self ∝ 1/m, so S' = S · m_ref/m;
* photons, whose absorbed fraction grows with the region's size: S_self ∝ m^(−2/3),
  S' = S · (m_ref/m)^(2/3);
* cross-irradiation S(T ← S), T ≠ S: unchanged.

The reference mass must be of the same convention as the S values: ICRP 133 *target* masses
include the blood in the organ (e.g. kidneys 0.422 kg against the ICRP 89 parenchyma 0.310 kg in
the adult male), so a measured parenchymal mass must be converted to the same convention first
(the caller's responsibility; the function records the masses it used).

References
----------
M. G. Stabin, "Uncertainties in internal dose calculations for radiopharmaceuticals",
J. Nucl. Med. 49 (2008) 853-860; M. G. Stabin, R. B. Sparks, E. Crowe, "OLINDA/EXM: the
second-generation personal computer software for internal dose assessment in nuclear medicine",
J. Nucl. Med. 46 (2005) 1023-1027.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..errors import DoseError, check_names
from ..units import to_internal
from .svalues import SValueTable

__all__ = ["scale_to_masses"]


def scale_to_masses(s: SValueTable, masses: Mapping[str, Any]) -> SValueTable:
    """Self-dose S values rescaled to patient region masses; cross terms unchanged.

    Parameters
    ----------
    s : SValueTable
        Reference S values (ICRP 133 phantom).
    masses : mapping
        Region name (a name that is both an ICRP 133 target and source region, e.g. ``"Kidneys"``)
        -> patient mass (kg, or a quantity such as ``"380 g"``) in the same convention as the
        table's target masses (blood included for ICRP 133).

    Returns
    -------
    SValueTable
        A copy whose ``values`` and ``by_class`` carry the scaled self-dose terms, whose
        ``target_masses_kg`` are the patient masses, and whose ``convention`` says what was scaled.

    Examples
    --------
    >>> from pkdose.dosimetry import s_values
    >>> s = s_values("Lu-177")
    >>> m_ref = float(s.target_masses_kg["Kidneys"])
    >>> p = scale_to_masses(s, {"Kidneys": 2 * m_ref})
    >>> e_ratio = p.s("Kidneys", "Kidneys", "electron") / s.s("Kidneys", "Kidneys", "electron")
    >>> round(e_ratio, 12)
    0.5
    """
    regions = [t for t in s.targets if t in set(s.sources)]
    check_names("region (target and source)", masses, regions, f"S values of {s.nuclide} ({s.phantom})")
    kg = {r: to_internal(v, "mass", f"masses[{r!r}]") for r, v in masses.items()}
    for r, m in kg.items():
        if not (m > 0 and m < float("inf")):
            raise DoseError(f"masses[{r!r}]", "a mass > 0", m)
    by_class = {c: frame.copy() for c, frame in s.by_class.items()}
    target_masses = s.target_masses_kg.copy()
    notes = []
    for r, m in kg.items():
        ratio = float(s.target_masses_kg[r]) / m
        for c, frame in by_class.items():
            frame.loc[r, r] *= ratio ** (2.0 / 3.0) if c == "photon" else ratio
        target_masses[r] = m
        notes.append(f"{r} {m:g} kg (reference {float(s.target_masses_kg[r]):g} kg)")
    values = sum(by_class.values())
    convention = (s.convention + "; self-dose rescaled to patient masses (electrons and alphas 1/m, photons "
                  "m^(-2/3), cross terms unchanged): " + ", ".join(notes))
    return dataclasses.replace(s, values=values, by_class=by_class, target_masses_kg=target_masses,
                               convention=convention)
