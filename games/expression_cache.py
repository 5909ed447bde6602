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
whole entry; a damaged or foreign entry is ignored and written again. The folder stays small:
an entry above :data:`MAX_ENTRY_BYTES` is not written (it is made again on the next run), and
once a process has written to a folder above :data:`MAX_FOLDER_BYTES`, the entries least
recently used go (each read refreshes its entry's time) until it is below three quarters of it.

A *bundle* holds, for one deal file, every fact its run needs about its expressions (names,
generated code, derivatives; :func:`games.expressions.expression_facts`) under a key made of
the file's text: a warm run reads one file and never imports sympy (:func:`load_bundle`,
:func:`store_bundle`). Its facts are filed by what each expression is (its text, and for a
written-out utility the texts it was made of), so even a bundle read for the wrong file could
only miss, never mislead. An expression outside any bundle (the engine's own texts, such as
a game tree's payoff names) keeps its facts in an entry of its own (:func:`load_facts`).

A *document* is a deal, portfolio or record file as the TOML parser read it, kept under a
hash of its text (:func:`load_document`, :func:`store_document`): a warm run does not parse
the TOML again.

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
import importlib.util
import inspect
import json
import linecache
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

#: Bumped when the stored layout or the way code is generated changes.
FORMAT = 1
#: Bumped when a bundle's layout or the facts it holds change.
BUNDLE_FORMAT = 2
#: Largest entry written, in bytes of JSON. A library deal's bundle takes 20-150 KB; an
#: expression that expands to megabytes of code is made again on each run instead.
MAX_ENTRY_BYTES = 4 << 20
#: Most bytes the folder keeps: editing and exploring deal files writes a bundle per version of
#: each file, and without a bound the folder grows for as long as the tool is used.
MAX_FOLDER_BYTES = 128 << 20
#: The files of the folder that trim counts and may remove: entries (JSON; marshalled code,
#: :mod:`games.startup`) and the temporary files of writers.
KEPT_SUFFIXES = (".json", ".marshal", ".tmp")
#: Folders this process has written to and checked against MAX_FOLDER_BYTES (once each).
_CHECKED: set[Path] = set()


def cache_folder() -> Path | None:
    """Where entries live, or None when the cache is off."""
    chosen = os.environ.get("CHIPDEALS_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "chipdeals" / "expressions"


@functools.lru_cache(maxsize=1)
def sympy_version() -> str:
    """The installed sympy's version, read without importing sympy (start-up time): from its
    ``release.py`` (a file of one line), else from its package metadata (importlib.metadata
    and what it loads cost a warm compare's start 20-40 ms)."""
    try:
        spec = importlib.util.find_spec("sympy")
        if spec is not None and spec.origin:
            text = (Path(spec.origin).parent / "release.py").read_text()
            found = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.M)
            if found:
                return found.group(1)
    except (OSError, ValueError, ImportError):
        pass
    from importlib import metadata  # start-up time: only where sympy has no release.py

    try:
        return metadata.version("sympy")
    except metadata.PackageNotFoundError:
        return "unknown"


def key_of(names: tuple[str, ...], expression: Any) -> str:
    """The entry's name: a hash of what the generated code depends on."""
    import sympy  # start-up time: sympy loads only where an expression is built

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


def read_own(folder: Path, path: Path) -> bytes:
    """The bytes of the cache entry ``path``, if it and ``folder`` belong to this user (else
    OSError); the entry counts as used now (the last to go when the folder is trimmed)."""
    if hasattr(os, "getuid") and (path.stat().st_uid != os.getuid()
                                  or folder.stat().st_uid != os.getuid()):
        raise OSError(f"{path} is not ours")
    data = path.read_bytes()
    try:
        os.utime(path)
    except OSError:
        pass
    return data


def write_atomically(folder: Path, name: str, data: bytes) -> None:
    """Write the cache entry ``folder / name`` through a temporary file and a rename (nothing
    if it is above MAX_ENTRY_BYTES); then, once per process, trim the cache."""
    if len(data) > MAX_ENTRY_BYTES:
        return
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.NamedTemporaryFile("wb", dir=folder, delete=False, suffix=".tmp") as out:
        out.write(data)
    os.replace(out.name, folder / name)
    root = cache_folder()
    if root is not None and root not in _CHECKED:
        _CHECKED.add(root)
        trim(root)


def _read_own(folder: Path, path: Path) -> Any:
    """The JSON in the cache entry ``path`` (:func:`read_own`)."""
    return json.loads(read_own(folder, path))


def _write_atomically(folder: Path, name: str, data: Any) -> None:
    """Write ``data`` as JSON to the cache entry ``folder / name`` (:func:`write_atomically`)."""
    write_atomically(folder, name, json.dumps(data).encode())


def trim(root: Path, most: int | None = None) -> int:
    """Remove the least recently used entries of the cache folder ``root`` (and its bundles,
    facts and documents) while it holds more than ``most`` bytes (default MAX_FOLDER_BYTES),
    down to three quarters of it; a temporary file left by a writer that died an hour ago or more
    goes too. Returns the bytes removed. Files another process removes first are skipped."""
    most = MAX_FOLDER_BYTES if most is None else most
    files, now = [], time.time()
    for folder in (root, root / "bundles", root / "facts", root / "documents"):
        try:
            with os.scandir(folder) as found:
                for item in found:
                    if item.name.endswith(KEPT_SUFFIXES) and item.is_file(follow_symlinks=False):
                        info = item.stat(follow_symlinks=False)
                        stale = item.name.endswith(".tmp") and now - info.st_mtime > 3600
                        files.append((-1.0 if stale else info.st_mtime, info.st_size, item.path))
        except OSError:
            continue
    total = sum(size for _, size, _ in files)
    target = most * 3 // 4 if total > most else None   # None: only stale temporary files go
    removed = 0
    for when, size, path in sorted(files):
        if when >= 0 and (target is None or total - removed <= target):
            break
        try:
            os.unlink(path)
            removed += size
        except OSError:
            continue
    return removed


def function_of(entry: Any) -> Callable[..., Any] | None:
    """The function an entry's source defines (``{"function", "source"}``), or None when the
    entry is damaged or names anything beyond numpy, ``reduce`` and the builtins."""
    try:
        source = entry["source"]
        # Named by its text, and its lines kept where inspect finds them: the function can be
        # stored again (entry_of) and a traceback shows its code.
        filename = (f"<chipdeals cached expression "
                    f"{hashlib.sha256(source.encode()).hexdigest()[:16]}>")
        code = compile(source, filename, "exec")
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace = {}
        for name in _global_names(code) - {entry["function"]}:
            value = _resolve(name)
            if value is None:
                return None
            namespace[name] = value
        exec(code, namespace)  # noqa: S102 - our own generated code, from our own folder
        function = namespace[entry["function"]]
    except (ValueError, KeyError, TypeError, SyntaxError, AttributeError):
        return None
    return function if callable(function) else None


def entry_of(function: Callable[..., Any]) -> dict[str, str] | None:
    """A generated function as an entry (``{"function", "source"}``), or None if its code
    names anything :func:`function_of` would not resolve (or has no source)."""
    try:
        source = inspect.getsource(function)
        names = _global_names(function.__code__)
    except (OSError, TypeError):
        return None
    if any(function.__globals__.get(n, getattr(builtins, n, None)) is not _resolve(n)
           for n in names):
        return None
    return {"function": function.__name__, "source": source}


def load(folder: Path, key: str) -> Callable[..., Any] | None:
    """The function of entry ``key``, or None (absent, damaged, foreign or not allowed)."""
    try:
        entry = _read_own(folder, folder / f"{key}.json")
        if entry.get("format") != FORMAT:
            return None
    except (OSError, ValueError, AttributeError):
        return None
    return function_of(entry)


def store(folder: Path, key: str, function: Callable[..., Any]) -> None:
    """Write ``function``'s source as entry ``key`` (atomically), if it names only what
    :func:`load` may resolve; any failure leaves the cache as it was."""
    entry = entry_of(function)
    if entry is None:
        return
    try:
        _write_atomically(folder, f"{key}.json", {"format": FORMAT, **entry})
    except (OSError, TypeError):
        return


def bundle_key(*parts: str | bytes | bytearray) -> str:
    """A bundle's name: a hash of ``parts`` (a deal file's text, ...), the formats of bundles
    and of generated code, and the sympy version (a new sympy may write other code)."""
    digests = [hashlib.sha256(p if isinstance(p, (bytes, bytearray)) else p.encode()).hexdigest()
               for p in parts]
    text = json.dumps([BUNDLE_FORMAT, FORMAT, sympy_version(), digests])
    return hashlib.sha256(text.encode()).hexdigest()


def _load_facts(kind: str, key: str) -> dict[str, Any] | None:
    """The facts in entry ``key`` of the folder ``kind``, or None (cache off, absent, damaged
    or not ours)."""
    folder = cache_folder()
    if folder is None:
        return None
    folder = folder / kind
    try:
        entry = _read_own(folder, folder / f"{key}.json")
    except (OSError, ValueError, RecursionError):  # RecursionError: nested past JSON's reach
        return None
    if not isinstance(entry, dict) or entry.get("format") != BUNDLE_FORMAT:
        return None
    facts = entry.get("facts")
    return facts if isinstance(facts, dict) else None


def _store_facts(kind: str, key: str, facts: dict[str, Any]) -> None:
    """Write the facts as entry ``key`` of the folder ``kind`` (atomically); any failure
    leaves the cache as it was."""
    folder = cache_folder()
    if folder is None:
        return
    try:
        _write_atomically(folder / kind, f"{key}.json", {"format": BUNDLE_FORMAT, "facts": facts})
    except (OSError, TypeError, ValueError, RecursionError):
        return


def load_bundle(key: str) -> dict[str, Any] | None:
    """The facts of bundle ``key`` (a dict by expression identity), or None when the cache
    is off or the bundle is absent, damaged or not ours."""
    return _load_facts("bundles", key)


def store_bundle(key: str, facts: dict[str, Any]) -> None:
    """Write the facts as bundle ``key`` (atomically); any failure leaves the cache as it was."""
    _store_facts("bundles", key, facts)


def load_document(key: str) -> dict[str, Any] | None:
    """The parsed file kept as entry ``key`` of the documents folder (JSON values, as
    :func:`store_document` was given them), or None (cache off, absent, damaged, not ours)."""
    return _load_facts("documents", key)


def store_document(key: str, document: dict[str, Any]) -> None:
    """Keep a parsed file (a dict of JSON values) as entry ``key`` (atomically): reading it
    back is some thirty times cheaper than parsing TOML again. Any failure leaves the cache as
    it was."""
    _store_facts("documents", key, document)


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


def load_facts(identity: str) -> dict[str, Any] | None:
    """The facts kept for one expression (by its identity), or None (cache off, absent,
    damaged or not ours)."""
    return _load_facts("facts", bundle_key("facts", identity))


def store_facts(identity: str, facts: dict[str, Any]) -> None:
    """Keep the facts of one expression (atomically); any failure leaves the cache as it was."""
    _store_facts("facts", bundle_key("facts", identity), facts)
