"""Re-execute the shipped notebooks in place so their stored outputs match the code (for nbval).

    python scripts/refresh_notebooks.py            # every notebook
    python scripts/refresh_notebooks.py trial_report

Each notebook is first rebuilt from its jupytext twin (``<name>.py``, the reviewed source), run
top to bottom with its default parameters (papermill, kernel ``python3``), and written back
without volatile metadata: papermill's timings and environment, cell ids' execution
timestamps and widget state are removed; execution counts stay (nbval needs them). The size
of each stored notebook is printed against the budget that ``tests/notebooks`` enforces.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat
import papermill as pm

NOTEBOOKS = Path(__file__).resolve().parents[1] / "src" / "pkdose" / "notebooks"
VOLATILE_NB_KEYS = ("papermill", "widgets", "toc-autonumbering")
VOLATILE_CELL_KEYS = ("papermill", "execution", "collapsed", "scrolled", "ExecuteTime")
#: a plain-text repr that only names an object's memory address (e.g. a pandas Styler)
ADDRESS_REPR = re.compile(r"^<[\w.]+ (object )?at 0x[0-9a-f]+>$")


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop volatile metadata, keep outputs and execution counts."""
    for key in VOLATILE_NB_KEYS:
        nb.metadata.pop(key, None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata.get("language_info", {}).pop("version", None)
    for i, cell in enumerate(nb.cells):
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = "".join(data.get("text/plain", ""))
            if len(data) > 1 and ADDRESS_REPR.match(text.strip()):
                del data["text/plain"]          # the HTML carries the content; the address changes every run
        cell["id"] = f"cell-{i:02d}"
    return nb


def refresh(name: str) -> Path:
    src = NOTEBOOKS / f"{name}.py"
    target = NOTEBOOKS / f"{name}.ipynb"
    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    with tempfile.TemporaryDirectory() as work:
        fresh = Path(work) / f"{name}.ipynb"
        executed = Path(work) / f"{name}.out.ipynb"
        nbformat.write(nb, fresh)
        pm.execute_notebook(str(fresh), str(executed), kernel_name="python3", cwd=str(NOTEBOOKS),
                            progress_bar=False)
        out = clean(nbformat.read(executed, as_version=4))
    nbformat.write(out, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    args = parser.parse_args(argv)
    names = args.names or sorted(p.stem for p in NOTEBOOKS.glob("*.py"))
    for name in names:
        path = refresh(name)
        print(f"{path.relative_to(NOTEBOOKS.parents[2])}: {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
