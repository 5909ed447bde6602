"""Bargaining: problems, axiomatic solutions, Rubinstein, ultimatum offers, frontiers.

>>> p = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0), convex=True)
>>> nash_solution(p).utilities
(0.5, 0.5)
"""

from games.bargaining.frontier import (
    ConcessionCurve,
    ParetoFrontier,
    ZoneOfAgreement,
    concession_curve,
    concession_curves,
    pareto_frontier,
    zone_of_agreement,
)
from games.bargaining.problem import BargainingProblem, Issue
from games.bargaining.solutions import (
    BargainingSolution,
    egalitarian,
    ideal_point,
    kalai_smorodinsky,
    nash_solution,
    utilitarian,
)

__all__ = [
    "BargainingProblem", "Issue", "BargainingSolution", "nash_solution", "kalai_smorodinsky",
    "egalitarian", "utilitarian", "ideal_point", "ParetoFrontier", "ZoneOfAgreement",
    "ConcessionCurve", "pareto_frontier", "zone_of_agreement", "concession_curve",
    "concession_curves",
]
