"""Nash equilibria that rest on non-credible threats, and solving trees subgame by subgame.

A Nash equilibrium of a tree's normal form may tell a player to do, at a node that play never
reaches, something that would hurt that player if the node were reached ("I will fight if
you enter"). Subgame perfection (Selten 1965) rules those out. Here the pure Nash equilibria
of the reduced normal form are split into the reductions of subgame-perfect equilibria and
the rest, and each of the rest has its threat named.

>>> from games.trees import GameTree, decision, terminal, non_credible_equilibria
>>> entry = GameTree(["Entrant", "Incumbent"], decision("Entrant", {
...     "Out": terminal(0, 2),
...     "In": decision("Incumbent", {"Fight": terminal(-1, -1), "Accommodate": terminal(1, 1)}),
... }))
>>> [e.threats for e in non_credible_equilibria(entry)]
[('Incumbent: Fight after In is not a best response there (Fight gives -1, Accommodate gives 1)',)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Mapping, TYPE_CHECKING

import numpy as np

from games.results import EquilibriumSequence
from games.trees.backward_induction import (
    player_tolerances,
    require_perfect_information,
    subgame_perfect_equilibria,
)
from games.trees.normal_form_conversion import ReducedForm, own_sequences, reduced_form_arrays
from games.trees.flat import FlatTree
from games.trees.tree import GameTree, History, describe

if TYPE_CHECKING:
    import pandas as pd


def pure_profiles(payoffs: Sequence[np.ndarray], atol: float | Sequence[float]
                  ) -> list[tuple[int, ...]]:
    """Cells where every player's payoff is a best response along its own axis (pure Nash),
    within ``atol``: one number for every player, or one per player."""
    stable = np.ones(payoffs[0].shape, dtype=bool)
    slack = np.broadcast_to(np.asarray(atol, dtype=float), (len(payoffs),))
    for p, table in enumerate(payoffs):
        stable &= table >= table.max(axis=p, keepdims=True) - slack[p]
    return [tuple(int(x) for x in cell) for cell in np.argwhere(stable)]


def profile_regret(payoffs: Sequence[np.ndarray], cell: tuple[int, ...]) -> float:
    """Best gain of a unilateral pure deviation from ``cell``."""
    gains = []
    for p, table in enumerate(payoffs):
        line = table[cell[:p] + (slice(None),) + cell[p + 1:]]
        gains.append(float(line.max() - table[cell]))
    return max(gains)


def _reduce(flat: FlatTree, sequences: list, choice: np.ndarray, player: int) -> tuple:
    """A full pure strategy (action at every node) reduced to the nodes its owner can reach."""
    plan = {}
    for i in np.flatnonzero((flat.kind == 1) & (flat.player == player)):
        if all(choice[int(np.flatnonzero(flat.infoset == h)[0])] == a for h, a in sequences[i]):
            plan[int(flat.infoset[i])] = int(choice[i])
    return tuple(sorted(plan.items()))


class Threat(str):
    """A choice that is not a best response where it would be made; reads as its sentence.

    Being a ``str``, it prints and compares as the sentence; its parts are attributes:
    ``player``, ``action``, ``history`` (the node), ``value`` (what the action gives the
    player there), ``best_action`` and ``best_value``.

    >>> t = Threat("Buyer", "Retaliate", ("Restrict",), 0.0, "Accept", 1.0)
    >>> print(t)
    Buyer: Retaliate after Restrict is not a best response there (Retaliate gives 0, Accept gives 1)
    >>> t.action, t.history
    ('Retaliate', ('Restrict',))
    """

    player: str
    action: str
    history: History
    value: float
    best_action: str
    best_value: float

    def __new__(cls, player: str, action: str, history: History, value: float,
                best_action: str, best_value: float) -> Threat:
        text = (f"{player}: {action} {describe(history)} is not a best response there "
                f"({action} gives {value + 0.0:.4g}, {best_action} gives "  # + 0.0: no "-0"
                f"{best_value + 0.0:.4g})")
        self = super().__new__(cls, text)
        self.player, self.action, self.history = player, action, tuple(history)
        self.value, self.best_action, self.best_value = value, best_action, best_value
        return self

    def __reduce__(self) -> Any:
        return (Threat, (self.player, self.action, self.history, self.value, self.best_action,
                         self.best_value))


def _threats(flat: FlatTree, players: tuple[str, ...], form: ReducedForm, cell: tuple[int, ...],
             atol: np.ndarray) -> tuple[Threat, ...]:
    """Nodes where the profile's action is worse for its mover than another action there.

    Solved bottom-up: below a node, play follows the profile where it says something and
    the mover's best action where the profile leaves the node open (ruled out by the
    mover's own earlier move, so any continuation is the mover's to choose).
    """
    prescribed = {}
    for p, k in enumerate(cell):
        prescribed.update(form.plans[p][k])
    value = flat.payoff.copy()
    found = []
    for start, end in reversed(flat.levels):
        for i in range(start, end):
            if flat.kind[i] == 0:
                continue
            first, count = int(flat.child_start[i]), int(flat.child_count[i])
            block = value[first:first + count]
            if flat.kind[i] == 2:
                value[i] = flat.edge_probability[first:first + count] @ block
                continue
            p = int(flat.player[i])
            best = int(np.argmax(block[:, p]))
            k = prescribed.get(int(flat.infoset[i]))
            if k is None:
                k = best
            elif block[k, p] < block[best, p] - atol[p]:
                node = flat.nodes[i]
                found.append((int(flat.depth[i]),
                              Threat(players[p], node.actions[k], flat.history(i), float(block[k, p]),
                                     node.actions[best], float(block[best, p]))))
            value[i] = block[k]
    # Shallowest first: the threat that supports the equilibrium path is usually the first.
    return tuple(text for _, text in sorted(found, key=lambda x: x[0]))


def reduced_profile(tree: GameTree, equilibrium: Any) -> tuple[str, ...]:
    """The reduced-normal-form strategy names that a subgame-perfect equilibrium plays.

    >>> from games.trees import backward_induction
    >>> from games.trees.textbook import centipede
    >>> reduced_profile(centipede(4), backward_induction(centipede(4)))
    ('Take, *', 'Take, *')
    """
    flat = tree.flat
    form = reduced_form_arrays(tree)
    names = []
    for p in range(len(tree.players)):
        key = _reduce(flat, own_sequences(flat, p), equilibrium.choice, p)
        index = {tuple(sorted(plan.items())): k for k, plan in enumerate(form.plans[p])}
        names.append(form.names[p][index[key]])
    return tuple(names)


@dataclass(frozen=True)
class NonCredibleEquilibrium:
    """A pure Nash equilibrium of the reduced normal form that no subgame-perfect equilibrium reduces to."""

    strategies: tuple[str, ...]
    payoffs: tuple[float, ...]
    regret: float
    threats: tuple[Threat, ...]


@dataclass(frozen=True, eq=False)
class NonCredibleSet(EquilibriumSequence):
    """From :func:`non_credible_equilibria`: equilibria resting on threats, and the credible ones.

    List-like over the non-credible equilibria, each with its ``threats``; ``credible``
    lists the subgame-perfect profiles. A buyer's threat to retaliate keeps a seller open,
    but the buyer would accept a restriction:

    >>> from games.trees import non_credible_equilibria, restrict_or_open
    >>> found = non_credible_equilibria(restrict_or_open())
    >>> [e.strategies for e in found], found.credible
    ([('Open', 'Retaliate')], (('Restrict', 'Accept'),))
    """

    equilibria: tuple[NonCredibleEquilibrium, ...]
    players: tuple[str, ...]
    credible: tuple[tuple[str, ...], ...]
    nash_count: int
    method: str
    tolerance: float
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        rows = []
        for e in self.equilibria:
            row: dict[str, Any] = dict(zip(self.players, e.strategies))
            row.update({f"payoff {p}": v for p, v in zip(self.players, e.payoffs)})
            row["threat"] = "; ".join(e.threats)
            rows.append(row)
        return pd.DataFrame(rows)

    def caption(self) -> str:
        return (f"{len(self)} of {self.nash_count} pure Nash equilibria of the reduced normal form "
                f"are not subgame perfect ({self.method}; tolerance {self.tolerance:.3g}); "
                f"credible: {len(self.credible)}")


def non_credible_equilibria(tree: GameTree, *, tol: float = 1e-9,
                            limit: int = 1000) -> NonCredibleSet:
    """The pure Nash equilibria of a perfect-information tree that rest on a non-credible threat.

    Every pure Nash equilibrium of the reduced normal form is compared with the reductions
    of all pure subgame-perfect equilibria (ties included); the others are returned, each
    with the choices that are not best responses where they would be made. Mixed equilibria
    of the normal form are not examined.

    >>> from games.trees import restrict_or_open
    >>> [e.strategies for e in non_credible_equilibria(restrict_or_open())]
    [('Open', 'Retaliate')]
    """
    require_perfect_information(tree, "non_credible_equilibria")
    flat = tree.flat
    atol = player_tolerances(flat.payoff, tol)
    form = reduced_form_arrays(tree)
    index = [{tuple(sorted(plan.items())): k for k, plan in enumerate(plans)} for plans in form.plans]
    sequences = [own_sequences(flat, p) for p in range(len(tree.players))]
    credible_cells = set()
    for spe in subgame_perfect_equilibria(tree, tol=tol, limit=limit):
        credible_cells.add(tuple(index[p][_reduce(flat, sequences[p], spe.choice, p)]
                                 for p in range(len(tree.players))))
    nash = pure_profiles(form.payoffs, atol)
    missing = credible_cells - set(nash)
    if missing:  # pragma: no cover - a subgame-perfect profile is always Nash
        raise AssertionError(f"subgame-perfect profiles {missing} are not Nash equilibria")
    results = []
    for cell in nash:
        if cell in credible_cells:
            continue
        threats = _threats(flat, tree.players, form, cell, atol)
        if not threats:  # pragma: no cover - completing with best choices would make it credible
            raise AssertionError(f"non-credible equilibrium {cell} without a faulty choice")
        results.append(NonCredibleEquilibrium(
            tuple(form.names[p][k] for p, k in enumerate(cell)),
            tuple(float(table[cell]) for table in form.payoffs),
            profile_regret(form.payoffs, cell), threats))
    credible = tuple(tuple(form.names[p][k] for p, k in enumerate(cell)) for cell in sorted(credible_cells))
    return NonCredibleSet(tuple(results), tree.players, credible, len(nash),
                          "pure Nash of the reduced normal form minus reduced subgame-perfect profiles",
                          float(atol.max(initial=0.0)))
