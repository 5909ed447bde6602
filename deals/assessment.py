"""The leverage audit of one deal: acceptance, leverage ratio, efficiency, flags and drivers.

>>> import deals
>>> a = deals.assess(deals.load("chips-for-farm-purchases"), draws=500, seed=0)
>>> a.flags["supplier"]
'under'
"""

from __future__ import annotations

import json
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping

import numpy as np
import pandas as pd

from deals.errors import DealError
from deals.leverage import (DrawLeverage, DrawSolver, acceptance_by_level, leverage_over_draws,
                            optimal_ask, point_values, sample_values)
from deals.stage_values import stage_summary
from deals.two_level import two_level_summary
from deals.model import SIDES, Deal
from games.results import TabularResult

FLAGS = ("over", "under", "inefficient", "sound")


@dataclass(frozen=True)
class Thresholds:
    """When a proposal's leverage is called over- or under-estimated, or inefficient.

    - ``over``: the other side accepts in fewer than ``over_acceptance`` of plausible worlds.
    - ``under``: the other side accepts in at least ``under_acceptance`` of them and the median
      leverage ratio is at most ``under_rho`` (the proposal claims well under what the side's
      position supports).
    - ``inefficient``: in at least ``inefficient_share`` of worlds another outcome gives both
      sides at least ``efficiency_margin`` more (each in units of its range of gains).
    """

    over_acceptance: float = 0.5
    under_acceptance: float = 0.9
    under_rho: float = 0.8
    efficiency_margin: float = 0.02
    inefficient_share: float = 0.5

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if name != "under_rho" and not 0 <= value <= 1:
                raise DealError(f"threshold {name} must lie in [0, 1], got {value}")

    def __str__(self) -> str:
        return (f"over if acceptance < {self.over_acceptance:g}; under if acceptance >= "
                f"{self.under_acceptance:g} and median rho <= {self.under_rho:g}; inefficient if "
                f"dominated by >= {self.efficiency_margin:g} in >= {self.inefficient_share:g} of draws")


def _percentiles(values: np.ndarray) -> dict[str, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"p10": float("nan"), "median": float("nan"), "p90": float("nan"), "defined": 0.0}
    p10, p50, p90 = np.percentile(finite, [10, 50, 90])
    return {"p10": float(p10), "median": float(p50), "p90": float(p90),
            "defined": float(finite.size / values.size)}


@dataclass(frozen=True)
class Assessment(TabularResult):
    """The leverage audit of one proposal over the analyst's parameter distribution."""

    deal: str
    title: str
    parties: Mapping[str, str]
    proposal: Mapping[str, float]
    proposal_source: str
    draws: int
    seed: int | None
    thresholds: Thresholds
    power: float
    acceptance: Mapping[str, float]
    zone_empty: float
    rho: Mapping[str, Mapping[str, float]]
    rho_ask: Mapping[str, float]
    benchmark: Mapping[str, float]
    ask: Mapping[str, Any]
    dominated_share: float
    frontier_distance: float
    better_package: Mapping[str, float] | None
    better_gains: Mapping[str, float] | None
    surplus: Mapping[str, Mapping[str, float]]
    surplus_text: Mapping[str, tuple[str, ...]]
    flags: Mapping[str, str]
    flag_sets: Mapping[str, tuple[str, ...]]
    drivers: pd.DataFrame = field(repr=False, compare=False)
    tornado: pd.DataFrame = field(repr=False, compare=False)
    units: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    staged: Any = None  # deals.stage_values.StageSummary of a deal with [stages]
    two_level: Any = None  # deals.two_level.TwoLevel of a deal with [actors] or [beliefs]

    @property
    def flag(self) -> str:
        """The supplier's flag (the audit's headline)."""
        return self.flags["supplier"]

    @property
    def leverage_gap(self) -> float:
        """Signed misjudgement: positive claims too much (rejection), negative too little."""
        accept = self.acceptance["partner"]
        if accept < self.thresholds.over_acceptance:
            return 1.0 - accept
        median = self.rho["supplier"]["median"]
        if np.isfinite(median):
            return float(median - 1.0)
        # No zone of agreement: the supplier's shortfall is how often the terms are worse for it
        # than walking away.
        return -(1.0 - self.acceptance["supplier"])

    def explain(self) -> str:
        """The verdict in words, with the figures that support it."""
        s, p = self.parties["supplier"], self.parties["partner"]
        lines = [f"{self.title}\nTerms audited ({self.proposal_source}): {self._terms_text(self.proposal)}"]
        lines.append(f"{p} accepts in {self.acceptance['partner']:.0%} of plausible worlds; "
                     f"{s} in {self.acceptance['supplier']:.0%}; zone of agreement empty in "
                     f"{self.zone_empty:.0%}.")
        r = self.rho["supplier"]
        lines.append(f"Leverage ratio rho (supplier gain / asymmetric Nash gain, power "
                     f"{self.power:.2f}): median {r['median']:.2f} [p10 {r['p10']:.2f}, p90 "
                     f"{r['p90']:.2f}].")
        for side in SIDES:
            lines.append(f"{self.parties[side]} ({side}): {self.flags[side].upper()}"
                         + "".join(f"; {t}" for t in self.surplus_text.get(side, ())))
        if self.better_package:
            lines.append(f"Better for both at point values: {self._terms_text(self.better_package)}")
        if len(self.drivers):
            top = ", ".join(self.drivers.index[:3])
            lines.append(f"Drivers (rank correlation): {top}.")
        if self.staged is not None:
            lines.append(f"One shot as audited above; {self.staged}.")
        if self.two_level is not None:
            lines.extend(self.two_level.summary())
        return "\n".join(lines)

    def _terms_text(self, terms: Mapping[str, float]) -> str:
        return ", ".join(f"{k}={_number(v)}" + (f" {self.units[k]}" if self.units.get(k) else "")
                         for k, v in terms.items())

    def to_frame(self) -> pd.DataFrame:
        rows = [("flag (supplier)", self.flags["supplier"]), ("flag (partner)", self.flags["partner"]),
                ("P(partner accepts)", self.acceptance["partner"]),
                ("P(supplier accepts)", self.acceptance["supplier"]),
                ("P(zone of agreement empty)", self.zone_empty),
                ("rho median", self.rho["supplier"]["median"]),
                ("rho p10", self.rho["supplier"]["p10"]), ("rho p90", self.rho["supplier"]["p90"]),
                ("rho vs optimal ask (median)", self.rho_ask["median"]),
                ("partner rho median", self.rho["partner"]["median"]),
                ("supplier power", self.power), ("share of draws dominated", self.dominated_share),
                ("distance to frontier (median)", self.frontier_distance)]
        rows += [(f"proposal {k}", v) for k, v in self.proposal.items()]
        rows += [(f"benchmark {k}", v) for k, v in self.benchmark.items()]
        rows += [(f"optimal ask {k}", v) for k, v in self.ask["terms"].items()]
        rows.append(("optimal ask acceptance", self.ask["acceptance"]))
        if self.two_level is not None and "both" in self.two_level.ratified:
            rows.append(("P(ratified at home)", self.two_level.ratified["both"]))
        if self.two_level is not None and self.two_level.breakdown is not None:
            rows.append(("P(breakdown, mutual optimism)", self.two_level.breakdown))
        for side in SIDES:
            rows += [(f"{side}: {t}", "") for t in self.surplus_text.get(side, ())]
        frame = pd.DataFrame(rows, columns=["quantity", "value"]).set_index("quantity")
        return frame

    def _caption(self) -> str:
        return (f"{self.deal}: {self.draws} draws, seed {self.seed}; thresholds: {self.thresholds}")

    def __str__(self) -> str:
        return self.explain() + "\n\n" + super().__str__()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (floats rounded to 10 significant digits)."""
        data = {
            "deal": self.deal, "title": self.title, "parties": dict(self.parties),
            "proposal": dict(self.proposal), "proposal_source": self.proposal_source,
            "draws": self.draws, "seed": self.seed, "thresholds": asdict(self.thresholds),
            "power": self.power, "acceptance": dict(self.acceptance), "zone_empty": self.zone_empty,
            "rho": {k: dict(v) for k, v in self.rho.items()}, "rho_ask": dict(self.rho_ask),
            "benchmark": dict(self.benchmark),
            "optimal_ask": {"terms": dict(self.ask["terms"]), "acceptance": self.ask["acceptance"],
                            "expected_gain": self.ask["expected_gain"]},
            "dominated_share": self.dominated_share, "frontier_distance": self.frontier_distance,
            "better_package": self.better_package,
            "better_gains": self.better_gains,
            "surplus": {k: dict(v) for k, v in self.surplus.items()},
            "surplus_text": {k: list(v) for k, v in self.surplus_text.items()},
            "flags": dict(self.flags), "flag_sets": {k: list(v) for k, v in self.flag_sets.items()},
            "leverage_gap": self.leverage_gap,
            "drivers": self.drivers.reset_index().to_dict(orient="records"),
            "settings": dict(self.settings),
        }
        if self.two_level is not None:
            data["two_level"] = {"ratified": dict(self.two_level.ratified),
                                 "breakdown": self.two_level.breakdown,
                                 "power_with_latency": self.two_level.power_with_latency}
        return _rounded(data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, allow_nan=True)

    def plot_drivers(self, ax=None):
        """Tornado chart: the supplier's leverage ratio at each parameter's low and high end."""
        from deals.plots import tornado_plot

        return tornado_plot(self, ax=ax)


def _number(value: float) -> str:
    """Readable issue amounts: 913,000 rather than 9.13e+05; 0.33 rather than 0.330000."""
    if not np.isfinite(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if not np.isfinite(v) else float(f"{v:.10g}")
    if isinstance(value, np.integer):
        return int(value)
    return value


def _flags(accept_other: float, rho: Mapping[str, float], dominated: float, t: Thresholds,
           accept_own: float | None = None) -> tuple[str, ...]:
    """The flags of one side, from the other side's acceptance, the side's rho and dominance.

    ``accept_own`` (the side's own acceptance): terms that leave the side worse off than walking
    away in most worlds, while the other side accepts almost surely, are ``under`` even where
    rho is undefined (no zone of agreement): the side gives away what it need not.
    """
    found = []
    claims_little = np.isfinite(rho["median"]) and rho["median"] <= t.under_rho
    gives_away = accept_own is not None and accept_own < t.over_acceptance
    if accept_other < t.over_acceptance:
        found.append("over")
    elif accept_other >= t.under_acceptance and (claims_little or gives_away):
        found.append("under")
    if dominated >= t.inefficient_share:
        found.append("inefficient")
    return tuple(found) or ("sound",)


def assess(deal: Deal, draws: int = 10_000, seed: int | None = 0, *,
           thresholds: Thresholds | None = None, power: float | None = None,
           executor: Executor | None = None, chunk_size: int | None = None,
           progress: bool | None = None, grid_points: int = 350) -> Assessment:
    """Audit the leverage of a deal's proposal over ``draws`` seeded parameter draws.

    Without a proposal, the deal's belief defines one: the supplier's optimal full-information
    ask at the believed parameter values. ``power`` fixes the supplier's bargaining power
    (default: from the deal's delay costs, else 1/2). ``executor`` and ``chunk_size`` spread
    the draws as in :func:`games.sweep`; results do not depend on them.
    """
    t = thresholds or Thresholds()
    if deal.proposal is not None:
        proposal = deal.outcome_values(deal.proposal.values)
        source = "the deal's proposal"
    elif deal.belief is not None:
        believed = point_values(deal.at_belief())
        proposal = dict(optimal_ask(deal, believed).package)
        source = "optimal ask under the belief"
    else:
        raise DealError(f"deal {deal.name!r} has neither a [proposal] nor a [belief] to assess; "
                        "add the terms on the table as [proposal]")
    solver = DrawSolver(deal, proposal, power=power, grid_points=grid_points,
                        efficiency_margin=t.efficiency_margin)
    exact = replace(solver, exhaustive=True, max_rounds=400)  # few rows: converge fully
    values = sample_values(deal, draws, seed)
    result = leverage_over_draws(solver, values, executor=executor,
                                 chunk_size=chunk_size or 5_000, progress=progress,
                                 description=f"assess {deal.name}")
    n = len(result)
    accept = {"partner": float(result.partner_accepts.mean()),
              "supplier": float(result.supplier_accepts.mean())}
    rho = {"supplier": _percentiles(result.rho), "partner": _percentiles(result.rho_partner)}
    dominated = float(np.mean(result.better_for_both >= t.efficiency_margin))
    # How far inside the frontier p lies: the best improvement for both, in gain-range units.
    distance = float(np.median(np.maximum(result.better_for_both, 0.0)))
    ask = optimal_ask(deal, values)
    with np.errstate(all="ignore"):
        ask_gain = ask.gains[0]
        rho_ask = _percentiles(np.where(ask_gain > 0, result.supplier_gain / ask_gain, np.nan))

    point = exact.solve(point_values(deal))
    benchmark = point.benchmark_terms()
    better = None
    better_gains = None
    if point.better_for_both[0] >= t.efficiency_margin:
        better = point.better_terms()
        g = deal.gains(better)
        g0 = deal.gains(proposal)
        better_gains = {"supplier": float(g[0] - g0[0]), "partner": float(g[1] - g0[1])}

    flag_sets = {"supplier": _flags(accept["partner"], rho["supplier"], dominated, t,
                                    accept["supplier"]),
                 "partner": _flags(accept["supplier"], rho["partner"], dominated, t,
                                   accept["partner"])}
    flags = {side: flag_sets[side][0] for side in SIDES}
    surplus, surplus_text = _surplus(deal, proposal, values, t, accept)
    drivers = _drivers(deal, values, result)
    tornado = _tornado(deal, solver)
    return Assessment(
        deal=deal.name, title=deal.title,
        parties={"supplier": deal.supplier, "partner": deal.partner},
        proposal=proposal, proposal_source=source, draws=n, seed=seed, thresholds=t,
        power=float(np.median(result.power)), acceptance=accept,
        zone_empty=float(result.zone_empty.mean()), rho=rho, rho_ask=rho_ask,
        benchmark=benchmark, ask={"terms": dict(ask.package), "acceptance": ask.acceptance,
                                  "expected_gain": ask.expected_gain},
        dominated_share=dominated, frontier_distance=distance, better_package=better, better_gains=better_gains,
        surplus=surplus, surplus_text=surplus_text, flags=flags, flag_sets=flag_sets,
        drivers=drivers, tornado=tornado,
        units={i.name: i.unit for i in deal.issues},
        settings={"grid_points": grid_points, "power": power,
                  "benchmark": "asymmetric Nash (power from delay costs)" if power is None and deal.discount else
                  "asymmetric Nash", "resolution": solver.resolution},
        staged=stage_summary(deal, min(n, 2_000), seed),
        two_level=two_level_summary(deal, min(n, 2_000), seed))


def _surplus(deal: Deal, proposal: Mapping[str, float], values: Mapping[str, np.ndarray],
             t: Thresholds, accept: Mapping[str, float]
             ) -> tuple[dict[str, dict[str, float]], dict[str, tuple[str, ...]]]:
    """What each side could still have asked for, in issue units, accepted as often as needed.

    For the supplier: each issue the partner gives could rise to the largest level the partner
    still accepts in ``under_acceptance`` of worlds, all else as proposed ("the same chips would
    buy more divestment"); each issue the supplier gives could fall to the least level the
    partner still accepts as often ("the same divestment for fewer chips"). For the partner,
    the mirror image.
    """
    surplus: dict[str, dict[str, float]] = {}
    text: dict[str, tuple[str, ...]] = {}
    for side, other in (("supplier", "partner"), ("partner", "supplier")):
        found: dict[str, float] = {}
        words = []
        if accept[other] >= t.under_acceptance:
            for issue in deal.issues:
                lo, hi = issue.range
                current = proposal[issue.name]
                asking_more = issue.giver == other
                if issue.discrete:
                    levels = np.array([v for v in issue.levels if (v >= current if asking_more else v <= current)])
                else:
                    levels = np.linspace(current, hi if asking_more else lo, 101)
                if levels.size == 0:
                    continue
                ok = acceptance_by_level(deal, proposal, issue.name, levels, values, other) >= t.under_acceptance
                if not ok[0]:
                    continue
                reach = levels[np.argmin(ok) - 1] if not ok.all() else levels[-1]
                change = float(reach - current)
                if abs(change) <= 1e-9 * max(1.0, hi - lo):
                    continue
                found[issue.name] = change
                unit = f" {issue.unit}" if issue.unit else ""
                if asking_more:
                    words.append(f"{deal.party(other)} would still accept {issue.name} "
                                 f"+{_number(abs(change))}{unit} (more for the same terms)")
                else:
                    words.append(f"{deal.party(other)} would still accept {issue.name} "
                                 f"-{_number(abs(change))}{unit} (the same concessions for less)")
        surplus[side] = found
        text[side] = tuple(words)
    return surplus, text


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / denominator) if denominator > 0 else 0.0


def _varying(deal: Deal) -> list[str]:
    return [k for k, p in deal.parameters.items() if p.range is not None and p.low < p.high
            and k not in deal.bound]


def _drivers(deal: Deal, values: Mapping[str, np.ndarray], result: DrawLeverage
             ) -> pd.DataFrame:
    """Spearman rank correlation of each uncertain parameter with what decides the flags."""
    targets = {"partner acceptance margin": result.partner_gain / result.partner_scale,
               "supplier acceptance margin": result.supplier_gain / result.supplier_scale,
               "rho": result.rho,
               "zone of agreement margin": result.zone_margin}
    from scipy.stats import rankdata  # slow to import: only when drivers are computed

    rows = {}
    names = _varying(deal)
    if names:
        # Spearman's coefficient is Pearson's on ranks: rank every column once.
        ranked = {name: rankdata(values[name]) for name in names}
        for label, target in targets.items():
            ok = np.isfinite(target)
            spread = np.ptp(target[ok]) if ok.sum() >= 3 else 0.0
            target_ranks = rankdata(target[ok]) if spread > 0 else None
            for name in names:
                row = rows.setdefault(name, {})
                if target_ranks is None:
                    row[label] = 0.0
                    continue
                r = ranked[name] if ok.all() else rankdata(values[name][ok])
                row[label] = _pearson(r, target_ranks)
    frame = pd.DataFrame(rows).T if rows else pd.DataFrame(columns=list(targets))
    if len(frame):
        frame = frame.fillna(0.0)
        frame["importance"] = frame.abs().max(axis=1)
        frame = frame.sort_values("importance", ascending=False)
    return frame


def _tornado(deal: Deal, solver: DrawSolver) -> pd.DataFrame:
    """One at a time: each uncertain parameter at its low and high end, the rest at point values."""
    names = _varying(deal)
    if not names:
        return pd.DataFrame(columns=["low", "high", "rho at low", "rho at high",
                                     "partner gain at low", "partner gain at high"])
    base = deal.values()
    rows = 2 * len(names) + 1
    batch = {k: np.full(rows, v) for k, v in base.items()}
    for i, name in enumerate(names):
        p = deal.parameters[name]
        batch[name][2 * i] = p.low
        batch[name][2 * i + 1] = p.high
    out = solver.solve(batch)
    frame = pd.DataFrame({
        "low": [deal.parameters[n].low for n in names],
        "high": [deal.parameters[n].high for n in names],
        "rho at low": out.rho[0:-1:2], "rho at high": out.rho[1::2],
        "partner gain at low": out.partner_gain[0:-1:2],
        "partner gain at high": out.partner_gain[1::2],
    }, index=names)
    frame.attrs["rho at point values"] = float(out.rho[-1])
    frame.attrs["partner gain at point values"] = float(out.partner_gain[-1])
    swing = (frame["rho at high"] - frame["rho at low"]).abs().fillna(0.0)
    return frame.loc[swing.sort_values(ascending=False).index]
