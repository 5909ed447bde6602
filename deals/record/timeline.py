"""The library over time: every deal as it stood on a date, and what changed between two.

Deal files date their parameters' readings and their terms (:mod:`deals.deal.dates`).
:func:`library_as_of` loads the library as it stood on a date (an ``[outcome]`` struck later is
not yet on the record); :func:`diff` audits every deal at two dates and attributes the change
in each verdict to the parameters that moved: each moved parameter alone is set to its later
reading, the rest kept at the earlier ones, with the same draws (common random numbers), and
what the single moves do not explain is reported as the interaction.

See :func:`diff` and :func:`library_as_of` for examples.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable, Mapping


from deals.audit.assessment import Assessment, assess
from deals.audit.comparison import has_terms
from deals.audit.verdicts import label
from deals.deal.dates import parse_date
from deals.deal.files import load
from deals.deal.reading import library_names
from deals.deal.model import Deal
from deals.errors import DealError, DealFileError
from deals.views.output import json_value, people
from games.parameters import ParameterSet

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd

SCHEMA_VERSION = 1


def date_of(text: Any, option: str = "--as-of") -> dt.date | None:
    """A command's date: None stays None; otherwise a past date or one clear error.

    >>> date_of("2999-01-01", "--to")
    Traceback (most recent call last):
    ...
    deals.errors.DealError: --to 2999-01-01: 2999-01-01 is in the future; a date on the record is one that has passed
    """
    if text is None:
        return None
    try:
        return parse_date(text, option)
    except DealFileError as exc:
        raise DealError(f"{option} {text}: {exc.reason}") from None


def library_as_of(date: Any, names: Iterable[str | Deal] | None = None) -> list[Deal]:
    """The deals (default: the library) as they stood on ``date`` (None: as they are).

    Parameters
    ----------
    date : date, str or None
        The date (``datetime.date`` or ``"YYYY-MM-DD"``); None: the deals as they are.
    names : iterable of str or Deal, or None, default None
        The deals to read (library names, paths or :class:`Deal` objects); None: every
        deal in the library.

    Examples
    --------
    >>> [d.name for d in library_as_of("2025-06-01", ["chips-for-farm-purchases"])]
    ['chips-for-farm-purchases']
    """
    when = date_of(date) if not isinstance(date, dt.date) else date
    chosen = list(library_names() if names is None else names)
    return [d if isinstance(d, Deal) else load(d, as_of=when) for d in chosen]


def moved(before: Deal, after: Deal) -> tuple[str, ...]:
    """The parameters whose reading (value, range or distribution) differs between two
    versions of a deal."""
    out = []
    for name, p in after.parameters.items():
        q = before.parameters.get(name)
        if q is None or (q.value, q.range, q.distribution) != (p.value, p.range, p.distribution):
            out.append(name)
    return tuple(out)


def with_readings(deal: Deal, source: Deal, names: Iterable[str]) -> Deal:
    """``deal`` with the parameters ``names`` at their readings in ``source``."""
    take = set(names)
    return replace(deal, parameters=ParameterSet(
        source.parameters[n] if n in take else p for n, p in deal.parameters.items()))


@dataclass(frozen=True)
class Change:
    """One deal between two dates: its audits then and now, and each moved parameter's share."""

    deal: str
    moved: tuple[str, ...]
    terms_changed: tuple[str, ...]
    before: Assessment | None
    after: Assessment | None
    by_parameter: Mapping[str, Mapping[str, float]]  # name -> {"acceptance", "gain"} change

    @property
    def delta(self) -> dict[str, float]:
        """The change in the partner's acceptance and the supplier's median gain."""
        if self.before is None or self.after is None:
            return {"acceptance": float("nan"), "gain": float("nan")}
        return {"acceptance": self.after.acceptance["partner"] - self.before.acceptance["partner"],
                "gain": self.after.gains["proposal"]["supplier"]["median"]
                - self.before.gains["proposal"]["supplier"]["median"]}

    def interaction(self) -> dict[str, float]:
        """What the parameters moved one at a time do not explain (their joint effect)."""
        d = self.delta
        return {k: d[k] - sum(v[k] for v in self.by_parameter.values()) for k in d}

    def to_dict(self) -> dict[str, Any]:
        def audit(a: Assessment | None) -> Any:
            return None if a is None else {
                "verdicts": dict(a.verdicts), "acceptance": dict(a.acceptance),
                "supplier_gain_median": a.gains["proposal"]["supplier"]["median"]}

        return {"deal": self.deal, "moved": list(self.moved),
                "terms_changed": list(self.terms_changed), "before": audit(self.before),
                "after": audit(self.after), "delta": self.delta,
                "by_parameter": [{"parameter": k, **v} for k, v in self.by_parameter.items()],
                "interaction": self.interaction()}


@dataclass(frozen=True)
class LibraryDiff:
    """What changed across the library between two dates.

    See :func:`diff` for an example."""

    start: dt.date
    end: dt.date
    changes: tuple[Change, ...]
    draws: int
    seed: int | None

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        rows = []
        for c in self.changes:
            rows.append({"deal": c.deal, "moved": ", ".join(c.moved) or "-",
                         "terms": ", ".join(c.terms_changed) or "-",
                         "verdict_before": c.before.verdicts["supplier"] if c.before else None,
                         "verdict_after": c.after.verdicts["supplier"] if c.after else None,
                         "acceptance_change": c.delta["acceptance"],
                         "gain_change": c.delta["gain"]})
        return pd.DataFrame(rows).set_index("deal") if rows else pd.DataFrame()

    def display(self) -> pd.DataFrame:
        """The table for people (80 columns): verdicts, acceptance change, the top mover."""
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        rows = []
        for c in self.changes:
            top = max(c.by_parameter.items(), key=lambda kv: abs(kv[1]["acceptance"]),
                      default=(None, None))[0]
            rows.append({
                "deal": c.deal,
                "verdict": f"{_verdict_word(c.before)} -> {_verdict_word(c.after)}"
                if c.moved or c.terms_changed else "unchanged",
                "accepts": _points(c.delta["acceptance"]),
                "moved most": top or ("-" if not c.terms_changed else "terms")})
        return pd.DataFrame(rows)

    def notes(self) -> tuple[str, ...]:
        """Per changed deal: each moved parameter's share of the change, then the rest."""
        out = []
        for c in self.changes:
            if not c.moved and not c.terms_changed:
                continue
            parts = [f"{k} {_points(v['acceptance'])} acceptance, {people(v['gain'])} $bn/yr"
                     for k, v in c.by_parameter.items()]
            rest = c.interaction()
            if c.by_parameter:
                parts.append(f"together beyond these {_points(rest['acceptance'])}, "
                             f"{people(rest['gain'])} $bn/yr")
            if c.terms_changed:
                parts.append("terms changed: " + ", ".join(c.terms_changed))
            out.append(f"{c.deal}: " + "; ".join(parts) + ".")
        return tuple(out)

    def caption(self) -> str:
        return (f"the library from {self.start.isoformat()} to {self.end.isoformat()}: the "
                f"audit of each deal's proposal at both dates ({self.draws:,} draws, seed "
                f"{self.seed}, the same draws for both); accepts: the change in the partner's "
                "acceptance, in points; moved most: the parameter whose new reading alone moves "
                "it most")

    def to_dict(self) -> dict[str, Any]:
        return json_value({"schema_version": SCHEMA_VERSION, "from": self.start.isoformat(),
                           "to": self.end.isoformat(), "draws": self.draws, "seed": self.seed,
                           "deals": [c.to_dict() for c in self.changes]})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, allow_nan=False)


def _verdict_word(audit: Assessment | None) -> str:
    """The supplier's verdict in the words of every other table ('over-reach'), or 'no
    terms' at a date before any terms were on the record."""
    if audit is None:
        return "no terms"
    return label(audit.verdicts["supplier"], "supplier", audit.parties)


def _points(share: float) -> str:
    if share != share:  # NaN: no audit at one of the dates
        return "n/a"
    return f"{round(100 * share) + 0:+d} pts"


def _terms(deal: Deal) -> dict[str, Any]:
    return {k: (None if getattr(deal, k) is None else dict(getattr(deal, k).values))
            for k in ("proposal", "outcome", "belief")}


def diff(start: Any, end: Any, names: Iterable[str] | None = None, *, draws: int = 1_000,
         seed: int | None = 0) -> LibraryDiff:
    """Every deal (default: the library) at ``start`` and at ``end``; see the module.

    Parameters
    ----------
    start : date or str
        The first date (``datetime.date`` or ``"YYYY-MM-DD"``).
    end : date or str
        The second date.
    names : iterable of str or None, default None
        The deals to compare (library names); None: every deal in the library.
    draws : int, default 1,000
        Monte Carlo draws of the deal's uncertain parameters (each a plausible world);
        more draws, smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).

    Examples
    --------
    >>> found = diff("2025-01-01", "2025-12-31", ["tier-upgrade-poland"], draws=100)
    >>> [c.moved for c in found.changes]     # an undated file: nothing moved
    [()]
    """
    d0, d1 = date_of(start, "--from"), date_of(end, "--to")
    if d0 is None or d1 is None:
        raise DealError("diff: give both dates, --from and --to")
    if d1 < d0:
        raise DealError(f"--to {d1.isoformat()} is before --from {d0.isoformat()}; give the "
                        "earlier date first")
    chosen = list(library_names() if names is None else names)
    changes = []
    for name in chosen:
        old, new = load(name, as_of=d0), load(name, as_of=d1)
        params = moved(old, new)
        terms = tuple(k for k, v in _terms(new).items() if _terms(old)[k] != v)

        def audit(deal: Deal) -> Assessment | None:
            if not has_terms(deal, "proposal"):
                return None
            return assess(deal, draws=draws, seed=seed, detail=False, summaries=False,
                          progress=False)

        before = audit(old)
        after = audit(new) if params or terms else before
        shares = {}
        if before is not None and after is not None:
            for p in params:
                alone = audit(with_readings(old, new, [p]))
                shares[p] = {"acceptance": alone.acceptance["partner"]
                             - before.acceptance["partner"],
                             "gain": alone.gains["proposal"]["supplier"]["median"]
                             - before.gains["proposal"]["supplier"]["median"]}
        changes.append(Change(old.name, params, terms, before, after, shares))
    return LibraryDiff(d0, d1, tuple(changes), draws, seed)
