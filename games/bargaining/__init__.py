"""Bargaining: problems, axiomatic solutions, Rubinstein, ultimatum offers, frontiers, plots,
and stacks of problems (one per parameter draw) solved at once (:mod:`games.bargaining.batch`).

>>> p = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0), convex=True)
>>> nash_solution(p).utilities
(0.5, 0.5)
"""

from games.bargaining.batch import (
    BatchMaximin,
    BatchNash,
    BatchProblem,
    TakeItOrLeaveIt,
    better_for_both,
    nash_benchmark,
    optimal_ask,
    zone_test,
)
from games.bargaining.frontier import (
    ConcessionCurve,
    ParetoFrontier,
    ZoneOfAgreement,
    concession_curve,
    concession_curves,
    pareto_frontier,
    zone_of_agreement,
)
from games.bargaining.plots import plot_concession_curves, plot_frontier
from games.bargaining.problem import MAX_OUTCOMES, BargainingProblem, Issue
from games.bargaining.rubinstein import (
    RubinsteinAgreement,
    RubinsteinSplit,
    discount_factor,
    nash_power,
    rubinstein_solution,
    rubinstein_split,
)
from games.bargaining.solutions import (
    BargainingSolution,
    egalitarian,
    ideal_point,
    kalai_smorodinsky,
    nash_solution,
    utilitarian,
)
from games.bargaining.ultimatum import (UltimatumOffer, best_within_reach, offers_along,
                                       ultimatum_offer, ultimatum_on_frontier)

__all__ = [
    "BargainingProblem", "Issue", "MAX_OUTCOMES", "BargainingSolution", "nash_solution", "kalai_smorodinsky",
    "egalitarian", "utilitarian", "ideal_point", "ParetoFrontier", "ZoneOfAgreement",
    "ConcessionCurve", "pareto_frontier", "zone_of_agreement", "concession_curve",
    "concession_curves", "RubinsteinSplit", "RubinsteinAgreement", "rubinstein_split",
    "rubinstein_solution", "discount_factor", "nash_power", "UltimatumOffer", "ultimatum_offer",
    "ultimatum_on_frontier", "offers_along", "best_within_reach",
    "plot_frontier", "plot_concession_curves",
    "BatchProblem", "BatchNash", "BatchMaximin", "TakeItOrLeaveIt", "nash_benchmark",
    "zone_test", "better_for_both", "optimal_ask",
]
