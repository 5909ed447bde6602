"""Axiomatic bargaining solutions: Nash (and asymmetric Nash), Kalai-Smorodinsky, egalitarian,
utilitarian.

Every solution lies on the Pareto frontier, so each is found there: on the frontier points
when only the listed outcomes are feasible, on the segments of the upper convex hull when
lotteries are allowed (closed forms per segment), and, for continuous issues, refined from the
best grid point by a constrained optimiser. Solutions treat the feasible set as comprehensive
(free disposal). When no feasible outcome gives both players strictly more than disagreement,
the solution says so (``agreement`` is False, utilities are the disagreement point).

>>> p = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0), convex=True)
>>> nash_solution(p).utilities
(0.5, 0.5)
>>> [round(u, 9) for u in nash_solution(p, power=0.25).utilities]
[0.25, 0.75]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from games.bargaining.frontier import (GAIN_TOL, frontier_indices, gain_tolerance, require_problem,
                                      utility_range)
from games.bargaining.problem import BargainingProblem
from games.bargaining.refine import can_refine, refine_outcome
from games.errors import BargainingError
from games.results import TabularResult

if TYPE_CHECKING:
    import pandas as pd

#: Frontier points of the grid, the best first, from which the continuous refinement starts
#: (the best answer kept): a deal's utilities need not be concave, and from the best grid point
#: alone a local search can stop on a lower peak (the Saudi deal's Nash benchmark did).
REFINE_STARTS = 8


@dataclass(frozen=True, eq=False)
class BargainingSolution(TabularResult):
    """Read a solution's ``utilities``, ``gains`` and ``outcome``; print it for a table.

    Returned by :func:`nash_solution`, :func:`kalai_smorodinsky`, :func:`egalitarian` and
    :func:`utilitarian`, with ``method`` and ``settings`` saying how it was found. A symmetric
    problem's Nash solution splits the surplus in the middle:

    >>> from games.bargaining import BargainingProblem, nash_solution
    >>> split = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0), convex=True)
    >>> s = nash_solution(split)
    >>> s.agreement, s.utilities, s.gains
    (True, (0.5, 0.5), (0.5, 0.5))
    """

    solution: str
    players: tuple[str, str]
    utilities: tuple[float, float]
    disagreement: tuple[float, float]
    agreement: bool
    message: str
    outcome: Mapping[str, Any] | None = None
    lottery: tuple[tuple[Any, float], ...] | None = None
    method: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def gains(self) -> tuple[float, float]:
        """Each player's utility minus the disagreement payoff."""
        return (self.utilities[0] - self.disagreement[0], self.utilities[1] - self.disagreement[1])

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        return pd.DataFrame({"utility": self.utilities, "disagreement": self.disagreement,
                             "gain": self.gains}, index=list(self.players))

    def caption(self) -> str:
        lines = [f"{self.solution}: {self.message}"]
        if self.outcome:
            lines.append("outcome: " + ", ".join(f"{k}={_fmt(v)}" for k, v in self.outcome.items()))
        if self.lottery:
            lines.append("lottery: " + ", ".join(f"{p:.6g} on {o}" for o, p in self.lottery))
        how = f"method: {self.method}"
        if self.settings:
            how += "; " + ", ".join(f"{k}={_fmt(v)}" for k, v in self.settings.items())
        lines.append(how)
        return "\n".join(lines)


def _fmt(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


# ---------------------------------------------------------------------- public solutions
def nash_solution(problem: BargainingProblem, power: float = 0.5, *,
                  refine: bool = True) -> BargainingSolution:
    """Maximise the Nash product (g1 ** power) * (g2 ** (1 - power)) of gains over disagreement.

    ``power`` is player 1's bargaining power, in (0, 1); 0.5 gives the symmetric Nash
    solution. For point sets, ``problem.convex`` says whether lotteries are allowed.

    >>> p = BargainingProblem.from_points([(0, 4), (4, 0)], (0, 2), convex=True)
    >>> nash_solution(p).utilities   # split the surplus over (0, 2): gains 1 and 1
    (1.0, 3.0)
    """
    require_problem(problem, "nash_solution()")
    power = _power(power)
    q = 1.0 - power

    def objective(g: np.ndarray, tol: float) -> np.ndarray:
        ok = (g[0] > 0) & (g[1] > 0)
        with np.errstate(all="ignore"):
            return np.where(ok, power * np.log(g[0]) + q * np.log(g[1]), -np.inf)

    def segment_t(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # stationary point of power*log(a1 + t b1) + q*log(a2 + t b2); concave where gains > 0
        return -(power * b[0] * a[1] + q * b[1] * a[0]) / (b[0] * b[1])

    def refined(d: np.ndarray, scale: float) -> tuple:
        tiny = GAIN_TOL * scale
        return (lambda u, _: power * np.log(max(u[0] - d[0], tiny))
                + q * np.log(max(u[1] - d[1], tiny)),
                lambda u, _: u - d - tiny, (), ())

    name = "Nash" if power == 0.5 else f"asymmetric Nash (power {power:.3g} to {problem.players[0]})"
    return _solve(problem, name, objective, segment_t, refined, refine, {"power": power})


def kalai_smorodinsky(problem: BargainingProblem, *, refine: bool = True) -> BargainingSolution:
    """The largest point on the segment from disagreement to the ideal point (best gains).

    The ideal point gives each player the most they can get in an agreement the other
    accepts. Over a finite set without lotteries, the point maximising the smaller of the two
    gains as fractions of the ideal gains.

    >>> p = BargainingProblem.from_points([(0, 2), (1, 0)], (0, 0), convex=True)
    >>> [round(u, 9) for u in kalai_smorodinsky(p).utilities]   # on the ray to (1, 2)
    [0.5, 1.0]
    """
    ideal = ideal_point(require_problem(problem, "kalai_smorodinsky()"), refine=refine)
    d = problem.disagreement
    reach = np.asarray(ideal) - d
    if (reach <= 0).any():
        return no_agreement(problem, "Kalai-Smorodinsky", "", {})
    return _max_min(problem, "Kalai-Smorodinsky", reach, refine,
                    {"ideal point": tuple(round(v, 12) for v in ideal)})


def egalitarian(problem: BargainingProblem, *, refine: bool = True) -> BargainingSolution:
    """The largest equal gain both players can have (Kalai's egalitarian solution).

    >>> p = BargainingProblem.from_points([(0, 3), (3, 0)], (1, 0), convex=True)
    >>> egalitarian(p).gains
    (1.0, 1.0)
    """
    return _max_min(problem, "egalitarian", np.ones(2), refine, {})


def utilitarian(problem: BargainingProblem, *, refine: bool = True) -> BargainingSolution:
    """The agreement with the largest sum of utilities that both players accept.

    Ties go to the most equal gains.

    >>> p = BargainingProblem.from_points([(0, 3), (2, 2), (3, 0)], (0, 0))
    >>> utilitarian(p).utilities
    (2.0, 2.0)
    """
    def objective(g: np.ndarray, tol: float) -> np.ndarray:
        return np.where((g[0] >= -tol[0]) & (g[1] >= -tol[1]), g[0] + g[1], -np.inf)

    def segment_t(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # the sum is linear along a segment: its better end (clipped by _solve to the part
        # both players accept); on a level segment, where the gains are equal
        level = np.abs(b[0] + b[1]) <= 1e-12 * (np.abs(b[0]) + np.abs(b[1]))
        return np.where(level, (a[1] - a[0]) / (b[0] - b[1]), (b[0] + b[1] > 0).astype(float))

    def refined(d: np.ndarray, scale: float):
        return (lambda u, _: (u[0] + u[1] - d.sum()) / scale, lambda u, _: u - d, (), ())

    return _solve(problem, "utilitarian", objective, segment_t, refined, refine, {})


def ideal_point(problem: BargainingProblem, *, refine: bool = True) -> tuple[float, float]:
    """Each player's best utility over agreements that leave the other at least disagreement.

    >>> ideal_point(BargainingProblem.from_points([(0, 2), (1, 0), (3, -1)], (0, 0)))
    (1.0, 2.0)
    """
    d = require_problem(problem, "ideal_point()").disagreement
    idx = frontier_indices(problem)
    f = problem.points[idx]
    ideal = []
    for k in range(2):
        other = 1 - k
        ok = f[:, other] >= d[other] - gain_tolerance(problem, f)[:, other]
        if not ok.any():
            ideal.append(float(d[k]))
            continue
        best = float(f[ok, k].max())
        if problem.convex and len(f) > 1:
            # the hull may cross the other's disagreement payoff between two vertices
            order = np.argsort(f[:, other])
            cross = np.interp(d[other], f[order, other], f[order, k], left=np.nan, right=np.nan)
            if np.isfinite(cross):
                best = max(best, float(cross))
        if refine and can_refine(problem):
            start = int(idx[np.flatnonzero(ok)[np.argmax(f[ok, k])]])
            scale = utility_range(problem)
            found = refine_outcome(problem, start, lambda u, _, k=k: u[k] / scale,
                                   lambda u, _, o=other: np.array([u[o] - d[o]]))
            if found is not None:
                best = max(best, float(found[1][k]))
        ideal.append(best)
    return (ideal[0], ideal[1])


# ---------------------------------------------------------------------- machinery
def _max_min(problem: BargainingProblem, name: str, reach: np.ndarray, refine: bool,
             settings: dict) -> BargainingSolution:
    """Maximise min(g1 / r1, g2 / r2): KS with r = ideal gains, egalitarian with r = (1, 1)."""
    r = np.asarray(reach, dtype=float)

    def objective(g: np.ndarray, tol: float) -> np.ndarray:
        # A gain of -1e308 against a small reach overflows to -inf, which ranks as it should.
        with np.errstate(over="ignore"):
            ratio = np.minimum(g[0] / r[0], g[1] / r[1])
        return np.where((g[0] >= -tol[0]) & (g[1] >= -tol[1]), ratio, -np.inf)

    def segment_t(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # where the segment crosses the ray g1 / r1 = g2 / r2 (b1 > 0 > b2 on a frontier)
        return (a[1] / r[1] - a[0] / r[0]) / (b[0] / r[0] - b[1] / r[1])

    def refined(d: np.ndarray, scale: float):
        # epigraph form: maximise t subject to g_i >= t r_i; judged by min(g / r) itself
        return (lambda u, t: t[0] * min(r) / scale,
                lambda u, t: u - d - t[0] * r, None, [(None, None)],
                lambda u: float(np.min((u - d) / r)))

    return _solve(problem, name, objective, segment_t, refined, refine, settings)


def _solve(problem: BargainingProblem, name: str,
           objective: Callable[[np.ndarray, float], np.ndarray],
           segment_t: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
           refined: Callable[..., Any], refine: bool, settings: dict) -> BargainingSolution:
    """Evaluate ``objective`` on the frontier (and hull segments), then refine if continuous.

    Gains are held as a (2, k) array so each player's row is contiguous: re-solving one
    problem under many disagreement points costs a few vector operations on the frontier.
    """
    d = require_problem(problem, f"{name} solution").disagreement
    idx, front = problem.frontier_columns()
    g = front - d[:, None]
    tol = gain_tolerance(problem, front.T).T
    k = g.shape[1]
    if not ((g[0] > tol[0]) & (g[1] > tol[1])).any() and not _hull_beats(problem, front.T):
        return no_agreement(problem, name, "", settings)
    cand = g
    left = right = np.arange(k)
    weight = np.zeros(k)
    if problem.convex and k > 1 and segment_t is not None:
        a, b = g[:, :-1], g[:, 1:] - g[:, :-1]
        with np.errstate(all="ignore"):
            t = np.nan_to_num(segment_t(a, b), nan=0.0)
            # keep t on the part of the segment both players accept (b1 > 0 > b2 on the
            # hull), so a segment crossing the disagreement lines still offers its best point
            lo = np.maximum(0.0, np.nan_to_num(-a[0] / b[0], nan=0.0))
            hi = np.minimum(1.0, np.nan_to_num(a[1] / -b[1], nan=1.0))
            t = np.clip(np.minimum(np.maximum(t, lo), hi), 0.0, 1.0)
        cand = np.hstack([g, a + t * b])
        left = np.concatenate([left, np.arange(k - 1)])
        right = np.concatenate([right, np.arange(1, k)])
        weight = np.concatenate([weight, t])
    values = objective(cand, gain_tolerance(problem, (cand + d[:, None]).T).T)
    top = float(values.max())
    if not np.isfinite(top):
        return no_agreement(problem, name, "", settings)
    near = np.flatnonzero(values >= top - 1e-12 * abs(top))
    best = int(near[0]) if len(near) == 1 else \
        int(near[np.argmin(np.abs(cand[0, near] - cand[1, near]))])
    u = cand[:, best] + d
    w = float(weight[best])
    i, j = int(idx[left[best]]), int(idx[right[best]])
    outcome, lottery, method = None, None, "frontier points"
    if problem.convex:
        method = "closed form on the segments of the upper convex hull (lotteries allowed)"
        if 1e-12 < w < 1 - 1e-12:
            lottery = ((problem.outcome(i)["outcome"], 1.0 - w), (problem.outcome(j)["outcome"], w))
        else:
            outcome = problem.outcome(j if w >= 0.5 else i)
    else:
        outcome = problem.outcome(i)
    if problem.outcomes is not None:
        method = "exact on the outcome grid"
    if refine and can_refine(problem):
        scale = utility_range(problem)
        goal, constraint, extra, extra_bounds, *score = refined(d, scale)
        if extra is None:  # epigraph level starts at the grid value
            extra = [float(top)]
        found = _best_refined(problem, _starts(i, j, idx, values[:k]), top, objective, goal,
                              constraint, extra, extra_bounds or (),
                              score[0] if score else None)
        method = (f"grid of {problem.resolution} levels per continuous issue, then SLSQP "
                  f"from each of the best {REFINE_STARTS} grid points on the frontier, the "
                  "best kept")
        if found is not None:
            outcome, u, _ = found
            method += " (refined)"
        else:
            method += " (grid point kept: no improvement)"
    return _agreement(problem, name, u, outcome, lottery, method, settings)


def _starts(i: int, j: int, idx: np.ndarray, values: np.ndarray) -> list[int]:
    """The outcomes the refinement starts from: the chosen grid point's ends ``i`` and ``j``,
    then the frontier's best points by the grid's objective (``values``, one per frontier
    point ``idx``), at most :data:`REFINE_STARTS` in all."""
    starts = [i] + ([j] if j != i else [])
    for r in np.argsort(-values, kind="stable"):
        if len(starts) >= REFINE_STARTS or not np.isfinite(values[r]):
            break
        if int(idx[r]) not in starts:
            starts.append(int(idx[r]))
    return starts


def _best_refined(problem: BargainingProblem, starts: list[int], top: float, objective: Callable,
                  goal: Any, constraint: Any, extra: Any, extra_bounds: Any, score: Any) -> Any:
    """The best of the refinements from ``starts`` by ``objective`` on their gains, if it beats
    the grid's best value ``top`` (else None: the grid point is kept)."""
    best, best_value = None, top
    d = problem.disagreement
    for start in starts:
        found = refine_outcome(problem, start, goal, constraint, extra, extra_bounds,
                               score=score)
        if found is None:
            continue
        gains = (np.asarray(found[1], dtype=float) - d)[:, None]
        value = float(objective(gains, gain_tolerance(problem, found[1][None, :]).T)[0])
        if value > best_value:
            best, best_value = found, value
    return best


def _hull_beats(problem: BargainingProblem, f: np.ndarray) -> bool:
    """With lotteries, a segment can beat disagreement although no vertex does."""
    if not problem.convex or len(f) < 2:
        return False
    d = problem.disagreement
    # player 2's best on the hull where player 1 gets at least d1 (the hull's left end when
    # d1 lies left of it: a vertex with a gain below tol can still open a segment that beats d)
    at = max(float(d[0]), float(f[0, 0]))
    if not at < f[-1, 0] - GAIN_TOL * max(abs(at), abs(f[-1, 0])):
        return False
    top = float(np.interp(at, f[:, 0], f[:, 1]))
    return top > d[1] + GAIN_TOL * max(abs(top), abs(d[1]))


def _agreement(problem: BargainingProblem, name: str, u: np.ndarray, outcome: Any,
               lottery: Any, method: str, settings: dict) -> BargainingSolution:
    d = problem.disagreement
    gains = u - d
    message = (f"agreement; gains over disagreement {gains[0]:.6g} for {problem.players[0]} "
               f"and {gains[1]:.6g} for {problem.players[1]}")
    return BargainingSolution(name, problem.players, (float(u[0]), float(u[1])),
                              (float(d[0]), float(d[1])), True, message, outcome, lottery,
                              method, dict(settings))


def no_agreement(problem: BargainingProblem, name: str, method: str,
                 settings: dict) -> BargainingSolution:
    """The solution ``name`` of a problem where no outcome beats disagreement, saying so.

    >>> p = BargainingProblem.from_points([(0, 1), (1, 0)], (2, 2), check_bounds=False)
    >>> no_agreement(p, "Nash", "", {}).agreement
    False
    """
    d = problem.disagreement
    best = problem.best_utilities()
    message = (f"no agreement beats disagreement: no feasible outcome gives both "
               f"{problem.players[0]} more than {d[0]:g} and {problem.players[1]} more than "
               f"{d[1]:g} (best alone: {best[0]:g} and {best[1]:g})")
    return BargainingSolution(name, problem.players, (float(d[0]), float(d[1])),
                              (float(d[0]), float(d[1])), False, message, None, None,
                              method or "frontier check", dict(settings))


def _power(power: float) -> float:
    try:
        value = float(power)
    except (TypeError, ValueError):
        raise BargainingError(f"power must be a number in (0, 1), got {power!r}") from None
    if not 0.0 < value < 1.0:
        raise BargainingError(f"power must lie strictly between 0 and 1 (player 1's bargaining "
                              f"power; 0.5 is symmetric), got {power!r}")
    return value



