"""equilibria_batch: stacks of games solved at once, checked against one-by-one enumeration."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games.normal_form.equilibria import equilibria, equilibria_batch, kernels
from games.errors import InvalidGameError
from games.normal_form import NormalFormGame


def assert_matches_enumeration(A, B, found):
    for k in range(len(A)):
        reference = equilibria(NormalFormGame.from_arrays(A[k], B[k]))
        ours = found.equilibria_of(k)
        assert found.degenerate[k] == reference.degenerate, k
        assert len(ours) == len(reference) == found.counts[k], k
        for eq in reference:
            assert any(np.allclose(x, eq.strategies[0], atol=1e-7)
                       and np.allclose(y, eq.strategies[1], atol=1e-7) for x, y in ours), k


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 6), swap=st.booleans(),
       kind=st.sampled_from(["gaussian", "small integers"]))
def test_batch_agrees_with_vertex_enumeration(seed, n, swap, kind):
    # Small integers make many games degenerate (ties); those take the one-by-one path.
    rng = np.random.default_rng(seed)
    shape = (40, n, 2) if swap else (40, 2, n)
    if kind == "gaussian":
        A, B = rng.normal(size=shape), rng.normal(size=shape)
    else:
        A, B = rng.integers(-2, 3, size=shape), rng.integers(-2, 3, size=shape)
    found = equilibria_batch(A, B)
    assert_matches_enumeration(A, B, found)
    assert np.all(found.regret <= 1e-9 * (max(A.max(), B.max()) - min(A.min(), B.min())))


CLASSIC_2X2 = [
    # (name, A, B, number of equilibria) from the textbook analyses
    ("prisoner's dilemma", [[3, 0], [5, 1]], [[3, 5], [0, 1]], 1),
    ("battle of the sexes", [[3, 0], [0, 2]], [[2, 0], [0, 3]], 3),
    ("matching pennies", [[1, -1], [-1, 1]], [[-1, 1], [1, -1]], 1),
    ("stag hunt", [[4, 0], [3, 3]], [[4, 3], [0, 3]], 3),
    ("chicken", [[0, -1], [1, -10]], [[0, 1], [-1, -10]], 3),
]


def test_classic_games_in_one_batch():
    A = np.array([c[1] for c in CLASSIC_2X2], dtype=float)
    B = np.array([c[2] for c in CLASSIC_2X2], dtype=float)
    found = equilibria_batch(A, B)
    assert found.counts.tolist() == [c[3] for c in CLASSIC_2X2]
    assert not found.degenerate.any()
    # Battle of the sexes' mixed equilibrium: x = (3/5, 2/5), y = (2/5, 3/5).
    mixed = [(x, y) for x, y in found.equilibria_of(1) if 0 < x[0] < 1]
    assert np.allclose(mixed[0][0], [0.6, 0.4]) and np.allclose(mixed[0][1], [0.4, 0.6])
    # Stag hunt's mixed equilibrium: indifference 4q = 3 gives q = 3/4 on stag.
    mixed = [(x, y) for x, y in found.equilibria_of(3) if 0 < x[0] < 1]
    assert np.allclose(mixed[0][1], [0.75, 0.25])
    frame = found.to_frame()
    assert list(frame["game"]) == sorted(frame["game"])
    assert len(frame) == sum(c[3] for c in CLASSIC_2X2)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=st.tuples(st.integers(3, 4), st.integers(3, 5)),
       kind=st.sampled_from(["gaussian", "small integers"]))
def test_stacked_support_enumeration_agrees_with_vertex_enumeration(seed, shape, kind):
    rng = np.random.default_rng(seed)
    size = (30,) + shape
    if kind == "gaussian":
        A, B = rng.normal(size=size), rng.normal(size=size)
    else:
        A, B = rng.integers(-2, 3, size=size), rng.integers(-2, 3, size=size)
    with kernels.pure():  # the NumPy algorithm (the compiled batch walks vertices instead)
        found = equilibria_batch(A, B)
    assert found.method.startswith("support enumeration over the stack")
    assert_matches_enumeration(A, B, found)


def planted_games(rng, count, m, n, size):
    """Games with a known equilibrium (x*, y*) of support ``size``: every row in x*'s support
    earns 0 against y*, every other row -1, and every column in y*'s support earns 0 against x*,
    every other column -1 (payoffs otherwise random)."""
    A, B = rng.normal(size=(count, m, n)), rng.normal(size=(count, m, n))
    xs, ys = np.zeros((count, m)), np.zeros((count, n))
    for k in range(count):
        rows, cols = rng.permutation(m)[:size], rng.permutation(n)[:size]
        xs[k, rows], ys[k, cols] = rng.dirichlet(np.ones(size)), rng.dirichlet(np.ones(size))
        A[k] -= (A[k] @ ys[k])[:, None] + np.isin(np.arange(m), rows, invert=True)[:, None]
        B[k] -= (xs[k] @ B[k])[None, :] + np.isin(np.arange(n), cols, invert=True)[None, :]
    return A, B, xs, ys


@pytest.mark.parametrize("m, n, size", [(3, 3, 3), (4, 4, 4), (4, 4, 3), (4, 4, 2), (3, 4, 2),
                                        (4, 3, 3), (4, 4, 1)])
def test_planted_equilibria_are_found(m, n, size):
    # The answer is known by construction (not from our own output): in every game of the
    # stack, one equilibrium is (x*, y*), whichever basis sizes the kernel solves it with.
    rng = np.random.default_rng(100 * m + 10 * n + size)
    A, B, xs, ys = planted_games(rng, 300, m, n, size)
    found = equilibria_batch(A, B)
    assert not found.degenerate.any()
    for k in range(len(A)):
        assert any(np.allclose(x, xs[k], atol=1e-9) and np.allclose(y, ys[k], atol=1e-9)
                   for x, y in found.equilibria_of(k)), k
    assert_matches_enumeration(A[:40], B[:40], equilibria_batch(A[:40], B[:40]))


def test_large_shapes_fall_back_to_one_by_one_and_say_so():
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=(2, 8, 8)), rng.normal(size=(2, 8, 8))
    with kernels.pure():  # the compiled batch handles any shape up to 63 strategies in all
        found = equilibria_batch(A, B)
    assert_matches_enumeration(A, B, found)
    assert any("one by one" in note for note in found.notes)


@pytest.mark.parametrize("A, B, fragment", [
    (np.zeros((2, 2)), np.zeros((2, 2)), "shape (k, m, n)"),
    (np.zeros((3, 2, 2)), np.zeros((3, 2, 3)), "must match"),
    (np.full((3, 2, 2), np.nan), np.zeros((3, 2, 2)), "NaN or infinite payoff in game 0"),
    ([[["a", "b"], ["c", "d"]]], np.zeros((1, 2, 2)), "numeric array"),
    # These two used to be accepted: imaginary parts dropped, and an overflowing payoff range
    # that made the regret bound infinite.
    (np.full((1, 2, 2), 1j), np.zeros((1, 2, 2)), "complex"),
    (np.array([[[1e308, -1e308], [0, 1]]]), np.zeros((1, 2, 2)), "float range"),
])
def test_bad_stacks_raise_invalid_game_error(A, B, fragment):
    with pytest.raises(InvalidGameError) as info:
        equilibria_batch(A, B)
    assert fragment in str(info.value)


def test_nan_tolerance_is_refused():
    # It used to drop every equilibrium silently (regret <= nan is False).
    with pytest.raises(InvalidGameError, match="tol must be"):
        equilibria_batch(np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), tol=float("nan"))


def test_offset_payoffs_keep_the_mixed_equilibrium():
    # Battle of the sexes plus 1e14: the mixed equilibrium (3/5, 2/5), (2/5, 3/5) pays each
    # player 6/5 + 1e14. Its regret, computed on the raw payoffs, used to be rounding noise
    # far above the tolerance, and the equilibrium was dropped.
    A = np.array([[[3.0, 0.0], [0.0, 2.0]]]) + 1e14
    B = np.array([[[2.0, 0.0], [0.0, 3.0]]]) + 1e14
    found = equilibria_batch(A, B)
    assert found.counts.tolist() == [3]
    mixed = [r for r in range(3) if 0 < found.x[r, 0] < 1]
    np.testing.assert_allclose(found.payoffs[mixed[0]], [1e14 + 1.2] * 2, rtol=1e-15)


def test_ties_and_regret_are_per_player():
    # Battle of the sexes with player 1's payoffs times 1e13: with one tie allowance for both
    # players (1e-9 x 3e13) every column of B "tied" and each game took the slow path
    # as degenerate. The game is the same as the plain one: three equilibria, nondegenerate.
    A = np.array([[[3.0, 0.0], [0.0, 2.0]]]) * 1e13
    B = np.array([[[2.0, 0.0], [0.0, 3.0]]])
    found = equilibria_batch(A, B)
    assert found.counts.tolist() == [3] and not found.degenerate.any()
    assert not found.notes  # no candidate dropped, no game solved one by one


def test_symbolic_game_sweep_feeds_the_batch():
    game = NormalFormGame.from_expressions(
        [[["s", "0"], ["h", "h"]], [["s", "h"], ["0", "h"]]], {"s": 4.0, "h": 3.0})
    A, B = game.payoff_arrays(s=np.array([4.0, 2.0]), h=np.array([3.0, 3.0]))
    found = equilibria_batch(A, B)
    # s > h: a stag hunt with three equilibria; s < h: hare is dominant, one equilibrium.
    assert found.counts.tolist() == [3, 1]
