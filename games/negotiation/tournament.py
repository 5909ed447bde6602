"""Round-robin tournaments: every agent against every agent, over all draws, scored.

For each pairing (one agent as side A, one as side B) :func:`play_match` runs the negotiation
in every draw and measures, over the draws:

- the agreement rate and the rounds used by agreements;
- each side's mean discounted gain over its reservation (0 in draws without agreement);
- the distance from the frontier: how much more both could have had, the largest
  ``min(a' - a, b' - b)`` over outcomes, with each side's gains in units of its ideal gain
  (its best gain among outcomes both accept), so the measure ignores how utility is scaled;
- the distance from the benchmark (the asymmetric Nash outcome): the Euclidean distance in
  those units between the agreement and the benchmark.

>>> import numpy as np
>>> from games.negotiation.problem import NegotiationProblem
>>> from games.negotiation.protocol import STANDARD
>>> x = np.linspace(0, 1, 101)
>>> pie = NegotiationProblem({"share": x}, x, 1 - x, discount_a=0.95, discount_b=0.95)
>>> result = tournament(pie, [STANDARD["boulware"], STANDARD["conceder"]], deadline=20)
>>> float(result.to_frame().loc[("boulware", "conceder"), "agreement rate"])
1.0
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from games.negotiation.problem import NegotiationError, NegotiationProblem
from games.negotiation.protocol import NegotiationTrace, Negotiator, negotiate
from games.parallel import result_of
from games.results import TabularResult

METRICS = ("agreement rate", "A gain", "B gain", "A share of benchmark gain",
           "B share of benchmark gain", "distance to frontier", "distance to benchmark",
           "rounds used")


def distances(trace: NegotiationTrace) -> tuple[np.ndarray, np.ndarray]:
    """Per draw, the agreement's distance from the frontier and from the benchmark.

    Both in units of each side's ideal gain; NaN in draws without agreement.
    """
    p = trace.problem
    rows, idx = np.arange(p.draws), np.maximum(trace.agreement, 0)
    a, b = p.scaled_gains()
    a_x, b_x = a[rows, idx], b[rows, idx]
    frontier = np.max(np.minimum(a - a_x[:, None], b - b_x[:, None]), axis=1)
    ideal = p.ideal_gains()
    bench = p.benchmark_utilities()
    with np.errstate(all="ignore"):
        bench_a = (bench[0] - p.reservation_a) / ideal[0]
        bench_b = (bench[1] - p.reservation_b) / ideal[1]
    to_benchmark = np.hypot(a_x - bench_a, b_x - bench_b)
    agreed = trace.agreed
    return (np.where(agreed, np.maximum(frontier, 0.0), np.nan),
            np.where(agreed, to_benchmark, np.nan))


def _mean(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def play_match(problem: NegotiationProblem, a: Negotiator, b: Negotiator, deadline: int,
               seed: int, first: int = 0) -> dict[str, float]:
    """One pairing over every draw: the tournament's scores (see the module's list)."""
    trace = negotiate(problem, a, b, deadline=deadline, seed=seed, first=first)
    gains = trace.gains
    bench = problem.benchmark_utilities()
    with np.errstate(all="ignore"):
        share = [gains[s] / (bench[s] - problem.reservation(s)) for s in (0, 1)]
    frontier, benchmark = distances(trace)
    agreed = trace.agreed
    return {"A": a.name, "B": b.name, "agreement rate": float(agreed.mean()),
            "A gain": float(gains[0].mean()), "B gain": float(gains[1].mean()),
            "A share of benchmark gain": _mean(share[0]),
            "B share of benchmark gain": _mean(share[1]),
            "distance to frontier": _mean(frontier), "distance to benchmark": _mean(benchmark),
            "rounds used": _mean(np.where(agreed, trace.round, np.nan).astype(float))}


@dataclass(frozen=True)
class TournamentResult(TabularResult):
    """Scores of every pairing; rows indexed by (A's agent, B's agent)."""

    scores: pd.DataFrame = field(repr=False)
    sides: tuple[str, str]
    unit: str
    draws: int
    deadline: int
    seed: int
    method: str = "round robin of alternating-offers negotiations over Monte Carlo draws"
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        frame = self.scores.copy()
        frame.columns = [c.replace("A ", f"{self.sides[0]} ", 1).replace(
            "B ", f"{self.sides[1]} ", 1) if c[:2] in ("A ", "B ") else c for c in frame.columns]
        return frame

    def matrix(self, metric: str = "distance to benchmark") -> pd.DataFrame:
        """One score as a table: A's agent down the rows, B's agent across."""
        if metric not in METRICS:
            raise NegotiationError(f"metric {metric!r}: choose one of {list(METRICS)}")
        names = list(dict.fromkeys(self.scores.index.get_level_values("A")))
        return self.scores[metric].unstack("B").reindex(index=names, columns=names)

    def closest_to_benchmark(self) -> pd.Series:
        """Each agent's mean distance from the benchmark over its pairings, on either side."""
        d = self.scores["distance to benchmark"]
        names = d.index.get_level_values("A").unique()
        return pd.Series({n: np.nanmean(np.concatenate([d.xs(n, level="A").to_numpy(),
                                                        d.xs(n, level="B").to_numpy()]))
                          for n in names}, name="mean distance to benchmark").sort_values()

    def caption(self) -> str:
        near = self.closest_to_benchmark()
        overall = np.nanmean(self.scores["distance to benchmark"].to_numpy())
        return (f"{self.draws:,} draws, deadline {self.deadline} rounds, seed {self.seed}; gains "
                f"in {self.unit}, discounted per round; distances (over agreements) in units of "
                f"each side's ideal gain. Closest to the benchmark: {near.index[0]} (mean distance "
                f"{near.iloc[0]:.3f}); all play: {overall:.3f}")


def tournament(problem: NegotiationProblem, negotiators: Sequence[Negotiator], *,
               deadline: int = 100, seed: int = 0, first: int = 0,
               executor: Executor | None = None) -> TournamentResult:
    """Every negotiator as side A against every negotiator as side B, over all draws.

    With an ``executor`` (any :class:`concurrent.futures.Executor`, e.g. a process pool or
    a ``dask.distributed`` client's), pairings run as separate tasks.
    """
    negotiators = list(negotiators)
    names = [n.name for n in negotiators]
    if not negotiators or len(set(names)) != len(names):
        raise NegotiationError(f"negotiators: give at least one, each with its own name; got "
                               f"{names}")
    pairs = [(a, b) for a in negotiators for b in negotiators]
    if executor is None:
        rows = [play_match(problem, a, b, deadline, seed, first) for a, b in pairs]
    else:
        futures = [executor.submit(play_match, problem, a, b, deadline, seed, first)
                   for a, b in pairs]
        rows = [result_of(f) for f in futures]
    scores = pd.DataFrame(rows).set_index(["A", "B"])
    return TournamentResult(scores, problem.sides, problem.unit, problem.draws, deadline, seed)
