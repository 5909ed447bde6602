"""Rubinstein alternating offers: the subgame-perfect split, outside options, general frontiers.

Two players alternate proposals; each period of delay shrinks player i's payoff by the
factor ``delta_i``. The unique subgame-perfect equilibrium (Rubinstein 1982) is immediate
agreement on the first proposer's stationary offer. With outside options (a player may quit
for a fixed payoff when responding), the outside-option principle holds: an option changes
the split only if it exceeds what its holder gets without it (Binmore, Shaked and Sutton
1989; Muthoo 1999, ch. 5). As the time between offers shrinks, the agreement converges to
the asymmetric Nash solution with player 1's power log(d2) / (log(d1) + log(d2)) (Binmore,
Rubinstein and Wolinsky 1986).

>>> s = rubinstein_split(0.9, 0.9)
>>> [round(x, 6) for x in s.shares]          # (1 - d2) / (1 - d1 d2) to the first proposer
[0.526316, 0.473684]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from games.bargaining.frontier import require_problem, utility_range, zone_of_agreement
from games.bargaining.problem import BargainingProblem
from games.bargaining.refine import can_refine, refine_outcome
from games.bargaining.solutions import BargainingSolution, no_agreement
from games.errors import BargainingError, finite_number
from games.results import TabularResult

if TYPE_CHECKING:
    import pandas as pd


def discount_factor(monthly_cost_of_delay: float, months_between_offers: float = 1.0) -> float:
    """The per-round discount factor from the share of value lost per month of delay.

    ``monthly_cost_of_delay`` is the fraction of the deal's value a player loses for each
    month without agreement (0.02 = 2% a month); the factor is (1 - cost) ** months.

    >>> round(discount_factor(0.02, months_between_offers=3), 6)
    0.941192
    """
    cost = _number(monthly_cost_of_delay, "monthly_cost_of_delay")
    months = _number(months_between_offers, "months_between_offers")
    if not 0.0 < cost < 1.0:
        raise BargainingError(f"monthly_cost_of_delay must be a fraction in (0, 1) (0.02 means "
                              f"2% of the value is lost per month), got {monthly_cost_of_delay!r}")
    if not months > 0:
        raise BargainingError(f"months_between_offers must be positive, got "
                              f"{months_between_offers!r}")
    return float((1.0 - cost) ** months)


def nash_power(delta_1: Any, delta_2: Any) -> Any:
    """Player 1's bargaining power in the limit of Rubinstein: log d2 / (log d1 + log d2).

    Arrays of discount factors (one pair per parameter draw) give an array of powers.

    >>> round(nash_power(0.9, 0.9), 12)
    0.5
    >>> nash_power([0.9, 0.81], [0.81, 0.9]).round(6).tolist()
    [0.666667, 0.333333]
    """
    if np.ndim(delta_1) == 0 and np.ndim(delta_2) == 0:
        d1, d2 = _delta(delta_1, "delta_1"), _delta(delta_2, "delta_2")
        return float(np.log(d2) / (np.log(d1) + np.log(d2)))
    try:
        d1, d2 = np.broadcast_arrays(np.asarray(delta_1, dtype=float),
                                     np.asarray(delta_2, dtype=float))
    except (TypeError, ValueError):
        raise BargainingError("delta_1 and delta_2 must be numbers or arrays of one shape, got "
                              f"{delta_1!r} and {delta_2!r}") from None
    for d, name in ((d1, "delta_1"), (d2, "delta_2")):
        if not np.all((d > 0) & (d < 1)):
            raise BargainingError(f"{name} must hold discount factors strictly between 0 and 1; "
                                  f"{int(np.sum(~((d > 0) & (d < 1))))} do not")
    return np.log(d2) / (np.log(d1) + np.log(d2))


@dataclass(frozen=True, eq=False)
class RubinsteinSplit(TabularResult):
    """From :func:`rubinstein_split`: the subgame-perfect ``shares``, first proposer first.

    ``by_player`` names the shares, ``binding`` says
    whose outside option moved the split. With a common discount factor d the first proposer
    gets 1 / (1 + d); an outside option above what its holder would get binds, and is then
    exactly what the holder gets (the outside-option principle):

    >>> from games.bargaining import rubinstein_split
    >>> s = rubinstein_split(0.9, 0.9)
    >>> round(s.shares[0], 9) == round(1 / 1.9, 9), round(sum(s.shares), 9)
    (True, 1.0)
    >>> with_option = rubinstein_split(0.9, 0.9, outside_options=(0, 0.6))
    >>> [round(x, 9) for x in with_option.shares], with_option.binding
    ([0.4, 0.6], (False, True))
    """

    players: tuple[str, str]
    first: str
    shares: tuple[float, float]
    discount_factors: tuple[float, float]
    outside_options: tuple[float, float]
    binding: tuple[bool, bool]
    agreement: bool
    surplus: float
    message: str
    method: str = "Rubinstein (1982) stationary subgame-perfect split, with outside options"
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def by_player(self) -> dict[str, float]:
        """The shares keyed by player name, in player order."""
        order = self.players if self.first == self.players[0] else self.players[::-1]
        shares = dict(zip(order, self.shares))
        return {p: shares[p] for p in self.players}

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        order = self.players if self.first == self.players[0] else self.players[::-1]
        k = [self.players.index(p) for p in order]
        return pd.DataFrame({"role": ["proposer", "responder"], "share": self.shares,
                             "discount factor": [self.discount_factors[i] for i in k],
                             "outside option": [self.outside_options[i] for i in k],
                             "option binding": [self.binding[i] for i in k]}, index=order)

    def caption(self) -> str:
        return (f"Rubinstein alternating offers (subgame-perfect, stationary), surplus "
                f"{self.surplus:g}, {self.first} proposes first: {self.message}")


def rubinstein_split(delta_1: float, delta_2: float, *, first: int | str = 1,
                     outside_options: Sequence[float] | None = None, surplus: float = 1.0,
                     players: Sequence[str] | None = None) -> RubinsteinSplit:
    """The subgame-perfect split of ``surplus`` when players alternate offers.

    ``first``: who proposes first (1, 2 or a name). ``outside_options``: what each player
    (in player order) gets by quitting when responding to an offer; an option binds only if
    it exceeds the share its holder would get without it. If the options add up to more than
    the surplus, there is no agreement.

    >>> rubinstein_split(0.5, 0.5, outside_options=(0, 0.6)).shares   # 2's option binds
    (0.4, 0.6)
    >>> rubinstein_split(0.5, 0.5, outside_options=(0, 0.3)).binding  # 0.3 < 1/3: ignored
    (False, False)
    """
    names = ("player 1", "player 2") if players is None else tuple(str(p) for p in players)
    if len(names) != 2 or names[0] == names[1]:
        raise BargainingError(f"give two distinct player names, got {names}")
    deltas = (_delta(delta_1, "delta_1"), _delta(delta_2, "delta_2"))
    size = _number(surplus, "surplus")
    if size <= 0:
        raise BargainingError(f"surplus must be positive, got {surplus!r}")
    if outside_options is None:
        w: tuple[float, ...] = (0.0, 0.0)
    elif isinstance(outside_options, (str, bytes)) or not hasattr(outside_options, "__iter__"):
        raise BargainingError(f"outside_options must give one payoff per player, such as "
                              f"(0, 0.3), got {outside_options!r}")
    else:
        w = tuple(_number(v, "outside option") for v in outside_options)
    if len(w) != 2:
        raise BargainingError("outside_options must give one payoff per player")
    p = _first(first, names)
    r = 1 - p
    if w[0] + w[1] > size:
        message = (f"no agreement: the outside options ({w[0]:g} + {w[1]:g}) exceed the "
                   f"surplus {size:g}, so quitting beats any split")
        return RubinsteinSplit(names, names[p], (w[p], w[r]), deltas, w, (True, True), False,
                               size, message)
    x, y, bind_p, bind_r = _stationary(deltas[p], deltas[r], w[p], w[r], size)
    binding = [False, False]
    binding[p], binding[r] = bind_p, bind_r
    message = "agreement in the first period"
    held = [names[k] for k in (0, 1) if binding[k]]
    if held:
        message += "; outside option binding for " + " and ".join(held)
    return RubinsteinSplit(names, names[p], (x, size - x), deltas, (w[0], w[1]),
                           (binding[0], binding[1]), True, size, message)


def _stationary(dp: float, dr: float, wp: float, wr: float, s: float
                ) -> tuple[float, float, bool, bool]:
    """The proposer's share x and the responder's own-proposal share y, with binding flags.

    x = s - max(wr, dr * y) and y = s - max(wp, dp * x): a contraction, so one of the four
    cases (which options bind) is consistent; try each.
    """
    tol = 1e-12 * s
    cases = []
    for bind_p in (False, True):
        for bind_r in (False, True):
            if not bind_p and not bind_r:
                x = s * (1 - dr) / (1 - dp * dr)
                y = s * (1 - dp) / (1 - dp * dr)
            elif bind_r and not bind_p:
                x = s - wr
                y = s - dp * x
            elif bind_p and not bind_r:
                y = s - wp
                x = s - dr * y
            else:
                x, y = s - wr, s - wp
            ok_r = (wr >= dr * y - tol) if bind_r else (wr <= dr * y + tol)
            ok_p = (wp >= dp * x - tol) if bind_p else (wp <= dp * x + tol)
            if ok_r and ok_p:
                cases.append((x, y, bind_p and wp > dp * x + tol, bind_r and wr > dr * y + tol))
    return cases[0]


@dataclass(frozen=True, eq=False)
class RubinsteinAgreement(BargainingSolution):
    """From :func:`rubinstein_solution`: the agreement on a frontier and both players' proposals.

    A :class:`BargainingSolution` of alternating offers, with the stationary ``proposals``
    added. On the frontier of a split surplus it is the Rubinstein split:

    >>> from games.bargaining import BargainingProblem, rubinstein_solution, rubinstein_split
    >>> p = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0), convex=True)
    >>> agreement = rubinstein_solution(p, 0.9, 0.9)
    >>> [round(u, 6) for u in agreement.utilities] == [round(x, 6) for x in rubinstein_split(0.9, 0.9).shares]
    True
    """

    proposals: Mapping[str, tuple[float, float]] = field(default_factory=dict)


def rubinstein_solution(problem: BargainingProblem, delta_1: float, delta_2: float, *,
                        first: int | str = 1, refine: bool = True) -> RubinsteinAgreement:
    """The subgame-perfect agreement of alternating offers over a problem's frontier.

    The stationary proposals x (by player 1) and y (by player 2) lie on the frontier with
    g2(x) = delta_2 * g2(y) and g1(y) = delta_1 * g1(x), gains taken over disagreement; the
    first proposer's proposal is accepted at once. The frontier is read as the broken line
    through its points (exact with lotteries); with continuous issues, the answer is then
    polished against the continuous frontier. Unique when the feasible set is convex.

    >>> p = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0), convex=True)
    >>> [round(u, 6) for u in rubinstein_solution(p, 0.9, 0.8).utilities]
    [0.714286, 0.285714]
    """
    require_problem(problem, "rubinstein_solution()")
    d1, d2 = _delta(delta_1, "delta_1"), _delta(delta_2, "delta_2")
    p = _first(first, problem.players)
    settings = {"delta_1": d1, "delta_2": d2, "first proposer": problem.players[p]}
    name = "Rubinstein"
    zone = zone_of_agreement(problem)
    d = problem.disagreement
    gains = zone.utilities - d
    if zone.empty:
        return _rubinstein_none(problem, name, settings)
    order = np.argsort(gains[:, 0], kind="stable")
    g1, g2 = gains[order, 0], np.maximum(gains[order, 1], 0.0)
    lo, hi = float(g1[0]), float(g1[-1])
    if hi <= 0 or g2.max() <= 0:
        return _rubinstein_none(problem, name, settings)

    def frontier(a: float) -> float:  # best gain of player 2 given player 1 gains a (disposal)
        return float(np.interp(a, g1, g2)) if a <= hi else -np.inf

    a = _solve_proposal(frontier, d1, d2, max(lo, 0.0), hi)
    method = "broken line through the frontier points, root of g2(x) - delta_2 g2(y) (Brent)"
    outcome = None
    if refine and can_refine(problem):
        exact = _continuous_frontier(problem, zone)
        if exact is not None:
            a = _solve_proposal(exact[0], d1, d2, max(lo, 0.0), exact[1], start=a)
            frontier = exact[0]
            method = ("continuous frontier (SLSQP: most for player 2 given player 1's gain), "
                      "root by Brent")
    x = (a, frontier(a))
    y = (d1 * a, frontier(d1 * a))
    agreed = x if p == 0 else y
    u = np.array(agreed) + d
    if problem.outcomes is not None:
        nearest = int(np.argmin(np.abs(problem.points[:, 0] - u[0])
                                + np.abs(problem.points[:, 1] - u[1])))
        outcome = problem.outcome(nearest)
        if refine and can_refine(problem):
            scale = utility_range(problem)
            found = refine_outcome(problem, nearest,
                                   lambda v, _: -float(np.sum(((v - u) / scale) ** 2)))
            if found is not None:
                outcome = found[0]
    proposals = {problem.players[0]: (x[0] + d[0], x[1] + d[1]),
                 problem.players[1]: (y[0] + d[0], y[1] + d[1])}
    gains_txt = f"gains {agreed[0]:.6g} and {agreed[1]:.6g}"
    return RubinsteinAgreement(name, problem.players, (float(u[0]), float(u[1])),
                               (float(d[0]), float(d[1])), True,
                               f"agreement on {problem.players[p]}'s proposal at once; "
                               + gains_txt, outcome, None, method, settings, proposals)


def _solve_proposal(frontier: Any, d1: float, d2: float, lo: float, hi: float,
                    start: float | None = None) -> float:
    """Player 1's gain a in its proposal: the largest a with g2(a) >= d2 * g2(d1 * a)."""
    from scipy.optimize import brentq
    def h(a: float) -> float:
        return frontier(a) - d2 * frontier(d1 * a)

    if h(hi) >= 0:  # player 2 accepts even player 1's best point
        return hi
    if h(lo) <= 0:
        return lo
    return float(brentq(h, lo, hi, xtol=1e-14 * max(1.0, hi), rtol=1e-14, maxiter=200))


def _continuous_frontier(problem: BargainingProblem, zone: Any):
    """Player 2's best gain given player 1's gain, by SLSQP from the nearest grid point."""
    d = problem.disagreement
    pts = problem.points
    scale = utility_range(problem)
    top = zone.utilities[:, 0].max() - d[0]

    def best_other(a: float) -> float:
        ok = pts[:, 0] - d[0] >= a
        if not ok.any():
            return -np.inf
        cand = np.flatnonzero(ok)
        start = int(cand[np.argmax(pts[cand, 1])])
        grid_value = float(pts[start, 1] - d[1])
        found = refine_outcome(problem, start, lambda u, _: u[1] / scale,
                               lambda u, _: np.array([u[0] - d[0] - a]))
        return max(grid_value, float(found[1][1] - d[1])) if found is not None else grid_value

    best1 = refine_outcome(problem, int(np.argmax(np.where(pts[:, 1] >= d[1], pts[:, 0], -np.inf))),
                           lambda u, _: u[0] / scale, lambda u, _: np.array([u[1] - d[1]]))
    hi = max(top, float(best1[1][0] - d[0])) if best1 is not None else top
    return (lambda a: max(best_other(a), 0.0) if a <= hi else -np.inf), hi


def _rubinstein_none(problem: BargainingProblem, name: str, settings: dict) -> RubinsteinAgreement:
    base = no_agreement(problem, name, "zone of agreement check", settings)
    return RubinsteinAgreement(**{f: getattr(base, f) for f in base.__dataclass_fields__})


def _first(first: int | str, names: Sequence[str]) -> int:
    if isinstance(first, str):
        if first not in names:
            raise BargainingError(f"first proposer {first!r} is not a player; players are "
                                  f"{tuple(names)}")
        return list(names).index(first)
    if not isinstance(first, bool) and first in (1, 2):
        return int(first) - 1
    raise BargainingError(f"first must be 1, 2 or a player name, got {first!r}")


def _delta(value: Any, name: str) -> float:
    v = _number(value, name)
    if not 0.0 < v < 1.0:
        raise BargainingError(f"{name} must be a discount factor strictly between 0 and 1, got "
                              f"{value!r}; use discount_factor(monthly_cost, months) to get one")
    return v


def _number(value: Any, name: str) -> float:
    return finite_number(value, name, BargainingError)
