"""A discrete issue with two levels is searched over its levels only, never between them.

The outcome box reads any 2-tuple as a continuous range, so a deal's issue with
``levels = [0, 1]`` handed over as ``(0, 1)`` was searched as if every share in between were
a term on the table (allied-sme's access, microsoft-g42's stake, Poland's tier). Toy deal with
the answer in closed form: u_S = pay - c a, u_P = v a - 2 a^2 - pay, outside options 0. With
``a`` continuous the joint surplus v a - 2 a^2 - c a peaks inside (a = (v - c) / 4, about 0.7
to 0.8 here); with levels 0 and 1 only, the benchmark must sit on a level, and on 1 (the
surplus v - 2 - c > 0 for every v drawn in [3, 3.5]).
"""

from __future__ import annotations

import numpy as np
import pytest

from deals import Deal, Issue, Terms, load
from deals.audit.leverage import DrawSolver, outcome_box, sample_values
from games.parameters import Parameter


def _toy(levels):
    return Deal(
        name="toy", title="Toy deal", supplier="S", partner="P",
        issues=[Issue("a", (0.0, 1.0), giver="supplier", unit="share", levels=levels),
                Issue("pay", (0.0, 3.0), giver="partner", unit="$")],
        parameters=[Parameter("v", 3.2, range=(3.0, 3.5), distribution="uniform"),
                    Parameter("c", 0.2)],
        utility={"supplier": "pay - c * a", "partner": "v * a - 2 * a**2 - pay"},
        outside_option={"supplier": "0", "partner": "0"},
        proposal=Terms({"a": 1.0, "pay": 0.5}))


def test_a_two_level_issue_is_a_discrete_coordinate_of_the_outcome_box():
    box = outcome_box(_toy((0.0, 1.0)))
    assert not box.is_continuous("a") and box.is_continuous("pay")
    for name in ("allied-sme-netherlands", "microsoft-g42", "tier-upgrade-poland"):
        deal = load(name)
        two = [i.name for i in deal.issues if i.discrete and len(i.levels) == 2]
        assert two, name
        assert not any(outcome_box(deal).is_continuous(k) for k in two), name


@pytest.mark.parametrize("levels, inside", [((0.0, 1.0), False), (None, True)])
def test_the_benchmark_sits_on_a_level_and_between_them_only_when_continuous(levels, inside):
    deal = _toy(levels)
    values = sample_values(deal, 200, 0)
    found = DrawSolver(deal, deal.proposal.values).solve(values)
    a = found.benchmark[:, found.issues.index("a")]
    if inside:  # the closed form a = (v - c) / 4
        assert np.allclose(a, (values["v"] - 0.2) / 4, atol=1e-4)
    else:
        assert np.all(a == 1.0)
