"""Equilibria of two-player games: known answers from textbooks, every method, bad input."""

from fractions import Fraction as F

import numpy as np
import pytest

from games.normal_form.equilibria import equilibria, pure_equilibria, regret
from games.errors import GameError, GameTooLargeError, InvalidGameError
from games.normal_form import NormalFormGame

ENUMERATIONS = ["auto", "vertex", "support"]

# von Stengel, "Computing equilibria for two-person games" (Handbook of Game Theory vol. 3,
# 2002), figure 2.1 and section 2: exactly three equilibria.
STENGEL_A = [[3, 3], [2, 5], [0, 6]]
STENGEL_B = [[3, 2], [2, 6], [3, 1]]
STENGEL = [
    ((1, 0, 0), (1, 0)),
    ((F(4, 5), F(1, 5), 0), (F(2, 3), F(1, 3))),
    ((0, F(1, 3), F(2, 3)), (F(1, 3), F(2, 3))),
]

# Degenerate variant (von Stengel 2002, section 2.6): B[0][1] = 3, so against row 1 both
# columns are best responses (2 best responses to a pure strategy: degenerate).
# Hand derivation of the equilibria:
# * x = row 1 = (1, 0, 0): player 2 is indifferent (3, 3), so any y is a best response. Row 1 is
#   a best response to y = (1 - t, t) iff 3 >= 2 + 3t (row 2) and 3 >= 6t (row 3), i.e. t <= 1/3.
#   So {(1, 0, 0)} x {y : y2 <= 1/3} is a component with extreme points y = (1, 0), (2/3, 1/3).
# * The old mixed equilibrium ((4/5, 1/5, 0), (2/3, 1/3)) is gone: against x = (4/5, 1/5, 0)
#   column 2 now earns 3*4/5 + 6/5 = 3.6 > 2.8, so y must be column 2, to which row 3 is the
#   only best response, contradicting x.
# * ((0, 1/3, 2/3), (1/3, 2/3)) survives (row 1 is not used): A y = (3, 4, 4), B^T x = (8/3, 8/3).
STENGEL_DEGENERATE_B = [[3, 3], [2, 6], [3, 1]]
STENGEL_DEGENERATE_EXTREME = [
    ((1, 0, 0), (1, 0)),
    ((1, 0, 0), (F(2, 3), F(1, 3))),
    ((0, F(1, 3), F(2, 3)), (F(1, 3), F(2, 3))),
]

CASES = [
    # (name, A, B, expected equilibria, degenerate)
    ("von Stengel 3x2", STENGEL_A, STENGEL_B, STENGEL, False),
    ("von Stengel degenerate", STENGEL_A, STENGEL_DEGENERATE_B, STENGEL_DEGENERATE_EXTREME, True),
    # Matching pennies: the unique equilibrium is uniform mixing.
    ("matching pennies", [[1, -1], [-1, 1]], [[-1, 1], [1, -1]],
     [((F(1, 2), F(1, 2)), (F(1, 2), F(1, 2)))], False),
    # Prisoner's dilemma: defection is dominant.
    ("prisoner's dilemma", [[3, 0], [5, 1]], [[3, 5], [0, 1]], [((0, 1), (0, 1))], False),
    # Battle of the sexes: two pure, one mixed (3/5 on the row player's favourite).
    ("battle of the sexes", [[3, 0], [0, 2]], [[2, 0], [0, 3]],
     [((1, 0), (1, 0)), ((0, 1), (0, 1)), ((F(3, 5), F(2, 5)), (F(2, 5), F(3, 5)))], False),
    # Rock-paper-scissors: unique, uniform.
    ("rock-paper-scissors", [[0, -1, 1], [1, 0, -1], [-1, 1, 0]],
     [[0, 1, -1], [-1, 0, 1], [1, -1, 0]],
     [((F(1, 3),) * 3, (F(1, 3),) * 3)], False),
]


def as_float(profile):
    return [np.array([float(p) for p in s]) for s in profile]


def assert_same_set(found, expected):
    assert len(found) == len(expected), [eq.strategies for eq in found]
    for profile in expected:
        target = as_float(profile)
        assert any(all(np.allclose(s, t, atol=1e-9) for s, t in zip(eq.strategies, target))
                   for eq in found), f"missing {profile}"


@pytest.mark.parametrize("method", ENUMERATIONS)
@pytest.mark.parametrize("name, A, B, expected, degenerate", CASES, ids=[c[0] for c in CASES])
def test_known_equilibria(name, A, B, expected, degenerate, method):
    game = NormalFormGame.from_arrays(A, B)
    found = equilibria(game, method=method)
    assert_same_set(found, expected)
    assert found.degenerate is degenerate
    assert found.scope == "all"
    if not degenerate:
        assert len(found.components) == len(found)
    for eq in found:
        assert eq.regret <= 1e-9 * game.payoff_range
        assert regret(game, eq.strategies) == pytest.approx(eq.regret, abs=1e-12)


@pytest.mark.parametrize("offset, scale", [(1e10, 1.0), (-1e15, 1.0), (0.0, 1e-300),
                                           (0.0, 1e300)])
@pytest.mark.parametrize("method", ENUMERATIONS)
def test_shifted_and_scaled_games_keep_their_equilibria(offset, scale, method):
    # Adding a constant to a player's payoffs, or scaling them by a positive factor, changes
    # no best response, so von Stengel's three equilibria must survive (all payoffs here are
    # exact in float). With an offset of 1e10 the mixed equilibria used to fail the regret
    # check on rounding (errors ~1e-6 against a tolerance of 6e-9) and were dropped.
    A, B = np.array(STENGEL_A) * scale + offset, np.array(STENGEL_B) * scale + offset
    game = NormalFormGame.from_arrays(A, B)
    found = equilibria(game, method=method, exact=True)
    assert_same_set(found, STENGEL)
    assert not found.degenerate and all(eq.exact is not None for eq in found)
    # The mixed equilibrium (4/5, 1/5, 0), (2/3, 1/3) pays player 2  (3*4 + 2)/5 = 2.8.
    assert found[1].payoffs[1] == pytest.approx(2.8 * scale + offset, rel=1e-15, abs=1e-6)


def test_each_player_is_held_to_their_own_payoff_range():
    # Prisoner's dilemma with player 1's payoffs in units of 1e10. (D, C) is not an
    # equilibrium: player 2 gains 1 - 0 = 1 by defecting. With one allowance for both players
    # (1e-9 x the range 5e10 = 50) pure_equilibria used to list it.
    A, B = np.array([[3, 0], [5, 1]]) * 1e10, np.array([[3, 5], [0, 1]])
    game = NormalFormGame.from_arrays(A, B)
    assert [eq.support for eq in pure_equilibria(game)] == [((1,), (1,))]
    assert [eq.support for eq in equilibria(game)] == [((1,), (1,))]
    # Lemke-Howson must not accept a profile where player 2 gains 1 either: its answer passes
    # a check written out here against player 2's own range (5).
    x, y = equilibria(game, method="lemke-howson")[0].strategies
    assert (x @ B).max() - x @ B @ y <= 1e-9 * 5


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_zero_sum_lp_handles_tiny_and_huge_payoffs(scale):
    # HiGHS's tolerances are absolute: at 1e-300 it used to return a profile that failed the
    # regret check. Matching pennies' value is 0 and its optimal strategies are half-half.
    found = equilibria(NormalFormGame.from_arrays(np.array([[1, -1], [-1, 1]]) * scale),
                       method="zero-sum")
    np.testing.assert_allclose(found[0].strategies[0], [0.5, 0.5])
    assert abs(found.settings["value"]) <= 1e-9 * scale


@pytest.mark.parametrize("name, A, B, expected, degenerate", CASES, ids=[c[0] for c in CASES])
def test_exact_check_recovers_the_fractions(name, A, B, expected, degenerate):
    found = equilibria(NormalFormGame.from_arrays(A, B), exact=True)
    exact = {tuple(tuple(s) for s in eq.exact) for eq in found}
    assert exact == {tuple(tuple(F(p) for p in s) for s in profile) for profile in expected}


def test_degenerate_result_says_equilibria_may_form_continua():
    found = equilibria(NormalFormGame.from_arrays(STENGEL_A, STENGEL_DEGENERATE_B))
    assert "continua" in str(found)
    # Hand derivation above: the two equilibria with x = row 1 form one component (a segment),
    # the mixed equilibrium is isolated.
    assert sorted(len(c) for c in found.components) == [1, 2]
    pair = next(c for c in found.components if len(c) == 2)
    assert all(found[i].strategies[0].tolist() == [1.0, 0.0, 0.0] for i in pair)
    # Every convex combination of the two extreme equilibria of the component is one too.
    x = found[0].strategies[0]
    for t in np.linspace(0, 1, 5):
        y = t * np.array([1.0, 0.0]) + (1 - t) * np.array([2 / 3, 1 / 3])
        assert regret(found.game, (x, y)) <= 1e-12


@pytest.mark.parametrize("name, A, B, expected, degenerate", CASES, ids=[c[0] for c in CASES])
def test_lemke_howson_finds_one_of_the_known(name, A, B, expected, degenerate):
    game = NormalFormGame.from_arrays(A, B)
    m, n = game.shape
    for label in range(m + n):
        found = equilibria(game, method="lemke-howson", initial_label=label)
        assert len(found) == 1 and found.scope == "some" and found.degenerate is None
        assert any(all(np.allclose(s, t, atol=1e-9)
                       for s, t in zip(found[0].strategies, as_float(profile)))
                   for profile in expected), (label, found[0].strategies)


@pytest.mark.parametrize("A, value", [
    ([[1, -1], [-1, 1]], 0.0),                         # matching pennies
    ([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], 0.0),       # rock-paper-scissors
    ([[2, -1], [-1, 1]], 0.2),                         # x = (2/5, 3/5): 2*2/5 - 3/5 = 1/5
    ([[4, 1], [2, 3]], 2.5),                           # no saddle point; (4*3 - 1*2) / (4 - 1 - 2 + 3)
])
def test_zero_sum_value_matches_known_and_enumeration(A, value):
    game = NormalFormGame.from_arrays(A)
    lp = equilibria(game, method="zero-sum")
    assert lp.settings["value"] == pytest.approx(value, abs=1e-9)
    for eq in equilibria(game):
        assert eq.payoffs[0] == pytest.approx(value, abs=1e-9)


def test_zero_sum_method_refuses_general_sum_game():
    with pytest.raises(InvalidGameError, match="zero- or constant-sum"):
        equilibria(NormalFormGame.from_arrays(STENGEL_A, STENGEL_B), method="zero-sum")


def test_constant_sum_game_is_solved_as_zero_sum():
    A = np.array([[3.0, 1.0], [0.0, 2.0]])
    found = equilibria(NormalFormGame.from_arrays(A, 5 - A), method="zero-sum")
    assert found.settings["value"] == pytest.approx(1.5)   # (3*2 - 1*0) / (3 - 1 - 0 + 2)


# ----------------------------------------------------------------- pure equilibria, n players
def test_pure_equilibria_three_player_coordination():
    # Everyone gets 1 when all choose the same strategy, else 0: two pure equilibria.
    payoff = np.zeros((2, 2, 2))
    payoff[0, 0, 0] = payoff[1, 1, 1] = 1.0
    found = pure_equilibria(NormalFormGame.from_arrays([payoff] * 3))
    assert [eq.support for eq in found] == [((0,), (0,), (0,)), ((1,), (1,), (1,))]
    assert found.scope == "pure"


def test_pure_equilibria_agree_with_enumeration_on_two_players():
    game = NormalFormGame.from_arrays([[3, 0], [0, 2]], [[2, 0], [0, 3]])
    pure = {eq.support for eq in pure_equilibria(game)}
    assert pure == {eq.support for eq in equilibria(game) if eq.is_pure}


def test_pure_equilibria_none_in_matching_pennies():
    assert len(pure_equilibria(NormalFormGame.from_arrays([[1, -1], [-1, 1]]))) == 0


# ----------------------------------------------------------------- results
def test_result_records_method_tolerance_and_frame():
    game = NormalFormGame.from_arrays(STENGEL_A, STENGEL_B, players=["Row", "Col"])
    found = equilibria(game, method="support", tol=1e-8)
    assert found.method == "support enumeration" and found.tolerance == 1e-8
    frame = found.to_frame()
    assert list(frame.columns[:5]) == ["Row: s1", "Row: s2", "Row: s3", "Col: s1", "Col: s2"]
    assert frame["payoff Row"].tolist() == pytest.approx([3.0, 3.0, 4.0])
    assert "complete set" in str(found)


# ----------------------------------------------------------------- bad input
def test_game_too_large_suggests_lemke_howson():
    rng = np.random.default_rng(0)
    game = NormalFormGame.from_arrays(rng.random((12, 12)), rng.random((12, 12)))
    # Support enumeration: C(24, 12) - 1 = 2,704,155 support pairs, over the 1,000,000 limit.
    with pytest.raises(GameTooLargeError, match="2,704,155 support pairs.*lemke-howson"):
        equilibria(game, method="support")
    small = NormalFormGame.from_arrays(rng.random((5, 5)), rng.random((5, 5)))
    with pytest.raises(GameTooLargeError, match="limit 100"):
        equilibria(small, method="support", max_pairs=100)
    # Vertex enumeration: a random 8x8 polytope has hundreds of vertices, over a cap of 50.
    with pytest.raises(GameTooLargeError, match="50 vertices.*lemke-howson"):
        equilibria(NormalFormGame.from_arrays(rng.random((8, 8)), rng.random((8, 8))),
                   max_vertices=50)
    # The suggested method works on the large game.
    assert equilibria(game, method="lemke-howson")[0].regret <= 1e-9


@pytest.mark.parametrize("call, error, fragment", [
    (lambda g3, sym: equilibria(g3), InvalidGameError, "pure_equilibria"),
    (lambda g3, sym: equilibria(sym), InvalidGameError, "bind"),
    (lambda g3, sym: equilibria([[1, 2]]), InvalidGameError, "NormalFormGame"),
    (lambda g3, sym: equilibria(NormalFormGame.from_arrays([[1]], [[1]]), method="magic"),
     InvalidGameError, "unknown method"),
    (lambda g3, sym: regret(NormalFormGame.from_arrays([[1, 2]], [[1, 2]]), ([1], [0.5, 0.6])),
     InvalidGameError, "not a probability vector"),
    (lambda g3, sym: regret(NormalFormGame.from_arrays([[1, 2]], [[1, 2]]), ([1, 0], [1, 0])),
     InvalidGameError, "shape (2,)"),
    (lambda g3, sym: equilibria(NormalFormGame.from_arrays([[1, 2]], [[1, 2]]),
                                method="lemke-howson", initial_label=7), GameError, "0..2"),
    # Below: bad input that used to escape as a raw Python error, or pass silently.
    (lambda g3, sym: equilibria(NormalFormGame.from_arrays([[1, 2]], [[1, 2]]),
                                method="lemke-howson", initial_label=1.5), GameError, "0..2"),
    (lambda g3, sym: pure_equilibria([[1, 2]]), InvalidGameError, "NormalFormGame"),
    (lambda g3, sym: regret([[1, 2]], ([1], [1, 0])), InvalidGameError, "NormalFormGame"),
    (lambda g3, sym: regret(NormalFormGame.from_arrays([[1, 2]], [[1, 2]]), (["a"], [1, 0])),
     InvalidGameError, "not a vector of probabilities"),
    # A NaN tolerance passed every candidate (regret > nan is False); a negative one dropped all.
    (lambda g3, sym: equilibria(NormalFormGame.from_arrays([[1, 2]], [[1, 2]]), tol=float("nan")),
     InvalidGameError, "tol must be"),
    (lambda g3, sym: equilibria(NormalFormGame.from_arrays([[1, 2]], [[1, 2]]), tol=-1e-9),
     InvalidGameError, "tol must be"),
    (lambda g3, sym: pure_equilibria(g3, tol="loose"), InvalidGameError, "tol must be"),
    # max_vertices=0 used to mean "the default" (it was read with `or`).
    (lambda g3, sym: equilibria(NormalFormGame.from_arrays([[1, 2]], [[1, 2]]), max_vertices=0),
     GameTooLargeError, "max_vertices"),
])
def test_bad_requests_raise_our_errors(call, error, fragment):
    g3 = NormalFormGame.from_arrays([np.zeros((2, 2, 2))] * 3)
    sym = NormalFormGame.from_expressions([[["a", "0"], ["0", "1"]], [["1", "0"], ["0", "a"]]], ["a"])
    with pytest.raises(error) as info:
        call(g3, sym)
    assert fragment in str(info.value)
