"""Bargaining solutions: textbook answers, the axioms as properties, cross-checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, assume, given, settings
from hypothesis import strategies as st

from games import (
    BargainingProblem,
    egalitarian,
    ideal_point,
    kalai_smorodinsky,
    nash_solution,
    utilitarian,
)

SOLVERS = {"nash": nash_solution, "ks": kalai_smorodinsky, "egalitarian": egalitarian,
           "utilitarian": utilitarian}
PROPERTY = settings(max_examples=40, deadline=None)


# ---------------------------------------------------------------------- known answers
def _line(a: float, b: float, c: float) -> list[tuple[float, float]]:
    """End points of the linear frontier a u1 + b u2 = c in the positive quadrant."""
    return [(0.0, c / b), (c / a, 0.0), (0.0, 0.0)]


KNOWN = [
    # (case, points, disagreement, convex, solver, kwargs, expected utilities)
    ("split the dollar, Nash", _line(1, 1, 1), (0, 0), True, "nash", {}, (0.5, 0.5)),
    ("split the dollar, KS", _line(1, 1, 1), (0, 0), True, "ks", {}, (0.5, 0.5)),
    ("split the dollar, egalitarian", _line(1, 1, 1), (0, 0), True, "egalitarian", {}, (0.5, 0.5)),
    # linear frontier u1 + u2 = 1, d = (0.2, 0.1): surplus 0.7, gains split by power
    ("linear, asymmetric d, Nash", _line(1, 1, 1), (0.2, 0.1), True, "nash", {},
     (0.55, 0.45)),
    ("linear, asymmetric d, power 0.3", _line(1, 1, 1), (0.2, 0.1), True, "nash",
     {"power": 0.3}, (0.2 + 0.3 * 0.7, 0.1 + 0.7 * 0.7)),
    # 2 u1 + u2 = 4, d = (0.5, 1): Nash gains g1 = p (4 - 1 - 1) / 2, g2 = (1 - p) 2
    ("linear 2u1+u2=4, d=(0.5,1), Nash", _line(2, 1, 4), (0.5, 1), True, "nash", {},
     (1.0, 2.0)),
    # KS on the triangle (0,0), (2,0), (0,1): ideal (2, 1), ray hits u1/2 + u2 = 1 at (1, .5)
    ("triangle, KS", _line(0.5, 1, 1), (0, 0), True, "ks", {}, (1.0, 0.5)),
    # Kalai & Smorodinsky (1975): S = conv{0, (0,1), (.75,.75), (1,0)}
    ("KS 1975 S, Nash", [(0, 0), (0, 1), (0.75, 0.75), (1, 0)], (0, 0), True, "nash", {},
     (0.75, 0.75)),
    ("KS 1975 S, KS", [(0, 0), (0, 1), (0.75, 0.75), (1, 0)], (0, 0), True, "ks", {},
     (0.75, 0.75)),
    # T = conv{0, (0,1), (1,.7), (1,0)} contains S with the same ideal point: KS gives player 2
    # more (1/1.3 each), Nash gives player 2 less (1, .7): Nash is not monotone, KS is.
    ("KS 1975 T, Nash", [(0, 0), (0, 1), (1, 0.7), (1, 0)], (0, 0), True, "nash", {},
     (1.0, 0.7)),
    ("KS 1975 T, KS", [(0, 0), (0, 1), (1, 0.7), (1, 0)], (0, 0), True, "ks", {},
     (1 / 1.3, 1 / 1.3)),
    ("egalitarian, d=(1,0)", _line(1, 1, 3), (1, 0), True, "egalitarian", {}, (2.0, 1.0)),
    ("utilitarian picks the largest sum", [(0, 3), (2, 2.5), (3, 0)], (0, 0), False,
     "utilitarian", {}, (2.0, 2.5)),
    # the vertex (1e-13, 1) gains less than the rounding tolerance over d = (0, 0), yet the
    # segment to (2, 0) beats d: on u2 = 1 - u1 / 2, u1 (1 - u1 / 2) peaks at u1 = 1
    ("vertex gain below tolerance, segment beats d", [(1e-13, 1), (2, 0)], (0, 0), True,
     "nash", {}, (1.0, 0.5)),
    # lotteries on (4, 8)-(10, 0) with d = (5, 1): u1 + u2 falls as u1 rises (slope -4/3), so
    # the best sum both accept is where u1 = 5: u2 = 8 - 4/3 = 20/3
    ("utilitarian, d cuts the segment", [(0, 10), (4, 8), (10, 0)], (5, 1), True,
     "utilitarian", {}, (5.0, 20 / 3)),
    # every lottery of (0, 10) and (10, 0) sums to 10; no vertex is acceptable at d = (1, 1);
    # the tie goes to equal gains
    ("utilitarian, level segment", [(0, 10), (10, 0)], (1, 1), True, "utilitarian", {},
     (5.0, 5.0)),
    # products 0, 0.3 * 0.65 = 0.195, 0.6 * 0.3 = 0.18, 0: no lottery, so the point (0.3, 0.65)
    ("Nash without lotteries picks a point", [(0, 1), (0.3, 0.65), (0.6, 0.3), (1, 0)], (0, 0),
     False, "nash", {}, (0.3, 0.65)),
]


@pytest.mark.parametrize("case,points,d,convex,solver,kwargs,expected", KNOWN,
                         ids=[k[0] for k in KNOWN])
def test_known_answers(case, points, d, convex, solver, kwargs, expected):
    problem = BargainingProblem.from_points(points, d, convex=convex)
    result = SOLVERS[solver](problem, **kwargs)
    assert result.agreement
    assert result.utilities == pytest.approx(expected, abs=1e-12)
    assert result.gains == pytest.approx(np.subtract(expected, d), abs=1e-12)


def test_battle_of_the_sexes_lottery_at_maximin():
    a = [[2, 0], [0, 1]]
    b = [[1, 0], [0, 2]]
    problem = BargainingProblem.from_bimatrix((a, b))
    assert problem.disagreement == pytest.approx((2 / 3, 2 / 3), abs=1e-9)
    s = nash_solution(problem)
    assert s.utilities == pytest.approx((1.5, 1.5), abs=1e-12)
    assert dict(s.lottery) == pytest.approx({("row 0", "column 0"): 0.5,
                                             ("row 1", "column 1"): 0.5})


def test_prisoners_dilemma_nash_is_mutual_cooperation():
    problem = BargainingProblem.from_bimatrix(([[3, 0], [5, 1]], [[3, 5], [0, 1]]))
    s = nash_solution(problem)
    assert s.utilities == pytest.approx((3, 3)) and s.outcome == {"outcome": ("row 0", "column 0")}


# ---------------------------------------------------------------------- continuous issues
CONTINUOUS = [
    # u1 = x, u2 = sqrt(1 - x): Nash maximises x sqrt(1 - x) at x = 2/3
    ("nash", {}, 2 / 3),
    # power 0.75: maximise .75 log x + .25 log sqrt(1-x): x = 6/7
    ("nash", {"power": 0.75}, 6 / 7),
    # KS and egalitarian: x = sqrt(1 - x), the golden ratio conjugate
    ("ks", {}, (np.sqrt(5) - 1) / 2),
    ("egalitarian", {}, (np.sqrt(5) - 1) / 2),
    # utilitarian: 1 = 1 / (2 sqrt(1 - x)) at x = 3/4
    ("utilitarian", {}, 0.75),
]


@pytest.mark.parametrize("solver,kwargs,x", CONTINUOUS)
def test_continuous_refinement_reaches_closed_form(solver, kwargs, x):
    problem = BargainingProblem.from_issues({"x": (0, 1)}, ["x", "sqrt(1 - x)"], (0, 0),
                                            resolution=11)
    result = SOLVERS[solver](problem, **kwargs)
    assert result.outcome["x"] == pytest.approx(x, abs=1e-6)
    assert "refined" in result.method


def test_grid_only_answer_is_a_grid_point_and_refinement_never_worse():
    problem = BargainingProblem.from_issues({"x": (0, 1)}, ["x", "sqrt(1 - x)"], (0, 0),
                                            resolution=11)
    grid = nash_solution(problem, refine=False)
    fine = nash_solution(problem)
    assert grid.outcome["x"] == pytest.approx(0.7)  # the grid point nearest 2/3 in product
    assert np.prod(fine.gains) ** 0.5 >= np.prod(grid.gains) ** 0.5


def test_mixed_discrete_and_continuous_issues_with_parameters():
    # u1 = a x + 0.3 n, u2 = 1 - x - 0.1 n: n = 1 adds more to 1 than it costs 2, so n = 1,
    # then split u1 + u2 = ... linear in x: Nash equalises gains
    problem = BargainingProblem.from_issues(
        {"x": (0, 1), "n": [0, 1]}, ["a * x + 0.3 * n", lambda x, n: 1 - x - 0.1 * n], (0, 0),
        parameters={"a": 1.0}, resolution=21)
    s = nash_solution(problem)
    assert s.outcome["n"] == 1.0
    # gains x + 0.3 and 0.9 - x equal at x = 0.3
    assert s.outcome["x"] == pytest.approx(0.3, abs=1e-7)
    assert s.utilities == pytest.approx((0.6, 0.6), abs=1e-7)


def test_two_issue_nash_matches_a_fine_grid():
    def u1(a, b):
        return a + 0.5 * b

    def u2(a, b):
        return 1 - a + b**2 - b

    coarse = BargainingProblem.from_issues({"a": (0, 1), "b": (0, 1)}, [u1, u2], (0.1, 0.1),
                                           resolution=21)
    fine = BargainingProblem.from_issues({"a": (0, 1), "b": (0, 1)}, [u1, u2], (0.1, 0.1),
                                         resolution=801)
    ours = nash_solution(coarse, power=0.4)
    reference = nash_solution(fine, power=0.4, refine=False)
    g, r = np.array(ours.gains), np.array(reference.gains)
    assert 0.4 * np.log(g[0]) + 0.6 * np.log(g[1]) >= 0.4 * np.log(r[0]) + 0.6 * np.log(r[1]) - 1e-12


# ---------------------------------------------------------------------- no agreement
def test_no_agreement_is_said_plainly():
    problem = BargainingProblem.from_points(_line(1, 1, 1), (0.6, 0.6), convex=True)
    for solver in SOLVERS.values():
        s = solver(problem)
        assert not s.agreement
        assert s.utilities == (0.6, 0.6) and s.gains == (0.0, 0.0)
        assert "no agreement" in s.message and "no agreement" in str(s)


def test_lotteries_can_beat_disagreement_when_no_vertex_does():
    problem = BargainingProblem.from_points([(0, 1), (1, 0)], (0.3, 0.3), convex=True)
    assert nash_solution(problem).utilities == pytest.approx((0.5, 0.5))
    assert not nash_solution(BargainingProblem.from_points([(0, 1), (1, 0)], (0.3, 0.3))).agreement


def test_re_solving_under_new_disagreement_reuses_and_agrees_with_fresh_problem():
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 1, size=(400, 2))
    base = BargainingProblem.from_points(pts, (0, 0))
    for d in rng.uniform(0, 0.4, size=(20, 2)):
        again = nash_solution(base.with_disagreement(d), power=0.3)
        fresh = nash_solution(BargainingProblem.from_points(pts, d), power=0.3)
        assert again.utilities == fresh.utilities
    assert base.with_disagreement((0.1, 0.1))._cache is base._cache


# ---------------------------------------------------------------------- axioms (properties)
def point_sets(min_size=2, max_size=30):
    return st.lists(st.tuples(st.floats(0, 10, allow_nan=False), st.floats(0, 10, allow_nan=False)),
                    min_size=min_size, max_size=max_size).map(np.array)


@PROPERTY
@given(point_sets(), st.booleans(), st.sampled_from(sorted(SOLVERS)),
       st.sampled_from([(0.0, 0.0), (1.0, 2.5), (4.0, 3.0), (6.0, 0.5)]))
@example(np.array([(0.0, 5e-324), (1.0, 0.0)]), True, "egalitarian", (0.0, 0.0))
def test_pareto_optimality(points, convex, solver, d):
    problem = BargainingProblem.from_points(points, d, convex=convex, check_bounds=False)
    s = SOLVERS[solver](problem)
    d = np.array(d)
    if not s.agreement:  # then nothing feasible gives both players more than disagreement
        assert not (points > d + 1e-9).all(axis=1).any()
        assert not (convex and _lottery_dominates(points, d + 1e-9))
        return
    u = np.array(s.utilities)
    assert (u >= d - 1e-9).all()  # individually rational
    # Each player's rounding is relative to its own utilities, as in the solvers: a player
    # whose utilities are all below 1e-300 still has preferences (found: points (0, 5e-324)
    # and (1, 0), whose egalitarian point (5e-324, 5e-324) no other point dominates).
    scale = np.maximum(np.abs(points).max(axis=0), np.abs(d))
    scale = np.where(scale > 0, scale, 1.0)
    strictly_better = (points >= u - 1e-12 * scale).all(axis=1) & \
        (points > u + 1e-9 * scale).any(axis=1)
    assert not strictly_better.any()
    if convex:
        assert not _lottery_dominates(points, u, scale)


def _lottery_dominates(points: np.ndarray, u: np.ndarray, scale: np.ndarray = np.ones(2)) -> bool:
    """Brute force: does a lottery of two points give both >= u and one of them more?

    In the plane the efficient lotteries mix two points, so every pair (p, q) is checked: the
    t in [0, 1] with p + t (q - p) >= u form an interval, and the sum of utilities (each in
    units of the player's ``scale``), linear in t, is largest at one of its ends.
    """
    points, u = points / scale, u / scale
    p = np.repeat(points[:, None, :], len(points), axis=1)
    b = points[None, :, :] - p
    a = p - u + 1e-12  # need a + t b >= 0 in both coordinates
    lo, hi = np.zeros(b.shape[:2]), np.ones(b.shape[:2])
    ok = np.ones(b.shape[:2], dtype=bool)
    with np.errstate(all="ignore"):
        for k in range(2):
            edge = -a[..., k] / b[..., k]
            lo = np.where(b[..., k] > 0, np.maximum(lo, edge), lo)
            hi = np.where(b[..., k] < 0, np.minimum(hi, edge), hi)
            ok &= (b[..., k] != 0) | (a[..., k] >= 0)
    ok &= lo <= hi
    gain = lambda t: (p.sum(axis=2) + t * b.sum(axis=2)) - u.sum()  # noqa: E731
    return bool((ok & (np.maximum(gain(lo), gain(hi)) > 1e-9)).any())


@PROPERTY
@given(point_sets(1, 15), st.floats(0, 3), st.sampled_from(sorted(SOLVERS)))
def test_symmetry(points, c, solver):
    symmetric = np.vstack([points, points[:, ::-1]])
    assume(symmetric.max() > c + 1e-3)
    problem = BargainingProblem.from_points(symmetric, (c, c), convex=True)
    s = SOLVERS[solver](problem)
    if s.agreement:
        assert s.utilities[0] == pytest.approx(s.utilities[1], abs=1e-9)


@PROPERTY
@given(point_sets(2, 20), st.booleans(), st.sampled_from(["nash", "ks"]),
       st.floats(0.1, 10), st.floats(-5, 5), st.floats(0.1, 10), st.floats(-5, 5),
       st.floats(0.05, 0.95))
def test_invariance_to_affine_rescaling(points, convex, solver, a1, b1, a2, b2, power):
    kwargs = {"power": power} if solver == "nash" else {}
    d = np.array([1.0, 1.0])
    s = SOLVERS[solver](BargainingProblem.from_points(points, d, convex=convex,
                                                      check_bounds=False), **kwargs)
    scale, shift = np.array([a1, a2]), np.array([b1, b2])
    t = SOLVERS[solver](BargainingProblem.from_points(points * scale + shift, d * scale + shift,
                                                      convex=convex, check_bounds=False), **kwargs)
    assert s.agreement == t.agreement
    if s.agreement:
        assert np.array(t.utilities) == pytest.approx(np.array(s.utilities) * scale + shift,
                                                      rel=1e-7, abs=1e-7)


@PROPERTY
@given(point_sets(3, 30), st.booleans(), st.floats(0.05, 0.95), st.randoms(use_true_random=False))
def test_nash_independence_of_irrelevant_alternatives(points, convex, power, rnd):
    problem = BargainingProblem.from_points(points, (0.5, 0.5), convex=convex, check_bounds=False)
    s = nash_solution(problem, power=power)
    assume(s.agreement)
    keep = [rnd.random() < 0.5 for _ in range(len(points))]
    # the solution must stay feasible in the smaller set: keep the points that make it
    for k, p in enumerate(points):
        if s.outcome is not None and s.outcome["outcome"] == k:
            keep[k] = True
        if s.lottery is not None and k in [o for o, _ in s.lottery]:
            keep[k] = True
    smaller = BargainingProblem.from_points(points[np.array(keep)], (0.5, 0.5), convex=convex,
                                            check_bounds=False)
    t = nash_solution(smaller, power=power)
    assert t.utilities == pytest.approx(s.utilities, abs=1e-9)


@PROPERTY
@given(point_sets(2, 15), point_sets(1, 10))
def test_kalai_smorodinsky_individual_monotonicity(points, extra):
    small = BargainingProblem.from_points(points, (0, 0), convex=True)
    ideal_2 = ideal_point(small)[1]
    extra = extra.copy()
    extra[:, 1] = np.minimum(extra[:, 1], ideal_2)  # player 2's ideal stays the same
    large = BargainingProblem.from_points(np.vstack([points, extra]), (0, 0), convex=True)
    assert ideal_point(large)[1] == pytest.approx(ideal_2)
    s, t = kalai_smorodinsky(small), kalai_smorodinsky(large)
    if s.agreement:
        assert t.utilities[0] >= s.utilities[0] - 1e-9


@PROPERTY
@given(point_sets(2, 12), st.floats(0.05, 0.95), st.sampled_from(sorted(SOLVERS)),
       st.sampled_from([(1.0, 1.0), (4.0, 3.0), (6.0, 0.5)]))
def test_closed_form_on_hull_matches_dense_lotteries(points, power, solver, d):
    """Cross-check: segment closed forms against the same hull sampled densely without lotteries.

    Larger disagreement points make the hull cross a player's disagreement payoff between two
    vertices, where the best agreement is often a lottery neither vertex allows.
    """
    kwargs = {"power": power} if solver == "nash" else {}
    hull = BargainingProblem.from_points(points, d, convex=True, check_bounds=False)
    s = SOLVERS[solver](hull, **kwargs)
    from games import pareto_frontier

    vertices = pareto_frontier(hull).utilities
    t = np.linspace(0, 1, 2001)[:, None]
    dense = np.vstack([vertices] + [v + t * (w - v) for v, w in zip(vertices[:-1], vertices[1:])])
    r = SOLVERS[solver](BargainingProblem.from_points(dense, d, check_bounds=False), **kwargs)
    assert s.agreement == r.agreement
    if s.agreement:
        assert s.utilities == pytest.approx(r.utilities, abs=2e-3 * max(1.0, np.ptp(points)))
        if solver == "nash":
            g, h = np.array(s.gains), np.array(r.gains)
            assert power * np.log(g[0]) + (1 - power) * np.log(g[1]) >= \
                power * np.log(h[0]) + (1 - power) * np.log(h[1]) - 1e-12


def test_engine_objects_plug_in_normal_form_game_parameter_set_expression():
    from games import NormalFormGame
    from games.expressions import parse_expression
    from games.parameters import Parameter, ParameterSet

    game = NormalFormGame.from_arrays([[2, 0], [0, 1]], [[1, 0], [0, 2]], players=["Ann", "Bob"],
                                      strategies=[["Opera", "Fight"], ["Opera", "Fight"]])
    s = nash_solution(BargainingProblem.from_bimatrix(game))
    assert s.players == ("Ann", "Bob")
    assert dict(s.lottery) == pytest.approx({("Opera", "Opera"): 0.5, ("Fight", "Fight"): 0.5})
    # a ParameterSet supplies point values; an Expression object is used as parsed
    params = ParameterSet([Parameter("a", 2.0, range=(1, 3))])
    problem = BargainingProblem.from_issues(
        {"x": (0, 1)}, [parse_expression("a * x", names=["a", "x"]), "1 - x"], (0, 0),
        parameters=params, resolution=11)
    # maximise 2x (1 - x): x = 1/2 whatever a is (scale invariance), utilities (1, 0.5)
    t = nash_solution(problem)
    assert t.outcome["x"] == pytest.approx(0.5, abs=1e-7)
    assert t.utilities == pytest.approx((1.0, 0.5), abs=1e-7)
