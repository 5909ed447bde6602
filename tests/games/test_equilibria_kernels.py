"""The compiled kernels against their pure-NumPy reference: same pivots, same bases, same numbers.

games/normal_form/equilibria/_kernels.c repeats three NumPy loops operation for operation, so
the two paths are compared bit for bit (path length, end point, bases in order), on random
games, on degenerate games with few distinct payoffs (ties in every ratio test), and through
the public solvers under hypothesis. Skipped when the extension is not built (the pure path
then runs everywhere and is what the other tests check).
"""

import contextlib
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from games.errors import GameTooLargeError
from games.normal_form import NormalFormGame
from games.normal_form.equilibria import equilibria, equilibria_batch, kernels
from games.normal_form.equilibria.lemke_howson import lemke_howson_path
from games.normal_form.equilibria.polytope import feasible_bases_stack
from games.normal_form.equilibria.supports import rescale as normalise
from games.normal_form.equilibria.zero_sum import simplex_strategies

compiled_only = pytest.mark.skipif(kernels.LOADED is None,
                                   reason="compiled kernels not built (pure path only)")


def both(call):
    """``call()`` on the compiled path, then on the pure one."""
    first = call()
    with kernels.pure():
        second = call()
    return first, second


def random_games(count, seed, degenerate, largest=8):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m, n = rng.integers(1, largest, size=2)
        if degenerate:  # few distinct payoffs: ties in the ratio tests
            yield (rng.integers(0, 3, (m, n)).astype(float),
                   rng.integers(0, 3, (m, n)).astype(float))
        else:
            yield rng.normal(size=(m, n)), rng.normal(size=(m, n))


def assert_same_sets(first, second, exact=True):
    """The same equilibria in the same order: bit for bit, or (``exact=False``, vertices solved
    by another elimination) to rounding, with the same supports."""
    assert len(first) == len(second)
    assert first.degenerate == second.degenerate
    for a, b in zip(first, second):
        assert a.support == b.support
        for s, t in zip(a.strategies, b.strategies):
            if exact:
                np.testing.assert_array_equal(s, t)
            else:
                np.testing.assert_allclose(s, t, rtol=0, atol=1e-12)
        if exact:
            assert a.payoffs == b.payoffs and a.regret == b.regret
        else:
            np.testing.assert_allclose(a.payoffs, b.payoffs, rtol=1e-12, atol=1e-12 * first.max_regret / first.tolerance)


@compiled_only
@pytest.mark.parametrize("degenerate", [False, True])
def test_lemke_howson_paths_are_the_same(degenerate):
    for A, B in random_games(30, seed=11 + degenerate, degenerate=degenerate):
        An, Bn = normalise(A), normalise(B)
        for label in range(sum(A.shape)):
            (x, y, pivots), (x0, y0, pivots0) = both(lambda: lemke_howson_path(An, Bn, label))
            assert pivots == pivots0
            np.testing.assert_array_equal(x, x0)
            np.testing.assert_array_equal(y, y0)


@compiled_only
def test_a_long_lemke_howson_path_is_the_same():
    rng = np.random.default_rng(3)
    A, B = normalise(rng.normal(size=(40, 40))), normalise(rng.normal(size=(40, 40)))
    (x, y, pivots), (x0, y0, pivots0) = both(lambda: lemke_howson_path(A, B, 0))
    assert pivots == pivots0 > 5
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


@compiled_only
@pytest.mark.parametrize("degenerate", [False, True])
def test_zero_sum_simplex_is_the_same(degenerate):
    for A, _ in random_games(40, seed=21 + degenerate, degenerate=degenerate, largest=12):
        M = normalise(A)
        first, second = both(lambda: simplex_strategies(M))
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)


@compiled_only
@pytest.mark.parametrize("degenerate", [False, True])
def test_polytope_walk_finds_the_same_bases_in_the_same_order(degenerate):
    for A, B in random_games(30, seed=31 + degenerate, degenerate=degenerate):
        for M in (normalise(B), normalise(A).T):
            (owner, bases), (owner0, bases0) = both(lambda: feasible_bases_stack(M[None]))
            np.testing.assert_array_equal(owner, owner0)
            np.testing.assert_array_equal(bases, bases0)


@compiled_only
def test_a_stack_of_polytopes_is_walked_the_same():
    rng = np.random.default_rng(5)
    M = normalise(rng.integers(0, 3, (50, 4, 4)).astype(float)) + rng.integers(0, 2, (50, 4, 4))
    (owner, bases), (owner0, bases0) = both(lambda: feasible_bases_stack(M))
    np.testing.assert_array_equal(owner, owner0)
    np.testing.assert_array_equal(bases, bases0)


@compiled_only
def test_the_vertex_limit_stops_both_paths_alike():
    M = normalise(np.random.default_rng(2).normal(size=(8, 8)))
    messages = []
    for context in (kernels.pure, contextlib.nullcontext):  # pure, then compiled
        with context(), pytest.raises(GameTooLargeError) as caught:
            feasible_bases_stack(M[None], max_bases=20)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


SHAPES = st.tuples(st.integers(1, 6), st.integers(1, 6))


@st.composite
def games(draw):
    shape = draw(SHAPES)
    if draw(st.booleans()):  # integer payoffs from a small range: degenerate games are common
        elements, dtype = st.integers(-2, 2), np.int64
    else:
        elements, dtype = st.floats(-100, 100, allow_nan=False, width=64), np.float64
    A = draw(arrays(dtype, shape, elements=elements))
    B = draw(arrays(dtype, shape, elements=elements))
    return NormalFormGame.from_arrays(A, B)


def same_settings(compiled, pure) -> bool:
    """The same solver settings on both paths; each result says which inner loops made it."""
    def solver(found):
        return {k: v for k, v in found.settings.items() if k != "kernels"}

    return (solver(compiled) == solver(pure) and compiled.settings["kernels"] == "compiled"
            and pure.settings["kernels"] == "pure")


@compiled_only
@settings(max_examples=300, deadline=None)
@given(games(), st.sampled_from(["vertex", "lemke-howson"]))
def test_the_solvers_answer_the_same_on_both_paths(game, method):
    first, second = both(lambda: equilibria(game, method=method))
    assert_same_sets(first, second, exact=method == "lemke-howson")
    assert same_settings(first, second)


@compiled_only
@settings(max_examples=30, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 7), st.integers(1, 7)),
              elements=st.integers(-3, 3)))
def test_zero_sum_answers_the_same_on_both_paths(A):
    game = NormalFormGame.from_arrays(A, -A)
    first, second = both(lambda: equilibria(game, method="zero-sum"))
    assert_same_sets(first, second)
    assert same_settings(first, second)


@compiled_only
@pytest.mark.parametrize("shape", [(2, 2), (2, 4), (4, 2), (3, 3), (3, 4), (4, 3), (4, 4),
                                   (1, 4), (4, 1), (5, 5)])
@pytest.mark.parametrize("degenerate", [False, True])
def test_batches_answer_the_same_on_both_paths(shape, degenerate):
    """Same games flagged degenerate, same equilibria in the same rows: bit for bit where both
    paths use the 2 x n closed form, else (vertices solved in C, by LAPACK or by support
    enumeration in NumPy) to rounding."""
    rng = np.random.default_rng(sum(shape) + 10 * degenerate)
    size = (150, *shape)
    if degenerate:
        A, B = rng.integers(0, 3, size).astype(float), rng.integers(0, 3, size).astype(float)
    else:
        A, B = rng.normal(size=size), rng.normal(size=size)
    first, second = both(lambda: equilibria_batch(A, B))
    for name in ("game_index", "counts", "degenerate"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    exact = 2 in shape and not degenerate
    for name in ("x", "y", "payoffs", "regret"):
        if exact:
            np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
        else:
            np.testing.assert_allclose(getattr(first, name), getattr(second, name), rtol=0,
                                       atol=1e-11)


@pytest.mark.slow  # starts worker processes
def test_the_environment_switch_forces_the_pure_path():
    code = "from games.normal_form.equilibria import kernels; print(kernels.in_use())"
    env = {**os.environ, "CHIPDEALS_PURE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.strip() == "pure"


@compiled_only
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 12), st.integers(0, 2**32 - 1),
       st.sampled_from([2, 3, 1000]))
def test_random_batches_answer_the_same_on_both_paths(m, n, count, seed, spread):
    """Stacks of integer games (spread 2 or 3: mostly degenerate; 1000: mostly not)."""
    rng = np.random.default_rng(seed)
    A, B = (rng.integers(0, spread, (count, m, n)).astype(float) for _ in range(2))
    first, second = both(lambda: equilibria_batch(A, B))
    for name in ("game_index", "counts", "degenerate"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    for name in ("x", "y", "payoffs", "regret"):
        np.testing.assert_allclose(getattr(first, name), getattr(second, name), rtol=0, atol=1e-9)


@pytest.mark.parametrize("method", ["vertex", "support", "lemke-howson"])
def test_every_result_records_which_inner_loops_ran(method):
    from games import NormalFormGame, equilibria
    from games.normal_form.equilibria import kernels

    game = NormalFormGame.from_arrays([[3, 3], [2, 5], [0, 6]], [[3, 2], [2, 6], [3, 1]])
    with kernels.pure():
        assert equilibria(game, method=method).settings["kernels"] == "pure"
    assert equilibria(game, method=method).settings["kernels"] == kernels.in_use()
