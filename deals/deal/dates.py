"""Dated deal files: a parameter's earlier readings and the date terms became known.

A parameter may say from when its reading holds (``as_of``) and list the readings before it
(``history``, oldest first; each an ``as_of`` and the fields that differed then: ``value``,
``range``, ``distribution``, ``source``). A ``[proposal]``, ``[outcome]`` or ``[belief]`` may
carry ``as_of`` (the date it was made, struck or held)::

    [parameters.harm]
    value = 15.0
    range = [5.0, 40.0]
    as_of = 2025-12-08
    history = [{ as_of = 2025-05-13, value = 20.0, range = [5.0, 60.0] }]

    [outcome]
    as_of = 2025-11-09
    terms = { chips = 88_000 }

:func:`as_stood` turns such a document into the plain one the schema reads, as it stood on a
date (None: today's readings): each parameter at its latest reading by then (its earliest if
the date precedes them all), and terms dated after it left out.

>>> doc = {"parameters": {"h": {"value": 15.0, "range": [5.0, 40.0], "as_of": "2025-12-08",
...        "history": [{"as_of": "2025-05-13", "value": 20.0, "range": [5.0, 60.0]}]}},
...        "outcome": {"as_of": "2025-11-09", "terms": {"chips": 1.0}}}
>>> import datetime as dt
>>> then = as_stood(doc, dt.date(2025, 6, 1))
>>> then["parameters"]["h"]["value"], "outcome" in then
(20.0, False)
>>> as_stood(doc)["parameters"]["h"]["range"], as_stood(doc)["outcome"]
([5.0, 40.0], {'terms': {'chips': 1.0}})
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from deals.errors import DealFileError

#: Fields a parameter's earlier reading may change (its unit stays what it measures).
READING_FIELDS = ("value", "range", "distribution", "source")
#: Tables of terms that may carry the date they became known.
DATED_TERMS = ("proposal", "outcome", "belief")


def parse_date(value: Any, field: str, path: str = "<text>", *,
               today: dt.date | None = None) -> dt.date:
    """A date of a deal file or a command: a TOML date or 'YYYY-MM-DD', not in the future.

    >>> parse_date("2025-05-13", "as_of")
    datetime.date(2025, 5, 13)
    >>> parse_date("2999-01-01", "as_of", "x.toml")
    Traceback (most recent call last):
    ...
    deals.errors.DealFileError: x.toml: as_of: 2999-01-01 is in the future; a date on the record is one that has passed
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise DealFileError(f"{value!r} is not a date; write YYYY-MM-DD", path=path,
                                field=field) from None
    if not isinstance(value, dt.date):
        raise DealFileError(f"expected a date (YYYY-MM-DD), got {value!r}", path=path,
                            field=field)
    if value > (today or dt.date.today()):
        raise DealFileError(f"{value.isoformat()} is in the future; a date on the record is "
                            "one that has passed", path=path, field=field)
    return value


def is_dated(doc: Mapping[str, Any]) -> bool:
    """Whether a deal document carries any date (a plain one passes through untouched)."""
    params = doc.get("parameters")
    if isinstance(params, Mapping) and any(isinstance(p, Mapping) and
                                           ("as_of" in p or "history" in p)
                                           for p in params.values()):
        return True
    return any(isinstance(doc.get(t), Mapping) and "as_of" in doc[t] for t in DATED_TERMS)


def readings(name: str, spec: Mapping[str, Any], path: str
             ) -> list[tuple[dt.date | None, dict[str, Any]]]:
    """A parameter's readings, oldest first: (from when, the plain table then)."""
    where = f"parameters.{name}"
    current = {k: v for k, v in spec.items() if k not in ("as_of", "history")}
    since = parse_date(spec["as_of"], f"{where}.as_of", path) if "as_of" in spec else None
    history = spec.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, Mapping) for h in history):
        raise DealFileError("write the earlier readings as a list of tables, e.g. history = "
                            "[{ as_of = 2025-05-13, value = 20.0 }]", path=path,
                            field=f"{where}.history")
    if history and since is None:
        raise DealFileError("a parameter with a history needs the date its reading holds from "
                            "(as_of)", path=path, field=f"{where}.as_of")
    out: list[tuple[dt.date | None, dict[str, Any]]] = []
    for k, entry in enumerate(history):
        at = f"{where}.history[{k}]"
        unknown = sorted(set(entry) - {"as_of", *READING_FIELDS})
        if unknown:
            raise DealFileError(f"unknown key {unknown[0]!r}; an earlier reading has as_of and "
                                f"some of {', '.join(READING_FIELDS)}", path=path,
                                field=f"{at}.{unknown[0]}")
        if "as_of" not in entry:
            raise DealFileError("an earlier reading needs its date (as_of)", path=path,
                                field=f"{at}.as_of")
        date = parse_date(entry["as_of"], f"{at}.as_of", path)
        if out and date <= out[-1][0]:
            raise DealFileError(f"{date.isoformat()} is not after the reading before it "
                                f"({out[-1][0].isoformat()}); list the readings oldest first",
                                path=path, field=f"{at}.as_of")
        table = {**current, **{k2: v for k2, v in entry.items() if k2 != "as_of"}}
        out.append((date, table))
    if out and since <= out[-1][0]:
        raise DealFileError(f"{since.isoformat()} is not after the last earlier reading "
                            f"({out[-1][0].isoformat()}); a parameter's as_of is when its "
                            "current reading began", path=path, field=f"{where}.as_of")
    out.append((since, current))
    return out


def as_stood(doc: Mapping[str, Any], date: dt.date | None = None, path: str = "<text>"
             ) -> dict[str, Any]:
    """The plain document as it stood on ``date`` (None: today's readings); see the module."""
    if not is_dated(doc):
        return doc  # type: ignore[return-value]
    out = copy.deepcopy(dict(doc))
    params = out.get("parameters")
    if isinstance(params, dict):
        for name, spec in params.items():
            if not isinstance(spec, Mapping) or not ("as_of" in spec or "history" in spec):
                continue
            found = readings(name, spec, path)
            chosen = found[0][1] if date is not None else found[-1][1]
            if date is not None:
                for since, table in found:
                    if since is None or since <= date:
                        chosen = table
            params[name] = chosen
    for key in DATED_TERMS:
        table = out.get(key)
        if isinstance(table, dict) and "as_of" in table:
            since = parse_date(table.pop("as_of"), f"{key}.as_of", path)
            if date is not None and since > date:
                del out[key]
    stages = out.get("stages")
    staged = stages.get("terms", "proposal") if isinstance(stages, dict) else None
    if staged in DATED_TERMS and staged not in out:
        del out["stages"]  # staged terms not yet made or struck: no plan to stage them then
    return out
