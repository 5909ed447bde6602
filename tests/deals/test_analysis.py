"""The deal's views through the engine, cross-checked against direct evaluation of the deal."""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deals
from deals import Deal, DealError, Issue
from deals.deal.stances import profile_payoffs, tree_outcome
from games import Parameter
from games.normal_form.equilibria import equilibria
from games.errors import ParameterError

NAMES = deals.library_names()


@functools.cache
def load(name: str) -> Deal:
    return deals.load(name)


def test_python_built_deal_equals_its_file_form():
    deal = Deal(name="toy", title="Toy", supplier="US", partner="P",
                issues=[Issue("chips", (0, 1), giver="supplier"),
                        Issue("pay", (0, 1), giver="partner")],
                parameters=[Parameter("v", 2.0, range=(1.0, 3.0), source="judgement")],
                utility={"supplier": "pay - 0.5 * chips", "partner": "v * chips - pay"},
                outside_option={"supplier": "0", "partner": "0"})
    assert deals.loads(deals.dumps(deal)) == deal


@pytest.mark.parametrize("change,match", [
    ({"issues": []}, "at least one issue"),
    ({"utility": {"supplier": "pay"}}, "missing \\['partner'\\]"),
    ({"issues": [Issue("chips", (0, 1), giver="supplier"), Issue("v", (0, 1), giver="partner")]},
     "already used"),
])
def test_python_built_deal_is_validated(change, match):
    base = dict(name="toy", title="Toy", supplier="US", partner="P",
                issues=[Issue("chips", (0, 1), giver="supplier"),
                        Issue("pay", (0, 1), giver="partner")],
                parameters=[Parameter("v", 2.0)],
                utility={"supplier": "pay - 0.5 * chips", "partner": "v * chips - pay"},
                outside_option={"supplier": "0", "partner": "0"})
    with pytest.raises(DealError, match=match):
        Deal(**{**base, **change})


def test_bind_checks_names_and_does_not_share_results():
    deal = load("chips-for-farm-purchases")
    with pytest.raises(ParameterError, match="bind.no_such: no such parameter"):
        deal.bind(no_such=1.0)
    richer = deal.bind(value_multiple=3.0)
    assert richer.bargaining_problem() is not deal.bargaining_problem()
    assert richer.solutions()["Nash"].gains[1] > deal.solutions()["Nash"].gains[1]


def test_power_from_delay_costs_by_hand():
    # log(0.97) / (log(0.99) + log(0.97)): the more patient US gets the larger share.
    expected = math.log(0.97) / (math.log(0.99) + math.log(0.97))
    assert load("gulf-divestment-uae").bargaining_power() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_stance_game_matches_the_utilities_and_its_equilibria_are_verified(name):
    deal = load(name)
    game = deal.game()
    ours, theirs = deal.side_stances("supplier"), deal.side_stances("partner")
    a, b = game.payoffs
    for i, s in enumerate(ours):
        for j, p in enumerate(theirs):
            if s.walk_away or p.walk_away:
                expected = deal.disagreement()
            else:
                expected = deal.utilities({**s.fixes, **p.fixes})
            assert (a[i, j], b[i, j]) == pytest.approx(expected)
    found = equilibria(game)
    assert len(found) >= 1
    span = max(np.ptp(a), np.ptp(b))
    for eq in found:
        x, y = eq.strategies
        # Independent check: no pure deviation gains more than the tolerance.
        assert (a @ y).max() - x @ a @ y <= 1e-7 * span
        assert (x @ b).max() - x @ b @ y <= 1e-7 * span
        assert eq.regret <= found.tolerance * span + 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_offer_tree_play_is_rational_and_matches_the_utilities(name):
    deal = load(name)
    out = tree_outcome(deal)
    d = deal.disagreement()
    # Either side can walk away at any time, so subgame-perfect play gives each at least that.
    assert out.payoffs[0] >= d[0] - 1e-9 and out.payoffs[1] >= d[1] - 1e-9
    assert out.regret <= out.tolerance
    if out.agreement:
        offer = out.path[0]
        ours = {s.name: s for s in deal.side_stances("supplier")}
        theirs = {p.name: p for p in deal.side_stances("partner")}
        s_name, p_name = offer.split(" for ")
        if out.path[1].startswith("counter "):
            p_name = out.path[1][len("counter "):]
        expected = profile_payoffs(deal, ours[s_name], theirs[p_name])
        assert out.payoffs == pytest.approx(expected)


@pytest.mark.parametrize("name", NAMES)
def test_frontier_and_zone_agree_with_direct_evaluation(name):
    deal = load(name)
    front = deal.frontier()
    assert len(front) >= 1
    # Re-evaluate every frontier outcome step by step (definitions one at a time), a second
    # evaluation path next to the inlined, pre-bound expressions the engine used.
    u_s, u_p = deal.utilities({k: v for k, v in front.outcomes.items()})
    scale = max(1.0, np.abs(front.utilities).max())
    assert np.allclose(u_s, front.utilities[:, 0], atol=1e-9 * scale)
    assert np.allclose(u_p, front.utilities[:, 1], atol=1e-9 * scale)
    zone = deal.zone_of_agreement()
    assert not zone.empty
    d = np.asarray(deal.disagreement())
    assert (zone.utilities >= d - 1e-9 * scale).all()


@pytest.mark.parametrize("name", NAMES)
def test_solutions_are_in_the_zone_and_not_dominated(name):
    # In the setting of the deal's proposal: without the Dutch cap threat (the status quo since
    # the correction of allied-sme-netherlands) the zone of agreement is empty.
    deal = load(name).at_terms("proposal")[0]
    problem = deal.bargaining_problem()
    d = np.asarray(deal.disagreement())
    scale = max(1.0, np.abs(problem.points).max())
    for sol in deal.solutions().solutions:
        assert sol.agreement, sol.solution
        assert min(sol.gains) >= -1e-7 * scale, sol.solution
        direct = deal.utilities(sol.outcome)
        assert direct == pytest.approx(sol.utilities, abs=1e-6 * scale), sol.solution
        # No evaluated outcome beats the solution for both sides by a visible margin.
        better = np.minimum(problem.points[:, 0] - sol.utilities[0],
                            problem.points[:, 1] - sol.utilities[1])
        assert better.max() <= 1e-6 * scale, sol.solution
    assert (np.asarray(deal.solutions().benchmark.utilities) >= d - 1e-9).all()


def test_rubinstein_tends_to_the_benchmark_as_offers_speed_up():
    """Rubinstein's limit: with offers every few hours, alternating offers give the
    asymmetric Nash solution with power from the monthly discount factors."""
    deal = dataclasses.replace(load("chips-for-farm-purchases"), months_between_offers=0.01)
    sols = deal.solutions()
    assert sols["Rubinstein"].gains == pytest.approx(sols.benchmark.gains, rel=0.02)


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(NAMES), seed=st.integers(0, 10_000))
def test_inlined_utilities_equal_stepwise_evaluation(name, seed):
    """Over sampled parameters and outcomes, the one-expression form of each utility (used by
    the solvers) equals the definitions evaluated one at a time."""
    deal = load(name)
    rng = np.random.default_rng(seed)
    draws = deal.parameters.sample(16, seed=seed)
    terms = {}
    for issue in deal.issues:
        lo, hi = issue.range
        terms[issue.name] = (rng.choice(issue.levels, 16) if issue.discrete
                             else rng.uniform(lo, hi, 16))
    stepwise = deal.utilities(terms, draws)
    for k, side in enumerate(("supplier", "partner")):
        inlined = deal.inlined(side)(**draws, **terms)
        assert np.allclose(inlined, stepwise[k], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("give,get,player", [("chips", "divest", "UAE"),
                                             ("divest", "chips", "US")])
def test_concession_curve_asks_the_giver_of_get(give, get, player):
    curve = load("gulf-divestment-uae").concession_curve(give, get)
    assert curve.player == player
    # What the other side accepts to give can only grow with what it receives.
    most = curve.most[np.isfinite(curve.most)]
    assert (np.diff(most) >= -1e-9).all()


@pytest.mark.parametrize("walk", ["deny", "accept"])
def test_a_walk_away_stance_named_like_a_move_keeps_both_moves(walk):
    """By hand: u_S = pay - 0.4 chips, u_P = 2 chips - pay, outside options 0. Whatever the
    supplier offers (chips 1 for pay 0.5 or 0.9), the partner does best to end at pay 0.5:
    accept that, or counter with it, which the supplier accepts (0.1 > 0 for walking away).
    So play ends at (0.1, 1.5), also when the supplier's walk-away stance is called 'accept'
    (were its walk-away to replace its 'accept' after a counter, the partner would take
    pay 0.9 and play would end at (0.5, 1.1))."""
    deal = Deal(name="toy", title="Toy", supplier="US", partner="P",
                issues=[Issue("chips", (0, 1), giver="supplier"),
                        Issue("pay", (0, 1), giver="partner")],
                parameters=[], utility={"supplier": "pay - 0.4 * chips",
                                        "partner": "2 * chips - pay"},
                outside_option={"supplier": "0", "partner": "0"},
                stances=[deals.Stance(walk, "supplier", walk_away=True),
                         deals.Stance("give", "supplier", {"chips": 1.0}),
                         deals.Stance("pay", "partner", {"pay": 0.5}),
                         deals.Stance("paymore", "partner", {"pay": 0.9})])
    out = tree_outcome(deal)
    assert out.payoffs == pytest.approx((0.1, 1.5))
    assert out.path[-1] == "accept"


def test_offer_tree_with_a_few_stances_a_side_still_has_its_subgame_perfect_play():
    """Four supplier stances and three partner stances: the tree's reduced normal form has
    about 10 million cells, too many to list its non-credible equilibria, but backward
    induction still solves it. By hand (u_S = pay - 0.4 chips, u_P = 2 chips - pay, outside
    options 0): whatever is offered, the partner ends at the lowest pay the supplier accepts
    over walking away, the least of 0.2, 0.5, 0.9 above 0.4 chips. The supplier gets
    0.5 - 0.4 = 0.1 for chips 1, 0.5 - 0.24 = 0.26 for chips 0.6 and 0.2 - 0.1 = 0.1 for
    chips 0.25, so it offers 0.6 and the partner pays 0.5: (0.26, 1.2 - 0.5)."""
    deal = Deal(name="toy", title="Toy", supplier="US", partner="P",
                issues=[Issue("chips", (0, 1), giver="supplier"),
                        Issue("pay", (0, 1), giver="partner")],
                parameters=[], utility={"supplier": "pay - 0.4 * chips",
                                        "partner": "2 * chips - pay"},
                outside_option={"supplier": "0", "partner": "0"},
                stances=[deals.Stance("deny", "supplier", walk_away=True)]
                + [deals.Stance(n, "supplier", {"chips": c})
                   for n, c in (("all", 1.0), ("most", 0.6), ("few", 0.25))]
                + [deals.Stance(n, "partner", {"pay": p})
                   for n, p in (("low", 0.2), ("mid", 0.5), ("high", 0.9))])
    out = tree_outcome(deal)
    assert out.payoffs == pytest.approx((0.26, 0.7))
    assert out.path[0].startswith("most for ")
    assert out.non_credible is None and "too large" in out.caption()
