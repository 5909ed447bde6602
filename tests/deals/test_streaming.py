"""An audit's draws streamed to its summaries (issue 29): exact shares at any length,
percentiles on a reservoir beyond it, every draw kept only when asked."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import deals
import deals.audit.streaming as streaming
from deals.audit.leverage import MAX_DRAWS
from deals.audit.streaming import MAX_KEPT_DRAWS, draw_values
from deals.audit.leverage import sample_values
from deals.errors import DealError

DEAL = "chips-for-farm-purchases"
DRAWS, SMALL = 1_500, 400


@pytest.fixture(scope="module")
def kept():
    """Every draw kept: the exact audit the streamed one is checked against."""
    return deals.assess(DEAL, draws=DRAWS, seed=2, keep_draws=True, progress=False)


@pytest.fixture(scope="module")
def streamed():
    """The same draws streamed through a reservoir of SMALL draws."""
    before = streaming.RESERVOIR
    streaming.RESERVOIR = SMALL
    try:
        return deals.assess(DEAL, draws=DRAWS, seed=2, progress=False, chunk_size=333)
    finally:
        streaming.RESERVOIR = before


def test_a_chunk_drawn_on_its_own_is_the_whole_runs_slice():
    deal = deals.load(DEAL).bind(harm=1.0)
    whole = sample_values(deal, 50, 7)
    part = draw_values(deal, 20, 35, 7)
    assert set(part) == set(whole)
    assert all((part[k] == whole[k][20:35]).all() for k in whole)


def test_the_kept_table_is_every_draw_and_its_shares_are_the_audits(kept):
    table = kept.per_draw
    assert len(table) == DRAWS and "quantiles" not in kept.settings
    assert table["partner_accepts"].mean() == kept.acceptance["partner"]
    rho = table["rho"][np.isfinite(table["rho"])]
    assert np.median(rho) == kept.rho["supplier"]["median"]
    assert deals.assess(DEAL, draws=200, seed=2, progress=False).per_draw is None


def test_streamed_shares_are_exact_and_its_percentiles_within_their_rank_error(kept, streamed):
    assert streamed.acceptance == kept.acceptance
    assert streamed.zone_empty == kept.zone_empty
    assert streamed.dominated_share == kept.dominated_share
    assert streamed.rho["supplier"]["defined"] == kept.rho["supplier"]["defined"]
    assert streamed.settings["quantiles"] == f"reservoir sample of {SMALL:,} draws"
    error = streamed.settings["median_rank_error"]
    assert error == pytest.approx(0.5 / np.sqrt(SMALL))
    table = kept.per_draw
    for column, found in (("rho", streamed.rho["supplier"]),
                          ("supplier_gain", streamed.gains["proposal"]["supplier"]),
                          ("partner_gain_at_benchmark", streamed.gains["benchmark"]["partner"])):
        values = table[column][np.isfinite(table[column])].to_numpy()
        rank = np.mean(values <= found["median"])  # where the sample median sits in all draws
        assert abs(rank - 0.5) < 4 * error + 1 / len(values), column
    assert streamed.draws == DRAWS and len(streamed.drivers)


def test_the_streamed_summary_does_not_depend_on_the_chunks_or_who_solved_them(streamed):
    before = streaming.RESERVOIR
    streaming.RESERVOIR = SMALL
    try:
        with ThreadPoolExecutor(2) as pool:
            spread = deals.assess(DEAL, draws=DRAWS, seed=2, progress=False, chunk_size=500,
                                  executor=pool)
    finally:
        streaming.RESERVOIR = before
    assert spread.to_json() == streamed.to_json()


def test_keeping_the_draws_is_capped_and_streaming_is_not():
    assert MAX_DRAWS >= 10**7 > MAX_KEPT_DRAWS
    with pytest.raises(DealError, match="200,000"):
        deals.assess(DEAL, draws=MAX_KEPT_DRAWS + 1, keep_draws=True)
    with pytest.raises(DealError, match="draws"):
        deals.assess(DEAL, draws=MAX_DRAWS + 1)


def test_the_cli_writes_every_draw_with_keep_draws(tmp_path, capsys):
    from deals.cli import main

    path = tmp_path / "draws.csv"
    assert main(["assess", DEAL, "--draws", "50", "--jobs", "1", "--format", "json",
                 "--keep-draws", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    lines = path.read_text().splitlines()
    assert len(lines) == 51 and lines[0].startswith("draw,")
    accepts = [line.split(",")[lines[0].split(",").index("partner_accepts")] for line in lines[1:]]
    assert accepts.count("True") / 50 == data["acceptance"]["partner"]
    assert main(["assess", DEAL, "--draws", str(MAX_KEPT_DRAWS + 1), "--keep-draws",
                 str(path)]) == 2
    assert "200,000" in capsys.readouterr().err


@pytest.mark.slow  # starts worker processes
def test_streamed_on_worker_processes_is_the_same_audit(streamed, monkeypatch):
    monkeypatch.setattr(streaming, "RESERVOIR", SMALL)
    spread = deals.assess(DEAL, draws=DRAWS, seed=2, progress=False, chunk_size=333, jobs=2)
    assert spread.to_json() == streamed.to_json()
