"""Summaries of a long stream of Monte Carlo draws in memory set by a chunk, not by the draws.

A run of ten million draws cannot keep every draw's results, but its summaries need only two
things, both kept here chunk by chunk:

- **shares** (P(accept), the share of draws with some property) are counts, exact at any
  length;
- **quantiles** (medians, 10th and 90th percentiles) and anything that needs whole rows (a
  rank correlation) are found on a :class:`Reservoir`: every row while the stream is no longer
  than its ``capacity`` (then each quantile is exact, the same number as over the whole
  array), and beyond that a uniform random sample of ``capacity`` rows (Vitter's reservoir
  sampling, in its *bottom-k* form: each row gets a random key, and the rows with the
  ``capacity`` smallest keys are kept). The quantiles are then those of the sample: the rank
  of a sample p-quantile is off by about ``sqrt(p (1 - p) / capacity)`` (its standard error,
  :meth:`Reservoir.rank_error`), 0.0016 at the median of a 100,000-row reservoir.

The key of row ``i`` is the ``i``-th output of a seeded stream (advanced to the chunk's first
row, never drawn from the start), so which rows are kept depends only on the rows' numbers:
the same whatever the chunk size, the order the chunks arrive in, or the process that solved
them. Two runs with the same seed keep the same rows, byte for byte.

>>> import numpy as np
>>> r = Reservoir(capacity=1_000)
>>> for start in range(0, 10_000, 2_500):
...     r.add(start, {"x": np.arange(start, start + 2_500, dtype=float)})
>>> r.count, r.exact, len(r)
(10000, False, 1000)
>>> bool(abs(r.quantiles("x", [50])[0] - 5_000) < 500)
True
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from games.errors import GameError

__all__ = ["Reservoir", "RESERVOIR_SEED"]

#: The seed of the rows' keys unless one is given (any fixed number: it only picks the sample).
RESERVOIR_SEED = 20_260_530


class Reservoir:
    """The rows of a numbered stream: all of them up to ``capacity``, else a uniform sample.

    ``add(start, columns)`` takes rows ``start, start + 1, ...`` (one array per column, each
    with the rows on its first axis); chunks may come in any order but must not overlap.
    ``columns()`` gives the kept rows in their order in the stream; ``quantiles`` the
    percentiles of one column's finite values over the kept rows.

    >>> r = Reservoir(capacity=4)
    >>> r.add(3, {"x": np.array([3.0, 4.0])}); r.add(0, {"x": np.array([0.0, 1.0, 2.0])})
    >>> r.exact, r.columns()["x"].tolist()       # 5 rows do not fit in 4: a sample of 4
    (False, [0.0, 1.0, 3.0, 4.0])
    """

    def __init__(self, capacity: int, seed: int = RESERVOIR_SEED) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, (int, np.integer)) \
                or capacity < 1:
            raise GameError(f"capacity: expected a whole number >= 1, got {capacity!r}")
        self.capacity = int(capacity)
        self.seed = int(seed)
        self.count = 0
        self._pending: list[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]] = []
        self._pending_rows = 0
        self._largest: np.uint64 | None = None  # the largest kept key, once the sample is full

    def __len__(self) -> int:
        """How many rows are kept: ``min(count, capacity)``."""
        return min(self.count, self.capacity)

    @property
    def exact(self) -> bool:
        """True while every row is kept (then every quantile is the whole stream's)."""
        return self.count <= self.capacity

    def keys(self, start: int, stop: int) -> np.ndarray:
        """The random keys of rows ``start`` to ``stop`` (64-bit, from the seeded stream
        advanced to ``start``: a row's key does not depend on how the stream was cut)."""
        generator = np.random.PCG64(self.seed)
        generator.advance(start)
        return generator.random_raw(stop - start)

    def add(self, start: int, columns: Mapping[str, np.ndarray]) -> None:
        """Take rows ``start, start + 1, ...`` (every column has as many rows)."""
        arrays = {k: np.asarray(v) for k, v in columns.items()}
        sizes = {len(v) for v in arrays.values()}
        if len(sizes) != 1:
            raise GameError(f"columns of one chunk must have as many rows, got {sorted(sizes)}")
        (rows,) = sizes
        if self._pending and set(arrays) != set(self._pending[0][2]):
            raise GameError(f"columns {sorted(arrays)} differ from the earlier chunks' "
                            f"{sorted(self._pending[0][2])}")
        number = np.arange(start, start + rows, dtype=np.int64)
        keys = self.keys(start, start + rows)
        if self._largest is not None:  # full: a row enters only below the largest kept key
            enters = keys <= self._largest
            if not enters.all():
                number, keys = number[enters], keys[enters]
                arrays = {k: v[enters] for k, v in arrays.items()}
        self._pending.append((number, keys, arrays))
        self.count += rows
        self._pending_rows += len(number)
        if self._pending_rows > self.capacity + self.capacity // 16:  # a bounded backlog
            self._compact()

    def _compact(self) -> None:
        """Concatenate the pending chunks and keep the ``capacity`` rows of smallest key."""
        if len(self._pending) == 1 and self._pending_rows <= self.capacity:
            return
        number = np.concatenate([p[0] for p in self._pending])
        keys = np.concatenate([p[1] for p in self._pending])
        if len(number) > self.capacity:
            # Ties among 64-bit keys are broken by the row's number, so the kept set is a
            # function of the rows alone, whatever order they came in.
            kept = np.lexsort((number, keys))[: self.capacity]
        else:
            kept = np.arange(len(number))
        kept = kept[np.argsort(number[kept], kind="stable")]   # back in the stream's order
        columns = {}
        for name in list(self._pending[0][2]):  # column by column, each chunk's copy let go
            columns[name] = np.concatenate([p[2].pop(name) for p in self._pending])[kept]
        self._pending = [(number[kept], keys[kept], columns)]
        self._pending_rows = len(kept)
        if len(kept) == self.capacity and self.count > self.capacity:
            self._largest = keys[kept].max()

    def columns(self) -> dict[str, np.ndarray]:
        """The kept rows, column by column, in their order in the stream."""
        if not self._pending:
            return {}
        self._compact()
        return dict(self._pending[0][2])

    def rows(self) -> np.ndarray:
        """The kept rows' numbers in the stream (``arange(count)`` while :attr:`exact`)."""
        if not self._pending:
            return np.zeros(0, dtype=np.int64)
        self._compact()
        return self._pending[0][0]

    def quantiles(self, name: str, q: Sequence[float]) -> np.ndarray:
        """Percentiles ``q`` (0-100) of column ``name``'s finite values over the kept rows
        (``np.percentile``'s linear interpolation; NaN where none is finite)."""
        values = np.asarray(self.columns()[name], dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return np.full(len(q), np.nan)
        return np.percentile(finite, q)

    def rank_error(self, q: float) -> float:
        """The standard error of the rank (a share, 0-1) of the sample ``q``-th percentile:
        0 while :attr:`exact`, else ``sqrt(p (1 - p) / capacity)`` with ``p = q / 100``.

        >>> Reservoir(100).rank_error(50)
        0.0
        """
        if self.exact:
            return 0.0
        p = q / 100.0
        return float(np.sqrt(p * (1.0 - p) / self.capacity))

    def settings(self) -> dict[str, object]:
        """What the quantiles are, for a result's settings: exact, or a sample of how many."""
        if self.exact:
            return {"quantiles": "exact", "draws_kept": self.count}
        return {"quantiles": f"reservoir sample of {self.capacity:,} draws",
                "draws_kept": self.capacity, "median_rank_error": self.rank_error(50)}
