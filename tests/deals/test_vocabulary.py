"""One vocabulary of verdicts: every code any command emits has a record, and the schema's
enums and the docs' table are the ones the records make."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import deals
from deals.audit.assessment import Thresholds
from deals.audit.verdicts import (DOCS_TABLE_MARKERS, FLAG_COLOURS, FLAG_WORDS, FLAGS, VOCABULARY,
                            all_codes, headline, label, schema_enums, verdict, verdict_set,
                            vocabulary_markdown, words)

ROOT = Path(deals.__file__).resolve().parent
SCHEMA = ROOT / "audit.schema.json"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "leverage.md"


@pytest.fixture(scope="module")
def library():
    return deals.compare(draws=200, seed=3, detail=False, jobs=1)  # detail=False once raised TypeError


def emitted_codes() -> dict[str, set[str]]:
    """Every code verdict_set can return for each side, over a grid that crosses every
    threshold (acceptances either side of both cut-offs, rho either side of under_rho and
    undefined, dominated either side of its share)."""
    t = Thresholds()
    accepts = (0.0, 0.49, 0.5, 0.7, 0.9, 1.0)
    found: dict[str, set[str]] = {"supplier": set(), "partner": set()}
    for side in found:
        for other, own, rho, dom in itertools.product(accepts, accepts, (np.nan, -1.0, 0.5,
                                                                         0.8, 1.0, 3.0),
                                                      (0.0, 0.49, 0.5, 1.0)):
            found[side].update(verdict_set(other, own, rho, dom, t, side=side))
    return found


def test_every_code_a_command_can_emit_has_a_record():
    for side, codes in emitted_codes().items():
        assert codes == set(all_codes(side)), side
        for code in codes:
            v = verdict(code)
            assert v.code_for(side) == code
            assert v.flag in FLAGS and v.flag in FLAG_COLOURS and v.flag in FLAG_WORDS[side]
            assert "{" not in label(code, side, {"supplier": "US", "partner": "India"})


def test_supplier_and_partner_codes_do_not_collide_except_when_shared():
    # A partner code that is also a supplier code must mean the same finding for both
    # (only 'inefficient' is shared); otherwise a reader of the JSON cannot tell the sides.
    shared = set(all_codes("supplier")) & set(all_codes("partner"))
    assert shared == {"inefficient"}
    assert verdict("too_generous").code == "over_reach"


def test_the_library_emits_only_vocabulary_codes(library):
    for a in [*library, *(s for s in library.struck if s is not None)]:
        for side in ("supplier", "partner"):
            assert a.verdicts[side] in all_codes(side)
            assert set(a.verdict_sets[side]) <= set(all_codes(side))
            assert a.flags[side] == headline(a.verdict_sets[side])


def test_the_schema_enums_are_made_from_the_vocabulary():
    schema = json.loads(SCHEMA.read_text())
    assert schema == schema_enums(json.loads(SCHEMA.read_text()))
    assert schema["$defs"]["verdict_partner"]["enum"] == list(all_codes("partner"))


def test_the_docs_table_is_made_from_the_vocabulary():
    if not DOCS.exists():
        pytest.skip("docs not in this checkout")
    start, end = DOCS_TABLE_MARKERS
    text = DOCS.read_text()
    assert text.split(start, 1)[1].split(end, 1)[0].strip() == vocabulary_markdown().strip()
    assert len(vocabulary_markdown().splitlines()) == len(VOCABULARY) + 2


def test_the_partner_words_say_who_the_terms_favour():
    parties = {"supplier": "US", "partner": "Tier-2 buyer"}
    assert words("too_generous", "partner", parties).startswith("too generous to the Tier-2 buyer")
    assert words("over_reach", "supplier", parties).startswith("over-reach (the Tier-2 buyer")


# ---- borderline verdicts ---------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from deals import assess  # noqa: E402
from deals.audit.verdicts import BORDERLINE_SE, borderline  # noqa: E402
from tests.deals.test_assessment import toy  # noqa: E402


def test_a_proposal_accepted_in_half_the_worlds_is_borderline():
    # In the toy deal the partner accepts pay q at chips 1 exactly when v >= q, v ~ U[1, 2]:
    # P(accept) = 2 - q. At q = 1.5 the true share is the over-reach threshold itself.
    a = assess(toy(pay=1.5), draws=2000, seed=5)
    b = a.borderline["supplier"]
    assert b is not None and b["threshold"] == 0.5
    assert {a.verdicts["supplier"], b["other_verdict"]} == {"over_reach", "risk_band"}
    assert "on the edge of" in a.verdict_text["supplier"]
    # Far from every threshold (accepted always, the Nash split): not borderline.
    far = assess(toy(pay=0.85), draws=2000, seed=5)
    assert far.borderline == {"supplier": None, "partner": None}


@settings(max_examples=200, deadline=None)
@given(p=st.floats(0.01, 0.99))
def test_the_draws_to_settle_put_the_threshold_two_standard_errors_away(p):
    from deals.audit.assessment import Thresholds

    t = Thresholds().over_acceptance  # the supplier's own acceptance decides self-defeating
    gap = abs(p - t)
    if gap < 1e-3 or BORDERLINE_SE ** 2 * p * (1 - p) / gap ** 2 < 2:
        return  # on the threshold, or settled by a single draw
    n_small = max(1, int(BORDERLINE_SE ** 2 * p * (1 - p) / gap ** 2 / 2))  # surely borderline
    b = borderline(1.0, p, 1.0, 0.0, Thresholds(), draws=n_small)
    assert b is not None and b["share"] == "own acceptance"
    n = b["draws_to_settle"]
    assert BORDERLINE_SE * (p * (1 - p) / n) ** 0.5 <= gap + 1e-12
    assert BORDERLINE_SE * (p * (1 - p) / max(n - 1, 1)) ** 0.5 > gap - 1e-12 or n == 1
    assert borderline(1.0, p, 1.0, 0.0, Thresholds(), draws=n + 1) is None


def test_every_schema_that_carries_a_verdict_code_takes_it_from_the_vocabulary():
    """The audit's and compare's schema (above) and diff's: a verdict code outside the
    vocabulary fails validation wherever a command writes one."""
    diff = json.loads((ROOT / "diff.schema.json").read_text())
    for which in ("before", "after"):
        alternatives = diff["properties"]["deals"]["items"]["properties"][which]["anyOf"]
        verdicts = next(a for a in alternatives if a.get("type") == "object")["properties"][
            "verdicts"]["properties"]
        assert verdicts["supplier"]["enum"] == list(all_codes("supplier"))
        assert verdicts["partner"]["enum"] == list(all_codes("partner"))


def test_the_portfolio_volume_verdicts_are_one_set_of_records():
    """portfolio --links' verdicts (issue 26: 'too many / refused' was a vocabulary of its
    own): every code the result can give has a record, the table says its words, and the
    schema's enum is the records' codes."""
    from deals.audit.verdicts import VOLUME_VERDICTS, volume_verdict
    from deals.portfolio.view import verdicts_frame

    codes = [v.code for v in VOLUME_VERDICTS]
    assert len(set(codes)) == len(codes) and all(volume_verdict(c).code == c for c in codes)
    result = deals.solve_portfolio(deals.load_portfolio("teaching"), draws=60, seed=1)
    frame, said, _ = verdicts_frame(result)
    assert set(frame["alone"]) | set(frame["linked"]) <= set(codes)
    assert frame["changed"].map(type).eq(bool).all()
    assert list(said["alone"]) == [volume_verdict(c).words for c in frame["alone"]]
    schema = json.loads((ROOT / "portfolio_links.schema.json").read_text())
    row = schema["properties"]["tables"]["properties"]["verdicts"]["properties"]["rows"]
    assert row["items"]["properties"]["alone"]["enum"] == codes
    assert row["items"]["properties"]["linked"]["enum"] == codes
    with pytest.raises(KeyError):
        volume_verdict("too many")  # the words are not a code
