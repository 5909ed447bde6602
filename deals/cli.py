"""The ``chipdeals`` command: list, show, solve and draw the frontier of deals.

DEAL is a library name (``chipdeals list``) or a path to a TOML deal file. Output is a
readable table by default, or ``--format json|csv|markdown``. Exit status: 0 on success, 2 on
bad input, with a one-line message on stderr that names the file and field.

>>> main(["list", "--format", "csv"]) == 0    # doctest: +ELLIPSIS
# deals
...
True
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np
import pandas as pd

import deals
from deals.model import Deal
from deals.output import FORMATS, Section, render
from games.errors import GameError

EXIT_OK, EXIT_BAD_INPUT = 0, 2


class _UsageError(Exception):
    """A command line argparse refuses (reported in one line, exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        raise _UsageError(f"{self.prog}: {message} (see {self.prog.split()[0]} --help)")


def _deal(args: argparse.Namespace) -> Deal:
    deal = deals.load(args.deal)
    values = {}
    for item in getattr(args, "set", None) or ():
        name, sep, text = item.partition("=")
        try:
            values[name.strip()] = float(text)
        except ValueError:
            sep = ""
        if not sep:
            raise _UsageError(f"chipdeals: --set {item!r}: write NAME=NUMBER, e.g. "
                              "--set china_ties=4")
    return deal.bind(**values) if values else deal


def _terms_text(values: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in values.items()) or "(status quo)"


# ---- list -----------------------------------------------------------------------------------

def cmd_list(args: argparse.Namespace) -> list[Section]:
    rows = []
    for name in deals.library_names():
        deal = deals.load(name)
        rows.append({"deal": name, "partner": deal.partner, "title": deal.title,
                     "issues": ", ".join(i.name for i in deal.issues)})
    frame = pd.DataFrame(rows, columns=["deal", "partner", "title", "issues"]).set_index("deal")
    return [Section("deals", frame, f"{len(rows)} deals in the library; "
                    "show one with: chipdeals show DEAL")]


# ---- show -----------------------------------------------------------------------------------

def _gains_row(deal: Deal, label: str, values: dict[str, float]) -> dict[str, Any]:
    g = deal.gains(values)
    return {"terms": label, "issues": _terms_text(values),
            f"{deal.supplier} gain": g[0], f"{deal.partner} gain": g[1]}


def cmd_show(args: argparse.Namespace) -> list[Section]:
    deal = _deal(args)
    head = pd.DataFrame({"value": [deal.title, deal.supplier, deal.partner,
                                   f"{deal.bargaining_power():.3g}"]},
                        index=pd.Index(["title", "supplier", "partner",
                                        "supplier's bargaining power"], name="field"))
    issues = pd.DataFrame([{"issue": i.name, "giver": deal.party(i.giver), "low": i.range[0],
                            "high": i.range[1], "unit": i.unit,
                            "levels": "" if i.levels is None else str(list(i.levels)),
                            "status quo": i.status_quo, "description": i.description}
                           for i in deal.issues]).set_index("issue")
    stances = pd.DataFrame([{"side": deal.party(s.side), "stance": s.name,
                             "terms": "walks away" if s.walk_away else _terms_text(dict(s.fixes)),
                             "description": s.description} for s in deal.stances],
                           columns=["side", "stance", "terms", "description"]
                           ).set_index(["side", "stance"])
    sections = [Section(deal.name, head, deal.description),
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
    from deals.stances import tree_outcome
    from games import equilibria

    deal = _deal(args)
    sections = []
    if deal.stances:
        game = deal.game()
        found = equilibria(game)
        sections.append(Section("stance game", game.to_frame(),
                                "payoffs (supplier, partner) in $bn per year when both choose "
                                "a stance at once; nothing is enforced"))
        sections.append(Section("stance game equilibria", found.to_frame(), found._caption()))
        outcome = tree_outcome(deal)
        sections.append(Section("offer tree", outcome.to_frame(), outcome._caption()))
    sols = deal.solutions(resolution=args.resolution)
    sections.append(Section("bargaining solutions", sols.to_frame(), sols._caption()))
    zone = deal.zone_of_agreement(resolution=args.resolution)
    ranges = zone.issue_ranges()
    frame = pd.DataFrame([{"issue": k, "low": lo, "high": hi} for k, (lo, hi) in ranges.items()],
                         columns=["issue", "low", "high"]).set_index("issue")
    sections.append(Section("zone of agreement", frame,
                            zone.message + "; issue ranges over the zone's frontier outcomes"))
    return sections


# ---- frontier -------------------------------------------------------------------------------

def cmd_frontier(args: argparse.Namespace) -> list[Section]:
    deal = _deal(args)
    front = deal.frontier(resolution=args.resolution)
    frame = front.to_frame()
    shown = frame
    if args.points and len(frame) > args.points:
        keep = np.unique(np.linspace(0, len(frame) - 1, args.points).round().astype(int))
        shown = frame.iloc[keep]
    caption = front._caption() + (f"; {len(shown)} of {len(frame)} points shown "
                                  "(--points 0 for all)" if len(shown) < len(frame) else "")
    sections = [Section(f"{deal.name}: Pareto frontier ($bn per year)", shown, caption)]
    if args.plot:
        _plot(deal, args)
        sections.append(Section("plot", pd.DataFrame({"file": [args.plot]}),
                                "frontier, bargaining solutions, disagreement point and the "
                                "proposal"))
    return sections


def _plot(deal: Deal, args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")  # a command line draws to files, never to a window
    import matplotlib.pyplot as plt

    from games.bargaining import plot_frontier

    problem = deal.bargaining_problem(resolution=args.resolution)
    factors = deal.discount_factors()
    proposal = dict(deal.outcome_values(deal.proposal.values)) if deal.proposal else None
    ax = plot_frontier(problem, power=0.5, rubinstein=factors, proposal=proposal,
                       show_points=False)
    ax.set_title(deal.title, fontsize=9)
    try:
        ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise deals.DealError(f"--plot {args.plot}: cannot write the image ({exc}); give a "
                              "writable path ending in .png, .pdf or .svg") from None
    finally:
        plt.close(ax.figure)


# ---- the parser -----------------------------------------------------------------------------

def _add_deal_command(sub: Any, name: str, func: Callable[..., list[Section]], help: str,
                      *, needs_deal: bool = True) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help, description=help)
    if needs_deal:
        parser.add_argument("deal", metavar="DEAL", help="a library name or a .toml file")
        parser.add_argument("--set", action="append", metavar="NAME=VALUE",
                            help="use another value for a parameter (repeatable)")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="output format (default: table)")
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each command is one subparser with a ``func`` to run."""
    parser = _Parser(prog="chipdeals", description="Bilateral AI-chip deals as games: "
                     "equilibria, bargaining frontiers, and a leverage audit.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_deal_command(sub, "list", cmd_list, "list the deals in the library", needs_deal=False)
    _add_deal_command(sub, "show", cmd_show, "show a deal: issues, parameters, stances, terms")
    for name, func, help in (("solve", cmd_solve, "solve a deal: stance game, offer tree, "
                              "bargaining solutions, zone of agreement"),
                             ("frontier", cmd_frontier, "the Pareto frontier of a deal")):
        p = _add_deal_command(sub, name, func, help)
        p.add_argument("--resolution", type=int, default=None,
                       help="grid levels per continuous issue (default: chosen per deal)")
        if name == "frontier":
            p.add_argument("--plot", metavar="FILE.png", help="also draw the frontier to a file")
            p.add_argument("--points", type=int, default=30,
                           help="frontier points to print, evenly spaced (0: all; default 30)")
    # Commands from other modules register here, each with its own add_*_command(sub)
    # (compare and assess, from the leverage assessment, go here).
    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


#: Functions ``f(subparsers)`` that add further commands (the assessment's compare, assess).
EXTRA_COMMANDS: list[Callable[[Any], None]] = []


def _message(exc: GameError, args: argparse.Namespace | None) -> str:
    """The error in one line; one found after the deal was read also names the deal's file."""
    text = " ".join(str(exc).split())
    deal = getattr(args, "deal", None)
    if deal and not text.startswith((f"{deal}:", "--")):
        text = f"{deal}: {text}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input)."""
    parser = build_parser()
    args = None
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_OK
        if getattr(args, "resolution", None) is not None and args.resolution < 2:
            raise _UsageError("chipdeals: --resolution must be at least 2")
        if getattr(args, "points", 0) < 0:
            raise _UsageError("chipdeals: --points must be 0 (all points) or more")
        text = render(args.func(args), args.format)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except GameError as exc:
        print("chipdeals: error: " + _message(exc, args), file=sys.stderr)
        return EXIT_BAD_INPUT
    except ArithmeticError as exc:
        # Extreme values (--set x=1e300) can overflow inside a solver: still bad input.
        print("chipdeals: error: " + _message(GameError(
            f"numbers out of range while computing ({type(exc).__name__}: {exc}); use "
            "parameter values of a realistic size"), args), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        print(text)
    except BrokenPipeError:  # `chipdeals compare | head`: the reader left; not an error
        sys.stderr.close()
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def _register_leverage_commands() -> None:
    from deals.cli_leverage import register

    if register not in EXTRA_COMMANDS:
        EXTRA_COMMANDS.append(register)


_register_leverage_commands()


def _register_negotiate(sub: Any) -> None:  # issue 17: `chipdeals negotiate`, deals/practice.py
    from deals.practice import register

    register(sub)


EXTRA_COMMANDS.append(_register_negotiate)


def _register_stage_commands() -> None:
    from deals.cli_stages import register

    if register not in EXTRA_COMMANDS:
        EXTRA_COMMANDS.append(register)


_register_stage_commands()


def _register_two_level_commands() -> None:  # issue 16: `chipdeals ratify`, deals/cli_two_level.py
    from deals.cli_two_level import register

    if register not in EXTRA_COMMANDS:
        EXTRA_COMMANDS.append(register)


_register_two_level_commands()
