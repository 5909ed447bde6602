"""The take-it-or-leave-it ask's line searches against brute force.

- Along a line where every draw's gains are affine, the candidates' values equal the objective
  computed draw by draw, and their best equals the exact supremum over the line (the best of
  every threshold, each with the draw in and out, and the ends).
- One issue, affine gains: the ask is the exact optimum.
- Several issues, affine gains: the ask cannot be raised along any issue (checked exactly, draw
  by draw), and it is never below the best package of the grid scan it starts from. (It is a
  local search: a finer grid may find a better package elsewhere.)
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from games.bargaining.ask import line_candidates
from games.bargaining.batch import BatchProblem, optimal_ask, scan
from games.optimise.outcome_space import Box


def line_supremum(a, a0, b, b0, lo, hi):
    """sup over t in [lo, hi] of sum_i (a_i t + a0_i) 1{b_i t + b0_i >= 0}, draw by draw:
    the objective is affine between thresholds, so the supremum is at an end or a threshold,
    with the threshold's own draw in (the objective there) or out (its limit beside it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = np.where(b != 0, -b0 / b, np.nan)
    points = np.concatenate([[lo, hi], roots[(roots >= lo) & (roots <= hi)]])
    best = -np.inf
    for t in points:
        g_1, g_2 = a * t + a0, b * t + b0
        on = np.isclose(g_2, 0.0, atol=1e-12)
        inside = np.sum(np.where((g_2 >= 0) | on, g_1, 0.0))
        best = max(best, inside, inside - np.sum(np.where(on, g_1, 0.0)),
                   *(inside - g_1[i] for i in np.flatnonzero(on)))
    return best


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 40), st.integers(2, 20), st.integers(0, 10_000))
def test_line_candidates_find_the_exact_supremum_of_affine_gains(draws, points, seed):
    rng = np.random.default_rng(seed)
    a, a0, b, b0 = (rng.normal(size=draws) for _ in range(4))
    t = np.sort(np.unique(np.concatenate([[-1.0, 1.0], rng.uniform(-1, 1, points - 2)])))
    at, value = line_candidates(t, a[:, None] * t + a0[:, None], b[:, None] * t + b0[:, None])
    # Tabulated points: their values are the objective there.
    g_1, g_2 = a[:, None] * t + a0[:, None], b[:, None] * t + b0[:, None]
    assert value[:t.size] == pytest.approx(np.where(g_2 >= 0, g_1, 0.0).sum(axis=0), abs=1e-12)
    assert value.max() == pytest.approx(line_supremum(a, a0, b, b0, -1.0, 1.0), abs=1e-9)
    # And nothing on a fine grid beats the best candidate.
    fine = np.linspace(-1, 1, 20_001)
    on_fine = np.where(b[:, None] * fine + b0[:, None] >= 0, a[:, None] * fine + a0[:, None], 0)
    assert on_fine.sum(axis=0).max() <= value.max() + 1e-9


def affine_problem(seed: int, issues: int, draws: int):
    """g_1 = c_1 + a . x, g_2 = c_2 + b . x, coefficients drawn per draw."""
    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(issues)]
    a, b = rng.normal(size=(draws, issues)), rng.normal(size=(draws, issues))
    c_1, c_2 = rng.normal(size=draws) + 1, rng.normal(size=draws)
    params = {"c1": c_1, "c2": c_2, **{f"a{i}": a[:, i] for i in range(issues)},
              **{f"b{i}": b[:, i] for i in range(issues)}}

    def utilities(x, p):
        return (p["c1"] + sum(p[f"a{i}"] * x[n] for i, n in enumerate(names)),
                p["c2"] + sum(p[f"b{i}"] * x[n] for i, n in enumerate(names)))

    box = Box({n: (0.0, float(hi)) for n, hi in zip(names, rng.uniform(0.5, 2, issues))})
    return BatchProblem(utilities, box, params, (0.0, 0.0)), (a, c_1, b, c_2)


@pytest.mark.parametrize("seed", range(12))
def test_the_ask_over_one_affine_issue_is_the_exact_optimum(seed):
    problem, (a, c_1, b, c_2) = affine_problem(seed, 1, 5 + 4 * seed)
    exact = line_supremum(a[:, 0], c_1, b[:, 0], c_2, *problem.box.bounds("x0")) / problem.draws
    ask = optimal_ask(problem)
    assert ask.expected_gain == pytest.approx(exact, abs=1e-12)


@pytest.mark.parametrize("seed", range(16))
def test_no_issue_alone_raises_the_ask_and_no_package_of_its_grid_beats_it(seed):
    issues = 2 + seed % 2
    problem, (a, c_1, b, c_2) = affine_problem(seed, issues, 10 + 3 * seed)
    ask = optimal_ask(problem)
    x = np.array([ask.package[f"x{i}"] for i in range(issues)])
    for i in range(issues):
        # Along issue i through the ask, draw by draw: g = (a_i) t + (c + a . x - a_i x_i).
        rest_1, rest_2 = c_1 + a @ x - a[:, i] * x[i], c_2 + b @ x - b[:, i] * x[i]
        along = line_supremum(a[:, i], rest_1, b[:, i], rest_2,
                              *problem.box.bounds(f"x{i}")) / problem.draws
        assert along <= ask.expected_gain + 1e-9
    g_1, g_2 = scan(problem, ask.settings["grid_points"]).gains  # where the search starts
    assert np.where(g_2 >= 0, g_1, 0.0).mean(axis=0).max() <= ask.expected_gain + 1e-12


def test_the_ask_asks_each_package_once_and_gets_the_gains_of_asking_every_time():
    """The search's evaluator keeps its last calls' gains: every package asked again (the
    point on each line, a straight line after zooming in) comes from there, bit for bit what
    evaluating it again gives, and no package reaches the utilities twice while kept (a
    package of the same moving issues at another level of a fixed one is another package)."""
    from games.bargaining.batch.take_it_or_leave_it import _packages_of
    rng = np.random.default_rng(3)
    reserve = rng.uniform(0, 1, 500)
    asked, counting = [], [True]

    def u(x, q):
        if counting[0]:
            row = lambda v: np.broadcast_to(v, (1, np.shape(x["s"])[-1]))[0].tolist()  # noqa
            asked.extend(zip(row(x["s"]), row(x["t"]), row(x["k"])))
        return (1 - x["s"] + np.log1p(x["t"]) * q["r"] * x["k"],
                x["s"] * np.sqrt(x["t"] + q["r"]) - q["r"])

    p = BatchProblem(u, Box({"s": (0.0, 1.0), "t": (0.0, 2.0), "k": [1.0, 2.0]}),
                     {"r": reserve}, (0.0, 0.0))
    kept = []
    levels = [(k, _packages_of(p, {"s": 0.0, "t": 0.0, "k": k}, ["s", "t"], kept),
               _packages_of(p, {"s": 0.0, "t": 0.0, "k": k}, ["s", "t"])) for k in (1.0, 2.0)]
    pool = rng.uniform(0, 1, (40, 2)) * [1.0, 2.0]
    for _ in range(12):
        packages = pool[rng.integers(0, 40, rng.integers(1, 30))]
        for k, memo, fresh in levels:
            counting[0] = True
            got = memo(packages)
            counting[0] = False
            want = fresh(packages)
            for g, h in zip(got, want):
                assert g.shape == h.shape == (500, len(packages)) and g.tobytes() == h.tobytes()
    assert len(asked) == len(set(asked)) > 40
    for _, memo, fresh in levels:  # no packages: no gains (it raised NameError when fresh)
        assert all(g.shape == (500, 0) for g in (*memo(pool[:0]), *fresh(pool[:0])))


def test_line_candidates_find_the_crossings_in_the_order_of_a_two_dimensional_nonzero():
    # The crossings come from flat indices of the (draws, intervals) table, split by divmod:
    # the same rows and columns, in the same order, as np.nonzero gave, so the same
    # candidates bit for bit, on random lines with ties, exact zeros, -0.0 and one position.
    import games.bargaining.ask as ask

    class TwoDimensional:
        """numpy as the module sees it, but np.flatnonzero + np.divmod answered by np.nonzero
        (the previous formulation)."""

        def __getattr__(self, name):
            return getattr(np, name)

        @staticmethod
        def flatnonzero(a):
            return np.nonzero(a)

        @staticmethod
        def divmod(found, width):
            return found

    rng = np.random.default_rng(11)
    for trial in range(400):
        n, m = int(rng.integers(1, 50)), int(rng.integers(1, 19))
        t = np.unique(np.round(rng.uniform(-2, 2, m), 1))
        g_1 = rng.normal(size=(n, t.size + 3))[:, 1:t.size + 1]
        g_2 = np.round(rng.normal(size=(n, t.size)), int(rng.integers(0, 3)))
        g_1[rng.random(g_1.shape) < 0.2] = -0.0
        if trial % 4 == 0:  # affine along the line
            g_2 = rng.normal(size=(n, 1)) + rng.normal(size=(n, 1)) * t
        got = line_candidates(t, g_1, g_2)
        ask.np = TwoDimensional()
        try:
            want = line_candidates(t, g_1, g_2)
        finally:
            ask.np = np
        for a, b in zip(got, want):
            assert a.shape == b.shape and a.tobytes() == b.tobytes()
