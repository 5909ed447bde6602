"""Line searches for a take-it-or-leave-it ask: max over x of sum_i g_1i(x) 1{g_2i(x) >= 0}.

Player 1 offers one package x to player 2, whose type is one of n draws; draw i accepts when
its gain g_2i(x) is not negative, and then player 1 gains g_1i(x). Along a line x + t e the
objective only jumps where a draw's g_2 changes sign: with both gains tabulated at points
t_0 < ... < t_m of the line for every draw, each draw's crossing in each interval is found by
interpolation (exact where its g_2 is affine along the line, as it is along most issues of a
deal), and the objective at every crossing and every tabulated point is a sum of prefix sums
over the crossings sorted along the line (:func:`line_candidates`). A coordinate search
(:func:`coordinate_ascent`) takes the best of those along every coordinate at once (one call of
the gains per round for all coordinates), checks the best candidates with true gains, and zooms
in around its point where no coordinate improves, so curved gains are followed to the
resolution asked for.

>>> import numpy as np
>>> t = np.array([0.0, 1.0])
>>> g_1 = np.array([[1.0, 0.0], [1.0, 0.0]])        # player 1 gains 1 - t
>>> g_2 = np.array([[-0.2, 0.8], [-0.6, 0.4]])      # draw i accepts from t = 0.2, 0.6
>>> at, value = line_candidates(t, g_1, g_2)
>>> [(round(float(a), 3), round(float(v), 3)) for a, v in zip(at, value)]
[(0.0, 0.0), (1.0, 0.0), (0.2, 0.8), (0.6, 0.8)]
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

from games.compiled import optional_module

__all__ = ["AFFINE_SLACK", "line_candidates", "accepted_sums", "coordinate_ascent"]

#: Relative slack (of the largest gain on a line) under which tabulated gains count as affine.
AFFINE_SLACK = 1e-9
#: Offsets (of a coordinate's range) from a computed crossing at which the gains are checked:
#: the computed position may sit a rounding error on the refusing side of the true one.
NUDGES = np.array([0.0, -1e-15, 1e-15, -1e-14, 1e-14, -1e-13, 1e-13, -1e-12, 1e-12, -1e-10, 1e-10])
#: The compiled loops of :func:`line_candidates`, :func:`_affine` and :func:`accepted_sums`
#: (games/bargaining/_ask.c: the same operations as the NumPy code here, so the same numbers
#: bit for bit), or None: not built, or CHIPDEALS_PURE set (:mod:`games.compiled`). Tests set
#: it to None to compare the two.
_COMPILED = optional_module("games.bargaining._ask")


def line_candidates(t: np.ndarray, g_1: np.ndarray, g_2: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Candidate positions along a line and the objective's value at each, summed over draws.

    ``t`` (m,) increasing positions; ``g_1``, ``g_2`` (n, m) both gains there. The candidates
    are the positions themselves (their values exact) and every draw's crossing of g_2 = 0
    between neighbouring positions (both gains taken as linear in between: exact for gains
    affine along the line, an estimate otherwise). A crossing's value is the larger of the
    objective there (the draw accepts at its crossing) and its limit beside it (the draw out),
    which the objective approaches as closely as rounding allows. Where the compiled loop is
    built (``_COMPILED``), it gives the same numbers; the NumPy code below answers where it
    declines.
    """
    if _COMPILED is not None:
        found = _by_kernel(t, g_1, g_2)
        if found is not None:
            return found
    accepted = g_2 >= 0
    at_points = (g_1 * accepted).sum(axis=0)  # gains are finite (BatchProblem.gains checks)
    h = np.diff(t)
    left, right = accepted[:, :-1], accepted[:, 1:]
    # The crossings row by row (np.nonzero's order), from flat indices: quicker in 2-D.
    rows, cols = np.divmod(np.flatnonzero(left != right), max(t.size - 1, 1))
    if rows.size == 0:
        return t, at_points
    a, b = g_2[rows, cols], g_2[rows, cols + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip(a / (a - b), 0.0, 1.0)
    root = t[cols] + frac * h[cols]
    # Player 1's gain on the interval, per draw: alpha + beta * position.
    slope = (g_1[rows, cols + 1] - g_1[rows, cols]) / h[cols]
    alpha = g_1[rows, cols] - slope * t[cols]
    # The draws accepting at both ends of an interval, summed per interval.
    both = left & right
    base_b = ((g_1[:, 1:] - g_1[:, :-1]) * both).sum(axis=0) / h
    base_a = (g_1[:, :-1] * both).sum(axis=0) - base_b * t[:-1]
    order = np.lexsort((root, cols))
    rows, cols, root, alpha, slope = rows[order], cols[order], root[order], alpha[order], slope[order]
    entering = accepted[rows, cols + 1]
    # Within each interval: entering draws count from their crossing on (prefix sums),
    # leaving draws up to theirs (suffix sums).
    start = np.searchsorted(cols, cols, side="left")
    stop = np.searchsorted(cols, cols, side="right")
    value = base_a[cols] + base_b[cols] * root
    for weight in (alpha, slope):
        part = weight * entering
        prefix = np.concatenate([[0.0], np.cumsum(part)])
        gone = weight * ~entering
        suffix = np.concatenate([[0.0], np.cumsum(gone)])
        total = (prefix[np.arange(1, rows.size + 1)] - prefix[start]
                 + suffix[stop] - suffix[np.arange(rows.size)])
        value = value + (total if weight is alpha else total * root)
    # Beside a crossing, the draw is out: the objective's limit there is worth a candidate
    # too (a draw that accepts at a loss to player 1 makes the best ask sit just short of it).
    value = np.maximum(value, value - (alpha + slope * root))
    return np.concatenate([t, root]), np.concatenate([at_points, value])


def _by_kernel(t: np.ndarray, g_1: np.ndarray, g_2: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`line_candidates` by the compiled loop, or None where the NumPy code answers:
    arrays not of float64 and shapes (m,), (n, m) with m >= 3 (NumPy sums a table of one
    interval over the draws in another order), a position of -0.0, a crossing at NaN, or an
    answer needing a NaN or np.maximum's choice between zeros (the kernel says which)."""
    m = t.shape[0] if t.ndim == 1 else 0
    if m < 3 or not all(v.dtype == np.float64 for v in (t, g_1, g_2)) or \
            g_1.ndim != 2 or g_1.shape != g_2.shape or g_1.shape[1] != m:
        return None
    n = g_1.shape[0]
    at, value = np.empty(m + n * (m - 1)), np.empty(m + n * (m - 1))
    g_1, g_2 = _rows_contiguous(g_1, g_2)
    count = _COMPILED.line_candidates(np.ascontiguousarray(t), g_1, g_2, at, value, n, m)
    if count < 0:
        return None
    return (t, value[:m]) if count == 0 else (at[:m + count], value[:m + count])


def _rows_contiguous(*tables: np.ndarray) -> list[np.ndarray]:
    """The 2-D float64 ``tables`` as the compiled loops read them: each row contiguous, all at
    one row stride; a block of columns of a C-contiguous table (a line's part of the gains)
    passes as it is, anything else is copied to C order."""
    if all(v.strides[1] == 8 and v.strides[0] >= 0 and v.strides[0] % 8 == 0
           and v.strides[0] == tables[0].strides[0] for v in tables):
        return list(tables)
    return [np.ascontiguousarray(v) for v in tables]


def accepted_sums(g_1: np.ndarray, g_2: np.ndarray) -> np.ndarray:
    """Player 1's gains summed over the draws that accept (g_2 >= 0), per column of the
    tables (draws, packages): np.where(g_2 >= 0, g_1, 0.0).sum(axis=0), by the compiled loop
    where built and both tables are C-contiguous of at least two columns: NumPy then sums the
    table row after row from 0.0, as the loop does, so the same numbers.

    >>> accepted_sums(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, -1.0], [1.0, 1.0]]))
    array([4., 4.])
    """
    if _COMPILED is not None and g_1.ndim == 2 and g_1.shape == g_2.shape \
            and g_1.shape[1] >= 2 and g_1.dtype == g_2.dtype == np.float64 \
            and g_1.flags.c_contiguous and g_2.flags.c_contiguous:
        out = np.empty(g_1.shape[1])
        _COMPILED.accepted_sums(g_1, g_2, out, *g_1.shape)
        return out
    return np.where(g_2 >= 0, g_1, 0.0).sum(axis=0)


def _lines(x: np.ndarray, lows: np.ndarray, highs: np.ndarray, zoom: float, points: int,
           straight: np.ndarray) -> list[np.ndarray]:
    """Each coordinate's positions: ``points`` spread over x_k +- zoom * span_k (inside the
    box), and x_k itself; a coordinate along which the gains are ``straight`` (affine) needs
    only its two ends, x_k and an off-centre check point, over its whole range."""
    span = highs - lows
    out = []
    for k in range(x.size):
        if straight[k]:
            spread = [lows[k], lows[k] + 0.382 * span[k], highs[k]]
        else:
            spread = np.linspace(max(lows[k], x[k] - zoom * span[k]),
                                 min(highs[k], x[k] + zoom * span[k]), points)
        out.append(np.unique(np.append(spread, x[k])))
    return out


def _affine(t: np.ndarray, g: np.ndarray) -> bool:
    """Whether every draw's gains ``g`` (draws, positions) lie on a line through its ends."""
    if t.size < 3:
        return False  # nothing to check the line against
    if _COMPILED is not None and t.dtype == g.dtype == np.float64 and g.ndim == 2 \
            and g.shape[1] == t.size:
        found = _COMPILED.affine(np.ascontiguousarray(t), _rows_contiguous(g)[0], g.shape[0],
                                 t.size, AFFINE_SLACK)
        if found >= 0:
            return bool(found)
    inner = g[:, 1:-1]
    predicted = g[:, :1] + (g[:, -1:] - g[:, :1]) * ((t[1:-1] - t[0]) / (t[-1] - t[0]))
    scale = max(np.abs(g[:, 0]).max(), np.abs(g[:, -1]).max(), np.abs(inner).max()) + 1e-300
    return bool((np.abs(predicted - inner) <= AFFINE_SLACK * scale).all())


def _packages(x: np.ndarray, k: int, t: np.ndarray) -> np.ndarray:
    moved = np.tile(x, (t.size, 1))
    moved[:, k] = t
    return moved


def _slopes(x: np.ndarray, lines: list[np.ndarray], g: np.ndarray, edges: np.ndarray,
            span: np.ndarray) -> np.ndarray:
    """Every draw's slope of ``g`` at x along each coordinate (per unit of its range), from the
    tabulated neighbours of x on that coordinate's line (exact along straight lines)."""
    out = np.empty((g.shape[0], x.size))
    for k, t in enumerate(lines):
        i = int(np.searchsorted(t, x[k]))
        a, b = max(i - 1, 0), min(i + 1, t.size - 1)
        out[:, k] = (g[:, edges[k] + b] - g[:, edges[k] + a]) / (t[b] - t[a]) * span[k]
    return out


def _ridges(x: np.ndarray, lows: np.ndarray, highs: np.ndarray, zoom: float, points: int,
            gains: tuple[np.ndarray, np.ndarray], slopes: tuple[np.ndarray, np.ndarray],
            keep: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Lines along the ridges through x: where a draw's acceptance threshold (g_2 = 0) runs
    across the coordinates, a coordinate search stalls on it; the gradient of the accepted
    draws' g_1, projected along the threshold of each of the ``keep`` draws nearest to theirs
    (and of all of them), is followed on a copy of the line moved just inside that draw's
    accepting side. Each line is (positions t (m,), packages (m, d)); t = 0 is x."""
    span = highs - lows
    z = (x - lows) / span
    g_2 = gains[1]
    slope_1, slope_2 = slopes
    uphill = np.where(g_2 >= 0, 1.0, 0.0) @ slope_1
    norm = np.linalg.norm(slope_2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.where(norm > 0, np.abs(g_2) / norm, np.inf)
    near = np.argsort(distance, kind="stable")[:keep]
    near = near[distance[near] <= zoom]
    lines = [(z, uphill)]
    normals = [slope_2[j] / norm[j] for j in near]
    for j, n in zip(near, normals):
        lines.append((z + (1e-10 - g_2[j] / norm[j]) * n, uphill - (uphill @ n) * n))
    if len(normals) > 1:
        q, _ = np.linalg.qr(np.array(normals).T)
        lines.append((z, uphill - q @ (q.T @ uphill)))
    out = []
    for origin, direction in lines:
        size = np.linalg.norm(direction)
        if not np.isfinite(size) or size == 0:
            continue
        origin, direction = np.clip(origin, 0.0, 1.0), direction / size
        with np.errstate(divide="ignore", invalid="ignore"):
            ends = np.stack([(0.0 - origin) / direction, (1.0 - origin) / direction])
        low = np.max(np.where(direction != 0, ends.min(axis=0), -np.inf))
        high = np.min(np.where(direction != 0, ends.max(axis=0), np.inf))
        # Across the whole box (a ridge may run far), and within the zoom (where it curves).
        for reach in {np.inf, zoom * np.sqrt(x.size)}:
            a, b = max(-reach, low), min(reach, high)
            if b > a:
                t = np.unique(np.append(np.linspace(a, b, points), 0.0 if a <= 0 <= b else a))
                out.append((t, lows + np.clip(origin + t[:, None] * direction, 0, 1) * span))
    return out


def _best_on(evaluate: Callable, lines: list[tuple[np.ndarray, np.ndarray]], keep: int,
             value: float) -> tuple[np.ndarray | None, float]:
    """The best package on general ``lines`` ((t, packages) each), found as a coordinate
    round finds it: tabulated points exactly, the best crossings checked with true gains."""
    g_1, g_2 = evaluate(np.vstack([p for _, p in lines]))
    found, tried, a = None, [], 0
    for t, packages in lines:
        on_1, on_2 = g_1[:, a:a + t.size], g_2[:, a:a + t.size]
        at, v = line_candidates(t, on_1, on_2)
        exact = int(np.argmax(v[:t.size]))
        if v[exact] > value:
            found, value = packages[exact], float(v[exact])
        top = np.argsort(-v[t.size:], kind="stable")[:keep]
        roots = at[t.size:][top[v[t.size:][top] > value]]
        if roots.size:
            near = np.clip((roots[:, None] + NUDGES * (t[-1] - t[0])).ravel(), t[0], t[-1])
            step = (packages[-1] - packages[0]) / (t[-1] - t[0])
            tried.append(packages[0] + (near - t[0])[:, None] * step)
        a += t.size
    return _checked(evaluate, tried, found, value)


def _checked(evaluate: Callable, tried: list[np.ndarray], found: np.ndarray | None,
             value: float) -> tuple[np.ndarray | None, float]:
    """The best of the packages ``tried`` (a list of (c, d) arrays) by their true gains, if
    better than ``value``; else ``found`` and ``value`` as they were."""
    if tried:
        packages = np.vstack(tried)
        c_1, c_2 = evaluate(packages)
        sums = accepted_sums(c_1, c_2)
        j = int(np.argmax(sums))
        if sums[j] > value:
            return packages[j], float(sums[j])
    return found, value


def coordinate_ascent(evaluate: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
                      lows: ArrayLike, highs: ArrayLike, start: ArrayLike, *,
                      points: int = 17, keep: int = 3, resolution: float = 1e-3,
                      max_rounds: int = 200, memo: dict | None = None
                      ) -> tuple[np.ndarray, float, int]:
    """Maximise sum_i g_1i(x) 1{g_2i(x) >= 0} over the box [lows, highs] from ``start``.

    ``evaluate(X)`` gives both gains (draws, c) at the c packages of X (c, d). Each round
    tabulates the gains along every coordinate's line through the point (over the whole range
    at first), takes every line's tabulated points and its ``keep`` best crossings
    (:func:`line_candidates`), evaluates those crossings with true gains, and moves to the best
    package found if it raises the sum; where none does, the lines zoom in around the point
    (a quarter of the window each time) until their spacing is below ``resolution`` / 16 of each
    range, and a last round over the whole ranges must find nothing better. Besides each
    line's own best, the package moving every coordinate to its line's best is tried. Returns
    the point, its mean gain over the draws and the rounds taken. ``memo`` (a dict shared by
    searches of one problem from several starts): a search reaching a state another one passed
    through ends with that one's answer, which it would find again.
    """
    memo = {} if memo is None else memo
    passed: list[tuple] = []
    lows, highs = np.asarray(lows, dtype=float), np.asarray(highs, dtype=float)
    x = np.clip(np.asarray(start, dtype=float), lows, highs)
    best, zoom, checking, rounds, draws = -np.inf, 1.0, False, 0, 1
    straight = np.zeros(x.size, dtype=bool)  # learnt from the first round, checked in each
    while rounds < max_rounds:
        rounds += 1
        state = (x.tobytes(), zoom, checking, straight.tobytes())
        if memo.get(state) is not None:
            return memo[state]
        passed.append(state)
        lines = _lines(x, lows, highs, zoom, points, straight)
        g_1, g_2 = evaluate(np.vstack([_packages(x, k, t) for k, t in enumerate(lines)]))
        draws, edges = g_1.shape[0], np.cumsum([0] + [t.size for t in lines])
        found, value, crossings, each = x, -np.inf, [], x.copy()
        for k, t in enumerate(lines):
            on_1, on_2 = g_1[:, edges[k]:edges[k + 1]], g_2[:, edges[k]:edges[k + 1]]
            was = straight[k]
            straight[k] = (rounds == 1 or was) and _affine(t, on_1) and _affine(t, on_2)
            at, v = line_candidates(t, on_1, on_2)
            if was and not straight[k]:  # too few points for its crossings: tabulate next
                at, v = t, v[:t.size]
            if k == 0:  # the point itself is on every line: its true value
                best = value = float(v[np.searchsorted(t, x[0])])
                each[0] = at[int(np.argmax(v))]
            exact = int(np.argmax(v[:t.size]))
            if v[exact] > value:
                found, value = _packages(x, k, t[exact:exact + 1])[0], float(v[exact])
            if k and v.max() > best:
                each[k] = at[int(np.argmax(v))]
            top = np.argsort(-v[t.size:], kind="stable")[:keep]
            roots = at[t.size:][top[v[t.size:][top] > value]]
            if roots.size:
                # The crossing itself and either side of it, at rounding-error distances.
                near = (roots[:, None] + NUDGES * (highs[k] - lows[k])).ravel()
                crossings.append(_packages(x, k, np.clip(near, lows[k], highs[k])))
        if np.count_nonzero(each != x) > 1:
            crossings.append(each[None, :])
        found, value = _checked(evaluate, crossings, found, value)
        spacing = 2 * zoom / (points - 1)  # of each range, on the lines that zoom
        if not value > best + 1e-12 * max(1.0, abs(best)) and (
                spacing < resolution / 16 or np.all(straight)):
            # Stalled on every coordinate, zoomed in: try the ridges where thresholds cross.
            here = int(np.searchsorted(lines[0], x[0]))
            slopes = tuple(_slopes(x, lines, g, edges, highs - lows) for g in (g_1, g_2))
            ridges = _ridges(x, lows, highs, zoom, points, (g_1[:, here], g_2[:, here]),
                             slopes, keep)
            if ridges:
                on_ridge, ridge_value = _best_on(evaluate, ridges, keep, value)
                if on_ridge is not None:
                    found, value = on_ridge, ridge_value
        if value > best + 1e-12 * max(1.0, abs(best)):
            changed, far = found != x, np.abs(found - x) > spacing * (highs - lows)
            x, best, checking = found, value, False
            if np.any(changed & ~straight) and not np.any(far & ~straight) \
                    and spacing >= resolution / 16:
                zoom *= 4 / (points - 1)  # a step inside the spacing: look closer there
            continue
        if checking or not np.any(~straight):
            break  # nothing better on any whole line after zooming in to the resolution
        if spacing >= resolution / 16:
            zoom *= 4 / (points - 1)
        else:
            zoom, checking = 1.0, True
    answer = (x, best / draws, rounds)
    memo.update(dict.fromkeys(passed, answer))
    return answer
