"""Linked deals: a portfolio solved under one chip budget, regime by regime, over draws.

>>> import deals
>>> result = deals.solve_portfolio(deals.load_portfolio("teaching"), draws=40, seed=1)
>>> list(result.regimes().index)
['no deals', 'tiered framework', 'bilateral, each alone', 'coordinated bilateral']
>>> bool(result.regimes()["P(best)"].sum().round(6) == 1)
True
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from deals.errors import DealError
from deals.audit.leverage import sample_values
from deals.portfolio.file import Portfolio, load_portfolio, portfolio_names
from deals.portfolio.regimes import LABELS, REGIMES, THOUSANDS, PortfolioDraws
from deals.portfolio.stream import solve_in_chunks
from games.ranks import spearman
from games.sweeps import sweep

if TYPE_CHECKING:  # pandas loads only where a table is asked for (start-up time)
    import pandas as pd

__all__ = ["Portfolio", "PortfolioResult", "load_portfolio", "portfolio_names",
           "solve_portfolio"]



def portfolio_sample(portfolio: Portfolio, draws: int, seed: int | None, given: Any = None
                     ) -> dict[str, np.ndarray]:
    """Every deal's parameter draws (shared parameters replacing the deals' own) and the
    portfolio's, keyed ``"k|name"`` and ``"@|name"``.

    Only the shared parameters are common to the deals. Every other parameter is drawn per
    deal from a stream of its own, one child of the seed per (deal key, parameter name), so
    two partners' ``demand`` are independent quantities; the draws do not depend on the
    chunking, the executor or the other deals in the file. (A deal audited alone keeps its
    own draws: :func:`deals.audit.leverage.sample_values` without a scope.)

    >>> import numpy as np
    >>> s = portfolio_sample(load_portfolio("teaching"), 200, 0)
    >>> bool(np.array_equal(s["0|harm"], s["1|harm"]))       # shared: one quantity
    True
    >>> bool(np.array_equal(s["0|demand"], s["1|demand"]))   # each partner's own
    False
    """
    scope = "portfolio"
    shared = portfolio.shared.sample(draws, seed, scope=scope) if len(portfolio.shared) else {}
    own = portfolio.parameters.sample(draws, seed, scope=scope) if len(portfolio.parameters) else {}
    flat: dict[str, np.ndarray] = {}
    for k, entry in enumerate(portfolio.deals):
        # given (deals.condition): every deal's draws from the same rows of the record's
        # conditioned pool, one world across the deals; the portfolio's own judgements stay.
        values = sample_values(entry.deal, draws, seed, scope=f"deal {entry.key}") \
            if given is None or given.empty else given.values_for(entry.deal, draws, seed)
        values.update({n: v for n, v in shared.items() if n in values})
        flat.update({f"{k}|{n}": v for n, v in values.items()})
    flat.update({f"@|{n}": v for n, v in {**own, **shared}.items()})
    return flat


def readable(flat: Mapping[str, np.ndarray], keys: list[str]) -> dict[str, np.ndarray]:
    """The sample's uncertain parameters by readable names: the portfolio's own and its shared
    parameters (one draw of the world, whose copies in the deals are left out) under their own
    names, every other as ``name (key)`` for the partner it belongs to; a parameter that does
    not vary is left out.

    >>> s = portfolio_sample(load_portfolio("teaching"), 50, 0)
    >>> named = readable(s, [d.key for d in load_portfolio("teaching").deals])
    >>> "harm" in named, "harm (uae)" in named, "demand (uae)" in named
    (True, False, True)
    """
    named = {}
    for key, v in flat.items():
        where, name = key.split("|", 1)
        if np.ptp(v) == 0:
            continue
        if where == "@":
            named[name] = v
        elif not np.array_equal(flat.get(f"@|{name}", ()), v):
            named[f"{name} ({keys[int(where)]})"] = v
    return named


def solve_portfolio(portfolio: Portfolio | str, *, draws: int = 2_000, seed: int | None = 0,
                    executor: Executor | None = None, chunk_size: int = 2_500,
                    links: bool = True, progress: bool | None = False,
                    deal_draws: int | None = None, given: Any = None) -> "PortfolioResult":
    """Solve the portfolio's four regimes over ``draws`` Monte Carlo draws of its parameters.

    ``given`` (from :func:`deals.condition`) draws the deals' parameters given the record.

    Chunks of ``chunk_size`` draws run here or on ``executor`` (any ``concurrent.futures``
    executor, a dask client's included); the draws are made up front, so a seed gives the
    same result on any executor and chunking. ``links=False`` switches every link off.
    ``deal_draws`` keeps each deal's own columns for that many draws only (memory for a
    portfolio of many partners; see :func:`deals.portfolio.stream.solve_in_chunks`).

    Parameters
    ----------
    portfolio : Portfolio or str
        The portfolio, or a bundled name or path for :func:`load_portfolio`.
    draws : int, default 2,000
        Monte Carlo draws of the portfolio's parameters; more draws, smaller sampling
        error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    executor : concurrent.futures.Executor or None, default None
        Spreads the chunks of draws over its workers (a process pool, or a dask client's
        executor); the results do not depend on it. None: here, in this process.
    chunk_size : int, default 2,500
        Draws solved at a time (memory grows with it); the results do not depend on it.
    links : bool, default True
        False switches every link between the deals off (each deal then stands alone).
    progress : bool or None, default False
        Show a progress bar on standard error (None: only when the run takes more than a
        second).
    deal_draws : int or None, default None
        Keep each deal's own columns for that many draws only (memory, for a portfolio
        of many partners); None: for every draw.
    given : Conditioned or None, default None
        Draw the parameters given the record: a
        :class:`deals.record.condition.Conditioned` from :func:`deals.condition`, whose
        draws replace the file's ranges (None: the file's ranges).

    Examples
    --------
    >>> import deals
    >>> result = deals.solve_portfolio("teaching", draws=40, seed=0)
    >>> again = deals.solve_portfolio("teaching", draws=40, seed=0)
    >>> result.regimes().equals(again.regimes())   # the same seed, the same answer
    True
    """
    if isinstance(portfolio, str):
        portfolio = load_portfolio(portfolio)
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise DealError(f"draws must be a positive whole number, got {draws!r}")
    if seed is not None and not progress and (given is None or given.empty):
        # chunk by chunk, each drawing its own slice: memory set by the chunk (stream.py)
        out = solve_in_chunks(portfolio, int(draws), seed, executor=executor,
                              chunk_size=chunk_size, links=links, deal_draws=deal_draws)
    else:
        if deal_draws is not None:
            raise DealError("deal_draws needs a seed, no progress bar and no --given (the draws "
                            "are then made chunk by chunk)")
        sample = portfolio_sample(portfolio, int(draws), seed, given)
        out = sweep(PortfolioDraws(portfolio, links=links), sample=sample, executor=executor,
                    chunk_size=chunk_size, vectorised=True, progress=progress,
                    description="portfolio").outputs
    return PortfolioResult(portfolio, dict(out), int(draws), seed,
                           {"chunk_size": chunk_size, "links": links, "deal_draws": deal_draws,
                            "executor": type(executor).__name__ if executor else None})


@dataclass(frozen=True, eq=False)
class PortfolioResult:
    """Per-draw columns of every regime, with tables, verdicts and a plot to read them by.

    See :func:`solve_portfolio` for an example and the notebook ``07-portfolio``.
    """

    portfolio: Portfolio
    columns: Mapping[str, np.ndarray]
    draws: int
    seed: int | None
    settings: Mapping[str, Any] = field(default_factory=dict)
    method: str = ("per draw: the proposer's best offer per volume level (exact LP in the "
                   "other issues), a chip price by bisection against the budget, links to a "
                   "fixed point")

    def column(self, regime: str, quantity: str, deal: int | None = None) -> np.ndarray:
        """One per-draw column, e.g. ``column("coordinated", "gain")``."""
        key = f"{regime}|{quantity}" if deal is None else f"{regime}|{deal}|{quantity}"
        return np.asarray(self.columns[key])

    def best(self) -> np.ndarray:
        """Per draw, the index (in REGIMES) of the regime with the largest US gain."""
        gains = np.column_stack([self.column(r, "gain") for r in REGIMES])
        return np.argmax(gains - 1e-9 * np.arange(len(REGIMES)), axis=1)

    def regimes(self) -> pd.DataFrame:
        """The regimes side by side: US gain ($bn/yr), chips licensed and smuggled, P(best)."""
        import pandas as pd  # start-up time: only a table for people needs it

        best = self.best()
        rows = {}
        for i, r in enumerate(REGIMES):
            g = self.column(r, "gain")
            rows[LABELS[r]] = {
                "US gain": np.median(g), "p10": np.percentile(g, 10),
                "p90": np.percentile(g, 90),
                "licensed k": np.median(self.column(r, "licensed")) * THOUSANDS,
                "to China k": np.median(self.column(r, "smuggled")) * THOUSANDS,
                "P(best)": np.mean(best == i)}
        frame = pd.DataFrame(rows).T
        frame.index.name = "regime"
        return frame

    def acceptance(self) -> pd.DataFrame:
        """Each partner's acceptance (share of draws with a deal) under each regime."""
        import pandas as pd  # start-up time: only a table for people needs it

        return pd.DataFrame({LABELS[r]: [np.mean(self.column(r, "struck", k))
                                         for k in range(len(self.portfolio.deals))]
                             for r in REGIMES[1:]},
                            index=pd.Index([d.key for d in self.portfolio.deals], name="deal"))

    def deals(self) -> pd.DataFrame:
        """Per deal: median chips (k H100e/yr) alone and coordinated, acceptance, verdicts."""
        import pandas as pd  # start-up time: only a table for people needs it

        rows = {}
        for k, d in enumerate(self.portfolio.deals):
            alone_v = self.column("alone_terms", "volume", k)
            coord_v = self.column("coordinated", "volume", k)
            before, after = self.verdict(k, linked=False), self.verdict(k, linked=True)
            rows[d.key] = {
                "alone k": np.median(alone_v) * THOUSANDS,
                "linked k": np.median(coord_v) * THOUSANDS,
                "accepts": np.mean(self.column("coordinated", "struck", k)),
                "verdict alone": before, "verdict linked": after}
        frame = pd.DataFrame(rows).T
        frame.index.name = "deal"
        return frame

    def verdict(self, k: int, *, linked: bool) -> str:
        """The deal's proposal judged against the US's best terms, alone or linked: a code of
        :data:`deals.audit.verdicts.VOLUME_VERDICTS` ('refused' when the partner would refuse
        it in most draws; otherwise 'too_many' or 'too_few' when its volume is above or below
        the US's best volume in most draws, and 'about_right' else).
        """
        key = f"proposal|{k}|volume"
        if key not in self.columns:
            return "no_proposal"
        volume = np.asarray(self.columns[key])
        best = self.column("coordinated" if linked else "alone_terms", "volume", k)
        accept = self.columns[f"proposal|{k}|accept_{'linked' if linked else 'alone'}"]
        if np.mean(accept) < 0.5:
            return "refused"
        slack = 1e-6 * (1 + np.abs(best))
        if np.mean(volume > best + slack) >= 0.5:
            return "too_many"
        if np.mean(volume < best - slack) >= 0.5:
            return "too_few"
        return "about_right"

    def changed(self) -> pd.DataFrame:
        """The deals whose verdict changes once linked, and why."""
        import pandas as pd  # start-up time: only a table for people needs it

        rows = []
        price = np.median(self.column("coordinated", "price"))
        china = self.portfolio.china
        for k, d in enumerate(self.portfolio.deals):
            before, after = self.verdict(k, linked=False), self.verdict(k, linked=True)
            if before == after:
                continue
            why = []
            if d.tier == 2 and price > 1e-9:
                why.append(f"a chip now costs ${price:.2g}bn per 100k H100e (budget and "
                           "control cost on the total)")
            r = self.columns.get(f"proposal|{k}|reservation")
            if r is not None and np.median(r) > 1e-9:
                why.append(f"precedent raises its reservation by ${np.median(r):.2g}bn/yr")
            if china is not None and d.key in china.deals:
                why.append("Huawei's capacity sets its alternative")
            if any(l.kind == "displacement" and l.source == d.key for l in self.portfolio.links):
                why.append("blocked smuggling partly moves elsewhere")
            rows.append({"deal": d.key, "alone": before, "linked": after,
                         "why": "; ".join(why) or "the other deals' terms"})
        return pd.DataFrame(rows, columns=["deal", "alone", "linked", "why"]).set_index("deal")

    def drivers(self, better: str = "coordinated", than: str = "framework") -> pd.DataFrame:
        """What drives one regime's lead over another: Spearman rank correlation of every
        sampled parameter with the difference in the US's gain, largest first."""
        import pandas as pd  # start-up time: only a table for people needs it

        lead = self.column(better, "gain") - self.column(than, "gain")
        sample = portfolio_sample(self.portfolio, self.draws, self.seed)
        named = readable(sample, [d.key for d in self.portfolio.deals])
        rows = [{"parameter": label, "rank correlation": spearman(draws, lead)}
                for label, draws in named.items()]
        frame = pd.DataFrame(rows, columns=["parameter", "rank correlation"])
        frame = frame.reindex(frame["rank correlation"].abs().sort_values(
            ascending=False).index).set_index("parameter")
        frame.attrs["lead"] = f"{LABELS[better]} minus {LABELS[than]}, $bn/yr"
        return frame

    def why_alone_refused(self) -> str:
        """One sentence on the deals whose best terms alone exceed the per-country limit:
        cut to it with their other asks kept, the partner mostly refuses (empty if none).

        >>> import deals
        >>> result = deals.solve_portfolio("teaching", draws=40, seed=1)
        >>> result.why_alone_refused()[:48]
        "Bilateral, each alone: uae and saudi's best term"
        """
        keys = [d.key for d in self.portfolio.deals]
        over = {k: np.mean(self.columns.get(f"alone_terms|{i}|over", 0.0))
                for i, k in enumerate(keys)}
        over = {k: v for k, v in over.items() if v >= 0.5}
        if not over:
            return ""
        share = np.mean(np.concatenate([
            self.column("alone", "struck", keys.index(k)) for k in over]) == 0)
        return (f"Bilateral, each alone: {' and '.join(over)}'s best terms alone exceed the "
                f"per-country limit (in {min(over.values()):.0%}+ of draws), so 'alone k' is "
                f"not what is licensed: cut to the limit they keep asks priced for the larger "
                f"volume, and an offer struck alone leaves the partner at exactly its unlinked "
                f"alternative, which precedent and Huawei's capacity (growing with the chips "
                f"denied beyond the status quo's) can raise; the partner refuses in "
                f"{share:.0%} of these draws.")

    def cost_of_ignoring_links(self) -> str:
        """One sentence: what choosing terms as if the links did not exist costs the US."""
        if "ignoring|gain" not in self.columns:
            return "The links were switched off, so ignoring them costs nothing here."
        loss = self.column("coordinated", "gain") - self.column("ignoring", "gain")
        p90 = np.percentile(loss, 90)
        return (f"Choosing the coordinated terms as if the deals were unlinked costs the US "
                f"${np.median(loss):.2f}bn a year at the median (p90 ${p90:.2f}bn), "
                f"once the links act on those terms.")

    def caption(self) -> str:
        """How the numbers were made, and how exact they are."""
        gap = self.column("coordinated", "gap")
        conv = self.column("coordinated", "converged")
        exact = bool(np.all(self.column("coordinated", "exact") > 0))
        price, shadow = self.column("coordinated", "price"), self.column("coordinated", "shadow")
        return (f"{self.draws:,} draws (seed {self.seed}); $bn a year, chips in thousands of "
                f"H100e a year. Coordinated: median chip price ${np.median(price):.2f}bn per "
                f"100k H100e, of which the budget's shadow price ${np.median(shadow):.2f}bn "
                f"(P(budget binds) {np.mean(shadow > 1e-6):.0%}); duality "
                f"gap 0 in {np.mean(gap <= 1e-6):.0%} of draws (max ${np.max(gap):.3g}bn); links "
                f"at a fixed point in {np.mean(conv > 0):.0%}; offers "
                f"{'exact LPs' if exact else 'partly on a grid'} per volume level.")

    def plot(self, ax: Any = None) -> Any:
        """US gain by regime (left) and each deal's median chips by regime (right)."""
        from deals.portfolio.view import plot_portfolio  # start-up time: the view loads matplotlib and pandas

        return plot_portfolio(self, ax)

    def __repr__(self) -> str:
        return (f"PortfolioResult({self.portfolio.name!r}, {self.draws:,} draws, "
                f"seed {self.seed})")

    def __str__(self) -> str:
        from deals.portfolio.view import text_report  # start-up time: the view loads matplotlib and pandas

        return text_report(self)

    def _repr_html_(self) -> str:
        from deals.portfolio.view import html_report  # start-up time: the view loads matplotlib and pandas

        return html_report(self)
