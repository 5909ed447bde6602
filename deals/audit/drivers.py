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

from typing import Mapping

import numpy as np
import pandas as pd

from deals.audit.leverage import gains
from deals.deal.model import Deal
from games.ranks import centred_ranks, spearman

COLUMNS = ["low", "high", "unit", "supplier gain at low", "supplier gain at high",
           "partner gain at low", "partner gain at high", "supplier swing", "partner swing",
           "largest swing"]


def varying(deal: Deal) -> list[str]:
    """The parameters the audit draws (a range, not fixed by ``deal.bind``)."""
    return [k for k, p in deal.parameters.items() if p.range is not None and p.low < p.high
            and k not in deal.bound]


def tornado(deal: Deal, proposal: Mapping[str, float]) -> pd.DataFrame:
    """Each side's gain at the proposal with each parameter at its low and high end.

    Rows are sorted by ``largest swing``; parameters with no swing are dropped. The gains at
    the point values are in ``frame.attrs``.
    """
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
    frame = pd.DataFrame({
        "low": [deal.parameters[n].low for n in names],
        "high": [deal.parameters[n].high for n in names],
        "unit": [deal.parameters[n].unit for n in names],
        "supplier gain at low": g_s[0:-1:2], "supplier gain at high": g_s[1::2],
        "partner gain at low": g_p[0:-1:2], "partner gain at high": g_p[1::2],
    }, index=pd.Index(names, name="parameter"), columns=COLUMNS[:7])
    frame["supplier swing"] = (frame["supplier gain at high"] - frame["supplier gain at low"]).abs()
    frame["partner swing"] = (frame["partner gain at high"] - frame["partner gain at low"]).abs()
    frame["largest swing"] = frame[["supplier swing", "partner swing"]].max(axis=1)
    scale = max(1.0, float(np.nanmax(np.abs(np.concatenate([g_s, g_p]))))) if rows else 1.0
    frame = frame[frame["largest swing"] > 1e-9 * scale]
    frame = frame.sort_values("largest swing", ascending=False, kind="stable")
    frame.attrs["supplier gain at point values"] = float(g_s[-1])
    frame.attrs["partner gain at point values"] = float(g_p[-1])
    return frame


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
    out = pd.DataFrame(0.0, index=pd.Index(names, name="parameter"), columns=list(targets))
    ranked = dict(ranked or {})
    for label, target in targets.items():
        ok = np.isfinite(target)
        if ok.sum() < 3 or np.ptp(target[ok]) == 0:
            continue
        every = bool(ok.all())
        for name in names:
            r = ranked.get(name) if every else None
            if r is None:
                r = centred_ranks(np.asarray(values[name])[ok])
                if every:
                    ranked[name] = r
            out.loc[name, label] = spearman(r, target[ok], x_ranks=r)
    return out


def drivers(swings: pd.DataFrame, values: Mapping[str, np.ndarray],
            supplier_gain: np.ndarray, partner_gain: np.ndarray,
            ranked: Mapping[str, np.ndarray] | None = None) -> pd.DataFrame:
    """The drivers table: tornado swings (the ranking) and rank correlations over the draws
    (``ranked``: the parameters' :func:`parameter_ranks`, when already found)."""
    names = list(swings.index)
    rho = rank_correlations(values, names, {"supplier rank correlation": supplier_gain,
                                            "partner rank correlation": partner_gain}, ranked)
    frame = swings[["supplier swing", "partner swing", "largest swing"]].join(rho)
    frame.index.name = "parameter"
    return frame
