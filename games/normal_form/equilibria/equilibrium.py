"""Equilibrium results and the regret check that every solver's answer goes through.

The *regret* of a strategy profile is the most any one player gains by deviating alone: a
profile is a Nash equilibrium exactly when its regret is zero, and a floating-point solver's
answer is accepted when its regret is at most ``tol`` times the game's payoff range.
:func:`verified_set` is the single gate: solvers hand it candidate profiles, it computes each
regret, drops duplicates and returns an :class:`EquilibriumSet` that records how it was made.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from games.errors import InvalidGameError
import games.normal_form.equilibria.kernels as kernels  # the module, not the package facade
from games.normal_form import NormalFormGame
from games.results import EquilibriumSequence

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_TOL = 1e-9


def check_tolerance(tol: Any) -> float:
    """The regret tolerance as a float, refused unless it is a finite number >= 0.

    A NaN tolerance would pass every candidate (``regret > nan`` is False) and a negative one
    would drop every equilibrium, both silently.
    """
    try:
        value = float(tol)
    except (TypeError, ValueError):
        raise InvalidGameError(f"tol must be a number (relative to the payoff range), got {tol!r}") from None
    if not math.isfinite(value) or value < 0:
        raise InvalidGameError(
            f"tol must be a finite number >= 0 (relative to the payoff range), got {tol!r}; "
            f"the default is {DEFAULT_TOL:g}")
    return value


def require_game(game: Any, what: str) -> NormalFormGame:
    """Refuse anything but a NormalFormGame, pointing to the constructor."""
    if not isinstance(game, NormalFormGame):
        raise InvalidGameError(
            f"{what} takes a NormalFormGame, got {type(game).__name__}; build one with "
            f"NormalFormGame.from_arrays(A, B)")
    return game


def payoff_vectors(game: NormalFormGame, strategies: Sequence[np.ndarray],
                   payoffs: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """For each player, the payoff of each of their pure strategies against the others' mix.

    ``payoffs`` replaces the game's own arrays (e.g. the anchored ones of :func:`anchored`).
    """
    payoffs = game.payoffs if payoffs is None else payoffs
    n = game.n_players
    if n == 2:  # the common case, without the general contraction
        return [payoffs[0] @ strategies[1], strategies[0] @ payoffs[1]]
    vectors = []
    for i in range(n):
        table = payoffs[i]
        # Contract the other players' axes from the last one down so earlier axes keep their place.
        for j in range(n - 1, -1, -1):
            if j != i:
                table = np.tensordot(table, strategies[j], axes=([j], [0]))
        vectors.append(table)
    return vectors


def anchored(game: NormalFormGame) -> tuple[list[np.ndarray], list[float]]:
    """Each player's payoffs minus their smallest payoff, and those minima.

    Regret does not change when a constant is added to a player's payoffs, but its rounding
    error grows with their magnitude: payoffs of 1e10 + (0..6) give rounding errors near 1e-6
    in an expected payoff, far above a tolerance of 1e-9 x the range 6, and true equilibria
    failed the check. Anchored payoffs make the error relative to the range.
    """
    lows = [float(p.min()) for p in game.payoffs]
    return [p - low for p, low in zip(game.payoffs, lows)], lows


def player_ranges(game: NormalFormGame) -> list[float]:
    """Each player's own payoff range, the unit of their regret allowance (``tol`` x it).

    A shared allowance (tol x the range over all players) let a player whose payoffs span 1
    next to one whose payoffs span 1e10 deviate for a gain of 10 and still pass. A player
    with constant payoffs falls back to the game's range (their regret is exactly 0 anyway).
    """
    return [float(np.ptp(p)) or game.payoff_range for p in game.payoffs]


def _as_profile(game: NormalFormGame, strategies: Sequence[Any]) -> tuple[np.ndarray, ...]:
    if len(strategies) != game.n_players:
        raise InvalidGameError(
            f"a strategy profile needs one mixed strategy per player ({game.n_players}); "
            f"got {len(strategies)}")
    profile = []
    for player, names, s in zip(game.players, game.strategies, strategies):
        try:
            s = np.asarray(s, dtype=float)
        except (TypeError, ValueError):
            raise InvalidGameError(
                f"{player}'s mixed strategy {s!r} is not a vector of probabilities") from None
        if s.shape != (len(names),):
            raise InvalidGameError(
                f"{player}'s mixed strategy has shape {s.shape} but {player} has {len(names)} "
                f"strategies ({', '.join(names)}); give one probability per strategy")
        if not np.all(np.isfinite(s)) or np.any(s < -1e-9) or abs(s.sum() - 1.0) > 1e-9:
            raise InvalidGameError(
                f"{player}'s mixed strategy {s.tolist()} is not a probability vector "
                f"(entries >= 0 summing to 1)")
        profile.append(s)
    return tuple(profile)


def regret(game: NormalFormGame, strategies: Sequence[Any]) -> float:
    """The most any player gains by deviating alone from ``strategies`` (0 at an equilibrium).

    >>> from games.normal_form import NormalFormGame
    >>> pennies = NormalFormGame.from_arrays([[1, -1], [-1, 1]])
    >>> regret(pennies, ([0.5, 0.5], [0.5, 0.5]))
    0.0
    >>> regret(pennies, ([1, 0], [1, 0]))
    2.0
    """
    profile = _as_profile(require_game(game, "regret()"), strategies)
    vectors = payoff_vectors(game, profile, anchored(game)[0])
    return float(max(max(v.max() - v @ s, 0.0) for v, s in zip(vectors, profile)))


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """One equilibrium: a mix per player (``strategies``), ``payoffs`` and the checked ``regret``.

    Found in an :class:`EquilibriumSet`. In matching pennies each player mixes 1/2-1/2 and
    expects 0:

    >>> from games import equilibria, matching_pennies
    >>> eq = equilibria(matching_pennies())[0]
    >>> [s.round(9).tolist() for s in eq.strategies], [abs(u) < 1e-9 for u in eq.payoffs]
    ([[0.5, 0.5], [0.5, 0.5]], [True, True])
    >>> eq.support
    ((0, 1), (0, 1))
    """

    strategies: tuple[np.ndarray, ...]
    payoffs: tuple[float, ...]
    regret: float
    exact: tuple[tuple[Any, ...], ...] | None = None  # Fractions, when checked exactly

    @property
    def support(self) -> tuple[tuple[int, ...], ...]:
        """Indices of the strategies each player uses with positive probability."""
        return tuple(tuple(int(i) for i in np.flatnonzero(s > 0)) for s in self.strategies)

    @property
    def is_pure(self) -> bool:
        return all(len(s) == 1 for s in self.support)

    def __repr__(self) -> str:
        parts = ", ".join(np.array2string(s, precision=6, suppress_small=True)
                          for s in self.strategies)
        return f"Equilibrium(({parts}), payoffs={tuple(round(p, 6) for p in self.payoffs)}, regret={self.regret:.2g})"


@dataclass(frozen=True, eq=False)
class EquilibriumSet(EquilibriumSequence):
    """From :func:`games.equilibria`: the equilibria, list-like, with how they were found.

    ``scope`` says what the set claims to hold: ``"all"`` equilibria (enumeration methods),
    all ``"pure"`` equilibria, or ``"some"`` (Lemke-Howson, the zero-sum LP). In a
    ``degenerate`` game the enumeration methods return the extreme equilibria: the vertices of
    the (convex) equilibrium components, so other equilibria are convex combinations of
    returned ones. ``degenerate`` is None when the method did not test it. Prints as a table.
    The prisoner's dilemma has one equilibrium, the battle of the
    sexes three (two pure, one mixed):

    >>> from games import battle_of_the_sexes, equilibria, prisoners_dilemma
    >>> found = equilibria(prisoners_dilemma())
    >>> len(found), found.scope, found[0].support
    (1, 'all', ((1,), (1,)))
    >>> len(equilibria(battle_of_the_sexes()))
    3
    """

    equilibria: tuple[Equilibrium, ...]
    game: NormalFormGame = field(repr=False)
    method: str
    tolerance: float
    max_regret: float
    degenerate: bool | None
    scope: str
    notes: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: bytes, count: int, game: NormalFormGame, *, method: str,
                  tolerance: float, max_regret: float, degenerate: bool | None, scope: str,
                  notes: tuple[str, ...] = (), settings: dict[str, Any] | None = None
                  ) -> EquilibriumSet:
        """A set of equilibria already regret-checked by a compiled kernel, built on first use.

        ``rows`` holds ``count`` rows of float64: each player's mixed strategy, the two
        payoffs and the regret (the kernel applied :func:`verified_set`'s check, repeats and
        order). The :class:`Equilibrium` objects are made when ``equilibria`` is first read,
        so a caller that only counts or tests the answer does not pay for them.
        """
        found = object.__new__(cls)
        found.__dict__.update(game=game, method=method, tolerance=tolerance,
                              max_regret=max_regret, degenerate=degenerate, scope=scope,
                              notes=notes, settings={"kernels": "compiled", **(settings or {})},
                              _rows=(rows, count))
        return found

    def __getattr__(self, name: str) -> Any:
        # Reached only for an attribute that is not set: the equilibria of a set made by
        # from_rows, before their first use.
        pending = self.__dict__.get("_rows") if name == "equilibria" else None
        if pending is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        rows, count = pending
        m, n = (len(s) for s in self.game.strategies)
        table = np.frombuffer(rows).reshape(count, m + n + 3)  # read-only
        built = tuple(Equilibrium((row[:m], row[m:m + n]), (float(row[m + n]), float(row[m + n + 1])),
                                  float(row[m + n + 2])) for row in table)
        self.__dict__["equilibria"] = built
        del self.__dict__["_rows"]
        return built

    def __len__(self) -> int:
        pending = self.__dict__.get("_rows")
        return len(self.equilibria) if pending is None else pending[1]

    def to_frame(self) -> pd.DataFrame:
        """One row per equilibrium: probabilities, payoffs and regret."""
        import pandas as pd
        game = self.game
        rows = []
        for eq in self.equilibria:
            row: dict[str, float] = {}
            for player, names, s in zip(game.players, game.strategies, eq.strategies):
                for name, p in zip(names, s):
                    row[f"{player}: {name}"] = float(p)
            for player, u in zip(game.players, eq.payoffs):
                row[f"payoff {player}"] = u
            row["regret"] = eq.regret
            rows.append(row)
        columns = [f"{p}: {s}" for p, names in zip(game.players, game.strategies) for s in names]
        columns += [f"payoff {p}" for p in game.players] + ["regret"]
        return pd.DataFrame(rows, columns=columns)

    def caption(self) -> str:
        count = f"{len(self)} equilibri{'um' if len(self) == 1 else 'a'}"
        lines = [f"{count} by {self.method}; each regret <= {self.max_regret:.3g} "
                 f"(tolerance {self.tolerance:g} x payoff range)"]
        if self.scope == "all" and self.degenerate:
            groups = "; ".join("{" + ", ".join(str(i) for i in c) + "}" for c in self.components)
            lines.append("DEGENERATE game: these are the extreme equilibria; equilibria may form "
                         "continua (mixing two extreme equilibria that share one player's "
                         f"strategy gives equilibria too). Components (rows): {groups}")
        elif self.scope == "all":
            lines.append("nondegenerate game: this is the complete set of equilibria")
        elif self.scope == "pure":
            lines.append("all pure equilibria; mixed equilibria were not searched"
                         + (" (ties in best responses: the game is degenerate)" if self.degenerate else ""))
        else:
            lines.append("one equilibrium, not necessarily all (use method='vertex' for all); "
                         "degeneracy not tested")
        lines.extend(self.notes)
        return "\n".join(lines)

    @property
    def components(self) -> tuple[tuple[int, ...], ...]:
        """Groups of equilibria (row indices) joined by a shared strategy of either player.

        For the extreme equilibria of a game (scope "all") these are the connected components
        of the set of equilibria (Avis, Rosenberg, Savani and von Stengel, Economic Theory
        42, 2010): two maximal convex sets of equilibria that meet share an extreme point.
        Equilibria (x, y1) and (x, y2) with a common x are joined by the segment
        (x, t y1 + (1 - t) y2) of equilibria. In a nondegenerate game every equilibrium is
        its own component.
        """
        parent = list(range(len(self.equilibria)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, first in enumerate(self.equilibria):
            for j in range(i):
                second = self.equilibria[j]
                if any(np.allclose(a, b, atol=1e-9) for a, b in zip(first.strategies, second.strategies)):
                    parent[root(i)] = root(j)
        groups: dict[int, list[int]] = {}
        for i in range(len(parent)):
            groups.setdefault(root(i), []).append(i)
        return tuple(tuple(g) for g in groups.values())

    def __repr__(self) -> str:
        return (f"<EquilibriumSet of {len(self)} by {self.method}, degenerate={self.degenerate}, "
                f"scope={self.scope!r}>")


def verified_set(game: NormalFormGame, candidates: Sequence[Sequence[np.ndarray]], *,
                 method: str, tol: float, degenerate: bool | None, scope: str,
                 notes: Sequence[str] = (), settings: dict[str, Any] | None = None,
                 strict: bool = False) -> EquilibriumSet:
    """Check each candidate's regret against ``tol`` x payoff range; keep the equilibria.

    Each player's gain from deviating is held to ``tol`` times that player's own payoff range
    (:func:`player_ranges`), which is at most ``tol`` x the game's payoff range.

    Candidates come from a solver's own (tolerant) feasibility test; the regret check is the
    final word. Candidates above the tolerance are dropped when ``strict`` is False (an
    enumeration proposing a point that is not an equilibrium) and raise when it is True (a
    solver whose single answer must be right).
    """
    from games.errors import GameError

    # The game's extremes once (the arithmetic of payoff_range, player_ranges and anchored).
    lows = [float(p.min()) for p in game.payoffs]
    highs = [float(p.max()) for p in game.payoffs]
    spread = max(highs) - min(lows)
    payoff_range = spread if spread > 0 else 1.0
    bound = check_tolerance(tol) * payoff_range
    ranges = [(high - low) or payoff_range for low, high in zip(lows, highs)]
    slacks = [tol * r for r in ranges]
    kept: list[Equilibrium] = []
    flat_kept: list[np.ndarray] = []
    dropped: list[float] = []
    shifted = [p - low for p, low in zip(game.payoffs, lows)]
    for profile, relative, gains in _checked(game, candidates, shifted):
        worst = max(gains)
        values = tuple(u + low for u, low in zip(relative, lows))
        over = [i for i, (gain, slack) in enumerate(zip(gains, slacks)) if gain > slack]
        if over:
            i = over[0]
            if strict:
                raise GameError(
                    f"{method} produced a profile where {game.players[i]} gains "
                    f"{gains[i]:.3g} by deviating, above the tolerance {slacks[i]:.3g}; the "
                    f"game may be numerically ill-conditioned. Try method='vertex' or a larger "
                    f"tol")
            dropped.append(max(gains[j] / ranges[j] for j in over))  # the tol it would need
            continue
        flat = np.concatenate(profile)
        if flat_kept and np.min(np.abs(np.array(flat_kept) - flat).max(axis=1)) <= 1e-7:
            continue  # the same equilibrium found twice (from two supports or bases)
        flat_kept.append(flat)
        kept.append(Equilibrium(tuple(_read_only(s) for s in profile), values, worst))
    # Largest probabilities first; rounded so that equilibria equal to within rounding keep one
    # order whichever elimination computed them (the compiled and NumPy paths).
    kept.sort(key=lambda eq: tuple(-np.concatenate(eq.strategies).round(12)))
    notes = tuple(notes)
    if dropped:
        # Say so: a candidate just above the tolerance may be a true equilibrium lost to rounding.
        notes += (f"{len(dropped)} candidate(s) failed the regret check and were left out "
                  f"(the closest needs tol >= {min(dropped):.3g}); a larger tol keeps them",)
    # Which inner loops this process ran (the compiled kernels or the NumPy reference path).
    settings = {"kernels": kernels.in_use(), **(settings or {})}
    return EquilibriumSet(tuple(kept), game, method, tol, bound, degenerate, scope, notes, settings)


def _checked(game: NormalFormGame, candidates: Sequence[Sequence[np.ndarray]],
             shifted: list[np.ndarray]) -> Any:
    """Each candidate cleaned, with each player's expected payoff and gain from deviating.

    Two-player candidates are checked all at once (one matrix product per player); the
    arithmetic per candidate is the same as the general loop's.
    """
    if game.n_players != 2 or len(candidates) < 2:
        for candidate in candidates:
            profile = tuple(_clean(np.asarray(s, dtype=float)) for s in candidate)
            vectors = payoff_vectors(game, profile, shifted)
            relative = [float(v @ s) for v, s in zip(vectors, profile)]
            yield profile, relative, [max(float(v.max()) - u, 0.0) for v, u in zip(vectors, relative)]
        return
    X = clean_rows(np.array([c[0] for c in candidates], dtype=float))
    Y = clean_rows(np.array([c[1] for c in candidates], dtype=float))
    row_values, column_values = Y @ shifted[0].T, X @ shifted[1]
    u1 = np.einsum("ci,ci->c", row_values, X)
    u2 = np.einsum("cj,cj->c", column_values, Y)
    gain_1 = np.maximum(row_values.max(axis=1) - u1, 0.0).tolist()
    gain_2 = np.maximum(column_values.max(axis=1) - u2, 0.0).tolist()
    for c, (a, b, g1, g2) in enumerate(zip(u1.tolist(), u2.tolist(), gain_1, gain_2)):
        yield (X[c], Y[c]), [a, b], [g1, g2]


def clean_rows(S: np.ndarray) -> np.ndarray:
    """Each row (a candidate mixed strategy) with rounding-level entries set to 0, renormalised."""
    S = np.where(S < 1e-13 * np.maximum(1.0, np.abs(S).max(axis=1))[:, None], 0.0, S)
    total = S.sum(axis=1)
    if np.any(total <= 0):
        raise InvalidGameError("a candidate strategy has no positive probability")
    return S / total[:, None]


def _read_only(s: np.ndarray) -> np.ndarray:
    if s.flags.writeable:
        s = s.copy()
        s.setflags(write=False)
    return s


def _clean(s: np.ndarray) -> np.ndarray:
    """Clip rounding-level negatives and renormalise, so supports read as exact zeros."""
    s = np.where(s < 1e-13 * max(1.0, float(np.abs(s).max())), 0.0, s)
    total = s.sum()
    if total <= 0:
        raise InvalidGameError("a candidate strategy has no positive probability")
    out = s / total
    out.setflags(write=False)
    return out
