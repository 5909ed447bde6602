"""Deal and portfolio files written from the docs alone (tests/data/outsider/), checked against
answers worked out here by hand or by brute force, never against the library's own output.

The deals are linear (or piecewise linear) in their issues, so each bargaining solution, each
acceptance share and each equilibrium has a closed form or a small search that does not use the
library's solvers."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import brentq, minimize

import deals
from deals.cli import main
from games import equilibria

DATA = Path(__file__).resolve().parents[1] / "data" / "outsider"
VIETNAM = DATA / "vietnam-enforcement.toml"
INDONESIA = DATA / "indonesia-nickel.toml"
PHILIPPINES = DATA / "philippines-staged.toml"


def power(delta_supplier: float, delta_partner: float) -> float:
    """Rubinstein's limit power of the supplier (docs/leverage.md)."""
    return math.log(delta_partner) / (math.log(delta_supplier) + math.log(delta_partner))


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


# ---- Vietnam: two linear issues -------------------------------------------------------------
# u_S = 2 e - c, u_P = v c - 1.5 e on c in [0, 2], e in [0, 1], outside options 0. Every
# Pareto-efficient package with both gains positive has e = 1, so the asymmetric Nash solution
# maximises b log(2 - c) + (1 - b) log(v c - 1.5): c* = 2 (1 - b) + 1.5 b / v.

BETA_VN = power(0.99, 0.95)


def test_vietnam_bargaining_solutions_match_the_closed_form():
    found = deals.load(VIETNAM).solutions()
    by_kind = {"Nash": found["Nash"], "asymmetric": found.benchmark,
               "Kalai": found["Kalai-Smorodinsky"]}
    c_nash = 1.375                        # argmax (2 - c)(2c - 1.5)
    c_asym = 2 * (1 - BETA_VN) + 0.75 * BETA_VN
    for kind, c in (("Nash", c_nash), ("asymmetric", c_asym), ("Kalai", c_nash)):
        s = by_kind[kind]
        assert s.outcome["enforcement"] == pytest.approx(1.0, abs=1e-3)
        assert s.outcome["chips"] == pytest.approx(c, abs=2e-3)
        assert tuple(s.gains) == pytest.approx((2 - c, 2 * c - 1.5), abs=2e-3)


def test_vietnam_disagreement_and_power():
    deal = deals.load(VIETNAM)
    assert tuple(deal.disagreement()) == (0.0, 0.0)
    assert deal.bargaining_power() == pytest.approx(BETA_VN, rel=1e-12)


def test_vietnam_audit_matches_the_uniform_draws():
    """The partner accepts chips 1 for enforcement 0.8 when v >= 1.2: P = 0.9 for v uniform on
    [1, 3]. The benchmark gain of the US is b (2 - 1.5 / v), its median at v = 2; the best
    take-it-or-leave-it ask maximises (2 - c) P(v >= 1.5 / c) = (2 - c)(3 - 1.5 / c) / 2: c = 1,
    accepted in 75%, expected gain 0.75."""
    draws = 20_000
    a = deals.assess(VIETNAM, draws=draws, seed=3)
    se = math.sqrt(0.9 * 0.1 / draws)
    assert a.acceptance["partner"] == pytest.approx(0.9, abs=4 * se)
    assert a.acceptance["supplier"] == 1.0
    assert a.gains["proposal"]["supplier"]["median"] == pytest.approx(0.6, abs=1e-9)
    assert a.gains["benchmark"]["supplier"]["median"] == pytest.approx(
        BETA_VN * (2 - 1.5 / 2.0), abs=0.01)
    assert a.gains["benchmark"]["supplier"]["p10"] == pytest.approx(
        BETA_VN * (2 - 1.5 / 1.2), abs=0.01)
    assert a.rho["supplier"].median == pytest.approx(0.6 / (BETA_VN * 1.25), abs=0.01)
    assert a.ask["expected_gain"] == pytest.approx(0.75, abs=0.02)
    assert a.ask["acceptance"] == pytest.approx(0.75, abs=0.03)
    assert a.ask["terms"]["chips"] == pytest.approx(1.0, abs=0.05)
    assert a.ask["terms"]["enforcement"] == pytest.approx(1.0, abs=1e-3)


def pure_equilibria(a: np.ndarray, b: np.ndarray) -> set[tuple[int, int]]:
    """Every pure Nash equilibrium of a bimatrix game, by checking each cell."""
    return {(i, j) for i, j in itertools.product(range(a.shape[0]), range(a.shape[1]))
            if a[i, j] >= a[:, j].max() - 1e-12 and b[i, j] >= b[i, :].max() - 1e-12}


def stance_payoffs(deal, utility) -> tuple[np.ndarray, np.ndarray]:
    """The stance game's payoffs worked out here: a walk-away stance on either side gives both
    their outside options, otherwise the two stances' issues (the rest at the status quo)."""
    sup = [s for s in deal.stances if s.side == "supplier"]
    par = [s for s in deal.stances if s.side == "partner"]
    quo = {i.name: i.status_quo for i in deal.issues}
    a, b = np.zeros((len(sup), len(par))), np.zeros((len(sup), len(par)))
    d = tuple(float(x) for x in deal.disagreement())
    for (i, s), (j, p) in itertools.product(enumerate(sup), enumerate(par)):
        if s.walk_away or p.walk_away:
            a[i, j], b[i, j] = d
        else:
            a[i, j], b[i, j] = utility({**quo, **dict(s.fixes), **dict(p.fixes)})
    return a, b


def test_vietnam_stance_game_equilibria_by_brute_force():
    deal = deals.load(VIETNAM)
    a, b = stance_payoffs(deal, lambda x: (2 * x["enforcement"] - x["chips"],
                                           2 * x["chips"] - 1.5 * x["enforcement"]))
    game = deal.game()
    assert np.allclose(np.asarray(game.payoffs[0], float), a)
    assert np.allclose(np.asarray(game.payoffs[1], float), b)
    found = equilibria(game)
    pure = pure_equilibria(a, b)
    assert pure == {(0, 0), (0, 1)}   # deny against none or half (full: US 'some' gains 1)
    listed = set()
    for eq in found.equilibria:       # each listed profile is an equilibrium, checked here
        x, y = (np.asarray(s, float) for s in eq.strategies)
        assert (a @ y).max() - x @ a @ y <= 1e-9 and (x @ b).max() - x @ b @ y <= 1e-9
        if x.max() == 1 and y.max() == 1:
            listed.add((int(x.argmax()), int(y.argmax())))
    assert listed == pure


# ---- Indonesia: a discrete tier, a demand cap, a setting -----------------------------------

def indonesia_utilities(x: dict, sanctions_on: float = 0.0) -> tuple[float, float]:
    """The file's utilities at its point values, written out again."""
    bought = np.minimum(np.asarray(x["chips"]) / 100_000, 1.5)
    tier_risk = 0.2 * (1 - 0.4 * np.asarray(x["tier"]))
    us = (0.3 * 3.0 * bought - tier_risk * bought + 1.2 * x["offtake"] + 0.5 * x["ownership"]
          - 0.1 * sanctions_on * x["ownership"])
    them = 0.5 * 3.0 * bought + 0.4 * x["tier"] - 0.9 * x["offtake"] - 0.6 * x["ownership"]
    return us, them


def test_indonesia_asymmetric_nash_by_brute_force():
    """The asymmetric Nash solution searched on a fine grid of every issue (the tier's three
    levels), against the library's: the same gains to 0.01 $bn per year."""
    beta = power(0.99, 0.98)
    chips, off, own = np.meshgrid(np.linspace(0, 300_000, 61), np.linspace(0, 1, 201),
                                  np.linspace(0, 1, 201), indexing="ij")
    best = (-np.inf, None)
    for tier in (0, 1, 2):
        us, them = indonesia_utilities({"chips": chips, "tier": tier, "offtake": off,
                                        "ownership": own})
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where((us > 0) & (them > 0),
                             beta * np.log(us) + (1 - beta) * np.log(them), -np.inf)
        k = np.unravel_index(np.argmax(value), value.shape)
        if value[k] > best[0]:
            best = (value[k], (float(us[k]), float(them[k]), tier))
    asym = deals.load(INDONESIA).solutions().benchmark
    assert asym.outcome["tier"] == best[1][2] == 2
    assert tuple(asym.gains) == pytest.approx(best[1][:2], abs=0.01)


def test_indonesia_stance_game_and_its_only_equilibrium():
    deal = deals.load(INDONESIA)
    a, b = stance_payoffs(deal, lambda x: tuple(float(v) for v in indonesia_utilities(x)))
    game = deal.game()
    assert np.allclose(np.asarray(game.payoffs[0], float), a)
    assert np.allclose(np.asarray(game.payoffs[1], float), b)
    assert pure_equilibria(a, b) == {(3, 0)}       # tier_one against token
    (eq,) = equilibria(game).equilibria
    assert [int(np.argmax(s)) for s in eq.strategies] == [3, 0]


def test_show_gives_the_proposal_gains_in_its_own_setting(capsys):
    """The proposal is written for sanctions_on = 1 ([proposal.setting]): the US's gain loses
    0.1 per unit of ownership there. `show` used to give the gains at the file's point values,
    which for the library's India deal told a reader India gains 1.28 from a proposal every
    audit finds it rejects."""
    rows = {r["terms"]: r for r in run_json(capsys, "show", str(INDONESIA))
            ["tables"]["terms_on_the_table"]["rows"]}
    terms = {"chips": 200_000, "tier": 1, "offtake": 0.6, "ownership": 1.0}
    assert (rows["proposal"]["supplier_gain"], rows["proposal"]["partner_gain"]) == \
        pytest.approx(indonesia_utilities(terms, sanctions_on=1.0))
    struck = {"chips": 150_000, "tier": 0, "offtake": 0.4, "ownership": 0.2}  # default 0.2
    assert (rows["real outcome"]["supplier_gain"], rows["real outcome"]["partner_gain"]) == \
        pytest.approx(indonesia_utilities(struck))
    india = {r["terms"]: r for r in run_json(capsys, "show", "india-energy-trade")
             ["tables"]["terms_on_the_table"]["rows"]}
    audit = deals.assess("india-energy-trade", draws=300, seed=0)
    assert audit.acceptance["partner"] < 0.5 and india["proposal"]["partner_gain"] < 0


def test_indonesia_outcome_audit_sees_the_default_and_the_disputed_reading():
    deal = deals.load(INDONESIA)
    _, terms = deal.at_terms("outcome")
    assert terms["ownership"] == 0.2                   # the issue's `default`, not its low end
    _, disputed = deal.at_terms("outcome", disputed=True)
    assert disputed["offtake"] == 0.25


# ---- the Philippines: six issues, lopsided patience ----------------------------------------

def test_philippines_asymmetric_nash_by_local_search():
    """Maximise the asymmetric Nash product with scipy from many starts, for each level of the
    discrete issue; the library's solution has the same gains to 0.01."""
    beta = power(0.999 ** 3, 0.9 ** 3)

    def gains(z, hx):
        chips, credits, training, audits, kyc = z
        us = 0.9 * audits + 0.6 * kyc + 0.5 * hx - 0.8 * chips - credits - 0.1 * training
        them = 2.5 * chips + credits + 0.2 * training - 0.3 * audits - 0.4 * kyc - 0.7 * hx
        return us, them - 0.2

    def objective(z, hx):
        us, them = gains(z, hx)
        return -(beta * math.log(max(us, 1e-300)) + (1 - beta) * math.log(max(them, 1e-300)))

    bounds = [(0, 2), (0, 0.5), (0, 1), (0, 1), (0, 1)]
    positive = [{"type": "ineq", "fun": lambda z, hx=hx, k=k: gains(z, hx)[k] - 1e-9}
                for hx in (0, 1) for k in (0, 1)]
    rng = np.random.default_rng(0)
    best = (np.inf, None)
    for hx in (0, 1):
        for _ in range(20):
            z0 = np.array([rng.uniform(lo, hi) for lo, hi in bounds])
            r = minimize(objective, z0, args=(hx,), bounds=bounds, method="SLSQP",
                         constraints=positive[2 * hx:2 * hx + 2],
                         options={"ftol": 1e-14, "maxiter": 1_000})
            if r.success and min(gains(r.x, hx)) > 0 and r.fun < best[0]:
                best = (r.fun, gains(r.x, hx))
    asym = deals.load(PHILIPPINES).solutions().benchmark
    assert tuple(asym.gains) == pytest.approx(best[1], abs=0.01)
    assert asym.outcome["chips"] == pytest.approx(2.5 * (1 - beta) + 0.64 * beta, abs=0.01)


def test_ratify_names_a_party_called_the_something_with_one_article(capsys):
    main(["ratify", str(PHILIPPINES), "--draws", "200"])
    out = capsys.readouterr().out
    assert "the Philippine government side" in out
    assert "the the" not in out.replace("\n  ", " ")


def test_stages_print_the_tranches_as_they_are(capsys):
    """The plan weighs first tranches 0, 0.25, ..., 1.5 (7 points) and a one-shot release of
    1.5: printed '0.25', not '0.2', and 'one shot (1.5)', not '(2)'."""
    main(["stages", str(PHILIPPINES), "--draws", "200"])
    out = capsys.readouterr().out
    assert "one shot (1.5)" in out
    rows = [line.split()[0] for line in out.splitlines() if line[:1].isdigit()]
    assert rows[:7] == ["0.00", "0.25", "0.50", "0.75", "1.00", "1.25", "1.50"]


def test_assess_explains_its_edge_mark(capsys):
    """At 2,000 draws the partner's acceptance (0.9 in truth) sits on the risk band's threshold,
    so the US's verdict carries the mark; the table must say what the mark means."""
    main(["assess", str(VIETNAM), "--draws", "2000"])
    out = capsys.readouterr().out
    assert "underpriced*" in out
    assert "*: on" in out and "The US's verdict is on the edge of risk band" in out


# ---- the portfolios --------------------------------------------------------------------------

def test_minimal_portfolio_repeal_costs_what_unconditioned_chips_cost(capsys):
    """With no budget and no conditions each partner buys all the chips it can (both value
    chips above nothing and pay nothing for them): the US loses 1 per 100k to Vietnam (2) and
    0.8 per 100k to the Philippines (2), -3.6 $bn a year in every draw, before the non-chip
    trades."""
    data = run_json(capsys, "portfolio", str(DATA / "portfolio-minimal.toml"), "--draws", "100",
                    "--jobs", "1")
    repeal = data["regimes"]["repeal"]
    assert repeal["licensed_k_median"] == pytest.approx(400.0)      # 2 + 2 hundred thousand
    assert repeal["parts_bn_mean"]["chips"] == pytest.approx(-3.6, abs=1e-9)


def test_linked_portfolio_runs_on_every_report(capsys):
    path = str(DATA / "portfolio-linked.toml")
    for extra in ((), ("--links",), ("--off", "bandwidth", "--off", "precedent")):
        assert main(["portfolio", path, "--draws", "60", "--jobs", "1", *extra]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_negotiate_rubinstein_agent_opens_with_rubinsteins_split():
    """The US agent offers Vietnam what waiting a round to make its own offer is worth to it:
    on the line b = 2.5 - 2a, a* = 1.25 (1 - 0.95) / (1 - 0.99 * 0.95) = 1.0504 for the US, and
    the grid's best for the US giving Vietnam at least 0.95 (2.5 - 2 * 0.99 a*). It opened with
    1.16 for the US (Vietnam 0.18) before the agent read its frontier between frontier points."""
    from deals.practice.session import PracticeSession
    session = PracticeSession(deals.load(VIETNAM), side="partner", against="rubinstein",
                              rounds=5)
    offer = session.offer_on_table
    us, them = 2 * offer["enforcement"] - offer["chips"], \
        2 * offer["chips"] - 1.5 * offer["enforcement"]
    a_star = 1.25 * 0.05 / (1 - 0.99 * 0.95)
    assert them >= 0.95 * (2.5 - 2 * 0.99 * a_star) - 1e-9
    assert us == pytest.approx(a_star, abs=2 / 31)      # one step of the chips grid


@pytest.mark.parametrize("name, cdf", [
    # lognormal: median at the value, the range the central 95% in logs, cut to the range
    ("demand", lambda x: _cut(stats.norm(math.log(1.5), math.log(3 / 0.5) / 3.919928).cdf,
                              np.log(x), math.log(0.5), math.log(3.0))),
    # loguniform on [0.4, 3] (the reading in force today)
    ("nickel_worth", lambda x: np.log(x / 0.4) / math.log(3.0 / 0.4)),
    # normal centred on 0.9, the range [0.5, 1.5] its central 95%, cut to it
    ("nickel_cost", lambda x: _cut(stats.norm(0.9, 1.0 / 3.919928).cdf, x, 0.5, 1.5)),
    ("margin", lambda x: (x - 0.2) / 0.2),                           # uniform
    ("price", lambda x: stats.triang(1 / 3, loc=2.5, scale=1.5).cdf(x)),   # mode at 3.0
])
def test_indonesia_parameters_are_drawn_as_the_docs_say(name, cdf):
    """Each distribution of docs/deal-files.md, drawn by the library, against scipy's CDF:
    a Kolmogorov-Smirnov test at the 0.1% level."""
    x = deals.load(INDONESIA).parameters[name].sample(20_000, seed=5)
    assert stats.kstest(x, cdf).pvalue > 1e-3


def _cut(cdf, x, lo, hi):
    """A distribution's CDF cut to [lo, hi] (x in the same scale)."""
    return (cdf(np.clip(x, lo, hi)) - cdf(lo)) / (cdf(hi) - cdf(lo))


def test_rubinstein_rows_solve_the_stationary_offers_per_round():
    """Rubinstein's row at discount factors per round (months between offers: 1 for Vietnam,
    2 for Indonesia): the supplier's opening gain x solves f(x) = d_P f(d_S x) on the frontier
    f, worked out here from the utilities (Indonesia: tier 2, chips at demand, offtake first,
    then ownership)."""
    def indonesia_frontier(a):
        if a <= 2.49:
            return 3.05 - 0.9 * (a - 1.29) / 1.2
        return 2.15 - 0.6 * (a - 2.49) / 0.5

    for path, f, d_s, d_p, (lo, hi) in (
            (VIETNAM, lambda a: 2.5 - 2 * a, 0.99, 0.95, (0.0, 1.25)),
            (INDONESIA, indonesia_frontier, 0.99 ** 2, 0.98 ** 2, (1.3, 2.98))):
        x = brentq(lambda a: f(a) - d_p * f(d_s * a), lo, hi)
        row = deals.load(path).solutions()["Rubinstein"]
        assert tuple(row.gains) == pytest.approx((x, f(x)), abs=5e-3)


def test_ratify_power_and_majority_by_hand(capsys):
    """Three US agencies, two must agree: Commerce and State gain at the proposal in every
    draw (audit_worth >= 0.3), so the US side always ratifies, whatever Defense does; the
    Senate's check holds (value >= 1.5). Two months of review lengthen the US's round from 3
    to 5 months: power log(0.9^3) / (log(0.999^5) + log(0.9^3))."""
    data = run_json(capsys, "ratify", str(PHILIPPINES), "--draws", "400")
    assert data["ratified"] == {"supplier": 1.0, "partner": 1.0, "both": 1.0}
    assert data["supplier_power"]["stated"] == pytest.approx(power(0.999 ** 3, 0.9 ** 3))
    assert data["supplier_power"]["with_ratification_delays"] == pytest.approx(
        power(0.999 ** 5, 0.9 ** 3))


def test_diff_names_verdicts_in_words_and_terms_not_yet_made(capsys):
    """Indonesia's proposal is dated 2025-06-01: on 2025-04-01 no terms are on the record."""
    main(["diff", "--from", "2025-04-01", "--to", "2025-11-01", "--draws", "200",
          str(INDONESIA)])
    out = capsys.readouterr().out
    assert "no terms -> inefficient" in out and "none ->" not in out


def test_negotiate_lists_a_discrete_issue_by_its_levels(capsys, monkeypatch):
    """The tier can only be 0, 1 or 2: the introduction said 'tier 0 to 2', and Poland's
    example counter-offer was 'tier=0.5', which the session then refuses."""
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("walk\n"))
    main(["negotiate", str(INDONESIA), "--as", "supplier", "--rounds", "3"])
    out = " ".join(capsys.readouterr().out.split())
    assert "tier 0, 1 or 2 (0 Tier 2, 1 Tier 2 with upgrade, 2 Tier 1)" in out
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("walk\n"))
    main(["negotiate", "tier-upgrade-poland", "--rounds", "3"])
    assert "such as 'tier=1'" in capsys.readouterr().out


def test_overrate_without_value_multiple_says_what_to_do(capsys):
    """--overrate scales the deals' value_multiple; none of these deals has one."""
    code = main(["portfolio", str(DATA / "portfolio-linked.toml"), "--draws", "50",
                 "--overrate", "0.3"])
    err = capsys.readouterr().err
    assert code == 2 and "--bias NAME=FACTOR" in err and "value_multiple" in err


def test_zone_caption_puts_a_rounding_at_the_disagreement_point(capsys):
    """The US's least utility in the Philippines' zone is its outside option, 0; it was
    printed as -1.249e-16."""
    main(["solve", str(PHILIPPINES)])
    out = " ".join(capsys.readouterr().out.split())
    assert "US gets 0 to 1.467" in out and "e-16" not in out


def spe_outcomes(node) -> set[tuple[float, float]]:
    """Every subgame-perfect outcome of a small perfect-information tree, ties broken every
    way: a node is a payoff pair or (mover, [children])."""
    if isinstance(node[0], float):
        return {node}
    mover, children = node
    out = set()
    for pick in itertools.product(*(sorted(spe_outcomes(c)) for c in children)):
        best = max(p[mover] for p in pick)
        out |= {p for p in pick if p[mover] >= best - 1e-12}
    return out


def test_vietnam_offer_tree_ties_give_other_subgame_perfect_plays(capsys):
    """The offer tree as docs/deal-files.md describes it, built here: the US offers one of its
    stances for one of Vietnam's (or walks away); Vietnam accepts, counters with another of its
    stances, or walks away; after a counter the US accepts or walks away. Movers are often
    indifferent (the US gets 0 from many plays), and the subgame-perfect outcomes, ties broken
    every way, range over US 0 to 1 and Vietnam 0 to 2.5: solve must not present its play as
    the only one."""
    chips = {"some": 1.0, "all": 2.0}
    enforce = {"none": 0.0, "half": 0.5, "full": 1.0}

    def u(s, p):
        return (2 * enforce[p] - chips[s], 2 * chips[s] - 1.5 * enforce[p])

    walk = (0.0, 0.0)
    offers = [(1, [u(s, p), walk] + [(0, [u(s, q), walk]) for q in enforce if q != p])
              for s in chips for p in enforce]
    outcomes = spe_outcomes((0, offers + [walk]))
    assert (0.0, 1.25) in outcomes and (1.0, 0.5) in outcomes and (0.0, 2.5) in outcomes
    outcome = deals.tree_outcome(deals.load(VIETNAM))
    assert set(outcome.tied_payoffs) == outcomes
    assert outcome.payoffs in outcomes
    main(["solve", str(VIETNAM)])
    out = " ".join(capsys.readouterr().out.split())
    assert "subgame-perfect plays differ (US 0 to 1; Vietnam 0 to 2.5)" in out


def test_an_optional_deal_that_is_missing_is_named_in_the_options_report(capsys, tmp_path):
    """docs/portfolio.md: `optional = true` skips a missing deal "with a note"; the article's
    options report (the default) gave none, only the --links report did."""
    path = tmp_path / "p.toml"
    path.write_text(f"""[portfolio]
name = "p"
title = "one deal and a missing one"
year = 2026
smuggling = "0"

[[deals]]
deal = "{INDONESIA.as_posix()}"
key = "indonesia"
issue = "chips"
volume = "bought"
levels = 2
setting = "outcome"

[[deals]]
deal = "no-such-file.toml"
optional = true
issue = "chips"
volume = "chips"
""")
    assert main(["portfolio", str(path), "--draws", "30", "--jobs", "1"]) == 0
    assert "Skipped: no-such-file.toml" in capsys.readouterr().out
