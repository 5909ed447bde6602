"""The leverage audit of one deal: acceptance, gains, leverage ratio, efficiency, verdicts, drivers.

>>> import deals
>>> a = deals.assess(deals.load("chips-for-farm-purchases"), draws=500, seed=0)
>>> a.flags["supplier"], a.verdicts["supplier"]
('under', 'self_defeating')
"""

from __future__ import annotations

import json
import os
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from deals.audit.work import AuditWork, Job, Surplus, SummaryField, Task
from deals.audit.drivers import EMPTY, ParameterTable, drivers as driver_table
from deals.errors import DealError
from deals.audit.leverage import (DrawLeverage, DrawSolver, audit_settings, optimal_ask,
                                  point_values)
from deals.audit.streaming import DrawSummary, draws_table, solve_audit, summary_and_values
from deals.deal.model import SIDES, Deal
from deals.numbers import json_value, people
from deals.audit.sides import Ask, SideAudit, Summary, TermsRecords
from deals.audit.surplus import surplus_sentence
from deals.audit.verdicts import (FLAGS, borderline, edge_words, headline, issue_text, sentence_case, terms_records, terms_text, the,
                            verdict_prose, verdict_set, words)
from games import markup
from games.parallel import can_fork, jobs_for, process_map
from games.results import TabularResult
from deals.deal.files import load
from deals.two_level.ratification import TwoLevel

if TYPE_CHECKING:  # pandas and the staged plan load only when asked for (start-up time)
    import pandas as pd

    from deals.stages.values import StageSummary

#: What ``terms=`` audits: the terms on the table, the deal as struck, the drafter's belief.
TERMS = ("proposal", "outcome", "belief")
#: Version of :meth:`Assessment.to_dict` and of ``chipdeals compare --format json``.
SCHEMA_VERSION = 2  # 2: the partner's verdicts have codes of their own (too_generous, ...)
#: Money unit of every gain in the library (deal files state it in their header).
GAIN_UNIT = "$bn per year"


@dataclass(frozen=True)
class Thresholds:
    """When a proposal is called an over-reach, at risk, underpriced, or inefficient.

    - over-reach: the other side accepts in fewer than ``over_acceptance`` of plausible worlds;
      self-defeating: the proposer itself is worse off than no deal in as many;
    - risk band: the other side accepts, but in fewer than ``under_acceptance`` of worlds;
    - underpriced: accepted in at least ``under_acceptance`` and the median leverage ratio is at
      most ``under_rho`` (the proposer gains, but well under what its position supports);
    - inefficient: in at least ``inefficient_share`` of worlds another outcome gives both
      sides at least ``efficiency_margin`` more (each in units of its range of gains).

    >>> t = Thresholds()
    >>> 0 < t.over_acceptance < t.under_acceptance <= 1   # over-reach sits below the risk band
    True
    """

    over_acceptance: float = 0.5
    under_acceptance: float = 0.9
    under_rho: float = 0.8
    efficiency_margin: float = 0.02
    inefficient_share: float = 0.5

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
                raise DealError(f"threshold {name} must be a number, got {value!r}")
            if not np.isfinite(value):  # NaN disabled its test; inf made every deal match it
                raise DealError(f"threshold {name} must be a finite number, got {value}")
            if name != "under_rho" and not 0 <= value <= 1:
                raise DealError(f"threshold {name} must lie in [0, 1], got {value}")
            object.__setattr__(self, name, float(value))
        if self.over_acceptance > self.under_acceptance:
            raise DealError(f"threshold over_acceptance ({self.over_acceptance:g}) must not exceed "
                            f"under_acceptance ({self.under_acceptance:g}): below the first a "
                            "proposal over-reaches, below the second it is at risk")

    @classmethod
    def coerce(cls, given: Any) -> "Thresholds":
        """Thresholds from None (the defaults), Thresholds, or a mapping of some of its fields.

        >>> Thresholds.coerce({"under_rho": 0.5}).under_rho
        0.5
        """
        if given is None:
            return cls()
        if isinstance(given, cls):
            return given
        if isinstance(given, Mapping):
            names = [f for f in cls.__dataclass_fields__]
            unknown = sorted(set(map(str, given)) - set(names))
            if unknown:
                raise DealError(f"thresholds: unknown {', '.join(unknown)}; the thresholds are "
                                f"{', '.join(names)}")
            return cls(**given)
        raise DealError(f"thresholds: expected deals.Thresholds(...) or a mapping such as "
                        f"{{'under_rho': 0.8}}, got {type(given).__name__}")

    def __str__(self) -> str:
        return (f"over-reach if acceptance < {self.over_acceptance:g}; risk band if acceptance < "
                f"{self.under_acceptance:g}; underpriced if median rho <= {self.under_rho:g}; "
                f"inefficient if dominated by >= {self.efficiency_margin:g} in >= "
                f"{self.inefficient_share:g} of draws")


def percentiles(values: np.ndarray) -> Summary:
    """10th, 50th and 90th percentiles over the finite values, and the share that is finite.

    >>> percentiles(np.array([1.0, 2.0, 3.0, np.nan]))["median"]
    2.0
    """
    return Summary.of(values)


@dataclass(frozen=True)
class Assessment(TabularResult):
    """The leverage audit of one set of terms over the analyst's parameter distribution.

    Made by :func:`assess`; ``explain()`` gives the verdict in words, ``to_dict()`` the versioned
    JSON record, ``plot_drivers()`` the tornado chart. What it found for each side is in
    ``supplier`` and ``partner`` (:class:`deals.audit.sides.SideAudit`: ``a.supplier.gain.median``,
    ``a.partner.accepts``); ``acceptance``, ``gains``, ``rho``, ``verdicts`` and the other
    per-side mappings read the same figures by side name.

    See :func:`assess` for an example.
    """

    deal: str
    title: str
    supplier: SideAudit
    partner: SideAudit
    proposal: Mapping[str, float]
    proposal_source: str
    draws: int
    seed: int | None
    thresholds: Thresholds
    power: float
    zone_empty: float
    rho_ask: Summary
    benchmark: Mapping[str, float]
    ask: Ask
    dominated_share: float
    frontier_distance: float
    better_package: Mapping[str, float] | None
    records: TermsRecords = field(repr=False, compare=False)
    #: The drivers and tornado tables without pandas (``drivers`` and ``tornado``: as frames).
    driver_table: ParameterTable = field(repr=False, compare=False)
    tornado_table: ParameterTable = field(repr=False, compare=False)
    units: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    terms: str = "proposal"
    gain_unit: str = GAIN_UNIT
    terms_words: str = ""
    #: The staged plan of a deal with [stages], and the two-level summary of a deal with
    #: [actors] or [beliefs]; each found the first time it is read (``assess(summaries=...)``).
    staged: StageSummary | None = SummaryField()
    two_level: TwoLevel | None = SummaryField()
    #: Every draw's parameters and results (a DataFrame), with ``keep_draws=True``; else None.
    per_draw: Any = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        """For pickling: the summaries themselves (found now if still pending), not the deal
        they would be found from."""
        state = dict(self.__dict__)
        for name in ("staged", "two_level"):
            state[f"_{name}_value"] = getattr(self, name)
        return state

    def side(self, side: str) -> SideAudit:
        """The audit of ``side`` ("supplier" or "partner")."""
        return {"supplier": self.supplier, "partner": self.partner}[side]

    def _by_side(self, name: str) -> dict[str, Any]:
        return {s: getattr(self.side(s), name) for s in SIDES}

    @property
    def parties(self) -> dict[str, str]:
        """Each side's party, by side."""
        return self._by_side("party")

    @property
    def acceptance(self) -> dict[str, float]:
        """P(each side accepts): the share of draws where it is at least as well off (the
        partner first, the order the JSON has always had)."""
        return {s: self.side(s).accepts for s in ("partner", "supplier")}

    @property
    def rho(self) -> dict[str, Summary]:
        """Each side's leverage ratio over the draws."""
        return self._by_side("rho")

    @property
    def gains(self) -> dict[str, dict[str, Summary]]:
        """Gains over no deal, by terms ("proposal": the audited terms; "benchmark") and side."""
        return {"proposal": self._by_side("gain"), "benchmark": self._by_side("gain_at_benchmark")}

    @property
    def flags(self) -> dict[str, str]:
        return self._by_side("flag")

    @property
    def flag_sets(self) -> dict[str, tuple[str, ...]]:
        return self._by_side("flags")

    @property
    def verdicts(self) -> dict[str, str]:
        return self._by_side("verdict")

    @property
    def verdict_sets(self) -> dict[str, tuple[str, ...]]:
        return self._by_side("verdicts")

    @property
    def verdict_text(self) -> dict[str, str]:
        return self._by_side("verdict_text")

    @property
    def borderline(self) -> dict[str, Mapping[str, Any] | None]:
        """Per side: None, or the share within Monte Carlo error of a threshold that decides
        the verdict (:func:`deals.audit.verdicts.borderline`)."""
        return self._by_side("borderline")

    @property
    def surplus(self) -> dict[str, tuple[Mapping[str, Any], ...]]:
        return self._by_side("surplus")

    @property
    def surplus_text(self) -> dict[str, tuple[str, ...]]:
        return self._by_side("surplus_text")

    @property
    def better_gains(self) -> dict[str, float] | None:
        """What the package better for both adds for each side (None without one)."""
        return None if self.better_package is None else self._by_side("better_gain")

    @property
    def flag(self) -> str:
        """The supplier's flag (the audit's headline)."""
        return self.flags["supplier"]

    @property
    def worse_off(self) -> dict[str, float]:
        """P(each side is worse off than with no deal): 1 - its acceptance."""
        return self._by_side("worse_off")

    @property
    def leverage_gap(self) -> float:
        """Kept for old callers: 1 - acceptance when over-reaching, else median rho - 1."""
        accept = self.acceptance["partner"]
        if accept < self.thresholds.over_acceptance:
            return 1.0 - accept
        median = self.rho["supplier"]["median"]
        if np.isfinite(median):
            return float(median - 1.0)
        return -(1.0 - self.acceptance["supplier"])

    def sort_key(self) -> tuple:
        """The comparison's order: over, under, inefficient, sound; the worst first in each."""
        flag = self.flags["supplier"]
        if flag == "under":
            within = (self.acceptance["supplier"], np.nan_to_num(self.rho["supplier"]["median"]))
        else:
            within = (self.acceptance["partner"], 0.0)
        return (FLAGS.index(flag), *within, self.deal)

    def explain(self, detail: bool = False) -> str:
        """The verdict in words, with the figures that support it; ``detail`` adds the
        specialist two-level lines (power, Schelling's win-sets; docs/glossary.md)."""
        s, p = (the(self.parties[side]) for side in SIDES)
        g, u = self.gains, self.gain_unit
        lines = [self.title, f"Terms audited ({self.proposal_source}): {self.terms_words}"]
        share = {side: people(self.acceptance[side], "percent") for side in SIDES}
        lines.append(f"{sentence_case(p)} accepts in {share['partner']} of plausible "
                     f"worlds; {s} in {share['supplier']} (so {s} is "
                     f"worse off than with no deal in "
                     f"{people(self.worse_off['supplier'], 'percent')}).")
        for label, key in (("at these terms", "proposal"), ("at the bargaining benchmark",
                                                             "benchmark")):
            r = g[key]["supplier"]
            lines.append(f"{sentence_case(s)}'s gain {label}: median {people(r['median'])} {u} "
                         f"(p10 {people(r['p10'])}, p90 {people(r['p90'])}).")
        r = self.rho["supplier"]
        lines.append(f"Leverage ratio rho (gain at these terms / gain at the benchmark, power "
                     f"{self.power:.2f}): median {people(r['median'])} (p10 {people(r['p10'])}, "
                     f"p90 {people(r['p90'])}); below 0 means {s} loses from the terms.")
        ask = self.ask
        lines.append(f"{sentence_case(s)}'s best take-it-or-leave-it ask: "
                     f"{terms_text_of(self, ask['terms'])}; "
                     f"accepted in {people(ask['acceptance'], 'percent')}, expected gain "
                     f"{people(ask['expected_gain'])} {u}.")
        lines.append(verdict_prose(self.verdicts, self.parties))
        for side in SIDES:
            lines += [f"  {t}." for t in self.surplus_text.get(side, ())]
        if self.better_package:
            lines.append(f"Better for both at point values: "
                         f"{terms_text_of(self, self.better_package)}.")
        if len(self.driver_table):
            lines.append("Drivers (swing of the gains at these terms): "
                         + ", ".join(self.driver_table.index[:3]) + ".")
        if self.staged is not None:
            lines.append(f"One shot as audited above; {self.staged}.")
        if self.two_level is not None:
            lines.extend(self.two_level.summary(detail=detail))
        return "\n".join(lines)

    @cached_property
    def drivers(self) -> pd.DataFrame:
        """What moves each side's gain at these terms: the swings and rank correlations by
        parameter, largest swing first (:func:`deals.audit.drivers.drivers`)."""
        return self.driver_table.to_frame()

    @cached_property
    def tornado(self) -> pd.DataFrame:
        """Each side's gain with each parameter at its range's ends, the others at point
        values (:func:`deals.audit.drivers.tornado`; the point values' gains in ``attrs``)."""
        return self.tornado_table.to_frame()

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        g = self.gains
        rows = [("verdict (supplier)", self.verdicts["supplier"]),
                ("verdict (partner)", self.verdicts["partner"]),
                ("flag (supplier)", self.flags["supplier"]),
                ("flag (partner)", self.flags["partner"]),
                ("P(partner accepts)", self.acceptance["partner"]),
                ("P(supplier accepts)", self.acceptance["supplier"]),
                ("P(zone of agreement empty)", self.zone_empty)]
        for key in ("proposal", "benchmark"):
            for side in SIDES:
                for stat in ("median", "p10", "p90"):
                    rows.append((f"{side} gain at {key} {stat}", g[key][side][stat]))
        rows += [("rho median", self.rho["supplier"]["median"]),
                 ("rho p10", self.rho["supplier"]["p10"]), ("rho p90", self.rho["supplier"]["p90"]),
                 ("partner rho median", self.rho["partner"]["median"]),
                 ("rho vs optimal ask (median)", self.rho_ask["median"]),
                 ("supplier power", self.power), ("share of draws dominated", self.dominated_share),
                 ("distance to frontier (median)", self.frontier_distance),
                 ("optimal ask acceptance", self.ask["acceptance"]),
                 ("optimal ask expected gain", self.ask["expected_gain"])]
        rows += [(f"terms {k}", v) for k, v in self.proposal.items()]
        rows += [(f"benchmark {k}", v) for k, v in self.benchmark.items()]
        rows += [(f"optimal ask {k}", v) for k, v in self.ask["terms"].items()]
        if self.two_level is not None:
            rows += self.two_level.rows(words=True)
        return pd.DataFrame(rows, columns=["quantity", "value"]).set_index("quantity")

    def caption(self) -> str:
        return (f"{self.deal}: {self.draws:,} draws, seed {self.seed}; gains in {self.gain_unit}; "
                f"thresholds: {self.thresholds}")

    def __str__(self) -> str:
        return self.explain() + "\n\n" + super().__str__()

    def _repr_html_(self) -> str:
        """The verdict in words first, then the table (Jupyter)."""
        return (f"<pre style='white-space: pre-wrap'>{markup.text(self.explain())}</pre>"
                + super()._repr_html_())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the documented schema (``schema_version``; keys never depend
        on the deal: issues and parameters are lists of records)."""
        r = self.records
        data = {
            "schema_version": SCHEMA_VERSION,
            "deal": self.deal, "title": self.title, "parties": dict(self.parties),
            "terms": self.terms, "terms_source": self.proposal_source,
            "terms_text": self.terms_words, "audited_terms": r["audited_terms"],
            "draws": self.draws, "seed": self.seed, "thresholds": asdict(self.thresholds),
            "gain_unit": self.gain_unit, "power": self.power,
            "acceptance": dict(self.acceptance), "worse_off": self.worse_off,
            "zone_empty": self.zone_empty,
            "gains": {k: {s: dict(v) for s, v in sides.items()} for k, sides in self.gains.items()},
            "rho": {k: dict(v) for k, v in self.rho.items()}, "rho_ask": dict(self.rho_ask),
            "benchmark": r["benchmark"],
            "optimal_ask": {"terms": r["ask"], "acceptance": self.ask["acceptance"],
                            "expected_gain": self.ask["expected_gain"]},
            "dominated_share": self.dominated_share, "frontier_distance": self.frontier_distance,
            "better_package": r["better"], "better_gains": self.better_gains,
            "surplus": {k: [dict(x) for x in v] for k, v in self.surplus.items()},
            "surplus_text": {k: list(v) for k, v in self.surplus_text.items()},
            "flags": dict(self.flags), "flag_sets": {k: list(v) for k, v in self.flag_sets.items()},
            "verdicts": dict(self.verdicts),
            "verdict_sets": {k: list(v) for k, v in self.verdict_sets.items()},
            "verdict_text": dict(self.verdict_text),
            "borderline": {k: (None if v is None else dict(v)) for k, v in self.borderline.items()},
            "drivers": self.driver_table.records(), "tornado": self.tornado_table.records(),
            "settings": dict(self.settings),
        }
        data["two_level"] = None if self.two_level is None else dict(self.two_level.rows())
        return json_value(data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, allow_nan=False)

    def to_excel(self, path: str) -> None:
        """Write the audit, its drivers and the tornado table to an .xlsx file (needs openpyxl)."""
        from deals.views.export import assessment_sections, write_xlsx  # start-up time: the spreadsheet needs openpyxl

        write_xlsx(assessment_sections(self), path)

    def plot_drivers(self, ax=None):
        """Tornado chart: each side's gain at these terms, each parameter at its range's ends."""
        from deals.views.plots import tornado_plot  # start-up time: plots load matplotlib

        return tornado_plot(self, ax=ax)


def terms_text_of(a: Assessment, terms: Mapping[str, float]) -> str:
    """Terms of an assessment's deal in words ('chips 1,100,000 H100e per year; ...')."""
    issues = a.records["issues"]
    return "; ".join(issue_text(issues[k], v) for k, v in terms.items())


def audited_terms(deal: Deal, terms: str = "proposal") -> tuple[Deal, dict[str, float], str]:
    """The deal in the setting of the terms ``terms=`` names, those terms as outcome values, and
    where they come from.

    ``proposal``: the deal's ``[proposal]`` (without one, the belief's ask as below);
    ``outcome``: the deal as struck (``[outcome]``); ``belief``: the supplier's optimal
    full-information ask at the drafter's believed values (``[belief]``).

    >>> import deals
    >>> audited_terms(deals.load("gulf-divestment-uae"), "outcome")[2]
    'the deal as struck'
    """
    if terms not in TERMS:
        raise DealError(f"terms must be one of {', '.join(TERMS)}, got {terms!r}")
    if terms == "proposal" and deal.proposal is not None:
        return (*deal.at_terms("proposal"), "the deal's proposal")  # in its own setting
    if terms == "outcome":
        if deal.outcome is None:
            raise DealError(f"deal {deal.name!r} has no [outcome] (the deal as struck) to audit; "
                            "use --terms proposal")
        if deal.outcome.imposed:
            who = the(deal.party(deal.outcome.imposed))
            raise DealError(f"outcome.imposed: the struck terms were set by {who} alone, not "
                            "bargained, so there is no acceptance to audit; audit the proposal "
                            "(--terms proposal)")
        return (*deal.at_terms("outcome"), "the deal as struck")
    if deal.belief is None:
        missing, fix = (("[belief]", "add [belief] values = { parameter = value, ... }, what "
                         "the proposal's drafter assumed") if terms == "belief" else
                        ("[proposal] nor a [belief]", "add the terms on the table as [proposal]"))
        raise DealError(f"deal {deal.name!r} has no {missing} to assess; {fix}")
    believed = point_values(deal.at_belief())
    return deal, dict(optimal_ask(deal, believed).package), "optimal ask under the belief"


#: Draws solved at once (the audit's memory is set by it; see deals.audit.leverage.MAX_DRAWS), in
#: this process and in each worker process when ``jobs`` spreads them.
CHUNK, CHUNK_WITH_WORKERS = 5_000, 10_000


def assess(deal: Deal, draws: int = 10_000, seed: int | None = 0, *,
           thresholds: Thresholds | None = None, power: float | None = None,
           executor: Executor | None = None, chunk_size: int | None = None,
           progress: bool | None = None, grid_points: int = 350,
           terms: str = "proposal", detail: bool = True, summaries: bool | str = True,
           jobs: int | None = 1, given: Any = None, keep_draws: bool = False) -> Assessment:
    """Audit a deal's terms over seeded parameter draws: who accepts, who gains, the verdicts.

    Each draw is one plausible world: the deal's uncertain parameters drawn over their ranges.
    The result (:class:`Assessment`) holds each side's acceptance share, gains, leverage
    ratio and verdict, and why (drivers, the optimal ask, surplus left); ``.explain()`` says
    it in words, ``.to_json()`` as data.

    Parameters
    ----------
    deal : Deal or str
        The deal: a :class:`Deal` from :func:`deals.load`, or a library name such as
        ``"gulf-divestment-uae"``.
    draws : int, default 10,000
        Monte Carlo draws of the deal's uncertain parameters (each a plausible world);
        more draws, smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    thresholds : Thresholds or None, default None
        When a verdict is over-reach, at risk, underpriced or inefficient (acceptance
        shares and a leverage ratio, see :class:`Thresholds`); None: the defaults.
    power : float or None, default None
        The supplier's bargaining power, a share from 0 to 1 (None: from the deal's
        costs of delay by Rubinstein, else 0.5).
    executor : concurrent.futures.Executor or None, default None
        Spreads the chunks of draws over its workers (a process pool, or a dask client's
        executor); the results do not depend on it. None: here, in this process.
    chunk_size : int or None, default None
        Draws solved at a time (memory grows with it); the results do not depend on it.
        None: 5,000 here, 10,000 in each worker process when ``jobs`` spreads them.
    progress : bool or None, default None
        Show a progress bar on standard error (None: only when the run takes more than a
        second).
    grid_points : int, default 350
        Outcomes of the grid over the issues scanned in each draw for the frontier, the
        benchmark and better packages (2 to 20,000); more, finer, slower.
    terms : str, default "proposal"
        Which terms are audited: ``"proposal"`` (the file's ``[proposal]``),
        ``"outcome"`` (the deal as struck, ``[outcome]``) or ``"belief"`` (the
        supplier's optimal ask at its believed values); see
        :func:`deals.audit.assessment.audited_terms`.
    detail : bool, default True
        False stops at the verdict (acceptance, gains, leverage ratio, efficiency,
        verdicts: the same numbers as in full) and leaves out what only explains it: the
        optimal ask (NaN), the benchmark and better package at point values, surplus
        left, drivers, the one-at-a-time table and the staged plan (empty).
    summaries : bool or "now", default True
        True: the staged plan and the two-level summary are found the first time
        ``staged`` or ``two_level`` is read (``to_dict()`` and ``explain()`` read them);
        ``"now"`` finds them with the audit's other tasks (over the workers ``jobs``
        gives); False leaves them out (:func:`deals.audit.work.summary` finds each
        alone, as :func:`deals.compare` does).
    jobs : int or None, default 1
        Worker processes for the draws' chunks, the optimal ask, drivers, surplus scans
        and summaries (0: one per core); the results are the same.
    given : Conditioned or None, default None
        Draw the parameters given the record: a
        :class:`deals.record.condition.Conditioned` from :func:`deals.condition`, whose
        draws replace the file's ranges (None: the file's ranges); an empty record
        changes nothing, and the staged and two-level summaries still use the files'
        ranges.
    keep_draws : bool, default False
        Keep every draw (at most 200,000) as the table ``per_draw``. Else the draws are
        streamed (:mod:`deals.audit.streaming`; up to 10,000,000): shares over every draw,
        percentiles exact up to 100,000 draws, beyond on a sample of 100,000 (``settings``).

    Examples
    --------
    >>> import deals
    >>> deal = deals.load("chips-for-farm-purchases")
    >>> full, brief = assess(deal, draws=300), assess(deal, draws=300, detail=False)
    >>> brief.verdicts == full.verdicts and brief.gains == full.gains, len(brief.drivers)
    (True, 0)
    >>> again = deals.assess("chips-for-farm-purchases", draws=300, seed=0, progress=False)
    >>> again.acceptance == full.acceptance   # the same seed gives the same draws
    True
    """
    if isinstance(deal, (str, os.PathLike)):  # a library name or a file, as deals.load takes
        deal = load(deal)
    if not isinstance(deal, Deal):
        raise DealError(f"assess() takes a Deal, a library name or a path, got "
                        f"{type(deal).__name__}")
    draws, seed, power, grid_points, chunk_size = audit_settings(draws, seed, power, grid_points,
                                                                 chunk_size, executor)
    t = Thresholds.coerce(thresholds)
    deal.require_point("the audit (it draws its own sample)")
    deal, proposal, source = audited_terms(deal, terms)
    solver = DrawSolver(deal, proposal, power=power, grid_points=grid_points,
                        efficiency_margin=t.efficiency_margin)
    summary, values = summary_and_values(deal, draws, seed, t, given, keep_draws)
    work = AuditWork(deal, proposal, values, solver, t, terms, seed)
    return _audit(work, summary, source, executor, jobs, chunk_size, progress, detail=detail,
                  summaries=summaries, given=given, power=power, grid_points=grid_points,
                  draws=draws, keep_draws=keep_draws)


def _audit(work: AuditWork, summary: DrawSummary, source: str, executor: Executor | None,
           jobs: int | None, chunk_size: int | None, progress: bool | None, *, detail: bool,
           summaries: bool | str, given: Any, power: float | None, grid_points: int,
           draws: int, keep_draws: bool) -> Assessment:
    """The audit :func:`assess` sets up in ``work``: its draws streamed to ``summary`` and its
    tasks run, then the result built."""
    work, done, jobs = _run(work, summary, draws, executor, jobs, chunk_size, progress,
                            detail=detail, summaries=summaries == "now")
    deal, proposal, t, seed = work.deal, work.proposal, work.thresholds, work.seed
    # Shares are over every draw; medians and what explains the verdict over the kept ones.
    result, n = summary.kept(), summary.count
    accept = {"partner": summary.share("partner_accepts"),
              "supplier": summary.share("supplier_accepts")}
    other = {"supplier": "partner", "partner": "supplier"}
    dominated = summary.share("dominated")
    # How far inside the frontier p lies: the best improvement for both, in gain-range units.
    distance = float(np.median(np.maximum(result.better_for_both, 0.0)))
    reported = [s for s in SIDES if detail and accept[other[s]] >= t.under_acceptance]
    ask, rho_ask, benchmark, swings, drivers, better, better_gains = _explanation(
        work, done, result, reported, jobs, detail=detail)
    later = work.summaries(done) if detail and summaries else None
    columns = {"supplier": ("supplier_gain", "supplier_gain_at_benchmark", "rho"),
               "partner": ("partner_gain", "partner_gain_at_benchmark", "rho_partner")}
    sides = {s: side_audit(deal, s, accept, dominated, t, n,
                           *(summary.percentiles(c) for c in columns[s]),
                           summary.below_rho(columns[s][2]),
                           surplus=tuple(r for r in (done.get(Surplus(s, i.name))
                                                     for i in deal.issues) if r is not None)
                           if s in reported else (),
                           better_gain=None if better_gains is None else better_gains[s])
             for s in SIDES}
    records = TermsRecords(terms_records(deal, proposal), terms_records(deal, benchmark),
                           terms_records(deal, ask.terms), terms_records(deal, better),
                           {i.name: i for i in deal.issues})
    return Assessment(
        deal=deal.name, title=deal.title, supplier=sides["supplier"], partner=sides["partner"],
        proposal=proposal, proposal_source=source, draws=n, seed=seed, thresholds=t,
        power=float(np.median(result.power)),
        zone_empty=summary.share("zone_empty"), rho_ask=rho_ask,
        benchmark=benchmark, ask=ask,
        dominated_share=dominated, frontier_distance=distance, better_package=better,
        records=records, driver_table=drivers, tornado_table=swings,
        units={i.name: i.unit for i in deal.issues},
        settings={"grid_points": grid_points, "power": power,
                  "benchmark": "asymmetric Nash (power from delay costs)"
                  if power is None and deal.discount else "asymmetric Nash",
                  "resolution": work.solver.resolution, "detail": detail,
                  **({} if given is None or given.empty else {"given": given.summary()}),
                  **summary.settings()},
        terms=work.terms, terms_words=terms_text(deal, proposal),
        staged=later, two_level=later,
        per_draw=draws_table(result, work.values) if keep_draws else None)


def _run(work: AuditWork, summary: DrawSummary, draws: int, executor: Executor | None,
         jobs: int | None, chunk_size: int | None, progress: bool | None, *, detail: bool,
         summaries: bool) -> tuple[AuditWork, dict[Task, Any], int | None]:
    """The ``draws`` solved into ``summary``, and the tasks that do not wait for them
    (:meth:`AuditWork.plan`) done (:func:`deals.audit.streaming.solve_audit`): on
    ``executor`` (the draws only; the rest here), or over ``jobs`` processes."""
    ahead = executor is None and jobs_for(jobs, 2) > 1 and can_fork()
    # A chunk's memory is in its worker, not here: larger chunks there cost fewer rounds of
    # the searches (measured, 100,000 UAE draws on 2 cores: 4.5 s and 209 MiB per worker at
    # 5,000 draws a chunk, 4.1 s and 258 MiB at 10,000).
    size = chunk_size or (CHUNK_WITH_WORKERS if ahead else CHUNK)
    return solve_audit(work, summary, draws=draws, seed=work.seed, detail=detail,
                       summaries=summaries, size=size, ahead=ahead, jobs=jobs,
                       executor=executor, progress=progress)


def _explanation(work: AuditWork, done: dict[Task, Any], result: DrawLeverage,
                 reported: list[str], jobs: int | None, *, detail: bool) -> tuple:
    """What explains the verdict (``detail``): the optimal ask and the leverage ratio against
    it, the benchmark, the tornado and drivers, and the package better for both with what it
    adds for each side; the surplus scans of the ``reported`` sides are added to ``done``."""
    deal, t = work.deal, work.thresholds
    if detail:
        explain = [Surplus(s, i.name) for s in reported for i in deal.issues
                   if Surplus(s, i.name) not in done]
        done.update(zip(explain, process_map(work, explain, jobs)))
        found_ask = done[Job.ASK]
        ask = Ask(dict(found_ask.package), found_ask.acceptance, found_ask.expected_gain)
        with np.errstate(all="ignore"):
            ask_gain = found_ask.gains[0]
            rho_ask = percentiles(np.where(ask_gain > 0, result.supplier_gain / ask_gain,
                                           np.nan))
        point = done[Job.POINT]
        benchmark = point.benchmark_terms()
        swings, ranked = done[Job.SWINGS]
        drivers = driver_table(swings, work.values, result.supplier_gain, result.partner_gain,
                               ranked)
    else:
        ask = Ask.none()
        rho_ask, point, benchmark = percentiles(np.array([np.nan])), None, {}
        swings = drivers = EMPTY
    better = better_gains = None
    if point is not None and point.better_for_both[0] >= t.efficiency_margin:
        better = point.better_terms()
        g, g0 = deal.gains(better), deal.gains(work.proposal)
        better_gains = {"supplier": float(g[0] - g0[0]), "partner": float(g[1] - g0[1])}
    return ask, rho_ask, benchmark, swings, drivers, better, better_gains


def side_audit(deal: Deal, side: str, accept: Mapping[str, float], dominated: float,
               t: Thresholds, draws: int, gain: Summary, at_benchmark: Summary, rho: Summary,
               below: tuple[float, int], *, surplus: tuple[Mapping[str, Any], ...],
               better_gain: float | None) -> SideAudit:
    """One side's record: its verdicts from both sides' acceptances, the share dominated and
    its leverage ratio over the ``draws`` (``rho``; ``below``: the share of the draws where
    it is defined that are at most ``t.under_rho``, and how many those are), and the figures
    that support them (its ``gain`` at the terms and ``at_benchmark``)."""
    other = "partner" if side == "supplier" else "supplier"
    parties = {"supplier": deal.supplier, "partner": deal.partner}
    verdicts = verdict_set(accept[other], accept[side], rho.median, dominated, t, side=side)
    edge = borderline(accept[other], accept[side], rho.median, dominated, t, draws=draws,
                      rho_below=below[0], rho_draws=below[1], side=side)
    return SideAudit(
        party=parties[side], accepts=accept[side], gain=gain,
        gain_at_benchmark=at_benchmark,
        rho=rho, verdict=verdicts[0], verdicts=verdicts, flag=headline(verdicts),
        flags=tuple(dict.fromkeys(headline((v,)) for v in verdicts)),
        verdict_text=words(verdicts[0], side, parties) + edge_words(edge, side, parties),
        borderline=edge, surplus=surplus,
        surplus_text=tuple(surplus_sentence(deal, r, side, GAIN_UNIT, t.under_acceptance)
                           for r in surplus),
        better_gain=better_gain)
