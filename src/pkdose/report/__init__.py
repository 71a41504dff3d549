"""Reports: parameterised notebooks run with papermill, rendered to self-contained HTML.

``run_report`` / ``run_batch`` (and ``pkdose report``) execute the shipped notebooks
(``pkdose/notebooks/``) with parameters, render them offline-ready with ``render_html``; the
figure factories and table helpers here are what the notebooks call.
"""

from .figures import bed_figure, curve_band, dose_figure, dose_per_activity_figure, measurement_figure, tac_figure
from .provenance import input_files, package_versions, parameter_table, sha256, source_table
from .render import PLOTLY_MIME, ReportRenderError, render_html
from .run import (NOTEBOOKS, BatchResult, ChromiumNotFoundError, ReportExistsError, ReportJob, demo_trial,
                  notebook_path, print_pdf, report_name, run_batch, run_report)
from .tables import check_text, rounded, sig, table

__all__ = [
    "run_report", "run_batch", "ReportJob", "BatchResult", "ReportExistsError", "ChromiumNotFoundError",
    "render_html", "ReportRenderError", "PLOTLY_MIME", "print_pdf", "notebook_path", "NOTEBOOKS", "demo_trial",
    "report_name", "tac_figure", "measurement_figure", "dose_figure", "bed_figure", "dose_per_activity_figure", "curve_band",
    "input_files", "package_versions", "parameter_table", "sha256", "source_table", "check_text", "rounded", "sig", "table",
]
