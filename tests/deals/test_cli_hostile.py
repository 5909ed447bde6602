"""Files written by someone else, run through the command line as an outside tester would.

Each test failed before its fix: the file and field named in one line with exit code 2, no
terminal control codes passed through from a file, no wrong answer printed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from deals.cli.commands import main
from deals.portfolio.file import PORTFOLIOS

TEACHING = (PORTFOLIOS / "teaching.toml").read_text(encoding="utf-8")


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err.strip()


def one_line(code, err):
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_a_portfolio_error_found_while_solving_names_the_portfolio_file(tmp_path, capsys):
    # The precedent's strength goes below 0 in some draws: found in the draws, not on reading,
    # and the line named the field but not the file it is in.
    path = tmp_path / "mine.toml"
    path.write_text(TEACHING.replace('strength = "precedent"', 'strength = "precedent - 0.3"'),
                    encoding="utf-8")
    err = one_line(*run(["portfolio", path, "--draws", "20", "--jobs", "1"], capsys)[::2])
    assert err.startswith(f"chipdeals: error: {path}: links.precedent"), err


MINIMAL = """\
[deal]
name = "kiwi-gpus"
title = "Kiwi fruit for GPUs"
supplier = "Ruritania"
partner = "Zembla"

[parameters.worth]
value = 3.0
range = [1.0, 6.0]
source = "modelling judgement"

[issues.gpus]
range = [0, 2]
giver = "supplier"

[issues.kiwi]
range = [0, 3]
giver = "partner"

[utility]
supplier = "kiwi - 0.4 * gpus"
partner = "worth * gpus - kiwi"

[outside_option]
supplier = "0"
partner = "0.1"

[proposal]
terms = { gpus = 1.5, kiwi = 1.2 }
"""


@pytest.mark.parametrize("field, old, new", [
    ("deal.title", 'title = "Kiwi fruit for GPUs"', r'title = "Kiwi \u001b[2J\u001b[31m"'),
    ("deal.name", 'name = "kiwi-gpus"', r'name = "kiwi\rgpus"'),
    ("deal.partner", 'partner = "Zembla"', r'partner = "Zem\u0007bla"'),
    ("parameters.worth.source", 'source = "modelling judgement"', r'source = "x\u009b2J"'),
])
def test_terminal_control_codes_in_text_are_refused_naming_the_field(tmp_path, capsys, field,
                                                                     old, new):
    # A title holding ESC [2J cleared the reader's terminal when `show` printed it.
    path = tmp_path / "deal.toml"
    path.write_text(MINIMAL.replace(old, new), encoding="utf-8")
    code, out, err = run(["show", path], capsys)
    err = one_line(code, err)
    assert f"{path}: {field}:" in err and "\x1b" not in err and "\x9b" not in err, err
    assert not any(c in out for c in "\x1b\x07\x9b\r"), out


def test_a_portfolio_title_with_control_codes_is_refused(tmp_path, capsys):
    path = tmp_path / "mine.toml"
    path.write_text(TEACHING.replace('title = "Two Gulf', r'title = "\u001b[2JTwo Gulf', 1),
                    encoding="utf-8")
    err = one_line(*run(["portfolio", path, "--draws", "20", "--jobs", "1"], capsys)[::2])
    assert f"{path}: portfolio.title:" in err, err


def test_a_description_may_span_lines_and_hold_tabs(tmp_path, capsys):
    path = tmp_path / "deal.toml"
    path.write_text(MINIMAL.replace('partner = "Zembla"\n', 'partner = "Zembla"\n'
                                    'description = """two\n\tlines"""\n'), encoding="utf-8")
    assert run(["show", path], capsys)[0] == 0


def test_a_deal_whose_two_sides_share_a_name_is_refused_on_reading(tmp_path, capsys):
    # show, solve and assess printed tables in which "Ruritania accepts" meant either side;
    # only frontier and negotiate refused it, in words that named no field.
    path = tmp_path / "deal.toml"
    path.write_text(MINIMAL.replace('partner = "Zembla"', 'partner = "Ruritania"'),
                    encoding="utf-8")
    for command in ("show", "assess"):
        err = one_line(*run([command, path, "--draws", "20", "--jobs", "1"][:2 if command ==
                                                                               "show" else 6],
                            capsys)[::2])
        assert f"{path}: deal.partner:" in err, err


ACTORS = MINIMAL + """
[actors.supplier]
rule = "veto"
review_months = "REVIEW"

[actors.supplier.members.Ministry]
utility = "UTILITY"
"""


@pytest.mark.parametrize("review, utility, field", [
    ("-5", "kiwi - 0.4 * gpus", "actors.supplier.review_months"),
    ("log(worth - 2)", "kiwi - 0.4 * gpus", "actors.supplier.review_months"),
    ("1", "kiwi / (gpus - 1)", "actors.supplier.members.Ministry.utility"),
])
@pytest.mark.parametrize("command", ["ratify", "assess"])
def test_a_bad_delay_or_member_utility_names_its_field(tmp_path, capsys, review, utility, field,
                                                       command):
    # Before: "delta_1 must hold discount factors strictly between 0 and 1; 60 do not" and
    # "the ratification constraint has no value (NaN) at some packages of draw 0".
    path = tmp_path / "deal.toml"
    path.write_text(ACTORS.replace("REVIEW", review).replace("UTILITY", utility),
                    encoding="utf-8")
    extra = ["--jobs", "1"] if command == "assess" else []
    err = one_line(*run([command, path, "--draws", "40", *extra], capsys)[::2])
    assert f"{path}: {field}:" in err, err


@pytest.mark.parametrize("field, old, new", [
    ("volume", 'volume = "bought"\nblocked', 'volume = "log(bought - 0.5)"\nblocked'),
    ("volume", 'volume = "bought"\nblocked', 'volume = "-bought"\nblocked'),
    ("demand", 'demand = "demand"\n\n[shared', 'demand = "-demand"\n\n[shared'),
])
def test_a_flow_of_chips_that_is_not_a_number_or_below_0_names_the_deal_and_field(
        tmp_path, capsys, field, old, new):
    # Before: "allocate: problem 0's volumes are not finite in draw 0", "allocate: volumes
    # must be at least 0" (no file, no field), and a negative demand was solved as given.
    assert old in TEACHING
    path = tmp_path / "mine.toml"
    path.write_text(TEACHING.replace(old, new, 1), encoding="utf-8")
    err = one_line(*run(["portfolio", path, "--draws", "20", "--jobs", "1"], capsys)[::2])
    assert f"{path}: deals (malaysia).{field}:" in err, err


@pytest.mark.parametrize("field, old, new", [
    ("parameters.worth", "range = [1.0, 6.0]", "range = [1.0, 1e300]"),
    ("issues.gpus.range", "range = [0, 2]", "range = [0, 1e300]"),
])
def test_a_range_too_wide_to_compute_with_is_refused_on_reading(tmp_path, capsys, field, old,
                                                                new):
    # Before: the parameter's draws overflowed (RuntimeWarning lines, then an error about a
    # draw of -inf); the issue's range ran to a printed audit with a benchmark of n/a and a
    # best ask of 0 accepted in 0% of worlds, the overflow said only in warnings.
    path = tmp_path / "deal.toml"
    path.write_text(MINIMAL.replace(old, new, 1), encoding="utf-8")
    err = one_line(*run(["assess", path, "--draws", "40", "--jobs", "1"], capsys)[::2])
    assert f"{path}: {field}" in err and "Warning" not in err, err


def test_list_writes_a_workbook(tmp_path, capsys):
    # `chipdeals list --output deals.xlsx` ended in a traceback ('Rows' object has no
    # attribute 'index'): list builds its table without pandas, and the workbook wanted one.
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "deals.xlsx"
    code, out, err = run(["list", "--output", path], capsys)
    assert code == 0, err
    sheet = openpyxl.load_workbook(path).worksheets[0]
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "gulf-divestment-uae" in cells and "deal" in cells


def test_a_library_deal_read_before_its_proposal_leaves_out_the_stages_that_stage_it():
    # compare and backtest --as-of 1900-01-01 refused the bundled UAE deal: its [stages]
    # stages the proposal by default (no `terms` key), and only an explicit terms = "proposal"
    # was left out with the proposal.
    import deals

    deal = deals.load("gulf-divestment-uae", as_of="1900-01-01")
    assert deal.proposal is None and deal.stages is None
    assert deals.load("gulf-divestment-uae").stages is not None


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])
def test_compare_says_which_deal_an_error_found_while_auditing_is_in(tmp_path, capsys, jobs):
    # compare of several files said "utility.supplier: inf at gpus=0, ..." and not which.
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(MINIMAL, encoding="utf-8")
    bad.write_text(MINIMAL.replace('name = "kiwi-gpus"', 'name = "overflowing"').replace(
        'supplier = "kiwi - 0.4 * gpus"', 'supplier = "kiwi ** (worth * 200)"'), encoding="utf-8")
    err = one_line(*run(["compare", good, bad, "--draws", "40", "--jobs", jobs], capsys)[::2])
    assert "deal 'overflowing': utility.supplier:" in err, err


def test_a_chart_of_a_deal_named_in_emoji_and_cjk_says_nothing_on_stderr(tmp_path, capsys):
    # Six lines of "UserWarning: Glyph 129373 (\N{KIWIFRUIT}) missing from font(s)" followed
    # a successful --plot: stderr is for one line on errors.
    pytest.importorskip("matplotlib")
    path = tmp_path / "deal.toml"
    path.write_text(MINIMAL.replace('partner = "Zembla"', 'partner = "Zembla 🥝 日本"'),
                    encoding="utf-8")
    image = tmp_path / "chart.png"
    with warnings.catch_warnings(record=True) as caught:  # what python -m deals prints
        warnings.simplefilter("always")
        code, out, err = run(["assess", path, "--draws", "40", "--jobs", "1", "--plot",
                              image], capsys)
    assert code == 0 and image.stat().st_size > 0, err
    assert not [w for w in caught if "Glyph" in str(w.message)], caught[:2]


def _twelve_issues(tmp_path):
    """MINIMAL with ten more continuous issues (twelve in all), each worth 0.1 to one side."""
    extra = "".join(f'[issues.x{i}]\nrange = [0, 1]\ngiver = "{("supplier", "partner")[i % 2]}"'
                    "\n\n" for i in range(10))
    text = MINIMAL.replace("[utility]", extra + "[utility]").replace(
        '"kiwi - 0.4 * gpus"', '"kiwi - 0.4 * gpus + ' + " + ".join(
            f"{(-0.1, 0.1)[i % 2]} * x{i}" for i in range(10)) + '"')
    path = tmp_path / "deal.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow  # a few seconds: the stance game and the frontier of twelve issues
def test_a_deal_of_twelve_continuous_issues_solves_with_the_default_resolution(tmp_path,
                                                                              capsys):
    # solve refused a valid file of many issues: "the issue grid has 244,140,625 outcomes
    # (more than 20,000,000); lower resolution=5", a resolution the user never gave.
    import deals
    from deals.deal.analysis import default_resolution
    from games.bargaining import MAX_OUTCOMES

    path = _twelve_issues(tmp_path)
    assert default_resolution(deals.load(path)) ** 12 <= MAX_OUTCOMES
    code, out, err = run(["solve", path, "--format", "json"], capsys)
    assert code == 0, err


@pytest.mark.parametrize("country", ["Zem\x1b[2Jbla", "Zem\x9b2Jbla", "Zem\x7fbla"])
def test_a_country_holding_control_characters_is_refused_without_printing_them(tmp_path,
                                                                             capsys, country):
    # The error line quoted the country as read: ESC [2J cleared the terminal showing it, and
    # DEL and CSI (C1) passed the check of characters below 32.
    doc = (PORTFOLIOS / "middle-tier.toml").read_text(encoding="utf-8")
    table = (PORTFOLIOS / "ai-diffusion-countries.csv").read_text(encoding="utf-8")
    header = table.splitlines()[0]
    row = next(r for r in table.splitlines() if r.startswith("Albania,"))
    (tmp_path / "ai-diffusion-countries.csv").write_text(
        header + "\n" + row.replace("Albania", country, 1) + "\n", encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text(doc, encoding="utf-8")
    err = one_line(*run(["portfolio", path, "--draws", "20", "--jobs", "1"], capsys)[::2])
    assert "column country" in err and not any(c in err for c in "\x1b\x9b\x7f"), err


@pytest.mark.parametrize("extra, field", [
    ('[actors.supplier]\nrule = "veto"\n[actors.supplier.members."Mini\\u001b[31mstry"]\n'
     'utility = "kiwi"\n', "actors.supplier.members.'Mini\\x1b[31mstry'"),
    ('[actors.supplier]\nrule = "veto"\n[actors.supplier.members.Ministry]\nutility = "kiwi"\n'
     'description = "\\u001b[2J"\n', "actors.supplier.members.Ministry.description"),
    ('[beliefs.partner.worth]\nvalue = 3.0\nsource = "x\\u009b2J"\n',
     "beliefs.partner.worth.source"),
])
def test_control_characters_anywhere_in_a_file_are_refused_naming_the_field(tmp_path, capsys,
                                                                             extra, field):
    # A member's name is a key, not a text field: ratify printed "Who blocks on the Ruritania
    # side: Mini" in red, and any text after it too.
    path = tmp_path / "deal.toml"
    path.write_text(MINIMAL + "\n" + extra, encoding="utf-8")
    err = one_line(*run(["ratify", path, "--draws", "20"], capsys)[::2])
    assert f"{path}: {field}:" in err and "\x1b" not in err and "\x9b" not in err, err


def test_assessing_a_belief_the_file_lacks_says_to_add_a_belief(tmp_path, capsys):
    # It said "add the terms on the table as [proposal]" to a file that has a proposal.
    path = tmp_path / "deal.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    err = one_line(*run(["assess", path, "--terms", "belief", "--draws", "20", "--jobs", "1"],
                        capsys)[::2])
    assert "add [belief] values" in err and "as [proposal]" not in err, err


def test_a_side_that_can_only_walk_away_is_named_by_solve(tmp_path, capsys):
    # One issue, given by the supplier: the partner's only stance is to walk away. The line
    # said "the offer tree needs a stance for each side" without saying which side's table.
    text = MINIMAL.replace('[issues.kiwi]\nrange = [0, 3]\ngiver = "partner"\n\n', "").replace(
        '"kiwi - 0.4 * gpus"', '"1 - 0.4 * gpus"').replace('"worth * gpus - kiwi"',
                                                         '"worth * gpus - 1"').replace(
        "terms = { gpus = 1.5, kiwi = 1.2 }", "terms = { gpus = 1.5 }")
    text += ('\n[stances.supplier]\ngive = { gpus = 2 }\n\n'
             '[stances.partner]\nno = { walk_away = true }\n')
    path = tmp_path / "deal.toml"
    path.write_text(text, encoding="utf-8")
    err = one_line(*run(["solve", path], capsys)[::2])
    assert f"{path}: stances.partner:" in err, err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("option", ["--keep-draws", "--plot"])
def test_an_output_path_that_is_a_device_is_refused_not_replaced(tmp_path, capsys, option,
                                                                  monkeypatch):
    # The atomic write renamed its temporary file over the path: run as root, --keep-draws
    # /dev/full replaced the device with a regular file of the draws (exit 0). A device that
    # cannot be renamed over stands for it here when not root: a FIFO in a folder of ours.
    import os
    import stat as stats

    from games.writing import check_writable, replacing

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert check_writable(fifo) is not None and check_writable("/dev/full") is not None
    with pytest.raises(OSError):
        with replacing(fifo) as out:
            out.write(b"x")
    assert stats.S_ISFIFO(fifo.stat().st_mode)
    path = tmp_path / "deal.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    err = one_line(*run(["assess", path, "--draws", "20", "--jobs", "1", option, fifo],
                        capsys)[::2])
    assert "not a regular file" in err and stats.S_ISFIFO(fifo.stat().st_mode), err


@pytest.mark.parametrize("value, said", [("nan", "nan is outside the range"),
                                         ("1e30", "1e+30 is outside the range"),
                                         ("9" * 400, "inf is outside the range")])
def test_record_terms_outside_the_issue_range_are_refused_naming_the_field(tmp_path, capsys,
                                                                             value, said):
    # A refusal at chips = 1e30 was conditioned on as given (exit 0); at NaN the line said the
    # record "cannot be rationalised: effective sample 0".
    record = tmp_path / "record.toml"
    record.write_text('[[event]]\ndeal = "chips-for-farm-purchases"\n'
                      f'terms = {{ chips = {value} }}\nrefused = ["partner"]\n', encoding="utf-8")
    err = one_line(*run(["assess", "chips-for-farm-purchases", "--given", record, "--draws",
                         "50", "--jobs", "1"], capsys)[::2])
    assert f"{record}: event[0].terms.chips: {said}" in err, err


def test_negotiate_does_not_echo_a_pasted_megabyte(capsys, monkeypatch):
    # "Not taken: 'xxxx...'" printed the whole line back: 25,000 lines for 2 MB.
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("x" * 2_000_000 + "\n"))
    code, out, err = run(["negotiate", "chips-for-farm-purchases", "--rounds", "2"], capsys)
    assert code == 0 and len(out) + len(err) < 20_000, (len(out), len(err))
    assert "Not taken: 'xxxxxxxx" in out + err


STAGES = MINIMAL + """
[stages]
issue = "gpus"
tranches = [0.5, 1.5]
detection = "0.6"

[stages.types.good]
prior = "0.7"
comply = [0.99, 0.99]

[stages.types.bad]
prior = "0.3"
comply = [0.5, COMPLY]
"""


def test_a_compliance_probability_out_of_0_1_names_its_type_and_stage(tmp_path, capsys):
    # The line said "stages.types (keep 1 1)", a name of the solver's columns, not the file's.
    path = tmp_path / "deal.toml"
    path.write_text(STAGES.replace("COMPLY", '"worth - 1"'), encoding="utf-8")
    err = one_line(*run(["stages", path, "--draws", "50"], capsys)[::2])
    assert f"{path}: stages.types.bad.comply[1]:" in err, err


def test_a_deal_of_twelve_continuous_issues_is_audited(tmp_path, capsys):
    # assess refused a valid file of twelve continuous issues: "a grid of 531,441 outcomes
    # exceeds 200,000; use fewer discrete levels or issues" (3 levels an issue, the scan's
    # floor, never a choice of the user's). The scan now takes each issue's ends there.
    code, out, err = run(["assess", _twelve_issues(tmp_path), "--draws", "100", "--jobs", "1",
                          "--format", "json"], capsys)
    assert code == 0, err


def test_explore_takes_no_table_options():
    """explore serves a page and prints no tables: --format and --output, which it ignored,
    are refused in one line with exit 2 and are not in its help."""
    from deals.cli.commands import EXIT_BAD_INPUT, build_parser, main

    assert main(["explore", "--format", "json"]) == EXIT_BAD_INPUT
    sub = build_parser()._subparsers._group_actions[0].choices["explore"]
    assert "--format" not in sub.format_help() and "--output" not in sub.format_help()


def test_compare_refuses_one_deal_twice(tmp_path, capsys):
    """compare listed a deal given twice (by name, or as a copy of its file) as two rows of one
    name, which its JSON and ``Comparison[name]`` cannot tell apart."""
    from deals.cli.commands import EXIT_BAD_INPUT, main
    from deals.deal.reading import library_path

    copy = tmp_path / "copy.toml"
    copy.write_text(library_path("tier-upgrade-poland").read_text())
    for second in ("tier-upgrade-poland", str(copy)):
        assert main(["compare", "tier-upgrade-poland", second, "--draws", "50"]) == EXIT_BAD_INPUT
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "given twice" in err


def test_compare_names_the_file_of_a_deal_without_the_terms(tmp_path, capsys):
    """compare --terms belief on a file without a [belief] named the deal but not its file
    (assess named both)."""
    from deals.cli.commands import EXIT_BAD_INPUT, main
    from deals.deal.reading import library_path

    path = tmp_path / "mine.toml"
    path.write_text(library_path("tier-upgrade-poland").read_text())
    assert main(["compare", str(path), "--terms", "belief", "--draws", "50"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"chipdeals: error: {path}: ") and "[belief]" in err

