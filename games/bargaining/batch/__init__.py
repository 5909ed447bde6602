"""Solve a stack of bargaining problems at once, one problem per draw of the parameters.

Two players have utilities u_1(x, theta), u_2(x, theta) over a box of issues x (continuous
ranges, discrete levels, or both) and disagreement payoffs d_i(theta); gains are
g_i = u_i - d_i. A :class:`BatchProblem` holds the utilities as one vectorised callable, the
box, and per-draw parameters and disagreement points. Per draw it gives:

- :func:`nash_benchmark`: the asymmetric Nash solution, maximising
  beta log g_1 + (1 - beta) log g_2 over outcomes with both gains positive (Nash 1950;
  Kalai 1977 for the asymmetric form; power beta per draw);
- :func:`zone_test`: the zone of agreement's margin max_x min(g_1 / r_1, g_2 / r_2), with r_i
  each player's range of gains over the box; the zone is empty when it is not positive;
- :func:`better_for_both`: the largest common improvement over a package p,
  max_x min((g_1(x) - g_1(p)) / r_1, (g_2(x) - g_2(p)) / r_2), and the package that achieves it
  (positive: p is not Pareto optimal; Raiffa, *The Art and Science of Negotiation*, 1982);
- :func:`optimal_ask`: player 1's take-it-or-leave-it package maximising its expected gain
  E[g_1(x) 1{g_2(x) >= 0}] over the draws (one package for all draws), with its acceptance.

Measuring gains in units of their ranges keeps the margins invariant to rescaling a utility.
The max-min problems are solved exactly when both utilities are affine in the issues (declare
``linear=True``): a linear programme per draw, all draws at once (:func:`games.optimise.
linear_maximin`). When they are affine in all issues but one once that one is fixed (declare
``affine``), every problem here is solved exactly in those issues and searched in the one left
(:mod:`games.bargaining.affine_split`). Otherwise sequential linear programming with a trust
region: the two gains are linearised around the current point and the exact LP step is taken,
so the search follows the crease where the two gains are equal instead of stalling on it as a
compass search does.

The ideas live in modules of their own, all of whose public names are importable from here:
:mod:`~games.bargaining.batch.stack` (the batched problem, its gains and grid scan),
:mod:`~games.bargaining.batch.affine` (gains affine in the issues),
:mod:`~games.bargaining.batch.nash` (the Nash benchmark),
:mod:`~games.bargaining.batch.maximin` (the zone test and better-for-both) and
:mod:`~games.bargaining.batch.take_it_or_leave_it` (the optimal ask).

>>> import numpy as np
>>> from games.optimise.outcome_space import Box
>>> size = np.array([1.0, 2.0])                  # two draws: a pie of size 1, then of size 2
>>> def split(x, p):                             # player 1 keeps the share x
...     return x["share"] * p["size"], (1 - x["share"]) * p["size"]
>>> problem = BatchProblem(split, Box({"share": (0.0, 1.0)}), {"size": size},
...                        (np.zeros(2), np.zeros(2)), linear=True)
>>> nash_benchmark(problem, power=[0.5, 0.75]).points["share"].round(4).tolist()
[0.5, 0.75]
>>> better_for_both(problem, {"share": 0.5}).margin.round(6).tolist()   # already efficient
[0.0, 0.0]
"""

from games.bargaining.batch.stack import (BLOCK_CELLS, GAIN_TOLERANCE, BatchProblem, GridScan,
                                          Utilities, require_finite, scan)
from games.bargaining.batch.affine import AFFINE_TOLERANCE, SPLIT_RESOLUTION, affine_gains
from games.bargaining.batch.maximin import (GRID_BLOCK, LP_ROUNDS, BatchMaximin, better_for_both,
                                            zone_test)
from games.bargaining.batch.nash import EXACT_NASH, BatchNash, nash_benchmark
from games.bargaining.batch.take_it_or_leave_it import (KEPT_CELLS, STARTS, TakeItOrLeaveIt,
                                                        optimal_ask)

__all__ = [
    "GAIN_TOLERANCE", "AFFINE_TOLERANCE", "EXACT_NASH", "BLOCK_CELLS", "LP_ROUNDS",
    "SPLIT_RESOLUTION",
    "BatchProblem", "GridScan", "scan",
    "require_finite", "BatchNash", "BatchMaximin", "TakeItOrLeaveIt", "nash_benchmark",
    "zone_test", "better_for_both", "optimal_ask", "affine_gains",
]
