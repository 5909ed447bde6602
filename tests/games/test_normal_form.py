"""NormalFormGame: construction, validation, display, symbolic binding."""

import nashpy
import numpy as np
import pytest

from games.errors import ExpressionError, InvalidGameError, ParameterError
from games.normal_form import NormalFormGame

PD_A = [[3, 0], [5, 1]]
PD_B = [[3, 5], [0, 1]]


def test_two_player_defaults_and_shape():
    game = NormalFormGame.from_arrays([[1, 2, 3], [4, 5, 6]], [[0, 0, 0], [1, 1, 1]])
    assert game.shape == (2, 3)
    assert game.n_players == 2
    assert game.players == ("Player 1", "Player 2")
    assert game.strategies == (("s1", "s2"), ("s1", "s2", "s3"))
    assert game.payoffs[0][1, 2] == 6.0 and game.payoffs[1][1, 0] == 1.0


@pytest.mark.parametrize("form", ["list", "stacked", "args"])
def test_three_player_forms_agree(form):
    rng = np.random.default_rng(0)
    arrays = [rng.integers(-5, 5, size=(2, 3, 4)) for _ in range(3)]
    if form == "list":
        game = NormalFormGame.from_arrays(arrays)
    elif form == "stacked":
        game = NormalFormGame.from_arrays(np.stack(arrays))
    else:
        game = NormalFormGame.from_arrays(*arrays)
    assert game.shape == (2, 3, 4)
    for ours, given in zip(game.payoffs, arrays):
        np.testing.assert_array_equal(ours, given)


def test_single_matrix_is_zero_sum():
    game = NormalFormGame.from_arrays([[1, -2], [0, 4]])
    np.testing.assert_array_equal(game.payoffs[1], [[-1, 2], [0, -4]])
    assert game.is_zero_sum()


def test_immutable():
    game = NormalFormGame.from_arrays(PD_A, PD_B)
    with pytest.raises(AttributeError):
        game.title = "x"
    with pytest.raises(ValueError):
        game.payoffs[0][0, 0] = 99.0


@pytest.mark.parametrize("arrays, fragment", [
    (([1, 2], [3, 4]), "2-dimensional"),
    (([[1, 2]], [[1, 2], [3, 4]]), "Player 2's payoff array has shape (2, 2)"),
    (([[1, np.nan]], [[1, 2]]), "Player 1's payoff at (0, 1) is nan"),
    (([[1, 2]], [[np.inf, 2]]), "Player 2's payoff at (0, 0) is inf"),
    (([[1, "x"]], [[1, 2]]), "'x', which is not a number"),
    (([[1, None]], [[1, 2]]), "None, which is not a number"),
    (([[1, 2], [3]], [[1, 2], [3, 4]]), "ragged"),
    (([1, 2],), "a single array"),
    ((np.zeros((0, 2)), np.zeros((0, 2))), "at least one strategy"),
    # Complex arrays used to be cast to float, silently dropping the imaginary parts.
    ((np.array([[1 + 2j, 2]]), [[1, 2]]), "complex"),
    (([[1 + 2j, 2]], [[1, 2]]), "which is not a number"),
    # A Python int beyond float range used to escape as a raw OverflowError.
    (([[10**400, 2]], [[1, 2]]), "too large for a float"),
    # Finite payoffs whose range overflows made every tolerance infinite (or NaN), and the
    # solvers returned no equilibrium at all.
    (([[1e308, -1e308]], [[1, 2]]), "span more than the float range"),
])
def test_bad_arrays_raise_invalid_game_error(arrays, fragment):
    with pytest.raises(InvalidGameError) as info:
        NormalFormGame.from_arrays(*arrays)
    assert fragment in str(info.value)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"players": ["Row"]}, "1 player names given"),
    ({"players": ["Row", "Row"]}, "distinct"),
    ({"strategies": [("a", "b", "c"), None]}, "Player 1 has 2 strategies"),
    ({"strategies": [("a", "a"), None]}, "distinct"),
])
def test_bad_names_raise_invalid_game_error(kwargs, fragment):
    with pytest.raises(InvalidGameError) as info:
        NormalFormGame.from_arrays(PD_A, PD_B, **kwargs)
    assert fragment in str(info.value)


def test_payoff_table_cells_read_u1_u2():
    game = NormalFormGame.from_arrays(PD_A, PD_B, players=["Row", "Col"],
                                      strategies=[("C", "D"), ("C", "D")], title="PD")
    frame = game.to_frame()
    assert frame.loc["Row: C", "Col: D"] == "0, 5"
    assert frame.loc["Row: D", "Col: C"] == "5, 0"
    assert "0, 5" in str(game) and "PD" in str(game)
    assert "<table" in game._repr_html_()


def test_three_player_table_lists_every_profile():
    arrays = [np.arange(8).reshape(2, 2, 2) * (k + 1) for k in range(3)]
    frame = NormalFormGame.from_arrays(arrays).to_frame()
    # profile (s2, s1, s2): flat index 1*4 + 0*2 + 1 = 5
    assert frame.loc[("s2", "s2"), "Player 2: s1"] == "5, 10, 15"
    assert frame.shape == (4, 2)


def test_nashpy_round_trip():
    game = NormalFormGame.from_arrays(PD_A, PD_B)
    back = NormalFormGame.from_nashpy(game.to_nashpy())
    assert back == game
    ns = nashpy.Game(np.array(PD_A), np.array(PD_B))
    np.testing.assert_array_equal(NormalFormGame.from_nashpy(ns).payoffs[1], PD_B)
    with pytest.raises(InvalidGameError):
        NormalFormGame.from_nashpy("not a game")


@pytest.mark.parametrize("arrays, zero_sum, constant_sum", [
    (([[1, -1], [-1, 1]], [[-1, 1], [1, -1]]), True, True),
    ((PD_A, PD_B), False, False),
    (([[2, 0], [0, 2]], [[0, 2], [2, 0]]), False, True),
])
def test_zero_and_constant_sum(arrays, zero_sum, constant_sum):
    game = NormalFormGame.from_arrays(*arrays)
    assert game.is_zero_sum() is zero_sum
    assert game.is_constant_sum() is constant_sum


def test_numeric_game_rejects_parameters():
    game = NormalFormGame.from_arrays(PD_A, PD_B)
    assert game.bind() is game
    with pytest.raises(ParameterError):
        game.bind(a=1)
    with pytest.raises(ParameterError):
        game.payoff_arrays(a=[1, 2])


# ----------------------------------------------------------------- symbolic games
STAG = [[["s", "0"], ["h", "h"]], [["s", "h"], ["0", "h"]]]


def test_bind_evaluates_each_cell():
    game = NormalFormGame.from_expressions(STAG, {"s": 4.0, "h": 3.0})
    assert game.is_symbolic and set(game.parameter_names) == {"s", "h"}
    bound = game.bind(h=2.0)            # s falls back to its default 4
    np.testing.assert_array_equal(bound.payoffs[0], [[4, 0], [2, 2]])
    np.testing.assert_array_equal(bound.payoffs[1], [[4, 2], [0, 2]])
    assert not bound.is_symbolic


def test_bind_falls_back_to_parameter_set_point():
    parameters = pytest.importorskip("games.parameters")
    pset = parameters.ParameterSet([parameters.Parameter("s", 5.0), parameters.Parameter("h", 1.0)])
    game = NormalFormGame.from_expressions(STAG, pset)
    np.testing.assert_array_equal(game.bind(s=6.0).payoffs[0], [[6, 0], [1, 1]])


def test_bind_errors_name_the_problem():
    game = NormalFormGame.from_expressions(STAG, ["s", "h"])
    with pytest.raises(ParameterError, match="unknown parameter.*zz.*s, h"):
        game.bind(s=1, h=1, zz=2)
    with pytest.raises(ParameterError, match="no value for parameter"):
        game.bind(s=1)
    with pytest.raises(InvalidGameError, match="symbolic"):
        _ = game.payoffs
    # Each of these used to escape as a raw ValueError/TypeError, or (None) to be reported as
    # a payoff that "evaluates to nan".
    for value in ("a", [1, 2], None):
        with pytest.raises(ParameterError, match="the value of s must be a number"):
            game.bind(s=value, h=1)
    with pytest.raises(ParameterError, match="values of s must be numbers"):
        game.payoff_arrays(s=["a"], h=[1])
    with pytest.raises(ParameterError, match="no values given for s"):
        game.payoff_arrays(s=[], h=1)
    with pytest.raises(ParameterError, match="default value of s"):
        NormalFormGame.from_expressions(STAG, {"s": "four", "h": 3.0})


@pytest.mark.parametrize("entry, fragment", [
    (np.complex128(1j), "give a number"),  # used to be cast, dropping the imaginary part
    (10**400, "must be finite"),           # used to raise a raw TypeError
])
def test_bad_numeric_entries_of_symbolic_games_are_refused(entry, fragment):
    with pytest.raises(InvalidGameError, match=fragment):
        NormalFormGame.from_expressions([[[entry]], [["s"]]], ["s"])


def test_expression_with_undefined_name_is_refused():
    with pytest.raises(ExpressionError, match="undefined name"):
        NormalFormGame.from_expressions([[["a"]], [["b"]]], ["a"])


def test_expression_value_not_finite_is_reported():
    game = NormalFormGame.from_expressions([[["1 / a"]], [["0"]]], ["a"])
    with pytest.raises(InvalidGameError, match="finite"):
        game.bind(a=0.0)


def test_payoff_arrays_match_bind_per_draw():
    game = NormalFormGame.from_expressions(STAG, {"s": 4.0, "h": 3.0})
    s = np.array([4.0, 5.0, 7.5])
    h = np.array([1.0, 3.0, 2.0])
    A, B = game.payoff_arrays(s=s, h=h)
    assert A.shape == B.shape == (3, 2, 2)
    for k in range(3):
        bound = game.bind(s=s[k], h=h[k])
        np.testing.assert_array_equal(A[k], bound.payoffs[0])
        np.testing.assert_array_equal(B[k], bound.payoffs[1])
    # A scalar for one parameter broadcasts against the arrays of the others.
    A2, _ = game.payoff_arrays(s=s)
    np.testing.assert_array_equal(A2[:, 1, 0], [3.0, 3.0, 3.0])


def test_strategy_names_given_as_one_text_are_refused_not_split_into_letters():
    from games.errors import InvalidGameError

    with pytest.raises(InvalidGameError, match="one text 'ab'"):
        NormalFormGame.from_arrays([[1, 2], [3, 4]], [[1, 2], [3, 4]], strategies=["ab", ["x", "y"]])
