"""The split solves (exact in the affine issues, searched in the rest) against the general
search and against brute force on fine grids; and the symbolic choice of the affine issues."""

from typing import Any, Mapping

import numpy as np
import pytest

from games.bargaining import affine_split
from games.bargaining.affine_split import affine_model, split_box
from games.bargaining.batch import BatchProblem, better_for_both, nash_benchmark, scan, zone_test
from games.expressions import largest_affine_set, parse_expression
from games.optimise.outcome_space import Box

BOX = Box({"v": (0.0, 2.0), "w1": (0.0, 1.0), "w2": (-1.0, 1.0)})


def _random_problem(seed: int, draws: int = 40, affine=("w1", "w2")) -> BatchProblem:
    """Concave in v (a log and a capped volume), affine in w1 and w2 with slopes that move with
    v (w2's), as the library's deals are: a volume, a transfer and a safeguard."""
    rng = np.random.default_rng(seed)
    p = {"c": rng.uniform(0.5, 2.0, draws), "cap": rng.uniform(0.5, 2.0, draws),
         "t": rng.uniform(0.2, 1.5, draws), "s": rng.uniform(-0.5, 0.5, draws),
         "k": rng.uniform(0.1, 1.0, draws), "e": rng.uniform(0.0, 0.6, draws)}

    def u(x, q):
        bought = np.minimum(x["v"], q["cap"])
        u_1 = q["t"] * x["w1"] + q["s"] * bought * x["w2"] + q["k"] * bought - 0.1 * bought ** 2
        u_2 = (q["c"] * np.log1p(bought) - q["k"] * bought - q["t"] * x["w1"]
               + q["e"] * x["w2"] - 0.2 * x["v"] * x["w2"])
        return u_1, u_2

    return BatchProblem(u, BOX, p, (np.zeros(draws), np.full(draws, 0.05)), affine=affine)


def _log_product(problem, nash):
    g_1, g_2 = nash.gains
    with np.errstate(all="ignore"):
        value = nash.power * np.log(g_1) + (1 - nash.power) * np.log(g_2)
    return np.where((g_1 > 0) & (g_2 > 0), value, -np.inf)


def _brute(problem, value, points=(401, 41, 41)):
    """The best of ``value(g_1, g_2)`` over a fine grid of the box, per draw."""
    axes = [np.linspace(*BOX.bounds(k), n) for k, n in zip(BOX.names, points)]
    mesh = [m.ravel()[None, :] for m in np.meshgrid(*axes, indexing="ij")]
    g_1, g_2 = problem.gains(dict(zip(BOX.names, mesh)))
    return np.max(value(g_1, g_2), axis=1)


def _old(problem: BatchProblem) -> BatchProblem:
    return BatchProblem(problem.utilities, problem.box, problem.parameters,
                        problem.disagreement)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nash_at_least_the_general_search_and_brute_force(seed):
    problem = _random_problem(seed)
    new = nash_benchmark(problem, power=0.4)
    old = nash_benchmark(_old(problem), power=0.4)
    assert new.settings["split_draws"] == np.sum(new.agreement)
    assert new.method.startswith("exact in w1, w2")
    mine, theirs = _log_product(problem, new), _log_product(problem, old)
    assert np.all(np.isfinite(mine) == np.isfinite(theirs))
    both = np.isfinite(mine)
    assert np.all(mine[both] >= theirs[both] - 1e-9)
    with np.errstate(all="ignore"):
        brute = _brute(problem, lambda a, b: np.where((a > 0) & (b > 0),
                                                      0.4 * np.log(a) + 0.6 * np.log(b), -np.inf))
    assert np.all(mine[both] >= brute[both] - 1e-9)


@pytest.mark.parametrize("seed", [0, 3])
def test_margins_at_least_the_general_search_and_brute_force(seed):
    problem = _random_problem(seed)
    grid = scan(problem)
    r_1, r_2 = grid.units
    zone, zone_old = zone_test(problem, grid=grid), zone_test(_old(problem), grid=grid)
    assert np.all(zone.empty == zone_old.empty)
    assert np.all(zone.margin >= zone_old.margin - 1e-8)
    assert zone.method.startswith("exact in w1, w2")
    package = {"v": 1.0, "w1": 0.5, "w2": 0.0}
    better = better_for_both(problem, package, grid=grid)
    better_old = better_for_both(_old(problem), package, grid=grid)
    assert np.all(better.margin >= better_old.margin - 1e-8)
    p_1, p_2 = (g[:, 0] for g in problem.gains({k: np.full((1, 1), v)
                                                  for k, v in package.items()}))
    brute = _brute(problem, lambda a, b: np.minimum((a - p_1[:, None]) / r_1[:, None],
                                                    (b - p_2[:, None]) / r_2[:, None]))
    assert np.all(better.margin >= np.maximum(brute, 0.0) - 1e-8)
    # The margin is attained at the reported package.
    g_1, g_2 = problem.gains({k: v[:, None] for k, v in better.points.items()})
    at = np.minimum((g_1[:, 0] - p_1) / r_1, (g_2[:, 0] - p_2) / r_2)
    assert np.allclose(np.maximum(at, 0.0), better.margin, atol=1e-12)


def test_affine_model_reproduces_the_gains():
    """The exact step rests on this: the model's gains equal the utilities' anywhere in w."""
    problem = _random_problem(5, draws=6)
    rng = np.random.default_rng(0)
    rows = np.arange(problem.draws)
    v = rng.uniform(0, 2, (problem.draws, 3))
    a, a0, b, b0, _ = affine_model(problem, rows, {"v": v}, ["w1", "w2"])
    w = np.stack([rng.uniform(0, 1, v.shape), rng.uniform(-1, 1, v.shape)], axis=2)
    g_1, g_2 = problem.gains({"v": v, "w1": w[..., 0], "w2": w[..., 1]}, rows)
    assert np.allclose(np.sum(a * w, axis=2) + a0, g_1, atol=1e-12)
    assert np.allclose(np.sum(b * w, axis=2) + b0, g_2, atol=1e-12)


def test_a_wrong_declaration_is_caught_and_searched():
    """Declared affine in v (it is not): the model check fails at the answers, and those draws
    are searched the general way, so the answer is the general search's."""
    problem = _random_problem(1, affine=("v", "w1"))   # w2 left to search
    assert split_box(problem) == (["w2"], ["v", "w1"])
    new = nash_benchmark(problem, power=0.5)
    old = nash_benchmark(_old(problem), power=0.5)
    assert new.settings["split_draws"] < problem.draws
    mine, theirs = _log_product(problem, new), _log_product(problem, old)
    both = np.isfinite(mine) & np.isfinite(theirs)
    assert np.all(mine[both] >= theirs[both] - 1e-9)


def test_split_only_with_one_issue_left():
    problem = _random_problem(0, draws=3, affine=("w2",))
    assert split_box(problem) is None                   # v and w1 left: two searched issues
    assert split_box(problem, 2) == (["v", "w1"], ["w2"])
    # the Nash product takes two (MAX_SEARCHED_NASH), the max-min problems one
    assert affine_split.MAX_SEARCHED_NASH == 2
    assert "searched over v, w1" in nash_benchmark(problem, power=0.5).method


def test_largest_affine_set():
    u = parse_expression("t * w1 + s * min(v, cap) * w2 + k * min(v, cap) - 0.1 * v ** 2")
    p = parse_expression("c * log(1 + v) - t * w1 + e * w2 - 0.2 * v * w2")
    assert largest_affine_set([u, p], ["v", "w1", "w2"]) == ("w1", "w2")
    # A product of two issues: either may be affine, not both.
    assert largest_affine_set([parse_expression("x * y + z")], ["x", "y", "z"]) == ("x", "z")
    assert largest_affine_set([parse_expression("max(x, y)")], ["x", "y"]) == ()
    assert largest_affine_set([parse_expression("a * x")], ["x", "y"]) == ("x", "y")


def _affine_model_before(problem: Any, rows: np.ndarray, v: Mapping[str, np.ndarray], w: list[str],
                 known: tuple[np.ndarray, np.ndarray] | None = None, scaled: bool = True
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """affine_split.affine_model as it was: its probes and indices worked out on every call,
    the slopes written through index lists."""
    box: Box = problem.box
    constant = [n for n in w if n in problem.constant_slopes] if known is not None else []
    probed = [n for n in w if n not in constant]
    k = len(probed)
    lo = np.array([box.bounds(n)[0] for n in w])
    hi = np.array([box.bounds(n)[1] for n in w])
    r, m = len(rows), np.broadcast_shapes(*(np.shape(x) for x in v.values()))[-1]
    # One candidate a row: v stays one column and broadcasts against the probes of w, so the
    # utilities' terms in v alone are worked out once, not once a probe (the same numbers).
    outcome = {n: (np.broadcast_to(x, (r, 1)) if m == 1 else
                   np.tile(np.broadcast_to(x, (r, m)), (1, k + 1))) for n, x in v.items()}
    for j, n in enumerate(w):
        low, high = box.bounds(n)
        if n in constant:
            outcome[n] = np.full((1, 1), low)
        else:
            step = np.arange(k + 1) == probed.index(n) + 1
            outcome[n] = np.repeat(np.where(step, high, low), m)[None, :]
    for n in box.names:
        if n not in outcome:
            outcome[n] = np.full((1, 1), box.bounds(n)[0])
    g_1, g_2 = problem.gains(outcome, rows)
    out = []
    scale = np.zeros((r, m)) if scaled else None
    where = [w.index(n) for n in probed]
    fixed = [w.index(n) for n in constant]
    for player, g in enumerate((g_1, g_2)):
        g = np.broadcast_to(g, (r, (k + 1) * m)).reshape(r, k + 1, m)
        slope = np.empty((r, m, len(w)))
        slope[:, :, where] = np.moveaxis((g[:, 1:, :] - g[:, :1, :])
                                         / (hi - lo)[where][None, :, None], 1, 2)
        if fixed:
            slope[:, :, fixed] = known[player][:, None, :]  # type: ignore[index]
        out += [slope, g[:, 0, :] - slope @ lo]
        if scaled:
            scale = np.maximum(scale, np.max(np.abs(g), axis=1))
    return (*out, scale)


@pytest.mark.parametrize("constant", [("w1", "w3"), ("w2",), ()])
def test_affine_model_is_what_it_was(constant):
    # Known slopes apart (w1, w3) and side by side, one candidate a row and several, the
    # searched issue as one column a row or as one row for all: every array bit for bit.
    rng = np.random.default_rng(len(constant))
    draws = 50
    q = {k: rng.uniform(0.2, 2.0, draws) for k in "abcde"}

    def u(x, p):
        bought = np.minimum(x["v"], p["e"])
        return (p["a"] * x["w1"] + p["b"] * np.log1p(bought) * x["w2"] - x["w3"] * p["c"]
                + 0.3 * x["z"] - 0.1 * bought ** 2,
                p["d"] * np.sqrt(bought) - p["a"] * x["w1"] + x["v"] * x["w2"] * p["c"]
                + p["b"] * x["w3"])

    box = Box({"v": (0.0, 2.0), "w1": (0.0, 0.7), "w2": (-1.0, 1.3), "z": (0.5, 0.5),
               "w3": (1.0, 3.9)})
    problem = BatchProblem(u, box, q, (0.1, -0.2), affine=("w1", "w2", "w3"),
                           constant_slopes=constant)
    w = ["w1", "w2", "w3"]
    rows = rng.choice(draws, 30)
    fixed = len(constant)
    known = (rng.uniform(-1, 1, (30, fixed)), rng.uniform(-1, 1, (30, fixed))) if fixed else None
    cases = [rng.uniform(0, 2, (30, 1)), rng.uniform(0, 2, (30, 4)), rng.uniform(0, 2, (1, 4))]
    for v in cases:
        for scaled in (True, False):
            new = affine_model(problem, rows, {"v": v}, w, known, scaled)
            old = _affine_model_before(problem, rows, {"v": v}, w, known, scaled)
            assert [None if x is None else (x.shape, x.tobytes()) for x in new] == \
                [None if x is None else (x.shape, x.tobytes()) for x in old]
