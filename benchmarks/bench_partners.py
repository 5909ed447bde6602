"""Time the middle-tier portfolio (153 partners from a table) against the issue's targets, and
show its memory is set by the chunk, not the draws.

    python benchmarks/bench_partners.py [--portfolio middle-tier] [--draws 600]
        [--memory-draws 1000 3000] [--skip-timing] [--links [--chunk 200]]

The targets (issue 24): ``chipdeals portfolio middle-tier`` at 10,000 draws under 60 s, and
its peak memory under 500 MiB at 100,000 draws, set by the chunk and not by the draws.

Timing: ``deals.solve_policy`` on --draws draws, CPU seconds (the 2 cores are shared: wall
time scales with the load, CPU time much less; the load average is printed), split into the
fixed cost (the ex-ante plan on min(draws, 1,000) belief draws) and the per-draw cost, the
share of the per-draw cost spent in the full-information bound's budget allocations, and
the 10,000-draw run this extrapolates to (plan on 1,000 belief draws + 10,000 x per draw).

Memory: the peak resident set (``/usr/bin/time -f %M``, as the issue measures it) of a fresh
``python -m deals portfolio middle-tier --draws N --format json`` for each of --memory-draws,
and the growth per 1,000 draws between the first and last (above about 2,300 draws the
result keeps a sample of 20,000 draws' portfolio columns, not every column, so the growth
past the last count is at most that sample's: about 16 MiB).

``--links`` instead times ``solve_portfolio`` (the coordination report, ``--links``) with
chunks of --chunk draws, as this benchmark did before the policy regimes.
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
import deals.portfolio.policy as policy  # noqa: E402
import deals.portfolio.regimes as regimes  # noqa: E402
import deals.portfolio.policy_result as policy_result  # noqa: E402
from timing import Spent  # noqa: E402


def timing(portfolio, draws: int) -> None:
    """The policy run's CPU: plan, per draw, the bound's allocations; the 10,000-draw figure."""
    deals.solve_policy(portfolio, draws=5)                 # compile the expressions once
    print(f"portfolio {portfolio.name}: {len(portfolio.deals)} deals, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with Spent({"plan": (policy_result, "plan_terms"),
                "allocate": (regimes, "allocate")}) as spent:
        cpu, wall = time.process_time(), time.perf_counter()
        result = deals.solve_policy(portfolio, draws=draws, seed=0)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    plan = spent.cpu["plan"]
    per_draw = (cpu - plan) / draws
    print(f"solve_policy, {draws:,} draws: {cpu:.1f} s CPU ({wall:.1f} s wall): the plan on "
          f"{min(draws, policy.BELIEF_DRAWS):,} belief draws {plan:.1f} s, then "
          f"{1000 * per_draw:.1f} ms CPU a draw")
    print(f"  of the draws' CPU, the full-information bound's budget allocations: "
          f"{spent.cpu['allocate']:.1f} s ({spent.cpu['allocate'] / (cpu - plan):.0%})")
    if draws < policy.BELIEF_DRAWS:
        print(f"  (the plan grows with its belief draws up to {policy.BELIEF_DRAWS:,}: run "
              f"--draws {policy.BELIEF_DRAWS:,} or more for the 10,000-draw figure's plan)")
    print(f"  10,000 draws: about {plan + 10_000 * per_draw:.0f} s CPU (target < 60 s)")
    print(result.regimes().round(2).to_string())


def links_timing(portfolio, draws: int, chunk: int) -> None:
    """The coordination report's time (``solve_portfolio``), as before the policy regimes."""
    with Spent({"allocate": (regimes, "allocate")}) as spent:
        cpu = time.process_time()
        result = deals.solve_portfolio(portfolio, draws=draws, seed=0, chunk_size=chunk,
                                       deal_draws=min(1_000, draws))
        cpu = time.process_time() - cpu
    print(f"solve_portfolio, {draws:,} draws: {cpu:.1f} s CPU ({1000 * cpu / draws:.1f} ms a "
          f"draw), of which the budget allocation {spent.cpu['allocate']:.1f} s")
    gain, gap = result.column("coordinated", "gain"), result.column("coordinated", "gap")
    print(f"coordinated allocation gap: under 0.1% of the gain in "
          f"{np.mean(gap <= 1e-3 * np.maximum(np.abs(gain), 1e-12)):.1%} of draws")


def peak_mib(portfolio: str, draws: int) -> float:
    """Peak resident memory (MiB) of a fresh ``chipdeals portfolio`` run of ``draws``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "deals",
                          "portfolio", portfolio, "--draws", str(draws), "--format", "json"],
                         capture_output=True, text=True, env=env)
    if run.returncode:
        raise SystemExit(f"the {draws:,}-draw run failed: {run.stderr.strip()[-300:]}")
    return int(run.stderr.split()[-1]) / 1024            # %M is in KiB


def memory(portfolio: str, counts: list[int]) -> None:
    """Peak memory of fresh processes at each of ``counts`` draws, and the growth."""
    peaks = [(d, peak_mib(portfolio, d)) for d in counts]
    for d, mib in peaks:
        print(f"peak RSS, chipdeals portfolio {portfolio} --draws {d:,}: {mib:7.1f} MiB")
    if len(peaks) >= 2:
        (d0, m0), (d1, m1) = peaks[0], peaks[-1]
        slope = max((m1 - m0) / (d1 - d0) * 1000, 0.0)    # noise can make it < 0
        print(f"growth: {slope:.2f} MiB per 1,000 draws (target: < 500 MiB at 100,000 "
              "draws, set by the chunk)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolio", default="middle-tier")
    parser.add_argument("--draws", type=int, default=600)
    parser.add_argument("--memory-draws", type=int, nargs="*", default=[1_000, 3_000])
    parser.add_argument("--skip-timing", action="store_true", help="only the memory runs")
    parser.add_argument("--links", action="store_true",
                        help="time solve_portfolio (the coordination report) instead")
    parser.add_argument("--chunk", type=int, default=200)
    args = parser.parse_args()
    portfolio = deals.load_portfolio(args.portfolio)
    if args.links:
        links_timing(portfolio, args.draws, args.chunk)
        return
    if not args.skip_timing:
        timing(portfolio, args.draws)
    if args.memory_draws:
        memory(args.portfolio, args.memory_draws)


if __name__ == "__main__":
    main()
