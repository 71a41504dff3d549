"""Imaging regions -> ICRP 133 source regions, with the remainder of the body made explicit.

Quantitative imaging gives time-integrated activities (TIA, MBq*h) in a few volumes of interest
(kidneys, liver, spleen, ...), in tumours and in the whole body. ICRP 133 S values are defined
for its own 79 source regions. This module maps one onto the other:

* :data:`IMAGING_REGIONS`: imaging region name -> the ICRP 133 source region(s) it stands for.
  Where one imaging region covers several ICRP 133 source regions (colon wall = right colon,
  left colon and rectosigmoid walls; mineral bone = cortical and trabecular bone volume) its S
  column is the **mass-weighted mean** of theirs, i.e. the activity is taken as uniform over
  them: ``S(T <- region) = sum_s m_s S(T <- s) / sum_s m_s``.
* **Remainder of body.** The activity measured in the whole body but not in any imaged region,
  ``A_rem = A_WB - sum_imaged A_i`` (tumours and red marrow included in the sum), is spread over
  every body region not covered by an imaged region, in proportion to mass, exactly as ICRP
  builds its "Other" source (:func:`pkdose.dosimetry.coefficients.with_other`, reused here).
  This is the classical remainder-of-body correction of MIRD/OLINDA (Cloutier et al. 1973):
  ``S(T <- RB) = [M S(T <- WB) - sum_h m_h S(T <- h)] / (M - sum_h m_h)`` is the same number
  when the whole-body S is the mass-weighted mean over the body regions. A negative remainder
  is an error naming the regions; within the stated uncertainty it is set to 0 and recorded,
  never clipped silently.
* **Tumours** (regions named ``tumour``, ``tumour_1``, ``tumour:liver-met``...) are not ICRP
  133 regions: their self-dose S is that of a unit-density sphere of the tumour's mass
  (:func:`pkdose.dosimetry.spheres.sphere_s_value`). Their activity is their own column, never
  part of an organ or of the remainder. Given the organ containing a tumour
  (``tumour_hosts``, one of :data:`TUMOUR_HOSTS`), the tumour also receives the host's photon
  dose from every other source, and its photons irradiate every target as the host's would
  (photon cross-dose both ways by reciprocity; Notes of :func:`imaging_s_values`). Without a
  host there is **no cross-dose** between that tumour and the organs in either direction (the S
  entries are 0), and every result says so.
* **Red marrow** from blood samples: :func:`red_marrow_tia_from_blood` (the blood-based method
  of the EANM guideline); or give a measured ``red_marrow`` TIA.

The body regions (:func:`body_regions`). The remainder needs a set of ICRP 133 source regions
that fills the body once, without overlap. It is: the regions flagged "other tissue"
(``ID = 1`` in ``sregions_2016-08-12.NDX``: the systemic tissues, blood-free, with R-marrow and
Y-marrow but not the overlapping T-/C-marrow, the lung tissue ``Lung-Tis`` but not the
respiratory-tract regions ``Lungs``/``ALV``/bronchi, the walls of the alimentary tract but not
their mucosa layers), plus ``Blood`` (all the blood of the body: the source masses of the organs
exclude their blood) and the seven contents (stomach, small intestine, right and left colon,
rectosigmoid, gall bladder, urinary bladder). Their masses add up to the ICRP Publication 89
reference body masses, 73 kg (male) and 60 kg (female), to 1 g. The ICRP 133 source ``Tongue``
is left out, as the NDX flags leave it out: it overlaps ``O-mucosa`` (checked with Lu-177
electrons and a uniform activity: with ``Tongue`` included the oral-mucosa target gets far more
than the dose of the surrounding tissues, without it about the same), so a ``tongue`` imaging
region is not offered, and under a uniform whole-body activity the ``Tongue`` *target* (used by
no ICRP 103 tissue) gets clearly less electron dose than its neighbours.

Blood. Blood is part of the remainder (ICRP 133 source ``Blood`` with its full mass: 5.6 kg in
the male) unless it is itself an imaged region (``blood``, e.g. the whole-blood TIA from blood
samples). An imaged organ's volume of interest contains the organ's blood; its TIA is assigned
to the organ's (blood-free) ICRP 133 source region, whose S per *target* mass includes the
blood (ICRP 133 target masses include blood), which is right for the self-dose. The ICRP 133
``Blood`` source however also contains the blood inside the imaged organs, so the remainder's
blood share puts a small part of the remainder activity into them: the blood mass concerned is
reported as ``blood_overlap_kg`` (target minus source mass of each imaged organ, e.g. 0.112 kg
for the male kidneys, 0.56 kg for the liver) and is at most about 1 % of the remainder mass for
the usual kidneys/liver/spleen imaging. It is not subtracted: subtracting it would need the S
of the blood in each organ, which ICRP 133 does not give separately.

Masses. ICRP 133 *source* masses are the ICRP 89 organ masses without blood (kidneys 0.310 kg
in the male), *target* masses include the organ's blood (kidneys 0.422 kg). Organ volumes from
CT are compared in practice with the ICRP 89 masses, so by default (``mass_convention="icrp89"``)
a patient mass ``m`` is read in that convention and converted to the target convention of the
S values with the phantom's own ratio, ``m_T = m x m_T,ref / m_S,ref``, before
:func:`~pkdose.dosimetry.scale_to_masses` (self-dose electrons and alphas x m_ref/m, photons x
(m_ref/m)^(2/3), cross terms unchanged); ``mass_convention="icrp133-target"`` takes masses that
already include the organ's blood.

Units: TIA MBq*h, S Gy/(MBq*h), masses kg, doses Gy (Sv for equivalent and effective dose).

References
----------
.. [1] ICRP, 2016. The ICRP computational framework for internal dose assessment for reference
   adults: specific absorbed fractions. ICRP Publication 133. Ann. ICRP 45(2).
.. [2] ICRP, 2002. Basic anatomical and physiological data for use in radiological protection:
   reference values. ICRP Publication 89. Ann. ICRP 32(3-4).
.. [3] Cloutier RJ, Watson EE, Rohrer RH, Smith EM. Calculating the radiation dose to an organ.
   J Nucl Med 1973;14:53-55 (remainder-of-body correction).
.. [4] Stabin MG, Sparks RB, Crowe E. OLINDA/EXM: the second-generation personal computer
   software for internal dose assessment in nuclear medicine. J Nucl Med 2005;46:1023-1027.
.. [5] Hindorf C, Glatting G, Chiesa C, Linden O, Flux G. EANM Dosimetry Committee guidelines
   for bone marrow and whole-body dosimetry. Eur J Nucl Med Mol Imaging 2010;37:1238-1250.
.. [6] Sgouros G. Bone marrow dosimetry for radioimmunotherapy: theoretical considerations.
   J Nucl Med 1993;34:689-694.

Examples
--------
>>> IMAGING_REGIONS["colon"].sources
('RC-wall', 'LC-wall', 'RS-wall')
>>> IMAGING_REGIONS["kidneys"].sources
('Kidneys',)
>>> s = imaging_s_values("Lu-177", ["kidneys", "liver", "spleen", "tumour_1"],
...                      masses={"tumour_1": "20 g"})
>>> s.sources
('kidneys', 'liver', 'spleen', 'tumour_1', 'remainder')
>>> d = imaging_doses({"kidneys": 3000, "liver": 5000, "spleen": 1500, "tumour_1": 2000,
...                    "whole_body": 40000}, s)
>>> float(d.tia_MBq_h["remainder"])              # 40000 - (3000 + 5000 + 1500 + 2000)
28500.0
>>> d.effective is None                 # one phantom: E needs phantom="both"
True
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DoseError, UnknownNameError, check_names
from ..provenance import Source
from ..units import to_internal
from .coefficients import OTHER, with_other
from .dose import DEFAULT_ALPHA_RBE, DoseTable, absorbed_dose
from .icrp133 import canonical_phantom, load_icrp133
from .scaling import scale_to_masses
from .spheres import sphere_s_value
from .svalues import RADIATION_CLASSES, SValueTable, s_values
from .tissues import SEXES, EffectiveDose, EquivalentDoses, equivalent_dose

__all__ = [
    "ImagingRegion",
    "IMAGING_REGIONS",
    "NOT_MAPPED",
    "TUMOUR_HOSTS",
    "WHOLE_BODY",
    "REMAINDER",
    "BODY_REGIONS_ADDED",
    "MASS_CONVENTIONS",
    "REFERENCE_RED_MARROW_KG",
    "BLOOD_DENSITY_G_PER_ML",
    "RMBLR_SMALL_MOLECULE",
    "RMBLR_ANTIBODY",
    "ImagingSValues",
    "ImagingDoses",
    "body_regions",
    "is_tumour",
    "tumour_host_problem",
    "imaging_s_values",
    "imaging_doses",
    "red_marrow_tia_from_blood",
    "SOURCES",
]

#: TIA key of the measured whole body (not a source: it is split into imaged regions + remainder).
WHOLE_BODY = "whole_body"
#: Name of the remainder-of-body source column.
REMAINDER = "remainder"
#: Accepted ``mass_convention`` values of :func:`imaging_s_values`.
MASS_CONVENTIONS: tuple[str, ...] = ("icrp89", "icrp133-target")

_UNIT = "Gy/(MBq*h)"
_TUMOUR = re.compile(r"^(tumour|tumor|lesion)([_:\-].+)?$")


@dataclass(frozen=True)
class ImagingRegion:
    """One imaging region and the ICRP 133 source region(s) it stands for.

    Attributes
    ----------
    name : str
        Imaging region name (lower case, underscores), e.g. ``"kidneys"``.
    sources : tuple of str
        ICRP 133 source regions (names as in ``sregions_2016-08-12.NDX``); several are combined
        with mass weights (uniform activity over them).
    description : str
        What the volume of interest is, and any caveat.
    """

    name: str
    sources: tuple[str, ...]
    description: str


def _r(name: str, sources: tuple[str, ...], description: str) -> tuple[str, ImagingRegion]:
    return name, ImagingRegion(name, sources, description)


#: Imaging region -> ICRP 133 source region(s). Every source named here is a body region
#: (:func:`body_regions`), so that an imaged region removes exactly its own mass from the
#: remainder. ICRP 133 has one kidney source region ("Kidneys": no cortex/medulla/pelvis) and one
#: salivary-gland region ("S-glands": parotid, submandibular and sublingual together).
IMAGING_REGIONS: MappingProxyType[str, ImagingRegion] = MappingProxyType(dict([
    _r("adrenals", ("Adrenals",), "adrenal glands"),
    _r("blood", ("Blood",), "all the blood of the body, e.g. blood-sample concentration x blood "
       "volume; ICRP 133 'Blood' spreads it over the organs by their blood content"),
    _r("bone", ("C-bone-V", "T-bone-V"), "mineral bone, uniform in the cortical and trabecular bone "
       "volume (not a bone-surface seeker)"),
    _r("brain", ("Brain",), "brain"),
    _r("breast", ("Breast",), "breast (glandular and adipose tissue of the ICRP 133 region)"),
    _r("colon", ("RC-wall", "LC-wall", "RS-wall"), "colon wall: right colon, left colon and "
       "rectosigmoid walls, mass-weighted"),
    _r("colon_contents", ("RC-cont", "LC-cont", "RS-cont"), "contents of right colon, left colon "
       "and rectosigmoid, mass-weighted"),
    _r("gallbladder_contents", ("GB-cont",), "gall bladder contents"),
    _r("gallbladder_wall", ("GB-wall",), "gall bladder wall"),
    _r("heart_wall", ("Ht-wall",), "heart wall (myocardium); the blood in the chambers is part of "
       "'blood'"),
    _r("kidneys", ("Kidneys",), "both kidneys (ICRP 133 has one kidney source region)"),
    _r("liver", ("Liver",), "liver"),
    _r("lungs", ("Lung-Tis",), "lung tissue (ICRP 133 'Lung-Tis', the systemic lung tissue of "
       "the body regions; 'Lungs' and 'ALV' are respiratory-tract regions overlapping it)"),
    _r("muscle", ("Muscle",), "skeletal muscle"),
    _r("oesophagus", ("Oesophag-w",), "oesophagus wall"),
    _r("ovaries", ("Ovaries",), "ovaries (adult female only)"),
    _r("pancreas", ("Pancreas",), "pancreas"),
    _r("pituitary", ("P-gland",), "pituitary gland"),
    _r("prostate", ("Prostate",), "prostate (adult male only)"),
    _r("red_marrow", ("R-marrow",), "active (red) marrow, measured or from blood "
       "(red_marrow_tia_from_blood)"),
    _r("salivary_glands", ("S-glands",), "parotid, submandibular and sublingual glands "
       "(one ICRP 133 region)"),
    _r("skin", ("Skin",), "skin"),
    _r("small_intestine", ("SI-wall",), "small-intestine wall"),
    _r("small_intestine_contents", ("SI-cont",), "small-intestine contents"),
    _r("spleen", ("Spleen",), "spleen"),
    _r("stomach", ("St-wall",), "stomach wall"),
    _r("stomach_contents", ("St-cont",), "stomach contents"),
    _r("testes", ("Testes",), "testes (adult male only)"),
    _r("thymus", ("Thymus",), "thymus"),
    _r("thyroid", ("Thyroid",), "thyroid"),
    _r("urinary_bladder_contents", ("UB-cont",), "urinary bladder contents (the usual bladder "
       "volume of interest)"),
    _r("urinary_bladder_wall", ("UB-wall",), "urinary bladder wall"),
    _r("uterus", ("Uterus",), "uterus (adult female only)"),
]))

#: Names a user may try that have no ICRP 133 counterpart, with the reason and what to do.
NOT_MAPPED: MappingProxyType[str, str] = MappingProxyType({
    "heart": "a whole-heart volume holds wall and chamber blood, which ICRP 133 keeps in two "
             "different source regions ('Ht-wall' and 'Blood'); give 'heart_wall' and/or 'blood'",
    "heart_contents": "ICRP 133 has no heart-contents source region: the blood in the chambers is "
                      "part of 'Blood'; give the whole-blood TIA as 'blood' or leave it in the "
                      "remainder",
    "kidney_cortex": "ICRP 133 has one kidney source region ('Kidneys'); give 'kidneys'",
    "kidney_medulla": "ICRP 133 has one kidney source region ('Kidneys'); give 'kidneys'",
    "urinary_bladder": "ambiguous: give 'urinary_bladder_contents' (the usual volume of interest) "
                       "or 'urinary_bladder_wall'",
    "bone_surface": "ICRP 133 bone-surface sources ('C-bone-S', 'T-bone-S') have no mass and "
                    "cannot be mass-weighted or removed from the remainder; use "
                    "pkdose.dosimetry.s_values directly",
    "lacrimal_glands": "not an ICRP 133 region: leave the activity in the whole body (it becomes "
                       "part of the remainder) or treat it as a sphere with a 'tumour_...' name",
    "whole_body": "the whole body is not a source: give its TIA to imaging_doses(), which splits it "
                  "into the imaged regions and the 'remainder' column that imaging_s_values() "
                  "always builds",
    "remainder": "'remainder' is always built by imaging_s_values(); give its TIA (or the "
                 "whole-body TIA) to imaging_doses()",
})

#: Organs that can contain a tumour for the tumour-organ cross-dose (``tumour_hosts`` of
#: :func:`imaging_s_values`, ``tumour_host`` of a trial manifest): imaging region -> the ICRP 133
#: *target* region whose photon dose a lesion inside the organ is taken to receive. The host's
#: *source* region is its one :data:`IMAGING_REGIONS` source. For most organs source and target
#: are the same region; the lung tissue is the source ``Lung-Tis`` and the target ``AI`` (the
#: alveolar-interstitial region, the bulk of the lung parenchyma), the stomach and small-intestine
#: walls are received through their stem-cell layers ``St-stem``/``SI-stem`` and the oesophagus
#: wall through ``Oesophagus``: photon doses vary little over a few millimetres of tissue.
#: Left out: regions of several ICRP 133 sources (``colon``, ``bone``), contents and blood (no
#: ICRP 133 target), and the organs of one sex (ovaries, uterus, prostate, testes: the ICRP 103
#: effective dose that :func:`pkdose.dosimetry.imaging.trial_doses` gives needs both phantoms);
#: :func:`tumour_host_problem` says why for each.
TUMOUR_HOSTS: MappingProxyType[str, str] = MappingProxyType({
    "adrenals": "Adrenals", "brain": "Brain", "breast": "Breast", "gallbladder_wall": "GB-wall",
    "heart_wall": "Ht-wall", "kidneys": "Kidneys", "liver": "Liver", "lungs": "AI",
    "muscle": "Muscle", "oesophagus": "Oesophagus", "pancreas": "Pancreas", "pituitary": "P-gland",
    "red_marrow": "R-marrow", "salivary_glands": "S-glands", "skin": "Skin",
    "small_intestine": "SI-stem", "spleen": "Spleen", "stomach": "St-stem", "thymus": "Thymus",
    "thyroid": "Thyroid", "urinary_bladder_wall": "UB-wall",
})
_ONE_SEX = ("ovaries", "prostate", "testes", "uterus")

#: Source regions added to the NDX "other tissue" regions to fill the body (see module docstring).
BODY_REGIONS_ADDED: tuple[str, ...] = ("Blood", "St-cont", "SI-cont", "RC-cont", "LC-cont",
                                       "RS-cont", "GB-cont", "UB-cont")

#: Reference red (active) marrow masses, kg (ICRP Publication 89; the same values are the
#: ICRP 133 'R-marrow' source masses).
REFERENCE_RED_MARROW_KG: MappingProxyType[str, float] = MappingProxyType({
    "adult-male": 1.17,     # ICRP 89 reference adult male, active marrow
    "adult-female": 0.90,   # ICRP 89 reference adult female, active marrow
})
#: Density of whole blood, g/mL (ICRU Report 44, 1989: blood, whole, 1.06 g/cm3).
BLOOD_DENSITY_G_PER_ML = 1.06
#: Red-marrow-to-blood activity concentration ratio for small molecules (peptides) that do not
#: bind to blood, marrow or bone cells (EANM guideline, Hindorf et al. 2010).
RMBLR_SMALL_MOLECULE = 1.0
#: Red-marrow-to-blood concentration ratio of intact antibodies (Sgouros 1993; EANM 2010).
RMBLR_ANTIBODY = 0.36

SOURCES: MappingProxyType[str, Source] = MappingProxyType({
    "regions": Source(
        "ICRP Publication 133, Ann. ICRP 45(2), 2016", table="sregions_2016-08-12.NDX",
        note="source region names, male/female masses and the 'other tissue' flag (ID = 1) read "
             "at run time; the body regions are the flagged regions + Blood + contents"),
    "body_mass": Source(
        "ICRP Publication 89, Ann. ICRP 32(3-4), 2002",
        note="reference body masses 73 kg (adult male) and 60 kg (adult female), and active "
             "marrow 1.17 kg / 0.90 kg; page numbers not verified by pkdose"),
    "remainder": Source(
        "Cloutier RJ, Watson EE, Rohrer RH, Smith EM. Calculating the radiation dose to an organ. "
        "J Nucl Med 1973;14:53-55",
        note="remainder of body: whole-body activity minus the source organs, uniform over the "
             "remaining mass; S(T<-RB) = [M S(T<-WB) - sum_h m_h S(T<-h)]/(M - sum_h m_h)"),
    "olinda": Source(
        "Stabin MG, Sparks RB, Crowe E. OLINDA/EXM. J Nucl Med 2005;46:1023-1027",
        note="remainder-of-body input as whole body minus the listed source organs"),
    "other_rule": Source(
        "FlexID (github.com/9rnsr/FlexID), FlexID.Calc/InputDataReader_OIR.cs",
        note="mass-weighted mean S over the constituent ICRP 133 regions, as for 'Other' "
             "(pkdose.dosimetry.coefficients.with_other)"),
    "red_marrow": Source(
        "Hindorf C, Glatting G, Chiesa C, Linden O, Flux G. EANM Dosimetry Committee guidelines "
        "for bone marrow and whole-body dosimetry. Eur J Nucl Med Mol Imaging 2010;37:1238-1250",
        note="blood-based method: TIA_RM = [TIA]_blood x RMBLR x m_RM; RMBLR = 1 for small "
             "molecules not binding to blood, marrow or bone (page not verified by pkdose)"),
    "rmblr_antibody": Source(
        "Sgouros G. Bone marrow dosimetry for radioimmunotherapy: theoretical considerations. "
        "J Nucl Med 1993;34:689-694", note="RMBLR = 0.36 for intact antibodies"),
    "blood_density": Source("ICRU Report 44, Tissue substitutes in radiation dosimetry and "
                            "measurement, 1989", note="whole blood 1.06 g/cm3"),
    "reciprocity": Source(
        "Loevinger R, Budinger TF, Watson EE. MIRD Primer for Absorbed Dose Calculations. New York: "
        "Society of Nuclear Medicine, 1988",
        note="reciprocity theorem: the specific absorbed fraction is the same with source and target "
             "exchanged, Phi(T<-S) = Phi(S<-T), exact in an infinite homogeneous medium and used for "
             "photons between organs; tumour-organ photon cross-dose through the host organ's SAFs "
             "(page not verified by pkdose)"),
    "reciprocity_phantom": Source(
        "Cristy M, Eckerman KF. Specific absorbed fractions of energy at various ages from internal "
        "photon sources. ORNL/TM-8381. Oak Ridge National Laboratory, 1987",
        note="photon SAFs of phantom organ pairs made reciprocal (mean of the two directions) "
             "(page not verified by pkdose)"),
})


# ----------------------------------------------------------------------------------------
# names


def is_tumour(name: str) -> bool:
    """True for a tumour region name: ``tumour``/``tumor``/``lesion``, optionally followed by
    ``_``, ``:`` or ``-`` and a label (``"tumour_1"``, ``"tumour:liver-met"``, ``"lesion-2"``).

    Examples
    --------
    >>> is_tumour("tumour_1"), is_tumour("tumor:a"), is_tumour("tumours")
    (True, True, False)
    """
    return bool(_TUMOUR.match(name))


def tumour_host_problem(host: str) -> str | None:
    """Why *host* cannot be the organ containing a tumour, or None when it can.

    A host must be one of :data:`TUMOUR_HOSTS`. For another name the answer says what is wrong
    and, for a misspelt name, the closest host. Needs no ICRP 133 files (used by
    :func:`pkdose.data.read_trial`).

    Examples
    --------
    >>> tumour_host_problem("liver") is None
    True
    >>> tumour_host_problem("livr")
    "not an imaging region (did you mean 'liver'?)"
    >>> tumour_host_problem("colon")
    "'colon' stands for several ICRP 133 source regions (RC-wall, LC-wall, RS-wall) and has no one target region"
    """
    if not isinstance(host, str):
        return f"a region name (str), not {type(host).__name__}"
    if host in TUMOUR_HOSTS:
        return None
    if is_tumour(host):
        return "a tumour cannot contain another tumour: give the organ that contains them"
    if host in NOT_MAPPED:
        return f"{host!r} has no ICRP 133 counterpart: {NOT_MAPPED[host]}"
    if host in _ONE_SEX:
        return (f"{host!r} exists in one ICRP 133 reference phantom only, and the sex-averaged "
                "effective dose needs both: not supported as a tumour host")
    if host in IMAGING_REGIONS:
        srcs = IMAGING_REGIONS[host].sources
        if len(srcs) > 1:
            return (f"{host!r} stands for several ICRP 133 source regions ({', '.join(srcs)}) and has "
                    "no one target region")
        return (f"the ICRP 133 source region of {host!r} ({srcs[0]}) is not a target region (contents "
                "and blood receive no dose in ICRP 133)")
    close = UnknownNameError("tumour host", host, TUMOUR_HOSTS).suggestions
    return "not an imaging region" + (f" (did you mean {close[0]!r}?)" if close else "")


def _check_regions(regions: Iterable[str]) -> tuple[str, ...]:
    if isinstance(regions, str):
        raise DoseError("regions", "a list of imaging region names, e.g. ['kidneys', 'liver']", regions)
    out: list[str] = []
    for name in regions:
        if not isinstance(name, str):
            raise DoseError("regions", "imaging region names (str)", name)
        if name in out:
            raise DoseError("regions", "each imaging region once", f"{name!r} twice")
        if name in IMAGING_REGIONS or is_tumour(name):
            out.append(name)
        elif name in NOT_MAPPED:
            raise DoseError(f"regions[{name!r}]", "an imaging region with an ICRP 133 counterpart",
                            f"{name!r}: {NOT_MAPPED[name]}")
        else:
            known = (*IMAGING_REGIONS, "tumour_<label>")
            raise UnknownNameError("imaging region", name, known,
                                   "pkdose.dosimetry.regions.IMAGING_REGIONS (tumours: 'tumour_<label>')")
    return tuple(out)


def body_regions(phantom: str = "adult-male", saf_dir: str | os.PathLike[str] | None = None
                 ) -> tuple[str, ...]:
    """The ICRP 133 source regions that fill the body once (the remainder is spread over them).

    The regions flagged "other tissue" in ``sregions_2016-08-12.NDX``, then
    :data:`BODY_REGIONS_ADDED` (Blood and the seven contents), without regions of zero mass in
    the phantom. Their masses add up to the ICRP 89 reference body mass (73 kg male, 60 kg
    female).

    Parameters
    ----------
    phantom : str
        ``"adult-male"`` or ``"adult-female"`` (any spelling of :func:`canonical_phantom`).
    saf_dir : path, optional
        ICRP 133 files (default ``$PKDOSE_ICRP133_DIR``).

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> regs = body_regions("adult-male")              # reads the ICRP 133 index: like s_values()
    >>> "Blood" in regs, "Lungs" in regs, "Lung-Tis" in regs, "T-marrow" in regs
    (True, False, True, False)
    """
    data = load_icrp133(phantom, saf_dir)
    mass = dict(zip(data.sources, data.source_masses_kg))
    regs = [r for r in data.other_tissue if r not in BODY_REGIONS_ADDED]
    regs += [r for r in BODY_REGIONS_ADDED if r in mass]
    return tuple(r for r in regs if mass[r] > 0)


# ----------------------------------------------------------------------------------------
# results


def _pick(phantoms: tuple[str, ...], phantom: str | None, where: str) -> str:
    if phantom is None:
        if len(phantoms) == 1:
            return phantoms[0]
        raise DoseError("phantom", f"one of {phantoms} ({where} holds both)", None)
    sex = canonical_phantom(phantom)
    if sex not in phantoms:
        raise UnknownNameError("phantom", sex, phantoms, where)
    return sex


@dataclass(frozen=True, eq=False)
class ImagingSValues:
    """S values from imaging regions (and the remainder of body) to ICRP 133 targets and tumours.

    Get one with :func:`imaging_s_values`; use it with :func:`imaging_doses`.

    Attributes
    ----------
    nuclide : str
        Canonical ICRP 107 name.
    phantoms : tuple of str
        ``("adult-male",)``, ``("adult-female",)`` or both (male first).
    unit : str
        ``"Gy/(MBq*h)"``.
    regions : tuple of str
        The imaging regions, as given (organs and tumours).
    sources : tuple of str
        Columns of the S tables: ``regions`` then ``"remainder"``.
    tumours : tuple of str
        The tumour regions among ``regions``.
    tables : Mapping of str to SValueTable
        Per phantom: S(target <- imaging source), Gy/(MBq*h), targets = the 43 ICRP 133 targets
        followed by the tumours, split by radiation class, usable with
        :func:`pkdose.dosimetry.absorbed_dose`. A tumour's own entry is its sphere self-dose S;
        for a tumour with a host (``tumour_hosts``) its row holds the host's photon S from every
        other source and its column the host's photon S to every ICRP 133 target (photon class
        only); for a tumour without a host the other entries of its row and column are 0.
    mapping : Mapping of str to tuple of str
        Imaging region -> ICRP 133 source regions (tumours -> ``()``).
    weights : Mapping of str to pandas.DataFrame
        Per phantom: the weight of each ICRP 133 source region (rows) in each organ column and
        in the remainder (columns), mass-proportional, columns summing to 1.
    remainder_regions : Mapping of str to tuple of str
        Per phantom: the body regions the remainder is spread over.
    reference_masses_kg : Mapping of str to pandas.Series
        Per phantom, by source column: the ICRP 133 source mass (blood-free, ICRP 89) of the
        organ regions, the remainder mass, and the tumour masses.
    patient_masses_kg : pandas.Series
        The masses given, kg, by imaging region (as given, in ``mass_convention``).
    scaled_target_masses_kg : Mapping of str to pandas.Series
        Per phantom: ICRP 133 target -> the blood-inclusive patient mass passed to
        :func:`~pkdose.dosimetry.scale_to_masses`.
    mass_convention : str
        ``"icrp89"`` or ``"icrp133-target"`` (module docstring).
    blood_overlap_kg : Mapping of str to float
        Per phantom: the blood mass inside the imaged organs (target minus source mass) that the
        remainder's ``Blood`` share still covers (module docstring, "Blood").
    tumour_s : Mapping of str to object
        Tumour -> its :class:`~pkdose.dosimetry.SphereSValue`.
    convention : str
        The imaging rules used, in words, per phantom (the full S-value convention of each
        phantom is ``tables[phantom].convention``).
    sources_cited : tuple of Source
    tumour_hosts : Mapping of str to str
        Tumour -> the organ containing it (:data:`TUMOUR_HOSTS`), for the tumours that get the
        tumour-organ photon cross-dose; tumours not listed have self-dose only.
    """

    nuclide: str
    phantoms: tuple[str, ...]
    unit: str
    regions: tuple[str, ...]
    sources: tuple[str, ...]
    tumours: tuple[str, ...]
    tables: Mapping[str, SValueTable]
    mapping: Mapping[str, tuple[str, ...]]
    weights: Mapping[str, pd.DataFrame]
    remainder_regions: Mapping[str, tuple[str, ...]]
    reference_masses_kg: Mapping[str, pd.Series]
    patient_masses_kg: pd.Series
    scaled_target_masses_kg: Mapping[str, pd.Series]
    mass_convention: str
    blood_overlap_kg: Mapping[str, float]
    tumour_s: Mapping[str, Any]
    convention: str
    sources_cited: tuple[Source, ...]
    tumour_hosts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def table(self, phantom: str | None = None) -> SValueTable:
        """The S table of one phantom (``phantom`` may be omitted when there is only one)."""
        return self.tables[_pick(self.phantoms, phantom, "ImagingSValues")]

    def s(self, target: str, source: str, *, phantom: str | None = None, radiation: str = "total",
          unit: str = _UNIT) -> float:
        """S(target <- imaging source) in *unit*; target an ICRP 133 target or a tumour.

        Examples
        --------
        >>> s = imaging_s_values("Lu-177", ["kidneys"])
        >>> s.s("Kidneys", "kidneys") == s_values("Lu-177").s("Kidneys", "Kidneys")
        True
        """
        return self.table(phantom).s(target, source, radiation=radiation, unit=unit)


@dataclass(frozen=True, eq=False)
class ImagingDoses:
    """Absorbed doses from imaging TIAs (see :func:`imaging_doses`).

    Attributes
    ----------
    nuclide : str
    phantoms : tuple of str
    tia_MBq_h : pandas.Series
        TIA used per imaging source (organs, tumours, ``"remainder"``), MBq*h.
    remainder_raw_MBq_h : float
        Whole body minus the imaged regions before any handling (NaN without a whole-body TIA).
    remainder_sd_MBq_h : float
        Its SD from the SDs given (independent errors, added in quadrature; 0 without SDs).
    absorbed_Gy : Mapping of str to pandas.Series
        Per phantom: absorbed dose per target (43 ICRP 133 targets and the tumours), Gy.
    dose_tables : Mapping of str to DoseTable
        Per phantom, the full :class:`~pkdose.dosimetry.DoseTable` (per radiation class,
        RBE-weighted).
    equivalent : EquivalentDoses or None
        ICRP 103 equivalent doses (only when the remainder is known).
    effective : EffectiveDose or None
        ICRP 103 effective dose (only when the remainder is known and both phantoms were used).
    not_computed : Mapping of str to str
        Quantity -> reason, for everything not computed or not included.
    notes : tuple of str
        Everything done to the input that a reader must know (e.g. a remainder set to 0).
    convention : str
        The S-value convention (from :class:`ImagingSValues`).
    sources_cited : tuple of Source
    """

    nuclide: str
    phantoms: tuple[str, ...]
    tia_MBq_h: pd.Series
    remainder_raw_MBq_h: float
    remainder_sd_MBq_h: float
    absorbed_Gy: Mapping[str, pd.Series]
    dose_tables: Mapping[str, DoseTable]
    equivalent: EquivalentDoses | None
    effective: EffectiveDose | None
    not_computed: Mapping[str, str]
    notes: tuple[str, ...]
    convention: str
    sources_cited: tuple[Source, ...]

    def dose(self, target: str, *, phantom: str | None = None) -> float:
        """Absorbed dose [Gy] in one ICRP 133 target region or tumour."""
        series = self.absorbed_Gy[_pick(self.phantoms, phantom, "ImagingDoses")]
        check_names("target region", [target], series.index, "ImagingDoses")
        return float(series[target])

    @property
    def effective_Sv(self) -> float | None:
        """ICRP 103 effective dose [Sv], or None (reason in ``not_computed["effective dose"]``)."""
        return None if self.effective is None else float(self.effective.effective_Sv.iloc[0])


# ----------------------------------------------------------------------------------------
# S values


def _weighted_columns(s: SValueTable, regions: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Mass-weighted mean column over *regions*, total and per class (via ``with_other``)."""
    ext = with_other(s, regions)
    out = {"total": ext.values[OTHER].to_numpy(dtype=float)}
    for c in RADIATION_CLASSES:
        out[c] = ext.by_class[c][OTHER].to_numpy(dtype=float)
    return out


def _masses_kg(masses: Mapping[str, Any] | None, regions: tuple[str, ...]) -> dict[str, float]:
    if masses is None:
        return {}
    if not isinstance(masses, Mapping):
        raise DoseError("masses", "a mapping of imaging region -> mass", type(masses).__name__)
    check_names("imaging region (masses)", masses, regions, "imaging_s_values(masses=...)")
    out = {}
    for r, v in masses.items():
        m = to_internal(v, "mass", f"masses[{r!r}]")
        if not (isinstance(m, float) and math.isfinite(m) and m > 0):
            raise DoseError(f"masses[{r!r}]", "a positive, finite mass", v)
        out[r] = m
    return out


def imaging_s_values(nuclide: str, regions: Iterable[str], *, phantom: str = "adult-male",
                     saf_dir: str | os.PathLike[str] | None = None,
                     masses: Mapping[str, Any] | None = None, mass_convention: str = "icrp89",
                     progeny: str = "none", tumour_hosts: Mapping[str, str] | None = None
                     ) -> ImagingSValues:
    """S values from imaging regions, tumours and the remainder of body to the ICRP 133 targets.

    Parameters
    ----------
    nuclide : str
        Any ICRP 107 nuclide.
    regions : iterable of str
        Imaged regions: names of :data:`IMAGING_REGIONS` and tumours (``"tumour_<label>"``, see
        :func:`is_tumour`). Not ``"whole_body"``: the ``"remainder"`` column is always built.
        May be empty: then the remainder is the whole body, uniform by mass over the body
        regions.
    phantom : {"adult-male", "adult-female", "both"}, default "adult-male"
        ICRP 133 reference phantom(s); ``"both"`` is needed for the ICRP 103 effective dose.
    saf_dir : path, optional
        ICRP 133 files (default ``$PKDOSE_ICRP133_DIR``).
    masses : mapping, optional
        Imaging region -> patient mass (kg or ``"380 g"``). Required for every tumour (sphere
        mass). For organs, only regions mapped to one ICRP 133 region that is both a source and
        a target (kidneys, liver, spleen, thyroid, salivary glands, red marrow, ...); the
        self-dose terms are then rescaled by :func:`~pkdose.dosimetry.scale_to_masses`. With
        ``phantom="both"`` the same patient mass is used in both phantoms.
    mass_convention : {"icrp89", "icrp133-target"}, default "icrp89"
        How organ masses are given: ``"icrp89"``, like the ICRP 89 organ masses and the ICRP 133
        source masses (blood not counted; what CT organ volumes are compared with), converted
        to the blood-inclusive target convention by the phantom's ratio m_T/m_S; or
        ``"icrp133-target"``, already blood-inclusive.
    progeny : {"none", "in-situ"}, default "none"
        As in :func:`~pkdose.dosimetry.s_values` (also used for the tumour spheres).
    tumour_hosts : mapping, optional
        Tumour -> the organ containing it (one of :data:`TUMOUR_HOSTS`; it need not be imaged):
        adds the tumour-organ photon cross-dose in both directions (Notes). Tumours not listed
        keep self-dose only.

    Returns
    -------
    ImagingSValues

    Raises
    ------
    UnknownNameError
        An unknown imaging region (with close matches), phantom, progeny mode or mass key.
    DoseError
        A region without an ICRP 133 counterpart (:data:`NOT_MAPPED`, with the reason), a region
        absent from the phantom (e.g. ovaries in the male), a tumour without a mass, a mass for a
        region that cannot be rescaled, a mass that is not positive, a tumour host that cannot
        hold a tumour (:func:`tumour_host_problem`).
    ICRP133DataError
        No ICRP 133 files.

    Notes
    -----
    For an imaging region *R* made of ICRP 133 source regions *s* with masses :math:`m_s`, and
    for the remainder (*R* = the body regions not covered by any imaged region),

    .. math::

        S(T \\leftarrow R) = \\frac{\\sum_{s \\in R} m_s\\, S(T \\leftarrow s)}{\\sum_{s \\in R} m_s}

    per radiation class (:func:`pkdose.dosimetry.coefficients.with_other`). Tumours:
    :math:`S(t \\leftarrow t)` of a unit-density sphere (:func:`~pkdose.dosimetry.sphere_s_value`).
    Patient masses are applied to the organ self-dose before the columns are formed.

    Tumour-organ cross-dose. Without a host, the other entries of a tumour's row and column are
    0 (no cross-dose). A tumour *t* inside host organ *h* (``tumour_hosts``; ICRP 133 source
    region :math:`s_h`, target region :math:`T_h` = :data:`TUMOUR_HOSTS` [h]) gets, photon class
    only,

    .. math::

        S(t \\leftarrow R) = S_\\gamma(T_h \\leftarrow R) \\quad (R \\neq t), \\qquad
        S(T \\leftarrow t) = S_\\gamma(T \\leftarrow s_h) \\quad (T \\text{ an ICRP 133 target}),

    with *R* any imaging source column (organs, the remainder; another hosted tumour *u*
    counts as its own host's source, :math:`S_\\gamma(T_h \\leftarrow s_{h_u})`). Where in the
    host the lesion lies is not known, so both directions take the host's average: as a target
    the lesion receives the mean photon dose of the organ around it (for the host's own activity
    that is the host's photon self-irradiation), as a source it emits like activity spread
    through the host. For a lesion position uniformly distributed over the host both are exact
    in expectation (they are the definitions of the mean target dose and of the uniform-source
    S); by reciprocity (Loevinger et al. 1988; Cristy and Eckerman 1987) the two directions are
    the same photon coupling, :math:`S_\\gamma(T_h \\leftarrow s_R) \\approx
    S_\\gamma(T_R \\leftarrow s_h)`, which the ICRP 133 tables satisfy to within 1 % for
    neighbouring abdominal organs (Lu-177: liver, kidneys, spleen, pancreas; tested) but less
    closely for distant pairs, the skeleton and the skin (Monte Carlo statistics, blood-inclusive
    target versus blood-free source regions). Electrons and alphas from other regions deposit within
    millimetres of their origin and are not given to the tumour, nor the tumour's to the organs.
    The tumour's activity stays in its own column only: it is neither in the host nor in the
    remainder, and its self-dose is the sphere's.

    Limits: a real lesion sits at one place, near or far from the host's edge and from other
    organs, so its cross-dose can differ from the host's average (most for organs next to the
    host); the photon energy the sphere absorbs itself is counted once more in the host (about
    the sphere's photon absorbed fraction of the host's dose from the tumour); electrons
    crossing the tumour boundary either way are left out (a fraction of the order of the
    sphere's electron escape fraction of the electron energy emitted near the surface); the host
    mass is that of the whole organ, tumour included; the host's photon dose is the reference
    phantom's, scaled to the patient's mass only for its self-dose. The cross-dose is small
    where electrons carry the dose (Lu-177: below 1 % of a 20 g liver lesion's self-dose in the
    tests) and several times larger for photon-rich nuclides such as I-131.

    Examples
    --------
    >>> s = imaging_s_values("Lu-177", ["kidneys", "colon"], masses={"kidneys": 0.36})
    >>> s.sources, s.mapping["colon"]
    (('kidneys', 'colon', 'remainder'), ('RC-wall', 'LC-wall', 'RS-wall'))
    >>> w = s.weights["adult-male"]
    >>> [round(float(x), 12) for x in w.sum()]             # mass weights sum to 1
    [1.0, 1.0, 1.0]
    >>> bool((w.loc["Kidneys", "remainder"] == 0) and (w.loc["Blood", "remainder"] > 0))
    True
    """
    regs = _check_regions(regions)
    if mass_convention not in MASS_CONVENTIONS:
        raise UnknownNameError("mass convention", mass_convention, MASS_CONVENTIONS, "imaging_s_values")
    if phantom == "both":
        phantoms: tuple[str, ...] = SEXES
    else:
        phantoms = (canonical_phantom(phantom),)
    kg = _masses_kg(masses, regs)
    tumours = tuple(r for r in regs if is_tumour(r))
    organs = tuple(r for r in regs if not is_tumour(r))
    no_mass = [t for t in tumours if t not in kg]
    if no_mass:
        raise DoseError(f"masses[{no_mass[0]!r}]", "a mass for every tumour (its sphere S needs it)",
                        "none given")
    for r in organs:
        if r in kg and len(IMAGING_REGIONS[r].sources) != 1:
            raise DoseError(f"masses[{r!r}]", "masses only for imaging regions mapped to one ICRP 133 "
                            "region that is both a source and a target (self-dose scaling)",
                            f"{r!r} -> {IMAGING_REGIONS[r].sources}")
    hosts = _tumour_hosts(tumour_hosts, tumours)
    sources = (*regs, REMAINDER)
    tumour_s = {t: sphere_s_value(nuclide, kg[t], progeny=progeny) for t in tumours}

    tables: dict[str, SValueTable] = {}
    weights: dict[str, pd.DataFrame] = {}
    rem_regions: dict[str, tuple[str, ...]] = {}
    ref_masses: dict[str, pd.Series] = {}
    scaled_masses: dict[str, pd.Series] = {}
    overlap: dict[str, float] = {}
    texts: dict[str, str] = {}
    cited: list[Source] = []
    for sex in phantoms:
        base = s_values(nuclide, phantom=sex, saf_dir=saf_dir, progeny=progeny)
        sm, tm = base.source_masses_kg, base.target_masses_kg
        for r in organs:
            absent = [x for x in IMAGING_REGIONS[r].sources if not float(sm[x]) > 0]
            if absent:
                raise DoseError(f"regions[{r!r}]", f"a region of the ICRP 133 {sex} phantom",
                                f"{r!r} -> {absent} has no mass in the {sex}")
        # patient masses -> blood-inclusive target masses -> scale_to_masses
        target_kg: dict[str, float] = {}
        for r in organs:
            if r not in kg:
                continue
            (src,) = IMAGING_REGIONS[r].sources
            if src not in base.targets:
                raise DoseError(f"masses[{r!r}]", "masses only for imaging regions whose ICRP 133 "
                                "source region is also a target region (self-dose scaling)",
                                f"{r!r} -> source {src!r}, which is no ICRP 133 target")
            ratio = float(tm[src]) / float(sm[src]) if mass_convention == "icrp89" else 1.0
            target_kg[src] = kg[r] * ratio
        scaled = scale_to_masses(base, target_kg) if target_kg else base
        scaled_masses[sex] = pd.Series(target_kg, dtype=float, name="mass_kg")

        covered = {x for r in organs for x in IMAGING_REGIONS[r].sources}
        body = body_regions(sex, saf_dir)
        rest = tuple(x for x in body if x not in covered)
        if not rest:
            raise DoseError("regions", "imaged regions that leave some body region to the remainder",
                            list(organs))
        rem_regions[sex] = rest
        overlap[sex] = float(sum(float(tm[x]) - float(sm[x]) for x in covered
                                 if x in base.targets and x != "Blood"))

        groups = {r: IMAGING_REGIONS[r].sources for r in organs}
        groups[REMAINDER] = rest
        cols = {name: _weighted_columns(scaled, members) for name, members in groups.items()}
        w = pd.DataFrame(0.0, index=pd.Index(base.sources, name="icrp133_source"),
                         columns=pd.Index([*organs, REMAINDER], name="imaging_source"))
        for name, members in groups.items():
            m = sm.loc[list(members)].astype(float)
            w.loc[list(members), name] = (m / m.sum()).to_numpy()
        weights[sex] = w

        targets = (*base.targets, *tumours)
        n_t, n_b = len(targets), len(base.targets)
        # hosted tumours: the photon column of the host's source region (patient-scaled self-dose)
        # and the position of the host's target region
        host_col = {t: _weighted_columns(scaled, IMAGING_REGIONS[h].sources)["photon"]
                    for t, h in hosts.items()}
        for t, h in hosts.items():
            if not float(sm[IMAGING_REGIONS[h].sources[0]]) > 0:
                raise DoseError(f"tumour_hosts[{t!r}]", f"an organ of the ICRP 133 {sex} phantom", h)
        host_row = {t: base.targets.index(TUMOUR_HOSTS[h]) for t, h in hosts.items()}

        def frame(kind: str) -> pd.DataFrame:
            arr = np.zeros((n_t, len(sources)))
            photons = kind in ("total", "photon")
            for j, name in enumerate(sources):
                if name in cols:
                    arr[:n_b, j] = cols[name][kind]
                else:                                        # a tumour: sphere self-dose
                    sph = tumour_s[name]
                    arr[n_b + tumours.index(name), j] = sph.value if kind == "total" else sph.by_class[kind]
                    if photons and name in hosts:            # ... and its photons as the host's
                        arr[:n_b, j] = host_col[name]
            for t in hosts if photons else ():               # a hosted tumour receives the host's photon dose
                i = n_b + tumours.index(t)
                for j, name in enumerate(sources):
                    if name in cols:
                        arr[i, j] = cols[name]["photon"][host_row[t]]
                    elif name in hosts and name != t:
                        arr[i, j] = host_col[name][host_row[t]]
            return pd.DataFrame(arr, index=pd.Index(targets, name="target"),
                                columns=pd.Index(sources, name="source"))

        ref = pd.Series({r: float(sm.loc[list(IMAGING_REGIONS[r].sources)].sum()) for r in organs},
                        dtype=float)
        for t in tumours:
            ref[t] = kg[t]
        ref[REMAINDER] = float(sm.loc[list(rest)].sum())
        ref = ref.reindex(list(sources))
        ref.name = "mass_kg"
        ref_masses[sex] = ref
        tgt_masses = pd.concat([scaled.target_masses_kg,
                                pd.Series({t: kg[t] for t in tumours}, dtype=float)])
        tgt_masses.index.name = "target"
        tgt_masses.name = "mass_kg"
        texts[sex] = _convention_text(organs, tumours, rest, mass_convention, overlap[sex],
                                      float(ref[REMAINDER]), hosts)
        tables[sex] = replace(
            scaled, targets=targets, sources=sources, values=frame("total"),
            by_class=MappingProxyType({c: frame(c) for c in RADIATION_CLASSES}),
            target_masses_kg=tgt_masses, source_masses_kg=ref,
            convention=scaled.convention + "; imaging sources: " + texts[sex],
            sources_cited=tuple(dict.fromkeys([*scaled.sources_cited, *SOURCES.values()])))
        cited.extend(tables[sex].sources_cited)
    for t in tumours:
        cited.extend(tumour_s[t].sources_cited)
    conv = " | ".join(f"{sex}: {texts[sex]}" for sex in phantoms)
    return ImagingSValues(
        nuclide=base.nuclide, phantoms=phantoms, unit=_UNIT, regions=regs, sources=sources,
        tumours=tumours, tables=MappingProxyType(tables),
        mapping=MappingProxyType({r: (() if is_tumour(r) else IMAGING_REGIONS[r].sources) for r in regs}),
        weights=MappingProxyType(weights), remainder_regions=MappingProxyType(rem_regions),
        reference_masses_kg=MappingProxyType(ref_masses),
        patient_masses_kg=pd.Series(kg, dtype=float, name="mass_kg"),
        scaled_target_masses_kg=MappingProxyType(scaled_masses), mass_convention=mass_convention,
        blood_overlap_kg=MappingProxyType(overlap), tumour_s=MappingProxyType(tumour_s),
        convention=conv, sources_cited=tuple(dict.fromkeys(cited)), tumour_hosts=MappingProxyType(hosts))


def _tumour_hosts(given: Mapping[str, str] | None, tumours: tuple[str, ...]) -> dict[str, str]:
    """Checked ``tumour_hosts`` of :func:`imaging_s_values` (tumour -> host organ)."""
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise DoseError("tumour_hosts", "a mapping of tumour -> organ containing it",
                        type(given).__name__)
    check_names("tumour (tumour_hosts)", given, tumours, "imaging_s_values(tumour_hosts=...)")
    for t, h in given.items():
        problem = tumour_host_problem(h)
        if problem is None:
            continue
        if isinstance(h, str) and problem.startswith("not an imaging region"):
            raise UnknownNameError("tumour host", h, TUMOUR_HOSTS, "imaging_s_values(tumour_hosts=...)")
        raise DoseError(f"tumour_hosts[{t!r}]", f"an organ that can contain a tumour: one of "
                        f"{sorted(TUMOUR_HOSTS)}", f"{h!r}: {problem}")
    return {t: given[t] for t in tumours if t in given}


def _convention_text(organs: tuple[str, ...], tumours: tuple[str, ...], rest: tuple[str, ...],
                     mass_convention: str, overlap_kg: float, rem_kg: float,
                     hosts: Mapping[str, str]) -> str:
    parts = [
        "each imaging region -> its ICRP 133 source region(s) "
        + ", ".join(f"{r} = {'+'.join(IMAGING_REGIONS[r].sources)}" for r in organs)
        + " (several regions: mass-weighted mean S, activity uniform over them)",
        f"'remainder' = whole body minus all imaged regions (tumours included), activity uniform "
        f"by mass over the {len(rest)} body regions not imaged ({rem_kg:.4g} kg: NDX 'other "
        "tissue' regions + Blood + contents, minus the imaged ones), S = mass-weighted "
        "mean (as ICRP 'Other'; Cloutier et al. 1973 remainder of body)",
        f"blood: ICRP 133 'Blood' is part of the remainder with its full mass unless 'blood' is "
        f"imaged; it includes {overlap_kg:.4g} kg of blood inside the imaged organs, whose "
        "activity is already in their volumes of interest (not subtracted)",
        f"patient masses ({mass_convention}): self-dose rescaled by scale_to_masses with "
        "blood-inclusive target masses"
        + (" = mass x m_T,ref/m_S,ref" if mass_convention == "icrp89" else " as given"),
    ]
    alone = [t for t in tumours if t not in hosts]
    if hosts:
        parts.append("tumours " + ", ".join(f"{t} (in {h})" for t, h in hosts.items()) + ": self-dose "
                     "of a unit-density sphere of the tumour mass (sphere_s_value) plus the host "
                     "organ's photon dose S_photon(host <- R) from every other source R, and their "
                     "photons irradiate every target as the host's, S_photon(T <- host) (host "
                     "averages: lesion position within the host not known); "
                     "electrons and alphas between tumour and organs NOT included; tumour activity in "
                     "neither the host nor the remainder")
    if alone:
        parts.append("tumours " + ", ".join(alone) + ": self-dose of a unit-density sphere of the "
                     "tumour mass (sphere_s_value); NO cross-dose between these tumours and organs "
                     "in either direction (no host organ given; S entries 0)")
    return "; ".join(parts)


# ----------------------------------------------------------------------------------------
# doses


def imaging_doses(tia_by_region_MBq_h: Mapping[str, Any], s: ImagingSValues, *,
                  tia_sd_MBq_h: Mapping[str, Any] | None = None, coverage_factor: float = 2.0,
                  alpha_rbe: float = DEFAULT_ALPHA_RBE) -> ImagingDoses:
    """Absorbed dose per ICRP 133 target and tumour from imaging TIAs; E when it can be given.

    Parameters
    ----------
    tia_by_region_MBq_h : mapping
        Imaging region -> TIA (MBq*h, or a quantity such as ``"12 GBq*h"``) for **every** region
        of *s*, plus either ``"whole_body"`` (the remainder is whole body minus all imaged
        regions) or ``"remainder"`` (given directly), or neither (then activity outside the
        imaged regions is not included, and this is recorded).
    s : ImagingSValues
        From :func:`imaging_s_values`.
    tia_sd_MBq_h : mapping, optional
        SD of any of the TIAs given (same keys, MBq*h). Used only to judge a negative remainder.
    coverage_factor : float, default 2
        A remainder ``A_WB - sum A_i`` below 0 but above ``-coverage_factor x SD`` (SD from the
        SDs given, independent errors) is set to 0 and recorded in ``notes``; below that it is an
        error.
    alpha_rbe : float, default 5
        For the RBE-weighted dose of :func:`~pkdose.dosimetry.absorbed_dose`.

    Returns
    -------
    ImagingDoses

    Raises
    ------
    UnknownNameError
        A TIA for a region that is not in *s* (nor ``whole_body``/``remainder``).
    DoseError
        A region of *s* without a TIA; both ``whole_body`` and ``remainder``; a negative or
        non-finite TIA or SD; a whole-body TIA below the sum of the imaged regions beyond the
        uncertainty (the message names the regions and their TIAs).

    Notes
    -----
    :math:`D(T) = \\sum_R \\tilde A_R\\, S(T \\leftarrow R)` over the imaging sources *R*
    (MIRD Pamphlet 21), with :math:`\\tilde A_{rem} = \\tilde A_{WB} - \\sum_i \\tilde A_i`.
    The ICRP 103 equivalent doses (:func:`~pkdose.dosimetry.equivalent_dose`) need the
    remainder (all the activity in the body must be placed); the effective dose needs both
    phantoms (``imaging_s_values(..., phantom="both")``) because ICRP 103 defines it as
    sex-averaged. With patient-rescaled S or tumours these are reference-person quantities
    evaluated for a patient's activity distribution, not a risk estimate.

    Examples
    --------
    >>> s = imaging_s_values("Lu-177", ["kidneys", "liver"], phantom="both")
    >>> d = imaging_doses({"kidneys": 3000, "liver": 5000, "whole_body": 40000}, s)
    >>> d.tia_MBq_h.to_dict()
    {'kidneys': 3000.0, 'liver': 5000.0, 'remainder': 32000.0}
    >>> d.effective_Sv is not None and d.effective.sex_averaged
    True
    >>> try:
    ...     imaging_doses({"kidneys": 3000, "liver": 5000, "whole_body": 7000}, s)
    ... except DoseError as err:
    ...     print(err.field)
    tia_by_region_MBq_h['whole_body']
    """
    if not isinstance(s, ImagingSValues):
        raise DoseError("s", "ImagingSValues (pkdose.dosimetry.imaging_s_values)", type(s).__name__)
    if not isinstance(tia_by_region_MBq_h, Mapping):
        raise DoseError("tia_by_region_MBq_h", "a mapping of imaging region -> MBq*h",
                        type(tia_by_region_MBq_h).__name__)
    if not (math.isfinite(coverage_factor) and coverage_factor >= 0):
        raise DoseError("coverage_factor", "a finite value >= 0", coverage_factor)
    allowed = (*s.regions, WHOLE_BODY, REMAINDER)
    check_names("imaging region (TIA)", tia_by_region_MBq_h, allowed, "imaging_doses")
    tia = {k: _nonneg(v, f"tia_by_region_MBq_h[{k!r}]") for k, v in tia_by_region_MBq_h.items()}
    sd_in = tia_sd_MBq_h or {}
    check_names("imaging region (TIA SD)", sd_in, list(tia), "imaging_doses(tia_sd_MBq_h=...)")
    sd = {k: _nonneg(v, f"tia_sd_MBq_h[{k!r}]") for k, v in sd_in.items()}
    missing = [r for r in s.regions if r not in tia]
    if missing:
        raise DoseError("tia_by_region_MBq_h", f"a TIA for every imaging region of the S values "
                        f"({', '.join(s.regions)}); a region left out would be counted in the "
                        "remainder with its mass removed", f"none for {missing}")
    if WHOLE_BODY in tia and REMAINDER in tia:
        raise DoseError("tia_by_region_MBq_h", "either 'whole_body' or 'remainder', not both",
                        sorted(tia))

    notes: list[str] = []
    not_computed: dict[str, str] = {}
    imaged = {r: tia[r] for r in s.regions}
    raw, sd_rem = float("nan"), 0.0
    remainder: float | None
    if WHOLE_BODY in tia:
        total = sum(imaged.values())
        raw = tia[WHOLE_BODY] - total
        sd_rem = math.sqrt(sum(sd.get(k, 0.0) ** 2 for k in (*s.regions, WHOLE_BODY)))
        if raw >= 0:
            remainder = raw
        elif -raw <= coverage_factor * sd_rem:
            remainder = 0.0
            notes.append(f"remainder = whole body - imaged regions = {raw:.6g} MBq*h < 0, within "
                         f"{coverage_factor:g} x SD ({sd_rem:.6g} MBq*h): set to 0")
        else:
            listed = ", ".join(f"{r} {v:.6g}" for r, v in imaged.items())
            raise DoseError(f"tia_by_region_MBq_h[{WHOLE_BODY!r}]",
                            f"at least the sum of the imaged regions ({listed}; sum {total:.6g} "
                            f"MBq*h) within {coverage_factor:g} x SD = {coverage_factor * sd_rem:.6g} "
                            f"MBq*h; the remainder would be {raw:.6g} MBq*h", tia[WHOLE_BODY])
    elif REMAINDER in tia:
        remainder = tia[REMAINDER]
        sd_rem = sd.get(REMAINDER, 0.0)
    else:
        remainder = None
        not_computed["remainder"] = ("no 'whole_body' or 'remainder' TIA: the activity outside the "
                                     "imaged regions is not included; doses to non-imaged targets are "
                                     "lower bounds")
    used = pd.Series({**imaged, REMAINDER: 0.0 if remainder is None else remainder}, dtype=float,
                     name="tia_MBq_h").reindex(list(s.sources))
    alone = [t for t in s.tumours if t not in s.tumour_hosts]
    if alone:
        not_computed["tumour cross-dose"] = (f"tumour <-> organ cross-dose is not included for "
                                             f"{', '.join(alone)} (no host organ given: spheres, "
                                             "self-dose only)")
    if s.tumour_hosts:
        not_computed["tumour electron cross-dose"] = (
            "electrons and alphas crossing between tumours and their host organs are not included "
            "(photon cross-dose only)")

    tables = {sex: absorbed_dose(used, s.tables[sex], alpha_rbe=alpha_rbe) for sex in s.phantoms}
    absorbed = {sex: t.absorbed_Gy.iloc[0].rename("absorbed_Gy") for sex, t in tables.items()}
    eq: EquivalentDoses | None = None
    eff: EffectiveDose | None = None
    if remainder is None:
        not_computed["equivalent dose"] = not_computed["effective dose"] = (
            "needs the whole-body (or remainder) TIA: all the activity in the body must be placed")
    else:
        male = tables.get(SEXES[0])
        female = tables.get(SEXES[1])
        eq = equivalent_dose(male, female)
        if len(s.phantoms) == 2:
            eff = eq.effective()
        else:
            not_computed["effective dose"] = ("ICRP 103 effective dose is sex-averaged: use "
                                              "imaging_s_values(..., phantom='both')")
    cited = [*s.sources_cited]
    for t in tables.values():
        cited.extend(t.sources_cited)
    if eq is not None:
        cited.extend(eq.sources_cited)
    return ImagingDoses(
        nuclide=s.nuclide, phantoms=s.phantoms, tia_MBq_h=used, remainder_raw_MBq_h=raw,
        remainder_sd_MBq_h=sd_rem, absorbed_Gy=MappingProxyType(absorbed),
        dose_tables=MappingProxyType(tables), equivalent=eq, effective=eff,
        not_computed=MappingProxyType(not_computed), notes=tuple(notes), convention=s.convention,
        sources_cited=tuple(dict.fromkeys(cited)))


def _nonneg(value: Any, field: str) -> float:
    v = to_internal(value, "tia", field)
    if not (isinstance(v, float) and math.isfinite(v) and v >= 0):
        raise DoseError(field, "a finite value >= 0 MBq*h", value)
    return v


# ----------------------------------------------------------------------------------------
# red marrow from blood


def red_marrow_tia_from_blood(blood_tia_MBq_h_per_mL: Any, *, phantom: str = "adult-male",
                              red_marrow_mass_kg: Any = None, rmblr: float = RMBLR_SMALL_MOLECULE,
                              blood_density_g_per_mL: float = BLOOD_DENSITY_G_PER_ML) -> float:
    """Red-marrow TIA [MBq*h] from the time-integrated activity concentration in blood.

    The blood-based method of the EANM guideline (Hindorf et al. 2010; Sgouros 1993):

    .. math::

        \\tilde A_{RM} = \\frac{[\\tilde A]_{blood}}{\\rho_{blood}}\\;\\mathrm{RMBLR}\\;m_{RM}

    with :math:`[\\tilde A]_{blood}` the TIA per mL of whole blood, :math:`\\rho_{blood}`
    = 1.06 g/mL (ICRU 44) turning it into a concentration per gram, RMBLR the red-marrow-to-blood
    concentration ratio (1 for small molecules such as peptides that do not bind to blood,
    marrow or bone cells; 0.36 for intact antibodies) and :math:`m_{RM}` the red-marrow mass
    (default the ICRP 89 reference, equal to the ICRP 133 'R-marrow' source mass). The result
    is the TIA of imaging region ``red_marrow``; being activity inside the body, it is
    subtracted from the whole body for the remainder like any imaged region.

    Parameters
    ----------
    blood_tia_MBq_h_per_mL : float
        TIA concentration in whole blood, MBq*h/mL.
    phantom : str, default "adult-male"
        Chooses the reference red-marrow mass when none is given.
    red_marrow_mass_kg : float, str or Quantity, optional
        Patient red-marrow mass (kg if a bare number).
    rmblr : float, default 1.0
        Red-marrow-to-blood concentration ratio (:data:`RMBLR_SMALL_MOLECULE`,
        :data:`RMBLR_ANTIBODY`).
    blood_density_g_per_mL : float, default 1.06

    Returns
    -------
    float
        MBq*h.

    Examples
    --------
    >>> round(red_marrow_tia_from_blood(0.053), 6)         # 0.053/1.06 x 1 x 1170 g
    58.5
    """
    c = float(blood_tia_MBq_h_per_mL)
    if not (math.isfinite(c) and c >= 0):
        raise DoseError("blood_tia_MBq_h_per_mL", "a finite value >= 0 MBq*h/mL", blood_tia_MBq_h_per_mL)
    if not (math.isfinite(rmblr) and rmblr > 0):
        raise DoseError("rmblr", "a finite ratio > 0", rmblr)
    if not (math.isfinite(blood_density_g_per_mL) and blood_density_g_per_mL > 0):
        raise DoseError("blood_density_g_per_mL", "a finite density > 0", blood_density_g_per_mL)
    if red_marrow_mass_kg is None:
        m = REFERENCE_RED_MARROW_KG[canonical_phantom(phantom)]
    else:
        m = to_internal(red_marrow_mass_kg, "mass", "red_marrow_mass_kg")
        if not (isinstance(m, float) and math.isfinite(m) and m > 0):
            raise DoseError("red_marrow_mass_kg", "a positive, finite mass", red_marrow_mass_kg)
    return c / blood_density_g_per_mL * rmblr * m * 1000.0
