"""The ``[policy]`` table of a portfolio file: the article's mechanisms as named quantities.

Every field but ``upgrades`` is an expression of the portfolio's own or shared parameters (so
it can carry a sourced value or a judged range and be drawn); a field left out switches its
mechanism off. The schema is in ``docs/portfolio.md``.

>>> from deals.portfolio.file import load_portfolio
>>> sorted(load_portfolio("article").policy.fields)[:3]
['alienation', 'allowance', 'capacity']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from games.expressions import Expression

#: Each field, what it means and its unit (the table in docs/portfolio.md quotes these).
FIELDS = {
    "alienation": "share of a refusing or denied partner's demand that moves to Chinese chips",
    "chip_revenue": "$bn of US sales lost per 100k H100e a year that moves to Chinese chips",
    "retaliation": "$bn/yr lost when allies stop cooperating on equipment controls (monopoly)",
    "cloud_loss": "$bn/yr of foreign cloud markets US firms lose (monopoly)",
    "capacity": "staff-months a year of negotiating and licensing work the agencies can do",
    "deal_work": "staff-months per bespoke deal",
    "licence_work": "staff-months per licence decision (Commerce, Defense, Energy, State)",
    "licence_size": "100k H100e per licence",
    "deal_latency": "months a bespoke deal takes besides any queue",
    "licence_latency": "months a licence review takes besides any queue",
    "background": "licence decisions a year of other work, in every regime",
    "allowance": "100k H100e a year per partner the framework lets through licence-free",
    "tier1_volume": "100k H100e a year to Tier-1 countries that need licences (monopoly)",
    "horizon": "years over which a regime's gains are earned",
}
#: Number fields (not drawn).
NUMBERS = {"upgrades": "partners the framework upgrades by agreement (a whole number)"}


@dataclass(frozen=True)
class Policy:
    """The parsed ``[policy]`` table: expressions by field, and the framework's upgrades."""

    fields: Mapping[str, Expression] = field(default_factory=dict)
    upgrades: int = 0
    source: str = ""

    def has(self, name: str) -> bool:
        return name in self.fields

    @property
    def bandwidth(self) -> bool:
        """Whether the file states the agencies' capacity (the bandwidth mechanism)."""
        return "capacity" in self.fields


def policy_from_table(table: Mapping[str, Any], fail: Callable[[str, str], Exception],
                      expression: Callable[[str, str], Expression]) -> Policy:
    """Read ``[policy]``; ``fail(field, message)`` builds the error, ``expression(text,
    field)`` parses an expression of the portfolio's parameters."""
    out, upgrades = {}, 0
    for key, value in table.items():
        where = f"policy.{key}"
        if key == "source":
            if not isinstance(value, str):
                raise fail(where, "expected text in quotes")
            continue
        if key == "upgrades":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise fail(where, "give a whole number of partners, 0 or more")
            upgrades = int(value)
            continue
        if key not in FIELDS:
            raise fail(where, f"unknown field; the fields are {sorted([*FIELDS, *NUMBERS])}")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise fail(where, "expected an expression in quotes or a number")
        out[key] = expression(value if isinstance(value, str) else repr(float(value)), where)
    if "capacity" in out:
        for need in ("deal_work", "licence_work", "licence_size", "horizon"):
            if need not in out:
                raise fail(f"policy.{need}", f"missing field; with a capacity give {need} "
                           f"({FIELDS[need]})")
    return Policy(out, upgrades, str(table.get("source", "")))
