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
linear_maximin`). Otherwise sequential linear programming with a trust region: the two gains
are linearised around the current point and the exact LP step is taken, so the search follows
the crease where the two gains are equal instead of stalling on it as a compass search does.

>>> import numpy as np
>>> from games.box_search import Box
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

from games.box_search import Box, maximise
from games.errors import BargainingError
from games.optimise import linear_maximin

#: Relative slack (in units of a player's range of gains) under which a gain counts as zero.
GAIN_TOLERANCE = 1e-9

Utilities = Callable[[Mapping[str, np.ndarray], Mapping[str, np.ndarray]],
                     tuple[ArrayLike, ArrayLike]]


@dataclass(frozen=True, eq=False)
class BatchProblem:
    """Two players' utilities over a box of issues, for ``draws`` parameter draws at once.

    ``utilities(outcome, parameters)`` returns (u_1, u_2); it receives each issue and each
    parameter as a 2-D array (draws down the first axis) and must broadcast them. ``parameters``
    and the two ``disagreement`` payoffs hold one value per draw. ``linear=True`` declares both
    utilities affine in the issues (it is checked), which makes the max-min problems LPs.

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

    def __post_init__(self) -> None:
        params = {k: np.asarray(v, dtype=float).ravel() for k, v in self.parameters.items()}
        sizes = {len(v) for v in params.values()}
        sizes |= {np.size(d) for d in self.disagreement if np.ndim(d) > 0}
        if len(sizes) > 1:
            raise BargainingError(f"batch problem: parameters and disagreement payoffs must hold "
                                  f"one value per draw; got lengths {sorted(sizes)}")
        n = sizes.pop() if sizes else 1
        d = tuple(np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
                  for v in self.disagreement)
        if len(d) != 2:
            raise BargainingError("batch problem: give two disagreement payoffs (player 1, 2)")
        object.__setattr__(self, "parameters", params)
        object.__setattr__(self, "disagreement", d)
        object.__setattr__(self, "_draws", n)

    @property
    def draws(self) -> int:
        """How many problems the stack holds."""
        return self._draws  # type: ignore[attr-defined]

    def gains(self, outcome: Mapping[str, ArrayLike], rows: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
        """Both players' gains at ``outcome`` for the draws ``rows`` (default: all).

        Issues of shape (1, m) give an (r, m) table (every outcome for every draw); issues of
        shape (r, 1) one outcome per draw.
        """
        pick = slice(None) if rows is None else rows
        params = {k: v[pick][:, None] for k, v in self.parameters.items()}
        u_1, u_2 = self.utilities(outcome, params)
        d_1, d_2 = (d[pick][:, None] for d in self.disagreement)
        g_1, g_2 = np.broadcast_arrays(np.asarray(u_1, dtype=float) - d_1,
                                       np.asarray(u_2, dtype=float) - d_2)
        return g_1, g_2


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
    g_1, g_2 = problem.gains({k: v[None, :] for k, v in grid.items()})
    shape = (problem.draws, len(next(iter(grid.values()))))
    g_1, g_2 = np.broadcast_to(g_1, shape), np.broadcast_to(g_2, shape)
    units = tuple(np.maximum(np.ptp(g, axis=1), 1e-12) for g in (g_1, g_2))
    return GridScan(grid, (g_1, g_2), units, grid_points)  # type: ignore[arg-type]


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
    """An objective for :func:`games.box_search.maximise` over the draws ``rows``."""
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
    is empty has no agreement (points NaN). Nash (1950), Kalai (1977).

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
    on_grid = log_product(rows, *grid.gains)
    best = np.argmax(on_grid, axis=1)
    found = np.isfinite(on_grid[rows, best])
    start = {k: v[best].astype(float) for k, v in grid.grid.items()}
    missed = rows[~found]
    if missed.size:
        zone = zone or zone_test(problem, grid=grid, resolution=resolution, max_rounds=max_rounds)
        for k in start:
            start[k][missed] = zone.points[k][missed]
        found = found | ~zone.empty
    todo = rows[found]
    points = {k: np.full(n, np.nan) for k in start}
    if todo.size:
        result = maximise(_objective_rows(problem, log_product, todo), problem.box, todo.size,
                          start={k: v[todo] for k, v in start.items()}, resolution=resolution,
                          first_step=_first_step(problem.box, grid), max_rounds=max_rounds,
                          by_rows=True)
        for k in points:
            points[k][todo] = result.points[k]
    g_1, g_2 = (g[:, 0] for g in problem.gains({k: v[:, None] for k, v in points.items()}))
    agreement = ((g_1 > GAIN_TOLERANCE * grid.units[0]) & (g_2 > GAIN_TOLERANCE * grid.units[1]))
    return BatchNash(points, (g_1, g_2), agreement, beta,
                     "grid scan, then compass search on the log Nash product",
                     {"grid_points": grid.grid_points, "resolution": resolution,
                      "max_rounds": max_rounds, "tolerance": GAIN_TOLERANCE})


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
    """max_x min((g_1 - o_1) / r_1, (g_2 - o_2) / r_2) per draw: grid scan, then LP steps.

    With ``package`` (whose margin is 0 by definition), a draw where nothing better was found
    reports the package itself and margin 0.
    """
    n = problem.draws
    r_1, r_2 = grid.units
    on_grid = np.minimum((grid.gains[0] - offsets[0][:, None]) / r_1[:, None],
                         (grid.gains[1] - offsets[1][:, None]) / r_2[:, None])
    rows = np.arange(n)
    best = np.argmax(on_grid, axis=1)
    margin = on_grid[rows, best].copy()
    points = {k: v[best].astype(float) for k, v in grid.grid.items()}
    linear = problem.linear and all(problem.box.is_continuous(k) or not _spans(problem.box, k)
                                    for k in problem.box.names)
    todo = rows if enough is None or linear else rows[margin < enough]  # an LP is cheap
    method = ("linear programme per draw (exact), checked against a grid scan" if linear else
              "grid scan, compass search, then sequential linear programming (trust region)")
    if todo.size:
        def pair(r, x):
            picked = todo[r]
            g_1, g_2 = problem.gains(x, picked)
            return ((g_1 - offsets[0][picked][:, None]) / r_1[picked][:, None],
                    (g_2 - offsets[1][picked][:, None]) / r_2[picked][:, None])

        start = {k: v[todo] for k, v in points.items()}
        value = margin[todo]
        if not linear:
            # A compass search first (it steps across kinks along the issues), then LP steps
            # from where it stops (they follow the crease where the two gains are equal).
            compass = maximise(lambda r, **x: np.minimum(*pair(r, x)), problem.box, todo.size,
                               start=start, resolution=resolution,
                               first_step=_first_step(problem.box, grid),
                               max_rounds=max_rounds, by_rows=True)
            ahead = compass.values > value
            start = {k: np.where(ahead, compass.points[k], v) for k, v in start.items()}
            value = np.maximum(compass.values, value)
            if package is None:
                shifted = _shifted_nash(pair, problem.box, start, value, resolution, max_rounds,
                                        _first_step(problem.box, grid))
                ahead = shifted[1] > value
                start = {k: np.where(ahead, shifted[0][k], v) for k, v in start.items()}
                value = np.maximum(shifted[1], value)
        found, value = _lp_steps(pair, problem.box, start, value, resolution, max_rounds,
                                 whole_box=linear)
        better = value > margin[todo]
        margin[todo[better]] = value[better]
        for k in points:
            points[k][todo[better]] = found[k][better]
    if package is not None:  # the package itself improves on itself by exactly 0
        behind = margin < 0
        margin[behind] = 0.0
        for k in points:
            points[k][behind] = np.broadcast_to(np.asarray(package[k], dtype=float), (n,))[behind]
    return BatchMaximin(margin, points, (r_1, r_2), method,
                        {"grid_points": grid.grid_points, "resolution": resolution,
                         "max_rounds": max_rounds, "tolerance": GAIN_TOLERANCE,
                         "enough": enough})


#: Shifts of the homotopy that looks for a zone of agreement the grid missed (gain-range units).
ZONE_SHIFTS = (0.05, 0.005, 0.0)


def _shifted_nash(pair: Callable, box: Box, start: Mapping[str, np.ndarray], value: np.ndarray,
                  resolution: float, max_rounds: int, first_step: float
                  ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Look for a point with both A and B positive by a homotopy on a smooth objective.

    A zone shaped like a thin wedge is entered only along the crease of min(A, B). The shifted
    Nash product log(A + e) + log(B + e) is smooth, finite wherever both exceed -e, and peaks
    inside the zone as e falls to zero: the search follows it through ZONE_SHIFTS (added to
    the start's shortfall), each from the last point. Returns the points and min(A, B) there.
    """
    m = len(value)
    points = {k: np.asarray(v, dtype=float).copy() for k, v in start.items()}

    def worse_off(rows, pts):
        a, b = pair(rows, {k: v[rows][:, None] for k, v in pts.items()})
        return np.broadcast_to(np.minimum(a, b), (len(rows), 1))[:, 0]

    offset = np.maximum(0.0, -np.asarray(value, dtype=float))
    todo = np.arange(m)
    for shift in ZONE_SHIFTS:
        e = offset + shift
        if not todo.size or not np.any(e[todo] > 0):
            break

        def objective(r, todo=todo, e=e, **x):
            rows = todo[r]
            a, b = pair(rows, x)
            a, b = a + e[rows][:, None], b + e[rows][:, None]
            with np.errstate(all="ignore"):
                return np.where((a > 0) & (b > 0), np.log(a) + np.log(b), -np.inf)

        found = maximise(objective, box, todo.size, start={k: v[todo] for k, v in points.items()},
                         resolution=resolution, first_step=first_step,
                         max_rounds=min(max_rounds, 30), by_rows=True)
        for k in points:
            points[k][todo] = found.points[k]
        gap = worse_off(np.arange(m), points)
        offset = np.maximum(0.0, -gap) * 0.5
        todo = todo[gap[todo] <= GAIN_TOLERANCE]  # rows with a point in the zone are done
    return points, worse_off(np.arange(m), points)


def _spans(box: Box, name: str) -> bool:
    lo, hi = box.bounds(name)
    return hi > lo


def _lp_steps(pair: Callable, box: Box, start: Mapping[str, np.ndarray], value: np.ndarray,
              resolution: float, max_rounds: int, whole_box: bool
              ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Sequential linear programming for max min(A, B) from ``start`` (one point per row).

    Each round models A and B by secants from the current point to the edges of the trust
    region (a share of each range), one slope up and one down per coordinate, and takes the
    exact LP step of that model (:func:`linear_maximin`); a step that does not improve
    min(A, B) quarters the radius. ``whole_box``: the
    functions are declared affine; the first step spans the whole box and, where the model
    predicts the value found exactly (the functions are affine there), is the exact answer;
    elsewhere the rounds go on as for any function.
    """
    moving = [k for k in box.names if box.is_continuous(k)]
    points = {k: np.asarray(v, dtype=float).copy() for k, v in start.items()}
    current = np.asarray(value, dtype=float).copy()
    m = current.size
    if not moving or m == 0:
        return points, current
    lo = np.array([box.bounds(k)[0] for k in moving])
    hi = np.array([box.bounds(k)[1] for k in moving])
    span = hi - lo
    radius = np.full(m, 1.0 if whole_box else 0.25)
    active = np.arange(m)
    for _ in range(max_rounds):
        if not active.size:
            break
        x = np.column_stack([points[k][active] for k in moving])          # (r, k)
        width = radius[active][:, None] * span
        up, down = np.minimum(x + width, hi), np.maximum(x - width, lo)
        probes = np.concatenate([x[:, None, :]] + [
            np.where(np.arange(len(moving)) == i, end[:, i:i + 1], x)[:, None, :]
            for i in range(len(moving)) for end in (up, down)], axis=1)   # (r, 1 + 2k, k)
        scope = {k: points[k][active][:, None] for k in points}
        scope.update({k: probes[:, :, i] for i, k in enumerate(moving)})
        a, b = pair(active, scope)
        a, b = np.broadcast_to(a, probes.shape[:2]), np.broadcast_to(b, probes.shape[:2])
        # One secant per side of x and per coordinate: the model is affine in the moves up
        # (d+ in [0, up - x]) and down (d- in [0, x - down]), so a kink at x is kept, and for
        # functions concave along each coordinate the model lies below them in the region.
        rise, fall = up - x, x - down
        with np.errstate(divide="ignore", invalid="ignore"):
            slopes = [(np.where(rise > 0, (f[:, 1::2] - f[:, :1]) / rise, 0.0),
                       np.where(fall > 0, (f[:, :1] - f[:, 2::2]) / fall, 0.0)) for f in (a, b)]
        (a_up, a_down), (b_up, b_down) = slopes
        lp = linear_maximin(np.hstack([a_up, -a_down]), a[:, 0], np.hstack([b_up, -b_down]),
                            b[:, 0], np.zeros(2 * len(moving)), np.hstack([rise, fall]))
        k_ = len(moving)
        moved = np.clip(x + lp.points[:, :k_] - lp.points[:, k_:], lo, hi)
        trial = {k: points[k][active][:, None] for k in points}
        trial.update({k: moved[:, i:i + 1] for i, k in enumerate(moving)})
        ta, tb = pair(active, trial)
        got = np.broadcast_to(np.minimum(ta, tb), (active.size, 1))[:, 0]
        got = np.where(np.isnan(got), -np.inf, got)
        better = got > current[active]
        chosen = active[better]
        for i, k in enumerate(moving):
            points[k][chosen] = moved[better, i]
        current[chosen] = got[better]
        # Trust region: shrink after a step that gained nothing; converged when the model
        # promises nothing more.
        promised = lp.values - np.minimum(a[:, 0], b[:, 0])
        radius[active[~better]] /= 4
        # After a step, the next region is twice the step taken (shrinking at most fourfold):
        # secants over a region much wider than the step misjudge a curved function.
        taken = np.max(np.abs(moved - x) / span, axis=1)
        radius[chosen] = np.clip(2 * taken[better], radius[chosen] / 4, 1.0)
        done = (radius[active] < resolution) | (better & (promised <= 1e-12))
        if whole_box:  # over the whole box an exact model (affine functions) gives the optimum
            exact = np.abs(got - lp.values) <= 1e-12 * (1 + np.abs(lp.values))
            done |= exact & (radius[active] >= 1.0)
        active = active[~done]
    return points, current


def optimal_ask(problem: BatchProblem, *, grid_points: int = 150, chunk: int = 2_000,
                resolution: float = 1e-3, search_draws: int = 2_000) -> TakeItOrLeaveIt:
    """Player 1's best take-it-or-leave-it package when player 2's type is one of the draws.

    Maximises the expected gain E[g_1(x) 1{g_2(x) >= 0}] over the draws (each equally likely):
    one package for all draws, since player 1 does not know which draw holds; player 2 accepts
    any package that leaves it no worse than disagreement (the monopoly-pricing trade-off of
    the ultimatum game, Osborne, *An Introduction to Game Theory*, 2004, ch. 6). A grid scan
    over all draws (in chunks of ``chunk``, so memory does not grow with the draws) picks the
    two best grid packages; a Nelder-Mead simplex, which follows the ridges where a draw stops
    accepting, refines each on the first ``search_draws`` draws to ``resolution`` of each
    range; the answer is then evaluated on all draws. One draw gives the full-information ask.

    >>> import numpy as np
    >>> reserve = np.array([0.1, 0.2, 0.6])         # player 2 needs at least this share
    >>> p = BatchProblem(lambda x, q: (1 - x["s"], x["s"] - q["r"]), Box({"s": (0.0, 1.0)}),
    ...                  {"r": reserve}, (0.0, 0.0))
    >>> ask = optimal_ask(p)
    >>> round(ask.package["s"], 3), round(ask.acceptance, 3), round(ask.expected_gain, 3)
    (0.2, 0.667, 0.533)
    """
    from scipy.optimize import minimize

    box, n = problem.box, problem.draws
    grid = box.grid(grid_points)
    size = len(next(iter(grid.values())))
    total = np.zeros(size)
    for a in range(0, n, chunk):
        rows = np.arange(a, min(n, a + chunk))
        g_1, g_2 = problem.gains({k: v[None, :] for k, v in grid.items()}, rows)
        total += np.where(g_2 >= 0, g_1, 0.0).sum(axis=0)
    search = np.arange(min(n, search_draws))

    def expected(x):
        g_1, g_2 = problem.gains({k: np.full((1, 1), v) for k, v in x.items()}, search)
        return float(np.mean(np.where(g_2 >= 0, g_1, 0.0)))

    moving = [k for k in box.names if box.is_continuous(k)]
    lows = np.array([box.bounds(k)[0] for k in moving])
    spans = np.array([box.bounds(k)[1] - box.bounds(k)[0] for k in moving])
    step = 1.0 / max(2, round(size ** (1 / max(1, len(box.names)))))
    candidates = []
    for index in np.argsort(-total, kind="stable")[:2]:
        fixed = {k: float(grid[k][index]) for k in box.names}
        if not moving:
            candidates.append((total[index] / n, fixed))
            continue

        def negative(z, fixed=fixed):
            return -expected({**fixed, **{k: lo + zi * sp for k, lo, sp, zi
                                          in zip(moving, lows, spans, z)}})

        z0 = np.array([(fixed[k] - lo) / sp for k, lo, sp in zip(moving, lows, spans)])
        simplex = np.vstack([z0] + [np.clip(z0 + step * e, 0, 1) if z0 @ e + step <= 1
                                    else np.clip(z0 - step * e, 0, 1)
                                    for e in np.eye(len(moving))])
        found = minimize(negative, z0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(moving),
                         options={"initial_simplex": simplex, "xatol": resolution,
                                  "fatol": 1e-12, "maxfev": 200 * len(moving)})
        point = dict(fixed)
        point.update({k: float(lo + zi * sp) for k, lo, sp, zi
                      in zip(moving, lows, spans, found.x)})
        candidates.append((-found.fun, point))
    package = max(candidates, key=lambda c: c[0])[1]
    g_1, g_2 = (g[:, 0] for g in problem.gains({k: np.full((1, 1), v)
                                                for k, v in package.items()}))
    accepted = g_2 >= 0
    return TakeItOrLeaveIt(package, float(np.mean(accepted)),
                           float(np.mean(np.where(accepted, g_1, 0.0))), (g_1, g_2),
                           "grid scan over all draws, then Nelder-Mead from the best two",
                           {"grid_points": grid_points, "resolution": resolution,
                            "search_draws": int(search.size), "chunk": chunk})
