"""Find the largest volume cap, one per draw, under which every capped choice fits the budget.

Each capped problem picks its preferred option of volume at most the cap c; the total is
non-decreasing in c, so the largest c that keeps it within the budget is found by bisection
per draw (:func:`largest_uniform_cap`).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from games.decisions.allocation.decomposition import stack_options

__all__ = ["CAP_DRAWS", "largest_uniform_cap"]

#: Draws :func:`largest_uniform_cap` takes at once (it keeps about 8 arrays of draws x
#: problems x options; each draw's cap is found on its own: same answers).
CAP_DRAWS = 128


def largest_uniform_cap(preference: Sequence[ArrayLike], volumes: Sequence[ArrayLike],
                        budget: ArrayLike, *, capped: Sequence[bool] | None = None,
                        bisections: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """The largest cap c, one per draw, such that when each capped problem picks its preferred
    option with volume <= c the total volume stays within ``budget``; and those picks.

    ``preference[k]``: (draws, options), the chooser's ranking (-inf: unavailable);
    ``capped[k]`` False exempts problem k from the cap (its volume still counts). A problem
    with no option under the cap picks its least-volume option. Bisection on c per draw
    (the total is non-decreasing in c). Returns (cap, choice).

    >>> import numpy as np
    >>> pref = [np.array([[0.0, 1.0, 2.0]])] * 2          # both want as much as possible
    >>> vol = [np.array([[0.0, 1.0, 2.0]])] * 2
    >>> cap, pick = largest_uniform_cap(pref, vol, budget=2.0)
    >>> pick.tolist(), bool(1 <= cap[0] < 2)         # any cap in [1, 2) gives these picks
    ([[1, 1]], True)
    """
    prefs = [np.asarray(v, dtype=float) for v in preference]
    vols = [np.broadcast_to(np.asarray(w, dtype=float), v.shape) for v, w in zip(prefs, volumes)]
    n = prefs[0].shape[0]
    capped = list(capped) if capped is not None else [True] * len(prefs)
    B = np.broadcast_to(np.asarray(budget, dtype=float), (n,))
    if n > CAP_DRAWS:           # each draw on its own: the same numbers, less memory at once
        parts = [largest_uniform_cap([v[rows] for v in prefs], [w[rows] for w in vols],
                                     B[rows], capped=capped, bisections=bisections)
                 for rows in np.array_split(np.arange(n), -(-n // CAP_DRAWS))]
        return (np.concatenate([c for c, _ in parts]),
                np.concatenate([pick for _, pick in parts]))
    return _uniform_cap(prefs, vols, B, capped, bisections)


def _uniform_cap(prefs, vols, B, capped, bisections):
    """:func:`largest_uniform_cap` on draws few enough to stack at once."""
    n = prefs[0].shape[0]
    V, W = stack_options(prefs, vols)
    finite = np.isfinite(V)
    least = np.argmin(np.where(finite, W, np.inf), axis=2)
    exempt = ~np.asarray(capped, dtype=bool)[None, :]
    # Each problem's options by rising volume (unavailable ones last, never allowed), and the
    # preferred option among the first j of them (ties to the first listed, as argmax
    # would): a cap then only counts the options under it, one comparison per option.
    volume = np.where(finite, W, np.inf)
    order = np.argsort(volume, axis=2, kind="stable")
    sorted_w = np.take_along_axis(volume, order, axis=2)
    sorted_v = np.take_along_axis(np.where(finite, V, -np.inf), order, axis=2)
    prefix = np.empty_like(order)
    top_v = np.full(V.shape[:2], -np.inf)
    top_i = np.full(V.shape[:2], V.shape[2], dtype=order.dtype)
    for j in range(V.shape[2]):
        v, i = sorted_v[..., j], order[..., j]
        better = (v > top_v) | ((v == top_v) & (i < top_i))
        top_v, top_i = np.where(better, v, top_v), np.where(better, i, top_i)
        prefix[..., j] = top_i
    available = finite.sum(axis=2)

    def pick(c):
        count = np.where(exempt, available, (sorted_w <= c[:, None, None]).sum(axis=2))
        best = np.take_along_axis(prefix, np.maximum(count - 1, 0)[..., None], axis=2)[..., 0]
        return np.where(count > 0, best, least)

    def total(choice):
        picked = np.take_along_axis(W, choice[..., None], axis=2)[..., 0]
        # In order, as the deals are listed: a running sum adds one problem at a time (a
        # sum over the axis would add in pairs, other last digits).
        return np.add.accumulate(picked, axis=1)[:, -1]

    def good(c):
        return total(pick(c)) <= B * (1 + 1e-12)

    top = np.max([np.max(np.where(np.isfinite(v), w, 0), axis=1) for v, w in zip(prefs, vols)],
                 axis=0)
    edge = _first_too_large(good, sorted_w[:, ~exempt[0]].reshape(n, -1))
    lo, hi = np.zeros(n), top.copy()
    fits_all = good(hi)
    lo[fits_all] = top[fits_all]
    for _ in range(bisections):
        mid = (lo + hi) / 2
        ok = mid < edge                              # = good(mid), one comparison per draw
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    return lo, pick(lo)


def _first_too_large(good: Callable[[np.ndarray], np.ndarray], volumes: np.ndarray
                     ) -> np.ndarray:
    """For :func:`largest_uniform_cap`: per draw, the least cap at which ``good`` fails (inf
    if none, -inf if it fails at every cap), among the capped options' ``volumes`` (draws,
    options). ``good(c)`` depends on c only through which options have volume <= c, and
    fails from some cap on (the total is non-decreasing in c), so it fails exactly at the
    caps from the least failing volume on: ``good(c) == (c < edge)`` for every c, and a
    bisection on c takes the same steps asking that instead. Found by binary search over
    each draw's volumes in rising order (about log2 of their number calls of ``good``
    instead of one per bisection step)."""
    n = volumes.shape[0]
    at = np.arange(n)
    values = np.sort(np.where(np.isfinite(volumes), volumes, np.inf), axis=1)
    count = np.isfinite(values).sum(axis=1)
    lo, hi = np.zeros(n, dtype=np.intp), count.astype(np.intp)
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        live = lo < hi
        fails = ~good(values[at, np.minimum(mid, values.shape[1] - 1)])
        hi = np.where(live & fails, mid, hi)
        lo = np.where(live & ~fails, mid + 1, lo)
    found = lo < count
    edge = np.full(n, np.inf)
    edge[found] = values[at[found], lo[found]]
    return np.where(good(np.full(n, -np.inf)), edge, -np.inf)
