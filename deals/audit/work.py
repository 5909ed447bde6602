"""The pieces of work of one audit, each an independent task: the same answer wherever it runs.

An audit solves its draws in chunks (:class:`deals.audit.leverage.DrawSolver`) and, to explain the
verdict, finds the supplier's optimal ask, the benchmark at the point values, the tornado,
each issue's surplus scan and the staged and two-level summaries. None of these but the
surplus report needs the draws' solutions, so :func:`deals.assess` hands them all to
:func:`games.parallel.process_map`, which runs them in turn or on worker processes. A task is
a small named object: a :class:`Job` (``Job.ASK``, ``Job.POINT``, ...), a chunk of
:class:`Draws` (``Draws(0, 5000)``) or one issue's :class:`Surplus` scan
(``Surplus("supplier", "chips")``); each runs the method of :class:`AuditWork` it names.

>>> import deals
>>> from deals.audit.leverage import DrawSolver, sample_values
>>> deal = deals.load("chips-for-farm-purchases")
>>> proposal = deal.outcome_values(deal.proposal.values)
>>> work = AuditWork(deal, proposal, sample_values(deal, 300, 0), DrawSolver(deal, proposal),
...                  deals.Thresholds(), "proposal", 0)
>>> tasks, chunks = work.plan(detail=True, summaries=False, chunk=100, ahead=False)
>>> chunks
[Draws(start=0, stop=100), Draws(start=100, stop=200), Draws(start=200, stop=300)]
>>> Job.ASK in tasks, Job.STAGED in tasks   # the summaries: found when asked for
(True, False)
>>> len(work.draws_solved({c: work(c) for c in chunks}, chunks))
300
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Mapping, Sequence, Union

import numpy as np

from deals.audit.drivers import parameter_ranks, swing_table
from deals.audit.leverage import DrawLeverage, DrawSolver, optimal_ask, outcome_box, point_values
from deals.deal.model import SIDES, Deal
from deals.audit.surplus import surplus_on
from deals.two_level.ratification import two_level_summary

#: Draws of the staged and two-level summaries an audit attaches (at most).
SUMMARY_DRAWS = 2_000



class Job(Enum):
    """An audit's task without arguments; its value names the :class:`AuditWork` method."""

    ASK = "ask"              # the supplier's optimal ask over the draws
    POINT = "point"          # the benchmark and the package better for both at point values
    SWINGS = "swings"        # the tornado and the parameters' ranks
    STAGED = "staged"        # the staged plan (a deal with [stages])
    TWO_LEVEL = "two_level"  # the two-level summary (a deal with [actors] or [beliefs])

    def run(self, work: "AuditWork") -> Any:
        return getattr(work, self.value)()


@dataclass(frozen=True)
class Draws:
    """The task of solving the draws ``start:stop``."""

    start: int
    stop: int

    def run(self, work: "AuditWork") -> dict[str, np.ndarray]:
        return work.draws(self.start, self.stop)


@dataclass(frozen=True)
class Surplus:
    """The task of scanning the surplus ``side`` left on ``issue``."""

    side: str
    issue: str

    def run(self, work: "AuditWork") -> dict[str, Any] | None:
        return work.surplus(self.side, self.issue)


Task = Union[Job, Draws, Surplus]


def summary(kind: str, deal: Deal, terms: str, draws: int, seed: int | None) -> Any:
    """The staged plan (``kind="staged"``) or two-level summary (``"two_level"``) that
    :func:`deals.assess` attaches to an audit of ``deal``'s ``terms`` at ``draws`` draws: found
    on ``min(draws, SUMMARY_DRAWS)`` draws, for the proposal only (else None). ``deal`` is the
    deal as :func:`deals.audit.assessment.audited_terms` returns it.

    >>> import deals
    >>> summary("staged", deals.load("tier-upgrade-poland"), "proposal", 100, 0) is None
    True
    """
    if terms != "proposal":
        return None
    if kind == "staged":
        from deals.stages.values import stage_summary  # start-up time: games.trees, decisions

        return stage_summary(deal, min(draws, SUMMARY_DRAWS), seed)
    return two_level_summary(deal, min(draws, SUMMARY_DRAWS), seed)


@dataclass(frozen=True, eq=False)
class AuditWork:
    """One audit's inputs, and a method per kind of task; calling it with a task runs it."""

    deal: Deal
    proposal: Mapping[str, float]
    values: Mapping[str, np.ndarray]
    solver: DrawSolver
    thresholds: Any          # deals.Thresholds
    terms: str
    seed: int | None

    def __call__(self, task: Task) -> Any:
        return task.run(self)

    @property
    def size(self) -> int:
        """How many draws the audit takes."""
        return len(next(iter(self.values.values())))

    def plan(self, *, detail: bool, summaries: bool, chunk: int, ahead: bool
             ) -> tuple[list[Task], list[Draws]]:
        """The tasks that do not wait for the draws' solutions, in the order to start them, and
        the chunks of draws among them; ``summaries``: the staged and two-level summaries too
        (else they are found when asked for: :class:`Summaries`). In one process the draws come first, so a deal the
        solvers refuse is refused before anything else runs; with workers (``ahead``) the
        longest tasks start first, so the workers finish together, and each issue's surplus
        scan starts too, before it is known whether the audit reports it (spare cores, not
        waiting)."""
        n = self.size
        chunks = [Draws(a, min(a + chunk, n)) for a in range(0, n, chunk)]
        if not detail:
            return list(chunks), chunks
        extra: list[Task] = [Job.ASK] + [Job.TWO_LEVEL] * summaries + [Job.SWINGS]
        if ahead:
            extra += [Surplus(s, i.name) for s in SIDES for i in self.deal.issues]
        later: list[Task] = [Job.POINT] + [Job.STAGED] * summaries
        return (extra + chunks + later if ahead else chunks + later + extra), chunks

    def draws_solved(self, done: Mapping[Task, Any], chunks: Sequence[Draws]) -> DrawLeverage:
        """The chunks' solutions (``done`` maps each chunk task to its columns) as one record."""
        columns = [done[c] for c in chunks]
        return DrawLeverage.from_columns(outcome_box(self.deal).names, {
            k: np.concatenate([c[k] for c in columns]) for k in columns[0]})

    # ---- the tasks ----------------------------------------------------------------------

    def draws(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """The draws ``start:stop`` solved (memory is set by the chunk's size)."""
        return self.solver.solve({k: v[start:stop] for k, v in self.values.items()}).columns()

    def ask(self) -> Any:
        """The supplier's optimal take-it-or-leave-it ask over the draws."""
        return optimal_ask(self.deal, self.values)

    def point(self) -> DrawLeverage:
        """The benchmark and best package for both at the point values, converged fully."""
        exact = replace(self.solver, exhaustive=True, max_rounds=400)  # one row: converge
        return exact.solve(point_values(self.deal))

    def surplus(self, side: str, issue: str) -> dict[str, Any] | None:
        """The surplus ``side`` left on ``issue`` (:func:`deals.audit.surplus.surplus_on`)."""
        return surplus_on(self.deal, self.proposal, self.values, self.thresholds, side, issue)

    def swings(self) -> tuple[Any, dict[str, np.ndarray]]:
        """The tornado, and the ranks over the draws of the parameters it lists."""
        table = swing_table(self.deal, self.proposal)
        return table, parameter_ranks(self.values, list(table.index))

    def staged(self) -> Any:
        return summary("staged", self.deal, self.terms, self.size, self.seed)

    def two_level(self) -> Any:
        return summary("two_level", self.deal, self.terms, self.size, self.seed)

    def summaries(self, done: Mapping[Task, Any]) -> "Summaries":
        """The staged and two-level summaries: those ``done`` holds, the rest when asked for."""
        return Summaries(self.deal, self.terms, self.size, self.seed,
                         {job.value: done[job] for job in (Job.STAGED, Job.TWO_LEVEL)
                          if job in done})


@dataclass(frozen=True, eq=False)
class Summaries:
    """An audit's staged plan and two-level summary, each found the first time it is asked
    for (:func:`summary`), unless ``found`` already holds it.

    >>> import deals
    >>> later = Summaries(deals.load("tier-upgrade-poland"), "proposal", 100, 0)
    >>> sorted(later.found), later.get("staged"), sorted(later.found)
    ([], None, ['staged'])
    """

    deal: Deal
    terms: str
    draws: int
    seed: int | None
    found: dict[str, Any] = field(default_factory=dict)

    def get(self, kind: str) -> Any:
        if kind not in self.found:
            self.found[kind] = summary(kind, self.deal, self.terms, self.draws, self.seed)
        return self.found[kind]


class SummaryField:
    """A dataclass field holding a summary, or :class:`Summaries` to ask for it on first read.

    Reading the field gives the summary itself (found then, once), so the record stays frozen
    to its readers and :func:`dataclasses.replace` copies the summary.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.slot = name, f"_{name}_value"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return None  # the field's default
        value = obj.__dict__.get(self.slot)
        if isinstance(value, Summaries):
            value = value.get(self.name)
            obj.__dict__[self.slot] = value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value
