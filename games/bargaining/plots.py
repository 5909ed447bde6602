"""Plots of bargaining problems: the frontier with its solutions, and concession curves.

Each function draws in one call and returns the matplotlib Axes.

>>> import matplotlib; matplotlib.use("Agg")
>>> p = BargainingProblem.from_points([(0, 1), (0.6, 0.7), (1, 0)], (0.1, 0.1), convex=True)
>>> ax = plot_frontier(p, rubinstein=(0.9, 0.8), proposal=(0.5, 0.5))
>>> ax.get_xlabel()
'player 1'
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from games.bargaining.frontier import ConcessionCurve, pareto_frontier
from games.bargaining.problem import BargainingProblem
from games.bargaining.rubinstein import RubinsteinAgreement, rubinstein_solution
from games.bargaining.solutions import (
    BargainingSolution,
    egalitarian,
    kalai_smorodinsky,
    nash_solution,
    utilitarian,
)
from games.markup import clipped

_MARKERS = {"Nash": "o", "Kalai-Smorodinsky": "s", "egalitarian": "^", "utilitarian": "D",
            "Rubinstein": "P"}


def plot_frontier(problem: BargainingProblem, *, solutions: bool | Sequence[BargainingSolution] = True,
                  power: float = 0.5, rubinstein: tuple[float, float] | RubinsteinAgreement | None = None,
                  proposal: Sequence[float] | dict | None = None, show_points: bool = True,
                  unit: str = "", ax: Any = None) -> Any:
    """Draw the feasible points, the Pareto frontier, the disagreement point and solutions.

    ``solutions``: True for the four axiomatic solutions (Nash with ``power``; with a power
    other than 0.5 the symmetric Nash solution is drawn too), or a list of solutions already
    computed. ``rubinstein``: discount factors ``(delta_1, delta_2)`` or an agreement to mark.
    ``proposal``: a utility pair, or issue values ``{name: value}`` on a problem with issues.
    ``unit`` labels the axes ("player 1 utility, $bn per year").

    Solutions are hollow markers of decreasing size, so solutions that coincide show as
    nested rings and none hides another or the proposal; the legend sits beside the axes.
    Returns the matplotlib axes.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> p = BargainingProblem.from_points([(0, 1), (1, 0)], (0, 0), convex=True)
    >>> ax = plot_frontier(p, solutions=[nash_solution(p)])
    >>> "Nash" in ax.get_legend_handles_labels()[1]
    True
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    pts = problem.points
    if show_points:
        shown = pts if len(pts) <= 20_000 else pts[np.random.default_rng(0).choice(
            len(pts), 20_000, replace=False)]
        ax.scatter(shown[:, 0], shown[:, 1], s=6, color="0.75", label="feasible outcomes",
                   zorder=1)
    front = pareto_frontier(problem)
    style = "-" if (problem.convex or problem.resolution) else "--"
    ax.plot(front.utilities[:, 0], front.utilities[:, 1], style, color="C0", lw=2,
            marker="." if not problem.resolution else None, label="Pareto frontier", zorder=2)
    d = problem.disagreement
    ax.scatter([d[0]], [d[1]], marker="x", s=80, color="black", label="disagreement", zorder=4)
    ax.axvline(d[0], color="0.6", lw=0.8, ls=":")
    ax.axhline(d[1], color="0.6", lw=0.8, ls=":")
    marked: list[BargainingSolution] = []
    if solutions is True:
        marked = [nash_solution(problem, power)] + (
            [nash_solution(problem)] if power != 0.5 else []) + [
            kalai_smorodinsky(problem), egalitarian(problem), utilitarian(problem)]
    elif solutions:
        marked = list(solutions)
    if rubinstein is not None:
        marked.append(rubinstein if isinstance(rubinstein, BargainingSolution)
                      else rubinstein_solution(problem, *rubinstein))
    if proposal is not None:  # filled, under the hollow solution markers
        if isinstance(proposal, dict):
            u = [float(v) for v in problem.evaluate(**proposal)]
        else:
            u = [float(v) for v in proposal]
        ax.scatter([u[0]], [u[1]], marker="*", s=160, color="gold", edgecolor="black",
                   label="proposal", zorder=5)
    shown = [s for s in marked if s.agreement]
    for k, s in enumerate(shown):
        base = s.solution.split(" (")[0].replace("asymmetric ", "")
        ax.scatter([s.utilities[0]], [s.utilities[1]], marker=_MARKERS.get(base, "o"),
                   s=_ring_size(k, len(shown)), facecolor="none", edgecolor=f"C{k + 1}",
                   linewidth=2, label=s.solution, zorder=6 + k)
    first, second = (clipped(name) for name in problem.players)  # long names keep the room
    ax.set_xlabel(f"{first} utility, {unit}" if unit else first)
    ax.set_ylabel(f"{second} utility, {unit}" if unit else second)
    ax.margins(0.08)  # room for the largest ring at the ends of the frontier
    ax.set_title("Bargaining frontier and solutions")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, fontsize="small")
    return ax


def _ring_size(k: int, count: int) -> float:
    """Marker area of the k-th solution: the first largest, so coinciding ones nest."""
    return float(np.interp(k, [0, max(count - 1, 1)], [300, 60]))


def plot_concession_curves(curves: ConcessionCurve | Sequence[ConcessionCurve], *,
                           ax: Any = None) -> Any:
    """Draw concession curves in the plane of their two issues (the first issue across).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from games.bargaining import concession_curves
    >>> p = BargainingProblem.from_issues({"a": (0, 2), "b": (0, 2)},
    ...     ["b - a / 2", "a - b"], disagreement=(0, 0), resolution=5)
    >>> plot_concession_curves(concession_curves(p, "a", "b")).get_xlabel()
    'a'
    """
    import matplotlib.pyplot as plt

    if isinstance(curves, ConcessionCurve):
        curves = [curves]
    curves = list(curves)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    across = curves[0].issue
    for k, c in enumerate(curves):
        label = f"most {c.counter_issue} {c.player} accepts, given {c.issue}"
        if c.issue == across:
            ax.plot(c.levels, c.most, "-", color=f"C{k}", lw=2, label=label)
        else:
            ax.plot(c.most, c.levels, "-", color=f"C{k}", lw=2, label=label)
    up = curves[0].counter_issue
    ax.set_xlabel(across)
    ax.set_ylabel(up)
    ax.set_title("Concession curves")
    ax.legend(loc="best", fontsize="small")
    return ax
