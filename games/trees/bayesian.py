"""Incomplete information: types drawn by chance at the root (Harsanyi 1967-68).

A Bayesian game is a tree whose root is a chance move drawing the players' types; each player
sees only its own type, which the information sets express. Its *Bayesian normal form* is the
reduced normal form of that tree: a strategy says what to do for each type, payoffs are
expected over the type draw, and its Nash equilibria are the Bayesian Nash equilibria.

The screening case: a proposer who does not know the responder's type makes an offer; the
responder, knowing its type, answers. :func:`screening_offer` finds the offer with the best
expected payoff given each type's best answer.

>>> from games.trees import screening_tree, screening_offer
>>> tree = screening_tree("Seller", "Buyer", types={"low": 0.6, "high": 0.4},
...     offers=["price 4", "price 8"], responses=["Accept", "Reject"],
...     payoffs=lambda t, o, r: (int(o[6:]), (5 if t == "low" else 10) - int(o[6:])) if r == "Accept" else (0, 0))
>>> best = screening_offer(tree)
>>> best.offer, round(best.payoffs[0], 6), best.probability("Accept")
('price 4', 4.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from games.errors import TreeError
from games.normal_form import NormalFormGame
from games.results import TabularResult
from games.trees.backward_induction import _tolerance, backward_induction
from games.trees.normal_form_conversion import reduced_form_arrays
from games.trees.tree import Chance, Decision, GameTree, Terminal, chance, decision, terminal

if TYPE_CHECKING:
    import pandas as pd


def _require_types(tree: GameTree, what: str) -> Chance:
    if not isinstance(tree.root, Chance):
        raise TreeError(f"{what} needs a chance move at the root that draws the types; this "
                        f"tree starts with a {type(tree.root).__name__.lower()} node")
    return tree.root


def bayesian_normal_form(tree: GameTree) -> NormalFormGame:
    """The Bayesian normal form: type-contingent strategies, payoffs expected over the types.

    A strategy's name lists its action at each information set as ``infoset: action``.

    >>> from games.trees import GameTree, chance, decision, terminal
    >>> t = GameTree(["Sender", "Receiver"], chance({
    ...     "good": (0.5, decision("Sender", {"a": terminal(1, 1), "b": terminal(0, 0)}, infoset="good")),
    ...     "bad": (0.5, decision("Sender", {"a": terminal(0, 0), "b": terminal(1, 1)}, infoset="bad"))}))
    >>> bayesian_normal_form(t).strategies[0]
    ('good: a, bad: a', 'good: a, bad: b', 'good: b, bad: a', 'good: b, bad: b')
    """
    _require_types(tree, "bayesian_normal_form")
    form = reduced_form_arrays(tree, labelled=True)
    return NormalFormGame.from_arrays(*form.payoffs, players=tree.players, strategies=form.names,
                                      title=tree.title)


def bayesian_nash_equilibria(tree: GameTree, *, mixed: bool = False, tol: float = 1e-9) -> Any:
    """Bayesian Nash equilibria: the pure ones, or (``mixed=True``, two players) all extreme ones.

    Returns an EquilibriumSet over :func:`bayesian_normal_form`; every equilibrium's regret
    is checked against ``tol`` times the payoff range.
    """
    from games.equilibria import equilibria, pure_equilibria  # the normal-form solvers

    game = bayesian_normal_form(tree)
    return equilibria(game, tol=tol) if mixed else pure_equilibria(game, tol=tol)


def screening_tree(proposer: str, responder: str, *, types: Mapping[str, Any],
                   offers: Sequence[str], responses: Sequence[str],
                   payoffs: Callable[[str, str, str], Any], title: str = "",
                   parameters: Any = None) -> GameTree:
    """A screening game: chance draws the responder's type, the proposer offers blind, the responder answers.

    ``types`` maps type -> probability (number or expression); ``payoffs(type, offer,
    response)`` gives (proposer, responder) payoffs, numbers or expressions.
    """
    by_type = {}
    for t, p in types.items():
        offers_node = {}
        for o in offers:
            answers = {r: terminal(payoffs(t, o, r)) for r in responses}
            offers_node[o] = decision(responder, answers)
        by_type[t] = (p, decision(proposer, offers_node, infoset="offer"))
    return GameTree([proposer, responder], chance(by_type), title=title, parameters=parameters)


@dataclass(frozen=True, eq=False)
class ScreeningOffer(TabularResult):
    """The proposer's best offer against unknown types, with every offer's expected payoffs."""

    players: tuple[str, ...]
    offer: str
    payoffs: tuple[float, ...]
    responses: dict[str, tuple[str, ...]]
    type_probabilities: dict[str, float]
    table: tuple[dict[str, Any], ...]
    ties: tuple[str, ...]
    tolerance: float

    def probability(self, action: str) -> float:
        """Probability (over types) that ``action`` is played after the chosen offer."""
        return float(sum(p for t, p in self.type_probabilities.items() if action in self.responses[t]))

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        return pd.DataFrame(list(self.table)).set_index("offer")

    def _caption(self) -> str:
        tie = f"; tied with {', '.join(self.ties)} (first listed kept)" if self.ties else ""
        return (f"screening: best offer {self.offer!r} by expected payoff to {self.players[0]}, each "
                f"type answering by backward induction (tolerance {self.tolerance:.3g}){tie}")


def screening_offer(tree: GameTree, *, tol: float = 1e-9) -> ScreeningOffer:
    """The offer that maximises the uninformed proposer's expected payoff over the responder's types.

    The tree's root draws types; below each type the proposer moves in one information set
    (it cannot see the type); the rest has perfect information and is solved by backward
    induction for each type and offer.
    """
    tree = tree.numeric("screening_offer")
    root = _require_types(tree, "screening_offer")
    movers = {(c.player, c.infoset) if isinstance(c, Decision) else None for c in root.children}
    if len(movers) != 1 or None in movers or next(iter(movers))[1] is None:
        raise TreeError("screening_offer needs the same player to move right after the type draw, "
                        "in one information set across all types (the proposer cannot see the type)")
    proposer = tree.players.index(next(iter(movers))[0])
    offers = root.children[0].actions
    probs = dict(zip(root.actions, (float(p) for p in root.probabilities)))
    rows, values, paths = [], [], {}
    for k, o in enumerate(offers):
        expected = np.zeros(len(tree.players))
        row: dict[str, Any] = {"offer": o}
        for t, node in zip(root.actions, root.children):
            sub = GameTree(tree.players, node.children[k])
            if isinstance(sub.root, Terminal):
                value, path = np.asarray(sub.root.payoffs), ()
            else:
                spe = backward_induction(sub, tol=tol)
                value, path = np.asarray(spe.payoffs), spe.path
            expected += probs[t] * value
            paths[(o, t)] = path
            row[f"{t} plays"] = " > ".join(path)
        row.update({f"expected {p}": float(v) for p, v in zip(tree.players, expected)})
        rows.append(row)
        values.append(expected)
    criterion = np.array([v[proposer] for v in values])
    atol = _tolerance(tree._flat, tol)
    best = int(np.argmax(criterion))
    ties = tuple(offers[k] for k in np.flatnonzero(criterion >= criterion[best] - atol) if k != best)
    return ScreeningOffer(tree.players, offers[best], tuple(float(v) for v in values[best]),
                          {t: paths[(offers[best], t)] for t in root.actions}, probs, tuple(rows),
                          ties, atol)
