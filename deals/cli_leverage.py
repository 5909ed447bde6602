"""The leverage commands of ``chipdeals``: ``compare`` (the main job) and ``assess``.

Registered into :mod:`deals.cli` through its ``EXTRA_COMMANDS``.
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

import deals
from deals.assessment import Thresholds
from deals.output import Section

#: Monte Carlo draws per deal by default: enough for acceptance shares to +-1 point (2 s.e.).
COMPARE_DRAWS = 2_000
ASSESS_DRAWS = 10_000


def _thresholds(args: argparse.Namespace) -> Thresholds:
    return Thresholds(over_acceptance=args.over_acceptance, under_acceptance=args.under_acceptance,
                      under_rho=args.under_rho, efficiency_margin=args.efficiency_margin)


def _save(ax: Any, path: str) -> None:
    import matplotlib.pyplot as plt

    try:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise deals.DealError(f"--plot {path}: cannot write the image ({exc}); give a writable "
                              "path ending in .png, .pdf or .svg") from None
    finally:
        plt.close(ax.figure)


def _agg() -> None:
    import matplotlib

    matplotlib.use("Agg")  # a command line draws to files, never to a window


def cmd_compare(args: argparse.Namespace) -> list[Section]:
    chosen = args.deals or None
    comparison = deals.compare([deals.load(d) for d in chosen] if chosen else None,
                               draws=args.draws, seed=args.seed, thresholds=_thresholds(args),
                               progress=False)
    frame = comparison.to_frame()
    sections = [Section("leverage of each deal's proposal", frame, comparison._caption())]
    if args.plot:
        _agg()
        _save(comparison.plot(), args.plot)
        sections.append(Section("plot", pd.DataFrame({"file": [args.plot]}),
                                "each deal: partner's acceptance probability against the median "
                                "leverage ratio, coloured by the supplier's flag"))
    if args.output:  # a spreadsheet, one sheet per table
        from deals.export import write_xlsx

        write_xlsx(sections, args.output)
    return sections


def cmd_assess(args: argparse.Namespace) -> list[Section]:
    from deals.cli import _deal

    deal = _deal(args)
    a = deals.assess(deal, draws=args.draws, seed=args.seed, thresholds=_thresholds(args),
                     progress=False)
    sections = [Section(f"{deal.name}: leverage audit", a.to_frame(), a.explain()),
                Section("drivers (Spearman rank correlation with what decides the flags)",
                        a.drivers, "importance: the largest absolute correlation"),
                Section("one parameter at a time (others at point values)", a.tornado,
                        f"rho at point values: {a.tornado.attrs.get('rho at point values', float('nan')):.4g}")]
    if args.plot:
        _agg()
        _save(a.plot_drivers(), args.plot)
        sections.append(Section("plot", pd.DataFrame({"file": [args.plot]}),
                                "tornado chart of the leverage ratio"))
    if args.output:  # a spreadsheet, one sheet per table
        from deals.export import write_xlsx

        write_xlsx(sections, args.output)
    return sections


def _common(parser: argparse.ArgumentParser, draws: int) -> None:
    parser.add_argument("--draws", type=int, default=draws,
                        help=f"Monte Carlo draws of the parameters (default {draws:,})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw a chart to a file")
    parser.add_argument("--output", metavar="FILE.xlsx", help="also write the tables to a "
                        "spreadsheet, one sheet per table (needs openpyxl)")
    t = Thresholds()
    parser.add_argument("--over-acceptance", type=float, default=t.over_acceptance,
                        help="'over' below this acceptance probability")
    parser.add_argument("--under-acceptance", type=float, default=t.under_acceptance,
                        help="'under' needs at least this acceptance probability")
    parser.add_argument("--under-rho", type=float, default=t.under_rho,
                        help="'under' needs a median leverage ratio at most this")
    parser.add_argument("--efficiency-margin", type=float, default=t.efficiency_margin,
                        help="'inefficient' when another package is this much better for both")


def register(sub: Any) -> None:
    """Add ``compare`` and ``assess`` to the ``chipdeals`` subcommands."""
    from deals.cli import _add_deal_command

    p = _add_deal_command(sub, "compare", cmd_compare,
                          "audit the leverage of many deals (default: the whole library) in one "
                          "table, sorted by how far their leverage is off", needs_deal=False)
    p.add_argument("deals", nargs="*", metavar="DEAL", help="library names or .toml files")
    _common(p, COMPARE_DRAWS)
    p = _add_deal_command(sub, "assess", cmd_assess, "audit the leverage of one deal's proposal "
                          "in depth: acceptance, leverage ratio, surplus left, drivers")
    _common(p, ASSESS_DRAWS)
