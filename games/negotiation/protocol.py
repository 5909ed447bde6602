"""The alternating-offers protocol with a deadline, run for every draw at once.

In round ``r = 1, 2, ..., deadline`` one side proposes an outcome (side ``first`` in round 1,
then in turn) and the other accepts or refuses; a refusal in the last round ends in no
agreement, each side keeping its reservation. An agreement in round ``r`` is worth
``d ** (r - 1)`` times its gain over the reservation (``d`` the side's discount per round).
All draws advance round by round together; a draw that has agreed stops taking part. The
protocol enforces individual rationality: an outcome below either side's reservation is
never agreed, whatever the agents say.

>>> import numpy as np
>>> from games.negotiation.problem import NegotiationProblem
>>> x = np.linspace(0, 1, 1001)
>>> pie = NegotiationProblem({"share": x}, x, 1 - x, discount_a=0.9, discount_b=0.9)
>>> trace = negotiate(pie, STANDARD["rubinstein"], STANDARD["rubinstein"], deadline=10)
>>> int(trace.round[0]), float(trace.utilities[0, 0])   # (1 - 0.9) / (1 - 0.81) = 0.5263...
(1, 0.526)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from games.negotiation.acceptance import AcceptNext
from games.negotiation.agents import (Boulware, Conceder, Linear, NashSeeking, RandomWalk,
                                      RubinsteinOptimal, TitForTat)
from games.negotiation.problem import NegotiationError, NegotiationProblem
from games.negotiation.view import SideView
from games.results import TabularResult

#: The most rounds a negotiation may last (a trace keeps every offer of every draw).
MAX_DEADLINE = 10_000


@dataclass(frozen=True)
class Negotiator:
    """A named pair: an offering strategy and an acceptance rule (AC_next by default)."""

    name: str
    strategy: Any
    acceptance: Any = field(default_factory=AcceptNext)

    def __post_init__(self) -> None:
        if not callable(getattr(self.strategy, "offer", None)):
            raise NegotiationError(f"negotiator {self.name!r}: its strategy needs an "
                                   "offer(view) method")
        if not callable(getattr(self.acceptance, "accepts", None)):
            raise NegotiationError(f"negotiator {self.name!r}: its acceptance rule needs an "
                                   "accepts(view, offer, next_offer) method")


#: The agents of the tournament, by name.
STANDARD: dict[str, Negotiator] = {n.name: n for n in (
    Negotiator("boulware", Boulware()),
    Negotiator("linear", Linear()),
    Negotiator("conceder", Conceder()),
    Negotiator("tit-for-tat", TitForTat()),
    Negotiator("rubinstein", RubinsteinOptimal(), AcceptNext(beta=1.0)),
    Negotiator("nash", NashSeeking(), AcceptNext(beta=1.0)),
    Negotiator("random-walk", RandomWalk()),
)}

def _checked(offer: Any, negotiator: Negotiator, problem: NegotiationProblem) -> np.ndarray:
    array = np.asarray(offer)
    if array.shape != (problem.draws,) or not np.issubdtype(array.dtype, np.integer):
        raise NegotiationError(f"negotiator {negotiator.name!r}: offer() must return one "
                               f"outcome index per draw ({problem.draws} integers), got "
                               f"{array.dtype} of shape {array.shape}")
    if array.size and (array.min() < 0 or array.max() >= problem.size):
        raise NegotiationError(f"negotiator {negotiator.name!r}: offered an outcome index "
                               f"outside 0..{problem.size - 1}")
    return array.astype(np.int64)


def negotiate(problem: NegotiationProblem, a: Negotiator, b: Negotiator, *,
              deadline: int = 100, seed: int = 0, first: int = 0) -> NegotiationTrace:
    """Run alternating offers between ``a`` (side A) and ``b`` (side B) in every draw.

    ``first`` is the side that proposes in round 1 (0: A, 1: B). Random agents draw from
    generators seeded by ``seed`` and their side, so a trace replays exactly.
    """
    if not (isinstance(deadline, (int, np.integer)) and 1 <= deadline <= MAX_DEADLINE):
        raise NegotiationError(f"deadline: a whole number of rounds from 1 to {MAX_DEADLINE}, "
                               f"got {deadline!r}")
    if first not in (0, 1):
        raise NegotiationError(f"first: the side that opens is 0 (A) or 1 (B), got {first!r}")
    negotiators = (a, b)
    views = [SideView(problem, s, deadline, np.random.default_rng([int(seed), s]))
             for s in (0, 1)]
    gains = [problem.gains(0), problem.gains(1)]
    rows = np.arange(problem.draws)
    active = np.ones(problem.draws, dtype=bool)
    agreement = np.full(problem.draws, -1, dtype=np.int64)
    when = np.zeros(problem.draws, dtype=np.int64)
    offers, proposers = [], []
    pending: list[np.ndarray | None] = [None, None]
    for r in range(1, int(deadline) + 1):
        p = (first + r - 1) % 2
        q = 1 - p
        views[p].round = r
        x = pending[p]
        if x is None:
            x = _checked(negotiators[p].strategy.offer(views[p]), negotiators[p], problem)
        pending[p] = None
        views[p].my_offers.append(x)
        views[q].their_offers.append(x)
        offers.append(np.where(active, x, -1))
        proposers.append(p)
        y = None
        if r < deadline:  # the responder's next offer, which AC_next weighs against this one
            views[q].round = r + 1
            y = _checked(negotiators[q].strategy.offer(views[q]), negotiators[q], problem)
        views[q].round = r
        yes = np.asarray(negotiators[q].acceptance.accepts(views[q], x, y), dtype=bool)
        done = active & yes & (gains[q][rows, x] >= 0) & (gains[p][rows, x] >= 0)
        agreement[done], when[done] = x[done], r
        active &= ~done
        pending[q] = y
        if not active.any():
            break
    return NegotiationTrace(problem, negotiators, int(deadline), int(seed), first,
                            np.array(offers, dtype=np.int64), np.array(proposers), agreement,
                            when)


@dataclass(frozen=True, eq=False)
class NegotiationTrace(TabularResult):
    """Every offer of a negotiation run over all draws, and how each draw ended.

    ``offers`` is ``(rounds, draws)`` outcome indices (-1 after a draw agreed); ``proposer``
    the side (0 or 1) proposing in each round; ``agreement`` the agreed outcome per draw (-1:
    none); ``round`` the round of agreement (0: none). ``to_frame(draw)`` is one draw's story.
    """

    problem: NegotiationProblem = field(repr=False)
    negotiators: tuple[Negotiator, Negotiator]
    deadline: int
    seed: int
    first: int
    offers: np.ndarray = field(repr=False)
    proposer: np.ndarray = field(repr=False)
    agreement: np.ndarray = field(repr=False)
    round: np.ndarray = field(repr=False)
    method: str = "stacked alternating offers with a deadline, all draws advanced round by round"
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def agreed(self) -> np.ndarray:
        return self.agreement >= 0

    @property
    def utilities(self) -> np.ndarray:
        """``(2, draws)``: each side's utility of the agreement, or its reservation."""
        p, rows, idx = self.problem, np.arange(self.problem.draws), np.maximum(self.agreement, 0)
        return np.stack([np.where(self.agreed, p.utility(s)[rows, idx], p.reservation(s))
                         for s in (0, 1)])

    @property
    def gains(self) -> np.ndarray:
        """``(2, draws)``: discounted gains, ``d ** (round - 1)`` times utility over reservation."""
        u, p = self.utilities, self.problem
        wait = np.maximum(self.round - 1, 0)
        return np.stack([p.discount(s) ** wait * (u[s] - p.reservation(s)) for s in (0, 1)])

    def replay(self) -> NegotiationTrace:
        """Run the same negotiation again from its seed (the result is identical)."""
        return negotiate(self.problem, *self.negotiators, deadline=self.deadline,
                         seed=self.seed, first=self.first)

    def to_frame(self, draw: int = 0) -> pd.DataFrame:
        """One draw, a row per offer: who offered, the issue values, both utilities, the reply."""
        p = self.problem
        rows = []
        for r, (who, offer) in enumerate(zip(self.proposer, self.offers[:, draw]), start=1):
            if offer < 0:
                break
            reply = ("accepted" if self.round[draw] == r else
                     "no agreement" if r == len(self.proposer) and not self.agreed[draw]
                     else "refused")
            rows.append({"round": r, "by": f"{p.sides[who]} ({self.negotiators[who].name})",
                         **p.outcome(int(offer)),
                         f"{p.sides[0]} utility": p.utility_a[draw, offer],
                         f"{p.sides[1]} utility": p.utility_b[draw, offer], "reply": reply})
        return pd.DataFrame(rows).set_index("round") if rows else pd.DataFrame()

    def caption(self) -> str:
        p, n = self.problem, self.problem.draws
        names = " vs ".join(f"{s} ({g.name})" for s, g in zip(p.sides, self.negotiators))
        share = self.agreed.mean()
        return (f"{names}: {share:.0%} of {n} draws agreed within {self.deadline} rounds "
                f"(seed {self.seed}); utilities in {p.unit}")
