"""A deal at the negotiating table: its outcome space and utilities for :mod:`games.negotiation`.

The supplier is side A and the partner side B. Outcomes are a grid over the deal's issues
(each continuous issue's range, each discrete issue's levels); utilities come from the deal's
utility expressions for every parameter draw; reservations are the outside options; the
discount per round of offers comes from the deal's costs of delay (none if it states none);
the benchmark per draw is the audit's asymmetric Nash solution (:class:`deals.audit.leverage.
DrawSolver`, power from the delay costs), refined off the grid.

>>> import deals
>>> problem = negotiation_problem(deals.load("gulf-divestment-uae"), grid_points=100)
>>> problem.sides, problem.draws, problem.issues
(('US', 'UAE'), 1, ('chips', 'chips_us', 'divest', 'safeguards', 'invest_us'))
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from deals.errors import DealError
from deals.audit.leverage import (DrawSolver, outcome_box, point_values, sample_values,
                            supplier_power, utilities)
from deals.deal.model import Deal
from games.negotiation import STANDARD, NegotiationProblem, TournamentResult, tournament

#: Money unit of every library deal's utilities.
UNIT = "$bn per year"
#: Outcomes on the grid by default: enough that a step between neighbours is small.
GRID_POINTS = 1_000


def deal_values(deal: Deal, draws: int | None, seed: int | None) -> dict[str, np.ndarray]:
    """Parameter values per draw: ``draws`` seeded Monte Carlo draws, or the point values."""
    if draws is None:
        return point_values(deal)
    if not (isinstance(draws, (int, np.integer)) and draws >= 1):
        raise DealError(f"draws: a whole number of at least 1, got {draws!r}")
    return sample_values(deal, int(draws), seed)


def negotiation_problem(deal: Deal, *, draws: int | None = None, seed: int | None = 0,
                        grid_points: int = GRID_POINTS, benchmark: bool = True
                        ) -> NegotiationProblem:
    """The deal as a negotiation problem, at its point values or over ``draws`` draws.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`.
    draws : int or None, default None
        Draws of the parameters (None: the deal at its point values).
    seed : int or None, default 0
        Seed of the parameter draws: the same seed gives the same draws (None: fresh
        ones each call).
    grid_points : int, default 1,000
        Outcomes of the grid over the issues that the sides can offer.
    benchmark : bool, default True
        Refine the asymmetric Nash benchmark as the audit does (False: the best grid
        outcome for the same Nash product, faster).

    Examples
    --------
    ``benchmark=False`` skips the audit's refined benchmark (the engine then uses the best
    grid outcome for the same asymmetric Nash product). Play it with
    :func:`games.negotiation.negotiate` or :func:`deal_tournament`. Each side's reservation
    is its outside option (here at the deal's point values):

    >>> import numpy as np, deals
    >>> deal = deals.load("gulf-divestment-uae")
    >>> problem = negotiation_problem(deal, grid_points=100, benchmark=False)
    >>> reservations = np.ravel([problem.reservation_a, problem.reservation_b])
    >>> problem.draws, bool(np.allclose(reservations, np.ravel(deal.disagreement())))
    (1, True)
    """
    values = deal_values(deal, draws, seed)
    grid = outcome_box(deal).grid(grid_points)
    n = len(next(iter(values.values())))
    column = {k: np.asarray(v, dtype=float)[:, None] for k, v in values.items()}
    u_s, u_p = (np.broadcast_to(u, (n, len(next(iter(grid.values())))))
                for u in utilities(deal, {k: v[None, :] for k, v in grid.items()}, column))
    d_s, d_p = (np.broadcast_to(np.asarray(d, dtype=float), (n,))
                for d in deal.disagreement(values))
    factors = deal.discount_factors(values) or (1.0, 1.0)
    bench = None
    if benchmark:
        proposal = dict(deal.proposal.values) if deal.proposal else {}
        found = DrawSolver(deal, proposal).solve(values)
        bench = np.stack([found.supplier_gain_at_benchmark + d_s,
                          found.partner_gain_at_benchmark + d_p])
    return NegotiationProblem(grid, u_s, u_p, d_s, d_p, factors[0], factors[1],
                              (deal.supplier, deal.partner), supplier_power(deal, values, None),
                              bench, UNIT)


def outcome_utilities(deal: Deal, outcome: Mapping[str, float], problem_draws: int,
                      values: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(supplier, partner) utility of one outcome in every draw (for offers off the grid)."""
    u = utilities(deal, {k: np.array([[float(v)]]) for k, v in outcome.items()},
                  {k: np.asarray(v, dtype=float)[:, None] for k, v in values.items()})
    return tuple(np.broadcast_to(x, (problem_draws, 1))[:, 0] for x in u)  # type: ignore


def deal_tournament(deal: Deal, agents: Any = None, *, draws: int = 1_000, seed: int = 0,
                    deadline: int = 100, grid_points: int = GRID_POINTS,
                    executor: Any = None) -> TournamentResult:
    """Every agent against every agent on the deal over ``draws`` parameter draws.

    ``agents`` are names from :data:`games.negotiation.STANDARD` or negotiators (default:
    all standard agents); the supplier is side A, the partner side B.

    Parameters
    ----------
    deal : Deal
        The deal: a :class:`Deal` from :func:`deals.load`.
    agents : sequence of str or Negotiator, or None, default None
        The negotiators: names from :data:`games.negotiation.STANDARD` or
        :class:`games.negotiation.Negotiator` objects (None: every standard agent).
    draws : int, default 1,000
        Draws of the parameters; every pair of agents plays each; more draws, smaller
        sampling error, longer run.
    seed : int, default 0
        Seed of the parameter draws and of any randomised agent.
    deadline : int, default 100
        Rounds of offers before the talks end without agreement (one round:
        ``months_between_offers`` of the deal).
    grid_points : int, default 1,000
        Outcomes of the grid the agents choose their offers from.
    executor : concurrent.futures.Executor or None, default None
        Spreads the games over its workers; the results do not depend on it.

    Examples
    --------
    >>> import deals
    >>> result = deal_tournament(deals.load("gulf-divestment-uae"), ["boulware", "nash"],
    ...                          draws=20, deadline=20, grid_points=200)
    >>> list(result.matrix("agreement rate").columns)
    ['boulware', 'nash']
    """
    chosen = [agent_named(a) if isinstance(a, str) else a for a in (agents or list(STANDARD))]
    problem = negotiation_problem(deal, draws=draws, seed=seed, grid_points=grid_points)
    return tournament(problem, chosen, deadline=deadline, seed=seed, executor=executor)


def agent_named(name: str) -> Any:
    """The standard negotiator of this name, or a :class:`DealError` listing the names."""
    if name not in STANDARD:
        raise DealError(f"unknown agent {name!r}; choose one of {', '.join(STANDARD)}")
    return STANDARD[name]
