"""Closed-form equilibria of 2x2 games as functions of the parameters.

For a 2x2 game with payoff matrices ``A`` (row player) and ``B`` (column player):

* the pure profile ``(i, j)`` is a Nash equilibrium exactly when neither player gains by
  switching alone: ``A[i, j] >= A[1-i, j]`` and ``B[i, j] >= B[i, 1-j]``;
* the fully mixed equilibrium makes each player indifferent between their two strategies.
  The row player's probability ``p`` of their first strategy comes from the *column* player's
  indifference, ``p = (B11 - B10) / (B00 - B01 - B10 + B11)``, and the column player's ``q``
  from the row player's, ``q = (A11 - A01) / (A00 - A01 - A10 + A11)`` (Osborne, *An
  Introduction to Game Theory*, 2004, section 4.3). It is a valid mixture (both strictly
  between 0 and 1) exactly when ``(A00 - A10)(A11 - A01) > 0`` and
  ``(B00 - B01)(B11 - B10) > 0``: each player's better reply flips with the other's strategy.

The game is degenerate when a player is indifferent against a pure strategy of the other
(``A00 = A10``, ``A01 = A11``, ``B00 = B01`` or ``B10 = B11``); there equilibria can form
continua (one player mixing over an interval), which the conditions above do not list.

>>> import sympy
>>> T, R, P, S = sympy.symbols("T R P S", real=True)
>>> pd = symbolic_2x2([[R, S], [T, P]], [[R, T], [S, P]], strategies=[("C", "D"), ("C", "D")])
>>> pd.pure_conditions["(D,D)"]
P >= S
>>> pd.evaluate(T=5, R=3, P=1, S=0).equilibria()
['(D,D)']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from games.errors import InvalidGameError, ParameterError
from games.results import TabularResult

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["symbolic_2x2", "Symbolic2x2", "Evaluated2x2"]


def _to_sympy(entry: Any, where: str) -> sympy.Expr:
    """One payoff as a sympy expression: sympy objects, Expressions, numbers or safe text."""
    if isinstance(entry, sympy.Basic):
        return entry
    if hasattr(entry, "sympy"):
        return entry.sympy
    if isinstance(entry, str):
        from games.expressions import parse_expression

        return parse_expression(entry, where=where).sympy
    if isinstance(entry, (bool, np.bool_)):
        raise InvalidGameError(f"{where} is {entry!r}; give a number or an expression")
    try:
        value = float(entry)
    except (TypeError, ValueError):
        raise InvalidGameError(
            f"{where} is {entry!r}; give a number, an expression text or a sympy expression"
        ) from None
    if not np.isfinite(value):
        raise InvalidGameError(f"{where} is {value}; payoffs must be finite")
    return sympy.Integer(int(value)) if value.is_integer() else sympy.Float(value)


def _matrices(game_or_A: Any, B: Any) -> tuple[sympy.ImmutableMatrix, sympy.ImmutableMatrix,
                                                 tuple[str, str], tuple[tuple[str, ...], ...]]:
    """Read the two payoff matrices (and names) from a game or from two 2x2 tables."""
    if B is None and hasattr(game_or_A, "strategies"):
        game = game_or_A
        if game.shape != (2, 2):
            raise InvalidGameError(
                f"symbolic_2x2 needs a two-player game with two strategies each; this game has "
                f"shape {game.shape} (use games.equilibria for larger games)")
        tables = game.expressions if game.is_symbolic else game.payoffs
        players, strategies = tuple(game.players), tuple(game.strategies)
    else:
        if B is None:
            raise InvalidGameError("give a 2x2 NormalFormGame, or both payoff tables A and B")
        tables, players, strategies = (game_or_A, B), ("Player 1", "Player 2"), None
    matrices = []
    for player, table in zip(("row player", "column player"), tables):
        try:
            rows = [list(row) for row in (table.tolist() if hasattr(table, "tolist") else table)]
        except TypeError:  # a number, or a flat list of numbers
            rows = None
        if rows is None or len(rows) != 2 or any(len(row) != 2 for row in rows):
            raise InvalidGameError(f"the {player}'s payoff table must be 2x2, got {rows!r}")
        matrices.append(sympy.ImmutableMatrix(
            [[_to_sympy(rows[i][j], f"{player}'s payoff at ({i}, {j})") for j in range(2)]
             for i in range(2)]))
    return matrices[0], matrices[1], players, strategies


def _no_gain(stay: sympy.Expr, switch: sympy.Expr, gain: sympy.Expr) -> Any:
    difference = sympy.expand(-gain)
    if difference.is_number or not difference.free_symbols:
        return sympy.Ge(difference, 0)
    return sympy.Ge(stay, switch)


def _profile_label(strategies: Sequence[Sequence[str]], i: int, j: int) -> str:
    return f"({strategies[0][i]},{strategies[1][j]})"


def deviation_gains(A: Any, B: Any) -> dict[tuple[int, int], tuple[Any, Any]]:
    """For each pure profile, what each player gains by switching alone (A, B indexable 2x2).

    The profile is an equilibrium when both gains are <= 0. Works on sympy matrices and on
    numpy arrays whose first two axes are the strategies (stacked points broadcast).
    """
    return {(i, j): (A[1 - i, j] - A[i, j], B[i, 1 - j] - B[i, j])
            for i in range(2) for j in range(2)}


def indifference_flips(A: Any, B: Any) -> tuple[Any, Any]:
    """The two products that are positive exactly when the fully mixed equilibrium exists."""
    return ((A[0, 0] - A[1, 0]) * (A[1, 1] - A[0, 1]),
            (B[0, 0] - B[0, 1]) * (B[1, 1] - B[1, 0]))


def numeric_conditions(A: np.ndarray, B: np.ndarray, tol: float
                       ) -> tuple[dict[tuple[int, int], np.ndarray], np.ndarray, np.ndarray]:
    """Which pure profiles are equilibria, whether the mixed one exists, and degeneracy.

    ``A`` and ``B`` have shape (2, 2, *points). ``tol`` means what it means for every
    normal-form game (:func:`games.normal_form.equilibria.equilibrium.player_ranges`): a gain
    within ``tol`` times the player's own payoff range (the game's range for a player with
    constant payoffs, 1 for a constant game) counts as zero. Each player is measured on their
    own scale, so huge payoffs of one player do not make the other's differences look like ties,
    and adding a constant to a player's payoffs changes nothing.
    """
    range_A, range_B = np.ptp(A, axis=(0, 1)), np.ptp(B, axis=(0, 1))
    game_range = np.maximum(A.max(axis=(0, 1)), B.max(axis=(0, 1))) - np.minimum(
        A.min(axis=(0, 1)), B.min(axis=(0, 1)))
    game_range = np.where(game_range > 0, game_range, 1.0)
    slack_A = tol * np.where(range_A > 0, range_A, game_range)
    slack_B = tol * np.where(range_B > 0, range_B, game_range)
    pure = {profile: (gain_row <= slack_A) & (gain_col <= slack_B)
            for profile, (gain_row, gain_col) in deviation_gains(A, B).items()}
    flip_row, flip_col = indifference_flips(A, B)
    mixed = (flip_row > slack_A**2) & (flip_col > slack_B**2)
    degenerate = ((np.abs(A[0, 0] - A[1, 0]) <= slack_A) | (np.abs(A[0, 1] - A[1, 1]) <= slack_A)
                  | (np.abs(B[0, 0] - B[0, 1]) <= slack_B) | (np.abs(B[1, 0] - B[1, 1]) <= slack_B))
    return pure, mixed, degenerate


@dataclass(frozen=True)
class Symbolic2x2(TabularResult):
    """From :func:`symbolic_2x2`: a 2x2 game's equilibria as conditions on its parameters.

    ``p`` (``q``) is the probability that player 1 (player 2) plays their first strategy in
    the fully mixed equilibrium; ``mixed_condition`` says when that equilibrium exists;
    ``pure_conditions`` maps a profile label such as ``"(C,D)"`` to the condition under which
    it is an equilibrium; ``degenerate_condition`` says when continua are possible. In the
    stag hunt each hunter goes for the stag with probability
    hare/stag in the mixed equilibrium, and (S,S) holds whenever the stag is worth at least
    the hare:

    >>> from games import stag_hunt, symbolic_2x2
    >>> hunt = symbolic_2x2(stag_hunt(symbolic=True))
    >>> hunt.p, hunt.pure_conditions["(S,S)"]
    (hare/stag, stag >= hare)
    """

    players: tuple[str, str]
    strategies: tuple[tuple[str, str], tuple[str, str]]
    A: sympy.ImmutableMatrix
    B: sympy.ImmutableMatrix
    p: sympy.Expr
    q: sympy.Expr
    mixed_condition: Any
    mixed_payoffs: tuple[sympy.Expr, sympy.Expr]
    pure_conditions: Mapping[str, Any]
    degenerate_condition: Any
    parameters: tuple[str, ...]
    method: str = "closed form (indifference and best-response conditions)"
    _compiled: dict = field(default_factory=dict, repr=False, compare=False)
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        """The profile labels in table order, then ``"mixed"``."""
        return tuple(self.pure_conditions) + ("mixed",)

    def _function(self, key: str, expression: Any):
        if key not in self._compiled:
            symbols = sorted(expression_symbols(self), key=str)
            self._compiled[key] = (symbols, sympy.lambdify(symbols, expression, modules="numpy"))
        return self._compiled[key]

    def evaluate(self, tol: float = 1e-12, **values: Any) -> Evaluated2x2:
        """Which equilibria hold at the given parameter values (numbers or broadcasting arrays).

        ``tol`` is relative to each player's own payoff range, as for every normal-form game: a
        gain within it counts as zero (so ties are equilibria, and the point is reported
        degenerate).

        >>> import sympy
        >>> x = sympy.Symbol("x", real=True)
        >>> game = symbolic_2x2([[x, 0], [0, 1]], [[x, 0], [0, 1]])
        >>> result = game.evaluate(x=[2.0, -1.0])
        >>> result.holds["(s1,s1)"].tolist(), result.holds["mixed"].tolist()
        ([True, False], [True, False])
        """
        from games.normal_form.equilibria.equilibrium import check_tolerance

        tol = check_tolerance(tol)  # a NaN tol made every test fail: no equilibrium anywhere
        missing = sorted(set(self.parameters) - set(values))
        if missing:
            raise ParameterError(
                f"no value for {', '.join(missing)}; this game's parameters are "
                f"{', '.join(self.parameters)}")
        # Values of names the payoffs do not use are ignored, so a whole parameter set can be
        # passed (as Expression calls allow).
        try:
            arrays = {k: np.asarray(values[k], dtype=float) for k in self.parameters}
            shape = np.broadcast_shapes(*(a.shape for a in arrays.values())) if arrays else ()
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"parameter values must be numbers or arrays that broadcast: {exc}") from None
        symbols, payoffs = self._function("payoffs", [list(self.A), list(self.B)])
        with np.errstate(all="ignore"):
            raw = payoffs(*(arrays[str(s)] for s in symbols))
        # raw is a nested list [A entries, B entries]; broadcast every entry to the grid shape.
        table = np.array([[np.broadcast_to(np.asarray(v, dtype=float), shape) for v in row]
                          for row in raw])  # (2, 4, *shape)
        A = table[0].reshape((2, 2) + shape)
        B = table[1].reshape((2, 2) + shape)
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
            raise ParameterError("the payoffs are not finite at some of these parameter values")
        pure, mixed, degenerate = numeric_conditions(A, B, tol)
        holds = {_profile_label(self.strategies, i, j): flag for (i, j), flag in pure.items()}
        holds["mixed"] = mixed
        with np.errstate(all="ignore"):
            p = np.where(holds["mixed"], (B[1, 1] - B[1, 0]) /
                         (B[0, 0] - B[0, 1] - B[1, 0] + B[1, 1]), np.nan)
            q = np.where(holds["mixed"], (A[1, 1] - A[0, 1]) /
                         (A[0, 0] - A[0, 1] - A[1, 0] + A[1, 1]), np.nan)
        return Evaluated2x2(values={k: arrays[k] for k in self.parameters}, holds=holds, p=p, q=q,
                            degenerate=degenerate, tolerance=tol)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        rows = []
        for (i, j), (label, condition) in zip(np.ndindex(2, 2), self.pure_conditions.items()):
            rows.append((label, self.strategies[0][i], self.strategies[1][j],
                         f"{self.A[i, j]}, {self.B[i, j]}", str(condition)))
        rows.append(("mixed", f"p = {self.p}", f"q = {self.q}",
                     f"{self.mixed_payoffs[0]}, {self.mixed_payoffs[1]}", str(self.mixed_condition)))
        return pd.DataFrame([r[1:] for r in rows], index=[r[0] for r in rows],
                            columns=[self.players[0], self.players[1], "payoffs", "equilibrium when"])

    def caption(self) -> str:
        return (f"method: {self.method}; p, q: probability of each player's first strategy; "
                f"degenerate (continua possible) when {self.degenerate_condition}")


def expression_symbols(result: Symbolic2x2) -> set[sympy.Symbol]:
    """The free symbols of a symbolic result's payoffs."""
    return set(result.A.free_symbols) | set(result.B.free_symbols)


@dataclass(frozen=True)
class Evaluated2x2(TabularResult):
    """From :meth:`Symbolic2x2.evaluate`: which equilibria hold at given values (scalars or arrays).

    ``holds`` maps each equilibrium label to a
    boolean array over the points; ``p`` and ``q`` are the mixed equilibrium's probabilities
    (NaN where it does not exist). A stag hunt with the hare worth more than the stag has
    only (H,H) left:

    >>> from games import stag_hunt, symbolic_2x2
    >>> at = symbolic_2x2(stag_hunt(symbolic=True)).evaluate(stag=4, hare=[1, 3, 5])
    >>> at.holds["(S,S)"].tolist(), at.holds["(H,H)"].tolist(), at.p.tolist()[:2]
    ([True, True, False], [True, True, True], [0.25, 0.75])
    """

    values: Mapping[str, np.ndarray]
    holds: Mapping[str, np.ndarray]
    p: np.ndarray
    q: np.ndarray
    degenerate: np.ndarray
    tolerance: float
    method: str = "closed-form 2x2 conditions evaluated on parameter arrays"
    settings: Mapping[str, Any] = field(default_factory=dict)

    def equilibria(self) -> list[str]:
        """Labels of the equilibria at a single point (e.g. ``['(C,C)', '(D,D)', 'mixed']``)."""
        if np.ndim(self.p):
            raise ParameterError("equilibria() lists one point; this result holds several "
                                 "(use .holds or .to_frame())")
        return [label for label, flag in self.holds.items() if bool(flag)]

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        columns = {name: np.ravel(np.broadcast_to(v, np.shape(self.p)))
                   for name, v in self.values.items()}
        columns.update({label: np.ravel(flag) for label, flag in self.holds.items()})
        columns.update({"p": np.ravel(self.p), "q": np.ravel(self.q),
                        "degenerate": np.ravel(self.degenerate)})
        return pd.DataFrame(columns)

    def caption(self) -> str:
        return (f"closed-form 2x2 conditions; ties within {self.tolerance:g} x largest payoff "
                f"count as equilibria and mark the point degenerate")


def symbolic_2x2(game_or_A: Any, B: Any = None, *, players: Sequence[str] | None = None,
                 strategies: Sequence[Sequence[str]] | None = None) -> Symbolic2x2:
    """Solve a 2x2 game in closed form: pure-profile conditions and the mixed equilibrium.

    Pass a 2x2 :class:`NormalFormGame` (symbolic or numeric) or two 2x2 tables of sympy
    expressions, Expressions, numbers or safe expression texts.

    >>> mp = symbolic_2x2([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> mp.p, mp.q, mp.mixed_condition
    (1/2, 1/2, True)
    """
    A, B, game_players, game_strategies = _matrices(game_or_A, B)
    players = tuple(players) if players is not None else game_players
    strategies = tuple(tuple(s) for s in (strategies or game_strategies or
                                          (("s1", "s2"), ("s1", "s2"))))
    if len(players) != 2 or len(strategies) != 2 or any(len(s) != 2 for s in strategies):
        raise InvalidGameError(f"a 2x2 game has two players with two strategies each; got "
                               f"players {players} and strategies {strategies}")
    pure = {}
    for (i, j), (gain_row, gain_col) in deviation_gains(A, B).items():
        # Stated as "my payoff here >= my payoff after switching", which reads like the
        # textbook (e.g. P >= S); sympy settles numeric comparisons to True/False itself.
        pure[_profile_label(strategies, i, j)] = sympy.And(
            _no_gain(A[i, j], A[1 - i, j], gain_row), _no_gain(B[i, j], B[i, 1 - j], gain_col))
    flip_row, flip_col = indifference_flips(A, B)
    mixed_condition = sympy.And(sympy.Gt(sympy.factor(flip_row), 0), sympy.Gt(sympy.factor(flip_col), 0))
    p = sympy.factor(sympy.cancel((B[1, 1] - B[1, 0]) / (B[0, 0] - B[0, 1] - B[1, 0] + B[1, 1])))
    q = sympy.factor(sympy.cancel((A[1, 1] - A[0, 1]) / (A[0, 0] - A[0, 1] - A[1, 0] + A[1, 1])))
    if mixed_condition == sympy.false:
        p = q = u_row = u_col = sympy.nan
    else:
        u_row = sympy.factor(sympy.cancel(q * A[0, 0] + (1 - q) * A[0, 1]))
        u_col = sympy.factor(sympy.cancel(p * B[0, 0] + (1 - p) * B[1, 0]))
    degenerate = sympy.Or(sympy.Eq(A[0, 0], A[1, 0]), sympy.Eq(A[0, 1], A[1, 1]),
                          sympy.Eq(B[0, 0], B[0, 1]), sympy.Eq(B[1, 0], B[1, 1]))
    names = tuple(sorted(str(s) for s in (set(A.free_symbols) | set(B.free_symbols))))
    return Symbolic2x2(players=players, strategies=strategies, A=A, B=B, p=p, q=q,
                       mixed_condition=mixed_condition, mixed_payoffs=(u_row, u_col),
                       pure_conditions=pure, degenerate_condition=degenerate, parameters=names)
