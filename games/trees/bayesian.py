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
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

import numpy as np

from games.errors import TreeError
from games.normal_form import NormalFormGame
from games.results import TabularResult
from games.trees.backward_induction import backward_induction, player_tolerances
from games.trees.batch import backward_induction_batch
from games.trees.normal_form_conversion import reduced_form_arrays
from games.trees.tree import (Chance, Decision, GameTree, Terminal, chance, decision,
                              require_tree, terminal)

if TYPE_CHECKING:
    import pandas as pd


def _require_types(tree: GameTree, what: str) -> Chance:
    if not isinstance(require_tree(tree, what).root, Chance):
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
    is checked against ``tol`` times the payoff range. Below, a seller facing a low-value
    (worth 5, probability 0.6) or high-value (worth 10) buyer gets 4 from a price of 4 that
    both accept, and 0.4 x 8 = 3.2 from a price of 8 that only the high type accepts. Both are
    Bayesian Nash: the price 8 equilibrium rests on the buyer's threat to refuse a price of
    4, which :func:`screening_offer` (subgame perfection) rules out.

    >>> from games.trees import screening_tree
    >>> tree = screening_tree("Seller", "Buyer", types={"low": 0.6, "high": 0.4},
    ...     offers=["price 4", "price 8"], responses=["Accept", "Reject"],
    ...     payoffs=lambda t, o, r: (int(o[6:]), (5 if t == "low" else 10) - int(o[6:]))
    ...     if r == "Accept" else (0, 0))
    >>> from games.trees import bayesian_nash_equilibria
    >>> sorted({round(e.payoffs[0], 9) for e in bayesian_nash_equilibria(tree)})
    [3.2, 4.0]
    """
    from games.normal_form.equilibria import equilibria, pure_equilibria  # the normal-form solvers

    game = bayesian_normal_form(tree)
    return equilibria(game, tol=tol) if mixed else pure_equilibria(game, tol=tol)


def screening_tree(proposer: str, responder: str, *, types: Mapping[str, Any],
                   offers: Sequence[str], responses: Sequence[str],
                   payoffs: Callable[[str, str, str], Any], title: str = "",
                   parameters: Any = None) -> GameTree:
    """A screening game: chance draws the responder's type, the proposer offers blind, the responder answers.

    ``types`` maps type -> probability (number or expression); ``payoffs(type, offer,
    response)`` gives (proposer, responder) payoffs, numbers or expressions. The tree has a
    chance root, one proposer node per type (one information set: the proposer cannot see
    the type), a responder node per type and offer, and an end per response:

    >>> from games.trees import screening_tree
    >>> tree = screening_tree("Seller", "Buyer", types={"low": 0.6, "high": 0.4},
    ...     offers=["price 4", "price 8"], responses=["Accept", "Reject"],
    ...     payoffs=lambda t, o, r: (int(o[6:]), (5 if t == "low" else 10) - int(o[6:]))
    ...     if r == "Accept" else (0, 0))
    >>> tree.players, tree.node_count == 1 + 2 + 2 * 2 + 2 * 2 * 2
    (('Seller', 'Buyer'), True)
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
    """From :func:`screening_offer`: the proposer's best ``offer`` against unknown types.

    ``payoffs`` are the offer's expected payoffs, ``responses`` each type's answer, ``table``
    every offer's expected payoffs. A price of 4 that both buyer types accept
    (worth 5 or 10) earns 4; a price of 8 only the high type (probability 0.4) accepts earns 3.2:

    >>> from games.trees import screening_tree
    >>> tree = screening_tree("Seller", "Buyer", types={"low": 0.6, "high": 0.4},
    ...     offers=["price 4", "price 8"], responses=["Accept", "Reject"],
    ...     payoffs=lambda t, o, r: (int(o[6:]), (5 if t == "low" else 10) - int(o[6:]))
    ...     if r == "Accept" else (0, 0))
    >>> from games.trees import screening_offer
    >>> best = screening_offer(tree)
    >>> best.offer, best.responses
    ('price 4', {'low': ('Accept',), 'high': ('Accept',)})
    """

    players: tuple[str, ...]
    offer: str
    payoffs: tuple[float, ...]
    responses: dict[str, tuple[str, ...]]
    type_probabilities: dict[str, float]
    table: tuple[dict[str, Any], ...]
    ties: tuple[str, ...]
    tolerance: float
    method: str = "backward induction over the screening tree (each type answers, the proposer chooses the offer)"
    settings: Mapping[str, Any] = field(default_factory=dict)

    def probability(self, action: str) -> float:
        """Probability (over types) that ``action`` is played after the chosen offer."""
        return float(sum(p for t, p in self.type_probabilities.items() if action in self.responses[t]))

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        return pd.DataFrame(list(self.table)).set_index("offer")

    def caption(self) -> str:
        tie = f"; tied with {', '.join(self.ties)} (first listed kept)" if self.ties else ""
        return (f"screening: best offer {self.offer!r} by expected payoff to {self.players[0]}, each "
                f"type answering by backward induction (tolerance {self.tolerance:.3g}){tie}")


def screening_offer(tree: GameTree, *, tol: float = 1e-9) -> ScreeningOffer:
    """The offer that maximises the uninformed proposer's expected payoff over the responder's types.

    The tree's root draws types; below each type the proposer moves in one information set
    (it cannot see the type); the rest has perfect information and is solved by backward
    induction for each type and offer. See :class:`ScreeningOffer` for an example: a seller
    who cannot tell a buyer's value picks the price both types accept.

    See :class:`ScreeningOffer` for a worked example (the seller and its buyer types).
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
    atol = float(player_tolerances(tree.flat.payoff, tol)[proposer])  # the proposer's own scale
    best = int(np.argmax(criterion))
    ties = tuple(offers[k] for k in np.flatnonzero(criterion >= criterion[best] - atol) if k != best)
    return ScreeningOffer(tree.players, offers[best], tuple(float(v) for v in values[best]),
                          {t: paths[(offers[best], t)] for t in root.actions}, probs, tuple(rows),
                          ties, atol)


@dataclass(frozen=True, eq=False)
class BatchScreening(TabularResult):
    """From :func:`screening_offer_batch`: every offer's payoffs per type and draw.

    ``by_type`` has shape (offers, types, draws, players): what each type's subgame gives
    after each offer; ``expected`` (offers, draws, players) averages it over the type draw
    (``type_probabilities``, types x draws); ``best`` is the proposer's best offer index per
    draw (ties to the first listed). ``responses[k][t]`` is the responder's action index at
    its first move after offer ``k`` when its type is ``t``, per draw. A price of 8 (accepted
    by the high type only) beats a price of 4 (accepted by both) exactly when the high
    type's probability exceeds 1/2:

    >>> tree = screening_tree("Seller", "Buyer", types={"low": "1 - h", "high": "h"},
    ...     offers=["price 4", "price 8"], responses=["Accept", "Reject"],
    ...     payoffs=lambda t, o, r: (int(o[6:]), (5 if t == "low" else 10) - int(o[6:]))
    ...     if r == "Accept" else (0, 0))
    >>> batch = screening_offer_batch(tree, h=[0.3, 0.7])
    >>> [batch.offers[k] for k in batch.best], batch.expected[1, :, 0].round(9).tolist()
    (['price 4', 'price 8'], [2.4, 5.6])
    """

    players: tuple[str, ...]
    offers: tuple[str, ...]
    types: tuple[str, ...]
    proposer: int
    by_type: np.ndarray
    expected: np.ndarray
    type_probabilities: np.ndarray
    responses: np.ndarray
    regret: float
    tolerance: float
    method: str = "batch backward induction of the screening tree, the proposer's offer moved before the type draw"
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def draws(self) -> int:
        return self.expected.shape[1]

    @property
    def best(self) -> np.ndarray:
        """The proposer's best offer (index into ``offers``) at each draw."""
        return np.argmax(self.expected[:, :, self.proposer], axis=0)

    def best_on_average(self) -> int:
        """The offer with the best mean payoff to the proposer over the draws (one commitment)."""
        return int(np.argmax(self.expected[:, :, self.proposer].mean(axis=1)))

    def to_frame(self) -> pd.DataFrame:
        best = np.bincount(self.best, minlength=len(self.offers)) / self.draws
        rows = []
        for k, o in enumerate(self.offers):
            row: dict[str, Any] = {"offer": o, "best in share of draws": float(best[k])}
            row.update({f"mean payoff {p}": float(self.expected[k, :, i].mean())
                        for i, p in enumerate(self.players)})
            rows.append(row)
        return pd.DataFrame(rows).set_index("offer")

    def caption(self) -> str:
        return (f"screening at {self.draws} parameter points: each type answers by backward "
                f"induction, the proposer moves without seeing the type; one-shot regret "
                f"<= {self.regret:.3g} (tolerance {self.tolerance:.3g})")


def proposer_first(tree: GameTree) -> GameTree:
    """The same screening game with the proposer's blind move put before the type draw.

    A move made without seeing nature's draw can equally be made before it: the two trees
    have the same strategies and payoffs, and the reordered one has perfect information, so
    backward induction (one draw or a batch of them) solves it.
    """
    root = _require_types(tree, "proposer_first")
    first = root.children[0]
    if not (isinstance(first, Decision) and first.infoset is not None and all(
            isinstance(c, Decision) and (c.player, c.infoset) == (first.player, first.infoset)
            for c in root.children)):
        raise TreeError("proposer_first needs the same player to move right after the type draw, "
                        "in one information set across all types (the proposer cannot see the type)")
    offers = {}
    for k, offer in enumerate(first.actions):
        offers[offer] = chance({t: (p, node.children[k]) for t, p, node
                                in zip(root.actions, root.probabilities, root.children)})
    return GameTree(tree.players, decision(first.player, offers), title=tree.title,
                    parameters=tree.parameters)


def screening_offer_batch(tree: GameTree, *, tol: float = 1e-9, chunk_size: int = 2_000,
                          **values: Any) -> BatchScreening:
    """:func:`screening_offer` at many parameter points at once, with every offer's payoffs.

    Values are arrays of one length (parameters not given take the tree's defaults). The
    tree is reordered by :func:`proposer_first` and solved by batch backward induction, in
    chunks of ``chunk_size`` draws (memory grows with nodes x draws).

    >>> tree = screening_tree("Seller", "Buyer", types={"low": "q", "high": "1 - q"},
    ...     offers=["price 4", "price 8"], responses=["Accept", "Reject"],
    ...     payoffs=lambda t, o, r: (int(o[6:]), (5 if t == "low" else 10) - int(o[6:])) if r == "Accept" else (0, 0))
    >>> s = screening_offer_batch(tree, q=[0.6, 0.4])
    >>> [s.offers[k] for k in s.best], s.expected[1, :, 0].round(6).tolist()
    (['price 4', 'price 8'], [3.2, 4.8])
    """
    ordered = proposer_first(tree)
    root = tree.root
    offers, types = ordered.root.actions, root.actions
    proposer = tree.players.index(ordered.root.player)
    merged: dict[str, Any] = {k: v for k, v in (tree.parameters or {}).items() if not np.isnan(v)}
    merged.update(values)
    lengths = {np.size(v) for v in values.values()} - {1}
    draws = lengths.pop() if len(lengths) == 1 else 1
    keep = [(o,) for o in offers] + [(o, t) for o in offers for t in types]
    by_type = np.empty((len(offers), len(types), draws, len(tree.players)))
    responses = np.full((len(offers), len(types), draws), -1, dtype=np.int64)
    regret, atol = 0.0, 0.0
    for start in range(0, draws, chunk_size):
        part = {k: (np.asarray(v, dtype=float).ravel()[start:start + chunk_size]
                    if np.size(v) == draws and draws > 1 else v) for k, v in values.items()}
        solved = backward_induction_batch(ordered, tol=tol, keep=keep, **part)
        regret, atol = max(regret, solved.regret), max(atol, solved.tolerance)
        stop = start + solved.draws
        for k, o in enumerate(offers):
            for j, t in enumerate(types):
                by_type[k, j, start:stop] = solved.payoffs_at((o, t))
                if isinstance(ordered.node((o, t)), Decision):
                    responses[k, j, start:stop] = solved.choices((o, t))
    probabilities = np.array([np.broadcast_to(np.asarray(
        p(**merged) if not isinstance(p, float) else p, dtype=float), (draws,)) for p in root.probabilities])
    expected = np.einsum("ktdp,td->kdp", by_type, probabilities)
    return BatchScreening(tree.players, offers, types, proposer, by_type, expected,
                          probabilities, responses, regret, atol)
