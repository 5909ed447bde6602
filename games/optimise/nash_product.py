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

from games.compiled import optional_module

__all__ = ["LinearNash", "linear_nash_product", "log_nash_product", "nash_on_segments"]

#: The compiled loops of :func:`linear_nash_product` (games/optimise/_nash_product.c: the same
#: operations as the NumPy code here, row by row, with the logarithms left to np.log, so the
#: same numbers bit for bit), or None: not built, or CHIPDEALS_PURE set (:mod:`games.compiled`).
#: Tests set it to None to compare the two.
_COMPILED = optional_module("games.optimise._nash_product")

#: The most coordinates the compiled loops take (MAX_COORDINATES in _nash_product.c).
MAX_COORDINATES = 16


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
    gain is left at ``low``. Where the compiled loops are built (``_COMPILED``), they solve the
    stack row by row with the same operations, so the same numbers; the NumPy code below
    answers where they decline.

    >>> n = linear_nash_product([[1.0, 1.0]], [0.0], [[-1.0, 0.0]], [1.0], [0, 0], [1, 1])
    >>> n.points[0].tolist(), [round(float(g[0]), 12) for g in n.gains]  # y free for both
    ([0.0, 1.0], [1.0, 1.0])
    """
    a, b = np.atleast_2d(np.asarray(a, dtype=float)), np.atleast_2d(np.asarray(b, dtype=float))
    n, k = a.shape
    a0, b0, beta = (np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in (a0, b0, power))
    if _COMPILED is not None:
        found = _by_kernel(a, a0, b, b0, beta, low, high)
        if found is not None:
            return found
    # One row per coordinate, (k, n): every step below is a short loop over the coordinates
    # on whole rows (sums left to right, as numpy sums fewer than eight terms).
    a_t, b_t = np.ascontiguousarray(a.T), np.ascontiguousarray(b.T)
    lo_t = _by_coordinate(low, n, k)
    span_t = _by_coordinate(high, n, k) - lo_t
    va, vb = a_t * span_t, b_t * span_t             # the generators
    trade = ((va > 0) & (vb < 0)) | ((va < 0) & (vb > 0))
    # Each generator's end at the frontier's start (weight on g_1 alone): its upper end where
    # it raises g_1, or leaves g_1 be and raises g_2 (a trade-off has va != 0: va > 0 alone).
    start = ((va > 0) | ((va == 0) & (vb > 0))).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(trade, np.abs(va) / np.abs(vb), np.inf)
    ratio[np.isnan(ratio)] = np.inf
    # The edges in frontier order: each generator's place in a stable sort of the ratios.
    # (A generator before i counts where its ratio is at most i's, one after where below.)
    position = np.zeros((k, n), dtype=np.intp)
    for i in range(k):
        for j in range(k):
            if j != i:
                position[i] += ratio[j] <= ratio[i] if j < i else ratio[j] < ratio[i]
    order = np.zeros((k, n), dtype=np.intp)
    for i in range(1, k):
        order[position[i], np.arange(n)] = i
    pick = order * n + np.arange(n)
    # Each edge flips one trade-off generator: d = -v from its upper end, +v from its lower.
    real = trade.ravel()[pick]
    sign = np.where(start.ravel()[pick] > 0, -1.0, 1.0) * real
    d1, d2 = sign * va.ravel()[pick], sign * vb.ravel()[pick]
    p1 = a0 + _sum(a_t * lo_t) + _sum(va * start)
    p2 = b0 + _sum(b_t * lo_t) + _sum(vb * start)
    e1, e2 = np.empty((k, n)), np.empty((k, n))
    e1[0], e2[0] = p1 + 0.0, p2 + 0.0
    c1, c2 = d1[0], d2[0]
    for j in range(1, k):
        e1[j], e2[j] = p1 + c1, p2 + c2
        c1, c2 = c1 + d1[j], c2 + d2[j]
    interior = bool(np.all((beta > 0) & (beta < 1)))
    t, value = _best_on_edges(e1, e2, d1, d2, beta[None, :], real, True, interior)
    # The best edge (the first of equals, a NaN counting as the largest, as an argmax).
    edge, best, best_t = np.zeros(n, dtype=np.intp), value[0], t[0]
    for j in range(1, k):
        take = _beats(value[j], best, interior)
        edge, best, best_t = (np.where(take, j, edge), np.where(take, value[j], best),
                              np.where(take, t[j], best_t))
    # The state of each generator at the best point: flipped before the edge, part-way on it.
    on = np.where(position < edge, 1 - start,
                  np.where(position == edge, np.where(start > 0, 1 - best_t, best_t), start))
    on = np.where(trade, on, start)
    points = lo_t + on * span_t
    g_1, g_2 = _sum(a_t * points) + a0, _sum(b_t * points) + b0
    return LinearNash(np.ascontiguousarray(points.T), (g_1, g_2),
                      log_nash_product(g_1, g_2, beta, interior))


def _by_kernel(a: np.ndarray, a0: np.ndarray, b: np.ndarray, b0: np.ndarray,
               beta: np.ndarray, low: ArrayLike, high: ArrayLike) -> LinearNash | None:
    """:func:`linear_nash_product` by the compiled loops, or None where the NumPy code answers:
    no coordinates or more than :data:`MAX_COORDINATES`, ``b`` or a bound not shaped as the
    kernel takes them, or a NaN in a point or a gain (whose bits NumPy may set otherwise).

    The first loop writes every pair of gains whose logarithms the NumPy code uses, both
    positive, into one buffer; np.log takes them all at once (its SIMD loop rounds a few
    values otherwise than the C library's log, and each value alike wherever it stands in an
    array); the second loop finishes each row with them. The values at the gains take one
    more np.log and one more loop, with :func:`log_nash_product`'s arithmetic."""
    n, k = a.shape
    bounds = [np.asarray(v, dtype=float) for v in (low, high)]
    bounds = [v.reshape(k) if v.shape in ((k,), (1, k)) else v for v in bounds]
    if (not 0 < k <= MAX_COORDINATES or b.shape != (n, k)
            or not all(v.shape in ((k,), (n, k)) for v in bounds)):
        return None
    a, a0, b, b0, beta, low, high = (np.ascontiguousarray(v)
                                     for v in (a, a0, b, b0, beta, *bounds))
    points, g_1, g_2, finals = np.empty((n, k)), np.empty(n), np.empty(n), np.empty((n, 2))
    kept, logs = np.empty(6 * k * n), np.empty(6 * k * n + 2)
    arrays = (a, a0, b, b0, beta, low, high, kept, logs, points, g_1, g_2, finals)
    shape = (n, k, low.ndim == 1, high.ndim == 1)
    count = _COMPILED.nash_gains(*arrays, *shape, 0)
    np.log(logs[:count], out=logs[:count])
    if _COMPILED.nash_points(*arrays, *shape, count):
        return None
    np.log(finals, out=finals)
    values = np.empty(n)
    _COMPILED.nash_values(g_1, g_2, beta, finals, values, n)
    return LinearNash(points, (g_1, g_2), values)


def _by_coordinate(bound: ArrayLike, n: int, k: int) -> np.ndarray:
    """A bound of shape (k,) or (n, k) as rows of coordinates: (k, 1) if it is the same for
    every row, else (k, n)."""
    bound = np.asarray(bound, dtype=float)
    if bound.ndim < 2 or bound.shape[0] == 1:
        return np.broadcast_to(bound, (1, k)).T
    return np.ascontiguousarray(np.broadcast_to(bound, (n, k)).T)


def _sum(rows: np.ndarray) -> np.ndarray:
    """The sum of the rows of a (k, n) array, left to right."""
    total = rows[0].copy()
    for row in rows[1:]:
        total += row
    return total


def log_nash_product(g_1: np.ndarray, g_2: np.ndarray, power: np.ndarray,
                     interior: bool | None = None) -> np.ndarray:
    """power log g_1 + (1 - power) log g_2 where both gains are positive, else minus infinity
    (a power of 0 or 1 ignores that gain's logarithm, not its sign). ``interior``: whether
    every power is known to lie strictly between 0 and 1 (None: look).

    >>> log_nash_product(np.array([1.0, 2.0]), np.array([-1.0, 1.0]), np.array(1.0)).tolist()
    [-inf, 0.6931471805599453]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if interior is None:
            interior = bool(np.all((power > 0) & (power < 1)))
        if interior:                            # the same numbers as below, fewer passes
            value = power * np.log(g_1) + (1 - power) * np.log(g_2)
        else:
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
                   beta: np.ndarray, real: np.ndarray, chain: bool = False,
                   interior: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per edge P + t d (t in [0, 1]): the best t and the objective there (arrays of one
    shape).

    The candidates are the start, the end and the clipped stationary point, the first of
    equals (a NaN counting as the largest, as an argmax over them); an edge that is not a
    trade-off (``real`` False) has d = 0 and is its start vertex only. ``chain``: the edges
    are the rows of (k, n) arrays, one chain per column, whose second edge starts where the
    first ends: e[1] = P + d[0] with e[0] = P + 0.0, so e[0] + d[0] is e[1] bit for bit (up
    to the sign of a zero, a gain that is not positive either way). ``interior``: as for
    :func:`log_nash_product`.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        stationary = -(beta * d1 * e2 + (1 - beta) * d2 * e1) / (d1 * d2)
    t = np.zeros_like(e1)
    best = log_nash_product(e1, e2, beta, interior)
    end = np.where(real, 1.0, 0.0)
    # end * d = d bit for bit: where not ``real``, d is a signed zero (or NaN) already.
    if chain and len(e1) > 1:
        at_end = np.empty_like(best)
        at_end[0] = best[1]                  # the first edge's end is the second's start
        at_end[1:] = log_nash_product(e1[1:] + d1[1:], e2[1:] + d2[1:], beta, interior)
    else:
        at_end = log_nash_product(e1 + d1, e2 + d2, beta, interior)
    t, best = _better(t, best, end, at_end, interior)
    # A stationary point clipped to an end is that end again (the same numbers): only the
    # interior ones (0 < t* < 1: not NaN or infinite either) are candidates of their own.
    inside = np.flatnonzero((stationary > 0) & (stationary < 1))
    if inside.size:
        e1, e2, d1, d2, s, b = (_at(z, t.shape, inside)
                                for z in (e1, e2, d1, d2, stationary, beta))
        flat_t, flat_best = t.ravel(), best.ravel()      # views of t and best: in place
        flat_t[inside], flat_best[inside] = _better(flat_t[inside], flat_best[inside], s,
                                                    log_nash_product(e1 + s * d1, e2 + s * d2, b,
                                                                     interior), interior)
    return t, best


def _at(values: np.ndarray, shape: tuple[int, ...], flat: np.ndarray) -> np.ndarray:
    """``values`` broadcast to ``shape`` (2-D), at the flat (C-order) indices ``flat``."""
    if values.shape == shape:
        return values.ravel()[flat]
    if values.shape == (1, shape[1]):
        return values[0][flat % shape[1]]
    return np.broadcast_to(values, shape)[np.unravel_index(flat, shape)]


def _better(t: np.ndarray, best: np.ndarray, at: np.ndarray, value: np.ndarray,
            numbers: bool | None = False) -> tuple[np.ndarray, np.ndarray]:
    """The candidate ``at`` where its ``value`` beats ``best`` (a NaN beats a number, as in
    an argmax), else ``t``; and the better value. ``numbers``: as for :func:`_beats`."""
    take = _beats(value, best, numbers)
    return np.where(take, at, t), np.where(take, value, best)


def _beats(value: np.ndarray, best: np.ndarray, numbers: bool | None) -> np.ndarray:
    """Where ``value`` beats ``best``, a NaN beating a number (as in an argmax). With
    ``numbers`` True, neither holds a NaN (a log Nash product with every power strictly
    between 0 and 1: a sum of finite or plus infinite terms, else minus infinity), and the
    comparison alone says the same."""
    if numbers:
        return value > best
    return (value > best) | (np.isnan(value) & ~np.isnan(best))
