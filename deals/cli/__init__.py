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
        from games.parallel import keep_freed_memory  # inside the try, as the next import

        keep_freed_memory()  # this process's own: NumPy's temporaries reuse freed memory
        from deals.cli.commands import main as run  # inside the try: Ctrl-C while importing
    except KeyboardInterrupt:
        print("chipdeals: interrupted", file=sys.stderr)
        return 130
    return run(argv)
