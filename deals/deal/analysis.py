"""A deal seen through the engine: its bargaining problem, frontier and solutions.

Thin layers over ``games``: a deal's issues become the engine's outcome space, its utilities
(evaluated with all parameters bound) the players' utility functions, its outside options the
disagreement point. Bargaining power comes from the two sides' costs of delay through
Rubinstein (``games.nash_power``) when the deal states them, else 0.5. The stance game and the
offer tree live in :mod:`deals.deal.stances`.

>>> import deals
>>> deal = deals.load("chips-for-farm-purchases")
>>> sols = solutions(deal)
>>> sols["Nash"].agreement
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from deals.deal.cache import deal_view
from deals.errors import DealError
from games.bargaining import (
    MAX_OUTCOMES,
    BargainingProblem,
    BargainingSolution,
    ConcessionCurve,
    ParetoFrontier,
    ZoneOfAgreement,
    concession_curve as _concession_curve,
    kalai_smorodinsky,
    nash_power,
    nash_solution,
    pareto_frontier,
    rubinstein_solution,
    zone_of_agreement as _zone_of_agreement,
)
from games.bargaining import Issue as EngineIssue

if TYPE_CHECKING:  # a deal is passed in; the model calls this module, not the reverse
    from deals.deal.model import Deal
from games.results import TabularResult

#: About how many grid outcomes a deal's bargaining problem evaluates (solutions on
#: continuous issues are then refined by the engine's optimiser).
GRID_BUDGET = 60_000


def default_resolution(deal: Deal) -> int:
    """Levels per continuous issue so that the whole grid stays near :data:`GRID_BUDGET`.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`.

    Examples
    --------
    Between 5 and 201 levels; five continuous issues get 9 levels each, 9**5 = 59,049 points:

    >>> import deals
    >>> from deals.deal.analysis import GRID_BUDGET
    >>> deal = deals.load("gulf-divestment-uae")
    >>> continuous = sum(not issue.discrete for issue in deal.issues)
    >>> levels = default_resolution(deal)
    >>> continuous, levels, levels ** continuous <= GRID_BUDGET < (levels + 1) ** continuous
    (5, 9, True)
    """
    discrete = int(np.prod([len(i.levels) for i in deal.issues if i.discrete] or [1]))
    continuous = sum(1 for i in deal.issues if not i.discrete and i.range[0] < i.range[1])
    if continuous == 0:
        return 2
    per_issue = (GRID_BUDGET / discrete) ** (1.0 / continuous)
    if discrete * 5.0 ** continuous > MAX_OUTCOMES:  # eleven issues or more: the engine's
        return max(2, int(per_issue))                # cap, not the floor of 5, decides
    return int(min(201, max(5, per_issue)))


def bargaining_problem(deal: Deal, *, resolution: int | None = None) -> BargainingProblem:
    """The deal's bargaining problem at its bound parameter values (players: supplier, partner).

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`, at its bound parameter
        values.
    resolution : int or None, default None
        Levels per continuous issue of the outcome grid (None:
        :func:`default_resolution`, about 60,000 outcomes in all).

    Examples
    --------
    >>> import deals
    >>> p = bargaining_problem(deals.load("chips-for-farm-purchases"))
    >>> p.players
    ('US', 'Tier-2 buyer')
    """
    return _build_problem(deal, resolution)


@deal_view
def _build_problem(deal: Deal, resolution: int | None) -> BargainingProblem:
    deal.require_point("the bargaining problem")
    issues = []
    for issue in deal.issues:
        lo, hi = issue.range
        if issue.discrete:
            issues.append(EngineIssue(issue.name, values=issue.levels, unit=issue.unit))
        elif lo == hi:
            issues.append(EngineIssue(issue.name, values=(lo,), unit=issue.unit))
        else:
            issues.append(EngineIssue(issue.name, bounds=(lo, hi), unit=issue.unit))
    supplier, partner = deal.utility_functions()
    return BargainingProblem.from_issues(
        issues, [supplier, partner], deal.disagreement(),
        players=(deal.supplier, deal.partner),
        resolution=resolution or default_resolution(deal),
        # a partner whose outside option beats every outcome is an answer ("no deal"), not an error
        check_bounds=False)


def bargaining_power(deal: Deal) -> float:
    """The supplier's bargaining power: from the costs of delay via Rubinstein, else 0.5.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`.

    Examples
    --------
    >>> import deals
    >>> round(bargaining_power(deals.load("gulf-divestment-uae")), 3)
    0.752
    """
    factors = deal.discount_factors()
    if factors is None:
        return 0.5
    return nash_power(*factors)


def frontier(deal: Deal, *, resolution: int | None = None) -> ParetoFrontier:
    """The Pareto frontier of the deal: utility pairs and the issue values behind each."""
    return pareto_frontier(bargaining_problem(deal, resolution=resolution))


def zone_of_agreement(deal: Deal, *, resolution: int | None = None) -> ZoneOfAgreement:
    """The frontier outcomes both sides prefer to their outside options (may be empty)."""
    return _zone_of_agreement(bargaining_problem(deal, resolution=resolution))


def concession_curve(deal: Deal, give: str, get: str, *,
                     resolution: int | None = None) -> ConcessionCurve:
    """For each level of issue ``give``, the most of issue ``get`` its giver still accepts.

    >>> import deals
    >>> curve = concession_curve(deals.load("chips-for-farm-purchases"), "chips", "soy")
    >>> curve.player
    'Tier-2 buyer'
    """
    deal.issue(give)
    taker = deal.issue(get)
    if give == get:
        raise DealError(f"concession_curve: give and get are both {give!r}; name two issues")
    player = 1 if taker.giver == "supplier" else 2
    return _concession_curve(bargaining_problem(deal, resolution=resolution), give, get, player)


@dataclass(frozen=True, eq=False)
class DealSolutions(TabularResult):
    """From :func:`solutions`: a deal's bargaining benchmarks; index by name: ``found["Nash"]``.

    One row per solution, the outcome in issue units. The supplier's ``power`` comes from
    the two sides' discount factors by Rubinstein's limit, log d2 / (log d1 + log d2), and
    more power never lowers its utility:

    >>> import math, deals
    >>> from deals.deal.analysis import solutions
    >>> found = solutions(deals.load("chips-for-farm-purchases"))
    >>> d1, d2 = found.discount_factors
    >>> math.isclose(found.power, math.log(d2) / (math.log(d1) + math.log(d2)))
    True
    >>> found.power > 0.5, found["asymmetric Nash"].utilities[0] >= found["Nash"].utilities[0]
    (True, True)
    """

    deal: str
    players: tuple[str, str]
    solutions: tuple[BargainingSolution, ...]
    power: float
    discount_factors: tuple[float, float] | None
    resolution: int
    values: Mapping[str, float] = field(default_factory=dict)
    method: str = "the engine's bargaining solutions of the deal's problem at its point values"
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> BargainingSolution:
        for s in self.solutions:
            if s.solution == name or s.solution.startswith(name + " "):
                return s
        raise KeyError(f"no solution {name!r}; have {[s.solution for s in self.solutions]}")

    @property
    def benchmark(self) -> BargainingSolution:
        """Asymmetric Nash with the supplier's power from delay costs (plain Nash at 0.5)."""
        for s in self.solutions:
            if s.solution.startswith("asymmetric Nash"):
                return s
        return self["Nash"]

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for s in self.solutions:
            row: dict[str, Any] = {"solution": s.solution, "agreement": s.agreement}
            for who, u, g in zip(self.players, s.utilities, s.gains):
                row[f"{who} utility"] = u
                row[f"{who} gain"] = g
            row.update(dict(s.outcome or {}))
            rows.append(row)
        return pd.DataFrame(rows).set_index("solution")

    def caption(self) -> str:
        text = (f"{self.deal}: bargaining solutions ($bn per year); {self.players[0]}'s power "
                f"{self.power:.3g}")
        if self.discount_factors is not None:
            text += (" from Rubinstein with discount factors per round "
                     f"{self.discount_factors[0]:.4g} ({self.players[0]}) and "
                     f"{self.discount_factors[1]:.4g} ({self.players[1]})")
        else:
            text += " (no costs of delay stated: symmetric)"
        return text + (f"; grid of {self.resolution} levels per continuous issue, solutions "
                       "refined continuously by the engine")


def solutions(deal: Deal, *, resolution: int | None = None) -> DealSolutions:
    """Nash, asymmetric Nash (power from delay costs), Kalai-Smorodinsky and Rubinstein.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`, at its bound parameter
        values.
    resolution : int or None, default None
        Levels per continuous issue of the outcome grid (None:
        :func:`default_resolution`, about 60,000 outcomes in all).

    Examples
    --------
    Rubinstein's alternating offers start with the supplier and use the deal's discount
    factors per round of offers; it is left out when the deal states no costs of delay.
    Every solution gives each side at least its outside option:

    >>> import deals
    >>> found = solutions(deals.load("chips-for-farm-purchases"))
    >>> [s.solution.split(" (")[0] for s in found.solutions]
    ['Nash', 'asymmetric Nash', 'Kalai-Smorodinsky', 'Rubinstein']
    >>> all(min(s.gains) >= 0 for s in found.solutions)
    True
    """
    problem = bargaining_problem(deal, resolution=resolution)
    power = bargaining_power(deal)
    found = [nash_solution(problem)]
    factors = deal.discount_factors()
    if factors is not None and abs(power - 0.5) > 1e-12:  # else the same as symmetric Nash
        found.append(nash_solution(problem, power=power))
    found.append(kalai_smorodinsky(problem))
    if factors is not None:
        found.append(rubinstein_solution(problem, *factors, first=1))
    return DealSolutions(deal.name, problem.players, tuple(found), power, factors,
                         problem.resolution or 0, deal.values())

