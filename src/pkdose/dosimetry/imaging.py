"""Absorbed doses of a trial's imaged regions from fitted time-activity curves.

The chain a trial report runs: per patient, cycle and region a fitted curve
(:func:`pkdose.fit.fit_trial`) gives the time-integrated activity Ã [MBq·h]; an S value
[Gy/(MBq·h)] turns it into an absorbed dose, D = S · Ã; for tissues with linear-quadratic
parameters the same curve, scaled by S, is the dose-rate curve whose BED is computed
(:mod:`pkdose.dosimetry.radiobiology`); cycles add.

Method ``"local-absorption"`` (the embedded default, no ICRP 133 files needed) gives each organ
the self-dose of its non-penetrating emissions absorbed where emitted plus the photon self-dose
of a unit-density sphere of the organ's mass (the photon part of
:func:`pkdose.dosimetry.spheres.sphere_s_value`), with the region's measured mass from the trial
manifest (``organ_mass_kg``; ``whole_body`` uses the body mass): cross-doses are **not
included**, every table says so, and a region without a mass is listed as not computed, with the
reason, instead of being given a reference mass silently. Regions whose dose needs the
geometry of a phantom — red marrow, bone surfaces, the walls of hollow organs (names in
:data:`NEEDS_PHANTOM`) — are refused (listed as not computed, naming the ICRP 133 data that would
give them), as is the effective dose. Tumours (regions named
``tumour``, ``tumor`` or ``lesion``, optionally with a ``_``/``:``/``-`` label:
:func:`pkdose.dosimetry.regions.is_tumour`) get the self-dose of a unit-density sphere of their
measured mass (:func:`pkdose.dosimetry.spheres.sphere_s_value`: electron escape and photon
self-absorption included, cross-dose not), as is usual for lesion dosimetry; the ``s_model``
column says which model each row used.

Radioactive progeny decay where the parent decays (``progeny="in-situ"``, the default: for
Ra-223 the short-lived chain adds about four times the parent's own energy; Lu-177 has no
radioactive progeny) or are ignored (``"none"``). For alpha emitters the RBE-weighted dose
weights the alpha part of S by ``alpha_rbe`` (default 5 for deterministic effects, MIRD
Pamphlet No. 22) and everything else by 1.

Method ``"icrp133"`` (needs the ICRP 133 SAF files, ``saf_dir=`` or ``PKDOSE_ICRP133_DIR``) maps
the imaged regions to ICRP 133 source regions (:func:`pkdose.dosimetry.regions.imaging_s_values`),
places the rest of the whole-body activity in the remainder of the body, scales self-doses to
the patient's measured masses and gives the absorbed dose in the phantom of the patient's sex,
including photons and cross-doses between organs. Tumours keep the sphere self-dose; a tumour
whose host organ the manifest names (``tumour_host``, :mod:`pkdose.data.trial`) also gets the
photon cross-dose both ways: it receives the host's photon dose from every other source,
S_γ(host ← R) Ã_R, and its activity irradiates every target as the host's would,
S_γ(T ← host) Ã_tumour (averages over the host, the lesion's position in it being unknown;
electrons and alphas do not cross between tumour and organs; the tumour's activity is in
neither the host nor the remainder; the model and its limits are in the Notes of
:func:`pkdose.dosimetry.regions.imaging_s_values`). The
``s_model`` of such a tumour reads ``"sphere + host photons (liver)"``; a tumour without a host
stays ``"sphere"`` (self-dose only, no cross-dose either way) and ``not_computed`` has a row
``"<tumour> cross-dose"`` saying so. Reported targets: the
ICRP 133 target of each imaged organ (same name), the tumours and the red marrow; the effective
dose (ICRP 103, sex-averaged from both phantoms with the patient's masses) is given per cycle
when the trial measured the whole body. A BED uses the full dose-rate curve
Ḋ(t) = Σ_R S(T←R) A_R(t), with A_rem(t) = A_WB(t) − Σ A_i(t).

Red marrow from blood samples (both methods): given ``blood_fits`` (fits of the blood activity
concentration, :func:`pkdose.fit.fit_trial` with ``quantity="concentration"``), each (patient,
cycle) gets a ``red_marrow`` TIA by the blood-based method of the EANM guideline
(:func:`pkdose.dosimetry.regions.red_marrow_tia_from_blood`: TIA concentration in blood ×
RMBLR × red-marrow mass / blood density; the patient's ``organ_mass_kg.red_marrow`` or the
ICRP 89 reference of the patient's sex). It is listed with the TIAs; ``local-absorption``
refuses its dose like any marrow region, ``icrp133`` doses it as the ``R-marrow`` source (its
activity leaves the remainder).

Uncertainties: the dose SD is S times the TIA SD of the fit (mass uncertainty not included;
for ``icrp133`` the SDs of the imaged regions and the whole body are propagated as independent);
the BED SD is the first-order propagation dBED/dD · SD(D) = (1 + 2 G D/(α/β)) · SD(D) at fixed G.

References
----------
M. G. Stabin, "MIRD Pamphlet No. 21"-style schema: W. E. Bolch et al., "MIRD Pamphlet No. 21:
a generalized schema for radiopharmaceutical dosimetry", J. Nucl. Med. 50 (2009) 477-484.
L. Bodei et al., "Long-term evaluation of renal toxicity after peptide receptor radionuclide
therapy with 90Y-DOTATOC and 177Lu-DOTATATE: the role of associated risk factors",
Eur. J. Nucl. Med. Mol. Imaging 35 (2008) 1847-1856 (abstract: kidney BED threshold 28 Gy with
risk factors, 40 Gy without).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DoseError, UnknownNameError
from ..provenance import Source
from .dose import ALPHA_RBE_SOURCE, DEFAULT_ALPHA_RBE
from .radiobiology import KIDNEY, LQParameters, bed
from .regions import is_tumour
from .spheres import sphere_s_value
from .svalues import local_absorption_s_value

__all__ = ["METHODS", "NEEDS_PHANTOM", "BEDLimit", "BONE_SEEKING_ELEMENTS", "BONE_SEEKING_LIGANDS", "BloodMarrowFit",
           "KIDNEY_BED_LIMITS", "TrialDoses", "bone_seeking", "red_marrow_from_blood", "trial_doses"]

METHODS = ("local-absorption", "icrp133")

#: Elements whose radiopharmaceuticals seek bone: the blood-based red-marrow method assumes no
#: specific uptake in bone, marrow or blood cells (Hindorf et al. 2010, EANM guideline), so reports
#: do not apply it to them by default (alkaline earths: radium, strontium).
BONE_SEEKING_ELEMENTS = ("Ra", "Sr")
#: Bone-seeking phosphonate ligands, matched (case-insensitive) in the radiopharmaceutical's name:
#: EDTMP (Sm-153, Lu-177), HEDP (Re-186, Re-188), DOTMP, MDP, HDP; same reason.
BONE_SEEKING_LIGANDS = ("EDTMP", "HEDP", "DOTMP", "MDP", "HDP")


def bone_seeking(trial: Any) -> str | None:
    """Why a trial's radiopharmaceutical seeks bone (element or ligand), or None.

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> bone_seeking(T(nuclide="Ra-223", radiopharmaceutical="radium-223 dichloride"))
    'the element Ra is a bone seeker'
    >>> bone_seeking(T(nuclide="Sm-153", radiopharmaceutical="[153Sm]Sm-EDTMP"))
    'EDTMP is a bone-seeking ligand'
    >>> bone_seeking(T(nuclide="Lu-177", radiopharmaceutical="[177Lu]Lu-DOTA-TATE")) is None
    True
    """
    from ..nuclides import get_nuclide

    element = get_nuclide(trial.nuclide).name.split("-")[0]
    if element in BONE_SEEKING_ELEMENTS:
        return f"the element {element} is a bone seeker"
    name = str(trial.radiopharmaceutical).upper()
    for ligand in BONE_SEEKING_LIGANDS:
        if ligand in name:
            return f"{ligand} is a bone-seeking ligand"
    return None

#: Region name that is dosed with the body mass (``body_mass_kg`` of the manifest).
WHOLE_BODY = "whole_body"
#: Regions the local-absorption method refuses: their dose depends on a geometry (marrow cavities,
#: bone surfaces, thin walls around contents) that a self-absorbing sphere does not have.
NEEDS_PHANTOM = ("red_marrow", "bone_marrow", "bone_surface", "bone_surfaces", "endosteum", "stomach_wall",
                 "small_intestine_wall", "colon_wall", "bladder_wall", "urinary_bladder_wall", "gallbladder_wall",
                 "heart_wall")


@dataclass(frozen=True)
class BEDLimit:
    """A published BED threshold for one tissue."""

    tissue: str
    bed_Gy: float
    condition: str
    source: Source


_BODEI = Source("Bodei L et al., Eur J Nucl Med Mol Imaging 2008;35(10):1847-1856",
                page="abstract (Results, Conclusions)",
                note="kidney BED threshold 28 Gy in patients with risk factors (mainly hypertension, "
                     "diabetes), 40 Gy without")

#: Kidney BED thresholds of Bodei et al. 2008 (abstract): 40 Gy without and 28 Gy with risk factors.
KIDNEY_BED_LIMITS = (BEDLimit("kidneys", 40.0, "no risk factors", _BODEI),
                     BEDLimit("kidneys", 28.0, "with risk factors (hypertension, diabetes)", _BODEI))

def _bed_with_sd(amps: np.ndarray, rates: np.ndarray, dose: float, dose_sd: float,
                 tissue: LQParameters) -> tuple[float, float]:
    """BED of a dose-rate curve Σ aᵢe^{−λᵢt} [Gy/h] and its SD (1 + 2GD/(α/β))·SD(D) at fixed G."""
    b = bed(amps, rates, tissue)
    g = (b - dose) * tissue.alpha_beta_Gy / dose**2
    return b, (1.0 + 2.0 * g * dose / tissue.alpha_beta_Gy) * dose_sd


_LOCAL_LABEL = ("local absorption: self-dose of non-penetrating emissions (ICRP 107) absorbed in the region's "
                "measured mass, plus the photon self-dose of a unit-density sphere of that mass; cross-doses NOT "
                "included. Tumours: self-dose of a unit-density sphere of the measured mass (electron escape and "
                "photons), cross-dose NOT included")


@dataclass(frozen=True)
class TrialDoses:
    """Absorbed doses, BEDs and TIAs of a trial's imaged regions.

    Attributes
    ----------
    method : str
        How S was obtained (one of :data:`METHODS`).
    label : str
        What the doses include and exclude, in words (print it beside every dose table).
    tia : pandas.DataFrame
        One row per (patient, cycle, region): ``administered_MBq``, ``tia_MBq_h``, ``tia_sd_MBq_h``,
        ``tia_per_activity_h`` (Ã/A₀, the "residence time"), ``model`` (selected function),
        ``extrapolated_fraction``, ``fit_ok``.
    doses : pandas.DataFrame
        One row per (patient, cycle, target): ``mass_kg``, ``s_model`` (the S model of the row: for tumours
        ``"sphere"``, or ``"sphere + host photons (<host>)"`` with the photon cross-dose of ``icrp133``),
        ``s_Gy_per_MBq_h``, ``absorbed_Gy``,
        ``absorbed_sd_Gy``, ``Gy_per_GBq``, ``alpha_fraction`` (alpha share of the dose),
        ``rbe_weighted_Gy``, and, for tissues with LQ parameters, ``bed_Gy`` and ``bed_sd_Gy``
        (NaN elsewhere).
    cumulative : pandas.DataFrame
        One row per (patient, target): the sums over cycles of ``absorbed_Gy``, ``rbe_weighted_Gy``
        and ``bed_Gy``, the
        SDs added in quadrature (cycles independent), ``administered_GBq`` and ``cycles``.
    not_computed : pandas.DataFrame
        (patient, region, reason) for every region that got no dose, with the reason.
    lq : Mapping of str to LQParameters
        LQ parameters used per target.
    bed_limits : tuple of BEDLimit
        Thresholds to compare cumulative BEDs with.
    progeny : str
        Progeny convention of the S values.
    alpha_rbe : float
        RBE applied to the alpha part.
    sources : tuple of Source
        Every publication a number in these tables stands on.
    effective : pandas.DataFrame
        ``icrp133`` only: (patient, cycle, ``effective_Sv``), the ICRP 103 effective dose of each
        cycle (empty when it cannot be given, the reason is in ``not_computed``).
    data_files : Mapping of str to str
        ``icrp133`` only: ICRP 133 file → sha256 of the files read.
    """

    method: str
    label: str
    tia: pd.DataFrame
    doses: pd.DataFrame
    cumulative: pd.DataFrame
    not_computed: pd.DataFrame
    lq: Mapping[str, LQParameters]
    bed_limits: tuple[BEDLimit, ...]
    progeny: str = "in-situ"
    alpha_rbe: float = DEFAULT_ALPHA_RBE
    sources: tuple[Source, ...] = field(default=())
    effective: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["patient", "cycle",
                                                                                   "effective_Sv"]))
    data_files: Mapping[str, str] = field(default_factory=dict)

    def exceeding(self) -> pd.DataFrame:
        """Cumulative BEDs against every limit: one row per (patient, target, limit)."""
        rows = []
        for lim in self.bed_limits:
            sel = self.cumulative[self.cumulative["target"] == lim.tissue]
            for _, r in sel.iterrows():
                rows.append({"patient": r["patient"], "target": lim.tissue, "condition": lim.condition,
                             "limit_bed_Gy": lim.bed_Gy, "bed_Gy": r["bed_Gy"],
                             "fraction_of_limit": r["bed_Gy"] / lim.bed_Gy,
                             "exceeds": bool(r["bed_Gy"] > lim.bed_Gy)})
        return pd.DataFrame(rows, columns=["patient", "target", "condition", "limit_bed_Gy", "bed_Gy",
                                           "fraction_of_limit", "exceeds"])


@dataclass(frozen=True)
class BloodMarrowFit:
    """The red-marrow curve of the blood-based method: a blood-concentration fit times a factor.

    ``factor`` [L] turns the blood concentration [MBq/L] into red-marrow activity [MBq]
    (RMBLR × red-marrow mass / blood density); it behaves like an activity fit for
    :func:`trial_doses` (TIA, SD and exponential terms scaled by ``factor``).
    """

    blood: Any
    factor_L: float

    @property
    def tia_MBq_h(self) -> float:
        return self.factor_L * float(self.blood.tia_MBq_h)

    @property
    def tia_sd_MBq_h(self) -> float:
        return self.factor_L * float(self.blood.tia_sd_MBq_h)

    @property
    def success(self) -> bool:
        return bool(self.blood.success)

    @property
    def model(self) -> str:
        return f"blood: {self.blood.model}"

    @property
    def quantity(self) -> str:
        """``"activity"``: the red-marrow activity curve (a blood concentration times a volume)."""
        return "activity"

    @property
    def extrapolated_fraction(self) -> float:
        return float(self.blood.extrapolated_fraction)

    def terms(self) -> tuple[np.ndarray, np.ndarray]:
        amps, rates = self.blood.terms()
        return self.factor_L * np.asarray(amps), np.asarray(rates)


def red_marrow_from_blood(trial: Any, blood_fits: Mapping[tuple[str, int, str], Any], *,
                          rmblr: float | None = None) -> dict[tuple[str, int, str], BloodMarrowFit]:
    """Red-marrow curves (patient, cycle, ``"red_marrow"``) from fits of blood concentrations.

    Parameters
    ----------
    trial : pkdose.data.Trial
    blood_fits : Mapping
        (patient, cycle, ``"blood"``) → fit of the blood activity concentration in MBq/L
        (:func:`pkdose.fit.fit_trial` with ``quantity="concentration"``); other regions are an error.
    rmblr : float, optional
        Red-marrow-to-blood concentration ratio; default 1 (small molecules such as peptides,
        :data:`pkdose.dosimetry.regions.RMBLR_SMALL_MOLECULE`).

    Examples
    --------
    >>> from pkdose.data import read_trial
    >>> from pkdose.fit import fit_trial
    >>> trial = read_trial(demo_trial_dir)
    >>> marrow = red_marrow_from_blood(trial, fit_trial(trial, patient="SIM01", quantity="concentration"))
    >>> m = marrow[("SIM01", 1, "red_marrow")]
    >>> round(m.factor_L, 4)                     # 1 x 1.17 kg / 1.06 kg/L (male reference marrow)
    1.1038
    """
    from .regions import RMBLR_SMALL_MOLECULE, red_marrow_tia_from_blood

    ratio = RMBLR_SMALL_MOLECULE if rmblr is None else rmblr
    patients = {p.id: p for p in trial.patients}
    out: dict[tuple[str, int, str], BloodMarrowFit] = {}
    for (pid, cycle, region), fit in sorted(blood_fits.items()):
        where = f"blood_fits[({pid!r}, {cycle}, {region!r})]"
        if region != "blood":
            raise DoseError(where, "fits of the 'blood' concentration", region)
        if getattr(fit, "quantity", None) != "concentration":
            raise DoseError(where, "a fit of blood concentrations [MBq/L] (fit_trial(..., quantity='concentration'))",
                            f"a fit of {getattr(fit, 'quantity', 'unknown quantity')}")
        if pid not in patients:
            raise UnknownNameError("patient", pid, tuple(patients), f"{where} (trial {trial.id})")
        p = patients[pid]
        mass = p.organ_mass_kg.get("red_marrow")
        # MBq/L -> MBq: red_marrow_tia_from_blood takes a concentration per mL (1 MBq/L = 1e-3 MBq/mL)
        factor = red_marrow_tia_from_blood(1e-3, phantom=f"adult-{p.sex}", red_marrow_mass_kg=mass, rmblr=ratio)
        out[(pid, cycle, "red_marrow")] = BloodMarrowFit(fit, factor)
    return out


_BLOOD_METHOD = Source(
    "Hindorf C, Glatting G, Chiesa C, Linden O, Flux G. EANM Dosimetry Committee guidelines for bone marrow "
    "and whole-body dosimetry. Eur J Nucl Med Mol Imaging 2010;37:1238-1250",
    note="blood-based red-marrow TIA: TIA concentration in blood x RMBLR x red-marrow mass; RMBLR 1 for "
         "small molecules, red-marrow masses ICRP Publication 89")


def trial_doses(trial: Any, fits: Mapping[tuple[str, int, str], Any], *, method: str = "local-absorption",
                lq: Mapping[str, LQParameters] | None = None,
                bed_limits: tuple[BEDLimit, ...] = KIDNEY_BED_LIMITS, progeny: str = "in-situ",
                alpha_rbe: float = DEFAULT_ALPHA_RBE, saf_dir: Any = None,
                mass_convention: str = "icrp89",
                blood_fits: Mapping[tuple[str, int, str], Any] | None = None,
                rmblr: float | None = None) -> TrialDoses:
    """Absorbed doses (and BEDs) per patient, cycle and region of a trial from its curve fits.

    Parameters
    ----------
    trial : pkdose.data.Trial
        The trial (patients' masses and administrations).
    fits : Mapping
        (patient, cycle, region) → :class:`pkdose.fit.ExponentialFit`, e.g. from
        :func:`pkdose.fit.fit_trial`.
    method : {"local-absorption", "icrp133"}
        How S is obtained (module docstring).
    lq : Mapping of str to LQParameters, optional
        LQ parameters per target for BED; default ``{"kidneys": KIDNEY}``.
    bed_limits : tuple of BEDLimit
        Thresholds reported by :meth:`TrialDoses.exceeding`; default Bodei et al. 2008.
    progeny : {"in-situ", "none"}
        Progeny decay where the measured parent is, or are ignored.
    alpha_rbe : float
        RBE of alpha particles for the RBE-weighted dose (default 5, MIRD Pamphlet No. 22).
    saf_dir : path, optional
        ICRP 133 directory for ``method="icrp133"`` (else ``$PKDOSE_ICRP133_DIR``).
    mass_convention : {"icrp89", "icrp133-target"}
        ``icrp133`` only: whether the manifest's organ masses are comparable to ICRP 89 reference
        masses (blood largely excluded; the default, as for the simulated demo trial) or already
        include the organ's blood like ICRP 133 target masses
        (:func:`pkdose.dosimetry.regions.imaging_s_values`).
    blood_fits : Mapping, optional
        (patient, cycle, ``"blood"``) → fit of the blood concentration [MBq/L]: adds a
        ``red_marrow`` TIA by the blood-based method (:func:`red_marrow_from_blood`).
    rmblr : float, optional
        Red-marrow-to-blood concentration ratio for ``blood_fits`` (default 1, small molecules).

    Returns
    -------
    TrialDoses

    Raises
    ------
    UnknownNameError
        An unknown method.
    DoseError
        A fit for a (patient, cycle) without an administration.

    Examples
    --------
    >>> from pkdose.data import read_trial
    >>> from pkdose.fit import fit_trial
    >>> trial = read_trial(demo_trial_dir)
    >>> doses = trial_doses(trial, fit_trial(trial, patient="SIM01"))
    >>> row = doses.cumulative.set_index(["patient", "target"]).loc[("SIM01", "kidneys")]
    >>> int(row["cycles"]), round(float(row["administered_GBq"]), 1)
    (4, 29.6)
    """
    if method not in METHODS:
        raise UnknownNameError("method", method, METHODS, "trial_doses")
    lq = dict({"kidneys": KIDNEY} if lq is None else lq)
    admin = {(a.patient, a.cycle): a.activity_MBq for a in trial.administrations}
    patients = {p.id: p for p in trial.patients}
    if not (np.isfinite(alpha_rbe) and alpha_rbe > 0):
        raise DoseError("alpha_rbe", "a finite RBE > 0", alpha_rbe)
    sphere_sources: list[Source] = []
    if blood_fits:
        marrow = red_marrow_from_blood(trial, blood_fits, rmblr=rmblr)
        clash = sorted(set(marrow) & set(fits))
        if clash:
            raise DoseError(f"fits[{clash[0]!r}]", "red marrow either imaged or from blood samples, not both",
                            "both given")
        fits = {**fits, **marrow}
        sphere_sources.append(_BLOOD_METHOD)
    s_cache: dict[tuple[str, float, bool], tuple[float, float]] = {}
    tia_rows, dose_rows, missing = [], [], {}
    for (pid, cycle, region), fit in sorted(fits.items()):
        if getattr(fit, "quantity", "activity") != "activity":
            raise DoseError(f"fits[({pid!r}, {cycle}, {region!r})]",
                            "fits of activities [MBq] (concentrations go to blood_fits)",
                            f"a fit of {fit.quantity}")
        if (pid, cycle) not in admin:
            raise DoseError(f"fits[({pid!r}, {cycle}, {region!r})]",
                            f"a fit for a (patient, cycle) with an administration in {trial.path}/trial.toml",
                            (pid, cycle))
        a0 = admin[(pid, cycle)]
        tia_rows.append({"patient": pid, "cycle": cycle, "region": region, "administered_MBq": a0,
                         "tia_MBq_h": fit.tia_MBq_h, "tia_sd_MBq_h": fit.tia_sd_MBq_h,
                         "tia_per_activity_h": fit.tia_MBq_h / a0, "model": fit.model,
                         "extrapolated_fraction": fit.extrapolated_fraction, "fit_ok": bool(fit.success)})
        if method == "icrp133":
            continue
        p = patients[pid]
        mass = p.body_mass_kg if region == WHOLE_BODY else p.organ_mass_kg.get(region)
        if region.lower() in NEEDS_PHANTOM:
            missing[(pid, region)] = (f"the dose to {region!r} depends on a geometry a sphere does not have: "
                                      "it needs the ICRP 133 specific absorbed fractions (method='icrp133', "
                                      "saf_dir= or PKDOSE_ICRP133_DIR)")
            continue
        if mass is None:
            missing[(pid, region)] = (f"no mass for region {region!r} of patient {pid!r} "
                                      f"(trial.toml patients.organ_mass_kg)")
            continue
        if not fit.success:
            missing[(pid, region)] = f"cycle {cycle}: no eligible curve fit ({fit.model})"
            continue
        tumour = is_tumour(region)
        key = (trial.nuclide, float(mass), tumour)
        if key not in s_cache:
            sphere = sphere_s_value(trial.nuclide, float(mass), progeny=progeny)
            sphere_sources.extend(sphere.sources_cited)
            if tumour:
                s_cache[key] = (sphere.value, sphere.by_class.get("alpha", 0.0) / sphere.value)
            else:
                local = local_absorption_s_value(trial.nuclide, float(mass), progeny=progeny)
                total = local.value + sphere.by_class.get("photon", 0.0)
                s_cache[key] = (total, local.by_class.get("alpha", 0.0) / total)
        s, alpha_share = s_cache[key]
        d, sd = s * fit.tia_MBq_h, s * fit.tia_sd_MBq_h
        row = {"patient": pid, "cycle": cycle, "target": region, "mass_kg": float(mass),
               "s_model": "sphere" if tumour else "local + sphere photons", "s_Gy_per_MBq_h": s,
               "absorbed_Gy": d, "absorbed_sd_Gy": sd, "Gy_per_GBq": d / (a0 / 1000.0),
               "alpha_fraction": alpha_share, "rbe_weighted_Gy": d * (1.0 + (alpha_rbe - 1.0) * alpha_share),
               "bed_Gy": np.nan, "bed_sd_Gy": np.nan}
        if region in lq:
            amps, rates = fit.terms()
            tissue = lq[region]
            row["bed_Gy"], row["bed_sd_Gy"] = _bed_with_sd(s * amps, rates, d, sd, tissue)
        dose_rows.append(row)
    effective_rows: list[dict[str, Any]] = []
    label = _LOCAL_LABEL
    data_files: dict[str, str] = {}
    if method == "icrp133":
        dose_rows, missing, effective_rows, icrp_sources, label, data_files = _icrp133(
            trial, fits, admin, lq, progeny, alpha_rbe, saf_dir, mass_convention)
        sphere_sources.extend(icrp_sources)
    tia = pd.DataFrame(tia_rows, columns=["patient", "cycle", "region", "administered_MBq", "tia_MBq_h",
                                          "tia_sd_MBq_h", "tia_per_activity_h", "model",
                                          "extrapolated_fraction", "fit_ok"])
    doses = pd.DataFrame(dose_rows, columns=["patient", "cycle", "target", "mass_kg", "s_model", "s_Gy_per_MBq_h",
                                             "absorbed_Gy", "absorbed_sd_Gy", "Gy_per_GBq", "alpha_fraction",
                                             "rbe_weighted_Gy", "bed_Gy", "bed_sd_Gy"])
    cum_rows = []
    for (pid, target), g_ in doses.groupby(["patient", "target"], sort=True):
        if (pid, target) in missing:               # a cycle without a dose: no honest cumulative value
            continue
        cycles = sorted(g_["cycle"])
        cum_rows.append({"patient": pid, "target": target, "cycles": len(cycles),
                         "administered_GBq": sum(admin[(pid, c)] for c in cycles) / 1000.0,
                         "absorbed_Gy": float(g_["absorbed_Gy"].sum()),
                         "absorbed_sd_Gy": float(np.sqrt((g_["absorbed_sd_Gy"] ** 2).sum())),
                         "rbe_weighted_Gy": float(g_["rbe_weighted_Gy"].sum()),
                         "bed_Gy": float(g_["bed_Gy"].sum()) if target in lq else np.nan,
                         "bed_sd_Gy": float(np.sqrt((g_["bed_sd_Gy"] ** 2).sum())) if target in lq else np.nan})
    cumulative = pd.DataFrame(cum_rows, columns=["patient", "target", "cycles", "administered_GBq", "absorbed_Gy",
                                                 "absorbed_sd_Gy", "rbe_weighted_Gy", "bed_Gy", "bed_sd_Gy"])
    not_computed = pd.DataFrame([{"patient": k[0], "region": k[1], "reason": r} for k, r in sorted(missing.items())],
                                columns=["patient", "region", "reason"])
    sources = (Source("ICRP Publication 107: Nuclear decay data for dosimetric calculations (2008)",
                      note="emissions per decay" + ("; non-penetrating energy for the local-absorption S"
                                                    if method == "local-absorption" else "")),
               *{t.source for t in lq.values()}, *{b.source for b in bed_limits})
    sources = (*sources, *sphere_sources)
    if len(doses) and float(doses["alpha_fraction"].max()) > 0:
        sources = (*sources, ALPHA_RBE_SOURCE)
    label += "; progeny decay in situ" if progeny == "in-situ" else "; progeny ignored"
    effective = pd.DataFrame(effective_rows, columns=["patient", "cycle", "effective_Sv"])
    return TrialDoses(method, label, tia, doses, cumulative, not_computed, lq, tuple(bed_limits), progeny,
                      float(alpha_rbe), tuple(dict.fromkeys(sources)), effective, data_files)


_ICRP133_LABEL = ("ICRP 133: specific absorbed fractions of the reference adult of the patient's sex, imaged organs "
                  "mapped to ICRP 133 source regions, the rest of the whole-body activity in the remainder of the body, "
                  "self-doses scaled to the measured masses; photons and cross-doses between organs included")
_HOSTED_LABEL = ("Tumours with a host organ ({which}): self-dose of a unit-density sphere of the measured mass plus the "
                 "host organ's photon dose from every other source, and their photons irradiate every organ as the "
                 "host's would (host averages: the position within the host is not known); electron and alpha "
                 "tumour-organ cross-dose NOT included")
_ALONE_LABEL = ("Tumours without a host organ ({which}): self-dose of a unit-density sphere of the measured mass, "
                "tumour-organ cross-dose NOT included")


def _icrp133_label(hosted: Mapping[str, set[str]], alone: set[str]) -> str:
    """The ``icrp133`` label, naming which tumours got the photon cross-dose (tumour -> hosts)."""
    parts = [_ICRP133_LABEL]
    if hosted:
        parts.append(_HOSTED_LABEL.format(which=", ".join(f"{t} in {'/'.join(sorted(h))}"
                                                          for t, h in sorted(hosted.items()))))
    if alone:
        parts.append(_ALONE_LABEL.format(which=", ".join(sorted(alone))))
    return ". ".join(parts)


def _icrp133(trial: Any, fits: Mapping[tuple[str, int, str], Any], admin: Mapping[tuple[str, int], float],
             lq: Mapping[str, LQParameters], progeny: str, alpha_rbe: float, saf_dir: Any, mass_convention: str
             ) -> tuple[list[dict[str, Any]], dict[tuple[str, str], str], list[dict[str, Any]], list[Source], str,
                        dict[str, str]]:
    """Dose rows of the ``icrp133`` method (module docstring)."""
    from .regions import REMAINDER, imaging_doses, imaging_s_values

    rows: list[dict[str, Any]] = []
    missing: dict[tuple[str, str], str] = {}
    effective: list[dict[str, Any]] = []
    cited: list[Source] = []
    files: dict[str, str] = {}
    hosted: dict[str, set[str]] = {}
    alone: set[str] = set()
    for p in trial.patients:
        keys = sorted(k for k in fits if k[0] == p.id)
        if not keys:
            continue
        regions = sorted({r for _, _, r in keys})
        organs = [r for r in regions if r != WHOLE_BODY]
        for r in organs:
            if is_tumour(r) and r not in p.organ_mass_kg:
                missing[(p.id, r)] = (f"no mass for tumour {r!r} of patient {p.id!r} (trial.toml "
                                      "patients.organ_mass_kg): its activity is counted in the remainder")
        organs = [r for r in organs if (p.id, r) not in missing]
        masses = {r: p.organ_mass_kg[r] for r in organs if r in p.organ_mass_kg}
        hosts = {t: h for t, h in getattr(p, "tumour_host", {}).items() if t in organs}
        for r in organs:
            if is_tumour(r) and r in hosts:
                hosted.setdefault(r, set()).add(hosts[r])
            elif is_tumour(r):
                alone.add(r)
                missing[(p.id, f"{r} cross-dose")] = (
                    f"no host organ for tumour {r!r} of patient {p.id!r} (trial.toml tumour_host): "
                    "tumour-organ cross-dose not included in either direction, self-dose only")
        s = imaging_s_values(trial.nuclide, organs, phantom="both", saf_dir=saf_dir, masses=masses,
                             progeny=progeny, mass_convention=mass_convention, tumour_hosts=hosts)
        cited.extend(s.sources_cited)
        for t in s.tables.values():
            files.update(t.data_files)
        phantom = f"adult-{p.sex}"
        table = s.tables[phantom].values                       # targets x (organs, tumours, remainder)
        alpha = s.tables[phantom].by_class["alpha"]
        targets = {r: r for r in organs if is_tumour(r)}
        for r in organs:
            same = [t for t in s.mapping.get(r, ()) if t in table.index]
            if not is_tumour(r) and len(same) == 1:
                targets[r] = same[0]
        if "red_marrow" not in targets:
            targets["red_marrow"] = "R-marrow"
        for cycle in sorted({c for _, c, _ in keys}):
            cyc = {r: fits[(p.id, cycle, r)] for r in regions if (p.id, cycle, r) in fits}
            bad = [r for r, f in cyc.items() if not f.success]
            if bad or any(r not in cyc for r in organs):
                for r in bad or [r for r in organs if r not in cyc]:
                    missing[(p.id, r)] = f"cycle {cycle}: region {r!r} without an eligible fit"
                continue
            tia = {r: cyc[r].tia_MBq_h for r in organs}
            sd = {r: cyc[r].tia_sd_MBq_h for r in organs}
            has_wb = WHOLE_BODY in cyc
            if has_wb:
                tia[WHOLE_BODY], sd[WHOLE_BODY] = cyc[WHOLE_BODY].tia_MBq_h, cyc[WHOLE_BODY].tia_sd_MBq_h
            else:
                missing[(p.id, "remainder")] = "no whole-body measurement: activity outside the imaged regions is not included"
            d = imaging_doses(tia, s, tia_sd_MBq_h=sd, alpha_rbe=alpha_rbe)
            a0 = admin[(p.id, cycle)]
            for region, target in targets.items():
                srow = table.loc[target]
                rem = float(srow[REMAINDER]) if has_wb else 0.0
                var = sum(((float(srow[r]) - rem) * sd[r]) ** 2 for r in organs)
                if has_wb:
                    var += (rem * sd[WHOLE_BODY]) ** 2
                dose = d.dose(target, phantom=phantom)
                alpha_dose = float(sum(float(alpha.loc[target, r]) * tia_r for r, tia_r in d.tia_MBq_h.items()))
                share = alpha_dose / dose if dose > 0 else 0.0
                row = {"patient": p.id, "cycle": cycle, "target": region,
                       "mass_kg": float(masses.get(region, s.tables[phantom].target_masses_kg.get(target, np.nan))),
                       "s_model": (f"sphere + host photons ({hosts[region]})" if region in hosts else "sphere")
                       if is_tumour(region) else f"ICRP 133 {phantom}",
                       "s_Gy_per_MBq_h": np.nan, "absorbed_Gy": dose, "absorbed_sd_Gy": float(np.sqrt(var)),
                       "Gy_per_GBq": dose / (a0 / 1000.0), "alpha_fraction": share,
                       "rbe_weighted_Gy": float(d.dose_tables[phantom].dose(target, kind="rbe_weighted")),
                       "bed_Gy": np.nan, "bed_sd_Gy": np.nan}
                if region in lq:
                    amps, rates = [], []
                    for r in organs:
                        a_r, k_r = cyc[r].terms()
                        amps.append((float(srow[r]) - rem) * a_r)
                        rates.append(k_r)
                    if has_wb:
                        a_w, k_w = cyc[WHOLE_BODY].terms()
                        amps.append(rem * a_w)
                        rates.append(k_w)
                    tissue = lq[region]
                    row["bed_Gy"], row["bed_sd_Gy"] = _bed_with_sd(np.concatenate(amps), np.concatenate(rates),
                                                                   dose, row["absorbed_sd_Gy"], tissue)
                rows.append(row)
            if d.effective_Sv is not None:
                effective.append({"patient": p.id, "cycle": cycle, "effective_Sv": d.effective_Sv})
            else:
                missing[(p.id, "effective dose")] = d.not_computed.get("effective dose", "not computable")
    return rows, missing, effective, cited, _icrp133_label(hosted, alone), files
