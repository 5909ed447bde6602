"""Two-level bargaining: win-sets at home, ratification, delay, and incompatible expectations.

Putnam (1988, "Diplomacy and domestic politics: the logic of two-level games") has each
negotiator bargain abroad while a set of *members* at home must ratify: the negotiator's
*win-set* is the set of packages the home rule ratifies. Here each member m of a side has a
gain h_m(x, theta) over its own reservation value; a :class:`Ratification` rule turns the
members' gains into one *slack* s(x) that is non-negative exactly on the win-set:

- ``"veto"``: every member must accept, s = min_m h_m;
- ``"majority"``: at least ``quota`` members (default: more than half), s = the quota-th largest h_m;
- ``"chair"``: the chair decides, s = h_chair (the others' dissent costs delay, see
  :func:`delayed_power`);

and members listed in ``checks`` (a later check, e.g. a legislature) must accept under any
rule, s = min(s, min_checks h_m). Then, per draw of a :class:`~games.bargaining.batch.
BatchProblem`:

- :func:`win_set`: the share of a grid of packages in the win-set, and in the win-set and the
  zone of agreement;
- :func:`constrained_nash`: the asymmetric Nash solution over the win-set (the benchmark a
  negotiator can bring home);
- :func:`schelling_shift`: Schelling's conjecture measured (*The Strategy of Conflict*, 1960,
  ch. 2): how a narrower win-set moves player 1's gain at the benchmark, and where it leaves no
  package both ratified and agreeable (the agreement dies);
- :func:`delayed_power`: Rubinstein's power when a side's ratification takes time: each side's
  discount per round is its monthly factor to the power (months between offers + its latency);
- :func:`mutual_optimism`: Fearon's (1995) rationalist breakdown: each side expects a gain from
  its own beliefs; talks fail where no package gives both what they expect.

>>> import numpy as np
>>> from games.optimise.outcome_space import Box
>>> from games.bargaining.batch import BatchProblem
>>> pie = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
...                    {"c": np.array([0.2, 0.7, 1.2])}, (0.0, 0.0), linear=True)
>>> home = lambda x, q: x["s"] - q["c"]           # player 1's member needs a share of c
>>> nash = constrained_nash(pie, home, power=0.5)
>>> nash.points["s"].round(3).tolist(), nash.agreement.tolist()
([0.5, 0.7, nan], [True, True, False])
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from games.bargaining.batch import (GAIN_TOLERANCE, BatchNash, BatchProblem, GridScan,
                                    nash_benchmark, scan, zone_test)
from games.bargaining.rubinstein import nash_power
from games.optimise.box_search import maximise
from games.errors import BargainingError

__all__ = [
    "RULES", "OPTIMISM_TOLERANCE", "Ratification", "delayed_power", "WinSetScan", "win_set",
    "constrained_nash", "SchellingShift", "schelling_shift", "MutualOptimism", "mutual_optimism",
    "scan_from",
]

RULES = ("veto", "majority", "chair")

#: Tolerance (in units of each player's range of gains) under which two expectations that
#: exactly exhaust the surplus still count as compatible.
OPTIMISM_TOLERANCE = 1e-6

Constraint = Callable[[Mapping[str, np.ndarray], Mapping[str, np.ndarray]], ArrayLike]


@dataclass(frozen=True)
class Ratification:
    """How a side's members ratify: ``rule`` over ``members``, plus the ``checks`` every rule needs.

    >>> r = Ratification("majority", 3)
    >>> r.slack(np.array([[1.0], [-2.0], [0.5]])).tolist()     # two of three accept
    [0.5]
    >>> Ratification("chair", 2, chair=1).ratifies(np.array([[-1.0], [0.3]])).tolist()
    [True]
    """

    rule: str
    members: int
    chair: int | None = None
    checks: tuple[int, ...] = ()
    quota: int | None = None

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise BargainingError(f"ratification rule {self.rule!r}: use one of {list(RULES)}")
        if self.members < 1:
            raise BargainingError("ratification needs at least one member")
        if self.rule == "chair" and self.chair not in range(self.members):
            raise BargainingError("a 'chair' rule needs the chair's index among the members")
        if any(c not in range(self.members) for c in self.checks):
            raise BargainingError(f"checks {list(self.checks)}: indices must lie in "
                                  f"0..{self.members - 1}")
        voters = len(self.voters)
        if self.quota is not None and not 1 <= self.quota <= max(voters, 1):
            raise BargainingError(f"quota {self.quota}: must lie between 1 and the {voters} "
                                  "voting members")

    @property
    def voters(self) -> tuple[int, ...]:
        """The members the rule aggregates (all but the checks)."""
        return tuple(m for m in range(self.members) if m not in self.checks)

    def slack(self, gains: ArrayLike) -> np.ndarray:
        """Non-negative exactly where the rule ratifies; ``gains`` has the members first."""
        h = np.asarray(gains, dtype=float)
        if h.shape[0] != self.members:
            raise BargainingError(f"ratification: expected gains of {self.members} members, got "
                                  f"{h.shape[0]}")
        voters = list(self.voters)
        if not voters:
            s = np.full(h.shape[1:], np.inf)
        elif self.rule == "veto":
            s = h[voters].min(axis=0)
        elif self.rule == "majority":
            quota = self.quota or len(voters) // 2 + 1
            s = -np.sort(-h[voters], axis=0)[quota - 1]        # the quota-th largest gain
        else:
            s = h[self.chair]
        if self.checks:
            s = np.minimum(s, h[list(self.checks)].min(axis=0))
        return s

    def ratifies(self, gains: ArrayLike) -> np.ndarray:
        """True where the rule ratifies (every member's gain compared with zero)."""
        return self.slack(gains) >= 0

    def dissent(self, gains: ArrayLike) -> np.ndarray:
        """The share of voting members on the losing side of the decision (0 if unanimous).

        >>> Ratification("chair", 3, chair=0).dissent(np.array([[1.0], [-1.0], [2.0]])).round(3).tolist()
        [0.333]
        """
        h = np.asarray(gains, dtype=float)
        voters = list(self.voters)
        if not voters:
            return np.zeros(h.shape[1:])
        decided = self.ratifies(h)
        return np.mean((h[voters] >= 0) != decided, axis=0)


def delayed_power(monthly_1: ArrayLike, monthly_2: ArrayLike, months_1: ArrayLike,
                  months_2: ArrayLike) -> np.ndarray:
    """Player 1's Rubinstein power when each side takes ``months_i`` to answer an offer.

    A side that needs longer to ratify a counter-offer discounts each round more: its factor
    per round is monthly_i ** months_i, and the power is log d_2 / (log d_1 + log d_2)
    (:func:`games.nash_power`), i.e. r_2 T_2 / (r_1 T_1 + r_2 T_2) with r_i = -log monthly_i.

    >>> round(float(delayed_power(0.99, 0.99, 1.0, 2.0)), 6)    # the slower side 2 concedes
    0.666667
    """
    d_1 = np.asarray(monthly_1, dtype=float) ** np.asarray(months_1, dtype=float)
    d_2 = np.asarray(monthly_2, dtype=float) ** np.asarray(months_2, dtype=float)
    return np.asarray(nash_power(d_1, d_2))


def _slack_rows(problem: BatchProblem, constraint: Constraint, outcome: Mapping[str, Any],
                rows: np.ndarray) -> np.ndarray:
    params = {k: v[rows][:, None] for k, v in problem.parameters.items()}
    slack = np.asarray(constraint(outcome, params), dtype=float)
    if np.isnan(slack).any():  # NaN >= 0 is False: it would read as "nothing ratifies"
        bad = np.argwhere(np.isnan(np.broadcast_to(slack, np.broadcast_shapes(
            slack.shape, (len(rows), 1)))))[0]
        raise BargainingError(f"the ratification constraint has no value (NaN) at some "
                              f"packages of draw {int(rows[bad[0]])}; a constraint must be a "
                              "number at every package (look for 0/0 or the log of a "
                              "negative number)")
    return slack


def _grid_step(problem: BatchProblem, grid: GridScan) -> float:
    """The grid's spacing as a share of each range: the pattern search's first step."""
    size = len(next(iter(grid.grid.values())))
    return 1.0 / max(2, round(size ** (1 / max(1, len(problem.box.names)))))


@dataclass(frozen=True, eq=False)
class WinSetScan:
    """Per draw, the share of a grid of packages in the win-set, and in the win-set and the zone."""

    share: np.ndarray
    share_in_zone: np.ndarray
    zone_share: np.ndarray
    grid_points: int
    method: str = "grid scan of the win-set's slack and both gains"
    settings: Mapping[str, Any] = field(default_factory=dict)


def win_set(problem: BatchProblem, constraint: Constraint, *, grid: GridScan | None = None,
            grid_points: int = 350) -> WinSetScan:
    """How large the win-set is per draw: its share of the grid and of the zone of agreement.

    >>> import numpy as np
    >>> from games.optimise.outcome_space import Box
    >>> p = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}), {},
    ...                  (0.0, 0.0))
    >>> w = win_set(p, lambda x, q: x["s"] - 0.75, grid_points=101)
    >>> round(float(w.share[0]), 2)
    0.26
    """
    grid = grid or scan(problem, grid_points)
    rows = np.arange(problem.draws)
    outcome = {k: v[None, :] for k, v in grid.grid.items()}
    inside = np.broadcast_to(_slack_rows(problem, constraint, outcome, rows) >= 0,
                             grid.gains[0].shape)
    zone = (grid.gains[0] > 0) & (grid.gains[1] > 0)
    return WinSetScan(inside.mean(axis=1), (inside & zone).mean(axis=1), zone.mean(axis=1),
                      grid.grid_points)


def constrained_nash(problem: BatchProblem, constraint: Constraint, power: ArrayLike = 0.5, *,
                     grid: GridScan | None = None, grid_points: int = 350,
                     resolution: float = 1e-4, max_rounds: int = 60,
                     free: BatchNash | None = None) -> BatchNash:
    """The asymmetric Nash solution over the win-set {x : constraint(x) >= 0}, per draw.

    Maximises beta log g_1 + (1 - beta) log g_2 over packages with both gains positive and a
    non-negative slack: the unconstrained solution (:func:`nash_benchmark`) where it is in the
    win-set (the Nash product is then maximal over the smaller set too); elsewhere the best
    grid package inside, refined by pattern search on the product masked outside the win-set
    (a local answer on the win-set's boundary, to the search's resolution). Draws where no grid
    package is both ratified and agreeable have no agreement (points NaN). ``free``: the
    unconstrained solution (:func:`nash_benchmark` of the same problem, power, grid and
    settings) when the caller has it already.
    """
    grid = grid or scan(problem, grid_points)
    n = problem.draws
    beta = np.broadcast_to(np.asarray(power, dtype=float), (n,)).copy()
    if free is None:
        free = nash_benchmark(problem, beta, grid=grid, resolution=resolution,
                              max_rounds=max_rounds)
    rows = np.arange(n)
    at_free = {k: np.nan_to_num(v)[:, None] for k, v in free.points.items()}
    done = free.agreement & (np.broadcast_to(
        _slack_rows(problem, constraint, at_free, rows), (n, 1))[:, 0] >= 0)

    def log_product(r, g_1, g_2, slack):
        b = beta[r][:, None]
        with np.errstate(all="ignore"):
            value = b * np.log(g_1) + (1 - b) * np.log(g_2)
        return np.where((g_1 > 0) & (g_2 > 0) & (slack >= 0), value, -np.inf)

    outcome = {k: v[None, :] for k, v in grid.grid.items()}
    slack = np.broadcast_to(_slack_rows(problem, constraint, outcome, rows), grid.gains[0].shape)
    on_grid = log_product(rows, *grid.gains, slack)
    best = np.argmax(on_grid, axis=1)
    todo = rows[~done & np.isfinite(on_grid[rows, best])]
    points = {k: np.where(done, v, np.nan) for k, v in free.points.items()}
    if todo.size:
        def objective(r, **x):
            picked = todo[r]
            g_1, g_2 = problem.gains(x, picked)
            return log_product(picked, g_1, g_2, _slack_rows(problem, constraint, x, picked))

        found = maximise(objective, problem.box, todo.size,
                         start={k: v[best[todo]].astype(float) for k, v in grid.grid.items()},
                         resolution=resolution, first_step=_grid_step(problem, grid),
                         max_rounds=max_rounds, by_rows=True)
        for k in points:
            points[k][todo] = found.points[k]
    g_1, g_2 = (g[:, 0] for g in problem.gains({k: v[:, None] for k, v in points.items()}))
    agreement = (g_1 > GAIN_TOLERANCE * grid.units[0]) & (g_2 > GAIN_TOLERANCE * grid.units[1])
    return BatchNash(points, (g_1, g_2), agreement, beta,
                     "Nash product over the win-set: unconstrained solution where ratified, "
                     "else grid scan and pattern search masked outside the win-set",
                     {"grid_points": grid.grid_points, "resolution": resolution,
                      "max_rounds": max_rounds})


@dataclass(frozen=True, eq=False)
class SchellingShift:
    """Player 1's gain at the benchmark without and with the win-set, per draw.

    ``killed``: the free problem has an agreement but no ratified one exists. ``shift`` is
    the constrained gain minus the free one (NaN where either has no agreement).
    """

    free: BatchNash
    constrained: BatchNash

    @property
    def killed(self) -> np.ndarray:
        return self.free.agreement & ~self.constrained.agreement

    @property
    def shift(self) -> np.ndarray:
        return self.shift_of(0)

    def shift_of(self, player: int) -> np.ndarray:
        """The win-set's change of ``player``'s gain (0: player 1, 1: player 2) per draw."""
        both = self.free.agreement & self.constrained.agreement
        return np.where(both, self.constrained.gains[player] - self.free.gains[player], np.nan)

    def toward(self, player: int = 0, tol: float = 1e-3) -> np.ndarray:
        """True where the win-set raised ``player``'s gain by more than ``tol`` of it (the
        benchmarks are found to a resolution of about 1e-4 of each range)."""
        base = np.abs(self.free.gains[player])
        return np.nan_to_num(self.shift_of(player), nan=-np.inf) > tol * np.maximum(base, 1e-12)


def schelling_shift(problem: BatchProblem, constraint: Constraint, power: ArrayLike = 0.5,
                    **options: Any) -> SchellingShift:
    """Schelling's conjecture measured: the benchmark with and without player 1's win-set.

    ``options``: ``grid`` or ``grid_points``, ``resolution``, ``max_rounds``, and ``free`` (the
    unconstrained :func:`nash_benchmark` at the same power and settings, if already found).

    >>> import numpy as np
    >>> from games.optimise.outcome_space import Box
    >>> p = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
    ...                  {"c": np.array([0.3, 0.8, 1.5])}, (0.0, 0.0), linear=True)
    >>> s = schelling_shift(p, lambda x, q: x["s"] - q["c"])
    >>> s.shift.round(3).tolist(), s.killed.tolist()
    ([0.0, 0.3, nan], [False, False, True])
    """
    grid = options.pop("grid", None) or scan(problem, options.pop("grid_points", 350))
    free = options.pop("free", None) or nash_benchmark(problem, power, grid=grid, **options)
    return SchellingShift(free, constrained_nash(problem, constraint, power, grid=grid,
                                                 free=free, **options))


@dataclass(frozen=True, eq=False)
class MutualOptimism:
    """Per draw: whether the two sides' expected gains are incompatible, and by how much."""

    margin: np.ndarray
    expected: tuple[np.ndarray, np.ndarray]
    zone_empty: np.ndarray
    tolerance: float
    method: str = "zone test with each side's expected gain as its disagreement point"
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def breakdown(self) -> np.ndarray:
        """True where a zone of agreement exists but no package in it gives both sides what
        they expect (Fearon's mutual optimism); an empty zone is no agreement for another reason."""
        return (self.margin < -self.tolerance) & ~self.zone_empty

    @property
    def probability(self) -> float:
        return float(np.mean(self.breakdown))


def scan_from(utilities: GridScan, disagreement: tuple[np.ndarray, np.ndarray]) -> GridScan:
    """The :func:`games.bargaining.batch.scan` of a problem from the scan of its utilities (the
    same problem with a zero disagreement point): each gain is the utility minus the
    disagreement payoff, the same subtraction :meth:`BatchProblem.gains` makes, so the scan is
    the same to the bit.

    >>> import numpy as np
    >>> from games.optimise.outcome_space import Box
    >>> p = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}), {},
    ...                  (np.zeros(2), np.zeros(2)))
    >>> d = (np.array([0.1, 0.3]), np.array([0.2, 0.0]))
    >>> direct = scan(replace(p, disagreement=d))
    >>> all(np.array_equal(a, b) for a, b in zip(scan_from(scan(p), d).gains, direct.gains))
    True
    """
    gains = tuple(g - np.asarray(d, dtype=float)[:, None]
                  for g, d in zip(utilities.gains, disagreement))
    units = tuple(np.maximum(np.ptp(g, axis=1), 1e-12) for g in gains)
    return GridScan(utilities.grid, gains, units, utilities.grid_points)  # type: ignore[arg-type]


def mutual_optimism(problem: BatchProblem, expected: Sequence[ArrayLike], *,
                    packages: Sequence[Mapping[str, ArrayLike]] = (),
                    tolerance: float = OPTIMISM_TOLERANCE, grid_points: int = 350,
                    enough: float | None = None, utilities: GridScan | None = None
                    ) -> MutualOptimism:
    """Where each side expects more than the other will concede: talks break down.

    ``expected`` holds each player's expected gain over its disagreement payoff per draw
    (from its own beliefs); ``packages`` (issue values per draw, e.g. the benchmark each side
    computed) are tried besides the search. The margin is max_x min((g_1 - e_1) / r_1, (g_2 - e_2) / r_2)
    (:func:`games.bargaining.batch.zone_test` with the expectations as disagreement point):
    negative exactly where no package meets both expectations (Fearon 1995, "Rationalist
    explanations for war", sec. on private information). With a pie, the condition is
    e_1 + e_2 > surplus. ``enough``: draws whose grid scan already shows a margin at least this
    large are not refined (their margin is then only a lower bound); any ``enough >= -tolerance``
    leaves :attr:`MutualOptimism.breakdown` unchanged, since refining only raises a margin.
    ``utilities``: the problem's scan with a zero disagreement point (:func:`scan_from`), if
    already made (both zone tests start from it).

    >>> import numpy as np
    >>> from games.optimise.outcome_space import Box
    >>> pie = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}), {},
    ...                    (np.zeros(3), np.zeros(3)), linear=True)
    >>> mutual_optimism(pie, ([0.5, 0.6, 0.3], [0.5, 0.5, 0.6])).breakdown.tolist()
    [False, True, False]
    """
    e_1, e_2 = (np.broadcast_to(np.asarray(e, dtype=float), (problem.draws,)) for e in expected)
    shifted = replace(problem, disagreement=(problem.disagreement[0] + e_1,
                                             problem.disagreement[1] + e_2))
    # Both zone tests scan the same utilities: evaluated once, each disagreement point after.
    utilities = utilities or scan(replace(problem, disagreement=(np.zeros(problem.draws),) * 2),
                                  grid_points)
    zone = zone_test(shifted, grid=scan_from(utilities, shifted.disagreement), enough=enough)
    margin = zone.margin.copy()
    # The margin is a maximum over packages, so any package gives a lower bound: the packages
    # the sides expect (e.g. their benchmarks) settle the case of equal expectations exactly,
    # where the feasible set is a single point a search would only approach.
    for package in packages:
        outcome = {k: np.broadcast_to(np.asarray(v, dtype=float), (problem.draws,))[:, None]
                   for k, v in package.items()}
        g_1, g_2 = (g[:, 0] for g in shifted.gains(outcome))
        with np.errstate(invalid="ignore"):
            at = np.minimum(g_1 / zone.units[0], g_2 / zone.units[1])
        margin = np.fmax(margin, at)
    # Only emptiness is kept: a draw the grid already shows non-empty needs no refinement.
    empty = zone_test(problem, grid=scan_from(utilities, problem.disagreement),
                      enough=GAIN_TOLERANCE).empty
    return MutualOptimism(margin, (e_1.copy(), e_2.copy()), empty, tolerance,
                          settings={"grid_points": grid_points, "packages": len(packages),
                                    "enough": enough})
