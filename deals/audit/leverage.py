"""Leverage: a deal turned into the engine's batch of bargaining problems, one per draw.

For parameters theta, the supplier S and partner P have utilities u_S, u_P over outcomes x and
outside options d_S, d_P; gains are g_i(x) = u_i(x) - d_i. This module compiles a deal into a
:class:`games.bargaining.batch.BatchProblem` (vectorised utilities over the outcome box, the
parameter draws, the outside options) and asks the engine, for every draw at once:

- the benchmark x*(theta): the asymmetric Nash solution with the supplier's power beta from the
  two sides' costs of delay through Rubinstein (:func:`games.nash_power`), or 1/2 without them;
- whether the zone of agreement is empty, with its margin;
- the largest gain for both over the proposal p (each side's gain in units of its range of
  gains) and the package that achieves it;
- the supplier's optimal take-it-or-leave-it ask over the draws.

It adds the leverage ratios rho = g_S(p) / g_S(x*) and rho_P = g_P(p) / g_P(x*) (invariant to
rescaling or shifting either side's utility) and returns them in a :class:`DrawLeverage` record;
:mod:`deals.audit.assessment` turns that into a verdict.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Mapping

import numpy as np

from deals.audit.benchmark_memo import recall, remember
from deals.errors import DealError
from deals.deal.cache import deal_view
from deals.deal.model import Deal
from games.bargaining import nash_power
from games.bargaining.batch import (GAIN_TOLERANCE, BatchProblem, TakeItOrLeaveIt,
                                    better_for_both, nash_benchmark, scan, zone_test)
from games.bargaining.batch import optimal_ask as engine_optimal_ask
from games.optimise.outcome_space import Box
from games.errors import GameError, NotFiniteError
from games.expressions import (Expression, evaluate_together, gains_of, gains_program,
                               largest_affine_set, parse_expression)
from games.parameters import check_seed
from games.sweeps import sweep


#: Most Monte Carlo draws one audit takes. The solvers work ``chunk_size`` draws at a time
#: (about 80 MB for the default 5,000) and the results are streamed to the summaries, which
#: keep at most 100,000 draws (deals.audit.streaming), so memory does not grow with the draws;
#: time does (about a minute per 100,000 draws and core). An audit that keeps every draw
#: takes at most deals.audit.streaming.MAX_KEPT_DRAWS.
MAX_DRAWS = 10_000_000
#: Most draws of anything that holds every draw's parameters at once (:func:`sample_values`):
#: an audit that keeps its draws, the staged and two-level analyses, the backtest, a portfolio's
#: linked report. Only the streamed audit and the article's options go beyond it.
MAX_KEPT_DRAWS = 200_000
#: Most grid outcomes per draw the audit scans (each chunk holds chunk_size x grid_points gains).
MAX_GRID_POINTS = 20_000


def audit_settings(draws: Any, seed: Any, power: Any, grid_points: Any, chunk_size: Any,
                   executor: Any) -> tuple[int, int | None, float | None, int, int | None]:
    """The audit's settings checked: each refused with a DealError saying what is expected.

    >>> audit_settings(10, 0, None, 350, None, None)
    (10, 0, None, 350, None)
    >>> audit_settings(10, 0, 2, 350, None, None)
    Traceback (most recent call last):
    ...
    deals.errors.DealError: power: the supplier's bargaining power must be a number strictly between 0 and 1 (0.5 is symmetric), got 2
    """
    def whole(value: Any, name: str, low: int, high: int) -> int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                or not low <= value <= high:
            raise DealError(f"{name}: expected a whole number from {low:,} to {high:,}, "
                            f"got {value!r}")
        return int(value)

    draws = whole(draws, "draws", 1, MAX_DRAWS)
    try:
        seed = check_seed(seed)
    except GameError as exc:
        raise DealError(str(exc)) from None
    if power is not None:
        if isinstance(power, (bool, np.bool_)) or not isinstance(power, (int, float, np.number)) \
                or not 0 < power < 1:
            raise DealError(f"power: the supplier's bargaining power must be a number strictly "
                            f"between 0 and 1 (0.5 is symmetric), got {power!r}")
        power = float(power)
    grid_points = whole(grid_points, "grid_points", 2, MAX_GRID_POINTS)
    if chunk_size is not None:
        chunk_size = whole(chunk_size, "chunk_size", 1, MAX_DRAWS)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise DealError(f"executor: expected a concurrent.futures.Executor (e.g. "
                        f"ProcessPoolExecutor()) or a dask Client, got {executor!r}")
    return draws, seed, power, grid_points, chunk_size


def utilities(deal: Deal, outcome: Mapping[str, Any], values: Mapping[str, Any]
              ) -> tuple[np.ndarray, np.ndarray]:
    """(supplier, partner) utilities, evaluated through the deal's inlined expressions.

    One compiled function per side instead of one per definition: the hot path of the audit.
    ``values`` must hold every parameter and ``outcome`` every issue (arrays broadcast).
    """
    u_s, u_p = evaluate_together((deal.inlined("supplier"), deal.inlined("partner")),
                                 {**values, **outcome})
    return np.asarray(u_s, dtype=float), np.asarray(u_p, dtype=float)


def utility_names(deal: Deal) -> frozenset[str]:
    """The names (parameters and issues) the two inlined utilities use."""
    return frozenset(deal.inlined("supplier").names) | frozenset(deal.inlined("partner").names)


def gains(deal: Deal, outcome: Mapping[str, Any], values: Mapping[str, Any],
          disagreement: tuple[Any, Any] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(supplier, partner) gains over the outside options, on the fast path of :func:`utilities`.

    Pass ``disagreement`` (from ``deal.disagreement(values)``) when evaluating many outcomes
    at the same values: the outside options do not depend on the outcome.
    """
    u_s, u_p = utilities(deal, outcome, values)
    d_s, d_p = deal.disagreement(values) if disagreement is None else disagreement
    return u_s - np.asarray(d_s, dtype=float), u_p - np.asarray(d_p, dtype=float)


def issue_span(issue: Any) -> tuple[float, float] | list[float]:
    """An issue's coordinate of the outcome :class:`Box`: its range ``(low, high)``, or the
    list of its levels if it is discrete (a list: the Box reads any 2-tuple as a range, so a
    two-level issue given as a tuple would be searched between its levels)."""
    return [float(v) for v in issue.levels] if issue.discrete else tuple(issue.range)


def outcome_box(deal: Deal) -> Box:
    """The deal's outcome space: each issue's range, or its levels if it is discrete."""
    return Box({i.name: issue_span(i) for i in deal.issues})


def sample_values(deal: Deal, draws: int, seed: int | None, *, scope: str | None = None
                  ) -> dict[str, np.ndarray]:
    """Seeded draws of every parameter; parameters fixed by ``deal.bind`` stay fixed.

    A deal's own audit draws one stream per (seed, parameter name). Within a portfolio each
    deal passes its own ``scope`` (its key), so a name two deals share (each partner's
    ``demand``) is drawn independently per deal.
    """
    if draws > MAX_KEPT_DRAWS:  # memory: every draw of every parameter is held at once
        raise DealError(f"draws: at most {MAX_KEPT_DRAWS:,} draws are held at once here, got "
                        f"{draws:,} (only a streamed audit, deals.assess, and the article's "
                        f"options, deals.solve_policy, take more)")
    sample = deal.parameters.sample(draws, seed, scope=scope)
    for name, value in deal.bound.items():
        sample[name] = np.full(draws, float(value))
    return sample


def point_values(deal: Deal, rows: int = 1) -> dict[str, np.ndarray]:
    """The deal's parameter values in force, repeated ``rows`` times (for batch evaluation)."""
    return {k: np.full(rows, v) for k, v in deal.values().items()}


def supplier_power(deal: Deal, values: Mapping[str, np.ndarray], power: float | None
                   ) -> np.ndarray:
    """The supplier's bargaining power per draw: given, from delay costs, or 1/2."""
    n = len(next(iter(values.values())))
    if power is not None:
        return np.full(n, float(power))
    factors = deal.discount_factors(values)
    if factors is None:
        return np.full(n, 0.5)
    return np.broadcast_to(nash_power(*(np.broadcast_to(np.asarray(f, dtype=float), (n,))
                                        for f in factors)), (n,))


@deal_view
def is_linear(deal: Deal) -> bool:
    """True when both utilities are affine in the issues (then the max-min searches are LPs).
    Worked out once per deal (a symbolic derivative per utility and issue: it was 5% of the
    portfolio policy's time when asked for every bargaining problem)."""
    names = [i.name for i in deal.issues]
    return all(deal.inlined(side).is_affine_in(names) for side in ("supplier", "partner"))


def affine_issues(deal: Deal) -> tuple[str, ...]:
    """The most issues in which both utilities are affine once the other issues are fixed
    (found symbolically: their block of each Hessian is zero); the engine solves those
    exactly and searches only the rest (:mod:`games.bargaining.affine_split`).

    >>> import deals
    >>> affine_issues(deals.load("chips-for-farm-purchases"))   # chips: min(chips, demand)
    ('soy',)
    """
    names = [i.name for i in deal.issues]
    return largest_affine_set([deal.inlined(side) for side in ("supplier", "partner")], names)


def constant_slopes(deal: Deal) -> tuple[str, ...]:
    """Of :func:`affine_issues`, those whose slopes depend on no issue (parameters only).

    >>> import deals
    >>> constant_slopes(deals.load("gulf-divestment-uae"))   # safeguards scale with exposure
    ('divest', 'invest_us')
    """
    names = [i.name for i in deal.issues]
    moves = [deal.inlined(side).derivative_names(names) for side in ("supplier", "partner")]
    return tuple(n for n in affine_issues(deal) if not any(m[n] for m in moves))


def piecewise_issues(deal: Deal) -> tuple[str, ...]:
    """The most issues, all but one, in which both utilities are piecewise affine once the one
    left is fixed (affine on each cell cut out by the kinks of ``min``/``max`` terms with
    arguments affine in them: :meth:`games.expressions.Expression.kinks`), when that leaves
    fewer issues to search than :func:`affine_issues`; else ``()``. The engine then solves those
    exactly too (:mod:`games.optimise.piecewise`).

    >>> import deals
    >>> piecewise_issues(deals.load("allied-sme-netherlands"))  # max(sme_controls, reach * fdpr)
    ('fdpr', 'sme_controls')
    """
    names = [i.name for i in deal.issues]
    if len(names) - len(affine_issues(deal)) <= 1:
        return ()
    for left in names:
        rest = [n for n in names if n != left]
        if kink_texts(deal, tuple(rest)) is not None:
            return tuple(rest)
    return ()


def kink_texts(deal: Deal, issues: tuple[str, ...]) -> tuple[str, ...] | None:
    """The kinks of both utilities in ``issues`` (:meth:`games.expressions.Expression.kinks`),
    or None where either is not piecewise affine in them."""
    found: list[str] = []
    for side in ("supplier", "partner"):
        kinks = deal.inlined(side).kinks(issues)
        if kinks is None:
            return None
        found += [k for k in kinks if k not in found]
    return tuple(found)


def exact_issues(deal: Deal) -> tuple[str, ...]:
    """The issues the engine solves exactly once the others are fixed: the piecewise-affine
    ones where they leave fewer issues to search (:func:`piecewise_issues`), else the affine
    ones (:func:`affine_issues`)."""
    return piecewise_issues(deal) or affine_issues(deal)


@dataclass(frozen=True)
class DealKinks:
    """The deal's kinks in its piecewise-affine issues as the engine's vectorised callable
    (:attr:`games.bargaining.batch.BatchProblem.kinks`; picklable for executors)."""

    deal: Deal
    texts: tuple[str, ...]

    def __call__(self, outcome: Mapping[str, np.ndarray], parameters: Mapping[str, np.ndarray]
                 ) -> list[np.ndarray]:
        scope = {**parameters, **outcome}
        return [e.evaluate(scope) for e in _kink_expressions(self.deal, self.texts)]


@deal_view
def _kink_expressions(deal: Deal, texts: tuple[str, ...]) -> tuple[Expression, ...]:
    return tuple(parse_expression(t, names=utility_names(deal)) for t in texts)


def deal_kinks(deal: Deal, issues: tuple[str, ...]) -> DealKinks | None:
    """The kinks the engine needs to solve ``issues`` exactly: None where both utilities are
    affine in them (no kinks) or they are not piecewise affine."""
    if not issues or set(issues) <= set(affine_issues(deal)):
        return None  # affine in all of them: no kinks (and none to find in sympy on a warm run)
    texts = kink_texts(deal, tuple(issues))
    return DealKinks(deal, texts) if texts else None


@dataclass(frozen=True)
class DealUtilities:
    """The deal's two utilities as the engine's vectorised callable (picklable for executors)."""

    deal: Deal

    def __call__(self, outcome: Mapping[str, np.ndarray], parameters: Mapping[str, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray]:
        return utilities(self.deal, outcome, parameters)

    def gains(self, outcome: Mapping[str, np.ndarray], parameters: Mapping[str, np.ndarray],
              d_1: np.ndarray, d_2: np.ndarray) -> tuple[np.ndarray, ...] | None:
        """Both utilities less the disagreement payoffs, in one compiled pass where it can
        (:func:`games.expressions.gains_together`; None: call the utilities)."""
        return gains_of(self._gains_program, {**parameters, **outcome}, (d_1, d_2))

    @cached_property
    def _gains_program(self) -> Any:
        # Made once per object: a search asks for the gains thousands of times.
        return gains_program((self.deal.inlined("supplier"), self.deal.inlined("partner")))

    def __getstate__(self) -> dict[str, Any]:
        return {"deal": self.deal}  # the program is made again where the object is unpickled


def batch_problem(deal: Deal, values: Mapping[str, np.ndarray], *, linear: bool | None = None,
                  affine: tuple[str, ...] | None = None) -> BatchProblem:
    """The deal as one bargaining problem per draw of ``values`` (supplier is player 1).

    ``linear``: whether both utilities are affine in the issues (default: :func:`is_linear`);
    ``affine``: the issues solved exactly once the others are fixed (default:
    :func:`exact_issues`; ``()`` searches every issue); where the utilities are only piecewise
    affine in them, the problem carries their kinks (:func:`deal_kinks`).

    >>> import deals
    >>> deal = deals.load("chips-for-farm-purchases")
    >>> batch_problem(deal, sample_values(deal, 4, seed=0)).draws
    4
    """
    column = {k: np.asarray(v, dtype=float)[:, None] for k, v in values.items()}
    d_s, d_p = (np.asarray(d, dtype=float) for d in deal.disagreement(column))
    exact = exact_issues(deal) if affine is None else affine
    n = len(next(iter(values.values())))
    used = utility_names(deal)
    return BatchProblem(DealUtilities(deal), outcome_box(deal),
                        {k: np.asarray(v, dtype=float) for k, v in values.items() if k in used},
                        (np.broadcast_to(d_s, (n, 1))[:, 0], np.broadcast_to(d_p, (n, 1))[:, 0]),
                        linear=is_linear(deal) if linear is None else linear,
                        affine=exact, constant_slopes=tuple(
                            n for n in constant_slopes(deal) if n in exact),
                        kinks=deal_kinks(deal, exact),
                        elementwise=True)  # compiled expressions: NumPy ufuncs only


@dataclass(frozen=True, eq=False)
class DrawLeverage:
    """Per draw (one row each): the proposal's gains and acceptance, the benchmark, rho, efficiency.

    Gains and margins are per draw; ``benchmark`` and ``better`` hold one row per draw and one
    column per issue (in ``issues`` order; the benchmark is NaN where there is no agreement).
    ``better_for_both`` is the largest common improvement over the proposal in gain-range units.
    """

    issues: tuple[str, ...]
    supplier_gain: np.ndarray
    partner_gain: np.ndarray
    supplier_accepts: np.ndarray
    partner_accepts: np.ndarray
    zone_margin: np.ndarray
    zone_empty: np.ndarray
    power: np.ndarray
    supplier_gain_at_benchmark: np.ndarray
    partner_gain_at_benchmark: np.ndarray
    rho: np.ndarray
    rho_partner: np.ndarray
    better_for_both: np.ndarray
    supplier_scale: np.ndarray
    partner_scale: np.ndarray
    benchmark: np.ndarray
    better: np.ndarray

    def __len__(self) -> int:
        return len(self.rho)

    def benchmark_terms(self, row: int = 0) -> dict[str, float]:
        """The benchmark package of one draw, by issue."""
        return {k: float(v) for k, v in zip(self.issues, self.benchmark[row])}

    def better_terms(self, row: int = 0) -> dict[str, float]:
        """The package best for both over the proposal in one draw, by issue."""
        return {k: float(v) for k, v in zip(self.issues, self.better[row])}

    def columns(self) -> dict[str, np.ndarray]:
        """The arrays by field name (what :func:`games.sweep` carries between chunks)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "issues"}

    @classmethod
    def from_columns(cls, issues: tuple[str, ...], columns: Mapping[str, np.ndarray]
                     ) -> "DrawLeverage":
        return cls(issues=tuple(issues), **{k: np.asarray(v) for k, v in columns.items()})


@dataclass(frozen=True)
class DrawSolver:
    """The engine's per-draw solvers, composed for one proposal: a picklable callable.

    ``solve(values)`` returns a :class:`DrawLeverage`; calling the instance with the values as
    keywords returns its columns, so :func:`games.sweep` can spread it over an executor. The
    better-for-both search skips draws whose grid scan already shows the proposal dominated by
    ``efficiency_margin``, unless ``exhaustive`` (used for the few point-value solves).
    """

    deal: Deal
    proposal: Mapping[str, float]
    power: float | None = None
    grid_points: int = 350
    resolution: float = 1e-4
    max_rounds: int = 60
    efficiency_margin: float = 0.02
    exhaustive: bool = False
    linear: bool | None = None
    affine: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.linear is None:  # decided once per solver, not once per chunk of draws
            object.__setattr__(self, "linear", is_linear(self.deal))
        if self.affine is None:
            object.__setattr__(self, "affine", exact_issues(self.deal))

    def solve(self, values: Mapping[str, np.ndarray]) -> DrawLeverage:
        try:
            return self._solve(values)
        except NotFiniteError as exc:
            raise not_finite(self.deal, exc) from None

    def _solve(self, values: Mapping[str, np.ndarray]) -> DrawLeverage:
        problem = batch_problem(self.deal, values, linear=self.linear, affine=self.affine)
        settings = {"resolution": self.resolution, "max_rounds": self.max_rounds}
        grid, zone, nash = self._benchmark(problem, values, settings)
        proposal = self.deal.outcome_values(self.proposal)
        # The best package for both depends on the terms too: shared between audits of equal
        # terms (a struck deal that is its proposal).
        key = (self._setting(), "better", tuple(sorted(proposal.items())), self.exhaustive,
               self.efficiency_margin)
        better = recall(key, values)
        if better is None:
            better = better_for_both(problem, proposal, grid=grid, **settings,
                                     enough=None if self.exhaustive else self.efficiency_margin)
            remember(key, values, better)
        at = {k: np.full((1, 1), v) for k, v in proposal.items()}
        g_s, g_p = (g[:, 0] for g in problem.gains(at))  # finite, or gains refuses
        (s_s, s_p), (n_s, n_p) = grid.units, nash.gains
        agreement = nash.agreement
        with np.errstate(all="ignore"):
            rho = np.where(agreement & (n_s > 0), g_s / n_s, np.nan)
            rho_partner = np.where(agreement & (n_p > 0), g_p / n_p, np.nan)
        issues = problem.box.names
        return DrawLeverage(
            issues=issues, supplier_gain=g_s, partner_gain=g_p,
            supplier_accepts=accepts(g_s, problem.disagreement[0]),
            partner_accepts=accepts(g_p, problem.disagreement[1]),
            zone_margin=zone.margin, zone_empty=~agreement, power=nash.power,
            supplier_gain_at_benchmark=n_s, partner_gain_at_benchmark=n_p, rho=rho,
            rho_partner=rho_partner, better_for_both=better.margin,
            supplier_scale=s_s, partner_scale=s_p,
            benchmark=np.column_stack([np.where(agreement, nash.points[k], np.nan)
                                       for k in issues]),
            better=np.column_stack([better.points[k] for k in issues]))

    def _benchmark(self, problem: BatchProblem, values: Mapping[str, np.ndarray],
                   settings: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        # The grid scan, zone test and Nash benchmark do not depend on the proposal: within
        # shared_benchmarks(), a second audit at the same deal setting and draws reuses them.
        d = self.deal
        key = self._setting()
        found = recall(key, values)
        if found is None:
            grid = scan(problem, self.grid_points)
            zone = zone_test(problem, grid=grid, **settings, enough=GAIN_TOLERANCE)
            nash = nash_benchmark(problem, supplier_power(d, values, self.power), grid=grid,
                                  zone=zone, **settings)
            found = grid, zone, nash
            remember(key, values, found)
        return found

    def _setting(self) -> tuple:
        """What the shared solves depend on besides the draws: the deal's setting (not its
        terms) and the solver's settings."""
        d = self.deal
        return ((d.issues, d.utility, d.outside_option, d.definitions, d.discount),
                tuple(sorted(d.bound.items())), self.power, self.grid_points, self.resolution,
                self.max_rounds, self.linear, self.affine)

    def __call__(self, **values: np.ndarray) -> dict[str, np.ndarray]:
        return self.solve(values).columns()


def accepts(gain: np.ndarray, disagreement: np.ndarray) -> np.ndarray:
    """Whether a side accepts: its gain is >= 0 up to the rounding of u - d at that point.

    Only the values at the terms decide (no range over the box, which one extreme outcome
    could stretch): the slack is GAIN_TOLERANCE times the larger of |u| and |d| there.

    >>> accepts(np.array([-1e-12, -1e-3]), np.array([5.0, 5.0])).tolist()
    [True, False]
    """
    scale = np.maximum(np.abs(gain + disagreement), np.abs(disagreement))
    return gain >= -GAIN_TOLERANCE * scale


def not_finite(deal: Deal, error: NotFiniteError) -> DealError:
    """The engine's refusal of a non-finite utility, naming the deal's field and where."""
    side = ("supplier", "partner")[error.player]
    where = ", ".join(f"{k}={v:g}" for k, v in error.outcome.items())
    used = deal.inlined(side).names if error.outcome else deal.outside_option[side].names
    drawn = ", ".join(f"{k}={v:g}" for k, v in error.parameters.items() if k in used)
    if not error.outcome:
        return DealError(f"outside_option.{side}: {error.value} with parameters {drawn}; an "
                         "outside option must be finite for every plausible parameter value")
    return DealError(f"utility.{side}: {error.value} at {where}"
                     + (f" with parameters {drawn}" if drawn else "")
                     + "; a utility must be finite over the whole outcome space (narrow the "
                     "issue ranges, or guard divisions, roots and logs, e.g. max(chips, 1))")


def leverage_over_draws(solver: DrawSolver, values: Mapping[str, np.ndarray], *,
                        executor: Executor | None = None, chunk_size: int = 5_000,
                        progress: bool | None = False, description: str = "assess"
                        ) -> DrawLeverage:
    """``solver`` over all draws, in chunks of ``chunk_size`` (memory bounded by the chunk)."""
    out = sweep(solver, sample=values, executor=executor, chunk_size=chunk_size,
                vectorised=True, progress=progress, description=description).outputs
    return DrawLeverage.from_columns(outcome_box(solver.deal).names, out)


def optimal_ask(deal: Deal, values: Mapping[str, np.ndarray], *, grid_points: int = 150,
                chunk: int = 2_000, resolution: float = 1e-3) -> TakeItOrLeaveIt:
    """The supplier's best take-it-or-leave-it package over the draws (the engine's ask).

    >>> import deals
    >>> deal = deals.load("chips-for-farm-purchases")
    >>> 0 <= optimal_ask(deal, point_values(deal)).acceptance <= 1
    True
    """
    try:
        return engine_optimal_ask(batch_problem(deal, values, linear=False),
                                  grid_points=grid_points, chunk=chunk, resolution=resolution)
    except NotFiniteError as exc:
        raise not_finite(deal, exc) from None


def acceptance_by_level(deal: Deal, proposal: Mapping[str, float], issue: str,
                        levels: np.ndarray, values: Mapping[str, np.ndarray], side: str,
                        chunk: int = 5_000) -> np.ndarray:
    """P(side's gain >= 0) when ``issue`` takes each of ``levels``, the rest as in ``proposal``.

    The draws are taken ``chunk`` at a time, so memory does not grow with their number.
    """
    outcome = {k: np.array([[v]]) for k, v in deal.outcome_values(proposal).items()}
    outcome[issue] = np.asarray(levels, dtype=float)[None, :]
    n = len(next(iter(values.values())))
    accepted = np.zeros(len(levels))
    for a in range(0, n, chunk):
        column = {k: np.asarray(v[a:a + chunk], dtype=float)[:, None] for k, v in values.items()}
        g_s, g_p = gains(deal, outcome, column)
        gain = np.asarray(g_s if side == "supplier" else g_p, dtype=float)
        rows = len(next(iter(column.values())))
        accepted += (np.broadcast_to(gain, (rows, len(levels))) >= 0).sum(axis=0)
    return accepted / n
