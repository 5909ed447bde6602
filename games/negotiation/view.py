"""What one side sees at the table: its own utilities, the offers so far, the clock.

A :class:`SideView` is the only argument an agent's ``offer`` or an acceptance rule's
``accepts`` receives. It holds arrays over draws, so one call decides the move of every draw.

>>> import numpy as np
>>> from games.negotiation.problem import NegotiationProblem
>>> x = np.linspace(0, 1, 11)
>>> view = SideView(NegotiationProblem({"share": x}, x, 1 - x), side=0, deadline=5)
>>> view.at_least(np.array([0.42]))          # the outcome A values least among those >= 0.42
array([5])
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from games.negotiation.problem import NegotiationProblem


class SideView:
    """One side's view of a negotiation in progress, for all draws at once.

    ``round`` counts from 1; ``my_offers`` and ``their_offers`` list, per past offer, the
    ``(draws,)`` outcome indices offered. ``rng`` is the side's own seeded generator; ``memo``
    is a dictionary where an agent may keep what it computed once per negotiation, and
    :meth:`once` keeps what depends only on the problem and side (across negotiations).
    """

    def __init__(self, problem: NegotiationProblem, side: int, deadline: int,
                 rng: np.random.Generator | None = None) -> None:
        self.problem = problem
        self.side = side
        self.deadline = int(deadline)
        self.round = 1
        self.my_offers: list[np.ndarray] = []
        self.their_offers: list[np.ndarray] = []
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.memo: dict[Any, Any] = {}
        self.utility = problem.utility(side)
        self.reservation = problem.reservation(side)
        self.discount = problem.discount(side)
        self.index = problem.index(side)
        self.order, self.sorted = self.index.order, self.index.sorted
        self.rows = np.arange(problem.draws)

    @property
    def draws(self) -> int:
        return self.problem.draws

    @property
    def time(self) -> float:
        """Share of the negotiation gone at this round: 0 at the first offer, 1 at the last."""
        return 1.0 if self.deadline <= 1 else (self.round - 1) / (self.deadline - 1)

    @property
    def best(self) -> np.ndarray:
        """The side's best utility over all outcomes, per draw."""
        return self.sorted[:, -1]

    @property
    def resolution(self) -> np.ndarray:
        """Per draw, the widest gap between neighbouring outcomes in this side's utility."""
        return self.once("resolution", lambda: np.diff(self.sorted, axis=1).max(
            axis=1, initial=0.0))

    def once(self, owner: Any, compute: Callable[[], Any]) -> Any:
        """What ``owner`` (an agent, or a name for what needs it) derives from the problem
        and this side alone, not from the play: computed by ``compute()`` once, then shared by
        every negotiation on this problem (:meth:`NegotiationProblem.once`)."""
        return self.problem.once(self.side, owner, compute)

    def utility_of(self, offers: np.ndarray) -> np.ndarray:
        """This side's utility of the outcomes ``offers`` (one index per draw)."""
        return self.utility[self.rows, offers]

    def at_least(self, level: np.ndarray) -> np.ndarray:
        """Per draw, the outcome this side values least among those worth at least ``level``.

        Where no outcome reaches ``level``, the side's best outcome.
        """
        pos = np.minimum(self.index.position(level), self.problem.size - 1)
        return self.order[self.rows, pos]

    def belief(self) -> tuple[np.ndarray, float, float]:
        """What this side believes of the other: utility per outcome, reservation, discount.

        The other's values averaged over the draws: a side knows the distribution of the
        other's parameters, not their values in this draw.
        """
        other = 1 - self.side
        p = self.problem
        return (p.utility(other).mean(axis=0), float(p.reservation(other).mean()),
                float(p.discount(other).mean()))
