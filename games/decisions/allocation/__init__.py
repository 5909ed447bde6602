"""A shared budget across separable choices: Lagrangian decomposition, for many draws at once.

Problem k offers options l with a value v_kl and a volume w_kl (an option with value -inf is
unavailable). Per draw, choose one option per problem to

    maximise  sum_k v_k(l_k) - q (sum_k w_k(l_k))^2 / 2   subject to   sum_k w_k(l_k) <= B,

a quadratic cost q on the total volume and a budget B (one of each per draw; q = 0 and
B = inf allowed). A price p per unit of volume decomposes it (Everett 1963; Boyd and
Vandenberghe, *Convex Optimization*, 2004, ch. 5): given p each problem picks
argmax_l v_kl - p w_kl alone; the total W(p) falls as p rises, and the price is the least p
with W(p) <= B and q W(p) <= p (then p = q W + lambda, lambda >= 0 the shadow price of the
budget), found by bisection per draw. At that price the options tied within rounding are
used to fill the budget, and the better of that and the plain answer is kept; ``sweeps``
rounds of coordinate ascent (each problem's best option given the others, under the true
objective and the budget) can only raise it further, and the answers at a few prices near
the critical one are improved the same way, the best kept.

For every p the dual function D(p) = sum_k max_l (v_kl - p w_kl) + max_{0<=W<=B} (p W - q W^2/2)
bounds the optimum from above (weak duality), so each draw reports ``gap`` = D - attained:
0 means the answer is optimal; a positive gap (options not on the upper concave hull of
value against volume) is the most that is left.

The Lagrangian answer is a heuristic: a discrete problem's optimum need not be a Lagrangian
one (two problems with options of volume 0, 1, 2, 4 and a budget of 1 can be answered with
the option worth 0.1 instead of the one worth 1.0). So every draw whose gap is above
``tolerance`` times its objective is then solved as a mixed-integer programme (one binary
per option, one option per problem, the budget a row; HiGHS through
:func:`scipy.optimize.milp`), the quadratic cost on the total by outer approximation: a
variable t >= q (a W - a^2 / 2) for tangent points a, a cut added at the answer's own total
until the cost there is exact (Kelley's cutting planes; each total gets at most one cut, and
there are finitely many totals). The solver's own dual bound then replaces the Lagrangian
one, so ``gap`` is certified: at most ``tolerance`` times the objective, or (if the solver
stopped at its node limit) the most that is left.

The inner loops (the price bisection, the budget fill, coordinate ascent, the undominated
options and the dynamic programme's steps) run compiled where the optional extension
games/decisions/_allocation.c is built (``pip install .``); it repeats the NumPy arithmetic
here operation for operation, so the answers are the same bit for bit, and
``CHIPDEALS_PURE=1`` (or no compiler) runs this module's NumPy code.

>>> import numpy as np
>>> values = [np.array([[0.0, 1.0, 2.0]]), np.array([[0.0, 0.5, 1.0]])]   # 2 and 1 per unit
>>> volumes = [np.array([[0.0, 0.5, 1.0]]), np.array([[0.0, 0.5, 1.0]])]
>>> a = allocate(values, volumes, budget=1.5)
>>> a.volumes.tolist(), round(float(a.price[0]), 9), float(a.value[0]), round(float(a.gap[0]), 9)
([[1.0, 0.5]], 1.0, 2.5, 0.0)
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from games.compiled import optional_module
from games.errors import GameError, InvalidGameError

#: Multiples of the critical price whose Lagrangian answers also seed the search.
NEARBY_PRICES = (0.6, 0.8, 0.9, 0.95, 1.05, 1.1, 1.25, 1.6)
#: Default relative gap (of the objective) above which a draw is solved as a MILP.
TOLERANCE = 1e-6
#: Branch-and-bound nodes the MILP may use per draw (a count, not a clock: same bytes on
#: every machine); past it the draw keeps its best answer and reports its gap.
NODE_LIMIT = 20_000
#: Cutting-plane rounds for the quadratic cost per draw.
CUT_ROUNDS = 40
#: Most (volume, value) states the exact dynamic programme keeps before a draw goes to the MILP.
MAX_STATES = 2_000
#: Draws the dynamic programme takes at once (its memory is about DP_CHUNK x the states a
#: draw keeps x options per problem numbers; the per-step overhead of NumPy calls is paid
#: once per chunk, so a larger chunk is faster).
DP_CHUNK = 512
#: Problems from which :func:`allocate` branches on the break problem before the dynamic
#: programme (153 problems: 2-3 times faster; a handful: no gain).
BRANCH_PROBLEMS = 24
#: Draws :func:`_branch` takes at once: each branch copies every problem's options (about 3
#: branches a draw, 100 KB each with 153 problems of 26 options, and its exact stage as
#: much again), so its memory is set by this and not by the draws of the call (each draw is
#: branched on its own: same answers).
BRANCH_DRAWS = 64
#: Draws :func:`largest_uniform_cap` takes at once (it keeps about 8 arrays of draws x
#: problems x options; each draw's cap is found on its own: same answers).
CAP_DRAWS = 128


#: The compiled loops in use (games/decisions/_allocation.c: the price bisection and the
#: dynamic programme's steps, the same arithmetic as the NumPy code here, so the same numbers
#: bit for bit), or None: not built, or CHIPDEALS_PURE set (:mod:`games.compiled`). Tests set
#: it to None to compare.
_COMPILED = optional_module("games.decisions._allocation")


@dataclass(frozen=True, eq=False)
class Allocation:
    """Per draw: the option chosen in each problem, the price of volume, value and bound.

    ``choice`` and ``volumes`` have one column per problem; ``price`` is p (the marginal cost
    of a unit of volume, q W + lambda), ``shadow_price`` is lambda (the budget's own part);
    ``value`` is the objective attained, ``bound`` the dual bound, ``gap`` = bound - value.
    """

    choice: np.ndarray
    volumes: np.ndarray
    price: np.ndarray
    shadow_price: np.ndarray
    value: np.ndarray
    bound: np.ndarray
    method: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> np.ndarray:
        """How far the attained value may be below the optimum (0: optimal)."""
        return np.maximum(self.bound - self.value, 0.0)

    @property
    def total(self) -> np.ndarray:
        """Total volume per draw."""
        return self.volumes.sum(axis=1)


def _stack(values, volumes):
    """The problems' options side by side, (draws, problems, options), padded with
    unavailable options (value -inf, volume 0) after each problem's own."""
    n, width = values[0].shape[0], max(v.shape[1] for v in values)
    V = np.full((n, len(values), width), -np.inf)
    W = np.zeros((n, len(values), width))
    for k, (v, w) in enumerate(zip(values, volumes)):
        V[:, k, :v.shape[1]] = v
        W[:, k, :v.shape[1]] = w
    return V, W


class _Responses:
    """Each problem's best option at prices p (ties to the first option), from the stacked
    options of :func:`_stack`: choices, volumes and reduced values, (draws, problems) each.
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


def _objective(values, choice, vols, q, stacked=None):
    """The objective of the choices: the options' values summed problem by problem (from 0,
    in order), less the quadratic cost on the total volume. ``stacked``: the values as
    :func:`_stack` gives them, for one gather instead of one per problem (the same sums:
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


def allocate(values: Sequence[ArrayLike], volumes: Sequence[ArrayLike], budget: ArrayLike = np.inf,
             quadratic: ArrayLike = 0.0, *, bisections: int = 32, sweeps: int = 2,
             nearby: Sequence[float] = NEARBY_PRICES, tolerance: float = TOLERANCE,
             exact: bool = True, branch: bool | None = None) -> Allocation:
    """Choose one option per problem and draw to maximise total value under a shared budget.

    ``values[k]``, ``volumes[k]``: arrays (draws, options of problem k), volumes >= 0; every
    problem needs at least one available option (value > -inf) per draw. ``budget`` and
    ``quadratic`` (the cost q >= 0 on the total) are one number or one per draw. Among options
    tied at a price the first is taken: list each problem's options by rising volume, so
    that the total falls as the price rises. Draws whose gap exceeds ``tolerance`` times the
    objective are solved exactly (``exact=False`` keeps the Lagrangian answer and its
    bound); ``branch`` first splits each such draw on its break problem (see
    :func:`_branch`), which pays when the problems are many and a few are large (None: when
    there are at least :data:`BRANCH_PROBLEMS`). See the
    module docstring for the method and what ``gap`` means.

    >>> import numpy as np
    >>> a = allocate([np.array([[0.0, 3.0]])], [np.array([[0.0, 1.0]])], budget=2.0)
    >>> a.volumes.tolist(), float(a.shadow_price[0])        # slack budget: price 0
    ([[1.0]], 0.0)
    >>> w = np.array([[0.0, 1.0, 2.0, 4.0]])                # the decomposition alone picks 0.1
    >>> b = allocate([np.array([[0.0, 0.1, 3.0, 2.0]]), np.array([[0.0, 1.0, 6.0, 12.0]])],
    ...              [w, w], budget=1.0)
    >>> b.choice.tolist(), float(b.value[0]), float(b.gap[0])
    ([[0, 1]], 1.0, 0.0)
    """
    values, volumes, B, q = _checked(values, volumes, budget, quadratic)
    if not np.isfinite(tolerance) or tolerance < 0:
        raise GameError(f"allocate: tolerance must be a number >= 0, not {tolerance!r}")
    n = values[0].shape[0]
    least = sum(np.min(np.where(np.isfinite(v), w, np.inf), axis=1)
                for v, w in zip(values, volumes))
    if np.any(least > B * (1 + 1e-12)):
        raise GameError("allocate: the budget is below the least total volume in some draws")

    V, W = _stack(values, volumes)
    respond = _Responses(V, W)
    lo, hi, choice, vols, value, bound, best_price = _lagrangian(values, volumes, B, q, V, W,
                                                                 respond, bisections, sweeps)
    # Where a gap remains, other prices near the critical one give other starting points (a
    # discrete problem's best answer need not be a Lagrangian one); each is made feasible and
    # improved the same way, the best kept.
    # (Skipped when the exact stage follows: the dynamic programme solves those draws anyway,
    # and it is cheaper than eight more rounds of ascent on every open draw.)
    open_ = np.flatnonzero(bound - value > 1e-9 * (1 + np.abs(value)))
    if open_.size and nearby and not exact:
        sub_v = [v[open_] for v in values]
        sub_w = [w[open_] for w in volumes]
        sub_B, sub_q = B[open_], q[open_]
        c0, w0, v0 = choice[open_], vols[open_], value[open_]
        near = _Responses(V[open_], W[open_])
        for factor in nearby:
            c, w = near(hi[open_] * factor, reduced=False)[:2]
            c, w = _shed(sub_v, sub_w, c, w, sub_B)
            c, w = _ascend(sub_v, sub_w, c, w, sub_B, sub_q, sweeps)
            v = _objective(sub_v, c, w, sub_q)
            better = (v > v0 + 1e-12 * (1 + np.abs(v0))) & (w.sum(axis=1) <= sub_B * (1 + 1e-12))
            c0 = np.where(better[:, None], c, c0)
            w0 = np.where(better[:, None], w, w0)
            v0 = np.where(better, v, v0)
        choice[open_], vols[open_], value[open_] = c0, w0, v0
    bound = np.maximum(bound, value)
    method = ("Lagrangian decomposition, price by bisection per draw, budget filled with tied "
              "options, then coordinate ascent; dual bound by weak duality")
    if exact:
        wide = np.flatnonzero(bound - value > tolerance * np.maximum(np.abs(value), np.abs(bound)))
        if branch is None:
            branch = len(values) >= BRANCH_PROBLEMS
        if wide.size and branch:
            wide = np.concatenate([
                _branch(values, volumes, B, q, respond, lo, hi, choice, value, bound,
                        tolerance, part, bisections, sweeps)
                for part in np.array_split(wide, -(-wide.size // BRANCH_DRAWS))])
        for part in np.array_split(wide, max(1, -(-wide.size // DP_CHUNK))):
            rest = _exact(values, volumes, B, q, best_price, choice, value, bound,
                          tolerance, part)
            for i in rest:                       # too many states: the solver instead
                found = _milp_draw([v[i] for v in values], [w[i] for w in volumes], B[i],
                                   q[i], choice[i], value[i], bound[i], tolerance)
                choice[i], value[i], bound[i] = found
        vols = np.column_stack([np.take_along_axis(w, choice[:, [k]], axis=1)[:, 0]
                                for k, w in enumerate(volumes)])
        method += ("; draws with a gap above the tolerance solved exactly by a dynamic "
                   "programme over non-dominated (volume, value) states pruned by the dual "
                   "bound, or past MAX_STATES as a MILP (HiGHS, the quadratic cost by cutting "
                   "planes)")
    total = vols.sum(axis=1)
    return Allocation(choice, vols, hi, np.maximum(hi - q * total, 0.0), value, bound, method,
                      {"bisections": bisections, "sweeps": sweeps, "nearby": tuple(nearby),
                       "tolerance": tolerance, "exact": exact, "branch": branch})


def _lagrangian(values, volumes, B, q, V, W, respond, bisections, sweeps):
    """The Lagrangian stage: the critical prices (``lo``, ``hi``), the answer at ``hi`` with
    the budget filled by tied options and improved by coordinate ascent (its choice,
    volumes and value), the dual bound and the price that gives it."""
    n = len(B)
    lo, hi = _critical_prices(respond, V, W, B, q, bisections, n)
    choice, vols, reduced_hi = respond(hi)          # its reduced values give the bound too
    best = _objective(values, choice, vols, q, V)
    filled, fvols = _fill(values, volumes, hi, choice, vols, B, (V, W))
    fbest = _objective(values, filled, fvols, q, V)
    better = fbest > best
    choice = np.where(better[:, None], filled, choice)
    vols = np.where(better[:, None], fvols, vols)
    choice, vols = _ascend(values, volumes, choice, vols, B, q, sweeps, (V, W))
    value = _objective(values, choice, vols, q, V)
    d_hi, d_lo = _dual(respond, hi, B, q, reduced_hi), _dual(respond, lo, B, q)
    bound = np.minimum(d_hi, d_lo)
    best_price = np.where(d_hi <= d_lo, hi, lo)      # the price of the tighter bound
    return lo, hi, choice, vols, value, bound, best_price


def _branch(values, volumes, B, q, respond, lo, hi, choice, value, bound, tolerance, wide,
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
    sub = _Responses(respond.V[wide], respond.W[wide])
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
        branches[js, :v.shape[1]] = _undominated(v, w) & (w <= free[js, None])
    rows, option = np.nonzero(branches)      # by draw, then by option, as a loop would list
    if not rows.size:
        return wide
    draw = wide[rows]
    # The branches' options stacked (as :func:`_stack` would stack them: copies of the
    # draws' rows), and each problem's as a view of them.
    bV, bW = respond.V[draw], respond.W[draw]
    for j in np.unique(pivot[rows]):             # the pivot held at the branch's option
        at = np.flatnonzero(pivot[rows] == j)
        keep = bV[at, j, option[at]]
        bV[at, j] = -np.inf                      # (past its own options: -inf already)
        bV[at, j, option[at]] = keep
    b_values = [bV[:, k, :v.shape[1]] for k, v in enumerate(values)]
    b_volumes = [bW[:, k, :v.shape[1]] for k, v in enumerate(values)]
    b_respond = _Responses(bV, bW)
    _, _, b_choice, _, b_value, b_bound, b_price = _lagrangian(
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
        _exact(b_values, b_volumes, B[draw], q[draw], b_price, b_choice, b_value, b_bound,
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
    """For :func:`_branch`: each draw's best branch, where it beats the draw's ``best``, into
    ``best`` and ``pick`` (in place). As a loop over the branches by rising value keeping
    each one that beats the best so far: the highest value wins, among equal ones the
    first listed; a NaN never does.

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
        sub = respond if rows.size == n else _Responses(V[rows], W[rows])
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


def _checked(values, volumes, budget, quadratic):
    """The inputs as float arrays, or one line saying which is wrong."""
    if not len(values):
        raise GameError("allocate: give at least one problem")
    if len(values) != len(volumes):
        raise InvalidGameError(f"allocate: {len(values)} problems' values but "
                               f"{len(volumes)} problems' volumes")
    values = [np.asarray(v, dtype=float) for v in values]
    n = values[0].shape[0] if values[0].ndim == 2 else -1
    out = []
    for k, (v, w) in enumerate(zip(values, volumes)):
        if v.ndim != 2 or v.shape[0] != n or v.shape[1] < 1:
            raise InvalidGameError(
                "allocate: each problem's values must be (draws, options) arrays with the "
                f"same number of draws; problem {k} has shape {v.shape}")
        w = np.asarray(w, dtype=float)
        try:
            w = np.broadcast_to(w, v.shape)
        except ValueError:
            raise InvalidGameError(f"allocate: problem {k}'s volumes have shape {w.shape}, "
                                   f"its values {v.shape}") from None
        if np.isnan(v).any():
            raise InvalidGameError(f"allocate: problem {k}'s values are NaN in draw "
                                   f"{int(np.argwhere(np.isnan(v))[0, 0])}")
        if np.isposinf(v).any():
            raise InvalidGameError(f"allocate: problem {k}'s values are +inf in draw "
                                   f"{int(np.argwhere(np.isposinf(v))[0, 0])}")
        if not np.isfinite(w).all():
            raise InvalidGameError(f"allocate: problem {k}'s volumes are not finite in draw "
                                   f"{int(np.argwhere(~np.isfinite(w))[0, 0])}")
        if np.any(w < 0):
            raise GameError("allocate: volumes must be at least 0")
        if np.any(~np.isfinite(v).any(axis=1)):
            raise GameError("allocate: every problem needs an available option in every draw")
        out.append(w)
    per_draw = {}
    for name, x in (("budget", budget), ("quadratic cost", quadratic)):
        x = np.asarray(x, dtype=float)
        try:
            x = np.broadcast_to(x, (n,))
        except ValueError:
            raise InvalidGameError(f"allocate: the {name} has shape {x.shape}; give one number "
                                   f"or one per draw ({n})") from None
        if np.isnan(x).any():
            raise InvalidGameError(f"allocate: the {name} is NaN in draw "
                                   f"{int(np.flatnonzero(np.isnan(x))[0])}")
        per_draw[name] = x
    B, q = per_draw["budget"], per_draw["quadratic cost"]
    if np.any(q < 0) or np.isinf(q).any():
        raise InvalidGameError("allocate: the quadratic cost must be a finite number >= 0 "
                               f"(draw {int(np.flatnonzero((q < 0) | np.isinf(q))[0])})")
    return values, out, B, q


def _exact(values, volumes, B, q, p, choice, value, bound, tolerance, rows):
    """:func:`_frontier` on the draws ``rows``, each over its own open problems only.

    Reduced-cost fixing (:func:`_fixing`) leaves most problems of a draw with one option
    that can still matter (on the middle tier a draw keeps a median of 18 of 153 open).
    Those are summed into one fixed part per draw, and each draw's open problems become
    the programme's problems in their own order (a draw with fewer has problems of one
    option of value and volume 0 after them); draws with about as many open problems are
    solved together (:data:`DP_CHUNK` at most), so a draw with few does not wait through
    the steps of one with many. The programme is the same (each state is a choice of the
    open problems on top of the fixed part, its bound the dual bound over the problems
    left open), so the answer is exact and its bound certified as before. Same arguments
    as :func:`_frontier`; returns the rows past ``MAX_STATES`` states."""
    if not rows.size:
        return rows
    Bs, qs, ps = B[rows], q[rows], p[rows]
    best, top = value[rows], bound[rows]
    slack = tolerance * np.minimum(np.abs(best), np.abs(top))
    stacked = _fixing(values, volumes, rows, Bs, qs, ps, best, slack)[5]
    open_ = stacked[2].sum(axis=2) != 1      # problems with other than one option alive
    sizes = open_.sum(axis=1)
    order = np.argsort(sizes, kind="stable")
    failed = []
    start = 0
    while start < order.size:            # groups of draws with about as many open problems
        stop = start + 1
        limit = 2 * sizes[order[start]] + 8
        while stop < order.size and stop - start < DP_CHUNK and sizes[order[stop]] <= limit:
            stop += 1
        group = order[start:stop]
        start = stop
        failed.extend(rows[group[_open_problems(values, volumes, stacked, open_, Bs, qs, ps,
                                                choice, value, bound, tolerance, rows, group)]])
    return np.array(sorted(failed), dtype=rows.dtype)


def _open_problems(values, volumes, stacked, open_, Bs, qs, ps, choice, value, bound, tolerance,
                   rows, group):
    """For :func:`_exact`: the draws ``rows[group]`` by :func:`_frontier` over a fixed part
    (the one option left of every other problem, summed) and their open problems; writes
    back the choice, value and bound; returns the positions in ``group`` that failed."""
    g = group.size
    at = np.arange(g)
    sub = rows[group]
    V, W, alive = stacked                 # the draws ``rows``' options, stacked, and alive
    stacked_v, stacked_w = np.where(alive[group], V[group], -np.inf), W[group]
    # Each problem's first alive option (an alive option's value is finite; the padding's
    # is not), and the fixed part: the one option left of every problem that has one,
    # summed problem by problem from 0 in order (a running sum: the loop's additions).
    single = np.argmax(np.isfinite(stacked_v), axis=2)
    one = ~open_[group]
    fixed_v, fixed_w = (np.add.accumulate(np.concatenate([np.zeros((g, 1)), np.where(
        one, np.take_along_axis(x, single[..., None], axis=2)[..., 0], 0.0)], axis=1),
        axis=1)[:, -1] for x in (stacked_v, stacked_w))
    steps = int(open_[group].sum(axis=1).max())
    # Each draw's open problems first, in their own order (a stable sort of "not open").
    problem = np.argsort(~open_[group], axis=1, kind="stable")[:, :steps]
    real = np.take_along_axis(open_[group], problem, axis=1)
    v_values, v_volumes = [fixed_v[:, None]], [fixed_w[:, None]]
    for t in range(steps):
        V, W = stacked_v[at, problem[:, t]], stacked_w[at, problem[:, t]]
        V[~real[:, t]] = -np.inf          # past a draw's own problems: nothing to choose
        V[~real[:, t], 0] = 0.0
        W[~real[:, t]] = 0.0
        v_values.append(V)
        v_volumes.append(W)
    problem = np.where(real, problem, -1)
    v_choice = np.full((g, steps + 1), -1)
    v_value, v_bound = value[sub].copy(), bound[sub].copy()
    failed = _frontier(v_values, v_volumes, Bs[group], qs[group], ps[group], v_choice, v_value,
                       v_bound, tolerance, at)
    ok = np.ones(g, bool)
    ok[failed] = False
    value[sub[ok]], bound[sub[ok]] = v_value[ok], v_bound[ok]
    for i in np.flatnonzero(ok & (v_choice[:, 0] >= 0)):       # the programme's own answer
        picks = single[i].copy()
        real = problem[i] >= 0
        picks[problem[i, real]] = v_choice[i, 1:][real]
        choice[sub[i]] = picks
    return failed


def _frontier(values, volumes, B, q, p, choice, value, bound, tolerance, rows):
    """The draws ``rows`` exactly, all at once, by a dynamic programme over the problems
    (Nemhauser and Ullmann 1969). A draw's states after problem j are its non-dominated pairs
    (total volume, total value) of the choices so far (less volume and more value is better,
    since the cost on the total rises with it). A state whose dual bound on any completion
    (at the draw's price ``p``, as in :func:`_dual`) cannot beat the best known answer by
    more than the tolerance is dropped, and the largest such bound is kept, so each draw's
    returned bound is certified. Updates ``choice``, ``value``, ``bound`` in place for the
    rows; returns the rows that passed ``MAX_STATES`` states (left to the MILP)."""
    K, r = len(values), rows.size
    Bs, qs, ps = B[rows], q[rows], p[rows]
    best, top = value[rows].copy(), bound[rows]
    # The slack a pruned state may have: the tolerance times the smaller of |answer| and
    # |bound| now, so the final gap is within the tolerance of the final objective (which
    # lies between them) whenever the two have one sign.
    slack = tolerance * np.minimum(np.abs(best), np.abs(top))
    red, reduced, alive, fixed, dropped, _ = _fixing(values, volumes, rows, Bs, qs, ps, best,
                                                     slack)
    at = np.arange(r)
    W, V = np.zeros(r), np.zeros(r)
    fixed_pick = {}
    for k in fixed:
        c = np.argmax(alive[k], axis=1)
        fixed_pick[k] = c
        W = W + volumes[k][rows][at, c]
        V = V + values[k][rows][at, c]
    order = [k for k in range(K) if k not in fixed_pick]
    tail = np.concatenate([np.cumsum(reduced[:, order][:, ::-1], axis=1)[:, ::-1],
                           np.zeros((r, 1))], axis=1)
    keep0 = W <= Bs * (1 + 1e-12)
    # Each state completed by the Lagrangian choice of the problems after it is an answer;
    # the best such raises the incumbent as the programme runs, so later states are pruned
    # against it (branch and bound's incumbent). Where it is kept, its stage and state are
    # remembered to rebuild its choice.
    lagr, g_w, g_v = _completions(values, volumes, rows, red, order)
    steps = _steps if _COMPILED is None else _compiled_steps
    failed = steps(values, volumes, rows, alive, order, W, V, keep0, Bs, qs, ps, slack, best,
                   dropped, tail, g_w, g_v, choice, fixed_pick, lagr)
    ok = ~failed
    value[rows[ok]] = best[ok]
    bound[rows[ok]] = np.maximum(best, np.minimum(top, dropped))[ok]
    return rows[failed]


def _steps(values, volumes, rows, alive, order, W, V, keep0, Bs, qs, ps, slack, best, dropped,
           tail, g_w, g_v, choice, fixed_pick, lagr):
    """For :func:`_frontier`, in NumPy: the programme's steps over the problems ``order``
    from the states (``W``, ``V``) of the draws ``keep0``, all draws at once. Updates
    ``best`` (the incumbents and the best final states), ``dropped`` (the largest bound of
    a pruned state) and the rows' ``choice`` in place; returns the draws that passed
    ``MAX_STATES`` states."""
    r = rows.size
    draw, W, V = np.flatnonzero(keep0), W[keep0], V[keep0]
    back: list[tuple[np.ndarray, np.ndarray]] = []
    failed = np.zeros(r, bool)
    inc_step = np.full(r, -1)
    inc_state = np.zeros(r, dtype=np.int64)
    for step, j in enumerate(order):
        d, w_new, v_new, parent, option = _children(draw, W, V, Bs,
                                                    *_alive_options(alive[j], values[j][rows],
                                                                    volumes[j][rows]))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            room = np.maximum(Bs[d] - w_new, 0.0)
            qd, pd = qs[d], ps[d]
            more = np.where(qd > 0, np.clip(pd / np.where(qd > 0, qd, 1.0) - w_new, 0.0, room),
                            np.where(pd > 0, room, 0.0))
            more = np.where(np.isfinite(more), more, 0.0)
            ub = v_new + tail[d, step + 1] + pd * more - qd * (w_new + more) ** 2 / 2
        keep = ub > best[d] + slack[d]
        lost = ~keep
        np.maximum.at(dropped, d[lost], ub[lost])
        d, w_new, v_new = d[keep], w_new[keep], v_new[keep]
        parent, option = parent[keep], option[keep]
        if d.size:      # non-dominated: more value than every lighter state of the same draw
            sort = np.lexsort((-v_new, w_new, d))
            d, w_new, v_new = d[sort], w_new[sort], v_new[sort]
            parent, option = parent[sort], option[sort]
            levels, rank = np.unique(v_new, return_inverse=True)
            key = d.astype(np.int64) * levels.size + rank.ravel()
            prior = np.concatenate([[-1], np.maximum.accumulate(key)[:-1]])
            front = key > prior          # a draw's first state beats all earlier draws' keys
            counts = np.bincount(d[front], minlength=r)
            failed |= counts > MAX_STATES
            front &= ~failed[d]
            d, w_new, v_new = d[front], w_new[front], v_new[front]
            parent, option = parent[front], option[front]
        draw, W, V = d, w_new, v_new
        back.append((parent, option))
        if draw.size and step + 1 < len(order):
            w_c = W + g_w[draw, step + 1]
            v_c = V + g_v[draw, step + 1] - qs[draw] * w_c ** 2 / 2
            v_c = np.where(w_c <= Bs[draw] * (1 + 1e-12), v_c, -np.inf)
            sort = np.lexsort((v_c, draw))
            last = sort[np.flatnonzero(np.r_[draw[sort][1:] != draw[sort][:-1], True])]
            owner = draw[last]
            win = v_c[last] > best[owner]
            best[owner[win]] = v_c[last][win]
            inc_step[owner[win]] = step
            inc_state[owner[win]] = last[win]
    found = (inc_step >= 0) & ~failed          # incumbents from completed states
    for i in np.flatnonzero(found):
        choice[rows[i]] = _incumbent(choice[rows[i]], i, fixed_pick, order, back, lagr,
                                     int(inc_step[i]), int(inc_state[i]))
    if draw.size:
        _best_last_states(draw, W, V, qs, best, choice, rows, fixed_pick, order, back)
    return failed


def _compiled_steps(values, volumes, rows, alive, order, W, V, keep0, Bs, qs, ps, slack, best,
                    dropped, tail, g_w, g_v, choice, fixed_pick, lagr):
    """:func:`_steps` by the compiled loop (games/decisions/_allocation.c), draw by draw:
    the same states, bounds and answers, bit for bit. Same arguments and result."""
    r, S = rows.size, len(order)
    options = [_alive_options(alive[j], values[j][rows], volumes[j][rows]) for j in order]
    M = max([o[0].shape[1] for o in options], default=1)
    ov, ow = np.full((S, r, M), -np.inf), np.zeros((S, r, M))
    oi = np.zeros((S, r, M), dtype=np.int64)
    for s, (v, w, i) in enumerate(options):
        ov[s, :, :v.shape[1]], ow[s, :, :v.shape[1]], oi[s, :, :v.shape[1]] = v, w, i
    pick, upto = np.zeros((r, S), dtype=np.int64), np.zeros(r, dtype=np.int64)
    failed = np.zeros(r, dtype=np.int64)

    def flat(x):
        return np.ascontiguousarray(x, dtype=float)

    _COMPILED.frontier(flat(W), flat(V), keep0.astype(np.int64), flat(Bs), flat(qs), flat(ps),
                       flat(slack), best, dropped, flat(tail), flat(g_w), flat(g_v), ov, ow, oi,
                       pick, upto, failed, r, S, M, MAX_STATES)
    new = np.flatnonzero(upto >= -1)       # a new answer: its steps up to upto, then Lagrangian
    if new.size:
        picks = np.empty((new.size, len(values)), dtype=choice.dtype)
        for k, c in fixed_pick.items():
            picks[:, k] = c[new]
        for s, j in enumerate(order):
            picks[:, j] = np.where(s <= upto[new], pick[new, s], lagr[j][new])
        choice[rows[new]] = picks
    return failed.astype(bool)


def _alive_options(alive, v, w):
    """For :func:`_frontier`: one problem's options alive in each draw, side by side in
    their own order (as few columns as the draw with most of them needs; the rest value
    -inf), their values, volumes and indices among the problem's options."""
    width = max(1, int(alive.sum(axis=1).max()))
    index = np.argsort(~alive, axis=1, kind="stable")[:, :width]
    live = np.take_along_axis(alive, index, axis=1)
    return (np.where(live, np.take_along_axis(v, index, axis=1), -np.inf),
            np.take_along_axis(w, index, axis=1), index)


def _children(draw, W, V, Bs, vj, wj, index):
    """For :func:`_frontier`: every state (``draw``, volume ``W``, value ``V``) extended by
    each alive option of the next problem, only the children that fit the budget, in the
    order of their parents and then of the options: their draws, volumes, values, parents
    and options."""
    m = vj.shape[1]
    v_new = (V[:, None] + vj[draw]).ravel()
    w_new = (W[:, None] + wj[draw]).ravel()
    d = np.repeat(draw, m)
    fit = np.flatnonzero(np.isfinite(v_new) & (w_new <= Bs[d] * (1 + 1e-12)))
    d = d[fit]
    return d, w_new[fit], v_new[fit], fit // m, index[d, fit % m]


def _undominated(v, w):
    """Per draw, the options no other option of the problem beats: none has at most the
    volume and at least the value (of identical options the first is kept). A dominated
    option is never needed (the cost on the total only rises with the volume), so the
    dynamic programme need not extend its states by it.

    >>> _undominated(np.array([[0.0, 1.0, 1.0, 0.5, -np.inf]]),
    ...              np.array([[0.0, 1.0, 1.0, 2.0, 0.0]])).tolist()
    [[True, True, False, False, False]]
    """
    r, m = v.shape
    if _COMPILED is not None:
        out = np.empty((r, m), dtype=np.int64)
        _COMPILED.undominated(np.ascontiguousarray(v, dtype=float),
                              np.ascontiguousarray(w, dtype=float), out, r, m)
        return out.astype(bool)
    order = np.lexsort((np.broadcast_to(np.arange(m), (r, m)), -v, w), axis=1)
    sv = np.take_along_axis(v, order, axis=1)
    before = np.concatenate([np.full((r, 1), -np.inf),
                             np.maximum.accumulate(sv, axis=1)[:, :-1]], axis=1)
    out = np.empty((r, m), bool)
    np.put_along_axis(out, order, sv > before, axis=1)
    return out


def _fixing(values, volumes, rows, Bs, qs, ps, best, slack):
    """Reduced-cost fixing for :func:`_frontier`: with problem k held at option l the dual
    bound falls by the option's shortfall from the best reduced value; an option whose bound
    cannot beat the best answer is dropped (its bound kept in ``dropped``), and a problem
    left with one option in every draw is ``fixed`` before the programme runs. Also returns
    the reduced values (``red``, and their maxima ``reduced``), the options ``alive``, and
    the draws' options stacked as :func:`_stack` stacks them with which are alive (values,
    volumes, alive: (draws, problems, options) each)."""
    # All problems at once, stacked (draws, problems, options); past a problem's own
    # options nothing is alive and nothing is dropped.
    V, W = _stack([v[rows] for v in values], [w[rows] for w in volumes])
    widths = np.array([v.shape[1] for v in values])
    own = np.arange(V.shape[2])[None, :] < widths[:, None]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        stacked = np.where(own, V - ps[:, None, None] * W, -np.inf)
        reduced = np.max(stacked, axis=2)
        room = np.where(qs > 0, np.clip(ps / np.where(qs > 0, qs, 1.0), 0.0, Bs),
                        np.where(ps > 0, Bs, 0.0))
        room = np.where(np.isfinite(room), room, 0.0)
        dual = reduced.sum(axis=1) + ps * room - qs * room ** 2 / 2
        ub = dual[:, None, None] - (reduced[:, :, None] - stacked)
    finite = np.isfinite(stacked)
    keep = finite & (ub > (best + slack)[:, None, None])
    lost = finite & ~keep
    r, K, m = V.shape
    ok = keep & _undominated(V.reshape(r * K, m), W.reshape(r * K, m)).reshape(r, K, m)
    if lost.any():
        dropped = np.max(np.where(lost, ub, -np.inf), axis=(1, 2))
    else:
        dropped = np.full(rows.size, -np.inf)
    red = [stacked[:, k, :w] for k, w in enumerate(widths)]
    alive = [ok[:, k, :w] for k, w in enumerate(widths)]
    fixed = [int(k) for k in np.flatnonzero(np.all(ok.sum(axis=2) == 1, axis=0))]
    return red, reduced, alive, fixed, dropped, (V, W, ok)


def _completions(values, volumes, rows, red, order):
    """For :func:`_frontier`: each problem's Lagrangian choice (the best reduced value), and
    per draw the volume and value of that choice summed over the problems from each step of
    ``order`` on (a last column of zeros: nothing left)."""
    at, r = np.arange(rows.size), rows.size
    lagr = {k: np.argmax(red[k], axis=1) for k in order}
    g_w = np.column_stack([volumes[k][rows][at, lagr[k]] for k in order] + [np.zeros(r)])
    g_v = np.column_stack([values[k][rows][at, lagr[k]] for k in order] + [np.zeros(r)])
    return lagr, np.cumsum(g_w[:, ::-1], axis=1)[:, ::-1], np.cumsum(g_v[:, ::-1], axis=1)[:, ::-1]


def _incumbent(start, i, fixed_pick, order, back, lagr, inc_step, state):
    """The choice of draw ``i``'s incumbent in :func:`_frontier`: the fixed problems, the
    programme's state ``state`` at ``inc_step`` traced back, the Lagrangian choice after it."""
    picks = np.array(start)
    for k, c in fixed_pick.items():
        picks[k] = c[i]
    for step in range(inc_step, -1, -1):
        parent, option = back[step]
        picks[order[step]] = option[state]
        state = int(parent[state])
    for step in range(inc_step + 1, len(order)):
        picks[order[step]] = lagr[order[step]][i]
    return picks


def _best_last_states(draw, W, V, qs, best, choice, rows, fixed_pick, order, back):
    """Where a draw's best final state of :func:`_frontier` beats its incumbent: that
    state's objective into ``best`` and its choice, traced back, into ``choice``."""
    total = V - qs[draw] * W ** 2 / 2
    sort = np.lexsort((total, draw))
    last = np.flatnonzero(np.r_[draw[sort][1:] != draw[sort][:-1], True])
    state = sort[last]
    owner = draw[state]
    win = total[state] > best[owner]
    state, owner = state[win], owner[win]
    best[owner] = total[state]
    picks = np.empty((owner.size, len(fixed_pick) + len(order)), dtype=choice.dtype)
    for k, c in fixed_pick.items():
        picks[:, k] = c[owner]
    for step in range(len(order) - 1, -1, -1):
        parent, option = back[step]
        picks[:, order[step]] = option[state]
        state = parent[state]
    choice[rows[owner]] = picks


_STDOUT_LOCK = threading.Lock()


@contextmanager
def _quiet_stdout():
    """File descriptor 1 sent to the null device while HiGHS runs: some builds print a
    debugging line ("HighsMipSolverData::transformNewIntegerFeasibleSolution ...") to the C
    stdout whatever ``disp`` says, which would land in the middle of a command's output."""
    with _STDOUT_LOCK:
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
            saved: int | None = os.dup(1)
        except (OSError, ValueError):                    # no descriptor 1 (embedded use)
            saved = None
        try:
            if saved is not None:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
            yield
        finally:
            if saved is not None:
                os.dup2(saved, 1)
                os.close(saved)


def _milp_draw(values, volumes, B, q, choice, value, bound, tolerance):
    """One draw exactly: a MILP over one binary per available option (HiGHS), the quadratic
    cost on the total by tangent cuts added until the cost at the answer is exact. Returns
    the best choice, its value and the least upper bound found (the Lagrangian ``bound``
    included)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array, vstack

    keep = [np.flatnonzero(np.isfinite(v)) for v in values]
    start = np.cumsum([0] + [len(c) for c in keep])
    m = int(start[-1])
    v_all = np.concatenate([v[c] for v, c in zip(values, keep)])
    w_all = np.concatenate([w[c] for w, c in zip(volumes, keep)])
    scale = max(float(np.max(np.abs(v_all))), 1e-300)     # the solver's gaps are absolute
    squared = q > 0
    size = m + int(squared)
    cost = np.zeros(size)
    cost[:m] = -v_all / scale
    if squared:
        cost[m] = 1.0 / scale
    rows = np.repeat(np.arange(len(keep)), np.diff(start))
    rows_a = [csr_array((np.ones(m), (rows, np.arange(m))), shape=(len(keep), size))]
    lo, hi = [np.ones(len(keep))], [np.ones(len(keep))]
    if np.isfinite(B):
        rows_a.append(csr_array(np.concatenate([w_all, np.zeros(size - m)])[None, :]))
        lo.append([-np.inf])
        hi.append([B])
    integrality = np.ones(size)
    bounds = Bounds(np.zeros(size), np.ones(size))
    if squared:
        integrality[m] = 0
        bounds = Bounds(np.zeros(size), np.concatenate([np.ones(m), [np.inf]]))
    cuts: list[float] = []

    def cut(a):                      # t >= q (a W - a^2 / 2), i.e. q a W - t <= q a^2 / 2
        cuts.append(a)
        row = np.concatenate([q * a * w_all, [-1.0]])
        return csr_array(row[None, :]), [-np.inf], [q * a * a / 2]

    def total_of(x):
        return float(sum(volumes[k][c] for k, c in enumerate(x)))

    best_choice, best_value, best_bound = choice.copy(), float(value), float(bound)
    if squared:
        for a in {total_of(choice), (min(B, float(w_all.max()) * len(keep)) if np.isfinite(B)
                                     else float(w_all.max()) * len(keep)) / 2}:
            r, l, h = cut(a)
            rows_a.append(r)
            lo.append(l)
            hi.append(h)
    for _ in range(CUT_ROUNDS if squared else 1):
        with _quiet_stdout():
            res = milp(cost, integrality=integrality, bounds=bounds,
                       constraints=LinearConstraint(vstack(rows_a, format="csr"),
                                                    np.concatenate(lo), np.concatenate(hi)),
                       options={"mip_rel_gap": tolerance / 10, "node_limit": NODE_LIMIT})
        if res.x is None:
            break
        upper = -float(res.mip_dual_bound) * scale if res.mip_dual_bound is not None else np.inf
        best_bound = min(best_bound, upper)
        x = res.x[:m]
        pick = np.array([start[k] + int(np.argmax(x[start[k]:start[k + 1]]))
                         for k in range(len(keep))]) - start[:-1]
        picked = np.array([keep[k][p] for k, p in enumerate(pick)])
        total = total_of(picked)
        got = float(sum(values[k][c] for k, c in enumerate(picked))) - q * total ** 2 / 2
        if total <= B * (1 + 1e-12) and got > best_value:
            best_choice, best_value = picked, got
        if not squared or best_bound - best_value <= tolerance * max(abs(best_value),
                                                                     abs(best_bound)):
            break
        if any(abs(total - a) <= 1e-12 * (1 + abs(a)) for a in cuts):
            break                            # the cut is already there: nothing more to learn
        r, l, h = cut(total)
        rows_a.append(r)
        lo.append(l)
        hi.append(h)
    return best_choice, best_value, max(best_bound, best_value)


def _dual(respond, p, B, q, best=None):
    """The dual function at prices ``p`` (see the module docstring); ``best``: the
    responses' reduced values at ``p`` where they are already known."""
    if best is None:
        _, _, best = respond(p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = np.where(q > 0, np.clip(p / np.where(q > 0, q, 1.0), 0, B), np.where(p > 0, B, 0.0))
        conj = np.where(w > 0, p * w - q * w ** 2 / 2, 0.0)
    return best.sum(axis=1) + conj


def _shed(values, volumes, choice, vols, B):
    """Over the budget: each problem in turn drops to its least-volume option until it fits."""
    choice, vols = choice.copy(), vols.copy()
    for k, (v, w) in enumerate(zip(values, volumes)):
        over = vols.sum(axis=1) > B * (1 + 1e-12)
        least = np.argmin(np.where(np.isfinite(v), w, np.inf), axis=1)
        choice[:, k] = np.where(over, least, choice[:, k])
        vols[:, k] = np.where(over, w[np.arange(len(least)), least], vols[:, k])
    return choice, vols


def _stacked_loop(name, values, stacked, per_draw, B, choice, vols, sweeps=0):
    """The compiled ``ascend`` or ``fill`` on the options stacked by :func:`_stack` (V, W):
    the same arithmetic draw by draw, on copies of ``choice`` and ``vols``."""
    V, W = stacked
    choice = np.ascontiguousarray(choice, dtype=np.int64).copy()
    vols = np.ascontiguousarray(vols, dtype=float).copy()
    widths = np.array([v.shape[1] for v in values], dtype=np.int64)
    getattr(_COMPILED, name)(V, W, widths, np.ascontiguousarray(B, dtype=float),
                             np.ascontiguousarray(per_draw, dtype=float), choice, vols,
                             V.shape[0], V.shape[1], V.shape[2], sweeps)
    return choice, vols


def _ascend(values, volumes, choice, vols, B, q, sweeps, stacked=None):
    """Each problem in turn moves to its best option given the others' (budget respected).
    ``stacked``: the options as :func:`_stack` gives them, for the compiled loop."""
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
    ``stacked``: the options as :func:`_stack` gives them, for the compiled loop."""
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
    V, W = _stack(prefs, vols)
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


def fixed_point(step: Callable[..., Mapping[str, np.ndarray]],
                start: Mapping[str, np.ndarray], *, damping: float = 0.5, tol: float = 1e-6,
                max_rounds: int = 50, by_rows: bool = False
                ) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """Iterate x <- (1 - damping) x + damping step(x) per draw until it stops moving.

    ``start`` maps names to arrays (one value per draw). Returns the point, a per-draw flag
    of convergence (largest change below ``tol`` times 1 + ``|x|``) and the rounds used. A draw
    stops moving once it has converged, so its answer does not depend on the other draws.
    ``by_rows``: ``step(x, rows)`` is called with only the draws still moving (``rows``
    their indices), which saves the work on the others; then a draw whose state comes back
    bit for bit after 2 or 3 rounds (a cycle: it would never converge) is not stepped again
    but set to the state it would reach at ``max_rounds`` (the answers are those of the
    plain loop, ``step`` answering each draw from its own state alone, as by_rows asks).

    >>> import numpy as np
    >>> x, ok, _ = fixed_point(lambda x: {"a": np.cos(x["a"])}, {"a": np.zeros(2)})
    >>> x["a"].round(4).tolist(), ok.tolist()              # the Dottie number
    ([0.7391, 0.7391], [True, True])
    """
    x = {k: np.asarray(v, dtype=float).copy() for k, v in start.items()}
    n = len(next(iter(x.values()))) if x else 0
    converged = np.zeros(n, dtype=bool)
    finish = np.full(n, np.inf)          # the round in which each draw converged
    cycling = np.zeros(n, dtype=bool)    # followed to the end along its cycle
    past: list[dict[str, np.ndarray]] = []
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        rows = np.flatnonzero(~converged & ~cycling)
        if not rows.size:
            break
        now = {k: v[rows] for k, v in x.items()}
        new = step(now, rows) if by_rows else {k: np.asarray(v)[rows]
                                                for k, v in step(x).items()}
        change = np.zeros(rows.size)
        for k in x:
            moved = (1 - damping) * now[k] + damping * np.asarray(new[k], dtype=float)
            change = np.maximum(change, np.abs(moved - now[k]) / (1 + np.abs(now[k])))
            x[k][rows] = moved
        converged[rows] = change <= tol
        finish[rows[change <= tol]] = rounds
        if by_rows:
            _follow_cycles(x, past, rows[change > tol], rounds, max_rounds, cycling)
            past.insert(0, {k: v.copy() for k, v in x.items()})
            del past[CYCLE:]
    if n and (np.isinf(finish).any() or finish.max() >= max_rounds):
        rounds = max_rounds
    elif n:
        rounds = int(finish.max()) + 1
    return x, converged, rounds


#: Longest cycle :func:`fixed_point` recognises: a draw whose state comes back bit for bit
#: after this many rounds or fewer is followed along its cycle without calling ``step``.
CYCLE = 3


def _follow_cycles(x, past, rows, rounds, max_rounds, cycling):
    """For :func:`fixed_point` (with ``by_rows``): the draws ``rows``, still moving after
    round ``rounds``, whose state is bit for bit the one of p = 2 or 3 rounds before
    (``past[p - 1]``; ``past[0]`` is the last round's). ``step`` answers a draw from its own
    state alone, so such a draw repeats those p states for ever, by the same moves, none of
    which was within the tolerance (else the draw would have stopped): it never converges.
    Each is set to the state the loop would have left it in at ``max_rounds`` and marked in
    ``cycling``, so that ``step`` is not asked again. Updates the arrays in place."""
    for p in range(2, CYCLE + 1):
        if len(past) < p or not rows.size:
            continue
        same = np.ones(rows.size, bool)
        for k in x:
            same &= x[k][rows].view(np.int64) == past[p - 1][k][rows].view(np.int64)
        # The cycle's states: this round's, then those of p - 1, ..., 1 rounds ago; after
        # the rounds left the draw is at the state (rounds left) mod p along it.
        j = (max_rounds - rounds) % p
        if j:
            for k in x:
                x[k][rows[same]] = past[p - 1 - j][k][rows[same]]
        cycling[rows[same]] = True
        rows = rows[~same]