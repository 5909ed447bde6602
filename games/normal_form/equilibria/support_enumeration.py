"""Support enumeration: every Nash equilibrium of a nondegenerate bimatrix game.

In a nondegenerate game both strategies of an equilibrium have supports of equal size k, and on
a support pair (I, J) the equilibrium is the unique solution of the indifference equations
(Nisan et al., *Algorithmic Game Theory*, 2007, section 3.3; von Stengel, "Computing equilibria
for two-person games", 2002, algorithm 2.3):

    sum_{j in J} A[i, j] y_j = u   for i in I,      sum_j y_j = 1,
    sum_{i in I} B[i, j] x_i = v   for j in J,      sum_i x_i = 1,

kept when x, y >= 0 and no strategy outside the support does better. Unlike nashpy (which
demands every probability be >= -1e-16 and so loses equilibria to rounding), the feasibility
tests here are tolerant and the regret check of :func:`verified_set` has the final word.

Degeneracy is detected on the way: a solution whose x has more best responses than its
support size (or a zero inside its support) witnesses it. In a degenerate game equal-size
supports are not enough, so the extreme equilibria are then taken from vertex enumeration.
"""

from __future__ import annotations

import numpy as np

from games.normal_form.equilibria.equilibrium import EquilibriumSet, verified_set
from games.normal_form.equilibria.supports import check_size, rescale, solve_many, support_pairs
from games.normal_form import NormalFormGame

#: Feasibility slack on probabilities and on payoff comparisons (relative to the payoff range):
#: loose on purpose, the final regret check decides.
FEASIBILITY = 1e-7
#: How close (relative) a payoff must be to the best to count as a tie when testing degeneracy.
TIE = 1e-9


def indifference_systems(A: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Stack of bordered matrices [[A_IJ, -1], [1, 0]]: the column player's mix y_J and value u
    that make the row player indifferent over I (one matrix per support pair)."""
    pairs, k = rows.shape
    M = np.zeros((pairs, k + 1, k + 1))
    M[:, :k, :k] = A[rows[:, :, None], cols[:, None, :]]
    M[:, :k, k] = -1.0
    M[:, k, :k] = 1.0
    return M


def scatter(values: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    """Full-length strategy vectors from probabilities on the support ``index``."""
    full = np.zeros((len(values), size))
    np.put_along_axis(full, index, values, axis=1)
    return full


def obey_support(mix: np.ndarray, index: np.ndarray, payoff: np.ndarray, ok: np.ndarray,
                 value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which solutions are mixed strategies (>= 0) against which no strategy beats the value.

    ``mix`` holds the probabilities on the support ``index`` of each solution, ``payoff`` is
    the opponent's (rescaled) payoff matrix with the opponent's strategies as rows. Returns
    the full strategies of the feasible solutions, their positions, and which of them are
    degenerate (a zero inside the support, or a best response beyond the support size).
    """
    with np.errstate(invalid="ignore"):
        keep = np.flatnonzero(ok & np.all(mix >= -FEASIBILITY, axis=1))
    full = scatter(mix[keep], index[keep], payoff.shape[1])
    earned = full @ payoff.T
    best = earned.max(axis=1) <= value[keep] + FEASIBILITY
    keep, full, earned = keep[best], full[best], earned[best]
    zeros = np.sum(np.abs(mix[keep]) <= TIE, axis=1)
    # A tie is a payoff within TIE of the value on either side; one above it by more is a
    # (tolerated, near-rounding) violation, not a degeneracy witness.
    ties = np.sum(np.abs(earned - value[keep, None]) <= TIE, axis=1)
    degenerate = (zeros > 0) | (ties > mix.shape[1])
    return full, keep, degenerate


def support_enumeration(game: NormalFormGame, tol: float = 1e-9,
                        max_pairs: int | None = None) -> EquilibriumSet:
    """All equilibria of a two-player game by enumerating equal-size support pairs.

    >>> from games.normal_form import NormalFormGame
    >>> A = [[3, 3], [2, 5], [0, 6]]
    >>> B = [[3, 2], [2, 6], [3, 1]]
    >>> found = support_enumeration(NormalFormGame.from_arrays(A, B))
    >>> len(found), found.degenerate
    (3, False)
    """
    m, n = game.shape
    check_size(m, n, max_pairs, "support enumeration")
    # Payoffs mapped onto [1, 2] (equilibria unchanged): the bordered systems below mix payoffs
    # with entries of 1, so payoffs in the millions would make them badly scaled.
    A, B = (rescale(payoff) for payoff in game.payoffs)
    # B^T rows are player 2's payoffs: the x-systems are the y-systems of the transposed game.
    Bt = B.T
    candidates = []
    degenerate = False
    for k in range(1, min(m, n) + 1):
        for I, J in support_pairs(m, n, k):
            rhs = np.zeros((len(I), k + 1))
            rhs[:, k] = 1.0
            y_sol, y_ok = solve_many(indifference_systems(A, I, J), rhs)
            x_sol, x_ok = solve_many(indifference_systems(Bt, J, I), rhs)
            # y on J against player 1's rows: rows of A are player 1's strategies.
            y, y_at, y_degenerate = obey_support(y_sol[:, :k], J, A, y_ok, y_sol[:, k])
            x, x_at, x_degenerate = obey_support(x_sol[:, :k], I, Bt, x_ok, x_sol[:, k])
            degenerate = degenerate or bool(y_degenerate.any() or x_degenerate.any())
            _, in_y, in_x = np.intersect1d(y_at, x_at, assume_unique=True, return_indices=True)
            candidates.extend(zip(x[in_x], y[in_y]))
    if degenerate:
        from games.normal_form.equilibria.vertex_enumeration import vertex_enumeration

        extreme = vertex_enumeration(game, tol=tol)
        return EquilibriumSet(
            extreme.equilibria, game, "support enumeration (degenerate: vertex enumeration)",
            tol, extreme.max_regret, True, "all",
            ("equal-size supports miss equilibria of degenerate games, so the extreme "
             "equilibria come from vertex enumeration",), {"max_pairs": max_pairs})
    return verified_set(game, candidates, method="support enumeration", tol=tol,
                        degenerate=False, scope="all", settings={"max_pairs": max_pairs})
