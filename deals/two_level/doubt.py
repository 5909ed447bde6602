"""A threat under doubt: the partner answers the proposal unsure whether the supplier would act.

The proposal carries a threat: if the partner counters (one of its stances) the supplier walks
away (e.g. caps the ally's chips). The partner does not know which supplier it faces: with
probability q (its belief ``[beliefs.partner.resolve]``) one that carries the threat out, else
the supplier of the deal file, who walks away only if that pays (backward induction). The
partner answers in one information set, blind to the type: the engine's screening game with
the partner as the uninformed mover (:func:`games.trees.screening_offer_batch`), solved for
every draw of the analyst's parameters and of the partner's belief at once.

With q = 1 the partner answers as if the threat were a commitment; with q = 0 the threat is
ignored and the answer is that of the deal's offer tree after the proposal (subgame-perfect).

>>> import deals
>>> d = threat_under_doubt(deals.load("allied-sme-netherlands"), draws=200, seed=0)
>>> d.replies[0], 0 <= d.tested <= 1
('accept', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from deals.deal.sections.beliefs import RESOLVE
from deals.two_level.beliefs import in_proposal_setting
from deals.errors import DealError
from deals.audit.leverage import sample_values
from games.results import TabularResult
from games.trees import GameTree, chance, decision, screening_offer_batch, terminal

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd

ACCEPT = "accept"
RESOLUTE = "carries out the threat"
MODELLED = "as modelled"


def counters(deal: Any) -> dict[str, dict[str, float]]:
    """The partner's counter-offers: the proposal with its partner issues set by each stance."""
    if deal.proposal is None:
        raise DealError(f"deal {deal.name!r} has no [proposal] whose threat could be doubted")
    ours = {k: v for k, v in deal.proposal.values.items() if deal.issue(k).giver == "supplier"}
    found = {}
    for s in deal.side_stances("partner"):
        if s.walk_away:
            continue
        terms = {**ours, **s.fixes}
        if deal.outcome_values(terms) != deal.outcome_values(deal.proposal.values):
            found[f"counter {s.name}"] = terms
    if not found:
        raise DealError(f"deal {deal.name!r}: the partner needs a stance other than the proposal "
                        "to counter with; add [stances.partner.NAME]")
    return found


def walk_move(deal: Any) -> str:
    """The supplier's walk-away move: the name of its walk-away stance, else 'walk away'."""
    return next((s.name for s in deal.side_stances("supplier") if s.walk_away), "walk away")


def doubt_tree(deal: Any) -> GameTree:
    """The partner's answer to the proposal, blind to whether the supplier would carry out its
    threat. Payoffs are named (``S_accept``, ``P_counter_1``, ...) for :func:`doubt_values`.

    >>> import deals
    >>> doubt_tree(deals.load("allied-sme-netherlands")).root.children[0].actions
    ('accept', 'counter refuse', 'counter partial', 'walk away')
    """
    walk = walk_move(deal)
    by_type = {}
    for kind, p in ((RESOLUTE, RESOLVE), (MODELLED, f"1 - {RESOLVE}")):
        replies: dict[str, Any] = {ACCEPT: terminal("S_accept", "P_accept")}
        for k, label in enumerate(counters(deal)):
            carried = terminal("S_none", "P_none")
            replies[label] = carried if kind == RESOLUTE else decision(deal.supplier, {
                ACCEPT: terminal(f"S_counter_{k}", f"P_counter_{k}"), walk: carried})
        replies["walk away"] = terminal("S_none", "P_none")
        by_type[kind] = (p, decision(deal.partner, replies, infoset="reply"))
    return GameTree([deal.supplier, deal.partner], chance(by_type),
                    title=f"{deal.title}: the proposal's threat under doubt")


def doubt_values(deal: Any, values: Mapping[str, np.ndarray], resolve: Any) -> dict[str, Any]:
    """Every named payoff of :func:`doubt_tree` per draw, and the partner's belief ``resolve``."""
    n = len(next(iter(values.values())))

    def each(x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=float), (n,)).copy()

    out: dict[str, Any] = {}
    out["S_accept"], out["P_accept"] = (each(u) for u in deal.utilities(deal.proposal.values,
                                                                        values))
    out["S_none"], out["P_none"] = (each(d) for d in deal.disagreement(values))
    for k, terms in enumerate(counters(deal).values()):
        out[f"S_counter_{k}"], out[f"P_counter_{k}"] = (each(u) for u in
                                                        deal.utilities(terms, values))
    out[RESOLVE] = each(resolve)
    return out


@dataclass(frozen=True, eq=False)
class ThreatUnderDoubt(TabularResult):
    """The partner's equilibrium answer per draw at its belief, and at certainty and disbelief.

    See :func:`threat_under_doubt` and the notebook ``09-two-level``.
    """

    deal: str
    replies: tuple[str, ...]
    answer: np.ndarray                # index into replies: the partner's best answer per draw
    answer_if_certain: np.ndarray     # ... if it believed the threat fully (q = 1)
    answer_if_ignored: np.ndarray     # ... if it ignored it (q = 0)
    resolve: np.ndarray               # the partner's belief per draw
    carried_out: np.ndarray           # P(threat carried out | tested), per draw
    regret: float
    method: str = ("screening game with the partner uninformed of the supplier's type; "
                   "batch backward induction per draw")
    settings: Mapping[str, Any] = field(default_factory=dict)

    def _share(self, answers: np.ndarray, reply: str) -> float:
        return float(np.mean(answers == self.replies.index(reply)))

    @property
    def accepts(self) -> float:
        """P(the partner accepts the proposal) at its own belief."""
        return self._share(self.answer, ACCEPT)

    @property
    def tested(self) -> float:
        """P(the partner calls the threat: it counters), at its own belief."""
        return float(np.mean([r.startswith("counter") for r in np.array(self.replies)[self.answer]]))

    @property
    def carried(self) -> float:
        """P(the threat is tested and carried out)."""
        countered = np.char.startswith(np.array(self.replies)[self.answer], "counter")
        return float(np.mean(countered * self.carried_out))

    @property
    def rests_on_doubted_threat(self) -> bool:
        """True when the partner would accept more often if it believed the threat fully."""
        return self._share(self.answer_if_certain, ACCEPT) > self.accepts + 0.05

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        rows = []
        for label, answers in (("at its belief", self.answer),
                               ("believing the threat fully", self.answer_if_certain),
                               ("ignoring the threat", self.answer_if_ignored)):
            row = {"partner's belief": label}
            row.update({r: f"{self._share(answers, r):.0%}" for r in self.replies})
            rows.append(row)
        return pd.DataFrame(rows).set_index("partner's belief")

    def caption(self) -> str:
        return (f"{self.deal}: share of draws in which the partner gives each answer to the "
                f"proposal; belief in the threat median {np.median(self.resolve):.2f}; threat "
                f"tested in {self.tested:.0%} of draws, carried out in {self.carried:.0%}; "
                f"one-shot regret <= {self.regret:.2g}")


def threat_under_doubt(deal: Any, draws: int = 2_000, seed: int | None = 0, *,
                       resolve: Any = None) -> ThreatUnderDoubt:
    """The partner's answer to the proposal's threat when it doubts it, per draw.

    ``resolve`` (a number or one per draw) replaces the partner's belief from the file's
    ``[beliefs.partner.resolve]``. The deal is read in its proposal's setting (where the
    file gives one, e.g. the threat carried out as the status quo).

    See the notebook ``09-two-level``, which solves the Netherlands' cap threat under doubt.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`, whose proposal carries a
        threat (``[beliefs.partner.resolve]``).
    draws : int, default 2,000
        Monte Carlo draws of the deal's uncertain parameters (each a plausible world);
        more draws, smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    resolve : float, array or None, default None
        The partner's belief that the threat will be carried out, a probability from 0
        to 1, one number or one per draw (None: from the file's
        ``[beliefs.partner.resolve]``).
    """
    if deal.proposal is None:
        raise DealError(f"deal {deal.name!r} has no [proposal] whose threat could be doubted")
    deal = in_proposal_setting(deal)  # the proposal's own status quo: its threat carried out
    values = sample_values(deal, draws, seed)
    n = len(next(iter(values.values())))
    if resolve is None:
        belief = None if deal.beliefs is None or "partner" not in deal.beliefs \
            else deal.beliefs["partner"].resolve
        if belief is None:
            raise DealError(f"deal {deal.name!r} states no [beliefs.partner.resolve] (the "
                            "partner's belief that the supplier carries out its threat); add "
                            "it or pass resolve=")
        resolve = belief.sample(n, None if seed is None else seed + 1)
    tree = doubt_tree(deal)
    q = np.broadcast_to(np.asarray(resolve, dtype=float), (n,))
    if not np.all((q >= 0) & (q <= 1)):
        raise DealError("resolve: the partner's belief must lie in [0, 1]")
    solved = {label: screening_offer_batch(tree, **doubt_values(deal, values, level))
              for label, level in (("belief", q), ("certain", 1.0), ("ignored", 0.0))}
    main = solved["belief"]
    modelled = main.types.index(MODELLED)
    # P(carried out | a counter): the resolute share, plus the modelled supplier where it walks.
    walks = np.array([main.responses[k, modelled] == 1 for k in range(len(main.offers))])
    chosen = walks[main.best, np.arange(n)]
    return ThreatUnderDoubt(deal.name, tuple(main.offers), main.best,
                            solved["certain"].best, solved["ignored"].best, q.copy(),
                            q + (1 - q) * chosen,
                            max(s.regret for s in solved.values()),
                            settings={"draws": draws, "seed": seed})
