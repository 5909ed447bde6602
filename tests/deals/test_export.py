"""Spreadsheet export: what the analyst opens is what the audit computed."""

from __future__ import annotations

import pytest

import deals
from deals.cli.commands import main
from deals.views.export import sheet_name, write_xlsx
from deals.views.output import Section

openpyxl = pytest.importorskip("openpyxl")


def _table(sheet):
    """The rows under the bold header row, as {first column: rest}."""
    rows = list(sheet.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] in ("quantity", "parameter", "deal"))
    return rows[top], {r[0]: r[1:] for r in rows[top + 1:]}


def test_to_excel_holds_the_assessments_numbers_as_numbers(tmp_path):
    a = deals.assess(deals.load("gulf-divestment-uae"), draws=200, progress=False)
    path = tmp_path / "audit.xlsx"
    a.to_excel(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["leverage audit", "drivers", "one parameter at a time"]
    _, rows = _table(book["leverage audit"])
    assert rows["P(partner accepts)"][0] == a.acceptance["partner"]
    assert rows["rho median"][0] == a.rho["supplier"]["median"]
    assert rows["flag (supplier)"][0] == a.flags["supplier"]
    header, drivers = _table(book["drivers"])
    assert list(drivers) == list(a.drivers.index)          # same ranking, same order
    assert book["leverage audit"]["A1"].value == "leverage audit"


def test_assess_and_compare_write_one_sheet_per_table(tmp_path, capsys):
    out = tmp_path / "a.xlsx"
    assert main(["assess", "chips-for-farm-purchases", "--draws", "200",
                 "--output", str(out)]) == 0
    assert len(openpyxl.load_workbook(out).sheetnames) == 5  # every table of assess
    out = tmp_path / "c.xlsx"
    assert main(["compare", "chips-for-farm-purchases", "tier-upgrade-poland", "--draws", "200",
                 "--output", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert len(book.sheetnames) == 1
    _, rows = _table(book[book.sheetnames[0]])
    assert set(rows) == {"chips-for-farm-purchases", "tier-upgrade-poland"}


@pytest.mark.parametrize("path, words", [("out.csv", "ending in .xlsx"),
                                         ("no/such/dir/out.xlsx", "cannot write")])
def test_a_bad_output_path_is_one_line_and_exit_2(tmp_path, capsys, path, words):
    status = main(["assess", "chips-for-farm-purchases", "--draws", "50", "--output",
                   str(tmp_path / path)])
    err = capsys.readouterr().err
    assert status == 2 and words in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_sheet_names_are_valid_and_unique():
    taken: list[str] = []
    for title in ["a/b", "x" * 40, "x" * 40, "[draft]: *?"]:
        name = sheet_name(title, taken)
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
        assert name.lower() not in {t.lower() for t in taken}
        taken.append(name)


def test_empty_values_are_empty_cells(tmp_path):
    import pandas as pd

    path = tmp_path / "t.xlsx"
    write_xlsx([Section("t", pd.DataFrame({"x": [1.5, float("nan")]}), "")], path)
    rows = list(openpyxl.load_workbook(path)["t"].iter_rows(values_only=True))
    assert rows[-3:] == [("x",), (1.5,), (None,)]
