"""Timing shared by the benchmark scripts (run as `python benchmarks/NAME.py`)."""

from __future__ import annotations

import time
from typing import Any, Callable


def timed(call: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best-of-``repeat`` wall time in seconds, and the call's result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


class Spent:
    """CPU seconds inside some functions of a module, by wrapping them for one run."""

    def __init__(self, targets: dict[str, tuple[object, str]]) -> None:
        self.targets, self.cpu = targets, {name: 0.0 for name in targets}
        self.saved: dict[str, object] = {}

    def __enter__(self) -> "Spent":
        for name, (module, attr) in self.targets.items():
            original = getattr(module, attr)
            self.saved[name] = original

            def timed(*a, _f=original, _n=name, **k):
                start = time.process_time()
                try:
                    return _f(*a, **k)
                finally:
                    self.cpu[_n] += time.process_time() - start
            setattr(module, attr, timed)
        return self

    def __exit__(self, *exc) -> None:
        for name, (module, attr) in self.targets.items():
            setattr(module, attr, self.saved[name])


def whole_commands(commands: dict[str, list[str]], pairs: int = 3
                   ) -> dict[str, list[tuple[float, float]]]:
    """Each command run as a whole process ``pairs`` times, the commands in turn (A B A B
    ...: a change in the machine's load falls on both); per command, each run's (wall, user
    CPU) seconds, the user CPU of the process and its children (worker processes) together.
    Output is discarded; a run that fails raises."""
    import os
    import subprocess

    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(pairs):
        for name, argv in commands.items():
            start = time.perf_counter()
            child = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            if status != 0:
                raise RuntimeError(f"{name}: {' '.join(argv)} ended with status {status}")
            runs[name].append((wall, usage.ru_utime))
    return runs
