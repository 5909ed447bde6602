"""Local continuous refinement of a grid solution over a problem's continuous issues.

The grid answer is exact on the grid; the true optimum over continuous issues lies between
grid points. From the best grid point, a constrained optimiser (SLSQP) moves the continuous
issues (discrete issues stay at the grid point's levels). The refined answer is kept only if
it is feasible and at least as good as the grid answer, so refinement can never make a
solution worse.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from scipy.optimize import minimize

from games.bargaining.problem import BargainingProblem

Objective = Callable[[np.ndarray, np.ndarray], float]
Constraint = Callable[[np.ndarray, np.ndarray], np.ndarray]


def can_refine(problem: BargainingProblem) -> bool:
    """True when the problem has continuous issues and utility functions to move along them."""
    return problem.utility_functions is not None and any(i.is_continuous for i in problem.issues)


def refine_outcome(problem: BargainingProblem, start: int, objective: Objective,
                   constraints: Constraint | None = None, extra: Sequence[float] = (),
                   extra_bounds: Sequence[tuple[float | None, float | None]] = (),
                   tol: float = 1e-9) -> tuple[dict[str, float], np.ndarray, np.ndarray] | None:
    """Maximise ``objective(u, extra)`` over the continuous issues from outcome ``start``.

    ``u`` is the pair of utilities; ``extra`` holds auxiliary variables (such as the level
    ``t`` of an epigraph form). ``constraints(u, extra) >= 0`` must hold. Returns the outcome,
    its utilities and the extra variables, or ``None`` when no improvement was found.
    """
    moving = [i for i in problem.issues if i.is_continuous]
    fixed = {i.name: float(problem.outcomes[i.name][start])
             for i in problem.issues if not i.is_continuous}
    lo = np.array([i.bounds[0] for i in moving])
    span = np.array([i.bounds[1] - i.bounds[0] for i in moving])
    z0 = np.array([(problem.outcomes[i.name][start] - l) / s
                   for i, l, s in zip(moving, lo, span)])
    n = len(moving)
    f1, f2 = problem.utility_functions  # type: ignore[misc]

    def issues_at(z: np.ndarray) -> dict[str, float]:
        values = lo + np.clip(z[:n], 0.0, 1.0) * span
        return {**fixed, **{i.name: float(v) for i, v in zip(moving, values)}}

    def utilities(z: np.ndarray) -> np.ndarray:
        at = issues_at(z)
        with np.errstate(all="ignore"):
            return np.array([float(f1(**at)), float(f2(**at))])

    x0 = np.concatenate([z0, np.asarray(extra, dtype=float)])
    u0 = utilities(x0)
    start_value = objective(u0, x0[n:])
    cons = [] if constraints is None else [
        {"type": "ineq", "fun": lambda z: np.atleast_1d(constraints(utilities(z), z[n:]))}]
    bounds = [(0.0, 1.0)] * n + list(extra_bounds or [(None, None)] * len(extra))
    with np.errstate(all="ignore"):
        res = minimize(lambda z: -objective(utilities(z), z[n:]), x0, method="SLSQP",
                       bounds=bounds, constraints=cons,
                       options={"ftol": 1e-13, "maxiter": 300})
    x = np.asarray(res.x, dtype=float)
    u = utilities(x)
    value = objective(u, x[n:])
    if not np.all(np.isfinite(u)) or not np.isfinite(value):
        return None
    if constraints is not None and np.min(constraints(u, x[n:])) < -tol:
        return None
    if value < start_value + 1e-15 * max(1.0, abs(start_value)):
        return None
    return issues_at(x), u, x[n:]
