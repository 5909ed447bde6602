"""The record of facts the deal files cite: one frozen :class:`Fact` per row of ``facts.toml``.

API (small on purpose; other modules read the record only through these names):

- ``facts(path=None) -> tuple[Fact, ...]``: every fact, in file order (the packaged record by
  default; a path reads another record file, e.g. in tests). Cached per path.
- ``fact(fact_id, path=None) -> Fact``: one fact by id (``"b5"``); an unknown id raises
  :class:`deals.errors.RecordError` naming the nearest ids.
- ``citations(text) -> tuple[str, ...]``: the ids a text cites, in order, ranges expanded.
  A citation is the word ``record`` and ids: ``record b5``, ``record b5, b7``,
  ``record b1-b3``, ``record d1 and d9``. Nothing is checked here.
- ``check_citations(text, where, path=None) -> tuple[Fact, ...]``: the cited facts; an id the
  record does not hold raises RecordError naming ``where`` (a file and field).
- ``compiled(path=None) -> datetime.date``: the date the record was compiled (no fact is
  dated after it; a date later than this is in the record's future).
- ``RECORD_PATH``: the packaged record, ``deals/record/facts.toml``.

A :class:`Fact` has ``id``, ``date`` (ISO: ``2025``, ``2025-05`` or ``2025-05-13``: when it
happened or was reported), ``until`` (end of a period, or None), ``value`` (a number, or text
for a fact that is not one number), ``range`` (low, high) or None, ``unit``, ``measures`` (what
the number is), ``source`` (a link or a reference a reader can follow), ``confidence``
(``high``, ``medium``, ``low``), ``kind`` (``reported``: a source states it; ``article``: only
the article states it; ``derived``: arithmetic on the rows in ``see``; ``judgement``: a
modelling judgement, its range deliberately wide), ``see`` (related ids), ``checked`` (the date a
source was last looked up, or None for rows carried over from the 2026-11 fact sheet unchecked)
and ``detail`` (the rest of the row). ``Fact.judgement`` is True for judgement rows and
``Fact.start`` is the first day of ``date`` as a :class:`datetime.date`.

Every malformed row raises RecordError naming the file and field (``facts.b5.date``); a fact
dated after the record's ``compiled`` date, or a ``compiled`` date after today, is refused.

>>> f = fact("b4")
>>> f.value, f.unit
(1400.0, '$bn pledged over 10 years')
>>> citations("up to 1.1M H100e (record b1-b2, a15 and d3)")
('b1', 'b2', 'a15', 'd3')
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deals.errors import RecordError

RECORD_PATH = Path(__file__).resolve().with_name("facts.toml")

KINDS = ("reported", "article", "derived", "judgement")
CONFIDENCE = ("high", "medium", "low")
_ID = re.compile(r"^[a-z]\d+$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_ITEM = r"[a-z]\d+(?:-[a-z]?\d+)?"
_RANGE = re.compile(r"^([a-z])(\d+)-([a-z]?)(\d+)$")
_CITATION = re.compile(rf"\brecord ({_ITEM}(?:(?:, ?| and ){_ITEM})*)\b")
_REQUIRED = {"date": str, "value": (int, float, str), "unit": str, "measures": str,
             "source": str, "confidence": str, "kind": str}
_OPTIONAL = {"until": str, "range": list, "see": list, "checked": str, "detail": str}


@dataclass(frozen=True)
class Fact:
    """One row of the record: a dated, sourced value (see the module docstring for fields)."""

    id: str
    date: str
    value: float | str
    unit: str
    measures: str
    source: str
    confidence: str
    kind: str
    until: str | None = None
    range: tuple[float, float] | None = None
    see: tuple[str, ...] = ()
    checked: str | None = None
    detail: str = ""

    @property
    def judgement(self) -> bool:
        """True for a modelling judgement (its range is wide on purpose), not a sourced fact."""
        return self.kind == "judgement"

    @property
    def start(self) -> dt.date:
        """The first day of ``date`` (``2025-05`` is 1 May 2025)."""
        return parse_date(self.date)

    def value_text(self) -> str:
        """The value with its unit and range, for people: ``1,400 $bn pledged ... [..]``."""
        if isinstance(self.value, str):
            return self.value
        text = f"{_number(self.value)} {self.unit}".strip()
        if self.range is not None:
            text += f" [{_number(self.range[0])}, {_number(self.range[1])}]"
        return text


def _number(x: float) -> str:
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}"


def parse_date(text: str, *, path: str = "<text>", field: str = "date") -> dt.date:
    """``2025``, ``2025-05`` or ``2025-05-13`` to the first day it names; else RecordError."""
    m = _DATE.match(text) if isinstance(text, str) else None
    try:
        if m is None:
            raise ValueError
        return dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        raise RecordError(f"{text!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD",
                          path=path, field=field) from None


def citations(text: str) -> tuple[str, ...]:
    """The ids ``text`` cites (``record b5, b7``; ``record b1-b3`` is b1, b2, b3), in order."""
    ids: list[str] = []
    for group in _CITATION.finditer(text):
        for item in re.split(r", ?| and ", group[1]):
            span = _RANGE.match(item)
            if span and span[3] in ("", span[1]) and int(span[4]) >= int(span[2]):
                ids.extend(f"{span[1]}{n}" for n in range(int(span[2]), int(span[4]) + 1))
            else:
                ids.append(item)  # an id, or a malformed range that check_citations names
    return tuple(ids)


def check_citations(text: str, where: str, path: str | Path | None = None) -> tuple[Fact, ...]:
    """The facts ``text`` cites; RecordError naming ``where`` for an id not in the record."""
    held = {f.id: f for f in facts(path)}
    found = []
    for cited in citations(text):
        if cited not in held:
            raise RecordError(f"cites {cited!r}, which the record does not hold"
                              + _suggest(cited, held), path=where.partition(": ")[0],
                              field=where.partition(": ")[2] or "(citation)")
        found.append(held[cited])
    return tuple(found)


def fact(fact_id: str, path: str | Path | None = None) -> Fact:
    """The fact with id ``fact_id``; RecordError (naming the nearest ids) if there is none."""
    held = {f.id: f for f in facts(path)}
    if fact_id not in held:
        raise RecordError(f"no fact {fact_id!r}" + _suggest(fact_id, held) + "; list them "
                          "with: chipdeals facts", path=str(path or RECORD_PATH),
                          field=f"facts.{fact_id}")
    return held[fact_id]


def facts(path: str | Path | None = None) -> tuple[Fact, ...]:
    """Every fact of the record at ``path`` (default: the packaged record), in file order."""
    return _read(_key(path))[1]


def compiled(path: str | Path | None = None) -> dt.date:
    """The date the record at ``path`` was compiled: no fact in it is dated later."""
    return _read(_key(path))[0]


def _key(path: str | Path | None) -> str:
    return str(Path(path).resolve()) if path is not None else str(RECORD_PATH)


@functools.cache
def _read(path: str) -> tuple[dt.date, tuple[Fact, ...]]:
    try:
        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
    except OSError as exc:
        raise RecordError(f"cannot read the record ({exc.strerror})", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise RecordError(f"not valid TOML ({exc})", path=path, field="(file)") from None
    return _facts_from_dict(doc, path)


def _facts_from_dict(doc: dict[str, Any], path: str) -> tuple[dt.date, tuple[Fact, ...]]:
    head = doc.get("record")
    if not isinstance(head, dict) or not isinstance(head.get("compiled"), str):
        raise RecordError("missing; add a [record] table with compiled = \"YYYY-MM-DD\"",
                          path=path, field="record.compiled")
    for key in head:
        if key not in ("title", "compiled", "seed"):
            raise RecordError("unknown field; the fields are compiled, seed, title", path=path,
                              field=f"record.{key}")
    compiled = parse_date(head["compiled"], path=path, field="record.compiled")
    if compiled > dt.date.today():
        raise RecordError(f"{head['compiled']} is in the future", path=path,
                          field="record.compiled")
    rows = doc.get("facts")
    if not isinstance(rows, dict) or not rows:
        raise RecordError("missing; add one [facts.ID] table per fact", path=path, field="facts")
    out = [_fact(fid, row, path, compiled) for fid, row in rows.items()]
    ids = {f.id for f in out}
    for f in out:
        for other in f.see:
            if other not in ids:
                raise RecordError(f"names {other!r}, which the record does not hold"
                                  + _suggest(other, ids), path=path, field=f"facts.{f.id}.see")
    return compiled, tuple(out)


def _fact(fid: str, row: Any, path: str, compiled: dt.date) -> Fact:
    where = f"facts.{fid}"

    def fail(field: str, message: str) -> RecordError:
        return RecordError(message, path=path, field=f"{where}.{field}" if field else where)

    if not _ID.match(fid):
        raise fail("", "an id is a letter and a number, e.g. b5")
    if not isinstance(row, dict):
        raise fail("", "expected a table")
    for key in row:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise fail(key, "unknown field" + _suggest(key, {**_REQUIRED, **_OPTIONAL}))
    for key, kind in _REQUIRED.items():
        if key not in row:
            raise fail(key, f"missing field; add {key} = ...")
        if isinstance(row[key], bool) or not isinstance(row[key], kind):
            raise fail(key, f"expected {'a number or text' if key == 'value' else 'text'}")
    for key, kind in _OPTIONAL.items():
        if key in row and not isinstance(row[key], kind):
            raise fail(key, f"expected {'a list' if kind is list else 'text'}")
    if not row["source"].strip() or not row["measures"].strip():
        raise fail("source" if not row["source"].strip() else "measures", "empty")
    if row["kind"] not in KINDS:
        raise fail("kind", f"{row['kind']!r} is not one of {', '.join(KINDS)}")
    if row["confidence"] not in CONFIDENCE:
        raise fail("confidence", f"{row['confidence']!r} is not one of {', '.join(CONFIDENCE)}")
    start = parse_date(row["date"], path=path, field=f"{where}.date")
    if start > compiled:
        raise fail("date", f"{row['date']} is after the record was compiled ({compiled})")
    if "until" in row and parse_date(row["until"], path=path, field=f"{where}.until") < start:
        raise fail("until", f"{row['until']} is before the date {row['date']}")
    if "checked" in row:
        parse_date(row["checked"], path=path, field=f"{where}.checked")
    value = row["value"]
    if not isinstance(value, str):
        value = float(value)
        if not math.isfinite(value):
            raise fail("value", "not a finite number")
    rng = None
    if "range" in row:
        r = row["range"]
        if (len(r) != 2 or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in r)
                or not r[0] <= r[1]):
            raise fail("range", "expected [low, high] with low <= high")
        rng = (float(r[0]), float(r[1]))
        if isinstance(value, float) and not rng[0] <= value <= rng[1]:
            raise fail("value", f"{value:g} is outside its range [{rng[0]:g}, {rng[1]:g}]")
    if row["kind"] == "judgement" and "judgement" not in row["source"].lower():
        raise fail("source", "a judgement row says so in its source ('modelling judgement: ...')")
    see = tuple(row.get("see", ()))
    if any(not isinstance(s, str) for s in see):
        raise fail("see", "expected a list of ids")
    if row["kind"] == "derived" and not see:
        raise fail("see", "a derived row names the rows it is derived from")
    return Fact(id=fid, date=row["date"], value=value, unit=row["unit"],
                measures=" ".join(row["measures"].split()), source=" ".join(row["source"].split()),
                confidence=row["confidence"], kind=row["kind"], until=row.get("until"),
                range=rng, see=see, checked=row.get("checked"),
                detail=" ".join(row.get("detail", "").split()))


def _suggest(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""
