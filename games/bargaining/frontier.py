"""Pareto frontier, zone of possible agreement and concession curves of a bargaining problem.

The frontier of evaluated points is an exact skyline (sort, then a running maximum:
O(n log n)); with lotteries allowed it is the upper-right convex hull of that skyline. For
problems over continuous issues it is exact on the evaluated grid, at the stated resolution.

>>> p = BargainingProblem.from_points([(0, 1), (0.4, 0.4), (1, 0), (0.5, 0.6)], (0, 0))
>>> pareto_frontier(p).utilities.tolist()
[[0.0, 1.0], [0.5, 0.6], [1.0, 0.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, TYPE_CHECKING

import numpy as np

from games.bargaining.hull import skyline, upper_hull  # noqa: F401 (public here too)
from games.bargaining.problem import BargainingProblem
from games.errors import BargainingError
from games.results import TabularResult

if TYPE_CHECKING:
    import pandas as pd

#: Relative tolerance (of the utility range) below which a gain counts as zero.
GAIN_TOL = 1e-12


def require_problem(problem: Any, what: str) -> BargainingProblem:
    """Refuse anything but a :class:`BargainingProblem`, pointing to its constructors.

    >>> require_problem(None, "nash_solution()")
    Traceback (most recent call last):
    ...
    games.errors.BargainingError: nash_solution() takes a BargainingProblem, got NoneType; build one with BargainingProblem.from_points(points, disagreement) or .from_issues(...)
    """
    if not isinstance(problem, BargainingProblem):
        raise BargainingError(f"{what} takes a BargainingProblem, got {type(problem).__name__}; "
                              "build one with BargainingProblem.from_points(points, "
                              "disagreement) or .from_issues(...)")
    return problem


def _at_disagreement(values: np.ndarray, d: np.ndarray, unit: float) -> np.ndarray:
    """Utilities for a caption: within a billionth of the utility range of the disagreement
    payoff, the payoff itself (a zone's end computed as -1.2e-16 is the disagreement's 0).

    >>> _at_disagreement(np.array([-1.249e-16, 0.2667]), np.array([0.0, 0.2]), 4.0).tolist()
    [0.0, 0.2667]
    """
    near = np.abs(values - d) <= 1e-9 * unit
    return np.where(near, d, values) + 0.0


def utility_range(problem: BargainingProblem) -> float:
    """The unit of a problem's utilities: the larger of the two players' utility spreads.

    Every tolerance and optimiser scale is relative to it, so a problem and the same problem
    in other units (times 1e-13 or 1e13) have the same solutions. 1.0 when all points tie.

    >>> utility_range(BargainingProblem.from_points([(0, 4e-13), (4e-13, 0)], (0, 0)))
    4e-13
    """
    return problem.utility_range()


def gain_tolerance(problem: BargainingProblem, utilities: Any = None) -> np.ndarray:
    """For each utility pair (rows of ``utilities``, default the problem's points) and player,
    the gain over disagreement that still counts as zero: :data:`GAIN_TOL` times the largest
    of the utility's magnitude, the disagreement payoff's and the player's best utility's
    (the rounding in ``u - d``, and in computing a utility that cancels to about zero).

    Relative, so a problem in other units (times 1e-13 or 1e13) has the same solutions, and
    absurd outcomes (utilities of -1e300 on most of the box) do not swamp the tolerance of
    the others.

    >>> p = BargainingProblem.from_points([(0, 4e-13), (4e-13, 0)], (0, 0))
    >>> gain_tolerance(p).tolist()
    [[4e-25, 4e-25], [4e-25, 4e-25]]
    """
    u = problem.points if utilities is None else np.asarray(utilities, dtype=float)
    typical = np.abs(problem.best_utilities())
    return GAIN_TOL * np.maximum(np.maximum(np.abs(u), np.abs(problem.disagreement)), typical)


def frontier_indices(problem: BargainingProblem, convex: bool | None = None) -> np.ndarray:
    """Indices (into ``problem.points``) of the frontier: :meth:`BargainingProblem.frontier_indices`."""
    return problem.frontier_indices(convex)


@dataclass(frozen=True, eq=False)
class ParetoFrontier(TabularResult):
    """From :func:`pareto_frontier`: ``utilities`` (k x 2, u1 ascending) and the outcomes along it.

    With lotteries allowed (``convex=True``), a point
    below the line between two others is dominated by a lottery over them and drops out:

    >>> from games.bargaining import BargainingProblem, pareto_frontier
    >>> p = BargainingProblem.from_points([(0, 1), (0.4, 0.4), (1, 0)], (0, 0), convex=True)
    >>> front = pareto_frontier(p)
    >>> len(front), front.utilities.tolist()
    (2, [[0.0, 1.0], [1.0, 0.0]])
    """

    utilities: np.ndarray
    indices: np.ndarray
    outcomes: Mapping[str, np.ndarray] | None
    labels: tuple[Any, ...] | None
    players: tuple[str, str]
    convex: bool
    method: str
    resolution: int | None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.utilities)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        frame = pd.DataFrame(self.utilities, columns=list(self.players))
        if self.outcomes is not None:
            for name, values in self.outcomes.items():
                frame[name] = values
        elif self.labels is not None:
            frame["outcome"] = list(self.labels)
        return frame

    def caption(self) -> str:
        text = f"Pareto frontier: {len(self)} points, method {self.method}"
        if self.convex:
            text += "; lotteries allowed: segments between neighbouring points are feasible"
        if self.resolution:
            text += f"; exact on a grid of {self.resolution} levels per continuous issue"
        return text


def pareto_frontier(problem: BargainingProblem, *, convex: bool | None = None,
                    refine: bool = False) -> ParetoFrontier:
    """The Pareto frontier of a problem, with the outcome behind each point.

    ``convex`` (default: the problem's own setting) says whether lotteries are allowed; then
    the frontier is the upper-right convex hull of the points, and the segments between
    neighbouring points are feasible too. Over continuous issues the frontier is exact on
    the grid; ``refine=True`` then moves each point onto the continuous frontier by the
    epsilon-constraint method (the most for player 2 given player 1's utility there).

    >>> p = BargainingProblem.from_points([(0, 1), (0.4, 0.5), (1, 0)], (0, 0), convex=True)
    >>> pareto_frontier(p).utilities.tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    require_problem(problem, "pareto_frontier()")
    convex = problem.convex if convex is None else bool(convex)
    idx = frontier_indices(problem, convex)
    utilities = problem.points[idx]
    outcomes = None if problem.outcomes is None else {
        n: v[idx] for n, v in problem.outcomes.items()}
    labels = None
    if problem.outcomes is None:
        labels = tuple(problem.labels[i] for i in idx) if problem.labels is not None \
            else tuple(int(i) for i in idx)
    method = ("upper convex hull of the skyline" if convex else "exact skyline")
    resolution = problem.resolution if _has_continuous(problem) else None
    if refine and resolution:
        utilities, outcomes = _epsilon_constraint(problem, idx)
        method += (f" on a grid of {resolution} levels per continuous issue, then epsilon-"
                   "constraint (SLSQP) from each grid point")
        resolution = None
    return ParetoFrontier(utilities, idx, outcomes, labels, problem.players, convex, method,
                          resolution)


def _epsilon_constraint(problem: BargainingProblem, idx: np.ndarray):
    """Maximise u2 subject to u1 >= u1(grid point), from each grid frontier point."""
    from games.bargaining.refine import refine_outcome

    scale = utility_range(problem)
    rows, found_outcomes = [], []
    for i in idx:
        level = float(problem.points[i, 0])
        found = refine_outcome(problem, int(i), lambda u, _: u[1] / scale,
                               lambda u, _, lv=level: np.array([u[0] - lv]))
        if found is None:
            rows.append(problem.points[i])
            found_outcomes.append(problem.outcome(int(i)))
        else:
            rows.append(found[1])
            found_outcomes.append(found[0])
    points = np.asarray(rows, dtype=float)
    keep = skyline(points)  # polishing can make one grid point's image dominate another's
    outcomes = {n: np.array([found_outcomes[k][n] for k in keep]) for n in found_outcomes[0]}
    return points[keep], outcomes


def _has_continuous(problem: BargainingProblem) -> bool:
    return any(i.is_continuous for i in problem.issues)


@dataclass(frozen=True, eq=False)
class ZoneOfAgreement(TabularResult):
    """From :func:`zone_of_agreement`: the frontier both prefer to disagreement; check ``empty``.

    The part of the frontier both players weakly prefer to disagreement; it may be empty,
    and ``message`` then says why.

    >>> from games.bargaining import BargainingProblem, zone_of_agreement
    >>> points = [(0, 1), (0.5, 0.5), (1, 0)]
    >>> zone_of_agreement(BargainingProblem.from_points(points, (0.3, 0.3))).utilities.tolist()
    [[0.5, 0.5]]
    >>> zone_of_agreement(BargainingProblem.from_points(points, (0.6, 0.6))).empty
    True
    """

    utilities: np.ndarray
    outcomes: Mapping[str, np.ndarray] | None
    players: tuple[str, str]
    disagreement: tuple[float, float]
    message: str
    method: str = "the frontier points that give each player at least the disagreement payoff"
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when no outcome gives both players at least their disagreement payoff."""
        return len(self.utilities) == 0

    @property
    def width(self) -> tuple[float, float]:
        """How far each player's utility ranges over the zone (0, 0 when empty)."""
        if self.empty:
            return (0.0, 0.0)
        span = self.utilities.max(axis=0) - self.utilities.min(axis=0)
        return (float(span[0]), float(span[1]))

    @property
    def surplus(self) -> float:
        """The largest joint gain over disagreement in the zone (0 when empty)."""
        if self.empty:
            return 0.0
        return float((self.utilities - np.asarray(self.disagreement)).sum(axis=1).max())

    def issue_ranges(self) -> dict[str, tuple[float, float]]:
        """The range of each issue over the zone's frontier outcomes."""
        if self.outcomes is None or self.empty:
            return {}
        return {n: (float(v.min()), float(v.max())) for n, v in self.outcomes.items()}

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        frame = pd.DataFrame(self.utilities.reshape(-1, 2), columns=list(self.players))
        for name, values in (self.outcomes or {}).items():
            frame[name] = values
        return frame

    def caption(self) -> str:
        return self.message


def zone_of_agreement(problem: BargainingProblem, *, tol: float | None = None) -> ZoneOfAgreement:
    """The frontier points where both gains are >= 0; empty is a normal, stated answer.

    ``tol`` (default :func:`gain_tolerance`) is the gain that still counts as zero.

    With lotteries allowed the zone is clipped exactly where the frontier crosses each
    player's disagreement payoff.

    >>> p = BargainingProblem.from_points([(0, 1), (1, 0)], (0.2, 0.2), convex=True)
    >>> z = zone_of_agreement(p)
    >>> [round(w, 9) for w in z.width]
    [0.6, 0.6]
    >>> zone_of_agreement(p.with_disagreement((0.6, 0.6))).empty
    True
    """
    front = pareto_frontier(require_problem(problem, "zone_of_agreement()"))
    d = problem.disagreement
    u = front.utilities
    tol = gain_tolerance(problem, u) if tol is None else np.full(u.shape, float(tol))
    inside = (u[:, 0] >= d[0] - tol[:, 0]) & (u[:, 1] >= d[1] - tol[:, 1])
    zone = u[inside]
    outcomes = None if front.outcomes is None else {n: v[inside] for n, v in front.outcomes.items()}
    if front.convex and len(u) > 1:
        # u1 increases and u2 decreases along the hull: the zone is one interval of it
        top2 = np.interp(d[0], u[:, 0], u[:, 1], left=np.nan, right=np.nan)
        top1 = np.interp(d[1], u[::-1, 1], u[::-1, 0], left=np.nan, right=np.nan)
        ends = []
        if np.isfinite(top2) and top2 >= d[1] - GAIN_TOL * max(abs(top2), abs(d[1])) \
                and d[0] > u[0, 0]:
            ends.append(("start", (d[0], top2)))
        if np.isfinite(top1) and top1 >= d[0] - GAIN_TOL * max(abs(top1), abs(d[0])) \
                and d[1] > u[-1, 1]:
            ends.append(("end", (top1, d[1])))
        for where, point in ends:
            row = np.asarray(point)[None, :]
            zone = np.vstack([row, zone] if where == "start" else [zone, row])
        zone = _dedupe(zone, utility_range(problem))
        outcomes = None  # interpolated ends are lotteries, not single outcomes
    players = problem.players
    shown = np.asarray(d, dtype=float) + 0.0  # + 0.0: a disagreement of -0.0 prints as 0
    if len(zone) == 0:
        message = (f"zone of agreement is empty: no feasible outcome gives both {players[0]} "
                   f"(>= {shown[0]:g}) and {players[1]} (>= {shown[1]:g}) their disagreement "
                   "payoffs")
    else:
        lo, hi = (_at_disagreement(x, shown, utility_range(problem))
                  for x in (zone.min(axis=0), zone.max(axis=0)))
        gets = [f"{a:.4g}" if f"{a:.4g}" == f"{b:.4g}" else f"{a:.4g} to {b:.4g}"
                for a, b in zip(lo, hi)]
        message = (f"zone of agreement: {len(zone)} frontier point"
                   f"{'' if len(zone) == 1 else 's'}; {players[0]} gets {gets[0]}, "
                   f"{players[1]} gets {gets[1]} (disagreement {shown[0]:.4g}, {shown[1]:.4g})")
    return ZoneOfAgreement(zone, outcomes, players, (float(d[0]), float(d[1])), message)


def _dedupe(points: np.ndarray, unit: float) -> np.ndarray:
    if len(points) < 2:
        return points
    keep = np.concatenate([[True], np.any(np.abs(np.diff(points, axis=0)) > 1e-15 * unit, axis=1)])
    return points[keep]


def _require_issue(problem: BargainingProblem, name: str) -> int:
    names = [i.name for i in problem.issues]
    if not names:
        raise BargainingError("concession curves need a problem built from issues "
                              "(BargainingProblem.from_issues)")
    if name not in names:
        raise BargainingError(f"unknown issue {name!r}; the problem's issues are {names}")
    return names.index(name)


@dataclass(frozen=True, eq=False)
class ConcessionCurve(TabularResult):
    """From :func:`concession_curve`: the most of one issue a player accepts per level of another.

    For each level of ``issue``, ``most`` is the most of ``counter_issue`` that ``player``
    accepts; it is NaN at levels where no value of the counter issue leaves ``player`` at least
    the disagreement payoff. ``outcomes`` hold the remaining issues at which it is reached.
    Player 2 gains ``a - b``, so it accepts any ``b`` up to ``a``:

    >>> from games.bargaining import BargainingProblem, concession_curve
    >>> p = BargainingProblem.from_issues({"a": (0, 2), "b": (0, 2)},
    ...     ["b - a / 2", "a - b"], disagreement=(0, 0), resolution=5)
    >>> curve = concession_curve(p, "a", "b", player=2)
    >>> bool((curve.most == curve.levels).all())
    True
    """

    issue: str
    counter_issue: str
    player: str
    levels: np.ndarray
    most: np.ndarray
    outcomes: Mapping[str, np.ndarray]
    resolution: int | None
    method: str = ("scan of the outcome grid: for each level of the issue, the most of the "
                  "counter-issue the player still accepts")
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        frame = pd.DataFrame({self.issue: self.levels,
                              f"most {self.counter_issue} {self.player} accepts": self.most})
        for name, values in self.outcomes.items():
            if name not in (self.issue, self.counter_issue):
                frame[f"{name} at best"] = values
        return frame

    def caption(self) -> str:
        text = (f"concession curve: for each {self.issue}, the most {self.counter_issue} "
                f"{self.player} still accepts (gain >= 0), optimising over the other issues")
        if self.resolution:
            text += f"; exact on a grid of {self.resolution} levels per continuous issue"
        return text


def concession_curve(problem: BargainingProblem, issue: str, counter_issue: str,
                     player: int | str, *, tol: float | None = None) -> ConcessionCurve:
    """For each level of ``issue``, the most of ``counter_issue`` that ``player`` accepts.

    ``player`` is 1, 2 or a player's name. "Accepts" means the player's gain over
    disagreement is >= 0; the other issues are set to whatever allows the most. This is the exchange rate a negotiator can ask for: for each
    amount one side gives, the most the other side still gives in return.

    >>> p = BargainingProblem.from_issues({"a": (0, 2), "b": (0, 2)},
    ...     ["b - a / 2", "a - b"], disagreement=(0, 0), resolution=5)
    >>> concession_curve(p, "a", "b", player=2).most.tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0]
    """
    k = _require_issue(require_problem(problem, "concession_curve()"), issue)
    m = _require_issue(problem, counter_issue)
    if k == m:
        raise BargainingError(f"issue and counter_issue are both {issue!r}; give two issues")
    j = problem.player_index(player)
    shape = tuple(len(i.grid(problem.resolution or 2)) for i in problem.issues)
    gain = (problem.points[:, j] - problem.disagreement[j]).reshape(shape)
    counter = problem.outcomes[counter_issue].reshape(shape)
    if tol is None:
        tol = gain_tolerance(problem)[:, j].reshape(shape)
    masked = np.where(gain >= -tol, counter, -np.inf)
    rows = np.moveaxis(masked, k, 0).reshape(shape[k], -1)
    best = rows.argmax(axis=1)
    most = rows[np.arange(shape[k]), best]
    flat = np.moveaxis(np.arange(len(problem.points)).reshape(shape), k, 0).reshape(shape[k], -1)
    at = flat[np.arange(shape[k]), best]
    outcomes = {n: np.where(np.isfinite(most), v[at], np.nan) for n, v in problem.outcomes.items()}
    most = np.where(np.isfinite(most), most, np.nan)
    levels = problem.issues[k].grid(problem.resolution or 2)
    return ConcessionCurve(issue, counter_issue, problem.players[j], levels, most, outcomes,
                           problem.resolution if _has_continuous(problem) else None)


def concession_curves(problem: BargainingProblem, issue_1: str, issue_2: str,
                      ) -> tuple[ConcessionCurve, ConcessionCurve]:
    """Both concession curves when player 1 gives ``issue_1`` and player 2 gives ``issue_2``.

    The first curve: for each level of ``issue_1``, the most of ``issue_2`` player 2 still
    accepts to give. The second, the reverse: for each level of ``issue_2``, the most of
    ``issue_1`` player 1 still accepts to give. Between them lie the acceptable exchanges.

    >>> p = BargainingProblem.from_issues({"a": (0, 2), "b": (0, 2)},
    ...     ["b - a / 2", "a - b"], disagreement=(0, 0), resolution=5)
    >>> first, second = concession_curves(p, "a", "b")
    >>> second.most.tolist()
    [0.0, 1.0, 2.0, 2.0, 2.0]
    """
    return (concession_curve(problem, issue_1, issue_2, 2),
            concession_curve(problem, issue_2, issue_1, 1))
