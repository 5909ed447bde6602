"""Time the article's options (``chipdeals portfolio``) over Monte Carlo draws, part by part.

    python benchmarks/bench_portfolio_policy.py [--portfolio article] [--draws 10000]
        [--dask-draws 1000000 [--workers 2]] [--json FILE] [--pairs 3]

Prints the CPU seconds (the 2 cores are shared: wall time scales with the load, CPU time much
less) of ``deals.solve_policy`` after the expressions are compiled once, split into the ex-ante
plan (terms chosen on 1,000 belief draws, a fixed cost) and the true draws (per draw); and,
on one chunk, the share taken by today's full-information coordinated optimum (the labelled
bound) against the new regimes. The brief's target: the article portfolio at 10,000 draws under 5 s.

``--dask-draws N`` instead solves N draws on a dask LocalCluster of ``--workers`` processes
(the executor path of ``solve_policy``: chunks drawn and solved on the workers, only their
summaries come back; the same bytes as one process, tests/deals/test_portfolio_policy.py) and
prints the wall time, with a line every 10% of the chunks. ``--json FILE`` writes the result's
JSON (``PolicyResult.to_json``) of the one-process run of --draws draws, or of the dask run,
so the two can be compared with ``cmp``.

Then the whole command, ``python -m deals portfolio PORTFOLIO --draws N --format json`` with
``--jobs 1`` and ``--jobs 2``, as the user runs it (start-up, loading, the plan, the chunks
and the output), ``--pairs`` times each, interleaved: the median wall time and user CPU (of
the process and its workers), and the load average beside them (the 2 cores are shared).
``--pairs 0`` leaves it out.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import deals
import deals.portfolio.policy_result as policy_result
from deals.portfolio.policy import BELIEF_DRAWS, split
from deals.portfolio.policy_draws import Regimes
from deals.portfolio.policy_result import default_chunk
from deals.portfolio.regimes import Chunk
from deals.portfolio.result import portfolio_sample
from timing import Spent, whole_commands  # benchmarks/timing.py, beside this script


def cpu(function):
    start = time.process_time()
    out = function()
    return time.process_time() - start, out


class Logged:
    """An executor that says how many chunks have come back, and when."""

    def __init__(self, client, total: int) -> None:
        self.client, self.total, self.done, self.start = client, total, 0, time.perf_counter()

    def submit(self, *a, **k):
        future = self.client.submit(*a, pure=False, **k)
        outer = self

        class Result:
            def result(self):
                got = future.result()
                outer.done += 1
                if outer.done % max(1, outer.total // 10) == 0:
                    print(f"  {outer.done}/{outer.total} chunks, "
                          f"{time.perf_counter() - outer.start:.0f} s", flush=True)
                return got
        return Result()


def write_json(result, path: str | None) -> None:
    """The result's JSON to ``path`` (nothing without one)."""
    if path:
        with open(path, "w") as out:
            out.write(json.dumps(result.to_json()))


def on_dask(portfolio, draws: int, workers: int, path: str | None = None) -> None:
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        chunks = -(-draws // default_chunk(portfolio))
        wall = time.perf_counter()
        r = deals.solve_policy(portfolio, draws=draws, seed=0,
                               executor=Logged(client, chunks))
        wall = time.perf_counter() - wall
    print(f"solve_policy on dask ({workers} worker processes), {draws:,} draws: {wall:.0f} s "
          f"wall; quantiles on {r.kept:,} draws")
    write_json(r, path)
    print(r.regimes().round(2).to_string())


def whole_command(portfolio: str, draws: int, pairs: int) -> None:
    """The whole command at --jobs 1 and --jobs 2, interleaved: median wall and user CPU."""
    argv = [sys.executable, "-m", "deals", "portfolio", portfolio, "--draws", str(draws),
            "--format", "json", "--jobs"]
    load = os.getloadavg()[0]
    runs = whole_commands({f"--jobs {j}": argv + [str(j)] for j in (1, 2)}, pairs)
    print(f"the whole command, {draws:,} draws, {pairs} interleaved runs each (load average "
          f"{load:.1f} before, {os.getloadavg()[0]:.1f} after):")
    for name, got in runs.items():
        walls, users = [w for w, _ in got], [u for _, u in got]
        print(f"  {name}: {statistics.median(walls):.2f} s wall, "
              f"{statistics.median(users):.2f} s user CPU (median; wall "
              + " / ".join(f"{w:.2f}" for w in walls) + ")")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolio", default="article")
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--dask-draws", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write the result's JSON to this file")
    parser.add_argument("--pairs", type=int, default=3,
                        help="interleaved runs of the whole command at --jobs 1 and 2")
    args = parser.parse_args()
    portfolio = deals.load_portfolio(args.portfolio)
    if args.dask_draws:
        on_dask(portfolio, args.dask_draws, args.workers, args.json)
        return
    warm = deals.solve_policy(portfolio, draws=50)          # compile the expressions once
    print(f"portfolio {portfolio.name}: {len(portfolio.deals)} deals, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    wall = time.perf_counter()
    with Spent({"plan": (policy_result, "plan_terms")}) as spent:
        total, result = cpu(lambda: deals.solve_policy(portfolio, draws=args.draws, seed=0))
    wall = time.perf_counter() - wall
    plan = spent.cpu["plan"]
    print(f"solve_policy, {args.draws:,} draws: {total:.1f} s CPU ({wall:.1f} s wall; target "
          f"for the article at 10,000 draws: 5 s); the plan on "
          f"{min(args.draws, BELIEF_DRAWS):,} belief draws {plan:.1f} s, then "
          f"{1000 * (total - plan) / args.draws:.2f} ms a draw")
    write_json(result, args.json)
    if args.json:
        return
    sample = portfolio_sample(portfolio, min(args.draws, 2_500), 0)
    chunk = Chunk(portfolio, *split(sample, len(portfolio.deals)), True, 8)
    regimes = Regimes(chunk, warm.plan, frozenset())
    bound, (informed, _) = cpu(chunk.coordinated)
    rest, _ = cpu(lambda: (regimes.framework(), regimes.monopoly(), regimes.repeal(),
                           regimes.bilateral(informed)))
    print(f"one chunk of {len(next(iter(sample.values()))):,} draws: full-information bound "
          f"{bound:.2f} s, the four options {rest:.2f} s CPU "
          f"({bound / (bound + rest):.0%} in the bound)")
    if args.pairs > 0:
        whole_command(args.portfolio, args.draws, args.pairs)


if __name__ == "__main__":
    main()
