"""Sweeps: same seed, same numbers, whatever the executor and chunk size."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from games.errors import ParameterError
from games.parameters import Parameter, ParameterSet
from games.sweeps import sweep

PARAMETERS = ParameterSet([
    Parameter("a", 1.0, range=(0.0, 2.0)),
    Parameter("b", 2.0, range=(1.0, 4.0), distribution="triangular"),
    Parameter("c", 5.0),
])


def surplus(a, b):
    """Vectorised: works on arrays and on numbers."""
    return {"gain": a * b - 1.0, "accepted": a * b > 1.0}


def scalar_only(a, b):
    """Only works point by point (an `if` on an array raises)."""
    if a > b:
        return a - b
    return 0.0


def test_monte_carlo_mean_matches_the_law():
    # E[a * b] with a ~ U(0, 2), b ~ Tri(1, 2, 4) independent: 1 * (1 + 2 + 4) / 3
    result = sweep(surplus, PARAMETERS, draws=200_000, seed=1)
    assert result.vectorised
    assert result.outputs["gain"].mean() == pytest.approx(7 / 3 - 1, rel=0.01)


def test_point_by_point_fallback_agrees_with_numpy():
    result = sweep(scalar_only, PARAMETERS, draws=500, seed=2)
    assert not result.vectorised
    a, b = result.samples["a"], result.samples["b"]
    np.testing.assert_allclose(result.outputs["value"], np.maximum(a - b, 0.0))


@pytest.mark.parametrize("chunk_size", [1, 7, 100, 1000])
def test_same_seed_same_output_across_executors_and_chunks(chunk_size):
    reference = sweep(surplus, PARAMETERS, draws=300, seed=11)
    with ThreadPoolExecutor(2) as pool:
        threaded = sweep(surplus, PARAMETERS, draws=300, seed=11, executor=pool, chunk_size=chunk_size)
    for key in reference.outputs:
        np.testing.assert_array_equal(reference.outputs[key], threaded.outputs[key])
    assert threaded.chunks == -(-300 // chunk_size)


@pytest.mark.slow  # starts worker processes
def test_process_pool_gives_identical_results():
    reference = sweep(scalar_only, PARAMETERS, draws=200, seed=3)
    with ProcessPoolExecutor(2) as pool:
        spread = sweep(scalar_only, PARAMETERS, draws=200, seed=3, executor=pool, chunk_size=50)
    np.testing.assert_array_equal(reference.outputs["value"], spread.outputs["value"])


@pytest.mark.slow  # starts worker processes
def test_forked_workers_give_identical_results_in_order():
    reference = sweep(surplus, PARAMETERS, draws=300, seed=5)
    spread = sweep(lambda a, b: surplus(a, b), PARAMETERS, draws=300, seed=5, jobs=2,
                   chunk_size=40)           # a lambda: nothing but the outputs need pickle
    for key in reference.outputs:
        np.testing.assert_array_equal(reference.outputs[key], spread.outputs[key])
    assert spread.chunks == 8


@pytest.mark.slow  # starts worker processes
def test_dask_local_cluster_gives_identical_results():
    distributed = pytest.importorskip("distributed")
    reference = sweep(surplus, PARAMETERS, draws=400, seed=4)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        spread = sweep(surplus, PARAMETERS, draws=400, seed=4, executor=client.get_executor(),
                       chunk_size=64)
    np.testing.assert_array_equal(reference.outputs["gain"], spread.outputs["gain"])


def test_grid_design_and_table():
    result = sweep(surplus, PARAMETERS, grid={"a": 3, "b": [1.0, 4.0]})
    frame = result.to_frame()
    assert len(frame) == 6
    assert frame["gain"].tolist() == pytest.approx([0 * 1 - 1, 0 * 4 - 1, 1 - 1, 4 - 1, 2 - 1, 8 - 1])
    assert "grid over a" in str(result)


def test_bad_requests():
    with pytest.raises(ParameterError, match="exactly one"):
        sweep(surplus, PARAMETERS)
    with pytest.raises(ParameterError, match="needs d"):
        sweep(lambda a, d: a, PARAMETERS, draws=5)
    with pytest.raises(ParameterError, match="ParameterSet"):
        sweep(surplus, {"a": 1}, draws=5)
