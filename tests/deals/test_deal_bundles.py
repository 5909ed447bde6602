"""A deal file's expression facts kept between runs (issue 29): one bundle per file, keyed by
its text; with it a run builds nothing in sympy and gives the same answers, a changed file is
a new bundle, a damaged or foreign one is ignored, and the cache can be turned off.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deals.audit.leverage import affine_issues, constant_slopes, is_linear
from deals.deal.files import loads
from games import expressions
from games.expressions import compiled

ROOT = Path(__file__).resolve().parents[2]
DEAL = "chips-for-farm-purchases"


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """A fresh cache folder, and no facts known in this process."""
    monkeypatch.setenv("CHIPDEALS_CACHE_DIR", str(tmp_path / "cache"))
    saved = dict(expressions._FACTS)
    forget()
    yield tmp_path / "cache"
    forget()
    expressions._FACTS.update(saved)


def deal_text(edit=None):
    text = (ROOT / "deals" / "library" / f"{DEAL}.toml").read_text()
    return text if edit is None else edit(text)


def forget():
    """This process forgets every fact, as a new process would."""
    expressions._FACTS.clear()
    expressions._parse_text.cache_clear()
    compiled.cache_clear()


def test_a_bundle_holds_what_the_audit_needs(fresh, monkeypatch):
    """Loaded again with only the bundle known, the deal's utilities, their affine structure
    and its gains come out the same without building anything in sympy."""
    deal = loads(deal_text())
    before = (deal.gains(deal.proposal.values), affine_issues(deal), constant_slopes(deal),
              is_linear(deal), deal.inlined("partner").names)
    assert len(list((fresh / "bundles").glob("*.json"))) == 1
    forget()
    monkeypatch.setattr(expressions, "_parsed", None)  # parsing would fail: nothing is parsed
    monkeypatch.setattr(expressions, "_inlined", None)
    monkeypatch.setattr(expressions, "_derivative_names", None)
    again = loads(deal_text())
    assert (again.gains(again.proposal.values), affine_issues(again), constant_slopes(again),
            is_linear(again), again.inlined("partner").names) == before


def test_a_changed_file_is_a_new_bundle_with_its_own_answers(fresh):
    loads(deal_text())
    deal = loads(deal_text())
    forget()
    edited = loads(deal_text(lambda t: t.replace("[utility]", "[utility]\n", 1)))  # same meaning
    assert len(list((fresh / "bundles").glob("*.json"))) == 2
    assert edited.gains(edited.proposal.values) == deal.gains(deal.proposal.values)
    forget()
    # A changed utility: its new text is parsed, and gives its own answer.
    text = deal_text()
    old = 'partner = "price * value_multiple'
    assert old in text
    changed = loads(text.replace(old, 'partner = "1 + price * value_multiple'))
    assert changed.gains(changed.proposal.values)[1] == pytest.approx(
        deal.gains(deal.proposal.values)[1] + 1, abs=1e-12)


@pytest.mark.parametrize("damage", ["not json", '{"format": 1, "facts": [1]}',
                                    '{"format": 1, "facts": {"x": {"names": [1], "code": 3}}}'])
def test_a_damaged_bundle_is_ignored(fresh, damage):
    deal = loads(deal_text())
    expected_gains = deal.gains(deal.proposal.values)
    for path in (fresh / "bundles").glob("*.json"):
        path.write_text(damage)
    for path in (fresh / "facts").glob("*.json"):
        path.write_text(damage)
    forget()
    again = loads(deal_text())
    assert again.gains(again.proposal.values) == expected_gains


def test_a_bundle_whose_code_is_foreign_is_not_run(fresh):
    """Code that names more than numpy and the builtins is never run: the expression is
    compiled again instead."""
    deal = loads(deal_text())
    expected_gains = deal.gains(deal.proposal.values)
    for path in [*(fresh / "bundles").glob("*.json"), *(fresh / "facts").glob("*.json")]:
        entry = json.loads(path.read_text())
        for facts in (entry["facts"].values() if "bundles" in str(path) else [entry["facts"]]):
            if "code" in facts:
                facts["code"]["source"] = facts["code"]["source"].replace(
                    "return", "return os.system('false') or", 1)
        path.write_text(json.dumps(entry))
    forget()
    again = loads(deal_text())
    assert again.gains(again.proposal.values) == expected_gains


def test_no_bundle_with_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIPDEALS_CACHE_DIR", "off")
    deal = loads(deal_text())
    assert deal.gains(deal.proposal.values)
    assert not list(tmp_path.rglob("*.json"))


@pytest.mark.slow  # starts subprocesses
@pytest.mark.parametrize("command", [["compare", "--draws", "20"],
                                     ["portfolio", "teaching", "--draws", "20"]])
def test_a_warm_run_never_imports_sympy(tmp_path, command):
    """compare's and portfolio's JSON is the same with a cold and a warm cache and with the
    cache off, and a warm run never imports sympy (about 0.35 s of CPU, and the parsing it
    does; the portfolio's volume and flow expressions, with the deal's definitions written
    out, once rebuilt them in sympy at every load)."""
    code = (f"import runpy, sys; sys.argv = ['chipdeals', *{command!r}, "
            "'--jobs', '1', '--format', 'json']\ntry:\n    runpy.run_module('deals', "
            "run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('sympy' in sys.modules, file=sys.stderr)")

    def run(cache):
        env = {**os.environ, "CHIPDEALS_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, check=True)
        return done.stdout, done.stderr.strip().splitlines()[-1]

    cold, warm, off = run(str(tmp_path / "cache")), run(str(tmp_path / "cache")), run("off")
    assert cold[1] == "True" and warm[1] == "False" and off[1] == "True"
    assert cold[0] == warm[0] == off[0]
