"""Issue 24, item 5 (a)-(c): each test failed before its fix."""

import tomllib

import numpy as np

import deals
from deals.audit.leverage import sample_values
from deals.portfolio.draws import evaluate
from deals.portfolio.file import PORTFOLIOS, load_portfolio, portfolio_from_dict


def teaching_doc():
    return tomllib.loads((PORTFOLIOS / "teaching.toml").read_text())


def test_a_common_cap_of_zero_is_no_deals_in_every_draw():
    # (a) Under a uniform cap of 0 no chips are licensed beyond the status quo, so no partner
    # has a deal: the tiered regime must equal "no deals" (gain 0) in every draw. Before the
    # fix Malaysia counted as struck at enforcement 0 and the gain was negative.
    doc = teaching_doc()
    doc["budget"]["per_country"] = "0 * compute"
    p = portfolio_from_dict(doc, path="zero-cap.toml", base=PORTFOLIOS)
    r = deals.solve_portfolio(p, draws=60, seed=3)
    assert np.all(r.column("framework", "struck", 2) == 0)
    np.testing.assert_allclose(r.column("framework", "gain"), 0.0, atol=1e-9)
    np.testing.assert_allclose(r.column("framework", "smuggled"), r.column("none", "smuggled"))


def test_a_common_cap_of_zero_is_no_deals_in_the_article_too_tier_one_included():
    # The Netherlands (Tier 1) has the rule's access as its status quo: a uniform rule strikes
    # no deal with it, so at a cap of 0 the framework is no deals in every draw.
    doc = tomllib.loads((PORTFOLIOS / "article.toml").read_text())
    doc["budget"]["per_country"] = "0 * compute"
    p = portfolio_from_dict(doc, path="zero-cap.toml", base=PORTFOLIOS)
    r = deals.solve_portfolio(p, draws=20, seed=4)
    np.testing.assert_allclose(r.column("framework", "gain"), 0.0, atol=1e-9)


def test_the_netherlands_is_loaded_in_the_setting_its_struck_deal_uses():
    # (b) In its default setting the Dutch file allows no agreement; the struck Sep 2024 step
    # was made against the FDPR threat (its [outcome] setting), which the entry now names.
    p = load_portfolio("article")
    entry = p.deal("netherlands")
    assert entry.setting == "outcome"
    assert entry.deal.values()["fdpr_threat"] == 1.0
    r = deals.solve_portfolio(p, draws=200, seed=0)
    assert np.mean(r.column("coordinated", "struck", p.deals.index(entry))) > 0.3


def test_polands_diversion_uses_the_deals_own_safeguard_effect():
    # (c) The portfolio's diverted flow must be the deal's own: p_divert * (1 -
    # safeguard_effect * safeguards) * bought, with safeguard_effect drawn, not 0.5.
    entry = load_portfolio("article").deal("poland")
    v = sample_values(entry.deal, 500, 1)
    out = {"safeguards": np.ones(500), "tier": np.ones(500), "screening": np.zeros(500)}
    got = evaluate(entry.diverted, v, out, (500,))
    bought = evaluate(entry.volume, v, out, (500,))
    want = v["p_divert"] * (1 - v["safeguard_effect"] * 1.0) * bought
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.ptp(v["safeguard_effect"]) > 0.1


def test_a_bad_setting_is_refused_naming_the_field():
    doc = teaching_doc()
    doc["deals"][0]["setting"] = "struck"
    try:
        portfolio_from_dict(doc, path="bad.toml", base=PORTFOLIOS)
    except deals.errors.DealFileError as exc:
        assert "deals[0].setting" in str(exc) and "bad.toml" in str(exc)
    else:
        raise AssertionError("accepted an unknown setting")


def test_a_negative_chip_limit_is_one_line_naming_the_file_and_field():
    # A budget below 0 used to reach the allocation and fail there, naming neither the file
    # nor the field ("allocate: the budget is below the least total volume in some draws").
    import pytest
    from deals.errors import DealFileError
    for field, expr in (("total", "-1"), ("per_country", "0.07 * compute - 100")):
        doc = teaching_doc()
        doc["budget"][field] = expr
        p = portfolio_from_dict(doc, path="negative.toml", base=PORTFOLIOS)
        with pytest.raises(DealFileError) as info:
            deals.solve_portfolio(p, draws=20, seed=0)
        message = str(info.value)
        assert message.startswith(f"negative.toml: budget.{field}: ") and "\n" not in message
