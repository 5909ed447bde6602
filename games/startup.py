"""A command's start-up: the compiled code of the dataclass methods its imports make, kept.

Importing the modules of one ``chipdeals`` command defines about 85 dataclasses, and Python
writes each one's methods (``__init__``, ``__repr__``, ``__eq__``, ...) as source text and
compiles it, one text at a time: about 40 ms of a 1.6 s ``chipdeals compare``, a quarter of its
imports, paid again on every run for the same texts. Inside :func:`kept_dataclass_code` the
code of each text is looked up in a file of the cache folder
(:func:`games.expression_cache.cache_folder`) before it is compiled, and the texts compiled
anew are added to the file when the block ends.

The code kept for a text is what Python compiles from that text as the dataclasses module
does (file name ``<string>``, no future features), so the classes are the same, method for
method. The file is named by the interpreter's cache tag (as ``__pycache__`` files are). It
is read and written as the folder's other entries are: only where this user owns it, through
a temporary file and a rename, trimmed with the rest
(:func:`games.expression_cache.read_own`, :func:`games.expression_cache.write_atomically`);
a damaged one is ignored and written again. With the cache off (``CHIPDEALS_CACHE_DIR=off``)
nothing changes.

It works by giving the dataclasses module an ``exec`` of its own for the block's duration
(the name through which it runs the texts; Python's own ``exec`` answers again after the
block): a process that imports ``games`` or ``deals`` for its own use is never touched; the
command line uses it for itself, as it sets its own allocator
(:func:`games.parallel.keep_freed_memory`).

>>> import dataclasses
>>> with kept_dataclass_code():
...     @dataclasses.dataclass(frozen=True)
...     class Point:
...         x: float
...         y: float = 0.0
>>> Point(1.0), "exec" in vars(dataclasses)
(Point(x=1.0, y=0.0), False)
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from games.expression_cache import cache_folder, read_own, write_atomically

__all__ = ["kept_dataclass_code", "MAX_KEPT_TEXTS"]

#: Most method texts the file keeps (the library's commands make about 450): a bound, so that
#: a process that makes classes at run time cannot grow the file without end.
MAX_KEPT_TEXTS = 4096
_CODE = type(compile("", "<string>", "exec"))


def _file() -> Path | None:
    folder = cache_folder()
    tag = sys.implementation.cache_tag
    if folder is None or tag is None:
        return None  # the optimisation level, as in a __pycache__ file's name
    return folder / f"dataclass-code.{tag}.opt-{sys.flags.optimize}.marshal"


def _read(path: Path) -> dict[str, Any]:
    """The kept code by text, or nothing (absent, damaged, or not this user's)."""
    try:
        kept = marshal.loads(read_own(path.parent, path))
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(kept, dict) or not all(type(k) is str and type(v) is _CODE
                                             for k, v in kept.items()):
        return {}
    return kept


def _write(path: Path, kept: dict[str, Any]) -> None:
    """Write the kept code (atomically); any failure leaves the file as it was."""
    try:
        write_atomically(path.parent, path.name, marshal.dumps(kept))
    except (OSError, ValueError):
        return


@contextmanager
def kept_dataclass_code() -> Iterator[None]:
    """Within the block, each dataclass method's text is compiled once across runs (see the
    module): the same classes as without it, made in a fraction of the time."""
    path = _file()
    if path is None or "exec" in vars(dataclasses):  # cache off, or a block already open
        yield
        return
    kept = _read(path)
    added: dict[str, Any] = {}

    def run(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        if globals is None:  # never from dataclasses, which names the class's module: as
            caller = sys._getframe(1)  # Python's exec, in the caller's namespaces
            globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
        if type(source) is str:
            code = kept.get(source)
            if code is None:
                code = compile(source, "<string>", "exec", dont_inherit=True)
                if len(kept) < MAX_KEPT_TEXTS:
                    kept[source] = added[source] = code
            source = code
        builtins.exec(source, globals, locals)

    dataclasses.exec = run  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if vars(dataclasses).get("exec") is run:
            del dataclasses.exec  # type: ignore[attr-defined]
        if added:  # with what another run may have added meanwhile, within the bound
            merged = {**_read(path), **kept}
            _write(path, merged if len(merged) <= MAX_KEPT_TEXTS else kept)
