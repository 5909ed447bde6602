"""chipdeals ratify: the tables a person reads, and one clear line for a deal without the tables."""

from __future__ import annotations

import json

from deals.cli.commands import main


def test_ratify_prints_ratification_threat_and_belief_costs(capsys):
    assert main(["ratify", "allied-sme-netherlands", "--draws", "200"]) == 0
    out = capsys.readouterr().out
    for text in ("P(ratifies the proposal)", "supplier power: with ratification delays",
                 "P(breakdown: mutual optimism)", "threat under doubt",
                 "what each side's belief costs it", "FLAG"):
        assert text in out
    table_lines = [line for line in out.splitlines() if not line.startswith(" ")
                   and "  " in line]
    assert max(len(line) for line in table_lines) <= 80


def test_ratify_json_names_each_side(capsys):
    assert main(["ratify", "india-energy-trade", "--draws", "100", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    tables = data.get("tables", data)
    costs = next(t for t in tables.values() if t["title"] == "what each side's belief costs it")
    costs = costs["rows"]
    assert [row["side"] for row in costs] == ["US", "India"]


def test_a_deal_without_actors_or_beliefs_is_one_line_and_exit_2(capsys):
    assert main(["ratify", "chips-for-farm-purchases", "--draws", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "[actors]" in err
