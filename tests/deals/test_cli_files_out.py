"""--plot writes exactly the path given or refuses in one line; Ctrl-C exits 130 in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deals.cli.commands import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", [["frontier", "chips-for-farm-purchases"],
                                     ["assess", "chips-for-farm-purchases", "--draws", "20"]])
def test_plot_to_a_directory_is_refused_and_nothing_is_written(command, tmp_path, capsys):
    assert main([*command, "--plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "is a directory" in err and "\n" not in err
    assert not list(tmp_path.parent.glob(tmp_path.name + ".*"))  # no DIR.png beside it
    assert not list(tmp_path.iterdir())


def test_plot_without_an_image_suffix_is_refused(tmp_path, capsys):
    assert main(["frontier", "chips-for-farm-purchases", "--plot", str(tmp_path / "chart")]) == 2
    assert ".png" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["chart.png", "chart.SVG", "chart.pdf"])
def test_plot_writes_exactly_the_given_path(name, tmp_path):
    target = tmp_path / name
    assert main(["frontier", "chips-for-farm-purchases", "--plot", str(target)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [name] and target.stat().st_size > 1000


def _loading(pid: int, library: str) -> bool:
    """True once the process maps ``library``: numpy is the first heavy import (the command
    table's, under the Ctrl-C handler: ``import deals`` itself loads none). compare loads no
    pandas, scipy or sympy on a warm run, so later moments are set by a delay after it."""
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and sends SIGINT")
@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0, 5.0])
def test_ctrl_c_during_compare_exits_130_with_one_line(delay, interrupt):
    """Ctrl-C at any moment once ``import deals`` is done (while the command table and numpy
    load, the deals load, the workers start and work): one line, status 130; and the compare
    (200,000 draws) is never left running, whether the test passes or fails."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "deals", "compare", "--draws", "200000"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def ready():
        while not _loading(child.pid, "numpy") and child.poll() is None:
            time.sleep(0.01)
        time.sleep(delay)

    code, err = interrupt(child, ready)
    assert "Traceback" not in err
    assert code == 130, err
    assert err.strip() == "chipdeals: interrupted"


@pytest.mark.slow  # starts worker processes
def test_a_worker_that_dies_gives_one_line_and_exit_1(monkeypatch, capsys):
    from concurrent.futures.process import BrokenProcessPool

    import deals

    def killed(*args, **kwargs):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(deals, "compare", killed)
    assert main(["compare"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("chipdeals: error: a worker process stopped") and "\n" not in err


_INTERRUPT_INSIDE_EXEC = '''
import sys
import deals.cli

def interrupted_inside_exec(argv=None):  # as when Ctrl-C lands while dataclasses build a class
    try:
        exec("raise KeyboardInterrupt")
    except KeyboardInterrupt:
        print("chipdeals: interrupted", file=sys.stderr)
        return 130

deals.cli.main = interrupted_inside_exec
'''


def test_python_m_deals_exits_130_when_the_interrupt_landed_inside_exec(tmp_path):
    # CPython (3.11, 3.12) flags a KeyboardInterrupt that ends code run by exec() of a string,
    # even one caught afterwards, and then `python -m` dies by SIGINT (-2) instead of the
    # status chosen: seen once in CI, Ctrl-C while the command table's dataclasses were built.
    (tmp_path / "sitecustomize.py").write_text(_INTERRUPT_INSIDE_EXEC)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "deals", "compare"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.stderr.strip() == "chipdeals: interrupted"
    assert done.returncode == 130
