"""The asymmetric Nash product of two affine functions over a box, exactly, for a stack of rows.

For gains g_1(x) = a . x + a0 and g_2(x) = b . x + b0 over the box low <= x <= high, the set of
attainable gain pairs is a zonotope: the point at ``low`` plus the segments
v_i = (a_i, b_i) (high_i - low_i). Its Pareto frontier is the chain of vertices met by the
maximisers of w_1 g_1 + w_2 g_2 as the weight turns from (1, 0) to (0, 1): a generator with
a_i > 0 > b_i (or a_i < 0 < b_i) is a trade-off and switches end when w_1 a_i + w_2 b_i changes
sign, so the edges are the trade-off generators in increasing order of |a_i| / |b_i| (the
frontier's slopes); generators good (bad) for both stay at their best end. The objective

    beta log g_1 + (1 - beta) log g_2

is increasing in both gains, so its maximum lies on that chain, and on each edge P + t d it is
concave in t with the stationary point t* = -(beta d_1 P_2 + (1 - beta) d_2 P_1) / (d_1 d_2).
Comparing t*, clipped to the edge, and the edge's ends over all edges solves every row with
array operations: no iterations and no resolution. See Nash (1950), Kalai (1977) for the
solution, and Ziegler, *Lectures on Polytopes* (1995), sec. 7.3 for zonotopes.

>>> import numpy as np
>>> # split a pie: x of it to player 1; g_1 = x, g_2 = 1 - x on [0, 1], power 0.3
>>> n = linear_nash_product([[1.0]], [0.0], [[-1.0]], [1.0], [0.0], [1.0], 0.3)
>>> round(float(n.points[0, 0]), 12), round(float(n.gains[0][0]), 12)
(0.3, 0.3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["LinearNash", "linear_nash_product", "log_nash_product", "nash_on_segments"]


@dataclass(frozen=True)
class LinearNash:
    """Per row: the maximiser (rows of ``points``), both gains there, and the objective value
    (minus infinity where no point of the box gives both gains positive)."""

    points: np.ndarray
    gains: tuple[np.ndarray, np.ndarray]
    values: np.ndarray
    method: str = "Nash product on the edges of the Pareto frontier of a zonotope (exact)"


def linear_nash_product(a: ArrayLike, a0: ArrayLike, b: ArrayLike, b0: ArrayLike,
                        low: ArrayLike, high: ArrayLike, power: ArrayLike = 0.5) -> LinearNash:
    """Maximise power log(a . x + a0) + (1 - power) log(b . x + b0) over low <= x <= high.

    ``a``, ``b``: shape (n, k) (n rows, k coordinates); ``a0``, ``b0``, ``power``: one number
    or one per row; ``low``, ``high``: shape (k,) or (n, k). A coordinate that moves neither
    gain is left at ``low``.

    >>> n = linear_nash_product([[1.0, 1.0]], [0.0], [[-1.0, 0.0]], [1.0], [0, 0], [1, 1])
    >>> n.points[0].tolist(), [round(float(g[0]), 12) for g in n.gains]  # y free for both
    ([0.0, 1.0], [1.0, 1.0])
    """
    a, b = np.atleast_2d(np.asarray(a, dtype=float)), np.atleast_2d(np.asarray(b, dtype=float))
    n, k = a.shape
    a0, b0, beta = (np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in (a0, b0, power))
    lo = np.broadcast_to(np.asarray(low, dtype=float), (n, k))
    span = np.broadcast_to(np.asarray(high, dtype=float), (n, k)) - lo
    va, vb = a * span, b * span                     # the generators
    trade = ((va > 0) & (vb < 0)) | ((va < 0) & (vb > 0))
    start = np.where(trade, va > 0, (va > 0) | ((va == 0) & (vb > 0))).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(trade, np.abs(va) / np.abs(vb), np.inf)
    order = np.argsort(ratio, axis=1, kind="stable")          # the edges, frontier order
    rows = np.arange(n)[:, None]
    # Each edge flips one trade-off generator: d = -v from its upper end, +v from its lower.
    sign = np.where(start[rows, order] > 0, -1.0, 1.0) * trade[rows, order]
    d1, d2 = sign * va[rows, order], sign * vb[rows, order]
    p1 = a0 + np.sum(a * lo, axis=1) + np.sum(va * start, axis=1)
    p2 = b0 + np.sum(b * lo, axis=1) + np.sum(vb * start, axis=1)
    e1 = p1[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(d1, axis=1)[:, :-1]], axis=1)
    e2 = p2[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(d2, axis=1)[:, :-1]], axis=1)
    t, value = _best_on_edges(e1, e2, d1, d2, beta[:, None], trade[rows, order])
    edge = np.argmax(value, axis=1)
    best_t = t[np.arange(n), edge]
    # The state of each generator at the best point: flipped before the edge, part-way on it.
    position = np.empty_like(order)
    position[rows, order] = np.arange(k)[None, :]
    on = np.where(position < edge[:, None], 1 - start,
                  np.where(position == edge[:, None],
                           np.where(start > 0, 1 - best_t[:, None], best_t[:, None]), start))
    on = np.where(trade, on, start)
    points = lo + on * span
    g_1, g_2 = np.sum(a * points, axis=1) + a0, np.sum(b * points, axis=1) + b0
    return LinearNash(points, (g_1, g_2), log_nash_product(g_1, g_2, beta))


def log_nash_product(g_1: np.ndarray, g_2: np.ndarray, power: np.ndarray) -> np.ndarray:
    """power log g_1 + (1 - power) log g_2 where both gains are positive, else minus infinity
    (a power of 0 or 1 ignores that gain's logarithm, not its sign).

    >>> log_nash_product(np.array([1.0, 2.0]), np.array([-1.0, 1.0]), np.array(1.0)).tolist()
    [-inf, 0.6931471805599453]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (np.where(power > 0, power * np.log(g_1), 0.0)
                 + np.where(power < 1, (1 - power) * np.log(g_2), 0.0))
    return np.where((g_1 > 0) & (g_2 > 0), value, -np.inf)


def nash_on_segments(e1: np.ndarray, e2: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                     beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per segment P + t d (t in [0, 1]) of gain pairs: the t maximising the log Nash product
    beta log g_1 + (1 - beta) log g_2 and its value (minus infinity where no point of the
    segment has both gains positive); all arrays of one shape. On a segment the product is
    concave where positive, so the clipped stationary point and both ends decide.

    >>> t, v = nash_on_segments(*(np.array([x]) for x in (0.0, 1.0, 1.0, -1.0, 0.3)))
    >>> round(float(t[0]), 12)
    0.3
    """
    shape = np.broadcast_shapes(*(np.shape(z) for z in (e1, e2, d1, d2, beta)))
    flat = [np.broadcast_to(z, shape).reshape(-1, 1) for z in (e1, e2, d1, d2, beta)]
    t, value = _best_on_edges(*flat, np.ones_like(flat[0], dtype=bool))
    return t.reshape(shape), value.reshape(shape)


def _best_on_edges(e1: np.ndarray, e2: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                   beta: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per edge P + t d (t in [0, 1]): the best t and the objective there (n, k).

    The candidates are the clipped stationary point and both ends; an edge that is not a
    trade-off (``real`` False) has d = 0 and is its start vertex only.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        stationary = -(beta * d1 * e2 + (1 - beta) * d2 * e1) / (d1 * d2)
    stationary = np.clip(np.nan_to_num(stationary, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    candidates = np.stack([np.zeros_like(e1), np.where(real, 1.0, 0.0), stationary], axis=2)
    g1 = e1[..., None] + candidates * d1[..., None]
    g2 = e2[..., None] + candidates * d2[..., None]
    value = log_nash_product(g1, g2, beta[..., None])
    pick = np.argmax(value, axis=2)
    take = lambda z: np.take_along_axis(z, pick[..., None], axis=2)[..., 0]  # noqa: E731
    return take(candidates), take(value)
