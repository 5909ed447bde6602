"""The two-level command of ``chipdeals``: ``ratify DEAL`` (an entry of ``deals.cli.commands.COMMANDS``)."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from deals.cli.arguments import add_draws, deal_from_args
from deals.two_level.beliefs import belief_cost
from deals.errors import DealError
from deals.views.output import GLOSSARY_LINE, Report, Section
from deals.two_level.ratification import two_level

#: Version of ``chipdeals ratify --format json`` (deals/ratify.schema.json).
RATIFY_SCHEMA_VERSION = 1


def cmd_ratify(args: argparse.Namespace) -> Report:
    deal = deal_from_args(args)
    if args.draws < 1:
        raise DealError("--draws must be at least 1")
    result = two_level(deal, args.draws, args.seed)
    sections = [Section(f"{deal.name}: who at home must say yes, and what each side believes",
                        _plain(result.to_frame(), args.detail), "\n".join(result.summary(detail=args.detail))
                        + GLOSSARY_LINE)]
    if result.threat is not None:
        sections.append(Section("the proposal's threat under doubt: the partner's answer",
                                result.threat.to_frame(), result.threat.caption()))
    data = {"schema_version": RATIFY_SCHEMA_VERSION, "command": "ratify", **result.to_data(),
            "belief_costs": []}
    if deal.beliefs is not None:
        rows = {}
        for side in deal.beliefs:
            c = belief_cost(deal, side, args.draws, args.seed)
            data["belief_costs"].append({
                "side": side, "party": deal.party(side), "expects": c.expected_by_side,
                "gets": c.realised, "best_ask_gets": c.best, "belief_costs": c.cost,
                "ask_accepted": c.acceptance})
            rows[deal.party(side)] = {
                "expects": round(c.expected_by_side, 2), "gets": round(c.realised, 2),
                "best ask gets": round(c.best, 2), "belief costs": round(c.cost, 2),
                "ask accepted": f"{c.acceptance:.0%}"}
        sections.append(Section(
            "what each side's belief costs it", pd.DataFrame(rows).T.rename_axis("side"),
            "$bn per year: each side's take-it-or-leave-it ask designed under its own belief, "
            "judged under the analyst's distribution, against the best ask under that "
            "distribution"))
    return Report(tuple(sections), data=data)


def _plain(frame: pd.DataFrame, detail: bool) -> pd.DataFrame:
    """The table without its specialist rows (win-sets, bargaining power) unless ``detail``."""
    if detail:
        return frame
    keep = [not any(w in str(q) for w in ("win-set", "supplier power", "negotiator's gain"))
            for q in frame.index]
    return frame[keep]


def ratify_options(p: Any) -> None:
    """The ``ratify`` command's own options (the command table adds DEAL, ``--set``, formats)."""
    add_draws(p, 2_000)
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--detail", action="store_true",
                   help="also print the specialist lines (bargaining power, Schelling's "
                   "win-sets; see docs/glossary.md)")
