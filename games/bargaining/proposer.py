"""The proposer's best offer at each level of one issue, for a stack of problems at once.

Player 1 makes a take-it-or-leave-it offer with full information (the ultimatum game; Osborne,
*An Introduction to Game Theory*, 2004, ch. 6): it picks the outcome maximising its own gain
g_1 subject to player 2 accepting, g_2 >= r (a reservation gain, 0 for plain acceptance). Held
at each of some levels of one issue (the *level issue*, e.g. a quantity player 1 supplies),
this gives player 1's value of each level, the table a shared-budget allocation
(:func:`games.decisions.allocation.allocate`) chooses from.

For a fixed level the problem over the other issues y in their box is

    maximise a . y + a0   subject to   b . y + b0 >= r,   low <= y <= high

when both utilities are affine in y (checked numerically per draw and level at an interior
probe point): a linear programme with one constraint, solved exactly by the greedy rule of the
fractional knapsack (Dantzig 1957): start from the y best for player 1 and buy the missing
constraint value at the least cost per unit. Otherwise (or with discrete other issues) the
answer is the best point of a grid of the other issues, and ``exact`` is False.

>>> import numpy as np
>>> from games.optimise.outcome_space import Box
>>> from games.bargaining.batch import BatchProblem
>>> def u(x, p):                          # 1 sells q units, asks for a payment t in return
...     return x["t"] - 0.2 * x["q"], p["v"] * x["q"] - x["t"]
>>> prob = BatchProblem(u, Box({"q": (0.0, 1.0), "t": (0.0, 5.0)}), {"v": np.array([1.0, 2.0])},
...                     (0.0, 0.0))
>>> table = best_offers(prob, "q", [0.0, 0.5, 1.0])
>>> table.value.round(6).tolist()         # 1 charges the whole value v q: gain (v - 0.2) q
[[0.0, 0.4, 0.8], [0.0, 0.9, 1.8]]
>>> table.exact
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from numpy.typing import ArrayLike

from games.bargaining.batch import BatchProblem
from games.optimise.outcome_space import Box
from games.errors import BargainingError

__all__ = [
    "AFFINE_TOLERANCE", "MAX_COMBINATIONS", "OfferTable", "best_offers", "knapsack",
]

#: Probe point (share of each range) at which affinity in the other issues is checked.
_PROBE = (0.3183, 0.6180, 0.4142, 0.7071, 0.2718, 0.5772, 0.1414, 0.8660)
#: Relative error under which a utility counts as affine in the other issues.
AFFINE_TOLERANCE = 1e-9
#: Most combinations of discrete other issues enumerated (each one exact LP); beyond, a grid.
MAX_COMBINATIONS = 64


@dataclass(frozen=True, eq=False)
class OfferTable:
    """Per draw (rows) and level (columns): player 1's best gain, player 2's gain, the outcome.

    ``value`` is -inf and ``partner_gain`` NaN where no outcome at that level gives player 2
    its reservation. ``exact``: every entry solved as an LP (else some on a grid).
    """

    levels: np.ndarray
    value: np.ndarray
    partner_gain: np.ndarray
    points: Mapping[str, np.ndarray]
    exact: bool
    method: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def feasible(self) -> np.ndarray:
        """True where player 2 accepts some outcome at that level."""
        return np.isfinite(self.value)


def best_offers(problem: BatchProblem, issue: str, levels: ArrayLike,
                reservation: ArrayLike = 0.0, *, grid_points: int = 400) -> OfferTable:
    """Player 1's best outcome at each level of ``issue`` with player 2's gain >= reservation.

    ``reservation`` is one number or one per draw. Exact (a one-constraint LP per draw and
    level) where both utilities are affine in the other issues; a grid of about
    ``grid_points`` outcomes of the other issues otherwise. See the module docstring.

    >>> import numpy as np
    >>> from games.optimise.outcome_space import Box
    >>> p = BatchProblem(lambda x, q: (x["y"], 1 - x["y"] - x["z"]),
    ...                  Box({"z": (0.0, 1.0), "y": (0.0, 1.0)}), {}, (0.0, 0.0))
    >>> best_offers(p, "z", [0.0, 0.5], reservation=0.2).value.round(6).tolist()
    [[0.8, 0.3]]
    """
    box = problem.box
    if issue not in box.names:
        raise BargainingError(f"best offers: no issue {issue!r}; the issues are {box.names}")
    levels = np.asarray(levels, dtype=float).ravel()
    n, m = problem.draws, levels.size
    r = np.broadcast_to(np.asarray(reservation, dtype=float), (n,))[:, None]
    others = [k for k in box.names if k != issue]
    moving = [k for k in others if box.is_continuous(k)]
    fixed = {k: box.bounds(k)[0] for k in others if k not in moving}
    corners = box.grid(2)
    discrete = [k for k in others if k not in moving and np.unique(corners[k]).size > 1]
    base = {issue: np.broadcast_to(levels[None, :], (n, m)), **{
        k: np.full((n, m), v) for k, v in fixed.items()}}
    # The same outcomes one row high (the levels) or one cell (a fixed issue): the utilities
    # broadcast them against the draws' parameters, computing each term no larger than it
    # needs (the same numbers, element by element).
    thin = {issue: levels[None, :], **{k: np.full((1, 1), v) for k, v in fixed.items()}}
    if not discrete and not moving:                  # nothing to choose but the level
        g_1, g_2 = (np.broadcast_to(g, (n, m)) for g in problem.gains(thin))
        ok = g_2 >= r
        return OfferTable(levels, np.where(ok, g_1, -np.inf), np.where(ok, g_2, np.nan),
                          {k: v.copy() if k == issue else v for k, v in base.items()}, True,
                          "the outcome at each level (no other issue to choose)", {})
    combos = list(itertools.product(*[np.unique(corners[k]) for k in discrete]))
    if len(combos) <= MAX_COMBINATIONS:
        # One exact LP over the continuous issues for each combination of discrete levels.
        best = None
        for combo in combos:
            fixed_base = {**base, **{k: np.full((n, m), v) for k, v in zip(discrete, combo)}}
            table = _linear_offers(problem, fixed_base, moving, r, {
                **thin, **{k: np.full((1, 1), v) for k, v in zip(discrete, combo)}})
            if table is None:
                best = None
                break
            if best is None:
                best = table
                continue
            better = table[0] > best[0]
            best = (np.where(better, table[0], best[0]), np.where(better, table[1], best[1]),
                    {k: np.where(better, table[2][k], best[2][k]) for k in best[2]})
        if best is not None:
            value, gain, points = best
            return OfferTable(levels, value, gain, points, True,
                              "LP per draw and level (one constraint: greedy knapsack) for "
                              "each combination of discrete levels, exact",
                              {"tolerance": AFFINE_TOLERANCE, "combinations": len(combos)})
    value, gain, points = _grid_offers(problem, issue, levels, others, r, grid_points)
    return OfferTable(levels, value, gain, points, False,
                      "best point of a grid of the other issues per draw and level",
                      {"grid_points": grid_points})


def _linear_offers(problem: BatchProblem, base: dict[str, np.ndarray], moving: list[str],
                   r: np.ndarray, thin: dict[str, np.ndarray]):
    """The exact LP answer, or None where a utility is not affine in the moving issues.
    ``thin``: ``base`` with arrays that broadcast to it (one row, or one cell), given to the
    utilities."""
    box = problem.box
    lo = np.array([box.bounds(k)[0] for k in moving])
    width = np.array([box.bounds(k)[1] - box.bounds(k)[0] for k in moving])
    shape = next(iter(base.values())).shape

    def at(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        outcome = dict(thin)
        outcome.update({k: np.full((1, 1), lo[j] + z[j] * width[j]) for j, k in enumerate(moving)})
        return tuple(np.broadcast_to(g, shape) for g in problem.gains(outcome))

    k = len(moving)
    a0, b0 = at(np.zeros(k))
    if k == 0:
        ok = b0 >= r
        return (np.where(ok, a0, -np.inf), np.where(ok, b0, np.nan),
                {key: v.copy() for key, v in base.items()})
    units = [at(np.eye(k)[j]) for j in range(k)]      # both gains at each unit step, once
    a = np.stack([u[0] - a0 for u in units], axis=-1)   # (n, m, k) per unit z
    b = np.stack([u[1] - b0 for u in units], axis=-1)
    del units
    probe = np.array([_PROBE[j % len(_PROBE)] for j in range(k)])
    pa, pb = at(probe)
    scale = 1 + np.abs(a0) + np.abs(b0) + np.abs(a).sum(-1) + np.abs(b).sum(-1)
    off = np.maximum(np.abs(pa - a0 - a @ probe), np.abs(pb - b0 - b @ probe))
    if not np.all(off <= AFFINE_TOLERANCE * scale):
        return None
    z = knapsack(a, a0, b, b0, r)
    feasible = np.all(np.isfinite(z), axis=-1)
    value = np.where(feasible, a0 + np.einsum("nmk,nmk->nm", a, np.nan_to_num(z)), -np.inf)
    gain = np.where(feasible, b0 + np.einsum("nmk,nmk->nm", b, np.nan_to_num(z)), np.nan)
    points = dict(base)
    points.update({name: np.where(feasible, lo[j] + z[..., j] * width[j], np.nan)
                   for j, name in enumerate(moving)})
    return value, gain, points


def knapsack(a: np.ndarray, a0: np.ndarray, b: np.ndarray, b0: np.ndarray, r: ArrayLike
             ) -> np.ndarray:
    """Maximise a . z + a0 subject to b . z + b0 >= r over z in [0, 1]^k, for a stack of LPs.

    ``a``, ``b``: shape (..., k); ``a0``, ``b0``, ``r`` broadcast to the leading shape. Returns
    the maximisers (NaN rows where the constraint cannot be met). Greedy: start from the z best
    for the objective, then move the coordinates that raise the constraint at the least
    objective cost per unit of constraint, the last one part of the way (Dantzig 1957).

    >>> import numpy as np
    >>> knapsack(np.array([[1.0, 2.0]]), 0.0, np.array([[-1.0, -4.0]]), 3.0, 0.0).tolist()
    [[1.0, 0.5]]
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    z = np.where((a > 0) | ((a == 0) & (b > 0)), 1.0, 0.0)
    need = np.asarray(r, dtype=float) - np.asarray(b0, dtype=float) - np.sum(b * z, axis=-1)
    need = np.broadcast_to(need, a.shape[:-1])
    gain = np.where(z == 0, b, -b)                   # constraint bought by moving coordinate j
    useful = gain > 0
    # Where the objective's best z meets the constraint with room to spare, no coordinate
    # moves (each one's share of the way is below 0, so 0, and not so far below that it
    # rounds to -0): z is the answer, and only the other LPs are sorted.
    with np.errstate(invalid="ignore"):
        met = need < -1e-300 * (1 + np.where(useful, gain, 0.0).max(axis=-1))
    if not met.any():
        return _greedy(a, z, need, gain, useful)
    out = z.copy()
    if not met.all():
        rest = ~met
        out[rest] = _greedy(a[rest], z[rest], need[rest], gain[rest], useful[rest])
    return out


def _greedy(a: np.ndarray, z: np.ndarray, need: np.ndarray, gain: np.ndarray,
            useful: np.ndarray) -> np.ndarray:
    """For :func:`knapsack`: move the coordinates in order of objective lost per unit of
    constraint bought until ``need`` is met (NaN where it cannot be)."""
    cost = np.where(z == 0, -a, a)                   # objective given up by it (>= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(useful, cost / gain, np.inf)
    order = np.argsort(ratio, axis=-1, kind="stable")
    g_sorted = np.take_along_axis(np.where(useful, gain, 0.0), order, axis=-1)
    before = np.cumsum(g_sorted, axis=-1) - g_sorted
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(g_sorted > 0, np.clip((need[..., None] - before) / g_sorted, 0, 1), 0.0)
    moved = np.empty_like(share)
    np.put_along_axis(moved, order, share, axis=-1)
    z = np.where(z == 0, moved, 1 - moved)
    short = need - np.sum(np.where(useful, gain, 0.0), axis=-1)
    infeasible = short > 1e-12 * (1 + np.abs(need))
    return np.where(infeasible[..., None], np.nan, z)


def _grid_offers(problem: BatchProblem, issue: str, levels: np.ndarray, others: list[str],
                 r: np.ndarray, grid_points: int):
    n, m = problem.draws, levels.size
    corners = problem.box.grid(2)
    spans = {k: problem.box.bounds(k) if problem.box.is_continuous(k)
             else list(np.unique(corners[k])) for k in others}
    grid = Box(spans).grid(grid_points) if others else {}
    size = len(next(iter(grid.values()))) if grid else 1
    value = np.full((n, m), -np.inf)
    gain = np.full((n, m), np.nan)
    points = {k: np.full((n, m), np.nan) for k in [issue, *others]}
    for j, level in enumerate(levels):
        outcome = {issue: np.full((1, 1), level), **{k: v[None, :] for k, v in grid.items()}}
        g_1, g_2 = (np.broadcast_to(g, (n, size)) for g in problem.gains(outcome))
        ok = g_2 >= r
        best = np.argmax(np.where(ok, g_1, -np.inf), axis=1)
        rows = np.arange(n)
        found = ok[rows, best]
        value[:, j] = np.where(found, g_1[rows, best], -np.inf)
        gain[:, j] = np.where(found, g_2[rows, best], np.nan)
        points[issue][:, j] = level
        for k in others:
            points[k][:, j] = np.where(found, grid[k][best], np.nan)
    return value, gain, points
