"""Conditioning a Monte Carlo sample on events: weights, effective sample size, conflicts.

A prior sample of parameters (equally likely draws) is updated by events observed to hold,
each given per draw as a boolean (did the event hold in that draw?). The posterior weight of a
draw is the product of the events' likelihoods, here 0 or 1: rejection sampling written as
importance weights (Robert and Casella 2004, ch. 2-3), so soft likelihoods slot in unchanged.
Its reliability is the effective sample size (Kish 1965): ``(sum w)**2 / sum w**2``, which for
0/1 weights is the number of draws kept. When it falls below a stated floor the events cannot
be rationalised by the prior: :func:`condition` then names the parameters in conflict instead
of a posterior from a handful of draws: parameters whose ranges under each event alone do not
overlap, and the parameters the draws nearest to satisfying every event push to one end.

>>> import numpy as np
>>> x = np.linspace(0.0, 1.0, 1001)
>>> c = condition({"x": x}, {"x above 0.6": x >= 0.6})
>>> c.ess, round(float(c.quantile("x", 0.5)), 3)
(401.0, 0.8)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from games.errors import ParameterError
from games.results import TabularResult

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd

__all__ = ["ESS_FLOOR", "Conditioning", "Conflict", "condition", "effective_sample_size",
           "systematic_resample", "weighted_quantile"]

#: Effective sample below which a conditioned sample is not reported as a distribution.
ESS_FLOOR = 100
#: Central share of each event's accepted draws taken as that event's range of a parameter.
EVENT_RANGE = (0.01, 0.99)


def effective_sample_size(weights: Any) -> float:
    """Kish's effective sample size of importance weights: (sum w)^2 / sum w^2 (0 if all 0).

    >>> effective_sample_size([1, 1, 0, 0]), effective_sample_size([1, 0, 0, 0])
    (2.0, 1.0)
    """
    w = _weights(weights)
    top = float(w.max(initial=0.0))
    if top == 0:
        return 0.0
    w = w / top  # scale-free: tiny or huge weights neither underflow nor overflow when squared
    total = float(w.sum())
    return total * total / float(np.dot(w, w))


def weighted_quantile(values: Any, weights: Any, q: Any) -> np.ndarray | float:
    """Quantiles of a weighted sample: the smallest value whose weighted share below it is >= q.

    With equal weights this is the inverse of the empirical distribution function
    (Hyndman and Fan 1996, definition 1).

    >>> weighted_quantile([1.0, 2.0, 3.0, 4.0], [0, 1, 1, 0], [0.25, 0.5, 1.0]).tolist()
    [2.0, 2.0, 3.0]
    """
    v = np.asarray(values, dtype=float).ravel()
    w = _weights(weights)
    if v.shape != w.shape:
        raise ParameterError(f"weighted_quantile: {v.size} values but {w.size} weights")
    qs = np.asarray(q, dtype=float)
    if np.any(~np.isfinite(qs)) or np.any((qs < 0) | (qs > 1)):
        raise ParameterError(f"weighted_quantile: quantiles must lie in [0, 1], got {q!r}")
    keep = w > 0
    if not keep.any():
        raise ParameterError("weighted_quantile: every weight is 0; nothing to take a "
                             "quantile of")
    order = np.argsort(v[keep], kind="stable")
    sorted_v, cum = v[keep][order], np.cumsum(w[keep][order])
    cum /= cum[-1]
    # Rounding of the cumulative sum must not push q = 1 past the last value.
    at = np.minimum(np.searchsorted(cum, qs - 1e-12, side="left"), sorted_v.size - 1)
    found = sorted_v[at]
    return float(found) if found.ndim == 0 else found


def systematic_resample(weights: Any, n: int, seed: int | None = 0) -> np.ndarray:
    """``n`` indices drawn in proportion to the weights by systematic resampling (Kitagawa 1996).

    One uniform offset and ``n`` evenly spaced points: each index appears floor or ceil of
    ``n * w_i / sum w`` times, the least noisy unbiased resampling. The indices come sorted.

    >>> systematic_resample([0.0, 3.0, 1.0], 4, seed=0).tolist()
    [1, 1, 1, 2]
    """
    w = _weights(weights)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"systematic_resample: n must be a positive whole number, got {n!r}")
    total = float(w.sum())
    if total == 0:
        raise ParameterError("systematic_resample: every weight is 0; nothing to resample")
    cum = np.cumsum(w) / total
    offset = np.random.default_rng(seed).random()
    points = (np.arange(n) + offset) / n
    return np.minimum(np.searchsorted(cum, points, side="right"), w.size - 1)


@dataclass(frozen=True)
class Conflict:
    """A parameter the events pull apart (``kind="disjoint"``: its ranges under two events alone
    do not overlap) or that the draws nearest to every event push to one end of its prior range
    (``kind="pull"``: ``pull`` is the mean prior rank of those draws minus 1/2, in [-1/2, 1/2])."""

    parameter: str
    kind: str
    events: tuple[str, ...] = ()
    ranges: tuple[tuple[float, float], ...] = ()
    pull: float = 0.0

    def __str__(self) -> str:
        if self.kind == "disjoint":
            parts = [f"{e} needs {lo:.3g} to {hi:.3g}" for e, (lo, hi) in
                     zip(self.events, self.ranges)]
            return f"{self.parameter} ({'; '.join(parts)})"
        end = "high" if self.pull > 0 else "low"
        return f"{self.parameter} (pushed to the {end} end: mean rank {0.5 + self.pull:.2f})"


@dataclass(frozen=True, eq=False)
class Conditioning(TabularResult):
    """A prior sample conditioned on events: weights per draw, effective sample size, the share
    of draws each event holds in, prior and conditional quantiles, and the conflicts when the
    effective sample is below ``floor``. Made by :func:`condition`."""

    weights: np.ndarray = field(repr=False)
    sample: Mapping[str, np.ndarray] = field(repr=False)
    holds: Mapping[str, float]
    joint: float
    ess: float
    floor: float
    conflicts: tuple[Conflict, ...]
    method: str = ("rejection sampling as 0/1 importance weights; effective sample size "
                   "(sum w)^2 / sum w^2")

    @property
    def draws(self) -> int:
        """How many prior draws were weighted."""
        return int(self.weights.size)

    @property
    def settings(self) -> dict[str, Any]:
        """The inputs that changed the answer: the draws weighted and the floor of the
        effective sample under which the events are said not to be rationalised."""
        return {"draws": self.draws, "floor": self.floor}

    @property
    def rationalised(self) -> bool:
        """True when the effective sample reaches the floor (the posterior can be reported);
        always true without events."""
        return not self.holds or (self.ess > 0 and self.ess >= self.floor)

    def quantile(self, name: str, q: Any, *, prior: bool = False) -> np.ndarray | float:
        """Quantile ``q`` of a parameter under the conditioned (or, with ``prior``, the prior)
        sample."""
        if name not in self.sample:
            raise ParameterError(f"unknown parameter {name!r}; known: {', '.join(self.sample)}")
        w = np.ones(self.draws) if prior else self.weights
        return weighted_quantile(self.sample[name], w, q)

    def resample(self, n: int, seed: int | None = 0) -> np.ndarray:
        """``n`` draw indices of the conditioned sample (:func:`systematic_resample`)."""
        if not self.rationalised:
            raise ParameterError(self.refusal())
        return systematic_resample(self.weights, n, seed)

    def refusal(self) -> str:
        """One line: the events cannot be rationalised, the effective sample, the conflicts."""
        named = "; ".join(str(c) for c in self.conflicts[:3]) or "no single parameter stands out"
        rarest = sorted(self.holds.items(), key=lambda kv: kv[1])[:2]
        rare = "" if len(self.holds) < 2 else "; rarest events alone: " + ", ".join(
            f"{k} {v:.1%}" for k, v in rarest)
        return (f"the events cannot be rationalised: effective sample {self.ess:.0f} of "
                f"{self.draws:,} draws (floor {self.floor:g}); in conflict: {named}{rare}")

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        rows = []
        for name, values in self.sample.items():
            row = {"parameter": name}
            for label, q in (("p10", 0.1), ("median", 0.5), ("p90", 0.9)):
                row[f"prior {label}"] = weighted_quantile(values, np.ones(self.draws), q)
                row[f"given {label}"] = (weighted_quantile(values, self.weights, q)
                                         if self.ess > 0 else np.nan)
            rows.append(row)
        return pd.DataFrame(rows).set_index("parameter") if rows else pd.DataFrame()

    def caption(self) -> str:
        held = ", ".join(f"{k} {v:.0%}" for k, v in self.holds.items())
        n = len(self.holds)
        return (f"conditioned on {n} event{'s' * (n != 1)} over {self.draws:,} draws ({held}; all "
                f"{self.joint:.1%}); effective sample {self.ess:.0f} (floor {self.floor:g})")


def condition(sample: Mapping[str, Any], events: Mapping[str, Any], *,
              margins: Mapping[str, Any] | None = None, floor: float = ESS_FLOOR,
              likelihoods: Mapping[str, Any] | None = None) -> Conditioning:
    """Weights of each draw of ``sample`` given that every event in ``events`` held.

    ``sample`` maps parameter names to arrays of equally likely draws; ``events`` maps event
    names to boolean arrays (held in that draw or not). ``likelihoods`` may add soft evidence
    (non-negative arrays multiplied into the weights). ``margins`` (same keys as ``events``,
    >= 0 where the event holds, in comparable units) find the draws nearest to satisfying
    every event when few or none do; without them the booleans serve. With no events every
    weight is 1 and nothing is refused.

    >>> x = np.linspace(0.0, 1.0, 101)
    >>> c = condition({"x": x}, {"low": x < 0.3, "high": x > 0.7})
    >>> c.ess, c.rationalised, c.conflicts[0].parameter, c.conflicts[0].kind
    (0.0, False, 'x', 'disjoint')
    """
    names, columns = _sample(sample)
    n = columns.shape[1] if columns.size else _length(events)
    held = {}
    for name, e in events.items():
        a = np.asarray(e)
        if a.shape != (n,) or a.dtype != bool:
            raise ParameterError(f"event {name!r}: expected {n} booleans (one per draw), got "
                                 f"an array of shape {a.shape} and type {a.dtype}")
        held[str(name)] = a
    w = np.ones(n)
    for a in held.values():
        w = w * a
    for name, lik in (likelihoods or {}).items():
        w = w * _weights(lik, f"likelihood {name!r}", n)
    ess = effective_sample_size(w)
    floor = float(floor)
    conflicts: tuple[Conflict, ...] = ()
    if held and ess < floor:
        conflicts = _conflicts(names, columns, held, _margins(held, margins, n), floor)
    return Conditioning(weights=w, sample=dict(zip(names, columns)),
                        holds={k: float(v.mean()) for k, v in held.items()},
                        joint=float(np.mean(w > 0)) if held else 1.0, ess=ess, floor=floor,
                        conflicts=conflicts)


def _conflicts(names: Sequence[str], columns: np.ndarray, held: Mapping[str, np.ndarray],
               margins: Mapping[str, np.ndarray], floor: float) -> tuple[Conflict, ...]:
    """Disjoint ranges first (each event alone), then the strongest pulls of the nearest draws."""
    found: list[Conflict] = []
    events = list(held)
    support = {e: held[e] if held[e].sum() >= min(floor, 10) else _nearest(margins[e], floor)
               for e in events}
    for k, name in enumerate(names):
        ranges = {e: tuple(np.quantile(columns[k][support[e]], EVENT_RANGE)) for e in events}
        best = None
        for i, a in enumerate(events):
            for b in events[i + 1:]:
                gap = max(ranges[a][0] - ranges[b][1], ranges[b][0] - ranges[a][1])
                if gap > 0 and (best is None or gap > best[0]):
                    best = (gap, a, b)
        if best is not None:
            _, a, b = best
            found.append(Conflict(name, "disjoint", (a, b), (ranges[a], ranges[b])))
    # The draws nearest to satisfying every event: the least total shortfall.
    shortfall = sum(np.minimum(m, 0.0) for m in margins.values())
    near = _nearest(shortfall, floor)
    order = np.argsort(columns, axis=1, kind="stable")
    ranks = (np.argsort(order, axis=1) + 0.5) / columns.shape[1]
    pulls = ranks[:, near].mean(axis=1) - 0.5 if columns.size else np.zeros(0)
    disjoint = {c.parameter for c in found}
    order = np.argsort(-np.abs(pulls), kind="stable")
    found += [Conflict(names[k], "pull", pull=float(pulls[k])) for k in order
              if names[k] not in disjoint and abs(pulls[k]) >= 0.1]
    return tuple(found)


def _nearest(score: np.ndarray, floor: float) -> np.ndarray:
    """The draws with the highest score: at least ``floor`` of them (or 1% of all)."""
    k = int(min(score.size, max(floor, 0.01 * score.size, 1)))
    mask = np.zeros(score.size, dtype=bool)
    mask[np.argsort(-score, kind="stable")[:k]] = True
    return mask


def _margins(held: Mapping[str, np.ndarray], margins: Mapping[str, Any] | None, n: int
             ) -> dict[str, np.ndarray]:
    out = {}
    for name, a in held.items():
        if margins is not None and name in margins:
            m = np.asarray(margins[name], dtype=float)
            if m.shape != (n,):
                raise ParameterError(f"margin of event {name!r}: expected {n} numbers")
            out[name] = np.where(np.isfinite(m), m, -np.inf)
        else:
            out[name] = np.where(a, 0.0, -1.0)
    return out


def _sample(sample: Mapping[str, Any]) -> tuple[list[str], np.ndarray]:
    names = [str(k) for k in sample]
    if not names:
        return [], np.zeros((0, 0))
    arrays = [np.asarray(v, dtype=float).ravel() for v in sample.values()]
    if len({a.size for a in arrays}) != 1:
        raise ParameterError("condition: every parameter needs the same number of draws")
    return names, np.vstack(arrays)


def _length(events: Mapping[str, Any]) -> int:
    for e in events.values():
        return int(np.asarray(e).size)
    raise ParameterError("condition: give a sample or at least one event")


def _weights(weights: Any, what: str = "weights", n: int | None = None) -> np.ndarray:
    w = np.asarray(weights, dtype=float).ravel()
    if n is not None and w.size != n:
        raise ParameterError(f"{what}: expected {n} numbers (one per draw), got {w.size}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ParameterError(f"{what}: must be finite and non-negative")
    return w
