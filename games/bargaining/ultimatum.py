"""Ultimatum offers when the responder's reservation value is uncertain.

A proposer offers a share ``s`` of a surplus; the responder accepts when ``s`` is at least
its reservation value R, which the proposer knows only as a distribution or a sample. The
proposer maximises its expected payoff d + (surplus - s - d) * P(R <= s), where d is its own
disagreement payoff. Bolder offers keep more but are refused more often: the classic
monopoly-pricing trade-off (e.g. Osborne, *An Introduction to Game Theory*, ch. 6).

>>> from scipy import stats
>>> o = ultimatum_offer(stats.uniform(0, 1))      # R ~ U(0, 1): offer 1/2, accepted half the time
>>> round(o.offer, 6), round(o.acceptance_probability, 6), round(o.expected_payoff, 6)
(0.5, 0.5, 0.25)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence, TYPE_CHECKING

import numpy as np

from games.bargaining.frontier import pareto_frontier, require_problem
from games.bargaining.problem import BargainingProblem
from games.errors import BargainingError, finite_number
from games.results import TabularResult

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class UltimatumOffer(TabularResult):
    """From :func:`ultimatum_offer`: the best ``offer`` under uncertainty, and with full information.

    ``offer``: the responder's share; ``ask``: what the proposer keeps (surplus - offer).
    ``full_information_offer``: the offer to a responder known to have the mean reservation
    value; ``full_information_payoff``: the proposer's expected payoff if it learned each
    responder's reservation value before offering (the gap is the value of information).
    Against R ~ U(0, 1) the proposer offers 1/2 for an
    expected 1/4; knowing R it would offer exactly R and keep E[1 - R] = 1/2:

    >>> from scipy import stats
    >>> from games.bargaining import ultimatum_offer
    >>> o = ultimatum_offer(stats.uniform(0, 1))
    >>> round(o.offer, 6), round(o.expected_payoff, 6), round(o.value_of_information, 6)
    (0.5, 0.25, 0.25)
    """

    offer: float
    ask: float
    acceptance_probability: float
    expected_payoff: float
    full_information_offer: float
    full_information_payoff: float
    surplus: float
    proposer_disagreement: float
    players: tuple[str, str]
    method: str
    message: str
    outcome: Mapping[str, Any] | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def value_of_information(self) -> float:
        """How much the proposer would gain, in expectation, from knowing the responder's type."""
        return self.full_information_payoff - self.expected_payoff

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        rows = {"offer to " + self.players[1]: self.offer,
                "ask (" + self.players[0] + " keeps)": self.ask,
                "acceptance probability": self.acceptance_probability,
                "expected payoff to " + self.players[0]: self.expected_payoff,
                "full-information offer (mean type)": self.full_information_offer,
                "full-information expected payoff": self.full_information_payoff,
                "value of information": self.value_of_information}
        return pd.DataFrame({"value": list(rows.values())}, index=list(rows))

    def caption(self) -> str:
        what = (f"of a surplus {self.surplus:g}" if np.isfinite(self.surplus)
                else "on a bargaining frontier (offer and ask in each player's utility)")
        text = (f"ultimatum offer {what} under uncertainty about {self.players[1]}'s "
                f"reservation value; {self.message}; method: {self.method}")
        if self.outcome:
            text += "\noutcome: " + ", ".join(
                f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
                for k, v in self.outcome.items())
        return text


def ultimatum_offer(reservation: Any, *, surplus: float = 1.0,
                    proposer_disagreement: float = 0.0, players: Sequence[str] | None = None,
                    resolution: int = 2001) -> UltimatumOffer:
    """The proposer's optimal take-it-or-leave-it offer when the responder's type is uncertain.

    ``reservation``: the responder's reservation value as a frozen ``scipy.stats``
    distribution, or a sample (array of draws; the answer is then exact for the empirical
    distribution). The responder accepts offers at least its reservation value; offers lie
    between 0 and ``surplus - proposer_disagreement`` (beyond it the proposer prefers
    disagreement), which exceeds the surplus only when disagreement costs the proposer.

    >>> o = ultimatum_offer([0.1, 0.2, 0.6])          # offer 0.2: kept 0.8 with prob. 2/3
    >>> round(o.offer, 6), round(o.expected_payoff, 6), round(o.full_information_payoff, 6)
    (0.2, 0.533333, 0.7)
    """
    names = ("proposer", "responder") if players is None else tuple(str(p) for p in players)
    if len(names) != 2 or names[0] == names[1]:
        raise BargainingError(f"give two distinct player names (proposer, responder), got "
                              f"{names}")
    size = finite_number(surplus, "surplus", BargainingError)
    if size <= 0:
        raise BargainingError(f"surplus must be positive, got {surplus!r}")
    dp = finite_number(proposer_disagreement, "proposer_disagreement", BargainingError)
    cap = size - dp  # offers above this are worse for the proposer than disagreement
    if hasattr(reservation, "cdf") and hasattr(reservation, "ppf"):
        offer, accept, mean, full, method = _from_distribution(reservation, size, dp, cap,
                                                               resolution)
    else:
        offer, accept, mean, full, method = _from_sample(reservation, size, dp, cap)
    if accept <= 0:
        payoff = dp
        message = ("no offer the proposer prefers to disagreement is ever accepted: "
                   "make no acceptable offer")
        offer = float("nan")
    else:
        payoff = dp + (size - offer - dp) * accept
        message = f"offer {offer:.6g}, accepted with probability {accept:.6g}"
    return UltimatumOffer(float(offer), float(size - offer), float(accept), float(payoff),
                          max(float(mean), 0.0), float(full), size, dp, names, method, message)


def ultimatum_on_frontier(problem: BargainingProblem, reservation: Any, *,
                          proposer: int | str = 1, resolution: int = 2001) -> UltimatumOffer:
    """The proposer's optimal take-it-or-leave-it point of a frontier, responder type uncertain.

    The responder accepts a point when its utility there is at least its reservation
    utility R (a frozen ``scipy.stats`` distribution or a sample, in the responder's utility
    units); the proposer, whose fallback is its disagreement payoff, picks the frontier point
    maximising its expected utility. With lotteries allowed, points along the hull's
    segments are considered too. ``offer`` is the responder's utility there, ``ask`` the
    proposer's; the outcome behind the point is reported.

    >>> p = BargainingProblem.from_points([(1, 0), (0, 1)], (0, 0), convex=True)
    >>> o = ultimatum_on_frontier(p, [0.1, 0.2, 0.6])   # the split of a unit surplus again
    >>> round(o.ask, 6), round(o.acceptance_probability, 6)
    (0.8, 0.666667)
    """
    k = require_problem(problem, "ultimatum_on_frontier()").player_index(proposer)
    r = 1 - k
    front = pareto_frontier(problem)
    is_dist = hasattr(reservation, "cdf") and hasattr(reservation, "ppf")
    if is_dist:
        resolution = _resolution(resolution)
        with np.errstate(all="ignore"):
            draws = np.asarray(reservation.ppf(np.linspace(0.5, resolution - 0.5, resolution)
                                               / resolution), dtype=float)
        draws = draws[np.isfinite(draws)]
        mean = float(reservation.mean())
        method = f"{resolution} quantiles of the distribution as candidate offers"
    else:
        draws = _sample(reservation)
        mean = float(draws.mean())
        method = f"exact over the empirical distribution of {draws.size} draws"
    pts = front.utilities
    if front.convex and len(pts) > 1:
        # with lotteries, the best offer leaves the responder exactly at some type's
        # reservation utility: add the hull point at each such level
        order = np.argsort(pts[:, r], kind="stable")
        xs, ys = pts[order, r], pts[order, k]
        levels = np.unique(draws[(draws >= xs[0]) & (draws <= xs[-1])])
        extra = np.empty((len(levels), 2))
        extra[:, r], extra[:, k] = levels, np.interp(levels, xs, ys)
        pts = np.vstack([pts, extra])
        method += "; lotteries along the hull"
    dp = float(problem.disagreement[k])
    mine, theirs = pts[:, k], pts[:, r]
    if is_dist:
        accept = np.asarray(reservation.cdf(theirs), dtype=float)
    else:
        accept = np.searchsorted(draws, theirs, side="right") / draws.size
    value = dp + (mine - dp) * accept
    best = int(np.argmax(value))
    # full information: for each type, the proposer's best point that type accepts
    by_theirs = np.argsort(theirs)
    best_from = np.maximum.accumulate(mine[by_theirs][::-1])[::-1]
    at = np.searchsorted(theirs[by_theirs], np.sort(draws), side="left")
    gets = np.where(at < len(by_theirs), best_from[np.minimum(at, len(by_theirs) - 1)], -np.inf)
    full = float(np.mean(np.maximum(gets, dp)))
    typical = np.searchsorted(theirs[by_theirs], mean, side="left")
    full_offer = float(theirs[by_theirs][typical]) if typical < len(by_theirs) else float("nan")
    if front.convex and len(front.utilities) > 1 and xs[0] <= mean <= xs[-1]:
        full_offer = mean  # a lottery leaves the mean type exactly indifferent
    names = (problem.players[k], problem.players[r])
    if value[best] <= dp or accept[best] <= 0:
        return UltimatumOffer(float("nan"), float("nan"), 0.0, dp, full_offer, full, float("nan"),
                              dp, names, method, "no point the proposer prefers to disagreement "
                              "is ever accepted: make no acceptable offer")
    if best < len(front.utilities):
        outcome = problem.outcome(int(front.indices[best]))
    else:  # a lottery between the two hull vertices around the responder's level
        level = theirs[best]
        j = int(np.clip(np.searchsorted(xs, level), 1, len(xs) - 1))
        w = float((level - xs[j - 1]) / (xs[j] - xs[j - 1]))
        lo, hi = (problem.outcome(int(front.indices[order[m]])) for m in (j - 1, j))
        outcome = {"lottery": ((lo.get("outcome", lo), 1.0 - w), (hi.get("outcome", hi), w))}
    return UltimatumOffer(float(theirs[best]), float(mine[best]), float(accept[best]),
                          float(value[best]), full_offer, full, float("nan"), dp, names, method,
                          f"ask {mine[best]:.6g}, leaving {theirs[best]:.6g}, accepted with "
                          f"probability {accept[best]:.6g}", outcome)


def _sample(sample: Any) -> np.ndarray:
    try:
        r = np.sort(np.asarray(sample, dtype=float).ravel())
    except (TypeError, ValueError):
        raise BargainingError("reservation must be a scipy.stats distribution or a numeric "
                              "sample of reservation values") from None
    if r.size == 0:
        raise BargainingError("the reservation sample is empty; give at least one draw")
    if not np.isfinite(r).all():
        raise BargainingError("the reservation sample contains NaN or infinite draws; drop them")
    return r


def _from_sample(sample: Any, size: float, dp: float, cap: float):
    r = _sample(sample)
    # the best offer is 0 or one of the draws: between draws, offering less keeps more
    offers = np.maximum(r, 0.0)
    accept = np.searchsorted(r, offers, side="right") / r.size
    value = np.where(offers <= cap, (size - offers - dp) * accept, -np.inf)
    k = int(np.argmax(value))
    full = float(np.mean(np.maximum(size - offers, dp)))
    method = f"exact over the empirical distribution of {r.size} draws"
    if not np.isfinite(value[k]) or value[k] <= 0:
        return float("nan"), 0.0, float(r.mean()), full, method
    return float(offers[k]), float(accept[k]), float(r.mean()), full, method


def _resolution(resolution: Any) -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 10:
        raise BargainingError(f"resolution must be an integer >= 10, got {resolution!r}")
    return int(resolution)


def _from_distribution(dist: Any, size: float, dp: float, cap: float, resolution: int):
    from scipy.optimize import minimize_scalar
    q = np.linspace(1e-9, 1 - 1e-9, _resolution(resolution))
    with np.errstate(all="ignore"):
        grid = np.unique(np.asarray(dist.ppf(q), dtype=float))
    grid = grid[np.isfinite(grid)]
    if grid.size == 0:
        raise BargainingError("the reservation distribution has no finite quantiles")
    grid = np.unique(np.clip(grid, 0.0, max(cap, 0.0)))

    def payoff(s: float) -> float:
        return (size - s - dp) * float(dist.cdf(s))

    values = (size - grid - dp) * np.asarray(dist.cdf(grid), dtype=float)
    k = int(np.argmax(values))
    best_s, best_v = float(grid[k]), float(values[k])
    lo, hi = float(grid[max(k - 1, 0)]), float(grid[min(k + 1, grid.size - 1)])
    if hi > lo:  # between neighbouring quantiles the optimum is continuous
        res = minimize_scalar(lambda s: -payoff(s), bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-12 * max(1.0, abs(hi))})
        if res.success and -res.fun > best_v:
            best_s, best_v = float(res.x), float(-res.fun)
    mean = float(dist.mean())
    # E[max(size - R, dp)] = dp + E[(size - dp - R)^+], by numerical integration of the cdf
    full = dp + _expected_positive_part(dist, cap)
    method = (f"{resolution} quantiles of the distribution, then bounded scalar search "
              "between neighbouring quantiles")
    if best_v <= 0:
        return float("nan"), 0.0, mean, full, method
    return best_s, float(dist.cdf(best_s)), mean, full, method


def _expected_positive_part(dist: Any, cap: float) -> float:
    """E[(cap - max(R, 0))^+] = integral of the cdf from 0 up to cap (offers are >= 0)."""
    from scipy.integrate import quad

    lower = max(float(dist.ppf(1e-12)), 0.0)
    if not np.isfinite(lower) or lower >= cap:
        return 0.0 if lower >= cap else float("nan")
    value, _ = quad(lambda s: float(dist.cdf(s)), lower, cap, limit=200)
    return float(value)


# ---- take-it-or-leave-it offers along a path of packages, over parameter draws ---------------

def offers_along(own: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For offers along a path (columns) over draws (rows): the share of draws in which the
    responder accepts (its gain ``other`` >= 0) and the proposer's expected gain as a
    take-it-or-leave-it offer, E[own gain if accepted, else 0], per offer.

    Each column is reduced on its own (over contiguous draws), so an offer's figures do not
    depend on which other offers are evaluated beside it.

    >>> own = np.array([[2.0, 3.0], [2.0, 3.0]])
    >>> other = np.array([[1.0, 0.5], [-1.0, -0.5]])   # the second draw refuses both offers
    >>> acceptance, expected = offers_along(own, other)
    >>> acceptance.tolist(), expected.tolist()
    ([0.5, 0.5], [1.0, 1.5])
    """
    accepted = other >= 0
    expected = np.ascontiguousarray(np.where(accepted, own, 0.0).T).mean(axis=1)
    return accepted.mean(axis=0), expected


def best_within_reach(acceptance: np.ndarray, expected: np.ndarray, min_acceptance: float
                      ) -> tuple[int, int] | None:
    """Along a path whose first offer is the status of the talks: the *reach* (the last offer
    of the unbroken run, from the first, accepted in at least ``min_acceptance`` of the draws)
    and the offer up to the reach with the highest expected proposer gain; None when even
    the first offer falls short or the path reaches no further.

    >>> best_within_reach(np.array([1.0, 0.95, 0.9, 0.5]), np.array([1.0, 1.4, 1.2, 2.0]), 0.9)
    (2, 1)
    """
    ok = np.asarray(acceptance) >= min_acceptance
    if ok.size == 0 or not ok[0]:
        return None
    reach = int(np.argmin(ok)) - 1 if not ok.all() else ok.size - 1
    if reach < 1:
        return None
    return reach, int(np.argmax(np.asarray(expected)[:reach + 1]))
