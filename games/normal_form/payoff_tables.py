"""Checked input of normal-form games: payoff tables as arrays of numbers, players' and
strategies' names. Every mistake is an :class:`~games.errors.InvalidGameError` that names the
player and the cell.

>>> payoff_floats([[1, 2], [3, 4]], "Row").tolist()
[[1.0, 2.0], [3.0, 4.0]]
>>> payoff_floats([[1, "x"]], "Row")
Traceback (most recent call last):
...
games.errors.InvalidGameError: Row's payoff at (0, 1) is 'x', which is not a number; payoffs must be real numbers (use from_expressions for symbolic payoffs)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from games.errors import InvalidGameError

__all__ = ["as_payoff_array", "check_names", "check_spread", "default_players", "payoff_floats",
           "split_arrays"]


def default_players(n: int) -> tuple[str, ...]:
    """The names of ``n`` unnamed players.

    >>> default_players(2)
    ('Player 1', 'Player 2')
    """
    return tuple(f"Player {i + 1}" for i in range(n))


def check_names(players: Sequence[str] | None, strategies: Sequence[Sequence[str]] | None,
                 shape: tuple[int, ...]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Validate (or default) player and strategy names against the payoff shape.

    >>> check_names(None, [None, ["L", "R"]], (1, 2))
    (('Player 1', 'Player 2'), (('s1',), ('L', 'R')))
    """
    n = len(shape)
    players = _names(default_players(n) if players is None else players, n,
                     lambda given, listed: f"{given} player names given ({listed}) for a game of "
                                           f"{n} players; give one name per player",
                     lambda names: f"player names must be distinct, got {names}")
    if strategies is None:
        strategies = [None] * n
    strategies = list(strategies)
    if len(strategies) != n:
        raise InvalidGameError(
            f"strategy names given for {len(strategies)} players in a game of {n} players; "
            f"give one list of strategy names per player (or None for the defaults s1, s2, ...)")
    named = []
    for player, names, m in zip(players, strategies, shape):
        if names is None:
            names = tuple(f"s{k + 1}" for k in range(m))
        if isinstance(names, str):
            raise InvalidGameError(f"{player}'s strategies were given as one text {names!r}; give "
                                   f"a list of {m} names, e.g. {[f's{k + 1}' for k in range(m)]}")
        named.append(_names(
            names, m,
            lambda given, listed: f"{player} has {m} strategies in the payoff arrays but {given} "
                                  f"strategy names were given ({listed}); give exactly {m}",
            lambda names: f"{player}'s strategy names must be distinct, got {names}"))
    return players, tuple(named)


def _names(names: Any, n: int, wrong_count: Callable[[int, str], str],
           repeated: Callable[[tuple[str, ...]], str]) -> tuple[str, ...]:
    """``n`` distinct names as texts, or an InvalidGameError with the message for the fault."""
    names = tuple(str(s) for s in names)
    if len(names) != n:
        raise InvalidGameError(wrong_count(len(names), ", ".join(names)))
    if len(set(names)) != n:
        raise InvalidGameError(repeated(names))
    return names


def split_arrays(arrays: tuple[Any, ...]) -> list[Any]:
    """Accept ``(A, B, ...)``, ``([A, B, ...],)`` or a stacked array of shape (n, m1..mn).

    One matrix alone is the zero-sum game it describes:

    >>> [a.tolist() if hasattr(a, "tolist") else a for a in split_arrays(([[1, -1]],))]
    [[[1, -1]], [[-1.0, 1.0]]]"""
    if len(arrays) == 1:
        only = arrays[0]
        if isinstance(only, (list, tuple)) and len(only) >= 2:
            first = np.asarray(only[0], dtype=object)
            if first.ndim == len(only):
                return list(only)
        if isinstance(only, np.ndarray) and only.ndim >= 3 and only.shape[0] == only.ndim - 1:
            return list(only)
        matrix = np.asarray(only, dtype=object)
        if matrix.ndim == 2:
            # One matrix: the zero-sum game it describes (as nashpy reads a single matrix).
            return [only, -payoff_floats(only, "Player 1")]
        raise InvalidGameError(
            "from_arrays needs one payoff array per player, e.g. from_arrays(A, B) or "
            "from_arrays([A1, A2, A3]); got a single array of shape "
            f"{matrix.shape}")
    return list(arrays)


def payoff_floats(values: Any, player: str) -> np.ndarray:
    """One player's payoffs as finite float64, or an error naming the first bad entry."""
    raw = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if raw.dtype.kind in "biuf":
        out = raw.astype(np.float64)
        if raw.dtype.kind in "iu":
            _check_exact_integers(raw, out, player)
    elif raw.dtype.kind == "c":  # casting would silently drop the imaginary parts
        raise InvalidGameError(
            f"{player}'s payoffs are complex numbers (dtype {raw.dtype}); payoffs must be real")
    else:
        if raw.dtype == object and raw.ndim == 0 and isinstance(raw.item(), (list, tuple)):
            raise InvalidGameError(f"{player}'s payoffs are ragged (rows of unequal length)")
        out = np.empty(raw.shape, dtype=np.float64)
        for index, entry in np.ndenumerate(raw):
            if (isinstance(entry, (bool, np.bool_, np.complexfloating))
                    or not isinstance(entry, (Real, np.number))):
                raise InvalidGameError(
                    f"{player}'s payoff at {index} is {entry!r}, which is not a number; payoffs "
                    f"must be real numbers (use from_expressions for symbolic payoffs)")
            try:
                out[index] = float(entry)
            except OverflowError:  # a Python int beyond the float range
                raise InvalidGameError(
                    f"{player}'s payoff at {index} is too large for a float; rescale the "
                    f"payoffs") from None
        integers = np.vectorize(lambda e: isinstance(e, Integral), otypes=[bool])(raw) \
            if raw.size else np.zeros(raw.shape, bool)
        if integers.any():
            _check_exact_integers(raw, out, player, integers)
    bad = np.argwhere(~np.isfinite(out))
    if len(bad):
        index = tuple(int(i) for i in bad[0])
        raise InvalidGameError(
            f"{player}'s payoff at {index} is {out[index]}; payoffs must be finite numbers "
            f"(replace NaN or infinite entries)")
    return out


def _check_exact_integers(raw: np.ndarray, floats: np.ndarray, player: str,
                          integers: np.ndarray | None = None) -> None:
    """Refuse integers that float64 rounds: 10**18 + 1 and 10**18 would become one payoff."""
    integers = np.ones(raw.shape, bool) if integers is None else integers
    large = np.argwhere(integers & (np.abs(floats) >= 2.0**53))
    for index in map(tuple, large):
        index = tuple(int(i) for i in index)
        exact = int(raw[index])
        if int(floats[index]) != exact:
            smallest = min(int(v) for v in raw[integers].flat)
            raise InvalidGameError(
                f"{player}'s payoff at {index} is {exact}, an integer beyond float precision "
                f"(2**53), so it would be rounded to {int(floats[index])} and the game could "
                f"change; subtract an offset from all of {player}'s payoffs (e.g. {smallest}: "
                f"equilibria do not change) or rescale them")


def check_spread(payoffs: Sequence[np.ndarray]) -> None:
    """Refuse payoffs whose range overflows: every tolerance is relative to it.

    >>> check_spread([np.array([1e308]), np.array([-1e308])])
    Traceback (most recent call last):
    ...
    games.errors.InvalidGameError: the payoffs span more than the float range (largest minus smallest overflows); rescale them, e.g. divide every payoff by 1e300
    """
    with np.errstate(over="ignore"):
        spread = max(float(p.max()) for p in payoffs) - min(float(p.min()) for p in payoffs)
    if not np.isfinite(spread):
        raise InvalidGameError(
            "the payoffs span more than the float range (largest minus smallest overflows); "
            "rescale them, e.g. divide every payoff by 1e300")


def as_payoff_array(values: Any, player: str) -> np.ndarray:
    """One player's payoff table as an array (object dtype for nested lists), not yet numbers.

    >>> as_payoff_array([[1, "a"], [0, 2]], "Row").shape
    (2, 2)
    """
    try:
        raw = np.asarray(values) if isinstance(values, np.ndarray) else np.array(values, dtype=object)
    except ValueError as exc:  # ragged nested lists
        raise InvalidGameError(f"{player}'s payoffs are ragged (rows of unequal length): {exc}") from None
    if raw.dtype == object and any(isinstance(e, (list, tuple)) for e in raw.flat):
        raise InvalidGameError(f"{player}'s payoffs are ragged (rows of unequal length)")
    return raw
