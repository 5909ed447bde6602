"""The record check: would the deals the record shows struck be struck inside the portfolio?

A struck deal is evidence. For every deal of the portfolio whose file has an ``[outcome]``
(the terms actually struck), in every draw:

- *in the portfolio*: the record's world, every struck deal at its struck terms at once and
  the links in force (the precedent of the others' licences, China's response to the chips
  still denied, Huawei's capacity shared among the partners that would buy it). The partner
  accepts if its gain at the struck terms is at least its reservation, its outside option
  being what it gets by walking away while the others keep their deals; the US accepts if the
  deal's gain covers the rise in the control cost on the total that the deal's chips bring.
- *alone*: the standalone audit's question on the same draws (the deal's own parameters and
  control cost, no links): both sides' gains at the struck terms at least 0.

A model in which the partner refuses what it signed in most draws contradicts the record.
"""

from __future__ import annotations

from dataclasses import replace
import numpy as np

from deals.deal.cache import deal_view
from deals.deal.model import Deal
from deals.portfolio.draws import ACCEPT_TOLERANCE, link_state, outcome_at
from deals.portfolio.policy import LINK_MECHANISMS, split
from deals.portfolio.regimes import Chunk
from deals.portfolio.result import portfolio_sample, readable
from games.decisions.conditioning import condition

#: The per-deal columns of the check (``record|k|<name>``), shares of draws when averaged.
RECORD_KEYS = ("partner", "us", "both", "alone")


def record_deals(portfolio) -> list[int]:
    """The indices of the portfolio's deals whose files record struck terms (not the rows of
    a partners table: their archetype's struck terms are another partner's record)."""
    return [k for k, e in enumerate(portfolio.deals)
            if e.deal.outcome is not None and not e.row]


def struck_entry(entry):
    """The entry with its deal in the setting its ``[outcome]`` was struck in, and the terms."""
    deal, terms = _struck(entry.deal)
    if entry.setting == "outcome" or not entry.deal.outcome.setting:
        deal = entry.deal
    return replace(entry, deal=deal), {k: float(v) for k, v in terms.items()}


@deal_view
def _struck(deal: Deal):
    """The deal in its ``[outcome]``'s setting and the struck terms, made once per deal (and
    so its expressions inlined once, not in every chunk of draws)."""
    return deal.at_terms("outcome")


def record_check(chunk: Chunk) -> dict[str, np.ndarray]:
    """Per draw, for each deal k with struck terms: ``record|k|partner``, ``record|k|us``,
    ``record|k|both`` (1 where the side(s) accept the struck terms in the portfolio, else 0)
    and ``record|k|alone`` (both accept alone); ``record|all``: every struck deal accepted by
    both sides at once in the portfolio."""
    p, n = chunk.p, chunk.n
    ks = record_deals(p)
    if not ks:
        return {}
    entries, terms = {}, {}
    for k in ks:
        entries[k], fixed = struck_entry(p.deals[k])
        terms[k] = {name: np.full(n, v) for name, v in fixed.items()}
    struck = np.zeros((n, len(p.deals)), bool)
    struck[:, ks] = True
    flows = {name: chunk.sq_flows[name].copy() for name in ("volume", "blocked")}
    for k in ks:
        at = outcome_at(entries[k], chunk.values[k], terms[k])
        flows["volume"][:, k], flows["blocked"][:, k] = at["volume"], at["blocked"]
    total = (flows["volume"] * chunk.tier2).sum(axis=1)
    out: dict[str, np.ndarray] = {}
    every = np.ones(n, bool)
    for k in ks:
        s, v, b = struck.copy(), flows["volume"].copy(), flows["blocked"].copy()
        s[:, k], v[:, k], b[:, k] = (False, chunk.sq_flows["volume"][:, k],
                                     chunk.sq_flows["blocked"][:, k])
        state = link_state(p, chunk.values, chunk.top, v, s, b, chunk.demand,
                           links=chunk.links, off=chunk.links_off,
                           reference=chunk.sq_flows["volume"])
        inside = outcome_at(entries[k], state.values(chunk.values, k), terms[k])
        without = total - (flows["volume"][:, k] - v[:, k]) * chunk.tier2[k]
        cost = chunk.q * (total ** 2 - without ** 2) / 2
        partner = inside["partner"] >= state.reservation[:, k] - ACCEPT_TOLERANCE
        us = inside["us"] - cost >= -ACCEPT_TOLERANCE
        alone = outcome_at(entries[k], chunk.alone_values[k], terms[k])
        out[f"record|{k}|partner"] = partner * 1.0
        out[f"record|{k}|us"] = us * 1.0
        out[f"record|{k}|both"] = (partner & us) * 1.0
        out[f"record|{k}|alone"] = ((alone["partner"] >= -ACCEPT_TOLERANCE)
                                    & (alone["us"] >= -ACCEPT_TOLERANCE)) * 1.0
        every &= partner & us
    out["record|all"] = every * 1.0
    return out


#: Prior draws weighted when the options are conditioned on the record (at least the run's).
RECORD_POOL = 20_000


def record_given(portfolio, draws: int, seed: int | None, off: frozenset = frozenset(),
                 pool: int | None = None):
    """The portfolio's draws given its record: a pool of prior draws weighted by whether
    every struck deal is accepted by both sides inside the portfolio (the record check),
    by rejection (0/1 weights, :func:`games.decisions.conditioning.condition`), over ``pool``
    draws (default :data:`RECORD_POOL`, at least ``draws``).

    Returns the :class:`~games.decisions.conditioning.Conditioning` (effective sample, the
    share each deal's event holds in, the parameters in conflict when it collapses) and the
    pool's flat sample; resample its rows with ``conditioning.resample``."""
    pool = max(int(RECORD_POOL if pool is None else pool), int(draws))
    flat = portfolio_sample(portfolio, pool, seed)
    base, top = split(flat, len(portfolio.deals))
    chunk = Chunk(portfolio, base, top, "links" not in off, 8, off & LINK_MECHANISMS)
    check = record_check(chunk)
    keys = [d.key for d in portfolio.deals]
    events = {f"{keys[k]} signed by both": check[f"record|{k}|both"] > 0.5
              for k in record_deals(portfolio)}
    return condition(readable(flat, keys), events), flat


