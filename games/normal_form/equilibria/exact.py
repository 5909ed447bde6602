"""Exact rational verification of a two-player equilibrium found in floating point.

The float equilibrium tells which strategies are used (supports) and which are best
responses. On those sets the equilibrium solves linear equations (indifference among best
responses, probabilities summing to one) that are re-solved here in exact rational arithmetic
(``fractions.Fraction``); the result is then checked exactly: probabilities nonnegative, every
used strategy a best response. For integer or rational payoffs this certifies the equilibrium
with no rounding at all. Payoffs given as floats are taken at their exact binary value.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from games.normal_form.equilibria.equilibrium import Equilibrium, player_ranges
from games.normal_form import NormalFormGame

Matrix = list[list[Fraction]]


def _as_fractions(array: np.ndarray) -> Matrix:
    return [[Fraction(float(v)) for v in row] for row in array]


def solve_unique(rows: Matrix, rhs: list[Fraction]) -> list[Fraction] | None:
    """The unique solution of a consistent linear system, or None (inconsistent or not unique)."""
    width = len(rows[0])
    work = [row[:] + [b] for row, b in zip(rows, rhs)]
    pivot_row = 0
    pivots = []
    for col in range(width):
        found = next((r for r in range(pivot_row, len(work)) if work[r][col] != 0), None)
        if found is None:
            return None  # a free variable: the support does not pin the point down
        work[pivot_row], work[found] = work[found], work[pivot_row]
        lead = work[pivot_row][col]
        work[pivot_row] = [v / lead for v in work[pivot_row]]
        for r in range(len(work)):
            if r != pivot_row and work[r][col] != 0:
                factor = work[r][col]
                work[r] = [a - factor * b for a, b in zip(work[r], work[pivot_row])]
        pivots.append(col)
        pivot_row += 1
    if any(row[-1] != 0 for row in work[pivot_row:]):
        return None
    return [work[i][-1] for i in range(width)]


def _mix_making_indifferent(payoff: Matrix, best: list[int], support: list[int],
                            size: int) -> list[Fraction] | None:
    """Exact mix on ``support`` (and value) making every strategy in ``best`` equally good."""
    rows = [[payoff[i][j] for j in support] + [Fraction(-1)] for i in best]
    rows.append([Fraction(1)] * len(support) + [Fraction(0)])
    rhs = [Fraction(0)] * len(best) + [Fraction(1)]
    solution = solve_unique(rows, rhs)
    if solution is None:
        return None
    mix = [Fraction(0)] * size
    for j, p in zip(support, solution):
        mix[j] = p
    return mix


def _is_best_response(payoff: Matrix, own: list[Fraction], other: list[Fraction]) -> bool:
    values = [sum((a * q for a, q in zip(row, other)), Fraction(0)) for row in payoff]
    top = max(values)
    return all(p >= 0 for p in own) and sum(own) == 1 and all(
        values[i] == top for i, p in enumerate(own) if p > 0)


def exact_equilibrium(game: NormalFormGame, equilibrium: Equilibrium,
                      tol: float = 1e-7) -> tuple[tuple[Fraction, ...], ...] | None:
    """The equilibrium recomputed in exact rationals and checked, or None if that fails.

    None means the point is not pinned down by its supports (an interior point of a
    component) or does not survive the exact check; the float regret still stands.

    >>> from games.normal_form import NormalFormGame
    >>> from games.normal_form.equilibria.vertex_enumeration import vertex_enumeration
    >>> game = NormalFormGame.from_arrays([[3, 3], [2, 5], [0, 6]], [[3, 2], [2, 6], [3, 1]])
    >>> [str(p) for p in exact_equilibrium(game, vertex_enumeration(game)[1])[0]]
    ['4/5', '1/5', '0']
    """
    A, B = game.payoffs
    x, y = equilibrium.strategies
    range_A, range_B = player_ranges(game)
    # Anchored at each player's minimum so rounding is relative to the range (see anchored).
    ay, bx = (A - A.min()) @ y, (B - B.min()).T @ x
    best_rows = [int(i) for i in np.flatnonzero(ay >= ay.max() - tol * range_A)]
    best_cols = [int(j) for j in np.flatnonzero(bx >= bx.max() - tol * range_B)]
    supp_x = [int(i) for i in np.flatnonzero(x > tol)]
    supp_y = [int(j) for j in np.flatnonzero(y > tol)]
    A_q, Bt_q = _as_fractions(A), _as_fractions(B.T)
    y_exact = _mix_making_indifferent(A_q, best_rows, supp_y, len(y))
    x_exact = _mix_making_indifferent(Bt_q, best_cols, supp_x, len(x))
    if y_exact is None or x_exact is None:
        return None
    if not (_is_best_response(A_q, x_exact, y_exact) and _is_best_response(Bt_q, y_exact, x_exact)):
        return None
    return tuple(x_exact), tuple(y_exact)
