"""Time our equilibrium solvers against nashpy on the same games, in one process; print ratios.

    python benchmarks/bench_equilibria.py            # full run (a few minutes, mostly nashpy)
    python benchmarks/bench_equilibria.py --quick    # fewer games

Targets (issue 2): all equilibria of a 6x6 game in under 5 ms and of an 8x8 game in under
30 ms (medians), at least 100x nashpy's support enumeration; 10,000 2x2 games in one batch
in under 50 ms. Games are Gaussian random (seeded), hence nondegenerate.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import nashpy
import numpy as np

from games.normal_form.equilibria import equilibria, equilibria_batch
from games.normal_form import NormalFormGame
from timing import timed  # noqa: E402  (benchmarks/timing.py, beside this script)

TARGET_MS = {6: 5.0, 8: 30.0}



def bench_size(size: int, games: int, nashpy_games: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pairs = [(rng.normal(size=(size, size)), rng.normal(size=(size, size))) for _ in range(games)]
    equilibria(NormalFormGame.from_arrays(*pairs[0]))  # warm-up (imports, caches)
    ours, nash, found_ours, found_nash = [], [], [], []
    for k, (A, B) in enumerate(pairs):
        game = NormalFormGame.from_arrays(A, B)
        t, result = timed(lambda: equilibria(game), repeat=3)
        ours.append(t)
        if k < nashpy_games:
            found_ours.append(len(result))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t, theirs = timed(lambda: list(nashpy.Game(A, B).support_enumeration()))
            nash.append(t)
            found_nash.append(len(theirs))
    ours_ms, nash_ms = 1e3 * statistics.median(ours), 1e3 * statistics.median(nash)
    target = TARGET_MS.get(size)
    verdict = "" if target is None else f"  target < {target:g} ms: {'met' if ours_ms < target else 'MISSED'}"
    print(f"{size}x{size}: ours {ours_ms:8.2f} ms median over {games} games; nashpy support "
          f"enumeration {nash_ms:9.1f} ms over {len(nash)}; ratio {nash_ms / ours_ms:7.0f}x{verdict}")
    print(f"       equilibria found on the nashpy games: ours {sum(found_ours)}, nashpy "
          f"{sum(found_nash)}")


def bench_batch(count: int, nashpy_games: int, seed: int, shape: tuple[int, int] = (2, 2),
                target_ms: float | None = 50.0) -> None:
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(count, *shape)), rng.normal(size=(count, *shape))
    equilibria_batch(A[:10], B[:10])  # warm-up
    times = [timed(lambda: equilibria_batch(A, B))[0] for _ in range(7)]
    ours_ms = 1e3 * statistics.median(times)
    found = equilibria_batch(A, B)
    start = time.perf_counter()
    nash_found = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(nashpy_games):
            nash_found += len(list(nashpy.Game(A[k], B[k]).support_enumeration()))
    per_game = (time.perf_counter() - start) / nashpy_games
    nash_ms = 1e3 * per_game * count
    scaled = "" if nashpy_games == count else f" (timed on {nashpy_games}, scaled to {count})"
    verdict = "" if target_ms is None else (
        f"  target < {target_ms:g} ms: {'met' if ours_ms < target_ms else 'MISSED'}")
    print(f"batch of {count:,} {shape[0]}x{shape[1]}: ours {ours_ms:.1f} ms median; nashpy loop "
          f"{nash_ms:,.0f} ms{scaled}; ratio {nash_ms / ours_ms:,.0f}x{verdict}")
    print(f"       equilibria found on the first {nashpy_games} games: ours "
          f"{int(found.counts[:nashpy_games].sum())}, nashpy {nash_found}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer games")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    quick = args.quick
    bench_size(4, games=20, nashpy_games=5 if quick else 20, seed=args.seed)
    bench_size(6, games=20, nashpy_games=2 if quick else 8, seed=args.seed + 1)
    bench_size(8, games=10 if quick else 20, nashpy_games=1 if quick else 4, seed=args.seed + 2)
    bench_batch(10_000, nashpy_games=500 if quick else 10_000, seed=args.seed + 3)
    bench_batch(10_000, nashpy_games=200 if quick else 1_000, seed=args.seed + 4, shape=(3, 3),
                target_ms=None)


if __name__ == "__main__":
    main()
