"""Reduced normal form, non-credible threats, and cross-checks between the tree and normal-form solvers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games.errors import GameTooLargeError, TreeError
from games.trees import (
    GameTree,
    backward_induction,
    chance,
    decision,
    non_credible_equilibria,
    reduced_normal_form,
    subgame_perfect_equilibria,
    terminal,
)
from games.trees.credibility import pure_profiles

from games.trees.textbook import centipede, entry_deterrence, restrict_or_open, ultimatum


def test_entry_deterrence_has_exactly_one_non_credible_equilibrium():
    result = non_credible_equilibria(entry_deterrence())
    assert result.nash_count == 2
    assert [e.strategies for e in result] == [("Out", "Fight")]
    assert result.credible == (("In", "Accommodate"),)
    (threat,) = result[0].threats
    assert threat.startswith("Incumbent: Fight after In is not a best response there")


def test_restrict_or_open_names_the_buyers_threat():
    result = non_credible_equilibria(restrict_or_open())
    assert [e.strategies for e in result] == [("Open", "Retaliate")]
    assert result[0].threats[0].startswith(
        "Buyer: Retaliate after Restrict is not a best response there")
    assert result[0].payoffs == (2.0, 2.0)
    assert backward_induction(restrict_or_open()).path == ("Restrict", "Accept")


def test_reduced_normal_form_of_centipede():
    # Reduced: each player's strategies are "take at my k-th turn" or "always pass".
    game = reduced_normal_form(centipede(4))
    assert game.shape == (3, 3)
    assert game.strategies[0] == ("Take, *", "Pass, Take", "Pass, Pass")
    # Every Nash equilibrium of the centipede ends at the first node (Osborne 2004, Ex. 233.1).
    cells = pure_profiles(game.payoffs, 1e-9)
    assert cells and all(game.payoffs[0][c] == 2.0 and game.payoffs[1][c] == 0.0 for c in cells)


def test_ultimatum_non_credible_equilibria_reject_fair_offers():
    result = non_credible_equilibria(ultimatum(4))
    # Credible: offer 0 or 1 with acceptance of every positive offer.
    assert {e[0] for e in result.credible} == {"offer 0", "offer 1"}
    assert result.credible == (("offer 0", "Accept, Accept, Accept, Accept, Accept"),
                               ("offer 1", "Reject, Accept, Accept, Accept, Accept"))
    # Counted by hand: the responder must accept an offered x > 0 and reject every smaller
    # offer the proposer would prefer; offers above x are free. Offer x = 1..4 accepted:
    # 2^(4-x) completions, 8 + 4 + 2 + 1 = 15. Offer 0 accepted: 2^4 = 16. Offer 0 rejected
    # (proposer gets 0): offers 1..3 must be rejected, offer 4 (worth 0) is free: 2.
    # 33 pure Nash equilibria, 2 of them credible.
    assert result.nash_count == 33 and len(result) == 31
    # Every non-credible one rejects some positive offer, and says which.
    for e in result:
        assert any("Reject after offer" in t for t in e.threats)


def test_normal_form_expected_payoffs_over_chance():
    tree = GameTree(["A", "B"], chance({
        "x": (0.25, decision("A", {"l": terminal(4, 0), "r": terminal(0, 8)}, infoset="blind")),
        "y": (0.75, decision("A", {"l": terminal(0, 4), "r": terminal(8, 0)}, infoset="blind"))}))
    game = reduced_normal_form(tree)
    assert game.strategies == (("l", "r"), ("(no move)",))
    assert game.payoffs[0][:, 0].tolist() == [1.0, 6.0]
    assert game.payoffs[1][:, 0].tolist() == [3.0, 2.0]


def test_too_large_normal_form_is_refused():
    wide = GameTree(["A", "B"], decision("A", {
        f"a{i}": decision("B", {f"b{j}": terminal(i, j) for j in range(3)}) for i in range(15)}))
    with pytest.raises(GameTooLargeError, match=r"215233605 cells \(15 x 14348907\)"):
        reduced_normal_form(wide)
    with pytest.raises(GameTooLargeError, match="14348907 reduced strategies for B"):
        reduced_normal_form(wide, max_cells=10**12)
    with pytest.raises(GameTooLargeError, match="64 cells"):
        reduced_normal_form(ultimatum(3), max_cells=10)


def test_one_player_tree_has_no_normal_form():
    with pytest.raises(TreeError, match="two players"):
        reduced_normal_form(GameTree(["A"], decision("A", {"x": terminal(1)})))


# ----------------------------------------------------------------- random trees

def reference_value(node, players):
    """Naive recursive backward induction with the same tie-break (first best action)."""
    if hasattr(node, "payoffs"):
        return np.asarray(node.payoffs, dtype=float)
    values = [reference_value(c, players) for c in node.children]
    if hasattr(node, "probabilities"):
        return sum(p * v for p, v in zip(node.probabilities, values))
    p = players.index(node.player)
    best = max(v[p] for v in values)
    return next(v for v in values if v[p] >= best - 1e-9 * 10)


@st.composite
def random_trees(draw, max_depth: int = 3):
    n_players = draw(st.integers(2, 3))
    players = [f"P{k}" for k in range(n_players)]

    def node(depth: int):
        if depth >= max_depth or draw(st.integers(0, 3)) == 0:
            return terminal(*draw(st.lists(st.integers(0, 4), min_size=n_players, max_size=n_players)))
        width = draw(st.integers(1, 3))
        children = [node(depth + 1) for _ in range(width)]
        if draw(st.integers(0, 4)) == 0:
            weights = draw(st.lists(st.integers(1, 4), min_size=width, max_size=width))
            return chance({f"c{k}": (w / sum(weights), c) for k, (w, c) in enumerate(zip(weights, children))})
        return decision(players[draw(st.integers(0, n_players - 1))],
                        {f"a{k}": c for k, c in enumerate(children)})

    return GameTree(players, node(0))


@settings(max_examples=60, deadline=None)
@given(random_trees())
def test_vectorised_backward_induction_matches_naive_recursion(tree):
    spe = backward_induction(tree)
    assert spe.payoffs == pytest.approx(tuple(reference_value(tree.root, list(tree.players))))
    assert spe.regret <= spe.tolerance


@settings(max_examples=40, deadline=None)
@given(random_trees())
def test_spe_is_among_the_normal_form_equilibria_and_the_rest_are_non_credible(tree):
    if not any(n.__class__.__name__ == "Decision" for _, n in tree.walk()):
        return
    first = backward_induction(tree)
    every = subgame_perfect_equilibria(tree)
    assert any(e.strategies == first.strategies for e in every)
    game = reduced_normal_form(tree)
    nash = pure_profiles(game.payoffs, 1e-9 * max(1.0, max(float(np.abs(t).max()) for t in game.payoffs)))
    result = non_credible_equilibria(tree)
    assert result.nash_count == len(nash)
    named = {tuple(game.strategies[p].index(s) for p, s in enumerate(cell))
             for cell in result.credible}
    rest = {tuple(game.strategies[p].index(s) for p, s in enumerate(e.strategies)) for e in result}
    # credible and non-credible partition the pure Nash equilibria
    assert named | rest == set(nash) and not named & rest
    # the credible ones give the payoffs of some subgame-perfect equilibrium
    spe_payoffs = [e.payoffs for e in every]
    for cell in named:
        payoff = tuple(float(t[cell]) for t in game.payoffs)
        assert any(np.allclose(payoff, v) for v in spe_payoffs)
    for e in result:
        assert e.regret <= 1e-9
        assert e.threats and all(t.split(":")[0] in tree.players and "is not a best response there" in t
                                 for t in e.threats)


@settings(max_examples=25, deadline=None)
@given(random_trees())
def test_spe_is_an_equilibrium_for_the_normal_form_solvers(tree):
    equilibria = pytest.importorskip("games.normal_form.equilibria")
    if len(tree.players) != 2:
        return
    game = reduced_normal_form(tree)
    spe = backward_induction(tree)
    pure = equilibria.pure_equilibria(game)
    # the SPE outcome is the payoff of one of the solver's pure equilibria
    assert any(np.allclose(e.payoffs, spe.payoffs) for e in pure)
    assert len(pure) == non_credible_equilibria(tree).nash_count


def test_textbook_normal_forms_solved_by_vertex_enumeration_contain_the_spe():
    equilibria = pytest.importorskip("games.normal_form.equilibria")
    for tree in [entry_deterrence(), restrict_or_open(), centipede(4), ultimatum(3)]:
        game = reduced_normal_form(tree)
        found = equilibria.equilibria(game, method="vertex")
        spe = backward_induction(tree)
        assert any(e.is_pure and np.allclose(e.payoffs, spe.payoffs) for e in found), tree


def test_threats_carry_their_parts():
    (e,) = non_credible_equilibria(restrict_or_open())
    (t,) = e.threats
    assert (t.player, t.action, t.history, t.best_action) == ("Buyer", "Retaliate", ("Restrict",), "Accept")
    assert (t.value, t.best_value) == (0.0, 1.0)
    import pickle

    assert pickle.loads(pickle.dumps(t)).history == ("Restrict",)


def scaled(tree: GameTree, player: int, factor: float) -> GameTree:
    """The same tree with one player's payoffs multiplied by ``factor``."""
    def copy(node):
        if hasattr(node, "payoffs"):
            return terminal(*[v * factor if k == player else v for k, v in enumerate(node.payoffs)])
        children = [copy(c) for c in node.children]
        if hasattr(node, "probabilities"):
            return chance({a: (p, c) for a, p, c in zip(node.actions, node.probabilities, children)})
        return decision(node.player, dict(zip(node.actions, children)))

    return GameTree(list(tree.players), copy(tree.root))


@settings(max_examples=40, deadline=None)
@given(random_trees(), st.data())
def test_one_players_payoffs_in_other_units_change_no_choice(tree, data):
    """Multiplying one player's payoffs by a positive number (a power of 2: exact in floats) is a
    change of that player's units, so every solver makes the same choices (von Neumann-Morgenstern
    utilities are unique up to a positive affine map per player). A tolerance scaled to the
    largest payoff of all players called the others' differences (integers here) ties; one of
    at least 1 called all of a player's differences ties once its payoffs were in millionths."""
    player = data.draw(st.integers(0, len(tree.players) - 1))
    big = scaled(tree, player, data.draw(st.sampled_from([2.0 ** 40, 2.0 ** -40])))
    assert backward_induction(big).strategies == backward_induction(tree).strategies
    assert ([e.strategies for e in subgame_perfect_equilibria(big)]
            == [e.strategies for e in subgame_perfect_equilibria(tree)])
    if len(tree.players) >= 2 and any(n.__class__.__name__ == "Decision" for _, n in tree.walk()):
        assert ([e.strategies for e in non_credible_equilibria(big)]
                == [e.strategies for e in non_credible_equilibria(tree)])


def test_a_player_in_units_is_not_tied_by_another_in_millions():
    """B's stake is 1e-4 against A's millions: B still takes x, so A plays L for 1e6 (before, B was
    called indifferent and the first listed action, y, was chosen)."""
    tree = GameTree(["A", "B"], decision("A", {
        "L": decision("B", {"y": terminal(2e6, 0), "x": terminal(1e6, 1e-4)}),
        "R": terminal(0, 0)}))
    spe = backward_induction(tree)
    assert spe.path == ("L", "x") and spe.payoffs == (1e6, 1e-4)
    assert [e.payoffs for e in subgame_perfect_equilibria(tree)] == [(1e6, 1e-4)]
