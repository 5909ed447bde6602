"""Issue 26 for the remaining commands: each command's JSON validates against its versioned
schema (deals/<command>.schema.json) for every library deal or bundled file, numbers are
numbers, every numeric field's description names its unit, and keys do not depend on the deal
(for show, solve and frontier: no key is a side, stance or issue of the deal, and each table
has one key set across the library; both checks fail on version 1's output). One run per deal
and command (module fixtures), at small draw counts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

import deals
from test_command_schemas import keys, no_strings_for_numbers, run_json

ROOT = Path(deals.__file__).resolve().parent
NAMES = ("backtest", "diff", "portfolio", "portfolio_links", "facts", "tables", "list", "show",
         "calibrate", "solve", "frontier")
#: Schema versions: show, solve and frontier are at 2 (sides, stances and issues as values),
#: portfolio_links at 2 (its verdicts as codes of one vocabulary, changed as a boolean).
VERSIONS = {n: 2 if n in ("show", "solve", "frontier", "portfolio_links") else 1 for n in NAMES}
SCHEMAS = {n: json.loads((ROOT / f"{n}.schema.json").read_text()) for n in NAMES}
LIBRARY = deals.library_names()
STRUCK = [n for n in LIBRARY if deals.load(n).outcome is not None]


@pytest.mark.parametrize("name", NAMES)
def test_each_schema_is_a_valid_2020_12_schema_with_a_version(name):
    schema = SCHEMAS[name]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["properties"]["schema_version"]["const"] == VERSIONS[name]
    assert f"(schema_version {VERSIONS[name]})" in schema["title"]


def test_the_deal_commands_write_the_version_their_schemas_pin():
    from deals.cli.deal_json import DEAL_SCHEMA_VERSION

    assert {VERSIONS[n] for n in ("show", "solve", "frontier")} == {DEAL_SCHEMA_VERSION}


def numeric_fields(schema, path=""):
    """(path, field) for every field of a schema whose type allows a number."""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "number" or (isinstance(kind, list) and "number" in kind):
            yield path, schema
        for k, v in schema.items():
            yield from numeric_fields(v, f"{path}/{k}")
    elif isinstance(schema, list):
        for i, v in enumerate(schema):
            yield from numeric_fields(v, f"{path}/{i}")


def _numbers_have_units(schema) -> list[str]:
    """Numeric fields without a description (where their unit is said)."""
    return [p for p, field in numeric_fields(schema)
            if "description" not in field and "cell" not in p]


#: Words that say a number's unit: money, chips, a share or probability, a count, or a pointer
#: to the unit field beside it.
UNIT_WORDS = re.compile(r"\$bn|H100e|gain_unit|`unit`|unit|share|probabilit|0-1|\[-?[01], 1\]|"
                        r"number of|count|%|percentile|year|months|days?\b|draws|deals|"
                        r"dimensionless")


def _units_said(schema) -> list[str]:
    """Numeric fields whose description names no unit."""
    return [p for p, field in numeric_fields(schema)
            if not UNIT_WORDS.search(field.get("description", ""))]


@pytest.mark.parametrize("name", ("backtest", "diff", "portfolio", "facts", "calibrate", "show",
                                  "solve", "frontier"))
def test_every_numeric_field_says_its_unit(name):
    assert _numbers_have_units(SCHEMAS[name]) == []


@pytest.mark.parametrize("name", sorted(set(NAMES) - {"tables", "portfolio_links"}))  # not cells
def test_every_numeric_description_names_a_unit(name):
    assert _units_said(SCHEMAS[name]) == []


def test_the_unit_check_can_fail():
    assert _units_said({"type": "number", "description": "the supplier's payoff"}) == [""]


def test_a_wrong_type_is_rejected():  # the schemas can fail: a number written as text
    bad = {"schema_version": 1, "tables": {"what_would_have_to_be_true": {
        "title": "t", "caption": "", "rows": [{"to_be": "benchmark", "parameter": "x",
                                               "from": 1.0, "to": 2.0, "moved": "+5%",
                                               "unit": ""}]}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMAS["calibrate"])


@pytest.fixture(scope="module")
def backtest():
    return run_json("backtest", "--draws", "100", "--format", "json")


def test_backtest_json_validates(backtest):
    jsonschema.validate(backtest, SCHEMAS["backtest"])
    no_strings_for_numbers(backtest)
    assert len(backtest["deals"]) == backtest["struck_deals"] == len(STRUCK)
    assert len({tuple(c) for d in backtest["deals"] for c in d["after"]["checks"]}) == 1


def test_diff_json_validates():
    data = run_json("diff", "--from", "2025-06-01", "--to", "2026-01-15", "--draws", "100",
                    "--format", "json")
    jsonschema.validate(data, SCHEMAS["diff"])
    no_strings_for_numbers(data)
    assert sorted(d["deal"] for d in data["deals"]) == sorted(LIBRARY)


@pytest.mark.parametrize("portfolio", ("article", "teaching"))
def test_portfolio_json_validates(portfolio):
    data = run_json("portfolio", portfolio, "--draws", "100", "--what-if", "--format", "json")
    jsonschema.validate(data, SCHEMAS["portfolio"])
    no_strings_for_numbers(data)
    option = data["regimes"]["bilateral"]
    parts = sum(option["parts_bn_mean"].values())
    assert parts == pytest.approx(option["gain_bn_mean"], abs=1e-6)  # the parts add up


def test_portfolio_links_json_validates_with_numbers_and_fixed_names():
    runs = [run_json("portfolio", p, "--links", "--draws", "100", "--format", "json")
            for p in ("article", "teaching")]
    for data in runs:
        jsonschema.validate(data, SCHEMAS["portfolio_links"])
        assert data["schema_version"] == VERSIONS["portfolio_links"]
        no_strings_for_numbers(data)
        for row in data["tables"]["regimes"]["rows"]:
            assert row["gain_bn_p10"] <= row["gain_bn_median"] <= row["gain_bn_p90"]
    assert keys(runs[0]["tables"]) == keys(runs[1]["tables"])  # not named after the portfolio


def test_portfolio_plot_json_validates_and_names_the_file(tmp_path):
    figure = tmp_path / "links.png"
    data = run_json("portfolio", "teaching", "--plot", str(figure), "--draws", "50",
                    "--format", "json")
    jsonschema.validate(data, SCHEMAS["portfolio_links"])  # the plot table was not allowed
    assert data["tables"]["plot"]["rows"] == [{"file": str(figure)}]
    assert figure.stat().st_size > 0


def test_facts_json_validates_whole_and_one():
    data = run_json("facts", "--format", "json")
    jsonschema.validate(data, SCHEMAS["facts"])
    no_strings_for_numbers([{k: v for k, v in f.items() if k not in ("date", "until",
                                                                        "checked")}
                            for f in data["facts"]])
    one = run_json("facts", data["facts"][0]["id"], "--format", "json")
    assert one == data["facts"][0]
    jsonschema.validate(one, SCHEMAS["facts"]["$defs"]["fact"])


def test_list_json_validates():
    data = run_json("list", "--format", "json")
    jsonschema.validate(data, SCHEMAS["list"])
    assert [r["deal"] for r in data["tables"]["deals"]["rows"]] == list(LIBRARY)


@pytest.fixture(scope="module")
def per_deal():
    out = {(c, n): run_json(c, n, "--format", "json") for n in LIBRARY
           for c in ("show", "solve", "frontier")}
    out.update({("calibrate", n): run_json("calibrate", n, "--format", "json")
                for n in STRUCK})
    return out


def key_paths(value, path="") -> set[str]:
    """Every key path of a JSON value, over every item of every list (not only the first)."""
    if isinstance(value, dict):
        return set().union(*({f"{path}/{k}"} | key_paths(v, f"{path}/{k}")
                             for k, v in value.items())) if value else set()
    if isinstance(value, list):  # an empty list is marked, so a missing key can be told
        return set().union(set(), *(key_paths(v, f"{path}[]") for v in value)) if value else \
            {f"{path}[empty]"}
    return set()


def _snake(word: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", word.lower()).strip("_")


def deal_words(name: str) -> tuple[set[str], set[str]]:
    """The names a deal gives its sides, and its stances and issues, as keys would spell them."""
    deal = deals.load(name)
    return ({_snake(deal.supplier), _snake(deal.partner)},
            {_snake(w) for w in [i.name for i in deal.issues] + [s.name for s in deal.stances]})


def names_the_deal(key: str, name: str) -> bool:
    """True for a key that is one of the deal's issues or stances, or a side's name joined to
    another word (``chips``, ``uae_hedge``, ``payoff_uae``, ``us_gain``)."""
    sides, words = deal_words(name)
    return key in words | sides or any(key.startswith(s + "_") or key.endswith("_" + s)
                                       for s in sides)


@pytest.mark.parametrize("command", ("show", "solve", "frontier"))
@pytest.mark.parametrize("name", LIBRARY)
def test_deal_command_json_validates_for_every_library_deal(command, name, per_deal):
    data = per_deal[command, name]
    jsonschema.validate(data, SCHEMAS[command])
    assert data["command"] == command and data["deal"] == name
    tables = data["tables"]
    no_strings_for_numbers({k: t["rows"] for k, t in tables.items()
                            if k not in ("utilities", "parameters")})  # expressions such as "0"
    no_strings_for_numbers([{k: v for k, v in r.items() if k != "distribution"}
                            for r in tables.get("parameters", {"rows": []})["rows"]])
    # No key names a side, stance or issue of this deal (words such as "chips", "uae_hedge").
    assert [p for p in key_paths(data) if any(names_the_deal(k, name) for k in
                                              re.split(r"[/\[\]]+", p) if k)] == []


@pytest.mark.parametrize("command", ("show", "solve", "frontier"))
def test_deal_command_json_keys_are_the_same_for_every_library_deal(command, per_deal):
    """Each table's key set (over all its rows) is the same for every library deal; the
    optional tables (a drafter's belief, the stance game) have one key set where present."""
    by_table: dict[str, set[frozenset[str]]] = {}
    tops = set()
    for n in LIBRARY:
        data = per_deal[command, n]
        tops.add(frozenset(data))
        for table, t in data["tables"].items():
            by_table.setdefault(table, set()).add(frozenset(key_paths(t)))
    assert len(tops) == 1
    for table, shapes in by_table.items():
        every = set().union(*shapes) - {p for p in set().union(*shapes) if p.endswith("[empty]")}
        for shape in shapes:  # a key is missing only inside a list that is empty for that deal
            empty = {p.removesuffix("[empty]") for p in shape if p.endswith("[empty]")}
            assert [p for p in every - shape
                    if not any(p.startswith(e + "[]") for e in empty)] == [], table


def test_the_key_check_can_fail():  # version 1's columns, named after the deal
    old = key_paths({"rows": [{"name": "US: deny", "uae_hedge": "-0, 0"},
                              {"payoff_uae": 1.0, "us_gain": 1.0, "chips": 0.0}]})
    assert {p.rsplit("/", 1)[-1] for p in old if names_the_deal(
        p.rsplit("/", 1)[-1], "gulf-divestment-uae")} == {"uae_hedge", "payoff_uae", "us_gain",
                                                          "chips"}


def test_deal_command_json_numbers_agree_with_the_deal(per_deal):
    """Cross-checks with the library: the gains are the deal's own, and each package's issues
    are the deal's issues with their units."""
    deal = deals.load("gulf-divestment-uae")
    units = {i.name: i.unit for i in deal.issues}
    show = per_deal["show", deal.name]["tables"]["terms_on_the_table"]["rows"]
    proposal = next(r for r in show if r["terms"] == "proposal")
    gains = deal.gains(deal.proposal.values)
    assert (proposal["supplier_gain"], proposal["partner_gain"]) == pytest.approx(tuple(gains))
    assert {i["name"]: i["value"] for i in proposal["issues"]} == \
        pytest.approx(dict(deal.proposal.values))
    solve = per_deal["solve", deal.name]["tables"]
    for row in solve["bargaining_solutions"]["rows"]:
        assert all(units[i["name"]] == i["unit"] for i in row["issues"])
        assert row["supplier_gain"] == pytest.approx(deal.gains(
            {i["name"]: i["value"] for i in row["issues"]})[0], abs=1e-6)
    game = deal.game()
    cells = {(r["supplier_stance"], r["partner_stance"]): r["supplier_payoff"]
             for r in solve["stance_game"]["rows"]}
    assert len(cells) == len(game.strategies[0]) * len(game.strategies[1])
    for eq in solve["stance_game_equilibria"]["rows"]:
        for side in ("supplier", "partner"):
            assert sum(s["probability"] for s in eq["stances"] if s["side"] == side) == \
                pytest.approx(1.0)
    front = per_deal["frontier", deal.name]["tables"]["frontier"]["rows"]
    utilities = [r["supplier_utility"] for r in front]
    assert utilities == sorted(utilities)
    for row in front:
        u = deal.utilities({i["name"]: i["value"] for i in row["issues"]})
        assert (row["supplier_utility"], row["partner_utility"]) == \
            pytest.approx(tuple(float(x) for x in u), abs=1e-6)


@pytest.mark.parametrize("name", STRUCK)
def test_calibrate_json_validates_for_every_struck_library_deal(name, per_deal):
    data = per_deal["calibrate", name]
    jsonschema.validate(data, SCHEMAS["calibrate"])
    no_strings_for_numbers(data)
    for row in data["tables"]["what_would_have_to_be_true"]["rows"]:
        if row["moved"] is not None:  # the move is to - from over the range: same sign
            assert row["moved"] * (row["to"] - row["from"]) >= 0


def test_calibrate_json_keys_do_not_depend_on_the_deal(per_deal):
    shapes = {(table, tuple(row)) for n in STRUCK
              for table, t in per_deal["calibrate", n]["tables"].items() for row in t["rows"]}
    assert shapes == {("what_would_have_to_be_true",
                       ("to_be", "parameter", "from", "to", "moved", "unit"))}


def test_the_json_reference_page_includes_every_schema():
    page = ROOT.parent / "docs" / "reference" / "json.md"
    if not page.exists():
        pytest.skip("docs not in this checkout")
    included = set(re.findall(r"literalinclude} \.\./\.\./deals/([\w.]+)", page.read_text()))
    assert included == {p.name for p in ROOT.glob("*.schema.json")}
