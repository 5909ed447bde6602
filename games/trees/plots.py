"""Draw a game tree with matplotlib, the equilibrium path highlighted.

Leaves are spread evenly left to right in depth-first order, each inner node sits above the
middle of its children, so trees up to about 30 nodes stay readable.

>>> import matplotlib; matplotlib.use("Agg")
>>> from games.trees import GameTree, decision, terminal, backward_induction, plot_tree
>>> entry = GameTree(["Entrant", "Incumbent"], decision("Entrant", {
...     "Out": terminal(0, 2),
...     "In": decision("Incumbent", {"Fight": terminal(-1, -1), "Accommodate": terminal(1, 1)}),
... }))
>>> ax = plot_tree(entry, backward_induction(entry))
>>> sorted(t.get_text() for t in ax.texts if t.get_text().startswith("("))
['(-1, -1)', '(0, 2)', '(1, 1)']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from games.errors import TreeError
from games.trees.tree import Chance, Decision, GameTree, History, Terminal

PATH_COLOUR = "#d62728"
CHOICE_COLOUR = "#ff7f0e"


def _layout(tree: GameTree) -> dict[History, tuple[float, float]]:
    position: dict[History, tuple[float, float]] = {}
    leaves = 0

    def place(history: History, node: Any, depth: int) -> float:
        nonlocal leaves
        if isinstance(node, Terminal):
            x = float(leaves)
            leaves += 1
        else:
            xs = [place(history + (a,), c, depth + 1) for a, c in zip(node.actions, node.children)]
            x = (xs[0] + xs[-1]) / 2
        position[history] = (x, -float(depth))
        return x

    place((), tree.root, 0)
    return position


def _number(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _highlight(tree: GameTree, equilibrium: Any) -> tuple[set[History], set[History]]:
    """Edges (as child histories) on the equilibrium path, and other chosen edges."""
    if equilibrium is None:
        return set(), set()
    if isinstance(equilibrium, str):  # one action, not a sequence of one-letter actions
        equilibrium = (equilibrium,)
    if isinstance(equilibrium, Sequence) and all(isinstance(a, str) for a in equilibrium):
        path = tuple(equilibrium)
        tree.node(path)  # a misspelt action is an error, not a path that lights nothing
        return {path[:k] for k in range(1, len(path) + 1)}, set()
    if not hasattr(equilibrium, "strategies") or not hasattr(equilibrium, "outcomes"):
        raise TreeError(f"plot_tree highlights a backward-induction result or a sequence of "
                        f"actions, not a {type(equilibrium).__name__}")
    strategies = equilibrium.strategies
    chosen = {h + (a,) for h, a in strategies.items()}
    reached = {h for h in equilibrium.outcomes}
    on_path = {h[:k] for h in reached for k in range(1, len(h) + 1)}
    return on_path, chosen - on_path


def plot_tree(tree: GameTree, equilibrium: Any = None, *, ax: Any = None,
              show_payoffs: bool = True) -> Any:
    """Draw ``tree``; give a backward-induction result (or a path of actions) to highlight its play.

    Equilibrium-path edges are thick red, other equilibrium choices orange; information sets
    with several nodes are joined by dotted lines. Returns the matplotlib Axes.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from games.trees import backward_induction, entry_deterrence
    >>> tree = entry_deterrence()
    >>> ax = plot_tree(tree, backward_induction(tree))
    >>> sum(line.get_linewidth() == 3.0 for line in ax.get_lines())   # In, then Accommodate
    2
    """
    import matplotlib.pyplot as plt

    position = _layout(tree)
    leaves = sum(1 for _, n in tree.walk() if isinstance(n, Terminal))
    depth = max(len(h) for h in position)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 1.0 * leaves), max(3.0, 1.4 * (depth + 1))))
    on_path, chosen = _highlight(tree, equilibrium)
    colours = plt.get_cmap("tab10")
    for history, node in tree.walk():
        x, y = position[history]
        if isinstance(node, Terminal):
            if show_payoffs:
                text = "(" + ", ".join(_number(v) for v in node.payoffs) + ")"
                ax.text(x, y - 0.12, text, ha="center", va="top", fontsize=8)
            ax.plot([x], [y], marker="o", markersize=3, color="black")
            continue
        for k, (action, child) in enumerate(zip(node.actions, node.children)):
            cx, cy = position[history + (action,)]
            edge = history + (action,)
            style = dict(color="grey", linewidth=1.0)
            if edge in on_path:
                style = dict(color=PATH_COLOUR, linewidth=3.0)
            elif edge in chosen:
                style = dict(color=CHOICE_COLOUR, linewidth=2.0)
            ax.plot([x, cx], [y, cy], zorder=1, **style)
            label = action
            if isinstance(node, Chance):
                label += f" ({_number(node.probabilities[k])})"
            ax.text((x + cx) / 2, (y + cy) / 2, label, ha="center", va="center", fontsize=8,
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))
        if isinstance(node, Decision):
            colour = colours(tree.players.index(node.player) % 10)
            ax.scatter([x], [y], s=120, color=colour, zorder=3, edgecolors="black")
            ax.text(x, y + 0.15, node.player, ha="center", va="bottom", fontsize=9, color=colour)
        else:
            ax.scatter([x], [y], s=100, marker="s", color="lightgrey", zorder=3, edgecolors="black")
            ax.text(x, y + 0.15, "chance", ha="center", va="bottom", fontsize=8, color="dimgrey")
    shared = [(key, h) for key, h in tree.infosets.items() if len(h) > 1]
    for k, ((player, name), histories) in enumerate(shared):
        # Alternate small vertical offsets so neighbouring sets on one level stay apart.
        lift = 0.06 * (k % 3 - 1)
        points = sorted(position[h] for h in histories)
        ax.plot([p[0] for p in points], [p[1] + lift for p in points], linestyle=":",
                color=colours(tree.players.index(player) % 10), linewidth=1.5, zorder=2)
        ax.text(points[-1][0] + 0.15, points[-1][1] + lift, name, fontsize=7, va="center",
                style="italic")
    ax.set_xlim(-0.7, leaves - 0.3)
    ax.set_ylim(-depth - 0.6, 0.6)
    ax.set_axis_off()
    if tree.title:
        ax.set_title(tree.title)
    return ax
