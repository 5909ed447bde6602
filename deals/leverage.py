"""Leverage: how a proposal's terms compare with what each side's position supports.

For parameters theta, the supplier S and partner P have utilities u_S, u_P over outcomes x and
outside options d_S, d_P; gains are g_i(x) = u_i(x) - d_i. For each Monte Carlo draw of theta
this module finds, all draws at once (:mod:`games.box_search`):

- the benchmark x*(theta): the asymmetric Nash solution, maximising
  beta log g_S + (1 - beta) log g_P over the zone of agreement, with the supplier's power beta
  from the two sides' costs of delay through Rubinstein (beta = log d_P / (log d_S + log d_P),
  the limit of alternating offers as the time between offers shrinks), or 1/2 without them;
- whether the zone of agreement is empty (no outcome gives both sides a strictly positive gain);
- the leverage ratio rho = g_S(p) / g_S(x*) of the proposal p, and the partner's
  rho_P = g_P(p) / g_P(x*); both are invariant to rescaling or shifting either side's utility;
- the largest gain for both over p (each side's gain over p in units of its range of gains):
  positive when another outcome is better for both, and the package that achieves it.

The functions here return arrays (one value per draw); :mod:`deals.assessment` turns them into
a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from scipy.optimize import minimize

from deals.model import Deal
from games.box_search import Box, maximise

#: Relative slack under which a gain counts as zero (rounding of the utilities).
GAIN_TOLERANCE = 1e-9
#: Shifts of the homotopy that looks for a zone of agreement the grid missed (gain-range units).
ZONE_SHIFTS = (0.05, 0.005, 0.0)
#: Draws on which the optimal ask's simplex search runs (its figures use all draws).
ASK_SEARCH_DRAWS = 2_000


def utilities(deal: Deal, outcome: Mapping[str, Any], values: Mapping[str, Any]
              ) -> tuple[np.ndarray, np.ndarray]:
    """(supplier, partner) utilities, evaluated through the deal's inlined expressions.

    One compiled function per side instead of one per definition: the hot path of the audit.
    ``values`` must hold every parameter and ``outcome`` every issue (arrays broadcast).
    """
    scope = {**values, **outcome}
    u_s, u_p = deal.inlined("supplier"), deal.inlined("partner")
    return (np.asarray(u_s(**{n: scope[n] for n in u_s.names}), dtype=float),
            np.asarray(u_p(**{n: scope[n] for n in u_p.names}), dtype=float))


def utility_names(deal: Deal) -> frozenset[str]:
    """The names (parameters and issues) the two inlined utilities use."""
    return frozenset(deal.inlined("supplier").names) | frozenset(deal.inlined("partner").names)


def gains(deal: Deal, outcome: Mapping[str, Any], values: Mapping[str, Any],
          disagreement: tuple[Any, Any] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(supplier, partner) gains over the outside options, on the fast path of :func:`utilities`.

    Pass ``disagreement`` (from ``deal.disagreement(values)``) when evaluating many outcomes
    at the same values: the outside options do not depend on the outcome.
    """
    u_s, u_p = utilities(deal, outcome, values)
    d_s, d_p = deal.disagreement(values) if disagreement is None else disagreement
    return u_s - np.asarray(d_s, dtype=float), u_p - np.asarray(d_p, dtype=float)


def outcome_box(deal: Deal) -> Box:
    """The deal's outcome space: each issue's range, or its levels if it is discrete."""
    return Box({i.name: (tuple(i.levels) if i.discrete else i.range) for i in deal.issues})


def sample_values(deal: Deal, draws: int, seed: int | None) -> dict[str, np.ndarray]:
    """Seeded draws of every parameter; parameters fixed by ``deal.bind`` stay fixed."""
    sample = deal.parameters.sample(draws, seed)
    for name, value in deal.bound.items():
        sample[name] = np.full(draws, float(value))
    return sample


def point_values(deal: Deal, rows: int = 1) -> dict[str, np.ndarray]:
    """The deal's parameter values in force, repeated ``rows`` times (for batch evaluation)."""
    return {k: np.full(rows, v) for k, v in deal.values().items()}


def supplier_power(deal: Deal, values: Mapping[str, np.ndarray], power: float | None
                   ) -> np.ndarray:
    """The supplier's bargaining power per draw: given, from delay costs, or 1/2."""
    n = len(next(iter(values.values())))
    if power is not None:
        return np.full(n, float(power))
    factors = deal.discount_factors(values)
    if factors is None:
        return np.full(n, 0.5)
    log_s, log_p = (np.log(np.broadcast_to(np.asarray(f, dtype=float), (n,))) for f in factors)
    return log_p / (log_s + log_p)


@dataclass(frozen=True)
class DrawSolver:
    """Per-draw leverage quantities of one proposal, vectorised over parameter draws.

    An instance is a picklable callable, so :func:`games.sweep` can spread it over an executor:
    ``DrawSolver(deal, proposal)(**values)`` returns a dict of arrays, one entry per draw.

    The Nash benchmark is refined for every draw. The zone-of-agreement search is refined only
    where the grid found no outcome with both gains positive, and the better-for-both search only
    where the grid has not already shown the proposal dominated by ``efficiency_margin``; with
    ``exhaustive=True`` every search is refined and better-for-both packages are moved on to the
    frontier (used for the few point-value solves whose packages are reported).
    """

    deal: Deal
    proposal: Mapping[str, float]
    power: float | None = None
    grid_points: int = 350
    resolution: float = 1e-4
    max_rounds: int = 60
    efficiency_margin: float = 0.02
    exhaustive: bool = False

    def __call__(self, **values: np.ndarray) -> dict[str, np.ndarray]:
        deal = self.deal
        n = len(next(iter(values.values())))
        column = {k: np.asarray(v, dtype=float)[:, None] for k, v in values.items()}
        box = outcome_box(deal)
        names = box.names
        # Outside options do not depend on the outcome: evaluate them once per chunk. The
        # searches below then carry only the parameters the utilities use.
        d_s, d_p = (np.asarray(d, dtype=float) for d in deal.disagreement(column))
        column = {k: v for k, v in column.items() if k in utility_names(deal)}

        def gains(outcome, scope=column, ds=d_s, dp=d_p):
            u_s, u_p = utilities(deal, outcome, scope)
            return np.asarray(u_s, dtype=float) - ds, np.asarray(u_p, dtype=float) - dp

        proposal = deal.outcome_values(self.proposal)
        gs_p, gp_p = (np.broadcast_to(g, (n, 1))[:, 0] for g in
                      gains({k: np.array([[v]]) for k, v in proposal.items()}))
        grid = box.grid(self.grid_points)
        size = len(grid[names[0]])
        gs_grid, gp_grid = (np.broadcast_to(g, (n, size))
                            for g in gains({k: v[None, :] for k, v in grid.items()}))
        # Each side's range of gains over the outcome space: the unit for "better for both"
        # and "zone of agreement", which keeps both tests invariant to rescaling a utility.
        scale_s = np.maximum(np.ptp(gs_grid, axis=1), 1e-12)[:, None]
        scale_p = np.maximum(np.ptp(gp_grid, axis=1), 1e-12)[:, None]
        beta = supplier_power(deal, values, self.power)[:, None]

        # Searches per draw run as one stacked search (rows: maximin, Nash, better for
        # both), so each evaluation of the utilities serves all three.
        def stack(a):
            return np.concatenate([np.broadcast_to(a, (n,) + np.shape(a)[1:])] * 4)

        column3 = {k: stack(v) for k, v in column.items()}
        ds3, dp3 = stack(np.broadcast_to(d_s, (n, 1))), stack(np.broadcast_to(d_p, (n, 1)))
        ss3, sp3, beta3 = stack(scale_s), stack(scale_p), stack(beta)
        gs_p3, gp_p3 = stack(gs_p[:, None]), stack(gp_p[:, None])

        def objective(kind, g_s, g_p, ss, sp, b, gsp, gpp):
            # 0: the worse-off side's gain (zone of agreement); 1: the asymmetric Nash product;
            # 2: the worse-off side's gain over the proposal (better for both); 3: the Nash
            # product over the proposal, which moves a better-for-both package on to the
            # frontier where the kinked maximin of kind 2 stalls.
            if kind in (1, 3):
                a, c = (g_s, g_p) if kind == 1 else (g_s - gsp, g_p - gpp)
                with np.errstate(all="ignore"):
                    value = b * np.log(a) + (1 - b) * np.log(c) if kind == 1 else np.log(a) + np.log(c)
                return np.where((a > 0) & (c > 0), value, -np.inf)
            if kind == 0:
                return np.minimum(g_s / ss, g_p / sp)
            return np.minimum((g_s - gsp) / ss, (g_p - gpp) / sp)

        last: dict[str, Any] = {}

        def stacked(rows, **x):
            # A round polls several moves for the same rows: slice the per-row data once.
            if last.get("key") is not rows and not (
                    last.get("rows") is not None and len(last["rows"]) == len(rows)
                    and np.array_equal(last["rows"], rows)):
                kind = rows // n
                parts = [(kind == i, rows[kind == i]) for i in range(4)]
                last.update(key=rows, rows=rows, scope={k: v[rows] for k, v in column3.items()},
                            ds=ds3[rows], dp=dp3[rows],
                            parts=[(i, mask, ss3[p], sp3[p], beta3[p], gs_p3[p], gp_p3[p])
                                   for i, (mask, p) in enumerate(parts) if p.size])
            g_s, g_p = gains(x, last["scope"], last["ds"], last["dp"])
            g_s, g_p = np.broadcast_arrays(g_s, g_p)
            value = np.empty((len(rows), 1))
            for i, mask, *data in last["parts"]:
                value[mask] = objective(i, g_s[mask], g_p[mask], *data)
            return value

        rows = np.arange(n)
        grid_values = [objective(kind, gs_grid, gp_grid, scale_s, scale_p, beta, gs_p[:, None],
                                 gp_p[:, None]) for kind in range(3)]
        best = [np.argmax(v, axis=1) for v in grid_values]
        has_nash = np.isfinite(grid_values[1][rows, best[1]])
        # Where the grid misses a thin zone of agreement, the Nash search starts from the
        # maximin point, which lies in the zone whenever the zone is not empty.
        best[1] = np.where(has_nash, best[1], best[0])
        start = {k: np.concatenate([grid[k][b] for b in best]) for k in names}
        step = 1.0 / max(2, round(size ** (1 / max(1, len(names)))))
        grid_best = [v[rows, b] for v, b in zip(grid_values, best)]
        if self.exhaustive:
            wanted = [rows, rows, rows]
        else:
            wanted = [rows[~has_nash], rows, rows[grid_best[2] < self.efficiency_margin]]
        chosen = np.concatenate([w + i * n for i, w in enumerate(wanted)])
        found = maximise(lambda r, **x: stacked(chosen[r], **x), box, chosen.size,
                         start={k: v[chosen] for k, v in start.items()},
                         resolution=self.resolution, first_step=step,
                         max_rounds=self.max_rounds, by_rows=True)
        values_all = np.concatenate(grid_best)
        points_all = {k: v.copy() for k, v in start.items()}
        values_all[chosen] = found.values
        for k in names:
            points_all[k][chosen] = found.points[k]
        zone_value, star_value, better_value = (values_all[i * n:(i + 1) * n] for i in range(3))
        zone = {k: v[:n].copy() for k, v in points_all.items()}
        missed = rows[~has_nash]
        if missed.size:
            zone_value = zone_value.copy()
            found_zone = self._zone_search(box, missed, zone, zone_value[missed], column,
                                           d_s, d_p, scale_s, scale_p, step)
            for k in names:
                zone[k][missed] = found_zone[0][k]
            zone_value[missed] = found_zone[1]
        # Where the grid held no outcome with both gains positive but the zone search found
        # one, search the Nash product again from there.
        late = rows[~has_nash & (zone_value > GAIN_TOLERANCE)]
        if late.size:
            again = maximise(lambda r, **x: stacked(late[r] + n, **x), box, late.size,
                             start={k: v[late] for k, v in zone.items()},
                             resolution=self.resolution, first_step=step,
                             max_rounds=self.max_rounds, by_rows=True)
            values_all[late + n] = again.values
            for k in names:
                points_all[k][late + n] = again.points[k]
        star_value = values_all[n:2 * n]
        star = {k: v[n:2 * n] for k, v in points_all.items()}
        better = {k: v[2 * n:].copy() for k, v in points_all.items()}
        dominated = np.flatnonzero(better_value > 0) if self.exhaustive else np.array([], int)
        if dominated.size:
            rows3 = dominated + 3 * n  # kind 3 rows of the stacked layout

            def onward(r, **x):
                return stacked(rows3[r], **x)

            frontier = maximise(onward, box, dominated.size,
                                start={k: v[dominated] for k, v in better.items()},
                                resolution=self.resolution, first_step=step,
                                max_rounds=self.max_rounds, by_rows=True)
            g_s, g_p = gains({k: v[:, None] for k, v in frontier.points.items()},
                             {k: v[dominated] for k, v in column.items()},
                             np.broadcast_to(d_s, (n, 1))[dominated],
                             np.broadcast_to(d_p, (n, 1))[dominated])
            gap = objective(2, g_s, g_p, scale_s[dominated], scale_p[dominated], None,
                            gs_p[dominated, None], gp_p[dominated, None])
            gap = np.broadcast_to(gap, (dominated.size, 1))[:, 0]
            # The package reported is the frontier point (Pareto optimal, better for both); the
            # margin is the larger of the two lower bounds on the best improvement for both.
            moved = np.isfinite(frontier.values) & (gap > 0)
            for k in names:
                better[k][dominated[moved]] = frontier.points[k][moved]
            better_value = better_value.copy()
            better_value[dominated] = np.maximum(better_value[dominated], gap)
        gs_star, gp_star = (np.broadcast_to(g, (n, 1))[:, 0] for g in
                            gains({k: v[:, None] for k, v in star.items()}))
        # Agreement: an outcome where both sides gain strictly. A zone holding only outcomes
        # where a side gains nothing (such as trading nothing at all) is empty.
        agreement = (np.isfinite(star_value) & (gs_star > GAIN_TOLERANCE * scale_s[:, 0])
                     & (gp_star > GAIN_TOLERANCE * scale_p[:, 0]))
        with np.errstate(all="ignore"):
            rho = np.where(agreement & (gs_star > 0), gs_p / gs_star, np.nan)
            rho_partner = np.where(agreement & (gp_star > 0), gp_p / gp_star, np.nan)
        out = {
            "supplier_gain": gs_p, "partner_gain": gp_p,
            "supplier_accepts": gs_p >= -GAIN_TOLERANCE * scale_s[:, 0],
            "partner_accepts": gp_p >= -GAIN_TOLERANCE * scale_p[:, 0],
            "zone_margin": zone_value,
            "zone_empty": ~agreement,
            "power": beta[:, 0], "supplier_gain_at_benchmark": gs_star,
            "partner_gain_at_benchmark": gp_star, "rho": rho, "rho_partner": rho_partner,
            "better_for_both": better_value,
            "supplier_scale": scale_s[:, 0], "partner_scale": scale_p[:, 0],
        }
        for k in names:
            out[f"benchmark.{k}"] = np.where(agreement, star[k], np.nan)
            out[f"better.{k}"] = better[k]
        return out


    def _zone_search(self, box: Box, rows: np.ndarray, start: Mapping[str, np.ndarray],
                     start_value: np.ndarray, column: Mapping[str, np.ndarray], d_s: np.ndarray,
                     d_p: np.ndarray, scale_s: np.ndarray, scale_p: np.ndarray, step: float
                     ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Look for outcomes with both gains positive where the grid found none.

        The worse-off side's gain is kinked where the two sides' gains cross, and a zone shaped
        like a thin wedge is entered only along that crease, which a compass search cannot
        follow. The shifted Nash product log(a + e) + log(b + e) (a, b the gains in units of
        their ranges) is smooth, finite wherever both exceed -e, and peaks inside the zone as
        e falls to zero: the search follows it through ZONE_SHIFTS, each from the last point.
        """
        deal = self.deal
        sub = {k: v[rows] for k, v in column.items()}
        ds = np.broadcast_to(d_s, (len(scale_s), 1))[rows]
        dp = np.broadcast_to(d_p, (len(scale_s), 1))[rows]
        ss, sp = scale_s[rows], scale_p[rows]
        points = {k: v[rows].copy() for k, v in start.items()}
        offset = np.maximum(0.0, -start_value)[:, None]

        def worse_off(points):
            u_s, u_p = utilities(deal, {k: v[:, None] for k, v in points.items()}, sub)
            a = (np.asarray(u_s, dtype=float) - ds) / ss
            b = (np.asarray(u_p, dtype=float) - dp) / sp
            return np.broadcast_to(np.minimum(a, b), (len(rows), 1))[:, 0]

        todo = np.arange(len(rows))
        for shift in ZONE_SHIFTS:
            e = offset + shift
            if not todo.size or not np.any(e[todo] > 0):
                break

            def shifted(r, **x):
                r = todo[r]
                u_s, u_p = utilities(deal, x, {k: v[r] for k, v in sub.items()})
                a = (np.asarray(u_s, dtype=float) - ds[r]) / ss[r] + e[r]
                b = (np.asarray(u_p, dtype=float) - dp[r]) / sp[r] + e[r]
                with np.errstate(all="ignore"):
                    return np.where((a > 0) & (b > 0), np.log(a) + np.log(b), -np.inf)

            found = maximise(shifted, box, todo.size, start={k: v[todo] for k, v in points.items()},
                             resolution=self.resolution, first_step=step,
                             max_rounds=min(self.max_rounds, 30), by_rows=True)
            for k in points:
                points[k][todo] = found.points[k]
            gap = worse_off(points)
            offset = np.maximum(0.0, -gap)[:, None] * 0.5
            todo = todo[gap[todo] <= GAIN_TOLERANCE]  # rows with a point in the zone are done
        return points, worse_off(points)


def optimal_ask(deal: Deal, values: Mapping[str, np.ndarray], *, grid_points: int = 150,
                chunk: int = 2_000, resolution: float = 1e-3) -> dict[str, Any]:
    """The supplier's best take-it-or-leave-it package when the partner's type is uncertain.

    Maximises the expected supplier gain E[g_S(x) 1{g_P(x) >= 0}] over the draws of ``values``
    (one package for all draws: the supplier does not know theta). A single draw gives the
    full-information ask. The scan runs in fixed chunks of draws, so the answer does not depend
    on how a caller split the work.
    """
    box = outcome_box(deal)
    n = len(next(iter(values.values())))
    grid = box.grid(grid_points)
    size = len(grid[box.names[0]])
    total = np.zeros(size)
    for a in range(0, n, chunk):
        column = {k: np.asarray(v[a:a + chunk], dtype=float)[:, None] for k, v in values.items()}
        g_s, g_p = gains(deal, {k: v[None, :] for k, v in grid.items()}, column)
        rows = min(chunk, n - a)
        g_s = np.broadcast_to(np.asarray(g_s, dtype=float), (rows, size))
        g_p = np.broadcast_to(np.asarray(g_p, dtype=float), (rows, size))
        total += np.where(g_p >= 0, g_s, 0.0).sum(axis=0)
    column_all = {k: np.asarray(v, dtype=float)[:, None] for k, v in values.items()}
    # The simplex search uses the first ASK_SEARCH_DRAWS draws; the answer is then evaluated on
    # all of them. Deterministic for a given sample.
    column_search = {k: v[:ASK_SEARCH_DRAWS] for k, v in column_all.items()}
    outside_search = deal.disagreement(column_search)

    def expected(**x):
        g_s, g_p = gains(deal, x, column_search, outside_search)
        g_s, g_p = np.broadcast_arrays(np.asarray(g_s, dtype=float), np.asarray(g_p, dtype=float))
        return np.where(g_p >= 0, g_s, 0.0).mean(axis=0, keepdims=True)

    # The objective jumps where a draw's partner stops accepting, and its optimum often lies on
    # that acceptance boundary, along which a compass search stalls; Nelder-Mead's simplex
    # follows such ridges. It starts from the best few grid points.
    step = 1.0 / max(2, round(size ** (1 / max(1, len(box.names)))))
    moving = [k for k in box.names if box.is_continuous(k)]
    lows = np.array([box.bounds(k)[0] for k in moving])
    spans = np.array([box.bounds(k)[1] - box.bounds(k)[0] for k in moving])
    candidates = []
    for index in np.argsort(-total, kind="stable")[:2]:
        fixed = {k: float(grid[k][index]) for k in box.names}
        if not moving:
            candidates.append((total[index] / n, fixed))
            continue

        def negative(z, fixed=fixed):
            x = dict(fixed)
            x.update({k: np.array([[lo + zi * sp]]) for k, lo, sp, zi in zip(moving, lows, spans, z)})
            return -float(expected(**x)[0, 0])

        z0 = np.array([(fixed[k] - lo) / sp for k, lo, sp in zip(moving, lows, spans)])
        simplex = np.vstack([z0] + [np.clip(z0 + step * e, 0, 1) if z0 @ e + step <= 1
                                    else np.clip(z0 - step * e, 0, 1)
                                    for e in np.eye(len(moving))])
        found = minimize(negative, z0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(moving),
                         options={"initial_simplex": simplex, "xatol": resolution,
                                  "fatol": 1e-12, "maxfev": 200 * len(moving)})
        point = dict(fixed)
        point.update({k: float(lo + zi * sp) for k, lo, sp, zi in zip(moving, lows, spans, found.x)})
        candidates.append((-found.fun, point))
    ask = max(candidates, key=lambda c: c[0])[1]
    g_s, g_p = gains(deal, {k: np.array([[v]]) for k, v in ask.items()}, column_all)
    g_s = np.broadcast_to(np.asarray(g_s, dtype=float), (n, 1))[:, 0]
    g_p = np.broadcast_to(np.asarray(g_p, dtype=float), (n, 1))[:, 0]
    return {"terms": ask, "acceptance": float(np.mean(g_p >= 0)),
            "expected_gain": float(np.mean(np.where(g_p >= 0, g_s, 0.0))),
            "supplier_gain": g_s, "partner_gain": g_p}


def acceptance_by_level(deal: Deal, proposal: Mapping[str, float], issue: str,
                        levels: np.ndarray, values: Mapping[str, np.ndarray], side: str
                        ) -> np.ndarray:
    """P(side's gain >= 0) when ``issue`` takes each of ``levels``, the rest as in ``proposal``."""
    outcome = {k: np.array([[v]]) for k, v in deal.outcome_values(proposal).items()}
    outcome[issue] = np.asarray(levels, dtype=float)[None, :]
    column = {k: np.asarray(v, dtype=float)[:, None] for k, v in values.items()}
    g_s, g_p = gains(deal, outcome, column)
    gain = np.asarray(g_s if side == "supplier" else g_p, dtype=float)
    n = len(next(iter(values.values())))
    return np.broadcast_to(gain, (n, len(levels))).__ge__(0).mean(axis=0)
