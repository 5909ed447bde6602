"""Deal files: load and validate a deal (safely: see :mod:`deals.deal.reading`), and write one.

Every expression in a file goes through the engine's safe parser; nothing in a file can run
code.

>>> deal = load("gulf-divestment-uae")
>>> loads(dumps(deal)) == deal
True
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deals.errors import DealFileError
from deals.deal.cache import compiled_facts
from deals.deal.dates import as_stood, parse_date
from deals.deal.model import Deal
from deals.deal.schema import deal_from_dict
from deals.deal.reading import library_path, parse_toml, read_file
from deals.deal.writing import deal_to_dict
from games import expression_cache
from games.expressions import learn_facts
from games.writing import write_text


def load(name_or_path: str | os.PathLike[str], as_of: Any = None) -> Deal:
    """Load and validate a deal: a library name such as ``"gulf-divestment-uae"`` or a path.

    ``as_of`` (a date): the deal as it stood then, if its file is dated
    (:mod:`deals.deal.dates`).

    Raises :class:`DealFileError` naming the file and field for anything wrong. Only regular
    files are read: a FIFO or a device would block or never end.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A library deal's name (``"gulf-divestment-uae"``) or the path of a deal file
        (``.toml``).
    as_of : date, str or None, default None
        The deal as it stood on that date (``datetime.date`` or ``"YYYY-MM-DD"``), if
        its file is dated; None: as it is now.

    Examples
    --------
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


def loads(data: str | bytes, path: str = "<text>", as_of: Any = None) -> Deal:
    """Parse and validate a deal from TOML text or bytes (``path`` is used in messages).

    Parameters
    ----------
    data : str or bytes
        The TOML text of a deal file.
    path : str, default "<text>"
        The name used for the text in error messages.
    as_of : date, str or None, default None
        The deal as it stood on that date, if the text is dated; None: as it is now.

    Examples
    --------
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
    doc = as_stood(parse_toml(data, path), date, path)  # (refuses what is not a deal's text)
    # What the run needs to know about the file's expressions, kept between runs under a key
    # made of its text (games.expression_cache): with it, nothing is built in sympy.
    key = expression_cache.bundle_key("deal", data, str(date))
    facts = expression_cache.load_bundle(key)
    if facts is not None:
        learn_facts(facts)
    deal = deal_from_dict(doc, path=path)
    if facts is None and expression_cache.cache_folder() is not None:
        expression_cache.store_bundle(key, compiled_facts(deal))
    return deal


def dump(deal: Deal, path: str | os.PathLike[str]) -> None:
    """Write a deal to a TOML file that :func:`load` reads back to the same deal.

    Parameters
    ----------
    deal : Deal
        The deal to write.
    path : str or os.PathLike
        The TOML file to write (replaced atomically: a temporary file renamed into
        place).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> deal = load("chips-for-farm-purchases")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "mine.toml"
    ...     dump(deal, path)
    ...     load(path) == deal
    True
    """
    write_text(path, dumps(deal))  # whole or not at all


def dumps(deal: Deal) -> str:
    """The TOML text of a deal, which :func:`loads` reads back to the same deal.

    Parameters
    ----------
    deal : Deal
        The deal to write as TOML text.

    Examples
    --------
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
