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
import difflib
import importlib
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import BrokenExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from deals.cli.arguments import UsageError
from deals.views.output import FORMATS, Report, render, write_tables
from games.errors import GameError
from games.writing import check_writable

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class Command:
    """One ``chipdeals`` command.

    ``handler`` and ``options`` are ``"module:function"`` names, imported when needed:
    ``handler(args)`` returns a Report or a list of Sections; ``options(parser)`` adds the
    command's own arguments. ``deal``: the command takes a DEAL argument and ``--set``.
    ``tables``: it prints tables, so it takes ``--format`` and ``--output`` (a command that
    serves a page prints none).
    """

    name: str
    handler: str
    help: str
    options: str | None = None
    deal: bool = True
    example: str = ""
    tables: bool = True


#: Every command of ``chipdeals``, in the order ``--help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command("list", "deals.cli.listing:cmd_list", "list the deals in the library", deal=False,
            example="chipdeals list"),
    Command("show", "deals.cli.deal:cmd_show", "show a deal: issues, parameters, stances, terms",
            example="chipdeals show gulf-divestment-uae"),
    Command("solve", "deals.cli.deal:cmd_solve", "solve a deal: stance game, offer tree, bargaining "
            "solutions, zone of agreement", options="deals.cli.deal:resolution_options",
            example="chipdeals solve tier-upgrade-poland"),
    Command("frontier", "deals.cli.deal:cmd_frontier", "the Pareto frontier of a deal",
            options="deals.cli.deal:frontier_options",
            example="chipdeals frontier gulf-divestment-uae --plot frontier.png"),
    Command("compare", "deals.cli.leverage:cmd_compare", "audit the leverage of many deals "
            "(default: the whole library) in one table, worst first", deal=False,
            options="deals.cli.leverage:compare_options",
            example="COLUMNS=120 chipdeals compare --terms outcome"),
    Command("assess", "deals.cli.leverage:cmd_assess", "audit one deal's terms in depth: "
            "acceptance, gains, leverage ratio, surplus left, drivers",
            options="deals.cli.leverage:assess_options",
            example="chipdeals assess gulf-divestment-uae --output audit/"),
    Command("calibrate", "deals.cli.calibrate:cmd_calibrate", "what would have to be true: the "
            "parameter values, nearest the file's, under which the struck deal (or the proposal) "
            "is the benchmark or the supplier's optimal ask",
            options="deals.cli.calibrate:add_arguments",
            example="chipdeals calibrate tier-upgrade-poland"),
    Command("stages", "deals.cli.stages:cmd_stages", "a staged deal: the largest safe first "
            "tranche, gain over one shot, value of verification and snapback, and which "
            "parameter is worth researching", options="deals.cli.stages:stages_options",
            example="chipdeals stages gulf-divestment-uae --draws 2000"),
    Command("negotiate", "deals.cli.negotiate:cmd_negotiate", "play one side of a deal against an "
            "agent in the terminal, then see the benchmark",
            options="deals.cli.negotiate:negotiate_options",
            example="chipdeals negotiate india-energy-trade --as partner --against boulware"),
    Command("explore", "deals.cli.explore:cmd_explore", "the concession explorer as a local web page "
            "(127.0.0.1; Ctrl-C stops it)", options="deals.cli.explore:explore_options", deal=False,
            example="chipdeals explore gulf-divestment-uae", tables=False),
    Command("portfolio", "deals.cli.portfolio:cmd_portfolio", "the article's four options "
            "(tiered framework repaired, US monopoly, repeal, bilateral deals) under misjudged "
            "leverage and limited bandwidth; --links: linked deals under one chip budget",
            options="deals.cli.portfolio:portfolio_options", deal=False,
            example="chipdeals portfolio article --overrate 0.3"),
    Command("facts", "deals.record.facts_view:cmd_facts", "the sourced record the deal files cite: "
            "one fact in full with its source, or the list", options="deals.record.facts_view:"
            "facts_options", deal=False, example="chipdeals facts b5"),
    Command("ratify", "deals.cli.two_level:cmd_ratify", "two-level audit: who at home ratifies "
            "the proposal, delay and power, Schelling's conjecture, mutual optimism, a doubted "
            "threat, what each side's belief costs it",
            options="deals.cli.two_level:ratify_options",
            example="chipdeals ratify allied-sme-netherlands --draws 1000"),
    Command("backtest", "deals.cli.record:cmd_backtest", "is each struck deal inside "
            "the bargaining benchmark's p10-p90 band, before and after conditioning on the "
            "other deals' records (leave one out)", options="deals.cli.record:"
            "backtest_options", deal=False, example="chipdeals backtest --format json"),
    Command("diff", "deals.cli.record:cmd_diff", "what changed across the library "
            "between two dates: each verdict, and the parameters that moved it",
            options="deals.cli.record:diff_options", deal=False,
            example="chipdeals diff --from 2025-06-01 --to 2026-01-15"),
)


#: Commands that solve many draws: at a terminal they say so at once, before their solvers load
#: (a second or more on a busy machine), so a long run is visibly under way from its first second.
LONG_RUNNING = frozenset({"compare", "assess", "calibrate", "stages", "ratify", "backtest",
                          "diff", "portfolio"})


def _starting(words: Sequence[str]) -> None:
    name = next((w for w in words if not w.startswith("-")), "")
    if name in LONG_RUNNING and not {"-h", "--help"} & set(words) and sys.stderr.isatty():
        sys.stderr.write(f"chipdeals {name}: loading the solvers ...\n")
        sys.stderr.flush()


def resolve(name: str) -> Callable[..., Any]:
    """The function a ``"module:function"`` name points to."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


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
        wrong = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if wrong:
            choices = re.findall(r"'([^']*)'", wrong.group(2))
            close = difflib.get_close_matches(wrong.group(1), choices, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


# ---- the parser -----------------------------------------------------------------------------

def build_parser(commands: Sequence[Command] | None = None, only: str | None = None
                 ) -> argparse.ArgumentParser:
    """The argument parser: one subparser per entry of ``commands`` (default :data:`COMMANDS`).

    With ``only``, just that command's own options are added (its module is imported), so that
    ``chipdeals list`` or ``--help`` loads no solver; the other commands stay listed.
    """
    commands = COMMANDS if commands is None else commands
    parser = _Parser(prog="chipdeals", description="Bilateral AI-chip deals as games: "
                     "equilibria, bargaining frontiers,\nand a leverage audit.",
                     epilog="examples:\n  " + "\n  ".join(c.example for c in commands
                                                           if c.example),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_Version, nargs=0, default=argparse.SUPPRESS,
                        help="show program's version number and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in commands:
        p = sub.add_parser(command.name, help=command.help, description=command.help,
                           epilog=f"example: {command.example}" if command.example else None,
                           formatter_class=HelpWithDefaults)
        if command.deal:
            p.add_argument("deal", metavar="DEAL", help="a library name or a .toml file")
            p.add_argument("--set", action="append", metavar="NAME=VALUE",
                           help="use another value for a parameter (repeatable)")
        if command.tables:
            p.add_argument("--format", choices=FORMATS, default="table", help="output format")
            p.add_argument("--output", metavar="DIR|FILE.xlsx",
                           help="also write every table as its own CSV file in DIR, or as one "
                           "sheet each of an Excel workbook FILE.xlsx (needs openpyxl)")
        else:
            p.set_defaults(format="table", output=None)
        if command.options and only in (None, command.name):
            resolve(command.options)(p)
        p.set_defaults(handler=command.handler)
    return parser


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked for (the metadata
    machinery costs every command's start 20-40 ms)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> NoReturn:
        print(f"chipdeals {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import version  # start-up time: only --version reads it

    try:
        return version("chipdeals")
    except Exception:  # not installed (run from a checkout)
        return "(not installed)"


def _message(exc: GameError, args: argparse.Namespace | None) -> str:
    """The error in one line; one found after the deal (or portfolio) was read also names its
    file."""
    text = " ".join(str(exc).split())
    deal = getattr(args, "deal", None) or getattr(args, "portfolio", None)
    if deal and not text.startswith((f"{deal}:", "--")):
        text = f"{deal}: {text}"
    return _visible(text)


def _visible(text: str) -> str:
    """``text`` with its control characters written as escapes: an error quotes names from
    the command line and from files, and ESC [2J in a file's name would clear the terminal.

    >>> print(_visible("no deal 'a" + chr(27) + "[2Jb'"))
    no deal 'a\\x1b[2Jb'
    """
    from deals.deal.reading import CONTROL_CHARACTERS  # start-up time: only errors need it

    return CONTROL_CHARACTERS.sub(lambda found: repr(found.group())[1:-1], text)


#: Commands that run until stopped (a server): their warnings are shown as they come.
_SERVING = ("deals.cli.explore:cmd_explore",)


@contextmanager
def _warnings_unless_refused(handler: str) -> Iterator[None]:
    """Hold the warnings a command gives (NumPy's overflows on numbers of 1e308, say): shown
    when it ends with an answer, dropped when it ends refusing its input, whose one line then
    says what is wrong. A worker process forked meanwhile drops its own."""
    if handler in _SERVING:
        yield
        return
    with warnings.catch_warnings(record=True) as caught:
        yield
    for w in caught:  # reached only when the command did not raise
        warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)


def _check(args: argparse.Namespace) -> None:
    if getattr(args, "resolution", None) is not None and args.resolution < 2:
        raise UsageError("chipdeals: --resolution must be at least 2")
    if getattr(args, "points", 0) < 0:
        raise UsageError("chipdeals: --points must be 0 (all points) or more")
    if getattr(args, "seed", None) is not None:
        from games.parameters import check_seed  # start-up time: parameters load sympy

        check_seed(args.seed)  # every command's --seed: numpy refuses negatives with a traceback
    if getattr(args, "plot", None):
        from deals.views import plots  # start-up time: plots load matplotlib

        plots.image_format(args.plot)  # refused before the work, not after
        plots.text_as_written()  # a '$' in a deal's title is a dollar, not TeX
        _check_writable(args.plot, "--plot")
    if getattr(args, "output", None):
        _check_output(args.output)
    if getattr(args, "keep_draws", None):
        _check_writable(args.keep_draws, "--keep-draws")


def _check_output(path: str) -> None:
    """``--output`` is a folder (one CSV per table) or a workbook ``FILE.xlsx``; nothing else."""
    target = Path(path)
    if target.suffix and target.suffix.lower() != ".xlsx" and not target.is_dir():
        raise UsageError(f"chipdeals: --output {path!r}: give a folder (one CSV file per table) "
                         "or a workbook file ending in .xlsx")
    _check_writable(path, "--output", folder=target.suffix.lower() != ".xlsx")


def _check_writable(path: str, option: str, folder: bool = False) -> None:
    """Refuse an output path that could not be written, before any work is done."""
    why = check_writable(path, folder=folder)
    if why is not None:
        raise UsageError(f"chipdeals: {option} {path!r}: cannot be written: {why}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    words = sys.argv[1:] if argv is None else list(argv)
    args = None
    _starting(words)
    try:
        parser = build_parser(only=next((w for w in words if not w.startswith("-")), ""))
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_OK
        _check(args)
        with _warnings_unless_refused(args.handler):
            report = resolve(args.handler)(args)
        if args.output and str(args.output).lower().endswith(".xlsx"):
            from deals.views.export import write_xlsx  # start-up time: the spreadsheet needs openpyxl

            sections = report.sections if isinstance(report, Report) else report
            write_xlsx(sections, args.output)
            print(f"chipdeals: wrote {_count(len(sections), 'table')} to {args.output}",
                  file=sys.stderr)
        elif args.output:
            written = write_tables(report, args.output)
            print(f"chipdeals: wrote {_count(len(written), 'table')} to {args.output}",
                  file=sys.stderr)
        text = render(report, args.format)
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    except KeyboardInterrupt:
        print("chipdeals: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(_visible(str(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except GameError as exc:
        print("chipdeals: error: " + _message(exc, args), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # --output to a place that cannot be written
        print(_visible(f"chipdeals: error: {exc.filename or ''}: {exc.strerror or exc}"),
              file=sys.stderr)
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


def _count(n: int, noun: str) -> str:
    """'1 table', '3 tables'."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's own flush at exit has nothing left to fail on."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
