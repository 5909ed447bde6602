"""docs/howto/dask.md's examples run as written, at a small size (issue 29).

The page's Python blocks are read from the page, their draw counts lowered, and run in turn in
one namespace; the audit on a dask cluster must give the same summary as in one process.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "howto" / "dask.md"
SMALL = {"draws=100_000": "draws=300", "draws=200_000": "draws=300", "draws=2_000": "draws=40"}


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


def small(code: str) -> str:
    for big, little in SMALL.items():
        code = code.replace(big, little)
    return code.replace("ProcessPoolExecutor()", "ProcessPoolExecutor(2)")


def test_every_draw_count_on_the_page_is_within_the_audit_cap_and_is_shrunk_here():
    from deals.audit.leverage import MAX_DRAWS
    counts = [int(n.replace("_", "")) for n in re.findall(r"draws=([\d_]+)", "".join(blocks()))]
    assert counts and max(counts) <= MAX_DRAWS
    assert not re.search(r"draws=\d{4,}", small("".join(blocks())).replace("_", ""))


@pytest.mark.slow  # starts worker processes and a dask cluster
def test_the_pages_examples_run_and_the_cluster_gives_the_one_process_summary():
    pytest.importorskip("distributed")
    import deals

    namespace: dict = {}
    code = [small(block) for block in blocks()]
    assert len(code) == 3
    for block in code:
        if "Client(" in block:
            block = block.replace("Client()", "Client(n_workers=1, threads_per_worker=2, "
                                  "processes=False, dashboard_address=None)")
        exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102 - our own docs
    alone = deals.assess(namespace["deal"], draws=300, seed=1, progress=False)
    spread = namespace["audit"]
    assert spread.acceptance == alone.acceptance and spread.rho == alone.rho
    assert spread.verdicts == alone.verdicts and spread.gains == alone.gains
