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

>>> import numpy as np
>>> values = [np.array([[0.0, 1.0, 2.0]]), np.array([[0.0, 0.5, 1.0]])]   # 2 and 1 per unit
>>> volumes = [np.array([[0.0, 0.5, 1.0]]), np.array([[0.0, 0.5, 1.0]])]
>>> a = allocate(values, volumes, budget=1.5)
>>> a.volumes.tolist(), round(float(a.price[0]), 9), float(a.value[0]), round(float(a.gap[0]), 9)
([[1.0, 0.5]], 1.0, 2.5, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from games.errors import GameError

#: Multiples of the critical price whose Lagrangian answers also seed the search.
NEARBY_PRICES = (0.6, 0.8, 0.9, 0.95, 1.05, 1.1, 1.25, 1.6)


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


def _objective(values, choice, vols, q):
    own = sum(np.take_along_axis(v, choice[:, [k]], axis=1)[:, 0] for k, v in enumerate(values))
    total = vols.sum(axis=1)
    return own - q * total ** 2 / 2


def allocate(values: Sequence[ArrayLike], volumes: Sequence[ArrayLike], budget: ArrayLike = np.inf,
             quadratic: ArrayLike = 0.0, *, bisections: int = 32, sweeps: int = 2,
             nearby: Sequence[float] = NEARBY_PRICES) -> Allocation:
    """Choose one option per problem and draw to maximise total value under a shared budget.

    ``values[k]``, ``volumes[k]``: arrays (draws, options of problem k), volumes >= 0; every
    problem needs at least one available option (value > -inf) per draw. ``budget`` and
    ``quadratic`` (the cost q on the total) are one number or one per draw. Among options
    tied at a price the first is taken: list each problem's options by rising volume, so
    that the total falls as the price rises. See the module docstring for the method and
    what ``gap`` means.

    >>> import numpy as np
    >>> a = allocate([np.array([[0.0, 3.0]])], [np.array([[0.0, 1.0]])], budget=2.0)
    >>> a.volumes.tolist(), float(a.shadow_price[0])        # slack budget: price 0
    ([[1.0]], 0.0)
    """
    values = [np.asarray(v, dtype=float) for v in values]
    volumes = [np.broadcast_to(np.asarray(w, dtype=float), v.shape) for v, w in
               zip(values, volumes)]
    if not values:
        raise GameError("allocate: give at least one problem")
    n = values[0].shape[0]
    if any(v.ndim != 2 or v.shape[0] != n for v in values):
        raise GameError("allocate: each problem's values must be (draws, options) arrays with "
                        "the same number of draws")
    if any(np.any(w < 0) for w in volumes):
        raise GameError("allocate: volumes must be at least 0")
    if any(np.any(~np.isfinite(v).any(axis=1)) for v in values):
        raise GameError("allocate: every problem needs an available option in every draw")
    B = np.broadcast_to(np.asarray(budget, dtype=float), (n,))
    q = np.broadcast_to(np.asarray(quadratic, dtype=float), (n,))
    least = sum(np.min(np.where(np.isfinite(v), w, np.inf), axis=1)
                for v, w in zip(values, volumes))
    if np.any(least > B * (1 + 1e-12)):
        raise GameError("allocate: the budget is below the least total volume in some draws")

    V, W = _stack(values, volumes)
    respond = _Responses(V, W)

    def ok(p, respond, B, q):
        _, vols, _ = respond(p, reduced=False)
        total = vols.sum(axis=1)
        return (total <= B * (1 + 1e-12)) & (q * total <= p * (1 + 1e-12) + 1e-300)

    lo, hi = np.zeros(n), np.ones(n)
    done = ok(lo, respond, B, q)
    hi[done] = 0.0
    rows = np.flatnonzero(~done)          # the search runs on the draws price 0 does not serve
    if rows.size:
        sub = respond if rows.size == n else _Responses(V[rows], W[rows])
        s_B, s_q, s_lo, s_hi = B[rows], q[rows], lo[rows], hi[rows]
        for _ in range(1100):                           # find a feasible price by doubling
            bad = ~ok(s_hi, sub, s_B, s_q)
            if not bad.any():
                break
            s_lo[bad], s_hi[bad] = s_hi[bad], s_hi[bad] * 2
        for _ in range(bisections):
            mid = (s_lo + s_hi) / 2
            good = ok(mid, sub, s_B, s_q)
            s_hi = np.where(good, mid, s_hi)
            s_lo = np.where(good, s_lo, mid)
        lo[rows], hi[rows] = s_lo, s_hi
    choice, vols, _ = respond(hi, reduced=False)
    best = _objective(values, choice, vols, q)
    filled, fvols = _fill(values, volumes, hi, choice, vols, B)
    fbest = _objective(values, filled, fvols, q)
    better = fbest > best
    choice = np.where(better[:, None], filled, choice)
    vols = np.where(better[:, None], fvols, vols)
    choice, vols = _ascend(values, volumes, choice, vols, B, q, sweeps)
    value = _objective(values, choice, vols, q)
    bound = np.minimum(_dual(respond, hi, B, q), _dual(respond, lo, B, q))
    # Where a gap remains, other prices near the critical one give other starting points (a
    # discrete problem's best answer need not be a Lagrangian one); each is made feasible and
    # improved the same way, the best kept.
    open_ = np.flatnonzero(bound - value > 1e-9 * (1 + np.abs(value)))
    if open_.size and nearby:
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
    total = vols.sum(axis=1)
    return Allocation(choice, vols, hi, np.maximum(hi - q * total, 0.0), value,
                      np.maximum(bound, value),
                      "Lagrangian decomposition, price by bisection per draw, budget filled "
                      "with tied options, then coordinate ascent; dual bound by weak duality",
                      {"bisections": bisections, "sweeps": sweeps, "nearby": tuple(nearby)})


def _dual(respond, p, B, q):
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


def _ascend(values, volumes, choice, vols, B, q, sweeps):
    """Each problem in turn moves to its best option given the others' (budget respected)."""
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


def _fill(values, volumes, p, choice, vols, B):
    """Move each problem, in turn, to its largest tied option that still fits the budget."""
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

    V, W = _stack(prefs, vols)
    finite = np.isfinite(V)
    least = np.argmin(np.where(finite, W, np.inf), axis=2)
    exempt = ~np.asarray(capped, dtype=bool)[None, :, None]

    def pick(c):
        allowed = finite & ((W <= c[:, None, None]) | exempt)
        best = np.argmax(np.where(allowed, V, -np.inf), axis=2)
        return np.where(allowed.any(axis=2), best, least)

    def total(choice):
        picked = np.take_along_axis(W, choice[..., None], axis=2)[..., 0]
        out = picked[:, 0]
        for k in range(1, picked.shape[1]):          # in order, as the deals are listed
            out = out + picked[:, k]
        return out

    top = np.max([np.max(np.where(np.isfinite(v), w, 0), axis=1) for v, w in zip(prefs, vols)],
                 axis=0)
    lo, hi = np.zeros(n), top.copy()
    fits_all = total(pick(hi)) <= B * (1 + 1e-12)
    lo[fits_all] = top[fits_all]
    for _ in range(bisections):
        mid = (lo + hi) / 2
        good = total(pick(mid)) <= B * (1 + 1e-12)
        lo = np.where(good, mid, lo)
        hi = np.where(good, hi, mid)
    return lo, pick(lo)


def fixed_point(step: Callable[..., Mapping[str, np.ndarray]],
                start: Mapping[str, np.ndarray], *, damping: float = 0.5, tol: float = 1e-6,
                max_rounds: int = 50, by_rows: bool = False
                ) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """Iterate x <- (1 - damping) x + damping step(x) per draw until it stops moving.

    ``start`` maps names to arrays (one value per draw). Returns the point, a per-draw flag
    of convergence (largest change below ``tol`` times 1 + ``|x|``) and the rounds used. A draw
    stops moving once it has converged, so its answer does not depend on the other draws.
    ``by_rows``: ``step(x, rows)`` is called with only the draws still moving (``rows``
    their indices), which saves the work on the others.

    >>> import numpy as np
    >>> x, ok, _ = fixed_point(lambda x: {"a": np.cos(x["a"])}, {"a": np.zeros(2)})
    >>> x["a"].round(4).tolist(), ok.tolist()              # the Dottie number
    ([0.7391, 0.7391], [True, True])
    """
    x = {k: np.asarray(v, dtype=float).copy() for k, v in start.items()}
    n = len(next(iter(x.values()))) if x else 0
    converged = np.zeros(n, dtype=bool)
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        rows = np.flatnonzero(~converged)
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
    return x, converged, rounds
