"""The concession explorer as a local web page (Panel), and the ``chipdeals explore`` command.

:class:`ExplorerPage` is one browser session's page over a :class:`~deals.ConcessionExplorer`:
a deal picker (the library, ``.toml`` files in a folder, or an uploaded file), sliders for the
terms and key parameters that follow the explorer's state, readouts with units, the verdict in
plain words, the frontier, the drivers, a reset button and "save these terms" (a deal file with
the explorer's terms as its proposal). :func:`serve` runs the page on 127.0.0.1.

Panel and Bokeh are an optional extra (``pip install chipdeals[app]``), imported here only.

>>> page = ExplorerPage("chips-for-farm-purchases", draws=100)
>>> page.explorer.update(chips=50_000).terms["chips"]      # code moves the page's slider too
50000.0
>>> page.sliders["chips"].value
50000.0
"""

from __future__ import annotations

import asyncio
import io
import re
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import deals
from deals.audit.streaming import MAX_KEPT_DRAWS  # the page keeps every draw
from deals.errors import DealError
from deals.audit.verdicts import SCALE, amount, level_names, terms_text, the
from deals.practice.session import PracticeSession
from deals.views.explorer import ConcessionExplorer, Control, ExplorerState, verdict
from deals.views.plots import text_as_written
from games.errors import GameError
from games.markup import markdown, text
from games.negotiation import STANDARD
from games.parallel import call_limited

__all__ = ["ExplorerPage", "deal_choices", "free_port", "serve"]

#: Monte Carlo draws per update on the page: an update takes a fraction of a second.
PAGE_DRAWS = 500
#: CPU seconds an uploaded deal may take to be read and evaluated once, in a child process:
#: a hostile upload is stopped there and never stalls the server's other visitors.
UPLOAD_CPU_SECONDS = 30


def _panel() -> Any:
    try:
        import panel as pn
    except ImportError:  # pragma: no cover - depends on the installation
        raise DealError("the explorer page needs Panel: pip install 'chipdeals[app]'") from None
    return pn


def deal_choices(folder: str | Path = ".", extra: str | None = None) -> dict[str, str]:
    """Picker entries, label -> what :func:`deals.load` takes: the library, then local files.

    >>> "gulf-divestment-uae" in deal_choices("/nonexistent")
    True
    """
    choices = {name: name for name in deals.library_names()}
    paths = sorted(Path(folder).glob("*.toml")) if Path(folder).is_dir() else []
    if extra and extra not in choices:
        paths.insert(0, Path(extra))
    for path in paths:
        choices.setdefault(f"file: {path}", str(path))
    return choices


#: The page's HTML around the Panel layout: a viewport meta tag (so a phone lays the page out
#: at its own width instead of shrinking a desktop page), the title, and styles that keep the
#: sliders' column and the verdict's column side by side on a laptop.
TEMPLATE = """{% extends base %}
{% block preamble %}
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { margin: 8px 12px; font-family: system-ui, sans-serif; }
  .verdict p { margin: 0.3em 0; }
</style>
{% endblock %}
{% block contents %}
{{ embed(roots.main) }}
{% endblock %}
"""

#: The one line that says what to do, at the top of the page.
INSTRUCTION = ("Move the terms; the verdict for each side (beside them, or above them on a "
               "phone) updates after each move. Tick \"hold\" to fix a key parameter; "
               "otherwise every parameter is drawn, as in `chipdeals assess`.")
#: Width of the sliders' column and of the verdict's column (px): side by side at 1280.
LEFT, RIGHT = 500, 660
#: The chart's widest (px): about its drawn width (ConcessionExplorer.plot, 96 dpi, with the
#: axis labels), so a desktop shows it at its own size and a phone scales it down.
FIGURE = 540
#: A slider's caption wraps inside its column (Bokeh's and Panel's keep it on one line, which
#: on a phone pushed a long unit or level name past the screen's edge).
WRAP = {"white-space": "normal", "overflow-wrap": "anywhere"}
#: A unit that names values ('0 capped, 1 unrestricted') or a 0/1 switch ('1 if ..., 0 if not').
NAMED = re.compile(r"-?\d+(\.\d+)? ")


def _css(styles: Mapping[str, str]) -> str:
    return " ".join(f"{k}: {v};" for k, v in styles.items())


def control_label(c: Control, deal: deals.Deal) -> str:
    """A slider's label in words with its unit: 'Licensed volume operated by the partner's own
    firms (H100e/yr)'; a parameter without a description reads as its name in words."""
    what = ""
    if c.kind == "issue":
        what = deal.issue(c.name).description
    for stop in (" (", ":", ";", ", "):
        what = what.split(stop)[0]
    what = _clipped(what.strip() or c.name.replace("_", " "), 48)
    unit = c.unit.replace(" per year", "/yr").replace("per year", "/yr")
    if NAMED.match(unit):  # named levels ('0 capped, 1 free') or a 0/1 switch
        unit = ""
    elif not SCALE.match(unit):  # a scale ('strength, 0-1') stays whole; a note is cut off
        unit = unit.split(",")[0].strip()
    words = what[:1].upper() + what[1:]
    return f"{words} ({_clipped(unit, 100)})" if unit else words


def _clipped(words: str, most: int) -> str:
    """``words`` cut at a space to at most ``most`` characters, with '...' where cut (the
    readouts table under the sliders shows every unit in full); a caption longer than its
    column wraps.

    >>> _clipped("share of sales not made elsewhere", 20)
    'share of sales...'
    """
    if len(words) <= most:
        return words
    cut = words.rfind(" ", 0, most - 2)
    return words[:cut if cut > 0 else most - 3] + "..."


class ExplorerPage:
    """One session's explorer page; ``layout`` is the Panel object to serve.

    Two tabs: the concession explorer (sliders on the left, the verdict and the chart on the
    right, side by side at a laptop's width; on a phone the verdict first, then the sliders) and a
    negotiation against one of the standard agents (:class:`NegotiationTab`).
    """

    def __init__(self, deal: str | deals.Deal | None = None, *, draws: int = PAGE_DRAWS,
                 folder: str | Path = "."):
        pn = _panel()
        self.draws = draws
        self.choices = deal_choices(folder, deal if isinstance(deal, str) else None)
        first = deal if deal is not None else "gulf-divestment-uae"
        label = next((k for k, v in self.choices.items() if v == first), None)
        self.picker = pn.widgets.Select(label="Deal", options=list(self.choices),
                                        value=label or list(self.choices)[0],
                                        sizing_mode="stretch_width")
        self.upload = pn.widgets.FileInput(accept=".toml", label="or open a deal file")
        self.reset_button = pn.widgets.Button(label="Reset", width=100)
        self.save = pn.widgets.FileDownload(callback=self._deal_file, filename="deal.toml",
                                            label="Save these terms", width=170)
        self.message = pn.pane.Alert("", alert_type="danger", visible=False,
                                     sizing_mode="stretch_width")
        self.title = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.controls_box = pn.Column(sizing_mode="stretch_width")
        self.readouts = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["readouts"])
        self.verdict = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["verdict"])
        # At most its drawn size (FIGURE px): wider, a desktop blew the chart up past the fold.
        self.figure = pn.pane.Matplotlib(None, dpi=96, tight=True, format="svg",
                                         sizing_mode="stretch_width", max_width=FIGURE)
        self.drivers = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["drivers"])
        self.sliders: dict[str, Any] = {}
        self.holds: dict[str, Any] = {}
        self._syncing = False
        self.explorer: ConcessionExplorer | None = None
        self.picker.param.watch(self._picked, "value")
        self.upload.param.watch(self._uploaded, "value")
        self.reset_button.on_click(lambda _: self.explorer and self.explorer.reset())
        left = pn.Column(
            self.picker, self.upload, self.message,
            pn.pane.Markdown("**Terms on the table**"), self.controls_box,
            pn.Row(self.reset_button, self.save),
            pn.Card(self.readouts, title="every value, with its unit", collapsed=True,
                    sizing_mode="stretch_width"),
            sizing_mode="stretch_width", max_width=LEFT, min_width=300, css_classes=["left"])
        right = pn.Column(
            self.verdict, self.figure,
            pn.pane.Markdown("**What else moves the verdict**: the strongest drivers (as "
                             "`chipdeals assess` ranks them)"),
            self.drivers, sizing_mode="stretch_width", max_width=RIGHT, min_width=300,
            css_classes=["right"])
        self.explore_tab = pn.Column(
            self.title, pn.pane.Markdown(INSTRUCTION, css_classes=["instruction"],
                                         sizing_mode="stretch_width"),
            # The verdict comes first in the page and is laid out right to left: on a laptop
            # the sliders sit on the left and the verdict beside them; where the two columns
            # no longer fit (a phone), they wrap and the verdict is on top, then the sliders.
            pn.FlexBox(right, left, flex_direction="row-reverse", flex_wrap="wrap",
                       justify_content="flex-end", gap="16px", sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
        self.negotiation = NegotiationTab(self)
        self.layout = pn.Tabs(("Explore the terms", self.explore_tab),
                              ("Practise negotiating", self.negotiation.layout),
                              sizing_mode="stretch_width", dynamic=False)
        self.open(deal if deal is not None else first)

    def servable(self) -> Any:
        """The page in its template (viewport meta tag, title), as the server sends it."""
        pn = _panel()
        page = pn.Template(TEMPLATE)
        page.add_panel("main", self.layout)
        return page

    # ---- the deal -------------------------------------------------------------------------

    def open(self, deal: str | deals.Deal) -> None:
        """Show another deal (a library name, a path, or a Deal)."""
        try:
            explorer = _explorer(deal, self.draws)
        except (GameError, OSError) as exc:
            self._error(exc)
            return
        self.message.visible = False
        self.explorer = explorer
        explorer.views.append(self._show)
        self._build_sliders()
        self._show(explorer.state)
        self.negotiation.reset()

    async def _picked(self, event: Any) -> None:
        source = self.choices.get(event.new)  # a client may send a value not offered
        if source is None:
            return
        if source not in deals.library_names():  # a file: as untrusted as an upload
            try:
                await self._tried(lambda: deals.load(source), source)
            except GameError as exc:
                self._error(exc)
                return
        self.open(source)

    async def _uploaded(self, event: Any) -> None:
        if not event.new:
            return
        name = self.upload.filename or "<upload>"
        try:
            await self._tried(lambda: deals.loads(event.new, path=name), name)
            deal = deals.loads(event.new, path=name)
        except GameError as exc:
            self._error(exc)
            return
        self.open(deal)

    async def _tried(self, read: Callable[[], deals.Deal], name: str) -> None:
        """``read()`` a deal and compute its first state in a child process with a CPU limit,
        while the other sessions go on; a GameError says what failed or that it was stopped."""
        def attempt() -> None:
            ConcessionExplorer(read(), draws=self.draws)

        await asyncio.get_running_loop().run_in_executor(None, lambda: call_limited(
            attempt, cpu_seconds=UPLOAD_CPU_SECONDS, what=f"opening {name}"))

    def _error(self, exc: Exception) -> None:
        self.message.object = markdown(exc)
        self.message.visible = True

    def _deal_file(self) -> io.StringIO:
        assert self.explorer is not None
        return io.StringIO(deals.dumps(self.explorer.proposal_deal()))

    # ---- sliders that follow the state ----------------------------------------------------

    def _build_sliders(self) -> None:
        pn = _panel()
        ex = self.explorer
        assert ex is not None
        self.sliders, self.holds = {}, {}
        for c in ex.controls():
            value = ex.terms.get(c.name, ex.values.get(c.name))
            label = control_label(c, ex.deal)
            if c.levels is not None:
                # Panel writes a discrete slider's caption and level names into HTML (its
                # StaticText), where a float slider's title is text: escaped here, not there.
                names = _level_names(ex.deal, c)
                slider = pn.widgets.DiscreteSlider(
                    label=text(label), options={text(names.get(v, f"{v:g}")): v
                                                for v in c.levels},
                    value=value, sizing_mode="stretch_width", styles=WRAP)
            else:
                slider = pn.widgets.FloatSlider(
                    label=label, start=c.low, end=c.high, step=c.step, value=value,
                    format=_numeral(c), sizing_mode="stretch_width",
                    stylesheets=[f".bk-slider-title {{ {_css(WRAP)} }}"])
            slider.param.watch(self._moved(c), "value_throttled"
                               if c.levels is None else "value")
            self.sliders[c.name] = slider
            if c.kind != "issue":
                box = pn.widgets.Checkbox(label=f"hold {c.name.replace('_', ' ')} at the value "
                                          "below", value=False,
                                          css_classes=["hold"])
                box.param.watch(self._held(c), "value")
                self.holds[c.name] = box
        objects: list[Any] = [self.sliders[c.name] for c in ex.controls() if c.kind == "issue"]
        keys = [c for c in ex.controls() if c.kind != "issue"]
        if keys:
            objects.append(pn.pane.Markdown(
                "**Key parameters** (drawn over their ranges unless held; moving one holds it)"))
            for c in keys:
                objects += [self.holds[c.name], self.sliders[c.name]]
        self.controls_box.objects = objects
        self.save.filename = f"{ex.deal.name}-explorer.toml"

    def _moved(self, control: Control) -> Any:
        def moved(event: Any) -> None:
            if not self._syncing and self.explorer is not None:
                try:  # the value comes from the client: it is checked against the slider
                    self.explorer.update(**{control.name: control.check(event.new)})
                except GameError as exc:
                    self._error(exc)
        return moved

    def _held(self, control: Control) -> Any:
        def held(event: Any) -> None:
            if self._syncing or self.explorer is None:
                return
            if event.new:
                self.explorer.hold(control.name, control.check(self.sliders[control.name].value))
            else:
                self.explorer.release(control.name)
        return held

    def _show(self, st: ExplorerState) -> None:
        ex = self.explorer
        assert ex is not None
        self._syncing = True
        try:
            for name, slider in self.sliders.items():
                value = st.terms.get(name, st.values.get(name))
                if hasattr(slider, "start"):
                    slider.start, slider.end = min(slider.start, value), max(slider.end, value)
                if slider.value != value:
                    slider.value = value
            for name, box in self.holds.items():
                if box.value != (name in st.held):
                    box.value = name in st.held
        finally:
            self._syncing = False
        self.title.object = f"### {markdown(ex.deal.title)}"
        self.readouts.object = _readouts(ex.controls(), st, ex.deal)
        said = [markdown(line) for line in verdict(st)]
        self.verdict.object = f"**Verdict**: *{said[0]}*\n\n" + "\n\n".join(said[1:])
        self.figure.object = _figure(ex)
        d = st.assessment.drivers.head(5)
        self.drivers.object = "\n".join(
            f"{i}. {markdown(name)}" + (f" ({markdown(ex.deal.parameters[name].unit)})"
                              if name in ex.deal.parameters and ex.deal.parameters[name].unit
                              else "") for i, name in enumerate(d.index, 1)) or "(none)"


class NegotiationTab:
    """The page's second tab: play one side of the open deal against a standard agent
    (:class:`deals.practice.session.PracticeSession`, as ``chipdeals negotiate``)."""

    def __init__(self, page: ExplorerPage):
        pn = _panel()
        self.page = page
        self.session: Any = None
        self.side = pn.widgets.Select(label="You play", options={"the partner": "partner",
                                                                "the supplier": "supplier"},
                                      value="partner", width=170)
        self.against = pn.widgets.Select(label="against", options=list(STANDARD),
                                         value="boulware", width=170)
        # align="end": the buttons sit level with the boxes beside them, not with their labels
        self.start = pn.widgets.Button(label="Start a new game", color="primary", width=170,
                                       align="end")
        self.move = pn.widgets.TextInput(label="Your move", placeholder="accept, walk, or e.g. "
                                         "chips=150000", sizing_mode="stretch_width")
        self.send = pn.widgets.Button(label="Send", width=100, align="end")
        self.log = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["transcript"])
        self.start.on_click(lambda _: self.new_game())
        self.send.on_click(lambda _: self.play(self.move.value))
        self.layout = pn.Column(
            pn.pane.Markdown("Play one side of this deal against an agent; after the game you "
                             "see what you got against the gain your position supports."),
            pn.FlexBox(self.side, self.against, self.start, flex_wrap="wrap",
                       align_items="flex-end"),
            pn.Row(self.move, self.send, sizing_mode="stretch_width"),
            self.log, sizing_mode="stretch_width", max_width=LEFT + RIGHT)

    def reset(self) -> None:
        self.session = None
        self.log.object = "Press *Start a new game*."

    def new_game(self) -> None:
        ex = self.page.explorer
        if ex is None:
            return
        try:
            self.session = PracticeSession(ex.deal, side=self.side.value,
                                           against=self.against.value)
        except GameError as exc:
            self.log.object = markdown(exc)
            return
        me = the(self.session.problem.sides[self.session.person])
        self._lines = [f"You are {me}; your outside option is worth "
                       f"{self.session.my_reservation:.3g} $bn a year."]
        self._show()

    def play(self, move: str) -> None:
        if self.session is None:
            self.new_game()
            if self.session is None:
                return
        try:
            said = self.session.respond(move)
        except GameError as exc:
            said = f"Not taken: {exc}"
        self._lines += [f"You: {move}", said]
        self.move.value = ""
        self._show()

    def _show(self) -> None:
        s = self.session
        lines = [markdown(line) for line in self._lines]
        table = s.offer_on_table
        if table is not None:
            u = s.my_utility(s.offers[-1][1])
            offer = markdown(terms_text(s.deal, table))  # each term with its unit
            lines.append(f"**Round {s.round} of {s.rounds}**: their offer ({offer}) is worth "
                         f"{u:.3g} $bn a year to you.")
        if s.status != "open":
            lines.append(f"**{markdown(s.result_sentence())}**")
        self.log.object = "\n\n".join(lines)


def _level_names(deal: deals.Deal, c: Control) -> dict[float, str]:
    return level_names(deal.issue(c.name)) if c.kind == "issue" else {}


#: Each deal's starting explorer, computed once per server and forked for every session.
_STARTS: dict[tuple[str, int], ConcessionExplorer] = {}


def _explorer(deal: str | deals.Deal, draws: int) -> ConcessionExplorer:
    if not isinstance(deal, str):
        return ConcessionExplorer(deal, draws=draws)
    key = (deal, draws)
    if key not in _STARTS:
        _STARTS[key] = ConcessionExplorer(deal, draws=draws)
    return _STARTS[key].fork()


def _numeral(c: Control) -> str:
    """The slider readout in numeral.js terms (Bokeh's), matching Control.readout_format."""
    spec = c.readout_format
    decimals = int(spec.split(".")[1][0])
    return "0,0" + ("." + "0" * decimals if decimals else "")


def value_text(c: Control, value: float, deal: deals.Deal) -> str:
    """A readout: the value with its unit, or for an issue whose unit names its values, the
    value and its name as the audit words it ('1.00 (unrestricted)', not '1.00 0 capped, 1
    unrestricted').

    >>> d = deals.load("allied-sme-netherlands")
    >>> [value_text(Control("fdpr", "issue", 0, 1, d.issue("fdpr").unit), v, d) for v in (0, 1)]
    ['0.00 (not applied)', '1.00 (applied)']
    """
    if c.kind != "issue" or not NAMED.match(c.unit):
        return c.text(value)
    said = amount(deal.issue(c.name), value)
    return f"{format(value, c.readout_format)} ({c.unit if NAMED.match(said) else said})"


def _readouts(controls: list[Control], st: ExplorerState, deal: deals.Deal) -> str:
    values: Mapping[str, float] = {**st.terms, **st.values}
    lines = ["| term or parameter | value | |", "|---|---|---|"]
    for c in controls:
        held = c.kind == "issue" or c.name in st.held
        role = c.role if c.kind == "issue" else (f"{c.role}, held" if held else
                                                 f"{c.role}, drawn (the value is its point "
                                                 "value)")
        lines.append(f"| {markdown(c.name)} | <span class='readout' data-name='{text(c.name)}' "
                     f"data-held='{'yes' if held else 'no'}'>"
                     f"{markdown(value_text(c, values[c.name], deal))}</span> | {markdown(role)} |")
    return "\n".join(lines)


def _figure(ex: ConcessionExplorer) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.6, 4.4))
    ex.plot(fig.add_subplot())
    return fig


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def serve(deal: str | None = None, *, port: int | None = None, open_browser: bool = True,
          draws: int = PAGE_DRAWS, folder: str | Path = ".") -> None:
    """Serve the explorer page on 127.0.0.1 until Ctrl-C; print its URL (with the token
    every visitor needs, :mod:`deals.views.page_gate`) first."""
    pn = _panel()
    if deal is not None:
        deals.load(deal)  # a bad name or file is one clear error before anything starts
    if not 10 <= draws <= MAX_KEPT_DRAWS:  # checked before serving: a page that never comes is a hang
        raise DealError(f"--draws {draws:,}: give at least 10 and at most {MAX_KEPT_DRAWS:,} draws "
                        f"per update (default {PAGE_DRAWS})")
    if port is not None and not 0 < port < 65536:
        raise DealError(f"--port {port}: give a port between 1 and 65535, or none for a free one")
    text_as_written()  # a '$' in a side's name is drawn as a dollar, not read as TeX
    from bokeh.util.token import generate_secret_key

    from deals.views.page_gate import TokenGate, new_token  # start-up time: the gate loads tornado

    port = port or free_port()
    token = new_token()
    url = f"http://127.0.0.1:{port}/?token={token}"
    try:
        server = pn.serve({"/": lambda: ExplorerPage(deal, draws=draws, folder=folder).servable()},
                          port=port, address="127.0.0.1",
                          websocket_origin=[f"127.0.0.1:{port}", f"localhost:{port}"],
                          show=False, start=False, title="chipdeals concession explorer",
                          verbose=False, auth_provider=TokenGate(token, port=port),
                          sign_sessions=True, secret_key=generate_secret_key())
    except OSError as exc:
        raise DealError(f"--port {port}: cannot listen there ({exc.strerror or exc}); give "
                        "another port, or none for a free one") from None
    ExplorerPage(deal, draws=draws, folder=folder)  # warm up: imports, compiled expressions
    server.io_loop.asyncio_loop.set_exception_handler(_quiet_closed_sockets)
    server.start()
    print(f"chipdeals explorer at {url} (Ctrl-C stops it)", flush=True)
    if open_browser:
        webbrowser.open(url)
    previous = _stop_on_sigterm()
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        server.stop()
        print("chipdeals explorer stopped", file=sys.stderr, flush=True)


def _stop_on_sigterm() -> Any:
    """Make SIGTERM (``kill``, a service manager, a closed terminal's job control) stop the
    server as Ctrl-C does: sessions closed, one line said, exit status 0, where Python's
    default ends the process at once. Returns the previous handler (None off the main thread,
    where no handler can be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _quiet_closed_sockets(loop: Any, context: dict) -> None:
    """A browser tab closed while the page was being updated is not an error worth a trace."""
    from tornado.iostream import StreamClosedError
    from tornado.websocket import WebSocketClosedError

    if isinstance(context.get("exception"), (WebSocketClosedError, StreamClosedError)):
        return
    loop.default_exception_handler(context)
