"""The four regimes of a portfolio, solved per Monte Carlo draw, all draws of a chunk at once.

- none: no deals; every deal stays at its status quo and every partner at its outside option.
  The US's gains in the other regimes are measured against this one.
- framework: a uniform rule, no bespoke terms: every Tier-2 partner may buy up to one common
  cap (the US's best of a few caps up to the per-country limit), lowered until the total fits
  the budget; each partner buys what suits it (or nothing). China's response and
  displacement act; a uniform rule sets no bespoke precedent.
- alone: each deal struck as if it were the only one (the US's best terms against that
  partner alone, its own control cost), then the limits cut the volumes, and the deals are
  evaluated with the links in force: a partner whose reservation or alternative has risen
  may now refuse.
- coordinated: the joint optimum. A price of a chip decomposes the budget
  (:func:`games.decisions.allocation.allocate`), each deal is solved given the price
  (:func:`games.bargaining.proposer.best_offers`), and the links are brought to a fixed point
  (:func:`games.decisions.allocation.fixed_point`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from deals.errors import DealFileError
from deals.numbers import people
from deals.portfolio.draws import (ACCEPT_TOLERANCE, LinkState, deal_options,
                                   chips,
                                   issue_levels, link_state, outcome_at, smuggled_to_china,
                                   status_quo)
from deals.portfolio.memo import OfferMemo
from games.decisions.allocation import Allocation, allocate, fixed_point, largest_uniform_cap

if TYPE_CHECKING:  # the portfolio is passed in; the file module does not need the solver
    from deals.portfolio.file import Portfolio

REGIMES = ("none", "framework", "alone", "coordinated")
LABELS = {"none": "no deals", "framework": "tiered framework",
          "alone": "bilateral, each alone", "coordinated": "coordinated bilateral"}
#: Chips are computed in 100k H100e; tables show thousands of H100e.
THOUSANDS = 100.0
#: Rounds of re-evaluation when fixed terms meet the links (acceptances settle in a few).
SETTLE_ROUNDS = 12
#: The chip flows a deal's outcome carries, per draw (100k H100e per year).
FLOWS = ("volume", "blocked", "diverted")
#: What an allocation holds per draw, in the order :class:`games.decisions.allocation.Allocation` takes.
ALLOCATION_FIELDS = ("choice", "volumes", "price", "shadow_price", "value", "bound")
#: Uniform caps the tiered framework tries, evenly spaced from 0 to the per-country limit.
CAP_STEPS = 7
#: Draws allocated at once (the allocation's memory grows with them; each draw is
#: allocated on its own, so the answers do not depend on it).
ALLOCATE_DRAWS = 256


@dataclass(frozen=True)
class PortfolioDraws:
    """Solve every regime for a chunk of draws: a picklable callable for :func:`games.sweep`.

    Called with the sample as keywords (``"k|name"`` for deal k's parameters, ``"@|name"``
    for the portfolio's own and shared ones); returns named columns, one value per draw.
    """

    portfolio: Portfolio
    links: bool = True
    max_rounds: int = 8

    def __call__(self, **flat: np.ndarray) -> dict[str, np.ndarray]:
        count = len(self.portfolio.deals)
        base: list[dict[str, np.ndarray]] = [{} for _ in range(count)]
        top: dict[str, np.ndarray] = {}
        for key, v in flat.items():
            where, name = key.split("|", 1)
            (top if where == "@" else base[int(where)])[name] = np.asarray(v, dtype=float)
        return Chunk(self.portfolio, base, top, self.links, self.max_rounds).solve()


class Chunk:
    """One chunk of draws: the deals' values, the reference (no deals) and the regimes."""

    def __init__(self, portfolio: Portfolio, base: Sequence[Mapping[str, np.ndarray]],
                 top: Mapping[str, np.ndarray], links: bool, max_rounds: int,
                 links_off: frozenset = frozenset()) -> None:
        self.p, self.top, self.links, self.max_rounds = portfolio, top, links, max_rounds
        self.links_off = links_off          # single links switched off ("precedent", ...)
        self.n = n = len(next(iter(base[0].values())))
        self.alone_values = [dict(b) for b in base]     # each deal's own view (own cost)
        cost = portfolio.total_cost
        self.values = [{**b, cost: np.zeros(n)} if cost and cost in b else dict(b) for b in base]
        self.q = top[cost] if cost else np.zeros(n)
        self.budget = self._limit(portfolio.budget, np.inf, "budget.total")
        self.cap = self._limit(portfolio.per_country, None, "budget.per_country")
        self.tier2 = np.array([d.tier == 2 for d in portfolio.deals])
        self.sq = [status_quo(d, n) for d in portfolio.deals]
        self.demand = np.column_stack([chips(d, "demand", v, sq, (n,)) for d, v, sq
                                       in zip(portfolio.deals, self.values, self.sq)])
        at_sq = [outcome_at(d, v, sq) for d, v, sq in zip(portfolio.deals, self.values, self.sq)]
        self.sq_flows = {k: np.column_stack([a[k] for a in at_sq])
                         for k in FLOWS}
        none = self._state(self.sq_flows["volume"], np.zeros((n, len(at_sq)), bool),
                           self.sq_flows["blocked"])
        self.no_deal = none                 # the links' state with no deal struck
        self.reference = np.column_stack([
            outcome_at(d, none.values(self.values, k), sq)["outside"]
            for k, (d, sq) in enumerate(zip(portfolio.deals, self.sq))])
        self.w0 = (self.sq_flows["volume"] * self.tier2).sum(axis=1)
        self.memo = OfferMemo(n)
        self._outcomes: dict[int, list] = {}
        self._allocation: dict[str, Any] | None = None

    def forget(self) -> None:
        """Drop the remembered offers and allocations (memory; answers do not change)."""
        self.memo = OfferMemo(self.n)
        self._allocation = None

    def _top(self, expr: Any, default: Any) -> Any:
        if expr is None:
            return default if default is None else np.full(self.n, default)
        return np.broadcast_to(np.asarray(expr(**{m: self.top[m] for m in expr.names}),
                                          dtype=float), (self.n,)).copy()

    def _limit(self, expr: Any, default: Any, field: str) -> Any:
        """A chip limit over the draws; one below 0 or not a number is the file's error."""
        limit = self._top(expr, default)
        if limit is not None and not np.all(limit >= 0):
            bad = limit[~(limit >= 0)]
            raise DealFileError(f"the limit is {people(float(bad[0]))} (100k H100e per year) in "
                                f"{bad.size:,} of {limit.size:,} draws; a chip limit must be a "
                                "number of 0 or more", path=self.p.path, field=field)
        return limit

    def _state(self, volume, struck, blocked, *, precedent: bool = True,
               links: bool | None = None) -> LinkState:
        return link_state(self.p, self.values, self.top, volume, struck, blocked, self.demand,
                          links=self.links if links is None else links, precedent=precedent,
                          off=self.links_off, reference=self.sq_flows["volume"])

    # ---- fixed terms under the links -------------------------------------------------------

    def settle(self, outcomes: Sequence[Mapping[str, np.ndarray]], offered: np.ndarray, *,
               precedent: bool = True) -> dict[str, np.ndarray]:
        """Fixed terms evaluated with the links in force, until acceptances stop changing.

        A draw's next round depends on its own terms, acceptances and flows alone, so after
        the first round only the draws still moving are evaluated (:class:`_Settling`): a
        draw whose state came back bit for bit keeps it, and one that cycles through 2 or 3
        states gets the state the loop would leave it in. The answers are those of
        evaluating every draw in every round until none moves (at most
        :data:`SETTLE_ROUNDS`)."""
        at = [self.outcome(k, v, o) for k, (v, o) in enumerate(zip(self.values, outcomes))]
        run = _Settling(offered.copy(), {k: np.column_stack([a[k] for a in at]) for k in FLOWS})
        plain = at          # a deal the links leave alone: its outcome at its own values
        for _ in range(SETTLE_ROUNDS):
            rows = run.rows
            full = rows.size == self.n
            struck, flows = run.struck[rows], {k: v[rows] for k, v in run.flows.items()}
            volume = np.where(struck, flows["volume"], self.sq_flows["volume"][rows])
            blocked = np.where(struck, flows["blocked"], self.sq_flows["blocked"][rows])
            state = self._state(volume, struck, blocked, precedent=precedent) if full else \
                self._state_rows(rows, volume, struck, blocked, precedent)
            base = self.sliced(rows)
            now = []
            for k, o in enumerate(outcomes):
                if not state.overrides[k]:
                    now.append(plain[k] if full else {n: v[rows] for n, v in plain[k].items()})
                elif full:
                    now.append(self.outcome(k, state.values(self.values, k), o))
                else:
                    now.append(outcome_at(self.p.deals[k], state.values(base, k),
                                          {n: v[rows] for n, v in o.items()}))
            new = {k: np.column_stack([a[k] for a in now]) for k in FLOWS}
            partner = np.column_stack([a["partner"] for a in now])
            accept = offered[rows] & (partner >= state.reservation - ACCEPT_TOLERANCE)
            if run.step(accept, new, np.column_stack([a["us"] for a in now]),
                        np.column_stack([a["outside"] for a in now])):
                break
        return self.record(run.struck, run.us, run.outside, run.flows)

    def _state_rows(self, rows: np.ndarray, volume, struck, blocked, precedent: bool
                    ) -> LinkState:
        """:meth:`_state` for the draws ``rows`` only (the arrays given hold those draws)."""
        return link_state(self.p, self.sliced(rows), {k: v[rows] for k, v in self.top.items()},
                          volume, struck, blocked, self.demand[rows], links=self.links,
                          precedent=precedent, off=self.links_off,
                          reference=self.sq_flows["volume"][rows])

    def outcome(self, k: int, values: Mapping[str, np.ndarray],
                terms: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """:func:`outcome_at` for deal k, reusing the last few answers for the same values and
        terms (a settling round, or the next cap of the framework, moves few deals)."""
        def same(a, b):
            return a.keys() == b.keys() and all(
                x is y or np.array_equal(x, y) for x, y in ((a[n], b[n]) for n in a))

        recent = self._outcomes.setdefault(k, [])
        for v, t, answer in recent:
            if same(v, values) and same(t, terms):
                return answer
        answer = outcome_at(self.p.deals[k], values, terms)
        recent.insert(0, (values, terms, answer))
        del recent[3:]
        return answer

    def record(self, struck, us, outside, flows) -> dict[str, np.ndarray]:
        """A regime's per-draw results, gains against the no-deal reference."""
        pick = {k: np.where(struck, v, self.sq_flows[k]) for k, v in flows.items()}
        gain = np.where(struck, us + outside, outside) - self.reference
        w = (pick["volume"] * self.tier2).sum(axis=1)
        total = gain.sum(axis=1) - self.q * (w ** 2 - self.w0 ** 2) / 2
        return {"gain": total, "deal_gain": gain, "struck": struck, "volume": pick["volume"],
                "licensed": pick["volume"].sum(axis=1),
                "smuggled": smuggled_to_china(self.p, self.top, pick["blocked"],
                                              pick["diverted"])}

    # ---- the regimes -----------------------------------------------------------------------

    def none(self) -> dict[str, np.ndarray]:
        n, count = self.n, len(self.p.deals)
        zero = np.zeros((n, count))
        return self.record(np.zeros((n, count), bool), zero, self.reference, self.sq_flows)

    def framework(self) -> dict[str, np.ndarray]:
        """Uniform caps: the US picks, per draw, the common Tier-2 cap (a share of the
        per-country limit, on a grid of :data:`CAP_STEPS`) that serves it best; partners
        choose their volume under it (their alternatives as with no deals); the budget lowers
        the cap further if the total would exceed it; the links then act on those terms."""
        n, count = self.n, len(self.p.deals)
        state = self._state(self.sq_flows["volume"], np.zeros((n, count), bool),
                            self.sq_flows["blocked"], precedent=False)
        options = [deal_options(d, state.values(self.values, k), cap=self.cap, bespoke=False)
                   for k, d in enumerate(self.p.deals)]
        limit = self.cap if self.cap is not None else np.max(
            [o.volume.max(axis=1) for o in options], axis=0)
        vols = [o.volume * t for o, t in zip(options, self.tier2)]
        # The largest cap the budget allows (the total only rises with the cap), found once.
        prefs = [self.under_cap(o, limit, t) for o, t in zip(options, self.tier2)]
        room, _ = largest_uniform_cap(prefs, vols, self.budget, capped=list(self.tier2))
        best: dict[str, np.ndarray] | None = None
        for share in np.linspace(0.0, 1.0, CAP_STEPS):
            cap = np.minimum(share * limit, room)
            choice = np.column_stack([np.argmax(self.under_cap(o, cap, t), axis=1)
                                      for o, t in zip(options, self.tier2)])
            outcomes = [o.pick(c) for o, c in zip(options, choice.T)]
            rec = self.settle(outcomes, choice > 0, precedent=False)
            rec["cap"] = cap
            if best is None:
                best = rec
                continue
            better = rec["gain"] > best["gain"] + 1e-12
            best = {k: np.where(better[:, None] if v.ndim == 2 else better, rec[k], v)
                    for k, v in best.items()}
        return best  # type: ignore[return-value]

    @staticmethod
    def under_cap(options, cap: np.ndarray, capped: bool) -> np.ndarray:
        """The partner's gains, -inf at levels above the cap and at levels that license no
        more than the status quo (under a uniform rule they are no deal: a cap of 0 is no
        deals); no deal always allowed. A partner outside the caps (Tier 1) already has the
        rule's access as its status quo: a uniform rule strikes no deal with it."""
        if not capped:
            only = np.full_like(options.partner, -np.inf)
            only[:, 0] = options.partner[:, 0]
            return only
        over = options.volume > cap[:, None] * (1 + 1e-12)
        over |= options.volume <= options.volume[:, :1] + 1e-12
        over[:, 0] = False
        return np.where(over, -np.inf, options.partner)

    def alone_terms(self) -> tuple[list[dict[str, np.ndarray]], np.ndarray, np.ndarray]:
        """Each deal's best terms for the US against that partner alone: terms, column, volume."""
        terms, choices, volumes = [], [], []
        everyone = np.arange(self.n)
        for k, (d, v) in enumerate(zip(self.p.deals, self.alone_values)):
            o = self.memo.options(k, d, v, everyone)     # kept for the coordinated regime
            c = allocate([o.value], [o.volume]).choice[:, 0]
            terms.append(o.pick(c))
            choices.append(c)
            volumes.append(o.volume[np.arange(self.n), c])
        return terms, np.column_stack(choices), np.column_stack(volumes)

    def alone(self, terms, choice) -> dict[str, np.ndarray]:
        prefs, vols = [], []
        for k, d in enumerate(self.p.deals):
            levels = issue_levels(d)
            # Column 0 is no deal: every issue at the status quo, not the alone terms' other
            # issues (their volume would count against the budget as if struck).
            points = {name: np.concatenate([self.sq[k][name][:, None], np.broadcast_to(
                v[:, None], (self.n, levels.size))], axis=1) for name, v in terms[k].items()}
            points[d.issue] = np.concatenate([self.sq[k][d.issue][:, None], np.broadcast_to(
                levels, (self.n, levels.size))], axis=1)
            column = {name: v[:, None] for name, v in self.values[k].items()}
            volume = chips(d, "volume", column, points, points[d.issue].shape)
            rank = np.arange(levels.size + 1)[None, :].astype(float)
            allowed = rank <= choice[:, [k]]
            if self.cap is not None and d.tier == 2:
                allowed &= (volume <= self.cap[:, None] * (1 + 1e-12)) | (rank == 0)
            prefs.append(np.where(allowed, rank, -np.inf))
            vols.append(volume * (d.tier == 2))
        _, cut = largest_uniform_cap(prefs, vols, self.budget, capped=list(self.tier2))
        outcomes = []
        for k, d in enumerate(self.p.deals):
            levels = np.concatenate([[np.nan], issue_levels(d)])
            o = dict(terms[k])
            o[d.issue] = np.where(cut[:, k] > 0, levels[cut[:, k]], self.sq[k][d.issue])
            outcomes.append(o)
        return self.settle(outcomes, (choice > 0) & (cut > 0))

    def solve_given(self, state: LinkState, rows: np.ndarray | None = None):
        """Every deal's offers given the links' state, and the allocation under the budget,
        for the draws ``rows`` (all by default; ``state`` holds only those draws)."""
        rows = np.arange(self.n) if rows is None else rows
        cap = None if self.cap is None else self.cap[rows]
        base = self.sliced(rows)             # once, not once per deal (153 deals: K^2 slices)
        options = [self.memo.options(k, d, state.values(base, k), rows,
                                     state.reservation[:, k], cap)
                   for k, d in enumerate(self.p.deals)]
        a = self.allocation(rows, [o.value for o in options],
                            [o.volume * t for o, t in zip(options, self.tier2)])
        return options, a

    def allocation(self, rows: np.ndarray, values: list[np.ndarray],
                   volumes: list[np.ndarray]) -> Allocation:
        """:func:`games.decisions.allocation.allocate` for the draws ``rows``, reusing the last answer
        of every draw whose options are the same (each draw is allocated on its own)."""
        saved = self._allocation
        miss = np.ones(len(rows), bool)
        if saved is not None:
            miss = ~saved["have"][rows]
            for k, (v, w) in enumerate(zip(values, volumes)):
                miss |= ~((saved["offered values"][k][rows] == v).all(axis=1)
                          & (saved["offered volumes"][k][rows] == w).all(axis=1))
        if miss.any():
            local = np.flatnonzero(miss)
            a = self._allocate_in_parts(rows[local], [v[local] for v in values],
                                        [w[local] for w in volumes])
            if saved is None:
                saved = self._allocation = {
                    "have": np.zeros(self.n, bool), "method": a.method, "settings": a.settings,
                    "offered values": [np.zeros((self.n,) + v.shape[1:]) for v in values],
                    "offered volumes": [np.zeros((self.n,) + w.shape[1:]) for w in volumes],
                    **{f: np.zeros((self.n,) + getattr(a, f).shape[1:],
                                   getattr(a, f).dtype) for f in ALLOCATION_FIELDS}}
            where = rows[local]
            for k, (v, w) in enumerate(zip(values, volumes)):
                saved["offered values"][k][where] = v[local]
                saved["offered volumes"][k][where] = w[local]
            for f in ALLOCATION_FIELDS:
                saved[f][where] = getattr(a, f)
            saved["have"][where] = True
        return Allocation(*(saved[f][rows] for f in ALLOCATION_FIELDS), saved["method"],
                          saved["settings"])

    def _allocate_in_parts(self, where: np.ndarray, values: list[np.ndarray],
                           volumes: list[np.ndarray]) -> Allocation:
        """:func:`allocate` for the chunk's draws ``where`` (``values`` and ``volumes`` hold
        only those), :data:`ALLOCATE_DRAWS` at a time: the allocation stacks every problem's
        options a few times over, and each draw is allocated on its own (the same answers)."""
        if where.size <= ALLOCATE_DRAWS:
            return allocate(values, volumes, self.budget[where], self.q[where])
        parts = [allocate([v[at] for v in values], [w[at] for w in volumes],
                          self.budget[where[at]], self.q[where[at]])
                 for at in np.array_split(np.arange(where.size),
                                          -(-where.size // ALLOCATE_DRAWS))]
        return Allocation(*(np.concatenate([getattr(a, f) for a in parts])
                            for f in ALLOCATION_FIELDS), parts[0].method, parts[0].settings)

    def sliced(self, rows: np.ndarray) -> list[dict[str, np.ndarray]]:
        """The deals' values (portfolio view) for some draws."""
        if len(rows) == self.n:
            return self.values
        return [{k: v[rows] for k, v in b.items()} for b in self.values]

    def next_state(self, state: LinkState, rows: np.ndarray | None = None,
                   links: bool = True) -> LinkState:
        """The links' state the allocation chosen under ``state`` brings about."""
        rows = np.arange(self.n) if rows is None else rows
        options, a = self.solve_given(state, rows)
        at = np.arange(len(rows))
        volume = np.column_stack([o.volume[at, c] for o, c in zip(options, a.choice.T)])
        blocked = np.column_stack([o.blocked[at, c] for o, c in zip(options, a.choice.T)])
        return link_state(self.p, self.sliced(rows), {k: v[rows] for k, v in self.top.items()},
                          volume, a.choice > 0, blocked, self.demand[rows],
                          links=links and self.links, off=self.links_off,
                          reference=self.sq_flows["volume"][rows])

    def coordinated(self, links: bool = True) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The joint optimum; with ``links=False`` the links are ignored while choosing.

        The links' state (reservations, Huawei capacity, displaced flows) is iterated to a
        fixed point: choose the allocation given the state, recompute the state from it.
        """
        count = len(self.p.deals)
        start = self._state(self.sq_flows["volume"], np.zeros((self.n, count), bool),
                            self.sq_flows["blocked"], links=links and self.links)
        converged, rounds = np.ones(self.n, bool), 0
        if links and self.links and (self.p.links or self.p.china):
            def step(flat, rows):
                return self.next_state(LinkState.from_flat(flat, count), rows).flat()

            flat, converged, rounds = fixed_point(step, start.flat(), damping=1.0,
                                                  max_rounds=self.max_rounds, by_rows=True)
            start = LinkState.from_flat(flat, count)
        options, a = self.solve_given(start)
        outcomes = [o.pick(c) for o, c in zip(options, a.choice.T)]
        info = {"price": a.price, "shadow": a.shadow_price, "gap": a.gap,
                "converged": converged.astype(float),
                "exact": np.full(self.n, float(all(o.exact for o in options)))}
        return self.settle(outcomes, a.choice > 0), {**info, "state": start}

    def proposals(self, state: LinkState) -> dict[str, np.ndarray]:
        """Each deal's proposal: its volume and acceptance alone and with the links."""
        out = {}
        for k, d in enumerate(self.p.deals):
            if d.deal.proposal is None:
                continue
            terms = {name: np.full(self.n, v) for name, v in
                     d.deal.outcome_values(d.deal.proposal.values).items()}
            alone = outcome_at(d, self.alone_values[k], terms)
            linked = outcome_at(d, state.values(self.values, k), terms)
            out[f"proposal|{k}|volume"] = alone["volume"]
            out[f"proposal|{k}|accept_alone"] = (alone["partner"] >= -ACCEPT_TOLERANCE) * 1.0
            out[f"proposal|{k}|accept_linked"] = (
                linked["partner"] >= state.reservation[:, k] - ACCEPT_TOLERANCE) * 1.0
            out[f"proposal|{k}|reservation"] = state.reservation[:, k]
        return out

    def solve(self) -> dict[str, np.ndarray]:
        """Every regime's columns (``regime|quantity`` and ``regime|k|quantity``)."""
        out: dict[str, np.ndarray] = {}

        def put(name: str, rec: Mapping[str, np.ndarray]) -> None:
            for key, v in rec.items():
                v = np.asarray(v, dtype=float)
                if v.ndim == 2:
                    for k in range(v.shape[1]):
                        out[f"{name}|{k}|{key}"] = v[:, k]
                else:
                    out[f"{name}|{key}"] = v

        put("none", self.none())
        put("framework", self.framework())
        terms, choice, volume = self.alone_terms()
        put("alone", self.alone(terms, choice))
        over = (volume > self.cap[:, None] * (1 + 1e-12)) & self.tier2 if self.cap is not None \
            else np.zeros_like(volume, bool)
        put("alone_terms", {"volume": volume, "over": over})
        coordinated, info = self.coordinated()
        state = info.pop("state")
        put("coordinated", {**coordinated, **info})
        if self.links:
            ignoring, _ = self.coordinated(links=False)
            out["ignoring|gain"] = ignoring["gain"]
        out.update(self.proposals(state))
        return out


class _Settling:
    """For :meth:`Chunk.settle`: the acceptances and flows of every draw, the US's gain and
    outside option of the round that produced them, and the draws still moving (``rows``).

    Each round hands in the answers for ``rows``; :meth:`step` keeps them, drops the draws
    whose state came back bit for bit (every later round computes the same), and follows a
    draw whose state is bit for bit that of p = 2 or 3 rounds before, its last p states
    each different from the next: it cycles for ever, the loop runs all
    :data:`SETTLE_ROUNDS` rounds, and the draw is set to what the last one gives it."""

    def __init__(self, struck: np.ndarray, flows: dict[str, np.ndarray]) -> None:
        n = struck.shape[0]
        self.struck, self.flows = struck, flows
        self.us, self.outside = np.zeros(struck.shape), np.zeros(struck.shape)
        self.rows = np.arange(n)
        self.round, self.cycled = 0, False
        self.past = [self._copy()]          # the states of the rounds before, latest first

    def _copy(self) -> tuple:
        return (self.struck.copy(), {k: v.copy() for k, v in self.flows.items()},
                self.us.copy(), self.outside.copy())

    def step(self, accept: np.ndarray, new: dict[str, np.ndarray], us: np.ndarray,
             outside: np.ndarray) -> bool:
        """Keep one round's answers for ``rows``; True once the loop would stop."""
        self.round += 1
        rows = self.rows
        value = (accept == self.struck[rows]).all(axis=1)
        bits = value.copy()
        for k, v in new.items():
            old = self.flows[k][rows]
            value &= (v == old).all(axis=1)
            bits &= (v.view(np.int64) == old.view(np.int64)).all(axis=1)
        bits &= value
        self.struck[rows] = accept
        for k, v in new.items():
            self.flows[k][rows] = v
        self.us[rows], self.outside[rows] = us, outside
        self.past.insert(0, self._copy())
        del self.past[4:]
        moving = ~bits
        for p in (2, 3):
            if len(self.past) <= p:
                continue
            cycle = moving & ~value & self._same_bits(rows, 0, p)
            if p == 3:
                cycle &= ~self._same_values(rows, 1, 2) & ~self._same_values(rows, 0, 2)
            if cycle.any():
                where = rows[cycle]
                struck, flows, us_, outside_ = self.past[(self.round - SETTLE_ROUNDS) % p]
                self.struck[where] = struck[where]
                for k in self.flows:
                    self.flows[k][where] = flows[k][where]
                self.us[where], self.outside[where] = us_[where], outside_[where]
                moving &= ~cycle
                self.cycled = True
        self.rows = rows[moving]
        return not self.rows.size or (bool(value.all()) and not self.cycled)

    def _same_bits(self, rows: np.ndarray, i: int, j: int) -> np.ndarray:
        """Per draw of ``rows``: the states ``past[i]`` and ``past[j]`` bit for bit equal."""
        a, b = self.past[i], self.past[j]
        same = (a[0][rows] == b[0][rows]).all(axis=1)
        for k in a[1]:
            same &= (a[1][k][rows].view(np.int64) == b[1][k][rows].view(np.int64)).all(axis=1)
        return same

    def _same_values(self, rows: np.ndarray, i: int, j: int) -> np.ndarray:
        """Per draw of ``rows``: the states ``past[i]`` and ``past[j]`` equal in value (the
        loop's own test)."""
        a, b = self.past[i], self.past[j]
        same = (a[0][rows] == b[0][rows]).all(axis=1)
        for k in a[1]:
            same &= (a[1][k][rows] == b[1][k][rows]).all(axis=1)
        return same
