"""docs/howto/dask.md's examples run as written, at a small size (issue 29).

The page's Python blocks are read from the page, their draw counts lowered, and run in turn in
one namespace; the audit on a dask cluster of processes must give the same summary as in one
process. The audit's reservoir is made small too, so the small run streams its draws through a
sample as the page's million does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "howto" / "dask.md"
SMALL = {"draws=100_000": "draws=300", "draws=1_000_000": "draws=900", "draws=2_000": "draws=40",
         "draws=10_000": "draws=40"}
#: The reservoir of the small run (the page's million streams through one of 100,000).
RESERVOIR = 300


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


def small(code: str) -> str:
    for big, little in SMALL.items():
        code = code.replace(big, little)
    return code.replace("ProcessPoolExecutor()", "ProcessPoolExecutor(2)").replace(
        "LocalCluster(n_workers=2, threads_per_worker=1, processes=True)",
        "LocalCluster(n_workers=2, threads_per_worker=1, processes=True, "
        "dashboard_address=None)")


def test_every_draw_count_on_the_page_is_within_the_audit_cap_and_is_shrunk_here():
    from deals.audit.leverage import MAX_DRAWS
    counts = [int(n.replace("_", "")) for n in re.findall(r"draws=([\d_]+)", "".join(blocks()))]
    assert counts and max(counts) <= MAX_DRAWS
    assert not re.search(r"draws=\d{4,}", small("".join(blocks())).replace("_", ""))


@pytest.mark.slow  # starts worker processes and a dask cluster of processes
def test_the_pages_examples_run_and_the_cluster_gives_the_one_process_summary(monkeypatch):
    pytest.importorskip("distributed")
    import deals
    import deals.audit.streaming as streaming

    monkeypatch.setattr(streaming, "RESERVOIR", RESERVOIR)
    namespace: dict = {}
    code = [small(block) for block in blocks()]
    assert len(code) == 3 and "processes=True" in code[2]
    for block in code:
        exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102 - our own docs
    spread = namespace["audit"]
    assert spread.settings["quantiles"] == f"reservoir sample of {RESERVOIR:,} draws"
    alone = deals.assess(namespace["deal"], draws=900, seed=1, progress=False, jobs=1)
    assert spread.to_json() == alone.to_json()


WATCHED = """
import os, sys
from dask.distributed import Client, LocalCluster
cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                       dashboard_address=None)
client = Client(cluster)
print(*client.run(os.getpid).values(), flush=True)
sys.stdin.read()
"""


@pytest.mark.slow  # starts a dask cluster of processes
def test_the_clusters_workers_end_when_the_process_that_started_them_is_killed():
    pytest.importorskip("distributed")
    import os
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen([sys.executable, "-c", WATCHED], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
    finally:
        os.kill(parent.pid, signal.SIGKILL)  # what a scheduler's timeout does
        parent.wait()
    for _ in range(600):  # a generous bound: the workers notice at once on an idle machine
        if not any(_alive(pid) for pid in workers):
            break
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (dead, not yet reaped by init) counts as ended
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
