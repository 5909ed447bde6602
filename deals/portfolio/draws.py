"""Per-draw pieces of a portfolio: each deal's offers, the links' state, fixed terms evaluated.

All functions work on a chunk of draws at once: a deal's values are arrays of shape (n,), an
outcome maps each issue to an array (n,), options are (n, levels + 1) tables whose column 0
is "no deal" (the status quo terms). Volumes, flows and capacities are in 100k H100e a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from deals.audit import leverage
from deals.deal.cache import deal_view
from deals.deal.model import Deal
from deals.errors import DealError
from games.bargaining.batch import BatchProblem
from games.bargaining.proposer import best_offers
from games.optimise.outcome_space import Box
from games.expressions import Expression

if TYPE_CHECKING:  # the portfolio is passed in; the file module does not need the solver
    from deals.portfolio.file import Portfolio, PortfolioDeal

#: Slack (in $bn per year) under which a partner's gain counts as acceptance.
ACCEPT_TOLERANCE = 1e-9


def outside_options(deal: Deal, values: Mapping[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Both sides' outside options per draw, from the expressions with their definitions
    written out (compiled once per deal): only the definitions they use are computed."""
    n = len(next(iter(values.values())))
    exprs = _outside_expressions(deal)
    used = [values[k] for e in exprs for k in e.names]
    recent = _OUTSIDE.setdefault(id(deal), [])
    for deal_, arrays, answer in recent:
        if deal_ is deal and answer[0].shape == (n,) and len(arrays) == len(used) and all(
                a is b for a, b in zip(arrays, used)):
            return tuple(a.copy() for a in answer)
    answer = tuple(_fresh(e.evaluate(values), (n,)) for e in exprs)
    recent.insert(0, (deal, used, answer))
    del recent[_OUTSIDE_KEPT:]
    return tuple(a.copy() for a in answer)


#: The last few outside options worked out per deal, with the very arrays they were worked out
#: from (compared by identity: arrays of parameter values are never changed in place). A
#: settling round or the next rule of the framework asks again at the same values.
_OUTSIDE: dict[int, list] = {}
_OUTSIDE_KEPT = 2


def _fresh(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as a new float array of ``shape`` (broadcast where it is not that shape; a
    copy even where it is: an expression of one name gives back the array it was given)."""
    value = np.asarray(value, dtype=float)
    return value.copy() if value.shape == shape else np.broadcast_to(value, shape).copy()


def batch_problem(deal: Deal, values: Mapping[str, np.ndarray], utilities: Any = None
                  ) -> BatchProblem:
    """The deal as one bargaining problem per draw (as :func:`deals.audit.leverage.batch_problem`),
    its linearity and outside options worked out once per deal. ``utilities``: a callable to
    use instead of the deal's own (the same function, e.g. remembering its answers)."""
    used = _utility_names(deal)
    return BatchProblem(utilities or leverage.DealUtilities(deal), leverage.outcome_box(deal),
                        {k: v for k, v in values.items() if k in used},
                        outside_options(deal, values),
                        linear=_is_linear(deal))


@deal_view
def _outside_expressions(deal: Deal) -> tuple[Expression, Expression]:
    return tuple(deal.inline(deal.outside_option[side]) for side in ("supplier", "partner"))


@deal_view
def _utility_names(deal: Deal) -> Any:
    return leverage.utility_names(deal)


@deal_view
def _is_linear(deal: Deal) -> bool:
    return leverage.is_linear(deal)


def evaluate(expr: Expression | None, values: Mapping[str, np.ndarray],
             outcome: Mapping[str, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """An expression of a deal's names at ``outcome`` (arrays broadcast to ``shape``)."""
    if expr is None:
        return np.zeros(shape)
    return _fresh(expr.evaluate({**values, **outcome}), shape)


def chips(entry: PortfolioDeal, name: str, values: Mapping[str, np.ndarray],
          outcome: Mapping[str, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """:func:`evaluate` of a flow of chips (``volume``, ``blocked``, ``diverted``,
    ``demand``), refused naming the deal's field where it is not a finite number of at least
    0 (the allocation said only "problem 0's volumes are not finite")."""
    flow = evaluate(getattr(entry, name), values, outcome, shape)
    bad = ~(flow >= -1e-9) | ~np.isfinite(flow)
    if bad.any():
        raise DealError(f"deals ({entry.key}).{name}: {float(flow[bad].flat[0]):g} at some "
                        "terms or draws; a flow of chips must be a finite number of at least 0 "
                        "(100k H100e per year) over the issues' and parameters' ranges")
    return flow


def issue_levels(entry: PortfolioDeal) -> np.ndarray:
    """The levels of the volume issue at which the deal is solved."""
    issue = entry.deal.issue(entry.issue)
    if issue.discrete:
        return np.asarray(issue.levels, dtype=float)
    lo, hi = issue.range
    return np.linspace(lo, hi, entry.levels)


def status_quo(entry: PortfolioDeal, n: int) -> dict[str, np.ndarray]:
    """The deal's status-quo terms, one per draw."""
    return {k: np.full(n, float(v)) for k, v in entry.deal.outcome_values().items()}


@dataclass(frozen=True, eq=False)
class Options:
    """One deal's options per draw: column 0 no deal, then one per level of the volume issue.

    ``value``: the US's gain over its outside option (-inf: the partner refuses, or over the
    country cap); ``partner``: the partner's gain; ``outside``: the US's outside option.
    """

    value: np.ndarray
    partner: np.ndarray
    volume: np.ndarray
    blocked: np.ndarray
    diverted: np.ndarray
    points: Mapping[str, np.ndarray]
    outside: np.ndarray
    exact: bool

    def pick(self, choice: np.ndarray) -> dict[str, np.ndarray]:
        """The terms of the chosen column, per draw."""
        rows = np.arange(len(choice))
        return {k: v[rows, choice] for k, v in self.points.items()}

    def take(self, rows: np.ndarray) -> "Options":
        """The same options for some draws only (copies)."""
        return Options(self.value[rows], self.partner[rows], self.volume[rows],
                       self.blocked[rows], self.diverted[rows],
                       {k: v[rows] for k, v in self.points.items()}, self.outside[rows],
                       self.exact)


def deal_options(entry: PortfolioDeal, values: Mapping[str, np.ndarray],
                 reservation: np.ndarray | float = 0.0, cap: np.ndarray | None = None, *,
                 bespoke: bool = True, utilities: Any = None) -> Options:
    """The US's best terms at each volume level, the partner accepting (``bespoke``), or the
    status-quo terms at each level whatever the partner thinks (``bespoke=False``: a uniform
    rule offers chips only; the partner then chooses)."""
    deal = entry.deal
    n = len(next(iter(values.values())))
    problem = batch_problem(deal, values, utilities)
    if not bespoke or entry.hold:
        sq = deal.outcome_values()

        def span(i):
            if i.name in entry.hold:
                return (entry.hold[i.name], entry.hold[i.name])
            if bespoke or i.name == entry.issue:
                return leverage.issue_span(i)
            return (float(sq[i.name]), float(sq[i.name]))

        problem = BatchProblem(problem.utilities, Box({i.name: span(i) for i in deal.issues}),
                               problem.parameters, problem.disagreement, linear=problem.linear)
    if not bespoke:
        reservation = -np.inf
    table = best_offers(problem, entry.issue, issue_levels(entry), reservation)
    column = {k: np.asarray(v)[:, None] for k, v in values.items()}
    sq = {k: v[:, None] for k, v in status_quo(entry, n).items()}
    points = {k: np.concatenate([sq[k], np.where(np.isnan(v), sq[k], v)], axis=1)
              for k, v in table.points.items()}
    shape = points[entry.issue].shape
    volume = chips(entry, "volume", column, points, shape)
    value = np.concatenate([np.zeros((n, 1)), table.value], axis=1)
    partner = np.concatenate([np.zeros((n, 1)), table.partner_gain], axis=1)
    return capped(entry, Options(value, partner, volume,
                                 chips(entry, "blocked", column, points, shape),
                                 chips(entry, "diverted", column, points, shape), points,
                                 problem.disagreement[0], table.exact), cap, bespoke=bespoke)


def capped(entry: PortfolioDeal, options: Options, cap: np.ndarray | None, *,
           bespoke: bool = True) -> Options:
    """The options of a Tier-2 deal with the levels over the per-country ``cap`` closed
    (for the US; for the partner too under a uniform rule, ``bespoke=False``)."""
    if cap is None or entry.tier != 2:
        return options
    over = options.volume > np.asarray(cap)[:, None] * (1 + 1e-12)
    over[:, 0] = False
    partner = options.partner if bespoke else np.where(over, -np.inf, options.partner)
    return Options(np.where(over, -np.inf, options.value), partner, options.volume,
                   options.blocked, options.diverted, options.points, options.outside,
                   options.exact)


def outcome_at(entry: PortfolioDeal, values: Mapping[str, np.ndarray],
               outcome: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Both gains, the US's outside option and the chip flows at fixed terms, per draw."""
    n = len(next(iter(values.values())))
    out = {k: np.asarray(v, dtype=float)[:, None] for k, v in outcome.items()}
    gains = _plain_gains(entry.deal, values, out)
    if gains is None:       # something not finite: the bargaining problem says what, or allows it
        problem = batch_problem(entry.deal, values)
        gains = (problem.gains(out), problem.disagreement[0])
    (g_1, g_2), outside = (g[:, 0] if np.shape(g) == (n, 1) else np.broadcast_to(g, (n, 1))[:, 0]
                           for g in gains[0]), gains[1]
    column = {k: np.asarray(v)[:, None] for k, v in values.items()}
    flows = {name: chips(entry, name, column, out, (n, 1))[:, 0]
             for name in ("volume", "blocked", "diverted")}
    return {"us": g_1, "partner": g_2, "outside": outside, **flows}


def _plain_gains(deal: Deal, values: Mapping[str, np.ndarray], outcome: Mapping[str, np.ndarray]):
    """For :func:`outcome_at`: both gains at one outcome per draw and the US's outside option,
    the numbers :meth:`BatchProblem.gains` gives, without building the problem (most of the
    cost of a settling round on a few draws); None where anything is not finite."""
    d = outside_options(deal, values)
    used = _utility_names(deal)
    params = {k: np.asarray(v, dtype=float).ravel()[:, None] for k, v in values.items()
              if k in used}
    with np.errstate(all="ignore"):
        u_1, u_2 = leverage.utilities(deal, outcome, params)
        g_1 = np.asarray(u_1, dtype=float) - d[0][:, None]
        g_2 = np.asarray(u_2, dtype=float) - d[1][:, None]
        finite = np.isfinite(np.add.reduce(g_1, axis=None) + np.add.reduce(g_2, axis=None))
    if not finite or g_1.shape != g_2.shape:
        return None
    return (g_1, g_2), d[0]


# ---- the links' state ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class LinkState:
    """What the links do to each deal: parameter values set, and each partner's reservation."""

    overrides: tuple[dict[str, np.ndarray], ...]
    reservation: np.ndarray           # (n, deals), $bn per year

    def values(self, base: Sequence[Mapping[str, np.ndarray]], k: int) -> dict[str, np.ndarray]:
        """Deal k's parameter values with the links' overrides."""
        return {**base[k], **self.overrides[k]}

    def flat(self) -> dict[str, np.ndarray]:
        """The state as named arrays (for :func:`games.decisions.allocation.fixed_point`)."""
        out = {f"r|{k}": self.reservation[:, k] for k in range(self.reservation.shape[1])}
        for k, over in enumerate(self.overrides):
            out.update({f"o|{k}|{name}": v for name, v in over.items()})
        return out

    @classmethod
    def from_flat(cls, flat: Mapping[str, np.ndarray], deals: int) -> "LinkState":
        overrides: list[dict[str, np.ndarray]] = [{} for _ in range(deals)]
        reservation = np.column_stack([flat[f"r|{k}"] for k in range(deals)])
        for key, v in flat.items():
            if key.startswith("o|"):
                _, k, name = key.split("|", 2)
                overrides[int(k)][name] = v
        return cls(tuple(overrides), reservation)


def capacity_curve(portfolio: Portfolio, year: float) -> float:
    """China's export capacity curve at ``year`` (linear between the stated years; a year
    outside them is refused, not silently given the nearest end's capacity)."""
    years, caps = zip(*portfolio.china.capacity)  # type: ignore[union-attr]
    if not years[0] <= year <= years[-1]:  # False for NaN too
        raise DealError(f"portfolio.year: {year:g} is outside the years of "
                        f"china_response.capacity ({years[0]:g} to {years[-1]:g}); give a year "
                        "inside them or extend the curve")
    return float(np.interp(year, years, caps))


def link_state(portfolio: Portfolio, base: Sequence[Mapping[str, np.ndarray]],
               top: Mapping[str, np.ndarray], volume: np.ndarray, struck: np.ndarray,
               blocked: np.ndarray, demand: np.ndarray, *, links: bool = True,
               precedent: bool = True, off: frozenset = frozenset(),
               reference: np.ndarray | None = None) -> LinkState:
    """The links' state given each deal's volume, whether it was struck and what it blocks.

    Precedent: partner j's reservation rises by strength x the volume licensed to i.
    China's response: Huawei's export capacity is curve(year) x scale + response x the change
    in the chips denied (demand minus volume, summed over the deals) from the status quo's
    volumes ``reference`` (:func:`china_capacity`), and each listed partner's Huawei
    parameter is its share of that one capacity (:func:`huawei_shares`). Displacement: the
    source deal's parameter is set to the share, and the target's inflow parameter rises by
    share x the flow blocked at the source. ``off`` may switch off "precedent" and
    "china_response" (Huawei's capacity is then the curve alone, whatever the US denies).
    """
    n, count = volume.shape
    keys = [d.key for d in portfolio.deals]
    overrides: list[dict[str, np.ndarray]] = [{} for _ in keys]
    reservation = np.zeros((n, count))
    if not links:
        return LinkState(tuple(overrides), reservation)
    for link in portfolio.links:
        amount = _link_amount(link, top, n)
        i = keys.index(link.source)
        if link.kind == "precedent":
            if precedent and "precedent" not in off:
                reservation[:, keys.index(link.target)] += amount * volume[:, i] * struck[:, i]
            continue
        if link.parameter:
            overrides[i][link.parameter] = amount.copy()
        if link.target != "outside" and link.inflow:
            j = keys.index(link.target)
            overrides[j][link.inflow] = base[j][link.inflow] + amount * blocked[:, i]
    china = portfolio.china
    if china is not None:
        capacity = china_capacity(portfolio, top, demand, volume, reference, off)
        listed = [keys.index(key) for key in china.deals]
        for k, supply in zip(listed, huawei_shares(capacity, demand[:, listed],
                                                   struck[:, listed])):
            overrides[k][china.parameter] = supply
    return LinkState(tuple(overrides), reservation)


def china_capacity(portfolio: Portfolio, top: Mapping[str, np.ndarray], demand: np.ndarray,
                   volume: np.ndarray, reference: np.ndarray | None,
                   off: frozenset = frozenset()) -> np.ndarray:
    """Huawei's export capacity per draw (100k H100e/yr): the curve at the portfolio's year
    times the scale, plus the response times the chips the US denies beyond those it denies
    at the status quo volumes ``reference`` (None: all the chips it denies), at least 0.

    The curve is the record's capacity under the status quo (record d6 for 2025: about 0,
    while the Gulf licences were pending), so the status quo's own denial is already in it;
    counting it again would give every partner an alternative the record does not show.
    """
    china = portfolio.china
    n = volume.shape[0]
    denied = np.maximum(demand - volume, 0.0).sum(axis=1)
    if reference is not None:
        denied = denied - np.maximum(demand - reference, 0.0).sum(axis=1)
    scale = china.scale(**{m: top[m] for m in china.scale.names})
    response = 0.0 if "china_response" in off else china.response(
        **{m: top[m] for m in china.response.names})
    return np.maximum(np.broadcast_to(capacity_curve(portfolio, portfolio.year) * scale
                                      + response * denied, (n,)).astype(float), 0.0)


def huawei_shares(capacity: np.ndarray, demand: np.ndarray, struck: np.ndarray
                  ) -> list[np.ndarray]:
    """Each listed partner's share of one export capacity, per draw: what it could buy if it
    walked away, shared in proportion to demand with the listed partners that have no deal
    (they buy from the same capacity). Over the partners without a deal the shares add up to
    the capacity, so no chip is counted as two partners' alternative.

    >>> [float(s[0]) for s in huawei_shares(np.array([1.0]), np.array([[3.0, 1.0]]),
    ...                                     np.array([[False, False]]))]
    [0.75, 0.25]
    >>> [float(s[0]) for s in huawei_shares(np.array([1.0]), np.array([[3.0, 1.0]]),
    ...                                     np.array([[True, False]]))]
    [0.75, 1.0]
    """
    demand = np.maximum(np.asarray(demand, dtype=float), 0.0)
    rivals = (demand * ~np.asarray(struck, bool)).sum(axis=1)
    out = []
    for k in range(demand.shape[1]):
        claim = demand[:, k] + rivals - demand[:, k] * ~struck[:, k]
        share = np.divide(demand[:, k], claim, out=np.ones_like(claim), where=claim > 0)
        out.append(capacity * share)
    return out


def _link_amount(link: Any, top: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """A link's share (displacement, in [0, 1]) or strength (precedent, >= 0) in each draw,
    checked where it is read: a share of 1.5 would create chips."""
    amount = np.broadcast_to(np.asarray(link.amount(**{m: top[m] for m in link.amount.names}),
                                        dtype=float), (n,))
    share = link.kind == "displacement"
    high = 1.0 if share else np.inf
    bad = ~((amount >= 0) & (amount <= high))  # NaN is bad too
    if bad.any():
        field = "share" if share else "strength"
        raise DealError(f"links.{link.kind} ({link.source} to {link.target}).{field}: "
                        f"{float(amount[bad][0]):g} at some draws; it must lie in "
                        f"[0, {'1' if share else 'infinity'}] over the parameters' ranges")
    return amount


def smuggled_to_china(portfolio: Portfolio, top: Mapping[str, np.ndarray], blocked: np.ndarray,
                      diverted: np.ndarray) -> np.ndarray:
    """Chips reaching China a year: the baseline flow, less what enforcement blocks net of
    displacement (a displaced share reappears), plus licensed chips diverted."""
    n = blocked.shape[0]
    base = np.zeros(n)
    if portfolio.smuggling is not None:
        e = portfolio.smuggling
        base = np.broadcast_to(np.asarray(e(**{m: top[m] for m in e.names}), dtype=float), (n,))
    keys = [d.key for d in portfolio.deals]
    back = np.zeros(n)
    for link in portfolio.links:
        if link.kind == "displacement":
            back = back + _link_amount(link, top, n) * blocked[:, keys.index(link.source)]
    return np.maximum(base - blocked.sum(axis=1) + back, 0.0) + diverted.sum(axis=1)
