"""Portfolio files: several deals under one chip budget, with the links between them.

A portfolio file is TOML and is read like a deal file (size, encoding and dot limits, safe
expressions; errors as ``FILE: FIELD: message``); the schema is in ``docs/portfolio.md``.

>>> p = load_portfolio("teaching")
>>> [d.key for d in p.deals]
['uae', 'saudi', 'malaysia']
>>> sorted(p.shared)
['control_cost', 'harm', 'smuggled']
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from deals.errors import DealError, DealFileError
from deals.deal.files import load
from deals.deal.reading import library_names, parse_toml, read_file
from deals.deal.model import Deal
from deals.deal.schema import DocumentReader, parameter_from_spec
from deals.portfolio.partners import partner_entries
from deals.portfolio.policy_file import Policy, policy_from_table
from games.errors import GameError, listing
from games.expressions import Expression, parse_expression, with_definitions
from games.parameters import Parameter, ParameterSet

#: Where the bundled portfolios live.
PORTFOLIOS = Path(__file__).parent.parent / "library" / "portfolios"
#: Most deals in one portfolio (each adds a column to every per-draw table).
MAX_DEALS = 40
#: Most volume levels solved per deal.
MAX_LEVELS = 401

_TOP = ("portfolio", "deals", "parameters", "shared", "budget", "total_cost", "links",
        "china_response", "policy", "partners", "archetypes")
_HEAD = {"name": str, "title": str}
_HEAD_OPTIONAL = {"description": str, "year": "number", "smuggling": "expression"}
_ENTRY = {"deal": str, "volume": "expression", "issue": str}
_ENTRY_OPTIONAL = {"key": str, "levels": "number", "tier": "number", "blocked": "expression",
                   "diverted": "expression", "demand": "expression", "optional": "bool",
                   "hold": "table", "setting": str}
_LINKS = {"precedent": ({"from": str, "to": str, "strength": "expression"}, {"note": str}),
          "displacement": ({"from": str, "to": str, "share": "expression"},
                           {"parameter": str, "inflow": str, "note": str})}
_CHINA = {"parameter": str, "capacity": "pairs", "scale": "expression",
          "response": "expression"}
_CHINA_OPTIONAL = {"deals": "names", "source": str}


@dataclass(frozen=True)
class PortfolioDeal:
    """One deal of a portfolio: the deal and the expressions that read chips off its terms.

    ``volume``, ``blocked``, ``diverted`` and ``demand`` are expressions of the deal's names (in
    100k H100e per year), definitions written out; ``issue`` is the issue that sets the volume;
    ``hold`` fixes other issues of the deal (those it has) at a value.
    """

    key: str
    deal: Deal
    issue: str
    volume: Expression
    levels: int = 25
    tier: int = 2
    blocked: Expression | None = None
    diverted: Expression | None = None
    demand: Expression | None = None
    hold: Mapping[str, float] = field(default_factory=dict)
    setting: str = ""
    security: tuple[str, ...] = ()
    row: bool = False       # a row of a partners table, priced by its archetype's deal


@dataclass(frozen=True)
class Link:
    """A link between two deals: ``kind`` precedent or displacement; ``to`` may be 'outside'."""

    kind: str
    source: str
    target: str
    amount: Expression
    parameter: str = ""
    inflow: str = ""
    note: str = ""


@dataclass(frozen=True)
class ChinaResponse:
    """Huawei's export capacity to third countries: curve(year) * scale + response * denied."""

    parameter: str
    capacity: tuple[tuple[float, float], ...]
    scale: Expression
    response: Expression
    deals: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True, eq=False)
class Portfolio:
    """Deals under one chip budget, shared parameters and links (see ``docs/portfolio.md``)."""

    name: str
    title: str
    deals: tuple[PortfolioDeal, ...]
    parameters: ParameterSet
    shared: ParameterSet
    description: str = ""
    year: float = 2026.0
    budget: Expression | None = None
    per_country: Expression | None = None
    total_cost: str | None = None
    smuggling: Expression | None = None
    links: tuple[Link, ...] = ()
    china: ChinaResponse | None = None
    skipped: tuple[tuple[str, str], ...] = ()
    path: str = "<dict>"
    policy: Policy = field(default_factory=Policy)

    def deal(self, key: str) -> PortfolioDeal:
        """The portfolio's deal called ``key``."""
        for d in self.deals:
            if d.key == key:
                return d
        raise DealFileError(f"no deal {key!r}; the deals are {[d.key for d in self.deals]}",
                            path=self.path, field="deals")

    def bind(self, **values: float) -> "Portfolio":
        """The same portfolio with some of its own or shared parameters fixed at values.

        >>> p = load_portfolio("teaching").bind(precedent=0.0)
        >>> p.parameters["precedent"].value, p.parameters["precedent"].range
        (0.0, None)
        """
        sets = {"parameters": list(self.parameters.values()),
                "shared": list(self.shared.values())}
        known = {p.name for group in sets.values() for p in group}
        for name in values:
            if name not in known:
                raise DealFileError(f"no parameter {name!r}; the portfolio's parameters are "
                                    f"{listing(sorted(known))}", path=self.path, field=f"bind.{name}")
        for group, items in sets.items():
            sets[group] = ParameterSet([
                Parameter(p.name, float(values[p.name]), unit=p.unit, source=p.source)
                if p.name in values else p for p in items])
        return replace(self, **sets)

    def solve(self, **options: Any) -> Any:
        """Solve every regime over Monte Carlo draws (see :func:`deals.solve_portfolio`)."""
        from deals.portfolio.regimes import solve_portfolio  # start-up time: reading a file needs no solver

        return solve_portfolio(self, **options)

    def __repr__(self) -> str:
        return (f"Portfolio({self.name!r}: {[d.key for d in self.deals]}, "
                f"{len(self.links)} links)")


def portfolio_names() -> list[str]:
    """Names of the bundled portfolios.

    >>> "article" in portfolio_names() and "teaching" in portfolio_names()
    True
    """
    return sorted(p.stem for p in PORTFOLIOS.glob("*.toml"))


def load_portfolio(name_or_path: str | os.PathLike[str]) -> Portfolio:
    """Load and validate a portfolio: a bundled name (``"article"``, ``"teaching"``) or a path.

    Deals are library names or paths relative to the portfolio file; an entry marked
    ``optional = true`` whose deal does not exist is skipped and listed in ``skipped``.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A bundled portfolio's name (``"article"``, ``"teaching"``) or the path of a
        portfolio file.

    Examples
    --------
    >>> p = load_portfolio("teaching")
    >>> len(p.deals)   # three deals, one link of each kind
    3
    """
    text = str(name_or_path)
    is_path = isinstance(name_or_path, os.PathLike) or text.endswith(".toml") or os.sep in text
    path = Path(text) if is_path else PORTFOLIOS / f"{text}.toml"
    if not is_path and text not in portfolio_names():
        raise DealFileError(f"no such portfolio; the bundled ones are {portfolio_names()}, or "
                            "give a path to a .toml portfolio file", path=text, field="(file)")
    doc = parse_toml(read_file(path, text, kind="portfolio"), text)
    return portfolio_from_dict(doc, path=text, base=path.parent)


def _deal_expression(r: DocumentReader, deal: Deal, text: str, field: str) -> Expression:
    """The expression of a portfolio field over the deal's names, its definitions written out
    (:func:`games.expressions.with_definitions`: built in sympy only the first time, after
    that from the facts kept of it, so a warm run does not import sympy)."""
    names = set(deal.parameters) | {i.name for i in deal.issues} | set(deal.definitions)
    return with_definitions(_expression(r, text, names, field), deal.definitions.items())


def _expression(r: DocumentReader, text: str, names: set[str], field: str) -> Expression:
    try:
        return parse_expression(" ".join(str(text).split()), names=names, where=field)
    except GameError as exc:
        raise r.fail(field, str(exc).replace(f"expression in {field} ", "expression ")) from None


def _issues_used(deal: Deal, expr: Expression) -> set[str]:
    """The deal's issues an expression with the deal's definitions written out uses."""
    return set(expr.names) & {i.name for i in deal.issues}


def _entry(r: DocumentReader, spec: Any, i: int, base: Path, limited: bool = False, *,
           where: str = "") -> PortfolioDeal | tuple[str, str]:
    where = where or f"deals[{i}]"
    if not isinstance(spec, Mapping):
        raise r.fail(where, "expected a table such as { deal = \"gulf-divestment-uae\", "
                     "volume = \"bought\", issue = \"chips\" }")
    hold_spec = spec.get("hold", {}) if isinstance(spec, Mapping) else {}
    if not isinstance(hold_spec, Mapping):
        raise r.fail(f"{where}.hold", "expected a table such as { chips_us = 0 }")
    security = spec.get("security", [])
    if not isinstance(security, list) or not all(isinstance(x, str) for x in security):
        raise r.fail(f"{where}.security", "expected a list of issue names, e.g. [\"safeguards\"]")
    spec = r.keys({k: v for k, v in spec.items() if k not in ("hold", "security")}, where,
                  _ENTRY, _ENTRY_OPTIONAL)
    name = spec["deal"]
    is_path = name.endswith(".toml") or "/" in name or os.sep in name
    exists = (base / name).is_file() if is_path else name in library_names()
    if not exists and spec.get("optional", False):
        return (name, "not found (optional deal skipped)")
    try:
        deal = load(base / name) if is_path else load(name)
    except DealFileError as exc:
        raise r.fail(f"{where}.deal", f"{exc}") from None
    setting = spec.get("setting", "")
    if setting:
        # The setting the deal's struck [outcome] (or [proposal]) was made in: its status quo
        # (e.g. a threat carried out), without which the file itself may allow no agreement.
        if setting not in ("proposal", "outcome"):
            raise r.fail(f"{where}.setting", f"{setting!r}: use 'outcome' (the struck deal's "
                         "setting) or 'proposal'")
        try:
            deal = deal.at_terms(setting)[0]
        except DealError as exc:
            raise r.fail(f"{where}.setting", str(exc)) from None
    key = r.name(spec.get("key", deal.name.replace("-", "_")), f"{where}.key")
    if spec["issue"] not in {x.name for x in deal.issues}:
        raise r.fail(f"{where}.issue", f"deal {deal.name!r} has no issue {spec['issue']!r}; "
                     f"its issues are {[x.name for x in deal.issues]}")
    levels = spec.get("levels", 25)
    if levels != int(levels) or not 2 <= levels <= MAX_LEVELS:
        raise r.fail(f"{where}.levels", f"give a whole number of levels from 2 to {MAX_LEVELS}")
    tier = spec.get("tier", 2)
    if tier not in (1, 2):
        raise r.fail(f"{where}.tier", "1 (outside the budget) or 2 (counts against it)")
    issues = {x.name: x for x in deal.issues}
    hold = {}
    for name, value in hold_spec.items():
        value = r.number(value, f"{where}.hold.{name}")
        if name == spec["issue"]:
            raise r.fail(f"{where}.hold.{name}", "the volume issue cannot be held")
        if name in issues:   # an issue the deal does not have is ignored (files evolve)
            try:
                issues[name].check(value, f"{where}.hold.{name}")
            except GameError as exc:
                raise r.fail(f"{where}.hold.{name}", str(exc).split(": ", 1)[-1]) from None
            hold[name] = value
    for name in security:
        if name not in issues or name == spec["issue"] or name in hold:
            raise r.fail(f"{where}.security", f"{name!r} is not one of the deal's other issues "
                         f"{sorted(set(issues) - {spec['issue']} - set(hold))}")
    exprs = {k: _deal_expression(r, deal, spec[k], f"{where}.{k}")
             for k in ("volume", "blocked", "diverted", "demand") if k in spec}
    free = sorted(_issues_used(deal, exprs["volume"]) - {spec["issue"]} - set(hold))
    if free and limited:
        raise r.fail(f"{where}.volume", f"moves with issue {free[0]!r} besides "
                     f"{spec['issue']!r}; under a budget hold it (hold = {{ {free[0]} = 0 }}) "
                     "or make it the volume issue: the limits cannot cut what it licenses")
    return PortfolioDeal(key, deal, spec["issue"], exprs["volume"], int(levels), int(tier),
                         exprs.get("blocked"), exprs.get("diverted"), exprs.get("demand"), hold,
                         setting, tuple(security))


def portfolio_from_dict(doc: Mapping[str, Any], path: str = "<dict>", base: Path | None = None
                        ) -> Portfolio:
    """Build a validated :class:`Portfolio` from a parsed TOML document (errors name ``path``)."""
    r = DocumentReader(str(path))
    base = base or Path(".")
    if not isinstance(doc, Mapping):
        raise r.fail("(document)", "expected a TOML document of tables")
    for key in doc:
        if key not in _TOP:
            raise r.fail(key, f"unknown table; the tables are {list(_TOP)}")
    head = r.keys(r.table(doc, "portfolio", ""), "portfolio", _HEAD, _HEAD_OPTIONAL)
    table = "partners" in doc
    entries = doc.get("deals", [] if table else None)
    if not isinstance(entries, list) or not (entries or table):
        raise r.fail("deals", "give the deals as [[deals]] tables (at least one), or a "
                     "[partners] table")
    if len(entries) > MAX_DEALS:
        raise r.fail("deals", f"{len(entries)} deals, more than {MAX_DEALS}")
    deals, skipped = [], []
    limits = doc.get("budget")
    limited = isinstance(limits, Mapping) and bool({"total", "per_country"} & set(limits))
    for i, spec in enumerate(entries):
        got = _entry(r, spec, i, base, limited)
        (skipped if isinstance(got, tuple) else deals).append(got)
    if table:        # one deal per Tier-2 row of a partners table (deals/portfolio/partners.py)
        rows, outside = partner_entries(r, doc, base, limited, _entry,
                                        lambda p, shown: read_file(p, shown, kind="partners"))
        deals.extend(rows)
        skipped.extend(outside)
    elif "archetypes" in doc:
        raise r.fail("archetypes", "archetypes are used by a [partners] table; add one")
    keys = [d.key for d in deals]
    if len(set(keys)) != len(keys):
        raise r.fail("deals", f"two deals share a key ({keys}); give each a distinct key")
    if not deals:
        raise r.fail("deals", "none of the deals exists")
    own = [parameter_from_spec(r, n, s, "parameters")
           for n, s in r.table(doc, "parameters", "", required=False).items()]
    shared = [parameter_from_spec(r, n, s, "shared")
              for n, s in r.table(doc, "shared", "", required=False).items()]
    for p in shared:
        if not any(p.name in set(d.deal.parameters) for d in deals):
            raise r.fail(f"shared.{p.name}", "no deal of the portfolio has a parameter of this "
                         "name; shared parameters replace the deals' own")
    clash = {p.name for p in own} & {p.name for p in shared}
    if clash:
        raise r.fail(f"parameters.{sorted(clash)[0]}", "also a shared parameter; rename one")
    names = {p.name for p in own} | {p.name for p in shared}
    top = lambda text, field: _expression(r, text, names, field)  # noqa: E731
    budget = r.keys(r.table(doc, "budget", "", required=False), "budget", {},
                    {"total": "expression", "per_country": "expression", "source": str})
    cost = r.keys(r.table(doc, "total_cost", "", required=False), "total_cost", {},
                  {"parameter": str, "note": str})
    if "parameter" in cost and cost["parameter"] not in {p.name for p in shared}:
        raise r.fail("total_cost.parameter", "name a [shared] parameter (each deal's parameter "
                     "of that name is set to 0 and the cost falls on the total volume)")
    links = []
    table = r.table(doc, "links", "", required=False)
    for kind in table:
        if kind not in _LINKS:
            raise r.fail(f"links.{kind}", f"unknown link; the links are {list(_LINKS)}")
        if not isinstance(table[kind], list):
            raise r.fail(f"links.{kind}", f"write each link as a [[links.{kind}]] table")
        for i, spec in enumerate(table[kind]):
            where = f"links.{kind}[{i}]"
            if not isinstance(spec, Mapping):
                raise r.fail(where, "expected a table with from, to and "
                             + ("strength" if kind == "precedent" else "share"))
            spec = r.keys(spec, where, *_LINKS[kind])
            links.append(_link(r, kind, spec, where, deals, skipped, top))
    policy = policy_from_table(r.table(doc, "policy", "", required=False), r.fail, top)
    china = None
    if "china_response" in doc:
        china = _china(r, r.table(doc, "china_response", ""), deals, top)
        first, last = china.capacity[0][0], china.capacity[-1][0]
        year = head.get("year", 2026.0)
        if not first <= year <= last:
            raise r.fail("portfolio.year", f"{year:g} is outside the years of "
                         f"china_response.capacity ({first:g} to {last:g}); give a year inside "
                         "them or extend the curve")
    return Portfolio(
        name=head["name"], title=head["title"], deals=tuple(deals),
        parameters=ParameterSet(own), shared=ParameterSet(shared),
        description=head.get("description", ""), year=head.get("year", 2026.0),
        budget=top(budget["total"], "budget.total") if "total" in budget else None,
        per_country=(top(budget["per_country"], "budget.per_country")
                     if "per_country" in budget else None),
        total_cost=cost.get("parameter"),
        smuggling=top(head["smuggling"], "portfolio.smuggling") if "smuggling" in head else None,
        links=tuple(l for l in links if l is not None), china=china, skipped=tuple(skipped),
        path=str(path), policy=policy)


def _link(r, kind, spec, where, deals, skipped, top) -> Link | None:
    keys = {d.key: d for d in deals}
    gone = {name for name, _ in skipped}
    ends = []
    for end in ("from", "to"):
        key = spec[end]
        if key == "outside" and end == "to" and kind == "displacement":
            ends.append(key)
            continue
        if key not in keys:
            if key in gone or any(key == n.replace("-", "_") for n in gone):
                return None  # a link to a skipped optional deal is dropped with it
            raise r.fail(f"{where}.{end}", f"no deal {key!r} in this portfolio; the keys are "
                         f"{sorted(keys)}" + (" (or 'outside')" if end == "to"
                                              and kind == "displacement" else ""))
        ends.append(key)
    if ends[0] == ends[1]:
        raise r.fail(where, "a link joins two different deals")
    amount = top(spec["strength" if kind == "precedent" else "share"],
                 f"{where}.{'strength' if kind == 'precedent' else 'share'}")
    if kind == "displacement":
        source = keys[ends[0]]
        if source.blocked is None:
            raise r.fail(f"{where}.from", f"deal {ends[0]!r} states no 'blocked' expression "
                         "(the smuggling its enforcement blocks)")
        for key, end, deal_key in (("parameter", "from", ends[0]), ("inflow", "to", ends[1])):
            name = spec.get(key)
            if name and (deal_key == "outside" or name not in set(keys[deal_key].deal.parameters)):
                raise r.fail(f"{where}.{key}", f"deal {deal_key!r} has no parameter {name!r}")
    return Link(kind, ends[0], ends[1], amount, spec.get("parameter", ""),
                spec.get("inflow", ""), spec.get("note", ""))


def _china(r, table, deals, top) -> ChinaResponse:
    for key in table:
        if key not in {**_CHINA, **_CHINA_OPTIONAL}:
            raise r.fail(f"china_response.{key}", "unknown field; the fields are "
                         f"{sorted({**_CHINA, **_CHINA_OPTIONAL})}")
    for key in _CHINA:
        if key not in table:
            raise r.fail(f"china_response.{key}", f"missing field; add {key} = ...")
    name = r.typed(table["parameter"], str, "china_response.parameter")
    curve = table["capacity"]
    if not isinstance(curve, list) or not curve or not all(
            isinstance(p, list) and len(p) == 2 for p in curve):
        raise r.fail("china_response.capacity", "give [[year, capacity], ...] pairs, capacity "
                     "in 100k H100e per year")
    points = tuple((r.number(y, f"china_response.capacity[{i}][0]"),
                    r.number(c, f"china_response.capacity[{i}][1]"))
                   for i, (y, c) in enumerate(curve))
    if any(b[0] <= a[0] for a, b in zip(points, points[1:])) or any(c < 0 for _, c in points):
        raise r.fail("china_response.capacity", "years must rise and capacities be >= 0")
    with_it = [d.key for d in deals if name in set(d.deal.parameters)]
    chosen = table.get("deals", with_it)
    if not isinstance(chosen, list) or not all(isinstance(k, str) for k in chosen):
        raise r.fail("china_response.deals", "give a list of deal keys")
    for k in chosen:
        if k not in with_it:
            raise r.fail("china_response.deals", f"deal {k!r} is not in the portfolio or has no "
                         f"parameter {name!r}")
    if not chosen:
        raise r.fail("china_response.parameter", f"no deal has a parameter {name!r}")
    return ChinaResponse(name, points, top(table["scale"], "china_response.scale"),
                         top(table["response"], "china_response.response"), tuple(chosen),
                         r.typed(table.get("source", ""), str, "china_response.source"))
