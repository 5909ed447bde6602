"""Portfolios of linked deals: closed forms, the standalone limit, links, files, executors."""

import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import deals
from deals.errors import DealFileError
from deals.audit.leverage import batch_problem
from deals.portfolio.result import portfolio_sample
from deals.portfolio.draws import issue_levels, link_state, outcome_at, smuggled_to_china
from deals.portfolio.file import PORTFOLIOS, portfolio_from_dict
from games.bargaining.proposer import best_offers

LINEAR_DEAL = """
[deal]
name = "{name}"
title = "A linear deal"
supplier = "US"
partner = "P{name}"

[parameters.worth]
value = {worth}
source = "constructed"

[parameters.control_cost]
value = 0.0
source = "constructed"

[issues.chips]
range = [0, 100_000]
giver = "supplier"

[definitions]
bought = "chips / 100000"

[utility]
supplier = "worth * bought - control_cost * bought ** 2 / 2"
partner = "bought"

[outside_option]
supplier = "0"
partner = "0"
"""


def linear_portfolio(tmp_path: Path, worths, budget=None, q=None):
    for i, w in enumerate(worths):
        (tmp_path / f"d{i}.toml").write_text(LINEAR_DEAL.format(name=f"d{i}", worth=w))
    doc = {"portfolio": {"name": "closed", "title": "closed form"},
           "deals": [{"deal": f"d{i}.toml", "key": f"d{i}", "issue": "chips",
                      "volume": "bought", "levels": 21} for i in range(len(worths))]}
    if budget is not None:
        doc["budget"] = {"total": repr(float(budget))}
    if q is not None:
        doc["shared"] = {"control_cost": {"value": q, "source": "constructed"}}
        doc["total_cost"] = {"parameter": "control_cost"}
    return portfolio_from_dict(doc, path="closed.toml", base=tmp_path)


def test_two_linear_deals_share_a_budget_as_by_hand(tmp_path):
    # Worth 2 and 1 per 100k H100e, each up to 100k, budget 150k: the first gets 100k, the
    # second the 50k left; a chip is worth 1 ($bn per 100k) at the margin.
    result = deals.solve_portfolio(linear_portfolio(tmp_path, [2.0, 1.0], budget=1.5), draws=3)
    assert result.column("coordinated", "volume", 0) == pytest.approx([1.0] * 3)
    assert result.column("coordinated", "volume", 1) == pytest.approx([0.5] * 3)
    assert result.column("coordinated", "shadow") == pytest.approx([1.0] * 3, abs=1e-9)
    assert result.column("coordinated", "gain") == pytest.approx([2.5] * 3)
    # Struck alone, each takes 100k; the budget then cuts both to a common 75k.
    assert result.column("alone", "gain") == pytest.approx([0.75 * 3] * 3)


def test_control_cost_falls_on_the_total_so_splitting_no_longer_lowers_it(tmp_path):
    # Worth 1.5 each, cost q W^2 / 2 on the total W with q = 1: W* = 1.5 however it is split,
    # gain 1.5 * 1.5 - 1.5^2 / 2 = 1.125. Deal by deal the cost would be v1^2/2 + v2^2/2,
    # which splitting lowers: each would take 100k, for a gain of 2 * (1.5 - 0.5) = 2.
    total = deals.solve_portfolio(linear_portfolio(tmp_path, [1.5, 1.5], q=1.0), draws=2)
    w = total.column("coordinated", "volume", 0) + total.column("coordinated", "volume", 1)
    assert w == pytest.approx([1.5, 1.5])
    assert total.column("coordinated", "gain") == pytest.approx([1.125, 1.125])
    # The same two deals each paying its own cost (no [total_cost]).
    doc_deals = linear_portfolio(tmp_path, [1.5, 1.5])
    own = [d.deal.bind(control_cost=1.0) for d in doc_deals.deals]
    split = sum(o.gains({"chips": 75_000})[0] for o in own)
    whole = own[0].gains({"chips": 100_000})[0] + own[1].gains({"chips": 50_000})[0]
    assert split > whole      # deal by deal, splitting 150k evenly looks cheaper
    assert total.column("alone", "gain") == pytest.approx([2 * 1.5 - 2.0] * 2)  # W = 2


def test_no_links_and_a_slack_budget_reproduce_each_deal_alone():
    doc = tomllib.loads((PORTFOLIOS / "teaching.toml").read_text())
    for key in ("links", "china_response", "budget", "total_cost"):
        doc.pop(key)
    for entry in doc["deals"]:
        entry.pop("hold", None)       # each deal whole, as its own audit solves it
    portfolio = portfolio_from_dict(doc, path="teaching-unlinked.toml")
    result = deals.solve_portfolio(portfolio, draws=50, seed=4)
    sample = portfolio_sample(portfolio, 50, 4)
    for k, entry in enumerate(portfolio.deals):
        values = {n.split("|", 1)[1]: v for n, v in sample.items() if n.startswith(f"{k}|")}
        table = best_offers(batch_problem(entry.deal, values), entry.issue, issue_levels(entry))
        alone = np.maximum(0.0, table.value.max(axis=1))           # or no deal at all
        assert result.column("coordinated", "deal_gain", k) == pytest.approx(alone, abs=1e-12)
        assert result.column("alone", "deal_gain", k) == pytest.approx(alone, abs=1e-12)
    assert result.column("coordinated", "gain") == pytest.approx(result.column("alone", "gain"))


def _malaysia_us_gain(portfolio, share, enforcement):
    """The US's gain from Malaysia at zero chips and the given enforcement, displacement fixed."""
    sample = portfolio_sample(portfolio, 20, 0)
    keys = [d.key for d in portfolio.deals]
    k = keys.index("malaysia")
    base = [{n.split("|", 1)[1]: v for n, v in sample.items() if n.startswith(f"{i}|")}
            for i in range(len(keys))]
    top = {n[2:]: v for n, v in sample.items() if n.startswith("@|")}
    top["displacement"] = np.full(20, share)
    zero = np.zeros((20, len(keys)))
    state = link_state(portfolio, base, top, zero, zero.astype(bool), zero, zero)
    terms = {"chips": np.zeros(20), "enforcement": np.full(20, enforcement),
             "us_tariff_relief": np.zeros(20)}  # issue 25: the tariff is an issue
    at = outcome_at(portfolio.deal("malaysia"), state.values(base, k), terms)
    blocked = zero.copy()
    blocked[:, k] = at["blocked"]
    return at["us"], base[k], smuggled_to_china(portfolio, top, blocked, zero), top


def test_displacement_moves_the_value_of_enforcement_as_the_closed_form_says():
    portfolio = deals.load_portfolio("teaching")
    for share in (0.0, 1.0):
        on, v, reach_on, top = _malaysia_us_gain(portfolio, share, 1.0)
        off, _, reach_off, _ = _malaysia_us_gain(portfolio, share, 0.0)
        flow = v["smuggled"] * v["malaysia_share"]
        # Value of strict enforcement: harm x smuggling through Malaysia x (1 - share).
        assert on - off == pytest.approx(v["harm"] * flow * (1 - share))
        # Chips reaching China: the blocked flow comes back in full when share = 1.
        assert reach_off - reach_on == pytest.approx(flow * (1 - share))


def test_the_same_seed_gives_the_same_result_on_a_thread_pool():
    serial = deals.solve_portfolio("teaching", draws=24, seed=3, chunk_size=24)
    with ThreadPoolExecutor(2) as pool:
        spread = deals.solve_portfolio("teaching", draws=24, seed=3, chunk_size=7,
                                       executor=pool)
    for key, column in serial.columns.items():
        assert np.array_equal(column, spread.columns[key]), key


def test_bundled_portfolios_load_and_skip_a_missing_optional_deal():
    article = deals.load_portfolio("article")
    names = {d.deal.name for d in article.deals}
    assert {"gulf-divestment-uae", "malaysia-anti-smuggling"} <= names
    if "microsoft-g42" not in deals.library_names():
        assert ("microsoft-g42", "not found (optional deal skipped)") in article.skipped
    teaching = deals.load_portfolio("teaching")
    assert len(teaching.deals) == 3
    assert {l.kind for l in teaching.links} == {"precedent", "displacement"}
    assert teaching.china is not None


BAD = [
    ({"portfolio": {"name": "x", "title": "x"}}, "deals: give the deals"),
    ({"portfolio": {"name": "x", "title": "x"}, "extra": {}}, "extra: unknown table"),
    ({"portfolio": {"name": "x", "title": "x"},
      "deals": [{"deal": "gulf-divestment-uae", "issue": "chips",
                 "volume": "__import__('os')"}]}, "deals[0].volume: expression"),
    ({"portfolio": {"name": "x", "title": "x"},
      "deals": [{"deal": "gulf-divestment-uae", "issue": "chip", "volume": "bought"}]},
     "deals[0].issue: deal 'gulf-divestment-uae' has no issue"),
    ({"portfolio": {"name": "x", "title": "x"},
      "deals": [{"deal": "nope", "issue": "chips", "volume": "bought"}]}, "deals[0].deal"),
    ({"portfolio": {"name": "x", "title": "x"},
      "deals": [{"deal": "gulf-divestment-uae", "issue": "chips", "volume": "bought",
                 "levels": 10 ** 9}]}, "deals[0].levels"),
    ({"portfolio": {"name": "x", "title": "x"},
      "deals": [{"deal": "gulf-divestment-uae", "issue": "chips", "volume": "bought"}],
      "shared": {"nonesuch": {"value": 1.0}}}, "shared.nonesuch: no deal"),
    ({"portfolio": {"name": "x", "title": "x"},
      "deals": [{"deal": "gulf-divestment-uae", "key": "uae", "issue": "chips",
                 "volume": "bought"}],
      "links": {"precedent": [{"from": "uae", "to": "mars", "strength": "1"}]}},
     "links.precedent[0].to: no deal 'mars'"),
    ({"portfolio": {"name": "x", "title": "x"},
      "deals": [{"deal": "gulf-divestment-uae", "key": "uae", "issue": "chips",
                 "volume": "bought"}],
      "links": {"displacement": [{"from": "uae", "to": "outside", "share": "0.5"}]}},
     "links.displacement[0].from: deal 'uae' states no 'blocked'"),
]


@pytest.mark.parametrize("doc, message", BAD)
def test_bad_portfolio_files_are_refused_naming_file_and_field(doc, message):
    with pytest.raises(DealFileError) as info:
        portfolio_from_dict(doc, path="bad.toml")
    assert str(info.value).startswith("bad.toml: ")
    assert message in str(info.value)


def test_hostile_files_are_refused_before_parsing(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 1_000_001)
    with pytest.raises(DealFileError, match="big.toml: \\(file\\): file is 1,000,001 bytes"):
        deals.load_portfolio(big)
    dots = tmp_path / "dots.toml"
    dots.write_text("a" + ".a" * 6000 + " = 1\n")
    with pytest.raises(DealFileError, match="dots"):
        deals.load_portfolio(dots)
    with pytest.raises(DealFileError, match="no such portfolio"):
        deals.load_portfolio("nonesuch")


def test_cli_portfolio_tables_fit_80_columns_and_bad_input_exits_2(tmp_path, capsys):
    from deals.cli.commands import main

    png = tmp_path / "portfolio.png"
    assert main(["portfolio", "teaching", "--draws", "20", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "coordinated bilateral" in out and png.stat().st_size > 10_000
    assert max(len(line) for line in out.splitlines()) <= 80
    assert main(["portfolio", "teaching", "--draws", "10", "--links", "--format", "json"]) == 0
    assert '"rows"' in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('[portfolio]\nname = "x"\ntitle = "x"\n[[deals]]\ndeal = "nope"\n')
    assert main(["portfolio", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.toml: deals[0]" in err
    assert main(["portfolio", "teaching", "--draws", "0"]) == 2


def test_rich_display_in_jupyter():
    result = deals.solve_portfolio("teaching", draws=10)
    html = result._repr_html_()
    assert "<table" in html and "coordinated bilateral" in html
    assert "teaching" in repr(result)


@pytest.mark.slow
def test_the_same_seed_gives_the_same_result_on_a_process_pool_and_dask():
    from concurrent.futures import ProcessPoolExecutor

    serial = deals.solve_portfolio("teaching", draws=12, seed=2, chunk_size=12)
    with ProcessPoolExecutor(2) as pool:
        spread = deals.solve_portfolio("teaching", draws=12, seed=2, chunk_size=5, executor=pool)
    distributed = pytest.importorskip("dask.distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        on_dask = deals.solve_portfolio("teaching", draws=12, seed=2, chunk_size=5,
                                        executor=client.get_executor())
    for key, column in serial.columns.items():
        assert np.array_equal(column, spread.columns[key]), key
        assert np.array_equal(column, on_dask.columns[key]), key


def test_the_budget_allocation_equals_brute_force_on_the_teaching_offers():
    # Every combination of the three deals' 26 options, under the budget and the cost on the
    # total: the decomposition's answer is the best one in every draw.
    import itertools

    from deals.portfolio.draws import deal_options
    from games.decisions.allocation import allocate

    portfolio = deals.load_portfolio("teaching")
    sample = portfolio_sample(portfolio, 20, 0)
    top = {n[2:]: v for n, v in sample.items() if n.startswith("@|")}
    options = []
    for k, entry in enumerate(portfolio.deals):
        values = {n.split("|", 1)[1]: v for n, v in sample.items() if n.startswith(f"{k}|")}
        values["control_cost"] = np.zeros(20)
        options.append(deal_options(entry, values, cap=0.07 * top["compute"]))
    budget, q = 0.15 * top["compute"], top["control_cost"]
    a = allocate([o.value for o in options], [o.volume for o in options], budget, q)
    best = np.full(20, -np.inf)
    for combo in itertools.product(*[range(o.value.shape[1]) for o in options]):
        own = sum(o.value[:, j] for o, j in zip(options, combo))
        w = sum(o.volume[:, j] for o, j in zip(options, combo))
        best = np.maximum(best, np.where(w <= budget + 1e-12, own - q * w ** 2 / 2, -np.inf))
    assert a.value == pytest.approx(best, abs=1e-9)
    assert np.all(a.bound >= best - 1e-9)


def test_only_shared_parameters_are_common_to_the_deals():
    # Same-named parameters of two deals (each partner's demand, price, ...) are drawn
    # independently unless the portfolio lists them as shared; shared ones are one quantity.
    import zlib

    from scipy.stats import spearmanr

    from deals.audit.leverage import sample_values

    portfolio = deals.load_portfolio("article")
    sample = portfolio_sample(portfolio, 2_000, 0)
    keys = [d.key for d in portfolio.deals]
    uae, saudi = keys.index("uae"), keys.index("saudi")
    names = ({n.split("|", 1)[1] for n in sample if n.startswith(f"{uae}|")}
             & {n.split("|", 1)[1] for n in sample if n.startswith(f"{saudi}|")})
    unshared = [n for n in names - set(portfolio.shared)
                if np.ptp(sample[f"{uae}|{n}"]) > 0 and np.ptp(sample[f"{saudi}|{n}"]) > 0]
    assert "demand" in unshared and len(unshared) >= 5
    for name in unshared:
        rho = spearmanr(sample[f"{uae}|{name}"], sample[f"{saudi}|{name}"]).statistic
        assert abs(rho) < 0.1, name
    for name in portfolio.shared:
        holders = [k for k in range(len(keys)) if f"{k}|{name}" in sample]
        assert len(holders) >= (2 if name == "harm" else 1)
        for k in holders:
            assert np.array_equal(sample[f"{k}|{name}"], sample[f"@|{name}"]), (k, name)
    # A deal audited alone keeps its own draws: one stream per (seed, parameter name).
    deal = portfolio.deals[uae].deal
    alone = sample_values(deal, 300, 7)
    by_name = np.random.default_rng([7, zlib.crc32(b"demand")]).random(300)
    assert np.array_equal(alone["demand"], deal.parameters["demand"].draw(by_name))


def test_drivers_list_each_deals_own_parameters_and_each_shared_one_once():
    result = deals.solve_portfolio("teaching", draws=40, seed=1)
    rows = list(result.drivers().index)
    assert "demand (uae)" in rows and "demand (saudi)" in rows
    assert rows.count("harm") == 1 and not any(r.startswith("harm (") for r in rows)


# The linear deal worth 2, its volume also moving with a second issue, `extra`.
TWO_ISSUE_DEAL = LINEAR_DEAL.format(name="split", worth=2.0).replace(
    'bought = "chips / 100000"', 'bought = "(chips + extra) / 100000"') + """
[issues.extra]
range = [0, 100_000]
giver = "supplier"
"""


def test_no_deal_alone_uses_no_chips_of_the_alone_terms_other_issues(tmp_path):
    # Deal A's volume is chips + extra, extra held at 100k (its status quo is 0); alone its
    # best terms are 100k of each (200k), over the per-country limit of 80k, so the limits
    # leave A at no deal: 0 chips, not the 100k of `extra` its alone terms held. Deal B (worth 1, up to 100k) then has the 150k budget to
    # itself and keeps the per-country 80k: gain 0.8. (Counting A's no-deal as 100k left B
    # 50k, gain 0.5, and cut every deal in the teaching portfolio to 0 chips.)
    (tmp_path / "a.toml").write_text(TWO_ISSUE_DEAL)
    (tmp_path / "b.toml").write_text(LINEAR_DEAL.format(name="b", worth=1.0))
    doc = {"portfolio": {"name": "split", "title": "no deal is the status quo"},
           "deals": [{"deal": "a.toml", "key": "a", "issue": "chips", "volume": "bought",
                      "levels": 21, "hold": {"extra": 100_000}},
                     {"deal": "b.toml", "key": "b", "issue": "chips", "volume": "bought",
                      "levels": 21}],
           "budget": {"total": "1.5", "per_country": "0.8"}}
    result = deals.solve_portfolio(portfolio_from_dict(doc, path="split.toml", base=tmp_path),
                                   draws=2)
    assert result.column("alone_terms", "volume", 0) == pytest.approx([2.0] * 2)
    assert result.column("alone", "volume", 0) == pytest.approx([0.0] * 2)
    assert result.column("alone", "volume", 1) == pytest.approx([0.8] * 2)
    assert result.column("alone", "gain") == pytest.approx([0.8] * 2)


def test_a_volume_moving_with_an_issue_off_the_grid_is_refused(tmp_path):
    # Unheld, `extra` would license chips the limits cannot cut (the teaching portfolio's
    # Gulf deals once did so with chips_us: every offer over the 7% limit, no deal at all).
    (tmp_path / "a.toml").write_text(TWO_ISSUE_DEAL)
    doc = {"portfolio": {"name": "split", "title": "t"},
           "deals": [{"deal": "a.toml", "key": "a", "issue": "chips", "volume": "bought"}],
           "budget": {"per_country": "0.8"}}
    with pytest.raises(DealFileError, match=r"deals\[0\]\.volume: moves with issue 'extra'"):
        portfolio_from_dict(doc, path="split.toml", base=tmp_path)


@pytest.mark.parametrize("share", [1.5, -0.2, float("nan")])
def test_a_displacement_share_outside_0_1_is_refused_where_it_is_read(share):
    from deals.errors import DealError

    portfolio = deals.load_portfolio("teaching")
    with pytest.raises(DealError, match=r"links\.displacement .*\.share: .* \[0, 1\]"):
        _malaysia_us_gain(portfolio, share, 1.0)


@pytest.mark.parametrize("year", [2020, 2031])
def test_a_portfolio_year_outside_the_capacity_curve_is_refused(year):
    from dataclasses import replace

    from deals.errors import DealError
    from deals.portfolio.draws import capacity_curve

    path = PORTFOLIOS / "teaching.toml"
    doc = tomllib.loads(path.read_text())
    doc["portfolio"]["year"] = year
    with pytest.raises(DealFileError, match="portfolio.year: .* outside the years"):
        portfolio_from_dict(doc, path="bad.toml")
    with pytest.raises(DealError, match="portfolio.year"):
        capacity_curve(replace(deals.load_portfolio("teaching"), year=year), year)


def test_outside_options_remembered_by_the_arrays_they_read_are_those_worked_afresh():
    # outside_options keeps its last answers per deal with the arrays they were read from: the
    # same arrays give the same numbers, new arrays (a link's override, another chunk, another
    # size of chunk) are worked out again, and a caller that writes into an answer does not
    # change the next one.
    import deals.portfolio.draws as draws

    deal = deals.load("india-energy-trade")
    names = {n for e in draws._outside_expressions(deal) for n in e.names}
    assert names  # otherwise this test reads nothing

    def values(n, scale=1.0):
        return {name: np.linspace(0.5, 1.5, n) * scale for name in deal.parameters}

    def afresh(v):
        n = len(next(iter(v.values())))
        return [np.broadcast_to(np.asarray(e(**v), dtype=float), (n,))
                for e in draws._outside_expressions(deal)]

    small, large = values(3), values(5, 2.0)
    for v in (small, large, small, large):
        got = draws.outside_options(deal, v)
        for a, b in zip(got, afresh(v)):
            assert a.shape == b.shape and a.tobytes() == b.tobytes()
        got[0][:] = np.nan                       # the caller's own copy
    moved = dict(small)
    moved[sorted(names)[0]] = small[sorted(names)[0]] + 1.0     # a new array for one name
    for a, b in zip(draws.outside_options(deal, moved), afresh(moved)):
        assert a.tobytes() == b.tobytes()
