"""Render command-line results for people (tables that fit the terminal) and for programs.

A command returns a :class:`Report`: titled :class:`Section` tables (raw numbers, a named
index, a caption saying how the numbers were made) and, where the command has a documented JSON
schema, the JSON object itself. :func:`render` writes it in one of :data:`FORMATS`:

- ``table``: each section as a text table no wider than ``width`` (``COLUMNS``, default 80);
  long cells wrap inside their column, numbers read like a person wrote them
  (:func:`people`), long text goes to numbered notes under the table;
- ``json``: the command's object, or ``{"schema_version", "tables": {name: ...}}``;
- ``csv``: the first (main) table only, plain CSV with no comment lines;
- ``markdown``: every section, index included.

>>> import pandas as pd
>>> frame = pd.DataFrame({"P(accepts)": [0.9995], "gain": [1234567.0]},
...                      index=pd.Index(["uae"], name="deal"))
>>> s = Section("demo", frame, "made by hand", formats={"P(accepts)": "percent"})
>>> print(render(Report((s,)), "table"))
demo
----
deal  P(accepts)       gain
----  ----------  ---------
uae         >99%  1,230,000
made by hand
>>> print(render(Report((s,)), "csv"))
deal,P(accepts),gain
uae,0.9995,1234567
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from deals.numbers import json_value, people, snake_case
from games.writing import replacing_files

if TYPE_CHECKING:  # pandas loads only when a section holds a DataFrame (start-up time)
    import pandas as pd

FORMATS = ("table", "json", "csv", "markdown")
#: Version of the JSON written by ``--format json`` (see docs/leverage.md, "Machine output").
SCHEMA_VERSION = 1
#: The line a plain-words output ends with: where its specialist terms are explained.
GLOSSARY_LINE = ("\nTerms explained: docs/glossary.md (the docs' glossary page); --detail "
                 "adds the specialist lines")
#: Narrowest a wrapped text column may become.
MIN_TEXT_WIDTH = 10


@dataclass(frozen=True)
class Rows:
    """A small table without pandas, for output that must start fast (``chipdeals list``).

    ``columns`` names every column, the first being the index; ``rows`` holds the cells.
    It renders exactly as a DataFrame with that first column as its named index.

    >>> s = Section("demo", Rows(("deal", "partner"), (("uae", "UAE"),)))
    >>> print(render([s], "csv"))
    deal,partner
    uae,UAE
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def __len__(self) -> int:
        return len(self.rows)


class BuiltWhenRead:
    """A dataclass field that may be given a function of no arguments instead of its value:
    the function runs the first time the field is read (once), so a value that only some
    output formats print costs nothing in the others."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}_value"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:  # no class-level default: the dataclass field stays required
            raise AttributeError(self.slot)
        value = obj.__dict__[self.slot]
        if callable(value):
            value = obj.__dict__[self.slot] = value()
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value


@dataclass(frozen=True)
class Section:
    """One titled table of a command's output.

    ``frame`` holds the data (raw numbers, a named index), or a function of no arguments
    that builds it the first time it is read (only the csv, spreadsheet and table-file
    outputs and a report without its own JSON read it when ``display`` is given);
    ``display`` optionally replaces it in the human formats (table, markdown) with columns
    made for reading (a DataFrame, or :class:`Rows` where pandas is not needed); ``formats`` marks columns of ``frame`` as ``"percent"`` or ``"text"``;
    ``notes`` are long lines printed under the table; ``name`` is the snake_case key for
    JSON and the CSV file name.

    >>> built = []
    >>> s = Section("demo", lambda: built.append(1) or Rows(("deal",), (("uae",),)))
    >>> len(built), len(s.frame), len(s.frame), len(built)
    (0, 1, 1, 1)
    """

    title: str
    frame: pd.DataFrame | Rows = BuiltWhenRead()  # type: ignore[assignment]
    caption: str = ""
    name: str = ""
    display: pd.DataFrame | Rows | None = None
    notes: tuple[str, ...] = ()
    formats: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The section's snake_case name (from ``name``, else the title)."""
        return self.name or snake_case(self.title)


@dataclass(frozen=True)
class Report:
    """What a command prints: sections, and its JSON object when it has a schema of its own.

    ``sections`` may be given as a function of no arguments that builds them the first time
    they are read, so a report whose JSON is ``data`` builds no tables for ``--format json``.
    """

    sections: tuple[Section, ...] = BuiltWhenRead()  # type: ignore[assignment]
    data: Mapping[str, Any] | None = None


def terminal_width() -> int:
    """``COLUMNS`` if set, else the terminal's width, else 80."""
    if os.environ.get("COLUMNS", "").isdigit():
        return max(40, int(os.environ["COLUMNS"]))
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def _cell_text(value: Any, kind: str) -> str:
    return people(value, kind).replace("\n", " ")


def display_frame(section: Section) -> pd.DataFrame:
    """The section's table for people: the index as columns, every cell a formatted string."""
    import pandas as pd  # start-up time: only sections that hold a DataFrame need it

    if section.display is not None:
        frame = section.display
        return _with_index(frame).astype(object).map(lambda v: _cell_text(v, "text")
                                                      if not isinstance(v, str) else v)
    frame = _with_index(section.frame)
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        kind = section.formats.get(str(column), "number")
        if kind == "number" and str(column).startswith("P("):
            kind = "percent"
        out[column] = [_cell_text(v, kind) for v in frame[column]]
    return out


def _cells(section: Section) -> tuple[list[str], list[list[str]]]:
    """The section for people as column names and string cells, column by column."""
    shown = section.frame if section.display is None else section.display
    if isinstance(shown, Rows):
        columns = [str(c) for c in shown.columns]
        cells = [[v if isinstance(v, str) else _cell_text(v, "text") for v in column]
                 for column in zip(*shown.rows)] if shown.rows else [[] for _ in columns]
        return columns, cells
    frame = display_frame(section)
    return [str(c) for c in frame.columns], [[str(v) for v in frame[c]] for c in frame.columns]


def _with_index(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd  # start-up time: only sections that hold a DataFrame need it

    named = any(n is not None for n in frame.index.names)
    if named:
        return frame.reset_index()
    if isinstance(frame.index, pd.RangeIndex) or pd.api.types.is_integer_dtype(frame.index):
        return frame.reset_index(drop=True)  # row numbers carry nothing
    return frame.reset_index(names="name")


# ---- the text table ------------------------------------------------------------------------

def _numeric(cells: Sequence[str]) -> bool:
    return all(re.fullmatch(r"[-+<>]?[\d,.]+(e[-+]?\d+)?%?|n/a|inf|-inf|", c) for c in cells)


def _fit(natural: list[int], floors: list[int], width: int,
         numeric: list[bool] | None = None) -> list[int] | None:
    """Column widths summing (with 2-space gaps) to at most ``width``, or None if impossible.

    Number columns give up width first (only their headers wrap), then the widest text column.
    """
    widths = list(natural)
    budget = width - 2 * (len(widths) - 1)
    numeric = numeric or [False] * len(widths)
    for i in sorted(range(len(widths)), key=lambda i: floors[i] - widths[i]):
        if sum(widths) <= budget:
            break
        if numeric[i]:
            widths[i] = max(floors[i], widths[i] - (sum(widths) - budget))
    while sum(widths) > budget:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            return None
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def text_table(frame: pd.DataFrame, width: int) -> str:
    """Strings in ``frame`` laid out in columns, wrapped so that no line exceeds ``width``.

    Text columns wrap inside themselves; number columns never wrap. If even the narrowest
    layout is too wide, the columns are printed in blocks, each repeating the first column.
    """
    return _text_table([str(c) for c in frame.columns],
                       [[str(v) for v in frame[c]] for c in frame.columns], width)


def _text_table(columns: list[str], cells: list[list[str]], width: int) -> str:
    numeric = [_numeric(col) for col in cells]
    natural = [max([len(h)] + [len(v) for v in col]) for h, col in zip(columns, cells)]
    words = [max([len(w) for w in h.split()] + [1]) for h in columns]
    # Text columns wrap between words, never inside one (up to a third of the width).
    longest = [max([len(w) for v in col for w in v.split()] + [0]) for col in cells]
    floors = [min(max([w] + [len(v) for v in col]), width // 2) if num else
              min(n, max(MIN_TEXT_WIDTH, w, min(lw, width // 3)), width // 2)
              for n, num, w, lw, col in zip(natural, numeric, words, longest, cells)]
    everything = list(range(len(columns)))
    widths = _fit(natural, floors, width, numeric)
    if widths is not None:
        return _layout(everything, widths, columns, cells, numeric)
    blocks, current = [], []
    for i in everything[1:]:
        trial = [0] + current + [i]
        if current and _fit([natural[j] for j in trial], [floors[j] for j in trial], width,
                           [numeric[j] for j in trial]) is None:
            blocks.append(current)
            current = []
        current.append(i)
    blocks.append(current)
    out = []
    for block in blocks:
        chosen = [0] + block
        widths = _fit([natural[j] for j in chosen], [floors[j] for j in chosen], width,
                      [numeric[j] for j in chosen])
        widths = widths or [floors[j] for j in chosen]
        out.append(_layout(chosen, widths, columns, cells, numeric))
    return "\n\n".join(out)


def _layout(chosen: list[int], widths: list[int], columns: list[str], cells: list[list[str]],
            numeric: list[bool]) -> str:
    def lines(pieces: list[list[str]]) -> list[str]:
        out = []
        for line in range(max(len(x) for x in pieces)):
            parts = []
            for x, w, j in zip(pieces, widths, chosen):
                piece = x[line] if line < len(x) else ""
                parts.append(piece.rjust(w) if numeric[j] else piece.ljust(w))
            out.append("  ".join(parts).rstrip())
        return out

    rows = lines([_wrap(columns[j], w) for j, w in zip(chosen, widths)])
    rows.append("  ".join("-" * w for w in widths))
    for r in range(len(cells[0]) if cells else 0):
        rows += lines([_wrap(cells[j][r], w) if not numeric[j] or len(cells[j][r]) > w
                       else [cells[j][r]] for j, w in zip(chosen, widths)])
    return "\n".join(rows)


def _notes(notes: Sequence[str], width: int) -> list[str]:
    lines = []
    for note in notes:
        lines.append(textwrap.fill(note, width=width, subsequent_indent="    ",
                                   break_on_hyphens=False))
    return lines


def _table(section: Section, width: int) -> str:
    columns, cells = _cells(section)
    body = _text_table(columns, cells, width) if cells and cells[0] else "(none)"
    lines = [section.title[:width], "-" * min(len(section.title), width), body]
    # Notes stand apart from the table and from the caption, so that the last note and the
    # caption do not read as one paragraph; without notes the caption stays under the table.
    if section.notes:
        lines += [""] + _notes(section.notes, width) + ([""] if section.caption.strip() else [])
    for line in section.caption.splitlines():
        lines.append(textwrap.fill(line, width=width, subsequent_indent="  ",
                                   break_on_hyphens=False))
    return "\n".join(lines)


# ---- machine formats -----------------------------------------------------------------------

def _markdown(section: Section) -> str:
    header, cells = _cells(section)
    lines = [f"## {section.title}", ""]
    if cells and cells[0]:
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        for row in zip(*cells):
            cells = [str(v).replace("|", "\\|").replace("\n", " ") for v in row]
            lines.append("| " + " | ".join(cells) + " |")
    else:
        lines.append("(none)")
    lines += [""] + [f"{i}. {n}" for i, n in enumerate(section.notes, 1)] if section.notes else []
    if section.caption:
        lines += ["", section.caption]
    return "\n".join(lines)


def csv_text(section: Section) -> str:
    """One section's data as plain CSV (index kept, floats to 10 significant digits)."""
    buffer = io.StringIO()
    if isinstance(section.frame, Rows):  # as pandas writes it: minimal quoting, floats to 10 digits
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(section.frame.columns)
        writer.writerows([f"{v:.10g}" if isinstance(v, float) else v for v in row]
                         for row in section.frame.rows)
        return buffer.getvalue().rstrip("\n")
    _with_index(section.frame).to_csv(buffer, index=False, float_format="%.10g")
    return buffer.getvalue().rstrip("\n")


def _json(report: Report) -> str:
    if report.data is not None:
        return json.dumps(json_value(report.data), indent=2, ensure_ascii=False)
    return json.dumps({"schema_version": SCHEMA_VERSION, "tables": tables_data(report.sections)},
                      indent=2, ensure_ascii=False)


def tables_data(sections: Sequence[Section]) -> dict[str, Any]:
    """The sections as JSON tables: ``{key: {"title", "caption", "rows"}}``, column keys in
    snake_case (a command whose columns name the deal replaces those rows: issue 26)."""
    tables: dict[str, Any] = {}
    for s in sections:
        key, n = s.key, 2
        while key in tables:  # two sections of one name keep both
            key, n = f"{s.key}_{n}", n + 1
        if isinstance(s.frame, Rows):
            keys = _column_keys(s.frame.columns)
            rows = [{k: json_value(v) for k, v in zip(keys, row)} for row in s.frame.rows]
        else:
            frame = _with_index(s.frame)
            frame.columns = _column_keys(frame.columns)
            rows = [{k: json_value(v) for k, v in row.items()}
                    for row in frame.astype(object).to_dict(orient="records")]
        tables[key] = {"title": s.title, "caption": s.caption, "rows": rows}
    return tables


def _column_keys(columns: Sequence[Any]) -> list[str]:
    """The JSON keys of a table's columns, in snake_case, each once: two columns that read
    the same in snake_case (sides named 'US' and 'us', or in a script snake_case drops, such
    as '中国' and '日本') keep both, the second as ``key_2``.

    >>> _column_keys(["中国 gain", "日本 gain", "P(accepts)"])
    ['gain', 'gain_2', 'p_accepts']
    """
    keys: list[str] = []
    for column in columns:
        key, n = snake_case(str(column)), 2
        while key in keys:
            key, n = f"{snake_case(str(column))}_{n}", n + 1
        keys.append(key)
    return keys


def render(report: Report | Sequence[Section], fmt: str = "table", width: int | None = None
           ) -> str:
    """The report as text in ``fmt`` (one of :data:`FORMATS`), tables at most ``width`` wide."""
    if not isinstance(report, Report):
        report = Report(tuple(report))
    if fmt == "json":
        return _json(report)
    if fmt == "csv":
        return csv_text(report.sections[0]) if report.sections else ""
    if fmt == "markdown":
        return "\n\n".join(_markdown(s) for s in report.sections)
    width = width or terminal_width()
    return "\n\n".join(_table(s, width) for s in report.sections)


def write_tables(report: Report | Sequence[Section], directory: str | Path) -> list[Path]:
    """Every section of the report as its own CSV file in ``directory`` (made if missing),
    all or nothing (:func:`games.writing.replacing_files`)."""
    sections = report.sections if isinstance(report, Report) else tuple(report)
    files = {}
    for s in sections:
        key, n = s.key, 2
        while f"{key}.csv" in files:
            key, n = f"{s.key}_{n}", n + 1
        files[f"{key}.csv"] = (csv_text(s) + "\n").encode("utf-8")
    return replacing_files(directory, {name: (lambda out, data=data: out.write(data))
                                       for name, data in files.items()})
