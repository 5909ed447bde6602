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


def _chain_reference(a, a0, b, b0, lo, hi, beta):
    """One row the long way: the trade-offs sorted by Python's stable sort, the chain's edges
    summed left to right, each edge solved by nash_on_segments, the first best edge."""
    from games.optimise.nash_product import nash_on_segments
    k = len(a)

    def total(terms):             # left to right from the first term (sum() starts at +0)
        terms = list(terms)
        for x in terms[1:]:
            terms[0] += x
        return terms[0]
    va = [a[i] * (hi[i] - lo[i]) for i in range(k)]
    vb = [b[i] * (hi[i] - lo[i]) for i in range(k)]
    trade = [(x > 0 > y) or (x < 0 < y) for x, y in zip(va, vb)]
    start = [float(x > 0) if t else float(x > 0 or (x == 0 and y > 0))
             for x, y, t in zip(va, vb, trade)]
    ratio = []
    for x, y, t in zip(va, vb, trade):
        with np.errstate(all="ignore"):
            r = np.float64(abs(x)) / np.float64(abs(y)) if t else np.inf
        ratio.append(np.inf if np.isnan(r) else r)
    order = sorted(range(k), key=lambda i: ratio[i])
    sign = [(-1.0 if start[i] > 0 else 1.0) * trade[i] for i in order]
    d1, d2 = [s * va[i] for s, i in zip(sign, order)], [s * vb[i] for s, i in zip(sign, order)]
    p1 = a0 + total(a[i] * lo[i] for i in range(k)) + total(va[i] * start[i] for i in range(k))
    p2 = b0 + total(b[i] * lo[i] for i in range(k)) + total(vb[i] * start[i] for i in range(k))
    e1, e2, c1, c2 = [p1 + 0.0], [p2 + 0.0], d1[0], d2[0]
    for j in range(1, k):
        e1.append(p1 + c1), e2.append(p2 + c2)
        c1, c2 = c1 + d1[j], c2 + d2[j]
    with np.errstate(all="ignore"):
        t, value = nash_on_segments(*(np.array(z, dtype=float) for z in (e1, e2, d1, d2)),
                                    np.full(k, beta))
    edge = int(np.argmax(value))
    on = [0.0] * k
    for place, i in enumerate(order):
        on[i] = (start[i] if not trade[i] or place > edge else 1 - start[i] if place < edge
                 else 1 - t[edge] if start[i] > 0 else t[edge])
    point = [lo[i] + on[i] * (hi[i] - lo[i]) for i in range(k)]
    return point, (total(a[i] * point[i] for i in range(k)) + a0,
                   total(b[i] * point[i] for i in range(k)) + b0)


@pytest.mark.parametrize("seed", range(3))
def test_the_stack_is_the_chain_solved_row_by_row_bit_for_bit(seed):
    # Rows with ties of ratios (repeated generators), zero and signed-zero slopes and gains,
    # generators good or bad for both: each row's maximiser and gains, bit for bit, those of
    # the chain built row by row with a stable sort (ties in coordinate order).
    rng = np.random.default_rng(seed)
    n, k = 400, 4
    pool = np.array([1.0, -1.0, 0.5, -2.0, 0.0, -0.0, 3.0, -0.25])
    a, b = rng.choice(pool, (n, k)), rng.choice(pool, (n, k))
    a[:, 1], b[:, 1] = np.where(rng.uniform(size=n) < 0.3, (a[:, 0], b[:, 0]), (a[:, 1], b[:, 1]))
    a0, b0 = rng.choice([0.0, -0.0, 1.0, 2.5, -0.5], (2, n))
    lo, hi = np.array([0.0, 0.0, -1.0, 0.5]), np.array([1.0, 1.0, 140.0, 2.0])
    beta = rng.uniform(0.05, 0.95, n)
    found = linear_nash_product(a, a0, b, b0, lo, hi, beta)
    for i in range(n):
        point, gains = _chain_reference(a[i].tolist(), a0[i], b[i].tolist(), b0[i], lo, hi,
                                        beta[i])
        assert np.array(point).tobytes() == found.points[i].tobytes(), i
        assert np.array(gains).tobytes() == np.array([g[i] for g in found.gains]).tobytes()
