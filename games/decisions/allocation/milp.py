"""Solve one draw exactly as a mixed-integer programme when the dynamic programme cannot.

One binary per available option, one option per problem, the budget a row (HiGHS through
:func:`scipy.optimize.milp`); the quadratic cost on the total by outer approximation, a
tangent cut added at the answer's own total until the cost there is exact (Kelley's cutting
planes). The solver's dual bound certifies the gap (:func:`milp_draw`).

>>> import numpy as np
>>> w = np.array([0.0, 1.0, 2.0, 4.0])
>>> choice, value, bound = milp_draw([np.array([0.0, 0.1, 3.0, 2.0]),
...                                   np.array([0.0, 1.0, 6.0, 12.0])], [w, w], 1.0, 0.0,
...                                  np.array([0, 0]), 0.0, 2.0, 1e-6)
>>> choice.tolist(), value
([0, 1], 1.0)
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager

import numpy as np

__all__ = ["NODE_LIMIT", "CUT_ROUNDS", "milp_draw"]

#: Branch-and-bound nodes the MILP may use per draw (a count, not a clock: same bytes on
#: every machine); past it the draw keeps its best answer and reports its gap.
NODE_LIMIT = 20_000
#: Cutting-plane rounds for the quadratic cost per draw.
CUT_ROUNDS = 40
_STDOUT_LOCK = threading.Lock()


@contextmanager
def _quiet_stdout():
    """File descriptor 1 sent to the null device while HiGHS runs: some builds print a
    debugging line ("HighsMipSolverData::transformNewIntegerFeasibleSolution ...") to the C
    stdout whatever ``disp`` says, which would land in the middle of a command's output."""
    with _STDOUT_LOCK:
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
            saved: int | None = os.dup(1)
        except (OSError, ValueError):                    # no descriptor 1 (embedded use)
            saved = None
        try:
            if saved is not None:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
            yield
        finally:
            if saved is not None:
                os.dup2(saved, 1)
                os.close(saved)


def milp_draw(values, volumes, B, q, choice, value, bound, tolerance):
    """One draw exactly: a MILP over one binary per available option (HiGHS), the quadratic
    cost on the total by tangent cuts added until the cost at the answer is exact. Returns
    the best choice, its value and the least upper bound found (the Lagrangian ``bound``
    included)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array, vstack

    keep = [np.flatnonzero(np.isfinite(v)) for v in values]
    start = np.cumsum([0] + [len(c) for c in keep])
    m = int(start[-1])
    v_all = np.concatenate([v[c] for v, c in zip(values, keep)])
    w_all = np.concatenate([w[c] for w, c in zip(volumes, keep)])
    scale = max(float(np.max(np.abs(v_all))), 1e-300)     # the solver's gaps are absolute
    squared = q > 0
    size = m + int(squared)
    cost = np.zeros(size)
    cost[:m] = -v_all / scale
    if squared:
        cost[m] = 1.0 / scale
    rows = np.repeat(np.arange(len(keep)), np.diff(start))
    rows_a = [csr_array((np.ones(m), (rows, np.arange(m))), shape=(len(keep), size))]
    lo, hi = [np.ones(len(keep))], [np.ones(len(keep))]
    if np.isfinite(B):
        rows_a.append(csr_array(np.concatenate([w_all, np.zeros(size - m)])[None, :]))
        lo.append([-np.inf])
        hi.append([B])
    integrality = np.ones(size)
    bounds = Bounds(np.zeros(size), np.ones(size))
    if squared:
        integrality[m] = 0
        bounds = Bounds(np.zeros(size), np.concatenate([np.ones(m), [np.inf]]))
    cuts: list[float] = []

    def cut(a):                      # t >= q (a W - a^2 / 2), i.e. q a W - t <= q a^2 / 2
        cuts.append(a)
        row = np.concatenate([q * a * w_all, [-1.0]])
        return csr_array(row[None, :]), [-np.inf], [q * a * a / 2]

    def total_of(x):
        return float(sum(volumes[k][c] for k, c in enumerate(x)))

    best_choice, best_value, best_bound = choice.copy(), float(value), float(bound)
    if squared:
        for a in {total_of(choice), (min(B, float(w_all.max()) * len(keep)) if np.isfinite(B)
                                     else float(w_all.max()) * len(keep)) / 2}:
            r, l, h = cut(a)
            rows_a.append(r)
            lo.append(l)
            hi.append(h)
    for _ in range(CUT_ROUNDS if squared else 1):
        with _quiet_stdout():
            res = milp(cost, integrality=integrality, bounds=bounds,
                       constraints=LinearConstraint(vstack(rows_a, format="csr"),
                                                    np.concatenate(lo), np.concatenate(hi)),
                       options={"mip_rel_gap": tolerance / 10, "node_limit": NODE_LIMIT})
        if res.x is None:
            break
        upper = -float(res.mip_dual_bound) * scale if res.mip_dual_bound is not None else np.inf
        best_bound = min(best_bound, upper)
        x = res.x[:m]
        pick = np.array([start[k] + int(np.argmax(x[start[k]:start[k + 1]]))
                         for k in range(len(keep))]) - start[:-1]
        picked = np.array([keep[k][p] for k, p in enumerate(pick)])
        total = total_of(picked)
        got = float(sum(values[k][c] for k, c in enumerate(picked))) - q * total ** 2 / 2
        if total <= B * (1 + 1e-12) and got > best_value:
            best_choice, best_value = picked, got
        if not squared or best_bound - best_value <= tolerance * max(abs(best_value),
                                                                     abs(best_bound)):
            break
        if any(abs(total - a) <= 1e-12 * (1 + abs(a)) for a in cuts):
            break                            # the cut is already there: nothing more to learn
        r, l, h = cut(total)
        rows_a.append(r)
        lo.append(l)
        hi.append(h)
    return best_choice, best_value, max(best_bound, best_value)
