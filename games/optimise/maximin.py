"""Max-min of two functions over a box, for a whole stack of problems (one per row) at once.

:func:`linear_maximin` solves the affine case exactly; :func:`maximin_by_lp_steps` uses it as
the step of sequential linear programming for any two functions, and
:func:`maximin_by_homotopy` finds points where both are positive inside thin wedges.

For two affine functions the linear programme

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
from typing import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from games.compiled import optional_module
from games.optimise.box_search import Box, maximise

#: The compiled loop of :func:`linear_maximin` (games/optimise/_maximin.c: the same operations
#: as the NumPy code here, row by row, so the same numbers bit for bit), or None: not built, or
#: CHIPDEALS_PURE set (:mod:`games.compiled`). Tests set it to None to compare the two.
_COMPILED = optional_module("games.optimise._maximin")


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
    Where the compiled loop is built (``_COMPILED``), it solves the stack row by row with the
    same operations, so the same numbers; the NumPy code below answers where it declines.

    >>> m = linear_maximin([[1.0, 0.0]], [0.0], [[0.0, 1.0]], [0.0], [0.0, 0.0], [2.0, 1.0])
    >>> float(m.values[0]), m.points[0].tolist()          # max min(x, y) on [0,2] x [0,1]
    (1.0, [1.0, 1.0])
    """
    a, b = np.atleast_2d(np.asarray(a, dtype=float)), np.atleast_2d(np.asarray(b, dtype=float))
    n, k = a.shape
    a0, b0 = _per_row(a0, n), _per_row(b0, n)
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    if _COMPILED is not None:
        found = _by_kernel(a, a0, b, b0, low, high)
        if found is not None:
            return found
    lo, hi = np.broadcast_to(low, (n, k)), np.broadcast_to(high, (n, k))
    # b / (b - a) is +-inf or NaN where a == b: outside [0, 1] there as where there is no
    # breakpoint in it.
    with np.errstate(divide="ignore", invalid="ignore"):
        breaks = b / (b - a)
    lams = np.empty((n, k + 2))
    lams[:, 0], lams[:, 1] = 0.0, 1.0
    lams[:, 2:] = np.where((breaks >= 0) & (breaks <= 1), breaks, np.nan)
    h, slopes = _dual(lams, a, a0, b, b0, lo, hi)
    best = np.nanargmin(np.where(np.isnan(lams), np.inf, h), axis=1)
    rows = np.arange(n)
    lam = lams[rows, best]
    bound = h[rows, best]
    # lam a + (1 - lam) b: the best candidate is never a missing breakpoint (those count as
    # +inf, and lam = 0 comes first), so its slopes are the dual's.
    c = slopes[rows, best]
    scale = np.abs(a) + np.abs(b)
    free = np.abs(c) <= 1e-12 * np.maximum(scale, 1e-300)
    free[rows, np.maximum(best - 2, 0)] |= best >= 2  # the coordinate whose breakpoint it is
    x = np.where(c > 0, hi, lo)
    # Complementary slackness: among the maximisers of the Lagrangian (free coordinates anywhere
    # in their ranges) pick one where the two constraints are as equal as they can be.
    slope = a - b
    x = np.where(free, np.where(slope > 0, lo, hi), x)
    gap = a0 - b0 + np.sum(slope * x, axis=1)           # (a - b) . x + a0 - b0, at its least
    _share_out(x, np.maximum(-gap, 0.0), free, slope, low, high,
               _no_negative_zero(low) and _no_negative_zero(high))
    values = np.minimum(np.sum(a * x, axis=1) + a0, np.sum(b * x, axis=1) + b0)
    return LinearMaximin(points=x, values=values, bounds=bound, weights=lam)


def _per_row(v: ArrayLike, n: int) -> np.ndarray:
    """``v`` as n floats: itself when it already is (no new view), else broadcast."""
    return _shaped(np.asarray(v, dtype=float), (n,))


def _shaped(v: ArrayLike, shape: tuple[int, ...]) -> np.ndarray:
    """``v`` broadcast to ``shape``, or ``v`` itself when it has that shape already."""
    return v if isinstance(v, np.ndarray) and v.shape == shape else np.broadcast_to(v, shape)


def _by_kernel(a: np.ndarray, a0: np.ndarray, b: np.ndarray, b0: np.ndarray, low: np.ndarray,
               high: np.ndarray) -> LinearMaximin | None:
    """:func:`linear_maximin` by the compiled loop, or None where the NumPy code answers: no
    coordinates, ``b`` or a range not shaped as the kernel takes them, a bound of -0.0, a NaN
    in the answer, or a dual that is NaN at every candidate (the kernel says which). In those
    cases the sign of a zero from np.maximum or np.clip (NumPy versions differ) or a NaN's
    bits could reach the answer, or NumPy raises."""
    n, k = a.shape
    if not k or b.shape != (n, k) or not all(v.shape in ((k,), (n, k)) for v in (low, high)):
        return None
    x, values, bounds, weights = np.empty((n, k)), np.empty(n), np.empty(n), np.empty(n)
    a, a0, b, b0, low, high = (np.ascontiguousarray(v) for v in (a, a0, b, b0, low, high))
    if _COMPILED.linear_maximin(a, a0, b, b0, low, high, x, values, bounds, weights, n, k,
                                low.ndim == 1, high.ndim == 1):
        return None
    return LinearMaximin(points=x, values=values, bounds=bounds, weights=weights)


def _share_out(x: np.ndarray, need: np.ndarray, free: np.ndarray, slope: np.ndarray,
               lo: np.ndarray, hi: np.ndarray, settle: bool) -> None:
    """Move each row's free coordinates in turn (in their order) from the end where they
    widen the gap towards the other, until the gap ``need`` is closed; writes ``x``.

    Rows are independent, so the rows' first free coordinates move at once, then their second
    ones, and so on. ``settle``: no end of a range is -0.0. Then, once a row's need is not
    positive, a step moves it by a share of +-0 and, where its reach is finite, leaves x and
    the need as they are, bit for bit: when no row of a step has a positive need, neither has
    any row of the later steps, and they are skipped.
    """
    n, k = free.shape
    flat = np.flatnonzero(free)                        # row by row, coordinates in order
    if not flat.size:
        return
    counts = np.count_nonzero(free, axis=1)
    rank = np.arange(flat.size) - np.repeat(np.cumsum(counts) - counts, counts)
    if counts.max() > 1:       # group the pairs by rank: each row's first, second, ... ones
        flat = flat[np.argsort(rank.astype(np.int16) if k < 1 << 15 else rank, kind="stable")]
    deep = np.cumsum(np.bincount(counts)[:0:-1])[::-1]        # rows with more than j
    ends = np.concatenate([[0], np.cumsum(deep)])
    i_all = flat % k
    low, high = ((v[i_all] if v.shape == (k,) else np.broadcast_to(v, (n, k)).reshape(-1)[flat])
                 for v in (lo, hi))
    step = slope.take(flat)                             # flat indices, in C order
    up, width = step > 0, high - low
    reach = np.abs(step) * width
    r_all = flat // k
    settle = settle and bool(np.isfinite(reach).all())
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(len(ends) - 1):
            part = slice(ends[j], ends[j + 1])
            r, w, m = r_all[part], width[part], reach[part]
            wanted = need[r]
            if settle and (wanted <= 0).all():
                break
            share = np.where(m > 0, np.clip(wanted / m, 0.0, 1.0), 0.0)
            np.put(x, flat[part], np.where(up[part], low[part] + share * w,
                                           high[part] - share * w))
            need[r] = wanted - share * m


def _no_negative_zero(v: np.ndarray) -> bool:
    return not np.any(np.signbit(v) & (v == 0))


#: Fewer problems than this: the dual is laid out problem first and summed in one call.
FEW_PROBLEMS = 64


def _dual(lams: np.ndarray, a: np.ndarray, a0: np.ndarray, b: np.ndarray, b0: np.ndarray,
          lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """h(lam) for every candidate weight, shape (n, candidates), and the weighted slopes
    c = lam a + (1 - lam) b, shape (n, candidates, k) (a NaN weight taken as 0).

    For many problems the terms are laid out coordinate first, so every array operation runs
    along the n problems (long runs, not the k coordinates of one candidate); each element is
    the same product or sum, and the sum over coordinates is taken in NumPy's own order
    (:func:`_sum_as_numpy`).
    """
    lam = np.where(np.isnan(lams), 0.0, lams)                  # lams hold no infinities
    if len(lams) < FEW_PROBLEMS:
        c = lam[:, :, None] * a[:, None, :]
        c += (1 - lam[:, :, None]) * b[:, None, :]
        top = c * lo[:, None, :]
        np.maximum(top, c * hi[:, None, :], out=top)
        return lams * a0[:, None] + (1 - lams) * b0[:, None] + top.sum(axis=2), c
    lam = lam.T.copy()                                          # (candidates, n)
    c = lam * a.T.copy()[:, None, :]
    c += (1 - lam) * b.T.copy()[:, None, :]
    top = c * lo.T[:, None, :]
    np.maximum(top, c * hi.T[:, None, :], out=top)
    return (lams * a0[:, None] + (1 - lams) * b0[:, None] + _sum_as_numpy(top).T,
            c.transpose(2, 1, 0))


def _sum_as_numpy(t: np.ndarray) -> np.ndarray:
    """The sum over the first axis, each element as ``np.sum`` adds a contiguous run of k
    numbers: 0.0 plus their pairwise sum (in order from -0.0 below 8 numbers; with eight
    running sums, joined in pairs, then the rest in order, up to 128; halves beyond). A test
    holds it to np.sum bit for bit, so a NumPy that sums otherwise is caught there.

    >>> import numpy as np
    >>> t = np.random.default_rng(1).normal(size=(10, 3)) * 1e8
    >>> _sum_as_numpy(t).tobytes() == t.T.copy().sum(axis=1).tobytes()
    True
    """
    return 0.0 + _pairwise(t)


def _pairwise(t: np.ndarray) -> np.ndarray:
    k = len(t)
    if k < 8:
        res = -0.0 + t[0] if k else np.full(t.shape[1:], -0.0)
        for i in range(1, k):
            res += t[i]
        return res
    if k <= 128:
        r = [t[j].copy() for j in range(8)]
        whole = k - k % 8
        for i in range(8, whole, 8):
            for j in range(8):
                r[j] += t[i + j]
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for i in range(whole, k):
            res += t[i]
        return res
    half = k // 2
    half -= half % 8
    return _pairwise(t[:half]) + _pairwise(t[half:])


#: Shifts of the homotopy that looks for points where both functions are positive.
ZONE_SHIFTS = (0.05, 0.005, 0.0)


def maximin_by_homotopy(pair: Callable, box: Box, start: Mapping[str, np.ndarray],
                        value: np.ndarray, resolution: float, max_rounds: int,
                        first_step: float, tolerance: float = 1e-9
                        ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Look for a point with both A and B positive by a homotopy on a smooth objective.

    A zone shaped like a thin wedge is entered only along the crease of min(A, B). The shifted
    Nash product log(A + e) + log(B + e) is smooth, finite wherever both exceed -e, and peaks
    inside the zone as e falls to zero: the search follows it through ZONE_SHIFTS (added to
    the start's shortfall), each from the last point. Returns the points and min(A, B) there.
    ``pair(rows, x)`` returns (A, B) for the rows ``rows`` at coordinates ``x`` (arrays of
    shape (len(rows), m)), as in :func:`maximin_by_lp_steps`.

    >>> import numpy as np
    >>> def pair(rows, x):                 # a thin wedge around y = x, entered along it
    ...     return x["y"] - 0.99 * x["x"], 1.01 * x["x"] - x["y"]
    >>> box = Box({"x": (0.0, 1.0), "y": (0.0, 1.0)})
    >>> points, value = maximin_by_homotopy(pair, box, {"x": np.array([0.1]),
    ...     "y": np.array([0.9])}, np.array([-0.8]), 1e-6, 60, 0.125)
    >>> bool(value[0] > 0)
    True
    """
    m = len(value)
    points = {k: np.asarray(v, dtype=float).copy() for k, v in start.items()}

    def worse_off(rows, pts):
        a, b = pair(rows, {k: v[rows][:, None] for k, v in pts.items()})
        return np.broadcast_to(np.minimum(a, b), (len(rows), 1))[:, 0]

    offset = np.maximum(0.0, -np.asarray(value, dtype=float))
    todo = np.arange(m)
    gap = None                                   # min(A, B) at the points, once worked out
    for shift in ZONE_SHIFTS:
        e = offset + shift
        if not todo.size or not np.any(e[todo] > 0):
            break

        def objective(r, todo=todo, e=e, **x):
            rows = todo[r]
            a, b = pair(rows, x)
            shifted = e[rows][:, None]
            a, b = a + shifted, b + shifted
            with np.errstate(all="ignore"):
                return np.where((a > 0) & (b > 0), np.log(a) + np.log(b), -np.inf)

        found = maximise(objective, box, todo.size, start={k: v[todo] for k, v in points.items()},
                         resolution=resolution, first_step=first_step,
                         max_rounds=min(max_rounds, 30), by_rows=True)
        for k in points:
            points[k][todo] = found.points[k]
        gap = worse_off(np.arange(m), points)
        offset = np.maximum(0.0, -gap) * 0.5
        todo = todo[gap[todo] <= tolerance]  # rows with a point in the zone are done
    return points, worse_off(np.arange(m), points) if gap is None else gap


def maximin_by_lp_steps(pair: Callable, box: Box, start: Mapping[str, np.ndarray],
                        value: np.ndarray, resolution: float, max_rounds: int,
                        whole_box: bool = False) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Sequential linear programming for max min(A, B) from ``start`` (one point per row).

    Each round models A and B by secants from the current point to the edges of the trust
    region (a share of each range), one slope up and one down per coordinate, and takes the
    exact LP step of that model (:func:`linear_maximin`); a step that does not improve
    min(A, B) quarters the radius. ``whole_box``: the
    functions are declared affine; the first step spans the whole box and, where the model
    predicts the value found exactly (the functions are affine there), is the exact answer;
    elsewhere the rounds go on as for any function. ``pair(rows, x)`` returns (A, B) for the
    rows ``rows`` (indices into the stack) at coordinates ``x`` (arrays of shape
    (len(rows), m)); ``value`` holds min(A, B) at ``start``.

    >>> import numpy as np
    >>> def pair(rows, x):                 # two concave bowls: the max-min is on their crease
    ...     return (1 - (x["x"] - 1) ** 2 - x["y"] ** 2, 1 - x["x"] ** 2 - (x["y"] - 1) ** 2)
    >>> box = Box({"x": (0.0, 1.0), "y": (0.0, 1.0)})
    >>> start = {"x": np.array([0.9]), "y": np.array([0.1])}
    >>> points, value = maximin_by_lp_steps(pair, box, start, np.array([-0.62]), 1e-7, 60)
    >>> round(float(value[0]), 4), round(float(points["x"][0]), 3)   # (1/2, 1/2): 1/2
    (0.5, 0.5)
    """
    moving = [k for k in box.names if box.is_continuous(k)]
    points = {k: np.asarray(v, dtype=float).copy() for k, v in start.items()}
    current = np.asarray(value, dtype=float).copy()
    m = current.size
    if not moving or m == 0:
        return points, current
    lo = np.array([box.bounds(k)[0] for k in moving])
    hi = np.array([box.bounds(k)[1] for k in moving])
    span = hi - lo
    radius = np.full(m, 1.0 if whole_box else 0.25)
    active = np.arange(m)
    k_ = len(moving)
    place = {k: i for i, k in enumerate(moving)}
    no_move = np.zeros(2 * k_)
    at = np.column_stack([points[k] for k in moving])        # the moving issues, (m, k)
    for _ in range(max_rounds):
        if not active.size:
            break
        x = at[active]                                                     # (r, k)
        width = radius[active][:, None] * span
        up, down = np.minimum(x + width, hi), np.maximum(x - width, lo)
        # x, then x with coordinate i at its end up, then down, for each i: (r, 1 + 2k, k)
        probes = np.repeat(x[:, None, :], 1 + 2 * k_, axis=1)
        _set_ends(probes.reshape(active.size, -1), up, down)
        a, b = pair(active, {k: probes[:, :, place[k]] if k in place else
                             points[k][active][:, None] for k in points})
        a, b = _shaped(a, probes.shape[:2]), _shaped(b, probes.shape[:2])
        # One secant per side of x and per coordinate: the model is affine in the moves up
        # (d+ in [0, up - x]) and down (d- in [0, x - down]), so a kink at x is kept, and for
        # functions concave along each coordinate the model lies below them in the region.
        rise, fall = up - x, x - down
        room_up, room_down = rise > 0, fall > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            slopes = [(np.where(room_up, (f[:, 1::2] - f[:, :1]) / rise, 0.0),
                       np.where(room_down, (f[:, :1] - f[:, 2::2]) / fall, 0.0)) for f in (a, b)]
        (a_up, a_down), (b_up, b_down) = slopes
        lp = linear_maximin(np.concatenate((a_up, -a_down), axis=1), a[:, 0],
                            np.concatenate((b_up, -b_down), axis=1), b[:, 0], no_move,
                            np.concatenate((rise, fall), axis=1))
        moved = np.clip(x + lp.points[:, :k_] - lp.points[:, k_:], lo, hi)
        ta, tb = pair(active, {k: moved[:, place[k]:place[k] + 1] if k in place else
                               points[k][active][:, None] for k in points})
        got = _shaped(np.minimum(ta, tb), (active.size, 1))[:, 0]
        got = np.fmax(got, -np.inf)                  # NaN to -inf, all else as it is
        better = got > current[active]
        chosen = active[better]
        # Trust region: shrink after a step that gained nothing; converged when the model
        # promises nothing more.
        promised = lp.values - np.minimum(a[:, 0], b[:, 0])
        radius[active[~better]] /= 4
        if chosen.size:
            at[chosen] = moved[better]
            current[chosen] = got[better]
            # After a step, the next region is twice the step taken (shrinking at most
            # fourfold): secants over a region much wider than the step misjudge a curved
            # function.
            taken = (np.abs(moved - x) / span).max(axis=1)
            radius[chosen] = np.clip(2 * taken[better], radius[chosen] / 4, 1.0)
        done = (radius[active] < resolution) | (better & (promised <= 1e-12))
        if whole_box:  # over the whole box an exact model (affine functions) gives the optimum
            exact = np.abs(got - lp.values) <= 1e-12 * (1 + np.abs(lp.values))
            done |= exact & (radius[active] >= 1.0)
        active = active[~done]
    for i, k in enumerate(moving):
        points[k][:] = at[:, i]
    return points, current


def _set_ends(flat: np.ndarray, up: np.ndarray, down: np.ndarray) -> None:
    """Write ``up`` and ``down`` (r, k) into the probes (r, 1 + 2k, k), flattened to
    (r, (1 + 2k) k): coordinate i of probe 1 + 2i is at k + i (2k + 1), of probe 2 + 2i at
    2k + i (2k + 1), every 2k + 1 places, so two strided slices reach them (no index arrays).

    >>> import numpy as np
    >>> p = np.zeros((1, 5, 2)); _set_ends(p.reshape(1, -1), np.array([[1., 2.]]),
    ...                                    np.array([[3., 4.]]))
    >>> p[0].tolist()
    [[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [0.0, 4.0]]
    """
    k = up.shape[1]
    flat[:, k::2 * k + 1] = up
    flat[:, 2 * k::2 * k + 1] = down
