"""One compiled call from a game to its verified equilibria, built on first use (issue 29).

The result of the compiled path is checked here against independent facts, not against its
own output: every equilibrium's regret recomputed by ``games.regret`` from the strategies,
known equilibria of textbook games and the NumPy path's answers. The vertex cap follows the memory available, so a random 14 x 14 game
(about 34,000 vertices in one polytope) is solved where a fixed 20,000 refused it.
"""

import importlib

import numpy as np
import pytest

from games import regret
from games.errors import GameTooLargeError
from games.normal_form import NormalFormGame
from games.normal_form.equilibria import equilibria, kernels
from games.normal_form.equilibria.equilibrium import EquilibriumSet

ve_module = importlib.import_module("games.normal_form.equilibria.vertex_enumeration")
compiled_only = pytest.mark.skipif(kernels.LOADED is None,
                                   reason="compiled kernels not built (pure path only)")


def random_game(seed, m, n, ties=False):
    rng = np.random.default_rng(seed)
    if ties:
        return NormalFormGame.from_arrays(rng.integers(0, 3, (m, n)).astype(float),
                                          rng.integers(0, 3, (m, n)).astype(float))
    return NormalFormGame.from_arrays(rng.normal(size=(m, n)), rng.normal(size=(m, n)))


@pytest.mark.parametrize("seed", range(40))
def test_every_equilibrium_carries_a_regret_that_recomputes_within_the_bound(seed):
    m, n = 2 + seed % 3, 2 + (seed // 3) % 3
    game = random_game(seed, m, n, ties=seed % 2 == 1)
    found = equilibria(game)
    assert len(found) >= 1  # every finite game has an equilibrium
    for eq in found:
        again = regret(game, eq.strategies)
        assert again <= found.max_regret
        assert abs(again - eq.regret) <= 1e-12 * max(1.0, found.max_regret / found.tolerance)
        A, B = game.payoffs
        x, y = eq.strategies
        assert eq.payoffs == pytest.approx((x @ A @ y, x @ B @ y), abs=1e-12)


@compiled_only
def test_the_compiled_set_is_built_on_first_use():
    game = NormalFormGame.from_arrays([[3, 3], [2, 5], [0, 6]], [[3, 2], [2, 6], [3, 1]])
    found = equilibria(game)
    assert "equilibria" not in vars(found)  # not built yet
    assert len(found) == 3 and "equilibria" not in vars(found)
    # von Stengel's 3 x 2 example: (1,0,0)/(1,0), (4/5,1/5,0)/(2/3,1/3), (0,1/3,2/3)/(1/3,2/3)
    want = [([1, 0, 0], [1, 0]), ([0.8, 0.2, 0], [2 / 3, 1 / 3]), ([0, 1 / 3, 2 / 3], [1 / 3, 2 / 3])]
    got = sorted((eq.strategies[0].tolist(), eq.strategies[1].tolist()) for eq in found)
    for (x, y), (wx, wy) in zip(got, sorted(want)):
        np.testing.assert_allclose(x, wx, atol=1e-12)
        np.testing.assert_allclose(y, wy, atol=1e-12)
    assert "equilibria" in vars(found)
    assert all(not s.flags.writeable for eq in found for s in eq.strategies)


@compiled_only
@pytest.mark.parametrize("ties", [False, True])
def test_the_one_call_path_answers_as_the_numpy_path(ties):
    for seed in range(200):
        rng = np.random.default_rng(seed)
        m, n = rng.integers(1, 6, size=2)
        game = random_game(seed, m, n, ties)
        first = equilibria(game)
        with kernels.pure():
            second = equilibria(game)
        assert isinstance(first, EquilibriumSet)
        solver = [{k: v for k, v in found.settings.items() if k != "kernels"}
                  for found in (first, second)]  # each says which inner loops made it
        assert (len(first), first.degenerate, first.method, first.notes, solver[0]) == (
            len(second), second.degenerate, second.method, second.notes, solver[1])
        assert (first.settings["kernels"], second.settings["kernels"]) == ("compiled", "pure")
        for a, b in zip(first, second):
            assert a.support == b.support
            for s, t in zip(a.strategies, b.strategies):
                np.testing.assert_allclose(s, t, rtol=0, atol=1e-12)


def test_the_vertex_cap_follows_the_memory_available(monkeypatch):
    monkeypatch.setattr(ve_module, "available_memory", lambda: 64 << 20)
    ve_module.default_max_vertices.cache_clear()
    try:
        assert ve_module.default_max_vertices(14, 14) == ve_module.MAX_VERTICES  # the floor
        monkeypatch.setattr(ve_module, "available_memory", lambda: 16 << 30)
        ve_module.default_max_vertices.cache_clear()
        cap = ve_module.default_max_vertices(14, 14)
        assert cap * ve_module.bytes_per_vertex(14, 14) <= 0.25 * (16 << 30)
        assert cap > 34_000
    finally:
        ve_module.default_max_vertices.cache_clear()


def test_a_random_14x14_game_solves_with_the_default_cap_and_refuses_below_it():
    game = random_game(14, 14, 14)
    if ve_module.default_max_vertices(14, 14) < 40_000:
        pytest.skip("too little memory here for the 14 x 14 example")
    found = equilibria(game)
    assert found.settings["vertices"][1] > ve_module.MAX_VERTICES  # the old fixed cap
    assert all(regret(game, eq.strategies) <= found.max_regret for eq in found)
    with pytest.raises(GameTooLargeError, match="max_vertices"):
        equilibria(game, max_vertices=ve_module.MAX_VERTICES)
