"""``python -m deals``: the ``chipdeals`` command line (:func:`deals.cli.commands.main`)."""

import sys

from deals.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
