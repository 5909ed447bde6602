"""What better verification, a stronger snapback, or a researched fact is worth in a staged deal.

The supplier commits to one staged plan (a first tranche) before the uncertainty resolves; its
value is the best mean expected payoff over the draws. Re-solving the staged tree with the
detection probability (or the snapback's strength) set to each level of a grid gives the
curve of that value; the most the supplier should pay for a level is its value there less its
value under the file's terms. The value of information ranks the uncertain parameters by what
learning each one before choosing the terms is worth (:func:`games.decisions.information.value_of_information`).

>>> import deals
>>> from deals.stages.values import verification_value
>>> curve = verification_value(deals.load("gulf-divestment-uae"), draws=200, levels=[0.0, 1.0])
>>> bool(curve.value[1] >= curve.value[0])
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from deals.errors import DealError
from deals.audit.leverage import sample_values
from deals.deal.model import Deal
from deals.stages.planning import (ONE_SHOT, offer_labels, stage_plan, stage_tree, stage_values,
                                   stages_of)
from games.decisions.information import InformationValues, value_of_information
from games.results import TabularResult
from games.trees import screening_offer_batch

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd


@dataclass(frozen=True)
class LeverCurve(TabularResult):
    """From :func:`verification_value` or :func:`snapback_value`: the value at each lever level.

    The value is the supplier's best staged plan, mean over the draws (also from
    :func:`lever_curve`); ``worth(level)`` is the most to pay per year to move the lever
    there; ``plot()`` draws the curve. With no detection every type ends with every tranche,
    so staging is worth exactly the one-shot terms:

    >>> import math, deals
    >>> curve = lever_curve(deals.load("gulf-divestment-uae"), "detection", [0.0, 1.0], draws=200)
    >>> math.isclose(curve.value[0], curve.one_shot), curve.worth(1.0) == curve.value[1] - curve.current
    (True, True)
    """

    deal: str
    lever: str
    levels: tuple[float, ...]
    value: tuple[float, ...]
    best_first: tuple[float, ...]
    one_shot: float
    current: float
    draws: int
    seed: int | None

    def worth(self, level: float) -> float:
        """Most the supplier should pay per year to move the lever to ``level`` (0 if it loses)."""
        return max(0.0, float(np.interp(level, self.levels, self.value)) - self.current)

    @property
    def most_worth(self) -> float:
        """Most the supplier should pay for any level on the curve."""
        return max(0.0, max(self.value) - self.current)

    def plot(self, ax: Any = None) -> Any:
        """The curve, the value under the file's terms and the one-shot value, on matplotlib axes."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(7, 4))
        ax.plot(self.levels, self.value, marker="o", color="#4c72b0",
                label="best staged plan")
        ax.axhline(self.current, color="#55a868", ls="--",
                   label=f"under the file's terms ({self.current:.2f})")
        ax.axhline(self.one_shot, color="#c44e52", ls=":",
                   label=f"one shot ({self.one_shot:.2f})")
        shown = [*self.value, self.current, self.one_shot]
        if min(shown) <= 0:  # the no-deal line only where the curve comes near it: otherwise
            ax.axhline(0, color="grey", lw=0.8)  # it squashes the change the chart is about
        ax.set_xlabel(self.lever)
        ax.set_ylabel("supplier's mean gain over no deal\n($bn per year)")
        ax.set_title(f"{self.deal}: value of the {self.lever}")
        ax.legend(loc="best", fontsize=8)
        return ax

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # start-up time: only a frame asked for needs pandas

        return pd.DataFrame({self.lever: self.levels, "US gain": self.value,
                             "worth vs now": [max(0.0, v - self.current) for v in self.value],
                             "best first tranche": self.best_first}).set_index(self.lever)

    def caption(self) -> str:
        return (f"{self.deal}: the supplier's mean expected gain from its best staged plan at each "
                f"{self.lever}, over {self.draws:,} draws (seed {self.seed}); under the file's terms "
                f"{self.current:.3g}; one shot {self.one_shot:.3g} (utility units, $bn/yr in the "
                f"library)")


def _value_at(deal: Deal, values: dict[str, np.ndarray], levels: Sequence[float],
              lever: str) -> tuple[list[float], list[float], float]:
    """Best mean value and its first tranche at each level, in one batch over levels x draws."""
    n = len(next(iter(values.values())))
    tiled = {k: np.tile(np.asarray(v, dtype=float), len(levels)) for k, v in values.items()}
    setting = np.repeat(np.asarray(levels, dtype=float), n)
    named = stage_values(deal, tiled, **{lever: setting})
    solved = screening_offer_batch(stage_tree(deal), **named)
    gain = (solved.expected[:, :, 0] - named["S_none"]).reshape(len(solved.offers), len(levels), n)
    means = gain.mean(axis=2)                                 # (offers, levels)
    firsts = deal.stages.candidates()
    best = 1 + np.argmax(means[1:], axis=0)
    return ([float(means[b, i]) for i, b in enumerate(best)],
            [float(firsts[b - 1]) for b in best], float(means[0].mean()))


def lever_curve(deal: Deal, lever: str, levels: Sequence[float] | None = None, *,
                draws: int = 2_000, seed: int | None = 0, given: Any = None) -> LeverCurve:
    """The value curve of ``lever`` ("detection" or "snapback") over ``levels`` in [0, 1].

    Needs a deal file with ``[stages]``; levels default to 0, 0.1, ..., 1.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`, with a ``[stages]`` table.
    lever : str
        ``"detection"`` (the probability that a breach is detected at a milestone) or
        ``"snapback"`` (the share of the released gain both sides lose on detection).
    levels : sequence of float or None, default None
        The lever's levels, each from 0 to 1 (None: 0, 0.1, ..., 1).
    draws : int, default 2,000
        Draws of the parameters at each level, the same at every level; more draws,
        smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    given : Conditioned or None, default None
        Draw the parameters given the record: a
        :class:`deals.record.condition.Conditioned` from :func:`deals.condition`, whose
        draws replace the file's ranges (None: the file's ranges).

    Examples
    --------
    >>> import deals
    >>> curve = lever_curve(deals.load("gulf-divestment-uae"), "snapback", [0.0, 1.0], draws=200)
    >>> curve.lever, curve.levels
    ('snapback share', (0.0, 1.0))
    """
    stages_of(deal)
    if lever not in ("detection", "snapback"):
        raise DealError(f"lever must be 'detection' or 'snapback', got {lever!r}")
    levels = tuple(float(x) for x in (np.linspace(0, 1, 11) if levels is None else levels))
    if not levels or any(not 0 <= x <= 1 for x in levels):
        raise DealError(f"{lever} levels must be probabilities or shares in [0, 1], got {levels}")
    values = sample_values(deal, draws, seed) if given is None else \
        given.values_for(deal, draws, seed)  # given: the draws the record leaves possible
    value, first, one_shot = _value_at(deal, values, levels, lever)
    named = stage_values(deal, values)
    solved = screening_offer_batch(stage_tree(deal), **named)
    current = float(((solved.expected[1:, :, 0] - named["S_none"]).mean(axis=1)).max())
    return LeverCurve(deal.name, "detection probability" if lever == "detection" else
                      "snapback share", levels, tuple(value), tuple(first), one_shot, current,
                      draws, seed)


def verification_value(deal: Deal, levels: Sequence[float] | None = None, *,
                       draws: int = 2_000, seed: int | None = 0, given: Any = None
                       ) -> LeverCurve:
    """The supplier's value of its best staged plan against the detection probability.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`, with a ``[stages]`` table.
    levels : sequence of float or None, default None
        The lever's levels, each from 0 to 1 (None: 0, 0.1, ..., 1).
    draws : int, default 2,000
        Draws of the parameters at each level, the same at every level; more draws,
        smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    given : Conditioned or None, default None
        Draw the parameters given the record: a
        :class:`deals.record.condition.Conditioned` from :func:`deals.condition`, whose
        draws replace the file's ranges (None: the file's ranges).

    Examples
    --------
    Catching every breach never leaves the supplier worse off than catching none:

    >>> import deals
    >>> curve = verification_value(deals.load("gulf-divestment-uae"), [0.0, 1.0], draws=200)
    >>> curve.lever, bool(curve.value[1] >= curve.value[0])
    ('detection probability', True)
    """
    return lever_curve(deal, "detection", levels, draws=draws, seed=seed, given=given)


def snapback_value(deal: Deal, levels: Sequence[float] | None = None, *,
                   draws: int = 2_000, seed: int | None = 0, given: Any = None) -> LeverCurve:
    """The supplier's value of its best staged plan against the snapback's strength.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`, with a ``[stages]`` table.
    levels : sequence of float or None, default None
        The lever's levels, each from 0 to 1 (None: 0, 0.1, ..., 1).
    draws : int, default 2,000
        Draws of the parameters at each level, the same at every level; more draws,
        smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    given : Conditioned or None, default None
        Draw the parameters given the record: a
        :class:`deals.record.condition.Conditioned` from :func:`deals.condition`, whose
        draws replace the file's ranges (None: the file's ranges).

    Examples
    --------
    The strength is the share of the released gain both sides lose on detection. Where a
    breach leaves the supplier worse off than no deal, as India's resumed Russian crude with
    the tariff relief out, a full snapback is worth more to it than none (where the breach
    state still pays the supplier, as the UAE's US-run campus, revoking it can cost more):

    >>> import deals
    >>> curve = snapback_value(deals.load("india-energy-trade"), [0.0, 1.0], draws=200)
    >>> bool(curve.value[1] >= curve.value[0])
    True
    """
    return lever_curve(deal, "snapback", levels, draws=draws, seed=seed, given=given)


def information_value(deal: Deal, draws: int = 10_000, seed: int | None = 0, *,
                      bins: int | None = None, sample: dict[str, Any] | None = None
                      ) -> InformationValues:
    """EVPI of each uncertain parameter on the supplier's choice: no deal, one shot, or a tranche.

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
    bins : int or None, default None
        Quantile bins a continuous parameter is grouped into to estimate what learning
        it is worth (None: chosen from the number of draws).
    sample : dict of str to array, or None, default None
        Values to use instead of the seeded draws (e.g. a grid): arrays of one length
        for some parameters, the rest at their point values.

    Examples
    --------
    Ranked with ``.ranking()``; in utility units per year. Parameters fixed by ``bind`` or
    without a range are left out (learning them teaches nothing). ``sample`` replaces the
    seeded draws (e.g. a grid: arrays of one length for some parameters, the rest at their
    values). Learning one parameter is worth between nothing and learning them all:

    >>> import deals
    >>> worth = information_value(deals.load("gulf-divestment-uae"), draws=300)
    >>> all(0 <= v <= worth.total + 1e-12 for v in worth.by_parameter.values())
    True
    """
    stages_of(deal)
    if sample is None:
        values = sample_values(deal, draws, seed)
    else:
        n = max(np.size(v) for v in sample.values())
        values = {k: np.full(n, v) for k, v in deal.values().items()}
        values.update({k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in sample.items()})
    named = stage_values(deal, values)
    solved = screening_offer_batch(stage_tree(deal), **named)
    uncertain = {k: v for k, v in values.items() if np.ptp(v) > 0}
    # The choice includes offering nothing (the supplier's outside option).
    actions = ["no deal", ONE_SHOT] + offer_labels(deal.stages.candidates())
    payoffs = np.vstack([named["S_none"][None, :], solved.expected[:, :, 0]])
    return value_of_information(payoffs, uncertain, actions=actions, bins=bins)


@dataclass(frozen=True)
class StageSummary:
    """From :func:`stage_summary`: the staged plan in one line for an audit, beside one shot.

    ``first_tranche`` is None when no first tranche is safe
    in 90% of the draws, and ``best_first`` is then the one with the best expected gain.

    >>> import deals
    >>> summary = stage_summary(deals.load("gulf-divestment-uae"), draws=200)
    >>> summary.issue, str(summary).startswith("staged: ")
    ('chips', True)
    """

    first_tranche: float | None
    safe_share: float
    gain_vs_one_shot: float
    one_shot: float
    issue: str
    best_first: float = float("nan")
    best_gain: float = float("nan")
    breach_reach: tuple[float, ...] = field(default=())
    unit: str = ""  # the issue's unit, e.g. "H100e per year"

    def __str__(self) -> str:
        def change(x: float) -> str:  # never '-0.00'
            r = round(float(x), 2) + 0.0
            return "0" if r == 0 else f"{r:+.2f}"

        def amount(x: float) -> str:  # '32 percentage points of us_tariff_relief'
            return f"{x:,.0f} {self.unit} of {self.issue}" if self.unit else \
                f"{x:,.0f} {self.issue}"

        if self.first_tranche is None:
            return (f"staged: no first tranche of {self.issue} is safe in 90% of draws; the best "
                    f"({amount(self.best_first)}) gains {change(self.best_gain)} $bn "
                    f"per year (expected) over one shot of {amount(self.one_shot)}")
        return (f"staged: first tranche {amount(self.first_tranche)} (safe in "
                f"{self.safe_share:.0%} of draws), {change(self.gain_vs_one_shot)} $bn per year "
                f"(expected) over one shot of {amount(self.one_shot)}")


def stage_summary(deal: Deal, draws: int = 2_000, seed: int | None = 0) -> StageSummary | None:
    """The staged plan in one record for ``assess``/``compare`` (None for a deal without stages).

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`; a deal without ``[stages]``
        gives None.
    draws : int, default 2,000
        Monte Carlo draws of the deal's uncertain parameters (each a plausible world);
        more draws, smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).

    Examples
    --------
    >>> import deals
    >>> stage_summary(deals.load("chips-for-farm-purchases")) is None
    True
    >>> deal = deals.load("gulf-divestment-uae")
    >>> stage_summary(deal, draws=200).one_shot == deals.stage_plan(deal, draws=200).one_shot
    True
    """
    if deal.stages is None:
        return None
    plan = stage_plan(deal, draws, seed)
    first = plan.plan
    share = 0.0 if first is None else float(plan.safe[plan.first_tranches.index(first)].mean())
    return StageSummary(first, share, plan.gain_vs_one_shot(first), plan.one_shot, plan.issue,
                        plan.best, plan.gain_vs_one_shot(plan.best),
                        tuple(float(p) for p in plan.reach.mean(axis=1)), plan.unit or "")
