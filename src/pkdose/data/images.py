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
    * One multi-frame DICOM file (a path to it, or a folder holding only it):
      - NM Image (SOP class 1.2.840.10008.5.1.4.1.1.20) whose ImageType value 3 is ``RECON TOMO``:
        the frames are the slices, in SliceVector order; slice k lies at the ImagePositionPatient of
        the DetectorInformationSequence (else the top level) + k x SpacingBetweenSlices (else
        SliceThickness) along row x column direction of its ImageOrientationPatient; PixelSpacing
        and one RescaleSlope/RescaleIntercept. Refused, naming the tag: another ImageType (gated,
        projections, dynamic, static, whole body), an Energy Window, Detector, Phase, Rotation,
        R-R Interval, Time Slot, Angular View or Time Slice Vector with more than one value,
        NumberOfTimeSlots or NumberOfTimeSlices > 1, several detector geometries.
      - Enhanced PET Image (1.2.840.10008.5.1.4.1.1.130): each frame placed by its
        PlanePositionSequence, oriented by PlaneOrientationSequence, PixelMeasuresSequence spacing,
        rescaled by its PixelValueTransformationSequence (per frame, else shared); the unit from
        RealWorldValueMappingSequence/MeasurementUnitsCodeSequence (UCUM ``Bq/ml``, ``{counts}``,
        ``{counts}/s``; a mapping whose slope/intercept differ from the rescale is refused).
        Refused, naming the tag: NumberOfTemporalPositions > 1 or several TemporalPositionIndex
        values (dynamic, gated), frames of different orientation (not parallel) or pixel spacing,
        several frames at one position.
      Frames go through the same checks as single-frame slices (uniform spacing, no tilt).
    * Refused, with a message: compressed pixel data that pydicom cannot decode, anything else.
Masks (nothing is resampled: a mask must lie on the image grid or it is refused)
    * A NIfTI label map (integer values; 0 is background by default): same shape and the same voxel
      positions within ``grid_tolerance_mm``. ``labels`` maps its integer labels.
    * A DICOM SEG (a ``.dcm`` file, or a folder holding only it), ``BINARY``, or ``FRACTIONAL`` only
      when every value is 0 or MaximumFractionalValue (already thresholded; partial-volume fractions
      are refused, not thresholded here). Its FrameOfReferenceUID must be the image's (for a DICOM
      image); every frame's pixels must fall on the image's voxel centres within
      ``grid_tolerance_mm`` (orientation, spacing and position from its functional groups; flips
      and in-plane axis swaps are followed, frames out of the slice planes are refused). Frames
      absent from the SEG are empty. ``labels`` maps its SegmentLabel texts.
    * An RTSTRUCT (RT Structure Set): every ROI's ``CLOSED_PLANAR`` contours (ROIContourSequence /
      ContourSequence / ContourData, LPS mm) are rasterised on the image grid. Each contour must
      lie in the plane of an image slice: all its points within ``grid_tolerance_mm`` of one
      slice's centre plane (else refused, with the distance). Rule: a voxel of that slice belongs
      to the ROI when its centre is inside the polygon by the even-odd rule (a crossing count with
      half-open edges, so a centre exactly on an edge is decided consistently); several contours
      of one ROI on one slice combine by the same even-odd rule (a contour inside another is a
      hole). A contour stands for its slice's thickness; slices without a contour are empty.
      ``POINT``/``OPEN_PLANAR``/``OPEN_NONPLANAR`` contours and an ROI whose
      ReferencedFrameOfReferenceUID is not the image's are refused; so is a contour with any point
      outside the image, i.e. farther than ``grid_tolerance_mm`` beyond the outer edges of the
      voxels (voxel index below -0.5 or above n - 0.5 on an axis), naming the ROI, the contour
      number and how far outside it reaches [mm]: nothing is clipped to the image, and a contour
      wholly outside is refused the same way (never read as an absent or empty ROI).
      ``labels`` maps ROIName texts. For a convex outline of area A and perimeter P on pixels of
      side s the voxel count N obeys ``A - P s/sqrt(2) <= N s^2 <= A + P s/sqrt(2) + pi s^2/2``.
    A region is the union of the segments/ROIs mapped to it. Every segment/ROI must be mapped (map a
    name to ``None`` to leave it out explicitly): unmapped names are an error, never dropped silently.
Overlapping regions (SEG and RTSTRUCT; keyword ``overlaps``)
    Segments/ROIs of a SEG or RTSTRUCT may overlap (a liver ROI drawn around a lesion ROI). Each
    voxel's activity must count in one region only: the dosimetry counts a tumour apart from its
    host organ (``tumour_host``) and takes the remainder as whole body minus the sum of the
    regions. Voxels shared by two or more regions are therefore found, except for a region named
    ``whole_body`` or ``body`` (:data:`BODY_REGIONS`), which is meant to hold the others and is
    always kept whole. ``overlaps="refuse"`` (default) refuses the mask with one violation per
    overlapping pair (shared voxels and their volume [mL]); ``overlaps="smaller"`` gives each shared
    voxel to the smallest region claiming it (by voxel count before the overlap is removed; equal
    counts: the first region in label order), the usual "organ minus lesion": the lesion keeps its
    voxels, the organ loses them. The volume a region lost is the column ``overlap_removed [mL]``
    (its activity, volume and mass are those of the voxels it keeps); a region left with no voxel
    is refused. The activity of the union of the regions is conserved. A NIfTI label map holds one
    label per voxel, so its regions cannot overlap (``overlap_removed [mL]`` is 0).
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
and what is written. The DICOM attributes read are geometry, pixel data, rescale and real-world
value mapping, Units, decay correction, Modality, SOP class, image type and frame vectors, series
and frame-of-reference UIDs, segment labels and ROI names, and the dates and times below; none is
copied into the table, and error messages give differences of times (never a DICOM date) and name
files by the path the user chose.

Time (the ``time [h]`` column: when the voxel values refer to, after that cycle's administration)
    Precedence: the acquisition row's ``time_h``, else its ``acquired`` date-time (the acquisition
    start), else the DICOM tags. Nothing is decay-corrected here.

    From the tags, the time the values refer to is
      * PET (single-frame or multi-frame PT) with DecayCorrection ``START``: the series reference
        time SeriesDate/SeriesTime (the time the values are decay-corrected to, PS3.3 C.8.9.1),
        else the earliest AcquisitionDate/AcquisitionTime (or AcquisitionDateTime);
      * PET with DecayCorrection ``NONE``: the acquisition start (one for every slice, else
        refused: multi-bed slices would refer to different times) **plus half of
        ActualFrameDuration** (the counts are the mean over the frame; to first order the activity
        at mid-frame: the mean of ``A e^{-lambda t}`` over a frame of length D is the activity at
        mid-frame times ``sinh(x)/x``, ``x = lambda D/2``, e.g. 1.0000 for Lu-177 and D = 15 min);
      * Enhanced PET with DecayCorrected (0018,9758) ``YES``: DecayCorrectionDateTime (0018,9701)
        (refused when it is the administration); ``NO``: FrameAcquisitionDateTime plus half of
        FrameAcquisitionDuration;
      * SPECT (NM): the earliest AcquisitionDate/AcquisitionTime, else SeriesDate/SeriesTime, with
        no half-duration added (a reconstructed SPECT's frame duration is per projection). Give
        ``time_h`` for another convention.
    PET with any other DecayCorrection (missing) is refused when its time is taken from the tags;
    ``ADMIN`` is always refused. ``acquired`` is compared with the tags' acquisition start and
    refused beyond ``time_tolerance_s``; for PET not decay-corrected half the frame duration is
    added to it as well.

    The administration start: the manifest's ``start`` of (patient, cycle) when a manifest is
    given, else RadiopharmaceuticalStartDateTime (0018,1078) of the RadiopharmaceuticalInformation
    Sequence (one value over its items and files, else refused). When both exist they must agree
    within ``time_tolerance_s`` (default 120 s), else the acquisition is refused naming the tag
    (a mix-up of patients or cycles, or a wrong clock). RadiopharmaceuticalStartTime (0018,1072)
    alone (a time without a date) is not used. Time zones come from a DT value's offset or
    TimezoneOffsetFromUTC (0008,0201); a zone on one side of a difference only is refused.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputDataError, Violation
from ..units import to_internal

__all__ = ["Acquisition", "read_images", "write_measurements", "write_region_volumes",
           "SOFT_TISSUE_DENSITY_G_PER_ML", "MEASUREMENT_COLUMNS", "IMAGE_COLUMNS", "BODY_REGIONS"]

#: Density of soft tissue [g/mL]: "Tissue, Soft (ICRU-44)", ICRU Report 44 (1989), as tabulated in
#: Hubbell & Seltzer, NIST Standard Reference Database 126, Table 2 (rho = 1.06 g/cm^3).
SOFT_TISSUE_DENSITY_G_PER_ML = 1.06
#: Columns of the measurements schema that :func:`write_measurements` writes (``read_trial`` reads them).
MEASUREMENT_COLUMNS = ("patient", "cycle", "time [h]", "region", "activity [MBq]")
#: Further columns of :func:`read_images`'s table (not part of the measurements schema).
IMAGE_COLUMNS = ("volume [mL]", "mass [kg]", "voxels", "negative_voxels", "negative_activity [MBq]",
                 "overlap_removed [mL]", "acquisition")
_VOLUME_COLUMNS = ("patient", "cycle", "time [h]", "region", "volume [mL]", "mass [kg]", "voxels")
_NIFTI_SUFFIXES = (".nii", ".nii.gz")
_COUNT_UNITS = ("counts", "cps")
#: DICOM Units (0054,1001) values this reader understands -> our unit names.
_DICOM_UNITS = {"BQML": "Bq/mL", "CNTS": "counts", "CPS": "cps"}
#: Region names that may contain the other regions (SEG/RTSTRUCT overlaps are not refused or removed for them).
BODY_REGIONS = ("whole_body", "body")
_OVERLAP_MODES = ("refuse", "smaller")


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
        A NIfTI label map, a DICOM SEG or an RTSTRUCT on the grid of ``image``.
    time_h : float, optional
        Time the activity refers to, after the cycle's administration [h]. Give at most one of
        this and ``acquired``; with neither, a DICOM image's tags give it (module docstring, Time).
    acquired : datetime or str, optional
        Acquisition start as a date-time (ISO 8601 text or :class:`datetime.datetime`); needs the
        administration's ``start`` from the ``manifest`` of :func:`read_images` or from the DICOM
        RadiopharmaceuticalStartDateTime.
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
class _Times:
    """What the DICOM tags of one series say about time (problems reported only if they are used)."""

    start: datetime | None = None      # the time the voxel values refer to, before ``shift_s``
    shift_s: float = 0.0               # half the frame duration for values not decay-corrected (PET)
    admin: datetime | None = None      # RadiopharmaceuticalStartDateTime (0018,1078)
    problems: list[Violation] = field(default_factory=list)
    admin_problems: list[Violation] = field(default_factory=list)


@dataclass
class _Volume:
    data: np.ndarray          # float64, voxel values in the file's unit (after rescale)
    affine: np.ndarray        # 4x4, voxel index -> RAS+ mm (NIfTI convention)
    units: str | None         # unit declared by the file (DICOM Units tag), None for NIfTI
    times: _Times | None = None        # DICOM only
    frame_uid: str | None = None       # FrameOfReferenceUID (DICOM only)


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


# ------------------------------------------------------------------------------------ DICOM time
def _tz(offset: str) -> timezone | None:
    """``+HHMM``/``-HHMM`` (DICOM TimezoneOffsetFromUTC) as a time zone, or None."""
    s = str(offset).strip()
    if len(s) != 5 or s[0] not in "+-" or not s[1:].isdigit():
        return None
    minutes = int(s[1:3]) * 60 + int(s[3:5])
    return timezone((1 if s[0] == "+" else -1) * timedelta(minutes=minutes))


def _dicom_datetime(ds: Any, dt_tag: str, date_tag: str | None, time_tag: str | None) -> datetime | None:
    """A DT attribute, else a DA + TM pair, as a datetime (time zone from the DT or TimezoneOffsetFromUTC)."""
    from pydicom.valuerep import DA, DT, TM

    out: datetime | None = None
    try:
        if str(ds.get(dt_tag, "") or ""):
            d = DT(str(ds.get(dt_tag)))
            out = datetime(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, tzinfo=d.tzinfo)
        elif date_tag and time_tag and str(ds.get(date_tag, "") or "") and str(ds.get(time_tag, "") or ""):
            day, tm = DA(str(ds.get(date_tag))), TM(str(ds.get(time_tag)))
            out = datetime(day.year, day.month, day.day, tm.hour, tm.minute, tm.second, tm.microsecond)
    except (ValueError, TypeError, OverflowError):
        return None
    if out is not None and out.tzinfo is None and str(ds.get("TimezoneOffsetFromUTC", "") or ""):
        out = out.replace(tzinfo=_tz(str(ds.TimezoneOffsetFromUTC)))
    return out


_ADMIN_TAG = "RadiopharmaceuticalStartDateTime (0018,1078)"


def _admin_start(dss: Sequence[Any], f: str, t: _Times) -> None:
    """RadiopharmaceuticalStartDateTime of the RadiopharmaceuticalInformationSequence, one value or none."""
    found: set[datetime] = set()
    time_only = False
    for ds in dss:
        for item in ds.get("RadiopharmaceuticalInformationSequence", None) or []:
            d = _dicom_datetime(item, "RadiopharmaceuticalStartDateTime", None, None)
            if d is None and str(item.get("RadiopharmaceuticalStartDateTime", "") or ""):
                t.admin_problems.append(Violation(f, None, _ADMIN_TAG, "a DICOM date-time (YYYYMMDDHHMMSS)",
                                                  "an unreadable value"))
            if d is not None and d.tzinfo is None and str(ds.get("TimezoneOffsetFromUTC", "") or ""):
                d = d.replace(tzinfo=_tz(str(ds.TimezoneOffsetFromUTC)))
            if d is not None:
                found.add(d)
            time_only |= d is None and bool(str(item.get("RadiopharmaceuticalStartTime", "") or ""))
    if len(found) > 1:
        span = (max(found) - min(found)).total_seconds() / 3600.0
        t.admin_problems.append(Violation(f, None, _ADMIN_TAG, "one administration start for the series",
                                          f"{len(found)} different values spanning {span:.3g} h"))
    elif found:
        t.admin = found.pop()
    elif time_only:
        t.admin_problems.append(Violation(f, None, _ADMIN_TAG, "the administration date and time (only "
                                          "RadiopharmaceuticalStartTime (0018,1072), a time without a date, is "
                                          "given; it is not used)", "missing"))


def _series_times(dss: Sequence[Any], modality: str, decay: str | None, f: str) -> _Times:
    """The time the values of a PT/NM series refer to (see "Time" in the module docstring)."""
    t = _Times()
    _admin_start(dss, f, t)
    acq = sorted({d for d in (_dicom_datetime(ds, "AcquisitionDateTime", "AcquisitionDate", "AcquisitionTime")
                              for ds in dss) if d is not None}, key=lambda d: d.timestamp() if d.tzinfo else
                 d.replace(tzinfo=timezone.utc).timestamp())
    series = _dicom_datetime(dss[0], "", "SeriesDate", "SeriesTime")
    if modality == "PT" and decay == "NONE":
        if len(acq) > 1:
            span = (acq[-1] - acq[0]).total_seconds()
            t.problems.append(Violation(f, None, "AcquisitionDate/AcquisitionTime", "one acquisition start for "
                                        "a PET series that is not decay-corrected (DecayCorrection NONE): its "
                                        "slices would refer to different times", f"starts spanning {span:.4g} s"))
        durations = {float(ds.get("ActualFrameDuration")) for ds in dss if ds.get("ActualFrameDuration") is not None}
        if len(durations) != 1 or not all(math.isfinite(d) and d > 0 for d in durations):
            t.problems.append(Violation(f, None, "ActualFrameDuration (0018,1242)", "one frame duration > 0 [ms] "
                                        "(values not decay-corrected refer to the middle of the frame)",
                                        sorted(durations) or "missing"))
        else:
            t.shift_s = durations.pop() / 2000.0
        t.start = acq[0] if acq else None
        if t.start is None:
            t.problems.append(Violation(f, None, "AcquisitionDate/AcquisitionTime", "the acquisition start",
                                        "missing"))
    elif modality == "PT":
        if decay != "START":
            t.problems.append(Violation(f, None, "DecayCorrection (0054,1102)", "'START' or 'NONE' (the time the "
                                        "values refer to)", decay or "missing"))
        t.start = series or (acq[0] if acq else None)
        if t.start is None:
            t.problems.append(Violation(f, None, "SeriesDate/SeriesTime", "the series reference time (the "
                                        "acquisition start the values are decay-corrected to)", "missing"))
    else:
        t.start = acq[0] if acq else series
        if t.start is None:
            t.problems.append(Violation(f, None, "AcquisitionDate/AcquisitionTime", "the acquisition start",
                                        "missing"))
    return t


def _enhanced_pet_times(ds: Any, f: str) -> _Times:
    """Enhanced PET: DecayCorrected (0018,9758) YES -> DecayCorrectionDateTime; NO -> middle of the frame."""
    t = _Times()
    _admin_start([ds], f, t)
    frames = ds.get("PerFrameFunctionalGroupsSequence", None) or []
    starts, durations = set(), set()
    for i in range(len(frames)):
        fc = _fg_item(ds, i, "FrameContentSequence")
        if fc is not None:
            d = _dicom_datetime(fc, "FrameAcquisitionDateTime", None, None)
            if d is not None:
                starts.add(d)
            if fc.get("FrameAcquisitionDuration") is not None:
                durations.add(float(fc.FrameAcquisitionDuration))
    whole = _dicom_datetime(ds, "AcquisitionDateTime", "AcquisitionDate", "AcquisitionTime")
    corrected = str(ds.get("DecayCorrected", "") or "")
    if corrected == "YES":
        t.start = _dicom_datetime(ds, "DecayCorrectionDateTime", None, None)
        if t.start is None:
            t.problems.append(Violation(f, None, "DecayCorrectionDateTime (0018,9701)", "the time the values are "
                                        "decay-corrected to", "missing"))
        elif t.admin is not None and abs((t.start - t.admin).total_seconds()) < 1.0:
            t.problems.append(Violation(f, None, "DecayCorrectionDateTime (0018,9701)", "a time during the "
                                        "acquisition: values decay-corrected to the administration are not "
                                        "measurements of the activity then", "the administration start"))
    elif corrected == "NO":
        if len(starts) > 1:
            span = (max(starts) - min(starts)).total_seconds()
            t.problems.append(Violation(f, None, "FrameContentSequence/FrameAcquisitionDateTime", "one acquisition "
                                        "start for values that are not decay-corrected", f"starts spanning "
                                        f"{span:.4g} s"))
        if len(durations) != 1 or not all(math.isfinite(d) and d > 0 for d in durations):
            t.problems.append(Violation(f, None, "FrameContentSequence/FrameAcquisitionDuration", "one frame "
                                        "duration > 0 [ms] (values not decay-corrected refer to the middle of the "
                                        "frame)", sorted(durations) or "missing"))
        else:
            t.shift_s = durations.pop() / 2000.0
        t.start = min(starts) if len(starts) == 1 else whole
        if t.start is None:
            t.problems.append(Violation(f, None, "FrameAcquisitionDateTime", "the acquisition start", "missing"))
    else:
        t.problems.append(Violation(f, None, "DecayCorrected (0018,9758)", "'YES' or 'NO' (the time the values "
                                    "refer to)", corrected or "missing"))
    return t


# -------------------------------------------------------------------------------- DICOM volumes
def _fg_item(ds: Any, i: int, seq: str) -> Any:
    """Item 0 of functional group *seq* for frame *i*: per-frame first, then shared; None if absent."""
    groups = []
    per = ds.get("PerFrameFunctionalGroupsSequence", None)
    if per is not None and i < len(per):
        groups.append(per[i])
    shared = ds.get("SharedFunctionalGroupsSequence", None)
    if shared:
        groups.append(shared[0])
    for g in groups:
        s = g.get(seq, None)
        if s:
            return s[0]
    return None


def _floats(x: Any) -> tuple[float, ...]:
    return tuple(round(float(y), 6) for y in x)


def _assemble(f: str, planes: list[tuple[str, np.ndarray, np.ndarray]], iop: np.ndarray, spacing: np.ndarray,
              v: list[Violation], tol_mm: float, pos_tag: str = "ImagePositionPatient") -> tuple[np.ndarray,
                                                                                               np.ndarray] | None:
    """Stack parallel planes ``(name, position [LPS mm], pixels (rows, cols))`` into (data, RAS affine)."""
    n0 = len(v)
    if len(planes) < 2:
        v.append(Violation(f, None, "slices", "at least 2 slices (the slice spacing comes from their positions)",
                           len(planes)))
        return None
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    ipp = np.array([p[1] for p in planes], dtype=float)
    order = np.argsort(ipp @ normal, kind="stable")
    ipp = ipp[order]
    planes = [planes[i] for i in order]
    pos = ipp @ normal
    steps = np.diff(pos)
    step = (pos[-1] - pos[0]) / (len(pos) - 1)
    if np.any(steps <= tol_mm):
        dup = [planes[i + 1][0] for i in np.flatnonzero(steps <= tol_mm)]
        v.append(Violation(f, None, pos_tag, "one slice per position (several frames at one position are time "
                           "frames, gates or energy windows, which are not supported)", f"duplicate positions: {dup}"))
    elif np.max(np.abs(steps - step)) > tol_mm:
        v.append(Violation(f, None, pos_tag, f"uniform slice spacing within {tol_mm} mm (no gaps; "
                           "nothing is resampled)", f"spacings {sorted(set(np.round(steps, 4).tolist()))} mm"))
    off = ipp - ipp[0] - np.outer(pos - pos[0], normal)
    if np.max(np.abs(off)) > tol_mm:
        v.append(Violation(f, None, pos_tag, "slices stacked along the slice normal (no gantry tilt)",
                           f"in-plane offsets up to {np.max(np.abs(off)):.3g} mm"))
    if len(v) > n0:
        return None
    rows, cols = planes[0][2].shape
    data = np.empty((cols, rows, len(planes)), dtype=np.float64)
    for k, (_, _, px) in enumerate(planes):
        data[:, :, k] = px.T                           # DICOM pixel (row r, column c) -> voxel (i=c, j=r)
    lps = np.eye(4)
    lps[:3, 0] = row_dir * spacing[1]                  # column index i advances along the row direction
    lps[:3, 1] = col_dir * spacing[0]
    lps[:3, 2] = normal * step
    lps[:3, 3] = ipp[0]
    return data, _LPS_TO_RAS @ lps


_LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def _dicom_files(path: Path, v: list[Violation]) -> list[tuple[Path, Any]] | None:
    pydicom = _require("pydicom")
    from pydicom.errors import InvalidDicomError

    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            v.append(Violation(str(path), None, "image", "a DICOM series folder with one file per slice (or one "
                               "multi-frame file)", "an empty folder"))
            return None
    else:
        files = [path]
    n0, out = len(v), []
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
        out.append((p, ds))
    return out if len(v) == n0 else None


def _read_dicom(path: Path, v: list[Violation], tol_mm: float) -> _Volume | None:
    """A PT/NM series: single-frame files, one NM multi-frame file or one Enhanced PET file."""
    from pydicom.uid import EnhancedPETImageStorage, NuclearMedicineImageStorage

    files = _dicom_files(path, v)
    if files is None:
        return None
    multi = [(p, ds) for p, ds in files if int(ds.get("NumberOfFrames", 1) or 1) > 1
             or ds.get("SOPClassUID") == EnhancedPETImageStorage]
    if multi and len(files) > 1:
        v.append(Violation(str(path), None, "NumberOfFrames", "either single-frame slices or one multi-frame file",
                           f"{len(multi)} multi-frame file(s) among {len(files)} files"))
        return None
    if not multi:
        return _read_single_frames(path, files, v, tol_mm)
    p, ds = multi[0]
    sop = ds.get("SOPClassUID")
    if sop == NuclearMedicineImageStorage:
        return _read_nm_multiframe(p, ds, v, tol_mm)
    if sop == EnhancedPETImageStorage:
        return _read_enhanced_pet(p, ds, v, tol_mm)
    v.append(Violation(str(p), None, "SOPClassUID", f"NM Image ({NuclearMedicineImageStorage}) or Enhanced PET "
                       f"Image ({EnhancedPETImageStorage}) for a multi-frame file", str(sop)))
    return None


def _pixels(p: Path, ds: Any, v: list[Violation]) -> np.ndarray | None:
    try:
        return np.asarray(ds.pixel_array, dtype=np.float64)
    except Exception as exc:
        v.append(Violation(str(p), None, "PixelData", "pixel data pydicom can decode", f"{type(exc).__name__}: {exc}"))
        return None


def _units_and_decay(f: str, units: str | None, decay: str | None, v: list[Violation]) -> None:
    if decay == "ADMIN":
        v.append(Violation(f, None, "DecayCorrection", "'NONE' or 'START' (activity at the acquisition); values "
                           "decay-corrected to the administration are not measurements of the activity then", decay))
    if units is not None and units not in _DICOM_UNITS:
        v.append(Violation(f, None, "Units", f"one of {sorted(_DICOM_UNITS)} (convert SUV or other derived "
                           "images back to activity concentration)", units))


def _read_single_frames(folder: Path, files: list[tuple[Path, Any]], v: list[Violation],
                        tol_mm: float) -> _Volume | None:
    f = str(folder)
    n0 = len(v)
    slices = []
    for p, ds in files:
        missing = [t for t in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "Rows", "Columns",
                               "SeriesInstanceUID") if t not in ds]
        if missing:
            v.append(Violation(str(p), None, "/".join(missing), "the geometry tags of a reconstructed slice", "missing"))
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
    modality = same("Modality", lambda ds: str(ds.Modality))
    same("Rows", lambda ds: int(ds.Rows))
    same("Columns", lambda ds: int(ds.Columns))
    iop = np.array(same("ImageOrientationPatient", lambda ds: _floats(ds.ImageOrientationPatient)), dtype=float)
    spacing = np.array(same("PixelSpacing", lambda ds: _floats(ds.PixelSpacing)), dtype=float)
    units = same("Units", lambda ds: str(ds.get("Units", "")) or None)
    decay = same("DecayCorrection", lambda ds: str(ds.get("DecayCorrection", "")) or None)
    frame_uid = same("FrameOfReferenceUID", lambda ds: str(ds.get("FrameOfReferenceUID", "")) or None)
    if len(v) > n0:
        return None
    _units_and_decay(f, units, decay, v)
    if len(v) > n0:
        return None
    planes = []
    for p, ds in slices:
        px = _pixels(p, ds, v)
        if px is None:
            return None
        slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
        intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
        planes.append((str(p), np.array([float(x) for x in ds.ImagePositionPatient]), px * slope + intercept))
    stacked = _assemble(f, planes, iop, spacing, v, tol_mm)
    if stacked is None:
        return None
    times = _series_times([ds for _, ds in slices], modality, decay, f)
    return _Volume(stacked[0], stacked[1], _DICOM_UNITS.get(units) if units else None, times, frame_uid)


#: NM frame index vectors (PS3.3 C.8.4.8): more than one distinct value means frames that are not slices.
_NM_VECTORS = {"EnergyWindowVector": "(0054,0010)", "DetectorVector": "(0054,0020)", "PhaseVector": "(0054,0030)",
               "RotationVector": "(0054,0050)", "RRIntervalVector": "(0054,0060)", "TimeSlotVector": "(0054,0070)",
               "AngularViewVector": "(0054,0090)", "TimeSliceVector": "(0054,0100)"}


def _read_nm_multiframe(p: Path, ds: Any, v: list[Violation], tol_mm: float) -> _Volume | None:
    """NM Image, ImageType value 3 ``RECON TOMO``: frames are the slices of one reconstructed volume."""
    f = str(p)
    n0 = len(v)
    image_type = [str(x) for x in (ds.get("ImageType", None) or [])]
    kind = image_type[2] if len(image_type) > 2 else "missing"
    if kind != "RECON TOMO":
        v.append(Violation(f, None, "ImageType (0008,0008) value 3", "'RECON TOMO' (a reconstructed SPECT volume; "
                           "projections, gated, dynamic, static and whole-body NM images are not volumes)", kind))
    n = int(ds.NumberOfFrames)
    for tag, code in _NM_VECTORS.items():
        values = ds.get(tag, None)
        if values is not None and len(set(int(x) for x in (values if isinstance(values, Sequence) and
                                                            not isinstance(values, str) else [values]))) > 1:
            v.append(Violation(f, None, f"{tag} {code}", "one value for every frame (several energy windows, "
                               "detectors, gates or time frames are not supported)",
                               sorted(set(int(x) for x in values))))
    for tag, code in (("NumberOfTimeSlots", "(0054,0071)"), ("NumberOfTimeSlices", "(0054,0101)")):
        if int(ds.get(tag, 1) or 1) > 1:
            v.append(Violation(f, None, f"{tag} {code}", "1 (gated or dynamic NM is not supported)", int(ds.get(tag))))
    det = ds.get("DetectorInformationSequence", None) or []
    geo = [(it.get("ImagePositionPatient"), it.get("ImageOrientationPatient")) for it in det
           if it.get("ImagePositionPatient") is not None]
    if len({(_floats(a), _floats(b) if b is not None else None) for a, b in geo}) > 1:
        v.append(Violation(f, None, "DetectorInformationSequence (0054,0022)", "one item with the volume's "
                           "ImagePositionPatient (RECON TOMO)", f"{len(geo)} items with different geometry"))
    ipp = geo[0][0] if geo else ds.get("ImagePositionPatient")
    iop = (geo[0][1] if geo and geo[0][1] is not None else None) or ds.get("ImageOrientationPatient")
    sbs = ds.get("SpacingBetweenSlices", None)
    sbs = sbs if sbs is not None else ds.get("SliceThickness", None)
    for tag, value in (("DetectorInformationSequence/ImagePositionPatient", ipp),
                       ("DetectorInformationSequence/ImageOrientationPatient", iop),
                       ("PixelSpacing", ds.get("PixelSpacing")), ("SpacingBetweenSlices/SliceThickness", sbs)):
        if value is None:
            v.append(Violation(f, None, tag, "the geometry of the reconstructed volume", "missing"))
    units = str(ds.get("Units", "")) or None
    decay = str(ds.get("DecayCorrection", "")) or None
    _units_and_decay(f, units, decay, v)
    if len(v) > n0:
        return None
    order = list(range(n))
    sv = ds.get("SliceVector", None)
    if sv is not None:
        sv = [int(x) for x in (sv if n > 1 else [sv])]
        if sorted(sv) != list(range(1, n + 1)):
            v.append(Violation(f, None, "SliceVector (0054,0080)", f"the slice numbers 1..{n}", sv))
            return None
        order = sorted(range(n), key=lambda i: sv[i])
    px = _pixels(p, ds, v)
    if px is None:
        return None
    px = px.reshape((n, *px.shape[-2:]))
    slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
    intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
    iop_a = np.array([float(x) for x in iop], dtype=float)
    normal = np.cross(iop_a[:3], iop_a[3:])
    origin = np.array([float(x) for x in ipp], dtype=float)
    # slice k (in SliceVector order) lies at IPP + k * SpacingBetweenSlices * (row x column direction)
    planes = [(f"frame {i + 1}", origin + k * float(sbs) * normal, px[i] * slope + intercept)
              for k, i in enumerate(order)]
    stacked = _assemble(f, planes, iop_a, np.array([float(x) for x in ds.PixelSpacing]), v, tol_mm)
    if stacked is None:
        return None
    return _Volume(stacked[0], stacked[1], _DICOM_UNITS.get(units) if units else None,
                   _series_times([ds], str(ds.get("Modality", "NM")), decay, f),
                   str(ds.get("FrameOfReferenceUID", "")) or None)


#: UCUM units of RealWorldValueMappingSequence/MeasurementUnitsCodeSequence -> our unit names.
_UCUM_UNITS = {"Bq/ml": "Bq/mL", "{counts}": "counts", "{counts}/s": "cps", "/s": "cps"}


def _read_enhanced_pet(p: Path, ds: Any, v: list[Violation], tol_mm: float) -> _Volume | None:
    """Enhanced PET Image: frames placed by PlanePositionSequence, rescaled by PixelValueTransformationSequence."""
    f = str(p)
    n0 = len(v)
    n = int(ds.get("NumberOfFrames", 1) or 1)
    if int(ds.get("NumberOfTemporalPositions", 1) or 1) > 1:
        v.append(Violation(f, None, "NumberOfTemporalPositions (0020,0105)", "1 (dynamic or gated PET is not "
                           "supported)", int(ds.NumberOfTemporalPositions)))
    temporal = set()
    for i in range(n):
        fc = _fg_item(ds, i, "FrameContentSequence")
        if fc is not None and fc.get("TemporalPositionIndex") is not None:
            temporal.add(int(fc.TemporalPositionIndex))
    if len(temporal) > 1:
        v.append(Violation(f, None, "FrameContentSequence/TemporalPositionIndex (0020,9128)", "one temporal "
                           "position (dynamic or gated PET is not supported)", sorted(temporal)))
    planes, orient, spacings, units_seen = [], set(), set(), set()
    px = _pixels(p, ds, v)
    if px is None:
        return None
    px = px.reshape((n, *px.shape[-2:]))
    for i in range(n):
        pp, po = _fg_item(ds, i, "PlanePositionSequence"), _fg_item(ds, i, "PlaneOrientationSequence")
        pm, pv = _fg_item(ds, i, "PixelMeasuresSequence"), _fg_item(ds, i, "PixelValueTransformationSequence")
        rw = _fg_item(ds, i, "RealWorldValueMappingSequence")
        if pp is None or po is None or pm is None or "ImagePositionPatient" not in pp \
                or "ImageOrientationPatient" not in po or "PixelSpacing" not in pm:
            v.append(Violation(f, None, f"frame {i + 1}: PlanePositionSequence/PlaneOrientationSequence/"
                               "PixelMeasuresSequence", "the frame's position, orientation and pixel spacing",
                               "missing"))
            continue
        orient.add(_floats(po.ImageOrientationPatient))
        spacings.add(_floats(pm.PixelSpacing))
        slope = float(pv.get("RescaleSlope", 1.0)) if pv is not None else float(ds.get("RescaleSlope", 1.0) or 1.0)
        intercept = (float(pv.get("RescaleIntercept", 0.0)) if pv is not None
                     else float(ds.get("RescaleIntercept", 0.0) or 0.0))
        if rw is not None:
            code = rw.get("MeasurementUnitsCodeSequence", None)
            units_seen.add(str(code[0].CodeValue) if code else "missing")
            rs, ri = rw.get("RealWorldValueSlope"), rw.get("RealWorldValueIntercept")
            if rs is not None and (not math.isclose(float(rs), slope, rel_tol=1e-6)
                                   or not math.isclose(float(ri or 0.0), intercept, rel_tol=1e-6, abs_tol=1e-9)):
                v.append(Violation(f, None, f"frame {i + 1}: RealWorldValueMappingSequence", "the slope and intercept "
                                   "of PixelValueTransformationSequence (which this reader applies)",
                                   f"slope {float(rs):.6g}, intercept {float(ri or 0.0):.6g}"))
        planes.append((f"frame {i + 1}", np.array([float(x) for x in pp.ImagePositionPatient]),
                       px[i] * slope + intercept))
    if len(orient) > 1:
        v.append(Violation(f, None, "PlaneOrientationSequence/ImageOrientationPatient", "one orientation for every "
                           "frame (parallel frames)", f"{len(orient)} orientations"))
    if len(spacings) > 1:
        v.append(Violation(f, None, "PixelMeasuresSequence/PixelSpacing", "one pixel spacing for every frame",
                           sorted(spacings)))
    units: str | None = str(ds.get("Units", "")) or None
    if len(units_seen) > 1:
        v.append(Violation(f, None, "RealWorldValueMappingSequence/MeasurementUnitsCodeSequence", "one unit",
                           sorted(units_seen)))
    elif units_seen:
        code = units_seen.pop()
        if code not in _UCUM_UNITS:
            v.append(Violation(f, None, "RealWorldValueMappingSequence/MeasurementUnitsCodeSequence", f"one of "
                               f"{sorted(_UCUM_UNITS)} (UCUM; SUV and other derived units are refused)", code))
        else:
            units = {"Bq/mL": "BQML", "counts": "CNTS", "cps": "CPS"}[_UCUM_UNITS[code]]
    _units_and_decay(f, units, None, v)
    if len(v) > n0:
        return None
    stacked = _assemble(f, planes, np.array(orient.pop()), np.array(spacings.pop()), v, tol_mm,
                        pos_tag="PlanePositionSequence/ImagePositionPatient")
    if stacked is None:
        return None
    return _Volume(stacked[0], stacked[1], _DICOM_UNITS.get(units) if units else None, _enhanced_pet_times(ds, f),
                   str(ds.get("FrameOfReferenceUID", "")) or None)


# ---------------------------------------------------------------------------------- DICOM masks
def _check_frame_of_reference(f: str, tag: str, uid: str | None, vol: _Volume, img: str,
                              v: list[Violation]) -> bool:
    if vol.frame_uid is not None and uid != vol.frame_uid:
        v.append(Violation(f, None, tag, f"the FrameOfReferenceUID of the image {img} (same patient space)",
                           "a different frame of reference" if uid else "missing"))
        return False
    return True


def _read_dicom_mask(path: Path, vol: _Volume, img: str, v: list[Violation], tol_mm: float,
                     left_out: frozenset[str] = frozenset()) -> dict[str, np.ndarray] | None:
    """A DICOM SEG or RTSTRUCT -> {segment label or ROI name: boolean mask on the image grid}.

    RTSTRUCT ROIs named in *left_out* (mapped to ``None`` by the caller) are not rasterised and
    their contours not checked (e.g. a couch or an outline reaching beyond the image); they come
    back as empty masks.
    """
    from pydicom.uid import RTStructureSetStorage, SegmentationStorage

    files = _dicom_files(path, v)
    if files is None:
        return None
    if len(files) != 1:
        v.append(Violation(str(path), None, "mask", "one DICOM SEG or RTSTRUCT file", f"{len(files)} files"))
        return None
    p, ds = files[0]
    sop = ds.get("SOPClassUID")
    if sop == SegmentationStorage:
        return _seg_on_grid(p, ds, vol, img, v, tol_mm)
    if sop == RTStructureSetStorage:
        return _rtstruct_on_grid(p, ds, vol, img, v, tol_mm, left_out)
    v.append(Violation(str(p), None, "SOPClassUID", f"a Segmentation ({SegmentationStorage}) or an RT Structure "
                       f"Set ({RTStructureSetStorage})", str(sop)))
    return None


def _seg_on_grid(p: Path, ds: Any, vol: _Volume, img: str, v: list[Violation], tol_mm: float
                 ) -> dict[str, np.ndarray] | None:
    """Segments of a DICOM SEG placed voxel by voxel on the image grid (no resampling)."""
    f = str(p)
    n0 = len(v)
    seg_type = str(ds.get("SegmentationType", ""))
    if seg_type not in ("BINARY", "FRACTIONAL"):
        v.append(Violation(f, None, "SegmentationType (0062,0001)", "'BINARY' (or 'FRACTIONAL' holding only 0 and "
                           "the maximum)", seg_type or "missing"))
    _check_frame_of_reference(f, "FrameOfReferenceUID", str(ds.get("FrameOfReferenceUID", "")) or None, vol, img, v)
    names: dict[int, str] = {}
    for item in ds.get("SegmentSequence", None) or []:
        label = str(item.get("SegmentLabel", "") or "")
        if label in names.values():
            v.append(Violation(f, None, "SegmentSequence/SegmentLabel", "a different label for every segment", label))
        names[int(item.SegmentNumber)] = label
    if not names:
        v.append(Violation(f, None, "SegmentSequence", "at least one segment", "none"))
    if len(v) > n0:
        return None
    px = _pixels(p, ds, v)
    if px is None:
        return None
    n = int(ds.get("NumberOfFrames", 1) or 1)
    px = px.reshape((n, *px.shape[-2:]))
    if seg_type == "FRACTIONAL":
        top = float(ds.get("MaximumFractionalValue", 255))
        soft = int(np.sum((px != 0) & (px != top)))
        if soft:
            v.append(Violation(f, None, "SegmentationType (0062,0001)", "a binary segmentation (a FRACTIONAL one only "
                               "if every value is 0 or MaximumFractionalValue: threshold it first; partial-volume "
                               "fractions are not turned into regions here)", f"FRACTIONAL with {soft} voxels "
                               f"strictly between 0 and {top:g}"))
            return None
        px = px / top
    inv = np.linalg.inv(_LPS_TO_RAS @ vol.affine)
    out = {name: np.zeros(vol.data.shape, bool) for name in names.values()}
    for i in range(n):
        si, pp = _fg_item(ds, i, "SegmentIdentificationSequence"), _fg_item(ds, i, "PlanePositionSequence")
        po, pm = _fg_item(ds, i, "PlaneOrientationSequence"), _fg_item(ds, i, "PixelMeasuresSequence")
        if si is None or pp is None or po is None or pm is None:
            v.append(Violation(f, None, f"frame {i + 1}: SegmentIdentificationSequence/PlanePositionSequence/"
                               "PlaneOrientationSequence/PixelMeasuresSequence", "the frame's segment and geometry",
                               "missing"))
            return None
        seg = int(si.ReferencedSegmentNumber)
        if seg not in names:
            v.append(Violation(f, None, f"frame {i + 1}: ReferencedSegmentNumber", f"one of {sorted(names)}", seg))
            return None
        idx = _frame_indices(f, i, pp, po, pm, px.shape[1:], vol, inv, v, tol_mm)
        if idx is None:
            return None
        on = px[i] != 0
        ii, jj, kk = idx
        if on.any() and not (np.all((ii[on] >= 0) & (ii[on] < vol.data.shape[0]) & (jj[on] >= 0)
                                    & (jj[on] < vol.data.shape[1])) and 0 <= kk < vol.data.shape[2]):
            v.append(Violation(f, None, f"frame {i + 1}", f"segment voxels inside the image {img}",
                               "voxels outside the image"))
            return None
        out[names[seg]][ii[on], jj[on], kk] = True
    return out


def _frame_indices(f: str, i: int, pp: Any, po: Any, pm: Any, shape: tuple[int, ...], vol: _Volume,
                   inv: np.ndarray, v: list[Violation], tol_mm: float
                   ) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Image voxel indices (i, j arrays of the frame's shape, and k) of a SEG frame's pixels, or None."""
    iop = np.array([float(x) for x in po.ImageOrientationPatient])
    ps = np.array([float(x) for x in pm.PixelSpacing])
    origin = inv[:3, :3] @ np.array([float(x) for x in pp.ImagePositionPatient]) + inv[:3, 3]
    d_col = inv[:3, :3] @ (iop[:3] * ps[1])            # index step per SEG column
    d_row = inv[:3, :3] @ (iop[3:] * ps[0])            # index step per SEG row
    a3 = (_LPS_TO_RAS @ vol.affine)[:3, :3]
    rows, cols = shape
    err = (np.linalg.norm(a3 @ (origin - np.round(origin)))
           + (cols - 1) * np.linalg.norm(a3 @ (d_col - np.round(d_col)))
           + (rows - 1) * np.linalg.norm(a3 @ (d_row - np.round(d_row))))
    dc, dr = np.round(d_col).astype(int), np.round(d_row).astype(int)
    if err > tol_mm or np.abs(dc).sum() != 1 or np.abs(dr).sum() != 1 or dc[2] != 0 or dr[2] != 0:
        v.append(Violation(f, None, f"frame {i + 1}: PlanePositionSequence/PlaneOrientationSequence/"
                           "PixelMeasuresSequence", f"pixels on the image's voxel centres within {tol_mm} mm, in "
                           "the image's slice planes (nothing is resampled)",
                           f"off by up to {err:.3g} mm" if err > tol_mm else "planes not parallel to the slices"))
        return None
    o = np.round(origin).astype(int)
    r, c = np.indices((rows, cols))
    ii = o[0] + c * dc[0] + r * dr[0]
    jj = o[1] + c * dc[1] + r * dr[1]
    return ii, jj, int(o[2])


def _inside_polygon(x: np.ndarray, y: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Even-odd rule: points (px, py) inside the closed polygon (x, y); half-open crossing at vertices."""
    inside = np.zeros(px.shape, bool)
    xj, yj = np.roll(x, 1), np.roll(y, 1)
    for x0, y0, x1, y1 in zip(x, y, xj, yj):
        if y0 == y1:
            continue
        crosses = (y0 <= py) != (y1 <= py)             # the edge spans the horizontal line through the point
        xc = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (px < xc)
    return inside


def _rtstruct_on_grid(p: Path, ds: Any, vol: _Volume, img: str, v: list[Violation], tol_mm: float,
                      left_out: frozenset[str] = frozenset()) -> dict[str, np.ndarray] | None:
    """ROIs of an RT Structure Set rasterised on the image grid (see "Masks" in the module docstring)."""
    f = str(p)
    n0 = len(v)
    names: dict[int, str] = {}
    for item in ds.get("StructureSetROISequence", None) or []:
        name = str(item.get("ROIName", "") or "")
        if name in names.values():
            v.append(Violation(f, None, "StructureSetROISequence/ROIName", "a different name for every ROI", name))
        names[int(item.ROINumber)] = name
        _check_frame_of_reference(f, f"ROI {name!r}: ReferencedFrameOfReferenceUID",
                                  str(item.get("ReferencedFrameOfReferenceUID", "")) or None, vol, img, v)
    if not names:
        v.append(Violation(f, None, "StructureSetROISequence", "at least one ROI", "none"))
    if len(v) > n0:
        return None
    ras_to_idx = np.linalg.inv(vol.affine)
    a3 = vol.affine[:3, :3]
    step_mm = np.linalg.norm(a3, axis=0)              # voxel size [mm] along i, j, k
    dk_mm = float(step_mm[2])
    # the contour plane must be an image slice plane: its normal along the slice axis k
    shape = vol.data.shape
    gi, gj = np.indices(shape[:2])
    out = {name: np.zeros(shape, bool) for name in names.values()}
    for roi in ds.get("ROIContourSequence", None) or []:
        num = int(roi.ReferencedROINumber)
        if num not in names:
            v.append(Violation(f, None, "ROIContourSequence/ReferencedROINumber", f"one of {sorted(names)}", num))
            continue
        name = names[num]
        if name in left_out:            # mapped to None by the caller: not read at all
            continue
        planes: dict[int, np.ndarray] = {}
        for c, contour in enumerate(roi.get("ContourSequence", None) or [], start=1):
            kind = str(contour.get("ContourGeometricType", ""))
            if kind != "CLOSED_PLANAR":
                v.append(Violation(f, None, f"ROI {name!r} contour {c}: ContourGeometricType (3006,0042)",
                                   "'CLOSED_PLANAR' (points and open contours enclose no volume)", kind or "missing"))
                continue
            pts = np.array([float(x) for x in contour.ContourData]).reshape(-1, 3)
            if len(pts) < 3:
                v.append(Violation(f, None, f"ROI {name!r} contour {c}: ContourData", "at least 3 points",
                                   len(pts)))
                continue
            ras = pts * np.array([-1.0, -1.0, 1.0])        # LPS -> RAS
            idx = ras @ ras_to_idx[:3, :3].T + ras_to_idx[:3, 3]
            k = float(np.mean(idx[:, 2]))
            kr = int(round(k))
            off_mm = float(np.max(np.abs(idx[:, 2] - kr))) * dk_mm
            if off_mm > tol_mm:
                v.append(Violation(f, None, f"ROI {name!r} contour {c}: ContourData",
                                   f"a plane on an image slice centre within {tol_mm} mm (parallel to the slices)",
                                   f"points up to {off_mm:.3g} mm from the slice at index {kr}"))
                continue
            out_mm, where_out = _outside_image_mm(idx, shape, step_mm)
            if out_mm > tol_mm or not 0 <= kr < shape[2]:
                v.append(Violation(f, None, f"ROI {name!r} contour {c}: ContourData", f"every point inside the "
                                   f"image {img} within {tol_mm} mm (voxel indices i in [-0.5, {shape[0] - 0.5}], "
                                   f"j in [-0.5, {shape[1] - 0.5}], slices 0..{shape[2] - 1}; nothing is clipped)",
                                   f"points up to {out_mm:.3g} mm outside the image ({where_out})"))
                continue
            inside = _inside_polygon(idx[:, 0], idx[:, 1], gi.astype(float), gj.astype(float))
            planes[kr] = planes.get(kr, np.zeros(shape[:2], bool)) ^ inside
        for kr, sl in planes.items():
            out[name][:, :, kr] = sl
    return None if len(v) > n0 else out


def _outside_image_mm(idx: np.ndarray, shape: tuple[int, ...], step_mm: np.ndarray) -> tuple[float, str]:
    """How far [mm] the points (voxel indices, n x 3) reach outside the image's voxels, and where.

    The image covers voxel indices [-0.5, n - 0.5] on each axis (voxel centres at 0..n-1). A point's
    distance is the length of its per-axis excesses in mm; the text gives the index range reached.
    """
    lo, hi = -0.5, np.asarray(shape, float) - 0.5
    excess = np.maximum(lo - idx, 0.0) + np.maximum(idx - hi, 0.0)
    dist = np.sqrt(np.sum((excess * step_mm) ** 2, axis=1))
    parts = [f"voxel index {a} from {idx[:, n].min():.4g} to {idx[:, n].max():.4g}" for n, a in enumerate("ij")
             if np.any(excess[:, n] > 0)]
    if np.any(excess[:, 2] > 0):
        parts.append(f"slice index {int(round(float(np.mean(idx[:, 2]))))}")
    return float(dist.max()), ", ".join(parts) or "on its edge"


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




def _is_dicom_file(path: Path) -> bool:
    if path.suffix.lower() == ".dcm":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(132)[128:132] == b"DICM"
    except OSError:
        return False


def _hours(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 3600.0


def _time_after_administration(a: Acquisition, where: str, img: str, vol: _Volume | None, image_read: bool,
                               cycle: int, starts: dict[tuple[str, int], Any], manifest: Any, mf: str,
                               tol_s: float, v: list[Violation]) -> float | None:
    """Hours from the administration start to the time the image's values refer to (module docstring, "Time")."""
    dt = vol.times if vol is not None else None
    # ---- administration start: the manifest's, else RadiopharmaceuticalStartDateTime; both -> must agree
    man: datetime | None = None
    man_error = False
    if manifest is not None and (a.patient, cycle) in starts:
        man = _as_datetime(starts[(a.patient, cycle)])
        man_error = man is None
    if man is not None and dt is not None and dt.admin is not None:
        v.extend(dt.admin_problems)
        if (man.tzinfo is None) != (dt.admin.tzinfo is None):
            v.append(Violation(img, None, _ADMIN_TAG, f"a time zone on both or neither of it and the administration "
                               f"start in {mf}", "a time zone on one of them only"))
        elif abs(_hours(dt.admin, man)) * 3600.0 > tol_s:
            v.append(Violation(img, None, _ADMIN_TAG, f"the administration start of {a.patient} cycle {cycle} in "
                               f"{mf} within {tol_s:g} s", f"{_hours(dt.admin, man):+.4g} h from it"))
    # ---- the time the values refer to
    if a.time_h is not None and a.acquired is not None:
        v.append(Violation(where, None, "time_h/acquired", "at most one of time_h [h] and acquired (date-time)",
                           "both"))
        return None
    if a.time_h is not None:
        try:
            t_h: float | None = float(a.time_h)
        except (TypeError, ValueError):
            t_h = None
        if t_h is None or not (math.isfinite(t_h) and t_h >= 0):
            v.append(Violation(where, None, "time_h", "a time >= 0 h after the administration", a.time_h))
            return None
        return t_h
    shift = dt.shift_s if dt is not None else 0.0
    if a.acquired is not None:
        acq = _as_datetime(a.acquired)
        if acq is None:
            v.append(Violation(where, None, "acquired", "an ISO 8601 date-time", a.acquired))
            return None
        if dt is not None and dt.start is not None and (acq.tzinfo is None) == (dt.start.tzinfo is None) \
                and abs((acq - dt.start).total_seconds()) > tol_s:
            v.append(Violation(where, None, "acquired", f"the acquisition start the DICOM tags give within "
                               f"{tol_s:g} s", f"{(acq - dt.start).total_seconds():+.4g} s from it"))
    elif dt is None:
        if not (image_read and vol is None):             # an unreadable image is reported already
            v.append(Violation(where, None, "time_h/acquired", "one of time_h [h] and acquired (date-time); only a "
                               "DICOM image gives its own acquisition time", "neither"))
        return None
    else:
        n0 = len(v)
        v.extend(dt.problems)
        if len(v) > n0 or dt.start is None:
            return None
        acq = dt.start
    if manifest is not None:
        if (a.patient, cycle) not in starts:
            return None                                  # reported with the cycle
        if man_error or man is None:
            v.append(Violation(mf, None, f"administration {a.patient} cycle {cycle}: start",
                               "a date-time (needed by acquisitions given by date-time)", starts[(a.patient, cycle)]))
            return None
        admin = man
    elif dt is not None and (dt.admin is not None or dt.admin_problems):
        n0 = len(v)
        v.extend(dt.admin_problems)
        if len(v) > n0 or dt.admin is None:
            return None
        admin = dt.admin
    else:
        v.append(Violation(where if a.acquired is not None else img, None, "acquired" if a.acquired is not None
                           else _ADMIN_TAG, "the administration start: a manifest (read_images(..., manifest=...)) "
                           "or RadiopharmaceuticalStartDateTime in the DICOM, or time_h",
                           "no manifest" if a.acquired is not None else "missing"))
        return None
    if (acq.tzinfo is None) != (admin.tzinfo is None):
        v.append(Violation(where, None, "acquired", "a time zone on both or neither of the acquisition and the "
                           "administration start", "a time zone on one of them only"))
        return None
    t_h = _hours(acq, admin) + shift / 3600.0
    if t_h < 0:
        if a.acquired is not None and manifest is not None:      # both the user's: safe to quote
            v.append(Violation(where, None, "acquired", f"a date-time after the administration start "
                               f"{admin.isoformat()}", acq.isoformat()))
        else:
            v.append(Violation(where, None, "acquired", "an acquisition after the administration start",
                               f"{-t_h:.4g} h before it"))
        return None
    return t_h


def _label_map_regions(mvol: _Volume, vol: _Volume, img: str, mask: str, lab: Mapping[int, str | None],
                       regions: Sequence[str], background: int | None, tol_mm: float, v: list[Violation]
                       ) -> dict[str, np.ndarray] | None:
    """Region -> voxels of a NIfTI label map on the image grid, or None (violations added)."""
    if vol.data.shape != mvol.data.shape:
        v.append(Violation(mask, None, "mask grid", f"the shape of the image {img} {vol.data.shape}", mvol.data.shape))
        return None
    dist = _grid_distance_mm(vol.affine, mvol.affine, vol.data.shape)
    if dist > tol_mm:
        v.append(Violation(mask, None, "mask grid", f"the voxel positions of the image {img} within {tol_mm} mm (no "
                           "resampling is done)", f"voxel centres up to {dist:.3g} mm apart"))
        return None
    m = mvol.data
    if not np.all(np.isfinite(m)) or np.any(m != np.round(m)):
        v.append(Violation(mask, None, "mask values", "whole-number labels (an interpolated mask is not a label map)",
                           f"{int(np.sum(~np.isfinite(m) | (m != np.round(m))))} non-integer voxels"))
        return None
    m = m.astype(np.int64)
    present = {int(x) for x in np.unique(m)} - ({background} if background is not None else set())
    unmapped = sorted(present - set(lab))
    absent = sorted(k for k in set(lab) - present if lab[k] is not None)
    nokey = [r for r in regions if r not in lab.values()]
    n0 = len(v)
    if unmapped:
        v.append(Violation(mask, None, "labels", f"only mapped labels {sorted(lab)}"
                           + (f" and background {background}" if background is not None else ""),
                           f"unmapped labels {unmapped}"))
    if absent:
        v.append(Violation(mask, None, "labels", "every mapped label present",
                           f"absent labels {[f'{k} ({lab[k]})' for k in absent]}"))
    if nokey:
        v.append(Violation(mask, None, "labels", "an integer label for every region (a label map)",
                           f"regions named only by segment/ROI names {nokey}"))
    if len(v) > n0:
        return None
    return {r: np.isin(m, [k for k in lab if lab[k] == r]) for r in regions}


def _segment_regions(segments: Mapping[str, np.ndarray], mask: str, names: Mapping[str, str | None],
                     regions: Sequence[str], v: list[Violation]) -> dict[str, np.ndarray] | None:
    """Region -> union of its segments/ROIs, or None (overlaps between regions: _resolve_overlaps)."""
    unmapped = [s for s in segments if s not in names]
    absent = [s for s in names if names[s] is not None and not (s in segments and segments[s].any())]
    nokey = [r for r in regions if r not in names.values()]
    n0 = len(v)
    if unmapped:
        v.append(Violation(mask, None, "labels", f"a mapping for every segment/ROI name (map a name to None to "
                           f"leave it out), known: {sorted(names)}", f"unmapped names {unmapped}"))
    if absent:
        v.append(Violation(mask, None, "labels", "every mapped segment/ROI present and not empty",
                           f"absent or empty {[f'{s} ({names[s]})' for s in absent]}"))
    if nokey:
        v.append(Violation(mask, None, "labels", "a segment/ROI name for every region (a DICOM SEG or RTSTRUCT)",
                           f"regions named only by integer labels {nokey}"))
    if len(v) > n0:
        return None
    out = {}
    for r in regions:
        sel = np.zeros(next(iter(segments.values())).shape, bool)
        for s, name in names.items():
            if name == r:
                sel |= segments[s]
        out[r] = sel
    return out


def _resolve_overlaps(sels: Mapping[str, np.ndarray], regions: Sequence[str], overlaps: str, mask: str,
                      voxel_ml: float, v: list[Violation]) -> tuple[dict[str, np.ndarray], dict[str, int]] | None:
    """Regions without shared voxels ("refuse": None and a violation per overlapping pair; "smaller": each
    shared voxel kept by the smallest region claiming it), and the voxels each region gave up."""
    own = [r for r in regions if r not in BODY_REGIONS]
    n = {r: int(sels[r].sum()) for r in own}
    removed = {r: 0 for r in regions}
    if overlaps == "refuse":
        n0 = len(v)
        for a_i, a in enumerate(own):
            for b in own[a_i + 1:]:
                shared = int(np.count_nonzero(sels[a] & sels[b]))
                if shared:
                    v.append(Violation(mask, None, f"overlap of regions {a!r} and {b!r}", "regions that share no "
                                       f"voxel (only {' or '.join(map(repr, BODY_REGIONS))} may hold the others; "
                                       "overlaps='smaller' gives each shared voxel to the smaller region)",
                                       f"{shared} shared voxels ({shared * voxel_ml:.4g} mL)"))
        return None if len(v) > n0 else (dict(sels), removed)
    out = dict(sels)
    claimed = np.zeros(next(iter(sels.values())).shape, bool)
    n0 = len(v)
    for r in sorted(own, key=lambda r: (n[r], own.index(r))):     # smallest first; ties: label order
        out[r] = sels[r] & ~claimed
        claimed |= sels[r]
        removed[r] = n[r] - int(out[r].sum())
        if removed[r] == n[r]:
            v.append(Violation(mask, None, f"overlap of region {r!r}", "voxels left after giving shared voxels to "
                               "smaller regions (overlaps='smaller')", f"all {n[r]} voxels inside smaller regions"))
    return (None if len(v) > n0 else (out, removed))


def read_images(acquisitions: Sequence[Acquisition] | pd.DataFrame,
                labels: Mapping[int, str | None] | Mapping[str, str | None] | Mapping[int | str, str | None], *,
                manifest: str | os.PathLike[str] | None = None,
                density_g_per_mL: float | Mapping[str, float] = SOFT_TISSUE_DENSITY_G_PER_ML,
                background: int | None = 0, grid_tolerance_mm: float = 0.1,
                time_tolerance_s: float = 120.0, overlaps: Literal["refuse", "smaller"] = "refuse"
                ) -> pd.DataFrame:
    """Activity, volume and mass per region from calibrated SPECT/PET volumes and label masks.

    Parameters
    ----------
    acquisitions : sequence of Acquisition, or DataFrame
        One entry per imaging time point (a DataFrame has the :class:`Acquisition` field names as
        columns; relative paths are relative to the working directory).
    labels : mapping of int or str to str or None
        Mask label -> region name: integer keys for NIfTI label maps, text keys for DICOM SEG
        segment labels (SegmentLabel) and RTSTRUCT ROI names (ROIName); one mapping may hold both
        when masks of both kinds are read. Several labels may map to one region (e.g. left and right
        kidney -> ``"kidneys"``); the region is then their union. A label mapped to ``None`` is
        known and not measured. Every label/segment/ROI present in a mask (other than
        ``background``) must be mapped, every label of the mask's kind mapped to a region must be
        present (and not empty) in every mask, and every region needs a label of each mask's kind.
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
        tolerance on DICOM slice spacing, on SEG frame positions and on RTSTRUCT contour planes.
    time_tolerance_s : float, default 120
        Largest difference [s] allowed between the manifest's administration start and the DICOM
        RadiopharmaceuticalStartDateTime, and between ``acquired`` and the DICOM acquisition start.
    overlaps : {"refuse", "smaller"}, default "refuse"
        Voxels shared by two regions of a SEG or RTSTRUCT (``whole_body``/``body`` exempt): refuse
        the mask, or give each shared voxel to the smallest region claiming it (module docstring,
        Overlapping regions).

    Returns
    -------
    DataFrame
        One row per acquisition and region, in acquisition order then label order: ``patient``,
        ``cycle``, ``time [h]``, ``region``, ``activity [MBq]`` (at the acquisition start, not
        decay-corrected), ``volume [mL]`` (voxels x voxel volume), ``mass [kg]`` (volume x
        density), ``voxels``, ``negative_voxels`` and ``negative_activity [MBq]`` (the voxels below
        zero, kept in the activity), ``overlap_removed [mL]`` (the volume given to smaller
        overlapping regions with ``overlaps="smaller"``, else 0), ``acquisition`` (1-based position
        in ``acquisitions``).

    Raises
    ------
    InputDataError
        Listing every problem of every acquisition at once (missing or unreadable files, a mask not
        on the image grid, unmapped or absent labels, missing or conflicting calibration, unknown
        patients, cycles or regions, non-finite voxels in a region, times missing from or
        conflicting with the DICOM tags, multi-frame files that are not one volume, SEG/RTSTRUCT
        masks off the image grid or in another frame of reference, RTSTRUCT contours reaching outside
        the image, overlapping SEG/RTSTRUCT regions with ``overlaps="refuse"``...).

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
    .. [2] DICOM PS3.3 C.8.9.1 (PET Series: Units, Decay Correction), C.7.6.2 (Image Plane),
       C.8.4.8 and C.8.4.10 (NM Image, NM Detector), C.8.22 (Enhanced PET), C.7.6.16 (Multi-frame
       Functional Groups), C.8.20 (Segmentation), C.8.8.5-6 (Structure Set, ROI Contour).

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
    # ---- the label table: int keys for label maps, str keys for SEG segment labels / RTSTRUCT ROI names
    lab: dict[int, str | None] = {}
    names: dict[str, str | None] = {}
    label_items: list[tuple[Any, Any]] = list(dict(labels).items())
    for key, name in label_items:
        if name is not None and (not isinstance(name, str) or not name):
            v.append(Violation("labels", None, f"label {key!r}", "a region name (or None: known, not measured)", name))
        elif isinstance(key, str) and key:
            names[key] = name
        elif isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            v.append(Violation("labels", None, f"label {key!r}", "an integer label (label map) or a segment/ROI "
                               "name (DICOM SEG, RTSTRUCT)", type(key).__name__))
        elif background is not None and int(key) == background:
            v.append(Violation("labels", None, f"label {key}", f"not the background label {background}", name))
        else:
            lab[int(key)] = name
    if not labels:
        v.append(Violation("labels", None, "labels", "at least one label -> region", "none"))
    regions = [r for r in dict.fromkeys([*(lab[k] for k in sorted(lab)), *names.values()]) if r is not None]
    if labels and not regions:
        v.append(Violation("labels", None, "labels", "at least one label mapped to a region", "all None"))
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
    if overlaps not in _OVERLAP_MODES:
        v.append(Violation("overlaps", None, "overlaps", f"one of {list(_OVERLAP_MODES)}", overlaps))
    tol_s = _positive(time_tolerance_s)
    if tol_s is None:
        v.append(Violation("time_tolerance_s", None, "time_tolerance_s", "a tolerance in s > 0", time_tolerance_s))
        tol_s = 0.0
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
        image_read = False
        if img_path.is_dir() or (img_path.is_file() and _is_dicom_file(img_path)):
            vol, image_read = _read_dicom(img_path, v, grid_tolerance_mm), True
        elif _is_nifti(img_path):
            vol, image_read = _read_nifti(img_path, "image", v), True
        elif not img_path.exists():
            v.append(Violation(str(img_path), None, "image", "a NIfTI file or a DICOM series folder", "no such file"))
        else:
            v.append(Violation(str(img_path), None, "image", "a NIfTI file (.nii, .nii.gz), a DICOM series folder "
                               "(one file per slice) or a multi-frame DICOM file", img_path.name))
        # ---- time after administration
        t_h = _time_after_administration(a, where, str(img_path), vol, image_read, cycle, starts, manifest, mf,
                                         tol_s, v)
        # ---- the mask
        mvol: _Volume | None = None
        segments: dict[str, np.ndarray] | None = None
        mask_is_dicom = mask_path.is_dir() or (mask_path.is_file() and _is_dicom_file(mask_path))
        if _is_nifti(mask_path):
            mvol = _read_nifti(mask_path, "mask", v)
        elif mask_is_dicom and vol is not None:
            segments = _read_dicom_mask(mask_path, vol, str(img_path), v, grid_tolerance_mm,
                                        frozenset(k for k, r in names.items() if r is None))
        elif mask_is_dicom:
            pass                                     # the image could not be read: no grid to put it on
        elif not mask_path.exists():
            v.append(Violation(str(mask_path), None, "mask", "a NIfTI label map, DICOM SEG or RTSTRUCT",
                               "no such file"))
        else:
            v.append(Violation(str(mask_path), None, "mask", "a NIfTI label map (.nii, .nii.gz), a DICOM SEG or an "
                               "RTSTRUCT file", mask_path.name))
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
        if vol is None or (mvol is None and segments is None):
            continue
        # ---- the regions' voxels, on the image grid (nothing resampled)
        sels: dict[str, np.ndarray] | None
        if mvol is not None:
            sels = _label_map_regions(mvol, vol, str(img_path), str(mask_path), lab, regions, background,
                                      grid_tolerance_mm, v)
        else:
            assert segments is not None
            sels = _segment_regions(segments, str(mask_path), names, regions, v)
        voxel_ml = abs(float(np.linalg.det(vol.affine[:3, :3]))) / 1000.0
        removed: dict[str, int] = {r: 0 for r in regions}
        if sels is not None and mvol is None and overlaps in _OVERLAP_MODES:   # a label map cannot overlap
            resolved = _resolve_overlaps(sels, regions, overlaps, str(mask_path), voxel_ml, v)
            sels, removed = (None, removed) if resolved is None else resolved
        if sels is None or factor is None or t_h is None or not ok:
            continue
        if units not in _COUNT_UNITS:
            factor *= voxel_ml
        for r in regions:
            sel = sels[r]
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
                            float(np.sum(vals[neg])) * factor, removed[r] * voxel_ml, n))
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
