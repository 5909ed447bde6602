"""The two-level summary's solves cut to what it shows give the same answers as the full ones."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

import deals
from deals.audit.leverage import batch_problem, sample_values, supplier_power
from deals.two_level.beliefs import _benchmark, believed_values, in_proposal_setting
from games.bargaining.batch import nash_benchmark, scan, zone_test
from games.bargaining.winset import scan_from


def test_a_believed_benchmark_is_the_full_nash_benchmark_where_the_grid_misses_draws():
    deal = in_proposal_setting(deals.load("allied-sme-netherlands"))
    seen = believed_values(deal, "partner", sample_values(deal, 1_000, 0), 0)
    problem, power = batch_problem(deal, seen), supplier_power(deal, seen, None)
    grid = scan(problem)
    missed = ~np.any((grid.gains[0] > 0) & (grid.gains[1] > 0), axis=1)
    assert missed.any() and not missed.all()  # both kinds of draw are exercised
    full, cut = nash_benchmark(problem, power), _benchmark(problem, power)
    for k in full.points:
        assert np.array_equal(full.points[k], cut.points[k], equal_nan=True)
    assert np.array_equal(full.agreement, cut.agreement)


def test_zone_tests_from_one_scan_of_the_utilities_are_the_direct_ones():
    deal = in_proposal_setting(deals.load("india-energy-trade"))
    problem = batch_problem(deal, sample_values(deal, 300, 1))
    rng = np.random.default_rng(0)
    shift = tuple(d + rng.uniform(0, 50, problem.draws) for d in problem.disagreement)
    utilities = scan(replace(problem, disagreement=(np.zeros(problem.draws),) * 2))
    for d in (problem.disagreement, shift):
        direct = scan(replace(problem, disagreement=d))
        shared = scan_from(utilities, d)
        assert all(np.array_equal(a, b) for a, b in zip(direct.gains, shared.gains))
        assert all(np.array_equal(a, b) for a, b in zip(direct.units, shared.units))
        shifted = replace(problem, disagreement=d)
        assert np.array_equal(zone_test(shifted, grid=direct, enough=0.0).margin,
                              zone_test(shifted, grid=shared, enough=0.0).margin)
