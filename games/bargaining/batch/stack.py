"""Build a stack of bargaining problems, one per parameter draw, and evaluate both gains on it.

A :class:`BatchProblem` holds two players' utilities as one vectorised callable, a box of issues,
and per-draw parameters and disagreement payoffs; its :meth:`~BatchProblem.gains` are
g_i = u_i - d_i for every draw at once. :func:`scan` evaluates them on a grid of outcomes and
measures each player's range of gains, the unit every margin of :mod:`games.bargaining.batch`
is measured in; :func:`require_finite` refuses a gain that is not finite, naming where.

>>> import numpy as np
>>> p = BatchProblem(lambda x, q: (x["a"], q["c"] - x["a"]), Box({"a": (0.0, 1.0)}),
...                  {"c": np.array([1.0, 3.0])}, (0.0, 0.0))
>>> [g.tolist() for g in p.gains({"a": np.array([[0.25]])})]
[[[0.25], [0.25]], [[0.75], [2.75]]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from games.errors import BargainingError, NotFiniteError
from games.fused import all_finite
from games.optimise.outcome_space import Box

__all__ = ["GAIN_TOLERANCE", "BLOCK_CELLS", "Utilities", "BatchProblem", "GridScan", "scan",
           "grid_gains", "first_step", "require_finite"]

#: Relative slack (in units of a player's range of gains) under which a gain counts as zero.
GAIN_TOLERANCE = 1e-9
#: Most draws x outcomes evaluated in one call of the utilities (a table is split by draws).
BLOCK_CELLS = 65_536

Utilities = Callable[[Mapping[str, np.ndarray], Mapping[str, np.ndarray]],
                     tuple[ArrayLike, ArrayLike]]


@dataclass(frozen=True, eq=False)
class BatchProblem:
    """Two players' utilities over a box of issues, for ``draws`` parameter draws at once.

    ``utilities(outcome, parameters)`` returns (u_1, u_2); it receives each issue and each
    parameter as a 2-D array (draws down the first axis) and must broadcast them. ``parameters``
    and the two ``disagreement`` payoffs hold one value per draw. ``linear=True`` declares both
    utilities affine in the issues (it is checked), which makes the max-min problems LPs.
    ``affine`` names issues in which both utilities are affine once the other issues are fixed
    (checked at every answer): those are solved exactly and only the rest searched
    (:mod:`games.bargaining.affine_split`); ``constant_slopes``: those of them whose slopes
    depend on no issue (the parameters only), found once per draw instead of per candidate.
    ``kinks(outcome, parameters)``: with it, the ``affine`` issues are only piecewise affine:
    both utilities are affine in them on each cell cut out by the hyperplanes where one of
    these functions (each affine in them, returned as a sequence, broadcast like the
    utilities) is zero (:mod:`games.optimise.piecewise`; checked at every answer).
    ``elementwise=True`` declares that the utilities act element by element on arrays of any
    number of axes that broadcast (NumPy ufuncs, as compiled expressions are): :func:`scan`
    then gives each issue an axis of its own, so a term in one issue is worked out once per
    level, not once per grid point (the same numbers). A ``utilities`` object with a method
    ``gains(outcome, parameters, d_1, d_2)`` may work out both gains u - d at once (the same
    numbers, broadcast to one shape; None where it cannot): :meth:`gains` then uses it.

    >>> import numpy as np
    >>> p = BatchProblem(lambda x, q: (x["a"], q["c"] - x["a"]), Box({"a": (0.0, 1.0)}),
    ...                  {"c": np.array([1.0, 3.0])}, (0.0, 0.0))
    >>> p.draws
    2
    """

    utilities: Utilities
    box: Box
    parameters: Mapping[str, ArrayLike]
    disagreement: tuple[ArrayLike, ArrayLike]
    linear: bool = False
    affine: tuple[str, ...] = ()
    constant_slopes: tuple[str, ...] = ()
    kinks: Callable[[Mapping[str, np.ndarray], Mapping[str, np.ndarray]], Any] | None = None
    elementwise: bool = False

    def __post_init__(self) -> None:
        params = {k: np.asarray(v, dtype=float).ravel() for k, v in self.parameters.items()}
        sizes = {len(v) for v in params.values()}
        sizes |= {np.size(d) for d in self.disagreement if np.ndim(d) > 0}
        if len(sizes) > 1:
            raise BargainingError(f"batch problem: parameters and disagreement payoffs must hold "
                                  f"one value per draw; got lengths {sorted(sizes)}")
        n = sizes.pop() if sizes else 1
        if len(self.disagreement) != 2:
            raise BargainingError("batch problem: give two disagreement payoffs (player 1, 2)")
        d = tuple(np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
                  for v in self.disagreement)
        for player, payoff in enumerate(d):
            bad = np.flatnonzero(~np.isfinite(payoff))
            if bad.size:
                at = {k: float(v[bad[0]]) for k, v in params.items()}
                raise NotFiniteError(f"disagreement payoff of player {player + 1} is "
                                     f"{payoff[bad[0]]} at parameters {at}; it must be finite",
                                     player, {}, at, float(payoff[bad[0]]))
        object.__setattr__(self, "parameters", params)
        object.__setattr__(self, "disagreement", d)
        affine = tuple(self.affine or ())
        unknown = [k for k in affine if k not in self.box.names]
        if unknown:
            raise BargainingError(f"batch problem: affine issues {unknown} are not in the box "
                                  f"{list(self.box.names)}")
        object.__setattr__(self, "affine", affine)
        constant = tuple(self.constant_slopes or ())
        if set(constant) - set(affine):
            raise BargainingError(f"batch problem: constant_slopes "
                                  f"{sorted(set(constant) - set(affine))} must be affine issues")
        object.__setattr__(self, "constant_slopes", constant)
        object.__setattr__(self, "_draws", n)
        object.__setattr__(self, "_last", [(None, None)])
        object.__setattr__(self, "_stack", [None])

    def _columns(self, pick: np.ndarray | slice) -> tuple[dict, np.ndarray, np.ndarray]:
        # A search polls the same draws several times a round: slice the data once per set.
        # (One tuple read and one written, so threads sharing a problem never mix two sets.)
        seen, columns = self._last[0]  # type: ignore[attr-defined]
        if seen is pick or (type(pick) is slice and type(seen) is slice and seen == pick) or (
                isinstance(pick, np.ndarray) and isinstance(seen, np.ndarray)
                and seen.shape == pick.shape and np.array_equal(seen, pick)):
            return columns
        if type(pick) is not np.ndarray or pick.dtype.kind not in "iu":
            # a slice: views of the parameters, not copies (or a mask: indexed as given)
            columns = ({k: v[pick][:, None] for k, v in self.parameters.items()},
                       self.disagreement[0][pick][:, None], self.disagreement[1][pick][:, None])
        else:
            columns = _gathered_columns(self._stacked(), list(self.parameters), pick)
        self._last[0] = (pick, columns)  # type: ignore[attr-defined]
        return columns

    def _stacked(self) -> np.ndarray:
        # Every parameter, then both disagreement payoffs, one row each: a set of draws is
        # then gathered by one take instead of one per parameter. Made on first use.
        stack = self._stack  # type: ignore[attr-defined]
        if stack[0] is None:
            stack[0] = np.stack([*self.parameters.values(), *self.disagreement])
        return stack[0]

    @property
    def draws(self) -> int:
        """How many problems the stack holds."""
        return self._draws  # type: ignore[attr-defined]

    def take(self, rows: np.ndarray | slice) -> "BatchProblem":
        """The stack of the draws ``rows`` only (indices or a slice)."""
        return BatchProblem(self.utilities, self.box,
                            {k: v[rows] for k, v in self.parameters.items()},
                            (self.disagreement[0][rows], self.disagreement[1][rows]), self.linear,
                            self.affine, self.constant_slopes, self.kinks, self.elementwise)

    def kink_values(self, outcome: Mapping[str, ArrayLike], rows: np.ndarray | slice
                    ) -> np.ndarray:
        """The ``kinks`` functions at ``outcome`` for the draws ``rows``: (rows, outcomes,
        kinks), an outcome per column as in :meth:`gains` (no kinks: a last axis of 0)."""
        params = self._columns(rows)[0]
        width = _width(outcome)
        count = len(range(self.draws)[rows]) if isinstance(rows, slice) else len(rows)
        with np.errstate(all="ignore"):
            found = list(self.kinks(outcome, params)) if self.kinks is not None else []
        shape = (count, width)
        return np.stack([np.broadcast_to(np.asarray(h, dtype=float), shape) for h in found]
                        or [np.zeros(shape)], axis=2)[:, :, :len(found)]

    def gains(self, outcome: Mapping[str, ArrayLike], rows: np.ndarray | slice | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
        """Both players' gains at ``outcome`` for the draws ``rows`` (default: all).

        Issues of shape (1, m) give an (r, m) table (every outcome for every draw); issues of
        shape (r, 1) one outcome per draw.
        """
        pick = slice(None) if rows is None else rows
        width = _width(outcome)
        if width > 1:
            count = self.draws if rows is None else (
                len(range(self.draws)[rows]) if isinstance(rows, slice) else len(rows))
            if count > 1 and count * width > BLOCK_CELLS:
                return self._gains_by_blocks(outcome, pick, count, width)
        params, d_1, d_2 = self._columns(pick)
        with np.errstate(all="ignore"):  # a NaN or inf is refused below, naming where
            both = self._fused_gains(outcome, params, d_1, d_2)
            if both is None:
                u_1, u_2 = self.utilities(outcome, params)
                g_1 = np.asarray(u_1, dtype=float) - d_1
                g_2 = np.asarray(u_2, dtype=float) - d_2
            else:
                g_1, g_2 = both
            finite = _finite(g_1, g_2)
        if g_1.shape != g_2.shape:
            g_1, g_2 = np.broadcast_arrays(g_1, g_2)
        if not finite:
            # Wherever a scan or a search step finds one, not only on a grid: a search must
            # not step on through NaN (a utility is finite over the whole box, or refused).
            # An outcome that is itself NaN (a draw with no agreement) is not a step.
            rows = np.arange(self.draws)[pick]
            shape = np.broadcast_shapes(np.atleast_2d(g_1).shape,
                                        *(np.shape(v) for v in outcome.values()))
            stepped = np.logical_and.reduce(
                [np.isfinite(np.broadcast_to(np.asarray(v, dtype=float), shape))
                 for v in outcome.values()] or [np.ones(shape, dtype=bool)])
            for player, g in enumerate((g_1, g_2)):
                require_finite(self, player, np.where(stepped, np.atleast_2d(g), 0.0), outcome,
                               rows)
        return g_1, g_2

    def _fused_gains(self, outcome: Mapping[str, ArrayLike], params: Mapping[str, np.ndarray],
                     d_1: np.ndarray, d_2: np.ndarray) -> tuple[np.ndarray, ...] | None:
        # Utilities that can work out both gains at once (``gains(outcome, parameters, d_1,
        # d_2)``, the same numbers as u - d; None where they cannot) save the subtractions.
        gains = getattr(self.utilities, "gains", None)
        return None if gains is None else gains(outcome, params, d_1, d_2)

    def _gains_by_blocks(self, outcome: Mapping[str, ArrayLike], pick: np.ndarray | slice,
                         count: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        # A table of many draws x outcomes is evaluated a block of draws at a time: each
        # utility's temporaries then stay in the processor's cache (2-3x faster on a scan),
        # and each draw's values are the same as in one call (utilities act per draw).
        chosen = np.arange(self.draws)[pick] if isinstance(pick, slice) else np.asarray(pick)
        # Consecutive draws are taken as slices: views of the parameters, not copies.
        first = (range(self.draws)[pick].start
                 if isinstance(pick, slice) and pick.step in (None, 1) else None)
        step = max(1, BLOCK_CELLS // width)
        out = (np.empty((count, width)), np.empty((count, width)))
        for a in range(0, count, step):
            part = {k: v[a:a + step] if np.ndim(v) == 2 and np.shape(v)[0] == count else v
                    for k, v in outcome.items()}
            rows = chosen[a:a + step] if first is None else slice(first + a,
                                                                  first + min(a + step, count))
            for whole, g in zip(out, self.gains(part, rows)):
                whole[a:a + step] = g
        return out


def _gathered_columns(stack: np.ndarray, names: list[str], pick: np.ndarray
                      ) -> tuple[dict, np.ndarray, np.ndarray]:
    """The parameters and both disagreement payoffs (the rows of ``stack``, in that order) at
    the draws ``pick``, each a column (len(pick), 1): the same values as indexing each array
    by ``pick``, each column contiguous, from one take."""
    columns = list(np.take(stack, pick, axis=1)[:, :, None])
    return dict(zip(names, columns)), columns[-2], columns[-1]


@dataclass(frozen=True, eq=False)
class GridScan:
    """Both gains on a grid of outcomes for every draw, and each player's range of gains."""

    grid: Mapping[str, np.ndarray]
    gains: tuple[np.ndarray, np.ndarray]
    units: tuple[np.ndarray, np.ndarray]
    grid_points: int


def scan(problem: BatchProblem, grid_points: int = 350) -> GridScan:
    """Evaluate both gains on a grid of about ``grid_points`` outcomes, for every draw.

    The range of each player's gains over the grid (which holds the box's corners, so the
    range is exact for utilities monotone in each issue) is the unit of the max-min margins.

    >>> import numpy as np
    >>> p = BatchProblem(lambda x, q: (x["a"], 2 * (1 - x["a"])), Box({"a": (0.0, 1.0)}),
    ...                  {}, (0.0, 0.0))
    >>> [float(u[0]) for u in scan(p).units]
    [1.0, 2.0]
    """
    grid = problem.box.grid(grid_points)
    shape = (problem.draws, len(next(iter(grid.values()))))
    found = _product_gains(problem, problem.box.grid_axes(grid_points), shape) \
        if problem.elementwise and problem.box.names else None
    g_1, g_2 = found or problem.gains({k: v[None, :] for k, v in grid.items()})
    g_1, g_2 = np.broadcast_to(g_1, shape), np.broadcast_to(g_2, shape)  # finite: gains checks
    units = tuple(np.maximum(np.ptp(g, axis=1), 1e-12) for g in (g_1, g_2))
    return GridScan(grid, (g_1, g_2), units, grid_points)  # type: ignore[arg-type]


def _product_gains(problem: BatchProblem, axes: Mapping[str, np.ndarray],
                   shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray] | None:
    """Both gains on the grid ``axes`` spans (every combination, the first issue slowest, as
    :meth:`Box.grid` lists them) for every draw, shape ``shape``: the utilities called with
    issue j along axis j + 1 and the draws along axis 0, a block of draws at a time, so each
    term is worked out on the axes it uses only. Each gain is the same sequence of element
    operations as :meth:`BatchProblem.gains` on the flat grid (broadcasting repeats operands,
    it changes no arithmetic), so the same numbers. None where a gain is not finite: the flat
    evaluation then finds it and says where."""
    sizes = tuple(len(a) for a in axes.values())
    ones = (1,) * len(sizes)
    outcome = {k: a.reshape(ones[:j] + (len(a),) + ones[j + 1:])[None]
               for j, (k, a) in enumerate(axes.items())}
    out = (np.empty(shape), np.empty(shape))
    step = max(1, BLOCK_CELLS // max(1, shape[1]))
    for a in range(0, shape[0], step):
        rows = slice(a, min(a + step, shape[0]))
        params = {k: v[rows].reshape((-1,) + ones) for k, v in problem.parameters.items()}
        with np.errstate(all="ignore"):
            u = problem.utilities(outcome, params)
            for whole, u_i, d_i in zip(out, u, problem.disagreement):
                if not _block_gains(np.asarray(u_i, dtype=float),
                                    d_i[rows].reshape((-1,) + ones),
                                    whole[rows].reshape((-1,) + sizes)):
                    return None
    return out


def _block_gains(u: np.ndarray, d: np.ndarray, into: np.ndarray) -> bool:
    """Write the gains u - d into ``into`` (a view of a scan's rows, the full block shape);
    False where a gain is not finite. A utility that spans the whole block is subtracted in
    place (no temporary); a smaller one at its own shape, then repeated into the block."""
    g = np.subtract(u, d, out=into) if u.shape == into.shape else u - d
    if not _finite(g):
        return False
    if g is not into:
        np.copyto(into, g)
    return True


def _finite(*tables: np.ndarray) -> bool:
    """Whether every gain in ``tables`` is finite, by one compiled pass over their bits
    (:func:`games.fused.all_finite`), else by one sum each: a sum is finite only if every
    term is (an overflow of a sum of finite terms says False, and the caller's exact check
    then finds nothing)."""
    found = all_finite(*tables)
    if found is not None:
        return found
    return bool(np.isfinite(sum(np.add.reduce(g, axis=None) for g in tables)))


def _width(outcome: Mapping[str, ArrayLike]) -> int:
    """The most outcomes per draw among ``outcome``'s 2-D issue arrays (1 if none is 2-D
    or wider)."""
    width = 1
    for v in outcome.values():
        shape = v.shape if type(v) is np.ndarray else np.shape(v)
        if len(shape) == 2 and shape[1] > width:
            width = shape[1]
    return width


def grid_gains(problem: BatchProblem, grid: Mapping[str, np.ndarray],
               axes: Mapping[str, np.ndarray] | None, rows: slice
               ) -> tuple[np.ndarray, np.ndarray]:
    """Both gains at every package of ``grid`` for the draws ``rows``: with the grid's
    ``axes`` (utilities acting element by element), each issue on an axis of its own
    (:func:`_product_gains`: the same numbers, a term worked out once per level), else as
    one flat table."""
    if axes is not None:
        part = problem if rows.start == 0 and rows.stop >= problem.draws else problem.take(rows)
        found = _product_gains(part, axes, (part.draws, len(next(iter(grid.values())))))
        if found is not None:
            return found
    return problem.gains({k: v[None, :] for k, v in grid.items()}, rows)


def first_step(box: Box, grid: GridScan) -> float:
    """The first step of a compass search started from ``grid``'s best outcome, as a share
    of each range: about one grid spacing (the grid holds about size ** (1 / issues) levels
    an issue), at most a half."""
    size = len(next(iter(grid.grid.values())))
    return 1.0 / max(2, round(size ** (1 / max(1, len(box.names)))))


def require_finite(problem: BatchProblem, player: int, gains: np.ndarray,
                   outcomes: Mapping[str, np.ndarray], rows: np.ndarray | None = None) -> None:
    """Refuse gains that are not finite (a division by zero, a root or log of a negative,
    an overflow), naming the player, the first outcome and the draw where it happens.

    ``gains`` is (draws, outcomes); ``outcomes`` holds the issue values, broadcastable to its
    shape; ``rows``: which of the problem's draws the rows of ``gains`` are (default: all).
    A NaN or infinite gain would otherwise poison every range and comparison downstream.

    >>> import numpy as np
    >>> p = BatchProblem(lambda x, q: (x["a"], 1 / x["a"]), Box({"a": (0.0, 1.0)}), {}, (0, 0))
    >>> scan(p, 5)
    Traceback (most recent call last):
    ...
    games.errors.NotFiniteError: utility of player 2 is inf at outcome {'a': 0.0} (parameters {}); utilities must be finite over the whole outcome space: narrow the ranges or guard divisions, roots and logs
    """
    bad = ~np.isfinite(gains)
    if not bad.any():
        return
    row, column = np.unravel_index(int(np.argmax(bad)), bad.shape)
    at = {k: float(np.broadcast_to(np.asarray(v, dtype=float), bad.shape)[row, column])
          for k, v in outcomes.items()}
    draw = row if rows is None else int(rows[row])
    params = {k: float(v[draw]) for k, v in problem.parameters.items()}
    u = gains[row, column] + problem.disagreement[player][draw]
    raise NotFiniteError(f"utility of player {player + 1} is {u} at outcome {at} (parameters "
                         f"{params}); utilities must be finite over the whole outcome space: "
                         "narrow the ranges or guard divisions, roots and logs",
                         player, at, params, float(u))
