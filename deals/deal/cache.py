"""Views of a deal kept on the deal: a game, a tree, a bargaining problem, compiled expressions.

A deal is immutable, so whatever is built from it alone (and from hashable arguments) can be
built once; :func:`deal_view` marks such a function, and the deal keeps its result.
:func:`compiled_facts` is what a run needs to know about a deal's expressions, kept between
runs in a bundle keyed by the deal file's text (:func:`deals.deal.files.loads`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from games.expressions import Expression, expression_facts

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


def _expressions_in(value: Any, found: dict[int, Expression]) -> None:
    """Every :class:`Expression` inside ``value`` (fields, mappings, sequences), by id."""
    if isinstance(value, Expression):
        found[id(value)] = value
    elif isinstance(value, Mapping):
        for item in value.values():
            _expressions_in(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _expressions_in(item, found)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if not f.name.startswith("_"):
                _expressions_in(getattr(value, f.name), found)


def compiled_facts(deal: Deal) -> dict[str, Any]:
    """What a run needs to know about the deal's expressions, for a bundle
    (:func:`games.expression_cache.store_bundle`): every expression of the deal and its two
    utilities with the definitions written out, each compiled, with the sizes the model
    checks and, for the written-out utilities, which issues each derivative depends on and their
    kinks in all issues but one (the audit's affine and piecewise-affine structure). With these known (:func:`games.expressions.learn_facts`), loading
    the deal and auditing it build nothing in sympy.

    >>> import deals
    >>> deal = deals.load("chips-for-farm-purchases")
    >>> facts = compiled_facts(deal)
    >>> all("code" in f for f in facts.values()), deal.inlined("supplier").identity in facts
    (True, True)
    """
    found: dict[int, Expression] = {}
    _expressions_in(deal, found)
    issues = [i.name for i in deal.issues]
    for side in ("supplier", "partner"):
        inlined = deal.inlined(side)
        inlined.derivative_names(issues)
        for left in issues:  # the piecewise-affine sets the audit asks about
            inlined.kinks([n for n in issues if n != left])
        found[id(inlined)] = inlined
    for expression in found.values():
        expression.node_counts()
        expression.compile()  # compiled now, so its code is among the facts
    return expression_facts(found.values())
