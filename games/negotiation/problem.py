"""A bilateral negotiation over a finite outcome set, for many parameter draws at once.

Two sides, A and B, bargain over ``K`` outcomes (each a point of named issue values). For every
draw (one world of parameter values) each side has a utility for every outcome, a reservation
utility (what it gets with no agreement, its outside option) and a discount factor per round of
offers. A side sees only its own utility and its own parameter values; what it believes of the
other is the other's utility, reservation and discount averaged over the draws.

>>> import numpy as np
>>> x = np.linspace(0, 1, 11)                       # A's share of a pie
>>> p = NegotiationProblem({"share": x}, x, 1 - x)
>>> p.draws, p.size, p.sides
(1, 11, ('A', 'B'))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from games.errors import GameError


class NegotiationError(GameError):
    """A negotiation problem, negotiator or setting that cannot be used as given."""


def _rows(name: str, value: Any, draws: int | None, size: int | None) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if size is None:
        array = np.atleast_1d(array)
        if array.ndim != 1:
            raise NegotiationError(f"{name}: give one number or one per draw, got shape "
                                   f"{array.shape}")
        return array
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != size:
        raise NegotiationError(f"{name}: give one utility per outcome ({size}), or a "
                               f"(draws, {size}) array; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise NegotiationError(f"{name}: utilities must be finite numbers")
    return array


class RowIndex:
    """Rows of values sorted once, searchable for one level per row in one call.

    Each row is scaled into a band of its own and the bands laid end to end, so a single
    :func:`numpy.searchsorted` answers every row: a round of offers for a thousand draws costs
    one call.

    >>> RowIndex(np.array([[2., 0, 1], [5, 7, 6]])).position(np.array([0.5, 7.0]))
    array([1, 2])
    """

    def __init__(self, values: np.ndarray) -> None:
        self.order = np.argsort(values, axis=1, kind="stable")
        self.sorted = np.take_along_axis(values, self.order, axis=1)
        n, k = self.sorted.shape
        self.low = self.sorted[:, :1]
        self.span = np.maximum(self.sorted[:, -1:] - self.low, 1e-300)
        self.band = 4.0 * np.arange(n)[:, None]
        self.keys = ((self.sorted - self.low) / self.span + self.band).ravel()
        self.starts = np.arange(n) * k

    def position(self, levels: np.ndarray) -> np.ndarray:
        """Per row, how many of its values lie strictly below that row's level."""
        query = np.clip((np.asarray(levels, dtype=float)[:, None] - self.low) / self.span,
                        -1.0, 2.0) + self.band
        return np.searchsorted(self.keys, query[:, 0], side="left") - self.starts


@dataclass(frozen=True, eq=False)
class NegotiationProblem:
    """Outcomes, each side's utility per draw and outcome, reservations and discounts.

    ``utility_a`` and ``utility_b`` are ``(K,)`` or ``(draws, K)`` arrays; ``reservation_*``
    and ``discount_*`` are numbers or one per draw (discount 1: no cost of delay).
    ``power_a`` is A's bargaining power in the benchmark (default: from the discounts through
    Rubinstein's limit, 1/2 without them); ``benchmark`` optionally gives the benchmark's
    (A, B) utilities per draw, computed elsewhere (otherwise the asymmetric Nash outcome among
    the ``K`` outcomes). ``unit`` labels utilities in tables and plots.
    """

    outcomes: Mapping[str, Any]
    utility_a: Any
    utility_b: Any
    reservation_a: Any = 0.0
    reservation_b: Any = 0.0
    discount_a: Any = 1.0
    discount_b: Any = 1.0
    sides: tuple[str, str] = ("A", "B")
    power_a: Any = None
    benchmark: Any = None
    unit: str = "utility"
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        issues = {str(k): np.atleast_1d(np.asarray(v, dtype=float)) for k, v in
                  self.outcomes.items()}
        if not issues:
            raise NegotiationError("outcomes: give at least one issue with its values")
        sizes = {len(v) for v in issues.values()}
        if len(sizes) != 1 or 0 in sizes:
            raise NegotiationError(f"outcomes: every issue needs one value per outcome; got "
                                   f"lengths {sorted(sizes)}")
        k = sizes.pop()
        u_a = _rows("utility_a", self.utility_a, None, k)
        u_b = _rows("utility_b", self.utility_b, None, k)
        draws = max(len(u_a), len(u_b))
        if {len(u_a), len(u_b)} - {1, draws}:
            raise NegotiationError(f"utility_a has {len(u_a)} draws and utility_b {len(u_b)}; "
                                   "give the same number")
        scalars = {}
        for name in ("reservation_a", "reservation_b", "discount_a", "discount_b"):
            value = _rows(name, getattr(self, name), None, None)
            if len(value) not in (1, draws) or not np.all(np.isfinite(value)):
                raise NegotiationError(f"{name}: give one finite number or one per draw "
                                       f"({draws}), got {len(value)} values")
            scalars[name] = np.broadcast_to(value, (draws,)).copy()
        for name in ("discount_a", "discount_b"):
            if not np.all((scalars[name] > 0) & (scalars[name] <= 1)):
                raise NegotiationError(f"{name}: a discount factor per round lies in (0, 1]")
        if len(self.sides) != 2 or len(set(self.sides)) != 2:
            raise NegotiationError(f"sides: give two different names, got {self.sides!r}")
        set_ = object.__setattr__
        set_(self, "outcomes", issues)
        set_(self, "utility_a", np.broadcast_to(u_a, (draws, k)).copy())
        set_(self, "utility_b", np.broadcast_to(u_b, (draws, k)).copy())
        for name, value in scalars.items():
            set_(self, name, value)
        if self.power_a is not None:
            power = np.broadcast_to(np.asarray(self.power_a, dtype=float), (draws,)).copy()
            if not np.all((power >= 0) & (power <= 1)):
                raise NegotiationError("power_a: bargaining power lies in [0, 1]")
            set_(self, "power_a", power)
        if self.benchmark is not None:
            bench = np.asarray(self.benchmark, dtype=float).reshape(2, -1)
            set_(self, "benchmark", np.broadcast_to(bench, (2, draws)).copy())

    # ---- shape ------------------------------------------------------------------------------

    @property
    def draws(self) -> int:
        return int(self.utility_a.shape[0])

    @property
    def size(self) -> int:
        """The number of outcomes ``K``."""
        return int(self.utility_a.shape[1])

    @property
    def issues(self) -> tuple[str, ...]:
        return tuple(self.outcomes)

    def utility(self, side: int) -> np.ndarray:
        """Side 0 (A) or 1 (B): its ``(draws, K)`` utilities."""
        return self.utility_a if side == 0 else self.utility_b

    def reservation(self, side: int) -> np.ndarray:
        return self.reservation_a if side == 0 else self.reservation_b

    def discount(self, side: int) -> np.ndarray:
        return self.discount_a if side == 0 else self.discount_b

    def outcome(self, index: int) -> dict[str, float]:
        """The issue values of outcome ``index``."""
        return {k: float(v[index]) for k, v in self.outcomes.items()}

    def with_outcome(self, values: Mapping[str, float], utility_a: Any, utility_b: Any
                     ) -> tuple[NegotiationProblem, int]:
        """The problem with one more outcome (utilities per draw given), and its index.

        An outcome already present is not added twice. Used when a person makes an offer
        off the grid of outcomes.
        """
        point = np.array([float(values[k]) for k in self.issues])
        grid = np.column_stack(list(self.outcomes.values()))
        same = np.flatnonzero(np.all(np.isclose(grid, point, rtol=1e-12, atol=0), axis=1))
        if same.size:
            return self, int(same[0])
        outcomes = {k: np.append(v, point[i]) for i, (k, v) in enumerate(self.outcomes.items())}
        grow = [np.column_stack([u, np.broadcast_to(np.asarray(x, dtype=float), (self.draws,))])
                for u, x in ((self.utility_a, utility_a), (self.utility_b, utility_b))]
        bench = self.benchmark if self.benchmark is not None else self.benchmark_utilities()
        new = NegotiationProblem(outcomes, grow[0], grow[1], self.reservation_a,
                                 self.reservation_b, self.discount_a, self.discount_b,
                                 self.sides, self.power_a, bench, self.unit)
        return new, self.size

    # ---- derived quantities (cached) ------------------------------------------------------

    def gains(self, side: int) -> np.ndarray:
        """``(draws, K)`` utility over the reservation: positive where the side gains."""
        key = ("gains", side)
        if key not in self._cache:
            self._cache[key] = self.utility(side) - self.reservation(side)[:, None]
        return self._cache[key]

    def once(self, side: int, owner: Any, compute: Callable[[], Any]) -> Any:
        """What ``owner`` (an agent, or a name for what needs it) derives from the problem
        and ``side`` alone, not from the play (an offer computed once from beliefs): computed
        by ``compute()`` the first time, then shared by every negotiation on this problem.
        ``owner`` must pickle, as the problem does when a tournament runs on processes: an
        agent or a string, not a property or a lambda."""
        kept = self._cache.setdefault(("once", side), {})
        if owner not in kept:
            kept[owner] = compute()
        return kept[owner]

    def ideal_gains(self) -> np.ndarray:
        """``(2, draws)``: each side's largest gain among outcomes both accept (0 if none)."""
        if "ideal" not in self._cache:
            g_a, g_b = self.gains(0), self.gains(1)
            both = (g_a >= 0) & (g_b >= 0)
            ideal = np.stack([np.where(both, g, 0).max(axis=1, initial=0) for g in (g_a, g_b)])
            self._cache["ideal"] = ideal
        return self._cache["ideal"]

    def scaled_gains(self) -> tuple[np.ndarray, np.ndarray]:
        """Each side's ``(draws, K)`` gains in units of its ideal gain (NaN where that is 0)."""
        if "scaled" not in self._cache:
            ideal = self.ideal_gains()
            with np.errstate(all="ignore"):
                scale = np.where(ideal > 0, 1 / ideal, np.nan)
            self._cache["scaled"] = tuple(self.gains(s) * scale[s][:, None] for s in (0, 1))
        return self._cache["scaled"]

    def index(self, side: int) -> RowIndex:
        """The side's utilities sorted per draw, for fast searches by level (cached)."""
        key = ("index", side)
        if key not in self._cache:
            self._cache[key] = RowIndex(self.utility(side))
        return self._cache[key]

    def power(self) -> np.ndarray:
        """A's bargaining power per draw: given, or log d_B / (log d_A + log d_B), or 1/2."""
        if self.power_a is not None:
            return self.power_a
        log_a, log_b = np.log(self.discount_a), np.log(self.discount_b)
        with np.errstate(all="ignore"):
            power = log_b / (log_a + log_b)
        return np.where(np.isfinite(power), power, 0.5)

    def benchmark_utilities(self) -> np.ndarray:
        """``(2, draws)`` utilities of the benchmark: given, or the asymmetric Nash outcome.

        NaN in draws where no outcome gives both sides a strictly positive gain.
        """
        if self.benchmark is not None:
            return self.benchmark
        if "benchmark" not in self._cache:
            g_a, g_b = self.gains(0), self.gains(1)
            beta = self.power()[:, None]
            with np.errstate(all="ignore"):
                value = np.where((g_a > 0) & (g_b > 0),
                                 beta * np.log(g_a) + (1 - beta) * np.log(g_b), -np.inf)
            best = np.argmax(value, axis=1)
            rows = np.arange(self.draws)
            found = np.isfinite(value[rows, best])
            bench = np.stack([np.where(found, u[rows, best], np.nan)
                              for u in (self.utility_a, self.utility_b)])
            self._cache["benchmark"] = bench
        return self._cache["benchmark"]

    def frontier(self, draw: int = 0) -> np.ndarray:
        """``(m, 2)`` utilities of the Pareto-optimal outcomes of one draw, by A's utility."""
        u = np.column_stack([self.utility_a[draw], self.utility_b[draw]])
        order = np.lexsort((-u[:, 1], -u[:, 0]))
        best_b = -np.inf
        keep = []
        for i in order:  # A's utility falling: keep each point that raises B's best so far
            if u[i, 1] > best_b:
                keep.append(i)
                best_b = u[i, 1]
        return u[keep][::-1]
