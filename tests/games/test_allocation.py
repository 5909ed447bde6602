"""Shared-budget allocation and the proposer's best offers, against independent answers."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.optimize import linprog

from games.decisions.allocation import allocate, fixed_point, largest_uniform_cap
from games.bargaining.batch import BatchProblem
from games.bargaining.proposer import best_offers, knapsack
from games.optimise.box_search import Box
from games.errors import GameError


def brute_force(values, volumes, budget, q):
    """The best choice per draw by enumerating every combination of options."""
    n = values[0].shape[0]
    best = np.full(n, -np.inf)
    for combo in itertools.product(*[range(v.shape[1]) for v in values]):
        own = sum(v[:, c] for v, c in zip(values, combo))
        w = sum(w[:, c] for w, c in zip(volumes, combo))
        best = np.maximum(best, np.where(w <= budget + 1e-12, own - q * w ** 2 / 2, -np.inf))
    return best


def test_two_linear_problems_share_a_budget_as_by_hand():
    # Values 2 and 1 per unit, volumes 0..1 in tenths, budget 1.5: the first takes all it
    # can, the second the rest; a unit is worth 1 at the margin (the second's value).
    levels = np.linspace(0, 1, 11)[None, :]
    a = allocate([2 * levels, 1 * levels], [levels, levels], budget=1.5)
    assert a.volumes[0].tolist() == pytest.approx([1.0, 0.5])
    assert a.price[0] == pytest.approx(1.0, abs=1e-9)
    assert a.value[0] == pytest.approx(2.5) and a.gap[0] == pytest.approx(0, abs=1e-9)


def test_quadratic_cost_on_the_total_by_hand():
    # maximise 2 v1 + v2 - (v1 + v2)^2 / 2, v in [0, 1]: W = 1 all from the first; p = q W = 1.
    levels = np.linspace(0, 1, 11)[None, :]
    a = allocate([2 * levels, levels], [levels, levels], quadratic=1.0)
    assert a.volumes[0].tolist() == pytest.approx([1.0, 0.0])
    assert a.value[0] == pytest.approx(1.5)
    assert a.price[0] == pytest.approx(1.0, abs=1e-9)
    assert a.shadow_price[0] == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 3.0), st.floats(0.0, 1.0))
def test_never_above_the_brute_force_optimum_nor_below_it_by_more_than_the_gap(seed, budget, q):
    rng = np.random.default_rng(seed)
    values, volumes = [], []
    for _ in range(3):
        w = np.sort(rng.uniform(0, 1.5, (4, 4)), axis=1)
        w[:, 0] = 0.0
        v = rng.normal(0, 1, (4, 4))
        v[:, 0] = 0.0
        values.append(v)
        volumes.append(w)
    a = allocate(values, volumes, budget=budget, quadratic=q)
    exact = brute_force(values, volumes, budget, q)
    assert np.all(a.value <= exact + 1e-9)
    assert np.all(a.value >= exact - a.gap - 1e-9)
    assert np.all(a.bound >= exact - 1e-9)            # weak duality
    assert np.all(a.total <= budget + 1e-9)


def test_concave_options_are_solved_exactly():
    # Options on a concave curve with a fine grid: the Lagrangian answer has no gap.
    w = np.linspace(0, 2, 201)[None, :]
    a = allocate([np.sqrt(w), 2 * np.sqrt(w)], [w, w], budget=2.0)
    # Optimum: marginal values equal, 1/(2 sqrt w1) = 1/sqrt w2 -> w2 = 4 w1, w1 + w2 = 2.
    assert a.volumes[0].tolist() == pytest.approx([0.4, 1.6], abs=0.011)
    assert a.gap[0] <= 1e-3


def test_refuses_an_empty_option_set():
    with pytest.raises(GameError, match="available option"):
        allocate([np.array([[-np.inf]])], [np.array([[0.0]])])


def test_uniform_cap_keeps_the_total_within_the_budget():
    pref = [np.array([[0.0, 1.0, 2.0, 3.0]])] * 3
    vol = [np.array([[0.0, 0.5, 1.0, 1.5]])] * 3
    cap, pick = largest_uniform_cap(pref, vol, budget=2.0)
    total = sum(v[0, p] for v, p in zip(vol, pick[0]))
    assert total <= 2.0 and pick[0].tolist() == [1, 1, 1]


def test_fixed_point_of_a_contraction():
    x, ok, rounds = fixed_point(lambda x: {"a": 0.5 * x["a"] + 1}, {"a": np.zeros(3)},
                                tol=1e-10, max_rounds=200)
    assert np.allclose(x["a"], 2.0) and ok.all()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 100_000))
def test_knapsack_equals_linprog(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 5))
    a, b = rng.normal(size=k), rng.normal(size=k)
    a0, b0, r = rng.normal(), rng.normal(), rng.normal()
    z = knapsack(a[None], a0, b[None], b0, r)[0]
    lp = linprog(-a, A_ub=-b[None], b_ub=[b0 - r], bounds=[(0, 1)] * k, method="highs")
    if lp.status == 2:
        assert np.all(np.isnan(z))
    else:
        assert a @ z == pytest.approx(-lp.fun, abs=1e-9)
        assert b @ z + b0 >= r - 1e-9


def test_best_offers_against_linprog_per_level():
    rng = np.random.default_rng(3)
    c1, c2 = rng.normal(size=3), rng.normal(size=3)

    def u(x, p):   # affine in y, z for each level of q; q enters non-linearly
        return (np.sqrt(x["q"]) + c1[0] * x["y"] + c1[1] * x["z"] + p["s"],
                x["q"] ** 2 + c2[0] * x["y"] + c2[1] * x["z"] - p["s"])

    s = np.array([0.1, -0.2])
    prob = BatchProblem(u, Box({"q": (0.0, 1.0), "y": (0.0, 2.0), "z": (-1.0, 1.0)}),
                        {"s": s}, (0.0, 0.0))
    levels = np.array([0.0, 0.3, 1.0])
    table = best_offers(prob, "q", levels, reservation=0.05)
    assert table.exact
    for i in range(2):
        for j, q in enumerate(levels):
            lp = linprog(-c1[:2], A_ub=-c2[:2][None], b_ub=[q ** 2 - s[i] - 0.05],
                         bounds=[(0, 2), (-1, 1)], method="highs")
            if lp.status == 2:
                assert not np.isfinite(table.value[i, j])
            else:
                want = np.sqrt(q) + s[i] - lp.fun
                assert table.value[i, j] == pytest.approx(want, abs=1e-9)


def test_best_offers_falls_back_to_a_grid_when_not_affine():
    prob = BatchProblem(lambda x, p: (x["y"] * x["z"], 1 - x["y"]),
                        Box({"q": (0.0, 1.0), "y": (0.0, 1.0), "z": (0.0, 1.0)}), {}, (0.0, 0.0))
    table = best_offers(prob, "q", [0.5], reservation=0.5)
    assert not table.exact
    assert table.value[0, 0] == pytest.approx(0.5, abs=0.06)   # y = 1/2, z = 1


def test_best_offers_enumerates_discrete_issues_exactly():
    # A discrete stake s in {0, 1} and a continuous payment t: 1 gets t + 0.5 s, 2 gets
    # v q - t - 0.2 s; with s = 1 the surplus is 0.3 larger, so 1 asks for s = 1 and t = v q - 0.2.
    prob = BatchProblem(lambda x, p: (x["t"] + 0.5 * x["s"],
                                      p["v"] * x["q"] - x["t"] - 0.2 * x["s"]),
                        Box({"q": (0.0, 1.0), "t": (0.0, 5.0), "s": [0.0, 1.0]}),
                        {"v": np.array([2.0])}, (0.0, 0.0))
    table = best_offers(prob, "q", [1.0])
    assert table.exact
    assert table.value[0, 0] == pytest.approx(2.0 - 0.2 + 0.5)
    assert table.points["s"][0, 0] == 1.0


def test_each_draw_is_allocated_on_its_own():
    # A draw's answer does not depend on the other draws it is solved with (the portfolio
    # reuses a draw's allocation when its options have not changed), options of unequal
    # counts included, and with a budget, a cost on the total and some options unavailable.
    rng = np.random.default_rng(3)
    n = 60
    values = [np.cumsum(rng.normal(0.5, 1.0, (n, m)), axis=1) for m in (4, 7, 5)]
    values[1][:, -2:][rng.random((n, 2)) < 0.3] = -np.inf
    volumes = [np.broadcast_to(np.linspace(0, 1, v.shape[1]), v.shape) for v in values]
    budget, q = rng.uniform(0.5, 2.5, n), rng.uniform(0.0, 1.0, n)
    whole = allocate(values, volumes, budget, q)
    rows = np.flatnonzero(rng.random(n) < 0.4)
    part = allocate([v[rows] for v in values], [w[rows] for w in volumes], budget[rows],
                    q[rows])
    for name in ("choice", "volumes", "price", "shadow_price", "value", "bound"):
        assert np.array_equal(getattr(whole, name)[rows], getattr(part, name)), name
    assert np.all(whole.value >= brute_force(values, volumes, budget, q) - 1e-9 - whole.gap)
