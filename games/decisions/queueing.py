"""A review office as a single-server queue: utilisation, waits, backlog, and what a delay
costs a stream of gains earned over a horizon.

Work arrives as items of a few kinds (rate per year, work per item in staff-months); the
office works through it at ``capacity`` staff-months a year, first come first served. An
item's service time is its work over the capacity. With Poisson arrivals the mean wait in
the queue is the Pollaczek-Khinchine formula for the M/G/1 queue (Kleinrock, *Queueing
Systems* vol. 1, 1975, sec. 5.6):

    W_q = sum_i(lambda_i s_i^2) / (2 (1 - rho)),   rho = sum_i(lambda_i s_i)  (utilisation).

The steady-state wait grows without bound as rho -> 1; over a finite horizon H, started
empty and worked first come first served, the mean wait of what gets done is at most H/2
(the fluid bound: when rho >= 1 the backlog grows at (rho - 1) x capacity and an item
arriving at t waits (1 - 1/rho) t), so the wait is capped at H/2, and when rho >= 1 only
a share 1/rho of the work arriving is done. An item then earns its gains from the end of
its fixed latency plus its wait to the end of the horizon:

    factor = served x max(0, 1 - (latency + wait) / H).

>>> q = review_queue([(0.5, 1.0)], capacity=1.0, latency=[0.0], horizon=10.0)
>>> float(q.utilisation[0]), float(q.wait[0]), float(q.factor[0][0])   # M/D/1: W_q = 0.5
(0.5, 0.5, 0.95)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike

from games.errors import GameError

__all__ = ["Queue", "review_queue"]


@dataclass(frozen=True)
class Queue:
    """Per draw: utilisation, mean wait (years), queue length (items waiting, mean or at the
    horizon), backlog (work waiting at the horizon), share of arriving work served, and per
    kind of item the share of its horizon's gains earned (``factor``)."""

    utilisation: np.ndarray
    wait: np.ndarray
    queue_length: np.ndarray
    backlog: np.ndarray
    served: np.ndarray
    factor: tuple[np.ndarray, ...]
    method: str = ("M/G/1 first come first served (Pollaczek-Khinchine mean wait), capped at "
                   "the fluid bound of half the horizon; share served 1/rho when rho >= 1")


def review_queue(arrivals: Sequence[tuple[ArrayLike, ArrayLike]], capacity: ArrayLike,
                 latency: Sequence[ArrayLike], horizon: ArrayLike) -> Queue:
    """The queue for items of several kinds: ``arrivals[i] = (rate per year, work per item)``,
    ``capacity`` in work per year (> 0), ``latency[i]`` the fixed time an item of kind i takes
    besides its wait (years), ``horizon`` in years (> 0); each one number or one per draw."""
    if len(arrivals) != len(latency) or not arrivals:
        raise GameError("review_queue: give one latency per kind of arrival (at least one)")
    C = np.atleast_1d(np.asarray(capacity, dtype=float))
    H = np.atleast_1d(np.asarray(horizon, dtype=float))
    rates = [np.atleast_1d(np.asarray(r, dtype=float)) for r, _ in arrivals]
    works = [np.atleast_1d(np.asarray(w, dtype=float)) for _, w in arrivals]
    lat = [np.atleast_1d(np.asarray(x, dtype=float)) for x in latency]
    n = max(a.size for a in [C, H, *rates, *works, *lat])
    every = [C, H, *rates, *works, *lat]
    if any(not np.all(np.isfinite(a)) for a in every):
        raise GameError("review_queue: a rate, work, capacity, latency or horizon is not finite")
    if np.any(C <= 0) or np.any(H <= 0):
        raise GameError("review_queue: capacity and horizon must be above 0")
    if any(np.any(a < 0) for a in [*rates, *works, *lat]):
        raise GameError("review_queue: rates, work and latencies must be at least 0")
    C, H = np.broadcast_to(C, (n,)), np.broadcast_to(H, (n,))
    service = [np.broadcast_to(w, (n,)) / C for w in works]
    rates = [np.broadcast_to(r, (n,)) for r in rates]
    rho = sum(r * s for r, s in zip(rates, service))
    second = sum(r * s ** 2 for r, s in zip(rates, service))
    with np.errstate(divide="ignore", invalid="ignore"):
        steady = np.where(rho < 1, second / (2 * (1 - rho)), np.inf)
    wait = np.minimum(steady, H / 2)
    served = np.where(rho > 1, 1 / np.maximum(rho, 1e-300), 1.0)
    lam = sum(rates)
    length = np.where(rho < 1, lam * wait, np.maximum(rho - 1, 0) / np.maximum(rho, 1e-300)
                      * lam * H)
    backlog = np.maximum(rho - 1, 0) * C * H
    factor = tuple(served * np.maximum(0.0, 1 - (np.broadcast_to(x, (n,)) + wait) / H)
                   for x in lat)
    return Queue(rho, wait, length, backlog, served, factor)
