"""Iterate a damped map per draw until it stops moving: the fixed point of linked choices.

:func:`fixed_point` steps x <- (1 - damping) x + damping step(x) for every draw still moving;
a draw that cycles bit for bit is followed along its cycle instead of being stepped again.
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

__all__ = ["CYCLE", "fixed_point"]


def fixed_point(step: Callable[..., Mapping[str, np.ndarray]],
                start: Mapping[str, np.ndarray], *, damping: float = 0.5, tol: float = 1e-6,
                max_rounds: int = 50, by_rows: bool = False
                ) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """Iterate x <- (1 - damping) x + damping step(x) per draw until it stops moving.

    ``start`` maps names to arrays (one value per draw). Returns the point, a per-draw flag
    of convergence (largest change below ``tol`` times 1 + ``|x|``) and the rounds used. A draw
    stops moving once it has converged, so its answer does not depend on the other draws.
    ``by_rows``: ``step(x, rows)`` is called with only the draws still moving (``rows``
    their indices), which saves the work on the others; then a draw whose state comes back
    bit for bit after 2 or 3 rounds (a cycle: it would never converge) is not stepped again
    but set to the state it would reach at ``max_rounds`` (the answers are those of the
    plain loop, ``step`` answering each draw from its own state alone, as by_rows asks).

    >>> import numpy as np
    >>> x, ok, _ = fixed_point(lambda x: {"a": np.cos(x["a"])}, {"a": np.zeros(2)})
    >>> x["a"].round(4).tolist(), ok.tolist()              # the Dottie number
    ([0.7391, 0.7391], [True, True])
    """
    x = {k: np.asarray(v, dtype=float).copy() for k, v in start.items()}
    n = len(next(iter(x.values()))) if x else 0
    converged = np.zeros(n, dtype=bool)
    finish = np.full(n, np.inf)          # the round in which each draw converged
    cycling = np.zeros(n, dtype=bool)    # followed to the end along its cycle
    past: list[dict[str, np.ndarray]] = []
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        rows = np.flatnonzero(~converged & ~cycling)
        if not rows.size:
            break
        now = {k: v[rows] for k, v in x.items()}
        new = step(now, rows) if by_rows else {k: np.asarray(v)[rows]
                                                for k, v in step(x).items()}
        change = np.zeros(rows.size)
        for k in x:
            moved = (1 - damping) * now[k] + damping * np.asarray(new[k], dtype=float)
            change = np.maximum(change, np.abs(moved - now[k]) / (1 + np.abs(now[k])))
            x[k][rows] = moved
        converged[rows] = change <= tol
        finish[rows[change <= tol]] = rounds
        if by_rows:
            _follow_cycles(x, past, rows[change > tol], rounds, max_rounds, cycling)
            past.insert(0, {k: v.copy() for k, v in x.items()})
            del past[CYCLE:]
    if n and (np.isinf(finish).any() or finish.max() >= max_rounds):
        rounds = max_rounds
    elif n:
        rounds = int(finish.max()) + 1
    return x, converged, rounds


#: Longest cycle :func:`fixed_point` recognises: a draw whose state comes back bit for bit
#: after this many rounds or fewer is followed along its cycle without calling ``step``.
CYCLE = 3


def _follow_cycles(x, past, rows, rounds, max_rounds, cycling):
    """For :func:`fixed_point` (with ``by_rows``): the draws ``rows``, still moving after
    round ``rounds``, whose state is bit for bit the one of p = 2 or 3 rounds before
    (``past[p - 1]``; ``past[0]`` is the last round's). ``step`` answers a draw from its own
    state alone, so such a draw repeats those p states for ever, by the same moves, none of
    which was within the tolerance (else the draw would have stopped): it never converges.
    Each is set to the state the loop would have left it in at ``max_rounds`` and marked in
    ``cycling``, so that ``step`` is not asked again. Updates the arrays in place."""
    for p in range(2, CYCLE + 1):
        if len(past) < p or not rows.size:
            continue
        same = np.ones(rows.size, bool)
        for k in x:
            same &= x[k][rows].view(np.int64) == past[p - 1][k][rows].view(np.int64)
        # The cycle's states: this round's, then those of p - 1, ..., 1 rounds ago; after
        # the rounds left the draw is at the state (rounds left) mod p along it.
        j = (max_rounds - rounds) % p
        if j:
            for k in x:
                x[k][rows[same]] = past[p - 1 - j][k][rows[same]]
        cycling[rows[same]] = True
        rows = rows[~same]
