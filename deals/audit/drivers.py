"""What drives each side's verdict: the parameters that move its gain at the proposal.

A side's flag is decided by its gain at the proposal (acceptance is the sign of that gain). Each
uncertain parameter is set to the low and the high end of its range, the others at their point
values, and each side's raw gain at the proposal is computed (the *tornado*). The *swing* of a
side is ``|gain at high - gain at low|``, in the deal's money units. Drivers are ranked by the
larger of the two sides' swings; a parameter that moves neither side's gain at the proposal is
not a driver and is dropped. The Spearman rank correlation of each parameter with each side's
gain over the Monte Carlo draws is reported beside the swing (it catches effects that appear
only jointly with other parameters).

>>> import deals
>>> deal = deals.load("chips-for-farm-purchases")
>>> frame = tornado(deal, deal.outcome_values(deal.proposal.values))
>>> frame.index.name, bool((frame["largest swing"] > 0).all())
('parameter', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from deals.audit.leverage import gains
from deals.deal.model import Deal
from games.ranks import centred_ranks, spearman

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd

COLUMNS = ["low", "high", "unit", "supplier gain at low", "supplier gain at high",
           "partner gain at low", "partner gain at high", "supplier swing", "partner swing",
           "largest swing"]


def varying(deal: Deal) -> list[str]:
    """The parameters the audit draws (a range, not fixed by ``deal.bind``)."""
    return [k for k, p in deal.parameters.items() if p.range is not None and p.low < p.high
            and k not in deal.bound]


@dataclass(frozen=True, eq=False)
class ParameterTable:
    """The tornado or drivers table without pandas: one row per parameter (``index``, in
    order), ``columns`` of numbers (or text), ``attrs`` as a DataFrame's. What the JSON and
    the compare table read; :meth:`to_frame` gives the DataFrame the audit shows.

    >>> t = ParameterTable(("v",), {"swing": np.array([2.0])})
    >>> float(t.to_frame().loc["v", "swing"]), t.records()
    (2.0, [{'parameter': 'v', 'swing': 2.0}])
    """

    index: tuple[str, ...]
    columns: Mapping[str, Any]
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.index)

    def column(self, name: str) -> np.ndarray:
        return np.asarray(self.columns[name])

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame indexed by ``parameter``."""
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        frame = pd.DataFrame({k: list(v) if not isinstance(v, np.ndarray) else v
                              for k, v in self.columns.items()},
                             index=pd.Index(list(self.index), name="parameter"),
                             columns=list(self.columns))
        frame.attrs.update(self.attrs)
        return frame

    def records(self) -> list[dict[str, Any]]:
        """One plain record per row, the index first, spaces in names as underscores (the JSON)."""
        names = ["parameter"] + [str(c).replace(" ", "_") for c in self.columns]
        cells = [[v.item() if isinstance(v, np.generic) else v for v in self.columns[c]]
                 for c in self.columns]
        return [dict(zip(names, (name, *row)))
                for name, row in zip(self.index, zip(*cells) if cells else
                                     ((),) * len(self.index))]

    def take(self, rows: np.ndarray) -> "ParameterTable":
        """The rows at the positions ``rows``, in that order."""
        return ParameterTable(tuple(self.index[i] for i in rows),
                              {k: _take(v, rows) for k, v in self.columns.items()},
                              dict(self.attrs))


def _take(column: Any, rows: np.ndarray) -> Any:
    if isinstance(column, np.ndarray):
        return column[rows]
    return [column[i] for i in rows]


def _as_pandas_would(numbers: list) -> Any:
    """A list of numbers as the column pandas makes of it (int64 if all are whole numbers,
    float64 if any is not; an empty list stays a list, an object column)."""
    return np.array(numbers) if numbers else []


def largest_first(values: np.ndarray) -> np.ndarray:
    """The order that sorts ``values`` (no NaN) from the largest, ties in their given order:
    pandas' ``sort_values(ascending=False, kind="stable")``.

    >>> largest_first(np.array([1.0, 3.0, 1.0, 3.0])).tolist()
    [1, 3, 0, 2]
    """
    return np.argsort(-np.asarray(values, dtype=float), kind="stable")


#: No parameters (an audit without its explanation).
EMPTY = ParameterTable((), {})


def tornado(deal: Deal, proposal: Mapping[str, float]) -> pd.DataFrame:
    """Each side's gain at the proposal with each parameter at its low and high end.

    Rows are sorted by ``largest swing``; parameters with no swing are dropped. The gains at
    the point values are in ``frame.attrs``. :func:`swing_table` without pandas.
    """
    return swing_table(deal, proposal).to_frame()


def swing_table(deal: Deal, proposal: Mapping[str, float]) -> ParameterTable:
    """:func:`tornado` as a :class:`ParameterTable` (what the audit keeps)."""
    names = varying(deal)
    base = deal.values()
    rows = 2 * len(names) + 1
    batch = {k: np.full(rows, float(v)) for k, v in base.items()}
    for i, name in enumerate(names):
        p = deal.parameters[name]
        batch[name][2 * i] = p.low
        batch[name][2 * i + 1] = p.high
    outcome = {k: np.array([v]) for k, v in deal.outcome_values(proposal).items()}
    g_s, g_p = (np.broadcast_to(np.asarray(g, dtype=float), (rows,))
                for g in gains(deal, outcome, batch))
    columns: dict[str, Any] = {
        "low": _as_pandas_would([deal.parameters[n].low for n in names]),
        "high": _as_pandas_would([deal.parameters[n].high for n in names]),
        "unit": [deal.parameters[n].unit for n in names],
        "supplier gain at low": g_s[0:-1:2].copy(), "supplier gain at high": g_s[1::2].copy(),
        "partner gain at low": g_p[0:-1:2].copy(), "partner gain at high": g_p[1::2].copy()}
    with np.errstate(invalid="ignore", over="ignore"):  # a gain of inf at both ends
        # (the audit refuses it in one line, maybe while a worker still computes this): NaN
        columns["supplier swing"] = np.abs(columns["supplier gain at high"]
                                           - columns["supplier gain at low"])
        columns["partner swing"] = np.abs(columns["partner gain at high"]
                                          - columns["partner gain at low"])
    # pandas' row-wise max skips NaN, as fmax does
    columns["largest swing"] = np.fmax(columns["supplier swing"], columns["partner swing"])
    scale = max(1.0, float(np.nanmax(np.abs(np.concatenate([g_s, g_p]))))) if rows else 1.0
    kept = np.flatnonzero(columns["largest swing"] > 1e-9 * scale)  # never NaN
    order = kept[largest_first(columns["largest swing"][kept])]
    table = ParameterTable(tuple(names), columns).take(order)
    return ParameterTable(table.index, table.columns,
                          {"supplier gain at point values": float(g_s[-1]),
                           "partner gain at point values": float(g_p[-1])})


def parameter_ranks(values: Mapping[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """Each parameter's ranks over all draws, centred on their mean (what
    :func:`rank_correlations` needs of the parameters; found once, before the targets are known).

    >>> parameter_ranks({"a": np.array([3.0, 1.0, 2.0])}, ["a"])["a"].tolist()
    [1.0, -1.0, 0.0]
    """
    return {name: centred_ranks(np.asarray(values[name])) for name in names}


def rank_correlations(values: Mapping[str, np.ndarray], names: list[str],
                      targets: Mapping[str, np.ndarray],
                      ranked: Mapping[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Spearman rank correlation (:func:`games.ranks.spearman`) of each parameter in ``names``
    with each target array.

    ``ranked``: :func:`parameter_ranks` of ``values``, when already found; they serve every
    target that is finite in all draws (a target that is not is ranked over its finite draws).
    """
    import pandas as pd  # start-up time: the audit itself uses correlation_columns

    return pd.DataFrame(correlation_columns(values, names, targets, ranked),
                        index=pd.Index(names, name="parameter"), columns=list(targets))


def correlation_columns(values: Mapping[str, np.ndarray], names: list[str],
                        targets: Mapping[str, np.ndarray],
                        ranked: Mapping[str, np.ndarray] | None = None
                        ) -> dict[str, np.ndarray]:
    """:func:`rank_correlations` as one array per target (in the order of ``names``)."""
    out = {label: np.zeros(len(names)) for label in targets}
    ranked = dict(ranked or {})
    for label, target in targets.items():
        ok = np.isfinite(target)
        if ok.sum() < 3 or np.ptp(target[ok]) == 0:
            continue
        every = bool(ok.all())
        t = centred_ranks(target[ok])   # once per target, not once per parameter
        for j, name in enumerate(names):
            r = ranked.get(name) if every else None
            if r is None:
                r = centred_ranks(np.asarray(values[name])[ok])
                if every:
                    ranked[name] = r
            out[label][j] = spearman(r, target[ok], x_ranks=r, y_ranks=t)
    return out


def drivers(swings: ParameterTable, values: Mapping[str, np.ndarray],
            supplier_gain: np.ndarray, partner_gain: np.ndarray,
            ranked: Mapping[str, np.ndarray] | None = None) -> ParameterTable:
    """The drivers table: tornado swings (the ranking) and rank correlations over the draws
    (``ranked``: the parameters' :func:`parameter_ranks`, when already found)."""
    names = list(swings.index)
    rho = correlation_columns(values, names, {"supplier rank correlation": supplier_gain,
                                              "partner rank correlation": partner_gain}, ranked)
    return ParameterTable(swings.index, {
        **{k: swings.columns[k] for k in ("supplier swing", "partner swing", "largest swing")},
        **rho})
