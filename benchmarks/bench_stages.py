"""Time a staged library deal's plan over 10,000 draws; the target is under 3 s here.

    python benchmarks/bench_stages.py            # UAE, 10,000 draws; anchor on 40 draws
    python benchmarks/bench_stages.py --quick    # 2,000 draws; anchor on 10 draws

The anchor is what one writes without the batch solver: bind the staged screening tree at each
draw and solve it with the one-draw ``screening_offer`` (the same engine, point by point). The
script checks that both give the same supplier payoffs on the anchor's draws and prints the
time per draw of each and their ratio.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import deals
from deals.audit.leverage import sample_values
from deals.stages.planning import stage_plan, stage_tree, stage_values
from games.trees import screening_offer
from timing import timed  # noqa: E402  (benchmarks/timing.py, beside this script)

TARGET_SECONDS = 3.0


def anchor(deal, values, draws):
    tree = stage_tree(deal)
    named = stage_values(deal, {k: v[:draws] for k, v in values.items()})
    out = []
    for d in range(draws):
        solved = screening_offer(tree.bind(**{k: float(v[d]) for k, v in named.items()}))
        out.append([row[f"expected {deal.supplier}"] for row in solved.table])
    return np.array(out).T


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--deal", default="gulf-divestment-uae")
    args = parser.parse_args(argv)
    draws, few = (2_000, 10) if args.quick else (10_000, 40)
    deal = deals.load(args.deal)
    seconds, plan = timed(lambda: stage_plan(deal, draws, 0), repeat=3)
    values = sample_values(deal, draws, 0)
    slow, table = timed(lambda: anchor(deal, values, few))
    assert np.allclose(table, plan.supplier[:, :few]), "batch and point-by-point plans differ"
    per_fast, per_slow = seconds / draws, slow / few
    print(f"{deal.name}: {len(plan.first_tranches) + 1} offers x {len(deal.stages.types)} types, "
          f"{len(deal.stages.tranches)} stages")
    print(f"  stage_plan, {draws:,} draws      {seconds:8.3f} s  ({per_fast * 1e6:8.1f} us/draw)")
    print(f"  bind + screening_offer, {few} draws {slow:8.3f} s  ({per_slow * 1e6:8.1f} us/draw)")
    print(f"  ratio per draw: {per_slow / per_fast:,.0f}x; target {TARGET_SECONDS:g} s for 10,000 "
          f"draws: {'met' if seconds * 10_000 / draws < TARGET_SECONDS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
