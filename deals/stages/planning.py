"""The supplier's staged plan: a deal's ``[stages]`` compiled to a screening tree and solved.

The tree (see :func:`stage_tree`): the partner's type is drawn by chance; the supplier, who
cannot see it, proposes either the one-shot terms (everything at once, nothing to withdraw) or
a staged plan with a given first tranche; the partner accepts or takes its outside option;
then, stage by stage, chance decides whether a partner that has kept the terms so far keeps
them through this stage, and whether a breach is detected at the milestone that closes each
stage. Undetected, a breacher receives the next tranches; detected, it meets the snapback.
Payoffs are the deal's utilities at the final state, evaluated for every draw at once; the
engine (:func:`games.trees.screening_offer_batch`) solves every draw, with its regret check.

>>> import deals
>>> plan = deals.stage_plan(deals.load("gulf-divestment-uae"), draws=300, seed=0)
>>> plan.first_tranches[0], plan.one_shot   # G42's share: from none at first to 220k H100e/yr
(0.0, 220000.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from deals.errors import DealError
from deals.audit.leverage import sample_values
from deals.deal.model import Deal
from games.results import TabularResult
from games.trees import GameTree, chance, decision, screening_offer_batch, terminal

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd

ONE_SHOT = "one shot"


def stages_of(deal: Deal) -> Any:
    """The deal's :class:`deals.deal.sections.stages.Stages`, or a DealError saying how to add them."""
    if deal.stages is None:
        raise DealError(f"deal {deal.name!r} has no [stages] table; add one (docs/deal-files.md, "
                        f"'Staged deals') to plan tranches")
    return deal.stages


def staged_terms(deal: Deal) -> dict[str, float]:
    """Every issue's value under the staged terms (the proposal's, or the outcome's)."""
    return deal.outcome_values(getattr(deal, stages_of(deal).terms).values)


def tranche_texts(levels: Any) -> list[str]:
    """First tranches as text, with as few decimals as keep them apart and each within a
    thousandth of their span (of the level itself when there is one): ``88,000`` for chips,
    ``0.25`` for a share, never ``0.2``; the tree's offers and the plan's rows are named by them.

    >>> tranche_texts([0, 88_000.4]), tranche_texts([0.0, 0.5, 1.0])
    (['0', '88,000'], ['0.0', '0.5', '1.0'])
    >>> tranche_texts([0.0, 0.25, 0.5]), tranche_texts([1.5]), tranche_texts([220_000])
    (['0.00', '0.25', '0.50'], ['1.5'], ['220,000'])
    """
    levels = [float(a) for a in levels]
    span = max(levels) - min(levels) if levels else 0.0
    slack = 1e-3 * (span or max((abs(a) for a in levels), default=0.0))
    for decimals in range(16):
        texts = [f"{a:,.{decimals}f}" for a in levels]
        if len(set(texts)) == len(texts) and all(
                abs(round(a, decimals) - a) <= slack for a in levels):
            return texts
    return [repr(a) for a in levels]


def level_text(level: float) -> str:
    """One level of the staged issue as text: ``88,000``, ``0.25``, ``1.5`` (see
    :func:`tranche_texts`)."""
    return tranche_texts([level])[0]


def offer_labels(levels: Any) -> list[str]:
    """The tree's names of staged plans with these first tranches, e.g. ``first 88,000``."""
    return [f"first {t}" for t in tranche_texts(levels)]


def _chain(stages: Any, t: int, o: str, staged: bool, k: int = 0) -> Any:
    """Stage ``k`` onwards for type ``t`` that has kept the terms so far."""
    if k == len(stages.tranches):
        return terminal("S_keep", "P_keep")
    return chance({"keeps": (f"keep_{t}_{k}", _chain(stages, t, o, staged, k + 1)),
                   "breaches": (f"1 - keep_{t}_{k}", _breach(stages, o, staged, k))})


def _breach(stages: Any, o: str, staged: bool, k: int) -> Any:
    """A breach under way in stage ``k``: detected at its milestone or carried on undetected."""
    if not staged:
        return terminal("S_breach", "P_breach")
    after = (terminal("S_breach", "P_breach") if k + 1 == len(stages.tranches)
             else _breach(stages, o, staged, k + 1))
    return chance({"detected": ("detect", terminal(f"S_snap_{o}_{k}", f"P_snap_{o}_{k}")),
                   "undetected": ("1 - detect", after)})


def stage_tree(deal: Deal) -> GameTree:
    """The staged deal as a screening game: types, the supplier's blind offer, accept, stages.

    Payoffs and probabilities are named quantities (``S_keep``, ``keep_0_1``, ``detect``, ...)
    that :func:`stage_values` computes per draw from the deal.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`. It needs a ``[stages]``
        table.

    Examples
    --------
    >>> import deals
    >>> tree = stage_tree(deals.load("gulf-divestment-uae"))
    >>> tree.root.actions, tree.root.children[0].actions[:2]
    (('reliable', 'opportunist'), ('one shot', 'first 0'))
    """
    stages = stages_of(deal)
    offers = [ONE_SHOT] + offer_labels(stages.candidates())
    types = {}
    for t, kind in enumerate(stages.types):
        moves = {}
        for k, o in enumerate(offers):
            moves[o] = decision(deal.partner, {
                "accept": _chain(stages, t, str(k), k > 0),
                "reject": terminal("S_none", "P_none")})
        types[kind.name] = (f"prior_{t}", decision(deal.supplier, moves, infoset="terms"))
    return GameTree([deal.supplier, deal.partner], chance(types),
                    title=f"{deal.title}: staged plan")


def stage_values(deal: Deal, values: dict[str, np.ndarray], *, detection: Any = None,
                 snapback: Any = None) -> dict[str, np.ndarray]:
    """Every named payoff and probability of :func:`stage_tree`, one array over the draws.

    ``detection`` or ``snapback`` (numbers or arrays) replace the file's expressions, for the
    value-of-verification curves.
    """
    stages = stages_of(deal)
    n = len(next(iter(values.values())))
    terms = staged_terms(deal)
    scope = {**deal.values(), **values, **terms}
    top = stages.tranches[-1]

    def each(x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=float), (n,)).copy()

    def at(level: float, breach: bool) -> tuple[Any, Any]:
        outcome = {**terms, stages.issue: level, **(stages.breach if breach else {})}
        return deal.utilities(outcome, values)

    out: dict[str, np.ndarray] = {}
    d_s, d_p = (each(x) for x in deal.disagreement(values))
    out["S_none"], out["P_none"] = d_s, d_p
    out["S_keep"], out["P_keep"] = (each(x) for x in at(top, False))
    out["S_breach"], out["P_breach"] = (each(x) for x in at(top, True))
    share = _in_range(each(stages.snapback(**scope) if snapback is None else snapback),
                      "stages.snapback", "a share", 0.0, 1.0)
    penalty = _in_range(each(stages.penalty(**scope)), "stages.penalty", "a cost", 0.0, np.inf)
    for k, a in enumerate(stages.candidates()):
        for j, level in enumerate(stages.tranches):
            u_s, u_p = (each(x) for x in at(max(a, level) if j else a, True))
            out[f"S_snap_{k + 1}_{j}"] = d_s + (1 - share) * (u_s - d_s)
            out[f"P_snap_{k + 1}_{j}"] = d_p + (1 - share) * (u_p - d_p) - penalty
    out["detect"] = each(stages.detection(**scope) if detection is None else detection)
    for t, kind in enumerate(stages.types):
        out[f"prior_{t}"] = each(kind.prior(**scope))
        for k, c in enumerate(kind.comply):
            out[f"keep_{t}_{k}"] = each(c(**scope))
    _check_probabilities(deal, out)
    return out


def _in_range(v: np.ndarray, field: str, what: str, low: float, high: float) -> np.ndarray:
    """``v`` if every draw lies in [low, high]; else one line naming the field and a value."""
    bad = ~((v >= low - 1e-9) & (v <= high + 1e-9))  # NaN is bad too
    if bad.any():
        top = "1" if high == 1 else "infinity"
        raise DealError(f"{field}: {what} that evaluates to {float(v[bad][0]):g} at some draws; "
                        f"it must lie in [{low:g}, {top}] over the parameters' ranges")
    return v


def _type_field(deal: Deal, name: str) -> str:
    """The file's field of a column ``prior_T`` or ``keep_T_K``: stages.types.NAME.comply[K]."""
    _, t, *k = name.split("_")
    kind = stages_of(deal).types[int(t)]
    return f"stages.types.{kind.name}." + (f"comply[{k[0]}]" if k else "prior")


def _check_probabilities(deal: Deal, out: dict[str, np.ndarray]) -> None:
    for name, v in out.items():
        if name == "detect" or name.startswith(("keep_", "prior_")):
            if np.any((v < -1e-9) | (v > 1 + 1e-9)) or not np.all(np.isfinite(v)):
                bad = float(v[~((v >= -1e-9) & (v <= 1 + 1e-9))][0])
                field = "stages.detection" if name == "detect" else _type_field(deal, name)
                raise DealError(f"{field}: a probability evaluates to {bad:g} at some draws; "
                                "it must lie in [0, 1] over the parameters' ranges")
        elif not np.all(np.isfinite(v)):
            raise DealError(f"stages: the payoff {name} is not finite at some draws")
    priors = sum(v for k, v in out.items() if k.startswith("prior_"))
    if np.any(np.abs(priors - 1) > 1e-6):
        raise DealError(f"stages.types: the priors sum to {float(priors[np.argmax(np.abs(priors - 1))]):g} "
                        "at some draws, not 1; write the last one as 1 minus the others")


def breach_reach(deal: Deal, v: dict[str, np.ndarray]) -> np.ndarray:
    """P(a breach is under way, undetected, during each stage), per draw: (stages, draws).

    ``v`` is :func:`stage_values`. Every staged plan shares it (the first tranche changes
    payoffs, not chances).
    """
    stages = deal.stages
    total = 0.0
    for t in range(len(stages.types)):
        kept, breach, row = 1.0, 0.0, []
        for k in range(len(stages.tranches)):
            breach = breach + kept * (1 - v[f"keep_{t}_{k}"])
            kept = kept * v[f"keep_{t}_{k}"]
            row.append(breach)
            breach = breach * (1 - v["detect"])
        total = total + v[f"prior_{t}"] * np.array(row)
    return np.asarray(total)


@dataclass(frozen=True, eq=False)
class StagePlan(TabularResult):
    """From :func:`stage_plan`: the supplier's staged plan per draw and over the draws (``plan``).

    Money in the deal's utility units (the library: $bn per year). ``supplier[k]`` is the
    supplier's expected payoff of option ``k`` (0: one shot; then each first tranche) per draw;
    ``worse[k]`` the same against the worse type; ``accepted[k]`` whether every type accepts.
    A first tranche is *safe* at a draw when every type accepts and the supplier's expected
    payoff against the worse type is at least its outside option. ``largest_safe`` gives
    each draw's largest safe first tranche and ``plan`` the one safe in ``confidence`` of the
    draws (None if none is); option 0 keeps the one-shot terms to compare with.

    >>> import deals
    >>> plan = deals.stage_plan(deals.load("gulf-divestment-uae"), draws=50, seed=0)
    >>> plan.supplier.shape == (1 + len(plan.first_tranches), 50)
    True
    >>> bool((plan.safe <= plan.accepted[1:]).all())   # a safe tranche is accepted by every type
    True
    """

    deal: str
    issue: str
    unit: str
    one_shot: float
    first_tranches: tuple[float, ...]
    worse_type: str
    supplier: np.ndarray = field(repr=False)
    worse: np.ndarray = field(repr=False)
    accepted: np.ndarray = field(repr=False)
    outside: np.ndarray = field(repr=False)
    reach: np.ndarray = field(repr=False)
    draws: int
    seed: int | None
    confidence: float
    regret: float

    @property
    def safe(self) -> np.ndarray:
        """(first tranches, draws): safe at that draw."""
        return self.accepted[1:] & (self.worse[1:] >= self.outside - 1e-9)

    @property
    def largest_safe(self) -> np.ndarray:
        """The largest safe first tranche per draw (NaN where none is safe)."""
        safe = self.safe
        last = len(self.first_tranches) - 1 - np.argmax(safe[::-1], axis=0)
        return np.where(safe.any(axis=0), np.asarray(self.first_tranches)[last], np.nan)

    @property
    def plan(self) -> float | None:
        """Over the draws: the largest first tranche safe in at least ``confidence`` of them."""
        ok = np.flatnonzero(self.safe.mean(axis=1) >= self.confidence)
        return float(self.first_tranches[ok[-1]]) if len(ok) else None

    @property
    def best(self) -> float:
        """The first tranche with the largest mean expected payoff to the supplier."""
        return float(self.first_tranches[int(np.argmax(self.supplier[1:].mean(axis=1)))])

    def binding_cause(self) -> tuple[str, float, float]:
        """Why the first tranches are not safe more often, at the tranche safe most often:
        ``("partner refuses", refuses, costly)`` when some type of partner refuses the plan in
        more draws than the later tranches leave the supplier below its outside option against
        the worse type, else ``("later tranches cost the supplier", refuses, costly)``; the two
        shares are of the draws (a draw can count in both)."""
        k = int(np.argmax(self.safe.mean(axis=1)))
        refuses = float(np.mean(~self.accepted[k + 1]))
        costly = float(np.mean(self.worse[k + 1] < self.outside - 1e-9))
        cause = "partner refuses" if refuses > costly else "later tranches cost the supplier"
        return cause, refuses, costly

    def gain_vs_one_shot(self, first: float | None = None) -> float:
        """Mean over draws of the supplier's gain from a staged plan over the one-shot terms."""
        first = self.plan if first is None else first
        if first is None:
            return float("nan")
        k = 1 + self.first_tranches.index(first)
        return float((self.supplier[k] - self.supplier[0]).mean())

    def to_data(self) -> dict[str, Any]:
        """The plan as data (``chipdeals stages --format json``): numbers as numbers, keys that
        never depend on the deal."""
        cause, refuses, costly = self.binding_cause()
        options = [{"first_tranche": self.one_shot, "one_shot": True, "p_safe": None,
                    "p_accepted": float(self.accepted[0].mean()),
                    "supplier_gain": float((self.supplier[0] - self.outside).mean()),
                    "supplier_gain_vs_worse_type": float((self.worse[0] - self.outside).mean())}]
        for k, a in enumerate(self.first_tranches):
            options.append({"first_tranche": float(a), "one_shot": False,
                            "p_safe": float(self.safe[k].mean()),
                            "p_accepted": float(self.accepted[k + 1].mean()),
                            "supplier_gain": float((self.supplier[k + 1] - self.outside).mean()),
                            "supplier_gain_vs_worse_type":
                                float((self.worse[k + 1] - self.outside).mean())})
        return {"issue": self.issue, "unit": self.unit, "one_shot": self.one_shot,
                "first_tranche": self.plan, "confidence": self.confidence,
                "gain_vs_one_shot": None if self.plan is None else self.gain_vs_one_shot(),
                "best_by_expected_gain": self.best, "worse_type": self.worse_type,
                "binding_cause": {"cause": cause, "p_partner_refuses": refuses,
                                  "p_later_tranches_cost_supplier": costly},
                "options": options, "regret": float(self.regret)}

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        rows = [{"first tranche": ONE_SHOT + f" ({level_text(self.one_shot)})", "safe": np.nan,
                 "accepted": float(self.accepted[0].mean()),
                 "supplier gain": float((self.supplier[0] - self.outside).mean()),
                 "vs worse type": float((self.worse[0] - self.outside).mean())}]
        for k, (a, shown) in enumerate(zip(self.first_tranches,
                                           tranche_texts(self.first_tranches))):
            rows.append({"first tranche": shown, "safe": float(self.safe[k].mean()),
                         "accepted": float(self.accepted[k + 1].mean()),
                         "supplier gain": float((self.supplier[k + 1] - self.outside).mean()),
                         "vs worse type": float((self.worse[k + 1] - self.outside).mean())})
        return pd.DataFrame(rows).set_index("first tranche")

    def __str__(self) -> str:
        frame = self.to_frame()
        lines = [f"{self.deal}: staged release of {self.issue} ({self.unit}); "
                 f"{self.draws:,} draws, seed {self.seed}",
                 f"{'first tranche':>22} {'safe':>6} {'accepted':>9} {'gain':>9} {'vs worse':>9}"]
        for name, r in frame.iterrows():
            safe = "" if np.isnan(r["safe"]) else f"{r['safe']:.0%}"
            lines.append(f"{name:>22} {safe:>6} {r['accepted']:>9.0%} {r['supplier gain']:>9.2f} "
                         f"{r['vs worse type']:>9.2f}")
        return "\n".join(lines + self.summary())

    def summary(self, detail: bool = True) -> list[str]:
        """The plan in sentences: what the table's columns mean, the plan, its gain, breach reach,
        and why no larger first tranche is safe (:meth:`binding_cause`)."""
        plan = self.plan
        lines = []
        lines.append(f"supplier gain: mean over draws and types, over its outside option; vs "
                     f"worse: against the {self.worse_type} type ($bn per year)")
        cause, refuses, costly = self.binding_cause()
        why = (f"some type of partner refuses the plan in {refuses:.0%} of draws (the later "
               f"tranches leave the supplier below its outside option in {costly:.0%})"
               if cause == "partner refuses" else
               f"against the {self.worse_type} type the later tranches cost the supplier more "
               f"than its outside option in {costly:.0%} of draws (the partner refuses in "
               f"{refuses:.0%})")
        if plan is None:
            lines.append(f"No first tranche is safe in {self.confidence:.0%} of draws: {why}.")
        else:
            gain = round(self.gain_vs_one_shot(), 2) + 0.0
            lines.append(f"Plan: first tranche {level_text(plan)} {self.unit} (largest safe in >= "
                         f"{self.confidence:.0%} of draws); gain over one shot "
                         + ("0" if gain == 0 else f"{gain:+.2f}") + " $bn per year.")
        lines.append(f"Best by expected gain: {level_text(self.best)} {self.unit}. Chance that a "
                     "breach is under way and undetected, by stage: "
                     + ", ".join(f"{p:.1%}" for p in self.reach.mean(axis=1)))
        if detail:
            lines.append(f"Solved by screening backward induction, regret <= {self.regret:.2g}.")
        return lines


def worse_type(deal: Deal) -> int:
    """The type least likely to keep the terms through every stage, at the point values."""
    scope = {**deal.values(), **staged_terms(deal)}
    keep = [np.prod([float(c(**scope)) for c in t.comply]) for t in deal.stages.types]
    return int(np.argmin(keep))


def stage_plan(deal: Deal, draws: int = 10_000, seed: int | None = 0, *,
               confidence: float = 0.9, given: Any = None) -> StagePlan:
    """The supplier's staged plan: the largest safe first tranche per draw and over the draws.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`, with a ``[stages]`` table.
    draws : int, default 10,000
        Monte Carlo draws of the deal's uncertain parameters (each a plausible world);
        more draws, smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    confidence : float, default 0.9
        Share of draws (0 to 1) in which the plan's first tranche must be safe: no type
        of partner breaches to the supplier's loss.
    given : Conditioned or None, default None
        Draw the parameters given the record: a
        :class:`deals.record.condition.Conditioned` from :func:`deals.condition`, whose
        draws replace the file's ranges (None: the file's ranges).

    Examples
    --------
    ``confidence`` is the share of draws in which the plan over the draws must be safe;
    ``given`` (from :func:`deals.condition`) draws the parameters given the record.
    Needs a deal file with ``[stages]``. The candidate first tranches rise to the whole
    one-shot amount:

    >>> import deals
    >>> plan = stage_plan(deals.load("gulf-divestment-uae"), draws=50, seed=0)
    >>> plan.issue, plan.first_tranches[-1] == plan.one_shot
    ('chips', True)
    """
    stages = stages_of(deal)
    if not 0 < confidence <= 1:
        raise DealError(f"confidence must lie in (0, 1], got {confidence}")
    values = sample_values(deal, draws, seed) if given is None else \
        given.values_for(deal, draws, seed)
    v = stage_values(deal, values)
    solved = screening_offer_batch(stage_tree(deal), **v)
    w = worse_type(deal)
    supplier = solved.expected[:, :, 0]
    accepted = np.all(solved.responses == 0, axis=1)
    unit = deal.issue(stages.issue).unit
    return StagePlan(deal.name, stages.issue, unit, float(stages.tranches[-1]),
                     tuple(float(a) for a in stages.candidates()), stages.types[w].name,
                     supplier, solved.by_type[:, w, :, 0], accepted,
                     v["S_none"], breach_reach(deal, v), draws,
                     seed, confidence, solved.regret)
