"""Vertex enumeration: all extreme equilibria of a bimatrix game, degenerate or not.

With payoffs made positive, the best-response polytopes are (von Stengel, "Computing equilibria
for two-person games", Handbook of Game Theory vol. 3, 2002, section 3)

    P = {x in R^m : x >= 0, B^T x <= 1},        Q = {y in R^n : A y <= 1, y >= 0}.

A point of P carries the label i when x_i = 0 and the label m + j when (B^T x)_j = 1 (strategy
j of player 2 is a best response to x). A pair of nonzero vertices (x, y) whose labels cover
all of 1..m+n ("completely labeled") is, once normalised, an equilibrium, and these pairs are
exactly the extreme equilibria: every equilibrium is a convex combination of extreme ones
within a maximal convex set of equilibria (Winkels 1979; Avis et al., Economic Theory 2010).

The vertices are found by pivoting from the origin over the polytope's graph
(:mod:`games.normal_form.equilibria.polytope`); :func:`polytope_vertices_by_bases` instead solves every
candidate basis (rows I with B_IT^T x_I = 1 for equal-size column sets T) and serves as an
independent check. The game is degenerate exactly when some vertex has more labels than its
dimension.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

from games.errors import GameTooLargeError, InvalidGameError, whole_number
import games.normal_form.equilibria.kernels as kernels  # the module, not the package facade
from games.normal_form.equilibria.equilibrium import EquilibriumSet, verified_set
from games.normal_form.equilibria.polytope import too_many_vertices, vertices_from_bases, feasible_bases_stack
from games.normal_form.equilibria.supports import rescale, solve_many, support_pairs
from games.normal_form import NormalFormGame

#: Square games up to this size walk their two polytopes together (larger ones gain nothing).
STACKED_SIZE = 8

#: The least cap on the vertices (feasible bases) of each best-response polytope; the default
#: cap is set from the memory available (:func:`default_max_vertices`).
MAX_VERTICES = 20_000

#: The share of the memory available (when first asked) that one polytope's walk may fill.
MEMORY_SHARE = 0.25

#: Slack (on payoffs normalised to [1, 2]) for feasibility and for a constraint to count as tight.
LABEL_TOL = 1e-9


def bytes_per_vertex(d: int, e: int) -> int:
    """Memory per feasible basis of the NumPy walk of a polytope in R^d with e inequalities.

    Its largest arrays per basis: the tableau of the walk's frontier (e x (d + e + 1)), the
    basic columns solved afresh (e x e) and the point, loads and labels (d + e each, with the
    basis itself); the compiled walk needs less.
    """
    return 8 * (e * (d + e + 1) + e * e + 4 * (d + e))


@lru_cache(maxsize=1)
def available_memory() -> int:
    """Bytes of memory available to this process when first asked (MemAvailable on Linux)."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 2 << 30  # unknown: assume 2 GiB


@lru_cache(maxsize=None)
def default_max_vertices(m: int, n: int) -> int:
    """The default cap on the vertices of each polytope of an m x n game: what MEMORY_SHARE of
    the memory available holds (:func:`bytes_per_vertex` of the larger side), never below
    MAX_VERTICES.

    A fixed 20,000 refused random 14 x 14 games (about 10^5 vertices per polytope) that take a
    fraction of a second; the cap exists so that a game too large for this machine is refused
    with advice rather than exhausting its memory.

    >>> default_max_vertices(14, 14) >= MAX_VERTICES
    True
    """
    side = max(m, n)
    return max(MAX_VERTICES, int(MEMORY_SHARE * available_memory()) // bytes_per_vertex(side, side))


def polytope_vertices(M: np.ndarray, max_vertices: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Nonzero vertices of {z >= 0, M^T z <= 1} and their labels, by pivoting.

    ``M`` is (d, e) with positive entries. Returns the vertices (V, d) and a boolean label
    matrix (V, d + e): label i for z_i = 0, label d + j for (M^T z)_j = 1.
    """
    return stacked_polytope_vertices(M[None], max_vertices)[0]


def stacked_polytope_vertices(M: np.ndarray, max_vertices: int | None = None
                              ) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`polytope_vertices` of each polytope of a stack (K, d, e), walked together."""
    limit = default_max_vertices(*M.shape[1:]) if max_vertices is None else whole_number(
        max_vertices, "max_vertices", InvalidGameError, minimum=0)
    owner, bases = feasible_bases_stack(M, limit)
    z = vertices_from_bases(M, bases, owner)
    load = np.matmul(z[:, None, :], M[owner])[:, 0, :]
    with np.errstate(invalid="ignore"):
        real = (np.all(np.isfinite(z), axis=1) & (z.sum(axis=1) > LABEL_TOL)
                & np.all(z >= -LABEL_TOL, axis=1) & np.all(load <= 1.0 + LABEL_TOL, axis=1))
    labels = np.hstack([np.abs(z) <= LABEL_TOL, load >= 1.0 - LABEL_TOL])
    ends = np.searchsorted(owner, np.arange(len(M) + 1))
    out = []
    for k in range(len(M)):
        part = slice(ends[k], ends[k + 1])
        keep = real[part]
        out.append(distinct_vertices(z[part][keep], labels[part][keep]))
    return out


def distinct_vertices(vertices: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One entry per vertex: a degenerate vertex is reached from several bases.

    Distinct vertices have distinct label sets, since a vertex is the only point of the
    polytope with all of its labels.
    """
    if labels.shape[1] <= 63:  # one integer per label set sorts much faster than rows
        weights = np.left_shift(np.uint64(1), np.arange(labels.shape[1], dtype=np.uint64))
        _, first = np.unique((labels * weights).sum(axis=1, dtype=np.uint64), return_index=True)
    else:
        _, first = np.unique(labels, axis=0, return_index=True)
    first.sort()
    vertices, labels = vertices[first], labels[first]
    if np.any(labels.sum(axis=1) > vertices.shape[1]):
        keep = ~strictly_contained(labels)
        vertices, labels = vertices[keep], labels[keep]
    return vertices, labels


def polytope_vertices_by_bases(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nonzero vertices of {z >= 0, M^T z <= 1} and their labels, trying every basis.

    The slow, simple way (C(d + e, d) linear systems), kept as an independent check of
    :func:`polytope_vertices`.

    ``M`` is (d, e) with positive entries. Returns the vertices (V, d) and a boolean label
    matrix (V, d + e): label i for z_i = 0, label d + j for (M^T z)_j = 1.
    """
    d, e = M.shape
    Mt = M.T
    found_z, found_labels = [], []
    for k in range(1, min(d, e) + 1):
        for rows, tight in support_pairs(d, e, k):
            # Basis: z_i = 0 off ``rows``, and the columns ``tight`` hold with equality.
            systems = Mt[tight[:, :, None], rows[:, None, :]]
            z_rows, ok = solve_many(systems, np.ones((len(rows), k)))
            # Cheap test first (z >= 0), the full load test only on the survivors.
            with np.errstate(invalid="ignore"):
                keep = np.flatnonzero(ok & np.all(z_rows >= -LABEL_TOL, axis=1))
            z = np.zeros((len(keep), d))
            np.put_along_axis(z, rows[keep], z_rows[keep], axis=1)
            load = z @ M
            feasible = np.all(load <= 1.0 + LABEL_TOL, axis=1)
            if feasible.any():
                z, load = z[feasible], load[feasible]
                found_z.append(z)
                found_labels.append(np.hstack([np.abs(z) <= LABEL_TOL, load >= 1.0 - LABEL_TOL]))
    if not found_z:
        return np.zeros((0, d)), np.zeros((0, d + e), dtype=bool)
    return distinct_vertices(np.vstack(found_z), np.vstack(found_labels))


def strictly_contained(labels: np.ndarray) -> np.ndarray:
    """Which label sets are strict subsets of another one found.

    A nearly singular basis of a degenerate polytope can yield a point inside a face rather
    than a vertex; its labels are then a strict subset of those of the face's vertices, which
    are found from their own (regular) bases. Only vertices are kept.
    """
    as_float = labels.astype(np.float64)
    outside = as_float @ (1.0 - as_float).T  # labels of a missing from b
    np.fill_diagonal(outside, 1.0)
    return np.any(outside == 0, axis=1)


def completely_labeled(labels_x: np.ndarray, labels_y: np.ndarray,
                       simple: bool = False) -> np.ndarray:
    """Index pairs (a, b) of vertices whose labels together cover every label.

    With ``simple`` (no vertex has extra labels: a nondegenerate game) a vertex's partner
    must carry exactly the complementary labels, found by a sorted lookup; otherwise every
    pair is tested.
    """
    count = labels_x.shape[1]
    if count > 63:
        # Count the labels missing from both as a product of the complements.
        missing = (~labels_x).astype(np.float64) @ (~labels_y).astype(np.float64).T
        return np.argwhere(missing == 0)
    # One integer bit mask per vertex.
    weights = np.left_shift(np.uint64(1), np.arange(count, dtype=np.uint64))
    mask_x = (labels_x * weights).sum(axis=1, dtype=np.uint64)
    mask_y = (labels_y * weights).sum(axis=1, dtype=np.uint64)
    everything = np.uint64((1 << count) - 1)
    if len(mask_x) == 0 or len(mask_y) == 0:
        return np.zeros((0, 2), dtype=np.intp)
    if simple:
        order = np.argsort(mask_y)
        wanted = everything ^ mask_x
        spot = np.minimum(np.searchsorted(mask_y[order], wanted), len(order) - 1)
        hit = mask_y[order][spot] == wanted
        return np.column_stack([np.flatnonzero(hit), order[spot[hit]]])
    found = []
    step = max(1, 4_000_000 // len(mask_y))  # bounds the memory of the pair table
    for start in range(0, len(mask_x), step):
        a, b = np.nonzero((mask_x[start:start + step, None] | mask_y[None, :]) == everything)
        found.append(np.column_stack([a + start, b]))
    return np.vstack(found)


def vertex_enumeration(game: NormalFormGame, tol: float = 1e-9,
                       max_vertices: int | None = None) -> EquilibriumSet:
    """All extreme equilibria of a two-player game from the vertices of its best-response polytopes.

    ``max_vertices`` caps the feasible bases visited in each polytope (default: what a
    quarter of the memory available holds, :func:`default_max_vertices`); beyond it
    GameTooLargeError suggests Lemke-Howson.

    >>> from games.normal_form import NormalFormGame
    >>> pennies = NormalFormGame.from_arrays([[1, -1], [-1, 1]])
    >>> [eq.strategies[0].round(9).tolist() for eq in vertex_enumeration(pennies)]
    [[0.5, 0.5]]
    """
    if max_vertices is not None:  # checked here so the compiled path is covered too
        max_vertices = whole_number(max_vertices, "max_vertices", InvalidGameError, minimum=0)
    A, B = game.payoffs
    m, n = game.shape
    compiled = kernels.active()
    if compiled is not None and m + n <= 63:
        return compiled_vertex_enumeration(compiled, game, tol, max_vertices)
    # Player 1's polytope P is built on B (player 2's payoffs) and Q on A^T; a square game's
    # two polytopes have one shape and are walked together.
    P, Q = rescale(B), rescale(A).T
    if m == n <= STACKED_SIZE:
        x_side, y_side = stacked_polytope_vertices(np.stack([P, Q]), max_vertices)
    else:
        x_side, y_side = polytope_vertices(P, max_vertices), polytope_vertices(Q, max_vertices)
    return equilibria_from_vertices(game, x_side, y_side, tol, max_vertices)


def compiled_vertex_enumeration(compiled: Any, game: NormalFormGame, tol: float,
                                max_vertices: int | None,
                                method: str = "vertex enumeration") -> EquilibriumSet:
    """:func:`vertex_enumeration` by the compiled kernel (:mod:`~games.normal_form.equilibria.kernels`),
    from the payoffs to the verified equilibria in one call.

    Games of up to 4 strategies a side solve the bases of both polytopes support pair by
    support pair (every basis, so every vertex and any degeneracy is seen); a degenerate game
    or a larger one takes the same walk as the NumPy path, each vertex solved afresh in C
    (Gaussian elimination with partial pivoting instead of LAPACK's), so the equilibria agree
    to rounding. The candidates then pass :func:`verified_set`'s regret check, in C, and the
    result is built on first use (:meth:`EquilibriumSet.from_rows`).
    """
    A, B = game.payoffs
    m, n = A.shape
    limit = default_max_vertices(m, n) if max_vertices is None else max_vertices
    found = compiled.checked_vertex_equilibria(A, B, m, n, limit, tol)
    if found is NotImplemented:  # payoffs not stored as C-contiguous float64
        found = compiled.checked_vertex_equilibria(np.ascontiguousarray(A, dtype=np.float64),
                                                   np.ascontiguousarray(B, dtype=np.float64),
                                                   m, n, limit, tol)
    if found is None:
        raise GameTooLargeError(too_many_vertices(limit))
    rows, kept, degenerate, x_count, y_count, dropped, need, bound = found
    notes: tuple[str, ...] = ()
    if dropped:
        notes = (f"{dropped} candidate(s) failed the regret check and were left out "
                 f"(the closest needs tol >= {need:.3g}); a larger tol keeps them",)
    return EquilibriumSet.from_rows(rows, kept, game, method=method, tolerance=tol,
                                    max_regret=bound, degenerate=degenerate, scope="all",
                                    notes=notes, settings={"max_vertices": limit,
                                                           "vertices": (x_count, y_count)})


def equilibria_from_vertices(game: NormalFormGame, x_side: tuple[np.ndarray, np.ndarray],
                             y_side: tuple[np.ndarray, np.ndarray], tol: float,
                             max_vertices: int | None) -> EquilibriumSet:
    """The checked equilibria of a game from the vertices and labels of its two polytopes."""
    m, n = game.shape
    (x_vertices, x_labels), (y_vertices, y_labels_own) = x_side, y_side
    # Q's own labels are (y_j = 0 for j) then (row i tight); reorder to the shared numbering
    # 1..m for player 1's strategies and m+1..m+n for player 2's.
    y_labels = np.hstack([y_labels_own[:, n:], y_labels_own[:, :n]])
    degenerate = bool(np.any(x_labels.sum(axis=1) > m) or np.any(y_labels.sum(axis=1) > n))
    pairs = completely_labeled(x_labels, y_labels, simple=not degenerate)
    candidates = [(x_vertices[a] / x_vertices[a].sum(), y_vertices[b] / y_vertices[b].sum())
                  for a, b in pairs]
    return verified_set(game, candidates, method="vertex enumeration", tol=tol,
                        degenerate=degenerate, scope="all",
                        settings={"max_vertices": (default_max_vertices(m, n) if max_vertices is None
                                                   else max_vertices),
                                  "vertices": (len(x_vertices), len(y_vertices))})
