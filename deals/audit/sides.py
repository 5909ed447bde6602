"""The typed records an audit is made of: a summary of draws, the optimal ask, one side's audit.

:class:`deals.Assessment` keeps one :class:`SideAudit` per side, so ``a.supplier.gain.median``
and ``a.partner.accepts`` read as they say. Each record is a frozen dataclass that also reads
as a mapping of its fields (``a.supplier.gain["median"]``), so code written against the older
dictionaries and the JSON writer see the same keys in the same order.

>>> s = Summary.of(np.array([1.0, 2.0, 3.0, np.nan]))
>>> s.median, s["p10"], s.defined, list(s)
(2.0, 1.2, 0.75, ['p10', 'median', 'p90', 'defined'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Iterator

import numpy as np


class FieldMapping(Mapping):
    """Read a dataclass record as the mapping of its fields (in their order), for old callers
    and for :func:`deals.numbers.json_value`.

    >>> Summary(1.0, 2.0, 3.0, 1.0) == {"p10": 1.0, "median": 2.0, "p90": 3.0, "defined": 1.0}
    True
    """

    def __getitem__(self, key: str) -> Any:
        if key in self._names():
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True, eq=False)
class Summary(FieldMapping):
    """A quantity over the draws: its 10th, 50th and 90th percentiles over the draws where it
    is finite, and the share of draws where it is (a leverage ratio is undefined where the
    benchmark gives nothing). No mean: a ratio's mean is ruled by its near-zero denominators,
    and the audit's verdicts read medians.

    >>> Summary.of(np.array([np.nan])).defined
    0.0
    """

    p10: float
    median: float
    p90: float
    defined: float

    @classmethod
    def of(cls, values: np.ndarray) -> "Summary":
        """The summary of ``values`` (NaN percentiles when none is finite)."""
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return cls(float("nan"), float("nan"), float("nan"), 0.0)
        p10, p50, p90 = np.percentile(finite, [10, 50, 90])
        return cls(float(p10), float(p50), float(p90), float(finite.size / values.size))


@dataclass(frozen=True, eq=False)
class Ask(FieldMapping):
    """The supplier's optimal take-it-or-leave-it ask: its terms (outcome values by issue), the
    share of draws that accept it, and the expected gain (NaN when the audit left it out).

    >>> Ask.none().terms, bool(np.isnan(Ask.none()["acceptance"]))
    ({}, True)
    """

    terms: Mapping[str, float]
    acceptance: float
    expected_gain: float

    @classmethod
    def none(cls) -> "Ask":
        """The ask of an audit that stops at the verdict (``detail=False``)."""
        return cls({}, float("nan"), float("nan"))


@dataclass(frozen=True, eq=False)
class TermsRecords(FieldMapping):
    """The terms an audit names, as the JSON's lists of issue records, and the deal's issues
    by name (to put terms in words).

    See :func:`deals.audit.verdicts.terms_records`.
    """

    audited_terms: list[dict[str, Any]]
    benchmark: list[dict[str, Any]]
    ask: list[dict[str, Any]]
    better: list[dict[str, Any]] | None
    issues: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class SideAudit(FieldMapping):
    """What the audit found for one side.

    - ``accepts``: the share of draws in which this side is at least as well off as with no deal;
    - ``gain``, ``gain_at_benchmark``: its gain over no deal at the terms and at the bargaining
      benchmark; ``rho``: the leverage ratio (the first over the second);
    - ``verdict`` (and ``verdicts``, every rule that fires, the verdict first), ``flag`` (and
      ``flags``), ``verdict_text`` (in words), ``borderline`` (None, or the share within Monte
      Carlo error of a threshold: :func:`deals.audit.verdicts.borderline`);
    - ``surplus`` left on each issue (:func:`deals.audit.surplus.surplus_on`) and in words;
    - ``better_gain``: what the package better for both adds for this side (None without one).

    See :func:`deals.assess`, whose ``supplier`` and ``partner`` these are.
    """

    party: str
    accepts: float
    gain: Summary
    gain_at_benchmark: Summary
    rho: Summary
    verdict: str
    verdicts: tuple[str, ...]
    flag: str
    flags: tuple[str, ...]
    verdict_text: str
    borderline: Mapping[str, Any] | None
    surplus: tuple[Mapping[str, Any], ...]
    surplus_text: tuple[str, ...]
    better_gain: float | None

    @property
    def worse_off(self) -> float:
        """The share of draws in which this side is worse off than with no deal."""
        return 1.0 - self.accepts
