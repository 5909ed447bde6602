"""Win-sets, ratification, delay and mutual optimism against closed forms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games.bargaining.batch import BatchProblem, nash_benchmark
from games.bargaining.winset import (Ratification, constrained_nash, delayed_power,
                                     mutual_optimism, schelling_shift, win_set)
from games.optimise.box_search import Box
from games.errors import BargainingError

RNG = np.random.default_rng(7)


def pie(**parameters):
    n = len(next(iter(parameters.values()))) if parameters else 1
    return BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
                        parameters, (np.zeros(n), np.zeros(n)), linear=True)


def hawk_and_dove(rule, **kw):
    """Member 0 needs a share of at least a; member 1 gives at most b (player 1 keeps s)."""
    r = Ratification(rule, 2, **kw)
    return r, (lambda x, q: r.slack(np.stack(np.broadcast_arrays(x["s"] - q["a"],
                                                                 q["b"] - x["s"]))))


def test_two_members_ratification_probability_has_its_closed_form():
    n, p = 20_000, 0.6
    a, b = RNG.uniform(0, 1, n), RNG.uniform(0, 1, n)
    gains = np.stack([p - a, b - p])
    se = np.sqrt(0.25 / n)
    # veto: P(a <= p) P(b >= p) = p (1 - p); majority of two is both; chair 0: P(a <= p) = p
    assert Ratification("veto", 2).ratifies(gains).mean() == pytest.approx(p * (1 - p), abs=4 * se)
    assert Ratification("majority", 2).ratifies(gains).mean() == pytest.approx(p * (1 - p),
                                                                               abs=4 * se)
    assert Ratification("chair", 2, chair=0).ratifies(gains).mean() == pytest.approx(p, abs=4 * se)
    # a later check (member 1) must accept under the chair rule as well: veto again
    checked = Ratification("chair", 2, chair=0, checks=(1,))
    assert checked.ratifies(gains).mean() == pytest.approx(p * (1 - p), abs=4 * se)


def test_two_members_win_set_and_benchmark_have_their_closed_form():
    n = 200
    a, b = RNG.uniform(0, 1, n), RNG.uniform(0, 1, n)
    problem = pie(a=a, b=b)
    _, constraint = hawk_and_dove("veto")
    scanned = win_set(problem, constraint, grid_points=1001)
    assert np.allclose(scanned.share, np.maximum(b - a, 0), atol=2e-3)
    nash = constrained_nash(problem, constraint, 0.5)
    alive = a <= b
    assert np.array_equal(nash.agreement, alive)
    # Nash over [a, b] of log s + log(1 - s): the free split 1/2 moved into the interval
    assert np.allclose(nash.points["s"][alive], np.clip(0.5, a, b)[alive], atol=1e-3)


def test_schelling_shift_moves_toward_player_one_or_kills_the_agreement():
    c = np.linspace(0.0, 1.4, 15)
    shift = schelling_shift(pie(c=c), lambda x, q: x["s"] - q["c"], 0.5)
    alive = c < 1.0 - 1e-9                                   # at c = 1 the partner gains 0
    assert np.array_equal(shift.killed, ~alive)
    assert np.allclose(shift.shift[alive], np.maximum(c - 0.5, 0)[alive], atol=1e-3)
    assert np.array_equal(shift.toward(0), (c > 0.5 + 1e-2) & alive)
    assert np.all(np.isnan(shift.shift[~alive]))


def nonlinear():
    def u(x, q):
        return (np.log1p(3 * x["a"]) + q["w"] * x["b"], 2 - x["a"] - x["b"] ** 2)
    return BatchProblem(u, Box({"a": (0.0, 1.0), "b": (0.0, 1.0)}),
                        {"w": np.array([0.2, 0.5, 1.0, 1.5])}, (0.3, 0.2))


def test_a_member_who_is_the_negotiator_leaves_the_benchmark_unchanged():
    problem = nonlinear()
    own = lambda x, q: problem.utilities(x, q)[0] - 0.3      # noqa: E731 - the negotiator's gain
    free = nash_benchmark(problem, 0.4)
    bound = constrained_nash(problem, lambda x, q: Ratification("veto", 1).slack(
        np.asarray(own(x, q))[None]), 0.4)
    assert np.array_equal(free.agreement, bound.agreement)
    for k in free.points:
        assert np.array_equal(free.points[k], bound.points[k])


def test_a_binding_win_set_in_two_issues_is_respected_and_not_beaten_on_a_fine_grid():
    problem = nonlinear()
    constraint = lambda x, q: 0.4 - x["a"]                   # noqa: E731 - member caps a
    nash = constrained_nash(problem, constraint, 0.5)
    assert np.all(nash.points["a"] <= 0.4 + 1e-12)
    g = np.linspace(0, 1, 401)
    A, B = np.meshgrid(g, g)
    for r, w in enumerate(problem.parameters["w"]):
        g_1 = np.log1p(3 * A) + w * B - 0.3
        g_2 = 2 - A - B ** 2 - 0.2
        with np.errstate(all="ignore"):
            value = np.where((A <= 0.4) & (g_1 > 0) & (g_2 > 0), np.log(g_1) + np.log(g_2),
                             -np.inf)
        found = np.log(nash.gains[0][r]) + np.log(nash.gains[1][r])
        assert found >= value.max() - 1e-4


def test_dissent_counts_the_members_overruled():
    r = Ratification("chair", 3, chair=0)
    gains = np.array([[1.0, -1.0], [-1.0, -1.0], [1.0, 1.0]])
    assert r.dissent(gains).tolist() == pytest.approx([1 / 3, 1 / 3])
    assert Ratification("veto", 3).dissent(np.ones((3, 2))).tolist() == [0.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=6), st.data())
def test_rules_ratify_exactly_as_their_definition(gains, data):
    h = np.array(gains)[:, None]
    m = len(gains)
    assert bool(Ratification("veto", m).ratifies(h)[0]) == all(g >= 0 for g in gains)
    quota = data.draw(st.integers(1, m))
    assert bool(Ratification("majority", m, quota=quota).ratifies(h)[0]) == (
        sum(g >= 0 for g in gains) >= quota)
    chair = data.draw(st.integers(0, m - 1))
    assert bool(Ratification("chair", m, chair=chair).ratifies(h)[0]) == (gains[chair] >= 0)


def test_delayed_power_closed_form():
    r_1, r_2 = -np.log(0.99), -np.log(0.97)
    for t_1, t_2 in ((1.0, 1.0), (1.0, 4.0), (7.0, 2.0)):
        assert float(delayed_power(0.99, 0.97, t_1, t_2)) == pytest.approx(
            r_2 * t_2 / (r_1 * t_1 + r_2 * t_2))


def test_mutual_optimism_identical_beliefs_never_break_down():
    problem = nonlinear()
    believed = nash_benchmark(problem, 0.5)                  # both sides expect the same package
    result = mutual_optimism(problem, believed.gains)
    assert result.probability == 0.0
    assert np.all(result.margin > -1e-6)
    louder = mutual_optimism(problem, (believed.gains[0] * 1.05, believed.gains[1]))
    assert louder.probability == 1.0                         # the benchmark is on the frontier


def test_mutual_optimism_share_is_the_share_of_draws_whose_claims_exceed_the_surplus():
    n = 1_000
    excess = np.linspace(-0.3, 0.3, n)                       # claims sum to 1 + excess
    share = np.mean(excess > 1e-9)
    e_1 = 0.5 + excess * RNG.uniform(0, 1, n)
    e_2 = 1 + excess - e_1
    result = mutual_optimism(pie(z=np.zeros(n)), (e_1, e_2))
    assert result.probability == pytest.approx(share, abs=2 / n)


def test_bad_rules_are_refused():
    with pytest.raises(BargainingError, match="rule"):
        Ratification("consensus", 2)
    with pytest.raises(BargainingError, match="chair"):
        Ratification("chair", 2)
    with pytest.raises(BargainingError, match="members"):
        Ratification("veto", 2).slack(np.ones((3, 1)))
