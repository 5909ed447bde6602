"""Audits of one deal inside shared_benchmarks() share the solves that do not depend on
what differs between them, with the same answers as alone."""

import deals.audit.leverage as leverage
from deals.audit.assessment import assess
from deals.audit.benchmark_memo import shared_benchmarks
from deals import load


def test_a_struck_deal_equal_to_its_proposal_reuses_the_package_better_for_both(monkeypatch):
    deal = load("malaysia-anti-smuggling")
    assert deal.at_terms("proposal")[1] == deal.at_terms("outcome")[1]
    calls = []
    real = leverage.better_for_both

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(leverage, "better_for_both", spy)
    alone = assess(deal, draws=200, detail=False, terms="outcome")
    assert len(calls) == 1
    with shared_benchmarks():
        assess(deal, draws=200, detail=False)
        shared = assess(deal, draws=200, detail=False, terms="outcome")
    assert len(calls) == 2                                   # not 3: the second is recalled
    assert shared.to_dict() == alone.to_dict()
    assert shared.frontier_distance == alone.frontier_distance
