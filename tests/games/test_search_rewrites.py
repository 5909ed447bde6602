"""The Nash split search's faster formulations held to the ones they replace, bit for bit, on
random inputs with the ties, signed zeros, NaNs and box edges that make them differ if wrong."""

import numpy as np
import pytest

from games.optimise import box_search
from games.optimise.outcome_space import Box


def _poll_before(objective, rows, trial, names, centre, seen=None):
    """box_search._poll as it was: every comparison of a row's points as an (r, m, m) or
    (r, m, s) table, any() over the last axis."""
    r, m = len(rows), trial[names[0]].shape[1]
    coords = [np.broadcast_to(trial[k], (r, m)) for k in names]
    on_centre = np.logical_and.reduce([c == centre[k][:, None] for c, k in zip(coords, names)])
    same = np.logical_and.reduce([c[:, :, None] == c[:, None, :] for c in coords])
    source = np.argmax(same | np.eye(m, dtype=bool), axis=2)
    points = np.stack(coords, axis=2)
    points[on_centre] = np.nan
    ask = (source == np.arange(m)) & ~on_centre
    value = np.full((r, m), -np.inf)
    if seen is not None:
        match = np.logical_and.reduce([c[:, :, None] == seen[0][:, None, :, i]
                                       for i, c in enumerate(coords)])
        known = ask & match.any(axis=2)
        kr, kc = np.nonzero(known)
        value[kr, kc] = seen[1][kr, np.argmax(match[kr, kc], axis=1)]
        ask &= ~known
    at, column = np.nonzero(ask)
    if at.size:
        asked = {k: v[at] for k, v in trial.items() if k not in names}
        asked.update({k: c[at, column][:, None] for k, c in zip(names, coords)})
        value[at, column] = box_search._values(objective(rows[at], **asked), at.size)[:, 0]
    return np.take_along_axis(value, source, axis=1), points


def _levels(rng, shape):
    # Few distinct levels (many equal points), signed zeros and, rarely, NaN.
    return rng.choice([0.0, -0.0, 0.25, 0.5, 1.0, np.nan], shape,
                      p=[0.25, 0.15, 0.2, 0.2, 0.15, 0.05])


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_a_poll_finds_what_the_tables_of_every_pair_found(d, seed):
    rng = np.random.default_rng(seed)
    r, m, s = 300, 3 ** d - 1, 3 ** d
    names = ["x", "y", "z"][:d]
    trial = {k: _levels(rng, (r, m)) for k in names}
    trial["fixed"] = rng.uniform(0, 1, (r, 1))           # an issue not searched
    centre = {k: np.where(rng.uniform(size=r) < 0.5, trial[k][:, 0], _levels(rng, r))
              for k in names}
    seen = (np.stack([_levels(rng, (r, s)) for _ in names], axis=2), rng.normal(size=(r, s)))
    c = rng.normal(size=1000)

    def f(rows, fixed, **x):
        # Hangs on the place of each point in the call too: a point asked that should not
        # be, or asked in another order, shows in the values.
        return (c[rows][:, None] + fixed + sum((j + 1.5) * v for j, v in enumerate(x.values()))
                + 1e-3 * np.arange(len(rows))[:, None])

    rows = rng.permutation(1000)[:r]
    for given in (seen, None):
        new = box_search._poll(f, rows, trial, names, centre, given)
        old = _poll_before(f, rows, trial, names, centre, given)
        assert new[0].tobytes() == old[0].tobytes() and new[1].tobytes() == old[1].tobytes()


def _log_nash_product_before(g_1, g_2, power):
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.all((power > 0) & (power < 1)):
            value = power * np.log(g_1) + (1 - power) * np.log(g_2)
        else:
            value = (np.where(power > 0, power * np.log(g_1), 0.0)
                     + np.where(power < 1, (1 - power) * np.log(g_2), 0.0))
    return np.where((g_1 > 0) & (g_2 > 0), value, -np.inf)


def _best_on_edges_before(e1, e2, d1, d2, beta, real, *ignored):
    """nash_product._best_on_edges as it was: every end asked, 2-D gathers of the inside,
    NaN looked for in every comparison."""
    def _better(t, best, at, value):
        take = (value > best) | (np.isnan(value) & ~np.isnan(best))
        return np.where(take, at, t), np.where(take, value, best)

    with np.errstate(divide="ignore", invalid="ignore"):
        stationary = -(beta * d1 * e2 + (1 - beta) * d2 * e1) / (d1 * d2)
    t = np.zeros_like(e1)
    best = _log_nash_product_before(e1, e2, beta)
    end = np.where(real, 1.0, 0.0)
    t, best = _better(t, best, end, _log_nash_product_before(e1 + d1, e2 + d2, beta))
    inside = np.flatnonzero((stationary > 0) & (stationary < 1))
    if inside.size:
        at = np.unravel_index(inside, t.shape)
        e1, e2, d1, d2, s, b = (np.broadcast_to(z, t.shape)[at]
                                for z in (e1, e2, d1, d2, stationary, beta))
        flat_t, flat_best = t.ravel(), best.ravel()
        flat_t[inside], flat_best[inside] = _better(
            flat_t[inside], flat_best[inside], s,
            _log_nash_product_before(e1 + s * d1, e2 + s * d2, b))
    return t, best


def _slopes(rng, shape):
    # Slopes with ties, exact and signed zeros, and both signs: trade-offs, goods, bads.
    return rng.choice([-2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 3.0], shape) * np.where(
        rng.uniform(size=shape) < 0.5, 1.0, rng.uniform(0.5, 2.0, shape))


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("seed", range(3))
def test_the_exact_nash_product_is_what_it_was(k, seed, monkeypatch):
    from games.optimise import nash_product
    rng = np.random.default_rng(100 * k + seed)
    n = 2000
    a, b = _slopes(rng, (n, k)), _slopes(rng, (n, k))
    a0 = rng.choice([-1.0, -0.0, 0.0, 0.3, 1.0, np.inf], n, p=[0.2, 0.2, 0.2, 0.2, 0.19, 0.01])
    b0 = rng.choice([-0.5, 0.0, 0.2, 2.0], n)
    low = rng.choice([0.0, -1.0], (n, k))
    high = low + rng.choice([1.0, 2.0, 0.0], (n, k), p=[0.5, 0.4, 0.1])
    cases = [(a, a0, b, b0, *bounds, power)
             for power in (rng.uniform(0.05, 0.95, n), rng.choice([0.0, 0.3, 1.0], n), 0.5)
             for bounds in ((low, high), (low[0], high[0]))]
    now = [nash_product.linear_nash_product(*case) for case in cases]
    monkeypatch.setattr(nash_product, "_best_on_edges", _best_on_edges_before)
    monkeypatch.setattr(nash_product, "_beats", lambda value, best, numbers: (
        (value > best) | (np.isnan(value) & ~np.isnan(best))))
    monkeypatch.setattr(nash_product, "log_nash_product",
                        lambda g_1, g_2, power, *ignored: _log_nash_product_before(g_1, g_2,
                                                                                   power))
    for new, case in zip(now, cases):
        old = nash_product.linear_nash_product(*case)
        assert np.isfinite(old.values).any() and np.isinf(old.values).any()
        assert new.points.tobytes() == old.points.tobytes()
        assert new.values.tobytes() == old.values.tobytes()
        assert all(x.tobytes() == y.tobytes() for x, y in zip(new.gains, old.gains))


def test_the_nash_product_on_segments_is_what_it_was(monkeypatch):
    from games.optimise import nash_product
    rng = np.random.default_rng(5)
    e1, e2, d1, d2 = (rng.choice([-1.0, -0.0, 0.0, 0.5, 2.0], (400, 3)) for _ in range(4))
    cases = [(e1, e2, d1, d2, beta) for beta in (rng.uniform(size=(400, 3)), 0.5, 0.0)]
    now = [nash_product.nash_on_segments(*case) for case in cases]
    monkeypatch.setattr(nash_product, "_best_on_edges", _best_on_edges_before)
    for new, case in zip(now, cases):
        old = nash_product.nash_on_segments(*case)
        assert all(x.tobytes() == y.tobytes() for x, y in zip(new, old))


def _climb_before(objective, box, names, owner, points, current, step, resolution,
                  max_rounds):
    """box_search._climb as it was: every row's state in whole arrays, gathered and
    scattered by the active rows each round."""
    lo = np.array([box.bounds(k)[0] for k in names])
    hi = np.array([box.bounds(k)[1] for k in names])
    span = hi - lo
    moves = np.array([m for m in np.ndindex(*(3,) * len(names)) if any(i != 1 for i in m)],
                     dtype=float).reshape(-1, len(names)) - 1
    downhill = np.flatnonzero(np.all(moves <= 0, axis=1))
    m = moves.shape[0]
    seen = np.full((owner.size, m + 1, len(names)), np.nan)
    seen_value = np.full((owner.size, m + 1), -np.inf)
    polled = np.zeros(owner.size, dtype=bool)
    for _ in range(max_rounds):
        active = np.flatnonzero(np.any(step > resolution * span, axis=1))
        if not active.size:
            break
        trial = {k: points[k][active][:, None] for k in box.names}
        for i, k in enumerate(names):
            trial[k] = np.clip(trial[k] + moves[None, :, i] * step[active, i:i + 1], lo[i],
                               hi[i])
        value, seen[active, :m] = box_search._poll(objective, owner[active], trial, names,
                                                   {k: points[k][active] for k in names},
                                                   (seen[active], seen_value[active]))
        seen_value[active, :m] = value
        seen[active, m] = np.nan
        pick = np.argmax(value, axis=1)
        better = value[np.arange(active.size), pick] > current[active]
        tied = (value[:, downhill] == current[active][:, None]) & ~better[:, None]
        lower = np.zeros_like(tied)
        for k in names:
            tied &= trial[k][:, downhill] <= points[k][active][:, None]
            lower |= trial[k][:, downhill] < points[k][active][:, None]
        tied &= lower
        slide = tied.any(axis=1)
        pick = np.where(slide, downhill[np.argmax(tied, axis=1)], pick)
        chosen = better | slide
        moved = active[chosen]
        again = moved[polled[moved]]
        seen[again, m] = np.column_stack([points[k][again] for k in names])
        seen_value[again, m] = current[again]
        polled[moved] = True
        for k in names:
            points[k][moved] = trial[k][chosen, pick[chosen]]
        current[moved] = value[np.arange(active.size), pick][chosen]
        step[active[~chosen]] /= 2


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("max_rounds", [200, 7])
def test_the_stencil_rounds_ask_and_find_what_they_did(d, max_rounds, monkeypatch):
    # Bumpy objectives with plateaus and optima on the box's edges; every call's rows and
    # points are recorded, and must be the same, call by call, as the answers.
    rng = np.random.default_rng(11 * d + max_rounds)
    draws = 400
    centre = rng.uniform(-0.3, 1.3, (d, draws))
    wiggle = rng.uniform(0, 12, draws)
    flat = rng.uniform(size=draws) < 0.3
    names = ["x", "y", "z"][:d]
    box = Box({k: (0.0, 1.0) for k in names})
    start = {k: rng.uniform(0, 1, draws) for k in names}

    def run():
        calls = []

        def f(rows, **x):
            calls.append((rows.copy(), {k: np.array(v) for k, v in x.items()}))
            value = sum(-(x[k] - centre[i][rows][:, None]) ** 2 for i, k in enumerate(names))
            value = value + 0.05 * np.sin(wiggle[rows][:, None] * x["x"]) * np.cos(5 * x["y"])
            return np.where(flat[rows][:, None] & (x["x"] > 0.7), np.minimum(value, -2.0), value)

        found = box_search.maximise_by_stencil(f, box, draws, grid_points=9, resolution=1e-6,
                                               start=start, max_rounds=max_rounds)
        return found, calls

    new, new_calls = run()
    monkeypatch.setattr(box_search, "_climb", _climb_before)
    old, old_calls = run()
    assert len(new_calls) == len(old_calls) > 5
    for (r_new, x_new), (r_old, x_old) in zip(new_calls, old_calls):
        assert r_new.tobytes() == r_old.tobytes()
        assert all(x_new[k].tobytes() == x_old[k].tobytes() for k in names)
    for k in names:
        assert new.points[k].tobytes() == old.points[k].tobytes()
    assert new.values.tobytes() == old.values.tobytes()
    assert new.resolution == old.resolution


def _line_climb_before(objective, box, name, owner, x, fx, step, resolution, max_rounds):
    """box_search._line_climb as it was: each difference of the bracket worked out where
    it is used."""
    lo, hi = box.bounds(name)
    tol = resolution * (hi - lo)

    def f(rows: np.ndarray, z: np.ndarray) -> np.ndarray:
        return box_search._values(objective(owner[rows], **{name: z[:, None]}), rows.size)[:, 0]

    every = np.arange(owner.size)
    a, b = np.maximum(x - step, lo), np.minimum(x + step, hi)
    both = f(np.concatenate([every, every]), np.concatenate([a, b]))
    fa, fb = both[:owner.size], both[owner.size:]
    fa[a == x], fb[b == x] = -np.inf, -np.inf
    # Values this close count as equal: a plateau's rounding noise must not walk the point
    # along it, away from a peak at its edge.
    same = lambda f, g: np.abs(f - g) <= box_search._TIES * np.maximum(1.0, np.abs(g))  # noqa: E731
    for _ in range(max_rounds):                       # bracketing: walk uphill by the step
        up = (fb > fx) & (fb >= fa) & ~same(fb, fx)
        down = (((fa > fx) | same(fa, fx)) & (a < x)) & ~up   # on a plateau, slide down
        walking = np.flatnonzero(up | down)
        if not walking.size:
            break
        u, d = walking[up[walking]], walking[down[walking]]
        a[u], fa[u], x[u], fx[u] = x[u], fx[u], b[u], fb[u]
        b[d], fb[d], x[d], fx[d] = x[d], fx[d], a[d], fa[d]
        b[u] = np.minimum(x[u] + step[u], hi)
        a[d] = np.maximum(x[d] - step[d], lo)
        ends = np.concatenate([b[u], a[d]])
        got = f(np.concatenate([u, d]), ends) if ends.size else ends
        fb[u], fa[d] = got[:u.size], got[u.size:]
        fb[u[b[u] == x[u]]], fa[d[a[d] == x[d]]] = -np.inf, -np.inf
    width = np.stack([b - a, b - a], axis=1)          # the bracket's width 1 and 2 rounds ago
    # The point left of a on the rising side, and the last edge estimate.
    a2, fa2, guess = np.full_like(a, np.nan), np.full_like(a, np.nan), np.full_like(a, np.nan)
    active = np.flatnonzero(b - a > 3 * tol)   # two points tol either side of x: done
    for _ in range(max_rounds):
        # An end exactly as good as x (a plateau, e.g. a volume beyond demand that buys
        # nothing): the answer is the plateau's lower end, in [a, x], so x is the new upper
        # end. Only exact equality: a slope within the ties could still rise past x.
        flat = active[(fb[active] == fx[active]) & (b[active] > x[active])]
        b[flat] = x[flat]
        active = active[b[active] - a[active] > 3 * tol]
        if not active.size:
            break
        xa, xx, xb = a[active], x[active], b[active]
        pa, px, pb = fa[active], fx[active], fb[active]
        with np.errstate(all="ignore"):
            p = (xx - xa) ** 2 * (px - pb) - (xx - xb) ** 2 * (px - pa)
            q = (xx - xa) * (px - pb) - (xx - xb) * (px - pa)
            u = xx - 0.5 * p / q
        golden = np.where(xb - xx > xx - xa, xx + box_search._GOLDEN * (xb - xx),
                          xx - box_search._GOLDEN * (xx - xa))
        slow = (xb - xa) > 0.5 * width[active, 1]
        bad = ~np.isfinite(u) | (u <= xa) | (u >= xb) | ~np.isfinite(pa + pb) | slow
        u = np.where(bad, golden, u)
        edge = xb == xx
        if edge.any():
            e = active[edge]
            u[edge], guess[e] = box_search._edge_step(xa[edge], pa[edge], xx[edge], px[edge],
                                                      a2[e], fa2[e], guess[e], slow[edge], tol)
        # Never closer to x than the tolerance (the comparison would be rounding).
        near = np.abs(u - xx) < tol
        u = np.where(near, np.where(xb - xx > xx - xa, xx + tol, xx - tol), u)
        u = np.clip(u, xa, xb)
        fu = f(active, u)
        width[active] = np.column_stack([xb - xa, width[active, 0]])
        # On a plateau's edge only its exact level counts as the plateau: within the ties,
        # a chain of points each just below the last would creep down the rising side.
        tie = np.where(xb == xx, fu == px, same(fu, px))
        better = ((fu > px) & ~tie) | (tie & (u < xx))
        left = u < xx
        # Better: u is the new point, x an end; else u is the new end on its side.
        na = np.where(better, np.where(left, xa, xx), np.where(left, u, xa))
        nfa = np.where(better, np.where(left, pa, px), np.where(left, fu, pa))
        nb = np.where(better, np.where(left, xx, xb), np.where(left, xb, u))
        nfb = np.where(better, np.where(left, px, pb), np.where(left, pb, fu))
        moved = na != xa
        a2[active[moved]], fa2[active[moved]] = xa[moved], pa[moved]
        a[active], fa[active], b[active], fb[active] = na, nfa, nb, nfb
        x[active] = np.where(better, u, xx)
        fx[active] = np.where(better, fu, px)
        step[active] = (nb - na) / 2
        active = active[nb - na > 3 * tol]
    step[:] = np.minimum(step, (b - a) / 2)


@pytest.mark.parametrize("seed", range(3))
def test_the_line_search_asks_and_finds_what_it_did(seed, monkeypatch):
    # One coordinate: bumps, plateaus (a level beyond a cap, on which the search slides to
    # the lower end) and optima on the box's edges; every call's rows and points recorded.
    rng = np.random.default_rng(seed)
    draws = 300
    centre = rng.uniform(-0.3, 1.3, draws)
    cap = np.where(rng.uniform(size=draws) < 0.4, rng.uniform(0.2, 0.9, draws), np.inf)
    wiggle = rng.uniform(0, 12, draws)
    box = Box({"x": (0.0, 1.0)})
    start = {"x": rng.choice([0.0, 1.0, 0.5, rng.uniform()], draws)}

    def run():
        calls = []

        def f(rows, x):
            calls.append((rows.copy(), np.array(x)))
            at = np.minimum(x, cap[rows][:, None])
            return -(at - centre[rows][:, None]) ** 2 + 0.05 * np.sin(wiggle[rows][:, None] * at)

        found = box_search.maximise_by_stencil(f, box, draws, grid_points=9, resolution=1e-6,
                                               start=start, peaks=3)
        return found, calls

    new, new_calls = run()
    monkeypatch.setattr(box_search, "_line_climb", _line_climb_before)
    old, old_calls = run()
    assert len(new_calls) == len(old_calls) > 5
    for (r_new, x_new), (r_old, x_old) in zip(new_calls, old_calls):
        assert r_new.tobytes() == r_old.tobytes() and x_new.tobytes() == x_old.tobytes()
    assert new.points["x"].tobytes() == old.points["x"].tobytes()
    assert new.values.tobytes() == old.values.tobytes()
    assert new.resolution == old.resolution


def test_nan_counts_as_minus_infinity_and_nothing_else_moves():
    # The values' NaN become minus infinity by fmax: the same array, bit for bit, as picking
    # minus infinity where the value is NaN (signed zeros and infinities included).
    rng = np.random.default_rng(3)
    value = rng.choice([np.nan, -0.0, 0.0, np.inf, -np.inf, 1.5, -2.0], (40, 3))
    before = np.where(np.isnan(value), -np.inf, value)
    assert box_search._values(value, 40).tobytes() == before.tobytes()
    assert box_search._evaluate(lambda x: value[:, :1], {"x": np.zeros(40)}, np.arange(40),
                                False).tobytes() == before[:, 0].tobytes()


def test_the_searches_clip_is_numpys_clip_bit_for_bit():
    """box_search calls the clip ufunc directly (np.clip's Python layers cost more than the
    clip on short columns): the same bits as np.clip on floats, NaN, infinities and signed
    zeros among the values and the bounds, scalar and array bounds alike."""
    from games.optimise.box_search import _clip

    rng = np.random.default_rng(3)
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0])
    for _ in range(300):
        n = int(rng.integers(1, 9))
        x = rng.choice(special, n) if rng.uniform() < 0.5 else rng.normal(size=n)
        lo, hi = sorted(rng.choice(special[1:], 2))
        for bounds in ((float(lo), float(hi)), (np.full(n, lo), np.full(n, hi)),
                       (rng.choice(special, n), rng.choice(special, n))):
            with np.errstate(all="ignore"):
                want, got = np.clip(x, *bounds), _clip(x, *bounds)
            assert want.dtype == got.dtype and want.tobytes() == got.tobytes()
