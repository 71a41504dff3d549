"""Shared test settings: deterministic hypothesis profile (style brief P9)."""

from hypothesis import HealthCheck, settings

settings.register_profile("pkdose", derandomize=True, deadline=None, max_examples=25,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("pkdose")
