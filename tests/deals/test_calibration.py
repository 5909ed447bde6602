"""What would have to be true: calibration against closed-form answers.

The constructed deal: the partner pays ``pay`` in [0, 10] to the supplier, u_S = pay,
u_P = a + b - pay, outside options 0, no delay costs (power 1/2). The Nash benchmark is
pay* = (a + b) / 2 and the supplier's optimal (full-information) ask is pay = a + b.
For terms pay = t the feasible sets are the lines a + b = 2t (benchmark) and a + b = t
(ask). With a in [0, 2] (point 1) and b in [0, 4] (point 2), in range units u = a/2 and
w = b/4, so a line 2u + 4w = c lies at distance (3 - c)/sqrt(20) from the point (1/2, 1/2),
and its nearest point is (1/2, 1/2) - (3 - c)/20 * (2, 4).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import deals
from deals.audit.calibration import calibrate
from games.decisions.inverse import nearest_feasible

TOY = """
[deal]
name = "toy"
title = "Toy"
supplier = "S"
partner = "P"
[parameters.a]
value = 1.0
range = [0.0, 2.0]
unit = "$bn"
source = "judgement"
[parameters.b]
value = 2.0
range = [0.0, 4.0]
unit = "$bn"
source = "judgement"
[parameters.c]
value = 5.0
range = [0.0, 10.0]
unit = "$bn"
source = "judgement: does not enter the utilities"
[issues.pay]
range = [0, 10]
giver = "partner"
[utility]
supplier = "pay + 0 * c"
partner = "a + b - pay"
[outside_option]
supplier = "0"
partner = "0"
[outcome]
terms = { pay = %s }
"""


def nearest_on_line(c: float) -> tuple[float, float, float]:
    """(a, b, distance) of the point of 2u + 4w = c nearest (1/2, 1/2), in parameter units."""
    step = (3 - c) / 20
    u, w = 0.5 - 2 * step, 0.5 - 4 * step
    return 2 * u, 4 * w, (3 - c) / math.sqrt(20)


@pytest.fixture(scope="module")
def toy_result():
    return calibrate(deals.loads(TOY % 1.2), "outcome", tolerance=1e-4)


def test_benchmark_calibration_matches_the_closed_form(toy_result):
    a, b, distance = nearest_on_line(2 * 1.2)  # a + b = 2.4
    r = toy_result.benchmark
    assert r.found
    assert r.values["a"] == pytest.approx(a, abs=0.03)
    assert r.values["b"] == pytest.approx(b, abs=0.06)
    assert r.distance == pytest.approx(distance, abs=0.01)
    assert r.values["a"] + r.values["b"] == pytest.approx(2.4, abs=0.01)
    assert "c" not in {m.name for m in r.moved}  # a parameter that changes nothing stays


def test_ask_calibration_matches_the_closed_form(toy_result):
    a, b, distance = nearest_on_line(1.2)  # a + b = 1.2 (the power-0.999 limit: 1.2012)
    r = toy_result.ask
    assert r.found
    assert r.values["a"] == pytest.approx(a, abs=0.03)
    assert r.values["b"] == pytest.approx(b, abs=0.06)
    assert r.distance == pytest.approx(distance, abs=0.01)


def test_single_parameter_answers_are_exact(toy_result):
    """Moved alone: a = 2.4 - 2 = 0.4 for the benchmark, b = 2.4 - 1 = 1.4, each to the edge
    of the tolerance band |a + b - 2.4| <= 2 * 10 * 1e-4 nearest the point values (+0.002;
    the benchmark solver resolves pay to 1e-4 of its range, so to about 1e-3 in a + b);
    for the ask a = 1.2 - 2 < 0 is out of range, so only b = 0.2 works."""
    assert toy_result.benchmark.alone["a"] == pytest.approx(0.402, abs=1e-3)
    assert toy_result.benchmark.alone["b"] == pytest.approx(1.402, abs=1e-3)
    assert "a" not in toy_result.ask.alone
    assert toy_result.ask.alone["b"] == pytest.approx(0.2, abs=5e-3)


def test_no_values_in_range_when_the_terms_are_out_of_reach():
    """pay = 9 needs a + b = 18 (benchmark) or 9 (ask); at most a + b = 6."""
    result = calibrate(deals.loads(TOY % 9), "outcome", tolerance=1e-3)
    assert not result.benchmark.found and not result.ask.found
    assert "no values in range make it so" in str(result)


def test_terms_true_at_point_values_move_nothing():
    result = calibrate(deals.loads(TOY % 1.5), "outcome", tolerance=1e-3)  # (1 + 2) / 2
    assert result.benchmark.found and result.benchmark.moved == ()
    assert result.benchmark.distance == 0


def test_nearest_feasible_finds_the_projection_on_a_thin_band():
    """A band 2e-3 wide around the plane z1 + z2 + z3 = 0.6; nearest point to the centre of
    the cube is the projection, at distance (1.5 - 0.6 - 1e-3) / sqrt(3)."""
    found = nearest_feasible(lambda z: np.abs(z.sum(axis=1) - 0.6), [0.5, 0.5, 0.5],
                             tolerance=1e-3, seed=1)
    assert found.found
    assert found.distance == pytest.approx((0.9 - 1e-3) / math.sqrt(3), abs=0.01)
    assert np.allclose(found.point, 0.2, atol=0.03)


def test_library_outcome_calibration_is_consistent():
    """The values found for the struck Malaysian permit make it the benchmark there: solving
    the deal at those values gives the same gains (a cross-check by the other solver path)."""
    deal = deals.load("malaysia-anti-smuggling")
    result = calibrate(deal, "outcome")
    if not result.benchmark.found:
        pytest.skip("no values in range")
    at = deal.bind(**result.benchmark.values)
    bench = at.solutions(resolution=200).benchmark
    g = at.gains(deal.outcome.values)
    scale = np.ptp(at.bargaining_problem(resolution=200).gains, axis=0)
    assert abs(g[0] - bench.gains[0]) <= 0.03 * scale[0]
    assert abs(g[1] - bench.gains[1]) <= 0.03 * scale[1]


def test_cli_calibrate_prints_the_answer_and_refuses_bad_input(tmp_path, capsys):
    from deals.cli.commands import main

    path = tmp_path / "toy.toml"
    path.write_text(TOY % 1.2)
    assert main(["calibrate", str(path), "--tolerance", "0.001", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "benchmark" in out and "S's best ask" in out and "a alone" in out
    assert main(["calibrate", str(path), "--tolerance", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--tolerance" in err
    assert main(["calibrate", str(path), "--terms", "proposal"]) == 2  # the toy has none
    assert "no [proposal]" in capsys.readouterr().err
