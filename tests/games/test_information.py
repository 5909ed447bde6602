"""Value of information: non-negative, zero for an irrelevant parameter, equal to brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from games.errors import ParameterError
from games.decisions.information import value_of_information


def brute_force(payoffs, values):
    """Loop over each distinct value: the best action's mean there, weighted by its share."""
    total = 0.0
    for v in sorted(set(values)):
        cols = [d for d in range(len(values)) if values[d] == v]
        total += max(sum(payoffs[a][d] for d in cols) for a in range(len(payoffs))) / len(values)
    return total - max(sum(row) / len(values) for row in payoffs)


def test_grid_deal_equals_brute_force_and_irrelevant_is_zero():
    grid = list(itertools.product([0.1, 0.5, 0.9], [1.0, 2.0, 4.0], [0.0, 1.0]))
    p, h, z = (np.array(c) for c in zip(*grid))
    # three actions: safe, risky (pays h with prob p, else loses), medium; z enters nothing
    payoffs = np.array([np.full(len(p), 1.0), p * h * 2 - (1 - p) * 2, 0.5 + 0.5 * p * h])
    v = value_of_information(payoffs, {"p": p, "h": h, "z": z})
    assert v.by_parameter["p"] == pytest.approx(brute_force(payoffs.tolist(), p.tolist()))
    assert v.by_parameter["h"] == pytest.approx(brute_force(payoffs.tolist(), h.tolist()))
    assert v.by_parameter["z"] == 0.0
    assert v.total == pytest.approx(np.mean(payoffs.max(axis=0)) - payoffs.mean(axis=1).max())
    assert v.ranking()[0][0] == "p"


@settings(max_examples=40, deadline=None)
@given(arrays(float, (3, 12), elements=st.floats(-5, 5)), arrays(float, 12, elements=st.floats(0, 1)))
def test_values_are_non_negative_and_below_the_total(payoffs, x):
    v = value_of_information(payoffs, {"x": x}, bins=4)
    assert 0.0 <= v.by_parameter["x"] <= v.total + 1e-12


def test_bad_shapes_are_refused():
    with pytest.raises(ParameterError, match="draws"):
        value_of_information(np.zeros((2, 3)), {"x": [1, 2]})
    with pytest.raises(ParameterError, match="actions x draws"):
        value_of_information(np.zeros(3), {})
