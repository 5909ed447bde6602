"""Which inner loops run compiled: the optional C kernels, or the pure-NumPy reference.

The C files beside this module (``_kernels.c`` lists them) repeat loops of this package:
the Lemke-Howson path and the zero-sum simplex (operation for operation, so the same pivots
and the same numbers, bit for bit), the walk over the feasible bases of a best-response
polytope (the same bases in the same order), vertex enumeration of one game or of each game
of a stack (the same walk, each vertex then solved afresh by Gaussian elimination in C rather
than by LAPACK, so equal to rounding) and the 2 x n closed form of the batch solver (entry for
entry). Vertex enumeration and the batch of m x n games (m, n >= 3) go from the payoffs to the
verified equilibria in one call (``_checked.c``): games of up to 4 strategies a side solve
every basis of both polytopes pair by pair in closed form, degenerate and larger ones take
the walk, and the regret check of ``equilibrium.verified_set`` runs in C, so the equilibria
agree with the NumPy path to rounding (a reported regret of order 1e-16 may differ in its
digits). Every answer passes the same regret check either way. The kernels are built by
``pip install .`` when a C compiler is present (``python setup.py build_ext --inplace`` in a
source checkout) and are optional: without them, or with the environment variable
``CHIPDEALS_PURE=1``, every solver runs its NumPy path, silently.
tests/games/test_equilibria_kernels.py compares the two paths.

>>> from games.normal_form.equilibria import kernels
>>> kernels.in_use() in ("compiled", "pure")
True
>>> with kernels.pure():
...     kernels.in_use()
'pure'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from games.compiled import optional_module


#: The compiled module, or None (not built, or CHIPDEALS_PURE set).
LOADED = optional_module("games.normal_form.equilibria._kernels")
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
