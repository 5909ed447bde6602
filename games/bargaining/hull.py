"""The Pareto frontier of a finite set of utility pairs: the exact skyline (sort, then a running
maximum: O(n log n)) and the upper-right convex hull of it (the frontier with lotteries).

>>> points = np.array([[0, 1], [0.4, 0.4], [1, 0], [0.5, 0.6]])
>>> points[skyline(points)].tolist()
[[0.0, 1.0], [0.5, 0.6], [1.0, 0.0]]
"""

from __future__ import annotations

import numpy as np

#: Above this many points, dominated points are first discarded against a few frontier pivots.
_PREFILTER_SIZE = 2_000


def skyline(points: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated points, sorted by the first utility (exact, O(n log n)).

    Sort by u1 descending (u2 descending among ties); a point is on the frontier exactly when
    its u2 beats every u2 before it. Duplicates keep one copy.

    >>> skyline(np.array([[1, 1], [2, 0], [0, 2], [0.5, 0.5], [1, 1]])).tolist()
    [2, 0, 1]
    """
    n = len(points)
    candidates = _prefilter(points, bins=min(4096, n // 8)) if n > _PREFILTER_SIZE \
        else np.arange(n)
    sub = points[candidates]
    order = np.lexsort((-sub[:, 1], -sub[:, 0]))
    u2 = sub[order, 1]
    best_before = np.maximum.accumulate(np.concatenate([[-np.inf], u2[:-1]]))
    kept = order[u2 > best_before]
    return candidates[kept[::-1]]


def _prefilter(points: np.ndarray, bins: int = 4096) -> np.ndarray:
    """Drop points beaten by a point in a higher bin of u1 (exact: such a point dominates).

    Binning u1 is monotone, so a point in a strictly higher bin has a strictly larger u1; if
    the best u2 over higher bins is at least this point's u2, it is dominated. What remains is
    a thin band along the frontier, which the sort then settles exactly.
    """
    u1, u2 = points[:, 0], points[:, 1]
    lo, hi = float(u1.min()), float(u1.max())
    if not hi > lo:
        return np.arange(len(points))
    which = ((u1 - lo) * (bins / (hi - lo))).astype(np.int64)
    np.minimum(which, bins - 1, out=which)
    best = np.full(bins + 1, -np.inf)
    np.maximum.at(best, which, u2)
    beyond = np.maximum.accumulate(best[::-1])[::-1][1:]  # best u2 over bins > b
    return np.flatnonzero(u2 > beyond[which])


def upper_hull(frontier: np.ndarray) -> np.ndarray:
    """Positions (in the skyline) of the vertices of its upper-right convex hull.

    The skyline is sorted by u1 ascending with u2 strictly decreasing; lotteries between
    neighbouring vertices make up the frontier of the convex hull (Andrew's monotone chain).

    >>> upper_hull(np.array([[0, 1], [0.4, 0.5], [1, 0]])).tolist()
    [0, 2]
    """
    hull: list[int] = []
    for k in range(len(frontier)):
        while len(hull) >= 2:
            o, a, b = frontier[hull[-2]], frontier[hull[-1]], frontier[k]
            cross = (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
            if cross < 0:
                break
            hull.pop()
        hull.append(k)
    return np.asarray(hull, dtype=int)
