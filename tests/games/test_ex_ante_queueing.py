"""games.decisions.ex_ante and games.decisions.queueing against independent methods and known answers."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from games.errors import GameError
from games.decisions.ex_ante import choose_ex_ante, realised_payoff, value_of_knowing
from games.decisions.queueing import review_queue


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000))
def test_ex_ante_choice_equals_brute_force_and_full_information_bounds_it(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 30), rng.integers(1, 8)
    value = rng.normal(size=(n, m))
    accept = rng.random((n, m)) < 0.6
    refusal = -rng.random(n)
    c = choose_ex_ante(value, accept, refusal)
    by_hand = [np.mean([value[i, j] if accept[i, j] else refusal[i] for i in range(n)])
               for j in range(m)]
    assert c.expected == pytest.approx(max(by_hand))
    assert by_hand[c.index] == pytest.approx(max(by_hand))
    knowing = value_of_knowing(value, accept, c.index, refusal)
    assert np.all(knowing >= 0)
    # Chosen on the truth itself, one world at a time, the value of knowing is zero.
    for i in range(n):
        one = choose_ex_ante(value[[i]], accept[[i]], refusal[[i]])
        assert value_of_knowing(value[[i]], accept[[i]], one.index, refusal[[i]])[0] == 0


def test_a_biased_belief_is_refused_where_the_truth_is_not():
    # The responder needs 0.5 in truth; the proposer believes it needs 0.2 and asks for 0.8.
    asks = np.linspace(0, 1, 11)
    value = np.broadcast_to(asks, (1, 11))
    believed = choose_ex_ante(value, (1 - asks)[None, :] >= 0.2 - 1e-12)
    pay, ok = realised_payoff(believed.index, value, (1 - asks)[None, :] >= 0.5 - 1e-12, -0.1)
    assert asks[believed.index] == pytest.approx(0.8) and not ok[0] and pay[0] == -0.1
    assert value_of_knowing(value, (1 - asks)[None, :] >= 0.5 - 1e-12, believed.index,
                            -0.1)[0] == pytest.approx(0.6)


def test_nan_values_are_refused():
    with pytest.raises(GameError, match="not finite"):
        choose_ex_ante([[np.nan]], [[True]])


def lindley_mean_wait(rates, works, capacity, customers, seed):
    """Simulated first-come-first-served waits (Lindley's recursion), an independent check."""
    rng = np.random.default_rng(seed)
    lam = sum(rates)
    gaps = rng.exponential(1 / lam, customers)
    kinds = rng.choice(len(rates), customers, p=np.array(rates) / lam)
    service = np.asarray(works)[kinds] / capacity
    wait, total = 0.0, 0.0
    for i in range(1, customers):
        wait = max(0.0, wait + service[i - 1] - gaps[i])
        total += wait
    return total / (customers - 1)


@pytest.mark.parametrize("rates, works, capacity", [
    ((0.5,), (1.0,), 1.0),                  # M/D/1 at rho 0.5
    ((20.0, 2.0), (0.5, 6.0), 30.0),        # many small items and a few large ones, rho 0.73
])
def test_pollaczek_khinchine_wait_matches_a_simulated_queue(rates, works, capacity):
    q = review_queue(list(zip(rates, works)), capacity, [0.0] * len(rates), horizon=1e6)
    simulated = lindley_mean_wait(rates, works, capacity, 200_000, seed=1)
    assert q.wait[0] == pytest.approx(simulated, rel=0.05)
    assert q.served[0] == 1 and q.backlog[0] == 0


def test_an_overloaded_office_serves_one_over_rho_and_builds_a_backlog():
    q = review_queue([(40.0, 1.0)], capacity=10.0, latency=[0.25], horizon=3.0)
    assert q.utilisation[0] == pytest.approx(4.0)
    assert q.served[0] == pytest.approx(0.25)
    assert q.backlog[0] == pytest.approx(3 * 10 * 3)          # (rho - 1) x capacity x horizon
    assert q.factor[0][0] == pytest.approx(0.25 * (1 - (0.25 + 1.5) / 3))
    # The factor only falls as the load rises.
    loads = np.linspace(0.1, 8, 50)
    f = review_queue([(loads, 1.0)], 1.0, [0.1], 3.0).factor[0]
    assert np.all(np.diff(f) <= 1e-12)


@pytest.mark.parametrize("capacity", [0.0, -1.0, np.nan])
def test_a_capacity_that_is_not_positive_is_refused(capacity):
    with pytest.raises(GameError, match="capacity|finite"):
        review_queue([(1.0, 1.0)], capacity, [0.0], 1.0)
