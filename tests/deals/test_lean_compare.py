"""compare without pandas: the audit's drivers and tornado tables are kept without it, and give
what pandas gives (order, values, JSON records); a compare run for JSON or a table never
imports pandas (about 0.3 s of its start-up), nor does the article portfolio's JSON."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import deals
from deals.audit.drivers import largest_first, swing_table, varying
from deals.audit.leverage import gains
from deals.numbers import json_value

ROOT = Path(__file__).resolve().parents[2]


def pandas_tornado(deal, proposal):
    """The tornado as pandas built it before (the reference): frame, filter, stable sort."""
    names = varying(deal)
    rows = 2 * len(names) + 1
    batch = {k: np.full(rows, float(v)) for k, v in deal.values().items()}
    for i, name in enumerate(names):
        batch[name][2 * i] = deal.parameters[name].low
        batch[name][2 * i + 1] = deal.parameters[name].high
    outcome = {k: np.array([v]) for k, v in deal.outcome_values(proposal).items()}
    g_s, g_p = (np.broadcast_to(np.asarray(g, dtype=float), (rows,))
                for g in gains(deal, outcome, batch))
    frame = pd.DataFrame({
        "low": [deal.parameters[n].low for n in names],
        "high": [deal.parameters[n].high for n in names],
        "unit": [deal.parameters[n].unit for n in names],
        "supplier gain at low": g_s[0:-1:2], "supplier gain at high": g_s[1::2],
        "partner gain at low": g_p[0:-1:2], "partner gain at high": g_p[1::2],
    }, index=pd.Index(names, name="parameter"))
    frame["supplier swing"] = (frame["supplier gain at high"] - frame["supplier gain at low"]).abs()
    frame["partner swing"] = (frame["partner gain at high"] - frame["partner gain at low"]).abs()
    frame["largest swing"] = frame[["supplier swing", "partner swing"]].max(axis=1)
    scale = max(1.0, float(np.nanmax(np.abs(np.concatenate([g_s, g_p])))))
    frame = frame[frame["largest swing"] > 1e-9 * scale]
    return frame.sort_values("largest swing", ascending=False, kind="stable")


def records(frame):
    out = frame.reset_index()
    out.columns = [str(c).replace(" ", "_") for c in out.columns]
    return out.astype(object).to_dict(orient="records")


@pytest.mark.parametrize("name", deals.library_names())
def test_the_tornado_without_pandas_is_the_pandas_tornado(name):
    deal = deals.load(name)
    proposal = deal.outcome_values((deal.proposal or deal.outcome).values)
    table, expected = swing_table(deal, proposal), pandas_tornado(deal, proposal)
    pd.testing.assert_frame_equal(table.to_frame(), expected)
    assert table.records() == records(expected)


def test_largest_first_is_pandas_stable_descending_sort_with_ties():
    rng = np.random.default_rng(7)
    for _ in range(200):
        values = rng.integers(0, 4, size=rng.integers(1, 12)).astype(float)
        expected = pd.Series(values).sort_values(ascending=False, kind="stable").index
        assert largest_first(values).tolist() == list(expected)


def test_an_audit_keeps_the_drivers_as_pandas_would_show_them():
    a = deals.assess("chips-for-farm-purchases", draws=200, progress=False)
    assert isinstance(a.drivers, pd.DataFrame) and isinstance(a.tornado, pd.DataFrame)
    data = a.to_dict()
    assert data["drivers"] == json_value(records(a.drivers)) and data["drivers"]
    assert data["tornado"] == json_value(records(a.tornado))
    assert list(a.drivers.index) == list(a.tornado.index)


def heavy_modules_loaded(words, tmp_path):
    """Which of pandas, matplotlib, sympy, scipy and importlib.metadata (with the email and
    zip modules it loads: only --version needs it) a warm ``chipdeals WORDS`` run loads."""
    code = (f"import runpy, sys; sys.argv = ['chipdeals', *{list(words)!r}]\ntry:\n"
            "    runpy.run_module('deals', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'sympy', 'scipy', "
            "'importlib.metadata') if m in sys.modules), file=sys.stderr)")
    env = {**os.environ, "CHIPDEALS_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    for _ in range(2):  # the first run fills the cache (a cold run parses with sympy)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, check=True)
    assert done.stdout.strip()
    return done.stderr.strip().splitlines()[-1]


@pytest.mark.slow  # starts subprocesses
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_compare_never_imports_pandas(tmp_path, fmt):
    words = ["compare", "--draws", "20", "--jobs", "1", "--format", fmt]
    assert heavy_modules_loaded(words, tmp_path) == "[]"


@pytest.mark.slow  # starts subprocesses
def test_the_article_portfolio_as_json_imports_no_pandas(tmp_path):
    """portfolio's JSON is built from plain numbers; only its tables for people load pandas
    (about 0.3 s of a 10,000-draw run's 5 s)."""
    words = ["portfolio", "article", "--draws", "20", "--jobs", "1", "--format", "json"]
    assert heavy_modules_loaded(words, tmp_path) == "[]"


@pytest.mark.slow  # starts a subprocess
def test_the_compare_command_loads_none_of_what_it_does_not_use():
    """The staged plan's game trees and the normal-form solvers, the record and pandas load
    only where they are used (a doubted threat, --stages, --given, a frame)."""
    code = ("import sys, deals.cli.leverage, deals.cli.commands\n"
            "print(sorted({m.split('.')[0] if m.startswith('pandas') else '.'.join(m.split('.')[:2])"
            " for m in sys.modules if m.startswith(('pandas', 'games.trees', 'games.normal_form', "
            "'games.decisions', 'deals.record', 'deals.stages'))}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "[]"
