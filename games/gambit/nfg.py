"""Read and write Gambit strategic-form game files (``.nfg``), payoff and outcome versions.

The format (Gambit manual, "Game representation formats") is a whitespace-separated token
stream: a prologue ``NFG 1 R "title" { "player" ... }``, the strategies (a nested list of
quoted names, or a list of counts), an optional quoted comment, then either the payoffs of
every contingency (payoff version) or a list of outcomes followed by one outcome index per
contingency (outcome version, index 0 meaning all payoffs zero). Contingencies are listed
with the first player's strategy changing fastest. Labels are double-quoted; a quote inside a
label is written ``\\"``. Numbers may be integers, decimals, exponents (``1.5e-3``) or
rationals (``3/2``). The format has no comments.

Tokens, numbers, errors (file, line and column, what was expected and what was found) and
the renaming of repeated labels are shared with ``.efg`` (:mod:`games.gambit.tokens`).

>>> game = read_nfg('NFG 1 R "PD" { "Row" "Col" } { 2 2 } 3 3 5 0 0 5 1 1')
>>> game.payoffs[0].tolist()
[[3.0, 0.0], [5.0, 1.0]]
>>> read_nfg(write_nfg(game)).payoffs[1].tolist()
[[3.0, 5.0], [0.0, 1.0]]
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from games.errors import FileFormatError, GameError
from games.gambit.tokens import TokenStream, distinct_labels, is_file_text, quote, read_number
from games.writing import write_text
from games.normal_form.game import NormalFormGame

__all__ = ["read_nfg", "write_nfg", "parse_nfg", "NfgContents"]

# Strategy counts above this are refused before any array is allocated: a mangled count
# must not make us reserve gigabytes.
_MAX_CONTINGENCIES = 10_000_000


@dataclass(frozen=True)
class NfgContents:
    """What an .nfg file says, before it becomes a game: labels and one payoff array per player."""

    title: str
    comment: str
    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: tuple[np.ndarray, ...]
    form: Literal["payoff", "outcome"]


class _Parser(TokenStream):
    """Recursive-descent reader over the token stream, one method per part of the file."""

    def number(self, expected: str) -> float:
        return float(read_number(self.expect("number", expected), self, expected))

    def count(self, expected: str) -> int:
        token = self.expect("number", expected)
        if not re.fullmatch(r"\+?\d+", token.text) or int(token.text) < 1:
            raise self.fail(expected, token, "a strategy count is a positive whole number")
        return int(token.text)

    # -- grammar --------------------------------------------------------------------------
    def parse(self) -> NfgContents:
        head = self.current
        if head.kind != "symbol" or head.text != "NFG":
            raise self.fail("the file type 'NFG'", fix="a strategic-form Gambit file starts "
                            "with NFG 1 R (an extensive game starts with EFG: not this reader)")
        self.advance()
        version = self.expect("number", "the version number 1")
        if version.text != "1":
            raise self.fail("the version number 1", version,
                            "only version 1 of the .nfg format exists since the 1990s")
        kind = self.expect("symbol", "the data type R or D")
        if kind.text not in ("R", "D"):
            raise self.fail("the data type R or D", kind)
        title = self.expect("text", 'the quoted game title (may be "")').text
        players = self.labels("the list of player names", "a quoted player name or '}'")
        if not players:
            raise self.fail("at least one player", self.tokens[self.index - 1])
        strategies = self.strategies(len(players))
        comment = self.advance().text if self.current.kind == "text" else ""
        if self.current.kind == "{":
            payoffs, form = self.outcome_body(len(players), strategies), "outcome"
        elif self.current.kind == "number":
            payoffs, form = self.payoff_body(len(players), strategies), "payoff"
        else:
            raise self.fail("the payoffs (numbers) or the outcome list ('{')")
        if self.current.kind != "end":
            raise self.fail("the end of the file", fix="more numbers than contingencies x "
                            "players: check the strategy counts")
        return NfgContents(title, comment, players, strategies, payoffs, form)

    def labels(self, what: str, inner: str) -> tuple[str, ...]:
        self.expect("{", f"'{{' opening {what}")
        names = []
        while self.current.kind == "text":
            names.append(self.advance().text)
        self.expect("}", inner)
        return tuple(names)

    def strategies(self, n_players: int) -> tuple[tuple[str, ...], ...]:
        self.expect("{", "'{' opening the strategies (names per player, or counts)")
        result = []
        if self.current.kind == "{":
            for player in range(n_players):
                names = self.labels(f"the strategy names of player {player + 1}",
                                    "a quoted strategy name or '}'")
                if not names:
                    raise self.fail(f"at least one strategy for player {player + 1}",
                                    self.tokens[self.index - 1])
                result.append(names)
        else:
            for player in range(n_players):
                size = self.count(f"the number of strategies of player {player + 1}")
                result.append(tuple(str(k + 1) for k in range(size)))
        self.expect("}", f"'}}' closing the strategies of the {n_players} players")
        return tuple(result)

    def check_size(self, shape: tuple[int, ...], per_contingency: int) -> int:
        cells = math.prod(shape)
        # Each contingency needs at least one token: refuse impossible sizes before allocating.
        remaining = len(self.tokens) - self.index
        if cells > _MAX_CONTINGENCIES or cells * per_contingency > remaining:
            raise self.fail(
                f"{cells * per_contingency} numbers for {cells} contingencies",
                self.tokens[-1],
                f"the file has only {remaining - 1} tokens left; check the strategy counts "
                f"{'x'.join(map(str, shape))} or whether the file was cut short",
            )
        return cells

    def payoff_body(self, n_players: int, strategies) -> tuple[np.ndarray, ...]:
        shape = tuple(len(s) for s in strategies)
        cells = self.check_size(shape, n_players)
        flat = np.empty((cells, n_players))
        for cell in range(cells):
            for player in range(n_players):
                flat[cell, player] = self.number(
                    f"the payoff of player {player + 1} in contingency {cell + 1} of {cells}")
        return _unflatten(flat, shape)

    def outcome_body(self, n_players: int, strategies) -> tuple[np.ndarray, ...]:
        self.expect("{", "'{' opening the outcome list")
        outcomes = [np.zeros(n_players)]  # index 0: the null outcome, all payoffs zero
        while self.current.kind == "{":
            self.advance()
            number = len(outcomes)
            self.expect("text", f'the quoted name of outcome {number} (may be "")')
            vector = np.empty(n_players)
            for player in range(n_players):
                vector[player] = self.number(f"the payoff of player {player + 1} in outcome {number}")
                if self.current.kind == ",":
                    self.advance()
            self.expect("}", f"'}}' closing outcome {number} after its {n_players} payoffs")
            outcomes.append(vector)
        self.expect("}", "'{' opening another outcome, or '}' closing the outcome list")
        shape = tuple(len(s) for s in strategies)
        cells = self.check_size(shape, 1)
        table = np.stack(outcomes)
        flat = np.empty((cells, n_players))
        for cell in range(cells):
            token = self.expect("number", f"the outcome index of contingency {cell + 1} of {cells}")
            if not re.fullmatch(r"\+?\d+", token.text) or int(token.text) >= len(outcomes):
                raise self.fail(f"an outcome index between 0 and {len(outcomes) - 1}", token)
            flat[cell] = table[int(token.text)]
        return _unflatten(flat, shape)


def _unflatten(flat: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    # The file lists contingencies with the first player's strategy changing fastest:
    # that is Fortran (column-major) order over the strategy axes.
    return tuple(np.reshape(flat[:, p], shape, order="F").copy() for p in range(flat.shape[1]))


def parse_nfg(text: str, where: str = "<text>") -> NfgContents:
    """Parse the text of an .nfg file into labels and payoff arrays (no game is built).

    >>> parse_nfg('NFG 1 R "" { "A" "B" } { 1 2 } 1 2 3 4').payoffs[1].tolist()
    [[2.0, 4.0]]
    """
    return _Parser(text, where).parse()


def read_nfg(source: str | os.PathLike) -> NormalFormGame:
    """Read a Gambit .nfg game from a path or from the file's text (payoff or outcome version).

    Text is recognised by starting with ``NFG``; anything else is taken as a path. Empty or
    repeated player and strategy names are made distinct (``Player 1``, ``x#2``; see
    :func:`games.gambit.tokens.distinct_labels`); the game's
    comment, outcome names and the exactness of rationals such as ``1/3`` are not kept (payoffs
    become float64).

    >>> text = 'NFG 1 R "MP" { "1" "2" } { { "H" "T" } { "H" "T" } } "" ' \\
    ...        '{ { "win" 1, -1 } { "lose" -1, 1 } } 1 2 2 1'
    >>> game = read_nfg(text)
    >>> game.strategies, game.payoffs[0].tolist()
    ((('H', 'T'), ('H', 'T')), [[1.0, -1.0], [-1.0, 1.0]])
    """
    if not isinstance(source, (str, os.PathLike)):
        raise FileFormatError(
            f"read_nfg takes the path of an .nfg file or the file's text (a str), got "
            f"{type(source).__name__}")
    if is_file_text(source):
        text, where = source, "<nfg text>"
    else:
        where = str(source)
        try:
            text = Path(source).read_text(encoding="utf-8", errors="replace")
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise FileFormatError(
                f"{where[:200]}: cannot read the file ({reason}); give the path of an .nfg file, "
                f"or the file's text starting with NFG") from None
    contents = parse_nfg(text, where)
    players = distinct_labels(contents.players, lambda k: f"Player {k}")
    strategies = [distinct_labels(s, str) for s in contents.strategies]
    if len(players) < 2:
        raise FileFormatError(
            f"{where}: the game has {len(players)} player; our games need at least two "
            f"(add a player with a single strategy if the other side is passive)")
    try:
        return NormalFormGame.from_arrays(*contents.payoffs, players=players,
                                          strategies=strategies, title=contents.title)
    except GameError as exc:  # e.g. payoffs whose range overflows the float range
        raise FileFormatError(f"{where}: {exc}") from None


def _format_number(value: float) -> str:
    """Shortest text that reads back to the same float; integers without a decimal point."""
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def write_nfg(game: NormalFormGame, path: str | os.PathLike | None = None, *,
              form: Literal["payoff", "outcome"] = "payoff") -> str:
    """Write a numeric game as Gambit .nfg text (payoff version by default); save it if ``path``.

    The outcome version lists each distinct payoff vector once and refers to it by index.
    Floats are written in their shortest exact form, so reading back gives identical payoffs.

    >>> game = NormalFormGame.from_arrays([[1, 0], [0, 1]], [[1, 0], [0, 1]], title="Coordination")
    >>> print(write_nfg(game, form="outcome"))
    NFG 1 R "Coordination" { "Player 1" "Player 2" }
    <BLANKLINE>
    { { "s1" "s2" }
    { "s1" "s2" }
    }
    ""
    <BLANKLINE>
    {
    { "" 1, 1 }
    { "" 0, 0 }
    }
    1 2 2 1
    <BLANKLINE>
    """
    if form not in ("payoff", "outcome"):
        raise FileFormatError(f'form must be "payoff" or "outcome", got {form!r}')
    if not isinstance(game, NormalFormGame):
        raise FileFormatError(f"write_nfg writes a NormalFormGame, got {type(game).__name__}")
    if game.is_symbolic:
        raise FileFormatError(
            "the .nfg format holds numbers only and this game is symbolic; write game.bind(...) "
            "at the parameter values you want")
    payoffs = game.payoffs
    # Contingencies in the file's order: first player's strategy fastest (Fortran order).
    flat = np.stack([np.ravel(p, order="F") for p in payoffs], axis=1)
    lines = [f"NFG 1 R {quote(game.title)} {{ {' '.join(quote(p) for p in game.players)} }}", ""]
    lines.append("{ " + "\n".join("{ " + " ".join(quote(s) for s in names) + " }"
                                  for names in game.strategies))
    lines += ["}", '""', ""]
    if form == "payoff":
        lines.append(" ".join(_format_number(v) for v in flat.ravel()))
    else:
        index: dict[tuple[float, ...], int] = {}
        cells = []
        for row in flat:
            key = tuple(float(v) for v in row)
            cells.append(index.setdefault(key, len(index) + 1))
        lines.append("{")
        lines += ['{ "" ' + ", ".join(_format_number(v) for v in key) + " }" for key in index]
        lines.append("}")
        lines.append(" ".join(map(str, cells)))
    text = "\n".join(lines) + "\n"
    if path is not None:
        write_text(path, text)  # whole or not at all
    return text
