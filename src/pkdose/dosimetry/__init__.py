"""MIRD dosimetry: S values from ICRP 107 emissions and ICRP 133 specific absorbed fractions; absorbed,
RBE-weighted, equivalent and effective dose; BED.

The ICRP 133 SAF files are not part of pkdose (their licence forbids redistribution): point
pkdose to your copy with ``saf_dir=...`` or the environment variable ``PKDOSE_ICRP133_DIR``.
Without them, :func:`local_absorption_s_value` gives a labelled self-dose estimate.
"""

from .coefficients import DoseCoefficients, dose_coefficients, source_region_map
from .dose import ALPHA_RBE_SOURCE, DEFAULT_ALPHA_RBE, DoseTable, absorbed_dose
from .icrp133 import (ENV_VAR, PHANTOMS, SHA256, ICRP133Data, ICRP133DataError, SAFTable,
                      canonical_phantom, load_icrp133, resolve_saf_dir)
from .radiobiology import KIDNEY, CycleBED, LQParameters, bed, bed_cycles, bed_from_dose_rate, g_factor
from .tissues import (RADIATION_WEIGHTS, TISSUE_WEIGHTS, EffectiveDose, EquivalentDoses, effective_dose,
                      equivalent_dose)
from .regions import (IMAGING_REGIONS, ImagingDoses, ImagingRegion, ImagingSValues, body_regions,
                      imaging_doses, imaging_s_values, red_marrow_tia_from_blood)
from .scaling import scale_to_masses
from .spheres import (ALPHA_RANGE_BOUND_G_PER_CM2, DEFAULT_DENSITY_G_PER_ML, SphereSValue,
                      electron_absorbed_fraction, electron_csda_range, photon_absorbed_fraction,
                      sphere_s_value)
from .svalues import (ALPHA_RECOIL_SAF_ENERGY_MEV, DECAYS_PER_MBQ_H, INTERPOLATIONS, MEV_TO_J,
                      PROGENY_MODES, RADIATION_CLASSES, LocalAbsorptionSValue, SValueTable,
                      local_absorption_s_value, s_values)

__all__ = [
    "s_values", "SValueTable", "local_absorption_s_value", "LocalAbsorptionSValue",
    "load_icrp133", "ICRP133Data", "SAFTable", "ICRP133DataError", "canonical_phantom",
    "resolve_saf_dir", "ENV_VAR", "PHANTOMS", "SHA256", "RADIATION_CLASSES", "PROGENY_MODES",
    "INTERPOLATIONS", "MEV_TO_J", "DECAYS_PER_MBQ_H", "ALPHA_RECOIL_SAF_ENERGY_MEV",
    "dose_coefficients", "DoseCoefficients", "source_region_map",
    "absorbed_dose", "DoseTable", "scale_to_masses", "equivalent_dose", "effective_dose", "EquivalentDoses", "EffectiveDose",
    "RADIATION_WEIGHTS", "TISSUE_WEIGHTS", "DEFAULT_ALPHA_RBE", "ALPHA_RBE_SOURCE",
    "bed", "bed_cycles", "bed_from_dose_rate", "g_factor", "LQParameters", "CycleBED", "KIDNEY",
    "sphere_s_value", "SphereSValue", "electron_absorbed_fraction", "photon_absorbed_fraction",
    "electron_csda_range", "DEFAULT_DENSITY_G_PER_ML", "ALPHA_RANGE_BOUND_G_PER_CM2",
    "imaging_s_values", "imaging_doses", "ImagingSValues", "ImagingDoses", "ImagingRegion",
    "IMAGING_REGIONS", "body_regions", "red_marrow_tia_from_blood",
]
