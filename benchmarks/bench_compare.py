"""`chipdeals compare` as whole processes: medians of interleaved runs, one or more builds.

    pip install --no-deps --target /tmp/site-new .      # the installed package, kernels built
    python benchmarks/bench_compare.py --site /tmp/site-new              # it alone, 5 rounds
    python benchmarks/bench_compare.py --site /tmp/site-new --site /tmp/site-old --rounds 7
    python benchmarks/bench_compare.py --tree ../main   # a checkout (no build step: NumPy path
                                                        # unless build_ext --inplace was run)

Each build (an install made by ``pip install --target``, or a checkout) runs
``python -m deals compare`` (all cores) and ``... --jobs 1`` in a fresh process, from an empty
folder, with that build alone on PYTHONPATH (this checkout taken off it); without ``--site``
or ``--tree`` it times this checkout. The builds and the commands take turns within each
round, so a slow minute of the shared machine falls on all of them. A child's output is checked: every checkout must print the same JSON (``--format
json``), else the script stops, since a faster wrong answer is no result. The figures are
medians of wall and CPU seconds (user + system, of the command and its workers) and the peak
resident memory of the largest process. The load average before and after is recorded: on a
loaded machine the wall times say little and the ratios between checkouts say more.

The results go to benchmarks/results/compare.json (written atomically).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_quantecon import LAUNCHER, write_atomic

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "compare.json"
COMMANDS = {"compare": ["compare"], "compare --jobs 1": ["compare", "--jobs", "1"]}


def environment(tree: Path) -> dict:
    """The environment of a child: ``tree`` (a checkout or a ``pip install --target``
    folder) alone on PYTHONPATH, the expression cache kept."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env.pop("CHIPDEALS_PURE", None)
    return env


def run(tree: Path, arguments: list[str]) -> dict:
    """Wall, CPU, peak MiB and exit code of ``python -m deals ARGUMENTS`` on ``tree``."""
    with tempfile.TemporaryDirectory() as empty:
        done = subprocess.run([sys.executable, "-c", LAUNCHER, sys.executable, "-m", "deals",
                               *arguments], capture_output=True, text=True,
                              env=environment(tree), cwd=empty, check=True)
    return json.loads(done.stdout)


def answer(tree: Path) -> str:
    """A hash of the JSON ``compare --jobs 1`` prints on ``tree``."""
    with tempfile.TemporaryDirectory() as empty:
        done = subprocess.run([sys.executable, "-m", "deals", "compare", "--jobs", "1",
                               "--format", "json"], capture_output=True, env=environment(tree),
                              cwd=empty, check=True)
    return hashlib.sha256(done.stdout).hexdigest()


def measure(trees: list[Path], rounds: int) -> list[dict]:
    """Every (checkout, command) ``rounds`` times, interleaved; one record each, medians."""
    runs: dict[tuple[int, str], list[dict]] = {}
    for r in range(rounds):
        order = trees[r % len(trees):] + trees[:r % len(trees)]  # who goes first rotates
        for tree in order:
            for name, arguments in COMMANDS.items():
                runs.setdefault((trees.index(tree), name), []).append(run(tree, arguments))
    out = []
    for (k, name), done in sorted(runs.items()):
        out.append({"tree": str(trees[k]), "command": f"chipdeals {name}", "runs": len(done),
                    "exit": max(d["exit"] for d in done),
                    **{key: round(statistics.median(d[key] for d in done), 3)
                       for key in ("wall", "cpu", "mib")},
                    "wall_range": [round(min(d["wall"] for d in done), 3),
                                   round(max(d["wall"] for d in done), 3)]})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", action="append", default=[],
                        help="a folder made by pip install --target (repeatable)")
    parser.add_argument("--tree", action="append", default=[],
                        help="a checkout to time (repeatable)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in args.site + args.tree] or [HERE.parent]
    answers = {str(t): answer(t) for t in trees}  # also the warm-up of each expression cache
    if len(set(answers.values())) > 1:
        sys.exit(f"the checkouts print different JSON: {answers}")
    load_before = os.getloadavg()
    rows = measure(trees, args.rounds)
    results = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "cores": os.cpu_count(), "rounds": args.rounds, "json_sha256": answers,
               "load_before": [round(x, 2) for x in load_before],
               "load_after": [round(x, 2) for x in os.getloadavg()], "rows": rows}
    write_atomic(Path(args.out), json.dumps(results, indent=2) + "\n")
    for row in rows:
        print(f"{row['command']:<28} {row['tree']:<28} wall {row['wall']:6.2f} s  "
              f"cpu {row['cpu']:6.2f} s  {row['mib']:6.0f} MiB")


if __name__ == "__main__":
    main()
