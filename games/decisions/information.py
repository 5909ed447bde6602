"""The value of information: what learning an uncertain quantity before deciding is worth.

A decision maker picks one action before the uncertainty resolves; ``payoffs[a, d]`` is the
payoff of action ``a`` at draw ``d`` of the uncertain parameters (draws equally likely). Its
value without information is ``max_a mean_d payoffs[a, d]``. With perfect information on
everything it would pick the best action at every draw (the expected value of perfect
information, EVPI, is the difference); with perfect information on one parameter it picks
the best action for each value of that parameter (the partial EVPI, or EVPPI; Raiffa and
Schlaifer 1961, ch. 4). A parameter with few distinct values is grouped by value, which is
exact; a continuous one by quantile bins (Strong and Oakley 2013), which is slightly biased
upwards by the noise of the other parameters within a bin.

>>> import numpy as np
>>> payoffs = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 3.0, 0.0, 3.0]])
>>> v = value_of_information(payoffs, {"x": [0, 1, 0, 1], "noise": [0, 0, 1, 1]})
>>> v.total, v.by_parameter["x"], v.by_parameter["noise"]
(0.5, 0.5, 0.0)
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


@dataclass(frozen=True)
class InformationValues(TabularResult):
    """EVPI over all parameters and per parameter (ranked), in the payoffs' units."""

    actions: tuple[str, ...]
    value_without: float
    total: float
    by_parameter: dict[str, float]
    best_action: str
    draws: int
    bins: int
    method: str = "expected value of perfect information: per-draw best action against the best action over the draws"
    settings: Mapping[str, Any] = field(default_factory=dict)

    def ranking(self) -> list[tuple[str, float]]:
        """Parameters by their value of information, largest first."""
        return sorted(self.by_parameter.items(), key=lambda kv: -kv[1])

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        rows = [{"parameter": n, "value of perfect information": v,
                 "share of total": v / self.total if self.total > 0 else 0.0}
                for n, v in self.ranking()]
        return pd.DataFrame(rows).set_index("parameter") if rows else pd.DataFrame()

    def caption(self) -> str:
        return (f"expected value of perfect information on the choice among {len(self.actions)} "
                f"actions over {self.draws:,} draws: {self.total:.4g} in all; without information "
                f"the best action is {self.best_action!r} (mean payoff {self.value_without:.4g}); "
                f"continuous parameters grouped into {self.bins} quantile bins")


def partial_value(payoffs: np.ndarray, groups: np.ndarray) -> float:
    """EVPPI from group labels: mean over groups of the best action's mean, less the best mean.

    >>> partial_value(np.array([[1.0, 1.0], [0.0, 3.0]]), np.array([0, 1]))
    0.5
    """
    _, label, counts = np.unique(groups, return_inverse=True, return_counts=True)
    sums = np.zeros((payoffs.shape[0], len(counts)))
    np.add.at(sums.T, label, payoffs.T)
    informed = float(np.sum(sums.max(axis=0))) / payoffs.shape[1]
    gain = informed - float(payoffs.mean(axis=1).max())
    # Rounding of the sums leaves ~1e-16 where the same action is best in every group.
    return gain if gain > 1e-12 * max(1.0, float(np.max(np.abs(payoffs)))) else 0.0


def quantile_groups(sample: np.ndarray, bins: int) -> np.ndarray:
    """Group labels: the distinct values if there are at most ``bins``, else equal-count bins."""
    values = np.unique(sample)
    if len(values) <= bins:
        return np.searchsorted(values, sample)
    order = np.argsort(sample, kind="stable")
    labels = np.empty(len(sample), dtype=np.int64)
    labels[order] = np.arange(len(sample)) * bins // len(sample)
    return labels


def value_of_information(payoffs: Any, sample: Mapping[str, Sequence[float]], *,
                         actions: Sequence[str] | None = None,
                         bins: int | None = None) -> InformationValues:
    """EVPI of the whole sample and of each parameter in ``sample``, for payoffs (actions x draws).

    ``bins`` defaults to about the square root of the draws, at most 50.
    """
    payoffs = np.asarray(payoffs, dtype=float)
    if payoffs.ndim != 2 or payoffs.shape[1] == 0 or payoffs.shape[0] == 0:
        raise ParameterError(f"payoffs must be a table actions x draws, got shape {payoffs.shape}")
    if not np.all(np.isfinite(payoffs)):
        raise ParameterError("payoffs must be finite numbers")
    n = payoffs.shape[1]
    bins = int(bins) if bins is not None else int(min(50, max(2, round(np.sqrt(n)))))
    names = tuple(actions) if actions is not None else tuple(str(k) for k in range(len(payoffs)))
    if len(names) != payoffs.shape[0]:
        raise ParameterError(f"{len(names)} action names for {payoffs.shape[0]} actions")
    means = payoffs.mean(axis=1)
    without = float(means.max())
    by_parameter = {}
    for name, values in sample.items():
        values = np.asarray(values, dtype=float).ravel()
        if len(values) != n:
            raise ParameterError(f"sample {name!r} has {len(values)} draws; the payoffs have {n}")
        by_parameter[name] = partial_value(payoffs, quantile_groups(values, bins))
    total = max(0.0, float(payoffs.max(axis=0).mean()) - without)
    return InformationValues(names, without, total, by_parameter, names[int(np.argmax(means))], n,
                             bins)
