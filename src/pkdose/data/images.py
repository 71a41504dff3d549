"""Quantitative SPECT/PET volumes + organ label masks -> the trial measurements table (DESIGN.md §5).

:func:`read_images` reads one calibrated volume and one label mask per acquisition and returns one
row per (acquisition, region) in the measurements schema of :mod:`pkdose.data.trial`
(``patient, cycle, time [h], region, activity [MBq]``) plus the region's volume [mL] and mass [kg]
from the mask and a report of negative voxels. :func:`write_measurements` writes the table as the
``measurements.csv`` that :func:`~pkdose.data.read_trial` reads; :func:`write_region_volumes` writes
the volumes and masses to a separate CSV (they are not part of the measurements schema).

What is supported
-----------------
Images
    * NIfTI-1/2 (``.nii``, ``.nii.gz``), read with nibabel: a 3-D volume (or 4-D with one frame);
      voxel size and position from the affine (sform, else qform, as nibabel chooses). NIfTI has no
      activity unit, so ``units`` must be given.
    * A DICOM series folder (PET ``PT`` or SPECT ``NM``), read with pydicom: one single-frame file
      per slice, every file of the folder belonging to one series. Slices are sorted by
      ImagePositionPatient along the slice normal; the spacing must be uniform (no gaps, no
      duplicates, no gantry tilt). Each slice's RescaleSlope/RescaleIntercept is applied. The unit
      comes from the Units tag (0054,1001): ``BQML`` -> Bq/mL, ``CNTS`` -> counts, ``CPS`` -> cps;
      any other value (e.g. ``GML`` = SUV) is refused. Values decay-corrected to the administration
      (DecayCorrection ``ADMIN``) are refused: a measurement is the activity at the acquisition.
    * Refused, with a message: multi-frame DICOM (enhanced PET, NM multi-frame), compressed pixel
      data that pydicom cannot decode, anything else.
Masks
    A NIfTI label map (integer values; 0 is background by default) on the image grid: same shape
    and the same voxel positions within ``grid_tolerance_mm``. Nothing is resampled. DICOM SEG and
    RTSTRUCT masks are refused: convert them to a NIfTI label map on the image grid first.
Calibration (``units``)
    * an activity concentration (``"Bq/mL"``, ``"kBq/mL"``, ``"MBq/L"``, ...): quantitative SPECT,
      PET; ``A = sum(c_i) * V_voxel``;
    * ``"counts"`` (total counts per voxel): needs ``calibration_cps_per_MBq`` and ``duration_s``;
      ``A = sum(N_i) / (duration * calibration)``;
    * ``"cps"`` (count rate per voxel): needs ``calibration_cps_per_MBq``;
      ``A = sum(R_i) / calibration``.

Nothing is clipped or dropped. Negative voxel values (reconstruction noise in quantitative SPECT,
PET with randoms/scatter subtraction) are kept in the sum, because the sum of the unbiased voxel
estimates is the unbiased estimate of the region's activity; clipping them at zero would bias every
low-activity region upwards. Their count and their summed activity are reported per region
(``negative_voxels``, ``negative_activity [MBq]``). Non-finite voxels inside a mapped region are an
error.

Privacy: only the pseudonymous ``patient`` id of the acquisition table reaches the returned table
and what is written. No DICOM attribute other than geometry, pixel data, rescale, Units,
DecayCorrection, Modality and series UID is read, and none of them is copied into the table or into
error messages (files are named by their path, which the user chose).

Time: each acquisition gives ``time_h`` (after that cycle's administration) or ``acquired`` (the
acquisition start as a date-time) together with a manifest whose administration has a ``start``.
The activity is the one at the acquisition start (what a PET series with DecayCorrection ``START``
reports); nothing is decay-corrected here.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError, Violation
from ..units import to_internal

__all__ = ["Acquisition", "read_images", "write_measurements", "write_region_volumes",
           "SOFT_TISSUE_DENSITY_G_PER_ML", "MEASUREMENT_COLUMNS", "IMAGE_COLUMNS"]

#: Density of soft tissue [g/mL]: "Tissue, Soft (ICRU-44)", ICRU Report 44 (1989), as tabulated in
#: Hubbell & Seltzer, NIST Standard Reference Database 126, Table 2 (rho = 1.06 g/cm^3).
SOFT_TISSUE_DENSITY_G_PER_ML = 1.06
#: Columns of the measurements schema that :func:`write_measurements` writes (``read_trial`` reads them).
MEASUREMENT_COLUMNS = ("patient", "cycle", "time [h]", "region", "activity [MBq]")
#: Further columns of :func:`read_images`'s table (not part of the measurements schema).
IMAGE_COLUMNS = ("volume [mL]", "mass [kg]", "voxels", "negative_voxels", "negative_activity [MBq]",
                 "acquisition")
_VOLUME_COLUMNS = ("patient", "cycle", "time [h]", "region", "volume [mL]", "mass [kg]", "voxels")
_NIFTI_SUFFIXES = (".nii", ".nii.gz")
_COUNT_UNITS = ("counts", "cps")
#: DICOM Units (0054,1001) values this reader understands -> our unit names.
_DICOM_UNITS = {"BQML": "Bq/mL", "CNTS": "counts", "CPS": "cps"}


@dataclass(frozen=True)
class Acquisition:
    """One imaging time point: a calibrated volume and its label mask.

    Attributes
    ----------
    patient : str
        The trial's pseudonymous patient id (never taken from DICOM).
    cycle : int
        Therapy cycle (>= 1).
    image : str or os.PathLike
        A NIfTI file (``.nii``/``.nii.gz``) or a DICOM series folder.
    mask : str or os.PathLike
        A NIfTI label map on the same grid as ``image``.
    time_h : float, optional
        Time of the acquisition start after the cycle's administration [h]. Give this or ``acquired``.
    acquired : datetime or str, optional
        Acquisition start as a date-time (ISO 8601 text or :class:`datetime.datetime`); needs the
        ``manifest`` of :func:`read_images` with this administration's ``start``.
    units : str, optional
        Voxel unit: an activity concentration (``"Bq/mL"``, ``"kBq/mL"``...), ``"counts"`` (total
        counts per voxel) or ``"cps"`` (counts per second per voxel). Required for NIfTI; for DICOM
        it defaults to the Units tag and, when given, must agree with it.
    calibration_cps_per_MBq : float, optional
        System sensitivity [cps/MBq], for ``counts`` and ``cps`` only.
    duration_s : float, optional
        Acquisition duration [s] (total over all projections or beds), for ``counts`` only.
    """

    patient: str
    cycle: int
    image: str | os.PathLike[str]
    mask: str | os.PathLike[str]
    time_h: float | None = None
    acquired: datetime | str | None = None
    units: str | None = None
    calibration_cps_per_MBq: float | None = None
    duration_s: float | None = None


@dataclass
class _Volume:
    data: np.ndarray          # float64, voxel values in the file's unit (after rescale)
    affine: np.ndarray        # 4x4, voxel index -> RAS+ mm (NIfTI convention)
    units: str | None         # unit declared by the file (DICOM Units tag), None for NIfTI


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"pkdose.data.read_images needs {module!r} (pip install nibabel pydicom)") from exc


def _is_nifti(path: Path) -> bool:
    return path.name.lower().endswith(_NIFTI_SUFFIXES)


def _read_nifti(path: Path, what: str, v: list[Violation]) -> _Volume | None:
    nib = _require("nibabel")
    f = str(path)
    try:
        img = nib.load(f)
    except FileNotFoundError:
        v.append(Violation(f, None, what, f"an existing NIfTI {what} file", "no such file"))
        return None
    except Exception as exc:  # nibabel's ImageFileError and header errors
        v.append(Violation(f, None, what, f"a readable NIfTI {what}", f"{type(exc).__name__}: {exc}"))
        return None
    shape = tuple(int(n) for n in img.shape)
    if len(shape) == 4 and shape[3] == 1:
        shape = shape[:3]
    if len(shape) != 3:
        v.append(Violation(f, None, f"{what} shape", "a 3-D volume (or 4-D with one frame)", shape))
        return None
    affine = np.asarray(img.affine, dtype=float)
    if not (np.all(np.isfinite(affine)) and abs(np.linalg.det(affine[:3, :3])) > 0):
        v.append(Violation(f, None, f"{what} affine", "a finite, invertible voxel-to-world affine", affine.tolist()))
        return None
    data = np.asarray(img.dataobj, dtype=np.float64).reshape(shape)   # applies scl_slope/scl_inter
    return _Volume(data, affine, None)


def _read_dicom_series(folder: Path, v: list[Violation], tol_mm: float) -> _Volume | None:
    pydicom = _require("pydicom")
    from pydicom.errors import InvalidDicomError

    f = str(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        v.append(Violation(f, None, "image", "a DICOM series folder with one file per slice", "an empty folder"))
        return None
    n0 = len(v)
    slices = []
    for p in files:
        try:
            ds = pydicom.dcmread(p)
        except InvalidDicomError:
            v.append(Violation(str(p), None, "file", "a DICOM file of the series (no other files in the folder)",
                               "not a DICOM file"))
            continue
        except Exception as exc:
            v.append(Violation(str(p), None, "file", "a readable DICOM file", f"{type(exc).__name__}: {exc}"))
            continue
        missing = [t for t in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "Rows", "Columns",
                               "SeriesInstanceUID") if t not in ds]
        if missing:
            v.append(Violation(str(p), None, "/".join(missing), "the geometry tags of a reconstructed slice", "missing"))
            continue
        if int(ds.get("NumberOfFrames", 1) or 1) > 1:
            v.append(Violation(str(p), None, "NumberOfFrames", "single-frame slices (multi-frame DICOM is not "
                               "supported: convert the series to NIfTI, e.g. with dcm2niix)", int(ds.NumberOfFrames)))
            continue
        modality = str(ds.get("Modality", ""))
        if modality not in ("PT", "NM"):
            v.append(Violation(str(p), None, "Modality", "'PT' or 'NM' (a PET or SPECT volume)", modality))
            continue
        slices.append((p, ds))
    if len(v) > n0 or not slices:
        return None

    def same(tag: str, get: Any) -> Any:
        values = {repr(get(ds)) for _, ds in slices}
        if len(values) > 1:
            v.append(Violation(f, None, tag, "the same value in every slice of the series", sorted(values)))
        return get(slices[0][1])

    same("SeriesInstanceUID", lambda ds: str(ds.SeriesInstanceUID))
    rows = same("Rows", lambda ds: int(ds.Rows))
    cols = same("Columns", lambda ds: int(ds.Columns))
    iop = np.array(same("ImageOrientationPatient",
                        lambda ds: tuple(round(float(x), 6) for x in ds.ImageOrientationPatient)), dtype=float)
    spacing = np.array(same("PixelSpacing", lambda ds: tuple(round(float(x), 6) for x in ds.PixelSpacing)),
                       dtype=float)
    units = same("Units", lambda ds: str(ds.get("Units", "")) or None)
    decay = same("DecayCorrection", lambda ds: str(ds.get("DecayCorrection", "")) or None)
    if len(v) > n0:
        return None
    if len(slices) < 2:
        v.append(Violation(f, None, "slices", "at least 2 slices (the slice spacing comes from their positions)",
                           len(slices)))
        return None
    if decay == "ADMIN":
        v.append(Violation(f, None, "DecayCorrection", "'NONE' or 'START' (activity at the acquisition); values "
                           "decay-corrected to the administration are not measurements of the activity then", decay))
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    ipp = np.array([[float(x) for x in ds.ImagePositionPatient] for _, ds in slices])
    order = np.argsort(ipp @ normal, kind="stable")
    ipp = ipp[order]
    slices = [slices[i] for i in order]
    pos = ipp @ normal
    steps = np.diff(pos)
    step = (pos[-1] - pos[0]) / (len(pos) - 1)
    if np.any(steps <= tol_mm):
        dup = [str(slices[i + 1][0]) for i in np.flatnonzero(steps <= tol_mm)]
        v.append(Violation(f, None, "ImagePositionPatient", "one slice per position", f"duplicate positions: {dup}"))
    elif np.max(np.abs(steps - step)) > tol_mm:
        v.append(Violation(f, None, "ImagePositionPatient", f"uniform slice spacing within {tol_mm} mm (no gaps; "
                           "nothing is resampled)", f"spacings {sorted(set(np.round(steps, 4).tolist()))} mm"))
    off = ipp - ipp[0] - np.outer(pos - pos[0], normal)
    if np.max(np.abs(off)) > tol_mm:
        v.append(Violation(f, None, "ImagePositionPatient", "slices stacked along the slice normal (no gantry tilt)",
                           f"in-plane offsets up to {np.max(np.abs(off)):.3g} mm"))
    if units is not None and units not in _DICOM_UNITS:
        v.append(Violation(f, None, "Units", f"one of {sorted(_DICOM_UNITS)} (convert SUV or other derived "
                           "images back to activity concentration)", units))
    if len(v) > n0:
        return None
    data = np.empty((cols, rows, len(slices)), dtype=np.float64)
    for k, (p, ds) in enumerate(slices):
        try:
            px = np.asarray(ds.pixel_array, dtype=np.float64)
        except Exception as exc:
            v.append(Violation(str(p), None, "PixelData", "pixel data pydicom can decode", f"{type(exc).__name__}: {exc}"))
            return None
        slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
        intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
        data[:, :, k] = (px * slope + intercept).T     # DICOM pixel (row r, column c) -> voxel (i=c, j=r)
    lps = np.eye(4)
    lps[:3, 0] = row_dir * spacing[1]                  # column index i advances along the row direction
    lps[:3, 1] = col_dir * spacing[0]
    lps[:3, 2] = normal * step
    lps[:3, 3] = ipp[0]
    affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps     # DICOM LPS -> NIfTI RAS
    return _Volume(data, affine, _DICOM_UNITS.get(units) if units else None)


def _grid_distance_mm(a: np.ndarray, b: np.ndarray, shape: tuple[int, ...]) -> float:
    """Largest distance [mm] between the voxel centres the two affines give (maximal at a corner)."""
    corners = np.array([[i, j, k, 1.0] for i in (0, shape[0] - 1) for j in (0, shape[1] - 1)
                        for k in (0, shape[2] - 1)])
    return float(np.max(np.linalg.norm((corners @ (a - b).T)[:, :3], axis=1)))


def _administration_starts(manifest: str | os.PathLike[str] | None, v: list[Violation]
                           ) -> tuple[dict[tuple[str, int], Any], set[str] | None, set[str] | None, str]:
    """(patient, cycle) -> start, the trial's patients and regions (None: no manifest)."""
    if manifest is None:
        return {}, None, None, ""
    from .trial import MANIFEST, _administrations, _manifest, _patients

    path = Path(manifest)
    path = path / MANIFEST if path.is_dir() else path
    n0 = len(v)
    doc = _manifest(path, v)
    if not doc:
        return {}, set(), set(), str(path)
    pids = {p.id for p in _patients(doc, str(path), v)}
    admins = _administrations(doc, str(path), pids, v)
    regions = set(doc.get("trial", {}).get("regions") or [])
    if len(v) > n0:
        return {}, pids, regions, str(path)
    return {(a.patient, a.cycle): a.start for a in admins}, pids, regions, str(path)


def _as_datetime(x: Any) -> datetime | None:
    if isinstance(x, datetime):
        return x
    if isinstance(x, str):
        try:
            return datetime.fromisoformat(x)
        except ValueError:
            return None
    return None


def _as_acquisitions(table: Sequence[Acquisition] | pd.DataFrame, v: list[Violation]) -> list[Acquisition]:
    if isinstance(table, pd.DataFrame):
        names = [fl.name for fl in fields(Acquisition)]
        bad = [c for c in table.columns if c not in names]
        for c in bad:
            v.append(Violation("acquisitions", None, f"column {c!r}", f"one of {names}", c))
        missing = [n for n in ("patient", "cycle", "image", "mask") if n not in table.columns]
        for c in missing:
            v.append(Violation("acquisitions", None, c, f"a column {c!r}", "missing"))
        if bad or missing:
            return []
        out = []
        for rec in table.to_dict("records"):
            kw: dict[str, Any] = {str(k): (None if not isinstance(x, str) and pd.isna(x) else x)
                                  for k, x in rec.items()}
            out.append(Acquisition(**kw))
        return out
    out = list(table)
    for i, a in enumerate(out):
        if not isinstance(a, Acquisition):
            v.append(Violation("acquisitions", i + 1, "acquisition", "an Acquisition", type(a).__name__))
    return out


def _positive(x: Any) -> float | None:
    """*x* as a finite float > 0, or None."""
    try:
        y = float(x)
    except (TypeError, ValueError):
        return None
    return y if math.isfinite(y) and y > 0 else None


def _unit_factor(units: str) -> float | None:
    """Bq/mL per voxel unit of a concentration, or None if *units* is not a concentration."""
    try:
        return float(to_internal(f"1 {units}", "concentration", "units")) * 1000.0   # MBq/L -> Bq/mL
    except Exception:
        return None


def read_images(acquisitions: Sequence[Acquisition] | pd.DataFrame, labels: Mapping[int, str], *,
                manifest: str | os.PathLike[str] | None = None,
                density_g_per_mL: float | Mapping[str, float] = SOFT_TISSUE_DENSITY_G_PER_ML,
                background: int | None = 0, grid_tolerance_mm: float = 0.1) -> pd.DataFrame:
    """Activity, volume and mass per region from calibrated SPECT/PET volumes and label masks.

    Parameters
    ----------
    acquisitions : sequence of Acquisition, or DataFrame
        One entry per imaging time point (a DataFrame has the :class:`Acquisition` field names as
        columns; relative paths are relative to the working directory).
    labels : mapping of int to str
        Mask label -> region name. Several labels may map to one region (e.g. left and right kidney
        -> ``"kidneys"``); the region is then their union. Every label present in a mask (other than
        ``background``) must be mapped, and every mapped label must be present in every mask.
    manifest : path, optional
        The trial folder or its ``trial.toml``. When given, patients, cycles (an administration
        must exist) and region names are checked against it, and ``acquired`` date-times are turned
        into hours after the administration's ``start``.
    density_g_per_mL : float or mapping of str to float, default 1.06
        Tissue density [g/mL] for the masses, one value or one per region (every region then).
        Default: soft tissue of ICRU Report 44, :data:`SOFT_TISSUE_DENSITY_G_PER_ML`.
    background : int or None, default 0
        The label of voxels outside every region (None: every label must be mapped).
    grid_tolerance_mm : float, default 0.1
        Largest distance [mm] allowed between a voxel centre of the image and of the mask, and the
        tolerance on DICOM slice spacing.

    Returns
    -------
    DataFrame
        One row per acquisition and region, in acquisition order then label order: ``patient``,
        ``cycle``, ``time [h]``, ``region``, ``activity [MBq]`` (at the acquisition start, not
        decay-corrected), ``volume [mL]`` (voxels x voxel volume), ``mass [kg]`` (volume x
        density), ``voxels``, ``negative_voxels`` and ``negative_activity [MBq]`` (the voxels below
        zero, kept in the activity), ``acquisition`` (1-based position in ``acquisitions``).

    Raises
    ------
    InputDataError
        Listing every problem of every acquisition at once (missing or unreadable files, a mask not
        on the image grid, unmapped or absent labels, missing or conflicting calibration, unknown
        patients, cycles or regions, non-finite voxels in a region...).

    Notes
    -----
    With voxel values :math:`c_i` [Bq/mL] and voxel volume :math:`V` [mL] (``|det|`` of the
    affine's 3x3 part / 1000), the activity of region :math:`R` is
    :math:`A_R = 10^{-6} V \\sum_{i\\in R} c_i` [MBq]; for counts :math:`N_i` acquired over
    :math:`T` [s] with sensitivity :math:`S` [cps/MBq], :math:`A_R = \\sum_{i\\in R} N_i / (T S)`.
    The mass is :math:`m_R = \\rho\\, V\\, n_R / 1000` [kg]. A mask enlarged by a margin captures
    the activity blurred out of the organ (and includes the background of the margin).

    References
    ----------
    .. [1] ICRU Report 44, Tissue Substitutes in Radiation Dosimetry and Measurement (1989);
       soft tissue 1.06 g/cm^3 as tabulated in J. H. Hubbell and S. M. Seltzer, NIST Standard
       Reference Database 126, Table 2.
    .. [2] DICOM PS3.3 C.8.9.1 (PET Series: Units, Decay Correction), C.7.6.2 (Image Plane).

    Examples
    --------
    >>> import tempfile, numpy as np, nibabel as nib
    >>> tmp = tempfile.TemporaryDirectory(); d = tmp.name
    >>> img = np.zeros((4, 4, 4), np.float32); img[1:3, 1:3, 1:3] = 1e6       # 1 MBq/mL
    >>> mask = np.zeros((4, 4, 4), np.int16); mask[1:3, 1:3, 1:3] = 1
    >>> aff = np.diag([-2.0, -2.0, 2.0, 1.0])                                 # 2 mm voxels
    >>> nib.save(nib.Nifti1Image(img, aff), f"{d}/spect.nii.gz")
    >>> nib.save(nib.Nifti1Image(mask, aff), f"{d}/mask.nii.gz")
    >>> df = read_images([Acquisition("P01", 1, f"{d}/spect.nii.gz", f"{d}/mask.nii.gz",
    ...                               time_h=24.0, units="Bq/mL")], {1: "kidneys"})
    >>> row = df.iloc[0]         # 8 voxels of 0.008 mL at 1 MBq/mL; mass at 1.06 g/mL
    >>> str(row["region"]), [round(float(row[c]), 12) for c in ("activity [MBq]", "volume [mL]", "mass [kg]")]
    ('kidneys', [0.064, 0.064, 6.784e-05])
    >>> tmp.cleanup()
    """
    v: list[Violation] = []
    acqs = _as_acquisitions(acquisitions, v)
    # ---- the label table
    lab: dict[int, str] = {}
    for key, name in dict(labels).items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            v.append(Violation("labels", None, f"label {key!r}", "an integer label", type(key).__name__))
        elif background is not None and int(key) == background:
            v.append(Violation("labels", None, f"label {key}", f"not the background label {background}", name))
        elif not isinstance(name, str) or not name:
            v.append(Violation("labels", None, f"label {key}", "a region name", name))
        else:
            lab[int(key)] = name
    if not labels:
        v.append(Violation("labels", None, "labels", "at least one label -> region", "none"))
    regions = list(dict.fromkeys(lab[k] for k in sorted(lab)))
    density: dict[str, float] = {}
    if isinstance(density_g_per_mL, Mapping):
        for r in regions:
            if r not in density_g_per_mL:
                v.append(Violation("density_g_per_mL", None, r, "a density for every region", "missing"))
        for r, rho in density_g_per_mL.items():
            if r not in regions:
                v.append(Violation("density_g_per_mL", None, r, f"one of the regions {regions}", r))
            else:
                density[r] = float(rho)
    else:
        density = {r: float(density_g_per_mL) for r in regions}
    for r, rho in density.items():
        if not (math.isfinite(rho) and rho > 0):
            v.append(Violation("density_g_per_mL", None, r, "a density in g/mL > 0", rho))
    starts, pids, trial_regions, mf = _administration_starts(manifest, v)
    if trial_regions:
        for r in regions:
            if r not in trial_regions:
                v.append(Violation(mf, None, "trial.regions", f"the region {r!r} of the labels", sorted(trial_regions)))

    records: list[tuple[Any, ...]] = []
    for n, a in enumerate(acqs, start=1):
        if not isinstance(a, Acquisition):
            continue
        where = f"acquisitions[{n}]"
        ok = True
        if not isinstance(a.patient, str) or not a.patient:
            v.append(Violation(where, None, "patient", "a pseudonymous patient id", a.patient))
            ok = False
        elif pids is not None and a.patient not in pids:
            v.append(Violation(where, None, "patient", f"one of the trial's patients {sorted(pids)}", a.patient))
        try:
            cycle = int(a.cycle)
            if cycle != a.cycle or cycle < 1:
                raise ValueError
        except (TypeError, ValueError):
            v.append(Violation(where, None, "cycle", "a whole number >= 1", a.cycle))
            cycle, ok = 0, False
        if ok and pids is not None and a.patient in pids and (a.patient, cycle) not in starts:
            v.append(Violation(where, None, "cycle", f"a cycle with an administration for {a.patient} in {mf}", cycle))
        # ---- time after administration
        t_h: float | None = None
        if (a.time_h is None) == (a.acquired is None):
            v.append(Violation(where, None, "time_h/acquired", "exactly one of time_h [h] and acquired (date-time)",
                               "both" if a.time_h is not None else "neither"))
        elif a.time_h is not None:
            try:
                t_h = float(a.time_h)
            except (TypeError, ValueError):
                t_h = None
            if t_h is None or not (math.isfinite(t_h) and t_h >= 0):
                v.append(Violation(where, None, "time_h", "a time >= 0 h after the administration", a.time_h))
                t_h = None
        else:
            acq = _as_datetime(a.acquired)
            if acq is None:
                v.append(Violation(where, None, "acquired", "an ISO 8601 date-time", a.acquired))
            elif manifest is None:
                v.append(Violation(where, None, "acquired", "a manifest (read_images(..., manifest=...)) with the "
                                   "administration's start, or time_h", "no manifest"))
            elif (a.patient, cycle) in starts:
                st = _as_datetime(starts[(a.patient, cycle)])
                if st is None:
                    v.append(Violation(mf, None, f"administration {a.patient} cycle {cycle}: start",
                                       "a date-time (needed by acquisitions given by date-time)",
                                       starts[(a.patient, cycle)]))
                elif (st.tzinfo is None) != (acq.tzinfo is None):
                    v.append(Violation(where, None, "acquired", "a time zone on both or neither of the acquisition "
                                       "and the administration start", f"{acq.isoformat()} vs {st.isoformat()}"))
                else:
                    t_h = (acq - st).total_seconds() / 3600.0
                    if t_h < 0:
                        v.append(Violation(where, None, "acquired", f"a date-time after the administration start "
                                           f"{st.isoformat()}", acq.isoformat()))
                        t_h = None
        # ---- the image
        paths_ok = True
        for name in ("image", "mask"):
            if not isinstance(getattr(a, name), (str, os.PathLike)) or not str(getattr(a, name)):
                v.append(Violation(where, None, name, "a file or folder path", getattr(a, name)))
                paths_ok = False
        if not paths_ok:
            continue
        img_path, mask_path = Path(a.image), Path(a.mask)
        vol: _Volume | None = None
        if img_path.is_dir():
            vol = _read_dicom_series(img_path, v, grid_tolerance_mm)
        elif _is_nifti(img_path):
            vol = _read_nifti(img_path, "image", v)
        elif not img_path.exists():
            v.append(Violation(str(img_path), None, "image", "a NIfTI file or a DICOM series folder", "no such file"))
        else:
            v.append(Violation(str(img_path), None, "image", "a NIfTI file (.nii, .nii.gz) or a DICOM series folder "
                               "(one file per slice)", img_path.name))
        # ---- the mask
        mvol: _Volume | None = None
        if _is_nifti(mask_path):
            mvol = _read_nifti(mask_path, "mask", v)
        elif mask_path.is_dir() or mask_path.suffix.lower() == ".dcm":
            v.append(Violation(str(mask_path), None, "mask", "a NIfTI label map on the image grid (DICOM SEG and "
                               "RTSTRUCT are not supported: convert them to a NIfTI label map first)", "DICOM"))
        elif not mask_path.exists():
            v.append(Violation(str(mask_path), None, "mask", "a NIfTI label map", "no such file"))
        else:
            v.append(Violation(str(mask_path), None, "mask", "a NIfTI label map (.nii, .nii.gz)", mask_path.name))
        # ---- the calibration
        units = a.units
        if vol is not None and vol.units is not None:
            if units is None:
                units = vol.units
            elif units != vol.units and not (_unit_factor(units) == 1.0 and vol.units == "Bq/mL"):
                v.append(Violation(str(img_path), None, "units", f"the series' Units tag ({vol.units})", units))
        factor: float | None = None          # MBq per (sum of voxel values x voxel volume in mL, or counts)
        if units is None:
            if vol is not None:
                v.append(Violation(where, None, "units", "the voxel unit (e.g. 'Bq/mL', 'counts' or 'cps'): the "
                                   "image does not declare one", "none"))
        elif units in _COUNT_UNITS:
            k, dur = _positive(a.calibration_cps_per_MBq), _positive(a.duration_s)
            if k is None:
                v.append(Violation(where, None, "calibration_cps_per_MBq", f"a sensitivity in cps/MBq > 0 for "
                                   f"units {units!r}", a.calibration_cps_per_MBq))
            if units == "counts" and dur is None:
                v.append(Violation(where, None, "duration_s", "the acquisition duration in s > 0 for total counts",
                                   a.duration_s))
            if units == "cps" and a.duration_s is not None:
                v.append(Violation(where, None, "duration_s", "no duration with a count rate (cps)", a.duration_s))
            if k is not None and (units == "cps" or dur is not None):
                factor = 1.0 / (k * (dur if units == "counts" and dur is not None else 1.0))
        else:
            bq_per_ml = _unit_factor(units)
            if bq_per_ml is None:
                v.append(Violation(where, None, "units", "an activity concentration (e.g. 'Bq/mL', 'kBq/mL'), "
                                   "'counts' or 'cps'", units))
            for name in ("calibration_cps_per_MBq", "duration_s"):
                if getattr(a, name) is not None:
                    v.append(Violation(where, None, name, f"empty for an image in {units} (already calibrated)",
                                       getattr(a, name)))
            if bq_per_ml is not None:
                factor = bq_per_ml * 1e-6          # x voxel volume [mL] below
        if vol is None or mvol is None:
            continue
        # ---- same grid, nothing resampled
        if vol.data.shape != mvol.data.shape:
            v.append(Violation(str(mask_path), None, "mask grid", f"the shape of the image {img_path} "
                               f"{vol.data.shape}", mvol.data.shape))
            continue
        dist = _grid_distance_mm(vol.affine, mvol.affine, vol.data.shape)
        if dist > grid_tolerance_mm:
            v.append(Violation(str(mask_path), None, "mask grid", f"the voxel positions of the image {img_path} "
                               f"within {grid_tolerance_mm} mm (no resampling is done)",
                               f"voxel centres up to {dist:.3g} mm apart"))
            continue
        m = mvol.data
        if not np.all(np.isfinite(m)) or np.any(m != np.round(m)):
            v.append(Violation(str(mask_path), None, "mask values", "whole-number labels (an interpolated mask is "
                               "not a label map)", f"{int(np.sum(~np.isfinite(m) | (m != np.round(m))))} "
                               "non-integer voxels"))
            continue
        m = m.astype(np.int64)
        present = {int(x) for x in np.unique(m)} - ({background} if background is not None else set())
        unmapped = sorted(present - set(lab))
        absent = sorted(set(lab) - present)
        if unmapped:
            v.append(Violation(str(mask_path), None, "labels", f"only mapped labels {sorted(lab)}"
                               + (f" and background {background}" if background is not None else ""),
                               f"unmapped labels {unmapped}"))
        if absent:
            v.append(Violation(str(mask_path), None, "labels", "every mapped label present",
                               f"absent labels {[f'{k} ({lab[k]})' for k in absent]}"))
        if unmapped or absent or factor is None or t_h is None or not ok:
            continue
        voxel_ml = abs(float(np.linalg.det(vol.affine[:3, :3]))) / 1000.0
        if units not in _COUNT_UNITS:
            factor *= voxel_ml
        for r in regions:
            sel = np.isin(m, [k for k in lab if lab[k] == r])
            vals = vol.data[sel]
            bad = ~np.isfinite(vals)
            if bad.any():
                v.append(Violation(str(img_path), None, f"voxels of {r}", "finite voxel values",
                                   f"{int(bad.sum())} non-finite"))
                continue
            neg = vals < 0
            count = int(sel.sum())
            vol_ml = count * voxel_ml
            records.append((a.patient, cycle, t_h, r, float(np.sum(vals)) * factor, vol_ml,
                            vol_ml * density.get(r, float("nan")) / 1000.0, count, int(neg.sum()),
                            float(np.sum(vals[neg])) * factor, n))
    df = pd.DataFrame(records, columns=[*MEASUREMENT_COLUMNS, *IMAGE_COLUMNS])
    seen: dict[tuple[Any, ...], int] = {}
    for p, c, t, r, i in zip(df["patient"], df["cycle"], df["time [h]"], df["region"], df["acquisition"]):
        if (p, c, t, r) in seen and seen[(p, c, t, r)] != i:
            v.append(Violation(f"acquisitions[{i}]", None, "time", f"one acquisition per patient, cycle and time "
                               f"(also acquisitions[{seen[(p, c, t, r)]}])", f"{p}, cycle {c}, {t} h"))
        seen.setdefault((p, c, t, r), i)
    if v:
        raise InputDataError(v)
    return df


def _refuse_overwrite(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")


def _check_table(df: pd.DataFrame, wanted: Sequence[str], where: str) -> list[Violation]:
    v = [Violation(where, None, c, f"a column {c!r}", "missing") for c in wanted if c not in df.columns]
    known = (*MEASUREMENT_COLUMNS, *IMAGE_COLUMNS)
    v += [Violation(where, None, str(c), f"one of {list(known)}", c) for c in df.columns if c not in known]
    return v


def write_measurements(df: pd.DataFrame, path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Write the measurements columns of *df* as a ``measurements.csv`` that ``read_trial`` reads.

    Parameters
    ----------
    df : DataFrame
        A table from :func:`read_images` (or one with the columns :data:`MEASUREMENT_COLUMNS`).
        Only ``patient, cycle, time [h], region, activity [MBq]`` are written: the other columns
        of :data:`IMAGE_COLUMNS` are not part of the measurements schema (``read_trial`` rejects
        unknown columns); write volumes and masses with :func:`write_region_volumes`. Any other
        column is an error rather than being dropped.
    path : path
        The CSV file, or a trial folder (then ``measurements.csv`` in it).
    overwrite : bool, default False
        Replace an existing file; otherwise refuse.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    FileExistsError
        The file exists and ``overwrite`` is False.
    InputDataError
        Missing or unknown columns, or values ``read_trial`` would reject (negative or non-finite
        activity, negative time, a cycle that is not a whole number >= 1), all listed.
    """
    p = Path(path)
    if p.is_dir():
        from .trial import MEASUREMENTS

        p = p / MEASUREMENTS
    v = _check_table(df, MEASUREMENT_COLUMNS, "measurements table")
    if not v:
        for i, row in enumerate(df[list(MEASUREMENT_COLUMNS)].itertuples(index=False), start=1):
            pid, cyc, t, region, act = row
            if not isinstance(pid, str) or not pid or not isinstance(region, str) or not region:
                v.append(Violation("measurements table", i, "patient/region", "non-empty text", (pid, region)))
            if _positive(t) is None and not (isinstance(t, (int, float, np.number)) and t == 0):
                v.append(Violation("measurements table", i, "time [h]", "a finite time >= 0", t))
            if _positive(act) is None and not (isinstance(act, (int, float, np.number)) and act == 0):
                v.append(Violation("measurements table", i, "activity [MBq]", "a finite activity >= 0 "
                                   "(read_trial rejects negative activities; if the region's sum is negative, "
                                   "check its mask and the background)", act))
            if not isinstance(cyc, (int, np.integer)) or isinstance(cyc, bool) or cyc < 1:
                v.append(Violation("measurements table", i, "cycle", "a whole number >= 1", cyc))
    if v:
        raise InputDataError(v)
    _refuse_overwrite(p, overwrite)
    _write_csv(p, df, MEASUREMENT_COLUMNS)
    return p


def write_region_volumes(df: pd.DataFrame, path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Write ``patient, cycle, time [h], region, volume [mL], mass [kg], voxels`` of *df* as a CSV.

    The mask volumes and masses are not part of ``measurements.csv``; this keeps them beside it
    (e.g. ``region_volumes.csv`` in the trial folder) for the organ masses of the manifest.
    Refuses to replace an existing file unless ``overwrite`` (``FileExistsError``).
    """
    p = Path(path)
    v = _check_table(df, _VOLUME_COLUMNS, "region volumes table")
    if v:
        raise InputDataError(v)
    _refuse_overwrite(p, overwrite)
    _write_csv(p, df, _VOLUME_COLUMNS)
    return p


def _write_csv(p: Path, df: pd.DataFrame, columns: Sequence[str]) -> None:
    def text(x: Any) -> str:
        if isinstance(x, (float, np.floating)):
            return repr(float(x))           # shortest text that reads back to the same float
        return str(int(x)) if isinstance(x, (int, np.integer)) else str(x)

    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for row in df[list(columns)].itertuples(index=False):
            w.writerow([text(x) for x in row])
