"""Staged deals as data: tranches on milestones, partner types, detection and snapback.

The ``[stages]`` table of a deal file (see docs/deal-files.md) says how the supplier releases
one of its issues in tranches, cumulative levels reached at each stage, while the partner
keeps or breaches the terms. Each partner *type* has a prior probability and, for each stage,
the probability that it keeps the terms through that stage if it has kept them so far. At the
milestone closing each stage a breach is detected with the ``detection`` probability (an
expression of parameters and issues, e.g. of a verification issue the partner gives at a
cost); on detection the *snapback* withholds the remaining tranches, revokes the ``snapback``
share of what was released (each side's outcome moves that share of the way back to its
outside option) and costs the partner a ``penalty``. Solving lives in :mod:`deals.stage_plan`.

>>> import deals
>>> s = deals.load("gulf-divestment-uae").stages
>>> s.issue, len(s.tranches), [t.name for t in s.types]
('chips', 3, ['reliable', 'opportunist'])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from deals.errors import DealError

#: Most stages and first-tranche candidates: the compiled tree grows with their product.
MAX_STAGES = 8
MAX_POINTS = 40


@dataclass(frozen=True)
class PartnerType:
    """A kind of partner: its prior probability and, per stage, the chance it keeps the terms."""

    name: str
    prior: Any
    comply: tuple[Any, ...]


@dataclass(frozen=True)
class Stages:
    """Tranches of one supplier issue released on milestones, with types, detection and snapback.

    ``tranches`` are the cumulative levels of ``issue`` during each stage; the first is chosen
    by the plan from ``first_tranche`` (a range searched at ``points`` levels); later ones are
    at least the first. ``breach`` gives the partner's issues while it breaches (by default
    each partner issue's status quo). ``terms`` names the deal's table whose terms are staged:
    ``"proposal"`` (default) or ``"outcome"`` (the deal struck).
    """

    issue: str
    tranches: tuple[float, ...]
    types: tuple[PartnerType, ...]
    detection: Any
    snapback: Any = 1.0
    penalty: Any = 0.0
    breach: Mapping[str, float] = field(default_factory=dict)
    first_tranche: tuple[float, float] | None = None  # None: just tranches[0]
    points: int = 12
    milestones: tuple[str, ...] = ()
    description: str = ""
    terms: str = "proposal"

    def candidates(self) -> np.ndarray:
        """The first tranches the plan weighs, smallest first."""
        lo, hi = self.first_tranche if self.first_tranche else (self.tranches[0], self.tranches[0])
        return np.unique(np.linspace(lo, hi, self.points))

    def checked(self, deal: Any, parse: Callable[[Any, Any, str], Any]) -> "Stages":
        """This table validated against ``deal`` (names, sides, ranges), expressions parsed."""
        issues = {i.name: i for i in deal.issues}
        params = set(deal.parameters)
        given = parse

        def parse(value: Any, names: Any, where: str) -> Any:  # numbers are expressions too
            plain = isinstance(value, (int, float)) and not isinstance(value, bool)
            return given(repr(float(value)) if plain else value, names, where)

        if self.issue not in issues or issues[self.issue].giver != "supplier":
            given = [i.name for i in deal.issues if i.giver == "supplier"]
            raise DealError(f"stages.issue: {self.issue!r} is not an issue the supplier gives; "
                            f"use one of {given}")
        tranches = tuple(float(t) for t in self.tranches)
        if not 1 <= len(tranches) <= MAX_STAGES:
            raise DealError(f"stages.tranches: give 1 to {MAX_STAGES} cumulative levels, one per "
                            f"stage; got {len(tranches)}")
        for k, t in enumerate(tranches):
            issues[self.issue].check(t, f"stages.tranches[{k}]")
        if any(b < a for a, b in zip(tranches, tranches[1:])):
            raise DealError(f"stages.tranches: levels are cumulative and must not fall, got "
                            f"{list(tranches)}")
        first = self.first_tranche
        if first is not None:
            first = (float(first[0]), float(first[1]))
            if not (0 <= first[1] - first[0]) or first[1] > tranches[-1]:
                raise DealError(f"stages.first_tranche: give [low, high] with low <= high <= the "
                                f"last tranche {tranches[-1]:g}; got {list(first)}")
            for k, v in enumerate(first):
                issues[self.issue].check(v, f"stages.first_tranche[{k}]")
        if not 1 <= int(self.points) <= MAX_POINTS:
            raise DealError(f"stages.points: give 1 to {MAX_POINTS} first tranches to weigh")
        if not self.types:
            raise DealError("stages.types: give at least one partner type, e.g. "
                            "[stages.types.reliable] with prior and comply")
        types = []
        for t in self.types:
            where = f"stages.types.{t.name}"
            if len(t.comply) != len(tranches):
                raise DealError(f"{where}.comply: give one probability per stage "
                                f"({len(tranches)}), got {len(t.comply)}")
            types.append(PartnerType(t.name, parse(t.prior, params, f"{where}.prior"),
                                     tuple(parse(c, params, f"{where}.comply[{k}]")
                                           for k, c in enumerate(t.comply))))
        for name, v in self.breach.items():
            if name not in issues or issues[name].giver != "partner":
                raise DealError(f"stages.breach.{name}: not an issue the partner gives")
            issues[name].check(v, f"stages.breach.{name}")
        breach = {i.name: float(self.breach.get(i.name, i.status_quo))
                  for i in deal.issues if i.giver == "partner"}
        if self.terms not in ("proposal", "outcome") or getattr(deal, self.terms) is None:
            raise DealError(f"stages.terms: the staged terms are the deal's 'proposal' or "
                            f"'outcome', and that table must exist; got {self.terms!r}")
        if self.milestones and len(self.milestones) != len(tranches):
            raise DealError(f"stages.milestones: give one name per stage ({len(tranches)}), "
                            f"got {len(self.milestones)}")
        return replace(self, tranches=tranches, types=tuple(types), first_tranche=first,
                       points=int(self.points), milestones=tuple(self.milestones),
                       breach=breach,
                       detection=parse(self.detection, params | set(issues), "stages.detection"),
                       snapback=parse(self.snapback, params, "stages.snapback"),
                       penalty=parse(self.penalty, params, "stages.penalty"))


_KEYS = {"issue": str, "tranches": "numbers", "detection": "expression"}
_OPTIONAL = {"snapback": "expression", "penalty": "expression", "breach": "table",
             "first_tranche": "pair", "points": "number", "milestones": "texts",
             "description": str, "types": "table", "terms": str}


def stages_from_dict(table: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> Stages:
    """The ``[stages]`` table of a file as :class:`Stages` (checked later against the deal)."""
    for key in table:
        if key not in {**_KEYS, **_OPTIONAL}:
            raise fail(f"stages.{key}", f"unknown field; the fields are "
                       f"{sorted({**_KEYS, **_OPTIONAL})}")
    for key in _KEYS:
        if key not in table:
            raise fail(f"stages.{key}", f"missing field; add {key} = ...")

    def numbers(value: Any, where: str) -> tuple[float, ...]:
        if not isinstance(value, Sequence) or isinstance(value, str) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise fail(where, f"expected a list of numbers, got {value!r}")
        return tuple(float(v) for v in value)

    def text(value: Any, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise fail(where, f"expected a number or an expression text, got {value!r}")
        return value

    if not isinstance(table.get("types", {}), Mapping):
        raise fail("stages.types", "expected tables [stages.types.NAME] with prior and comply")
    types = []
    for name, spec in dict(table.get("types", {})).items():
        where = f"stages.types.{name}"
        if not isinstance(spec, Mapping) or set(spec) - {"prior", "comply", "description"} \
                or not {"prior", "comply"} <= set(spec):
            raise fail(where, "expected a table with prior and comply (one per stage)")
        comply = spec["comply"]
        if not isinstance(comply, list):
            raise fail(f"{where}.comply", "expected a list, one probability per stage")
        types.append(PartnerType(str(name), text(spec["prior"], f"{where}.prior"),
                                 tuple(text(c, f"{where}.comply[{k}]") for k, c in enumerate(comply))))
    breach = table.get("breach", {})
    if not isinstance(breach, Mapping):
        raise fail("stages.breach", "expected a table of partner issues, e.g. { divest = 0 }")
    milestones = table.get("milestones", [])
    if not isinstance(milestones, list) or not all(isinstance(m, str) for m in milestones):
        raise fail("stages.milestones", "expected a list of names, one per stage")
    first = table.get("first_tranche")
    if first is not None and (not isinstance(first, list) or len(first) != 2):
        raise fail("stages.first_tranche", f"expected [low, high], got {first!r}")
    points = table.get("points", 12)
    if isinstance(points, bool) or not isinstance(points, int):
        raise fail("stages.points", f"expected a whole number, got {points!r}")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise fail("stages.description", "expected text")
    if not isinstance(table["issue"], str):
        raise fail("stages.issue", f"expected the name of an issue, got {table['issue']!r}")
    return Stages(
        issue=table["issue"], tranches=numbers(table["tranches"], "stages.tranches"),
        types=tuple(types), detection=text(table["detection"], "stages.detection"),
        snapback=text(table.get("snapback", 1.0), "stages.snapback"),
        penalty=text(table.get("penalty", 0.0), "stages.penalty"),
        breach={k: (numbers([v], f"stages.breach.{k}")[0]) for k, v in breach.items()},
        first_tranche=None if first is None else numbers(first, "stages.first_tranche"),
        points=points, milestones=tuple(milestones),
        description=description, terms=str(table.get("terms", "proposal")))


def stages_to_dict(stages: Stages) -> dict[str, Any]:
    """The ``[stages]`` table of a deal file."""
    out: dict[str, Any] = {"issue": stages.issue, "tranches": list(stages.tranches),
                           "detection": str(stages.detection), "snapback": _plain(stages.snapback),
                           "penalty": _plain(stages.penalty), "breach": dict(stages.breach),
                           "points": stages.points}
    if stages.first_tranche is not None:
        out["first_tranche"] = list(stages.first_tranche)
    if stages.milestones:
        out["milestones"] = list(stages.milestones)
    if stages.description:
        out["description"] = stages.description
    if stages.terms != "proposal":
        out["terms"] = stages.terms
    out["types"] = {t.name: {"prior": _plain(t.prior), "comply": [_plain(c) for c in t.comply]}
                    for t in stages.types}
    return out


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float)) else str(value)
