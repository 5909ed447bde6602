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

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from games.errors import BargainingError
from games.results import TabularResult


@dataclass(frozen=True, eq=False)
class UltimatumOffer(TabularResult):
    """The proposer's optimal offer under uncertainty, next to the full-information benchmark.

    ``offer``: the responder's share; ``ask``: what the proposer keeps (surplus - offer).
    ``full_information_offer``: the offer to a responder known to have the mean reservation
    value; ``full_information_payoff``: the proposer's expected payoff if it learned each
    responder's reservation value before offering (the gap is the value of information).
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

    @property
    def value_of_information(self) -> float:
        """How much the proposer would gain, in expectation, from knowing the responder's type."""
        return self.full_information_payoff - self.expected_payoff

    def to_frame(self) -> pd.DataFrame:
        rows = {"offer to " + self.players[1]: self.offer,
                "ask (" + self.players[0] + " keeps)": self.ask,
                "acceptance probability": self.acceptance_probability,
                "expected payoff to " + self.players[0]: self.expected_payoff,
                "full-information offer (mean type)": self.full_information_offer,
                "full-information expected payoff": self.full_information_payoff,
                "value of information": self.value_of_information}
        return pd.DataFrame({"value": list(rows.values())}, index=list(rows))

    def _caption(self) -> str:
        return (f"ultimatum offer of a surplus {self.surplus:g} under uncertainty about "
                f"{self.players[1]}'s reservation value; {self.message}; method: {self.method}")


def ultimatum_offer(reservation: Any, *, surplus: float = 1.0,
                    proposer_disagreement: float = 0.0, players: Sequence[str] | None = None,
                    resolution: int = 2001) -> UltimatumOffer:
    """The proposer's optimal take-it-or-leave-it offer when the responder's type is uncertain.

    ``reservation``: the responder's reservation value as a frozen ``scipy.stats``
    distribution, or a sample (array of draws; the answer is then exact for the empirical
    distribution). The responder accepts offers at least its reservation value.

    >>> o = ultimatum_offer([0.1, 0.2, 0.6])          # offer 0.2: kept 0.8 with prob. 2/3
    >>> round(o.offer, 6), round(o.expected_payoff, 6), round(o.full_information_payoff, 6)
    (0.2, 0.533333, 0.7)
    """
    names = ("proposer", "responder") if players is None else tuple(str(p) for p in players)
    if len(names) != 2:
        raise BargainingError(f"give two player names (proposer, responder), got {names}")
    size = _number(surplus, "surplus")
    if size <= 0:
        raise BargainingError(f"surplus must be positive, got {surplus!r}")
    dp = _number(proposer_disagreement, "proposer_disagreement")
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
                          float(mean), float(full), size, dp, names, method, message)


def _from_sample(sample: Any, size: float, dp: float, cap: float):
    try:
        r = np.sort(np.asarray(sample, dtype=float).ravel())
    except (TypeError, ValueError):
        raise BargainingError("reservation must be a scipy.stats distribution or a numeric "
                              "sample of reservation values") from None
    if r.size == 0:
        raise BargainingError("the reservation sample is empty; give at least one draw")
    if not np.isfinite(r).all():
        raise BargainingError("the reservation sample contains NaN or infinite draws; drop them")
    # the best offer is one of the draws: between draws, offering less keeps more
    accept = np.searchsorted(r, r, side="right") / r.size
    value = np.where(r <= cap, (size - r - dp) * accept, -np.inf)
    k = int(np.argmax(value))
    full = float(np.mean(np.maximum(size - r, dp)))
    method = f"exact over the empirical distribution of {r.size} draws"
    if not np.isfinite(value[k]) or value[k] < 0:
        return float("nan"), 0.0, float(r.mean()), full, method
    return float(r[k]), float(accept[k]), float(r.mean()), full, method


def _from_distribution(dist: Any, size: float, dp: float, cap: float, resolution: int):
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 10:
        raise BargainingError(f"resolution must be an integer >= 10, got {resolution!r}")
    q = np.linspace(1e-9, 1 - 1e-9, int(resolution))
    with np.errstate(all="ignore"):
        grid = np.unique(np.asarray(dist.ppf(q), dtype=float))
    grid = grid[np.isfinite(grid)]
    if grid.size == 0:
        raise BargainingError("the reservation distribution has no finite quantiles")
    grid = np.unique(np.clip(grid, None, cap))

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
    """E[(cap - R)^+] = integral of the cdf up to cap."""
    from scipy.integrate import quad

    lower = float(dist.ppf(1e-12))
    if not np.isfinite(lower) or lower >= cap:
        return 0.0 if lower >= cap else float("nan")
    value, _ = quad(lambda s: float(dist.cdf(s)), lower, cap, limit=200)
    return float(value)


def _number(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise BargainingError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v):
        raise BargainingError(f"{name} must be finite, got {value!r}")
    return v
