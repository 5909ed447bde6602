"""The two-level summary's solves cut to what it shows give the same answers as the full ones."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import deals
from deals.audit.leverage import batch_problem, sample_values, supplier_power
from deals.deal.terms import SIDES
from deals.two_level.beliefs import (_benchmark, believed_values, expected_gains,
                                     in_proposal_setting)
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


@pytest.mark.parametrize("name", ["india-energy-trade", "allied-sme-netherlands"])
def test_expected_gains_from_shared_scans_are_those_of_each_sides_own_benchmark(name):
    """A side's belief moves only the utilities that use what it is about (India: one side
    each); the benchmarks from the shared scans are the plain ones, to the bit."""
    deal = in_proposal_setting(deals.load(name))
    values = sample_values(deal, 400, 2)
    (e_1, e_2), packages = expected_gains(deal, values, 2)
    truth = batch_problem(deal, values)
    for k, side in enumerate(SIDES):
        seen = believed_values(deal, side, values, 2)
        nash = nash_benchmark(batch_problem(deal, seen), supplier_power(deal, seen, None))
        package = {n: np.nan_to_num(v) for n, v in nash.points.items()}
        gain = truth.gains({n: v[:, None] for n, v in package.items()})[k][:, 0]
        assert np.array_equal(np.where(nash.agreement, gain, 0.0), (e_1, e_2)[k])
        assert all(np.array_equal(package[n], packages[k][n]) for n in package)
