"""The backtest: is each struck deal inside the bargaining benchmark's p10-p90 band?

For every deal with an ``[outcome]``, over the parameter draws: the benchmark (asymmetric
Nash) terms and each side's gain there. The struck deal is *inside* when every issue's struck
level lies within the 10th-90th percentiles of the benchmark's level, and each side's median
gain at the struck terms lies within the percentiles of its gain at the benchmark (draws with
no zone of agreement have no benchmark and are left out). Checked twice: *before*, on the
files' ranges; *after*, given the other deals' records (leave one deal out: the shared
parameters conditioned on the rest of the library's struck deals, the deal's own record
unused), so the test is out of sample. A check that fails names the parameter it turns on:
the one whose rank correlation with the checked quantity (the benchmark's level; the
benchmark gain less the struck gain) is largest over the draws.

>>> bt = backtest(["tier-upgrade-poland"], draws=300, pool=2_000)
>>> bt.rows[0].deal, sorted(bt.rows[0].phases)
('tier-upgrade-poland', ['after', 'before'])
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from deals.audit.drivers import rank_correlations
from deals.audit.leverage import (accepts, audit_settings, batch_problem, not_finite,
                                  sample_values, supplier_power, utilities)
from deals.audit.verdicts import amount, the
from deals.deal.files import load
from deals.deal.reading import library_names
from deals.deal.model import SIDES, Deal, Terms
from deals.errors import DealError
from deals.record.condition import POOL, check_pool, evaluate
from deals.record.events import Record, library_record
from deals.views.output import json_value, people
from games.bargaining.batch import GAIN_TOLERANCE, nash_benchmark, scan, zone_test
from games.decisions.conditioning import ESS_FLOOR
from games.errors import NotFiniteError

SCHEMA_VERSION = 1
BAND = (10, 90)


@dataclass(frozen=True)
class Check:
    """One check of a struck deal: an issue's level, or a side's median gain, against the
    benchmark's p10-p90 band; ``turns_on`` the parameter it depends on most, with the rank
    correlation's sign (None when inside)."""

    kind: str              # "issue" or "gain"
    name: str              # the issue, or the side
    struck: float
    p10: float
    p90: float
    inside: bool
    turns_on: str | None = None
    correlation: float = 0.0
    explained: str = ""    # a miss: the sourced reason the deal file gives for it

    def words(self, deal: Deal) -> str:
        """The failed check in a sentence, in the issue's own units or $bn per year."""
        if self.kind == "issue":
            issue = deal.issue(self.name)
            lo, hi = (amount(issue, v, unit=False) for v in (self.p10, self.p90))
            text = f"{self.name} {amount(issue, self.struck, unit=False)} outside {lo} to {hi}"
        else:
            text = (f"{the(deal.party(self.name))}'s gain {people(self.struck)} outside "
                    f"{people(self.p10)} to {people(self.p90)} $bn/yr")
        if self.turns_on:
            text += f" (turns on {self.turns_on}, rank correlation {self.correlation:+.2f})"
        elif self.p10 == self.p90:
            text += " (the benchmark is the same in every draw: no parameter in range moves it)"
        if self.explained:
            text += f"; sourced miss: {self.explained}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "struck": self.struck, "p10": self.p10,
                "p90": self.p90, "inside": self.inside, "turns_on": self.turns_on,
                "correlation": self.correlation if self.turns_on else None,
                "explained": self.explained or None}


@dataclass(frozen=True)
class Phase:
    """The checks of one deal on one set of draws (before or after conditioning)."""

    checks: tuple[Check, ...]
    acceptance: Mapping[str, float]
    effective_sample: float
    conflict: str = ""

    @property
    def inside(self) -> bool | None:
        """All checks pass (None when the record could not be rationalised)."""
        return None if self.conflict else all(c.inside for c in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.inside)

    @property
    def sourced(self) -> bool:
        """Outside the band, but every miss has the sourced reason the deal file gives."""
        return bool(not self.conflict and self.failed and all(c.explained for c in self.failed))

    def cell(self) -> str:
        """'in', 'out (2 of 6)', 'sourced (2/6)' (every miss has a sourced reason) or
        'no sample'."""
        if self.conflict:
            return "no sample"
        n = len(self.failed)
        if self.sourced:
            return f"sourced ({n}/{len(self.checks)})"
        return "in" if not n else f"out ({n} of {len(self.checks)})"

    def to_dict(self) -> dict[str, Any]:
        return {"inside": self.inside, "sourced_miss": self.sourced,
                "effective_sample": self.effective_sample,
                "conflict": self.conflict or None, "acceptance": dict(self.acceptance),
                "checks": [c.to_dict() for c in self.checks]}


@dataclass(frozen=True)
class Row:
    deal: str
    phases: Mapping[str, Phase]
    loaded: Deal = field(repr=False, compare=False, default=None)


@dataclass(frozen=True)
class Backtest:
    """Every struck deal, before and after conditioning on the others' records.

    See :func:`backtest` for an example."""

    rows: tuple[Row, ...]
    draws: int
    seed: int | None
    pool: int
    floor: float

    def count(self, phase: str) -> int:
        """How many struck deals are inside the band in ``phase``."""
        return sum(1 for r in self.rows if r.phases[phase].inside)

    def sourced(self, phase: str) -> int:
        """How many struck deals are outside the band in ``phase`` for reasons their files
        source (every miss explained by the record)."""
        return sum(1 for r in self.rows if r.phases[phase].sourced)

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for r in self.rows:
            b, a = r.phases["before"], r.phases["after"]
            rows.append({"deal": r.deal, "inside_before": b.inside, "inside_after": a.inside,
                         "failed_before": len(b.failed), "failed_after": len(a.failed),
                         "checks": len(b.checks), "partner_accepts_before": b.acceptance["partner"],
                         "partner_accepts_after": a.acceptance["partner"],
                         "effective_sample_after": a.effective_sample})
        return pd.DataFrame(rows).set_index("deal")

    def display(self) -> pd.DataFrame:
        """The table for people (fits 80 columns)."""
        return pd.DataFrame([{
            "deal": r.deal, "before": r.phases["before"].cell(),
            "partner signs": people(r.phases["before"].acceptance["partner"], "percent"),
            "after": r.phases["after"].cell(),
            "signs after": people(r.phases["after"].acceptance["partner"], "percent")
            if not r.phases["after"].conflict else "n/a",
            "sample after": people(int(round(r.phases["after"].effective_sample)))}
            for r in self.rows])

    def notes(self) -> tuple[str, ...]:
        """One line per deal outside the band: each failed check and what it turns on, then
        the source of each parameter named (the judgement that fails, as the file states it)."""
        out = []
        for r in self.rows:
            for name, phase in (("after", r.phases["after"]), ("before", r.phases["before"])):
                if phase.conflict:
                    out.append(f"{r.deal} ({name}): {phase.conflict}")
                    break
                if phase.failed:
                    out.append(f"{r.deal} ({name}): "
                               + "; ".join(c.words(r.loaded) for c in phase.failed) + ".")
                    out.extend(_sources(r.loaded, phase.failed))
                    break
        return tuple(out)

    def checks_inside(self, phase: str) -> tuple[int, int]:
        """(checks inside the band, checks) over every deal in ``phase``: a calibrated model puts
        about 80% of single checks inside a p10-p90 band, far fewer deals (all checks at once)."""
        checks = [c for r in self.rows for c in r.phases[phase].checks]
        return sum(c.inside for c in checks), len(checks)

    def caption(self) -> str:
        n = len(self.rows)
        (b, m), (a, k) = self.checks_inside("before"), self.checks_inside("after")
        return (f"{self.count('before')} of {n} struck deals inside the benchmark's p10-p90 band "
                f"on the files' ranges, {self.count('after')} of {n} given the other deals' "
                f"records (leave one out); outside for a sourced reason (every miss explained "
                f"by the record, 'sourced'): {self.sourced('before')} before, "
                f"{self.sourced('after')} after; single checks inside: {b} of {m} before, {a} of {k} "
                f"after (a calibrated model: about 80%); {self.draws:,} draws, seed {self.seed}; "
                "conditioning "
                f"pool {self.pool:,} draws, effective sample floor {self.floor:g}; partner "
                "signs: its acceptance of the struck terms")

    def to_dict(self) -> dict[str, Any]:
        return json_value({
            "schema_version": SCHEMA_VERSION, "draws": self.draws, "seed": self.seed,
            "pool": self.pool, "floor": self.floor, "band": list(BAND),
            "inside": {"before": self.count("before"), "after": self.count("after")},
            "sourced_miss": {"before": self.sourced("before"), "after": self.sourced("after")},
            "checks_inside": {p: list(self.checks_inside(p)) for p in ("before", "after")},
            "struck_deals": len(self.rows),
            "deals": [{"deal": r.deal, "before": r.phases["before"].to_dict(),
                       "after": r.phases["after"].to_dict()} for r in self.rows]})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, allow_nan=False)


def _sources(deal: Deal, failed: Iterable[Check]) -> list[str]:
    """'    NAME: its source' for each parameter a failed check turns on, each once."""
    names = dict.fromkeys(c.turns_on for c in failed if c.turns_on)
    return [f"    {n}: {deal.parameters[n].source}" for n in names
            if n in deal.parameters and deal.parameters[n].source]


@dataclass(frozen=True)
class Benchmarked:
    """Per draw: the benchmark's terms (NaN without agreement), each side's gain there and at
    the struck terms, and whether each side accepts the struck terms. ``at_explained``: each
    side's gain at the struck terms with the issues the file explains (``[outcome]
    explained``) moved to the benchmark's level, to see which gain misses they account for."""

    issues: tuple[str, ...]
    benchmark: np.ndarray
    at_benchmark: Mapping[str, np.ndarray]
    at_struck: Mapping[str, np.ndarray]
    accepts: Mapping[str, np.ndarray]
    at_explained: Mapping[str, np.ndarray] = field(default_factory=dict)


def benchmarked(setting: Deal, terms: Mapping[str, float], values: Mapping[str, np.ndarray],
                struck: Terms | None = None) -> Benchmarked:
    """The engine's benchmark at every draw, each distinct draw solved once (a resampled
    sample repeats draws). ``struck`` (the deal's ``[outcome]``) says what the record shows of
    the deal: its ``unsettled`` issues take the benchmark's level at the struck terms too
    (the struck deal did not set them), and with ``first_tranche`` the benchmark's gains are
    those of its own first tranche of the struck size (the staged benchmark: its end state with
    the ``[stages]`` issue at the struck tranche, or at its end state where that is smaller)."""
    names = list(values)
    matrix = np.column_stack([np.asarray(values[k], dtype=float) for k in names])
    rows, back = np.unique(matrix, axis=0, return_inverse=True)
    back = back.ravel()
    unique = {k: rows[:, j] for j, k in enumerate(names)}
    problem = batch_problem(setting, unique)
    settings = {"resolution": 1e-4, "max_rounds": 60}
    grid = scan(problem, 350)
    zone = zone_test(problem, grid=grid, **settings, enough=GAIN_TOLERANCE)
    nash = nash_benchmark(problem, supplier_power(setting, unique, None),
                          grid=grid, zone=zone, **settings)
    issues = problem.box.names
    bench = np.column_stack([np.where(nash.agreement, nash.points[k], np.nan) for k in issues])
    bench = _as_struck_where_indifferent(setting, terms, bench, issues, unique)
    struck = Terms(dict(terms)) if struck is None else struck
    at_bench = nash.gains
    if struck.first_tranche:
        at_bench = _gains(problem, _first_tranche(setting, terms, bench, issues), terms, issues)
    at_struck = _gains(problem, _moved(bench, issues, struck.unsettled), terms, issues)
    literal = _gains(problem, np.full(bench.shape, np.nan), terms, issues)  # as the file says
    moved = _moved(bench, issues, (*struck.unsettled, *struck.explained))
    at_explained = _gains(problem, moved, terms, issues) if struck.explained else ()
    sides = dict(zip(SIDES, range(2)))
    return Benchmarked(
        issues, bench[back],
        {s: np.where(nash.agreement, at_bench[i], np.nan)[back] for s, i in sides.items()},
        {s: at_struck[i][back] for s, i in sides.items()},
        {s: accepts(literal[i], problem.disagreement[i])[back] for s, i in sides.items()},
        {s: at_explained[i][back] for s, i in sides.items()} if struck.explained else {})


def _moved(bench: np.ndarray, issues: tuple[str, ...], names: Iterable[str]) -> np.ndarray:
    """Per draw, the struck level of every issue (NaN), except ``names`` at the benchmark's."""
    out = np.full(bench.shape, np.nan)
    for k in set(names):
        out[:, issues.index(k)] = bench[:, issues.index(k)]
    return out


def _first_tranche(setting: Deal, terms: Mapping[str, float], bench: np.ndarray,
                   issues: tuple[str, ...]) -> np.ndarray:
    """The staged benchmark's first tranche: the benchmark with the ``[stages]`` issue at the
    struck tranche, or at the benchmark's end state where that is smaller."""
    out = bench.copy()
    k = issues.index(setting.stages.issue)
    out[:, k] = np.fmin(bench[:, k], float(terms[setting.stages.issue]))
    return out


def _gains(problem: Any, levels: np.ndarray, terms: Mapping[str, float],
           issues: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each side's gain per draw at ``levels`` where finite, else at the struck level (a draw
    without agreement keeps the struck terms)."""
    point = {k: np.where(np.isfinite(levels[:, j]), levels[:, j], float(terms[k]))[:, None]
             for j, k in enumerate(issues)}
    return tuple(g[:, 0] for g in problem.gains(point))


def _as_struck_where_indifferent(setting: Deal, terms: Mapping[str, float], bench: np.ndarray,
                                 issues: tuple[str, ...], values: Mapping[str, np.ndarray]
                                 ) -> np.ndarray:
    """The benchmark's level of each issue, read as the struck level in the draws where moving
    that issue alone from the benchmark's level to the struck one changes neither side's
    utility (the benchmark is then a set of equally good levels that holds the struck one, e.g.
    chips above a partner's demand buy nothing more)."""
    bench = bench.copy()
    point = {k: bench[:, j] for j, k in enumerate(issues)}
    base = [np.asarray(u, dtype=float) for u in utilities(setting, point, values)]
    for j, k in enumerate(issues):
        moved = [np.asarray(u, dtype=float) for u in utilities(
            setting, {**point, k: np.full(len(bench), float(terms[k]))}, values)]
        same = np.isfinite(bench[:, j]) & np.all(
            [np.abs(m - b) <= GAIN_TOLERANCE * np.maximum(1.0, np.abs(b))
             for m, b in zip(moved, base)], axis=0)
        bench[same, j] = float(terms[k])
    return bench


def phase(deal: Deal, values: Mapping[str, np.ndarray], ess: float) -> Phase:
    """The checks of ``deal``'s struck terms over ``values``: each issue the struck deal
    settled, then each side's gain (see :func:`benchmarked` for what the record says of the
    struck deal, and :class:`Check` for the sourced reasons a file gives for a miss)."""
    setting, terms = deal.at_terms("outcome")
    struck = deal.outcome
    try:
        result = benchmarked(setting, terms, values, struck)
    except NotFiniteError as exc:
        raise not_finite(setting, exc) from None
    names = [k for k, v in values.items() if np.ptp(v) > 0]
    checks = []
    for k, issue in enumerate(result.issues):
        if issue in struck.unsettled:
            continue
        level = result.benchmark[:, k]
        lo, hi = _band(level)
        if struck.first_tranche and issue == setting.stages.issue:
            lo = min(lo, setting.stages.candidates()[0])  # a first tranche: up to the end state
        value = float(terms[issue])
        i = setting.issue(issue)
        slack = 1e-9 * max(1.0, abs(i.range[1] - i.range[0]))
        checks.append(_check("issue", issue, value, lo, hi, slack, level, values, names,
                             struck.explained.get(issue, "")))
    for side in SIDES:
        at_struck, at_benchmark = result.at_struck[side], result.at_benchmark[side]
        lo, hi = _band(at_benchmark)
        value = float(np.median(at_struck))
        check = _check("gain", side, value, lo, hi, 1e-9, at_benchmark - at_struck,
                       values, names)
        checks.append(_gain_explained(check, result, side, struck))
    acceptance = {s: float(result.accepts[s].mean()) for s in SIDES}
    return Phase(tuple(checks), acceptance, ess)


def _gain_explained(check: Check, result: Benchmarked, side: str, struck: Terms) -> Check:
    """A failed gain check is explained when the side's median gain lands inside the band once
    the explained issues are moved to the benchmark's level: the reason is theirs."""
    if check.inside or side not in result.at_explained:
        return check
    moved = float(np.median(result.at_explained[side]))
    if not check.p10 - 1e-9 <= moved <= check.p90 + 1e-9:
        return check
    names = ", ".join(struck.explained)
    return replace(check, explained=f"the miss on {names} (with {names} at the benchmark's "
                   f"level this gain is {people(moved)} $bn/yr, inside)")


def _band(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(finite, BAND)
    return float(lo), float(hi)


def _check(kind: str, name: str, struck: float, lo: float, hi: float, slack: float,
           quantity: np.ndarray, values: Mapping[str, np.ndarray], names: list[str],
           explained: str = "") -> Check:
    inside = bool(np.isfinite(lo) and lo - slack <= struck <= hi + slack)
    explained = "" if inside else explained
    if inside or not names:
        return Check(kind, name, struck, lo, hi, inside, explained=explained)
    corr = rank_correlations(values, names, {"q": quantity})["q"]
    top = corr.abs().idxmax()
    if not np.isfinite(corr[top]) or corr[top] == 0:
        return Check(kind, name, struck, lo, hi, inside, explained=explained)
    return Check(kind, name, struck, lo, hi, inside, str(top), float(corr[top]), explained)


def backtest(names: Iterable[str | Deal] | None = None, *, draws: int = 2_000,
             seed: int | None = 0, pool: int = POOL, floor: float = ESS_FLOOR,
             record: Record | None = None) -> Backtest:
    """Backtest every struck deal (default: the library) before and after conditioning on the
    other deals' records (``record``, default: the library's struck deals).

    Parameters
    ----------
    names : iterable of str or Deal, or None, default None
        The deals to backtest (library names, paths or :class:`Deal` objects); None:
        every deal in the library.
    draws : int, default 2,000
        Monte Carlo draws of the deal's uncertain parameters (each a plausible world);
        more draws, smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    pool : int, default 50,000
        Prior draws (worlds shared by every deal) on which each event of the record is
        evaluated.
    floor : float, default 100
        Fewest effective draws (the conditioned weights' effective sample size) for the
        record to count as rationalised; below it the conditioning says the record
        cannot be explained by the files' ranges.
    record : Record or None, default None
        The record to condition on (None: the other library deals' struck deals).

    Examples
    --------
    >>> import deals
    >>> bt = deals.backtest(["tier-upgrade-poland"], draws=300, pool=5_000)
    >>> bt.count("before") <= len(bt.rows) == 1
    True
    """
    draws, seed, *_ = audit_settings(draws, seed, None, 2, None, None)
    pool, floor = check_pool(pool, floor)
    chosen = [d if isinstance(d, Deal) else load(d)
              for d in (library_names() if names is None else names)]
    struck = [d for d in chosen if d.outcome is not None]
    if not struck:
        raise DealError("backtest: none of these deals has an [outcome] (a struck deal)")
    record = library_record() if record is None else record
    evaluated = evaluate(record, pool, seed)
    rows = []
    for deal in struck:
        setting = deal.at_terms("outcome")[0]
        before = phase(deal, sample_values(setting, draws, seed), float(draws))
        given = evaluated.conditioned(floor, leave_out=deal.name)
        if given.rationalised:
            after = phase(deal, given.values_for(setting, draws, seed),
                          float(draws) if given.empty else given.ess)
        else:
            after = Phase((), {s: float("nan") for s in SIDES}, given.ess, given.refusal())
        rows.append(Row(deal.name, {"before": before, "after": after}, deal))
    return Backtest(tuple(rows), draws, seed, pool, float(floor))
