"""The chipdeals command line: one table of commands (:mod:`deals.cli.commands`), each handler in
the module of its feature, imported only when its command runs."""

from deals.cli.commands import main

__all__ = ["main"]
