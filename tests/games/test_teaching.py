"""Exercise checkers: each accepts the textbook answer and rejects a wrong one, naming the mistake.

The right answers are written here from the textbooks, not taken from our solvers:
- prisoner's dilemma T=5, R=3, P=1, S=0: unique equilibrium (D,D) (Axelrod 1984);
- stag hunt 4/3: (S,S) and (H,H) (Skyrms 2004);
- battle of the sexes 2/1: mixed p = 2/3, q = 1/3 (Osborne 2004, section 4.3);
- hawk-dove with c > v: hawk with probability v/c (Maynard Smith 1982);
- (C,C) is an equilibrium of the symmetric 2x2 game iff R >= T;
- entry deterrence: subgame perfect In > Accommodate; (Out, Fight) rests on a non-credible
  threat (Selten 1978);
- Rubinstein (1982), player 1 first: share (1 - d2) / (1 - d1 d2) = 0.2 / 0.28 for d = 0.9, 0.8;
- Binmore, Rubinstein and Wolinsky (1986): as offers become frequent, player 1's Nash power is
  log d2 / (log d1 + log d2);
- u_A = x, u_B = 1 - x^2, d = (0, 0): Nash maximises x - x^3 at x = 1/sqrt(3); Kalai-Smorodinsky
  solves x = 1 - x^2, x = (sqrt(5) - 1) / 2.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games import GameError, NormalFormGame
from games.teaching.checkers import TOLERANCE, judge_pure, pure_answer
from games.teaching import Exercise, Feedback, exercise, exercises

NASH_X = 1 / math.sqrt(3)
POWER = math.log(0.97) / (math.log(0.99) + math.log(0.97))
KS_X = (math.sqrt(5) - 1) / 2

CASES = [
    # key, textbook answer, a wrong answer, words the reason must contain
    ("pd-equilibria", [("D", "D")], [("C", "C")], ["(C,C) is not an equilibrium", "from C to D"]),
    ("pd-equilibria", "(D,D)", [("C", "C"), ("D", "D")], ["(C,C)", "gains by switching"]),
    ("stag-hunt-equilibria", [("S", "S"), ("H", "H")], [("S", "S")], ["missed (H,H)"]),
    ("bos-mixed", (Fraction(2, 3), Fraction(1, 3)), (1 / 3, 2 / 3), ["swapped"]),
    ("bos-mixed", ("2/3", "1/3"), (0.5, 0.5), ["p = 0.5", "would not mix", "indifferent"]),
    ("chicken-mixed-symbolic", "v / c", "(c - v) / c", ["probability of D"]),
    ("chicken-mixed-symbolic", "v/c", "v / 2", ["your expression gives"]),
    ("pd-cooperation-condition", "T <= R", "R >= P", ["(C,C) is not an equilibrium there"]),
    ("entry-backward-induction", ("In", "Accommodate"), ("Out",), ["Incumbent after In chooses Accommodate"]),
    ("entry-non-credible", ("Out", "Fight"), ("In", "Accommodate"), ["subgame perfect"]),
    ("entry-non-credible", [("Out", "Fight")], ("In", "Fight"), ["not even a Nash equilibrium"]),
    ("rubinstein-share", 0.2 / 0.28, 0.1 / 0.28, ["proposer's own discount factor"]),
    ("rubinstein-share", "5/7", 0.5, ["equal split"]),
    ("rubinstein-nash-power", POWER, 1 - POWER, ["player 2's power", "more patient"]),
    ("rubinstein-nash-power", "log(0.97) / (log(0.99) + log(0.97))", 0.5, ["ignores the players' patience"]),
    ("nash-vs-kalai-smorodinsky", {"Nash": NASH_X, "Kalai-Smorodinsky": KS_X},
     {"Nash": KS_X, "Kalai-Smorodinsky": NASH_X}, ["swapped"]),
    ("nash-vs-kalai-smorodinsky", {"Nash": NASH_X, "Kalai-Smorodinsky": KS_X},
     {"Nash": 0.5, "Kalai-Smorodinsky": KS_X}, ["Nash is not 0.5", "product of gains"]),
]


@pytest.mark.parametrize("key, right, wrong, words", CASES)
def test_checker_accepts_the_textbook_answer(key, right, wrong, words):
    feedback = exercise(key).check(right)
    assert isinstance(feedback, Feedback)
    assert feedback.correct, feedback.why


@pytest.mark.parametrize("key, right, wrong, words", CASES)
def test_checker_rejects_a_wrong_answer_naming_the_mistake(key, right, wrong, words):
    feedback = exercise(key).check(wrong, reveal=True)
    assert not feedback.correct
    assert not feedback
    for word in words:
        assert word in feedback.why, feedback.why


def test_every_exercise_is_tested_and_its_solution_passes_its_own_checker():
    keys = set(exercises().index)
    assert keys == {c[0] for c in CASES}
    for key in keys:
        ex = exercise(key)
        assert isinstance(ex, Exercise) and ex.prompt
        assert ex.check(ex.solution()).correct


@pytest.mark.parametrize("key, answer, words", [
    ("pd-equilibria", [("C", "X")], ["no strategy 'X'"]),
    ("pd-equilibria", [("C",)], ["one per player"]),
    ("chicken-mixed-symbolic", "v / k", ["k"]),
    ("chicken-mixed-symbolic", "__import__('os')", ["refused"]),
    ("bos-mixed", ("two thirds", 0.5), ["could not read"]),
    ("rubinstein-share", None, ["no answer yet"]),
    ("rubinstein-share", "log(0)", ["no finite real value"]),
    ("chicken-mixed-symbolic", "10**299 * 10**299 * v", ["no finite real value"]),
])
def test_unreadable_answers_are_explained_not_raised(key, answer, words):
    feedback = exercise(key).check(answer)
    assert not feedback.correct
    for word in words:
        assert word in feedback.why, feedback.why


def test_unknown_exercise_lists_the_keys():
    with pytest.raises(GameError, match="pd-equilibria"):
        exercise("no-such-exercise")


def test_feedback_reads_as_a_sentence():
    assert str(Feedback(False, "you swapped them")) == "Not yet. You swapped them"
    assert "Correct." in Feedback(True, "fine")._repr_html_()


def brute_force_pure(a: np.ndarray, b: np.ndarray) -> list[tuple[int, int]]:
    """Cells where neither player gains by switching alone (the definition, cell by cell)."""
    return [(i, j) for i in range(a.shape[0]) for j in range(a.shape[1])
            if a[i, j] >= a[:, j].max() and b[i, j] >= b[i, :].max()]


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 3), st.integers(2, 3), st.data())
def test_pure_checker_agrees_with_the_definition_on_random_games(m, n, data):
    values = st.integers(-3, 3)
    a = np.array(data.draw(st.lists(values, min_size=m * n, max_size=m * n)), float).reshape(m, n)
    b = np.array(data.draw(st.lists(values, min_size=m * n, max_size=m * n)), float).reshape(m, n)
    game = NormalFormGame.from_arrays(a, b, strategies=(["r0", "r1", "r2"][:m], ["c0", "c1", "c2"][:n]))
    truth = [(f"r{i}", f"c{j}") for i, j in brute_force_pure(a, b)]
    judge = judge_pure(game)
    right = pure_answer(game)
    assert sorted(right) == sorted(truth)
    assert judge(truth, right).correct
    if truth:
        assert not judge(truth[1:], right).correct          # one equilibrium left out
    wrong = [(f"r{i}", f"c{j}") for i in range(m) for j in range(n) if (f"r{i}", f"c{j}") not in truth]
    if wrong:
        feedback = judge(truth + wrong[:1], right)
        assert not feedback.correct and "gains by switching" in feedback.why


def fresh(key: str) -> Exercise:
    """A copy of the exercise with no attempts recorded (a new student)."""
    from dataclasses import replace

    return replace(exercise(key))


# The exact answers, from the textbooks (module docstring), and how to nudge them by d.
NUMERIC = [
    ("rubinstein-share", 5 / 7, lambda x, d: x + d),
    ("rubinstein-nash-power", POWER, lambda x, d: x + d),
    ("bos-mixed", (2 / 3, 1 / 3), lambda x, d: (x[0] + d, x[1] - d)),
    ("nash-vs-kalai-smorodinsky", {"Nash": NASH_X, "Kalai-Smorodinsky": KS_X},
     lambda x, d: {"Nash": x["Nash"] - d, "Kalai-Smorodinsky": x["Kalai-Smorodinsky"] + d}),
]


@pytest.mark.parametrize("key, exact, nudge", NUMERIC)
@pytest.mark.parametrize("d", [0.9, -0.9, 1.2, -1.2])
def test_one_rounding_rule_for_every_numerical_exercise(key, exact, nudge, d):
    # Within the stated tolerance is right, beyond it is wrong, whatever the exercise.
    assert fresh(key).check(nudge(exact, d * TOLERANCE)).correct == (abs(d) < 1)
    assert "0.005" in exercise(key).prompt


@pytest.mark.parametrize("key, answer", [("rubinstein-share", 0.714), ("rubinstein-share", 0.71),
                                         ("rubinstein-nash-power", 0.752),
                                         ("bos-mixed", (0.67, 0.33)), ("bos-mixed", (0.666, 0.333)),
                                         ("nash-vs-kalai-smorodinsky",
                                          {"Nash": 0.577, "Kalai-Smorodinsky": 0.618})])
def test_answers_rounded_to_two_or_three_decimals_are_right(key, answer):
    assert fresh(key).check(answer).correct


# A wrong answer, and text of the right answer that the first feedback must not contain.
GIVEAWAYS = [
    ("pd-equilibria", [("C", "C")], ["(D,D)"]),
    ("stag-hunt-equilibria", [("S", "S")], ["(H,H)"]),
    ("chicken-mixed-symbolic", "v / 2", ["v/c", "0.422"]),
    ("pd-cooperation-condition", "R >= P", ["R >= T", "T <= R"]),
    ("entry-backward-induction", ("Out",), ["Accommodate", "In >"]),
]


@pytest.mark.parametrize("key, wrong, answer_text", GIVEAWAYS)
def test_the_first_wrong_answer_gets_a_hint_not_the_answer(key, wrong, answer_text):
    ex = fresh(key)
    first = ex.check(wrong)
    assert not first.correct and "Hint:" in first.why and "Try again" in first.why
    assert not any(t in first.why for t in answer_text), first.why
    second = ex.check(wrong)
    assert any(t in second.why for t in answer_text), second.why
    assert any(t in fresh(key).check(wrong, reveal=True).why for t in answer_text)


@pytest.mark.parametrize("key, answer", [
    ("bos-mixed", 0.66), ("bos-mixed", (2 / 3,)), ("nash-vs-kalai-smorodinsky", (0.577, 0.618)),
    ("rubinstein-share", [0.7, 0.3]), ("nash-vs-kalai-smorodinsky", {"Nash": 0.5}),
])
def test_python_errors_become_advice_on_how_to_write_the_answer(key, answer):
    why = fresh(key).check(answer).why
    for internal in ("object is not", "unpack", "dictionary update", "argument must be",
                     "Traceback"):
        assert internal not in why, why
    assert "give" in why


@pytest.mark.parametrize("key, answer", [("bos-mixed", "2/3, 1/3"), ("bos-mixed", "(2/3, 1/3)"),
                                         ("stag-hunt-equilibria", "[(S,S),(H,H)]"),
                                         ("stag-hunt-equilibria", "[('S','S'), ('H','H')]")])
def test_answers_written_as_text_are_read(key, answer):
    assert fresh(key).check(answer).correct


def test_a_strict_inequality_is_not_the_weak_one():
    # (C,C) is a (weak) equilibrium at R = T: nobody gains by switching.
    ex = fresh("pd-cooperation-condition")
    strict = ex.check("R > T", reveal=True)
    assert not strict.correct and "tie" in strict.why and "R = T" in strict.why
    for same in ("R >= T", "T <= R", "not (T > R)"):
        assert ex.check(same).correct, same


def test_the_student_notebook_draws_no_answer_above_the_answer_cell():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "notebooks" / "04-teaching-game-theory.ipynb"
    code = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"]
    tables = [c for c in code if "plot_payoff_table(" in c]
    assert tables and all("mark_best_responses=False" in c for c in tables
                          if "symbolic=True" not in c)
    assert not any("plot_tree(" in c and "backward_induction" in c for c in code)


@pytest.mark.parametrize("answer, words", [(("in", "accommodate"), ["not a path", "In, Out"]),
                                           (("Out", "Fight"), ["not a path"]),
                                           (("In",), ["whole path"])])
def test_misspelt_or_unfinished_paths_are_not_called_bad_reasoning(answer, words):
    why = fresh("entry-backward-induction").check(answer).why
    assert "solve from the end" not in why.lower()
    for word in words:
        assert word in why, why
