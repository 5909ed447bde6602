"""Wrong types to the public engine API raise our own errors, saying what was expected.

Every call below used to end in a raw AttributeError or TypeError from deep inside a solver.
"""

from __future__ import annotations

import math

import pytest

import games
from games.bargaining import (BargainingProblem, concession_curve, egalitarian, ideal_point,
                              kalai_smorodinsky, nash_solution, pareto_frontier,
                              rubinstein_solution, ultimatum_on_frontier, utilitarian,
                              zone_of_agreement)
from games.errors import BargainingError, GameError, InvalidGameError, TreeError
from games.normal_form import NormalFormGame
from games.normal_form.equilibria import support_enumeration, vertex_enumeration
from games.trees import (backward_induction, bayesian_normal_form, non_credible_equilibria,
                         reduced_normal_form, solve_by_subgames, subgame_perfect_equilibria,
                         textbook)

GAME = NormalFormGame.from_arrays([[1, 0], [0, 1]], [[1, 0], [0, 1]])


@pytest.mark.parametrize("call, words", [
    (lambda: games.equilibria(GAME, max_vertices="a"), "max_vertices must be a whole number >= 0"),
    (lambda: games.equilibria(GAME, max_vertices=1.5), "max_vertices must be a whole number >= 0"),
    (lambda: games.equilibria(GAME, max_vertices=-1), "max_vertices must be a whole number >= 0"),
    (lambda: games.equilibria(GAME, max_vertices=math.nan), "max_vertices"),
    (lambda: vertex_enumeration(GAME, max_vertices=True), "max_vertices"),
    (lambda: games.equilibria(GAME, method="support", max_pairs="many"), "max_pairs"),
    (lambda: support_enumeration(GAME, max_pairs=-3), "max_pairs"),
    (lambda: games.equilibria(GAME, method="lemke-howson", initial_label="a"), "initial_label"),
])
def test_solver_limits_are_checked(call, words):
    with pytest.raises(InvalidGameError if "label" not in words else GameError, match=words):
        call()


def test_whole_float_limits_still_work():
    assert len(games.equilibria(GAME, max_vertices=1000.0)) == 3


@pytest.mark.parametrize("solve", [nash_solution, kalai_smorodinsky, egalitarian, utilitarian,
                                   ideal_point, pareto_frontier, zone_of_agreement])
@pytest.mark.parametrize("given", [None, "problem", 5, [(0, 1), (1, 0)]])
def test_bargaining_solutions_need_a_problem(solve, given):
    with pytest.raises(BargainingError, match="takes a BargainingProblem"):
        solve(given)


def test_other_bargaining_entry_points_need_a_problem():
    with pytest.raises(BargainingError, match="takes a BargainingProblem"):
        rubinstein_solution(None, 0.9, 0.9)
    with pytest.raises(BargainingError, match="takes a BargainingProblem"):
        ultimatum_on_frontier(None, [0.1])
    with pytest.raises(BargainingError, match="takes a BargainingProblem"):
        concession_curve(None, "a", "b", 1)
    with pytest.raises(BargainingError, match="takes a BargainingProblem"):
        games.nash_solution(None)


@pytest.mark.parametrize("solve", [backward_induction, subgame_perfect_equilibria,
                                   non_credible_equilibria, reduced_normal_form,
                                   solve_by_subgames, bayesian_normal_form])
@pytest.mark.parametrize("given", [None, 5, "tree", GAME])
def test_tree_solvers_need_a_tree(solve, given):
    with pytest.raises(TreeError, match="takes a GameTree"):
        solve(given)


@pytest.mark.parametrize("tol", ["a", math.nan, -1.0, None])
def test_tree_tolerance_is_checked(tol):
    with pytest.raises(TreeError, match="tol"):
        backward_induction(textbook.entry_deterrence(), tol=tol)


def test_a_problem_still_solves():
    p = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0), convex=True)
    assert nash_solution(p).utilities == (0.5, 0.5)


def test_a_huge_resolution_is_refused_before_any_grid_is_built():
    # found by the CLI fuzz: solve --resolution 4294967296 allocated 32 GB for one axis
    from games.errors import GameTooLargeError

    with pytest.raises(GameTooLargeError, match="4,294,967,296 outcomes"):
        BargainingProblem.from_issues({"x": (0, 1)}, ["x", "1 - x"], (0, 0),
                                      resolution=2**32)
