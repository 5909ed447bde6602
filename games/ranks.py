"""Rank statistics over Monte Carlo draws: average ranks and Spearman's rank correlation.

Plain NumPy (``scipy.stats`` costs a command line more to import than all its rank
correlations); the same answers as ``scipy.stats.rankdata`` and ``scipy.stats.spearmanr``,
which the tests check.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from games.errors import GameError

__all__ = ["rankdata", "centred_ranks", "spearman"]


def rankdata(values: ArrayLike) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank (as ``scipy.stats.rankdata``).

    >>> rankdata([3.0, 1.0, 3.0, 2.0]).tolist()
    [3.5, 1.0, 3.5, 2.0]
    """
    a = np.ravel(np.asarray(values))
    order = np.argsort(a, kind="mergesort")
    inverse = np.empty(order.size, dtype=np.intp)
    inverse[order] = np.arange(order.size)
    ordered = a[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    dense = starts.cumsum()[inverse]
    count = np.r_[np.nonzero(starts)[0], len(starts)]
    return 0.5 * (count[dense] + count[dense - 1] + 1)


def centred_ranks(values: ArrayLike) -> np.ndarray:
    """:func:`rankdata` minus its mean: what a rank correlation needs of one variable, found
    once when it serves many correlations.

    >>> centred_ranks([3.0, 1.0, 2.0]).tolist()
    [1.0, -1.0, 0.0]
    """
    r = rankdata(values)
    return r - r.mean()


def spearman(x: ArrayLike, y: ArrayLike, *, x_ranks: np.ndarray | None = None,
             y_ranks: np.ndarray | None = None) -> float:
    """Spearman's rank correlation of ``x`` and ``y`` (ties at their average rank); 0.0 when
    either is constant (no ordering to correlate), where scipy returns NaN.

    ``x_ranks``, ``y_ranks``: :func:`centred_ranks` of ``x`` and ``y``, when already found
    (one variable correlated with many is ranked once).

    >>> spearman([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 15.0, 40.0])
    0.8
    """
    r = centred_ranks(x) if x_ranks is None else np.asarray(x_ranks, dtype=float)
    t = centred_ranks(y) if y_ranks is None else np.asarray(y_ranks, dtype=float)
    if r.shape != t.shape:
        raise GameError(f"x and y must have the same length, got {r.size} and {t.size}")
    # Sums, not BLAS dot products: on a busy machine a threaded dot of 100,000 draws spends
    # seconds waiting for its threads.
    denominator = np.sqrt(np.sum(r * r) * np.sum(t * t))
    return float(np.sum(r * t) / denominator) if denominator > 0 else 0.0
