"""The batch bargaining engine against independent solvers and the axioms.

- Max-min margins (better for both, zone of agreement) on random linear problems with 2-4
  issues equal scipy's linprog (HiGHS) per draw; on random concave quadratic problems they are
  never worse than SLSQP on the epigraph formulation per draw.
- The asymmetric Nash solution is Pareto optimal, symmetric, invariant to rescaling a utility,
  and gives player 1 more as its power grows (Nash 1950; Kalai 1977).
- The take-it-or-leave-it ask equals the exact ultimatum offer over an empirical sample.
"""

from __future__ import annotations

from dataclasses import replace
from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.optimize import linprog, minimize

from games.bargaining import ultimatum_offer
from games.bargaining.batch import (BatchProblem, better_for_both, nash_benchmark, optimal_ask,
                                    scan, zone_test)
from games.bargaining.batch.nash import _best_on_grid
from games.errors import NotFiniteError
from games.optimise.box_search import Box
from games.optimise import linear_maximin
from games.optimise.maximin import _sum_as_numpy

DRAWS = 12


def linear_problem(rng: np.random.Generator, k: int):
    """Utilities a_d . x + a0_d and b_d . x + b0_d with coefficients drawn per draw."""
    names = [f"x{i}" for i in range(k)]
    lows = rng.uniform(-1, 0, k)
    highs = lows + rng.uniform(0.2, 2, k)
    a, b = rng.normal(size=(DRAWS, k)), rng.normal(size=(DRAWS, k))
    params = {**{f"a{i}": a[:, i] for i in range(k)}, **{f"b{i}": b[:, i] for i in range(k)}}

    def utilities(x, p):
        u_1 = sum(p[f"a{i}"] * x[n] for i, n in enumerate(names))
        u_2 = sum(p[f"b{i}"] * x[n] for i, n in enumerate(names))
        return u_1, u_2

    box = Box({n: (float(lo), float(hi)) for n, lo, hi in zip(names, lows, highs)})
    d = (rng.normal(size=DRAWS) - 1, rng.normal(size=DRAWS) - 1)
    return BatchProblem(utilities, box, params, d, linear=True), a, b, lows, highs, d


def lp_maximin(c1, o1, c2, o2, lows, highs):
    """max t s.t. c1 . x - o1 >= t, c2 . x - o2 >= t, lows <= x <= highs, by HiGHS."""
    k = len(c1)
    res = linprog(np.r_[np.zeros(k), -1.0],
                  A_ub=np.vstack([np.r_[-c1, 1.0], np.r_[-c2, 1.0]]), b_ub=[-o1, -o2],
                  bounds=list(zip(lows, highs)) + [(None, None)], method="highs")
    assert res.success
    return -res.fun


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [2, 3, 4])
def test_linear_margins_equal_linprog_per_draw(seed, k):
    rng = np.random.default_rng(100 * k + seed)
    problem, a, b, lows, highs, d = linear_problem(rng, k)
    grid = scan(problem)
    r_1, r_2 = grid.units
    package = {n: rng.uniform(lo, hi) for n, lo, hi in zip(problem.box.names, lows, highs)}
    p = np.array(list(package.values()))
    better = better_for_both(problem, package, grid=grid)
    zone = zone_test(problem, grid=grid)
    assert "linear programme" in better.method
    for i in range(DRAWS):
        # Exact ranges of an affine function over a box, the unit of the margins.
        assert r_1[i] == pytest.approx(np.sum(np.abs(a[i]) * (highs - lows)), rel=1e-9)
        c1, c2 = a[i] / r_1[i], b[i] / r_2[i]
        expected = lp_maximin(c1, c1 @ p, c2, c2 @ p, lows, highs)
        assert better.margin[i] == pytest.approx(expected, abs=1e-9)
        expected = lp_maximin(c1, d[0][i] / r_1[i], c2, d[1][i] / r_2[i], lows, highs)
        assert zone.margin[i] == pytest.approx(expected, abs=1e-9)
        x = np.array([better.points[n][i] for n in problem.box.names])
        assert np.all(x >= lows - 1e-12) and np.all(x <= highs + 1e-12)
        achieved = min(c1 @ (x - p), c2 @ (x - p))
        assert achieved == pytest.approx(better.margin[i], abs=1e-9)


@given(st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_linear_maximin_value_meets_its_dual_bound(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 6))
    lows = rng.uniform(-2, 0, k)
    m = linear_maximin(rng.normal(size=(5, k)), rng.normal(size=5), rng.normal(size=(5, k)),
                       rng.normal(size=5), lows, lows + rng.uniform(0, 3, k))
    # Weak duality makes the bound an upper bound; the construction attains it.
    assert np.allclose(m.values, m.bounds, atol=1e-9)


def test_concave_margins_are_never_worse_than_slsqp_on_the_epigraph():
    rng = np.random.default_rng(7)
    n = 10
    centre_1, centre_2 = rng.uniform(0, 1, (n, 2)), rng.uniform(0, 1, (n, 2))
    params = {"p": centre_1[:, 0], "q": centre_1[:, 1], "r": centre_2[:, 0], "s": centre_2[:, 1]}

    def utilities(x, c):   # two concave bowls with different peaks: a crease between them
        return (-(x["x"] - c["p"]) ** 2 - 2 * (x["y"] - c["q"]) ** 2,
                -2 * (x["x"] - c["r"]) ** 2 - (x["y"] - c["s"]) ** 2)

    problem = BatchProblem(utilities, Box({"x": (0.0, 1.0), "y": (0.0, 1.0)}), params,
                           (np.full(n, -1.0), np.full(n, -1.0)))
    zone = zone_test(problem)
    r_1, r_2 = zone.units
    for i in range(n):
        def constraint(z, i=i):
            u_1, u_2 = utilities({"x": z[0], "y": z[1]},
                                 {k: v[i] for k, v in params.items()})
            return np.array([(u_1 + 1) / r_1[i] - z[2], (u_2 + 1) / r_2[i] - z[2]])

        best = max((minimize(lambda z: -z[2], np.r_[start, -1.0], method="SLSQP",
                             bounds=[(0, 1), (0, 1), (None, None)],
                             constraints=[{"type": "ineq", "fun": constraint}])
                    for start in rng.uniform(0, 1, (4, 2))), key=lambda r: -r.fun)
        assert zone.margin[i] >= -best.fun - 1e-6


def symmetric_problem(power_draws=1):
    # Share a pie of size c: u_1 = x, u_2 = c - x, plus an issue both value equally.
    c = np.linspace(1.0, 2.0, power_draws)
    return BatchProblem(lambda x, p: (x["x"] + x["z"], p["c"] - x["x"] + x["z"]),
                        Box({"x": (-3.0, 3.0), "z": (0.0, 1.0)}), {"c": c},
                        (np.zeros(power_draws), np.zeros(power_draws)), linear=True)


@given(st.lists(st.floats(0.05, 0.95), min_size=1, max_size=6))
@settings(max_examples=25, deadline=None)
def test_nash_axioms_on_a_stack(powers):
    n = len(powers)
    problem = symmetric_problem(n)
    nash = nash_benchmark(problem, power=powers)
    g_1, g_2 = nash.gains
    c = problem.parameters["c"]
    # Closed form: z = 1 (both gain), then the pie c + 2 splits in proportion to the powers.
    assert np.allclose(g_1, np.array(powers) * (c + 2), atol=1e-3)
    # Pareto optimal: nothing is better for both.
    package = {k: v for k, v in nash.points.items()}
    assert np.all(better_for_both(problem, package).margin <= 1e-6)
    # Invariant to rescaling player 1's utility (and its disagreement payoff).
    scaled = BatchProblem(lambda x, p: (7 * (x["x"] + x["z"]) + 3, p["c"] - x["x"] + x["z"]),
                          problem.box, problem.parameters, (np.full(n, 3.0), np.zeros(n)))
    again = nash_benchmark(scaled, power=powers)
    assert np.allclose(again.points["x"], nash.points["x"], atol=2e-3)


def test_nash_symmetry_and_monotone_power():
    problem = symmetric_problem(1)
    gains = [nash_benchmark(problem, power=b).gains[0][0] for b in (0.2, 0.5, 0.8)]
    assert gains[0] < gains[1] < gains[2]
    half = nash_benchmark(problem, power=0.5)
    assert half.gains[0][0] == pytest.approx(half.gains[1][0], rel=1e-3)


def test_no_agreement_where_the_zone_is_empty():
    problem = BatchProblem(lambda x, p: (x["s"] - p["c"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
                           {"c": np.array([0.5, 1.5])}, (0.0, 0.0), linear=True)
    nash = nash_benchmark(problem)
    assert nash.agreement.tolist() == [True, False]
    assert np.isnan(nash.points["s"][1])
    assert zone_test(problem).empty.tolist() == [False, True]


@pytest.mark.parametrize("seed", range(4))
def test_optimal_ask_equals_the_exact_ultimatum_offer_on_a_sample(seed):
    reserve = np.random.default_rng(seed).uniform(0, 1, 40)
    problem = BatchProblem(lambda x, p: (1 - x["s"], x["s"] - p["r"]), Box({"s": (0.0, 1.0)}),
                           {"r": reserve}, (0.0, 0.0))
    ask = optimal_ask(problem)
    exact = ultimatum_offer(reserve)
    # The exact answer sits on a jump of the objective (a draw's reservation value): the
    # line search takes every draw's threshold as a candidate, so it finds it exactly.
    assert ask.expected_gain == pytest.approx(exact.expected_payoff, abs=1e-12)
    # Near-ties between draws make the package itself unstable; its acceptance is what it is.
    assert ask.acceptance == np.mean(reserve <= ask.package["s"])


# ---- offers along a path (take-it-or-leave-it over draws) ------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 8), st.integers(0, 10_000))
def test_offers_along_equals_a_draw_by_draw_count(draws, offers, seed):
    from games.bargaining import offers_along

    rng = np.random.default_rng(seed)
    own, other = rng.normal(size=(draws, offers)), rng.normal(size=(draws, offers))
    acceptance, expected = offers_along(own, other)
    for j in range(offers):
        took = [i for i in range(draws) if other[i, j] >= 0]
        assert acceptance[j] == pytest.approx(len(took) / draws)
        assert expected[j] == pytest.approx(sum(own[i, j] for i in took) / draws)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=10), st.floats(0.1, 0.95),
       st.integers(0, 10_000))
def test_best_within_reach_matches_its_definition(acceptance, threshold, seed):
    from games.bargaining import best_within_reach

    acceptance = np.array(acceptance)
    expected = np.random.default_rng(seed).normal(size=acceptance.size)
    found = best_within_reach(acceptance, expected, threshold)
    run = 0
    while run < acceptance.size and acceptance[run] >= threshold:
        run += 1
    if run < 2:
        assert found is None
    else:
        reach, best = found
        assert reach == run - 1
        assert expected[best] == max(expected[:run])


@settings(max_examples=25, deadline=None)
@given(draws=st.integers(1, 60), width=st.integers(1, 40), block=st.integers(1, 200),
       seed=st.integers(0, 2**32 - 1))
def test_a_table_evaluated_by_blocks_of_draws_equals_one_call(draws, width, block, seed):
    import games.bargaining.batch.stack as stack

    rng = np.random.default_rng(seed)
    c = rng.normal(size=draws)

    def utilities(x, q):                # per draw, nonlinear, with a per-draw outcome too
        return np.minimum(x["a"] * q["c"], 1.0) + x["b"] ** 2, np.log1p(x["a"]) - q["c"] * x["b"]

    problem = BatchProblem(utilities, Box({"a": (0.0, 1.0), "b": (0.0, 2.0)}), {"c": c},
                           (rng.normal(size=draws), rng.normal(size=draws)))
    outcome = {"a": rng.uniform(0, 1, (1, width)), "b": rng.uniform(0, 2, (draws, 1))}
    rows = rng.permutation(draws)[: max(1, draws // 2)]
    whole = [problem.gains(outcome), problem.gains({**outcome, "b": outcome["b"][rows]}, rows)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stack, "BLOCK_CELLS", block)
        blocked = [problem.gains(outcome),
                   problem.gains({**outcome, "b": outcome["b"][rows]}, rows)]
    for one, by_blocks in zip(whole, blocked):
        for g, h in zip(one, by_blocks):
            np.testing.assert_array_equal(np.broadcast_to(g, h.shape), h)


def test_blocks_of_consecutive_draws_see_views_of_the_parameters_not_copies():
    import games.bargaining.batch.stack as stack

    c = np.linspace(0.0, 1.0, 50)
    seen = []

    def utilities(x, q):
        seen.append(q["c"])
        return x["a"] * q["c"], x["a"] - q["c"]

    problem = BatchProblem(utilities, Box({"a": (0.0, 1.0)}), {"c": c}, (0.0, 0.0))
    outcome = {"a": np.linspace(0.0, 1.0, 7)[None, :]}
    whole = problem.gains(outcome, slice(5, 45))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stack, "BLOCK_CELLS", 30)  # four draws a block
        seen.clear()
        blocked = problem.gains(outcome, slice(5, 45))
    assert len(seen) == 10 and all(np.shares_memory(q, c) for q in seen)
    for g, h in zip(whole, blocked):
        np.testing.assert_array_equal(g, h)


def test_gains_refuse_one_non_finite_cell_and_accept_finite_gains_whose_sum_overflows():
    from games.errors import NotFiniteError
    from games.expressions import _broadcast_shape

    big = np.array([1e308, 1e308, -1e308, 5.0])  # finite, but their sum overflows
    p = BatchProblem(lambda x, q: (q["c"] * x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
                     {"c": big}, (0.0, 0.0))
    g_1, g_2 = p.gains({"s": np.array([[1.0], [1.0], [1.0], [1.0]])})
    assert np.array_equal(g_1[:, 0], big) and np.isfinite(g_2).all()
    for bad in (np.inf, -np.inf, np.nan):
        c = big.copy()
        c[2] = bad
        q = BatchProblem(lambda x, q: (q["c"] * x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
                         {"c": c}, (0.0, 0.0))
        with pytest.raises(NotFiniteError, match="player 1"):
            q.gains({"s": np.full((4, 1), 0.5)})
        # A NaN outcome (a draw with no agreement) is not a step: not refused.
        g_1, _ = q.gains({"s": np.array([[0.5], [0.5], [np.nan], [0.5]])})
        assert np.isnan(g_1[2, 0]) and np.isfinite(g_1[[0, 1, 3], 0]).all()
    # Broadcast shapes remembered by the operands' shapes stay right for other shapes.
    for shapes in [((3, 1), (1, 4)), ((3, 1), (3, 1)), ((1, 4), (2, 1, 1)), ((3, 1), (1, 4))]:
        arrays = [np.zeros(s) for s in shapes]
        assert _broadcast_shape(arrays) == np.broadcast_shapes(*shapes)


@pytest.mark.parametrize("offset", ["normal", "zero", "minus zero"])
def test_the_grid_margins_by_blocks_are_those_of_the_whole_table(offset):
    """_maximin's start: each draw's best grid outcome for the max-min margin, found
    GRID_BLOCK draws at a time, is bit for bit the whole table's (values and first of equal
    maxima), for a number of draws that is not a multiple of the block; gains with -0.0 and
    offsets of +0.0 (not subtracted) or -0.0 (subtracted) included."""
    from games.bargaining.batch import GRID_BLOCK, GridScan
    from games.bargaining.batch.maximin import _best_margin_on_grid
    rng = np.random.default_rng(5)
    n, m = 3 * GRID_BLOCK + 17, 41
    g_1 = np.round(rng.normal(size=(n, m)), 1)     # rounded: many ties
    g_1[rng.uniform(size=(n, m)) < 0.1] = -0.0
    g_1[:5] = -0.0                                 # a margin of zero: its sign shows
    g_2 = np.broadcast_to(np.round(rng.normal(size=(1, m)), 1), (n, m))
    units = (rng.uniform(0.5, 2, n), rng.uniform(0.5, 2, n))
    first = {"normal": rng.normal(size=n), "zero": np.zeros(n),
             "minus zero": np.where(rng.uniform(size=n) < 0.5, -0.0, 0.0)}[offset]
    offsets = (first, np.zeros(n))
    best, margin = _best_margin_on_grid(GridScan({}, (g_1, g_2), units, m), offsets)
    table = np.minimum((g_1 - offsets[0][:, None]) / units[0][:, None],
                       (g_2 - offsets[1][:, None]) / units[1][:, None])
    assert np.array_equal(best, np.argmax(table, axis=1))
    assert margin.tobytes() == table[np.arange(n), best].tobytes()


def _linear_maximin_by_every_coordinate(a, a0, b, b0, low, high):
    """linear_maximin as it was before it moved only each coordinate's free rows (every row
    through every coordinate): the reference the faster one must equal bit for bit."""
    a, b = np.atleast_2d(np.asarray(a, dtype=float)), np.atleast_2d(np.asarray(b, dtype=float))
    n, k = a.shape
    a0, b0 = (np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in (a0, b0))
    lo = np.broadcast_to(np.asarray(low, dtype=float), (n, k))
    hi = np.broadcast_to(np.asarray(high, dtype=float), (n, k))
    with np.errstate(divide="ignore", invalid="ignore"):
        breaks = np.where(a != b, b / (b - a), np.nan)
    breaks = np.where((breaks >= 0) & (breaks <= 1), breaks, np.nan)
    lams = np.concatenate([np.zeros((n, 1)), np.ones((n, 1)), breaks], axis=1)
    lam3 = np.nan_to_num(lams)[:, :, None]
    c3 = lam3 * a[:, None, :] + (1 - lam3) * b[:, None, :]
    top = np.maximum(c3 * lo[:, None, :], c3 * hi[:, None, :]).sum(axis=2)
    h = lams * a0[:, None] + (1 - lams) * b0[:, None] + top
    best = np.nanargmin(np.where(np.isnan(lams), np.inf, h), axis=1)
    rows = np.arange(n)
    lam = lams[rows, best]
    c = lam[:, None] * a + (1 - lam[:, None]) * b
    free = np.abs(c) <= 1e-12 * np.maximum(np.abs(a) + np.abs(b), 1e-300)
    free[rows, np.maximum(best - 2, 0)] |= best >= 2
    slope = a - b
    x = np.where(free, np.where(slope > 0, lo, hi), np.where(c > 0, hi, lo))
    need = np.maximum(-(a0 - b0 + np.sum(slope * x, axis=1)), 0.0)
    for i in range(k):
        reach = np.where(free[:, i], np.abs(slope[:, i]) * (hi[:, i] - lo[:, i]), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(reach > 0, np.clip(need / reach, 0.0, 1.0), 0.0)
        moved = np.where(slope[:, i] > 0, lo[:, i] + share * (hi[:, i] - lo[:, i]),
                         hi[:, i] - share * (hi[:, i] - lo[:, i]))
        x[:, i] = np.where(free[:, i], moved, x[:, i])
        need = need - share * reach
    values = np.minimum(np.sum(a * x, axis=1) + a0, np.sum(b * x, axis=1) + b0)
    return x, values, h[rows, best], lam


@pytest.mark.parametrize("k", [1, 2, 5, 10])
def test_linear_maximin_moves_the_free_coordinates_as_before(k):
    """The LP step moves only each coordinate's free rows now; on random problems with ties
    (equal slopes, zero slopes, a flat coordinate's range) its points, values, bounds and
    weights are bit for bit those of moving every row through every coordinate."""
    rng = np.random.default_rng(k)
    n = 400
    a = np.round(rng.normal(size=(n, k)), 1)
    b = np.where(rng.uniform(size=(n, k)) < 0.2, a, np.round(rng.normal(size=(n, k)), 1))
    a[rng.uniform(size=(n, k)) < 0.1] = 0.0
    low = np.round(rng.uniform(-1, 0, (n, k)), 1)
    high = np.where(rng.uniform(size=(n, k)) < 0.1, low,
                    low + np.round(rng.uniform(0, 2, (n, k)), 1))
    a0, b0 = np.round(rng.normal(size=n), 1), np.round(rng.normal(size=n), 1)
    found = linear_maximin(a, a0, b, b0, low, high)
    x, values, bounds, weights = _linear_maximin_by_every_coordinate(a, a0, b, b0, low, high)
    assert found.points.tobytes() == x.tobytes()
    assert found.values.tobytes() == values.tobytes()
    assert found.bounds.tobytes() == bounds.tobytes()
    assert found.weights.tobytes() == weights.tobytes()


def _edgy_linear_problem(rng, n, k, shared_box):
    """Random LP steps' inputs with the awkward cases: equal and zero slopes, flat and
    -0.0-ended ranges, slopes whose reach overflows, ranges of (k,) or (n, k)."""
    a = np.round(rng.normal(size=(n, k)), 1) * 10.0 ** rng.integers(-3, 4, (n, k))
    b = np.where(rng.uniform(size=(n, k)) < 0.2, a, np.round(rng.normal(size=(n, k)), 1))
    a[rng.uniform(size=(n, k)) < 0.2] = 0.0
    b[rng.uniform(size=(n, k)) < 0.1] = 0.0
    shape = (k,) if shared_box else (n, k)
    low = np.round(rng.uniform(-1, 0, shape), 1)
    high = np.where(rng.uniform(size=shape) < 0.1, low, low + np.round(rng.uniform(0, 2, shape), 1))
    if rng.uniform() < 0.5:
        low[rng.uniform(size=shape) < 0.2] = -0.0
        high[rng.uniform(size=shape) < 0.1] = -0.0
        high = np.maximum(low, high)
    if rng.uniform() < 0.3:
        a[rng.uniform(size=(n, k)) < 0.05] = 1e308     # a reach of inf
    a0, b0 = np.round(rng.normal(size=n), 1), np.round(rng.normal(size=n), 1)
    return a, a0, b, b0, low, high


@pytest.mark.parametrize("shared_box", [True, False])
@pytest.mark.parametrize("k", [1, 3, 7, 8, 9, 10, 17, 130])
def test_linear_maximin_equals_the_plain_construction_on_awkward_problems(k, shared_box):
    """The dual laid out coordinate first (its sum over coordinates in NumPy's order), the
    slopes at the optimum taken from it, and the free coordinates moved a rank at a time (rows
    whose gap is closed left alone): points, values, bounds and weights are bit for bit those
    of the plain construction, on problems with ties, zeros of either sign and overflow."""
    for seed in range(6):
        rng = np.random.default_rng(1000 * k + seed)
        n = int(rng.choice([0, 1, 3, 40, 700]))
        args = _edgy_linear_problem(rng, n, k, shared_box)
        with np.errstate(all="ignore"):
            found = linear_maximin(*args)
            x, values, bounds, weights = _linear_maximin_by_every_coordinate(*args)
        assert found.points.tobytes() == x.tobytes()
        assert found.values.tobytes() == values.tobytes()
        assert found.bounds.tobytes() == bounds.tobytes()
        assert found.weights.tobytes() == weights.tobytes()


@pytest.mark.parametrize("k", [0, 1, 2, 5, 7, 8, 9, 15, 16, 17, 100, 128, 129, 300, 1000])
def test_sum_over_the_first_axis_is_numpys_sum_bit_for_bit(k):
    """The dual's sum over coordinates (laid out first) equals np.sum along a contiguous last
    axis, including -0.0 sums, infinities and NaN, and magnitudes that make the order count."""
    rng = np.random.default_rng(k)
    t = rng.normal(size=(k, 3, 50)) * 10.0 ** rng.integers(-12, 13, (k, 3, 50))
    pick = rng.uniform(size=t.shape)
    t[pick < 0.1] = -0.0
    t[(pick > 0.1) & (pick < 0.15)] = 0.0
    t[:, 0, :5] = -0.0
    t[:, 1, 0] = np.inf
    t[:, 1, 1] = -np.inf
    if k:
        t[k // 2, 1, 2] = np.nan
        t[0, 1, 3], t[-1, 1, 3] = np.inf, -np.inf
    with np.errstate(invalid="ignore"):
        expected = np.moveaxis(t, 0, -1).copy().sum(axis=-1)
        assert _sum_as_numpy(t).tobytes() == expected.tobytes()


def _log_product_table(beta, g_1, g_2):
    """nash_benchmark's log Nash product over a whole scan, as it was computed before
    :func:`_best_on_grid` (one expression over the table)."""
    b = beta[:, None]
    with np.errstate(all="ignore"):
        value = b * np.log(g_1) + (1 - b) * np.log(g_2)
    return np.where((g_1 > 0) & (g_2 > 0), value, -np.inf)


@pytest.mark.parametrize("inside", [0.02, 0.1, 0.5, 0.95])
@pytest.mark.parametrize("width", [7, 243, 729, 70_000])
def test_best_on_grid_is_the_argmax_of_the_whole_table_bit_for_bit(inside, width):
    # Narrow zones take the masked logs, wide ones the in-place ones; the tables are split
    # into blocks of rows (one row a block at the widest). Either way the same column as the
    # whole table's argmax (the first of equals), and the same finiteness.
    rng = np.random.default_rng(width + int(inside * 100))
    n = 300 if width < 70_000 else 3
    g_1 = np.where(rng.random((n, width)) < inside ** 0.5, rng.exponential(1.0, (n, width)),
                   -rng.exponential(1.0, (n, width)))
    g_2 = np.where(rng.random((n, width)) < inside ** 0.5, rng.exponential(1.0, (n, width)),
                   -rng.exponential(1.0, (n, width)))
    g_1[:, ::5] = 0.0                       # zero gains: log 0 is -inf, outside the zone
    g_2[::7] = np.round(g_2[::7], 1)        # ties between columns: the first one wins
    g_1[::11] = -1.0                        # rows with no zone at all
    beta = rng.random(n)
    beta[::3], beta[1::3] = 0.0, 1.0        # a power of 0 or 1: 0 * log g is exact there
    table = _log_product_table(beta, g_1, g_2)
    best, finite = _best_on_grid(beta, g_1, g_2)
    assert np.array_equal(best, np.argmax(table, axis=1))
    assert np.array_equal(finite, np.isfinite(table[np.arange(n), best]))
    assert not finite[::11].any() and finite.any()
    view = np.broadcast_to(g_1[:1], (n, width))            # a scan's broadcast rows
    assert np.array_equal(_best_on_grid(beta, view, g_2)[0],
                          np.argmax(_log_product_table(beta, view, g_2), axis=1))


def test_best_on_grid_of_a_narrow_zone_with_an_infinite_gain_is_the_whole_tables_argmax():
    # An infinite gain makes a NaN (power 0) or infinite product, which the cells-only path
    # hands back to the masked logs: still the whole table's argmax.
    rng = np.random.default_rng(5)
    g_1, g_2 = -rng.exponential(1.0, (40, 50)), rng.exponential(1.0, (40, 50))
    g_1[:, 3:6] = rng.exponential(1.0, (40, 3))
    g_1[::4, 4] = np.inf
    beta = rng.random(40)
    beta[::8] = 0.0
    table = _log_product_table(beta, g_1, g_2)
    best, finite = _best_on_grid(beta, g_1, g_2)
    assert np.array_equal(best, np.argmax(table, axis=1))
    assert np.array_equal(finite, np.isfinite(table[np.arange(40), best]))


def _curved(x, q):
    """Utilities with terms in one issue, in two, in parameters only, a log, a min and a max
    (what compiled deal expressions hold), u_2 not using the discrete issue."""
    low = reduce(np.minimum, [q["d"], x["v"] * 0.5])
    u_1 = q["p"] * q["m"] * low - 0.5 * q["c"] * low ** 2 + x["w"] * (q["a"] + x["t"]) \
        - q["h"] * low * (q["s"] + (1 - x["w"]) * q["a"]) + x["fixed"] * 3.0
    u_2 = q["d"] * np.log(1 + low * q["a"] / q["d"]) - q["p"] * low \
        + reduce(np.maximum, [x["w"], q["s"]]) - 0.365 * x["w"] * q["c"]
    return u_1, u_2


@pytest.mark.parametrize("draws", [1, 7, 400])
def test_scan_of_elementwise_utilities_is_the_flat_scan_bit_for_bit(draws):
    # Issue j on an axis of its own (a term in one issue worked out per level): the same
    # element operations as on the flat grid, so the same gains and units to the bit, in
    # blocks of draws and in one.
    rng = np.random.default_rng(draws)
    q = {k: rng.uniform(0.5, 3.0, draws) for k in "pmcdahs"}
    box = Box({"v": (0.0, 4.0), "w": (0.0, 1.0), "t": [0.0, 1.0, 2.5], "fixed": (2.0, 2.0)})
    flat = BatchProblem(_curved, box, q, (rng.normal(size=draws), rng.normal(size=draws)))
    for points in (350, 2_000):
        a, b = scan(flat, points), scan(replace(flat, elementwise=True), points)
        assert b.gains[0].shape == (draws, len(box.grid(points)["v"]))
        for x, y in zip(a.gains + a.units, b.gains + b.units):
            assert np.array_equal(x, y)
    assert replace(flat, elementwise=True).take(np.arange(min(draws, 3))).elementwise


def test_scan_of_elementwise_utilities_refuses_a_non_finite_gain_as_the_flat_one():
    q = {"k": np.array([1.0, 0.0, 2.0])}
    p = BatchProblem(lambda x, q: (x["a"] / q["k"], x["b"]), Box({"a": (0.0, 1.0),
                     "b": (0.0, 1.0)}), q, (0.0, 0.0))
    messages = []
    for problem in (p, replace(p, elementwise=True)):
        with pytest.raises(NotFiniteError) as caught:
            scan(problem, 9)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "player 1" in messages[0]


def _table(rng, draws, size):
    # A table as the evaluator keeps one: whole, a block of a wider one's columns, or a
    # gain broadcast along the draws or the packages.
    kind = rng.integers(0, 4)
    if kind == 1:
        return rng.normal(size=(draws, size + 5))[:, 2:2 + size]
    if kind == 2:
        return np.broadcast_to(rng.normal(size=(draws, 1)), (draws, size))
    if kind == 3:
        return np.broadcast_to(rng.normal(size=(1, size)), (draws, size))
    return rng.normal(size=(draws, size))


@pytest.mark.parametrize("compiled", [True, False])
def test_gathered_columns_equal_assigning_each_group_into_its_columns(monkeypatch, compiled):
    # The ask's evaluator puts columns of earlier calls' tables side by side: the same values
    # as assigning each table's columns into place one group at a time, the way it was done,
    # by the compiled copy (where built) and by NumPy.
    from games.bargaining.batch import take_it_or_leave_it
    from games.bargaining.batch.take_it_or_leave_it import _gathered
    if compiled and take_it_or_leave_it._COMPILED is None:
        pytest.skip("the compiled ask loops are not built")
    if not compiled:
        monkeypatch.setattr(take_it_or_leave_it, "_COMPILED", None)
    rng = np.random.default_rng(5)
    for _ in range(200):
        draws, width = int(rng.integers(1, 40)), int(rng.integers(1, 30))
        owner = rng.integers(0, int(rng.integers(1, 5)), width)
        groups = []
        for g in np.unique(owner):
            columns = np.flatnonzero(owner == g).tolist()
            size = int(rng.integers(len(columns), 2 * len(columns) + 3))
            tables = (_table(rng, draws, size), _table(rng, draws, size))
            groups.append((tables, columns, rng.integers(0, size, len(columns)).tolist()))
        want = (np.empty((draws, width)), np.empty((draws, width)))
        for tables, columns, taken in groups:
            for whole, table in zip(want, tables):
                whole[:, columns] = table[:, taken]
        got = _gathered(groups, draws)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.flags.c_contiguous and g.tobytes() == w.tobytes()
    assert all(g.shape == (3, 0) for g in _gathered([], 3))


@pytest.mark.parametrize("draws, chunk", [(1, 2_000), (7, 3), (400, 2_000), (400, 150)])
def test_the_ask_of_elementwise_utilities_is_the_flat_ask_bit_for_bit(draws, chunk):
    # Element by element, the ask's grid puts each issue on an axis of its own and its search
    # passes an issue all its packages share (a fixed one, or a moving one along a line) as
    # one number: the same gains to the bit as the flat tables, so the same answer.
    from games.bargaining.batch.stack import grid_gains
    from games.bargaining.batch.take_it_or_leave_it import _packages_of
    rng = np.random.default_rng(draws + chunk)
    q = {k: rng.uniform(0.5, 3.0, draws) for k in "pmcdahs"}
    box = Box({"v": (0.0, 4.0), "w": (0.0, 1.0), "t": [0.0, 1.0, 2.5], "fixed": (2.0, 2.0)})
    flat = BatchProblem(_curved, box, q, (rng.normal(size=draws), rng.normal(size=draws)))
    both = replace(flat, elementwise=True)
    grid = box.grid(150)
    for a in range(0, draws, chunk):
        rows = slice(a, a + chunk)
        want = flat.gains({k: v[None, :] for k, v in grid.items()}, rows)
        got = grid_gains(both, grid, box.grid_axes(150), rows)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.tobytes() == w.tobytes()
    fixed = {"v": 1.0, "w": 0.5, "t": 2.5, "fixed": 2.0}
    packages = rng.uniform(0, 1, (33, 2)) * [4.0, 1.0]
    line = np.column_stack([np.linspace(0.0, 4.0, 17), np.full(17, -0.0)])  # w shared
    for asked in (packages, line, line[3:4], np.vstack([line, packages])):
        for g, w in zip(_packages_of(both, fixed, ["v", "w"])(asked),
                        _packages_of(flat, fixed, ["v", "w"])(asked)):
            assert g.shape == w.shape == (draws, len(asked)) and g.tobytes() == w.tobytes()
    a, b = optimal_ask(flat, chunk=chunk), optimal_ask(both, chunk=chunk)
    assert a.package == b.package and (a.acceptance, a.expected_gain) == (
        b.acceptance, b.expected_gain)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a.gains, b.gains))
