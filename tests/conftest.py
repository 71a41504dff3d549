"""Shared test settings: deterministic hypothesis profile (style brief P9); the demo-trial generator."""

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("pkdose", derandomize=True, deadline=None, max_examples=25,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("pkdose")


@pytest.fixture(scope="session")
def demo_generator():
    """``scripts/make_demo_trials.py`` loaded as a module (it is a script, not part of the package)."""
    path = Path(__file__).resolve().parents[1] / "scripts" / "make_demo_trials.py"
    spec = importlib.util.spec_from_file_location("make_demo_trials", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
