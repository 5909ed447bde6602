"""A straightforward per-draw leverage computation: one scipy optimiser call per draw.

This is what an analyst would write without chipdeals' batch solver: for each parameter draw,
maximise the asymmetric Nash product over the outcome box with scipy (Nelder-Mead with bounds,
from the best point of a coarse grid), then divide the proposal's supplier gain by the
benchmark's. It is the anchor of benchmarks/bench_assess.py and an independent cross-check of
deals.audit.leverage in tests/deals/test_leverage_crosscheck.py.
"""

from __future__ import annotations

import itertools
from typing import Mapping

import numpy as np
from scipy.optimize import minimize

from deals.audit.leverage import supplier_power
from deals.deal.model import Deal


def nash_benchmark(deal: Deal, values: Mapping[str, float], power: float) -> tuple[dict, float, float]:
    """The asymmetric Nash outcome at one parameter draw, by scipy; (outcome, g_S, g_P)."""
    continuous = [i for i in deal.issues if not i.discrete and i.range[1] > i.range[0]]
    fixed_options = [i.levels if i.discrete else (i.range[0],) for i in deal.issues
                     if i not in continuous]
    fixed_names = [i.name for i in deal.issues if i not in continuous]
    best = (None, -np.inf)

    def gains(x, fixed):
        terms = dict(zip(fixed_names, fixed))
        terms.update({i.name: v for i, v in zip(continuous, x)})
        g_s, g_p = deal.gains(terms, values)
        return float(g_s), float(g_p)

    def negative(x, fixed):
        g_s, g_p = gains(x, fixed)
        if g_s <= 0 or g_p <= 0:
            return 1e6 - min(g_s, 0) - min(g_p, 0)
        return -(power * np.log(g_s) + (1 - power) * np.log(g_p))

    bounds = [i.range for i in continuous]
    for fixed in itertools.product(*fixed_options):
        starts = list(itertools.product(*[np.linspace(lo, hi, 5) for lo, hi in bounds])) or [()]
        x0 = min(starts, key=lambda x: negative(np.array(x), fixed))
        if continuous:
            scale = np.array([hi - lo for lo, hi in bounds])
            lows = np.array([lo for lo, _ in bounds])
            result = minimize(lambda z: negative(lows + z * scale, fixed), (np.array(x0) - lows) / scale,
                              method="Nelder-Mead", bounds=[(0, 1)] * len(bounds),
                              options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 4000})
            x, value = lows + result.x * scale, result.fun
        else:
            x, value = np.array(x0), negative(np.array(x0), fixed)
        if -value > best[1]:
            best = ((x, fixed), -value)
    (x, fixed), _ = best
    outcome = dict(zip(fixed_names, fixed))
    outcome.update({i.name: float(v) for i, v in zip(continuous, x)})
    g_s, g_p = deal.gains(outcome, values)
    return outcome, float(g_s), float(g_p)


def rho_loop(deal: Deal, values: Mapping[str, np.ndarray], power: float | None = None) -> np.ndarray:
    """Leverage ratio per draw, one scipy solve at a time (NaN where no agreement beats both)."""
    n = len(next(iter(values.values())))
    proposal = deal.outcome_values(deal.proposal.values)
    betas = supplier_power(deal, values, power)
    out = np.full(n, np.nan)
    for k in range(n):
        draw = {name: float(v[k]) for name, v in values.items()}
        _, g_s_star, g_p_star = nash_benchmark(deal, draw, float(betas[k]))
        if g_s_star > 0 and g_p_star > 0:
            g_s, _ = deal.gains(proposal, draw)
            out[k] = float(g_s) / g_s_star
    return out
