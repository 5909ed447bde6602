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

from deals.errors import DealError
from deals.views.output import Section

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
        sheet = book.create_sheet(sheet_name(section.title, taken))
        taken.append(sheet.title)
        sheet["A1"] = section.title
        sheet["A1"].font = Font(bold=True, size=12)
        for i, line in enumerate(section.caption.splitlines(), start=2):
            sheet.cell(row=i, column=1, value=line).font = Font(italic=True)
        top = 3 + len(section.caption.splitlines())
        frame = section.frame
        plain = frame.index.name is None and frame.index.equals(pd.RangeIndex(len(frame)))
        frame = frame.reset_index(drop=plain)
        for j, name in enumerate(frame.columns, start=1):
            sheet.cell(row=top, column=j, value=str(name)).font = Font(bold=True)
        for i, row in enumerate(frame.itertuples(index=False), start=top + 1):
            for j, value in enumerate(row, start=1):
                sheet.cell(row=i, column=j, value=_cell(value))
        for j, name in enumerate(frame.columns, start=1):
            width = max([len(str(name))] + [len(str(_cell(v))) for v in frame.iloc[:, j - 1]])
            sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 10), 60)
            share = str(name).startswith("P(")  # probabilities read as percentages
            for i in range(top + 1, top + 1 + len(frame)):
                sheet.cell(row=i, column=j).alignment = Alignment(vertical="top")
                if share:
                    sheet.cell(row=i, column=j).number_format = "0.0%"
        sheet.freeze_panes = sheet.cell(row=top + 1, column=2)
    try:
        book.save(path)
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
