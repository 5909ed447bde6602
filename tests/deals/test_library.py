"""What each library deal must reproduce, in words an analyst would accept, and why.

Numbers are $bn per year. "Gain" is a side's utility over its outside option; a side accepts
terms when its gain is >= 0. The benchmark is the asymmetric Nash solution with the supplier's
power from the two sides' costs of delay (Rubinstein's limit), as the leverage module uses it.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest

import deals
from deals.stances import tree_outcome

NAMES = deals.library_names()


@functools.cache
def load(name: str) -> deals.Deal:
    return deals.load(name)


@functools.cache
def benchmark(name: str):
    """The asymmetric Nash solution (supplier power from delay costs) of a library deal."""
    return load(name).solutions().benchmark


def test_the_library_has_the_seven_deals_of_the_issue():
    assert set(NAMES) >= {"gulf-divestment-uae", "gulf-divestment-saudi", "india-energy-trade",
                          "chips-for-farm-purchases", "tier-upgrade-poland",
                          "malaysia-anti-smuggling", "allied-sme-netherlands"}


@pytest.mark.parametrize("name", NAMES)
def test_every_number_is_sourced(name):
    """Each parameter cites a FACTS.md row or says it is a modelling judgement; judgements
    carry a range, so the assessment can show how much the verdict depends on them."""
    deal = load(name)
    assert deal.description and deal.proposal is not None
    for pname, p in deal.parameters.items():
        cites = re.search(r"FACTS\.md [a-d]\d*|FACTS\.md d\b", p.source)
        judged = "judgement" in p.source
        assert cites or judged, f"{name}: parameter {pname} has no source: {p.source!r}"
        if judged and not cites:
            assert p.range is not None and p.range[1] > p.range[0], f"{name}: {pname}"
        assert p.unit, f"{name}: parameter {pname} has no unit"


# ---- Gulf: UAE ------------------------------------------------------------------------------

def test_uae_zone_includes_full_divestment_at_framework_volume():
    """With Huawei's export supply near zero, the UAE's outside option is weak (under 1% of
    what the framework gives it), so the framework's ~1.1M H100e a year for full divestment
    and strong safeguards lies inside the zone of agreement: both sides gain."""
    deal = load("gulf-divestment-uae")
    g_us, g_uae = deal.gains(deal.proposal.values)
    assert deal.proposal.values == {"chips": 1_100_000, "divest": 1.0, "safeguards": 1.0}
    assert g_us > 0 and g_uae > 0
    outside = deal.disagreement()[1]
    assert outside < 0.01 * deal.utilities(deal.proposal.values)[1]
    # Even at the top of Huawei's plausible export capacity the conclusion stands.
    assert deal.bind(huawei_supply=0.5).gains(deal.proposal.values)[1] > 0


def test_uae_framework_gives_away_volume():
    """The benchmark keeps full divestment and safeguards but licenses well under half the
    framework's volume, and gives the US more than the framework does: at these values the
    framework claims less than the US position supports (leverage ratio below 1)."""
    deal = load("gulf-divestment-uae")
    bench = benchmark("gulf-divestment-uae")
    assert bench.outcome["divest"] > 0.99 and bench.outcome["safeguards"] > 0.99
    assert bench.outcome["chips"] < 0.5 * 1_100_000
    rho = deal.gains(deal.proposal.values)[0] / bench.gains[0]
    assert rho < 0.6


def test_uae_offer_tree_ends_in_alignment():
    """With binding packages, the US offers chips for alignment and the UAE accepts; in the
    simultaneous stance game nothing is enforced and the only pure equilibrium is no deal."""
    outcome = tree_outcome(load("gulf-divestment-uae"))
    assert outcome.agreement and outcome.path[0].endswith("for align")
    from games.normal_form.equilibria import pure_equilibria

    pure = pure_equilibria(load("gulf-divestment-uae").game())
    assert [tuple(int(np.argmax(s)) for s in e.strategies) for e in pure] == [(0, 0)]


# ---- Gulf: Saudi Arabia ---------------------------------------------------------------------

def test_saudi_same_ask_is_closer_to_rejection():
    """Saudi ties to China are deeper, so full divestment costs it more: its gain from the
    ask is smaller than the UAE's from the framework, the symmetric Nash benchmark keeps only
    partial divestment for Saudi Arabia but full for the UAE, and at the top of the plausible
    cost of its China ties Saudi Arabia rejects full divestment while the UAE, at the top of
    its own range, still accepts."""
    uae, ksa = load("gulf-divestment-uae"), load("gulf-divestment-saudi")
    assert ksa.gains(ksa.proposal.values)[1] < uae.gains(uae.proposal.values)[1]
    assert ksa.solutions()["Nash"].outcome["divest"] < 0.9
    assert uae.solutions()["Nash"].outcome["divest"] > 0.99
    top_ksa = ksa.parameters["china_ties"].range[1]
    top_uae = uae.parameters["china_ties"].range[1]
    assert ksa.bind(china_ties=top_ksa).gains(ksa.proposal.values)[1] < 0
    assert uae.bind(china_ties=top_uae).gains(uae.proposal.values)[1] > 0


# ---- India ----------------------------------------------------------------------------------

def test_india_chips_alone_do_not_pay_for_an_oil_shift():
    """Giving up discounted Russian crude costs India about $3.7bn a year (1.7 mb/d at
    $6/bbl); a chip cap raised to its maximum is worth less than that to India, so a full
    oil shift for chips alone is rejected, and so is the article's package."""
    deal = load("india-energy-trade")
    oil_cost = 1.7 * 6.0 * 0.365
    assert deal.gains({"chips": 300_000, "oil_shift": 0.0})[1] < oil_cost
    assert deal.gains({"chips": 300_000, "oil_shift": 1.0})[1] < 0
    assert deal.gains(deal.proposal.values)[1] < 0


def test_india_tariff_relief_carries_the_deal():
    """The deal actually struck (Feb 2026) removed 32 points of US tariff: with that, a full
    oil shift is acceptable to India and still good for the US. The benchmark uses the cheap
    levers (US tariff relief, enforcement, the oil shift) and not India's own tariff cut,
    which costs India more than it gives the US."""
    deal = load("india-energy-trade")
    g_us, g_india = deal.gains(deal.outcome.values)
    assert g_us > 0 and g_india > 0
    bench = benchmark("india-energy-trade")
    assert bench.outcome["us_tariff_relief"] > 25
    assert bench.outcome["oil_shift"] > 0.9 and bench.outcome["enforcement"] > 0.9
    assert bench.outcome["tariff_cut"] < 1.0


# ---- Chips for farm purchases ---------------------------------------------------------------

def test_farm_purchases_underestimate_leverage():
    """The article's example: for the same 100k H100e the partner would still accept the
    most soybean purchases in range ($20bn, four times the proposal's $5bn), the US gain from
    the proposal is small (under $0.5bn a year) and turns negative when a diverted chip does
    twice the point harm, and the proposal claims well under half the benchmark's US gain."""
    deal = load("chips-for-farm-purchases")
    curve = deal.concession_curve("chips", "soy")
    at = int(np.argmin(np.abs(curve.levels - 100_000)))
    assert curve.most[at] >= 4 * deal.proposal.values["soy"]
    g_us = deal.gains(deal.proposal.values)[0]
    assert 0 < g_us < 0.5
    assert deal.bind(harm=40.0).gains(deal.proposal.values)[0] < 0
    assert g_us / benchmark("chips-for-farm-purchases").gains[0] < 0.5


# ---- Poland ---------------------------------------------------------------------------------

def test_poland_modest_ask_is_sound_heavy_ask_wastes_goodwill():
    """Moving Poland up a tier is cheap for the US and valuable to Poland: the modest ask
    (safeguards only) is the benchmark itself; adding full investment screening raises the US
    gain by under 10% while more than halving Poland's."""
    deal = load("tier-upgrade-poland")
    modest = deal.gains(deal.proposal.values)
    heavy = deal.gains({"tier": 1, "safeguards": 1.0, "screening": 1.0})
    bench = benchmark("tier-upgrade-poland")
    assert modest[0] == pytest.approx(bench.gains[0], rel=0.02)
    assert modest[1] > 0
    assert heavy[0] < 1.10 * modest[0]
    assert heavy[1] < 0.5 * modest[1]


def test_poland_upgrade_is_worth_it_for_the_us_alone():
    """Keeping Poland down is a threat the US would not carry out: the upgrade pays for
    itself, so in the offer tree Poland gets it without giving anything."""
    outcome = tree_outcome(load("tier-upgrade-poland"))
    assert outcome.path == ("upgrade for nothing", "accept")


# ---- Malaysia -------------------------------------------------------------------------------

def test_malaysia_strict_enforcement_over_reaches():
    """Strict enforcement costs Malaysia about what the chips are worth to it, so the ask is
    rejected at point values; the permit regime it actually adopted (strength 0.6) is
    accepted. When most blocked smuggling moves to another hub (displacement 0.9 instead of
    0.5) the US gain from the strict deal falls by more than half."""
    deal = load("malaysia-anti-smuggling")
    assert deal.gains(deal.proposal.values)[1] < 0
    assert deal.gains(deal.outcome.values)[1] > 0
    low = deal.gains(deal.proposal.values)[0]
    high = deal.bind(displacement=0.9).gains(deal.proposal.values)[0]
    assert high < 0.5 * low


# ---- Netherlands ----------------------------------------------------------------------------

def test_netherlands_cap_threat_is_not_credible():
    """Capping an ally's chips costs the US more than the controls it fails to get
    (retaliation, lost sales): in the offer tree, if the ally counters with no further
    controls, the US accepts rather than caps. So the ally refuses, the hard-ball proposal is
    rejected, and the Nash equilibria where the ally cooperates rest on the US threat to cap."""
    deal = load("allied-sme-netherlands")
    outcome = tree_outcome(deal)
    assert outcome.path[-1] == "accept" and "refuse" in outcome.path[0]
    assert any(t.startswith("US: cap after") for t in outcome.threats)
    assert deal.gains(deal.proposal.values)[1] < 0
    assert deal.gains(deal.outcome.values)[1] > 0
