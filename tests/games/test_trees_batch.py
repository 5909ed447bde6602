"""Backward induction over a parameter sample, checked point by point against the single solver."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from games.errors import ParameterError, TreeError
from games.trees import (
    GameTree,
    backward_induction,
    backward_induction_batch,
    chance,
    decision,
    screening_tree,
    terminal,
)
from games.trees.textbook import risky_investment


def bargaining_tree() -> GameTree:
    """A proposer asks for a share s of a surplus; the responder accepts or takes an outside option w."""
    return GameTree(["Proposer", "Responder"], decision("Proposer", {
        "Greedy": decision("Responder", {"Accept": terminal("0.8 * v", "0.2 * v"), "Walk": terminal(0, "w")}),
        "Fair": decision("Responder", {"Accept": terminal("0.5 * v", "0.5 * v"), "Walk": terminal(0, "w")}),
        "Stay out": terminal("c", 0)}), parameters={"v": 10.0, "w": 1.0, "c": 1.0})


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 20), st.floats(0, 8), st.floats(-1, 6)), min_size=1, max_size=12))
# Found by exploring: staying out for c = 1.06e-8 beats 0, but a tolerance scaled to the other
# draw's payoffs (0.8 x 14) called it a tie and chose "Greedy".
@example([(0.0, 0.0, 1.0564585954418308e-08), (14.0, 0.0, 0.0)])
def test_batch_matches_the_single_solver_draw_by_draw(points):
    tree = bargaining_tree()
    v, w, c = (np.array(x) for x in zip(*points))
    batch = backward_induction_batch(tree, v=v, w=w, c=c)
    assert batch.payoffs.shape == (len(points), 2)
    for k in range(len(points)):
        one = backward_induction(tree.bind(v=v[k], w=w[k], c=c[k]))
        assert batch.payoffs[k] == pytest.approx(one.payoffs)
        assert batch.choices(()).tolist()[k] == ["Greedy", "Fair", "Stay out"].index(one.path[0])
    assert batch.regret <= batch.tolerance


def test_paths_and_shares_over_a_grid():
    # Investing pays when 10 p - 2 > 3, i.e. p > 1/2: a grid of 101 points from 0 to 1.
    batch = backward_induction_batch(risky_investment(), p=np.linspace(0, 1, 101))
    assert batch.share((), "Invest") == pytest.approx(51 / 101)  # p = 0.50 ... 1.00 (tie at 0.5 -> Invest)
    paths = batch.paths()
    assert paths[("Keep",)] == pytest.approx(50 / 101)
    assert paths[("Invest", "Success")] == pytest.approx(51 / 101)  # likeliest branch for p >= 0.5
    assert batch.ties.sum() == 1
    assert set(batch.to_frame()["path"]) == {"Keep", "Invest > Success"}


def test_imperfect_information_is_refused():
    tree = screening_tree("Seller", "Buyer", types={"low": 0.5, "high": 0.5}, offers=["a", "b"],
                          responses=["Buy", "Walk"], payoffs=lambda t, o, r: (1, 1))
    with pytest.raises(TreeError, match="perfect information"):
        backward_induction_batch(tree)


def test_defaults_fill_missing_parameters_and_lengths_must_agree():
    tree = bargaining_tree()
    assert backward_induction_batch(tree, v=[10.0, 1.0]).payoffs[:, 0].tolist() == [8.0, 1.0]
    with pytest.raises(ParameterError, match="different lengths"):
        backward_induction_batch(tree, v=[1, 2, 3], w=[1, 2])
    no_defaults = GameTree(["A", "B"], decision("A", {"x": terminal("a", 0), "y": terminal(0, 0)}))
    with pytest.raises(ParameterError, match="needs values for a"):
        backward_induction_batch(no_defaults)


def test_bad_probabilities_name_the_draw():
    tree = GameTree(["A", "B"], chance({"H": ("p", terminal(1, 0)), "T": (0.5, terminal(0, 1))}))
    with pytest.raises(TreeError, match="at draw 1"):
        backward_induction_batch(tree, p=[0.5, 0.7])


def test_nan_probabilities_and_non_numbers_are_refused():
    # NaN slipped through "sum differs from 1" (NaN compares false) and gave the NaN draw
    # the payoffs of a sure success.
    with pytest.raises(TreeError, match="at draw 1"):
        backward_induction_batch(risky_investment(), p=[0.3, float("nan")])
    with pytest.raises(ParameterError, match="p must be numbers"):
        backward_induction_batch(risky_investment(), p=["a"])
    with pytest.raises(ParameterError, match="unknown parameter.*P; this tree's parameters are p"):
        backward_induction_batch(risky_investment(), P=[0.9])
    with pytest.raises(ParameterError, match="empty"):  # was a result whose shares were NaN
        backward_induction_batch(risky_investment(), p=[])


def test_unknown_node_and_action_are_refused():
    batch = backward_induction_batch(risky_investment(), p=[0.3])
    with pytest.raises(TreeError, match="no decision node"):
        batch.share(("Keep",), "x")
    with pytest.raises(TreeError, match="no action 'Wait'"):
        batch.share((), "Wait")


def test_a_draws_answer_does_not_depend_on_the_draws_solved_with_it():
    """Each draw's ties are judged against its own payoffs: staying out for 1e-8 beats a 0 from
    bargaining over nothing, alone or beside a draw whose payoffs are a million times larger."""
    tree = bargaining_tree()
    alone = backward_induction_batch(tree, v=[0.0], w=[0.0], c=[1e-8])
    beside = backward_induction_batch(tree, v=[0.0, 1e6], w=[0.0, 0.0], c=[1e-8, 0.0])
    assert alone.choices(()).tolist() == [2]                      # "Stay out"
    assert beside.choices(()).tolist() == [2, 0]                  # "Stay out", then "Greedy"
    assert beside.payoffs[0].tolist() == alone.payoffs[0].tolist() == [1e-8, 0.0]


@pytest.mark.parametrize("tol", [-1e-9, float("nan"), float("inf")])
def test_a_tolerance_that_is_not_a_finite_number_at_least_zero_is_refused(tol):
    with pytest.raises(TreeError, match="tol"):
        backward_induction_batch(bargaining_tree(), v=[1.0], tol=tol)


def test_payoffs_near_the_float_limit_solve_without_overflow_warnings():
    """Three actions each worth 1e308 to the mover: summing a decision node's children (which no
    answer uses) overflows, and must neither warn nor change the answer; the chance node's
    expectation, 0.5 x 1e308 + 0.5 x 1.2e308, is finite and exact enough to rank."""
    tree = GameTree(["A", "B"], decision("A", {
        "x": terminal(1e308, 0),
        "y": chance({"h": (0.5, terminal(1e308, 1)), "t": (0.5, terminal(1.2e308, 1))}),
        "z": terminal(1e308, 2)}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = backward_induction(tree)
        batch = backward_induction_batch(tree, keep=[()])
    assert one.path[0] == "y" and one.payoffs == pytest.approx((1.1e308, 1.0))
    assert batch.payoffs[0].tolist() == list(one.payoffs)
