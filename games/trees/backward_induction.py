"""Backward induction: subgame-perfect equilibria of perfect-information trees (chance allowed).

Zermelo's algorithm (Osborne & Rubinstein 1994, Prop. 99.2): solve the deepest decisions
first, replace each solved node by the payoffs its mover's best action leads to, and move up.
Chance nodes take the expected payoffs. The tree is solved a whole depth level at a time with
numpy ``reduceat`` over the breadth-first numbering (see ``flat.FlatTree``).

>>> from games.trees import GameTree, decision, terminal, backward_induction
>>> entry = GameTree(["Entrant", "Incumbent"], decision("Entrant", {
...     "Out": terminal(0, 2),
...     "In": decision("Incumbent", {"Fight": terminal(-1, -1), "Accommodate": terminal(1, 1)}),
... }))
>>> spe = backward_induction(entry)
>>> spe.path, spe.payoffs
(('In', 'Accommodate'), (1.0, 1.0))
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, TYPE_CHECKING

import numpy as np

from games.errors import GameTooLargeError, TreeError, finite_number
from games.results import EquilibriumSequence, TabularResult
from games.trees.flat import FlatTree
from games.trees.tree import GameTree, History, describe, require_tree

if TYPE_CHECKING:
    import pandas as pd

TIE_BREAK = "first listed action among the mover's best"


def player_tolerances(payoff: np.ndarray, tol: float) -> np.ndarray:
    """The meaning of ``tol`` for trees, one number per player: ``tol`` times that player's
    largest absolute payoff. A mover's gain within its own tolerance is a tie. ``payoff`` has
    the players on its second axis: (nodes, players) as :attr:`FlatTree.payoff`, or (nodes,
    players, draws) for a batch (one tolerance per player and draw).

    A change of one player's units (payoffs in millions, or in millionths) then changes no
    choice, and one player's payoffs in millions do not make another's, in units, look like
    ties. (Normal-form games measure ``tol`` against each player's own payoff range: see
    ``games.normal_form.equilibria``.)

    >>> from games.trees import textbook
    >>> player_tolerances(textbook.entry_deterrence().flat.payoff, 1e-9).tolist()  # 1 and 2
    [1e-09, 2e-09]
    """
    return relative_tolerance(tol) * np.abs(payoff).max(axis=0, initial=0.0)


def mover_tolerances(flat: FlatTree, atol: np.ndarray, inner: np.ndarray,
                     counts: np.ndarray) -> np.ndarray:
    """The tolerance of the mover at each of ``inner``'s nodes, repeated over its children (chance
    nodes get player 0's, unused)."""
    return np.repeat(atol[np.maximum(flat.player[inner], 0)], counts, axis=0)


def relative_tolerance(tol: Any) -> float:
    """``tol`` checked: a finite number >= 0 (relative to each player's largest payoff)."""
    tol = finite_number(tol, "tol", TreeError)
    if tol < 0:
        raise TreeError(f"tol must be >= 0 (relative to each player's largest |payoff|), "
                        f"got {tol!r}")
    return tol


def require_perfect_information(tree: GameTree, what: str) -> None:
    """Refuse anything but a GameTree, and a tree with information sets, saying what to use."""
    if not require_tree(tree, what).is_perfect_information:
        shared = [f"{p}'s {name!r}" for (p, name), h in tree.infosets.items() if len(h) > 1]
        raise TreeError(
            f"{what} needs perfect information, but {', '.join(shared[:3])} "
            f"{'is an information set' if len(shared) == 1 else 'are information sets'} "
            f"with several nodes; use solve_by_subgames(tree) or reduced_normal_form(tree)")


def level_blocks(flat: FlatTree):
    """Per depth level, deepest first: its nonterminal nodes and their children's block."""
    for start, end in reversed(flat.levels):
        inner = start + np.flatnonzero(flat.kind[start:end] != 0)
        if not len(inner):
            continue
        counts = flat.child_count[inner]
        first_child = int(flat.child_start[inner[0]])
        offsets = flat.child_start[inner] - first_child
        children = np.arange(first_child, first_child + int(counts.sum()))
        yield inner, counts, offsets, children


def _mover_column(flat: FlatTree, value: np.ndarray, inner: np.ndarray, counts: np.ndarray,
                  children: np.ndarray) -> np.ndarray:
    """Each child's value to the player who moves at its parent (chance parents: column 0)."""
    mover = np.repeat(flat.player[inner], counts)
    return value[children, np.maximum(mover, 0)]


def solve_levels(flat: FlatTree, atol: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and chosen action index of every node, deepest level first.

    Each level's nonterminal nodes have their children as one contiguous block (the next
    level), so the mover's best child and the chance expectation are each a single
    ``reduceat`` over that block. Ties go to the first listed best action.
    """
    value = flat.payoff.copy()
    choice = np.full(flat.n, -1, dtype=np.int64)
    for inner, counts, offsets, children in level_blocks(flat):
        criterion = _mover_column(flat, value, inner, counts, children)
        best = np.maximum.reduceat(criterion, offsets)
        is_best = criterion >= np.repeat(best, counts) - mover_tolerances(flat, atol, inner, counts)
        position = np.where(is_best, np.arange(len(children)), len(children))
        first_best = np.minimum.reduceat(position, offsets)
        is_decision = flat.kind[inner] == 1
        value[inner[is_decision]] = value[children[0] + first_best[is_decision]]
        choice[inner[is_decision]] = first_best[is_decision] - offsets[is_decision]
        weighted = value[children] * flat.edge_probability[children, None]
        value[inner[~is_decision]] = chance_values(flat, weighted, inner, offsets, ~is_decision)
    return value, choice


def chance_values(flat: FlatTree, weighted: np.ndarray, inner: np.ndarray, offsets: np.ndarray,
                  is_chance: np.ndarray) -> np.ndarray:
    """The expected payoffs at the chance nodes ``inner[is_chance]`` of one level block, from
    the children's payoffs times their probabilities, ``weighted``: (children, players), or
    (children, players, draws) for a batch.

    One ``reduceat`` sums every node's weighted children; the sums at decision nodes are not
    used (their children's payoffs added up may overflow near the float limit, harmlessly). A
    chance node's expectation is at most its largest payoff, so it is finite unless payoffs are
    at the very limit of a float: then it is refused, naming the node (and the draw).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        expected = np.add.reduceat(weighted, offsets, axis=0)[is_chance]
    bad = ~np.isfinite(expected)
    if bad.any():
        where = np.argwhere(bad)[0]
        draw = f" at draw {where[2]}" if expected.ndim == 3 else ""
        raise TreeError(f"the expected payoffs of the chance node "
                        f"{describe(flat.history(int(inner[is_chance][where[0]])))} are not "
                        f"finite{draw}: the payoffs below it are too large to add as floats")
    return expected


def profile_values(flat: FlatTree, choice: np.ndarray) -> np.ndarray:
    """Expected payoffs at every node when every mover plays ``choice`` (a pure profile)."""
    value = flat.payoff.copy()
    for inner, counts, offsets, children in level_blocks(flat):
        is_decision = flat.kind[inner] == 1
        decided = inner[is_decision]
        value[decided] = value[flat.child_start[decided] + choice[decided]]
        weighted = value[children] * flat.edge_probability[children, None]
        value[inner[~is_decision]] = chance_values(flat, weighted, inner, offsets, ~is_decision)
    return value


def deviation_gains(flat: FlatTree, choice: np.ndarray,
                    atol: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per decision node: the mover's gain from its best one-shot deviation, a tie flag, and the values.

    By the one-shot deviation principle (Osborne & Rubinstein 1994, Lemma 98.2) a profile of
    a finite tree is subgame perfect exactly when every gain is zero.
    """
    value = profile_values(flat, choice)
    gain = np.zeros(flat.n)
    tie = np.zeros(flat.n, dtype=bool)
    for inner, counts, offsets, children in level_blocks(flat):
        criterion = _mover_column(flat, value, inner, counts, children)
        best = np.maximum.reduceat(criterion, offsets)
        tied = criterion >= np.repeat(best, counts) - mover_tolerances(flat, atol, inner, counts)
        n_best = np.add.reduceat(tied.astype(np.int64), offsets)
        is_decision = flat.kind[inner] == 1
        decided = inner[is_decision]
        gain[decided] = best[is_decision] - value[decided, flat.player[decided]]
        tie[decided] = n_best[is_decision] > 1
    return gain, tie, value


def reach_probabilities(flat: FlatTree, choice: np.ndarray) -> np.ndarray:
    """Probability of reaching each node when the movers play ``choice``."""
    reach = np.zeros(flat.n)
    reach[0] = 1.0
    for start, end in flat.levels[1:]:
        nodes = np.arange(start, end)
        parents = flat.parent[nodes]
        played = np.where(flat.kind[parents] == 2, flat.edge_probability[nodes],
                          (choice[parents] == flat.action_index[nodes]).astype(float))
        reach[nodes] = reach[parents] * played
    return reach


@dataclass(frozen=True, eq=False)
class SubgamePerfectEquilibrium(TabularResult):
    """From :func:`backward_induction`: an action at every node, the ``path`` and ``payoffs``.

    ``strategies`` maps each decision node's history to its action; ``path`` is the play from
    the root (at a chance node it follows the likeliest outcome; ``outcomes`` lists every end
    reached, with its probability); ``ties`` lists the nodes where the mover was indifferent.
    ``flat`` is the solved tree's array view and ``choice`` the chosen action's index at each
    of its nodes (-1 at ends), the seam other tree solvers read. The entrant enters because
    the incumbent would accommodate:

    >>> from games.trees import backward_induction, entry_deterrence
    >>> spe = backward_induction(entry_deterrence())
    >>> spe.strategies, spe.payoffs
    ({(): 'In', ('In',): 'Accommodate'}, (1.0, 1.0))
    """

    players: tuple[str, ...]
    payoffs: tuple[float, ...]
    regret: float
    tolerance: float
    tie_break: str
    method: str
    flat: FlatTree = field(repr=False)
    choice: np.ndarray = field(repr=False)
    _tie: np.ndarray = field(repr=False)
    settings: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def strategies(self) -> dict[History, str]:
        flat = self.flat
        return {flat.history(int(i)): flat.nodes[i].actions[int(self.choice[i])]
                for i in np.flatnonzero(flat.kind == 1)}

    @cached_property
    def ties(self) -> tuple[History, ...]:
        return tuple(self.flat.history(int(i)) for i in np.flatnonzero(self._tie))

    @cached_property
    def _reach(self) -> np.ndarray:
        return reach_probabilities(self.flat, self.choice)

    @cached_property
    def outcomes(self) -> dict[History, float]:
        flat = self.flat
        ends = np.flatnonzero((flat.kind == 0) & (self._reach > 0))
        return {flat.history(int(i)): float(self._reach[i]) for i in ends}

    @cached_property
    def path(self) -> tuple[str, ...]:
        flat, i, actions = self.flat, 0, []
        while flat.kind[i] != 0:
            first, count = int(flat.child_start[i]), int(flat.child_count[i])
            k = (int(self.choice[i]) if flat.kind[i] == 1
                 else int(np.argmax(flat.edge_probability[first:first + count])))
            actions.append(flat.nodes[i].actions[k])
            i = first + k
        return tuple(actions)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        flat, rows = self.flat, []
        for i in np.flatnonzero(flat.kind == 1):
            rows.append({"node": describe(flat.history(int(i))),
                         "player": self.players[flat.player[i]],
                         "action": flat.nodes[i].actions[int(self.choice[i])],
                         "on path": bool(self._reach[i] > 0), "tie": bool(self._tie[i])})
        return pd.DataFrame(rows, columns=["node", "player", "action", "on path", "tie"])

    def caption(self) -> str:
        pay = ", ".join(f"{p} {v:.6g}" for p, v in zip(self.players, self.payoffs))
        return (f"{self.method}: payoffs {pay}; path {' > '.join(self.path) or '(root)'}; "
                f"one-shot regret {self.regret:.3g} (tolerance {self.tolerance:.3g})"
                + (f"; {len(self.ties)} tie(s) broken by {self.tie_break}" if self.ties else ""))


def _result(flat: FlatTree, tree: GameTree, choice: np.ndarray, atol: np.ndarray, method: str,
            tie_break: str) -> SubgamePerfectEquilibrium:
    gain, tie, value = deviation_gains(flat, choice, atol)
    regret = float(gain.max(initial=0.0))
    decided = np.flatnonzero(flat.kind == 1)
    if np.any(gain[decided] > atol[flat.player[decided]]):  # pragma: no cover - a solver bug
        raise AssertionError(f"backward induction produced a profile with regret {regret}")
    return SubgamePerfectEquilibrium(tree.players, tuple(float(v) for v in value[0]), regret,
                                     float(atol.max(initial=0.0)), tie_break, method, flat,
                                     choice, tie)


def backward_induction(tree: GameTree, *, tol: float = 1e-9) -> SubgamePerfectEquilibrium:
    """Solve a perfect-information tree by backward induction; ties go to the first listed action.

    ``tol`` is relative to each player's largest absolute payoff (:func:`player_tolerances`);
    the result's ``tolerance`` is the largest of them. The result is checked: its one-shot
    regret (the subgame-perfection test) is reported and is zero within the tolerance. For
    every subgame-perfect equilibrium when there are ties, use
    :func:`subgame_perfect_equilibria`.

    >>> from games.trees import GameTree, chance, decision, terminal
    >>> bet = GameTree(["Bettor"], decision("Bettor", {
    ...     "Bet": chance({"Win": (0.4, terminal(10)), "Lose": (0.6, terminal(-5))}),
    ...     "Pass": terminal(0)}))
    >>> backward_induction(bet).payoffs
    (1.0,)
    """
    require_perfect_information(tree, "backward_induction")
    flat = tree.flat
    atol = player_tolerances(flat.payoff, tol)
    _, choice = solve_levels(flat, atol)
    return _result(flat, tree, choice, atol, "backward induction", TIE_BREAK)


@dataclass(frozen=True, eq=False)
class SubgamePerfectSet(EquilibriumSequence):
    """From :func:`subgame_perfect_equilibria`: every pure one, one per way of breaking ties.

    List-like, prints as a table. The discrete
    ultimatum game has exactly two: the responder accepts the zero offer, or rejects it and
    the proposer offers one unit.

    >>> from games.trees import subgame_perfect_equilibria, ultimatum
    >>> [spe.payoffs for spe in subgame_perfect_equilibria(ultimatum(4))]
    [(4.0, 0.0), (3.0, 1.0)]
    """

    equilibria: tuple[SubgamePerfectEquilibrium, ...]
    method: str
    tolerance: float
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        rows = []
        for k, e in enumerate(self.equilibria):
            row: dict[str, Any] = {"equilibrium": k, "path": " > ".join(e.path)}
            row.update({f"payoff {p}": v for p, v in zip(e.players, e.payoffs)})
            row["regret"] = e.regret
            rows.append(row)
        return pd.DataFrame(rows).set_index("equilibrium") if rows else pd.DataFrame()

    def caption(self) -> str:
        return f"{len(self)} pure subgame-perfect equilibria by {self.method} (tolerance {self.tolerance:.3g})"


def subgame_perfect_equilibria(tree: GameTree, *, tol: float = 1e-9,
                               limit: int = 1000) -> SubgamePerfectSet:
    """Every pure subgame-perfect equilibrium of a perfect-information tree (ties explored).

    Backward induction keeping, at each node, every profile of its subtree that is optimal
    for each mover; a tie at one node can change what players above prefer, so each
    combination is carried up. Refuses (GameTooLargeError) beyond ``limit`` equilibria.

    >>> from games.trees import GameTree, decision, terminal
    >>> tied = GameTree(["A", "B"], decision("A", {
    ...     "L": decision("B", {"x": terminal(2, 0), "y": terminal(0, 0)}), "R": terminal(1, 1)}))
    >>> sorted(e.path for e in subgame_perfect_equilibria(tied))
    [('L', 'x'), ('R',)]
    """
    require_perfect_information(tree, "subgame_perfect_equilibria")
    flat = tree.flat
    atol = player_tolerances(flat.payoff, tol)
    # options[i]: list of (value vector, {node: action index}) for the subtree at node i.
    options: dict[int, list[tuple[np.ndarray, dict[int, int]]]] = {}
    for start, end in reversed(flat.levels):
        for i in range(start, end):
            if flat.kind[i] == 0:
                options[i] = [(flat.payoff[i], {})]
                continue
            first, count = int(flat.child_start[i]), int(flat.child_count[i])
            child_options = [options.pop(first + k) for k in range(count)]
            size = int(np.prod([len(o) for o in child_options], dtype=float))
            if size > limit:
                raise GameTooLargeError(
                    f"more than {limit} subgame-perfect equilibria {describe(flat.history(i))} "
                    f"(ties multiply them); use backward_induction(tree) for one, or raise limit")
            mine: list[tuple[np.ndarray, dict[int, int]]] = []
            for combo in itertools.product(*child_options):
                merged: dict[int, int] = {}
                for _, chosen in combo:
                    merged.update(chosen)
                if flat.kind[i] == 2:
                    probs = flat.edge_probability[first:first + count]
                    mine.append((sum(p * v for p, (v, _) in zip(probs, combo)), merged))
                    continue
                p = int(flat.player[i])
                best = max(v[p] for v, _ in combo)
                for k, (v, _) in enumerate(combo):
                    if v[p] >= best - atol[p]:
                        mine.append((v, {**merged, i: k}))
            if len(mine) > limit:
                raise GameTooLargeError(
                    f"more than {limit} subgame-perfect equilibria; use backward_induction(tree) "
                    f"for one, or raise limit")
            options[i] = mine
    results = []
    for _, chosen in options[0]:
        choice = np.full(flat.n, -1, dtype=np.int64)
        for node, k in chosen.items():
            choice[node] = k
        results.append(_result(flat, tree, choice, atol, "backward induction over all ties",
                               "every tie explored"))
    return SubgamePerfectSet(tuple(results), "backward induction over all ties",
                             float(atol.max(initial=0.0)))
