"""The audit's verdict in words: flag distinctions, each side's wording, terms and levels.

Every side gets a *verdict* (the finer finding) and a headline *flag* (the category the
comparison sorts by). Each verdict is one :class:`Verdict` record in :data:`VOCABULARY` (its
codes for each side, its words, its meaning, its rule and its flag); the tables, plots, CSV,
xlsx, the JSON schema's enum and the docs' table are all made from those records.

>>> from deals.audit.assessment import Thresholds
>>> verdict_set(accept_other=0.7, accept_own=1.0, rho_median=1.0, dominated=0.0,
...             t=Thresholds())
('risk_band',)
>>> words("too_harsh", "partner", {"supplier": "US", "partner": "UAE"})
'too harsh on the UAE (the UAE is worse off than with no deal in most worlds)'
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from deals.deal.model import Deal
from deals.deal.terms import Issue
from deals.numbers import people

if TYPE_CHECKING:  # pragma: no cover
    from deals.audit.assessment import Thresholds

@dataclass(frozen=True)
class Verdict:
    """One verdict, everything said about it: the one place its codes and words are defined.

    ``code`` is the supplier's code and the name of the rule; ``partner_code`` is the code when
    the finding is the partner's (the same rule with the roles swapped, named from the partner's
    side: the partner's ``too_generous`` is the supplier's ``over_reach`` seen from across the
    table). ``words`` and ``meaning`` are templates from each side's own point of view
    ({who}: that side, {other}: the other side). ``flag`` is the comparison's category and
    ``leverage`` how the supplier read its own leverage when this is its verdict.
    """

    code: str
    partner_code: str
    flag: str
    leverage: str
    supplier_words: str
    partner_words: str
    supplier_meaning: str
    partner_meaning: str
    rule: str

    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.code, self.partner_code)))

    def code_for(self, side: str) -> str:
        return self.code if side == "supplier" else self.partner_code

    def label(self, side: str, who: str = "") -> str:
        """The short label for tables ('over-reach', 'too generous to the UAE')."""
        return (self.supplier_words if side == "supplier" else self.partner_words).format(who=who)

    def reason(self, side: str, who: str, other: str) -> str:
        text = self.supplier_meaning if side == "supplier" else self.partner_meaning
        return text.format(who=who, other=other)


#: Every verdict, in the order the rules are tried (the first that applies is the verdict).
VOCABULARY = (
    Verdict("over_reach", "too_generous", "over", "over-estimated",
            "over-reach", "too generous to {who}",
            "{other} rejects it in most worlds",
            "{other} would be better off with no deal in most worlds",
            "the other side accepts in fewer than over_acceptance of the draws"),
    Verdict("self_defeating", "too_harsh", "under", "under-estimated",
            "self-defeating", "too harsh on {who}",
            "{who} is worse off than with no deal in most worlds",
            "{who} is worse off than with no deal in most worlds",
            "the side itself is worse off than with no deal in more than 1 - over_acceptance "
            "of the draws"),
    Verdict("risk_band", "generous_at_risk", "sound", "about right, at risk",
            "risk band", "generous to {who}, at risk",
            "{other} accepts, but rejects it in a material share of worlds",
            "{other} would be better off with no deal in a material share of worlds",
            "the other side accepts, but in fewer than under_acceptance of the draws"),
    Verdict("underpriced", "harsh", "under", "under-estimated",
            "underpriced", "harsh on {who}",
            "{who} gains, but well under what its position supports",
            "{who} gains, but well under what its position supports",
            "accepted in at least under_acceptance, the side not worse off in most draws, and "
            "its median leverage ratio at most under_rho"),
    Verdict("inefficient", "inefficient", "inefficient", "about right",
            "inefficient", "inefficient",
            "another package is better for both sides in most worlds",
            "another package is better for both sides in most worlds",
            "in at least inefficient_share of the draws another package is better for both by "
            "at least efficiency_margin"),
    Verdict("sound", "fair", "sound", "about right",
            "sound", "fair to {who}",
            "accepted in nearly all worlds, and {who} gets at least close to what its position supports",
            "accepted in nearly all worlds, and {who} gets at least close to what its position supports",
            "none of the above"),
)
#: The verdicts' rule names (the supplier's codes), in the order they are tried.
VERDICTS = tuple(v.code for v in VOCABULARY)
#: The comparison's categories, worst first, and what each says about the supplier's leverage.
FLAGS = ("over", "under", "inefficient", "sound")
#: A flag in words, from each side's point of view (the supplier's is its leverage reading).
FLAG_WORDS = {
    "supplier": {"over": "over-reach (leverage over-estimated)",
                 "under": "under-claim (leverage under-estimated)",
                 "inefficient": "inefficient package", "sound": "sound"},
    "partner": {"over": "too generous to the partner", "under": "too harsh on the partner",
                "inefficient": "inefficient package", "sound": "fair to the partner"}}
#: One colour per flag: the comparison chart, the flag maps and the explorer.
FLAG_COLOURS = {"over": "#c44e52", "under": "#4c72b0", "inefficient": "#8172b2",
                "sound": "#55a868"}
_BY_CODE = {c: v for v in VOCABULARY for c in v.codes()}
#: One colour per verdict (the supplier's code; a partner's code takes its record's): the
#: charts show each deal in the verdict the tables print, so the two cannot disagree. The
#: flags' colours where a verdict is its flag's only one; the risk band and underpriced
#: between them (a risk band's flag is sound, an underpriced deal's is under).
VERDICT_COLOURS = {"over_reach": FLAG_COLOURS["over"], "self_defeating": FLAG_COLOURS["under"],
                   "risk_band": "#dd8452", "underpriced": "#64b5cd",
                   "inefficient": FLAG_COLOURS["inefficient"], "sound": FLAG_COLOURS["sound"]}


def verdict_colour(code: str) -> str:
    """The chart colour of a verdict, by either side's code (:data:`VERDICT_COLOURS`)."""
    return VERDICT_COLOURS[verdict(code).code]


@dataclass(frozen=True)
class VolumeVerdict:
    """A portfolio's verdict on one deal's proposed volume against the US's best volume
    (``chipdeals portfolio --links``): its code for the JSON, its words for the table and
    its meaning, defined here once like the audit's :class:`Verdict` records."""

    code: str
    words: str
    meaning: str


#: The portfolio's verdicts on a proposal's volume, in the order they are tried.
VOLUME_VERDICTS = (
    VolumeVerdict("no_proposal", "no proposal",
                  "the portfolio gives the deal no proposal to judge"),
    VolumeVerdict("refused", "refused", "the partner refuses the proposal in most draws"),
    VolumeVerdict("too_many", "too many chips",
                  "the proposal licenses more chips than the US's best volume in most draws"),
    VolumeVerdict("too_few", "too few chips",
                  "the proposal licenses fewer chips than the US's best volume in most draws"),
    VolumeVerdict("about_right", "about right",
                  "the proposal's volume is the US's best in most draws"),
)
_VOLUME_BY_CODE = {v.code: v for v in VOLUME_VERDICTS}


def volume_verdict(code: str) -> VolumeVerdict:
    """The record of a portfolio volume verdict code (``'too_many'``)."""
    try:
        return _VOLUME_BY_CODE[code]
    except KeyError:
        raise KeyError(f"no volume verdict {code!r}; they are {sorted(_VOLUME_BY_CODE)}"
                       ) from None

def verdict(code: str) -> Verdict:
    """The record of a verdict code, either side's (``'over_reach'``, ``'too_generous'``)."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"no verdict {code!r}; the verdicts are {sorted(_BY_CODE)}") from None


def all_codes(side: str | None = None) -> tuple[str, ...]:
    """Every verdict code one side (or, with None, either side) can be given."""
    sides = ("supplier", "partner") if side is None else (side,)
    return tuple(dict.fromkeys(v.code_for(s) for s in sides for v in VOCABULARY))


def label(code: str, side: str, parties: Mapping[str, str]) -> str:
    """A verdict's short label for a table, the side named: 'over-reach', 'fair to India'."""
    return verdict(code).label(side, the(parties[side]))


def vocabulary_markdown() -> str:
    """The vocabulary as a Markdown table (the docs' table is this text; a test checks it)."""
    rows = ["| supplier's code | partner's code | when (for the side) | flag | supplier reads "
            "its leverage as | supplier's words | partner's words |",
            "|---|---|---|---|---|---|---|"]
    for v in VOCABULARY:
        rows.append(f"| `{v.code}` | `{v.partner_code}` | {v.rule} | {v.flag} | {v.leverage} "
                    f"| {v.supplier_words} ({v.supplier_meaning}) "
                    f"| {v.partner_words} ({v.partner_meaning}) |")
    return "\n".join(rows) + "\n"


def verdict_set(accept_other: float, accept_own: float, rho_median: float, dominated: float,
                t: "Thresholds", side: str = "supplier") -> tuple[str, ...]:
    """Every verdict that applies to one side, in the order of :data:`VOCABULARY`, as that
    side's codes (the partner's ``too_generous`` where the supplier's would be ``over_reach``)."""
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
    return tuple(verdict(c).code_for(side) for c in found) or (verdict("sound").code_for(side),)


#: A verdict is borderline when a share that decides it is within this many standard errors
#: of its threshold.
BORDERLINE_SE = 2.0


def borderline(accept_other: float, accept_own: float, rho_median: float, dominated: float,
               t: "Thresholds", *, draws: int, rho_below: float = float("nan"),
               rho_draws: int = 0, side: str = "supplier") -> dict[str, Any] | None:
    """Whether a side's verdict is within Monte Carlo error of a threshold that decides it.

    Each share the rules compare with a threshold (the other side's acceptance, the side's own,
    the share dominated, and for the median leverage ratio the share of draws with rho at most
    ``under_rho``, which is at least a half exactly when the median is) has a standard error
    sqrt(p (1 - p) / n). The verdict is borderline when moving one such share across its
    threshold changes the verdict and the share lies within :data:`BORDERLINE_SE` standard
    errors of it. Returns None, or the closest such share: its name, value, threshold, the
    verdict on the other side, and the draws that would put the threshold
    ``BORDERLINE_SE`` standard errors away (None when the share sits on the threshold).

    >>> from deals.audit.assessment import Thresholds
    >>> b = borderline(0.99, 0.5065, 1.0, 0.0, Thresholds(), draws=2000)  # 4 p (1 - p) / 0.0065**2
    >>> b["share"], b["other_verdict"], b["draws_to_settle"]
    ('own acceptance', 'self_defeating', 23665)
    """
    now = verdict_set(accept_other, accept_own, rho_median, dominated, t, side)[0]
    checks = [("other side's acceptance", accept_other, t.over_acceptance, draws, "other"),
              ("other side's acceptance", accept_other, t.under_acceptance, draws, "other"),
              ("own acceptance", accept_own, t.over_acceptance, draws, "own"),
              ("share dominated", dominated, t.inefficient_share, draws, "dominated")]
    if np.isfinite(rho_below) and rho_draws > 0:
        checks.append(("share with rho at most under_rho", rho_below, 0.5, rho_draws, "rho"))
    found = []
    for name, p, threshold, n, which in checks:
        if n <= 0 or not np.isfinite(p):
            continue
        se = float(np.sqrt(max(p * (1 - p), 0.0) / n))
        gap = abs(p - threshold)
        if gap > BORDERLINE_SE * se:
            continue
        eps = 1e-9
        moved = threshold - eps if p >= threshold else threshold + eps
        args = {"other": accept_other, "own": accept_own, "rho": rho_median,
                "dominated": dominated}
        if which == "rho":  # the median crosses under_rho when the share crosses one half
            args["rho"] = t.under_rho + (eps if moved < 0.5 else -eps)
        else:
            args[which] = moved
        other = verdict_set(args["other"], args["own"], args["rho"], args["dominated"], t,
                            side)[0]
        if other == now:
            continue
        settle = (None if gap == 0 else
                  int(np.ceil(BORDERLINE_SE ** 2 * p * (1 - p) / gap ** 2)))
        found.append((gap / se if se > 0 else 0.0, {
            "share": name, "value": float(p), "threshold": float(threshold),
            "other_verdict": other, "draws_to_settle": settle}))
    return min(found, key=lambda f: f[0])[1] if found else None


def edge_words(b: Mapping[str, Any] | None, side: str, parties: Mapping[str, str]) -> str:
    """'' or ' (on the edge of self-defeating: about 38,000 draws would settle it)'."""
    if not b:
        return ""
    n = b["draws_to_settle"]
    settle = ("no number of draws settles it" if n is None else
              f"about {float(f'{n:.2g}'):,.0f} draws would settle it")
    return f" (on the edge of {label(b['other_verdict'], side, parties)}: {settle})"


def headline(verdicts: tuple[str, ...]) -> str:
    """The comparison's category: over before under before inefficient, else sound."""
    flags = {verdict(v).flag for v in verdicts}
    for flag in FLAGS:
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


def side_of(name: str) -> str:
    """A party's side at home as a sentence names it, with one "the" whatever the name holds.

    >>> side_of("US"), side_of("India"), side_of("the Philippine government")
    ('the US side', 'the India side', 'the Philippine government side')
    """
    return f"the {name[4:] if name.startswith('the ') else name} side"


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def words(code: str, side: str, parties: Mapping[str, str]) -> str:
    """One side's verdict as a phrase from that side's point of view, with its reason."""
    other = "partner" if side == "supplier" else "supplier"
    who, them = the(parties[side]), the(parties[other])
    v = verdict(code)
    return f"{v.label(side, who)} ({v.reason(side, who, them)})"


def verdict_prose(verdicts: Mapping[str, str], parties: Mapping[str, str]) -> str:
    """Both sides' verdicts as sentences, each party named once per finding.

    The supplier's is led by its name; the partner's label already names the partner
    ('too harsh on India'), so it stands as its own sentence; a finding both sides share
    (inefficient) is said once.

    >>> verdict_prose({"supplier": "self_defeating", "partner": "too_generous"},
    ...               {"supplier": "US", "partner": "Tier-2 buyer"})
    'The US: self-defeating (the US is worse off than with no deal in most worlds). Too generous to the Tier-2 buyer (the US would be better off with no deal in most worlds).'
    """
    text = f"{sentence_case(the(parties['supplier']))}: {words(verdicts['supplier'], 'supplier', parties)}."
    partner = verdict(verdicts["partner"])
    names_side = "{who}" in partner.partner_words
    if partner.code == verdict(verdicts["supplier"]).code and not names_side:
        return text[:-1].replace(": ", " and " + the(parties["partner"]) + ": ", 1) + "."
    said = words(verdicts["partner"], "partner", parties)
    if not names_side:
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


# ---- what is made from the vocabulary ------------------------------------------------------

#: Where the docs' table of verdicts sits (between these two lines of docs/leverage.md).
DOCS_TABLE_MARKERS = ("<!-- verdict vocabulary: made by `python -m deals.audit.verdicts` -->",
                      "<!-- end of the verdict vocabulary -->")


def schema_enums(schema: dict[str, Any]) -> dict[str, Any]:
    """The audit schema with its verdict and flag enums made from :data:`VOCABULARY`."""
    defs = schema["$defs"]
    defs["verdict"] = {"enum": list(all_codes("supplier")),
                       "description": "the supplier's verdict code (see docs/leverage.md)"}
    defs["verdict_partner"] = {"enum": list(all_codes("partner")),
                               "description": "the partner's verdict code, named from the "
                               "partner's side (see docs/leverage.md)"}
    defs["flag"] = {"enum": list(FLAGS)}
    return schema


def _write_generated() -> list[str]:  # pragma: no cover - run by hand after editing VOCABULARY
    done = []
    package = Path(__file__).resolve().parents[1]  # deals/
    schema_path = package / "audit.schema.json"
    docs = package.parent / "docs" / "leverage.md"
    texts = {schema_path: json.dumps(schema_enums(json.loads(schema_path.read_text())),
                                     indent=1, ensure_ascii=False) + "\n"}
    if docs.exists():
        text = docs.read_text()
        start, end = DOCS_TABLE_MARKERS
        if start in text and end in text:
            head, rest = text.split(start, 1)
            texts[docs] = head + start + "\n" + vocabulary_markdown() + end + rest.split(end, 1)[1]
    for path, text in texts.items():
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
        done.append(str(path))
    return done


if __name__ == "__main__":  # pragma: no cover
    print("\n".join(_write_generated()))
