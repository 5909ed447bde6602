"""A negotiator's concession explorer: move the terms and the key parameters, see the verdict.

:class:`ConcessionExplorer` keeps a proposal's terms and a few key parameters (by default the
three that drive the audit most). By default every parameter is drawn, as in the audit, so the
verdict is :func:`deals.assess`'s for the same terms and draws; setting a key parameter
*holds* it at that value (:meth:`~ConcessionExplorer.hold`, :meth:`~ConcessionExplorer.release`)
and the verdict says so. Each :meth:`~ConcessionExplorer.update` re-runs the audit
(a few hundred draws) and recomputes the frontier at the held values (the others at their
point values), and returns an
:class:`ExplorerState`: acceptance probabilities, the flags, the leverage ratio, and the data of
the frontier plot. All of that is plain Python; :meth:`~ConcessionExplorer.widget` only wires
ipywidgets sliders to :meth:`update` and redraws :meth:`~ConcessionExplorer.plot`.

>>> import deals
>>> ex = ConcessionExplorer(deals.load("chips-for-farm-purchases"), parameters=["harm"],
...                         draws=100)
>>> ex.update(harm=60.0).values["harm"]
60.0
"""

from __future__ import annotations

import copy
import math
import reprlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from deals.audit.assessment import Assessment, Thresholds, assess
from deals.errors import DealError
from deals.deal.files import load
from deals.deal.model import Deal
from deals.audit.sensitivity import proposal_terms
from deals.audit.verdicts import label, sentence_case, the, verdict_colour
from deals.deal.terms import Terms
from games.errors import listing
from games.markup import clipped, lines
from games.results import TabularResult

__all__ = ["ConcessionExplorer", "Control", "ExplorerState", "assess_command", "verdict"]


@dataclass(frozen=True, eq=False)
class ExplorerState(TabularResult):
    """What the explorer shows for one setting of the terms and the key parameters.

    See :class:`ConcessionExplorer`: each ``update()`` returns one.
    """

    deal: str
    players: tuple[str, str]
    terms: Mapping[str, float]
    values: Mapping[str, float]
    acceptance: float
    supplier_acceptance: float
    flag: str
    partner_flag: str
    rho: Mapping[str, float]
    frontier: np.ndarray = field(repr=False)
    disagreement: tuple[float, float] = field(repr=False)
    proposal_point: tuple[float, float]
    benchmark: Mapping[str, float]
    benchmark_point: tuple[float, float]
    assessment: Assessment = field(repr=False)
    #: The key parameters held at their values (the others are drawn, as in the audit).
    held: tuple[str, ...] = ()
    #: With some parameters held: the audit of the same terms with every parameter drawn.
    all_drawn: Assessment | None = field(default=None, repr=False)
    method: str = "the deal evaluated at the chosen terms and parameter values"
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def gains(self) -> tuple[float, float]:
        """(supplier, partner) gain of the proposal over the outside options, at the key values."""
        return (self.proposal_point[0] - self.disagreement[0],
                self.proposal_point[1] - self.disagreement[1])

    def to_frame(self) -> pd.DataFrame:
        s, p = self.players
        rows = [(f"P({p} accepts)", self.acceptance), (f"P({s} accepts)", self.supplier_acceptance),
                (f"flag ({s})", self.flag), (f"flag ({p})", self.partner_flag),
                ("rho median", self.rho["median"]), ("rho p10", self.rho["p10"]),
                ("rho p90", self.rho["p90"]),
                (f"{s} gain at key values", self.gains[0]), (f"{p} gain at key values", self.gains[1])]
        rows += [(f"proposal {k}", v) for k, v in self.terms.items()]
        rows += [(f"benchmark {k}", v) for k, v in self.benchmark.items()]
        rows += [(f"key parameter {k}" + (" (held)" if k in self.held else " (drawn)"), v)
                 for k, v in self.values.items()]
        return pd.DataFrame(rows, columns=["quantity", "value"]).set_index("quantity")

    def caption(self) -> str:
        a = self.assessment
        held = (f"{', '.join(self.held)} held, the others drawn" if self.held else
                "every parameter drawn, as in chipdeals assess")
        return f"{self.deal}: audit of {a.draws} draws (seed {a.seed}), {held}; thresholds: " \
               f"{a.thresholds}"


@dataclass(frozen=True)
class Control:
    """One slider of a view: an issue (proposal term) or a key parameter, with its range."""

    name: str
    kind: str
    low: float
    high: float
    unit: str = ""
    role: str = ""
    levels: tuple[float, ...] | None = None

    @property
    def step(self) -> float:
        """A round step of about a hundredth of the range: 10,000 rather than 12,000."""
        span = self.high - self.low
        if span <= 0:
            return 1.0
        raw = span / 100
        base = 10.0 ** np.floor(np.log10(raw))
        return float(min((m * base for m in (1, 2, 5, 10) if m * base >= raw * 0.999)))

    @property
    def readout_format(self) -> str:
        """A format spec for the slider's readout: thousands separators, no false decimals."""
        if max(abs(self.low), abs(self.high)) >= 1000 or self.step >= 1:
            return ",.0f"
        decimals = int(max(0, -np.floor(np.log10(self.step))))
        return f",.{decimals}f"

    def check(self, value: Any) -> float:
        """``value`` as a float if the slider can show it (inside [low, high]), else a
        :class:`DealError` naming the control: what a page's client sends is checked here.

        >>> Control("harm", "parameter", 5.0, 60.0).check(-1e308)
        Traceback (most recent call last):
        ...
        deals.errors.DealError: explorer.harm: -1e+308 is outside the slider's range [5, 60]
        """
        try:
            v = float(value)
        except OverflowError:  # a whole number past the float range: past the slider's too
            v = np.inf if value > 0 else -np.inf
        except (TypeError, ValueError):
            raise DealError(f"explorer.{self.name}: {shown(value)} is not a number") from None
        if not self.low <= v <= self.high:  # False for NaN too
            raise DealError(f"explorer.{self.name}: {v:g} is outside the slider's range "
                            f"[{self.low:g}, {self.high:g}]")
        return v

    def text(self, value: float) -> str:
        """The value as the readout shows it, with the unit: '1,100,000 H100e per year'."""
        shown = format(value, self.readout_format)
        return f"{shown} {self.unit}".strip()


def shown(value: Any) -> str:
    """A value a page's client sent, short enough for one line of an error message (a client
    can send a string of megabytes, or a whole number too long for ``repr``).

    >>> shown("x" * 1000), shown(10 ** 5000), shown([1.5])
    ("'xxxxxxxxxxxx...xxxxxxxxxxxxx'", 'a whole number of 5,001 digits', '[1.5]')
    """
    if isinstance(value, int) and value.bit_length() > 64:
        size = abs(value)
        digits = int((size.bit_length() - 1) * math.log10(2)) + 1  # exact, or one short
        return f"a whole number of {digits + (size >= 10 ** digits):,} digits"
    return reprlib.repr(value)


def verdict(state: ExplorerState) -> list[str]:
    """The state's verdict in plain words: each side's acceptance, then each side's verdict and
    what it means (the audit's own words, :attr:`deals.Assessment.verdict_text`).

    >>> import deals
    >>> ex = ConcessionExplorer("chips-for-farm-purchases", parameters=["harm"], draws=100)
    >>> "accepts these terms in" in verdict(ex.state)[1]
    True
    """
    a = state.assessment
    s, p = state.players
    lines = [f"{sentence_case(the(p))} accepts these terms in {state.acceptance:.0%} of "
             f"plausible worlds, {the(s)} in {state.supplier_acceptance:.0%}."]
    for side, me in (("supplier", s), ("partner", p)):
        lines.append(f"{sentence_case(the(me))}: {a.verdict_text[side]}.")
    units = state.settings.get("units", {})
    if state.held:
        held = ", ".join(f"{k} at {state.values[k]:,.4g} {units.get(k, '')}".rstrip()
                         for k in state.held)
        lines.insert(0, f"Holding {held}; every other parameter drawn.")
        full = state.all_drawn
        if full is not None:
            lines.append(f"With every parameter drawn (as {assess_command(full)}): {the(s)} "
                         f"{label(full.verdicts['supplier'], 'supplier', full.parties)}; "
                         f"{the(p)} accepts in {full.acceptance['partner']:.0%}, {the(s)} in "
                         f"{full.acceptance['supplier']:.0%}.")
    else:
        lines.insert(0, f"Every parameter drawn over {a.draws:,} plausible worlds: the "
                        f"numbers {assess_command(a)} gives for these terms.")
    return lines


def assess_command(a: Assessment) -> str:
    """The ``chipdeals assess`` command line that gives audit ``a``'s numbers: its draws (the
    page runs fewer than the command's default), and its seed and thresholds where they are
    not the command's.

    >>> a = assess(load("chips-for-farm-purchases"), draws=50, progress=False)
    >>> assess_command(a), assess_command(replace(a, seed=3, thresholds=Thresholds(under_rho=0.7)))
    ('chipdeals assess --draws 50', 'chipdeals assess --draws 50 --seed 3 --under-rho 0.7')
    """
    words = [f"chipdeals assess --draws {a.draws}"]
    if a.seed != 0:
        words.append(f"--seed {a.seed}" if a.seed is not None else "(other random draws)")
    default = Thresholds()
    words += [f"--{k.replace('_', '-')} {v:g}" for k, v in asdict(a.thresholds).items()
              if v != getattr(default, k) and k != "inefficient_share"]
    return " ".join(words)


class ConcessionExplorer:
    """Explore a deal's proposal: terms and key parameters in, acceptance and flag out.

    ``parameters`` names the key parameters shown as sliders (default: the audit's top three
    drivers). They are drawn like every other parameter until one is set (``update`` with its
    name, or :meth:`hold`): then it is held at that value while the others are drawn
    (``draws``, kept small so an update takes about a second); :meth:`release` draws it again.
    ``terms`` starts from the deal's proposal, or from the optimal ask under its belief.

    >>> ex = ConcessionExplorer("chips-for-farm-purchases", parameters=["harm"], draws=100)
    >>> state = ex.update(chips=50_000)
    >>> state.terms["chips"], 0 <= state.acceptance <= 1
    (50000.0, True)
    """

    def __init__(self, deal: Deal | str, parameters: Sequence[str] | None = None, *,
                 draws: int = 500, seed: int | None = 0, thresholds: Thresholds | None = None,
                 terms: Mapping[str, float] | None = None):
        self.deal = load(deal) if isinstance(deal, str) else deal
        self.draws = int(draws)
        self.seed = seed
        self.thresholds = thresholds or Thresholds()
        start = dict(terms) if terms is not None else proposal_terms(self.deal)[0]
        self.terms: dict[str, float] = self.deal.outcome_values(start)
        for name, value in self.terms.items():
            self.deal.issue(name).check(value, f"explorer terms.{name}")
        point = self.deal.values()
        if parameters is None:
            first = self._assess(self.deal)
            parameters = list(first.drivers.index[:3])
        known = set(self.deal.parameters)
        for name in parameters:
            if name not in known:
                raise DealError(f"explorer: {name!r} is not a parameter of deal "
                                f"{self.deal.name!r}; the parameters are {listing(sorted(known))}")
        self.parameters: tuple[str, ...] = tuple(parameters)
        self.values: dict[str, float] = {k: point[k] for k in self.parameters}
        self.held: set[str] = set()
        self._frontiers: dict[tuple, tuple[np.ndarray, tuple[float, float]]] = {}
        self._start = (dict(self.terms), dict(self.values))
        #: Called with the new state after every update: views (sliders) follow the code.
        self.views: list[Callable[[ExplorerState], None]] = []
        self.state = self._compute()

    # ---- the update logic (plain Python) ---------------------------------------------------

    def update(self, **changes: float) -> ExplorerState:
        """Set some issues (proposal terms) and key parameters (which holds them at the value);
        recompute and return the state."""
        for name, value in changes.items():
            if name in self.terms:
                self.terms[name] = self.deal.issue(name).check(value, f"explorer.{name}")
            elif name in self.values:
                self.values[name] = self._key_value(name, value)
                self.held.add(name)
            else:
                raise DealError(f"explorer: {name!r} is neither an issue {listing(self.terms)} nor "
                                f"a key parameter {listing(self.values)}; add it to parameters=")
        self.state = self._compute()
        for view in list(self.views):
            view(self.state)
        return self.state

    def hold(self, name: str, value: float | None = None) -> ExplorerState:
        """Hold key parameter ``name`` at ``value`` (default: its current slider value)."""
        if name not in self.values:
            raise DealError(f"explorer: {name!r} is not a key parameter {list(self.values)}")
        return self.update(**{name: self.values[name] if value is None else value})

    def release(self, name: str) -> ExplorerState:
        """Draw key parameter ``name`` again, as the audit does."""
        if name not in self.values:
            raise DealError(f"explorer: {name!r} is not a key parameter {list(self.values)}")
        self.held.discard(name)
        return self.update()

    def _key_value(self, name: str, value: Any) -> float:
        # Code may set a key value outside the plausible range (a slider widens to show it);
        # what no deal can be evaluated at is a value that is not a finite number.
        try:
            v = float(value)
        except OverflowError:
            v = np.inf
        except (TypeError, ValueError):
            raise DealError(f"explorer.{name}: {shown(value)} is not a number") from None
        if not np.isfinite(v):
            raise DealError(f"explorer.{name}: {v} is not a finite number")
        return v

    def fork(self) -> "ConcessionExplorer":
        """An independent explorer at this one's state, without recomputing it (no views).

        >>> a = ConcessionExplorer("chips-for-farm-purchases", parameters=["harm"], draws=50)
        >>> b = a.fork()
        >>> b.update(harm=60.0).values["harm"], a.state.values["harm"]
        (60.0, 20.0)
        """
        twin = copy.copy(self)
        twin.terms, twin.values = dict(self.terms), dict(self.values)
        twin.held = set(self.held)
        twin._frontiers = dict(self._frontiers)
        twin.views = []
        return twin

    def reset(self) -> ExplorerState:
        """Back to the terms and key values the explorer started from, every parameter drawn."""
        terms, values = self._start
        self.values.update(values)
        self.held.clear()
        return self.update(**terms)

    def proposal_deal(self) -> Deal:
        """The deal with the explorer's terms as its proposal (parameters as in the file).

        >>> import deals
        >>> ex = ConcessionExplorer("chips-for-farm-purchases", parameters=["harm"], draws=50)
        >>> deals.loads(deals.dumps(ex.proposal_deal())).proposal.values == ex.terms
        True
        """
        return replace(self.deal, proposal=self._proposal(
            description="terms set in the concession explorer"))

    def _proposal(self, description: str = "") -> Terms:
        """The explorer's terms as a proposal in the setting of the file's proposal (parameter
        values in force when it was on the table, e.g. a threat carried out): the audit judges
        the file's proposal in that setting, so the explorer and a saved file do too."""
        setting = self.deal.proposal.setting if self.deal.proposal is not None else {}
        return Terms(dict(self.terms), description=description, source="explorer",
                     setting=dict(setting))

    def _assess(self, deal: Deal) -> Assessment:
        return assess(deal, draws=self.draws, seed=self.seed, thresholds=self.thresholds,
                      progress=False)

    def _frontier(self, bound: Deal) -> tuple[np.ndarray, tuple[float, float]]:
        # The frontier depends on the parameters only: cache it across moves of the terms.
        key = tuple(sorted((k, v) for k, v in self.values.items() if k in self.held))
        if key not in self._frontiers:
            front = bound.frontier()
            d = tuple(float(v) for v in bound.disagreement())
            self._frontiers = {key: (np.asarray(front.utilities, dtype=float), d)}  # keep one
        return self._frontiers[key]

    def _compute(self) -> ExplorerState:
        held = {k: self.values[k] for k in self.parameters if k in self.held}
        bound = self.deal.bind(**held) if held else self.deal
        proposal = self._proposal()
        judged = replace(bound, proposal=proposal)
        a = self._assess(judged)
        full = self._assess(replace(self.deal, proposal=proposal)) if held else None
        framed = judged.at_terms("proposal")[0] if proposal.setting else bound  # as the audit
        front, d = self._frontier(framed)
        u = tuple(float(v) for v in framed.utilities(self.terms))
        ub = tuple(float(v) for v in framed.utilities(a.benchmark))
        return ExplorerState(
            deal=self.deal.name, players=(self.deal.supplier, self.deal.partner),
            terms=dict(self.terms), values=dict(self.values),
            acceptance=a.acceptance["partner"], supplier_acceptance=a.acceptance["supplier"],
            flag=a.flags["supplier"], partner_flag=a.flags["partner"],
            rho=dict(a.rho["supplier"]), frontier=front, disagreement=d,  # type: ignore[arg-type]
            proposal_point=u, benchmark=dict(a.benchmark),  # type: ignore[arg-type]
            benchmark_point=ub, assessment=a, held=tuple(held),  # type: ignore[arg-type]
            all_drawn=full, settings={"units": {k: self.deal.parameters[k].unit
                                                for k in self.parameters}})

    # ---- display ---------------------------------------------------------------------------

    def plot(self, ax: Any = None) -> Any:
        """The frontier at the key values, the outside options, the benchmark and the proposal."""
        import matplotlib.pyplot as plt

        if ax is None:  # small, so its text stays legible when a phone scales the figure down
            _, ax = plt.subplots(figsize=(5.2, 3.9))
        st = self.state
        ax.plot(st.frontier[:, 0], st.frontier[:, 1], "-", color="C0", lw=2,
                label="Pareto frontier")
        ax.scatter(*st.disagreement, marker="x", s=80, color="black", label="outside options",
                   zorder=4)
        ax.axvline(st.disagreement[0], color="0.6", lw=0.8, ls=":")
        ax.axhline(st.disagreement[1], color="0.6", lw=0.8, ls=":")
        # Filled star under hollow markers: a benchmark or struck deal on top of the proposal
        # shows as a ring around the star instead of hiding it.
        said = st.assessment.verdicts["supplier"]  # the verdict the audit's table prints
        s, p = (clipped(name) for name in st.players)  # long names keep the plot's room
        ax.scatter(*st.proposal_point, marker="*", s=200, color=verdict_colour(said),
                   edgecolor="black",
                   label="these terms: " + label(said, "supplier", {"supplier": s}),
                   zorder=5)
        if np.all(np.isfinite(st.benchmark_point)):  # none where the zone is empty at these values
            ax.scatter(*st.benchmark_point, marker="D", s=130, facecolor="none", edgecolor="C1",
                       linewidth=2, label="bargaining benchmark (asymmetric Nash)", zorder=6)
        if self.deal.outcome is not None:
            struck = self.deal.bind(**{k: self.values[k] for k in st.held}).utilities(
                self.deal.outcome_values(self.deal.outcome.values))
            ax.scatter(*struck, marker="s", s=170, facecolor="none", edgecolor="black",
                       linewidth=1.5, label="deal struck (real outcome)", zorder=7)
            extra = [tuple(float(v) for v in struck)]
        else:
            extra = []
        ax.set_xlabel(f"{s} utility, $bn per year")
        ax.set_ylabel(f"{p} utility, $bn per year")
        # Zoom on the part of the frontier both sides prefer to walking away, with the markers.
        marks = [st.disagreement, st.proposal_point, st.benchmark_point, *extra]
        rational = st.frontier[(st.frontier >= np.asarray(st.disagreement)).all(axis=1)]
        pts = np.vstack([rational if len(rational) else st.frontier, marks])
        pts = pts[np.isfinite(pts).all(axis=1)]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        with np.errstate(over="ignore", invalid="ignore"):  # key values near the float limit
            pad = np.maximum((hi / 2 - lo / 2) * 0.16, 1e-9)
            low, high = lo - pad, hi + pad
        if np.isfinite(low).all() and np.isfinite(high).all():
            ax.set_xlim(low[0], high[0])
            ax.set_ylim(low[1], high[1])
        where = ("held values, others at point values" if st.held else "the file's point values")
        rho = st.rho["median"]  # NaN where the audit finds the ratio undefined (no zone)
        ratio = f"leverage ratio {rho:.2f}" if np.isfinite(rho) else "leverage ratio undefined"
        ax.set_title(f"{p} accepts in {st.acceptance:.0%}; {ratio}"
                     f"\n(frontier at {where}; the verdict is over the draws)", fontsize=9)
        # Below the axes, two columns: inside them it covered the frontier, and on a phone's
        # width its 8-point text came out about 6 pixels tall.
        legend = ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
                           frameon=False, handletextpad=0.4, columnspacing=1.2)
        for t in (ax.title, ax.xaxis.label, ax.yaxis.label, *legend.get_texts()):
            t.set_parse_math(False)  # names from the file as written: '$x$' is not maths
        return ax

    def controls(self) -> list[Control]:
        """What a view shows as sliders: the movable issues, then the key parameters."""
        found = []
        for issue in self.deal.issues:
            lo, hi = issue.range
            if lo == hi:
                continue
            found.append(Control(issue.name, "issue", lo, hi, issue.unit,
                                 f"{self.deal.party(issue.giver)} gives",
                                 tuple(issue.levels) if issue.discrete else None))
        for name in self.parameters:
            par = self.deal.parameters[name]
            lo, hi = (par.low, par.high) if par.range is not None else (par.value, par.value)
            found.append(Control(name, "parameter", min(lo, self.values[name]),
                                 max(hi, self.values[name]), par.unit, "key parameter"))
        return found

    def widget(self) -> Any:
        """ipywidgets sliders for the terms and key parameters, and a live frontier plot.

        The sliders follow :meth:`update` called from code (and :meth:`reset`), so what they
        show is always what the verdict was computed for.
        """
        import ipywidgets as w
        import matplotlib.pyplot as plt

        from deals.views.still import StillBox  # start-up time: it loads ipywidgets

        out = w.Output()
        sliders: dict[str, Any] = {}
        style = {"description_width": "230px"}
        layout = w.Layout(width="640px")
        for c in self.controls():
            current = self.terms.get(c.name, self.values.get(c.name))
            label = f"{c.name} ({c.unit})" if c.unit else c.name
            if c.levels is not None:
                sliders[c.name] = w.SelectionSlider(
                    options=[(f"{v:g}", v) for v in c.levels], value=current, description=label,
                    style=style, layout=layout, continuous_update=False)
            else:
                sliders[c.name] = w.FloatSlider(
                    value=current, min=c.low, max=c.high, step=c.step, description=label,
                    readout_format=c.readout_format, style=style, layout=layout,
                    continuous_update=False)
            sliders[c.name].description_allow_html = False
        summary = w.HTML()
        syncing = [False]

        def redraw(st: ExplorerState) -> None:
            syncing[0] = True
            try:  # the sliders show the values the state was computed for
                for name, slider in sliders.items():
                    value = st.terms.get(name, st.values.get(name))
                    if isinstance(slider, w.FloatSlider):
                        slider.min, slider.max = min(slider.min, value), max(slider.max, value)
                    slider.value = value
            finally:
                syncing[0] = False
            summary.value = lines(verdict(st))
            out.clear_output(wait=True)
            with out:
                fig, ax = plt.subplots(figsize=(6.5, 4.5))
                self.plot(ax)
                plt.show()
                plt.close(fig)

        def changed(name: str, change: Mapping[str, Any]) -> None:
            if not syncing[0]:
                self.update(**{name: change["new"]})

        for name, slider in sliders.items():
            slider.observe(partial(changed, name), names="value")
        reset = w.Button(description="reset", tooltip="back to the starting terms and values")
        reset.on_click(lambda _: self.reset())
        self.views.append(redraw)
        redraw(self.state)
        names = {c.name: c.kind for c in self.controls()}
        box = StillBox([w.HTML("<b>Proposal terms</b>")]
                       + [s for n, s in sliders.items() if names[n] == "issue"]
                       + [w.HTML("<b>Key parameters</b>")]
                       + [s for n, s in sliders.items() if names[n] == "parameter"]
                       + [reset, summary, out], outputs={out: self._still_figure})
        box.sliders = sliders  # for scripted use and tests: box.sliders["chips"].value = ...
        return box

    def _still_figure(self) -> str:
        """The frontier chart as an inline PNG, for the widget's still (:mod:`deals.views.still`)."""
        import matplotlib.pyplot as plt

        from deals.views.still import figure_html  # start-up time: it loads ipywidgets

        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        try:
            self.plot(ax)
            return figure_html(fig, f"{self.deal.title}: the frontier at these terms")
        finally:
            plt.close(fig)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
