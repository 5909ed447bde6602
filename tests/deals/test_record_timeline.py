"""The library over time: dated readings, --as-of, diff and its attribution, bad dates."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pytest

import deals
from deals.deal.reading import library_path
from deals.errors import DealError, DealFileError
from deals.record.timeline import diff, library_as_of


def dated_poland(tmp_path, history='[{ as_of = 2025-01-15, value = 0.06, range = [0.05, 0.2] }]',
                 as_of="2025-05-13", outcome="2025-05-13"):
    text = library_path("tier-upgrade-poland").read_text()
    text = text.replace("[parameters.tier_prestige]\nvalue = 0.3\nrange = [0.05, 1.0]\n",
                        "[parameters.tier_prestige]\nvalue = 0.3\nrange = [0.05, 1.0]\n"
                        f"as_of = {as_of}\nhistory = {history}\n", 1)
    assert "history" in text
    # the library dates the rescission itself (record a17); the copy takes the date asked for
    text = re.sub(r"\[outcome\]\n(as_of = [^\n]*\n)?", f"[outcome]\nas_of = {outcome}\n", text,
                  count=1)
    path = tmp_path / "poland.toml"
    path.write_text(text)
    return path


def test_a_dated_file_stands_as_it_did_then(tmp_path):
    path = dated_poland(tmp_path)
    then = deals.load(path, as_of="2025-02-01")
    now = deals.load(path)
    assert then.parameters["tier_prestige"].value == 0.06
    assert then.parameters["tier_prestige"].range == (0.05, 0.2)
    assert then.outcome is None  # struck later
    assert now.parameters["tier_prestige"].value == 0.3 and now.outcome is not None
    # Today's reading of a dated file is the undated library file.
    assert now == deals.load("tier-upgrade-poland")
    # Before the first reading, the earliest one stands.
    assert deals.load(path, as_of="2024-01-01").parameters["tier_prestige"].value == 0.06


def test_one_moved_parameter_carries_the_whole_change(tmp_path):
    path = dated_poland(tmp_path)
    found = diff("2025-02-01", "2025-06-01", [str(path)], draws=400)
    change = found.changes[0]
    assert change.moved == ("tier_prestige",) and change.terms_changed == ("outcome",)
    # The proposal audit sees only the one parameter: its move alone is the whole change.
    assert change.interaction()["acceptance"] == pytest.approx(0.0, abs=1e-12)
    assert change.by_parameter["tier_prestige"]["acceptance"] == pytest.approx(
        change.after.acceptance["partner"] - change.before.acceptance["partner"])
    # A higher prestige from the upgrade can only make Poland more willing.
    assert change.delta["acceptance"] >= 0


def test_an_undated_deal_is_unchanged_between_any_two_dates():
    found = diff("2025-01-01", "2025-12-31", ["chips-for-farm-purchases"], draws=200)
    change = found.changes[0]
    assert change.moved == () and change.terms_changed == () and change.by_parameter == {}
    assert change.delta == {"acceptance": 0.0, "gain": 0.0}
    assert found.display()["verdict"].tolist() == ["unchanged"]


@pytest.mark.parametrize("history, as_of, message", [
    ('[{ as_of = 2025-03-01, value = 0.06 }, { as_of = 2025-02-01, value = 0.1 }]',
     "2025-05-13", r"history\[1\].as_of: 2025-02-01 is not after the reading before it"),
    ('[{ as_of = 2025-06-01, value = 0.06 }]', "2025-05-13",
     r"tier_prestige.as_of: 2025-05-13 is not after the last earlier reading"),
    ('[{ as_of = 2025-01-01, value = 0.06 }]', "2999-01-01", r"as_of: 2999-01-01 is in the future"),
    ('[{ value = 0.06 }]', "2025-05-13", r"history\[0\].as_of: an earlier reading needs its date"),
])
def test_bad_dates_in_a_file_are_refused_naming_the_field(tmp_path, history, as_of, message):
    path = dated_poland(tmp_path, history=history, as_of=as_of)
    with pytest.raises(DealFileError, match=message):
        deals.load(path)
    run = subprocess.run([sys.executable, "-m", "deals", "show", str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1


def test_a_date_in_the_future_on_the_command_line_is_refused_in_one_line():
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    for argv in (["diff", "--from", "2025-01-01", "--to", future],
                 ["backtest", "--as-of", future],
                 ["compare", "--as-of", future]):
        run = subprocess.run([sys.executable, "-m", "deals", *argv], capture_output=True,
                             text=True)
        assert run.returncode == 2, argv
        assert run.stderr.count("\n") == 1 and "is in the future" in run.stderr
    with pytest.raises(DealError, match="give the earlier date first"):
        diff("2025-06-01", "2025-01-01")


def test_the_library_as_it_stands_today_is_the_library():
    assert [d.name for d in library_as_of(None)] == deals.library_names()
