"""Surplus left on the table: levels the other side would still accept, said only where true.

For one side (the "asker") and each issue, one at a time with the other issues as proposed:
the issue moves from its proposed level toward the asker's favour (more of what the other side
gives, less of what the asker gives) as far as the other side still accepts in at least
``under_acceptance`` of the draws: the *reach*. Along that path the asker's expected gain as a
take-it-or-leave-it offer, E[g_asker(x) 1{g_other(x) >= 0}] over the draws, is computed at every
level (the engine's :func:`games.bargaining.offers_along` and
:func:`games.bargaining.best_within_reach`); the surplus is *left on the table* only when the
best of these beats the proposal.

>>> import deals
>>> from deals.audit.assessment import Thresholds
>>> from deals.audit.leverage import sample_values
>>> deal = deals.load("chips-for-farm-purchases")
>>> left = surplus_left(deal, deal.outcome_values(deal.proposal.values),
...                     sample_values(deal, 300, 0), Thresholds(), "supplier")
>>> sorted(r["issue"] for r in left)
['chips', 'soy']
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from deals.audit.leverage import gains
from deals.deal.model import Deal
from deals.audit.verdicts import amount, issue_text, sentence_case, the
from deals.numbers import people
from games.bargaining.ultimatum import best_within_reach, offers_along

#: Levels scanned along a continuous issue, from the proposal to the end of its range.
LEVELS = 101
#: Draws x levels evaluated at once along an issue (the memory of a scan, not its result).
BLOCK = 400_000
#: A rise in the asker's expected gain counts as surplus left only from this share of the
#: asker's gain scale (:func:`gain_scale`); below it the rise is rounding, not money.
MATERIAL = 0.01


def gain_scale(gain: np.ndarray) -> float:
    """The size of one side's gains at the proposal: the larger of the mean absolute gain and
    the 10th-90th percentile spread over the draws (so a gain near zero on average but
    widely spread still has a scale).

    >>> gain_scale(np.array([-1.0, 1.0, -1.0, 1.0]))
    2.0
    """
    finite = gain[np.isfinite(gain)]
    if finite.size == 0:
        return 0.0
    p10, p90 = np.percentile(finite, [10, 90])
    return float(max(np.abs(finite).mean(), p90 - p10))


# ---- the deal's gains along one issue (the engine reduces them to offers) --------------------

def gains_along(deal: Deal, proposal: Mapping[str, float], issue: str, levels: np.ndarray,
                values: Mapping[str, np.ndarray], disagreement: tuple[Any, Any] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """(supplier, partner) gains, shape (draws, levels), with ``issue`` at each level.

    ``disagreement``: ``deal.disagreement`` of the draws as columns, when already computed.
    """
    outcome = {k: np.array([[v]]) for k, v in deal.outcome_values(proposal).items()}
    outcome[issue] = np.asarray(levels, dtype=float)[None, :]
    column = {k: np.asarray(v, dtype=float)[:, None] for k, v in values.items()}
    g_s, g_p = gains(deal, outcome, column, disagreement)
    n = len(next(iter(values.values())))
    shape = (n, len(levels))
    return (np.broadcast_to(np.asarray(g_s, dtype=float), shape),
            np.broadcast_to(np.asarray(g_p, dtype=float), shape))


def _along(deal: Deal, proposal: Mapping[str, float], issue: str, levels: np.ndarray,
           values: Mapping[str, np.ndarray], side: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Acceptance by the other side and the asker's expected offer gain at each level, and the
    asker's :func:`gain_scale` at the proposal; levels in blocks of at most :data:`BLOCK`
    cells, so memory does not grow with draws x levels (each level's figures are the same)."""
    n = len(next(iter(values.values())))
    step = max(1, BLOCK // max(n, 1))
    accepted, expected, scale = [], [], 0.0
    # The outside options do not depend on the level: evaluated once for all blocks.
    disagreement = deal.disagreement({k: np.asarray(v, dtype=float)[:, None]
                                      for k, v in values.items()})
    for start in range(0, len(levels), step):
        g_s, g_p = gains_along(deal, proposal, issue, levels[start:start + step], values,
                               disagreement)
        own, theirs = (g_s, g_p) if side == "supplier" else (g_p, g_s)
        share, gain = offers_along(own, theirs)
        accepted.append(share)
        expected.append(gain)
        if start == 0:
            scale = gain_scale(own[:, 0])
    return np.concatenate(accepted), np.concatenate(expected), scale


# ---- the finding in levels and words ---------------------------------------------------------

def surplus_left(deal: Deal, proposal: Mapping[str, float], values: Mapping[str, np.ndarray],
                 t: Any, side: str) -> list[dict[str, Any]]:
    """Issues on which ``side`` left surplus: one record per issue, levels and expected gains.

    A rise smaller than :data:`MATERIAL` of the asker's :func:`gain_scale` is not listed.
    Each record: ``issue``, ``proposed``, ``still_accepted`` (the reach), ``acceptance`` there,
    ``best`` (the level on the path with the highest expected gain for ``side``),
    ``expected_gain_proposed`` and ``expected_gain_best`` (in the deal's money units).
    """
    return [r for r in (surplus_on(deal, proposal, values, t, side, i.name)
                        for i in deal.issues) if r is not None]


def surplus_on(deal: Deal, proposal: Mapping[str, float], values: Mapping[str, np.ndarray],
               t: Any, side: str, issue_name: str) -> dict[str, Any] | None:
    """The :func:`surplus_left` record of one issue, or None where no surplus is left on it
    (each issue's scan is independent, so a caller may spread them over processes)."""
    other = "partner" if side == "supplier" else "supplier"
    issue = deal.issue(issue_name)
    lo, hi = issue.range
    current = float(proposal[issue.name])
    asking_more = issue.giver == other
    if issue.discrete:
        levels = np.array([current] + [v for v in issue.levels
                                       if (v > current if asking_more else v < current)])
        levels = np.sort(levels) if asking_more else -np.sort(-levels)
    else:
        levels = np.linspace(current, hi if asking_more else lo, LEVELS)
    if levels.size < 2 or abs(levels[-1] - current) <= 1e-9 * max(1.0, hi - lo):
        return None
    accepted, expected, scale = _along(deal, proposal, issue.name, levels, values, side)
    found_reach = best_within_reach(accepted, expected, t.under_acceptance)
    if found_reach is None:
        return None
    reach, best = found_reach
    if expected[best] - expected[0] < MATERIAL * scale:
        return None  # asking for more would not raise the asker's expected gain materially
    return {"issue": issue.name, "proposed": current,
            "still_accepted": float(levels[reach]),
            "acceptance": float(accepted[reach]), "best": float(levels[best]),
            "expected_gain_proposed": float(expected[0]),
            "expected_gain_best": float(expected[best])}


def surplus_sentence(deal: Deal, record: Mapping[str, Any], side: str, gain_unit: str,
                     share: float) -> str:
    """One surplus record in words: levels, not changes; the gain it would bring."""
    other = "partner" if side == "supplier" else "supplier"
    issue = next(i for i in deal.issues if i.name == record["issue"])
    rest = [i.name for i in deal.issues if i.name != issue.name]
    same = (" with the same " + (" and ".join([", ".join(rest[:-1]), rest[-1]])
                                 if len(rest) > 1 else rest[0])) if rest else ""
    reach = issue_text(issue, record["still_accepted"])
    proposed = amount(issue, record["proposed"], unit=False)
    text = (f"{sentence_case(the(deal.party(other)))} would still accept {reach} "
            f"instead of {proposed}{same} in >= {share:.0%} of worlds")
    gain = record["expected_gain_best"] - record["expected_gain_proposed"]
    if record["best"] != record["still_accepted"]:
        text += (f"; {the(deal.party(side))}'s expected gain is highest at "
                 f"{amount(issue, record['best'])}")
    return text + f" (+{people(gain)} {gain_unit} expected for {the(deal.party(side))})"
