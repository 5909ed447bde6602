"""Zero-sum (and constant-sum) games: the value and optimal strategies by linear programming.

Player 1's maximin strategy solves  max v  s.t.  A^T x >= v 1,  sum x = 1,  x >= 0;  player 2's
minimax strategy solves the dual  min w  s.t.  A y <= w 1,  sum y = 1,  y >= 0.  By von
Neumann's minimax theorem v = w (the value), and any pair of optimal strategies is an
equilibrium (Maschler, Solan and Zamir, *Game Theory*, 2013, chapter 5). Both LPs are solved by
HiGHS through ``scipy.optimize.linprog``; a constant-sum game (A + B = c) is solved as (A, -A).
"""

from __future__ import annotations


import numpy as np

from games.equilibria.equilibrium import DEFAULT_TOL, EquilibriumSet, verified_set
from games.errors import GameError, InvalidGameError
from games.normal_form import NormalFormGame


def maximin_strategy(A: np.ndarray) -> tuple[np.ndarray, float]:
    """The row player's optimal strategy and the value of the zero-sum game with matrix A."""
    from scipy.optimize import linprog
    m, n = A.shape
    # Variables (x_1..x_m, v); minimise -v.
    cost = np.zeros(m + 1)
    cost[-1] = -1.0
    result = linprog(cost, A_ub=np.hstack([-A.T, np.ones((n, 1))]), b_ub=np.zeros(n),
                     A_eq=np.hstack([np.ones((1, m)), np.zeros((1, 1))]), b_eq=[1.0],
                     bounds=[(0, None)] * m + [(None, None)], method="highs")
    if result.status != 0:
        raise GameError(f"the zero-sum LP failed ({result.message}); try method='vertex'")
    x = np.clip(result.x[:m], 0.0, None)
    return x / x.sum(), float(result.x[-1])


def zero_sum_equilibrium(game: NormalFormGame, tol: float = DEFAULT_TOL) -> EquilibriumSet:
    """One equilibrium (optimal strategies) of a zero- or constant-sum game, with its value.

    The value (player 1's equilibrium payoff) is in ``settings["value"]``.

    >>> from games.normal_form import NormalFormGame
    >>> pennies = NormalFormGame.from_arrays([[1, -1], [-1, 1]])
    >>> found = zero_sum_equilibrium(pennies)
    >>> found[0].strategies[0].round(9).tolist(), abs(found.settings["value"]) < 1e-12
    ([0.5, 0.5], True)
    """
    if game.n_players != 2 or not game.is_constant_sum(tol):
        total = np.sum(game.payoffs, axis=0)
        raise InvalidGameError(
            f"method='zero-sum' needs a two-player zero- or constant-sum game; here the payoffs "
            f"sum to values from {total.min():g} to {total.max():g}. Use method='vertex'")
    A = game.payoffs[0]
    # The LPs see A mapped onto [0, 1] (optimal strategies are unchanged): HiGHS's tolerances
    # are absolute, so payoffs of order 1e-300 (or 1e300) would otherwise defeat it.
    low, spread = float(A.min()), float(np.ptp(A))
    scaled = (A - low) / spread if spread > 0 else np.zeros_like(A)
    x, value = maximin_strategy(scaled)
    y, minus_value = maximin_strategy(-scaled.T)
    if abs(value + minus_value) > tol * 10:
        raise GameError(f"the two LPs disagree on the value ({value} vs {-minus_value}, on "
                        f"payoffs scaled to [0, 1]); try method='vertex'")
    value = value * spread + low if spread > 0 else low
    return verified_set(game, [(x, y)], method="zero-sum LP (HiGHS)", tol=tol, degenerate=None,
                        scope="some", strict=True, settings={"value": value})
