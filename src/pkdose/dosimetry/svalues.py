"""S values (absorbed dose per time-integrated activity) from ICRP 107 emissions and ICRP 133 SAFs.

Two ways to get an S value:

* :func:`s_values`: the full matrix S(target <- source) of the ICRP 133 reference adult male or
  female, 43 targets x 79 sources, split into photons, electrons and alphas, for any ICRP 107
  nuclide. It needs the ICRP 133 SAF files, which pkdose does not ship (see
  :mod:`pkdose.dosimetry.icrp133`).
* :func:`local_absorption_s_value`: without any SAF file, the self-dose S of a region of given
  mass when all non-penetrating radiation is absorbed where it is emitted and photons are left
  out. The result says so in its type and fields.

Units (DESIGN.md section 3): S in Gy/(MBq*h), energies in MeV, masses in kg. 1 MBq*h is
3.6e9 decays and 1 MeV is 1.602176634e-13 J (exact, SI 2019).

Examples
--------
>>> sv = local_absorption_s_value("Lu-177", "310 g")
>>> round(sv.in_unit("mGy/(MBq*s)"), 8)           # electrons only, all absorbed in 0.310 kg
7.645e-05
>>> sv.includes_photons, sv.self_dose_only
(False, True)
>>> table = s_values("Lu-177", phantom="adult-male")      # needs the ICRP 133 files
>>> round(table.s("Kidneys", "Kidneys", unit="mGy/(MBq*s)"), 7)   # photons included
5.68e-05
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DoseError, UnitError, UnknownNameError
from ..nuclides import SOURCES as NUCLIDE_SOURCES
from ..nuclides import NuclideDataError, decay_chain, get_nuclide
from ..provenance import Source
from ..units import Q_, as_quantity, ureg
from .icrp133 import SOURCE as ICRP133_SOURCE
from .icrp133 import ICRP133Data, SAFTable, _index, load_icrp133

__all__ = [
    "SValueTable",
    "LocalAbsorptionSValue",
    "s_values",
    "local_absorption_s_value",
    "RADIATION_CLASSES",
    "PROGENY_MODES",
    "INTERPOLATIONS",
    "MEV_TO_J",
    "DECAYS_PER_MBQ_H",
    "ALPHA_RECOIL_SAF_ENERGY_MEV",
    "SOURCES",
]

#: Joules per MeV (exact since the 2019 SI redefinition).
MEV_TO_J = 1.602176634e-13
#: Decays in 1 MBq*h: 1e6 /s x 3600 s.
DECAYS_PER_MBQ_H = 3.6e9
_S_FACTOR = MEV_TO_J * DECAYS_PER_MBQ_H          # (Gy kg) per (MeV MBq h)

#: Radiation classes of an :class:`SValueTable` (``by_class`` keys).
RADIATION_CLASSES: tuple[str, ...] = ("photon", "electron", "alpha")
#: Accepted values of ``progeny``.
PROGENY_MODES: tuple[str, ...] = ("none", "in-situ")
#: Accepted values of ``interpolation``.
INTERPOLATIONS: tuple[str, ...] = ("linear", "log-log")
#: Alpha recoil nuclei and fission fragments are evaluated with the SAF of an alpha particle of
#: this energy, MeV (ICRP Publication 133, para. 78).
ALPHA_RECOIL_SAF_ENERGY_MEV = 2.0

_UNIT = "Gy/(MBq*h)"

#: ICRP 107 classes feeding each radiation class (the beta spectrum feeds "electron").
_PHOTON_LINES = ("gamma", "x_ray", "annihilation")
_ELECTRON_LINES = ("ic_electron", "auger")
_ALPHA_LINES = ("alpha",)
_AT_2MEV_ALPHA = ("alpha_recoil", "fission")

#: Where the rules of this module come from.
SOURCES: MappingProxyType[str, Source] = MappingProxyType({
    "saf": ICRP133_SOURCE,
    "alpha_recoil": Source(
        "ICRP Publication 133, Ann. ICRP 45(2), 2016", page="para. 78",
        note="alpha recoil nuclei and fission fragments are evaluated with the SAF of a 2.0 MeV "
             "alpha particle (text quoted in FlexID, FlexID.Calc/CalcScoeff.cs)"),
    "formalism": Source(
        "Bolch WE, Eckerman KF, Sgouros G, Thomas SR. MIRD Pamphlet No. 21: a generalized "
        "schema for radiopharmaceutical dosimetry. J Nucl Med 2009;50:477-484",
        note="S(rT<-rS) = sum_i E_i Y_i Phi(rT<-rS, E_i); Phi = specific absorbed fraction"),
    "emissions": NUCLIDE_SOURCES["emissions"],
    "branching": NUCLIDE_SOURCES["half_life"],
    "interpolation": Source(
        "FlexID (MHI NS Engineering Co., Ltd.; github.com/9rnsr/FlexID), "
        "FlexID.Calc/CalcScoeff.cs",
        note="independent open implementation of ICRP 133 S coefficients: SAF(E) linearly "
             "interpolated on the ICRP 133 grid including its E = 0 column, ICRP-07.BET "
             "spectrum integrated by the trapezoid rule; the same linear interpolation is used "
             "by syd (github.com/dsarrut/syd). No interpolation rule was found in the ICRP 133 "
             "text available to pkdose"),
    "local_absorption": Source(
        "ICRP Publication 107, Nuclear Decay Data for Dosimetric Calculations, Ann. ICRP "
        "38(3), 2008", table="ICRP-07.RAD",
        note="non-penetrating energy per decay: alpha, alpha recoil, beta-, beta+, delayed "
             "beta, internal-conversion and Auger electrons, fission fragments"),
})


def _check_choice(kind: str, value: str, known: tuple[str, ...], where: str) -> str:
    if value not in known:
        raise UnknownNameError(kind, str(value), known, where)
    return value


@functools.lru_cache(maxsize=16)
def _unit_factor(unit: str) -> float:
    """Multiply Gy/(MBq*h) by this to get *unit* (e.g. ``"mGy/(MBq*s)"``)."""
    try:
        target = ureg.Unit(unit)
    except Exception as exc:  # pint raises several unrelated types here
        raise UnitError("unit", "an S-value unit such as 'Gy/(MBq*h)' or 'mGy/(MBq*s)'",
                        unit) from exc
    one = Q_(1.0, _UNIT)
    if target.dimensionality != one.dimensionality:
        raise UnitError("unit", "an S-value unit such as 'Gy/(MBq*h)' or 'mGy/(MBq*s)'", unit)
    return float(one.to(target).magnitude)


# ----------------------------------------------------------------------------------------
# emissions as (energy, energy-weight) points per radiation class


class _Points:
    """Energies (MeV) at which a SAF is needed and the energy per decay (MeV) carried there."""

    __slots__ = ("energy", "weight")

    def __init__(self, energy: np.ndarray, weight: np.ndarray) -> None:
        self.energy = energy
        self.weight = weight


def _trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """w such that sum(w * f(x)) is the trapezoid rule for the integral of f over x."""
    w = np.zeros_like(x)
    if x.size > 1:
        dx = np.diff(x)
        w[:-1] += dx / 2
        w[1:] += dx / 2
    return w


@functools.lru_cache(maxsize=256)
def _emission_points(name: str) -> Mapping[str, _Points]:
    """Points of one nuclide (no progeny), per radiation class, plus the neutron energy."""
    nuc = get_nuclide(name)

    def lines(classes: tuple[str, ...]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        es, ws = [], []
        for c in classes:
            ln = nuc.emissions(c)
            if len(ln):
                es.append(ln.energy_MeV)
                ws.append(ln.energy_MeV * ln.yield_per_decay)
        return es, ws

    out: dict[str, _Points] = {}
    e, w = lines(_PHOTON_LINES)
    out["photon"] = _Points(np.concatenate(e or [np.empty(0)]), np.concatenate(w or [np.empty(0)]))
    e, w = lines(_ELECTRON_LINES)
    spec = nuc.beta_spectrum("all")
    if len(spec):
        e.append(spec.energy_MeV)
        w.append(spec.energy_MeV * spec.density_per_MeV * _trapezoid_weights(spec.energy_MeV))
    out["electron"] = _Points(np.concatenate(e or [np.empty(0)]),
                              np.concatenate(w or [np.empty(0)]))
    e, w = lines(_ALPHA_LINES)
    heavy = sum(nuc.mean_energy(c) for c in _AT_2MEV_ALPHA)
    if heavy > 0:
        e.append(np.array([ALPHA_RECOIL_SAF_ENERGY_MEV]))
        w.append(np.array([heavy]))
    out["alpha"] = _Points(np.concatenate(e or [np.empty(0)]), np.concatenate(w or [np.empty(0)]))
    for p in out.values():
        p.energy.setflags(write=False)
        p.weight.setflags(write=False)
    return MappingProxyType(out)


def _members(nuclide: str, progeny: str) -> tuple[tuple[str, float], ...]:
    """(member, decays per decay of the parent) for the chosen progeny convention."""
    nuc = get_nuclide(nuclide)
    if nuc.is_stable:
        raise NuclideDataError(nuc.name, "is stable: it has no emissions and no S value")
    if progeny == "none":
        return ((nuc.name, 1.0),)
    chain = decay_chain(nuc.name)
    n = len(chain)
    e0 = np.zeros(n)
    e0[0] = 1.0
    decays = np.linalg.solve(np.eye(n) - chain.branching, e0)   # cumulative branching
    return tuple((m, float(d)) for m, d in zip(chain.nuclides, decays) if d > 0)


# ----------------------------------------------------------------------------------------
# interpolation of SAF(E) and the S matrix


def _grid_weights(grid: np.ndarray, pts: _Points, where: str) -> np.ndarray:
    """Linear interpolation folded into weights on the grid: S = SAF_grid @ W."""
    e = pts.energy
    if e.size and (e.min() < 0 or e.max() > grid[-1]):
        raise NuclideDataError(where, f"an emission at {e.max():g} MeV lies outside the "
                               f"ICRP 133 energy grid (0-{grid[-1]:g} MeV); no SAF there")
    k = np.clip(np.searchsorted(grid, e, side="right") - 1, 0, grid.size - 2)
    f = (e - grid[k]) / (grid[k + 1] - grid[k])
    w = np.zeros(grid.size)
    np.add.at(w, k, pts.weight * (1.0 - f))
    np.add.at(w, k + 1, pts.weight * f)
    return w


def _loglog_s(table: SAFTable, pts: _Points, where: str) -> np.ndarray:
    """sum_p weight_p SAF(E_p) with log-log interpolation where both ends are positive."""
    grid = table.energies_MeV
    e = pts.energy
    if e.size and (e.min() < 0 or e.max() > grid[-1]):
        raise NuclideDataError(where, f"an emission at {e.max():g} MeV lies outside the "
                               f"ICRP 133 energy grid (0-{grid[-1]:g} MeV); no SAF there")
    out = np.zeros(table.values.shape[:2])
    if not e.size:
        return out
    e, inverse = np.unique(e, return_inverse=True)          # lines of equal energy: once
    weight = np.bincount(inverse, weights=pts.weight, minlength=e.size)
    k = np.clip(np.searchsorted(grid, e, side="right") - 1, 0, grid.size - 2)
    for kk in np.unique(k):
        sel = k == kk
        ep, wp = e[sel], weight[sel]
        v0, v1 = table.values[:, :, kk], table.values[:, :, kk + 1]
        g0, g1 = grid[kk], grid[kk + 1]
        f_lin = (ep - g0) / (g1 - g0)
        lin = (v0[..., None] * (1 - f_lin) + v1[..., None] * f_lin) @ wp
        if g0 > 0 and np.all(ep > 0):
            pos = (v0 > 0) & (v1 > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                slope = np.where(pos, np.log(v1 / v0), 0.0) / math.log(g1 / g0)
            # v0 * (E/g0)**slope, summed over the points with their weights
            ratio = np.log(ep / g0)
            loglog = np.einsum("ts,tsp,p->ts", v0, np.exp(slope[..., None] * ratio), wp)
            out += np.where(pos, loglog, lin)
        else:
            out += lin
    return out


def _s_matrix(data: ICRP133Data, members: tuple[tuple[str, float], ...], interpolation: str
              ) -> tuple[dict[str, np.ndarray], list[str]]:
    """S per radiation class, Gy/(MBq h), shape (targets, sources); notes on what is left out."""
    notes: list[str] = []
    result = {}
    for rad in RADIATION_CLASSES:
        table = data.saf[rad]
        grid = table.energies_MeV
        energy = np.concatenate([_emission_points(m)[rad].energy for m, _ in members])
        weight = np.concatenate([_emission_points(m)[rad].weight * n for m, n in members])
        pts = _Points(energy, weight)
        where = "+".join(m for m, _ in members)
        if interpolation == "linear":
            mev_per_kg = table.values @ _grid_weights(grid, pts, where)
        else:
            mev_per_kg = _loglog_s(table, pts, where)
        result[rad] = mev_per_kg * _S_FACTOR
    neutrons = [m for m, _ in members if get_nuclide(m).mean_energy("neutron") > 0]
    if neutrons:
        notes.append(f"spontaneous-fission neutrons of {', '.join(neutrons)} are not included "
                     "(no neutron SAF file is read)")
    return result, notes


# ----------------------------------------------------------------------------------------
# results


def _frame(values: np.ndarray, targets: tuple[str, ...], sources: tuple[str, ...]) -> pd.DataFrame:
    arr = np.array(values, dtype=float)
    arr.setflags(write=False)
    df = pd.DataFrame(arr, index=pd.Index(targets, name="target"),
                      columns=pd.Index(sources, name="source"))
    return df


@dataclass(frozen=True, eq=False, kw_only=True)
class SValueTable:
    """S(target <- source) of one nuclide in one ICRP 133 reference phantom.

    Get one with :func:`s_values`.

    Parameters
    ----------
    nuclide : str
        Canonical ICRP 107 name of the nuclide, e.g. ``"Lu-177"``.
    phantom : {"adult-male", "adult-female"}
        ICRP 133 reference phantom.
    unit : str
        ``"Gy/(MBq*h)"``: absorbed dose in the target per MBq*h of time-integrated activity in
        the source.
    targets : tuple of str
        The 43 ICRP 133 target regions (index of ``values``).
    sources : tuple of str
        The 79 ICRP 133 source regions (columns of ``values``).
    values : pandas.DataFrame
        Total S, Gy/(MBq*h), targets x sources: the sum of ``by_class``.
    by_class : Mapping of str to pandas.DataFrame
        ``"photon"``, ``"electron"``, ``"alpha"``: S of each radiation class, Gy/(MBq*h).
    target_masses_kg : pandas.Series
        Target-region masses of the phantom, kg (blood included), indexed by target.
    source_masses_kg : pandas.Series
        Source-region masses, kg, indexed by source.
    convention : str
        What the numbers are and the rules used to compute them, in words.
    progeny : {"none", "in-situ"}
        Whether radioactive progeny are included (see :func:`s_values`).
    progeny_decays : Mapping of str to float
        Decays of each chain member per decay of the parent that the table counts (parent 1.0).
    interpolation : {"linear", "log-log"}
        Interpolation of SAF(E) between the ICRP 133 grid energies.
    sources_cited : tuple of Source
        Publications and data the numbers stand on.
    data_files : Mapping of str to str
        ICRP 133 file -> sha256 of the files read.

    Examples
    --------
    >>> t = s_values("Y-90")
    >>> t.unit, t.values.shape, sorted(t.by_class)
    ('Gy/(MBq*h)', (43, 79), ['alpha', 'electron', 'photon'])
    >>> t.s("Liver", "Liver") == float(t.values.loc["Liver", "Liver"])
    True
    """

    nuclide: str
    phantom: str
    unit: str = _UNIT
    targets: tuple[str, ...]
    sources: tuple[str, ...]
    values: pd.DataFrame
    by_class: Mapping[str, pd.DataFrame]
    target_masses_kg: pd.Series
    source_masses_kg: pd.Series
    convention: str
    progeny: str
    progeny_decays: Mapping[str, float]
    interpolation: str
    sources_cited: tuple[Source, ...]
    data_files: Mapping[str, str]

    def __repr__(self) -> str:
        return (f"SValueTable({self.nuclide}, {self.phantom}, {len(self.targets)} targets x "
                f"{len(self.sources)} sources, unit={self.unit!r}, progeny={self.progeny!r}, "
                f"interpolation={self.interpolation!r})")

    def s(self, target: str, source: str, radiation: str = "total",
          unit: str = _UNIT) -> float:
        """One S value.

        Parameters
        ----------
        target : str
            An ICRP 133 target region (exact name, e.g. ``"Kidneys"``, ``"R-marrow"``).
        source : str
            An ICRP 133 source region (e.g. ``"Kidneys"``, ``"T-bone-S"``).
        radiation : {"total", "photon", "electron", "alpha"}, default "total"
            Radiation class.
        unit : str, default "Gy/(MBq*h)"
            Any unit of the same dimension, e.g. ``"mGy/(MBq*s)"``.

        Returns
        -------
        float
            S(target <- source) in *unit*.

        Raises
        ------
        UnknownNameError
            Unknown region or radiation class, with close matches.
        UnitError
            A unit that is not an S-value unit.

        Examples
        --------
        >>> t = s_values("Lu-177")
        >>> round(t.s("Kidneys", "Liver", "photon", unit="mGy/(MBq*s)"), 9)
        1.35e-07
        >>> try:
        ...     t.s("kidney", "Kidneys")
        ... except UnknownNameError as err:
        ...     print(err.kind, repr(err.name), err.suggestions[0])
        target region 'kidney' Kidneys
        """
        i = _index("target region", target, self.targets, f"ICRP 133 {self.phantom}")
        j = _index("source region", source, self.sources, f"ICRP 133 {self.phantom}")
        frame = self._frame(radiation)
        return float(frame.iat[i, j]) * _unit_factor(unit)

    def in_unit(self, unit: str, radiation: str = "total") -> pd.DataFrame:
        """The matrix (total or one class) converted to *unit*, e.g. ``"mGy/(MBq*s)"``."""
        return self._frame(radiation) * _unit_factor(unit)

    def _frame(self, radiation: str) -> pd.DataFrame:
        if radiation == "total":
            return self.values
        _check_choice("radiation class", radiation, ("total", *RADIATION_CLASSES),
                      f"SValueTable({self.nuclide})")
        return self.by_class[radiation]


@dataclass(frozen=True, kw_only=True)
class LocalAbsorptionSValue:
    """Self-dose S of one region with all non-penetrating energy absorbed locally.

    Self-dose only, non-penetrating radiation only, **photons not included**: the value is a
    lower bound of the true self-dose S, close to it for beta emitters with few photons in
    organs of a few hundred grams, and not a cross-dose at all. Get one with
    :func:`local_absorption_s_value`.

    Parameters
    ----------
    nuclide : str
        Canonical ICRP 107 name.
    mass_kg : float
        Mass of the region, kg.
    value : float
        S(region <- region), Gy/(MBq*h).
    unit : str
        ``"Gy/(MBq*h)"``.
    energy_MeV : float
        Non-penetrating energy per decay of the parent that is absorbed, MeV (progeny included
        when ``progeny == "in-situ"``).
    progeny : {"none", "in-situ"}
        Progeny convention (as in :func:`s_values`).
    progeny_decays : Mapping of str to float
        Decays of each chain member per decay of the parent.
    includes_photons : bool
        Always False.
    self_dose_only : bool
        Always True.
    convention : str
        The assumptions, in words.
    sources_cited : tuple of Source
        Publications the numbers stand on.
    by_class : Mapping of str to float
        ``value`` split by radiation class, Gy/(MBq*h): ``"alpha"`` (alphas and their recoil
        nuclei), ``"electron"`` (beta and conversion/Auger electrons) and, for fissioning
        nuclides, ``"fission"``; they sum to ``value``. The alpha part is what an RBE weights.
    """

    nuclide: str
    mass_kg: float
    value: float
    unit: str = _UNIT
    energy_MeV: float
    progeny: str
    progeny_decays: Mapping[str, float]
    includes_photons: bool = False
    self_dose_only: bool = True
    convention: str
    sources_cited: tuple[Source, ...]
    by_class: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def in_unit(self, unit: str) -> float:
        """The value in *unit*, e.g. ``"mGy/(MBq*s)"``."""
        return self.value * _unit_factor(unit)

    def __float__(self) -> float:
        return float(self.value)


# ----------------------------------------------------------------------------------------
# public functions


def _progeny_text(progeny: str, members: tuple[tuple[str, float], ...]) -> str:
    if progeny == "none":
        return "progeny: none (the parent's own emissions only)"
    counts = ", ".join(f"{m} {n:.6g}" for m, n in members)
    return ("progeny: in-situ (every radioactive progeny decays where it was formed, in the "
            "same source region, and is counted with its number of decays per parent decay "
            "over complete decay, i.e. the cumulative ICRP 107 branching, whatever its "
            f"half-life; decays per parent decay: {counts})")


def s_values(nuclide: str, *, phantom: str = "adult-male",
             saf_dir: str | os.PathLike[str] | None = None, progeny: str = "none",
             interpolation: str = "linear") -> SValueTable:
    """S(target <- source) for all 43 ICRP 133 targets and 79 sources, in Gy/(MBq*h).

    Parameters
    ----------
    nuclide : str
        Any ICRP 107 nuclide, any accepted spelling (``"Lu-177"``, ``"177Lu"``).
    phantom : str, default "adult-male"
        ``"adult-male"``/``"am"`` or ``"adult-female"``/``"af"``.
    saf_dir : path, optional
        Directory of the ICRP 133 files; default ``$PKDOSE_ICRP133_DIR``.
    progeny : {"none", "in-situ"}, default "none"
        ``"none"``: the nuclide's own emissions. ``"in-situ"``: the radioactive progeny's
        emissions are added, each member weighted by its number of decays per decay of the
        parent, on the assumption that it decays in the source region where it was formed
        (see Notes).
    interpolation : {"linear", "log-log"}, default "linear"
        Interpolation of SAF(E) between grid energies (see Notes).

    Returns
    -------
    SValueTable
        Total and per-class matrices with masses, convention and citations.

    Raises
    ------
    ICRP133DataError
        The SAF files are missing, altered or not given.
    UnknownNameError
        Unknown nuclide, phantom, progeny mode or interpolation, with suggestions.
    NuclideDataError
        A stable nuclide.

    Notes
    -----
    For each radiation class R (MIRD Pamphlet 21; ICRP 133),

    .. math::

        S_R(r_T \\leftarrow r_S) = k \\Big[\\sum_i E_i Y_i\\, \\Phi_R(r_T \\leftarrow r_S, E_i)
        + \\int_0^{E_{max}} E\\, N(E)\\, \\Phi_R(r_T \\leftarrow r_S, E)\\, dE\\Big],
        \\qquad k = 1.602176634\\times10^{-13}\\ \\mathrm{J/MeV} \\times 3.6\\times10^{9}
        \\ \\mathrm{decays/(MBq\\,h)}

    with :math:`E_i` (MeV) and :math:`Y_i` (per decay) the ICRP 107 lines, :math:`N(E)`
    (per MeV per decay) the ICRP 107 beta spectrum and :math:`\\Phi` the ICRP 133 SAF (1/kg,
    per target mass, blood included). Photons: gamma, X-ray and annihilation lines with the
    photon SAF. Electrons: the ICRP-07.BET spectrum (beta-, beta+ and delayed beta together)
    integrated by the trapezoid rule on its own grid, **not** evaluated at the mean energy,
    plus internal-conversion and Auger lines, with the electron SAF. Alphas: alpha lines with
    the alpha SAF; alpha recoil nuclei and fission fragments with the SAF of a 2.0 MeV alpha
    (ICRP 133, para. 78). Spontaneous-fission neutrons are not included (no neutron SAF is
    read); the ``convention`` says so when the nuclide emits them. No radiation weighting:
    this is absorbed dose.

    Interpolation. ``"linear"`` interpolates SAF(E) linearly in E on the ICRP 133 grid,
    including its E = 0 column: the rule of FlexID, an independent open implementation of the
    ICRP 133 framework, and of syd. Because the SAF is zero at every grid energy below the
    record's ``Ecut``, the interpolated SAF is zero up to the grid energy before ``Ecut`` and
    ramps linearly to the tabulated value at ``Ecut``. Being linear in the SAF values, the
    whole calculation is one matrix-vector product per class: the emissions are folded into
    weights on the 28 (alpha: 24) grid energies. ``"log-log"`` interpolates log SAF in log E
    where both bracketing SAFs are positive and the lower energy is above 0, and linearly
    elsewhere (next to E = 0 and across ``Ecut``). No interpolation rule could be found in the
    ICRP 133 text available when this was written; the difference between the two is a check
    of the interpolation error (0.1 % for Lu-177 kidney self-dose).

    Progeny ``"in-situ"``: member *j* of the decay chain contributes
    :math:`n_j S_j`, with :math:`n = (I - B)^{-1} e_0` the decays of each member per decay of
    the parent over complete decay (:math:`B` the ICRP 107 branching matrix of
    :func:`pkdose.nuclides.decay_chain`). This is exact when the progeny stay where they are
    formed and the time integral runs to infinity, and is the usual convention for short-lived
    progeny. A long-lived member is counted as if it also decayed completely in the source
    region; ``progeny_decays`` lists what was counted.

    References
    ----------
    .. [1] ICRP, 2016. The ICRP computational framework for internal dose assessment for
       reference adults: specific absorbed fractions. ICRP Publication 133. Ann. ICRP 45(2).
    .. [2] ICRP, 2008. Nuclear decay data for dosimetric calculations. ICRP Publication 107.
       Ann. ICRP 38(3).
    .. [3] Bolch WE et al., 2009. MIRD Pamphlet No. 21. J Nucl Med 50:477-484.

    Examples
    --------
    >>> t = s_values("Lu-177", phantom="am")
    >>> t.phantom, t.progeny, t.nuclide
    ('adult-male', 'none', 'Lu-177')
    >>> k = t.s("Kidneys", "Kidneys", unit="mGy/(MBq*s)")
    >>> round(t.s("Kidneys", "Kidneys", "electron", unit="mGy/(MBq*s)") / k, 3)
    0.979
    >>> ac = s_values("Ac-225", progeny="in-situ")
    >>> round(ac.progeny_decays["Po-213"], 6)            # 0.99988 x 0.9791 (ICRP 107)
    0.978983
    """
    nuc = get_nuclide(nuclide)
    _check_choice("progeny mode", progeny, PROGENY_MODES, "s_values()")
    _check_choice("interpolation", interpolation, INTERPOLATIONS, "s_values()")
    members = _members(nuc.name, progeny)
    data = load_icrp133(phantom, saf_dir)
    parts, notes = _s_matrix(data, members, interpolation)
    total = np.sum([parts[r] for r in RADIATION_CLASSES], axis=0)
    by_class = MappingProxyType({r: _frame(parts[r], data.targets, data.sources)
                                 for r in RADIATION_CLASSES})
    interp_text = ("SAF(E) interpolated linearly in energy on the ICRP 133 grid including its "
                   "E = 0 column" if interpolation == "linear" else
                   "SAF(E) interpolated log-log between positive grid values, linearly next to "
                   "E = 0 and across Ecut")
    convention = "; ".join([
        f"absorbed-dose S coefficients in Gy/(MBq*h) from ICRP Publication 133 SAFs "
        f"({data.phantom} reference phantom) and ICRP 107 emissions, no radiation weighting",
        "SAF per target mass: target masses include blood (torgans_2016-08-12.NDX), source "
        "masses as in sregions_2016-08-12.NDX",
        "photons: gamma, X-ray and annihilation lines",
        "electrons: ICRP-07.BET beta spectrum integrated over energy (trapezoid rule on its "
        "grid) plus internal-conversion and Auger lines",
        "alphas: alpha lines; alpha recoil and fission fragments with the 2.0 MeV alpha SAF "
        "(ICRP 133 para. 78)",
        interp_text,
        _progeny_text(progeny, members),
        *notes,
    ])
    cited = [SOURCES["saf"], SOURCES["emissions"], SOURCES["formalism"],
             SOURCES["alpha_recoil"], SOURCES["interpolation"]]
    if progeny == "in-situ":
        cited.append(SOURCES["branching"])
    return SValueTable(
        nuclide=nuc.name, phantom=data.phantom, targets=data.targets, sources=data.sources,
        values=_frame(total, data.targets, data.sources), by_class=by_class,
        target_masses_kg=pd.Series(data.target_masses_kg, index=pd.Index(data.targets,
                                                                         name="target"),
                                   name="mass_kg"),
        source_masses_kg=pd.Series(data.source_masses_kg, index=pd.Index(data.sources,
                                                                         name="source"),
                                   name="mass_kg"),
        convention=convention, progeny=progeny,
        progeny_decays=MappingProxyType(dict(members)), interpolation=interpolation,
        sources_cited=tuple(cited), data_files=data.sha256)


def local_absorption_s_value(nuclide: str, mass_kg: Any, *,
                             progeny: str = "none") -> LocalAbsorptionSValue:
    """Self-dose S of a region with all non-penetrating energy absorbed in it; no photons.

    Needs no SAF file. For therapy beta emitters (Lu-177, Y-90) in organs of a few hundred
    grams this is the dominant part of the self-dose; it is not a substitute for a phantom
    calculation where photons matter or for walls, marrow or bone surfaces.

    Parameters
    ----------
    nuclide : str
        Any ICRP 107 nuclide.
    mass_kg : float, str or Quantity
        Mass of the region: kg if a bare number, or ``"310 g"``, ``Q_(0.31, "kg")``.
    progeny : {"none", "in-situ"}, default "none"
        As in :func:`s_values`: ``"in-situ"`` adds the progeny's non-penetrating energy, each
        member weighted by its decays per parent decay.

    Returns
    -------
    LocalAbsorptionSValue
        Labelled self-dose only, non-penetrating, photons not included.

    Raises
    ------
    DoseError
        A mass that is not positive and finite.
    UnitError
        A mass with a unit that is not a mass.

    Notes
    -----
    .. math::

        S(r \\leftarrow r) = \\frac{k\\, \\Delta_{np}}{m}, \\qquad
        \\Delta_{np} = \\sum_{j} n_j \\sum_{i \\in np} E_{ij} Y_{ij}

    with :math:`\\Delta_{np}` the ICRP 107 non-penetrating energy per decay of the parent
    (alpha, alpha recoil, beta-, beta+, delayed beta, internal-conversion and Auger electrons,
    fission fragments; :meth:`pkdose.nuclides.Nuclide.mean_energy` group
    ``"non_penetrating"``), :math:`m` the mass (kg) and
    :math:`k = 1.602176634\\times10^{-13}\\ \\mathrm{J/MeV} \\times 3.6\\times10^{9}` decays per
    MBq*h. For Lu-177 (:math:`\\Delta_{np}` = 0.14792 MeV) in the 0.310 kg ICRP 89 kidneys this
    gives 7.645e-5 mGy/(MBq*s).

    Examples
    --------
    >>> sv = local_absorption_s_value("Y-90", 1.8)          # 1.8 kg liver
    >>> round(sv.value, 6), sv.unit                         # Gy/(MBq*h)
    (0.000299, 'Gy/(MBq*h)')
    >>> round(sv.energy_MeV, 5)                 # MeV per decay: beta 0.93290 + IC, Auger
    0.93311
    """
    nuc = get_nuclide(nuclide)
    _check_choice("progeny mode", progeny, PROGENY_MODES, "local_absorption_s_value()")
    q = as_quantity(mass_kg, "mass", "mass_kg")
    mass = float(np.asarray(q.to("kg").magnitude))
    if not (math.isfinite(mass) and mass > 0):
        raise DoseError("mass_kg", "a positive, finite mass", mass_kg)
    members = _members(nuc.name, progeny)
    energy = sum(n * get_nuclide(m).mean_energy("non_penetrating") for m, n in members)
    split = {"alpha": sum(n * (get_nuclide(m).mean_energy("alpha") + get_nuclide(m).mean_energy("alpha_recoil"))
                          for m, n in members),
             "electron": sum(n * get_nuclide(m).mean_energy("electron") for m, n in members),
             "fission": sum(n * get_nuclide(m).mean_energy("fission") for m, n in members)}
    by_class = {k: e * _S_FACTOR / mass for k, e in split.items() if e > 0 or k != "fission"}
    convention = "; ".join([
        "self-dose only: S(region <- region) for activity uniformly in the region",
        "non-penetrating radiation (ICRP 107: alpha, alpha recoil, beta-, beta+, delayed beta, "
        "internal-conversion and Auger electrons, fission fragments) absorbed entirely in the "
        "region",
        "photons not included",
        f"mass {mass:.6g} kg as given",
        _progeny_text(progeny, members),
    ])
    cited = [SOURCES["local_absorption"], SOURCES["formalism"]]
    if progeny == "in-situ":
        cited.append(SOURCES["branching"])
    return LocalAbsorptionSValue(
        nuclide=nuc.name, mass_kg=mass, value=energy * _S_FACTOR / mass, energy_MeV=energy,
        progeny=progeny, progeny_decays=MappingProxyType(dict(members)),
        convention=convention, sources_cited=tuple(cited), by_class=MappingProxyType(by_class))
