"""read_images: synthetic SPECT/PET phantoms (NIfTI and DICOM) with known organ activities.

The phantom
-----------
A 64 x 56 x 48 grid of 4 mm voxels (v = 0.064 mL; the in-plane sizes differ so that a transposed
DICOM slice cannot pass) holds a body (a rounded box) at a uniform background concentration ``c_bg`` and
organ ellipsoids (liver, two kidneys -> region "kidneys", a tumour) at concentrations ``c_k`` chosen
so that organ k holds exactly A_k (A_k = c_k N_k v, N_k its voxels). The image is that map blurred
with a Gaussian of FWHM 10 mm (sigma = 1.0616 voxels; ``scipy.ndimage.gaussian_filter``, kernel
truncated at 4 sigma = 4 voxels and normalised) plus noise. Each organ's mask is the organ dilated
by a margin of m = 4 voxels (16 mm: every voxel within Euclidean distance m of an organ voxel).

Tolerance (derivation)
----------------------
Blurring is linear, so the sum over mask M_k of the noiseless image is
    E_k = c_bg n(M_k) v  +  (c_k - c_bg) N_k v (1 - f_k),
because (i) the blurred background equals c_bg exactly on every mask voxel (every mask voxel is more
than the kernel's reach inside the body: checked below), (ii) no other organ's blurred contrast
reaches M_k (checked below: it is exactly zero there), and (iii) a fraction f_k of organ k's
contrast lands outside M_k. A voxel's activity can leave M_k only through kernel offsets longer
than m, so 0 <= f_k <= P_out = sum of the discrete 3-D kernel's weights at |offset| > m
(computed exactly below: about 2.7e-3). Hence, with A_k = c_k N_k v,
    A_k + c_bg (n(M_k) - N_k) v - E_k  in  [0, (c_k - c_bg) N_k v P_out].
Noise: Gaussian i.i.d. noise of SD s per voxel adds SD s v sqrt(n(M_k)) to the sum; Poisson counts
add SD sqrt(sum of the expected counts) / (T S). The test allows the spill bound plus 5 noise SDs
(a false failure has probability < 1e-6 per comparison; the seeds are fixed anyway). The reader's
arithmetic itself is checked exactly against numpy on the same voxels (relative 1e-9), and the DICOM
reading against the NIfTI reading within the int16 quantisation: |error| <= sum over slices of
n(M_k in slice) x slope / 2 x v.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, PositronEmissionTomographyImageStorage, generate_uid
from scipy import ndimage

from pkdose.data import Acquisition, read_images, read_trial, write_measurements, write_region_volumes
from pkdose.data.images import IMAGE_COLUMNS, MEASUREMENT_COLUMNS, SOFT_TISSUE_DENSITY_G_PER_ML
from pkdose.errors import InputDataError

SHAPE = (64, 56, 48)
VOXEL_MM = 4.0
V_ML = VOXEL_MM ** 3 / 1000.0
AFFINE = np.array([[-VOXEL_MM, 0, 0, 126.0], [0, -VOXEL_MM, 0, 110.0], [0, 0, VOXEL_MM, -94.0], [0, 0, 0, 1]])
SIGMA_VOX = 10.0 / (2.0 * np.sqrt(2.0 * np.log(2.0))) / VOXEL_MM      # FWHM 10 mm
MARGIN_VOX = 4
# label -> (region, centre [voxels], semi-axes [voxels])
ORGANS = {1: ("liver", (18, 36, 24), (7, 8, 7)),
          2: ("kidneys", (44, 40, 24), (3, 4, 5)),
          3: ("kidneys", (44, 16, 24), (3, 4, 5)),
          5: ("tumour_1", (18, 14, 24), (3, 3, 3))}
LABELS = {k: r for k, (r, _, _) in ORGANS.items()}
REGIONS = ("liver", "kidneys", "tumour_1")
A_TRUE = {"liver": 120.0, "kidneys": 60.0, "tumour_1": 25.0}      # MBq at the reference time
C_BG = 20e3                                                        # Bq/mL
NOISE_SD = 20e3                                                    # Bq/mL per voxel
PHI = {"PatientName": "DOE^JANE^Q", "PatientID": "MRN-99887766", "PatientBirthDate": "19610203",
       "OtherPatientIDs": "NHS-4857773456", "InstitutionName": "St Elsewhere Hospital",
       "ReferringPhysicianName": "HOUSE^GREGORY", "AccessionNumber": "ACC5551234",
       "PatientAddress": "12 Privet Drive", "StudyDate": "20240305"}


def ellipsoid(centre, semi, power=2):
    g = np.indices(SHAPE, dtype=float)
    return sum(np.abs((g[i] - centre[i]) / semi[i]) ** power for i in range(3)) <= 1.0


def kernel_mass_beyond(sigma, radius, truncate=4.0):
    """Weight of scipy's discrete, truncated, normalised 3-D Gaussian at offsets longer than *radius*."""
    r = int(truncate * sigma + 0.5)
    x = np.arange(-r, r + 1, dtype=float)
    w = np.exp(-0.5 * (x / sigma) ** 2)
    w /= w.sum()
    w3 = w[:, None, None] * w[None, :, None] * w[None, None, :]
    d = np.sqrt(x[:, None, None] ** 2 + x[None, :, None] ** 2 + x[None, None, :] ** 2)
    return float(w3[d > radius].sum())


class Phantom:
    """Blurred unit images of the body and of each region's contrast, the label mask, and bounds."""

    def __init__(self):
        self.body = ellipsoid((31.5, 27.5, 23.5), (30, 26, 22), power=4)   # a rounded box
        self.organ = {r: np.zeros(SHAPE, bool) for r in REGIONS}
        self.mask = np.zeros(SHAPE, np.int16)
        for label, (region, centre, semi) in ORGANS.items():
            o = ellipsoid(centre, semi)
            self.organ[region] |= o
            m = ndimage.distance_transform_edt(~o) <= MARGIN_VOX
            assert not np.any(self.mask[m]), "organ masks overlap"            # precondition
            self.mask[m] = label
        self.region_mask = {r: np.isin(self.mask, [k for k in LABELS if LABELS[k] == r]) for r in REGIONS}
        blur = lambda a: ndimage.gaussian_filter(a.astype(float), SIGMA_VOX, mode="constant", truncate=4.0)  # noqa: E731
        self.b_body = blur(self.body)
        self.b_organ = {r: blur(self.organ[r]) for r in REGIONS}
        # preconditions of the derivation: uniform background on every mask voxel, no spill-in
        allm = self.mask > 0
        np.testing.assert_allclose(self.b_body[allm], 1.0, rtol=0, atol=1e-12)
        for r in REGIONS:
            for q in REGIONS:
                if q != r:
                    assert np.all(self.b_organ[q][self.region_mask[r]] == 0.0), (q, r)
        self.p_out = kernel_mass_beyond(SIGMA_VOX, MARGIN_VOX)
        self.n_organ = {r: int(self.organ[r].sum()) for r in REGIONS}
        self.n_mask = {r: int(self.region_mask[r].sum()) for r in REGIONS}

    def conc(self, activities):
        """Organ concentrations [Bq/mL] giving the organ activities [MBq]."""
        return {r: activities[r] * 1e6 / (self.n_organ[r] * V_ML) for r in REGIONS}

    def image(self, activities, c_bg=C_BG):
        """Noiseless blurred concentration [Bq/mL] (organ concentration replaces the background)."""
        c = self.conc(activities)
        return c_bg * self.b_body + sum((c[r] - c_bg) * self.b_organ[r] for r in REGIONS)

    def expected(self, activities, c_bg=C_BG):
        """A_k + background in the margin [MBq], and the spill-out bound [MBq], per region."""
        c = self.conc(activities)
        exp = {r: activities[r] + c_bg * (self.n_mask[r] - self.n_organ[r]) * V_ML * 1e-6 for r in REGIONS}
        spill = {r: (c[r] - c_bg) * self.n_organ[r] * V_ML * 1e-6 * self.p_out for r in REGIONS}
        return exp, spill


@pytest.fixture(scope="module")
def phantom():
    return Phantom()


def save_nifti(path, data, affine=AFFINE):
    nib.save(nib.Nifti1Image(np.asarray(data), affine), str(path))
    return path


def write_dicom_series(folder: Path, vol, affine=AFFINE, units="BQML", rng=None):
    """A PET series, one signed int16 slice per file with its own RescaleSlope, files in shuffled order."""
    folder.mkdir()
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine
    row_dir, col_dir = lps[:3, 0] / VOXEL_MM, lps[:3, 1] / VOXEL_MM
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    slopes = np.empty(vol.shape[2])
    order = (rng or np.random.default_rng(0)).permutation(vol.shape[2])
    ds_text = lambda xs: [f"{x + 0.0:.6g}" for x in xs]  # noqa: E731  (DS strings, no "-0")
    for n, k in enumerate(order):
        sl = vol[:, :, k].T                              # rows run along the column direction (j)
        slope_text = f"{max(np.abs(sl).max(), 1.0) / 32000:.8e}"
        slopes[k] = float(slope_text)
        stored = np.round(sl / slopes[k]).astype(np.int16)
        ds = Dataset()
        for tag, value in PHI.items():
            setattr(ds, tag, value)
        ds.PatientSex = "F"
        ds.Modality = "PT"
        ds.SOPClassUID = PositronEmissionTomographyImageStorage
        ds.SOPInstanceUID = generate_uid()
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.InstanceNumber = int(k) + 1
        ds.Units = units
        ds.DecayCorrection = "START"
        ds.ImagePositionPatient = ds_text((lps @ [0.0, 0.0, float(k), 1.0])[:3])
        ds.ImageOrientationPatient = ds_text([*row_dir, *col_dir])
        ds.PixelSpacing = ds_text([VOXEL_MM, VOXEL_MM])
        ds.SliceThickness = ds_text([VOXEL_MM])[0]
        ds.Rows, ds.Columns = stored.shape
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = slope_text, "0"
        ds.PixelData = stored.tobytes()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        pydicom.dcmwrite(folder / f"IM{n:04d}", ds, enforce_file_format=True)
    return slopes


def digest(paths):
    out = {}
    for p in paths:
        files = sorted(Path(p).iterdir()) if Path(p).is_dir() else [Path(p)]
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def by_region(df):
    return dict(zip(df["region"], df["activity [MBq]"]))


def noisy_concentration(phantom, seed, activities=A_TRUE):
    rng = np.random.default_rng(seed)
    return (phantom.image(activities) + rng.normal(0.0, NOISE_SD, SHAPE)).astype(np.float32)


# --------------------------------------------------------------------------------------- recovery
def test_nifti_bq_per_ml_recovers_known_activities(tmp_path, phantom):
    img = noisy_concentration(phantom, 1)
    ip, mp = save_nifti(tmp_path / "spect.nii.gz", img), save_nifti(tmp_path / "mask.nii.gz", phantom.mask)
    before = digest([ip, mp])
    df = read_images([Acquisition("P01", 1, ip, mp, time_h=24.0, units="Bq/mL")], LABELS)
    assert digest([ip, mp]) == before                                   # inputs are only read
    assert list(df.columns) == [*MEASUREMENT_COLUMNS, *IMAGE_COLUMNS]
    assert list(df["region"]) == list(REGIONS)
    exp, spill = phantom.expected(A_TRUE)
    data = img.astype(np.float64)
    for _, row in df.iterrows():
        r = row["region"]
        sel = phantom.region_mask[r]
        noise_sd = NOISE_SD * V_ML * 1e-6 * np.sqrt(phantom.n_mask[r])
        # the arithmetic, exactly: sum of the voxels (negatives included) x voxel volume
        assert row["activity [MBq]"] == pytest.approx(data[sel].sum() * V_ML * 1e-6, rel=1e-9)
        # the physics: truth + known background in the margin - spill-out, within the noise
        err = row["activity [MBq]"] - exp[r]
        assert -spill[r] - 5 * noise_sd <= err <= 5 * noise_sd, (r, err, spill[r], noise_sd)
        assert row["volume [mL]"] == pytest.approx(phantom.n_mask[r] * V_ML, rel=1e-12)
        assert row["mass [kg]"] == pytest.approx(phantom.n_mask[r] * V_ML * SOFT_TISSUE_DENSITY_G_PER_ML / 1e3)
        assert row["voxels"] == phantom.n_mask[r]
        # negative voxels are reported and kept in the sum (not clipped)
        neg = data[sel] < 0
        assert row["negative_voxels"] == int(neg.sum()) > 0
        assert row["negative_activity [MBq]"] == pytest.approx(data[sel][neg].sum() * V_ML * 1e-6, rel=1e-9)
        assert row["activity [MBq]"] < np.clip(data[sel], 0, None).sum() * V_ML * 1e-6
    assert phantom.p_out < 3e-3                           # the spill bound is small at a 16 mm margin
    assert set(df["patient"]) == {"P01"} and set(df["time [h]"]) == {24.0} and set(df["cycle"]) == {1}


def test_counts_with_calibration_poisson(tmp_path, phantom):
    sens, dur = 9.5, 1200.0                               # cps/MBq (a Lu-177 SPECT-like value), s
    lam = phantom.image(A_TRUE) * V_ML * 1e-6 * sens * dur
    counts = np.random.default_rng(2).poisson(lam).astype(np.float32)
    ip = save_nifti(tmp_path / "counts.nii", counts)
    rp = save_nifti(tmp_path / "rate.nii", counts / np.float32(dur))
    mp = save_nifti(tmp_path / "mask.nii", phantom.mask)
    df = read_images([Acquisition("P01", 1, ip, mp, time_h=4.0, units="counts", calibration_cps_per_MBq=sens,
                                  duration_s=dur),
                      Acquisition("P01", 1, rp, mp, time_h=5.0, units="cps", calibration_cps_per_MBq=sens)],
                     LABELS, density_g_per_mL={"liver": 1.06, "kidneys": 1.05, "tumour_1": 1.04})
    exp, spill = phantom.expected(A_TRUE)
    first, second = df[df["acquisition"] == 1], df[df["acquisition"] == 2]
    for r, a in by_region(first).items():
        sel = phantom.region_mask[r]
        assert a == pytest.approx(counts[sel].astype(float).sum() / (sens * dur), rel=1e-9)
        noise_sd = np.sqrt(lam[sel].sum()) / (sens * dur)
        assert -spill[r] - 5 * noise_sd <= a - exp[r] <= 5 * noise_sd, (r, a - exp[r])
        assert by_region(second)[r] == pytest.approx(a, rel=1e-6)                 # float32 rate image
    assert first["negative_voxels"].sum() == 0
    kid = first[first["region"] == "kidneys"].iloc[0]
    assert kid["mass [kg]"] == pytest.approx(kid["volume [mL]"] * 1.05e-3)


def test_dicom_series_matches_nifti_and_leaks_no_patient_fields(tmp_path, phantom):
    img = noisy_concentration(phantom, 3).astype(np.float64)
    slopes = write_dicom_series(tmp_path / "pet", img)
    ip = save_nifti(tmp_path / "pet.nii.gz", img.astype(np.float32))
    mp = save_nifti(tmp_path / "mask.nii.gz", phantom.mask)
    before = digest([tmp_path / "pet", mp])
    dcm = read_images([Acquisition("SIM-7", 2, tmp_path / "pet", mp, time_h=96.0)], LABELS)     # units: BQML
    assert digest([tmp_path / "pet", mp]) == before
    nii = read_images([Acquisition("SIM-7", 2, ip, mp, time_h=96.0, units="Bq/mL")], LABELS)
    exp, spill = phantom.expected(A_TRUE)
    for r in REGIONS:
        sel = phantom.region_mask[r]
        quant = float((sel.sum(axis=(0, 1)) * slopes / 2).sum()) * V_ML * 1e-6     # int16 rounding bound
        a_dcm, a_nii = by_region(dcm)[r], by_region(nii)[r]
        assert abs(a_dcm - a_nii) <= quant + 1e-6 * abs(a_nii), (r, a_dcm - a_nii, quant)
        noise_sd = NOISE_SD * V_ML * 1e-6 * np.sqrt(phantom.n_mask[r])
        assert -spill[r] - 5 * noise_sd - quant <= a_dcm - exp[r] <= 5 * noise_sd + quant
    np.testing.assert_array_equal(dcm["voxels"], nii["voxels"])
    # nothing identifying reaches the table or the files written
    out = write_measurements(dcm, tmp_path / "measurements.csv")
    vols = write_region_volumes(dcm, tmp_path / "region_volumes.csv")
    written = out.read_text() + vols.read_text() + dcm.to_csv() + repr(dcm.attrs)
    for value in PHI.values():
        assert value not in written and value.split("^")[0] not in written, value
    assert set(dcm["patient"]) == {"SIM-7"}
    assert out.read_text().splitlines()[0] == "patient,cycle,time [h],region,activity [MBq]"


def test_dicom_errors_name_the_problem_without_patient_fields(tmp_path, phantom):
    img = phantom.image(A_TRUE) * V_ML * 1e-6 * 10.0 * 600.0
    write_dicom_series(tmp_path / "counts", img, units="CNTS")
    write_dicom_series(tmp_path / "suv", phantom.image(A_TRUE) / 1e4, units="GML")
    mp = save_nifti(tmp_path / "mask.nii.gz", phantom.mask)
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "README.txt").write_text("not a slice")
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, tmp_path / "counts", mp, time_h=4.0),            # CNTS, no calibration
                     Acquisition("P01", 1, tmp_path / "counts", mp, time_h=5.0, units="Bq/mL"),  # conflicts
                     Acquisition("P01", 1, tmp_path / "suv", mp, time_h=6.0),
                     Acquisition("P01", 1, tmp_path / "mixed", mp, time_h=7.0)], LABELS)
    fields = [(x.field, str(x.got)) for x in err.value.violations]
    assert ("calibration_cps_per_MBq", "None") in fields and ("duration_s", "None") in fields
    assert ("units", "Bq/mL") in fields                                   # given vs the Units tag CNTS
    assert ("Units", "GML") in fields
    assert ("file", "not a DICOM file") in fields
    for value in PHI.values():
        assert value not in str(err.value)
    # with the calibration the counts series reads: A = sum(N) / (T S)
    df = read_images([Acquisition("P01", 1, tmp_path / "counts", mp, time_h=4.0, calibration_cps_per_MBq=10.0,
                                  duration_s=600.0)], LABELS)
    exp, spill = phantom.expected(A_TRUE)
    for r, a in by_region(df).items():
        assert exp[r] - spill[r] - 1e-3 * exp[r] <= a <= exp[r] + 1e-3 * exp[r]     # noiseless; int16 rounding


# ----------------------------------------------------------------------------- time-activity curve
MANIFEST = """
[trial]
id = "IMG1"
radiopharmaceutical = "[177Lu]Lu-DOTA-TATE"
nuclide = "Lu-177"
regions = ["liver", "kidneys", "tumour_1", "whole_body"]
simulated = true

[[patients]]
id = "P01"
sex = "female"
body_mass_kg = 64.0

[[administrations]]
patient = "P01"
cycle = 1
activity_MBq = 7400.0
start = 2024-03-04T09:30:00
"""


def test_time_points_become_a_tac_that_read_trial_reads(tmp_path, phantom):
    trial = tmp_path / "trial"
    trial.mkdir()
    (trial / "trial.toml").write_text(MANIFEST)
    mp = save_nifti(tmp_path / "mask.nii.gz", phantom.mask)
    half_eff = {"liver": 70.0, "kidneys": 50.0, "tumour_1": 90.0}          # effective half-lives [h]
    times = [4.0, 24.0, 96.0, 168.0]
    when = {24.0: "2024-03-05T09:30:00", 96.0: "2024-03-08T09:30:00"}      # given as date-times
    acqs, truth = [], {}
    for n, t in enumerate(times):
        act = {r: A_TRUE[r] * 2.0 ** (-t / half_eff[r]) for r in REGIONS}
        truth[t] = act
        rng = np.random.default_rng(10 + n)
        img = (phantom.image(act) + rng.normal(0.0, NOISE_SD, SHAPE)).astype(np.float32)
        ip = save_nifti(tmp_path / f"spect_{int(t)}h.nii.gz", img)
        acqs.append(Acquisition("P01", 1, ip, mp, units="Bq/mL",
                                **({"acquired": when[t]} if t in when else {"time_h": t})))
    table = pd.DataFrame([a.__dict__ for a in acqs])                     # a table works as well as a list
    df = read_images(table, LABELS, manifest=trial)
    pd.testing.assert_frame_equal(df, read_images(acqs, LABELS, manifest=trial / "trial.toml"))
    write_measurements(df, trial)
    write_region_volumes(df, trial / "region_volumes.csv")
    tr = read_trial(trial)
    for r in REGIONS:
        tac = tr.tac("P01", 1, r)
        np.testing.assert_allclose(tac.times_h, times, rtol=1e-12)
        np.testing.assert_allclose(tac.activity_MBq, df[df["region"] == r]["activity [MBq]"], rtol=1e-12)
        for t, a in zip(tac.times_h, tac.activity_MBq):
            exp, spill = phantom.expected(truth[t])
            noise_sd = NOISE_SD * V_ML * 1e-6 * np.sqrt(phantom.n_mask[r])
            assert -spill[r] - 5 * noise_sd <= a - exp[r] <= 5 * noise_sd, (r, t)
    vols = pd.read_csv(trial / "region_volumes.csv")
    assert list(vols.columns) == ["patient", "cycle", "time [h]", "region", "volume [mL]", "mass [kg]", "voxels"]


# ---------------------------------------------------------------------------------------- errors
def test_mask_on_another_grid_is_an_error_naming_both_files(tmp_path, phantom):
    ip = save_nifti(tmp_path / "spect.nii.gz", phantom.image(A_TRUE).astype(np.float32))
    shifted = AFFINE.copy()
    shifted[0, 3] += 2.0                                                   # half a voxel
    m1 = save_nifti(tmp_path / "mask_shifted.nii.gz", phantom.mask, shifted)
    m2 = save_nifti(tmp_path / "mask_cropped.nii.gz", phantom.mask[:, :, :40])
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, ip, m1, time_h=4.0, units="Bq/mL"),
                     Acquisition("P01", 1, ip, m2, time_h=24.0, units="Bq/mL")], LABELS)
    v = err.value.violations
    assert [x.file for x in v] == [str(m1), str(m2)]
    assert all(x.field == "mask grid" and str(ip) in x.expected for x in v)
    assert "2 mm" in str(v[0].got) and v[1].got == (64, 56, 40)


def test_unmapped_and_absent_labels_are_listed_at_once(tmp_path, phantom):
    ip = save_nifti(tmp_path / "spect.nii.gz", phantom.image(A_TRUE).astype(np.float32))
    mask = phantom.mask.copy()
    mask[0:3, 0:3, 0:3] = 9                                                # a label nobody mapped
    mp = save_nifti(tmp_path / "mask.nii.gz", mask)
    labels = {1: "liver", 2: "kidneys", 3: "kidneys", 6: "spleen"}         # 5 unmapped, 6 absent
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, ip, mp, time_h=4.0, units="Bq/mL")], labels)
    got = [str(x.got) for x in err.value.violations]
    assert got == ["unmapped labels [5, 9]", "absent labels ['6 (spleen)']"]
    assert all(x.file == str(mp) for x in err.value.violations)


def test_missing_files_and_unsupported_inputs_are_listed_at_once(tmp_path, phantom):
    ip = save_nifti(tmp_path / "spect.nii.gz", phantom.image(A_TRUE).astype(np.float32))
    mp = save_nifti(tmp_path / "mask.nii.gz", phantom.mask)
    (tmp_path / "seg").mkdir()
    (tmp_path / "seg.dcm").write_bytes(b"")
    (tmp_path / "img.mha").write_bytes(b"")
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P01", 1, tmp_path / "nope.nii.gz", tmp_path / "nomask.nii.gz", time_h=4.0,
                                 units="Bq/mL"),
                     Acquisition("P01", 1, ip, tmp_path / "seg.dcm", time_h=5.0, units="Bq/mL"),
                     Acquisition("P01", 1, tmp_path / "img.mha", mp, time_h=6.0, units="Bq/mL"),
                     Acquisition("P01", 1, ip, mp, time_h=7.0),                           # NIfTI without units
                     Acquisition("P01", 1, ip, mp, time_h=8.0, units="Bq/mL", duration_s=600.0),
                     Acquisition("P01", 1, ip, mp, units="Bq/mL", acquired="2024-03-05T09:30:00"),  # no manifest
                     Acquisition("", 0, ip, mp, time_h=-1.0, units="Bq/mL")], LABELS)
    v = [(x.file, x.field, str(x.got)) for x in err.value.violations]
    assert (str(tmp_path / "nope.nii.gz"), "image", "no such file") in v
    assert (str(tmp_path / "nomask.nii.gz"), "mask", "no such file") in v
    assert (str(tmp_path / "seg.dcm"), "file", "not a DICOM file") in v   # a .dcm mask is read as SEG/RTSTRUCT
    assert (str(tmp_path / "img.mha"), "image", "img.mha") in v
    assert ("acquisitions[4]", "units", "none") in v
    assert ("acquisitions[5]", "duration_s", "600.0") in v
    assert ("acquisitions[6]", "acquired", "no manifest") in v
    assert {("acquisitions[7]", f) for f in ("patient", "cycle", "time_h")} <= {(x[0], x[1]) for x in v}
    with pytest.raises(InputDataError) as err:                             # a table: unknown names are errors
        read_images(pd.DataFrame({"patient": ["P01"], "cycle": [1], "imge": [str(ip)], "mask": [str(mp)]}), LABELS)
    assert {(x.field, x.got) for x in err.value.violations} == {("column 'imge'", "imge"), ("image", "missing")}


def test_unknown_patient_cycle_region_against_the_manifest(tmp_path, phantom):
    (tmp_path / "trial.toml").write_text(MANIFEST.replace('"liver", ', ""))
    ip = save_nifti(tmp_path / "spect.nii.gz", phantom.image(A_TRUE).astype(np.float32))
    mp = save_nifti(tmp_path / "mask.nii.gz", phantom.mask)
    with pytest.raises(InputDataError) as err:
        read_images([Acquisition("P02", 1, ip, mp, time_h=4.0, units="Bq/mL"),
                     Acquisition("P01", 3, ip, mp, time_h=4.0, units="Bq/mL"),
                     Acquisition("P01", 1, ip, mp, units="Bq/mL", acquired="2024-03-01T09:30:00")],
                    LABELS, manifest=tmp_path)
    v = [(x.field, x.got) for x in err.value.violations]
    assert ("trial.regions", ["kidneys", "tumour_1", "whole_body"]) in v    # 'liver' is not a trial region
    assert ("patient", "P02") in v and ("cycle", 3) in v
    assert ("acquired", "2024-03-01T09:30:00") in v                        # before the administration


def test_write_measurements_refuses_to_overwrite_and_bad_tables(tmp_path, phantom):
    ip = save_nifti(tmp_path / "spect.nii.gz", phantom.image(A_TRUE).astype(np.float32))
    mp = save_nifti(tmp_path / "mask.nii.gz", phantom.mask)
    df = read_images([Acquisition("P01", 1, ip, mp, time_h=4.0, units="Bq/mL")], LABELS)
    out = write_measurements(df, tmp_path / "m.csv")
    text = out.read_text()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_measurements(df.assign(**{"activity [MBq]": 1.0}), out)
    assert out.read_text() == text                                          # untouched
    write_measurements(df.assign(**{"activity [MBq]": 1.0}), out, overwrite=True)
    assert out.read_text() != text
    with pytest.raises(FileExistsError):
        write_region_volumes(df, out)
    bad = df.rename(columns={"activity [MBq]": "activty [MBq]"})
    bad.loc[0, "time [h]"] = -1.0
    with pytest.raises(InputDataError) as err:
        write_measurements(bad, tmp_path / "bad.csv")
    assert {x.field for x in err.value.violations} == {"activity [MBq]", "activty [MBq]"}
    with pytest.raises(InputDataError) as err:
        write_measurements(df.assign(**{"activity [MBq]": -0.5, "time [h]": np.nan}), tmp_path / "bad.csv")
    assert {x.field for x in err.value.violations} == {"activity [MBq]", "time [h]"}
    assert len(err.value.violations) == 2 * len(df)
    assert not (tmp_path / "bad.csv").exists()
