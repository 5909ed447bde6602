"""Payoff-table and best-response figures mark the equilibria the textbook names."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from games.normal_form.catalogue import battle_of_the_sexes, entry_game, matching_pennies, prisoners_dilemma
from games.errors import InvalidGameError, ParameterError
from games.normal_form import NormalFormGame
from games.normal_form.plots import plot_best_responses, plot_payoff_table


def shaded_cells(ax):
    """(row, column) of the shaded cells, first strategy at the top."""
    cells = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_facecolor()[:3] != (1, 1, 1)]
    m = int(ax.get_ylim()[1])
    return sorted((m - 1 - int(p.get_y()), int(p.get_x())) for p in cells)


@pytest.mark.parametrize("game, expected", [
    (prisoners_dilemma(), [(1, 1)]),                 # (D,D) only
    (battle_of_the_sexes(), [(0, 0), (1, 1)]),       # the two meetings
    (matching_pennies(), []),                        # no pure equilibrium
    # Player 1's payoffs times 1e13: still only (D,D). Player 2's gains of 1 and 2 used to
    # count as ties against a shared scale of 5e13, shading every cell.
    (NormalFormGame.from_arrays(np.array([[3, 0], [5, 1]]) * 1e13, [[3, 5], [0, 1]]), [(1, 1)]),
])
def test_payoff_table_shades_pure_equilibria(game, expected):
    assert shaded_cells(plot_payoff_table(game)) == expected


@pytest.mark.parametrize("game, expected", [
    # points are (P(player 2 plays first), P(player 1 plays first))
    (battle_of_the_sexes(), [(0.0, 0.0), (1 / 3, 2 / 3), (1.0, 1.0)]),
    (matching_pennies(), [(0.5, 0.5)]),
    (entry_game(), [(0.0, 0.0), (1.0, 1.0)]),
])
def test_best_response_diagram_marks_equilibria(game, expected):
    ax = plot_best_responses(game)
    points = sorted(map(tuple, ax.collections[0].get_offsets().tolist()))
    np.testing.assert_allclose(points, expected, atol=1e-12)


def test_symbolic_game_needs_values_for_best_responses():
    game = prisoners_dilemma(symbolic=True)
    with pytest.raises(InvalidGameError, match="give values"):
        plot_best_responses(NormalFormGame.from_expressions([[["a", 0], [0, 1]], [[1, 0], [0, 1]]],
                                                            ["a"]))
    ax = plot_best_responses(game, T=4)
    assert ax.collections[0].get_offsets().tolist() == [[0.0, 0.0]]  # (D,D)


def test_three_by_three_refused_for_best_responses():
    with pytest.raises(InvalidGameError, match="2x2"):
        plot_best_responses(NormalFormGame.from_arrays(np.eye(3), np.eye(3)))


def test_parameter_values_for_a_numeric_game_are_refused_not_ignored():
    # They used to be dropped silently: the figure showed T=5 when T=100 was asked for.
    for plot in (plot_payoff_table, plot_best_responses):
        with pytest.raises(ParameterError, match="numeric"):
            plot(prisoners_dilemma(), T=100)
