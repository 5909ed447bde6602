"""Actors at home (Putnam's two-level game): who on each side must ratify a package, and how.

The ``[actors.supplier]`` / ``[actors.partner]`` tables of a deal file (docs/deal-files.md)
name the side's members (e.g. Commerce, Defense and Congress; a government and a firm), each
with its own utility over the deal's issues and parameters and its own outside option, and a
ratification rule: ``veto`` (every member), ``majority`` (a quota of members) or ``chair`` (the
chair decides; members on the losing side cost delay). Members marked ``check = true`` must
accept under any rule (a later check, such as a legislature). Each decision takes
``review_months`` plus ``dispute_months`` times the share of members overruled: that latency
lowers the side's discount factor per round, and so its bargaining power.

The maths is the engine's (:mod:`games.bargaining.winset`); :mod:`deals.two_level.ratification` runs it
over the analyst's draws.

>>> import deals
>>> home = deals.load("gulf-divestment-uae").actors["supplier"]
>>> home.rule, home.chair, [m.name for m in home.members]
('chair', 'Commerce', ['Commerce', 'Defense', 'Congress'])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from deals.errors import DealError
from deals.deal.terms import SIDES, side_tables
from games.bargaining.winset import RULES, Ratification

#: Most members a side may list (each adds a utility to every evaluation of the win-set).
MAX_MEMBERS = 12


@dataclass(frozen=True)
class Member:
    """One actor at home: its utility and outside option (expressions), and whether it is a check."""

    name: str
    utility: Any
    outside_option: Any = None  # None: the side's own outside option
    check: bool = False
    description: str = ""


@dataclass(frozen=True)
class SideActors:
    """A side's members and its ratification rule, with the delay each decision takes."""

    side: str
    rule: str
    members: tuple[Member, ...]
    chair: str | None = None
    quota: int | None = None
    review_months: Any = 0.0
    dispute_months: Any = 0.0
    description: str = ""

    def ratification(self) -> Ratification:
        """The engine's rule over this side's members (in file order)."""
        names = [m.name for m in self.members]
        return Ratification(self.rule, len(self.members),
                            chair=None if self.chair is None else names.index(self.chair),
                            checks=tuple(k for k, m in enumerate(self.members) if m.check),
                            quota=self.quota)


@dataclass(frozen=True)
class BySide(Mapping[str, Any]):
    """A deal-file table with one entry per side, iterated supplier first."""

    sides: Mapping[str, Any]

    def __getitem__(self, side: str) -> Any:
        return self.sides[side]

    def __iter__(self):
        return (s for s in SIDES if s in self.sides)

    def __len__(self) -> int:
        return len(self.sides)


@dataclass(frozen=True)
class HomeActors(BySide):
    """The ``[actors]`` table: :class:`SideActors` by side ('supplier', 'partner')."""

    def checked(self, deal: Any, parse: Callable[[Any, Any, str], Any]) -> "HomeActors":
        """Validated against ``deal`` (names, rule, chair) with every expression parsed and
        the deal's definitions written out, ready for vectorised evaluation."""
        params = set(deal.parameters)
        names = params | {i.name for i in deal.issues} | set(deal.definitions)

        def expression(value: Any, known: set[str], where: str) -> Any:
            plain = isinstance(value, (int, float)) and not isinstance(value, bool)
            return deal.inline(parse(repr(float(value)) if plain else value, known, where))

        out = {}
        for side, home in self.sides.items():
            where = f"actors.{side}"
            if side not in SIDES:
                raise DealError(f"{where}: actors belong to 'supplier' or 'partner'")
            if not 1 <= len(home.members) <= MAX_MEMBERS:
                raise DealError(f"{where}.members: give 1 to {MAX_MEMBERS} members, e.g. "
                                f"[{where}.members.NAME] with a utility")
            if home.rule not in RULES:
                raise DealError(f"{where}.rule: {home.rule!r} is not a rule; use one of "
                                f"{list(RULES)}")
            listed = [m.name for m in home.members]
            if home.rule == "chair" and home.chair not in listed:
                raise DealError(f"{where}.chair: a 'chair' rule needs the name of one member "
                                f"as chair; the members are {listed}")
            if home.rule != "chair" and home.chair is not None:
                raise DealError(f"{where}.chair: only a 'chair' rule has a chair")
            voters = sum(not m.check for m in home.members)
            if home.quota is not None and (home.rule != "majority"
                                           or not 1 <= home.quota <= voters):
                raise DealError(f"{where}.quota: a 'majority' rule's quota lies between 1 and "
                                f"the {voters} members that are not checks")
            if home.chair is not None and home.members[listed.index(home.chair)].check:
                raise DealError(f"{where}.chair: the chair cannot also be a check")
            members = tuple(replace(
                m, utility=expression(m.utility, names, f"{where}.members.{m.name}.utility"),
                outside_option=expression(
                    deal.outside_option[side].text if m.outside_option is None
                    else m.outside_option, names, f"{where}.members.{m.name}.outside_option"))
                for m in home.members)
            out[side] = replace(home, members=members,
                                review_months=expression(home.review_months, params,
                                                         f"{where}.review_months"),
                                dispute_months=expression(home.dispute_months, params,
                                                          f"{where}.dispute_months"))
            out[side].ratification()  # the engine's own checks (quota against voters)
        return HomeActors(out)


def member_gains(deal: Any, side: str, outcome: Mapping[str, Any], values: Mapping[str, Any]
                 ) -> np.ndarray:
    """Each member's utility minus its outside option: shape (members, *broadcast shape).

    Issues missing from ``outcome`` stay at their status quo (as in :meth:`Deal.utilities`).

    >>> import deals
    >>> deal = deals.load("gulf-divestment-uae")
    >>> member_gains(deal, "supplier", deal.outcome_values(deal.proposal.values),
    ...              deal.values()).shape
    (3,)
    """
    scope = {**deal.values(), **values, **{i.name: i.status_quo for i in deal.issues}, **outcome}
    rows = []
    for m in deal.actors[side].members:
        u = np.asarray(m.utility(**{n: scope[n] for n in m.utility.names}), dtype=float)
        d = np.asarray(m.outside_option(**{n: scope[n] for n in m.outside_option.names}),
                       dtype=float)
        for key, value in (("utility", u), ("outside_option", d)):
            _finite(value, f"actors.{side}.members.{m.name}.{key}")
        rows.append(u - d)
    return np.stack(np.broadcast_arrays(*rows))


def _finite(value: np.ndarray, field: str, least: float = -np.inf) -> None:
    """Refuse a value with no finite real value (or below ``least``) at some package or draw,
    naming the field: the engine would only say its constraint or discount factor is bad."""
    bad = ~(np.isfinite(value) & (value >= least))
    if bad.any():
        shown = float(np.asarray(value)[bad].flat[0])
        need = "a finite number" + (f" of at least {least:g}" if least > -np.inf else "")
        raise DealError(f"{field}: {shown:g} at some packages or draws; it must be {need} "
                        "over the issues' and parameters' ranges")


def latency(deal: Any, side: str, outcome: Mapping[str, Any], values: Mapping[str, Any]
            ) -> np.ndarray:
    """Months the side's ratification of ``outcome`` takes: review plus dispute x dissent."""
    home = deal.actors[side]
    scope = {**deal.values(), **values}
    dissent = home.ratification().dissent(member_gains(deal, side, outcome, values))
    review, dispute = (np.asarray(e(**{n: scope[n] for n in e.names}), dtype=float)
                       for e in (home.review_months, home.dispute_months))
    for key, value in (("review_months", review), ("dispute_months", dispute)):
        _finite(value, f"actors.{side}.{key}", least=0.0)
    return review + dispute * dissent


@dataclass(frozen=True)
class WinSetSlack:
    """The deal's win-sets as the engine's constraint: non-negative where every side with
    actors ratifies (picklable, so a sweep can carry it to other processes)."""

    deal: Any

    def __call__(self, outcome: Mapping[str, np.ndarray], parameters: Mapping[str, np.ndarray]
                 ) -> np.ndarray:
        slack = None
        for side in self.deal.actors or {}:
            s = self.deal.actors[side].ratification().slack(
                member_gains(self.deal, side, outcome, parameters))
            slack = s if slack is None else np.minimum(slack, s)
        if slack is None:
            raise DealError(f"deal {self.deal.name!r} has no [actors]; add [actors.supplier] "
                            "or [actors.partner]")
        return slack


_SIDE_KEYS = {"rule", "chair", "quota", "review_months", "dispute_months", "description",
              "members"}
_MEMBER_KEYS = {"utility", "outside_option", "check", "description"}


def actors_from_dict(table: Mapping[str, Any], fail: Callable[[str, str], Exception]
                     ) -> HomeActors:
    """The ``[actors]`` table of a file as :class:`HomeActors` (checked later against the deal)."""
    sides = {}
    for side, where, spec in side_tables(
            table, "actors", fail, "[actors.supplier] or [actors.partner]",
            "expected a table with rule and [..members.NAME] tables"):
        for key in spec:
            if key not in _SIDE_KEYS:
                raise fail(f"{where}.{key}", f"unknown field; the fields are {sorted(_SIDE_KEYS)}")
        for key in ("rule", "members"):
            if key not in spec:
                raise fail(f"{where}.{key}", f"missing field; add {key} = ..." if key == "rule"
                           else f"missing table; add [{where}.members.NAME] tables")
        rule = spec["rule"]
        if not isinstance(rule, str):
            raise fail(f"{where}.rule", f"expected one of {list(RULES)} in quotes")
        chair = spec.get("chair")
        if chair is not None and not isinstance(chair, str):
            raise fail(f"{where}.chair", "expected a member's name in quotes")
        quota = spec.get("quota")
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int)):
            raise fail(f"{where}.quota", f"expected a whole number, got {quota!r}")
        if not isinstance(spec.get("description", ""), str):
            raise fail(f"{where}.description", "expected text")
        if not isinstance(spec["members"], Mapping):
            raise fail(f"{where}.members", "expected tables [..members.NAME] with a utility")
        members = []
        for name, m in spec["members"].items():
            at = f"{where}.members.{name}"
            if not isinstance(m, Mapping):
                raise fail(at, "expected a table with utility (and optionally outside_option, "
                           "check, description)")
            for key in m:
                if key not in _MEMBER_KEYS:
                    raise fail(f"{at}.{key}", f"unknown field; the fields are "
                               f"{sorted(_MEMBER_KEYS)}")
            if "utility" not in m:
                raise fail(f"{at}.utility", "missing field; add utility = \"...\"")
            for key in ("utility", "outside_option"):
                if key in m and (isinstance(m[key], bool)
                                 or not isinstance(m[key], (str, int, float))):
                    raise fail(f"{at}.{key}", "expected an expression in quotes")
            if not isinstance(m.get("check", False), bool):
                raise fail(f"{at}.check", "expected true or false")
            if not isinstance(m.get("description", ""), str):
                raise fail(f"{at}.description", "expected text")
            members.append(Member(str(name), m["utility"], m.get("outside_option"),
                                  m.get("check", False), m.get("description", "")))
        for key in ("review_months", "dispute_months"):
            value = spec.get(key, 0.0)
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise fail(f"{where}.{key}", "expected a number of months or an expression")
        sides[side] = SideActors(side, rule, tuple(members), chair, quota,
                                 spec.get("review_months", 0.0), spec.get("dispute_months", 0.0),
                                 spec.get("description", ""))
    return HomeActors(sides)


def actors_to_dict(actors: HomeActors) -> dict[str, Any]:
    """The ``[actors]`` table of a deal file."""
    out: dict[str, Any] = {}
    for side in actors:
        home = actors[side]
        spec: dict[str, Any] = {"rule": home.rule, "review_months": _text(home.review_months),
                                "dispute_months": _text(home.dispute_months)}
        if home.chair is not None:
            spec["chair"] = home.chair
        if home.quota is not None:
            spec["quota"] = home.quota
        if home.description:
            spec["description"] = home.description
        spec["members"] = {}
        for m in home.members:
            entry: dict[str, Any] = {"utility": _text(m.utility)}
            if m.outside_option is not None:
                entry["outside_option"] = _text(m.outside_option)
            if m.check:
                entry["check"] = True
            if m.description:
                entry["description"] = m.description
            spec["members"][m.name] = entry
        out[side] = spec
    return out


def _text(value: Any) -> Any:
    """An expression's source text (numbers stay numbers)."""
    if isinstance(value, (int, float)):
        return value
    return getattr(value, "text", str(value))
