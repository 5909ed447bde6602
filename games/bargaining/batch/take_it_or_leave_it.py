"""Find player 1's best take-it-or-leave-it package when player 2's type is one of the draws.

:func:`optimal_ask` maximises player 1's expected gain E[g_1(x) 1{g_2(x) >= 0}] over one
package for all the draws (the monopoly-pricing trade-off of the ultimatum game): a grid scan
over every draw, then coordinate line searches through each draw's acceptance threshold
(:func:`games.bargaining.ask.coordinate_ascent`).

>>> import numpy as np
>>> p = BatchProblem(lambda x, q: (1 - x["s"], x["s"] - q["r"]), Box({"s": (0.0, 1.0)}),
...                  {"r": np.array([0.3])}, (0.0, 0.0))
>>> round(optimal_ask(p).package["s"], 3)        # one type: ask exactly its reserve
0.3
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from games.bargaining.ask import accepted_sums, coordinate_ascent
from games.bargaining.batch.stack import BatchProblem, grid_gains
from games.compiled import optional_module
from games.optimise.outcome_space import Box

__all__ = ["STARTS", "KEPT_CELLS", "TakeItOrLeaveIt", "optimal_ask"]

#: Grid packages the take-it-or-leave-it search starts from (the best ones of its scan).
STARTS = 2
#: Most gains (draws x packages) the take-it-or-leave-it search keeps from its last calls
#: (16 bytes each, both players': 16 MiB); a call with more is not kept, so memory stays
#: set by one call at any number of draws.
KEPT_CELLS = 1 << 20
#: The compiled copy of :func:`_gathered` (games/bargaining/_ask.c), or None: not built, or
#: CHIPDEALS_PURE set (:mod:`games.compiled`). Tests set it to None to compare the two.
_COMPILED = optional_module("games.bargaining._ask")


@dataclass(frozen=True, eq=False)
class TakeItOrLeaveIt:
    """Player 1's best single take-it-or-leave-it package against the draws, and its fate."""

    package: Mapping[str, float]
    acceptance: float
    expected_gain: float
    gains: tuple[np.ndarray, np.ndarray]
    method: str
    settings: Mapping[str, Any] = field(default_factory=dict)


def _packages_of(problem: BatchProblem, fixed: Mapping[str, float], moving: list[str],
                 kept: list | None = None) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Both gains (draws, c) at c packages (c, len(moving)) of the ``moving`` issues, the
    others at ``fixed``: what :func:`games.bargaining.ask.coordinate_ascent` evaluates.

    Each distinct package is evaluated once a call, and a package one of the last calls
    evaluated (``kept``, a list shared by the searches of one problem, at most KEPT_CELLS
    gains) is taken from there: a line search asks again its point on every line and, after
    zooming in, the same straight lines. Each package's gains are those of its own call (the
    utilities act per draw and package)."""
    others = tuple(float(v) for k, v in fixed.items() if k not in moving)
    kept = [] if kept is None else kept

    def evaluate(packages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = [p.tobytes() for p in np.asarray(packages, dtype=float)]
        wanted, found = set(keys), {}
        for tag, index, tables in kept:
            if tag == others:
                found.update({key: (tables, j) for key, j in index.items() if key in wanted})
        fresh = list(dict.fromkeys(key for key in keys if key not in found))
        if fresh:
            first = {key: c for c, key in reversed(list(enumerate(keys)))}
            new = packages[[first[key] for key in fresh]]
            outcome = _outcome_of(fixed, moving, new, problem.elementwise)
            # gains refuses a non-finite value wherever the search steps
            made = tuple(np.broadcast_to(g, (problem.draws, len(new)))
                         for g in problem.gains(outcome))
            index = {key: j for j, key in enumerate(fresh)}
            found.update({key: (made, j) for key, j in index.items()})
            kept.append((others, index, made))
            while kept and sum(len(e[1]) for e in kept) * problem.draws > KEPT_CELLS:
                kept.pop(0)
        if fresh and len(fresh) == len(keys):
            return made  # nothing known, nothing twice: as evaluated
        groups: dict[int, tuple[tuple, list, list]] = {}   # by the call that has them
        for c, key in enumerate(keys):
            tables, j = found[key]
            group = groups.setdefault(id(tables), (tables, [], []))
            group[1].append(c)
            group[2].append(j)
        return _gathered(list(groups.values()), problem.draws)
    return evaluate


def _outcome_of(fixed: Mapping[str, float], moving: list[str], packages: np.ndarray,
                elementwise: bool) -> dict[str, np.ndarray]:
    """The issues at ``packages`` (c, len(moving)), the others at ``fixed``, as arrays (1, c).
    With utilities acting element by element, an issue that is one number for all the
    packages (a fixed one, or a moving one the packages share to the bit) is passed as that
    number (1, 1), so its terms are worked out once per draw: the same numbers."""
    if not elementwise:
        outcome = {k: np.full((1, len(packages)), v) for k, v in fixed.items()}
        outcome.update({k: packages[None, :, j] for j, k in enumerate(moving)})
        return outcome
    bits = np.ascontiguousarray(packages, dtype=float).view(np.int64)
    shared = (bits == bits[:1]).all(axis=0)
    outcome = {k: np.full((1, 1), v) for k, v in fixed.items()}
    outcome.update({k: np.full((1, 1), packages[0, j]) if shared[j] else packages[None, :, j]
                    for j, k in enumerate(moving)})
    return outcome


def _gathered(groups: list[tuple[tuple, list, list]], draws: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Both gains (draws, c) gathered from the tables of several calls: a group (tables,
    columns, taken) puts the columns ``taken`` of its two tables at ``columns`` of the result.

    Only copies: each table's columns are taken at once and set side by side, then put in
    order by one more take, which is quicker than assigning into scattered columns."""
    if not groups:
        return np.empty((draws, 0)), np.empty((draws, 0))
    if _COMPILED is not None:
        return _gathered_by_kernel(groups, draws)
    order = np.concatenate([columns for _, columns, _ in groups])
    place = np.empty_like(order)
    place[order] = np.arange(order.size)  # where each column of the result is, side by side
    in_order = bool((place == np.arange(place.size)).all())
    out = []
    for player in (0, 1):
        parts = [np.take(tables[player], taken, axis=1) for tables, _, taken in groups]
        whole = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        out.append(whole if in_order else np.take(whole, place, axis=1))
    return out[0], out[1]


def _gathered_by_kernel(groups: list[tuple[tuple, list, list]], draws: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_gathered` by the compiled loop: each column of the result copied from its table,
    row by row, in one pass (the same values)."""
    size = sum(len(columns) for _, columns, _ in groups)
    which, column = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
    for g, (_, columns, taken) in enumerate(groups):
        which[columns] = g
        column[columns] = taken
    out = np.empty((draws, size)), np.empty((draws, size))
    _COMPILED.gather(*out, tuple(tables[0] for tables, _, _ in groups),
                     tuple(tables[1] for tables, _, _ in groups), which, column, draws, size)
    return out


def optimal_ask(problem: BatchProblem, *, grid_points: int = 150, chunk: int = 2_000,
                resolution: float = 1e-3, search_draws: int = 2_000,
                polish_draws: int = 20_000) -> TakeItOrLeaveIt:
    """Player 1's best take-it-or-leave-it package when player 2's type is one of the draws.

    Maximises the expected gain E[g_1(x) 1{g_2(x) >= 0}] over the draws (each equally likely):
    one package for all draws, since player 1 does not know which draw holds; player 2 accepts
    any package that leaves it no worse than disagreement (the monopoly-pricing trade-off of
    the ultimatum game, Osborne, *An Introduction to Game Theory*, 2004, ch. 6). A grid scan
    over all draws (in chunks of ``chunk``, so memory does not grow with the draws) picks the
    two best grid packages; a coordinate search refines each on the first ``search_draws``
    draws (:func:`games.bargaining.ask.coordinate_ascent`): along each issue the objective
    only jumps where a draw stops or starts accepting, so every draw's threshold on the line is
    a candidate (exact where the gains are affine along the issue), the lines zoom in to
    ``resolution`` of each range where the gains curve, and the ridges where a threshold runs
    across the issues are followed. The answer is then evaluated on all draws. A local search:
    it never ends below the grid's best package, and along every issue where the gains are
    affine no move improves it. With more draws than ``search_draws``, the search goes on from
    its answer over the first ``polish_draws`` of them (at most), so the answer is not fitted to
    the first sample alone. One draw gives the full-information ask.

    >>> import numpy as np
    >>> reserve = np.array([0.1, 0.2, 0.6])         # player 2 needs at least this share
    >>> p = BatchProblem(lambda x, q: (1 - x["s"], x["s"] - q["r"]), Box({"s": (0.0, 1.0)}),
    ...                  {"r": reserve}, (0.0, 0.0))
    >>> ask = optimal_ask(p)
    >>> round(ask.package["s"], 3), round(ask.acceptance, 3), round(ask.expected_gain, 3)
    (0.2, 0.667, 0.533)
    """
    box, n = problem.box, problem.draws
    grid = box.grid(grid_points)
    size = len(next(iter(grid.values())))
    total = np.zeros(size)
    axes = box.grid_axes(grid_points) if problem.elementwise and box.names else None
    for a in range(0, n, chunk):
        g_1, g_2 = grid_gains(problem, grid, axes, slice(a, a + chunk))
        total += accepted_sums(g_1, g_2)
    search = problem.take(slice(0, search_draws))
    moving = [k for k in box.names if box.is_continuous(k)]
    lows = np.array([box.bounds(k)[0] for k in moving])
    highs = np.array([box.bounds(k)[1] for k in moving])
    candidates, memo, kept = [], {}, []
    for index in np.argsort(-total, kind="stable")[:STARTS]:
        fixed = {k: float(grid[k][index]) for k in box.names}
        if not moving:
            candidates.append((total[index] / n, fixed))
            continue
        x, value, _ = coordinate_ascent(_packages_of(search, fixed, moving, kept), lows, highs,
                                        [fixed[k] for k in moving], resolution=resolution,
                                        memo=memo)
        candidates.append((value, {**fixed, **{k: float(v) for k, v in zip(moving, x)}}))
    package = max(candidates, key=lambda c: c[0])[1]
    polish = problem.take(slice(0, max(search.draws, min(n, polish_draws))))
    if moving and polish.draws > search.draws:
        # The search's sample is not all the draws: go on from its answer on more of them.
        x, _, _ = coordinate_ascent(_packages_of(polish, package, moving), lows, highs,
                                    [package[k] for k in moving], resolution=resolution)
        package = {**package, **{k: float(v) for k, v in zip(moving, x)}}
    g_1, g_2 = (g[:, 0] for g in problem.gains({k: np.full((1, 1), v)
                                                for k, v in package.items()}))
    accepted = g_2 >= 0
    return TakeItOrLeaveIt(package, float(np.mean(accepted)),
                           float(np.mean(np.where(accepted, g_1, 0.0))), (g_1, g_2),
                           "grid scan over all draws, then coordinate line searches through every draw's "
                           "acceptance threshold, from the best two",
                           {"grid_points": grid_points, "resolution": resolution,
                            "search_draws": search.draws, "polish_draws": polish.draws,
                            "chunk": chunk})
