"""Support enumeration over a stack of same-shape games at once (small m x n sweeps).

The same algorithm as :mod:`games.normal_form.equilibria.support_enumeration`, with one more axis: for
each support size k, the indifference systems of every support pair of every game in the
stack are solved in one batch. Degeneracy is detected per game on the way (a feasible
solution with a zero in its support or more best responses than its support size); the
caller solves those games one by one by vertex enumeration.
"""

from __future__ import annotations

import numpy as np

from games.normal_form.equilibria.support_enumeration import FEASIBILITY, TIE
from games.normal_form.equilibria.supports import rescale, solve_many, subsets, fold_last

#: Systems per batch (games x support pairs), to bound memory.
CHUNK = 100_000


def bordered_stack(A: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """[[A_IJ, -1], [1, 0]] for every game (axis 0) and support pair (axis 1)."""
    games, (pairs, k) = len(A), rows.shape
    M = np.zeros((games, pairs, k + 1, k + 1))
    M[:, :, :k, :k] = A[:, rows[:, :, None], cols[:, None, :]]
    M[:, :, :k, k] = -1.0
    M[:, :, k, :k] = 1.0
    return M.reshape(games * pairs, k + 1, k + 1)


def feasible(mix: np.ndarray, index: np.ndarray, payoff: np.ndarray, game_of: np.ndarray,
             ok: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full strategies of the feasible solutions, their positions, and their degeneracy.

    ``payoff`` (games, opponent strategies, own strategies); ``game_of`` gives each
    solution's game and ``index`` its support.
    """
    with np.errstate(invalid="ignore"):
        keep = np.flatnonzero(ok & fold_last(np.logical_and, mix >= -FEASIBILITY))
    full = np.zeros((len(keep), payoff.shape[2]))
    np.put_along_axis(full, index[keep], mix[keep], axis=1)
    earned = np.einsum("gij,gj->gi", payoff[game_of[keep]], full)
    best = fold_last(np.maximum, earned) <= value[keep] + FEASIBILITY
    keep, full, earned = keep[best], full[best], earned[best]
    zeros = fold_last(np.add, np.abs(mix[keep]) <= TIE)
    ties = fold_last(np.add, np.abs(earned - value[keep, None]) <= TIE)
    return full, keep, (zeros > 0) | (ties > mix.shape[1])


def stacked_support_enumeration(A: np.ndarray, B: np.ndarray
                                ) -> tuple[list[np.ndarray], np.ndarray]:
    """Candidate equilibria ([game index, x, y]) of the nondegenerate games of a stack, and
    the mask of degenerate games (whose candidates are left out)."""
    K, m, n = A.shape
    A1, Bt1 = rescale(A), rescale(np.transpose(B, (0, 2, 1)))
    degenerate = np.zeros(K, dtype=bool)
    found_g, found_x, found_y = [], [], []
    for k in range(1, min(m, n) + 1):
        rows, cols = subsets(m, k), subsets(n, k)
        I = np.repeat(rows, len(cols), axis=0)
        J = np.tile(cols, (len(rows), 1))
        pairs = len(I)
        step = max(1, CHUNK // pairs)
        for start in range(0, K, step):
            games = np.arange(start, min(K, start + step))
            game_of = np.repeat(games, pairs)
            I_all, J_all = np.tile(I, (len(games), 1)), np.tile(J, (len(games), 1))
            if k == 1:  # pure profiles: the mix is 1 and the value the payoff itself
                y_sol, x_sol = np.ones((len(game_of), 2)), np.ones((len(game_of), 2))
                y_sol[:, 1] = A1[game_of, I_all[:, 0], J_all[:, 0]]
                x_sol[:, 1] = Bt1[game_of, J_all[:, 0], I_all[:, 0]]
                y_ok = x_ok = np.ones(len(game_of), dtype=bool)
            else:
                rhs = np.zeros((len(game_of), k + 1))
                rhs[:, k] = 1.0
                y_sol, y_ok = solve_many(bordered_stack(A1[games], I, J), rhs)
                x_sol, x_ok = solve_many(bordered_stack(Bt1[games], J, I), rhs)
            y, y_at, y_deg = feasible(y_sol[:, :k], J_all, A1, game_of, y_ok, y_sol[:, k])
            x, x_at, x_deg = feasible(x_sol[:, :k], I_all, Bt1, game_of, x_ok, x_sol[:, k])
            degenerate[game_of[y_at[y_deg]]] = True
            degenerate[game_of[x_at[x_deg]]] = True
            _, in_y, in_x = np.intersect1d(y_at, x_at, assume_unique=True, return_indices=True)
            found_g.append(game_of[y_at[in_y]])
            found_x.append(x[in_x])
            found_y.append(y[in_y])
    g = np.concatenate(found_g)
    keep = ~degenerate[g]
    return [g[keep], np.vstack(found_x)[keep], np.vstack(found_y)[keep]], degenerate
