"""The in-place dictionary pivoting (Lemke-Howson, zero-sum simplex) against independent paths.

Lemke-Howson is checked against the textbook full-tableau implementation it replaced (kept here
as the reference): the same pivots and the same end point, bit for bit, on random and on
degenerate integer games. The zero-sum simplex is checked against HiGHS solving the same LP
and against vertex enumeration (every equilibrium of a zero-sum game pays the value).
"""

import numpy as np
import pytest

from games import equilibria
from games.normal_form.equilibria.lemke_howson import lemke_howson_path
from games.normal_form.equilibria.supports import rescale as normalise
from games.normal_form.equilibria.zero_sum import linprog_strategies, simplex_strategies
from games.normal_form import NormalFormGame


def full_tableau_path(A, B, initial_label):
    """Lemke-Howson on full tableaux (von Stengel 2002, section 3.4): the reference."""
    m, n = A.shape

    def tableau(coefficients, basis):
        return {"table": np.hstack([coefficients, np.ones((len(coefficients), 1))]),
                "basis": list(basis), "lex": [-1] + list(basis)}

    def pivot(t, column):
        table = t["table"]
        entries = table[:, column]
        rows = np.flatnonzero(entries > 1e-9)
        for col in t["lex"]:
            ratios = table[rows, col] / entries[rows]
            best = ratios.min()
            rows = rows[ratios <= best + 1e-12 * max(1.0, abs(best))]
            if len(rows) == 1:
                break
        row = int(rows[0])
        table[row] /= table[row, column]
        factors = table[:, column].copy()
        factors[row] = 0.0
        table -= factors[:, None] * table[row]
        leaving, t["basis"][row] = t["basis"][row], column
        return leaving

    def values(t):
        out = np.zeros(m + n)
        for row, variable in enumerate(t["basis"]):
            out[variable] = t["table"][row, -1]
        return out

    P = tableau(np.hstack([B.T, np.eye(n)]), range(m, m + n))
    Q = tableau(np.hstack([np.eye(m), A]), range(m))
    entering, current = initial_label, (P if initial_label < m else Q)
    for pivots in range(1, 100_000):
        leaving = pivot(current, entering)
        if leaving == initial_label:
            return values(P)[:m], values(Q)[m:], pivots
        entering, current = leaving, (Q if current is P else P)
    raise AssertionError("no end")


def random_games(count, seed, degenerate):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m, n = rng.integers(1, 8, size=2)
        if degenerate:  # few distinct payoffs: ties in the ratio test
            yield rng.integers(0, 3, (m, n)).astype(float), rng.integers(0, 3, (m, n)).astype(float)
        else:
            yield rng.normal(size=(m, n)), rng.normal(size=(m, n))


@pytest.mark.parametrize("degenerate", [False, True])
def test_lemke_howson_in_place_follows_the_full_tableau_path(degenerate):
    for A, B in random_games(40, seed=7 + degenerate, degenerate=degenerate):
        An, Bn = normalise(A), normalise(B)
        for label in range(sum(A.shape)):
            x, y, pivots = lemke_howson_path(An, Bn, label)
            x0, y0, pivots0 = full_tableau_path(An, Bn, label)
            assert pivots == pivots0
            np.testing.assert_array_equal(x, x0)
            np.testing.assert_array_equal(y, y0)


def test_lemke_howson_on_a_larger_game_matches_the_reference():
    rng = np.random.default_rng(3)
    A, B = normalise(rng.normal(size=(30, 30))), normalise(rng.normal(size=(30, 30)))
    x, y, pivots = lemke_howson_path(A, B, 0)
    x0, y0, pivots0 = full_tableau_path(A, B, 0)
    assert pivots == pivots0 and pivots > 5
    np.testing.assert_allclose(x, x0, atol=1e-12)
    np.testing.assert_allclose(y, y0, atol=1e-12)


@pytest.mark.parametrize("degenerate", [False, True])
def test_zero_sum_simplex_agrees_with_highs_and_enumeration(degenerate):
    for A, _ in random_games(30, seed=11 + degenerate, degenerate=degenerate):
        if np.ptp(A) == 0:
            continue
        M = normalise(A)
        x, y, value, _ = simplex_strategies(M)
        x_h, y_h, value_h = linprog_strategies(M)
        assert value == pytest.approx(value_h, abs=1e-9)
        # Both strategies guarantee the value: x earns at least it, y concedes at most it.
        assert (x @ M).min() >= value - 1e-9 and (M @ y).max() <= value + 1e-9
        game = NormalFormGame.from_arrays(A, -A)
        found = equilibria(game, method="zero-sum")
        assert found.method == "zero-sum LP (simplex)"
        for eq in equilibria(game):
            assert eq.payoffs[0] == pytest.approx(found.settings["value"], abs=1e-9 * np.ptp(A))


@pytest.mark.parametrize("degenerate", [False, True])
def test_polytopes_walked_together_give_each_ones_own_bases(degenerate):
    # Walking a stack of polytopes at once must find, for each, exactly the bases (in the
    # same order) that its own walk finds.
    from games.normal_form.equilibria.polytope import feasible_bases, feasible_bases_stack

    rng = np.random.default_rng(5 + degenerate)
    for d, e in [(1, 1), (2, 3), (3, 3), (5, 4)]:
        stack = np.stack([normalise(rng.integers(0, 3, (d, e)).astype(float) if degenerate
                                    else rng.normal(size=(d, e))) for _ in range(4)])
        owner, bases = feasible_bases_stack(stack)
        for k, M in enumerate(stack):
            np.testing.assert_array_equal(bases[owner == k], feasible_bases(M))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 3)])
def test_degenerate_games_of_a_batch_match_vertex_enumeration_game_by_game(shape):
    from games.normal_form.equilibria import equilibria_batch

    rng = np.random.default_rng(sum(shape))
    A = rng.integers(0, 3, (60, *shape)).astype(float)
    B = rng.integers(0, 3, (60, *shape)).astype(float)
    found = equilibria_batch(A, B)
    assert found.degenerate.sum() > 10   # the stacked walk is exercised
    for k in range(len(A)):
        alone = equilibria(NormalFormGame.from_arrays(A[k], B[k]), method="vertex")
        assert found.degenerate[k] == alone.degenerate
        ours = found.equilibria_of(k)
        assert len(ours) == len(alone)
        for (x, y), eq in zip(sorted(ours, key=lambda p: tuple(-np.concatenate(p).round(12))), alone):
            np.testing.assert_allclose(x, eq.strategies[0], atol=1e-12)
            np.testing.assert_allclose(y, eq.strategies[1], atol=1e-12)
