"""The parameter distribution given the record: what each side signed or refused.

A deal's audit draws its parameters from the analyst's ranges. The record says more: the UAE
signed the struck licence, so in the worlds that can be true its gain there was >= 0. This
module weights a common pool of draws by every event of a record (0 where a side that signed
would have lost, or one that refused would have gained; the engine's
:func:`games.decisions.conditioning.condition`) and hands any deal's audit the draws resampled
by those weights, with the effective sample size.

Deals share the world they live in. A parameter with the same name in several deals (the harm
of a diverted chip, the US control cost, China's retaliation, Huawei's supply) is one draw of
the world per pool row, read on each deal's own scale (the same quantile of each deal's range:
its draws come from one stream per name), so signing in one deal informs the others. The
names in :data:`PER_PARTNER` describe one partner (its demand, its own valuation of compute,
its costs) and are drawn per deal instead.

When the weights leave fewer than ``floor`` effective draws the record cannot be rationalised
by the files' ranges: :meth:`Conditioned.values_for` refuses with one line naming the
parameters in conflict, instead of an audit from a handful of draws.

>>> import deals
>>> given = condition(["tier-upgrade-poland"], pool=2_000)
>>> given.ess > 100, given.holds
(True, {'tier-upgrade-poland: signed by the US and Poland': 1.0})
>>> nothing = condition(Record(), pool=2_000)
>>> import numpy as np
>>> deal = deals.load("chips-for-farm-purchases")
>>> from deals.audit.leverage import sample_values
>>> all(np.array_equal(v, sample_values(deal, 50, 0)[k])
...     for k, v in nothing.values_for(deal, 50, 0).items())
True
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from deals.audit.leverage import accepts, gains, sample_values
from deals.deal.model import Deal
from deals.errors import DealError
from deals.record.events import Event, Record, library_record, load_record
from games.decisions.conditioning import ESS_FLOOR, Conditioning
from games.decisions.conditioning import condition as condition_sample
from games.errors import ParameterError
from games.results import TabularResult

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd

#: Parameters that describe one partner, not the world: drawn per deal, never shared.
PER_PARTNER = frozenset({
    "demand",            # the partner's own demand for compute
    "value_multiple",    # what the first chips are worth to this partner
    "discount_partner",  # this partner's patience
    "compliance_cost", "enforcement_cost", "invest_cost",  # this partner's costs
    "china_stakes",      # this partner's China holdings
    "divest_worth",      # what this partner's divestment is worth to the US
    "p_divert",          # this partner's diversion risk (where no safeguard level is named)
    "cap", "cap_in_force",  # the rule's cap as it applies to this partner
    "p_opportunist", "realisation", "alignment_stake", "snapback_penalty",
})
#: Prior draws weighted by default: the record's events cost one utility evaluation per draw.
POOL = 50_000
#: Most prior draws a conditioning takes (each deal's pool is held in memory while weighted).
MAX_POOL = 1_000_000


def check_pool(pool: Any, floor: Any) -> tuple[int, float]:
    """The pool (a whole number of draws, 1 to MAX_POOL) and the effective-sample floor (a
    finite number >= 0), or one line saying what is expected.

    >>> check_pool(10, 0)
    (10, 0.0)
    >>> check_pool(10, float("nan"))
    Traceback (most recent call last):
    ...
    deals.errors.DealError: floor: expected a finite number of draws >= 0, got nan
    """
    if isinstance(pool, (bool, np.bool_)) or not isinstance(pool, (int, np.integer)) \
            or not 1 <= pool <= MAX_POOL:
        raise DealError(f"pool: expected a whole number of draws from 1 to {MAX_POOL:,}, "
                        f"got {pool!r}")
    if isinstance(floor, (bool, np.bool_)) or not isinstance(floor, (int, float, np.number)) \
            or not np.isfinite(floor) or floor < 0:
        raise DealError(f"floor: expected a finite number of draws >= 0, got {floor!r}")
    return int(pool), float(floor)


class RecordConflict(DealError):
    """The record cannot be rationalised by the files' ranges (effective sample below the floor).

    See :meth:`Conditioned.values_for`, which raises it with the parameters in conflict."""


def pool_values(deal: Deal, pool: int, seed: int | None) -> dict[str, np.ndarray]:
    """The pool's draws of every parameter of ``deal`` (its setting's bound values fixed):
    shared names from one stream per name, the :data:`PER_PARTNER` names per deal."""
    values = {name: p.sample(pool, seed, scope=deal.name if name in PER_PARTNER else None)
              for name, p in deal.parameters.items()}
    for name, value in deal.bound.items():
        values[name] = np.full(pool, float(value))
    return values


def event_margins(event: Event, values: Mapping[str, np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per draw: whether the event holds, and by how much (each side's gain in units of its
    median absolute gain; the least over the sides the event names, >= 0 where it holds)."""
    deal, terms = event.setting()
    d = deal.disagreement(values)
    g = gains(deal, terms, values, d)
    n = len(next(iter(values.values())))
    holds, margin = np.ones(n, dtype=bool), np.full(n, np.inf)
    for side, sign in [(s, 1.0) for s in event.signed] + [(s, -1.0) for s in event.refused]:
        k = 0 if side == "supplier" else 1
        gain = np.broadcast_to(np.asarray(g[k], dtype=float), (n,))
        ok = accepts(gain, np.broadcast_to(np.asarray(d[k], dtype=float), (n,)))
        holds &= ok if sign > 0 else ~ok
        scale = float(np.median(np.abs(gain))) or 1.0
        margin = np.minimum(margin, sign * gain / scale)
    return holds, margin


@dataclass(frozen=True, eq=False)
class Conditioned(TabularResult):
    """A record's weights over a pool of draws; ``values_for(deal, draws, seed)`` gives any
    deal's audit its draws given the record. Made by :func:`condition`.

    See :func:`condition` for an example."""

    record: Record
    pool: int
    seed: int | None
    conditioning: Conditioning | None
    deals: Mapping[str, Deal] = field(default_factory=dict, repr=False)

    @property
    def empty(self) -> bool:
        """True when the record holds no event (then nothing changes)."""
        return self.conditioning is None

    @property
    def ess(self) -> float:
        """Effective sample size of the weights (the pool's size when the record is empty)."""
        return float(self.pool) if self.empty else self.conditioning.ess

    @property
    def rationalised(self) -> bool:
        return self.empty or self.conditioning.rationalised

    @property
    def holds(self) -> dict[str, float]:
        """The share of the pool's draws in which each event holds on its own."""
        return {} if self.empty else dict(self.conditioning.holds)

    def quantile(self, name: str, q: Any, *, prior: bool = False) -> Any:
        """Quantile ``q`` of a parameter given the record (``prior``: on the files' ranges).
        A partner's own parameter is named with its deal, e.g. ``"demand (microsoft-g42)"``.

        >>> given = condition(["microsoft-g42"], pool=5_000)
        >>> given.quantile("china_retaliation", 0.5) <= given.quantile(
        ...     "china_retaliation", 0.5, prior=True)   # G42 signed: retaliation was bearable
        True
        """
        if self.empty:
            raise DealError("the record is empty: nothing to take a quantile of; use the "
                            "parameter's own range")
        return self.conditioning.quantile(name, q, prior=prior)

    def refusal(self) -> str:
        """Why the record cannot be rationalised, in one line ('' when it can)."""
        if self.rationalised:
            return ""
        return f"{self.record.source}: " + self.conditioning.refusal().replace(
            "the events cannot", "the record cannot")

    def values_for(self, deal: Deal, draws: int, seed: int | None = 0) -> dict[str, np.ndarray]:
        """``draws`` parameter draws of ``deal`` (in its setting) given the record.

        With an empty record these are :func:`deals.audit.leverage.sample_values` exactly; otherwise
        the pool's draws of the deal resampled by the record's weights. Refuses with a
        :class:`RecordConflict` naming the parameters in conflict when the record cannot be
        rationalised."""
        if self.empty:
            return sample_values(deal, draws, seed)
        if not self.rationalised:
            raise RecordConflict(self.refusal())
        rows = self.conditioning.resample(draws, seed)
        return {k: v[rows] for k, v in pool_values(deal, self.pool, self.seed).items()}

    def summary(self) -> dict[str, Any]:
        """Plain data for an audit's settings: the record, pool, effective sample, events."""
        owners = [e.deal.name for e in self.record.events]
        return {"record": self.record.source, "events": len(self.record), "pool": self.pool,
                "effective_sample": self.ess, "floor": ESS_FLOOR if self.empty
                else self.conditioning.floor,
                "holds": [{"event": label, "deal": deal, "share": share} for (label, share), deal
                          in zip(self.holds.items(), owners)]}

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        if self.empty:
            return pd.DataFrame()
        return self.conditioning.to_frame()

    def caption(self) -> str:
        if self.empty:
            return "conditioned on nothing: the files' ranges as they are"
        n = len(self.record)
        return (f"given {self.record.source} ({n} event{'s' * (n != 1)}): "
                + self.conditioning.caption())


def as_record(given: Any) -> Record:
    """A record from a Record, a deal or several (their ``[outcome]``s), a record file's path,
    or ``"record"`` / None (the library's struck deals)."""
    if given is None or given == "record":
        return library_record()
    if isinstance(given, Record):
        return given
    if isinstance(given, Deal):
        return library_record([given])
    if isinstance(given, (str, os.PathLike)):
        return load_record(given)
    if isinstance(given, Iterable):
        return library_record(list(given))
    raise DealError(f"given: expected 'record', a record file, a deal or a list of deals, got "
                    f"{type(given).__name__}")


@dataclass(frozen=True, eq=False)
class EvaluatedRecord:
    """Every event of a record evaluated once on the pool: whether it holds in each draw, its
    margin, and the parameters' draws; :meth:`conditioned` weights them (all events, or all
    but one deal's: the backtest's leave-one-out reuses one evaluation)."""

    record: Record
    pool: int
    seed: int | None
    holds: Mapping[str, np.ndarray]
    margins: Mapping[str, np.ndarray]
    owners: Mapping[str, str]
    sample: Mapping[str, np.ndarray]

    def conditioned(self, floor: float = ESS_FLOOR, *, leave_out: str | None = None
                    ) -> Conditioned:
        """The conditioned distribution, on every event but those on deal ``leave_out``."""
        record = self.record if leave_out is None else self.record.without(leave_out)
        if not len(record):
            return Conditioned(record, self.pool, self.seed, None)
        kept = [k for k in self.holds if self.owners[k] != leave_out]
        try:
            found = condition_sample(self.sample, {k: self.holds[k] for k in kept},
                                     margins={k: self.margins[k] for k in kept}, floor=floor)
        except ParameterError as exc:
            raise DealError(f"condition: {exc}") from None
        deals = {e.deal.name: e.deal for e in record.events}
        return Conditioned(record, self.pool, self.seed, found, deals)


def evaluate(record: Record, pool: int = POOL, seed: int | None = 0) -> EvaluatedRecord:
    """Each event of ``record`` on ``pool`` prior draws (see :class:`EvaluatedRecord`)."""
    pool = check_pool(pool, 0)[0]
    holds, margins, owners, sample = {}, {}, {}, {}
    for event in record.events:
        deal = event.setting()[0]
        values = pool_values(deal, pool, seed)
        label = event.label
        while label in holds:  # the same terms twice on the record: one event each
            label += "'"
        holds[label], margins[label] = event_margins(event, values)
        owners[label] = event.deal.name
        for name, p in deal.parameters.items():
            if name in deal.bound or p.range is None or p.low == p.high:
                continue
            key = f"{name} ({deal.name})" if name in PER_PARTNER else name
            sample.setdefault(key, values[name])
    return EvaluatedRecord(record, int(pool), seed, holds, margins, owners, sample)


def condition(given: Any = None, *, pool: int = POOL, seed: int | None = 0,
              floor: float = ESS_FLOOR) -> Conditioned:
    """The parameter distribution given a record (see :func:`as_record` for ``given``).

    Parameters
    ----------
    given : Record, Deal, iterable of Deal, str, os.PathLike or None, default None
        The record to condition on: a :class:`Record`, a deal or several (their
        ``[outcome]``), a record file's path, or ``"record"`` / None (the library's
        struck deals).
    pool : int, default 50,000
        Prior draws (worlds shared by every deal) on which each event of the record is
        evaluated.
    seed : int or None, default 0
        Seed of the prior draws.
    floor : float, default 100
        Fewest effective draws (the conditioned weights' effective sample size) for the
        record to count as rationalised; below it the conditioning says the record
        cannot be explained by the files' ranges.

    Examples
    --------
    >>> import deals
    >>> given = deals.condition(["microsoft-g42"], pool=5_000)
    >>> given.ess == 5_000 * given.conditioning.joint, given.rationalised  # worlds G42 signs in
    (True, True)
    >>> audit = deals.assess("chips-for-farm-purchases", draws=200, given=given, detail=False)
    >>> audit.settings["given"]["events"]
    1

    Every event is evaluated on ``pool`` prior draws (one row = one world shared by every
    deal); a row keeps weight 1 if every event holds in it, else 0. The result's
    ``values_for(deal, draws, seed)`` feeds :func:`deals.assess` (``given=``). With the
    default pool and floor, a record that holds in fewer than 0.2% of the prior's worlds
    cannot be rationalised.
    """
    pool, floor = check_pool(pool, floor)
    record = as_record(given)
    if not len(record):
        return Conditioned(record, int(pool), seed, None)
    return evaluate(record, pool, seed).conditioned(floor)
