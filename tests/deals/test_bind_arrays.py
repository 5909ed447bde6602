"""deal.bind accepts arrays (a sample), as docs/deal-files.md says, and refuses non-numbers.

Reference: the same gains computed one value at a time with scalar binds.
"""

from __future__ import annotations

import numpy as np
import pytest

import deals
from deals.errors import DealError
from games.errors import ParameterError


def test_gains_under_an_array_bind_match_scalar_binds_one_by_one():
    deal = deals.load("gulf-divestment-uae")
    name = next(k for k, p in deal.parameters.items() if p.range is not None)
    p = deal.parameters[name]
    sample = np.linspace(p.low, p.high, 5)
    supplier, partner = deal.bind(**{name: sample}).gains(deal.proposal.values)
    for k, value in enumerate(sample):
        s, q = deal.bind(**{name: float(value)}).gains(deal.proposal.values)
        assert supplier[k] == pytest.approx(s) and partner[k] == pytest.approx(q)


def test_equal_array_binds_are_equal_deals():
    deal = deals.load("gulf-divestment-uae")
    name = next(iter(deal.parameters))
    a = deal.bind(**{name: np.array([1.0, 2.0])})
    assert a == deal.bind(**{name: [1.0, 2.0]}) and a != deal


@pytest.mark.parametrize("value", ["x", None, True, [1, "a"], [[1, 2], [3]], [], [1.0, np.nan]])
def test_non_numbers_are_refused_naming_the_parameter(value):
    deal = deals.load("gulf-divestment-uae")
    name = next(iter(deal.parameters))
    with pytest.raises(ParameterError, match=f"bind.{name}"):
        deal.bind(**{name: value})


def test_views_that_need_one_value_per_parameter_refuse_arrays():
    deal = deals.load("gulf-divestment-uae")
    name = next(iter(deal.parameters))
    sampled = deal.bind(**{name: np.array([1.0, 2.0])})
    with pytest.raises(DealError, match=f"{name} is bound to an array"):
        sampled.frontier()
    with pytest.raises(DealError, match=f"{name} is bound to an array"):
        sampled.game()
