"""Tree drawings: the equilibrium path is highlighted and information sets are joined."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from games.trees import backward_induction, chance, decision, GameTree, plot_tree, terminal  # noqa: E402
from games.trees.plots import CHOICE_COLOUR, PATH_COLOUR  # noqa: E402
from games.trees.textbook import centipede, entry_deterrence  # noqa: E402


def lines_of(ax, colour):
    return [l for l in ax.lines if matplotlib.colors.same_color(l.get_color(), colour)]


def test_equilibrium_path_in_red_and_other_choices_in_orange():
    tree = entry_deterrence()
    ax = plot_tree(tree, backward_induction(tree))
    assert len(lines_of(ax, PATH_COLOUR)) == 2        # In, then Accommodate
    assert len(lines_of(ax, CHOICE_COLOUR)) == 0
    plt.close(ax.figure)
    ax = plot_tree(centipede(4), backward_induction(centipede(4)))
    assert len(lines_of(ax, PATH_COLOUR)) == 1        # Take at once
    assert len(lines_of(ax, CHOICE_COLOUR)) == 3      # Take at every other node
    plt.close(ax.figure)


def test_a_path_of_actions_can_be_highlighted_and_an_axes_reused():
    fig, ax = plt.subplots()
    out = plot_tree(entry_deterrence(), ("Out",), ax=ax)
    assert out is ax
    assert len(lines_of(ax, PATH_COLOUR)) == 1
    plt.close(fig)


def test_information_sets_and_chance_are_drawn():
    tree = GameTree(["A", "B"], chance({
        "x": (0.3, decision("A", {"l": terminal(1, 0), "r": terminal(0, 1)}, infoset="blind")),
        "y": (0.7, decision("A", {"l": terminal(0, 1), "r": terminal(1, 0)}, infoset="blind"))}))
    ax = plot_tree(tree)
    dotted = [l for l in ax.lines if l.get_linestyle() == ":"]
    assert len(dotted) == 1 and len(dotted[0].get_xdata()) == 2
    texts = {t.get_text() for t in ax.texts}
    assert {"x (0.3)", "y (0.7)", "blind", "chance"} <= texts
    plt.close(ax.figure)


def test_thirty_node_tree_keeps_labels_apart():
    tree = centipede(14)   # 29 nodes
    assert tree.node_count == 29
    ax = plot_tree(tree, backward_induction(tree))
    payoffs = [t for t in ax.texts if t.get_text().startswith("(")]
    xs = sorted(t.get_position()[0] for t in payoffs)
    assert len(payoffs) == 15 and min(b - a for a, b in zip(xs, xs[1:])) >= 1.0
    plt.close(ax.figure)


def test_unsupported_highlight_is_refused():
    from games.errors import TreeError

    with pytest.raises(TreeError, match="backward-induction result or a sequence"):
        plot_tree(entry_deterrence(), 3.5)
    with pytest.raises(TreeError, match="no action 'Fght' after In"):
        plot_tree(entry_deterrence(), ("In", "Fght"))


def test_a_single_action_given_as_text_is_a_path_of_one():
    ax = plot_tree(entry_deterrence(), "Out")
    assert len(lines_of(ax, PATH_COLOUR)) == 1
    plt.close(ax.figure)
