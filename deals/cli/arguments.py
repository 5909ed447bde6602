"""What every command shares: the DEAL argument with ``--set``, ``--draws``, ``--jobs``, and the
usage error.

Each option is checked once, where it is parsed: a bad value is a :class:`UsageError` (one
line, exit 2) before any work starts.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Callable

import deals

if TYPE_CHECKING:
    from deals.deal.model import Deal


class UsageError(Exception):
    """A command line the parser refuses (reported in one line, exit 2)."""


def deal_from_args(args: argparse.Namespace) -> Deal:
    """The DEAL argument loaded, with ``--set NAME=VALUE`` applied."""
    deal = deals.load(args.deal)
    values = {}
    for item in getattr(args, "set", None) or ():
        name, sep, text = item.partition("=")
        try:
            values[name.strip()] = float(text)
        except ValueError:
            sep = ""
        if not sep:
            raise UsageError(f"chipdeals: --set {item!r}: write NAME=NUMBER, e.g. "
                             "--set china_retaliation=4")
    return deal.bind(**values) if values else deal


def draws_count(text: str, streamed: bool = False) -> int:
    """``--draws``: a whole number from 1 to ``MAX_KEPT_DRAWS``, the most draws a command holds
    at once, or to ``MAX_DRAWS`` where the command streams them (``streamed``: ``assess``,
    ``compare``, the article's options); argparse type, one check.

    >>> draws_count("2000")
    2000
    >>> draws_count("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be at least 1, got 0
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    from deals.audit.leverage import MAX_DRAWS, MAX_KEPT_DRAWS  # start-up: sympy and scipy

    if value > MAX_DRAWS:  # memory and time: the percentiles are settled long before
        raise argparse.ArgumentTypeError(f"{value:,} is more than {MAX_DRAWS:,}; the "
                                         "percentiles are settled long before")
    if value > MAX_KEPT_DRAWS and not streamed:  # memory: this command holds every draw
        raise argparse.ArgumentTypeError(f"{value:,} is more than {MAX_KEPT_DRAWS:,}, the most "
                                         "draws this command holds at once (assess and "
                                         "compare stream more)")
    return value


def streamed_draws_count(text: str) -> int:
    """``--draws`` of a command that streams its draws: up to ``MAX_DRAWS``."""
    return draws_count(text, streamed=True)


def add_draws(parser: argparse.ArgumentParser, default: int, help: str = "Monte Carlo draws",
              *, streamed: bool = False) -> None:
    """The ``--draws`` option, checked by :func:`draws_count` (``streamed``: the command
    streams its draws, so it takes up to ``MAX_DRAWS``)."""
    parser.add_argument("--draws", type=streamed_draws_count if streamed else draws_count,
                        default=default, help=help)


def add_jobs(parser: argparse.ArgumentParser, what: str) -> None:
    """The ``--jobs N`` option (default 0: one worker process per core), ``what`` saying
    what the workers do."""
    parser.add_argument("--jobs", type=at_least(0), metavar="N", default=0,
                        help=f"{what} (default 0: one per core; 1: all in this process); the "
                        "results do not depend on it")


def at_least(low: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number ``>= low`` (``stages --top -1`` is refused in one
    line instead of silently dropping rows).

    >>> at_least(1)("3")
    3
    >>> at_least(1)("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be at least 1
    """
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}")
        return value

    whole.__name__ = f"whole number >= {low}"
    return whole
