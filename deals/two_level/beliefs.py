"""Two-sided beliefs: what each side believes about the other, beside the analyst's distribution.

``[beliefs.supplier]`` and ``[beliefs.partner]`` (docs/deal-files.md) give, for some of the
deal's parameters, the distribution that side believes in (about the other side's outside
option or costs), in the same form as a parameter; the partner may also state ``resolve``,
the probability it puts on the supplier carrying out its threat (used by :mod:`deals.two_level.doubt`).
In each analyst draw (the truth) a side sees the truth except for its believed parameters,
which it draws from its own distribution (one stream per parameter name, independent of the
truth: two sides with equal tables believe the same in every draw).

- :func:`mutual_optimism_of`: each side expects the gain of the benchmark it computes from its
  beliefs; talks break down where no package gives both what they expect (Fearon 1995).
- :func:`belief_cost`: what a side's belief costs it: its take-it-or-leave-it ask designed
  under its belief against the ask designed under the analyst's distribution, both judged
  under the analyst's distribution.

>>> import deals
>>> b = deals.load("india-energy-trade").beliefs
>>> list(b), list(b["supplier"].parameters)
(['supplier', 'partner'], ['russian_discount', 'russian_volume'])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from deals.audit.leverage import batch_problem, sample_values, supplier_power
from deals.deal.sections.beliefs import BELIEF_SEED_OFFSET
from deals.errors import DealError
from deals.deal.terms import SIDES
from games.bargaining.batch import (BLOCK_CELLS, GAIN_TOLERANCE, BatchNash, BatchProblem,
                                    GridScan, nash_benchmark, optimal_ask, scan, zone_test)
from games.bargaining.winset import MutualOptimism, mutual_optimism, scan_from


def in_proposal_setting(deal: Any) -> Any:
    """The deal bound at its ``[proposal]``'s setting (its own status quo, e.g. a threat
    carried out), as the leverage audit reads the proposal; unchanged without a proposal.

    >>> import deals
    >>> in_proposal_setting(deals.load("allied-sme-netherlands")).values()["cap_threat"]
    1.0
    """
    return deal if deal.proposal is None else deal.at_terms("proposal")[0]


def believed_values(deal: Any, side: str, values: Mapping[str, np.ndarray],
                    seed: int | None) -> dict[str, np.ndarray]:
    """The analyst's draws with ``side``'s believed parameters drawn from its own belief.

    >>> import deals
    >>> deal = deals.load("india-energy-trade")
    >>> truth = sample_values(deal, 4, seed=0)
    >>> seen = believed_values(deal, "supplier", truth, seed=0)
    >>> bool(np.all(seen["demand"] == truth["demand"])), bool(np.all(seen["russian_discount"] <= 5))
    (True, True)
    """
    out = {k: np.asarray(v, dtype=float) for k, v in values.items()}
    if deal.beliefs is None or side not in deal.beliefs:
        return out
    n = len(next(iter(out.values())))
    offset = None if seed is None else seed + BELIEF_SEED_OFFSET
    for name in deal.beliefs[side].about:
        out[name] = deal.beliefs[side].parameters[name].sample(n, offset)
    return out


@dataclass(frozen=True)
class SwappedUtilities:
    """A deal's utilities with the partner as player 1 (for the partner's own ask)."""

    utilities: Callable[..., Any]

    def __call__(self, outcome: Mapping[str, np.ndarray], parameters: Mapping[str, np.ndarray]):
        u_s, u_p = self.utilities(outcome, parameters)
        return u_p, u_s


def _problem(deal: Any, values: Mapping[str, np.ndarray], side: str) -> BatchProblem:
    problem = batch_problem(deal, values)
    if side == "supplier":
        return problem
    return BatchProblem(SwappedUtilities(problem.utilities), problem.box, problem.parameters,
                        problem.disagreement[::-1], linear=problem.linear)


@dataclass(frozen=True)
class _SideUtilities:
    """The utilities of the ``sides`` named only, the others' zero (what a scan of one side's
    utility evaluates)."""

    deal: Any
    sides: tuple[str, ...]

    def __call__(self, outcome: Mapping[str, np.ndarray], parameters: Mapping[str, np.ndarray]):
        scope = {**parameters, **outcome}
        return tuple(np.asarray(self.deal.inlined(s).evaluate(scope), dtype=float)
                     if s in self.sides else np.zeros(()) for s in SIDES)


def utility_scan(deal: Any, values: Mapping[str, np.ndarray],
                 sides: tuple[str, ...] = SIDES) -> GridScan:
    """The grid scan of the deal's utilities at ``values`` (a zero disagreement point; see
    :func:`games.bargaining.winset.scan_from`), only the ``sides``' evaluated (others zero).

    >>> import deals
    >>> deal = deals.load("chips-for-farm-purchases")
    >>> u = utility_scan(deal, sample_values(deal, 3, 0), ("partner",))
    >>> u.gains[0].shape == u.gains[1].shape, bool((u.gains[0] == 0).all())
    (True, True)
    """
    return _scan_of_utilities(deal, batch_problem(deal, values), sides)


def _scan_of_utilities(deal: Any, problem: BatchProblem, sides: tuple[str, ...]) -> GridScan:
    """:func:`utility_scan` of the draws ``problem`` (the deal's batch problem) holds."""
    zero = np.zeros(problem.draws)
    return scan(replace(problem, utilities=_SideUtilities(deal, sides), disagreement=(zero, zero)))


def _benchmark(problem: BatchProblem, power: np.ndarray, grid: GridScan | None = None
               ) -> BatchNash:
    """:func:`nash_benchmark` of ``problem`` (``grid``: its scan, if made). It starts a draw
    whose grid holds no outcome good for both from that draw's zone test; as in the audit
    (:class:`deals.audit.leverage.DrawSolver`), the zone test refines only the draws its grid
    does not already show inside the zone, and it is run only where the grid misses a draw
    (the same benchmark, less work)."""
    grid = grid or scan(problem)
    zone = None if _grid_in_zone(grid).all() else zone_test(problem, grid=grid,
                                                             enough=GAIN_TOLERANCE)
    return nash_benchmark(problem, power, grid=grid, zone=zone)


def _grid_in_zone(grid: GridScan) -> np.ndarray:
    """Per draw, whether the scan holds an outcome with both gains positive (a block of draws
    at a time: its comparisons stay in the processor's cache).

    >>> g = np.array([[1.0, -1.0], [-1.0, 0.0]])
    >>> _grid_in_zone(GridScan({}, (g, g), (g[:, 0], g[:, 0]), 2)).tolist()
    [True, False]
    """
    g_1, g_2 = grid.gains
    n, m = g_1.shape
    found = np.empty(n, dtype=bool)
    step = max(1, BLOCK_CELLS // max(1, m))
    for a in range(0, n, step):
        both = g_1[a:a + step] > 0
        both &= g_2[a:a + step] > 0
        found[a:a + step] = both.any(axis=1)
    return found


def expected_gains(deal: Any, values: Mapping[str, np.ndarray], seed: int | None,
                   power: float | None = None, utilities: GridScan | None = None,
                   truth: BatchProblem | None = None
                   ) -> tuple[tuple[np.ndarray, np.ndarray], list[dict[str, np.ndarray]]]:
    """Each side's true gain at the benchmark it computes from its own beliefs, per draw, and
    those benchmarks. A side that sees no zone of agreement expects its outside option (0).

    ``utilities``: :func:`utility_scan` of ``values``, if made: a side's belief changes only
    the utilities that use the parameters it is about, so only those are scanned again.
    ``truth``: the deal's batch problem at ``values``, if made.
    """
    truth = truth or batch_problem(deal, values)
    utilities = utilities or _scan_of_utilities(deal, truth, SIDES)
    gains, packages = [], []
    for k, side in enumerate(SIDES):
        seen = believed_values(deal, side, values, seed)
        about = set(deal.beliefs[side].about) if deal.beliefs and side in deal.beliefs else set()
        moved = tuple(s for s in SIDES if about & set(deal.inlined(s).names))
        problem = batch_problem(deal, seen)
        own = _scan_of_utilities(deal, problem, moved) if moved else utilities
        table = GridScan(utilities.grid, tuple(own.gains[j] if s in moved else utilities.gains[j]
                                               for j, s in enumerate(SIDES)),
                         utilities.units, utilities.grid_points)  # type: ignore[arg-type]
        nash = _benchmark(problem, supplier_power(deal, seen, power),
                          scan_from(table, problem.disagreement))
        package = {name: np.nan_to_num(v) for name, v in nash.points.items()}
        gain = truth.gains({name: v[:, None] for name, v in package.items()})[k][:, 0]
        gains.append(np.where(nash.agreement, gain, 0.0))
        packages.append(package)
    return (gains[0], gains[1]), packages


def mutual_optimism_of(deal: Any, draws: int = 2_000, seed: int | None = 0, *,
                       power: float | None = None) -> MutualOptimism:
    """Fearon's breakdown per draw: no package meets both sides' belief-based expectations.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`, with both sides'
        ``[beliefs]``.
    draws : int, default 2,000
        Monte Carlo draws of the deal's uncertain parameters (each a plausible world);
        more draws, smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    power : float or None, default None
        The supplier's bargaining power, a share from 0 to 1 (None: from the deal's
        costs of delay by Rubinstein, else 0.5).

    Examples
    --------
    >>> import deals
    >>> m = mutual_optimism_of(deals.load("india-energy-trade"), draws=200, seed=0)
    >>> 0 <= m.probability <= 1
    True
    """
    deal = in_proposal_setting(deal)
    values = sample_values(deal, draws, seed)
    truth = batch_problem(deal, values)
    # the believed scans and both zone tests start from the scan of the utilities
    utilities = _scan_of_utilities(deal, truth, SIDES)
    expected, packages = expected_gains(deal, values, seed, power, utilities, truth)
    # Only the breakdown is reported: a draw whose grid already meets both expectations is settled.
    return mutual_optimism(truth, expected, packages=packages, enough=0.0, utilities=utilities)


@dataclass(frozen=True)
class BeliefCost:
    """A side's take-it-or-leave-it ask under its belief, against the ask under the analyst's."""

    side: str
    believed_ask: Mapping[str, float]
    analyst_ask: Mapping[str, float]
    expected_by_side: float        # the side's expected gain of its ask, under its belief
    realised: float                # that ask's expected gain under the analyst's distribution
    best: float                    # the analyst-optimal ask's expected gain (same distribution)
    acceptance: float              # P(the other side accepts the believed ask), analyst's draws
    method: str = "optimal ask under each distribution, judged on the analyst's draws"
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def cost(self) -> float:
        """What the belief costs the side per year: best minus realised (never below 0 in
        exact arithmetic; the asks are found to the engine's resolution)."""
        return self.best - self.realised


def belief_cost(deal: Any, side: str, draws: int = 2_000, seed: int | None = 0) -> BeliefCost:
    """What ``side``'s belief costs it when it makes a take-it-or-leave-it ask.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`, with that side's
        ``[beliefs]``.
    side : str
        ``"supplier"`` or ``"partner"``: the side whose belief is costed.
    draws : int, default 2,000
        Monte Carlo draws of the deal's uncertain parameters (each a plausible world);
        more draws, smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).

    Examples
    --------
    >>> import deals
    >>> c = belief_cost(deals.load("india-energy-trade"), "supplier", draws=200)
    >>> c.cost > -0.05
    True
    """
    if side not in SIDES:
        raise DealError(f"side {side!r}: use 'supplier' or 'partner'")
    deal = in_proposal_setting(deal)
    values = sample_values(deal, draws, seed)
    truth = _problem(deal, values, side)
    believed = optimal_ask(_problem(deal, believed_values(deal, side, values, seed), side))
    best = optimal_ask(truth)

    def judged(package: Mapping[str, float]) -> tuple[float, float]:
        g_1, g_2 = (g[:, 0] for g in truth.gains({k: np.full((1, 1), v)
                                                  for k, v in package.items()}))
        accepted = g_2 >= 0
        return float(np.mean(np.where(accepted, g_1, 0.0))), float(np.mean(accepted))

    realised, acceptance = judged(believed.package)
    return BeliefCost(side, dict(believed.package), dict(best.package), believed.expected_gain,
                      realised, judged(best.package)[0], acceptance,
                      settings={"draws": draws, "seed": seed})
