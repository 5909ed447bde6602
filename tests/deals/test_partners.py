"""Portfolios from a partners table (issue 24 item 5): the bundled country lists, a table's
rows becoming deals, bad tables refused in one line, the same bytes on every executor."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deals
from deals.errors import DealFileError
from deals.portfolio.partners import read_partners

LIBRARY = Path(deals.__file__).parent / "library" / "portfolios"
TABLE = LIBRARY / "ai-diffusion-countries.csv"


def rows_of(path=TABLE):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_bundled_table_holds_the_rules_lists():
    rows = rows_of()
    tier = {r["iso"]: r["tier"] for r in rows}
    # Tier 1: the 18 countries of the rule (90 FR 4544; FACTS.md a3), no more
    tier1 = set("AU BE CA DK FI FR DE IE IT JP NL NZ NO KR ES SE TW GB".split())
    assert {iso for iso, t in tier.items() if t == "1"} == tier1
    # Tier 3: D:5 (23 in January 2025, FACTS.md a2) plus Macau, and Hong Kong as China
    tier3 = {iso for iso, t in tier.items() if t == "3"}
    assert {"CN", "RU", "IR", "KP", "MO", "HK", "CD", "SD", "KH"} <= tier3
    assert len(tier3) == 23 + 2
    # Tier 2: every other country, about 150 (FACTS.md a5), the rule's named members in it
    assert 140 <= sum(t == "2" for t in tier.values()) <= 160
    for iso in ("IN", "IL", "SG", "AE", "SA", "PL", "PT", "CH", "MX", "MY", "TR", "EE"):
        assert tier[iso] == "2", iso
    assert "US" not in tier
    # every row says where it comes from; judged rows say so
    for r in rows:
        assert r["source"], r["country"]
        if r["tier"] == "2" and r["archetype"] in ("buyer", "ally", "gulf", "hub"):
            assert r["source"].startswith("judgement") and r["demand_low"] < r["demand_high"]


def test_the_middle_tier_portfolio_has_one_deal_per_tier2_row():
    p = deals.load_portfolio("middle-tier")
    rows = [r for r in rows_of() if r["tier"] == "2"]
    assert len(p.deals) == len(rows) == 153
    assert [name.split(" (")[0] for name, _ in p.skipped] == ["18 Tier-1 countries",
                                                              "25 Tier-3 countries"]
    poland = p.deal("poland").deal
    assert poland.parameters == deals.load("tier-upgrade-poland").parameters   # unscaled
    qatar = p.deal("qatar").deal
    saudi = deals.load("gulf-divestment-saudi").parameters
    # alternatives x 1 [0.5, 2]: Huawei supply's range scaled at each end
    lo, hi = saudi["huawei_supply"].range
    assert qatar.parameters["huawei_supply"].range == pytest.approx((0.5 * lo, 2 * hi))
    assert qatar.parameters["demand"].range == (0.2, 3.0)
    assert qatar.partner == "Qatar"


def write_portfolio(tmp_path, rows, header=None):
    """A small portfolio file beside a table of the given rows."""
    header = header or ["country", "tier", "archetype", "demand", "demand_low", "demand_high",
                        "china_ties", "alternatives", "source"]
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    (tmp_path / "partners.csv").write_text(text.getvalue(), encoding="utf-8")
    (tmp_path / "small.toml").write_text('''
[portfolio]
name = "small"
title = "three buyers and an ally"

[partners]
table = "partners.csv"

[archetypes.buyer]
deal = "chips-for-farm-purchases"
issue = "chips"
levels = 5
volume = "bought"
diverted = "p_divert * bought"
demand = "demand"
scale = { demand = "demand", china_ties = ["p_divert"] }

[archetypes.ally]
deal = "tier-upgrade-poland"
issue = "tier"
volume = "bought"
diverted = "p_divert * (1 - safeguard_effect * safeguards) * bought"
demand = "demand"
scale = { demand = "demand", china_ties = ["p_divert"] }

[budget]
total = "2.0"
''', encoding="utf-8")
    return tmp_path / "small.toml"


GOOD = [["Kenya", 2, "buyer", 0.5, 0.1, 1.0, 1, 1, "judgement"],
        ["Chile", 2, "buyer", 0.8, "", "", 2, 1, "judgement"],
        ["Portugal", 2, "ally", 0.3, 0.1, 0.6, 0.5, 1, "judgement"],
        ["Germany", 1, "none", "", "", "", "", "", "Tier 1"]]


def test_a_row_scales_its_archetype(tmp_path):
    p = deals.load_portfolio(write_portfolio(tmp_path, GOOD))
    assert [d.key for d in p.deals] == ["kenya", "chile", "portugal"]
    farm = deals.load("chips-for-farm-purchases").parameters["p_divert"]
    chile = p.deal("chile").deal.parameters
    assert chile["demand"].value == 0.8 and chile["demand"].range is None   # no range: fixed
    assert chile["p_divert"].value == pytest.approx(2 * farm.value)
    assert chile["p_divert"].range == pytest.approx((2 * farm.range[0], 2 * farm.range[1]))
    assert p.skipped == (("1 Tier-1 country (Germany)", "Tier 1 of the January 2025 rule: "
                                                        "no limits, not negotiated"),)
    result = deals.solve_portfolio(p, draws=30, seed=1)
    # a partner with more demand buys more when it strikes (same archetype, same draws law)
    assert np.all(np.isfinite(result.columns["coordinated|gain"]))


@pytest.mark.parametrize("change, field, message", [
    (lambda rows, header: (rows, [h for h in header if h != "demand"]), "header",
     "missing column 'demand'"),
    (lambda rows, header: ([r[:3] + [-0.5] + r[4:] for r in rows[:1]] + rows[1:], header),
     "row 2 (Kenya), column demand", "-0.5 is not a demand"),
    (lambda rows, header: ([r[:2] + ["farmer"] + r[3:] for r in rows[:1]] + rows[1:], header),
     "row 2 (Kenya), column archetype", "unknown archetype 'farmer'"),
    (lambda rows, header: (rows[:1] + [rows[1][:3] + ["lots"] + rows[1][4:]] + rows[2:],
                           header), "row 3 (Chile), column demand", "'lots' is not a number"),
    (lambda rows, header: (rows[:1] + [rows[1][:6] + [-1] + rows[1][7:]] + rows[2:], header),
     "row 3 (Chile), column china_ties", "below 0"),
    (lambda rows, header: (rows + [rows[0]], header), "row 6 (Kenya), column country",
     "also row 2"),
    (lambda rows, header: (rows[:2] + [rows[2][:3] + [0.9] + rows[2][4:]] + rows[3:], header),
     "row 4 (Portugal), column demand_low", "does not hold the value 0.9"),
])
def test_a_bad_table_is_one_line_naming_row_and_column(tmp_path, change, field, message):
    header = ["country", "tier", "archetype", "demand", "demand_low", "demand_high",
              "china_ties", "alternatives", "source"]
    rows, header = change([list(r) for r in GOOD], header)
    if len(header) < 9:
        rows = [r[:3] + r[4:] for r in rows]
    path = write_portfolio(tmp_path, rows, header)
    with pytest.raises(DealFileError) as error:
        deals.load_portfolio(path)
    text = str(error.value)
    assert field in text and message in text and "\n" not in text
    assert "partners.csv" in text


def test_the_cli_refuses_a_bad_table_with_exit_2_and_writes_nothing(tmp_path):
    rows = [list(r) for r in GOOD]
    rows[0][3] = -1
    path = write_portfolio(tmp_path, rows)
    out = tmp_path / "out"
    before = sorted(p.name for p in tmp_path.iterdir())
    run = subprocess.run([sys.executable, "-m", "deals", "portfolio", str(path), "--draws", "10",
                          "--output", str(out), "--plot", str(tmp_path / "p.png")],
                         capture_output=True, text=True)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "row 2 (Kenya), column demand" in lines[0]
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_reading_a_table_refuses_more_than_its_own_mistakes():
    with pytest.raises(DealFileError, match="empty table"):
        read_partners(b"", "t.csv", ["buyer"])
    with pytest.raises(DealFileError, match="unknown column 'gdp'"):
        read_partners(b"country,tier,archetype,demand,china_ties,alternatives,gdp\n", "t.csv",
                      ["buyer"])
    with pytest.raises(DealFileError, match="row 2 .*column tier"):
        read_partners(b"country,tier,archetype,demand,china_ties,alternatives,source\n"
                      b"Kenya,4,buyer,1,1,1,j\n", "t.csv", ["buyer"])
    with pytest.raises(DealFileError, match="not UTF-8"):
        read_partners(b"country\xff", "t.csv", ["buyer"])


@pytest.mark.slow
def test_a_table_portfolio_gives_the_same_bytes_on_dask_as_here(tmp_path):
    from dask.distributed import Client, LocalCluster

    p = deals.load_portfolio(write_portfolio(tmp_path, GOOD))
    here = deals.solve_portfolio(p, draws=60, seed=3, chunk_size=20)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        there = deals.solve_portfolio(p, draws=60, seed=3, chunk_size=20, executor=client)
    assert here.columns.keys() == there.columns.keys()
    for key, column in here.columns.items():
        assert column.tobytes() == there.columns[key].tobytes(), key


def test_chunks_draw_their_own_slice_with_the_same_bytes():
    # Draws made chunk by chunk (the stream advanced past the earlier draws) equal the whole
    # sample's slice, and the solved columns equal the one-sample sweep's, whatever the chunk.
    from deals.portfolio.regimes import PortfolioDraws
    from deals.portfolio.result import portfolio_sample
    from deals.portfolio.stream import portfolio_slice, solve_in_chunks
    from games.sweeps import sweep

    p = deals.load_portfolio("teaching")
    whole = portfolio_sample(p, 90, 7)
    part = portfolio_slice(p, 35, 80, 7)
    assert whole.keys() == part.keys()
    for key in whole:
        assert whole[key][35:80].tobytes() == part[key].tobytes(), key
    old = sweep(PortfolioDraws(p), sample=whole, chunk_size=30, vectorised=True).outputs
    new = solve_in_chunks(p, 90, 7, chunk_size=30)
    assert old.keys() == new.keys()
    for key in old:
        assert old[key].tobytes() == new[key].tobytes(), key


def test_deal_draws_keeps_the_deals_columns_for_the_first_draws_only():
    full = deals.solve_portfolio("teaching", draws=50, seed=2, chunk_size=20)
    lean = deals.solve_portfolio("teaching", draws=50, seed=2, chunk_size=20, deal_draws=25)
    for key, column in full.columns.items():
        if key.count("|") == 2:
            assert lean.columns[key].tobytes() == column[:25].tobytes(), key
        else:
            assert lean.columns[key].tobytes() == column.tobytes(), key
    assert lean.regimes().equals(full.regimes())
    assert len(lean.acceptance()) == 3


@pytest.mark.slow
def test_the_article_options_on_a_table_portfolio_give_the_same_bytes_on_dask(tmp_path):
    from dask.distributed import Client, LocalCluster

    p = deals.load_portfolio(write_portfolio(tmp_path, GOOD))
    here = deals.solve_policy(p, draws=40, seed=4, chunk_size=15)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        there = deals.solve_policy(p, draws=40, seed=4, chunk_size=15, executor=client)
    for key, column in here.columns.items():
        assert np.asarray(column).tobytes() == np.asarray(there.columns[key]).tobytes(), key


def test_every_number_of_the_middle_tier_is_sourced_or_judged():
    # As for the library deals (test_library): each parameter cites a row of the record or says
    # it is a judgement, and a judgement carries a range.
    import re

    for entry in deals.load_portfolio("middle-tier").deals:
        for name, p in entry.deal.parameters.items():
            cites = re.search(r"\brecord [a-f]\d+", p.source)
            judged = "judgement" in p.source
            assert cites or judged, f"{entry.key}: {name}: {p.source!r}"
            if judged and not cites:
                assert p.range is not None and p.range[1] > p.range[0], f"{entry.key}: {name}"
