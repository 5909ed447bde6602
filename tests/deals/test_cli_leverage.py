"""chipdeals compare and assess: the main job, its formats, widths, and errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import deals
import deals.cli.commands as commands
from deals.cli.commands import COMMANDS, main

TWO = ["chips-for-farm-purchases", "tier-upgrade-poland"]
SCHEMA = json.loads((Path(deals.__file__).parent / "audit.schema.json").read_text())


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def library_json():
    """``compare --format json`` of the whole library (small draws), parsed."""
    import contextlib

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["compare", "--draws", "200", "--format", "json"]) == 0
    return json.loads(buffer.getvalue())


def test_compare_json_validates_for_every_library_deal(library_json):
    jsonschema.validate(library_json, SCHEMA)
    assert library_json["schema_version"] == 2
    records = library_json["deals"]
    assert sorted(r["deal"] for r in records) == deals.library_names()
    keys = {frozenset(r) for r in records}
    assert len(keys) == 1  # one jq filter covers every deal
    # Deals with a bargained [outcome] carry the struck deal's verdict; the others (none, or
    # terms one side imposed: issue 25) say null.
    for r in records:
        outcome = deals.load(r["deal"]).outcome
        assert (r["struck"] is None) == (outcome is None or bool(outcome.imposed))


def test_assess_json_is_the_assessment_object(capsys):
    code, out, _ = run(capsys, "assess", "tier-upgrade-poland", "--draws", "300", "--format", "json")
    assert code == 0
    data = json.loads(out)
    jsonschema.validate(data, SCHEMA)
    direct = deals.assess(deals.load("tier-upgrade-poland"), draws=300, seed=0)
    assert data == json.loads(direct.to_json())


def test_compare_json_is_reproducible_and_matches_the_library_api(capsys):
    argv = ("compare", *TWO, "--draws", "300", "--seed", "3", "--format", "json")
    code, first, err = run(capsys, *argv)
    assert code == 0 and err == ""  # no progress bar when stderr is not a terminal
    assert run(capsys, *argv)[1] == first  # byte for byte
    direct = deals.compare(TWO, draws=300, seed=3)
    rows = json.loads(first)["deals"]
    assert [r["deal"] for r in rows] == [a.deal for a in direct]
    for row, a in zip(rows, direct):
        assert row["verdicts"] == dict(a.verdicts)
        assert row["acceptance"]["partner"] == pytest.approx(a.acceptance["partner"])


def test_compare_csv_is_one_plain_table(capsys):
    code, out, _ = run(capsys, "compare", *TWO, "--draws", "300", "--format", "csv")
    assert code == 0 and not out.startswith("#")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["deal"] for r in rows] and len(rows) == 2
    assert {"p_partner_accepts", "supplier_gain_proposal_median", "supplier_gain_benchmark_p90",
            "ask_acceptance", "struck_verdict_supplier"} <= set(rows[0])


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("argv", [["compare", "--draws", "100"], ["list"],
                                  ["show", "gulf-divestment-uae"],
                                  ["solve", "tier-upgrade-poland"],
                                  ["assess", "gulf-divestment-uae", "--draws", "200"]])
def test_tables_fit_the_terminal(capsys, monkeypatch, width, argv):
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = run(capsys, *argv)
    assert code == 0
    widest = max(out.splitlines(), key=len)
    assert len(widest) <= width, widest


def test_numbers_read_like_a_person_wrote_them(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run(capsys, "compare", "gulf-divestment-uae", "--draws", "300", "--detail")
    assert "e+0" not in out and "e-1" not in out
    assert "880,000 H100e per year" in out and "%" in out
    assert "chips -" not in out  # levels, not negative changes
    _, out, _ = run(capsys, "show", "tier-upgrade-poland")
    assert "favoured tier" in out and "tier favoured tier" not in out  # a level by its name
    assert "full strength (1 of 1)" in out and "(strength, 0-1)" not in out  # a scale, read


def test_levels_shares_and_articles_read_like_a_person(capsys, monkeypatch):
    """Shares as percentages, scales against their top, 'the' only where English puts it,
    and no plural for one deal."""
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run(capsys, "compare", "microsoft-g42", "--draws", "300", "--detail")
    text = " ".join(out.split())
    assert "divest 100%" in text and "1 share" not in text
    assert "the G42" not in text and "G42 accepts" in text
    assert "1 deal," in text and "1 deals" not in text
    _, out, _ = run(capsys, "compare", "chips-for-farm-purchases", "--draws", "300", "--detail")
    text = " ".join(out.split())
    assert "The Tier-2 buyer would still accept" in text
    assert "Tier-2 buyer: too generous to Tier-2 buyer" not in text
    assert "Too generous to the Tier-2 buyer" in text
    assert "soy $1bn per year" in text


def test_assess_output_writes_every_table(capsys, tmp_path):
    code, _, err = run(capsys, "assess", "gulf-divestment-uae", "--draws", "300",
                       "--output", str(tmp_path), "--format", "csv")
    assert code == 0 and "wrote 5 tables" in err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["drivers.csv", "figures.csv", "one_at_a_time.csv", "surplus.csv",
                     "verdict.csv"]
    drivers = list(csv.DictReader(io.StringIO((tmp_path / "drivers.csv").read_text())))
    assert drivers[0]["parameter"]  # the index (parameter names) is kept


def test_assess_markdown_keeps_the_index(capsys, tmp_path):
    plot = tmp_path / "tornado.png"
    code, out, err = run(capsys, "assess", "chips-for-farm-purchases", "--draws", "300",
                         "--format", "markdown", "--plot", str(plot))
    assert code == 0 and err == ""
    assert "| parameter |" in out and "| side |" in out
    assert plot.stat().st_size > 1000


def test_terms_outcome_and_belief(capsys):
    code, out, _ = run(capsys, "assess", "gulf-divestment-uae", "--terms", "outcome",
                       "--draws", "200", "--format", "json")
    assert code == 0
    data = json.loads(out)
    deal = deals.load("gulf-divestment-uae")
    assert data["terms"] == "outcome"
    assert {r["issue"]: r["value"] for r in data["audited_terms"]} == pytest.approx(
        deal.outcome_values(deal.outcome.values))
    code, out, _ = run(capsys, "compare", "gulf-divestment-uae", "--terms", "belief",
                       "--draws", "200", "--format", "json")
    assert code == 0 and json.loads(out)["deals"][0]["terms_source"].startswith("optimal ask")


def test_thresholds_reach_the_verdict(capsys):
    # With --over-acceptance 0.3 the US (which gains in about 45% of worlds) no longer
    # counts as worse off than walking away in most worlds: not self-defeating any more.
    _, out, _ = run(capsys, "compare", "chips-for-farm-purchases", "--draws", "300",
                    "--format", "json")
    assert json.loads(out)["deals"][0]["verdicts"]["supplier"] == "self_defeating"
    _, out, _ = run(capsys, "compare", "chips-for-farm-purchases", "--draws", "300",
                    "--over-acceptance", "0.3", "--format", "json")
    assert json.loads(out)["deals"][0]["verdicts"]["supplier"] != "self_defeating"


@pytest.mark.slow  # starts worker processes
def test_every_command_runs_from_python_dash_m():
    for module in ("deals", "deals.cli.commands"):
        done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                              text=True, timeout=120, cwd=Path(deals.__file__).parent.parent)
        assert done.returncode == 0, done.stderr
        for command in COMMANDS:
            assert command.name in done.stdout


@pytest.mark.parametrize("argv, fragment", [
    (["compare", "no-such-deal"], "no-such-deal"),
    (["assess", "chips-for-farm-purchases", "--draws", "0"], "--draws"),
    (["assess", "chips-for-farm-purchases", "--set", "nope=1"], "nope"),
    (["assess", "chips-for-farm-purchases", "--terms", "outcome"], "[outcome]"),
    (["compare", "--under-acceptance", "3"], "under_acceptance"),
    (["compare", "chips-for-farm-purchases", "--draws", "50", "--plot", "/no/such/dir/x.png"], "--plot"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def hello(args):
    """A command handler living outside deals.cli.commands (as other engineers' commands will)."""
    import pandas as pd

    from deals.views.output import Section

    return [Section("hello", pd.DataFrame({"greeting": [f"hello {args.name}"]}), name="hello")]


def hello_options(parser):
    parser.add_argument("--name", default="world")


def test_a_new_command_is_one_table_entry(capsys, monkeypatch):
    import deals.cli.commands as cli

    entry = cli.Command("hello", f"{__name__}:hello", "say hello", deal=False,
                        options=f"{__name__}:hello_options")
    monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + (entry,))
    code, out, _ = run(capsys, "hello", "--name", "Poland", "--format", "csv")
    assert code == 0 and out.splitlines() == ["greeting", "hello Poland"]


def test_ctrl_c_is_one_line_and_exit_130(capsys, monkeypatch):
    import deals.cli.listing as listing

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(listing, "cmd_list", interrupted)
    code, out, err = run(capsys, "list")
    assert code == 130 and out == "" and err == "chipdeals: interrupted\n"


def test_compare_outcome_leaves_out_deals_without_one(capsys):
    code, out, _ = run(capsys, "compare", "chips-for-farm-purchases", "tier-upgrade-poland",
                       "--terms", "outcome", "--draws", "200", "--format", "json")
    assert code == 2  # named explicitly: the missing [outcome] is an error
    comparison = deals.compare(None, draws=100, terms="outcome")
    assert comparison.skipped == ("chips-for-farm-purchases", "tier-upgrade-poland")  # imposed
    from deals.numbers import json_value

    data = json_value(comparison.to_dict())
    jsonschema.validate(data, SCHEMA)
    assert all(r["struck"]["verdicts"] == r["verdicts"] for r in data["deals"])


@pytest.mark.slow
def test_a_progress_bar_at_a_terminal_only():
    pexpect = pytest.importorskip("pexpect")
    import os

    root = str(Path(deals.__file__).parent.parent)
    child = pexpect.spawn(sys.executable, ["-m", "deals", "compare", *TWO, "india-energy-trade",
                                           "--draws", "3000", "--format", "csv"],
                          env=dict(os.environ, PYTHONPATH=root), timeout=300, encoding="utf-8")
    child.expect(pexpect.EOF)
    assert "deal/s" in child.before or "s/deal" in child.before  # tqdm's rate, in deals


@pytest.mark.parametrize("argv", [["--help"]] + [[c.name, "--help"] for c in COMMANDS])
def test_help_fits_80_columns_and_states_only_real_defaults(capsys, monkeypatch, argv):
    monkeypatch.setenv("COLUMNS", "80")
    try:
        main(argv)
    except SystemExit:
        pass
    out = capsys.readouterr().out
    assert "usage: chipdeals" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "default: None" not in out


def test_show_lists_discrete_levels_in_words(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run(capsys, "show", "microsoft-g42")
    assert "0 or 1.5" in out and "[0.0, 1.5]" not in out


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_long_run_says_so_at_once_on_a_terminal(monkeypatch, capsys):
    """At a terminal the first stderr line names the work before any audit runs (issue 26:
    compare showed a blank pane for 20 s); in a pipe stderr stays empty."""
    said, bars, parsing = [], [], []
    real, build = deals.compare, commands.build_parser

    def spy(*args, **kwargs):  # what stderr holds when the audits begin
        said.append(err.getvalue())
        bars.append(kwargs["progress"])
        return real(*args, **kwargs)

    def parser(*args, **kwargs):  # ... and before the solvers load (the parser imports them)
        parsing.append(err.getvalue())
        return build(*args, **kwargs)

    err = _Terminal()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr(deals, "compare", spy)
    monkeypatch.setattr(commands, "build_parser", parser)
    assert main(["compare", "tier-upgrade-poland", "--draws", "50"]) == 0
    assert parsing[0] == "chipdeals compare: loading the solvers ...\n"
    assert said[0].splitlines()[1].startswith("chipdeals compare: auditing 1 deal, 50 draws each")
    assert bars == [True]  # the bar is drawn at 0 from the start, not after the first deal
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert main(["compare", "tier-upgrade-poland", "--draws", "50"]) == 0
    assert sys.stderr.getvalue() == ""
