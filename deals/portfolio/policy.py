"""The article's four options as regimes over the same draws: terms chosen ex ante on the
US's belief, partners accepting or refusing world by world, the agencies' bandwidth, and a
decomposition of every regime's gain that sums to its total in every draw.

Two stages. First the US commits, on its belief (:class:`SupplierBelief`: the analyst's distribution,
the deals' ``[beliefs.supplier]``, a bias such as over-rating its chips by 30%, or the truth
itself, world by world), to one set of terms per regime: the tiered framework's common cap
and security conditions and its few upgrades by agreement, each bilateral deal's terms, each
non-chip trade's terms (:mod:`games.decisions.ex_ante` on a menu of candidate terms). Then, in every
true draw, the partners accept or refuse, the links act, refusals cost alienation, and the
review queue (:mod:`games.decisions.queueing`) delays what needs a deal or a licence.

- framework: a common Tier-2 cap (a share of the per-country limit) with the tier's security
  conditions (each deal's ``security`` issues at their top, at the deal's own compliance
  cost), the aggregate limit, and upgrades by agreement (bespoke terms) for a few partners;
- monopoly: licences everywhere, no new chips abroad; allies' retaliation, lost cloud markets
  and partners' alienation (their denied demand moving to Chinese chips) as parameters;
- repeal: no licences, no limits, no conditions: partners buy what suits them;
- bilateral: bespoke terms partner by partner (coordinated under the budget ex ante);
- informed (upper bound): today's coordinated optimum, the US knowing every draw.

Every regime may strike the same non-chip trades (the deal's other issues with chips at the
status quo), so the difference between regimes isolates chips as leverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numpy as np

from deals.two_level.beliefs import believed_values
from deals.errors import DealError, DealFileError
from deals.audit.leverage import batch_problem, issue_span
from deals.portfolio.draws import (ACCEPT_TOLERANCE, evaluate, issue_levels, link_state,
                                   deal_options)
from deals.portfolio.file import Portfolio, PortfolioDeal
from deals.portfolio.memo import UtilityMemo
from deals.portfolio.regimes import CAP_STEPS, Chunk
from games.decisions.allocation import allocate, largest_uniform_cap
from games.parallel import can_fork, jobs_for, process_map
from games.bargaining.batch import BatchProblem
from games.bargaining.proposer import best_offers
from games.decisions.ex_ante import choose_ex_ante
from games.optimise.outcome_space import Box

#: The article's four options, in its order.
OPTIONS = ("framework", "monopoly", "repeal", "bilateral")
LABELS = {"none": "no deals", "framework": "tiered framework, repaired",
          "monopoly": "US monopoly", "repeal": "repeal, no replacement",
          "bilateral": "bilateral deals",
          "informed": "bound: full information"}
#: Every mechanism that can be switched off (``off=``), and what switching it off means.
MECHANISMS = {
    "misjudging": "the US chooses with the truth of every draw (its belief is ignored)",
    "alienation": "a refused or denied partner's demand does not move to Chinese chips",
    "bandwidth": "deals and licences take no time and the agencies never queue",
    "security": "the framework's tiers carry no security conditions",
    "upgrades": "the framework upgrades no partner by agreement",
    "allowance": "the framework has no licence-free allowance (every chip needs a licence)",
    "nonchip": "no regime strikes non-chip trades",
    "retaliation": "allies do not retaliate against a monopoly",
    "cloud": "a monopoly loses US clouds no foreign market",
    "links": "precedent, displacement and China's response are off",
    "precedent": "no partner reads another's licence as the terms it can expect",
    "china_response": "Huawei's export capacity does not grow with the chips the US denies",
}
#: The mechanisms that switch off one link, not all of them.
LINK_MECHANISMS = frozenset({"precedent", "china_response"})
#: The parts of a regime's gain, in the order they are shown.
PARTS = ("chip leverage", "non-chip trades", "refusals", "delay and bandwidth",
         "leakage to China")
#: Draws of the US's belief on which it chooses (its own seed stream).
BELIEF_DRAWS = 1_000
#: Worlds per volume level whose best terms enter the menu of candidate terms.
MENU_ROWS = 6
#: Draws x deals of the belief's draws on which the framework's rules are evaluated at once
#: (:func:`rule_draws`; the 153-partner middle tier takes about 2 MiB a draw there).
CHUNK_DEALS = 32_000
#: Draws x deals of the true draws solved at once, a chunk (its memory grows with both: the
#: middle tier's 153 partners take about 0.6 MiB a draw, most of it the full-information
#: bound's remembered offers; each chunk also pays a fixed cost per deal in NumPy calls on
#: small arrays, about as much as its 209 draws' own work at 32,000, so larger chunks cost
#: less CPU a draw; 627 draws keep the middle tier's run under 500 MiB).
TRUE_CHUNK_DEALS = 96_000


@dataclass(frozen=True)
class SupplierBelief:
    """What the US believes when it chooses: ``kind`` 'analyst' (the analyst's distribution),
    'supplier' (each deal's ``[beliefs.supplier]`` where it has one, else the analyst's) or
    'truth' (it knows each draw); ``bias`` multiplies named parameters of every deal in the
    belief, e.g. ``{"value_multiple": 1.3}``: Washington over-rates its chips by 30%.

    >>> SupplierBelief("analyst", {"value_multiple": 1.3}).describe()
    "the analyst's distribution, value_multiple x1.3"
    """

    kind: str = "analyst"
    bias: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ("analyst", "supplier", "truth"):
            raise DealError(f"belief {self.kind!r}: use 'analyst', 'supplier' or 'truth'")
        for name, factor in self.bias.items():
            if not isinstance(factor, (int, float)) or not math.isfinite(factor) or factor <= 0:
                raise DealError(f"belief bias {name}: the factor must be a finite number "
                                f"above 0, got {factor!r}")

    def describe(self) -> str:
        words = {"analyst": "the analyst's distribution", "truth": "the truth of every draw",
                 "supplier": "the deals' [beliefs.supplier] (else the analyst's)"}[self.kind]
        return ", ".join([words] + [f"{k} x{v:g}" for k, v in self.bias.items()])


def check_policy(portfolio: Portfolio, sample: Mapping[str, np.ndarray], off: frozenset) -> None:
    """Refuse a ``[policy]`` quantity that is not finite, negative, or a capacity or horizon
    of 0, naming the file and field (before any work)."""
    pol = portfolio.policy
    _, top = split(sample, len(portfolio.deals))
    n = len(next(iter(sample.values())))
    for name, expr in pol.fields.items():
        v = top_value(expr, top, n)
        positive = name in ("capacity", "horizon", "licence_size") and "bandwidth" not in off
        if not np.all(np.isfinite(v)) or np.any(v < 0) or (positive and np.any(v <= 0)):
            bad = v[~np.isfinite(v) | (v <= 0 if positive else v < 0)][0]
            raise DealFileError(f"{bad:g} in some draws; it must be a finite number "
                                f"{'above' if positive else 'of at least'} 0",
                                path=portfolio.path, field=f"policy.{name}")


def split(flat: Mapping[str, np.ndarray], count: int):
    """A flat sample (``k|name``, ``@|name``) as per-deal values and the portfolio's own."""
    base: list[dict[str, np.ndarray]] = [{} for _ in range(count)]
    top: dict[str, np.ndarray] = {}
    for key, v in flat.items():
        where, name = key.split("|", 1)
        (top if where == "@" else base[int(where)])[name] = np.asarray(v, dtype=float)
    return base, top


def believed_sample(portfolio: Portfolio, belief: SupplierBelief, sample: Mapping[str, np.ndarray],
                    seed: int | None) -> dict[str, np.ndarray]:
    """The belief's draws: ``sample`` with each deal's supplier beliefs drawn in (kind
    'supplier') and the biased parameters multiplied."""
    out = {k: np.array(v, dtype=float) for k, v in sample.items()}
    for k, entry in enumerate(portfolio.deals):
        if belief.kind == "supplier" and entry.deal.beliefs is not None:
            values = {n.split("|", 1)[1]: v for n, v in out.items() if n.startswith(f"{k}|")}
            seen = believed_values(entry.deal, "supplier", values, seed)
            out.update({f"{k}|{n}": v for n, v in seen.items() if f"{k}|{n}" in out})
    known = {key.split("|", 1)[1] for key in out}
    for name, factor in belief.bias.items():
        if name not in known:
            raise DealError(f"belief bias {name}: no deal or portfolio parameter of that name; "
                            "bias one the deals have (--bias NAME=FACTOR; --overrate scales "
                            "value_multiple)")
        for key in out:
            if key.split("|", 1)[1] == name:
                out[key] = out[key] * factor
    return out


# ---- menus of candidate terms ------------------------------------------------------------

def offer_problem(entry: PortfolioDeal, values: Mapping[str, np.ndarray],
                  fixed: Mapping[str, float], utilities: Any = None) -> BatchProblem:
    """The deal's bargaining problem with the entry's held issues and ``fixed`` ones fixed.
    ``utilities``: a callable to use instead of the deal's own (the same function, e.g.
    remembering its answers)."""
    problem = batch_problem(entry.deal, values)
    if utilities is not None:
        problem = BatchProblem(utilities, problem.box, problem.parameters, problem.disagreement,
                               linear=problem.linear, affine=problem.affine,
                               constant_slopes=problem.constant_slopes, kinks=problem.kinks)
    hold = {**entry.hold, **fixed}
    if not hold:
        return problem
    box = Box({i.name: (hold[i.name], hold[i.name]) if i.name in hold else
               issue_span(i) for i in entry.deal.issues})
    return BatchProblem(problem.utilities, box, problem.parameters, problem.disagreement,
                        linear=problem.linear)


def candidate_terms(entry: PortfolioDeal, values: Mapping[str, np.ndarray],
                    levels: np.ndarray, rows: int = MENU_ROWS, utilities: Any = None
                    ) -> dict[str, np.ndarray]:
    """A menu of complete terms: the US's best terms at each level of the volume issue in a
    few of the belief's worlds (spread evenly by the US's gain there), status quo first.
    ``utilities`` as in :func:`offer_problem`."""
    sq = entry.deal.outcome_values()
    problem = offer_problem(entry, values, {}, utilities)
    table = best_offers(problem, entry.issue, levels, 0.0)
    columns: dict[str, list[np.ndarray]] = {k: [np.array([float(sq[k])])] for k in table.points}
    for level in range(len(levels)):
        value = table.value[:, level]
        ok = np.flatnonzero(np.isfinite(value))
        if not ok.size:
            continue
        order = ok[np.argsort(value[ok], kind="stable")]
        pick = order[np.unique(np.linspace(0, order.size - 1, rows).round().astype(int))]
        for k, v in table.points.items():
            column = v[pick, level]
            columns[k].append(np.where(np.isnan(column), float(sq[k]), column))
    menu = {k: np.concatenate(v) for k, v in columns.items()}
    stacked = np.column_stack([menu[k] for k in menu])
    _, first = np.unique(stacked.round(12), axis=0, return_index=True)
    keep = np.sort(first)
    return {k: v[keep] for k, v in menu.items()}


def menu_outcomes(entry: PortfolioDeal, values: Mapping[str, np.ndarray],
                  menu: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per world and candidate: the US's gain, the partner's gain and the volume."""
    problem = batch_problem(entry.deal, values)
    row = {k: np.asarray(v, dtype=float)[None, :] for k, v in menu.items()}
    n, m = problem.draws, len(next(iter(menu.values())))
    g_1, g_2 = (np.broadcast_to(g, (n, m)) for g in problem.gains(row))
    column = {k: np.asarray(v)[:, None] for k, v in values.items()}
    return g_1, g_2, evaluate(entry.volume, column, row, (n, m))


# ---- the plan: terms chosen on the belief --------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """The terms the US commits to on its belief, and what it expects of each regime."""

    belief: SupplierBelief
    bilateral: tuple[dict[str, float] | None, ...]
    nonchip: tuple[dict[str, float] | None, ...]
    share: float
    security: bool
    upgraded: tuple[int, ...]
    expected: Mapping[str, float]
    rounds: int = 0
    converged: bool = True
    gap: float = 0.0


def with_security(entry: PortfolioDeal, on: bool) -> PortfolioDeal:
    """The entry with its security issues held at their top (a tier's conditions)."""
    if not on or not entry.security or entry.tier != 2:
        return entry
    top = {}
    for issue in entry.deal.issues:
        if issue.name in entry.security:
            top[issue.name] = float(max(issue.levels) if issue.discrete else issue.range[1])
    return replace(entry, hold={**entry.hold, **top})


def refusal_cost(portfolio: Portfolio, chunk: Chunk, off: frozenset[str]) -> np.ndarray:
    """Per draw and deal: what a refusal (or a denial) costs the US, $bn/yr: the share of the
    partner's demand that moves to Chinese chips times the US margin on it."""
    pol = portfolio.policy
    if "alienation" in off or not (pol.has("alienation") and pol.has("chip_revenue")):
        return np.zeros_like(chunk.demand)
    a = top_value(pol.fields["alienation"], chunk.top, chunk.n)
    r = top_value(pol.fields["chip_revenue"], chunk.top, chunk.n)
    return (a * r)[:, None] * chunk.demand


def top_value(expr: Any, top: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """A ``[policy]`` expression of the portfolio's parameters, one value per draw."""
    return np.broadcast_to(np.asarray(expr(**{m: top[m] for m in expr.names}), dtype=float),
                           (n,)).copy()


def no_deal_values(chunk: Chunk, k: int) -> dict[str, np.ndarray]:
    """Deal k's values with the links in their no-deal state (the chunk's, worked out once:
    it was worked out again for every deal, 153 times over on the middle tier)."""
    return chunk.no_deal.values(chunk.values, k)


def uniform(chunk: Chunk, share: float | None, security: bool,
            bespoke: Mapping[int, Mapping[str, float]] | None = None,
            cache: dict | None = None) -> dict[str, np.ndarray]:
    """A uniform rule: a common cap (``share`` of the per-country limit, cut to the aggregate
    limit; ``None``: no cap and no limit) with or without the tiers' security conditions;
    partners buy what suits them; ``bespoke`` deals (upgrades) get fixed terms instead."""
    p, n = chunk.p, chunk.n
    cache = {} if cache is None else cache
    if ("options", security) not in cache:
        entries = [with_security(d, security) for d in p.deals]
        cache[("options", security)] = [
            deal_options(e, no_deal_values(chunk, k), cap=None, bespoke=False)
            for k, e in enumerate(entries)]
    options = cache[("options", security)]
    tier2 = chunk.tier2
    if share is None:
        cap = np.full(n, np.inf)
    else:
        limit = chunk.cap if chunk.cap is not None else np.max(
            [o.volume.max(axis=1) for o in options], axis=0)
        if ("room", security) not in cache:
            prefs = [chunk.under_cap(o, limit, t) for o, t in zip(options, tier2)]
            vols = [o.volume * t for o, t in zip(options, tier2)]
            cache[("room", security)] = largest_uniform_cap(prefs, vols, chunk.budget,
                                                            capped=list(tier2))[0]
        cap = np.minimum(share * limit, cache[("room", security)])
    choice = np.column_stack([np.argmax(chunk.under_cap(o, cap, t), axis=1)
                              for o, t in zip(options, tier2)])
    outcomes = [o.pick(c) for o, c in zip(options, choice.T)]
    offered = choice > 0
    for k, terms in (bespoke or {}).items():
        outcomes[k] = {name: np.full(n, v) for name, v in terms.items()}
        offered[:, k] = True
    rec = chunk.settle(outcomes, offered, precedent=bool(bespoke))
    # The terms in force (``t|k|issue``) and whether the tier's conditions applied, so that a
    # caller can add a partner's non-chip trade to its purchase as one package.
    for k, o in enumerate(outcomes):
        rec.update({f"t|{k}|{name}": v for name, v in o.items()})
    rec["security"] = np.full(n, float(security))
    return rec


def shares(off: frozenset[str]) -> list[tuple[float, bool]]:
    """The framework's candidate rules: common caps x with or without security conditions."""
    conditions = (False,) if "security" in off else (False, True)
    return [(float(s), c) for c in conditions for s in np.linspace(0.0, 1.0, CAP_STEPS)]


#: Rounds of re-pricing the bilateral menus against the denial the plan itself brings about.
PLAN_ROUNDS = 8
#: The plan has settled when the links' state it brings about moves by at most this much
#: (mean over the belief's draws, largest over the deals: 100k H100e/yr of a parameter the
#: links set, or $bn/yr of reservation) from the state it was priced against.
PLAN_TOLERANCE = 0.01


def identical_state(a, b) -> bool:
    """Whether two links' states (per deal: values and reservation) are the same bit for
    bit (not merely equal: a zero's sign or a NaN could steer what is computed from them)."""
    def same(x, y):
        x, y = np.asarray(x), np.asarray(y)
        return x is y or (x.shape == y.shape and x.dtype == y.dtype
                          and np.ascontiguousarray(x).tobytes()
                          == np.ascontiguousarray(y).tobytes())

    return all(v0.keys() == v1.keys() and same(r0, r1) and all(same(v0[n], v1[n]) for n in v0)
               for (v0, r0), (v1, r1) in zip(a, b))


def repeated_round(past: list, state, rounds: int):
    """For :func:`plan_terms`: when the state round ``rounds`` would price against is bit
    for bit the one of p = 2 or 3 rounds before, the plan cycles (each round's answer
    depends on its state alone, so the rounds repeat with period p, and none of them
    settled, else the plan would have stopped): what its last round, :data:`PLAN_ROUNDS`,
    would give, from the round it repeats; None if the state is new. (On the article the
    plan alternates between two states from its second round: rounds 5 to 8 were repeats.)"""
    for p in (2, 3):
        if len(past) >= p and identical_state(state, past[-p][0]):
            return past[-p + (PLAN_ROUNDS - rounds) % p][1]
    return None


def state_gap(old, new) -> float:
    """How far two links' states (per deal: values and reservation) lie apart: the largest
    mean absolute change of a value the links set or of a reservation."""
    gap = 0.0
    for (v0, r0), (v1, r1) in zip(old, new):
        gap = max(gap, float(np.mean(np.abs(r1 - r0))))
        for name, v in v1.items():
            if v is not v0.get(name):
                gap = max(gap, float(np.mean(np.abs(v - v0[name]))))
    return gap


def plan_terms(portfolio: Portfolio, belief: SupplierBelief, sample: Mapping[str, np.ndarray],
               off: frozenset[str], seed: int | None, jobs: Any = 1) -> Plan:
    """Choose every regime's terms on the belief's draws ``sample`` (already believed).

    The bilateral menus are priced at a fixed point: first against every other partner at
    no deal, then against the links' state (China's response to the chips denied, the
    precedent) that the chosen bilateral terms themselves bring about, until the terms stop
    changing (at most :data:`PLAN_ROUNDS` rounds; ``Plan.rounds`` and ``Plan.converged``).
    The framework's rules are judged on the same draws and need nothing of the menus: with
    ``jobs`` of 2 or more (:func:`games.parallel.process_map`) the two run on two worker
    processes at once, each as it runs here."""
    count = len(portfolio.deals)
    base, top = split(sample, count)
    rules = shares(off)
    if jobs_for(jobs, 2) > 1 and can_fork():
        (nonchip, priced), gains = process_map(lambda task: task(), [
            lambda: bilateral_rounds(portfolio, base, top, off),
            lambda: rule_gains(portfolio, base, top, off, rules)], jobs)
    else:  # in turn; the belief's chunk goes before the rules are evaluated (memory)
        nonchip, priced = bilateral_rounds(portfolio, base, top, off)
        gains = rule_gains(portfolio, base, top, off, rules)
    expected, picks, bilateral, a, gap, rounds = priced
    best = int(np.argmax([g[0] for g in gains]))
    share, security = rules[best]
    upgraded: tuple[int, ...] = ()
    if "upgrades" not in off and portfolio.policy.upgrades:
        lift = [expected[k][picks[k]] - gains[best][1][k]
                if bilateral[k] is not None else -np.inf for k in range(count)]
        order = [k for k in np.argsort(lift)[::-1] if lift[k] > 1e-9]
        upgraded = tuple(sorted(int(k) for k in order[:portfolio.policy.upgrades]))
    return Plan(belief, bilateral, nonchip, share, security, upgraded,
                {"framework": float(gains[best][0]), "bilateral": float(a.value[0])},
                rounds, gap <= PLAN_TOLERANCE, gap)


def bilateral_rounds(portfolio: Portfolio, base: list, top: Mapping[str, np.ndarray],
                     off: frozenset[str]) -> tuple[tuple, tuple]:
    """For :func:`plan_terms`: each deal's non-chip trade, and the bilateral menus priced to
    their fixed point on the belief's draws (per deal ``base``, the portfolio's ``top``):
    ``(expected, picks, bilateral, allocation, gap, rounds)``."""
    count = len(portfolio.deals)
    chunk = Chunk(portfolio, base, top, "links" not in off, 8, off & LINK_MECHANISMS)
    refusal = refusal_cost(portfolio, chunk, off)
    nonchip = tuple(nonchip_trade(entry, no_deal_values(chunk, k), off)
                    for k, entry in enumerate(portfolio.deals))
    state = [(no_deal_values(chunk, k), np.zeros(chunk.n)) for k in range(count)]
    gap = np.inf
    priced: dict = {}
    past: list = []          # each round's state priced against, and what it gave
    for rounds in range(1, PLAN_ROUNDS + 1):
        again = repeated_round(past, state, rounds)
        if again is not None:
            expected, picks, bilateral, a, gap = again
            rounds = PLAN_ROUNDS
            break
        expected, volumes, menus = price_menus(portfolio, chunk, refusal, state, priced)
        a = allocate([e[None, :] for e in expected], [w[None, :] for w in volumes],
                     float(np.mean(chunk.budget)), float(np.mean(chunk.q)))
        picks = a.choice[0]
        bilateral = tuple(None if c == 0 else {n: float(v[c]) for n, v in m.items()}
                          for c, m in zip(picks, menus))
        if "links" in off:
            gap = 0.0
            break
        new = regime_state(chunk, bilateral)
        gap = state_gap(state, new)
        past.append((state, (expected, picks, bilateral, a, gap)))
        state = new
        if gap <= PLAN_TOLERANCE:
            break
    return nonchip, (expected, picks, bilateral, a, gap, rounds)


def mean_gains(rec: Mapping[str, np.ndarray], count: int) -> tuple[Any, list[Any]]:
    """A rule's mean gain over the belief's draws and each deal's mean gain."""
    return np.mean(rec["gain"]), [np.mean(rec["deal_gain"][:, k]) for k in range(count)]


def rule_draws(count: int) -> int:
    """The belief's draws on which the framework's rules are evaluated at once: the
    partners' options under a rule take about 2 MiB a draw with 153 partners (1,000 draws at
    once were 310 MiB of the plan's peak), so as many as :data:`CHUNK_DEALS` draws x deals."""
    return max(50, CHUNK_DEALS // max(1, count))


def rule_gains(portfolio: Portfolio, base: list, top: Mapping[str, np.ndarray],
               off: frozenset[str], rules: list[tuple[float, bool]]):
    """Each rule's :func:`mean_gains` on the belief's draws (per deal ``base``, the
    portfolio's ``top``), evaluated :func:`rule_draws` draws at a time. Each draw settles on
    its own, so the per-draw gains are those of all draws at once, and the means are taken
    over all of them together (the same bytes). The partners' options without the tier's
    conditions go once the rules with them are done."""
    count = len(portfolio.deals)
    n = len(next(iter(top.values()))) if top else len(next(iter(base[0].values())))
    size = rule_draws(count)
    columns: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in rules]
    for a in range(0, n, size):
        part = slice(a, min(n, a + size))
        chunk = Chunk(portfolio, [{k: v[part] for k, v in b.items()} for b in base],
                      {k: v[part] for k, v in top.items()}, "links" not in off, 8,
                      off & LINK_MECHANISMS)
        cache: dict = {}
        for r, (s, c) in enumerate(rules):
            if c:
                cache.pop(("options", False), None)
            rec = uniform(chunk, s, c, cache=cache)
            columns[r].append((rec["gain"], rec["deal_gain"]))
    return [mean_gains({"gain": np.concatenate([g for g, _ in cols]),
                        "deal_gain": np.concatenate([d for _, d in cols])}, count)
            for cols in columns]


def same_state(a: tuple[Mapping[str, np.ndarray], np.ndarray],
               b: tuple[Mapping[str, np.ndarray], np.ndarray]) -> bool:
    """Whether two of a deal's states (values, reservation) hold the same numbers."""
    return a[0].keys() == b[0].keys() and np.array_equal(a[1], b[1]) and all(
        a[0][n] is b[0][n] or np.array_equal(a[0][n], b[0][n]) for n in a[0])


def price_menus(portfolio: Portfolio, chunk: Chunk, refusal: np.ndarray,
                state: list[tuple[dict[str, np.ndarray], np.ndarray]],
                memo: dict | None = None):
    """Each deal's menu of candidate terms and, per candidate, the US's expected gain and the
    mean volume, the partner judging each against ``state[k]``: its values and reservation
    with the others as the links leave them and itself at no deal. ``memo`` keeps each
    deal's last state and answer: a deal whose state has not moved since the last round
    (on the article, the five partners China's response does not reach) is not priced
    again."""
    expected, volumes, menus = [], [], []
    memo = {} if memo is None else memo
    for k, entry in enumerate(portfolio.deals):
        if k in memo and same_state(memo[k][0], state[k]):
            pay, volume, menu = memo[k][1]
            expected.append(pay)
            volumes.append(volume)
            menus.append(menu)
            continue
        values, reservation = state[k]
        # The utilities at the offers' outcomes are remembered from round to round: the
        # links move the partners' alternatives, seldom what the utilities read.
        remembered = memo.setdefault(("utilities", k), UtilityMemo(entry, chunk.n))
        menu = candidate_terms(entry, values, issue_levels(entry),
                               utilities=remembered.at(np.arange(chunk.n)))
        us, partner, volume = menu_outcomes(entry, values, menu)
        accept = partner >= reservation[:, None] - ACCEPT_TOLERANCE
        pay = np.where(accept, us, -refusal[:, [k]]).mean(axis=0)
        if chunk.cap is not None and entry.tier == 2:   # over the per-country limit: not offered
            pay = np.where(np.median(volume, axis=0) > np.median(chunk.cap) * (1 + 1e-12),
                           -np.inf, pay)
        pay[0] = 0.0
        expected.append(pay)
        volumes.append(np.maximum(volume.mean(axis=0), 0.0) * (entry.tier == 2))
        menus.append(menu)
        memo[k] = (state[k], (pay, volumes[-1], menu))
    return expected, volumes, menus


def nonchip_trade(entry: PortfolioDeal, values: Mapping[str, np.ndarray],
                  off: frozenset[str]) -> dict[str, float] | None:
    """The deal's non-chip trade (chips at the status quo) chosen ex ante, or None."""
    if "nonchip" in off:
        return None
    sq_level = np.array([float(entry.deal.outcome_values()[entry.issue])])
    trade = candidate_terms(entry, values, sq_level)
    t_us, t_partner, _ = menu_outcomes(entry, values, trade)
    c = choose_ex_ante(t_us, t_partner >= -ACCEPT_TOLERANCE)
    return (None if c.index == 0 or c.expected <= 0 else
            {n: float(v[c.index]) for n, v in trade.items()})


def regime_state(chunk: Chunk, bilateral: tuple[dict[str, float] | None, ...]
                 ) -> list[tuple[dict[str, np.ndarray], np.ndarray]]:
    """Per deal: its values and reservation in the links' state the ``bilateral`` terms bring
    about (settled in the chunk's draws), with the deal itself at no deal (what a partner
    weighing the offer gets by walking away)."""
    n, p = chunk.n, chunk.p
    terms = [{k: np.full(n, float(v)) for k, v in (t or e.deal.outcome_values()).items()}
             for t, e in zip(bilateral, p.deals)]
    offered = np.array([t is not None for t in bilateral])[None, :].repeat(n, axis=0)
    rec = chunk.settle(terms, offered)
    struck = rec["struck"] > 0
    blocked = np.column_stack([np.where(struck[:, k], chunk.outcome(k, chunk.values[k], t)
                                        ["blocked"], chunk.sq_flows["blocked"][:, k])
                               for k, t in enumerate(terms)])
    out = []
    for k in range(len(p.deals)):
        s, v, b = struck.copy(), rec["volume"].copy(), blocked.copy()
        s[:, k], v[:, k], b[:, k] = False, chunk.sq_flows["volume"][:, k], \
            chunk.sq_flows["blocked"][:, k]
        state = link_state(p, chunk.values, chunk.top, v, s, b, chunk.demand,
                           links=chunk.links, off=chunk.links_off,
                           reference=chunk.sq_flows["volume"])
        # A copy: a column of the (draws, deals) reservations would keep the whole array
        # alive, once per deal (153 deals x 1,000 draws: 180 MiB a state).
        out.append((state.values(chunk.values, k), state.reservation[:, k].copy()))
    return out
