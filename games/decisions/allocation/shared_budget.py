"""Choose one option per problem and draw under a shared budget: the whole method.

:func:`allocate` runs the Lagrangian stage (:mod:`~games.decisions.allocation.decomposition`),
tries prices near the critical one, then solves the draws whose gap is above the tolerance
exactly: by branching on the break problem (:mod:`~games.decisions.allocation.branching`),
the dynamic programme (:mod:`~games.decisions.allocation.dynamic_programme`) or, past its
state limit, a MILP (:mod:`~games.decisions.allocation.milp`). The docstring of
:mod:`games.decisions.allocation` states the problem and the method.

>>> import numpy as np
>>> a = allocate([np.array([[0.0, 3.0]])], [np.array([[0.0, 1.0]])], budget=0.5)
>>> a.choice.tolist(), float(a.value[0])        # the option does not fit
([[0]], 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from games.decisions.allocation.branching import branch_on_break
from games.decisions.allocation.decomposition import (Responses, ascend, lagrangian_stage,
                                                      objective, shed, stack_options)
from games.decisions.allocation.dynamic_programme import DP_CHUNK, solve_exactly
from games.decisions.allocation.milp import milp_draw
from games.errors import GameError, InvalidGameError

__all__ = ["NEARBY_PRICES", "TOLERANCE", "BRANCH_PROBLEMS", "BRANCH_DRAWS", "Allocation",
           "allocate"]

#: Multiples of the critical price whose Lagrangian answers also seed the search.
NEARBY_PRICES = (0.6, 0.8, 0.9, 0.95, 1.05, 1.1, 1.25, 1.6)
#: Default relative gap (of the objective) above which a draw is solved as a MILP.
TOLERANCE = 1e-6
#: Problems from which :func:`allocate` branches on the break problem before the dynamic
#: programme (153 problems: 2-3 times faster; a handful: no gain).
BRANCH_PROBLEMS = 24
#: Draws :func:`branch_on_break` takes at once: each branch copies every problem's options (about 3
#: branches a draw, 100 KB each with 153 problems of 26 options, and its exact stage as
#: much again), so its memory is set by this and not by the draws of the call (each draw is
#: branched on its own: same answers).
BRANCH_DRAWS = 64


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
    :func:`branch_on_break`), which pays when the problems are many and a few are large (None: when
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

    V, W = stack_options(values, volumes)
    respond = Responses(V, W)
    lo, hi, choice, vols, value, bound, best_price = lagrangian_stage(values, volumes, B, q, V, W,
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
        near = Responses(V[open_], W[open_])
        for factor in nearby:
            c, w = near(hi[open_] * factor, reduced=False)[:2]
            c, w = shed(sub_v, sub_w, c, w, sub_B)
            c, w = ascend(sub_v, sub_w, c, w, sub_B, sub_q, sweeps)
            v = objective(sub_v, c, w, sub_q)
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
                branch_on_break(values, volumes, B, q, respond, lo, hi, choice, value, bound,
                        tolerance, part, bisections, sweeps)
                for part in np.array_split(wide, -(-wide.size // BRANCH_DRAWS))])
        for part in np.array_split(wide, max(1, -(-wide.size // DP_CHUNK))):
            rest = solve_exactly(values, volumes, B, q, best_price, choice, value, bound,
                          tolerance, part)
            for i in rest:                       # too many states: the solver instead
                found = milp_draw([v[i] for v in values], [w[i] for w in volumes], B[i],
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
