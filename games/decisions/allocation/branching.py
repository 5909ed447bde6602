"""Split each open draw on its break problem before solving it exactly.

The break problem is the one whose answer moves most in volume across the critical price;
fixing it at each of its undominated options gives branches whose own Lagrangian bounds are
much tighter when that problem is large, so most close at once
(:func:`branch_on_break`); the rest go to the dynamic programme.

>>> import numpy as np
>>> best, pick = np.array([1.0]), np.zeros((1, 1), int)
>>> _best_branch(np.array([0.5, 2.0]), np.array([[1], [2]]), np.array([0, 0]), best, pick)
>>> best.tolist(), pick.ravel().tolist()
([2.0], [2])
"""

from __future__ import annotations

import numpy as np

from games.decisions.allocation.decomposition import Responses, lagrangian_stage
from games.decisions.allocation.dynamic_programme import DP_CHUNK, solve_exactly, undominated

__all__ = ["branch_on_break"]


def branch_on_break(values, volumes, B, q, respond, lo, hi, choice, value, bound, tolerance, wide,
            bisections, sweeps):
    """Branch once on each draw's break problem: the problem whose answer moves most in
    volume between the prices ``lo`` and ``hi`` (the one the Lagrangian answer would take a
    fraction of). Every undominated option of it that can fit is a branch; a branch's own
    Lagrangian bound is much tighter when that problem is large, and a branch whose bound
    cannot beat the best answer by more than the tolerance is closed; the others are
    solved by :func:`_frontier` (with the draw's best answer as incumbent). The branches
    cover every answer (a dominated option's answers are no better than its dominator's),
    so the largest branch bound is a bound. Updates ``choice``, ``value`` and ``bound`` of
    the ``wide`` draws in place; returns those whose gap is still open (a branch left to
    :func:`_frontier`'s state limit), for the exact stage on the whole draw."""
    sub = Responses(respond.V[wide], respond.W[wide])
    c_lo, w_lo, _ = sub(lo[wide], reduced=False)
    c_hi, w_hi, _ = sub(hi[wide], reduced=False)
    moved = np.abs(w_lo - w_hi)
    pivot = np.argmax(moved, axis=1)
    has = moved[np.arange(wide.size), pivot] > 0
    # Each problem's least volume (the stack's padding is unavailable), summed problem by
    # problem from 0 in order; the room the pivot has beside the others' least.
    least = np.min(np.where(np.isfinite(respond.V[wide]), respond.W[wide], np.inf), axis=2)
    others = np.add.accumulate(np.concatenate([np.zeros((wide.size, 1)), least], axis=1),
                               axis=1)[:, -1]
    at = np.arange(wide.size)
    free = B[wide] * (1 + 1e-12) - (others - least[at, pivot])
    branches = np.zeros((wide.size, respond.V.shape[2]), bool)
    for k in np.unique(pivot[has]):          # the undominated options of each pivot that fit
        js = np.flatnonzero(has & (pivot == k))
        v, w = values[k][wide[js]], volumes[k][wide[js]]
        branches[js, :v.shape[1]] = undominated(v, w) & (w <= free[js, None])
    rows, option = np.nonzero(branches)      # by draw, then by option, as a loop would list
    if not rows.size:
        return wide
    draw = wide[rows]
    # The branches' options stacked (as :func:`stack_options` would stack them: copies of the
    # draws' rows), and each problem's as a view of them.
    bV, bW = respond.V[draw], respond.W[draw]
    for j in np.unique(pivot[rows]):             # the pivot held at the branch's option
        at = np.flatnonzero(pivot[rows] == j)
        keep = bV[at, j, option[at]]
        bV[at, j] = -np.inf                      # (past its own options: -inf already)
        bV[at, j, option[at]] = keep
    b_values = [bV[:, k, :v.shape[1]] for k, v in enumerate(values)]
    b_volumes = [bW[:, k, :v.shape[1]] for k, v in enumerate(values)]
    b_respond = Responses(bV, bW)
    _, _, b_choice, _, b_value, b_bound, b_price = lagrangian_stage(
        b_values, b_volumes, B[draw], q[draw], bV, bW, b_respond, bisections, sweeps)
    b_bound = np.maximum(b_bound, b_value)
    # The best branch answer of each draw as every branch's incumbent.
    best = value[wide].copy()
    pick = choice[wide].copy()
    _best_branch(b_value, b_choice, rows, best, pick)
    b_value, b_choice = best[rows].copy(), pick[rows].copy()
    top = np.full(wide.size, -np.inf)
    np.maximum.at(top, rows, b_bound)
    scale = tolerance * np.maximum(np.abs(best), np.abs(np.maximum(top, best)))
    open_ = np.flatnonzero(b_bound - b_value > scale[rows])
    for part in np.array_split(open_, max(1, -(-open_.size // DP_CHUNK))):
        solve_exactly(b_values, b_volumes, B[draw], q[draw], b_price, b_choice, b_value, b_bound,
               tolerance, part)             # a branch past MAX_STATES keeps its bound
    best, bound_w = value[wide].copy(), np.full(wide.size, -np.inf)
    np.maximum.at(bound_w, rows, np.maximum(b_bound, b_value))
    _best_branch(b_value, b_choice, rows, best, pick)
    bound_w = np.where(has, np.minimum(bound[wide], np.maximum(bound_w, best)), bound[wide])
    value[wide], choice[wide], bound[wide] = best, pick, np.maximum(bound_w, best)
    still = bound[wide] - value[wide] > tolerance * np.maximum(np.abs(value[wide]),
                                                               np.abs(bound[wide]))
    return wide[still]


def _best_branch(b_value, b_choice, rows, best, pick):
    """For :func:`branch_on_break`: each draw's best branch, where it beats the draw's
    ``best``, into ``best`` and ``pick`` (in place). As a loop over the branches by rising
    value keeping each one that beats the best so far: the highest value wins, among equal
    ones the first listed; a NaN never does.

    >>> best, pick = np.array([1.0, 5.0]), np.zeros((2, 1), int)
    >>> _best_branch(np.array([2.0, 3.0, 3.0, 4.0]), np.array([[1], [2], [3], [4]]),
    ...              np.array([0, 0, 0, 1]), best, pick)
    >>> best.tolist(), pick.ravel().tolist()
    ([3.0, 5.0], [2, 0])
    """
    v = np.where(np.isnan(b_value), -np.inf, b_value)
    top = np.full(best.size, -np.inf)
    np.maximum.at(top, rows, v)
    wins = (v == top[rows]) & (v > best[rows])
    first = np.full(best.size, rows.size)
    np.minimum.at(first, rows[wins], np.flatnonzero(wins))
    won = np.flatnonzero(first < rows.size)
    best[won], pick[won] = b_value[first[won]], b_choice[first[won]]
