"""Two gains piecewise affine over a box: the max-min and the Nash product exactly, per row.

Let g_1, g_2 be affine on each cell of a box low <= x <= high cut by hyperplanes
h_j(x) = c_j . x + e_j = 0 (the kinks of ``min``/``max`` terms whose arguments are affine). The
gain pairs a cell attains are the image of a polytope under an affine map: a convex polygon,
whose boundary is made of images of segments between the cell's vertices. The max-min
min(g_1, g_2) and the Nash product g_1^beta g_2^(1 - beta) grow with both gains, so each is
largest on that boundary: on some segment between two vertices of one cell. Along a segment
both gains are affine in its parameter t, so the best t has a closed form (where the two gains
cross for the max-min; the stationary point of a concave function for the Nash product,
the same closed form as :func:`games.optimise.nash_product.nash_on_segments`).

So: the vertices of every cell (each one where k of the box's faces and the hyperplanes meet,
k coordinates), the gains at each vertex, and the best of every pair of vertices that no
hyperplane separates. Array operations only: no iterations, no resolution. The caller checks
the affine model at the answer (the gains are evaluated there and at every segment's midpoint).

>>> import numpy as np
>>> # one coordinate, a kink at x = 0.5: g_1 = min(x, 0.5), g_2 = 1 - x; max-min 0.5 at x = 0.5
>>> v, ok = cell_vertices(np.zeros((1, 1)), np.ones((1, 1)), np.ones((1, 1, 1)),
...                       np.full((1, 1), -0.5))
>>> sorted(v[0][ok[0], 0].tolist())
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

import itertools

import numpy as np

from games.optimise.nash_product import log_nash_product

__all__ = ["MAX_VERTEX_SYSTEMS", "vertex_systems", "cell_vertices", "unseparated",
           "best_on_segments"]

#: Most systems of k faces and hyperplanes solved per row for the vertices (beyond it the
#: caller searches instead: the pairs grow with the square of the vertices).
MAX_VERTEX_SYSTEMS = 64


def _systems(k: int, m: int) -> list[tuple[int, ...]]:
    """Choices of k constraints among the 2k faces (face i: x_i = low_i, face k + i: x_i =
    high_i) and m hyperplanes (2k + j) that can meet in one point (no coordinate twice)."""
    out = []
    for chosen in itertools.combinations(range(2 * k + m), k):
        faces = [c % k for c in chosen if c < 2 * k]
        if len(set(faces)) == len(faces):
            out.append(chosen)
    return out


def vertex_systems(k: int, m: int) -> int:
    """How many systems :func:`cell_vertices` solves per row for k coordinates and m
    hyperplanes (compare with :data:`MAX_VERTEX_SYSTEMS`).

    >>> vertex_systems(2, 1)            # 4 corners, and the line with each of 4 faces
    8
    """
    return len(_systems(k, m))


def cell_vertices(low: np.ndarray, high: np.ndarray, slopes: np.ndarray, offsets: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Every point where k of the box's faces and hyperplanes meet inside the box, per row.

    ``low``, ``high``: (n, k); ``slopes``: (n, m, k) and ``offsets``: (n, m), hyperplane j of
    row i being slopes[i, j] . x + offsets[i, j] = 0. Returns the points (n, p, k) and whether
    each is a vertex (n, p): its system is regular and it lies in the box (rounding allowed).
    Every vertex of every cell is among them (the box's corners always are).
    """
    n, k = low.shape
    m = offsets.shape[1]
    systems = _systems(k, m)
    matrix = np.zeros((n, len(systems), k, k))
    rhs = np.zeros((n, len(systems), k))
    for s, chosen in enumerate(systems):
        for row, c in enumerate(chosen):
            if c < 2 * k:
                matrix[:, s, row, c % k] = 1.0
                rhs[:, s, row] = (low if c < k else high)[:, c % k]
            else:
                matrix[:, s, row] = slopes[:, c - 2 * k]
                rhs[:, s, row] = -offsets[:, c - 2 * k]
    scale = np.maximum(np.abs(matrix).max(axis=3), 1e-300).prod(axis=2)
    det = np.linalg.det(matrix)
    regular = np.abs(det) > 1e-10 * scale
    safe = np.where(regular[..., None, None], matrix, np.eye(k))
    points = np.linalg.solve(safe, rhs[..., None])[..., 0]
    span = (high - low)[:, None, :]
    slack = 1e-9 * np.maximum(span, 1e-300)
    inside = np.all((points >= low[:, None, :] - slack) & (points <= high[:, None, :] + slack),
                    axis=2)
    points = np.clip(points, low[:, None, :], high[:, None, :])
    return points, regular & inside


def unseparated(points: np.ndarray, valid: np.ndarray, slopes: np.ndarray, offsets: np.ndarray,
                low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """(n, p, p): True for pairs i < j of valid points that no hyperplane strictly separates
    (so the segment between them lies in one closed cell, where the gains are affine)."""
    level = np.einsum("npk,nmk->npm", points, slopes) + offsets[:, None, :]
    size = (np.abs(slopes) * (high - low)[:, None, :]).sum(axis=2) + np.abs(offsets)
    side = np.where(np.abs(level) <= 1e-9 * np.maximum(size, 1e-300)[:, None, :], 0,
                    np.sign(level))
    split = np.any(side[:, :, None, :] * side[:, None, :, :] < 0, axis=3)
    p = points.shape[1]
    upper = np.triu(np.ones((p, p), dtype=bool), 1)
    return upper[None] & ~split & valid[:, :, None] & valid[:, None, :]


def best_on_segments(g_1: np.ndarray, g_2: np.ndarray, pairs: np.ndarray,
                     power: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """The best point of the allowed segments between points, per row.

    ``g_1``, ``g_2``: both gains at the points (n, p); ``pairs``: (n, p, p), which segments
    (i, j) to search (i < j). The objective is min(g_1, g_2) or, with ``power`` (n,), the log
    Nash product power log g_1 + (1 - power) log g_2 (minus infinity where a gain is not
    positive). Returns (value, i, j, t): the best value and the point (1 - t) x_i + t x_j.

    >>> g1, g2 = np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])
    >>> pairs = np.array([[[False, True], [False, False]]])
    >>> [float(np.ravel(z)[0]) for z in best_on_segments(g1, g2, pairs)]
    [0.5, 0.0, 1.0, 0.5]
    """
    n, p = g_1.shape
    at_vertex = (np.minimum(g_1, g_2) if power is None else
                 log_nash_product(g_1, g_2, np.asarray(power, dtype=float)[:, None]))
    first, second = np.triu_indices(p, 1)
    allowed = pairs[:, first, second]                                   # (n, pairs)
    used = np.flatnonzero(allowed.any(axis=0))
    if not used.size:
        nothing = np.zeros(n, dtype=int)
        return np.full(n, -np.inf), nothing, nothing, np.zeros(n)
    first, second, allowed = first[used], second[used], allowed[:, used]
    e_1, e_2 = g_1[:, first], g_2[:, first]
    d_1, d_2 = g_1[:, second] - e_1, g_2[:, second] - e_2
    # Each segment's ends are vertices (valued once each); inside, the objective is concave
    # in t (where defined), so only its stationary point (max-min: where the gains cross)
    # can beat both ends.
    with np.errstate(divide="ignore", invalid="ignore"):
        if power is None:
            inside = (e_2 - e_1) / (d_1 - d_2)
        else:
            beta = np.asarray(power, dtype=float)[:, None]
            inside = -(beta * d_1 * e_2 + (1 - beta) * d_2 * e_1) / (d_1 * d_2)
    inside = np.where(np.isfinite(inside) & (inside > 0) & (inside < 1), inside, 0.0)
    h_1, h_2 = e_1 + inside * d_1, e_2 + inside * d_2
    middle = (np.minimum(h_1, h_2) if power is None else
              log_nash_product(h_1, h_2, np.asarray(power, dtype=float)[:, None]))
    ends = np.stack([at_vertex[:, first], at_vertex[:, second], middle])
    pick = np.argmax(ends, axis=0)
    value = np.choose(pick, ends)
    t = np.choose(pick, [np.zeros_like(inside), np.ones_like(inside), inside])
    value = np.where(allowed, value, -np.inf)
    best = np.argmax(value, axis=1)
    rows = np.arange(n)
    return value[rows, best], first[best], second[best], t[rows, best]
