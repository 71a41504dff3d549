"""Executed notebook → one self-contained HTML file that works with no network.

A plain ``nbconvert`` HTML export is not fit for a sponsor: with plotly 6+ it drops the figures
(their ``application/vnd.plotly.v1+json`` outputs have no HTML form) and its template loads
require.js, MathJax and mermaid from CDNs. :func:`render_html` therefore

1. removes the ``parameters`` / ``injected-parameters`` cells and cells tagged ``remove-cell``,
   and hides all code (the provenance appendix of the notebook lists the parameters);
2. turns every plotly output into a ``<div>`` plus a ``Plotly.newPlot`` call
   (:class:`PlotlyFigures`), with plotly.js inlined **once** in the page head;
3. converts LaTeX (``$…$``/``$$…$$`` in Markdown and ``text/latex`` outputs such as sympy's) to
   MathML with ``latex2mathml`` (:class:`MathToMathML`), which browsers render natively;
4. renders with the ``pkdose_report`` template (JupyterLab's, every network reference removed)
   and adds a table of contents built from the headings.

``render_html`` refuses a notebook whose figures did not all make it into the page.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from traitlets.config import Config

from ..errors import PkdoseError

__all__ = ["PLOTLY_MIME", "REMOVED_TAGS", "PlotlyFigures", "MathToMathML", "render_html", "ReportRenderError"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: Cells dropped from a sponsor report (the provenance appendix shows the parameters).
REMOVED_TAGS = ("parameters", "injected-parameters", "remove-cell")
TEMPLATES = Path(__file__).parent / "templates"


class ReportRenderError(PkdoseError, RuntimeError):
    """A notebook could not be rendered into a complete report."""


def _script_json(obj: Any) -> str:
    """JSON safe to place inside a <script> element (no '</', '<!--' or U+2028/9 breaking out)."""
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class PlotlyFigures(Preprocessor):
    """Replace plotly mime outputs by a div and a ``Plotly.newPlot`` call (plotly.js inlined once)."""

    def preprocess(self, nb, resources):
        resources.setdefault("pkdose_figures", 0)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        for k, out in enumerate(cell.get("outputs", [])):
            data = out.get("data", {})
            if PLOTLY_MIME not in data:
                continue
            fig = data[PLOTLY_MIME]
            if isinstance(fig, str):
                fig = json.loads(fig)
            div = f"pkdose-figure-{index}-{k}"
            layout = dict(fig.get("layout", {}))
            height = int(layout.get("height") or 450)
            config = {"responsive": True, "displaylogo": False, **fig.get("config", {})}
            out["data"] = {"text/html": (
                f'<div id="{div}" class="pkdose-figure" style="height:{height}px"></div>\n'
                f'<script type="text/javascript">Plotly.newPlot("{div}", {_script_json(fig.get("data", []))}, '
                f'{_script_json(layout)}, {_script_json(config)});</script>')}
            out.setdefault("metadata", {}).pop(PLOTLY_MIME, None)
            resources["pkdose_figures"] += 1
        return cell, resources


_DISPLAY = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$")


def _mathml(latex: str, display: bool) -> str:
    from latex2mathml.converter import convert

    latex = latex.strip()
    for env in ("equation", "equation*", "displaymath"):
        latex = latex.replace(f"\\begin{{{env}}}", "").replace(f"\\end{{{env}}}", "")
    latex = latex.replace("\\displaystyle", "").strip()
    try:
        return convert(latex, display="block" if display else "inline")
    except Exception as exc:  # an equation the converter cannot parse stays readable as source
        return f'<code class="pkdose-latex" title="not converted: {html.escape(str(exc))}">{html.escape(latex)}</code>'


def _markdown_math(text: str) -> str:
    out = _DISPLAY.sub(lambda m: "\n\n" + _mathml(m.group(1) or m.group(2), True) + "\n\n", text)
    return _INLINE.sub(lambda m: _mathml(m.group(1), False), out)


class MathToMathML(Preprocessor):
    """LaTeX in Markdown cells and ``text/latex`` outputs → MathML (rendered offline by browsers)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = _markdown_math(cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/latex" in data and "text/html" not in data:
                tex = data.pop("text/latex").strip()
                m = re.fullmatch(r"\$\$?(.*?)\$?\$", tex, re.S)
                data["text/html"] = _mathml(m.group(1) if m else tex, True)
                data.pop("text/plain", None)
        return cell, resources


def _table_of_contents(body: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html.parser")
    heads = [h for h in soup.find_all(["h1", "h2", "h3"]) if h.get("id")]
    if len(heads) < 2:
        return body
    nav = soup.new_tag("nav", attrs={"class": "pkdose-toc"})
    title = soup.new_tag("strong")
    title.string = "Contents"
    nav.append(title)
    ul = soup.new_tag("ul")
    for h in heads[1:] if heads[0].name == "h1" else heads:
        li = soup.new_tag("li", attrs={"style": f"margin-left:{(int(h.name[1]) - 2) * 1.5}em"})
        a = soup.new_tag("a", href=f"#{h['id']}")
        a.string = h.get_text().rstrip("¶").strip()
        li.append(a)
        ul.append(li)
    nav.append(ul)
    if heads[0].name == "h1":
        heads[0].insert_after(nav)
    else:
        heads[0].insert_before(nav)
    return str(soup)


def render_html(notebook: str | Path | nbformat.NotebookNode, *, title: str | None = None) -> str:
    """Render an executed notebook to one self-contained HTML page (module docstring).

    Parameters
    ----------
    notebook : path or NotebookNode
        An executed notebook (outputs present).
    title : str, optional
        Page title (escaped); default the notebook's ``metadata.title`` or file name.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ReportRenderError
        A plotly figure of the notebook is missing from the page, or a cell raised an error.
    """
    import plotly
    from plotly.offline import get_plotlyjs

    from .. import __version__

    nb = nbformat.read(str(notebook), as_version=4) if not isinstance(notebook, nbformat.NotebookNode) \
        else nbformat.from_dict(json.loads(json.dumps(notebook)))
    errors = [(i, o) for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        i, o = errors[0]
        raise ReportRenderError(f"cell {i} of the notebook raised {o.get('ename')}: {o.get('evalue')}; "
                                "a report is not rendered from a failed run")
    expected = sum(PLOTLY_MIME in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])
                   if c.cell_type == "code" and not set(c.metadata.get("tags", [])) & set(REMOVED_TAGS))
    if title is not None:
        nb.metadata["title"] = title
    c = Config()
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVED_TAGS)
    c.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=c, template_name="pkdose_report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
    exporter.register_preprocessor(PlotlyFigures, enabled=True)
    exporter.register_preprocessor(MathToMathML, enabled=True)
    resources = {"plotly_js": get_plotlyjs(), "plotly_version": plotly.__version__,
                 "pkdose_version": __version__, "metadata": {"name": title or "pkdose report"}}
    body, res = exporter.from_notebook_node(nb, resources=resources)
    if res.get("pkdose_figures", 0) != expected:
        raise ReportRenderError(f"{expected} plotly figures in the notebook but {res.get('pkdose_figures', 0)} "
                                "in the page")
    return _table_of_contents(body)
