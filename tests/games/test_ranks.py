"""games.ranks against scipy.stats: average ranks with ties, and Spearman's correlation."""

import numpy as np
import pytest
from scipy.stats import rankdata as reference_ranks
from scipy.stats import spearmanr

from games.errors import GameError
from games.ranks import centred_ranks, rankdata, spearman


@pytest.mark.parametrize("size, levels", [(1, 1), (7, 2), (200, 5), (500, 10_000)])
def test_ranks_match_scipy_with_ties(size, levels):
    a = np.random.default_rng(size).integers(0, levels, size=size).astype(float)
    assert np.array_equal(rankdata(a), reference_ranks(a))
    assert centred_ranks(a).sum() == pytest.approx(0.0, abs=1e-9 * size)


@pytest.mark.parametrize("seed", range(20))
def test_spearman_matches_scipy_on_tied_and_untied_draws(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 400))
    x = rng.normal(size=n) if seed % 2 else rng.integers(0, 4, size=n).astype(float)
    y = x * rng.normal() + rng.normal(size=n) * rng.uniform(0, 3)
    expected = spearmanr(x, y).statistic
    assert spearman(x, y) == pytest.approx(expected, abs=1e-12)
    assert spearman(x, y, x_ranks=centred_ranks(x)) == pytest.approx(expected, abs=1e-12)
    # ranks given for either side are the ranks it would find: the same number, bit for bit
    assert spearman(x, y, y_ranks=centred_ranks(y)) == spearman(x, y)
    assert spearman(x, y, x_ranks=centred_ranks(x), y_ranks=centred_ranks(y)) == spearman(x, y)


def test_spearman_is_one_for_any_increasing_map_and_zero_for_a_constant():
    x = np.random.default_rng(0).normal(size=100)
    assert spearman(x, np.exp(3 * x)) == pytest.approx(1.0)
    assert spearman(x, -x ** 3) == pytest.approx(-1.0)
    assert spearman(x, np.ones(100)) == 0.0


def test_spearman_refuses_arrays_of_different_lengths():
    with pytest.raises(GameError, match="same length"):
        spearman([1.0, 2.0, 3.0], [1.0, 2.0])
