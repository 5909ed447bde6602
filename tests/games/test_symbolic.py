"""Closed-form 2x2 equilibria: textbook answers, and agreement with numeric solvers."""

from __future__ import annotations

import itertools

import nashpy
import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from games.errors import InvalidGameError, ParameterError
from games.normal_form import NormalFormGame
from games.normal_form.symbolic import symbolic_2x2

from games.normal_form.equilibria import equilibria as solve  # a second, independent cross-check

SYMBOLS = sympy.symbols("a0 a1 a2 a3 b0 b1 b2 b3", real=True)
A_SYM = [[SYMBOLS[0], SYMBOLS[1]], [SYMBOLS[2], SYMBOLS[3]]]
B_SYM = [[SYMBOLS[4], SYMBOLS[5]], [SYMBOLS[6], SYMBOLS[7]]]
GENERAL = symbolic_2x2(A_SYM, B_SYM)  # solved once, evaluated at many points below


def pure_equilibria_by_brute_force(A, B):
    """Profiles where neither player has a strictly better reply (direct check)."""
    return {(i, j) for i, j in itertools.product(range(2), range(2))
            if A[i, j] >= A[1 - i, j] and B[i, j] >= B[i, 1 - j]}


payoff_values = st.integers(-6, 6)


@settings(max_examples=120, deadline=None)
@given(values=st.lists(payoff_values, min_size=8, max_size=8))
def test_pure_conditions_agree_with_best_response_check(values):
    A = np.array(values[:4], dtype=float).reshape(2, 2)
    B = np.array(values[4:], dtype=float).reshape(2, 2)
    result = GENERAL.evaluate(**{str(s): v for s, v in zip(SYMBOLS, values)})
    found = {(i, j) for (i, j), label in zip(itertools.product(range(2), range(2)),
                                             ["(s1,s1)", "(s1,s2)", "(s2,s1)", "(s2,s2)"])
             if result.holds[label]}
    assert found == pure_equilibria_by_brute_force(A, B)
    # The symbolic conditions, substituted exactly, say the same.
    exact = {s: sympy.Integer(v) for s, v in zip(SYMBOLS, values)}
    symbolic = {label for label, condition in GENERAL.pure_conditions.items()
                if bool(condition.subs(exact))}
    assert symbolic == {label for label in result.holds if label != "mixed" and result.holds[label]}


@settings(max_examples=120, deadline=None)
@given(values=st.lists(st.floats(-10, 10, allow_nan=False).map(lambda x: round(x, 3)),
                       min_size=8, max_size=8))
def test_mixed_equilibrium_matches_vertex_enumeration(values):
    A = np.array(values[:4]).reshape(2, 2)
    B = np.array(values[4:]).reshape(2, 2)
    # Nondegenerate games only: there the equilibria are isolated and the two must agree.
    assume(min(abs(A[0, 0] - A[1, 0]), abs(A[0, 1] - A[1, 1]),
               abs(B[0, 0] - B[0, 1]), abs(B[1, 0] - B[1, 1])) > 1e-3)
    result = GENERAL.evaluate(**{str(s): v for s, v in zip(SYMBOLS, values)})
    assert not result.degenerate
    numeric = [(x, y) for x, y in nashpy.Game(A, B).vertex_enumeration()
               if np.all((x > 1e-9) & (x < 1 - 1e-9)) and np.all((y > 1e-9) & (y < 1 - 1e-9))]
    assert bool(result.holds["mixed"]) == (len(numeric) == 1)
    ours = solve(NormalFormGame.from_arrays(A, B), method="support")
    mixed = [e for e in ours if all(len(s) == 2 for s in e.support)]
    assert len(mixed) == len(numeric)
    pure = sum(e.is_pure for e in ours)
    assert pure == sum(bool(result.holds[k]) for k in list(result.holds)[:4])
    if numeric:
        x, y = numeric[0]
        assert result.p == pytest.approx(x[0], abs=1e-9)
        assert result.q == pytest.approx(y[0], abs=1e-9)
        # And the closed form itself, substituted exactly, gives the same numbers.
        exact = {s: sympy.Rational(str(v)) for s, v in zip(SYMBOLS, values)}
        assert float(GENERAL.p.subs(exact)) == pytest.approx(x[0], abs=1e-9)
        assert float(GENERAL.q.subs(exact)) == pytest.approx(y[0], abs=1e-9)


# Textbook closed forms (Osborne 2004, ch. 4): one record per game.
T, R, P, S = sympy.symbols("T R P S", real=True)
v, c = sympy.symbols("v c", positive=True)
CASES = [
    # matching pennies: the unique equilibrium mixes half-half
    ("matching pennies", [[1, -1], [-1, 1]], [[-1, 1], [1, -1]], sympy.Rational(1, 2),
     sympy.Rational(1, 2), set()),
    # battle of the sexes 2/1: the row player plays her favourite with probability 2/3
    ("battle of the sexes", [[2, 0], [0, 1]], [[1, 0], [0, 2]], sympy.Rational(2, 3),
     sympy.Rational(1, 3), {"(s1,s1)", "(s2,s2)"}),
    # hawk-dove with value v and cost c > v: hawk with probability v/c
    ("hawk-dove", [[(v - c) / 2, v], [0, v / 2]], [[(v - c) / 2, 0], [v, v / 2]], v / c, v / c,
     None),
]


@pytest.mark.parametrize("name, A, B, p, q, pure", CASES, ids=[case[0] for case in CASES])
def test_textbook_mixed_equilibria(name, A, B, p, q, pure):
    result = symbolic_2x2(A, B)
    assert sympy.simplify(result.p - p) == 0
    assert sympy.simplify(result.q - q) == 0
    if pure is not None:
        assert {label for label, cond in result.pure_conditions.items() if cond == sympy.true} == pure


def test_prisoners_dilemma_conditions_read_like_the_textbook():
    pd = symbolic_2x2([[R, S], [T, P]], [[R, T], [S, P]], strategies=[("C", "D"), ("C", "D")])
    assert pd.pure_conditions["(D,D)"] == sympy.Ge(P, S)
    assert pd.pure_conditions["(C,C)"] == sympy.Ge(R, T)
    # T > R > P > S: only mutual defection, and no mixed equilibrium
    at = pd.evaluate(T=5, R=3, P=1, S=0)
    assert at.equilibria() == ["(D,D)"]
    # with R > T (no temptation) cooperation becomes an equilibrium too: a stag hunt
    assert pd.evaluate(T=2, R=3, P=1, S=0).equilibria() == ["(C,C)", "(D,D)", "mixed"]


def test_hawk_dove_condition_depends_on_cost():
    result = symbolic_2x2(*CASES[2][1:3], strategies=[("H", "D"), ("H", "D")])
    low_cost = result.evaluate(v=2, c=1)   # fighting pays: hawk is dominant
    high_cost = result.evaluate(v=2, c=4)  # anti-coordination: (H,D), (D,H) and the mix
    assert low_cost.equilibria() == ["(H,H)"]
    assert high_cost.equilibria() == ["(H,D)", "(D,H)", "mixed"]
    assert high_cost.p == pytest.approx(0.5)


def test_from_symbolic_normal_form_game():
    game = NormalFormGame.from_expressions(
        [[["a", "0"], ["0", "b"]], [["b", "0"], ["0", "a"]]], {"a": 2.0, "b": 1.0},
        strategies=[("F", "O"), ("F", "O")])
    result = symbolic_2x2(game)
    a, b = sympy.Symbol("a", real=True), sympy.Symbol("b", real=True)
    assert sympy.simplify(result.p - a / (a + b)) == 0
    grid = result.evaluate(a=np.array([2.0, -1.0]), b=1.0)
    assert grid.holds["mixed"].tolist() == [True, False]
    assert grid.holds["(O,O)"].tolist() == [True, False]
    assert "mixed" in str(result) and "a/(a + b)" in str(result)


def test_ties_are_equilibria_and_flagged_degenerate():
    result = symbolic_2x2([[0, 0], [0, 0]], [[0, 0], [0, 0]])
    at = result.evaluate()
    assert at.equilibria() == ["(s1,s1)", "(s1,s2)", "(s2,s1)", "(s2,s2)"]
    assert bool(at.degenerate)


def test_each_player_is_measured_on_their_own_scale():
    # Prisoner's dilemma with player 1's payoffs times 1e13. Player 2's gains (5 - 3, 1 - 0)
    # used to fall within the shared slack 1e-12 x 5e13 = 50, so every profile "held" and the
    # point was called degenerate. Only (D,D) is an equilibrium, in both the closed form and
    # the regime map built on it.
    from games.normal_form.regimes import regime_map

    A, B = np.array([[3, 0], [5, 1]]) * 1e13, [[3, 5], [0, 1]]
    at = symbolic_2x2(A, B, strategies=[("C", "D"), ("C", "D")]).evaluate()
    assert at.equilibria() == ["(D,D)"] and not at.degenerate
    game = NormalFormGame.from_expressions(
        [[["3*u", "0"], ["5*u", "u"]], [["3", "5"], ["0", "1"]]], {"u": 1e13, "v": 0.0},
        strategies=[("C", "D"), ("C", "D")])
    regimes = regime_map(game, "u", [1e13], "v", [0.0], method="closed-form")
    assert regimes.regimes.tolist() == [["(D,D)"]] and not regimes.degenerate.any()


def test_errors_name_the_problem():
    with pytest.raises(InvalidGameError, match="shape"):
        symbolic_2x2(NormalFormGame.from_arrays(np.zeros((3, 2)), np.zeros((3, 2))))
    with pytest.raises(InvalidGameError, match="2x2"):
        symbolic_2x2([[1, 2, 3], [4, 5, 6]], [[1, 2], [3, 4]])
    with pytest.raises(ParameterError, match="T"):
        symbolic_2x2([[R, S], [T, P]], [[R, T], [S, P]]).evaluate(R=1, S=0, P=0)
    # A flat list used to raise a raw TypeError; a NaN tol made every test fail silently.
    with pytest.raises(InvalidGameError, match="2x2"):
        symbolic_2x2([1, 2, 3, 4], [[1, 2], [3, 4]])
    with pytest.raises(InvalidGameError, match="tol must be"):
        symbolic_2x2([[1, -1], [-1, 1]], [[-1, 1], [1, -1]]).evaluate(tol=float("nan"))


def test_tol_means_each_players_payoff_range_as_for_every_normal_form_game():
    # A prisoner's dilemma with gains of order 1e-4 on top of payoffs of order 1e6: measured
    # against the largest |payoff| (the old closed-form rule) every gain looked like a tie and
    # all four profiles "held"; measured against each player's payoff range, as the solvers
    # do, only mutual defection is an equilibrium, and the two agree.
    import sympy

    o, s = sympy.symbols("o s", real=True)
    A = [[o + 3 * s, o], [o + 5 * s, o + s]]
    B = [[o + 3 * s, o + 5 * s], [o, o + s]]
    result = symbolic_2x2(A, B).evaluate(o=1e6, s=1e-4)
    held = sorted(label for label, flag in result.holds.items() if bool(flag))
    assert held == ["(s2,s2)"]
    numeric = NormalFormGame.from_arrays(np.array([[3, 0], [5, 1]]) * 1e-4 + 1e6,
                                         np.array([[3, 5], [0, 1]]) * 1e-4 + 1e6)
    assert [e.support for e in solve(numeric)] == [((1,), (1,))]
