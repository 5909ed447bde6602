"""games.decisions.conditioning: weights, effective sample, quantiles, resampling, conflicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from games.decisions.conditioning import (condition, effective_sample_size, systematic_resample,
                                weighted_quantile)
from games.errors import ParameterError
from games.parameters import Parameter


def triangular_cdf(x, lo, mode, hi):
    x = np.asarray(x, dtype=float)
    left = (x - lo) ** 2 / ((hi - lo) * (mode - lo))
    right = 1 - (hi - x) ** 2 / ((hi - lo) * (hi - mode))
    return np.clip(np.where(x <= mode, left, right), 0, 1)


def triangular_ppf(u, lo, mode, hi):
    c = (mode - lo) / (hi - lo)
    u = np.asarray(u, dtype=float)
    return np.where(u < c, lo + np.sqrt(u * (hi - lo) * (mode - lo)),
                    hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode)))


@pytest.mark.parametrize("a, b", [(1.5, 2.6), (1.0, 1.8), (2.2, 3.0)])
def test_an_interval_event_gives_the_truncated_distribution(a, b):
    # Closed form: the q-quantile of a law truncated to [a, b] is F^-1(F(a) + q (F(b) - F(a))).
    lo, mode, hi = 1.0, 2.0, 3.0
    x = Parameter("x", mode, range=(lo, hi), distribution="triangular").sample(200_000, 3)
    c = condition({"x": x}, {"inside": (x >= a) & (x <= b)})
    fa, fb = triangular_cdf([a, b], lo, mode, hi)
    assert c.ess == pytest.approx(200_000 * (fb - fa), rel=0.02)
    for q in (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95):
        exact = float(triangular_ppf(fa + q * (fb - fa), lo, mode, hi))
        assert c.quantile("x", q) == pytest.approx(exact, abs=0.01 * (hi - lo))


def test_zero_one_weights_count_the_draws_kept():
    assert effective_sample_size([1, 0, 1, 1, 0]) == 3.0
    assert effective_sample_size([0, 0]) == 0.0
    assert effective_sample_size(np.full(7, 0.3)) == pytest.approx(7.0)


@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=50))
def test_effective_sample_is_between_one_and_the_draws(w):
    ess = effective_sample_size(w)
    if sum(w) == 0:
        assert ess == 0
    else:
        assert 1 - 1e-9 <= ess <= len(w) + 1e-9
        assert effective_sample_size(np.array(w) * 7.5) == pytest.approx(ess)


@given(st.lists(st.integers(0, 5), min_size=1, max_size=30), st.floats(0, 1))
def test_weighted_quantile_equals_the_quantile_of_repeated_draws(counts, q):
    # Integer weights are repeated draws: an independent computation by numpy's inverted CDF.
    if sum(counts) == 0:
        return
    values = np.arange(len(counts), dtype=float)[::-1] * 1.5
    repeated = np.repeat(values, counts)
    assert weighted_quantile(values, counts, q) == np.quantile(repeated, q,
                                                               method="inverted_cdf")


@given(st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=20),
       st.integers(1, 200), st.integers(0, 10**6))
def test_systematic_resampling_takes_each_draw_its_share_rounded(w, n, seed):
    w = np.array(w)
    if w.sum() == 0:
        with pytest.raises(ParameterError):
            systematic_resample(w, n, seed)
        return
    counts = np.bincount(systematic_resample(w, n, seed), minlength=w.size)
    share = n * w / w.sum()
    assert counts.sum() == n
    assert np.all(counts >= np.floor(share - 1e-9)) and np.all(counts <= np.ceil(share + 1e-9))


def test_an_impossible_pair_of_events_has_no_sample_and_names_the_parameter():
    rng = np.random.default_rng(0)
    x, y = rng.random(5_000), rng.random(5_000)
    c = condition({"x": x, "y": y}, {"signed": x > 0.7, "refused": x < 0.3})
    assert c.ess == 0 and not c.rationalised
    assert c.conflicts[0].parameter == "x" and c.conflicts[0].kind == "disjoint"
    assert "y" not in {k.parameter for k in c.conflicts if k.kind == "disjoint"}
    assert "x (signed needs" in c.refusal() or "x (refused needs" in c.refusal()
    with pytest.raises(ParameterError, match="cannot be rationalised"):
        c.resample(10)


def test_a_rare_event_names_the_parameter_it_pushes_to_an_end():
    rng = np.random.default_rng(1)
    x, y = rng.random(20_000), rng.random(20_000)
    c = condition({"x": x, "y": y}, {"rare": (x > 0.997) & (y < 0.9)}, margins={"rare": x - 0.997})
    assert c.ess < 100
    assert c.conflicts[0].parameter == "x" and c.conflicts[0].pull > 0.4


def test_no_events_changes_nothing():
    x = np.linspace(0, 1, 11)
    c = condition({"x": x}, {})
    assert c.ess == 11 and c.rationalised and c.conflicts == ()
    assert np.array_equal(c.weights, np.ones(11))


def test_bad_events_are_refused_in_one_line():
    with pytest.raises(ParameterError, match="event 'e': expected 3 booleans"):
        condition({"x": [1.0, 2.0, 3.0]}, {"e": [1, 0, 1]})
    with pytest.raises(ParameterError, match="non-negative"):
        effective_sample_size([1.0, -1.0])
    assert math.isfinite(weighted_quantile([1.0], [1.0], 1.0))
