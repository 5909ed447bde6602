"""Offering strategies: what a side offers next, one small class each.

Each strategy has one method, ``offer(view) -> (draws,) outcome indices``, and keeps no state of
its own (what it remembers lives in the :class:`~games.negotiation.view.SideView`), so one
instance serves every negotiation. To write your own, do the same.

- :class:`TimeDependent` (Faratin, Sierra and Jennings 1998): the side's target utility falls
  from its best to its reservation as the deadline nears, as ``1 - (t / T) ** (1 / e)``;
  ``e < 1`` is Boulware (holds firm, concedes late), ``e = 1`` linear, ``e > 1`` Conceder.
- :class:`TitForTat`: gives back, in the other's (believed) utility, the share of its range
  that the other's last offer conceded in this side's own utility (relative tit-for-tat).
- :class:`RubinsteinOptimal`: offers the subgame-perfect split of alternating offers with
  discounting (Rubinstein 1982) on the frontier it believes in.
- :class:`NashSeeking`: offers the asymmetric Nash outcome it believes in, every round.
- :class:`RandomWalk`: a baseline whose target drifts down in random steps.

>>> import numpy as np
>>> from games.negotiation.problem import NegotiationProblem
>>> from games.negotiation.view import SideView
>>> x = np.linspace(0, 1, 101)
>>> view = SideView(NegotiationProblem({"share": x}, x, 1 - x), side=0, deadline=11)
>>> view.round = 6                               # half the time gone
>>> float(x[Linear().offer(view)[0]])            # a linear concession keeps half the pie
0.5
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from games.negotiation.problem import NegotiationError
from games.negotiation.view import SideView


@dataclass(frozen=True)
class TimeDependent:
    """Offer the outcome nearest above a target that falls with time (Faratin et al. 1998).

    Target utility at time ``t`` in [0, 1]: ``r + (best - r) * (1 - F(t))`` with
    ``F(t) = k + (1 - k) * t ** (1 / exponent)``, ``r`` the side's reservation and ``best``
    its best utility; ``k`` is the share conceded at once.
    """

    exponent: float = 1.0
    initial: float = 0.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.exponent) and self.exponent > 0):
            raise NegotiationError(f"exponent: a concession exponent is positive, got "
                                   f"{self.exponent!r}")
        if not 0 <= self.initial <= 1:
            raise NegotiationError(f"initial: the share conceded at once lies in [0, 1], got "
                                   f"{self.initial!r}")

    def offer(self, view: SideView) -> np.ndarray:
        """The outcome this side values least among those at or above its target now."""
        conceded = self.initial + (1 - self.initial) * view.time ** (1 / self.exponent)
        floor = np.minimum(view.reservation, view.best)
        return view.at_least(floor + (view.best - floor) * (1 - conceded))


def Boulware(exponent: float = 0.2) -> TimeDependent:
    """A time-dependent side that holds firm and concedes near the deadline (exponent < 1)."""
    return TimeDependent(exponent)


def Linear() -> TimeDependent:
    """A time-dependent side that concedes at an even pace (exponent 1)."""
    return TimeDependent(1.0)


def Conceder(exponent: float = 5.0) -> TimeDependent:
    """A time-dependent side that concedes early (exponent > 1)."""
    return TimeDependent(exponent)


@dataclass(frozen=True)
class TitForTat:
    """Give back in the other's utility the concession the other made in one's own.

    The other's last step towards this side, as a share of this side's range of gains, is
    returned as the same share of the other's (believed) range of gains: the next offer is the
    outcome best for this side among those giving the other at least that much more than
    this side's last offer did (Faratin et al.'s relative tit-for-tat, in utilities). It
    opens with its best outcome and never concedes first.
    """

    def offer(self, view: SideView) -> np.ndarray:
        """The best outcome at first; then the last offer improved for the other in kind."""
        if not view.my_offers or len(view.their_offers) < 2:
            return view.at_least(view.best)
        floor = np.minimum(view.reservation, view.best)
        span = np.maximum(view.best - floor, 1e-300)
        step = (view.utility_of(view.their_offers[-1])
                - view.utility_of(view.their_offers[-2])) / span
        other_u, other_r, _ = view.belief()
        other_span = max(float(other_u.max()) - other_r, 1e-300)
        level = other_u[view.my_offers[-1]] + np.maximum(step, 0.0) * other_span
        offer = self._best_for_me_giving(view, other_u, level)
        mine = view.utility_of(offer)
        return np.where(mine >= floor, offer, view.at_least(floor))

    @staticmethod
    def _best_for_me_giving(view: SideView, other_u: np.ndarray, level: np.ndarray
                            ) -> np.ndarray:
        # Outcomes by the other's believed utility, best for it first; per draw, the running
        # best for this side over that order answers "best for me among those giving >= level".
        def ranked() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            order = np.argsort(-other_u, kind="stable")
            mine = view.utility[:, order]
            run = np.maximum.accumulate(mine, axis=1)
            at = np.where(mine == run, np.arange(len(order)), 0)
            return order, -other_u[order], np.maximum.accumulate(at, axis=1)

        order, falling, best_at = view.once("tit-for-tat: best for me giving", ranked)
        count = np.searchsorted(falling, -level, side="right")
        pos = np.clip(count - 1, 0, len(order) - 1)
        return order[best_at[view.rows, pos]]


def _frontier_neighbours(gains: np.ndarray, suffix: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """For each position of a falling staircase (per row), the frontier points around it.

    ``gains`` are this side's gains, sorted per row; ``suffix[:, k]`` is the other side's best
    gain among outcomes giving this side at least ``gains[:, k]`` (the last column -inf). A
    column is a frontier point where the staircase steps down after it, unless its gain is
    the previous point's up to rounding (1e-9 of the row's span): two outcomes a rounding
    apart are one point, the better for the other side. Returns, per position, the last
    frontier point strictly before it (-1: none) and the first at or after it (the last
    column: none).

    >>> gains = np.array([[0.0, 1.0, 1.0 + 1e-15, 3.0, 4.0]])   # 1 and 1 + 1e-15: one point
    >>> before, after = _frontier_neighbours(gains, np.array([[3.0, 2.5, 2.0, 1.0, -np.inf]]))
    >>> before.tolist(), after.tolist()
    ([[-1, 0, 1, 1, 3]], [[0, 1, 3, 3, 4]])
    """
    draws, width = suffix.shape
    index = np.arange(width)
    step = np.zeros(suffix.shape, dtype=bool)
    step[:, :-1] = suffix[:, :-1] > suffix[:, 1:]
    previous = np.maximum.accumulate(np.where(step, index, -1), axis=1)[:, :-1]
    finite = np.where(np.isfinite(suffix), gains, np.nan)
    span = np.nanmax(finite, axis=1, initial=0.0) - np.nanmin(finite, axis=1, initial=0.0)
    apart = gains[:, 1:] - np.take_along_axis(gains, np.maximum(previous, 0), axis=1) \
        > 1e-9 * span[:, None]
    step[:, 1:] &= (previous < 0) | apart
    upto = np.maximum.accumulate(np.where(step, index, -1), axis=1)
    before = np.column_stack([np.full(draws, -1), upto[:, :-1]])
    after = np.minimum.accumulate(np.where(step, index, width - 1)[:, ::-1], axis=1)[:, ::-1]
    return before, after


@dataclass(frozen=True)
class RubinsteinOptimal:
    """Offer the subgame-perfect split of alternating offers on the believed frontier.

    With gains ``a`` (own) and ``b`` (the other's, believed) and the believed frontier
    ``b = f(a)``, Rubinstein's stationary offers solve ``f(a*) = d_o f(d_s a*)``: the other is
    offered exactly what waiting a round to make its own subgame-perfect offer is worth to it.
    On a pie split by shares this gives the proposer ``(1 - d_o) / (1 - d_s d_o)``.
    """

    iterations: int = 50

    def offer(self, view: SideView) -> np.ndarray:
        """The outcome giving the other its discounted continuation, and this side the rest."""
        return view.once(self, lambda: self._split(view))  # beliefs alone, not the play

    def _split(self, view: SideView) -> np.ndarray:
        other_u, other_r, d_o = view.belief()
        d_s = view.discount
        a = view.utility - view.reservation[:, None]
        b = np.broadcast_to(other_u - other_r, a.shape)
        b_ok = np.where((a >= 0) & (b >= 0), b, -np.inf)
        # f(g): the other's best believed gain among outcomes giving this side at least g.
        a_sorted = view.sorted - view.reservation[:, None]
        suffix = np.maximum.accumulate(np.take_along_axis(b_ok, view.order, axis=1)[:, ::-1],
                                       axis=1)[:, ::-1]
        suffix = np.column_stack([suffix, np.full(view.draws, -np.inf)])
        a_sorted = np.column_stack([a_sorted, a_sorted[:, -1:] + 1.0])
        before, after = _frontier_neighbours(a_sorted, suffix)

        def f(g):
            # Interpolated between neighbouring points of the frontier (not of the sorted
            # outcomes, most of which lie inside it when there are several issues), so a fine
            # grid of outcomes gives the continuous frontier's answer rather than a staircase's.
            pos = view.index.position(g + view.reservation)
            low, high = before[view.rows, pos], after[view.rows, pos]
            a0, a1 = a_sorted[view.rows, np.maximum(low, 0)], a_sorted[view.rows, high]
            f0, f1 = suffix[view.rows, np.maximum(low, 0)], suffix[view.rows, high]
            w = np.clip((g - a0) / np.maximum(a1 - a0, 1e-300), 0.0, 1.0)
            with np.errstate(invalid="ignore"):
                value = np.where(np.isfinite(f1), f0 + w * (f1 - f0), -np.inf)
            return np.where(low < 0, f1, value)

        def surplus(g):  # >= 0 while the other is offered at least its continuation
            with np.errstate(invalid="ignore"):
                return f(g) - d_o * f(d_s * g) >= 0

        lo, hi = np.zeros(view.draws), np.maximum(a.max(axis=1), 0.0)
        hi_ok = surplus(hi)
        for _ in range(self.iterations):
            mid = (lo + hi) / 2
            up = surplus(mid)
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        lo = np.where(hi_ok, hi, lo)
        # The other's continuation, rounded in its favour so a grid never makes it refuse.
        owed = np.where(np.isfinite(f(d_s * lo)), d_o * f(d_s * lo), 0.0)
        choice = np.where(b >= owed[:, None] - 1e-12 * np.abs(owed[:, None]), a, -np.inf)
        best = np.argmax(choice, axis=1)
        fallback = view.at_least(view.best)
        return np.where(np.isfinite(choice[view.rows, best]), best, fallback)


@dataclass(frozen=True)
class NashSeeking:
    """Offer the asymmetric Nash outcome on this side's beliefs, every round.

    ``power`` is this side's bargaining power; by default the Rubinstein limit from the two
    discount factors, ``log d_o / (log d_s + log d_o)``, or 1/2 when neither discounts.
    """

    power: float | None = None

    def offer(self, view: SideView) -> np.ndarray:
        """The outcome maximising ``power log a + (1 - power) log b`` over believed gains."""
        return view.once(self, lambda: self._offer(view))  # beliefs alone, not the play

    def _offer(self, view: SideView) -> np.ndarray:
        other_u, other_r, d_o = view.belief()
        if self.power is not None:
            beta = np.full(view.draws, float(self.power))
        else:
            log_s, log_o = np.log(view.discount), np.log(d_o)
            with np.errstate(all="ignore"):
                beta = log_o / (log_s + log_o)
            beta = np.where(np.isfinite(beta), beta, 0.5)
        a = view.utility - view.reservation[:, None]
        b = np.broadcast_to(other_u - other_r, a.shape)
        with np.errstate(all="ignore"):
            value = np.where((a > 0) & (b > 0),
                             beta[:, None] * np.log(a) + (1 - beta[:, None]) * np.log(b), -np.inf)
        best = np.argmax(value, axis=1)
        found = np.isfinite(value[view.rows, best])
        return np.where(found, best, view.at_least(view.best))


@dataclass(frozen=True)
class RandomWalk:
    """A baseline: the target moves by a random step each round, drifting down to the deadline.

    Steps are normal with mean ``-drift`` and spread ``spread``, both in shares of the range
    between the side's reservation and its best; the target stays in that range.
    """

    drift: float = 1.0
    spread: float = 2.0

    def offer(self, view: SideView) -> np.ndarray:
        """The outcome nearest above the randomly moved target."""
        floor = np.minimum(view.reservation, view.best)
        span = view.best - floor
        if not view.my_offers:
            return view.at_least(view.best)
        last = view.utility_of(view.my_offers[-1])
        per_round = span / max(view.deadline - 1, 1)
        step = view.rng.normal(-self.drift, self.spread, view.draws) * per_round
        return view.at_least(np.clip(last + step, floor, view.best))
