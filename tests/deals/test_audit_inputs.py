"""The audit either answers right or refuses in one line: non-finite utilities, power,
thresholds, draws and the types of assess()'s arguments.

References are direct evaluations of the deal's gains at the proposal (deal.gains), never the
audit's own output.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import deals
from deals.audit.assessment import Thresholds
from deals.cli.commands import main
from deals.errors import DealError
from deals.audit.leverage import MAX_DRAWS
from test_audit_properties import TEMPLATE

# One toy deal file for the audit's tests: US gives chips in [0, 1], P pays in [0, 2].
TOY = dict(v=2.0, v_low=1.0, v_high=3.0, c_low=0.0, c_high=1.0, p_low=0.0, p_high=2.0,
           partner="v * chips - pay", d_s="0", d_p="0", chips=1.0, pay=0.5)


def toy(supplier: str):
    return deals.loads(TEMPLATE.format(**TOY, supplier=supplier), path="toy.toml")


@pytest.mark.parametrize("utility, value", [
    ("pay / chips", "nan"),                      # infinite at chips = 0 (0/0 at the corner)
    ("sqrt(pay - 200)", "nan"),                  # undefined everywhere
    ("exp(pay * 1000) - 0.5 * chips", "inf"),   # overflows
    ("pay ** 99999999999 - 0.5 * chips", "inf"),
    ("log(chips) + pay", "-inf"),
])
def test_a_utility_not_finite_on_the_box_is_refused_naming_field_and_where(utility, value):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning spam either
        with pytest.raises(DealError) as info:
            deals.assess(toy(utility), draws=40, seed=1)
    text = str(info.value)
    assert text.startswith(f"utility.supplier: {value} at chips=") and "\n" not in text


@pytest.mark.parametrize("utility", ["pay - 0.4 * chips + where(chips < 0.01, -1e300, 0)",
                                     "pay - 0.6 * chips + where(chips < 0.01, 1e300, 0)"])
def test_acceptance_at_the_proposal_does_not_depend_on_values_elsewhere(utility):
    deal = toy(utility)
    direct = deal.gains(deal.proposal.values)[0]          # +0.1 or -0.1, in every draw
    audit = deals.assess(deal, draws=40, seed=1)
    assert audit.acceptance["supplier"] == (1.0 if direct > 0 else 0.0)


@pytest.mark.parametrize("power", [2, 0, 1, -1, math.nan, "0.3", True, [0.5]])
def test_power_must_lie_strictly_between_0_and_1(power):
    with pytest.raises(DealError, match="power"):
        deals.assess(toy("pay - 0.5 * chips"), draws=20, power=power)


@pytest.mark.parametrize("given", [dict(under_rho=math.nan), dict(under_rho=math.inf),
                                   dict(over_acceptance=math.nan), dict(under_acceptance=2),
                                   dict(efficiency_margin=-0.1), dict(over_acceptance="0.3"),
                                   dict(over_acceptance=0.95, under_acceptance=0.9)])
def test_thresholds_are_range_checked(given):
    with pytest.raises(DealError, match="threshold"):
        Thresholds(**given)


@pytest.mark.parametrize("flag, value", [("--under-rho", "nan"), ("--under-rho", "inf"),
                                         ("--over-acceptance", "-0.5"),
                                         ("--efficiency-margin", "nan")])
def test_cli_thresholds_are_range_checked(flag, value, capsys):
    assert main(["assess", "chips-for-farm-purchases", "--draws", "20", flag, value]) == 2
    err = capsys.readouterr().err.strip()
    assert "threshold" in err and "\n" not in err


@pytest.mark.parametrize("kwargs, field", [
    (dict(seed="x"), "seed"), (dict(seed=math.nan), "seed"), (dict(seed=[1, 2]), "seed"),
    (dict(seed=1.5), "seed"), (dict(seed=-1), "seed"),
    (dict(grid_points=-5), "grid_points"), (dict(grid_points=0), "grid_points"),
    (dict(grid_points=1), "grid_points"), (dict(chunk_size=0), "chunk_size"),
    (dict(thresholds={"under_rhoo": 0.5}), "thresholds"), (dict(thresholds=[0.5]), "thresholds"),
    (dict(executor="pool"), "executor"), (dict(draws=MAX_DRAWS + 1), "draws"),
    (dict(draws="10"), "draws"),
])
def test_wrong_types_to_assess_say_what_was_expected(kwargs, field):
    with pytest.raises(DealError, match=field):
        deals.assess(toy("pay - 0.5 * chips"), **{"draws": 20, **kwargs})


def test_assess_takes_a_library_name_and_a_thresholds_mapping():
    by_name = deals.assess("chips-for-farm-purchases", draws=30, thresholds={"under_rho": 0.5})
    by_deal = deals.assess(deals.load("chips-for-farm-purchases"), draws=30,
                           thresholds=Thresholds(under_rho=0.5))
    assert by_name.acceptance == by_deal.acceptance and by_name.flags == by_deal.flags
    with pytest.raises(DealError, match="takes a Deal"):
        deals.assess(5, draws=10)


@pytest.mark.parametrize("draws", [str(MAX_DRAWS + 1), str(10**12), str(10**26)])
def test_cli_draws_beyond_the_cap_are_refused_in_one_line(draws, capsys):
    assert main(["assess", "chips-for-farm-purchases", "--draws", draws]) == 2
    err = capsys.readouterr().err.strip()
    assert "draws" in err and f"{MAX_DRAWS:,}" in err and "\n" not in err


def test_cli_seeds_beyond_32_bits_differ_and_negative_seeds_are_refused(capsys):
    deal = deals.load("chips-for-farm-purchases")
    a = deals.assess(deal, draws=200, seed=0)
    b = deals.assess(deal, draws=200, seed=2**32)
    assert a.gains["proposal"]["supplier"] != b.gains["proposal"]["supplier"]
    assert main(["assess", "chips-for-farm-purchases", "--draws", "20", "--seed", "-1"]) == 2
    assert "seed" in capsys.readouterr().err


def test_a_non_finite_utility_is_refused_when_auditing_the_belief_ask_too():
    text = TEMPLATE.format(**TOY, supplier="pay / chips").replace(
        "[proposal]\nterms = { chips = 1.0, pay = 0.5 }", "[belief]\nvalues = { v = 2.5 }")
    deal = deals.loads(text, path="toy.toml")
    assert deal.proposal is None
    with pytest.raises(DealError, match=r"^utility.supplier: nan at chips=0"):
        deals.assess(deal, draws=20)
