"""The public API is annotated, and the type checker runs in the suite (style brief P10)."""

from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api", reason="mypy is in the test extra: pip install -e '.[test]'")

SRC = Path(__file__).resolve().parents[1] / "src" / "pkdose"


def test_mypy_clean():
    out, err, status = mypy_api.run([str(SRC), "--ignore-missing-imports", "--no-incremental",
                                     "--cache-dir=/dev/null", "--no-error-summary",
                                     "--exclude", r"pkdose/notebooks/"])  # jupytext twins of notebooks
    assert status == 0, out + err
