"""The audit's Nash benchmark is the engine's: ``deal.solutions()`` and ``deals.assess`` agree.

Two routes to the asymmetric Nash solution at the deal's point values: the engine's bargaining
problem (a grid of outcomes refined continuously, :func:`games.bargaining.nash_solution`) and
the audit's per-draw batch solver (:mod:`games.bargaining.batch` through :mod:`deals.audit.leverage`).
Both maximise beta log g_S + (1 - beta) log g_P with the same power, so their Nash products must
agree, and neither may beat the other by more than the refinement's tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

import deals
from deals.deal.reading import library_names

LIBRARY = library_names()


def _log_nash_product(beta: float, gains) -> float:
    g_s, g_p = (float(g) for g in gains)
    if g_s <= 0 or g_p <= 0:
        return -np.inf
    return beta * np.log(g_s) + (1 - beta) * np.log(g_p)


@pytest.mark.parametrize("name", LIBRARY)
def test_audit_benchmark_agrees_with_engine_solutions_at_point_values(name):
    deal = deals.load(name)
    if deal.proposal is None and deal.belief is None:
        pytest.skip("nothing to audit")
    audit = deals.assess(deal, draws=20, seed=0, progress=False)
    if deal.proposal is not None:  # the audit judges a proposal in its own setting
        deal, _ = deal.at_terms("proposal")
    engine = deal.solutions().benchmark
    beta = deal.bargaining_power()
    theirs = _log_nash_product(beta, engine.gains)
    if not engine.agreement:
        assert not np.all(np.isfinite(list(audit.benchmark.values())))
        return
    point = {k: v for k, v in audit.benchmark.items()}
    assert all(np.isfinite(v) for v in point.values()), "engine finds agreement, audit does not"
    mine = _log_nash_product(beta, deal.gains(point))
    # Both refine continuously; neither may find a Nash product better than the other's by more
    # than 1e-4 in logarithm (0.01%).
    assert mine == pytest.approx(theirs, abs=1e-4)
    # The same solution, not just the same value: each side's gain within 1% of the other's.
    for a, b in zip(deal.gains(point), engine.gains):
        assert float(a) == pytest.approx(float(b), rel=1e-2, abs=1e-9)
