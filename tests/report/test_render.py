"""render_html: figures inlined, nothing from the network, math as MathML, code and parameters hidden."""

import json

import nbformat
import plotly
import plotly.graph_objects as go
import pytest
from bs4 import BeautifulSoup

from pkdose.report import PLOTLY_MIME, ReportRenderError, render_html

EVIL = "</script><script>window.__pwned = 1</script>"


def notebook(n_figures=2):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# Title\n\nEnergy $E = m c^2$ and\n\n$$D = S \\tilde{A}$$"))
    params = nbformat.v4.new_code_cell("secret_parameter = 'do-not-show'")
    params.metadata["tags"] = ["parameters"]
    nb.cells.append(params)
    nb.cells.append(nbformat.v4.new_markdown_cell("## Figures"))
    for i in range(n_figures):
        fig = go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 0.5, 0.25], name=EVIL)).update_layout(title=f"figure {i}")
        cell = nbformat.v4.new_code_cell(f"fig{i}.show()  # code_marker_{i}")
        cell.outputs = [nbformat.v4.new_output("display_data", data={PLOTLY_MIME: json.loads(fig.to_json()),
                                                                     "text/plain": ["Figure"]})]
        nb.cells.append(cell)
    eq = nbformat.v4.new_code_cell("sympy_expr")
    eq.outputs = [nbformat.v4.new_output("execute_result", data={"text/latex": "$\\displaystyle \\frac{d A}{d t} = - k A$",
                                                                 "text/plain": "Eq(...)"}, execution_count=1)]
    nb.cells.append(eq)
    return nb


def test_figures_plotlyjs_once_no_network_math_and_hidden_code():
    page = render_html(notebook(2), title="T <b>1</b>")
    soup = BeautifulSoup(page, "html.parser")
    assert len(soup.select("div.pkdose-figure")) == 2
    assert page.count("Plotly.newPlot(") == 2
    assert page.count(f"plotly.js v{plotly.__version__.split('.')[0]}") <= 1
    inline = [s for s in soup.find_all("script") if not s.get("src")]
    assert sum(len(s.get_text()) > 1_000_000 for s in inline) == 1          # plotly.js inlined exactly once
    # nothing is fetched: no src/href to another host, no MathJax, no require.js
    refs = [t.get("src") or t.get("href") for t in soup.find_all(["script", "link", "img", "iframe"])]
    assert not [r for r in refs if r and not r.startswith(("#", "data:"))], refs
    small = [s.get_text() for s in inline if len(s.get_text()) < 1_000_000]   # every script but plotly.js
    assert not [s for s in small if "http" in s or "MathJax" in s or "require" in s]
    # equations as MathML: inline, display and the sympy output
    assert len(soup.find_all("math")) == 3
    assert "$E = m c^2$" not in page
    # code and parameters hidden
    assert "code_marker_0" not in page and "do-not-show" not in page
    # table of contents links to the headings
    toc = soup.select("nav.pkdose-toc a")
    assert [a.get_text() for a in toc] == ["Figures"]
    # text in a figure cannot close the script element it sits in
    assert EVIL not in page and "window.__pwned" in page
    assert soup.title.get_text() == "T <b>1</b>"                            # escaped in the page source
    assert "<title>T <b>" not in page


def test_a_failed_run_is_not_rendered():
    nb = notebook(1)
    bad = nbformat.v4.new_code_cell("1/0")
    bad.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]
    nb.cells.append(bad)
    with pytest.raises(ReportRenderError, match="ZeroDivisionError"):
        render_html(nb)


def test_reads_a_notebook_file(tmp_path):
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook(1), path)
    assert render_html(path).count("Plotly.newPlot(") == 1
