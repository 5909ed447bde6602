"""An audit's pieces of work are named tasks, and its staged and two-level summaries are found
only when asked for, with the same JSON as when found with the audit."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import deals
from deals import assess
from deals.audit.leverage import DrawSolver, sample_values
from deals.audit.work import AuditWork, Draws, Job, Summaries, Surplus, summary


@pytest.fixture(scope="module")
def work():
    deal = deals.load("chips-for-farm-purchases")
    proposal = deal.outcome_values(deal.proposal.values)
    return AuditWork(deal, proposal, sample_values(deal, 60, 0), DrawSolver(deal, proposal),
                     deals.Thresholds(), "proposal", 0)


def test_the_plan_names_its_tasks(work):
    tasks, chunks = work.plan(detail=True, summaries=True, chunk=25, ahead=True)
    assert chunks == [Draws(0, 25), Draws(25, 50), Draws(50, 60)]
    assert {Job.ASK, Job.POINT, Job.SWINGS, Job.STAGED, Job.TWO_LEVEL} <= set(tasks)
    assert {t for t in tasks if isinstance(t, Surplus)} == {
        Surplus(s, i.name) for s in ("supplier", "partner") for i in work.deal.issues}
    brief, _ = work.plan(detail=False, summaries=True, chunk=25, ahead=False)
    assert brief == chunks
    assert pickle.loads(pickle.dumps(Surplus("partner", "chips"))) == Surplus("partner", "chips")


def test_a_task_runs_the_method_it_names(work):
    whole = work(Draws(0, 60))
    parts = [work(Draws(0, 30)), work(Draws(30, 60))]
    for key, column in whole.items():
        assert np.array_equal(column, np.concatenate([p[key] for p in parts]), equal_nan=True)


def test_summaries_are_found_when_read_with_the_same_json():
    deal = deals.load("gulf-divestment-uae")
    lazy = assess(deal, draws=200, seed=1, progress=False)
    pending = lazy.__dict__["_two_level_value"]
    assert isinstance(pending, Summaries) and pending.found == {}  # nothing found yet
    now = assess(deal, draws=200, seed=1, progress=False, summaries="now")
    assert lazy.to_json() == now.to_json()
    assert pickle.loads(pickle.dumps(lazy)).to_json() == now.to_json()  # found to be sent
    assert lazy.two_level is not None and lazy.two_level is lazy.two_level  # found once
    alone = summary("two_level", deal, "proposal", 200, 1)
    assert dict(alone.rows()) == dict(lazy.two_level.rows())
    left_out = assess(deal, draws=200, seed=1, progress=False, summaries=False)
    assert left_out.staged is None and left_out.two_level is None


def test_compare_finds_a_staged_plan_only_for_the_frame_that_shows_it(monkeypatch):
    import deals.stages.values as values_module  # the audit imports it when it is asked for

    found = []
    real = values_module.stage_summary
    monkeypatch.setattr(values_module, "stage_summary",
                        lambda *a, **k: found.append(a[0].name) or real(*a, **k))
    deal = deals.load("gulf-divestment-uae")  # it has [stages], [actors] and an [outcome]
    c = deals.compare([deal], draws=120, seed=2, progress=False)
    assert c.to_dict()["deals"][0]["two_level"] is not None and not found  # the JSON: none
    frame = c.to_frame()
    assert found == ["gulf-divestment-uae"]
    alone = summary("staged", deal.at_terms("proposal")[0], "proposal", 120, 2)
    assert frame["staged_plan"].iloc[0] == str(alone) != "None"
