"""Figures: one negotiation in the utility plane, and a tournament as a heat map.

>>> import numpy as np, matplotlib
>>> matplotlib.use("Agg")
>>> from games.negotiation.problem import NegotiationProblem
>>> from games.negotiation.protocol import STANDARD, negotiate
>>> x = np.linspace(0, 1, 51)
>>> trace = negotiate(NegotiationProblem({"share": x}, x, 1 - x), STANDARD["boulware"],
...                   STANDARD["conceder"], deadline=20)
>>> ax = plot_trace(trace)
>>> ax.get_xlabel()
'A utility (utility)'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from games.negotiation.protocol import NegotiationTrace

SIDE_COLOURS = ("tab:blue", "tab:orange")


def plot_trace(trace: NegotiationTrace, draw: int = 0, ax: Any = None) -> Any:
    """Both sides' offers in one draw over the Pareto frontier, with the disagreement point,
    the asymmetric Nash benchmark and the agreement (or the breakdown)."""
    import matplotlib.pyplot as plt

    p = trace.problem
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8))
    u = np.column_stack([p.utility_a[draw], p.utility_b[draw]])
    if len(u) <= 20_000:
        ax.scatter(u[:, 0], u[:, 1], s=4, color="0.85", zorder=1, label="outcomes")
    front = p.frontier(draw)
    ax.plot(front[:, 0], front[:, 1], color="0.3", lw=1.2, zorder=2, label="Pareto frontier")
    d = (p.reservation_a[draw], p.reservation_b[draw])
    ax.axvline(d[0], color="0.6", lw=0.8, ls=":")
    ax.axhline(d[1], color="0.6", lw=0.8, ls=":")
    ax.scatter(*d, marker="s", s=50, color="black", zorder=5, label="disagreement")
    offers = trace.offers[:, draw]
    for side in (0, 1):
        mine = offers[(trace.proposer == side) & (offers >= 0)]
        if mine.size:
            ax.plot(u[mine, 0], u[mine, 1], "-o", ms=3.5, lw=0.9, alpha=0.85,
                    color=SIDE_COLOURS[side], zorder=3,
                    label=f"{p.sides[side]} offers ({trace.negotiators[side].name})")
    bench = p.benchmark_utilities()[:, draw]
    if np.all(np.isfinite(bench)):
        ax.scatter(*bench, marker="D", s=60, facecolor="none", edgecolor="crimson", lw=1.6,
                   zorder=6, label="benchmark (asymmetric Nash)")
    if trace.agreed[draw]:
        x = trace.agreement[draw]
        ax.scatter(u[x, 0], u[x, 1], marker="*", s=220, color="gold", edgecolor="black",
                   zorder=7, label=f"agreement, round {trace.round[draw]}")
    else:
        ax.set_title(f"no agreement within {trace.deadline} rounds", fontsize=9)
    ax.set_xlabel(f"{p.sides[0]} utility ({p.unit})")
    ax.set_ylabel(f"{p.sides[1]} utility ({p.unit})")
    ax.legend(fontsize=7, loc="best", framealpha=0.9)
    return ax


def plot_tournament(result: Any, metric: str = "distance to benchmark", ax: Any = None) -> Any:
    """A heat map of one tournament score: side A's agent down, side B's agent across."""
    import matplotlib.pyplot as plt

    table = result.matrix(metric)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * len(table.columns) + 2.5, 0.7 * len(table) + 1.8))
    values = table.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="viridis_r" if "distance" in metric else "viridis",
                      aspect="auto")
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(table.index)), table.index)
    ax.set_xlabel(f"{result.sides[1]} plays")
    ax.set_ylabel(f"{result.sides[0]} plays")
    finite = values[np.isfinite(values)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for (i, j), v in np.ndenumerate(values):
        text = "n/a" if not np.isfinite(v) else f"{v:.2f}"
        dark = np.isfinite(v) and ((v > middle) == ("distance" in metric))
        ax.text(j, i, text, ha="center", va="center", fontsize=8,
                color="white" if dark else "black")
    ax.figure.colorbar(image, ax=ax, label=metric)
    ax.set_title(f"{metric} ({result.draws} draws, {result.deadline} rounds)", fontsize=9)
    return ax
