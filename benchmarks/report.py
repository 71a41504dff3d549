"""Report rendering: serial vs parallel batch, and papermill's overhead vs the same code as a script.

    python benchmarks/report.py [--trial trial_data/lu177-dotatate-demo] [--repeats 1]

Prints two tables:

1. wall time and peak memory to render every report of the demo trial (one per patient plus the
   trial summary) with one worker process and with one per core, and their ratio;
2. one notebook (the per-patient trial report) executed by papermill (kernel start, parameter
   injection, output capture) against the same cells run as a plain Python script (jupytext
   export, ``python script.py``), both in fresh processes, and the ratio.

Peak memory is the largest resident set size of any finished child process (a worker or a
kernel; ``getrusage(RUSAGE_CHILDREN)``), and of this process. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0          # Linux: kB


def batch(trial: Path, jobs: int) -> tuple[float, float]:
    """Wall time [s] and child peak RSS [MB] of a full batch in a fresh interpreter."""
    code = ("import resource,sys,time; from pkdose.report import run_batch; t=time.perf_counter(); "
            f"r=run_batch({str(trial)!r}, sys.argv[1], jobs={jobs}, progress=False); "
            "assert r.ok, r.failures; "
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024)")
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, "-c", code, out], capture_output=True, text=True, check=True)
    wall, rss = proc.stdout.split()[-2:]
    return float(wall), float(rss)


def notebook_vs_script(trial: Path, patient: str) -> tuple[float, float]:
    """Seconds for papermill vs a plain script running the same cells with the same parameters."""
    import jupytext

    nb_path = ROOT / "src" / "pkdose" / "notebooks" / "trial_report.ipynb"
    with tempfile.TemporaryDirectory() as work:
        work_p = Path(work)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c",
                        "import papermill as pm, sys; pm.execute_notebook(sys.argv[1], sys.argv[2], "
                        f"parameters={{'trial_dir': {str(trial)!r}, 'patient': {patient!r}}}, kernel_name='python3', "
                        "progress_bar=False)", str(nb_path), str(work_p / "out.ipynb")],
                       check=True, capture_output=True)
        t_pm = time.perf_counter() - t0
        nb = jupytext.read(nb_path)
        for cell in nb.cells:
            if "parameters" in cell.metadata.get("tags", []):
                cell.source += f"\ntrial_dir = {str(trial)!r}\npatient = {patient!r}"
        script = work_p / "report_script.py"
        jupytext.write(nb, script, fmt="py:percent")
        # the script shows nothing: display() and fig.show() print reprs instead of rendering
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(script)], check=True, capture_output=True, cwd=work,
                       env={**os.environ, "PLOTLY_RENDERER": "json"})
        t_py = time.perf_counter() - t0
    return t_pm, t_py


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trial", default=str(ROOT / "trial_data" / "lu177-dotatate-demo"))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    trial = Path(args.trial).resolve()
    cores = os.cpu_count() or 1
    print(f"# report benchmark: {trial.name}, {cores} cores, python {sys.version.split()[0]}")
    rows = []
    for jobs in (1, cores):
        runs = [batch(trial, jobs) for _ in range(args.repeats)]
        rows.append((jobs, statistics.median(r[0] for r in runs), max(r[1] for r in runs)))
    print("\n| workers | wall time [s] | peak child RSS [MB] | speed-up vs 1 worker |")
    print("|---:|---:|---:|---:|")
    for jobs, wall, rss in rows:
        print(f"| {jobs} | {wall:.1f} | {rss:.0f} | {rows[0][1] / wall:.2f}x |")
    from pkdose.data import read_trial

    patient = read_trial(trial).patients[0].id
    pairs = [notebook_vs_script(trial, patient) for _ in range(args.repeats)]
    t_pm = statistics.median(p[0] for p in pairs)
    t_py = statistics.median(p[1] for p in pairs)
    print(f"\n| one report ({patient}) | seconds | ratio |")
    print("|---|---:|---:|")
    print(f"| plain script (same cells) | {t_py:.2f} | 1.00x |")
    print(f"| papermill (kernel, injection, outputs) | {t_pm:.2f} | {t_pm / t_py:.2f}x |")
    print(f"\nthis process peak RSS: {_maxrss_mb(resource.RUSAGE_SELF):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
