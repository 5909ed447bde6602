"""Pareto frontier, zone of agreement and concession curves: brute force and known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games import (
    BargainingProblem,
    concession_curve,
    concession_curves,
    pareto_frontier,
    zone_of_agreement,
)
from games.bargaining.hull import skyline

PROPERTY = settings(max_examples=60, deadline=None)


def brute_force_frontier(points: np.ndarray) -> set[tuple[float, float]]:
    """Points no other point weakly dominates with a strict gain somewhere (O(n^2))."""
    out = set()
    for p in points:
        dominated = ((points >= p).all(axis=1) & (points > p).any(axis=1)).any()
        if not dominated:
            out.add((float(p[0]), float(p[1])))
    return out


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=40))
def test_skyline_equals_brute_force_with_ties_and_duplicates(pairs):
    points = np.array(pairs, dtype=float)
    front = pareto_frontier(BargainingProblem.from_points(points, (0, 0)))
    got = [tuple(map(float, p)) for p in front.utilities]
    assert set(got) == brute_force_frontier(points)
    assert len(got) == len(set(got))  # duplicates kept once
    u = front.utilities
    assert (np.diff(u[:, 0]) > 0).all() and (np.diff(u[:, 1]) < 0).all()


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_skyline_of_random_floats_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(rng.integers(1, 300), 2))
    assert {tuple(p) for p in points[skyline(points)]} == brute_force_frontier(points)


def test_prefiltered_skyline_of_a_large_set_matches_plain_sort():
    rng = np.random.default_rng(7)
    points = np.round(rng.uniform(0, 1, size=(120_000, 2)) ** 0.3, 3)  # many ties
    fast = skyline(points)
    order = np.lexsort((-points[:, 1], -points[:, 0]))
    u2 = points[order, 1]
    plain = order[u2 > np.maximum.accumulate(np.concatenate([[-np.inf], u2[:-1]]))][::-1]
    assert np.array_equal(points[fast], points[plain])
    # and no point of the whole set dominates a frontier point
    for p in points[fast]:
        assert not ((points >= p).all(axis=1) & (points > p).any(axis=1)).any()


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_convex_frontier_lies_above_every_point(seed):
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 1, size=(rng.integers(2, 60), 2))
    front = pareto_frontier(BargainingProblem.from_points(points, (0, 0), convex=True))
    v = front.utilities
    assert {tuple(p) for p in v} <= {tuple(p) for p in points}
    inside = (points[:, 0] >= v[0, 0]) & (points[:, 0] <= v[-1, 0])
    assert (np.interp(points[inside, 0], v[:, 0], v[:, 1]) >= points[inside, 1] - 1e-12).all()
    if len(v) > 2:  # concave: slopes decrease
        slopes = np.diff(v[:, 1]) / np.diff(v[:, 0])
        assert (np.diff(slopes) < 1e-12).all()


def test_frontier_reports_outcomes_of_issues():
    problem = BargainingProblem.from_issues({"x": (0, 1), "y": [0, 1]},
                                            ["x + y", "1 - x - 2 * y"], (0, 0), resolution=3)
    front = pareto_frontier(problem)
    # (x, y) = (0, 1) gives (1, -1), dominated by (1, 0) at (1, 0); the rest is efficient
    assert front.utilities.tolist() == [[0, 1], [0.5, 0.5], [1, 0], [1.5, -1.5], [2, -2]]
    assert front.outcomes["x"].tolist() == [0.0, 0.5, 1.0, 0.5, 1.0]
    assert front.outcomes["y"].tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert list(front.to_frame().columns) == ["player 1", "player 2", "x", "y"]


ZONES = [
    # (case, points, disagreement, convex, empty, widths)
    ("split the dollar, lotteries", [(0, 1), (1, 0)], (0.2, 0.3), True, False, (0.5, 0.5)),
    ("split the dollar, no room", [(0, 1), (1, 0)], (0.6, 0.5), True, True, (0, 0)),
    ("points, only middle acceptable", [(0, 1), (0.5, 0.5), (1, 0)], (0.2, 0.2), False, False,
     (0, 0)),
    ("points, none acceptable", [(0, 1), (0.5, 0.5), (1, 0)], (0.6, 0.2), False, True, (0, 0)),
]


@pytest.mark.parametrize("case,points,d,convex,empty,widths", ZONES, ids=[z[0] for z in ZONES])
def test_zone_of_agreement(case, points, d, convex, empty, widths):
    zone = zone_of_agreement(BargainingProblem.from_points(points, d, convex=convex))
    assert zone.empty is empty
    assert zone.width == pytest.approx(widths)
    if empty:
        assert "empty" in zone.message and "empty" in str(zone)
    else:
        assert (zone.utilities >= np.array(d) - 1e-12).all()


def test_zone_of_agreement_issue_ranges():
    # u1 = p (price), u2 = 1 - p, d = (0.3, 0.2): acceptable prices 0.3 .. 0.8
    problem = BargainingProblem.from_issues({"p": (0, 1)}, ["p", "1 - p"], (0.3, 0.2),
                                            resolution=11)
    zone = zone_of_agreement(problem)
    assert zone.issue_ranges()["p"] == pytest.approx((0.3, 0.8))
    assert zone.surplus == pytest.approx(0.5)


def _three_issue_problem(resolution=21):
    # player 1 gives a, gets b; c is a side payment from 1 to 2
    return BargainingProblem.from_issues({"a": (0, 2), "b": (0, 2), "c": (0, 1)},
                                         ["b - a / 2 - c", "a - b + c"], (0, 0),
                                         resolution=resolution)


def test_concession_curves_known_answer_optimising_over_other_issue():
    first, second = concession_curves(_three_issue_problem(), "a", "b")
    # player 2 accepts b <= a + c; best with c = 1: most b = min(a + 1, 2)
    assert first.most == pytest.approx(np.minimum(first.levels + 1, 2))
    assert (first.outcomes["c"][first.levels < 1 - 1e-9] == 1).all()
    # player 1 accepts a <= 2 (b - c); best with c = 0: most a = min(2 b, 2)
    assert second.most == pytest.approx(np.minimum(2 * second.levels, 2))
    assert (second.outcomes["c"] == 0).all()


def test_concession_curve_is_nan_where_nothing_is_acceptable():
    problem = BargainingProblem.from_issues({"a": (0, 1), "b": (0, 1)}, ["b - a", "a - b - 0.5"],
                                            (0, 0), resolution=11, check_bounds=False)
    curve = concession_curve(problem, "a", "b", player=2)
    # player 2 accepts b <= a - 0.5: nothing for a < 0.5
    assert np.isnan(curve.most[curve.levels < 0.5 - 1e-9]).all()
    assert curve.most[curve.levels >= 0.5 - 1e-9] == pytest.approx(
        curve.levels[curve.levels >= 0.5 - 1e-9] - 0.5)


@PROPERTY
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2]))
def test_concession_curve_equals_brute_force_on_the_grid(seed, player):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(2, 3))
    problem = BargainingProblem.from_issues(
        {"a": [0, 1, 2, 3], "b": (0, 1), "c": [0, 0.5]},
        [lambda a, b, c: w[0, 0] * a + w[0, 1] * b + w[0, 2] * c,
         lambda a, b, c: w[1, 0] * a + w[1, 1] * b + w[1, 2] * c],
        (0, 0), resolution=7, check_bounds=False)
    curve = concession_curve(problem, "a", "b", player)
    gain = problem.points[:, player - 1]
    for level, most in zip(curve.levels, curve.most):
        ok = (problem.outcomes["a"] == level) & (gain >= 0)
        expected = problem.outcomes["b"][ok].max() if ok.any() else np.nan
        assert most == pytest.approx(expected, nan_ok=True)


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=60),
       st.integers(1, 16))
def test_prefilter_keeps_every_frontier_point(pairs, bins):
    from games.bargaining.hull import _prefilter

    points = np.array(pairs, dtype=float)
    kept = {tuple(p) for p in points[_prefilter(points, bins=bins)]}
    assert brute_force_frontier(points) <= kept


def test_epsilon_constraint_refinement_reaches_the_continuous_frontier():
    # two issues: u1 = x + y / 2, u2 = sqrt(1 - x) + (1 - y) ** 2 / 4; the grid's frontier lies
    # below the true one between grid points, the refined one on it
    problem = BargainingProblem.from_issues(
        {"x": (0, 1), "y": (0, 1)}, ["x + y / 2", "sqrt(1 - x) + (1 - y)**2 / 4"], (0, 0),
        resolution=9)
    grid = pareto_frontier(problem)
    fine = pareto_frontier(problem, refine=True)
    reference = pareto_frontier(BargainingProblem.from_issues(
        {"x": (0, 1), "y": (0, 1)}, ["x + y / 2", "sqrt(1 - x) + (1 - y)**2 / 4"], (0, 0),
        resolution=801))
    ref = reference.utilities

    def best_below(u):  # the most for player 2 on the fine grid given player 1 gets u1
        ok = ref[:, 0] >= u[0] - 1e-12
        return ref[ok, 1].max()

    for u in fine.utilities:
        assert u[1] >= best_below(u) - 1e-9
    assert (fine.utilities[:, 1] >= np.interp(fine.utilities[:, 0], grid.utilities[:, 0],
                                              grid.utilities[:, 1]) - 1e-9).all()
    u1, u2 = problem.evaluate(x=fine.outcomes["x"], y=fine.outcomes["y"])
    assert np.allclose(np.c_[u1, u2], fine.utilities)


def test_the_problem_owns_its_frontier_cache():
    """The frontier is a cached method of the problem (no cache key from outside); copies under
    another disagreement point share it, since the frontier does not depend on that point."""
    from games.bargaining import BargainingProblem

    p = BargainingProblem.from_points([(0, 1), (0.4, 0.4), (1, 0), (0.5, 0.6)], (0, 0))
    sky = p.frontier_indices(convex=False)
    assert sorted(sky.tolist()) == [0, 2, 3]  # (0.4, 0.4) is beaten by (0.5, 0.6)
    assert p.frontier_indices(convex=False) is sky
    assert p.with_disagreement((0.1, 0.1)).frontier_indices(convex=False) is sky
    idx, columns = p.frontier_columns()
    assert columns.shape == (2, len(idx)) and columns.flags["C_CONTIGUOUS"]
    assert p.utility_range() == 1.0
    assert not hasattr(p, "memo")
