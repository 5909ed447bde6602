"""``chipdeals negotiate DEAL``: play one side of a deal against an agent in the terminal."""

from __future__ import annotations

import argparse
import sys

from deals.cli.arguments import deal_from_args
from deals.practice.session import PracticeSession, play_in_terminal
from deals.views.output import Report
from games.negotiation import STANDARD


def cmd_negotiate(args: argparse.Namespace) -> Report:
    """``chipdeals negotiate DEAL --as SIDE --against AGENT``: play one side in the terminal.

    With a machine format (json, csv, markdown) the game's transcript and prompts go to
    stderr, so stdout holds only the result (schema: deals/negotiate.schema.json)."""
    session = PracticeSession(deal_from_args(args), side=args.side, against=args.against,
                              rounds=args.rounds, seed=args.seed)
    if getattr(args, "format", "table") == "table":
        sections = play_in_terminal(session)
    else:
        def read(prompt: str) -> str:
            sys.stderr.write(prompt)
            sys.stderr.flush()
            return input()

        sections = play_in_terminal(session, read=read,
                                    write=lambda text: print(text, file=sys.stderr))
    return Report(tuple(sections), data=session.to_data())


def negotiate_options(parser: argparse.ArgumentParser) -> None:
    """The ``negotiate`` command's own options (the command table adds DEAL and ``--set``)."""
    parser.add_argument("--as", dest="side", choices=("partner", "supplier"),
                        default="partner", help="the side you play")
    parser.add_argument("--against", choices=list(STANDARD), default="boulware",
                        metavar="AGENT",
                        help=f"the agent on the other side: {', '.join(STANDARD)}")
    parser.add_argument("--rounds", type=int, default=12,
                        help="offers before the deadline, one a month")
    parser.add_argument("--seed", type=int, default=0, help="seed of a random agent")
