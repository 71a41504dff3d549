"""A rendered report in a real headless browser (Debian's chromium, installed by .ci/run), network off.

The page must load with no network, draw its plotly figures (DOM and a non-blank screenshot),
log no console errors, request nothing from another host, and run none of the script that the
trial's texts carry.
"""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("CI must provide Debian's chromium for the browser test (.ci/run installs it)", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


def test_report_renders_offline_without_errors(hostile_report, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    from PIL import Image

    console, requests, dialogs = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(hostile_report.as_uri(), wait_until="load")
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=20_000)
            n_divs = page.locator("div.pkdose-figure").count()
            n_plots = page.locator("div.pkdose-figure.js-plotly-plot").count()
            n_traces = page.locator(".js-plotly-plot .scatterlayer .trace").count()
            pwned = page.evaluate("typeof window.__pwned !== 'undefined'")
            shot = tmp_path / "report.png"
            page.locator("div.pkdose-figure").first.screenshot(path=str(shot))
        finally:
            browser.close()
    assert n_divs >= 3 and n_plots == n_divs, (n_divs, n_plots)       # every figure was drawn by plotly.js
    assert n_traces > 0
    assert console == [] and requests == [] and dialogs == [] and not pwned, (console, requests, dialogs)
    img = Image.open(shot).convert("L")
    lo, hi = img.getextrema()
    assert hi - lo > 100                                                # not a blank rectangle
