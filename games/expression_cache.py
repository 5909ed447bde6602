"""Compiled expressions kept between runs: the numpy code sympy generates, stored on disk.

sympy's ``lambdify`` (common subexpressions, printing, compiling) is the slow step of
evaluating a deal file's expressions the first time, and every run of ``chipdeals`` paid it
again for the same files. Here its output, the source of one small numpy function, is kept
in a user cache folder and compiled directly on the next run.

The key is a SHA-256 of everything the generated code depends on: the argument names, the
expression itself (``sympy.srepr``), the sympy version and :data:`FORMAT`. A deal file whose
text changes produces other expressions and so other keys: nothing goes stale, and no
timestamps are compared. An entry is written to a temporary file in the same folder and
renamed into place, so concurrent runs (``--jobs``, two shells) read either nothing or a
whole entry; a damaged or foreign entry is ignored and written again.

Only code that names nothing beyond numpy's functions, ``functools.reduce`` and Python's
builtins is stored, and only from a folder owned by this user is code read back. The folder
is ``$CHIPDEALS_CACHE_DIR`` if set (empty or ``off`` turns the cache off), else
``$XDG_CACHE_HOME/chipdeals/expressions`` or ``~/.cache/chipdeals/expressions``.

>>> import sympy
>>> x = sympy.Symbol("x", real=True)
>>> f = compiled(("x",), 2 * x, lambda: sympy.lambdify([x], 2 * x, modules="numpy"))
>>> float(f(3.0))
6.0
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import inspect
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import sympy

#: Bumped when the stored layout or the way code is generated changes.
FORMAT = 1


def cache_folder() -> Path | None:
    """Where entries live, or None when the cache is off."""
    chosen = os.environ.get("CHIPDEALS_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "chipdeals" / "expressions"


def key_of(names: tuple[str, ...], expression: Any) -> str:
    """The entry's name: a hash of what the generated code depends on."""
    text = json.dumps([FORMAT, sympy.__version__, list(names), sympy.srepr(expression)])
    return hashlib.sha256(text.encode()).hexdigest()


def _resolve(name: str) -> Any:
    """The object a stored function's global ``name`` stands for (None if not allowed)."""
    if name == "reduce":
        return functools.reduce
    found = getattr(np, name, None)
    if found is not None and (callable(found) or isinstance(found, float)):
        return found
    return getattr(builtins, name, None)


def _global_names(code: Any) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _global_names(const)
    return names


def load(folder: Path, key: str) -> Callable[..., Any] | None:
    """The function of entry ``key``, or None (absent, damaged, foreign or not allowed)."""
    path = folder / f"{key}.json"
    try:
        if hasattr(os, "getuid") and (path.stat().st_uid != os.getuid()
                                      or folder.stat().st_uid != os.getuid()):
            return None
        entry = json.loads(path.read_text())
        if entry.get("format") != FORMAT:
            return None
        code = compile(entry["source"], f"<chipdeals cached expression {key[:12]}>", "exec")
        namespace = {}
        for name in _global_names(code) - {entry["function"]}:
            value = _resolve(name)
            if value is None:
                return None
            namespace[name] = value
        exec(code, namespace)  # noqa: S102 - our own generated code, from our own folder
        function = namespace[entry["function"]]
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        return None
    return function if callable(function) else None


def store(folder: Path, key: str, function: Callable[..., Any]) -> None:
    """Write ``function``'s source as entry ``key`` (atomically), if it names only what
    :func:`load` may resolve; any failure leaves the cache as it was."""
    try:
        source = inspect.getsource(function)
        names = _global_names(function.__code__)
        if any(function.__globals__.get(n, getattr(builtins, n, None)) is not _resolve(n)
               for n in names):
            return
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps({"format": FORMAT, "function": function.__name__, "source": source})
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp") as out:
            out.write(text)
        os.replace(out.name, folder / f"{key}.json")
    except (OSError, TypeError):
        return


def compiled(names: tuple[str, ...], expression: Any,
             make: Callable[[], Callable[..., Any]]) -> Callable[..., Any]:
    """The numpy function of ``expression``: from the cache, else ``make()`` (and stored)."""
    folder = cache_folder()
    if folder is None:
        return make()
    key = key_of(names, expression)
    function = load(folder, key)
    if function is None:
        function = make()
        store(folder, key, function)
    return function
