"""Supports of mixed strategies and batched indifference systems over many supports at once.

Support and vertex enumeration both visit every pair (I, J) of equal-size index sets of the two
players. Solving those linear systems one by one in Python is what makes nashpy slow; here all
pairs of one size are stacked and solved by a single batched ``numpy.linalg.solve``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from math import comb

import numpy as np

from games.errors import GameTooLargeError

#: Default cap on the number of support pairs an exhaustive method may visit (about 11x11).
MAX_SUPPORT_PAIRS = 1_000_000

#: Systems solved per batch: bounds memory (a batch of k x k systems takes CHUNK * k^2 floats).
CHUNK = 20_000


def count_support_pairs(m: int, n: int) -> int:
    """Number of pairs of equal-size nonempty supports: sum_k C(m,k) C(n,k) = C(m+n, m) - 1."""
    return comb(m + n, m) - 1


def check_size(m: int, n: int, max_pairs: int | None, method: str) -> None:
    """Refuse a game whose support pairs exceed ``max_pairs``; point to Lemke-Howson."""
    limit = MAX_SUPPORT_PAIRS if max_pairs is None else max_pairs
    pairs = count_support_pairs(m, n)
    if pairs > limit:
        raise GameTooLargeError(
            f"a {m}x{n} game has {pairs:,} support pairs for {method} to check (limit "
            f"{limit:,}); use method='lemke-howson' for one equilibrium, or raise max_pairs "
            f"if you can wait")


def subsets(m: int, k: int) -> np.ndarray:
    """All k-element subsets of range(m), one per row, in lexicographic order."""
    return np.array(list(combinations(range(m), k)), dtype=np.intp).reshape(-1, k)


def support_pairs(m: int, n: int, k: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Chunks of pairs (I, J) of size-k supports as two index arrays of shape (pairs, k)."""
    rows, cols = subsets(m, k), subsets(n, k)
    per_chunk = max(1, CHUNK // max(1, len(cols)))
    for start in range(0, len(rows), per_chunk):
        block = rows[start:start + per_chunk]
        yield (np.repeat(block, len(cols), axis=0), np.tile(cols, (len(block), 1)))


def solve_many(matrices: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve a stack of square systems; singular ones are masked out, not raised.

    Returns the solutions (NaN rows where unsolvable) and the mask of solved systems. When the
    stack holds an exactly singular matrix (common in integer games), systems with |det| below
    1e-11 times the product of their row norms (Hadamard's bound, so independent of the payoff
    scale) are masked and the others solved. A nearly singular system that slips through gives
    a huge or arbitrary point; callers reject those by feasibility and, in vertex enumeration,
    by requiring a vertex's labels to be maximal.
    """
    if len(matrices) == 0:
        return np.full(matrices.shape[:-1], np.nan), np.zeros(0, dtype=bool)
    try:
        solutions = np.linalg.solve(matrices, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        scale = np.prod(np.linalg.norm(matrices, axis=-1), axis=-1)
        good = np.abs(np.linalg.det(matrices)) > 1e-11 * scale
        solutions = np.full(matrices.shape[:-1], np.nan)
        if good.any():
            solutions[good] = np.linalg.solve(matrices[good], rhs[good][..., None])[..., 0]
    ok = np.all(np.isfinite(solutions), axis=-1)
    return solutions, ok
