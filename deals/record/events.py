"""What the parties did: the record a model is conditioned on, one event per decision.

An :class:`Event` says that, on some terms of one deal, some sides signed (each side's gain
over its outside option was >= 0 there) and/or some refused (its gain was < 0). The library's
own record is every deal's ``[outcome]``, signed by both sides (:func:`library_record`); a
record file adds refusals or other terms (:func:`load_record`)::

    # record.toml
    [[event]]
    deal = "gulf-divestment-uae"     # a library name, or a .toml file beside this one
    terms = "outcome"                # the deal as struck, or a table of issue values
    signed = ["supplier", "partner"]
    as_of = 2025-11-09

    [[event]]
    deal = "gulf-divestment-saudi"
    terms = { chips = 1_100_000, divest = 1.0 }
    refused = ["partner"]

>>> record = library_record(["tier-upgrade-poland", "chips-for-farm-purchases"])
>>> [e.label for e in record.events]
['tier-upgrade-poland: signed by the US and Poland']
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from deals.audit.verdicts import the
from deals.deal.dates import parse_date
from deals.deal.files import load
from deals.deal.reading import library_names, parse_toml, read_file
from deals.deal.model import SIDES, Deal
from deals.errors import DealError, DealFileError
from deals.views.output import people

_EVENT_KEYS = ("deal", "terms", "signed", "refused", "as_of", "note")
#: Most events a record file may hold. Each is weighed in every world of the pool (about 30 ms
#: an event); the library's record has one per struck deal, 7, and a megabyte of events kept
#: assess busy for minutes.
MAX_EVENTS = 500


@dataclass(frozen=True, eq=False)
class Event:
    """One decision on the record: on ``terms`` of ``deal`` (None: its ``[outcome]``), the sides
    in ``signed`` accepted and those in ``refused`` did not.

    >>> import deals
    >>> saudi = deals.load("gulf-divestment-saudi")
    >>> Event(saudi, {"chips": 1_100_000}, signed=(), refused=("partner",)).label
    'gulf-divestment-saudi (chips 1,100,000): refused by Saudi Arabia'
    """

    deal: Deal
    terms: Mapping[str, float] | None = None
    signed: tuple[str, ...] = SIDES
    refused: tuple[str, ...] = ()
    as_of: dt.date | None = None
    note: str = ""

    def __post_init__(self) -> None:
        for field in ("signed", "refused"):
            sides = tuple(getattr(self, field))
            bad = [s for s in sides if s not in SIDES]
            if bad:
                raise DealError(f"record event on {self.deal.name}: {field}: unknown side "
                                f"{bad[0]!r}; use 'supplier' or 'partner'")
            object.__setattr__(self, field, sides)
        if not self.signed and not self.refused:
            raise DealError(f"record event on {self.deal.name}: say which side signed or refused")
        if set(self.signed) & set(self.refused):
            raise DealError(f"record event on {self.deal.name}: a side cannot both sign and "
                            "refuse the same terms")
        self.setting()  # unknown issues and out-of-range terms are refused here

    def setting(self) -> tuple[Deal, dict[str, float]]:
        """The deal in the setting of these terms (its own status quo), and every issue's value."""
        if self.terms is None:
            return self.deal.at_terms("outcome")
        return self.deal, self.deal.outcome_values(self.terms)

    @property
    def label(self) -> str:
        """The event in words, e.g. 'microsoft-g42: signed by the US and G42'."""
        def who(sides: tuple[str, ...]) -> str:
            return " and ".join(the(self.deal.party(s)) for s in sides)

        parts = ([f"signed by {who(self.signed)}"] if self.signed else []) + \
                ([f"refused by {who(self.refused)}"] if self.refused else [])
        terms = "" if self.terms is None else " (" + ", ".join(
            f"{k} {people(float(v))}" for k, v in self.terms.items()) + ")"
        return f"{self.deal.name}{terms}: {', '.join(parts)}"


@dataclass(frozen=True, eq=False)
class Record:
    """The events a model is conditioned on (empty: no conditioning at all).

    >>> len(Record()), library_record().without("microsoft-g42").deal_names[:2]
    (0, ('allied-sme-netherlands', 'gulf-divestment-saudi'))
    """

    events: tuple[Event, ...] = ()
    source: str = "the library's struck deals"

    def __len__(self) -> int:
        return len(self.events)

    @property
    def deal_names(self) -> tuple[str, ...]:
        """The deals the record speaks about, each once, in order."""
        return tuple(dict.fromkeys(e.deal.name for e in self.events))

    def without(self, name: str) -> "Record":
        """The record with every event on deal ``name`` left out (leave one deal out)."""
        return replace(self, events=tuple(e for e in self.events if e.deal.name != name),
                       source=f"{self.source}, without {name}")

    def until(self, date: dt.date) -> "Record":
        """The events known on ``date`` (undated events are always known)."""
        return replace(self, events=tuple(e for e in self.events
                                          if e.as_of is None or e.as_of <= date),
                       source=f"{self.source}, as of {date.isoformat()}")


def library_record(names: Iterable[str | Deal] | None = None) -> Record:
    """Every deal's ``[outcome]`` as an event signed by both sides (default: the library).

    See the module's example.

    Parameters
    ----------
    names : iterable of str or Deal, or None, default None
        The deals whose ``[outcome]`` become events signed by both sides (library names,
        paths or :class:`Deal` objects); None: every deal in the library.
    """
    chosen = list(library_names() if names is None else names)
    events = []
    for item in chosen:
        deal = item if isinstance(item, Deal) else load(item)
        if deal.outcome is not None:  # dated files: load them as of a date to leave out later ones
            events.append(Event(deal))
    return Record(tuple(events))


def load_record(path: str | os.PathLike[str]) -> Record:
    """Read a record file (see the module's example); every mistake names the file and field.

    See :mod:`deals.record.events` for the file's form.

    Parameters
    ----------
    path : str or os.PathLike
        The record file (TOML; see :mod:`deals.record.events`).
    """
    text = str(path)
    doc = parse_toml(read_file(Path(text), text, "record"), text)
    unknown = sorted(set(doc) - {"event"})
    if unknown:
        raise DealFileError(f"unknown table {unknown[0]!r}; a record holds [[event]] tables",
                            path=text, field=unknown[0])
    items = doc.get("event", [])
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise DealFileError("write each event as an [[event]] table", path=text, field="event")
    if len(items) > MAX_EVENTS:
        raise DealFileError(f"{len(items):,} events, more than {MAX_EVENTS}; keep the signatures "
                            "and refusals that inform the audit", path=text, field="event")
    events = []
    for k, item in enumerate(items):
        where = f"event[{k}]"
        bad = sorted(set(item) - set(_EVENT_KEYS))
        if bad:
            raise DealFileError(f"unknown key {bad[0]!r}; an event has {', '.join(_EVENT_KEYS)}",
                                path=text, field=f"{where}.{bad[0]}")
        name = item.get("deal")
        if not isinstance(name, str) or not name:
            raise DealFileError("name the deal (a library name or a .toml file)", path=text,
                                field=f"{where}.deal")
        if name.endswith(".toml") and not os.path.isabs(name):
            name = str(Path(text).parent / name)
        try:
            deal = load(name)
        except DealFileError as exc:
            raise DealFileError(f"{exc.path}: {exc.reason}", path=text,
                                field=f"{where}.deal") from None
        terms = item.get("terms", "outcome")
        if terms == "outcome":
            if deal.outcome is None:
                raise DealFileError(f"deal {deal.name!r} has no [outcome]; give the terms as a "
                                    "table of issue values", path=text, field=f"{where}.terms")
            terms = None
        elif isinstance(terms, dict):
            issues = {i.name for i in deal.issues}
            for issue, value in terms.items():
                if issue not in issues:
                    raise DealFileError(f"unknown issue {issue!r} of deal {deal.name!r}; its "
                                        f"issues are {', '.join(sorted(issues))}", path=text,
                                        field=f"{where}.terms.{issue}")
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise DealFileError(f"expected a number, got {value!r}", path=text,
                                        field=f"{where}.terms.{issue}")
                try:  # inside the issue's range (NaN is not): the audit bound terms outside it
                    deal.issue(issue).check(value if isinstance(value, float) or abs(value)
                                            < 10**300 else math.inf, "")
                except DealError as exc:
                    raise DealFileError(str(exc).removeprefix(": "), path=text,
                                        field=f"{where}.terms.{issue}") from None
        else:
            raise DealFileError("terms: write \"outcome\" or a table of issue values", path=text,
                                field=f"{where}.terms")
        sides = {}
        for field in ("signed", "refused"):
            value = item.get(field, [])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or any(v not in SIDES for v in value):
                raise DealFileError(f"a list of sides, 'supplier' and/or 'partner', got "
                                    f"{value!r}", path=text, field=f"{where}.{field}")
            sides[field] = tuple(value)
        as_of = item.get("as_of")
        if as_of is not None:
            as_of = parse_date(as_of, f"{where}.as_of", text)
        try:
            events.append(Event(deal, terms, sides["signed"], sides["refused"], as_of,
                                str(item.get("note", ""))))
        except DealFileError:
            raise
        except DealError as exc:
            raise DealFileError(str(exc), path=text, field=where) from None
    return Record(tuple(events), source=text)
