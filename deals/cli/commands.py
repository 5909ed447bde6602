"""The ``chipdeals`` command line: one table of commands, one parser, one error policy.

DEAL is a library name (``chipdeals list``) or a path to a TOML deal file. Output is a table
that fits the terminal (``COLUMNS``, default 80) by default, or ``--format json|csv|markdown``;
``--output DIR`` also writes every table as its own CSV file. Exit status: 0 on success, 2 on
bad input (one line on stderr naming the file and field), 130 on Ctrl-C.

Every command is one :class:`Command` in :data:`COMMANDS`; its handler (which may live in any
module, named ``"module:function"``) takes the parsed arguments and returns a
:class:`deals.views.output.Report` or a list of :class:`deals.views.output.Section`. To add a command, add
one entry::

    Command("negotiate", "deals.practice.negotiation:cmd_negotiate", "play a deal's offer game",
            options="deals.practice.negotiation:negotiate_options")

where ``negotiate_options(parser)`` adds the command's own arguments. ``python -m deals``,
``python -m deals.cli.commands`` and the ``chipdeals`` script all run :func:`main`.

>>> main(["list", "--format", "csv"]) == 0    # doctest: +ELLIPSIS
deal,partner,title,issues
...
True
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import pandas as pd

import deals
from deals.deal.model import Deal
from deals.views.output import FORMATS, Report, Section, render, write_tables
from deals.audit.verdicts import terms_text
from games.errors import GameError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class Command:
    """One ``chipdeals`` command.

    ``handler`` and ``options`` are ``"module:function"`` names, imported when needed:
    ``handler(args)`` returns a Report or a list of Sections; ``options(parser)`` adds the
    command's own arguments. ``deal``: the command takes a DEAL argument and ``--set``.
    """

    name: str
    handler: str
    help: str
    options: str | None = None
    deal: bool = True
    example: str = ""


#: Every command of ``chipdeals``, in the order ``--help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command("list", "deals.cli.commands:cmd_list", "list the deals in the library", deal=False,
            example="chipdeals list"),
    Command("show", "deals.cli.commands:cmd_show", "show a deal: issues, parameters, stances, terms",
            example="chipdeals show gulf-divestment-uae"),
    Command("solve", "deals.cli.commands:cmd_solve", "solve a deal: stance game, offer tree, bargaining "
            "solutions, zone of agreement", options="deals.cli.commands:resolution_options",
            example="chipdeals solve tier-upgrade-poland"),
    Command("frontier", "deals.cli.commands:cmd_frontier", "the Pareto frontier of a deal",
            options="deals.cli.commands:frontier_options",
            example="chipdeals frontier gulf-divestment-uae --plot frontier.png"),
    Command("compare", "deals.cli.leverage:cmd_compare", "audit the leverage of many deals "
            "(default: the whole library) in one table, worst first", deal=False,
            options="deals.cli.leverage:compare_options",
            example="COLUMNS=120 chipdeals compare --terms outcome"),
    Command("assess", "deals.cli.leverage:cmd_assess", "audit one deal's terms in depth: "
            "acceptance, gains, leverage ratio, surplus left, drivers",
            options="deals.cli.leverage:assess_options",
            example="chipdeals assess gulf-divestment-uae --output audit/"),
    Command("calibrate", "deals.audit.calibration:cmd_calibrate", "what would have to be true: the "
            "parameter values, nearest the file's, under which the struck deal (or the proposal) "
            "is the benchmark or the supplier's optimal ask",
            options="deals.audit.calibration:add_arguments",
            example="chipdeals calibrate tier-upgrade-poland"),
    Command("stages", "deals.cli.stages:cmd_stages", "a staged deal: the largest safe first "
            "tranche, gain over one shot, value of verification and snapback, and which "
            "parameter is worth researching", options="deals.cli.stages:stages_options",
            example="chipdeals stages gulf-divestment-uae --draws 2000"),
    Command("negotiate", "deals.practice.session:cmd_negotiate", "play one side of a deal against an "
            "agent in the terminal, then see the benchmark",
            options="deals.practice.session:negotiate_options",
            example="chipdeals negotiate india-energy-trade --as partner --against boulware"),
    Command("explore", "deals.views.app:cmd_explore", "the concession explorer as a local web page "
            "(127.0.0.1; Ctrl-C stops it)", options="deals.views.app:explore_options", deal=False,
            example="chipdeals explore gulf-divestment-uae"),
    Command("portfolio", "deals.cli.portfolio:cmd_portfolio", "linked deals under one chip "
            "budget: no deals, a tiered framework, bilateral deals alone and coordinated",
            options="deals.cli.portfolio:portfolio_options", deal=False,
            example="chipdeals portfolio teaching --plot portfolio.png"),
    Command("ratify", "deals.cli.two_level:cmd_ratify", "two-level audit: who at home ratifies "
            "the proposal, delay and power, Schelling's conjecture, mutual optimism, a doubted "
            "threat, what each side's belief costs it",
            options="deals.cli.two_level:ratify_options",
            example="chipdeals ratify allied-sme-netherlands --draws 1000"),
)


def resolve(name: str) -> Callable[..., Any]:
    """The function a ``"module:function"`` name points to."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


class UsageError(Exception):
    """A command line the parser refuses (reported in one line, exit 2)."""


def levels_text(levels: Sequence[float]) -> str:
    """A discrete issue's levels as a person lists them.

    >>> levels_text((0.0, 1.5)), levels_text((0, 1, 2))
    ('0 or 1.5', '0, 1 or 2')
    """
    from deals.views.output import people

    said = [people(float(v)) for v in levels]
    return " or ".join([", ".join(said[:-1]), said[-1]]) if len(said) > 1 else "".join(said)


class HelpWithDefaults(argparse.HelpFormatter):
    """Help text that states a default only where there is one to state (no "default: None")
    and not twice (a help that already says "default" keeps its own words)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (action.default is None or action.default is False
                or action.default == argparse.SUPPRESS or "default" in text
                or not action.option_strings):
            return text
        return text + " (default: %(default)s)"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap  # an example that wraps keeps its continuation indented

        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent,
                             subsequent_indent=indent + "  ", break_on_hyphens=False)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        import difflib
        import re

        wrong = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if wrong:
            choices = re.findall(r"'([^']*)'", wrong.group(2))
            close = difflib.get_close_matches(wrong.group(1), choices, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


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


# ---- list -----------------------------------------------------------------------------------

def cmd_list(args: argparse.Namespace) -> list[Section]:
    rows = []
    for name in deals.library_names():
        deal = deals.load(name)
        rows.append({"deal": name, "partner": deal.partner, "title": deal.title,
                     "issues": ", ".join(i.name for i in deal.issues)})
    frame = pd.DataFrame(rows, columns=["deal", "partner", "title", "issues"]).set_index("deal")
    return [Section("deals", frame, f"{len(rows)} deals in the library; "
                    "show one with: chipdeals show DEAL", name="deals")]


# ---- show -----------------------------------------------------------------------------------

def _gains_row(deal: Deal, label: str, values: dict[str, float]) -> dict[str, Any]:
    g = deal.gains(values)
    return {"terms": label, "issues": terms_text(deal, values),
            f"{deal.supplier} gain": g[0], f"{deal.partner} gain": g[1]}


def cmd_show(args: argparse.Namespace) -> list[Section]:
    deal = deal_from_args(args)
    head = pd.DataFrame({"value": [deal.title, deal.supplier, deal.partner,
                                   f"{deal.bargaining_power():.3g}"]},
                        index=pd.Index(["title", "supplier", "partner",
                                        "supplier's bargaining power"], name="field"))
    issues = pd.DataFrame([{"issue": i.name, "giver": deal.party(i.giver), "low": i.range[0],
                            "high": i.range[1], "unit": i.unit,
                            "levels": "" if i.levels is None else levels_text(i.levels),
                            "status quo": i.status_quo, "description": i.description}
                           for i in deal.issues]).set_index("issue")
    stances = pd.DataFrame([{"side": deal.party(s.side), "stance": s.name,
                             "terms": "walks away" if s.walk_away
                             else terms_text(deal, dict(s.fixes)),
                             "description": s.description} for s in deal.stances],
                           columns=["side", "stance", "terms", "description"]
                           ).set_index(["side", "stance"])
    sections = [Section(deal.name, head, deal.description, name="deal"),
                Section("issues", issues, "each issue runs from the least its giver gives"),
                Section("parameters", deal.parameters.to_frame(),
                        "sources: rows of FACTS.md, or a modelling judgement"),
                Section("utilities", pd.DataFrame(
                    [{"side": deal.party(s), "utility": deal.utility[s].text,
                      "outside option": deal.outside_option[s].text}
                     for s in ("supplier", "partner")]).set_index("side"),
                    "definitions: " + "; ".join(f"{k} = {e.text}"
                                                for k, e in deal.definitions.items())),
                Section("stances", stances)]
    rows = [_gains_row(deal, label, dict(t.values)) for label, t in
            (("proposal", deal.proposal), ("real outcome", deal.outcome)) if t is not None]
    if rows:
        notes = "; ".join(f"{label}: {t.description} [{t.source}]" for label, t in
                          (("proposal", deal.proposal), ("real outcome", deal.outcome))
                          if t is not None)
        sections.append(Section("terms on the table", pd.DataFrame(rows).set_index("terms"),
                                "gains over outside options, $bn per year at point values; "
                                + notes))
    if deal.belief is not None:
        point = deal.values()
        frame = pd.DataFrame([{"parameter": k, "point value": point[k], "drafter assumed": v}
                              for k, v in deal.belief.values.items()]).set_index("parameter")
        at = deal.at_belief()
        terms = deal.proposal.values if deal.proposal else {}
        g = at.gains(terms)
        sections.append(Section("drafter's belief", frame, deal.belief.description
                                + f"; at these values the proposal's gains are {g[0]:.4g} "
                                f"({deal.supplier}) and {g[1]:.4g} ({deal.partner})"))
    return sections


# ---- solve ----------------------------------------------------------------------------------

def cmd_solve(args: argparse.Namespace) -> list[Section]:
    from deals.deal.stances import tree_outcome
    from games import equilibria

    deal = deal_from_args(args)
    sections = []
    if deal.stances:
        game = deal.game()
        found = equilibria(game)
        sections.append(Section("stance game", game.to_frame(),
                                "payoffs (supplier, partner) in $bn per year when both choose "
                                "a stance at once; nothing is enforced"))
        detail = getattr(args, "detail", False)
        caption = found.caption()
        if not detail and found.degenerate:
            caption = (caption.split("\n")[0] + "\nThe game may have whole ranges of equilibria: "
                       "these rows are their corners (--detail for the solver's notes; the "
                       "terms in docs/glossary.md)")
        sections.append(Section("stance game equilibria", found.to_frame(), caption))
        outcome = tree_outcome(deal)
        tree = outcome.to_frame()
        tree_caption = outcome.caption()
        if not detail and outcome.threats:
            tree = tree[tree.index != "non-credible threat"]
            tree_caption = (f"{deal.name}: the offer tree played backwards from its end; "
                            f"{len(outcome.threats)} threats to walk away would not be carried "
                            "out if tested (--detail lists them; 'non-credible threat' in "
                            "docs/glossary.md)")
        sections.append(Section("offer tree", tree, tree_caption))
    sols = deal.solutions(resolution=args.resolution)
    sections.append(Section("bargaining solutions", sols.to_frame(), sols.caption()))
    zone = deal.zone_of_agreement(resolution=args.resolution)
    ranges = zone.issue_ranges()
    frame = pd.DataFrame([{"issue": k, "low": lo, "high": hi} for k, (lo, hi) in ranges.items()],
                         columns=["issue", "low", "high"]).set_index("issue")
    sections.append(Section("zone of agreement", frame,
                            zone.message + "; issue ranges over the zone's frontier outcomes"))
    return sections


# ---- frontier -------------------------------------------------------------------------------

def cmd_frontier(args: argparse.Namespace) -> list[Section]:
    deal = deal_from_args(args)
    front = deal.frontier(resolution=args.resolution)
    frame = front.to_frame()
    shown = frame
    if args.points and len(frame) > args.points:
        keep = np.unique(np.linspace(0, len(frame) - 1, args.points).round().astype(int))
        shown = frame.iloc[keep]
    caption = front.caption() if getattr(args, "detail", False) else (
        f"the packages no other package beats for both sides, at the file's point values "
        f"({len(frame)} found exactly on the grid; --detail for the method)")
    caption += (f"; {len(shown)} of {len(frame)} points shown (--points 0 for all)"
                if len(shown) < len(frame) else "")
    sections = [Section(f"{deal.name}: Pareto frontier ($bn per year)", shown, caption,
                        name="frontier")]
    if args.plot:
        _plot(deal, args)
    return sections


def _plot(deal: Deal, args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")  # a command line draws to files, never to a window

    from games.bargaining import plot_frontier

    problem = deal.bargaining_problem(resolution=args.resolution)
    factors = deal.discount_factors()
    proposal = dict(deal.outcome_values(deal.proposal.values)) if deal.proposal else None
    ax = plot_frontier(problem, power=deal.bargaining_power(), rubinstein=factors,
                       proposal=proposal, show_points=False, unit="$bn per year")
    from deals.views.plots import mark_struck, save_figure

    mark_struck(ax, deal, problem, benchmark=False)  # plot_frontier drew the benchmark
    # The chart is one world (the file's point values); the audit's verdict is over the draws.
    ax.set_title(f"{deal.title}\nat the file's point values (the audit's verdict is over its "
                 "draws: chipdeals assess)", fontsize=9)
    save_figure(ax.figure, args.plot)


# ---- options of the commands above ---------------------------------------------------------

def resolution_options(parser: argparse.ArgumentParser) -> None:
    """``--resolution`` for commands that solve on a grid, and ``--detail``."""
    parser.add_argument("--resolution", type=int, default=None,
                        help="grid levels per continuous issue (default: chosen per deal)")
    parser.add_argument("--detail", action="store_true",
                        help="also print the specialist lines (see docs/glossary.md)")


def frontier_options(parser: argparse.ArgumentParser) -> None:
    """The frontier's options: resolution, plot, points shown."""
    resolution_options(parser)
    parser.add_argument("--plot", metavar="FILE.png", help="also draw the frontier to a file")
    parser.add_argument("--points", type=int, default=30,
                        help="frontier points to print, evenly spaced (0: all; default 30)")


# ---- the parser -----------------------------------------------------------------------------

def build_parser(commands: Sequence[Command] | None = None) -> argparse.ArgumentParser:
    """The argument parser: one subparser per entry of ``commands`` (default :data:`COMMANDS`)."""
    commands = COMMANDS if commands is None else commands
    parser = _Parser(prog="chipdeals", description="Bilateral AI-chip deals as games: "
                     "equilibria, bargaining frontiers,\nand a leverage audit.",
                     epilog="examples:\n  " + "\n  ".join(c.example for c in commands
                                                           if c.example),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version=f"chipdeals {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in commands:
        p = sub.add_parser(command.name, help=command.help, description=command.help,
                           epilog=f"example: {command.example}" if command.example else None,
                           formatter_class=HelpWithDefaults)
        if command.deal:
            p.add_argument("deal", metavar="DEAL", help="a library name or a .toml file")
            p.add_argument("--set", action="append", metavar="NAME=VALUE",
                           help="use another value for a parameter (repeatable)")
        p.add_argument("--format", choices=FORMATS, default="table", help="output format")
        p.add_argument("--output", metavar="DIR|FILE.xlsx",
                       help="also write every table as its own CSV file in DIR, or as one "
                       "sheet each of an Excel workbook FILE.xlsx (needs openpyxl)")
        if command.options:
            resolve(command.options)(p)
        p.set_defaults(handler=command.handler)
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("chipdeals")
    except Exception:  # not installed (run from a checkout)
        return "(not installed)"


def _message(exc: GameError, args: argparse.Namespace | None) -> str:
    """The error in one line; one found after the deal was read also names the deal's file."""
    text = " ".join(str(exc).split())
    deal = getattr(args, "deal", None)
    if deal and not text.startswith((f"{deal}:", "--")):
        text = f"{deal}: {text}"
    return text


def _check(args: argparse.Namespace) -> None:
    if getattr(args, "resolution", None) is not None and args.resolution < 2:
        raise UsageError("chipdeals: --resolution must be at least 2")
    if getattr(args, "points", 0) < 0:
        raise UsageError("chipdeals: --points must be 0 (all points) or more")
    if getattr(args, "draws", 1) < 1:
        raise UsageError(f"chipdeals: --draws must be a positive whole number, got {args.draws}")
    from deals.audit.leverage import MAX_DRAWS

    if getattr(args, "draws", 1) > MAX_DRAWS:  # every command's --draws (memory and time)
        raise UsageError(f"chipdeals: --draws {args.draws:,} is more than {MAX_DRAWS:,}; the "
                         "percentiles are settled long before")
    if getattr(args, "seed", None) is not None:
        from games.parameters import check_seed

        check_seed(args.seed)  # every command's --seed: numpy refuses negatives with a traceback
    if getattr(args, "plot", None):
        from deals.views.plots import image_format

        image_format(args.plot)  # refused before the work, not after
        _check_writable(args.plot, "--plot")
    if getattr(args, "output", None):
        _check_output(args.output)


def _check_output(path: str) -> None:
    """``--output`` is a folder (one CSV per table) or a workbook ``FILE.xlsx``; nothing else."""
    from pathlib import Path

    target = Path(path)
    if target.suffix and target.suffix.lower() != ".xlsx" and not target.is_dir():
        raise UsageError(f"chipdeals: --output {path!r}: give a folder (one CSV file per table) "
                         "or a workbook file ending in .xlsx")
    _check_writable(path, "--output", folder=target.suffix.lower() != ".xlsx")


def _check_writable(path: str, option: str, folder: bool = False) -> None:
    """Refuse an output path that could not be written, before any work is done."""
    from games.writing import check_writable

    why = check_writable(path, folder=folder)
    if why is not None:
        raise UsageError(f"chipdeals: {option} {path!r}: cannot be written: {why}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_OK
        _check(args)
        report = resolve(args.handler)(args)
        if args.output and str(args.output).lower().endswith(".xlsx"):
            from deals.views.export import write_xlsx

            sections = report.sections if isinstance(report, Report) else report
            write_xlsx(sections, args.output)
            print(f"chipdeals: wrote {len(sections)} tables to {args.output}", file=sys.stderr)
        elif args.output:
            written = write_tables(report, args.output)
            print(f"chipdeals: wrote {len(written)} tables to {args.output}", file=sys.stderr)
        text = render(report, args.format)
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    except KeyboardInterrupt:
        print("chipdeals: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except GameError as exc:
        print("chipdeals: error: " + _message(exc, args), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # --output to a place that cannot be written
        print(f"chipdeals: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenExecutor:  # a worker of --jobs was killed (out of memory, or by a signal)
        print("chipdeals: error: a worker process stopped before its work was done (out of "
              "memory, or killed); run again with --jobs 1 or fewer --draws", file=sys.stderr)
        return EXIT_FAILED
    except ArithmeticError as exc:
        # Extreme values (--set x=1e300) can overflow inside a solver: still bad input.
        print("chipdeals: error: " + _message(GameError(
            f"numbers out of range while computing ({type(exc).__name__}: {exc}); use "
            "parameter values of a realistic size"), args), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `chipdeals compare | head`: the reader left; not an error
        _silence_stdout()
        sys.stderr.close()
    except OSError as exc:  # stdout to a full disk (/dev/full) or a closed device
        _silence_stdout()
        print(f"chipdeals: error: cannot write the output: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("chipdeals: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's own flush at exit has nothing left to fail on."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
