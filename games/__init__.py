"""games: domain-free game theory with parameterized payoffs.

Normal-form games with verified equilibria, game trees with subgame perfection, bargaining
solutions and negotiation frontiers, parameter sweeps. Knows nothing of chips or countries:
``games`` never imports ``deals``.
"""

from games.errors import (
    BargainingError,
    ExpressionError,
    FileFormatError,
    GameError,
    GameTooLargeError,
    InvalidGameError,
    ParameterError,
    TreeError,
)

# --- parameters and expressions ---
from games.expressions import Expression, parse_expression
from games.parameters import Parameter, ParameterSet

# --- normal-form games and equilibria ---
from games.normal_form.equilibria import (
    BatchEquilibria,
    Equilibrium,
    EquilibriumSet,
    equilibria,
    equilibria_batch,
    pure_equilibria,
    regret,
)
# --- the game class, symbolic 2x2, regime maps, catalogue, plots: the names listed once, in
# games.normal_form.__all__ ---
from games.normal_form import *  # noqa: E402,F401,F403
from games.normal_form import NormalFormGame  # noqa: F401 (named for readers and linters)

# --- bargaining and frontiers ---
from games.bargaining import (
    BargainingProblem,
    BargainingSolution,
    ConcessionCurve,
    Issue,
    ParetoFrontier,
    RubinsteinAgreement,
    RubinsteinSplit,
    UltimatumOffer,
    ZoneOfAgreement,
    concession_curve,
    concession_curves,
    discount_factor,
    egalitarian,
    ideal_point,
    kalai_smorodinsky,
    nash_power,
    nash_solution,
    pareto_frontier,
    plot_concession_curves,
    plot_frontier,
    rubinstein_solution,
    rubinstein_split,
    ultimatum_offer,
    ultimatum_on_frontier,
    utilitarian,
    zone_of_agreement,
)

# --- game trees ---
from games.trees import (
    BatchBackwardInduction,
    GameTree,
    NonCredibleSet,
    ScreeningOffer,
    SubgamePerfectEquilibrium,
    SubgamePerfectSet,
    SubgameSolution,
    backward_induction,
    backward_induction_batch,
    bayesian_nash_equilibria,
    bayesian_normal_form,
    chance,
    decision,
    non_credible_equilibria,
    parse_efg,
    plot_tree,
    proper_subgames,
    read_efg,
    reduced_normal_form,
    reduced_profile,
    screening_offer,
    screening_tree,
    solve_by_subgames,
    subgame_perfect_equilibria,
    terminal,
    write_efg,
)

# --- Gambit .nfg and .efg files (after trees: the .efg reader builds GameTrees) ---
from games.gambit import read_nfg, write_nfg

# --- sweeps ---
from games.sweeps import SweepResult, sweep

# --- teaching ---
from games.teaching import Exercise, Feedback, exercise, exercises
