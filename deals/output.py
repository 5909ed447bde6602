"""Render command-line results as readable tables, JSON, CSV or Markdown.

A command builds a list of :class:`Section` (a title, a DataFrame, a caption saying how the
numbers were made); :func:`render` writes them in the format asked for.

>>> import pandas as pd
>>> print(render([Section("demo", pd.DataFrame({"a": [1.5]}), "made by hand")], "markdown"))
## demo
<BLANKLINE>
| a |
|---|
| 1.5 |
<BLANKLINE>
made by hand
"""

from __future__ import annotations

import io
import json
import math
import textwrap
from dataclasses import dataclass
from typing import Any

import pandas as pd

FORMATS = ("table", "json", "csv", "markdown")


@dataclass(frozen=True)
class Section:
    """One titled table of a command's output and the line that says how it was made."""

    title: str
    frame: pd.DataFrame
    caption: str = ""


def _number(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def _table(section: Section) -> str:
    # Long cells (sources, descriptions) are cut here; json, csv and markdown keep them whole.
    with pd.option_context("display.width", 160, "display.max_columns", 40,
                           "display.max_colwidth", 70, "display.float_format", "{:.6g}".format):
        body = section.frame.to_string() if len(section.frame) else "(none)"
    lines = [section.title, "-" * len(section.title), body]
    for line in section.caption.splitlines():
        lines.append(textwrap.fill(line, width=110, subsequent_indent="  "))
    return "\n".join(lines)


def _markdown(section: Section) -> str:
    frame = section.frame
    named_index = any(n is not None for n in frame.index.names)
    if named_index:
        frame = frame.reset_index()
    header = [str(c) for c in frame.columns]
    lines = [f"## {section.title}", ""]
    if len(frame):
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        for row in frame.itertuples(index=False):
            cells = [_number(v).replace("|", "\\|").replace("\n", " ") for v in row]
            lines.append("| " + " | ".join(cells) + " |")
    else:
        lines.append("(none)")
    if section.caption:
        lines += ["", section.caption]
    return "\n".join(lines)


def _csv(section: Section) -> str:
    buffer = io.StringIO()
    named_index = any(n is not None for n in section.frame.index.names)
    section.frame.to_csv(buffer, index=named_index)
    return f"# {section.title}\n" + buffer.getvalue().rstrip("\n")


def _json(sections: list[Section]) -> str:
    out = {}
    for s in sections:
        frame = s.frame
        if any(n is not None for n in frame.index.names):
            frame = frame.reset_index()
        # Titles key the object: a deal called "issues" must not overwrite the issues table.
        key, n = s.title, 2
        while key in out:
            key, n = f"{s.title} ({n})", n + 1
        out[key] = {"rows": json.loads(frame.to_json(orient="records", double_precision=15)),
                    "caption": s.caption}
    return json.dumps(out, indent=2, ensure_ascii=False)


def render(sections: list[Section], fmt: str = "table") -> str:
    """The sections as text in ``fmt``: one of :data:`FORMATS`."""
    if fmt == "json":
        return _json(sections)
    write = {"table": _table, "markdown": _markdown, "csv": _csv}[fmt]
    return "\n\n".join(write(s) for s in sections)
