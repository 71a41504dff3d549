"""ICRP-style dose coefficients of a library biokinetic model: h_T and e(50) per Bq.

:func:`dose_coefficients` puts together the pieces pkdose already has:

1. the biokinetic model is solved (exact linear path) for **1 Bq = 1e-6 MBq** administered into
   one compartment; the time-integrated activity (TIA) of every (compartment, nuclide) is taken
   up to the commitment period (``cumulative_tia`` at 50 y, the ICRP committed-dose convention
   for adults) or, on request, to infinity (``tia_infinity``); both are reported with the
   fraction of decays that falls after the commitment period;
2. every body compartment is assigned to an ICRP 133 source region; a compartment without a
   region is an error, never dropped; sinks (excreta) are not sources;
3. the source region "Other" is built for each nuclide as ICRP 133 / the OIR series do: the
   activity is spread over the source regions of "other tissue" (flag ``ID = 1`` in
   ``sregions_2016-08-12.NDX``) that the nuclide's model does not name explicitly, in proportion
   to their masses, i.e. ``S(T <- Other) = sum_s m_s S(T <- s) / sum_s m_s``;
4. for each nuclide, S values of its own emissions (``progeny="none"``: the model follows each
   daughter) in the ICRP 133 adult male and female; ``D_T = sum_nuclide sum_source TIA x S``;
   then :func:`~pkdose.dosimetry.equivalent_dose` and :func:`~pkdose.dosimetry.effective_dose`
   (ICRP 103 w_R and w_T).

What is and is not the ICRP procedure (see :data:`CONVENTIONS`): ICRP computes its coefficients
with the sex-specific S of each phantom, as here. The rules that fix the constituents of "Other"
(explicit regions removed, mineral bone removed when "Other" is soft tissue, R/Y-marrow removed
when T/C-marrow are explicit) are those of the open re-implementation FlexID, not read from the
printed ICRP 130/133 text.

Units: TIA in MBq*h per Bq administered; absorbed dose in Gy/Bq; h_T and e in Sv/Bq.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DoseError, ModelDefinitionError, UnknownNameError
from ..model.compartment_model import CompartmentModel
from ..provenance import Source
from ..units import to_internal
from .dose import DoseTable, absorbed_dose
from .icrp133 import load_icrp133
from .svalues import RADIATION_CLASSES, SValueTable, s_values
from .tissues import SEXES, equivalent_dose

__all__ = [
    "DoseCoefficients",
    "dose_coefficients",
    "source_region_map",
    "other_regions",
    "with_other",
    "OTHER",
    "ROUTES",
    "CONVENTIONS",
    "SOURCES",
]

#: Name of the composite source region "other tissue".
OTHER = "Other"
#: Accepted routes -> default compartment receiving the intake.
ROUTES: MappingProxyType[str, str] = MappingProxyType({"injection": "blood", "ingestion": "oral_cavity"})
#: 1 Bq in MBq, the internal activity unit.
_ONE_BQ_IN_MBQ = 1e-6

_MINERAL_BONE = ("C-bone-V", "T-bone-V")
_CT_MARROW = ("C-marrow", "T-marrow")
_RY_MARROW = ("R-marrow", "Y-marrow")
_SOFT_TISSUE_NAMES = ("st0", "st1", "st2")

SOURCES: MappingProxyType[str, Source] = MappingProxyType({
    "other_flags": Source(
        "ICRP Publication 133, Ann. ICRP 45(2), 2016", table="sregions_2016-08-12.NDX",
        note="ID = 1 marks the source regions that make up 'Other' (other tissue); the paragraph "
             "of ICRP 133 defining the construction was not found by the pkdose developers"),
    "other_rule": Source(
        "FlexID (MHI NS Engineering Co., Ltd.; github.com/9rnsr/FlexID), "
        "FlexID.Calc/InputDataReader_OIR.cs (DefineCompartments, ReadSCoeff) and "
        "FlexID.Calc/InputDataReader_OIR_Decay.cs (SetSourceRegion)",
        note="S(T<-Other) = sum_s m_s S(T<-s) / sum_s m_s per sex over the flagged regions, minus "
             "every region explicitly assigned to a compartment of that nuclide (decay "
             "compartments included), minus C-bone-V/T-bone-V when all 'Other' compartments are "
             "soft tissue ST*, minus R-marrow/Y-marrow when C-marrow/T-marrow are explicit"),
    "source_regions": Source(
        "ICRP Publication 137, Ann. ICRP 46(3/4), 2017", page="331", note="Para. 712 (red marrow "
        "of the lead-progeny models renamed trabecular marrow; cortical marrow added); region "
        "assignment as in FlexID's OIR input files (resources/inp/OIR/88-Ra, 90-Th/*.inc); see "
        "pkdose.model.library.icrp137_radium_data.SOURCE_REGIONS / PROGENY_SOURCE_REGIONS"),
    "commitment": Source(
        "ICRP Publication 103, Ann. ICRP 37(2-4), 2007",
        note="committed dose integrated over 50 years after intake for adults (glossary "
             "'Committed effective dose'); page not verified by pkdose"),
})

#: The conventions used, in words (also stored on every result).
CONVENTIONS: tuple[str, ...] = (
    "intake of 1 Bq (1e-6 MBq) at t = 0 into one compartment; exact linear solution",
    "committed dose: TIA integrated to the commitment period (default 50 y) unless "
    "integration_time='infinity'",
    "every body compartment mapped to one ICRP 133 source region; sinks (excreta) excluded; "
    "unmapped compartments are an error",
    "'Other' per nuclide and sex: mass-weighted mean of S over the ICRP 133 'other tissue' regions "
    "(NDX flag) not named explicitly by that nuclide's compartments (FlexID rule, incl. mineral "
    "bone excluded when 'Other' is soft tissue ST0-2, R/Y-marrow excluded when T/C-marrow explicit)",
    "S values of each chain member's own emissions (progeny='none'); the model tracks each daughter",
    "sex-specific S (ICRP 133 adult male and female) applied to the same (male HATM) biokinetics",
    "H_T with ICRP 103 w_R (alpha 20) and tissue composition of pkdose.dosimetry.tissues; "
    "e = sum_T w_T (H_T^M + H_T^F)/2",
)


# ----------------------------------------------------------------------------------------
# source regions


def source_region_map(model: CompartmentModel) -> dict[str, str]:
    """ICRP 133 source region of every body compartment of an ICRP 137 radium model.

    Radium (and radon, which lives on radium's compartments) and the shared alimentary-tract and
    bladder contents use ``icrp137_radium_data.SOURCE_REGIONS``; the element models' own
    compartments (``pb_plasma``, ``po_liver_1``, ...) use ``PROGENY_SOURCE_REGIONS``.

    Raises
    ------
    ModelDefinitionError
        A compartment with no source region (it is never silently dropped).
    """
    from ..model.library import icrp137_radium_data as data

    out: dict[str, str] = {}
    missing: list[str] = []
    for comp in model.compartments:
        if comp in data.SOURCE_REGIONS:
            out[comp] = data.SOURCE_REGIONS[comp]
            continue
        prefix, _, rest = comp.partition("_")
        table = data.PROGENY_SOURCE_REGIONS.get(prefix.capitalize(), {})
        if rest in table:
            out[comp] = table[rest]
        else:
            missing.append(comp)
    if missing:
        raise ModelDefinitionError(model.name, f"compartment(s) {missing}",
                                   "no ICRP 133 source region is assigned; pass source_regions=...")
    return out


def other_regions(flagged: tuple[str, ...], explicit: set[str], other_compartments: list[str]
                  ) -> tuple[str, ...]:
    """The ICRP 133 regions making up "Other" for one nuclide (FlexID's rule, see :data:`SOURCES`).

    Parameters
    ----------
    flagged : tuple of str
        Regions flagged as "other tissue" in the ICRP 133 NDX file (``ICRP133Data.other_tissue``).
    explicit : set of str
        Regions assigned to compartments where this nuclide can be (other than "Other").
    other_compartments : list of str
        Names of this nuclide's compartments assigned to "Other".

    Examples
    --------
    >>> other_regions(("Liver", "Muscle", "T-bone-V", "R-marrow"), {"Liver", "T-marrow"}, ["st0"])
    ('Muscle',)
    """
    out = [r for r in flagged if r not in explicit]
    bare = [c.rsplit("_", 1)[-1] if c.split("_", 1)[0] in ("pb", "bi", "po", "tl") else c
            for c in other_compartments]
    if other_compartments and all(b in _SOFT_TISSUE_NAMES for b in bare):
        out = [r for r in out if r not in _MINERAL_BONE]
    if explicit & set(_CT_MARROW):
        out = [r for r in out if r not in _RY_MARROW]
    return tuple(out)


def with_other(s: SValueTable, regions: tuple[str, ...]) -> SValueTable:
    """A copy of *s* with an extra source column "Other": the mass-weighted mean over *regions*.

    ``S(T <- Other) = sum_s m_s S(T <- s) / sum_s m_s`` with the phantom's source masses, for the
    total and each radiation class. Regions of zero mass in the phantom (e.g. ovaries in the male)
    carry no weight.

    Raises
    ------
    DoseError
        No region with a positive mass.
    """
    m = s.source_masses_kg.reindex(list(regions)).astype(float)
    if m.isna().any():
        bad = list(m.index[m.isna()])
        raise UnknownNameError("source region", bad[0], s.sources, f"ICRP 133 {s.phantom}")
    total = float(m.sum())
    if not total > 0:
        raise DoseError("Other", "at least one constituent region with a positive mass", list(regions))
    w = (m / total).to_numpy()

    def add(frame: pd.DataFrame) -> pd.DataFrame:
        col = frame.loc[:, list(regions)].to_numpy() @ w
        out = frame.copy()
        out[OTHER] = col
        return out

    by_class = MappingProxyType({c: add(f) for c, f in s.by_class.items()})
    masses = s.source_masses_kg.copy()
    masses[OTHER] = total
    return replace(s, sources=tuple(s.sources) + (OTHER,), values=add(s.values), by_class=by_class,
                   source_masses_kg=masses,
                   convention=s.convention + f"; source 'Other' = mass-weighted mean over {len(regions)} "
                                             f"regions ({', '.join(regions)})")


# ----------------------------------------------------------------------------------------
# result


@dataclass(frozen=True)
class DoseCoefficients:
    """Committed equivalent and effective dose coefficients of one intake route.

    Attributes
    ----------
    model, nuclide, route, into : str
        The model name, the nuclide taken in, the route and the compartment receiving the intake.
    integration : str
        ``"to 50 y"`` (or the period given) or ``"infinity"``.
    integration_time_h : float
        Commitment period in h (``inf`` for infinity).
    h_T_Sv_per_Bq : Mapping of str to pandas.Series
        ``"adult-male"``/``"adult-female"`` -> committed equivalent dose per tissue [Sv/Bq].
    remainder_Sv_per_Bq : Mapping of str to float
        Per sex, the remainder (mean of the 13 remainder tissues) [Sv/Bq].
    e_Sv_per_Bq : float
        Committed effective dose coefficient e(50) [Sv/Bq] (sex-averaged, ICRP 103).
    contributions_Sv_per_Bq : pandas.Series
        w_T x sex-averaged H_T per weighted tissue; sums to ``e_Sv_per_Bq``.
    absorbed_Gy_per_Bq : Mapping of str to pandas.DataFrame
        Per sex, ``(nuclide, target region)`` absorbed dose [Gy/Bq] (no weighting), for checks.
    tia_MBq_h_per_Bq : pandas.DataFrame
        ``(source region, nuclide)``: TIA per Bq administered [MBq*h/Bq], "Other" as one region.
    tia_compartment_MBq_h_per_Bq : pandas.DataFrame
        ``(compartment, nuclide)``: the same per model compartment.
    tail_fraction : pandas.Series
        Per nuclide, the share of all its decays (to infinity) that falls after the commitment
        period (0 for ``integration="infinity"``; NaN when the infinite integral does not exist).
    source_regions : Mapping of str to str
        Compartment -> ICRP 133 source region used.
    other_regions : Mapping of str to tuple of str
        ``(sex, nuclide)`` joined as ``"adult-male/Ra-223"`` -> the regions making up "Other".
    conventions : tuple of str
    sources_cited : tuple of Source
    """

    model: str
    nuclide: str
    route: str
    into: str
    integration: str
    integration_time_h: float
    h_T_Sv_per_Bq: Mapping[str, pd.Series]
    remainder_Sv_per_Bq: Mapping[str, float]
    e_Sv_per_Bq: float
    contributions_Sv_per_Bq: pd.Series
    absorbed_Gy_per_Bq: Mapping[str, pd.DataFrame]
    tia_MBq_h_per_Bq: pd.DataFrame
    tia_compartment_MBq_h_per_Bq: pd.DataFrame
    tail_fraction: pd.Series
    source_regions: Mapping[str, str]
    other_regions: Mapping[str, tuple[str, ...]]
    conventions: tuple[str, ...]
    sources_cited: tuple[Source, ...]

    def h(self, tissue: str, phantom: str = "adult-male") -> float:
        """Committed equivalent dose coefficient of one tissue [Sv/Bq] (``"Remainder"`` allowed)."""
        from .icrp133 import canonical_phantom

        sex = canonical_phantom(phantom)
        if tissue == "Remainder":
            return float(self.remainder_Sv_per_Bq[sex])
        series = self.h_T_Sv_per_Bq[sex]
        if tissue not in series.index:
            raise UnknownNameError("tissue", tissue, series.index, f"DoseCoefficients ({sex})")
        return float(series[tissue])

    def h_mean(self, tissue: str) -> float:
        """Sex-averaged committed equivalent dose coefficient [Sv/Bq] (ICRP tabulates these)."""
        return 0.5 * (self.h(tissue, SEXES[0]) + self.h(tissue, SEXES[1]))

    def absorbed(self, target: str, phantom: str = "adult-male") -> float:
        """Absorbed dose per Bq [Gy/Bq] in one ICRP 133 target region, all nuclides."""
        from .icrp133 import canonical_phantom

        frame = self.absorbed_Gy_per_Bq[canonical_phantom(phantom)]
        if target not in frame.columns:
            raise UnknownNameError("target region", target, frame.columns, "DoseCoefficients")
        return float(frame[target].sum())


# ----------------------------------------------------------------------------------------
# computation


_YEARS = re.compile(r"^\s*([0-9.]+(?:[eE][-+]?[0-9]+)?)\s*(?:y|yr|yrs|a)\s*$")
#: Hours in a (Julian) year, 365.25 d, as pint's "year".
HOURS_PER_YEAR = 365.25 * 24.0


def _hours(value: Any) -> float:
    """A time in h; also accepts "50 y" / "50 yr" / "50 a" (Julian years, 365.25 d)."""
    if isinstance(value, str):
        hit = _YEARS.match(value)
        if hit:
            return float(hit.group(1)) * HOURS_PER_YEAR
    return float(to_internal(value, "time", "integration_time"))


def _resolve_model(model: CompartmentModel | str, nuclide: str | None) -> CompartmentModel:
    if isinstance(model, str):
        from ..model.library import get_model

        return get_model(model, nuclide=nuclide, daughters="own")
    if nuclide is not None:
        from ..nuclides import get_nuclide

        if get_nuclide(nuclide).name != model.nuclide:
            raise ModelDefinitionError(model.name, "nuclide",
                                       f"the model is built for {model.nuclide}, got nuclide={nuclide!r}")
    return model


def _tia(model: CompartmentModel, into: str, horizon_h: float | None):
    """TIA per Bq (sample 0) to the horizon (None: infinity) and the infinite integral."""
    from ..model.dosing import Bolus
    from ..solve import simulate

    end = horizon_h if horizon_h is not None else 24.0
    sol = simulate(model, None, Bolus(_ONE_BQ_IN_MBQ, into=into), np.array([0.0, end]), method="exact")
    inf = sol.tia_infinity.isel(sample=0) if sol.tia_infinity is not None else None
    if horizon_h is None:
        if inf is None:
            raise ModelDefinitionError(model.name, "integration_time='infinity'",
                                       "the integral to infinity does not exist (a stable member or "
                                       "no decay); give a finite commitment period")
        used = inf
    else:
        used = sol.cumulative_tia.isel(sample=0, time=-1)
    frame = used.to_pandas()          # compartment x nuclide
    inf_frame = inf.to_pandas() if inf is not None else None
    return frame, inf_frame


def dose_coefficients(model: CompartmentModel | str, *, nuclide: str | None = None,
                      route: str = "injection", into: str | None = None,
                      saf_dir: str | os.PathLike[str] | None = None,
                      integration_time: Any = "50 y",
                      source_regions: Mapping[str, str] | None = None) -> DoseCoefficients:
    """Committed equivalent dose h_T per tissue and effective dose e(50) per Bq taken in.

    Parameters
    ----------
    model : CompartmentModel or str
        A biokinetic model, or a library model name (built with ``daughters="own"``, e.g.
        ``"icrp137-radium"`` -> :func:`pkdose.model.library.get_model`).
    nuclide : str, optional
        The radionuclide taken in (for a library name; checked against a model).
    route : {"injection", "ingestion"}
        Only chooses the default ``into`` (``"blood"``; ``"oral_cavity"`` for ingestion).
    into : str, optional
        Compartment receiving the 1 Bq intake (default from ``route``).
    saf_dir : path, optional
        ICRP 133 files (default ``$PKDOSE_ICRP133_DIR``).
    integration_time : str, Quantity, float [h] or "infinity"
        Commitment period; default ``"50 y"`` (ICRP adults). ``"infinity"`` integrates to
        infinity (equal to 50 y within the reported ``tail_fraction`` for short-lived chains).
    source_regions : mapping, optional
        Compartment -> ICRP 133 source region (or ``"Other"``); default
        :func:`source_region_map` (ICRP 137 radium library model).

    Returns
    -------
    DoseCoefficients

    Raises
    ------
    ModelDefinitionError
        Unmapped compartments, or an integral to infinity that does not exist.
    UnknownNameError
        Unknown route, compartment or source region.
    ICRP133DataError
        No ICRP 133 files.
    """
    if route not in ROUTES:
        raise UnknownNameError("route", route, ROUTES, "dose_coefficients")
    m = _resolve_model(model, nuclide)
    into = into if into is not None else ROUTES[route]
    if into not in m.compartments:
        raise UnknownNameError("compartment", into, m.compartments, m.name)
    if isinstance(integration_time, str) and integration_time.strip().lower() in ("inf", "infinity"):
        horizon: float | None = None
    else:
        horizon = _hours(integration_time)
        if not (np.isfinite(horizon) and horizon > 0):
            raise DoseError("integration_time", "a positive time or 'infinity'", integration_time)

    mapping = dict(source_regions) if source_regions is not None else source_region_map(m)
    unmapped = [c for c in m.compartments if c not in mapping]
    if unmapped:
        raise ModelDefinitionError(m.name, f"compartment(s) {unmapped}", "no ICRP 133 source region given")

    tia_c, tia_inf = _tia(m, into, horizon)
    tia_c = tia_c.loc[list(m.compartments)]            # body compartments only (sinks are no source)
    if tia_inf is not None:
        tot_inf = tia_inf.loc[list(m.compartments)].sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            tail = (1.0 - tia_c.sum(axis=0) / tot_inf).where(tot_inf > 0, 0.0)
    else:
        tail = pd.Series(np.nan, index=tia_c.columns)
    tail.name = "tail_fraction"

    region_of = pd.Series(mapping).reindex(tia_c.index)
    tia_r = tia_c.groupby(region_of).sum()              # region x nuclide
    tia_r.index.name = "source_region"

    # compartments a nuclide can be in (model states): its explicit regions and "Other" parts
    where: dict[str, list[str]] = {n: [] for n in m.nuclides}
    body = set(m.compartments)
    for nuc, comp in m.states:
        if comp in body:
            where[nuc].append(comp)

    absorbed: dict[str, pd.DataFrame] = {}
    tables: dict[str, DoseTable] = {}
    others: dict[str, tuple[str, ...]] = {}
    cited: list[Source] = []
    active = [n for n in m.nuclides if float(tia_r[n].sum()) > 0]
    for sex in SEXES:
        data = load_icrp133(sex, saf_dir)
        by_class: dict[str, pd.DataFrame] = {}
        rows = {}
        for nuc in active:
            s = s_values(nuc, phantom=sex, saf_dir=saf_dir, progeny="none")
            comps = where[nuc]
            explicit = {mapping[c] for c in comps if mapping[c] != OTHER}
            other_comps = [c for c in comps if mapping[c] == OTHER]
            regs = other_regions(data.other_tissue, explicit, other_comps)
            others[f"{sex}/{nuc}"] = regs
            s_ext = with_other(s, regs)
            tia = tia_r[nuc][tia_r[nuc] > 0]
            unknown = [r for r in tia.index if r not in s_ext.sources]
            if unknown:
                raise UnknownNameError("source region", unknown[0], s_ext.sources,
                                       f"ICRP 133 {sex} (from the compartment mapping)")
            d = absorbed_dose(tia.to_dict(), s_ext)
            for c in RADIATION_CLASSES:
                part = d.absorbed_by_class_Gy[c]
                by_class[c] = part if c not in by_class else by_class[c] + part
            rows[nuc] = d.absorbed_Gy.iloc[0]
            cited.extend(s.sources_cited)
        total = by_class["photon"] + by_class["electron"] + by_class["alpha"]
        tables[sex] = DoseTable(m.nuclide or "", sex, pd.DataFrame(index=[0]), total,
                                MappingProxyType(by_class), total, 1.0, "; ".join(CONVENTIONS), ())
        frame = pd.DataFrame(rows).T
        frame.index.name = "nuclide"
        absorbed[sex] = frame

    eq = equivalent_dose(tables[SEXES[0]], tables[SEXES[1]])
    eff = eq.effective()
    h_t = {sex: eq.h_T_Sv[sex].iloc[0].rename(None) for sex in SEXES}
    rem = {sex: float(eq.remainder_Sv[sex].iloc[0]) for sex in SEXES}
    contrib = eff.contributions_Sv.iloc[0].rename(None)
    label = "infinity" if horizon is None else f"to {horizon:g} h"
    cited_all = tuple(dict.fromkeys([*cited, *eq.sources_cited, *SOURCES.values()]))
    return DoseCoefficients(
        model=m.name, nuclide=m.nuclide or "", route=route, into=into, integration=label,
        integration_time_h=float("inf") if horizon is None else horizon,
        h_T_Sv_per_Bq=MappingProxyType(h_t), remainder_Sv_per_Bq=MappingProxyType(rem),
        e_Sv_per_Bq=float(eff.effective_Sv.iloc[0]), contributions_Sv_per_Bq=contrib,
        absorbed_Gy_per_Bq=MappingProxyType(absorbed), tia_MBq_h_per_Bq=tia_r,
        tia_compartment_MBq_h_per_Bq=tia_c, tail_fraction=tail if horizon is not None else tail * 0.0,
        source_regions=MappingProxyType(mapping), other_regions=MappingProxyType(others),
        conventions=CONVENTIONS, sources_cited=cited_all)
