"""The chipdeals command line: one table of commands (:mod:`deals.cli.commands`), each handler in
the module of its feature, imported only when its command runs."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (:func:`deals.cli.commands.main`); exit status 0, 2 or 130.

    The command table imports numpy and pandas, a second or two: Ctrl-C then is an interrupt
    like any other (one line, status 130), not a traceback, so the import happens here.
    """
    try:
        from deals.cli.commands import main as run  # start-up time: under the Ctrl-C handler
    except KeyboardInterrupt:
        print("chipdeals: interrupted", file=sys.stderr)
        return 130
    return run(argv)
