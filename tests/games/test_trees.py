"""Game trees: building, validation, binding, and backward induction on textbook games."""

from __future__ import annotations

import pytest

from games.errors import ExpressionError, ParameterError, TreeError
from games.trees import (
    GameTree,
    backward_induction,
    chance,
    decision,
    subgame_perfect_equilibria,
    terminal,
)
from games.trees.textbook import centipede, entry_deterrence, risky_investment, ultimatum


# ----------------------------------------------------------------- textbook answers

@pytest.mark.parametrize("tree, path, payoffs", [
    (entry_deterrence(), ("In", "Accommodate"), (1.0, 1.0)),
    (centipede(6), ("Take",), (2.0, 0.0)),
    (centipede(5), ("Take",), (2.0, 0.0)),
    (risky_investment(0.6), ("Invest", "Success"), (4.0, 0.4)),
    (risky_investment(0.4), ("Keep",), (3.0, 0.0)),
], ids=["entry", "centipede6", "centipede5", "invest-p0.6", "invest-p0.4"])
def test_backward_induction_textbook(tree, path, payoffs):
    spe = backward_induction(tree)
    assert spe.path == path
    assert spe.payoffs == pytest.approx(payoffs)
    assert spe.regret <= spe.tolerance


def test_centipede_every_mover_takes():
    spe = backward_induction(centipede(6))
    assert set(spe.strategies.values()) == {"Take"}
    assert len(spe.strategies) == 6


def test_chance_outcomes_carry_probabilities():
    spe = backward_induction(risky_investment(0.6))
    assert spe.outcomes == pytest.approx({("Invest", "Success"): 0.6, ("Invest", "Failure"): 0.4})


def test_ultimatum_has_exactly_two_subgame_perfect_equilibria():
    # The responder is indifferent only at offer 0: accepting it gives (10, 0), rejecting
    # it makes offering 1 optimal, (9, 1) (Osborne 2004, Exercise 181.1).
    found = subgame_perfect_equilibria(ultimatum(10))
    assert sorted(e.payoffs for e in found) == [(9.0, 1.0), (10.0, 0.0)]
    first = backward_induction(ultimatum(10))
    assert first.payoffs == (10.0, 0.0)  # the tie goes to the first listed action, Accept
    assert first.ties == (("offer 0",),)
    assert "tie" in str(first)


def test_ties_at_unreached_nodes_multiply_equilibria():
    tree = GameTree(["A", "B"], decision("A", {
        "Stop": terminal(5, 0),
        "Go": decision("B", {"x": terminal(0, 1), "y": terminal(1, 1)})}))
    found = subgame_perfect_equilibria(tree)
    assert {e.strategies[("Go",)] for e in found} == {"x", "y"}
    assert all(e.path == ("Stop",) for e in found)


def test_parameters_bind_and_move_the_answer():
    tree = risky_investment()
    assert not tree.is_numeric and tree.parameter_names == ("p",)
    assert backward_induction(tree).path[0] == "Invest"  # default p = 0.6
    assert backward_induction(tree.bind(p=0.45)).path == ("Keep",)
    # threshold: 10 p - 2 = 3 at p = 0.5
    assert backward_induction(tree.bind(p=0.51)).path[0] == "Invest"


def test_payoffs_by_player_name():
    tree = GameTree(["Seller", "Buyer"], decision("Buyer", {
        "Buy": terminal({"Buyer": 1, "Seller": 3}), "Walk": terminal({"Seller": 0, "Buyer": 0})}))
    assert backward_induction(tree).payoffs == (3.0, 1.0)


def test_payoff_scale_does_not_change_the_answer():
    big = GameTree(["A", "B"], decision("A", {"L": terminal(1e6, 0), "R": terminal(1e6 + 1, 0)}))
    spe = backward_induction(big)
    assert spe.path == ("R",) and spe.ties == ()
    # ... while rounding noise relative to the scale is a tie, broken towards the first action
    noisy = GameTree(["A", "B"], decision("A", {"L": terminal(0.3, 0), "R": terminal(0.1 + 0.2, 0)}))
    assert backward_induction(noisy).ties == ((),)


def test_deep_tree_is_solved_without_recursion_limits():
    tree = centipede(400)
    assert backward_induction(tree).path == ("Take",)
    assert tree == centipede(400) and tree != centipede(399)  # equality used to recurse


def test_too_deep_a_tree_is_refused_with_our_error():
    node = terminal(0, 0)
    for _ in range(5000):
        node = decision("A", {"go": node})
    with pytest.raises(TreeError, match="nested too deeply"):
        GameTree(["A", "B"], node)


# ----------------------------------------------------------------- malformed trees

@pytest.mark.parametrize("build, message", [
    (lambda: GameTree(["A", "B"], chance({"H": (0.5, terminal(1, 1)), "T": (0.4, terminal(0, 0))})),
     "sum to 0.9"),
    (lambda: GameTree(["A", "B"], chance({"H": (1.5, terminal(1, 1)), "T": (-0.5, terminal(0, 0))})),
     "negative probability"),
    (lambda: GameTree(["A", "B"], decision("A", {})), "has no actions"),
    (lambda: GameTree(["A", "B"], decision("A", {"L": terminal(1, 2, 3)})), "3 payoffs"),
    (lambda: GameTree(["A", "B"], decision("C", {"L": terminal(1, 2)})), "not a player"),
    (lambda: GameTree(["A", "B"], decision("A", {"L": terminal({"A": 1})})), "missing"),
    (lambda: GameTree(["A", "B"], decision("A", {"L": terminal(float("nan"), 0)})), "finite"),
    (lambda: GameTree(["A", "B"], decision("A", {"L": terminal(True, 0)})), "boolean"),
    (lambda: GameTree(["A", "A"], terminal(1, 1)), "distinct"),
    (lambda: GameTree(["A", "B"], decision("A", {"L": "oops"})), "build nodes with"),
    (lambda: GameTree(["A", "B"], decision("A", {
        "L": decision("B", {"x": terminal(0, 0)}, infoset="h"),
        "R": decision("B", {"y": terminal(0, 0)}, infoset="h")})), "same actions"),
    (lambda: GameTree(["A", "B"], chance({"H": 0.5})), "pair"),
], ids=["prob-sum", "prob-negative", "no-actions", "payoff-length", "unknown-player",
        "missing-payoff", "nan", "bool", "duplicate-players", "not-a-node", "infoset-actions",
        "chance-pair"])
def test_malformed_trees_are_refused_with_a_message(build, message):
    with pytest.raises(TreeError, match=message):
        build()


def test_expression_errors_name_the_node():
    with pytest.raises(ExpressionError, match="after L"):
        GameTree(["A", "B"], decision("A", {"L": terminal("q + ", 0)}))
    with pytest.raises(ExpressionError, match="undefined"):
        GameTree(["A", "B"], decision("A", {"L": terminal("q", 0)}), parameters={"p": 1})


def test_probability_expressions_are_checked_when_bound():
    tree = GameTree(["A", "B"], chance({"H": ("p", terminal(1, 0)), "T": ("p", terminal(0, 1))}))
    with pytest.raises(TreeError, match="sum to 1.2"):
        tree.bind(p=0.6)
    assert tree.bind(p=0.5).is_numeric


def test_bind_refuses_unknown_names_and_non_numbers():
    # A misspelt name used to be ignored, leaving p at its default 0.6 (Invest) unnoticed.
    with pytest.raises(ParameterError, match="unknown parameter.*P"):
        risky_investment().bind(P=0.1)
    with pytest.raises(ParameterError, match="p must be a number"):
        risky_investment().bind(p="x")


def test_solving_a_symbolic_tree_without_defaults_asks_for_bind():
    tree = GameTree(["A", "B"], decision("A", {"L": terminal("a", 0), "R": terminal(0, 0)}))
    with pytest.raises(TreeError, match="bind"):
        backward_induction(tree)
    with pytest.raises(ParameterError, match="a"):
        tree.bind()


def test_imperfect_information_is_refused_by_backward_induction():
    tree = GameTree(["A", "B"], decision("A", {
        "L": decision("B", {"x": terminal(1, 0), "y": terminal(0, 1)}, infoset="h"),
        "R": decision("B", {"x": terminal(0, 1), "y": terminal(1, 0)}, infoset="h")}))
    with pytest.raises(TreeError, match="solve_by_subgames"):
        backward_induction(tree)


def test_node_lookup_and_result_table():
    tree = entry_deterrence()
    assert tree.node(("In", "Fight")).payoffs == (-1.0, -1.0)
    with pytest.raises(TreeError, match="no action 'Stay'"):
        tree.node(("Stay",))
    frame = backward_induction(tree).to_frame()
    assert list(frame["action"]) == ["In", "Accommodate"]
    assert list(frame["on path"]) == [True, True]


def test_parameter_set_gives_names_and_defaults():
    from games.parameters import Parameter, ParameterSet

    params = ParameterSet([Parameter("p", 0.3, range=(0.0, 1.0)), Parameter("prize", 8.0)])
    tree = GameTree(["Firm", "Rival"], decision("Firm", {
        "Invest": chance({"Success": ("p", terminal("prize", 0)), "Failure": ("1 - p", terminal(-2, 1))}),
        "Keep": terminal(3, 0)}), parameters=params)
    assert tree.parameter_names == ("p", "prize")
    assert backward_induction(tree).path == ("Keep",)           # 0.3 * 10 - 2 = 1 < 3
    assert backward_induction(tree.bind(p=0.7)).path[0] == "Invest"  # 0.7 * 10 - 2 = 5 > 3
    assert backward_induction(tree.bind(prize=20)).path[0] == "Invest"  # 0.3 * 22 - 2 = 4.6


def test_programmatic_construction_from_stances():
    # How a domain builds a tree from data: a proposer offers one of its stances, the
    # responder accepts, counters with one of its own, or walks away.
    stances = {"low": 1.0, "high": 3.0}
    counters = {"meet": 2.0}
    tree = GameTree(["Proposer", "Responder"], decision("Proposer", {
        offer: decision("Responder", {
            "Accept": terminal(ask, 4 - ask),
            **{f"Counter {c}": terminal(v, 4 - v) for c, v in counters.items()},
            "Walk away": terminal(0, 1.5)})
        for offer, ask in stances.items()}))
    spe = backward_induction(tree)
    # The responder accepts the low ask (3 > 2 > 1.5) and counters the high one (2 > 1.5 > 1),
    # so the proposer asks high and ends at the counter.
    assert spe.path == ("high", "Counter meet")
    assert spe.payoffs == (2.0, 2.0) and spe.ties == ()
    assert spe.strategies[("low",)] == "Accept"


def test_declared_names_without_values_must_be_bound():
    tree = GameTree(["A", "B"], decision("A", {"x": terminal("a", 0), "y": terminal(1, 0)}),
                    parameters=["a"])
    with pytest.raises(ParameterError, match="needs values for a"):
        tree.bind()
    assert backward_induction(tree.bind(a=2)).path == ("x",)
    with pytest.raises(TreeError, match="single string"):
        GameTree("AB", terminal(1, 1))
