"""ICRP Publication 137 systemic biokinetic model for radium, with the ICRP 100/130 alimentary tract
(HATM, adult male) and the urinary bladder, transcribed as plain data.

What the model is
-----------------
The systemic model for radium of ICRP Publication 137 (OIR Part 3, Section 13) is the
alkaline-earth model of Leggett (1992), first adopted for radium in ICRP Publication 67, with
the gut-secretion pathway re-pointed to the HATM.  Compartments: Blood; soft tissues ST0 (fast),
ST1 (intermediate), ST2 (slow); Liver 1 (fast) / Liver 2 (slow); Kidneys 1 (fast) / Kidneys 2
(slow); trabecular and cortical bone surface, exchangeable and non-exchangeable bone volume.
For radium, Kidneys 1 is NOT the "urinary path" compartment of the lead model: it returns radium
to blood (2.073 d-1) and feeds Kidneys 2 (0.00624 d-1), exactly as Liver 1 feeds Liver 2 (FlexID
annotates Liver 1/2 and Kidneys 1/2 as the fast and slow pools, citing ICRP 137 Para. 694).
Urinary excretion of radium is Blood -> urinary bladder contents directly; routing Kidneys 1 to the
bladder instead breaks the published urine check (1.16 % instead of 0.83 % at 4 h).

Changes of ICRP 137 with respect to ICRP 67 (same systemic rates):
  * endogenous faecal secretion Blood -> gut (21.79 d-1) now enters the HATM right-colon contents
    (ICRP 67: upper large intestine contents of the ICRP 30 GI model, ULI 1.8 d-1, LLI 1 d-1);
  * gut transit follows the HATM adult-male rates (SI 6, RC 2, LC 2, RS 2 d-1);
  * absorption fA = 0.2 from the small intestine contents only (ICRP 67: f1 = 0.2).
  * bladder voiding is first order at 12 d-1 (six voids per day, unchanged since ICRP 67/68).

References
----------
ICRP 137:  ICRP Publication 137. Occupational Intakes of Radionuclides: Part 3. Ann. ICRP 46(3/4), 2017.
ICRP 130:  ICRP Publication 130. Occupational Intakes of Radionuclides: Part 1. Ann. ICRP 44(2), 2015.
ICRP 100:  ICRP Publication 100. Human Alimentary Tract Model for Radiological Protection.
           Ann. ICRP 36(1-2), 2006.
ICRP 67:   ICRP Publication 67. Age-dependent Doses to Members of the Public from Intake of
           Radionuclides: Part 2, Ingestion Dose Coefficients. Ann. ICRP 23(3/4), 1993.
ICRP 141:  ICRP Publication 141. Occupational Intakes of Radionuclides: Part 4. Ann. ICRP 48(2/3), 2019.
Leggett 1992: Leggett RW. A generic age-specific biokinetic model for calcium-like elements.
           Radiat. Prot. Dosim. 41(2-4):183-198, 1992.
EJNMMI 2021: Radiopharmacokinetic modelling and radiation dose assessment of 223Ra used for
           treatment of metastatic castration-resistant prostate cancer. EJNMMI Phys. 8:44, 2021.
           doi:10.1186/s40658-021-00388-1 (Helmholtz Zentrum Muenchen).  Table 4, column
           "Present work", is the published check reproduced by this transcription.

What was transcribed from where
-------------------------------
The printed reports were not available to the transcriber.  Every rate below was taken from the
open-source FlexID code (MHI-NSENG/FlexID, fork 9rnsr/FlexID on GitHub), whose input files quote
ICRP table / page / paragraph for each number (radium: resources/inp/OIR/88-Ra/Ra-223/Ra-223_inj.inp;
radium progeny: resources/inp/OIR/90-Th/{81-Tl,82-Pb,83-Bi,84-Po,86-Rn_ing,88-Ra}.inc;
lead chain: resources/inp/OIR/82-Pb/Pb-210/Pb-210_inj.inp).  The table/page/paragraph numbers in
the ``Source`` entries are therefore those cited by FlexID, not read off the printed page.
The radium + HATM + bladder part is independently validated: solving it for 1 Bq of 223Ra injected
into blood reproduces every "Present work" number of EJNMMI 2021 Table 4 for blood, urine, faeces,
RC/LC/HATM contents to the printed digits (see /tmp/radium_check.py and the hand-back report).
Bone (2 h, 4 h) in that table is 1.6 / 1.3 percentage points above surfaces + volumes; the table
footnote says "surface, volume and bone marrow", i.e. the authors added a marrow share that is not a
compartment of this model (the gap equals ~6 % of ST0+ST1+ST2 at both times).
The progeny section is NOT validated numerically; see PROGENY_GAPS for what is missing.

Conventions: rates are first-order transfer coefficients in d-1, exactly as printed; a derived
number (computed from printed percentages or half-times) says "derived" in its note.
"""

from pkdose.provenance import Source

# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------
_VIA_FLEXID = (
    "page/table as cited in FlexID (github.com/MHI-NSENG/FlexID, fork 9rnsr/FlexID) input files; "
    "not checked against the printed page"
)

ICRP137 = Source(
    "ICRP Publication 137, Occupational Intakes of Radionuclides Part 3, Ann. ICRP 46(3/4), 2017",
    note=_VIA_FLEXID,
)
ICRP130 = Source(
    "ICRP Publication 130, Occupational Intakes of Radionuclides Part 1, Ann. ICRP 44(2), 2015",
    note=_VIA_FLEXID,
)
ICRP100 = Source(
    "ICRP Publication 100, Human Alimentary Tract Model for Radiological Protection, "
    "Ann. ICRP 36(1-2), 2006",
)
ICRP67 = Source(
    "ICRP Publication 67, Age-dependent Doses to Members of the Public from Intake of "
    "Radionuclides Part 2, Ann. ICRP 23(3/4), 1993",
)
ICRP141 = Source(
    "ICRP Publication 141, Occupational Intakes of Radionuclides Part 4, Ann. ICRP 48(2/3), 2019",
    note=_VIA_FLEXID,
)
LEGGETT1992 = Source(
    "Leggett RW, A generic age-specific biokinetic model for calcium-like elements, "
    "Radiat. Prot. Dosim. 41(2-4):183-198, 1992",
)
EJNMMI2021 = Source(
    "Radiopharmacokinetic modelling and radiation dose assessment of 223Ra used for treatment of "
    "metastatic castration-resistant prostate cancer, EJNMMI Phys. 8:44, 2021, "
    "doi:10.1186/s40658-021-00388-1",
    table="4",
    note="column 'Present work'; % of administered 223Ra",
)

_T133 = "13.3"   # ICRP 137, Table 13.3, transfer coefficients in the model for systemic radium
_P133 = "332"
_HATM_TABLE = "3.4"  # ICRP 130 Table 3.4 (HATM default transfer coefficients, adult male)
_HATM_PAGE = "76"


def _s137(note: str = "", table: str = _T133, page: str = _P133) -> Source:
    return Source(ICRP137.citation, table=table, page=page, note=note)


def _s130(note: str = "", table: str = _HATM_TABLE, page: str = _HATM_PAGE) -> Source:
    return Source(ICRP130.citation, table=table, page=page, note=note)


# --------------------------------------------------------------------------------------------
# Radium: compartments, sinks, transfers
# --------------------------------------------------------------------------------------------
COMPARTMENTS: dict[str, str] = {
    # HATM contents (ICRP 100 / ICRP 130), adult male
    "oral_cavity": "Alimentary tract",
    "oesophagus_fast": "Alimentary tract",
    "oesophagus_slow": "Alimentary tract",
    "stomach_contents": "Alimentary tract",
    "si_contents": "Alimentary tract",
    "rc_contents": "Alimentary tract",
    "lc_contents": "Alimentary tract",
    "rs_contents": "Alimentary tract",
    # systemic radium model (ICRP 137 Section 13; Leggett 1992)
    "blood": "Blood",
    "st0": "Soft tissue",
    "st1": "Soft tissue",
    "st2": "Soft tissue",
    "liver_1": "Liver",
    "liver_2": "Liver",
    "kidneys_1": "Kidneys",
    "kidneys_2": "Kidneys",
    "trab_bone_surface": "Skeleton",
    "cort_bone_surface": "Skeleton",
    "trab_bone_vol_exch": "Skeleton",
    "cort_bone_vol_exch": "Skeleton",
    "trab_bone_vol_nonexch": "Skeleton",
    "cort_bone_vol_nonexch": "Skeleton",
    # urinary bladder contents
    "ub_contents": "Urinary bladder",
}

SINKS = ("urine", "faeces")

# ICRP 133 source-region acronyms to which each compartment is assigned for dosimetry (as used
# with the ICRP 137 model; soft tissues ST0-2 -> "Other"; bone volumes -> "*-bone-V").
SOURCE_REGIONS: dict[str, str] = {
    "oral_cavity": "O-cavity",
    "oesophagus_fast": "Oesophag-f",
    "oesophagus_slow": "Oesophag-s",
    "stomach_contents": "St-cont",
    "si_contents": "SI-cont",
    "rc_contents": "RC-cont",
    "lc_contents": "LC-cont",
    "rs_contents": "RS-cont",
    "blood": "Blood",
    "st0": "Other",
    "st1": "Other",
    "st2": "Other",
    "liver_1": "Liver",
    "liver_2": "Liver",
    "kidneys_1": "Kidneys",
    "kidneys_2": "Kidneys",
    "trab_bone_surface": "T-bone-S",
    "cort_bone_surface": "C-bone-S",
    "trab_bone_vol_exch": "T-bone-V",
    "cort_bone_vol_exch": "C-bone-V",
    "trab_bone_vol_nonexch": "T-bone-V",
    "cort_bone_vol_nonexch": "C-bone-V",
    "ub_contents": "UB-cont",
}

# Fractional absorption of radium from the alimentary tract (ingested materials, all forms).
RADIUM_FA = 0.2
RADIUM_FA_SOURCE = _s137("fA for ingested radium, all forms", table="13.2", page="325")

# Element-independent part of the HATM (adult male) and bladder, in d-1.
HATM_TRANSFERS: list[tuple[str, str, float, Source]] = [
    ("oral_cavity", "oesophagus_fast", 6480.0,
     _s130("mouth transit 12 s (7200 d-1), 90 % to fast oesophageal transit; ICRP 100 Sect. 6.7")),
    ("oral_cavity", "oesophagus_slow", 720.0,
     _s130("mouth transit 12 s (7200 d-1), 10 % to slow oesophageal transit; ICRP 100 Sect. 6.7")),
    ("oesophagus_fast", "stomach_contents", 12343.0,
     _s130("fast oesophageal transit 7 s; ICRP 100 Sect. 6.7")),
    ("oesophagus_slow", "stomach_contents", 2160.0,
     _s130("slow oesophageal transit 40 s; ICRP 100 Sect. 6.7")),
    ("stomach_contents", "si_contents", 20.57,
     _s130("stomach, total diet, adult male, 70 min; ICRP 100 Sect. 6.7")),
    ("si_contents", "rc_contents", 6.0,
     _s130("small intestine transit 4 h; ICRP 100 Sect. 6.7")),
    ("rc_contents", "lc_contents", 2.0,
     _s130("right colon transit 12 h, adult male; ICRP 100 Sect. 6.7")),
    ("lc_contents", "rs_contents", 2.0,
     _s130("left colon transit 12 h, adult male; ICRP 100 Sect. 6.7")),
    ("rs_contents", "faeces", 2.0,
     _s130("rectosigmoid transit 12 h, adult male; ICRP 100 Sect. 6.7")),
    ("ub_contents", "urine", 12.0,
     _s130("urinary bladder voiding, six voids per day as first-order 12 d-1 "
           "(ICRP 67/68 bladder model)", table="", page="85 (Para. 172)")),
]

RADIUM_SYSTEMIC_TRANSFERS: list[tuple[str, str, float, Source]] = [
    # absorption from SI contents: lambda = fA * lambda(SI->RC) / (1 - fA) = 0.2*6/0.8
    ("si_contents", "blood", 1.5,
     _s137("derived: fA*6/(1-fA) with fA = 0.2 (Table 13.2, p. 325) and SI->RC 6 d-1 "
           "(ICRP 130 Table 3.4); HATM absorption from SI only", table="13.2", page="325")),
    # ICRP 137 Table 13.3
    ("blood", "ub_contents", 0.606, _s137()),
    ("blood", "rc_contents", 21.79,
     _s137("endogenous faecal secretion; ICRP 67 sent it to ULI contents of the ICRP 30 GI model")),
    ("blood", "trab_bone_surface", 9.72, _s137()),
    ("blood", "cort_bone_surface", 7.78, _s137()),
    ("blood", "st0", 20.93, _s137()),
    ("blood", "st1", 3.5, _s137()),
    ("blood", "st2", 0.07, _s137()),
    ("blood", "liver_1", 4.2, _s137()),
    ("blood", "kidneys_1", 1.4, _s137()),
    ("trab_bone_surface", "blood", 0.578, _s137()),
    ("trab_bone_surface", "trab_bone_vol_exch", 0.116, _s137()),
    ("cort_bone_surface", "blood", 0.578, _s137()),
    ("cort_bone_surface", "cort_bone_vol_exch", 0.116, _s137()),
    ("st0", "blood", 6.98, _s137()),
    ("st1", "blood", 0.693, _s137()),
    ("st2", "blood", 0.00038, _s137()),
    ("liver_1", "blood", 0.691, _s137()),
    ("liver_1", "liver_2", 0.00208, _s137()),
    ("liver_2", "blood", 0.0019, _s137()),
    ("kidneys_1", "blood", 2.073, _s137("Kidneys 1 is a fast kidney pool for radium, not a urinary path")),
    ("kidneys_1", "kidneys_2", 0.00624, _s137()),
    ("kidneys_2", "blood", 0.0019, _s137()),
    ("trab_bone_vol_exch", "trab_bone_surface", 0.0185, _s137()),
    ("trab_bone_vol_exch", "trab_bone_vol_nonexch", 0.0046, _s137()),
    ("cort_bone_vol_exch", "cort_bone_surface", 0.0185, _s137()),
    ("cort_bone_vol_exch", "cort_bone_vol_nonexch", 0.0046, _s137()),
    ("cort_bone_vol_nonexch", "blood", 0.0000821, _s137("cortical bone turnover 3 % per year")),
    ("trab_bone_vol_nonexch", "blood", 0.000493, _s137("trabecular bone turnover 18 % per year")),
]

RADIUM_TRANSFERS: list[tuple[str, str, float, Source]] = HATM_TRANSFERS + RADIUM_SYSTEMIC_TRANSFERS

# Initial condition of the published check: intravenous injection = 100 % into "blood".
INJECTION_COMPARTMENT = "blood"

# 223Ra physical half-life used by the published check (ICRP 107).
RA223_HALF_LIFE_D = 11.43

# EJNMMI Phys 2021;8:44 Table 4, column "Present work" (1 Bq 223Ra i.v.; 223Ra activity only,
# decaying also after excretion).  (quantity, time in days, printed value in %, note).
EJNMMI2021_TABLE4: list[tuple[str, float, str, str]] = [
    ("plasma", 12.5 / 1440, "55", "printed time '10-15 min' (midpoint used); model blood compartment"),
    ("plasma", 4 / 24, "2.0", "model blood compartment"),
    ("plasma", 1.0, "0.5", "printed time '24 h'"),
    ("plasma", 3.0, "0.2", ""),
    ("bone", 2 / 24, "28.2", "footnote: total bone = surface, volume and bone marrow"),
    ("bone", 4 / 24, "29.8", "footnote: total bone = surface, volume and bone marrow"),
    ("urine_cumulative", 4 / 24, "0.83", ""),
    ("urine_cumulative", 2.0, "1.58", ""),
    ("faeces_cumulative", 1.0, "12.9", ""),
    ("faeces_cumulative", 2.0, "35.3", ""),
    ("faeces_cumulative", 3.0, "47.4", ""),
    ("faeces_cumulative", 7.0, "52.1", ""),
    ("rc_contents", 1.0, "11.6", ""),
    ("rc_contents", 7.0, "0.53", ""),
    ("lc_contents", 2.0, "7.4", ""),
    ("lc_contents", 7.0, "0.64", ""),
    ("colon_contents", 0.25, "40.9", "HATM content = RC + LC + rectosigmoid"),
    ("colon_contents", 1.0, "39.3", "HATM content = RC + LC + rectosigmoid"),
    ("colon_contents", 2.0, "22.0", "HATM content = RC + LC + rectosigmoid"),
    ("colon_contents", 3.0, "11.8", "HATM content = RC + LC + rectosigmoid"),
    ("colon_contents", 7.0, "1.9", "printed time '7-8 d'"),
]

# --------------------------------------------------------------------------------------------
# Radioactive progeny of radium produced in the body ("independent kinetics")
# --------------------------------------------------------------------------------------------
# Text basis (as quoted in FlexID):
#   ICRP 137 Para. 711 (p. 331): generic model for Rn/Xe/Kr produced in systemic compartments.
#   ICRP 137 Para. 712 (p. 331): Tl, Pb, Bi, Po produced in vivo after intake of radium use their
#       models as progeny of lead (Section 9, Paras. 481-484) with: red marrow renamed trabecular
#       marrow (same kinetics); a cortical-marrow compartment added, exchanging with plasma, inflow
#       = 1/3 of the trabecular-marrow inflow, same removal half-time; plasma -> ST1 (Tl, Po:
#       'Other') reduced to keep the total outflow from plasma unchanged.
#   ICRP 137 Para. 716 (p. 334): radium as a radium progeny (not needed for radium parents).
#   ICRP 137 Para. 812 (p. 370) / ICRP 141 Paras. 562-565: the same radium-progeny models are used
#       in thorium and actinide chains.
#   ICRP 130 Para. 38: noble gases produced in the alimentary (or respiratory) tract escape to the
#       environment at 100 d-1.
# Very short-lived members (219Rn 3.96 s, 215Po 1.78 ms, 216Po 0.145 s, 211Po 0.516 s, ...) are
# given the element models like any other member; at those half-lives they decay where produced.
#
# Data layout
#   PROGENY_MODELS[element] = {"compartments": {name: group}, "sinks": tuple,
#                              "central_blood": name, "fA": float | None, "fA_source": Source,
#                              "transfers": [(src, tgt, rate_per_day, Source), ...]}
#   Progeny models share the HATM contents, ub_contents and HATM_TRANSFERS above; SI absorption
#   goes to "central_blood" at fA*6/(1-fA) (listed in each model's transfers).
#   PROGENY_PRODUCTION[(parent_element, daughter_element)] =
#       [(parent_compartment, daughter_compartment, rate_or_None, Source), ...]
#     rate None  -> daughter is born directly in daughter_compartment (identifiable compartment);
#     rate float -> daughter is born in a transit copy of parent_compartment inside the daughter's
#                   model, which empties to daughter_compartment at that rate (d-1).
#   Parent "Ra" uses radium compartment names.  Radon born in radium compartment X sits in radon
#   compartment X (same name) until it moves to radon "blood"; so ("Rn", daughter) uses the same
#   map as ("Ra", daughter) plus radon "blood".  Material in HATM contents, ub_contents, urine and
#   faeces stays in the same-named compartment/sink of the daughter (ICRP 130 Para. 37; text not
#   retrieved here).

_P711 = _s137("Para. 711", table="", page="331")
_P712 = _s137("Para. 712", table="", page="331")
_P481 = _s137("Para. 481 (thallium as a lead progeny)", table="", page="229")
_P482 = _s137("Para. 482 (lead as a lead progeny)", table="", page="230")
_P483 = _s137("Para. 483 (bismuth as a lead progeny)", table="", page="231")
_P484 = _s137("Para. 484 (polonium as a lead progeny)", table="", page="231")
_P605 = _s137("Para. 605 (polonium bone surfaces)", table="", page="")
_P563 = Source(ICRP141.citation, page="235", note="Para. 563; generic radon model, states 33.3 d-1")
_P38 = Source(ICRP130.citation, note="Para. 38: noble gas formed in alimentary/respiratory tract "
              "escapes to environment at 100 d-1")

_SOFT = ("st0", "st1", "st2", "liver_1", "liver_2", "kidneys_1", "kidneys_2")
_GI = ("oral_cavity", "oesophagus_fast", "oesophagus_slow", "stomach_contents", "si_contents",
       "rc_contents", "lc_contents", "rs_contents")

# ---- Radon (generic systemic model for radon produced by decay; ICRP 137 Para. 711) ----------
RADON_MODEL = {
    "compartments": {**{c: g for c, g in COMPARTMENTS.items()}},
    "sinks": ("exhaled", "urine", "faeces"),
    "central_blood": "blood",
    "fA": None,
    "fA_source": _P38,
    "transfers": [
        *[(c, "blood", 33.3, Source(ICRP137.citation, page="331",
                                    note="Para. 711: soft tissue -> blood, half-time 30 min "
                                         "(= 33.27 d-1); 33.3 d-1 as printed in ICRP 141 Para. 563"))
          for c in _SOFT],
        ("trab_bone_surface", "blood", 100.0, _P711),
        ("cort_bone_surface", "blood", 100.0, _P711),
        ("trab_bone_vol_exch", "blood", 1.5, _P711),
        ("cort_bone_vol_exch", "blood", 1.5, _P711),
        ("trab_bone_vol_nonexch", "blood", 0.36, _P711),
        ("cort_bone_vol_nonexch", "blood", 0.36, _P711),
        ("blood", "exhaled", 1000.0, Source(ICRP137.citation, page="331",
                                            note="Para. 711: removed (exhaled) at 1000 d-1, t1/2 1 min")),
        *[(c, "exhaled", 100.0, _P38) for c in _GI],
        ("ub_contents", "urine", 12.0,
         Source(ICRP130.citation, page="85",
                note="ASSUMPTION (not specified for radon): radon in bladder contents leaves with "
                     "bladder voiding, 12 d-1")),
    ],
}

# ---- Lead as a radium progeny (Table 9.3 + Para. 482 + Para. 712) ----------------------------
_LEAD_PLASMA_OUT = 69.9945   # sum of Table 9.3 outflows from plasma (derived)
_LEAD_ST_SCALE = 0.9745280884782609  # (23.0 - 0.00837*69.9945)/23.0, derived from Para. 482
_T93 = Source(ICRP137.citation, table="9.3", page="225")


def _d(note: str, base: Source = _P482) -> Source:
    text = f"{base.note}; derived: {note}" if base.note else f"derived: {note}"
    return Source(base.citation, table=base.table, page=base.page, note=text)


LEAD_MODEL = {
    "compartments": {
        "plasma": "Blood", "rbc": "Blood",
        "trab_bone_surface": "Skeleton", "cort_bone_surface": "Skeleton",
        "trab_bone_vol_exch": "Skeleton", "cort_bone_vol_exch": "Skeleton",
        "trab_bone_vol_nonexch": "Skeleton", "cort_bone_vol_nonexch": "Skeleton",
        "liver_1": "Liver", "liver_2": "Liver",
        "kidneys_1": "Kidneys",  # urinary path
        "kidneys_2": "Kidneys",  # other kidney tissue
        "st0": "Soft tissue", "st1": "Soft tissue", "st2": "Soft tissue",
        "trab_marrow": "Marrow", "cort_marrow": "Marrow",
        "spleen": "Spleen", "skin": "Skin", "testes": "Gonads", "ovaries": "Gonads",
        **{c: "Alimentary tract" for c in _GI}, "ub_contents": "Urinary bladder",
    },
    "sinks": ("urine", "faeces", "excreta_sweat", "excreta_hair_skin_nails"),
    "central_blood": "plasma",
    "fA": 0.2,
    "fA_source": Source(ICRP137.citation, table="9.2", page="220", note="ingested lead, all forms"),
    "transfers": [
        ("si_contents", "plasma", 1.5, _d("fA*6/(1-fA), fA = 0.2", _T93)),
        ("plasma", "ub_contents", 1.75, _T93),
        ("plasma", "rc_contents", 0.7, _T93),
        ("plasma", "trab_bone_surface", 4.86, _T93),
        ("plasma", "cort_bone_surface", 3.89, _T93),
        ("plasma", "st0", 21.595542440678262, _d("Table 9.3 value 22.16 reduced ~2.5 % (x0.974528)")),
        ("plasma", "st1", 0.5421806619347825,
         _d("Table 9.3 value 0.7 x0.974528 (Para. 482) minus plasma->cortical marrow (Para. 712)")),
        ("plasma", "st2", 0.13643393238695653, _d("Table 9.3 value 0.14 reduced ~2.5 % (x0.974528)")),
        ("plasma", "liver_1", 4.9, _T93),
        ("plasma", "kidneys_1", 2.45, _T93),
        ("plasma", "kidneys_2", 0.0245, _T93),
        ("plasma", "rbc", 28.0, _T93),
        ("plasma", "excreta_sweat", 0.42, _T93),
        ("rbc", "plasma", 0.139, _T93),
        ("trab_bone_surface", "plasma", 0.5, _T93),
        ("trab_bone_surface", "trab_bone_vol_exch", 0.5, _T93),
        ("cort_bone_surface", "plasma", 0.5, _T93),
        ("cort_bone_surface", "cort_bone_vol_exch", 0.5, _T93),
        ("trab_bone_vol_exch", "trab_bone_surface", 0.0185, _T93),
        ("trab_bone_vol_exch", "trab_bone_vol_nonexch", 0.0046, _T93),
        ("cort_bone_vol_exch", "cort_bone_surface", 0.0185, _T93),
        ("cort_bone_vol_exch", "cort_bone_vol_nonexch", 0.0046, _T93),
        ("trab_bone_vol_nonexch", "plasma", 0.000493, _T93),
        ("cort_bone_vol_nonexch", "plasma", 0.0000821, _T93),
        ("liver_1", "plasma", 0.0312, _T93),
        ("liver_1", "si_contents", 0.0312, _T93),
        ("liver_1", "liver_2", 0.00693, _T93),
        ("liver_2", "plasma", 0.0019, _T93),
        ("kidneys_1", "ub_contents", 0.139, _T93),
        ("kidneys_2", "plasma", 0.0019, _T93),
        ("st0", "plasma", 7.39, _T93),
        ("st1", "plasma", 0.00416, _T93),
        ("st2", "plasma", 0.00038, _T93),
        ("st1", "excreta_hair_skin_nails", 0.00277, _T93),
        ("plasma", "trab_marrow", 0.419967, _d("0.6 % of plasma outflow 69.9945 d-1 (red marrow -> "
                                                "trabecular marrow, Para. 712)")),
        ("plasma", "cort_marrow", 0.139989, _d("1/3 of plasma->trabecular marrow", _P712)),
        ("plasma", "skin", 0.139989, _d("0.2 % of plasma outflow")),
        ("plasma", "spleen", 0.02099835, _d("0.03 % of plasma outflow")),
        ("plasma", "testes", 0.003499725, _d("0.005 % of plasma outflow")),
        ("plasma", "ovaries", 0.00139989, _d("0.002 % of plasma outflow")),
        *[(c, "plasma", 0.0019, Source(ICRP137.citation, page="230",
                                       note="Para. 482: removal half-time 1 y = Liver 2 -> plasma "
                                            "rate of Table 9.3; Para. 712 for marrow"))
          for c in ("trab_marrow", "cort_marrow", "skin", "spleen", "testes", "ovaries")],
    ],
}

# ---- Bismuth as a radium progeny (Table 10.3 + Para. 483 + Para. 712) ------------------------
_T103 = Source(ICRP137.citation, table="10.3", page="258")
BISMUTH_MODEL = {
    "compartments": {
        "plasma": "Blood", "rbc": "Blood",
        "trab_bone_surface": "Skeleton", "cort_bone_surface": "Skeleton",
        "liver_1": "Liver", "liver_2": "Liver",
        "kidneys_1": "Kidneys", "kidneys_2": "Kidneys",
        "st0": "Soft tissue", "st1": "Soft tissue", "st2": "Soft tissue",
        "trab_marrow": "Marrow", "cort_marrow": "Marrow",
        "spleen": "Spleen", "skin": "Skin", "testes": "Gonads", "ovaries": "Gonads",
        **{c: "Alimentary tract" for c in _GI}, "ub_contents": "Urinary bladder",
    },
    "sinks": ("urine", "faeces"),
    "central_blood": "plasma",
    "fA": 0.05,
    "fA_source": Source(ICRP137.citation, table="10.2", page="253", note="ingested bismuth, all forms"),
    "transfers": [
        ("si_contents", "plasma", 0.3157894736842105, _d("fA*6/(1-fA), fA = 0.05", _T103)),
        ("plasma", "ub_contents", 20.0, _T103),
        ("plasma", "rc_contents", 4.0, _T103),
        ("plasma", "rbc", 0.5, _T103),
        ("plasma", "st0", 300.0, _T103),
        ("plasma", "st1", 3.476, _d("Table 10.3 value 4.2 -> 3.576 (Para. 483) minus 0.1 to cortical "
                                    "marrow (Para. 712)", _P483)),
        ("plasma", "st2", 1.3, _T103),
        ("plasma", "liver_1", 30.0, _T103),
        ("plasma", "kidneys_1", 30.0, _T103),
        ("plasma", "kidneys_2", 5.0, _T103),
        ("plasma", "cort_bone_surface", 2.5, _T103),
        ("plasma", "trab_bone_surface", 2.5, _T103),
        ("rbc", "plasma", 0.173, _T103),
        ("st0", "plasma", 66.54, _T103),
        ("st1", "plasma", 0.0347, _T103),
        ("st2", "plasma", 0.00116, _T103),
        ("liver_1", "si_contents", 0.208, _T103),
        ("liver_1", "liver_2", 0.139, _T103),
        ("liver_2", "plasma", 0.0693, _T103),
        ("kidneys_1", "ub_contents", 0.693, _T103),
        ("kidneys_2", "plasma", 0.139, _T103),
        ("cort_bone_surface", "plasma", 0.0347, _T103),
        ("trab_bone_surface", "plasma", 0.0347, _T103),
        ("plasma", "trab_marrow", 0.3, _P483),
        ("plasma", "cort_marrow", 0.1, _d("1/3 of plasma->trabecular marrow", _P712)),
        ("plasma", "skin", 0.3, _P483),
        ("plasma", "spleen", 0.02, _P483),
        ("plasma", "testes", 0.003, _P483),
        ("plasma", "ovaries", 0.001, _P483),
        *[(c, "plasma", 0.0347, _P483)
          for c in ("trab_marrow", "cort_marrow", "skin", "spleen", "testes", "ovaries")],
    ],
}

# ---- Polonium as a radium progeny (Table 11.3 + Paras. 484, 605, 712) ------------------------
_T113 = Source(ICRP137.citation, table="11.3", page="285")
POLONIUM_MODEL = {
    "compartments": {
        "plasma_1": "Blood", "plasma_2": "Blood", "plasma_3": "Blood", "rbc": "Blood",
        "trab_bone_surface": "Skeleton", "cort_bone_surface": "Skeleton",
        "liver_1": "Liver", "liver_2": "Liver",
        "kidneys_1": "Kidneys", "kidneys_2": "Kidneys",
        "other": "Soft tissue",
        "trab_marrow": "Marrow", "cort_marrow": "Marrow",
        "spleen": "Spleen", "skin": "Skin", "testes": "Gonads", "ovaries": "Gonads",
        **{c: "Alimentary tract" for c in _GI}, "ub_contents": "Urinary bladder",
    },
    "sinks": ("urine", "faeces", "excreta_other"),
    "central_blood": "plasma_2",
    "fA": 0.1,
    "fA_source": Source(ICRP137.citation, table="11.2", page="279", note="ingested polonium, all forms"),
    "transfers": [
        ("si_contents", "plasma_2", 0.6666666666666666,
         _d("fA*6/(1-fA), fA = 0.1; absorbed progeny Po goes to Plasma 2", _P484)),
        ("plasma_2", "plasma_1", 800.0, _T113),
        ("plasma_2", "kidneys_1", 200.0, _T113),
        ("plasma_1", "plasma_3", 4.0, _T113),
        ("plasma_1", "rbc", 6.0, _T113),
        ("plasma_1", "liver_1", 17.5, _T113),
        ("plasma_1", "liver_2", 17.5, _T113),
        ("plasma_1", "kidneys_1", 5.0, _T113),
        ("plasma_1", "kidneys_2", 5.0, _T113),
        ("plasma_1", "skin", 5.0, _T113),
        ("plasma_1", "trab_marrow", 4.0, Source(_T113.citation, table="11.3", page="285",
                                                note="red marrow 4 d-1, renamed trabecular marrow (Para. 712)")),
        ("plasma_1", "cort_marrow", 1.3333333333333333, _d("1/3 of plasma->trabecular marrow", _P712)),
        ("plasma_1", "trab_bone_surface", 0.75, _d("bone surface 1.5 d-1 (Table 11.3) split 50:50", _P605)),
        ("plasma_1", "cort_bone_surface", 0.75, _d("bone surface 1.5 d-1 (Table 11.3) split 50:50", _P605)),
        ("plasma_1", "spleen", 2.0, _T113),
        ("plasma_1", "testes", 0.1, _T113),
        ("plasma_1", "ovaries", 0.05, _T113),
        ("plasma_1", "other", 31.016666666666666, _d("Table 11.3 value 32.35 minus plasma->cortical marrow",
                                                     _P712)),
        ("plasma_3", "plasma_1", 0.099, _T113),
        ("rbc", "plasma_1", 0.099, _T113),
        ("liver_1", "si_contents", 0.139, _T113),
        ("liver_2", "plasma_1", 0.099, _T113),
        ("kidneys_1", "ub_contents", 0.173, _T113),
        ("kidneys_2", "plasma_1", 0.099, _T113),
        ("skin", "plasma_1", 0.00693, _T113),
        ("skin", "excreta_other", 0.00693, _T113),
        ("trab_marrow", "plasma_1", 0.099, _T113),
        ("cort_marrow", "plasma_1", 0.099, _d("same removal as trabecular marrow", _P712)),
        ("trab_bone_surface", "plasma_1", 0.0231, _P605),
        ("cort_bone_surface", "plasma_1", 0.0231, _P605),
        ("spleen", "plasma_1", 0.099, _T113),
        ("testes", "plasma_1", 0.0139, _T113),
        ("ovaries", "plasma_1", 0.0139, _T113),
        ("other", "plasma_1", 0.099, _T113),
    ],
}

# ---- Thallium as a radium progeny (Para. 481 + Para. 712) ------------------------------------
THALLIUM_MODEL = {
    "compartments": {
        "plasma": "Blood", "rbc": "Blood",
        "trab_bone_surface": "Skeleton", "cort_bone_surface": "Skeleton",
        "liver": "Liver", "kidneys": "Kidneys", "other": "Soft tissue",
        "trab_marrow": "Marrow", "cort_marrow": "Marrow",
        "spleen": "Spleen", "skin": "Skin", "testes": "Gonads", "ovaries": "Gonads",
        **{c: "Alimentary tract" for c in _GI}, "ub_contents": "Urinary bladder",
    },
    "sinks": ("urine", "faeces"),
    "central_blood": "plasma",
    "fA": None,   # not found: see PROGENY_GAPS
    "fA_source": _P481,
    "transfers": [
        # plasma outflow 200 d-1 (t1/2 5 min), divided as printed in Para. 481 (x200, derived)
        ("plasma", "rbc", 5.0, _d("2.5 % of 200 d-1", _P481)),
        ("plasma", "ub_contents", 1.5, _d("0.75 % of 200 d-1", _P481)),
        ("plasma", "rc_contents", 3.5, _d("1.75 % of 200 d-1", _P481)),
        ("plasma", "kidneys", 10.0, _d("5 % of 200 d-1", _P481)),
        ("plasma", "liver", 10.0, _d("5 % of 200 d-1", _P481)),
        ("plasma", "skin", 5.0, _d("2.5 % of 200 d-1", _P481)),
        ("plasma", "trab_marrow", 3.0, _d("red marrow 1.5 % of 200 d-1 (renamed, Para. 712)", _P481)),
        ("plasma", "cort_marrow", 1.0, _d("1/3 of plasma->trabecular marrow", _P712)),
        ("plasma", "spleen", 0.4, _d("0.2 % of 200 d-1", _P481)),
        ("plasma", "testes", 0.6, _d("0.3 % of 200 d-1", _P481)),
        ("plasma", "ovaries", 0.2, _d("0.1 % of 200 d-1", _P481)),
        ("plasma", "trab_bone_surface", 15.0, _d("7.5 % of 200 d-1", _P481)),
        ("plasma", "cort_bone_surface", 15.0, _d("7.5 % of 200 d-1", _P481)),
        ("plasma", "other", 129.8, _d("65.4 % of 200 d-1 minus cortical marrow 0.5 % (Para. 712)",
                                      _P481)),
        ("rbc", "plasma", 3.7, _P481),
        *[(c, "plasma", 2.5, _P481)
          for c in ("liver", "kidneys", "trab_bone_surface", "cort_bone_surface", "other",
                    "trab_marrow", "cort_marrow", "skin", "spleen", "testes", "ovaries")],
    ],
}

PROGENY_MODELS: dict[str, dict] = {
    "Rn": RADON_MODEL,
    "Pb": LEAD_MODEL,
    "Bi": BISMUTH_MODEL,
    "Po": POLONIUM_MODEL,
    "Tl": THALLIUM_MODEL,
}

# ---- Where a daughter is born, by parent compartment -----------------------------------------
_SAME = None
_TURN_T = 0.000493     # reference trabecular bone turnover, 18 %/y (Table 13.3 value)
_TURN_C = 0.0000821    # reference cortical bone turnover, 3 %/y (Table 13.3 value)
_FLEX_ID = ("identification of same-named compartments across element models as applied by "
            "FlexID; not stated in the ICRP text retrieved")
_KEEP = [(c, c, _SAME, Source(ICRP130.citation, note="Para. 37 (not retrieved): progeny formed in "
                               "alimentary tract contents stay in the same segment"))
         for c in (*_GI, "ub_contents")]

PROGENY_PRODUCTION: dict[tuple[str, str], list[tuple[str, str, float | None, Source]]] = {
    ("Ra", "Rn"): [
        *[(c, c, _SAME, _P711) for c in COMPARTMENTS],  # radon born where radium decays
    ],
    # lead born from radium-chain members located in radium compartments (incl. via 219/220/222Rn
    # and the ms-s polonium isotopes): ICRP 137 Para. 482 rules, Para. 712
    ("Ra", "Pb"): [
        ("blood", "plasma", 1000.0, _s137("Para. 482: produced in a blood compartment not "
                                          "identifiable with lead blood", table="", page="230")),
        ("trab_bone_surface", "trab_bone_surface", _SAME, _P482),
        ("cort_bone_surface", "cort_bone_surface", _SAME, _P482),
        ("trab_bone_vol_exch", "trab_bone_vol_exch", _SAME, _P482),
        ("cort_bone_vol_exch", "cort_bone_vol_exch", _SAME, _P482),
        ("trab_bone_vol_nonexch", "trab_bone_vol_nonexch", _SAME, _P482),
        ("cort_bone_vol_nonexch", "cort_bone_vol_nonexch", _SAME, _P482),
        ("liver_1", "liver_1", _SAME, _d(_FLEX_ID)),
        ("liver_2", "liver_2", _SAME, _d(_FLEX_ID)),
        ("kidneys_1", "kidneys_1", _SAME, _d(_FLEX_ID + "; NB radium Kidneys 1 is a fast pool, "
                                             "lead Kidneys 1 is the urinary path")),
        ("kidneys_2", "kidneys_2", _SAME, _d(_FLEX_ID)),
        *[(c, "plasma", 7.39, _s137("Para. 482: soft tissue not identifiable with a lead compartment "
                                    "-> plasma at 7.39 d-1", table="", page="230"))
          for c in ("st0", "st1", "st2")],
        *_KEEP,
    ],
    ("Ra", "Po"): [
        ("blood", "plasma_2", 1000.0, _P484),
        ("trab_bone_surface", "trab_bone_surface", _SAME, _P484),
        ("cort_bone_surface", "cort_bone_surface", _SAME, _P484),
        ("trab_bone_vol_exch", "plasma_2", _TURN_T, _P484),
        ("trab_bone_vol_nonexch", "plasma_2", _TURN_T, _P484),
        ("cort_bone_vol_exch", "plasma_2", _TURN_C, _P484),
        ("cort_bone_vol_nonexch", "plasma_2", _TURN_C, _P484),
        ("liver_1", "liver_1", _SAME, _d(_FLEX_ID, _P484)),
        ("liver_2", "liver_2", _SAME, _d(_FLEX_ID, _P484)),
        ("kidneys_1", "kidneys_1", _SAME, _d(_FLEX_ID, _P484)),
        ("kidneys_2", "kidneys_2", _SAME, _d(_FLEX_ID, _P484)),
        *[(c, "plasma_2", 0.099, _d("soft tissue not identifiable -> Plasma 2, half-time 7 d", _P484))
          for c in ("st0", "st1", "st2")],
        *_KEEP,
    ],
    ("Pb", "Bi"): [
        ("plasma", "plasma", _SAME, _P483),
        ("rbc", "rbc", _SAME, _P483),
        ("trab_bone_surface", "trab_bone_surface", _SAME, _P483),
        ("cort_bone_surface", "cort_bone_surface", _SAME, _P483),
        ("trab_bone_vol_exch", "plasma", _TURN_T, _P483),
        ("trab_bone_vol_nonexch", "plasma", _TURN_T, _P483),
        ("cort_bone_vol_exch", "plasma", _TURN_C, _P483),
        ("cort_bone_vol_nonexch", "plasma", _TURN_C, _P483),
        *[(c, c, _SAME, _d(_FLEX_ID, _P483))
          for c in ("liver_1", "liver_2", "kidneys_1", "kidneys_2", "trab_marrow", "cort_marrow",
                    "spleen", "skin", "testes", "ovaries")],
        *[(c, "plasma", 66.54,
           Source(ICRP137.citation, page="231",
                  note="NOT IN ICRP TEXT: Para. 483 gives no rule for Bi born in non-identifiable "
                       "soft tissue; FlexID thorium-chain files use 66.54 d-1 (fastest Bi soft-tissue "
                       "return), its Pb-210 file uses 1000 d-1 citing ICRP 151 Annex B"))
          for c in ("st0", "st1", "st2")],
        *_KEEP,
    ],
    ("Bi", "Tl"): [
        ("plasma", "plasma", _SAME, _P481),
        ("rbc", "rbc", _SAME, _P481),
        ("trab_bone_surface", "trab_bone_surface", _SAME, _P481),
        ("cort_bone_surface", "cort_bone_surface", _SAME, _P481),
        ("liver_1", "liver", _SAME, _d("Tl liver identified with Liver 1 of the lead model", _P481)),
        ("liver_2", "plasma", 2.5, _d("soft tissue not identifiable -> plasma 2.5 d-1", _P481)),
        ("kidneys_1", "plasma", 2.5, _d("soft tissue not identifiable -> plasma 2.5 d-1", _P481)),
        ("kidneys_2", "kidneys", _SAME, _d("Tl kidneys identified with Kidneys 2 of the lead model",
                                           _P481)),
        *[(c, c, _SAME, _d(_FLEX_ID, _P481))
          for c in ("trab_marrow", "cort_marrow", "spleen", "skin", "testes", "ovaries")],
        *[(c, "plasma", 2.5, _P481) for c in ("st0", "st1", "st2")],
        *_KEEP,
    ],
    ("Bi", "Po"): [
        ("plasma", "plasma_2", 1000.0, _P484),
        ("rbc", "rbc", _SAME, _P484),
        ("trab_bone_surface", "trab_bone_surface", _SAME, _P484),
        ("cort_bone_surface", "cort_bone_surface", _SAME, _P484),
        *[(c, c, _SAME, _d(_FLEX_ID, _P484))
          for c in ("liver_1", "liver_2", "kidneys_1", "kidneys_2", "trab_marrow", "cort_marrow",
                    "spleen", "skin", "testes", "ovaries")],
        *[(c, "plasma_2", 0.099, _d("soft tissue not identifiable -> Plasma 2, half-time 7 d", _P484))
          for c in ("st0", "st1", "st2")],
        *_KEEP,
    ],
    ("Po", "Pb"): [
        *[(c, "plasma", 1000.0, _s137("Para. 482: blood compartment not identifiable -> plasma",
                                      table="", page="230"))
          for c in ("plasma_1", "plasma_2", "plasma_3")],
        ("rbc", "rbc", _SAME, _P482),
        ("trab_bone_surface", "trab_bone_surface", _SAME, _P482),
        ("cort_bone_surface", "cort_bone_surface", _SAME, _P482),
        *[(c, c, _SAME, _d(_FLEX_ID))
          for c in ("liver_1", "liver_2", "kidneys_1", "kidneys_2", "trab_marrow", "cort_marrow",
                    "spleen", "skin", "testes", "ovaries")],
        ("other", "plasma", 7.39, _P482),
        *_KEEP,
    ],
}
# Radon is located in radium-named compartments (RADON_MODEL) until it reaches radon "blood";
# its short-lived daughters therefore use the ("Ra", X) maps, with radon "blood" -> X's blood rule.
PROGENY_PRODUCTION[("Rn", "Pb")] = PROGENY_PRODUCTION[("Ra", "Pb")]
PROGENY_PRODUCTION[("Rn", "Po")] = PROGENY_PRODUCTION[("Ra", "Po")]

PROGENY_GAPS: tuple[str, ...] = (
    "Nothing of the progeny section was read from the printed ICRP 137; paragraph texts were "
    "taken from FlexID's quotations (some elided with '...').",
    "Thallium fractional absorption fA (needed only for Tl formed in SI contents) was not found.",
    "Bismuth: Fig. 10.1 shows Liver 1 -> plasma but Table 10.3 (as quoted) gives no value; omitted.",
    "Bismuth born in a non-identifiable soft-tissue compartment: no rule in Para. 483; the 66.54 d-1 "
    "used above is FlexID's assumption.",
    "Identification of same-named liver/kidney/marrow/spleen/skin/gonad compartments between element "
    "models (e.g. radium Kidneys 1 -> lead Kidneys 1) follows FlexID; the ICRP text retrieved states "
    "such identifications only for Tl (Liver 1, Kidneys 2) and Hg.",
    "Radon in urinary bladder contents: not specified; voiding at 12 d-1 assumed.",
    "Lead Para. 482 says ST0-ST2 inflows are reduced 'by approximately 2.5 %'; the exact factor "
    "0.974528 (total plasma outflow conserved) is derived, as are all percent-of-outflow rates.",
    "Actinium and thorium as radium progeny (needed for 228Ra/227Ra chains; Para. 713-715 region) "
    "were not transcribed; radium as a radium progeny (Para. 716) not transcribed.",
    "Polonium bone-surface split 50:50 trabecular:cortical and 0.0231 d-1 return are FlexID's reading "
    "of Para. 605 (page not recorded).",
)

# --------------------------------------------------------------------------------------------
# ICRP 133 source regions of the progeny element models' own compartments (for dosimetry)
# --------------------------------------------------------------------------------------------
# Compartment names as in PROGENY_MODELS (the assembled model prefixes them "pb_", "bi_", "po_",
# "tl_"); radon uses radium's compartments and so SOURCE_REGIONS above.  Alimentary-tract and
# bladder contents are shared with radium and mapped in SOURCE_REGIONS.
# Basis: ICRP 137 Para. 712 (p. 331; red marrow of the lead-progeny models renamed trabecular
# marrow, cortical marrow added) -> ICRP 133 source regions "T-marrow" / "C-marrow" (trabecular /
# cortical marrow, sregions_2016-08-12.NDX), as in FlexID's radium/thorium-chain input files
# (resources/inp/OIR/90-Th/{81-Tl,82-Pb,83-Bi,84-Po}.inc), whose compartment tables assign
# plasma/RBC -> Blood, bone surfaces/volumes -> {C,T}-bone-{S,V}, Liver 1/2 -> Liver,
# Kidneys 1/2 -> Kidneys, ST0-2 and Po/Tl "Other" -> Other, and the single-organ compartments to
# the same-named region.  Not checked against the printed ICRP 137 compartment tables.
_SR_COMMON = {
    "plasma": "Blood", "rbc": "Blood",
    "trab_bone_surface": "T-bone-S", "cort_bone_surface": "C-bone-S",
    "trab_marrow": "T-marrow", "cort_marrow": "C-marrow",
    "spleen": "Spleen", "skin": "Skin", "testes": "Testes", "ovaries": "Ovaries",
}
PROGENY_SOURCE_REGIONS: dict[str, dict[str, str]] = {
    "Rn": {c: SOURCE_REGIONS[c] for c in COMPARTMENTS},      # RADON_MODEL uses radium compartments
    "Pb": {**_SR_COMMON,
           "trab_bone_vol_exch": "T-bone-V", "trab_bone_vol_nonexch": "T-bone-V",
           "cort_bone_vol_exch": "C-bone-V", "cort_bone_vol_nonexch": "C-bone-V",
           "liver_1": "Liver", "liver_2": "Liver", "kidneys_1": "Kidneys", "kidneys_2": "Kidneys",
           "st0": "Other", "st1": "Other", "st2": "Other"},
    "Bi": {**_SR_COMMON,
           "liver_1": "Liver", "liver_2": "Liver", "kidneys_1": "Kidneys", "kidneys_2": "Kidneys",
           "st0": "Other", "st1": "Other", "st2": "Other"},
    "Po": {**{k: v for k, v in _SR_COMMON.items() if k != "plasma"},
           "plasma_1": "Blood", "plasma_2": "Blood", "plasma_3": "Blood",
           "liver_1": "Liver", "liver_2": "Liver", "kidneys_1": "Kidneys", "kidneys_2": "Kidneys",
           "other": "Other"},
    "Tl": {**_SR_COMMON, "liver": "Liver", "kidneys": "Kidneys", "other": "Other"},
}
for _el, _m in PROGENY_MODELS.items():      # the shared contents keep radium's regions
    for _c in _m["compartments"]:
        if _c not in PROGENY_SOURCE_REGIONS[_el] and _c in SOURCE_REGIONS:
            PROGENY_SOURCE_REGIONS[_el][_c] = SOURCE_REGIONS[_c]
del _el, _m, _c
