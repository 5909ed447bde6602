"""solve's default output at 80 columns: no signed zero and no line over 80 characters, for
the deals whose outside option is -0.0 at the point values (issue 26's walk found "-0, 0" and
"(outside option -0)" there)."""

from __future__ import annotations

import contextlib
import io

import pytest

from deals.cli import main
from tests.games.test_signed_zeros import SIGNED_ZERO


@pytest.mark.parametrize("detail", [[], ["--detail"]])  # --detail: the threats' payoffs too
@pytest.mark.parametrize("name", ["gulf-divestment-uae", "gulf-divestment-saudi"])
def test_solve_prints_no_signed_zero_and_fits_80_columns(name, detail, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["solve", name, *detail]) == 0
    text = out.getvalue()
    assert "outside option" in text and "disagreement" in text  # the lines that printed -0
    assert SIGNED_ZERO.findall(text) == []
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.slow
def test_calibrate_prints_small_moves_without_a_signed_zero(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["calibrate", "microsoft-g42"]) == 0
    text = out.getvalue()
    assert SIGNED_ZERO.findall(text.replace("%", "")) == []  # "-0%" was printed here
    assert max(len(line) for line in text.splitlines()) <= 80
