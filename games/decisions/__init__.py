"""Decisions around a game: where to spend a budget, what information is worth, and what would
have to be true.

``allocation`` (a shared budget over many problems, each choosing one option, with links and
fixed points), ``information`` (the expected value of perfect and partial information over a
sample) and ``inverse`` (the nearest parameter values under which a condition holds).

>>> from games.decisions import value_of_information
>>> callable(value_of_information)
True
"""

from games.exports import lazy_exports

#: Where each public name lives (loaded on first use).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "games.decisions.allocation": ("Allocation", "allocate", "fixed_point", "largest_uniform_cap"),
    "games.decisions.information": ("InformationValues", "partial_value", "quantile_groups",
                                    "value_of_information"),
    "games.decisions.inverse": ("NearestPoint", "nearest_feasible"),
}

__all__ = [name for names in _EXPORTS.values() for name in names]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
