"""Test each draw's zone of agreement, or find a package better for both than a given one.

Both are the max-min problem max_x min((g_1(x) - o_1) / r_1, (g_2(x) - o_2) / r_2), gains in
units of each player's range r_i over the box: :func:`zone_test` measures from the
disagreement point (o = 0), :func:`better_for_both` from a package p (o_i = g_i(p)); Raiffa,
*The Art and Science of Negotiation* (1982). A grid scan starts it; a linear programme per draw
solves it exactly where the gains are affine, a split search where they are affine in all issues
but one, and otherwise a compass search or homotopy, then sequential LP steps.

>>> import numpy as np
>>> p = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}), {}, (0.0, 0.0),
...                  linear=True)
>>> zone_test(p).margin.round(6).tolist()       # an even split: half of each range
[0.5]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from games.bargaining.affine_split import split_maximin, split_method
from games.bargaining.batch.affine import SPLIT_RESOLUTION, spans
from games.bargaining.batch.stack import (GAIN_TOLERANCE, BatchProblem, GridScan, first_step,
                                          scan)
from games.optimise import maximin_by_homotopy, maximin_by_lp_steps
from games.optimise.box_search import maximise
from games.optimise.outcome_space import Box

__all__ = ["LP_ROUNDS", "GRID_BLOCK", "BatchMaximin", "zone_test", "better_for_both"]

#: Most rounds of LP steps (each at least quarters the trust region or gains; they converge in
#: far fewer on smooth problems).
LP_ROUNDS = 60
#: Draws whose margins over the grid are worked out at once (a block stays in the cache).
GRID_BLOCK = 128


@dataclass(frozen=True, eq=False)
class BatchMaximin:
    """Per draw, the largest common improvement ``margin`` (gain-range units) and its outcome.

    For :func:`zone_test` the improvement is over the disagreement point (``empty``: no outcome
    gives both players a positive gain); for :func:`better_for_both` over the given package.
    """

    margin: np.ndarray
    points: Mapping[str, np.ndarray]
    units: tuple[np.ndarray, np.ndarray]
    method: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> np.ndarray:
        """True where no outcome improves on the reference for both players."""
        return self.margin <= GAIN_TOLERANCE


def zone_test(problem: BatchProblem, *, grid: GridScan | None = None, grid_points: int = 350,
              resolution: float = 1e-4, max_rounds: int = 60,
              enough: float | None = None) -> BatchMaximin:
    """Whether each draw's zone of agreement is empty, with its margin (gain-range units).

    The margin is max_x min(g_1(x) / r_1, g_2(x) / r_2): positive exactly when some outcome
    gives both players a positive gain, and then the outcome found lies in the zone.
    ``enough``: draws whose grid scan already shows a margin at least this large are not
    refined (a small positive value settles emptiness at the cost of a margin that is only a
    lower bound where the zone is plainly not empty).

    >>> import numpy as np
    >>> p = BatchProblem(lambda x, q: (x["s"] - q["c"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
    ...                  {"c": np.array([0.2, 1.5])}, (0.0, 0.0), linear=True)
    >>> zone_test(p).empty.tolist()                # a surplus of 0.8, then none at all
    [False, True]
    """
    grid = grid or scan(problem, grid_points)
    zero = np.zeros(problem.draws)
    return _maximin(problem, (zero, zero), grid, resolution, max_rounds, enough)


def better_for_both(problem: BatchProblem, package: Mapping[str, ArrayLike], *,
                    grid: GridScan | None = None, grid_points: int = 350,
                    resolution: float = 1e-4, max_rounds: int = 60,
                    enough: float | None = None) -> BatchMaximin:
    """The largest common improvement over ``package`` per draw, and the package achieving it.

    margin = max_x min((g_1(x) - g_1(p)) / r_1, (g_2(x) - g_2(p)) / r_2), each side's gain in
    units of its range r_i over the box: positive where another outcome is better for both,
    0 where p is Pareto optimal. ``enough``: draws whose grid scan already shows a margin at
    least this large are not refined (their margin is then a lower bound, at least ``enough``);
    ignored for linear problems, whose exact answer costs no more than the scan.

    >>> import numpy as np
    >>> def u(x, q):                   # player 1 values only y; player 2 gives y, wants z
    ...     return x["y"], 1 - x["y"] + x["z"]
    >>> p = BatchProblem(u, Box({"y": (0.0, 1.0), "z": (0.0, 1.0)}), {}, (0.0, 0.0), linear=True)
    >>> round(float(better_for_both(p, {"y": 0.5, "z": 0.0}).margin[0]), 6)
    0.333333
    """
    grid = grid or scan(problem, grid_points)
    g_1, g_2 = problem.gains({k: np.asarray(v, dtype=float).reshape(-1, 1)
                              for k, v in package.items()})
    offsets = (g_1[:, 0].copy(), g_2[:, 0].copy())
    return _maximin(problem, offsets, grid, resolution, max_rounds, enough, package)


def _maximin(problem: BatchProblem, offsets: tuple[np.ndarray, np.ndarray], grid: GridScan,
             resolution: float, max_rounds: int, enough: float | None,
             package: Mapping[str, ArrayLike] | None = None) -> BatchMaximin:
    """max_x min((g_1 - o_1) / r_1, (g_2 - o_2) / r_2) per draw: grid scan, then LP steps (or,
    with the problem's ``affine`` issues and one issue left, an LP in those per value of the
    one left, which is searched: :func:`games.bargaining.affine_split.split_maximin`).

    With ``package`` (whose margin is 0 by definition), a draw where nothing better was found
    reports the package itself and margin 0.
    """
    n = problem.draws
    r_1, r_2 = grid.units
    rows = np.arange(n)
    best, margin = _best_margin_on_grid(grid, offsets)
    points = {k: v[best].astype(float) for k, v in grid.grid.items()}
    linear = problem.linear and all(problem.box.is_continuous(k) or not spans(problem.box, k)
                                    for k in problem.box.names)
    todo = rows if enough is None or linear else rows[margin < enough]  # an LP is cheap
    method = ("linear programme per draw (exact), checked against a grid scan" if linear else
              "grid scan, compass search, then sequential linear programming (trust region)")
    zero = [_all_positive_zero(o) for o in offsets]

    def pair_over(chosen: np.ndarray) -> Callable:
        def pair(r, x):
            picked = chosen[r]
            g_1, g_2 = problem.gains(x, picked)
            # g - (+0.0) is g, bit for bit: a zero offset is not subtracted
            if not zero[0]:
                g_1 = g_1 - offsets[0][picked][:, None]
            if not zero[1]:
                g_2 = g_2 - offsets[1][picked][:, None]
            return g_1 / r_1[picked][:, None], g_2 / r_2[picked][:, None]
        return pair

    def keep(chosen: np.ndarray, found: Mapping[str, np.ndarray], value: np.ndarray) -> None:
        better = value > margin[chosen]
        margin[chosen[better]] = value[better]
        for k in points:
            points[k][chosen[better]] = found[k][better]

    step = first_step(problem.box, grid)
    split = np.zeros(n, dtype=bool)
    if todo.size and not linear:
        answer = split_maximin(problem, todo, offsets, (r_1, r_2),
                               {k: v[todo] for k, v in points.items()},
                               resolution * SPLIT_RESOLUTION[1])
        if answer is not None:
            keep(todo[answer.exact], {k: v[answer.exact] for k, v in answer.points.items()},
                 answer.values[answer.exact])
            split[todo[answer.exact]] = True
            todo = todo[~answer.exact]
            if split.any():
                method = split_method(problem, "a linear programme by its dual") + (
                    "" if not todo.size else f"; elsewhere {method}")
    if todo.size and not linear:
        # better for both: a compass search (it steps across kinks along the issues); the zone
        # test: a smooth homotopy (it enters thin wedges the grid missed).
        start = {k: v[todo] for k, v in points.items()}
        if package is not None:
            compass = maximise(lambda r, **x: np.minimum(*pair_over(todo)(r, x)), problem.box,
                               todo.size, start=start, resolution=resolution, first_step=step,
                               max_rounds=max_rounds, by_rows=True)
            keep(todo, compass.points, compass.values)
        else:
            keep(todo, *maximin_by_homotopy(pair_over(todo), problem.box, start, margin[todo],
                                            resolution, max_rounds, step, GAIN_TOLERANCE))
        if enough is not None:
            todo = todo[margin[todo] < enough]
    if todo.size:
        # LP steps from there: they follow the crease where the two gains are equal.
        keep(todo, *maximin_by_lp_steps(pair_over(todo), problem.box,
                              {k: v[todo] for k, v in points.items()}, margin[todo],
                              resolution, min(max_rounds, LP_ROUNDS), whole_box=linear))
    if package is not None:  # the package itself improves on itself by exactly 0
        behind = margin < 0
        margin[behind] = 0.0
        for k in points:
            points[k][behind] = np.broadcast_to(np.asarray(package[k], dtype=float), (n,))[behind]
    return BatchMaximin(margin, points, (r_1, r_2), method,
                        {"grid_points": grid.grid_points, "resolution": resolution,
                         "max_rounds": max_rounds, "tolerance": GAIN_TOLERANCE,
                         "enough": enough})


def _best_margin_on_grid(grid: GridScan, offsets: tuple[np.ndarray, np.ndarray]
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Each draw's best grid outcome for min((g_1 - o_1) / r_1, (g_2 - o_2) / r_2) (the first
    of equals) and that margin, GRID_BLOCK draws at a time: the same numbers as over the whole
    table, with its temporaries in the processor's cache."""
    (g_1, g_2), (r_1, r_2) = grid.gains, grid.units
    n, size = g_1.shape
    best, margin = np.empty(n, dtype=np.intp), np.empty(n)
    first, second = np.empty((GRID_BLOCK, size)), np.empty((GRID_BLOCK, size))
    # g - (+0.0) is g, bit for bit (-0.0, infinities and NaN included): no offset, no subtraction
    shift = [not _all_positive_zero(o) for o in offsets]
    for a in range(0, n, GRID_BLOCK):
        b = min(n, a + GRID_BLOCK)
        one, two = first[:b - a], second[:b - a]
        for out, g, o, r, moved in ((one, g_1, offsets[0], r_1, shift[0]),
                                    (two, g_2, offsets[1], r_2, shift[1])):
            if moved:
                np.subtract(g[a:b], o[a:b, None], out=out)
                out /= r[a:b, None]
            else:
                np.divide(g[a:b], r[a:b, None], out=out)
        np.minimum(one, two, out=one)
        best[a:b] = np.argmax(one, axis=1)
        margin[a:b] = one[np.arange(b - a), best[a:b]]
    return best, margin


def _all_positive_zero(v: np.ndarray) -> bool:
    return not (np.any(v) or np.any(np.signbit(v)))
