"""An audit's draws streamed to its summaries chunk by chunk: memory set by the chunk.

:func:`deals.assess` solves its draws in chunks (:class:`DrawChunk`, each drawn from the seed
where it runs, so nothing but the answer crosses between processes) and folds each chunk into
a :class:`DrawSummary` as it comes:

- the shares the verdict rests on (acceptance, an empty zone, dominated draws, the leverage
  ratio's share below the underpriced threshold, each percentile's defined share) are counted
  over every draw, exactly;
- every draw's results are kept while the draws fit in a :class:`games.reservoir.Reservoir` of
  :data:`RESERVOIR` draws, so up to that many the audit is the same, byte for byte, as one
  that kept them all; beyond it, the percentiles, the medians and the explanation (optimal
  ask, surplus, drivers) are found on a uniform sample of that many draws, and the audit's
  ``settings["quantiles"]`` says so.

``keep_draws=True`` keeps every draw instead (at most :data:`MAX_KEPT_DRAWS`) and the audit's
``per_draw`` holds them.

>>> import deals
>>> a = deals.assess("chips-for-farm-purchases", draws=300, seed=0, keep_draws=True)
>>> a.per_draw.shape[0], bool((a.per_draw["supplier_accepts"].mean() == a.acceptance["supplier"]))
(300, True)
"""

from __future__ import annotations

import secrets
from concurrent.futures import Executor
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

import numpy as np

from deals.audit.leverage import (MAX_KEPT_DRAWS, DrawLeverage, DrawSolver, outcome_box,
                                  sample_values)
from deals.audit.sides import Summary
from deals.audit.work import AuditWork, Draws, Task
from deals.deal.model import Deal
from deals.errors import DealError
from games.parallel import jobs_for, process_map, progress_ticks, result_of
from games.reservoir import Reservoir

if TYPE_CHECKING:
    import pandas as pd

#: Draws whose results an audit keeps, each (beyond: a uniform sample of this many).
RESERVOIR = 100_000
#: The shares of draws a summary counts exactly: the name and the column it counts.
SHARES = ("supplier_accepts", "partner_accepts", "zone_empty")
#: The columns whose percentiles an audit reports (each with its share of finite draws).
PERCENTILED = ("rho", "rho_partner", "supplier_gain", "partner_gain",
               "supplier_gain_at_benchmark", "partner_gain_at_benchmark")
#: How a drawn parameter's column is named among the kept rows' columns.
VALUE = "value:"


def draw_values(deal: Deal, start: int, stop: int, seed: int) -> dict[str, np.ndarray]:
    """Draws ``start:stop`` of :func:`deals.audit.leverage.sample_values` (the same bytes),
    drawn on their own (:meth:`games.ParameterSet.sample_slice`)."""
    values = deal.parameters.sample_slice(start, stop, seed)
    for name, value in deal.bound.items():
        values[name] = np.full(stop - start, float(value))
    return values


@dataclass(frozen=True)
class DrawChunk:
    """Draws ``start:stop`` of an audit, solved wherever it is called (an executor's task).

    ``values``: the chunk's parameter values, when the audit has them (drawn from a record);
    else they are drawn here from ``seed``. Returns the solved columns and the values drawn
    here (None when given).
    """

    solver: DrawSolver
    start: int
    stop: int
    seed: int
    values: Mapping[str, np.ndarray] | None = None

    def __call__(self, _task: Any = None) -> tuple[dict[str, np.ndarray], Any]:
        drawn = None
        values = self.values
        if values is None:
            values = drawn = draw_values(self.solver.deal, self.start, self.stop, self.seed)
        return self.solver.solve(values).columns(), drawn


class DrawSummary:
    """An audit's draws folded chunk by chunk: exact counts, and a reservoir of rows.

    ``thresholds`` (:class:`deals.Thresholds`) set what is counted beyond the plain shares:
    the dominated draws and the leverage ratios at most ``under_rho``.
    """

    def __init__(self, issues: Sequence[str], thresholds: Any, capacity: int = RESERVOIR
                 ) -> None:
        self.issues = tuple(issues)
        self.thresholds = thresholds
        self.reservoir = Reservoir(capacity)
        self.counted: dict[str, int] = {}

    @property
    def count(self) -> int:
        """How many draws were folded in."""
        return self.reservoir.count

    def _count(self, name: str, where: np.ndarray) -> None:
        self.counted[name] = self.counted.get(name, 0) + int(np.count_nonzero(where))

    def add(self, start: int, columns: Mapping[str, np.ndarray],
            values: Mapping[str, np.ndarray] | None = None) -> None:
        """Fold in draws ``start, start + 1, ...``: their solved columns and, to keep with them
        for the explanation, the parameter values they were drawn with."""
        t = self.thresholds
        for name in SHARES:
            self._count(name, columns[name])
        self._count("dominated", columns["better_for_both"] >= t.efficiency_margin)
        for name in PERCENTILED:
            finite = np.isfinite(columns[name])
            self._count(f"finite:{name}", finite)
            if name.startswith("rho"):
                self._count(f"at_most_under_rho:{name}", finite & (columns[name] <= t.under_rho))
        kept = dict(columns)
        kept.update({VALUE + k: v for k, v in (values or {}).items()})
        self.reservoir.add(start, kept)

    def share(self, name: str) -> float:
        """The share of all draws counted under ``name`` (one of :data:`SHARES` or
        ``"dominated"``): exact."""
        return self.counted[name] / self.count

    def below_rho(self, name: str) -> tuple[float, int]:
        """Among the draws where ratio ``name`` is defined: the share at most ``under_rho``
        (NaN if none) and how many draws that is."""
        finite = self.counted[f"finite:{name}"]
        below = self.counted[f"at_most_under_rho:{name}"]
        return (below / finite if finite else float("nan")), finite

    def percentiles(self, name: str) -> Summary:
        """10th, 50th and 90th percentiles of column ``name`` over the kept draws' finite
        values (exact while every draw is kept), and the share of all draws where it is
        finite (exact)."""
        finite = self.counted[f"finite:{name}"]
        if finite == 0:
            return Summary(float("nan"), float("nan"), float("nan"), 0.0)
        p10, p50, p90 = self.reservoir.quantiles(name, [10, 50, 90])
        return Summary(float(p10), float(p50), float(p90), float(finite / self.count))

    def kept(self) -> DrawLeverage:
        """The kept draws' results, in draw order (every draw while the reservoir is exact)."""
        columns = self.reservoir.columns()
        return DrawLeverage.from_columns(self.issues, {
            k: v for k, v in columns.items() if not k.startswith(VALUE)})

    def kept_values(self) -> dict[str, np.ndarray]:
        """The parameter values of the kept draws (those folded in with their values)."""
        return {k[len(VALUE):]: v for k, v in self.reservoir.columns().items()
                if k.startswith(VALUE)}

    def settings(self) -> dict[str, Any]:
        """For the audit's settings when the quantiles are a sample (else nothing, so an
        audit whose draws all fit says the same as before there was a reservoir)."""
        return {} if self.reservoir.exact else self.reservoir.settings()


def summary_and_values(deal: Deal, draws: int, seed: int | None, thresholds: Any,
                       given: Any = None, keep_draws: bool = False
                       ) -> tuple[DrawSummary, dict[str, np.ndarray] | None]:
    """An audit's empty :class:`DrawSummary`, and its draws' parameter values if it holds
    them all (None: the draws are streamed, each chunk drawn where it is solved).

    Every draw is kept with ``keep_draws`` or draws ``given`` by a record (at most
    :data:`MAX_KEPT_DRAWS`); else :data:`RESERVOIR` of them.
    """
    kept = keep_draws or (given is not None and not given.empty)
    if kept:
        check_kept(draws, "keeping the draws (keep_draws, --keep-draws)" if keep_draws
                   else "an audit given the record")
    summary = DrawSummary(outcome_box(deal).names, thresholds, draws if kept else RESERVOIR)
    if draws > summary.reservoir.capacity:
        return summary, None
    values = sample_values(deal, draws, seed) if given is None else \
        given.values_for(deal, draws, seed)
    return summary, values


def stream_seed(seed: int | None) -> int:
    """The seed chunks are drawn from: ``seed``, or fresh entropy once for the whole run."""
    return secrets.randbits(63) if seed is None else seed


def chunks_of(solver: DrawSolver, draws: int, size: int, seed: int,
              values: Mapping[str, np.ndarray] | None = None) -> list[DrawChunk]:
    """The audit's draws cut into :class:`DrawChunk` s of ``size`` (sliced from ``values``
    when given, else drawn from ``seed`` where each runs)."""
    return [DrawChunk(solver, a, min(a + size, draws), seed,
                      None if values is None else {k: v[a:a + size] for k, v in values.items()})
            for a in range(0, draws, size)]


def solved_in_order(chunks: Sequence[DrawChunk], *, jobs: Any = 1,
                    executor: Executor | None = None, window: int = 32
                    ) -> Iterator[tuple[DrawChunk, Any]]:
    """Each chunk with its answer, in order, with at most ``window`` answers waiting: on an
    ``executor`` that many chunks are in flight; else waves of chunks run on ``jobs`` forked
    processes (or in turn)."""
    if executor is not None:
        futures: list[Any] = []
        for chunk in chunks:
            futures.append((chunk, executor.submit(chunk)))
            if len(futures) >= window:
                done, future = futures.pop(0)
                yield done, result_of(future)
        for done, future in futures:
            yield done, result_of(future)
        return
    wave = min(window, 4 * jobs_for(jobs, len(chunks)))
    for a in range(0, len(chunks), wave):
        part = list(chunks[a:a + wave])
        yield from zip(part, process_map(_call, part, jobs))


def _call(chunk: DrawChunk) -> Any:
    return chunk()


def streamed(summary: DrawSummary, chunks: Sequence[DrawChunk], *, jobs: Any = 1,
             executor: Executor | None = None, progress: bool | None = None,
             description: str = "assess") -> DrawSummary:
    """``summary`` with every chunk solved and folded in, in order (the same summary however
    the chunks were spread)."""
    with progress_ticks(len(chunks), progress, description, "chunk") as tick:
        for i, (chunk, (columns, drawn)) in enumerate(
                solved_in_order(chunks, jobs=jobs, executor=executor)):
            summary.add(chunk.start, columns, drawn)
            if tick is not None:
                tick(i)
    return summary


def check_kept(draws: int, why: str) -> None:
    """Refuse more draws than can be kept each (:data:`MAX_KEPT_DRAWS`), saying why."""
    if draws > MAX_KEPT_DRAWS:
        raise DealError(f"draws: {why} keeps every draw's results, so it takes at most "
                        f"{MAX_KEPT_DRAWS:,} draws, got {draws:,}")


def solve_audit(work: AuditWork, summary: DrawSummary, *, draws: int, seed: int | None,
                detail: bool, summaries: bool, size: int, ahead: bool, jobs: Any,
                executor: Executor | None, progress: bool | None
                ) -> tuple[AuditWork, dict[Task, Any], Any]:
    """Every draw solved and folded into ``summary``, and the audit's other tasks done.

    ``work.values`` None streams the draws (each chunk drawn where it is solved); the other
    tasks then run on the kept draws, returned as the work's values. Returns that work, the
    tasks' answers, and the jobs the rest of the audit may use (1 beside an executor).
    """
    description = f"assess {work.deal.name}"
    if work.values is None:
        streamed(summary, chunks_of(work.solver, draws, size, stream_seed(seed)), jobs=jobs,
                 executor=executor, progress=progress, description=description)
        work = replace(work, values=summary.kept_values())  # the explanation: kept draws
        tasks = [task for task in work.plan(detail=detail, summaries=summaries, chunk=size,
                                            ahead=ahead)[0] if not isinstance(task, Draws)]
        chunks: list[Draws] = []
    else:
        tasks, chunks = work.plan(detail=detail, summaries=summaries, chunk=size, ahead=ahead)
    if executor is not None:
        if chunks:  # the executor solves the draws first; the rest runs here
            streamed(summary, chunks_of(work.solver, draws, size, 0, work.values),
                     executor=executor, progress=progress, description=description)
            tasks = [task for task in tasks if task not in chunks]
            chunks = []
        jobs = 1
    with progress_ticks(len(tasks), progress, description, "task") as tick:
        done = dict(zip(tasks, process_map(work, tasks, jobs, done=tick)))
    for chunk in chunks:  # in order: the summary is the same however the chunks ran
        summary.add(chunk.start, done.pop(chunk))
    return work, done, jobs


def draws_table(result: DrawLeverage, values: Mapping[str, np.ndarray]) -> "pd.DataFrame":
    """Every kept draw as one row: its parameter values, then its results (the benchmark and
    the package better for both, one column per issue).

    >>> from deals.audit.leverage import DrawLeverage
    >>> one = np.ones(2)
    >>> r = DrawLeverage.from_columns(("chips",), {**{k: one for k in PER_DRAW},
    ...     "benchmark": np.ones((2, 1)), "better": np.ones((2, 1))})
    >>> list(draws_table(r, {"cost": one}).columns[:2])
    ['cost', 'supplier_gain']
    """
    import pandas as pd  # start-up time: only a kept table needs pandas here

    columns: dict[str, np.ndarray] = {k: np.asarray(v) for k, v in values.items()}
    columns.update({k: getattr(result, k) for k in PER_DRAW})
    for i, issue in enumerate(result.issues):
        columns[f"benchmark {issue}"] = result.benchmark[:, i]
        columns[f"better {issue}"] = result.better[:, i]
    return pd.DataFrame(columns, index=pd.RangeIndex(len(result), name="draw"))


#: The one-number-per-draw results of :class:`deals.audit.leverage.DrawLeverage`, in order.
PER_DRAW = tuple(f.name for f in fields(DrawLeverage)
                 if f.name not in ("issues", "benchmark", "better"))
