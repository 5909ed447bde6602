"""Price the shared budget: each problem's best option at a price, and the price that fits.

The Lagrangian stage of :func:`games.decisions.allocation.allocate`. At a price p per unit of
volume each problem picks argmax_l v_kl - p w_kl alone (:class:`Responses`); the critical
price is found by bisection per draw, the budget filled with the options tied there and
the answer improved by coordinate ascent (:func:`lagrangian_stage`), and the dual function
at a price bounds the optimum from above (Everett 1963; Boyd and Vandenberghe, *Convex
Optimization*, 2004, ch. 5).

>>> import numpy as np
>>> V, W = stack_options([np.array([[0.0, 2.0]])], [np.array([[0.0, 1.0]])])
>>> Responses(V, W)(np.array([1.5]))[0].tolist()     # worth 2 a unit of volume: taken
[[1]]
"""

from __future__ import annotations

import numpy as np

from games.compiled import optional_module

__all__ = ["stack_options", "Responses", "objective", "lagrangian_stage", "shed", "ascend"]

#: The compiled loops in use (games/decisions/_allocation.c: the price bisection, the budget
#: fill and coordinate ascent, the same arithmetic as the NumPy code here, so the same numbers
#: bit for bit), or None: not built, or CHIPDEALS_PURE set (:mod:`games.compiled`). Tests set
#: it to None to compare (here and in :mod:`games.decisions.allocation.dynamic_programme`).
_COMPILED = optional_module("games.decisions._allocation")


def stack_options(values, volumes):
    """The problems' options side by side, (draws, problems, options), padded with
    unavailable options (value -inf, volume 0) after each problem's own."""
    n, width = values[0].shape[0], max(v.shape[1] for v in values)
    V = np.full((n, len(values), width), -np.inf)
    W = np.zeros((n, len(values), width))
    for k, (v, w) in enumerate(zip(values, volumes)):
        V[:, k, :v.shape[1]] = v
        W[:, k, :v.shape[1]] = w
    return V, W


class Responses:
    """Each problem's best option at prices p (ties to the first option), from the stacked
    options of :func:`stack_options`: choices, volumes and reduced values, (draws, problems) each.
    One work array is reused across calls (the bisection asks many prices)."""

    def __init__(self, V: np.ndarray, W: np.ndarray) -> None:
        self.V, self.W = V, W
        self.work = np.empty_like(V)
        self.flat = np.arange(V.shape[0] * V.shape[1])

    def __call__(self, p: np.ndarray, reduced: bool = True):
        n, k, width = self.V.shape
        work = np.multiply(self.W, p[:, None, None], out=self.work)
        work = np.subtract(self.V, work, out=work)
        pick = np.argmax(work, axis=2).ravel()
        vols = self.W.reshape(n * k, width)[self.flat, pick].reshape(n, k)
        best = work.reshape(n * k, width)[self.flat, pick].reshape(n, k) if reduced else None
        return pick.reshape(n, k), vols, best


def objective(values, choice, vols, q, stacked=None):
    """The objective of the choices: the options' values summed problem by problem (from 0,
    in order), less the quadratic cost on the total volume. ``stacked``: the values as
    :func:`stack_options` gives them, for one gather instead of one per problem (the same sums:
    an accumulation runs in the same order)."""
    if stacked is not None:
        picked = np.take_along_axis(stacked, choice[:, :, None], axis=2)[:, :, 0]
        own = np.add.accumulate(np.concatenate([np.zeros((len(picked), 1)), picked], axis=1),
                                axis=1)[:, -1]
    else:
        own = sum(np.take_along_axis(v, choice[:, [k]], axis=1)[:, 0]
                  for k, v in enumerate(values))
    total = vols.sum(axis=1)
    return own - q * total ** 2 / 2


def lagrangian_stage(values, volumes, B, q, V, W, respond, bisections, sweeps):
    """The Lagrangian stage: the critical prices (``lo``, ``hi``), the answer at ``hi`` with
    the budget filled by tied options and improved by coordinate ascent (its choice,
    volumes and value), the dual bound and the price that gives it."""
    n = len(B)
    lo, hi = _critical_prices(respond, V, W, B, q, bisections, n)
    choice, vols, reduced_hi = respond(hi)          # its reduced values give the bound too
    best = objective(values, choice, vols, q, V)
    filled, fvols = _fill(values, volumes, hi, choice, vols, B, (V, W))
    fbest = objective(values, filled, fvols, q, V)
    better = fbest > best
    choice = np.where(better[:, None], filled, choice)
    vols = np.where(better[:, None], fvols, vols)
    choice, vols = ascend(values, volumes, choice, vols, B, q, sweeps, (V, W))
    value = objective(values, choice, vols, q, V)
    d_hi, d_lo = _dual(respond, hi, B, q, reduced_hi), _dual(respond, lo, B, q)
    bound = np.minimum(d_hi, d_lo)
    best_price = np.where(d_hi <= d_lo, hi, lo)      # the price of the tighter bound
    return lo, hi, choice, vols, value, bound, best_price


def _serves(p, respond, B, q):
    """Per draw, whether price ``p`` is high enough: the responses fit the budget, and the
    price covers the quadratic cost's marginal at their total."""
    _, vols, _ = respond(p, reduced=False)
    total = vols.sum(axis=1)
    return (total <= B * (1 + 1e-12)) & (q * total <= p * (1 + 1e-12) + 1e-300)


def _critical_prices(respond, V, W, B, q, bisections, n):
    """Per draw, prices ``lo`` (too low, or 0) and ``hi`` (high enough) around the critical
    one, for the ``n`` draws: 0 where it already serves, else by doubling, then
    ``bisections`` halvings."""
    if _COMPILED is not None:
        lo, hi = np.zeros(n), np.ones(n)
        # Each problem's options up to its last one available in some draw (the kernel
        # skips the rest, -inf at every finite price).
        cols = np.isfinite(V).any(axis=0)
        widths = (V.shape[2] - np.argmax(cols[:, ::-1], axis=1)).astype(np.int64)
        _COMPILED.critical_prices(np.ascontiguousarray(V), np.ascontiguousarray(W), widths,
                                  np.ascontiguousarray(B, dtype=float),
                                  np.ascontiguousarray(q, dtype=float), lo, hi, n,
                                  V.shape[1], V.shape[2], bisections)
        return lo, hi
    lo, hi = np.zeros(n), np.ones(n)
    done = _serves(lo, respond, B, q)
    hi[done] = 0.0
    rows = np.flatnonzero(~done)          # the search runs on the draws price 0 does not serve
    if rows.size:
        sub = respond if rows.size == n else Responses(V[rows], W[rows])
        s_B, s_q, s_lo, s_hi = B[rows], q[rows], lo[rows], hi[rows]
        for _ in range(1100):                           # find a feasible price by doubling
            bad = ~_serves(s_hi, sub, s_B, s_q)
            if not bad.any():
                break
            s_lo[bad], s_hi[bad] = s_hi[bad], s_hi[bad] * 2
        for _ in range(bisections):
            mid = (s_lo + s_hi) / 2
            good = _serves(mid, sub, s_B, s_q)
            s_hi = np.where(good, mid, s_hi)
            s_lo = np.where(good, s_lo, mid)
        lo[rows], hi[rows] = s_lo, s_hi
    return lo, hi


def _dual(respond, p, B, q, best=None):
    """The dual function at prices ``p`` (see the module docstring); ``best``: the
    responses' reduced values at ``p`` where they are already known."""
    if best is None:
        _, _, best = respond(p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = np.where(q > 0, np.clip(p / np.where(q > 0, q, 1.0), 0, B), np.where(p > 0, B, 0.0))
        conj = np.where(w > 0, p * w - q * w ** 2 / 2, 0.0)
    return best.sum(axis=1) + conj


def shed(values, volumes, choice, vols, B):
    """Over the budget: each problem in turn drops to its least-volume option until it fits."""
    choice, vols = choice.copy(), vols.copy()
    for k, (v, w) in enumerate(zip(values, volumes)):
        over = vols.sum(axis=1) > B * (1 + 1e-12)
        least = np.argmin(np.where(np.isfinite(v), w, np.inf), axis=1)
        choice[:, k] = np.where(over, least, choice[:, k])
        vols[:, k] = np.where(over, w[np.arange(len(least)), least], vols[:, k])
    return choice, vols


def _stacked_loop(name, values, stacked, per_draw, B, choice, vols, sweeps=0):
    """The compiled ``ascend`` or ``fill`` on the options stacked by :func:`stack_options` (V, W):
    the same arithmetic draw by draw, on copies of ``choice`` and ``vols``."""
    V, W = stacked
    choice = np.ascontiguousarray(choice, dtype=np.int64).copy()
    vols = np.ascontiguousarray(vols, dtype=float).copy()
    widths = np.array([v.shape[1] for v in values], dtype=np.int64)
    getattr(_COMPILED, name)(V, W, widths, np.ascontiguousarray(B, dtype=float),
                             np.ascontiguousarray(per_draw, dtype=float), choice, vols,
                             V.shape[0], V.shape[1], V.shape[2], sweeps)
    return choice, vols


def ascend(values, volumes, choice, vols, B, q, sweeps, stacked=None):
    """Each problem in turn moves to its best option given the others' (budget respected).
    ``stacked``: the options as :func:`stack_options` gives them, for the compiled loop."""
    if _COMPILED is not None and stacked is not None:
        return _stacked_loop("ascend", values, stacked, q, B, choice, vols, sweeps)
    choice, vols = choice.copy(), vols.copy()
    for _ in range(sweeps):
        for k, (v, w) in enumerate(zip(values, volumes)):
            others = vols.sum(axis=1) - vols[:, k]
            total = others[:, None] + w
            score = np.where(total <= B[:, None] * (1 + 1e-12),
                             v - q[:, None] * total ** 2 / 2, -np.inf)
            current = np.take_along_axis(score, choice[:, [k]], axis=1)[:, 0]
            pick = np.argmax(score, axis=1)
            gain = score[np.arange(len(pick)), pick] > current + 1e-12 * (1 + np.abs(current))
            choice[:, k] = np.where(gain, pick, choice[:, k])
            vols[:, k] = np.where(gain, w[np.arange(len(pick)), pick], vols[:, k])
    return choice, vols


def _fill(values, volumes, p, choice, vols, B, stacked=None):
    """Move each problem, in turn, to its largest tied option that still fits the budget.
    ``stacked``: the options as :func:`stack_options` gives them, for the compiled loop."""
    if _COMPILED is not None and stacked is not None:
        return _stacked_loop("fill", values, stacked, p, B, choice, vols)
    choice, vols = choice.copy(), vols.copy()
    for k, (v, w) in enumerate(zip(values, volumes)):
        reduced = v - p[:, None] * w
        top = np.max(reduced, axis=1, keepdims=True)
        tied = reduced >= top - 1e-9 * (1 + np.abs(top))
        room = B - vols.sum(axis=1) + vols[:, k]
        fits = tied & (w <= room[:, None] * (1 + 1e-12))
        pick = np.argmax(np.where(fits, w, -np.inf), axis=1)
        has = fits.any(axis=1)
        choice[:, k] = np.where(has, pick, choice[:, k])
        vols[:, k] = np.where(has, np.take_along_axis(w, pick[:, None], axis=1)[:, 0], vols[:, k])
    return choice, vols
