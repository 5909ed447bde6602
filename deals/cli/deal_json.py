"""The JSON of ``show``, ``solve`` and ``frontier``: data whose keys never depend on the deal.

The tables for people name their columns after the deal's sides, stances and issues
(``UAE: hedge``, ``payoff US``, ``chips``); a program needs one filter for every deal. So each
side is a value (``"side": "supplier"`` or ``"partner"``, its name in ``sides``), each stance a
``{"side", "stance", ...}`` record and each package an ``issues`` list of
``{"name", "unit", "value"}`` records. The shapes are pinned by ``deals/show.schema.json``,
``solve.schema.json`` and ``frontier.schema.json`` (issue 26).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from deals.audit.assessment import GAIN_UNIT
from deals.deal.model import Deal
from deals.views.output import Section, tables_data

#: Version of the JSON of ``show``, ``solve`` and ``frontier`` (2: sides, stances and issues
#: are values, not keys; version 1 named columns after them).
DEAL_SCHEMA_VERSION = 2
SIDES = ("supplier", "partner")


def envelope(command: str, deal: Deal, sections: Sequence[Section],
             rows: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The command's object: who the sides are, the gain unit, and its tables, with the rows
    of the tables named in ``rows`` replaced by those records."""
    tables = tables_data(sections)
    for key, records in rows.items():
        tables[key]["rows"] = records
    return {"schema_version": DEAL_SCHEMA_VERSION, "command": command, "deal": deal.name,
            "sides": [{"side": s, "name": deal.party(s)} for s in SIDES],
            "gain_unit": GAIN_UNIT, "tables": tables}


def issue_records(deal: Deal, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A package's issues as ``{"name", "unit", "value"}`` records, in the deal's order."""
    return [{"name": i.name, "unit": i.unit, "value": float(values[i.name])}
            for i in deal.issues if i.name in values]


def _role(deal: Deal, party: str) -> str:
    return next((s for s in SIDES if deal.party(s) == party), party)


# ---- show -----------------------------------------------------------------------------------

def show_rows(deal: Deal) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``show``'s tables whose sides or issues were keys or names."""
    rows: dict[str, list[dict[str, Any]]] = {
        "issues": [{"issue": i.name, "giver": i.giver, "low": i.range[0], "high": i.range[1],
                    "unit": i.unit, "levels": list(i.levels) if i.levels is not None else None,
                    "status_quo": i.status_quo, "description": i.description}
                   for i in deal.issues],
        "utilities": [{"side": s, "utility": deal.utility[s].text,
                       "outside_option": deal.outside_option[s].text} for s in SIDES],
        "stances": [{"side": s.side, "stance": s.name, "walk_away": bool(s.walk_away),
                     "issues": [] if s.walk_away else issue_records(deal, dict(s.fixes)),
                     "description": s.description} for s in deal.stances]}
    tabled = terms_on_the_table(deal)
    if tabled:
        rows["terms_on_the_table"] = [
            {"terms": label, "issues": issue_records(deal, dict(t.values)),
             **{f"{s}_gain": float(g) for s, g in zip(SIDES, bound.gains(values))}}
            for label, t, bound, values in tabled]
    return rows


def terms_on_the_table(deal: Deal) -> list[tuple[str, Any, Deal, dict[str, float]]]:
    """The proposal and the deal as struck, each with the deal bound at its own setting (the
    parameter values in force when those terms were on the table) and its complete terms.

    >>> import deals
    >>> [(label, bound.values()["cap_in_force"]) for label, _, bound, _ in
    ...  terms_on_the_table(deals.load("tier-upgrade-poland"))]
    [('proposal', 1.0), ('real outcome', 0.0)]
    """
    return [(label, t, *deal.at_terms(which)) for label, which, t in
            (("proposal", "proposal", deal.proposal), ("real outcome", "outcome", deal.outcome))
            if t is not None]


# ---- solve ----------------------------------------------------------------------------------

def stance_game_rows(game: Any) -> list[dict[str, Any]]:
    """One record per pair of stances: each side's stance and payoff."""
    payoffs = [np.asarray(p, dtype=float) for p in game.payoffs]
    ours, theirs = game.strategies
    return [{"supplier_stance": a, "partner_stance": b, "supplier_payoff": payoffs[0][i, j],
             "partner_payoff": payoffs[1][i, j]}
            for i, a in enumerate(ours) for j, b in enumerate(theirs)]


def equilibrium_rows(found: Any) -> list[dict[str, Any]]:
    """One record per equilibrium: each side's mixed strategy as stance records."""
    names = found.game.strategies
    return [{"equilibrium": k + 1,
             "stances": [{"side": side, "stance": n, "probability": float(p)}
                         for side, strategy, labels in zip(SIDES, eq.strategies, names)
                         for n, p in zip(labels, strategy)],
             "supplier_payoff": eq.payoffs[0], "partner_payoff": eq.payoffs[1],
             "regret": eq.regret}
            for k, eq in enumerate(found.equilibria)]


def offer_tree_rows(deal: Deal, outcome: Any) -> list[dict[str, Any]]:
    """The offer tree's subgame-perfect play, payoffs and the non-credible threats."""
    return [{"play": list(outcome.path), "agreement": outcome.agreement,
             **{f"{s}_payoff": u for s, u in zip(SIDES, outcome.payoffs)},
             **{f"{s}_outside_option": d for s, d in zip(SIDES, outcome.disagreement)},
             "regret": outcome.regret,
             "non_credible_threats": [{"side": _role(deal, t.player), "action": t.action,
                                       "after": list(t.history), "text": str(t)}
                                      for t in outcome.threats]}]


def solution_rows(deal: Deal, sols: Any) -> list[dict[str, Any]]:
    """One record per bargaining solution: each side's utility and gain, and its package."""
    return [{"solution": s.solution, "agreement": s.agreement,
             **{f"{side}_{what}": float(v) for side, u, g in zip(SIDES, s.utilities, s.gains)
                for what, v in (("utility", u), ("gain", g))},
             "issues": issue_records(deal, dict(s.outcome or {}))} for s in sols.solutions]


def zone_rows(deal: Deal, ranges: Mapping[str, tuple[float, float]]) -> list[dict[str, Any]]:
    """Each issue's range over the zone of agreement, with its unit."""
    units = {i.name: i.unit for i in deal.issues}
    return [{"issue": k, "unit": units.get(k, ""), "low": lo, "high": hi}
            for k, (lo, hi) in ranges.items()]


# ---- frontier -------------------------------------------------------------------------------

def frontier_rows(deal: Deal, shown: Any) -> list[dict[str, Any]]:
    """One record per frontier point shown: each side's utility and the package."""
    players = [deal.supplier, deal.partner]
    names = [i.name for i in deal.issues if i.name in shown.columns]
    return [{"supplier_utility": float(row[players[0]]),
             "partner_utility": float(row[players[1]]),
             "issues": issue_records(deal, {n: row[n] for n in names})}
            for _, row in shown.iterrows()]
