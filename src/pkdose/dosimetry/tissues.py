"""Equivalent dose per tissue and effective dose (ICRP 103 quantities on ICRP 133 target regions).

.. math::

    H_T = \\sum_R w_R \\sum_{r_T} f_{T}(r_T)\\, D_R(r_T), \\qquad
    E = \\sum_T w_T \\frac{H_T^M + H_T^F}{2}, \\qquad
    H_{\\mathrm{rem}}^{M,F} = \\frac{1}{13} \\sum_{T \\in \\mathrm{rem}^{M,F}} H_T^{M,F}

with :math:`D_R(r_T)` the absorbed dose of radiation class R in ICRP 133 target region
:math:`r_T` [Gy], :math:`w_R` the radiation weighting factor, :math:`f_T(r_T)` the fraction of
tissue T assigned to target region :math:`r_T` (1 for tissues that are one target region),
:math:`w_T` the tissue weighting factor and the remainder :math:`H_{\\mathrm{rem}}` of each sex the
arithmetic mean of its 13 remainder tissues (prostate in the male, uterus/cervix in the female).
Equivalent and effective doses are in Sv and are kept apart from absorbed dose [Gy] (separate
types and field names; pint cannot tell Gy from Sv, DESIGN.md section 3).

Where the numbers come from (each constant below names its source):

* :data:`TISSUE_WEIGHTS`, :data:`REMAINDER_TISSUES`: ICRP Publication 103, Table 3 and its
  footnote; :data:`RADIATION_WEIGHTS`: ICRP Publication 103, Table 2.
* :data:`TISSUE_TARGETS`, which target regions make up each tissue: the ICRP 130/133 rule that
  the extrathoracic region, the thoracic airways (lung), the colon and the lymphatic nodes are
  fractional combinations of target regions and every other tissue is one target region
  (ICRP Publication 130, quoted in the ICRP glossary, entry "Target tissue"). The fractions
  were read from the open implementation FlexID of the ICRP OIR dose coefficients
  (``FlexID.Calc/lib/OIR/wT.txt``, each target region's share of the effective dose, divided
  here by the tissue's w_T), and the tissue -> target-region lists agree with FlexID's
  ``MainRoutine_OIR.cs``. The ICRP 130/133 table itself was not available to pkdose; its
  number and page are therefore not given.

These are quantities of radiological protection for reference persons: they are not a
patient-specific risk estimate, and the alpha RBE of :class:`~pkdose.dosimetry.DoseTable`
(deterministic effects) plays no part here; w_R does.

Examples
--------
A uniform absorbed dose of 1 Gy of photons in every target region gives 1 Sv:

>>> import pandas as pd
>>> from pkdose.dosimetry.dose import DoseTable
>>> def uniform(phantom, gray):
...     cols = list(targets_used(phantom))
...     zero = pd.DataFrame(0.0, index=[0], columns=cols)
...     dose = zero + gray
...     return DoseTable("none", phantom, pd.DataFrame(index=[0]), dose,
...                      {"photon": dose, "electron": zero, "alpha": zero}, dose, 5.0, "synthetic", ())
>>> e = effective_dose(uniform("adult-male", 1.0), uniform("adult-female", 1.0))
>>> round(float(e.effective_Sv.iloc[0]), 12)
1.0
>>> tissue_targets("Colon")
(('RC-stem', 0.4), ('LC-stem', 0.4), ('RS-stem', 0.2))

References
----------
ICRP, 2007. The 2007 Recommendations of the International Commission on Radiological
Protection. ICRP Publication 103. Ann. ICRP 37(2-4).
ICRP, 2015. Occupational Intakes of Radionuclides: Part 1. ICRP Publication 130. Ann. ICRP 44(2).
ICRP, 2016. The ICRP computational framework for internal dose assessment for reference adults:
specific absorbed fractions. ICRP Publication 133. Ann. ICRP 45(2).
FlexID, MHI NS Engineering Co., Ltd., github.com/MHI-NSENG/FlexID (also github.com/9rnsr/FlexID),
files ``FlexID.Calc/lib/OIR/wT.txt`` (commit 6875cc57931104e2b9dc9baad2caa796eaa8514a) and
``FlexID.Calc/MainRoutine_OIR.cs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..errors import DoseError, UnknownNameError
from ..provenance import Source
from .dose import DoseTable
from .icrp133 import canonical_phantom

__all__ = [
    "EquivalentDoses",
    "EffectiveDose",
    "equivalent_dose",
    "effective_dose",
    "tissue_weight",
    "tissue_targets",
    "targets_used",
    "RADIATION_WEIGHTS",
    "TISSUE_WEIGHTS",
    "REMAINDER_WEIGHT",
    "REMAINDER",
    "REMAINDER_TISSUES",
    "TISSUE_TARGETS",
    "TISSUES",
    "SEXES",
    "SOURCES",
]

#: The two reference phantoms, male first: the keys of the per-sex results.
SEXES: tuple[str, str] = ("adult-male", "adult-female")
_MALE, _FEMALE = SEXES

#: Where the numbers of this module come from.
SOURCES: MappingProxyType[str, Source] = MappingProxyType({
    "w_R": Source(
        "ICRP Publication 103, Ann. ICRP 37(2-4), 2007", table="2",
        note="radiation weighting factors: photons 1, electrons and muons 1, alpha particles, "
             "fission fragments and heavy ions 20 (page number not verified by pkdose)"),
    "w_T": Source(
        "ICRP Publication 103, Ann. ICRP 37(2-4), 2007", table="3",
        note="tissue weighting factors; the footnote lists the 13 remainder tissues of each sex "
             "(page number not verified by pkdose)"),
    "effective_dose": Source(
        "ICRP Publication 103, Ann. ICRP 37(2-4), 2007; ICRP glossary entry 'Effective dose' "
        "(icrpaedia.org/Effective_dose, adapted from ICRP Publication 130)",
        note="E = sum_T w_T (H_T^M + H_T^F)/2, with sum_T w_T = 1; the remainder of each sex is "
             "the arithmetic mean of its 13 remainder tissues (ICRP 103, Table 3 footnote)"),
    "target_tissue": Source(
        "ICRP Publication 130, Ann. ICRP 44(2), 2015, as quoted in the ICRP glossary entry "
        "'Target tissue' (icrpaedia.org/Target_tissue)",
        note="each tissue is one target region, except the extrathoracic airways, thoracic "
             "airways, colon and lymphatic nodes, which are fractional weightings of several "
             "target regions"),
    "target_fractions": Source(
        "FlexID (MHI NS Engineering Co., Ltd.; github.com/MHI-NSENG/FlexID), "
        "FlexID.Calc/lib/OIR/wT.txt at commit 6875cc57931104e2b9dc9baad2caa796eaa8514a, read by "
        "the pkdose developers; tissue -> target-region lists as in FlexID.Calc/MainRoutine_OIR.cs "
        "(github.com/9rnsr/FlexID)",
        note="per-target-region shares of the effective dose used for the ICRP OIR dose "
             "coefficients; a tissue's fractions are these shares divided by its w_T. The ICRP "
             "130/133 table these shares implement was not available to pkdose"),
})

#: Radiation weighting factor w_R of each radiation class of a DoseTable
#: (ICRP Publication 103, Table 2). The "alpha" class of pkdose S values includes alpha recoil
#: nuclei and fission fragments (evaluated with the 2 MeV alpha SAF), which Table 2 also weights
#: by 20. Neutrons are not in pkdose S values and so not here.
RADIATION_WEIGHTS: MappingProxyType[str, float] = MappingProxyType({
    "photon": 1.0,      # ICRP 103, Table 2: photons
    "electron": 1.0,    # ICRP 103, Table 2: electrons and muons
    "alpha": 20.0,      # ICRP 103, Table 2: alpha particles, fission fragments, heavy ions
})

#: Name of the remainder in :data:`TISSUE_WEIGHTS`.
REMAINDER = "Remainder"

#: w_T of the remainder tissues taken together (ICRP Publication 103, Table 3).
REMAINDER_WEIGHT = 0.12

#: Tissue weighting factors w_T (ICRP Publication 103, Table 3); they sum to 1.
TISSUE_WEIGHTS: MappingProxyType[str, float] = MappingProxyType({
    "Red bone marrow": 0.12,     # ICRP 103, Table 3
    "Colon": 0.12,               # ICRP 103, Table 3
    "Lung": 0.12,                # ICRP 103, Table 3
    "Stomach": 0.12,             # ICRP 103, Table 3
    "Breast": 0.12,              # ICRP 103, Table 3
    "Gonads": 0.08,              # ICRP 103, Table 3
    "Bladder": 0.04,             # ICRP 103, Table 3
    "Oesophagus": 0.04,          # ICRP 103, Table 3
    "Liver": 0.04,               # ICRP 103, Table 3
    "Thyroid": 0.04,             # ICRP 103, Table 3
    "Bone surface": 0.01,        # ICRP 103, Table 3
    "Brain": 0.01,               # ICRP 103, Table 3
    "Salivary glands": 0.01,     # ICRP 103, Table 3
    "Skin": 0.01,                # ICRP 103, Table 3
    REMAINDER: REMAINDER_WEIGHT,  # ICRP 103, Table 3 (13 tissues per sex, footnote)
})

_COMMON_REMAINDER = ("Adrenals", "Extrathoracic region", "Gall bladder", "Heart", "Kidneys",
                     "Lymphatic nodes", "Muscle", "Oral mucosa", "Pancreas", "Small intestine",
                     "Spleen", "Thymus")

#: The 13 remainder tissues of each sex (ICRP Publication 103, Table 3 footnote: prostate in the
#: male, uterus/cervix in the female).
REMAINDER_TISSUES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    _MALE: _COMMON_REMAINDER + ("Prostate",),
    _FEMALE: _COMMON_REMAINDER + ("Uterus/cervix",),
})

_Parts = tuple[tuple[str, float], ...]


def _one(target: str) -> Mapping[str, _Parts]:
    return {_MALE: ((target, 1.0),), _FEMALE: ((target, 1.0),)}


def _both(parts: _Parts) -> Mapping[str, _Parts]:
    return {_MALE: parts, _FEMALE: parts}


#: ICRP 133 target regions making up each tissue, with the fraction of the tissue assigned to
#: each, per sex. Single-region tissues: ICRP 130 via the ICRP glossary ("Target tissue") and
#: FlexID MainRoutine_OIR.cs; fractions: FlexID lib/OIR/wT.txt (see :data:`SOURCES`). A tissue
#: absent in a sex (prostate in the female, uterus in the male) has no entry for that sex.
TISSUE_TARGETS: MappingProxyType[str, Mapping[str, _Parts]] = MappingProxyType({
    "Red bone marrow": _one("R-marrow"),
    # FlexID wT.txt: RC-stem 0.048, LC-stem 0.048, RS-stem 0.024 of w_T(colon) = 0.12
    "Colon": _both((("RC-stem", 0.4), ("LC-stem", 0.4), ("RS-stem", 0.2))),
    # FlexID wT.txt: Bronch-bas 0.02, Bronch-sec 0.02, Bchiol-sec 0.04, AI 0.04 of w_T(lung) = 0.12
    "Lung": _both((("Bronch-bas", 1 / 6), ("Bronch-sec", 1 / 6), ("Bchiol-sec", 1 / 3),
                   ("AI", 1 / 3))),
    "Stomach": _one("St-stem"),
    "Breast": _one("Breast"),
    "Gonads": {_MALE: (("Testes", 1.0),), _FEMALE: (("Ovaries", 1.0),)},
    "Bladder": _one("UB-wall"),
    "Oesophagus": _one("Oesophagus"),
    "Liver": _one("Liver"),
    "Thyroid": _one("Thyroid"),
    "Bone surface": _one("Endost-BS"),
    "Brain": _one("Brain"),
    "Salivary glands": _one("S-glands"),
    "Skin": _one("Skin"),
    "Adrenals": _one("Adrenals"),
    # FlexID wT.txt: ET1-bas 9.23e-6, ET2-bas 9.2215e-3 of the 0.12/13 of one remainder tissue
    "Extrathoracic region": _both((("ET1-bas", 0.001), ("ET2-bas", 0.999))),
    "Gall bladder": _one("GB-wall"),
    "Heart": _one("Ht-wall"),
    "Kidneys": _one("Kidneys"),
    # FlexID wT.txt: LN-ET 7.385e-4, LN-Th 7.385e-4, LN-Sys 7.754e-3 of 0.12/13
    "Lymphatic nodes": _both((("LN-ET", 0.08), ("LN-Th", 0.08), ("LN-Sys", 0.84))),
    "Muscle": _one("Muscle"),
    "Oral mucosa": _one("O-mucosa"),
    "Pancreas": _one("Pancreas"),
    "Prostate": {_MALE: (("Prostate", 1.0),)},
    "Small intestine": _one("SI-stem"),
    "Spleen": _one("Spleen"),
    "Thymus": _one("Thymus"),
    "Uterus/cervix": {_FEMALE: (("Uterus", 1.0),)},
})

#: All tissues with an equivalent dose here, in the order of ICRP 103 Table 3 then remainder.
TISSUES: tuple[str, ...] = tuple(TISSUE_TARGETS)


def _sex(phantom: str) -> str:
    return canonical_phantom(phantom)


def _tissues_of(sex: str) -> tuple[str, ...]:
    return tuple(t for t in TISSUES if sex in TISSUE_TARGETS[t])


def _check_tissue(tissue: str, where: str) -> None:
    if tissue not in TISSUE_TARGETS and tissue != REMAINDER:
        raise UnknownNameError("tissue", tissue, (*TISSUES, REMAINDER), where)


def tissue_weight(tissue: str) -> float:
    """Tissue weighting factor w_T (ICRP Publication 103, Table 3).

    Parameters
    ----------
    tissue : str
        A tissue of Table 3 (e.g. ``"Red bone marrow"``, ``"Gonads"``) or ``"Remainder"``.
        A single remainder tissue has no w_T of its own: asking for one is an error.

    Returns
    -------
    float
        w_T, dimensionless.

    Raises
    ------
    UnknownNameError
        An unknown tissue, with close matches, or a remainder tissue.

    Examples
    --------
    >>> tissue_weight("Gonads"), tissue_weight("Remainder")
    (0.08, 0.12)
    >>> try:
    ...     tissue_weight("Lungs")
    ... except UnknownNameError as err:
    ...     print(err.suggestions[0])
    Lung
    """
    if tissue in TISSUE_WEIGHTS:
        return TISSUE_WEIGHTS[tissue]
    where = "ICRP 103 Table 3"
    if tissue in TISSUE_TARGETS:
        where += (f" ({tissue!r} is a remainder tissue: it enters E through the mean of the 13 "
                  "remainder tissues, w_T 0.12 for that mean)")
    raise UnknownNameError("weighted tissue", tissue, TISSUE_WEIGHTS, where)


def tissue_targets(tissue: str, phantom: str = "adult-male") -> tuple[tuple[str, float], ...]:
    """ICRP 133 target regions making up a tissue, with their fractions (summing to 1).

    Parameters
    ----------
    tissue : str
        A tissue of :data:`TISSUES`.
    phantom : str, default "adult-male"
        ``"adult-male"`` or ``"adult-female"`` (or ``"am"``, ``"af"``).

    Returns
    -------
    tuple of (str, float)
        ``(target region, fraction)`` pairs.

    Raises
    ------
    UnknownNameError
        Unknown tissue or phantom, or a tissue the sex does not have (prostate, uterus).

    Examples
    --------
    >>> tissue_targets("Gonads", "adult-female")
    (('Ovaries', 1.0),)
    """
    sex = _sex(phantom)
    _check_tissue(tissue, "tissue_targets")
    parts = TISSUE_TARGETS.get(tissue, {})
    if sex not in parts:
        raise UnknownNameError("tissue", tissue, _tissues_of(sex), f"the ICRP {sex} reference person")
    return parts[sex]


def targets_used(phantom: str = "adult-male") -> tuple[str, ...]:
    """The ICRP 133 target regions the equivalent doses of one sex are computed from.

    Examples
    --------
    >>> "Prostate" in targets_used("adult-male"), "Prostate" in targets_used("adult-female")
    (True, False)
    """
    sex = _sex(phantom)
    seen: dict[str, None] = {}
    for t in _tissues_of(sex):
        for region, _ in TISSUE_TARGETS[t][sex]:
            seen[region] = None
    return tuple(seen)


# ----------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class EffectiveDose:
    """Effective dose E [Sv] per sample, and the tissue terms it is the sum of.

    Attributes
    ----------
    nuclide : str
    effective_Sv : pandas.Series
        Indexed by sample: E [Sv]. Sex-averaged (ICRP 103) unless ``sex_averaged`` is False.
    sex_averaged : bool
        True for the ICRP 103 effective dose; False for a sex-specific value asked for with
        ``sex_specific=True`` (then ``quantity`` says so).
    sexes : tuple of str
        The reference persons whose equivalent doses were used.
    quantity : str
        What ``effective_Sv`` is, in words.
    contributions_Sv : pandas.DataFrame
        ``(sample, weighted tissue)``: w_T times the (sex-averaged) H_T [Sv] of each tissue of
        ICRP 103 Table 3 and of the remainder; the rows sum to ``effective_Sv``.
    sources_cited : tuple of Source
    """

    nuclide: str
    effective_Sv: pd.Series
    sex_averaged: bool
    sexes: tuple[str, ...]
    quantity: str
    contributions_Sv: pd.DataFrame
    sources_cited: tuple[Source, ...]


@dataclass(frozen=True)
class EquivalentDoses:
    """Equivalent dose H_T [Sv] per tissue for each given sex.

    Attributes
    ----------
    nuclide : str
    h_T_Sv : Mapping of str to pandas.DataFrame
        ``"adult-male"`` and/or ``"adult-female"`` -> ``(sample, tissue)``: H_T [Sv] of every
        tissue the sex has (:data:`TISSUES`; no prostate for the female, no uterus/cervix for
        the male).
    remainder_Sv : Mapping of str to pandas.Series
        Per sex, by sample: the arithmetic mean of the 13 remainder tissues [Sv].
    radiation_weights : Mapping of str to float
        The w_R used per radiation class.
    sources_cited : tuple of Source
    """

    nuclide: str
    h_T_Sv: Mapping[str, pd.DataFrame]
    remainder_Sv: Mapping[str, pd.Series]
    radiation_weights: Mapping[str, float]
    sources_cited: tuple[Source, ...]

    @property
    def sexes(self) -> tuple[str, ...]:
        """The reference persons present, male first."""
        return tuple(s for s in SEXES if s in self.h_T_Sv)

    def h(self, tissue: str, phantom: str = "adult-male", *, sample: int = 0) -> float:
        """One equivalent dose [Sv]; ``tissue`` may be ``"Remainder"``.

        Raises
        ------
        UnknownNameError
            Unknown tissue or a sex not computed, with close matches.
        """
        sex = _sex(phantom)
        if sex not in self.h_T_Sv:
            raise UnknownNameError("reference person", sex, self.h_T_Sv, "EquivalentDoses")
        _check_tissue(tissue, "EquivalentDoses.h")
        if tissue == REMAINDER:
            return float(self.remainder_Sv[sex].iloc[sample])
        frame = self.h_T_Sv[sex]
        if tissue not in frame.columns:
            raise UnknownNameError("tissue", tissue, frame.columns, f"the ICRP {sex} reference person")
        return float(frame[tissue].iloc[sample])

    def effective(self, *, sex_specific: bool = False) -> EffectiveDose:
        """Effective dose from these equivalent doses (see :func:`effective_dose`)."""
        weighted = [t for t in TISSUE_WEIGHTS if t != REMAINDER]
        sexes = self.sexes
        if len(sexes) == 2:
            if sex_specific:
                raise DoseError("sex_specific", "False when both sexes are given (the ICRP 103 "
                                "effective dose is sex-averaged); pass one sex for a sex-specific "
                                "value", sex_specific)
            m, f = (self.h_T_Sv[s] for s in sexes)
            h_avg = (m[weighted] + f[weighted]) / 2.0
            rem = (self.remainder_Sv[_MALE] + self.remainder_Sv[_FEMALE]) / 2.0
            quantity = "effective dose E (ICRP 103): sum_T w_T (H_T^M + H_T^F)/2 [Sv]"
        elif not sex_specific:
            raise DoseError(
                "doses_female" if sexes == (_MALE,) else "doses_male",
                "absorbed doses of both the ICRP 133 adult male and adult female: ICRP "
                "Publication 103 defines the effective dose as sex-averaged, "
                "E = sum_T w_T (H_T^M + H_T^F)/2 (or pass sex_specific=True for a sex-specific "
                "value that is labelled as not being E)", f"only {sexes[0]}")
        else:
            h_avg = self.h_T_Sv[sexes[0]][weighted]
            rem = self.remainder_Sv[sexes[0]]
            quantity = (f"sex-specific effective dose of the ICRP {sexes[0]} [Sv]: "
                        "sum_T w_T H_T of one sex, NOT the ICRP 103 effective dose (which is "
                        "sex-averaged)")
        w = pd.Series({t: TISSUE_WEIGHTS[t] for t in weighted})
        contrib = h_avg * w
        contrib[REMAINDER] = REMAINDER_WEIGHT * rem
        contrib.columns.name = "tissue"
        e = contrib.sum(axis=1)
        e.name = "effective_Sv"
        return EffectiveDose(self.nuclide, e, len(sexes) == 2, sexes, quantity, contrib,
                             self.sources_cited)


# ----------------------------------------------------------------------------------------
# computation


def _weighted_target_dose(table: DoseTable, sex: str, where: str) -> pd.DataFrame:
    """sum_R w_R D_R per target region (sample x target), Sv."""
    classes = tuple(table.absorbed_by_class_Gy)
    for c in classes:
        if c not in RADIATION_WEIGHTS:
            raise UnknownNameError("radiation class", c, RADIATION_WEIGHTS,
                                   f"{where} (no radiation weighting factor for it here)")
    needed = targets_used(sex)
    total: pd.DataFrame | None = None
    for c in classes:
        frame = table.absorbed_by_class_Gy[c]
        missing = [t for t in needed if t not in frame.columns]
        if missing:
            raise DoseError(f"{where}.absorbed_by_class_Gy[{c!r}]",
                            f"a column for every ICRP 133 target region used by the tissues of the "
                            f"{sex} ({', '.join(needed)})", f"no column {missing[0]!r}")
        part = frame.loc[:, list(needed)].astype(float) * RADIATION_WEIGHTS[c]
        total = part if total is None else total + part
    if total is None:
        raise DoseError(f"{where}.absorbed_by_class_Gy", "absorbed doses of at least one radiation "
                        "class", "none")
    values = total.to_numpy()
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise DoseError(where, "finite absorbed doses >= 0 Gy", "a negative or non-finite dose")
    return total


def _tissue_doses(hw: pd.DataFrame, sex: str) -> tuple[pd.DataFrame, pd.Series]:
    cols = {}
    for tissue in _tissues_of(sex):
        cols[tissue] = sum(f * hw[region] for region, f in TISSUE_TARGETS[tissue][sex])
    h = pd.DataFrame(cols, index=hw.index)
    h.columns.name = "tissue"
    rem = h[list(REMAINDER_TISSUES[sex])].mean(axis=1)
    rem.name = "remainder_Sv"
    return h, rem


def equivalent_dose(doses_male: DoseTable | None,
                    doses_female: DoseTable | None = None) -> EquivalentDoses:
    """Equivalent dose H_T [Sv] of every ICRP 103 tissue, for one or both reference adults.

    H_T = sum_R w_R D_{T,R}, from the absorbed dose of each radiation class in the ICRP 133
    target regions (``DoseTable.absorbed_by_class_Gy``), with the tissues made up of target
    regions as in :data:`TISSUE_TARGETS`. The DoseTable's alpha RBE is not used.

    Parameters
    ----------
    doses_male : DoseTable or None
        Absorbed doses in the ICRP 133 adult male (``phantom == "adult-male"``), rows = samples.
    doses_female : DoseTable, optional
        The same in the adult female; same nuclide and the same samples (index) as the male.

    Returns
    -------
    EquivalentDoses

    Raises
    ------
    DoseError
        No table; a table of the wrong phantom; different nuclides or samples; a target
        region missing; negative or non-finite doses.
    UnknownNameError
        A radiation class without a w_R.

    Examples
    --------
    >>> from pkdose.dosimetry import s_values, absorbed_dose
    >>> d = absorbed_dose({"Liver": 100.0}, s_values("Lu-177", phantom="adult-male"))
    >>> h = equivalent_dose(d)
    >>> h.h("Liver") == d.dose("Liver")        # photons and electrons: w_R = 1
    True
    """
    given = {_MALE: doses_male, _FEMALE: doses_female}
    tables = {s: t for s, t in given.items() if t is not None}
    if not tables:
        raise DoseError("doses_male", "a DoseTable of the ICRP 133 adult male and/or female", None)
    for sex, table in tables.items():
        arg = "doses_male" if sex == _MALE else "doses_female"
        if not isinstance(table, DoseTable):
            raise DoseError(arg, "a DoseTable (pkdose.dosimetry.absorbed_dose)", type(table).__name__)
        if _sex(table.phantom) != sex:
            raise DoseError(arg, f"absorbed doses in the ICRP 133 {sex}", f"phantom {table.phantom!r}")
    if len(tables) == 2:
        m, f = tables[_MALE], tables[_FEMALE]
        if m.nuclide != f.nuclide:
            raise DoseError("doses_female", f"the nuclide of doses_male ({m.nuclide!r})", f.nuclide)
        if not m.absorbed_Gy.index.equals(f.absorbed_Gy.index):
            raise DoseError("doses_female", "the same samples (index) as doses_male",
                            f"{len(f.absorbed_Gy.index)} samples vs {len(m.absorbed_Gy.index)}")
    h_t: dict[str, pd.DataFrame] = {}
    rem: dict[str, pd.Series] = {}
    for sex, table in tables.items():
        arg = "doses_male" if sex == _MALE else "doses_female"
        h_t[sex], rem[sex] = _tissue_doses(_weighted_target_dose(table, sex, arg), sex)
    first = next(iter(tables.values()))
    cited = tuple(dict.fromkeys(tuple(first.sources_cited) + tuple(SOURCES.values())))
    return EquivalentDoses(first.nuclide, MappingProxyType(h_t), MappingProxyType(rem),
                           RADIATION_WEIGHTS, cited)


def effective_dose(doses_male: DoseTable | None, doses_female: DoseTable | None = None, *,
                   sex_specific: bool = False) -> EffectiveDose:
    """Effective dose E [Sv] of ICRP Publication 103 from ICRP 133 absorbed doses.

    E = sum_T w_T (H_T^M + H_T^F)/2 over the tissues of ICRP 103 Table 3, the remainder of
    each sex being the arithmetic mean of its 13 remainder tissues.

    Parameters
    ----------
    doses_male, doses_female : DoseTable
        Absorbed doses in the ICRP 133 adult male and adult female (same nuclide and samples).
        Both are needed: ICRP 103 defines E as sex-averaged.
    sex_specific : bool, default False
        With exactly one sex, return sum_T w_T H_T of that sex instead of an error; the result
        then has ``sex_averaged=False`` and says in ``quantity`` that it is not E.

    Returns
    -------
    EffectiveDose

    Raises
    ------
    DoseError
        One sex without ``sex_specific=True``, ``sex_specific=True`` with both sexes, and the
        errors of :func:`equivalent_dose`.

    Examples
    --------
    >>> from pkdose.dosimetry import s_values, absorbed_dose
    >>> tia = {"Liver": 100.0}
    >>> m = absorbed_dose(tia, s_values("Lu-177", phantom="adult-male"))
    >>> f = absorbed_dose(tia, s_values("Lu-177", phantom="adult-female"))
    >>> e = effective_dose(m, f)
    >>> e.sex_averaged, bool(e.effective_Sv.iloc[0] > 0)
    (True, True)
    >>> bool(abs(e.contributions_Sv.sum(axis=1).iloc[0] - e.effective_Sv.iloc[0]) < 1e-15)
    True
    """
    return equivalent_dose(doses_male, doses_female).effective(sex_specific=sex_specific)
