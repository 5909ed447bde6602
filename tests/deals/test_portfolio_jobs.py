"""``solve_policy(jobs=N)`` and ``chipdeals portfolio --jobs N``: the chunks of draws solved on
forked worker processes give the bytes of one process, whatever the chunking; a bad N is one
line; Ctrl-C stops the workers and exits 130."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deals.cli.commands import main
from deals.portfolio.policy_result import solve_policy
from games.errors import GameError
from games.parallel import can_fork

ROOT = Path(__file__).resolve().parents[2]
needs_fork = pytest.mark.skipif(not can_fork(), reason="worker processes are forked on Linux")


def _same(one, many) -> None:
    assert json.dumps(one.to_json()) == json.dumps(many.to_json())
    assert one.columns.keys() == many.columns.keys()
    for key, column in one.columns.items():
        assert column.tobytes() == many.columns[key].tobytes(), key


@pytest.mark.slow  # starts worker processes
@needs_fork
@pytest.mark.parametrize("chunk_size", [50, 70])
def test_the_article_on_two_workers_gives_the_bytes_of_one_process(chunk_size):
    # 240 draws in chunks of 50 (five: the last cut in two, one half per worker) or 70
    # (four, the last short).
    one = solve_policy("article", draws=240, seed=3, chunk_size=chunk_size)
    many = solve_policy("article", draws=240, seed=3, chunk_size=chunk_size, jobs=2)
    _same(one, many)


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_on_workers_a_sample_for_the_quantiles_is_the_one_of_one_process(monkeypatch):
    # Past KEEP_NUMBERS the summary keeps sums per chunk and a sample of the draws: the
    # workers' chunks must reach it whole and in order (the workers inherit the patch).
    import deals.portfolio.policy_stream as stream

    monkeypatch.setattr(stream, "KEEP_NUMBERS", 1_000)
    monkeypatch.setattr(stream, "KEEP", 9)
    one = solve_policy("teaching", draws=90, seed=5, chunk_size=20)
    many = solve_policy("teaching", draws=90, seed=5, chunk_size=20, jobs=2)
    assert not one.complete and one.kept == 9
    _same(one, many)


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_portfolio_jobs_2_prints_the_json_of_jobs_1(capsys):
    outputs = []
    for jobs in ("1", "2", "0"):
        assert main(["portfolio", "teaching", "--draws", "200", "--jobs", jobs,
                     "--format", "json"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2] and '"draws": 200' in outputs[0]


def test_bad_jobs_are_one_line_before_any_work(capsys):
    assert main(["portfolio", "teaching", "--jobs", "-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--jobs" in err and "\n" not in err
    with pytest.raises(GameError, match="jobs"):
        solve_policy("teaching", draws=10, jobs=-1)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.update(int(c) for c in (task / "children").read_text().split())
    except OSError:
        pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_ctrl_c_while_the_workers_solve_exits_130_and_ends_them(interrupt):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "deals", "portfolio", "article", "--draws",
                              "200000", "--jobs", "2"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    workers: set[int] = set()

    def ready():
        for _ in range(1200):  # a guard against a hang: the plan takes a few seconds
            workers.update(_children(child.pid))
            if len(workers) >= 2 or child.poll() is not None:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, "the workers never started"
        time.sleep(0.5)

    code, err = interrupt(child, ready)
    assert code == 130, err
    assert err.strip() == "chipdeals: interrupted"
    for _ in range(100):
        if not any(_alive(w) for w in workers):
            break
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


@pytest.mark.parametrize("draws, size, workers", [(10_000, 2_000, 2), (2_000, 2_000, 2),
                                                  (7, 2, 3), (240, 70, 2), (9, 3, 3),
                                                  (5, 5, 8), (100, 7, 1)])
def test_the_pieces_cover_every_draw_once_and_share_the_tail_among_the_workers(
        draws, size, workers):
    from deals.portfolio.stream import pieces

    bounds = [(a, min(a + size, draws)) for a in range(0, draws, size)]
    tasks = pieces(bounds, workers)
    assert [a for _, a, _ in tasks] == [0] + [b for _, _, b in tasks[:-1]]
    assert tasks[-1][2] == draws and all(a < b for _, a, b in tasks)
    tail = len(bounds) % workers  # the chunks after those that go round the workers evenly
    for k, (a, b) in enumerate(bounds):  # each chunk's pieces in order, inside it
        mine = [(x, y) for j, x, y in tasks if j == k]
        assert mine[0][0] == a and mine[-1][1] == b
        assert len(mine) == (min(workers, b - a) if k >= len(bounds) - tail else 1)


def _bad_file(x):
    from deals.errors import DealFileError

    raise DealFileError(f"the limit is -{x} in some draws", path="p.toml", field="budget.total")


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_a_file_error_raised_in_a_worker_reads_as_in_one_process():
    # The error crosses from the worker pickled: it read "<text>: p.toml: budget.total: ..."
    # (rebuilt from its message alone, as if the message were the reason and no file given).
    from deals.errors import DealFileError, RecordError
    from games.parallel import process_stream

    for jobs in (1, 2):
        with pytest.raises(DealFileError) as caught:
            list(process_stream(_bad_file, [1, 2], jobs=jobs))
        assert str(caught.value) == "p.toml: budget.total: the limit is -1 in some draws"
        assert (caught.value.path, caught.value.field) == ("p.toml", "budget.total")
    import pickle

    again = pickle.loads(pickle.dumps(RecordError("no fact 'b9'", path="f.toml", field="b9")))
    assert type(again) is RecordError and str(again) == "f.toml: b9: no fact 'b9'"
