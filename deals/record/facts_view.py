"""The record for people: ``chipdeals facts [ID]`` and the docs page, both made from facts.toml.

>>> from deals.views.output import render
>>> print(render(cmd_facts(_Args(fact_id="f7", kind=None)), "table").splitlines()[0])
fact f7: 19 % US reciprocal tariff on Malaysia
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import pandas as pd

from deals.views.output import Report, Section
from deals.record.facts import KINDS, Fact, fact, facts

_FIELDS = ("date", "until", "value", "range", "unit", "kind", "confidence", "checked", "see")


@dataclass(frozen=True)
class _Args:  # the two options, for the doctest
    fact_id: str | None
    kind: str | None


def facts_options(parser: argparse.ArgumentParser) -> None:
    """``chipdeals facts``'s arguments: an optional fact id and ``--kind``."""
    parser.add_argument("fact_id", nargs="?", metavar="ID",
                        help="one fact (e.g. b5); without it, the whole record")
    parser.add_argument("--kind", choices=KINDS,
                        help="list only facts of this kind (e.g. judgement)")


def cmd_facts(args: argparse.Namespace) -> Report:
    """One fact in full (``chipdeals facts b5``), or the record as a list."""
    if args.fact_id:
        return _one(fact(args.fact_id))
    rows = [f for f in facts() if args.kind in (None, f.kind)]
    frame = pd.DataFrame(
        [{"fact": f.id, "date": f.date, "value": f.value_text(), "kind": f.kind,
          "confidence": f.confidence, "measures": f.measures} for f in rows],
        columns=["fact", "date", "value", "kind", "confidence", "measures"]).set_index("fact")
    caption = (f"{len(rows)} facts in deals/record/facts.toml; one in full, with its source: "
               "chipdeals facts ID. Judgements are modelling choices with wide ranges.")
    data = {"schema_version": 1, "facts": [_as_dict(f) for f in rows]}  # facts.schema.json
    return Report((Section("the record", frame, caption, name="facts",
                           display=frame.assign(measures=[_short(f.measures) for f in rows]),
                           formats={"value": "text", "measures": "text"}),), data=data)


def _one(f: Fact) -> Report:
    values = _as_dict(f)
    shown = {k: _text(values[k]) for k in _FIELDS if values[k] not in (None, (), [])}
    frame = pd.DataFrame({"value": list(shown.values())},
                         index=pd.Index(list(shown), name="field"))
    notes = [f"measures: {f.measures}", f"source: {f.source}"] + (
        [f"detail: {f.detail}"] if f.detail else [])
    headline = f.value_text() if isinstance(f.value, str) else _headline(f)
    title = f"fact {f.id}: {headline}" if len(headline) <= 66 else f"fact {f.id} ({f.unit})"
    return Report((Section(title, frame, "", name="fact", notes=tuple(notes),
                           formats={"value": "text"}),), data=values)


def _headline(f: Fact) -> str:
    return f"{_text(f.value)} {f.unit}"


def _as_dict(f: Fact) -> dict:
    return {"id": f.id, "date": f.date, "until": f.until, "value": f.value,
            "range": list(f.range) if f.range else None, "unit": f.unit,
            "measures": f.measures, "source": f.source, "confidence": f.confidence,
            "kind": f.kind, "checked": f.checked, "see": list(f.see), "detail": f.detail}


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value == int(value) and abs(value) < 1e15 else f"{value:,.6g}"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."


def record_page() -> str:
    """The record as a Markdown page (MyST), generated at docs build time from facts.toml."""
    lines = ["# The record", "",
             "Every fact a library deal file cites, generated from `deals/record/facts.toml` "
             "when the docs are built (`chipdeals facts ID` prints one row). A deal file cites "
             "a row as `record b5`; a test checks that every citation resolves. Rows a1-e3 "
             "come from the project's fact sheet of 2026-11; rows marked *checked* were looked "
             "up again on that date. *Judgement* rows are modelling choices with a wide range, "
             "not sourced values.", ""]
    section = None
    for f in facts():
        if f.id[0] != section:
            section = f.id[0]
            lines += [f"## {_SECTIONS.get(section, section)}", ""]
        span = f"{f.date} to {f.until}" if f.until else f.date
        lines += [f"**{f.id}** ({span}): {_md(f.value_text())}", "",
                  f"- measures: {_md(f.measures)}",
                  f"- kind: {f.kind}; confidence: {f.confidence}"
                  + (f"; checked {f.checked}" if f.checked else "")
                  + (f"; see {', '.join(f.see)}" if f.see else ""),
                  f"- source: {_md(f.source)}"]
        if f.detail:
            lines.append(f"- detail: {_md(f.detail)}")
        lines.append("")
    return "\n".join(lines)


_SECTIONS = {"a": "(a) The AI Diffusion Rule and its rescission",
             "b": "(b) The deals: UAE, Saudi Arabia, India",
             "c": "(c) Other deals the article implies",
             "d": "(d) Quantities used as parameters",
             "e": "(e) Farm trade",
             "f": "(f) The 2025-2026 record"}


def _md(text: str) -> str:
    """Text from the record made safe for Markdown (no raw HTML, no stray emphasis)."""
    for ch in ("\\", "<", ">", "*", "`", "[", "]", "|"):
        text = text.replace(ch, "\\" + ch)
    return text
