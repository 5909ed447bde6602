"""The optional compiled modules, and the one switch that turns them all off.

chipdeals builds a few C extensions where a compiler is present (the equilibrium kernels,
:mod:`games.normal_form.equilibria.kernels`; the budget allocation's loops,
:mod:`games.decisions.allocation`; the exact max-min of two affine functions,
:func:`games.optimise.maximin.linear_maximin`; the exact Nash product of two affine functions,
:func:`games.optimise.nash_product.linear_nash_product`; the optimal ask's candidates along a
line, :func:`games.bargaining.ask.line_candidates`; an expression's generated NumPy function
in one pass, :mod:`games.fused`). Each does the same arithmetic as the NumPy code beside it,
so the answers are the same bytes either way; ``CHIPDEALS_PURE=1`` in the environment runs the
NumPy code everywhere (to compare the two, or to rule the compiled code out).

>>> optional_module("games.no_such_module") is None
True
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def pure() -> bool:
    """Whether ``CHIPDEALS_PURE`` asks for the NumPy code (any value but empty or ``0``)."""
    return os.environ.get("CHIPDEALS_PURE", "").strip() not in ("", "0")


def optional_module(name: str) -> ModuleType | None:
    """The compiled module ``name``, or None: not built here, or :func:`pure` is set."""
    if pure():
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
