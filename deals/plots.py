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
    """Horizontal bars: the supplier's leverage ratio with each parameter at its low and high end."""
    ax = _axes(ax)
    frame = assessment.tornado.head(top).iloc[::-1]
    base = frame.attrs.get("rho at point values", np.nan)
    y = np.arange(len(frame))
    low = frame["rho at low"].to_numpy(dtype=float)
    high = frame["rho at high"].to_numpy(dtype=float)
    ax.barh(y, low - base, left=base, color="#4c72b0", label="parameter at its low end")
    ax.barh(y, high - base, left=base, color="#dd8452", label="parameter at its high end")
    ax.axvline(base, color="black", lw=1)
    ax.axvline(assessment.thresholds.under_rho, color="grey", ls=":", lw=1,
               label=f"under threshold (rho = {assessment.thresholds.under_rho:g})")
    ax.set_yticks(y, [f"{n} [{lo:g}, {hi:g}]" for n, lo, hi in
                      zip(frame.index, frame["low"], frame["high"])])
    ax.set_xlabel("leverage ratio rho at point values (supplier gain / Nash benchmark gain)")
    ax.set_title(f"{assessment.title}\nwhat moves the supplier's leverage ratio", fontsize=10)
    ax.legend(fontsize=8, loc="best")
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
