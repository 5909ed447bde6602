"""``python -m deals``: the ``chipdeals`` command line (:func:`deals.cli.commands.main`)."""

import os
import sys

from deals.cli import flush_streams, leave, main

if __name__ == "__main__":  # pragma: no cover
    status = main()
    if status == 130:
        # Ctrl-C, already reported in one line. Under ``python -m``, CPython 3.11-3.12 turn any
        # exit into death by SIGINT (status -2) when the interrupt landed inside code run by
        # exec() of a string (dataclasses and sympy build functions so), even though it was
        # caught: leave at once with the status we chose.
        flush_streams()
        os._exit(status)
    if getattr(sys.modules.get("__main__"), "__dict__", None) is globals():
        leave(status)  # the program itself (python -m deals): no teardown of the interpreter
    sys.exit(status)  # run by another program (runpy.run_module): it goes on after us
