"""Read each draw's gains as affine functions of the issues where a batch problem is linear.

:func:`affine_gains` gives both gains' coefficients per draw on a problem declared ``linear``
(checked at the box's corners and an inner point), which the Nash benchmark and the max-min
problems then solve exactly; :data:`SPLIT_RESOLUTION` sets how finely the one issue left is
searched when the utilities are affine in the others only
(:mod:`games.bargaining.affine_split`).

>>> import numpy as np
>>> p = BatchProblem(lambda x, q: (x["s"], 1 - x["s"]), Box({"s": (0.0, 1.0)}), {}, (0.0, 0.0),
...                  linear=True)
>>> affine_gains(p)[-1].tolist()
[True]
"""

from __future__ import annotations

import numpy as np

from games.bargaining.batch.stack import BatchProblem
from games.optimise.outcome_space import Box

__all__ = ["AFFINE_TOLERANCE", "SPLIT_RESOLUTION", "affine_gains", "spans"]

#: The split search's resolution over the searched issue, as a share of the ``resolution``
#: asked for: (Nash product, max-min). A round of the stencil costs one evaluation, so finer
#: is cheap; a max-min peaks on a kink (where the exact inner solve meets a bound), where the
#: value is off by the slope times the step, so it goes further.
SPLIT_RESOLUTION = (1e-2, 1e-4)
#: Relative error (of the largest gain in the box) under which a gain counts as affine.
AFFINE_TOLERANCE = 1e-9


def spans(box: Box, name: str) -> bool:
    """Whether the issue ``name`` takes more than one value in ``box`` (a discrete issue that
    does not span is no obstacle to solving the affine problem exactly)."""
    lo, hi = box.bounds(name)
    return hi > lo


def affine_gains(problem: BatchProblem) -> tuple[np.ndarray, ...] | None:
    """Both gains' coefficients per draw, (a, a0, b, b0, affine), where g_1 = a . x + a0 and
    g_2 = b . x + b0 on the box's continuous coordinates; None unless the problem is declared
    ``linear`` and every discrete coordinate holds one level.

    The coefficients come from the gains at the lower corner and one step up each coordinate;
    ``affine`` is True on the draws where they also predict the gains at the upper corner and at
    an inner point within AFFINE_TOLERANCE of the largest gain (a wrong declaration, or a
    gain that is not affine at some draws, is caught there and searched instead).

    >>> import numpy as np
    >>> p = BatchProblem(lambda x, q: (2 * x["s"] + q["c"], 1 - x["s"]), Box({"s": (0.0, 1.0)}),
    ...                  {"c": np.array([0.0, 1.0])}, (0.0, 0.0), linear=True)
    >>> a, a0, b, b0, ok = affine_gains(p)
    >>> a[:, 0].tolist(), a0.tolist(), b[:, 0].tolist(), ok.tolist()
    ([2.0, 2.0], [0.0, 1.0], [-1.0, -1.0], [True, True])
    """
    box = problem.box
    if not problem.linear or any(not box.is_continuous(k) and spans(box, k) for k in box.names):
        return None
    moving = [k for k in box.names if box.is_continuous(k)]
    if not moving:
        return None
    lo = np.array([box.bounds(k)[0] for k in box.names])
    hi = np.array([box.bounds(k)[1] for k in box.names])
    inner = lo + (hi - lo) * (0.5 + 0.25 * np.sin(np.arange(1, len(lo) + 1)))  # off-centre
    # Columns: the lower corner, one step up each moving coordinate, the upper corner, inner.
    probes = np.tile(lo, (len(moving) + 3, 1))
    for j, k in enumerate(moving):
        i = box.names.index(k)
        probes[1 + j, i] = hi[i]
    probes[-2], probes[-1] = hi, inner
    g_1, g_2 = problem.gains({k: probes[None, :, i] for i, k in enumerate(box.names)})
    shape = (problem.draws, len(probes))
    g_1, g_2 = np.broadcast_to(g_1, shape), np.broadcast_to(g_2, shape)
    span = np.array([hi[box.names.index(k)] - lo[box.names.index(k)] for k in moving])
    moved = (probes[:, [box.names.index(k) for k in moving]]
             - lo[[box.names.index(k) for k in moving]])                   # (probes, m)
    out, affine = [], np.ones(problem.draws, dtype=bool)
    for g in (g_1, g_2):
        slope = (g[:, 1:len(moving) + 1] - g[:, :1]) / span
        constant = g[:, 0] - slope @ lo[[box.names.index(k) for k in moving]]
        predicted = g[:, :1] + slope @ moved.T
        scale = np.max(np.abs(g), axis=1) + np.max(np.abs(predicted), axis=1)
        slack = AFFINE_TOLERANCE * np.maximum(scale, 1e-300)[:, None]
        affine &= np.all(np.abs(predicted - g) <= slack, axis=1)
        out += [slope, constant]
    return (*out, affine)
