"""Plots of leverage assessments: a tornado chart of drivers, all deals on one chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import os
import warnings

import numpy as np

from deals.errors import DealError
from games.writing import replacing

from deals.audit.verdicts import VOCABULARY, verdict_colour

if TYPE_CHECKING:  # pragma: no cover
    from deals.audit.assessment import Assessment
    from deals.audit.comparison import Comparison


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

        _, ax = plt.subplots(figsize=(7.5, 0.7 * min(top, max(1, len(assessment.tornado))) + 1.6))
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
    units = frame["unit"] if "unit" in frame else [""] * len(frame)
    ax.set_yticks(y, [f"{n} [{lo:g} to {hi:g}]" + (f"\n{u}" if u else "") for n, lo, hi, u in
                      zip(frame.index, frame["low"], frame["high"], units)], fontsize=9)
    ax.set_xlabel(f"change in gain at the audited terms ({assessment.gain_unit}), "
                  "from the point values")
    ax.set_title(f"{assessment.title}\nwhat moves each side's gain at the audited terms",
                 fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return ax


def _place_labels(ax, points, labels, fontsize: float = 8, spans=()) -> list:
    """Annotate each point with its label where the text overlaps no other label or point.

    Greedy: each label tries offsets on rings of growing radius around its point and keeps
    the first whose drawn box (renderer extents) stays inside the axes and clear of the
    labels already placed, of every point and of the vertical ``spans`` (x, y_low, y_high:
    error bars). A label moved away gets a thin leader line.
    """
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    shown = ax.transData.transform(np.asarray(points, dtype=float))
    taken = [Bbox.from_bounds(px - 5, py - 5, 10, 10) for px, py in shown]
    bars = []
    for x, lo, hi in spans:
        (x0, y0), (_, y1) = ax.transData.transform([(x, lo), (x, hi)])
        bars.append(Bbox.from_extents(x0 - 4, min(y0, y1), x0 + 4, max(y0, y1)))
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    near = [(r, a) for r in (6, 14, 24, 36) for a in angles]
    far = [(r, a) for r in (50, 66, 84, 104, 130, 160, 200) for a in angles]
    placed = []
    for k in np.argsort([-y for _, y in shown], kind="stable"):
        best = None
        # Near and clear of everything; near across an error bar; then farther out. Never on
        # other text.
        for avoid, rings in ((taken + bars, near), (taken, near), (taken + bars, far),
                             (taken, far)):
            for r, a in rings:
                dx, dy = r * np.cos(a), r * np.sin(a)
                ha = "left" if dx > 2 else "right" if dx < -2 else "center"
                va = "bottom" if dy > 2 else "top" if dy < -2 else "center"
                note = ax.annotate(labels[k], points[k], xytext=(dx, dy),
                                   textcoords="offset points", ha=ha, va=va, fontsize=fontsize,
                                   arrowprops=dict(arrowstyle="-", color="0.5", lw=0.6,
                                                   shrinkA=0, shrinkB=4) if r > 14 else None)
                note.update_positions(renderer)
                box = Text.get_window_extent(note, renderer).padded(1)  # the words, not the line
                inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                          and box.y1 <= frame.y1)
                if inside and not any(box.overlaps(t) for t in avoid):
                    best = note
                    taken.append(box)
                    break
                note.remove()
            if best is not None:
                break
        if best is None:  # nowhere free: the nearest spot, still readable on its own line
            best = ax.annotate(labels[k], points[k], xytext=(6, 6), textcoords="offset points",
                               fontsize=fontsize)
        placed.append(best)
    return placed


def _plain_number(value: float, _pos=None) -> str:
    """Tick labels as an analyst writes them: 1, 0, -1, -10 (not 10^0, -10^1)."""
    return f"{value:,.10g}"


def comparison_plot(comparison: "Comparison", ax=None):
    """Each deal as a point: partner's acceptance probability (x) against the median rho (y)."""
    from matplotlib.ticker import FuncFormatter, SymmetricalLogLocator

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 5))
    t = comparison.thresholds
    points, labels, seen, spans = [], [], [], []
    for a in comparison:
        x = a.acceptance["partner"]
        r = a.rho["supplier"]
        y = r["median"] if np.isfinite(r["median"]) else 0.0
        ax.errorbar(x, y, yerr=[[max(0.0, y - r["p10"])] if np.isfinite(r["p10"]) else [0.0],
                                [max(0.0, r["p90"] - y)] if np.isfinite(r["p90"]) else [0.0]],
                    fmt="o", color=verdict_colour(a.verdicts["supplier"]), capsize=3, zorder=3)
        points.append((x, y))
        spans.append((x, r["p10"] if np.isfinite(r["p10"]) else y,
                      r["p90"] if np.isfinite(r["p90"]) else y))
        labels.append(a.deal)
        seen.append(a.verdicts["supplier"])  # the verdict the table prints, not the flag
    ax.axvline(t.over_acceptance, color="#c44e52", ls=":", lw=1,
               label=f"over-reach if acceptance < {t.over_acceptance:.0%}")
    ax.axvline(t.under_acceptance, color="#4c72b0", ls=":", lw=1,
               label=f"underpriced if acceptance >= {t.under_acceptance:.0%} ...")
    ax.axhline(t.under_rho, color="#4c72b0", ls="--", lw=0.8,
               label=f"... and rho <= {t.under_rho:g}")
    ax.axhline(1.0, color="black", lw=0.8, label="rho = 1: the bargaining benchmark")
    for v in VOCABULARY:
        if v.code in seen:
            ax.plot([], [], "o", color=verdict_colour(v.code), label=v.label("supplier"))
    # A proposal that leaves the supplier worse than its outside option has rho far below 0:
    # a symmetric log scale keeps those readable next to the ones near 1.
    ax.set_yscale("symlog", linthresh=1.0)
    ax.yaxis.set_major_locator(SymmetricalLogLocator(base=10, linthresh=1.0))
    ax.yaxis.set_major_formatter(FuncFormatter(_plain_number))
    ax.set_xlim(-0.05, 1.08)
    ax.margins(y=0.12)  # room for labels above the highest and below the lowest deal
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("P(partner accepts the proposal)")
    ax.set_ylabel("leverage ratio rho (median, p10-p90; log scale beyond +-1)")
    ax.set_title("Leverage of each deal's proposal", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    _place_labels(ax, points, labels, spans=spans)
    return ax


def mark_struck(ax, deal, problem, *, benchmark: bool = True):
    """Add the benchmark and the deal as struck to a frontier drawn by ``plot_frontier``.

    The benchmark is the asymmetric Nash solution (power from the delay costs); the struck
    outcome is the file's ``[outcome]`` with its unset issues at their status quo. Both are
    placed in gains at the deal's parameter values, like the frontier.
    """
    bench = deal.solutions(resolution=problem.resolution).benchmark if benchmark else None
    if bench is not None and bench.agreement:
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
    return ax


def text_as_written() -> None:
    """Have matplotlib draw every text of the figures made from now on as written.

    Titles, sides' names, parameters' labels and units come from deal files; with two ``$``
    in them matplotlib reads what lies between as TeX, so 'Cost $5 to $8bn' was drawn in
    italics without its dollars and '$\\frac{x$' stopped the command ('cannot write the
    image'). Our own labels use no TeX.
    """
    import matplotlib  # start-up time: only a command that draws loads matplotlib

    matplotlib.rcParams["text.parse_math"] = False


#: Image formats ``save_figure`` writes, by file suffix.
IMAGE_FORMATS = ("png", "pdf", "svg")


def image_format(path: str, option: str = "--plot") -> str:
    """The format of an image file to write (its suffix), or a DealError naming ``option``.

    A directory or a name without a .png, .pdf or .svg suffix is refused: matplotlib would
    silently write ``DIR.png`` for a directory DIR.

    >>> image_format("frontier.PNG")
    'png'
    """
    if os.path.isdir(path):
        raise DealError(f"{option} {path}: is a directory; give a file name such as "
                        f"{os.path.join(str(path), 'chart.png')}")
    suffix = os.path.splitext(str(path))[1].lower().lstrip(".")
    if suffix not in IMAGE_FORMATS:
        raise DealError(f"{option} {path}: give a file name ending in "
                        f"{', '.join('.' + f for f in IMAGE_FORMATS)}")
    return suffix


def save_figure(figure, path: str, option: str = "--plot") -> None:
    """Write ``figure`` to exactly ``path`` (see :func:`image_format`), then close it."""
    import matplotlib.pyplot as plt

    try:
        suffix = image_format(path, option)
        try:
            with replacing(path) as out, warnings.catch_warnings():  # a kill mid-write
                # leaves the old image, not half; a name in a script the font lacks (a deal
                # file's 'Zembla 🥝') is drawn as boxes, not reported once per glyph on stderr
                warnings.filterwarnings("ignore", "Glyph .* missing from font")
                figure.savefig(out, format=suffix, dpi=120, bbox_inches="tight")
        except (OSError, ValueError) as exc:
            raise DealError(f"{option} {path}: cannot write the image ({exc}); give a writable "
                            "path ending in .png, .pdf or .svg") from None
    finally:
        plt.close(figure)
