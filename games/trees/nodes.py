"""The nodes of a game tree: terminal, decision and chance nodes and their constructors.

A node is identified by its *history*, the tuple of action labels from the root (``()`` is
the root); :class:`games.trees.GameTree` holds the root and the players.

>>> decision("Entrant", {"Out": terminal(0, 2), "In": terminal(1, 1)}).actions
('Out', 'In')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from games.errors import TreeError
from games.expressions import Expression

Value = Union[float, Expression]
History = tuple[str, ...]

#: Chance probabilities may be off by rounding (decimals such as .333333 in files); beyond
#: this the tree is refused rather than silently renormalised.
PROBABILITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Terminal:
    """An end of the game: one payoff per player (numbers or expressions)."""

    payoffs: Any
    label: str = ""


@dataclass(frozen=True)
class Decision:
    """A player's move: labelled actions, one child each; ``infoset`` groups nodes the mover cannot tell apart."""

    player: str
    actions: tuple[str, ...]
    children: tuple[Any, ...]
    infoset: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Chance:
    """A move of nature: labelled outcomes, each with a probability (number or expression)."""

    actions: tuple[str, ...]
    probabilities: tuple[Any, ...]
    children: tuple[Any, ...]
    label: str = ""


Node = Union[Terminal, Decision, Chance]


def terminal(*payoffs: Any, label: str = "") -> Terminal:
    """An end node: ``terminal(1, 2)``, ``terminal([1, 2])`` or ``terminal({"Buyer": 1, "Seller": 2})``.

    Payoffs given in order follow the tree's player order; a mapping names its players.

    >>> terminal(1, "a - c").payoffs
    (1, 'a - c')
    """
    if len(payoffs) == 1 and isinstance(payoffs[0], (Mapping, list, tuple)):
        payoffs = payoffs[0]
    return Terminal(dict(payoffs) if isinstance(payoffs, Mapping) else tuple(payoffs), str(label))


def decision(player: str, actions: Mapping[str, Node], *, infoset: str | None = None,
             label: str = "") -> Decision:
    """A decision node: ``decision("Buyer", {"Accept": child, "Reject": child})``.

    Give ``infoset`` the same name at every node the player cannot tell apart (the nodes
    must offer the same actions, in the same order).

    >>> decision("Buyer", {"Accept": terminal(1, 1), "Reject": terminal(0, 0)}).actions
    ('Accept', 'Reject')
    """
    if not isinstance(actions, Mapping):
        raise TreeError(f"{player}'s actions must be a mapping {{action label: child node}}, "
                        f"got {type(actions).__name__}")
    return Decision(str(player), tuple(str(a) for a in actions), tuple(actions.values()),
                    None if infoset is None else str(infoset), str(label))


def chance(outcomes: Mapping[str, tuple[Any, Node]], *, label: str = "") -> Chance:
    """A chance node: ``chance({"High": (0.3, child), "Low": (0.7, child)})``.

    >>> chance({"H": ("p", terminal(1, 0)), "T": ("1 - p", terminal(0, 1))}).probabilities
    ('p', '1 - p')
    """
    if not isinstance(outcomes, Mapping):
        raise TreeError("chance outcomes must be a mapping {label: (probability, child node)}")
    probs, children = [], []
    for name, pair in outcomes.items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TreeError(f"chance outcome {name!r} must be a pair (probability, child node), "
                            f"got {pair!r}")
        probs.append(pair[0])
        children.append(pair[1])
    return Chance(tuple(str(a) for a in outcomes), tuple(probs), tuple(children), str(label))


def describe(history: History) -> str:
    """Where a node is, in words: ``"at the root"`` or ``"after In, Fight"``."""
    return "at the root" if not history else "after " + ", ".join(history)
