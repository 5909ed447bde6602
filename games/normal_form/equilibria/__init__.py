"""Nash equilibria of normal-form games, each one checked by its regret.

``equilibria(game)`` finds all equilibria of a two-player game (or one, by Lemke-Howson or the
zero-sum LP); ``pure_equilibria(game)`` the pure ones of a game with any number of players;
``equilibria_batch(A, B)`` all equilibria of many same-shape games at once; ``regret`` the
most a player gains by deviating alone from a profile.

Choice of method for ``method="auto"``: vertex enumeration. It finds every extreme equilibrium
of any game, degenerate or not, and tests degeneracy exactly (a vertex of a best-response
polytope with too many labels), at about the cost of support enumeration, which is only
complete for nondegenerate games. Support enumeration stays available as an independent
cross-check; on a degenerate game it hands over to vertex enumeration and says so.
"""

from __future__ import annotations

import math
from dataclasses import replace

from games.normal_form.equilibria.batch import BatchEquilibria, equilibria_batch
from games.normal_form.equilibria.equilibrium import (
    DEFAULT_TOL,
    Equilibrium,
    EquilibriumSet,
    check_tolerance,
    regret,
    require_game,
)
from games.normal_form.equilibria.exact import exact_equilibrium
from games.normal_form.equilibria.lemke_howson import lemke_howson
from games.normal_form.equilibria.pure import pure_equilibria
from games.normal_form.equilibria.support_enumeration import support_enumeration
from games.normal_form.equilibria import kernels
from games.normal_form.equilibria.vertex_enumeration import (compiled_vertex_enumeration,
                                                            vertex_enumeration)
from games.normal_form.equilibria.zero_sum import zero_sum_equilibrium
from games.errors import InvalidGameError
from games.normal_form import NormalFormGame

METHODS = ("auto", "vertex", "support", "lemke-howson", "zero-sum")

__all__ = [
    "BatchEquilibria", "Equilibrium", "EquilibriumSet", "equilibria", "equilibria_batch",
    "exact_equilibrium", "lemke_howson", "pure_equilibria", "regret", "support_enumeration",
    "vertex_enumeration", "zero_sum_equilibrium",
]


def equilibria(game: NormalFormGame, method: str = "auto", tol: float = DEFAULT_TOL, *,
               exact: bool = False, max_pairs: int | None = None,
               max_vertices: int | None = None,
               initial_label: int | None = None) -> EquilibriumSet:
    """Nash equilibria of a two-player game, each with its regret checked against ``tol``.

    ``method``: "auto" (= "vertex"), "vertex", "support" (all equilibria), "lemke-howson" or
    "zero-sum" (one equilibrium). ``tol`` is relative to the game's payoff range. With
    ``exact=True`` each equilibrium is also re-derived and checked in rational arithmetic
    (``Equilibrium.exact`` holds the fractions, or None where that is not possible).
    Size limits, each raising GameTooLargeError (which suggests Lemke-Howson) when exceeded:
    ``max_pairs`` caps the support pairs of support enumeration (default 1,000,000, about
    11x11), ``max_vertices`` the vertices of each best-response polytope visited by vertex
    enumeration (default: what a quarter of the memory available holds, at least 20,000;
    a random 12x12 game has about 8,000, a 14x14 one about 10^5).

    >>> from games.normal_form import NormalFormGame
    >>> game = NormalFormGame.from_arrays([[3, 3], [2, 5], [0, 6]], [[3, 2], [2, 6], [3, 1]])
    >>> found = equilibria(game, exact=True)
    >>> len(found), found.degenerate
    (3, False)
    >>> [[str(p) for p in s] for s in found[1].exact]
    [['4/5', '1/5', '0'], ['2/3', '1/3']]
    """
    compiled = kernels.active()
    if (compiled is not None and (method == "auto" or method == "vertex") and not exact
            and max_vertices is None and type(game) is NormalFormGame and type(tol) is float
            and 0.0 <= tol < math.inf and not game.is_symbolic and game.n_players == 2
            and sum(game.payoffs[0].shape) <= 63):
        # The common call, checked as below: one compiled call from payoffs to verified
        # equilibria, the result built on first use.
        return compiled_vertex_enumeration(
            compiled, game, tol, None,
            "auto: vertex enumeration" if method == "auto" else "vertex enumeration")
    require_game(game, "equilibria()")
    tol = check_tolerance(tol)
    if game.n_players != 2:
        raise InvalidGameError(
            f"equilibria() handles two-player games; this one has {game.n_players} players. "
            f"Use pure_equilibria(game) for pure equilibria of any game")
    game.payoffs  # noqa: B018 - raises a clear error for a symbolic game
    if method == "auto" or method == "vertex":
        found = vertex_enumeration(game, tol=tol, max_vertices=max_vertices)
    elif method == "support":
        found = support_enumeration(game, tol=tol, max_pairs=max_pairs)
    elif method == "lemke-howson":
        found = lemke_howson(game, tol=tol, initial_label=initial_label)
    elif method == "zero-sum":
        found = zero_sum_equilibrium(game, tol=tol)
    else:
        raise InvalidGameError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "auto":
        found = replace(found, method=f"auto: {found.method}")
    if exact:
        found = _with_exact(game, found)
    return found


def _with_exact(game: NormalFormGame, found: EquilibriumSet) -> EquilibriumSet:
    checked = tuple(replace(eq, exact=exact_equilibrium(game, eq)) for eq in found)
    certified = sum(eq.exact is not None for eq in checked)
    note = (f"{certified} of {len(checked)} verified exactly in rational arithmetic"
            + ("" if certified == len(checked) else
               " (the others are not pinned down by their supports or failed the exact check)"))
    return replace(found, equilibria=checked, notes=found.notes + (note,),
                   settings={**found.settings, "exact": True})
