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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from games import markup
from games.normal_form.equilibria import equilibria, pure_equilibria
from games.errors import ExpressionError, GameError
from games.expressions import Expression, parse_expression
from games.normal_form import NormalFormGame
from games.trees import (GameTree, Terminal, backward_induction, non_credible_equilibria,
                         reduced_normal_form)

__all__ = ["TOLERANCE", "Feedback", "close_enough", "judge_pure", "judge_mixed", "judge_expression", "judge_condition",
           "judge_path", "judge_threat", "judge_rubinstein", "judge_power", "judge_solutions",
           "pure_answer", "mixed_answer"]


@dataclass(frozen=True)
class Feedback:
    """The verdict on an answer: ``correct`` and, in words, ``why``.

    ``hint`` is what to say about a wrong answer without giving the right one away (empty:
    ``why`` gives nothing away); :meth:`games.teaching.Exercise.check` shows it first.

    >>> from games import exercise
    >>> feedback = exercise("pd-equilibria").check([("C", "C")])
    >>> bool(feedback)
    False
    """

    correct: bool
    why: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return ("Correct. " if self.correct else "Not yet. ") + _sentence(self.why)

    def _repr_html_(self) -> str:
        colour, head = ("#2e7d32", "Correct.") if self.correct else ("#c62828", "Not yet.")
        return f'<p><b style="color:{colour}">{head}</b> {markup.text(_sentence(self.why))}</p>'


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


#: How far a numerical answer may be from the exact value and still be right, in every
#: exercise: two decimal places are enough (0.714 and 0.71 for 5/7 alike).
TOLERANCE = 0.005


def close_enough(answer: float, exact: float) -> bool:
    """The one rounding rule: right if within :data:`TOLERANCE` of the exact value.

    >>> close_enough(0.714, 5 / 7), close_enough(0.67, 2 / 3), close_enough(0.70, 5 / 7)
    (True, True, False)
    """
    return bool(abs(float(answer) - float(exact)) <= TOLERANCE + 1e-12)


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
        text = answer.translate(str.maketrans("", "", " []'\""))
        parts = [p for p in text.split(")") if p.strip("(,;")]
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
                count = f"{len(profile)} strateg{'y' if len(profile) == 1 else 'ies'}"
                return Feedback(False, f"{_label(profile)} names {count}; give "
                                f"one per player ({game.n_players}), e.g. {_label(right[0]) if right else '(C,D)'}")
            for k, s in enumerate(profile):
                if s not in game.strategies[k]:
                    return Feedback(False, f"{game.players[k]} has no strategy {s!r}; the "
                                    f"strategies are {', '.join(game.strategies[k])}")
            if profile not in right:
                reasons.append(f"{_label(profile)} is not an equilibrium: "
                               f"{_switch_gain(game, profile)}.")
        hint = list(reasons)
        missed = [p for p in right if p not in given]
        for profile in missed:
            reasons.append(f"You missed {_label(profile)}: no player gains by switching there.")
        if missed:
            hint.append(f"There {'is' if len(missed) == 1 else 'are'} {len(missed)} more "
                        f"equilibri{'um' if len(missed) == 1 else 'a'} to find: check every cell.")
        if reasons:
            return Feedback(False, " ".join(reasons), " ".join(hint))
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

    def near(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return close_enough(a[0], b[0]) and close_enough(a[1], b[1])

    def judge(answer: Any, right: tuple[float, float]) -> Feedback:
        if isinstance(answer, str):  # '2/3, 1/3' or '(2/3, 1/3)'
            answer = answer.strip().strip("()[]").split(",")
        if isinstance(answer, (int, float, Fraction)) or len(answer) != 2:
            raise ValueError("not a pair")
        p, q = (_number(v) for v in answer)
        if near((p, q), right):
            return Feedback(True, f"p = {Fraction(right[0]).limit_denominator(1000)} makes "
                            f"{game.players[1]} indifferent between {c} and {d}, and q = "
                            f"{Fraction(right[1]).limit_denominator(1000)} makes "
                            f"{game.players[0]} indifferent between {a} and {b}.")
        if near((q, p), right) or near((1 - p, 1 - q), right):
            what = ("swapped the two players' probabilities" if near((q, p), right)
                    else "gave each player's probability of their second strategy")
            return Feedback(False, f"you {what}. Each player's mix is fixed by the *other* "
                            "player's indifference: p is what makes the column player indifferent.")
        reasons = []
        for who, value, strategies, which in ((0, p, (c, d), "p"), (1, q, (a, b), "q")):
            if not close_enough(value, right[who]):
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
                                f"equilibrium has {want:.4g} (= {right}).{extra}",
                                f"at {at} your expression gives {got:.4g}, which does not make "
                                f"the other player indifferent there.{extra}")
        return Feedback(True, f"{answer} agrees with the closed form {right} at every point tried.")
    return judge


def judge_condition(names: tuple[str, ...], draw, profile: str) -> Callable[[Any, Any], Feedback]:
    """Compare conditions at random points and at ties (two quantities equal), so that a strict
    inequality is told from a weak one: at R = T, 'R >= T' holds and 'R > T' does not.
    """
    def points() -> list[tuple[dict[str, float], str]]:
        random = _samples(names, draw)
        found = [(point, "") for point in random]  # random points first, then the ties
        for point in random:
            for a in names:  # set b equal to a
                for b in names:
                    if a < b:
                        found.append(({**point, b: point[a]}, f"{a} = {b}"))
        return found

    def judge(answer: Any, right: Any) -> Feedback:
        try:
            mine = parse_expression(str(answer), names=names, where="answer", condition=True)
        except ExpressionError as exc:
            return Feedback(False, str(exc))
        target = parse_expression(str(right), names=names, condition=True)
        for point, tie in points():
            got, want = bool(_value(mine, point)), bool(_value(target, point))
            if got != want:
                at = ", ".join(f"{k}={v:.4g}" for k, v in point.items())
                truth = "is" if want else "is not"
                said = (f"at {at} your condition says {got} but {profile} {truth} an "
                        "equilibrium there")
                if tie:
                    said += (f" (a tie, {tie}: a player who gains nothing by switching has no "
                             "reason to switch; check strict > against weak >=)")
                return Feedback(False, f"{said} (the condition is {right}).", f"{said}.")
        return Feedback(True, f"{answer} holds exactly where {profile} is an equilibrium ({right}), "
                        "ties included.")
    return judge


# ---- trees ------------------------------------------------------------------------------------

def judge_path(tree: GameTree) -> Callable[[Any, Any], Feedback]:
    def judge(answer: Any, right: tuple[str, ...]) -> Feedback:
        given = tuple(answer) if not isinstance(answer, str) else tuple(
            a.strip() for a in answer.replace(">", ",").split(",") if a.strip())
        if given == right:
            return Feedback(True, f"backward induction gives {' > '.join(right)}: each mover's "
                            "choice is best given what follows it.")
        histories = {h for h, _ in tree.walk()}
        ends = {h for h, n in tree.walk() if not isinstance(n, Terminal)}
        if given not in histories:  # a misspelt action, or one that cannot follow the last
            names = sorted({a for h in histories for a in h})
            raise GameError(f"{' > '.join(given)} is not a path of this tree; the actions are "
                            f"{', '.join(names)} (spelt as here)")
        if given in ends:
            return Feedback(False, f"{' > '.join(given) or 'nothing'} stops before the game "
                            "ends: give the whole path, from the first move to the end.")
        spe = backward_induction(tree)
        later = [row for _, row in spe.to_frame().iterrows() if row["node"] != "at the root"]
        reasons = "; ".join(f"{row['player']} {row['node']} chooses {row['action']}" for row in later)
        gave = ' > '.join(given) or 'nothing'
        return Feedback(False, f"you gave {gave}, but solve from the end: "
                        f"{reasons}. Knowing that, the first mover's best move is {right[0]}, "
                        f"so the path is {' > '.join(right)}.",
                        f"you gave {gave}. Solve from the end: at the last decision, which "
                        "action is best for the player who moves there? Then step back.")
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
        if close_enough(x, right):
            return Feedback(True, f"the first proposer gets (1 - d2) / (1 - d1 d2) = {right:.4g}: "
                            f"just enough is offered that the responder is indifferent between "
                            "accepting and proposing next round.")
        swapped = (1 - d1) / (1 - d1 * d2)
        if close_enough(x, swapped):
            why = ("you used the proposer's own discount factor; the proposer's share is set by "
                   "the responder's impatience: (1 - d2) / (1 - d1 d2)")
        elif close_enough(x, 0.5):
            why = "an equal split ignores who proposes first and who is more patient"
        elif close_enough(x, 1 - right):
            why = "that is the responder's share"
        else:
            why = ("the responder accepts x if 1 - x >= d2 y, where y is what they would get "
                   "proposing next round; solve the two indifference conditions together")
        return Feedback(False, f"{x:.4g} is not the first proposer's share ({why}).")
    return judge


def judge_power(d1: float, d2: float) -> Callable[[Any, Any], Feedback]:
    """Check player 1's Nash bargaining power in the limit of frequent offers."""
    def judge(answer: Any, right: float) -> Feedback:
        x = _number(answer)
        if close_enough(x, right):
            return Feedback(True, f"player 1's power is log d2 / (log d1 + log d2) = {right:.4g}: as "
                            "offers become frequent, Rubinstein's split tends to the asymmetric Nash "
                            "solution with this power, and the more patient player has more of it.")
        if close_enough(x, 1 - right):
            why = ("that is player 2's power: the more patient player (the discount factor closer "
                   f"to 1, here {'player 1' if d1 > d2 else 'player 2'}) has more")
        elif close_enough(x, 0.5):
            why = "0.5 is the symmetric Nash solution, which ignores the players' patience"
        elif close_enough(x, (1 - d2) / (1 - d1 * d2)):
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
        wrong = [k for k in right if not close_enough(given[k], right[k])]
        if not wrong:
            return Feedback(True, f"Nash maximises the product u_A u_B = x (1 - x^2) at x = "
                            f"{right['Nash']:.4g}; Kalai-Smorodinsky gives each side the same share "
                            f"of its best (both best are 1), u_A = u_B, at x = "
                            f"{right['Kalai-Smorodinsky']:.4g}.")
        if close_enough(given["Nash"], right["Kalai-Smorodinsky"]) and \
                close_enough(given["Kalai-Smorodinsky"], right["Nash"]):
            return Feedback(False, "you swapped the two: Nash maximises the product of gains, "
                            "Kalai-Smorodinsky equalises gains relative to each side's best.")
        reasons = {"Nash": "Nash maximises the product of gains x (1 - x^2): set its derivative "
                           "1 - 3x^2 to zero",
                   "Kalai-Smorodinsky": "Kalai-Smorodinsky puts both sides at the same share of "
                                        "their best (1 for each), so x = 1 - x^2"}
        return Feedback(False, "; ".join(f"{k} is not {given[k]:.4g} ({reasons[k]})" for k in wrong) + ".")
    return judge


