"""Figures of games read at a glance: no text on top of other text, numbers inside their cells.

Checked on the laid-out figure (matplotlib's renderer extents), for the sizes the library draws.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from games.normal_form.catalogue import chicken, prisoners_dilemma
from games.normal_form import NormalFormGame
from games.normal_form.plots import plot_payoff_table


def awkward_game(m: int, n: int, seed: int) -> NormalFormGame:
    """Payoffs from 1e-4 to 1e6 in size, both signs: the widest numbers a table shows."""
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.integers(-4, 7, size=(2, m, n))
    A, B = rng.normal(size=(2, m, n)) * scale
    return NormalFormGame.from_arrays(A, B, strategies=[
        [f"strategy_{i}" for i in range(m)], [f"reply_{j}" for j in range(n)]])


def cells(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def check_table(ax, layout):
    lay = layout(ax)
    assert lay.overlapping() == []                      # numbers, boxes, strategy labels
    boxes = [c.get_window_extent(lay.renderer) for c in cells(ax)]
    numbers = [t for t in ax.texts if t.get_gid() != "note"]
    for t in numbers:                                   # each number inside one cell
        e = lay.extent(t)
        assert any(b.x0 <= e.x0 and e.x1 <= b.x1 and b.y0 <= e.y0 and e.y1 <= b.y1
                   for b in boxes), t.get_text()
    plt.close(ax.figure)


@pytest.mark.parametrize("m, n", [(1, 1), (2, 3), (3, 3), (4, 2), (5, 5)])
@pytest.mark.parametrize("seed", [0, 1])
def test_payoff_table_numbers_fit_their_cells_and_never_overlap(m, n, seed, layout):
    check_table(plot_payoff_table(awkward_game(m, n, seed)), layout)


@pytest.mark.parametrize("m, n", [(2, 2), (3, 3), (5, 5)])
def test_payoff_table_on_a_given_axes_shrinks_to_fit(m, n, layout):
    _, ax = plt.subplots(figsize=(6, 3.5))
    check_table(plot_payoff_table(awkward_game(m, n, 3), ax=ax), layout)


def test_symbolic_entries_do_not_run_into_the_strategy_labels(layout):
    check_table(plot_payoff_table(chicken(symbolic=True)), layout)


def test_best_replies_are_boxed_and_the_numbers_stay_readable(layout):
    ax = plot_payoff_table(prisoners_dilemma())
    boxed = [t for t in ax.texts if t.get_bbox_patch() is not None]
    # PD: D is each player's best reply to anything, i.e. 2 boxes per player.
    assert len(boxed) == 4
    for t in boxed:
        assert t.get_bbox_patch().get_facecolor()[3] == 0     # a hollow box: nothing hidden
        assert t.get_zorder() >= 3 and t.get_text()
    check_table(ax, layout)


@pytest.mark.parametrize("value, text", [(-0.006906, "-0.006906"), (11.07, "11.07"),
                                         (1234567.0, "1,235,000"), (0.0, "0"), (-27560.4, "-27,560")])
def test_payoffs_keep_four_significant_digits(value, text):
    from games.normal_form.plots import _entry_text

    assert _entry_text(value) == text


def test_frontier_solutions_that_coincide_stay_visible_and_the_legend_is_beside_the_axes(layout):
    from games.bargaining import BargainingProblem, plot_frontier

    # A symmetric problem: Nash, Kalai-Smorodinsky, egalitarian and Rubinstein with equal
    # patience all sit at (0.5, 0.5), on top of the proposal.
    p = BargainingProblem.from_points([(0, 1), (0.5, 0.5), (1, 0)], (0, 0), convex=True)
    ax = plot_frontier(p, rubinstein=(0.9, 0.9), proposal=(0.5, 0.5), unit="$bn per year")
    lay = layout(ax)
    rings = [c for c in ax.collections if c.get_label() in
             {"Nash", "Kalai-Smorodinsky", "egalitarian", "utilitarian", "Rubinstein"}]
    assert len(rings) == 5
    for c in rings:
        assert c.get_facecolor().size == 0 or c.get_facecolor()[0][3] == 0   # hollow
    by_z = sorted(rings, key=lambda c: c.get_zorder())
    sizes = [c.get_sizes()[0] for c in by_z]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 5   # nested, not stacked
    star = next(c for c in ax.collections if c.get_label() == "proposal")
    assert star.get_zorder() < by_z[0].get_zorder()
    legend = ax.get_legend().get_window_extent(lay.renderer)
    assert legend.x0 >= ax.get_window_extent(lay.renderer).x1
    assert ax.get_xlabel() == "player 1 utility, $bn per year"
    plt.close(ax.figure)
