"""The chipdeals command line: one table of commands (:mod:`deals.cli.commands`), each handler in
the module of its feature, imported only when its command runs."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main", "run", "leave", "flush_streams"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (:func:`deals.cli.commands.main`); exit status 0, 2 or 130.

    The command table imports numpy and pandas, a second or two: Ctrl-C then is an interrupt
    like any other (one line, status 130), not a traceback, so the import happens here.
    """
    try:
        from games.parallel import keep_freed_memory  # inside the try, as the next import
        from games.startup import kept_dataclass_code  # so too: Ctrl-C while importing

        keep_freed_memory()  # this process's own: NumPy's temporaries reuse freed memory
        # The command's imports (some only when it runs) reuse the compiled code of their
        # dataclasses' methods from the last run: the same classes, a quarter less start-up.
        with kept_dataclass_code():
            from deals.cli.commands import main as run  # inside the try: Ctrl-C while importing
            return run(argv)
    except KeyboardInterrupt:
        print("chipdeals: interrupted", file=sys.stderr)
        return 130


def run() -> NoReturn:
    """The ``chipdeals`` program: :func:`main` on the command line's words, then :func:`leave`
    with its status."""
    leave(main())


def leave(status: int) -> NoReturn:
    """End the program with ``status``: the exit handlers run and both streams are flushed, as
    at any exit, but the interpreter is not taken apart object by object, since the process is
    ending and the system takes its memory back at once (that took 30-50 ms of a 1.6 s
    ``chipdeals compare``). While another thread is still running, or where the interpreter
    offers no way to run its exit handlers, the ordinary exit waits for it instead.

    If standard output cannot be flushed after a run that succeeded, the status is 120, as
    Python's own exit makes it; a run that failed keeps its own status (2: bad input). Only
    for a program's end: a caller that goes on after the command uses :func:`main`.
    """
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if threading.active_count() > 1 or run_handlers is None:
        sys.exit(status)
    run_handlers()
    if not flush_streams() and status == 0:
        status = 120
    os._exit(status)


def flush_streams() -> bool:
    """Flush standard output and standard error before the process ends without Python's
    own flush; False if standard output could not be flushed."""
    written = True
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            written = written and stream is not sys.stdout
    return written
