"""Parameters: validation, seeded sampling, grids."""

from __future__ import annotations

import numpy as np
import pytest

from games.errors import ParameterError
from games.parameters import Parameter, ParameterSet


@pytest.mark.parametrize("kwargs, fragment", [
    ({"name": "x", "value": 1.0, "range": (2.0, 0.0)}, "wrong way round"),
    ({"name": "x", "value": 5.0, "range": (0.0, 2.0)}, "outside its range"),
    ({"name": "x", "value": float("nan")}, "finite"),
    ({"name": "x", "value": "abc"}, "must be a number"),
    ({"name": "2x", "value": 1.0}, "not a valid name"),
    ({"name": "__x", "value": 1.0}, "not a valid name"),
    ({"name": "x", "value": 1.0, "distribution": "beta", "range": (0, 2)}, "unknown distribution"),
    ({"name": "x", "value": 1.0, "distribution": "normal"}, "needs a range"),
    ({"name": "x", "value": 1.0, "range": (0, 2), "distribution": "lognormal"}, "positive range"),
    ({"name": "x", "value": 1.0, "range": (0, 1, 2)}, "two numbers"),
])
def test_malformed_parameters(kwargs, fragment):
    with pytest.raises(ParameterError, match=fragment):
        Parameter(**kwargs)


def test_duplicate_and_unknown_names():
    with pytest.raises(ParameterError, match="defined twice"):
        ParameterSet([Parameter("a", 1), Parameter("a", 2)])
    ps = ParameterSet.from_values(a=1, b=2)
    with pytest.raises(ParameterError, match="known parameters: a, b"):
        ps["c"]
    with pytest.raises(ParameterError, match="'c'"):
        ps.with_values(c=3)


@pytest.mark.parametrize("distribution, low, value, high, mean", [
    ("uniform", 1.0, 2.0, 4.0, 2.5),
    ("triangular", 0.0, 3.0, 6.0, 3.0),
    ("triangular", 0.0, 0.0, 3.0, 1.0),  # mean of a triangular law is (a + c + b) / 3
    ("loguniform", 1.0, 2.0, np.e, (np.e - 1.0)),  # mean of loguniform on [1, e] is e - 1
])
def test_sample_means_match_the_laws(distribution, low, value, high, mean):
    p = Parameter("x", value, range=(low, high), distribution=distribution)
    draws = p.sample(200_000, seed=3)
    assert draws.min() >= low and draws.max() <= high
    assert draws.mean() == pytest.approx(mean, rel=0.01, abs=0.01)


@pytest.mark.parametrize("distribution, low, high", [("normal", 1.0, 3.0), ("lognormal", 1.0, 4.0)])
def test_normal_laws_are_centred_on_the_value(distribution, low, high):
    # ranges symmetric around the value (in log space for lognormal), so truncation keeps the median
    p = Parameter("x", 2.0, range=(low, high), distribution=distribution)
    draws = p.sample(100_000, seed=5)
    assert np.median(draws) == pytest.approx(2.0, rel=0.02)
    assert draws.min() >= low and draws.max() <= high
    inside = np.mean(np.abs(draws - 2.0) < (high - low) / 4) if distribution == "normal" else None
    if inside is not None:  # the range is the central 95% interval: sd = width / 3.92
        assert inside == pytest.approx(0.7083, abs=0.01)  # P(|Z| < 0.98) / P(|Z| < 1.96)


def test_sampling_is_reproducible_and_per_name():
    a = Parameter("a", 1.0, range=(0, 2))
    b = Parameter("b", 1.0, range=(0, 2))
    one = ParameterSet([a, b]).sample(50, seed=7)
    two = ParameterSet([b, a]).sample(50, seed=7)
    three = ParameterSet([a]).sample(50, seed=7)
    np.testing.assert_array_equal(one["a"], two["a"])
    np.testing.assert_array_equal(one["a"], three["a"])  # adding b does not move a's draws
    assert not np.array_equal(one["a"], one["b"])
    assert not np.array_equal(one["a"], ParameterSet([a]).sample(50, seed=8)["a"])


def test_fixed_parameters_sample_to_their_value():
    assert ParameterSet.from_values(k=4.0).sample(3)["k"].tolist() == [4.0, 4.0, 4.0]


def test_grid_is_a_flattened_meshgrid():
    ps = ParameterSet([Parameter("a", 1, range=(0, 2)), Parameter("b", 5, range=(0, 10)),
                       Parameter("c", 3)])
    g = ps.grid(a=3, b=[0.0, 10.0])
    assert g["a"].reshape(3, 2).tolist() == [[0, 0], [1, 1], [2, 2]]
    assert g["b"].reshape(3, 2).tolist() == [[0, 10]] * 3
    assert g["c"].tolist() == [3.0] * 6
    with pytest.raises(ParameterError, match="no range"):
        ps.grid(c=4)
    with pytest.raises(ParameterError, match="positive whole number"):
        ps.sample(0)


def test_table_lists_sources():
    ps = ParameterSet([Parameter("a", 1, range=(0, 2), unit="$bn", source="FACTS.md d")])
    text = str(ps)
    assert "FACTS.md d" in text and "$bn" in text
    assert "<table" in ps._repr_html_()


@pytest.mark.parametrize("low, mode, high", [(1.0, 2.0, 5.0), (1.0, 1.0, 5.0), (0.0, 3.0, 3.0)])
def test_triangular_draws_follow_scipy_inverse_cdf(low, mode, high):
    from scipy import stats

    u = np.linspace(0.001, 0.999, 999)
    p = Parameter("x", mode, range=(low, high), distribution="triangular")
    expected = stats.triang.ppf(u, (mode - low) / (high - low), loc=low, scale=high - low)
    np.testing.assert_allclose(p.draw(u), expected, atol=1e-12)
