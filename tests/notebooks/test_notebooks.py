"""The shipped notebooks: paired with their jupytext twins, clean metadata, size budget, and an nbval
comparison that really bites (the suite itself runs every notebook with nbval: see pyproject addopts)."""

import json
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "src" / "pkdose" / "notebooks"
NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
SIZE_BUDGET_BYTES = 1_000_000   # stored with outputs; figures are small (plotly base64 arrays)


def test_notebooks_exist_and_top_level_folder_points_at_them():
    assert "trial_report" in NAMES
    assert (ROOT / "notebooks" / "trial_report.ipynb").resolve() == (NOTEBOOKS / "trial_report.ipynb").resolve()


@pytest.mark.parametrize("name", NAMES)
def test_paired_with_jupytext_twin(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    twin = jupytext.read(NOTEBOOKS / f"{name}.py")
    assert [(c.cell_type, c.source.strip()) for c in nb.cells] == [(c.cell_type, c.source.strip()) for c in twin.cells], \
        f"{name}.ipynb and {name}.py differ: run scripts/refresh_notebooks.py {name}"
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert [t for t in tags if "parameters" in t], "papermill needs a cell tagged 'parameters'"
    assert [t for t in tags if "nbval-check-output" in t], "at least one cell must be checked by nbval"


@pytest.mark.parametrize("name", NAMES)
def test_stored_clean_and_within_budget(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert "papermill" not in nb.metadata
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in nb.cells)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code if c.outputs), "stored with outputs and execution counts (nbval)"
    assert not [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    assert path.stat().st_size <= SIZE_BUDGET_BYTES, f"{path.stat().st_size} bytes > budget {SIZE_BUDGET_BYTES}"


def test_nbval_fails_when_a_checked_number_changes(tmp_path):
    """Change one digit of a stored, checked dose: nbval must report the mismatch."""
    src = NOTEBOOKS / "trial_report.ipynb"
    nb = json.loads(src.read_text())
    cell = next(c for c in nb["cells"] if "nbval-check-output" in c.get("metadata", {}).get("tags", []))
    text = "".join(cell["outputs"][0]["text"])
    lines = text.splitlines(keepends=True)
    row = next(i for i, ln in enumerate(lines) if " kidneys " in ln)
    fields = lines[row].split()
    dose = fields[3]                                        # absorbed_Gy of the first kidney row
    changed = dose[:-1] + ("1" if dose[-1] != "1" else "2")
    lines[row] = lines[row].replace(f" {dose} ", f" {changed} ", 1)
    cell["outputs"][0]["text"] = lines
    bad = tmp_path / "trial_report.ipynb"
    bad.write_text(json.dumps(nb))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                           "--nbval-current-env", "-o", "addopts=", str(bad)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "1 failed" in proc.stdout and changed in proc.stdout
