"""All equilibria of many same-shape two-player games at once: the engine of parameter sweeps.

For 2 x n games (and n x 2, by swapping the players) everything is vectorised over the stack
by the closed form below; other small shapes go through support enumeration vectorised over
the stack (:mod:`games.normal_form.equilibria.batch_support`).
Player 1's mixture is one number p (the weight on the second row); against it each column j of
player 2 earns a line  (1 - p) B[0, j] + p B[1, j].  In a nondegenerate game the equilibria are

* the pure profiles where each strategy is a best response to the other (best-response masks);
* one mixed equilibrium per pair of columns (j, j') whose lines cross at a p in (0, 1) *on the
  upper envelope* (both columns best responses to p), when the mix y of j and j' that makes
  player 1 indifferent, q = dA[j'] / (dA[j'] - dA[j]) with dA = A[0] - A[1], lies in (0, 1).

A 2 x n game is degenerate exactly when a row of B has a tie at its maximum, a column of A has
equal entries, or three or more lines meet on the upper envelope; those games (and games of
large shapes) are solved one by one by vertex enumeration. With the compiled kernels
(:mod:`~games.normal_form.equilibria.kernels`) the closed form runs in C, and larger shapes and
degenerate games go through vertex enumeration in C, game after game, instead of support
enumeration. Every equilibrium's regret is then checked in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from games.normal_form.equilibria.equilibrium import (DEFAULT_TOL, EquilibriumSet, check_tolerance,
                                                     clean_rows)
import games.normal_form.equilibria.kernels as kernels  # the module, not the package facade
from games.normal_form.equilibria.batch_support import stacked_support_enumeration
from games.normal_form.equilibria.polytope import too_many_vertices
from games.normal_form.equilibria.vertex_enumeration import MAX_VERTICES, default_max_vertices
from games.normal_form.equilibria.supports import count_support_pairs, fold_last, rescale, subsets
from games.errors import GameTooLargeError, InvalidGameError
from games.normal_form import NormalFormGame
from games.results import TabularResult

if TYPE_CHECKING:
    import pandas as pd

#: Larger games than this (support pairs per game) are solved one by one (about 7 x 7).
MAX_STACKED_PAIRS = 5_000

#: Degenerate games of a stack whose polytopes are walked together (bounds memory).
STACKED_GAMES = 2_000

#: Relative slack for ties (degeneracy) and for feasibility; the regret check decides.
TIE = 1e-9
FEASIBILITY = 1e-7


@dataclass(frozen=True, eq=False)
class BatchEquilibria(TabularResult):
    """From :func:`equilibria_batch`: the equilibria of k games; ``equilibria_of(g)`` lists one's.

    ``counts[g]`` is the number of equilibria of game g and ``degenerate[g]`` says whether it
    is degenerate (its equilibria are then the extreme ones). ``equilibria_of(g)`` lists the
    strategy pairs of one game; in the flat arrays row r belongs to game ``game_index[r]``.
    Stack the games' payoff matrices along a first axis:

    >>> import numpy as np
    >>> from games import equilibria_batch, matching_pennies, prisoners_dilemma
    >>> games_ = [prisoners_dilemma(), matching_pennies()]
    >>> A, B = (np.stack([g.payoffs[p] for g in games_]) for p in (0, 1))
    >>> found = equilibria_batch(A, B)
    >>> found.counts.tolist(), [x.tolist() for x, y in found.equilibria_of(1)]
    ([1, 1], [[0.5, 0.5]])
    """

    game_index: np.ndarray
    x: np.ndarray
    y: np.ndarray
    payoffs: np.ndarray
    regret: np.ndarray
    counts: np.ndarray
    degenerate: np.ndarray
    method: str
    tolerance: float
    notes: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.counts)

    def equilibria_of(self, game: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (x, y) strategy pairs of game number ``game``."""
        rows = np.flatnonzero(self.game_index == game)
        return [(self.x[r], self.y[r]) for r in rows]

    def __iter__(self) -> Iterator[list[tuple[np.ndarray, np.ndarray]]]:
        return (self.equilibria_of(g) for g in range(len(self)))

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        frame = pd.DataFrame({"game": self.game_index})
        for i in range(self.x.shape[1]):
            frame[f"x{i + 1}"] = self.x[:, i]
        for j in range(self.y.shape[1]):
            frame[f"y{j + 1}"] = self.y[:, j]
        frame["payoff 1"], frame["payoff 2"] = self.payoffs[:, 0], self.payoffs[:, 1]
        frame["regret"] = self.regret
        return frame

    def caption(self) -> str:
        lines = [f"{len(self.x)} equilibria of {len(self)} games by {self.method}; each regret <= "
                 f"{self.tolerance:g} x its game's payoff range; {int(self.degenerate.sum())} "
                 f"degenerate game(s) (extreme equilibria listed)"]
        return "\n".join(lines + list(self.notes))


def _check_stack(A: Any, B: Any) -> tuple[np.ndarray, np.ndarray]:
    """The stacks as float arrays, refused (naming the game) when a payoff is NaN or infinite
    or a game's payoffs span more than the float range."""
    arrays = []
    for name, value in (("A", A), ("B", B)):
        if np.iscomplexobj(value):  # casting would silently drop the imaginary parts
            raise InvalidGameError(f"{name} holds complex numbers; payoffs must be real")
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidGameError(f"{name} must be a numeric array of shape (k, m, n)") from None
        if array.ndim != 3:
            raise InvalidGameError(
                f"{name} has shape {array.shape}; equilibria_batch needs stacks of games of "
                f"shape (k, m, n) (use equilibria() for a single game)")
        if 0 in array.shape:
            raise InvalidGameError(f"empty stack or strategy set: shape {array.shape}")
        if not np.isfinite(array).all():
            flat = array.reshape(len(array), -1)
            bad = ~(np.isfinite(fold_last(np.minimum, flat)) & np.isfinite(fold_last(np.maximum, flat)))
            raise InvalidGameError(
                f"{name} has a NaN or infinite payoff in game {int(np.flatnonzero(bad)[0])}")
        arrays.append(array)
    if arrays[0].shape != arrays[1].shape:
        raise InvalidGameError(f"A has shape {arrays[0].shape} but B has shape {arrays[1].shape}; "
                               f"they must match")
    # Only payoffs beyond 1e307 in size can span more than the float range; look closer then.
    if max(np.abs(arrays[0]).max(), np.abs(arrays[1]).max()) > 1e307:
        low_A, high_A, low_B, high_B = stack_extremes(*arrays)
        with np.errstate(over="ignore"):
            overflow = ~np.isfinite(np.maximum(high_A, high_B) - np.minimum(low_A, low_B))
        if overflow.any():
            raise InvalidGameError(
                f"the payoffs of game {int(np.flatnonzero(overflow)[0])} span more than the "
                f"float range (largest minus smallest overflows); rescale them")
    return arrays[0], arrays[1]


def stack_extremes(A: np.ndarray, B: np.ndarray) -> list[np.ndarray]:
    """Each game's smallest and largest payoff of each player: [low A, high A, low B, high B]."""
    out = []
    for array in (A, B):
        flat = array.reshape(len(array), -1)
        out += [fold_last(np.minimum, flat), fold_last(np.maximum, flat)]
    return out


def payoff_ranges(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Each game's payoff range (largest minus smallest payoff of either player; 1 if constant)."""
    flat = np.concatenate([A.reshape(len(A), -1), B.reshape(len(B), -1)], axis=1)
    spread = fold_last(np.maximum, flat) - fold_last(np.minimum, flat)
    return np.where(spread > 0, spread, 1.0)


def own_ranges(P: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Each game's range of one player's payoffs (``fallback`` where they are constant).

    Ties and regrets are measured per player, as in ``player_ranges``: a shared range let a
    player with small payoffs next to one with huge payoffs tie (or deviate) at will.
    """
    flat = P.reshape(len(P), -1)
    spread = fold_last(np.maximum, flat) - fold_last(np.minimum, flat)
    return np.where(spread > 0, spread, fallback)


def two_by_n(A: np.ndarray, B: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Candidate equilibria of stacked 2 x n games and which games are degenerate.

    Returns ([game_index, x, y]) for the nondegenerate games and the degenerate mask.
    """
    K, _, n = A.shape
    both = payoff_ranges(A, B)
    scale_B = own_ranges(B, both)
    tie_A, tie_B = TIE * own_ranges(A, both), TIE * scale_B
    # Pure equilibria: each strategy a best response to the other.
    row_best = A >= np.maximum(A[:, :1], A[:, 1:]) - tie_A[:, None, None]
    col_best = B >= fold_last(np.maximum, B)[:, :, None] - tie_B[:, None, None]
    degenerate = fold_last(np.logical_or, fold_last(np.add, col_best) > 1)
    dA = A[:, 0, :] - A[:, 1, :]
    degenerate |= fold_last(np.logical_or, np.abs(dA) <= tie_A[:, None])
    g_pure, i_pure, j_pure = np.nonzero(row_best & col_best)
    x_pure = np.zeros((len(g_pure), 2))
    x_pure[np.arange(len(g_pure)), i_pure] = 1.0
    y_pure = np.zeros((len(g_pure), n))
    y_pure[np.arange(len(g_pure)), j_pure] = 1.0
    pieces = [[g_pure, x_pure, y_pure]]
    if n >= 2:
        pairs = subsets(n, 2)
        j1, j2 = pairs[:, 0], pairs[:, 1]
        # Column j's line: B0[j] + p (B1[j] - B0[j]); crossing of j1 and j2 at p.
        B0, slope = B[:, 0, :], B[:, 1, :] - B[:, 0, :]
        gap, turn = B0[:, j2] - B0[:, j1], slope[:, j1] - slope[:, j2]
        with np.errstate(divide="ignore", invalid="ignore"):
            p = gap / turn                                       # (K, pairs)
            level = B0[:, j1] + p * slope[:, j1]
            lines = B0[:, None, :] + p[:, :, None] * slope[:, None, :]   # (K, pairs, n)
            inside = np.isfinite(p) & (p > TIE) & (p < 1 - TIE)
            on_top = inside & (fold_last(np.maximum, lines) <= level + FEASIBILITY * scale_B[:, None])
            at_top = fold_last(np.add, lines >= level[:, :, None] - tie_B[:, None, None])
            q = dA[:, j2] / (dA[:, j2] - dA[:, j1])
        degenerate |= fold_last(np.logical_or, on_top & (at_top >= 3))
        mixed = on_top & (q >= -FEASIBILITY) & (q <= 1 + FEASIBILITY)
        g_mix, pair = np.nonzero(mixed)
        p_mix, q_mix = np.clip(p[g_mix, pair], 0, 1), np.clip(q[g_mix, pair], 0, 1)
        x_mix = np.column_stack([1 - p_mix, p_mix])
        y_mix = np.zeros((len(g_mix), n))
        y_mix[np.arange(len(g_mix)), j1[pair]] = q_mix
        y_mix[np.arange(len(g_mix)), j2[pair]] = 1 - q_mix
        pieces.append([g_mix, x_mix, y_mix])
    game_index = np.concatenate([pc[0] for pc in pieces])
    keep = ~degenerate[game_index]
    return [game_index[keep], np.vstack([pc[1] for pc in pieces])[keep],
            np.vstack([pc[2] for pc in pieces])[keep]], degenerate


def compiled_candidates(kernel: Any, shape: tuple[int, int, int], *arguments: Any
                        ) -> tuple[list[np.ndarray], np.ndarray]:
    """Candidates ([game index, x, y]) of a stack of games of ``shape`` (K, m, n) from a
    compiled kernel (:mod:`~games.normal_form.equilibria.kernels`), and the degenerate mask."""
    K, m, n = shape
    degenerate = np.zeros(K, dtype=np.uint8)
    arrays = [np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a for a in arguments]
    found = kernel(*arrays, degenerate)
    if found is None:
        raise GameTooLargeError(too_many_vertices(MAX_VERTICES))
    games, xs, ys = found
    return ([np.frombuffer(games, dtype=np.int64), np.frombuffer(xs).reshape(-1, m),
             np.frombuffer(ys).reshape(-1, n)], degenerate.view(bool))


def compiled_extreme_equilibria(compiled: Any, A: np.ndarray, B: np.ndarray
                                ) -> tuple[list[np.ndarray], np.ndarray]:
    """Vertex enumeration of each game of a stack by the compiled kernel, degenerate or not:
    candidates ([game index, x, y]) cleaned, ordered and without repeats as
    :func:`~games.normal_form.equilibria.equilibrium.verified_set` does, and the degenerate
    mask. The same equilibria as :func:`stacked_vertex_enumeration`, to rounding."""
    K, m, n = A.shape
    P = rescale(B)
    Q = np.ascontiguousarray(rescale(A).transpose(0, 2, 1))
    (g, x, y), degenerate = compiled_candidates(compiled.vertex_equilibria_stack, A.shape, P, Q,
                                                K, m, n, MAX_VERTICES, True)
    x, y = clean_rows(x), clean_rows(y)
    keys = -np.hstack([x, y]).round(12)  # largest probabilities first, as verified_set
    order = np.lexsort((*keys.T[::-1], g))
    return [g[order], x[order], y[order]], degenerate


def stacked_vertex_enumeration(A: np.ndarray, B: np.ndarray, tol: float
                               ) -> Iterator[EquilibriumSet]:
    """Vertex enumeration of each game of a stack, the polytopes of all games walked together.

    The same equilibria, checked the same way, as ``vertex_enumeration`` game by game; for
    stacks of large games (beyond ``STACKED_SIZE`` strategies) it is game by game.
    """
    from games.normal_form.equilibria.vertex_enumeration import (
        STACKED_SIZE, equilibria_from_vertices, stacked_polytope_vertices,
        vertex_enumeration)

    K, m, n = A.shape
    if max(m, n) > STACKED_SIZE:
        for k in range(K):
            yield vertex_enumeration(NormalFormGame.from_arrays(A[k], B[k]), tol=tol)
        return
    for start in range(0, K, STACKED_GAMES):
        part = range(start, min(K, start + STACKED_GAMES))
        P = np.stack([rescale(B[k]) for k in part])
        Q = np.stack([rescale(A[k]).T for k in part])
        x_sides = stacked_polytope_vertices(P)
        y_sides = stacked_polytope_vertices(Q)
        for i, k in enumerate(part):
            game = NormalFormGame.from_arrays(A[k], B[k])
            yield equilibria_from_vertices(game, x_sides[i], y_sides[i], tol, None)


def compiled_batch(compiled: Any, A: np.ndarray, B: np.ndarray, tol: float) -> BatchEquilibria:
    """:func:`equilibria_batch` of m x n games (m, n >= 3) in one compiled call, from the
    payoffs to the verified equilibria (:mod:`~games.normal_form.equilibria.kernels`).

    Game by game, the same equilibria as :func:`vertex_enumeration` (small games by their
    support pairs, degenerate and larger ones by the walk) in the order the stacked kernels
    gave them: a nondegenerate game's in support order, a degenerate game's extreme
    equilibria without repeats, largest probabilities first; each then passes the regret
    check of this module (each player's gain within tol x that player's payoff range).
    """
    K, m, n = A.shape
    limit = default_max_vertices(m, n)
    degenerate = np.zeros(K, dtype=np.uint8)
    found = compiled.checked_vertex_equilibria_stack(
        np.ascontiguousarray(A), np.ascontiguousarray(B), K, m, n, limit, tol, degenerate)
    if found is None:
        raise GameTooLargeError(too_many_vertices(limit))
    games, rows, dropped, lost = found
    g = np.frombuffer(games, dtype=np.int64).copy()
    table = np.frombuffer(rows).reshape(-1, m + n + 3)
    degenerate = degenerate.view(bool)
    notes = []
    if degenerate.any():
        notes.append(f"{int(degenerate.sum())} degenerate game(s): their extreme equilibria")
    if dropped:
        games_lost = sorted(set(np.frombuffer(lost, dtype=np.int64).tolist()))
        notes.append(f"{dropped} candidate(s) failed the regret check and were left out "
                     f"(games {games_lost[:10]})")
    return BatchEquilibria(g, table[:, :m].copy(), table[:, m:m + n].copy(),
                           table[:, m + n:m + n + 2].copy(), table[:, m + n + 2].copy(),
                           np.bincount(g, minlength=K), degenerate,
                           "vertex enumeration over the stack (compiled)", tol, tuple(notes), {})


def equilibria_batch(A: Any, B: Any, tol: float = DEFAULT_TOL) -> BatchEquilibria:
    """All equilibria of each game in a stack, games of shape (k, m, n); vectorised for 2 x n.

    >>> import numpy as np
    >>> pennies = np.array([[[1.0, -1.0], [-1.0, 1.0]]])
    >>> found = equilibria_batch(pennies, -pennies)
    >>> found.counts.tolist(), found.x.tolist(), found.y.tolist()
    ([1], [[0.5, 0.5]], [[0.5, 0.5]])
    """
    tol = check_tolerance(tol)
    A, B = _check_stack(A, B)
    K, m, n = A.shape
    compiled = kernels.active()
    if compiled is not None and m != 2 and n != 2 and m + n <= 63:
        return compiled_batch(compiled, A, B, tol)
    low_A, high_A, low_B, high_B = stack_extremes(A, B)
    swapped = m > 2 and n == 2
    if swapped:  # an n x 2 game is a 2 x n game with the players' roles exchanged
        A, B = np.transpose(B, (0, 2, 1)), np.transpose(A, (0, 2, 1))
        low_A, high_A, low_B, high_B = low_B, high_B, low_A, high_A
        m, n = n, m
    notes = []
    if m == 2 and compiled is not None:
        (g, x, y), degenerate = compiled_candidates(compiled.two_by_n, A.shape, A, B, K, n)
        method = "2 x n upper envelope (compiled)"
    elif m == 2:
        (g, x, y), degenerate = two_by_n(A, B)
        method = "2 x n upper envelope (vectorised)"
    elif compiled is not None and m + n <= 63:
        return compiled_batch(compiled, A, B, tol)  # m = 1 or n = 1 after the swap
    elif count_support_pairs(m, n) <= MAX_STACKED_PAIRS:
        (g, x, y), degenerate = stacked_support_enumeration(A, B)
        method = "support enumeration over the stack (vectorised)"
    else:
        g, x, y = np.zeros(0, dtype=np.intp), np.zeros((0, m)), np.zeros((0, n))
        degenerate = np.ones(K, dtype=bool)  # route every game through vertex enumeration
        method = "vertex enumeration, game by game"
        notes.append(f"no vectorised path for {m} x {n} games (more than {MAX_STACKED_PAIRS} "
                     f"support pairs each); solved one by one")
    extra_g, extra_x, extra_y = [g], [x], [y]
    slow = np.flatnonzero(degenerate)
    if compiled is not None and len(slow) and m + n <= 63:
        (g_slow, x_slow, y_slow), still = compiled_extreme_equilibria(compiled, A[slow], B[slow])
        degenerate[slow] = still
        extra_g.append(slow[g_slow])
        extra_x.append(x_slow)
        extra_y.append(y_slow)
        slow = slow[:0]  # nothing left for the NumPy walk
        notes.append(f"{int(still.sum())} degenerate game(s): their extreme equilibria")
    for k, found in zip(slow, stacked_vertex_enumeration(A[slow], B[slow], tol)):
        degenerate[k] = bool(found.degenerate)
        for eq in found:
            extra_g.append(np.array([k]))
            extra_x.append(eq.strategies[0][None, :])
            extra_y.append(eq.strategies[1][None, :])
    if len(extra_g) > 1 or compiled is None:  # the compiled kernels list games in order
        g, x, y = np.concatenate(extra_g), np.vstack(extra_x), np.vstack(extra_y)
        order = np.argsort(g, kind="stable")
        g, x, y = g[order], x[order], y[order]
    # One vectorised regret check for every equilibrium of every game.
    # Payoffs anchored at each game's minimum per player: rounding relative to the range, not
    # to the payoffs' size (regret is unchanged by adding a constant to a player's payoffs).
    Ag = (A - low_A[:, None, None])[g]
    Bg = (B - low_B[:, None, None])[g]
    row_values = np.einsum("kij,kj->ki", Ag, y)
    col_values = np.einsum("kij,ki->kj", Bg, x)
    u1, u2 = fold_last(np.add, row_values * x), fold_last(np.add, col_values * y)
    gain_1 = fold_last(np.maximum, row_values) - u1
    gain_2 = fold_last(np.maximum, col_values) - u2
    u1, u2 = u1 + low_A[g], u2 + low_B[g]
    regret = np.maximum(np.maximum(gain_1, gain_2), 0.0)
    both = np.maximum(high_A, high_B) - np.minimum(low_A, low_B)
    both = np.where(both > 0, both, 1.0)
    own_A, own_B = high_A - low_A, high_B - low_B
    own_A, own_B = np.where(own_A > 0, own_A, both), np.where(own_B > 0, own_B, both)
    ok = (gain_1 <= tol * own_A[g]) & (gain_2 <= tol * own_B[g])
    if not ok.all():
        notes.append(f"{int((~ok).sum())} candidate(s) failed the regret check and were left out "
                     f"(games {sorted(set(g[~ok].tolist()))[:10]})")
        g, x, y, u1, u2, regret = g[ok], x[ok], y[ok], u1[ok], u2[ok], regret[ok]
    payoffs = np.column_stack([u1, u2])
    if swapped:
        x, y, payoffs = y, x, payoffs[:, ::-1]
        method += " (players swapped: n x 2)"
    if len(slow) and method != "vertex enumeration, game by game":
        notes.append(f"{len(slow)} degenerate game(s) solved one by one by vertex enumeration")
    return BatchEquilibria(g, x, y, payoffs, regret, np.bincount(g, minlength=K), degenerate,
                           method, tol, tuple(notes), {})
