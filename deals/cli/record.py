"""The record's commands of ``chipdeals``: ``backtest`` and ``diff`` (the library over time).

Both are entries of :data:`deals.cli.commands.COMMANDS`, with their handlers and options here.
"""

from __future__ import annotations

import argparse
import sys
import time

from deals.cli.arguments import add_draws
from deals.record.backtest import backtest
from deals.record.condition import POOL
from deals.record.events import library_record
from deals.record.timeline import diff, library_as_of
from deals.views.output import Report, Section
from games.decisions.conditioning import ESS_FLOOR


def backtest_options(parser: argparse.ArgumentParser) -> None:
    """``backtest``'s arguments: deals, draws, seed, the conditioning pool and floor, a date."""
    parser.add_argument("deals", nargs="*", metavar="DEAL",
                        help="library names or .toml files (default: the whole library)")
    add_draws(parser, 2_000, "Monte Carlo draws per deal")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--pool", type=int, default=POOL,
                        help="prior draws the other deals' records are weighted over")
    parser.add_argument("--floor", type=float, default=ESS_FLOOR,
                        help="effective sample below which a record is not rationalised")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="the library and its record as they stood on this date")


def cmd_backtest(args: argparse.Namespace) -> Report:
    """Every struck deal against the benchmark's band, before and after leave-one-out
    conditioning; the time taken goes to stderr (it is not part of the result)."""
    chosen = library_as_of(args.as_of, args.deals or None)
    record = library_record(library_as_of(args.as_of)) if args.as_of else None
    start, cpu = time.perf_counter(), time.process_time()
    bt = backtest(chosen, draws=args.draws, seed=args.seed, pool=args.pool, floor=args.floor,
                  record=record)
    print(f"chipdeals: backtest of {len(bt.rows)} struck "
          f"deal{'' if len(bt.rows) == 1 else 's'} took "
          f"{time.perf_counter() - start:.1f} s ({time.process_time() - cpu:.1f} s of CPU)",
          file=sys.stderr)
    section = Section("the struck deals against the bargaining benchmark", bt.to_frame(),
                      bt.caption(), name="backtest", display=bt.display(), notes=bt.notes())
    return Report((section,), data=bt.to_dict())


def diff_options(parser: argparse.ArgumentParser) -> None:
    """``diff``'s arguments: the two dates, deals, draws, seed."""
    parser.add_argument("deals", nargs="*", metavar="DEAL",
                        help="library names or .toml files (default: the whole library)")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", required=True,
                        help="the earlier date")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", required=True,
                        help="the later date")
    add_draws(parser, 1_000, "Monte Carlo draws per audit (the same draws at both dates)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")


def cmd_diff(args: argparse.Namespace) -> Report:
    """What changed across the library between two dates, verdict by verdict."""
    found = diff(args.start, args.end, args.deals or None, draws=args.draws, seed=args.seed)
    section = Section("what changed", found.to_frame(), found.caption(), name="diff",
                      display=found.display(), notes=found.notes())
    return Report((section,), data=found.to_dict())
