"""Nuclear decay data of ICRP Publication 107: half-lives, decay chains and emissions.

Two installed packages hold the data, and both come from the files that accompany ICRP
Publication 107 (ICRP, 2008, *Nuclear Decay Data for Dosimetric Calculations*, Ann. ICRP 38(3)):

* ``radioactivedecay`` (its default dataset ``icrp107_ame2020_nubase2020``) gives half-lives,
  progeny and branching fractions. They come from the ICRP index file ``ICRP-07.NDX``.
  pkdose always asks it for hours (``"h"``) and passes it only canonical nuclide names, never a
  unit string from a user: radioactivedecay reads ``"Gy"`` as gigayears. Half-lives
  given in years are converted by radioactivedecay with 365.2422 d per year.
* ``icrp107-database`` gives the emissions. It has one JSON file per nuclide, made from
  ``ICRP-07.RAD`` (discrete lines) and ``ICRP-07.BET`` (beta spectra). The files are
  JSON-encoded *twice*: each holds a JSON string whose content is the JSON record. They are read
  on first use and cached. Nothing is read when the module is imported.

What each JSON emission class holds, and its name in pkdose, as found by reading the files and
checking them against the per-class energies of ``ICRP-07.NDX``:

================  ================  =========================================================
pkdose class      JSON key          content: ``[energy (MeV), yield (per decay)]`` rows
================  ================  =========================================================
``alpha``         ``alpha``         alpha particles, one row per branch
``alpha_recoil``  ``alpha recoil``  recoiling daughter nucleus of each alpha branch
``beta-``         ``beta-``         one row per beta-minus branch. The energy is the *mean
                                    energy of the electron* of that branch, not the end-point
                                    energy. The antineutrino's share is not in it.
``beta+``         ``beta+``         one row per positron branch, mean positron energy
``beta_delayed``  ``betaD``         delayed beta particles from fission fragments (only in
                                    the 28 spontaneously fissioning actinides), mean energy
``ic_electron``   ``IE``            internal-conversion electrons, discrete
``auger``         ``auger``         Auger and Coster-Kronig electrons, discrete
``gamma``         ``gamma``         gamma rays. For the fissioning actinides this also holds
                                    the fission photons (lines at round energies)
``x_ray``         ``X``             X-rays
``annihilation``  ``annihilation``  0.511 MeV photons, yield = 2 x positron yield (6 digits)
``neutron``       ``neutron``       spontaneous-fission neutrons, a single mean-energy row
``fission``       ``fission``       fission fragments (two per fission), mean kinetic energy
================  ================  =========================================================

``b-spectra`` is not a class of lines. It is the ICRP-07.BET spectrum: rows of
``[energy (MeV), particles per MeV per decay]`` on a fixed grid, for *all* beta-type
emissions of the nuclide together (beta-, beta+ and delayed beta). ICRP 107 does not give
separate spectra per kind. Its integral is the summed beta yield, and its first moment is the
summed mean energy, to within the grid's discretisation error (see :class:`Spectrum`).

``Nuclide.mean_energies()`` also returns these sums (MeV per decay):

* ``"electron"``: beta-, beta+, beta_delayed, ic_electron and auger. This is the column
  *E_electron* of ``ICRP-07.NDX``, which also counts positrons.
* ``"non_penetrating"``: alpha, alpha_recoil, beta-, beta+, ic_electron and auger, plus
  beta_delayed and fission where present. Only the 28 fissioning actinides have those two.
  These radiations are absorbed locally.
* ``"photon"``: gamma, x_ray and annihilation. This is the column *E_photon* of
  ``ICRP-07.NDX``.
* ``"total"``: every class, neutrons included. ICRP-07.NDX's *E_alpha* column counts the
  alpha recoil as well. For a nuclide that does not fission, *E_alpha + E_electron +
  E_photon* therefore matches ``"total"`` to the NDX's printed digits (checked in
  ``tests/test_nuclides.py``).

The data licence: the ICRP-07 data files are Copyright (C) 2008 A. Endo and K. F. Eckerman.
Their notice allows research and not-for-profit use, and must be reproduced with the data.

Examples
--------
>>> lu = get_nuclide("Lu-177")
>>> lu.half_life_h                        # 6.647 d
159.528
>>> round(lu.mean_energy("beta-"), 5)     # MeV per decay, electron share only
0.13327
>>> round(lu.mean_energies()["non_penetrating"], 5)
0.14792
>>> decay_chain("Ra-223").nuclides
('Ra-223', 'Rn-219', 'Po-215', 'Pb-211', 'Bi-211', 'Po-211', 'Tl-207')
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np

from .errors import PkdoseError, UnknownNameError
from .provenance import Source

__all__ = [
    "Nuclide",
    "Lines",
    "Spectrum",
    "DecayChain",
    "NuclideDataError",
    "get_nuclide",
    "decay_chain",
    "known_nuclides",
    "RADIATION_CLASSES",
    "ENERGY_GROUPS",
    "SPECTRUM_KINDS",
    "SOURCES",
]

#: pkdose radiation class -> key of the ``emissions`` object in the icrp107-database JSON files.
RADIATION_CLASSES: MappingProxyType[str, str] = MappingProxyType({
    "alpha": "alpha",
    "alpha_recoil": "alpha recoil",
    "beta-": "beta-",
    "beta+": "beta+",
    "beta_delayed": "betaD",
    "ic_electron": "IE",
    "auger": "auger",
    "gamma": "gamma",
    "x_ray": "X",
    "annihilation": "annihilation",
    "neutron": "neutron",
    "fission": "fission",
})

#: Sums of classes returned by :meth:`Nuclide.mean_energies` (and accepted by ``mean_energy``).
ENERGY_GROUPS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "electron": ("beta-", "beta+", "beta_delayed", "ic_electron", "auger"),
    "non_penetrating": ("alpha", "alpha_recoil", "beta-", "beta+", "beta_delayed",
                        "ic_electron", "auger", "fission"),
    "photon": ("gamma", "x_ray", "annihilation"),
    "total": tuple(RADIATION_CLASSES),
})

#: Kinds accepted by :meth:`Nuclide.beta_spectrum`.
SPECTRUM_KINDS: tuple[str, ...] = ("beta-", "beta+", "beta_delayed", "all")
_BETA_CLASSES = ("beta-", "beta+", "beta_delayed")

_ICRP_NOTICE = ("ICRP-07 data files Copyright (C) 2008 A. Endo and K.F. Eckerman; "
                "research and not-for-profit use under the ICRP-07 notice")

_ICRP107 = ("ICRP Publication 107, Nuclear Decay Data for Dosimetric Calculations, "
            "Ann. ICRP 38(3), 2008")

#: Where the numbers of this module come from.
SOURCES: MappingProxyType[str, Source] = MappingProxyType({
    "half_life": Source(
        _ICRP107,
        table="ICRP-07.NDX",
        note="via radioactivedecay, dataset icrp107_ame2020_nubase2020",
        licence=_ICRP_NOTICE),
    "emissions": Source(
        _ICRP107,
        table="ICRP-07.RAD, ICRP-07.BET",
        note="via icrp107-database (OpenGATE) JSON files",
        licence=_ICRP_NOTICE),
})

_LN2 = math.log(2.0)


class NuclideDataError(PkdoseError, ValueError):
    """The decay data cannot answer the question asked of a nuclide.

    Raised, for instance, for the decay chain of a stable nuclide, or for the beta-minus
    spectrum of a nuclide whose ICRP 107 spectrum mixes beta-minus and beta-plus.

    Attributes
    ----------
    nuclide : str
        Canonical name of the nuclide.
    problem : str
        What is wrong, and what to do instead.
    """

    def __init__(self, nuclide: str, problem: str) -> None:
        self.nuclide = nuclide
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"nuclide {self.nuclide!r}: {self.problem}"


def _frozen_array(values: Any, field: str) -> np.ndarray:
    arr = np.array(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{field}: expected a 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{field}: expected finite numbers, got {arr!r}")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Lines:
    """Discrete emissions of one radiation class: energies and yields.

    Parameters
    ----------
    energy_MeV : array_like of float, shape (n,)
        Energy of each line, MeV. For ``beta-``/``beta+`` lines this is the mean energy of the
        electron (positron) of each branch.
    yield_per_decay : array_like of float, shape (n,)
        Number emitted per decay (per nuclear transformation). A yield can exceed 1.

    Examples
    --------
    >>> Lines([0.1, 0.2], [0.5, 0.25]).mean_energy_MeV
    0.1
    >>> len(get_nuclide("Lu-177").emissions("gamma"))
    6
    """

    energy_MeV: np.ndarray
    yield_per_decay: np.ndarray

    def __post_init__(self) -> None:
        e = _frozen_array(self.energy_MeV, "energy_MeV")
        y = _frozen_array(self.yield_per_decay, "yield_per_decay")
        if e.shape != y.shape:
            raise ValueError(f"Lines: energy_MeV has {e.size} values but yield_per_decay has "
                             f"{y.size}; expected one yield per energy")
        if np.any(e < 0) or np.any(y < 0):
            raise ValueError("Lines: energies (MeV) and yields (per decay) must be >= 0")
        object.__setattr__(self, "energy_MeV", e)
        object.__setattr__(self, "yield_per_decay", y)

    def __len__(self) -> int:
        return int(self.energy_MeV.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lines):
            return NotImplemented
        return (np.array_equal(self.energy_MeV, other.energy_MeV)
                and np.array_equal(self.yield_per_decay, other.yield_per_decay))

    __hash__ = None  # type: ignore[assignment]

    @property
    def mean_energy_MeV(self) -> float:
        """Energy emitted per decay, MeV: ``sum(energy_MeV * yield_per_decay)``.

        This is the mean energy per *decay*, not the mean energy per particle.
        """
        return float(np.dot(self.energy_MeV, self.yield_per_decay))

    @property
    def total_yield(self) -> float:
        """Particles (photons) emitted per decay, summed over the lines."""
        return float(self.yield_per_decay.sum())


@dataclass(frozen=True, eq=False)
class Spectrum:
    """A continuous beta spectrum of ICRP 107 (file ICRP-07.BET).

    Parameters
    ----------
    energy_MeV : array_like of float, shape (n,)
        Energy grid, MeV, increasing. ICRP 107 uses a fixed non-uniform grid: steps of 10 keV
        and less at low energy, up to 0.2 MeV near the end-point of energetic emitters.
    density_per_MeV : array_like of float, shape (n,)
        Particles per MeV per decay at each grid energy.

    Notes
    -----
    The integrals use the trapezoid rule on the ICRP grid. Across all 955 ICRP 107 spectra the
    zeroth moment matches the tabulated beta yield, and the first moment the tabulated mean
    beta energy, within 0.32 % and 0.49 %. The median error is 0.1 %. The one exception is N-16,
    whose 10.4 MeV end-point falls on a coarse grid: -0.5 % and -2.4 %. Part of the error is
    the 4 significant figures of the tabulated densities. For energies per decay, use the
    discrete rows of :meth:`Nuclide.emissions`. They hold each branch's exact mean energy.

    Examples
    --------
    >>> s = get_nuclide("Y-90").beta_spectrum()
    >>> round(s.yield_per_decay, 3), round(s.mean_energy_MeV, 3), float(s.energy_MeV[-1])
    (1.0, 0.932, 2.28)
    """

    energy_MeV: np.ndarray
    density_per_MeV: np.ndarray

    def __post_init__(self) -> None:
        e = _frozen_array(self.energy_MeV, "energy_MeV")
        d = _frozen_array(self.density_per_MeV, "density_per_MeV")
        if e.shape != d.shape:
            raise ValueError(f"Spectrum: {e.size} energies but {d.size} densities")
        if e.size > 1 and np.any(np.diff(e) <= 0):
            raise ValueError("Spectrum: energy_MeV must be strictly increasing")
        object.__setattr__(self, "energy_MeV", e)
        object.__setattr__(self, "density_per_MeV", d)

    def __len__(self) -> int:
        return int(self.energy_MeV.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Spectrum):
            return NotImplemented
        return (np.array_equal(self.energy_MeV, other.energy_MeV)
                and np.array_equal(self.density_per_MeV, other.density_per_MeV))

    __hash__ = None  # type: ignore[assignment]

    @property
    def yield_per_decay(self) -> float:
        """Particles per decay: the integral of ``density_per_MeV`` over energy (trapezoid)."""
        if self.energy_MeV.size < 2:
            return 0.0
        return float(np.trapezoid(self.density_per_MeV, self.energy_MeV))

    @property
    def mean_energy_MeV(self) -> float:
        """Energy per decay, MeV: the integral of ``E * density_per_MeV`` over E (trapezoid)."""
        if self.energy_MeV.size < 2:
            return 0.0
        return float(np.trapezoid(self.energy_MeV * self.density_per_MeV, self.energy_MeV))


_EMPTY_LINES = Lines(np.empty(0), np.empty(0))
_EMPTY_SPECTRUM = Spectrum(np.empty(0), np.empty(0))


@dataclass(frozen=True)
class Nuclide:
    """One nuclide of ICRP 107: half-life, progeny and emissions.

    Get one with :func:`get_nuclide`, not by calling the class.

    Parameters
    ----------
    name : str
        Canonical name, e.g. ``"Ra-223"``, ``"Tc-99m"``.
    half_life_h : float
        Half-life in hours (ICRP 107). ``inf`` for a stable nuclide.
    progeny : tuple of (str, float)
        ``(daughter, branching fraction)`` for each decay mode, stable daughters included,
        in ICRP 107 order. A spontaneous-fission branch has no single daughter and is left
        out (28 actinides; the fraction is below 1e-3 for 21 of them but 0.997 for Cf-254).
        So are branches ICRP 107 does not list (e.g. the 0.012 % beta decay of At-217). The
        fractions can therefore sum to less than 1. For 65 nuclides they sum to slightly more
        than 1, by at most 1e-4 (Tb-151, 1.000095; Fr-223, 1.00006; I-123, 1.0000044). ICRP
        107 rounds the main branch to 1.0 and still lists a minor one. pkdose keeps the values
        as ICRP 107 gives them.

    Examples
    --------
    >>> bi = get_nuclide("Bi-211")
    >>> bi.progeny
    (('Tl-207', 0.99724), ('Po-211', 0.00276))
    >>> round(bi.decay_constant, 4)             # 1/h, from T1/2 = 2.14 min
    19.434
    >>> get_nuclide("Pb-207").is_stable
    True
    """

    name: str
    half_life_h: float
    progeny: tuple[tuple[str, float], ...]

    @property
    def decay_constant(self) -> float:
        """Decay constant, 1/h: ln 2 / ``half_life_h``. 0.0 for a stable nuclide."""
        return 0.0 if self.is_stable else _LN2 / self.half_life_h

    @property
    def is_stable(self) -> bool:
        """True if ICRP 107 gives no decay (infinite half-life)."""
        return math.isinf(self.half_life_h)

    def emissions(self, radiation: str) -> Lines:
        """Discrete emissions of one radiation class.

        Parameters
        ----------
        radiation : str
            One of :data:`RADIATION_CLASSES`: ``"alpha"``, ``"alpha_recoil"``, ``"beta-"``,
            ``"beta+"``, ``"beta_delayed"``, ``"ic_electron"``, ``"auger"``, ``"gamma"``,
            ``"x_ray"``, ``"annihilation"``, ``"neutron"``, ``"fission"``.

        Returns
        -------
        Lines
            Energies (MeV) and yields (per decay). Empty if the nuclide does not emit that
            radiation, or is stable.

        Raises
        ------
        UnknownNameError
            If *radiation* is not a radiation class.

        Examples
        --------
        >>> g = get_nuclide("Tc-99m").emissions("gamma")
        >>> i = int(g.yield_per_decay.argmax())
        >>> float(g.energy_MeV[i]), float(g.yield_per_decay[i])     # MeV, per decay
        (0.140511, 0.890567)
        """
        _check_class(radiation, tuple(RADIATION_CLASSES), f"{self.name}.emissions()")
        return _emission_data(self.name, self.is_stable).lines.get(radiation, _EMPTY_LINES)

    def beta_spectrum(self, kind: str = "beta-") -> Spectrum:
        """The ICRP 107 beta spectrum (energy grid in MeV, particles per MeV per decay).

        ICRP 107 gives one spectrum per nuclide. It covers all beta-type emissions together
        (beta-minus, beta-plus and delayed beta from fission).

        Parameters
        ----------
        kind : {"beta-", "beta+", "beta_delayed", "all"}
            The emission wanted. ``"all"`` returns the spectrum as tabulated. A single kind
            returns it when that kind is the nuclide's only beta-type emission. It returns an
            empty spectrum when the nuclide does not emit that kind.

        Returns
        -------
        Spectrum
            Empty (no grid points, integrals 0) for a nuclide without such emission.

        Raises
        ------
        NuclideDataError
            If the nuclide emits *kind* together with another beta kind (e.g. Cu-64, K-40).
            The tabulated spectrum mixes them and cannot be split. Ask for ``"all"``.
        UnknownNameError
            If *kind* is not one of the four above.

        Examples
        --------
        >>> s = get_nuclide("Lu-177").beta_spectrum()
        >>> len(s), float(s.energy_MeV[-1])            # grid points, end-point energy (MeV)
        (101, 0.4978)
        >>> len(get_nuclide("F-18").beta_spectrum("beta-"))
        0
        """
        _check_class(kind, SPECTRUM_KINDS, f"{self.name}.beta_spectrum()",
                     kind_name="beta spectrum kind")
        data = _emission_data(self.name, self.is_stable)
        present = tuple(k for k in _BETA_CLASSES
                        if data.lines.get(k, _EMPTY_LINES).total_yield > 0)
        if kind == "all" or present == (kind,):
            return data.spectrum
        if kind not in present:
            return _EMPTY_SPECTRUM
        raise NuclideDataError(
            self.name,
            f"ICRP 107 gives one beta spectrum for {' and '.join(present)} together, which "
            f"cannot be split into the {kind!r} part; ask for beta_spectrum('all'), or use "
            f"emissions({kind!r}) for the mean energy of each branch")

    def mean_energy(self, radiation: str) -> float:
        """Energy emitted per decay by one radiation class (or group), MeV.

        Parameters
        ----------
        radiation : str
            A class of :data:`RADIATION_CLASSES`, or a group of :data:`ENERGY_GROUPS`
            (``"electron"``, ``"non_penetrating"``, ``"photon"``, ``"total"``).

        Returns
        -------
        float
            MeV per decay (0.0 if not emitted). For ``"beta-"`` this is the electron's mean
            energy times the branch yield, summed over branches. The antineutrino's share is
            not counted.

        Examples
        --------
        >>> y90 = get_nuclide("Y-90")
        >>> round(y90.mean_energy("beta-"), 4)       # not the 2.28 MeV end-point
        0.9329
        >>> round(get_nuclide("Ra-223").mean_energy("alpha"), 4)
        5.6666
        """
        _check_class(radiation, tuple(RADIATION_CLASSES) + tuple(ENERGY_GROUPS),
                     f"{self.name}.mean_energy()")
        lines = _emission_data(self.name, self.is_stable).lines
        members = ENERGY_GROUPS.get(radiation, (radiation,))
        return float(sum(lines[c].mean_energy_MeV for c in members if c in lines))

    def mean_energies(self) -> dict[str, float]:
        """Energy per decay of every class emitted, and of the groups, MeV.

        Returns
        -------
        dict of str to float
            One key per radiation class emitted (classes the nuclide does not emit are left
            out). The keys ``"electron"``, ``"non_penetrating"``, ``"photon"`` and
            ``"total"`` are always there (see :data:`ENERGY_GROUPS`).

        Examples
        --------
        >>> e = get_nuclide("F-18").mean_energies()
        >>> for key, mev in e.items():
        ...     print(f"{key:16s} {mev:.5f}")
        beta+            0.24161
        annihilation     0.98858
        electron         0.24161
        non_penetrating  0.24161
        photon           0.98858
        total            1.23019
        """
        lines = _emission_data(self.name, self.is_stable).lines
        out = {c: lines[c].mean_energy_MeV for c in RADIATION_CLASSES
               if c in lines and lines[c].total_yield > 0}
        for group, members in ENERGY_GROUPS.items():
            out[group] = float(sum(out.get(c, 0.0) for c in members))
        return out


@dataclass(frozen=True, eq=False)
class DecayChain:
    """The radioactive members of a decay chain and their branching, ready for Bateman.

    Parameters
    ----------
    parent : str
        Canonical name of the parent.
    nuclides : tuple of str
        Radioactive members, parent first, in decay (topological) order: every member comes
        after all members that feed it. Members of equal depth are in alphabetical order.
    decay_constants : numpy.ndarray, shape (n,)
        Decay constants, 1/h, aligned with ``nuclides``.
    branching : numpy.ndarray, shape (n, n)
        ``branching[i, j]`` is the fraction of decays of ``nuclides[j]`` that produce
        ``nuclides[i]``. It is strictly lower triangular. Column *j* sums to the share of
        decays of ``nuclides[j]`` that stay in the chain. Decays to stable nuclides,
        spontaneous fission and branches ICRP 107 leaves out make up the rest. A column can
        exceed 1 by up to 1e-4 where ICRP 107's own fractions do (see :class:`Nuclide`).
    stable : tuple of str
        Stable end products reached, in order of first appearance.

    Examples
    --------
    >>> ch = decay_chain("Ac-225")
    >>> ch.nuclides
    ('Ac-225', 'Fr-221', 'At-217', 'Bi-213', 'Po-213', 'Tl-209', 'Pb-209')
    >>> ch.stable
    ('Bi-209',)
    >>> float(ch.branching[ch.index("Tl-209"), ch.index("Bi-213")])
    0.0209
    """

    parent: str
    nuclides: tuple[str, ...]
    decay_constants: np.ndarray
    branching: np.ndarray
    stable: tuple[str, ...]

    def __post_init__(self) -> None:
        n = len(self.nuclides)
        lam = _frozen_array(self.decay_constants, "decay_constants")
        b = np.array(self.branching, dtype=float)
        if lam.shape != (n,) or b.shape != (n, n):
            raise ValueError(f"DecayChain: {n} nuclides need {n} decay constants and an "
                             f"({n}, {n}) branching matrix, got {lam.shape} and {b.shape}")
        if np.any(np.triu(b) != 0):
            raise ValueError("DecayChain: branching must be strictly lower triangular "
                             "(nuclides in decay order)")
        b.setflags(write=False)
        object.__setattr__(self, "decay_constants", lam)
        object.__setattr__(self, "branching", b)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DecayChain):
            return NotImplemented
        return (self.parent == other.parent and self.nuclides == other.nuclides
                and self.stable == other.stable
                and np.array_equal(self.decay_constants, other.decay_constants)
                and np.array_equal(self.branching, other.branching))

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.nuclides)

    @property
    def half_lives_h(self) -> np.ndarray:
        """Half-lives, h, aligned with ``nuclides``."""
        return _LN2 / self.decay_constants

    def index(self, name: str) -> int:
        """Position of a member in ``nuclides`` (name in any accepted spelling)."""
        canon = get_nuclide(name).name
        try:
            return self.nuclides.index(canon)
        except ValueError:
            raise UnknownNameError("chain member", name, self.nuclides,
                                   f"decay chain of {self.parent}") from None


# ----------------------------------------------------------------------------------------
# data access (lazy, cached)


@functools.lru_cache(maxsize=1)
def _decay_data() -> Any:
    import radioactivedecay  # heavy (about 1 s): imported on first use only

    return radioactivedecay.DEFAULTDATA


@functools.lru_cache(maxsize=1)
def _all_names() -> frozenset[str]:
    """Every name radioactivedecay knows: the 1252 ICRP 107 nuclides and stable products."""
    return frozenset(str(n) for n in _decay_data().nuclides)


@functools.lru_cache(maxsize=1)
def _radioactive_names() -> tuple[str, ...]:
    data = _decay_data()
    return tuple(sorted(str(n) for n in data.nuclides if math.isfinite(data.half_life(n, "h"))))


def known_nuclides() -> tuple[str, ...]:
    """The 1252 radioactive nuclides of ICRP 107, sorted by name.

    Stable decay products (e.g. ``"Pb-207"``) are not in the list, though
    :func:`get_nuclide` accepts them.

    Examples
    --------
    >>> names = known_nuclides()
    >>> len(names), names[0], "Tc-99m" in names
    (1252, 'Ac-223', True)
    """
    return _radioactive_names()


_SEPARATORS = re.compile(r"[\s_\-]+")
_PARTS = re.compile(r"([A-Za-z]*)(\d{1,3})([A-Za-z]*)")


def _spellings(name: str) -> list[str]:
    """Canonical candidates for a user spelling, most likely first (not checked)."""
    m = _PARTS.fullmatch(_SEPARATORS.sub("", name.strip()))
    if not m:
        return []
    pre, mass, post = m.groups()
    pairs: list[tuple[str, str]] = []
    if pre and post.lower() in ("", "m", "n"):          # "Ra223", "Tc-99m"
        pairs.append((pre, post.lower()))
    elif not pre and post:                               # "223Ra", "99mTc", "99Mo"
        pairs.append((post, ""))
        if len(post) > 1 and post[0].lower() in "mn":
            pairs.append((post[1:], post[0].lower()))
    return [f"{sym[0].upper()}{sym[1:].lower()}-{int(mass)}{iso}"
            for sym, iso in pairs if 1 <= len(sym) <= 2]


def _unknown_nuclide(name: str) -> UnknownNameError:
    known = _all_names()
    err = UnknownNameError("nuclide", name, known, "ICRP 107")
    guesses = _spellings(str(name))
    if guesses:   # suggest from the canonical spelling too ("ac225m" -> "Ac-225")
        better = difflib.get_close_matches(guesses[0], sorted(known), n=3, cutoff=0.6)
        err.suggestions = tuple(dict.fromkeys(better + list(err.suggestions)))[:3]
        err.args = (str(err),)
    return err


def _canonical(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"nuclide name: expected a str such as 'Lu-177', got {name!r}")
    known = _all_names()
    if name in known:
        return name
    for cand in _spellings(name):
        if cand in known:
            return cand
    raise _unknown_nuclide(name)


@functools.lru_cache(maxsize=None)
def _nuclide(canon: str) -> Nuclide:
    import radioactivedecay

    data = _decay_data()
    rd_nuc = radioactivedecay.Nuclide(canon, decay_data=data)
    half_life_h = float(rd_nuc.half_life("h"))      # always "h": never a user's unit string
    merged: dict[str, float] = {}
    for daughter, fraction in zip(rd_nuc.progeny(), rd_nuc.branching_fractions()):
        daughter = str(daughter)                    # radioactivedecay gives numpy strings
        if daughter == "SF":                        # spontaneous fission: no single daughter
            continue
        merged[daughter] = merged.get(daughter, 0.0) + float(fraction)
    return Nuclide(canon, half_life_h, tuple(merged.items()))


def get_nuclide(name: str) -> Nuclide:
    """The ICRP 107 data of one nuclide.

    Parameters
    ----------
    name : str
        A nuclide in any common spelling: ``"Ra-223"``, ``"ra223"``, ``"Ra223"``,
        ``"223Ra"``, ``"Tc-99m"``, ``"Tc99m"``, ``"99mTc"``, ``"Lu_177"``. Stable decay
        products (``"Pb-207"``) are accepted too.

    Returns
    -------
    Nuclide
        Cached: the same object for every spelling.

    Raises
    ------
    UnknownNameError
        ``kind="nuclide"``, ``where="ICRP 107"``, with close matches in ``suggestions``.

    Examples
    --------
    >>> get_nuclide("99mTc").name
    'Tc-99m'
    >>> get_nuclide("ra223").half_life_h          # 11.43 d
    274.32
    >>> try:
    ...     get_nuclide("Ac-225m")
    ... except UnknownNameError as err:
    ...     print(err.kind, err.name, err.suggestions[0])
    nuclide Ac-225m Ac-225
    """
    return _nuclide(_canonical(name))


class _EmissionData:
    __slots__ = ("lines", "spectrum")

    def __init__(self, lines: dict[str, Lines], spectrum: Spectrum) -> None:
        self.lines = MappingProxyType(lines)
        self.spectrum = spectrum


_NO_EMISSIONS = _EmissionData({}, _EMPTY_SPECTRUM)


def _read_icrp107_json(name: str) -> dict[str, Any] | None:
    path = resources.files("icrp107_database").joinpath("icrp107", f"{name}.json")
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(record, str):          # the files are JSON-encoded twice
        record = json.loads(record)
    return record


def _rows(values: Any, name: str, key: str) -> np.ndarray:
    arr = np.array(values, dtype=float)
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise NuclideDataError(name, f"icrp107-database class {key!r}: expected "
                               f"[energy, value] rows, got an array of shape {arr.shape}")
    return arr


@functools.lru_cache(maxsize=None)
def _emission_data(name: str, stable: bool) -> _EmissionData:
    record = _read_icrp107_json(name)
    if record is None:
        if stable:
            return _NO_EMISSIONS
        raise NuclideDataError(name, "icrp107-database has no emission file for this "
                               "radioactive nuclide; reinstall icrp107-database>=0.0.3")
    if record.get("name") != name:
        raise NuclideDataError(name, f"icrp107-database file {name}.json describes "
                               f"{record.get('name')!r}")
    emissions = record["emissions"]
    expected = set(RADIATION_CLASSES.values()) | {"b-spectra"}
    unknown = sorted(k for k, v in emissions.items() if k not in expected and v)
    if unknown:
        raise NuclideDataError(name, f"icrp107-database has emission classes {unknown} "
                               "that pkdose does not map; update pkdose.nuclides")
    lines = {}
    for public, key in RADIATION_CLASSES.items():
        rows = _rows(emissions.get(key, []), name, key)
        if rows.shape[0]:
            lines[public] = Lines(rows[:, 0], rows[:, 1])
    spec = _rows(emissions.get("b-spectra", []), name, "b-spectra")
    spectrum = Spectrum(spec[:, 0], spec[:, 1]) if spec.shape[0] else _EMPTY_SPECTRUM
    beta_yield = sum(lines[k].total_yield for k in _BETA_CLASSES if k in lines)
    if beta_yield > 0 and not len(spectrum):
        raise NuclideDataError(name, "icrp107-database lists beta emissions but no spectrum")
    return _EmissionData(lines, spectrum)


def _check_class(value: str, known: tuple[str, ...], where: str,
                 kind_name: str = "radiation class") -> None:
    if value not in known:
        raise UnknownNameError(kind_name, value, known, where)


# ----------------------------------------------------------------------------------------
# decay chains


@functools.lru_cache(maxsize=None)
def _chain(parent: str) -> DecayChain:
    root = _nuclide(parent)
    if root.is_stable:
        raise NuclideDataError(parent, "is stable (ICRP 107 gives no decay), so it has no "
                               "decay chain; give a radioactive parent")
    # Longest path from the parent gives a topological order of the decay graph (a DAG).
    depth: dict[str, int] = {parent: 0}
    stable: list[str] = []
    order = [parent]
    i = 0
    while i < len(order):                      # breadth-first discovery of members
        nuc = _nuclide(order[i])
        i += 1
        for daughter, _ in nuc.progeny:
            d = _nuclide(daughter)
            if d.is_stable:
                if daughter not in stable:
                    stable.append(daughter)
            elif daughter not in depth:
                depth[daughter] = 0
                order.append(daughter)
    members = set(depth)
    for _ in range(len(members) + 1):          # relax to longest-path depths
        changed = False
        for name in members:
            for daughter, _ in _nuclide(name).progeny:
                if daughter in members and depth[daughter] < depth[name] + 1:
                    depth[daughter] = depth[name] + 1
                    changed = True
        if not changed:
            break
    else:
        raise NuclideDataError(parent, "the decay data form a cycle; cannot order the chain")
    names = tuple(sorted(members, key=lambda n: (depth[n], n)))
    pos = {n: k for k, n in enumerate(names)}
    n = len(names)
    branching = np.zeros((n, n))
    for j, name in enumerate(names):
        for daughter, fraction in _nuclide(name).progeny:
            if daughter in pos:
                branching[pos[daughter], j] += fraction
    lam = np.array([_nuclide(x).decay_constant for x in names])
    return DecayChain(parent, names, lam, branching, tuple(stable))


def decay_chain(parent: str) -> DecayChain:
    """The decay chain below a radioactive parent, from ICRP 107 branching.

    Parameters
    ----------
    parent : str
        A radioactive nuclide, any spelling accepted by :func:`get_nuclide`.

    Returns
    -------
    DecayChain
        Members in decay order, their decay constants (1/h), the branching matrix and the
        stable end products. Cached.

    Raises
    ------
    NuclideDataError
        If *parent* is stable (a ``ValueError``; the message says it is stable).
    UnknownNameError
        If *parent* is not an ICRP 107 nuclide.

    Examples
    --------
    >>> ch = decay_chain("I-131")
    >>> ch.nuclides, ch.stable
    (('I-131', 'Xe-131m'), ('Xe-131',))
    >>> float(ch.branching[1, 0])            # I-131 -> Xe-131m
    0.011759
    """
    return _chain(_canonical(parent))
