"""A batch problem's columns of parameters for a set of draws, gathered from one stack of all
the parameters, held to indexing each parameter by the draws, bit for bit."""

import numpy as np
import pytest

from games.bargaining.batch import BatchProblem
from games.optimise.outcome_space import Box


def _columns_before(problem, pick):
    """BatchProblem._columns as it was: each parameter and payoff indexed by ``pick``."""
    return ({k: v[pick][:, None] for k, v in problem.parameters.items()},
            problem.disagreement[0][pick][:, None], problem.disagreement[1][pick][:, None])


def _problem(rng, draws, count):
    values = rng.standard_normal((count, draws)) * 10.0 ** rng.integers(-300, 300, (count, 1))
    values[rng.random(values.shape) < 0.05] = -0.0
    params = {f"p{j}": values[j] for j in range(count)}

    def utilities(x, p):
        total = sum(p.values(), x["a"] * 0.0)
        return np.exp(x["a"] * np.tanh(total)), np.log1p(np.abs(total)) - x["a"]

    return BatchProblem(utilities, Box({"a": (0.0, 1.0)}), params,
                        (rng.standard_normal(draws), rng.standard_normal(draws)))


@pytest.mark.parametrize("seed", range(20))
def test_gathered_columns_are_the_indexed_ones(seed):
    rng = np.random.default_rng(seed)
    draws = int(rng.integers(1, 300))
    problem = _problem(rng, draws, int(rng.integers(0, 25)))
    for _ in range(5):
        pick = rng.integers(0, draws, int(rng.integers(0, 2 * draws + 1)))
        if rng.random() < 0.3:
            pick = pick.astype(np.int32)
        params, d_1, d_2 = problem._columns(pick)
        old_params, old_1, old_2 = _columns_before(problem, pick)
        assert list(params) == list(old_params)
        for new, old in [*zip(params.values(), old_params.values()), (d_1, old_1), (d_2, old_2)]:
            assert new.shape == old.shape and new.flags.c_contiguous
            assert new.tobytes() == old.tobytes()
        outcome = {"a": rng.random((1, 7))}
        for new, old in zip(problem.gains(outcome, pick),
                            (u - d for u, d in zip(problem.utilities(outcome, old_params),
                                                   (old_1, old_2)))):
            assert new.tobytes() == np.asarray(old, dtype=float).tobytes()


def test_a_mask_and_a_slice_pick_as_indexing_does():
    rng = np.random.default_rng(0)
    problem = _problem(rng, 50, 4)
    for pick in (rng.random(50) < 0.5, slice(3, 40, 2)):
        params, d_1, _ = problem._columns(pick)
        old_params, old_1, _ = _columns_before(problem, pick)
        assert d_1.tobytes() == old_1.tobytes()
        assert all(params[k].tobytes() == old_params[k].tobytes() for k in params)
