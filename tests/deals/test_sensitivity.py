"""flag_map: the audit's flag over a grid of two parameters, on a deal solved in closed form.

Toy deal: chips in [0, 1] (supplier gives), pay in [0, 3] (partner gives); u_S = pay - c chips,
u_P = v chips - pay, outside options 0. With v and c fixed in a cell, the partner accepts the
proposal (chips 1, pay x) iff v >= x, and the symmetric Nash benchmark gives the supplier
(v - c) / 2, so rho = (x - c) / ((v - c) / 2). The audit calls it over if v < x, under if
rho <= 0.8, else sound.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from deals import Deal, DealError, Issue, Terms, Thresholds, load
from deals.audit.sensitivity import flag_map
from games.parameters import Parameter


def toy() -> Deal:
    return Deal(
        name="toy", title="Toy deal", supplier="S", partner="P",
        issues=[Issue("chips", (0.0, 1.0), giver="supplier"), Issue("pay", (0.0, 3.0), giver="partner")],
        parameters=[Parameter("v", 2.0, range=(1.0, 3.0), distribution="uniform"),
                    Parameter("c", 0.2, range=(0.1, 0.3), distribution="uniform"),
                    Parameter("noise", 0.0, range=(-1.0, 1.0), distribution="uniform")],
        utility={"supplier": "pay - c * chips + 0 * noise", "partner": "v * chips - pay"},
        outside_option={"supplier": "0", "partner": "0"},
        proposal=Terms({"chips": 1.0, "pay": 1.5}))


def expected_flag(v: float, c: float, pay: float = 1.5) -> str:
    if v < pay:
        return "over"
    return "under" if (pay - c) / ((v - c) / 2) <= 0.8 else "sound"


VS = [1.0, 1.4, 1.6, 2.0, 3.0, 4.0]
CS = [0.1, 0.2, 0.3]


@pytest.fixture(scope="module")
def fmap():
    return flag_map(toy(), "v", VS, "c", CS, draws=40, seed=3)


def test_each_cell_has_the_closed_form_flag(fmap):
    expected = np.array([[expected_flag(v, c) for v in VS] for c in CS])
    assert (fmap.flags == expected).all()
    assert {"over", "sound", "under"} <= set(fmap.flags.ravel())


def test_each_cell_has_the_closed_form_acceptance_and_rho(fmap):
    for i, c in enumerate(CS):
        for j, v in enumerate(VS):
            assert fmap.acceptance["partner"][i, j] == (1.0 if v >= 1.5 else 0.0)
            assert fmap.rho["supplier"][i, j] == pytest.approx((1.5 - c) / ((v - c) / 2), rel=1e-3)
    assert fmap.flag_at(3.9, 0.21) == "under"


def test_thresholds_move_the_boundary():
    # With under_rho = 0.5 the cell v = 4, c = 0.2 (rho = 0.68) is no longer under.
    strict = flag_map(toy(), "v", [4.0], "c", [0.2], draws=10, thresholds=Thresholds(under_rho=0.5))
    assert strict.flags[0, 0] == "sound"


def test_given_terms_replace_the_proposal():
    m = flag_map(toy(), "v", [2.0], "c", [0.2], draws=10, proposal={"chips": 1.0, "pay": 2.5})
    assert m.flags[0, 0] == "over"


def test_frame_and_plot(fmap):
    frame = fmap.to_frame()
    assert len(frame) == len(VS) * len(CS)
    assert set(frame["flag (supplier)"]) == set(fmap.flags.ravel())
    ax = fmap.plot()
    assert ax.get_xlabel() == "v"
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["over", "point values", "sound", "under"]


@pytest.mark.parametrize("args, message", [
    (("price", [1.0], "c", [0.2]), "not a parameter"),
    (("v", [1.0], "v", [0.2]), "two different parameters"),
    (("v", [], "c", [0.2]), "non-empty list"),
])
def test_bad_input_names_the_mistake(args, message):
    with pytest.raises(DealError, match=message):
        flag_map(toy(), *args, draws=5)


def test_india_accepts_more_often_with_less_russian_oil_to_replace_and_more_valuable_chips():
    # The oil shift costs India volume x discount; chips are worth more with a higher multiple.
    # In the article's setting (the cap in force, no penalty tariff: 25 points below 50%).
    article = load("india-energy-trade").at_terms("proposal")[0]
    m = flag_map(article, "russian_volume", [0.2, 1.0, 1.9], "value_multiple", [2.0, 5.0],
                 draws=200, proposal={"chips": 300_000, "us_tariff_relief": 25, "oil_shift": 1.0})
    accept = m.acceptance["partner"]
    assert m.flags.shape == (2, 3)
    assert (np.diff(accept, axis=1) <= 0).all() and (accept[1] >= accept[0]).all()
    assert accept[1, 0] > accept[0, 2]
