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

>>> from deals.audit.assessment import Thresholds
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

from deals.deal.model import Deal
from deals.deal.terms import Issue
from deals.numbers import people

if TYPE_CHECKING:  # pragma: no cover
    from deals.audit.assessment import Thresholds

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
    "over_reach_partner": "{other} would be better off with no deal in most worlds",
    "risk_band_partner": "{other} would be better off with no deal in a material share of "
                         "worlds",
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


#: Names that take "the" in a sentence (countries and blocs whose English names do).
ARTICLE_NAMES = frozenset({
    "US", "USA", "United States", "UAE", "United Arab Emirates", "UK", "United Kingdom", "EU",
    "European Union", "Netherlands", "Philippines", "Czech Republic", "Gulf states"})


def the(name: str) -> str:
    """A party as a sentence names it: 'the UAE', 'the Netherlands', 'India', 'G42'.

    The rule is explicit, not guessed from the spelling: a name takes "the" when it is in
    :data:`ARTICLE_NAMES` (countries and blocs whose English names take the article) or when it
    is a description rather than a proper name (its last word is lower case, as in
    'Tier-2 buyer'); every other name (India, Saudi Arabia, G42, Microsoft) takes none.

    >>> [the(n) for n in ("UAE", "Netherlands", "Tier-2 buyer", "India", "G42", "Saudi Arabia")]
    ['the UAE', 'the Netherlands', 'the Tier-2 buyer', 'India', 'G42', 'Saudi Arabia']
    """
    last = name.split()[-1] if name.split() else name
    if name in ARTICLE_NAMES or (last[:1].islower() and not name.startswith("the ")):
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


def verdict_prose(verdicts: Mapping[str, str], parties: Mapping[str, str]) -> str:
    """Both sides' verdicts as sentences, each party named once per finding.

    The supplier's is led by its name; the partner's label already names the partner
    ('too harsh on India'), so it stands as its own sentence; a finding both sides share
    (inefficient) is said once.

    >>> verdict_prose({"supplier": "self_defeating", "partner": "over_reach"},
    ...               {"supplier": "US", "partner": "Tier-2 buyer"})
    'The US: self-defeating (the US is worse off than with no deal in most worlds). Too generous to the Tier-2 buyer (the US would be better off with no deal in most worlds).'
    """
    text = f"{sentence_case(the(parties['supplier']))}: {words(verdicts['supplier'], 'supplier', parties)}."
    partner = verdicts["partner"]
    if partner == verdicts["supplier"] and "{who}" not in SHORT["partner"][partner]:
        return text[:-1].replace(": ", " and " + the(parties["partner"]) + ": ", 1) + "."
    said = words(partner, "partner", parties)
    if "{who}" not in SHORT["partner"][partner]:
        said = f"for {the(parties['partner'])}, {said}"
    return f"{text} {sentence_case(said)}."


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


#: A scale unit such as 'strength, 0-1': what is measured, and the scale's ends.
SCALE = re.compile(r"^\s*([A-Za-z][\w ]*?)\s*,\s*(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)\s*$")


def amount(issue: Issue, value: float, unit: bool = True) -> str:
    """An issue's value as a person says it; ``unit=False`` drops a trailing plain unit.

    The unit decides the wording: named levels by name ('favoured tier'); a ``share``
    as a percentage ('100%', '51% of Russian crude replaced'); a scale such as
    'strength, 0-1' against its top ('full strength (1 of 1)', 'strength 0.6 of 1',
    'none (0 of 1)'); money in $bn as '$1.5bn'; anything else as the number and the unit.

    >>> safeguards = Issue("safeguards", (0, 1), giver="partner", unit="strength, 0-1")
    >>> [amount(safeguards, v) for v in (1.0, 0.6, 0.0)]
    ['full strength (1 of 1)', 'strength 0.6 of 1', 'none (0 of 1)']
    >>> amount(Issue("divest", (0, 1), giver="partner", unit="share"), 1.0)
    '100%'
    >>> amount(Issue("soy", (0, 3), giver="partner", unit="$bn per year"), 1.0)
    '$1bn per year'
    >>> amount(Issue("chips", (0, 2e6), giver="supplier", unit="H100e per year"), 1.1e6, False)
    '1,100,000'
    """
    names = level_names(issue) or _named_ends(issue)
    if names:
        nearest = min(names, key=lambda v: abs(v - value))
        if issue.discrete or abs(nearest - value) <= 1e-9:
            return names[nearest]
    text = issue.unit.strip()
    if not text:
        return people(float(value))
    if text == "share" or text.startswith("share of "):
        rest = text[len("share"):]
        return people(float(value), "percent") + (rest if unit else "")
    scale = SCALE.match(text)
    if scale:
        what, top = scale.group(1), float(scale.group(3))
        of = f"{people(float(value))} of {people(top)}"
        if abs(value - top) <= 1e-9 * max(1.0, abs(top)):
            return f"full {what} ({of})"
        if abs(value - float(scale.group(2))) <= 1e-9 * max(1.0, abs(top)):
            return f"none ({of})"
        return f"{what} {of}"
    if text.startswith("$bn"):
        v = float(value)
        money = f"{'-' if v < 0 else ''}${people(abs(v))}bn"
        return money + (text[3:] if unit else "")
    if "," in text:  # some other note: keep it in brackets
        return f"{people(float(value))} ({text})"
    return f"{people(float(value))} {text}" if unit else people(float(value))


def _named_ends(issue: Issue) -> dict[float, str]:
    """Names of a continuous issue's ends from a unit like '0 not applied, 1 applied'."""
    found = dict((float(v), name.strip()) for v, name in
                 re.findall(r"(-?\d+(?:\.\d+)?)\s+([^,;\d][^,;]*)", issue.unit))
    return found if len(found) >= 2 and set(found) >= {float(x) for x in issue.range} else {}


def issue_text(issue: Issue, value: float) -> str:
    """One issue at one value: 'chips 300,000 H100e per year', 'favoured tier' (a level
    name that already says the issue stands alone).

    >>> issue_text(Issue("tier", (0, 1), giver="supplier", unit="0 middle tier, 1 favoured tier",
    ...                  levels=(0, 1)), 1)
    'favoured tier'
    """
    said = amount(issue, value)
    return said if issue.name.lower() in said.lower().split() else f"{issue.name} {said}"


def terms_text(deal: Deal, terms: Mapping[str, float]) -> str:
    """Terms for people, issues separated by semicolons (units hold commas)."""
    issues = {i.name: i for i in deal.issues}
    return "; ".join(issue_text(issues[k], v) if k in issues else f"{k} {v:g}"
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
