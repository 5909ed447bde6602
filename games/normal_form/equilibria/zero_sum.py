"""Zero-sum (and constant-sum) games: the value and both optimal strategies from one linear program.

With the payoffs mapped onto [1, 2] (M > 0; optimal strategies are unchanged), the value v of
the game M is 1 / max{1^T u : M u <= 1, u >= 0}: player 2's optimal strategy is y = u v, and
the LP's dual solution (the prices of the rows, min{1^T w : M^T w >= 1, w >= 0}) is player 1's,
x = w v. By von Neumann's minimax theorem, any such pair is an equilibrium (Maschler, Solan and
Zamir, *Game Theory*, 2013, chapter 5). One primal simplex solves it from the slack basis
(feasible since the right-hand side is 1), pivoting a dictionary in place
(:mod:`games.normal_form.equilibria.pivoting`; Dantzig's entering rule, lexicographic ratio test, so no
cycling); the prices are read off the objective row. Should it fail, HiGHS solves the same LP
through ``scipy.optimize.linprog`` and its duals give the other strategy. A constant-sum game
(A + B = c) is solved as (A, -A).
"""

from __future__ import annotations

import numpy as np

import games.normal_form.equilibria.kernels as kernels  # the module, not the package facade
from games.normal_form.equilibria.equilibrium import DEFAULT_TOL, EquilibriumSet, verified_set
from games.normal_form.equilibria.pivoting import PIVOT_TOL, UNBOUNDED, Dictionary
from games.errors import GameError, InvalidGameError
from games.normal_form import NormalFormGame

#: A reduced cost above -OPTIMAL_TOL is taken as nonnegative (entries are of order one).
OPTIMAL_TOL = 1e-12


def simplex_strategies(M: np.ndarray, max_pivots: int = 100_000
                       ) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Optimal (x, y), the value and the pivots of the zero-sum game M (entries > 0), by simplex.

    Solves max 1^T u s.t. M u <= 1, u >= 0 (rows' slacks labelled 0..m-1, u labelled m..),
    by the compiled kernel when it is in use (:mod:`~games.normal_form.equilibria.kernels`),
    which takes the same pivots.
    """
    m, n = M.shape
    compiled = kernels.active()
    if compiled is not None:
        u, prices = np.empty(n), np.empty(m)
        pivots = compiled.simplex(np.ascontiguousarray(M, dtype=float), m, n, max_pivots, u, prices)
        if pivots == -2:
            raise GameError(UNBOUNDED)
        if pivots < 0:
            raise GameError(f"the zero-sum simplex did not finish within {max_pivots} pivots")
        return optimal_pair(u, prices, pivots)
    system = Dictionary(M, list(range(m, m + n)), list(range(m)),
                        extra_rows=-np.ones((1, n)), extra_rhs=np.zeros(1))
    objective = system.table[m, :-1]
    for pivots in range(max_pivots + 1):
        column = int(objective.argmin())
        if objective[column] >= -OPTIMAL_TOL:
            break
        if pivots == max_pivots:
            raise GameError(f"the zero-sum simplex did not finish within {max_pivots} pivots")
        system.pivot(system.nonbasic[column])
    u = system.values(m + n)[m:]
    prices = np.zeros(m)
    slack = [(k, label) for k, label in enumerate(system.nonbasic) if label < m]
    for k, label in slack:
        prices[label] = system.table[m, k]
    return optimal_pair(u, prices, pivots)


def optimal_pair(u: np.ndarray, prices: np.ndarray, pivots: int
                 ) -> tuple[np.ndarray, np.ndarray, float, int]:
    """(x, y, value, pivots) from the simplex's primal solution ``u`` and row prices."""
    total = float(u.sum())
    if not total > PIVOT_TOL:
        raise GameError("the zero-sum simplex ended at the origin; numerical trouble")
    x, y = np.clip(prices, 0.0, None), np.clip(u, 0.0, None)
    return x / x.sum(), y / y.sum(), 1.0 / total, pivots


def linprog_strategies(M: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The same LP as :func:`simplex_strategies` solved by HiGHS; the duals give x."""
    from scipy.optimize import linprog

    m, n = M.shape
    result = linprog(-np.ones(n), A_ub=M, b_ub=np.ones(m), bounds=(0, None), method="highs")
    if result.status != 0:
        raise GameError(f"the zero-sum LP failed ({result.message}); try method='vertex'")
    u, w = np.clip(result.x, 0.0, None), np.clip(-result.ineqlin.marginals, 0.0, None)
    return w / w.sum(), u / u.sum(), 1.0 / float(u.sum())


def maximin_strategy(A: np.ndarray) -> tuple[np.ndarray, float]:
    """The row player's optimal (maximin) strategy and the value of the zero-sum game A.

    The one maximin LP of the package: ``A`` is shifted to positive entries (the value moves by
    the shift, the strategies do not) and solved by :func:`simplex_strategies`.

    >>> x, v = maximin_strategy(np.array([[1.0, -1.0], [-1.0, 1.0]]))  # matching pennies
    >>> x.round(9).tolist(), round(v, 12) + 0.0
    ([0.5, 0.5], 0.0)
    """
    A = np.asarray(A, dtype=float)
    shift = 1.0 - float(A.min())
    x, _, _, _ = simplex_strategies(A + shift)
    return x, float((x @ A).min())  # the security value of x itself: exact for exact x


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
    # Payoffs mapped onto [1, 2]: positive (the LP's origin is feasible and its value
    # positive), and of order one whatever their scale (1e-300 or 1e300).
    low, spread = float(A.min()), float(np.ptp(A))
    M = (A - low) / spread + 1.0 if spread > 0 else np.ones_like(A)

    def checked(x: np.ndarray, y: np.ndarray, value: float, method: str,
                settings: dict[str, int], notes: tuple[str, ...] = ()) -> EquilibriumSet:
        value = (value - 1.0) * spread + low if spread > 0 else low
        return verified_set(game, [(x, y)], method=method, tol=tol, degenerate=None,
                            scope="some", strict=True, notes=notes,
                            settings={"value": value, **settings})

    try:
        x, y, value, pivots = simplex_strategies(M)
        return checked(x, y, value, "zero-sum LP (simplex)", {"pivots": pivots})
    except GameError as exc:
        x, y, value = linprog_strategies(M)
        return checked(x, y, value, "zero-sum LP (HiGHS)", {},
                       (f"the in-place simplex failed ({exc}); solved by HiGHS instead",))
