"""Plots of leverage assessments: a tornado chart of drivers, all deals on one chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from deals.assessment import Assessment
    from deals.comparison import Comparison


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4))
    return ax


def tornado_plot(assessment: "Assessment", ax=None, top: int = 10):
    """Horizontal bars: each side's gain at the audited terms, each parameter at its range's ends.

    The same parameters in the same order as ``assessment.drivers`` (largest swing on top); the
    bars show the change from the gain at point values, in the deal's money units.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7.5, 0.55 * min(top, max(1, len(assessment.tornado))) + 1.6))
    frame = assessment.tornado.head(top).iloc[::-1]
    y = np.arange(len(frame))
    s, p = assessment.parties["supplier"], assessment.parties["partner"]
    for offset, side, name in ((0.2, "supplier", s), (-0.2, "partner", p)):
        base = frame.attrs.get(f"{side} gain at point values", 0.0)
        low = frame[f"{side} gain at low"].to_numpy(dtype=float) - base
        high = frame[f"{side} gain at high"].to_numpy(dtype=float) - base
        shade = "#4c72b0" if side == "supplier" else "#dd8452"
        ax.barh(y + offset, low, height=0.38, color=shade, alpha=0.55,
                label=f"{name}: parameter at its low end")
        ax.barh(y + offset, high, height=0.38, color=shade,
                label=f"{name}: parameter at its high end")
    ax.axvline(0, color="black", lw=1)
    ax.set_yticks(y, [f"{n} [{lo:g} to {hi:g}]" for n, lo, hi in
                      zip(frame.index, frame["low"], frame["high"])], fontsize=8)
    ax.set_xlabel(f"change in gain at the audited terms ({assessment.gain_unit}), "
                  "from the point values")
    ax.set_title(f"{assessment.title}\nwhat moves each side's gain at the audited terms",
                 fontsize=10)
    ax.legend(fontsize=7, loc="best")
    return ax


def comparison_plot(comparison: "Comparison", ax=None):
    """Each deal as a point: partner's acceptance probability (x) against the median rho (y)."""
    ax = _axes(ax)
    colours = {"over": "#c44e52", "under": "#4c72b0", "inefficient": "#8172b2", "sound": "#55a868"}
    t = comparison.thresholds
    for a in comparison:
        x = a.acceptance["partner"]
        r = a.rho["supplier"]
        y = r["median"] if np.isfinite(r["median"]) else 0.0
        ax.errorbar(x, y, yerr=[[max(0.0, y - r["p10"])] if np.isfinite(r["p10"]) else [0.0],
                                [max(0.0, r["p90"] - y)] if np.isfinite(r["p90"]) else [0.0]],
                    fmt="o", color=colours.get(a.flag, "black"), capsize=3)
        ax.annotate(a.deal, (x, y), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax.axvline(t.over_acceptance, color="#c44e52", ls=":", lw=1)
    ax.axvline(t.under_acceptance, color="#4c72b0", ls=":", lw=1)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.axhline(t.under_rho, color="#4c72b0", ls=":", lw=1)
    for flag, colour in colours.items():
        ax.plot([], [], "o", color=colour, label=flag)
    # A proposal that leaves the supplier worse than its outside option has rho far below 0:
    # a symmetric log scale keeps those readable next to the ones near 1.
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlim(-0.05, 1.15)
    ax.set_xlabel("P(partner accepts the proposal)")
    ax.set_ylabel("leverage ratio rho (median, p10-p90)")
    ax.set_title("Leverage of each deal's proposal", fontsize=10)
    ax.legend(fontsize=8, title="supplier flag", title_fontsize=8)
    return ax


def mark_struck(ax, deal, problem):
    """Add the benchmark and the deal as struck to a frontier drawn by ``plot_frontier``.

    The benchmark is the asymmetric Nash solution (power from the delay costs); the struck
    outcome is the file's ``[outcome]`` with its unset issues at their status quo. Both are
    placed in gains at the deal's parameter values, like the frontier.
    """
    bench = deal.solutions(resolution=problem.resolution).benchmark
    if bench.agreement:
        ax.scatter([bench.utilities[0]], [bench.utilities[1]], marker="s", s=110,
                   facecolor="none", edgecolor="black", linewidth=2,
                   label="benchmark (asymmetric Nash)", zorder=7)
    if deal.outcome is not None:
        u = [float(v) for v in problem.evaluate(**deal.outcome_values(deal.outcome.values))]
        ax.scatter([u[0]], [u[1]], marker="D", s=90, color="#c44e52", edgecolor="black",
                   label="outcome (as struck)", zorder=8)
        if deal.outcome.disputed:
            terms = deal.outcome_values(deal.outcome.reading(disputed=True))
            v = [float(x) for x in problem.evaluate(**terms)]
            ax.scatter([v[0]], [v[1]], marker="D", s=90, facecolor="white",
                       edgecolor="#c44e52", linewidth=2, label="outcome (disputed reading)",
                       zorder=8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
    ax.set_xlabel(f"{deal.supplier} utility ($bn per year)")
    ax.set_ylabel(f"{deal.partner} utility ($bn per year)")
    return ax
