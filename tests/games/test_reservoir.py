"""games.reservoir: a uniform sample of a numbered stream, the same however it was cut."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from games.errors import GameError
from games.reservoir import Reservoir


def fill(reservoir: Reservoir, x: np.ndarray, cuts: list[int]) -> Reservoir:
    bounds = [0, *sorted(set(c for c in cuts if 0 < c < len(x))), len(x)]
    pieces = list(zip(bounds[:-1], bounds[1:]))
    for a, b in pieces[::-1]:  # in reverse: the order chunks arrive in must not matter
        reservoir.add(a, {"x": x[a:b], "i": np.arange(a, b)})
    return reservoir


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 400), capacity=st.integers(1, 120),
       cuts=st.lists(st.integers(0, 400), max_size=8))
def test_the_kept_rows_are_those_of_smallest_key_whatever_the_cuts(n, capacity, cuts):
    x = np.random.default_rng(n).normal(size=n)
    r = fill(Reservoir(capacity, seed=3), x, cuts)
    keys = r.keys(0, n)
    expected = np.sort(np.lexsort((np.arange(n), keys))[:capacity])  # brute force bottom-k
    assert r.count == n and len(r) == min(n, capacity) and r.exact == (n <= capacity)
    assert r.rows().tolist() == expected.tolist()
    assert r.columns()["i"].tolist() == expected.tolist()       # rows stay together
    assert (r.columns()["x"] == x[expected]).all()


def test_a_key_does_not_depend_on_where_the_stream_was_cut():
    r = Reservoir(10)
    assert (np.concatenate([r.keys(0, 7), r.keys(7, 20)]) == r.keys(0, 20)).all()


def test_while_every_row_fits_the_quantiles_are_the_whole_arrays():
    x = np.random.default_rng(0).lognormal(size=5_000)
    x[::7] = np.nan
    r = fill(Reservoir(5_000), x, [1_000, 2_345, 4_000])
    finite = x[np.isfinite(x)]
    assert r.quantiles("x", [10, 50, 90]).tolist() == np.percentile(finite, [10, 50, 90]).tolist()
    assert r.rank_error(50) == 0.0 and r.settings()["quantiles"] == "exact"


def test_a_sample_quantile_sits_within_its_rank_error_of_the_truth():
    n, k = 200_000, 2_000
    x = np.random.default_rng(1).random(n)   # uniform: the p-quantile is p
    r = fill(Reservoir(k), x, list(range(0, n, 7_000)))
    for q in (10, 50, 90):
        error = r.rank_error(q)
        assert error == pytest.approx(np.sqrt(q / 100 * (1 - q / 100) / k))
        assert abs(r.quantiles("x", [q])[0] - q / 100) < 4 * error
    assert "reservoir sample of 2,000" in r.settings()["quantiles"]


def test_every_row_is_equally_likely_to_be_kept():
    n, k, runs = 60, 15, 600
    kept = np.zeros(n)
    for seed in range(runs):
        kept[fill(Reservoir(k, seed=seed), np.zeros(n), [17, 40]).rows()] += 1
    share = kept / runs   # each row: k / n = 0.25, binomial s.e. about 0.018
    assert np.abs(share - k / n).max() < 5 * np.sqrt(0.25 * 0.75 / runs)


def test_bad_input_is_one_clear_error():
    with pytest.raises(GameError, match="capacity"):
        Reservoir(0)
    r = Reservoir(5)
    with pytest.raises(GameError, match="as many rows"):
        r.add(0, {"a": np.zeros(2), "b": np.zeros(3)})
    r.add(0, {"a": np.zeros(2)})
    with pytest.raises(GameError, match="differ"):
        r.add(2, {"b": np.zeros(2)})
