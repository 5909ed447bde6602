"""Where a leverage flag holds: the audit's verdict over a grid of two deal parameters.

:func:`deals.assess` gives one verdict over the analyst's whole parameter distribution. An
analyst who asks "what would have to be true for the verdict to flip?" wants the verdict as a
function of the two parameters that drive it: :func:`flag_map` fixes those two at each point of a
grid and draws the others as the audit does (the same draws at every point, so the map changes
only because the two parameters do), then applies the audit's own flag rule to each cell.

>>> import deals
>>> m = flag_map(deals.load("chips-for-farm-purchases"), "harm", [5.0, 60.0],
...              "value_multiple", [2.0], draws=50)
>>> m.flags.shape
(1, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from deals.audit.assessment import FLAGS, Thresholds, audited_terms, percentiles
from deals.errors import DealError
from deals.audit.leverage import DrawSolver, leverage_over_draws, sample_values
from deals.deal.model import Deal
from deals.audit.verdicts import FLAG_COLOURS, FLAG_WORDS, headline, verdict_set
from games.errors import listing
from games.results import TabularResult

__all__ = ["FlagMap", "flag_map", "proposal_terms"]



def proposal_terms(deal: Deal) -> tuple[dict[str, float], str]:
    """The terms the audit judges: the deal's proposal, else the optimal ask under its belief.

    >>> import deals
    >>> proposal_terms(deals.load("gulf-divestment-uae"))[1]
    'proposal'
    """
    _, proposal, source = audited_terms(deal, "proposal")
    return proposal, "proposal" if source == "the deal's proposal" else source


@dataclass(frozen=True, eq=False)
class FlagMap(TabularResult):
    """The audit's flag in each cell of a two-parameter grid (rows: ``y``, columns: ``x``).

    ``flags[side][i, j]`` is the flag of ``side`` ('supplier' or 'partner') at
    ``y_values[i]``, ``x_values[j]``; ``acceptance[side]`` is the probability that ``side``
    accepts the proposal, ``rho[side]`` the median leverage ratio of ``side``, ``dominated`` the share of draws
    in which another outcome is better for both.

    See :func:`flag_map` for an example.
    """

    deal: str
    x: str
    y: str
    x_values: np.ndarray
    y_values: np.ndarray
    side_flags: Mapping[str, np.ndarray]
    acceptance: Mapping[str, np.ndarray]
    rho: Mapping[str, np.ndarray]
    dominated: np.ndarray
    proposal: Mapping[str, float]
    draws: int
    seed: int | None
    thresholds: Thresholds
    point: tuple[float, float]
    settings: Mapping[str, Any] = field(default_factory=dict)
    method: str = "the audit's flags over a grid of two parameters"

    @property
    def flags(self) -> np.ndarray:
        """The supplier's flag in each cell (the audit's headline)."""
        return self.side_flags["supplier"]

    def flag_at(self, x: float, y: float, side: str = "supplier") -> str:
        """The flag in the grid cell nearest to (x, y)."""
        i = int(np.argmin(np.abs(self.y_values - y)))
        j = int(np.argmin(np.abs(self.x_values - x)))
        return str(self.side_flags[side][i, j])

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for i, yv in enumerate(self.y_values):
            for j, xv in enumerate(self.x_values):
                rows.append({self.y: yv, self.x: xv,
                             "flag (supplier)": self.side_flags["supplier"][i, j],
                             "flag (partner)": self.side_flags["partner"][i, j],
                             "P(partner accepts)": self.acceptance["partner"][i, j],
                             "P(supplier accepts)": self.acceptance["supplier"][i, j],
                             "rho median": self.rho["supplier"][i, j],
                             "share dominated": self.dominated[i, j]})
        return pd.DataFrame(rows)

    def caption(self) -> str:
        return (f"{self.deal}: flags over {self.x} x {self.y} ({len(self.x_values)} x "
                f"{len(self.y_values)} grid), the other parameters drawn ({self.draws:,} draws per "
                f"cell, seed {self.seed}, the same draws in every cell); thresholds: "
                f"{self.thresholds}")

    def plot(self, ax: Any = None, *, side: str = "supplier") -> Any:
        """Colour each cell by its flag; mark the point values and label the axes with units."""
        import matplotlib.pyplot as plt
        from matplotlib.colors import ListedColormap
        from matplotlib.patches import Patch

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4.5))
        flags = self.side_flags[side]
        codes = np.vectorize(FLAGS.index)(flags)
        cmap = ListedColormap([FLAG_COLOURS[f] for f in FLAGS])
        ax.pcolormesh(_edges(self.x_values), _edges(self.y_values), codes, cmap=cmap,
                      vmin=-0.5, vmax=len(FLAGS) - 0.5, shading="flat")
        ax.plot(*self.point, marker="*", ms=14, color="gold", mec="black", ls="none",
                label="point values")
        present = [f for f in FLAGS if (flags == f).any()]
        handles = [Patch(color=FLAG_COLOURS[f], label=FLAG_WORDS[side][f]) for f in present]
        handles.append(ax.lines[-1])
        ax.legend(handles=handles, title=f"{side} flag", fontsize=8, title_fontsize=8,
                  loc="best")
        ax.set_xlabel(self.settings.get("x_label", self.x))
        ax.set_ylabel(self.settings.get("y_label", self.y))
        ax.set_title(f"{self.deal}: where each leverage flag holds", fontsize=10)
        return ax


def _edges(centres: np.ndarray) -> np.ndarray:
    c = np.asarray(centres, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5]) if c[0] == 0 else c[0] * np.array([0.9, 1.1])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def _grid_values(deal: Deal, name: str, values: Sequence[float], axis: str) -> np.ndarray:
    if name not in set(deal.parameters):
        raise DealError(f"flag_map: {axis}={name!r} is not a parameter of deal {deal.name!r}; "
                        f"the parameters are {listing(sorted(deal.parameters))}")
    out = np.asarray(values, dtype=float).ravel()
    if out.size == 0 or not np.all(np.isfinite(out)):
        raise DealError(f"flag_map: give {axis}s for {name!r} as a non-empty list of finite numbers")
    return out


def flag_map(deal: Deal, x: str, xs: Sequence[float], y: str, ys: Sequence[float], *,
             draws: int = 200, seed: int | None = 0, thresholds: Thresholds | None = None,
             power: float | None = None, proposal: Mapping[str, float] | None = None) -> FlagMap:
    """Which leverage flag holds at each (x, y): two parameters fixed, the others drawn.

    Each cell is a small audit of the deal's proposal (as :func:`deals.assess` judges it):
    ``draws`` seeded draws of the other parameters, the same in every cell, with the flag rule
    and ``thresholds`` of the audit. ``proposal`` judges other terms than the deal's own
    (issues not named stay at their status quo). Cost grows as ``len(xs) * len(ys) * draws``.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`.
    x : str
        The parameter on the horizontal axis (a name in ``deal.parameters``).
    xs : sequence of float
        Its values, one column each, in the parameter's own unit.
    y : str
        The parameter on the vertical axis.
    ys : sequence of float
        Its values, one row each, in the parameter's own unit.
    draws : int, default 200
        Draws of the other parameters in each cell, the same in every cell; more draws,
        smaller sampling error, longer run.
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    thresholds : Thresholds or None, default None
        When a verdict is over-reach, at risk, underpriced or inefficient (acceptance
        shares and a leverage ratio, see :class:`Thresholds`); None: the defaults.
    power : float or None, default None
        The supplier's bargaining power, a share from 0 to 1 (None: from the deal's
        costs of delay by Rubinstein, else 0.5).
    proposal : mapping of str to float, or None, default None
        Terms to judge instead of the deal's own proposal, issue name to value in the
        issue's unit (issues not named stay at their status quo).

    Examples
    --------
    >>> import deals
    >>> deal = deals.load("chips-for-farm-purchases")
    >>> m = flag_map(deal, "harm", [5.0, 60.0], "margin", [0.6, 0.75], draws=50)
    >>> m.side_flags["supplier"].shape   # rows: y values, columns: x values
    (2, 2)
    """
    if x == y:
        raise DealError(f"flag_map: x and y are both {x!r}; name two different parameters")
    xs_ = _grid_values(deal, x, xs, "x")
    ys_ = _grid_values(deal, y, ys, "y")
    if draws < 1:
        raise DealError(f"flag_map: draws must be at least 1, got {draws}")
    t = thresholds or Thresholds()
    if proposal is None:
        proposal, source = proposal_terms(deal)
    else:
        proposal, source = deal.outcome_values(proposal), "terms given to flag_map"
    base = sample_values(deal, draws, seed)
    ny, nx = len(ys_), len(xs_)
    cells = nx * ny
    batch = {k: np.tile(v, cells) for k, v in base.items()}
    # Cell c = (i, j) holds draws c*draws .. (c+1)*draws - 1, with y = ys[i], x = xs[j].
    batch[x] = np.repeat(np.tile(xs_, ny), draws)
    batch[y] = np.repeat(np.repeat(ys_, nx), draws)
    solver = DrawSolver(deal, proposal, power=power, efficiency_margin=t.efficiency_margin)
    out = leverage_over_draws(solver, batch)

    def per_cell(column: str) -> np.ndarray:
        return np.asarray(getattr(out, column), dtype=float).reshape(ny, nx, draws)

    accepts = {"partner": per_cell("partner_accepts").mean(axis=2),
               "supplier": per_cell("supplier_accepts").mean(axis=2)}
    other = {"supplier": "partner", "partner": "supplier"}
    rho_cells = {"supplier": per_cell("rho"), "partner": per_cell("rho_partner")}
    dominated = (per_cell("better_for_both") >= t.efficiency_margin).mean(axis=2)
    flags = {s: np.empty((ny, nx), dtype=object) for s in other}
    medians = {s: np.empty((ny, nx)) for s in other}
    for side in other:
        for i in range(ny):
            for j in range(nx):
                r = percentiles(rho_cells[side][i, j])
                medians[side][i, j] = r["median"]
                found = verdict_set(accepts[other[side]][i, j], accepts[side][i, j],
                                    r["median"], dominated[i, j], t)
                flags[side][i, j] = headline(found)
    values = deal.values()
    units = {n: deal.parameters[n].unit for n in (x, y)}
    return FlagMap(deal=deal.name, x=x, y=y, x_values=xs_, y_values=ys_,
                   side_flags={s: f.astype(str) for s, f in flags.items()},
                   acceptance=accepts, rho=medians, dominated=dominated, proposal=proposal,
                   draws=draws, seed=seed, thresholds=t, point=(values[x], values[y]),
                   settings={"proposal": source, "power": power,
                             "x_label": f"{x} ({units[x]})" if units[x] else x,
                             "y_label": f"{y} ({units[y]})" if units[y] else y})
