"""Decisions around a game: where to spend a budget, what information is worth, and what would
have to be true.

``allocation`` (a shared budget over many problems, each choosing one option, with links and
fixed points), ``information`` (the expected value of perfect and partial information over a
sample), ``inverse`` (the nearest parameter values under which a condition holds),
``ex_ante`` (one option committed to on a belief, paid in the true worlds: the value of
knowing) and ``queueing`` (a review office's waits, backlog and the gains its delays cost).

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
    "games.decisions.ex_ante": ("ExAnteChoice", "choose_ex_ante", "ex_ante_payoffs",
                                "realised_payoff", "value_of_knowing"),
    "games.decisions.queueing": ("Queue", "review_queue"),
}

__all__ = [name for names in _EXPORTS.values() for name in names]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
