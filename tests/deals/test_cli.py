"""The chipdeals command, run in process (main returns the exit status) and once installed."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import deals
from deals.cli.commands import main

TOY = deals.library_path("chips-for-farm-purchases").read_text()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_library_deal(capsys):
    code, out, err = run(capsys, "list", "--format", "csv")
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))  # plain CSV: no comment line
    assert [r["deal"] for r in rows] == deals.library_names()


def test_show_json_reports_the_proposal_gains(capsys):
    code, out, _ = run(capsys, "show", "gulf-divestment-uae", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] == 2
    terms = {r["terms"]: r for r in data["tables"]["terms_on_the_table"]["rows"]}
    deal = deals.load("gulf-divestment-uae")
    assert terms["proposal"]["supplier_gain"] == pytest.approx(
        deal.gains(deal.proposal.values)[0])
    assert {r["parameter"] for r in data["tables"]["parameters"]["rows"]} == set(deal.parameters)


def test_json_keys_do_not_depend_on_the_deal(capsys, tmp_path):
    # `show` titles its first section with the deal's name, but keys it "deal": a deal called
    # "issues" must not replace the issues table, and one jq filter serves every deal.
    path = tmp_path / "issues.toml"
    path.write_text(TOY.replace('name = "chips-for-farm-purchases"', 'name = "issues"'))
    code, out, _ = run(capsys, "show", str(path), "--format", "json")
    assert code == 0
    data = json.loads(out)["tables"]
    assert "title" in {r["field"] for r in data["deal"]["rows"]}
    assert {r["issue"] for r in data["issues"]["rows"]} == {"chips", "soy"}
    run(capsys, "show", "tier-upgrade-poland", "--format", "json")
    _, other, _ = run(capsys, "show", "tier-upgrade-poland", "--format", "json")
    assert {"deal", "issues", "parameters"} <= set(json.loads(other)["tables"]) & set(data)


def test_solve_reports_the_tree_and_the_solutions(capsys):
    code, out, _ = run(capsys, "solve", "allied-sme-netherlands", "--set", "cap_threat=1",
                       "--format", "json")
    assert code == 0
    data = json.loads(out)["tables"]
    (tree,) = data["offer_tree"]["rows"]
    assert tree["play"] == ["fdpr for refuse", "accept"] and tree["agreement"]
    names = [r["solution"] for r in data["bargaining_solutions"]["rows"]]
    assert "Nash" in names and "Kalai-Smorodinsky" in names and "Rubinstein" in names
    assert all(r["regret"] <= 1e-7 for r in data["stance_game_equilibria"]["rows"])


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_every_format_prints_the_frontier(capsys, fmt):
    code, out, _ = run(capsys, "frontier", "tier-upgrade-poland", "--format", fmt)
    assert code == 0 and "screening" in out
    assert ("Pareto frontier" in out) == (fmt != "csv")  # csv: the bare table


def test_frontier_plot_writes_a_png(capsys, tmp_path):
    target = tmp_path / "frontier.png"
    code, _, _ = run(capsys, "frontier", "chips-for-farm-purchases", "--plot", str(target),
                     "--points", "3")
    assert code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_deal_file_by_path(capsys, tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(TOY.replace('name = "chips-for-farm-purchases"', 'name = "mine"'))
    code, out, _ = run(capsys, "show", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["tables"]["deal"]["title"] == "mine"


@pytest.mark.parametrize("argv,needle", [
    (["show", "no-such-deal"], "no such deal"),
    (["show", "gulf-divestment-uea"], "did you mean 'gulf-divestment-uae'"),
    (["solve", "missing.toml"], "missing.toml: (file): no such file"),
    (["solve", "gulf-divestment-uae", "--format", "xml"], "invalid choice"),
    (["explode"], "invalid choice"),
    (["comapre"], "did you mean 'compare'?"),
    (["frontier", "gulf-divestment-uae", "--resolution", "1"], "at least 2"),
    (["frontier", "gulf-divestment-uae", "--resolution", "many"], "invalid int"),
    (["frontier", "gulf-divestment-uae", "--points", "-5"], "--points must be 0"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


@pytest.mark.parametrize("change,field", [
    (('giver = "partner"', 'giver = "nobody"'), "issues.soy.giver"),
    (('soy_premium * soy"', 'soy_premium * soy.__class__"'), "utility.partner"),
    (("value = 0.03", "value = 9**9"), "(file)"),
])
def test_bad_file_names_file_and_field(capsys, tmp_path, change, field):
    path = tmp_path / "bad.toml"
    assert change[0] in TOY
    path.write_text(TOY.replace(*change, 1))
    code, out, err = run(capsys, "solve", str(path))
    assert code == 2 and out == ""
    assert f"bad.toml: {field}" in err and err.count("\n") == 1


def test_an_error_found_while_solving_names_the_file_and_field(capsys, tmp_path):
    # The file loads (soy could be a condition), but the stance game cannot be evaluated.
    path = tmp_path / "cond.toml"
    path.write_text(TOY.replace('- soy_premium * soy"', '- where(soy, soy_premium, 0)"', 1))
    code, out, err = run(capsys, "solve", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{path}: utility.partner: " in err


def test_plot_to_an_unwritable_place(capsys, tmp_path):
    code, _, err = run(capsys, "frontier", "chips-for-farm-purchases", "--plot",
                       str(tmp_path / "no" / "dir" / "f.png"))
    assert code == 2 and "--plot" in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "solve" in out and "frontier" in out


@pytest.mark.slow  # starts worker processes
def test_installed_console_script():
    script = shutil.which("chipdeals") or str(Path(sys.executable).parent / "chipdeals")
    done = subprocess.run([script, "list", "--format", "json"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["tables"]["deals"]["rows"]
    assert [r["deal"] for r in rows] == deals.library_names()
    bad = subprocess.run([script, "show", "nope"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_set_binds_parameters(capsys):
    deal = deals.load("gulf-divestment-saudi")
    code, out, _ = run(capsys, "show", "gulf-divestment-saudi", "--set", "china_retaliation=8",
                       "--format", "json")
    assert code == 0
    rows = {r["terms"]: r for r in json.loads(out)["tables"]["terms_on_the_table"]["rows"]}
    expected = deal.bind(china_retaliation=8.0).gains(deal.proposal.values)[1]
    assert rows["proposal"]["partner_gain"] == pytest.approx(expected)
    assert expected < 0  # at the top of its range, full divestment is rejected


def test_absurd_parameter_values_solve_or_exit_2_not_a_traceback(capsys):
    # Payoffs of 1e300 used to overflow inside the Rubinstein refinement (the square of the
    # scale); the solvers now work in units of the utility range and the answer is consistent:
    # the zone of agreement is not empty, so Nash finds an agreement.
    code, out, err = run(capsys, "solve", "gulf-divestment-saudi", "--set", "china_retaliation=1e300",
                         "--format", "json")
    assert code in (0, 2) and "Traceback" not in err
    if code == 2:
        assert out == "" and err.count("\n") == 1
        assert err.startswith("chipdeals: error: gulf-divestment-saudi: ")
    else:
        solutions = json.loads(out)["tables"]["bargaining_solutions"]
        assert all(r["agreement"] for r in solutions["rows"])


@pytest.mark.parametrize("setting,needle", [("china_ties", "NAME=NUMBER"),
                                            ("china_ties=lots", "NAME=NUMBER"),
                                            ("no_such=1", "bind.no_such: no such parameter")])
def test_bad_set_exits_2(capsys, setting, needle):
    code, out, err = run(capsys, "show", "gulf-divestment-saudi", "--set", setting)
    assert code == 2 and needle in err and err.count("\n") == 1


def test_solve_shows_a_value_a_rounding_step_from_an_issue_end_as_the_end():
    """The Rubinstein row of solve printed 'cloud_credits 2.78e-09' on a 0-to-1 issue."""
    import pandas as pd

    import deals
    from deals.cli.deal import END_SNAP, _at_ends

    deal = deals.load("gulf-divestment-uae")
    issue = next(i for i in deal.issues if i.range[1] - i.range[0] > 0)
    lo, hi = (float(v) for v in issue.range)
    span = hi - lo
    raw = [lo + 0.3 * END_SNAP * span, lo + 0.5 * span, hi - 0.3 * END_SNAP * span,
           lo + 10 * END_SNAP * span, float("nan")]
    shown = _at_ends(pd.DataFrame({issue.name: raw}), deal)[issue.name].tolist()
    assert shown[:4] == [lo, raw[1], hi, raw[3]] and shown[4] != shown[4]
