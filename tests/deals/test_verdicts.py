"""The verdict's distinctions, wording, surplus sentences and drivers on constructed deals.

The toy deal of test_assessment: the supplier gives chips in [0, 1], the partner pays in
[0, 3]; u_S = pay - c chips, u_P = v chips - pay, no-deal values 0; v uniform on [1, 2],
c = 0.2. At chips = 1 the partner accepts pay q exactly when v >= q, so P(accept) = 2 - q.
"""

from __future__ import annotations

import re

import pytest

from deals import Deal, Issue, Terms, assess
from deals.audit.verdicts import words
from games.parameters import Parameter

from tests.deals.test_assessment import C, toy


@pytest.mark.parametrize("pay, supplier, partner, flag", [
    (2.5, "over_reach", "too_harsh", "over"),      # P(v >= 2.5) = 0
    (1.3, "risk_band", "harsh", "sound"),          # accepted in 70% of worlds
    (C + 0.1, "underpriced", "fair", "under"),          # accepted always, gains 0.1 of ~0.65
    (0.1, "self_defeating", "too_generous", "under"),      # the supplier loses 0.1 in every world
    ((1.5 + C) / 2, "sound", "fair", "sound"),          # the Nash split
])
def test_each_distinction_on_a_deal_with_a_known_answer(pay, supplier, partner, flag):
    a = assess(toy(pay=pay), draws=2000, seed=1)
    assert a.verdicts == {"supplier": supplier, "partner": partner}
    assert a.flags["supplier"] == flag
    assert a.worse_off["supplier"] == pytest.approx(1 - a.acceptance["supplier"])


def test_the_risk_band_reports_its_acceptance():
    a = assess(toy(pay=1.3), draws=4000, seed=2)
    assert a.acceptance["partner"] == pytest.approx(0.7, abs=0.03)
    assert "risk band" in a.verdict_text["supplier"]


def test_an_inefficient_proposal_is_listed_as_such():
    # Half the chips at pay 0.6: accepted in 80% of worlds (a risk band) and dominated.
    a = assess(toy(pay=0.6, chips=0.5), draws=2000, seed=3)
    assert a.verdict_sets["supplier"] == ("risk_band", "inefficient")
    assert a.flags["supplier"] == "inefficient"


def test_partner_flags_are_worded_from_the_partner_side():
    parties = {"supplier": "US", "partner": "UAE"}
    assert words("too_generous", "partner", parties).startswith("too generous to the UAE")
    assert words("too_harsh", "partner", {"supplier": "US", "partner": "India"}
                 ).startswith("too harsh on India")
    assert words("over_reach", "supplier", parties) == \
        "over-reach (the UAE rejects it in most worlds)"


def test_the_money_is_reported_in_deal_units():
    # pay = 0.85: the supplier gains 0.85 - 0.2 = 0.65 in every world; at the symmetric Nash
    # benchmark (equal delay costs) it gains (v - c) / 2, median (1.5 - 0.2) / 2 = 0.65.
    a = assess(toy(pay=0.85), draws=4000, seed=4)
    g = a.gains["proposal"]["supplier"]
    assert g["median"] == pytest.approx(0.65) and g["p10"] == pytest.approx(0.65)
    assert a.gains["benchmark"]["supplier"]["median"] == pytest.approx(0.65, abs=0.01)
    assert a.gains["benchmark"]["supplier"]["p10"] == pytest.approx((1.1 - C) / 2, abs=0.01)


def hump(chips: float) -> Deal:
    """The supplier likes some chips out (a margin) but not too many: u_S = pay + chips(1 - chips),
    peaking at chips = 1/2; the partner pays 0.1 and values chips at v."""
    return Deal(name="hump", title="Hump", supplier="S", partner="P",
                issues=[Issue("chips", (0.0, 1.0), giver="supplier", unit="units"),
                        Issue("pay", (0.0, 0.1), giver="partner", unit="$")],
                parameters=[Parameter("v", 1.5, range=(1.0, 2.0))],
                utility={"supplier": "pay + chips * (1 - chips)", "partner": "v * chips - pay"},
                outside_option={"supplier": "0", "partner": "0"},
                proposal=Terms({"chips": chips, "pay": 0.1}))


def test_surplus_is_said_in_levels_and_only_where_it_raises_the_supplier_gain():
    # From chips = 0.6 the partner still accepts down to 0.1 / p10(v) ~ 0.091 chips; the
    # supplier's gain 0.1 + x (1 - x) rises to x = 0.5 and falls after: surplus, best at 0.5.
    a = assess(hump(0.6), draws=3000, seed=5)
    (chips,) = a.surplus["supplier"]
    assert chips["still_accepted"] == pytest.approx(0.1 / 1.1, abs=0.01)
    assert chips["best"] == pytest.approx(0.5, abs=0.01)
    assert chips["expected_gain_best"] - chips["expected_gain_proposed"] == pytest.approx(
        0.25 - 0.24, abs=1e-3)
    (line,) = a.surplus_text["supplier"]
    assert "would still accept chips 0.09" in line and "instead of 0.6" in line
    assert re.search(r"highest at 0\.(49|5)", line)
    # From chips = 0.5 fewer chips only lower the supplier's gain: nothing left on the table.
    assert assess(hump(0.5), draws=3000, seed=5).surplus["supplier"] == ()


def test_drivers_rank_what_decides_acceptance_and_drop_what_does_not_move_the_proposal():
    # v decides whether the partner accepts; k scales the partner's value of keeping chips
    # *away* from the proposal (chips = 1 makes its term vanish): no swing, not a driver,
    # though it changes the partner's gains elsewhere and so the benchmark.
    deal = Deal(name="drivers", title="Drivers", supplier="S", partner="P",
                issues=[Issue("chips", (0.0, 1.0), giver="supplier"),
                        Issue("pay", (0.0, 3.0), giver="partner")],
                parameters=[Parameter("v", 1.5, range=(1.0, 2.0)),
                            Parameter("k", 1.0, range=(0.0, 50.0))],
                utility={"supplier": "pay - 0.2 * chips",
                         "partner": "v * chips - pay + k * (1 - chips) ** 2"},
                outside_option={"supplier": "0", "partner": "0"},
                proposal=Terms({"chips": 1.0, "pay": 1.3}))
    a = assess(deal, draws=800, seed=6)
    assert list(a.drivers.index) == ["v"]
    assert list(a.tornado.index) == list(a.drivers.index)  # the chart and the text agree
    assert "Drivers (swing of the gains at these terms): v." in a.explain()


def test_surplus_too_small_to_matter_is_not_surplus_left():
    """A rise in the asker's expected gain below MATERIAL of its gain scale is rounding, not
    money: on a deal whose gain along an issue rises by 1e-4 of the gains it is not listed,
    at a rise of a tenth it is."""
    import numpy as np

    from deals.audit.assessment import Thresholds
    from deals.audit.surplus import MATERIAL, gain_scale, surplus_left

    for slope, listed in ((1e-4, False), (0.1, True)):
        deal = Deal(name="tiny", title="Tiny", supplier="S", partner="P",
                    issues=[Issue("x", (0.0, 1.0), giver="partner", unit="units")],
                    parameters=[Parameter("a", 1.0, range=(0.5, 1.5))],
                    utility={"supplier": f"a + {slope} * x", "partner": "1 - 0.1 * x"},
                    outside_option={"supplier": "0", "partner": "0"},
                    proposal=Terms({"x": 0.0}))
        values = {"a": np.linspace(0.5, 1.5, 101)}
        found = surplus_left(deal, {"x": 0.0}, values, Thresholds(), "supplier")
        assert bool(found) is listed
        assert (slope < MATERIAL * gain_scale(values["a"])) is not listed


def test_surplus_scan_does_not_depend_on_its_block_size(monkeypatch):
    """The surplus scan evaluates levels in blocks to bound memory; the findings are the same
    for any block size (one level at a time, a few, or all at once)."""
    import deals
    import deals.audit.surplus as surplus
    from deals.audit.assessment import Thresholds, audited_terms
    from deals.audit.leverage import sample_values

    deal, proposal, _ = audited_terms(deals.load("chips-for-farm-purchases"), "proposal")
    values = sample_values(deal, 400, 0)
    found = []
    for block in (10**9, 400 * 7, 1):
        monkeypatch.setattr(surplus, "BLOCK", block)
        found.append(surplus.surplus_left(deal, proposal, values, Thresholds(), "supplier"))
    assert found[0] and found[0] == found[1] == found[2]
