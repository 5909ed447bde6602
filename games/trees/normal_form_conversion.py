"""The reduced normal form of a game tree.

A pure strategy picks an action at each of a player's information sets. The *reduced*
normal form (Osborne & Rubinstein 1994, Def. 95.1; von Stengel 2022, ch. 10) drops the
choices at information sets that the player's own earlier actions already rule out, so
centipede's first player has ``Take, *`` instead of four strategies that all take at once.
Unreached choices are written ``*`` in strategy names.

>>> from games.trees import GameTree, decision, terminal, reduced_normal_form
>>> entry = GameTree(["Entrant", "Incumbent"], decision("Entrant", {
...     "Out": terminal(0, 2),
...     "In": decision("Incumbent", {"Fight": terminal(-1, -1), "Accommodate": terminal(1, 1)}),
... }))
>>> game = reduced_normal_form(entry)
>>> game.strategies
(('Out', 'In'), ('Fight', 'Accommodate'))
>>> game.payoffs[1].tolist()
[[2.0, 2.0], [-1.0, 1.0]]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from games.errors import GameTooLargeError, TreeError
from games.normal_form import NormalFormGame
from games.trees.flat import FlatTree
from games.trees.tree import GameTree, describe, require_tree

#: Refuse normal forms with more cells than this (strategy counts multiply fast).
MAX_CELLS = 2_000_000
#: Refuse enumerating more pure strategies than this for one player.
MAX_STRATEGIES = 20_000


@dataclass(frozen=True)
class ReducedForm:
    """The reduced normal form as arrays, with each strategy's choices (infoset index -> action index)."""

    payoffs: tuple[np.ndarray, ...]
    names: tuple[tuple[str, ...], ...]
    plans: tuple[tuple[dict[int, int], ...], ...]


def own_sequences(flat: FlatTree, player: int) -> list[tuple[tuple[int, int], ...]]:
    """For every node, the player's own (infoset, action) choices on the path to it."""
    sequences: list[tuple[tuple[int, int], ...]] = [()] * flat.n
    for i in range(1, flat.n):
        p = int(flat.parent[i])
        own = sequences[p]
        if flat.kind[p] == 1 and flat.player[p] == player:
            own = own + ((int(flat.infoset[p]), int(flat.action_index[i])),)
        sequences[i] = own
    return sequences


def _plans(flat: FlatTree, player: int, sequences: list, count_only: bool = False) -> Any:
    """The player's reduced strategies: one action at each information set it can still reach.

    With ``count_only``, just how many there are (an upper bound without perfect recall).
    """
    infosets = [h for h in range(len(flat.infoset_names)) if flat.infoset_player[h] == player]
    first_node = {h: int(np.flatnonzero(flat.infoset == h)[0]) for h in infosets}
    seqs = {h: {sequences[i] for i in np.flatnonzero(flat.infoset == h)} for h in infosets}
    n_actions = {h: len(flat.nodes[first_node[h]].actions) for h in infosets}
    if all(len(s) == 1 for s in seqs.values()):
        # Perfect recall for this player: its infosets form a forest under (infoset, action).
        below: dict[tuple[int, int] | None, list[int]] = {}
        for h in infosets:
            (seq,) = seqs[h]
            below.setdefault(seq[-1] if seq else None, []).append(h)

        def count(roots: list[int]) -> float:
            return float(np.prod([sum(count(below.get((h, a), [])) for a in range(n_actions[h]))
                                  for h in roots], dtype=float))

        def plans_of(roots: list[int]) -> list[dict[int, int]]:
            result: list[dict[int, int]] = [{}]
            for h in roots:
                options = [{h: a, **sub} for a in range(n_actions[h])
                           for sub in plans_of(below.get((h, a), []))]
                result = [{**r, **o} for r in result for o in options]
            return result

        # Count first: enumerating only to find out that there are too many is the slow part.
        total = count(below.get(None, []))
        if count_only:
            return total
        if total > MAX_STRATEGIES:
            raise GameTooLargeError(
                f"{total:.0f} reduced strategies for {flat.nodes[first_node[infosets[0]]].player}, "
                f"more than {MAX_STRATEGIES}; the normal form is too large, solve the tree directly")
        return plans_of(below.get(None, []))
    # Imperfect recall: enumerate all pure strategies and merge those that agree wherever
    # the player's own choices let play reach.
    total = float(np.prod([n_actions[h] for h in infosets], dtype=float))
    if count_only:
        return total
    if total > MAX_STRATEGIES:
        raise GameTooLargeError(f"{total:.0f} pure strategies for a player without perfect "
                                f"recall; the normal form is too large")
    seen: dict[tuple, dict[int, int]] = {}
    for actions in itertools.product(*(range(n_actions[h]) for h in infosets)):
        full = dict(zip(infosets, actions))
        reached = {h: full[h] for h in infosets
                   if any(all(full[g] == a for g, a in s) for s in seqs[h])}
        seen.setdefault(tuple(sorted(reached.items())), reached)
    return list(seen.values())


def _name(flat: FlatTree, infosets: list[int], plan: dict[int, int], labelled: bool) -> str:
    parts = []
    for h in infosets:
        first = int(np.flatnonzero(flat.infoset == h)[0])
        action = flat.nodes[first].actions[plan[h]] if h in plan else "*"
        if labelled:
            name = flat.infoset_names[h][1]
            where = describe(flat.history(first)) if name.startswith("\0") else name
            parts.append(f"{where}: {action}")
        else:
            parts.append(action)
    return ", ".join(parts) if parts else "(no move)"


def reduced_form_arrays(tree: GameTree, max_cells: int = MAX_CELLS, *,
                        labelled: bool = False) -> ReducedForm:
    """Payoff arrays, strategy names and plans of the reduced normal form (expected payoffs).

    ``labelled`` names strategies ``infoset: action, ...`` instead of ``action, ...``.
    """
    flat = tree.flat
    n_players = len(tree.players)
    terminals = np.flatnonzero(flat.kind == 0)
    # Probability that chance alone lets play reach each node.
    nature = np.ones(flat.n)
    for i in range(1, flat.n):
        nature[i] = nature[flat.parent[i]] * flat.edge_probability[i]
    weights = nature[terminals]
    sequences_of = [own_sequences(flat, p) for p in range(n_players)]
    counts = [_plans(flat, p, sequences_of[p], count_only=True) for p in range(n_players)]
    cells = float(np.prod(counts, dtype=float))
    if cells > max_cells:
        raise GameTooLargeError(
            f"the reduced normal form has {cells:.0f} cells ({' x '.join(f'{c:.0f}' for c in counts)}), "
            f"more than {max_cells}; solve the tree directly (backward_induction, solve_by_subgames)")
    reach, names, plans = [], [], []
    for p in range(n_players):
        sequences = sequences_of[p]
        player_plans = _plans(flat, p, sequences)
        infosets = [h for h in range(len(flat.infoset_names)) if flat.infoset_player[h] == p]
        # A plan reaches an end when it takes every one of the player's actions on the way.
        matrix = np.array([[all(plan.get(h) == a for h, a in sequences[z]) for z in terminals]
                           for plan in player_plans], dtype=float).reshape(len(player_plans), -1)
        reach.append(matrix)
        player_names = [_name(flat, infosets, plan, labelled) for plan in player_plans]
        if len(set(player_names)) != len(player_names):
            player_names = [f"{name} #{k + 1}" for k, name in enumerate(player_names)]
        names.append(tuple(player_names))
        plans.append(tuple(player_plans))
    letters = "abcdefghijklmnopqrstuvwxy"[:n_players]
    spec = ",".join(f"{c}z" for c in letters) + ",z->" + letters
    payoffs = tuple(np.einsum(spec, *reach, weights * flat.payoff[terminals, p], optimize=True)
                    for p in range(n_players))
    return ReducedForm(payoffs, tuple(names), tuple(plans))


def reduced_normal_form(tree: GameTree, *, max_cells: int = MAX_CELLS) -> NormalFormGame:
    """The tree's reduced normal form as a NormalFormGame (expected payoffs over chance).

    Strategy names list the action at each of the player's information sets in order of
    appearance (breadth first), ``*`` where the player's own earlier move rules it out.
    Refuses (GameTooLargeError) beyond ``max_cells`` cells. In a four-stage centipede each
    player moves twice, but has three reduced strategies, not four: after taking, the later
    move is never reached.

    >>> from games.trees import centipede
    >>> reduced_normal_form(centipede(4)).strategies[0]
    ('Take, *', 'Pass, Take', 'Pass, Pass')
    """
    if len(require_tree(tree, "reduced_normal_form").players) < 2:
        raise TreeError("a normal form needs at least two players; this tree has "
                        f"{len(tree.players)} ({', '.join(tree.players)})")
    form = reduced_form_arrays(tree, max_cells)
    return NormalFormGame.from_arrays(*form.payoffs, players=tree.players,
                                      strategies=form.names, title=tree.title)
