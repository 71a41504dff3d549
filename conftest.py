"""Repository-level pytest configuration (not part of the installed package).

The ICRP Publication 133 SAF files may not be redistributed with pkdose. Tests and doctests that
need them read them from ``$PKDOSE_ICRP133_DIR`` or else from the shared reference copy
``<repo>/../shared/reference/icrp133``; when neither exists they are skipped with the reason.
"""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent

# The notebooks' jupytext twins are notebook sources, not modules: nbval runs the .ipynb files.
collect_ignore_glob = ["src/pkdose/notebooks/*.py"]
ICRP133_REASON = ("ICRP 133 SAF files not found: set PKDOSE_ICRP133_DIR to the directory of the ICRP "
                  "Publication 133 electronic supplement (not distributed with pkdose)")
_NEEDS_SAF = ("s_values(", "load_icrp133(")


def icrp133_dir() -> Path | None:
    """The ICRP 133 directory for tests, or None."""
    env = os.environ.get("PKDOSE_ICRP133_DIR", "").strip()
    path = Path(env) if env else REPO.parent / "shared" / "reference" / "icrp133"
    return path if path.is_dir() else None


@pytest.fixture(autouse=True)
def _icrp133_for_doctests(request, monkeypatch):
    """Doctests that read the SAF files get PKDOSE_ICRP133_DIR, or are skipped with the reason."""
    dtest = getattr(request.node, "dtest", None)
    if dtest is None:
        yield
        return
    directory = icrp133_dir()
    if any(any(k in ex.source for k in _NEEDS_SAF) for ex in dtest.examples) and directory is None:
        pytest.skip(ICRP133_REASON)
    if directory is not None:
        monkeypatch.setenv("PKDOSE_ICRP133_DIR", str(directory))
    yield


@pytest.fixture(scope="session")
def saf_dir() -> Path:
    """Directory of the ICRP 133 files; skips the test when there is none."""
    path = icrp133_dir()
    if path is None:
        pytest.skip(ICRP133_REASON)
    return path


@pytest.fixture(scope="session")
def am(saf_dir):
    """The adult-male ICRP 133 data (parsed once per session)."""
    from pkdose.dosimetry import load_icrp133

    return load_icrp133("adult-male", saf_dir)


@pytest.fixture(scope="session")
def lu177(saf_dir):
    """ICRP 133 adult-male S-values of Lu-177."""
    from pkdose.dosimetry import s_values

    return s_values("Lu-177", phantom="adult-male", saf_dir=saf_dir)


@pytest.fixture(autouse=True)
def _demo_trial_for_doctests(doctest_namespace):
    """Docstring Examples that read the shipped demo trial find it as ``demo_trial_dir``."""
    doctest_namespace["demo_trial_dir"] = str(REPO / "trial_data" / "lu177-dotatate-demo")
