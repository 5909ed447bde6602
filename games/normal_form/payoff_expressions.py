"""Symbolic payoffs of normal-form games: tables of expressions, evaluated at a point or in bulk.

A symbolic :class:`~games.normal_form.NormalFormGame` holds, for each player, an object array
of :class:`~games.expressions.Expression` (or plain numbers). :func:`evaluate_payoffs` turns
it into numbers at one parameter point (``bind``) or over stacked parameter arrays
(``payoff_arrays``), naming the player and cell of any payoff that is not finite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from games.errors import InvalidGameError, ParameterError
from games.parameters import read_parameters
from games.normal_form.payoff_tables import as_payoff_array, check_names, default_players

if TYPE_CHECKING:
    from games.normal_form.game import NormalFormGame


def names_and_defaults(parameters: Any) -> tuple[Iterable[str] | None, dict[str, float]]:
    """Allowed names and default values from a ParameterSet, a mapping, or a list of names
    (:func:`games.parameters.read_parameters`, the one reader of a "parameters" argument)."""
    return read_parameters(parameters)


def _number(value: Any, what: str) -> float:
    """One parameter value as a float, or a ParameterError naming it."""
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{what} must be a number, got {value!r}") from None


def _values(value: Any, name: str) -> np.ndarray:
    """One parameter's values for a sweep as a float array, or a ParameterError naming it."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"the values of {name} must be numbers, got {value!r}") from None
    if array.size == 0:
        raise ParameterError(f"no values given for {name}; give at least one")
    return array.reshape(-1) if array.ndim else array


def build_symbolic_game(cls: type, payoffs: Sequence[Any], parameters: Any,
                    players: Sequence[str] | None, strategies: Any, title: str) -> NormalFormGame:
    from games.expressions import parse_expression

    allowed, _ = names_and_defaults(parameters)  # also checks the defaults are numbers
    parts = list(payoffs)
    n = len(parts)
    names = default_players(n) if players is None else tuple(str(p) for p in players)
    if n < 2 or len(names) != n:
        raise InvalidGameError(
            f"from_expressions needs one payoff table per player (at least two), got {n} tables "
            f"for players {names}")
    raws = [as_payoff_array(part, player) for part, player in zip(parts, names)]
    shape = raws[0].shape
    for raw, player in zip(raws, names):
        if raw.ndim != n or raw.shape != shape:
            raise InvalidGameError(
                f"{player}'s payoff table has shape {raw.shape}; every player's table must have "
                f"the shape {shape} with one axis per player ({n} axes)")
    players_, strategies_ = check_names(names, strategies, shape)
    tables = []
    for raw, player in zip(raws, players_):
        table = np.empty(shape, dtype=object)
        for index, entry in np.ndenumerate(raw):
            cell = ", ".join(s[i] for s, i in zip(strategies_, index))
            if isinstance(entry, str) or hasattr(entry, "sympy"):
                entry = parse_expression(entry, allowed, where=f"payoff of {player} at ({cell})")
            elif (isinstance(entry, (Real, np.number))
                  and not isinstance(entry, (bool, np.bool_, np.complexfloating))):
                try:
                    entry = float(entry)
                except OverflowError:  # a Python int beyond the float range
                    entry = float("inf")
                if not np.isfinite(entry):
                    raise InvalidGameError(f"payoff of {player} at ({cell}) is {entry}; must be finite")
            else:
                raise InvalidGameError(
                    f"payoff of {player} at ({cell}) is {entry!r}; give a number, an expression "
                    f"text such as \"a - c\", or an Expression")
            table[index] = entry
        table.setflags(write=False)
        tables.append(table)
    return cls(None, players_, strategies_, title=title, expressions=tables,
               parameters=parameters)


def evaluate_payoffs(game: NormalFormGame, values: Mapping[str, Any], stacked: bool) -> tuple[np.ndarray, ...]:
    """Evaluate a symbolic game's payoffs at a point (stacked=False) or over arrays (k,)."""
    allowed, defaults = names_and_defaults(game.parameters)
    known = tuple(allowed) if allowed is not None else game.parameter_names
    unknown = sorted(set(values) - set(known) - set(game.parameter_names))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(unknown)}; this game's parameters are "
            f"{', '.join(known) or '(none)'}")
    if stacked:
        values = {name: _values(value, name) for name, value in values.items()}
    else:
        values = {name: _number(value, f"the value of {name}") for name, value in values.items()}
    point = {**defaults, **values}
    missing = [name for name in game.parameter_names if name not in point]
    if missing:
        raise ParameterError(
            f"no value for parameter(s) {', '.join(missing)} and no point value to fall back on; "
            f"pass them, e.g. bind({missing[0]}=1.0)")
    if stacked:
        try:
            arrays = np.broadcast_arrays(*(_values(point[n], n) for n in game.parameter_names))
        except ValueError:
            sizes = {n: np.shape(point[n]) for n in game.parameter_names}
            raise ParameterError(f"parameter arrays must have one common length; got {sizes}") from None
        k = max([a.size for a in arrays if a.ndim] + [1])
        point = {n: np.broadcast_to(a, (k,)) for n, a in zip(game.parameter_names, arrays)}
    out = []
    for player, table in zip(game.players, game.expressions):
        shape = (k,) + table.shape if stacked else table.shape
        result = np.empty(shape, dtype=np.float64)
        for index, entry in np.ndenumerate(table):
            if hasattr(entry, "names"):
                value = entry(**{n: point[n] for n in entry.names})
            else:
                value = entry
            if stacked:
                result[(slice(None),) + index] = np.broadcast_to(np.asarray(value, dtype=float), (k,))
            else:
                result[index] = float(value)
        bad = np.argwhere(~np.isfinite(result))
        if len(bad):
            where = tuple(int(i) for i in bad[0])
            cell = where[1:] if stacked else where
            draw = f" in draw {where[0]}" if stacked else ""
            raise InvalidGameError(
                f"payoff of {player} at {cell}{draw} evaluates to {result[where]} at these "
                f"parameter values; payoffs must be finite")
        out.append(result)
    return tuple(out)
