"""Trial data: manifest + measurements, validated with every violation reported at once."""

from .trial import Administration, Patient, TimeActivityCurve, Trial, read_trial

__all__ = ["read_trial", "Trial", "Patient", "Administration", "TimeActivityCurve"]
