"""The concession explorer's update logic, without a browser.

Toy deal with answers in closed form: the supplier gives chips in [0, 1], the partner pays in
[0, 3]; u_S = pay - c * chips, u_P = v * chips - pay, outside options 0. At chips = 1 the
partner accepts a payment x iff v >= x, so with v uniform on [lo, hi] the acceptance
probability is (hi - x) / (hi - lo). With v known, the symmetric Nash solution is chips = 1,
pay = (v + c) / 2 (each side gains (v - c) / 2), and a proposal there has rho = 1.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from deals import Deal, DealError, Issue, Terms, assess, load
from deals.explorer import ConcessionExplorer
from games.parameters import Parameter

C = 0.2


def toy(v_range=(1.0, 3.0)) -> Deal:
    return Deal(
        name="toy", title="Toy deal", supplier="S", partner="P",
        issues=[Issue("chips", (0.0, 1.0), giver="supplier", unit="units"),
                Issue("pay", (0.0, 3.0), giver="partner", unit="$")],
        parameters=[Parameter("v", 2.0, range=v_range, distribution="uniform"),
                    Parameter("c", C, range=(0.1, 0.3), distribution="uniform")],
        utility={"supplier": "pay - c * chips", "partner": "v * chips - pay"},
        outside_option={"supplier": "0", "partner": "0"},
        proposal=Terms({"chips": 1.0, "pay": 1.5}))


@pytest.fixture(scope="module")
def explorer():
    # c is the key parameter (slider); v stays uncertain, uniform on [1, 3].
    return ConcessionExplorer(toy(), parameters=["c"], draws=2000, seed=1)


@pytest.mark.parametrize("pay, expected", [(1.2, 0.9), (1.5, 0.75), (2.0, 0.5), (2.6, 0.2)])
def test_acceptance_is_the_share_of_partners_who_value_chips_above_the_ask(explorer, pay, expected):
    state = explorer.update(pay=pay)
    assert state.acceptance == pytest.approx(expected, abs=0.04)


def test_asking_for_more_lowers_acceptance_and_can_flip_the_flag_to_over(explorer):
    low = explorer.update(pay=1.2)
    high = explorer.update(pay=2.6)
    assert high.acceptance < low.acceptance - 0.5
    assert high.flag == "over"            # accepted in ~20% < 50% of worlds
    assert low.flag != "over"


@pytest.mark.parametrize("v", [1.5, 2.0, 2.8])
def test_a_proposal_at_the_nash_benchmark_is_sound(v):
    # v known (a key parameter fixed by its slider); the benchmark is pay = (v + c) / 2.
    ex = ConcessionExplorer(toy(), parameters=["v", "c"], draws=200, seed=0)
    ex.update(v=v, c=C)
    state = ex.update(chips=1.0, pay=(v + C) / 2)
    assert state.benchmark["pay"] == pytest.approx((v + C) / 2, abs=1e-3)
    assert state.rho["median"] == pytest.approx(1.0, abs=1e-2)
    assert state.acceptance == 1.0
    assert state.flag == "sound"


def test_a_proposal_well_below_the_benchmark_leaves_surplus_on_the_table():
    ex = ConcessionExplorer(toy(), parameters=["v", "c"], draws=200, seed=0)
    ex.update(v=2.0, c=C)
    state = ex.update(pay=0.6)      # supplier gain 0.4 vs (2 - 0.2) / 2 = 0.9 at the benchmark
    assert state.rho["median"] == pytest.approx(0.4 / 0.9, abs=1e-2)
    assert state.flag == "under"


def test_moving_a_key_parameter_moves_the_frontier_and_the_outcome_utilities():
    ex = ConcessionExplorer(toy(), parameters=["v", "c"], draws=100, seed=0)
    a = ex.update(v=1.5)
    b = ex.update(v=2.5)
    # The partner's best utility on the frontier (chips = 1, pay = 0) is v.
    assert a.frontier[:, 1].max() == pytest.approx(1.5, abs=1e-9)
    assert b.frontier[:, 1].max() == pytest.approx(2.5, abs=1e-9)
    assert b.proposal_point[1] - a.proposal_point[1] == pytest.approx(1.0)
    assert b.gains == pytest.approx((1.5 - C, 2.5 - 1.5))


def test_unknown_names_say_what_can_be_moved():
    ex = ConcessionExplorer(toy(), parameters=["c"], draws=50)
    with pytest.raises(DealError, match="neither an issue"):
        ex.update(price=1.0)
    with pytest.raises(DealError, match="outside the range"):
        ex.update(pay=5.0)
    with pytest.raises(DealError, match="not a parameter"):
        ConcessionExplorer(toy(), parameters=["w"], draws=50)


def test_sliders_drive_the_same_update_logic():
    ex = ConcessionExplorer(toy(), parameters=["c"], draws=1000, seed=1)
    box = ex.widget()
    assert set(box.sliders) == {"chips", "pay", "c"}
    box.sliders["pay"].value = 2.6
    assert ex.state.terms["pay"] == pytest.approx(2.6)
    assert ex.state.acceptance == pytest.approx(0.2, abs=0.05)
    box.sliders["c"].value = 0.3
    assert ex.state.values["c"] == pytest.approx(0.3)


def test_library_deal_defaults_to_its_top_drivers_and_plots():
    ex = ConcessionExplorer("gulf-divestment-uae", draws=200)
    assert len(ex.parameters) == 3
    first = assess(load("gulf-divestment-uae"), draws=200, seed=0)
    assert ex.parameters == tuple(first.drivers.index[:3])
    # Fewer chips for the same concessions (none run by G42, fewer run by US firms, less than the
    # UAE's demand): the supplier gains, the partner loses.
    before = ex.state.gains
    after = ex.update(chips=0, chips_us=700_000).gains
    assert after[0] > before[0] and after[1] < before[1]
    ax = ex.plot()
    assert "flag" in ax.get_title()
