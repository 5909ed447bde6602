"""Maximise many objectives over one box at once: a grid scan, then a vectorised pattern search.

Parameter sweeps need the same optimisation (a Nash product, a maximin, an expected payoff)
solved for thousands of parameter draws. Calling a scipy optimiser per draw costs a Python loop;
here every draw moves together. The box's continuous coordinates start from the best point of a
coarse grid and move by compass (pattern) search with step halving until the step is below a
stated resolution; discrete coordinates keep the grid's best level. Each draw's path depends only
on its own objective values, so results do not depend on how draws are chunked.

The scan is exhaustive on the grid, the refinement local: on objectives with several separated
optima finer than the grid the answer is a local optimum near the best grid point. The result
records the grid size and the final step so a caller can state its resolution.

>>> import numpy as np
>>> box = Box({"x": (0.0, 1.0), "y": (0.0, 1.0)})
>>> centres = np.array([0.3, 0.8])          # two draws, each with its own optimum at (c, 1 - c)
>>> def f(x, y):
...     return -(x - centres[:, None]) ** 2 - (y - 1 + centres[:, None]) ** 2
>>> best = maximise(f, box, draws=2)
>>> np.round(best.points["x"], 4).tolist(), np.round(best.points["y"], 4).tolist()
([0.3, 0.8], [0.7, 0.2])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from games.optimise.outcome_space import Box

try:  # np.clip of float arrays is this ufunc, behind three layers of Python (fromnumeric,
    # ndarray.clip, _methods._clip) that cost more than the clipping on a search's columns
    from numpy._core.umath import clip as _clip
except ImportError:  # NumPy 1.26
    try:
        from numpy.core.umath import clip as _clip
    except ImportError:
        _clip = np.clip

#: Most pattern moves (each twice as long as the one before) after one round of polling.
MAX_STRIDES = 4
#: Most rows x coordinates for which a compass round asks each row's trials in one call
#: (:func:`_sweep`); above it, one call a trial (fewer points asked, the cost being in them).
WAVE_ROWS = 1_000


@dataclass(frozen=True)
class SearchResult:
    """Best points found per draw, their objective values, and the resolution reached."""

    points: Mapping[str, np.ndarray]
    values: np.ndarray
    grid_size: int
    resolution: Mapping[str, float]


Objective = Callable[..., np.ndarray]


def scan(objective: Objective, grid: Mapping[str, np.ndarray], draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Objective values on the grid for every draw, shape (draws, grid points), and argmax."""
    values = np.asarray(objective(**{k: v[None, :] for k, v in grid.items()}), dtype=float)
    size = len(next(iter(grid.values())))
    values = np.broadcast_to(values, (draws, size))
    values = np.fmax(values, -np.inf)        # NaN to minus infinity, the rest as they are
    return values, np.argmax(values, axis=1)


def maximise(objective: Objective, box: Box, draws: int, *, grid_points: int = 2_000,
             resolution: float = 1e-6, max_rounds: int = 200,
             start: Mapping[str, np.ndarray] | None = None,
             first_step: float = 0.125, by_rows: bool = False) -> SearchResult:
    """Maximise ``objective(**coords)`` over ``box`` separately for each of ``draws`` draws.

    ``objective`` receives each coordinate as a 2-D array: shape (1, n) on the grid scan and
    (draws, 1) during refinement, so per-draw data of shape (draws, 1) broadcasts against both;
    it returns values of shape (draws, n) or (draws, 1). NaN counts as minus infinity. ``resolution`` is the final step as a share of each
    continuous range. ``start`` replaces the grid scan with given starting points (one per draw),
    from which the search first moves by ``first_step`` of each range. With ``by_rows=True``
    the refinement calls ``objective(rows, **coords)`` with ``rows`` the indices of the draws
    still moving (coordinates of shape (len(rows), 1)), so converged draws cost nothing.
    """
    if start is None:
        grid = box.grid(grid_points)
        values, best = scan(objective, grid, draws)
        points = {k: v[best].astype(float) for k, v in grid.items()}
        current = values[np.arange(draws), best].copy()
        per_axis = {k: len(np.unique(v)) for k, v in grid.items()}
        grid_size = len(next(iter(grid.values())))
    else:
        points = {k: np.broadcast_to(np.asarray(start[k], dtype=float), (draws,)).copy()
                  for k in box.names}
        current = _evaluate(objective, points, np.arange(draws), by_rows)
        per_axis = {k: 1 + 1 / first_step for k in box.names}
        grid_size = 0
    moving = [k for k in box.names if box.is_continuous(k)]
    spans = {k: box.bounds(k)[1] - box.bounds(k)[0] for k in moving}
    step = {k: np.full(draws, spans[k] / max(2, per_axis[k] - 1)) for k in moving}
    compass = None
    for _ in range(max_rounds):
        if not moving:
            break
        active = np.zeros(draws, dtype=bool)
        for k in moving:
            active |= step[k] > resolution * spans[k]
        if not active.any():
            break
        improved = np.zeros(draws, dtype=bool)
        rows = np.flatnonzero(active) if by_rows else np.arange(draws)
        base = {k: points[k].copy() for k in moving}
        if by_rows and rows.size * len(moving) <= WAVE_ROWS:
            # Few rows: the cost is in the calls, not the points. The same trials and moves
            # in fewer calls: each row's trials at once (below).
            compass = compass or _Compass.of(box, moving)
            _sweep(objective, box, moving, points, current, step, rows, improved, compass)
            _strides(objective, box, moving, points, current, base, rows[improved[rows]])
        else:
            _sweep_in_turn(objective, box, moving, points, current, step, active, rows,
                           improved, by_rows)
            _strides_in_turn(objective, box, moving, points, current, base,
                             rows[improved[rows]], by_rows)
        for k in moving:
            step[k] = np.where(improved, step[k], step[k] / 2)
    return SearchResult(points=points, values=current, grid_size=int(grid_size),
                        resolution={k: float(np.max(step[k]) / spans[k]) for k in moving})


def _sweep_in_turn(objective: Objective, box: Box, moving: list[str],
                   points: dict[str, np.ndarray], current: np.ndarray,
                   step: Mapping[str, np.ndarray], active: np.ndarray, rows: np.ndarray,
                   improved: np.ndarray, by_rows: bool) -> None:
    """The compass sweep of one round, in place, one call a trial: along each coordinate in
    turn a step up, then down; a draw still ``active`` moves to the first trial that improves
    on it, or slides down a plateau. ``rows``: the draws asked (with ``by_rows``, the
    active ones; else all)."""
    for k in moving:
        lo, hi = box.bounds(k)
        for sign in (1.0, -1.0):
            trial = {name: v[rows] for name, v in points.items()}
            trial[k] = _clip(trial[k] + sign * step[k][rows], lo, hi)
            value = _evaluate(objective, trial, rows, by_rows)
            better = active[rows] & (value > current[rows])
            if better.any():
                chosen = rows[better]
                points[k][chosen] = trial[k][better]
                current[chosen] = value[better]
                improved[chosen] = True
            if sign < 0:
                # On a plateau (the objective exactly flat, e.g. a licence above demand that
                # buys nothing) slide toward the lower bound: from the plateau's far side
                # every step of the sweep ties, and the better points past its near edge
                # would never be tried. Only downward, so it cannot cycle; the step still
                # halves, so it ends.
                flat = (active[rows] & ~improved[rows] & (value == current[rows])
                        & (trial[k] < points[k][rows]))
                if flat.any():
                    points[k][rows[flat]] = trial[k][flat]


def _strides_in_turn(objective: Objective, box: Box, moving: list[str],
                     points: dict[str, np.ndarray], current: np.ndarray,
                     base: Mapping[str, np.ndarray], ahead: np.ndarray, by_rows: bool) -> None:
    """Hooke-Jeeves pattern moves, in place, one call a stride: where the sweep moved
    (``ahead``, from ``base``), go as far again in the same direction, and on success twice
    as far (at most MAX_STRIDES doublings a round), so a narrow ridge is followed in a few
    rounds instead of step by step. Without ``by_rows`` every draw is asked."""
    draws = current.size
    for _ in range(MAX_STRIDES):
        if not ahead.size:
            break
        asked = ahead if by_rows else np.arange(draws)
        trial = {name: v[asked].copy() for name, v in points.items()}
        for k in moving:
            lo, hi = box.bounds(k)
            stride = _clip(2 * points[k][ahead] - base[k][ahead], lo, hi)
            if by_rows:
                trial[k] = stride
            else:
                trial[k][ahead] = stride
        value = _evaluate(objective, trial, asked, by_rows)
        if not by_rows:
            value = value[ahead]
            trial = {name: v[ahead] for name, v in trial.items()}
        better = value > current[ahead]
        chosen = ahead[better]
        for k in moving:
            points[k][chosen] = trial[k][better]
        current[chosen] = value[better]
        ahead = chosen


@dataclass(frozen=True, eq=False)
class _Compass:
    """The trials of a compass sweep over the coordinates ``moving``, the same every round:
    trial 2 i is coordinate i up, 2 i + 1 down; each trial's bounds, sign, column and
    coordinate, and each coordinate's place."""

    lo: np.ndarray
    hi: np.ndarray
    sign: np.ndarray
    down: np.ndarray
    column: np.ndarray
    axis: np.ndarray
    place: dict[str, int]

    @staticmethod
    def of(box: Box, moving: list[str]) -> "_Compass":
        """The sweep's trials over ``moving`` in ``box``."""
        trials = 2 * len(moving)
        sign = np.tile([1.0, -1.0], len(moving))
        return _Compass(np.repeat([box.bounds(k)[0] for k in moving], 2),
                        np.repeat([box.bounds(k)[1] for k in moving], 2), sign, sign < 0,
                        np.arange(trials), np.arange(trials) // 2,
                        {k: i for i, k in enumerate(moving)})


def _sweep(objective: Objective, box: Box, moving: list[str], points: dict[str, np.ndarray],
           current: np.ndarray, step: Mapping[str, np.ndarray], rows: np.ndarray,
           improved: np.ndarray, compass: _Compass | None = None) -> None:
    """:func:`_sweep_in_turn` for the draws ``rows`` only, in waves of one call each: a wave
    asks every waiting row's remaining trials (2 per coordinate) from its point; up to its
    first move (an improvement or a slide down a plateau) the row's point, value and flag
    stay as they were, so that move is found at once, and the trials after it, now stale,
    wait for the next wave, asked from the new point. Each row meets the trials, values and
    moves of the sweep in turn; a wave per move instead of a call per trial. The rows'
    points and signed steps are held side by side, (rows, coordinates) and (rows, trials),
    for the whole sweep (the steps do not change in it), and written back at its end.
    ``compass``: the trials over ``moving`` in ``box``, if already worked out."""
    trials = 2 * len(moving)                # trial 2 i: coordinate i up, 2 i + 1: down
    compass = compass or _Compass.of(box, moving)
    lo, hi, sign, down = compass.lo, compass.hi, compass.sign, compass.down
    column, axis, place = compass.column, compass.axis, compass.place
    held_at = np.stack([points[k][rows] for k in moving], axis=1)       # (rows, coordinates)
    signed = sign * np.repeat(np.stack([step[k][rows] for k in moving], axis=1), 2, axis=1)
    done = np.zeros(rows.size, dtype=int)   # each row's trials met so far
    waiting = np.arange(rows.size)
    while waiting.size:
        r = rows[waiting]
        ask = column >= done[waiting][:, None]                          # (rows, trials)
        here = held_at[waiting]
        at = np.repeat(here, 2, axis=1)
        tried = _clip(at + signed[waiting], lo, hi)
        moved = np.repeat(here[:, None, :], trials, axis=1)             # each trial's point
        moved[:, column, axis] = tried
        drawn = np.repeat(r, trials - done[waiting])
        asked = {k: moved[:, :, place[k]][ask] if k in place else v[drawn]
                 for k, v in points.items()}
        value = np.full(ask.shape, -np.inf)
        value[ask] = _evaluate(objective, asked, drawn, True)
        held = current[r][:, None]
        moves = ask & ((value > held) | (down & ~improved[r][:, None] & (value == held)
                                         & (tried < at)))
        some = np.flatnonzero(moves.any(axis=1))
        first = np.argmax(moves[some], axis=1)
        done[waiting] = trials
        done[waiting[some]] = first + 1
        going, v = r[some], value[some, first]
        better = v > current[going]
        current[going[better]] = v[better]
        improved[going[better]] = True
        held_at[waiting[some], axis[first]] = tried[some, first]
        waiting = waiting[done[waiting] < trials]
    for k, i in place.items():
        points[k][rows] = held_at[:, i]


def _strides(objective: Objective, box: Box, moving: list[str], points: dict[str, np.ndarray],
             current: np.ndarray, base: Mapping[str, np.ndarray], ahead: np.ndarray) -> None:
    """:func:`_strides_in_turn` for the draws ``ahead`` only, in one call: each stride is
    where the one before leads if it succeeds, so all are asked at once and each row stops
    at its first that does not improve (the same points and values as one call a stride)."""
    if not ahead.size:
        return
    chain, at = [], {k: points[k][ahead] for k in moving}
    behind = {k: base[k][ahead] for k in moving}
    bounds = {k: box.bounds(k) for k in moving}
    for _ in range(MAX_STRIDES):
        at = {k: _clip(2 * at[k] - behind[k], *bounds[k]) for k in moving}
        chain.append(at)
    asked = {k: np.concatenate([c[k] for c in chain]) if k in moving
             else np.tile(v[ahead], len(chain)) for k, v in points.items()}
    value = _evaluate(objective, asked, np.tile(ahead, len(chain)), True).reshape(len(chain), -1)
    going = np.arange(ahead.size)
    for stride, at in zip(value, chain):
        better = stride[going] > current[ahead[going]]
        going = going[better]
        for k in moving:
            points[k][ahead[going]] = at[k][going]
        current[ahead[going]] = stride[going]
        if not going.size:
            break


def _evaluate(objective: Objective, points: Mapping[str, np.ndarray], rows: np.ndarray,
              by_rows: bool) -> np.ndarray:
    # Same layout as the scan: draws down the first axis, one candidate per draw.
    coords = {k: v[:, None] for k, v in points.items()}
    value = objective(rows, **coords) if by_rows else objective(**coords)
    value = np.asarray(value, dtype=float)
    if value.shape != (len(rows), 1):        # one value for all draws, or one a draw
        value = np.broadcast_to(value, (len(rows), 1))
    value = value[:, 0]
    return np.fmax(value, -np.inf)           # NaN to minus infinity, the rest as they are


def maximise_by_stencil(objective: Objective, box: Box, draws: int, *, grid_points: int = 65,
                        resolution: float = 1e-6, max_rounds: int = 200,
                        start: Mapping[str, np.ndarray] | None = None,
                        climb_from_start: bool = True, peaks: int = 1) -> SearchResult:
    """Maximise ``objective(rows, **coords)`` over a small continuous ``box``, per draw, with
    every candidate of every draw in one call.

    A grid of about ``grid_points`` points is evaluated for all draws at once. From each
    draw's best grid point, and from ``start`` (one point per draw, if given and elsewhere),
    each round polls the 3^d - 1 neighbours of the point at its step (one call for all,
    each distinct point once),
    moves to the best neighbour that improves, or halves the step, until the step is below
    ``resolution`` of each range (on one coordinate: a bracketed parabolic and golden-section
    search to that resolution, one point a round, with secant steps to a plateau's lower
    end); the better of the two ends is the answer
    (with ``climb_from_start=False`` the start is one more candidate of the grid). On one coordinate
    it also climbs from the next best ``peaks - 1`` local maxima of the grid (an objective
    with separated peaks). ``objective``
    receives the draws ``rows`` asked (indices, possibly repeated) and each coordinate as an
    array of shape (len(rows), m) or (1, m), and returns values of shape (len(rows), m); NaN
    counts as minus infinity. Meant for the one to three coordinates left once the rest are
    solved exactly; the answer is at least as good as ``start`` and as every grid point.

    >>> import numpy as np
    >>> c = np.array([0.25, 0.6])
    >>> def f(rows, x):
    ...     return -np.abs(x - c[rows][:, None])
    >>> r = maximise_by_stencil(f, Box({"x": (0.0, 1.0)}), 2)
    >>> np.round(r.points["x"], 4).tolist()
    [0.25, 0.6]
    """
    names = [k for k in box.names if box.is_continuous(k)]
    every = np.arange(draws)
    grid = box.grid(grid_points)
    values = _values(objective(every, **{k: v[None, :] for k, v in grid.items()}), draws)
    best = np.argmax(values, axis=1)
    current = values[every, best]
    points = {k: grid[k][best].astype(float) for k in box.names}
    owner = every
    if peaks > 1 and len(names) == 1 and len(box.names) == 1 and values.shape[1] > 2:
        owner, points, current = _other_peaks(values, best, grid[names[0]], names[0], peaks - 1,
                                              points, current)
    if start is not None:
        began = {k: np.broadcast_to(np.asarray(start[k], dtype=float), (draws,))
                 for k in box.names}
        other = every[np.any([began[k] != points[k][:draws] for k in box.names], axis=0)]
        value = _values(objective(other, **{k: v[other][:, None] for k, v in began.items()}),
                        other.size)[:, 0]
        if climb_from_start:
            owner = np.concatenate([owner, other])
            points = {k: np.concatenate([points[k], began[k][other]]) for k in box.names}
            current = np.concatenate([current, value])
        else:
            ahead = value > current[other]
            for k in box.names:
                points[k][other[ahead]] = began[k][other[ahead]]
            current[other[ahead]] = value[ahead]
    per_axis = [len(np.unique(grid[k])) for k in names]
    spans = np.array([box.bounds(k)[1] - box.bounds(k)[0] for k in names])
    step = np.tile(spans / np.maximum(1, np.array(per_axis) - 1), (owner.size, 1))
    if len(names) == 1 and len(box.names) == 1:
        _line_climb(objective, box, names[0], owner, points[names[0]], current, step[:, 0],
                    resolution, max_rounds)
    else:
        _climb(objective, box, names, owner, points, current, step, resolution, max_rounds)
    # The best end per draw: the search from the grid's best (rows < draws) or from another
    # start (its other peaks, ``start``), the first of equals.
    extra = np.arange(draws, owner.size)
    ranked = extra[np.lexsort((extra, -current[extra], owner[extra]))]   # by draw, best first
    ranked = ranked[np.r_[True, owner[ranked][1:] != owner[ranked][:-1]]] if ranked.size else ranked
    won = ranked[current[ranked] > current[owner[ranked]]]
    for k in box.names:
        points[k][owner[won]] = points[k][won]
    current[owner[won]] = current[won]
    reached = {k: float(np.max(step[:, i]) / spans[i]) if draws else 0.0
               for i, k in enumerate(names)}
    return SearchResult(points={k: v[:draws] for k, v in points.items()},
                        values=current[:draws], grid_size=int(values.shape[1]),
                        resolution=reached)


#: Relative difference under which two values of the 1-D search count as equal.
_TIES = 1e-12
#: The golden section's share of a bracket (its smaller part).
_GOLDEN = (3 - 5 ** 0.5) / 2


def _line_climb(objective: Objective, box: Box, name: str, owner: np.ndarray, x: np.ndarray,
                fx: np.ndarray, step: np.ndarray, resolution: float, max_rounds: int) -> None:
    """One coordinate: bracket a local maximum around each row's point ``x`` (moving by
    ``step`` while an end is better), then shrink the bracket by parabolic interpolation
    through its three points, with a golden-section step where the parabola is not concave,
    falls outside, or shrank the bracket less than half in two rounds (Brent, *Algorithms for
    Minimization without Derivatives*, 1973, ch. 5). One point per row and round; in place.
    Equal values go to the lower point (a plateau is left at its lower end, as the compass
    search does). Where an end is exactly as good as the point, the point is on a plateau and
    the plateau's lower end is found by secants through the rising side (:func:`_edge_step`),
    not by golden sections."""
    lo, hi = box.bounds(name)
    tol = resolution * (hi - lo)

    def f(rows: np.ndarray, z: np.ndarray) -> np.ndarray:
        return _values(objective(owner[rows], **{name: z[:, None]}), rows.size)[:, 0]

    every = np.arange(owner.size)
    a, b = np.maximum(x - step, lo), np.minimum(x + step, hi)
    both = f(np.concatenate([every, every]), np.concatenate([a, b]))
    fa, fb = both[:owner.size], both[owner.size:]
    fa[a == x], fb[b == x] = -np.inf, -np.inf
    # Values this close count as equal: a plateau's rounding noise must not walk the point
    # along it, away from a peak at its edge.
    same = lambda f, g: np.abs(f - g) <= _TIES * np.maximum(1.0, np.abs(g))  # noqa: E731
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
    width = b - a                      # the bracket's width a round ago, and two rounds ago
    earlier = width.copy()
    # The point left of a on the rising side, and the last edge estimate (see _edge_step).
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
        # Each difference once (every use below is the same operation on the same numbers).
        below, above, span = xx - xa, xb - xx, xb - xa
        wider = above > below                        # the upper part of the bracket
        with np.errstate(all="ignore"):
            from_a, from_b, beyond = px - pa, px - pb, xx - xb
            p = below ** 2 * from_b - beyond ** 2 * from_a
            q = below * from_b - beyond * from_a
            u = xx - 0.5 * p / q
        golden = np.where(wider, xx + _GOLDEN * above, xx - _GOLDEN * below)
        slow = span > 0.5 * earlier[active]
        bad = ~np.isfinite(u) | (u <= xa) | (u >= xb) | ~np.isfinite(pa + pb) | slow
        u = np.where(bad, golden, u)
        edge = xb == xx
        if edge.any():
            e = active[edge]
            u[edge], guess[e] = _edge_step(xa[edge], pa[edge], xx[edge], px[edge], a2[e], fa2[e],
                                           guess[e], slow[edge], tol)
        # Never closer to x than the tolerance (the comparison would be rounding).
        near = np.abs(u - xx) < tol
        u = np.where(near, np.where(wider, xx + tol, xx - tol), u)
        u = _clip(u, xa, xb)
        fu = f(active, u)
        earlier[active] = width[active]
        width[active] = span
        # On a plateau's edge only its exact level counts as the plateau: within the ties,
        # a chain of points each just below the last would creep down the rising side.
        tie = np.where(edge, fu == px, same(fu, px))
        left = u < xx
        better = ((fu > px) & ~tie) | (tie & left)
        # Better: u is the new point, x an end; else u is the new end on its side.
        na = np.where(better, np.where(left, xa, xx), np.where(left, u, xa))
        nfa = np.where(better, np.where(left, pa, px), np.where(left, fu, pa))
        nb = np.where(better, np.where(left, xx, xb), np.where(left, xb, u))
        nfb = np.where(better, np.where(left, px, pb), np.where(left, pb, fu))
        moved = na != xa
        shifted = active[moved]
        a2[shifted], fa2[shifted] = xa[moved], pa[moved]
        a[active], fa[active], b[active], fb[active] = na, nfa, nb, nfb
        x[active] = np.where(better, u, xx)
        fx[active] = np.where(better, fu, px)
        gap = nb - na
        step[active] = gap / 2
        active = active[gap > 3 * tol]
    step[:] = np.minimum(step, (b - a) / 2)


def _edge_step(a: np.ndarray, fa: np.ndarray, x: np.ndarray, fx: np.ndarray, a2: np.ndarray,
               fa2: np.ndarray, guess: np.ndarray, slow: np.ndarray, tol: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """The next point for rows whose x is the lowest point known on a plateau, with a < x
    rising: where the secant through the rising points (a2, a) reaches the plateau's level,
    pushed past it by the change since the last estimate (at least ``tol``), so it lands on
    the plateau once the secant has converged (the error of a secant estimate is below its
    last change); the middle of [a, x] where there is no rising secant or the bracket shrank
    less than half in two rounds. Returns the points and the estimates."""
    with np.errstate(all="ignore"):
        slope = (fa - fa2) / (a - a2)
        estimate = a + (fx - fa) / slope
        push = np.maximum(tol, np.nan_to_num(np.abs(estimate - guess), nan=tol))
    usable = (a2 < a) & (slope > 0) & np.isfinite(estimate) & (estimate < x) & ~slow
    point = np.where(usable, np.minimum(estimate + push, x), (a + x) / 2)
    return point, np.where(usable, estimate, np.nan)


def _other_peaks(values: np.ndarray, best: np.ndarray, axis: np.ndarray, name: str, count: int,
                 points: dict[str, np.ndarray], current: np.ndarray
                 ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Extra starting rows at the best ``count`` local maxima of a 1-D grid other than each
    draw's best point (a plateau counts once, at its left end)."""
    draws = values.shape[0]
    edge = np.full((draws, 1), -np.inf)
    left = np.concatenate([edge, values[:, :-1]], axis=1)
    right = np.concatenate([values[:, 1:], edge], axis=1)
    peak = (values > left) & (values >= right) & np.isfinite(values)
    peak[np.arange(draws), best] = False
    ranked = np.argsort(np.where(peak, -values, np.inf), axis=1, kind="stable")[:, :count]
    taken = np.take_along_axis(peak, ranked, axis=1)
    owner, column = np.nonzero(taken)
    index = ranked[owner, column]
    return (np.concatenate([np.arange(draws), owner]),
            {name: np.concatenate([points[name], axis[index].astype(float)])},
            np.concatenate([current, values[owner, index]]))


def _climb(objective: Objective, box: Box, names: list[str], owner: np.ndarray,
           points: dict[str, np.ndarray], current: np.ndarray, step: np.ndarray,
           resolution: float, max_rounds: int) -> None:
    """The stencil rounds of :func:`maximise_by_stencil`, in place: row i of ``points``
    belongs to draw ``owner[i]``. The rows still moving are kept side by side (points,
    values, steps, last polls); a row whose step falls below the resolution never moves
    again, so it is written back and dropped."""
    lo = np.array([box.bounds(k)[0] for k in names])
    hi = np.array([box.bounds(k)[1] for k in names])
    span = hi - lo
    moves = np.array([m for m in np.ndindex(*(3,) * len(names)) if any(i != 1 for i in m)],
                     dtype=float).reshape(-1, len(names)) - 1   # every neighbour, not the centre
    downhill = np.flatnonzero(np.all(moves <= 0, axis=1))
    # Each row's neighbours at its last poll and their values (NaN: none), and after a move
    # the old centre (last; only where its value came from a poll too, not from the grid or
    # the start, asked in another layout). After a move most of the new neighbours are among
    # them: where one is the same point, bit for bit, its value is taken, not asked again
    # (the objective is a function of the draw and the point alone: the same number).
    m = moves.shape[0]
    live = np.arange(owner.size)
    here = {k: points[k].copy() for k in box.names}
    value_here, step_here = current.copy(), step.copy()
    seen = np.full((owner.size, m + 1, len(names)), np.nan)
    seen_value = np.full((owner.size, m + 1), -np.inf)
    polled = np.zeros(owner.size, dtype=bool)
    for _ in range(max_rounds):
        going = np.any(step_here > resolution * span, axis=1)
        if not going.all():
            _write_back(live[~going], ~going, names, here, value_here, step_here, points,
                        current, step)
            live = live[going]
            here = {k: v[going] for k, v in here.items()}
            value_here, step_here = value_here[going], step_here[going]
            seen, seen_value, polled = seen[going], seen_value[going], polled[going]
        if not live.size:
            break
        trial = {k: here[k][:, None] for k in box.names}
        for i, k in enumerate(names):
            trial[k] = _clip(trial[k] + moves[None, :, i] * step_here[:, i:i + 1], lo[i], hi[i])
        value, seen[:, :m] = _poll(objective, owner[live], trial, names,
                                   {k: here[k] for k in names}, (seen, seen_value))
        seen_value[:, :m] = value
        seen[:, m] = np.nan
        # A row's neighbour by its flat position in the (rows, m) tables, row * m + pick.
        row_start = np.arange(0, live.size * m, m)
        pick = np.argmax(value, axis=1)
        better = np.take(value, row_start + pick) > value_here
        # On a plateau (the objective exactly flat, e.g. a volume beyond demand that buys
        # nothing) slide down, keeping the step: every neighbour ties there, and the better
        # points past the plateau's near edge would never be polled. Only downward (no
        # coordinate up, one down and inside the box), so it cannot cycle.
        tied = (np.take(value, downhill, axis=1) == value_here[:, None]) & ~better[:, None]
        lower = np.zeros_like(tied)
        for k in names:
            below = np.take(trial[k], downhill, axis=1)
            tied &= below <= here[k][:, None]
            lower |= below < here[k][:, None]
        tied &= lower
        slide = tied.any(axis=1)
        pick = np.where(slide, downhill[np.argmax(tied, axis=1)], pick)
        chosen = better | slide
        again = chosen & polled
        seen[again, m] = np.column_stack([here[k][again] for k in names])
        seen_value[again, m] = value_here[again]
        polled |= chosen
        cell = (row_start + pick)[chosen]
        for k in names:
            here[k][chosen] = np.take(trial[k], cell)
        value_here[chosen] = np.take(value, cell)
        step_here[~chosen] /= 2
    _write_back(live, slice(None), names, here, value_here, step_here, points, current, step)


def _write_back(rows: np.ndarray, which: np.ndarray | slice, names: list[str],
                here: Mapping[str, np.ndarray], value_here: np.ndarray, step_here: np.ndarray,
                points: dict[str, np.ndarray], current: np.ndarray, step: np.ndarray) -> None:
    """The state of the live rows ``which`` (rows ``rows`` of the whole) into the whole."""
    for k in names:
        points[k][rows] = here[k][which]
    current[rows] = value_here[which]
    step[rows] = step_here[which]


def _poll(objective: Objective, rows: np.ndarray, trial: Mapping[str, np.ndarray],
          names: list[str], centre: Mapping[str, np.ndarray],
          seen: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The objective at each row's neighbours ``trial`` (len(rows), m), each distinct point
    evaluated once, one point a row of the call. A neighbour clipped onto the centre (a row
    on the box's edge) is minus infinity: its value is the centre's, so it can be neither
    better nor a slide down, as if evaluated. One clipped onto an earlier neighbour takes
    that one's value, and so does one equal to a point of ``seen`` (per row: points
    (len(rows), s, d) in the order of ``names``, NaN for none, and their values (len(rows),
    s)). Returns the values and the points (len(rows), m, d), NaN where on the centre."""
    r, m = len(rows), trial[names[0]].shape[1]
    coords = [np.broadcast_to(trial[k], (r, m)) for k in names]
    on_centre = np.logical_and.reduce([c == centre[k][:, None] for c, k in zip(coords, names)])
    # Each coordinate with the rows along the last axis, (m, r): the comparisons below then
    # run along the long axis.
    by_column = [np.ascontiguousarray(c.T) for c in coords]
    source = _first_same(by_column)
    points = np.stack(coords, axis=2)
    points[on_centre] = np.nan
    ask = (source == np.arange(m)) & ~on_centre
    # Cells of the (r, m) tables by their flat positions (row * m + column): a gather or
    # scatter by one index array, not by a pair.
    value = np.full((r, m), -np.inf)
    if seen is not None:
        first, found = _first_seen(by_column, seen[0])
        known = ask & found
        cell = np.flatnonzero(known)
        np.put(value, cell, np.take(seen[1], cell // m * seen[1].shape[1] + np.take(first, cell)))
        ask &= ~known
    cell = np.flatnonzero(ask)
    if cell.size:
        at = cell // m
        asked = {k: v[at] for k, v in trial.items() if k not in names}
        asked.update({k: np.take(c, cell)[:, None] for k, c in zip(names, coords)})
        np.put(value, cell, _values(objective(rows[at], **asked), at.size)[:, 0])
    return np.take(value, source + np.arange(0, r * m, m)[:, None]), points


def _first_same(by_column: list[np.ndarray]) -> np.ndarray:
    """Per row of the points with coordinates ``by_column`` (each (m, r): a point per row of
    it, the rows along the last axis): for each point, the first of the row's points equal to
    it (itself if none before it), shape (r, m). Each pair is compared once, the later point
    against the earlier."""
    m, r = by_column[0].shape
    source = np.repeat(np.arange(m)[:, None], r, axis=1)
    for j in range(m - 2, -1, -1):           # the last written, the first equal, wins
        later = by_column[0][j + 1:] == by_column[0][j]                  # (m - j - 1, r)
        for c in by_column[1:]:
            later &= c[j + 1:] == c[j]
        np.putmask(source[j + 1:], later, j)
    return source.T


def _first_seen(by_column: list[np.ndarray], seen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each point of ``by_column`` (as for :func:`_first_same`), the first of its row's
    points ``seen`` ((r, s, d), NaN for none) equal to it, and whether there is one; each
    (r, m), the first 0 where none."""
    m, r = by_column[0].shape
    seen_by_column = np.ascontiguousarray(seen.transpose(2, 1, 0))    # (d, s, r)
    first = np.zeros((m, r), dtype=np.intp)
    found = np.zeros((m, r), dtype=bool)
    for j in range(seen.shape[1] - 1, -1, -1):
        equal = by_column[0] == seen_by_column[0, j]
        for c, at in zip(by_column[1:], seen_by_column[1:]):
            equal &= c == at[j]
        np.putmask(first, equal, j)
        found |= equal
    return first.T, found.T


def _values(value: np.ndarray, rows: int) -> np.ndarray:
    value = np.asarray(value, dtype=float)
    if value.ndim != 2 or value.shape[0] != rows:      # not yet a row of values a row
        value = np.broadcast_to(value, (rows, value.shape[-1] if value.ndim else 1))
    return np.fmax(value, -np.inf)           # NaN to minus infinity, the rest as they are
