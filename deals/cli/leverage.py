"""The leverage commands of ``chipdeals``: ``compare`` (the main job) and ``assess``.

Both are entries of :data:`deals.cli.commands.COMMANDS`. ``--format json`` writes the documented schema
(``Comparison.to_dict()`` / ``Assessment.to_dict()``, checked against
``deals/audit.schema.json``); the table is built for a person at the terminal's width.
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

import deals
from deals.cli.arguments import add_draws, deal_from_args
from deals.audit.assessment import TERMS, Assessment, Thresholds, terms_text_of
from deals.numbers import people
from deals.views.output import Report, Section, terminal_width
from deals.audit.surplus import MATERIAL
from deals.audit.verdicts import SHORT, amount, sentence_case, the, verdict_prose

#: Monte Carlo draws per deal by default: enough for acceptance shares to +-1 point (2 s.e.).
COMPARE_DRAWS = 2_000
ASSESS_DRAWS = 10_000
#: Widths from which compare adds columns, and then percentile ranges.
WIDE, WIDER = 110, 170


def _thresholds(args: argparse.Namespace) -> Thresholds:
    return Thresholds(over_acceptance=args.over_acceptance, under_acceptance=args.under_acceptance,
                      under_rho=args.under_rho, efficiency_margin=args.efficiency_margin)


def _save(ax: Any, path: str) -> None:
    from deals.views.plots import save_figure  # start-up time: plots load matplotlib

    save_figure(ax.figure, path)


def _agg() -> None:
    import matplotlib

    matplotlib.use("Agg")  # a command line draws to files, never to a window


def _spread(r: dict) -> str:
    return f"{people(r['median'])} ({people(r['p10'])} to {people(r['p90'])})"


def _short(a: Assessment | None, side: str = "supplier") -> str:
    if a is None:
        return "none"
    return SHORT[side][a.verdicts[side]].format(who=the(a.parties[side]))


# ---- compare --------------------------------------------------------------------------------

def compare_display(comparison: "deals.Comparison", width: int) -> pd.DataFrame:
    """The comparison for people: verdicts, acceptance and the money, narrow or wide."""
    rows = []
    for a in comparison:
        g = a.gains
        row = {"deal": a.deal, "supplier verdict": _short(a),
               "partner accepts": people(a.acceptance["partner"], "percent"),
               "supplier worse off": people(a.worse_off["supplier"], "percent"),
               "supplier gain": people(g["proposal"]["supplier"]["median"])}
        if width >= WIDE:
            row["partner verdict"] = _short(a, "partner")
            row["at benchmark"] = people(g["benchmark"]["supplier"]["median"])
            if width >= WIDER:
                row["supplier gain"] = _spread(g["proposal"]["supplier"])
                row["at benchmark"] = _spread(g["benchmark"]["supplier"])
            row["best ask accepted"] = people(a.ask["acceptance"], "percent")
        row["struck deal"] = _short(comparison.struck_of(a.deal))
        rows.append(row)
    return pd.DataFrame(rows)


def compare_notes(comparison: "deals.Comparison") -> tuple[str, ...]:
    """One paragraph per deal: terms, the money, both verdicts, surplus, the struck deal."""
    notes = []
    for i, a in enumerate(comparison, 1):
        s, p = the(a.parties["supplier"]), the(a.parties["partner"])
        g, u = a.gains, a.gain_unit
        text = [f"{i}. {a.deal} ({a.proposal_source}): {a.terms_words}.",
                f"{sentence_case(s)}'s gain: {_spread(g['proposal']['supplier'])} {u} (median, "
                f"p10 to p90), against {_spread(g['benchmark']['supplier'])} at the bargaining "
                f"benchmark; {p} accepts in {people(a.acceptance['partner'], 'percent')}, {s} "
                f"is worse off than with no deal in {people(a.worse_off['supplier'], 'percent')}.",
                verdict_prose(a.verdicts, a.parties)]
        text += [f"{t}." for t in a.surplus_text["supplier"]]
        text.append(f"Best take-it-or-leave-it ask: {terms_text_of(a, a.ask['terms'])}, accepted "
                    f"in {people(a.ask['acceptance'], 'percent')}, expected gain "
                    f"{people(a.ask['expected_gain'])} {u}.")
        struck = comparison.struck_of(a.deal)
        if struck is not None:
            text.append(f"As struck ({struck.terms_words}): {struck.verdict_text['supplier']}.")
        if a.two_level is not None:  # issue 16: ratification, breakdown, a doubted threat
            text.append(a.two_level.short())
        notes.append(" ".join(text))
    return tuple(notes)


def cmd_compare(args: argparse.Namespace) -> Report:
    chosen = args.deals or None
    comparison = deals.compare([deals.load(d) for d in chosen] if chosen else None,
                               draws=args.draws, seed=args.seed, thresholds=_thresholds(args),
                               progress=None, terms=args.terms, jobs=args.jobs)
    width = terminal_width()
    caption = (comparison.caption() + f"; gains in {comparison.gain_unit}, supplier gain and "
               "benchmark as median" + (" (p10 to p90)" if width >= WIDER else "")
               + "; struck deal: the verdict on [outcome], the deal as struck"
               + ("" if width >= WIDE else "; the benchmark and more in the notes above"))
    sections = [Section("leverage of each deal's terms", comparison.to_frame(), caption,
                        name="compare", display=compare_display(comparison, width),
                        notes=compare_notes(comparison))]
    if args.plot:
        _agg()
        _save(comparison.plot(), args.plot)
    return Report(tuple(sections), data=comparison.to_dict())


# ---- assess ---------------------------------------------------------------------------------

def assess_sections(a: Assessment) -> tuple[Section, ...]:
    """Every table of one audit: verdict, figures, drivers, one-at-a-time, surplus."""
    u = a.gain_unit
    verdict = pd.DataFrame([{
        "side": side, "party": a.parties[side], "verdict": a.verdicts[side],
        "flag": a.flags[side], "accepts": a.acceptance[side],
        "gain median": a.gains["proposal"][side]["median"],
        "gain p10": a.gains["proposal"][side]["p10"], "gain p90": a.gains["proposal"][side]["p90"],
        "benchmark gain median": a.gains["benchmark"][side]["median"]}
        for side in ("supplier", "partner")]).set_index("side")
    shown_verdict = pd.DataFrame({
        "side": [f"{a.parties[side]} ({side})" for side in verdict.index],
        "verdict": [_short(a, side) for side in verdict.index], "flag": verdict["flag"].tolist(),
        "accepts": [people(v, "percent") for v in verdict["accepts"]],
        "median gain": [people(v) for v in verdict["gain median"]],
        "p10": [people(v) for v in verdict["gain p10"]],
        "p90": [people(v) for v in verdict["gain p90"]],
        "at benchmark": [people(v) for v in verdict["benchmark gain median"]]})
    figures = a.to_frame()
    shown = figures.copy()
    shown["value"] = [people(v, "percent" if k.startswith(("P(", "share", "optimal ask acc"))
                             else "number") for k, v in figures["value"].items()]
    drivers = a.drivers.copy()
    shown_drivers = drivers.reset_index().astype(object)
    for column in drivers.columns:  # correlations to two decimals: 6e-05 is no correlation
        if "correlation" in str(column):
            shown_drivers[column] = [f"{round(float(v), 2) + 0.0:.2f}" for v in drivers[column]]
    tornado = a.tornado.copy()
    surplus = pd.DataFrame([{"side": side, **r} for side in ("supplier", "partner")
                            for r in a.surplus[side]],
                           columns=["side", "issue", "proposed", "still_accepted", "acceptance",
                                    "best", "expected_gain_proposed", "expected_gain_best"])
    point = tornado.attrs
    issues = a.records.get("issues", {})

    def level(column: str) -> list[str]:  # in the issue's own words: '100%', '$1bn', '3,000'
        return [amount(issues[i], v, unit=False) if i in issues else people(v)
                for i, v in zip(surplus["issue"], surplus[column])]

    shown_surplus = pd.DataFrame({
        "side": surplus["side"], "issue": surplus["issue"],
        "proposed": level("proposed"), "still accepted": level("still_accepted"),
        "best for the side": level("best"),
        f"expected gain up ({u})": [people(b - p) for b, p in
                                    zip(surplus["expected_gain_best"],
                                        surplus["expected_gain_proposed"])]})
    return (
        Section(f"{a.deal}: leverage audit of {a.proposal_source}", verdict,
                f"gains in {u} over no deal: median, 10th and 90th percentiles over {a.draws:,} "
                "draws; at benchmark: the median gain at the bargaining benchmark",
                name="verdict", notes=tuple(a.explain().splitlines()[1:]),
                display=shown_verdict),
        Section("figures", figures, "rho = the supplier's gain at these terms / its gain at the "
                "bargaining benchmark: 1 claims what its position supports, below 1 less, below 0 "
                "the supplier loses from the terms (NaN where no zone of agreement); "
                + a.caption(), name="figures", display=shown),
        Section("drivers: what moves each side's gain at these terms", drivers,
                f"swing: |gain with the parameter at its high end - at its low end| ({u}), the "
                "others at point values; parameters with no swing are left out; rank "
                "correlation: Spearman, with the gain over the draws", name="drivers",
                display=shown_drivers),
        Section("one parameter at a time (others at point values)", tornado,
                f"gains in {u}; at point values: supplier "
                f"{people(point.get('supplier gain at point values', float('nan')))}, partner "
                f"{people(point.get('partner gain at point values', float('nan')))}",
                name="one_at_a_time", display=tornado.drop(columns=[
                    "supplier swing", "partner swing", "largest swing"])),
        Section("surplus left on the table", surplus, "levels the other side still accepts in "
                f">= {a.thresholds.under_acceptance:.0%} of worlds, one issue at a time; listed "
                f"only where asking for them raises the asker's expected gain (take it or leave it) by "
                f"at least {MATERIAL:.0%} of its gains' scale",
                name="surplus", display=shown_surplus),
    )


def cmd_assess(args: argparse.Namespace) -> Report:
    deal = deal_from_args(args)
    a = deals.assess(deal, draws=args.draws, seed=args.seed, thresholds=_thresholds(args),
                     progress=None, terms=args.terms, jobs=args.jobs)
    if args.plot:
        _agg()
        _save(a.plot_drivers(), args.plot)
    return Report(assess_sections(a), data=a.to_dict())


# ---- options --------------------------------------------------------------------------------

def _common(parser: argparse.ArgumentParser, draws: int) -> None:
    parser.add_argument("--terms", choices=TERMS, default="proposal",
                        help="what to audit: the proposal, the deal as struck ([outcome]), or "
                        "the supplier's optimal ask at the drafter's belief ([belief])")
    add_draws(parser, draws, "Monte Carlo draws of the parameters")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw a chart to a file")
    t = Thresholds()
    parser.add_argument("--over-acceptance", type=float, metavar="P", default=t.over_acceptance,
                        help="over-reach below this acceptance probability")
    parser.add_argument("--under-acceptance", type=float, metavar="P", default=t.under_acceptance,
                        help="risk band below this acceptance probability")
    parser.add_argument("--under-rho", type=float, metavar="RHO", default=t.under_rho,
                        help="underpriced at a median leverage ratio at most this")
    parser.add_argument("--efficiency-margin", type=float, metavar="MARGIN", default=t.efficiency_margin,
                        help="inefficient when another package is this much better for both")


def _jobs(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--jobs", type=int, metavar="N", default=0,
                        help=f"{what} (default 0: one per core; 1: all in this process); the "
                        "results do not depend on it")


def compare_options(parser: argparse.ArgumentParser) -> None:
    """``compare``'s arguments: deals, terms, draws, thresholds."""
    parser.add_argument("deals", nargs="*", metavar="DEAL", help="library names or .toml files")
    _common(parser, COMPARE_DRAWS)
    _jobs(parser, "audit N deals at once in worker processes")


def assess_options(parser: argparse.ArgumentParser) -> None:
    """``assess``'s arguments: terms, draws, thresholds."""
    _common(parser, ASSESS_DRAWS)
    _jobs(parser, "spread the draws and the rest of the audit over N worker processes")
