"""Time the leverage audit against a straightforward per-draw scipy loop, in one run.

    python benchmarks/bench_assess.py [--deal NAME] [--draws 10000] [--loop-draws 100]

Prints: assess() on --draws draws; the scipy loop (benchmarks/reference_leverage.py) on
--loop-draws draws, extrapolated per draw to --draws; their ratio; and `chipdeals compare` over
the whole library with default settings, timed as a fresh process (start-up included).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import deals  # noqa: E402
from deals.leverage import sample_values  # noqa: E402
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
    values = sample_values(deal, args.loop_draws, seed=0)
    loop, _ = timed(lambda: rho_loop(deal, values))
    loop_full = loop / args.loop_draws * args.draws
    print(f"deal {args.deal}")
    print(f"assess, {args.draws:,} draws:                 {ours:8.3f} s")
    print(f"scipy loop, {args.loop_draws} draws:                {loop:8.3f} s  "
          f"(-> {loop_full:8.1f} s for {args.draws:,})")
    print(f"ratio (loop / assess, same draws):     {loop_full / ours:8.1f}x")

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


if __name__ == "__main__":
    main()
