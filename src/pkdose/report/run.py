"""Run the report notebooks with papermill and render them; batches in parallel (processes or Dask).

:func:`run_report` executes one notebook with a parameter *dict* (papermill's Python API, never
``-p`` strings, which papermill guesses the type of: ``01`` becomes ``1``), keeps the executed
notebook beside the page, renders it with :func:`pkdose.report.render.render_html`, and optionally
prints it to PDF with headless Chromium. It never overwrites an existing report unless asked.

:func:`run_batch` runs one report per patient plus the trial summary through a standard
:class:`concurrent.futures.Executor`: a local process pool by default, or the executor of a Dask
cluster (``scheduler="tcp://host:8786"``) so that large batches run on an existing distributed
engine. A failing patient does not stop the others; the result says which failed and why.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import shutil
import subprocess
import tempfile
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PkdoseError, UnknownNameError

__all__ = ["NOTEBOOKS", "notebook_path", "demo_trial", "report_name", "run_report", "ReportJob", "BatchResult",
           "run_batch", "print_pdf", "ReportExistsError", "ChromiumNotFoundError"]

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
#: notebook -> whether it reports per patient (else only for the whole trial)
NOTEBOOKS = {"trial_report": True, "virtual_trial": False}
DEMO_TRIAL = "lu177-dotatate-demo"


class ReportExistsError(PkdoseError, FileExistsError):
    """An output exists and ``overwrite`` was not given."""


class ChromiumNotFoundError(PkdoseError, FileNotFoundError):
    """PDF output needs a Chromium/Chrome executable."""


def _ipc_kernel_manager() -> type:
    """A kernel manager on IPC sockets: local, not a TCP port (ipykernel warns about unencrypted TCP)."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            super().__init__(**kwargs)

    return IPCKernelManager


def notebook_path(name: str) -> Path:
    """Path of a shipped notebook (``"trial_report"``, ...)."""
    if name not in NOTEBOOKS:
        raise UnknownNameError("notebook", name, tuple(NOTEBOOKS), "pkdose.report")
    return NOTEBOOK_DIR / f"{name}.ipynb"


def demo_trial(name: str = DEMO_TRIAL) -> Path:
    """A shipped simulated demo trial folder (``trial_data/<name>`` of a checkout).

    *name* is ``"lu177-dotatate-demo"`` (default) or ``"ra223-xofigo-demo"``.

    Looked for in ``$PKDOSE_TRIAL_DATA``, then in ``trial_data/`` of the current directory and its
    parents, then beside the package source (an editable install). Wheels do not contain it.
    """
    candidates = []
    env = os.environ.get("PKDOSE_TRIAL_DATA", "").strip()
    if env:
        candidates.append(Path(env) / name)
    cwd = Path.cwd().resolve()
    candidates += [d / "trial_data" / name for d in (cwd, *cwd.parents)]
    src = Path(__file__).resolve()
    candidates += [d / "trial_data" / name for d in src.parents]
    for c in candidates:
        if (c / "trial.toml").is_file():
            return c
    raise FileNotFoundError(f"the demo trial {name!r} was not found (looked in $PKDOSE_TRIAL_DATA, "
                            "./trial_data and its parents, and beside the package): pass trial_dir explicitly "
                            "or set PKDOSE_TRIAL_DATA to the folder that holds it")


def report_name(trial_id: str, patient: str | None, notebook: str = "trial_report") -> str:
    """File stem of a report: ``<trial>_<patient>``, ``<trial>_trial`` or ``<trial>_<notebook>``."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in (patient or "trial"))
    return f"{trial_id}_{safe}" if notebook == "trial_report" else f"{trial_id}_{notebook}"


def _outputs(out_dir: str | os.PathLike[str], stem: str, pdf: bool) -> list[Path]:
    """The files a report writes: page, executed notebook and, with *pdf*, the PDF."""
    out = Path(out_dir)
    return [out / f"{stem}.html", out / f"{stem}.ipynb"] + ([out / f"{stem}.pdf"] if pdf else [])


def _find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumNotFoundError("PDF output needs Chromium: install Debian's 'chromium' package (or Chrome) so "
                                "that 'chromium' is on PATH")


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout_s: float = 120.0) -> Path:
    """Print an HTML report to PDF with headless Chromium (network not used: the page is self-contained)."""
    exe = _find_chromium()
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory(prefix="pkdose-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
               "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise PkdoseError(f"Chromium could not print {html_path} to PDF (exit {proc.returncode}): "
                          f"{proc.stderr.strip()[-500:]}")
    return pdf_path


def run_report(trial_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], *, patient: str | None = None,
               notebook: str = "trial_report", parameters: Mapping[str, Any] | None = None,
               overwrite: bool = False, pdf: bool = False, timeout_s: float = 600.0) -> Path:
    """Execute a report notebook for one patient (or the whole trial) and render it to HTML.

    Parameters
    ----------
    trial_dir : path
        Trial folder (``trial.toml`` + ``measurements.csv``); read only.
    out_dir : path
        Folder for ``<trial>_<patient>.html`` and the executed ``.ipynb`` (created if missing).
    patient : str, optional
        Patient id; None gives the whole-trial report.
    notebook : str
        Shipped notebook name.
    parameters : Mapping, optional
        More notebook parameters (passed to papermill as a dict).
    overwrite : bool
        Replace existing outputs; otherwise an existing output is an error and nothing is run.
    pdf : bool
        Also print the page to PDF with headless Chromium.
    timeout_s : float
        Per-cell execution timeout.

    Returns
    -------
    Path
        The HTML report.

    Raises
    ------
    ReportExistsError
        An output exists and ``overwrite`` is False.
    pkdose.errors.InputDataError, pkdose.errors.UnknownNameError
        Invalid trial data or an unknown patient (checked before the notebook runs).
    papermill.PapermillExecutionError
        A cell failed; the partially executed notebook is kept as ``<name>.failed.ipynb``.
    """
    import papermill as pm

    from ..data import read_trial
    from .render import render_html

    trial_dir = Path(trial_dir).resolve()
    path = notebook_path(notebook)
    trial = read_trial(trial_dir)                  # every violation before any kernel starts
    if patient is not None:
        if not NOTEBOOKS[notebook]:
            raise PkdoseError(f"notebook {notebook!r} reports the whole trial: patient must be None, got {patient!r}")
        trial.patient(patient)
    out = Path(out_dir)
    stem = report_name(trial.id, patient, notebook)
    existing = [str(t) for t in _outputs(out, stem, pdf) if t.exists()]
    if existing and not overwrite:
        raise ReportExistsError(f"report output exists: {', '.join(existing)}; pass overwrite=True "
                                "(CLI: --overwrite) to replace it")
    out.mkdir(parents=True, exist_ok=True)
    params: dict[str, Any] = {"trial_dir": str(trial_dir), **(parameters or {})}
    if NOTEBOOKS[notebook]:
        params["patient"] = patient
    failed = out / f"{stem}.failed.ipynb"
    with tempfile.TemporaryDirectory(prefix="pkdose-report-") as work:
        executed = Path(work) / f"{stem}.ipynb"
        try:
            pm.execute_notebook(str(path), str(executed), parameters=params, kernel_name="python3",
                                progress_bar=False, log_output=False, cwd=work, execution_timeout=timeout_s,
                                kernel_manager_class=_ipc_kernel_manager())
        except Exception:
            if executed.exists():
                shutil.copyfile(executed, failed)
            raise
        page = render_html(executed, title=f"{trial.id} — {patient or 'trial summary'}" if notebook == "trial_report"
                           else f"{trial.id} — {notebook.replace('_', ' ')}")
        html_path = out / f"{stem}.html"
        html_path.write_text(page, encoding="utf-8")
        shutil.copyfile(executed, out / f"{stem}.ipynb")
    if failed.exists() and overwrite:
        failed.unlink()
    if pdf:
        print_pdf(html_path, out / f"{stem}.pdf")
    return html_path


@dataclass(frozen=True)
class ReportJob:
    """One report of a batch."""

    trial_dir: str
    out_dir: str
    patient: str | None
    overwrite: bool = False
    pdf: bool = False
    parameters: Mapping[str, Any] = field(default_factory=dict)
    notebook: str = "trial_report"

    @property
    def label(self) -> str:
        if self.notebook != "trial_report":
            return self.notebook.replace("_", " ")
        return self.patient or "trial summary"


def _run_job(job: ReportJob) -> str:
    return str(run_report(job.trial_dir, job.out_dir, patient=job.patient, overwrite=job.overwrite, pdf=job.pdf,
                          parameters=dict(job.parameters), notebook=job.notebook))


@dataclass(frozen=True)
class BatchResult:
    """Outcome of :func:`run_batch`: the reports written and the failures, with their reasons."""

    reports: Mapping[str, Path]
    failures: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        lines = [f"{len(self.reports)} report(s) written, {len(self.failures)} failed"]
        lines += [f"  ok      {k}: {v}" for k, v in self.reports.items()]
        lines += [f"  FAILED  {k}: {v}" for k, v in self.failures.items()]
        return "\n".join(lines)


def _executor(jobs: int, scheduler: str | None) -> tuple[cf.Executor, Callable[[], None]]:
    if scheduler:
        from distributed import Client

        client = Client(scheduler)
        return client.get_executor(pure=False), client.close
    pool = cf.ProcessPoolExecutor(max_workers=jobs)
    return pool, lambda: pool.shutdown(wait=True)


def run_batch(trial_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
              patients: Sequence[str] | None = None, summary: bool = True, jobs: int | None = None,
              scheduler: str | None = None, overwrite: bool = False, pdf: bool = False,
              parameters: Mapping[str, Any] | None = None, progress: bool = True,
              notebooks: Sequence[str] = ("trial_report",)) -> BatchResult:
    """Reports for every patient of a trial (or *patients*) and the trial summary, in parallel.

    Parameters
    ----------
    trial_dir, out_dir : path
        As in :func:`run_report`.
    patients : sequence of str, optional
        Patient ids; default all patients of the trial.
    summary : bool
        Also render the whole-trial report.
    jobs : int, optional
        Worker processes of the local pool (default: the CPU count, at most the number of reports).
    scheduler : str, optional
        Address of a Dask scheduler: run on that cluster through its executor instead.
    overwrite, pdf, parameters
        As in :func:`run_report`.
    progress : bool
        Show a progress bar (tqdm) on stderr.
    notebooks : sequence of str
        Notebooks to run: per-patient ones (``trial_report``) for each patient and the trial,
        whole-trial ones (``virtual_trial``) once.

    Returns
    -------
    BatchResult
        Written reports and failures (label → reason); a failure does not stop the others.

    Raises
    ------
    ReportExistsError
        Some output exists and ``overwrite`` is False (checked before anything runs).
    """
    from tqdm.auto import tqdm

    from ..data import read_trial

    trial = read_trial(trial_dir)
    ids = list(patients) if patients is not None else [p.id for p in trial.patients]
    for pid in ids:
        trial.patient(pid)
    for nb in notebooks:
        notebook_path(nb)
    root, params = str(Path(trial_dir).resolve()), dict(parameters or {})
    job_list = []
    for nb in notebooks:
        if NOTEBOOKS[nb]:
            job_list += [ReportJob(root, str(out_dir), pid, overwrite, pdf, params, nb) for pid in ids]
            if summary:
                job_list.append(ReportJob(root, str(out_dir), None, overwrite, pdf, params, nb))
        else:
            job_list.append(ReportJob(root, str(out_dir), None, overwrite, pdf, {}, nb))
    if not overwrite:                               # refuse up front, not as one failure per patient
        existing = [str(f) for j in job_list for f in _outputs(out_dir, report_name(trial.id, j.patient, j.notebook), pdf)
                    if f.exists()]
        if existing:
            raise ReportExistsError(f"{len(existing)} report output(s) exist in {out_dir} (e.g. {existing[0]}); "
                                    "pass overwrite=True (CLI: --overwrite) to replace them")
    workers = max(1, min(jobs or os.cpu_count() or 1, len(job_list)))
    executor, close = _executor(workers, scheduler)
    reports: dict[str, Path] = {}
    failures: dict[str, str] = {}
    try:
        futures = {executor.submit(_run_job, job): job for job in job_list}
        bar = tqdm(total=len(futures), desc=f"reports {trial.id}", unit="report", disable=not progress)
        for fut in cf.as_completed(futures):
            job = futures[fut]
            try:
                reports[job.label] = Path(fut.result())
            except Exception as exc:  # one failed patient must not stop the batch
                first = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
                failures[job.label] = " ".join(first)[:2000]
            bar.update(1)
        bar.close()
    finally:
        close()
    order = {j.label: i for i, j in enumerate(job_list)}
    return BatchResult(dict(sorted(reports.items(), key=lambda kv: order[kv[0]])),
                       dict(sorted(failures.items(), key=lambda kv: order[kv[0]])))
