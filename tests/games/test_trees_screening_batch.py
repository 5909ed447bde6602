"""Batch screening against the one-draw screening solver, and kept subgame payoffs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from games.errors import TreeError
from games.trees import (
    GameTree, backward_induction_batch, chance, decision, proposer_first, risky_investment,
    screening_offer, screening_offer_batch, screening_tree, terminal,
)


def lemons(values=(5, 10)):
    """A seller offers a price blind; the buyer (low or high value) accepts or rejects."""
    return screening_tree("Seller", "Buyer", types={"low": "q", "high": "1 - q"},
                          offers=["price 4", "price 8"], responses=["Accept", "Reject"],
                          payoffs=lambda t, o, r: ((int(o[6:]), values[t == "high"] - int(o[6:]))
                                                   if r == "Accept" else (0, 0)),
                          parameters={"q": 0.5})


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6))
def test_batch_screening_matches_one_draw_screening(qs):
    batch = screening_offer_batch(lemons(), q=qs)
    for d, q in enumerate(qs):
        one = screening_offer(lemons().bind(q=q))
        assert batch.expected[batch.best[d], d, 0] == pytest.approx(one.payoffs[0])
        assert batch.expected[batch.offers.index(one.offer), d, 0] == pytest.approx(one.payoffs[0])


def test_by_type_payoffs_and_responses_by_hand():
    s = screening_offer_batch(lemons(), q=[0.25])
    # price 8: the low type (value 5) rejects, the high type (value 10) accepts and keeps 2
    assert s.by_type[1, 0, 0].tolist() == [0.0, 0.0]
    assert s.by_type[1, 1, 0].tolist() == [8.0, 2.0]
    assert s.responses[1, :, 0].tolist() == [1, 0]
    assert s.expected[1, 0, 0] == pytest.approx(6.0)  # 0.75 * 8


def test_chunks_do_not_change_the_answer():
    qs = np.linspace(0, 1, 11)
    a = screening_offer_batch(lemons(), q=qs, chunk_size=3)
    b = screening_offer_batch(lemons(), q=qs)
    assert np.array_equal(a.expected, b.expected) and np.array_equal(a.responses, b.responses)


def test_proposer_first_keeps_every_strategy_payoff():
    t = lemons().bind(q=0.3)
    r = proposer_first(t)
    assert r.is_perfect_information and r.root.actions == ("price 4", "price 8")


def test_proposer_first_refuses_a_tree_without_a_blind_proposer():
    tree = GameTree(["A", "B"], chance({"x": (0.5, terminal(0, 0)), "y": (0.5, terminal(1, 1))}))
    with pytest.raises(TreeError, match="information set"):
        proposer_first(tree)


def test_kept_payoffs_include_chance_expectations():
    b = backward_induction_batch(risky_investment(), p=[0.0, 0.5, 1.0], keep=[("Invest",), ("Keep",)])
    assert b.payoffs_at(("Invest",))[:, 0].tolist() == pytest.approx([-2.0, 3.0, 8.0])
    assert b.payoffs_at(("Keep",))[:, 0].tolist() == [3.0, 3.0, 3.0]
    with pytest.raises(TreeError, match="not kept"):
        b.payoffs_at(())
    with pytest.raises(TreeError, match="no action"):
        backward_induction_batch(risky_investment(), p=[0.5], keep=[("Nope",)])
