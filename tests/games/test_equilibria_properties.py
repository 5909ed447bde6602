"""Cross-checks between independent algorithms on random games (hypothesis)."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from games.normal_form.equilibria import equilibria
from games.normal_form import NormalFormGame

SIZES = st.tuples(st.integers(2, 7), st.integers(2, 7))


@st.composite
def games(draw, kind):
    shape = draw(SIZES)
    if kind == "integer":
        elements = st.integers(-1000, 1000)
        dtype = np.int64
    else:
        # Three decimals: payoffs that differ do so by far more than rounding, so a game is
        # either degenerate (exact ties, flagged by both methods) or clearly not. Arbitrary
        # floats such as 1e-300 next to 0 make "nearly degenerate" games on which the two
        # methods' tie tests may legitimately disagree (see test_nearly_degenerate_game).
        elements = st.floats(-1e3, 1e3, allow_nan=False, width=64).map(lambda v: round(v, 3))
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
    from games.normal_form.equilibria import pure_equilibria

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

    vertex_module = importlib.import_module("games.normal_form.equilibria.vertex_enumeration")
    elements = st.integers(0, 2) if small else st.integers(-1000, 1000)
    M = __import__("games.normal_form.equilibria.supports", fromlist=["rescale"]).rescale(data.draw(arrays(np.int64, shape, elements=elements)).astype(float))
    by_pivoting = vertex_module.polytope_vertices(M)
    by_bases = vertex_module.polytope_vertices_by_bases(M)
    assert {tuple(row) for row in by_pivoting[1]} == {tuple(row) for row in by_bases[1]}


# Found by hypothesis: payoffs such as 1e-9, 3.7e-92 and -1.2e-7 next to others in the hundreds
# tie to within 1e-9 of the payoff range. It once made a pivot on rounding noise and a singular
# basis (LinAlgError); now it must solve, and every equilibrium must pass the regret check.
NEAR_A = [[1e-09, 530.18, 3.66e-92, -2.7e-272, -173.58, 1.5, 287.59],
          [197.06, -426.21, -518.51, -9.3e-217, 512.16, 703.03, -736.23],
          [8.2e-302, 532.55, 9.7e-206, -2.0e-31, -94.04, 638.54, -907.69],
          [1.2e-38, 167.84, -1.192092896e-07, 449.31, -1.9, -568.98, 568.53]]
NEAR_B = [[-107.45, 4.5, 0.58, 777.98, 258.32, 1.9, 9.37],
          [-7.6e-206, 2.4e-166, 39.16, -605.47, -749.21, -2.7e-276, 0.001],
          [-148.80, -9.1e-214, 688.13, -2.3e-123, -1.192092896e-07, -5.960464477539063e-08,
           -1.3e-147],
          [2.9e-63, 938.21, -2.0e-37, 857.73, -154.45, -4.5e-274, 0.9]]


def test_nearly_degenerate_game():
    game = NormalFormGame.from_arrays(NEAR_A, NEAR_B)
    for method in ("vertex", "support"):
        found = equilibria(game, method=method)
        assert len(found) >= 1
        for eq in found:
            assert independent_regret(game, *eq.strategies) <= 1e-9 * game.payoff_range
