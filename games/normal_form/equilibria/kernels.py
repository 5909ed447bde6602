"""Which inner loops run compiled: the optional C kernels, or the pure-NumPy reference.

``games/normal_form/equilibria/_kernels.c`` repeats, operation for operation, three NumPy loops
of this package: the Lemke-Howson path (:mod:`~games.normal_form.equilibria.lemke_howson`), the
zero-sum simplex (:mod:`~games.normal_form.equilibria.zero_sum`) and the walk over the feasible
bases of a best-response polytope (:mod:`~games.normal_form.equilibria.polytope`). It is built by
``pip install .`` when a C compiler is present (``python setup.py build_ext --inplace`` in a
source checkout) and is optional: without it, or with the environment variable
``CHIPDEALS_PURE=1``, every solver runs its NumPy path, silently. Both give the same pivots and
the same numbers (tests/games/test_equilibria_kernels.py), and every answer is regret-checked
either way.

>>> from games.normal_form.equilibria import kernels
>>> kernels.in_use() in ("compiled", "pure")
True
>>> with kernels.pure():
...     kernels.in_use()
'pure'
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("CHIPDEALS_PURE", "").strip() not in ("", "0"):
        return None
    try:
        from games.normal_form.equilibria import _kernels
    except ImportError:
        return None
    return _kernels


#: The compiled module, or None (not built, or CHIPDEALS_PURE set).
LOADED = _load()
_state = {"active": LOADED}


def active() -> ModuleType | None:
    """The compiled kernels to call, or None where the pure-NumPy path should run."""
    return _state["active"]


def in_use() -> str:
    """"compiled" or "pure": which path the solvers take now."""
    return "pure" if _state["active"] is None else "compiled"


@contextmanager
def pure() -> Iterator[None]:
    """Run the pure-NumPy paths inside the block (the reference the tests compare against)."""
    before = _state["active"]
    _state["active"] = None
    try:
        yield
    finally:
        _state["active"] = before
