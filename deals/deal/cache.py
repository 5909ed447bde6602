"""Views of a deal kept on the deal: a game, a tree, a bargaining problem, compiled expressions.

A deal is immutable, so whatever is built from it alone (and from hashable arguments) can be
built once; :func:`deal_view` marks such a function, and the deal keeps its result.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    from deals.deal.model import Deal

View = TypeVar("View")


def deal_view(build: Callable[..., View]) -> Callable[..., View]:
    """Decorator for a function (or method) that builds a view of a deal from the deal and
    hashable arguments (a game, a tree, a bargaining problem): built once per deal and
    arguments, and kept on the deal under the function itself, so no caller names a cache key.
    A deal is immutable, so its views are too; a changed copy (``dataclasses.replace``) starts
    with none.

    >>> import deals
    >>> built = []
    >>> @deal_view
    ... def issue_names(deal):
    ...     built.append(deal.name)
    ...     return tuple(i.name for i in deal.issues)
    >>> deal = deals.load("chips-for-farm-purchases")
    >>> issue_names(deal) is issue_names(deal), len(built)
    (True, 1)
    """
    @functools.wraps(build)
    def view(deal: Deal, *args: Any, **kwargs: Any) -> View:
        key = (view, args, tuple(sorted(kwargs.items())))  # view pickles by its name
        if key not in deal._cache:
            deal._cache[key] = build(deal, *args, **kwargs)
        return deal._cache[key]

    return view
