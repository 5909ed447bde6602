"""Exact max-min of two affine functions over a box, for a whole stack of problems at once.

The linear programme

    maximise t  subject to  a . x + a0 >= t,  b . x + b0 >= t,  low <= x <= high

has, by LP duality, the value min over lam in [0, 1] of

    h(lam) = lam a0 + (1 - lam) b0 + sum_i max(c_i low_i, c_i high_i),  c = lam a + (1 - lam) b,

a convex piecewise-linear function of one variable whose minimum lies at lam = 0, lam = 1 or a
breakpoint where some c_i changes sign (lam_i = b_i / (b_i - a_i)). Evaluating h at those k + 2
candidates solves every problem of the stack exactly with array operations, no iterations; the
maximiser is then recovered by complementary slackness (coordinates with c_i = 0 are moved so
that the two constraints are equal where they can be). See e.g. Boyd and Vandenberghe,
*Convex Optimization* (2004), sec. 5.2 (Lagrange dual) and 4.3 (linear programmes).

>>> import numpy as np
>>> # max min(x, 1 - x) over [0, 1]: 1/2 at x = 1/2
>>> m = linear_maximin([[1.0]], [0.0], [[-1.0]], [1.0], [0.0], [1.0])
>>> float(m.values[0]), float(m.points[0, 0])
(0.5, 0.5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class LinearMaximin:
    """Per problem: the maximiser (rows of ``points``), the max-min value, and the dual bound.

    ``values`` is min(a . x + a0, b . x + b0) at ``points`` (attained); ``bounds`` is the dual
    value h(lam*) (an upper bound); they agree up to rounding, the gap says how closely.
    """

    points: np.ndarray
    values: np.ndarray
    bounds: np.ndarray
    weights: np.ndarray
    method: str = "LP by duality over the breakpoints of the dual (exact)"


def linear_maximin(a: ArrayLike, a0: ArrayLike, b: ArrayLike, b0: ArrayLike,
                   low: ArrayLike, high: ArrayLike) -> LinearMaximin:
    """Maximise min(a . x + a0, b . x + b0) over the box low <= x <= high, row by row, exactly.

    ``a``, ``b``: shape (n, k) (n problems, k coordinates); ``a0``, ``b0``: shape (n,);
    ``low``, ``high``: shape (k,) or (n, k). Returns the maximisers, values and dual weights.

    >>> m = linear_maximin([[1.0, 0.0]], [0.0], [[0.0, 1.0]], [0.0], [0.0, 0.0], [2.0, 1.0])
    >>> float(m.values[0]), m.points[0].tolist()          # max min(x, y) on [0,2] x [0,1]
    (1.0, [1.0, 1.0])
    """
    a, b = np.atleast_2d(np.asarray(a, dtype=float)), np.atleast_2d(np.asarray(b, dtype=float))
    n, k = a.shape
    a0, b0 = (np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in (a0, b0))
    lo = np.broadcast_to(np.asarray(low, dtype=float), (n, k))
    hi = np.broadcast_to(np.asarray(high, dtype=float), (n, k))
    with np.errstate(divide="ignore", invalid="ignore"):
        breaks = np.where(a != b, b / (b - a), np.nan)
    breaks = np.where((breaks >= 0) & (breaks <= 1), breaks, np.nan)
    lams = np.concatenate([np.zeros((n, 1)), np.ones((n, 1)), breaks], axis=1)
    h = _dual(lams, a, a0, b, b0, lo, hi)
    best = np.nanargmin(np.where(np.isnan(lams), np.inf, h), axis=1)
    rows = np.arange(n)
    lam = lams[rows, best]
    bound = h[rows, best]
    c = lam[:, None] * a + (1 - lam[:, None]) * b
    scale = np.abs(a) + np.abs(b)
    free = np.abs(c) <= 1e-12 * np.maximum(scale, 1e-300)
    free[rows, np.maximum(best - 2, 0)] |= best >= 2  # the coordinate whose breakpoint it is
    x = np.where(c > 0, hi, lo)
    # Complementary slackness: among the maximisers of the Lagrangian (free coordinates anywhere
    # in their ranges) pick one where the two constraints are as equal as they can be.
    slope = a - b
    x = np.where(free, np.where(slope > 0, lo, hi), x)
    gap = a0 - b0 + np.sum(slope * x, axis=1)           # (a - b) . x + a0 - b0, at its least
    need = np.maximum(-gap, 0.0)
    for i in range(k):
        reach = np.where(free[:, i], np.abs(slope[:, i]) * (hi[:, i] - lo[:, i]), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(reach > 0, np.clip(need / reach, 0.0, 1.0), 0.0)
        moved = np.where(slope[:, i] > 0, lo[:, i] + share * (hi[:, i] - lo[:, i]),
                         hi[:, i] - share * (hi[:, i] - lo[:, i]))
        x[:, i] = np.where(free[:, i], moved, x[:, i])
        need = need - share * reach
    values = np.minimum(np.sum(a * x, axis=1) + a0, np.sum(b * x, axis=1) + b0)
    return LinearMaximin(points=x, values=values, bounds=bound, weights=lam)


def _dual(lams: np.ndarray, a: np.ndarray, a0: np.ndarray, b: np.ndarray, b0: np.ndarray,
          lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """h(lam) for every candidate weight: shape (n, candidates)."""
    lam = np.nan_to_num(lams)[:, :, None]
    c = lam * a[:, None, :] + (1 - lam) * b[:, None, :]
    top = np.maximum(c * lo[:, None, :], c * hi[:, None, :]).sum(axis=2)
    return lams * a0[:, None] + (1 - lams) * b0[:, None] + top
