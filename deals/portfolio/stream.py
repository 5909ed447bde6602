"""A portfolio's draws chunk by chunk: memory set by the chunk, not by the number of draws.

Each chunk draws its own slice of every parameter's stream (the stream advanced past the
draws before it, :meth:`games.parameters.Parameter.sample_slice`), so no process ever holds
the whole sample, a worker is sent two numbers instead of a chunk of arrays, and the draws are
the same bytes as :func:`deals.portfolio.result.portfolio_sample`'s whatever the chunking or
the executor. The per-draw outputs are written into arrays allocated once, after the first
chunk; at most ``window`` chunks are in flight on an executor.
"""

from __future__ import annotations

from collections import deque
from contextlib import closing
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from deals.portfolio.regimes import PortfolioDraws
from games.errors import ParameterError
from games.parallel import can_fork, jobs_for, process_stream, result_of

if TYPE_CHECKING:  # the portfolio is passed in
    from deals.portfolio.file import Portfolio

#: Chunks submitted ahead of the one being collected, on an executor.
WINDOW = 4


def portfolio_slice(portfolio: Portfolio, start: int, stop: int, seed: int
                    ) -> dict[str, np.ndarray]:
    """Draws ``start`` to ``stop`` of :func:`deals.portfolio.result.portfolio_sample`, keyed
    the same way (``"k|name"``, ``"@|name"``), drawn without the others."""
    scope = "portfolio"
    shared = (portfolio.shared.sample_slice(start, stop, seed, scope=scope)
              if len(portfolio.shared) else {})
    own = (portfolio.parameters.sample_slice(start, stop, seed, scope=scope)
           if len(portfolio.parameters) else {})
    flat: dict[str, np.ndarray] = {}
    for k, entry in enumerate(portfolio.deals):
        deal = entry.deal
        values = deal.parameters.sample_slice(start, stop, seed, scope=f"deal {entry.key}")
        for name, value in deal.bound.items():
            values[name] = np.full(stop - start, float(value))
        values.update({n: v for n, v in shared.items() if n in values})
        flat.update({f"{k}|{n}": v for n, v in values.items()})
    flat.update({f"@|{n}": v for n, v in {**own, **shared}.items()})
    return flat


@dataclass(frozen=True)
class ChunkOfDraws:
    """Draw and solve draws ``start`` to ``stop``: a picklable task for any executor.
    ``solver`` takes the chunk's sample as keywords (:class:`PortfolioDraws`, or any other
    per-chunk solver of the portfolio such as the policy regimes')."""

    portfolio: Portfolio
    seed: int
    solver: Any

    def __call__(self, start: int, stop: int) -> dict[str, np.ndarray]:
        return self.solver(**portfolio_slice(self.portfolio, start, stop, self.seed))


def solve_in_chunks(portfolio: Portfolio, draws: int, seed: int, *,
                    executor: Executor | None = None, chunk_size: int = 2_500,
                    links: bool = True, window: int = WINDOW,
                    deal_draws: int | None = None, solver: Any = None
                    ) -> dict[str, np.ndarray]:
    """Every regime's per-draw columns for ``draws`` draws, solved ``chunk_size`` at a time
    (here, or on ``executor`` with at most ``window`` chunks ahead).

    ``deal_draws``: keep each deal's own columns (``regime|k|quantity``) for the first that
    many draws only, the portfolio's (``regime|quantity``) for all: with a hundred partners
    the deals' columns are most of the memory (18 per deal), and their tables (acceptance,
    volumes, verdicts) are then estimated on those draws. None keeps them all.
    ``solver``: what solves a chunk (default :class:`PortfolioDraws` with ``links``).
    """
    for name, value in (("chunk_size", chunk_size), ("deal_draws", deal_draws)):
        if value is None and name == "deal_draws":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ParameterError(f"{name} must be a positive whole number, got {value!r}")
    kept = draws if deal_draws is None else min(int(deal_draws), draws)
    task = ChunkOfDraws(portfolio, seed,
                        solver if solver is not None else PortfolioDraws(portfolio, links=links))
    out: dict[str, np.ndarray] = {}

    def store(a: int, b: int, got: dict[str, np.ndarray]) -> None:
        if not out:
            out.update({k: np.empty(((kept if k.count("|") == 2 else draws),)
                                    + np.shape(v)[1:], np.asarray(v).dtype)
                        for k, v in got.items()})
        for k, v in got.items():
            if k.count("|") != 2:
                out[k][a:b] = v
            elif a < kept:
                out[k][a:min(b, kept)] = v[:min(b, kept) - a]

    stream_chunks(task, draws, chunk_size, store, executor=executor, window=window)
    return out


def pieces(bounds: list[tuple[int, int]], workers: int) -> list[tuple[int, int, int]]:
    """The tasks ``(chunk, start, stop)`` that solve the chunks ``bounds`` on ``workers``
    processes: whole chunks, but the last ``len(bounds) % workers`` each cut into ``workers``
    pieces, so that the workers finish together (5 chunks on 2 workers: 4 whole and 2 halves,
    not 3 chunks on one worker while the other waits).

    >>> pieces([(0, 4), (4, 8), (8, 10)], 2)
    [(0, 0, 4), (1, 4, 8), (2, 8, 9), (2, 9, 10)]
    >>> pieces([(0, 4), (4, 8)], 2) == [(0, 0, 4), (1, 4, 8)]
    True
    """
    tail = len(bounds) % workers if workers > 1 else 0
    out = []
    for k, (a, b) in enumerate(bounds):
        cuts = min(workers, b - a) if k >= len(bounds) - tail else 1
        edges = [a + (b - a) * i // cuts for i in range(cuts + 1)]
        out += [(k, x, y) for x, y in zip(edges, edges[1:])]
    return out


def joined(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The answers of a chunk's pieces as the chunk's answer (each draw is solved on its own,
    so these are the chunk's numbers bit for bit)."""
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def stream_chunks(task: Any, draws: int, chunk_size: int, consume: Any, *,
                  executor: Executor | None = None, window: int = WINDOW,
                  jobs: Any = 1) -> None:
    """Call ``task(start, stop)`` for every chunk of ``draws`` (here, on ``jobs`` forked
    worker processes, or on ``executor``, with at most ``window`` chunks ahead) and hand each
    answer to ``consume(start, stop, answer)`` in the order of the draws, so that the caller
    keeps what it needs of each chunk and nothing else. On forked workers (0: one per core,
    :func:`games.parallel.process_stream`) nothing is pickled but the answers."""
    bounds = [(a, min(a + int(chunk_size), draws)) for a in range(0, draws, int(chunk_size))]
    if executor is None:
        workers = jobs_for(jobs, draws) if can_fork() else 1
        tasks = pieces(bounds, workers)
        with closing(process_stream(lambda t: task(*t[1:]), tasks, workers,
                                    ahead=max(window, workers))) as answers:
            parts: list = []
            for (k, a, b), answer in zip(tasks, answers):
                parts.append(answer)
                if b == bounds[k][1]:  # the chunk's last piece: the chunk whole, as in turn
                    consume(*bounds[k], parts[0] if len(parts) == 1 else joined(parts))
                    parts = []
        return
    pending: deque = deque()
    for a, b in bounds:
        pending.append((a, b, executor.submit(task, a, b)))
        if len(pending) > window:
            x, y, future = pending.popleft()
            consume(x, y, result_of(future))
    while pending:
        x, y, future = pending.popleft()
        consume(x, y, result_of(future))
