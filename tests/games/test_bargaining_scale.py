"""Bargaining solutions do not depend on the unit of utility: tolerances are relative.

Nash, Kalai-Smorodinsky, egalitarian and utilitarian solutions are covariant under a common
positive affine change of both utilities (u -> s u + c): the solution of the rescaled problem
is the rescaled solution. The unscaled problem is the reference; scales of 1e-13 and 1e13 used
to turn agreements into "no agreement" because the gain tolerance was absolute.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from games.bargaining import (BargainingProblem, egalitarian, kalai_smorodinsky, nash_solution,
                              utilitarian, zone_of_agreement)

SOLUTIONS = [nash_solution, kalai_smorodinsky, egalitarian, utilitarian]
SCALES = [1e-13, 1e-7, 1e9, 1e13]


def _scaled(points, d, s, c, convex):
    return BargainingProblem.from_points(np.asarray(points) * s + c, np.asarray(d) * s + c,
                                         convex=convex, check_bounds=False)


@pytest.mark.parametrize("solve", SOLUTIONS)
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("convex", [False, True])
def test_issue_example_tiny_gains_still_agree(solve, scale, convex):
    points, d = [(0, 4), (4, 0), (1.5, 1.5)], (0, 0)
    reference = solve(BargainingProblem.from_points(points, d, convex=convex))
    found = solve(_scaled(points, d, scale, 0.0, convex))
    assert reference.agreement and found.agreement
    np.testing.assert_allclose(found.utilities, np.array(reference.utilities) * scale,
                               rtol=1e-9, atol=0)


@pytest.mark.parametrize("scale", [1e-13, 1e13])
def test_zone_of_agreement_does_not_admit_points_below_disagreement(scale):
    # one point just outside the zone by a third of the utility range
    points = np.array([(0.0, 3.0), (1.0, 1.0), (3.0, -1.0)]) * scale
    zone = zone_of_agreement(BargainingProblem.from_points(points, (0.0, 0.0),
                                                           check_bounds=False))
    assert len(zone.utilities) == 2


@pytest.mark.parametrize("solve", SOLUTIONS)
def test_an_absurd_outcome_below_disagreement_changes_nothing(solve):
    # (10, -1e300) is unacceptable to player 2; a tolerance taken from the whole utility range
    # (1e300) would have swamped every real gain and reported "no agreement"
    points = [(0, 4), (4, 0), (1.5, 1.5)]
    reference = solve(BargainingProblem.from_points(points, (0, 0)))
    found = solve(BargainingProblem.from_points(points + [(10, -1e300)], (0, 0)))
    assert found.agreement and found.utilities == pytest.approx(reference.utilities)


@pytest.mark.parametrize("scale", [1e-13, 1.0, 1e13])
def test_issues_problem_tiny_scale_refined(scale):
    # split a pie of size `scale`: Nash and KS give half each, egalitarian too
    p = BargainingProblem.from_issues({"x": (0, 1)}, [f"{scale!r} * x", f"{scale!r} * (1 - x)"],
                                      disagreement=(0, 0), resolution=7)
    for solve in (nash_solution, kalai_smorodinsky, egalitarian):
        found = solve(p)
        assert found.agreement
        np.testing.assert_allclose(found.utilities, (scale / 2, scale / 2), rtol=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10)), min_size=2, max_size=6),
       st.sampled_from(SCALES), st.floats(-5, 5), st.booleans())
def test_solutions_are_covariant_with_a_common_rescaling(points, scale, shift, convex):
    d = (0.5, 0.5)
    reference_problem = BargainingProblem.from_points(points, d, convex=convex,
                                                      check_bounds=False)
    problem = _scaled(points, d, scale, shift * scale, convex)
    for solve in SOLUTIONS:
        ref, found = solve(reference_problem), solve(problem)
        assert ref.agreement == found.agreement, solve.__name__
        if ref.agreement:
            np.testing.assert_allclose(np.array(found.utilities),
                                       np.array(ref.utilities) * scale + shift * scale,
                                       rtol=1e-7, atol=1e-9 * scale)
