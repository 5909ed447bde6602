"""Two gains affine on the cells cut out by hyperplanes: the vertex-pair solves of
games.optimise.piecewise against independent answers (an LP per cell by scipy's HiGHS, a
smooth solver per cell for the Nash product, a fine grid), and the split solve of a batch
problem whose inner issues are piecewise affine (BatchProblem.kinks)."""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog, minimize

from games.bargaining.batch import BatchProblem, better_for_both, nash_benchmark, zone_test
from games.expressions import parse_expression
from games.optimise.outcome_space import Box
from games.optimise.piecewise import (best_on_segments, cell_vertices, unseparated,
                                      vertex_systems)


def _random_problem(rng, k, m):
    """g_i(x) = a_i . x + a0_i + sum_j c_ij max(0, s_j . x + e_j) on [0, 1]^k: affine on each
    cell of the m hyperplanes s_j . x + e_j = 0 (through the box's middle region)."""
    a = rng.normal(size=(2, k))
    a0 = rng.normal(size=2) + 1.0
    c = rng.normal(size=(2, m)) * 2
    s = rng.normal(size=(m, k))
    e = -s @ rng.uniform(0.2, 0.8, size=k)
    return a, a0, c, s, e


def _gains(problem, x):
    a, a0, c, s, e = problem
    hinge = np.maximum(0.0, x @ s.T + e)
    return tuple(x @ a[i] + a0[i] + hinge @ c[i] for i in range(2))


def _solve(problem, k, power=None):
    a, a0, c, s, e = problem
    lo, hi = np.zeros((1, k)), np.ones((1, k))
    points, valid = cell_vertices(lo, hi, s[None], e[None])
    pairs = unseparated(points, valid, s[None], e[None], lo, hi)
    g_1, g_2 = _gains(problem, points[0])
    value, i, j, t = best_on_segments(g_1[None], g_2[None], pairs,
                                      None if power is None else np.array([power]))
    x = (1 - t[0]) * points[0, i[0]] + t[0] * points[0, j[0]]
    return float(value[0]), x


def _cells(problem, k):
    """Each sign pattern of the hyperplanes: (affine coefficients of both gains there, the
    cell's inequalities A x <= b)."""
    a, a0, c, s, e = problem
    for signs in itertools.product((0, 1), repeat=len(e)):
        on = np.array(signs, dtype=float)                      # 1: hinge active (h >= 0)
        slope = [a[i] + (c[i] * on) @ s for i in range(2)]
        const = [a0[i] + (c[i] * on) @ e for i in range(2)]
        sign = np.where(on > 0, -1.0, 1.0)                     # active: -h <= 0
        yield slope, const, sign[:, None] * s, -sign * e


@pytest.mark.parametrize("k, m", [(1, 1), (2, 1), (2, 2), (3, 2)])
def test_maximin_matches_an_lp_per_cell(k, m):
    rng = np.random.default_rng(10 * k + m)
    for _ in range(25):
        problem = _random_problem(rng, k, m)
        value, x = _solve(problem, k)
        best = -np.inf
        for slope, const, A, b in _cells(problem, k):
            # max t s.t. t <= g_i(x), x in the cell: variables (x, t), minimise -t
            A_ub = np.vstack([np.hstack([-slope[0], [1.0]]), np.hstack([-slope[1], [1.0]]),
                              np.hstack([A, np.zeros((len(b), 1))])])
            b_ub = np.concatenate([[const[0], const[1]], b])
            lp = linprog(np.r_[np.zeros(k), -1.0], A_ub=A_ub, b_ub=b_ub,
                         bounds=[(0, 1)] * k + [(None, None)], method="highs")
            if lp.status == 0:
                best = max(best, -lp.fun)
        assert value == pytest.approx(best, abs=1e-9)
        assert min(_gains(problem, x)) == pytest.approx(value, abs=1e-9)   # attained


@pytest.mark.parametrize("k, m", [(2, 1), (2, 2), (3, 1)])
def test_nash_product_matches_a_smooth_solver_per_cell(k, m):
    rng = np.random.default_rng(7 * k + m)
    checked = 0
    for _ in range(20):
        problem = _random_problem(rng, k, m)
        beta = rng.uniform(0.2, 0.8)
        value, x = _solve(problem, k, beta)
        best = -np.inf
        for slope, const, A, b in _cells(problem, k):
            def minus(z, slope=slope, const=const):
                g = [slope[i] @ z + const[i] for i in range(2)]
                if min(g) <= 0:
                    return 1e6
                return -(beta * np.log(g[0]) + (1 - beta) * np.log(g[1]))
            cons = [{"type": "ineq", "fun": lambda z, A=A, b=b: b - A @ z}]
            for start in rng.uniform(0, 1, size=(6, k)):
                if np.any(A @ start > b) or minus(start) >= 1e6:
                    continue
                found = minimize(minus, start, bounds=[(0, 1)] * k, constraints=cons,
                                 method="SLSQP", options={"ftol": 1e-12, "maxiter": 500})
                if found.success and np.all(A @ found.x <= b + 1e-9):
                    best = max(best, -found.fun)
        if np.isfinite(best):
            checked += 1
            assert value >= best - 1e-7          # never below the smooth solver
            g = _gains(problem, x)                # attained at the point returned
            assert beta * np.log(g[0]) + (1 - beta) * np.log(g[1]) == pytest.approx(value)
            axes = np.meshgrid(*[np.linspace(0, 1, 201 if k == 2 else 41)] * k)
            grid = np.stack([a.ravel() for a in axes], axis=1)
            h_1, h_2 = _gains(problem, grid)
            with np.errstate(all="ignore"):
                logs = np.where((h_1 > 0) & (h_2 > 0),
                                beta * np.log(h_1) + (1 - beta) * np.log(h_2), -np.inf)
            assert value >= logs.max() - 1e-9     # and never below a fine grid
    assert checked >= 10


def test_every_cell_vertex_is_found():
    # a box cut by two lines through its inside: 4 corners, 4 crossings with the faces, and
    # the point where the lines cross
    lo, hi = np.zeros((1, 2)), np.ones((1, 2))
    slopes = np.array([[[1.0, -1.0], [1.0, 1.0]]])           # x = y and x + y = 1
    offsets = np.array([[0.0, -1.0]])
    points, valid = cell_vertices(lo, hi, slopes, offsets)
    found = {tuple(np.round(p, 12)) for p in points[0][valid[0]]}
    assert found == {(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.5, 0.5)}
    assert vertex_systems(2, 2) == 4 + 4 * 2 + 1


def _inner_problem(draws):
    """A 1-D searched volume v (concave) and two issues in which both gains are piecewise
    affine: the supplier values max(p, r q) of two controls, the partner pays for it."""
    rng = np.random.default_rng(3)
    r = rng.uniform(0.3, 0.9, draws)
    cost = rng.uniform(0.5, 2.0, draws)

    def utilities(x, q):
        done = np.maximum(x["p"], q["r"] * x["q"])
        return (np.log1p(x["v"]) - 0.4 * x["v"] + 1.5 * done - 0.2 * x["q"] - 0.3,
                0.6 * x["v"] - 0.1 * x["v"] ** 2 - q["cost"] * done + 0.4)

    def kinks(x, q):
        return [x["p"] - q["r"] * x["q"]]

    box = Box({"v": (0.0, 3.0), "p": (0.0, 1.0), "q": (0.0, 1.0)})
    params = {"r": r, "cost": cost}
    exact = BatchProblem(utilities, box, params, (0.0, 0.0), affine=("p", "q"), kinks=kinks)
    general = BatchProblem(utilities, box, params, (0.0, 0.0))
    return exact, general


def test_split_with_kinks_at_least_the_general_search_and_a_fine_grid():
    exact, general = _inner_problem(12)
    zone, old_zone = zone_test(exact), zone_test(general)
    assert "piecewise affine" in zone.method
    assert np.all(zone.margin >= old_zone.margin - 1e-9)
    package = {"v": 1.0, "p": 0.2, "q": 0.2}
    better, old_better = better_for_both(exact, package), better_for_both(general, package)
    assert np.all(better.margin >= old_better.margin - 1e-9)
    nash, old_nash = nash_benchmark(exact, 0.5), nash_benchmark(general, 0.5)
    assert "piecewise affine" in nash.method
    value = lambda n: 0.5 * np.log(n.gains[0]) + 0.5 * np.log(n.gains[1])  # noqa: E731
    assert np.all(value(nash) >= value(old_nash) - 1e-9)
    # a fine grid over all three issues never beats the exact inner solve by more than the
    # searched issue's resolution allows
    axes = np.meshgrid(np.linspace(0, 3, 121), np.linspace(0, 1, 41), np.linspace(0, 1, 41),
                       indexing="ij")
    grid = {k: a.ravel()[None, :] for k, a in zip(("v", "p", "q"), axes)}
    g_1, g_2 = exact.gains(grid)
    units = zone.units
    on_grid = np.max(np.minimum(g_1 / units[0][:, None], g_2 / units[1][:, None]), axis=1)
    assert np.all(zone.margin >= on_grid - 1e-9)
    with np.errstate(all="ignore"):
        logs = np.where((g_1 > 0) & (g_2 > 0), 0.5 * np.log(g_1) + 0.5 * np.log(g_2), -np.inf)
    assert np.all(value(nash) >= logs.max(axis=1) - 1e-9)


def test_a_wrong_kink_is_caught_and_searched_the_general_way():
    exact, general = _inner_problem(6)
    wrong = BatchProblem(exact.utilities, exact.box, exact.parameters, exact.disagreement,
                         affine=("p", "q"), kinks=lambda x, q: [x["p"] - 0.5])   # not the kink
    zone, old = zone_test(wrong), zone_test(general)
    assert np.all(zone.margin >= old.margin - 1e-9)


def test_kinks_of_expressions():
    assert parse_expression("a * max(x, r * y) - min(c, 3)").kinks(["x", "y"]) == ["-r*y + x"]
    assert parse_expression("log(1 + x) + max(x, y)").kinks(["x", "y"]) is None
    assert parse_expression("max(min(x, 1), y)").kinks(["x", "y"]) is None      # nested
    assert parse_expression("max(x * y, 0)").kinks(["x", "y"]) is None          # not affine
    assert parse_expression("log(1 + v) + max(x, y)").kinks(["x", "y"]) == ["x - y"]
