"""The audit's typed records per side (``a.supplier.gain.median``, ``a.partner.accepts``) on the
toy deal of test_assessment, whose answers are known in closed form: the partner's value v is
uniform on [1, 2], so at pay p it accepts with probability 2 - p and gains v - p; the supplier
gains p - c in every draw, and at the symmetric Nash benchmark (v - c) / 2."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from deals import assess
from deals.audit.sides import Summary

from tests.deals.test_assessment import C, toy

PAY = 1.4


@pytest.fixture(scope="module")
def audit():
    return assess(toy(PAY), draws=2000, seed=3, detail=False, progress=False)


def test_each_side_reads_its_closed_form_answers(audit):
    s, p = audit.supplier, audit.partner
    assert p.accepts == pytest.approx(2 - PAY, abs=0.03)
    assert s.accepts == 1.0 and s.worse_off == 0.0
    assert p.worse_off == pytest.approx(PAY - 1, abs=0.03)
    assert s.gain.median == pytest.approx(PAY - C, abs=1e-9)
    assert (p.gain.p10, p.gain.median, p.gain.p90) == pytest.approx(
        (1.1 - PAY, 1.5 - PAY, 1.9 - PAY), abs=0.03)
    assert s.gain_at_benchmark.median == pytest.approx((1.5 - C) / 2, abs=0.02)
    assert s.gain.defined == p.gain.defined == 1.0
    assert (s.party, p.party) == ("S", "P")


def test_the_side_records_and_the_mappings_by_side_agree(audit):
    for side in ("supplier", "partner"):
        record = audit.side(side)
        assert record is getattr(audit, side)
        assert audit.acceptance[side] == record.accepts
        assert audit.gains["proposal"][side] is record.gain
        assert audit.gains["benchmark"][side]["median"] == record.gain_at_benchmark.median
        assert audit.rho[side].median == record.rho.median
        assert audit.verdicts[side] == record.verdict == record.verdicts[0]
        assert audit.flags[side] == record.flag and audit.flag_sets[side] == record.flags
        assert audit.verdict_text[side] == record.verdict_text


def test_the_json_reads_the_side_records(audit):
    data = json.loads(audit.to_json())
    assert data["gains"]["proposal"]["supplier"]["median"] == pytest.approx(
        audit.supplier.gain.median)
    assert list(data["gains"]["proposal"]["partner"]) == ["defined", "median", "p10", "p90"]
    assert data["acceptance"]["partner"] == pytest.approx(audit.partner.accepts)
    assert data["worse_off"]["partner"] == pytest.approx(audit.partner.worse_off)


def test_the_records_are_frozen(audit):
    with pytest.raises(dataclasses.FrozenInstanceError):
        audit.supplier.accepts = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        audit.partner.gain.median = 0.0


def test_a_summary_is_the_percentiles_of_the_finite_draws():
    values = np.array([np.nan, *range(1, 102), np.inf])  # 1..101: p10 11, median 51, p90 91
    s = Summary.of(values)
    assert (s.p10, s.median, s.p90) == (11.0, 51.0, 91.0)
    assert s.defined == pytest.approx(101 / 103)
    assert dict(s) == {"p10": 11.0, "median": 51.0, "p90": 91.0, "defined": s.defined}
    assert np.isnan(Summary.of(np.array([np.nan])).median)


def test_the_json_keeps_its_key_order(audit):
    """The CLI writes the record unsorted, so the by-side mappings keep their old order."""
    data = audit.to_dict()
    assert list(data["acceptance"]) == ["partner", "supplier"]
    assert list(data["worse_off"]) == list(data["rho"]) == ["supplier", "partner"]
    assert list(data["gains"]) == ["proposal", "benchmark"]
    assert list(data["gains"]["proposal"]["supplier"]) == ["p10", "median", "p90", "defined"]
