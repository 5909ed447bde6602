"""The staged-deal command of ``chipdeals``: ``stages DEAL``.

Registered into :mod:`deals.cli.commands` through its ``EXTRA_COMMANDS``.
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from deals.cli.arguments import add_draws, at_least, deal_from_args
from deals.cli.given import given_from, given_option, given_section
from deals.errors import DealError
from deals.numbers import people
from deals.views.output import GLOSSARY_LINE, Report, Section
from deals.stages.planning import level_text, stage_plan
from deals.stages.values import information_value, snapback_value, verification_value


#: Most draws per point of the value curves (each curve has a few dozen points).
MAX_CURVE_DRAWS = 100_000


#: Version of ``chipdeals stages --format json`` (deals/stages.schema.json).
STAGES_SCHEMA_VERSION = 1


def cmd_stages(args: argparse.Namespace) -> Report:
    deal = deal_from_args(args)
    if args.curve_draws is None:  # the plan's own draws: one sample, so one one-shot value
        args.curve_draws = min(args.draws, MAX_CURVE_DRAWS)
    if not 1 <= args.curve_draws <= MAX_CURVE_DRAWS:
        raise DealError(f"--curve-draws must lie from 1 to {MAX_CURVE_DRAWS:,} (each point of a "
                        "value curve solves that many draws)")
    given = given_from(args)
    plan = stage_plan(deal, args.draws, args.seed, confidence=args.confidence, given=given)
    money = "$bn per year"
    table = plan.to_frame().copy()
    table["safe"] = [("" if pd.isna(x) else f"{x:.0%}") for x in table["safe"]]
    table["accepted"] = [f"{x:.0%}" for x in table["accepted"]]
    for col in ("supplier gain", "vs worse type"):
        table[col] = [people(round(float(x), 2)) for x in table[col]]
    table = table.rename(columns={"supplier gain": "supplier gain ($bn/yr)",
                                  "vs worse type": "vs worse type ($bn/yr)"})
    table.index.name = f"first tranche ({plan.unit})"
    sections = [Section(f"staged plan for {plan.issue}", table,
                        "\n".join(plan.summary(detail=args.detail)), name="staged_plan")]
    milestones = list(deal.stages.milestones) or [""] * len(plan.reach)
    reach = pd.DataFrame({"stage": range(1, len(plan.reach) + 1),
                          "milestone": milestones,
                          "breach under way, undetected": [f"{p:.1%}"
                                                           for p in plan.reach.mean(axis=1)]}
                         ).set_index("stage")
    sections.append(Section("how likely a breach reaches each stage undetected", reach,
                            "mean over draws and the partner's types", name="breach_reach"))
    data: dict[str, Any] = {
        "schema_version": STAGES_SCHEMA_VERSION, "command": "stages", "deal": deal.name,
        "draws": args.draws, "curve_draws": args.curve_draws, "seed": args.seed,
        "gain_unit": money, "plan": plan.to_data(),
        "breach_reach": [{"stage": k + 1, "milestone": m, "p_breach_under_way": float(p)}
                         for k, (m, p) in enumerate(zip(milestones, plan.reach.mean(axis=1)))],
        "value_curves": [], "information_value": None}
    curves = (verification_value(deal, draws=args.curve_draws, seed=args.seed, given=given),
              snapback_value(deal, draws=args.curve_draws, seed=args.seed, given=given))
    for curve in curves:
        frame = curve.to_frame().copy()
        frame["best first tranche"] = [level_text(x) for x in frame["best first tranche"]]
        for col in ("US gain", "worth vs now"):
            frame[col] = [people(round(float(x), 3)) for x in frame[col]]
        frame = frame.rename(columns={"US gain": "supplier gain ($bn/yr)",
                                      "worth vs now": "worth it ($bn/yr)",
                                      "best first tranche": "best first tranche"})
        sections.append(Section(f"value of the {curve.lever}", frame,
                                curve_caption(curve, plan, money),
                                name=f"value_of_{curve.lever.replace(' ', '_')}"))
        data["value_curves"].append({
            "lever": curve.lever, "draws": curve.draws, "one_shot": curve.one_shot,
            "under_the_files_terms": curve.current, "most_worth": curve.most_worth,
            "points": [{"level": float(x), "supplier_gain": float(v),
                        "worth_vs_now": max(0.0, float(v) - curve.current),
                        "best_first_tranche": float(f)}
                       for x, v, f in zip(curve.levels, curve.value, curve.best_first)]})
    voi = information_value(deal, args.draws, args.seed,
                            sample=None if given is None or given.empty else
                            given.values_for(deal, args.draws, args.seed))
    data["information_value"] = {
        "total": voi.total, "best_action": voi.best_action, "value_without": voi.value_without,
        "bins": voi.bins, "parameters": [{"parameter": n, "value": v,
                                          "share": v / voi.total if voi.total > 0 else 0.0}
                                         for n, v in voi.ranking()]}
    if args.detail:
        ranked = voi.to_frame().head(args.top).round(4)
        sections.append(Section("what is worth researching: value of perfect information", ranked,
                                voi.caption() + f" ({money})", name="information_value"))
    else:
        ranked = pd.DataFrame([{"parameter": n, f"worth knowing ({money})": people(round(v, 3)),
                                "share": f"{v / voi.total:.0%}" if voi.total > 0 else "0%"}
                               for n, v in voi.ranking()[:args.top]])
        if len(ranked):
            ranked = ranked.set_index("parameter")
        sections.append(Section(
            "what is worth researching", ranked,
            "how much more the supplier would expect to gain, per year, if it learnt the "
            "parameter's true value before choosing its first tranche (the value of perfect "
            f"information, over {voi.draws:,} draws)" + GLOSSARY_LINE,
            name="information_value"))
    if args.plot:
        _plot(curves[0], args.plot)
    return Report(tuple(sections) + tuple(given_section(given)), data=data)


def curve_caption(curve: Any, plan: Any, money: str) -> str:
    """What a value curve's table shows. Over the plan's own draws (the default), its one-shot
    and file's-terms values are the plan table's, to the digit; over fewer draws they are
    estimates from another sample, and the caption says so instead of repeating them."""
    same = curve.draws == plan.draws
    reference = (f"under the file's terms {people(round(curve.current, 2))} {money}, over the "
                 f"same {curve.draws:,} draws as the plan table" if same else
                 f"under the file's terms {people(round(curve.current, 2))} {money} over these "
                 f"{curve.draws:,} draws (--curve-draws), not the plan table's {plan.draws:,}")
    return (f"the supplier's mean expected gain from its best staged plan at each "
            f"{curve.lever} ({money}); {reference}; best first tranche in {plan.unit}; "
            "worth it: the supplier's gain over the file's terms\n"
            f"Most worth paying for it: {people(round(curve.most_worth, 3))} {money}")


def _plot(curve: Any, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")

    from deals.views.plots import save_figure  # start-up time: plots load matplotlib

    save_figure(curve.plot().figure, path)


def stages_options(p: Any) -> None:
    """The ``stages`` command's own options (the command table adds DEAL, ``--set``, formats)."""
    add_draws(p, 10_000)
    p.add_argument("--curve-draws", type=at_least(1), default=None,
                   help="draws for each point of the value curves (default: the plan's "
                   "draws, the same sample, so every one-shot value printed is one number)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--confidence", type=float, default=0.9,
                   help="share of draws in which the plan's first tranche must be safe")
    p.add_argument("--top", type=at_least(1), default=8, help="parameters to rank")
    p.add_argument("--plot", metavar="FILE.png", help="draw the value-of-verification curve")
    p.add_argument("--detail", action="store_true",
                   help="also print the specialist lines (the solver, the value of perfect "
                   "information's method; see docs/glossary.md)")
    given_option(p)
