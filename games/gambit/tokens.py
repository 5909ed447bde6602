"""What the two Gambit formats share: tokens, numbers, quoted labels, errors and label renaming.

Both ``.nfg`` and ``.efg`` files are a stream of whitespace-separated tokens: braces, commas,
double-quoted labels (``\\"`` is a quote inside a label, ``\\\\`` a backslash) and bare words,
of which numbers are integers, decimals, exponents (``1.5e-3``) or rationals (``3/2``).
Nothing in a file is evaluated: numbers are read by :class:`fractions.Fraction`.

Every error is one line, ``file: line L, column C: expected ..., found ...``, raised as a
:class:`~games.errors.FileFormatError`.

>>> stream = TokenStream('NFG 1 R "a \\\\"quoted\\\\" title" { 1/3 }', "<text>")
>>> [t.kind for t in stream.tokens]
['symbol', 'number', 'symbol', 'text', '{', 'number', '}', 'end']
>>> stream.tokens[3].text, read_number(stream.tokens[5], stream, "a payoff")
('a "quoted" title', Fraction(1, 3))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from games.errors import FileFormatError

__all__ = ["MAX_EXPONENT", "Token", "TokenStream", "distinct_labels", "quote", "read_number",
           "tokenize"]

# A number token must stand alone: followed by a delimiter, not glued to letters. ASCII digits
# only: Python's \d and int() also accept other scripts' digits, which no Gambit file uses.
_NUMBER = re.compile(
    r"[+-]?(?:\d+/\d+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"(?=[\s{},\"]|\Z)", re.ASCII)
_SYMBOL = re.compile(r"[^\s{},\"]+")
_WHITESPACE = re.compile(r"\s+")
_PUNCTUATION = "{},"

#: Exponents and rational parts beyond this many digits are refused before Fraction builds a
#: power of ten of that size (``1e99999999`` would take minutes).
MAX_EXPONENT = 400


@dataclass(frozen=True)
class Token:
    """One token of a Gambit file and where it starts (line and column count from 1)."""

    kind: str  # "{", "}", ",", "number", "text" (a quoted label), "symbol", "end"
    text: str
    line: int
    column: int

    def describe(self) -> str:
        """The token as an error message shows it."""
        if self.kind == "end":
            return "the end of the file"
        shown = self.text if len(self.text) <= 30 else self.text[:27] + "..."
        # A label that runs over lines (a quote left open) stays on the message's one line.
        shown = shown.replace("\r", "\\r").replace("\n", "\\n")
        if self.kind == "text":
            return f'the label "{shown}"' + (" (a quote left open?)" if "\n" in self.text else "")
        return f"'{shown}'"


def tokenize(text: str, where: str) -> list[Token]:
    """Split a Gambit file into tokens, keeping line and column for error messages.

    >>> [(t.kind, t.text, t.line) for t in tokenize('{ "x"\\n2 }', "f")][1:4]
    [('text', 'x', 1), ('number', '2', 2), ('}', '}', 2)]
    """
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    n = len(text)
    while pos < n:
        char = text[pos]
        if char.isspace():
            match = _WHITESPACE.match(text, pos)
            chunk = match.group()
            newlines = chunk.count("\n")
            if newlines:
                line += newlines
                line_start = pos + chunk.rindex("\n") + 1
            pos = match.end()
            continue
        column = pos - line_start + 1
        if char in _PUNCTUATION:
            tokens.append(Token(char, char, line, column))
            pos += 1
        elif char == '"':
            begin_line = line
            label, pos, line, line_start = _read_label(text, pos, line, line_start, where)
            tokens.append(Token("text", label, begin_line, column))
        else:
            number = _NUMBER.match(text, pos)
            if number:
                tokens.append(Token("number", number.group(), line, column))
                pos = number.end()
            else:
                symbol = _SYMBOL.match(text, pos)
                tokens.append(Token("symbol", symbol.group(), line, column))
                pos = symbol.end()
    tokens.append(Token("end", "", line, n - line_start + 1))
    return tokens


def _read_label(text: str, start: int, line: int, line_start: int, where: str):
    """Read a double-quoted label from ``text[start] == '"'``; ``\\"`` is a quote, ``\\\\`` a backslash."""
    parts: list[str] = []
    pos = start + 1
    n = len(text)
    begin_line, begin_column = line, start - line_start + 1
    while pos < n:
        char = text[pos]
        if char == "\\" and pos + 1 < n and text[pos + 1] in '"\\':
            parts.append(text[pos + 1])
            pos += 2
            continue
        if char == '"':
            return "".join(parts), pos + 1, line, line_start
        if char == "\n":
            line += 1
            line_start = pos + 1
        parts.append(char)
        pos += 1
    raise FileFormatError(
        f"{where}: line {begin_line}, column {begin_column}: the label that starts here has no "
        f'closing double quote (the file ends inside it); close it with " (write \\" for a '
        f"quote inside a label)")


class TokenStream:
    """A cursor over a file's tokens whose errors name the file, line and column.

    >>> stream = TokenStream('EFG 2', "game.efg")
    >>> stream.expect("symbol", "the file type").text
    'EFG'
    >>> raise stream.fail("the data type R or D", stream.advance())
    Traceback (most recent call last):
    ...
    games.errors.FileFormatError: game.efg: line 1, column 5: expected the data type R or D, found '2'
    """

    def __init__(self, text: str, where: str, *, commas: bool = True):
        self.where = where
        tokens = tokenize(text, where)
        self.tokens = tokens if commas else [t for t in tokens if t.kind != ","]
        self.index = 0

    @property
    def current(self) -> Token:
        """The next token (the ``end`` token once everything is read)."""
        return self.tokens[self.index]

    @property
    def previous(self) -> Token:
        """The token read last (the first one before anything is read)."""
        return self.tokens[max(self.index - 1, 0)]

    @property
    def at_end(self) -> bool:
        return self.current.kind == "end"

    def advance(self) -> Token:
        """The next token, moving past it."""
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> FileFormatError:
        """``file: line L, column C: message`` at ``token`` (default: the next one)."""
        token = token or self.current
        return FileFormatError(f"{self.where}: line {token.line}, column {token.column}: {message}")

    def fail(self, expected: str, token: Token | None = None, fix: str = "") -> FileFormatError:
        """The error for finding ``token`` where ``expected`` should be, with an optional fix."""
        token = token or self.current
        message = f"expected {expected}, found {token.describe()}"
        if token.kind == "end":
            message += " (the file ends too early: is it truncated?)"
        if fix:
            message += f"; {fix}"
        return self.error(message, token)

    def expect(self, kind: str | tuple[str, ...], expected: str, fix: str = "") -> Token:
        """The next token if it is of ``kind`` (one or several), else the error saying so."""
        kinds = (kind,) if isinstance(kind, str) else kind
        if self.current.kind not in kinds:
            raise self.fail(expected, fix=fix)
        return self.advance()


def read_number(token: Token, stream: TokenStream, what: str) -> Fraction:
    """The exact value of a number token, which must fit in a float (payoffs become floats).

    >>> stream = TokenStream("2/3 1e999", "f")
    >>> read_number(stream.tokens[0], stream, "a payoff")
    Fraction(2, 3)
    >>> read_number(stream.tokens[1], stream, "a payoff")
    Traceback (most recent call last):
    ...
    games.errors.FileFormatError: f: line 1, column 5: expected a payoff, found '1e999', which is outside the range of floating-point numbers (about 1e308); payoffs must be finite
    """
    text = token.text
    exponent = re.search(r"[eE]([+-]?[0-9]+)$", text)
    try:
        if (exponent and abs(int(exponent.group(1))) > MAX_EXPONENT) or len(text) > 2 * MAX_EXPONENT:
            raise OverflowError
        value = Fraction(text)
        rounded = float(value)
    except ZeroDivisionError:
        raise stream.fail(what, token, "a rational number has a zero denominator") from None
    except ValueError:
        raise stream.fail(f"{what} (a number such as 3, -1.5 or 2/3)", token) from None
    except OverflowError:
        raise stream.error(f"expected {what}, found {token.describe()}, which is outside the range "
                           "of floating-point numbers (about 1e308); payoffs must be finite",
                           token) from None
    if re.fullmatch(r"[+-]?[0-9]+", text) and rounded != value:  # written as an integer
        raise stream.error(f"expected {what}, found {token.describe()}, an integer beyond float "
                           "precision (2**53) that would be rounded and could change the game; "
                           "subtract an offset from every payoff of that player, or rescale",
                           token)
    return value


def is_file_text(source: object) -> bool:
    """Whether ``source`` given to a reader is a file's text rather than its path: a str that
    starts with a Gambit header (``NFG``/``EFG``) or holds a line break or a brace.

    >>> is_file_text('NFG 1 R "" { "A" "B" } { 1 1 } 0 0'), is_file_text("games/pd.nfg")
    (True, False)
    """
    return isinstance(source, str) and (source.lstrip().startswith(("NFG", "EFG"))
                                        or "\n" in source or "{" in source)


def distinct_labels(labels: Sequence[str], empty: Callable[[int], str],
                    numbers: Sequence[int] | None = None) -> tuple[str, ...]:
    """Labels made distinct by the one rule both formats follow.

    Gambit allows empty and repeated labels; a game needs distinct names to address players,
    strategies, actions and information sets. An empty label at position ``k`` (counting
    from 1; or the item's number in the file, given as ``numbers``) becomes ``empty(k)``. A label that repeats an
    earlier one becomes ``label#k``; the first keeps its label. A made-up name never takes a
    label the list gives elsewhere: ``#k`` is appended again until it is free.

    >>> distinct_labels(["x", "x", "", "x#2"], empty=str)
    ('x', 'x#2#2', '3', 'x#2')
    """
    given = set(labels)
    out: list[str] = []
    for k, label in zip(numbers or range(1, len(labels) + 1), labels):
        name = label or empty(k)
        while name in out or (name != label and name in given):
            name = f"{name}#{k}"
        out.append(name)
    return tuple(out)


def quote(label: str) -> str:
    """A label in double quotes; quotes escaped, backslashes only where a reader would misread them.

    >>> print(quote('say "hi"'), quote("C:\\\\x"))
    "say \\"hi\\"" "C:\\x"
    """
    out = []
    for k, char in enumerate(label):
        if char == '"':
            out.append('\\"')
        elif char == "\\" and (k + 1 == len(label) or label[k + 1] in '"\\'):
            out.append("\\\\")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
