"""Optimisers over a box of decision variables, for a whole stack of problems (one per row) at once.

``outcome_space`` (:class:`Box`: named continuous and discrete variables with bounds),
``box_search`` (pattern search seeded by a grid scan: the general case) and ``maximin`` (the
max-min of two functions: exact for affine ones by LP duality, by LP steps or homotopy
otherwise), ``nash_product`` (the Nash product of two affine functions, exactly) and
``piecewise`` (both, exactly, for two functions affine on the cells cut out by hyperplanes). The bargaining and audit solvers call these; a user rarely does.

>>> from games.optimise import Box
>>> Box({"x": (0.0, 1.0)}).names
('x',)
"""

from games.exports import lazy_exports

#: Where each public name lives (loaded on first use).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "games.optimise.outcome_space": ("Box",),
    "games.optimise.box_search": ("SearchResult", "maximise", "maximise_by_stencil", "scan"),
    "games.optimise.maximin": ("LinearMaximin", "linear_maximin", "maximin_by_homotopy",
                               "maximin_by_lp_steps"),
    "games.optimise.nash_product": ("LinearNash", "linear_nash_product", "log_nash_product",
                                    "nash_on_segments"),
    "games.optimise.piecewise": ("MAX_VERTEX_SYSTEMS", "vertex_systems", "cell_vertices",
                                 "unseparated", "best_on_segments"),
}

__all__ = [name for names in _EXPORTS.values() for name in names]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
