"""The supplier's optimal ask on every library deal against the Nelder-Mead search it replaced.

The reference below is the former method, kept here as an independent check: a grid scan over
the draws, then scipy's Nelder-Mead from the two best grid packages. The line search must end
at an expected gain at least as high on every library deal, at compare's and assess's draws and seed (with more draws than
the search's sample, over all the draws).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

import deals
from deals.audit.assessment import audited_terms
from deals.audit.leverage import batch_problem, optimal_ask, sample_values
from deals.deal.reading import library_names


def nelder_mead_ask(problem, grid_points=150, resolution=1e-3):
    """The former optimal ask: the expected gain of the better of two Nelder-Mead searches."""
    box = problem.box
    grid = box.grid(grid_points)
    g_1, g_2 = problem.gains({k: v[None, :] for k, v in grid.items()})
    total = np.where(g_2 >= 0, g_1, 0.0).sum(axis=0)
    names = list(box.names)
    lows = np.array([box.bounds(k)[0] for k in names])
    spans = np.array([box.bounds(k)[1] for k in names]) - lows
    size = len(total)
    step = 1.0 / max(2, round(size ** (1 / len(names))))

    def negative(z):
        x = {k: np.full((1, 1), lo + zi * sp) for k, lo, sp, zi in zip(names, lows, spans, z)}
        g_1, g_2 = problem.gains(x)
        return -float(np.mean(np.where(g_2 >= 0, g_1, 0.0)))

    best = -np.inf
    for index in np.argsort(-total, kind="stable")[:2]:
        z0 = np.array([(grid[k][index] - lo) / sp for k, lo, sp in zip(names, lows, spans)])
        simplex = np.vstack([z0] + [np.clip(z0 + step * e, 0, 1) if z0 @ e + step <= 1
                                    else np.clip(z0 - step * e, 0, 1) for e in np.eye(len(z0))])
        found = minimize(negative, z0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(z0),
                         options={"initial_simplex": simplex, "xatol": resolution,
                                  "fatol": 1e-12, "maxfev": 200 * len(z0)})
        best = max(best, -found.fun)
    return best


@pytest.mark.slow
@pytest.mark.parametrize("draws", [2_000, 10_000])   # compare's and assess's
@pytest.mark.parametrize("name", library_names())
def test_the_ask_is_at_least_as_good_as_nelder_mead_on_every_library_deal(name, draws):
    deal = audited_terms(deals.load(name), "proposal")[0]
    values = sample_values(deal, draws, 0)
    ask = optimal_ask(deal, values)
    assert ask.expected_gain >= nelder_mead_ask(batch_problem(deal, values, linear=False)) - 1e-12
