"""The pages we produce work offline: no script or style sheet comes from a CDN (issue 26).

The docs build renders notebook widgets as their still (:mod:`deals.views.still`), not as the
embedded widget view whose scripts myst-nb takes from CDNs. This builds the landing page and
notebooks 03 and 10 (the two with widgets) with the docs' own settings, reads every page's HTML
for a script or style sheet from http(s), then opens the notebooks in Debian's chromium with
every request that is not a local file aborted and checks that the widgets are there: the
sliders, the buttons and the charts. (The explorer page's own browser test checks that every
request it makes goes to 127.0.0.1.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOTEBOOKS = ["03-concession-explorer", "10-negotiation-practice"]
REMOTE = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=[\"']?(https?:)?//", re.I)

CONF = f"""
import runpy
_docs = runpy.run_path({str(ROOT / "docs" / "conf.py")!r})
globals().update({{k: v for k, v in _docs.items()
                  if k.startswith(("nb_", "myst_", "html_", "source_suffix"))}})
extensions = ["myst_nb"]
exclude_patterns = ["_build"]
"""


def remote_references(html: str) -> list[str]:
    """Tags that would load something from another host (a CDN): scripts, styles, images."""
    return [m.group(0) for m in REMOTE.finditer(html)]


def test_remote_references_are_found_and_local_ones_are_not():
    assert remote_references('<script src="https://cdn.jsdelivr.net/npm/x.js"></script>')
    assert remote_references("<link rel=stylesheet href=//unpkg.com/a.css>")
    assert not remote_references('<script src="_static/x.js"></script><a href="https://a.b">')
    assert not remote_references('<img src="data:image/png;base64,AAAA">')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("myst_nb")
    src = tmp_path_factory.mktemp("docs")
    (src / "conf.py").write_text(CONF)
    index = (ROOT / "docs" / "index.md").read_text()
    index = re.sub(r"```\{toctree\}.*?```", "", index, flags=re.S)
    index += "\n```{toctree}\n" + "\n".join(f"{n}" for n in NOTEBOOKS) + "\n```\n"
    (src / "index.md").write_text(index)
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", src)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    out = src / "_build"
    # Links to pages left out of this small build warn; anything else failing fails the build.
    done = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src),
                           str(out)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.mark.slow
def test_no_page_loads_a_script_or_style_from_a_cdn(site):
    pages = sorted(site.rglob("*.html"))
    assert {f"{n}.html" for n in NOTEBOOKS} <= {p.name for p in pages}
    found = {p.name: remote_references(p.read_text()) for p in pages}
    assert not {k: v for k, v in found.items() if v}


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_widgets_render_with_the_network_blocked(site, name):
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    blocked: list[str] = []

    def local_only(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", local_only)
            page.goto((site / f"{name}.html").as_uri())
            page.wait_for_load_state("load")
            still = page.locator(".widget-still").first
            still.scroll_into_view_if_needed()
            assert still.is_visible()
            sliders = still.locator("input[type=range]")
            assert sliders.count() >= 4 and sliders.first.bounding_box()["width"] > 100
            labels = still.inner_text()
            if name.startswith("03"):
                assert "accepts these terms in" in labels and "chips (H100e per year)" in labels
                chart = still.locator("img").first
                assert chart.evaluate("i => i.complete && i.naturalWidth") > 300
            else:
                assert {"Offer these terms", "Accept their offer", "Walk away"} <= \
                    set(still.locator("button").all_inner_texts())
                assert "Round 1 of 12" in labels
        finally:
            browser.close()
    assert blocked == []
