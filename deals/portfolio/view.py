"""Reading a solved portfolio: text and HTML reports, the plot, and ``chipdeals portfolio``."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from deals.audit.verdicts import VOLUME_VERDICTS, volume_verdict
from deals.portfolio.regimes import LABELS, REGIMES, THOUSANDS
from deals.views.output import Section, render
from games import markup

if TYPE_CHECKING:  # a solved result is passed in; the result module draws itself through here
    from deals.portfolio.result import PortfolioResult

SHORT = {"none": "none", "framework": "tiered", "alone": "alone", "coordinated": "coord."}


def regimes_frame(result: PortfolioResult) -> pd.DataFrame:
    """The regimes table rounded for reading (fits 80 columns)."""
    f = result.regimes()
    out = pd.DataFrame({
        "gain $bn": f["US gain"].map("{:.1f}".format),
        "p10-p90": [f"{a:.1f} to {b:.1f}" for a, b in zip(f["p10"], f["p90"])],
        "licensed k": f["licensed k"].map("{:.0f}".format),
        "to China k": f["to China k"].map("{:.0f}".format),
        "P(best)": f["P(best)"].map("{:.0%}".format)}, index=f.index)
    return out


def regimes_numbers(result: PortfolioResult) -> pd.DataFrame:
    """The regimes table as numbers ($bn/yr, thousand H100e/yr, shares), for programs."""
    f = result.regimes()
    return pd.DataFrame({"gain_bn_median": f["US gain"], "gain_bn_p10": f["p10"],
                         "gain_bn_p90": f["p90"], "licensed_k_median": f["licensed k"],
                         "to_china_k_median": f["to China k"], "p_best": f["P(best)"]},
                        index=f.index)


def deals_numbers(result: PortfolioResult) -> pd.DataFrame:
    """Per deal as numbers: median chips (thousand H100e/yr) and acceptance shares."""
    d = result.deals()
    acc = result.acceptance()
    return pd.DataFrame({"alone_k_median": d["alone k"], "linked_k_median": d["linked k"],
                         **{f"acceptance_{r}": acc[LABELS[r]] for r in REGIMES[1:]}},
                        index=d.index)


def deals_frame(result: PortfolioResult) -> pd.DataFrame:
    """Per deal: median chips alone and linked, and acceptance by regime (80 columns)."""
    d = result.deals()
    acc = result.acceptance()
    return pd.DataFrame({
        "alone k": d["alone k"].map("{:.0f}".format),
        "linked k": d["linked k"].map("{:.0f}".format),
        **{f"acc {SHORT[r]}": acc[LABELS[r]].map("{:.0%}".format) for r in REGIMES[1:]}},
        index=d.index)


def verdicts_frame(result: PortfolioResult
                   ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Each deal's verdict alone and linked: the data (codes of
    :data:`deals.audit.verdicts.VOLUME_VERDICTS`, ``changed`` true or false), the same in
    words for people, and one line per change saying why."""
    d = result.deals()
    changed = result.changed()
    frame = pd.DataFrame({"alone": d["verdict alone"], "linked": d["verdict linked"],
                          "changed": [bool(k in changed.index) for k in d.index]},
                         index=d.index)
    said = pd.DataFrame({"alone": frame["alone"].map(_said), "linked": frame["linked"].map(_said),
                         "changed": frame["changed"].map({True: "yes", False: ""})},
                        index=d.index)
    return frame, said, [f"{k}: {_said(row['alone'])} -> {_said(row['linked'])}: {row['why']}."
                         for k, row in changed.iterrows()]


def _said(code: str) -> str:
    return volume_verdict(code).words


def _wrap(lines: list[str]) -> str:
    return "\n".join(textwrap.fill(line, 78, subsequent_indent="  ") for line in lines)


def plain_caption(result: PortfolioResult) -> str:
    """How the numbers were made, in plain words (the solver's figures: ``caption()``)."""
    return (f"{result.draws:,} draws (seed {result.seed}); $bn a year, chips in thousands of "
            "H100e a year; coordinated: the US chooses every deal's chips at once under the "
            "budget (--detail for the solver's checks; terms in docs/glossary.md).")


def sections(result: PortfolioResult, detail: bool = True) -> list[Section]:
    """The report as the command line's sections (tables and captions fit 80 columns);
    ``detail`` keeps the solver's figures (shadow price, duality gap, fixed point)."""
    p = result.portfolio
    notes = [result.caption() if detail else plain_caption(result),
             result.cost_of_ignoring_links()]
    notes += [f"Skipped: {name} ({why})." for name, why in p.skipped]
    verdicts, said, why = verdicts_frame(result)
    return [Section(f"US gain by regime ({p.name})", regimes_numbers(result), _wrap(
                ["gain: the US's gain over no deals, median and p10-p90, $bn/yr; licensed "
                 "and smuggled to China: median thousand H100e/yr; P(best): share of draws "
                 "where the regime gives the US most.", *notes]), name="regimes",
                    display=regimes_frame(result)),
            Section("each deal: chips and acceptance", deals_numbers(result), _wrap(
                ["alone/linked k: the US's best volume, median thousand H100e/yr, struck "
                 "alone (before the limits) and coordinated; acc: the share of draws in "
                 "which a deal is struck under each regime (a low share can mean the partner "
                 "refuses, or that no offer beats no deal for the US).",
                 *filter(None, [result.why_alone_refused()])]), name="deals",
                    display=deals_frame(result)),
            Section("verdicts on each deal's proposal", verdicts, _wrap(
                ["The proposal against the US's best terms, alone and linked: "
                 + "; ".join(f"{v.words}: {v.meaning}" for v in VOLUME_VERDICTS
                             if v.code != "no_proposal") + ".",
                 *why]), name="verdicts",
                    display=said)]


def text_report(result: PortfolioResult) -> str:
    """Plain-text report (the command line's table format)."""
    return render(sections(result), "table")


def html_report(result: PortfolioResult) -> str:
    """HTML report for Jupyter: the tables and the captions."""
    parts = []
    for s in sections(result):
        shown = s.frame if s.display is None else s.display
        parts.append(f"<h4>{markup.text(s.title)}</h4>{shown.to_html()}")
        parts += [f"<p><small>{markup.text(line)}</small></p>" for line in s.caption.splitlines()]
    return "".join(parts)


def plot_portfolio(result: PortfolioResult, ax: Any = None) -> Any:
    """Left: the US's gain by regime (10th-90th percentile bar, median dot); right: each
    deal's mean chips under each regime. Returns the left axes (its figure holds both)."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, (ax, right) = plt.subplots(1, 2, figsize=(11, 4.2),
                                        gridspec_kw={"width_ratios": [1, 1.4]})
    else:
        right = ax.figure.add_subplot(1, 2, 2)
    f = result.regimes()
    y = np.arange(len(f))[::-1]
    ax.hlines(y, f["p10"], f["p90"], color="0.6", lw=6)
    ax.plot(f["US gain"], y, "o", color="C3")
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, [i.replace(", ", ",\n") for i in f.index])
    ax.set_xlabel("US gain over no deals, $bn/yr (median, p10-p90)")
    ax.set_title("US gain by regime")
    keys = [d.key for d in result.portfolio.deals]
    width = 0.8 / 3
    x = np.arange(len(keys))
    for i, r in enumerate(REGIMES[1:]):
        v = [np.mean(result.column(r, "volume", k)) * THOUSANDS for k in range(len(keys))]
        right.bar(x + (i - 1) * width, v, width, label=LABELS[r], color=f"C{i}")
    right.set_xticks(x, keys, rotation=30, ha="right")
    right.set_ylabel("chips, thousand H100e/yr (mean over draws)")
    right.set_title("each deal's allocation")
    right.legend(fontsize=8, frameon=False)
    ax.figure.tight_layout()
    return ax


def save_plot(result: PortfolioResult, path: str) -> None:
    """Draw the portfolio's chart to ``path`` (no window; a bad path is a DealError)."""
    import matplotlib

    matplotlib.use("Agg")
    from deals.views.plots import save_figure  # start-up time: plots load matplotlib

    ax = result.plot()
    save_figure(ax.figure, path, "--plot")  # checked, written whole, closed
