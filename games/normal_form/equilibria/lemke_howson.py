"""Lemke-Howson: one Nash equilibrium of a bimatrix game by complementary pivoting.

With payoffs made positive, write the best-response polytopes as tableaux (von Stengel,
"Computing equilibria for two-person games", 2002, section 3.4; Lemke and Howson, 1964):

    P:  B^T x + s = 1   (n rows; x_i carries label i, slack s_j label m + j)
    Q:  A y + r = 1     (m rows; slack r_i carries label i, y_j label m + j)

Start at the artificial equilibrium x = 0, y = 0 where every label is present twice. Dropping
one label k (letting its variable enter a basis) leaves one label duplicated; the variable with
that label in the *other* tableau enters next, and so on, until label k leaves a basis: then
every label is present exactly once and the pair is an equilibrium. Ties in the ratio test
(degenerate games) are broken lexicographically, which guarantees termination.
"""

from __future__ import annotations

import numpy as np

import games.normal_form.equilibria.kernels as kernels  # the module, not the package facade
from games.normal_form.equilibria.equilibrium import DEFAULT_TOL, EquilibriumSet, verified_set
from games.normal_form.equilibria.supports import rescale
from games.normal_form.equilibria.pivoting import UNBOUNDED, Dictionary
from games.errors import GameError
from games.normal_form import NormalFormGame


def lemke_howson_path(A: np.ndarray, B: np.ndarray, initial_label: int,
                      max_pivots: int = 100_000) -> tuple[np.ndarray, np.ndarray, int]:
    """Follow the path that drops ``initial_label``; return (x, y, pivots) at its end.

    Both tableaux are dictionaries pivoted in place (:class:`~games.normal_form.equilibria.pivoting.Dictionary`),
    by the compiled kernel when it is in use (:mod:`~games.normal_form.equilibria.kernels`), which
    takes the same pivots to the same end point.
    """
    compiled = kernels.active()
    if compiled is None:
        return numpy_path(A, B, initial_label, max_pivots)
    m, n = A.shape
    x, y = np.empty(m), np.empty(n)
    pivots = compiled.lemke_howson(np.ascontiguousarray(A, dtype=float),
                                   np.ascontiguousarray(B, dtype=float), m, n,
                                   int(initial_label), max_pivots, x, y)
    if pivots == -2:
        raise GameError(UNBOUNDED)
    if pivots < 0:
        raise GameError(f"Lemke-Howson did not finish within {max_pivots} pivots; try method='vertex'")
    return x, y, pivots


def numpy_path(A: np.ndarray, B: np.ndarray, initial_label: int,
               max_pivots: int = 100_000) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`lemke_howson_path` in NumPy: the reference of the compiled kernel."""
    m, n = A.shape
    labels = m + n
    # P: B^T x + s = 1, x labelled 0..m-1, s labelled m..; Q: A y + r = 1, r labelled 0..m-1.
    P = Dictionary(B.T, list(range(m)), list(range(m, labels)))
    Q = Dictionary(A, list(range(m, labels)), list(range(m)))
    # A label below m belongs to x in P; a label from m on belongs to y in Q.
    entering, tableau = initial_label, (P if initial_label < m else Q)
    for pivots in range(1, max_pivots + 1):
        leaving = tableau.pivot(entering)
        if leaving == initial_label:
            x = P.values(labels)[:m]
            y = Q.values(labels)[m:]
            return x, y, pivots
        entering, tableau = leaving, (Q if tableau is P else P)
    raise GameError(f"Lemke-Howson did not finish within {max_pivots} pivots; try method='vertex'")


def lemke_howson(game: NormalFormGame, tol: float = DEFAULT_TOL,
                 initial_label: int | None = None) -> EquilibriumSet:
    """One equilibrium by Lemke-Howson, checked; tries other starting labels if one fails.

    ``initial_label`` (0..m+n-1) picks the path; by default label 0 is tried first, then the
    others, until a path ends at a profile that passes the regret check.

    >>> from games.normal_form import NormalFormGame
    >>> game = NormalFormGame.from_arrays([[3, 3], [2, 5], [0, 6]], [[3, 2], [2, 6], [3, 1]])
    >>> found = lemke_howson(game)
    >>> found[0].support
    ((0,), (0,))
    """
    A, B = game.payoffs
    m, n = game.shape
    labels = [initial_label] if initial_label is not None else list(range(m + n))
    if any(isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer))
           or not 0 <= label < m + n for label in labels):
        raise GameError(f"initial_label must be in 0..{m + n - 1} for a {m}x{n} game; "
                        f"got {initial_label}")
    An, Bn = rescale(A), rescale(B)
    failures = []
    for label in map(int, labels):
        try:
            x, y, pivots = lemke_howson_path(An, Bn, label)
            found = verified_set(game, [(x / x.sum(), y / y.sum())], method="Lemke-Howson",
                                 tol=tol, degenerate=None, scope="some", strict=True,
                                 settings={"initial_label": label, "pivots": pivots})
            return found
        except GameError as exc:
            failures.append(f"label {label}: {exc}")
    raise GameError("Lemke-Howson found no verified equilibrium from any starting label:\n  "
                    + "\n  ".join(failures))
