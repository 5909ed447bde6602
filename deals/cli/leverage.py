"""The leverage commands of ``chipdeals``: ``compare`` (the main job) and ``assess``.

Both are entries of :data:`deals.cli.commands.COMMANDS`. ``--format json`` writes the documented schema
(``Comparison.to_dict()`` / ``Assessment.to_dict()``, checked against
``deals/audit.schema.json``); the table is built for a person at the terminal's width.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

import deals
from deals.cli.arguments import add_draws, add_jobs, deal_from_args
from deals.cli.given import given_from, given_option, given_section
from deals.audit.assessment import TERMS, Assessment, Thresholds, terms_text_of
from deals.audit.comparison import has_terms, main_driver
from deals.numbers import people
from deals.views.output import GLOSSARY_LINE, Report, Rows, Section, terminal_width
from deals.audit.surplus import MATERIAL
from deals.audit.streaming import MAX_KEPT_DRAWS
from games.writing import replacing
from deals.audit.verdicts import FLAG_WORDS, amount, edge_words, label, sentence_case, the, verdict, verdict_prose

if TYPE_CHECKING:  # pandas loads only for assess's tables (start-up time)
    import pandas as pd

#: Monte Carlo draws per deal by default: enough for acceptance shares to +-1 point (2 s.e.).
COMPARE_DRAWS = 2_000
ASSESS_DRAWS = 10_000
#: Widths from which compare adds columns, and then percentile ranges.
WIDE, WIDER = 110, 170


def _thresholds(args: argparse.Namespace) -> Thresholds:
    return Thresholds(over_acceptance=args.over_acceptance, under_acceptance=args.under_acceptance,
                      under_rho=args.under_rho, efficiency_margin=args.efficiency_margin)


def _progress() -> bool:
    """A bar on stderr only at a terminal, shown from the start (a pipe or a file gets none)."""
    return sys.stderr.isatty()


def announce(text: str) -> None:
    """One line on stderr at once, only at a terminal: a long run is visibly under way before
    its first task ends (the bar then counts the tasks)."""
    if sys.stderr.isatty():
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def _save(ax: Any, path: str) -> None:
    from deals.views.plots import save_figure  # start-up time: plots load matplotlib

    save_figure(ax.figure, path)


def _agg() -> None:
    import matplotlib

    matplotlib.use("Agg")  # a command line draws to files, never to a window


def _spread(r: dict) -> str:
    return f"{people(r['median'])} ({people(r['p10'])} to {people(r['p90'])})"


#: What a table prints for a deal with no struck deal (a verdict word would mislead).
NOT_STRUCK = "-"


#: The mark of a verdict within Monte Carlo error of a threshold (explained under the table).
EDGE = "*"


def _short(a: Assessment | None, side: str = "supplier") -> str:
    if a is None:
        return NOT_STRUCK
    return label(a.verdicts[side], side, a.parties) + (EDGE if a.borderline.get(side) else "")


def edge_caption(audits: list[Assessment | None]) -> str:
    """The caption's line for borderline verdicts, or '' when there are none."""
    if not any(a is not None and any(a.borderline.values()) for a in audits):
        return ""
    return (f"; {EDGE}: on the edge, a share that decides the verdict is within 2 Monte Carlo "
            "standard errors of its threshold (more draws settle it; see the notes)")


def edge_notes(a: Assessment) -> tuple[str, ...]:
    """One line per side whose verdict is marked on the edge: which verdict it is near."""
    return tuple(f"{sentence_case(the(a.parties[side]))}'s verdict is {mark.strip()[1:-1]}."
                 for side in ("supplier", "partner")
                 if (mark := edge_words(a.borderline.get(side), side, a.parties)))


def _driver(a: Assessment) -> str:
    return main_driver(a) or "-"


def leverage_reading(a: Assessment) -> str:
    """How the supplier read its leverage, from its verdict: 'over-estimated' (over-reach),
    'under-estimated' (self-defeating, underpriced), 'about right' (the rest)."""
    return verdict(a.verdicts["supplier"]).leverage


# ---- compare --------------------------------------------------------------------------------

def compare_display(comparison: "deals.Comparison", width: int) -> Rows:
    """The comparison for people: verdict, leverage ratio and its reading, acceptance, the
    main driver, the struck deal's verdict; wider terminals add the money."""
    rows = []
    for a in comparison:
        g = a.gains
        row = {"deal": a.deal, "supplier verdict": _short(a),
               "leverage (rho)": people(a.rho["supplier"]["median"]),
               "leverage read": leverage_reading(a),
               "partner accepts": people(a.acceptance["partner"], "percent"),
               "main driver": _driver(a)}
        if width >= WIDE:
            row["partner verdict"] = _short(a, "partner")
            row[f"supplier gain ({comparison.gain_unit})"] = people(
                g["proposal"]["supplier"]["median"])
            row["at benchmark"] = people(g["benchmark"]["supplier"]["median"])
            if width >= WIDER:
                row[f"supplier gain ({comparison.gain_unit})"] = _spread(g["proposal"]["supplier"])
                row["at benchmark"] = _spread(g["benchmark"]["supplier"])
        row["struck deal"] = ("imposed" if a.deal in comparison.imposed
                              else _short(comparison.struck_of(a.deal)))
        rows.append(row)
    columns = tuple(rows[0]) if rows else ()
    return Rows(columns, tuple(tuple(row[c] for c in columns) for row in rows))


def compare_notes(comparison: "deals.Comparison", detail: bool = False) -> tuple[str, ...]:
    """One short note per deal (why, in two or three lines); ``detail`` adds the terms, the
    money, the surplus, the struck deal's terms and the two-level summary."""
    notes = []
    for i, a in enumerate(comparison, 1):
        s, p = the(a.parties["supplier"]), the(a.parties["partner"])
        g, u = a.gains, a.gain_unit
        v = verdict(a.verdicts["supplier"])
        text = [f"{i}. {a.deal}: {v.reason('supplier', s, p)} ({p} accepts "
                f"{people(a.acceptance['partner'], 'percent')})"
                f"{edge_words(a.borderline.get('supplier'), 'supplier', a.parties)}."]
        struck = comparison.struck_of(a.deal)
        if struck is None and a.deal in comparison.imposed:
            text.append("As struck: the terms were imposed by one side, not bargained, so "
                        "they are not audited.")
        if struck is not None and struck.borderline.get("supplier"):
            text.append(f"As struck: {label(struck.verdicts['supplier'], 'supplier', a.parties)}"
                        f"{edge_words(struck.borderline['supplier'], 'supplier', a.parties)}.")
        if len(a.driver_table):
            top = a.driver_table.columns
            swing = max(float(top["supplier swing"][0]), float(top["partner swing"][0]))
            text.append(f"Main driver {_driver(a)}: up to {people(swing)} {u}.")
        text.append(f"Best take-it-or-leave-it ask accepted in "
                    f"{people(a.ask['acceptance'], 'percent')}, expected gain "
                    f"{people(a.ask['expected_gain'])} {u}.")
        if detail:
            text += [f"Terms ({a.proposal_source}): {a.terms_words}.",
                     f"{sentence_case(s)}'s gain: {_spread(g['proposal']['supplier'])} {u} "
                     f"(median, p10 to p90), against {_spread(g['benchmark']['supplier'])} at "
                     "the bargaining benchmark.", verdict_prose(a.verdicts, a.parties)]
            text += [f"{t}." for t in a.surplus_text["supplier"]]
            text.append(f"The ask: {terms_text_of(a, a.ask['terms'])}.")
            if struck is not None:
                text.append(f"As struck ({struck.terms_words}): "
                            f"{struck.verdict_text['supplier']}.")
            if a.two_level is not None:  # issue 16: ratification, breakdown, a doubted threat
                text.append(a.two_level.short())
        notes.append(" ".join(text))
    return tuple(notes)


def cmd_compare(args: argparse.Namespace) -> Report:
    chosen = args.deals or None
    given = given_from(args)
    if args.as_of:  # the library as it stood then: deals without these terms yet are skipped
        from deals.record.timeline import library_as_of  # start-up time: only with --as-of

        then = library_as_of(args.as_of, chosen)
        chosen = then if args.deals else [d for d in then if has_terms(d, args.terms)]
    count = len(chosen) if chosen else len(deals.library_names())
    announce(f"chipdeals compare: auditing {count} deal{'s' if count != 1 else ''}, "
             f"{args.draws:,} draws each ...")
    comparison = deals.compare(list(chosen) if chosen else None,  # a file's errors name it
                               draws=args.draws, seed=args.seed, thresholds=_thresholds(args),
                               progress=_progress(), terms=args.terms, jobs=args.jobs,
                               **({} if given is None else {"given": given}))
    width = terminal_width()
    caption = (comparison.caption() + f"; gains in {comparison.gain_unit}, supplier gain and "
               "benchmark as median" + (" (p10 to p90)" if width >= WIDER else "")
               + "; leverage (rho): the supplier's median gain at these terms over its gain at "
               "the bargaining benchmark (1: claims what its position supports); leverage "
               "read: over-estimated = the partner rejects it in most worlds, under-estimated = "
               "the supplier loses or claims well under its position; main driver: the "
               "parameter that moves the gains most; struck deal: the verdict on the deal as "
               f"struck ([outcome]), {NOT_STRUCK} where none was struck"
               + edge_caption([*comparison, *comparison.struck])
               + ("" if getattr(args, "detail", False) else "; --detail for terms and money"))
    sections = [Section("leverage of each deal's terms", comparison.to_frame, caption,
                        name="compare", display=compare_display(comparison, width),
                        notes=compare_notes(comparison, getattr(args, "detail", False)))]
    if args.plot:
        _agg()
        _save(comparison.plot(), args.plot)
    return Report(tuple(sections + given_section(given)), data=comparison.to_dict())


# ---- assess ---------------------------------------------------------------------------------

def assess_sections(a: Assessment, detail: bool = False) -> tuple[Section, ...]:
    """Every table of one audit: verdict, figures, drivers, one-at-a-time, surplus."""
    import pandas as pd  # start-up time: only assess's tables need pandas

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
        "verdict": [_short(a, side) for side in verdict.index],
        "accepts": [people(v, "percent") for v in verdict["accepts"]],
        "median gain": [people(v) for v in verdict["gain median"]],
        "p10": [people(v) for v in verdict["gain p10"]],
        "p90": [people(v) for v in verdict["gain p90"]],
        "at benchmark": [people(v) for v in verdict["benchmark gain median"]]})
    figures = a.to_frame()
    shown = figures.copy()
    shown["value"] = [people(v, "percent" if k.startswith(("P(", "share", "optimal ask acc"))
                             else "number") for k, v in figures["value"].items()]
    for side in ("supplier", "partner"):  # codes in words, as in every table
        if f"verdict ({side})" in shown.index:
            shown.loc[f"verdict ({side})", "value"] = _short(a, side)
        if f"flag ({side})" in shown.index:
            shown.loc[f"flag ({side})", "value"] = FLAG_WORDS[side][a.flags[side]]
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
                "draws; at benchmark: the median gain at the bargaining benchmark"
                + edge_caption([a]) + GLOSSARY_LINE,
                name="verdict", notes=tuple(a.explain(detail=detail).splitlines()[1:])
                + edge_notes(a),
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
    given = given_from(args)
    announce(f"chipdeals assess: auditing {deal.name}, {args.draws:,} draws ...")
    a = deals.assess(deal, draws=args.draws, seed=args.seed, thresholds=_thresholds(args),
                     progress=_progress(), terms=args.terms, jobs=args.jobs, given=given,
                     summaries="now",  # the report shows them: find them with the rest
                     keep_draws=bool(args.keep_draws))
    if args.keep_draws:
        with replacing(args.keep_draws, "w", newline="") as out:
            a.per_draw.to_csv(out)
    if args.plot:
        _agg()
        _save(a.plot_drivers(), args.plot)
    return Report(assess_sections(a, getattr(args, "detail", False)) + tuple(given_section(given)),
                  data=a.to_dict())


# ---- options --------------------------------------------------------------------------------

def _common(parser: argparse.ArgumentParser, draws: int) -> None:
    parser.add_argument("--terms", choices=TERMS, default="proposal",
                        help="what to audit: the proposal, the deal as struck ([outcome]), or "
                        "the supplier's optimal ask at the drafter's belief ([belief])")
    add_draws(parser, draws, "Monte Carlo draws of the parameters", streamed=True)
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw a chart to a file")
    parser.add_argument("--detail", action="store_true",
                        help="also print the specialist lines (terms, money, two-level "
                        "findings; see the glossary in docs/glossary.md)")
    given_option(parser)
    t = Thresholds()
    parser.add_argument("--over-acceptance", type=float, metavar="P", default=t.over_acceptance,
                        help="over-reach below this acceptance probability")
    parser.add_argument("--under-acceptance", type=float, metavar="P", default=t.under_acceptance,
                        help="risk band below this acceptance probability")
    parser.add_argument("--under-rho", type=float, metavar="RHO", default=t.under_rho,
                        help="underpriced at a median leverage ratio at most this")
    parser.add_argument("--efficiency-margin", type=float, metavar="MARGIN", default=t.efficiency_margin,
                        help="inefficient when another package is this much better for both")


def compare_options(parser: argparse.ArgumentParser) -> None:
    """``compare``'s arguments: deals, terms, draws, thresholds."""
    parser.add_argument("deals", nargs="*", metavar="DEAL", help="library names or .toml files")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="the library as it stood on this date (dated deal files)")
    _common(parser, COMPARE_DRAWS)
    add_jobs(parser, "audit N deals at once in worker processes")


def assess_options(parser: argparse.ArgumentParser) -> None:
    """``assess``'s arguments: terms, draws, thresholds."""
    _common(parser, ASSESS_DRAWS)
    add_jobs(parser, "spread the draws and the rest of the audit over N worker processes")
    parser.add_argument("--keep-draws", metavar="FILE.csv",
                        help="also write every draw's parameters and results to a CSV file "
                        f"(at most {MAX_KEPT_DRAWS:,} draws; without it the draws are streamed "
                        "to the summaries and only 100,000 are kept)")
