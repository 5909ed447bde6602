"""Checkers for exercises: is an answer right, and if not, which mistake does it make?

Each ``judge_*`` function takes the object of an exercise (a game, a tree, discount factors)
and returns ``judge(answer, right) -> Feedback``, where ``right`` is the answer computed by the
package's solvers. A mismatch is explained in the student's terms: which player gains by
switching, which probability was swapped, which threat would not be carried out.

>>> from games.normal_form.catalogue import prisoners_dilemma
>>> judge = judge_pure(prisoners_dilemma())
>>> judge([("D", "C")], [("D", "D")]).why
'(D,C) is not an equilibrium: Player 2 gains by switching from C to D (1 instead of 0). You missed (D,D): no player gains by switching there.'
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from games.normal_form.equilibria import equilibria, pure_equilibria
from games.errors import ExpressionError, GameError
from games.expressions import Expression, parse_expression
from games.normal_form import NormalFormGame
from games.trees import GameTree, backward_induction, non_credible_equilibria, reduced_normal_form

__all__ = ["Feedback", "judge_pure", "judge_mixed", "judge_expression", "judge_condition",
           "judge_path", "judge_threat", "judge_rubinstein", "judge_power", "judge_solutions",
           "pure_answer", "mixed_answer"]


@dataclass(frozen=True)
class Feedback:
    """Read ``correct`` and ``why`` (the mistake, in words); true when the answer is correct.

    Returned by :meth:`Exercise.check`; ``why`` names the mistake in the student's terms.

    >>> from games import exercise
    >>> feedback = exercise("pd-equilibria").check([("C", "C")])
    >>> bool(feedback), feedback.why.startswith("(C,C) is not an equilibrium")
    (False, True)
    """

    correct: bool
    why: str

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return ("Correct. " if self.correct else "Not yet. ") + _sentence(self.why)

    def _repr_html_(self) -> str:
        colour, head = ("#2e7d32", "Correct.") if self.correct else ("#c62828", "Not yet.")
        return f'<p><b style="color:{colour}">{head}</b> {html.escape(_sentence(self.why))}</p>'


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---- reading answers ------------------------------------------------------------------------

def _value(expr: Expression, point: dict[str, float] | None = None) -> float:
    """The value of an answer's expression at a point, or an ExpressionError saying why not.

    The parser folds constants exactly, so 'log(0)' or '10**299 * 10**299' only fail here,
    when the value is computed.
    """
    try:
        return float(expr(**(point or {})))
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ExpressionError(f"{expr.text!r} has no finite real value (a division by zero, a "
                              "log of zero or of a negative number, or a number too large)"
                              ) from None


def _number(value: Any) -> float:
    """A number from a float, a Fraction or a text such as '2/3' (read by the safe parser)."""
    if isinstance(value, str):
        return _value(parse_expression(value, names=(), where="answer"))
    if isinstance(value, Fraction):
        return float(value)
    return float(value)


def _profiles(answer: Any) -> list[tuple[str, ...]]:
    """Pure profiles from '(D,D)', ('D', 'D'), or a list of either."""
    if isinstance(answer, str):
        parts = [p for p in answer.replace(" ", "").split(")") if p.strip("(,;")]
        return [tuple(p.strip("(,;").split(",")) for p in parts]
    items = list(answer)
    if items and all(isinstance(a, str) for a in items) and not any("," in a for a in items):
        return [tuple(items)]
    found: list[tuple[str, ...]] = []
    for item in items:
        found += _profiles(item) if isinstance(item, str) else [tuple(item)]
    return found


def _label(profile: Iterable[str]) -> str:
    return "(" + ",".join(profile) + ")"


# ---- normal-form games ------------------------------------------------------------------------

def pure_answer(game: NormalFormGame) -> list[tuple[str, ...]]:
    return [tuple(game.strategies[k][int(np.argmax(s))] for k, s in enumerate(eq.strategies))
            for eq in pure_equilibria(game)]


def _switch_gain(game: NormalFormGame, profile: tuple[str, ...]) -> str | None:
    """Why a pure profile is not an equilibrium (a player's best switch), or None if it is."""
    cell = tuple(game.strategies[k].index(s) for k, s in enumerate(profile))
    for k in range(game.n_players):
        here = float(game.payoffs[k][cell])
        for alt, name in enumerate(game.strategies[k]):
            other = cell[:k] + (alt,) + cell[k + 1:]
            there = float(game.payoffs[k][other])
            if there > here + 1e-12:
                return (f"{game.players[k]} gains by switching from {profile[k]} to {name} "
                        f"({there:g} instead of {here:g})")
    return None


def judge_pure(game: NormalFormGame) -> Callable[[Any, Any], Feedback]:
    def judge(answer: Any, right: list[tuple[str, ...]]) -> Feedback:
        given = _profiles(answer)
        reasons = []
        for profile in given:
            if len(profile) != game.n_players:
                return Feedback(False, f"{_label(profile)} names {len(profile)} strategies; give "
                                f"one per player ({game.n_players}), e.g. {_label(right[0]) if right else '(C,D)'}")
            for k, s in enumerate(profile):
                if s not in game.strategies[k]:
                    return Feedback(False, f"{game.players[k]} has no strategy {s!r}; the "
                                    f"strategies are {', '.join(game.strategies[k])}")
            if profile not in right:
                reasons.append(f"{_label(profile)} is not an equilibrium: "
                               f"{_switch_gain(game, profile)}.")
        for profile in right:
            if profile not in given:
                reasons.append(f"You missed {_label(profile)}: no player gains by switching there.")
        if reasons:
            return Feedback(False, " ".join(reasons))
        listed = ", ".join(_label(p) for p in right) or "none"
        return Feedback(True, f"the pure equilibria are {listed}: at each, no player gains by "
                        "switching alone.")
    return judge


def mixed_answer(game: NormalFormGame) -> tuple[float, float]:
    for eq in equilibria(game):
        if all((s > 1e-9).sum() == 2 for s in eq.strategies):
            return float(eq.strategies[0][0]), float(eq.strategies[1][0])
    raise GameError(f"{game.title}: no fully mixed equilibrium")


def judge_mixed(game: NormalFormGame) -> Callable[[Any, Any], Feedback]:
    (a, b), (c, d) = game.strategies

    def payoffs_against(player: int, p: float) -> tuple[float, float]:
        # The other player's payoff from each strategy when `player` mixes with p on its first.
        mix = np.array([p, 1 - p])
        other = game.payoffs[1 - player]
        table = other if player == 0 else other.T
        values = mix @ table
        return float(values[0]), float(values[1])

    def judge(answer: Any, right: tuple[float, float]) -> Feedback:
        p, q = (_number(v) for v in answer)
        if np.allclose((p, q), right, atol=1e-6):
            return Feedback(True, f"p = {Fraction(right[0]).limit_denominator(1000)} makes "
                            f"{game.players[1]} indifferent between {c} and {d}, and q = "
                            f"{Fraction(right[1]).limit_denominator(1000)} makes "
                            f"{game.players[0]} indifferent between {a} and {b}.")
        if np.allclose((q, p), right, atol=1e-6) or np.allclose((1 - p, 1 - q), right, atol=1e-6):
            what = ("swapped the two players' probabilities" if np.allclose((q, p), right, atol=1e-6)
                    else "gave each player's probability of their second strategy")
            return Feedback(False, f"you {what}. Each player's mix is fixed by the *other* "
                            "player's indifference: p is what makes the column player indifferent.")
        reasons = []
        for who, value, strategies, which in ((0, p, (c, d), "p"), (1, q, (a, b), "q")):
            if not np.isclose(value, right[who], atol=1e-6):
                u1, u2 = payoffs_against(who, value)
                reasons.append(f"with {which} = {value:.4g}, {game.players[1 - who]} gets "
                               f"{u1:.4g} from {strategies[0]} and {u2:.4g} from {strategies[1]}, so "
                               "would not mix")
        return Feedback(False, "; ".join(reasons) + ". In a mixed equilibrium each player makes "
                        "the other indifferent.")
    return judge


# ---- symbolic 2x2 -----------------------------------------------------------------------------

def _samples(names: tuple[str, ...], draw: Callable[[np.random.Generator], dict[str, float]]
             ) -> list[dict[str, float]]:
    rng = np.random.default_rng(7)
    return [draw(rng) for _ in range(12)]


def judge_expression(names: tuple[str, ...], draw, complement_hint: str
                      ) -> Callable[[Any, Any], Feedback]:
    def judge(answer: Any, right: Any) -> Feedback:
        try:
            mine = parse_expression(str(answer), names=names, where="answer")
        except ExpressionError as exc:
            return Feedback(False, str(exc))
        target = parse_expression(str(right), names=names)
        for point in _samples(names, draw):
            got, want = _value(mine, point), _value(target, point)
            if not np.isclose(got, want, rtol=1e-9, atol=1e-12):
                at = ", ".join(f"{k}={v:.3g}" for k, v in point.items())
                extra = f" That is {complement_hint}." if np.isclose(got, 1 - want) else ""
                return Feedback(False, f"at {at} your expression gives {got:.4g} but the mixed "
                                f"equilibrium has {want:.4g} (= {right}).{extra}")
        return Feedback(True, f"{answer} agrees with the closed form {right} at every point tried.")
    return judge


def judge_condition(names: tuple[str, ...], draw, profile: str) -> Callable[[Any, Any], Feedback]:
    def judge(answer: Any, right: Any) -> Feedback:
        try:
            mine = parse_expression(str(answer), names=names, where="answer")
        except ExpressionError as exc:
            return Feedback(False, str(exc))
        target = parse_expression(str(right), names=names)
        for point in _samples(names, draw):
            got, want = bool(_value(mine, point)), bool(_value(target, point))
            if got != want:
                at = ", ".join(f"{k}={v:g}" for k, v in point.items())
                truth = "is" if want else "is not"
                return Feedback(False, f"at {at} your condition says {got} but {profile} {truth} "
                                f"an equilibrium there (the condition is {right}).")
        return Feedback(True, f"{answer} holds exactly where {profile} is an equilibrium ({right}).")
    return judge


# ---- trees ------------------------------------------------------------------------------------

def judge_path(tree: GameTree) -> Callable[[Any, Any], Feedback]:
    def judge(answer: Any, right: tuple[str, ...]) -> Feedback:
        given = tuple(answer) if not isinstance(answer, str) else tuple(
            a.strip() for a in answer.replace(">", ",").split(",") if a.strip())
        if given == right:
            return Feedback(True, f"backward induction gives {' > '.join(right)}: each mover's "
                            "choice is best given what follows it.")
        spe = backward_induction(tree)
        later = [row for _, row in spe.to_frame().iterrows() if row["node"] != "at the root"]
        reasons = "; ".join(f"{row['player']} {row['node']} chooses {row['action']}" for row in later)
        return Feedback(False, f"you gave {' > '.join(given) or 'nothing'}, but solve from the end: "
                        f"{reasons}. Knowing that, the first mover's best move is {right[0]}, "
                        f"so the path is {' > '.join(right)}.")
    return judge


def judge_threat(tree: GameTree) -> Callable[[Any, Any], Feedback]:
    def judge(answer: Any, right: list[tuple[str, ...]]) -> Feedback:
        given = _profiles(answer)
        if len(given) == 1 and given[0] in right:
            eq = non_credible_equilibria(tree)[right.index(given[0])]
            return Feedback(True, f"{_label(given[0])} is a Nash equilibrium, but {eq.threats[0]}.")
        spe = tuple(backward_induction(tree).path)
        form = reduced_normal_form(tree)
        for profile in given:
            if profile in right:
                continue
            if len(profile) != len(form.strategies) or any(
                    s not in names for s, names in zip(profile, form.strategies)):
                return Feedback(False, f"{_label(profile)}: give one strategy per player from "
                                f"{' and '.join(', '.join(n) for n in form.strategies)}")
            if set(spe) <= set(profile):
                return Feedback(False, f"{_label(profile)} is subgame perfect: every threat in it "
                                "would be carried out. Look for the equilibrium where a player "
                                "threatens a move that hurts themselves.")
            gain = _switch_gain(form, profile)
            if gain is not None:
                return Feedback(False, f"{_label(profile)} is not even a Nash equilibrium: {gain}.")
        return Feedback(False, f"{', '.join(_label(p) for p in given) or 'nothing'}: not the "
                        "answer. Find the Nash equilibria of the normal form first, then ask at "
                        "each whether the threatened move is a best response where it would be made.")
    return judge


# ---- bargaining -------------------------------------------------------------------------------

def judge_rubinstein(d1: float, d2: float) -> Callable[[Any, Any], Feedback]:
    def judge(answer: Any, right: float) -> Feedback:
        x = _number(answer)
        if np.isclose(x, right, atol=1e-4):
            return Feedback(True, f"the first proposer gets (1 - d2) / (1 - d1 d2) = {right:.4g}: "
                            f"just enough is offered that the responder is indifferent between "
                            "accepting and proposing next round.")
        swapped = (1 - d1) / (1 - d1 * d2)
        if np.isclose(x, swapped, atol=1e-4):
            why = ("you used the proposer's own discount factor; the proposer's share is set by "
                   "the responder's impatience: (1 - d2) / (1 - d1 d2)")
        elif np.isclose(x, 0.5, atol=1e-4):
            why = "an equal split ignores who proposes first and who is more patient"
        elif np.isclose(x, 1 - right, atol=1e-4):
            why = "that is the responder's share"
        else:
            why = (f"the responder accepts x if 1 - x >= d2 y, where y is what they would get "
                   "proposing next round; solve the two indifference conditions together")
        return Feedback(False, f"{x:.4g} is not the first proposer's share ({why}).")
    return judge


def judge_power(d1: float, d2: float) -> Callable[[Any, Any], Feedback]:
    """Check player 1's Nash bargaining power in the limit of frequent offers."""
    def judge(answer: Any, right: float) -> Feedback:
        x = _number(answer)
        if np.isclose(x, right, atol=1e-3):
            return Feedback(True, f"player 1's power is log d2 / (log d1 + log d2) = {right:.4g}: as "
                            "offers become frequent, Rubinstein's split tends to the asymmetric Nash "
                            "solution with this power, and the more patient player has more of it.")
        if np.isclose(x, 1 - right, atol=1e-3):
            why = ("that is player 2's power: the more patient player (the discount factor closer "
                   f"to 1, here {'player 1' if d1 > d2 else 'player 2'}) has more")
        elif np.isclose(x, 0.5, atol=1e-3):
            why = "0.5 is the symmetric Nash solution, which ignores the players' patience"
        elif np.isclose(x, (1 - d2) / (1 - d1 * d2), atol=1e-3):
            why = ("that is the first proposer's share with one offer a month; the power is the "
                   "limit as offers become frequent, where moving first no longer matters")
        else:
            why = "compare each player's cost of waiting: -log d per period"
        return Feedback(False, f"{x:.4g} is not player 1's power ({why}).")
    return judge


def judge_solutions() -> Callable[[Any, Any], Feedback]:
    def judge(answer: Any, right: dict[str, float]) -> Feedback:
        given = {str(k): _number(v) for k, v in dict(answer).items()}
        missing = sorted(set(right) - set(given))
        if missing:
            return Feedback(False, f"give A's utility under each of {sorted(right)}; missing {missing}")
        wrong = [k for k in right if not np.isclose(given[k], right[k], atol=2e-3)]
        if not wrong:
            return Feedback(True, f"Nash maximises the product u_A u_B = x (1 - x^2) at x = "
                            f"{right['Nash']:.4g}; Kalai-Smorodinsky gives each side the same share "
                            f"of its best (both best are 1), u_A = u_B, at x = "
                            f"{right['Kalai-Smorodinsky']:.4g}.")
        if np.isclose(given.get("Nash", np.nan), right["Kalai-Smorodinsky"], atol=2e-3) and \
                np.isclose(given.get("Kalai-Smorodinsky", np.nan), right["Nash"], atol=2e-3):
            return Feedback(False, "you swapped the two: Nash maximises the product of gains, "
                            "Kalai-Smorodinsky equalises gains relative to each side's best.")
        reasons = {"Nash": "Nash maximises the product of gains x (1 - x^2): set its derivative "
                           "1 - 3x^2 to zero",
                   "Kalai-Smorodinsky": "Kalai-Smorodinsky puts both sides at the same share of "
                                        "their best (1 for each), so x = 1 - x^2"}
        return Feedback(False, "; ".join(f"{k} is not {given[k]:.4g} ({reasons[k]})" for k in wrong) + ".")
    return judge


