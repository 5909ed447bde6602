"""A memo of the proposal-free part of an audit, shared by audits of one deal's terms.

The grid scan, zone test and Nash benchmark of a deal's draws do not depend on the terms
audited, so :func:`deals.compare`, which audits a deal's proposal and then its struck deal at
the same draws, need not find them twice. The memo lives only inside a
:func:`shared_benchmarks` block (one per deal) and in this process and thread.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator, Mapping

import numpy as np

SHARED_DRAWS = 10_000  # draws whose benchmarks a shared_benchmarks() block keeps (memory)
_SHARED: ContextVar[list | None] = ContextVar("shared_benchmarks", default=None)


@contextmanager
def shared_benchmarks() -> Iterator[None]:
    """Within the block, audits of one deal's terms at the same setting, draws and solver
    settings share the grid scan, zone test and Nash benchmark (they do not depend on the
    terms); the results are the same as without it. Use one block per deal: it keeps what it
    found (up to SHARED_DRAWS draws) until the block ends; work done in other processes or
    threads is not shared.

    >>> import deals
    >>> from deals.audit.assessment import assess
    >>> with shared_benchmarks():
    ...     a = assess("gulf-divestment-uae", draws=200, detail=False)
    ...     b = assess("gulf-divestment-uae", draws=200, detail=False, terms="outcome")
    >>> alone = assess("gulf-divestment-uae", draws=200, detail=False, terms="outcome")
    >>> b.gains == alone.gains and b.rho == alone.rho
    True
    """
    token = _SHARED.set([])
    try:
        yield
    finally:
        _SHARED.reset(token)


def recall(key: Any, values: Mapping[str, np.ndarray]) -> Any:
    """What :func:`remember` kept under ``key`` (compared with ==) for exactly these draws,
    else None (also outside a :func:`shared_benchmarks` block).

    >>> recall("k", {"a": np.zeros(2)}) is None
    True
    """
    for seen, drawn, found in _SHARED.get() or ():
        if seen == key and drawn.keys() == values.keys() and all(
                np.array_equal(drawn[k], values[k]) for k in drawn):
            return found
    return None


def remember(key: Any, values: Mapping[str, np.ndarray], found: Any) -> None:
    """Keep ``found`` for ``key`` and a copy of the draws ``values``, inside a
    :func:`shared_benchmarks` block and while it holds at most SHARED_DRAWS draws.

    >>> with shared_benchmarks():
    ...     remember("k", {"a": np.zeros(2)}, 42)
    ...     recall("k", {"a": np.zeros(2)}), recall("k", {"a": np.ones(2)})
    (42, None)
    """
    memo = _SHARED.get()
    if memo is None:
        return
    rows = len(next(iter(values.values()))) if values else 1
    if sum(len(next(iter(drawn.values()))) if drawn else 1 for _, drawn, _ in memo) + rows \
            > SHARED_DRAWS:
        return
    memo.append((key, {k: np.array(v) for k, v in values.items()}, found))
