"""Files written by someone else, run through the command line as an outside tester would.

Each test failed before its fix: the file and field named in one line with exit code 2, no
terminal control codes passed through from a file, no wrong answer printed.
"""

from __future__ import annotations

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
