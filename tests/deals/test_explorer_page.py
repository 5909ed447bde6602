"""The explorer page in a real browser: Debian's chromium driven by Playwright for Python.

Starts ``chipdeals explore`` as a user would, opens the page, moves a slider with the keyboard,
reads the verdict and checks it against ``deals.assess`` at the values the page shows, saves
the terms, reads the file back with ``chipdeals assess`` and opens it on the page again.
Skipped where no chromium is installed (.ci/run installs it with apt-get). Never downloads a
browser: the executable is always given.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

import deals
from deals.deal.terms import Terms

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DEAL = "gulf-divestment-uae"
DRAWS = 500  # the page's default


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("panel")
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("explore")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from deals.cli.commands import main; sys.exit(main())",
         "explore", DEAL, "--no-browser"], cwd=folder, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(120)
    match = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", found[0] if found else "")
    if not match:
        proc.kill()
        pytest.fail(f"no URL printed: {found} {proc.stderr.read() if proc.poll() else ''}")
    yield match.group(0), folder
    proc.send_signal(signal.SIGINT)  # Ctrl-C: a clean stop, no traceback
    assert proc.wait(30) == 0
    err = proc.stderr.read()
    assert "Traceback" not in err, err


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("profile")  # a new user-data-dir
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS,
            accept_downloads=True, viewport={"width": 1280, "height": 800})
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        outside: list[str] = []
        pg.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1",
                                                             "data:", "blob:"))
              else outside.append(r.url))
        pg.goto(server[0])
        pg.wait_for_selector(".verdict >> text=accepts these terms")
        pg.outside = outside
        yield pg
        context.close()


def readouts(pg, held_only: bool = False) -> dict[str, float]:
    """The values the page says the verdict was computed for (``held_only``: the terms and the
    held key parameters, not those drawn)."""
    out = {}
    spans = pg.locator(".readout").evaluate_all(
        "els => els.map(e => [e.dataset.name, e.dataset.held, e.textContent])")
    for name, held, text in spans:
        if held_only and held != "yes":
            continue
        out[name] = float(text.replace(",", "").split()[0])
    return out


def verdict_text(pg) -> str:
    return " ".join(" ".join(pg.locator(".verdict p").all_inner_texts()).split())


def expected(values: dict[str, float], name: str = DEAL) -> deals.Assessment:
    """deals.assess itself, at the terms and held key values read off the page."""
    deal = deals.load(name)
    terms = {k: v for k, v in values.items() if k in {i.name for i in deal.issues}}
    keys = {k: v for k, v in values.items() if k not in terms}
    bound = deal.bind(**keys) if keys else deal
    setting = deal.proposal.setting if deal.proposal is not None else {}  # as assess reads it
    judged = replace(bound, proposal=Terms(deal.outcome_values(terms), setting=setting))
    return deals.assess(judged, draws=DRAWS, seed=0, progress=False)


def shown_for(pg, deal: deals.Deal) -> None:
    """Wait until the page shows ``deal``: every readout is one of its issues or parameters,
    every movable issue has one, and each issue's lies in its range (the two Gulf deals share
    their issues' names, not all their ranges)."""
    names = {i.name for i in deal.issues} | set(deal.parameters)
    movable = {i.name for i in deal.issues if i.range[0] != i.range[1]}
    ranges = {i.name: i.range for i in deal.issues}
    for _ in range(240):
        shown = set(pg.locator(".readout").evaluate_all("els => els.map(e => e.dataset.name)"))
        inside = all(ranges[k][0] <= v <= ranges[k][1]
                     for k, v in readouts(pg).items() if k in ranges)
        if shown and shown <= names and movable <= shown and inside:
            pg.wait_for_timeout(300)
            return
        pg.wait_for_timeout(250)
    raise AssertionError(f"the page never showed {deal.name}: {shown}")


def check_verdict(pg, name: str = DEAL) -> dict[str, float]:
    values = readouts(pg, held_only=True)
    a = expected(values, name)
    text = verdict_text(pg)
    assert f"accepts these terms in {a.acceptance['partner']:.0%}" in text
    assert f"the US in {a.acceptance['supplier']:.0%}" in text
    for side in ("supplier", "partner"):
        assert a.verdict_text[side] in text
    return values


def test_the_first_page_shows_the_deals_proposal_and_its_verdict(page):
    values = check_verdict(page)
    assert values["chips"] == 220_000 and values["safeguards"] == 1.0
    assert page.locator(".readout[data-name=chips]").inner_text() == "220,000 H100e per year"
    assert page.outside == []          # everything is served from 127.0.0.1


def test_moving_a_slider_gives_the_verdict_of_deals_assess_at_the_values_shown(page):
    handle = page.locator(".noUi-handle").nth(3)          # safeguards: the fourth slider
    handle.focus()
    handle.press("ArrowLeft")
    page.wait_for_selector(".readout[data-name=safeguards] >> text=0.99", state="attached")
    values = check_verdict(page)
    assert values["safeguards"] == pytest.approx(0.99) and values["chips"] == 220_000


def test_saved_terms_are_a_deal_file_that_assess_reads_and_the_page_opens(page, tmp_path):
    from deals.cli.commands import main

    shown = readouts(page)
    with page.expect_download() as info:
        page.get_by_text("Save these terms").click()
    saved = tmp_path / "saved.toml"
    info.value.save_as(saved)
    back = deals.load(saved)
    assert back.proposal.values["safeguards"] == pytest.approx(shown["safeguards"])
    assert main(["assess", str(saved), "--draws", "200", "--format", "json"]) == 0
    # Reset, then open the saved file on the page: its terms come back.
    page.get_by_role("button", name="Reset").click()
    page.wait_for_selector(".readout[data-name=safeguards] >> text=1.00", state="attached")
    page.wait_for_timeout(500)
    page.set_input_files("input[type=file]", str(saved))
    page.wait_for_selector(".readout[data-name=safeguards] >> text=0.99", state="attached")
    check_verdict(page)


def test_the_picker_opens_a_library_deal_with_its_own_sliders(page):
    page.select_option("select", label="chips-for-farm-purchases")
    page.wait_for_selector(".readout[data-name=soy]", state="attached")
    values = readouts(page)
    deal = deals.load("chips-for-farm-purchases")
    assert values["chips"] == deal.proposal.values["chips"]
    assert "accepts these terms in" in verdict_text(page)
    assert "gulf" not in page.locator(".readout").first.inner_text()


def test_a_file_with_markup_in_every_field_shows_it_as_text_and_runs_nothing(page, tmp_path):
    minimal = (ROOT / "docs" / "deal-files.md").read_text().split("## A minimal file")[1]
    MINIMAL = minimal.split("```toml")[1].split("```")[0]
    q = '<img src=x onerror=\\"window.pwned=1\\">'
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(MINIMAL.replace('title = "Toy: chips for payments"', f'title = "{q}"')
                       .replace('partner = "P"', f'partner = "P {q}"')
                       .replace('unit = "$bn per unit of chips"', f'unit = "{q}"'))
    page.set_input_files("input[type=file]", str(hostile))
    page.wait_for_selector("h3 >> text=onerror")   # the title, as characters
    page.wait_for_selector(".verdict >> text=accepts these terms")
    assert page.evaluate("window.pwned") is None
    assert page.locator("img[src=x]").count() == 0


def test_without_the_token_or_under_another_host_name_the_server_refuses(server):
    import urllib.error
    import urllib.request

    url = server[0]
    port = url.split(":")[2].split("/")[0]
    for address, host in [(url.split("?")[0], None), (url.replace("token=", "token=x"), None),
                          (url, f"rebound.example:{port}")]:
        request = urllib.request.Request(address, headers={"Host": host} if host else {})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=60)
        assert info.value.code == 403
    with urllib.request.urlopen(url, timeout=60) as answer:  # the printed URL opens
        assert answer.status == 200


# ---- issue 26: the verdict is the audit's, in view, on any screen ----------------------------

def test_the_page_has_a_viewport_meta_tag_and_one_line_saying_what_to_do(page):
    meta = page.locator("meta[name=viewport]")
    assert meta.count() == 1 and "width=device-width" in meta.get_attribute("content")
    assert page.get_by_text("Move the terms; the verdict for each side").count() >= 1


def test_the_verdict_is_in_view_at_1280_by_800_without_scrolling(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    box = page.locator(".verdict").first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800 and box["x"] > 300  # beside
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_page_fits_a_phone_with_the_verdict_first(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(800)
    try:
        page.evaluate("window.scrollTo(0, 0)")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        verdict = page.locator(".verdict").first.bounding_box()
        slider = page.locator(".noUi-handle").first.bounding_box()
        picker = page.locator("select").first.bounding_box()
        # The verdict is read first, in the first screen; the controls follow it.
        assert verdict["y"] + verdict["height"] <= 844
        assert verdict["y"] + verdict["height"] <= min(slider["y"], picker["y"])
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(800)
    verdict = page.locator(".verdict").first.bounding_box()
    # The slider's track, not its handle: the handle sits wherever an earlier test left the
    # value (at 482 px, the verdict at 526 px was beside the sliders yet "failed").
    track = page.locator(".noUi-target").first.bounding_box()
    assert verdict["x"] >= track["x"] + track["width"] and verdict["y"] < 400  # beside, on top


@pytest.mark.parametrize("name", deals.library_names())
def test_the_default_verdict_is_deals_assess_for_every_library_deal(page, name):
    """No key parameter is held until the user holds it: the page's numbers are the audit's
    (the farm deal once read 'underpriced, 94%' where assess said 'self-defeating, 35%')."""
    page.select_option("select", label=name)
    deal = deals.load(name)
    shown_for(page, deal)
    held = dict(page.locator(".readout").evaluate_all(
        "els => els.map(e => [e.dataset.name, e.dataset.held])"))
    assert all(v == "no" for k, v in held.items() if k in set(deal.parameters))  # drawn
    assert "Every parameter drawn" in verdict_text(page)
    check_verdict(page, name)


def test_holding_a_key_parameter_says_so_and_gives_the_conditional_verdict(page):
    page.select_option("select", label="chips-for-farm-purchases")
    shown_for(page, deals.load("chips-for-farm-purchases"))
    box = page.locator("input[type=checkbox]").first
    box.check()
    page.wait_for_selector(".verdict >> text=every other parameter drawn")
    text = verdict_text(page)
    assert text.startswith("Verdict: Holding ") and "With every parameter drawn" in text
    check_verdict(page, "chips-for-farm-purchases")
    box.uncheck()
    page.wait_for_selector(".verdict >> text=Every parameter drawn")


def test_a_hostile_deal_title_renders_as_text(page, tmp_path):
    hostile = "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script>"
    deal = replace(deals.load("tier-upgrade-poland"), title=hostile)
    path = tmp_path / "hostile.toml"
    path.write_text(deals.dumps(deal))
    page.set_input_files("input[type=file]", str(path))
    page.wait_for_selector("text=<img src=x")
    assert page.evaluate("window.pwned === undefined")
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0


def test_the_second_tab_plays_negotiate_against_an_agent(page):
    page.select_option("select", label="gulf-divestment-uae")
    shown_for(page, deals.load("gulf-divestment-uae"))
    page.get_by_text("Practise negotiating").click()
    page.get_by_role("button", name="Start a new game").click()
    page.wait_for_selector(".transcript >> text=Round 1 of 12")
    move = page.get_by_placeholder("accept, walk")
    move.fill("walk")
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector(".transcript >> text=No agreement")
    page.get_by_text("Explore the terms").click()


MARKUP = '<script>alert(1)</script> "><img src=x onerror=alert(1)> \'q\' "qq"'
#: Elements a file's text must never become, in the page or any of its shadow roots.
FROM_THE_FILE = """() => { let n = 0; const walk = (root) => {
    n += root.querySelectorAll('img[src=x], img[onerror]').length;
    root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) walk(e.shadowRoot); }); };
    walk(document); return n; }"""


def markup_everywhere() -> deals.Deal:
    """The Poland deal (a discrete issue with named levels) with markup in every text field."""
    from games.parameters import ParameterSet

    deal = deals.load("tier-upgrade-poland")
    issues = [replace(i, unit=f"0 {MARKUP}, 1 {MARKUP} b" if i.discrete else f"{MARKUP} unit",
                      description=f"{MARKUP} {i.name}") for i in deal.issues]
    parameters = ParameterSet([replace(p, unit=f"{MARKUP} u", source=f"{MARKUP} s")
                               for p in deal.parameters.values()])
    notes = {t: replace(getattr(deal, t), description=f"{MARKUP} {t}", source=f"{MARKUP} {t}")
             for t in ("proposal", "belief", "outcome") if getattr(deal, t) is not None}
    return replace(deal, title=f"{MARKUP} title", supplier=f"S {MARKUP}", partner=f"P {MARKUP}",
                   description=MARKUP, issues=issues, parameters=parameters, **notes,
                   stances=type(deal.stances)(replace(s, description=MARKUP)
                                              for s in deal.stances))


def test_markup_in_every_text_field_runs_nothing_and_the_page_still_fits_a_phone(page, tmp_path):
    """A level name '<img src=x onerror=...>' once ran its script (Panel writes a discrete
    slider's caption as HTML), and the file's long units pushed a 390 px page to 862 px."""
    path = tmp_path / "markup.toml"
    path.write_text(deals.dumps(markup_everywhere()))
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    try:
        page.set_input_files("input[type=file]", str(path))
        page.wait_for_selector("h3 >> text=onerror")
        page.wait_for_selector(".verdict >> text=accepts these terms")
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(1500)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.evaluate(FROM_THE_FILE) == 0 and dialogs == []
        assert page.get_by_text("<script>alert(1)</script>").count() > 0  # as characters
    finally:
        page.remove_listener("dialog", dismiss)
        page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(800)
