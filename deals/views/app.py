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
import socket
import sys
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import deals
from deals.audit.leverage import MAX_DRAWS
from deals.errors import DealError
from deals.views.explorer import ConcessionExplorer, Control, ExplorerState, verdict
from games.errors import GameError
from games.markup import markdown, text
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


class ExplorerPage:
    """One session's explorer page; ``layout`` is the Panel object to serve."""

    def __init__(self, deal: str | deals.Deal | None = None, *, draws: int = PAGE_DRAWS,
                 folder: str | Path = "."):
        pn = _panel()
        self.draws = draws
        self.choices = deal_choices(folder, deal if isinstance(deal, str) else None)
        first = deal if deal is not None else "gulf-divestment-uae"
        label = next((k for k, v in self.choices.items() if v == first), None)
        self.picker = pn.widgets.Select(label="Deal", options=list(self.choices),
                                        value=label or list(self.choices)[0], width=420)
        self.upload = pn.widgets.FileInput(accept=".toml", label="or open a deal file",
                                           width=260)
        self.reset_button = pn.widgets.Button(label="Reset", width=110)
        self.save = pn.widgets.FileDownload(callback=self._deal_file, filename="deal.toml",
                                            label="Save these terms",
                                            width=170)
        self.message = pn.pane.Alert("", alert_type="danger", visible=False, width=640)
        self.title = pn.pane.Markdown("", width=640)
        self.controls_box = pn.Column(width=640)
        self.readouts = pn.pane.Markdown("", width=640, css_classes=["readouts"])
        self.verdict = pn.pane.Markdown("", width=640, css_classes=["verdict"])
        self.figure = pn.pane.Matplotlib(None, dpi=96, tight=True, width=640, height=440,
                                         format="png")
        self.drivers = pn.pane.Markdown("", width=640, css_classes=["drivers"])
        self.sliders: dict[str, Any] = {}
        self._syncing = False
        self.explorer: ConcessionExplorer | None = None
        self.picker.param.watch(self._picked, "value")
        self.upload.param.watch(self._uploaded, "value")
        self.reset_button.on_click(lambda _: self.explorer and self.explorer.reset())
        self.layout = pn.Column(
            pn.Row(self.picker, self.upload), self.message, self.title,
            pn.pane.Markdown("**Proposal terms and key parameters**"), self.controls_box,
            pn.Row(self.reset_button, self.save), self.readouts,
            pn.pane.Markdown("**Verdict**"), self.verdict, self.figure,
            pn.pane.Markdown("**What else moves the verdict**: the strongest drivers among the "
                             "parameters still drawn (ranked as `chipdeals assess` ranks them)"),
            self.drivers, width=680)
        self.open(deal if deal is not None else first)

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
        self.sliders = {}
        for c in ex.controls():
            value = ex.terms.get(c.name, ex.values.get(c.name))
            label = f"{c.name} ({c.unit})" if c.unit else c.name
            if c.levels is not None:
                slider = pn.widgets.DiscreteSlider(
                    label=label, options={f"{v:g}": v for v in c.levels}, value=value, width=600)
            else:
                slider = pn.widgets.FloatSlider(
                    label=label, start=c.low, end=c.high, step=c.step, value=value,
                    format=_numeral(c), width=600)
            slider.param.watch(self._moved(c), "value_throttled"
                               if c.levels is None else "value")
            self.sliders[c.name] = slider
        issues = [s for c, s in zip(ex.controls(), self.sliders.values()) if c.kind == "issue"]
        keys = [s for c, s in zip(ex.controls(), self.sliders.values()) if c.kind != "issue"]
        self.controls_box.objects = (issues + [_panel().pane.Markdown("*key parameters*")] + keys)
        self.save.filename = f"{ex.deal.name}-explorer.toml"

    def _moved(self, control: Control) -> Any:
        def moved(event: Any) -> None:
            if not self._syncing and self.explorer is not None:
                try:  # the value comes from the client: it is checked against the slider
                    self.explorer.update(**{control.name: control.check(event.new)})
                except GameError as exc:
                    self._error(exc)
        return moved

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
        finally:
            self._syncing = False
        self.title.object = f"### {markdown(ex.deal.title)}"
        self.readouts.object = _readouts(ex.controls(), st)
        self.verdict.object = "\n\n".join(markdown(line) for line in verdict(st))
        self.figure.object = _figure(ex)
        d = st.assessment.drivers.head(5)
        self.drivers.object = "\n".join(
            f"{i}. {markdown(name)}" + (f" ({markdown(ex.deal.parameters[name].unit)})"
                              if name in ex.deal.parameters and ex.deal.parameters[name].unit
                              else "") for i, name in enumerate(d.index, 1)) or "(none)"


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


def _readouts(controls: list[Control], st: ExplorerState) -> str:
    values: Mapping[str, float] = {**st.terms, **st.values}
    lines = ["| term or parameter | value | |", "|---|---|---|"]
    lines += [f"| {markdown(c.name)} | <span class='readout' data-name='{text(c.name)}'>"
              f"{markdown(c.text(values[c.name]))}</span> | {markdown(c.role)} |"
              for c in controls]
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
    if not 10 <= draws <= MAX_DRAWS:  # checked before serving: a page that never comes is a hang
        raise DealError(f"--draws {draws:,}: give at least 10 and at most {MAX_DRAWS:,} draws "
                        f"per update (default {PAGE_DRAWS})")
    if port is not None and not 0 < port < 65536:
        raise DealError(f"--port {port}: give a port between 1 and 65535, or none for a free one")
    from bokeh.util.token import generate_secret_key

    from deals.views.page_gate import TokenGate, new_token  # start-up time: the gate loads tornado

    port = port or free_port()
    token = new_token()
    url = f"http://127.0.0.1:{port}/?token={token}"
    try:
        server = pn.serve({"/": lambda: ExplorerPage(deal, draws=draws, folder=folder).layout},
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
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print("chipdeals explorer stopped", file=sys.stderr, flush=True)


def _quiet_closed_sockets(loop: Any, context: dict) -> None:
    """A browser tab closed while the page was being updated is not an error worth a trace."""
    from tornado.iostream import StreamClosedError
    from tornado.websocket import WebSocketClosedError

    if isinstance(context.get("exception"), (WebSocketClosedError, StreamClosedError)):
        return
    loop.default_exception_handler(context)
