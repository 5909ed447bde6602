"""Pure-strategy Nash equilibria of a game with any number of players.

A pure profile is an equilibrium when each player's strategy is a best response to the others:
for player i, the profile's payoff equals the maximum of player i's payoff array along axis i.
One vectorised max per player marks every best response at once; the equilibria are the
profiles marked for all players.
"""

from __future__ import annotations

import numpy as np

from games.normal_form.equilibria.equilibrium import (
    DEFAULT_TOL,
    Equilibrium,
    EquilibriumSet,
    check_tolerance,
    player_ranges,
    require_game,
)
from games.normal_form import NormalFormGame


def best_response_masks(game: NormalFormGame, tol: float = DEFAULT_TOL) -> list[np.ndarray]:
    """For each player, a boolean array over profiles: is their strategy a best response?

    Within ``tol`` times the player's own payoff range (see ``player_ranges``).
    """
    ranges = player_ranges(game)
    return [payoff >= payoff.max(axis=i, keepdims=True) - tol * r
            for i, (payoff, r) in enumerate(zip(game.payoffs, ranges))]


def pure_equilibria(game: NormalFormGame, tol: float = DEFAULT_TOL) -> EquilibriumSet:
    """All pure-strategy equilibria, for any number of players.

    >>> from games.normal_form import NormalFormGame
    >>> dilemma = NormalFormGame.from_arrays([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> [eq.support for eq in pure_equilibria(dilemma)]
    [((1,), (1,))]
    """
    tol = check_tolerance(tol)
    masks = best_response_masks(require_game(game, "pure_equilibria()"), tol)
    profiles = np.argwhere(np.logical_and.reduce(masks))
    payoffs = game.payoffs
    # Ties: a player with several best responses at an equilibrium (a degeneracy witness).
    ties = [mask.sum(axis=i) for i, mask in enumerate(masks)]
    degenerate = False
    found = []
    for profile in profiles:
        index = tuple(int(s) for s in profile)
        strategies = []
        for i, m in enumerate(game.shape):
            s = np.zeros(m)
            s[index[i]] = 1.0
            s.setflags(write=False)
            strategies.append(s)
        values = tuple(float(p[index]) for p in payoffs)
        regret = max(
            float(p[index[:i] + (slice(None),) + index[i + 1:]].max()) - v
            for i, (p, v) in enumerate(zip(payoffs, values)))
        degenerate |= any(int(t[index[:i] + index[i + 1:]]) > 1 for i, t in enumerate(ties))
        found.append(Equilibrium(tuple(strategies), values, max(regret, 0.0)))
    return EquilibriumSet(tuple(found), game, "pure (best-response masks)", tol,
                          tol * game.payoff_range, degenerate, "pure", (), {})
