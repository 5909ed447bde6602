"""Issues 24 and 25: the struck deals as evidence inside the article portfolio.

Each of the three fixes has a test that failed before it: Huawei's capacity counted once
(not once per Gulf partner), China's response on the change in denial from the status quo
(the curve is the record's capacity under the status quo), and the bilateral terms priced
against the links' state the regime's own terms bring about. The record check is checked
against the standalone audit and against itself with the links off.
"""

import numpy as np
import pytest

import deals
from deals.portfolio import policy
from deals.portfolio.draws import capacity_curve, link_state, outcome_at
from deals.portfolio.file import load_portfolio
from deals.portfolio.policy import SupplierBelief, believed_sample, split
from deals.portfolio.policy_record import record_check, record_deals, struck_entry
from deals.portfolio.regimes import Chunk
from deals.portfolio.result import portfolio_sample


def article_chunk(draws=200, seed=5, links=True):
    p = load_portfolio("article")
    base, top = split(portfolio_sample(p, draws, seed), len(p.deals))
    return Chunk(p, base, top, links, 8)


def listed(chunk):
    keys = [d.key for d in chunk.p.deals]
    return [keys.index(k) for k in chunk.p.china.deals]


def curve_capacity(chunk):
    china = chunk.p.china
    scale = china.scale(**{m: chunk.top[m] for m in china.scale.names})
    return capacity_curve(chunk.p, chunk.p.year) * np.broadcast_to(scale, (chunk.n,))


def test_huawei_capacity_is_not_counted_once_per_partner():
    # Whatever the partners' deals, the Huawei chips the listed partners without a deal can
    # take as their alternative (min(supply, demand) each) add up to at most Huawei's export
    # capacity (curve x scale + response x the change in chips denied, written out here).
    # Before the fix each Gulf partner counted the whole capacity (three partners: 3x).
    c = article_chunk(draws=100)
    ks = listed(c)
    assert len(ks) >= 2
    china = c.p.china
    response = china.response(**{m: c.top[m] for m in china.response.names})
    rng = np.random.default_rng(0)
    for _ in range(8):
        struck = rng.random((c.n, len(c.p.deals))) < 0.5
        volume = np.where(struck, rng.random(struck.shape) * c.demand, c.sq_flows["volume"])
        state = link_state(c.p, c.values, c.top, volume, struck, c.sq_flows["blocked"],
                           c.demand, reference=c.sq_flows["volume"])
        denied = (np.maximum(c.demand - volume, 0) - np.maximum(
            c.demand - c.sq_flows["volume"], 0)).sum(axis=1)
        capacity = np.maximum(curve_capacity(c) + response * denied, 0)
        supply = np.column_stack([state.overrides[k]["huawei_supply"] for k in ks])
        taken = (np.minimum(supply, c.demand[:, ks]) * ~struck[:, ks]).sum(axis=1)
        assert np.all(taken <= capacity * (1 + 1e-12) + 1e-12)
        assert np.all(supply <= capacity[:, None] * (1 + 1e-12) + 1e-12)
        # one partner alone without a deal may take all of it
        alone = (~struck[:, ks]).sum(axis=1) == 1
        np.testing.assert_allclose(np.where(~struck[:, ks], supply, 0).sum(axis=1)[alone],
                                   capacity[alone], rtol=1e-12)


def test_at_no_deal_the_partners_share_the_curve_and_no_more():
    # At the status quo (no deals) the capacity is the curve x scale, the record's capacity
    # under the status quo (d6): the listed partners' alternatives add up to it. Before the
    # fixes each got curve x scale + response x (all demand denied): a multiple of it.
    c = article_chunk()
    ks = listed(c)
    none = np.zeros((c.n, len(c.p.deals)), bool)
    state = link_state(c.p, c.values, c.top, c.sq_flows["volume"], none,
                       c.sq_flows["blocked"], c.demand, reference=c.sq_flows["volume"])
    total = sum(state.overrides[k]["huawei_supply"] for k in ks)
    np.testing.assert_allclose(total, curve_capacity(c), rtol=1e-12)
    # and each partner's share is in proportion to its demand
    d = c.demand[:, ks]
    for j, k in enumerate(ks):
        np.testing.assert_allclose(state.overrides[k]["huawei_supply"],
                                   curve_capacity(c) * d[:, j] / d.sum(axis=1), rtol=1e-12)


def test_more_chips_denied_than_at_the_status_quo_raise_the_capacity():
    # The response still acts: licensing less than the status quo (here: none of a partner's
    # status-quo chips) raises Huawei's capacity by response x the extra denial.
    c = article_chunk(draws=50)
    none = np.zeros((c.n, len(c.p.deals)), bool)
    volume = c.sq_flows["volume"].copy()
    k = int(np.argmax(volume.mean(axis=0)))
    assert volume[:, k].mean() > 0
    volume[:, k] = 0.0
    args = (c.p, c.values, c.top)
    at_sq = link_state(*args, c.sq_flows["volume"], none, c.sq_flows["blocked"], c.demand,
                       reference=c.sq_flows["volume"])
    less = link_state(*args, volume, none, c.sq_flows["blocked"], c.demand,
                      reference=c.sq_flows["volume"])
    ks = listed(c)
    rise = sum(less.overrides[j]["huawei_supply"] - at_sq.overrides[j]["huawei_supply"]
               for j in ks)
    response = c.p.china.response(**{m: c.top[m] for m in c.p.china.response.names})
    extra = np.maximum(c.demand[:, k], 0) - np.maximum(c.demand[:, k] - c.sq_flows["volume"][:, k], 0)
    np.testing.assert_allclose(rise, response * extra, rtol=1e-9, atol=1e-12)


def test_bilateral_terms_are_priced_against_the_regimes_own_denial():
    # The state the final menus were priced against is (within the tolerance) the state the
    # chosen terms bring about, not "every other partner at no deal". Before the fix the
    # menus were priced at no deal, 0.3 (30k H100e/yr of Huawei supply) away from it.
    p = load_portfolio("article")
    seen = believed_sample(p, SupplierBelief(), portfolio_sample(p, 300, 7), 7)
    priced = []
    original = policy.price_menus

    def spy(portfolio, chunk, refusal, state, memo=None):
        priced.append((chunk, state))
        return original(portfolio, chunk, refusal, state, memo)

    policy.price_menus = spy
    try:
        plan = policy.plan_terms(p, SupplierBelief(), seen, frozenset(), 7)
    finally:
        policy.price_menus = original
    chunk, state = priced[-1]
    brought = policy.regime_state(chunk, plan.bilateral)
    no_deal = [(policy.no_deal_values(chunk, k), np.zeros(chunk.n))
               for k in range(len(p.deals))]
    if plan.converged:
        assert plan.gap <= policy.PLAN_TOLERANCE
        assert policy.state_gap(state, brought) <= policy.PLAN_TOLERANCE + 1e-12
    assert policy.state_gap(no_deal, brought) > policy.PLAN_TOLERANCE
    assert plan.rounds >= 2


def test_the_record_check_equals_the_deal_alone_when_the_links_are_off():
    # With no links a partner's utility and outside option inside the portfolio are its own
    # (the portfolio only moves the US's control cost to the total), so the partner accepts
    # the struck terms in the same draws inside as alone.
    c = article_chunk(draws=300, links=False)
    out = record_check(c)
    for k in record_deals(c.p):
        entry, terms = struck_entry(c.p.deals[k])
        alone = outcome_at(entry, c.alone_values[k],
                           {n: np.full(c.n, v) for n, v in terms.items()})
        np.testing.assert_array_equal(out[f"record|{k}|partner"],
                                      (alone["partner"] >= -1e-9) * 1.0)
    assert out["record|all"].tolist() == np.prod(
        [out[f"record|{k}|both"] for k in record_deals(c.p)], axis=0).tolist()


@pytest.mark.slow
def test_alone_matches_the_standalone_audit_of_the_struck_deal():
    # Two independent routes to one number: the portfolio's "alone" column (the deal's own
    # draws in the portfolio's scope) and `deals.assess(..., terms="outcome")` (its own
    # sample): the partner's acceptance of the UAE's struck deal within sampling error.
    c = article_chunk(draws=2000, seed=0, links=False)
    k = [d.key for d in c.p.deals].index("uae")
    entry, terms = struck_entry(c.p.deals[k])
    alone = outcome_at(entry, c.alone_values[k], {n: np.full(c.n, v) for n, v in terms.items()})
    a = deals.assess(deals.load("gulf-divestment-uae"), draws=2000, seed=0, terms="outcome",
                     detail=False, summaries=False)
    assert abs(np.mean(alone["partner"] >= -1e-9) - a.partner.accepts) < 0.03


def test_given_record_keeps_only_draws_in_which_every_struck_deal_is_signed():
    # Rejection on the record check: in every draw of the conditioned run both sides accept
    # every struck deal inside the portfolio, and the effective sample is reported.
    r = deals.solve_policy("article", draws=300, seed=2, given="record")
    assert r.mean("record", "all") == 1.0
    for k in record_deals(r.portfolio):
        assert r.mean("record", "both", k) == 1.0
    g = r.to_json()["given"]
    assert g["floor"] <= g["effective_sample"] <= g["pool"]
    assert 0 < g["all_hold"] <= min(h["share"] for h in g["holds"])


def test_given_record_names_the_conflict_when_the_sample_collapses(monkeypatch, capsys):
    # On a pool of 200 draws the record holds in a handful: the run is refused in one line
    # naming the record and the parameters in conflict, not reported from a few draws.
    from deals.cli import main
    from deals.portfolio import policy_record

    monkeypatch.setattr(policy_record, "RECORD_POOL", 200)
    with pytest.raises(deals.DealError, match="the record cannot be rationalised.*in conflict"):
        deals.solve_policy("article", draws=50, seed=0, given="record")
    assert main(["portfolio", "article", "--draws", "50", "--given", "record"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "effective sample" in err[0]


def test_given_a_record_file_on_the_options_is_refused_in_one_line(capsys):
    from deals.cli import main

    assert main(["portfolio", "article", "--draws", "20", "--given", "x.toml"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--given record" in err[0]


def test_rows_of_a_partners_table_are_not_checked_against_their_archetypes_record():
    # A middle-tier row priced by the UAE's deal did not strike the UAE's licence.
    p = load_portfolio("middle-tier")
    assert any(e.deal.outcome is not None for e in p.deals)
    assert record_deals(p) == []
    assert [load_portfolio("article").deals[k].key for k in
            record_deals(load_portfolio("article"))][:2] == ["uae", "saudi"]
