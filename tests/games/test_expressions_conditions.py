"""Conditions in expressions: and/or/not are elementwise under broadcasting, and never numbers.

The audit evaluates utilities with parameters shaped (n, 1) against outcomes shaped (1, k), so
every connective must broadcast like arithmetic does. A numpy evaluation of the same condition
is the independent reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from games.errors import ExpressionError
from games.expressions import parse_expression

X = np.array([[0.5], [2.0], [3.5]])  # (3, 1)
Y = np.array([[1.0, 2.5, 4.0, -1.0]])  # (1, 4)


@pytest.mark.parametrize("text, reference", [
    ("where(x > 1 and y > 2, y, 0)", lambda x, y: np.where((x > 1) & (y > 2), y, 0.0)),
    ("where(x > 1 or y > 2, y, 0)", lambda x, y: np.where((x > 1) | (y > 2), y, 0.0)),
    ("where(x > 1 and y > 2 and x < 3, 1, 0)",
     lambda x, y: np.where((x > 1) & (y > 2) & (x < 3), 1.0, 0.0)),
    ("where(not (x > 1 or y < 0), x, y)", lambda x, y: np.where(~((x > 1) | (y < 0)), x, y)),
    ("x if 0 < y < 3 else -x", lambda x, y: np.where((0 < y) & (y < 3), x, -x)),
])
def test_connectives_broadcast_elementwise(text, reference):
    got = parse_expression(text, names=["x", "y"])(x=X, y=Y)
    assert got.shape == (3, 4)
    np.testing.assert_array_equal(got, np.broadcast_to(reference(X, Y), (3, 4)))


def test_issue_example_scalar_against_vector():
    e = parse_expression("where(x > 1 and y > 2, y, 0)", names=["x", "y"])
    assert e(x=2.0, y=np.array([5.0, 1.0])).tolist() == [5.0, 0.0]


@pytest.mark.parametrize("text", ["payment > 3", "payment or 1", "payment and 1", "not payment",
                                  "True", "payment == 2", "where(payment > 1 or 1, 2, 3)"])
def test_a_condition_or_a_connective_of_numbers_is_refused_as_a_value(text):
    with pytest.raises(ExpressionError, match="utility.supplier"):
        parse_expression(text, names=["payment"], where="utility.supplier")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([">", "<", ">=", "<="]), min_size=2, max_size=4),
       st.lists(st.floats(-3, 3, allow_nan=False), min_size=4, max_size=4),
       st.sampled_from(["and", "or"]))
def test_random_conjunctions_match_numpy(ops, cuts, word):
    parts = [f"{'x' if i % 2 else 'y'} {op} {cuts[i]!r}" for i, op in enumerate(ops)]
    text = f"where({f' {word} '.join(parts)}, x + y, x - y)"
    compare = {">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal}
    masks = [compare[op](X if i % 2 else Y, cuts[i]) for i, op in enumerate(ops)]
    joined = np.logical_and.reduce(np.broadcast_arrays(*masks)) if word == "and" else \
        np.logical_or.reduce(np.broadcast_arrays(*masks))
    np.testing.assert_array_equal(parse_expression(text)(x=X, y=Y), np.where(joined, X + Y, X - Y))
