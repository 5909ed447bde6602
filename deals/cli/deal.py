"""The commands about one deal's model: ``show``, ``solve`` and ``frontier``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from deals.cli import deal_json
from deals.cli.arguments import deal_from_args
from deals.deal.model import Deal
from deals.audit.verdicts import terms_text
from deals.errors import DealError
from deals.numbers import people
from deals.views.output import Report, Section
from deals.deal.stances import tree_outcome
from games import equilibria


def levels_text(levels: Sequence[float]) -> str:
    """A discrete issue's levels as a person lists them.

    >>> levels_text((0.0, 1.5)), levels_text((0, 1, 2))
    ('0 or 1.5', '0, 1 or 2')
    """
    said = [people(float(v)) for v in levels]
    return " or ".join([", ".join(said[:-1]), said[-1]]) if len(said) > 1 else "".join(said)


# ---- list -----------------------------------------------------------------------------------

# ---- show -----------------------------------------------------------------------------------

def _gains_row(deal: Deal, label: str, stated: dict[str, float], bound: Deal,
               values: dict[str, float]) -> dict[str, Any]:
    """A row of the terms on the table: the terms as stated, the gains in their setting."""
    g = bound.finite_gains(values, label)
    return {"terms": label, "issues": terms_text(deal, stated),
            f"{deal.supplier} gain": g[0], f"{deal.partner} gain": g[1]}


def _terms_caption(tabled: list) -> str:
    """What the terms table's gains are, each set of terms' setting and its description."""
    settings = [f"{label} with " + ", ".join(f"{k} = {people(v)}" for k, v in t.setting.items())
                for label, t, _, _ in tabled if t.setting]
    notes = [f"{label}: {t.description}" + (f" [{t.source}]" if t.source else "")
             for label, t, _, _ in tabled if t.description or t.source]
    return ("gains over outside options, $bn per year at point values"
            + (f" (in each terms' own setting: {'; '.join(settings)})" if settings else "")
            + "".join(f"; {n}" for n in notes))


def cmd_show(args: argparse.Namespace) -> Report:
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
                        "sources: rows of the record (chipdeals facts ID), or a modelling "
                        "judgement"),
                Section("utilities", pd.DataFrame(
                    [{"side": deal.party(s), "utility": deal.utility[s].text,
                      "outside option": deal.outside_option[s].text}
                     for s in ("supplier", "partner")]).set_index("side"),
                    "definitions: " + "; ".join(f"{k} = {e.text}"
                                                for k, e in deal.definitions.items())
                    if deal.definitions else "no definitions"),
                Section("stances", stances)]
    tabled = deal_json.terms_on_the_table(deal)
    if tabled:
        rows = [_gains_row(deal, label, dict(t.values), bound, values)
                for label, t, bound, values in tabled]
        sections.append(Section("terms on the table", pd.DataFrame(rows).set_index("terms"),
                                _terms_caption(tabled)))
    if deal.belief is not None:
        point = deal.values()
        frame = pd.DataFrame([{"parameter": k, "point value": point[k], "drafter assumed": v}
                              for k, v in deal.belief.values.items()]).set_index("parameter")
        at, terms = deal.at_belief(), {}
        if deal.proposal:  # in the proposal's setting, as the terms table
            at, terms = at.at_terms("proposal")
        g = at.finite_gains(terms, "proposal (drafter's belief)")
        sections.append(Section("drafter's belief", frame, deal.belief.description
                                + f"; at these values the proposal's gains are {people(g[0])} "
                                f"({deal.supplier}) and {people(g[1])} ({deal.partner}), $bn "
                                "per year"))
    rows = deal_json.show_rows(deal)
    rows["deal"] = [{"field": f, "value": v} for f, v in (
        ("title", deal.title), ("supplier", deal.supplier), ("partner", deal.partner),
        ("supplier's bargaining power", deal.bargaining_power()))]
    return Report(tuple(sections), deal_json.envelope("show", deal, sections, rows))


# ---- solve ----------------------------------------------------------------------------------

def cmd_solve(args: argparse.Namespace) -> Report:
    deal = deal_from_args(args)
    sections = []
    rows: dict[str, list[dict[str, Any]]] = {}
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
        rows["stance_game"] = deal_json.stance_game_rows(game)
        rows["stance_game_equilibria"] = deal_json.equilibrium_rows(found)
        outcome = tree_outcome(deal)
        tree = outcome.to_frame()
        tree_caption = outcome.caption()
        if not detail and outcome.threats:
            tree = tree[tree.index != "non-credible threat"]
            tree_caption = (f"{deal.name}: the offer tree played backwards from its end; "
                            f"{len(outcome.threats)} threats to walk away would not be carried "
                            "out if tested (--detail lists them; 'non-credible threat' in "
                            "docs/glossary.md)")
        note = outcome.tie_note()
        sections.append(Section("offer tree", tree, tree_caption,
                                notes=(note,) if note else ()))
        rows["offer_tree"] = deal_json.offer_tree_rows(deal, outcome)
    sols = deal.solutions(resolution=args.resolution)
    sections.append(Section("bargaining solutions", _at_ends(sols.to_frame(), deal),
                            sols.caption()))
    zone = deal.zone_of_agreement(resolution=args.resolution)
    ranges = zone.issue_ranges()
    frame = pd.DataFrame([{"issue": k, "low": lo, "high": hi} for k, (lo, hi) in ranges.items()],
                         columns=["issue", "low", "high"]).set_index("issue")
    sections.append(Section("zone of agreement", frame,
                            zone.message + "; issue ranges over the zone's frontier outcomes"))
    rows["bargaining_solutions"] = deal_json.solution_rows(deal, sols)
    rows["zone_of_agreement"] = deal_json.zone_rows(deal, ranges)
    return Report(tuple(sections), deal_json.envelope("solve", deal, sections, rows))


# ---- frontier -------------------------------------------------------------------------------

def cmd_frontier(args: argparse.Namespace) -> Report:
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
    units = [f"{i.name} in {i.unit}" for i in deal.issues if i.unit and i.name in frame]
    caption += (f"; {deal.supplier} and {deal.partner}: utility in $bn per year"
                + "".join(f"; {u}" for u in units))
    sections = [Section(f"{deal.name}: Pareto frontier ($bn per year)", shown, caption,
                        name="frontier")]
    if args.plot:
        _plot(deal, args)
    return Report(tuple(sections), deal_json.envelope(
        "frontier", deal, sections, {"frontier": deal_json.frontier_rows(deal, shown)}))


def _plot(deal: Deal, args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")  # a command line draws to files, never to a window

    from games.bargaining import plot_frontier  # start-up time: plots load matplotlib

    problem = deal.bargaining_problem(resolution=args.resolution)
    factors = deal.discount_factors()
    proposal = dict(deal.outcome_values(deal.proposal.values)) if deal.proposal else None
    ax = plot_frontier(problem, power=deal.bargaining_power(), rubinstein=factors,
                       proposal=proposal, show_points=False, unit="$bn per year")
    from deals.views.plots import mark_struck, save_figure  # start-up time: plots load matplotlib

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


#: Share of an issue's range within which a solution's value is shown as the range's end: the
#: continuous refinement stops a rounding step from it (2.8e-09 of a 0-to-1 issue is 0).
END_SNAP = 1e-6


def _at_ends(frame: pd.DataFrame, deal: Deal) -> pd.DataFrame:
    """The solutions' table for people: an issue's value within :data:`END_SNAP` of its
    range's span of an end is shown as that end (the JSON keeps the solver's numbers)."""
    frame = frame.copy()
    for issue in deal.issues:
        if issue.name in frame.columns:
            lo, hi = (float(v) for v in issue.range)
            near = END_SNAP * (hi - lo)
            column = frame[issue.name].astype(float)
            column = column.mask((column - lo).abs() <= near, lo)
            frame[issue.name] = column.mask((column - hi).abs() <= near, hi)
    return frame

