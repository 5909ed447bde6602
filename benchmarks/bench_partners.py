"""Time the middle-tier portfolio (153 partners from a table) and show its memory is set by
the chunk, not the draws.

    python benchmarks/bench_partners.py [--portfolio middle-tier] [--draws 10000]
        [--chunk 200] [--memory-draws 2000 4000] [--deal-draws 1000]

Prints: solve_portfolio on --draws draws, wall and CPU seconds (target: 10,000 draws under
60 s), the time per draw and the share spent in the budget allocation; the certified gap of
the coordinated allocation (share of draws under 0.1% of the objective; target 99%); then,
for each of --memory-draws, the peak resident memory (ru_maxrss) of a fresh process solving
that many draws with the same chunk and --deal-draws, and the growth per 1,000 draws, from
which the peak at 100,000 draws is extrapolated (target under 500 MiB). The 2 cores are
shared: wall time scales with the load, CPU time much less; the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import deals  # noqa: E402
import deals.portfolio.regimes as regimes  # noqa: E402

CHILD = """
import resource, sys
import deals
p = deals.load_portfolio({portfolio!r})
deals.solve_portfolio(p, draws={draws}, seed=0, chunk_size={chunk}, deal_draws={deal_draws})
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_mib(portfolio: str, draws: int, chunk: int, deal_draws: int) -> float:
    """Peak resident memory (MiB) of a fresh process solving ``draws`` draws."""
    code = CHILD.format(portfolio=portfolio, draws=draws, chunk=chunk, deal_draws=deal_draws)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env)
    if run.returncode:
        raise SystemExit(f"the {draws:,}-draw run failed: {run.stderr.strip()[-300:]}")
    return int(run.stdout.split()[-1]) / 1024          # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolio", default="middle-tier")
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--memory-draws", type=int, nargs="*", default=[2_000, 4_000])
    parser.add_argument("--skip-timing", action="store_true",
                        help="only the memory runs")
    parser.add_argument("--deal-draws", type=int, default=1_000)
    args = parser.parse_args()

    portfolio = deals.load_portfolio(args.portfolio)
    if not args.skip_timing:
        timing(portfolio, args)
    memory(args)


def timing(portfolio, args) -> None:
    """The time of one run, the allocation's share and its gap."""
    print(f"portfolio {portfolio.name}: {len(portfolio.deals)} deals, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    spent = {"allocate": 0.0}
    original = regimes.allocate

    def timed_allocate(*a, **k):
        start = time.process_time()
        try:
            return original(*a, **k)
        finally:
            spent["allocate"] += time.process_time() - start

    regimes.allocate = timed_allocate
    cpu, wall = time.process_time(), time.perf_counter()
    result = deals.solve_portfolio(portfolio, draws=args.draws, seed=0, chunk_size=args.chunk,
                                   deal_draws=min(args.deal_draws, args.draws))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    regimes.allocate = original
    print(f"solve_portfolio, {args.draws:,} draws: {wall:7.1f} s wall {cpu:7.1f} s CPU "
          f"({1000 * cpu / args.draws:.1f} ms CPU per draw; target 10,000 draws < 60 s)")
    print(f"  of which the budget allocation: {spent['allocate']:.1f} s CPU "
          f"({spent['allocate'] / cpu:.0%})")
    gain = result.column("coordinated", "gain")
    gap = result.column("coordinated", "gap")
    scale = np.maximum(np.abs(gain), 1e-12)
    print(f"coordinated allocation gap: under 0.1% of the gain in "
          f"{np.mean(gap <= 1e-3 * scale):.1%} of draws (target 99%), largest "
          f"{np.max(gap):.2g} $bn/yr")
    print(result.regimes().round(2).to_string())


def memory(args) -> None:
    """Peak memory of fresh processes at each of --memory-draws."""
    if args.memory_draws:
        peaks = [(d, peak_mib(args.portfolio, d, args.chunk, args.deal_draws))
                 for d in args.memory_draws]
        for d, mib in peaks:
            print(f"peak RSS, {d:,} draws in chunks of {args.chunk:,} (deal columns for "
                  f"{min(args.deal_draws, d):,}): {mib:7.1f} MiB")
        if len(peaks) >= 2:
            (d0, m0), (d1, m1) = peaks[0], peaks[-1]
            slope = max((m1 - m0) / (d1 - d0) * 1000, 0.0)    # noise can make it < 0
            print(f"growth: {slope:.2f} MiB per 1,000 draws; at 100,000 draws about "
                  f"{m1 + slope * (100_000 - d1) / 1000:.0f} MiB (target < 500 MiB)")


if __name__ == "__main__":
    main()
