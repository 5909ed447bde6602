"""Finding and reading deal files: the bundled library, and TOML read with the limits of deal files.

Deal files are data and are read as data: the file is checked for size before it is parsed,
decoded as strict UTF-8 and parsed with the standard library's ``tomllib``. This module builds
no deal (it needs neither sympy nor pandas), so listing the library stays cheap; building a
:class:`~deals.deal.model.Deal` from the document is :mod:`deals.deal.files`.

>>> "gulf-divestment-uae" in library_names()
True
>>> parse_toml(read_file(library_path("gulf-divestment-uae"), "uae"))["deal"]["partner"]
'UAE'
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
import stat
import sys
import tomllib
from pathlib import Path
from typing import Any

from deals.errors import DealFileError
from games import expression_cache

#: Deal files above this size are refused before they are read: real ones are a few kB.
MAX_FILE_BYTES = 1_000_000

#: Most dots outside strings and comments (in dotted keys and decimal numbers) a deal file may
#: have. The standard library's TOML parser takes time quadratic in the parts of a dotted key
#: (one of 40,000 parts takes half a minute); library deals have about a hundred such dots.
MAX_DOTS = 5_000
_STRINGS_AND_COMMENTS = re.compile(r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"'
                                   r"|'[^'\n]*'|#[^\n]*", re.S)

LIBRARY = Path(__file__).parent.parent / "library"


def library_names() -> list[str]:
    """Names of the deals bundled with chipdeals, sorted; give one to :func:`load`.

    >>> names = library_names()
    >>> "gulf-divestment-uae" in names, names == sorted(names)
    (True, True)
    """
    return sorted(p.stem for p in LIBRARY.glob("*.toml"))


def library_path(name: str) -> Path:
    """The file of a bundled deal (a :class:`DealFileError` suggests names if unknown).

    Parameters
    ----------
    name : str
        A library deal's name, as :func:`library_names` lists (e.g.
        ``"gulf-divestment-uae"``).

    Examples
    --------
    >>> library_path("gulf-divestment-uae").name
    'gulf-divestment-uae.toml'
    >>> try:
    ...     library_path("gulf-divestment-ua")
    ... except DealFileError as error:
    ...     print("did you mean 'gulf-divestment-uae'" in str(error))
    True
    """
    path = LIBRARY / f"{name}.toml"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or not path.is_file():
        names = library_names()
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DealFileError(f"no such deal file or library deal{hint}; the library has "
                            f"{', '.join(names)}", path=name, field="(name)")
    return path


def read_file(path: Path, text: str, kind: str = "deal") -> bytes:
    """The bytes of a data file, refused before reading if over :data:`MAX_FILE_BYTES`."""
    try:
        # Non-blocking open, then fstat of what was opened: a FIFO would block the open and a
        # device never end, and a path checked before opening can be swapped in between.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            if stat.S_ISDIR(status.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(status.st_mode):
                raise DealFileError(f"not a regular file (a pipe, socket or device); save the "
                                    f"{kind} to a .toml file and give its path", path=text,
                                    field="(file)")
            if status.st_size > MAX_FILE_BYTES:
                raise DealFileError(f"file is {status.st_size:,} bytes, over the "
                                    f"{MAX_FILE_BYTES:,}-byte limit for {kind} files; is this "
                                    f"really a {kind} file?", path=text, field="(file)")
            # Read at most one byte past the limit: the file may grow while it is read.
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        hint = (f" or a library name ({', '.join(library_names())})" if kind == "deal" else "")
        raise DealFileError(f"no such file; give a path to a .toml {kind} file{hint}",
                            path=text, field="(file)") from None
    except IsADirectoryError:
        raise DealFileError(f"is a directory; give a .toml {kind} file", path=text,
                            field="(file)") from None
    except OSError as exc:
        raise DealFileError(f"cannot read the file: {exc.strerror}", path=text,
                            field="(file)") from None
    except DealFileError:
        raise
    except ValueError:  # a path the system cannot take, e.g. with a NUL byte
        raise DealFileError(f"not a usable file path; give a path to a .toml {kind} file",
                            path=repr(text), field="(file)") from None
    return data


def parse_toml(data: str | bytes, path: str = "<text>") -> dict[str, Any]:
    """TOML text or bytes to a document, with the size, encoding and dot limits of deal files."""
    if not isinstance(data, (str, bytes, bytearray)):
        raise DealFileError(f"expected the TOML text of a deal (str or bytes), got "
                            f"{type(data).__name__}; to read a file, use deals.load(path)",
                            path=str(path), field="(file)")
    if isinstance(data, bytearray):
        data = bytes(data)
    if len(data) > MAX_FILE_BYTES:
        raise DealFileError(f"over the {MAX_FILE_BYTES:,}-byte limit for deal files", path=path,
                            field="(file)")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")  # a byte-order mark (Windows editors) is dropped
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DealFileError(f"line {line}: not valid UTF-8 (byte {exc.start}); save the file "
                                "as UTF-8", path=path, field="(file)") from None
    if data.count(".") > MAX_DOTS and _STRINGS_AND_COMMENTS.sub("", data).count(".") > MAX_DOTS:
        raise DealFileError(f"more than {MAX_DOTS:,} dots in keys and numbers; a deal file has a "
                            "few hundred at most. Is this really a deal file?", path=path,
                            field="(file)")
    data = data.removeprefix("\ufeff")
    # A file read before is not parsed again: its document is kept under a hash of its text.
    key = _document_key(data)
    doc = _from_kept(expression_cache.load_document(key))
    kept = doc is not None
    if not kept:
        doc = _parsed(data, path)
    _refuse_control_characters(doc, path)
    if not kept and expression_cache.cache_folder() is not None:
        try:
            expression_cache.store_document(key, _to_kept(doc))
        except RecursionError:  # nested deeper than JSON writes: parsed again next time
            pass
    return doc


def _parsed(data: str, path: str) -> dict[str, Any]:
    """The TOML text parsed, or the deal-file error that says what is wrong with it."""
    try:
        doc = tomllib.loads(data)
    except tomllib.TOMLDecodeError as exc:
        raise DealFileError(f"not valid TOML: {exc}", path=path, field="(file)") from None
    except ValueError as exc:  # e.g. an integer over Python's 4,300-digit conversion limit
        digits = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
        raise DealFileError(f"not a deal file: a number too long to read ({type(exc).__name__}"
                            f"{f'; over {digits:,} digits' if digits else ''}); numbers in a "
                            "deal file have a few digits", path=path, field="(file)") from None
    except RecursionError:
        raise DealFileError("not a deal file: nested too deeply", path=path,
                            field="(file)") from None
    return doc


#: Bumped when the way a parsed document is kept (:func:`_to_kept`) changes.
DOCUMENT_FORMAT = 1
#: The key of a kept value that JSON has no type for (a TOML date or time): a control
#: character, which no key of a document that was kept can hold (they are refused).
_TAG = "\x00"
_TIMES = {"datetime": dt.datetime, "date": dt.date, "time": dt.time}


def _document_key(text: str) -> str:
    """The cache key of a file's parsed document: a hash of its text and the keeping format."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return hashlib.sha256(f"toml {DOCUMENT_FORMAT} {sys.version_info[:2]} {digest}".encode()
                          ).hexdigest()


def _to_kept(value: Any) -> Any:
    """A parsed TOML value as JSON values: the same, but each date, time or date-time as
    ``{_TAG: [kind, ISO text]}`` (floats, infinities and NaN included, JSON as Python writes
    it reads back to the same numbers).

    >>> _from_kept(_to_kept({"a": [dt.date(2025, 5, 13), 1.5, -0.0], "b": {"c": True}}))
    {'a': [datetime.date(2025, 5, 13), 1.5, -0.0], 'b': {'c': True}}
    """
    if isinstance(value, dict):
        return {k: _to_kept(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_kept(v) for v in value]
    for kind, type_ in _TIMES.items():  # datetime first: a datetime is also a date
        if isinstance(value, type_):
            return {_TAG: [kind, value.isoformat()]}
    return value


def _from_kept(value: Any) -> Any:
    """The parsed value :func:`_to_kept` made JSON of (None: none, or not one it could have
    made)."""
    try:
        return _restored(value) if isinstance(value, dict) else None
    except (TypeError, ValueError, KeyError, RecursionError):
        return None


def _restored(value: Any) -> Any:
    if isinstance(value, dict):
        if _TAG in value:
            kind, text = value[_TAG]
            return _TIMES[kind].fromisoformat(text)
        return {k: _restored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restored(v) for v in value]
    if value is None:
        raise TypeError("JSON null is no TOML value")
    return value


#: Control characters (C0, DEL, C1) but the tab and the line feed: no text of a deal may hold
#: one (a file's text is printed and shown: ESC [2J in a member's name cleared the terminal).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def control_problem(text: str) -> str | None:
    """What is wrong with ``text`` if it holds a control character (None if nothing is): the
    words every reader of deal and portfolio texts refuses it in.

    >>> control_problem("two\\tcolumns,\\ntwo lines") is None
    True
    >>> print(control_problem("red" + chr(27) + "[31m"))  # doctest: +ELLIPSIS
    holds the control character '\\x1b' at character 4; text may use tabs and line breaks, ...
    """
    found = CONTROL_CHARACTERS.search(text)
    if found is None:
        return None
    return (f"holds the control character {found.group()!r} at character {found.start() + 1}; "
            "text may use tabs and line breaks, no other control characters")


def _refuse_control_characters(doc: dict[str, Any], path: str) -> None:
    """Refuse a key or text holding a control character, naming the field: every key and text
    of a file may reach a terminal (ESC [2J in a member's name cleared it) or a page."""
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            problem = control_problem(value)
            if problem:
                raise DealFileError(problem, path=path, field=where or "(document)")
        elif isinstance(value, dict):
            for key, item in value.items():
                shown = ascii(key) if CONTROL_CHARACTERS.search(key) else key
                if shown != key:
                    raise DealFileError("a name holding a control character; use letters, "
                                        "digits, spaces and punctuation", path=path,
                                        field=f"{where}.{shown}" if where else shown)
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
