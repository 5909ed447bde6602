"""Spreadsheets for analysts: one ``.xlsx`` sheet per table, with the caption above it.

openpyxl is an optional extra (``pip install 'chipdeals[xlsx]'``), imported only here.

>>> import deals, tempfile, os
>>> a = deals.assess(deals.load("chips-for-farm-purchases"), draws=100, progress=False)
>>> path = os.path.join(tempfile.mkdtemp(), "audit.xlsx")
>>> write_xlsx(assessment_sections(a), path)
>>> import openpyxl; openpyxl.load_workbook(path).sheetnames
['leverage audit', 'drivers', 'one parameter at a time']
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from deals.audit.verdicts import FLAG_WORDS, all_codes, verdict
from deals.errors import DealError
from deals.views.output import Rows, Section
from games.writing import replacing

__all__ = ["assessment_sections", "sheet_name", "write_xlsx"]

_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, taken: Sequence[str] = ()) -> str:
    """A valid, unique Excel sheet name for a table title (31 characters, no []:*?/\\).

    Long titles are cut at a word boundary.

    >>> sheet_name("gulf-divestment-uae: leverage audit of the proposal [draft]")
    'gulf-divestment-uae leverage'
    >>> sheet_name("drivers", ["drivers"])
    'drivers (2)'
    """
    base = " ".join(_BAD.sub(" ", title).split()).strip("'") or "table"

    def cut(text: str, room: int) -> str:
        if len(text) <= room:
            return text
        head = text[:room + 1]
        return head[:head.rfind(" ")] if head.rfind(" ") > room // 3 else text[:room]

    name, n = cut(base, 31), 1
    while name.lower() in {t.lower() for t in taken}:
        n += 1
        suffix = f" ({n})"
        name = cut(base, 31 - len(suffix)) + suffix
    return name


def readable_name(section: Section, taken: Sequence[str] = ()) -> str:
    """A sheet name a person reads: the title when it fits Excel's 31 characters, else the
    section's short name in words ('one at a time'), never a title cut mid-phrase.

    >>> readable_name(Section("one parameter at a time (others at point values)", pd.DataFrame(),
    ...                       name="one_at_a_time"))
    'one at a time'
    """
    title = " ".join(_BAD.sub(" ", section.title).split())
    if len(title) <= 31 or not section.name:
        return sheet_name(section.title, taken)
    return sheet_name(section.name.replace("_", " "), taken)


#: Words a header gets its unit from, when it has none in brackets: money and shares.
_MONEY = re.compile(r"\b(gain|gains|swing|benchmark|expected gain|outcome|outside option)\b",
                    re.I)
_SHARE = re.compile(r"^(P\(|p_)|\b(accepts?|acceptance|share|safe|accepted)\b", re.I)


def header(name: str) -> str:
    """A column header in words with its unit: 'expected_gain_best' -> 'expected gain best
    ($bn/yr)', 'gain median' -> 'gain median ($bn/yr)'; shares and headers that already
    carry a unit in brackets are left as they are.

    >>> header("expected_gain_best"), header("accepts"), header("US gain ($bn/yr)")
    ('expected gain best ($bn/yr)', 'accepts', 'US gain ($bn/yr)')
    """
    text = str(name).replace("_", " ") if "_" in str(name) and " " not in str(name) else str(name)
    if "(" in text or _SHARE.search(str(name)) or not _MONEY.search(text):
        return text
    return f"{text} ($bn/yr)"


def _is_share(name: str) -> bool:
    return bool(_SHARE.search(str(name))) and "rank" not in str(name).lower()


def _words(value: Any) -> Any:
    """A verdict code in a cell as the vocabulary's words ('too_generous' -> 'too generous
    to the partner'); any other value as it is."""
    if isinstance(value, str) and value in all_codes():
        v = verdict(value)
        return (v.supplier_words if value == v.code else
                v.partner_words.format(who="the partner"))
    return value


def _flag_words(value: Any, column: Any, label: str, first: Any) -> Any:
    """A flag code ('over') in a 'flag' column or on a 'flag (side)' row, as its words."""
    if not isinstance(value, str) or value not in FLAG_WORDS["supplier"]:
        return value
    if str(column) == "flag" and first in FLAG_WORDS:
        return FLAG_WORDS[first][value]
    for side in FLAG_WORDS:
        if label == f"flag ({side})" or str(column) == f"flag_{side}":
            return FLAG_WORDS[side][value]
    return value


def assessment_sections(a: Any) -> list[Section]:
    """An :class:`~deals.Assessment` as the tables ``chipdeals assess`` prints."""
    rho = a.tornado.attrs.get("rho at point values", float("nan"))
    return [Section("leverage audit", a.to_frame(), a.explain()),
            Section("drivers", a.drivers.rename_axis("parameter"),
                    "Spearman rank correlation with what decides the flags; importance: the "
                    "largest absolute correlation"),
            Section("one parameter at a time", a.tornado.rename_axis("parameter"),
                    f"others at point values; rho at point values: {rho:.4g}")]


def write_xlsx(sections: Sequence[Section], path: str | os.PathLike[str]) -> None:
    """Write each section to its own sheet: title and caption on top, the table below."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter
    except ImportError:  # pragma: no cover - depends on the installation
        raise DealError("writing .xlsx needs openpyxl: pip install 'chipdeals[xlsx]'") from None
    if not str(path).lower().endswith(".xlsx"):
        raise DealError(f"--output {path}: give a file name ending in .xlsx")
    book = Workbook()
    book.remove(book.active)
    taken: list[str] = []
    for section in sections:
        sheet = book.create_sheet(readable_name(section, taken))
        taken.append(sheet.title)
        sheet["A1"] = section.title
        sheet["A1"].font = Font(bold=True, size=12)
        for i, line in enumerate(section.caption.splitlines(), start=2):
            sheet.cell(row=i, column=1, value=line).font = Font(italic=True)
        top = 3 + len(section.caption.splitlines())
        frame = section.frame
        if isinstance(frame, Rows):  # `list`'s table, built without pandas: the first column
            frame = pd.DataFrame(list(frame.rows), columns=list(frame.columns)).set_index(
                frame.columns[0])   # is its index, as Rows renders everywhere else
        plain = frame.index.name is None and frame.index.equals(pd.RangeIndex(len(frame)))
        frame = frame.reset_index(drop=plain)
        for j, name in enumerate(frame.columns, start=1):
            sheet.cell(row=top, column=j, value=header(name)).font = Font(bold=True)
        labels = frame.iloc[:, 0].astype(str).tolist() if len(frame.columns) else []
        for i, row in enumerate(frame.itertuples(index=False), start=top + 1):
            for j, value in enumerate(row, start=1):
                value = _flag_words(value, frame.columns[j - 1], labels[i - top - 1],
                                    row[0] if len(row) else None)
                cell = sheet.cell(row=i, column=j, value=_cell(_words(value)))
                cell.alignment = Alignment(vertical="top")
                name = frame.columns[j - 1]
                # A row labelled as a probability (a figures sheet) reads as one too.
                share = _is_share(name) or (j > 1 and _is_share(labels[i - top - 1])
                                            and str(labels[i - top - 1]).startswith("P("))
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    cell.number_format = ("0%" if share and 0 <= cell.value <= 1 else
                                          "#,##0" if abs(cell.value) >= 1000 else "#,##0.00")
        for j, name in enumerate(frame.columns, start=1):
            width = max([len(header(name))] + [len(str(_cell(_words(v))))
                                               for v in frame.iloc[:, j - 1]])
            sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 10), 60)
        sheet.freeze_panes = sheet.cell(row=top + 1, column=2)
    try:
        with replacing(path) as out:  # a kill or Ctrl-C mid-write leaves the old workbook
            book.save(out)
    except OSError as exc:
        raise DealError(f"--output {path}: cannot write the file ({exc.strerror or exc}); give "
                        "a writable path ending in .xlsx") from None


def _cell(value: Any) -> Any:
    """Numbers stay numbers (Excel can compute with them); NaN becomes an empty cell."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)
