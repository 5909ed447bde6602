"""Memory of a chunk's work: each deal's offers and utilities, reused where inputs repeat.

A portfolio solves the same deals many times over one chunk of draws: every round of the
links' fixed point, the final solve, the regime that ignores the links. Most deals' inputs do
not move between those calls, and where a link moves only an outside option or a reservation
the utilities at the points the offers need stay the same. Everything here is kept per draw
and compared by value, and each draw is solved on its own, so an answer is the one solving
afresh would give, bit for bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from deals.audit import leverage
from deals.portfolio.draws import Options, capped, deal_options

if TYPE_CHECKING:  # the portfolio is passed in; the file module does not need the solver
    from deals.portfolio.file import PortfolioDeal

#: Outcome tables wider than this (a grid search's) are not remembered.
MAX_REMEMBERED_COLUMNS = 64


def _every_draw(rows: np.ndarray, n: int) -> bool:
    """Whether the draws ``rows`` (distinct, rising, as the callers' indices are) are all n
    draws of the chunk, in order."""
    return len(rows) == n and n > 0 and rows[0] == 0 and rows[-1] == n - 1


def _changed(have: np.ndarray, saved: Mapping[str, np.ndarray], given: Mapping[str, np.ndarray],
             rows: np.ndarray, n: int) -> np.ndarray:
    """Per draw of ``rows``: nothing remembered yet, or one of the ``given`` inputs differs
    from the ``saved`` one (for every draw compared in place, without copies)."""
    every = _every_draw(rows, n)
    miss = ~have if every else ~have[rows]
    for k, v in given.items():
        miss |= (saved[k] if every else saved[k][rows]) != v
    return miss


class OfferMemo:
    """Each deal's options per draw, kept between calls on one chunk: a draw whose inputs (the
    deal's parameter values with the links' overrides, its reservation) are the same
    as last time reuses its row, so a fixed-point round or a regime only solves the draws and
    deals whose inputs moved. Every draw is solved on its own, so the answers are those of
    solving afresh."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.saved: dict[Any, dict[str, Any]] = {}
        self.utilities: dict[Any, UtilityMemo] = {}

    def options(self, key: Any, entry: PortfolioDeal, values: Mapping[str, np.ndarray],
                rows: np.ndarray, reservation: np.ndarray | float = 0.0,
                cap: np.ndarray | None = None, *, bespoke: bool = True) -> Options:
        """:func:`deal_options` for the draws ``rows`` of the chunk (``values`` etc. hold
        only those draws), computed only where the inputs differ from the last call's. For
        every draw the answer shares the memory's arrays: read it before the next call."""
        m = len(rows)
        key = (key, bespoke)
        inputs = {f"v|{k}": np.asarray(v, dtype=float) for k, v in values.items()}
        inputs["reservation"] = np.broadcast_to(np.asarray(reservation, dtype=float), (m,))
        saved = self.saved.get(key)
        if saved is None or saved["inputs"].keys() != inputs.keys():
            miss = np.ones(m, bool)
        else:
            miss = _changed(saved["valid"], saved["inputs"], inputs, rows, self.n)
        if miss.any():
            local = np.flatnonzero(miss)
            memo = self.utilities.setdefault(key, UtilityMemo(entry, self.n))
            new = deal_options(entry, {k: np.asarray(v)[local] for k, v in values.items()},
                               inputs["reservation"][local], bespoke=bespoke,
                               utilities=memo.at(rows[local]))
            saved = self._store(key, saved, inputs, rows[local], local, new)
        # Every draw: the memory's own arrays (no copy); read before the next call, which may
        # write into them.
        whole = _every_draw(rows, self.n)
        return capped(entry, saved["options"] if whole else saved["options"].take(rows), cap,
                      bespoke=bespoke)

    def _store(self, key, saved, inputs, where, local, new: Options) -> dict[str, Any]:
        n = self.n
        fresh = saved is None or saved["inputs"].keys() != inputs.keys()
        if fresh and _every_draw(where, n):
            # Every draw at once: the new answer's own arrays (made for this call) are kept.
            self.saved[key] = {"inputs": {k: np.array(v, dtype=float) for k, v in
                                          inputs.items()},
                               "valid": np.ones(n, bool), "options": new}
            return self.saved[key]
        if fresh:
            def blank(a):
                return np.full((n,) + a.shape[1:], np.nan)
            o = new
            saved = {"inputs": {k: np.full(n, np.nan) for k in inputs},
                     "valid": np.zeros(n, bool),
                     "options": Options(blank(o.value), blank(o.partner), blank(o.volume),
                                        blank(o.blocked), blank(o.diverted),
                                        {k: blank(v) for k, v in o.points.items()},
                                        blank(o.outside), True)}
            self.saved[key] = saved
        for k, v in inputs.items():
            saved["inputs"][k][where] = v[local]
        saved["valid"][where] = True
        full = saved["options"]
        for name in ("value", "partner", "volume", "blocked", "diverted", "outside"):
            getattr(full, name)[where] = getattr(new, name)
        for k, v in new.points.items():
            full.points[k][where] = v
        if not new.exact:
            saved["options"] = full = Options(full.value, full.partner, full.volume,
                                              full.blocked, full.diverted, full.points,
                                              full.outside, False)
        return saved


class UtilityMemo:
    """A deal's two utilities per draw at outcomes common to all draws (the corners and unit
    steps the exact offers evaluate), kept per outcome with the parameter values they were
    computed at; a draw whose parameters repeat is not evaluated again."""

    def __init__(self, entry: PortfolioDeal, n: int) -> None:
        self.deal, self.n = entry.deal, n
        self.saved: dict[Any, dict[str, Any]] = {}

    def at(self, rows: np.ndarray) -> "RememberedUtilities":
        """The utilities as a callable for the chunk's draws ``rows``."""
        return RememberedUtilities(self, rows)

    def __call__(self, outcome: Mapping[str, np.ndarray], parameters: Mapping[str, np.ndarray],
                 rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        arrays = {k: np.asarray(v, dtype=float) for k, v in outcome.items()}
        r = len(rows)
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
        if (len(shape) != 2 or shape[1] > MAX_REMEMBERED_COLUMNS
                or any(np.size(v) != r for v in parameters.values())     # a block of rows
                or any(a.shape[0] != 1 and np.any(a != a[:1]) for a in arrays.values())):
            return leverage.utilities(self.deal, outcome, parameters)
        key = tuple((k, a.shape[1:], a[0].tobytes()) for k, a in sorted(arrays.items()))
        params = {k: np.asarray(v, dtype=float).reshape(r) for k, v in parameters.items()}
        saved = self.saved.get(key)
        whole = _every_draw(rows, self.n)
        if saved is None:
            saved = self.saved[key] = {
                "params": {k: np.full(self.n, np.nan) for k in params},
                "have": np.zeros(self.n, bool),
                "u": (np.full((self.n, shape[1]), np.nan), np.full((self.n, shape[1]), np.nan))}
            miss = np.ones(r, bool)
        else:
            miss = _changed(saved["have"], saved["params"], params, rows, self.n)
        if miss.any():
            local = np.flatnonzero(miss)
            first = {k: a[:1] for k, a in arrays.items()}   # one row: issue-only terms once
            u = leverage.utilities(self.deal, first, {k: v[local][:, None]
                                                      for k, v in params.items()})
            where = rows[local]
            for j in range(2):
                saved["u"][j][where] = np.broadcast_to(u[j], (local.size, shape[1]))
            for k, v in params.items():
                saved["params"][k][where] = v[local]
            saved["have"][where] = True
        if whole:
            return saved["u"][0], saved["u"][1]         # (read at once, never kept)
        return saved["u"][0][rows], saved["u"][1][rows]


class RememberedUtilities:
    """A deal's utilities for some draws of a chunk, answered from a :class:`UtilityMemo`."""

    def __init__(self, memo: UtilityMemo, rows: np.ndarray) -> None:
        self.memo, self.rows = memo, rows

    def __call__(self, outcome: Mapping[str, np.ndarray], parameters: Mapping[str, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray]:
        return self.memo(outcome, parameters, self.rows)
