"""Hostile deal files: every text field carries markup, expressions that never finished, huge
integers, a byte-order mark. Each is refused with one line, or evaluated quickly and shown as
text, on every view that turns file text into HTML."""

from __future__ import annotations

import html
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import deals
from deals.errors import DealError, DealFileError

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (ROOT / "docs" / "deal-files.md").read_text().split("## A minimal file")[1]
MINIMAL = MINIMAL.split("```toml")[1].split("```")[0]

#: Markup that must be shown, never run: a script, an event handler, a Markdown link to
#: javascript:, an attribute break-out, Markdown that would make a heading or a table.
MARKUP = ['<img src=x onerror="window.pwned=1">', "<script>window.pwned=1</script>",
          "[click](javascript:window.pwned=1)", "\"'><svg onload=window.pwned=1>",
          "# heading | cell | *stars*", "&lt;img src=x onerror=alert(1)&gt;"]


def hostile_deal(markup: str) -> deals.Deal:
    """The docs' minimal deal with ``markup`` in every free-text field."""
    q = markup.replace("\\", "\\\\").replace('"', '\\"')
    text = (MINIMAL
            .replace('title = "Toy: chips for payments"', f'title = "{q}"\ndescription = "{q}"')
            .replace('supplier = "US"', f'supplier = "US {q}"')
            .replace('partner = "P"', f'partner = "P {q}"')
            .replace('unit = "$bn per unit of chips"', f'unit = "{q}"')
            .replace('source = "modelling judgement"', f'source = "{q}"')
            .replace('[issues.chips]\n', f'[issues.chips]\nunit = "{q}"\ndescription = "{q}"\n')
            .replace("terms = { chips = 1, pay = 0.5 }",
                     f'terms = {{ chips = 1, pay = 0.5 }}\ndescription = "{q}"'))
    deal = deals.loads(text, path="hostile.toml")
    assert deal.title == markup and markup in deal.supplier  # the text itself is kept
    return deal


class _Elements(HTMLParser):
    """The tags, attributes and link targets of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_inert(fragment: str) -> None:
    """No element but plain formatting, no event handler, no javascript: link."""
    parser = _Elements()
    parser.feed(fragment)
    for tag, attrs in parser.tags:
        assert tag in {"p", "h3", "b", "i", "br", "em", "strong", "span", "table", "thead",
                       "tbody", "tr", "th", "td", "ol", "ul", "li", "div", "small", "h4",
                       "pre", "code", "style"}, (tag, fragment[:300])
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert "javascript:" not in (value or "").lower(), (tag, value)


def rendered_markdown(text: str) -> str:
    """The HTML Panel's Markdown pane sends to the browser for ``text``."""
    from panel.pane import Markdown

    return html.unescape(Markdown(text)._transform_object(text)["object"])


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_in_every_field_is_text_on_the_explorer_page(markup):
    pytest.importorskip("panel")
    from deals.views.app import ExplorerPage

    page = ExplorerPage(hostile_deal(markup), draws=50)
    shown = []
    for pane in (page.title, page.readouts, page.verdict, page.drivers):
        out = rendered_markdown(pane.object)
        assert_inert(out)
        shown.append(html.unescape(out))
    assert any(markup.split()[0] in s for s in shown)  # the words are there, as text
    page._error(DealError(f"a message quoting the file: {markup}"))
    assert_inert(rendered_markdown(page.message.object))


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_in_every_field_is_text_in_the_notebook_widgets(markup):
    w = pytest.importorskip("ipywidgets")
    import contextlib
    import io

    from deals.practice.widget import practice_widget
    from deals.views.explorer import ConcessionExplorer

    deal = hostile_deal(markup)
    box = ConcessionExplorer(deal, draws=50).widget()
    with contextlib.redirect_stdout(io.StringIO()):
        practice = practice_widget(deal, rounds=2, grid_points=50)

    def html_of(widget):
        found = [widget.value] if isinstance(widget, w.HTML) else []
        for child in getattr(widget, "children", ()):
            found += html_of(child)
        return found

    fragments = html_of(box) + html_of(practice)
    assert len(fragments) >= 4
    for fragment in fragments:
        assert_inert(fragment)
    for slider in box.sliders.values():
        assert slider.description_allow_html is False


def test_markup_in_result_tables_is_text_in_repr_html():
    deal = hostile_deal(MARKUP[0])
    for result in (deals.assess(deal, draws=50, progress=False),):
        assert_inert(result._repr_html_())


# The expressions that never finished, and their kin: each is refused, or loads and is
# audited in well under a second of CPU time.
NEVER_FINISHED = [
    "(1 + 1/10**20)**(10**20)", "-(1 + 1/10**20)**(10**20)", "max(exp(exp(exp(100))), 1)",
    "where(exp(exp(exp(100))) > 1, 1, 0)", "(1 - 1/10**20)**(10**20)",
    "(3 * v)**(10**20)", "(3 * v)**(10**20) * (3 * v)**(10**20)", "min(exp(exp(100)), v)",
    "(v - v + 1 + 1/10**30)**(10**30)", "log(exp(exp(exp(10))))", "sqrt(10**300 * 10**300)",
    "where(10**300 * 10 > 1, v, 0)", "(1 + 10**-300)**(10**300)", "2**(2**(2**(2**5)))",
    "(v / v)**(10**20)", "exp(10**20 * (v - v))", "abs(-(1 + 1/10**20)**(10**20))",
]


@pytest.fixture
def cpu_guard():
    """Fail (not hang) a test after 20 s of this process's CPU time."""
    import signal

    def expire(*_):
        raise TimeoutError("still computing after 20 s of CPU time")

    old = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, 20.0)
    yield
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.signal(signal.SIGPROF, old)


@pytest.mark.parametrize("expression", NEVER_FINISHED)
def test_expressions_that_never_finished_are_refused_or_evaluated_fast(expression, cpu_guard):
    text = MINIMAL.replace('partner = "v * chips - pay"',
                           f'partner = "v * chips - pay + 0 * ({expression})"')
    start = time.process_time()
    try:
        deal = deals.loads(text, path="hostile.toml")
        deals.assess(deal, draws=50, progress=False)
    except DealError as exc:
        assert "\n" not in str(exc) and "hostile.toml" in str(exc)
    assert time.process_time() - start < 5.0  # CPU seconds; each takes a fraction of one


@pytest.mark.parametrize("digits", [4_301, 100_000])
def test_a_huge_toml_integer_is_one_line_naming_the_file(digits):
    text = MINIMAL.replace("value = 2.0", "value = " + "9" * digits)
    with pytest.raises(DealFileError) as info:
        deals.loads(text, path="huge.toml")
    message = str(info.value)
    assert message.startswith("huge.toml: (file): ") and len(message) < 200


@pytest.mark.parametrize("data", [("\ufeff" + MINIMAL), ("\ufeff" + MINIMAL).encode()])
def test_a_byte_order_mark_is_read_as_the_same_deal(data):
    assert deals.loads(data) == deals.loads(MINIMAL)


def test_an_error_listing_60000_levels_is_one_short_line():
    levels = ", ".join(str(i) for i in range(60_001))
    text = (MINIMAL.replace("[issues.chips]\nrange = [0, 1]",
                            f"[issues.chips]\nrange = [0, 60000]\nlevels = [{levels}]")
            .replace("terms = { chips = 1, pay = 0.5 }", "terms = { chips = 0.5, pay = 0.5 }"))
    with pytest.raises(DealError) as info:
        deals.loads(text, path="levels.toml")
    assert len(str(info.value)) < 300 and "59,991 more" in str(info.value)


def test_a_discount_drawn_outside_0_1_is_one_short_line_not_an_array():
    # A drawn discount factor used to be printed as the whole array of draws.
    text = MINIMAL.replace('[parameters.v]', '[parameters.d]\nvalue = -0.5\nrange = [-0.9, -0.1]\n'
                           'unit = "per month"\nsource = "modelling judgement"\n\n[parameters.v]'
                           ).replace('supplier = "0.99"', 'supplier = "d"')
    deal = deals.loads(text, path="discount.toml")
    values = {"d": np.linspace(-0.9, -0.1, 500)}
    with pytest.raises(DealError) as info:
        deal.discount_factors(values)
    message = str(info.value)
    assert "from -0.9 to -0.1" in message and "[" not in message and len(message) < 200


def test_show_refuses_a_utility_that_is_not_a_number_at_the_proposal(tmp_path):
    # solve and assess refuse a NaN utility; show used to print its gain as 'nan'.
    path = tmp_path / "nan.toml"
    path.write_text(MINIMAL.replace('partner = "v * chips - pay"',
                                    'partner = "v * chips - pay + sqrt(pay - 2)"'))
    from deals.cli import main
    assert main(["show", str(path)]) == 2


def test_a_deal_refuses_a_gain_that_is_not_a_number_in_the_library_too(tmp_path):
    # The check lives on the deal (Deal.finite_gains), not only in the show command.
    text = MINIMAL.replace('partner = "v * chips - pay"',
                           'partner = "v * chips - pay + sqrt(pay - 2)"')
    deal = deals.loads(text, path="nan.toml")
    terms = {i.name: i.range[1] for i in deal.issues}
    with pytest.raises(DealError, match=r"^utility\.partner: .* gain at the top is nan"):
        deal.finite_gains(terms, "top")
    assert np.isnan(deal.gains(terms)[1])        # gains itself stays the raw arithmetic
