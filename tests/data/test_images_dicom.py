"""read_images on DICOM beyond single-frame series: times from the tags, multi-frame NM and Enhanced
PET volumes, DICOM SEG and RTSTRUCT masks, and no patient field in anything returned or written.

The phantom (organ ellipsoids with known activities, blur, noise) and its derived tolerances are
those of ``test_images.py`` (loaded from that file). Multi-frame files hold the same stored int16
values and slopes as a single-frame series of the same phantom, so the recovered activities must
agree with the single-frame path to float rounding (relative 1e-12), which itself is checked against
the truth in ``test_images.py``; they are also checked here against the truth within the bounds
derived there (spill-out + 5 noise SDs + int16 quantisation).
"""

from __future__ import annotations

import importlib.util
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (EnhancedPETImageStorage, ExplicitVRLittleEndian, NuclearMedicineImageStorage,
                         PositronEmissionTomographyImageStorage, RTStructureSetStorage, generate_uid)

from pkdose.data import Acquisition, read_images, write_measurements, write_region_volumes
from pkdose.errors import InputDataError

_spec = importlib.util.spec_from_file_location("_pkdose_test_images", Path(__file__).with_name("test_images.py"))
assert _spec is not None and _spec.loader is not None
ti = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ti)

PHI = ti.PHI
RSDT = "20240304093000"                       # administration 2024-03-04 09:30:00
ADMIN = datetime(2024, 3, 4, 9, 30)
MANIFEST = ti.MANIFEST                        # P01 cycle 1 administered 2024-03-04T09:30:00


@pytest.fixture(scope="module")
def phantom():
    return ti.Phantom()


def geometry(affine):
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine
    row_dir = lps[:3, 0] / np.linalg.norm(lps[:3, 0])
    col_dir = lps[:3, 1] / np.linalg.norm(lps[:3, 1])
    spacing = [float(np.linalg.norm(lps[:3, 1])), float(np.linalg.norm(lps[:3, 0]))]
    return lps, row_dir, col_dir, spacing


def ds_text(xs):
    return [f"{x + 0.0:.6g}" for x in xs]


def base_dataset(sop_class, modality, uids, tags):
    ds = Dataset()
    for tag, value in PHI.items():
        setattr(ds, tag, value)
    ds.PatientSex, ds.StudyTime, ds.StudyID = "F", "081500", "S1"
    ds.Modality = modality
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = uids
    for tag, value in tags.items():
        setattr(ds, tag, value)
    return ds


def radiopharmaceutical(start=RSDT):
    item = Dataset()
    item.Radiopharmaceutical = "Lu-177 DOTATATE"
    if start is not None:
        item.RadiopharmaceuticalStartDateTime = start
    return DicomSequence([item])


def pixel_module(ds, stored):
    ds.Rows, ds.Columns = stored.shape[-2:]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.PixelData = stored.astype("<i2").tobytes()


def save(ds, path):
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path


def quantise(vol, per_slice=True):
    """int16 stored values (slice-major, DICOM rows x columns) and the slope of each slice."""
    n = vol.shape[2]
    peak = np.array([np.abs(vol[:, :, k]).max() for k in range(n)]) if per_slice else np.full(n, np.abs(vol).max())
    slopes = np.array([float(f"{max(p, 1.0) / 32000:.8e}") for p in peak])
    stored = np.stack([np.round(vol[:, :, k].T / slopes[k]).astype(np.int16) for k in range(n)])
    return stored, slopes


def write_single(folder, stored, slopes, affine=ti.AFFINE, modality="PT", tags=None, uids=None):
    folder.mkdir()
    lps, row_dir, col_dir, spacing = geometry(affine)
    uids = uids or (generate_uid(), generate_uid(), generate_uid())
    sop = PositronEmissionTomographyImageStorage if modality == "PT" else NuclearMedicineImageStorage
    for k in range(stored.shape[0]):
        ds = base_dataset(sop, modality, uids, tags or {})
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = ds_text((lps @ [0.0, 0.0, float(k), 1.0])[:3])
        ds.ImageOrientationPatient = ds_text([*row_dir, *col_dir])
        ds.PixelSpacing = ds_text(spacing)
        ds.SliceThickness = ds_text([np.linalg.norm(lps[:3, 2])])[0]
        ds.RescaleSlope, ds.RescaleIntercept = f"{slopes[k]:.8e}", "0"
        pixel_module(ds, stored[k])
        save(ds, folder / f"IM{k:04d}")
    return uids


def write_nm_multiframe(path, stored, slope, affine=ti.AFFINE, order=None, tags=None, image_type="RECON TOMO"):
    """NM Image, RECON TOMO: frames = slices, listed in ``order`` with SliceVector giving each one's slice."""
    lps, row_dir, col_dir, spacing = geometry(affine)
    n = stored.shape[0]
    order = np.arange(n) if order is None else np.asarray(order)
    ds = base_dataset(NuclearMedicineImageStorage, "NM", (generate_uid(), generate_uid(), generate_uid()),
                      {"Units": "BQML", **(tags or {})})
    ds.ImageType = ["ORIGINAL", "PRIMARY", image_type, "EMISSION"]
    ds.NumberOfFrames = n
    ds.FrameIncrementPointer = [pydicom.tag.Tag("SliceVector")]
    ds.SliceVector = [int(k) + 1 for k in order]
    ds.NumberOfSlices = n
    det = Dataset()
    det.ImagePositionPatient = ds_text(lps[:3, 3])
    det.ImageOrientationPatient = ds_text([*row_dir, *col_dir])
    ds.DetectorInformationSequence = DicomSequence([det])
    ds.PixelSpacing = ds_text(spacing)
    ds.SpacingBetweenSlices = ds_text([np.linalg.norm(lps[:3, 2])])[0]
    ds.SliceThickness = ds.SpacingBetweenSlices
    ds.RescaleSlope, ds.RescaleIntercept = f"{slope:.8e}", "0"
    pixel_module(ds, stored[order])
    return save(ds, path)


def fg(**seqs):
    item = Dataset()
    for name, attrs in seqs.items():
        inner = Dataset()
        for k, x in attrs.items():
            setattr(inner, k, x)
        setattr(item, name, DicomSequence([inner]))
    return item


def write_enhanced_pet(path, stored, slopes, affine=ti.AFFINE, order=None, tags=None, frame_extra=None):
    """Enhanced PET Image: per-frame PlanePosition and PixelValueTransformation, shared orientation/measures."""
    lps, row_dir, col_dir, spacing = geometry(affine)
    n = stored.shape[0]
    order = np.arange(n) if order is None else np.asarray(order)
    ds = base_dataset(EnhancedPETImageStorage, "PT", (generate_uid(), generate_uid(), generate_uid()), tags or {})
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.NumberOfFrames = n
    ds.SharedFunctionalGroupsSequence = DicomSequence([fg(
        PlaneOrientationSequence={"ImageOrientationPatient": ds_text([*row_dir, *col_dir])},
        PixelMeasuresSequence={"PixelSpacing": ds_text(spacing),
                               "SliceThickness": ds_text([np.linalg.norm(lps[:3, 2])])[0]})])
    frames = []
    for i, k in enumerate(order):
        item = fg(PlanePositionSequence={"ImagePositionPatient": ds_text((lps @ [0.0, 0.0, float(k), 1.0])[:3])},
                  PixelValueTransformationSequence={"RescaleSlope": f"{slopes[k]:.8e}", "RescaleIntercept": "0",
                                                    "RescaleType": "BQML"},
                  RealWorldValueMappingSequence={"RealWorldValueSlope": float(f"{slopes[k]:.8e}"),
                                                 "RealWorldValueIntercept": 0.0, "LUTLabel": "BQML",
                                                 "MeasurementUnitsCodeSequence": DicomSequence([fg_code("Bq/ml")])},
                  FrameContentSequence={"FrameAcquisitionDateTime": "20240305093000",
                                        "FrameAcquisitionDuration": 900000.0, "TemporalPositionIndex": 1})
        if frame_extra:
            frame_extra(i, item)
        frames.append(item)
    ds.PerFrameFunctionalGroupsSequence = DicomSequence(frames)
    pixel_module(ds, stored[order])
    return save(ds, path)


def fg_code(value):
    c = Dataset()
    c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning = value, "UCUM", value
    return c


def by_region(df):
    return dict(zip(df["region"], df["activity [MBq]"]))


def leaks(*texts):
    joined = "\n".join(texts)
    return [x for x in PHI.values() if x in joined or x.split("^")[0] in joined]


def written(df, tmp_path, name):
    out = write_measurements(df, tmp_path / f"{name}_m.csv")
    vols = write_region_volumes(df, tmp_path / f"{name}_v.csv")
    return out.read_text() + vols.read_text() + df.to_csv() + repr(df.attrs)


# ------------------------------------------------------------------------------------ small volume
SMALL = np.diag([-4.0, -4.0, 4.0, 1.0])


def small_series(tmp_path, name, modality="PT", tags=None):
    """A 6 x 5 x 3 uniform series at 1 MBq/mL and a NIfTI mask of 2 x 2 x 2 voxels (0.512 MBq)."""
    vol = np.full((6, 5, 3), 1e6)
    stored, slopes = quantise(vol)
    write_single(tmp_path / name, stored, slopes, SMALL, modality, {"Units": "BQML", **(tags or {})})
    mask = np.zeros((6, 5, 3), np.int16)
    mask[1:3, 1:3, 0:2] = 1
    mp = tmp_path / f"{name}_mask.nii.gz"
    if not mp.exists():
        ti.save_nifti(mp, mask, SMALL)
    return tmp_path / name, mp


PET_START = {"DecayCorrection": "START", "SeriesDate": "20240305", "SeriesTime": "093000",
             "AcquisitionDate": "20240305", "AcquisitionTime": "093000",
             "ActualFrameDuration": 900000}             # 15 min


# ------------------------------------------------------------------------------ 1. times from tags
def test_time_after_administration_from_dicom_tags(tmp_path):
    trial = tmp_path / "trial"
    trial.mkdir()
    (trial / "trial.toml").write_text(MANIFEST)
    # PET decay-corrected to the start: series reference time - RadiopharmaceuticalStartDateTime = 24 h
    a, m = small_series(tmp_path, "start", tags={**PET_START,
                                                  "RadiopharmaceuticalInformationSequence": radiopharmaceutical()})
    # PET not decay-corrected: the middle of the 15-min frame -> 24.125 h
    b, _ = small_series(tmp_path, "none", tags={**PET_START, "DecayCorrection": "NONE", "SeriesTime": "080000",
                                                 "RadiopharmaceuticalInformationSequence": radiopharmaceutical()})
    # SPECT (NM): the acquisition start, 96 h; the manifest gives the administration
    c, _ = small_series(tmp_path, "nm", "NM", tags={"AcquisitionDate": "20240308", "AcquisitionTime": "093000",
                                                     "SeriesDate": "20240308", "SeriesTime": "100000"})
    # time zones: DT with an offset and TimezoneOffsetFromUTC on both sides -> 48 h
    d, _ = small_series(tmp_path, "tz", tags={**PET_START, "SeriesDate": "20240306", "SeriesTime": "103000",
                                              "TimezoneOffsetFromUTC": "+0100",
                                              "RadiopharmaceuticalInformationSequence":
                                              radiopharmaceutical("20240304093000+0000")})
    df = read_images([Acquisition("P01", 1, a, m), Acquisition("P01", 1, b, m), Acquisition("P01", 1, d, m)],
                     {1: "liver"})
    assert list(df["time [h]"]) == [24.0, 24.125, 48.0]
    assert by_region(df)["liver"] == pytest.approx(0.512, rel=1e-6)
    # the manifest's start wins and agrees; NM takes the acquisition start
    df = read_images([Acquisition("P01", 1, a, m), Acquisition("P01", 1, c, m)], {1: "liver"}, manifest=trial)
    assert list(df["time [h]"]) == [24.0, 96.0]
    # a row's time wins (acquired is checked against the tags)
    df = read_images([Acquisition("P01", 1, a, m, time_h=23.5),
                      Acquisition("P01", 1, b, m, acquired="2024-03-05T09:31:00")], {1: "liver"})
    assert list(df["time [h]"]) == [23.5, pytest.approx(24.0 + 1 / 60 + 0.125)]
    assert not leaks(df.to_csv())


def test_conflicting_or_missing_times_are_refused_naming_the_tag(tmp_path):
    trial = tmp_path / "trial"
    trial.mkdir()
    (trial / "trial.toml").write_text(MANIFEST)
    late = radiopharmaceutical("20240304113000")                     # 2 h after the manifest's start
    a, m = small_series(tmp_path, "late", tags={**PET_START, "RadiopharmaceuticalInformationSequence": late})
    b, _ = small_series(tmp_path, "noadmin", tags=PET_START)
    c, _ = small_series(tmp_path, "nodecay", tags={k: x for k, x in PET_START.items() if k != "DecayCorrection"})
    two = DicomSequence([*radiopharmaceutical(), *radiopharmaceutical("20240304100000")])
    d, _ = small_series(tmp_path, "two", tags={**PET_START, "RadiopharmaceuticalInformationSequence": two})
    e, _ = small_series(tmp_path, "nodur", tags={**{k: x for k, x in PET_START.items() if k != "ActualFrameDuration"},
                                                 "DecayCorrection": "NONE"})
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, a, m)], {1: "liver"}, manifest=trial)
    (x,) = err.value.violations
    assert (x.file, x.field, x.got) == (str(a), "RadiopharmaceuticalStartDateTime (0018,1078)", "+2 h from it")
    assert "within 120 s" in x.expected
    # within a wider tolerance it passes, and the manifest's start is used
    df = read_images([Acquisition("P01", 1, a, m)], {1: "liver"}, manifest=trial, time_tolerance_s=7201.0)
    assert list(df["time [h]"]) == [24.0]
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, b, m), Acquisition("P01", 1, c, m), Acquisition("P01", 1, d, m),
                     Acquisition("P01", 1, e, m), Acquisition("P01", 1, a, m, acquired="2024-03-05T10:30:00")],
                    {1: "liver"}, manifest=None)
    got = [(x.file, x.field, str(x.got)) for x in err.value.violations]
    assert (str(b), "RadiopharmaceuticalStartDateTime (0018,1078)", "missing") in got
    assert (str(c), "DecayCorrection (0054,1102)", "missing") in got
    assert (str(d), "RadiopharmaceuticalStartDateTime (0018,1078)", "2 different values spanning 0.5 h") in got
    assert (str(e), "ActualFrameDuration (0018,1242)", "missing") in got
    assert ("acquisitions[5]", "acquired", "+3600 s from it") in got
    assert not leaks(str(err.value)) and "20240304" not in str(err.value) and "2024-03-05T09" not in str(err.value)


# ------------------------------------------------------------------------------- 2. multi-frame
def test_multiframe_nm_and_enhanced_pet_equal_the_single_frame_series(tmp_path, phantom):
    img = ti.noisy_concentration(phantom, 21).astype(np.float64)
    mp = ti.save_nifti(tmp_path / "mask.nii.gz", phantom.mask)
    rng = np.random.default_rng(5)
    # NM: one slope for the volume; the same stored values as a single-frame series
    stored, slopes = quantise(img, per_slice=False)
    write_single(tmp_path / "nm_single", stored, slopes, modality="NM", tags={"Units": "BQML"})
    nm = write_nm_multiframe(tmp_path / "nm.dcm", stored, slopes[0], order=rng.permutation(stored.shape[0]))
    # Enhanced PET: a slope per frame, frames in shuffled order
    stored_p, slopes_p = quantise(img)
    write_single(tmp_path / "pet_single", stored_p, slopes_p, tags={"Units": "BQML"})
    (tmp_path / "epet").mkdir()
    pet = write_enhanced_pet(tmp_path / "epet" / "EPET0001", stored_p, slopes_p,
                             order=rng.permutation(stored_p.shape[0]))
    acqs = [Acquisition("SIM-7", 1, p, mp, time_h=24.0 + i) for i, p in
            enumerate((tmp_path / "nm_single", nm, tmp_path / "pet_single", tmp_path / "epet"))]
    df = read_images(acqs, ti.LABELS)
    res = [by_region(df[df["acquisition"] == i]) for i in (1, 2, 3, 4)]
    exp, spill = phantom.expected(ti.A_TRUE)
    for r in ti.REGIONS:
        assert res[1][r] == pytest.approx(res[0][r], rel=1e-12)          # NM multi-frame == single-frame
        assert res[3][r] == pytest.approx(res[2][r], rel=1e-12)          # Enhanced PET == single-frame
        sel = phantom.region_mask[r]
        noise_sd = ti.NOISE_SD * ti.V_ML * 1e-6 * np.sqrt(phantom.n_mask[r])
        for a, sl in ((res[1][r], slopes), (res[3][r], slopes_p)):
            quant = float((sel.sum(axis=(0, 1)) * sl / 2).sum()) * ti.V_ML * 1e-6
            assert -spill[r] - 5 * noise_sd - quant <= a - exp[r] <= 5 * noise_sd + quant, (r, a - exp[r])
    assert len(set(map(tuple, [df[df["acquisition"] == i]["voxels"] for i in (1, 2, 3, 4)]))) == 1
    assert not leaks(written(df, tmp_path, "mf"))
    assert set(df["patient"]) == {"SIM-7"}


def test_multiframe_that_is_not_one_volume_is_refused_naming_the_tag(tmp_path):
    vol = np.full((6, 5, 4), 1e6)
    stored, slopes = quantise(vol)
    ew = write_nm_multiframe(tmp_path / "ew.dcm", stored, slopes[0], tags={"EnergyWindowVector": [1, 2, 1, 2],
                                                                          "NumberOfEnergyWindows": 2})
    gated = write_nm_multiframe(tmp_path / "gated.dcm", stored, slopes[0], image_type="RECON GATED TOMO",
                                tags={"NumberOfTimeSlots": 8})

    def dynamic(i, item):
        item.FrameContentSequence[0].TemporalPositionIndex = 1 + i % 2

    def tilted(i, item):
        if i == 2:
            item.PlaneOrientationSequence = DicomSequence([Dataset()])
            item.PlaneOrientationSequence[0].ImageOrientationPatient = ["1", "0", "0", "0", "0.9950042", "0.0998334"]

    dyn = write_enhanced_pet(tmp_path / "dyn.dcm", stored, slopes, frame_extra=dynamic)
    tilt = write_enhanced_pet(tmp_path / "tilt.dcm", stored, slopes, frame_extra=tilted)
    mask = np.zeros((6, 5, 4), np.int16)
    mask[1:3, 1:3, 1:3] = 1
    mp = ti.save_nifti(tmp_path / "m.nii.gz", mask, SMALL)
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, p, mp, time_h=1.0) for p in (ew, gated, dyn, tilt)], {1: "liver"})
    got = {(x.file, x.field) for x in err.value.violations}
    assert (str(ew), "EnergyWindowVector (0054,0010)") in got
    assert (str(gated), "ImageType (0008,0008) value 3") in got
    assert (str(gated), "NumberOfTimeSlots (0054,0071)") in got
    assert (str(dyn), "FrameContentSequence/TemporalPositionIndex (0020,9128)") in got
    assert (str(tilt), "PlaneOrientationSequence/ImageOrientationPatient") in got
    assert not leaks(str(err.value))


def test_enhanced_pet_times_from_decay_correction_datetime(tmp_path):
    vol = np.full((6, 5, 4), 1e6)
    stored, slopes = quantise(vol)
    tags = {"DecayCorrected": "YES", "DecayCorrectionDateTime": "20240305093000",
            "RadiopharmaceuticalInformationSequence": radiopharmaceutical()}
    yes = write_enhanced_pet(tmp_path / "yes.dcm", stored, slopes, affine=SMALL, tags=tags)
    no = write_enhanced_pet(tmp_path / "no.dcm", stored, slopes, affine=SMALL, tags={**tags, "DecayCorrected": "NO"})
    mask = np.zeros((6, 5, 4), np.int16)
    mask[1:3, 1:3, 1:3] = 1
    mp = ti.save_nifti(tmp_path / "m.nii.gz", mask, SMALL)
    df = read_images([Acquisition("P01", 1, yes, mp), Acquisition("P01", 1, no, mp)], {1: "liver"})
    assert list(df["time [h]"]) == [24.0, 24.125]                       # frame 15 min: + 7.5 min if not corrected
    assert list(df["activity [MBq]"]) == [pytest.approx(0.512, rel=1e-6)] * 2


# -------------------------------------------------------------------------------- 3. DICOM SEG
SEGMENTS = {1: "liver", 2: "kidney_right", 3: "kidney_left", 5: "tumour"}
SEG_LABELS = {"liver": "liver", "kidney_right": "kidneys", "kidney_left": "kidneys", "tumour": "tumour_1"}


def write_seg(path, source_folder, mask, segments=SEGMENTS, fractional=None, frame_uid=None):
    """mask: a label map (segment k is ``mask == k``) or {segment number: boolean volume} (may overlap)."""
    import highdicom as hd      # test extra (pyproject): writes the SEG; a missing install fails, never skips
    from pydicom.sr.codedict import codes

    sources = [pydicom.dcmread(p) for p in sorted(source_folder.iterdir())]
    sources.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
    zs = [float(ds.ImagePositionPatient[2]) for ds in sources]
    k_of = [int(round((z - zs[0]) / (zs[1] - zs[0]))) for z in zs]
    seg_of = mask.__getitem__ if isinstance(mask, dict) else (lambda lab: mask == lab)
    arr = np.stack([np.stack([seg_of(lab)[:, :, k].T for lab in segments], axis=-1) for k in k_of]).astype(np.uint8)
    if fractional is not None:
        arr = arr.astype(float) * fractional
    descriptions = [hd.seg.SegmentDescription(
        segment_number=i + 1, segment_label=name, segmented_property_category=codes.SCT.Organ,
        segmented_property_type=codes.SCT.Organ, algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
        for i, name in enumerate(segments.values())]
    seg = hd.seg.Segmentation(
        source_images=sources, pixel_array=arr,
        segmentation_type=(hd.seg.SegmentationTypeValues.FRACTIONAL if fractional is not None
                           else hd.seg.SegmentationTypeValues.BINARY),
        segment_descriptions=descriptions, series_instance_uid=generate_uid(), series_number=10,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="pkdose tests",
        manufacturer_model_name="synthetic", software_versions="0", device_serial_number="0")
    if frame_uid is not None:
        seg.FrameOfReferenceUID = frame_uid
    seg.save_as(path)
    return path


def test_dicom_seg_mask_equals_the_label_map_and_leaks_nothing(tmp_path, phantom):
    img = ti.noisy_concentration(phantom, 31).astype(np.float64)
    stored, slopes = quantise(img)
    write_single(tmp_path / "pet", stored, slopes, tags={"Units": "BQML"})
    seg = write_seg(tmp_path / "seg.dcm", tmp_path / "pet", phantom.mask)
    mp = ti.save_nifti(tmp_path / "mask.nii.gz", phantom.mask)
    df = read_images([Acquisition("SIM-7", 1, tmp_path / "pet", seg, time_h=24.0),
                      Acquisition("SIM-7", 1, tmp_path / "pet", mp, time_h=48.0)], {**SEG_LABELS, **ti.LABELS})
    a, b = df[df["acquisition"] == 1], df[df["acquisition"] == 2]
    assert list(a["region"]) == list(b["region"]) == list(ti.REGIONS)
    np.testing.assert_array_equal(a["voxels"], b["voxels"])
    np.testing.assert_allclose(a["activity [MBq]"], b["activity [MBq]"], rtol=1e-12)
    assert not leaks(written(df, tmp_path, "seg"))
    # a thresholded FRACTIONAL SEG (only 0 and the maximum) reads the same; soft fractions are refused
    hard = write_seg(tmp_path / "hard.dcm", tmp_path / "pet", phantom.mask, fractional=1.0)
    soft = write_seg(tmp_path / "soft.dcm", tmp_path / "pet", phantom.mask, fractional=0.6)
    df2 = read_images([Acquisition("SIM-7", 1, tmp_path / "pet", hard, time_h=24.0)], SEG_LABELS)
    np.testing.assert_allclose(df2["activity [MBq]"], a["activity [MBq]"], rtol=1e-12)
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("SIM-7", 1, tmp_path / "pet", soft, time_h=24.0),
                     Acquisition("SIM-7", 1, tmp_path / "pet", seg, time_h=48.0)],
                    {"liver": "liver", "kidney_right": "kidneys", "tumour": "tumour_1", "spleen": "spleen"})
    got = [(x.file, x.field, str(x.got)) for x in err.value.violations]
    assert got[0][:2] == (str(soft), "SegmentationType (0062,0001)") and "strictly between 0 and" in got[0][2]
    assert (str(seg), "labels", "unmapped names ['kidney_left']") in got           # never silently dropped
    assert (str(seg), "labels", "absent or empty ['spleen (spleen)']") in got
    assert not leaks(str(err.value))


def test_dicom_seg_on_another_frame_of_reference_or_grid_is_refused(tmp_path, phantom):
    img = phantom.image(ti.A_TRUE)
    stored, slopes = quantise(img)
    write_single(tmp_path / "pet", stored, slopes, tags={"Units": "BQML"})
    other = write_seg(tmp_path / "other.dcm", tmp_path / "pet", phantom.mask, frame_uid=generate_uid())
    shifted = ti.AFFINE.copy()
    shifted[0, 3] += 2.0
    write_single(tmp_path / "pet_shifted", stored, slopes, affine=shifted, tags={"Units": "BQML"})
    off = write_seg(tmp_path / "off.dcm", tmp_path / "pet_shifted", phantom.mask)
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, tmp_path / "pet", other, time_h=1.0)], SEG_LABELS)
    assert [(x.field, x.got) for x in err.value.violations] == [("FrameOfReferenceUID", "a different frame of "
                                                                                       "reference")]
    # same frame of reference, half a voxel off: refused (nothing is resampled)
    ds = pydicom.dcmread(off)
    ds.FrameOfReferenceUID = pydicom.dcmread(next((tmp_path / "pet").iterdir())).FrameOfReferenceUID
    ds.save_as(off)
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, tmp_path / "pet", off, time_h=1.0)], SEG_LABELS)
    assert "off by up to 2 mm" in str(err.value.violations[0].got)


# ----------------------------------------------------------------------------------- RTSTRUCT
GRID = np.array([[-2.0, 0, 0, 40.3], [0, -2.0, 0, 38.7], [0, 0, 3.0, -12.0], [0, 0, 0, 1]])   # 2 x 2 x 3 mm
GRID_SHAPE = (40, 36, 10)


def ellipse(cx, cy, a, b, n):
    t = 2 * np.pi * np.arange(n) / n
    return cx + a * np.cos(t), cy + b * np.sin(t)


def write_rtstruct(path, frame_uid, rois, frame_uid_roi=None, kind="CLOSED_PLANAR"):
    """rois: {name: [(xs, ys, z), ...]} in LPS mm."""
    ds = base_dataset(RTStructureSetStorage, "RTSTRUCT", (generate_uid(), generate_uid(), frame_uid), {})
    del ds.FrameOfReferenceUID
    ds.StructureSetLabel = "organs"
    ssroi, roic = [], []
    for number, (name, contours) in enumerate(rois.items(), start=1):
        item = Dataset()
        item.ROINumber, item.ROIName = number, name
        item.ReferencedFrameOfReferenceUID = frame_uid_roi or frame_uid
        item.ROIGenerationAlgorithm = "MANUAL"
        ssroi.append(item)
        rc = Dataset()
        rc.ReferencedROINumber = number
        seq = []
        for xs, ys, z in contours:
            c = Dataset()
            c.ContourGeometricType = kind
            c.NumberOfContourPoints = len(xs)
            c.ContourData = [f"{v:.6f}" for p in zip(xs, ys, np.full(len(xs), z)) for v in p]
            seq.append(c)
        rc.ContourSequence = DicomSequence(seq)
        roic.append(rc)
    ds.StructureSetROISequence = DicomSequence(ssroi)
    ds.ROIContourSequence = DicomSequence(roic)
    return save(ds, path)


def test_rtstruct_ellipse_volume_within_the_lattice_bound(tmp_path):
    c_bq_ml = 2.5e5
    stored, slopes = quantise(np.full(GRID_SHAPE, c_bq_ml))
    uids = write_single(tmp_path / "spect", stored, slopes, GRID, "NM", {"Units": "BQML"})
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ GRID
    a_mm, b_mm, n_pts = 23.3, 15.7, 720
    cx, cy = lps[0, 3] + 40.1, lps[1, 3] + 33.9                        # no voxel centre on the outline
    slices = range(2, 8)
    zs = [float((lps @ [0, 0, k, 1])[2]) for k in slices]
    xs, ys = ellipse(cx, cy, a_mm, b_mm, n_pts)
    hx, hy = ellipse(cx, cy, 6.0, 5.0, n_pts)                           # a hole in one slice (even-odd rule)
    rois = {"Liver": [(xs, ys, z) for z in zs], "Hole": [(xs, ys, zs[0]), (hx, hy, zs[0])],
            "BODY": [(xs * 1.2, ys * 1.2, z) for z in zs]}
    rs = write_rtstruct(tmp_path / "rs.dcm", uids[2], rois)
    acq = [Acquisition("P01", 1, tmp_path / "spect", rs, time_h=4.0)]
    df = read_images(acq, {"Liver": "liver", "Hole": None, "BODY": None})
    liver = df[df["region"] == "liver"].iloc[0]
    ring = read_images(acq, {"Liver": None, "Hole": "ring", "BODY": None}).iloc[0]    # ring and liver overlap
    # Lattice bound: pixel centres inside a convex polygon K (area A, perimeter P; pixel side s, half-diagonal
    # r = s/sqrt(2)): N s^2 <= A + P r + pi r^2 (their pixels lie in K dilated by r) and N s^2 >= A - P r
    # (K eroded by r is covered by pixels whose centres lie in K).
    px = np.append(xs, xs[0])
    py = np.append(ys, ys[0])
    area = 0.5 * abs(np.dot(xs, np.roll(ys, -1)) - np.dot(np.roll(xs, -1), ys))
    perim = float(np.sum(np.hypot(np.diff(px), np.diff(py))))
    s, dz, r = 2.0, 3.0, 2.0 / np.sqrt(2.0)
    n_slices = len(zs)
    lo, hi = n_slices * (area - perim * r) / s**2, n_slices * (area + perim * r + np.pi * r**2) / s**2
    assert lo <= liver["voxels"] <= hi, (lo, liver["voxels"], hi)
    # the inscribed 720-gon's area differs from pi a b by the factor sin(2 pi/n) / (2 pi/n)
    analytic_ml = np.pi * a_mm * b_mm * dz * n_slices / 1000.0
    assert area == pytest.approx(np.pi * a_mm * b_mm * math.sin(2 * np.pi / n_pts) / (2 * np.pi / n_pts), rel=1e-12)
    rel_bound = (perim * r + np.pi * r**2) / area + (1 - math.sin(2 * np.pi / n_pts) / (2 * np.pi / n_pts))
    assert abs(liver["volume [mL]"] / analytic_ml - 1) <= rel_bound
    print(f"RTSTRUCT ellipse: {liver['voxels']} voxels, {liver['volume [mL]']:.4f} mL vs analytic "
          f"{analytic_ml:.4f} mL ({liver['volume [mL]'] / analytic_ml - 1:+.3%}; bound {rel_bound:.2%})")
    # the activity is the concentration times the voxels' volume (uniform image)
    assert liver["activity [MBq]"] == pytest.approx(c_bq_ml * 1e-6 * liver["volume [mL]"], rel=1e-6)
    assert liver["voxels"] % n_slices == 0                              # the same outline on every slice
    hole = int(liver["voxels"]) // n_slices - int(ring["voxels"])       # even-odd: the inner contour is cut out
    h_area = 0.5 * abs(np.dot(hx, np.roll(hy, -1)) - np.dot(np.roll(hx, -1), hy))
    h_perim = float(np.sum(np.hypot(np.diff(np.append(hx, hx[0])), np.diff(np.append(hy, hy[0])))))
    assert (h_area - h_perim * r) / s**2 <= hole <= (h_area + h_perim * r + np.pi * r**2) / s**2, hole
    assert not leaks(written(df, tmp_path, "rs"))


def test_rtstruct_refusals_name_the_roi_and_tag(tmp_path):
    stored, slopes = quantise(np.full(GRID_SHAPE, 1e5))
    uids = write_single(tmp_path / "spect", stored, slopes, GRID, "NM", {"Units": "BQML"})
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ GRID
    xs, ys = ellipse(lps[0, 3] + 40.1, lps[1, 3] + 33.9, 20.0, 12.0, 90)
    z3 = float((lps @ [0, 0, 3, 1])[2])
    between = write_rtstruct(tmp_path / "between.dcm", uids[2], {"Liver": [(xs, ys, z3 + 1.5)]})
    points = write_rtstruct(tmp_path / "points.dcm", uids[2], {"Liver": [(xs, ys, z3)]}, kind="POINT")
    other = write_rtstruct(tmp_path / "other.dcm", uids[2], {"Liver": [(xs, ys, z3)]}, frame_uid_roi=generate_uid())
    extra = write_rtstruct(tmp_path / "extra.dcm", uids[2], {"Liver": [(xs, ys, z3)], "PTV": [(xs, ys, z3)]})
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, tmp_path / "spect", p, time_h=4.0) for p in (between, points, other, extra)],
                    {"Liver": "liver"})
    got = [(x.file, x.field, str(x.got)) for x in err.value.violations]
    assert {(str(between), "ROI 'Liver' contour 1: ContourData", f"points up to 1.5 mm from the slice at index {k}")
            for k in (3, 4)} & set(got)                                 # halfway: either neighbour, 1.5 mm off
    assert (str(points), "ROI 'Liver' contour 1: ContourGeometricType (3006,0042)", "POINT") in got
    assert (str(other), "ROI 'Liver': ReferencedFrameOfReferenceUID", "a different frame of reference") in got
    assert (str(extra), "labels", "unmapped names ['PTV']") in got
    assert not leaks(str(err.value))


# ---------------------------------------------- RTSTRUCT/SEG: exact voxels, image extent, overlaps
LPS_GRID = np.diag([-1.0, -1.0, 1.0, 1.0]) @ GRID
GRID_VOXEL_ML = 2.0 * 2.0 * 3.0 / 1000.0


def write_index_series(folder):
    """NM series on GRID whose voxel value [Bq/mL] encodes its index: 1 + i + 40 j + 1440 k (distinct per voxel,
    exact in int16 with RescaleSlope 1), so a region's activity tells which voxels it holds."""
    i, j, k = np.indices(GRID_SHAPE)
    vol = (1 + i + 40 * j + 1440 * k).astype(float)
    stored = np.stack([vol[:, :, n].T for n in range(GRID_SHAPE[2])]).astype(np.int16)
    return vol, write_single(folder, stored, np.ones(GRID_SHAPE[2]), GRID, "PT", {"Units": "BQML"})


def slice_z(k):
    return float((LPS_GRID @ [0.0, 0.0, k, 1.0])[2])


def winding_inside(xs, ys, px, py):
    """Points inside the closed polygon by the winding number (the angles its edges subtend sum to +-2 pi
    inside, 0 outside): an algorithm independent of the reader's even-odd crossing count."""
    ax, ay = xs[:, None] - px.ravel(), ys[:, None] - py.ravel()
    bx, by = np.roll(xs, -1)[:, None] - px.ravel(), np.roll(ys, -1)[:, None] - py.ravel()
    angle = np.arctan2(ax * by - ay * bx, ax * bx + ay * by).sum(axis=0)
    return (np.abs(angle) > np.pi).reshape(px.shape)


def centres_inside(contours, shift=(0.0, 0.0)):
    """Voxels of GRID whose centre (the writer's DICOM geometry, LPS mm) lies inside its slice's contour.

    contours: {k: (xs, ys)} in LPS mm, one simple polygon per slice; shift moves the centres [mm]."""
    sel = np.zeros(GRID_SHAPE, bool)
    i, j = np.indices(GRID_SHAPE[:2])
    for k, (xs, ys) in contours.items():
        c = np.einsum("ab,bij->aij", LPS_GRID, np.stack([i, j, np.full_like(i, k), np.ones_like(i)]).astype(float))
        sel[:, :, k] = winding_inside(np.asarray(xs), np.asarray(ys), c[0] + shift[0], c[1] + shift[1])
    return sel


def square(ci, cj, half_mm):
    """A square (LPS mm) of side 2 half_mm centred on the voxel centre (ci, cj) of a slice."""
    c = LPS_GRID @ [ci, cj, 0.0, 1.0]
    return c[0] + np.array([-half_mm, half_mm, half_mm, -half_mm]), c[1] + np.array([-half_mm, -half_mm, half_mm,
                                                                                     half_mm])


def test_rtstruct_roi_sums_exactly_the_voxels_whose_centres_are_inside(tmp_path):
    vol, uids = write_index_series(tmp_path / "spect")
    # a non-convex outline (an L with a slanted notch), off-centre, turned and moved from slice to slice
    base = np.array([[0, 0], [17.3, 0], [17.3, 5.1], [9.4, 7.9], [6.2, 5.6], [6.2, 13.9], [0, 13.9]])
    contours = {}
    for n, k in enumerate((2, 3, 5)):                                   # none on slice 4: empty there
        t = np.deg2rad(17.0 + 11.0 * n)
        xy = base @ np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]]) + [-21.4 + 1.3 * n, 4.75 - 2.2 * n]
        contours[k] = (xy[:, 0], xy[:, 1])
    sel = centres_inside(contours)
    for d in ((0.02, 0), (-0.02, 0), (0, 0.02), (0, -0.02)):             # no centre within 0.02 mm of the outline
        np.testing.assert_array_equal(centres_inside(contours, d), sel)
    rs = write_rtstruct(tmp_path / "rs.dcm", uids[2], {"Lesion": [(xs, ys, slice_z(k))
                                                                  for k, (xs, ys) in contours.items()]})
    row = read_images([Acquisition("P01", 1, tmp_path / "spect", rs, time_h=4.0)], {"Lesion": "tumour_1"}).iloc[0]
    want = float(vol[sel].sum()) * GRID_VOXEL_ML * 1e-6
    assert row["voxels"] == sel.sum() and not sel[:, :, 4].any()
    assert row["activity [MBq]"] == pytest.approx(want, rel=1e-12)
    # the check has power: the usual mistakes select other voxels, hence another sum
    i, j, k = np.nonzero(sel)
    mistakes = {"half-voxel shift in i": vol[centres_inside(contours, (1.0, 0.0))].sum(),
                "half-voxel shift in j": vol[centres_inside(contours, (0.0, 1.0))].sum(),
                "i and j swapped": np.sum(1 + j + 40 * i + 1440 * k),
                "x not negated (LPS read as RAS)": vol[centres_inside({k: (-xs, ys) for k, (xs, ys)
                                                                      in contours.items()})].sum(),
                "y not negated": vol[centres_inside({k: (xs, -ys) for k, (xs, ys) in contours.items()})].sum()}
    for mistake, total in mistakes.items():
        assert abs(total * GRID_VOXEL_ML * 1e-6 / want - 1) > 1e-3, mistake


def test_rtstruct_contour_outside_the_image_is_refused_not_clipped(tmp_path):
    vol, uids = write_index_series(tmp_path / "spect")
    c0 = LPS_GRID @ [0.0, 5.0, 0.0, 1.0]                                 # voxel column i = 0
    half_out = (c0[0] + np.array([-20.0, 3.0, 3.0, -20.0]), c0[1] + np.array([-3.0, -3.0, 3.0, 3.0]))   # i -10..1.5
    xs, ys = square(20, 34, 4.0)                                         # j 32..36: 1 mm beyond j = 35.5
    rois = {"Edge": [(*half_out, slice_z(4))],
            "Far": [(half_out[0] - 500.0, half_out[1], slice_z(4))],     # wholly outside: refused, not "empty"
            "Top": [(xs, ys, slice_z(2))],
            "Beyond": [(*square(20, 20, 4.0), slice_z(GRID_SHAPE[2]))],   # the plane after the last slice
            "Inside": [(c0[0] + np.array([-0.9, 3.0, 3.0, -0.9]), half_out[1], slice_z(4)),     # i from -0.45
                       (c0[0] + np.array([-1.05, 3.0, 3.0, -1.05]), half_out[1], slice_z(6))]}  # 0.05 mm over
    rs = write_rtstruct(tmp_path / "rs.dcm", uids[2], rois)
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, tmp_path / "spect", rs, time_h=4.0)], {n: n.lower() for n in rois})
    got = [(x.file, x.field, str(x.got)) for x in err.value.violations]
    assert got == [(str(rs), "ROI 'Edge' contour 1: ContourData",
                    "points up to 19 mm outside the image (voxel index i from -10 to 1.5)"),
                   (str(rs), "ROI 'Far' contour 1: ContourData",
                    "points up to 519 mm outside the image (voxel index i from -260 to -248.5)"),
                   (str(rs), "ROI 'Top' contour 1: ContourData",
                    "points up to 1 mm outside the image (voxel index j from 32 to 36)"),
                   (str(rs), "ROI 'Beyond' contour 1: ContourData",
                    "points up to 1.5 mm outside the image (slice index 10)")]
    assert "within 0.1 mm (voxel indices i in [-0.5, 39.5], j in [-0.5, 35.5], slices 0..9" in \
        err.value.violations[0].expected
    # a contour reaching into the outer half of an edge voxel, or beyond it within grid_tolerance_mm, is read
    inside = write_rtstruct(tmp_path / "inside.dcm", uids[2], {"Inside": rois["Inside"]})
    row = read_images([Acquisition("P01", 1, tmp_path / "spect", inside, time_h=4.0)], {"Inside": "x"}).iloc[0]
    sel = centres_inside({4: rois["Inside"][0][:2], 6: rois["Inside"][1][:2]})
    assert row["voxels"] == sel.sum() == 12
    assert row["activity [MBq]"] == pytest.approx(vol[sel].sum() * GRID_VOXEL_ML * 1e-6, rel=1e-12)
    # an ROI the caller leaves out (mapped to None, e.g. a couch reaching beyond the image) is not read
    both = write_rtstruct(tmp_path / "both.dcm", uids[2], {"Inside": rois["Inside"], "Couch": rois["Far"]})
    rows = read_images([Acquisition("P01", 1, tmp_path / "spect", both, time_h=4.0)], {"Inside": "x", "Couch": None})
    assert rows["region"].tolist() == ["x"] and rows.iloc[0]["voxels"] == 12


OVERLAP_LABELS = {"Liver": "liver", "Lesion": "tumour_1", "Spleen": "spleen", "BODY": "whole_body"}


def overlapping_rois():
    """Liver (2 slices of 9 x 9) holding a 3 x 3 lesion, a 5 x 5 spleen sharing 5 voxels with it, a body around all."""
    return {"Liver": {3: square(12, 12, 9.0), 4: square(12, 12, 9.0)}, "Lesion": {3: square(14, 13, 3.0)},
            "Spleen": {4: square(18, 12, 5.0)}, "BODY": {k: square(15, 15, 29.0) for k in (2, 3, 4, 5)}}


def write_overlapping(tmp_path):
    vol, uids = write_index_series(tmp_path / "spect")
    rois = overlapping_rois()
    rs = write_rtstruct(tmp_path / "rs.dcm", uids[2], {n: [(xs, ys, slice_z(k)) for k, (xs, ys) in c.items()]
                                                       for n, c in rois.items()})
    masks = {n: centres_inside(c) for n, c in rois.items()}
    seg = write_seg(tmp_path / "seg.dcm", tmp_path / "spect", {i + 1: masks[n] for i, n in enumerate(rois)},
                    segments={i + 1: n for i, n in enumerate(rois)})
    return vol, masks, rs, seg


def test_overlapping_rtstruct_and_seg_regions_are_refused_listing_each_pair(tmp_path):
    vol, masks, rs, seg = write_overlapping(tmp_path)
    assert [masks[n].sum() for n in ("Liver", "Lesion", "Spleen")] == [162, 9, 25]
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, tmp_path / "spect", m, time_h=t) for m, t in ((rs, 4.0), (seg, 8.0))],
                    OVERLAP_LABELS)
    got = [(x.file, x.field, str(x.got)) for x in err.value.violations]
    assert got == [(str(m), f"overlap of regions 'liver' and {r!r}", f"{n} shared voxels ({mL} mL)")
                   for m in (rs, seg) for r, n, mL in (("tumour_1", 9, "0.108"), ("spleen", 5, "0.06"))]
    assert "'whole_body' or 'body' may hold the others" in err.value.violations[0].expected
    # the body alone overlapping everything is not an overlap; nor are two ROIs mapped to one region
    df = read_images([Acquisition("P01", 1, tmp_path / "spect", rs, time_h=4.0)],
                     {"Liver": "liver", "Lesion": "liver", "Spleen": None, "BODY": "body"})
    assert list(df["voxels"]) == [162, masks["BODY"].sum()] and list(df["overlap_removed [mL]"]) == [0.0, 0.0]
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, tmp_path / "spect", rs, time_h=4.0)], OVERLAP_LABELS, overlaps="largest")
    assert [(x.field, x.got) for x in err.value.violations] == [("overlaps", "largest")]


def test_overlaps_smaller_gives_shared_voxels_to_the_smaller_region_and_conserves_activity(tmp_path):
    vol, masks, rs, seg = write_overlapping(tmp_path)
    df = read_images([Acquisition("P01", 1, tmp_path / "spect", m, time_h=t) for m, t in ((rs, 4.0), (seg, 8.0))],
                     OVERLAP_LABELS, overlaps="smaller")
    liver, lesion, spleen, body = (masks[n] for n in ("Liver", "Lesion", "Spleen", "BODY"))
    kept = {"liver": liver & ~lesion & ~spleen, "tumour_1": lesion, "spleen": spleen, "whole_body": body}
    mbq = GRID_VOXEL_ML * 1e-6
    for n in (1, 2):                                                    # RTSTRUCT and SEG agree
        a = df[df["acquisition"] == n].set_index("region")
        assert list(a.index) == list(kept)
        for r, sel in kept.items():
            assert a.loc[r, "voxels"] == sel.sum()
            assert a.loc[r, "activity [MBq]"] == pytest.approx(vol[sel].sum() * mbq, rel=1e-12)
        assert a["overlap_removed [mL]"].to_dict() == pytest.approx({"liver": 14 * GRID_VOXEL_ML, "tumour_1": 0.0,
                                                                     "spleen": 0.0, "whole_body": 0.0}, rel=1e-12)
        assert a.loc["liver", "volume [mL]"] == pytest.approx(148 * GRID_VOXEL_ML, rel=1e-12)
        # conservation: the regions' activities add up to the activity of their union, counted once
        organs = a.loc[["liver", "tumour_1", "spleen"], "activity [MBq]"].sum()
        assert organs == pytest.approx(vol[liver | lesion | spleen].sum() * mbq, rel=1e-12)
        assert a.loc["whole_body", "activity [MBq]"] > organs          # the body is kept whole
    # equal sizes: the first region in label order keeps the voxels; a region left empty is refused
    frame_uid = pydicom.dcmread(next((tmp_path / "spect").iterdir())).FrameOfReferenceUID
    twin = write_rtstruct(tmp_path / "twin.dcm", frame_uid,
                          {"A": [(*square(12, 12, 3.0), slice_z(3))], "B": [(*square(12, 12, 3.0), slice_z(3))]})
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, tmp_path / "spect", twin, time_h=4.0)], {"A": "a", "B": "b"},
                    overlaps="smaller")
    assert [(x.field, x.got) for x in err.value.violations] == [("overlap of region 'b'",
                                                                 "all 9 voxels inside smaller regions")]
