"""Time the article's portfolio over Monte Carlo draws, and show memory is set by the chunk.

    python benchmarks/bench_portfolio.py [--portfolio article] [--draws 10000] [--chunk 5000]

Prints: solve_portfolio on --draws draws (best of --repeats) beside an anchor, the same draws
through each deal's standalone offers alone (what the portfolio solves again every round of
its fixed point), and their ratio, with the process's CPU seconds beside the wall time (the
2 cores are shared: wall time scales with the load, CPU time much less); then the peak memory (tracemalloc) of runs with the same
chunk and 1x, 2x the draws (should stay flat) and with a 4x chunk (should grow). The machine's
load average is printed too: the 2 cores are shared, and timings scale with the load.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import deals  # noqa: E402
from deals.portfolio.result import portfolio_sample  # noqa: E402
from deals.portfolio.draws import deal_options  # noqa: E402
from timing import timed  # noqa: E402


def standalone(portfolio, draws):
    """Every deal's offer table once, on all draws: the anchor."""
    sample = portfolio_sample(portfolio, draws, 0)
    for k, entry in enumerate(portfolio.deals):
        values = {n.split("|", 1)[1]: v for n, v in sample.items() if n.startswith(f"{k}|")}
        deal_options(entry, values)


def peak_mb(portfolio, draws, chunk):
    tracemalloc.start()
    deals.solve_portfolio(portfolio, draws=draws, chunk_size=chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolio", default="article")
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    portfolio = deals.load_portfolio(args.portfolio)
    deals.solve_portfolio(portfolio, draws=50)            # compile the expressions once
    print(f"portfolio {portfolio.name}: {len(portfolio.deals)} deals, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    cpu = time.process_time()
    ours, result = timed(lambda: deals.solve_portfolio(portfolio, draws=args.draws,
                                                       chunk_size=args.chunk), args.repeats)
    ours_cpu = (time.process_time() - cpu) / args.repeats
    cpu = time.process_time()
    anchor, _ = timed(lambda: standalone(portfolio, args.draws), args.repeats)
    anchor_cpu = (time.process_time() - cpu) / args.repeats
    print(f"solve_portfolio, {args.draws:,} draws:  {ours:6.2f} s wall {ours_cpu:6.2f} s CPU"
          f"  (target < 5 s)")
    print(f"anchor: each deal's offers once: {anchor:6.2f} s wall {anchor_cpu:6.2f} s CPU")
    print(f"ratio (portfolio / anchor):      {ours / anchor:6.1f}x     "
          f"{ours_cpu / anchor_cpu:6.1f}x")
    print(result.caption())
    small = max(500, args.chunk // 4)
    for draws, chunk in ((2 * small, small), (4 * small, small), (4 * small, 4 * small)):
        print(f"peak memory, {draws:,} draws in chunks of {chunk:,}: "
              f"{peak_mb(portfolio, draws, chunk):7.1f} MB")


if __name__ == "__main__":
    main()
