"""Supports of mixed strategies and batched indifference systems over many supports at once.

Support and vertex enumeration both visit every pair (I, J) of equal-size index sets of the two
players. Solving those linear systems one by one in Python is what makes nashpy slow; here all
pairs of one size are stacked and solved by a single batched ``numpy.linalg.solve``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np

from games.errors import GameTooLargeError, InvalidGameError, whole_number

#: Default cap on the number of support pairs an exhaustive method may visit (about 11x11).
MAX_SUPPORT_PAIRS = 1_000_000

#: Systems solved per batch: bounds memory (a batch of k x k systems takes CHUNK * k^2 floats).
CHUNK = 20_000


def rescale(payoff: np.ndarray) -> np.ndarray:
    """The one payoff rescaler: an affine map of a player's payoffs onto [1, 2].

    A 2-D table is one game; a stack (games on the first axis) maps each game on its own. A
    constant table maps to ones. Best responses are unchanged; entries of order one keep the
    bordered systems well scaled, positive ones keep the polytopes bounded and their pivots away
    from zero.

    >>> rescale(np.array([[0.0, 10.0], [5.0, 10.0]])).tolist()
    [[1.0, 2.0], [1.5, 2.0]]
    """
    if payoff.ndim == 2:
        low = float(payoff.min())
        spread = float(payoff.max()) - low
        return (payoff - low) / spread + 1.0 if spread > 0 else np.ones_like(payoff)
    flat = payoff.reshape(len(payoff), -1)
    low = fold_last(np.minimum, flat)
    spread = fold_last(np.maximum, flat) - low
    safe = np.where(spread > 0, spread, 1.0)
    out = (payoff - low[:, None, None]) / safe[:, None, None] + 1.0
    out[spread == 0] = 1.0
    return out


def count_support_pairs(m: int, n: int) -> int:
    """Number of pairs of equal-size nonempty supports: sum_k C(m,k) C(n,k) = C(m+n, m) - 1."""
    return comb(m + n, m) - 1


def check_size(m: int, n: int, max_pairs: int | None, method: str) -> None:
    """Refuse a game whose support pairs exceed ``max_pairs``; point to Lemke-Howson."""
    limit = MAX_SUPPORT_PAIRS if max_pairs is None else whole_number(
        max_pairs, "max_pairs", InvalidGameError, minimum=0)
    pairs = count_support_pairs(m, n)
    if pairs > limit:
        raise GameTooLargeError(
            f"a {m}x{n} game has {pairs:,} support pairs for {method} to check (limit "
            f"{limit:,}); use method='lemke-howson' for one equilibrium, or raise max_pairs "
            f"if you can wait")


@lru_cache(maxsize=256)
def subsets(m: int, k: int) -> np.ndarray:
    """All k-element subsets of range(m), one per row, in lexicographic order (read-only:
    cached per shape, since every solve of an m x n game asks for the same ones)."""
    found = np.array(list(combinations(range(m), k)), dtype=np.intp).reshape(-1, k)
    found.setflags(write=False)
    return found


def support_pairs(m: int, n: int, k: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Chunks of pairs (I, J) of size-k supports as two index arrays of shape (pairs, k)."""
    rows, cols = subsets(m, k), subsets(n, k)
    per_chunk = max(1, CHUNK // max(1, len(cols)))
    for start in range(0, len(rows), per_chunk):
        block = rows[start:start + per_chunk]
        yield (np.repeat(block, len(cols), axis=0), np.tile(cols, (len(block), 1)))


def fold_last(ufunc: np.ufunc, array: np.ndarray) -> np.ndarray:
    """``ufunc.reduce(array, axis=-1)`` for a short last axis, one column at a time.

    numpy reduces a short last axis row by row (about 1 ms for 10,000 rows of 4); folding the
    few columns is one vectorised call per column, dozens of times faster on stacks of small
    games. Boolean sums count (``np.add`` on booleans gives integers).
    """
    if array.dtype == bool and ufunc is np.add:
        array = array.view(np.uint8)
        out = array[..., 0].astype(np.intp)
    else:
        out = array[..., 0].copy()
    for j in range(1, array.shape[-1]):
        ufunc(out, array[..., j], out=out)
    return out


def solve_many(matrices: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve a stack of small square systems at once; singular ones are masked out, not raised.

    Returns the solutions (NaN rows where unsolvable) and the mask of solved systems.

    For the small systems of support enumeration numpy's LAPACK path costs about a microsecond
    of overhead per matrix, more than the arithmetic. So the stack is first eliminated in one
    vectorised Gauss-Jordan pass without pivoting (batch as the last axis, so every step is a
    contiguous vector operation); systems where a pivot came out small relative to the
    matrix (where elimination without pivoting may lose accuracy) or the residual is not tiny
    are re-solved by LAPACK with partial pivoting (:func:`solve_carefully`).
    """
    count, k = matrices.shape[0], matrices.shape[-1]
    if count == 0:
        return np.full((0, k), np.nan), np.zeros(0, dtype=bool)
    work = np.empty((k, k + 1, count))
    work[:, :k, :] = matrices.transpose(1, 2, 0)
    work[:, k, :] = rhs.T
    scale = np.abs(work[:, :k, :]).max(axis=(0, 1))
    smallest = np.full(count, np.inf)
    with np.errstate(all="ignore"):
        for c in range(k):
            pivot = work[c, c].copy()
            np.minimum(smallest, np.abs(pivot), out=smallest)
            pivot[pivot == 0] = 1.0
            work[c, c:] /= pivot
            for r in range(k):
                if r != c:
                    work[r, c:] -= work[r, c] * work[c, c:]
        solutions = np.ascontiguousarray(work[:, k, :].T)
        residual = fold_last(np.maximum, np.abs(np.einsum("pij,pj->pi", matrices, solutions) - rhs))
    redo = ~((smallest > 1e-3 * scale)
             & (residual <= 1e-13 * (scale + fold_last(np.maximum, np.abs(rhs)))))
    ok = np.ones(count, dtype=bool)
    if redo.any():
        solutions[redo], ok[redo] = solve_carefully(matrices[redo], rhs[redo])
    return solutions, ok


def solve_carefully(matrices: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK solves with partial pivoting; exactly or nearly singular systems are masked.

    A system counts as singular when |det| is below 1e-11 times the product of its row norms
    (Hadamard's bound, so independent of the payoff scale): in exact arithmetic it then has
    no unique solution (only in degenerate games), and a float solve would return an arbitrary
    point. Nearly singular systems that slip through give huge or arbitrary points; callers
    reject those by feasibility and, in vertex enumeration, by requiring maximal labels.
    """
    try:
        solutions = np.linalg.solve(matrices, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        scale = np.prod(np.linalg.norm(matrices, axis=-1), axis=-1)
        good = np.abs(np.linalg.det(matrices)) > 1e-11 * scale
        solutions = np.full(matrices.shape[:-1], np.nan)
        if good.any():
            solutions[good] = np.linalg.solve(matrices[good], rhs[good][..., None])[..., 0]
    ok = np.all(np.isfinite(solutions), axis=-1)
    solutions[~ok] = np.nan
    return solutions, ok
