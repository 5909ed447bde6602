"""The games of a deal's stances: a normal-form game and an offer tree, with the same utilities.

A stance fixes the issues its own side gives (the rest stay at their status quo) or walks
away (both sides get their outside options).

- :func:`stance_game`: both sides pick a stance at once. Nothing is enforced: what each side
  gives depends only on its own stance, so this is the game of "who gives what unilaterally".
- :func:`offer_tree`: the supplier offers a package (one of its stances for one of the
  partner's); the partner accepts (the package is binding), walks away, or counters with
  another of its stances; after a counter, the supplier accepts or walks away. Walking away
  is credible only when the walker is better off with its outside option, which is what
  backward induction (``games.backward_induction``) checks and what
  ``games.trees.non_credible_equilibria`` reports about the Nash equilibria that rest on a
  threat no one would carry out.

>>> import deals
>>> game = stance_game(deals.load("gulf-divestment-uae"))
>>> game.strategies
(('deny', 'cap', 'framework'), ('hedge', 'align'))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from deals.deal.cache import deal_view
from deals.errors import DealError
from deals.numbers import people
from games.errors import GameTooLargeError
from deals.deal.terms import Stance
from games.normal_form import NormalFormGame
from games.results import TabularResult
from games.trees import GameTree, backward_induction, decision, non_credible_equilibria, terminal

if TYPE_CHECKING:  # a deal is passed in; the model calls this module, not the reverse
    from deals.deal.model import Deal


def _require_stances(deal: Deal) -> tuple[tuple[Stance, ...], tuple[Stance, ...]]:
    ours, theirs = deal.side_stances("supplier"), deal.side_stances("partner")
    if not ours or not theirs:
        raise DealError(f"deal {deal.name!r} has no stances for both sides; add "
                        "[stances.supplier.NAME] and [stances.partner.NAME] tables")
    return ours, theirs


def profile_payoffs(deal: Deal, supplier: Stance, partner: Stance) -> tuple[float, float]:
    """(supplier, partner) payoffs when the two stances meet: outside options if one walks away."""
    deal.require_point("the stance game")
    if supplier.walk_away or partner.walk_away:
        return tuple(float(v) for v in deal.disagreement())  # type: ignore[return-value]
    terms = {**supplier.fixes, **partner.fixes}
    return tuple(float(v) for v in deal.utilities(terms))  # type: ignore[return-value]


def stance_game(deal: Deal) -> NormalFormGame:
    """The normal-form game of the deal's stances (supplier chooses rows, partner columns).

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`.

    Examples
    --------
    Solve it with :func:`games.equilibria`. A walk-away stance gives both sides their
    outside options, whatever the other does:

    >>> import deals
    >>> deal = deals.load("gulf-divestment-uae")
    >>> game = stance_game(deal)
    >>> game.strategies[0]
    ('deny', 'cap', 'framework')
    >>> [float(u) for u in deal.disagreement()] == [float(game.payoffs[p][0, 1]) for p in (0, 1)]
    True
    """
    return _stance_game(deal)


@deal_view
def _stance_game(deal: Deal) -> NormalFormGame:
    ours, theirs = _require_stances(deal)
    a = np.empty((len(ours), len(theirs)))
    b = np.empty_like(a)
    for i, s in enumerate(ours):
        for j, p in enumerate(theirs):
            a[i, j], b[i, j] = profile_payoffs(deal, s, p)
    return NormalFormGame.from_arrays(
        a, b, players=(deal.supplier, deal.partner),
        strategies=([s.name for s in ours], [p.name for p in theirs]),
        title=f"{deal.title}: stances")


def _walk_actions(ours: tuple[Stance, ...], theirs: tuple[Stance, ...]) -> tuple[str, str]:
    """The names of the supplier's and the partner's walk-away moves in the offer tree.

    A walk-away stance lends its name, unless that name is already a move at the same node
    ('accept', 'counter ...'): two moves with one name would silently become one.
    """
    def name(stances: tuple[Stance, ...], default: str) -> str:
        found = next((s.name for s in stances if s.walk_away), default)
        taken = found == "accept" or found.startswith("counter ")
        return f"{found} (walk away)" if taken else found

    return name(ours, "no offer"), name(theirs, "walk away")


def offer_label(supplier: Stance, partner: Stance) -> str:
    """The name of the supplier's offer of one of its stances for one of the partner's."""
    return f"{supplier.name} for {partner.name}"


def offer_tree(deal: Deal) -> GameTree:
    """The offer tree: supplier offers a package; partner accepts, counters or walks away.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`.

    Examples
    --------
    >>> import deals
    >>> tree = offer_tree(deals.load("allied-sme-netherlands"))
    >>> tree.players
    ('US', 'Netherlands')
    """
    return _offer_tree(deal)


@deal_view
def _offer_tree(deal: Deal) -> GameTree:
    ours, theirs = _require_stances(deal)
    outside = tuple(float(v) for v in deal.disagreement())
    our_walk, their_walk = _walk_actions(ours, theirs)
    offers = [s for s in ours if not s.walk_away]
    answers = [p for p in theirs if not p.walk_away]
    if not offers or not answers:
        side = "partner" if offers else "supplier"
        raise DealError(f"stances.{side}: deal {deal.name!r}: the offer tree needs a stance for "
                        f"each side that does not walk away; give the {side} one that sets an "
                        "issue it gives")
    root: dict[str, Any] = {}
    for s in offers:
        for p in answers:
            reply: dict[str, Any] = {"accept": terminal(*profile_payoffs(deal, s, p))}
            for q in answers:
                if q is not p:
                    reply[f"counter {q.name}"] = decision(deal.supplier, {
                        "accept": terminal(*profile_payoffs(deal, s, q)),
                        our_walk: terminal(*outside)})
            reply[their_walk] = terminal(*outside)
            root[offer_label(s, p)] = decision(deal.partner, reply)
    root[our_walk] = terminal(*outside)
    return GameTree([deal.supplier, deal.partner], decision(deal.supplier, root),
                    title=f"{deal.title}: offers")


@dataclass(frozen=True, eq=False)
class TreeOutcome(TabularResult):
    """From :func:`tree_outcome`: subgame-perfect ``path``, ``payoffs`` and non-credible ``threats``.

    ``payoffs`` sit beside the outside options (``disagreement``); ``threats`` are the threats
    to walk away that no one would carry out.
    Either side can walk away, so subgame-perfect play gives each at least its outside option:

    >>> import deals
    >>> outcome = tree_outcome(deals.load("gulf-divestment-uae"))
    >>> all(u >= d for u, d in zip(outcome.payoffs, outcome.disagreement))
    True
    """

    deal: str
    players: tuple[str, str]
    path: tuple[str, ...]
    payoffs: tuple[float, float]
    disagreement: tuple[float, float]
    regret: float
    tolerance: float
    threats: tuple[str, ...]
    non_credible: int | None  # None: the tree's normal form is too large to check them all
    method: str = "backward induction over the offer tree; non-credible threats from its reduced normal form"
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: The payoffs of every pure subgame-perfect play, ties broken every way (the reported
    #: play's among them).
    tied_payoffs: tuple[tuple[float, float], ...] = ()

    def tie_note(self) -> str:
        """A sentence when indifferent movers leave subgame-perfect plays with other payoffs
        than the one shown (which breaks ties by the first listed move), else ''."""
        spread = [sorted({round(p[k], 12) for p in self.tied_payoffs}) for k in (0, 1)]
        if all(len(v) <= 1 for v in spread):
            return ""
        said = "; ".join(f"{who} {people(v[0])} to {people(v[-1])}"
                         for who, v in zip(self.players, spread) if len(v) > 1)
        return (f"Ties: some movers are indifferent between moves that leave the other side "
                f"different payoffs, so subgame-perfect plays differ ({said}); the play shown "
                "takes the first listed move at each tie.")

    @property
    def agreement(self) -> bool:
        """True when subgame-perfect play ends in an accepted package, not a walk-away."""
        return bool(self.path) and self.path[-1] == "accept"

    def to_frame(self) -> pd.DataFrame:
        rows = [{"": "subgame-perfect play", "value": " > ".join(self.path)}]
        for who, u, d in zip(self.players, self.payoffs, self.disagreement):
            # + 0.0: an outside option of -0.0 (nothing bought at a negative price) prints as 0
            rows.append({"": f"{who} payoff",
                         "value": f"{u + 0.0:.4g} (outside option {d + 0.0:.4g})"})
        for t in self.threats:
            rows.append({"": "non-credible threat", "value": t})
        return pd.DataFrame(rows).set_index("")

    def caption(self) -> str:
        text = (f"{self.deal}: offer tree solved by backward induction; one-shot regret "
                f"{self.regret:.3g} (tolerance {self.tolerance:.3g}); ")
        if self.non_credible is None:
            return text + ("its normal form is too large to list the Nash equilibria that "
                           "rest on non-credible moves (fewer stances make it possible)")
        return text + (f"{self.non_credible} Nash equilibria of its normal form rest on "
                       "non-credible moves; listed: the threats to walk away that would not be "
                       "carried out")


def tree_outcome(deal: Deal) -> TreeOutcome:
    """Solve the offer tree: subgame-perfect path and payoffs, and the non-credible threats.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`.

    Examples
    --------
    >>> import deals
    >>> outcome = tree_outcome(deals.load("gulf-divestment-uae"))
    >>> outcome.path
    ('framework for hedge', 'accept')
    >>> outcome.regret <= outcome.tolerance
    True
    """
    tree = offer_tree(deal)
    spe = backward_induction(tree)
    try:
        with np.errstate(over="ignore"):  # counting the strategies may overflow to inf
            shaky = non_credible_equilibria(tree)
    except GameTooLargeError:
        # Listing them needs every strategy of the tree (a few stances a side already give
        # billions); the subgame-perfect play does not, so it is still reported.
        shaky = None
    ours, theirs = _require_stances(deal)
    walks = set(_walk_actions(ours, theirs))
    # Of the engine's list, keep the threats to walk away: those are the leverage claims
    # ("cap your chips unless ..."); the rest are off-path slips of no policy interest.
    threats: list[str] = []
    for eq in shaky or ():
        for t in eq.threats:
            if getattr(t, "action", None) in walks and t not in threats:
                threats.append(t)
    d = tuple(float(v) for v in deal.disagreement())
    return TreeOutcome(deal.name, (deal.supplier, deal.partner), tuple(spe.path),
                       (float(spe.payoffs[0]), float(spe.payoffs[1])), d,  # type: ignore[arg-type]
                       float(spe.regret), float(spe.tolerance), tuple(threats),
                       None if shaky is None else len(shaky), tied_payoffs=_tied_payoffs(spe))


def _tied_payoffs(spe: Any) -> tuple[tuple[float, float], ...]:
    """The payoffs of every pure subgame-perfect play, ties broken every way (within the
    solver's tolerance), found bottom-up on payoffs rather than profiles.

    An outcome of child c is reachable when the mover can be made to pick c: some tie-break
    in every other child gives the mover no more, i.e. its payoff is at least the largest,
    over the other children, of the least the mover gets there. The offer tree has no chance
    moves, so every node's set is a set of its ends.
    """
    flat, tol = spe.flat, spe.tolerance
    ends: dict[int, set[tuple[float, float]]] = {}
    for start, stop in reversed(flat.levels):
        for i in range(start, stop):
            if flat.kind[i] == 0:
                ends[i] = {(float(flat.payoff[i, 0]), float(flat.payoff[i, 1]))}
                continue
            first, count = int(flat.child_start[i]), int(flat.child_count[i])
            kids = [ends.pop(first + k) for k in range(count)]
            mover = int(flat.player[i])
            least = [min(o[mover] for o in kid) for kid in kids]
            ends[i] = {o for k, kid in enumerate(kids) for o in kid
                       if o[mover] >= max(least[:k] + least[k + 1:], default=-np.inf) - tol}
    return tuple(sorted(ends[0]))