"""The program's end (:func:`deals.cli.leave`): no teardown of the interpreter, but the exit
handlers, the flushed streams and the status are those of an ordinary exit."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, **kwargs)


@pytest.mark.slow  # starts subprocesses
def test_leave_runs_the_exit_handlers_flushes_and_keeps_the_status():
    done = _python("import atexit\nfrom deals.cli import leave\n"
                   "atexit.register(lambda: print('handler'))\n"
                   "print('out', end='')\nleave(3)\n")
    assert done.returncode == 3
    assert done.stdout == "outhandler\n"


@pytest.mark.slow
def test_leave_waits_for_a_running_thread_as_an_ordinary_exit_does():
    done = _python("import threading, time\nfrom deals.cli import leave\n"
                   "def late():\n    time.sleep(0.3)\n    print('thread done', flush=True)\n"
                   "threading.Thread(target=late).start()\nleave(0)\n")
    assert done.returncode == 0 and done.stdout == "thread done\n"


@pytest.mark.slow
def test_output_that_cannot_be_flushed_is_status_120_as_in_python():
    code = ("import io, sys\nclass Full(io.StringIO):\n    def flush(self):\n"
            "        raise OSError(28, 'No space left on device')\n")
    plain = _python(code + "sys.stdout = Full()\n")
    ours = _python(code + "from deals.cli import leave\nsys.stdout = Full()\nleave(0)\n")
    assert plain.returncode == ours.returncode == 120


@pytest.mark.slow
def test_python_m_deals_run_inside_another_program_returns_to_it():
    # runpy.run_module is not the program's end: the caller goes on after the command.
    done = _python("import runpy, sys\nsys.argv = ['chipdeals', 'assess', 'no-such-deal']\n"
                   "try:\n    runpy.run_module('deals', run_name='__main__')\n"
                   "except SystemExit as exit:\n    print('went on', exit.code)\n")
    assert done.stdout.strip() == "went on 2"
    assert "no-such-deal" in done.stderr


@pytest.mark.slow
def test_the_program_leaves_with_its_status_and_whole_output():
    done = subprocess.run([sys.executable, "-m", "deals", "compare", "--draws", "20",
                           "--jobs", "2", "--format", "json"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["draws"] == 20
    bad = subprocess.run([sys.executable, "-m", "deals", "assess", "no-such-deal"],
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
