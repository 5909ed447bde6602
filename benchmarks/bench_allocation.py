"""The shared-budget allocation before and after its exact stage: shortfall and time.

    python benchmarks/bench_allocation.py [--draws 10000] [--middle-tier 100 [--repeat 3]]
        [--bound-rounds 209]

Prints, for the decomposition alone (``exact=False``, what allocate did before) and with the
exact stage (the default): on 2,000 random small instances (2-4 problems of 2-5 options,
volumes from {0, 1, 2, 4} or continuous), how often and by how much each falls short of the
brute-force optimum; then CPU seconds on --draws draws of 8 problems of 26 options (the
article portfolio's size) and on 300 draws of 40 and 150 problems of 11 options, with the
share of draws the exact stage had to solve and the largest certified gap.

``--middle-tier N`` instead times the allocation the full-information bound of the 153-partner
middle tier solves first (the partners' offers at the no-deal state, N draws of seed 0),
without and with the branch on the break problem (both exact): the median CPU seconds of
``--repeat`` interleaved runs each, and the largest difference in value between the two.
``--bound-rounds N`` times every allocation the middle tier's full-information bound makes on
one chunk of N draws (209 is the policy command's chunk): its fixed point's rounds re-allocate
the draws whose links' state moved, so this is the allocation's share of a draw's cost.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from games.decisions.allocation import allocate  # noqa: E402


def brute_force(values, volumes, budget, q):
    best = np.full(values[0].shape[0], -np.inf)
    for combo in itertools.product(*[range(v.shape[1]) for v in values]):
        own = sum(v[:, c] for v, c in zip(values, combo))
        w = sum(w[:, c] for w, c in zip(volumes, combo))
        best = np.maximum(best, np.where(w <= budget + 1e-12, own - q * w ** 2 / 2, -np.inf))
    return best


def instances(rng, n, problems, options, volume_set=None):
    values, volumes = [], []
    for _ in range(problems):
        m = int(rng.integers(2, options + 1))
        w = (np.sort(rng.choice(volume_set, (n, m)), axis=1) if volume_set is not None
             else np.sort(rng.uniform(0, 1, (n, m)), axis=1))
        w[:, 0] = 0.0
        v = np.cumsum(rng.normal(0.3, 1.0, (n, m)), axis=1)
        v[:, 0] = 0.0
        values.append(v)
        volumes.append(w)
    return values, volumes


def middle_tier_instance(draws: int):
    """The middle tier's first allocation: every partner's offers at the no-deal state."""
    import deals
    from deals.portfolio.policy import split
    from deals.portfolio.regimes import Chunk
    from deals.portfolio.result import portfolio_sample

    p = deals.load_portfolio("middle-tier")
    chunk = Chunk(p, *split(portfolio_sample(p, draws, 0), len(p.deals)), True, 8)
    start = chunk._state(chunk.sq_flows["volume"], np.zeros((chunk.n, len(p.deals)), bool),
                         chunk.sq_flows["blocked"])
    rows = np.arange(chunk.n)
    options = [chunk.memo.options(k, d, start.values(chunk.values, k), rows,
                                  start.reservation[:, k], chunk.cap)
               for k, d in enumerate(p.deals)]
    return ([o.value for o in options], [o.volume * t for o, t in zip(options, chunk.tier2)],
            chunk.budget, chunk.q)


def middle_tier(draws: int, repeat: int) -> None:
    """Median CPU seconds of the middle tier's allocation without and with the branch."""
    import os

    values, volumes, budget, q = middle_tier_instance(draws)
    times: dict[bool, list[float]] = {False: [], True: []}
    got = {}
    for _ in range(repeat):                         # interleaved: the load hits both alike
        for branch in (False, True):
            start = time.process_time()
            got[branch] = allocate(values, volumes, budget, q, branch=branch)
            times[branch].append(time.process_time() - start)
    diff = np.max(np.abs(got[True].value - got[False].value) / np.abs(got[False].value))
    print(f"middle tier, {draws} draws x {len(values)} problems (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores), median of {repeat} runs:")
    for branch in (False, True):
        rel = got[branch].gap / np.maximum(np.abs(got[branch].bound), 1e-12)
        print(f"  {'with' if branch else 'without'} the branch: "
              f"{np.median(times[branch]):6.2f} s CPU ({1000 * np.median(times[branch]) / draws:.1f}"
              f" ms a draw), largest certified gap {rel.max():.1e} of the objective")
    print(f"  largest relative difference in value between the two: {diff:.1e}")


def bound_rounds(draws: int) -> None:
    """CPU of every allocation the middle tier's full-information bound makes on one chunk
    of ``draws`` draws (its fixed point's rounds, then the final solve), as they come."""
    import os

    import deals
    import deals.portfolio.regimes as regimes
    from deals.portfolio.policy import split
    from deals.portfolio.regimes import Chunk
    from deals.portfolio.stream import portfolio_slice

    p = deals.load_portfolio("middle-tier")
    chunk = Chunk(p, *split(portfolio_slice(p, 0, draws, 0), len(p.deals)), True, 8)
    calls: list[tuple[int, float]] = []
    original = regimes.allocate

    def timed(values, volumes, *a, **k):
        start = time.process_time()
        out = original(values, volumes, *a, **k)
        calls.append((values[0].shape[0], time.process_time() - start))
        return out

    regimes.allocate = timed
    start = time.process_time()
    try:
        chunk.coordinated()
    finally:
        regimes.allocate = original
    total = time.process_time() - start
    spent = sum(c for _, c in calls)
    print(f"middle tier's bound on {draws} draws (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores): {total:.2f} s CPU, of which {len(calls)} allocations "
          f"{spent:.2f} s ({1000 * spent / draws:.1f} ms a draw)")
    print("  draws and CPU seconds per allocation: "
          + ", ".join(f"{n} {c:.2f}" for n, c in calls))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--middle-tier", type=int, metavar="N")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bound-rounds", type=int, metavar="N")
    args = parser.parse_args()
    if args.middle_tier:
        middle_tier(args.middle_tier, args.repeat)
        return
    if args.bound_rounds:
        bound_rounds(args.bound_rounds)
        return
    rng = np.random.default_rng(0)

    short = {False: [], True: []}
    for trial in range(20):                         # 20 x 100 small instances
        vs = None if trial % 2 else np.array([0.0, 1.0, 2.0, 4.0])
        values, volumes = instances(rng, 100, int(rng.integers(2, 5)), 5, vs)
        budget = rng.choice([1.0, 2.0, 3.0], 100)
        q = np.where(rng.random(100) < 0.5, 0.0, 0.2)
        best = brute_force(values, volumes, budget, q)
        for exact in (False, True):
            got = allocate(values, volumes, budget, q, exact=exact).value
            short[exact].append((best - got) / np.maximum(np.abs(best), 1e-12))
    for exact in (False, True):
        s = np.concatenate(short[exact])
        bad = s > 1e-9
        print(f"{'exact stage' if exact else 'decomposition alone':20s}: short of the "
              f"optimum in {bad.mean():6.2%} of {s.size:,} small instances"
              + (f", by {np.min(s[bad]):.1%} to {np.max(s[bad]):.0%}" if bad.any() else ""))

    for problems, options, n in ((8, 26, args.draws), (40, 11, 300), (150, 11, 300)):
        values, volumes = instances(rng, n, problems, options)
        budget, q = 0.3 * problems, 0.05
        line = f"{n:6,} draws x {problems:3d} problems x {options} options:"
        for exact in (False, True):
            start = time.process_time()
            a = allocate(values, volumes, budget, q, exact=exact)
            cpu = time.process_time() - start
            rel = a.gap / np.maximum(np.abs(a.bound), 1e-12)
            line += (f"  {'exact' if exact else 'before'} {cpu:6.2f} s CPU, gap < 0.1% in "
                     f"{np.mean(rel < 1e-3):.0%}, largest {rel.max():.1e}")
        print(line)


if __name__ == "__main__":
    main()
