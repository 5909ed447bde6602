"""Incomplete information: Bayesian normal form, Bayesian Nash equilibria, screening offers."""

from __future__ import annotations

import numpy as np
import pytest

from games.errors import TreeError
from games.trees import (
    GameTree,
    bayesian_nash_equilibria,
    bayesian_normal_form,
    chance,
    decision,
    screening_offer,
    screening_tree,
    terminal,
)


def bos_with_unknown_preferences() -> GameTree:
    """Osborne (2004), Example 273.1: BoS where player 2 wants to meet or avoid player 1, each w.p. 1/2."""
    meet = {("B", "B"): (2, 1), ("B", "S"): (0, 0), ("S", "B"): (0, 0), ("S", "S"): (1, 2)}
    avoid = {("B", "B"): (2, 0), ("B", "S"): (0, 2), ("S", "B"): (0, 1), ("S", "S"): (1, 0)}

    def stage(kind: str, table: dict):
        return decision("P1", {a: decision("P2", {b: terminal(*table[(a, b)]) for b in "BS"},
                                           infoset=kind) for a in "BS"}, infoset="P1")

    return GameTree(["P1", "P2"], chance({"meet": (0.5, stage("meet", meet)),
                                          "avoid": (0.5, stage("avoid", avoid))}))


def test_bayesian_normal_form_has_type_contingent_strategies():
    game = bayesian_normal_form(bos_with_unknown_preferences())
    assert game.strategies[0] == ("P1: B", "P1: S")
    assert game.strategies[1] == ("meet: B, avoid: B", "meet: B, avoid: S",
                                  "meet: S, avoid: B", "meet: S, avoid: S")
    # P1 playing B against (B if meet, S if avoid): 1/2 * 2 + 1/2 * 0
    assert game.payoffs[0][0, 1] == pytest.approx(1.0)
    assert game.payoffs[1][0, 1] == pytest.approx(0.5 * 1 + 0.5 * 2)


def test_unique_pure_bayesian_equilibrium_of_osbornes_example():
    found = bayesian_nash_equilibria(bos_with_unknown_preferences())
    assert len(found) == 1
    (eq,) = found
    assert eq.strategies[0].tolist() == [1.0, 0.0]          # P1: B
    assert eq.strategies[1].tolist() == [0.0, 1.0, 0.0, 0.0]  # meet: B, avoid: S
    assert eq.regret <= found.max_regret


def test_mixed_bayesian_equilibria_include_the_pure_one():
    found = bayesian_nash_equilibria(bos_with_unknown_preferences(), mixed=True)
    assert any(e.is_pure and e.strategies[1][1] == 1.0 for e in found)
    assert all(e.regret <= found.max_regret for e in found)


def test_bayesian_forms_need_types_at_the_root():
    tree = GameTree(["A", "B"], decision("A", {"x": terminal(1, 1)}))
    with pytest.raises(TreeError, match="chance move at the root"):
        bayesian_normal_form(tree)


def pricing(q: float | None = None) -> GameTree:
    """Seller asks 4 or 8; the buyer values the good at 5 (w.p. 1 - q) or 10 (w.p. q)."""
    value = {"low": 5, "high": 10}
    return screening_tree(
        "Seller", "Buyer", types={"low": "1 - q", "high": "q"}, offers=["ask 4", "ask 8"],
        responses=["Buy", "Walk"], parameters={"q": 0.4 if q is None else q},
        payoffs=lambda t, o, r: (int(o[4:]), value[t] - int(o[4:])) if r == "Buy" else (0, 0))


@pytest.mark.parametrize("q, offer, seller, buy", [
    (0.4, "ask 4", 4.0, 1.0),
    (0.45, "ask 4", 4.0, 1.0),
    (0.55, "ask 8", 4.4, 0.55),   # 8 q > 4 exactly when q > 1/2
    (0.9, "ask 8", 7.2, 0.9),
])
def test_screening_offer_maximises_expected_payoff(q, offer, seller, buy):
    best = screening_offer(pricing().bind(q=q))
    assert best.offer == offer
    assert best.payoffs[0] == pytest.approx(seller)
    assert best.probability("Buy") == pytest.approx(buy)
    assert best.responses["low"] == (("Walk",) if offer == "ask 8" else ("Buy",))


def test_screening_table_lists_every_offer_and_ties():
    at_half = screening_offer(pricing().bind(q=0.5))
    assert at_half.offer == "ask 4" and at_half.ties == ("ask 8",)
    frame = at_half.to_frame()
    assert list(frame.index) == ["ask 4", "ask 8"]
    assert frame.loc["ask 8", "expected Seller"] == pytest.approx(4.0)
    assert "tied" in str(at_half)


def test_screening_needs_a_blind_proposer():
    seen = GameTree(["S", "B"], chance({
        "t1": (0.5, decision("S", {"o": terminal(1, 1)})),
        "t2": (0.5, decision("S", {"o": terminal(1, 1)}))}))
    with pytest.raises(TreeError, match="one information set"):
        screening_offer(seen)


def test_screening_agrees_with_the_bayesian_normal_form():
    # The seller's best ask in the screening solution is its strategy in a pure Bayesian
    # equilibrium of the same tree where the buyer plays its dominant answers.
    tree = pricing().bind(q=0.7)
    best = screening_offer(tree)
    found = bayesian_nash_equilibria(tree)
    game = bayesian_normal_form(tree)
    seller_choices = {game.strategies[0][int(np.argmax(e.strategies[0]))] for e in found}
    assert f"offer: {best.offer}" in seller_choices
