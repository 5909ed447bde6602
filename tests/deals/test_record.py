"""The record as data (issue 25, item 1): every citation in the library resolves to a row of
deals/record/facts.toml, every row carries a source a reader can follow, and a malformed record
or an unknown id is one clear line naming the file and field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import deals
from deals.errors import RecordError
from deals.record import facts as record

ROOT = Path(deals.__file__).resolve().parent
LIBRARY = sorted((ROOT / "library").rglob("*.toml"))


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
def test_every_citation_in_a_library_file_names_a_fact_of_the_record(path):
    text = path.read_text()
    cited = record.check_citations(text, f"{path.name}: (text)")
    assert cited, f"{path.name} cites no row of the record"


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
def test_no_library_file_points_outside_the_package(path):
    text = path.read_text()
    assert "../shared" not in text and "FACTS.md" not in text


def test_no_source_file_of_the_packages_mentions_the_shared_folder():
    roots = [ROOT, ROOT.parent / "games"]
    offenders = [str(p) for r in roots for p in r.rglob("*")
                 if p.is_file() and p.suffix in (".py", ".toml", ".json", ".md")
                 and "../shared" in p.read_text(errors="ignore")]
    assert offenders == []


@pytest.mark.parametrize("name", deals.library_names())
def test_every_parameter_is_a_cited_fact_or_a_judgement(name):
    """A number taken from the record cites its id; one that does not is a judgement."""
    for pname, p in deals.load(name).parameters.items():
        assert record.citations(p.source) or "judgement" in p.source, f"{name}: {pname}"


def test_every_fact_has_a_source_a_reader_can_follow():
    for f in record.facts():
        assert len(f.source) > 20, f.id
        if f.kind == "judgement":
            assert "judgement" in f.source and f.range is not None and f.range[1] > f.range[0]
        if f.checked and f.kind == "reported":  # looked up: a link, a publisher, a date
            assert re.search(r"https?://", f.source), f.id
            assert re.search(r"20\d\d", f.source), f.id


def test_the_2025_2026_record_is_in_and_was_looked_up():
    """The rows issue 25 names, each with a date and a checked source."""
    wanted = {"f1": 600, "f11": 500, "f7": 19, "f12": 18, "f13": 0.25, "f4": 60400,
              "f3": 21500, "f2": 0.2}
    for fid, value in wanted.items():
        f = record.fact(fid)
        assert f.value == value and f.checked, fid
    for fid in ("f8", "f9", "f14", "f15", "f16"):
        assert record.fact(fid).checked
    assert record.fact("f15").start > record.fact("f14").start  # suspended after imposed
    assert record.fact("b4").start < dt.date(2025, 5, 13)       # the UAE pledge predates May


def test_derived_rows_follow_from_their_inputs():
    """f5: an A100 is 312 TFLOPS x 16 bits of TPP against an H100's 15,830 (a14); f6 applies it
    to Microsoft's disclosed licences (f3, f4)."""
    a100 = 312 * 16 / record.fact("a14").value
    assert record.fact("f5").value == pytest.approx(a100, abs=0.001)
    f6 = record.fact("f6")
    assert f6.value == pytest.approx(record.fact("f4").value * a100, rel=0.01)
    assert f6.range[0] == pytest.approx(record.fact("f3").value * a100, rel=0.01)


def test_citations_expand_ranges_and_lists():
    assert record.citations("(record b1-b3, a15 and d3); record f2") == (
        "b1", "b2", "b3", "a15", "d3", "f2")
    assert record.citations("the record shows, a record 2025") == ()


def test_an_unknown_id_is_one_line_naming_where():
    with pytest.raises(RecordError, match=r"x.toml: parameters.p.source: cites 'b99'"):
        record.check_citations("record b99", "x.toml: parameters.p.source")
    with pytest.raises(RecordError, match=r"no fact 'b55'.*did you mean"):
        record.fact("b55")


_ROW = ('date = "2025-01"\nvalue = 1\nunit = "u"\nmeasures = "m"\nsource = "a source, 2025"\n'
        'confidence = "high"\nkind = "reported"\n')


@pytest.mark.parametrize("row, field", [
    (_ROW.replace('"2025-01"', '"2099-01"'), "facts.x1.date"),          # after compiled
    (_ROW.replace('"2025-01"', '"Jan 2025"'), "facts.x1.date"),
    (_ROW.replace('unit = "u"\n', ""), "facts.x1.unit"),
    (_ROW + "range = [2, 3]\n", "facts.x1.value"),                      # value outside range
    (_ROW + 'see = ["zz9"]\n', "facts.x1.see"),
    (_ROW.replace('"reported"', '"judgement"'), "facts.x1.source"),     # must say judgement
    (_ROW.replace('"high"', '"sure"'), "facts.x1.confidence"),
    (_ROW + "colour = 1\n", "facts.x1.colour"),
])
def test_a_malformed_record_names_the_file_and_field(tmp_path, row, field):
    path = tmp_path / "facts.toml"
    path.write_text(f'[record]\ncompiled = "2026-01-01"\n\n[facts.x1]\n{row}')
    with pytest.raises(RecordError) as info:
        record.facts(path)
    assert str(info.value).startswith(f"{path}: {field}:") and "\n" not in str(info.value)


def test_a_record_compiled_in_the_future_is_refused(tmp_path):
    path = tmp_path / "facts.toml"
    later = dt.date.today() + dt.timedelta(days=400)
    path.write_text(f'[record]\ncompiled = "{later}"\n\n[facts.x1]\n{_ROW}')
    with pytest.raises(RecordError, match="record.compiled: .* is in the future"):
        record.facts(path)


def test_the_record_ships_with_the_package():
    text = (ROOT.parent / "pyproject.toml").read_text()
    assert '"record/*.toml"' in text


# ---- chipdeals facts and the docs page ----------------------------------------------------------

def test_chipdeals_facts_prints_one_row_and_the_list(capsys):
    from deals.cli import main

    assert main(["facts", "f11"]) == 0
    out = capsys.readouterr().out
    assert "500" in out and "abplive.com" in out and all(len(l) <= 80 for l in out.splitlines())
    assert main(["facts", "--kind", "judgement", "--format", "json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)["facts"]
    assert rows and {r["kind"] for r in rows} == {"judgement"}


def test_chipdeals_facts_with_an_unknown_id_is_one_line_and_exit_2(capsys):
    from deals.cli import main

    assert main(["facts", "zz1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "facts.zz1: no fact 'zz1'" in err and "\n" not in err


def test_the_facts_command_is_registered_lazily():
    """Building the parser (what `chipdeals list` does first) reads no record file."""
    import subprocess
    import sys

    code = ("import deals.cli.commands as c; c.build_parser(); import deals.record.facts as f; "
            "print(f._read.cache_info().misses)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0"]


def test_the_docs_page_is_generated_from_the_record():
    from deals.record.facts_view import record_page

    page = record_page()
    for f in record.facts():
        assert f"**{f.id}**" in page
    assert "<" not in page.replace("\\<", "")  # text from the file never becomes raw HTML
