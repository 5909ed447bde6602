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
    return entry.text if hasattr(entry, "text") else f"{float(entry):.4g}"


def plot_payoff_table(game: NormalFormGame, ax: Any = None, *, mark_best_responses: bool = True,
                      **values: float) -> Any:
    """Draw a two-player game's payoff table; box best replies, shade pure equilibria.

    A symbolic game is drawn with its expressions (or bound first if parameter values are
    given). Each player's payoff is boxed where it is a best reply to the other's strategy, so
    a cell with both boxed, shaded, is a pure Nash equilibrium.

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
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.6 * n, 0.8 + 0.8 * m))
    symbolic = game.is_symbolic
    if symbolic:
        texts = [np.vectorize(_entry_text, otypes=[object])(t)
                 for t in game.expressions]
        best = [np.zeros((m, n), bool), np.zeros((m, n), bool)]
    else:
        A, B = game.payoffs
        texts = [np.vectorize(lambda v: f"{v:.4g}", otypes=[object])(t) for t in (A, B)]
        # Each player's ties on their own scale, as in games.normal_form.symbolic.numeric_conditions.
        best = [A >= A.max(axis=0, keepdims=True) - 1e-12 * max(1.0, float(np.abs(A).max())),
                B >= B.max(axis=1, keepdims=True) - 1e-12 * max(1.0, float(np.abs(B).max()))]
    for i in range(m):
        for j in range(n):
            y = m - 1 - i  # first strategy at the top, as in a printed table
            both = mark_best_responses and best[0][i, j] and best[1][i, j]
            ax.add_patch(Rectangle((j, y), 1, 1, facecolor="#dbe9f6" if both else "white",
                                   edgecolor="black"))
            for k, (x, colour) in enumerate(((j + 0.42, "tab:red"), (j + 0.58, "tab:blue"))):
                marked = mark_best_responses and best[k][i, j]
                # A best reply is boxed: the box fits the text, whatever its width.
                ax.text(x, y + 0.5, texts[k][i, j], ha="right" if k == 0 else "left",
                        va="center", color=colour, fontsize=10,
                        fontweight="bold" if marked else "normal",
                        bbox=dict(boxstyle="round,pad=0.2", fc="none", ec=colour) if marked else None)
            ax.text(j + 0.5, y + 0.5, ",", ha="center", va="center", fontsize=10)
    ax.set_xlim(0, n)
    ax.set_ylim(0, m)
    ax.set_xticks(np.arange(n) + 0.5, game.strategies[1])
    ax.set_yticks(np.arange(m) + 0.5, list(reversed(game.strategies[0])))
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(f"{game.players[1]} (blue)")
    ax.set_ylabel(f"{game.players[0]} (red)")
    ax.tick_params(length=0)
    ax.set_aspect("equal")
    ax.set_title(game.title, pad=28 if game.title else 6)
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
