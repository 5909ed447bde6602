"""Exception types of the deal layer.

A mistake in a deal (an issue given by nobody, a stance that fixes an issue its side does not
give, a proposal outside an issue's range) raises :class:`DealError`; a deal *file* that cannot
be read or does not follow the schema raises :class:`DealFileError`, whose message starts with
the file and the field. Both derive from :class:`games.GameError`, so one ``except`` catches
every bad-input error of chipdeals.
"""

from __future__ import annotations

from games.errors import GameError


class DealError(GameError):
    """A deal is malformed: names, sides, ranges or terms do not fit together.

    The message starts with the deal-file field at fault; catch :class:`games.GameError` to
    handle this and every engine error at once.

    >>> from deals import DealError, Issue
    >>> try:
    ...     Issue("chips", (0, 100), giver="supplier").check(150, "proposal.terms.chips")
    ... except DealError as error:
    ...     print(str(error).split(":")[0])
    proposal.terms.chips
    """


class DealFileError(DealError):
    """A deal file cannot be read or breaks the schema; the message names the file and field.

    >>> err = DealFileError("too large", path="big.toml", field="(file)")
    >>> str(err)
    'big.toml: (file): too large'
    """

    def __init__(self, message: str, *, path: str = "<text>", field: str = "") -> None:
        self.path = str(path)
        self.field = field
        self.reason = message
        where = f"{self.path}: {field}: " if field else f"{self.path}: "
        super().__init__(where + message)

    def __reduce__(self):  # raised in a worker process (--jobs), it reads the same here
        return _file_error, (type(self), self.reason, self.path, self.field)


def _file_error(kind: type, reason: str, path: str, field: str) -> DealFileError:
    return kind(reason, path=path, field=field)


class RecordError(DealFileError):
    """The record of facts (``deals/record/facts.toml``) is malformed, or a citation names a
    fact it does not hold; the message names the file and the field (``facts.b5.date``).

    >>> str(RecordError("no fact 'b99'", path="facts.toml", field="facts.b99"))
    "facts.toml: facts.b99: no fact 'b99'"
    """
