"""A file's parsed TOML is kept between runs (issue 29): the same document as parsing it, never
stale, and a damaged or tampered entry is parsed again or refused, never trusted."""

import datetime as dt
import json
import math
import tomllib

import pytest

from deals.deal import reading
from deals.deal.reading import library_names, library_path, parse_toml, read_file
from deals.errors import DealFileError
from games import expression_cache

EVERY_TYPE = """
title = "dates, times and numbers"
[numbers]
big = 123456789012345678901234567890
small = -0.0
inf = inf
minus_inf = -inf
nan = nan
third = 0.3333333333333333
hex = 0xff
[times]
day = 2025-05-13
moment = 2025-05-13T09:30:00.123456+04:00
utc = 2025-05-13T09:30:00Z
local = 2025-05-13T09:30:00
clock = 09:30:05.5
[[history]]
as_of = 2024-01-01
values = [1, 2.5, "three", [true, false], {inline = 2024-02-29}]
[[history]]
as_of = 2025-01-01
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIPDEALS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def same(a, b):
    """Equal documents with equal types throughout (NaN equal to NaN, -0.0 apart from 0.0)."""
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return type(b) is list and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and type(b) is float:
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a)
                                                     == math.copysign(1, b))
    return type(a) is type(b) and a == b and (not isinstance(a, dt.datetime)
                                              or a.utcoffset() == b.utcoffset())


def test_a_kept_document_is_the_parsed_one_for_every_type(folder):
    expected = tomllib.loads(EVERY_TYPE)
    first = parse_toml(EVERY_TYPE)
    kept = list((folder / "documents").glob("*.json"))
    assert len(kept) == 1
    json.loads(kept[0].read_text())  # plain JSON on disk
    second = parse_toml(EVERY_TYPE)
    assert same(first, expected) and same(second, expected)


def test_the_second_read_does_not_parse(folder, monkeypatch):
    expected = parse_toml(EVERY_TYPE)
    monkeypatch.setattr(reading.tomllib, "loads", lambda text: pytest.fail("parsed again"))
    assert same(parse_toml(EVERY_TYPE), expected)


def test_every_library_deal_reads_back_as_parsed(folder):
    for name in library_names():
        text = read_file(library_path(name), name)
        parsed = tomllib.loads(text.decode("utf-8-sig"))
        assert same(parse_toml(text, name), parsed)
        assert same(parse_toml(text, name), parsed), name   # from the kept document


def test_an_edited_file_is_parsed_again(folder):
    parse_toml(EVERY_TYPE)
    edited = EVERY_TYPE.replace("0.3333333333333333", "0.25")
    assert parse_toml(edited)["numbers"]["third"] == 0.25
    assert len(list((folder / "documents").glob("*.json"))) == 2


@pytest.mark.parametrize("facts", [
    {"title": None},                                # null is no TOML value
    {"day": {"\x00": ["weekday", "monday"]}},       # a kind it never writes
    {"day": {"\x00": ["date", "13 May 2025"]}},     # a date it cannot read
    {"day": {"\x00": "date"}},
])
def test_a_damaged_entry_is_parsed_again(folder, facts):
    parse_toml(EVERY_TYPE)
    (entry,) = (folder / "documents").glob("*.json")
    entry.write_text(json.dumps({"format": expression_cache.BUNDLE_FORMAT, "facts": facts}))
    assert same(parse_toml(EVERY_TYPE), tomllib.loads(EVERY_TYPE))


def test_a_tampered_entry_is_still_checked(folder):
    parse_toml(EVERY_TYPE)
    (entry,) = (folder / "documents").glob("*.json")
    entry.write_text(json.dumps({"format": expression_cache.BUNDLE_FORMAT,
                                 "facts": {"title": "red\x1b[31m"}}))
    with pytest.raises(DealFileError, match="control character"):
        parse_toml(EVERY_TYPE)


def test_nothing_is_kept_when_the_cache_is_off(monkeypatch):
    monkeypatch.setenv("CHIPDEALS_CACHE_DIR", "off")
    written = []
    monkeypatch.setattr(expression_cache, "write_atomically", lambda *a: written.append(a))
    assert same(parse_toml(EVERY_TYPE), tomllib.loads(EVERY_TYPE))
    assert written == []


def test_a_refused_file_is_not_kept(folder):
    with pytest.raises(DealFileError, match="not valid TOML"):
        parse_toml("title = ")
    with pytest.raises(DealFileError, match="control character"):
        parse_toml('title = "red\\u001b[31m"')
    assert not list(folder.glob("documents/*.json"))
