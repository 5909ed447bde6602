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

from games.bargaining.problem import BargainingProblem

Objective = Callable[[np.ndarray, np.ndarray], float]
Constraint = Callable[[np.ndarray, np.ndarray], np.ndarray]


def can_refine(problem: BargainingProblem) -> bool:
    """True when the problem has continuous issues and utility functions to move along them."""
    return problem.utility_functions is not None and any(i.is_continuous for i in problem.issues)


def refine_outcome(problem: BargainingProblem, start: int, objective: Objective,
                   constraints: Constraint | None = None, extra: Sequence[float] = (),
                   extra_bounds: Sequence[tuple[float | None, float | None]] = (),
                   score: Callable[[np.ndarray], float] | None = None,
                   tol: float = 1e-9) -> tuple[dict[str, float], np.ndarray, np.ndarray] | None:
    """Maximise ``objective(u, extra)`` over the continuous issues from outcome ``start``.

    ``u`` is the pair of utilities; ``extra`` holds auxiliary variables (such as the level
    ``t`` of an epigraph form). ``constraints(u, extra) >= 0`` must hold. Returns the outcome,
    its utilities and the extra variables, or ``None`` when no improvement was found.
    The answer's constraints are judged in units of the problem's utility range (``tol`` is
    relative to it), so a problem in tiny units is not "feasible" by SLSQP's absolute slack.
    ``score(u)``, when given, judges the answer from the utilities alone (an epigraph's level
    recomputed exactly), so finite-difference slack in auxiliary variables cannot reject it.
    """
    from scipy.optimize import minimize
    moving = [i for i in problem.issues if i.is_continuous]
    fixed = {i.name: float(problem.outcomes[i.name][start])
             for i in problem.issues if not i.is_continuous}
    lo = np.array([i.bounds[0] for i in moving])
    span = np.array([i.bounds[1] - i.bounds[0] for i in moving])
    z0 = np.array([(problem.outcomes[i.name][start] - l) / s
                   for i, l, s in zip(moving, lo, span)])
    n = len(moving)
    f1, f2 = problem.utility_functions  # type: ignore[misc]
    unit = problem.utility_range()

    def issues_at(z: np.ndarray) -> dict[str, float]:
        values = lo + np.clip(z[:n], 0.0, 1.0) * span
        return {**fixed, **{i.name: float(v) for i, v in zip(moving, values)}}

    def utilities(z: np.ndarray) -> np.ndarray:
        at = issues_at(z)
        with np.errstate(all="ignore"):
            return np.array([float(f1(**at)), float(f2(**at))])

    m = n + len(extra)
    step = 1e-7
    memo: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def stencil(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Utilities at z and at z + step along each variable, in one vectorised call."""
        key = z.tobytes()
        if key not in memo:
            memo.clear()
            points = np.repeat(z[None, :], m + 1, axis=0)
            # step inwards at the upper bound so every evaluation stays inside the box
            h = np.where(z[:n] > 1.0 - step, -step, step) if n else np.zeros(0)
            points[1 + np.arange(n), np.arange(n)] += h
            points[1 + n + np.arange(len(extra)), n + np.arange(len(extra))] += step
            values = lo + np.clip(points[:, :n], 0.0, 1.0) * span
            at = {**{k: np.full(m + 1, v) for k, v in fixed.items()},
                  **{i.name: values[:, c] for c, i in enumerate(moving)}}
            with np.errstate(all="ignore"):
                u = np.column_stack([np.broadcast_to(np.asarray(f(**at), float), (m + 1,))
                                     for f in (f1, f2)])
            memo[key] = (points, np.concatenate([h, np.full(len(extra), step)]), u)
        return memo[key]

    def value_and_gradient(z: np.ndarray) -> tuple[float, np.ndarray]:
        points, h, u = stencil(z)
        values = np.array([-objective(u[k], points[k, n:]) for k in range(m + 1)])
        return float(values[0]), (values[1:] - values[0]) / h

    def constraint_values(z: np.ndarray) -> np.ndarray:
        points, _, u = stencil(z)
        return np.atleast_1d(constraints(u[0], points[0, n:]))

    def constraint_jacobian(z: np.ndarray) -> np.ndarray:
        points, h, u = stencil(z)
        rows = np.array([np.atleast_1d(constraints(u[k], points[k, n:])) for k in range(m + 1)])
        return ((rows[1:] - rows[0]) / h[:, None]).T

    x0 = np.concatenate([z0, np.asarray(extra, dtype=float)])
    u0 = utilities(x0)
    start_value = objective(u0, x0[n:])
    cons = [] if constraints is None else [
        {"type": "ineq", "fun": constraint_values, "jac": constraint_jacobian}]
    bounds = [(0.0, 1.0)] * n + list(extra_bounds or [(None, None)] * len(extra))
    with np.errstate(all="ignore"):
        res = minimize(value_and_gradient, x0, jac=True, method="SLSQP",
                       bounds=bounds, constraints=cons,
                       options={"ftol": 1e-13, "maxiter": 300})
    x = np.asarray(res.x, dtype=float)
    u = utilities(x)
    if score is not None:
        value, start_value = score(u), score(u0)
    else:
        value = objective(u, x[n:])
        if constraints is not None and np.min(constraints(u, x[n:])) < -tol * unit:
            return None
    if not np.all(np.isfinite(u)) or not np.isfinite(value):
        return None
    if value < start_value + 1e-15 * max(1.0, abs(start_value)):
        return None
    return issues_at(x), u, x[n:]
