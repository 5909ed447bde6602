"""Classic two-player games with textbook payoffs you can vary, and their known equilibria.

Each builder returns a :class:`NormalFormGame`: numeric by default, or symbolic in its
parameters with ``symbolic=True`` (point values = the arguments), ready for
:func:`games.normal_form.symbolic.symbolic_2x2` or a regime map. :data:`CLASSIC_GAMES` records, for each
game, the parameter region where the textbook analysis holds and the equilibria that analysis
derives (written out by hand from the references, not computed by our solvers), so tests and
tutorials can check a solver against them.

>>> game = prisoners_dilemma()
>>> print(game)
            Player 2: C Player 2: D
Player 1: C        3, 3        0, 5
Player 1: D        5, 0        1, 1
Prisoner's dilemma
>>> CLASSIC_GAMES["prisoners_dilemma"].known_equilibria()
[(array([0., 1.]), array([0., 1.]))]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from games.errors import ParameterError
from games.normal_form.game import NormalFormGame

__all__ = [
    "prisoners_dilemma", "chicken", "hawk_dove", "stag_hunt", "battle_of_the_sexes",
    "matching_pennies", "coordination", "entry_game", "ClassicGame", "CLASSIC_GAMES",
]

Profile = tuple[np.ndarray, np.ndarray]


def _build(table: list[list[tuple[str, str]]], values: dict[str, float], symbolic: bool,
           strategies: tuple[tuple[str, str], tuple[str, str]], title: str) -> NormalFormGame:
    """Build the game from payoff texts in the parameters: evaluated, or kept symbolic."""
    texts = [[[cell[k] for cell in row] for row in table] for k in range(2)]
    if symbolic:
        return NormalFormGame.from_expressions(texts, values, strategies=strategies, title=title)
    # Numeric: the same texts through the safe parser, so both forms agree by construction.
    return NormalFormGame.from_expressions(texts, values, strategies=strategies,
                                           title=title).bind()


def _pure(i: int, j: int) -> Profile:
    return np.eye(2)[i], np.eye(2)[j]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ParameterError(message)


def prisoners_dilemma(T: float = 5, R: float = 3, P: float = 1, S: float = 0, *,
                      symbolic: bool = False) -> NormalFormGame:
    """The prisoner's dilemma: Temptation > Reward > Punishment > Sucker's payoff.

    Strategies C (cooperate) and D (defect). With ``T > R > P > S`` defection strictly
    dominates and the unique equilibrium is (D,D) (Axelrod, *The Evolution of Cooperation*,
    1984). With ``R > T`` the game becomes a stag hunt (cooperation is also an equilibrium).

    >>> prisoners_dilemma(T=4).payoffs[0].tolist()
    [[3.0, 0.0], [4.0, 1.0]]
    """
    table = [[("R", "R"), ("S", "T")], [("T", "S"), ("P", "P")]]
    return _build(table, {"T": T, "R": R, "P": P, "S": S}, symbolic, (("C", "D"), ("C", "D")),
                  "Prisoner's dilemma")


def _pd_known(T: float = 5, R: float = 3, P: float = 1, S: float = 0) -> list[Profile]:
    _require(T > R > P > S, f"the textbook PD needs T > R > P > S; got T={T}, R={R}, P={P}, S={S}")
    return [_pure(1, 1)]


def chicken(v: float = 2, c: float = 4, *, symbolic: bool = False) -> NormalFormGame:
    """Chicken as hawk-dove: a prize ``v``, a fight costing ``c`` to the loser (Maynard Smith).

    Strategies H (hawk, stand firm) and D (dove, yield). Hawks meeting split the prize minus
    the cost, ``(v - c)/2`` each; a hawk takes all from a dove; doves share ``v/2``. When
    ``c > v``: two pure equilibria (H,D) and (D,H) and a mixed one where each plays H with
    probability ``v/c`` (Maynard Smith, *Evolution and the Theory of Games*, 1982).

    >>> chicken().payoffs[0].tolist()
    [[-1.0, 2.0], [0.0, 1.0]]
    """
    table = [[("(v - c)/2", "(v - c)/2"), ("v", "0")], [("0", "v"), ("v/2", "v/2")]]
    return _build(table, {"v": v, "c": c}, symbolic, (("H", "D"), ("H", "D")), "Chicken (hawk-dove)")


hawk_dove = chicken


def _chicken_known(v: float = 2, c: float = 4) -> list[Profile]:
    _require(c > v > 0, f"the anti-coordination case needs c > v > 0; got v={v}, c={c}")
    mix = np.array([v / c, 1 - v / c])
    return [_pure(0, 1), _pure(1, 0), (mix, mix)]


def stag_hunt(stag: float = 4, hare: float = 3, *, symbolic: bool = False) -> NormalFormGame:
    """The stag hunt: hunting stag pays ``stag`` only if both do; hare pays ``hare`` regardless.

    Strategies S (stag) and H (hare); a lone stag hunter gets 0. With ``stag > hare > 0``:
    (S,S) and (H,H) are equilibria, and a mixed one where each hunts stag with probability
    ``hare/stag`` (Skyrms, *The Stag Hunt and the Evolution of Social Structure*, 2004).

    >>> stag_hunt().payoffs[1].tolist()
    [[4.0, 3.0], [0.0, 3.0]]
    """
    table = [[("stag", "stag"), ("0", "hare")], [("hare", "0"), ("hare", "hare")]]
    return _build(table, {"stag": stag, "hare": hare}, symbolic, (("S", "H"), ("S", "H")),
                  "Stag hunt")


def _stag_known(stag: float = 4, hare: float = 3) -> list[Profile]:
    _require(stag > hare > 0, f"the stag hunt needs stag > hare > 0; got stag={stag}, hare={hare}")
    mix = np.array([hare / stag, 1 - hare / stag])
    return [_pure(0, 0), _pure(1, 1), (mix, mix)]


def battle_of_the_sexes(a: float = 2, b: float = 1, *, symbolic: bool = False) -> NormalFormGame:
    """Battle of the sexes (Bach or Stravinsky): both want to meet; each prefers a venue.

    Strategies B and S. Meeting at B gives (a, b), at S gives (b, a), missing gives (0, 0).
    With ``a > b > 0``: (B,B), (S,S), and a mixed equilibrium where player 1 plays B with
    probability ``a/(a+b)`` and player 2 plays B with ``b/(a+b)`` (Osborne, *An Introduction
    to Game Theory*, 2004, section 4.3: 2/3 and 1/3 for the 2-1 payoffs).

    >>> battle_of_the_sexes().payoffs[0].tolist()
    [[2.0, 0.0], [0.0, 1.0]]
    """
    table = [[("a", "b"), ("0", "0")], [("0", "0"), ("b", "a")]]
    return _build(table, {"a": a, "b": b}, symbolic, (("B", "S"), ("B", "S")),
                  "Battle of the sexes")


def _bos_known(a: float = 2, b: float = 1) -> list[Profile]:
    _require(a > 0 and b > 0, f"battle of the sexes needs a, b > 0; got a={a}, b={b}")
    return [_pure(0, 0), _pure(1, 1),
            (np.array([a / (a + b), b / (a + b)]), np.array([b / (a + b), a / (a + b)]))]


def matching_pennies(stake: float = 1, *, symbolic: bool = False) -> NormalFormGame:
    """Matching pennies: player 1 wins ``stake`` on a match, player 2 on a mismatch (zero-sum).

    Strategies H and T. For any ``stake > 0`` the unique equilibrium mixes half-half for both
    (von Neumann and Morgenstern, 1944; Osborne 2004, section 4.1).

    >>> matching_pennies().is_zero_sum()
    True
    """
    table = [[("stake", "-stake"), ("-stake", "stake")], [("-stake", "stake"), ("stake", "-stake")]]
    return _build(table, {"stake": stake}, symbolic, (("H", "T"), ("H", "T")), "Matching pennies")


def _pennies_known(stake: float = 1) -> list[Profile]:
    _require(stake > 0, f"matching pennies needs stake > 0; got {stake}")
    half = np.array([0.5, 0.5])
    return [(half, half)]


def coordination(a: float = 2, b: float = 1, *, symbolic: bool = False) -> NormalFormGame:
    """A pure coordination game: both get ``a`` meeting at A, ``b`` meeting at B, 0 otherwise.

    With ``a, b > 0``: (A,A), (B,B) and a mixed equilibrium where each plays A with
    probability ``b/(a+b)`` (the Pareto-dominated mix that makes the other indifferent).

    >>> coordination().payoffs[0].tolist()
    [[2.0, 0.0], [0.0, 1.0]]
    """
    table = [[("a", "a"), ("0", "0")], [("0", "0"), ("b", "b")]]
    return _build(table, {"a": a, "b": b}, symbolic, (("A", "B"), ("A", "B")), "Coordination")


def _coordination_known(a: float = 2, b: float = 1) -> list[Profile]:
    _require(a > 0 and b > 0, f"the coordination game needs a, b > 0; got a={a}, b={b}")
    mix = np.array([b / (a + b), a / (a + b)])
    return [_pure(0, 0), _pure(1, 1), (mix, mix)]


def entry_game(profit: float = 2, monopoly: float = 2, war: float = 0, shared: float = 1,
               outside: float = 1, *, symbolic: bool = False) -> NormalFormGame:
    """The entry game in normal form: a challenger enters (In) or not (Out); the incumbent
    accommodates (A) or fights (F) an entry.

    Payoffs (challenger, incumbent): In/A = (profit, shared), In/F = (war, war),
    Out = (outside, monopoly). With the defaults (Osborne 2004, section 5.1: (2,1), (0,0),
    (1,2)) the equilibria are (In,A) and (Out,F), the second resting on a threat that is not
    credible; the game is degenerate: (Out, fight with probability >= 1/2) is a continuum
    of equilibria whose extreme points are (Out,F) and (Out, half-half).

    >>> entry_game().payoffs[1].tolist()
    [[1.0, 0.0], [2.0, 2.0]]
    """
    table = [[("profit", "shared"), ("war", "war")], [("outside", "monopoly"), ("outside", "monopoly")]]
    values = {"profit": profit, "monopoly": monopoly, "war": war, "shared": shared,
              "outside": outside}
    return _build(table, values, symbolic, (("In", "Out"), ("A", "F")), "Entry game")


def _entry_known(profit: float = 2, monopoly: float = 2, war: float = 0, shared: float = 1,
                 outside: float = 1) -> list[Profile]:
    _require(profit > outside > war and monopoly > shared > war,
             "the textbook entry game needs profit > outside > war and monopoly > shared > war")
    # Out is a best reply when fighting has probability f with f*war + (1-f)*profit <= outside.
    f = (profit - outside) / (profit - war)
    return [_pure(0, 0), _pure(1, 1), (np.array([0.0, 1.0]), np.array([1 - f, f]))]


@dataclass(frozen=True)
class ClassicGame:
    """A textbook game of :data:`CLASSIC_GAMES`: ``build()`` it, test with ``known_equilibria()``.

    A catalogue record: the builder, the textbook's equilibria (``known_equilibria()``,
    written out from ``reference``, not computed) and where they come from:

    >>> from games import CLASSIC_GAMES, equilibria
    >>> pennies = CLASSIC_GAMES["matching_pennies"]
    >>> pennies.reference, [x.tolist() for x, y in pennies.known_equilibria()]
    ('Osborne 2004, 4.1', [[0.5, 0.5]])
    >>> import numpy as np
    >>> found, known = equilibria(pennies.build()), pennies.known_equilibria()
    >>> len(found) == len(known) and all(np.allclose(s, k) for s, k in zip(found[0].strategies, known[0]))
    True
    """

    name: str
    build: Callable[..., NormalFormGame]
    known: Callable[..., list[Profile]]
    reference: str
    degenerate: bool = False

    def known_equilibria(self, **parameters: Any) -> list[Profile]:
        """The textbook equilibria (extreme points if degenerate) at these parameter values."""
        return self.known(**parameters)


CLASSIC_GAMES: dict[str, ClassicGame] = {
    record.name: record for record in [
        ClassicGame("prisoners_dilemma", prisoners_dilemma, _pd_known, "Axelrod 1984"),
        ClassicGame("chicken", chicken, _chicken_known, "Maynard Smith 1982"),
        ClassicGame("stag_hunt", stag_hunt, _stag_known, "Skyrms 2004"),
        ClassicGame("battle_of_the_sexes", battle_of_the_sexes, _bos_known, "Osborne 2004, 4.3"),
        ClassicGame("matching_pennies", matching_pennies, _pennies_known, "Osborne 2004, 4.1"),
        ClassicGame("coordination", coordination, _coordination_known, "Osborne 2004, 4.3"),
        ClassicGame("entry_game", entry_game, _entry_known, "Osborne 2004, 5.1", degenerate=True),
    ]
}
