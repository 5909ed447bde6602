"""Every command's JSON is data: one versioned schema per command, validated for every library
deal; numbers are numbers; keys do not depend on the deal."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import jsonschema
import pytest

import deals
from deals.cli import main
from deals.practice.session import PracticeSession, play_in_terminal

ROOT = Path(deals.__file__).resolve().parent
SCHEMAS = {name: json.loads((ROOT / f"{name}.schema.json").read_text())
           for name in ("stages", "ratify", "negotiate")}


def run_json(*argv: str, stdin: str | None = None, monkeypatch=None) -> dict:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(list(argv)) == 0, err.getvalue()
    return json.loads(out.getvalue())  # all of stdout is JSON: no transcript mixed in


def keys(value) -> object:
    """The shape of a JSON value: dict keys and list item shapes, without the values."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [keys(value[0])] if value else []
    return type(value).__name__ if not isinstance(value, (int, float)) or isinstance(value, bool) \
        else "number"


def no_strings_for_numbers(value) -> None:
    """No value is a number or a percentage written as text ('88%', '-0.00')."""
    if isinstance(value, dict):
        for v in value.values():
            no_strings_for_numbers(v)
    elif isinstance(value, list):
        for v in value:
            no_strings_for_numbers(v)
    elif isinstance(value, str):
        assert not value.rstrip("%").replace(".", "", 1).replace("-", "", 1).isdigit(), value
    elif isinstance(value, float):
        assert str(value) != "-0.0"


STAGED = [n for n in deals.library_names() if deals.load(n).stages is not None]
TWO_LEVEL = [n for n in deals.library_names()
             if deals.load(n).actors is not None or deals.load(n).beliefs is not None]


@pytest.mark.parametrize("name", STAGED)
def test_stages_json_validates_for_every_staged_library_deal(name):
    data = run_json("stages", name, "--draws", "200", "--curve-draws", "30", "--format", "json")
    jsonschema.validate(data, SCHEMAS["stages"])
    no_strings_for_numbers(data)
    assert name not in json.dumps(list(keys(data)))  # no key names the deal


def key_names(value) -> object:
    """The keys of a JSON value, nested, without the values: a value that is null for one
    deal and a number for another (a first tranche some deals have) is the same key."""
    if isinstance(value, dict):
        return {k: key_names(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [key_names(value[0])] if value and isinstance(value[0], (dict, list)) else []
    return "."


def test_stages_json_keys_are_the_same_for_every_deal():
    # The types are the schema's business (validated above for every deal); this checks that
    # no key appears, or goes missing, because of the deal.
    shapes = {json.dumps(key_names(run_json("stages", n, "--draws", "100", "--curve-draws",
                                            "20", "--format", "json")))
              for n in STAGED}
    assert len(shapes) == 1


@pytest.mark.parametrize("name", TWO_LEVEL)
def test_ratify_json_validates_for_every_two_level_library_deal(name):
    data = run_json("ratify", name, "--draws", "200", "--format", "json")
    jsonschema.validate(data, SCHEMAS["ratify"])
    no_strings_for_numbers(data)


@pytest.mark.parametrize("name", deals.library_names())
def test_negotiate_json_validates_for_every_library_deal(name):
    session = PracticeSession(deals.load(name), side="partner", against="conceder",
                              grid_points=200)
    moves = iter(["walk"])
    play_in_terminal(session, read=lambda _: next(moves), write=lambda _: None)
    data = json.loads(json.dumps(session.to_data()))
    jsonschema.validate(data, SCHEMAS["negotiate"])
    assert data["status"] == "walked out" and data["result"][0]["gain"] == 0


def test_negotiate_json_keeps_the_transcript_off_stdout(monkeypatch):
    data = run_json("negotiate", "gulf-divestment-uae", "--against", "conceder", "--format",
                    "json", stdin="accept\n", monkeypatch=monkeypatch)
    jsonschema.validate(data, SCHEMAS["negotiate"])
    assert data["status"] == "agreed" and data["rounds_played"] == 1
    you = data["result"][0]
    assert you["role"] == "you" and you["share_of_benchmark_gain"] is not None
