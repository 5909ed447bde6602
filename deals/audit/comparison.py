"""Compare the leverage of many deals in one table, the worst first.

>>> import deals
>>> table = deals.compare(["chips-for-farm-purchases", "gulf-divestment-uae"], draws=300)
>>> list(table.to_frame().columns[:3])
['supplier', 'partner', 'terms']
>>> table.to_dict()["schema_version"]
2
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from deals.audit.assessment import (GAIN_UNIT, SCHEMA_VERSION, Assessment, Thresholds, assess,
                              audited_terms)
from deals.audit.work import Summaries, summary
from deals.audit.benchmark_memo import shared_benchmarks
from deals.audit.leverage import exact_issues
from deals.deal.files import load
from deals.errors import DealError, DealFileError
from deals.deal.reading import library_names
from deals.deal.model import Deal
from deals.audit.verdicts import FLAG_WORDS, FLAGS, label, verdict
from games.errors import GameError
from games.parallel import jobs_for, process_map, progress_ticks
from games.results import TabularResult

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd


@dataclass(frozen=True)
class Comparison(TabularResult):
    """One row per deal: parties, terms, acceptance, the money, verdicts, the struck deal's.

    Sorted by :meth:`Assessment.sort_key`: over-reaching proposals first (least accepted
    first), then under-claiming ones (the supplier worst off first), inefficient, sound.
    ``struck`` holds, for each deal, the audit of its ``[outcome]`` up to the verdict
    (``assess(..., terms="outcome", detail=False)``: acceptance, gains, rho, verdicts; no
    optimal ask, drivers or surplus), or None without one.

    See :func:`compare` for an example; ``to_dict()`` is the JSON of ``chipdeals compare``.
    """

    assessments: tuple[Assessment, ...]
    thresholds: Thresholds
    draws: int
    seed: int | None
    terms: str = "proposal"
    struck: tuple[Assessment | None, ...] = ()
    gain_unit: str = GAIN_UNIT
    skipped: tuple[str, ...] = ()
    #: Deals whose ``[outcome]`` one side imposed (issue 25): struck, but not audited as a bargain.
    imposed: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.assessments)

    def __iter__(self):
        return iter(self.assessments)

    def __getitem__(self, name: str) -> Assessment:
        for a in self.assessments:
            if a.deal == name:
                return a
        raise KeyError(f"no deal {name!r} in this comparison; deals: "
                       f"{[a.deal for a in self.assessments]}")

    def struck_of(self, name: str) -> Assessment | None:
        """The audit of the deal as struck, if it has an ``[outcome]`` and it was audited."""
        for a, s in zip(self.assessments, self.struck):
            if a.deal == name:
                return s
        return None

    def to_frame(self) -> pd.DataFrame:
        """One row per deal, snake_case columns, raw numbers (gains in ``gain_unit``)."""
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        rows = []
        for a in self.assessments:
            g = a.gains
            struck = self.struck_of(a.deal)
            row = {"deal": a.deal, "supplier": a.parties["supplier"],
                   "partner": a.parties["partner"], "terms": a.terms_words,
                   "verdict_supplier": a.verdicts["supplier"],
                   "verdict_partner": a.verdicts["partner"],
                   "verdict_words_supplier": label(a.verdicts["supplier"], "supplier", a.parties),
                   "verdict_words_partner": label(a.verdicts["partner"], "partner", a.parties),
                   "rho_supplier_median": a.rho["supplier"]["median"],
                   "leverage_read": verdict(a.verdicts["supplier"]).leverage,
                   "main_driver": main_driver(a),
                   "flag_supplier": a.flags["supplier"], "flag_partner": a.flags["partner"],
                   "p_partner_accepts": a.acceptance["partner"],
                   "p_supplier_accepts": a.acceptance["supplier"],
                   "p_supplier_worse_off": a.worse_off["supplier"]}
            for key in ("proposal", "benchmark"):
                for stat in ("median", "p10", "p90"):
                    row[f"supplier_gain_{key}_{stat}"] = g[key]["supplier"][stat]
            row.update({"ask_acceptance": a.ask["acceptance"],
                        "ask_expected_gain": a.ask["expected_gain"],
                        "surplus_left": " ".join(f"{t}." for t in a.surplus_text["supplier"]),
                        "struck_verdict_supplier": struck.verdicts["supplier"] if struck else None,
                        "struck_flag_supplier": struck.flags["supplier"] if struck else None,
                        "staged_plan": None if a.staged is None else str(a.staged),
                        **({} if a.two_level is None else dict(a.two_level.rows()))})
            rows.append(row)
        return pd.DataFrame(rows).set_index("deal") if rows else pd.DataFrame()

    def caption(self) -> str:
        skipped = (f" (left out, no {self.terms} terms"
                   + (" or terms imposed by one side" if self.terms == "outcome" else "")
                   + f": {', '.join(self.skipped)})" if self.skipped else "")
        count = f"{len(self)} deal" + ("" if len(self) == 1 else "s")
        error = 50 / max(self.draws, 1) ** 0.5  # sqrt(p (1 - p) / n) at p = 1/2, in points
        order = ", then ".join(FLAG_WORDS["supplier"][f] for f in FLAGS)
        return (f"{count}, {self.draws:,} draws each, seed {self.seed} (Monte Carlo standard "
                f"error of each share at most {error:.1f} points); terms audited: "
                f"{self.terms}{skipped}; worst first ({order}); thresholds: {self.thresholds}")

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON object: ``schema_version`` and one record per deal."""
        records = []
        for a in self.assessments:
            record = a.to_dict()
            struck = self.struck_of(a.deal)
            record["struck"] = None if struck is None else {
                "terms_text": struck.terms_words, "verdicts": dict(struck.verdicts),
                "flags": dict(struck.flags), "acceptance": dict(struck.acceptance)}
            records.append(record)
        return {"schema_version": SCHEMA_VERSION, "draws": self.draws, "seed": self.seed,
                "terms": self.terms, "skipped": list(self.skipped), "gain_unit": self.gain_unit,
                "thresholds": asdict(self.thresholds), "deals": records}

    def plot(self, ax=None):
        """All deals on one chart: partner's acceptance probability against the median rho."""
        from deals.views.plots import comparison_plot  # start-up time: plots load matplotlib

        return comparison_plot(self, ax=ax)


def compare(deals: Iterable[Deal | str] | None = None, *, draws: int = 2_000, seed: int | None = 0,
            thresholds: Thresholds | None = None, executor: Executor | None = None,
            progress: bool | None = None, terms: str = "proposal", struck: bool = True,
            jobs: int | None = 1, **options: Any) -> Comparison:
    """Assess every deal (default: the whole library), the worst first.

    ``terms`` chooses what is audited (see :func:`deals.audit.assessment.audited_terms`); with
    ``struck`` (and ``terms`` other than ``"outcome"``) each deal's ``[outcome]`` is audited
    too, for the comparison's "struck deal" column. ``jobs`` audits that many deals at once in
    worker processes (0: one per core; :func:`games.parallel.process_map`); each deal's audit
    is the same wherever it runs. ``executor`` instead spreads each audit's draws.

    Parameters
    ----------
    deals : iterable of Deal or str, or None, default None
        The deals to audit (library names, paths or :class:`Deal` objects); None: every
        deal in the library.
    draws : int, default 2,000
        Monte Carlo draws of the deal's uncertain parameters (each a plausible world);
        more draws, smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    thresholds : Thresholds or None, default None
        When a verdict is over-reach, at risk, underpriced or inefficient (acceptance
        shares and a leverage ratio, see :class:`Thresholds`); None: the defaults.
    executor : concurrent.futures.Executor or None, default None
        Spreads each audit's draws over its workers (instead of ``jobs``); the results
        do not depend on it.
    progress : bool or None, default None
        Show a progress bar on standard error (None: only when the run takes more than a
        second).
    terms : str, default "proposal"
        Which terms of each deal are audited: ``"proposal"``, ``"outcome"`` or
        ``"belief"`` (see :func:`deals.audit.assessment.audited_terms`); a deal without
        them is skipped and listed.
    struck : bool, default True
        Also audit each deal's ``[outcome]`` (the deal as struck) for the "struck deal"
        column, unless ``terms`` is already ``"outcome"``.
    jobs : int or None, default 1
        Deals audited at once in worker processes (0: one per core); each audit is the
        same wherever it runs.
    options : keyword arguments
        Passed on to :func:`assess` for every deal (e.g. ``power``, ``grid_points``,
        ``detail``).

    Examples
    --------
    >>> import deals
    >>> c = deals.compare(["tier-upgrade-poland", "chips-for-farm-purchases"], draws=100,
    ...                   progress=False, struck=False)
    >>> sorted(a.deal for a in c.assessments)
    ['chips-for-farm-purchases', 'tier-upgrade-poland']
    """
    chosen: Sequence[Deal | str] = list(library_names() if deals is None else deals)
    t = Thresholds.coerce(thresholds)
    audited, skipped = _auditable(chosen, terms, named=deals is not None)

    summaries = options.pop("summaries", True)  # compare asks for them as tasks of their own
    detail = options.get("detail", True) and summaries
    # Each deal's audit and two-level summary are separate tasks (the audit attaches the
    # second when it is done): more, smaller tasks keep the workers even.
    tasks = _tasks(audited, summaries=detail and terms == "proposal")

    def run(task: tuple[str, int]) -> Any:
        kind, k = task
        deal = audited[k]
        if kind != "audit":
            return summary(kind, audited_terms(deal, terms)[0], terms, draws, seed)
        with shared_benchmarks():  # the struck audit reuses the proposal audit's benchmark
            main = assess(deal, draws=draws, seed=seed, thresholds=t, executor=executor,
                          progress=False, terms=terms, summaries=False, **options)
            outcome = None
            if struck and terms != "outcome" and has_terms(deal, "outcome"):
                outcome = assess(deal, draws=draws, seed=seed, thresholds=t, executor=executor,
                                 progress=False, terms="outcome", **{**options, "detail": False})
            elif terms == "outcome":
                outcome = main
        return main, outcome

    workers = 1 if executor is not None else jobs_for(jobs, len(tasks))
    # The costliest tasks start first, so the workers finish together.
    tasks.sort(key=lambda task: -task_cost(task[0], audited[task[1]], terms,
                                           struck=struck) if workers > 1 else 0)
    remaining = Counter(k for _, k in tasks)

    with progress_ticks(len(audited), progress, "compare", "deal") as tick:
        def finished(index: int) -> None:  # the bar counts deals whose every task is done
            remaining[tasks[index][1]] -= 1
            if tick is not None and not remaining[tasks[index][1]]:
                tick(index)

        results = dict(zip(tasks, process_map(_naming(run, audited), tasks, workers,
                                              done=finished)))
    found = _found(results, audited, terms, draws, seed,
                   summaries=detail and terms == "proposal")
    return Comparison(tuple(a for a, _ in found), t, draws, seed, terms,
                      tuple(o for _, o in found), skipped=tuple(skipped),
                      imposed=tuple(d.name for d in audited
                                    if d.outcome is not None and d.outcome.imposed))


def _naming(run: Callable[[tuple[str, int]], Any], audited: Sequence[Deal]
            ) -> Callable[[tuple[str, int]], Any]:
    """``run`` of one task, whose error says which of the deals it was found in."""
    def named(task: tuple[str, int]) -> Any:
        try:
            return run(task)
        except GameError as error:  # among many deals, say which one (its file is its name)
            deal = audited[task[1]]
            if deal.name not in str(error):
                _prefix(error, f"deal {deal.name!r}: ")
            raise
    return named


def _prefix(error: GameError, text: str) -> None:
    """Put ``text`` before the error's message, in this process and in the copy a worker
    process sends back (a DealFileError is rebuilt there from its reason)."""
    if isinstance(error, DealFileError):
        error.reason = text + error.reason
    if error.args and isinstance(error.args[0], str):
        error.args = (text + error.args[0], *error.args[1:])


def _auditable(chosen: Sequence[Deal | str], terms: str, *, named: bool
               ) -> tuple[list[Deal], list[str]]:
    """The deals of :func:`compare` that have the terms to audit, and the names of those
    skipped; a deal asked for by name (``named``) without them is refused, saying why."""
    audited, skipped = [], []
    for item in chosen:
        deal = item if isinstance(item, Deal) else load(item)
        if not has_terms(deal, terms):
            if named:  # asked for by name: say why it cannot be audited (and in which file)
                try:
                    audited_terms(deal, terms)
                except GameError as error:
                    if not isinstance(item, Deal) and str(item) != deal.name:
                        _prefix(error, f"{item}: ")
                    raise
            skipped.append(deal.name)
            continue
        audited.append(deal)
    _one_row_each(audited)
    return audited, skipped


def _one_row_each(audited: Sequence[Deal]) -> None:
    """Refuse two deals of one name: the comparison's rows (and its JSON) are found by name."""
    seen: set[str] = set()
    for deal in audited:
        if deal.name in seen:
            raise DealError(f"deal {deal.name!r} is given twice: the comparison has one row "
                            "per deal name, so give each deal once (two different files of "
                            "one name: change one's [deal] name)")
        seen.add(deal.name)


def _tasks(audited: Sequence[Deal], *, summaries: bool) -> list[tuple[str, int]]:
    """The tasks of :func:`compare`: each deal's audit, and with ``summaries`` its two-level
    summary where it has one (the JSON and the tables show it). The staged plan is shown
    only in the frame (``to_frame()``, ``--format csv``): it is found when that is read."""
    tasks = [("audit", k) for k in range(len(audited))]
    if summaries:
        tasks += [("two_level", k) for k, deal in enumerate(audited)
                  if deal.actors is not None or deal.beliefs is not None]
    return tasks


def _found(results: Mapping[tuple[str, int], Any], audited: Sequence[Deal], terms: str,
           draws: int, seed: int | None, *, summaries: bool
           ) -> list[tuple[Assessment, Assessment | None]]:
    """Each deal's audit (with its two-level summary attached, and its staged plan to be
    found when first read) and struck-deal audit, the worst first."""
    found = []
    for k, deal in enumerate(audited):
        main, outcome = results[("audit", k)]
        if summaries:
            later = Summaries(audited_terms(deal, terms)[0], terms, draws, seed)
            main = replace(main, staged=later if deal.stages is not None else None,
                           two_level=results.get(("two_level", k)))
        found.append((main, outcome))
    found.sort(key=lambda pair: pair[0].sort_key())
    return found


def main_driver(a: Assessment) -> str | None:
    """The top of the audit's tornado: the parameter that moves the gains at the terms most
    (None for an audit without drivers)."""
    return str(a.driver_table.index[0]) if len(a.driver_table) else None


def task_cost(kind: str, deal: Deal, terms: str = "proposal", *, struck: bool = True
              ) -> float:
    """A rough estimate of how long a task of :func:`compare` takes: only the order in which
    the tasks start depends on it (the costliest first, so that the workers finish together).

    Most of an audit is searches over the issues the engine cannot solve exactly (those not
    affine or piecewise affine, :func:`deals.audit.leverage.exact_issues`): each round of a
    search over d of them polls up to 3^d - 1 neighbours, and every poll evaluates the
    utilities over all the issues. An audit of the struck deal adds about half (it shares the
    proposal's benchmark); a two-level summary with beliefs solves about one audit's worth
    of problems, one with actors only a few.

    >>> import deals
    >>> uae, poland = deals.load("gulf-divestment-uae"), deals.load("tier-upgrade-poland")
    >>> task_cost("audit", uae) > task_cost("audit", poland) > task_cost("two_level", uae)
    True
    """
    try:
        searched = len(deal.issues) - len(exact_issues(deal))
    except (GameError, ArithmeticError, RecursionError, ValueError):
        searched = len(deal.issues)  # the task itself says what is wrong, naming the deal
    solve = len(deal.issues) * (1 + searched) ** 2
    if kind == "two_level":
        return solve * (1.0 if deal.beliefs is not None else 0.05)
    struck_too = (struck and terms != "outcome" and has_terms(deal, "outcome")
                  and audited_terms(deal, "outcome")[1] != audited_terms(deal, terms)[1])
    return solve * (1.5 if struck_too else 1.0)


def has_terms(deal: Deal, terms: str) -> bool:
    """Whether ``deal`` has the terms ``terms`` names (a proposal always has: the belief's ask;
    an outcome one side imposed does not count: it is not a bargain)."""
    return {"proposal": deal.proposal is not None or deal.belief is not None,
            "outcome": deal.outcome is not None and not deal.outcome.imposed,
            "belief": deal.belief is not None}[terms]
