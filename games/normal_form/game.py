"""Normal-form (strategic-form) games: n players, named strategies, numeric or symbolic payoffs.

A :class:`NormalFormGame` is immutable. Numeric games come from payoff arrays
(:meth:`NormalFormGame.from_arrays`, :meth:`NormalFormGame.from_nashpy`); symbolic games come
from payoff expressions of named parameters (:meth:`NormalFormGame.from_expressions`) and turn
numeric with :meth:`NormalFormGame.bind` (one point) or :meth:`NormalFormGame.payoff_arrays`
(a stack of games, one per parameter draw, for the batch solvers).

Payoff arrays follow the usual convention: player ``i``'s array has shape ``(m1, ..., mn)`` and
entry ``[s1, ..., sn]`` is what player ``i`` gets when player ``j`` plays strategy ``sj``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TYPE_CHECKING

import numpy as np

from games.errors import InvalidGameError, ParameterError
from games.normal_form.payoff_tables import (as_payoff_array, check_names, check_spread,
                                             default_players, payoff_floats, split_arrays)
from games.results import TabularResult

if TYPE_CHECKING:
    import pandas as pd


class NormalFormGame(TabularResult):
    """A finite game in normal form: build it with ``from_arrays`` or ``from_expressions``.

    >>> game = NormalFormGame.from_arrays([[3, 0], [5, 1]], [[3, 5], [0, 1]],
    ...                                   strategies=[("C", "D"), ("C", "D")])
    >>> game.shape
    (2, 2)
    >>> print(game)
                Player 2: C Player 2: D
    Player 1: C        3, 3        0, 5
    Player 1: D        5, 0        1, 1
    """

    __slots__ = ("_payoffs", "_expressions", "_players", "_strategies", "_title", "_parameters")

    def __init__(self, payoffs: Sequence[np.ndarray] | None, players: tuple[str, ...],
                 strategies: tuple[tuple[str, ...], ...], title: str = "",
                 expressions: Sequence[np.ndarray] | None = None, parameters: Any = None):
        # Internal constructor: users go through from_arrays / from_expressions, which validate.
        object.__setattr__(self, "_payoffs", None if payoffs is None else tuple(payoffs))
        object.__setattr__(self, "_expressions", None if expressions is None else tuple(expressions))
        object.__setattr__(self, "_players", players)
        object.__setattr__(self, "_strategies", strategies)
        object.__setattr__(self, "_title", title)
        object.__setattr__(self, "_parameters", parameters)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("NormalFormGame is immutable; build a new game instead")

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_arrays(cls, *arrays: Any, players: Sequence[str] | None = None,
                    strategies: Sequence[Sequence[str] | None] | None = None,
                    title: str = "") -> NormalFormGame:
        """Build a numeric game from one payoff array per player (``A, B`` or ``[A1, A2, A3]``).

        A single matrix ``A`` gives the zero-sum game ``(A, -A)``.

        >>> NormalFormGame.from_arrays([[1, -1], [-1, 1]]).is_zero_sum()
        True
        >>> NormalFormGame.from_arrays([[1, 2]], [[1, 2], [3, 4]])
        Traceback (most recent call last):
        ...
        games.errors.InvalidGameError: Player 2's payoff array has shape (2, 2) but Player 1's has shape (1, 2); every player's array must have the same shape (strategies of Player 1, ..., strategies of Player 2)
        """
        parts = split_arrays(arrays)
        n = len(parts)
        names = default_players(n) if players is None else tuple(str(p) for p in players)
        if len(names) != n:
            raise InvalidGameError(
                f"{len(names)} player names given for {n} payoff arrays; give one name per array")
        if n < 2:
            raise InvalidGameError("a game needs at least two players' payoff arrays")
        raws = [as_payoff_array(a, p) for a, p in zip(parts, names)]
        for raw, player in zip(raws, names):
            if raw.ndim != n:
                raise InvalidGameError(
                    f"{player}'s payoff array has shape {raw.shape}, but a game of {n} players "
                    f"needs {n}-dimensional arrays of shape (strategies of Player 1, ..., "
                    f"strategies of Player {n})")
        shape = raws[0].shape
        for raw, player in zip(raws[1:], names[1:]):
            if raw.shape != shape:
                raise InvalidGameError(
                    f"{player}'s payoff array has shape {raw.shape} but {names[0]}'s has shape "
                    f"{shape}; every player's array must have the same shape (strategies of "
                    f"{names[0]}, ..., strategies of {names[-1]})")
        if 0 in shape:
            raise InvalidGameError(f"every player needs at least one strategy; shape is {shape}")
        payoffs = []
        for raw, player in zip(raws, names):
            array = payoff_floats(raw, player)
            array.setflags(write=False)
            payoffs.append(array)
        check_spread(payoffs)
        players_, strategies_ = check_names(names, strategies, shape)
        return cls(payoffs, players_, strategies_, title=str(title))

    @classmethod
    def from_nashpy(cls, game: Any, *, players: Sequence[str] | None = None,
                    strategies: Sequence[Sequence[str] | None] | None = None,
                    title: str = "") -> NormalFormGame:
        """Wrap a ``nashpy.Game`` (its two payoff matrices) as a NormalFormGame."""
        try:
            A, B = game.payoff_matrices
        except AttributeError:
            raise InvalidGameError(
                f"expected a nashpy.Game, got {type(game).__name__}") from None
        return cls.from_arrays(A, B, players=players, strategies=strategies, title=title)

    def to_nashpy(self) -> Any:
        """The same two-player numeric game as a ``nashpy.Game``."""
        import nashpy

        self._require_numeric("to_nashpy")
        if self.n_players != 2:
            raise InvalidGameError(
                f"nashpy handles two-player games only; this game has {self.n_players} players")
        return nashpy.Game(np.array(self._payoffs[0]), np.array(self._payoffs[1]))

    @classmethod
    def from_expressions(cls, payoffs: Sequence[Any], parameters: Any = None, *,
                         players: Sequence[str] | None = None,
                         strategies: Sequence[Sequence[str] | None] | None = None,
                         title: str = "") -> NormalFormGame:
        """Build a symbolic game: one nested list per player of expression texts or numbers.

        ``parameters`` is a ``ParameterSet`` (its point values are defaults for ``bind``), a
        mapping name -> default value, or an iterable of allowed names. Texts go through the
        safe parser (``games.expressions.parse_expression``): nothing in them runs as code.

        >>> stag_hunt = NormalFormGame.from_expressions(
        ...     [[["s", "0"], ["h", "h"]], [["s", "h"], ["0", "h"]]], {"s": 4.0, "h": 3.0})
        >>> stag_hunt.bind(h=2).payoffs[0].tolist()
        [[4.0, 0.0], [2.0, 2.0]]
        >>> [a.tolist() for a in stag_hunt.payoff_arrays(s=[4.0, 5.0])[0][:, 0, 0]]
        [4.0, 5.0]
        """
        from games.normal_form.payoff_expressions import build_symbolic_game

        return build_symbolic_game(cls, payoffs, parameters, players, strategies, str(title))

    # ----------------------------------------------------------------- accessors
    @property
    def players(self) -> tuple[str, ...]:
        """The players' names, in payoff-array axis order."""
        return self._players

    @property
    def strategies(self) -> tuple[tuple[str, ...], ...]:
        """Each player's strategy names."""
        return self._strategies

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of strategies of each player, ``(m1, ..., mn)``."""
        return tuple(len(s) for s in self._strategies)

    @property
    def n_players(self) -> int:
        return len(self._players)

    @property
    def title(self) -> str:
        return self._title

    @property
    def is_symbolic(self) -> bool:
        """True when payoffs are expressions of parameters (call ``bind`` for numbers)."""
        return self._expressions is not None

    @property
    def payoffs(self) -> tuple[np.ndarray, ...]:
        """One read-only float array per player, each of shape ``(m1, ..., mn)``."""
        self._require_numeric("payoffs")
        return self._payoffs

    @property
    def expressions(self) -> tuple[np.ndarray, ...] | None:
        """For a symbolic game, one object array per player of Expressions or floats."""
        return self._expressions

    @property
    def parameters(self) -> Any:
        """The ParameterSet (or mapping of defaults) a symbolic game was built with."""
        return self._parameters

    @property
    def payoff_range(self) -> float:
        """Largest minus smallest payoff over all players (1.0 for a constant game)."""
        spread = max(float(p.max()) for p in self.payoffs) - min(float(p.min()) for p in self.payoffs)
        return spread if spread > 0 else 1.0

    def _require_numeric(self, what: str) -> None:
        if self._payoffs is None:
            raise InvalidGameError(
                f"{what} needs a numeric game but this game is symbolic in "
                f"{', '.join(self.parameter_names) or 'no parameters'}; call .bind(...) first")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the parameters used by a symbolic game's payoffs (empty when numeric)."""
        if self._expressions is None:
            return ()
        used: dict[str, None] = {}
        for array in self._expressions:
            for entry in array.flat:
                for name in getattr(entry, "names", ()):
                    used[name] = None
        return tuple(used)

    # ----------------------------------------------------------------- symbolic -> numeric
    def bind(self, **values: float) -> NormalFormGame:
        """The numeric game at the given parameter values (others at their point values).

        Unknown names raise ParameterError listing the game's parameters.
        """
        if self._expressions is None:
            if values:
                raise ParameterError(
                    f"this game is numeric and has no parameters; got {', '.join(sorted(values))}")
            return self
        from games.normal_form.payoff_expressions import evaluate_payoffs

        payoffs = evaluate_payoffs(self, values, stacked=False)
        check_spread(payoffs)
        return NormalFormGame(payoffs, self._players, self._strategies, title=self._title)

    def payoff_arrays(self, **arrays: Any) -> tuple[np.ndarray, ...]:
        """Payoffs over stacked parameter values: one array per player of shape (k, m1..mn).

        Feed them to ``equilibria_batch`` to solve every draw of a parameter sweep at once.
        """
        if self._expressions is None:
            raise ParameterError(
                "payoff_arrays evaluates a symbolic game over parameter arrays; this game is "
                "numeric (use .payoffs)")
        from games.normal_form.payoff_expressions import evaluate_payoffs

        return evaluate_payoffs(self, arrays, stacked=True)

    # ----------------------------------------------------------------- properties of the game
    def is_zero_sum(self, tol: float = 1e-9) -> bool:
        """True when the payoffs of every profile sum to zero (within ``tol`` x payoff range)."""
        total = np.sum(self.payoffs, axis=0)
        return bool(np.all(np.abs(total) <= tol * self.payoff_range))

    def is_constant_sum(self, tol: float = 1e-9) -> bool:
        """True when the payoffs of every profile sum to the same constant (strategically zero-sum)."""
        total = np.sum(self.payoffs, axis=0)
        return bool(np.ptp(total) <= tol * self.payoff_range)

    # ----------------------------------------------------------------- display and equality
    def _cell_text(self, index: tuple[int, ...]) -> str:
        if self._expressions is not None:
            parts = [e.text if hasattr(e, "text") else f"{e:g}"
                     for e in (array[index] for array in self._expressions)]
        else:
            parts = [f"{float(array[index]) + 0.0:.4g}" for array in self._payoffs]
        return ", ".join(parts)

    def to_frame(self) -> pd.DataFrame:
        """The payoff table: rows are player 1's strategies, cells read "u1, u2, ...".

        With more than two players the rows are the profiles of players 1 and 3..n.
        """
        import pandas as pd
        shape = self.shape
        p1, p2 = self._players[0], self._players[1]
        columns = [f"{p2}: {s}" for s in self._strategies[1]]
        if self.n_players == 2:
            rows = [f"{p1}: {s}" for s in self._strategies[0]]
            data = [[self._cell_text((i, j)) for j in range(shape[1])] for i in range(shape[0])]
            return pd.DataFrame(data, index=rows, columns=columns)
        others = [k for k in range(self.n_players) if k != 1]
        profiles = list(np.ndindex(*(shape[k] for k in others)))
        index = pd.MultiIndex.from_tuples(
            [tuple(self._strategies[k][i] for k, i in zip(others, profile)) for profile in profiles],
            names=[self._players[k] for k in others])
        data = []
        for profile in profiles:
            row = []
            for j in range(shape[1]):
                full = list(profile)
                full.insert(1, j)
                row.append(self._cell_text(tuple(full)))
            data.append(row)
        return pd.DataFrame(data, index=index, columns=columns)

    def caption(self) -> str:
        return self._title

    def __repr__(self) -> str:
        kind = "symbolic " if self.is_symbolic else ""
        size = "x".join(str(m) for m in self.shape)
        title = f", title={self._title!r}" if self._title else ""
        return f"<{kind}NormalFormGame {size}, players={list(self._players)}{title}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalFormGame):
            return NotImplemented
        if (self._players, self._strategies) != (other._players, other._strategies):
            return False
        if self.is_symbolic or other.is_symbolic:
            return self is other
        return all(np.array_equal(a, b) for a, b in zip(self._payoffs, other._payoffs))

    def __hash__(self) -> int:
        if self._payoffs is None:
            return id(self)
        return hash((self._players, self._strategies, tuple(p.tobytes() for p in self._payoffs)))
