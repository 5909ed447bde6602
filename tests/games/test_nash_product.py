"""The exact Nash product of affine gains (games.optimise.nash_product) and its use in
games.bargaining.batch.nash_benchmark: closed forms, a brute-force bound, and a cross-check
against the pattern search it replaces on affine problems."""

import numpy as np
import pytest

from games.bargaining.batch import (EXACT_NASH, BatchProblem, affine_gains, nash_benchmark)
from games.optimise.nash_product import linear_nash_product, log_nash_product
from games.optimise.outcome_space import Box


@pytest.mark.parametrize("power", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_a_pie_is_split_by_power(power):
    # g_1 = s, g_2 = 1 - s: the asymmetric Nash solution gives player 1 the share beta
    # (at beta = 0 or 1 the gain of the other side must still be positive: the limit).
    n = linear_nash_product([[1.0]], [0.0], [[-1.0]], [1.0], [0.0], [1.0], power)
    if 0 < power < 1:
        assert n.points[0, 0] == pytest.approx(power, abs=1e-12)
    assert np.isfinite(n.values[0]) == (0 < power < 1)


def test_two_issues_trade_in_order_of_their_rates():
    # g_1 = x + 2y, g_2 = 2 - 2x - y on [0,1]^2. The frontier runs (3, -1) -> (2, 1) (x
    # falls, y = 1: product (2 + x)(1 - 2x), largest at x = 0) -> (0, 2) (y falls, x = 0:
    # product 2y(2 - y), largest at y = 1). Symmetric Nash: (x, y) = (0, 1), product 2.
    n = linear_nash_product([[1.0, 2.0]], [0.0], [[-2.0, -1.0]], [2.0], [0, 0], [1, 1])
    assert n.points[0].tolist() == pytest.approx([0.0, 1.0], abs=1e-12)
    assert n.gains[0][0] * n.gains[1][0] == pytest.approx(2.0)


def test_no_point_with_both_gains_positive_is_minus_infinity():
    n = linear_nash_product([[1.0]], [-2.0], [[-1.0]], [0.5], [0.0], [1.0])
    assert n.values[0] == -np.inf


def test_no_sampled_point_beats_the_exact_answer():
    rng = np.random.default_rng(7)
    for _ in range(60):
        k, n = rng.integers(1, 6), 4
        a, b = rng.normal(size=(n, k)), rng.normal(size=(n, k))
        a0, b0 = rng.normal(size=n), rng.normal(size=n)
        lo = rng.uniform(-1, 0, size=k)
        hi = lo + rng.uniform(0.1, 2, size=k)
        beta = rng.uniform(0.05, 0.95, size=n)
        exact = linear_nash_product(a, a0, b, b0, lo, hi, beta)
        x = lo + rng.uniform(size=(20_000, k)) * (hi - lo)
        corners = lo + (hi - lo) * (rng.uniform(size=(64, k)) > 0.5)
        x = np.vstack([x, corners])
        for i in range(n):
            sampled = log_nash_product(x @ a[i] + a0[i], x @ b[i] + b0[i], beta[i]).max()
            assert sampled <= exact.values[i] + 1e-12
            assert np.all((exact.points[i] >= lo) & (exact.points[i] <= hi))


def random_affine(seed, draws=40, issues=3):
    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(issues)]
    params = {f"{s}{i}": rng.normal(size=draws) for s in "ab" for i in range(issues)}
    params.update(a=rng.normal(size=draws), b=rng.normal(size=draws) + 1.0)

    def utilities(x, q):
        u_1 = q["a"] + sum(q[f"a{i}"] * x[k] for i, k in enumerate(names))
        u_2 = q["b"] + sum(q[f"b{i}"] * x[k] for i, k in enumerate(names))
        return u_1, u_2

    box = Box({k: (0.0, float(rng.uniform(0.5, 3.0))) for k in names})
    return utilities, box, params, rng.uniform(0.2, 0.8, size=draws)


@pytest.mark.parametrize("seed", range(4))
def test_exact_benchmark_is_at_least_the_search_and_close_to_it(seed):
    utilities, box, params, power = random_affine(seed)
    zero = (np.zeros(len(power)), np.zeros(len(power)))
    exact = nash_benchmark(BatchProblem(utilities, box, params, zero, linear=True), power)
    search = nash_benchmark(BatchProblem(utilities, box, params, zero, linear=False), power)
    assert exact.method == EXACT_NASH and exact.settings["exact_draws"] == len(power)
    assert "compass search" in search.method and search.settings["exact_draws"] == 0
    assert (exact.agreement == search.agreement).all()
    both = exact.agreement
    value = lambda r: log_nash_product(r.gains[0], r.gains[1], power)  # noqa: E731
    assert np.all(value(exact)[both] >= value(search)[both] - 1e-12)
    assert np.allclose(value(exact)[both], value(search)[both], atol=1e-5)


def test_a_wrong_declaration_is_caught_and_searched():
    # Declared linear, but player 1's gain has a kink inside the box at some draws only.
    kink = np.array([2.0, 0.5, 3.0, 0.25])

    def utilities(x, q):
        return np.minimum(x["s"], q["k"]), 1 - x["s"]

    problem = BatchProblem(utilities, Box({"s": (0.0, 1.0)}), {"k": kink},
                           (np.zeros(4), np.zeros(4)), linear=True)
    affine = affine_gains(problem)[-1]
    assert affine.tolist() == [True, False, True, False]
    nash = nash_benchmark(problem, 0.5)
    assert nash.settings["exact_draws"] == 2 and "where affine" in nash.method
    # Where the kink binds, min(s, k) (1 - s) peaks at s = k for k <= 1/2.
    assert nash.points["s"][[1, 3]] == pytest.approx([0.5, 0.25], abs=1e-3)
    assert nash.points["s"][[0, 2]] == pytest.approx([0.5, 0.5], abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_degenerate_stacks_against_every_edge_of_the_box(seed):
    # Zero, tied and same-signed coefficients (generators good or bad for both, trade-offs
    # at equal rates, coordinates that move nothing) and an empty span: the
    # maximum of the log Nash product lies on the image of an edge of the box, so sampling
    # every edge finely brackets the exact answer from below, within the sampling's step.
    rng = np.random.default_rng(seed)
    n, k = 30, 3
    a = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0], size=(n, k))
    b = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0], size=(n, k))
    b[::3, 0] = -2 * a[::3, 0]
    b[::3, 1] = -2 * a[::3, 1]                   # equal rates of trade
    a0, b0 = rng.uniform(-0.5, 1.5, size=n), rng.uniform(-0.5, 1.5, size=n)
    lo, hi = np.array([0.0, -1.0, 0.5]), np.array([1.0, 1.0, 0.5])   # the last span empty
    beta = rng.choice([0.05, 0.3, 0.5, 0.95], size=n)
    exact = linear_nash_product(a, a0, b, b0, lo, hi, beta)
    t = np.linspace(0.0, 1.0, 4001)
    for i in range(n):
        best = -np.inf
        for corner in np.ndindex(*(2,) * k):
            start = np.where(np.array(corner) > 0, hi, lo)
            for j in range(k):
                x = np.tile(start, (t.size, 1))
                x[:, j] = lo[j] + t * (hi[j] - lo[j])
                best = max(best, log_nash_product(x @ a[i] + a0[i], x @ b[i] + b0[i],
                                                  beta[i]).max())
        assert best <= exact.values[i] + 1e-12
        assert np.isfinite(best) == np.isfinite(exact.values[i])
        if np.isfinite(best):
            assert exact.values[i] - best <= 1e-3
        assert np.all((exact.points[i] >= lo) & (exact.points[i] <= hi))
