"""A deal written back as its TOML document (the inverse of :mod:`deals.deal.schema`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deals.deal.parameter_tables import parameter_to_dict
from deals.deal.sections import SECTIONS
from deals.deal.terms import SIDES

if TYPE_CHECKING:
    from deals.deal.model import Deal

#: The optional tables of a ``[proposal]`` or ``[outcome]`` besides its terms.
TERMS_TABLES = ("setting", "disputed")


def deal_to_dict(deal: Deal) -> dict[str, Any]:
    """The TOML document of a deal (plain dicts, lists, strings and numbers)."""
    head: dict[str, Any] = {"name": deal.name, "title": deal.title, "supplier": deal.supplier,
                            "partner": deal.partner}
    if deal.description:
        head["description"] = deal.description
    if deal.months_between_offers != 1.0:
        head["months_between_offers"] = deal.months_between_offers
    doc: dict[str, Any] = {"deal": head, "parameters": {}, "issues": {}}
    for name, p in deal.parameters.items():
        doc["parameters"][name] = parameter_to_dict(p)
    for issue in deal.issues:
        spec = {"range": list(issue.range), "giver": issue.giver}
        for key in ("unit", "description"):
            if getattr(issue, key):
                spec[key] = getattr(issue, key)
        if issue.levels is not None:
            spec["levels"] = list(issue.levels)
        if issue.default is not None:
            spec["default"] = issue.default
        doc["issues"][issue.name] = spec
    if deal.definitions:
        doc["definitions"] = {k: e.text for k, e in deal.definitions.items()}
    doc["utility"] = {s: deal.utility[s].text for s in SIDES}
    doc["outside_option"] = {s: deal.outside_option[s].text for s in SIDES}
    if deal.discount is not None:
        doc["discount"] = {s: deal.discount[s].text for s in SIDES}
    if deal.stances:
        doc["stances"] = {}
        for stance in deal.stances:
            spec = dict(stance.fixes)
            if stance.walk_away:
                spec["walk_away"] = True
            if stance.description:
                spec["description"] = stance.description
            doc["stances"].setdefault(stance.side, {})[stance.name] = spec
    for key in ("proposal", "outcome"):
        terms = getattr(deal, key)
        if terms is not None:
            spec = {k: getattr(terms, k) for k in ("description", "source", "imposed")
                    if getattr(terms, k)}
            if terms.rests_on:
                spec["rests_on"] = list(terms.rests_on)
            if terms.unsettled:
                spec["unsettled"] = list(terms.unsettled)
            if terms.first_tranche:
                spec["first_tranche"] = True
            if terms.explained:
                spec["explained"] = dict(terms.explained)
            spec["terms"] = dict(terms.values)
            for part in TERMS_TABLES:
                if getattr(terms, part):
                    spec[part] = dict(getattr(terms, part))
            doc[key] = spec
    if deal.belief is not None:
        spec = {"description": deal.belief.description} if deal.belief.description else {}
        spec["values"] = dict(deal.belief.values)
        doc["belief"] = spec
    for section in SECTIONS:
        if getattr(deal, section.key) is not None:
            doc[section.key] = section.write(getattr(deal, section.key))
    return doc
