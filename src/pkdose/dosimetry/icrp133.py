"""Reader of the ICRP Publication 133 specific absorbed fractions (SAFs), read at run time.

ICRP Publication 133 (ICRP, 2016, *The ICRP computational framework for internal dose
assessment for reference adults: specific absorbed fractions*, Ann. ICRP 45(2)) comes with an
electronic supplement of SAF files for the reference adult male and female: photons, electrons
and alpha particles, 43 target regions x 79 source regions, and two index files with the
region masses. **pkdose does not ship these files and may not redistribute them**: the user
points pkdose to a directory holding their own copy, with the argument ``saf_dir`` or the
environment variable ``PKDOSE_ICRP133_DIR``. Every file is checked against the published
sha256 checksum before it is used, and a missing or altered file is an
:class:`ICRP133DataError` that names the file, the directory, both checksums and where to get
the data.

Files (names as in the supplement)::

    rcp-am_photon_2016-08-12.SAF    rcp-af_photon_2016-08-12.SAF
    rcp-am_electron_2016-08-12.SAF  rcp-af_electron_2016-08-12.SAF
    rcp-am_alpha_2016-08-12.SAF     rcp-af_alpha_2016-08-12.SAF
    sregions_2016-08-12.NDX         torgans_2016-08-12.NDX

Layout of a SAF file, as documented with the supplement (and in the FlexID user manual,
Appendix 3, which describes the same files): three title lines; a line with the number of
targets (43), the number of sources (79) and the energy grid in MeV (28 energies for photons
and electrons, 0 to 10 MeV; 24 for alphas, 0 to 12 MeV; the first energy is 0); a rule; then
one record per (target, source) pair, target varying fastest: ``target<-source``, the SAF at
each grid energy (1/kg), ``Ecut`` (the lowest energy with a non-zero SAF, MeV) and ``Icut``
(its 1-based index on the grid, 0 if the SAF is zero at every energy). The SAF is zero at every
grid energy below ``Ecut`` and non-zero from ``Ecut`` up. ``sregions_2016-08-12.NDX`` gives
the 79 source regions with the male and female masses (kg) and an ``ID`` flag (1: part of
"Other tissue"); ``torgans_2016-08-12.NDX`` gives the 43 target regions with their masses.
Target masses include the blood in the region, so a target region weighs more than the source
region of the same organ; the SAF of a region irradiating itself tends to 1/(target mass) as
E -> 0.

Nothing is read when the module is imported. Files are read, checked and parsed on first use
and cached per directory and phantom (``functools.lru_cache``, keyed also on the files' sizes
and modification times so that a file replaced on disk is read and checked again).

Examples
--------
>>> canonical_phantom("AM"), canonical_phantom("adult-female")
('adult-male', 'adult-female')
>>> data = load_icrp133("adult-male")          # directory from PKDOSE_ICRP133_DIR
>>> len(data.targets), len(data.sources), data.saf["photon"].values.shape
(43, 79, (43, 79, 28))
>>> data.target_index("Kidneys"), data.source_index("Kidneys")
(30, 55)
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ..errors import PkdoseError, UnknownNameError
from ..provenance import Source

__all__ = [
    "ENV_VAR",
    "PHANTOMS",
    "SAF_RADIATIONS",
    "SHA256",
    "ICRP133DataError",
    "SAFTable",
    "ICRP133Data",
    "canonical_phantom",
    "resolve_saf_dir",
    "load_icrp133",
    "SOURCE",
]

#: Environment variable naming the directory of the ICRP 133 files.
ENV_VAR = "PKDOSE_ICRP133_DIR"

#: Accepted phantom names -> canonical name. Case is ignored.
PHANTOMS: MappingProxyType[str, str] = MappingProxyType({
    "adult-male": "adult-male", "am": "adult-male", "rcp-am": "adult-male",
    "adult-female": "adult-female", "af": "adult-female", "rcp-af": "adult-female",
})
_CODE = {"adult-male": "am", "adult-female": "af"}

#: Radiation classes with a SAF file.
SAF_RADIATIONS: tuple[str, ...] = ("photon", "electron", "alpha")

#: sha256 of each file of the ICRP 133 electronic supplement (as published with the files).
SHA256: MappingProxyType[str, str] = MappingProxyType({
    "rcp-af_alpha_2016-08-12.SAF":
        "13eab7a9302a51b294e0db45c0cde3c983d87963478c913afc3defbd4110923c",
    "rcp-af_electron_2016-08-12.SAF":
        "cb6161247e9be8a73053692f30033e863e01abf10f85c0f2157935933544e534",
    "rcp-af_photon_2016-08-12.SAF":
        "61c688356b072d7d8f724c17dc590ed1fb999c2e3494c5e1cc3895d99f0c15f2",
    "rcp-am_alpha_2016-08-12.SAF":
        "6810fbea8739d4e10fcebacd404c54d0654449dda4d9669232c7fa3a25950514",
    "rcp-am_electron_2016-08-12.SAF":
        "faf5e307d95cb22ac300cf01c103e347423cc1f43500505143df74e824a0c7c2",
    "rcp-am_photon_2016-08-12.SAF":
        "187eb7b964c05477df41329052d6431a7c2c0d9a26551370a8cd47a00c557ba5",
    "sregions_2016-08-12.NDX":
        "aba5d6f437d82dd4c657404e6e01850142bc19c3401b3ecf32a8c87887799158",
    "torgans_2016-08-12.NDX":
        "c80d1c14486f3c757f11e57cf05fe8147b7f1091fac390fcdc4d9ad3bab53fcb",
})

_SOURCES_NDX = "sregions_2016-08-12.NDX"
_TARGETS_NDX = "torgans_2016-08-12.NDX"

_HOW_TO_GET = ("obtain the files of the ICRP Publication 133 electronic supplement "
               "(ICRP, Ann. ICRP 45(2), 2016; https://www.icrp.org/publication.asp?id=ICRP"
               "%20Publication%20133) and pass their directory as saf_dir=... or set "
               f"{ENV_VAR}; pkdose does not redistribute them")

#: The publication the files come from.
SOURCE = Source(
    "ICRP Publication 133, The ICRP computational framework for internal dose assessment for "
    "reference adults: specific absorbed fractions, Ann. ICRP 45(2), 2016",
    table="electronic supplement: rcp-a?_{photon,electron,alpha}_2016-08-12.SAF, "
          "sregions_2016-08-12.NDX, torgans_2016-08-12.NDX",
    note="read at run time from a user-supplied directory, sha256-checked",
    licence="ICRP; not redistributed by pkdose")


def _saf_file(phantom: str, radiation: str) -> str:
    return f"rcp-{_CODE[phantom]}_{radiation}_2016-08-12.SAF"


class ICRP133DataError(PkdoseError, OSError):
    """ICRP 133 files that are missing, altered or not as documented.

    All problems found for the files needed are reported at once.

    Attributes
    ----------
    directory : str or None
        The directory searched (None if no directory was given at all).
    problems : tuple of (str, str, str)
        ``(file, expected, got)`` for each problem: for a checksum, the published and the
        actual sha256; for a missing file, ``got == "file not found"``.
    file, expected, got : str
        The fields of the first problem, for convenience.
    """

    def __init__(self, directory: str | None, problems: Sequence[tuple[str, str, str]]) -> None:
        if not problems:
            raise ValueError("ICRP133DataError needs at least one problem")
        self.directory = directory
        self.problems = tuple(problems)
        self.file, self.expected, self.got = self.problems[0]
        super().__init__(str(self))

    def __str__(self) -> str:
        where = (f"in ICRP 133 directory {self.directory!r}" if self.directory
                 else "no ICRP 133 directory given")
        lines = [f"{len(self.problems)} problem{'s' if len(self.problems) > 1 else ''} "
                 f"with the ICRP Publication 133 SAF files {where}:"]
        for file, expected, got in self.problems:
            lines.append(f"  - {file}: expected {expected}, got {got}")
        lines.append(f"  To fix: {_HOW_TO_GET}.")
        return "\n".join(lines)


def canonical_phantom(phantom: str) -> str:
    """The canonical phantom name, ``"adult-male"`` or ``"adult-female"``.

    Parameters
    ----------
    phantom : str
        ``"adult-male"``, ``"am"``, ``"adult-female"``, ``"af"`` (case ignored).

    Raises
    ------
    UnknownNameError
        For any other name, with suggestions.
    """
    if not isinstance(phantom, str):
        raise TypeError(f"phantom: expected a str such as 'adult-male', got {phantom!r}")
    key = phantom.strip().lower().replace("_", "-").replace(" ", "-")
    if key in PHANTOMS:
        return PHANTOMS[key]
    raise UnknownNameError("phantom", phantom, PHANTOMS, "ICRP Publication 133")


def resolve_saf_dir(saf_dir: str | os.PathLike[str] | None = None) -> Path:
    """The directory of the ICRP 133 files: *saf_dir*, else ``$PKDOSE_ICRP133_DIR``.

    Raises
    ------
    ICRP133DataError
        If neither is given, or the path is not a directory.
    """
    if saf_dir is None:
        env = os.environ.get(ENV_VAR, "").strip()
        if not env:
            raise ICRP133DataError(None, [("directory", f"saf_dir=... or ${ENV_VAR}",
                                           "neither was given")])
        saf_dir = env
    path = Path(saf_dir).expanduser()
    if not path.is_dir():
        raise ICRP133DataError(str(path), [(str(path), "a directory", "no such directory")])
    return path.resolve()


def _file_signature(directory: Path, names: Sequence[str]) -> tuple[tuple[str, int, int], ...]:
    sig = []
    for name in names:
        try:
            st = (directory / name).stat()
            sig.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            sig.append((name, -1, -1))
    return tuple(sig)


def _read_checked(directory: Path, names: Sequence[str]) -> dict[str, bytes]:
    """Read *names* from *directory*; every sha256 must match. All problems reported at once."""
    problems: list[tuple[str, str, str]] = []
    content: dict[str, bytes] = {}
    for name in names:
        expected = SHA256[name]
        try:
            raw = (directory / name).read_bytes()
        except FileNotFoundError:
            problems.append((name, f"sha256 {expected}", "file not found"))
            continue
        except OSError as exc:
            problems.append((name, f"sha256 {expected}", f"unreadable file ({exc})"))
            continue
        actual = hashlib.sha256(raw).hexdigest()
        if actual != expected:
            problems.append((name, f"sha256 {expected}",
                             f"sha256 {actual} (file altered or another version)"))
            continue
        content[name] = raw
    if problems:
        raise ICRP133DataError(str(directory), problems)
    return content


def _format_error(directory: Path, name: str, line: int | None, problem: str) -> ICRP133DataError:
    where = f", line {line}" if line is not None else ""
    return ICRP133DataError(str(directory), [(f"{name}{where}", "the documented ICRP 133 layout",
                                              problem)])


@dataclass(frozen=True, eq=False)
class SAFTable:
    """The SAFs of one radiation class for one phantom: ``values[target, source, energy]``.

    Parameters
    ----------
    radiation : {"photon", "electron", "alpha"}
        Radiation class of the file.
    phantom : {"adult-male", "adult-female"}
        Reference phantom.
    energies_MeV : numpy.ndarray, shape (n,)
        Energy grid, MeV, increasing; ``energies_MeV[0] == 0``.
    values : numpy.ndarray, shape (43, 79, n)
        SAF (1/kg) for target ``i`` irradiated by source ``j`` at each grid energy. Read-only.
    ecut_MeV : numpy.ndarray, shape (43, 79)
        Lowest grid energy with a non-zero SAF, MeV (0 where the SAF is zero everywhere).
    icut : numpy.ndarray of int, shape (43, 79)
        1-based grid index of ``ecut_MeV``; 0 where the SAF is zero everywhere.
    file : str
        Name of the file read.
    """

    radiation: str
    phantom: str
    energies_MeV: np.ndarray
    values: np.ndarray
    ecut_MeV: np.ndarray
    icut: np.ndarray
    file: str

    @property
    def rows(self) -> np.ndarray:
        """``values`` as a (43 * 79, n) matrix, row ``source * 43 + target`` (file order)."""
        n_t, n_s, n_e = self.values.shape
        return self.values.transpose(1, 0, 2).reshape(n_t * n_s, n_e)


@dataclass(frozen=True, eq=False)
class ICRP133Data:
    """The ICRP 133 SAFs and region masses of one reference phantom.

    Get one with :func:`load_icrp133`.

    Parameters
    ----------
    directory : str
        Directory the files were read from.
    phantom : {"adult-male", "adult-female"}
        Reference phantom.
    targets : tuple of str
        The 43 target regions, in file order (``torgans_2016-08-12.NDX``).
    sources : tuple of str
        The 79 source regions, in file order (``sregions_2016-08-12.NDX``).
    target_masses_kg : numpy.ndarray, shape (43,)
        Target-region masses of this phantom, kg, blood included. 0 for a region the phantom
        does not have (ovaries and uterus in the male, testes and prostate in the female).
    source_masses_kg : numpy.ndarray, shape (79,)
        Source-region masses, kg (0 for surfaces, cavities, absent organs).
    other_tissue : tuple of str
        Source regions flagged ``ID = 1`` in ``sregions``: the parts of "Other tissue".
    saf : Mapping of str to SAFTable
        ``"photon"``, ``"electron"``, ``"alpha"``.
    sha256 : Mapping of str to str
        Checksum of every file read (all equal to :data:`SHA256`).
    """

    directory: str
    phantom: str
    targets: tuple[str, ...]
    sources: tuple[str, ...]
    target_masses_kg: np.ndarray
    source_masses_kg: np.ndarray
    other_tissue: tuple[str, ...]
    saf: Mapping[str, SAFTable]
    sha256: Mapping[str, str]

    def target_index(self, name: str) -> int:
        """Position of a target region in ``targets`` (exact name; errors suggest)."""
        return _index("target region", name, self.targets, f"ICRP 133 {self.phantom}")

    def source_index(self, name: str) -> int:
        """Position of a source region in ``sources`` (exact name; errors suggest)."""
        return _index("source region", name, self.sources, f"ICRP 133 {self.phantom}")


def _index(kind: str, name: str, names: tuple[str, ...], where: str) -> int:
    try:
        return names.index(name)
    except ValueError:
        pass
    err = UnknownNameError(kind, str(name), names, where)
    folded = [n for n in names if n.lower() == str(name).strip().lower()]
    close = difflib.get_close_matches(str(name).lower(), [n.lower() for n in names], n=3,
                                      cutoff=0.6)
    by_lower = {n.lower(): n for n in names}
    better = folded + [by_lower[c] for c in close] + list(err.suggestions)
    err.suggestions = tuple(dict.fromkeys(better))[:3]
    err.args = (str(err),)
    raise err


def _parse_ndx(directory: Path, raw_s: bytes, raw_t: bytes) -> tuple:
    """Source regions (names, male mass, male ID, female mass, female ID) and targets."""

    def body(raw: bytes, name: str, ncols: int) -> list[tuple[int, list[str]]]:
        lines = raw.decode("ascii").splitlines()
        for k, line in enumerate(lines):
            parts = line.split()
            if parts and parts[0].isdigit():
                count = int(parts[0])
                start = k + 2                      # the count line, then a rule
                break
        else:
            raise _format_error(directory, name, None, "no line with the number of regions")
        rows = []
        for k in range(start, start + count):
            if k >= len(lines):
                raise _format_error(directory, name, k + 1, "the file ends early")
            parts = lines[k].split()
            if len(parts) != ncols:
                raise _format_error(directory, name, k + 1,
                                    f"{len(parts)} fields instead of {ncols}")
            rows.append((k + 1, parts))
        return rows

    src = body(raw_s, _SOURCES_NDX, 5)
    tgt = body(raw_t, _TARGETS_NDX, 3)
    try:
        sources = tuple(p[0] for _, p in src)
        s_mass = {"adult-male": np.array([float(p[1]) for _, p in src]),
                  "adult-female": np.array([float(p[3]) for _, p in src])}
        s_id = {"adult-male": tuple(p[0] for _, p in src if p[2] == "1"),
                "adult-female": tuple(p[0] for _, p in src if p[4] == "1")}
        targets = tuple(p[0] for _, p in tgt)
        t_mass = {"adult-male": np.array([float(p[1]) for _, p in tgt]),
                  "adult-female": np.array([float(p[2]) for _, p in tgt])}
    except ValueError as exc:
        raise _format_error(directory, f"{_SOURCES_NDX} or {_TARGETS_NDX}", None,
                            f"a mass that is not a number ({exc})") from None
    for arr in (*s_mass.values(), *t_mass.values()):
        arr.setflags(write=False)
    return targets, sources, t_mass, s_mass, s_id


def _parse_saf(directory: Path, name: str, raw: bytes, radiation: str, phantom: str,
               targets: tuple[str, ...], sources: tuple[str, ...]) -> SAFTable:
    lines = raw.decode("ascii").splitlines()
    if len(lines) < 5:
        raise _format_error(directory, name, None, "fewer than 5 header lines")
    head = lines[3].split()
    try:
        n_t, n_s = int(head[0]), int(head[1])
    except (ValueError, IndexError):
        raise _format_error(directory, name, 4, "no target and source counts") from None
    grid = []
    for tok in head[2:]:
        try:
            grid.append(float(tok))
        except ValueError:
            break
    energies = np.array(grid)
    if (n_t, n_s) != (len(targets), len(sources)):
        raise _format_error(directory, name, 4, f"{n_t} targets x {n_s} sources, but the "
                            f"index files list {len(targets)} x {len(sources)}")
    if energies.size < 2 or energies[0] != 0.0 or np.any(np.diff(energies) <= 0):
        raise _format_error(directory, name, 4, "an energy grid that does not start at 0 "
                            "and increase")
    n_rows = n_t * n_s
    body = lines[5:5 + n_rows]
    if len(body) != n_rows:
        raise _format_error(directory, name, None, f"{len(body)} records instead of {n_rows}")
    for r, line in enumerate(body):                 # record r: target r % n_t, source r // n_t
        tgt, arrow, src = line[:10].strip(), line[10:12], line[12:22].strip()
        if arrow != "<-" or tgt != targets[r % n_t] or src != sources[r // n_t]:
            raise _format_error(directory, name, 6 + r, f"record {line[:22]!r} where "
                                f"{targets[r % n_t]}<-{sources[r // n_t]} was expected")
    tokens = " ".join(line[22:] for line in body).split()
    width = energies.size + 2
    if len(tokens) != n_rows * width:
        raise _format_error(directory, name, None, f"{len(tokens)} numbers in the records "
                            f"instead of {n_rows} x {width}")
    try:
        table = np.array(tokens, dtype=float).reshape(n_rows, width)
    except ValueError as exc:
        raise _format_error(directory, name, None, f"a value that is not a number ({exc})") \
            from None
    saf = table[:, :-2]
    if not np.all(np.isfinite(saf)) or np.any(saf < 0):
        raise _format_error(directory, name, None, "negative or non-finite SAF values")
    values = np.ascontiguousarray(saf.reshape(n_s, n_t, -1).transpose(1, 0, 2))
    ecut = np.ascontiguousarray(table[:, -2].reshape(n_s, n_t).T)
    icut = np.ascontiguousarray(table[:, -1].astype(int).reshape(n_s, n_t).T)
    for arr in (energies, values, ecut, icut):
        arr.setflags(write=False)
    return SAFTable(radiation, phantom, energies, values, ecut, icut, name)


def _files_for(phantom: str) -> tuple[str, ...]:
    return (_SOURCES_NDX, _TARGETS_NDX, *(_saf_file(phantom, r) for r in SAF_RADIATIONS))


@functools.lru_cache(maxsize=8)
def _load(directory: str, phantom: str, signature: tuple) -> ICRP133Data:
    path = Path(directory)
    names = _files_for(phantom)
    raw = _read_checked(path, names)
    targets, sources, t_mass, s_mass, s_id = _parse_ndx(path, raw[_SOURCES_NDX],
                                                        raw[_TARGETS_NDX])
    saf = {r: _parse_saf(path, _saf_file(phantom, r), raw[_saf_file(phantom, r)], r, phantom,
                         targets, sources)
           for r in SAF_RADIATIONS}
    return ICRP133Data(directory, phantom, targets, sources, t_mass[phantom], s_mass[phantom],
                       s_id[phantom], MappingProxyType(saf),
                       MappingProxyType({n: SHA256[n] for n in names}))


def load_icrp133(phantom: str = "adult-male",
                 saf_dir: str | os.PathLike[str] | None = None) -> ICRP133Data:
    """Read, check and parse the ICRP 133 files of one phantom (cached).

    Parameters
    ----------
    phantom : str, default "adult-male"
        ``"adult-male"``/``"am"`` or ``"adult-female"``/``"af"``.
    saf_dir : path, optional
        Directory of the ICRP 133 files. Default: ``$PKDOSE_ICRP133_DIR``.

    Returns
    -------
    ICRP133Data
        The same object for the same directory and phantom while the files are unchanged.

    Raises
    ------
    ICRP133DataError
        No directory; a file missing, or whose sha256 is not the published one (all such
        files are listed); a file not in the documented layout.
    UnknownNameError
        Unknown phantom.

    Notes
    -----
    Five files are read for one phantom: the two index files and the photon, electron and
    alpha SAF files (about 3 MB). Reading, hashing and parsing take some 50 ms.
    """
    canon = canonical_phantom(phantom)
    directory = resolve_saf_dir(saf_dir)
    return _load(str(directory), canon, _file_signature(directory, _files_for(canon)))

