"""A stack of bargaining problems solved at once: one problem per draw of the parameters.

Two players have utilities u_1(x, theta), u_2(x, theta) over a box of issues x (continuous
ranges, discrete levels, or both) and disagreement payoffs d_i(theta); gains are
g_i = u_i - d_i. A :class:`BatchProblem` holds the utilities as one vectorised callable, the
box, and per-draw parameters and disagreement points. Per draw it gives:

- :func:`nash_benchmark`: the asymmetric Nash solution, maximising
  beta log g_1 + (1 - beta) log g_2 over outcomes with both gains positive (Nash 1950;
  Kalai 1977 for the asymmetric form; power beta per draw);
- :func:`zone_test`: the zone of agreement's margin max_x min(g_1 / r_1, g_2 / r_2), with r_i
  each player's range of gains over the box; the zone is empty when it is not positive;
- :func:`better_for_both`: the largest common improvement over a package p,
  max_x min((g_1(x) - g_1(p)) / r_1, (g_2(x) - g_2(p)) / r_2), and the package that achieves it
  (positive: p is not Pareto optimal; Raiffa, *The Art and Science of Negotiation*, 1982);
- :func:`optimal_ask`: player 1's take-it-or-leave-it package maximising its expected gain
  E[g_1(x) 1{g_2(x) >= 0}] over the draws (one package for all draws), with its acceptance.

Measuring gains in units of their ranges keeps the margins invariant to rescaling a utility.
The max-min problems are solved exactly when both utilities are affine in the issues (declare
``linear=True``): a linear programme per draw, all draws at once (:func:`games.optimise.
linear_maximin`). When they are affine in all issues but one once that one is fixed (declare
``affine``), every problem here is solved exactly in those issues and searched in the one left
(:mod:`games.bargaining.affine_split`). Otherwise sequential linear programming with a trust
region: the two gains are linearised around the current point and the exact LP step is taken,
so the search follows the crease where the two gains are equal instead of stalling on it as a
compass search does.

>>> import numpy as np
>>> from games.optimise.outcome_space import Box
>>> size = np.array([1.0, 2.0])                  # two draws: a pie of size 1, then of size 2
>>> def split(x, p):                             # player 1 keeps the share x
...     return x["share"] * p["size"], (1 - x["share"]) * p["size"]
>>> problem = BatchProblem(split, Box({"share": (0.0, 1.0)}), {"size": size},
...                        (np.zeros(2), np.zeros(2)), linear=True)
>>> nash_benchmark(problem, power=[0.5, 0.75]).points["share"].round(4).tolist()
[0.5, 0.75]
>>> better_for_both(problem, {"share": 0.5}).margin.round(6).tolist()   # already efficient
[0.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from games.bargaining.ask import coordinate_ascent
from games.optimise.box_search import maximise
from games.optimise.outcome_space import Box
from games.errors import BargainingError, NotFiniteError
from games.optimise import maximin_by_homotopy, maximin_by_lp_steps
from games.optimise.nash_product import linear_nash_product
from games.bargaining.affine_split import (MAX_SEARCHED_NASH, split_maximin, split_method,
                                          split_nash)

__all__ = [
    "GAIN_TOLERANCE", "AFFINE_TOLERANCE", "EXACT_NASH", "BLOCK_CELLS", "LP_ROUNDS",
    "SPLIT_RESOLUTION",
    "BatchProblem", "GridScan", "scan",
    "require_finite", "BatchNash", "BatchMaximin", "TakeItOrLeaveIt", "nash_benchmark",
    "zone_test", "better_for_both", "optimal_ask", "affine_gains",
]

#: Relative slack (in units of a player's range of gains) under which a gain counts as zero.
GAIN_TOLERANCE = 1e-9
#: Most draws x outcomes evaluated in one call of the utilities (a table is split by draws).
BLOCK_CELLS = 65_536
#: Grid packages the take-it-or-leave-it search starts from (the best ones of its scan).
STARTS = 2
#: The split search's resolution over the searched issue, as a share of the ``resolution``
#: asked for: (Nash product, max-min). A round of the stencil costs one evaluation, so finer
#: is cheap; a max-min peaks on a kink (where the exact inner solve meets a bound), where the
#: value is off by the slope times the step, so it goes further.
SPLIT_RESOLUTION = (1e-2, 1e-4)
#: Most rounds of LP steps (each at least quarters the trust region or gains; they converge in
#: far fewer on smooth problems).
LP_ROUNDS = 60

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
    level, not once per grid point (the same numbers).

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
            u_1, u_2 = self.utilities(outcome, params)
            g_1 = np.asarray(u_1, dtype=float) - d_1
            g_2 = np.asarray(u_2, dtype=float) - d_2
            # One pass each: a sum is finite only if every term is (an overflow of the sum
            # of finite terms only sends it to the exact check below, which finds nothing).
            finite = np.isfinite(np.add.reduce(g_1, axis=None)
                                 + np.add.reduce(g_2, axis=None))
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
    if not np.isfinite(np.add.reduce(g, axis=None)):
        return False
    if g is not into:
        np.copyto(into, g)
    return True


def _width(outcome: Mapping[str, ArrayLike]) -> int:
    """The most outcomes per draw among ``outcome``'s 2-D issue arrays (1 if none is 2-D
    or wider)."""
    width = 1
    for v in outcome.values():
        shape = v.shape if type(v) is np.ndarray else np.shape(v)
        if len(shape) == 2 and shape[1] > width:
            width = shape[1]
    return width


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


@dataclass(frozen=True, eq=False)
class BatchNash:
    """Asymmetric Nash solution per draw: the outcome, both gains, whether there is agreement."""

    points: Mapping[str, np.ndarray]
    gains: tuple[np.ndarray, np.ndarray]
    agreement: np.ndarray
    power: np.ndarray
    method: str
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class BatchMaximin:
    """Per draw, the largest common improvement ``margin`` (gain-range units) and its outcome.

    For :func:`zone_test` the improvement is over the disagreement point (``empty``: no outcome
    gives both players a positive gain); for :func:`better_for_both` over the given package.
    """

    margin: np.ndarray
    points: Mapping[str, np.ndarray]
    units: tuple[np.ndarray, np.ndarray]
    method: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> np.ndarray:
        """True where no outcome improves on the reference for both players."""
        return self.margin <= GAIN_TOLERANCE


@dataclass(frozen=True, eq=False)
class TakeItOrLeaveIt:
    """Player 1's best single take-it-or-leave-it package against the draws, and its fate."""

    package: Mapping[str, float]
    acceptance: float
    expected_gain: float
    gains: tuple[np.ndarray, np.ndarray]
    method: str
    settings: Mapping[str, Any] = field(default_factory=dict)


def _objective_rows(problem: BatchProblem, value: Callable[..., np.ndarray], rows: np.ndarray):
    """An objective for :func:`games.optimise.box_search.maximise` over the draws ``rows``."""
    def objective(r, **x):
        picked = rows[r]
        return value(picked, *problem.gains(x, picked))
    return objective


def nash_benchmark(problem: BatchProblem, power: ArrayLike = 0.5, *,
                   grid: GridScan | None = None, zone: BatchMaximin | None = None,
                   grid_points: int = 350, resolution: float = 1e-4,
                   max_rounds: int = 60) -> BatchNash:
    """The asymmetric Nash solution of every draw: argmax beta log g_1 + (1 - beta) log g_2.

    ``power`` (beta, player 1's bargaining power) is one number or one per draw. The best grid
    outcome is refined by a vectorised compass search on the (smooth) log Nash product until
    its step is below ``resolution`` of each range; where the grid holds no outcome with both
    gains positive the search starts from the :func:`zone_test` outcome, and a draw whose zone
    is empty has no agreement (points NaN). Draws whose gains are affine in every issue are
    solved exactly (``linear``); with the problem's ``affine`` issues and one issue left, the
    affine issues are solved exactly for each value of the one left, which is searched to
    ``resolution`` x SPLIT_RESOLUTION[0] of its range (:func:`games.bargaining.affine_split.
    split_nash`); ``method`` says which. Nash (1950), Kalai (1977).

    >>> import numpy as np
    >>> p = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}), {},
    ...                  (0.0, 0.0))
    >>> round(float(nash_benchmark(p, power=0.3).points["s"][0]), 4)
    0.3
    """
    grid = grid or scan(problem, grid_points)
    n = problem.draws
    beta = np.broadcast_to(np.asarray(power, dtype=float), (n,)).copy()
    if not np.all((beta >= 0) & (beta <= 1)):
        raise BargainingError("power must lie in [0, 1] for every draw")

    def log_product(rows, g_1, g_2):
        b = beta[rows][:, None]
        with np.errstate(all="ignore"):
            value = b * np.log(g_1) + (1 - b) * np.log(g_2)
        return np.where((g_1 > 0) & (g_2 > 0), value, -np.inf)

    rows = np.arange(n)
    points = {k: np.full(n, np.nan) for k in problem.box.names}
    exact = _exact_nash(problem, beta, points)
    best, found = _best_on_grid(beta, *grid.gains)
    found &= ~exact
    start = {k: v[best].astype(float) for k, v in grid.grid.items()}
    missed = rows[~found & ~exact]
    if missed.size:
        zone = zone or zone_test(problem, grid=grid, resolution=resolution, max_rounds=max_rounds)
        for k in start:
            start[k][missed] = zone.points[k][missed]
        found = found | (~zone.empty & ~exact)
    todo = rows[found]
    split = np.zeros(n, dtype=bool)
    if todo.size:
        answer = split_nash(problem, todo, beta, {k: v[todo] for k, v in start.items()},
                            resolution * SPLIT_RESOLUTION[0])
        if answer is not None:
            held = todo[answer.exact]
            for k in points:
                points[k][held] = answer.points[k][answer.exact]
            split[held] = True
            todo = todo[~answer.exact]
    if todo.size:
        result = maximise(_objective_rows(problem, log_product, todo), problem.box, todo.size,
                          start={k: v[todo] for k, v in start.items()}, resolution=resolution,
                          first_step=_first_step(problem.box, grid), max_rounds=max_rounds,
                          by_rows=True)
        for k in points:
            points[k][todo] = result.points[k]
    g_1, g_2 = (g[:, 0] for g in problem.gains({k: v[:, None] for k, v in points.items()}))
    agreement = ((g_1 > GAIN_TOLERANCE * grid.units[0]) & (g_2 > GAIN_TOLERANCE * grid.units[1]))
    return BatchNash(points, (g_1, g_2), agreement, beta, _nash_method(problem, exact, split),
                     {"grid_points": grid.grid_points, "resolution": resolution,
                      "max_rounds": max_rounds, "tolerance": GAIN_TOLERANCE,
                      "exact_draws": int(exact.sum()), "split_draws": int(split.sum())})


def _best_on_grid(beta: np.ndarray, g_1: np.ndarray, g_2: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per draw (row), the column of the largest log Nash product beta log g_1 + (1 - beta)
    log g_2 over a grid scan (minus infinity where a gain is not positive; the first of
    equals) and whether it is finite: the argmax of :func:`nash_benchmark`'s ``log_product``
    over the whole table, the same numbers. The table is reduced a block of rows at a time
    (its temporaries stay in the processor's cache), and where few cells have both gains
    positive (a narrow zone) the logs are taken there only.

    >>> g = np.array([[1.0, 2.0, -1.0], [0.0, -2.0, 3.0], [-1.0, 0.0, -1.0]])
    >>> best, finite = _best_on_grid(np.array([0.5, 0.5, 0.5]), g, g)
    >>> best.tolist(), finite.tolist()
    ([1, 2, 0], [True, True, False])
    """
    n, m = g_1.shape
    best, finite = np.empty(n, dtype=np.intp), np.empty(n, dtype=bool)
    step = max(1, BLOCK_CELLS // max(1, m))
    with np.errstate(all="ignore"):
        for a in range(0, n, step):
            h_1, h_2 = g_1[a:a + step], g_2[a:a + step]
            b = beta[a:a + step][:, None]
            inside = h_1 > 0
            inside &= h_2 > 0
            if np.count_nonzero(inside) < inside.size // 4:  # the logs where both are > 0
                if _best_of_few(h_1, h_2, b[:, 0], inside, best[a:a + step],
                                finite[a:a + step]):
                    continue
                value, other = np.full(inside.shape, -np.inf), np.empty(inside.shape)
                np.log(h_1, out=value, where=inside)
                np.multiply(value, b, out=value, where=inside)
                np.log(h_2, out=other, where=inside)
                np.multiply(other, 1 - b, out=other, where=inside)
                np.add(value, other, out=value, where=inside)
            else:  # b * log(g_1) + (1 - b) * log(g_2) in place, -inf outside
                value = np.log(h_1)
                value *= b
                other = np.log(h_2)
                other *= 1 - b
                value += other
                np.copyto(value, -np.inf, where=~inside)
            at = np.argmax(value, axis=1)
            best[a:a + step] = at
            finite[a:a + step] = np.isfinite(value[np.arange(len(at)), at])
    return best, finite


def _best_of_few(h_1: np.ndarray, h_2: np.ndarray, b: np.ndarray, inside: np.ndarray,
                 best: np.ndarray, finite: np.ndarray) -> bool:
    """:func:`_best_on_grid` of one block whose few cells ``inside`` have both gains positive,
    working on those cells only: each cell's b log g_1 + (1 - b) log g_2 is the same sequence
    of operations, and a row's first cell holding its largest value is the argmax of the row
    with minus infinity elsewhere (a row with no such cell: column 0, not finite). Writes
    ``best`` and ``finite``; False (nothing written) if a value is not finite (NaN would win
    an argmax), for the caller's plain path."""
    cells = np.flatnonzero(inside)                  # row by row, columns in order
    rows = cells // inside.shape[1]
    cols = cells - rows * inside.shape[1]
    value = np.log(h_1.reshape(-1)[cells])
    value *= b[rows]
    other = np.log(h_2.reshape(-1)[cells])
    other *= (1 - b)[rows]
    value += other
    if not np.isfinite(np.add.reduce(value)):
        return False
    best[:], finite[:] = 0, False
    if rows.size:
        starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
        top = np.maximum.reduceat(value, starts)
        hits = np.flatnonzero(value == np.repeat(top, np.diff(np.append(starts, rows.size))))
        first = hits[np.concatenate(([True], rows[hits[1:]] != rows[hits[:-1]]))]
        best[rows[first]], finite[rows[first]] = cols[first], True
    return True


def _nash_method(problem: BatchProblem, exact: np.ndarray, split: np.ndarray) -> str:
    """The method string of :func:`nash_benchmark`: one part per way draws were solved."""
    parts = []
    if exact.any():
        parts.append(EXACT_NASH + ("" if exact.all() else " where affine"))
    if split.any():
        parts.append(split_method(problem, "the Nash product on the Pareto frontier's edges",
                                  MAX_SEARCHED_NASH))
    if not (exact | split).all():
        parts.append("grid scan, then compass search on the log Nash product"
                     + (" elsewhere" if parts else ""))
    return "; ".join(parts)


#: The method of :func:`nash_benchmark` on draws whose utilities are affine in the issues.
EXACT_NASH = ("Nash product on the Pareto frontier's edges (exact: utilities affine in the "
              "issues, checked at the box's corners and an inner point)")
#: Relative error (of the largest gain in the box) under which a gain counts as affine.
AFFINE_TOLERANCE = 1e-9


def affine_gains(problem: BatchProblem) -> tuple[np.ndarray, ...] | None:
    """Both gains' coefficients per draw, (a, a0, b, b0, affine), where g_1 = a . x + a0 and
    g_2 = b . x + b0 on the box's continuous coordinates; None unless the problem is declared
    ``linear`` and every discrete coordinate holds one level.

    The coefficients come from the gains at the lower corner and one step up each coordinate;
    ``affine`` is True on the draws where they also predict the gains at the upper corner and at
    an inner point within AFFINE_TOLERANCE of the largest gain (a wrong declaration, or a
    gain that is not affine at some draws, is caught there and searched instead).

    >>> import numpy as np
    >>> p = BatchProblem(lambda x, q: (2 * x["s"] + q["c"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
    ...                  {"c": np.array([0.0, 1.0])}, (0.0, 0.0), linear=True)
    >>> a, a0, b, b0, ok = affine_gains(p)
    >>> a[:, 0].tolist(), a0.tolist(), b[:, 0].tolist(), ok.tolist()
    ([2.0, 2.0], [0.0, 1.0], [-1.0, -1.0], [True, True])
    """
    box = problem.box
    if not problem.linear or any(not box.is_continuous(k) and _spans(box, k) for k in box.names):
        return None
    moving = [k for k in box.names if box.is_continuous(k)]
    if not moving:
        return None
    lo = np.array([box.bounds(k)[0] for k in box.names])
    hi = np.array([box.bounds(k)[1] for k in box.names])
    inner = lo + (hi - lo) * (0.5 + 0.25 * np.sin(np.arange(1, len(lo) + 1)))  # off-centre
    # Columns: the lower corner, one step up each moving coordinate, the upper corner, inner.
    probes = np.tile(lo, (len(moving) + 3, 1))
    for j, k in enumerate(moving):
        i = box.names.index(k)
        probes[1 + j, i] = hi[i]
    probes[-2], probes[-1] = hi, inner
    g_1, g_2 = problem.gains({k: probes[None, :, i] for i, k in enumerate(box.names)})
    shape = (problem.draws, len(probes))
    g_1, g_2 = np.broadcast_to(g_1, shape), np.broadcast_to(g_2, shape)
    span = np.array([hi[box.names.index(k)] - lo[box.names.index(k)] for k in moving])
    moved = (probes[:, [box.names.index(k) for k in moving]]
             - lo[[box.names.index(k) for k in moving]])                   # (probes, m)
    out, affine = [], np.ones(problem.draws, dtype=bool)
    for g in (g_1, g_2):
        slope = (g[:, 1:len(moving) + 1] - g[:, :1]) / span
        constant = g[:, 0] - slope @ lo[[box.names.index(k) for k in moving]]
        predicted = g[:, :1] + slope @ moved.T
        scale = np.max(np.abs(g), axis=1) + np.max(np.abs(predicted), axis=1)
        slack = AFFINE_TOLERANCE * np.maximum(scale, 1e-300)[:, None]
        affine &= np.all(np.abs(predicted - g) <= slack, axis=1)
        out += [slope, constant]
    return (*out, affine)


def _exact_nash(problem: BatchProblem, beta: np.ndarray, points: dict[str, np.ndarray]
                ) -> np.ndarray:
    """Solve the draws whose gains are affine exactly (:func:`games.optimise.nash_product.
    linear_nash_product`), writing their points; True where solved (found or no zone)."""
    found = affine_gains(problem)
    if found is None:
        return np.zeros(problem.draws, dtype=bool)
    a, a0, b, b0, affine = found
    box = problem.box
    moving = [k for k in box.names if box.is_continuous(k)]
    rows = np.flatnonzero(affine)
    lo = [box.bounds(k)[0] for k in moving]
    hi = [box.bounds(k)[1] for k in moving]
    nash = linear_nash_product(a[rows], a0[rows], b[rows], b0[rows], lo, hi, beta[rows])
    agreed = np.isfinite(nash.values)
    for k in box.names:
        if k in moving:
            value = nash.points[:, moving.index(k)]
        else:
            value = np.full(rows.size, box.bounds(k)[0])
        points[k][rows[agreed]] = value[agreed]
    return affine


def zone_test(problem: BatchProblem, *, grid: GridScan | None = None, grid_points: int = 350,
              resolution: float = 1e-4, max_rounds: int = 60,
              enough: float | None = None) -> BatchMaximin:
    """Whether each draw's zone of agreement is empty, with its margin (gain-range units).

    The margin is max_x min(g_1(x) / r_1, g_2(x) / r_2): positive exactly when some outcome
    gives both players a positive gain, and then the outcome found lies in the zone.
    ``enough``: draws whose grid scan already shows a margin at least this large are not
    refined (a small positive value settles emptiness at the cost of a margin that is only a
    lower bound where the zone is plainly not empty).

    >>> import numpy as np
    >>> p = BatchProblem(lambda x, q: (x["s"] - q["c"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
    ...                  {"c": np.array([0.2, 1.5])}, (0.0, 0.0), linear=True)
    >>> zone_test(p).empty.tolist()                # a surplus of 0.8, then none at all
    [False, True]
    """
    grid = grid or scan(problem, grid_points)
    zero = np.zeros(problem.draws)
    return _maximin(problem, (zero, zero), grid, resolution, max_rounds, enough)


def better_for_both(problem: BatchProblem, package: Mapping[str, ArrayLike], *,
                    grid: GridScan | None = None, grid_points: int = 350,
                    resolution: float = 1e-4, max_rounds: int = 60,
                    enough: float | None = None) -> BatchMaximin:
    """The largest common improvement over ``package`` per draw, and the package achieving it.

    margin = max_x min((g_1(x) - g_1(p)) / r_1, (g_2(x) - g_2(p)) / r_2), each side's gain in
    units of its range r_i over the box: positive where another outcome is better for both,
    0 where p is Pareto optimal. ``enough``: draws whose grid scan already shows a margin at
    least this large are not refined (their margin is then a lower bound, at least ``enough``);
    ignored for linear problems, whose exact answer costs no more than the scan.

    >>> import numpy as np
    >>> def u(x, q):                   # player 1 values only y; player 2 gives y, wants z
    ...     return x["y"], 1 - x["y"] + x["z"]
    >>> p = BatchProblem(u, Box({"y": (0.0, 1.0), "z": (0.0, 1.0)}), {}, (0.0, 0.0), linear=True)
    >>> round(float(better_for_both(p, {"y": 0.5, "z": 0.0}).margin[0]), 6)
    0.333333
    """
    grid = grid or scan(problem, grid_points)
    g_1, g_2 = problem.gains({k: np.asarray(v, dtype=float).reshape(-1, 1)
                              for k, v in package.items()})
    offsets = (g_1[:, 0].copy(), g_2[:, 0].copy())
    return _maximin(problem, offsets, grid, resolution, max_rounds, enough, package)


def _first_step(box: Box, grid: GridScan) -> float:
    size = len(next(iter(grid.grid.values())))
    return 1.0 / max(2, round(size ** (1 / max(1, len(box.names)))))


def _maximin(problem: BatchProblem, offsets: tuple[np.ndarray, np.ndarray], grid: GridScan,
             resolution: float, max_rounds: int, enough: float | None,
             package: Mapping[str, ArrayLike] | None = None) -> BatchMaximin:
    """max_x min((g_1 - o_1) / r_1, (g_2 - o_2) / r_2) per draw: grid scan, then LP steps (or,
    with the problem's ``affine`` issues and one issue left, an LP in those per value of the
    one left, which is searched: :func:`games.bargaining.affine_split.split_maximin`).

    With ``package`` (whose margin is 0 by definition), a draw where nothing better was found
    reports the package itself and margin 0.
    """
    n = problem.draws
    r_1, r_2 = grid.units
    rows = np.arange(n)
    best, margin = _best_margin_on_grid(grid, offsets)
    points = {k: v[best].astype(float) for k, v in grid.grid.items()}
    linear = problem.linear and all(problem.box.is_continuous(k) or not _spans(problem.box, k)
                                    for k in problem.box.names)
    todo = rows if enough is None or linear else rows[margin < enough]  # an LP is cheap
    method = ("linear programme per draw (exact), checked against a grid scan" if linear else
              "grid scan, compass search, then sequential linear programming (trust region)")
    def pair_over(chosen: np.ndarray) -> Callable:
        def pair(r, x):
            picked = chosen[r]
            g_1, g_2 = problem.gains(x, picked)
            return ((g_1 - offsets[0][picked][:, None]) / r_1[picked][:, None],
                    (g_2 - offsets[1][picked][:, None]) / r_2[picked][:, None])
        return pair

    def keep(chosen: np.ndarray, found: Mapping[str, np.ndarray], value: np.ndarray) -> None:
        better = value > margin[chosen]
        margin[chosen[better]] = value[better]
        for k in points:
            points[k][chosen[better]] = found[k][better]

    step = _first_step(problem.box, grid)
    split = np.zeros(n, dtype=bool)
    if todo.size and not linear:
        answer = split_maximin(problem, todo, offsets, (r_1, r_2),
                               {k: v[todo] for k, v in points.items()},
                               resolution * SPLIT_RESOLUTION[1])
        if answer is not None:
            keep(todo[answer.exact], {k: v[answer.exact] for k, v in answer.points.items()},
                 answer.values[answer.exact])
            split[todo[answer.exact]] = True
            todo = todo[~answer.exact]
            if split.any():
                method = split_method(problem, "a linear programme by its dual") + (
                    "" if not todo.size else f"; elsewhere {method}")
    if todo.size and not linear:
        # better for both: a compass search (it steps across kinks along the issues); the zone
        # test: a smooth homotopy (it enters thin wedges the grid missed).
        start = {k: v[todo] for k, v in points.items()}
        if package is not None:
            compass = maximise(lambda r, **x: np.minimum(*pair_over(todo)(r, x)), problem.box,
                               todo.size, start=start, resolution=resolution, first_step=step,
                               max_rounds=max_rounds, by_rows=True)
            keep(todo, compass.points, compass.values)
        else:
            keep(todo, *maximin_by_homotopy(pair_over(todo), problem.box, start, margin[todo],
                                            resolution, max_rounds, step, GAIN_TOLERANCE))
        if enough is not None:
            todo = todo[margin[todo] < enough]
    if todo.size:
        # LP steps from there: they follow the crease where the two gains are equal.
        keep(todo, *maximin_by_lp_steps(pair_over(todo), problem.box,
                              {k: v[todo] for k, v in points.items()}, margin[todo],
                              resolution, min(max_rounds, LP_ROUNDS), whole_box=linear))
    if package is not None:  # the package itself improves on itself by exactly 0
        behind = margin < 0
        margin[behind] = 0.0
        for k in points:
            points[k][behind] = np.broadcast_to(np.asarray(package[k], dtype=float), (n,))[behind]
    return BatchMaximin(margin, points, (r_1, r_2), method,
                        {"grid_points": grid.grid_points, "resolution": resolution,
                         "max_rounds": max_rounds, "tolerance": GAIN_TOLERANCE,
                         "enough": enough})


#: Draws whose margins over the grid are worked out at once (a block stays in the cache).
GRID_BLOCK = 128


def _best_margin_on_grid(grid: GridScan, offsets: tuple[np.ndarray, np.ndarray]
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Each draw's best grid outcome for min((g_1 - o_1) / r_1, (g_2 - o_2) / r_2) (the first
    of equals) and that margin, GRID_BLOCK draws at a time: the same numbers as over the whole
    table, with its temporaries in the processor's cache."""
    (g_1, g_2), (r_1, r_2) = grid.gains, grid.units
    n, size = g_1.shape
    best, margin = np.empty(n, dtype=np.intp), np.empty(n)
    first, second = np.empty((GRID_BLOCK, size)), np.empty((GRID_BLOCK, size))
    # g - (+0.0) is g, bit for bit (-0.0, infinities and NaN included): no offset, no subtraction
    shift = [not _all_positive_zero(o) for o in offsets]
    for a in range(0, n, GRID_BLOCK):
        b = min(n, a + GRID_BLOCK)
        one, two = first[:b - a], second[:b - a]
        for out, g, o, r, moved in ((one, g_1, offsets[0], r_1, shift[0]),
                                    (two, g_2, offsets[1], r_2, shift[1])):
            if moved:
                np.subtract(g[a:b], o[a:b, None], out=out)
                out /= r[a:b, None]
            else:
                np.divide(g[a:b], r[a:b, None], out=out)
        np.minimum(one, two, out=one)
        best[a:b] = np.argmax(one, axis=1)
        margin[a:b] = one[np.arange(b - a), best[a:b]]
    return best, margin


def _all_positive_zero(v: np.ndarray) -> bool:
    return not (np.any(v) or np.any(np.signbit(v)))


def _spans(box: Box, name: str) -> bool:
    lo, hi = box.bounds(name)
    return hi > lo


def _packages_of(problem: BatchProblem, fixed: Mapping[str, float], moving: list[str],
                 kept: list | None = None) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Both gains (draws, c) at c packages (c, len(moving)) of the ``moving`` issues, the
    others at ``fixed``: what :func:`games.bargaining.ask.coordinate_ascent` evaluates.

    Each distinct package is evaluated once a call, and a package one of the last calls
    evaluated (``kept``, a list shared by the searches of one problem, at most KEPT_CELLS
    gains) is taken from there: a line search asks again its point on every line and, after
    zooming in, the same straight lines. Each package's gains are those of its own call (the
    utilities act per draw and package)."""
    others = tuple(float(v) for k, v in fixed.items() if k not in moving)
    kept = [] if kept is None else kept

    def evaluate(packages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = [p.tobytes() for p in np.asarray(packages, dtype=float)]
        wanted, found = set(keys), {}
        for tag, index, tables in kept:
            if tag == others:
                found.update({key: (tables, j) for key, j in index.items() if key in wanted})
        fresh = list(dict.fromkeys(key for key in keys if key not in found))
        if fresh:
            first = {key: c for c, key in reversed(list(enumerate(keys)))}
            new = packages[[first[key] for key in fresh]]
            outcome = _outcome_of(fixed, moving, new, problem.elementwise)
            # gains refuses a non-finite value wherever the search steps
            made = tuple(np.broadcast_to(g, (problem.draws, len(new)))
                         for g in problem.gains(outcome))
            index = {key: j for j, key in enumerate(fresh)}
            found.update({key: (made, j) for key, j in index.items()})
            kept.append((others, index, made))
            while kept and sum(len(e[1]) for e in kept) * problem.draws > KEPT_CELLS:
                kept.pop(0)
        if fresh and len(fresh) == len(keys):
            return made  # nothing known, nothing twice: as evaluated
        groups: dict[int, tuple[tuple, list, list]] = {}   # by the call that has them
        for c, key in enumerate(keys):
            tables, j = found[key]
            group = groups.setdefault(id(tables), (tables, [], []))
            group[1].append(c)
            group[2].append(j)
        return _gathered(list(groups.values()), problem.draws)
    return evaluate


def _outcome_of(fixed: Mapping[str, float], moving: list[str], packages: np.ndarray,
                elementwise: bool) -> dict[str, np.ndarray]:
    """The issues at ``packages`` (c, len(moving)), the others at ``fixed``, as arrays (1, c).
    With utilities acting element by element, an issue that is one number for all the
    packages (a fixed one, or a moving one the packages share to the bit) is passed as that
    number (1, 1), so its terms are worked out once per draw: the same numbers."""
    if not elementwise:
        outcome = {k: np.full((1, len(packages)), v) for k, v in fixed.items()}
        outcome.update({k: packages[None, :, j] for j, k in enumerate(moving)})
        return outcome
    bits = np.ascontiguousarray(packages, dtype=float).view(np.int64)
    shared = (bits == bits[:1]).all(axis=0)
    outcome = {k: np.full((1, 1), v) for k, v in fixed.items()}
    outcome.update({k: np.full((1, 1), packages[0, j]) if shared[j] else packages[None, :, j]
                    for j, k in enumerate(moving)})
    return outcome


def _gathered(groups: list[tuple[tuple, list, list]], draws: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Both gains (draws, c) gathered from the tables of several calls: a group (tables,
    columns, taken) puts the columns ``taken`` of its two tables at ``columns`` of the result.

    Only copies: each table's columns are taken at once and set side by side, then put in
    order by one more take, which is quicker than assigning into scattered columns."""
    if not groups:
        return np.empty((draws, 0)), np.empty((draws, 0))
    order = np.concatenate([columns for _, columns, _ in groups])
    place = np.empty_like(order)
    place[order] = np.arange(order.size)  # where each column of the result is, side by side
    in_order = bool((place == np.arange(place.size)).all())
    out = []
    for player in (0, 1):
        parts = [np.take(tables[player], taken, axis=1) for tables, _, taken in groups]
        whole = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        out.append(whole if in_order else np.take(whole, place, axis=1))
    return out[0], out[1]


#: Most gains (draws x packages) the take-it-or-leave-it search keeps from its last calls
#: (16 bytes each, both players': 16 MiB); a call with more is not kept, so memory stays
#: set by one call at any number of draws.
KEPT_CELLS = 1 << 20


def _grid_gains(problem: BatchProblem, grid: Mapping[str, np.ndarray],
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


def optimal_ask(problem: BatchProblem, *, grid_points: int = 150, chunk: int = 2_000,
                resolution: float = 1e-3, search_draws: int = 2_000,
                polish_draws: int = 20_000) -> TakeItOrLeaveIt:
    """Player 1's best take-it-or-leave-it package when player 2's type is one of the draws.

    Maximises the expected gain E[g_1(x) 1{g_2(x) >= 0}] over the draws (each equally likely):
    one package for all draws, since player 1 does not know which draw holds; player 2 accepts
    any package that leaves it no worse than disagreement (the monopoly-pricing trade-off of
    the ultimatum game, Osborne, *An Introduction to Game Theory*, 2004, ch. 6). A grid scan
    over all draws (in chunks of ``chunk``, so memory does not grow with the draws) picks the
    two best grid packages; a coordinate search refines each on the first ``search_draws``
    draws (:func:`games.bargaining.ask.coordinate_ascent`): along each issue the objective
    only jumps where a draw stops or starts accepting, so every draw's threshold on the line is
    a candidate (exact where the gains are affine along the issue), the lines zoom in to
    ``resolution`` of each range where the gains curve, and the ridges where a threshold runs
    across the issues are followed. The answer is then evaluated on all draws. A local search:
    it never ends below the grid's best package, and along every issue where the gains are
    affine no move improves it. With more draws than ``search_draws``, the search goes on from
    its answer over the first ``polish_draws`` of them (at most), so the answer is not fitted to
    the first sample alone. One draw gives the full-information ask.

    >>> import numpy as np
    >>> reserve = np.array([0.1, 0.2, 0.6])         # player 2 needs at least this share
    >>> p = BatchProblem(lambda x, q: (1 - x["s"], x["s"] - q["r"]), Box({"s": (0.0, 1.0)}),
    ...                  {"r": reserve}, (0.0, 0.0))
    >>> ask = optimal_ask(p)
    >>> round(ask.package["s"], 3), round(ask.acceptance, 3), round(ask.expected_gain, 3)
    (0.2, 0.667, 0.533)
    """
    box, n = problem.box, problem.draws
    grid = box.grid(grid_points)
    size = len(next(iter(grid.values())))
    total = np.zeros(size)
    axes = box.grid_axes(grid_points) if problem.elementwise and box.names else None
    for a in range(0, n, chunk):
        g_1, g_2 = _grid_gains(problem, grid, axes, slice(a, a + chunk))
        total += np.where(g_2 >= 0, g_1, 0.0).sum(axis=0)
    search = problem.take(slice(0, search_draws))
    moving = [k for k in box.names if box.is_continuous(k)]
    lows = np.array([box.bounds(k)[0] for k in moving])
    highs = np.array([box.bounds(k)[1] for k in moving])
    candidates, memo, kept = [], {}, []
    for index in np.argsort(-total, kind="stable")[:STARTS]:
        fixed = {k: float(grid[k][index]) for k in box.names}
        if not moving:
            candidates.append((total[index] / n, fixed))
            continue
        x, value, _ = coordinate_ascent(_packages_of(search, fixed, moving, kept), lows, highs,
                                        [fixed[k] for k in moving], resolution=resolution,
                                        memo=memo)
        candidates.append((value, {**fixed, **{k: float(v) for k, v in zip(moving, x)}}))
    package = max(candidates, key=lambda c: c[0])[1]
    polish = problem.take(slice(0, max(search.draws, min(n, polish_draws))))
    if moving and polish.draws > search.draws:
        # The search's sample is not all the draws: go on from its answer on more of them.
        x, _, _ = coordinate_ascent(_packages_of(polish, package, moving), lows, highs,
                                    [package[k] for k in moving], resolution=resolution)
        package = {**package, **{k: float(v) for k, v in zip(moving, x)}}
    g_1, g_2 = (g[:, 0] for g in problem.gains({k: np.full((1, 1), v)
                                                for k, v in package.items()}))
    accepted = g_2 >= 0
    return TakeItOrLeaveIt(package, float(np.mean(accepted)),
                           float(np.mean(np.where(accepted, g_1, 0.0))), (g_1, g_2),
                           "grid scan over all draws, then coordinate line searches through every draw's "
                           "acceptance threshold, from the best two",
                           {"grid_points": grid_points, "resolution": resolution,
                            "search_draws": search.draws, "polish_draws": polish.draws,
                            "chunk": chunk})
