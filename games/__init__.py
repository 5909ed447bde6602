"""games: domain-free game theory with parameterized payoffs.

Normal-form games with verified equilibria, game trees with subgame perfection, bargaining
solutions and negotiation frontiers, parameter sweeps. Knows nothing of chips or countries:
``games`` never imports ``deals``.

Importing ``games`` is cheap: every name below loads its module on first use (PEP 562
``__getattr__``), so scipy.optimize, sympy, pandas and matplotlib load only where a
feature needs them.
"""

from __future__ import annotations

from games.exports import lazy_exports
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

#: Where each public name lives: module -> names (loaded on first access).
_EXPORTS: dict[str, tuple[str, ...]] = {
    # --- parameters and expressions ---
    "games.expressions": (
        "Expression", "parse_expression",
    ),
    "games.parameters": (
        "Parameter", "ParameterSet",
    ),
    # --- normal-form games and equilibria ---
    "games.normal_form.equilibria": (  # equilibria: the function users call
        "BatchEquilibria", "Equilibrium", "EquilibriumSet", "equilibria", "equilibria_batch",
        "pure_equilibria", "regret",
    ),
    "games.normal_form.game": (
        "NormalFormGame",
    ),
    # --- symbolic 2x2, regime maps, catalogue, Gambit .nfg ---
    "games.normal_form.catalogue": (
        "CLASSIC_GAMES", "ClassicGame", "battle_of_the_sexes", "chicken", "coordination",
        "entry_game", "hawk_dove", "matching_pennies", "prisoners_dilemma", "stag_hunt",
    ),
    "games.gambit": (
        "parse_nfg", "read_nfg", "write_nfg",
    ),
    "games.normal_form.plots": (
        "plot_best_responses", "plot_payoff_table",
    ),
    "games.normal_form.regimes": (
        "RegimeMap", "plot_regime_map", "regime_map",
    ),
    "games.normal_form.symbolic": (
        "Evaluated2x2", "Symbolic2x2", "symbolic_2x2",
    ),
    # --- bargaining and frontiers ---
    "games.bargaining": (
        "BargainingProblem", "BargainingSolution", "ConcessionCurve", "Issue",
        "ParetoFrontier", "RubinsteinAgreement", "RubinsteinSplit", "UltimatumOffer",
        "ZoneOfAgreement", "concession_curve", "concession_curves", "discount_factor",
        "egalitarian", "ideal_point", "kalai_smorodinsky", "nash_power", "nash_solution",
        "pareto_frontier", "plot_concession_curves", "plot_frontier", "rubinstein_solution",
        "rubinstein_split", "ultimatum_offer", "ultimatum_on_frontier", "utilitarian",
        "zone_of_agreement",
    ),
    # --- game trees ---
    "games.trees": (
        "BatchBackwardInduction", "BatchScreening", "GameTree", "NonCredibleSet", "ScreeningOffer",
        "SubgamePerfectEquilibrium", "SubgamePerfectSet", "SubgameSolution",
        "backward_induction", "backward_induction_batch", "bayesian_nash_equilibria",
        "bayesian_normal_form", "chance", "decision", "non_credible_equilibria", "parse_efg",
        "plot_tree", "proper_subgames", "read_efg", "reduced_normal_form", "reduced_profile",
        "screening_offer", "screening_offer_batch", "screening_tree", "solve_by_subgames",
        "subgame_perfect_equilibria", "terminal", "write_efg",
        # textbook trees with known answers (the trees' counterpart of the catalogue)
        "centipede", "entry_deterrence", "restrict_or_open", "risky_investment", "ultimatum",
    ),
    # --- sweeps ---
    "games.sweeps": (
        "SweepResult", "sweep",
    ),
    "games.parallel": (
        "process_map",
    ),
    # --- teaching ---
    "games.teaching": (
        "Exercise", "Feedback", "exercise", "exercises",
    ),
}

__all__ = sorted([*(name for names in _EXPORTS.values() for name in names),
                  "BargainingError", "ExpressionError", "FileFormatError", "GameError",
                  "GameTooLargeError", "InvalidGameError", "ParameterError", "TreeError"])

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
