"""nashpy 0.0.43's support enumeration drops valid equilibria; ours finds and verifies them."""

import warnings

import nashpy
import numpy as np
import pytest

from games.normal_form.equilibria import equilibria
from games.normal_form import NormalFormGame


def test_nashpy_support_enumeration_drops_equilibria_that_we_find_and_verify():
    # Seed found by searching random Gaussian 6x6 games: on seed 12 nashpy keeps 4 of 7.
    rng = np.random.default_rng(12)
    A, B = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = list(nashpy.Game(A, B).support_enumeration())
    ours = equilibria(NormalFormGame.from_arrays(A, B), method="support")
    assert len(theirs) < len(ours) == 7
    assert not ours.degenerate
    # Each of ours is an equilibrium by a check written out here, independent of our code.
    spread = max(A.max(), B.max()) - min(A.min(), B.min())
    for eq in ours:
        x, y = eq.strategies
        assert np.all(x >= 0) and np.all(y >= 0)
        assert (A @ y).max() - x @ A @ y <= 1e-9 * spread
        assert (x @ B).max() - x @ B @ y <= 1e-9 * spread
    # Every equilibrium nashpy does keep is among ours.
    for x, y in theirs:
        assert any(np.allclose(x, eq.strategies[0], atol=1e-8)
                   and np.allclose(y, eq.strategies[1], atol=1e-8) for eq in ours)
    # And vertex enumeration agrees with our support enumeration.
    vertex = equilibria(NormalFormGame.from_arrays(A, B), method="vertex")
    assert len(vertex) == 7


# A degenerate 6x3 game (small random integers, found by search) on which nashpy's
# Lemke-Howson, dropping label 0, ends at a profile that is not an equilibrium.
DEGENERATE_A = [[-1, 1, 0], [0, 1, -1], [-1, 0, 1], [-1, 0, 0], [-1, 0, 0], [0, -1, 0]]
DEGENERATE_B = [[1, -1, -1], [1, -1, 1], [0, 1, 0], [1, 0, 0], [0, -1, -1], [1, 0, 0]]


def test_nashpy_lemke_howson_fails_on_a_degenerate_game_where_ours_is_verified():
    A, B = np.array(DEGENERATE_A), np.array(DEGENERATE_B)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, y = nashpy.Game(A, B).lemke_howson(initial_dropped_label=0)
    # nashpy's answer: row 2 against column 2, where player 2 gains 2 by switching to column 1.
    assert (x @ B).max() - x @ B @ y == pytest.approx(2.0)
    game = NormalFormGame.from_arrays(A, B)
    ours = equilibria(game, method="lemke-howson", initial_label=0)[0]
    x, y = ours.strategies
    assert max((A @ y).max() - x @ A @ y, (x @ B).max() - x @ B @ y) <= 1e-12
    # And it is one of the extreme equilibria that vertex enumeration lists.
    assert any(np.allclose(x, eq.strategies[0]) and np.allclose(y, eq.strategies[1])
               for eq in equilibria(game))
