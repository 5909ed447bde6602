"""Conditioning a deal on the record: closed forms, an impossible record, nothing given."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest

import deals
from deals.errors import DealFileError
from deals.audit.leverage import sample_values
from deals.record.condition import PER_PARTNER, RecordConflict, condition
from deals.record.events import Event, Record, load_record
from tests.deals.toy import toy_text

ONE = toy_text(name="one", title="One parameter", pay_range="[0, 3]",
               v_lines='distribution = "triangular"\n',
               parameters="[parameters.{shared}]\nvalue = 1.0\nrange = [0.0, 2.0]\n",
               supplier="pay - 0.5 * chips + 0 * {shared}", stances=False,
               extra="[outcome]\nterms = {{ chips = 1.0, pay = {pay} }}\n")


def one(pay=1.6, shared="harm", name="one"):
    return deals.loads(ONE.format(pay=pay, shared=shared).replace('"one"', f'"{name}"', 1))


def triangular_cdf(x, lo=1.0, mode=2.0, hi=3.0):
    return (x - lo) ** 2 / ((hi - lo) * (mode - lo)) if x <= mode else \
        1 - (hi - x) ** 2 / ((hi - lo) * (hi - mode))


def triangular_ppf(u, lo=1.0, mode=2.0, hi=3.0):
    c = (mode - lo) / (hi - lo)
    return lo + np.sqrt(u * (hi - lo) * (mode - lo)) if u < c else \
        hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode))


def test_signing_and_refusing_give_the_truncated_distribution_exactly():
    # The partner signed pay 1.6 for one unit (so v >= 1.6) and refused pay 2.4 (so v < 2.4):
    # v given the record is the triangular law truncated to [1.6, 2.4], in closed form.
    deal = one()
    record = Record((Event(deal), Event(deal, {"chips": 1.0, "pay": 2.4}, signed=(),
                                        refused=("partner",))))
    given = condition(record, pool=200_000)
    fa, fb = triangular_cdf(1.6), triangular_cdf(2.4)
    assert given.ess == pytest.approx(200_000 * (fb - fa), rel=0.02)
    drawn = given.values_for(deal, 50_000, seed=1)["v"]
    assert drawn.min() >= 1.6 - 1e-12 and drawn.max() < 2.4
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        exact = triangular_ppf(fa + q * (fb - fa))
        assert given.conditioning.quantile("v", q) == pytest.approx(exact, abs=0.01)
        assert np.quantile(drawn, q) == pytest.approx(exact, abs=0.01)


def test_an_impossible_record_has_no_sample_and_names_the_conflict():
    deal = one(pay=2.5)  # signed: v >= 2.5; refused 1.5: v < 1.5
    record = Record((Event(deal), Event(deal, {"chips": 1.0, "pay": 1.5}, signed=(),
                                        refused=("partner",))), source="test record")
    given = condition(record, pool=20_000)
    assert given.ess == 0 and not given.rationalised
    assert given.conditioning.conflicts[0].parameter == "v"
    with pytest.raises(RecordConflict, match=r"test record: the record cannot be rationalised: "
                       r"effective sample 0 .* in conflict: v \("):
        given.values_for(deal, 100)
    with pytest.raises(RecordConflict, match="in conflict: v"):
        deals.assess(deal, draws=100, given=given, detail=False, terms="outcome")


def test_conditioning_on_nothing_changes_nothing_to_the_byte():
    deal = deals.load("tier-upgrade-poland")
    nothing = condition(Record())
    assert nothing.empty and nothing.ess == nothing.pool
    plain = deals.assess(deal, draws=300, seed=4, detail=False)
    given = deals.assess(deal, draws=300, seed=4, detail=False, given=nothing)
    assert given.to_json() == plain.to_json()


def test_a_shared_parameter_learns_from_another_deals_record():
    # "strict"'s supplier signed only where harm >= 0.8 (its gain is 0.9 - 0.5 - 1.2 + harm);
    # "other" has no record of its own, but harm is the same world's harm (uniform on [0, 2]),
    # so given strict's record it is uniform on [0.8, 2]: median 1.4. v, which strict's record
    # does not constrain (v >= 0.9 always holds), keeps its prior.
    other = one(pay=0.9, name="other")
    strict = deals.loads(ONE.format(pay=0.9, shared="harm").replace(
        "+ 0 * harm", "- 1.2 + harm").replace('"one"', '"strict"', 1))
    given = condition(Record((Event(strict),)), pool=40_000)
    drawn = given.values_for(other, 20_000, seed=2)
    assert drawn["harm"].min() >= 0.8 - 1e-9
    assert np.median(drawn["harm"]) == pytest.approx(1.4, abs=0.03)
    prior = sample_values(other, 20_000, 2)["v"]
    assert np.median(drawn["v"]) == pytest.approx(np.median(prior), abs=0.03)


def test_a_partners_own_parameter_is_drawn_per_deal():
    a = deals.loads(ONE.format(pay=0.9, shared="demand").replace('"one"', '"a"', 1))
    b = deals.loads(ONE.format(pay=0.9, shared="demand").replace('"one"', '"b"', 1))
    from deals.record.condition import pool_values

    assert not np.array_equal(pool_values(a, 100, 0)["demand"], pool_values(b, 100, 0)["demand"])
    assert "demand" in PER_PARTNER
    assert np.array_equal(pool_values(a, 100, 0)["v"], pool_values(b, 100, 0)["v"])


def test_a_record_file_naming_an_unknown_issue_is_refused_naming_the_field(tmp_path):
    path = tmp_path / "record.toml"
    path.write_text('[[event]]\ndeal = "tier-upgrade-poland"\nterms = { chipz = 1 }\n'
                    'signed = ["partner"]\n')
    with pytest.raises(DealFileError, match=r"record.toml: event\[0\].terms.chipz: unknown "
                       "issue 'chipz'"):
        load_record(path)


def test_a_record_file_dated_in_the_future_is_refused(tmp_path):
    path = tmp_path / "record.toml"
    future = dt.date.today() + dt.timedelta(days=30)
    path.write_text(f'[[event]]\ndeal = "tier-upgrade-poland"\nsigned = ["partner"]\n'
                    f'as_of = {future.isoformat()}\n')
    with pytest.raises(DealFileError, match=r"event\[0\].as_of: .* is in the future"):
        load_record(path)


def test_the_command_line_refuses_a_bad_record_in_one_line(tmp_path):
    path = tmp_path / "record.toml"
    path.write_text('[[event]]\ndeal = "tier-upgrade-poland"\nterms = { chipz = 1 }\n'
                    'signed = ["partner"]\n')
    run = subprocess.run([sys.executable, "-m", "deals", "assess", "tier-upgrade-poland",
                          "--given", str(path), "--draws", "50", "--jobs", "1"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and "chipz" in run.stderr


def test_the_command_line_given_an_empty_record_prints_the_same_bytes(tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("# nothing on the record yet\n")
    base = [sys.executable, "-m", "deals", "assess", "tier-upgrade-poland", "--draws", "200",
            "--jobs", "1", "--format", "json"]
    plain = subprocess.run(base, capture_output=True, text=True, check=True)
    given = subprocess.run(base + ["--given", str(path)], capture_output=True, text=True,
                           check=True)
    assert given.stdout == plain.stdout


def test_stages_and_portfolio_given_nothing_are_unchanged_and_given_a_record_differ():
    deal = deals.load("gulf-divestment-uae")
    plain = deals.stage_plan(deal, 200, 0)
    assert deals.stage_plan(deal, 200, 0, given=condition(Record())).to_frame().equals(
        plain.to_frame())
    given = condition(["microsoft-g42"], pool=5_000)
    assert not deals.stage_plan(deal, 200, 0, given=given).to_frame().equals(plain.to_frame())
    base = deals.solve_portfolio("teaching", draws=60, seed=0)
    again = deals.solve_portfolio("teaching", draws=60, seed=0, given=condition(Record()))
    assert again.regimes().equals(base.regimes())


def test_the_audit_records_what_it_was_given_with_keys_that_do_not_depend_on_the_deal():
    given = condition(["microsoft-g42", "tier-upgrade-poland"], pool=5_000)
    record = deals.assess("chips-for-farm-purchases", draws=100, detail=False,
                          given=given).to_dict()["settings"]["given"]
    assert record["events"] == 2 and record["effective_sample"] == given.ess
    assert [set(h) for h in record["holds"]] == [{"event", "deal", "share"}] * 2
    assert [h["deal"] for h in record["holds"]] == ["microsoft-g42", "tier-upgrade-poland"]


def test_a_record_file_naming_an_unknown_deal_names_the_record_and_field(tmp_path):
    path = tmp_path / "record.toml"
    path.write_text('[[event]]\ndeal = "nope"\nsigned = ["partner"]\n')
    with pytest.raises(DealFileError, match=r"record.toml: event\[0\].deal: nope: no such deal"):
        load_record(path)


def test_a_contradictory_record_file_is_refused_naming_the_parameter_in_conflict(tmp_path):
    # Poland signed the tier upgrade for nothing, and (hypothetically) refused the same terms:
    # no world does both, so nothing is audited given it.
    path = tmp_path / "record.toml"
    path.write_text('[[event]]\ndeal = "tier-upgrade-poland"\nsigned = ["partner"]\n'
                    '[[event]]\ndeal = "tier-upgrade-poland"\nrefused = ["partner"]\n')
    given = condition(load_record(path), pool=5_000)
    assert given.ess == 0 and not given.rationalised
    run = subprocess.run([sys.executable, "-m", "deals", "assess", "chips-for-farm-purchases",
                          "--given", str(path), "--draws", "50", "--jobs", "1"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert "cannot be rationalised: effective sample 0" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
