"""Actors at home, two-sided beliefs and the doubted threat, against closed forms and today's tree."""

import copy

import numpy as np
import pytest

import deals
from deals.deal.sections.actors import latency, member_gains
from deals.two_level.beliefs import belief_cost, in_proposal_setting, mutual_optimism_of
from deals.two_level.doubt import counters, threat_under_doubt
from deals.errors import DealFileError
from deals.audit.leverage import DrawSolver, leverage_over_draws, sample_values
from deals.deal.schema import deal_from_dict
from deals.deal.writing import deal_to_dict
from deals.deal.stances import offer_label
from deals.two_level.ratification import power_with_latency, two_level
from games.trees import GameTree, backward_induction

N = 2_000


def pie(**extra):
    """The partner pays a share of a unit pie; each side's outside option is a parameter."""
    doc = {
        "deal": {"name": "pie", "title": "Pie", "supplier": "S", "partner": "P"},
        "parameters": {
            "a": {"value": 0.5, "range": [0.0, 1.0], "distribution": "uniform"},
            "b": {"value": 0.5, "range": [0.0, 1.0], "distribution": "uniform"},
            "os": {"value": 0.0}, "op": {"value": 0.0},
            "rs": {"value": 0.99}, "rp": {"value": 0.99}},
        "issues": {"pay": {"range": [0, 1], "giver": "partner"}},
        "utility": {"supplier": "pay", "partner": "1 - pay"},
        "outside_option": {"supplier": "os", "partner": "op"},
        "discount": {"supplier": "rs", "partner": "rp"},
        "proposal": {"terms": {"pay": 0.6}}}
    doc.update(copy.deepcopy(extra))
    return deal_from_dict(doc)


HAWK_AND_DOVE = {"supplier": {"rule": "veto", "members": {
    "Hawk": {"utility": "pay - a", "outside_option": "0"},
    "Dove": {"utility": "b - pay", "outside_option": "0"}}}}


def test_two_members_ratification_and_schelling_have_their_closed_form():
    deal = pie(actors=HAWK_AND_DOVE)
    t = two_level(deal, N, seed=1, grid_points=201)
    se = 0.5 / np.sqrt(N)
    # ratified: a <= 0.6 <= b, a and b independent uniform: 0.6 * 0.4
    assert t.ratified["supplier"] == pytest.approx(0.24, abs=4 * se)
    side = t.sides["supplier"]
    # the win-set [a, b] is empty when a > b (half the draws): the deal dies
    assert side.killed == pytest.approx(0.5, abs=4 * se)
    # Nash over [a, b] is clip(1/2, a, b): toward the supplier where 1/2 < a <= b, P = 1/8
    assert side.toward == pytest.approx(0.125, abs=4 * se)


def test_the_schelling_half_is_found_only_when_read_and_the_same_after_pickling(monkeypatch):
    import pickle

    import deals.two_level.ratification as ratification

    deal = pie(actors=HAWK_AND_DOVE)
    eager = two_level(deal, 400, seed=None, grid_points=101)  # fresh draws: kept, not redrawn
    expected = dict(eager.sides)  # read: the Schelling half is found now
    calls = []
    real = ratification.schelling_shift
    monkeypatch.setattr(ratification, "schelling_shift",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    t = two_level(deal, 400, seed=1, grid_points=101)
    assert t.rows() and t.short() and t.unratified_at_home in (True, False)
    assert list(t.sides) == ["supplier"] and "supplier" in t.sides and not calls
    copy_of = pickle.loads(pickle.dumps(t))
    assert not calls
    assert copy_of.sides["supplier"] == t.sides["supplier"]
    assert len(calls) == 2  # once for each copy, not once per read
    assert t.sides["supplier"].ratified == t.ratified["supplier"]
    assert pickle.loads(pickle.dumps(eager)).sides == expected


def test_a_veto_member_who_is_the_negotiator_changes_nothing():
    deal = deals.load("chips-for-farm-purchases")
    doc = deal_to_dict(deal)
    doc["actors"] = {"supplier": {"rule": "veto", "members": {
        "Negotiator": {"utility": doc["utility"]["supplier"]}}}}
    with_actor = deal_from_dict(doc)
    t = two_level(with_actor, 300, seed=0)
    values = sample_values(deal, 300, 0)
    plain = leverage_over_draws(DrawSolver(deal, deal.outcome_values(deal.proposal.values)),
                                values)
    assert t.ratified["supplier"] == pytest.approx(plain.supplier_accepts.mean(), abs=1 / 300)
    assert t.power_with_latency == t.power
    side = t.sides["supplier"]
    assert (side.toward, side.killed, side.shift, side.latency_months) == (0, 0, 0, 0)
    a, b = deals.assess(deal, draws=300), deals.assess(with_actor, draws=300)
    assert (a.acceptance, a.rho, a.flags, a.benchmark) == (b.acceptance, b.rho, b.flags,
                                                          b.benchmark)
    assert a.two_level is None and b.two_level is not None


def test_latency_grows_with_dissent_and_feeds_the_power():
    actors = copy.deepcopy(HAWK_AND_DOVE)
    actors["supplier"].update(rule="chair", chair="Hawk", review_months=1, dispute_months=4)
    deal = pie(actors=actors)
    values = sample_values(deal, 500, 3)
    proposal = deal.outcome_values(deal.proposal.values)
    gains = member_gains(deal, "supplier", proposal, values)
    # the Hawk decides; the Dove is overruled when it disagrees: half the voters
    dissent = ((gains[0] >= 0) != (gains[1] >= 0)) * 0.5
    months = latency(deal, "supplier", proposal, values)
    assert np.allclose(months, 1 + 4 * dissent)
    power = power_with_latency(deal, values, {"supplier": months})
    # equal monthly discounts: power = T_partner / (T_supplier + T_partner)
    assert np.allclose(power, 1 / (1 + months + 1))


def test_mutual_optimism_identical_beliefs_never_break_down():
    same = {"value": 0.0, "range": [-0.5, 0.5], "distribution": "uniform"}
    deal = pie(beliefs={"supplier": {"op": same, "os": same},
                        "partner": {"op": same, "os": same}})
    assert mutual_optimism_of(deal, 500, seed=2).probability == 0.0


def test_mutual_optimism_share_is_the_share_of_draws_claiming_more_than_the_pie():
    # The supplier believes the partner's outside option is b_p, the partner believes the
    # supplier's is b_s (both truly 0): they expect (1 - b_p) / 2 and (1 - b_s) / 2, more
    # than the pie exactly when b_s + b_p < 0: half the draws for independent uniform beliefs.
    belief = {"value": 0.0, "range": [-0.5, 0.5], "distribution": "uniform"}
    deal = pie(beliefs={"supplier": {"op": belief}, "partner": {"os": belief}})
    result = mutual_optimism_of(deal, N, seed=4)
    assert result.probability == pytest.approx(0.5, abs=4 * 0.5 / np.sqrt(N))
    values = sample_values(deal, N, 4)
    from deals.two_level.beliefs import believed_values
    b_p = believed_values(deal, "supplier", values, 4)["op"]
    b_s = believed_values(deal, "partner", values, 4)["os"]
    claims = (b_s + b_p < -1e-3) | (b_s + b_p > 1e-3)      # away from the knife edge
    assert np.array_equal(result.breakdown[claims], (b_s + b_p < 0)[claims])


def test_belief_cost_is_zero_for_a_correct_belief_and_positive_for_a_wrong_one():
    truth = {"value": 0.3, "range": [0.2, 0.4], "distribution": "uniform"}
    doc = {"parameters": {"a": {"value": 0.5, "range": [0.0, 1.0]}, "b": {"value": 0.5},
                          "os": {"value": 0.0}, "op": truth, "rs": {"value": 0.99},
                          "rp": {"value": 0.99}}}
    right = pie(**doc, beliefs={"supplier": {"op": truth}})
    wrong = pie(**doc, beliefs={"supplier": {"op": {"value": -0.3, "range": [-0.4, -0.2]}}})
    assert belief_cost(right, "supplier", 500).cost == pytest.approx(0.0, abs=0.02)
    # believing the partner's option negative, the supplier asks for the whole pie and is
    # always refused (gain 0); asking 0.6 (1 - the largest true option) gains 0.6 for sure
    cost = belief_cost(wrong, "supplier", 500)
    assert cost.acceptance < 0.05 and cost.cost > 0.5


NL = "allied-sme-netherlands"


def answers_of_today(deal, draws, seed):
    """Independent: the partner's answer in today's offer tree after the proposal, per draw."""
    deal = in_proposal_setting(deal)                         # the threat carried out
    values = sample_values(deal, draws, seed)
    labels = ["accept", *counters(deal), "walk away"]
    out = []
    proposal = [s for s in deal.side_stances("supplier") if s.name == "unrestricted"][0]
    cooperate = [s for s in deal.side_stances("partner") if s.name == "cooperate"][0]
    for r in range(draws):
        bound = deal.bind(**{k: float(v[r]) for k, v in values.items()})
        tree = bound.tree()
        sub = GameTree(tree.players, tree.node((offer_label(proposal, cooperate),)))
        path = backward_induction(sub).path
        out.append(labels.index(path[0]))
    return np.array(out)


def test_a_threat_ignored_gives_todays_tree_and_a_certain_one_the_committed_answer():
    deal = deals.load(NL)
    draws = 25
    ignored = threat_under_doubt(deal, draws, seed=5, resolve=0.0)
    assert np.array_equal(ignored.answer, answers_of_today(deal, draws, 5))
    certain = threat_under_doubt(deal, draws, seed=5, resolve=1.0)
    setting = in_proposal_setting(deal)
    values = sample_values(setting, draws, 5)
    p_accept = setting.utilities(setting.proposal.values, values)[1]
    p_none = setting.disagreement(values)[1]
    # committed to the cap, every counter gives the outside option: accept iff it is no worse
    assert np.array_equal(certain.answer == 0, p_accept >= p_none)
    assert certain.carried == pytest.approx(certain.tested)


@pytest.mark.parametrize("change, field", [
    ({"actors": {"supplier": {"rule": "consensus", "members": {"A": {"utility": "pay"}}}}},
     "actors.supplier.rule"),
    ({"actors": {"supplier": {"rule": "chair", "chair": "B", "members": {
        "A": {"utility": "pay"}}}}}, "actors.supplier.chair"),
    ({"actors": {"supplier": {"rule": "veto", "members": {"A": {"utility": "pay",
                                                                "weight": 1}}}}},
     "actors.supplier.members.A.weight"),
    ({"actors": {"supplier": {"rule": "veto", "members": {"A": {"utility": "nope"}}}}},
     "actors.supplier.members.A.utility"),
    ({"actors": {"buyer": {"rule": "veto"}}}, "actors.buyer"),
    ({"beliefs": {"supplier": {"zz": {"value": 1.0}}}}, "beliefs.supplier.zz"),
    ({"beliefs": {"supplier": {"resolve": {"value": 0.5}}}}, "beliefs.supplier.resolve"),
    ({"beliefs": {"partner": {"resolve": {"value": 1.5}}}}, "beliefs.partner.resolve"),
])
def test_bad_actor_and_belief_tables_name_their_field(change, field):
    with pytest.raises(DealFileError) as info:
        pie(**change)
    assert field in str(info.value)


def test_library_round_trips_and_carries_the_blocks():
    for name, has in (("gulf-divestment-uae", "actors"), (NL, "actors"), (NL, "beliefs"),
                      ("india-energy-trade", "beliefs")):
        deal = deals.load(name)
        assert getattr(deal, has) is not None
        assert deal_from_dict(deal_to_dict(deal)) == deal


@pytest.mark.parametrize("resolve", [0.3, 0.7])
def test_the_doubted_threat_answer_is_a_bayesian_nash_equilibrium(resolve):
    from deals.two_level.doubt import doubt_tree, doubt_values
    from deals.audit.leverage import point_values
    from games.trees import bayesian_nash_equilibria

    deal = in_proposal_setting(deals.load(NL))
    tree = doubt_tree(deal).bind(**{k: float(v[0]) for k, v in doubt_values(
        deal, point_values(deal), resolve).items()})
    found = threat_under_doubt(deal.bind(**deal.values()), 1, None, resolve=resolve)
    equilibria = bayesian_nash_equilibria(tree)
    strategies = equilibria[0].game.strategies if hasattr(equilibria[0], "game") else None
    answer = int(found.answer[0])
    # the partner's answer, with the modelled supplier accepting every counter (the cap is
    # costly at point values), is one of the pure Bayesian Nash equilibria of the tree
    profiles = [(int(np.argmax(e.strategies[0])), int(np.argmax(e.strategies[1])))
                for e in equilibria]
    assert (0, answer) in profiles, (strategies, profiles)
