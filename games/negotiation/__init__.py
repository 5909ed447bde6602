"""Negotiation: alternating offers with a deadline, agents, acceptance rules, tournaments.

An engine for practising bargaining: a :class:`NegotiationProblem` (outcomes, each side's
utilities per draw), agents that see only their own utility, the alternating-offers protocol
run for all draws at once, traces, round-robin tournaments and plots.

>>> import numpy as np
>>> x = np.linspace(0, 1, 101)
>>> pie = NegotiationProblem({"share": x}, x, 1 - x)
>>> trace = negotiate(pie, STANDARD["boulware"], STANDARD["conceder"], deadline=20)
>>> bool(trace.agreed[0]), bool(trace.utilities[0, 0] > 0.5)   # the Boulware side gets more
(True, True)
"""

from games.negotiation.acceptance import AcceptAbove, AcceptAfter, AcceptNext
from games.negotiation.agents import (Boulware, Conceder, Linear, NashSeeking, RandomWalk,
                                      RubinsteinOptimal, TimeDependent, TitForTat)
from games.negotiation.problem import NegotiationError, NegotiationProblem
from games.negotiation.protocol import STANDARD, NegotiationTrace, Negotiator, negotiate
from games.negotiation.plots import plot_tournament, plot_trace
from games.negotiation.tournament import (METRICS, TournamentResult, distances, play_match,
                                          tournament)
from games.negotiation.view import SideView

__all__ = [
    "NegotiationProblem", "NegotiationError", "SideView", "Negotiator", "STANDARD",
    "negotiate", "NegotiationTrace", "TimeDependent", "Boulware", "Linear", "Conceder",
    "TitForTat", "RubinsteinOptimal", "NashSeeking", "RandomWalk", "AcceptNext", "AcceptAbove",
    "AcceptAfter", "tournament", "play_match", "TournamentResult", "METRICS", "distances",
    "plot_trace", "plot_tournament",
]
