"""chipdeals compare and assess: the main job, its formats, and errors."""

from __future__ import annotations

import csv
import io
import json

import pytest

import deals
from deals.cli import main

TWO = ["chips-for-farm-purchases", "tier-upgrade-poland"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_compare_json_is_reproducible_and_matches_the_library_api(capsys):
    code, first, err = run(capsys, "compare", *TWO, "--draws", "400", "--seed", "3", "--format", "json")
    assert code == 0 and err == ""
    _, second, _ = run(capsys, "compare", *TWO, "--draws", "400", "--seed", "3", "--format", "json")
    assert first == second  # byte for byte
    rows = json.loads(first)["leverage of each deal's proposal"]["rows"]
    direct = deals.compare(TWO, draws=400, seed=3)
    assert [r["deal"] for r in rows] == [a.deal for a in direct]
    for row, a in zip(rows, direct):
        assert row["flag (supplier)"] == a.flags["supplier"]
        assert row["P(partner accepts)"] == pytest.approx(a.acceptance["partner"])


def test_compare_sorts_by_how_far_leverage_is_off(capsys):
    code, out, _ = run(capsys, "compare", *TWO, "--draws", "300", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.split("\n", 1)[1])))
    gaps = [abs(float(r["leverage gap"])) for r in rows]
    assert gaps == sorted(gaps, reverse=True)


def test_thresholds_reach_the_verdict(capsys):
    # The farm deal is 'under' with the defaults. With --under-rho -5 no median rho is that
    # low, and with --over-acceptance 0.3 the US (which gains in about 45% of worlds) no longer
    # counts as worse off than walking away in most worlds: so it cannot be 'under'.
    _, out, _ = run(capsys, "compare", "chips-for-farm-purchases", "--draws", "300",
                    "--format", "json")
    assert json.loads(out)["leverage of each deal's proposal"]["rows"][0]["flag (supplier)"] == "under"
    _, out, _ = run(capsys, "compare", "chips-for-farm-purchases", "--draws", "300",
                    "--under-rho", "-5", "--over-acceptance", "0.3", "--format", "json")
    assert json.loads(out)["leverage of each deal's proposal"]["rows"][0]["flag (supplier)"] != "under"


def test_assess_markdown_and_plot(capsys, tmp_path):
    plot = tmp_path / "tornado.png"
    code, out, err = run(capsys, "assess", "chips-for-farm-purchases", "--draws", "300",
                         "--format", "markdown", "--plot", str(plot))
    assert code == 0 and err == ""
    assert "## chips-for-farm-purchases: leverage audit" in out
    assert "| flag (supplier) | under |" in out
    assert plot.stat().st_size > 1000


@pytest.mark.parametrize("argv, fragment", [
    (["compare", "no-such-deal"], "no-such-deal"),
    (["assess", "chips-for-farm-purchases", "--draws", "0"], "draws"),
    (["assess", "chips-for-farm-purchases", "--set", "nope=1"], "nope"),
    (["compare", "--under-acceptance", "3"], "under_acceptance"),
    (["compare", "chips-for-farm-purchases", "--draws", "50", "--plot", "/no/such/dir/x.png"], "--plot"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
