"""Regime maps: which equilibria (by support) hold over a grid of two parameters.

A regime is the set of equilibrium supports at a parameter point, labelled in the game's own
strategy names: ``"(C,C)"`` for a pure profile, ``"mixed"`` when every player mixes over all
their strategies, ``"(C+D,D)"`` for a partially mixed one, joined with ``" & "`` when several
hold, e.g. ``"(C,C) & (D,D) & mixed"`` for a stag hunt. Points where the game is degenerate
(on a boundary, where payoffs tie) are flagged: there equilibria may form continua.

>>> from games.normal_form.catalogue import prisoners_dilemma
>>> game = prisoners_dilemma(symbolic=True)
>>> regimes = regime_map(game, "T", [2.0, 4.0], "S", [0.0])
>>> regimes.regimes.tolist()
[['(C,C) & (D,D) & mixed', '(D,D)']]
"""

from __future__ import annotations


from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from games.errors import GameError, ParameterError
from games.normal_form.game import NormalFormGame
from games.results import TabularResult

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["regime_map", "RegimeMap", "plot_regime_map", "support_label"]


def support_label(strategies: Sequence[Sequence[str]], support: Sequence[Sequence[int]]) -> str:
    """Name an equilibrium by its support: ``"(C,D)"``, ``"mixed"`` or ``"(C+D,D)"``.

    >>> support_label([("C", "D"), ("C", "D")], [(0,), (0, 1)])
    '(C,C+D)'
    """
    if all(len(s) == len(names) and len(names) > 1 for s, names in zip(support, strategies)):
        return "mixed"
    return "(" + ",".join("+".join(names[k] for k in s) for s, names in zip(support, strategies)) + ")"


def _order(strategies: Sequence[Sequence[str]], support: Sequence[Sequence[int]]) -> tuple:
    # Pure profiles first in table order, then by size of support: a stable, readable order.
    return (sum(len(s) for s in support), tuple(tuple(s) for s in support))


@dataclass(frozen=True)
class RegimeMap(TabularResult):
    """From :func:`regime_map`: the set of equilibrium supports at each point of a 2-parameter grid.

    ``regimes[i, j]`` is the label at ``y_values[i]``, ``x_values[j]``; ``counts`` the number
    of equilibria found there and ``degenerate`` whether the game is degenerate there.
    Draw it with :func:`plot_regime_map`. A stag hunt has
    three equilibria while the stag is worth more than the hare, and only (H,H) after:

    >>> from games import regime_map, stag_hunt
    >>> hunt = regime_map(stag_hunt(symbolic=True), "hare", [1.0, 5.0], "stag", [4.0])
    >>> hunt.regimes.tolist(), hunt.counts.tolist()
    ([['(S,S) & (H,H) & mixed', '(H,H)']], [[3, 1]])
    """

    x: str
    y: str
    x_values: np.ndarray
    y_values: np.ndarray
    regimes: np.ndarray
    counts: np.ndarray
    degenerate: np.ndarray
    method: str
    tolerance: float
    fixed: Mapping[str, float] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        """The distinct regimes, in order of first appearance over the grid."""
        return tuple(dict.fromkeys(self.regimes.ravel().tolist()))

    def regime_at(self, x: float, y: float) -> str:
        """The regime at the grid point nearest to ``(x, y)``."""
        i = int(np.argmin(np.abs(self.y_values - y)))
        j = int(np.argmin(np.abs(self.x_values - x)))
        return str(self.regimes[i, j])

    def to_frame(self) -> pd.DataFrame:
        """One row per grid point: the two parameters, the regime, count and degeneracy."""
        import pandas as pd
        X, Y = np.meshgrid(self.x_values, self.y_values)
        return pd.DataFrame({self.x: X.ravel(), self.y: Y.ravel(), "regime": self.regimes.ravel(),
                             "equilibria": self.counts.ravel(),
                             "degenerate": self.degenerate.ravel()})

    def caption(self) -> str:
        fixed = ", ".join(f"{k}={v:g}" for k, v in self.fixed.items())
        share = float(np.mean(self.degenerate)) if self.degenerate.size else 0.0
        return (f"regime map over {self.x} x {self.y} ({self.regimes.shape[1]} x "
                f"{self.regimes.shape[0]} points) by {self.method}, tolerance {self.tolerance:g}"
                + (f"; fixed {fixed}" if fixed else "")
                + (f"; {share:.1%} of points degenerate (equilibria may form continua there)"
                   if share else ""))


def _solvers() -> tuple[Callable, Callable, Callable]:
    """The numeric solvers (imported when used: the solver package imports this package)."""
    from games.normal_form.equilibria import equilibria, equilibria_batch, pure_equilibria

    return equilibria, equilibria_batch, pure_equilibria


def _points(game: Any, x: str, xs: np.ndarray, y: str, ys: np.ndarray,
            fixed: Mapping[str, float]) -> tuple[tuple[np.ndarray, ...], tuple, tuple]:
    """Payoff arrays stacked over the grid (y outer, x inner): one (k, m1..mn) array per player."""
    X, Y = np.meshgrid(xs, ys)
    values = {x: X.ravel(), y: Y.ravel()}
    if isinstance(game, NormalFormGame):
        if not game.is_symbolic:
            raise ParameterError(
                "a regime map varies parameters; this game is numeric. Build it with "
                "from_expressions (or a catalogue builder with symbolic=True), or pass a "
                "function of the two parameters that returns a game")
        from games.normal_form.payoff_expressions import names_and_defaults

        known = set(game.parameter_names) | set(names_and_defaults(game.parameters)[1])
        for name in (x, y, *fixed):
            if name not in known:
                raise ParameterError(
                    f"{name!r} is not a parameter of this game; its parameters are "
                    f"{', '.join(sorted(known)) or '(none)'}")
        broadcast = {k: np.full(X.size, float(v)) for k, v in fixed.items()}
        payoffs = game.payoff_arrays(**broadcast, **values)
        return payoffs, game.players, game.strategies
    if not callable(game):
        raise ParameterError("regime_map needs a symbolic NormalFormGame or a function "
                             "(x, y) -> NormalFormGame")
    games = [game(**{x: float(a), y: float(b)}, **fixed) for a, b in zip(X.ravel(), Y.ravel())]
    if not all(isinstance(g, NormalFormGame) for g in games):
        wrong = next(g for g in games if not isinstance(g, NormalFormGame))
        raise ParameterError(f"the game builder must return a NormalFormGame; it returned "
                             f"{type(wrong).__name__}")
    first = games[0]
    if any(g.shape != first.shape for g in games):
        raise GameError("the game builder returned games of different shapes over the grid; a "
                        "regime map needs one shape")
    payoffs = tuple(np.stack([g.payoffs[p] for g in games]) for p in range(first.n_players))
    return payoffs, first.players, first.strategies


def _closed_form_2x2(payoffs: tuple[np.ndarray, ...], strategies, tol: float):
    """All equilibria of many 2x2 games at once from the closed-form conditions."""
    from games.normal_form.symbolic import numeric_conditions

    A = np.moveaxis(payoffs[0], 0, -1)  # (2, 2, k): strategy axes first, as the formulas index
    B = np.moveaxis(payoffs[1], 0, -1)
    pure, mixed, degenerate = numeric_conditions(A, B, tol)
    found = [[] for _ in range(A.shape[-1])]
    for (i, j), holds in pure.items():
        for k in np.flatnonzero(holds):
            found[k].append(((i,), (j,)))
    for k in np.flatnonzero(mixed):
        found[k].append(((0, 1), (0, 1)))
    return found, degenerate


def _supports(strategies: Any) -> tuple[tuple[int, ...], ...]:
    # Probabilities below this are rounding noise, not part of the support.
    return tuple(tuple(int(i) for i in np.flatnonzero(np.asarray(s) > 1e-9)) for s in strategies)


def regime_map(game: NormalFormGame | Callable[..., NormalFormGame], x: str,
               x_values: Sequence[float], y: str, y_values: Sequence[float], *,
               fixed: Mapping[str, float] | None = None, method: str = "auto",
               tol: float = 1e-9) -> RegimeMap:
    """Map which equilibria hold over a grid of parameters ``x`` and ``y`` (others fixed).

    ``game`` is a symbolic game (others at their point values unless in ``fixed``) or a
    function taking the parameters as keywords and returning a numeric game. ``method``:
    ``"closed-form"`` (2x2 only, vectorised formulas), ``"solver"`` (``games.equilibria``:
    its batch solver for two players, a loop otherwise; pure equilibria for n players), or
    ``"auto"`` (the solver when available, else the closed form for 2x2).

    >>> from games.normal_form.catalogue import chicken
    >>> m = regime_map(chicken(symbolic=True), "v", [1.0, 3.0], "c", [2.0], method="closed-form")
    >>> m.regime_at(1.0, 2.0), m.regime_at(3.0, 2.0)
    ('(H,D) & (D,H) & mixed', '(H,H)')
    """
    from games.normal_form.equilibria.equilibrium import check_tolerance

    tol = check_tolerance(tol)  # a NaN tol made every closed-form test fail: "(none found)"
    try:
        xs = np.asarray(x_values, dtype=float).ravel()
        ys = np.asarray(y_values, dtype=float).ravel()
        fixed = {str(k): float(v) for k, v in dict(fixed or {}).items()}
    except (TypeError, ValueError):
        raise ParameterError(f"x_values, y_values and the fixed values must be numbers; got "
                             f"{x_values!r}, {y_values!r} and {fixed!r}") from None
    if x in fixed or y in fixed:
        raise ParameterError(f"{x!r} and {y!r} vary over the grid; leave them out of fixed")
    if xs.size == 0 or ys.size == 0 or not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        raise ParameterError(f"x_values and y_values must be non-empty finite numbers; got "
                             f"{xs.size} values of {x} and {ys.size} of {y}")
    if x == y:
        raise ParameterError(f"x and y must be two different parameters; both are {x!r}")
    payoffs, players, strategies = _points(game, x, xs, y, ys, fixed)
    shape = tuple(len(s) for s in strategies)
    solve, solve_batch, solve_pure = _solvers()
    if method == "auto":
        method = "solver"
    if method == "closed-form":
        if shape != (2, 2):
            raise GameError(f"the closed form covers 2x2 games; this game is "
                            f"{'x'.join(map(str, shape))}: use method='solver'")
        supports, degenerate = _closed_form_2x2(payoffs, strategies, tol)
        made_by = "closed-form 2x2 conditions"
    elif method == "solver":
        supports, degenerate, made_by = _solve_points(payoffs, players, strategies, tol,
                                                      solve, solve_batch, solve_pure)
    else:
        raise ParameterError(f"method must be 'auto', 'closed-form' or 'solver'; got {method!r}")
    labels = [" & ".join(support_label(strategies, s) for s in sorted(found, key=lambda s: _order(strategies, s)))
              or "(none found)" for found in supports]
    grid = (ys.size, xs.size)
    return RegimeMap(x=x, y=y, x_values=xs, y_values=ys,
                     regimes=np.array(labels, dtype=object).reshape(grid),
                     counts=np.array([len(f) for f in supports]).reshape(grid),
                     degenerate=np.asarray(degenerate, dtype=bool).reshape(grid),
                     method=made_by, tolerance=tol, fixed=fixed)


def _solve_points(payoffs, players, strategies, tol, solve, solve_batch, solve_pure):
    """Equilibrium supports at each point with the numeric solvers (batch when possible)."""
    n_players = len(players)
    k = payoffs[0].shape[0]
    if n_players == 2 and solve_batch is not None:
        batch = solve_batch(payoffs[0], payoffs[1], tol=tol)
        supports = [[_supports(pair) for pair in batch.equilibria_of(g)] for g in range(k)]
        degenerate = np.asarray(batch.degenerate, dtype=bool)
        made_by = f"games.equilibria_batch ({batch.method})"
    else:
        function = solve if n_players == 2 else solve_pure
        sets = [function(NormalFormGame.from_arrays(*(p[i] for p in payoffs), players=players,
                                                    strategies=strategies), tol=tol)
                for i in range(k)]
        supports = [[_supports(e.strategies) for e in found] for found in sets]
        degenerate = [bool(getattr(found, "degenerate", False)) for found in sets]
        made_by = "games.equilibria" if n_players == 2 else "games.pure_equilibria (pure only)"
    return supports, degenerate, made_by


def plot_regime_map(regimes: RegimeMap, ax: Any = None, *, cmap: str = "tab10",
                    mark_degenerate: bool = True) -> Any:
    """Draw a regime map: one colour per regime, a legend, degenerate points marked; returns Axes.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from games.normal_form.catalogue import stag_hunt
    >>> m = regime_map(stag_hunt(symbolic=True), "stag", [1, 2, 3], "hare", [1, 2],
    ...                method="closed-form")
    >>> plot_regime_map(m).get_xlabel()
    'stag'
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    labels = regimes.labels
    codes = np.vectorize(labels.index, otypes=[int])(regimes.regimes)
    colours = plt.get_cmap(cmap)(np.arange(len(labels)) % plt.get_cmap(cmap).N)
    ax.pcolormesh(_edges(regimes.x_values), _edges(regimes.y_values), codes,
                  cmap=ListedColormap(colours),
                  norm=BoundaryNorm(np.arange(len(labels) + 1) - 0.5, len(labels)),
                  shading="flat")
    if mark_degenerate and regimes.degenerate.any():
        X, Y = np.meshgrid(regimes.x_values, regimes.y_values)
        ax.scatter(X[regimes.degenerate], Y[regimes.degenerate], s=6, c="k", marker="x",
                   label="degenerate")
    handles = [Patch(color=colours[i], label=label) for i, label in enumerate(labels)]
    ax.legend(handles=handles, title="equilibria", loc="best", fontsize="small")
    ax.set_xlabel(regimes.x)
    ax.set_ylabel(regimes.y)
    ax.set_title("Equilibrium regimes")
    return ax


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around grid centres (for pcolormesh), half a step beyond each end."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]])
