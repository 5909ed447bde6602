"""Inverse problems: the nearest point of a box at which a condition holds.

Calibration asks the inverse of solving: not "what does the model predict at these parameter
values" but "at which parameter values, nearest to the analyst's, would the model predict what
was observed". Here the parameters are scaled to the unit box [0, 1]^k (each by its range), a
vectorised ``miss(z)`` says how far the model's prediction at each row of ``z`` is from the
observation, and the answer is the point nearest to ``start`` (Euclidean distance in the unit
box, i.e. range-normalised) with ``miss <= tolerance``.

The feasible set comes from a solver, so it has no formula, may be thin (an equality met to a
tolerance) and non-convex. The search runs along rays from ``start``, all rows at once:

1. rays along every coordinate, both ways (sparse answers: one parameter moved), and in
   random directions; each is scanned on a grid, every local minimum of the miss is refined by
   golden-section search (so a thin feasible band between grid points is still found), and
   the feasible end nearest ``start`` is found by bisection;
2. the best point is pruned (coordinates reset to ``start`` while it stays feasible);
3. rays in directions near the best one's are searched again, in shrinking cones, so the
   answer approaches the nearest point of the feasible set's boundary.

Along each ray this is exact up to the grid finding the bracket; over directions it is a
best-found point. The result records the rays and rows evaluated.

>>> import numpy as np
>>> found = nearest_feasible(lambda z: np.abs(z[:, 0] - 0.2), [0.5, 0.5], tolerance=1e-3)
>>> round(found.point[0], 3), round(found.point[1], 3), round(found.distance, 3)
(0.201, 0.5, 0.299)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from games.errors import GameError

Miss = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class NearestPoint:
    """The nearest feasible point found (``point`` None when none was found)."""

    point: tuple[float, ...] | None
    distance: float
    miss: float
    closest_miss: float
    evaluations: int
    method: str = ("rays (coordinates and random directions), golden-section refinement of "
                   "each local minimum, bisection to the feasible end, pruning, shrinking cones")
    tolerance: float = 0.0
    seed: int | None = 0
    #: For each coordinate, the nearest feasible value with only that coordinate moved (NaN
    #: where moving it alone, within the box, is not enough).
    alone: tuple[float, ...] = ()

    @property
    def found(self) -> bool:
        return self.point is not None


def nearest_feasible(miss: Miss, start: Sequence[float], *, tolerance: float = 0.01,
                     grid: int = 12, directions: int = 48, rounds: int = 3,
                     seed: int | None = 0) -> NearestPoint:
    """The point of [0, 1]^k nearest ``start`` with ``miss(point) <= tolerance``.

    ``miss`` maps an (n, k) array of points to n non-negative numbers (NaN or inf where the
    model has no prediction). ``grid`` points per ray, ``directions`` random rays (besides
    the 2k coordinate rays) and again per refining ``rounds``. Returns a
    :class:`NearestPoint`; ``closest_miss`` is the smallest miss seen (how near the search
    came when nothing was feasible).
    """
    z0 = np.asarray(start, dtype=float)
    if z0.ndim != 1 or not np.all((z0 >= 0) & (z0 <= 1)):
        raise GameError("nearest_feasible: start must be a point of the unit box [0, 1]^k")
    if not tolerance >= 0:
        raise GameError("nearest_feasible: tolerance must be >= 0")
    k = z0.size
    rng = np.random.default_rng(seed)
    count = [0]
    seen = [np.inf]

    def evaluate(z: np.ndarray) -> np.ndarray:
        if not len(z):
            return np.zeros(0)
        m = np.asarray(miss(np.asarray(z, dtype=float)), dtype=float).reshape(len(z))
        m = np.where(np.isfinite(m), m, np.inf)
        count[0] += len(z)
        seen[0] = min(seen[0], float(m.min()))
        return m

    m0 = float(evaluate(z0[None, :])[0])
    if m0 <= tolerance:
        return NearestPoint(tuple(map(float, z0)), 0.0, m0, seen[0], count[0],
                            tolerance=tolerance, seed=seed, alone=tuple(map(float, z0)))
    eye = np.eye(k)
    rays = np.vstack([eye, -eye, _unit(rng.normal(size=(directions, k)))])
    ends = _along_rays(rays, z0, evaluate, tolerance, grid)
    reach = np.linalg.norm(ends - z0, axis=1)  # NaN where the ray has no feasible point
    both = np.vstack([reach[:k], reach[k:2 * k]])
    alone = np.full(k, np.nan)
    has = ~np.all(np.isnan(both), axis=0)
    side = np.nanargmin(np.where(np.isnan(both), np.inf, both), axis=0)
    alone[has] = ends[side[has] * k + np.flatnonzero(has), np.flatnonzero(has)]
    best = ends[np.nanargmin(reach)] if np.isfinite(reach).any() else None
    for r in range(rounds):
        if best is None:
            break
        best = _prune(best, z0, evaluate, tolerance)
        axis = _unit((best - z0)[None, :])[0]
        spread = 0.5 ** (r + 1)
        cone = _unit(axis[None, :] + spread * rng.normal(size=(directions, k)) / np.sqrt(k))
        ends = _along_rays(cone, z0, evaluate, tolerance, grid)
        reach = np.linalg.norm(ends - z0, axis=1)
        if np.isfinite(reach).any() and np.nanmin(reach) < np.linalg.norm(best - z0):
            best = ends[np.nanargmin(reach)]
    if best is None:
        return NearestPoint(None, np.inf, np.inf, seen[0], count[0], tolerance=tolerance,
                            seed=seed, alone=tuple(map(float, alone)))
    best = _prune(best, z0, evaluate, tolerance)
    m = float(evaluate(best[None, :])[0])
    return NearestPoint(tuple(map(float, best)), float(np.linalg.norm(best - z0)), m, seen[0],
                        count[0], tolerance=tolerance, seed=seed, alone=tuple(map(float, alone)))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-300)


def _along_rays(rays: np.ndarray, z0: np.ndarray, evaluate, tolerance: float, grid: int
                ) -> np.ndarray:
    """On each ray z0 + s d (s in [0, s_max(d)]), the feasible point nearest z0 (NaN if none)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        to_wall = np.where(rays > 0, (1 - z0) / rays, np.where(rays < 0, -z0 / rays, np.inf))
    s_max = np.maximum(to_wall.min(axis=1), 0.0)
    n = len(rays)
    result = np.full((n, z0.size), np.nan)
    s = np.linspace(0.0, 1.0, grid + 1)[None, :] * s_max[:, None]  # includes z0 at s = 0
    m = np.empty_like(s)
    m[:, 0] = np.inf  # z0 itself is known infeasible
    m[:, 1:] = evaluate((z0 + s[:, 1:, None] * rays[:, None, :]).reshape(-1, z0.size)
                        ).reshape(n, grid)
    # Brackets around each local minimum of the grid (and any grid point already feasible).
    padded = np.concatenate([m, np.full((n, 1), np.inf)], axis=1)
    left = np.concatenate([np.full((n, 1), np.inf), m], axis=1)[:, :-1]
    local = (m <= left) & (m <= padded[:, 1:]) & np.isfinite(m)
    local[:, 0] = False
    local &= (s_max > 1e-12)[:, None]
    row, col = np.nonzero(local)
    if not row.size:
        return result
    lo = s[row, col - 1]
    hi = s[row, np.minimum(col + 1, grid)]
    d = rays[row]
    at, value = _golden(lambda t: evaluate(z0 + t[:, None] * d), lo, hi, s[row, col], m[row, col])
    good = value <= tolerance
    if not good.any():
        return result
    row, col, d, lo, at = row[good], col[good], d[good], lo[good], at[good]
    # A grid point before the feasible point may itself be feasible: the feasible end is then
    # before it, between it and the grid point preceding it.
    feasible_grid = (m <= tolerance)[row] & (np.arange(grid + 1)[None, :] <= col[:, None])
    first = np.argmax(feasible_grid, axis=1)
    earlier = feasible_grid.any(axis=1) & (s[row, first] < at)
    at = np.where(earlier, s[row, first], at)
    lo = np.where(earlier, s[row, np.maximum(first - 1, 0)], lo)
    # Bisection between the last point known infeasible and the feasible one.
    a, b = lo, at
    for _ in range(30):
        mid = (a + b) / 2
        inside = evaluate(z0 + mid[:, None] * d) <= tolerance
        b = np.where(inside, mid, b)
        a = np.where(inside, a, mid)
        if np.all(b - a < 1e-6):
            break
    # Several brackets may share a ray: keep the nearest feasible end of each ray.
    order = np.lexsort((b, row))
    first = order[np.r_[True, row[order][1:] != row[order][:-1]]]
    result[row[first]] = z0 + b[first, None] * d[first]
    return result


def _golden(f, lo: np.ndarray, hi: np.ndarray, x: np.ndarray, fx: np.ndarray, steps: int = 30
            ) -> tuple[np.ndarray, np.ndarray]:
    """Golden-section minimisation on many brackets at once; the best point seen on each."""
    g = (np.sqrt(5) - 1) / 2
    best_x, best_f = x.copy(), fx.copy()
    a, b = lo.copy(), hi.copy()
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(steps):
        for xs, fs in ((c, fc), (d, fd)):
            better = fs < best_f
            best_x, best_f = np.where(better, xs, best_x), np.where(better, fs, best_f)
        left = fc <= fd
        a, b = np.where(left, a, c), np.where(left, d, b)
        c_new, d_new = b - g * (b - a), a + g * (b - a)
        # One new evaluation per bracket: reuse the surviving interior point.
        x_new = np.where(left, c_new, d_new)
        f_new = f(x_new)
        fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
        c, d = np.where(left, c_new, d), np.where(left, c, d_new)
        if np.all(best_f <= 0) or np.all(b - a < 1e-7):
            break
    for xs, fs in ((c, fc), (d, fd)):
        better = fs < best_f
        best_x, best_f = np.where(better, xs, best_x), np.where(better, fs, best_f)
    return best_x, best_f


def _prune(best: np.ndarray, z0: np.ndarray, evaluate, tolerance: float) -> np.ndarray:
    """Reset coordinates to z0, one at a time, while the point stays feasible."""
    while True:
        moved = np.flatnonzero(np.abs(best - z0) > 1e-12)
        if moved.size <= 1:
            return best
        trials = np.repeat(best[None, :], moved.size, axis=0)
        trials[np.arange(moved.size), moved] = z0[moved]
        good = evaluate(trials) <= tolerance
        if not good.any():
            return best
        keep = trials[good]
        best = keep[np.argmin(np.linalg.norm(keep - z0, axis=1))]
