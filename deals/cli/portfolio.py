"""``chipdeals portfolio [FILE]``: linked deals under one chip budget, regime by regime."""

from __future__ import annotations

import argparse

import pandas as pd

from deals.cli.arguments import add_draws
from deals.portfolio.file import load_portfolio
from deals.portfolio.result import solve_portfolio
from deals.portfolio.view import save_plot, sections
from deals.views.output import Section

#: Monte Carlo draws of ``chipdeals portfolio`` by default.
PORTFOLIO_DRAWS = 2_000


def cmd_portfolio(args: argparse.Namespace) -> list[Section]:
    """``chipdeals portfolio [FILE]``: regimes, deals, verdicts, and optionally a plot."""
    result = solve_portfolio(load_portfolio(args.portfolio), draws=args.draws, seed=args.seed)
    out = sections(result, detail=args.detail)
    if args.plot:
        save_plot(result, args.plot)
        out.append(Section("plot", pd.DataFrame({"file": [args.plot]}),
                           "US gain by regime, and each deal's chips by regime"))
    return out


def portfolio_options(parser: argparse.ArgumentParser) -> None:
    """``portfolio``'s arguments: the portfolio file, draws, seed, plot."""
    parser.add_argument("portfolio", nargs="?", default="article", metavar="FILE",
                        help="a bundled portfolio (article, teaching) or a .toml file")
    add_draws(parser, PORTFOLIO_DRAWS)
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw the chart to a file")
    parser.add_argument("--detail", action="store_true",
                        help="also print the solver's figures (budget shadow price, duality "
                        "gap, fixed point; see docs/glossary.md)")
