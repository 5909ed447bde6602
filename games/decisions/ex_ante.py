"""Terms chosen before the world is known, then met by a responder who knows it.

A proposer commits to one option of a menu on its belief: draws of the worlds it thinks
possible, each equally likely. In every true world the responder accepts the option if it
leaves it no worse off, else refuses; a refusal gives the proposer a refusal payoff (its
outside option, less any cost of being refused). This is the monopoly-pricing trade-off of
the ultimatum game under incomplete information (Osborne, *An Introduction to Game Theory*,
2004, ch. 6; Fudenberg and Tirole, *Game Theory*, 1991, sec. 10.1): a higher ask wins more
where it is accepted and is refused in more worlds. The proposer's belief need not be the
truth: choosing on a biased belief and paying in the true worlds measures what misjudging
costs, and the best option chosen world by world (full information) bounds every choice.

>>> import numpy as np
>>> reserve = np.array([0.1, 0.2, 0.6])               # the responder needs at least this
>>> asks = np.array([0.1, 0.2, 0.6])                  # three options: the proposer keeps 1 - ask
>>> value = np.broadcast_to(1 - asks, (3, 3))
>>> accept = asks[None, :] >= reserve[:, None]
>>> c = choose_ex_ante(value, accept)
>>> int(c.index), round(float(c.expected), 3), round(float(c.acceptance), 3)
(1, 0.533, 0.667)
>>> round(float(value_of_knowing(value, accept, c.index).mean()), 3)
0.167
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from games.errors import GameError

__all__ = ["ExAnteChoice", "choose_ex_ante", "ex_ante_payoffs", "realised_payoff",
           "value_of_knowing"]


@dataclass(frozen=True)
class ExAnteChoice:
    """The option chosen on a belief: its index, its expected payoff and acceptance under
    the belief, and every option's expected payoff (to show how flat the choice was)."""

    index: int
    expected: float
    acceptance: float
    expected_by_option: np.ndarray
    method: str = "expected payoff over the belief's draws, each equally likely; first on ties"


def ex_ante_payoffs(value: ArrayLike, accept: ArrayLike, refusal: ArrayLike = 0.0) -> np.ndarray:
    """The proposer's payoff in each world and option: ``value`` where accepted, else
    ``refusal`` (one per world, or per world and option).

    >>> ex_ante_payoffs([[2.0, 3.0]], [[True, False]], -1.0).tolist()
    [[2.0, -1.0]]
    """
    value = np.asarray(value, dtype=float)
    accept = np.asarray(accept, dtype=bool)
    if value.ndim != 2 or accept.shape != value.shape:
        raise GameError(f"ex ante: value and accept must be (worlds, options) arrays of one "
                        f"shape, got {value.shape} and {accept.shape}")
    refusal = np.asarray(refusal, dtype=float)
    if refusal.ndim == 1:
        refusal = refusal[:, None]
    out = np.where(accept, value, np.broadcast_to(refusal, value.shape))
    if not np.all(np.isfinite(out)):
        raise GameError("ex ante: a payoff is not finite (NaN or infinite value or refusal)")
    return out


def choose_ex_ante(value: ArrayLike, accept: ArrayLike, refusal: ArrayLike = 0.0) -> ExAnteChoice:
    """The option with the largest expected payoff over the belief's worlds (rows)."""
    pay = ex_ante_payoffs(value, accept, refusal)
    mean = pay.mean(axis=0)
    index = int(np.argmax(mean))
    return ExAnteChoice(index, float(mean[index]),
                        float(np.mean(np.asarray(accept, bool)[:, index])), mean)


def realised_payoff(index: int | ArrayLike, value: ArrayLike, accept: ArrayLike,
             refusal: ArrayLike = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The payoff and the acceptance in each true world of the option ``index`` (one for all
    worlds, or one per world)."""
    pay = ex_ante_payoffs(value, accept, refusal)
    rows = np.arange(pay.shape[0])
    index = np.broadcast_to(np.asarray(index, dtype=int), rows.shape)
    return pay[rows, index], np.asarray(accept, bool)[rows, index]


def value_of_knowing(value: ArrayLike, accept: ArrayLike, index: int | ArrayLike,
                     refusal: ArrayLike = 0.0) -> np.ndarray:
    """Per true world: the best option's payoff there (full information) minus the payoff of
    the option committed to; never negative."""
    pay = ex_ante_payoffs(value, accept, refusal)
    return pay.max(axis=1) - realised_payoff(index, value, accept, refusal)[0]
