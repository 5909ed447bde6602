"""The article's question answered over draws: which option serves the US, and why.

>>> import deals
>>> r = solve_policy("teaching", draws=40, seed=0)
>>> list(r.regimes().index)[:3]
['no deals', 'tiered framework, repaired', 'US monopoly']
>>> bool(abs(r.regimes()["P(best)"].sum() - 1) < 1e-9)
True
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from deals.errors import DealError
from deals.portfolio.result import THOUSANDS, portfolio_sample
from deals.portfolio.file import Portfolio, load_portfolio
from deals.portfolio.policy import (BELIEF_DRAWS, TRUE_CHUNK_DEALS, LABELS, LINK_MECHANISMS,
                                    MECHANISMS, OPTIONS, PARTS, SupplierBelief, Plan,
                                    believed_sample, check_policy, plan_terms)
from deals.portfolio.policy_draws import PART_KEYS, PolicyDraws
from deals.portfolio.policy_record import record_deals, record_given
from deals.record.condition import RecordConflict
from deals.portfolio.policy_stream import (CAPACITY_FACTORS, KEEP, PolicySummary, best_option,
                                           queue_gain)
from deals.portfolio.stream import ChunkOfDraws, portfolio_slice, stream_chunks
from deals.deal.sections.beliefs import BELIEF_SEED_OFFSET
from games.parallel import jobs_for
from games.sweeps import sweep

if TYPE_CHECKING:  # pandas loads only where a table is asked for (start-up time: --format json)
    import pandas as pd

#: Version of ``chipdeals portfolio --format json`` (deals/portfolio.schema.json).
POLICY_SCHEMA_VERSION = 1

#: The deals' parameter for what a partner values US chips at (a multiple of their price).
CHIP_VALUE = "value_multiple"
#: Draws solved at once: the peak memory is about 60 KB per draw of the chunk over the
#: libraries' own (the bound's remembered offers, 8 deals), so 2,000 keeps a run near 270 MiB
#: whatever the number of draws; larger chunks are a little faster.
CHUNK = 2_000


def default_chunk(portfolio: Portfolio) -> int:
    """Draws per chunk: :data:`CHUNK`, fewer for a portfolio of many deals (the results do
    not depend on it, only the memory and a little the time).

    >>> default_chunk(load_portfolio("article")), default_chunk(load_portfolio("middle-tier"))
    (2000, 627)
    """
    return max(50, min(CHUNK, TRUE_CHUNK_DEALS // max(1, len(portfolio.deals))))
SHORT = {"framework": "tiered", "monopoly": "monopoly", "repeal": "repeal",
         "bilateral": "bilateral"}


#: The record check's columns (:meth:`PolicyResult.record`).
RECORD_COLUMNS = ("alone", "partner", "US", "both", "bilateral")


def _frame(rows: Mapping[str, Mapping[str, float]], name: str,
           columns: Sequence[str] | None = None) -> pd.DataFrame:
    """``rows`` (row label to column to value) as a DataFrame with a named index."""
    import pandas as pd  # start-up time: only a table for people needs it

    frame = pd.DataFrame(rows, index=None if columns is None else list(columns)).T
    frame.index.name = name
    return frame


def solve_policy(portfolio: Portfolio | str, *, draws: int = 2_000, seed: int | None = 0,
                 belief: SupplierBelief | None = None, off: Sequence[str] = (),
                 executor: Executor | None = None, chunk_size: int | None = None,
                 progress: bool | None = False, given: str | None = None,
                 jobs: int | None = 1) -> "PolicyResult":
    """The article's four options over ``draws`` draws: terms chosen on ``belief`` (default
    the analyst's distribution), mechanisms in ``off`` switched off (see
    :data:`deals.portfolio.policy.MECHANISMS`).

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
    belief : SupplierBelief or None, default None
        What the US believes when it chooses the terms (None: the analyst's
        distribution).
    off : sequence of str, default ()
        Mechanisms to switch off, names from :data:`deals.portfolio.policy.MECHANISMS`,
        so each one's share of the answer can be seen.
    executor : concurrent.futures.Executor or None, default None
        Spreads the chunks of draws over its workers (a process pool, or a dask client's
        executor); the results do not depend on it. None: here, in this process.
    jobs : int or None, default 1
        Spreads the chunks of draws over that many forked worker processes (0 or None: one
        per core; :func:`games.parallel.process_stream`), each solving a chunk and sending
        back its columns, and the plan's two parts (the bilateral menus, the framework's
        rules) over two; the results do not depend on it. Ignored beside an ``executor``.
    chunk_size : int or None, default None
        Draws solved at a time (memory grows with it); the results do not depend on it.
        None: :func:`default_chunk` (2,000; fewer for a portfolio of many deals).
    progress : bool or None, default False
        Show a progress bar on standard error (None: only when the run takes more than a
        second).
    given : {None, "record"}, default None
        ``"record"``: the draws (the true ones and the US's belief) given the portfolio's
        record, the draws in which every struck deal is accepted by both sides inside the
        portfolio (:func:`deals.portfolio.policy_record.record_given`); refused with the
        parameters in conflict when the effective sample falls below its floor.

    Examples
    --------
    >>> import deals
    >>> r = deals.solve_policy("teaching", draws=30, seed=1, off=["bandwidth"])
    >>> bool(abs(r.parts()["total"] - r.regimes()["mean"].iloc[1:5].values).max() < 1e-9)
    True
    """
    jobs_for(jobs, 1)  # a bad ``jobs`` is refused before any work
    if isinstance(portfolio, str):
        portfolio = load_portfolio(portfolio)
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise DealError(f"draws must be a positive whole number, got {draws!r}")
    belief = belief or SupplierBelief()
    off = frozenset(off)
    unknown = sorted(off - set(MECHANISMS))
    if unknown:
        raise DealError(f"no mechanism {unknown[0]!r}; the mechanisms are {sorted(MECHANISMS)}")
    if chunk_size is None:
        chunk_size = default_chunk(portfolio)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) \
            or chunk_size < 1:
        raise DealError(f"chunk_size must be a positive whole number, got {chunk_size!r}")
    draws = int(draws)
    conditioned = None
    if given is not None:
        conditioned = conditioned_draws(portfolio, draws, seed, off, given)
    streamed = seed is not None and not progress and conditioned is None
    # The draws chunk by chunk, each drawing its own slice (the same bytes as drawing them
    # all at once): a bad [policy] quantity is refused on the first chunk, before any work.
    first = (portfolio_slice(portfolio, 0, min(draws, int(chunk_size)), seed) if streamed
             else conditioned["sample"] if conditioned else portfolio_sample(portfolio, draws,
                                                                             seed))
    check_policy(portfolio, first, off)
    count = len(portfolio.deals)
    if belief.kind == "truth" or "misjudging" in off:
        plan = Plan(belief, (None,) * count, (None,) * count, 0.0, False, (), {})
    else:
        b_seed = None if seed is None else seed + BELIEF_SEED_OFFSET
        prior = conditioned["belief"] if conditioned else portfolio_sample(
            portfolio, min(draws, BELIEF_DRAWS), b_seed)
        seen = believed_sample(portfolio, belief, prior, b_seed)
        plan = plan_terms(portfolio, belief, seen, off, b_seed, jobs=jobs if executor is None else 1)
    solver = PolicyDraws(portfolio, plan, off)
    summary = PolicySummary(draws, seed, portfolio.policy.bandwidth and "bandwidth" not in off)
    if streamed:
        del first
        stream_chunks(ChunkOfDraws(portfolio, seed, solver), draws, int(chunk_size),
                      summary.add, executor=executor, jobs=jobs)
    else:
        out = sweep(solver, sample=first, executor=executor, chunk_size=chunk_size,
                    vectorised=True, progress=progress, description="policy",
                    jobs=jobs).outputs
        summary.add(0, draws, out)
    return PolicyResult(portfolio, plan, summary.columns, draws, seed, off, summary,
                        conditioned["summary"] if conditioned else None)


def conditioned_draws(portfolio: Portfolio, draws: int, seed: int | None, off: frozenset,
                      given: str) -> dict[str, Any]:
    """The true draws and the belief's draws given the record (``given="record"``), resampled
    from the conditioned pool, and a summary of the conditioning; one line naming the
    parameters in conflict when the record cannot be rationalised."""
    if given != "record":
        raise DealError(f"given {given!r}: the options condition on the portfolio's own struck "
                        "deals, 'record' (a record file applies to the coordination report, "
                        "--links)")
    if not record_deals(portfolio):
        raise DealError(f"given 'record': no deal of portfolio {portfolio.name!r} records "
                        "struck terms")
    c, pool = record_given(portfolio, draws, seed, off)
    if not c.rationalised:
        raise RecordConflict(f"portfolio {portfolio.name}: " + c.refusal().replace(
            "the events cannot", "the record cannot"))
    b_seed = None if seed is None else seed + BELIEF_SEED_OFFSET

    def rows(n: int, s: int | None) -> dict[str, np.ndarray]:
        at = c.resample(n, s)
        return {k: v[at] for k, v in pool.items()}

    return {"sample": rows(draws, seed), "belief": rows(min(draws, BELIEF_DRAWS), b_seed),
            "summary": {"record": "the portfolio's struck deals, signed by both sides inside "
                        "it", "pool": c.draws, "effective_sample": float(c.ess),
                        "floor": float(c.floor), "all_hold": float(c.joint),
                        "holds": dict(c.holds)}}


@dataclass(frozen=True, eq=False)
class PolicyResult:
    """Per-draw columns of every regime, with the tables and words to read them by.

    See :func:`solve_policy`, ``docs/portfolio.md`` and the notebook ``07-portfolio``.
    """

    portfolio: Portfolio
    plan: Plan
    columns: Mapping[str, np.ndarray]
    draws: int
    seed: int | None
    off: frozenset = field(default_factory=frozenset)
    summary: PolicySummary | None = None
    given: Mapping[str, Any] | None = None

    @property
    def complete(self) -> bool:
        """Whether ``columns`` hold every column of every draw (else: the portfolio-level
        columns of a sample of the draws, :mod:`deals.portfolio.policy_stream`)."""
        return self.summary is None or bool(self.summary.complete)

    @property
    def kept(self) -> int:
        """Draws whose per-draw columns are kept (medians and percentiles are on them)."""
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def column(self, regime: str, quantity: str, deal: int | None = None) -> np.ndarray:
        """A per-draw column of the kept draws (every draw when :attr:`complete`)."""
        key = f"{regime}|{quantity}" if deal is None else f"{regime}|{deal}|{quantity}"
        if key not in self.columns and not self.complete and deal is not None:
            raise DealError(f"{key}: a deal's per-draw columns are kept up to "
                            f"{KEEP:,} draws x columns; use mean() for its mean over all "
                            f"{self.draws:,} draws")
        return np.asarray(self.columns[key])

    def mean(self, regime: str, quantity: str, deal: int | None = None) -> float:
        """A column's mean over every draw."""
        if self.complete:
            return np.mean(self.column(regime, quantity, deal))
        key = f"{regime}|{quantity}" if deal is None else f"{regime}|{deal}|{quantity}"
        return np.float64(self.summary.mean(key))  # type: ignore[union-attr]

    def best(self) -> np.ndarray:
        """Per kept draw, the index in OPTIONS of the option that gives the US most."""
        return best_option(self.column)

    def p_best(self, option: str) -> float:
        """The share of all draws in which ``option`` gives the US most."""
        if self.complete:
            return np.mean(self.best() == OPTIONS.index(option))
        return self.summary.best[OPTIONS.index(option)] / self.draws  # type: ignore[union-attr]

    def ranking(self) -> list[str]:
        """The options by mean US gain, best first (a mean, so the parts add up to it)."""
        return sorted(OPTIONS, key=lambda r: -float(self.mean(r, "gain")))

    def lead(self, better: str = "bilateral", than: str = "framework") -> float:
        """``better``'s mean gain over ``than``'s ($bn/yr), over every draw."""
        if self.complete:
            return float(np.mean(self.column(better, "gain") - self.column(than, "gain")))
        return float(self.mean(better, "gain") - self.mean(than, "gain"))

    def regimes(self) -> pd.DataFrame:
        """Per regime: US gain ($bn/yr) median, p10, p90, mean; P(best) among the four
        options; chips licensed and reaching China (thousand H100e/yr, median)."""
        return _frame(self._regime_rows(), "regime")

    def _regime_rows(self) -> dict[str, dict[str, float]]:
        rows = {}
        for r in ("none", *OPTIONS, "informed"):
            g = self.column(r, "gain")
            rows[LABELS[r]] = {
                "median": np.median(g), "p10": np.percentile(g, 10),
                "p90": np.percentile(g, 90), "mean": self.mean(r, "gain"),
                "P(best)": self.p_best(r) if r in OPTIONS else np.nan,
                "licensed k": np.median(self.column(r, "licensed")) * THOUSANDS,
                "to China k": np.median(self.column(r, "smuggled")) * THOUSANDS}
        return rows

    def parts(self) -> pd.DataFrame:
        """Each option's mean gain split into its parts ($bn/yr; they add up to the total in
        every draw, so their means add up to the mean)."""
        return _frame(self._part_rows(), "regime")

    def _part_rows(self) -> dict[str, dict[str, float]]:
        return {LABELS[r]: {**{name: self.mean(r, f"part|{key}")
                               for name, key in zip(PARTS, PART_KEYS)},
                            "total": self.mean(r, "gain")} for r in OPTIONS}

    def bandwidth(self) -> pd.DataFrame:
        """Per option: bespoke deals and licence decisions a year, utilisation of the
        agencies, mean wait (months), queue length, backlog at the horizon (staff-months),
        and the mean gain before and once the queue is paid for (medians of per-draw values
        except the gains)."""
        return _frame(self._band_rows(), "regime")

    def _band_rows(self) -> dict[str, dict[str, float]]:
        rows = {}
        for r in OPTIONS:
            if f"{r}|utilisation" not in self.columns:
                continue
            rows[LABELS[r]] = {
                "deals/yr": np.median(self.column(r, "deals_per_year")),
                "licences/yr": np.median(self.column(r, "licences_per_year")),
                "utilisation": np.median(self.column(r, "utilisation")),
                "wait months": np.median(self.column(r, "wait")),
                "queue": np.median(self.column(r, "queue")),
                "backlog": np.median(self.column(r, "backlog")),
                "before queue": self.mean(r, "before_queue"),
                "after queue": self.mean(r, "gain")}
        return rows

    def knowing(self) -> pd.DataFrame:
        """The value of knowing ($bn/yr, mean): full information minus the terms chosen on
        the belief, per option, and for bilateral deals per deal; with each deal's
        acceptance under the bilateral terms."""
        keys = [d.key for d in self.portfolio.deals]
        rows = {LABELS[r]: {"value of knowing": self.mean(r, "knowing"),
                            "refused offers": self.mean(r, "refused")}
                for r in OPTIONS}
        for k, key in enumerate(keys):
            offered = self.plan.bilateral[k] is not None or self.plan.belief.kind == "truth"
            rows[f"  bilateral: {key}"] = {
                "value of knowing": self.mean("bilateral", "knowing", k),
                "refused offers": self.mean("bilateral", "refused", k)
                if offered else np.nan}
        return _frame(rows, "regime / deal")

    def acceptance(self) -> pd.DataFrame:
        """Each deal's share of draws with a deal, per option."""
        import pandas as pd  # start-up time: only a table for people needs it

        keys = [d.key for d in self.portfolio.deals]
        return pd.DataFrame({SHORT[r]: [self.mean(r, "struck", k)
                                        for k in range(len(keys))] for r in OPTIONS},
                            index=pd.Index(keys, name="deal"))

    def record(self) -> pd.DataFrame:
        """The record check (:mod:`deals.portfolio.policy_record`): for each deal whose file
        records struck terms, the share of draws in which the partner, the US and both accept
        those terms inside the portfolio (every struck deal at its terms, the links in
        force), next to the share in which both accept them alone (the standalone audit's
        question on the same draws), and the share with a deal under bilateral deals."""
        return _frame(self._record_rows(), "deal", RECORD_COLUMNS)

    def _record_rows(self) -> dict[str, dict[str, float]]:
        keys = [d.key for d in self.portfolio.deals]
        return {keys[k]: {"alone": self.mean("record", "alone", k),
                          "partner": self.mean("record", "partner", k),
                          "US": self.mean("record", "us", k),
                          "both": self.mean("record", "both", k),
                          "bilateral": self.mean("bilateral", "struck", k)}
                for k in record_deals(self.portfolio)}

    def carried_by(self, better: str | None = None, than: str | None = None) -> tuple[str, float]:
        """The part that carries most of one option's lead over another (default: the
        first over the second of the ranking), and its share of the lead."""
        order = self.ranking()
        better, than = better or order[0], than or order[1]
        if self.complete:
            diff = {name: float(np.mean(self.column(better, f"part|{key}")
                                        - self.column(than, f"part|{key}")))
                    for name, key in zip(PARTS, PART_KEYS)}
        else:
            diff = {name: float(self.mean(better, f"part|{key}") - self.mean(than, f"part|{key}"))
                    for name, key in zip(PARTS, PART_KEYS)}
        lead = sum(diff.values())
        name = max(diff, key=lambda k: diff[k] if lead >= 0 else -diff[k])
        return name, (diff[name] / lead if abs(lead) > 1e-12 else float("nan"))

    def capacity_to_flip(self, better: str = "bilateral", than: str = "framework",
                         factors: Sequence[float] = CAPACITY_FACTORS
                         ) -> float | None:
        """The smallest multiple of the agencies' capacity at which ``better`` beats
        ``than`` on the mean gain (None: at none of ``factors``; nan: no bandwidth)."""
        leads = self.capacity_leads(better, than, factors)
        if leads is None:
            return float("nan")
        ahead = [m for m, lead in leads.items() if lead > 0]
        return min(ahead) if ahead else None

    def capacity_leads(self, better: str = "bilateral", than: str = "framework",
                       factors: Sequence[float] = CAPACITY_FACTORS
                       ) -> dict[float, float] | None:
        """``better``'s mean lead over ``than`` ($bn/yr) with the agencies' capacity times
        each factor (the terms and acceptances as solved; only the queue changes)."""
        pol = self.portfolio.policy
        if not pol.bandwidth or "bandwidth" in self.off:
            return None
        pair = (better, than)
        if not self.complete and self.summary is not None and pair == self.summary.pair \
                and all(float(m) in self.summary.leads for m in factors):
            return {float(m): self.summary.leads[float(m)][0] / self.draws
                    - self.summary.leads[float(m)][1] / self.draws for m in factors}
        # On the kept draws (every draw when complete): the [policy] quantities were kept
        # per draw with the options' columns.
        fields = {k[len("policy|"):]: v for k, v in self.columns.items()
                  if k.startswith("policy|")}
        leads = {}
        for m in factors:
            means = [np.mean(queue_gain(self.column, fields, r, m)) for r in pair]
            leads[float(m)] = float(means[0] - means[1])
        return leads

    def what_would_have_to_be_true(self, overrates: Sequence[float] = (-0.3, 0.3),
                                   draws: int = 1_000) -> pd.DataFrame:
        """Calibration in the manner of ``chipdeals calibrate``: bilateral deals' mean lead
        over the framework ($bn/yr) as the US's judgement of leverage and the agencies'
        capacity change, one at a time. Judgement rows re-solve on ``draws`` draws (same
        seed); capacity rows re-price the queue of this result."""
        rows = []
        n = min(self.draws, draws)
        rated = any(CHIP_VALUE in set(d.deal.parameters) for d in self.portfolio.deals)
        for label, belief in [("knows each partner (truth)", SupplierBelief("truth")),
                              *[(f"{'over' if o > 0 else 'under'}-rates its chips by {abs(o):.0%}",
                                 SupplierBelief(self.plan.belief.kind, {CHIP_VALUE: 1 + o}))
                                for o in (overrates if rated else ())]]:
            r = solve_policy(self.portfolio, draws=n, seed=self.seed, belief=belief,
                             off=self.off)
            rows.append({"condition": f"the US {label}", "draws": n, "lead": r.lead()})
        for label, mechanism in [("non-chip trades only inside chip deals", "nonchip"),
                                 ("deals and licences take no time", "bandwidth"),
                                 ("refused partners are not alienated", "alienation"),
                                 ("Huawei's capacity ignores what the US denies",
                                  "china_response"),
                                 ("no partner reads another's licence", "precedent")]:
            if mechanism in self.off or (mechanism in LINK_MECHANISMS and "links" in self.off):
                continue
            r = solve_policy(self.portfolio, draws=n, seed=self.seed, belief=self.plan.belief,
                             off=self.off | {mechanism})
            rows.append({"condition": label, "draws": n, "lead": r.lead()})
        leads = self.capacity_leads() or {}
        for m in (0.25, 1.0, 4.0, 16.0):
            if m in leads:
                rows.append({"condition": f"agencies' capacity x{m:g}", "draws": self.draws,
                             "lead": leads[m]})
        turn = self.capacity_turn()
        if turn is not None:
            words = ("capacity below which the framework leads" if leads[1.0] > 0 else
                     "capacity from which bilateral deals lead")
            rows.append({"condition": f"{words}: x{turn:.2g}", "draws": self.draws,
                         "lead": leads[turn]})
        import pandas as pd  # start-up time: only a table for people needs it

        frame = pd.DataFrame(rows).set_index("condition")
        frame.attrs["lead"] = "bilateral deals minus the repaired framework, mean $bn/yr"
        return frame

    def capacity_turn(self) -> float | None:
        """The multiple of the agencies' capacity nearest 1 at which the order of bilateral
        deals and the framework turns (None: it does not turn on the scale, or no bandwidth)."""
        leads = self.capacity_leads()
        if not leads or 1.0 not in leads:
            return None
        if leads[1.0] < 0:
            more = [m for m in sorted(leads) if m > 1 and leads[m] > 0]
            return more[0] if more else None
        less = [m for m in sorted(leads) if m < 1 and leads[m] < 0]
        return less[-1] if less else None

    def capacity_sentence(self) -> str:
        """One sentence: how far the agencies' capacity would have to move for the order of
        bilateral deals and the framework to turn (empty without bandwidth)."""
        leads = self.capacity_leads()
        if not leads or 1.0 not in leads:
            return ""
        scale = sorted(leads)
        if leads[1.0] < 0:
            more = [m for m in scale if m > 1 and leads[m] > 0]
            return (f"Bilateral deals would overtake the framework if the agencies had "
                    f"{more[0]:.2g} times the capacity assumed here." if more else
                    f"Even {scale[-1]:g} times the agencies' capacity would not make bilateral "
                    "deals overtake the framework: the queue is not what holds them back."
                    if leads[scale[-1]] < 0 else "")
        less = [m for m in scale if m < 1 and leads[m] < 0]
        return (f"The framework would overtake bilateral deals if the agencies had "
                f"{less[-1]:.0%} of the capacity assumed here." if less else
                f"Bilateral deals keep their lead even if the agencies had {scale[0]:.0%} of "
                "the capacity assumed here.")

    def why(self) -> str:
        """One paragraph in plain words: the ranking, what carries it, and how much rests
        on judging leverage well and on the agencies' bandwidth."""
        order = self.ranking()
        mean = {r: float(self.mean(r, "gain")) for r in OPTIONS}
        part, share = self.carried_by()
        lead = mean[order[0]] - mean[order[1]]
        knowing = {r: float(self.mean(r, "knowing")) for r in OPTIONS}
        bound = float(self.mean("informed", "gain"))
        amount = share * lead if np.isfinite(share) else 0.0
        words = [f"On these draws the US gains most from '{LABELS[order[0]]}' "
                 f"(${mean[order[0]]:.1f}bn a year on average), ${lead:.1f}bn more than from "
                 f"'{LABELS[order[1]]}'; the part that carries the lead is '{part}' "
                 f"(${amount:.1f}bn" + (", more than the whole lead: other parts pull the "
                                        "other way)." if share > 1 else ").")]
        if self.plan.belief.kind != "truth" and "misjudging" not in self.off:
            words.append(f"The US chooses its terms on {self.plan.belief.describe()}: knowing "
                         f"every partner's costs and alternatives would add "
                         f"${knowing['bilateral']:.1f}bn to bilateral deals and "
                         f"${knowing['framework']:.1f}bn to the framework; with full "
                         f"information coordinated deals would give ${bound:.1f}bn (a bound, "
                         f"not an option).")
        table = self.bandwidth()
        if len(table):
            busy = table["utilisation"].idxmax()
            words.append(f"The option that keeps the agencies busiest is '{busy}' "
                         f"({table.loc[busy, 'deals/yr']:.1f} deals and "
                         f"{table.loc[busy, 'licences/yr']:.0f} licences a year, "
                         f"{table.loc[busy, 'utilisation']:.0%} of capacity); delay and the "
                         f"queue cost it ${table.loc[busy, 'before queue'] - table.loc[busy, 'after queue']:.1f}bn a year.")
            words.append(self.capacity_sentence())
        if self.off:
            words.append(f"Switched off: {', '.join(sorted(self.off))}.")
        if not self.complete:
            words.append(f"Means and shares are over all {self.draws:,} draws; medians and "
                         f"percentiles over a uniform sample of {self.kept:,} of them.")
        return " ".join(words)

    def to_json(self) -> dict[str, Any]:
        """Numbers under stable keys (units in the key names' documentation, docs/portfolio.md)."""
        def num(x: Any) -> float | None:
            x = float(x)
            return x if np.isfinite(x) else None

        reg, parts, band = self._regime_rows(), self._part_rows(), self._band_rows()
        keys = [d.key for d in self.portfolio.deals]
        out: dict[str, Any] = {
            "schema_version": POLICY_SCHEMA_VERSION,
            "portfolio": self.portfolio.name, "draws": self.draws, "seed": self.seed,
            "belief": {"kind": self.plan.belief.kind, "bias": dict(self.plan.belief.bias)},
            "off": sorted(self.off), "ranking": self.ranking(),
            "carried_by": self.carried_by()[0],
            "plan": {"framework_cap_share": self.plan.share,
                     "framework_security": self.plan.security,
                     "framework_upgrades": [keys[k] for k in self.plan.upgraded],
                     "bilateral_offers": [k for k, t in zip(keys, self.plan.bilateral)
                                          if t is not None],
                     "bilateral_rounds": self.plan.rounds,
                     "bilateral_converged": self.plan.converged,
                     "bilateral_state_gap": num(self.plan.gap)},
            "regimes": {}}
        rec = self._record_rows()
        out["record_check"] = {
            "deals": [{"deal": key, "alone_both": num(row["alone"]),
                       "portfolio_partner": num(row["partner"]),
                       "portfolio_us": num(row["US"]), "portfolio_both": num(row["both"]),
                       "bilateral_deal": num(row["bilateral"])}
                      for key, row in rec.items()],
            "all_both": num(self.mean("record", "all")) if len(rec) else None}
        if not self.complete:
            out["quantiles_on_draws"] = self.kept
        if self.given is not None:
            out["given"] = {**self.given, "holds": [
                {"event": e, "share": num(s)} for e, s in self.given["holds"].items()]}
        for r in ("none", *OPTIONS, "informed"):
            row = reg[LABELS[r]]
            entry: dict[str, Any] = {
                "label": LABELS[r], "gain_bn_median": num(row["median"]),
                "gain_bn_p10": num(row["p10"]), "gain_bn_p90": num(row["p90"]),
                "gain_bn_mean": num(row["mean"]), "p_best": num(row["P(best)"]),
                "licensed_k_median": num(row["licensed k"]),
                "to_china_k_median": num(row["to China k"])}
            if r in OPTIONS:
                entry["parts_bn_mean"] = {key: num(parts[LABELS[r]][name])
                                          for name, key in zip(PARTS, PART_KEYS)}
                entry["value_of_knowing_bn_mean"] = num(self.mean(r, "knowing"))
                entry["deals"] = [{"deal": key,
                                   "acceptance": num(self.mean(r, "struck", k)),
                                   "refused": num(self.mean(r, "refused", k))}
                                  for k, key in enumerate(keys)]
                if LABELS[r] in band:
                    b = band[LABELS[r]]
                    entry["bandwidth"] = {
                        "deals_per_year": num(b["deals/yr"]),
                        "licences_per_year": num(b["licences/yr"]),
                        "utilisation": num(b["utilisation"]), "wait_months": num(b["wait months"]),
                        "queue_length": num(b["queue"]),
                        "backlog_staff_months": num(b["backlog"]),
                        "gain_bn_mean_before_queue": num(b["before queue"])}
            out["regimes"][r] = entry
        out["regimes"]["bilateral"]["value_of_knowing_by_deal"] = [
            {"deal": key, "bn_mean": num(self.mean("bilateral", "knowing", k))}
            for k, key in enumerate(keys)]
        return out

    def __repr__(self) -> str:
        return (f"PolicyResult({self.portfolio.name!r}, {self.draws:,} draws, seed {self.seed}, "
                f"belief {self.plan.belief.describe()!r})")

    def __str__(self) -> str:
        from deals.portfolio.policy_view import policy_text  # start-up time: tables for people

        return policy_text(self)
