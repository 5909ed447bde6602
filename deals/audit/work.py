"""The pieces of work of one audit, each an independent task: the same answer wherever it runs.

An audit solves its draws in chunks (:class:`deals.audit.leverage.DrawSolver`) and, to explain the
verdict, finds the supplier's optimal ask, the benchmark at the point values, the tornado,
each issue's surplus scan and the staged and two-level summaries. None of these but the
surplus report needs the draws' solutions, so :func:`deals.assess` hands them all to
:func:`games.parallel.process_map`, which runs them in turn or on worker processes. A task is
a tuple naming one method of :class:`AuditWork` and its arguments, e.g. ``("draws", 0, 5000)``
or ``("surplus", "supplier", "chips")``.

>>> import deals
>>> from deals.audit.leverage import DrawSolver, sample_values
>>> deal = deals.load("chips-for-farm-purchases")
>>> proposal = deal.outcome_values(deal.proposal.values)
>>> work = AuditWork(deal, proposal, sample_values(deal, 300, 0), DrawSolver(deal, proposal),
...                  deals.Thresholds(), "proposal", 0)
>>> tasks, chunks = work.plan(detail=True, summaries=True, chunk=100, ahead=False)
>>> chunks
[('draws', 0, 100), ('draws', 100, 200), ('draws', 200, 300)]
>>> len(work.draws_solved({c: work(c) for c in chunks}, chunks))
300
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np

from deals.audit.drivers import parameter_ranks, tornado as tornado_table
from deals.audit.leverage import DrawLeverage, DrawSolver, optimal_ask, outcome_box, point_values
from deals.deal.model import SIDES, Deal
from deals.stages.values import stage_summary
from deals.audit.surplus import surplus_on
from deals.two_level.ratification import two_level_summary

#: Draws of the staged and two-level summaries an audit attaches (at most).
SUMMARY_DRAWS = 2_000

Task = tuple[Any, ...]


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
    found = {"staged": stage_summary, "two_level": two_level_summary}[kind]
    return found(deal, min(draws, SUMMARY_DRAWS), seed)


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
        name, *arguments = task
        return getattr(self, name)(*arguments)

    @property
    def size(self) -> int:
        """How many draws the audit takes."""
        return len(next(iter(self.values.values())))

    def plan(self, *, detail: bool, summaries: bool, chunk: int, ahead: bool
             ) -> tuple[list[Task], list[Task]]:
        """The tasks that do not wait for the draws' solutions, in the order to start them, and
        the chunks of draws among them. In one process the draws come first, so a deal the
        solvers refuse is refused before anything else runs; with workers (``ahead``) the
        longest tasks start first, so the workers finish together, and each issue's surplus
        scan starts too, before it is known whether the audit reports it (spare cores, not
        waiting)."""
        n = self.size
        chunks: list[Task] = [("draws", a, min(a + chunk, n)) for a in range(0, n, chunk)]
        if not detail:
            return chunks, chunks
        extra: list[Task] = [("ask",)] + [("two_level",)] * summaries + [("swings",)]
        if ahead:
            extra += [("surplus", s, i.name) for s in SIDES for i in self.deal.issues]
        later: list[Task] = [("point",)] + [("staged",)] * summaries
        return (extra + chunks + later if ahead else chunks + later + extra), chunks

    def draws_solved(self, done: Mapping[Task, Any], chunks: Sequence[Task]) -> DrawLeverage:
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
        frame = tornado_table(self.deal, self.proposal)
        return frame, parameter_ranks(self.values, list(frame.index))

    def staged(self) -> Any:
        return summary("staged", self.deal, self.terms, self.size, self.seed)

    def two_level(self) -> Any:
        return summary("two_level", self.deal, self.terms, self.size, self.seed)
