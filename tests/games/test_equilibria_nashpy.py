"""nashpy 0.0.43's support enumeration drops valid equilibria; ours finds and verifies them."""

import warnings

import nashpy
import numpy as np

from games.equilibria import equilibria
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
