"""The ``[beliefs]`` section of a deal file: what each side believes about the other.

``[beliefs.supplier]`` and ``[beliefs.partner]`` (docs/deal-files.md) give, for some of the
deal's parameters, the distribution that side believes in (about the other side's outside
option or costs), in the same form as a parameter; the partner may also state ``resolve``,
the probability it puts on the supplier carrying out its threat. What the beliefs imply is
computed in :mod:`deals.two_level.beliefs`.

>>> import deals
>>> b = deals.load("india-energy-trade").beliefs
>>> list(b), list(b["supplier"].parameters)
(['supplier', 'partner'], ['russian_discount', 'russian_volume'])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from deals.deal.parameter_tables import parameter_to_dict
from deals.deal.sections.actors import BySide
from deals.deal.terms import SIDES, side_tables
from deals.errors import DealError
from games.errors import GameError
from games.parameters import Parameter, ParameterSet

#: The partner's belief that the supplier carries out its threat (a probability, not a parameter).
RESOLVE = "resolve"
#: Added to the seed for belief draws, so a belief is not drawn at the truth's own quantile.
BELIEF_SEED_OFFSET = 7_919


@dataclass(frozen=True)
class SideBelief:
    """One side's believed distributions (a ParameterSet), and its note."""

    side: str
    parameters: ParameterSet
    description: str = ""

    @property
    def resolve(self) -> Parameter | None:
        """The belief that the other side carries out its threat, if stated."""
        return self.parameters[RESOLVE] if RESOLVE in list(self.parameters) else None

    @property
    def about(self) -> list[str]:
        """The deal parameters this side holds beliefs about."""
        return [k for k in self.parameters if k != RESOLVE]


@dataclass(frozen=True)
class Beliefs(BySide):
    """The ``[beliefs]`` table: :class:`SideBelief` by side."""

    def checked(self, deal: Any, parse: Any = None) -> "Beliefs":
        """Validated against ``deal``: believed names are its parameters (or ``resolve``);
        ``parse`` is unused (a belief holds numbers, not expressions)."""
        known = set(deal.parameters)
        if RESOLVE in known:
            raise DealError(f"parameters.{RESOLVE}: the name is reserved for [beliefs] (the "
                            "belief that a threat is carried out); rename the parameter")
        for side, belief in self.sides.items():
            where = f"beliefs.{side}"
            if side not in SIDES:
                raise DealError(f"{where}: beliefs belong to 'supplier' or 'partner'")
            for name in belief.parameters:
                if name == RESOLVE:
                    if side != "partner":
                        raise DealError(f"{where}.{RESOLVE}: the offer tree's threat is the "
                                        "supplier's; the partner's belief in it goes in "
                                        "[beliefs.partner.resolve]")
                    p = belief.parameters[name]
                    if not 0 <= p.low <= p.high <= 1:
                        raise DealError(f"{where}.{RESOLVE}: a probability; give value and "
                                        "range inside [0, 1]")
                elif name not in known:
                    raise DealError(f"{where}.{name}: no such parameter; a belief is about one "
                                    f"of the deal's parameters {sorted(known)} (or {RESOLVE!r})")
        return self


_BELIEF_KEYS = {"value": "number"}
_BELIEF_OPTIONAL = {"range", "distribution", "unit", "source"}


def beliefs_from_dict(table: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> Beliefs:
    """The ``[beliefs]`` table of a file as :class:`Beliefs` (checked later against the deal)."""
    sides = {}
    for side, where, spec in side_tables(
            table, "beliefs", fail, "[beliefs.supplier.NAME] or [beliefs.partner.NAME]",
            "expected tables [beliefs.SIDE.NAME] with value and range"):
        description = spec.get("description", "")
        if not isinstance(description, str):
            raise fail(f"{where}.description", "expected text")
        found = []
        for name, p in spec.items():
            if name == "description":
                continue
            at = f"{where}.{name}"
            if not isinstance(p, Mapping):
                raise fail(at, "expected a table with value, range, distribution, source")
            for key in p:
                if key not in {*_BELIEF_KEYS, *_BELIEF_OPTIONAL}:
                    raise fail(f"{at}.{key}", f"unknown field; the fields are "
                               f"{sorted({*_BELIEF_KEYS, *_BELIEF_OPTIONAL})}")
            if "value" not in p:
                raise fail(f"{at}.value", "missing field; add value = ...")
            rng = p.get("range")
            if rng is not None and (not isinstance(rng, list) or len(rng) != 2):
                raise fail(f"{at}.range", f"expected [low, high], got {rng!r}")
            try:
                found.append(Parameter(str(name), p["value"],
                                       range=None if rng is None else tuple(rng),
                                       distribution=p.get("distribution"),
                                       unit=p.get("unit", ""), source=p.get("source", "")))
            except (GameError, TypeError, ValueError) as exc:
                raise fail(at, str(exc)) from None
        if not found:
            raise fail(where, "give at least one believed parameter, e.g. "
                       f"[{where}.NAME] with value and range")
        sides[side] = SideBelief(side, ParameterSet(found), description)
    return Beliefs(sides)


def beliefs_to_dict(beliefs: Beliefs) -> dict[str, Any]:
    """The ``[beliefs]`` table of a deal file."""
    out: dict[str, Any] = {}
    for side in beliefs:
        b = beliefs[side]
        spec: dict[str, Any] = {"description": b.description} if b.description else {}
        spec.update({name: parameter_to_dict(p) for name, p in b.parameters.items()})
        out[side] = spec
    return out
