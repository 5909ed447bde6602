"""What would have to be true: parameter values under which a deal's terms are predicted.

Revealed preference for a struck deal (or a proposal): the parameter values nearest the
analyst's point values, inside their ranges, under which the terms are

- the **benchmark** (the asymmetric Nash solution, the supplier's power from the delay costs,
  as in :mod:`deals.audit.leverage`), and separately
- the supplier's **optimal ask** with full information (the best package the partner still
  accepts: the limit of the asymmetric Nash solution as the supplier's power goes to 1).

"Are the terms the solution" is judged in utility space, which is robust when several
packages are equally good (e.g. chips beyond demand): each side's gain at the terms is within
``tolerance`` (a share of that side's range of gains over the outcome space) of its gain at
the solution. Distance is Euclidean in range-normalised units (each parameter's range is 1).
The search is :func:`games.decisions.inverse.nearest_feasible`, each candidate solved by the leverage
module's per-draw solver, all candidates at once.

>>> import deals
>>> from deals.audit.calibration import calibrate
>>> toy = deals.loads('''
... [deal]
... name = "toy"
... title = "Toy"
... supplier = "S"
... partner = "P"
... [parameters.a]
... value = 1.0
... range = [0.0, 2.0]
... source = "judgement"
... [issues.pay]
... range = [0, 4]
... giver = "partner"
... [utility]
... supplier = "pay"
... partner = "a - pay"
... [outside_option]
... supplier = "0"
... partner = "0"
... [outcome]
... terms = { pay = 0.3 }
... ''')
>>> result = calibrate(toy, "outcome", tolerance=0.0001)
>>> round(result.benchmark.values["a"], 2), round(result.ask.values["a"], 2)
(0.6, 0.3)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from deals.errors import DealError
from deals.audit.leverage import DrawSolver
from deals.deal.model import Deal
from deals.audit.verdicts import terms_text, the
from games.decisions.inverse import NearestPoint, nearest_feasible
from games.results import TabularResult

#: The supplier's power at which the asymmetric Nash solution stands for its optimal ask.
ASK_POWER = 0.999
SOLUTIONS = {"benchmark": "the asymmetric Nash benchmark", "ask": "the supplier's optimal ask"}


@dataclass(frozen=True)
class Move:
    """One parameter that had to move: from the analyst's value to the value needed."""

    name: str
    unit: str
    analyst: float
    needed: float
    low: float
    high: float

    @property
    def change(self) -> float:
        return self.needed - self.analyst

    @property
    def share_of_range(self) -> float:
        return self.change / (self.high - self.low)


@dataclass(frozen=True)
class Revealed:
    """Parameter values under which the terms are one solution (``found`` False if none)."""

    solution: str
    found: bool
    values: dict[str, float]
    moved: tuple[Move, ...]
    distance: float
    miss: float
    closest_miss: float
    evaluations: int
    #: Parameters that make it so when moved alone, with the value needed.
    alone: dict[str, float] = field(default_factory=dict)

    def sentence(self, party: str, terms_name: str) -> str:
        what = SOLUTIONS[self.solution].replace("the supplier", the(party))
        if not self.found:
            near = ("no agreement at any values tried" if not np.isfinite(self.closest_miss)
                    else f"closest: gains {self.closest_miss:.1%} of their range away")
            return f"no values in range make the {terms_name} {what} ({near})"
        if not self.moved:
            return f"the {terms_name} is {what} at the point values"
        big = [m for m in self.moved if abs(m.share_of_range) >= 0.02] or list(self.moved[:1])
        changes = "; ".join(f"{m.name} {_number(m.analyst)} -> {_number(m.needed)}"
                            for m in big)
        rest = len(self.moved) - len(big)
        more = f" and {rest} smaller moves" if rest else ""
        text = (f"the {terms_name} is {what} if {changes}{more} (distance "
                f"{self.distance:.2f} in range units)")
        if self.alone:
            text += "; alone: " + ", ".join(f"{k} = {_number(v)}" for k, v in self.alone.items())
        return text


@dataclass(frozen=True)
class Calibration(TabularResult):
    """From :func:`calibrate`: the values that make the terms the ``benchmark`` or the best ``ask``.

    At the values found, the terms are the asymmetric Nash benchmark (``benchmark``) or the
    supplier's optimal ask with full information (``ask``); each says whether values were
    ``found``, which parameters ``moved`` and how far; printing gives the table. Below, the
    partner gains ``a - pay``: the equal-power Nash split pays a/2, so pay = 0.3 is the
    benchmark at a = 0.6; the supplier's full-information ask takes all, a = 0.3.

    >>> import deals
    >>> toy = deals.loads('''
    ... deal = { name = "toy", title = "Toy", supplier = "S", partner = "P" }
    ... parameters.a = { value = 1.0, range = [0.0, 2.0], source = "judgement" }
    ... issues.pay = { range = [0, 4], giver = "partner" }
    ... utility = { supplier = "pay", partner = "a - pay" }
    ... outside_option = { supplier = "0", partner = "0" }
    ... outcome = { terms = { pay = 0.3 } }
    ... ''')
    >>> found = deals.calibrate(toy, tolerance=0.0001)
    >>> found.benchmark.found, [move.name for move in found.benchmark.moved]
    (True, ['a'])
    >>> round(found.benchmark.values["a"], 2), round(found.ask.values["a"], 2)
    (0.6, 0.3)
    """

    deal: str
    title: str
    supplier: str
    which: str
    terms: dict[str, float]
    benchmark: Revealed
    ask: Revealed
    free: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    point: dict[str, float] = field(default_factory=dict)
    terms_words: str = ""  # the terms in words (deals.audit.verdicts.terms_text)

    def __iter__(self):
        return iter((self.benchmark, self.ask))

    def to_frame(self) -> pd.DataFrame:
        """One row per moved parameter; ``moved`` is the move as a share of its range."""
        rows = []
        blank = {"from": np.nan, "to": np.nan, "moved": np.nan, "unit": ""}
        for r in self:
            label = ("benchmark" if r.solution == "benchmark"
                     else f"{the(self.supplier)}'s best ask")
            if not r.found:
                rows.append({"to be": label, "parameter": "no values in range make it so",
                             **blank})
            elif not r.moved:
                rows.append({"to be": label, "parameter": "(true at the file's values)",
                             **blank})
            for m in r.moved:
                rows.append({"to be": label, "parameter": m.name, "from": m.analyst,
                             "to": m.needed, "moved": m.share_of_range,
                             "unit": m.unit})
            for name, value in r.alone.items():
                rows.append({"to be": label, "parameter": f"{name} alone",
                             "from": self.point.get(name, np.nan), "to": value, "moved": np.nan,
                             "unit": self.units.get(name, "")})
        return pd.DataFrame(rows).set_index(["to be", "parameter"])

    def caption(self) -> str:
        terms = self.terms_words or ", ".join(f"{k}={_number(v)}" for k, v in self.terms.items())
        lines = [f"{self.deal}: the {self.which} ({terms})"]
        lines += [r.sentence(self.supplier, self.which) for r in self]
        lines.append(f"searched {len(self.free)} parameter{'' if len(self.free) == 1 else 's'} "
                     "with ranges; solution met when "
                     f"both gains are within {self.settings['tolerance']:.0%} of their range; "
                     f"optimal ask = asymmetric Nash at power {ASK_POWER}; seed "
                     f"{self.settings['seed']}")
        return "\n".join(lines)


def _number(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def calibrate(deal: Deal, terms: str = "outcome", *, disputed: bool = False,
              tolerance: float = 0.01, seed: int | None = 0, grid_points: int = 150,
              directions: int = 32) -> Calibration:
    """The parameter values, nearest the analyst's and in range, that make the terms predicted.

    ``terms`` is "outcome" (the deal as struck) or "proposal"; the deal is read in the terms'
    own setting (:meth:`Deal.at_terms`), and ``disputed`` uses their disputed reading.
    Parameters without a range, or bound (by ``bind`` or the setting), stay fixed. See
    :class:`Calibration` for a worked example whose answers are known in closed form.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`.
    terms : str, default "outcome"
        The terms to make predicted: ``"outcome"`` (the deal as struck) or
        ``"proposal"``; the deal is read in the terms' own setting.
    disputed : bool, default False
        Use the terms' disputed reading (the file's ``disputed`` values) instead of the
        agreed one.
    tolerance : float, default 0.01
        How close the predicted terms must come: a share of each side's range of gains
        over the outcome space (0.01: within 1%).
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    grid_points : int, default 150
        Outcomes of the grid over the issues scanned for each candidate (more: finer,
        slower).
    directions : int, default 32
        Random search directions (rays) tried from the analyst's values towards values that predict
        the terms.

    Examples
    --------
    >>> import deals
    >>> try:
    ...     calibrate(deals.load("chips-for-farm-purchases"), "struck")
    ... except deals.DealError as error:
    ...     print(error)
    terms 'struck': use 'proposal' or 'outcome'
    """
    bound, values = deal.at_terms(terms, disputed=disputed)
    point = bound.values()
    free = tuple(n for n, p in bound.parameters.items()
                 if p.range is not None and p.range[1] > p.range[0] and n not in bound.bound)
    if not free:
        raise DealError(f"deal {deal.name!r}: no parameter has a range to search")
    low = np.array([bound.parameters[n].range[0] for n in free])
    high = np.array([bound.parameters[n].range[1] for n in free])
    start = np.clip((np.array([point[n] for n in free]) - low) / (high - low), 0.0, 1.0)
    found = {}
    for solution, power in (("benchmark", None), ("ask", ASK_POWER)):
        # affine=(): the compass search over every issue. The split solves (exact in the
        # affine issues) pay a fixed cost per search round that thousands of draws share;
        # calibration solves a handful of points some 300 times, where the split took about
        # twice the CPU (microsoft-g42: 30 s against 16.5 s).
        solver = DrawSolver(bound, values, power=power, grid_points=grid_points, affine=())
        nearest = nearest_feasible(_miss(solver, point, free, low, high), start,
                                   tolerance=tolerance, directions=directions, seed=seed)
        found[solution] = _revealed(solution, nearest, bound, point, free, low, high)
    return Calibration(deal=deal.name, title=deal.title, supplier=deal.supplier, which=terms,
                       terms=values, benchmark=found["benchmark"], ask=found["ask"], free=free,
                       units={n: bound.parameters[n].unit for n in free},
                       point={n: point[n] for n in free}, terms_words=terms_text(deal, values),
                       settings={"tolerance": tolerance, "seed": seed, "disputed": disputed,
                                 "grid_points": grid_points, "directions": directions,
                                 "ask_power": ASK_POWER, "method": (
                                     "nearest point in range-normalised distance "
                                     "(games.decisions.inverse.nearest_feasible) of the parameters "
                                     "at which the terms' gains match the solution's")})


def _miss(solver: DrawSolver, point: dict[str, float], free: tuple[str, ...],
          low: np.ndarray, high: np.ndarray):
    """Each side's gap between its gain at the terms and at the solution, in range units."""

    def miss(z: np.ndarray) -> np.ndarray:
        n = len(z)
        values = {k: np.full(n, v) for k, v in point.items()}
        for j, name in enumerate(free):
            values[name] = low[j] + z[:, j] * (high[j] - low[j])
        out = solver.solve(values)
        with np.errstate(all="ignore"):
            gap = np.maximum(
                np.abs(out.supplier_gain - out.supplier_gain_at_benchmark)
                / out.supplier_scale,
                np.abs(out.partner_gain - out.partner_gain_at_benchmark)
                / out.partner_scale)
        return np.where(out.zone_empty, np.inf, gap)

    return miss


def _revealed(solution: str, nearest: NearestPoint, deal: Deal, point: dict[str, float],
              free: tuple[str, ...], low: np.ndarray, high: np.ndarray) -> Revealed:
    alone = {n: float(low[j] + a * (high[j] - low[j]))
             for j, (n, a) in enumerate(zip(free, nearest.alone)) if np.isfinite(a)}
    if not nearest.found:
        return Revealed(solution, False, {}, (), np.inf, np.inf, nearest.closest_miss,
                        nearest.evaluations)
    z = np.array(nearest.point)
    needed = {n: float(low[j] + z[j] * (high[j] - low[j])) for j, n in enumerate(free)}
    moved = tuple(Move(n, deal.parameters[n].unit, point[n], needed[n], low[j], high[j])
                  for j, n in enumerate(free)
                  if abs(needed[n] - point[n]) > 1e-3 * (high[j] - low[j]))
    moved = tuple(sorted(moved, key=lambda m: -abs(m.share_of_range)))
    return Revealed(solution, True, needed, moved, nearest.distance, nearest.miss,
                    nearest.closest_miss, nearest.evaluations, alone)


# ---- command line (registered by deals.cli.commands) --------------------------------------------------
