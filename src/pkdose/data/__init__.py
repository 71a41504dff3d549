"""Trial data: manifest + measurements, validated with every violation reported at once."""

from .images import Acquisition, read_images, write_measurements, write_region_volumes
from .trial import Administration, Patient, TimeActivityCurve, Trial, read_trial

__all__ = ["read_trial", "Trial", "Patient", "Administration", "TimeActivityCurve",
           "read_images", "Acquisition", "write_measurements", "write_region_volumes"]
