"""Maximise many objectives over one box at once: a grid scan, then a vectorised pattern search.

Parameter sweeps need the same optimisation (a Nash product, a maximin, an expected payoff)
solved for thousands of parameter draws. Calling a scipy optimiser per draw costs a Python loop;
here every draw moves together. The box's continuous coordinates start from the best point of a
coarse grid and move by compass (pattern) search with step halving until the step is below a
stated resolution; discrete coordinates keep the grid's best level. Each draw's path depends only
on its own objective values, so results do not depend on how draws are chunked.

The scan is exhaustive on the grid, the refinement local: on objectives with several separated
optima finer than the grid the answer is a local optimum near the best grid point. The result
records the grid size and the final step so a caller can state its resolution.

>>> import numpy as np
>>> box = Box({"x": (0.0, 1.0), "y": (0.0, 1.0)})
>>> centres = np.array([0.3, 0.8])          # two draws, each with its own optimum at (c, 1 - c)
>>> def f(x, y):
...     return -(x - centres[:, None]) ** 2 - (y - 1 + centres[:, None]) ** 2
>>> best = maximise(f, box, draws=2)
>>> np.round(best.points["x"], 4).tolist(), np.round(best.points["y"], 4).tolist()
([0.3, 0.8], [0.7, 0.2])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from games.optimise.outcome_space import Box

#: Most pattern moves (each twice as long as the one before) after one round of polling.
MAX_STRIDES = 4


@dataclass(frozen=True)
class SearchResult:
    """Best points found per draw, their objective values, and the resolution reached."""

    points: Mapping[str, np.ndarray]
    values: np.ndarray
    grid_size: int
    resolution: Mapping[str, float]


Objective = Callable[..., np.ndarray]


def scan(objective: Objective, grid: Mapping[str, np.ndarray], draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Objective values on the grid for every draw, shape (draws, grid points), and argmax."""
    values = np.asarray(objective(**{k: v[None, :] for k, v in grid.items()}), dtype=float)
    size = len(next(iter(grid.values())))
    values = np.broadcast_to(values, (draws, size))
    values = np.where(np.isnan(values), -np.inf, values)
    return values, np.argmax(values, axis=1)


def maximise(objective: Objective, box: Box, draws: int, *, grid_points: int = 2_000,
             resolution: float = 1e-6, max_rounds: int = 200,
             start: Mapping[str, np.ndarray] | None = None,
             first_step: float = 0.125, by_rows: bool = False) -> SearchResult:
    """Maximise ``objective(**coords)`` over ``box`` separately for each of ``draws`` draws.

    ``objective`` receives each coordinate as a 2-D array: shape (1, n) on the grid scan and
    (draws, 1) during refinement, so per-draw data of shape (draws, 1) broadcasts against both;
    it returns values of shape (draws, n) or (draws, 1). NaN counts as minus infinity. ``resolution`` is the final step as a share of each
    continuous range. ``start`` replaces the grid scan with given starting points (one per draw),
    from which the search first moves by ``first_step`` of each range. With ``by_rows=True``
    the refinement calls ``objective(rows, **coords)`` with ``rows`` the indices of the draws
    still moving (coordinates of shape (len(rows), 1)), so converged draws cost nothing.
    """
    if start is None:
        grid = box.grid(grid_points)
        values, best = scan(objective, grid, draws)
        points = {k: v[best].astype(float) for k, v in grid.items()}
        current = values[np.arange(draws), best].copy()
        per_axis = {k: len(np.unique(v)) for k, v in grid.items()}
        grid_size = len(next(iter(grid.values())))
    else:
        points = {k: np.broadcast_to(np.asarray(start[k], dtype=float), (draws,)).copy()
                  for k in box.names}
        current = _evaluate(objective, points, np.arange(draws), by_rows)
        per_axis = {k: 1 + 1 / first_step for k in box.names}
        grid_size = 0
    moving = [k for k in box.names if box.is_continuous(k)]
    spans = {k: box.bounds(k)[1] - box.bounds(k)[0] for k in moving}
    step = {k: np.full(draws, spans[k] / max(2, per_axis[k] - 1)) for k in moving}
    for _ in range(max_rounds):
        if not moving:
            break
        active = np.zeros(draws, dtype=bool)
        for k in moving:
            active |= step[k] > resolution * spans[k]
        if not active.any():
            break
        improved = np.zeros(draws, dtype=bool)
        rows = np.flatnonzero(active) if by_rows else np.arange(draws)
        base = {k: points[k].copy() for k in moving}
        for k in moving:
            lo, hi = box.bounds(k)
            for sign in (1.0, -1.0):
                trial = {name: v[rows] for name, v in points.items()}
                trial[k] = np.clip(trial[k] + sign * step[k][rows], lo, hi)
                value = _evaluate(objective, trial, rows, by_rows)
                better = active[rows] & (value > current[rows])
                if better.any():
                    chosen = rows[better]
                    points[k][chosen] = trial[k][better]
                    current[chosen] = value[better]
                    improved[chosen] = True
                if sign < 0:
                    # On a plateau (the objective exactly flat, e.g. a licence above demand that
                    # buys nothing) slide toward the lower bound: from the plateau's far side
                    # every step of the sweep ties, and the better points past its near edge
                    # would never be tried. Only downward, so it cannot cycle; the step still
                    # halves, so it ends.
                    flat = (active[rows] & ~improved[rows] & (value == current[rows])
                            & (trial[k] < points[k][rows]))
                    if flat.any():
                        points[k][rows[flat]] = trial[k][flat]
        # Hooke-Jeeves pattern move: where the sweep moved, try going as far again in the same
        # direction, and on success twice as far (at most MAX_STRIDES doublings a round), so a
        # narrow ridge is followed in a few rounds instead of step by step.
        ahead = rows[improved[rows]]
        for _ in range(MAX_STRIDES):
            if not ahead.size:
                break
            asked = ahead if by_rows else np.arange(draws)
            trial = {name: v[asked].copy() for name, v in points.items()}
            for k in moving:
                lo, hi = box.bounds(k)
                stride = np.clip(2 * points[k][ahead] - base[k][ahead], lo, hi)
                if by_rows:
                    trial[k] = stride
                else:
                    trial[k][ahead] = stride
            value = _evaluate(objective, trial, asked, by_rows)
            if not by_rows:
                value = value[ahead]
                trial = {name: v[ahead] for name, v in trial.items()}
            better = value > current[ahead]
            chosen = ahead[better]
            for k in moving:
                points[k][chosen] = trial[k][better]
            current[chosen] = value[better]
            ahead = chosen
        for k in moving:
            step[k] = np.where(improved, step[k], step[k] / 2)
    return SearchResult(points=points, values=current, grid_size=int(grid_size),
                        resolution={k: float(np.max(step[k]) / spans[k]) for k in moving})


def _evaluate(objective: Objective, points: Mapping[str, np.ndarray], rows: np.ndarray,
              by_rows: bool) -> np.ndarray:
    # Same layout as the scan: draws down the first axis, one candidate per draw.
    coords = {k: v[:, None] for k, v in points.items()}
    value = objective(rows, **coords) if by_rows else objective(**coords)
    value = np.broadcast_to(np.asarray(value, dtype=float), (len(rows), 1))[:, 0]
    return np.where(np.isnan(value), -np.inf, value)
