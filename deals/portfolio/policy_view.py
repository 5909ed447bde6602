"""The article's options for people: their parts, the queue, the value of knowing, and why.

The tables fit 80 columns (``chipdeals portfolio``, :mod:`deals.cli.portfolio`); ``--format
json`` gives :meth:`PolicyResult.to_json` (numbers under stable keys).
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import pandas as pd

from deals.portfolio.policy import LABELS, OPTIONS, PARTS
from deals.views.output import Section, render

if TYPE_CHECKING:
    from deals.portfolio.policy_result import PolicyResult

#: Short regime names where a table is wide.
SHORT_LABELS = {LABELS[r]: r for r in OPTIONS}
#: Short column names for the parts (80 columns).
PART_COLUMNS = ("chips", "non-chip", "refusals", "delay", "leakage")


def money(x: float, digits: int = 1) -> str:
    """A $bn figure without '-0.0'."""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def wrap(lines: list[str]) -> str:
    return "\n".join(textwrap.fill(line, 78, subsequent_indent="  ") for line in lines)


def policy_sections(result: PolicyResult) -> list[Section]:
    """The report as sections (tables and notes fit 80 columns)."""
    reg = result.regimes()
    shown = pd.DataFrame({
        "gain $bn": reg["median"].map(money),
        "p10 to p90": [f"{money(a)} to {money(b)}" for a, b in zip(reg["p10"], reg["p90"])],
        "mean": reg["mean"].map(money),
        "P(best)": ["" if math.isnan(x) else f"{x:.0%}" for x in reg["P(best)"]],
        "to China k": reg["to China k"].map("{:.0f}".format)}, index=reg.index)
    parts = result.parts()
    parts_shown = pd.DataFrame({c: parts[p].map(money) for c, p in zip(PART_COLUMNS, PARTS)},
                               index=parts.index)
    parts_shown["total"] = parts["total"].map(money)
    out = [
        Section(f"The article's options ({result.portfolio.name})", reg, wrap([
            "US gain over no deals, $bn/yr: median, p10 to p90, mean over "
            f"{result.draws:,} draws (seed {result.seed}); P(best): share of draws in which "
            "the option gives the US most; to China: chips reaching China, median thousand "
            "H100e/yr. Terms are chosen on " + result.plan.belief.describe() + "; the bound "
            "is today's coordinated optimum if Washington knew every draw (not an option)."]),
            name="regimes", display=shown),
        Section("What each option's gain is made of", parts, wrap([
            "Mean $bn/yr; the parts add up to the total in every draw. chips: what chips as "
            "leverage or as a rule give (net of the control cost, and of retaliation and lost "
            "clouds under a monopoly); non-chip: tariff, energy and purchase trades open to "
            "every option; refusals: offers refused (the fallback trade, less alienation, "
            "less what acceptance would have given); delay: latency and the agencies' queue; "
            "leakage: the harm of the change in chips reaching China."]),
            name="parts", display=parts_shown)]
    band = result.bandwidth()
    if len(band):
        shown_b = pd.DataFrame({
            "deals/yr": band["deals/yr"].map("{:.1f}".format).values,
            "licences/yr": band["licences/yr"].map("{:,.0f}".format).values,
            "busy": band["utilisation"].map("{:.0%}".format).values,
            "wait mo": band["wait months"].map("{:.1f}".format).values,
            "queue": band["queue"].map("{:,.1f}".format).values,
            "gain $bn": [f"{money(a)} -> {money(b)}" for a, b in
                         zip(band["before queue"], band["after queue"])]},
            index=pd.Index([SHORT_LABELS[i] for i in band.index], name="regime"))
        out.append(Section("Bandwidth: what each option asks of the agencies", band, wrap([
            "Medians: bespoke deals and licence decisions a year, share of the agencies' "
            "capacity used (busy), mean wait in the queue (months), items waiting; gain: mean "
            "$bn/yr before and once latency and the queue are paid for."]),
            name="bandwidth", display=shown_b))
    know = result.knowing()
    shown_k = pd.DataFrame({
        "knowing $bn": know["value of knowing"].map(money),
        "refused": ["" if math.isnan(x) else f"{x:.2f}" for x in know["refused offers"]]},
        index=know.index)
    out.append(Section("Misjudged leverage: the value of knowing", know, wrap([
        "Mean $bn/yr the US would gain by knowing each draw (full information) over the terms "
        "it chose on its belief; refused: mean number (per deal: share of draws) of offers "
        "refused."]), name="value_of_knowing", display=shown_k))
    rec = result.record()
    if len(rec):
        out.append(Section("The record: do the struck deals strike here?", rec, wrap([
            "Share of draws in which each side accepts the terms its file records as struck: "
            "alone: both sides, the deal audited alone (no links); partner, US, both: inside "
            "the portfolio, every struck deal at its terms with the links in force (the US "
            "counting the control cost its chips add to the total); bilateral: share with a "
            "deal under bilateral deals. All struck deals accepted by both sides at once in "
            f"{result.mean('record', 'all'):.0%} of draws. A struck deal is evidence: "
            "a share far below 'alone' points at the portfolio's links."]),
            name="record_check", display=rec.map("{:.0%}".format)))
    if result.given is not None:
        g = result.given
        holds = pd.DataFrame({"alone": list(g["holds"].values())},
                             index=pd.Index(list(g["holds"]), name="event"))
        out.append(Section("Given the record", holds, wrap([
            f"Every draw above is given the record: {g['pool']:,} prior draws weighted by "
            f"whether every struck deal is signed by both sides inside the portfolio (all "
            f"hold in {g['all_hold']:.1%}), resampled; effective sample {g['effective_sample']:.0f} "
            f"(floor {g['floor']:g}). alone: share of the prior draws in which each event "
            "holds on its own."]), name="given", display=holds.map("{:.0%}".format)))
    acc = result.acceptance()
    skipped = tuple(f"Skipped: {name} ({why})." for name, why in result.portfolio.skipped)
    out.append(Section("Each partner: share of draws with a deal", acc, "",
                       name="acceptance", display=acc.map("{:.0%}".format), notes=skipped))
    out.append(Section("Why this ranking", pd.DataFrame({"ranking": [
        LABELS[r] for r in result.ranking()]}, index=pd.Index(range(1, 5), name="rank")),
        wrap([result.why()]), name="why"))
    return out


def what_if_section(result: PolicyResult) -> Section:
    """What would have to be true for bilateral deals to beat the framework, and the reverse."""
    frame = result.what_would_have_to_be_true()
    shown = pd.DataFrame({"draws": frame["draws"].map("{:,}".format),
                          "lead $bn": frame["lead"].map(money)}, index=frame.index)
    return Section("What would have to be true", frame, wrap([
        "Bilateral deals' mean lead over the repaired framework, $bn/yr (above 0: bilateral "
        "ahead), changing one thing at a time: how well the US judges each partner's "
        "leverage (terms chosen again), one mechanism switched off (--off), and the "
        "agencies' capacity (the queue priced again)."]),
        name="what_if", display=shown)


def policy_text(result: PolicyResult) -> str:
    """Plain-text report (the command line's table format)."""
    return render(policy_sections(result), "table")
