"""Exercises with checkers: a student answers, the package's own solvers say right or wrong, and why.

Each :class:`Exercise` has a ``prompt``, a ``check(answer)`` that returns :class:`Feedback`
(``correct`` and ``why``), and a ``solution()`` computed by the solvers (never typed in). The
checkers (:mod:`games.teaching.checkers`) explain a mismatch in the student's terms: which player gains
by switching, which threat is not credible, which player's indifference fixes a probability.

>>> ex = exercise("pd-equilibria")
>>> ex.check([("D", "D")]).correct
True
>>> print(ex.check("(C,C)", reveal=True).why)
(C,C) is not an equilibrium: Player 1 gains by switching from C to D (5 instead of 3). You missed (D,D): no player gains by switching there.

Without ``reveal``, a student's first wrong answer gets a hint that keeps the answer back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from games import markup
from games.bargaining import (BargainingProblem, kalai_smorodinsky, nash_power, nash_solution,
                              rubinstein_split)
from games.normal_form.catalogue import battle_of_the_sexes, chicken, prisoners_dilemma, stag_hunt
from games.teaching.checkers import (Feedback, judge_condition, judge_expression, judge_mixed, judge_path,
                            judge_power, judge_pure, judge_rubinstein, judge_solutions,
                            judge_threat, mixed_answer, pure_answer)
from games.errors import GameError
from games.normal_form.symbolic import symbolic_2x2
from games.trees import backward_induction, non_credible_equilibria
from games.trees.textbook import entry_deterrence

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Exercise", "Feedback", "exercise", "exercises"]


@dataclass(frozen=True)
class Exercise:
    """Show ``prompt`` to a student, pass the answer to ``check``; ``solution()`` is computed.

    Get one with :func:`exercise` (names from :func:`exercises`). The right answer comes from
    the solvers, never typed in, and ``check`` explains a wrong one. The prisoner's dilemma
    has the one equilibrium (D,D):

    >>> from games import exercise
    >>> ex = exercise("pd-equilibria")
    >>> ex.solution()
    [('D', 'D')]
    >>> ex.check(ex.solution()).correct
    True
    """

    key: str
    title: str
    prompt: str
    solve: Callable[[], Any] = field(repr=False)
    judge: Callable[[Any, Any], Feedback] = field(repr=False)
    hint: str = ""
    form: str = "an answer as the prompt shows"
    wrong_answers: list[Any] = field(default_factory=list, init=False, repr=False,
                                     compare=False)

    def solution(self) -> Any:
        """The right answer, in the form ``check`` expects, computed by the package's solvers."""
        return self.solve()

    def check(self, answer: Any, *, reveal: bool = False) -> Feedback:
        """Say whether ``answer`` is right, and why (naming the mistake if it is not).

        The first wrong answer gets a hint that does not give the right answer away; from the
        second on (or with ``reveal=True``) the feedback explains the mistake in full. An
        answer that cannot be read says how to write one, and does not count as an attempt.

        >>> from dataclasses import replace
        >>> ex = replace(exercise("pd-equilibria"))          # a fresh copy: no attempts yet
        >>> "(D,D)" in ex.check([("C", "C")]).why
        False
        >>> "(D,D)" in ex.check([("C", "C")]).why
        True
        """
        if answer is None or answer is Ellipsis:
            return Feedback(False, "no answer yet: replace the placeholder with your answer")
        try:
            found = self.judge(answer, self.solve())
        except (GameError, ValueError, TypeError, KeyError) as exc:
            mine = isinstance(exc, GameError)
            return Feedback(False, f"could not read the answer {answer!r}: "
                            + (f"{exc}; " if mine else "") + f"give {self.form}")
        if found.correct:
            return found
        self.wrong_answers.append(answer)
        if reveal or len(self.wrong_answers) > 1:
            return found
        text = (found.hint or found.why).rstrip(".") + "."
        if self.hint:
            text += f" Hint: {self.hint}"
        return Feedback(False, text + " Try again: a second wrong answer, or "
                        "check(answer, reveal=True), shows the full explanation.", found.hint)

    def __str__(self) -> str:
        return f"{self.title}\n\n{self.prompt}" + (f"\n\nHint: {self.hint}" if self.hint else "")

    def _repr_html_(self) -> str:
        hint = f"<p><i>Hint: {markup.text(self.hint)}</i></p>" if self.hint else ""
        return (f"<h4>{markup.text(self.title)} <code>{self.key}</code></h4>"
                f"<p>{markup.text(self.prompt)}</p>{hint}")


def _curve_problem() -> BargainingProblem:
    return BargainingProblem.from_issues({"x": (0.0, 1.0)}, ["x", "1 - x**2"], (0.0, 0.0),
                                         players=("A", "B"), resolution=201)


# ---- the catalogue of exercises -----------------------------------------------------------------

def _positive_pd(rng: np.random.Generator) -> dict[str, float]:
    return {k: float(v) for k, v in zip("TRPS", rng.uniform(0, 10, 4))}


def _chicken_values(rng: np.random.Generator) -> dict[str, float]:
    v = float(rng.uniform(0.5, 5))
    return {"v": v, "c": float(v + rng.uniform(0.5, 5))}


def _build() -> dict[str, Exercise]:
    pd_game, bos, hunt, tree = prisoners_dilemma(), battle_of_the_sexes(), stag_hunt(), entry_deterrence()
    pd_sym = symbolic_2x2(prisoners_dilemma(symbolic=True))
    chick = symbolic_2x2(chicken(symbolic=True))
    problem = _curve_problem()
    d1, d2 = 0.9, 0.8
    found = [
        Exercise("pd-equilibria", "Prisoner's dilemma: pure equilibria",
                 "In the prisoner's dilemma with T=5, R=3, P=1, S=0 (strategies C and D), list "
                 "every pure Nash equilibrium as (row, column), e.g. [('C', 'D')].",
                 lambda: pure_answer(pd_game), judge_pure(pd_game),
                 "at each cell, ask whether either player would switch alone.",
                 "a list of (row, column) pairs, e.g. [('C', 'D')] or '(C,D), (D,C)'"),
        Exercise("stag-hunt-equilibria", "Stag hunt: pure equilibria",
                 "In the stag hunt with stag=4, hare=3 (strategies S and H), list every pure Nash "
                 "equilibrium as (row, column).",
                 lambda: pure_answer(hunt), judge_pure(hunt),
                 "hunting stag pays only if the other does too.",
                 "a list of (row, column) pairs, e.g. [('S', 'H')] or '(S,H), (H,S)'"),
        Exercise("bos-mixed", "Battle of the sexes: the mixed equilibrium",
                 "In the battle of the sexes with a=2, b=1 (strategies B and S), give the mixed "
                 "equilibrium as (p, q): p the probability that player 1 plays B, q that player 2 "
                 "plays B. Fractions such as '2/3' are fine; decimals within 0.005 count.",
                 lambda: mixed_answer(bos), judge_mixed(bos),
                 "p must make player 2 indifferent between B and S.",
                 "two probabilities (p, q), e.g. (0.25, 0.75) or ('1/4', '3/4')"),
        Exercise("chicken-mixed-symbolic", "Chicken: the mixed equilibrium in symbols",
                 "In chicken (hawk-dove) with prize v and cost of a fight c > v > 0, write the "
                 "probability that a player plays H in the mixed equilibrium as an expression in "
                 "v and c.",
                 lambda: str(chick.p), judge_expression(("v", "c"), _chicken_values,
                                                         "the probability of D, not of H"),
                 "a hawk meeting a hawk gets (v - c)/2; make the other player indifferent.",
                 "an expression in v and c as text, e.g. '(c - v) / (2 * c)'"),
        Exercise("pd-cooperation-condition", "When is mutual cooperation an equilibrium?",
                 "In the symmetric 2x2 game with payoffs R (both C), T and S (one defects), P "
                 "(both D), write the condition on T, R, P, S under which (C,C) is a Nash "
                 "equilibrium, e.g. 'R >= P'.",
                 lambda: str(pd_sym.pure_conditions["(C,C)"]),
                 judge_condition(("T", "R", "P", "S"), _positive_pd, "(C,C)"),
                 "what does a player get by switching from C to D against C?",
                 "a condition as text, e.g. 'R >= P' or 'T > R and P > S'"),
        Exercise("entry-backward-induction", "Entry deterrence: backward induction",
                 "An entrant chooses Out (0, 2) or In; after In the incumbent chooses Fight "
                 "(-1, -1) or Accommodate (1, 1). Give the subgame-perfect path, e.g. "
                 "('In', 'Fight').",
                 lambda: tuple(backward_induction(tree).path), judge_path(tree),
                 "start at the incumbent's decision.",
                 "the actions along the path, e.g. ('In', 'Fight')"),
        Exercise("entry-non-credible", "Entry deterrence: a threat that is not credible",
                 "In the same entry game, one Nash equilibrium rests on a threat the incumbent "
                 "would not carry out. Give it as (entrant's strategy, incumbent's strategy).",
                 lambda: [tuple(eq.strategies) for eq in non_credible_equilibria(tree)],
                 judge_threat(tree),
                 "a threat is credible only if carrying it out is a best response when the time comes.",
                 "one pair (entrant's strategy, incumbent's strategy), e.g. ('In', 'Fight')"),
        Exercise("rubinstein-share", "Alternating offers: the first proposer's share",
                 f"Two players split a surplus of 1 by alternating offers, player 1 first, with "
                 f"discount factors {d1} (player 1) and {d2} (player 2) per round. What share does "
                 "player 1 get in the subgame-perfect equilibrium? (Within 0.005 counts.)",
                 lambda: rubinstein_split(d1, d2).shares[0], judge_rubinstein(d1, d2),
                 "the responder must be indifferent between accepting now and proposing next round.",
                 "one number, e.g. 0.6 or '3/5'"),
        Exercise("rubinstein-nash-power", "From Rubinstein to Nash: bargaining power",
                 "Two players bargain by alternating offers once a month, with monthly discount factors "
                 "0.99 (player 1) and 0.97 (player 2). As offers become more and more frequent, "
                 "Rubinstein's agreement tends to an asymmetric Nash solution. What is player 1's "
                 "bargaining power (the exponent of player 1's gain in the Nash product)? "
                 "(Within 0.005 counts.)",
                 lambda: nash_power(0.99, 0.97), judge_power(0.99, 0.97),
                 "with offers every t months the factors are 0.99**t and 0.97**t; let t go to 0.",
                 "one number, e.g. 0.6 or 'log(0.9) / log(0.8)'"),
        Exercise("nash-vs-kalai-smorodinsky", "Nash versus Kalai-Smorodinsky",
                 "Players A and B bargain over x in [0, 1] with utilities u_A = x and u_B = 1 - x^2 "
                 "and disagreement (0, 0). Give A's utility under each solution as "
                 "{'Nash': ..., 'Kalai-Smorodinsky': ...} (within 0.005 counts).",
                 lambda: {"Nash": nash_solution(problem).utilities[0],
                          "Kalai-Smorodinsky": kalai_smorodinsky(problem).utilities[0]},
                 judge_solutions(),
                 "the ideal point is (1, 1).",
                 "a dictionary {'Nash': 0.5, 'Kalai-Smorodinsky': 0.5}"),
    ]
    return {e.key: e for e in found}


#: Every exercise, by key (built once, on first use).
_CATALOGUE: dict[str, Exercise] = {}


def exercise(key: str) -> Exercise:
    """The exercise called ``key`` (see :func:`exercises` for the list).

    >>> exercise("rubinstein-share").check(0.5).correct
    False
    """
    if not _CATALOGUE:
        _CATALOGUE.update(_build())
    try:
        return _CATALOGUE[key]
    except KeyError:
        raise GameError(f"no exercise {key!r}; the exercises are {sorted(_CATALOGUE)}") from None


def exercises() -> pd.DataFrame:
    """A table of the exercises: key, title and prompt.

    >>> "pd-equilibria" in exercises().index
    True
    """
    import pandas as pd
    exercise("pd-equilibria")  # builds the catalogue
    return pd.DataFrame([{"key": e.key, "title": e.title, "prompt": e.prompt}
                         for e in _CATALOGUE.values()]).set_index("key")
