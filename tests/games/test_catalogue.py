"""The classic games: textbook equilibria, cross-checked by closed form and numeric solvers."""

from __future__ import annotations

import nashpy
import numpy as np
import pytest
import sympy

from games.normal_form.catalogue import (
    CLASSIC_GAMES,
    battle_of_the_sexes,
    chicken,
    entry_game,
    matching_pennies,
    prisoners_dilemma,
    stag_hunt,
)
from games.errors import ParameterError
from games.normal_form.symbolic import symbolic_2x2

from games.normal_form.equilibria import equilibria as solve


def regret_2x2(game, x, y):
    A, B = game.payoffs
    return max((A @ y).max() - x @ A @ y, (x @ B).max() - x @ B @ y)


def same_set(found, expected, tol=1e-9):
    """Two lists of profiles are the same set (each profile matched once, within tol)."""
    if len(found) != len(expected):
        return False
    left = list(expected)
    for x, y in found:
        match = [k for k, (u, v) in enumerate(left)
                 if np.allclose(x, u, atol=tol) and np.allclose(y, v, atol=tol)]
        if not match:
            return False
        left.pop(match[0])
    return True


# Textbook answers, written out from the references (one record per game and parameter point).
TEXTBOOK = [
    ("prisoners_dilemma", {}, [([0, 1], [0, 1])]),
    ("prisoners_dilemma", {"T": 10, "R": 9, "P": 1, "S": 0}, [([0, 1], [0, 1])]),
    ("matching_pennies", {}, [([.5, .5], [.5, .5])]),
    ("matching_pennies", {"stake": 7}, [([.5, .5], [.5, .5])]),
    ("battle_of_the_sexes", {}, [([1, 0], [1, 0]), ([0, 1], [0, 1]), ([2 / 3, 1 / 3], [1 / 3, 2 / 3])]),
    ("battle_of_the_sexes", {"a": 3, "b": 1}, [([1, 0], [1, 0]), ([0, 1], [0, 1]), ([.75, .25], [.25, .75])]),
    ("chicken", {}, [([1, 0], [0, 1]), ([0, 1], [1, 0]), ([.5, .5], [.5, .5])]),
    ("chicken", {"v": 1, "c": 4}, [([1, 0], [0, 1]), ([0, 1], [1, 0]), ([.25, .75], [.25, .75])]),
    ("stag_hunt", {}, [([1, 0], [1, 0]), ([0, 1], [0, 1]), ([.75, .25], [.75, .25])]),
    ("stag_hunt", {"stag": 5, "hare": 1}, [([1, 0], [1, 0]), ([0, 1], [0, 1]), ([.2, .8], [.2, .8])]),
    ("coordination", {}, [([1, 0], [1, 0]), ([0, 1], [0, 1]), ([1 / 3, 2 / 3], [1 / 3, 2 / 3])]),
]
IDS = [f"{name}-{params}" for name, params, _ in TEXTBOOK]


@pytest.mark.parametrize("name, params, expected", TEXTBOOK, ids=IDS)
def test_known_equilibria_are_the_textbook_ones(name, params, expected):
    record = CLASSIC_GAMES[name]
    expected = [(np.array(x, float), np.array(y, float)) for x, y in expected]
    assert same_set(record.known_equilibria(**params), expected)
    game = record.build(**params)
    for x, y in expected:
        assert regret_2x2(game, x, y) <= 1e-12


@pytest.mark.parametrize("name, params, expected", TEXTBOOK, ids=IDS)
def test_closed_form_agrees(name, params, expected):
    game = CLASSIC_GAMES[name].build(**params)
    at = symbolic_2x2(game).evaluate()
    found = []
    for (i, j), label in zip([(0, 0), (0, 1), (1, 0), (1, 1)], list(at.holds)[:4]):
        if at.holds[label]:
            found.append((np.eye(2)[i], np.eye(2)[j]))
    if at.holds["mixed"]:
        found.append((np.array([at.p, 1 - at.p]), np.array([at.q, 1 - at.q])))
    assert not at.degenerate
    assert same_set(found, [(np.array(x, float), np.array(y, float)) for x, y in expected])


@pytest.mark.parametrize("name, params, expected", TEXTBOOK, ids=IDS)
def test_vertex_enumeration_agrees(name, params, expected):
    A, B = CLASSIC_GAMES[name].build(**params).payoffs
    found = list(nashpy.Game(np.array(A), np.array(B)).vertex_enumeration())
    assert same_set(found, [(np.array(x, float), np.array(y, float)) for x, y in expected])


@pytest.mark.parametrize("name, params, expected", TEXTBOOK, ids=IDS)
def test_our_solver_agrees(name, params, expected):
    result = solve(CLASSIC_GAMES[name].build(**params))
    found = [tuple(e.strategies) for e in result]
    assert same_set(found, [(np.array(x, float), np.array(y, float)) for x, y in expected])
    assert all(e.regret <= 1e-9 for e in result)


def test_entry_game_is_degenerate_with_known_extreme_points():
    game = entry_game()
    known = CLASSIC_GAMES["entry_game"].known_equilibria()
    # (In, A), (Out, F) and the other end of the continuum: Out against fight with prob 1/2.
    assert same_set(known, [(np.array([1., 0]), np.array([1., 0])), (np.array([0., 1]), np.array([0., 1])),
                            (np.array([0., 1]), np.array([.5, .5]))])
    for x, y in known:
        assert regret_2x2(game, x, y) <= 1e-12
    # Fighting with probability below 1/2 invites entry: not an equilibrium.
    assert regret_2x2(game, np.array([0., 1]), np.array([.6, .4])) > 0.1
    assert bool(symbolic_2x2(game).evaluate().degenerate)
    # Our vertex enumeration returns exactly these extreme points and flags the degeneracy.
    found = solve(game)
    assert found.degenerate
    assert same_set([tuple(e.strategies) for e in found], known)


def test_symbolic_builders_bind_to_the_numeric_ones():
    assert prisoners_dilemma(symbolic=True).bind(T=6) == prisoners_dilemma(T=6)
    assert chicken(symbolic=True).bind(v=1, c=3) == chicken(v=1, c=3)
    pd = symbolic_2x2(prisoners_dilemma(symbolic=True))
    T, R = sympy.Symbol("T", real=True), sympy.Symbol("R", real=True)
    assert pd.pure_conditions["(C,C)"] == sympy.Ge(R, T)


def test_symbolic_mixed_probabilities_are_the_textbook_formulas():
    hawk = symbolic_2x2(chicken(symbolic=True))
    v, c = sympy.Symbol("v", real=True), sympy.Symbol("c", real=True)
    assert sympy.simplify(hawk.p - v / c) == 0
    bos = symbolic_2x2(battle_of_the_sexes(symbolic=True))
    a, b = sympy.Symbol("a", real=True), sympy.Symbol("b", real=True)
    assert sympy.simplify(bos.p - a / (a + b)) == 0 and sympy.simplify(bos.q - b / (a + b)) == 0
    hunt = symbolic_2x2(stag_hunt(symbolic=True))
    stag, hare = sympy.Symbol("stag", real=True), sympy.Symbol("hare", real=True)
    assert sympy.simplify(hunt.p - hare / stag) == 0
    assert symbolic_2x2(matching_pennies(symbolic=True)).p == sympy.Rational(1, 2)


@pytest.mark.parametrize("name, params", [
    ("prisoners_dilemma", {"T": 2}), ("chicken", {"v": 5}), ("stag_hunt", {"hare": 5}),
    ("matching_pennies", {"stake": -1}), ("battle_of_the_sexes", {"a": 0}),
])
def test_known_equilibria_refuse_parameters_outside_the_textbook_region(name, params):
    with pytest.raises(ParameterError):
        CLASSIC_GAMES[name].known_equilibria(**params)
