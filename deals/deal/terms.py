"""The pieces of a deal: issues, stances, terms on the table and a drafter's belief.

Each validates itself when built and names the deal-file field of any mistake
(``issues.chips.range: ...``), so a file loader only has to add the file name.

>>> Issue("chips", (0, 100), giver="supplier").check(150, "proposal.terms.chips")
Traceback (most recent call last):
...
deals.errors.DealError: proposal.terms.chips: 150 is outside the range [0, 100] of issue 'chips'; use a value inside it or widen the range
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from deals.errors import DealError
from games.errors import listing
from games.parameters import WIDEST_RANGE

SIDES = ("supplier", "partner")
_TOL = 1e-9


def check_side(side: str, where: str) -> None:
    """Refuse a side that is not ``"supplier"`` or ``"partner"``; ``where`` names the field.

    >>> check_side("partner", "stances.partner")
    >>> check_side("buyer", "stances.buyer")
    Traceback (most recent call last):
    ...
    deals.errors.DealError: stances.buyer: 'buyer' is not a party; use 'supplier' or 'partner'
    """
    if side not in SIDES:
        raise DealError(f"{where}: {side!r} is not a party; use 'supplier' or 'partner'")


def side_tables(table: Mapping[str, Any], section: str, fail: Callable[[str, str], Exception],
                write: str, expected: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Each side's sub-table of a file's per-side table (``[actors]``, ``[beliefs]``), as
    (side, field name, table); a key that is not a side, or a value that is not a table, is
    refused through ``fail(field, message)`` with ``write`` and ``expected`` as the advice.

    >>> [side for side, _, _ in side_tables({"partner": {}}, "actors", ValueError, "", "")]
    ['partner']
    """
    for side, spec in table.items():
        where = f"{section}.{side}"
        if side not in SIDES:
            raise fail(where, f"{section} belong to 'supplier' or 'partner'; write {write}")
        if not isinstance(spec, Mapping):
            raise fail(where, expected)
        yield side, where, spec


@dataclass(frozen=True)
class Issue:
    """A negotiable quantity: its range, unit and the side that gives it.

    >>> Issue("divest", (0.0, 1.0), giver="partner", unit="share").status_quo
    0.0
    """

    name: str
    range: tuple[float, float]
    giver: str
    unit: str = ""
    description: str = ""
    levels: tuple[float, ...] | None = None
    default: float | None = None

    def __post_init__(self) -> None:
        where = f"issues.{self.name}"
        check_side(self.giver, f"{where}.giver")
        try:
            lo, hi = (float(v) for v in self.range)
        except (TypeError, ValueError):
            raise DealError(f"{where}.range: give [low, high] as two numbers, got "
                            f"{self.range!r}") from None
        # The grids and the offers of the solvers multiply widths by widths: past 1e150 apart
        # that overflowed into a benchmark of n/a and a best ask of 0, said in warnings only.
        if not (math.isfinite(lo) and math.isfinite(hi) and hi - lo <= WIDEST_RANGE):
            raise DealError(f"{where}.range: bounds must be finite numbers at most "
                            f"{WIDEST_RANGE:g} apart, got {self.range}; use a larger unit")
        if lo > hi:
            raise DealError(f"{where}.range: lower bound {lo:g} is above upper bound {hi:g}; "
                            "swap them")
        object.__setattr__(self, "range", (lo, hi))
        if self.levels is not None:
            levels = tuple(sorted(float(v) for v in self.levels))
            if not levels:
                raise DealError(f"{where}.levels: give at least one level, or drop the field "
                                "for a continuous issue")
            for v in levels:
                if not (lo - _TOL <= v <= hi + _TOL):
                    raise DealError(f"{where}.levels: {v:g} is outside the range "
                                    f"[{lo:g}, {hi:g}]")
            object.__setattr__(self, "levels", levels)
        if self.default is not None:
            object.__setattr__(self, "default", float(self.default))
            self.check(self.default, f"{where}.default")

    @property
    def discrete(self) -> bool:
        """True when the issue takes only the listed ``levels``."""
        return self.levels is not None

    @property
    def status_quo(self) -> float:
        """The value when nobody agrees to anything: ``default``, else the lower bound."""
        return self.range[0] if self.default is None else self.default

    def check(self, value: float, where: str) -> float:
        """Return ``value`` as a float if it is a value this issue can take, else raise."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise DealError(f"{where}: {value!r} is not a number") from None
        lo, hi = self.range
        span = max(1.0, abs(lo), abs(hi))
        if not (lo - _TOL * span <= v <= hi + _TOL * span):
            raise DealError(f"{where}: {v:g} is outside the range [{lo:g}, {hi:g}] of issue "
                            f"{self.name!r}; use a value inside it or widen the range")
        if self.levels is not None and min(abs(v - x) for x in self.levels) > _TOL * span:
            raise DealError(f"{where}: {v:g} is not one of the levels {listing(self.levels)} of "
                            f"issue {self.name!r}")
        return v


@dataclass(frozen=True)
class Stance:
    """A named strategy of one side: values of issues it gives, or walking away.

    >>> Stance("deny", "supplier", walk_away=True).label
    'deny'
    """

    name: str
    side: str
    fixes: Mapping[str, float] = field(default_factory=dict)
    walk_away: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        check_side(self.side, f"stances.{self.side}")
        object.__setattr__(self, "fixes", {k: float(v) for k, v in self.fixes.items()})
        if self.walk_away and self.fixes:
            raise DealError(f"stances.{self.side}.{self.name}: a stance that walks away fixes "
                            "no issues; drop the issue values or walk_away")

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Terms:
    """Values of some issues, with what they are and where they come from.

    Used for the proposal on the table and for the deal as actually struck. ``setting`` gives
    parameter values in force when these terms were on the table (e.g. a status quo before a
    penalty tariff), so terms from different dates are audited against their own baseline;
    ``disputed`` gives another reading of some issues (e.g. a commitment one side denies).
    ``imposed`` names the side that set the terms alone (``"supplier"`` or ``"partner"``; empty
    when they were bargained): imposed terms are not audited as a bargain. ``rests_on`` names
    the parameters (judgements) the verdict on these terms rests on. For the deal as struck,
    what the record shows of it (read by :func:`deals.backtest`): ``unsettled`` names issues
    the struck deal did not settle (set by other instruments, e.g. other firms' licences);
    ``first_tranche`` says the terms are the first tranche of the deal's ``[stages]`` plan, not
    its end state; ``explained`` maps an issue to the sourced reason (citing the record) why
    the struck level lies where the model's benchmark does not go.

    >>> Terms({"oil_shift": 1.0}, disputed={"oil_shift": 0.3}).reading(disputed=True)
    {'oil_shift': 0.3}
    """

    values: Mapping[str, float]
    description: str = ""
    source: str = ""
    setting: Mapping[str, float] = field(default_factory=dict)
    disputed: Mapping[str, float] = field(default_factory=dict)
    imposed: str = ""
    rests_on: tuple[str, ...] = ()
    unsettled: tuple[str, ...] = ()
    first_tranche: bool = False
    explained: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in ("values", "setting", "disputed"):
            object.__setattr__(self, key, {k: float(v) for k, v in getattr(self, key).items()})
        object.__setattr__(self, "rests_on", tuple(self.rests_on))
        object.__setattr__(self, "unsettled", tuple(self.unsettled))
        object.__setattr__(self, "explained", {k: str(v) for k, v in self.explained.items()})
        if self.imposed:
            check_side(self.imposed, "imposed")

    def reading(self, *, disputed: bool = False) -> dict[str, float]:
        """The issue values as stated, or with the disputed issues at their other reading."""
        return {**self.values, **(self.disputed if disputed else {})}


@dataclass(frozen=True)
class Belief:
    """The parameter values the drafter of a proposal assumed (a deal file's ``[belief]``).

    :meth:`Deal.at_belief` binds the deal at these values; the other parameters keep theirs.

    >>> import deals
    >>> deal = deals.load("gulf-divestment-uae")
    >>> believed = deal.at_belief().values()
    >>> all(believed[name] == value for name, value in deal.belief.values.items())
    True
    """

    values: Mapping[str, float]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", {k: float(v) for k, v in self.values.items()})
