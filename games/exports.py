"""A package's public names loaded on first use (PEP 562), so that importing it stays cheap.

>>> import games
>>> "Parameter" in dir(games), games.Parameter.__name__
(True, 'Parameter')
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable

__all__ = [
    "lazy_exports",
]


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` for ``package``: ``exports`` maps each
    module to the names it provides; a name's module is imported when the name is first used,
    and the name is then cached in the package."""
    module_of = {name: module for module, names in exports.items() for name in names}
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(module_of))

    return __getattr__, __dir__
