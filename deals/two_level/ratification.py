"""The two-level audit of a deal: ratification at home, delay, Schelling's conjecture, beliefs.

For a deal with ``[actors]`` (see :mod:`deals.deal.sections.actors`), over the analyst's draws:

- P(each side's members ratify the proposal) and P(both do); a flag when the proposer's own
  side would not ratify its proposal;
- the latency of ratifying the proposal (review plus dispute times the share overruled) and
  the bargaining power that follows from it through the discount factors (Rubinstein);
- Schelling's conjecture measured per side: the benchmark over that side's win-set against the
  free benchmark, the share of draws where it moves toward the side's negotiator, and where
  it kills the deal (no package both ratified and agreeable).

With ``[beliefs]`` it adds the probability of breakdown from mutual optimism. The maths is
the engine's (:mod:`games.bargaining.winset`).

>>> import deals
>>> t = two_level(deals.load("gulf-divestment-uae"), draws=200, seed=0)
>>> 0 <= t.ratified["supplier"] <= 1
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from deals.deal.sections.actors import WinSetSlack, latency, member_gains
from deals.two_level.beliefs import in_proposal_setting, mutual_optimism_of
from deals.errors import DealError
from deals.audit.leverage import batch_problem, sample_values, supplier_power
from deals.audit.verdicts import side_of
from deals.deal.terms import SIDES
from games import markup
from games.bargaining.batch import scan
from games.bargaining.winset import delayed_power, schelling_shift, win_set
from games.results import TabularResult

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd


def _change(value: float) -> str:
    """A signed change to two decimals, '0' where it rounds to nothing (never '-0.00')."""
    r = round(float(value), 2) + 0.0
    return "n/a" if r != r else ("0" if r == 0 else f"{r:+.2f}")


#: Below this share of draws the proposer's own side is said not to ratify its proposal.
RATIFY_THRESHOLD = 0.5


@dataclass(frozen=True)
class SideOfTwoLevel:
    """One side's home: ratification, latency, and Schelling's shift of its negotiator's gain."""

    side: str
    party: str
    ratified: float                 # P(the side's members ratify the proposal)
    latency_months: float           # median months to ratify the proposal
    win_set_share: float            # median share of the zone of agreement the side ratifies
    toward: float                   # P(the win-set moves the benchmark toward the negotiator)
    killed: float                   # P(a zone exists but nothing in it is ratified)
    shift: float                    # mean change of the negotiator's gain ($bn per year)
    #: Each member: P(it is worse off than its outside option in a draw where the side does
    #: not ratify), i.e. how often it is among those who block the proposal.
    blockers: Mapping[str, float] = field(default_factory=dict)

    def main_blocker(self) -> tuple[str, float] | None:
        """The member that blocks most often and how often (None if the side never blocks)."""
        if not self.blockers:
            return None
        name = max(self.blockers, key=lambda n: self.blockers[n])
        return (name, self.blockers[name]) if self.blockers[name] > 0 else None


@dataclass(frozen=True, eq=False)
class TwoLevel(TabularResult):
    """The two-level audit of one deal's proposal over the analyst's draws.

    See :func:`two_level` and the notebook ``09-two-level``.
    """

    deal: str
    parties: Mapping[str, str]
    draws: int
    seed: int | None
    sides: Mapping[str, SideOfTwoLevel]
    ratified: Mapping[str, float]   # by side with actors, and 'both'
    power: float                    # median supplier power from the file's delay costs
    power_with_latency: float       # ... with each side's ratification latency added
    breakdown: float | None         # P(mutual optimism) where the deal has [beliefs]
    threat: Any = None              # deals.two_level.doubt.ThreatUnderDoubt with [beliefs.partner.resolve]
    method: str = ("win-sets by the engine (games.bargaining.winset): ratification rule over "
                   "members' gains, Nash over the win-set, Rubinstein power with latency")
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def unratified_at_home(self) -> bool:
        """True when the supplier's own side ratifies its proposal in under half the draws."""
        return "supplier" in self.sides and self.ratified["supplier"] < RATIFY_THRESHOLD

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        rows = []
        for s in self.sides.values():
            rows += [(f"{s.party}: P(ratifies the proposal)", f"{s.ratified:.0%}"),
                     (f"{s.party}: delay to ratify (months, median)", f"{s.latency_months:.1f}"),
                     (f"{s.party}: win-set share of the zone (median)", f"{s.win_set_share:.0%}"),
                     (f"{s.party}: P(win-set helps its negotiator)", f"{s.toward:.0%}"),
                     (f"{s.party}: P(win-set kills the deal)", f"{s.killed:.0%}"),
                     (f"{s.party}: negotiator's gain change ($bn/yr, mean)", _change(s.shift))]
        if "both" in self.ratified:
            rows.append(("P(ratified on every side)", f"{self.ratified['both']:.0%}"))
        if self.sides:
            rows.append(("supplier power: stated delay costs", f"{self.power:.2f}"))
            rows.append(("supplier power: with ratification delays",
                         f"{self.power_with_latency:.2f}"))
        if self.breakdown is not None:
            rows.append(("P(breakdown: mutual optimism)", f"{self.breakdown:.0%}"))
        return pd.DataFrame(rows, columns=["quantity", "value"]).set_index("quantity")

    def summary(self, detail: bool = True) -> list[str]:
        """The audit in sentences: plain words first; ``detail`` adds the specialist lines
        (bargaining power, Schelling's win-set conjecture, Fearon's mutual optimism by name;
        see docs/glossary.md)."""
        lines = []
        if "both" in self.ratified:
            lines.append(f"The proposal is ratified at home in {self.ratified['both']:.0%} of "
                         "draws" + "".join(f"; by {side_of(self.parties[s])} in "
                                           f"{self.ratified[s]:.0%}" for s in self.sides) + ".")
        for s in self.sides.values():
            blocking = sorted(((n, p) for n, p in s.blockers.items() if p >= 0.005),
                              key=lambda kv: -kv[1])
            if blocking:
                lines.append(f"Who blocks on {side_of(s.party)} (it refuses in "
                             f"{1 - s.ratified:.0%} of draws): " + ", ".join(
                                 f"{n} objects in {p:.0%}" for n, p in blocking) + ".")
        if self.unratified_at_home:
            lines.append(f"FLAG: {side_of(self.parties['supplier'])} would not ratify its own "
                         "proposal in most draws.")
        if self.breakdown is not None:
            lines.append(f"Talks may break down: each side expects more than the other will "
                         f"concede in {self.breakdown:.0%} of draws"
                         + (" (mutual optimism, Fearon)." if detail else "."))
        if detail and self.sides:
            lines.append(f"Supplier power {self.power:.2f} from the stated delay costs; "
                         f"{self.power_with_latency:.2f} once ratification delays are added "
                         "(0 to 1: the supplier's share of the bargaining weight).")
        for s in self.sides.values() if detail else ():
            lines.append(f"Schelling ({s.party}): its win-set (the packages its side would "
                         f"ratify) moves the benchmark toward its negotiator in {s.toward:.0%} "
                         f"of draws (mean gain change {_change(s.shift)} $bn per year) and "
                         f"kills the deal in {s.killed:.0%}.")
        t = self.threat
        if t is not None:
            certain = float(np.mean(t.answer_if_certain == t.replies.index("accept")))
            lines.append(f"Threat under doubt: {side_of(self.parties['partner'])} accepts the "
                         f"proposal in {t.accepts:.0%} of draws at its belief in the threat "
                         f"(median {np.median(t.resolve):.2f} of 1), in {certain:.0%} if it "
                         f"believed it fully; the threat is tested in {t.tested:.0%} and "
                         f"carried out in {t.carried:.0%}.")
            if t.rests_on_doubted_threat:
                lines.append(f"FLAG: the proposal's leverage rests on a threat "
                             f"{side_of(self.parties['partner'])} doubts.")
        return lines

    def to_data(self) -> dict[str, Any]:
        """The audit as data for ``chipdeals ratify --format json``: numbers as numbers, keys
        that never depend on the deal (schema: deals/ratify.schema.json)."""
        t = self.threat
        return {
            "deal": self.deal, "draws": self.draws, "seed": self.seed,
            "gain_unit": "$bn per year",
            "ratified": {k: self.ratified.get(k) for k in ("supplier", "partner", "both")},
            "sides": [{"side": s.side, "party": s.party, "p_ratifies": s.ratified,
                       "delay_months_median": s.latency_months,
                       "win_set_share_median": s.win_set_share, "p_win_set_helps": s.toward,
                       "p_win_set_kills": s.killed, "gain_change_mean": s.shift,
                       "blockers": [{"member": n, "p_blocks": p} for n, p in
                                    sorted(s.blockers.items(), key=lambda kv: -kv[1])]}
                      for s in self.sides.values()],
            "supplier_power": {"stated": self.power if self.sides else None,
                               "with_ratification_delays":
                                   self.power_with_latency if self.sides else None},
            "p_breakdown": self.breakdown,
            "threat": None if t is None else {
                "p_accepts": t.accepts, "p_tested": t.tested, "p_carried_out": t.carried,
                "resolve_median": float(np.median(t.resolve)),
                "rests_on_doubted_threat": bool(t.rests_on_doubted_threat)},
            "flags": {"unratified_at_home": self.unratified_at_home}}

    def rows(self, words: bool = False) -> list[tuple[str, float]]:
        """The headline probabilities as (name, value) pairs for the assessment's and the
        comparison's tables: ratification, breakdown, the doubted threat tested (snake_case
        names, or with ``words`` the names a person reads)."""
        out = []
        if "both" in self.ratified:
            out.append(("p_ratified", "P(ratified at home)", self.ratified["both"]))
        if self.breakdown is not None:
            out.append(("p_breakdown", "P(breakdown: mutual optimism)", self.breakdown))
        if self.threat is not None:
            out.append(("p_threat_tested", "P(the doubted threat is tested)", self.threat.tested))
        return [(label if words else name, value) for name, label, value in out]

    def short(self) -> str:
        """One sentence for a comparison's notes."""
        parts = [f"ratified at home in {self.ratified['both']:.0%} of draws"] \
            if "both" in self.ratified else []
        if self.breakdown is not None:
            parts.append(f"talks break down from mutual optimism in {self.breakdown:.0%}")
        if self.threat is not None and self.threat.rests_on_doubted_threat:
            parts.append("its leverage rests on a threat the partner doubts")
        return ("Two-level: " + "; ".join(parts) + ".") if parts else ""

    def caption(self) -> str:
        return f"{self.deal}: two-level audit, {self.draws:,} draws, seed {self.seed}"

    def __str__(self) -> str:
        return "\n".join(self.summary()) + "\n\n" + super().__str__()

    def _repr_html_(self) -> str:
        """The audit in sentences first, then the table (Jupyter)."""
        return (f"<pre style='white-space: pre-wrap'>{markup.text(chr(10).join(self.summary()))}"
                "</pre>" + super()._repr_html_())


def two_level_summary(deal: Any, draws: int, seed: int | None) -> TwoLevel | None:
    """:func:`two_level` for a deal with [actors] or [beliefs] and a proposal, else None
    (what :func:`deals.assess` attaches)."""
    if (deal.actors is None and deal.beliefs is None) or deal.proposal is None:
        return None
    return two_level(deal, draws, seed)


def side_slack(deal: Any, side: str) -> WinSetSlack:
    """The win-set constraint of one side alone (the deal with only that side's actors)."""
    return WinSetSlack(replace(deal, actors=type(deal.actors)({side: deal.actors[side]})))


def all_values_problem(deal: Any, values: Mapping[str, np.ndarray]) -> Any:
    """The deal's batch problem carrying every parameter (members use more than the utilities)."""
    return replace(batch_problem(deal, values),
                   parameters={k: np.asarray(v, dtype=float) for k, v in values.items()})


def power_with_latency(deal: Any, values: Mapping[str, np.ndarray], months: Mapping[str, Any]
                       ) -> np.ndarray:
    """The supplier's power when each side's offers also wait ``months[side]`` to be ratified."""
    n = len(next(iter(values.values())))
    factors = deal.discount_factors(values)
    if factors is None:
        return np.full(n, 0.5)
    t = deal.months_between_offers
    monthly = [np.broadcast_to(np.asarray(f, dtype=float), (n,)) ** (1 / t) for f in factors]
    return np.broadcast_to(delayed_power(monthly[0], monthly[1], t + months.get("supplier", 0.0),
                                         t + months.get("partner", 0.0)), (n,))


def two_level(deal: Any, draws: int = 2_000, seed: int | None = 0, *,
              power: float | None = None, grid_points: int = 350) -> TwoLevel:
    """Ratification, latency, power and Schelling's shift of a deal's proposal, per draw.

    Each side's Schelling half (its win-set's share of the zone and the benchmark over it)
    is found the first time ``sides`` is read (:class:`HomeSides`): the headline
    probabilities (:meth:`TwoLevel.rows`, what ``chipdeals compare`` shows) do not need it.
    """
    if deal.actors is None and deal.beliefs is None:
        raise DealError(f"deal {deal.name!r} has neither [actors] nor [beliefs]; add "
                        "[actors.supplier] or [beliefs.supplier] (docs/deal-files.md)")
    if deal.proposal is None:
        raise DealError(f"deal {deal.name!r} has no [proposal] to ratify")
    given = deal
    deal, proposal = deal.at_terms("proposal")  # in the proposal's own setting
    values = sample_values(deal, draws, seed)
    beta = supplier_power(deal, values, power)
    homes, ratified, months = {}, {}, {}
    for side in deal.actors or {}:
        home = deal.actors[side]
        gains_each = member_gains(deal, side, proposal, values)
        ratified_each = home.ratification().ratifies(gains_each)
        ratified[side] = np.broadcast_to(ratified_each, (draws,))
        objects = np.broadcast_to(gains_each, (len(home.members), draws)) < 0
        blockers = {m.name: float(np.mean(objects[j] & ~ratified[side]))
                    for j, m in enumerate(home.members)}
        months[side] = np.broadcast_to(latency(deal, side, proposal, values), (draws,))
        homes[side] = (float(ratified[side].mean()), float(np.median(months[side])), blockers)
    shares = {s: float(v.mean()) for s, v in ratified.items()}
    if ratified:
        shares["both"] = float(np.mean(np.logical_and.reduce(list(ratified.values()))))
    breakdown, threat = None, None
    if deal.beliefs is not None:
        breakdown = mutual_optimism_of(given, draws, seed, power=power).probability
        if "partner" in deal.beliefs and deal.beliefs["partner"].resolve is not None:
            from deals.two_level.doubt import threat_under_doubt  # start-up time: games.trees

            threat = threat_under_doubt(given, draws, seed)
    return TwoLevel(deal.name, {s: deal.party(s) for s in SIDES}, draws, seed,
                    HomeSides(deal, values, beta, grid_points, homes), shares,
                    float(np.median(beta)),
                    float(np.median(power_with_latency(deal, values, months)))
                    if power is None else float(power), breakdown, threat,
                    settings={"grid_points": grid_points, "power": power})


@dataclass(frozen=True, eq=False)
class HomeSides(Mapping):
    """Each side's :class:`SideOfTwoLevel` by side, the Schelling half of every side found
    (once, for all sides) the first time a side is read; which sides there are is known at
    once. It keeps the draws it was made from, so a pickled copy finds the same answer.

    ``homes`` maps each side with actors to its (P(ratifies), median latency, blockers).
    """

    deal: Any
    parameters: Mapping[str, np.ndarray] = field(repr=False)
    beta: np.ndarray = field(repr=False)
    grid_points: int
    homes: Mapping[str, tuple[float, float, Mapping[str, float]]]
    found: dict = field(default_factory=dict, repr=False)

    def __getitem__(self, side: str) -> SideOfTwoLevel:
        if side not in self.homes:
            raise KeyError(side)
        if not self.found:
            self.found.update(self._schelling())
        return self.found[side]

    def __iter__(self):
        return iter(self.homes)

    def __len__(self) -> int:
        return len(self.homes)

    def __contains__(self, side: object) -> bool:
        return side in self.homes

    def _schelling(self) -> dict[str, SideOfTwoLevel]:
        """Every side's record: its win-set's share of the zone and Schelling's shift."""
        deal = self.deal
        problem = all_values_problem(deal, self.parameters)
        grid = scan(problem, self.grid_points)
        sides, free_nash = {}, None
        for side, (ratified, months, blockers) in self.homes.items():
            slack = side_slack(deal, side)
            # The benchmark without a win-set is the same for both sides: found once.
            shift = schelling_shift(problem, slack, self.beta, grid=grid, free=free_nash)
            free_nash = shift.free
            player = SIDES.index(side)
            share = win_set(problem, slack, grid=grid)
            with np.errstate(invalid="ignore", divide="ignore"):
                inside = np.where(share.zone_share > 0,
                                  share.share_in_zone / share.zone_share, np.nan)
            moved = shift.shift_of(player)
            sides[side] = SideOfTwoLevel(
                side, deal.party(side), ratified, months,
                float(np.nanmedian(inside)) if np.isfinite(inside).any() else float("nan"),
                float(np.mean(shift.toward(player))),
                float(np.mean(shift.killed & shift.free.agreement)),
                float(np.nanmean(moved)) if np.isfinite(moved).any() else float("nan"),
                blockers)
        return sides


def schelling_curve(deal: Any, side: str, parameter: str, levels: Any, draws: int = 500,
                    seed: int | None = 0) -> pd.DataFrame:
    """Schelling's conjecture as a curve: ``parameter`` (e.g. a hawkish member's weight) set to
    each of ``levels``; per level the side's ratification of the proposal, its win-set's share
    of the zone, its negotiator's mean gain at the free benchmark and at the benchmark over the
    win-set (0 where there is no deal), the share of draws where the win-set moves the benchmark
    toward the side, and the share where the deal dies.

    >>> import deals
    >>> curve = schelling_curve(deals.load("gulf-divestment-uae"), "supplier",
    ...                         "defense_harm_weight", [1.0, 4.0], draws=100)
    >>> list(curve.columns)[:2]
    ['P(ratifies proposal)', 'win-set / zone']
    """
    import pandas as pd  # start-up time: only a frame asked for needs pandas

    rows = []
    deal = in_proposal_setting(deal)
    for level in levels:
        bound = deal.bind(**{parameter: float(level)})
        values = sample_values(bound, draws, seed)
        problem = all_values_problem(bound, values)
        grid = scan(problem, 350)
        beta = supplier_power(bound, values, None)
        slack = side_slack(bound, side)
        shift = schelling_shift(problem, slack, beta, grid=grid)
        player = SIDES.index(side)
        share = win_set(problem, slack, grid=grid)
        proposal = bound.outcome_values(bound.proposal.values)
        gains = member_gains(bound, side, proposal, values)
        with np.errstate(invalid="ignore", divide="ignore"):
            inside = np.where(share.zone_share > 0, share.share_in_zone / share.zone_share, np.nan)
        constrained = np.where(shift.constrained.agreement, shift.constrained.gains[player], 0.0)
        rows.append({parameter: float(level),
                     "P(ratifies proposal)": float(np.mean(
                         bound.actors[side].ratification().ratifies(gains))),
                     "win-set / zone": float(np.nanmedian(inside)),
                     "gain, free benchmark": float(np.mean(
                         np.where(shift.free.agreement, shift.free.gains[player], 0.0))),
                     "gain, win-set benchmark": float(np.mean(constrained)),
                     "toward own side": float(np.mean(shift.toward(player))),
                     "deal killed": float(np.mean(shift.killed))})
    return pd.DataFrame(rows).set_index(parameter)
