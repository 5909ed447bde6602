"""Each library deal's leverage verdict, stated and explained.

One comparison of the whole library (seeded) is shared by the tests. Each record names the
supplier's flag the model must give and why, in words an analyst would accept, and checks the
figures that carry the reason (not just the label).
"""

from __future__ import annotations

import re

import pytest

import deals
from deals.audit.verdicts import VOCABULARY, verdict


@pytest.fixture(scope="module")
def library():
    return deals.compare(draws=1500, seed=11, jobs=0)


@pytest.mark.slow  # starts worker processes
def test_deals_audited_in_worker_processes_give_the_same_comparison():
    import json

    chosen = ["gulf-divestment-uae", "tier-upgrade-poland", "india-energy-trade"]
    apart, in_turn = (json.dumps(deals.compare(chosen, draws=300, seed=3, jobs=jobs).to_dict())
                      for jobs in (2, 1))
    assert apart == in_turn


@pytest.mark.slow  # starts worker processes
def test_an_audit_spread_over_worker_processes_is_the_same_audit():
    import json

    apart, in_turn = (json.dumps(deals.assess("gulf-divestment-uae", draws=900, seed=2,
                                              chunk_size=200, jobs=jobs).to_dict())
                      for jobs in (2, 1))
    assert apart == in_turn


def test_a_comparison_without_detail_takes_the_summaries_option_too():
    """detail=False with summaries=True once passed 'summaries' to each audit twice (TypeError)."""
    brief = deals.compare(["tier-upgrade-poland"], draws=50, struck=False, detail=False,
                          summaries=True)
    assert brief.assessments[0].staged is None and brief.assessments[0].two_level is None


#: A description ends with its audit's finding in a fixed form, which this test reads:
#: "Audit: the proposal is <verdict> (why ...); as struck, <verdict>." (no struck clause for a
#: deal without an [outcome]); <verdict> is one of the supplier's labels in deals.audit.verdicts.
_LABEL = "|".join(re.escape(v.supplier_words) for v in VOCABULARY)
CLAIM = re.compile(rf"Audit: the proposal is (?:an |a |in the )?(?P<proposal>{_LABEL})\b"
                   rf"(?:.*as struck, (?:an |a |in the )?(?P<struck>{_LABEL})\b)?", re.S)


def claimed(deal: deals.Deal) -> dict[str, str | None]:
    """The verdicts a library description states (the supplier's, proposal and as struck)."""
    found = CLAIM.search(deal.description)
    assert found, f"{deal.name}: the description does not state its audit ('Audit: ...')"
    return found.groupdict()


@pytest.mark.parametrize("name", deals.library_names())
def test_each_description_says_what_its_audit_shows(library, name):
    deal = deals.load(name)
    claim = claimed(deal)
    a = library[name]
    assert claim["proposal"] == verdict(a.verdicts["supplier"]).supplier_words, claim
    struck = library.struck_of(name)
    said = claim["struck"]
    assert (said is None) == (struck is None), "the struck clause must match an [outcome]"
    if struck is not None:
        assert said == verdict(struck.verdicts["supplier"]).supplier_words


def test_every_library_deal_is_audited_with_a_verdict(library):
    assert sorted(a.deal for a in library) == sorted(deals.library_names())
    for a in library:
        assert a.flags["supplier"] in deals.audit.assessment.FLAGS
        assert a.flags["partner"] in deals.audit.assessment.FLAGS


def test_farm_purchases_under_estimate_the_supplier_leverage(library):
    """The article's own example: a strategic technology for a trivial concession.

    Buying US soybeans instead of Brazilian ones costs the buyer a few percent of the purchase,
    while the chips are worth several times their price to it: it accepts the proposal in
    (almost) every plausible world, and would accept far more soybeans for the same chips. The US,
    meanwhile, earns a thin farm margin against the diversion risk of unsafeguarded chips, so its
    gain is a small share of what its position supports (median rho well below 0.8).
    """
    a = library["chips-for-farm-purchases"]
    assert a.flags["supplier"] == "under"
    assert a.acceptance["partner"] >= 0.95
    assert a.rho["supplier"]["median"] < 0.5
    soy = {r["issue"]: r for r in a.surplus["supplier"]}["soy"]
    assert soy["still_accepted"] - soy["proposed"] > 1.5  # $bn a year more, accepted in 90%


def test_uae_framework_is_inefficient(library):
    """With Huawei able to export almost nothing, the UAE accepts the framework in nearly every
    world, and so does the US (the pledge and US-operated chips pay for themselves); but the
    G42-operated share costs the US diversion risk and control that US operators would avoid
    at no cost to the UAE: another package is better for both (inefficient)."""
    a = library["gulf-divestment-uae"]
    assert a.flags["supplier"] == "inefficient"
    assert a.acceptance["partner"] >= 0.9 and a.acceptance["supplier"] >= 0.9
    assert a.benchmark["divest"] == pytest.approx(1.0, abs=1e-3)
    assert a.benchmark["chips"] < a.proposal["chips"]


def test_saudi_same_ask_is_rejected_where_the_uae_accepts(library):
    """Saudi exposure to Chinese retaliation is larger (b14) and its demand smaller: the same
    kind of ask is rejected in most worlds while the UAE accepts in nearly all of them. This is
    the article's over-reaching demand on a partner with a Chinese alternative."""
    saudi, uae = library["gulf-divestment-saudi"], library["gulf-divestment-uae"]
    assert saudi.acceptance["partner"] < uae.acceptance["partner"] - 0.5
    assert saudi.flags["supplier"] == "over"
    assert saudi.acceptance["partner"] < 0.5


def test_india_full_oil_shift_for_chips_over_estimates_leverage(library):
    """India loses billions a year by giving up discounted Russian crude; a higher chip cap is
    worth far less to it, so the article's package is rejected in every plausible world."""
    a = library["india-energy-trade"]
    assert a.flags["supplier"] == "over"
    assert a.acceptance["partner"] < 0.05
    deal = deals.load("india-energy-trade")
    assert deal.gains(deal.proposal.values)[1] < 0


def test_netherlands_hard_ball_rests_on_a_threat_and_is_rejected(library):
    """Capping an ally's chips is costly for the US to carry out; the proposal built on that
    threat asks for full equipment controls, which the ally rejects in most worlds."""
    a = library["allied-sme-netherlands"]
    assert a.flags["supplier"] == "over"
    assert a.acceptance["partner"] < 0.5


def test_malaysia_strict_enforcement_is_sound(library):
    """Against its walk-aways (investment moving to a neighbour, the tariff dispute) Malaysia
    accepts strict enforcement in nearly every world, and it claims about what the US
    position supports: sound."""
    a = library["malaysia-anti-smuggling"]
    assert a.flags["supplier"] == "sound"
    assert a.acceptance["partner"] >= 0.9


def test_poland_modest_ask_is_sound(library):
    """Favoured-tier status is cheap for the US and valuable to Poland; the modest ask (tier
    upgrade for safeguards) is the bargaining benchmark itself."""
    a = library["tier-upgrade-poland"]
    assert a.flags["supplier"] == "sound"
    assert a.acceptance["partner"] >= 0.9
    assert a.rho["supplier"]["median"] == pytest.approx(1.0, abs=0.05)


def test_comparison_is_sorted_by_how_far_leverage_is_off(library):
    keys = [a.sort_key() for a in library]
    assert keys == sorted(keys)
    order = [deals.audit.assessment.FLAGS.index(a.flags["supplier"]) for a in library]
    assert order == sorted(order)  # over first, then under, inefficient, sound
