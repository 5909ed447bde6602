"""Exception types of the game engine.

Every mistake a user can make (a malformed expression, a payoff matrix of the wrong shape,
a game too large to enumerate, a malformed Gambit file) raises one of these, with a message
that says what is wrong, where, and how to fix it. All derive from :class:`GameError`, which
is a ``ValueError`` so that generic callers can still catch it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


__all__ = [
    "GameError", "ExpressionError", "ParameterError", "InvalidGameError", "GameTooLargeError",
    "FileFormatError", "BargainingError", "TreeError", "finite_number", "whole_number",
    "MAX_LISTED", "listing", "NotFiniteError",
]


class GameError(ValueError):
    """Catch this to handle any bad input to chipdeals; every error type here derives from it.

    It is a ``ValueError``, so generic callers that catch ``ValueError`` keep working.

    >>> import games
    >>> issubclass(games.InvalidGameError, games.GameError), issubclass(games.GameError, ValueError)
    (True, True)
    """


class ExpressionError(GameError):
    """An expression is refused by the safe parser or uses an undefined name.

    The parser accepts arithmetic of numbers and names only; a call of anything outside its
    short list of functions is refused before it could run:

    >>> import games
    >>> try:
    ...     games.parse_expression("__import__('os')")
    ... except games.ExpressionError as error:
    ...     print(type(error).__name__)
    ExpressionError
    """


class ParameterError(GameError):
    """A parameter is malformed (range the wrong way round, value outside it, unknown name).

    >>> import games
    >>> try:
    ...     games.Parameter("p", 5, range=(0, 1))
    ... except games.ParameterError as error:
    ...     print(error)
    parameter 'p': value 5 is outside its range [0, 1]; widen the range or fix the value
    """


class InvalidGameError(GameError):
    """A game is malformed: wrong shapes, NaN or infinite payoffs, non-numeric entries.

    >>> import games
    >>> try:
    ...     games.NormalFormGame.from_arrays([[float("nan"), 2]], [[1, 2]])
    ... except games.InvalidGameError as error:
    ...     print(error)
    Player 1's payoff at (0, 0) is nan; payoffs must be finite numbers (replace NaN or infinite entries)
    """


class GameTooLargeError(GameError):
    """A game is too large for the requested exhaustive method; the message names one that fits.

    >>> import numpy as np, games
    >>> big = games.NormalFormGame.from_arrays(np.zeros((70, 70)), np.zeros((70, 70)))
    >>> try:
    ...     games.equilibria(big, method="vertex")
    ... except games.GameTooLargeError as error:
    ...     print(type(error).__name__)
    GameTooLargeError
    """


class FileFormatError(GameError):
    """A game file (Gambit .nfg or .efg) cannot be read; the message gives line and column.

    >>> import games
    >>> try:
    ...     games.parse_efg("not an efg")
    ... except games.FileFormatError as error:
    ...     print(error)
    <text>: line 1, column 1: not an .efg file: it must start with 'EFG 2 R'
    """


class BargainingError(GameError):
    """A bargaining problem or one of its solution requests is malformed.

    >>> import games
    >>> try:
    ...     games.rubinstein_split(0.9, 0.9, surplus=-1)
    ... except games.BargainingError as error:
    ...     print(error)
    surplus must be positive, got -1
    """


class TreeError(GameError):
    """A game tree is malformed (bad probabilities, empty moves, payoff vectors of wrong length).

    >>> import games
    >>> coin = games.chance({"H": (0.5, games.terminal(1)), "T": (0.6, games.terminal(0))})
    >>> try:
    ...     games.GameTree(["Player"], coin)
    ... except games.TreeError as error:
    ...     print(type(error).__name__)
    TreeError
    """


def finite_number(value: Any, what: str, error: type[GameError] = GameError) -> float:
    """``value`` as a finite float, or ``error`` naming ``what`` and what was given.

    >>> finite_number("2.5", "surplus")
    2.5
    >>> finite_number(float("nan"), "surplus")
    Traceback (most recent call last):
    ...
    games.errors.GameError: surplus must be finite, got nan
    """
    if isinstance(value, bool):
        raise error(f"{what} must be a number, not a boolean")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise error(f"{what} must be a number, got {value!r}") from None
    except OverflowError:
        raise error(f"{what} must be finite, got a number beyond float range") from None
    if not math.isfinite(number):
        raise error(f"{what} must be finite, got {value!r}")
    return number


def whole_number(value: Any, what: str, error: type[GameError] = GameError, *,
                 minimum: int = 1) -> int:
    """``value`` as an int of at least ``minimum``, or ``error`` naming ``what``.

    A float is accepted only when it is whole (``1e6``); text, booleans and NaN are refused.

    >>> whole_number(2000.0, "max_vertices")
    2000
    >>> whole_number("a", "max_vertices")
    Traceback (most recent call last):
    ...
    games.errors.GameError: max_vertices must be a whole number >= 1, got 'a'
    """
    # numbers.Real covers numpy's scalars too (numpy registers them), without importing numpy
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise error(f"{what} must be a whole number >= {minimum}, got {value!r}")
    if not isinstance(value, numbers.Integral) and not (math.isfinite(value) and value == int(value)):
        raise error(f"{what} must be a whole number >= {minimum}, got {value!r}")
    number = int(value)
    if number < minimum:
        raise error(f"{what} must be a whole number >= {minimum}, got {value!r}")
    return number


#: Most items an error message lists before it says how many more there are.
MAX_LISTED = 10


def listing(values: Any, most: int = MAX_LISTED) -> str:
    """``values`` as a bracketed list for an error message, cut after ``most`` items: a file
    may hold 60,000 levels, and an error is one line a person reads.

    >>> listing(["a", "b"]), listing(range(60_001))
    ("['a', 'b']", '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... 59,991 more]')
    """
    items = list(values)
    shown = ", ".join(repr(v) for v in items[:most])
    more = f", ... {len(items) - most:,} more" if len(items) > most else ""
    return f"[{shown}{more}]"


class NotFiniteError(BargainingError):
    """A utility or disagreement payoff has no finite real value where it must be evaluated.

    ``player`` (0 or 1), ``outcome`` (issue values; empty for a disagreement payoff),
    ``parameters`` (the draw's values) and ``value`` say where, so a caller that knows the
    names of the two sides can re-word it.
    """

    def __init__(self, message: str, player: int = 0, outcome: Any = None,
                 parameters: Any = None, value: float = math.nan) -> None:
        super().__init__(message)
        self.player = player
        self.outcome = dict(outcome or {})
        self.parameters = dict(parameters or {})
        self.value = value

    def __reduce__(self) -> Any:  # executors pickle errors raised in workers
        return (type(self), (str(self), self.player, self.outcome, self.parameters, self.value))
