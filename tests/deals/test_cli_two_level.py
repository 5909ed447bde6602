"""chipdeals ratify: the tables a person reads, and one clear line for a deal without the tables."""

from __future__ import annotations

import json

import pytest

from deals.cli.commands import main


def test_ratify_prints_ratification_threat_and_belief_costs(capsys):
    assert main(["ratify", "allied-sme-netherlands", "--draws", "200"]) == 0
    out = capsys.readouterr().out
    for text in ("P(ratifies the proposal)", "Who blocks on the Netherlands side",
                 "P(breakdown: mutual optimism)", "threat under doubt",
                 "what each side's belief costs it", "FLAG", "docs/glossary.md"):
        assert text in out
    # Plain words by default: the specialist lines only with --detail.
    assert "Schelling" not in out and "supplier power" not in out and "win-set" not in out
    assert main(["ratify", "allied-sme-netherlands", "--draws", "200", "--detail"]) == 0
    detailed = capsys.readouterr().out
    assert "supplier power: with ratification delays" in detailed and "Schelling" in detailed
    table_lines = [line for line in out.splitlines() if not line.startswith(" ")
                   and "  " in line]
    assert max(len(line) for line in table_lines) <= 80


def test_ratify_json_names_each_side(capsys):
    assert main(["ratify", "india-energy-trade", "--draws", "100", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["party"] for row in data["belief_costs"]] == ["US", "India"]
    assert [row["side"] for row in data["belief_costs"]] == ["supplier", "partner"]


def test_ratify_names_the_member_that_blocks_and_how_often(capsys):
    """A member blocks in a draw where it is worse off than its outside option and the side
    refuses; so no member blocks more often than the side refuses, and when the side refuses
    someone objects (a side whose every member gains ratifies under any rule)."""
    import deals
    from deals.two_level.ratification import two_level

    t = two_level(deals.load("allied-sme-netherlands"), 300, 0)
    side = t.sides["partner"]
    name, share = side.main_blocker()
    assert 0 < share <= 1 - side.ratified + 1e-12
    assert name in side.blockers
    assert share == pytest.approx(max(side.blockers.values()))


def test_a_deal_without_actors_or_beliefs_is_one_line_and_exit_2(capsys):
    assert main(["ratify", "chips-for-farm-purchases", "--draws", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "[actors]" in err
