"""The two-level summary's solves cut to what it shows give the same answers as the full ones."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import deals
from deals.audit.leverage import batch_problem, sample_values, supplier_power
from deals.deal.terms import SIDES
from deals.two_level.beliefs import (_benchmark, _scan_of_utilities, believed_values,
                                     expected_gains, in_proposal_setting,
                                     mutual_optimism_of)
from games.bargaining.batch import GridScan, nash_benchmark, scan, zone_test
from games.bargaining.winset import mutual_optimism, scan_from


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


@pytest.mark.parametrize("name, tables", [("india-energy-trade", 6),
                                          ("allied-sme-netherlands", 7)])
def test_gain_tables_made_once_per_summary_give_the_same_breakdown(name, tables):
    """India's beliefs leave each side's utility and every disagreement payoff as they are for
    the other side: its benchmark and the zone test share that side's true gains (six tables
    of eight); the Netherlands' supplier belief moves its disagreement payoff (seven)."""
    deal = in_proposal_setting(deals.load(name))
    values = sample_values(deal, 300, 3)
    truth = batch_problem(deal, values)
    utilities = _scan_of_utilities(deal, truth, SIDES)
    made: dict = {}
    shared = expected_gains(deal, values, 3, None, utilities, truth, made)
    alone = expected_gains(deal, values, 3, None, utilities, truth)
    assert all(np.array_equal(a, b) for a, b in zip(shared[0], alone[0]))
    got = mutual_optimism(truth, shared[0], packages=shared[1], enough=0.0,
                          utilities=utilities, made=made)
    want = mutual_optimism(truth, alone[0], packages=alone[1], enough=0.0, utilities=utilities)
    assert sum(key[0] != "range" for key in made) == tables
    assert np.array_equal(got.margin, want.margin, equal_nan=True)
    assert np.array_equal(got.zone_empty, want.zone_empty)


def test_a_gain_table_is_reused_only_for_the_same_utilities_and_equal_payoffs():
    g = np.random.default_rng(4).normal(size=(5, 7))
    ones = np.ones(5)
    utilities = GridScan({"s": np.linspace(0, 1, 7)}, (g, g.copy()), (ones, ones), 7)
    d = np.arange(5.0)
    made: dict = {}
    first = scan_from(utilities, (d, d), made)
    again = scan_from(utilities, (d.copy(), d + 1e-12), made)
    assert again.gains[0] is first.gains[0]              # equal payoffs, the same table
    assert again.gains[1] is not first.gains[1]          # other payoffs: made anew
    assert first.gains[1] is not first.gains[0]          # another utility array: its own
    plain = scan_from(utilities, (d.copy(), d + 1e-12))
    assert all(np.array_equal(a, b) for a, b in zip(plain.gains + plain.units,
                                                    again.gains + again.units))


@pytest.mark.parametrize("sides", [SIDES, ("partner",)])
def test_a_utility_scan_keeping_its_ranges_is_the_plain_scan(sides):
    deal = in_proposal_setting(deals.load("india-energy-trade"))
    problem = batch_problem(deal, sample_values(deal, 200, 5))
    made: dict = {}
    kept, plain = _scan_of_utilities(deal, problem, sides, made), _scan_of_utilities(
        deal, problem, sides)
    assert all(np.array_equal(a, b) for a, b in zip(kept.gains + kept.units,
                                                    plain.gains + plain.units))
    assert kept.grid_points == plain.grid_points
    assert all(np.array_equal(kept.grid[k], plain.grid[k]) for k in plain.grid)
    assert sum(key[0] == "range" for key in made) == len(sides)   # a side not scanned: none


def test_a_range_from_the_utilitys_range_is_the_range_of_the_gains():
    """Rounding u - d is monotone in u, so each row's least and greatest gain are its least
    and greatest utility minus d: the units agree with np.ptp of the gains to the bit, also
    where the subtraction rounds (large payoffs), a row is flat or holds signed zeros."""
    rng = np.random.default_rng(6)
    u = rng.normal(size=(300, 40)) * 10.0 ** rng.integers(-3, 9, size=(300, 1))
    u[:5] = 1.5
    u[5:10, ::2], u[5:10, 1::2] = 0.0, -0.0
    d = rng.normal(size=300) * 10.0 ** rng.integers(-3, 17, size=300)
    d[5:10] = (0.0, -0.0, 0.0, -0.0, 0.0)
    ones = np.ones(300)
    scanned = scan_from(GridScan({"s": np.arange(40.0)}, (u, -u), (ones, ones), 40), (d, -d))
    for g, unit in zip((u - d[:, None], -u + d[:, None]), scanned.units):
        assert np.array_equal(unit, np.maximum(np.ptp(g, axis=1), 1e-12))
    assert (scanned.units[0] > 1e-12).any() and (scanned.units[0] == 1e-12).any()


@pytest.mark.parametrize("resolve", [None, 0.3])
def test_the_doubt_payoffs_worked_out_once_solve_as_each_levels_own(resolve):
    from deals.two_level.doubt import (doubt_tree, doubt_values,  # test-only: the direct path
                                       threat_under_doubt)
    from games.trees.bayesian import screening_offer_batch  # test-only: the direct path

    deal = in_proposal_setting(deals.load("allied-sme-netherlands"))
    found = threat_under_doubt(deal, 400, 4, resolve=resolve)
    values = sample_values(deal, 400, 4)
    for level, answer in ((found.resolve, found.answer), (1.0, found.answer_if_certain),
                          (0.0, found.answer_if_ignored)):
        direct = screening_offer_batch(doubt_tree(deal), **doubt_values(deal, values, level))
        assert np.array_equal(direct.best, answer)


def test_the_summary_gives_its_draws_to_the_belief_analyses_as_they_would_draw_them():
    from deals.two_level.doubt import threat_under_doubt  # test-only: the direct path
    from deals.two_level.ratification import two_level  # test-only: the summary

    deal = deals.load("allied-sme-netherlands")
    summary = two_level(deal, 300, 6)
    alone = mutual_optimism_of(deal, 300, 6)
    assert summary.breakdown == alone.probability and 0 < alone.probability < 1
    threat = threat_under_doubt(deal, 300, 6)
    for name in ("answer", "answer_if_certain", "answer_if_ignored", "resolve", "carried_out"):
        assert np.array_equal(getattr(summary.threat, name), getattr(threat, name))
    assert summary.threat.settings == threat.settings
