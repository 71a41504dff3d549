"""run_report / run_batch / `pkdose report`: outputs, refusal to overwrite, failures isolated, Dask, escaping."""

import hashlib
import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from pkdose.cli import main
from pkdose.report import ReportExistsError, run_batch, run_report

from .conftest import HOSTILE, write_trial


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


HAS_CHROMIUM = any(os.access(os.path.join(d, "chromium"), os.X_OK) for d in os.environ["PATH"].split(":"))


def test_report_written_inputs_untouched_never_overwritten_and_pdf(tiny_trial, tmp_path, capsys):
    before = digest(tiny_trial)
    out = tmp_path / "out"
    argv = ["report", str(tiny_trial), "--out", str(out), "--patient", "P01", "--no-summary", "--jobs", "1"]
    assert main(argv) == 0
    assert "1 report(s) written, 0 failed" in capsys.readouterr().out
    page = out / "tiny_P01.html"
    assert (out / "tiny_P01.ipynb").is_file()
    html = page.read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.select("div.pkdose-figure")) >= 3                 # TACs, doses, BED
    assert "SIMULATED DATA" in html and "local absorption" in html
    assert "Provenance" in html and hashlib.sha256((tiny_trial / "measurements.csv").read_bytes()).hexdigest() in html
    assert str(tiny_trial) not in html                                  # no local paths in a sponsor report
    assert "2024-05-17" not in html                                     # nor calendar dates (identifying)
    assert digest(tiny_trial) == before                                 # inputs are only read
    stamp = page.stat().st_mtime_ns
    with pytest.raises(ReportExistsError, match="overwrite"):
        run_report(tiny_trial, out, patient="P01")
    assert main(argv) == 2                                              # refused before anything runs
    assert "--overwrite" in capsys.readouterr().err
    assert page.stat().st_mtime_ns == stamp
    run_report(tiny_trial, out, patient="P01", overwrite=True, pdf=HAS_CHROMIUM)
    assert page.stat().st_mtime_ns != stamp
    if HAS_CHROMIUM:                                                    # .ci/run installs Debian's chromium
        pdf = (out / "tiny_P01.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_trial_texts_are_escaped(hostile_report):
    html = hostile_report.read_text()
    assert HOSTILE not in html and "<img src=x" not in html and "Lu<b>177</b>" not in html
    assert "&lt;script&gt;alert(&quot;pkdose&quot;)&lt;/script&gt;" in html or "&lt;script&gt;alert(\"pkdose\")" in html
    assert "Lu&lt;b&gt;177&lt;/b&gt;-PSMA" in html


def test_batch_isolates_a_failing_patient(tmp_path):
    trial = write_trial(tmp_path / "trial", short_patient=True)     # P02 liver has 2 points: cannot be fitted
    result = run_batch(trial, tmp_path / "out", summary=False, jobs=2, progress=False)
    assert list(result.reports) == ["P01"] and list(result.failures) == ["P02"]
    assert "at least 3 time points" in result.failures["P02"]
    assert not result.ok and "1 report(s) written, 1 failed" in result.summary()
    assert (tmp_path / "out" / "tiny_P02.failed.ipynb").is_file()      # kept for diagnosis
    assert not (tmp_path / "out" / "tiny_P02.html").exists()


def test_batch_on_a_dask_cluster_with_icrp133_when_available(tiny_trial, tmp_path):
    import sys

    distributed = pytest.importorskip("distributed")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from conftest import icrp133_dir       # repo-level conftest: the ICRP 133 files, if present

    saf = icrp133_dir()
    params = {"method": "icrp133", "saf_dir": str(saf)} if saf else {}
    # worker processes, as on a real cluster (an in-process worker would run the kernels in a pytest thread)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_batch(tiny_trial, tmp_path / "out", patients=["P02"], summary=False,
                           scheduler=cluster.scheduler_address, progress=False, parameters=params)
    assert result.ok, result.failures
    html = (tmp_path / "out" / "tiny_P02.html").read_text()
    if saf:
        assert "ICRP 133 adult-female" in html and "ICRP 133 data files read" in html
        assert str(saf) not in html                                     # no local paths



def test_cli_unknown_patient_is_an_error_before_anything_runs(tiny_trial, tmp_path, capsys):
    assert main(["report", str(tiny_trial), "--out", str(tmp_path / "out"), "--patient", "P09"]) == 2
    assert "P09" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
