"""Regime maps: boundaries where the algebra puts them, two methods agreeing, plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from games.normal_form.catalogue import chicken, prisoners_dilemma
from games.errors import GameError, ParameterError
from games.normal_form import NormalFormGame
from games.normal_form.regimes import plot_regime_map, regime_map

# Prisoner's-dilemma family with R=3, P=1 fixed, T and S varying. Algebra (comparing each
# player's payoffs against C and against D): C is the better reply to C iff R > T, i.e. T < 3;
# D is the better reply to D iff P > S, i.e. S < 1. So the four quadrants are
#   T<3, S<1: stag hunt       -> (C,C), (D,D) and a mixed equilibrium
#   T>3, S<1: prisoner's dilemma -> (D,D) only
#   T<3, S>1: harmony         -> (C,C) only
#   T>3, S>1: chicken         -> (C,D), (D,C) and a mixed equilibrium
def expected_regime(T, S):
    if T < 3 and S < 1:
        return "(C,C) & (D,D) & mixed"
    if T > 3 and S < 1:
        return "(D,D)"
    if T < 3 and S > 1:
        return "(C,C)"
    return "(C,D) & (D,C) & mixed"


T_VALUES = np.linspace(1.01, 5.01, 41)   # steps of 0.1, never exactly 3
S_VALUES = np.linspace(-1.02, 2.98, 21)  # steps of 0.2, never exactly 1
METHODS = ["closed-form", "solver"]


@pytest.mark.parametrize("method", METHODS)
def test_pd_family_boundaries_fall_where_algebra_says(method):
    m = regime_map(prisoners_dilemma(symbolic=True), "T", T_VALUES, "S", S_VALUES, method=method)
    assert m.regimes.shape == (S_VALUES.size, T_VALUES.size)
    for i, S in enumerate(S_VALUES):
        for j, T in enumerate(T_VALUES):
            assert m.regimes[i, j] == expected_regime(T, S), (T, S)
    assert not m.degenerate.any()
    assert set(m.labels) == {expected_regime(2, 0), expected_regime(4, 0), expected_regime(2, 2),
                             expected_regime(4, 2)}
    counts = {label: n for label, n in zip(m.regimes.ravel(), m.counts.ravel())}
    assert counts["(D,D)"] == 1 and counts["(C,C) & (D,D) & mixed"] == 3


def test_points_on_the_boundary_are_flagged_degenerate():
    m = regime_map(prisoners_dilemma(symbolic=True), "T", [2.0, 3.0, 4.0], "S", [0.0],
                   method="closed-form")
    assert m.degenerate.tolist() == [[False, True, False]]
    # At T = R both (C,C) and (D,D) still hold (C is a weak best reply to C).
    assert "(C,C)" in m.regime_at(3.0, 0.0) and "(D,D)" in m.regime_at(3.0, 0.0)


def test_hawk_dove_boundary_at_cost_equal_value():
    values = np.linspace(0.55, 4.95, 23)  # never equal to a cost below
    costs = np.array([1.0, 2.0, 4.0])
    m = regime_map(chicken(symbolic=True), "v", values, "c", costs, method="closed-form")
    for i, c in enumerate(costs):
        for j, v in enumerate(values):
            expected = "(H,D) & (D,H) & mixed" if c > v else "(H,H)"
            assert m.regimes[i, j] == expected


def test_builder_function_gives_the_same_map_as_the_symbolic_game():
    symbolic = regime_map(prisoners_dilemma(symbolic=True), "T", T_VALUES[::5], "S", S_VALUES[::5],
                          method="closed-form")
    built = regime_map(lambda T, S: prisoners_dilemma(T=T, S=S), "T", T_VALUES[::5], "S",
                       S_VALUES[::5], method="closed-form")
    assert (symbolic.regimes == built.regimes).all()


def test_fixed_parameters_move_the_boundary():
    # With R = 4 instead of 3 the T boundary moves to 4.
    m = regime_map(prisoners_dilemma(symbolic=True), "T", [3.5, 4.5], "S", [0.0],
                   fixed={"R": 4.0}, method="closed-form")
    assert m.regimes.tolist() == [["(C,C) & (D,D) & mixed", "(D,D)"]]
    assert "R=4" in str(m)


def test_frame_has_one_row_per_point():
    m = regime_map(prisoners_dilemma(symbolic=True), "T", [2.0, 4.0], "S", [0.0, 2.0],
                   method="closed-form")
    frame = m.to_frame()
    assert len(frame) == 4
    row = frame[(frame["T"] == 4.0) & (frame["S"] == 2.0)].iloc[0]
    assert row["regime"] == "(C,D) & (D,C) & mixed" and row["equilibria"] == 3


def test_errors():
    game = prisoners_dilemma(symbolic=True)
    with pytest.raises(ParameterError, match="not a parameter"):
        regime_map(game, "X", [1], "S", [0])
    with pytest.raises(ParameterError, match="numeric"):
        regime_map(prisoners_dilemma(), "T", [1], "S", [0])
    with pytest.raises(ParameterError, match="different"):
        regime_map(game, "T", [1], "T", [0])
    three = NormalFormGame.from_expressions([[["a", 0, 0]] * 3, [[0, "a", "b"]] * 3], {"a": 1.0, "b": 0.0})
    with pytest.raises(GameError, match="2x2"):
        regime_map(three, "a", [1, 2], "b", [0], method="closed-form")
    # Each of these used to escape as a raw TypeError/ValueError/AttributeError, or (NaN tol)
    # to label every point "(none found)".
    with pytest.raises(GameError, match="tol must be"):
        regime_map(game, "T", [4], "S", [0], method="closed-form", tol=float("nan"))
    with pytest.raises(ParameterError, match="must be numbers"):
        regime_map(game, "T", ["high"], "S", [0])
    with pytest.raises(ParameterError, match="leave them out of fixed"):
        regime_map(game, "T", [4], "S", [0], fixed={"T": 5})
    with pytest.raises(ParameterError, match="must return a NormalFormGame"):
        regime_map(lambda T, S: [[T, S]], "T", [4], "S", [0])


def test_plot_has_one_legend_entry_per_regime():
    m = regime_map(prisoners_dilemma(symbolic=True), "T", T_VALUES[::4], "S", S_VALUES[::4],
                   method="closed-form")
    ax = plot_regime_map(m)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == list(m.labels)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("T", "S")


def test_three_by_three_coordination_threshold_with_the_solver():
    # Coordination with diagonal (a, 1, b), zero elsewhere. With a, b > 0 every nonempty
    # common support gives an equilibrium: 2^3 - 1 = 7. With a < 0 strategy 1 never pays
    # (it earns a*y1 <= 0 while one of the others earns > 0), leaving the 3 equilibria on {2, 3}.
    game = NormalFormGame.from_expressions(
        [[["a", 0, 0], [0, 1, 0], [0, 0, "b"]], [["a", 0, 0], [0, 1, 0], [0, 0, "b"]]],
        {"a": 1.0, "b": 1.0}, strategies=[("1", "2", "3"), ("1", "2", "3")])
    m = regime_map(game, "a", [-1.0, -0.5, 0.5, 2.0], "b", [0.5, 3.0], method="solver")
    assert m.counts.tolist() == [[3, 3, 7, 7], [3, 3, 7, 7]]
    for i in range(2):
        for j, a in enumerate(m.x_values):
            assert ("(1,1)" in m.regimes[i, j]) == (a > 0)
            assert ("mixed" in m.regimes[i, j]) == (a > 0)
    assert "(2+3,2+3)" in m.regimes[0, 0]


def test_three_player_unanimity_threshold_uses_pure_equilibria():
    # Three players each pick A or B; all get c if all pick A, 1 if all pick B, else 0.
    # c > 0: only the unanimous profiles are stable (a lone dissenter gains by joining).
    # c < 0: (A,A,A) breaks down, and each profile with a lone B becomes stable (the lone B
    # would get c < 0 by joining; a majority player switching gets 0 either way): 1 + 3.
    def table(player):
        return [[[("c" if (i, j, k) == (0, 0, 0) else 1 if (i, j, k) == (1, 1, 1) else 0)
                  for k in range(2)] for j in range(2)] for i in range(2)]
    game = NormalFormGame.from_expressions([table(p) for p in range(3)], {"c": 1.0, "d": 0.0},
                                           strategies=[("A", "B")] * 3)
    m = regime_map(game, "c", [-1.0, 2.0], "d", [0.0], method="solver")
    assert m.method.startswith("games.pure_equilibria")
    assert m.regimes[0, 1] == "(A,A,A) & (B,B,B)"
    assert sorted(m.regimes[0, 0].split(" & ")) == ["(A,A,B)", "(A,B,A)", "(B,A,A)", "(B,B,B)"]
