"""``chipdeals portfolio [FILE]``: the article's options under the US's belief and bandwidth
(``--links``: linked deals under one chip budget, regime by regime)."""

from __future__ import annotations

import argparse
import math

from deals.cli.arguments import add_draws, add_jobs
from deals.cli.given import given_from, given_option, given_section
from deals.errors import DealError
from deals.portfolio.file import load_portfolio
from deals.portfolio.policy import MECHANISMS, SupplierBelief
from deals.portfolio.policy_result import CHIP_VALUE, solve_policy
from deals.views.output import Report, Section, tables_data

#: The version of ``portfolio --links``'s JSON (deals/portfolio_links.schema.json).
LINKS_SCHEMA_VERSION = 2
#: Monte Carlo draws of ``chipdeals portfolio`` by default.
PORTFOLIO_DRAWS = 2_000


def cmd_portfolio(args: argparse.Namespace) -> list[Section] | Report:
    """``chipdeals portfolio [FILE]``: the article's options (:func:`cmd_policy`); with
    ``--links`` or ``--plot`` the coordination report (regimes, deals, verdicts, plot)."""
    if not args.links and not args.plot:
        if args.given not in (None, "record"):
            raise DealError(f"--given {args.given}: the options condition on the portfolio's "
                            "own struck deals (--given record); a record file applies to the "
                            "coordination report, add --links")
        return cmd_policy(args)
    import pandas as pd  # start-up time: only the coordination report's tables need it
    from deals.portfolio.result import solve_portfolio  # start-up time: as pandas, above
    from deals.portfolio.view import save_plot, sections  # start-up time: loads matplotlib

    given = given_from(args)
    result = solve_portfolio(load_portfolio(args.portfolio), draws=args.draws, seed=args.seed,
                             given=given)
    out = sections(result, detail=args.detail) + given_section(given)
    if args.plot:
        save_plot(result, args.plot)
        out.append(Section("plot", pd.DataFrame({"file": [args.plot]}),
                           "US gain by regime, and each deal's chips by regime"))
    # Version 2: the verdicts are codes of one vocabulary and `changed` is true or false.
    return Report(tuple(out), data={"schema_version": LINKS_SCHEMA_VERSION,
                                    "tables": tables_data(out)})


def portfolio_options(parser: argparse.ArgumentParser) -> None:
    """``portfolio``'s arguments: the portfolio file, draws, seed, plot."""
    parser.add_argument("portfolio", nargs="?", default="article", metavar="FILE",
                        help="a bundled portfolio (article, teaching) or a .toml file")
    add_draws(parser, PORTFOLIO_DRAWS, streamed=True)  # solve_policy streams; --links refuses
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    add_jobs(parser, "solve the article's options a chunk of draws at a time on N worker "
             "processes")
    parser.add_argument("--plot", metavar="FILE.png", help="the coordination report's chart, "
                        "drawn to a file")
    policy_options(parser)
    parser.add_argument("--detail", action="store_true",
                        help="also print the solver's figures (budget shadow price, duality "
                        "gap, fixed point; see docs/glossary.md)")
    given_option(parser)


def _bias(text: str) -> tuple[str, float]:
    name, _, factor = text.partition("=")
    try:
        value = float(factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give NAME=FACTOR, e.g. value_multiple=1.3; got "
                                         f"{text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the factor must be a finite number above 0")
    return name.strip(), value


def cmd_policy(args: argparse.Namespace) -> Report:
    """``chipdeals portfolio``: the article's options under the US's belief and bandwidth."""
    bias = dict(args.bias or [])
    if args.overrate is not None:
        if not math.isfinite(args.overrate) or args.overrate <= -1:
            raise DealError(f"--overrate {args.overrate}: give a finite share above -1, e.g. "
                            "0.3 for 30%")
        bias[CHIP_VALUE] = 1 + args.overrate
    result = solve_policy(args.portfolio, draws=args.draws, seed=args.seed,
                          belief=SupplierBelief(args.belief, bias), off=args.off or (),
                          given=getattr(args, "given", None), jobs=args.jobs)
    data = result.to_json()
    extra = []
    if args.what_if:
        from deals.portfolio.policy_view import what_if_section  # start-up time: loads pandas

        extra.append(what_if_section(result))
        data["what_if"] = {"lead": extra[0].frame.attrs["lead"], "rows": [
            {"condition": c, "draws": int(r["draws"]), "lead_bn": float(r["lead"])}
            for c, r in extra[0].frame.iterrows()]}

    def tables() -> tuple[Section, ...]:  # built only for the formats that print them
        from deals.portfolio.policy_view import policy_sections  # start-up time: loads pandas

        out = policy_sections(result)
        return tuple(out[:-1] + extra + out[-1:])

    return Report(tables, data=data)


def policy_options(parser: argparse.ArgumentParser) -> None:
    """The belief, the bias and the switches of ``chipdeals portfolio``."""
    parser.add_argument("--belief", choices=("analyst", "supplier", "truth"),
                        default="analyst", help="what the US chooses its terms on")
    parser.add_argument("--overrate", type=float, metavar="SHARE",
                        help="the US over-rates the value of its chips by SHARE (0.3: "
                        "30%%): the deals' value_multiple times 1 + SHARE in its belief")
    parser.add_argument("--bias", type=_bias, action="append", metavar="NAME=FACTOR",
                        help="multiply a parameter in the US's belief (repeatable)")
    parser.add_argument("--off", action="append", choices=sorted(MECHANISMS),
                        metavar="MECHANISM",  # the choices listed in the help, wrapped at 80
                        help="switch a mechanism off (repeatable): "
                        + ", ".join(sorted(MECHANISMS)))
    parser.add_argument("--what-if", action="store_true",
                        help="also: what would have to be true for bilateral deals to win")
    parser.add_argument("--links", action="store_true",
                        help="the coordination report instead (budget, links, verdicts)")


