"""Rubinstein alternating offers and ultimatum offers: closed forms, limits, cross-checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from games import (
    BargainingProblem,
    discount_factor,
    nash_power,
    nash_solution,
    rubinstein_solution,
    rubinstein_split,
    ultimatum_offer,
)

PROPERTY = settings(max_examples=60, deadline=None)
deltas = st.floats(0.01, 0.99)


def backward_induction(d1, d2, w1=0.0, w2=0.0, first=0, periods=4000):
    """Proposer's share in a long finite horizon, solved from the last period back.

    In the last period the proposer keeps all but the responder's outside option; earlier,
    the responder gets the larger of its option and the discounted value of proposing next.
    As the horizon grows this converges to the infinite-horizon equilibrium (Stahl 1972).
    """
    delta, w = (d1, d2), (w1, w2)
    proposer = (first + periods - 1) % 2
    share = 1.0 - max(w[1 - proposer], 0.0)
    for _ in range(periods - 1):
        proposer = 1 - proposer
        # responder is the previous proposer, whose next-period share was `share`
        share = 1.0 - max(w[1 - proposer], delta[1 - proposer] * share)
    assert proposer == first
    return share


@PROPERTY
@given(deltas, deltas, st.sampled_from([1, 2]))
def test_shares_match_closed_form_and_backward_induction(d1, d2, first):
    s = rubinstein_split(d1, d2, first=first)
    dp, dr = (d1, d2) if first == 1 else (d2, d1)
    assert s.shares[0] == pytest.approx((1 - dr) / (1 - dp * dr), rel=1e-12)
    assert sum(s.shares) == pytest.approx(1.0)
    assert s.shares[0] == pytest.approx(backward_induction(d1, d2, first=first - 1), abs=1e-9)
    assert s.by_player[f"player {first}"] == s.shares[0]


@PROPERTY
@given(deltas, deltas, st.floats(0, 1), st.floats(0, 1), st.sampled_from([1, 2]))
def test_outside_options_match_backward_induction(d1, d2, w1, w2, first):
    assume(w1 + w2 < 1)
    s = rubinstein_split(d1, d2, outside_options=(w1, w2), first=first)
    assert s.agreement
    assert s.shares[0] == pytest.approx(backward_induction(d1, d2, w1, w2, first - 1), abs=1e-9)


@PROPERTY
@given(deltas, deltas, st.floats(0, 1))
def test_outside_option_principle(d1, d2, w2):
    """Responder's share is the larger of its option and its share without the option."""
    without = rubinstein_split(d1, d2).shares[1]
    s = rubinstein_split(d1, d2, outside_options=(0, w2))
    assert s.shares[1] == pytest.approx(max(w2, without), abs=1e-12)
    assert s.binding[1] == (w2 > without + 1e-9) or abs(w2 - without) < 1e-9


def test_options_beyond_the_surplus_mean_no_agreement():
    s = rubinstein_split(0.9, 0.9, outside_options=(0.6, 0.5))
    assert not s.agreement and "no agreement" in s.message


def test_textbook_numbers():
    # delta = 0.9 each: first proposer gets 1 / 1.9
    assert rubinstein_split(0.9, 0.9).shares[0] == pytest.approx(1 / 1.9)
    # surplus scales the split; named players and second proposer
    s = rubinstein_split(0.8, 0.5, first="B", players=("A", "B"), surplus=10)
    assert s.first == "B" and s.shares == pytest.approx((10 * 0.2 / 0.6, 10 * 0.4 / 0.6))
    assert discount_factor(0.1, 2) == pytest.approx(0.81)
    assert nash_power(0.9, 0.81) == pytest.approx(2 / 3)


def test_general_frontier_on_a_line_equals_the_split():
    problem = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0), convex=True)
    for first in (1, 2):
        agreement = rubinstein_solution(problem, 0.7, 0.8, first=first)
        split = rubinstein_split(0.7, 0.8, first=first)
        assert agreement.utilities == pytest.approx(tuple(split.by_player.values()), abs=1e-12)


def test_general_frontier_proposals_satisfy_indifference():
    t = np.linspace(0, 1, 501)
    problem = BargainingProblem.from_points(np.c_[2 * t, 1 - t**3], (0.2, 0.1), convex=True)
    a = rubinstein_solution(problem, 0.8, 0.6)
    x, y = a.proposals["player 1"], a.proposals["player 2"]
    d = problem.disagreement
    assert x[1] - d[1] == pytest.approx(0.6 * (y[1] - d[1]), abs=1e-10)
    assert y[0] - d[0] == pytest.approx(0.8 * (x[0] - d[0]), abs=1e-10)
    assert a.utilities == pytest.approx(x)


@pytest.mark.parametrize("r1,r2", [(1.0, 1.0), (1.0, 3.0), (2.0, 0.5)])
def test_converges_to_asymmetric_nash_as_offers_speed_up(r1, r2):
    """delta_i = exp(-r_i dt): as dt -> 0 the agreement tends to Nash with power r2/(r1+r2)."""
    t = np.linspace(0, 1, 4001)
    problem = BargainingProblem.from_points(np.c_[t, 1 - t**2], (0.1, 0.0), convex=True)
    power = r2 / (r1 + r2)
    target = np.array(nash_solution(problem, power=power).utilities)
    gaps = []
    for dt in (1e-1, 1e-2, 1e-3, 1e-4):
        d1, d2 = np.exp(-r1 * dt), np.exp(-r2 * dt)
        assert nash_power(d1, d2) == pytest.approx(power)
        gaps.append(np.abs(np.array(rubinstein_solution(problem, d1, d2).utilities) - target).max())
    assert gaps[-1] < 1e-3
    assert all(later <= earlier + 1e-12 for earlier, later in zip(gaps, gaps[1:]))


def test_continuous_issues_converge_to_nash():
    problem = BargainingProblem.from_issues({"x": (0, 1)}, ["x", "1 - x**2"], (0.1, 0),
                                            resolution=21)
    d1, d2 = np.exp(-1e-4), np.exp(-3e-4)
    a = rubinstein_solution(problem, d1, d2)
    n = nash_solution(problem, power=0.75)
    # closed form: 1.25 x^2 - 0.05 x - 0.75 = 0
    x = (0.05 + np.sqrt(0.0025 + 3.75)) / 2.5
    assert n.outcome["x"] == pytest.approx(x, abs=1e-6)
    assert a.outcome["x"] == pytest.approx(x, abs=1e-3)


def test_rubinstein_without_zone_says_no_agreement():
    problem = BargainingProblem.from_points([(0, 1), (1, 0)], (0.7, 0.7), convex=True)
    a = rubinstein_solution(problem, 0.9, 0.9)
    assert not a.agreement and "no agreement" in a.message


# ---------------------------------------------------------------------- ultimatum
ULTIMATUM = [
    # (case, reservation, surplus, proposer's disagreement, offer, acceptance, payoff)
    ("R ~ U(0, 1)", stats.uniform(0, 1), 1.0, 0.0, 0.5, 0.5, 0.25),
    # R ~ U(0.2, 0.8): maximise (1 - s)(s - 0.2)/0.6 at s = 0.6
    ("R ~ U(0.2, 0.8)", stats.uniform(0.2, 0.6), 1.0, 0.0, 0.6, 2 / 3, 0.4 * 2 / 3),
    # with d = 0.2: maximise 0.2 + (0.8 - s) s at s = 0.4
    ("R ~ U(0, 1), d = 0.2", stats.uniform(0, 1), 1.0, 0.2, 0.4, 0.4, 0.2 + 0.4 * 0.4),
    # surplus 3, R ~ U(0, 4): maximise (3 - s) s / 4 at s = 1.5
    ("surplus 3, R ~ U(0, 4)", stats.uniform(0, 4), 3.0, 0.0, 1.5, 1.5 / 4, 1.5 * 1.5 / 4),
]


@pytest.mark.parametrize("case,reservation,surplus,dp,offer,accept,payoff", ULTIMATUM,
                         ids=[u[0] for u in ULTIMATUM])
def test_ultimatum_known_answers(case, reservation, surplus, dp, offer, accept, payoff):
    o = ultimatum_offer(reservation, surplus=surplus, proposer_disagreement=dp)
    assert o.offer == pytest.approx(offer, abs=1e-7)
    assert o.acceptance_probability == pytest.approx(accept, abs=1e-7)
    assert o.expected_payoff == pytest.approx(payoff, abs=1e-9)
    assert o.ask == pytest.approx(surplus - o.offer)
    assert o.full_information_offer == pytest.approx(reservation.mean())


def test_exponential_reservation_against_first_order_condition():
    # maximise (1 - s)(1 - exp(-s/theta)): (1 - s) exp(-s/theta)/theta = 1 - exp(-s/theta)
    theta = 0.3
    o = ultimatum_offer(stats.expon(scale=theta))
    s = o.offer
    assert (1 - s) * np.exp(-s / theta) / theta == pytest.approx(1 - np.exp(-s / theta), abs=1e-7)
    # full information: E[1 - R] over R < 1, 0 otherwise
    assert o.full_information_payoff == pytest.approx(
        1 - theta * (1 - np.exp(-1 / theta)), abs=1e-7)


@PROPERTY
@given(st.lists(st.floats(-0.5, 1.5), min_size=1, max_size=40), st.floats(-0.3, 0.3))
def test_sample_offer_beats_every_offer_on_a_fine_grid(draws, dp):
    o = ultimatum_offer(draws, proposer_disagreement=dp)
    r = np.array(draws)
    grid = np.linspace(0, 1.6, 1601)  # offers are shares: never negative
    accept = (r[None, :] <= grid[:, None]).mean(axis=1)
    best_on_grid = np.max(dp + (1 - grid - dp) * accept)
    assert o.expected_payoff >= max(best_on_grid, dp) - 1e-12
    assert o.full_information_payoff == pytest.approx(np.mean(np.maximum(1 - np.maximum(r, 0), dp)))


def test_large_sample_agrees_with_its_distribution():
    dist = stats.norm(0.3, 0.1)
    exact = ultimatum_offer(dist, proposer_disagreement=0.1)
    sampled = ultimatum_offer(dist.rvs(size=200_000, random_state=1), proposer_disagreement=0.1)
    assert sampled.offer == pytest.approx(exact.offer, abs=0.01)
    assert sampled.expected_payoff == pytest.approx(exact.expected_payoff, abs=0.005)


def test_ultimatum_with_no_profitable_offer_says_so():
    o = ultimatum_offer(stats.uniform(2, 1))
    assert o.acceptance_probability == 0 and o.expected_payoff == 0
    assert "no offer" in o.message and np.isnan(o.offer)


# ---------------------------------------------------------------------- ultimatum on a frontier
@PROPERTY
@given(st.lists(st.floats(-0.5, 1.5), min_size=1, max_size=30), st.sampled_from([1, 2]))
def test_frontier_ultimatum_on_a_split_equals_the_split_ultimatum(draws, proposer):
    problem = BargainingProblem.from_points([(1, 0), (0, 1)], (0, 0), convex=True)
    from games import ultimatum_on_frontier

    ours = ultimatum_on_frontier(problem, draws, proposer=proposer)
    split = ultimatum_offer(draws)
    assert ours.expected_payoff == pytest.approx(split.expected_payoff, abs=1e-12)
    assert ours.acceptance_probability == pytest.approx(split.acceptance_probability, abs=1e-12)
    assert ours.full_information_payoff == pytest.approx(split.full_information_payoff, abs=1e-12)


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_frontier_ultimatum_beats_every_point_without_lotteries(seed):
    from games import ultimatum_on_frontier

    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 1, size=(rng.integers(1, 40), 2))
    draws = rng.uniform(0, 1, size=rng.integers(1, 20))
    problem = BargainingProblem.from_points(points, (0.1, 0.0), check_bounds=False)
    o = ultimatum_on_frontier(problem, draws)
    accept = (draws[None, :] <= points[:, 1:2]).mean(axis=1)
    brute = np.max(0.1 + (points[:, 0] - 0.1) * accept)
    assert o.expected_payoff == pytest.approx(max(brute, 0.1), abs=1e-12)


def test_frontier_ultimatum_over_issues_with_a_distribution():
    from games import ultimatum_on_frontier

    problem = BargainingProblem.from_issues({"x": (0, 1)}, ["x", "1 - x"], (0, 0),
                                            resolution=1001)
    o = ultimatum_on_frontier(problem, stats.uniform(0, 1))
    assert o.offer == pytest.approx(0.5, abs=2e-3) and o.outcome["x"] == pytest.approx(0.5, abs=2e-3)
    assert o.expected_payoff == pytest.approx(0.25, abs=1e-5)
    assert o.full_information_payoff == pytest.approx(0.5, abs=1e-3)
