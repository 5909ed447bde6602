"""Time a negotiation tournament on a library deal, against the same play one draw at a time.

    python benchmarks/bench_negotiation.py            # 1,000 draws, 100 rounds, 6 agents
    python benchmarks/bench_negotiation.py --quick    # 200 draws

Target (issue 17): a round robin of 6 agents (36 pairings, each side played by each agent) on a
library deal, 1,000 draws, 100 rounds each, in under 5 s. The anchor is the same engine run
draw by draw (a one-draw problem per draw, as a per-negotiation loop such as NegMAS's SAO
mechanism runs), timed on a slice of the draws and scaled up; the ratio is what stepping all
draws together buys. Building the problem (utilities of ~1,000 outcomes in every draw and the
audit's benchmark) is timed on its own line.
"""

from __future__ import annotations

import argparse

import deals
from deals.practice.negotiation import negotiation_problem
from games.negotiation import STANDARD, NegotiationProblem, tournament
from timing import timed  # noqa: E402  (benchmarks/timing.py, beside this script)

AGENTS = ["boulware", "linear", "conceder", "tit-for-tat", "rubinstein", "nash"]


def one_draw(problem: NegotiationProblem, d: int) -> NegotiationProblem:
    return NegotiationProblem(problem.outcomes, problem.utility_a[d], problem.utility_b[d],
                              problem.reservation_a[d], problem.reservation_b[d],
                              problem.discount_a[d], problem.discount_b[d], problem.sides,
                              problem.power()[d], problem.benchmark_utilities()[:, d],
                              problem.unit)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--deal", default="gulf-divestment-uae")
    args = parser.parse_args()
    draws, rounds = (200 if args.quick else 1_000), 100
    deal = deals.load(args.deal)
    agents = [STANDARD[n] for n in AGENTS]
    t_build, problem = timed(lambda: negotiation_problem(deal, draws=draws, seed=0))
    t_ours, result = timed(lambda: tournament(problem, agents, deadline=rounds), repeat=2)
    # Anchor: draw by draw on a slice (the belief-only offers are then computed per draw too).
    slice_ = 20
    t_slice, _ = timed(lambda: [tournament(one_draw(problem, d), agents, deadline=rounds)
                                for d in range(slice_)])
    t_anchor = t_slice * draws / slice_
    print(f"deal {args.deal}: {problem.size} outcomes, {draws} draws, {rounds} rounds, "
          f"{len(agents)} agents ({len(agents) ** 2} pairings)")
    print(f"  build the problem (utilities + audit benchmark) {t_build:8.2f} s")
    print(f"  round robin, all draws together                 {t_ours:8.2f} s   target < 5 s")
    print(f"  round robin, one draw at a time (scaled from {slice_}) {t_anchor:8.1f} s   "
          f"ratio {t_anchor / t_ours:.0f}x")
    print(result.matrix("agreement rate").round(2).to_string())


if __name__ == "__main__":
    main()
