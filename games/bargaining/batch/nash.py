"""Find the asymmetric Nash solution of every draw of a batch problem at once.

:func:`nash_benchmark` maximises beta log g_1 + (1 - beta) log g_2 over the outcomes with
both gains positive, one power beta per draw (Nash 1950; Kalai 1977 for the asymmetric form):
exactly where the gains are affine in the issues, by a split search where they are affine in
all issues but one, and otherwise from the best grid outcome by a compass search.

>>> import numpy as np
>>> p = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}), {}, (0.0, 0.0))
>>> nash_benchmark(p, power=[0.5]).points["s"].round(4).tolist()
[0.5]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from games.bargaining.affine_split import MAX_SEARCHED_NASH, split_method, split_nash
from games.bargaining.batch.affine import SPLIT_RESOLUTION, affine_gains
from games.bargaining.batch.maximin import BatchMaximin, zone_test
from games.bargaining.batch.stack import (BLOCK_CELLS, GAIN_TOLERANCE, BatchProblem, GridScan,
                                          first_step, scan)
from games.errors import BargainingError
from games.optimise.box_search import maximise
from games.optimise.nash_product import linear_nash_product
from games.optimise.outcome_space import Box

__all__ = ["EXACT_NASH", "BatchNash", "nash_benchmark"]

#: The method of :func:`nash_benchmark` on draws whose utilities are affine in the issues.
EXACT_NASH = ("Nash product on the Pareto frontier's edges (exact: utilities affine in the "
              "issues, checked at the box's corners and an inner point)")


@dataclass(frozen=True, eq=False)
class BatchNash:
    """Asymmetric Nash solution per draw: the outcome, both gains, whether there is agreement."""

    points: Mapping[str, np.ndarray]
    gains: tuple[np.ndarray, np.ndarray]
    agreement: np.ndarray
    power: np.ndarray
    method: str
    settings: Mapping[str, Any] = field(default_factory=dict)


def _objective_rows(problem: BatchProblem, value: Callable[..., np.ndarray], rows: np.ndarray):
    """An objective for :func:`games.optimise.box_search.maximise` over the draws ``rows``."""
    def objective(r, **x):
        picked = rows[r]
        return value(picked, *problem.gains(x, picked))
    return objective


def nash_benchmark(problem: BatchProblem, power: ArrayLike = 0.5, *,
                   grid: GridScan | None = None, zone: BatchMaximin | None = None,
                   grid_points: int = 350, resolution: float = 1e-4,
                   max_rounds: int = 60) -> BatchNash:
    """The asymmetric Nash solution of every draw: argmax beta log g_1 + (1 - beta) log g_2.

    ``power`` (beta, player 1's bargaining power) is one number or one per draw. The best grid
    outcome is refined by a vectorised compass search on the (smooth) log Nash product until
    its step is below ``resolution`` of each range; where the grid holds no outcome with both
    gains positive the search starts from the :func:`zone_test` outcome, and a draw whose zone
    is empty has no agreement (points NaN). Draws whose gains are affine in every issue are
    solved exactly (``linear``); with the problem's ``affine`` issues and one issue left, the
    affine issues are solved exactly for each value of the one left, which is searched to
    ``resolution`` x SPLIT_RESOLUTION[0] of its range (:func:`games.bargaining.affine_split.
    split_nash`); ``method`` says which. Nash (1950), Kalai (1977).

    >>> import numpy as np
    >>> p = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}), {},
    ...                  (0.0, 0.0))
    >>> round(float(nash_benchmark(p, power=0.3).points["s"][0]), 4)
    0.3
    """
    grid = grid or scan(problem, grid_points)
    n = problem.draws
    beta = np.broadcast_to(np.asarray(power, dtype=float), (n,)).copy()
    if not np.all((beta >= 0) & (beta <= 1)):
        raise BargainingError("power must lie in [0, 1] for every draw")

    def log_product(rows, g_1, g_2):
        b = beta[rows][:, None]
        with np.errstate(all="ignore"):
            value = b * np.log(g_1) + (1 - b) * np.log(g_2)
        return np.where((g_1 > 0) & (g_2 > 0), value, -np.inf)

    rows = np.arange(n)
    points = {k: np.full(n, np.nan) for k in problem.box.names}
    exact = _exact_nash(problem, beta, points)
    best, found = _best_on_grid(beta, *grid.gains)
    found &= ~exact
    start = {k: v[best].astype(float) for k, v in grid.grid.items()}
    missed = rows[~found & ~exact]
    if missed.size:
        zone = zone or zone_test(problem, grid=grid, resolution=resolution, max_rounds=max_rounds)
        for k in start:
            start[k][missed] = zone.points[k][missed]
        found = found | (~zone.empty & ~exact)
    todo = rows[found]
    split = np.zeros(n, dtype=bool)
    if todo.size:
        answer = split_nash(problem, todo, beta, {k: v[todo] for k, v in start.items()},
                            resolution * SPLIT_RESOLUTION[0])
        if answer is not None:
            held = todo[answer.exact]
            for k in points:
                points[k][held] = answer.points[k][answer.exact]
            split[held] = True
            todo = todo[~answer.exact]
    if todo.size:
        result = maximise(_objective_rows(problem, log_product, todo), problem.box, todo.size,
                          start={k: v[todo] for k, v in start.items()}, resolution=resolution,
                          first_step=first_step(problem.box, grid), max_rounds=max_rounds,
                          by_rows=True)
        for k in points:
            points[k][todo] = result.points[k]
    g_1, g_2 = (g[:, 0] for g in problem.gains({k: v[:, None] for k, v in points.items()}))
    agreement = ((g_1 > GAIN_TOLERANCE * grid.units[0]) & (g_2 > GAIN_TOLERANCE * grid.units[1]))
    return BatchNash(points, (g_1, g_2), agreement, beta, _nash_method(problem, exact, split),
                     {"grid_points": grid.grid_points, "resolution": resolution,
                      "max_rounds": max_rounds, "tolerance": GAIN_TOLERANCE,
                      "exact_draws": int(exact.sum()), "split_draws": int(split.sum())})


def _best_on_grid(beta: np.ndarray, g_1: np.ndarray, g_2: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per draw (row), the column of the largest log Nash product beta log g_1 + (1 - beta)
    log g_2 over a grid scan (minus infinity where a gain is not positive; the first of
    equals) and whether it is finite: the argmax of :func:`nash_benchmark`'s ``log_product``
    over the whole table, the same numbers. The table is reduced a block of rows at a time
    (its temporaries stay in the processor's cache), and where few cells have both gains
    positive (a narrow zone) the logs are taken there only.

    >>> g = np.array([[1.0, 2.0, -1.0], [0.0, -2.0, 3.0], [-1.0, 0.0, -1.0]])
    >>> best, finite = _best_on_grid(np.array([0.5, 0.5, 0.5]), g, g)
    >>> best.tolist(), finite.tolist()
    ([1, 2, 0], [True, True, False])
    """
    n, m = g_1.shape
    best, finite = np.empty(n, dtype=np.intp), np.empty(n, dtype=bool)
    step = max(1, BLOCK_CELLS // max(1, m))
    with np.errstate(all="ignore"):
        for a in range(0, n, step):
            h_1, h_2 = g_1[a:a + step], g_2[a:a + step]
            b = beta[a:a + step][:, None]
            inside = h_1 > 0
            inside &= h_2 > 0
            if np.count_nonzero(inside) < inside.size // 4:  # the logs where both are > 0
                if _best_of_few(h_1, h_2, b[:, 0], inside, best[a:a + step],
                                finite[a:a + step]):
                    continue
                value, other = np.full(inside.shape, -np.inf), np.empty(inside.shape)
                np.log(h_1, out=value, where=inside)
                np.multiply(value, b, out=value, where=inside)
                np.log(h_2, out=other, where=inside)
                np.multiply(other, 1 - b, out=other, where=inside)
                np.add(value, other, out=value, where=inside)
            else:  # b * log(g_1) + (1 - b) * log(g_2) in place, -inf outside
                value = np.log(h_1)
                value *= b
                other = np.log(h_2)
                other *= 1 - b
                value += other
                np.copyto(value, -np.inf, where=~inside)
            at = np.argmax(value, axis=1)
            best[a:a + step] = at
            finite[a:a + step] = np.isfinite(value[np.arange(len(at)), at])
    return best, finite


def _best_of_few(h_1: np.ndarray, h_2: np.ndarray, b: np.ndarray, inside: np.ndarray,
                 best: np.ndarray, finite: np.ndarray) -> bool:
    """:func:`_best_on_grid` of one block whose few cells ``inside`` have both gains positive,
    working on those cells only: each cell's b log g_1 + (1 - b) log g_2 is the same sequence
    of operations, and a row's first cell holding its largest value is the argmax of the row
    with minus infinity elsewhere (a row with no such cell: column 0, not finite). Writes
    ``best`` and ``finite``; False (nothing written) if a value is not finite (NaN would win
    an argmax), for the caller's plain path."""
    cells = np.flatnonzero(inside)                  # row by row, columns in order
    rows = cells // inside.shape[1]
    cols = cells - rows * inside.shape[1]
    value = np.log(h_1.reshape(-1)[cells])
    value *= b[rows]
    other = np.log(h_2.reshape(-1)[cells])
    other *= (1 - b)[rows]
    value += other
    if not np.isfinite(np.add.reduce(value)):
        return False
    best[:], finite[:] = 0, False
    if rows.size:
        starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
        top = np.maximum.reduceat(value, starts)
        hits = np.flatnonzero(value == np.repeat(top, np.diff(np.append(starts, rows.size))))
        first = hits[np.concatenate(([True], rows[hits[1:]] != rows[hits[:-1]]))]
        best[rows[first]], finite[rows[first]] = cols[first], True
    return True


def _nash_method(problem: BatchProblem, exact: np.ndarray, split: np.ndarray) -> str:
    """The method string of :func:`nash_benchmark`: one part per way draws were solved."""
    parts = []
    if exact.any():
        parts.append(EXACT_NASH + ("" if exact.all() else " where affine"))
    if split.any():
        parts.append(split_method(problem, "the Nash product on the Pareto frontier's edges",
                                  MAX_SEARCHED_NASH))
    if not (exact | split).all():
        parts.append("grid scan, then compass search on the log Nash product"
                     + (" elsewhere" if parts else ""))
    return "; ".join(parts)


def _exact_nash(problem: BatchProblem, beta: np.ndarray, points: dict[str, np.ndarray]
                ) -> np.ndarray:
    """Solve the draws whose gains are affine exactly (:func:`games.optimise.nash_product.
    linear_nash_product`), writing their points; True where solved (found or no zone)."""
    found = affine_gains(problem)
    if found is None:
        return np.zeros(problem.draws, dtype=bool)
    a, a0, b, b0, affine = found
    box = problem.box
    moving = [k for k in box.names if box.is_continuous(k)]
    rows = np.flatnonzero(affine)
    lo = [box.bounds(k)[0] for k in moving]
    hi = [box.bounds(k)[1] for k in moving]
    nash = linear_nash_product(a[rows], a0[rows], b[rows], b0[rows], lo, hi, beta[rows])
    agreed = np.isfinite(nash.values)
    for k in box.names:
        if k in moving:
            value = nash.points[:, moving.index(k)]
        else:
            value = np.full(rows.size, box.bounds(k)[0])
        points[k][rows[agreed]] = value[agreed]
    return affine
