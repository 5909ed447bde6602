"""Imperfect information: proper subgames and subgame-by-subgame solution."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games.trees import (
    GameTree,
    backward_induction,
    chance,
    decision,
    proper_subgames,
    solve_by_subgames,
    terminal,
)


def pennies_with_outside_option(outside: float) -> GameTree:
    pennies = decision("Row", {
        "H": decision("Col", {"h": terminal(1, -1), "t": terminal(-1, 1)}, infoset="guess"),
        "T": decision("Col", {"h": terminal(-1, 1), "t": terminal(1, -1)}, infoset="guess")})
    return GameTree(["Row", "Col"], decision("Row", {"Play": pennies, "Quit": terminal(outside, 0)}))


def test_selten_horse_has_no_proper_subgame_but_the_whole_tree():
    # Selten (1975), Fig. 1: player 3 cannot tell whether 1 or 2 ended the horse's body.
    horse = GameTree(["1", "2", "3"], decision("1", {
        "C": decision("2", {"c": terminal(1, 1, 1),
                            "d": decision("3", {"L": terminal(4, 4, 0), "R": terminal(1, 1, 1)},
                                          infoset="3")}),
        "D": decision("3", {"L": terminal(0, 0, 0), "R": terminal(3, 2, 2)}, infoset="3")}))
    assert proper_subgames(horse) == ((),)


@pytest.mark.parametrize("outside, payoffs, first_move", [
    (0.5, (0.5, 0.0), "Quit"),     # matching pennies is worth 0 to Row: quitting for 0.5 is better
    (-0.5, (0.0, 0.0), "Play"),
])
def test_mixed_subgame_value_decides_the_first_move(outside, payoffs, first_move):
    solution = solve_by_subgames(pennies_with_outside_option(outside))
    assert solution.payoffs == pytest.approx(payoffs, abs=1e-9)
    assert [s.root for s in solution.steps] == [(), ("Play",)]
    pennies = solution.steps[1]
    assert pennies.play["Row"] == "0.5 H + 0.5 T" and pennies.play["Col"] == "0.5 h + 0.5 t"
    assert first_move in solution.steps[0].play["Row"]
    assert all(s.regret <= 1e-9 for s in solution.steps)


def test_several_pure_equilibria_in_a_subgame_are_reported():
    coordination = decision("A", {
        "x": decision("B", {"x": terminal(2, 2), "y": terminal(0, 0)}, infoset="b"),
        "y": decision("B", {"x": terminal(0, 0), "y": terminal(1, 1)}, infoset="b")})
    tree = GameTree(["A", "B"], chance({"go": (1.0, coordination)}))
    solution = solve_by_subgames(tree)
    assert solution.steps[-1].alternatives == 2
    assert "several equilibria" in str(solution)
    assert solution.payoffs == (2.0, 2.0)  # the first pure equilibrium found, (x, x)


@st.composite
def perfect_information_trees(draw):
    def node(depth: int):
        if depth >= 3 or draw(st.integers(0, 2)) == 0:
            return terminal(draw(st.integers(0, 6)), draw(st.integers(0, 6)))
        children = {f"a{k}": node(depth + 1) for k in range(draw(st.integers(1, 3)))}
        if draw(st.integers(0, 4)) == 0:
            return chance({a: (1 / len(children), c) for a, c in children.items()})
        return decision(draw(st.sampled_from(["A", "B"])), children)
    return GameTree(["A", "B"], node(0))


@settings(max_examples=40, deadline=None)
@given(perfect_information_trees())
def test_decomposition_of_perfect_information_trees_is_backward_induction(tree):
    # Every node of a perfect-information tree starts a proper subgame.
    inner = [h for h, n in tree.walk() if not hasattr(n, "payoffs")]
    assert set(proper_subgames(tree)) == set(inner)
    # A lone terminal included (it used to raise IndexError in solve_by_subgames).
    assert solve_by_subgames(tree).payoffs == pytest.approx(backward_induction(tree).payoffs)


def test_a_tree_that_is_only_an_end_has_no_step():
    solution = solve_by_subgames(GameTree(["A", "B"], terminal(1, 2)))
    assert solution.payoffs == (1.0, 2.0) and solution.steps == ()
