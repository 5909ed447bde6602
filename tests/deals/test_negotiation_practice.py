"""A deal at the table: the adapter, the practice game, and `chipdeals negotiate` fed by stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deals
from deals.errors import DealError
from deals.audit.leverage import gains as deal_gains
from deals.audit.leverage import sample_values
from deals.practice.negotiation import deal_tournament, negotiation_problem
from deals.practice.session import PracticeSession
from games.negotiation import STANDARD, negotiate

ROOT = Path(__file__).resolve().parents[2]
UAE = "gulf-divestment-uae"


@pytest.fixture(scope="module")
def uae():
    return deals.load(UAE)


def test_the_problem_carries_the_deals_utilities_discounts_and_benchmark(uae):
    problem = negotiation_problem(uae, draws=30, seed=4, grid_points=200)
    values = sample_values(uae, 30, 4)
    i = 17
    outcome = problem.outcome(i)
    g_s, g_p = deal_gains(uae, outcome, values)
    assert np.allclose(problem.gains(0)[:, i], g_s) and np.allclose(problem.gains(1)[:, i], g_p)
    d_s, d_p = uae.discount_factors(values)
    assert np.allclose(problem.discount_a, d_s) and np.allclose(problem.discount_b, d_p)
    # The audit's refined benchmark is at least as good a Nash product as any grid outcome.
    beta = problem.power()[:, None]
    bench = problem.benchmark_utilities()
    ga, gb = problem.gains(0), problem.gains(1)
    with np.errstate(all="ignore"):
        grid_best = np.max(np.where((ga > 0) & (gb > 0), beta * np.log(ga)
                                    + (1 - beta) * np.log(gb), -np.inf), axis=1)
        found = (beta[:, 0] * np.log(bench[0] - problem.reservation_a)
                 + (1 - beta[:, 0]) * np.log(bench[1] - problem.reservation_b))
    ok = np.isfinite(grid_best)
    assert np.all(found[ok] >= grid_best[ok] - 1e-6)


def test_agreements_on_a_deal_respect_both_outside_options(uae):
    problem = negotiation_problem(uae, draws=40, seed=1, grid_points=300, benchmark=False)
    for a in ("conceder", "random-walk"):
        trace = negotiate(problem, STANDARD[a], STANDARD["linear"], deadline=30, seed=2)
        u = trace.utilities
        assert np.all(u[0] >= problem.reservation_a) and np.all(u[1] >= problem.reservation_b)


def test_a_tournament_on_a_deal_names_agents_and_refuses_unknown_ones(uae):
    result = deal_tournament(uae, ["boulware", "conceder"], draws=20, deadline=20,
                             grid_points=200)
    frame = result.to_frame()
    assert {"US gain", "UAE gain"} <= set(frame.columns)
    # Against a Conceder partner, a Boulware supplier gains more than a Conceder supplier.
    assert frame.loc[("boulware", "conceder"), "US gain"] > \
        frame.loc[("conceder", "conceder"), "US gain"]
    with pytest.raises(DealError, match="unknown agent 'bully'"):
        deal_tournament(uae, ["bully"], draws=2)


def test_the_practice_game_validates_offers_and_explains(uae):
    game = PracticeSession(uae, side="partner", against="linear", rounds=4, grid_points=200)
    for text, words in [("chips=lots", "not a number"), ("tariff=1", "unknown issue 'tariff'"),
                        ("divest=1.5", "outside its range"), ("chips", "write issue=value"),
                        ("", "issue=value pairs")]:
        with pytest.raises(DealError, match=words):
            game.respond(text)
    assert game.round == 1  # nothing bad was recorded
    game.respond("divest=0")
    assert game.offers[1][0] == 1 and game.problem.outcome(game.offers[1][1])["divest"] == 0


def run_cli(*args, stdin=""):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    code = "import sys; from deals.cli.commands import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, text=True,
                          capture_output=True, timeout=120, env=env, cwd=ROOT)


@pytest.mark.slow  # starts worker processes
def test_negotiate_in_the_terminal_with_bad_values_then_an_agreement():
    done = run_cli("negotiate", UAE, "--as", "partner", "--against", "boulware", "--rounds",
                   "6", stdin="chips=abc\nfoo=1\ndivest=2\nchips=1200000 divest=0\naccept\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "'abc' is not a number" in out and "unknown issue 'foo'" in out
    assert "outside its range" in out and "Agreement in round 3" in out
    assert "where the agreement sits" in out and "benchmark gain" in out
    assert "Traceback" not in out


@pytest.mark.slow  # starts worker processes
def test_end_of_input_leaves_the_table_cleanly():
    done = run_cli("negotiate", UAE, "--as", "supplier", "--against", "nash",
                   stdin="chips=1100000\n")
    assert done.returncode == 0, done.stderr
    assert "End of input: you left the table" in done.stdout
    assert "walked out" in done.stdout and "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("args, words", [
    (("negotiate", UAE, "--against", "bully"), "invalid choice: 'bully'"),
    (("negotiate", "no-such-deal"), "no such deal"),
    (("negotiate", UAE, "--rounds", "1"), "--rounds 1"),
    (("negotiate", UAE, "--as", "broker"), "invalid choice: 'broker'"),
])
@pytest.mark.slow  # starts worker processes
def test_bad_arguments_exit_2_with_one_line(args, words):
    done = run_cli(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]


def test_the_widget_plays_through_its_buttons(capsys):
    from deals.practice.widget import practice_widget

    box = practice_widget(deals.load(UAE), side="partner", against="linear", rounds=4,
                          grid_points=200)
    box.children[1].value = 1_200_000            # the chips slider
    box.children[2].value = 0.0                  # divest: an offer the US must refuse
    box.buttons[0].click()                       # offer
    assert box.session.round == 3 and box.session.offers[1][0] == 1
    assert box.session.problem.outcome(box.session.offers[1][1])["chips"] == 1_200_000
    box.buttons[2].click()                       # walk away
    assert box.session.status == "walked out" and all(b.disabled for b in box.buttons)


def test_the_agents_moves_are_narrated_with_what_they_give_up():
    """Issue 26: the Boulware US moved 205,533 -> 111,067 -> 205,533 with no word of why; each
    counter now says what share of its own gain the agent gives up, computed from its utilities."""
    import re

    import deals
    from deals.practice.session import PracticeSession

    s = PracticeSession(deals.load("gulf-divestment-uae"), side="partner", against="boulware")
    agent = 1 - s.person
    r = float(s.problem.reservation(agent)[0])
    for move in ("chips=300000", "chips=250000", "chips=200000", "chips=150000"):
        before = [i for side, i in s.offers if side == agent][-1]
        said = s.respond(move)
        if s.status != "open":
            break
        after = s.offers[-1][1]
        old = float(s.problem.utility(agent)[0, before]) - r
        new = float(s.problem.utility(agent)[0, after]) - r
        found = re.search(r"concedes (\d+)%|asks for more: (\d+)%|holds firm", said)
        assert found, said
        if found.group(1):
            assert int(found.group(1)) == round(100 * (old - new) / old)
        elif found.group(2):
            assert int(found.group(2)) == round(100 * (new - old) / old)
        else:
            assert abs(new - old) < 0.005 * old
