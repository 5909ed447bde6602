"""Normal-form games: the game class, symbolic payoffs, closed-form 2x2, regime maps, catalogue, plots.

One module per idea: ``game`` (:class:`NormalFormGame`, numeric or symbolic payoffs),
``payoff_tables`` (checked payoff arrays and player and strategy names),
``payoff_expressions`` (payoffs written as expressions of parameters, and binding them),
``symbolic`` (closed-form equilibria of a 2x2 game as functions of its parameters),
``regimes`` (which equilibria hold over a 2-D parameter slice), ``catalogue`` (the classic
games), ``plots`` (payoff tables and best responses) and the package ``equilibria`` (one solver
a module; ``batch`` for stacks of games).

``tol`` has one meaning for every normal-form game: a player's gain from deviating alone
counts as zero when it is at most ``tol`` times that player's own payoff range (the game's
range for a player with constant payoffs). The solvers' regret check, the closed-form 2x2
conditions and regime maps all use it.

``games.equilibria`` is the function most users call; the solver package is
``games.normal_form.equilibria``:

>>> import games.normal_form.equilibria as solvers
>>> from games.normal_form import prisoners_dilemma
>>> [e.support for e in solvers.equilibria(prisoners_dilemma())]
[((1,), (1,))]
"""

from games.exports import lazy_exports

#: Where each public name lives (loaded on first use, so that sympy and matplotlib load only
#: where a feature needs them).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "games.normal_form.game": ("NormalFormGame",),
    "games.normal_form.symbolic": ("Evaluated2x2", "Symbolic2x2", "symbolic_2x2"),
    "games.normal_form.catalogue": (
        "CLASSIC_GAMES", "ClassicGame", "battle_of_the_sexes", "chicken", "coordination",
        "entry_game", "hawk_dove", "matching_pennies", "prisoners_dilemma", "stag_hunt",
    ),
    "games.normal_form.regimes": ("RegimeMap", "plot_regime_map", "regime_map"),
    "games.normal_form.plots": ("plot_best_responses", "plot_payoff_table"),
}

# The solver package is not re-exported by name here: ``games.normal_form.equilibria`` stays the
# module (``games.equilibria``, one level up, is the function).
__all__ = [
    "NormalFormGame", "Evaluated2x2", "Symbolic2x2", "symbolic_2x2",
    "CLASSIC_GAMES", "ClassicGame", "battle_of_the_sexes", "chicken", "coordination", "entry_game",
    "hawk_dove", "matching_pennies", "prisoners_dilemma", "stag_hunt",
    "RegimeMap", "plot_regime_map", "regime_map", "plot_best_responses", "plot_payoff_table",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
