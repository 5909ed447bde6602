"""``chipdeals portfolio [FILE]``: linked deals under one chip budget, regime by regime."""

from __future__ import annotations

import argparse

import pandas as pd

from deals.cli.arguments import add_draws
from deals.cli.given import given_from, given_option, given_section
from deals.errors import DealError
from deals.portfolio.file import load_portfolio
from deals.portfolio.result import solve_portfolio
from deals.portfolio.view import save_plot, sections
from deals.portfolio.policy_view import cmd_policy, policy_options
from deals.views.output import Section

#: Monte Carlo draws of ``chipdeals portfolio`` by default.
PORTFOLIO_DRAWS = 2_000


def cmd_portfolio(args: argparse.Namespace) -> list[Section]:
    """``chipdeals portfolio [FILE]``: the article's options (:func:`cmd_policy`); with
    ``--links`` or ``--plot`` the coordination report (regimes, deals, verdicts, plot)."""
    given = given_from(args)
    if not args.links and not args.plot:
        if given is not None:
            raise DealError("--given: conditioning on the record applies to the coordination "
                            "report; add --links")
        return cmd_policy(args)
    result = solve_portfolio(load_portfolio(args.portfolio), draws=args.draws, seed=args.seed,
                             given=given)
    out = sections(result, detail=args.detail) + given_section(given)
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
    parser.add_argument("--plot", metavar="FILE.png", help="the coordination report's chart, "
                        "drawn to a file")
    policy_options(parser)
    parser.add_argument("--detail", action="store_true",
                        help="also print the solver's figures (budget shadow price, duality "
                        "gap, fixed point; see docs/glossary.md)")
    given_option(parser)
