"""The article's options over many draws in bounded memory: what each chunk leaves behind.

:func:`deals.portfolio.policy_result.solve_policy` solves the draws chunk by chunk (each chunk
drawing its own slice, :mod:`deals.portfolio.stream`) and hands every chunk to a
:class:`PolicySummary`, which keeps:

- the sum of every column over all draws (so every mean, share, part, acceptance and value of
  knowing uses every draw) and how often each option is best;
- each option's mean gain once the agencies' capacity is scaled by each of
  :data:`CAPACITY_FACTORS` (the "what would have to be true" rows), summed over all draws;
- the per-draw columns of the kept draws, for the medians and percentiles: every column of
  every draw while draws x columns stays under :data:`KEEP_NUMBERS` (then the result is the
  one of solving all draws at once, bit for bit); beyond it, the portfolio-level columns
  (``regime|quantity``) of a uniform sample of :data:`KEEP` draws, the draws with the
  :data:`KEEP` smallest keys of a hash of their index (bottom-k sampling: the same draws
  whatever the chunking or the executor). Medians and percentiles are then exact on that
  sample, and the sample's size is stated in the result.

Memory is then set by the chunk and :data:`KEEP`, not by the number of draws.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from deals.portfolio.policy import OPTIONS
from games.decisions.queueing import review_queue

#: Most numbers (draws x columns) kept per draw before the result keeps a sample instead.
KEEP_NUMBERS = 6_000_000
#: Draws in the sample kept for the medians and percentiles beyond :data:`KEEP_NUMBERS`.
KEEP = 20_000
#: Multiples of the agencies' capacity at which the options' mean gains are kept.
CAPACITY_FACTORS = tuple(float(m) for m in 2.0 ** np.arange(-4, 6.5, 0.5))
#: The ``[policy]`` quantities the review queue needs, kept per draw (``policy|name``).
QUEUE_FIELDS = ("deal_work", "licence_work", "capacity", "horizon", "deal_latency",
                "licence_latency")
_GOLDEN = 0x9E3779B97F4A7C15


def is_deal_column(key: str) -> bool:
    """Whether a column is one deal's (``regime|k|quantity``), not the portfolio's."""
    parts = key.split("|")
    return len(parts) == 3 and parts[1].isdigit()


def draw_keys(start: int, stop: int, seed: int | None) -> np.ndarray:
    """A hash (splitmix64) of each draw's index and the seed: the sample keeps the draws with
    the smallest keys, so which draws it keeps does not depend on the chunking.

    >>> bool(np.array_equal(draw_keys(3, 5, 0), draw_keys(0, 5, 0)[3:]))
    True
    """
    mix = ((0 if seed is None else int(seed)) + 1) * _GOLDEN % 2 ** 64
    z = np.arange(start, stop, dtype=np.uint64) + np.uint64(mix)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def queue_gain(column, fields: Mapping[str, np.ndarray], regime: str,
               factor: float) -> np.ndarray:
    """Per draw: ``regime``'s gain with the agencies' capacity times ``factor`` (the terms
    and acceptances as solved; only the queue changes). ``column(regime, quantity)`` gives
    a per-draw column, ``fields`` the ``[policy]`` quantities per draw."""
    n = len(column(regime, "before_queue"))
    lat_d = (fields.get("deal_latency", 0.0) + fields.get("licence_latency", 0.0)) / 12
    lat_l = fields.get("licence_latency", np.zeros(n)) / 12
    q = review_queue([(column(regime, "deals_per_year"), fields["deal_work"]),
                      (column(regime, "licences_per_year"), fields["licence_work"])],
                     fields["capacity"] * factor, [lat_d, lat_l], fields["horizon"])
    return (column(regime, "before_queue") + column(regime, "bespoke_gain") * (q.factor[0] - 1)
            + column(regime, "rule_gain") * (q.factor[1] - 1))


def best_option(column) -> np.ndarray:
    """Per draw, the index in OPTIONS of the option that gives the US most."""
    gains = np.column_stack([column(r, "gain") for r in OPTIONS])
    return np.argmax(gains - 1e-9 * np.arange(len(OPTIONS)), axis=1)


class PolicySummary:
    """What the chunks of a policy run leave behind (see the module docstring); feed it each
    chunk's columns in the order of the draws with :meth:`add`."""

    def __init__(self, draws: int, seed: int | None, queued: bool,
                 pair: Sequence[str] = ("bilateral", "framework")) -> None:
        self.draws, self.seed, self.queued, self.pair = draws, seed, queued, tuple(pair)
        self.sums: dict[str, float] = {}
        self.best = np.zeros(len(OPTIONS), dtype=np.int64)
        self.leads = {m: [0.0, 0.0] for m in CAPACITY_FACTORS}
        self.complete: bool | None = None
        self.columns: dict[str, np.ndarray] = {}
        self.keys = np.empty(0, np.uint64)
        self.index = np.empty(0, np.int64)

    def add(self, start: int, stop: int, got: Mapping[str, np.ndarray]) -> None:
        """One chunk's per-draw columns (draws ``start`` to ``stop``)."""
        if self.complete is None:
            self.complete = self.draws * len(got) <= KEEP_NUMBERS
            if self.complete:
                self.columns = {k: np.empty((self.draws,) + np.shape(v)[1:],
                                            np.asarray(v).dtype) for k, v in got.items()}
        for k, v in got.items():
            self.sums[k] = self.sums.get(k, 0.0) + float(np.sum(v))

        def column(regime: str, quantity: str) -> np.ndarray:
            return np.asarray(got[f"{regime}|{quantity}"])

        self.best += np.bincount(best_option(column), minlength=len(OPTIONS))
        if self.queued:
            fields = {n: np.asarray(got[f"policy|{n}"]) for n in QUEUE_FIELDS
                      if f"policy|{n}" in got}
            for m in CAPACITY_FACTORS:
                for j, r in enumerate(self.pair):
                    self.leads[m][j] += float(np.sum(queue_gain(column, fields, r, m)))
        if self.complete:
            for k, v in got.items():
                self.columns[k][start:stop] = v
            return
        self.sample(start, stop, got)

    def sample(self, start: int, stop: int, got: Mapping[str, np.ndarray]) -> None:
        """Merge the chunk's portfolio-level columns into the kept sample (the :data:`KEEP`
        draws with the smallest keys), kept in the order of the draws."""
        keys = np.concatenate([self.keys, draw_keys(start, stop, self.seed)])
        index = np.concatenate([self.index, np.arange(start, stop)])
        top = [k for k in got if not is_deal_column(k)]
        if keys.size > KEEP:
            keep = np.sort(np.argpartition(keys, KEEP - 1)[:KEEP])
        else:
            keep = np.arange(keys.size)
        self.keys, self.index = keys[keep], index[keep]
        for k in top:              # one column at a time: the old one goes as the new comes
            self.columns[k] = np.concatenate([self.columns.get(k, np.empty(0)),
                                              np.asarray(got[k], dtype=float)])[keep]

    def mean(self, key: str) -> float:
        """The mean of a column over every draw."""
        return self.sums[key] / self.draws
