"""A person at the table: play one side of a deal against an agent, then see the benchmark.

The deal is played at its point values, the supplier opening. The person sees only their
own utility of each offer; counter-offers are issue values (``chips=600000 divest=0.5``), and
issues left out keep their value in the offer on the table. At the end, the trace shows both
sides' utilities and where the agreement sits against the benchmark (the asymmetric Nash
solution with power from the costs of delay). :class:`PracticeSession` holds the game; the
terminal (``chipdeals negotiate``) and the notebook widget (:mod:`deals.practice.widget`) are
two faces of it.

>>> import deals
>>> game = PracticeSession(deals.load("gulf-divestment-uae"), side="partner",
...                        against="boulware", rounds=6, grid_points=200)
>>> game.offer_on_table is not None               # the supplier (the agent) has opened
True
>>> game.respond("chips=1200000 divest=0 safeguards=0").startswith("US (boulware) refuses")
True
>>> game.respond("accept")
'You accept. Agreement in round 3.'
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Callable

import numpy as np
import pandas as pd

from deals.errors import DealError
from deals.audit.leverage import point_values
from deals.audit.verdicts import the
from deals.deal.model import Deal
from deals.practice.negotiation import UNIT, agent_named, negotiation_problem, outcome_utilities
from deals.views.output import Section, terminal_width, text_table
from games.negotiation import NegotiationTrace, Negotiator, SideView

PAIR = re.compile(r"^([A-Za-z_][A-Za-z_0-9]*)\s*=\s*(\S+)$")


#: Version of ``chipdeals negotiate --format json`` (deals/negotiate.schema.json).
NEGOTIATE_SCHEMA_VERSION = 1


def number_text(value: float) -> str:
    """A number as a person writes it: 600,000 or 0.35."""
    return f"{value:,.0f}" if abs(value) >= 1_000 else f"{value:.3g}"


def issue_text(issue: Any) -> str:
    """What a person may offer of an issue, unit in brackets: 'chips 0 to 300,000 (H100e per
    year)', 'tier 0, 1 or 2 (0 Tier 2, 1 Tier 1)' for a discrete issue."""
    if issue.levels is None:
        values = f"{number_text(issue.range[0])} to {number_text(issue.range[1])}"
    else:
        said = [number_text(float(v)) for v in issue.levels]
        values = " or ".join([", ".join(said[:-1]), said[-1]]) if len(said) > 1 else said[0]
    return f"{issue.name} {values}" + (f" ({issue.unit})" if issue.unit else "")


def example_value(issue: Any) -> float:
    """A value a person may offer, for the example: half the top of a continuous issue's
    range, a discrete issue's top level (never a value between its levels)."""
    return float(issue.levels[-1]) if issue.levels is not None else issue.range[1] / 2


class PracticeSession:
    """One negotiation between a person (``side``) and a standard agent, round by round."""

    def __init__(self, deal: Deal, *, side: str = "partner", against: str = "boulware",
                 rounds: int = 12, grid_points: int = 1_000, seed: int = 0) -> None:
        if side not in ("supplier", "partner"):
            raise DealError(f"--as {side!r}: play the 'supplier' or the 'partner'")
        if not (isinstance(rounds, (int, np.integer)) and 2 <= rounds <= 1_000):
            raise DealError(f"--rounds {rounds!r}: give a whole number of rounds from 2 to 1000")
        self.deal, self.rounds = deal, int(rounds)
        self.person = 0 if side == "supplier" else 1
        self.agent = agent_named(against)
        self.problem = negotiation_problem(deal, grid_points=grid_points)
        self.values = point_values(deal)
        self.rng = np.random.default_rng(seed)
        self.offers: list[tuple[int, int]] = []      # (side, outcome index), one per round
        self.status = "open"                         # open, agreed, no agreement, walked out
        self.pending: np.ndarray | None = None       # the agent's next offer, already decided
        if self.person == 1:  # the supplier opens: the agent moves first
            self._agent_offers()

    # ---- what the person sees ---------------------------------------------------------

    @property
    def round(self) -> int:
        """The round of the offer on the table (0 before any offer)."""
        return len(self.offers)

    @property
    def offer_on_table(self) -> dict[str, float] | None:
        """The agent's offer waiting for the person's reply, or None."""
        if self.status != "open" or not self.offers or self.offers[-1][0] == self.person:
            return None
        return self.problem.outcome(self.offers[-1][1])

    def my_utility(self, index: int) -> float:
        return float(self.problem.utility(self.person)[0, index])

    @property
    def my_reservation(self) -> float:
        return float(self.problem.reservation(self.person)[0])

    def history(self, reveal: bool = False) -> pd.DataFrame:
        """Offers so far with the person's utility (and the agent's, with ``reveal``)."""
        names = self.problem.sides
        rows = []
        for r, (side, index) in enumerate(self.offers, start=1):
            row = {"round": r, "by": "you" if side == self.person else
                   f"{names[side]} ({self.agent.name})"}
            row.update({k: number_text(v) for k, v in self.problem.outcome(index).items()})
            row["your utility"] = round(self.my_utility(index), 3)
            if reveal:
                row[f"{names[1 - self.person]} utility"] = round(float(
                    self.problem.utility(1 - self.person)[0, index]), 3)
            rows.append(row)
        return pd.DataFrame(rows).set_index("round") if rows else pd.DataFrame()

    # ---- moves ------------------------------------------------------------------------

    def _view(self) -> SideView:
        side = 1 - self.person
        view = SideView(self.problem, side, self.rounds, self.rng)
        view.my_offers = [np.array([i]) for s, i in self.offers if s == side]
        view.their_offers = [np.array([i]) for s, i in self.offers if s != side]
        return view

    def _agent_offers(self) -> None:
        if self.pending is None:
            view = self._view()
            view.round = self.round + 1
            self.pending = np.asarray(self.agent.strategy.offer(view))
        self.offers.append((1 - self.person, int(self.pending[0])))
        self.pending = None

    def parse(self, text: str) -> dict[str, float]:
        """Issue values from ``name=value`` pairs; a :class:`DealError` says what is wrong."""
        base = self.offer_on_table or self.deal.outcome_values()
        values = dict(base)
        pairs = [p for p in re.split(r"[\s;]+", text.strip().replace(" = ", "=")) if p]
        if not pairs:
            raise DealError("write a counter-offer as issue=value pairs, or 'accept' or 'walk'")
        for pair in pairs:
            match = PAIR.match(pair.rstrip(","))
            if not match:
                raise DealError(f"{_said(pair)}: write issue=value, e.g. "
                                f"{self.deal.issues[0].name}={number_text(self.deal.issues[0].range[1])}")
            name, raw = match.groups()
            if name not in values:
                raise DealError(f"unknown issue {_said(name)}; the issues are "
                                f"{', '.join(i.name for i in self.deal.issues)}")
            issue = self.deal.issue(name)
            try:
                value = float(raw.replace(",", "").replace("_", ""))
            except ValueError:
                raise DealError(f"{name}: {_said(raw)} is not a number") from None
            lo, hi = issue.range
            if not np.isfinite(value) or not lo <= value <= hi:
                raise DealError(f"{name}: {_said(raw)[1:-1]} is outside its range, "
                                f"{number_text(lo)} to {number_text(hi)} {issue.unit}".rstrip())
            if issue.levels is not None and not np.any(np.isclose(issue.levels, value)):
                raise DealError(f"{name}: choose one of the levels "
                                f"{', '.join(number_text(v) for v in issue.levels)}")
            values[name] = value
        return values

    def respond(self, text: str) -> str:
        """The person's move: 'accept', 'walk', or a counter-offer; returns what happened."""
        if self.status != "open":
            raise DealError(f"the negotiation is over ({self.status})")
        word = text.strip().lower()
        if word in ("accept", "a", "yes"):
            if self.offer_on_table is None:
                raise DealError("there is no offer of theirs on the table to accept; make one")
            if self.my_utility(self.offers[-1][1]) < self.my_reservation:
                raise DealError("that offer is worth less to you than your outside option; "
                                "the protocol does not let you accept it: counter or walk")
            self.status = "agreed"
            return f"You accept. Agreement in round {self.round}."
        if word in ("walk", "quit", "leave"):
            self.status = "walked out"
            return "You walk away: no agreement."
        if self.round >= self.rounds:
            raise DealError("this was the last round: 'accept' their offer or 'walk'")
        values = self.parse(text)
        u_a, u_b = outcome_utilities(self.deal, values, 1, self.values)
        self.problem, index = self.problem.with_outcome(values, u_a, u_b)
        self.offers.append((self.person, index))
        note = (" (Your offer is worth less to you than your outside option.)"
                if self.problem.gains(self.person)[0, index] < 0 else "")
        agent = self._view()
        agent.round = self.round
        nxt = None
        if self.round < self.rounds:
            agent.round = self.round + 1
            nxt = np.asarray(self.agent.strategy.offer(agent))
            agent.round = self.round
        x = np.array([index])
        gains_ok = all(self.problem.gains(s)[0, index] >= 0 for s in (0, 1))
        name = f"{self.problem.sides[1 - self.person]} ({self.agent.name})"
        if gains_ok and bool(self.agent.acceptance.accepts(agent, x, nxt)[0]):
            self.status = "agreed"
            return f"{name} accepts. Agreement in round {self.round}.{note}"
        if nxt is None:
            self.status = "no agreement"
            return f"{name} refuses your last offer. The deadline has passed: no agreement.{note}"
        them = 1 - self.person
        before = next((i for side, i in reversed(self.offers) if side == them), None)
        self.pending = nxt
        self._agent_offers()
        worth = self.my_utility(self.offers[-1][1])
        return (f"{name} refuses and offers terms worth {worth:.3g} $bn a year to you"
                f"{self._concession(before, self.offers[-1][1])}.{note}")

    def _concession(self, before: int | None, after: int) -> str:
        """What the agent's new offer gives up of its own gain over its last one, in words."""
        if before is None:
            return ""
        side = 1 - self.person
        r = float(self.problem.reservation(side)[0])
        old = float(self.problem.utility(side)[0, before]) - r
        new = float(self.problem.utility(side)[0, after]) - r
        if old <= 0:
            return ""
        change = (old - new) / old
        if abs(change) < 0.005:
            return " (it holds firm: its own gain is unchanged)"
        if change > 0:
            return f" (it concedes {change:.0%} of its own gain over its last offer)"
        return f" (it asks for more: {-change:.0%} more gain for itself than its last offer)"

    # ---- the debrief ------------------------------------------------------------------

    def result(self) -> list[dict[str, Any]]:
        """Each side's result (you first): outside option, outcome, gain, benchmark gain."""
        p, sides = self.problem, self.problem.sides
        bench = p.benchmark_utilities()[:, 0]
        agreed = self.status == "agreed"
        last = self.offers[-1][1] if agreed else None
        out = []
        for role, side in (("you", self.person), ("agent", 1 - self.person)):
            r = float(p.reservation(side)[0])
            got = float(p.utility(side)[0, last]) if agreed else r
            gain, bench_gain = got - r, float(bench[side]) - r
            wait = float(p.discount(side)[0]) ** (self.round - 1) if agreed else 0.0
            out.append({"role": role, "side": ("supplier", "partner")[side],
                        "party": sides[side], "outside_option": r, "outcome": got,
                        "gain": gain, "gain_discounted": wait * gain,
                        "benchmark_gain": bench_gain,
                        "share_of_benchmark_gain": gain / bench_gain if bench_gain > 0
                        else None})
        return out

    def result_sentence(self) -> str:
        """The ending in one plain sentence: 'You got 7% of the gain your position supports;
        the US got 102%.'"""
        you, them = self.result()
        if self.status != "agreed":
            return (f"No agreement ({self.status}): both sides keep their outside options; "
                    f"at the benchmark you would have gained {you['benchmark_gain']:.3g} {UNIT}.")

        def share(r: dict[str, Any]) -> str:
            x = r["share_of_benchmark_gain"]
            return "n/a" if x is None or x != x else f"{x:.0%}"

        return (f"Agreed in round {self.round}: you got {share(you)} of the gain your position "
                f"supports ({you['gain']:.3g} of {you['benchmark_gain']:.3g} {UNIT}); "
                f"{the(them['party'])} got {share(them)}.")

    def to_data(self) -> dict[str, Any]:
        """The game as data for ``chipdeals negotiate --format json`` (deals/negotiate.schema.json)."""
        names = self.problem.sides
        offers = []
        for r, (side, index) in enumerate(self.offers, start=1):
            offers.append({
                "round": r, "by": "you" if side == self.person else "agent",
                "party": names[side],
                "terms": [{"issue": k, "value": float(v)}
                          for k, v in self.problem.outcome(index).items()],
                "your_utility": self.my_utility(index),
                "their_utility": float(self.problem.utility(1 - self.person)[0, index])})
        return {"schema_version": NEGOTIATE_SCHEMA_VERSION, "command": "negotiate",
                "deal": self.deal.name, "you": ("supplier", "partner")[self.person],
                "against": self.agent.name, "rounds": self.rounds, "rounds_played": self.round,
                "status": self.status, "utility_unit": UNIT, "offers": offers,
                "result": self.result(), "summary": self.result_sentence()}

    def debrief(self) -> list[Section]:
        """The trace with both sides' utilities, and the agreement against the benchmark."""
        p, sides = self.problem, self.problem.sides
        me, them = self.person, 1 - self.person
        bench = p.benchmark_utilities()[:, 0]
        agreed = self.status == "agreed"
        last = self.offers[-1][1] if agreed else None
        columns = {}
        for label, side in (("you", me), (self.agent.name, them)):
            r = float(p.reservation(side)[0])
            got = float(p.utility(side)[0, last]) if agreed else r
            gain, bench_gain = got - r, float(bench[side]) - r
            wait = float(p.discount(side)[0]) ** (self.round - 1) if agreed else 0.0
            columns[f"{sides[side]} ({label})"] = {
                "outside option": r, "outcome": got, "gain": gain,
                "gain, discounted": wait * gain, "benchmark gain": bench_gain,
                "share of benchmark gain": gain / bench_gain if bench_gain > 0 else np.nan}
        verdict = pd.DataFrame(columns).round(3)
        verdict.index.name = "utility"
        power = float(p.power()[0])
        caption = (f"{self.status} after {self.round} of {self.rounds} rounds; utilities in "
                   f"{UNIT}; benchmark: asymmetric Nash with {sides[0]} power {power:.2f} "
                   "(from the costs of delay); discounted: worth at the start of the talks")
        trace = self.history(reveal=True)
        return [Section("the negotiation", trace, f"{sides[me]} is you; your offers are taken "
                        "as written"),
                Section("where the agreement sits", verdict,
                        self.result_sentence() + "\n" + caption)]


class PersonAtTable:
    """The strategy of the person's side in a trace: their offers come from the keyboard."""

    def offer(self, view: SideView) -> np.ndarray:
        """Not available: a person's offers are typed, not computed."""
        raise DealError("a person's offers come from the keyboard; play the session instead")


def session_trace(session: PracticeSession) -> NegotiationTrace:
    """The session so far as an engine trace (for :func:`games.negotiation.plot_trace`)."""
    me = session.person
    negotiators = [Negotiator("you", PersonAtTable()), session.agent]
    if me == 1:
        negotiators.reverse()
    agreed = session.status == "agreed"
    return NegotiationTrace(session.problem, tuple(negotiators), session.rounds, 0, 0,
                            np.array([[i] for _, i in session.offers], dtype=np.int64),
                            np.array([s for s, _ in session.offers]),
                            np.array([session.offers[-1][1] if agreed else -1]),
                            np.array([session.round if agreed else 0]))


def play_in_terminal(session: PracticeSession, read: Callable[[str], str] = input,
                     write: Callable[[str], None] = print) -> list[Section]:
    """Run the game with ``read`` for input and ``write`` for output; returns the debrief.

    End of input (or Ctrl-C) means the person left the table: no agreement, no traceback.
    """
    deal, me = session.deal, session.person
    sides = session.problem.sides
    write(textwrap.fill(deal.title, 79) + "\n" + textwrap.fill(
        f"You are {sides[me]} against {sides[1 - me]} playing '{session.agent.name}'. "
        f"{session.rounds} rounds; the supplier opens.", 79))
    write(textwrap.fill(
        f"Your outside option is worth {session.my_reservation:.3g} ({UNIT}). Issues: " +
        "; ".join(issue_text(i) for i in deal.issues) + ".", 79))
    write(textwrap.fill(
        "Reply with 'accept', 'walk', or a counter-offer such as "
        f"'{deal.issues[0].name}={example_value(deal.issues[0]):g}' "
        "(issues you leave out keep their value in the offer on the table).", 79))
    while session.status == "open":
        if session.offers:
            offers = session.history().reset_index()  # fits the terminal, wrapped if need be
            write("\n" + text_table(offers.astype(str), min(terminal_width(), 100)))
        table = session.offer_on_table
        if table is not None:
            u = session.my_utility(session.offers[-1][1])
            write(textwrap.fill(
                f"Round {session.round} of {session.rounds}: their offer is worth {u:.3g} $bn "
                f"a year to you (outside option: {session.my_reservation:.3g} $bn a year).", 79))
        try:
            text = read("your move> ")
        except (EOFError, KeyboardInterrupt):
            session.status = "walked out"
            write("\nEnd of input: you left the table. No agreement.")
            break
        try:
            write(session.respond(text))
        except DealError as exc:
            write(textwrap.fill(f"Not taken: {exc}. Try again.", 79))
    return session.debrief()


def _said(text: str, most: int = 40) -> str:
    """What the player typed, quoted and cut to ``most`` characters (a pasted megabyte is
    not echoed back whole)."""
    return repr(text if len(text) <= most else text[:most - 3] + "...")
