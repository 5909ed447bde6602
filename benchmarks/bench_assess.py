"""Time the leverage audit against a straightforward per-draw scipy loop, in one run.

    python benchmarks/bench_assess.py [--deal NAME] [--draws 10000] [--loop-draws 100]

Prints: assess() on --draws draws, as wall time and as CPU time of this process (the machine
is shared: CPU time is the steadier figure); the scipy loop (benchmarks/reference_leverage.py)
on --loop-draws draws, extrapolated per draw to --draws, and the ratio; the peak memory that
assess() allocates on --draws and on four times as many draws (bounded by the chunk of draws
solved at once, plus the per-draw outputs: it must not grow with draws x grid); the exact batch
LP of games.bargaining.batch against one scipy linprog per draw on a random linear problem;
and `chipdeals compare` over the library, timed as a fresh process (start-up included).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import deals  # noqa: E402
from deals.audit.leverage import sample_values  # noqa: E402
from reference_leverage import rho_loop  # noqa: E402
from timing import timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deal", default="gulf-divestment-uae")
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--loop-draws", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    deal = deals.load(args.deal)
    deals.assess(deal, draws=200, seed=1, progress=False)  # compile the expressions once
    ours, _ = timed(lambda: deals.assess(deal, draws=args.draws, seed=0, progress=False), args.repeats)
    cpu = _cpu(lambda: deals.assess(deal, draws=args.draws, seed=0, progress=False), args.repeats)
    values = sample_values(deal, args.loop_draws, seed=0)
    loop, _ = timed(lambda: rho_loop(deal, values))
    loop_full = loop / args.loop_draws * args.draws
    print(f"deal {args.deal}")
    print(f"assess, {args.draws:,} draws:                 {ours:8.3f} s  (CPU {cpu:.3f} s)")
    print(f"scipy loop, {args.loop_draws} draws:                {loop:8.3f} s  "
          f"(-> {loop_full:8.1f} s for {args.draws:,})")
    print(f"ratio (loop / assess, same draws):     {loop_full / ours:8.1f}x")
    small, large = (_peak(lambda d=d: deals.assess(deal, draws=d, seed=0, progress=False))
                    for d in (args.draws, 4 * args.draws))
    print(f"peak memory, {args.draws:,} / {4 * args.draws:,} draws:    {small / 2**20:6.1f} / "
          f"{large / 2**20:6.1f} MiB  ({(large - small) / (3 * args.draws):,.0f} bytes per extra draw)")
    batch, loop_lp = _lp_against_linprog(args.draws)
    print(f"batch LP vs linprog loop, {args.draws:,} draws: {batch:8.3f} s vs {loop_lp:8.1f} s "
          f"({loop_lp / batch:,.0f}x)")

    beside = Path(sys.executable).with_name("chipdeals")
    exe = str(beside) if beside.exists() else shutil.which("chipdeals")
    if exe:
        start = time.perf_counter()
        done = subprocess.run([exe, "compare"], capture_output=True, text=True)
        took = time.perf_counter() - start
        status = "ok" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr[-200:]}"
        print(f"chipdeals compare (library, defaults): {took:8.3f} s  ({status})")
    else:
        print("chipdeals compare: console script not installed (pip install .)")


def _cpu(call, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return best


def _peak(call) -> int:
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _lp_against_linprog(draws: int) -> tuple[float, float]:
    """Better-for-both on a random 3-issue linear problem: batch LP, and linprog per draw."""
    from scipy.optimize import linprog

    from games.bargaining.batch import BatchProblem, better_for_both
    from games.optimise.box_search import Box

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(draws, 3)), rng.normal(size=(draws, 3))
    params = {**{f"a{i}": a[:, i] for i in range(3)}, **{f"b{i}": b[:, i] for i in range(3)}}
    problem = BatchProblem(
        lambda x, p: (sum(p[f"a{i}"] * x[f"x{i}"] for i in range(3)),
                      sum(p[f"b{i}"] * x[f"x{i}"] for i in range(3))),
        Box({f"x{i}": (0.0, 1.0) for i in range(3)}), params, (0.0, 0.0), linear=True)
    package = {f"x{i}": 0.5 for i in range(3)}
    batch, _ = timed(lambda: better_for_both(problem, package))
    sample = min(draws, 200)

    def loop():
        for d in range(sample):
            c1, c2 = a[d] / np.abs(a[d]).sum(), b[d] / np.abs(b[d]).sum()
            linprog([0, 0, 0, -1.0], A_ub=[np.r_[-c1, 1], np.r_[-c2, 1]],
                    b_ub=[-c1.sum() / 2, -c2.sum() / 2], bounds=[(0, 1)] * 3 + [(None, None)],
                    method="highs")

    per_draw, _ = timed(loop)
    return batch, per_draw / sample * draws


if __name__ == "__main__":
    main()
