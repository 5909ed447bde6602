"""Seeds: distinct non-negative seeds give distinct draws; anything else is refused.

The seed used to be wrapped to 32 bits (seed & 0xFFFFFFFF), so 2**32 drew what 0 drew and -1
what 4294967295 drew. numpy's SeedSequence takes a whole number of any size.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from games.errors import ParameterError
from games.parameters import Parameter, ParameterSet
from games.sweeps import sweep

P = Parameter("margin", 0.7, range=(0.6, 0.75))
SEEDS = [0, 1, 4294967295, 2**32, 2**32 + 1, 2**63, 2**64, 10**40, np.int64(7)]


def test_distinct_seeds_give_distinct_draws():
    draws = [tuple(P.sample(8, s)) for s in SEEDS]
    assert len(set(draws)) == len(SEEDS)


def test_the_same_seed_gives_the_same_draws():
    assert np.array_equal(P.sample(8, 2**64), P.sample(8, 2**64))


@pytest.mark.parametrize("seed", [-1, -(2**32), 1.5, math.nan, "x", "3", [1, 2], True, 2.0])
def test_other_seeds_are_refused(seed):
    with pytest.raises(ParameterError, match="seed must be a whole number >= 0"):
        P.sample(4, seed)
    with pytest.raises(ParameterError, match="seed must be a whole number >= 0"):
        ParameterSet([P]).sample(4, seed)
    with pytest.raises(ParameterError, match="seed"):
        sweep(lambda margin: margin, ParameterSet([P]), draws=4, seed=seed)


def test_an_empty_parameter_set_still_checks_the_seed():
    with pytest.raises(ParameterError, match="seed"):
        ParameterSet([]).sample(4, -1)
