"""The article's regimes in the true draws: the plan's terms met by the partners, refusals,
the review queue, and each regime's gain split into parts that sum to it (per draw).

The parts, in order (see :data:`deals.portfolio.policy.PARTS`):
- non-chip trades: the gains of the non-chip trades (chips at the status quo), the same
  offers in every regime but "no deals";
- refusals: for each refused offer, the fallback (its non-chip trade) less the alienation
  cost, less what the offer would have given had it been accepted;
- delay and bandwidth: the share of each struck chip deal's gain lost to its latency and the
  agencies' queue over the horizon (:func:`games.decisions.queueing.review_queue`);
- leakage to China: minus the harm of the change in chips reaching China against no deals;
- chip leverage: the rest, what chips as leverage (or as a rule) give net of the above,
  including the control cost on the total and, under a monopoly, retaliation and lost clouds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from deals.portfolio.draws import ACCEPT_TOLERANCE
from deals.portfolio.file import Portfolio
from deals.portfolio.policy import (LINK_MECHANISMS, Plan, check_policy, no_deal_values, offer_problem,
                                    refusal_cost, shares, split, top_value, uniform)
from deals.portfolio.policy_record import record_check
from deals.portfolio.policy_stream import QUEUE_FIELDS
from deals.portfolio.regimes import Chunk
from games.bargaining.proposer import best_offers
from games.decisions.queueing import review_queue

#: Column names of the parts (``regime|part|<key>``).
PART_KEYS = ("chips", "nonchip", "refusals", "delay", "leakage")


@dataclass(frozen=True)
class PolicyDraws:
    """Every regime for a chunk of true draws, given the plan: a picklable callable for
    :func:`games.sweep` (keywords ``k|name`` and ``@|name`` as in the portfolio's sample)."""

    portfolio: Portfolio
    plan: Plan
    off: frozenset = frozenset()
    max_rounds: int = 8

    def __call__(self, **flat: np.ndarray) -> dict[str, np.ndarray]:
        check_policy(self.portfolio, flat, self.off)
        base, top = split(flat, len(self.portfolio.deals))
        chunk = Chunk(self.portfolio, base, top, "links" not in self.off, self.max_rounds,
                      self.off & LINK_MECHANISMS)
        return Regimes(chunk, self.plan, self.off).solve()


class Regimes:
    """One chunk of true draws: the regimes, their queues and their parts."""

    def __init__(self, chunk: Chunk, plan: Plan, off: frozenset) -> None:
        self.c, self.plan, self.off = chunk, plan, off
        self.p: Portfolio = chunk.p
        self.n, self.count = chunk.n, len(chunk.p.deals)
        self.informed = plan.belief.kind == "truth" or "misjudging" in off
        self.refusal = refusal_cost(self.p, chunk, off)
        self.harm = chunk.top.get("harm", np.zeros(self.n))
        self.none = chunk.none()
        self.nonchip = self.nonchip_gains()
        self.cache: dict = {}
        self.out: dict[str, np.ndarray] = {}

    # ---- pieces ----------------------------------------------------------------------------

    def fixed(self, terms: Mapping[str, float]) -> dict[str, np.ndarray]:
        return {name: np.full(self.n, float(v)) for name, v in terms.items()}

    def nonchip_gains(self) -> np.ndarray:
        """Per draw and deal: the gain of the non-chip trade (0 where none is struck)."""
        c = self.c
        self.trade_terms: list = []
        self.trade_struck = np.zeros((self.n, self.count), bool)
        if "nonchip" in self.off:
            return np.zeros((self.n, self.count))
        outcomes, offered = [], np.zeros((self.n, self.count), bool)
        for k, entry in enumerate(self.p.deals):
            sq = {k2: np.full(self.n, float(v)) for k2, v in entry.deal.outcome_values().items()}
            if self.informed:   # the best trade in each draw
                level = np.array([float(entry.deal.outcome_values()[entry.issue])])
                table = best_offers(offer_problem(entry, no_deal_values(c, k), {}),
                                    entry.issue, level, 0.0)
                ok = np.isfinite(table.value[:, 0]) & (table.value[:, 0] > ACCEPT_TOLERANCE)
                outcomes.append({name: np.where(ok & ~np.isnan(v[:, 0]), v[:, 0], sq[name])
                                 for name, v in table.points.items()})
                offered[:, k] = ok
            elif self.plan.nonchip[k] is not None:
                outcomes.append(self.fixed(self.plan.nonchip[k]))
                offered[:, k] = True
            else:
                outcomes.append(sq)
        rec = c.settle(outcomes, offered, precedent=False)
        self.trade_terms, self.trade_struck = outcomes, rec["struck"] > 0
        return rec["deal_gain"] * (rec["struck"] > 0)

    def if_accepted(self, k: int, terms: Mapping[str, np.ndarray]) -> np.ndarray:
        """Deal k's gain to the US had the partner accepted ``terms`` (links at no deal)."""
        at = self.c.outcome(k, no_deal_values(self.c, k), terms)
        return at["us"] + at["outside"] - self.c.reference[:, k]

    def fold_trades(self, rec: Mapping[str, np.ndarray], bespoke: np.ndarray):
        """A rule's purchase and the partner's non-chip trade as one package per deal.

        Where a partner buys under a rule and has a trade, the trade's non-chip terms are
        added to the purchase's terms (the volume issue, held issues and, where the tier
        carries them, its security conditions stay the rule's); the partner takes the trade
        on top if it leaves it no worse off than the purchase alone. The US's gain moves by
        the package's gain less the purchase's (links at no deal): where issues interact
        (diversion falls with enforcement) the trade is worth what it is worth with the chips,
        not alone. Returns the record and the (draw, deal) cells where a trade was tried."""
        tried = np.zeros((self.n, self.count), bool)
        if not self.trade_terms:
            return rec, tried
        rec = dict(rec)
        gain = rec["deal_gain"].copy()
        struck = rec["struck"] > 0
        for k, entry in enumerate(self.p.deals):
            rows = struck[:, k] & ~bespoke[:, k] & self.trade_struck[:, k]
            if not rows.any():
                continue
            rule = {i: rec[f"t|{k}|{i}"] for i in self.trade_terms[k]}
            conditions = rec["security"] > 0
            joint = {}
            for i, v in rule.items():
                if i == entry.issue or i in entry.hold:
                    joint[i] = v
                elif i in entry.security:
                    joint[i] = np.where(conditions, v, self.trade_terms[k][i])
                else:
                    joint[i] = self.trade_terms[k][i]
            values = no_deal_values(self.c, k)
            alone, both = self.c.outcome(k, values, rule), self.c.outcome(k, values, joint)
            ok = rows & (both["partner"] >= alone["partner"] - ACCEPT_TOLERANCE)
            gain[:, k] = np.where(ok, gain[:, k] + both["us"] - alone["us"], gain[:, k])
            tried[:, k] = rows
        rec["gain"] = rec["gain"] + (gain - rec["deal_gain"]).sum(axis=1)
        rec["deal_gain"] = gain
        return rec, tried

    def allowance(self) -> np.ndarray:
        """Per draw: the licence-free allowance per partner (100k H100e/yr; 0 if off)."""
        pol = self.p.policy
        if "allowance" in self.off or not pol.has("allowance"):
            return np.zeros(self.n)
        return top_value(pol.fields["allowance"], self.c.top, self.n)

    def net_gain(self, rec: Mapping[str, np.ndarray], struck: np.ndarray) -> np.ndarray:
        """Per draw and struck deal: its gain net of its share of the control cost on the
        total (shared by the Tier-2 chips each adds), so a delay postpones both."""
        c = self.c
        rise = np.maximum(rec["volume"] - c.sq_flows["volume"], 0.0) * c.tier2 * struck
        w = (rec["volume"] * c.tier2).sum(axis=1)
        cost = c.q * (w ** 2 - c.w0 ** 2) / 2
        total = rise.sum(axis=1, keepdims=True)
        share = np.divide(rise, total, out=np.zeros_like(rise), where=total > 0)
        return (rec["deal_gain"] - cost[:, None] * share) * struck

    def queue(self, name: str, bespoke: np.ndarray, licensed: np.ndarray):
        """The review queue of a regime needing ``bespoke`` deals and licensing ``licensed``
        (100k H100e/yr) per draw; None where the file states no capacity or it is off."""
        pol = self.p.policy
        if "bandwidth" in self.off or not pol.bandwidth:
            return None
        f = {k: top_value(e, self.c.top, self.n) for k, e in pol.fields.items()}
        horizon = f["horizon"]
        deals = bespoke / horizon
        licences = licensed / f["licence_size"] + f.get("background", 0.0)
        lat_d = (f.get("deal_latency", 0.0) + f.get("licence_latency", 0.0)) / 12
        lat_l = f.get("licence_latency", np.zeros(self.n)) / 12
        q = review_queue([(deals, f["deal_work"]), (licences, f["licence_work"])],
                         f["capacity"], [lat_d, lat_l], horizon)
        self.out.update({f"{name}|deals_per_year": deals, f"{name}|licences_per_year": licences,
                         f"{name}|utilisation": q.utilisation, f"{name}|wait": q.wait * 12,
                         f"{name}|queue": q.queue_length, f"{name}|backlog": q.backlog,
                         f"{name}|served": q.served})
        return q

    def finish(self, name: str, rec: Mapping[str, np.ndarray], bespoke: np.ndarray,
               terms: list | None = None, extra: np.ndarray | float = 0.0,
               licensed: np.ndarray | None = None, denied: np.ndarray | None = None,
               queued: bool = True, allowance: bool = False,
               tried: np.ndarray | None = None) -> None:
        """A regime's total and parts from its settled record: ``bespoke`` (n, deals) marks
        offers of bespoke terms (``terms[k]``), which a partner may refuse."""
        struck = rec["struck"] > 0
        refused = bespoke & ~struck
        alien = self.refusal * refused
        if denied is not None:
            alien = alien + self.refusal * denied
        taken = bespoke & struck if tried is None else (bespoke & struck) | tried
        fallback = np.where(taken, 0.0, self.nonchip)
        lost = np.zeros((self.n, self.count))
        for k in np.flatnonzero(refused.any(axis=0)):
            lost[:, k] = np.where(refused[:, k], self.if_accepted(k, terms[k]), 0.0)
        before = rec["gain"] + fallback.sum(axis=1) - alien.sum(axis=1) + extra
        rise = np.maximum(rec["volume"] - self.c.sq_flows["volume"], 0.0) * struck
        if licensed is None:
            # The framework's licence-free allowance: each partner's first chips need no
            # licence decision (and carry no conditions; their diversion is not repriced).
            free = self.allowance() if allowance else 0.0
            licensed = (np.maximum(rise - np.asarray(free)[..., None], 0.0)
                        * self.c.tier2).sum(axis=1)
        q = self.queue(name, (bespoke & struck).sum(axis=1) + refused.sum(axis=1), licensed) \
            if queued else None
        delay = np.zeros(self.n)
        if q is not None:
            factor = np.where(bespoke, q.factor[0][:, None], q.factor[1][:, None])
            delay = (self.net_gain(rec, struck) * (factor - 1)).sum(axis=1)
        total = before + delay
        gain = self.net_gain(rec, struck)
        self.out[f"{name}|bespoke_gain"] = (gain * bespoke).sum(axis=1)
        self.out[f"{name}|rule_gain"] = (gain * ~bespoke).sum(axis=1)
        parts = {"nonchip": self.nonchip.sum(axis=1),
                 "refusals": (refused * (self.nonchip - lost)).sum(axis=1) - alien.sum(axis=1),
                 "delay": delay,
                 "leakage": -self.harm * (rec["smuggled"] - self.none["smuggled"])}
        parts["chips"] = total - sum(parts.values())
        self.out.update({f"{name}|gain": total, f"{name}|before_queue": before,
                         f"{name}|licensed": rec["licensed"], f"{name}|smuggled": rec["smuggled"],
                         f"{name}|refused": refused.sum(axis=1).astype(float)})
        self.out.update({f"{name}|part|{k}": parts[k] for k in PART_KEYS})
        for k in range(self.count):
            self.out[f"{name}|{k}|struck"] = struck[:, k].astype(float)
            self.out[f"{name}|{k}|refused"] = refused[:, k].astype(float)
            self.out[f"{name}|{k}|chip_gain"] = rec["deal_gain"][:, k] * struck[:, k] - alien[:, k]

    # ---- the regimes ----------------------------------------------------------------------

    def framework(self) -> None:
        rules = shares(self.off)
        no_upgrade = [uniform(self.c, s, sec, cache=self.cache) for s, sec in rules]
        best = np.max(np.column_stack([r["gain"] for r in no_upgrade]), axis=1)
        bespoke = np.zeros((self.n, self.count), bool)
        terms: list = [None] * self.count
        if self.informed:
            pick = np.argmax(np.column_stack([r["gain"] for r in no_upgrade]), axis=1)
            rec = {k: np.choose(pick, [r[k] for r in no_upgrade]) if v.ndim == 1 else
                   np.stack([r[k] for r in no_upgrade])[pick, np.arange(self.n)]
                   for k, v in no_upgrade[0].items()}
            chosen = best
        else:
            at = rules.index((self.plan.share, self.plan.security))
            chosen = no_upgrade[at]["gain"]
            ups = {k: self.plan.bilateral[k] for k in self.plan.upgraded}
            rec = uniform(self.c, self.plan.share, self.plan.security, ups, self.cache) \
                if ups else no_upgrade[at]
            for k, t in ups.items():
                bespoke[:, k] = True
                terms[k] = self.fixed(t)
        self.out["framework|knowing"] = best - chosen
        rec, tried = self.fold_trades(rec, bespoke)
        self.finish("framework", rec, bespoke, terms, allowance=True, tried=tried)

    def bilateral(self, informed_rec: Mapping[str, np.ndarray]) -> None:
        if self.informed:
            self.out["bilateral|knowing"] = np.zeros(self.n)
            for k in range(self.count):
                self.out[f"bilateral|{k}|knowing"] = np.zeros(self.n)
            self.finish("bilateral", informed_rec, informed_rec["struck"] > 0)
            return
        sq = [self.fixed(d.deal.outcome_values()) for d in self.p.deals]
        terms = [self.fixed(t) if t is not None else s for t, s in zip(self.plan.bilateral, sq)]
        offered = np.array([t is not None for t in self.plan.bilateral])[None, :].repeat(
            self.n, axis=0)
        rec = self.c.settle(terms, offered)
        self.finish("bilateral", rec, offered, terms)
        own = np.column_stack([self.out[f"bilateral|{k}|chip_gain"] for k in range(self.count)])
        full = informed_rec["deal_gain"] * (informed_rec["struck"] > 0)
        for k in range(self.count):
            self.out[f"bilateral|{k}|knowing"] = full[:, k] - own[:, k]
        self.out["bilateral|knowing"] = informed_rec["gain"] - (
            rec["gain"] - (self.refusal * (offered & ~(rec["struck"] > 0))).sum(axis=1))

    def monopoly(self) -> None:
        pol, top = self.p.policy, self.c.top
        extra = np.zeros(self.n)
        for mech, name in (("retaliation", "retaliation"), ("cloud", "cloud_loss")):
            if mech not in self.off and pol.has(name):
                extra = extra - top_value(pol.fields[name], top, self.n)
        tier1 = top_value(pol.fields["tier1_volume"], top, self.n) if pol.has(
            "tier1_volume") else np.zeros(self.n)
        licensed = (self.c.sq_flows["volume"] * self.c.tier2).sum(axis=1) + tier1
        denied = np.broadcast_to(self.c.tier2, (self.n, self.count))
        self.finish("monopoly", self.none, np.zeros((self.n, self.count), bool), extra=extra,
                    licensed=licensed, denied=denied)
        self.out["monopoly|knowing"] = np.zeros(self.n)

    def repeal(self) -> None:
        none = np.zeros((self.n, self.count), bool)
        rec, tried = self.fold_trades(uniform(self.c, None, False, cache=self.cache), none)
        self.finish("repeal", rec, none, queued=False, tried=tried)
        self.out["repeal|knowing"] = np.zeros(self.n)

    def solve(self) -> dict[str, np.ndarray]:
        informed_rec, info = self.c.coordinated()
        self.c.forget()        # the bound's remembered offers: no other regime reads them
        self.out["none|gain"] = self.none["gain"]
        self.out["none|smuggled"] = self.none["smuggled"]
        self.out["none|licensed"] = self.none["licensed"]
        self.out["informed|gain"] = informed_rec["gain"]
        self.out["informed|licensed"] = informed_rec["licensed"]
        self.out["informed|smuggled"] = informed_rec["smuggled"]
        self.framework()
        self.monopoly()
        self.repeal()
        self.bilateral(informed_rec)
        for k in range(self.count):
            self.out[f"nonchip|{k}|gain"] = self.nonchip[:, k]
        self.out.update(record_check(self.c))
        pol = self.p.policy
        if pol.bandwidth and "bandwidth" not in self.off:   # to re-price the queue later
            for name in QUEUE_FIELDS:
                if name in pol.fields:
                    self.out[f"policy|{name}"] = top_value(pol.fields[name], self.c.top, self.n)
        return {k: np.asarray(v, dtype=float) for k, v in self.out.items()}
