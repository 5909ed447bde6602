"""Alternating offers: known answers (Rubinstein 1982; Faratin, Sierra and Jennings 1998)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from games.negotiation import (STANDARD, AcceptAbove, AcceptAfter, AcceptNext, Boulware,
                               Conceder, NegotiationError, NegotiationProblem, Negotiator,
                               RubinsteinOptimal, TimeDependent, negotiate)

GRID = np.linspace(0, 1, 1001)


def pie(d_a=1.0, d_b=1.0, grid=GRID):
    """A pie split by A's share: A's utility is its share, B's the rest."""
    return NegotiationProblem({"share": grid}, grid, 1 - grid, discount_a=d_a, discount_b=d_b)


@pytest.mark.parametrize("d_a, d_b", [(0.9, 0.9), (0.9, 0.8), (0.95, 0.6), (0.5, 0.99)])
def test_two_rubinstein_agents_agree_at_once_on_rubinsteins_split(d_a, d_b):
    rubinstein = STANDARD["rubinstein"]
    trace = negotiate(pie(d_a, d_b), rubinstein, rubinstein, deadline=50)
    assert trace.round[0] == 1
    share = (1 - d_b) / (1 - d_a * d_b)  # the first proposer's subgame-perfect share
    assert trace.utilities[0, 0] == pytest.approx(share, abs=2 * (GRID[1] - GRID[0]))
    # And the same with B opening: B's share by the same formula, roles swapped.
    trace = negotiate(pie(d_a, d_b), rubinstein, rubinstein, deadline=50, first=1)
    assert trace.round[0] == 1
    assert trace.utilities[1, 0] == pytest.approx((1 - d_a) / (1 - d_a * d_b),
                                                  abs=2 * (GRID[1] - GRID[0]))


def crossing_round(e_a, e_b, deadline):
    """First round where the responder's share of the offer reaches its own next demand.

    Closed form of the tactics on a pie without discount: A demands 1 - t ** (1 / e_a) at
    time t = (r - 1) / (deadline - 1), B concedes A the share t ** (1 / e_b); AC_next accepts
    when what is offered is at least what one's own next offer would keep.
    """
    def keep(e, r):
        return 1 - ((r - 1) / (deadline - 1)) ** (1 / e)
    for r in range(1, deadline + 1):
        proposer_keeps = keep(e_a if r % 2 else e_b, r)
        if r == deadline or 1 - proposer_keeps >= keep(e_b if r % 2 else e_a, r + 1):
            return r, proposer_keeps if r % 2 else 1 - proposer_keeps


def test_two_boulware_agents_agree_at_the_deadline():
    # Hard-headed sides hold out to the last exchange: in round 19 the responder's own
    # offer of round 20 would concede everything, so AC_next takes what is on the table.
    hard = Negotiator("hard", Boulware(0.05))
    for deadline in (10, 20, 21):
        trace = negotiate(pie(), hard, hard, deadline=deadline)
        assert trace.agreed[0] and trace.round[0] == deadline - 1
        assert crossing_round(0.05, 0.05, deadline)[0] == deadline - 1
    # Given more rounds they meet earlier, where the closed form says (t = 0.5 ** 0.05).
    trace = negotiate(pie(), hard, hard, deadline=100)
    assert trace.round[0] == crossing_round(0.05, 0.05, 100)[0] == 97
    # Sides that take only (nearly) everything agree in the deadline round itself, when the
    # last proposer's target has fallen to its reservation.
    firm = Negotiator("firm", Boulware(0.05), AcceptAbove(0.999))
    trace = negotiate(pie(), firm, firm, deadline=20)
    assert trace.agreed[0] and trace.round[0] == 20 and trace.utilities[0, 0] == 1.0  # B proposed


def test_boulware_agents_agree_when_the_closed_form_says():
    soft = Negotiator("b", Boulware(0.3))
    trace = negotiate(pie(), soft, soft, deadline=40)
    r, share_a = crossing_round(0.3, 0.3, 40)
    assert trace.round[0] == r
    assert trace.utilities[0, 0] == pytest.approx(share_a, abs=0.002)
    # and the continuous crossing 2 t ** (1 / e) = 1 puts that round near t = 0.5 ** e
    assert (r - 1) / 39 == pytest.approx(0.5 ** 0.3, abs=2 / 39)


def test_conceder_against_boulware_lands_near_the_boulware_side():
    trace = negotiate(pie(), STANDARD["boulware"], STANDARD["conceder"], deadline=100)
    # Continuous closed form: they meet where A's concession t ** 5 and B's t ** 0.2 sum to 1.
    t = brentq(lambda t: t ** 5 + t ** 0.2 - 1, 1e-9, 1)
    boulware_share = 1 - t ** 5
    assert trace.agreed[0]
    assert trace.utilities[0, 0] == pytest.approx(boulware_share, abs=0.01)
    assert trace.utilities[0, 0] > 0.85


def random_problem(seed, draws, k):
    rng = np.random.default_rng(seed)
    return NegotiationProblem({"x": np.arange(k)}, rng.normal(size=(draws, k)),
                              rng.normal(size=(draws, k)), rng.normal(size=draws) - 0.5,
                              rng.normal(size=draws) - 0.5, rng.uniform(0.8, 1, draws),
                              rng.uniform(0.8, 1, draws))


ALL = list(STANDARD.values()) + [Negotiator("above", Boulware(), AcceptAbove(0.0)),
                                 Negotiator("after", Conceder(), AcceptAfter(0.2))]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), i=st.integers(0, len(ALL) - 1),
       j=st.integers(0, len(ALL) - 1), deadline=st.integers(1, 12))
def test_agreements_never_fall_below_either_reservation(seed, i, j, deadline):
    problem = random_problem(seed, 20, 15)
    trace = negotiate(problem, ALL[i], ALL[j], deadline=deadline, seed=seed)
    u = trace.utilities
    for s in (0, 1):
        assert np.all(u[s][trace.agreed] >= problem.reservation(s)[trace.agreed])
        assert np.all(trace.gains[s] >= 0)


def test_a_trace_replays_to_the_same_result_from_its_seed():
    problem = random_problem(3, 50, 30)
    walk = STANDARD["random-walk"]
    trace = negotiate(problem, walk, STANDARD["tit-for-tat"], deadline=30, seed=11)
    again = trace.replay()
    assert np.array_equal(trace.offers, again.offers)
    assert np.array_equal(trace.agreement, again.agreement)
    other = negotiate(problem, walk, STANDARD["tit-for-tat"], deadline=30, seed=12)
    assert not np.array_equal(trace.offers, other.offers)  # the seed matters


def test_all_draws_advance_together_and_match_one_draw_runs():
    problem = random_problem(5, 8, 25)
    trace = negotiate(problem, STANDARD["linear"], STANDARD["nash"], deadline=15)
    for d in range(8):
        one = NegotiationProblem(problem.outcomes, problem.utility_a[d], problem.utility_b[d],
                                 problem.reservation_a[d], problem.reservation_b[d],
                                 problem.discount_a[d], problem.discount_b[d])
        # beliefs are averages over draws, so compare only the agents that use none
        alone = negotiate(one, STANDARD["linear"], STANDARD["boulware"], deadline=15)
        many = negotiate(problem, STANDARD["linear"], STANDARD["boulware"], deadline=15)
        assert alone.agreement[0] == many.agreement[d] and alone.round[0] == many.round[d]
    assert trace.offers.shape[1] == 8


def test_trace_frame_tells_one_draw():
    trace = negotiate(pie(0.9, 0.9), STANDARD["boulware"], STANDARD["linear"], deadline=10)
    frame = trace.to_frame()
    assert list(frame.columns[:2]) == ["by", "share"]
    assert frame["reply"].iloc[-1] in ("accepted", "no agreement")
    assert (frame["reply"].iloc[:-1] == "refused").all()


@pytest.mark.parametrize("make, words", [
    (lambda: negotiate(pie(), STANDARD["linear"], STANDARD["linear"], deadline=0), "deadline"),
    (lambda: TimeDependent(-1), "exponent"),
    (lambda: AcceptAbove(2), "share"),
    (lambda: NegotiationProblem({"x": [1, 2]}, [1, 2, 3], [1, 2]), "utility_a"),
    (lambda: pie(d_a=1.5), "discount_a"),
    (lambda: Negotiator("x", object()), "offer"),
])
def test_bad_settings_are_refused_in_words(make, words):
    with pytest.raises(NegotiationError, match=words):
        make()


def test_an_agent_that_offers_nonsense_is_named():
    class Bad:
        def offer(self, view):
            return np.full(view.draws, 10**6)
    with pytest.raises(NegotiationError, match="'bad'"):
        negotiate(pie(), Negotiator("bad", Bad()), STANDARD["linear"], deadline=5)


def test_tournament_scores_match_closed_forms_on_a_pie():
    from games.negotiation import tournament

    d = 0.9
    result = tournament(pie(d, d), [STANDARD["rubinstein"], STANDARD["conceder"]], deadline=30)
    row = result.to_frame().loc[("rubinstein", "rubinstein")]
    share = (1 - d) / (1 - d * d)
    # On a pie every split is Pareto optimal; the benchmark is the even split (equal
    # discounts: power 1/2), so the distance is sqrt(2) times the first mover's extra share.
    assert row["agreement rate"] == 1.0 and row["rounds used"] == 1.0
    assert row["distance to frontier"] == pytest.approx(0.0, abs=1e-12)
    assert row["distance to benchmark"] == pytest.approx(np.sqrt(2) * (share - 0.5), abs=0.003)
    assert row["A gain"] == pytest.approx(share, abs=0.002)
    assert result.matrix("agreement rate").shape == (2, 2)
    with pytest.raises(NegotiationError, match="metric"):
        result.matrix("fun")


@pytest.mark.slow  # starts worker processes
def test_tournaments_give_the_same_scores_on_any_executor():
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    from games.negotiation import tournament

    problem = random_problem(9, 30, 20)
    agents = [STANDARD["random-walk"], STANDARD["nash"], STANDARD["boulware"]]
    serial = tournament(problem, agents, deadline=15, seed=3).scores
    with ThreadPoolExecutor(2) as pool:
        threads = tournament(problem, agents, deadline=15, seed=3, executor=pool).scores
    with ProcessPoolExecutor(2) as pool:
        processes = tournament(problem, agents, deadline=15, seed=3, executor=pool).scores
    assert serial.equals(threads) and serial.equals(processes)


def test_plots_draw_the_trace_and_the_heat_map():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from games.negotiation import plot_tournament, plot_trace, tournament

    trace = negotiate(pie(0.95, 0.9, np.linspace(0, 1, 51)), STANDARD["boulware"],
                      STANDARD["linear"], deadline=12)
    ax = plot_trace(trace)
    labels = ax.get_legend_handles_labels()[1]
    assert "Pareto frontier" in labels and "disagreement" in labels
    assert any(label.startswith("agreement, round") for label in labels)
    assert "benchmark (asymmetric Nash)" in labels
    plt.close(ax.figure)
    result = tournament(pie(), [STANDARD["linear"], STANDARD["nash"]], deadline=10)
    ax = plot_tournament(result, "agreement rate")
    assert len(ax.texts) == 4 and ax.get_ylabel() == "A plays"
    plt.close(ax.figure)


def test_tit_for_tat_gives_back_each_concession_in_kind():
    # A linear B concedes 1/20 of the pie a round, so 2/20 between its offers. Tit-for-tat
    # opens greedy (twice, until it has seen a step) and then returns each step: B's share in
    # A's offers of rounds 5, 7, 9, 11 is 2, 4, 6, 8 twentieths. A takes B's offer of round 12
    # (11/20) as it beats its own next offer (keeping 1 - 10/20).
    trace = negotiate(pie(), STANDARD["tit-for-tat"], STANDARD["linear"], deadline=21)
    b_share = 1 - GRID[trace.offers[:, 0]]
    assert np.allclose(b_share[[0, 2, 4, 6, 8, 10]], [0, 0, 0.1, 0.2, 0.3, 0.4], atol=0.005)  # grid: 1/1000
    assert trace.round[0] == 12 and trace.utilities[0, 0] == pytest.approx(0.55, abs=0.002)


@pytest.mark.parametrize("d_a, d_b", [(0.99, 0.95), (0.9, 0.8), (0.95, 0.6)])
def test_rubinstein_split_on_a_two_issue_grid(d_a, d_b):
    """Two issues whose Pareto frontier is a line, b = 2.5 - 2a for A's gains a in [0, 1.25]:
    most grid outcomes lie inside it. Rubinstein's stationary split solves
    f(a) = d_b f(d_a a), so A opens with a* = 1.25 (1 - d_b) / (1 - d_a d_b). The agent once
    interpolated between neighbouring outcomes in A's order, which on such a grid is a
    staircase with near-vertical drops, and its bisection stopped at a wrong crossing (1.16
    for 1.05 at the first discounts)."""
    c, e = (g.ravel() for g in np.meshgrid(np.linspace(0, 2, 101), np.linspace(0, 1, 41)))
    problem = NegotiationProblem({"c": c, "e": e}, 2 * e - c, 2 * c - 1.5 * e,
                                 discount_a=d_a, discount_b=d_b)
    rubinstein = STANDARD["rubinstein"]
    trace = negotiate(problem, rubinstein, rubinstein, deadline=50)
    a_star = 1.25 * (1 - d_b) / (1 - d_a * d_b)
    assert trace.round[0] == 1
    # The offer is the grid outcome best for A among those giving B its continuation:
    # within one grid step of c (0.02, A's gain 0.02) below the line's answer.
    assert trace.utilities[0, 0] == pytest.approx(a_star, abs=0.025)
    assert trace.utilities[1, 0] >= d_b * (2.5 - 2 * d_a * a_star) - 1e-9
