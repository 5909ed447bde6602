"""Time backward induction on large random trees against a naive recursive solver; print ratios.

    python benchmarks/bench_trees.py            # trees of about 30k, 300k and 1M nodes
    python benchmarks/bench_trees.py --quick    # about 30k nodes, 10k parameter draws

Second part: a symbolic tree solved at many parameter points at once
(``backward_induction_batch``) against binding and solving it point by point.

The anchor is the textbook recursion (solve the children, keep the mover's best, average at
chance nodes) written plainly in Python over the same node objects; it is what one writes
without a library. Ours solves the tree a depth level at a time with numpy (``solve_levels``);
the full ``backward_induction`` call adds the one-shot-deviation check of the answer and the
result object. Both must give the same payoffs, which the script asserts.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from games.trees import GameTree, backward_induction, backward_induction_batch, decision, terminal
from games.trees.backward_induction import absolute_tolerance, solve_levels
from games.trees.flat import FlatTree
from games.trees.tree import Chance, Decision, Terminal
from timing import timed  # noqa: E402  (benchmarks/timing.py, beside this script)

sys.setrecursionlimit(10_000)


def random_root(nodes: int, players: int = 2, seed: int = 0):
    """The root of a random tree of about ``nodes`` nodes: 2-4 actions, 10% chance nodes, integer payoffs."""
    rng = np.random.default_rng(seed)
    names = [f"P{k}" for k in range(players)]

    def node(budget: int):
        if budget <= 1:
            return Terminal(tuple(int(v) for v in rng.integers(0, 100, players)))
        width = int(rng.integers(2, 5))
        # Share the remaining budget among the children so the tree stays bushy, not a path.
        shares = np.full(width, (budget - 1) // width)
        shares[: (budget - 1) % width] += 1
        children = tuple(node(int(b)) for b in shares)
        actions = tuple(f"a{k}" for k in range(width))
        if rng.random() < 0.1:
            weights = rng.random(width)
            return Chance(actions, tuple(weights / weights.sum()), children)
        return Decision(names[int(rng.integers(players))], actions, children)

    return names, node(nodes)


def naive_backward_induction(node, players: list[str]):
    """The textbook recursion: payoffs of the subtree and the action chosen at each node."""
    if isinstance(node, Terminal):
        return node.payoffs
    values = [naive_backward_induction(c, players) for c in node.children]
    if isinstance(node, Chance):
        return tuple(sum(p * v[i] for p, v in zip(node.probabilities, values))
                     for i in range(len(players)))
    mover = players.index(node.player)
    return max(values, key=lambda v: v[mover])



def bench(nodes: int, seed: int) -> None:
    names, root = random_root(nodes, seed=seed)
    start = time.perf_counter()
    tree = GameTree(names, root)  # validation of every node and payoff
    built = time.perf_counter() - start
    flat_time, flat = timed(lambda: FlatTree(tree), repeat=1)
    players = list(tree.players)
    naive_time, naive = timed(lambda: naive_backward_induction(tree.root, players), repeat=3)
    atol = absolute_tolerance(flat, 1e-9)
    core_time, (values, _) = timed(lambda: solve_levels(flat, atol), repeat=3)
    full_time, spe = timed(lambda: backward_induction(tree), repeat=3)
    assert np.allclose(values[0], naive) and np.allclose(spe.payoffs, naive), "solvers disagree"
    print(f"{tree.node_count:>9,} nodes | validate {built:5.2f} s, number {flat_time:5.2f} s | "
          f"naive {naive_time * 1e3:8.1f} ms | ours: levels {core_time * 1e3:7.1f} ms "
          f"({naive_time / core_time:5.1f}x faster), with check {full_time * 1e3:7.1f} ms "
          f"({naive_time / full_time:5.1f}x)")


def bench_sample(draws: int, looped: int, seed: int) -> None:
    """A symbolic tree solved at ``draws`` parameter points at once vs bind-and-solve per point."""
    tree = GameTree(["Proposer", "Responder"], decision("Proposer", {
        "Greedy": decision("Responder", {"Accept": terminal("0.8 * v", "0.2 * v"),
                                         "Walk": terminal(0, "w")}),
        "Fair": decision("Responder", {"Accept": terminal("0.5 * v", "0.5 * v"),
                                       "Walk": terminal(0, "w")}),
        "Stay out": terminal("c", 0)}), parameters={"v": 10.0, "w": 1.0, "c": 1.0})
    rng = np.random.default_rng(seed)
    v, w, c = rng.uniform(0, 20, draws), rng.uniform(0, 8, draws), rng.uniform(-1, 6, draws)
    batch_time, batch = timed(lambda: backward_induction_batch(tree, v=v, w=w, c=c), repeat=3)
    start = time.perf_counter()
    for k in range(looped):
        one = backward_induction(tree.bind(v=v[k], w=w[k], c=c[k]))
        assert np.allclose(one.payoffs, batch.payoffs[k]), "batch and single solver disagree"
    per_point = (time.perf_counter() - start) / looped
    print(f"{draws:>9,} draws   | batch {batch_time * 1e3:8.1f} ms | bind + solve per point "
          f"{per_point * 1e3:6.2f} ms x {draws:,} = {per_point * draws:6.1f} s "
          f"({per_point * draws / batch_time:,.0f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one tree of about 30k nodes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [30_000] if args.quick else [30_000, 300_000, 1_000_000]
    print("backward induction, random trees (2-4 actions, 10% chance nodes, 2 players)")
    for size in sizes:
        bench(size, args.seed)
    print("a symbolic 3-offer bargaining tree over a parameter sample (looped: first 200 points)")
    for draws in ([10_000] if args.quick else [10_000, 1_000_000]):
        bench_sample(draws, 200, args.seed)


if __name__ == "__main__":
    main()
