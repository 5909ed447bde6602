"""The audit's verdict in words: flag distinctions, each side's wording, terms and levels.

Every side gets a *verdict* (the finer finding) and a headline *flag* (the category the
comparison sorts by). The verdicts, first that applies (all in ``verdict_sets``):

========================  =====================================================  ========
verdict                   when (for the proposer; the partner's is the mirror)    flag
========================  =====================================================  ========
``over_reach``            the other side accepts in < ``over_acceptance``         over
``self_defeating``        the proposer itself is worse off than no deal in more   under
                          than ``1 - over_acceptance`` of worlds
``risk_band``             accepted, but in < ``under_acceptance`` of worlds       sound
``underpriced``           accepted in >= ``under_acceptance``, median rho <=       under
                          ``under_rho``: gaining, but well under the benchmark
``inefficient``           dominated by ``efficiency_margin`` in >= ``inefficient_  inefficient
                          share`` of worlds
``sound``                 none of these                                           sound
========================  =====================================================  ========

>>> from deals.assessment import Thresholds
>>> verdict_set(accept_other=0.7, accept_own=1.0, rho_median=1.0, dominated=0.0,
...             t=Thresholds())
('risk_band',)
>>> words("self_defeating", "partner", {"supplier": "US", "partner": "UAE"})
'too harsh on the UAE (the UAE is worse off than with no deal in most worlds)'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from deals.model import Deal
from deals.terms import Issue

if TYPE_CHECKING:  # pragma: no cover
    from deals.assessment import Thresholds

VERDICTS = ("over_reach", "self_defeating", "risk_band", "underpriced", "inefficient", "sound")
#: The headline flag (the comparison's category) of each verdict.
HEADLINE = {"over_reach": "over", "self_defeating": "under", "underpriced": "under",
            "risk_band": "sound", "inefficient": "inefficient", "sound": "sound"}
#: Short labels for tables, from the side's own point of view ({who}: the side's name).
SHORT = {
    "supplier": {"over_reach": "over-reach", "self_defeating": "self-defeating",
                 "risk_band": "risk band", "underpriced": "underpriced",
                 "inefficient": "inefficient", "sound": "sound"},
    "partner": {"over_reach": "too generous to {who}", "self_defeating": "too harsh on {who}",
                "risk_band": "generous to {who}, at risk", "underpriced": "harsh on {who}",
                "inefficient": "inefficient", "sound": "fair to {who}"},
}
_REASON = {
    "over_reach": "{other} rejects it in most worlds",
    "over_reach_partner": "{other} is better off with no deal in most worlds",
    "risk_band_partner": "{other} is better off with no deal in a material share of worlds",
    "self_defeating": "{who} is worse off than with no deal in most worlds",
    "risk_band": "{other} accepts, but rejects it in a material share of worlds",
    "underpriced": "{who} gains, but well under what its position supports",
    "inefficient": "another package is better for both sides in most worlds",
    "sound": "accepted almost surely, and {who} claims about what its position supports",
}


def verdict_set(accept_other: float, accept_own: float, rho_median: float, dominated: float,
                t: "Thresholds") -> tuple[str, ...]:
    """Every verdict that applies to one side, in the order of :data:`VERDICTS`."""
    found = []
    if accept_other < t.over_acceptance:
        found.append("over_reach")
    if accept_own < t.over_acceptance:
        found.append("self_defeating")
    if t.over_acceptance <= accept_other < t.under_acceptance:
        found.append("risk_band")
    if (accept_other >= t.under_acceptance and accept_own >= t.over_acceptance
            and np.isfinite(rho_median) and rho_median <= t.under_rho):
        found.append("underpriced")
    if dominated >= t.inefficient_share:
        found.append("inefficient")
    return tuple(found) or ("sound",)


def headline(verdicts: tuple[str, ...]) -> str:
    """The comparison's category: over before under before inefficient, else sound."""
    flags = {HEADLINE[v] for v in verdicts}
    for flag in ("over", "under", "inefficient"):
        if flag in flags:
            return flag
    return "sound"


def the(name: str) -> str:
    """A country as a sentence names it: 'the UAE', 'the Netherlands', 'India'."""
    if (len(name) >= 2 and name.isupper()) or name.endswith(("lands", "States", "Kingdom")):
        return f"the {name}"
    return name


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def words(verdict: str, side: str, parties: Mapping[str, str]) -> str:
    """One side's verdict as a phrase from that side's point of view, with its reason."""
    other = "partner" if side == "supplier" else "supplier"
    who, them = the(parties[side]), the(parties[other])
    label = SHORT[side][verdict].format(who=who)
    reason = _REASON.get(f"{verdict}_{side}", _REASON[verdict])
    return f"{label} ({reason.format(who=who, other=them)})"


# ---- terms and levels ----------------------------------------------------------------------

def level_names(issue: Issue) -> dict[float, str]:
    """Names of a discrete issue's levels, read from a unit such as '0 capped, 1 unrestricted'.

    >>> level_names(Issue("tier", (0, 1), giver="supplier", unit="0 middle tier, 1 favoured tier",
    ...                   levels=(0, 1)))
    {0.0: 'middle tier', 1.0: 'favoured tier'}
    """
    if not issue.discrete:
        return {}
    found = dict((float(v), name.strip()) for v, name in
                 re.findall(r"(-?\d+(?:\.\d+)?)\s+([^,;]+)", issue.unit))
    return found if set(found) >= set(issue.levels or ()) else {}


def amount(issue: Issue, value: float) -> str:
    """An issue's value for people: '1,100,000 H100e per year', 'favoured tier', '1 (strength, 0-1)'.

    >>> amount(Issue("safeguards", (0, 1), giver="partner", unit="strength, 0-1"), 0.5)
    '0.5 (strength, 0-1)'
    """
    from deals.output import people

    names = level_names(issue)
    if names:
        nearest = min(names, key=lambda v: abs(v - value))
        return names[nearest]
    if not issue.unit:
        return people(float(value))
    if "," in issue.unit:  # a scale such as 'strength, 0-1' reads as a note, not a unit
        return f"{people(float(value))} ({issue.unit})"
    return f"{people(float(value))} {issue.unit}"


def terms_text(deal: Deal, terms: Mapping[str, float]) -> str:
    """Terms for people, issues separated by semicolons (units hold commas)."""
    issues = {i.name: i for i in deal.issues}
    return "; ".join(f"{k} {amount(issues[k], v)}" if k in issues else f"{k} {v:g}"
                     for k, v in terms.items()) or "(status quo)"


def terms_records(deal: Deal, terms: Mapping[str, float] | None) -> list[dict[str, Any]] | None:
    """Terms as a list of records (one per issue): the JSON shape, whatever the deal."""
    if terms is None:
        return None
    issues = {i.name: i for i in deal.issues}
    out = []
    for k, v in terms.items():
        issue = issues.get(k)
        names = level_names(issue) if issue else {}
        out.append({"issue": k, "value": float(v), "unit": issue.unit if issue else "",
                    "level": names.get(min(names, key=lambda x: abs(x - v))) if names else None})
    return out
