"""Hostile deal files and options found by a third sweep, run through the command line.

Each test failed before its fix: a traceback, a warning on stderr, a run of minutes, or an
answer with a column missing. Now each gives one line naming the file and field, with exit
code 2, or the answer with nothing on stderr.
"""

from __future__ import annotations

import io
import warnings

import matplotlib
import matplotlib.figure
import numpy as np
import pandas as pd
import pytest

import deals
from deals.audit.drivers import swing_table
from deals.views.output import Section, tables_data
from games.expressions import parse_expression
from tests.deals.test_cli_hostile import MINIMAL, one_line, run


def _with_partner(utility: str) -> str:
    """MINIMAL with the partner's utility ``utility``."""
    return MINIMAL.replace('partner = "worth * gpus - kiwi"', f'partner = "{utility}"')


def _with_fixed_issues(count: int) -> str:
    """MINIMAL with ``count`` more issues, each fixed at 0 (a range of one point)."""
    return MINIMAL + "".join(f'\n[issues.fixed{i}]\nrange = [0, 0]\ngiver = "partner"\n'
                             for i in range(count))


@pytest.mark.parametrize("command", [["show"], ["solve"], ["assess", "--draws", "50"]])
def test_a_deal_of_more_issues_than_numpy_has_axes_is_refused_on_reading(tmp_path, capsys,
                                                                          command):
    # 32 issues: assess and solve ended in a traceback (NumPy's "only supports up to 32
    # dimensions", exit 1); 2,000 issues kept show busy for minutes filling the expression
    # cache with hundreds of megabytes.
    path = tmp_path / "wide.toml"
    path.write_text(_with_fixed_issues(30), encoding="utf-8")
    err = one_line(*run([command[0], path, *command[1:]], capsys)[::2])
    assert err.startswith(f"chipdeals: error: {path}: issues: 32 issues, more than 31"), err


def test_a_deal_of_31_issues_is_still_audited(tmp_path, capsys):
    path = tmp_path / "wide.toml"
    path.write_text(_with_fixed_issues(29), encoding="utf-8")
    code, out, err = run(["assess", path, "--draws", "50", "--jobs", "1"], capsys)
    assert code == 0 and err == "", err


@pytest.mark.parametrize("table, entry, count", [
    ("parameters", "p{i} = {{ value = 1, range = [0, 2] }}", 1_000),
    ("definitions", "d{i} = 'worth + {i}'", 1_001),
])
def test_a_deal_of_thousands_of_parameters_or_definitions_is_refused_on_reading(
        tmp_path, capsys, table, entry, count):
    # Each definition is compiled on reading (a few ms): 6,000 of them kept show busy 20 s,
    # and a megabyte of them for minutes; 20,000 parameters took assess 42 s.
    lines = "\n".join(entry.format(i=i) for i in range(count))
    path = tmp_path / "long.toml"
    path.write_text(MINIMAL.replace("[parameters.worth]", f"[{table}]\n{lines}\n\n"
                                    "[parameters.worth]"), encoding="utf-8")
    err = one_line(*run(["show", path], capsys)[::2])
    assert err.startswith(f"chipdeals: error: {path}: {table}: 1,001 {table}, more than 1,000"), err


@pytest.mark.parametrize("supplier, partner", [("中国", "日本"), ("Ruritania", "ruritania")])
@pytest.mark.parametrize("command", ["show", "solve", "frontier"])
def test_sides_whose_names_read_alike_in_snake_case_say_nothing_on_stderr(
        tmp_path, capsys, supplier, partner, command):
    # The JSON keys of columns are snake_case: 'US gain' and 'us gain', or two names in a
    # script snake_case drops, gave one key, and pandas warned on stderr that it dropped a
    # column ("DataFrame columns are not unique, some columns will be omitted").
    path = tmp_path / "names.toml"
    path.write_text(MINIMAL.replace('supplier = "Ruritania"', f'supplier = "{supplier}"')
                    .replace('partner = "Zembla"', f'partner = "{partner}"'), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, out, err = run([command, path, "--format", "json"], capsys)
    assert code == 0 and err == "", err


def test_every_column_keeps_its_own_json_key():
    frame = pd.DataFrame([[1.0, 2.0]], columns=["中国 gain", "日本 gain"])
    rows = tables_data([Section("gains", frame)])["gains"]["rows"]
    assert rows == [{"gain": 1.0, "gain_2": 2.0}]


def test_a_gain_infinite_at_both_ends_of_a_range_gives_a_swing_of_nan_silently():
    # assess refuses the utility in one line, but a worker computing the drivers at the same
    # time printed NumPy's "invalid value encountered in subtract" (inf - inf) above it.
    deal = deals.loads(_with_partner("exp(1000 * worth) * gpus - kiwi"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = swing_table(deal, deal.proposal.values)
    swing = table.columns["partner swing"]
    assert swing.size == 0 or np.isnan(swing).all()


def test_assess_of_a_utility_infinite_at_the_proposal_is_one_line(tmp_path, capsys):
    path = tmp_path / "inf.toml"
    path.write_text(_with_partner("exp(1000 * worth) * gpus - kiwi"), encoding="utf-8")
    err = one_line(*run(["assess", path, "--draws", "50"], capsys)[::2])
    assert f"{path}: utility.partner:" in err, err


@pytest.mark.parametrize("command", [["assess", "--draws", "50", "--jobs", "1"], ["frontier"]])
def test_dollars_in_a_deals_texts_are_drawn_as_dollars_not_read_as_tex(tmp_path, capsys,
                                                                       command):
    # matplotlib reads the text between two '$' as TeX: 'Zem$\frac{x$bla' stopped --plot
    # with "cannot write the image (... ParseSyntaxException ...); give a writable path", and
    # the UAE deal's unit '$bn-eq per year per $bn' was drawn as 'bn-eqperyearperbn'.
    path = tmp_path / "dollars.toml"
    path.write_text(MINIMAL.replace('partner = "Zembla"', r'partner = "Zem$\\frac{x$bla"')
                    .replace('title = "Kiwi fruit for GPUs"', r'title = "Kiwi $\\nosuch$ ^_"'),
                    encoding="utf-8")
    with matplotlib.rc_context():
        code, out, err = run([command[0], path, *command[1:], "--plot", tmp_path / "c.png"],
                             capsys)
    assert code == 0 and err == "", err
    assert (tmp_path / "c.png").stat().st_size > 0


def test_a_figure_drawn_after_text_as_written_shows_the_dollars():
    from deals.views.plots import text_as_written

    with matplotlib.rc_context():
        text_as_written()
        figure = matplotlib.figure.Figure()
        label = figure.subplots().set_xlabel("$bn-eq per year per $bn")
        figure.savefig(io.BytesIO(), format="png")
    assert label.get_parse_math() is False


def test_a_record_file_of_thousands_of_events_is_refused_on_reading(tmp_path, capsys):
    # Each event is weighed in every world of the pool (about 30 ms); 3,000 copies of one
    # event kept assess --given busy for minutes.
    event = ('[[event]]\ndeal = "tier-upgrade-poland"\nterms = "outcome"\n'
             'signed = ["supplier", "partner"]\n\n')
    path = tmp_path / "record.toml"
    path.write_text(event * 501, encoding="utf-8")
    err = one_line(*run(["assess", "tier-upgrade-poland", "--given", path, "--draws", "50",
                         "--jobs", "1"], capsys)[::2])
    assert f"{path}: event: 501 events, more than 500" in err, err


HOME = """
[discount]
supplier = "0.95"
partner = "0.9"

[actors.partner]
rule = "veto"
review_months = "REVIEW"

[actors.partner.members.Cabinet]
utility = "worth * gpus - kiwi"
"""


def test_warnings_of_a_run_that_ends_refusing_its_input_are_not_printed(tmp_path, capsys):
    # Home reviews of 1e308 months: NumPy's "overflow encountered in reduce" (two lines)
    # came before the one line that says what is wrong (the discount factors leave (0, 1)).
    path = tmp_path / "slow.toml"
    path.write_text(MINIMAL + HOME.replace("REVIEW", "1e308"), encoding="utf-8")
    with warnings.catch_warnings(record=True) as shown:  # what would reach stderr
        warnings.simplefilter("always")
        err = one_line(*run(["ratify", path, "--draws", "50"], capsys)[::2])
    assert err.startswith(f"chipdeals: error: {path}: "), err
    assert [str(w.message) for w in shown] == []


def test_warnings_of_a_run_that_answers_are_still_printed(tmp_path, capsys):
    path = tmp_path / "deal.toml"
    path.write_text(_with_partner("1e300 * worth * gpus - kiwi"), encoding="utf-8")
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        code, out, err = run(["assess", path, "--draws", "50", "--jobs", "1"], capsys)
    assert code == 0 and any(w.category is RuntimeWarning for w in shown), err


@pytest.mark.parametrize("argv", [["show", "NAME"], ["facts", "b5\x1b[2J"],
                                  ["assess", "tier-upgrade-poland", "--given", "NAME"]])
def test_an_error_quoting_a_name_with_control_codes_escapes_them(tmp_path, capsys, argv):
    # A file named 'evil<ESC>[2J.toml' that is not a deal, or a fact id typed with an escape
    # sequence, was quoted as it is: the terminal printing the error was cleared.
    path = tmp_path / "evil\x1b[2J\x07.toml"
    path.write_text("not [ a deal", encoding="utf-8")
    err = one_line(*run([str(path) if a == "NAME" else a for a in argv], capsys)[::2])
    assert "\x1b" not in err and "\x07" not in err and "\\x1b[2J" in err, err


def test_a_grid_too_large_at_the_least_resolution_does_not_ask_to_lower_it(tmp_path, capsys):
    # 31 issues that vary: "lower resolution=2 or fix some issues", but 2 is the least.
    path = tmp_path / "wide.toml"
    path.write_text(MINIMAL + "".join(f'\n[issues.more{i}]\nrange = [0, 1]\ngiver = "partner"\n'
                                      for i in range(29)), encoding="utf-8")
    err = one_line(*run(["solve", path], capsys)[::2])
    assert "lower resolution" not in err and "give fewer issues that vary" in err, err


def test_the_root_of_a_negative_bound_parameter_has_no_real_value():
    # sympy makes sqrt(0.3 - 0.4) the constant 0.316*I once p is bound; the value was cast to
    # float with NumPy's ComplexWarning, keeping the real part: 1.0 here, not "no value".
    bound = parse_expression("sqrt(p - 0.4) + x", names=["p", "x"]).substitute(p=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(bound.evaluate({"x": 1.0}))


def test_frontier_refuses_a_utility_with_no_real_value_at_the_point_values(tmp_path, capsys):
    # frontier drew the Pareto frontier of the real parts (exit 0, a ComplexWarning on stderr).
    path = tmp_path / "root.toml"
    path.write_text(_with_partner("sqrt(worth - 4) + worth * gpus - kiwi"), encoding="utf-8")
    err = one_line(*run(["frontier", path, "--points", "10"], capsys)[::2])
    assert "nan" in err and "Zembla" in err, err


def test_output_into_a_folder_holding_a_folder_of_a_tables_name_writes_nothing(tmp_path,
                                                                                capsys):
    # --output DIR where DIR/utilities.csv is a folder: deal.csv, issues.csv and
    # parameters.csv were put in place, then the error named the staging folder
    # ('DIR/.DIR.x1y2.tmp/utilities.csv: Is a directory'): half the tables replaced.
    out = tmp_path / "tables"
    (out / "utilities.csv").mkdir(parents=True)
    (out / "issues.csv").write_text("old", encoding="utf-8")
    deal = tmp_path / "deal.toml"
    deal.write_text(MINIMAL, encoding="utf-8")
    err = one_line(*run(["show", deal, "--output", out], capsys)[::2])
    assert err.startswith(f"chipdeals: error: {out / 'utilities.csv'}: is a folder"), err
    assert sorted(p.name for p in out.iterdir()) == ["issues.csv", "utilities.csv"]
    assert (out / "issues.csv").read_text(encoding="utf-8") == "old"
