"""Acceptance rules: when a side takes the offer on the table (after Baarslag et al. 2014).

Each rule has one method, ``accepts(view, offer, next_offer) -> (draws,) bool``: ``offer`` is
the outcome on the table, ``next_offer`` the one this side would make next round (``None`` at
the deadline, when refusing means no agreement). Whatever a rule says, the protocol never lets a
side accept an outcome worth less to it than its reservation.

- :class:`AcceptNext` (AC_next): accept if the offer is worth at least what one's own next
  offer will be worth a round later (``alpha`` times it, plus ``beta``).
- :class:`AcceptAbove` (AC_const): accept anything above a fixed share of one's best gain.
- :class:`AcceptAfter` (AC_time): from a point in time on, accept anything above the
  reservation; before it, as AC_next.

>>> import numpy as np
>>> from games.negotiation.problem import NegotiationProblem
>>> from games.negotiation.view import SideView
>>> x = np.linspace(0, 1, 11)
>>> view = SideView(NegotiationProblem({"share": x}, x, 1 - x), side=0, deadline=5)
>>> AcceptNext().accepts(view, np.array([6]), np.array([7]))   # 0.6 now < 0.7 next round
array([False])
>>> AcceptAbove(0.5).accepts(view, np.array([6]), np.array([7]))
array([ True])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from games.negotiation.problem import NegotiationError
from games.negotiation.view import SideView


@dataclass(frozen=True)
class AcceptNext:
    """AC_next: accept when the offer's gain is at least ``alpha`` times that of one's next offer.

    Gains are over the reservation. ``alpha=None`` uses the side's discount factor per round
    (the next offer arrives a round later); ``beta`` adds a margin in units of the side's
    outcome grid (its widest gap between neighbouring outcomes), so that a rule comparing
    two grid points does not refuse an offer one grid step short of a continuous target.
    """

    alpha: float | None = None
    beta: float = 0.0

    def accepts(self, view: SideView, offer: np.ndarray, next_offer: np.ndarray | None
                ) -> np.ndarray:
        """True in draws where the offer beats this side's own next offer, discounted."""
        gain = view.utility_of(offer) - view.reservation
        if next_offer is None:
            return gain >= 0
        alpha = view.discount if self.alpha is None else self.alpha
        later = alpha * (view.utility_of(next_offer) - view.reservation)
        return gain >= later - self.beta * view.resolution


@dataclass(frozen=True)
class AcceptAbove:
    """AC_const: accept an offer whose gain is at least ``share`` of one's best gain."""

    share: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1:
            raise NegotiationError(f"share: an acceptance level is a share of the best gain "
                                   f"in [0, 1], got {self.share!r}")

    def accepts(self, view: SideView, offer: np.ndarray, next_offer: np.ndarray | None
                ) -> np.ndarray:
        """True in draws where the offer's gain reaches the fixed share of the best gain."""
        gain = view.utility_of(offer) - view.reservation
        return gain >= self.share * np.maximum(view.best - view.reservation, 0.0)


@dataclass(frozen=True)
class AcceptAfter:
    """AC_time: from time ``time`` (share of the rounds gone) on, accept any gain >= 0."""

    time: float = 0.9

    def __post_init__(self) -> None:
        if not 0 <= self.time <= 1:
            raise NegotiationError(f"time: a share of the rounds in [0, 1], got {self.time!r}")

    def accepts(self, view: SideView, offer: np.ndarray, next_offer: np.ndarray | None
                ) -> np.ndarray:
        """True once the time has come (and the offer is not below the reservation)."""
        if view.time >= self.time:
            return view.utility_of(offer) >= view.reservation
        return AcceptNext().accepts(view, offer, next_offer)
