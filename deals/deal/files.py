"""Deal files: load (safely, with a size limit), write, and find the bundled library.

Deal files are data and are read as data: the file is checked for size before it is parsed,
decoded as strict UTF-8, parsed with the standard library's ``tomllib``, and every expression
goes through the engine's safe parser. Nothing in a file can run code.

>>> "gulf-divestment-uae" in library_names()
True
>>> deal = load("gulf-divestment-uae")
>>> loads(dumps(deal)) == deal
True
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deals.errors import DealFileError
from deals.deal.dates import as_stood, parse_date
from deals.deal.model import Deal
from deals.deal.schema import deal_from_dict
from deals.deal.writing import deal_to_dict

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


def load(name_or_path: str | os.PathLike[str], as_of: Any = None) -> Deal:
    """Load and validate a deal: a library name such as ``"gulf-divestment-uae"`` or a path.

    ``as_of`` (a date): the deal as it stood then, if its file is dated
    (:mod:`deals.deal.dates`).

    Raises :class:`DealFileError` naming the file and field for anything wrong. Only regular
    files are read: a FIFO or a device would block or never end.

    >>> deal = load("gulf-divestment-uae")
    >>> deal.supplier, deal.partner
    ('US', 'UAE')
    >>> try:
    ...     load("no-such-deal.toml")
    ... except DealFileError as error:
    ...     print(error.path, error.field)
    no-such-deal.toml (file)
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise DealFileError(f"expected a library name or a path to a .toml deal file, got "
                            f"{type(name_or_path).__name__}", path=repr(name_or_path),
                            field="(file)")
    text = str(name_or_path)
    is_path = isinstance(name_or_path, os.PathLike) or text.endswith(".toml") or os.sep in text
    path = Path(text) if is_path else library_path(text)
    return loads(read_file(path, text), path=text, as_of=as_of)


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


def loads(data: str | bytes, path: str = "<text>", as_of: Any = None) -> Deal:
    """Parse and validate a deal from TOML text or bytes (``path`` is used in messages).

    The reverse of :func:`dumps`; a mistake names the field (see docs/deal-files.md):

    >>> deal = load("chips-for-farm-purchases")
    >>> loads(dumps(deal)) == deal
    True
    >>> try:
    ...     loads("[deal]\\nname = 1\\n", path="mine.toml")
    ... except DealFileError as error:
    ...     print(error.path)
    mine.toml
    >>> loads(5)
    Traceback (most recent call last):
    ...
    deals.errors.DealFileError: <text>: (file): expected the TOML text of a deal (str or bytes), got int; to read a file, use deals.load(path)
    """
    date = None if as_of is None else parse_date(as_of, "as_of", path)
    return deal_from_dict(as_stood(parse_toml(data, path), date, path), path=path)


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
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DealFileError(f"line {line}: not valid UTF-8 (byte {exc.start}); save the file "
                                "as UTF-8", path=path, field="(file)") from None
    if data.count(".") > MAX_DOTS and _STRINGS_AND_COMMENTS.sub("", data).count(".") > MAX_DOTS:
        raise DealFileError(f"more than {MAX_DOTS:,} dots in keys and numbers; a deal file has a "
                            "few hundred at most. Is this really a deal file?", path=path,
                            field="(file)")
    try:
        doc = tomllib.loads(data)
    except tomllib.TOMLDecodeError as exc:
        raise DealFileError(f"not valid TOML: {exc}", path=path, field="(file)") from None
    except RecursionError:
        raise DealFileError("not a deal file: nested too deeply", path=path,
                            field="(file)") from None
    return doc


def dump(deal: Deal, path: str | os.PathLike[str]) -> None:
    """Write a deal to a TOML file that :func:`load` reads back to the same deal.

    >>> import pathlib, tempfile
    >>> deal = load("chips-for-farm-purchases")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "mine.toml"
    ...     dump(deal, path)
    ...     load(path) == deal
    True
    """
    Path(path).write_text(dumps(deal), encoding="utf-8")


def dumps(deal: Deal) -> str:
    """The TOML text of a deal, which :func:`loads` reads back to the same deal.

    >>> deal = load("chips-for-farm-purchases")
    >>> text = dumps(deal)
    >>> text.splitlines()[0], loads(text) == deal
    ('[deal]', True)
    """
    return toml_text(deal_to_dict(deal))


# ---- a small TOML writer for the shapes a deal document has --------------------------------
# (tables of scalars, lists of numbers and sub-tables; the standard library only reads TOML)

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b",
            "\f": "\\f"}


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")  # pragma: no cover


def toml_text(doc: Mapping[str, Any]) -> str:
    """TOML text of nested dicts of scalars and lists (dicts become ``[a.b]`` sections)."""
    lines: list[str] = []

    def section(table: Mapping[str, Any], path: list[str]) -> None:
        scalars = [(k, v) for k, v in table.items() if not isinstance(v, Mapping)]
        tables = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
        if path and (scalars or not tables):
            if lines:
                lines.append("")
            lines.append("[" + ".".join(_key(p) for p in path) + "]")
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars)
        for k, v in tables:
            section(v, [*path, k])

    section(doc, [])
    return "\n".join(lines) + "\n"
