"""Problems affine in some issues once the others are fixed: exact inner solves, a short search.

Write an outcome as x = (v, w), where both utilities are affine in w for every fixed v (the
caller declares w, :attr:`games.bargaining.batch.BatchProblem.affine`; a deal's utilities are
checked symbolically, :func:`games.expressions.largest_affine_set`). For each v the problems
of :mod:`games.bargaining.batch` are then solved over w exactly:

- the asymmetric Nash product over w on the edges of the Pareto frontier of a zonotope
  (:func:`games.optimise.nash_product.linear_nash_product`);
- the max-min of two affine margins over w by the LP's dual
  (:func:`games.optimise.maximin.linear_maximin`).

So F(v) = max_w f(v, w) is known exactly at every v, and only the issue in v is searched
(:func:`games.optimise.box_search.maximise_by_stencil`: a grid, then a bracketed parabolic and
golden-section search from its best local maxima, every draw in one evaluation of the
utilities per round). The
coefficients of w come from the gains at the lower corner of w and one step up each
coordinate of w: exact for affine gains up to rounding, and checked again at the answer (a
draw where the model and the gains disagree is reported, and the caller searches it the old
way).

>>> import numpy as np
>>> from games.bargaining.batch import BatchProblem, nash_benchmark
>>> from games.optimise.outcome_space import Box
>>> def u(x, p):                # a concave volume v, a linear transfer w
...     return np.log1p(x["v"]) - x["w"], x["w"] - 0.5 * x["v"]
>>> p = BatchProblem(u, Box({"v": (0.0, 4.0), "w": (0.0, 2.0)}), {}, (0.0, 0.0),
...                  affine=("w",))
>>> n = nash_benchmark(p)        # max log(g1) + log(g2): v = 1 (g1 + g2 = log(1+v) - v/2)
>>> round(float(n.points["v"][0]), 5), n.method.startswith("exact in w")
(1.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from games.optimise.box_search import maximise_by_stencil
from games.optimise.maximin import linear_maximin
from games.optimise.nash_product import linear_nash_product
from games.optimise.outcome_space import Box
from games.optimise.piecewise import (MAX_VERTEX_SYSTEMS, best_on_segments, cell_vertices,
                                     unseparated, vertex_systems)

__all__ = ["SPLIT_GRID", "SPLIT_PEAKS", "MAX_SEARCHED", "MAX_SEARCHED_NASH", "MODEL_TOLERANCE",
           "SplitAnswer",
           "split_box", "split_method", "affine_model", "constant_part", "split_nash",
           "split_maximin", "piecewise_model", "known_cells"]

#: Grid points over the searched issue v before the line search (per draw).
SPLIT_GRID = 9
#: Most local maxima of the grid over the searched issue climbed from (separated peaks: a
#: volume capped by demand can make one at the cap and one at the top of its range).
SPLIT_PEAKS = 3
#: Most issues left to search. With two (a deal's two chip volumes) the stencil polls eight
#: neighbours a round and the crease of a max-min in them; measured on the library it cost
#: 2-4x the general search and found smaller margins in some draws, so those problems are
#: searched the general way.
MAX_SEARCHED = 1
#: Most issues left to search for the Nash product (:func:`split_nash`). With the Gulf deals'
#: two chip volumes left, the stencil search exact in the other three issues was never below
#: the compass search over all five (2,000 draws) and above it by up to 9% of the log Nash
#: product where the compass stalled; a brute-force grid over the two volumes, exact in the
#: rest, never beat it (tests/deals/test_split_solves.py).
MAX_SEARCHED_NASH = 2
#: Relative error (of the largest gain met) under which the affine model of w counts as exact
#: at the answer; a draw beyond it is handed back to the general search.
MODEL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class SplitAnswer:
    """Per draw: the outcome found, the objective there, and whether the affine model held."""

    points: Mapping[str, np.ndarray]
    values: np.ndarray
    exact: np.ndarray


def split_box(problem: Any, most: int = MAX_SEARCHED) -> tuple[list[str], list[str]] | None:
    """(v, w): the searched issues and the declared affine ones, or None where the split does
    not apply (nothing declared, a discrete issue with several levels, or no issue left to
    search: an all-affine problem is the ``linear`` case, or more than ``most``)."""
    box: Box = problem.box
    declared = set(getattr(problem, "affine", ()) or ())
    if not declared:
        return None
    if any(not box.is_continuous(k) and box.bounds(k)[1] > box.bounds(k)[0] for k in box.names):
        return None
    w = [k for k in box.names if k in declared and box.is_continuous(k)]
    v = [k for k in box.names if k not in declared and box.is_continuous(k)]
    if not w or not v or len(v) > most:
        return None
    return v, w


def split_method(problem: Any, inner: str, most: int = MAX_SEARCHED) -> str:
    """The method string of a split solve: what is exact, over which issues, what is searched.

    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(box=Box({"v": (0.0, 1.0), "w": (0.0, 1.0)}), affine=("w",))
    >>> print(split_method(p, "an LP"))  # doctest: +NORMALIZE_WHITESPACE
    exact in w (an LP; the utilities are affine in it once v is fixed), searched over v (a
    grid, then a bracketed parabolic and golden-section search from its best peaks)
    """
    v, w = split_box(problem, most) or ([], [])
    if getattr(problem, "kinks", None) is not None:
        inner = ("both gains on the segments between the vertices of the cells their kinks "
                 "cut out, exact")
    how = ("a grid, then a bracketed parabolic and golden-section search from its best peaks"
           if len(v) == 1 else "a grid, then a stencil search")
    kind = "piecewise affine" if getattr(problem, "kinks", None) is not None else "affine"
    return (f"exact in {', '.join(w)} ({inner}; the utilities are {kind} in "
            f"{'it' if len(w) == 1 else 'them'} once {', '.join(v)} "
            f"{'is' if len(v) == 1 else 'are'} fixed), searched over {', '.join(v)} ({how})")


def affine_model(problem: Any, rows: np.ndarray, v: Mapping[str, np.ndarray], w: list[str],
                 known: tuple[np.ndarray, np.ndarray] | None = None, scaled: bool = True
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Both gains as affine functions of w at the searched values ``v`` (each (r, m)).

    Returns (a, a0, b, b0, scale): g_1 = a . w + a0 and g_2 = b . w + b0, with a, b of shape
    (r, m, k) and a0, b0 of shape (r, m); ``scale`` (r, m) is the largest absolute gain met, the
    yardstick of :data:`MODEL_TOLERANCE` (None with ``scaled=False``, for a caller that does
    not check the model). One evaluation of the utilities: the lower corner of w and one step
    up each coordinate, every candidate side by side. ``known``: the slopes of the problem's
    ``constant_slopes`` (in the order of w), one row per draw, found once; those coordinates
    are then not stepped.
    """
    return _modelled(_Probes.of(problem, w, known is not None), problem, rows, v, known, scaled)


@dataclass(frozen=True, eq=False)
class _Probes:
    """What :func:`affine_model` needs of the box and w, the same for every call of a search:
    the probed and the known coordinates (each a slice where one or all of w), the
    corners of w, and the probes' issue values for one candidate a row."""

    w: int
    probed: list[str]
    constant: list[str]
    where: slice | list[int]
    fixed: slice | list[int]
    lo: np.ndarray
    width: np.ndarray
    steps: dict[str, tuple[np.ndarray, float, float]]
    single: dict[str, np.ndarray]

    @staticmethod
    def of(problem: Any, w: list[str], known: bool) -> "_Probes":
        """The probes of w for ``problem`` (``known``: its constant slopes are given)."""
        box: Box = problem.box
        constant = [n for n in w if n in problem.constant_slopes] if known else []
        probed = [n for n in w if n not in constant]
        k = len(probed)
        lo = np.array([box.bounds(n)[0] for n in w])
        hi = np.array([box.bounds(n)[1] for n in w])
        where = [w.index(n) for n in probed]
        steps, single = {}, {}         # w in its order, then the other issues
        for n in w:
            low, high = box.bounds(n)
            if n in constant:
                single[n] = np.full((1, 1), low)
            else:
                step = np.arange(k + 1) == probed.index(n) + 1
                steps[n] = (step, high, low)
                single[n] = np.where(step, high, low)[None, :]
        for n in box.names:
            if n not in single:
                single[n] = np.full((1, 1), box.bounds(n)[0])
        return _Probes(len(w), probed, constant, _sliced(where, len(w)),
                       _sliced([w.index(n) for n in constant], len(w)), lo, (hi - lo)[where],
                       steps, single)


def _sliced(index: list[int], total: int) -> slice | list[int]:
    """``index`` (positions in w, of ``total``) as a slice where it is one position or all of
    them (the same elements; there a slice is the cheaper assignment, measured), else as it
    is."""
    if len(index) == 1:
        return slice(index[0], index[0] + 1)
    if index == list(range(total)):
        return slice(0, total)
    return index


def _modelled(probes: _Probes, problem: Any, rows: np.ndarray, v: Mapping[str, np.ndarray],
              known: tuple[np.ndarray, np.ndarray] | None, scaled: bool
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`affine_model` with its probes worked out (the same arithmetic)."""
    k = len(probes.probed)
    r, m = len(rows), _columns(v)
    # One candidate a row: v stays one column and broadcasts against the probes of w, so the
    # utilities' terms in v alone are worked out once, not once a probe (the same numbers).
    if m == 1:
        outcome = {n: x if np.shape(x) == (r, 1) else np.broadcast_to(x, (r, 1))
                   for n, x in v.items()}
    else:
        outcome = {n: np.tile(np.broadcast_to(x, (r, m)), (1, k + 1)) for n, x in v.items()}
    for n, issue in probes.single.items():
        if n not in outcome:
            step, high, low = probes.steps.get(n, (None, 0.0, 0.0))
            outcome[n] = issue if m == 1 or step is None else np.repeat(
                np.where(step, high, low), m)[None, :]
    g_1, g_2 = problem.gains(outcome, rows)
    out = []
    scale = np.zeros((r, m)) if scaled else None
    for player, g in enumerate((g_1, g_2)):
        if np.shape(g) != (r, (k + 1) * m):
            g = np.broadcast_to(g, (r, (k + 1) * m))
        g = g.reshape(r, k + 1, m)
        slope = np.empty((r, m, probes.w))
        if m == 1:
            slope[:, 0, probes.where] = (g[:, 1:, 0] - g[:, :1, 0]) / probes.width
        else:
            slope[:, :, probes.where] = np.moveaxis((g[:, 1:, :] - g[:, :1, :])
                                                    / probes.width[None, :, None], 1, 2)
        if probes.constant:
            slope[:, :, probes.fixed] = known[player][:, None, :]  # type: ignore[index]
        out += [slope, g[:, 0, :] - slope @ probes.lo]
        if scaled:
            scale = np.maximum(scale, np.max(np.abs(g), axis=1))
    return (*out, scale)


def _columns(v: Mapping[str, np.ndarray]) -> int:
    """The candidates per row of the searched values ``v`` (the last axis they broadcast to)."""
    shapes = [np.shape(x) for x in v.values()]
    if all(len(s) == 2 for s in shapes) and len({s[1] for s in shapes} - {1}) <= 1:
        return max(s[1] for s in shapes)
    return np.broadcast_shapes(*shapes)[-1]


def constant_part(problem: Any, rows: np.ndarray, v: Mapping[str, np.ndarray], w: list[str]
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """The slopes of the problem's ``constant_slopes`` for each of ``rows`` (found at ``v``,
    one point per row): what :func:`affine_model` takes as ``known``; None if it has none."""
    if not any(n in problem.constant_slopes for n in w):
        return None
    a, _, b, _, _ = affine_model(problem, rows, {n: x[:, None] for n, x in v.items()}, w,
                                 scaled=False)
    fixed = [w.index(n) for n in w if n in problem.constant_slopes]
    return a[:, 0, fixed], b[:, 0, fixed]


def _rows(known: np.ndarray | None, r: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Both players' known slopes at the rows ``r`` of ``known`` (both side by side, (draws,
    2, k): one gather instead of two)."""
    if known is None:
        return None
    picked = np.take(known, r, axis=0)
    return picked[:, 0], picked[:, 1]


def _flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, *x.shape[2:])


def split_nash(problem: Any, rows: np.ndarray, beta: np.ndarray,
               start: Mapping[str, np.ndarray], resolution: float,
               max_rounds: int = 200) -> SplitAnswer | None:
    """The asymmetric Nash solution of the draws ``rows``: exact in w, searched in v (at most
    :data:`MAX_SEARCHED_NASH` issues).

    ``start``: one outcome per draw (e.g. the best of a grid scan over all issues); its v is
    polled with the grid, so the answer is at least as good as the start. Objective values are
    beta log g_1 + (1 - beta) log g_2 (minus infinity where no w gives both gains positive).
    """
    def solve(picked, a, a0, b, b0, lo, hi):
        found = linear_nash_product(a, a0, b, b0, lo, hi, beta[picked])
        return found.values, found.points

    def pieces(picked, g_1, g_2):
        return g_1, g_2, beta[picked]

    return _split_search(problem, rows, (solve, pieces), start, resolution, max_rounds, False,
                         MAX_SEARCHED_NASH)


def split_maximin(problem: Any, rows: np.ndarray, offsets: tuple[np.ndarray, np.ndarray],
                  units: tuple[np.ndarray, np.ndarray], start: Mapping[str, np.ndarray],
                  resolution: float, max_rounds: int = 200) -> SplitAnswer | None:
    """max_x min((g_1 - o_1) / r_1, (g_2 - o_2) / r_2) for the draws ``rows``: exact in w (an
    LP per candidate v, by its dual), searched in v. ``offsets`` and ``units`` hold one value
    per draw of the problem; ``start`` one outcome per row of ``rows``."""
    (o_1, o_2), (r_1, r_2) = offsets, units

    def solve(picked, a, a0, b, b0, lo, hi):
        unit_1, unit_2 = r_1[picked], r_2[picked]
        found = linear_maximin(a / unit_1[:, None], (a0 - o_1[picked]) / unit_1,
                               b / unit_2[:, None], (b0 - o_2[picked]) / unit_2, lo, hi)
        return found.values, found.points

    def pieces(picked, g_1, g_2):
        return ((g_1 - o_1[picked][:, None]) / r_1[picked][:, None],
                (g_2 - o_2[picked][:, None]) / r_2[picked][:, None], None)

    return _split_search(problem, rows, (solve, pieces), start, resolution, max_rounds, True)


#: ``solve(draws, a, a0, b, b0, low, high)``: the exact inner problem, one row per candidate
#: (``draws`` says whose), returning its values and maximisers over w.
Solve = Callable[..., tuple[np.ndarray, np.ndarray]]
#: ``pieces(draws, g_1, g_2)``: for the piecewise-affine inner problem, the two functions to
#: combine (from the gains, one row per draw of ``draws``) and the Nash power (None: max-min).
Pieces = Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray | None]]


def _split_search(problem: Any, rows: np.ndarray, solvers: tuple[Solve, Pieces],
                  start: Mapping[str, np.ndarray], resolution: float, max_rounds: int,
                  climb_from_start: bool, most: int = MAX_SEARCHED) -> SplitAnswer | None:
    split = split_box(problem, most)
    if split is None:
        return None
    v, w = split
    box: Box = problem.box
    lo = [box.bounds(n)[0] for n in w]
    hi = [box.bounds(n)[1] for n in w]
    solve, pieces = solvers
    if getattr(problem, "kinks", None) is not None:
        return _piecewise_search(problem, rows, pieces, start, resolution, max_rounds,
                                 climb_from_start, (v, w))
    known = constant_part(problem, rows, {n: start[n] for n in v}, w)
    known = None if known is None else np.stack(known, axis=1)

    probes = {given: _Probes.of(problem, w, given) for given in (False, True)}

    def inner(r: np.ndarray, x: Mapping[str, np.ndarray], full: bool = False):
        given, draws = None if full else _rows(known, r), rows[r]
        a, a0, b, b0, _ = _modelled(probes[given is not None], problem, draws, x, given,
                                    scaled=False)
        value, at = solve(draws if a0.shape[1] == 1 else np.repeat(draws, a0.shape[1]),
                          _flat(a), a0.ravel(), _flat(b), b0.ravel(), lo, hi)
        return value.reshape(a0.shape), at.reshape(*a0.shape, len(w))

    searched = Box({n: box.bounds(n) for n in v})
    found = maximise_by_stencil(lambda r, **x: inner(r, x)[0], searched, rows.size,
                                grid_points=SPLIT_GRID, resolution=resolution,
                                start={n: start[n] for n in v}, max_rounds=max_rounds,
                                climb_from_start=climb_from_start, peaks=SPLIT_PEAKS)
    # At the answer every slope is stepped again (none taken as known), so the check below
    # tests the whole model.
    values, inner_points = inner(np.arange(rows.size),
                                 {n: found.points[n][:, None] for n in v}, True)
    points = {n: found.points[n].copy() for n in v}
    for j, n in enumerate(w):
        points[n] = inner_points[:, 0, j]
    for n in box.names:
        if n not in points:
            points[n] = np.full(rows.size, box.bounds(n)[0])
    exact = _model_holds(problem, rows, points, v, w) | ~np.isfinite(values[:, 0])
    return SplitAnswer(points, values[:, 0], exact)


def _model_holds(problem: Any, rows: np.ndarray, points: Mapping[str, np.ndarray],
                 v: list[str], w: list[str]) -> np.ndarray:
    """Whether the affine model of w at each answer's v predicts the gains at the answer, at
    the upper corner of w and at an off-centre inner point (none of them a point the model was
    made from, but the answer when it lies on a probe), within :data:`MODEL_TOLERANCE`."""
    box: Box = problem.box
    lo = np.array([box.bounds(n)[0] for n in w])
    hi = np.array([box.bounds(n)[1] for n in w])
    inner = lo + (hi - lo) * (0.5 + 0.25 * np.sin(np.arange(1, len(w) + 1)))
    a, a0, b, b0, scale = affine_model(problem, rows, {n: points[n][:, None] for n in v}, w)
    answer = np.column_stack([points[n] for n in w])
    checks = np.stack([answer, np.broadcast_to(hi, answer.shape),
                       np.broadcast_to(inner, answer.shape)], axis=1)       # (r, 3, k)
    outcome = {n: points[n][:, None] for n in box.names if n not in w}
    outcome.update({n: checks[:, :, j] for j, n in enumerate(w)})
    g_1, g_2 = problem.gains(outcome, rows)
    slack = MODEL_TOLERANCE * np.maximum(scale[:, 0], 1e-300)[:, None]
    fit_1 = np.abs(np.einsum("rck,rk->rc", checks, a[:, 0]) + a0 - g_1) <= slack
    fit_2 = np.abs(np.einsum("rck,rk->rc", checks, b[:, 0]) + b0 - g_2) <= slack
    return np.all(fit_1 & fit_2, axis=1)


def piecewise_model(problem: Any, rows: np.ndarray, v: Mapping[str, np.ndarray], w: list[str],
                    known: tuple[np.ndarray, ...] | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cells of w at the searched values ``v`` (each (r, m)), for a problem whose gains are
    affine in w on each cell cut out by its kinks (:attr:`games.bargaining.batch.BatchProblem.
    kinks`): per candidate (r * m rows), every vertex (rows, p, k), whether it is one, which
    pairs of vertices share a cell (rows, p, p), and both gains at the vertices (rows, p).

    The kinks' hyperplanes come from their values at the lower corner of w and one step up each
    coordinate (exact for kinks affine in w, as :meth:`games.expressions.Expression.kinks`
    finds them); the vertices from :func:`games.optimise.piecewise.cell_vertices`. ``known``:
    one draw's kinks and cells per row (slopes, offsets, points, valid, pairs, as
    :func:`known_cells` gives them), reused where the kinks are the same.
    """
    box: Box = problem.box
    k = len(w)
    lo = np.array([box.bounds(n)[0] for n in w])
    hi = np.array([box.bounds(n)[1] for n in w])
    r, m = len(rows), np.broadcast_shapes(*(np.shape(x) for x in v.values()))[-1]
    probes = np.tile(lo, (k + 1, 1))
    probes[1:][np.arange(k), np.arange(k)] = hi
    outcome = {n: np.tile(np.broadcast_to(x, (r, m)), (1, k + 1)) for n, x in v.items()}
    outcome.update({n: np.repeat(probes[:, j], m)[None, :] for j, n in enumerate(w)})
    _fill(box, outcome)
    h = problem.kink_values(outcome, rows)
    h = h.reshape(r, k + 1, m, h.shape[-1])                           # (r, k + 1, m, kinks)
    slopes = np.moveaxis((h[:, 1:] - h[:, :1]) / (hi - lo)[None, :, None, None], 1, 3)
    offsets = h[:, 0] - slopes @ lo                                    # (r, m, kinks)
    if known is None:
        known = (slopes[:, 0], offsets[:, 0], *_cells(slopes[:, 0], offsets[:, 0], lo, hi))
    # Where the kinks are those of the draw's known cells (they do not move with v), the
    # cells are too: only the others are worked out.
    same = (np.all(slopes == known[0][:, None], axis=(2, 3))
            & np.all(offsets == known[1][:, None], axis=2)).ravel()         # (r * m,)
    points, valid, pairs = (np.repeat(z, m, axis=0) for z in known[2:])
    if not same.all():
        fresh = np.flatnonzero(~same)
        found = _cells(slopes.reshape(r * m, h.shape[-1], k)[fresh],
                       offsets.reshape(r * m, h.shape[-1])[fresh], lo, hi)
        for whole, part in zip((points, valid, pairs), found):
            whole[fresh] = part
    p = points.shape[1]
    at = {n: np.repeat(np.broadcast_to(x, (r, m)), p, axis=1) for n, x in v.items()}
    at.update({n: points[:, :, j].reshape(r, m * p) for j, n in enumerate(w)})
    _fill(box, at)
    g_1, g_2 = (np.broadcast_to(g, (r, m * p)).reshape(r * m, p) for g in problem.gains(at, rows))
    return points, valid, pairs, g_1, g_2


def known_cells(problem: Any, rows: np.ndarray, v: Mapping[str, np.ndarray], w: list[str]
                ) -> tuple[np.ndarray, ...]:
    """The kinks and cells of w at one value of v per row (each of ``v`` of shape (r,)), for
    :func:`piecewise_model` to reuse."""
    box: Box = problem.box
    k = len(w)
    lo = np.array([box.bounds(n)[0] for n in w])
    hi = np.array([box.bounds(n)[1] for n in w])
    probes = np.tile(lo, (k + 1, 1))
    probes[1:][np.arange(k), np.arange(k)] = hi
    outcome = {n: np.repeat(np.asarray(x, dtype=float)[:, None], k + 1, axis=1)
               for n, x in v.items()}
    outcome.update({n: probes[None, :, j] for j, n in enumerate(w)})
    _fill(box, outcome)
    h = problem.kink_values(outcome, rows)                             # (r, k + 1, kinks)
    slopes = np.moveaxis((h[:, 1:] - h[:, :1]) / (hi - lo)[None, :, None], 1, 2)
    offsets = h[:, 0] - slopes @ lo
    return (slopes, offsets, *_cells(slopes, offsets, lo, hi))


def _cells(slopes: np.ndarray, offsets: np.ndarray, lo: np.ndarray, hi: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    low, high = np.broadcast_to(lo, (len(offsets), len(lo))), np.broadcast_to(hi, (len(offsets), len(lo)))
    points, valid = cell_vertices(low, high, slopes, offsets)
    return points, valid, unseparated(points, valid, slopes, offsets, low, high)


def _fill(box: Box, outcome: dict[str, Any]) -> None:
    for n in box.names:
        if n not in outcome:
            outcome[n] = np.full((1, 1), box.bounds(n)[0])


def _piecewise_search(problem: Any, rows: np.ndarray, pieces: Pieces,
                      start: Mapping[str, np.ndarray], resolution: float, max_rounds: int,
                      climb_from_start: bool, split: tuple[list[str], list[str]]
                      ) -> SplitAnswer | None:
    """:func:`_split_search` for gains piecewise affine in w: each candidate v's problem over w
    solved exactly on the segments between its cells' vertices
    (:func:`games.optimise.piecewise.best_on_segments`), v searched as there. None where the
    cells have too many vertices to enumerate (:data:`games.optimise.piecewise.
    MAX_VERTEX_SYSTEMS`)."""
    v, w = split
    box: Box = problem.box

    cells = known_cells(problem, rows, {n: start[n] for n in v}, w)
    if vertex_systems(len(w), cells[1].shape[-1]) > MAX_VERTEX_SYSTEMS:
        return None

    def inner(r: np.ndarray, x: Mapping[str, np.ndarray]):
        points, valid, pairs, g_1, g_2 = piecewise_model(problem, rows[r], x, w,
                                                         tuple(z[r] for z in cells))
        m = np.broadcast_shapes(*(np.shape(z) for z in x.values()))[-1]
        f_1, f_2, power = pieces(np.repeat(rows[r], m), g_1, g_2)
        value, i, j, t = best_on_segments(f_1, f_2, pairs, power)
        n = np.arange(len(value))
        at = (1 - t)[:, None] * points[n, i] + t[:, None] * points[n, j]
        return value.reshape(len(r), m), at.reshape(len(r), m, len(w)), (g_1, g_2, i, j, t,
                                                                           pairs, points)

    searched = Box({n: box.bounds(n) for n in v})
    found = maximise_by_stencil(lambda r, **x: inner(r, x)[0], searched, rows.size,
                                grid_points=SPLIT_GRID, resolution=resolution,
                                start={n: start[n] for n in v}, max_rounds=max_rounds,
                                climb_from_start=climb_from_start, peaks=SPLIT_PEAKS)
    every = np.arange(rows.size)
    values, inner_points, model = inner(every, {n: found.points[n][:, None] for n in v})
    points = {n: found.points[n].copy() for n in v}
    for j, n in enumerate(w):
        points[n] = inner_points[:, 0, j]
    _fill(box, points)
    points = {n: np.broadcast_to(x, (rows.size,)).astype(float) if np.ndim(x) != 1 else x
              for n, x in points.items()}
    exact = _pieces_hold(problem, rows, points, v, w, model) | ~np.isfinite(values[:, 0])
    return SplitAnswer(points, values[:, 0], exact)


def _pieces_hold(problem: Any, rows: np.ndarray, points: Mapping[str, np.ndarray],
                 v: list[str], w: list[str], model: tuple[np.ndarray, ...]) -> np.ndarray:
    """Whether the piecewise-affine model holds at each answer: the gains at the answer and at
    the midpoint of every segment searched are those the vertices' gains predict, within
    :data:`MODEL_TOLERANCE` of the largest gain at a vertex."""
    g_1, g_2, i, j, t, pairs, vertices = model
    r, p = g_1.shape
    n = np.arange(r)
    middle = (vertices[:, :, None, :] + vertices[:, None, :, :]) / 2        # (r, p, p, k)
    check = np.concatenate([middle.reshape(r, p * p, -1),
                            np.stack([points[x] for x in w], axis=1)[:, None, :]], axis=1)
    outcome = {x: points[x][:, None] for x in v}
    outcome.update({x: check[:, :, c] for c, x in enumerate(w)})
    _fill(problem.box, outcome)
    h_1, h_2 = (np.broadcast_to(g, check.shape[:2]) for g in problem.gains(outcome, rows))
    scale = np.maximum(np.max(np.abs(g_1), axis=1), np.max(np.abs(g_2), axis=1))
    slack = MODEL_TOLERANCE * np.maximum(scale, 1e-300)[:, None]
    holds = np.ones(r, dtype=bool)
    for g, h in ((g_1, h_1), (g_2, h_2)):
        mid = ((g[:, :, None] + g[:, None, :]) / 2).reshape(r, p * p)
        at = (1 - t) * g[n, i] + t * g[n, j]
        predicted = np.concatenate([mid, at[:, None]], axis=1)
        used = np.concatenate([pairs.reshape(r, p * p), np.ones((r, 1), dtype=bool)], axis=1)
        holds &= np.all(~used | (np.abs(predicted - h) <= slack), axis=1)
    return holds
