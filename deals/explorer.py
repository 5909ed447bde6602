"""A negotiator's concession explorer: move the terms and the key parameters, see the verdict.

:class:`ConcessionExplorer` keeps a proposal's terms and the values of a few key parameters
(by default the three that drive the audit most). Each :meth:`~ConcessionExplorer.update`
re-runs a small leverage audit (:func:`deals.assess`, a few hundred draws of the other
parameters) and recomputes the frontier at the key values, and returns an
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from deals.assessment import Assessment, Thresholds, assess
from deals.errors import DealError
from deals.files import load
from deals.model import Deal
from deals.sensitivity import FLAG_COLOURS, proposal_terms
from deals.terms import Terms
from games.results import TabularResult

__all__ = ["ConcessionExplorer", "ExplorerState"]


@dataclass(frozen=True, eq=False)
class ExplorerState(TabularResult):
    """What the explorer shows for one setting of the terms and the key parameters."""

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
        rows += [(f"key parameter {k}", v) for k, v in self.values.items()]
        return pd.DataFrame(rows, columns=["quantity", "value"]).set_index("quantity")

    def caption(self) -> str:
        a = self.assessment
        return (f"{self.deal}: audit of {a.draws} draws (seed {a.seed}) with the key parameters "
                f"fixed; thresholds: {a.thresholds}")


class ConcessionExplorer:
    """Explore a deal's proposal: terms and key parameters in, acceptance and flag out.

    ``parameters`` names the key parameters shown as sliders (default: the audit's top three
    drivers); they are fixed at the slider values while the others are drawn (``draws``, kept
    small so an update takes about a second). ``terms`` starts from the deal's proposal, or
    from the optimal ask under its belief.
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
                                f"{self.deal.name!r}; the parameters are {sorted(known)}")
        self.parameters: tuple[str, ...] = tuple(parameters)
        self.values: dict[str, float] = {k: point[k] for k in self.parameters}
        self._frontiers: dict[tuple, tuple[np.ndarray, tuple[float, float]]] = {}
        self.state = self._compute()

    # ---- the update logic (plain Python) ---------------------------------------------------

    def update(self, **changes: float) -> ExplorerState:
        """Set some issues (proposal terms) and key parameters; recompute and return the state."""
        for name, value in changes.items():
            if name in self.terms:
                self.terms[name] = self.deal.issue(name).check(value, f"explorer.{name}")
            elif name in self.values:
                self.values[name] = float(value)
            else:
                raise DealError(f"explorer: {name!r} is neither an issue {list(self.terms)} nor "
                                f"a key parameter {list(self.values)}; add it to parameters=")
        self.state = self._compute()
        return self.state

    def _assess(self, deal: Deal) -> Assessment:
        return assess(deal, draws=self.draws, seed=self.seed, thresholds=self.thresholds,
                      progress=False)

    def _frontier(self, bound: Deal) -> tuple[np.ndarray, tuple[float, float]]:
        # The frontier depends on the parameters only: cache it across moves of the terms.
        key = tuple(sorted(self.values.items()))
        if key not in self._frontiers:
            front = bound.frontier()
            d = tuple(float(v) for v in bound.disagreement())
            self._frontiers = {key: (np.asarray(front.utilities, dtype=float), d)}  # keep one
        return self._frontiers[key]

    def _compute(self) -> ExplorerState:
        bound = self.deal.bind(**self.values)
        judged = replace(bound, proposal=Terms(dict(self.terms), source="explorer"))
        a = self._assess(judged)
        front, d = self._frontier(bound)
        u = tuple(float(v) for v in bound.utilities(self.terms))
        ub = tuple(float(v) for v in bound.utilities(a.benchmark))
        return ExplorerState(
            deal=self.deal.name, players=(self.deal.supplier, self.deal.partner),
            terms=dict(self.terms), values=dict(self.values),
            acceptance=a.acceptance["partner"], supplier_acceptance=a.acceptance["supplier"],
            flag=a.flags["supplier"], partner_flag=a.flags["partner"],
            rho=dict(a.rho["supplier"]), frontier=front, disagreement=d,  # type: ignore[arg-type]
            proposal_point=u, benchmark=dict(a.benchmark),  # type: ignore[arg-type]
            benchmark_point=ub, assessment=a)  # type: ignore[arg-type]

    # ---- display ---------------------------------------------------------------------------

    def plot(self, ax: Any = None) -> Any:
        """The frontier at the key values, the outside options, the benchmark and the proposal."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 4.5))
        st = self.state
        ax.plot(st.frontier[:, 0], st.frontier[:, 1], "-", color="C0", lw=2,
                label="Pareto frontier")
        ax.scatter(*st.disagreement, marker="x", s=80, color="black", label="outside options",
                   zorder=4)
        ax.axvline(st.disagreement[0], color="0.6", lw=0.8, ls=":")
        ax.axhline(st.disagreement[1], color="0.6", lw=0.8, ls=":")
        ax.scatter(*st.benchmark_point, marker="D", s=60, color="C1", edgecolor="black",
                   label="bargaining benchmark (asymmetric Nash)", zorder=5)
        ax.scatter(*st.proposal_point, marker="*", s=220, color=FLAG_COLOURS.get(st.flag, "gold"),
                   edgecolor="black", label=f"proposal: {st.flag}", zorder=6)
        s, p = st.players
        ax.set_xlabel(f"{s} utility")
        ax.set_ylabel(f"{p} utility")
        ax.set_title(f"P({p} accepts) = {st.acceptance:.0%}, rho median = "
                     f"{st.rho['median']:.2f}, {s} flag: {st.flag.upper()}", fontsize=10)
        ax.legend(fontsize=8, loc="best")
        return ax

    def widget(self) -> Any:
        """ipywidgets sliders for the terms and key parameters, and a live frontier plot."""
        import ipywidgets as w
        import matplotlib.pyplot as plt

        out = w.Output()
        sliders: dict[str, Any] = {}
        style = {"description_width": "initial"}
        layout = w.Layout(width="520px")
        for issue in self.deal.issues:
            lo, hi = issue.range
            if lo == hi:
                continue
            label = f"{issue.name} ({issue.giver} gives{', ' + issue.unit if issue.unit else ''})"
            if issue.discrete:
                sliders[issue.name] = w.SelectionSlider(options=list(issue.levels),
                                                        value=self.terms[issue.name],
                                                        description=label, style=style,
                                                        layout=layout, continuous_update=False)
            else:
                sliders[issue.name] = w.FloatSlider(value=self.terms[issue.name], min=lo, max=hi,
                                                    step=(hi - lo) / 100, description=label,
                                                    style=style, layout=layout,
                                                    continuous_update=False)
        for name in self.parameters:
            par = self.deal.parameters[name]
            lo, hi = (par.low, par.high) if par.range is not None else (par.value, par.value)
            lo, hi = min(lo, self.values[name]), max(hi, self.values[name])
            sliders[name] = w.FloatSlider(value=self.values[name], min=lo, max=hi,
                                          step=(hi - lo) / 100 or 1.0,
                                          description=f"{name} ({par.unit})" if par.unit else name,
                                          style=style, layout=layout, continuous_update=False)
        summary = w.HTML()

        def redraw() -> None:
            st = self.state
            summary.value = (f"<b>{self.deal.partner} accepts in {st.acceptance:.0%}</b> of "
                             f"plausible worlds; {self.deal.supplier} flag <b>{st.flag.upper()}"
                             f"</b>, partner flag {st.partner_flag.upper()}; rho median "
                             f"{st.rho['median']:.2f}")
            out.clear_output(wait=True)
            with out:
                fig, ax = plt.subplots(figsize=(6.5, 4.5))
                self.plot(ax)
                plt.show()
                plt.close(fig)

        def changed(name: str, change: Mapping[str, Any]) -> None:
            self.update(**{name: change["new"]})
            redraw()

        for name, slider in sliders.items():
            slider.observe(partial(changed, name), names="value")
        redraw()
        box = w.VBox([w.HTML("<b>Proposal terms</b>")]
                     + [sliders[i.name] for i in self.deal.issues if i.name in sliders]
                     + [w.HTML("<b>Key parameters</b>")]
                     + [sliders[n] for n in self.parameters] + [summary, out])
        box.sliders = sliders  # for scripted use and tests: box.sliders["chips"].value = ...
        return box

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
