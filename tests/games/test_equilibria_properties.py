"""Cross-checks between independent algorithms on random games (hypothesis)."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from games.equilibria import equilibria
from games.normal_form import NormalFormGame

SIZES = st.tuples(st.integers(2, 7), st.integers(2, 7))


@st.composite
def games(draw, kind):
    shape = draw(SIZES)
    if kind == "integer":
        elements = st.integers(-1000, 1000)
        dtype = np.int64
    else:
        elements = st.floats(-1e3, 1e3, allow_nan=False, width=64)
        dtype = np.float64
    # Distinct entries within each matrix make degenerate games rare (not impossible).
    A = draw(arrays(dtype, shape, elements=elements, unique=True))
    B = draw(arrays(dtype, shape, elements=elements, unique=True))
    return NormalFormGame.from_arrays(A, B)


def same_profiles(first, second, atol=1e-7):
    def key_match(eq, others):
        return any(all(np.allclose(s, t, atol=atol) for s, t in zip(eq.strategies, o.strategies))
                   for o in others)
    return len(first) == len(second) and all(key_match(eq, second) for eq in first)


def independent_regret(game, x, y):
    A, B = game.payoffs
    return max((A @ y).max() - x @ A @ y, (x @ B).max() - x @ B @ y)


@settings(max_examples=40, deadline=None)
@given(game=st.one_of(games("integer"), games("float")))
def test_support_and_vertex_enumeration_agree_on_nondegenerate_games(game):
    vertex = equilibria(game, method="vertex")
    assume(not vertex.degenerate)
    support = equilibria(game, method="support")
    assert not support.degenerate
    assert same_profiles(vertex, support)
    bound = 1e-9 * game.payoff_range
    for eq in vertex:
        assert independent_regret(game, *eq.strategies) <= bound
    # A nondegenerate bimatrix game has an odd number of equilibria (Shapley 1974).
    assert len(vertex) % 2 == 1
    # Lemke-Howson's equilibrium, from any starting label, is one of them.
    m, n = game.shape
    for label in (0, m + n - 1):
        one = equilibria(game, method="lemke-howson", initial_label=label)[0]
        assert any(all(np.allclose(s, t, atol=1e-7) for s, t in zip(one.strategies, eq.strategies))
                   for eq in vertex)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=SIZES)
def test_gaussian_games_are_nondegenerate_and_verified(seed, shape):
    # Continuous random payoffs give a nondegenerate game with probability one: a degenerate
    # flag here would be a false alarm of the degeneracy test.
    rng = np.random.default_rng(seed)
    game = NormalFormGame.from_arrays(rng.normal(size=shape), rng.normal(size=shape))
    found = equilibria(game)
    assert not found.degenerate and len(found) % 2 == 1
    assert all(eq.regret <= 1e-9 * game.payoff_range for eq in found)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=SIZES)
def test_zero_sum_lp_value_equals_enumerated_payoff(seed, shape):
    rng = np.random.default_rng(seed)
    A = rng.integers(-9, 10, size=shape)
    game = NormalFormGame.from_arrays(A)
    value = equilibria(game, method="zero-sum").settings["value"]
    # Every equilibrium of a zero-sum game pays the value (degenerate or not).
    for eq in equilibria(game):
        assert abs(eq.payoffs[0] - value) <= 1e-9 * game.payoff_range


@settings(max_examples=20, deadline=None)
@given(game=games("integer"))
def test_every_equilibrium_of_a_degenerate_or_not_game_checks_exactly(game):
    found = equilibria(game, exact=True)
    # Extreme equilibria of integer games are rational and pinned down by their labels.
    for eq in found:
        assert eq.exact is not None
        assert np.allclose([float(p) for p in eq.exact[0]], eq.strategies[0], atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(shape=SIZES, data=st.data())
def test_pure_equilibria_are_among_the_extreme_ones_in_degenerate_games(shape, data):
    # Payoffs from {-2..2} make ties (degeneracy) common. A pure profile is a vertex of the
    # strategy space, hence extreme in any equilibrium component containing it: vertex
    # enumeration must list every pure equilibrium that the best-response masks find.
    from games.equilibria import pure_equilibria

    A = data.draw(arrays(np.int64, shape, elements=st.integers(-2, 2)))
    B = data.draw(arrays(np.int64, shape, elements=st.integers(-2, 2)))
    game = NormalFormGame.from_arrays(A, B)
    found = equilibria(game)
    assert {eq.support for eq in found if eq.is_pure} == {eq.support for eq in pure_equilibria(game)}
    assert all(eq.regret <= 1e-9 * game.payoff_range for eq in found)
    assert len(found) >= 1  # Nash: every finite game has an equilibrium
    # Lemke-Howson (lexicographic) ends at a completely labeled vertex pair, so from every
    # starting label it must land on one of the extreme equilibria.
    for label in range(sum(shape)):
        one = equilibria(game, method="lemke-howson", initial_label=label)[0]
        assert any(all(np.allclose(s, t, atol=1e-9) for s, t in zip(one.strategies, eq.strategies))
                   for eq in found), label
    # Extreme equilibria sharing one player's strategy span a segment of equilibria: check the
    # midpoint with the regret written out here.
    for i, first in enumerate(found):
        for second in list(found)[:i]:
            for shared in (0, 1):
                if np.allclose(first.strategies[shared], second.strategies[shared]):
                    mid = [(a + b) / 2 for a, b in zip(first.strategies, second.strategies)]
                    assert independent_regret(game, *mid) <= 1e-9 * game.payoff_range


@settings(max_examples=60, deadline=None)
@given(shape=SIZES, data=st.data(), small=st.booleans())
def test_pivoting_finds_the_same_vertices_as_trying_every_basis(shape, data, small):
    # Two independent ways to list the vertices of {z >= 0, M^T z <= 1}: breadth-first
    # lexicographic pivoting, and solving all C(d + e, d) candidate bases. Small integer
    # entries make degenerate polytopes (vertices with extra labels) common.
    import importlib

    vertex_module = importlib.import_module("games.equilibria.vertex_enumeration")
    elements = st.integers(0, 2) if small else st.integers(-1000, 1000)
    M = vertex_module.normalise(data.draw(arrays(np.int64, shape, elements=elements)).astype(float))
    by_pivoting = vertex_module.polytope_vertices(M)
    by_bases = vertex_module.polytope_vertices_by_bases(M)
    assert {tuple(row) for row in by_pivoting[1]} == {tuple(row) for row in by_bases[1]}
