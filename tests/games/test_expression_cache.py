"""The compiled-expression cache (issue 29): same answers, kept between runs, never stale.

Each check runs against a fresh cache folder: a first evaluation stores the generated code, a
second one (in a process that has not compiled it) uses it without calling sympy's lambdify,
an edited expression misses it, and a damaged or foreign entry is ignored and rewritten.
"""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import sympy

from games import expression_cache
from games.expressions import compiled, parse_expression

ROOT = Path(__file__).resolve().parents[2]
TEXT = "min(demand, chips / 1e5) * margin - max(0, cost - 1) + (2 if chips > 3 else 0) + log(1 + cost)"
NAMES = ["chips", "cost", "demand", "margin"]
VALUES = {"chips": np.array([1e5, 4e5, 2.0]), "cost": np.array([0.5, 2.0, 3.0]),
          "demand": 1.5, "margin": np.array([2.0, 1.0, 0.5])}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIPDEALS_CACHE_DIR", str(tmp_path / "cache"))
    compiled.cache_clear()
    yield tmp_path / "cache"
    compiled.cache_clear()


def evaluate(text):
    """The expression's values through compiled() itself (parsed expressions keep their function)."""
    expr = parse_expression(text, names=NAMES)
    return compiled(expr.names, expr.sympy)(*(np.asarray(VALUES[n], dtype=float) for n in expr.names))


def expected():
    c, d, m, k = (VALUES[n] for n in ("chips", "demand", "margin", "cost"))
    return np.minimum(d, c / 1e5) * m - np.maximum(0, k - 1) + np.where(c > 3, 2, 0) + np.log(1 + k)


def test_a_stored_entry_gives_the_same_values_without_lambdify(folder, monkeypatch):
    first = evaluate(TEXT)
    np.testing.assert_allclose(first, expected(), rtol=1e-15)
    assert len(list(folder.glob("*.json"))) == 1
    compiled.cache_clear()

    def refuse(*args, **kwargs):
        raise AssertionError("lambdify ran although the entry was on disk")
    monkeypatch.setattr(sympy, "lambdify", refuse)
    again = evaluate(TEXT)
    np.testing.assert_array_equal(again, first)


def test_an_edited_expression_is_a_new_entry(folder):
    evaluate(TEXT)
    edited = evaluate(TEXT.replace("1e5", "2e5"))
    assert len(list(folder.glob("*.json"))) == 2
    assert edited[0] != expected()[0]


@pytest.mark.parametrize("damage", ["not json", '{"format": 1, "function": "f", "source": "def f(:"}',
                                    '{"format": 1, "function": "f", "source": "def f(x):\\n    return os.system(x)\\n"}'])
def test_a_damaged_or_foreign_entry_is_ignored_and_rewritten(folder, damage):
    expr = parse_expression(TEXT, names=NAMES)
    key = expression_cache.key_of(expr.names, expr.sympy)
    folder.mkdir(parents=True, exist_ok=True)  # parsing may have stored the entry already
    (folder / f"{key}.json").write_text(damage)
    compiled.cache_clear()  # so the next evaluation reads the damaged entry from disk
    np.testing.assert_allclose(evaluate(TEXT), expected(), rtol=1e-15)
    assert json.loads((folder / f"{key}.json").read_text())["format"] == expression_cache.FORMAT


def test_concurrent_writers_leave_one_whole_entry(folder):
    expr = parse_expression(TEXT, names=NAMES)
    key = expression_cache.key_of(expr.names, expr.sympy)
    function = compiled(expr.names, expr.sympy)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: expression_cache.store(folder, key, function), range(40)))
    assert [p.name for p in folder.iterdir()] == [f"{key}.json"]  # no temporary files left
    assert expression_cache.load(folder, key) is not None


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIPDEALS_CACHE_DIR", "off")
    compiled.cache_clear()
    assert expression_cache.cache_folder() is None
    np.testing.assert_allclose(evaluate(TEXT), expected(), rtol=1e-15)
    compiled.cache_clear()


@pytest.mark.slow
def test_a_second_process_reads_what_the_first_wrote(tmp_path):
    """The first process builds the deal's expressions in sympy and keeps their facts; the
    second gets the same gains without importing sympy at all."""
    env = {**os.environ, "CHIPDEALS_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    code = ("import sys, json, deals; d = deals.load('gulf-divestment-uae'); "
            "print(json.dumps([list(map(float, d.gains(d.proposal.values))), "
            "'sympy' in sys.modules]))")
    first, second = (json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                               capture_output=True, text=True).stdout)
                     for _ in range(2))
    assert first[0] == second[0]
    assert first[1] is True and second[1] is False


def test_the_folder_is_trimmed_to_its_bound_least_recently_used_first(folder, monkeypatch):
    """Past MAX_FOLDER_BYTES, the oldest entries go, down to three quarters of it; an entry
    read recently counts as new; a temporary file left by a dead writer goes too."""
    folder.mkdir(parents=True)
    (folder / "bundles").mkdir()
    sizes = {}
    for i in range(10):  # ten entries of 1,000 bytes, entry i last used at time 1000 + i
        path = (folder / "bundles" if i % 2 else folder) / f"{i:02d}.json"
        path.write_text(json.dumps({"pad": "x" * 988}))
        sizes[path.name] = path.stat().st_size
        os.utime(path, (1000 + i, 1000 + i))
    stale = folder / "dead.tmp"
    stale.write_text("half")
    os.utime(stale, (0, 0))
    assert expression_cache.trim(folder, most=20_000) == 4   # under the bound: only the stale file
    assert not stale.exists() and len(list(folder.rglob("*.json"))) == 10
    expression_cache._read_own(folder, folder / "00.json")   # the oldest is read: now the newest
    removed = expression_cache.trim(folder, most=8_000)      # 9,990 bytes: down to 6,000
    left = sorted(p.name for p in folder.rglob("*.json"))
    assert set(sizes.values()) == {999}                        # so four go, 01 to 04
    assert left == ["00.json", "05.json", "06.json", "07.json", "08.json", "09.json"]
    assert removed == 4 * 999


def test_an_entry_above_the_size_bound_is_made_again_not_stored(folder, monkeypatch):
    monkeypatch.setattr(expression_cache, "MAX_ENTRY_BYTES", 10)
    np.testing.assert_allclose(evaluate(TEXT), expected(), rtol=1e-15)
    assert not folder.exists() or not list(folder.rglob("*.json"))
