"""deals: bilateral AI-chip export deals as parameterized games, and the leverage audit.

Importing ``deals`` is cheap: each name below loads its module on first use (PEP 562
``__getattr__``), so sympy, pandas and scipy load only when a deal is read or solved.

>>> import deals
>>> deal = deals.load("gulf-divestment-uae")
>>> deal.partner
'UAE'
"""

from __future__ import annotations

import importlib
from typing import Any

from deals.errors import DealError, DealFileError

#: Where each public name lives: module -> names (loaded on first access).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "deals.files": ("dump", "dumps", "library_names", "library_path", "load", "loads"),
    "deals.model": ("Deal",),
    "deals.terms": ("Belief", "Issue", "Stance", "Terms"),
    # --- analysis (games, trees, bargaining views of a deal) ---
    "deals.analysis": ("DealSolutions", "bargaining_power", "default_resolution"),
    "deals.stances": ("TreeOutcome", "offer_tree", "stance_game", "tree_outcome"),
    # --- assessment and comparison (leverage) ---
    "deals.assessment": ("Assessment", "Thresholds", "assess"),
    "deals.comparison": ("Comparison", "compare"),
    "deals.explorer": ("ConcessionExplorer", "ExplorerState"),
    "deals.sensitivity": ("FlagMap", "flag_map"),
}

_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "Assessment", "Comparison", "Thresholds", "assess", "compare",
    "ConcessionExplorer", "ExplorerState", "FlagMap", "flag_map",
    "Belief", "Deal", "DealError", "DealFileError", "Issue", "Stance", "Terms",
    "dump", "dumps", "library_names", "library_path", "load", "loads",
    "DealSolutions", "bargaining_power", "default_resolution",
    "TreeOutcome", "offer_tree", "stance_game", "tree_outcome",
]


def __getattr__(name: str) -> Any:
    """Load a public name's module on first access and cache the name here (PEP 562)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'deals' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))
