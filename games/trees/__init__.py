"""Game trees: build, solve by backward induction, convert to normal form, read and write .efg.

One module per idea: ``tree`` (the data and its builder), ``flat`` (the solvers' array view),
``backward_induction`` (subgame perfection), ``batch`` (the same over a parameter sample),
``normal_form_conversion`` (reduced normal form), ``credibility`` (non-credible threats),
``subgames`` (imperfect information, subgame by subgame), ``bayesian`` (types, Bayesian Nash,
screening), ``games.gambit.efg`` (files), ``plots`` (drawing), ``textbook`` (known games).

``tol`` has one meaning for trees: a mover's gain counts as zero when it is at most ``tol``
times that player's largest absolute payoff
(:func:`~games.trees.backward_induction.player_tolerances`).

>>> from games.trees import GameTree, decision, terminal, backward_induction
>>> from games.trees import non_credible_equilibria, reduced_normal_form
>>> tree = GameTree(["Seller", "Buyer"], decision("Seller", {
...     "Open": terminal(2, 2),
...     "Restrict": decision("Buyer", {"Retaliate": terminal(0, 0), "Accept": terminal(3, 1)})}))
>>> backward_induction(tree).path
('Restrict', 'Accept')
>>> print(non_credible_equilibria(tree)[0].threats[0])
Buyer: Retaliate after Restrict is not a best response there (Retaliate gives 0, Accept gives 1)

Trees with information sets go through their reduced normal form to the normal-form solvers:

>>> from games.normal_form.equilibria import equilibria
>>> len(equilibria(reduced_normal_form(tree)))  # (Restrict, Accept); Open against Retaliate w.p. 1 or 1/3
3
"""

from games.trees.nodes import Chance, Decision, Terminal, chance, decision, describe, terminal
from games.trees.tree import GameTree
from games.trees.backward_induction import (
    SubgamePerfectEquilibrium,
    SubgamePerfectSet,
    backward_induction,
    subgame_perfect_equilibria,
)

__all__ = [
    "Chance", "Decision", "GameTree", "Terminal", "chance", "decision", "describe", "terminal",
    "SubgamePerfectEquilibrium", "SubgamePerfectSet", "backward_induction",
    "subgame_perfect_equilibria",
]
from games.trees.normal_form_conversion import ReducedForm, reduced_form_arrays, reduced_normal_form

__all__ += ["ReducedForm", "reduced_form_arrays", "reduced_normal_form"]
from games.trees.credibility import (
    NonCredibleEquilibrium,
    NonCredibleSet,
    Threat,
    non_credible_equilibria,
    reduced_profile,
)
from games.trees.subgames import SubgameSolution, SubgameStep, proper_subgames, solve_by_subgames

__all__ += ["NonCredibleEquilibrium", "NonCredibleSet", "Threat", "non_credible_equilibria", "reduced_profile",
            "SubgameSolution", "SubgameStep", "proper_subgames", "solve_by_subgames"]
__all__ += ["parse_efg", "read_efg", "write_efg"]
from games.trees.bayesian import (
    BatchScreening,
    proposer_first,
    screening_offer_batch,
    ScreeningOffer,
    bayesian_nash_equilibria,
    bayesian_normal_form,
    screening_offer,
    screening_tree,
)

__all__ += ["BatchScreening", "proposer_first", "screening_offer_batch",
            "ScreeningOffer", "bayesian_nash_equilibria", "bayesian_normal_form",
            "screening_offer", "screening_tree"]
from games.trees.plots import plot_tree

__all__ += ["plot_tree"]
from games.trees.textbook import centipede, entry_deterrence, restrict_or_open, risky_investment, ultimatum

__all__ += ["centipede", "entry_deterrence", "restrict_or_open", "risky_investment", "ultimatum"]
from games.trees.batch import BatchBackwardInduction, backward_induction_batch

__all__ += ["BatchBackwardInduction", "backward_induction_batch"]


def __getattr__(name: str):  # noqa: ANN202 - PEP 562
    """The ``.efg`` functions live in :mod:`games.gambit.efg`, which itself builds trees; they
    load on first use so that either package can be imported first."""
    if name in ("parse_efg", "read_efg", "write_efg"):
        from games.gambit import efg

        return getattr(efg, name)
    raise AttributeError(f"module 'games.trees' has no attribute {name!r}")
