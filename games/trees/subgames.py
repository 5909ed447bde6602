"""Imperfect information: proper subgames, and solving a tree one subgame at a time.

A proper subgame starts at a node whose subtree cuts no information set in two (Selten
1965). Solving the deepest subgames first, each through its reduced normal form (or by
backward induction when it has perfect information), and replacing each by its equilibrium
payoffs yields a subgame-perfect equilibrium of the whole tree.

>>> from games.trees import GameTree, decision, terminal, proper_subgames, solve_by_subgames
>>> dilemma = decision("Row", {
...     "C": decision("Col", {"c": terminal(2, 2), "d": terminal(0, 3)}, infoset="guess"),
...     "D": decision("Col", {"c": terminal(3, 0), "d": terminal(1, 1)}, infoset="guess")})
>>> game = GameTree(["Row", "Col"], decision("Row", {"Play": dilemma, "Quit": terminal(1.5, 0)}))
>>> proper_subgames(game)
((), ('Play',))
>>> solve_by_subgames(game).payoffs
(1.5, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, TYPE_CHECKING

import numpy as np

from games.errors import GameTooLargeError, TreeError
from games.results import TabularResult
from games.trees.backward_induction import backward_induction, player_tolerances
from games.trees.credibility import pure_profiles, profile_regret
from games.trees.normal_form_conversion import reduced_form_arrays
from games.trees.tree import (Chance, Decision, GameTree, History, Node, Terminal, describe,
                              require_tree)

if TYPE_CHECKING:
    import pandas as pd


def proper_subgames(tree: GameTree) -> tuple[History, ...]:
    """Histories of the nodes that start a proper subgame (the root always does), in preorder.

    With perfect information every decision node starts one; for a node inside an
    information set of several nodes, see the module example.

    >>> from games.trees import entry_deterrence
    >>> proper_subgames(entry_deterrence())
    ((), ('In',))
    """
    shared = [hs for hs in tree.infosets.values() if len(hs) > 1]
    roots = []
    for history, node in tree.walk():
        if isinstance(node, Terminal):
            continue
        n = len(history)
        if all(len({h[:n] == history for h in hs}) == 1 for hs in shared):
            roots.append(history)
    return tuple(roots)


def _replace(node: Node, history: History, new: Node) -> Node:
    if not history:
        return new
    k = node.actions.index(history[0])
    children = list(node.children)
    children[k] = _replace(children[k], history[1:], new)
    if isinstance(node, Decision):
        return Decision(node.player, node.actions, tuple(children), node.infoset, node.label)
    return Chance(node.actions, node.probabilities, tuple(children), node.label)


def _mixed_text(names: tuple[str, ...], weights: np.ndarray) -> str:
    used = [(w, s) for w, s in zip(weights, names) if w > 1e-12]
    if len(used) == 1:
        return used[0][1]
    return " + ".join(f"{w:.4g} {s}" for w, s in used)


@dataclass(frozen=True)
class SubgameStep:
    """One solved subgame: where it starts, how it was solved, the play chosen and its payoffs."""

    root: History
    method: str
    play: dict[str, str]
    payoffs: tuple[float, ...]
    regret: float
    alternatives: int


@dataclass(frozen=True, eq=False)
class SubgameSolution(TabularResult):
    """From :func:`solve_by_subgames`: a subgame-perfect equilibrium, solved subgame by subgame.

    ``payoffs`` are the whole tree's; ``steps`` are the solved proper subgames, one each,
    deepest last in the table. A player who can quit for 1.5 before
    a prisoner's dilemma (whose one equilibrium pays 1 each) quits:

    >>> from games.trees import GameTree, decision, terminal
    >>> dilemma = decision("Row", {
    ...     "C": decision("Col", {"c": terminal(2, 2), "d": terminal(0, 3)}, infoset="guess"),
    ...     "D": decision("Col", {"c": terminal(3, 0), "d": terminal(1, 1)}, infoset="guess")})
    >>> game = GameTree(["Row", "Col"], decision("Row", {"Play": dilemma, "Quit": terminal(1.5, 0)}))
    >>> solution = solve_by_subgames(game)
    >>> solution.payoffs, len(solution.steps)
    ((1.5, 0.0), 2)
    """

    players: tuple[str, ...]
    steps: tuple[SubgameStep, ...]
    payoffs: tuple[float, ...]
    tolerance: float
    method: str = ("subgame by subgame: backward induction at perfect information, the "
                  "normal-form solvers inside imperfect-information subgames")
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        rows = []
        for s in self.steps:
            row: dict[str, Any] = {"subgame": describe(s.root), "method": s.method}
            row.update({f"{p} plays": s.play.get(p, "") for p in self.players})
            row.update({f"payoff {p}": v for p, v in zip(self.players, s.payoffs)})
            row["equilibria found"] = s.alternatives
            rows.append(row)
        return pd.DataFrame(rows)

    def caption(self) -> str:
        several = [describe(s.root) for s in self.steps if s.alternatives > 1]
        note = (f"; subgames with several equilibria ({', '.join(several)}): the first found was "
                f"kept, others give other subgame-perfect equilibria") if several else ""
        return (f"subgame decomposition, deepest first (tolerance {self.tolerance:.3g}); "
                f"payoffs {', '.join(f'{p} {v:.6g}' for p, v in zip(self.players, self.payoffs))}"
                + note)


def _solve_one(tree: GameTree, root: History, tol: float) -> SubgameStep:
    if tree.is_perfect_information:
        spe = backward_induction(tree, tol=tol)
        play: dict[str, list[str]] = {}
        for h, a in spe.strategies.items():
            play.setdefault(tree.node(h).player, []).append(
                f"{a} {describe(root + h)}" if h or root else a)
        return SubgameStep(root, "backward induction", {p: "; ".join(v) for p, v in play.items()},
                           spe.payoffs, spe.regret, 1)
    form = reduced_form_arrays(tree)
    # Each player's tolerance on its own scale, as in backward induction.
    cells = pure_profiles(form.payoffs, player_tolerances(
        np.column_stack([np.ravel(t) for t in form.payoffs]), tol))
    if cells:
        cell = cells[0]
        return SubgameStep(root, "pure Nash of the reduced normal form",
                           {p: form.names[k][c] for k, (p, c) in enumerate(zip(tree.players, cell))},
                           tuple(float(t[cell]) for t in form.payoffs),
                           profile_regret(form.payoffs, cell), len(cells))
    return _solve_mixed(tree, root, form, tol)


def _solve_mixed(tree: GameTree, root: History, form: Any, tol: float) -> SubgameStep:
    from games.normal_form.equilibria import equilibria  # imported when used: no cycle
    from games.normal_form import NormalFormGame

    if len(tree.players) != 2:
        raise TreeError(f"the subgame {describe(root)} has no pure equilibrium; mixed equilibria "
                        f"are computed for two players only ({len(tree.players)} here)")
    game = NormalFormGame.from_arrays(*form.payoffs, players=tree.players, strategies=form.names)
    try:
        found = equilibria(game)
    except GameTooLargeError:
        # Too many supports to enumerate: one equilibrium by complementary pivoting will do,
        # since decomposition keeps only one per subgame anyway.
        found = equilibria(game, method="lemke-howson")
    if not len(found):
        raise TreeError(f"no equilibrium found for the subgame {describe(root)}")
    first = found[0]
    return SubgameStep(root, f"mixed Nash of the reduced normal form ({found.method})",
                       {p: _mixed_text(n, s) for p, n, s in zip(tree.players, form.names, first.strategies)},
                       tuple(float(v) for v in first.payoffs), float(first.regret), len(found))


def solve_by_subgames(tree: GameTree, *, tol: float = 1e-9) -> SubgameSolution:
    """A subgame-perfect equilibrium: solve proper subgames deepest first, each replaced by its payoffs.

    Each subgame goes to backward induction when it has perfect information, otherwise to
    its reduced normal form: the first pure Nash equilibrium if any, else (two players) the
    first mixed one from :func:`games.normal_form.equilibria.equilibria`. A subgame with several
    equilibria is reported (``alternatives``); keeping another one gives another
    subgame-perfect equilibrium. With perfect information it agrees with backward induction:

    >>> from games.trees import backward_induction, entry_deterrence
    >>> solve_by_subgames(entry_deterrence()).payoffs == backward_induction(entry_deterrence()).payoffs
    True
    """
    tree = require_tree(tree, "solve_by_subgames").numeric("solve_by_subgames")
    if isinstance(tree.root, Terminal):  # nothing to decide: no subgame, no step
        return SubgameSolution(tree.players, (), tuple(tree.root.payoffs), tol)
    roots = sorted(proper_subgames(tree), key=len, reverse=True)
    current = tree.root
    steps = []
    for root in roots:
        sub = GameTree(tree.players, _node_at(current, root), title=tree.title)
        step = _solve_one(sub, root, tol)
        steps.append(step)
        current = _replace(current, root, Terminal(step.payoffs, f"value of {describe(root)}"))
    return SubgameSolution(tree.players, tuple(reversed(steps)), steps[-1].payoffs, tol)


def _node_at(node: Node, history: History) -> Node:
    for action in history:
        node = node.children[node.actions.index(action)]
    return node
