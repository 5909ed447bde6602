"""Our equilibrium engine side by side with QuantEcon on its own work, warm and cold (issue 18).

    pip install .[bench]                        # quantecon, nashpy
    python benchmarks/bench_quantecon.py        # about two minutes
    python benchmarks/bench_quantecon.py --quick

Each row of issue 18's table is timed in one run, ours and QuantEcon's on the same seeded
games, and printed as a ratio (QuantEcon's time / ours: above 1 we are faster). "ours" is the
default path (the compiled kernels when built, see games.normal_form.equilibria.kernels);
"pure" the NumPy path that CHIPDEALS_PURE=1 forces, timed warm in the same run. *Warm*: medians
after a first call (QuantEcon's numba functions compiled). *Cold*: a fresh process per side
(subprocess) that imports, builds the same input and makes the first call; the time is from
before the imports to the answer, so QuantEcon's pays its compilation. Process rows (imports,
the CLI) are whole-process wall time and peak memory (max RSS) of a subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

from games.parallel import available_cores

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: name -> (description, target text, check(ours_ms, theirs_ms) -> bool or None)
ROWS = {
    "vertex6": ("all equilibria, random 6x6", "<= 0.4 ms", lambda o, t: o <= 0.4),
    "vertex10": ("all equilibria, random 10x10", "<= 4 ms", lambda o, t: o <= 4.0),
    "call2": ("one call, 2x2 game", "<= 0.1 ms", lambda o, t: o <= 0.1),
    "call3": ("one call, 3x3 game", "<= 0.1 ms", lambda o, t: o <= 0.1),
    "call4": ("one call, 4x4 game", "<= 0.1 ms", lambda o, t: o <= 0.1),
    "batch3": ("10,000 3x3 games, batch vs loop", ">= 10x QE", lambda o, t: t >= 10 * o),
    "batch4": ("2,000 4x4 games, batch vs loop", ">= 10x QE", lambda o, t: t >= 10 * o),
    "batch2": ("10,000 2x2 games, batch vs loop", "<= 2 ms", lambda o, t: o <= 2.0),
    "lh200": ("Lemke-Howson, random 200x200", "<= 1.5x QE", lambda o, t: o <= 1.5 * t),
    "zerosum100": ("zero-sum value, 100x100", "<= 2 ms", lambda o, t: o <= 2.0),
}
BATCH = {"batch3": (10_000, 3), "batch4": (2_000, 4), "batch2": (10_000, 2)}


def games_for(row: str, quick: bool):
    """The seeded inputs of a row: a list of (A, B) pairs, or stacks for the batch rows."""
    import numpy as np

    rng = np.random.default_rng(sum(map(ord, row)))  # a fixed seed per row
    if row in BATCH:
        count, size = BATCH[row]
        return rng.normal(size=(count, size, size)), rng.normal(size=(count, size, size))
    size, count = {"vertex6": (6, 20), "vertex10": (10, 10 if quick else 20), "call2": (2, 50),
                   "call3": (3, 50), "call4": (4, 50), "lh200": (200, 1),
                   "zerosum100": (100, 5)}[row]
    pairs = [(rng.normal(size=(size, size)), rng.normal(size=(size, size))) for _ in range(count)]
    if row == "lh200":
        rng = np.random.default_rng(1)  # a game whose label-0 path is long (3,658 pivots)
        pairs = [(rng.normal(size=(200, 200)), rng.normal(size=(200, 200)))]
    if row == "zerosum100":
        pairs = [(A, -A) for A, _ in pairs]
    return pairs


def calls(row: str, side: str, quick: bool, whole_loop: bool = False):
    """(inputs, call(input)) for one side of a row; imports happen here (timed when cold).

    QuantEcon's batch rows loop over the first 1,000 games (300 if quick), the time scaled to
    the stack, unless ``whole_loop``.
    """
    if side in ("ours", "pure"):
        from games.normal_form.equilibria import equilibria, equilibria_batch, kernels
        from games.normal_form import NormalFormGame

        if row in BATCH:
            A, B = games_for(row, quick)
            inputs, solve = [(A, B)], lambda ab: equilibria_batch(*ab)
        else:
            method = {"lh200": "lemke-howson", "zerosum100": "zero-sum"}.get(row, "vertex")
            inputs = [NormalFormGame.from_arrays(A, B) for A, B in games_for(row, quick)]
            solve = lambda g: equilibria(g, method=method)  # noqa: E731
        if side == "ours":
            return inputs, solve

        def pure(item):
            with kernels.pure():
                return solve(item)
        return inputs, pure
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import quantecon.game_theory as gt
        from quantecon.optimize import minmax

    def qe_game(A, B):
        return gt.NormalFormGame([gt.Player(A), gt.Player(B.T)])

    if row in BATCH:
        A, B = games_for(row, quick)
        loop = len(A) if whole_loop else min(len(A), 300 if quick else 1_000)
        games = [qe_game(A[k], B[k]) for k in range(loop)]
        scale = len(A) / loop  # the loop is timed on `loop` games and scaled to the stack

        def run(gs):
            for g in gs:
                gt.vertex_enumeration(g)
            return scale
        return [games], run
    pairs = games_for(row, quick)
    if row == "zerosum100":
        return [A for A, _ in pairs], minmax
    if row == "lh200":
        return [qe_game(A, B) for A, B in pairs], lambda g: gt.lemke_howson(
            g, init_pivot=0, full_output=True)
    return [qe_game(A, B) for A, B in pairs], gt.vertex_enumeration


def warm_ms(row: str, side: str, quick: bool) -> tuple[float, str]:
    """Median time (ms) per input after a first call, and a note (pivots) if any."""
    inputs, call = calls(row, side, quick)
    first = call(inputs[0])
    times = []
    repeat = 3 if row in BATCH or row in ("lh200", "vertex10") else 5
    for item in inputs:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            result = call(item)
            best = min(best, time.perf_counter() - start)
        if isinstance(result, float):  # a scaled QuantEcon loop
            best *= result
        times.append(best)
    note = ""
    if row == "lh200":
        note = (f"{first[1].num_iter} pivots" if side == "qe"
                else f"{first.settings['pivots']} pivots")
    return 1e3 * statistics.median(times), note


def cold_ms(row: str, side: str, quick: bool) -> float:
    """Fresh process: imports, inputs and the first call; ms from before the imports to the
    answer, less the time spent building the inputs (measured again once modules are loaded)."""
    code = (f"import time; t = time.perf_counter(); import sys; sys.path.insert(0, {str(HERE)!r}); "
            f"import bench_quantecon as b; inputs, call = b.calls({row!r}, {side!r}, {quick}, True); "
            f"built = time.perf_counter(); call(inputs[0]); end = time.perf_counter(); "
            f"b.calls({row!r}, {side!r}, {quick}, True); again = time.perf_counter() - end; "
            f"print((end - t - again) * 1e3)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(out.stderr[-500:])
    return float(out.stdout.strip().splitlines()[-1])


def process(command: list[str]) -> tuple[float, float, int]:
    """Wall time (s) and peak memory (MiB) of a subprocess, and its exit code."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def times(ratio: float) -> str:
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.2f}x"


def fmt(ms: float) -> str:
    if ms >= 1e3:
        return f"{ms / 1e3:.2f} s"
    return f"{ms:.3g} ms" if ms >= 1 else f"{ms * 1e3:.3g} us"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer games")
    parser.add_argument("--rows", nargs="*", default=list(ROWS), choices=list(ROWS))
    args = parser.parse_args()
    # First, while this process is small: a child's peak memory counts its parent's pages
    # from before exec.
    print("whole processes: wall time and peak memory (max RSS of the largest process: with")
    print(f"--jobs, the main process or one of its workers), best of 3, on "
          f"{available_cores()} cores")
    python = sys.executable
    rows = [("python -c 'import games'", [python, "-c", "import games"], "<= 0.5 s, 110 MiB"),
            ("python -c 'import deals'", [python, "-c", "import deals"], "<= 0.5 s, 110 MiB"),
            ("python -c 'import nashpy' (anchor)", [python, "-c", "import nashpy"], ""),
            ("chipdeals compare", [python, "-m", "deals.cli.commands", "compare"], "<= 1.5 s"),
            ("  the same, --jobs 1 (one process)",
             [python, "-m", "deals.cli.commands", "compare", "--jobs", "1"], ""),
            ("chipdeals assess, 100,000 draws",
             [python, "-m", "deals.cli.commands", "assess", "gulf-divestment-uae", "--draws", "100000"],
             "<= 5 s, 300 MiB"),
            ("  the same, --jobs 1 (one process)",
             [python, "-m", "deals.cli.commands", "assess", "gulf-divestment-uae", "--draws", "100000",
              "--jobs", "1"], ""),
            ("chipdeals solve gulf-divestment-uae",
             [python, "-m", "deals.cli.commands", "solve", "gulf-divestment-uae"], "")]
    for title, command, target in rows:
        runs = [process(command) for _ in range(3)]
        seconds, mib, code = min(runs)
        shown = f"{seconds:.2f} s, {mib:.0f} MiB" if code == 0 else f"not run (exit {code})"
        print(f"{title:<36}{shown:>21} {target}")

    from games.normal_form.equilibria import kernels

    print()
    print(f"our path: {kernels.in_use()} kernels; pure = the NumPy path (CHIPDEALS_PURE=1)")
    print("warm: medians in one process; ratio = QuantEcon time / ours (> 1: we are faster)")
    print(f"{'work':<31}{'ours':>8}{'pure':>8}{'QuantEcon':>10}{'ratio':>7}  {'target':<10} "
          f"{'met':>3}")
    for row in args.rows:
        title, target, check = ROWS[row]
        ours, note = warm_ms(row, "ours", args.quick)
        pure, pure_note = warm_ms(row, "pure", args.quick)
        theirs, their_note = warm_ms(row, "qe", args.quick)
        print(f"{title:<31}{fmt(ours):>8}{fmt(pure):>8}{fmt(theirs):>10}"
              f"{times(theirs / ours):>7}  {target:<10} {'yes' if check(ours, theirs) else 'NO':>3}")
        if note:
            print(f"{'':<4}path: ours {note}, pure {pure_note}, QuantEcon {their_note}")
    print("\ncold: first call in a fresh process, from before the imports (QE compiles here)")
    print(f"{'work':<33}{'ours':>9}{'QuantEcon':>11}{'ratio':>8}")
    for row in args.rows:
        ours = cold_ms(row, "ours", args.quick)
        theirs = cold_ms(row, "qe", args.quick)
        print(f"{ROWS[row][0]:<33}{fmt(ours):>9}{fmt(theirs):>11}{times(theirs / ours):>8}")


if __name__ == "__main__":
    main()
