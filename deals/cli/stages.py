"""The staged-deal command of ``chipdeals``: ``stages DEAL``.

Registered into :mod:`deals.cli.commands` through its ``EXTRA_COMMANDS``.
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from deals.cli.arguments import add_draws, at_least, deal_from_args
from deals.errors import DealError
from deals.views.output import Section
from deals.stages.planning import stage_plan
from deals.stages.values import information_value, snapback_value, verification_value


#: Most draws per point of the value curves (each curve has a few dozen points).
MAX_CURVE_DRAWS = 100_000


def cmd_stages(args: argparse.Namespace) -> list[Section]:
    deal = deal_from_args(args)
    if not 1 <= args.curve_draws <= MAX_CURVE_DRAWS:
        raise DealError(f"--curve-draws must lie from 1 to {MAX_CURVE_DRAWS:,} (each point of a "
                        "value curve solves that many draws)")
    plan = stage_plan(deal, args.draws, args.seed, confidence=args.confidence)
    table = plan.to_frame().copy()
    table["safe"] = [("" if pd.isna(x) else f"{x:.0%}") for x in table["safe"]]
    table["accepted"] = [f"{x:.0%}" for x in table["accepted"]]
    for col in ("US gain", "vs worse type"):
        table[col] = table[col].round(2)
    sections = [Section(f"{deal.name}: staged plan for {plan.issue} ({plan.unit})", table,
                        "\n".join(plan.summary()))]
    reach = pd.DataFrame({"stage": range(1, len(plan.reach) + 1),
                          "milestone": list(deal.stages.milestones) or [""] * len(plan.reach),
                          "P(breach under way)": [f"{p:.1%}" for p in plan.reach.mean(axis=1)]}
                         ).set_index("stage")
    sections.append(Section("probability that a breach reaches each stage undetected", reach,
                            "mean over draws and the partner's types"))
    for curve in (verification_value(deal, draws=args.curve_draws, seed=args.seed),
                  snapback_value(deal, draws=args.curve_draws, seed=args.seed)):
        frame = curve.to_frame().round(3)
        frame["best first tranche"] = [f"{x:,.0f}" for x in frame["best first tranche"]]
        sections.append(Section(f"value of the {curve.lever}", frame,
                                curve.caption() + f"\nMost worth paying for it: "
                                f"{curve.most_worth:.2f} per year"))
    voi = information_value(deal, args.draws, args.seed)
    ranked = voi.to_frame().head(args.top).round(4)
    sections.append(Section("what is worth researching: value of perfect information", ranked,
                            voi.caption()))
    if args.plot:
        _plot(deal, args)
        sections.append(Section("plot", pd.DataFrame({"file": [args.plot]}),
                                "the supplier's value against the detection probability"))
    return sections


def _plot(deal: Any, args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")

    from deals.views.plots import save_figure  # start-up time: plots load matplotlib

    ax = verification_value(deal, draws=args.curve_draws, seed=args.seed).plot()
    save_figure(ax.figure, args.plot)


def stages_options(p: Any) -> None:
    """The ``stages`` command's own options (the command table adds DEAL, ``--set``, formats)."""
    add_draws(p, 10_000)
    p.add_argument("--curve-draws", type=int, default=2_000,
                   help="draws for each point of the value curves")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--confidence", type=float, default=0.9,
                   help="share of draws in which the plan's first tranche must be safe")
    p.add_argument("--top", type=at_least(1), default=8, help="parameters to rank")
    p.add_argument("--plot", metavar="FILE.png", help="draw the value-of-verification curve")
