"""Vertices of a best-response polytope by pivoting, breadth first over its graph.

The polytope {z >= 0, M^T z <= 1} in standard form is  M^T z + s = 1,  z, s >= 0. A feasible
basis (e basic variables among the d + e) is a vertex; two bases that differ in one variable
are neighbours, reached by one simplex pivot. Starting from the slack basis (z = 0) and
pivoting in every nonbasic variable, level by level, visits every vertex: the graph of a
polytope is connected. Ties in the ratio test (degenerate vertices) are broken by the
lexicographic rule, which amounts to perturbing the right-hand side to 1 + (eps, eps^2, ...);
the perturbed polytope is simple, so its graph is connected and each vertex of the original
polytope is reached through at least one of its bases (Avis and Fukuda's reverse search uses
the same device; Dantzig, *Linear Programming and Extensions*, 1963, section 10.2).

This visits only the feasible bases (a few hundred in a random 8x8 game) instead of all
C(d + e, d) candidate bases, and every frontier of the search is pivoted at once in numpy.
"""

from __future__ import annotations

import numpy as np

import games.normal_form.equilibria.kernels as kernels  # the module, not the package facade
from games.normal_form.equilibria.supports import solve_carefully
from games.errors import GameTooLargeError

#: An entry of the entering column must exceed this to bound the step. Tableau entries are of
#: order one (payoffs normalised to [1, 2]); smaller entries are rounding noise of zeros, and
#: pivoting on one would give a basis that is singular in the original data.
PIVOT_TOL = 1e-9


def lexicographic_rows(columns: np.ndarray, tableaux: np.ndarray, parent: np.ndarray,
                       e: int) -> np.ndarray:
    """Leaving row for each entering column: the lexicographic minimum-ratio test.

    ``columns`` (N, e) are the entering columns of the tableaux ``tableaux[parent]``, whose
    last e + 1 columns hold B^{-1} and the right-hand side. Returns -1 where no entry is
    positive (no bound, which cannot happen on a bounded polytope).
    """
    positive = columns > PIVOT_TOL
    safe = np.where(positive, columns, 1.0)
    candidates = positive
    # First key: the right-hand side (the ordinary ratio test); ties are rare, so the next
    # keys (the columns of B^{-1}) are only computed for the entries still tied.
    for key_column in [-1] + [-1 - e + t for t in range(e)]:
        tied = np.flatnonzero(candidates.sum(axis=1) > 1) if key_column != -1 else None
        if tied is not None and len(tied) == 0:
            break
        if tied is None:
            key = tableaux[parent, :, key_column]
            ratio = np.where(candidates, key / safe, np.inf)
            best = ratio.min(axis=1, keepdims=True)
            candidates = candidates & (ratio <= best + 1e-11 * np.maximum(1.0, np.abs(best)))
        else:
            key = tableaux[parent[tied], :, key_column]
            ratio = np.where(candidates[tied], key / safe[tied], np.inf)
            best = ratio.min(axis=1, keepdims=True)
            candidates[tied] &= ratio <= best + 1e-11 * np.maximum(1.0, np.abs(best))
    rows = np.argmax(candidates, axis=1)
    rows[~positive.any(axis=1)] = -1
    return rows


def basis_masks(bases: np.ndarray) -> np.ndarray:
    """One integer per basis: bit v set when variable v is basic (needs d + e <= 63)."""
    return np.bitwise_or.reduce(np.left_shift(np.uint64(1), bases.astype(np.uint64)), axis=1)


def feasible_bases(M: np.ndarray, max_bases: int = 100_000) -> np.ndarray:
    """All lexicographically feasible bases of {z >= 0, M^T z <= 1}, one row of e indices each.

    Variables 0..d-1 are z, d..d+e-1 the slacks. ``M`` must have positive entries.
    """
    return feasible_bases_stack(M[None], max_bases)[1]


def feasible_bases_stack(M: np.ndarray, max_bases: int = 100_000
                         ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`feasible_bases` of a stack of polytopes (K, d, e) walked together, level by level.

    Returns (owner, bases): each basis's polytope and its e indices, polytope by polytope in
    the order a walk of that polytope alone finds them. Walking the polytopes of one game (or of
    many games of one shape) together pivots each level of all of them in one numpy call.
    The compiled kernel, when in use (:mod:`~games.normal_form.equilibria.kernels`), walks each
    polytope breadth first in C and returns the same bases in the same order.
    """
    K, d, e = M.shape
    if d + e > 63:
        raise GameTooLargeError(f"pivoting vertex enumeration handles up to 63 strategies in "
                                f"all; this game has {d + e}. Use method='lemke-howson'")
    compiled = kernels.active()
    if compiled is not None:
        walked = compiled.feasible_bases(np.ascontiguousarray(M, dtype=float), K, d, e, max_bases)
        if walked is None:
            raise GameTooLargeError(too_many_vertices(max_bases))
        found, counts = walked
        bases = np.frombuffer(found, dtype=np.int64).reshape(-1, e)
        return np.repeat(np.arange(K), counts), bases
    if K > 1 and (K - 1).bit_length() + d + e > 63:
        raise GameTooLargeError(f"too many polytopes ({K:,}) to walk together")
    frontier_t = np.empty((K, e, d + e + 1))
    frontier_t[:, :, :d] = M.transpose(0, 2, 1)
    frontier_t[:, :, d:d + e] = np.eye(e)
    frontier_t[:, :, -1] = 1.0
    frontier_b = np.broadcast_to(np.arange(d, d + e), (K, e)).copy()
    frontier_o = np.arange(K)
    seen = np.sort(keys_of(frontier_o, frontier_b, d + e))
    found_o, found_b = [frontier_o], [frontier_b]
    counts = np.ones(K, dtype=np.int64)
    while len(frontier_t):
        count = len(frontier_t)
        # The d nonbasic variables of each basis enter in turn.
        nonbasic = np.ones((count, d + e), dtype=bool)
        nonbasic[np.arange(count)[:, None], frontier_b] = False
        entering = np.nonzero(nonbasic)[1]
        parent = np.repeat(np.arange(count), d)
        columns = frontier_t[parent, :, entering]
        rows = lexicographic_rows(columns, frontier_t, parent, e)
        ok = np.flatnonzero(rows >= 0)
        parent, entering, rows, columns = parent[ok], entering[ok], rows[ok], columns[ok]
        bases = frontier_b[parent]
        bases[np.arange(len(rows)), rows] = entering
        # New bases: first occurrence of each key among the candidates, not seen before.
        keys = keys_of(frontier_o[parent], bases, d + e)
        _, first = np.unique(keys, return_index=True)
        first.sort()
        spot = np.minimum(np.searchsorted(seen, keys[first]), len(seen) - 1)
        pick = first[seen[spot] != keys[first]]
        if not len(pick):
            break
        seen = np.sort(np.concatenate([seen, keys[pick]]))
        # Pivot only the new bases: divide the pivot row, eliminate the column elsewhere.
        tables = frontier_t[parent[pick]]
        columns, rows = columns[pick], rows[pick]
        pick_range = np.arange(len(pick))
        pivot_rows = tables[pick_range, rows] / columns[pick_range, rows][:, None]
        tables -= columns[:, :, None] * pivot_rows[:, None, :]
        tables[pick_range, rows] = pivot_rows
        frontier_t, frontier_b, frontier_o = tables, bases[pick], frontier_o[parent[pick]]
        found_o.append(frontier_o)
        found_b.append(frontier_b)
        counts += np.bincount(frontier_o, minlength=K)
        if counts.max() > max_bases:
            raise GameTooLargeError(too_many_vertices(max_bases))
    owner, bases = np.concatenate(found_o), np.vstack(found_b)
    order = np.argsort(owner, kind="stable")
    return owner[order], bases[order]


def too_many_vertices(max_bases: int) -> str:
    """The message of a walk stopped at ``max_bases`` feasible bases."""
    return (f"a best-response polytope of this game has more than {max_bases:,} vertices "
            f"(the limit); use method='lemke-howson' for one equilibrium, or raise "
            f"max_vertices if you can wait")


def keys_of(owner: np.ndarray, bases: np.ndarray, variables: int) -> np.ndarray:
    """One integer per (polytope, basis): the polytope's number above the basis's bit mask."""
    return basis_masks(bases) | (owner.astype(np.uint64) << np.uint64(variables))


def vertices_from_bases(M: np.ndarray, bases: np.ndarray,
                        owner: np.ndarray | None = None) -> np.ndarray:
    """The point z of each basis, solved afresh from the original data (no pivoting error).

    ``M`` is one polytope's (d, e) matrix, or a stack (K, d, e) with ``owner`` giving each
    basis's polytope. A basis that is numerically singular in the original data (possible only
    when payoffs are equal to within rounding) gives a row of NaN, which callers drop.
    """
    if owner is None:
        M, owner = M[None], np.zeros(len(bases), dtype=np.intp)
    K, d, e = M.shape
    columns = np.empty((K, e, d + e))
    columns[:, :, :d] = M.transpose(0, 2, 1)
    columns[:, :, d:] = np.eye(e)
    # systems[v] = columns[owner[v]][:, bases[v]]: the basic columns, (V, e, e)
    systems = columns[owner[:, None, None], np.arange(e)[None, :, None], bases[:, None, :]]
    values, _ = solve_carefully(systems, np.ones((len(bases), e)))
    z = np.zeros((len(bases), d + e))
    np.put_along_axis(z, bases, values, axis=1)
    return z[:, :d]
