"""A proposal that another package beats for both sides in every draw is called inefficient.

Three issues, utilities linear in them: the supplier gives chips (worth v per unit to the
partner, 1 to the supplier); the partner gives pay and help (costing it 1 and 1.37 per unit,
worth 1.31 and 1.07 to the supplier). Each side's gain over the proposal is then linear in
the package, so the largest common improvement (each side's gain in units of its range of
gains) is a linear programme per draw: scipy's linprog gives it independently. Every single-
issue move from the proposal helps one side and hurts the other, so a search that moves one
issue at a time stalls on the crease where the two gains are equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from deals import Deal, Issue, Terms, assess
from deals.audit.leverage import DrawSolver, sample_values
from games.parameters import Parameter

S_PAY, S_HELP, P_HELP = 1.31, 1.07, 1.37


def three_issue_deal() -> Deal:
    return Deal(
        name="three-linear-issues", title="Three linear issues", supplier="S", partner="P",
        issues=[Issue("chips", (0.0, 1.0), giver="supplier"),
                Issue("pay", (0.0, 1.3), giver="partner"),
                Issue("help", (0.0, 1.0), giver="partner")],
        parameters=[Parameter("v", 1.47, range=(1.42, 1.52))],
        utility={"supplier": f"{S_PAY} * pay + {S_HELP} * help - chips",
                 "partner": f"v * chips - pay - {P_HELP} * help"},
        outside_option={"supplier": "0", "partner": "0"},
        proposal=Terms({"chips": 0.83, "pay": 0.052, "help": 0.48}))


def lp_margin(v: float, proposal: np.ndarray) -> float:
    s, p = np.array([-1.0, S_PAY, S_HELP]), np.array([v, -1.0, -P_HELP])
    highs = np.array([1.0, 1.3, 1.0])
    s, p = s / np.sum(np.abs(s) * highs), p / np.sum(np.abs(p) * highs)  # gain-range units
    res = linprog([0, 0, 0, -1.0], A_ub=[np.r_[-s, 1], np.r_[-p, 1]],
                  b_ub=[-s @ proposal, -p @ proposal],
                  bounds=[(0, 1), (0, 1.3), (0, 1), (None, None)], method="highs")
    return -res.fun


def test_the_margin_over_the_proposal_is_the_lp_value_in_every_draw():
    deal = three_issue_deal()
    values = sample_values(deal, 60, seed=0)
    proposal = deal.outcome_values(deal.proposal.values)
    found = DrawSolver(deal, proposal).solve(values)
    p = np.array([proposal[k] for k in ("chips", "pay", "help")])
    expected = np.array([lp_margin(v, p) for v in values["v"]])
    assert expected.min() > 0.04  # dominated by more than twice the 0.02 margin, every draw
    assert found.better_for_both == pytest.approx(expected, abs=1e-9)


def test_the_audit_calls_it_inefficient_and_names_a_package_better_for_both():
    a = assess(three_issue_deal(), draws=400, seed=1, progress=False)
    assert a.dominated_share == 1.0
    assert "inefficient" in a.flag_sets["supplier"]
    assert a.better_gains["supplier"] > 0 and a.better_gains["partner"] > 0
