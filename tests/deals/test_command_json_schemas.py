"""Issue 26 for the remaining commands: each command's JSON validates against its versioned
schema (deals/<command>.schema.json) for every library deal or bundled file, numbers are
numbers, and keys do not depend on the deal. One run per deal and command (module fixtures),
at small draw counts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import deals
from test_command_schemas import keys, no_strings_for_numbers, run_json

ROOT = Path(deals.__file__).resolve().parent
NAMES = ("backtest", "diff", "portfolio", "portfolio_links", "facts", "tables", "list", "show",
         "calibrate")
SCHEMAS = {n: json.loads((ROOT / f"{n}.schema.json").read_text()) for n in NAMES}
LIBRARY = deals.library_names()
STRUCK = [n for n in LIBRARY if deals.load(n).outcome is not None]


@pytest.mark.parametrize("name", NAMES)
def test_each_schema_is_a_valid_2020_12_schema_with_a_version(name):
    schema = SCHEMAS[name]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["properties"]["schema_version"] == {"const": 1} or \
        schema["properties"]["schema_version"]["const"] == 1


def _numbers_have_units(schema, path="") -> list[str]:
    """Numeric fields without a description (where their unit is said)."""
    missing = []
    if isinstance(schema, dict):
        kind = schema.get("type")
        if (kind == "number" or (isinstance(kind, list) and "number" in kind)) and \
                "description" not in schema and "cell" not in path:
            missing.append(path)
        for k, v in schema.items():
            missing += _numbers_have_units(v, f"{path}/{k}")
    elif isinstance(schema, list):
        for i, v in enumerate(schema):
            missing += _numbers_have_units(v, f"{path}/{i}")
    return missing


@pytest.mark.parametrize("name", ("backtest", "diff", "portfolio", "facts", "calibrate"))
def test_every_numeric_field_says_its_unit(name):
    assert _numbers_have_units(SCHEMAS[name]) == []


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
        jsonschema.validate(data, SCHEMAS["tables"])
        no_strings_for_numbers(data)
        for row in data["tables"]["regimes"]["rows"]:
            assert row["gain_bn_p10"] <= row["gain_bn_median"] <= row["gain_bn_p90"]
    assert keys(runs[0]["tables"]) == keys(runs[1]["tables"])  # not named after the portfolio


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
    out = {("show", n): run_json("show", n, "--format", "json") for n in LIBRARY}
    out.update({("calibrate", n): run_json("calibrate", n, "--format", "json")
                for n in STRUCK})
    return out


@pytest.mark.parametrize("name", LIBRARY)
def test_show_json_validates_for_every_library_deal(name, per_deal):
    data = per_deal["show", name]
    jsonschema.validate(data, SCHEMAS["show"])
    no_strings_for_numbers({k: t["rows"] for k, t in data["tables"].items()
                            if k not in ("deal", "utilities")})  # expressions such as "0"


def test_show_json_table_names_and_fixed_columns_do_not_depend_on_the_deal(per_deal):
    shapes = {json.dumps(keys({k: t for k, t in per_deal["show", n]["tables"].items()
                               if k not in ("terms_on_the_table", "drafter_s_belief")}))
              for n in LIBRARY}
    assert len(shapes) == 1


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
