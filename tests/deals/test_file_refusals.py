"""Deal-file input that used to hang or end in a traceback is refused as FILE: FIELD: reason.

- a FIFO or a device given as the deal file (the open blocked, or the read never ended);
- something other than text given to deals.loads / deals.load;
- integers beyond the float range in any numeric field (a bare OverflowError before);
- parameter values at the edge of the float range from the command line (an overflow inside
  the Rubinstein refinement, reported without naming anything).
"""

from __future__ import annotations

import os
import threading

import pytest

import deals
from deals.cli.commands import main
from deals.errors import DealFileError

TOY = """
[deal]
name = "toy"
title = "Toy"
supplier = "US"
partner = "P"
months_between_offers = MONTHS

[parameters.v]
value = VALUE
range = [1.0, HIGH]

[issues.chips]
range = [0, 1]
giver = "supplier"
default = DEFAULT

[issues.pay]
range = [0, 1]
giver = "partner"
levels = [0, 0.5, LEVEL]

[utility]
supplier = "pay - 0.5 * chips"
partner = "v * chips - pay"

[outside_option]
supplier = "0"
partner = "0"

[stances.supplier]
give = { chips = STANCE }

[stances.partner]
pay = { pay = 0.5 }

[proposal]
terms = { chips = TERMS, pay = 0.5 }

[belief]
values = { v = BELIEF }
"""
FIELDS = {"VALUE": "parameters.v.value", "HIGH": "parameters.v.range[1]",
          "DEFAULT": "issues.chips.default", "LEVEL": "issues.pay.levels[2]",
          "MONTHS": "deal.months_between_offers", "STANCE": "stances.supplier.give.chips",
          "TERMS": "proposal.terms.chips", "BELIEF": "belief.values.v"}
FINE = {"VALUE": "2.0", "HIGH": "3.0", "DEFAULT": "0", "LEVEL": "1", "MONTHS": "1",
        "STANCE": "1", "TERMS": "1", "BELIEF": "2.0"}


def _toy(**given: str) -> str:
    text = TOY
    for key, value in {**FINE, **given}.items():
        text = text.replace(key, value)
    return text


def test_the_toy_loads():
    assert deals.loads(_toy()).name == "toy"


@pytest.mark.parametrize("key", sorted(FIELDS))
def test_an_integer_beyond_float_range_names_its_field(key):
    with pytest.raises(DealFileError) as info:
        deals.loads(_toy(**{key: "9" * 400}), path="toy.toml")
    assert str(info.value).startswith(f"toy.toml: {FIELDS[key]}: ")
    assert "400 digits" in str(info.value) and "\n" not in str(info.value)


def test_a_long_refused_expression_is_shown_cut():
    text = _toy().replace('supplier = "pay - 0.5 * chips"', f'supplier = "{"9" * 400} * pay"')
    with pytest.raises(DealFileError, match=r"^toy.toml: utility.supplier: ") as info:
        deals.loads(text, path="toy.toml")
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("data", [5, None, 1.5, ["a"], {"deal": {}}])
def test_loads_wants_text(data):
    with pytest.raises(DealFileError, match="expected the TOML text of a deal"):
        deals.loads(data)


@pytest.mark.parametrize("given", [5, None, 1.5])
def test_load_wants_a_name_or_a_path(given):
    with pytest.raises(DealFileError, match="library name or a path"):
        deals.load(given)


def _refused_within(seconds, call):
    outcome = {}

    def target():
        try:
            call()
        except DealFileError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "hung reading a non-regular file"
    return outcome.get("error")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "deal.toml"
    os.mkfifo(fifo)
    error = _refused_within(5, lambda: deals.load(fifo))
    assert error is not None and "not a regular file" in str(error)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_is_refused():
    error = _refused_within(5, lambda: deals.load("/dev/zero"))
    assert error is not None and str(error).startswith("/dev/zero: (file): not a regular file")


def test_cli_show_on_a_fifo_exits_2_in_one_line(tmp_path, capsys):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs")
    fifo = tmp_path / "deal.toml"
    os.mkfifo(fifo)
    assert main(["show", str(fifo)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "not a regular file" in err


@pytest.mark.parametrize("value", ["1e300", "9" * 300])
def test_cli_solve_at_the_edge_of_float_range_works_or_names_the_field(value, capsys):
    code = main(["solve", "chips-for-farm-purchases", "--set", f"margin={value}"])
    out, err = capsys.readouterr()
    assert code == 0 or ("margin" in err and "\n" not in err.strip())
