"""chipdeals stages: the tables a person reads, and one clear line for a deal without stages."""

from __future__ import annotations

from deals.cli.commands import main


def test_stages_prints_plan_curves_and_ranking(capsys):
    assert main(["stages", "gulf-divestment-saudi", "--draws", "300", "--curve-draws", "100"]) == 0
    out = capsys.readouterr().out
    for title in ("staged plan for chips", "breach reaches each stage", "value of the detection",
                  "value of the snapback", "what is worth researching"):
        assert title in out
    # Saudi's first tranches fail because the partner refuses, not because the later
    # tranches cost the supplier (issue 26): the output names that cause.
    assert "some type of partner refuses the plan" in " ".join(out.split())
    assert max(len(line) for line in out.splitlines() if not line.startswith(" ")) <= 120


def test_a_deal_without_stages_is_one_line_and_exit_2(capsys):
    assert main(["stages", "chips-for-farm-purchases", "--draws", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "[stages]" in err


def test_a_count_below_one_is_refused_not_silently_dropping_rows(capsys):
    for option in ("--top", "--draws", "--curve-draws"):
        assert main(["stages", "gulf-divestment-saudi", option, "-1"]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and f"{option}: must be at least 1" in err


def test_stages_prints_one_one_shot_value_not_two_estimates(capsys):
    """Issue 26: the plan table said 'one shot 6.25' and the curves' caption 'one shot 6.31'
    in one output: two Monte Carlo samples (10,000 and 2,000 draws) of one quantity. By default
    the curves now solve the plan's own draws, so the one-shot and the file's-terms values are
    one number each, wherever they appear."""
    import json

    assert main(["stages", "gulf-divestment-uae", "--draws", "300", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    options = data["plan"]["options"]
    one_shot = next(o["supplier_gain"] for o in options if o["one_shot"])
    best_staged = max(o["supplier_gain"] for o in options if not o["one_shot"])
    assert data["curve_draws"] == data["draws"] == 300
    for curve in data["value_curves"]:
        assert curve["one_shot"] == one_shot
        assert curve["under_the_files_terms"] == best_staged
    assert main(["stages", "gulf-divestment-uae", "--draws", "300"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "same 300 draws as the plan table" in text and "one shot 6." not in text
