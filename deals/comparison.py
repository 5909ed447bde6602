"""Compare the leverage of many deals in one table, sorted by how far their leverage is off.

>>> import deals
>>> table = deals.compare(["chips-for-farm-purchases", "gulf-divestment-uae"], draws=300)
>>> list(table.to_frame().columns[:3])
['supplier', 'partner', 'proposal']
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import pandas as pd

from deals.assessment import Assessment, Thresholds, assess
from deals.files import library_names, load
from deals.model import Deal
from games.results import TabularResult


@dataclass(frozen=True)
class Comparison(TabularResult):
    """One row per deal: parties, proposal, acceptance, leverage ratio, surplus left, flags."""

    assessments: tuple[Assessment, ...]
    thresholds: Thresholds
    draws: int
    seed: int | None

    def __len__(self) -> int:
        return len(self.assessments)

    def __iter__(self):
        return iter(self.assessments)

    def __getitem__(self, name: str) -> Assessment:
        for a in self.assessments:
            if a.deal == name:
                return a
        raise KeyError(f"no deal {name!r} in this comparison; deals: "
                       f"{[a.deal for a in self.assessments]}")

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for a in self.assessments:
            rows.append({
                "deal": a.deal, "supplier": a.parties["supplier"], "partner": a.parties["partner"],
                "proposal": a._terms_text(a.proposal),
                "P(partner accepts)": a.acceptance["partner"],
                "P(supplier accepts)": a.acceptance["supplier"],
                "rho median": a.rho["supplier"]["median"],
                "rho p10": a.rho["supplier"]["p10"], "rho p90": a.rho["supplier"]["p90"],
                "leverage gap": a.leverage_gap,
                "surplus left": "; ".join(a.surplus_text["supplier"]) or "-",
                "flag (supplier)": a.flags["supplier"], "flag (partner)": a.flags["partner"],
                "staged plan": "-" if a.staged is None else str(a.staged),
                "two-level": "-" if a.two_level is None else a.two_level.short(),
            })
        return pd.DataFrame(rows).set_index("deal") if rows else pd.DataFrame()

    def _caption(self) -> str:
        return (f"{len(self)} deals, {self.draws} draws each, seed {self.seed}; sorted by |leverage "
                f"gap| (positive: claims more than the position supports); thresholds: "
                f"{self.thresholds}")

    def to_dict(self) -> dict[str, Any]:
        return {"draws": self.draws, "seed": self.seed,
                "deals": [a.to_dict() for a in self.assessments]}

    def plot(self, ax=None):
        """All deals on one chart: partner's acceptance probability against the median rho."""
        from deals.plots import comparison_plot

        return comparison_plot(self, ax=ax)


def compare(deals: Iterable[Deal | str] | None = None, *, draws: int = 2_000, seed: int | None = 0,
            thresholds: Thresholds | None = None, executor: Executor | None = None,
            progress: bool | None = None, **options: Any) -> Comparison:
    """Assess every deal (default: the whole library) and sort by how far the leverage is off."""
    chosen: Sequence[Deal | str] = list(library_names() if deals is None else deals)
    t = thresholds or Thresholds()
    found = []
    for item in _with_progress(chosen, progress):
        deal = load(item) if isinstance(item, str) else item
        found.append(assess(deal, draws=draws, seed=seed, thresholds=t, executor=executor,
                            progress=False, **options))
    found.sort(key=lambda a: (-abs(a.leverage_gap), a.deal))
    return Comparison(tuple(found), t, draws, seed)


def _with_progress(items: Sequence[Any], progress: bool | None):
    if progress is False or (progress is None and len(items) < 2):
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="compare", unit="deal", leave=False, delay=0.0 if progress else 1.0)
