"""Figures of normal-form games: the payoff table, and the best-response diagram of a 2x2 game.

Each function is one call that returns the matplotlib Axes it drew on.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from games.normal_form.catalogue import battle_of_the_sexes
>>> ax = plot_best_responses(battle_of_the_sexes())
>>> len(ax.collections[0].get_offsets())  # the three equilibria marked
3
"""

from __future__ import annotations

from typing import Any

import numpy as np

from games.errors import InvalidGameError
from games.normal_form.game import NormalFormGame

__all__ = ["plot_payoff_table", "plot_best_responses"]


def _numeric(game: NormalFormGame, values: dict[str, float]) -> NormalFormGame:
    # bind() refuses values for a numeric game, rather than drawing it as if they applied.
    return game.bind(**values) if values else game


def _entry_text(entry: Any) -> str:
    return entry.text if hasattr(entry, "text") else _payoff_text(float(entry))


def _payoff_text(value: float) -> str:
    """At most four significant digits, thousands separated: 11.07, -0.006906, 1,235,000."""
    if value == 0:
        return "0"
    if abs(value) >= 10_000:
        digits = int(np.floor(np.log10(abs(value)))) + 1
        return f"{round(value, 4 - digits):,.0f}"
    return f"{value:.4g}"


def _text_width(text: str, size: float) -> float:
    """Width of ``text`` in bold at ``size`` points, in inches (no renderer needed)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), text or " ", size=size, prop=FontProperties(weight="bold"))
    return float(path.get_extents().width) / 72


def plot_payoff_table(game: NormalFormGame, ax: Any = None, *, mark_best_responses: bool = True,
                      unit: str = "", **values: float) -> Any:
    """Draw a two-player game's payoff table; box best replies, shade pure equilibria.

    Each cell holds the row player's payoff (red, top) over the column player's (blue,
    bottom), so long numbers never run into each other; cells are made wide enough for the
    longest entry (or, on a given ``ax``, the font shrinks until they fit). A symbolic game is
    drawn with its expressions (or bound first if parameter values are given). Each payoff is
    boxed where it is a best reply to the other's strategy, so a cell with both boxed, shaded,
    is a pure Nash equilibrium. ``unit`` names the payoffs' unit under the table.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from games.normal_form.catalogue import prisoners_dilemma
    >>> ax = plot_payoff_table(prisoners_dilemma())
    >>> ax.get_title()
    "Prisoner's dilemma"
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if game.n_players != 2:
        raise InvalidGameError(f"a payoff table figure shows two players; this game has "
                               f"{game.n_players} (draw it with print(game) instead)")
    game = _numeric(game, values)
    m, n = game.shape
    symbolic = game.is_symbolic
    if symbolic:
        texts = [np.vectorize(_entry_text, otypes=[object])(t)
                 for t in game.expressions]
        best = [np.zeros((m, n), bool), np.zeros((m, n), bool)]
    else:
        A, B = game.payoffs
        texts = [np.vectorize(_payoff_text, otypes=[object])(t) for t in (A, B)]
        # Each player's ties on their own scale, as in games.normal_form.symbolic.numeric_conditions.
        best = [A >= A.max(axis=0, keepdims=True) - 1e-12 * max(1.0, float(np.abs(A).max())),
                B >= B.max(axis=1, keepdims=True) - 1e-12 * max(1.0, float(np.abs(B).max()))]
    fontsize = 10.0
    widest = max(_text_width(t, fontsize) for k in (0, 1) for t in texts[k].flat)
    cell_w = max(0.9, widest + 0.35)  # inches, room for the best-reply box
    cell_h = 0.62
    if ax is None:
        labels = max(_text_width(str(s), fontsize) for s in game.strategies[0])
        _, ax = plt.subplots(figsize=(labels + 0.9 + cell_w * n, 1.3 + cell_h * m))
    else:  # a given Axes: shrink the font until the widest entry fits its cell
        box = ax.get_position()
        fig_w, fig_h = ax.figure.get_size_inches()
        have = min(box.width * fig_w / n / cell_w, box.height * fig_h / m / cell_h)
        fontsize = float(np.clip(fontsize * have, 5.0, 10.0))
    for i in range(m):
        for j in range(n):
            y = m - 1 - i  # first strategy at the top, as in a printed table
            both = mark_best_responses and best[0][i, j] and best[1][i, j]
            ax.add_patch(Rectangle((j, y), 1, 1, facecolor="#dbe9f6" if both else "white",
                                   edgecolor="black"))
            for k, (dy, colour) in enumerate(((0.7, "tab:red"), (0.3, "tab:blue"))):
                marked = mark_best_responses and best[k][i, j]
                ax.text(j + 0.5, y + dy, texts[k][i, j], ha="center", va="center",
                        color=colour, fontsize=fontsize,
                        fontweight="bold" if marked else "normal",
                        bbox=dict(boxstyle="round,pad=0.15", fc="none", ec=colour)
                        if marked else None)
    ax.set_xlim(0, n)
    ax.set_ylim(0, m)
    ax.set_xticks(np.arange(n) + 0.5, game.strategies[1], fontsize=fontsize)
    ax.set_yticks(np.arange(m) + 0.5, list(reversed(game.strategies[0])), fontsize=fontsize)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(f"{game.players[1]} (blue, bottom of each cell)")
    ax.set_ylabel(f"{game.players[0]} (red, top)")
    ax.tick_params(length=0)
    notes = ([f"payoffs in {unit}"] if unit else []) + (
        ["boxed: a best reply; shaded: both, a pure equilibrium"] if mark_best_responses
        and not symbolic else [])
    if notes:
        ax.text(0.5, -0.04, "; ".join(notes), transform=ax.transAxes, ha="center", va="top",
                fontsize=8, color="0.3", gid="note")
    ax.set_title(game.title, pad=8)
    return ax


def _best_reply_path(gain_at_0: float, gain_at_1: float, tol: float) -> list[tuple[float, float]]:
    """Best-reply probability of the first strategy, as a path over the opponent's mix t in [0, 1].

    ``gain(t)`` (first strategy minus second) is linear in t; where it is zero the reply can
    be anything in [0, 1], drawn as a vertical segment.
    """
    def level(g: float) -> float:
        return 1.0 if g > tol else 0.0 if g < -tol else np.nan

    g0, g1 = gain_at_0, gain_at_1
    if abs(g0) <= tol and abs(g1) <= tol:
        return []  # indifferent everywhere: the whole square (drawn as a shaded area)
    if g0 * g1 < 0:
        t = g0 / (g0 - g1)
        return [(0.0, level(g0)), (t, level(g0)), (t, level(g1)), (1.0, level(g1))]
    if abs(g0) <= tol:
        return [(0.0, 1 - level(g1)), (0.0, level(g1)), (1.0, level(g1))]
    if abs(g1) <= tol:
        return [(0.0, level(g0)), (1.0, level(g0)), (1.0, 1 - level(g0))]
    return [(0.0, level(g0)), (1.0, level(g0))]


def plot_best_responses(game: NormalFormGame, ax: Any = None, **values: float) -> Any:
    """Draw both players' best replies in a 2x2 game; the crossings (marked) are the equilibria.

    Horizontal axis: the probability that player 2 plays their first strategy; vertical: the
    probability that player 1 plays theirs. A symbolic game needs parameter values.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from games.normal_form.catalogue import matching_pennies
    >>> ax = plot_best_responses(matching_pennies())
    >>> ax.collections[0].get_offsets().tolist()
    [[0.5, 0.5]]
    """
    import matplotlib.pyplot as plt

    from games.normal_form.symbolic import symbolic_2x2

    game = _numeric(game, values)
    if game.is_symbolic:
        raise InvalidGameError(f"give values for {', '.join(game.parameter_names)} to draw best "
                               f"replies, e.g. plot_best_responses(game, "
                               f"{game.parameter_names[0]}=1.0)")
    if game.shape != (2, 2):
        raise InvalidGameError(f"the best-response diagram is for 2x2 games; this game is "
                               f"{'x'.join(map(str, game.shape))}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    A, B = (np.asarray(p) for p in game.payoffs)
    tol_A, tol_B = (1e-12 * max(1.0, float(np.abs(P).max())) for P in (A, B))
    row = _best_reply_path(A[0, 1] - A[1, 1], A[0, 0] - A[1, 0], tol_A)  # over q
    col = _best_reply_path(B[1, 0] - B[1, 1], B[0, 0] - B[0, 1], tol_B)  # over p
    (p1, p2), (s1, s2) = game.players, game.strategies
    if row:
        ax.plot([q for q, _ in row], [p for _, p in row], color="tab:red", lw=2.5,
                label=f"{p1}'s best reply")
    else:
        ax.axhspan(0, 1, color="tab:red", alpha=0.15, label=f"{p1} indifferent")
    if col:
        ax.plot([q for _, q in col], [p for p, _ in col], color="tab:blue", lw=2.5, ls="--",
                label=f"{p2}'s best reply")
    else:
        ax.axvspan(0, 1, color="tab:blue", alpha=0.15, label=f"{p2} indifferent")
    found = symbolic_2x2(game).evaluate()
    points = [(1.0 - j, 1.0 - i) for (i, j), flag in zip(np.ndindex(2, 2), list(found.holds.values())[:4])
              if flag]
    if found.holds["mixed"]:
        points.append((float(found.q), float(found.p)))
    ax.scatter([q for q, _ in points], [p for _, p in points], s=60, color="black", zorder=5,
               label="Nash equilibria")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel(f"P({p2} plays {s2[0]})")
    ax.set_ylabel(f"P({p1} plays {s1[0]})")
    ax.set_aspect("equal")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize="small")
    ax.set_title(game.title or "Best replies")
    return ax
