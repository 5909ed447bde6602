"""The leverage audit on constructed deals whose right answers are known in closed form.

The toy deal: the supplier gives chips in [0, 1]; the partner pays in [0, 3]. Utilities are
u_S = pay - c * chips and u_P = v * chips - pay, both outside options 0, so at chips = 1 the
surplus v - c is split by the payment. The symmetric Nash solution is chips = 1 and
pay = (v + c) / 2, where each side gains (v - c) / 2; with power beta for the supplier,
pay = c + beta (v - c). The partner's value v is uncertain, uniform on [1, 2]; c = 0.2.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from deals import Deal, DealError, Issue, Terms, Thresholds, assess
from games.parameters import Parameter

C = 0.2


def toy(pay: float, chips: float = 1.0, *, scale_s: float = 1.0, shift_s: float = 0.0,
        scale_p: float = 1.0, shift_p: float = 0.0, discount: dict | None = None) -> Deal:
    return Deal(
        name="toy", title="Toy deal", supplier="S", partner="P",
        issues=[Issue("chips", (0.0, 1.0), giver="supplier", unit="units"),
                Issue("pay", (0.0, 3.0), giver="partner", unit="$")],
        parameters=[Parameter("v", 1.5, range=(1.0, 2.0)), Parameter("c", C),
                    Parameter("ds", 0.99, range=(0.9, 0.999)),
                    Parameter("dp", 0.99, range=(0.9, 0.999))],
        utility={"supplier": f"{scale_s} * (pay - c * chips) + {shift_s}",
                 "partner": f"{scale_p} * (v * chips - pay) + {shift_p}"},
        outside_option={"supplier": f"{shift_s}", "partner": f"{shift_p}"},
        discount=discount, proposal=Terms({"chips": chips, "pay": pay}))


def test_over_when_no_plausible_partner_accepts():
    # pay 2.5 > v for every v in [1, 2]: the partner rejects in every draw.
    a = assess(toy(pay=2.5), draws=2000, seed=1)
    assert a.acceptance["partner"] == 0.0
    assert a.flags["supplier"] == "over"
    assert a.flags["partner"] == "under" or a.flags["partner"] == "sound"


def test_under_and_the_surplus_left_in_issue_units():
    # pay = c + 0.1: the supplier gains 0.1 where the Nash benchmark gives (v - c) / 2.
    deal = toy(pay=C + 0.1)
    a = assess(deal, draws=4000, seed=2)
    assert a.acceptance["partner"] == 1.0
    v = deal.parameters.sample(4000, seed=2)["v"]
    rho = 0.1 / ((v - C) / 2)
    assert a.rho["supplier"]["median"] == pytest.approx(np.median(rho), rel=1e-3)
    assert a.flags["supplier"] == "under" and a.verdicts["supplier"] == "underpriced"
    # The partner still accepts (in 90% of worlds) any pay up to the 10th percentile of v:
    # about 1.1 instead of 0.3; the 101-level scan resolves it to 2.7/100. The supplier's
    # expected gain (q - c) P(v >= q) rises all the way there (its peak, 1.1, is the reach).
    found = {r["issue"]: r for r in a.surplus["supplier"]}
    pay = found["pay"]
    p10 = np.percentile(v, 10)
    assert pay["issue"] == "pay" and pay["proposed"] == pytest.approx(C + 0.1)
    assert pay["still_accepted"] == pytest.approx(p10, abs=0.03)  # 101 levels: steps of 0.027
    # (q - c)(2 - q) is flat near its peak: the sample optimum may sit a little short of it.
    assert 1.0 <= pay["best"] <= pay["still_accepted"]
    assert pay["expected_gain_best"] - pay["expected_gain_proposed"] == pytest.approx(
        (p10 - C) * 0.9 - 0.1, abs=0.02)
    (line,) = [t for t in a.surplus_text["supplier"] if "accept pay" in t]
    assert "P would still accept pay 1." in line and "instead of 0.3" in line
    # Fewer chips for the same pay also raise the supplier's gain (it pays c per chip): the
    # partner still accepts down to 0.3 / p10(v) chips.
    assert found["chips"]["still_accepted"] == pytest.approx(0.3 / p10, abs=0.01)


def test_inefficient_when_another_package_is_better_for_both():
    # Half the chips: the surplus (v - c) * chips is not maximised, so chips = 1 with a higher
    # payment is better for both in every world. Not under (acceptance 0.8 < 0.9), not over.
    a = assess(toy(pay=0.6, chips=0.5), draws=2000, seed=3)
    assert a.acceptance["partner"] == pytest.approx(0.8, abs=0.03)  # P(0.5 v >= 0.6) = P(v >= 1.2)
    assert a.dominated_share == 1.0
    assert a.flags["supplier"] == "inefficient"
    assert a.better_package is not None and a.better_package["chips"] == pytest.approx(1.0)
    assert a.better_gains["supplier"] > 0 and a.better_gains["partner"] > 0


def test_sound_at_the_nash_split():
    a = assess(toy(pay=(1.5 + C) / 2), draws=2000, seed=4)
    assert a.flags == {"supplier": "sound", "partner": "sound"}
    assert a.benchmark["chips"] == pytest.approx(1.0)
    assert a.benchmark["pay"] == pytest.approx((1.5 + C) / 2, abs=1e-3)


@pytest.mark.parametrize("pay", [2.5, C + 0.1, 0.85])
def test_flags_do_not_change_when_a_utility_is_rescaled_or_shifted(pay):
    plain = assess(toy(pay=pay), draws=800, seed=5)
    moved = assess(toy(pay=pay, scale_s=7.0, shift_s=-3.0, scale_p=0.01, shift_p=40.0),
                   draws=800, seed=5)
    assert moved.flags == plain.flags
    assert moved.acceptance == plain.acceptance
    for key in ("p10", "median", "p90"):
        assert moved.rho["supplier"][key] == pytest.approx(plain.rho["supplier"][key], rel=1e-3, nan_ok=True)


def test_power_from_delay_costs_moves_the_benchmark():
    # Rubinstein's limit: supplier power log(dp) / (log(ds) + log(dp)); at the point values
    # ds = 0.99, dp = 0.99 that is 1/2. With a patient supplier (ds fixed at 0.999) and an
    # impatient partner (dp = 0.9) power is log 0.9 / (log 0.999 + log 0.9) ~ 0.99.
    deal = toy(pay=0.85, discount={"supplier": "ds", "partner": "dp"}).bind(ds=0.999, dp=0.9)
    a = assess(deal, draws=500, seed=6)
    beta = np.log(0.9) / (np.log(0.999) + np.log(0.9))
    assert a.power == pytest.approx(beta, rel=1e-9)
    assert a.benchmark["pay"] == pytest.approx(C + beta * (1.5 - C), abs=2e-3)


def test_same_seed_same_json_whatever_the_executor_and_chunks():
    deal = toy(pay=0.7)
    reference = assess(deal, draws=3000, seed=7).to_json()
    assert json.loads(reference)["seed"] == 7
    with ThreadPoolExecutor(2) as pool:
        for chunk in (1000, 1234):
            again = assess(deal, draws=3000, seed=7, executor=pool, chunk_size=chunk).to_json()
            assert again == reference
    assert assess(deal, draws=3000, seed=8).to_json() != reference


@pytest.mark.slow  # starts worker processes
def test_process_pool_gives_the_same_audit():
    from concurrent.futures import ProcessPoolExecutor

    deal = toy(pay=0.7)
    reference = assess(deal, draws=1200, seed=12).to_json()
    with ProcessPoolExecutor(2) as pool:
        assert assess(deal, draws=1200, seed=12, executor=pool, chunk_size=500).to_json() == reference


def test_zone_of_agreement_empties_when_the_partner_values_chips_below_their_cost():
    # v ~ U(1, 2) but c drawn from [0.5, 1.5]: the zone is empty exactly when v < c.
    from dataclasses import replace

    deal = toy(pay=0.9)
    params = [p if p.name != "c" else Parameter("c", 1.0, range=(0.5, 1.5)) for p in deal.parameters.values()]
    deal = replace(deal, parameters=params)
    a = assess(deal, draws=4000, seed=13)
    sample = deal.parameters.sample(4000, seed=13)
    assert a.zone_empty == pytest.approx(np.mean(sample["v"] < sample["c"]), abs=0.005)
    assert set(a.drivers.index[:2]) == {"v", "c"}


def test_distance_to_frontier_is_zero_on_it_and_positive_inside():
    on = assess(toy(pay=0.85), draws=500, seed=14)
    inside = assess(toy(pay=0.6, chips=0.5), draws=500, seed=14)
    assert on.frontier_distance == pytest.approx(0.0, abs=1e-3)
    assert inside.frontier_distance > 0.05


def test_thresholds_are_printed_and_checked():
    a = assess(toy(pay=0.85), draws=300, seed=0, thresholds=Thresholds(under_rho=0.5))
    assert "median rho <= 0.5" in str(a)
    with pytest.raises(DealError, match="over_acceptance"):
        Thresholds(over_acceptance=1.5)


def test_a_deal_without_proposal_or_belief_is_refused():
    deal = toy(pay=0.85)
    from dataclasses import replace

    with pytest.raises(DealError, match="proposal"):
        assess(replace(deal, proposal=None), draws=10)


def test_without_a_proposal_the_belief_defines_the_ask():
    # The drafter believed v = 1.9; the full-information ask there is chips = 1 and pay = 1.9
    # (the partner's whole value). The analyst's v is uniform on [1, 2]: only v >= 1.9 accepts.
    from dataclasses import replace

    from deals import Belief

    deal = replace(toy(pay=0.85), proposal=None, belief=Belief({"v": 1.9}))
    a = assess(deal, draws=4000, seed=9)
    assert a.proposal_source.startswith("optimal ask")
    assert a.proposal["chips"] == pytest.approx(1.0, abs=1e-3)
    assert a.proposal["pay"] == pytest.approx(1.9, abs=5e-3)
    assert a.acceptance["partner"] == pytest.approx(0.1, abs=0.03)
    assert a.flags["supplier"] == "over"


def test_optimal_ask_under_uncertainty_matches_the_closed_form():
    # With v uniform on [1, 2] and chips = 1, asking pay q earns (q - c) P(v >= q) = (q - c)(2 - q),
    # maximised at q = (2 + c) / 2 = 1.1 with acceptance 0.9 and expected gain 0.81. The
    # optimum is flat (q = 1.12 still earns 0.8096), so the sample optimum may sit a little off.
    a = assess(toy(pay=0.85), draws=20000, seed=10)
    assert a.ask["terms"]["chips"] == pytest.approx(1.0, abs=1e-3)
    assert 1.05 <= a.ask["terms"]["pay"] <= 1.15
    assert a.ask["expected_gain"] == pytest.approx(0.81, rel=0.01)
    assert a.ask["acceptance"] == pytest.approx(2 - a.ask["terms"]["pay"], abs=0.02)


def test_drivers_carry_spearman_rank_correlations_with_the_raw_gains():
    from scipy.stats import spearmanr

    from deals.audit.leverage import sample_values

    deal = toy(pay=0.7)
    a = assess(deal, draws=1500, seed=15)
    v = sample_values(deal, 1500, 15)["v"]
    partner_gain = v * 1.0 - 0.7
    assert a.drivers.loc["v", "partner rank correlation"] == pytest.approx(
        spearmanr(v, partner_gain).statistic, abs=1e-12)
    # v swings the partner's gain at the proposal by its range (2 - 1); the discount factors
    # move nothing at the proposal and are not drivers.
    assert list(a.drivers.index) == ["v"]
    assert a.drivers.loc["v", "partner swing"] == pytest.approx(1.0)


def test_terms_worse_than_walking_away_are_under_even_without_a_zone():
    # The supplier loses x for every x > 0 (u_S = -x, outside option 0): no zone of agreement
    # in any world, rho undefined; proposing x = 0.5 gives away half the range for nothing.
    deal = Deal(name="giveaway", title="Giveaway", supplier="S", partner="P",
                issues=[Issue("x", (0.0, 1.0), giver="supplier")],
                parameters=[Parameter("a", 1.0, range=(0.5, 2.0))],
                utility={"supplier": "-x", "partner": "a * x"},
                outside_option={"supplier": "0", "partner": "0"}, proposal=Terms({"x": 0.5}))
    a = assess(deal, draws=200, seed=16)
    assert a.zone_empty == 1.0 and np.isnan(a.rho["supplier"]["median"])
    assert a.acceptance == {"partner": 1.0, "supplier": 0.0}
    assert a.flags["supplier"] == "under" and a.verdicts["supplier"] == "self_defeating"
    assert a.flags["partner"] == "over" and a.verdicts["partner"] == "too_generous"
