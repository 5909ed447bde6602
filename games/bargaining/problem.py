"""Bargaining problems: a feasible set of utility pairs and a disagreement point.

A :class:`BargainingProblem` holds the utility pairs of every outcome it knows (given points,
the cells of a bimatrix game, or a grid over an outcome space of named issues) and the
disagreement point. Problems built from issues also keep the utility functions, so solutions
can be refined continuously from the best grid point and report the outcome in issue units.

>>> p = BargainingProblem.from_points([(0, 1), (0.5, 0.5), (1, 0)], disagreement=(0, 0))
>>> p.n_outcomes, p.players
(3, ('player 1', 'player 2'))
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from games.bargaining.hull import skyline, upper_hull
from games.errors import BargainingError, ExpressionError, GameTooLargeError, finite_number
from games.parameters import read_parameters

#: Largest number of grid outcomes an issue space may expand to.
MAX_OUTCOMES = 20_000_000

UtilitySpec = Any  # text, games.expressions.Expression, or a vectorised callable of the issues


@dataclass(frozen=True)
class Issue:
    """A negotiable quantity: a continuous range ``bounds=(lo, hi)`` or discrete ``values``.

    >>> Issue("price", bounds=(0, 10)).grid(3).tolist()
    [0.0, 5.0, 10.0]
    >>> Issue("tier", values=(1, 2, 3)).is_continuous
    False
    """

    name: str
    bounds: tuple[float, float] | None = None
    values: tuple[float, ...] | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise BargainingError(f"issue name {self.name!r} must be a Python-style identifier "
                                  "(letters, digits, underscores) so expressions can use it")
        if (self.bounds is None) == (self.values is None):
            raise BargainingError(f"issue {self.name!r}: give exactly one of bounds=(lo, hi) "
                                  "for a continuous range or values=[...] for discrete levels")
        if self.bounds is not None:
            lo, hi = (_finite(b, f"bound of issue {self.name!r}") for b in self.bounds)
            if not lo < hi:
                raise BargainingError(f"issue {self.name!r}: bounds ({lo}, {hi}) must satisfy "
                                      "lo < hi; swap them or use values=[lo] for a fixed level")
            object.__setattr__(self, "bounds", (lo, hi))
        else:
            vals = tuple(_finite(v, f"level of issue {self.name!r}") for v in self.values)
            if not vals:
                raise BargainingError(f"issue {self.name!r} has no levels; give at least one")
            object.__setattr__(self, "values", tuple(sorted(set(vals))))

    @property
    def is_continuous(self) -> bool:
        """True for a continuous range, False for discrete levels."""
        return self.bounds is not None

    def grid(self, resolution: int) -> np.ndarray:
        """The levels evaluated: ``resolution`` evenly spaced points, or the discrete levels."""
        if self.bounds is None:
            return np.asarray(self.values, dtype=float)
        return np.linspace(self.bounds[0], self.bounds[1], resolution)


def _finite(value: Any, what: str) -> float:
    return finite_number(value, what, BargainingError)


def as_issues(issues: Mapping[str, Any] | Iterable[Issue]) -> tuple[Issue, ...]:
    """Read issues from ``{name: (lo, hi)}`` (a tuple: continuous) or ``{name: [levels]}``."""
    if isinstance(issues, Mapping):
        out = []
        for name, spec in issues.items():
            if isinstance(spec, Issue):
                out.append(spec)
            elif isinstance(spec, tuple):
                if len(spec) != 2:
                    raise BargainingError(f"issue {name!r}: a tuple means continuous bounds "
                                          f"(lo, hi), got {spec!r}; use a list for levels")
                out.append(Issue(name, bounds=spec))
            else:
                try:
                    if isinstance(spec, (str, bytes)):
                        raise ValueError(spec)
                    levels = np.atleast_1d(np.asarray(spec, float))
                except (TypeError, ValueError):
                    raise BargainingError(f"issue {name!r}: give (lo, hi) for a continuous range "
                                          f"or a list of numeric levels, got {spec!r}") from None
                out.append(Issue(name, values=tuple(levels)))
        result = tuple(out)
    else:
        result = tuple(issues)
        if not all(isinstance(i, Issue) for i in result):
            raise BargainingError("issues must be a mapping {name: (lo, hi) or [levels]} or a "
                                  "sequence of Issue objects")
    if not result:
        raise BargainingError("an outcome space needs at least one issue")
    names = [i.name for i in result]
    if len(set(names)) != len(names):
        raise BargainingError(f"issue names must be distinct, got {names}")
    return result


def compile_utility(spec: UtilitySpec, issue_names: Sequence[str], parameters: Mapping[str, float],
                    player: str) -> Callable[..., Any]:
    """A function of the issue values (keywords, arrays broadcast) giving ``player``'s utility."""
    if isinstance(spec, (str, int, float)) or hasattr(spec, "sympy"):
        from games.expressions import parse_expression

        clash = set(issue_names) & set(parameters)
        if clash:
            raise ExpressionError(f"names {sorted(clash)} are both issues and parameters; "
                                  "rename one of them")
        expr = parse_expression(spec, names=[*issue_names, *parameters],
                                where=f"utility of {player}")
        bound = dict(parameters)
        return lambda **issues: expr(**bound, **issues)
    if callable(spec):
        return spec
    raise BargainingError(f"utility of {player} must be text, an Expression or a callable of "
                          f"the issues, not {type(spec).__name__}")


def _parameter_values(parameters: Any) -> dict[str, float]:
    names, values = read_parameters(parameters, BargainingError)
    missing = [n for n in names or () if n not in values]
    if missing:
        raise BargainingError(f"parameters {', '.join(missing)} have no value; give a mapping "
                              "{name: value} or a ParameterSet")
    return values


@dataclass(frozen=True, eq=False)
class BargainingProblem:
    """A two-player bargaining problem: feasible utility pairs and a disagreement point.

    Build one with :meth:`from_points`, :meth:`from_issues` or :meth:`from_bimatrix`.
    ``convex`` says whether lotteries over the known outcomes are feasible (then the feasible
    set is their convex hull). Solutions treat the set as comprehensive (free disposal).

    >>> p = BargainingProblem.from_issues({"x": (0, 1)}, ["x", "1 - x"], disagreement=(0, 0),
    ...                                   resolution=5)
    >>> p.points[:, 0].tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """

    points: np.ndarray
    disagreement: np.ndarray
    players: tuple[str, str] = ("player 1", "player 2")
    convex: bool = False
    labels: tuple[Any, ...] | None = None
    issues: tuple[Issue, ...] = ()
    outcomes: Mapping[str, np.ndarray] | None = None
    utility_functions: tuple[Callable[..., Any], Callable[..., Any]] | None = None
    resolution: int | None = None
    source: str = "points"
    # Shared by copies made with with_disagreement: the frontier does not depend on it.
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_points(cls, points: Any, disagreement: Sequence[float], *, convex: bool = False,
                    players: Sequence[str] | None = None, labels: Sequence[Any] | None = None,
                    check_bounds: bool = True) -> "BargainingProblem":
        """A problem over a finite set of utility pairs; ``convex=True`` allows lotteries.

        >>> p = BargainingProblem.from_points([(3, 0), (0, 3)], disagreement=(0, 0), convex=True)
        >>> p.convex
        True
        """
        pts = _points(points)
        if labels is not None:
            labels = tuple(labels)
            if len(labels) != len(pts):
                raise BargainingError(f"{len(labels)} labels for {len(pts)} points; give one "
                                      "label per point")
        return cls._checked(pts, disagreement, players, convex=bool(convex), labels=labels,
                            check_bounds=check_bounds, source="points")

    @classmethod
    def from_issues(cls, issues: Mapping[str, Any] | Iterable[Issue],
                    utilities: Sequence[UtilitySpec], disagreement: Sequence[float], *,
                    parameters: Any = None, players: Sequence[str] | None = None,
                    resolution: int = 101, check_bounds: bool = True) -> "BargainingProblem":
        """A problem over an outcome space of named issues, evaluated on a grid.

        ``issues``: ``{name: (lo, hi)}`` for a continuous range (evaluated at ``resolution``
        levels, then solutions refine continuously) or ``{name: [levels]}`` for discrete
        levels. ``utilities``: one per player, as text (parsed safely), an ``Expression`` or a
        vectorised callable taking the issues as keyword arrays. ``parameters`` gives values
        of the other names the expressions use.

        >>> p = BargainingProblem.from_issues({"x": (0, 10), "n": [0, 1]},
        ...     ["a * x + n", lambda x, n: 10 - x], disagreement=(0, 0), parameters={"a": 1},
        ...     resolution=3)
        >>> p.n_outcomes, sorted(p.outcomes)
        (6, ['n', 'x'])
        """
        found = as_issues(issues)
        if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
                or resolution < 2:
            raise BargainingError(f"resolution must be an integer >= 2, got {resolution!r}")
        names = [i.name for i in found]
        players = _players(players)
        if isinstance(utilities, (str, bytes)) or not hasattr(utilities, "__len__") \
                or len(utilities) != 2:
            raise BargainingError("utilities must be a pair: one utility per player")
        values = _parameter_values(parameters)
        functions = tuple(compile_utility(u, names, values, who)
                          for u, who in zip(utilities, players))
        # Count before building: one axis of resolution 2**32 alone would take 32 GB.
        size = int(np.prod([resolution if i.bounds is not None else len(i.values)
                            for i in found], dtype=float))
        if size > MAX_OUTCOMES:
            fix = (f"lower resolution={resolution} or fix some issues to discrete levels"
                   if resolution > 2 else "even at the least resolution, 2; give fewer issues "
                   "that vary, or fix some to one level")
            raise GameTooLargeError(f"the issue grid has {size:,} outcomes (more than "
                                    f"{MAX_OUTCOMES:,}); {fix}")
        levels = [i.grid(int(resolution)) for i in found]
        mesh = np.meshgrid(*levels, indexing="ij")
        outcomes = {n: m.ravel() for n, m in zip(names, mesh)}
        pts = np.empty((size, 2))
        for k, (f, who) in enumerate(zip(functions, players)):
            pts[:, k] = _evaluate(f, outcomes, size, who)
        return cls._checked(pts, disagreement, players, convex=False, labels=None,
                            check_bounds=check_bounds, source="issues", issues=found,
                            outcomes=outcomes, utility_functions=functions,
                            resolution=int(resolution))

    @classmethod
    def from_bimatrix(cls, game: Any, disagreement: str | Sequence[float] = "maximin", *,
                      players: Sequence[str] | None = None) -> "BargainingProblem":
        """A problem whose agreements are lotteries over the cells of a two-player game.

        ``game``: a pair of payoff arrays ``(A, B)`` or a two-player ``NormalFormGame``.
        ``disagreement``: ``"maximin"`` (each player's security value in mixed strategies)
        or a stated point, such as an equilibrium's payoffs.

        >>> pd = ([[3, 0], [5, 1]], [[3, 5], [0, 1]])   # prisoner's dilemma
        >>> BargainingProblem.from_bimatrix(pd).disagreement.tolist()
        [1.0, 1.0]
        """
        strategies = None
        if hasattr(game, "payoffs"):
            if getattr(game, "n_players", len(game.payoffs)) != 2:
                raise BargainingError("from_bimatrix needs a two-player game")
            arrays = game.payoffs
            players = players or getattr(game, "players", None)
            strategies = getattr(game, "strategies", None)
        else:
            arrays = game
        try:
            a, b = (np.asarray(x, dtype=float) for x in arrays)
        except (TypeError, ValueError):
            raise BargainingError("game must be (A, B): two numeric payoff arrays") from None
        if a.ndim != 2 or a.shape != b.shape or a.size == 0:
            raise BargainingError(f"payoff arrays must be two non-empty matrices of one shape, "
                                  f"got {a.shape} and {b.shape}")
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            raise BargainingError("payoff arrays contain NaN or infinite entries")
        if strategies is None:
            strategies = ([f"row {i}" for i in range(a.shape[0])],
                          [f"column {j}" for j in range(a.shape[1])])
        labels = tuple((r, c) for r in strategies[0] for c in strategies[1])
        if isinstance(disagreement, str):
            if disagreement != "maximin":
                raise BargainingError(f"disagreement {disagreement!r} is unknown; use "
                                      "'maximin' or a pair of payoffs")
            disagreement = (maximin_value(a), maximin_value(b.T))
        pts = np.column_stack([a.ravel(), b.ravel()])
        return cls._checked(pts, disagreement, players, convex=True, labels=labels,
                            check_bounds=True, source="bimatrix")

    @classmethod
    def _checked(cls, pts: np.ndarray, disagreement: Any, players: Any, *, check_bounds: bool,
                 **kwargs: Any) -> "BargainingProblem":
        pts.setflags(write=False)
        top = pts.max(axis=0)
        d = _disagreement(disagreement, top if check_bounds else None)
        return cls(points=pts, disagreement=d, players=_players(players), _cache={"top": top},
                   **kwargs)

    # ------------------------------------------------------------------ use
    def with_disagreement(self, disagreement: Sequence[float], *,
                          check_bounds: bool = True) -> "BargainingProblem":
        """The same feasible set under another disagreement point, reusing all evaluations.

        >>> p = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0))
        >>> p.with_disagreement((0.5, 0)).disagreement.tolist()
        [0.5, 0.0]
        """
        d = _disagreement(disagreement, self.best_utilities() if check_bounds else None)
        twin = copy.copy(self)  # shallow: shares points, outcomes and the frontier cache
        object.__setattr__(twin, "disagreement", d)
        return twin

    def best_utilities(self) -> np.ndarray:
        """Each player's best utility over the feasible set (cached: re-solves must not rescan
        every outcome).

        >>> BargainingProblem.from_points([(0, 3), (2, 1)], (0, 0)).best_utilities().tolist()
        [2.0, 3.0]
        """
        return self._kept("top", lambda: self.points.max(axis=0))

    def utility_range(self) -> float:
        """The unit of the utilities: the larger of the two players' utility spreads (1.0 when
        all points tie), cached. Every tolerance and optimiser scale is relative to it.

        >>> BargainingProblem.from_points([(0, 4e-13), (4e-13, 0)], (0, 0)).utility_range()
        4e-13
        """
        def spread() -> float:
            found = float(np.ptp(self.points, axis=0).max()) if len(self.points) else 0.0
            return found if found > 0 else 1.0

        return self._kept("utility range", spread)

    def frontier_indices(self, convex: bool | None = None) -> np.ndarray:
        """Indices (into ``points``) of the Pareto frontier: the skyline, or with lotteries
        (``convex``, default the problem's) the vertices of its upper-right hull; cached.

        >>> p = BargainingProblem.from_points([(0, 1), (0.4, 0.4), (1, 0), (0.5, 0.6)], (0, 0))
        >>> p.frontier_indices(convex=False).tolist(), p.frontier_indices(convex=True).tolist()
        ([0, 3, 2], [0, 3, 2])
        """
        convex = self.convex if convex is None else bool(convex)
        sky = self._kept(("frontier", False), lambda: skyline(self.points))
        if not convex:
            return sky
        return self._kept(("frontier", True), lambda: sky[upper_hull(self.points[sky])])

    def frontier_columns(self) -> tuple[np.ndarray, np.ndarray]:
        """The frontier's indices (at the problem's ``convex``) and its utilities as one
        contiguous ``(2, k)`` array, cached.

        >>> BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0)).frontier_columns()[1].shape
        (2, 2)
        """
        def columns() -> tuple[np.ndarray, np.ndarray]:
            idx = self.frontier_indices()
            return idx, np.ascontiguousarray(self.points[idx].T)

        return self._kept(("frontier columns", self.convex), columns)

    def _kept(self, key: Any, compute: Callable[[], Any]) -> Any:
        """A value derived from the feasible set, computed once and kept under ``key``. Copies
        made by :meth:`with_disagreement` share it, so nothing kept here may depend on the
        disagreement point."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def player_index(self, player: int | str) -> int:
        """The axis (0 or 1) of a player given as 1, 2 or a name.

        >>> BargainingProblem.from_points([(0, 1)], (0, 0), players=("A", "B")).player_index("B")
        1
        """
        if isinstance(player, str):
            if player not in self.players:
                raise BargainingError(f"unknown player {player!r}; players are {self.players}")
            return self.players.index(player)
        if not isinstance(player, bool) and player in (1, 2):
            return int(player) - 1
        raise BargainingError(f"player must be 1, 2 or a name in {self.players}, got {player!r}")

    @property
    def n_outcomes(self) -> int:
        """How many outcomes (points, cells or grid points) were evaluated."""
        return len(self.points)

    @property
    def gains(self) -> np.ndarray:
        """Utilities minus the disagreement point, one row per outcome."""
        return self.points - self.disagreement

    def outcome(self, index: int) -> dict[str, Any]:
        """The outcome behind evaluated point ``index``: issue values, or its label."""
        if self.outcomes is not None:
            return {n: float(v[index]) for n, v in self.outcomes.items()}
        return {"outcome": self.labels[index] if self.labels is not None else int(index)}

    def evaluate(self, **issues: Any) -> tuple[Any, Any]:
        """Both players' utilities at given issue values (numbers or arrays)."""
        if self.utility_functions is None:
            raise BargainingError("this problem has no issues to evaluate; it was built from "
                                  "points or a game")
        return tuple(f(**issues) for f in self.utility_functions)  # type: ignore[return-value]

    def __repr__(self) -> str:
        kind = (f"{len(self.issues)} issues" if self.issues else self.source)
        return (f"BargainingProblem({self.n_outcomes} outcomes from {kind}, players="
                f"{self.players}, disagreement={tuple(self.disagreement.tolist())}, "
                f"convex={self.convex})")


def maximin_value(payoffs: np.ndarray) -> float:
    """The row player's security value in mixed strategies: the zero-sum LP of
    :func:`games.normal_form.equilibria.zero_sum.maximin_strategy`, on payoffs mapped onto
    [0, 1] as the zero-sum solver does (HiGHS's tolerances are absolute).

    >>> round(maximin_value(np.array([[1.0, -1.0], [-1.0, 1.0]])), 12) + 0.0  # matching pennies
    0.0
    """
    from games.normal_form.equilibria.zero_sum import maximin_strategy  # start-up time: the solvers

    low, spread = float(payoffs.min()), float(np.ptp(payoffs))
    if spread == 0:
        return low
    return maximin_strategy((payoffs - low) / spread)[1] * spread + low


def _points(points: Any) -> np.ndarray:
    try:
        pts = np.array(points, dtype=float)
    except (TypeError, ValueError):
        raise BargainingError("points must be numbers: a sequence of (u1, u2) pairs") from None
    if pts.size == 0:
        raise BargainingError("the set of points is empty; give at least one (u1, u2) pair")
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise BargainingError(f"points must have shape (n, 2), one (u1, u2) pair per row; "
                              f"got shape {pts.shape}")
    bad = ~np.isfinite(pts).all(axis=1)
    if bad.any():
        raise BargainingError(f"point {int(np.argmax(bad))} is not finite: "
                              f"{pts[np.argmax(bad)].tolist()}; remove it or fix it")
    return pts


def _players(players: Any) -> tuple[str, str]:
    if players is None:
        return ("player 1", "player 2")
    players = tuple(str(p) for p in players)
    if len(players) != 2 or players[0] == players[1]:
        raise BargainingError(f"give two distinct player names, got {players}")
    return players  # type: ignore[return-value]


def _disagreement(d: Any, top: np.ndarray | None) -> np.ndarray:
    try:
        arr = np.array(d, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise BargainingError(f"disagreement must be a pair of numbers, got {d!r}") from None
    if arr.shape != (2,):
        raise BargainingError(f"disagreement must be one payoff per player (two numbers), "
                              f"got {d!r}")
    if not np.isfinite(arr).all():
        raise BargainingError(f"disagreement point {arr.tolist()} is not finite")
    if top is not None:
        for k in range(2):
            if arr[k] > top[k]:
                raise BargainingError(
                    f"disagreement payoff of player {k + 1} ({arr[k]:g}) exceeds the best "
                    f"feasible utility of that player ({top[k]:g}): the disagreement point "
                    "lies outside the feasible region's bounds. Check units and signs, or pass "
                    "check_bounds=False if no agreement is the intended answer")
    arr.setflags(write=False)
    return arr


def _evaluate(f: Callable[..., Any], outcomes: Mapping[str, np.ndarray], size: int,
              who: str) -> np.ndarray:
    try:
        with np.errstate(all="ignore"):
            values = f(**outcomes)
        values = np.broadcast_to(np.asarray(values, dtype=float), (size,))
    except ExpressionError:
        raise
    except Exception as exc:  # a user's callable: say whose and what
        raise BargainingError(f"utility of {who} failed on the issue grid: "
                              f"{type(exc).__name__}: {exc}. It must accept the issues as "
                              "keyword numpy arrays and return an array of the same shape") from exc
    bad = ~np.isfinite(values)
    if bad.any():
        k = int(np.argmax(bad))
        at = {n: float(v[k]) for n, v in outcomes.items()}
        raise BargainingError(f"utility of {who} is {values[k]} at {at}; utilities must be "
                              "finite over the whole outcome space (narrow the bounds or guard "
                              "logs and divisions)")
    return values
