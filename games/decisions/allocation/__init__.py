"""Spend a shared budget across separable choices, for many draws at once.

Lagrangian decomposition, then an exact stage where a gap is left.

Problem k offers options l with a value v_kl and a volume w_kl (an option with value -inf is
unavailable). Per draw, choose one option per problem to

    maximise  sum_k v_k(l_k) - q (sum_k w_k(l_k))^2 / 2   subject to   sum_k w_k(l_k) <= B,

a quadratic cost q on the total volume and a budget B (one of each per draw; q = 0 and
B = inf allowed). A price p per unit of volume decomposes it (Everett 1963; Boyd and
Vandenberghe, *Convex Optimization*, 2004, ch. 5): given p each problem picks
argmax_l v_kl - p w_kl alone; the total W(p) falls as p rises, and the price is the least p
with W(p) <= B and q W(p) <= p (then p = q W + lambda, lambda >= 0 the shadow price of the
budget), found by bisection per draw. At that price the options tied within rounding are
used to fill the budget, and the better of that and the plain answer is kept; ``sweeps``
rounds of coordinate ascent (each problem's best option given the others, under the true
objective and the budget) can only raise it further, and the answers at a few prices near
the critical one are improved the same way, the best kept.

For every p the dual function D(p) = sum_k max_l (v_kl - p w_kl) + max_{0<=W<=B} (p W - q W^2/2)
bounds the optimum from above (weak duality), so each draw reports ``gap`` = D - attained:
0 means the answer is optimal; a positive gap (options not on the upper concave hull of
value against volume) is the most that is left.

The Lagrangian answer is a heuristic: a discrete problem's optimum need not be a Lagrangian
one (two problems with options of volume 0, 1, 2, 4 and a budget of 1 can be answered with
the option worth 0.1 instead of the one worth 1.0). So every draw whose gap is above
``tolerance`` times its objective is then solved as a mixed-integer programme (one binary
per option, one option per problem, the budget a row; HiGHS through
:func:`scipy.optimize.milp`), the quadratic cost on the total by outer approximation: a
variable t >= q (a W - a^2 / 2) for tangent points a, a cut added at the answer's own total
until the cost there is exact (Kelley's cutting planes; each total gets at most one cut, and
there are finitely many totals). The solver's own dual bound then replaces the Lagrangian
one, so ``gap`` is certified: at most ``tolerance`` times the objective, or (if the solver
stopped at its node limit) the most that is left.

The inner loops (the price bisection, the budget fill, coordinate ascent, the undominated
options and the dynamic programme's steps) run compiled where the optional extension
games/decisions/_allocation.c is built (``pip install .``); it repeats the NumPy arithmetic
here operation for operation, so the answers are the same bit for bit, and
``CHIPDEALS_PURE=1`` (or no compiler) runs this package's NumPy code.

Each idea has a module, all of whose public names are importable from here:
:mod:`~games.decisions.allocation.shared_budget` (:func:`allocate`, the whole method),
:mod:`~games.decisions.allocation.decomposition` (the price and the Lagrangian answer),
:mod:`~games.decisions.allocation.branching` (the break problem's branches),
:mod:`~games.decisions.allocation.dynamic_programme` (the dynamic programme),
:mod:`~games.decisions.allocation.milp` (the mixed-integer programme),
:mod:`~games.decisions.allocation.uniform_cap` (the largest uniform cap) and
:mod:`~games.decisions.allocation.iteration` (the fixed point of linked choices).

>>> import numpy as np
>>> values = [np.array([[0.0, 1.0, 2.0]]), np.array([[0.0, 0.5, 1.0]])]   # 2 and 1 per unit
>>> volumes = [np.array([[0.0, 0.5, 1.0]]), np.array([[0.0, 0.5, 1.0]])]
>>> a = allocate(values, volumes, budget=1.5)
>>> a.volumes.tolist(), round(float(a.price[0]), 9), float(a.value[0]), round(float(a.gap[0]), 9)
([[1.0, 0.5]], 1.0, 2.5, 0.0)
"""

from games.decisions.allocation.dynamic_programme import DP_CHUNK, MAX_STATES
from games.decisions.allocation.iteration import CYCLE, fixed_point
from games.decisions.allocation.milp import CUT_ROUNDS, NODE_LIMIT
from games.decisions.allocation.shared_budget import (BRANCH_DRAWS, BRANCH_PROBLEMS,
                                                      NEARBY_PRICES, TOLERANCE, Allocation,
                                                      allocate)
from games.decisions.allocation.uniform_cap import CAP_DRAWS, largest_uniform_cap

__all__ = ["Allocation", "allocate", "largest_uniform_cap", "fixed_point", "NEARBY_PRICES",
           "TOLERANCE", "NODE_LIMIT", "CUT_ROUNDS", "MAX_STATES", "DP_CHUNK", "BRANCH_PROBLEMS",
           "BRANCH_DRAWS", "CAP_DRAWS", "CYCLE"]
