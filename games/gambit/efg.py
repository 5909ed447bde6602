"""Gambit ``.efg`` files (extensive form, format version 2): read into a GameTree and write back.

The format (Gambit manual, "Game representation formats") lists nodes in preorder::

    EFG 2 R "title" { "Player 1" "Player 2" }
    "optional comment"
    p "node" 1 1 "infoset" { "L" "R" } 0          player 1, infoset 1, no outcome
    c "node" 1 "" { "H" 1/2 "T" 1/2 } 0            chance, its infoset 1
    t "node" 1 "outcome" { 1, -1 }                  terminal with outcome 1

What the reader does with what the format allows but a GameTree does not:

* Information sets are identified by (player, number), as the format says; labels are only
  names. Repeated infoset labels are allowed: an infoset keeps its label as its name when no
  other infoset of the same player uses that label, otherwise its name is ``label#number``
  (``#number`` when unlabelled). A single-node infoset with no label becomes an ordinary
  (unnamed) perfect-information node.
* Node labels may repeat freely: a node's identity is its history, not its label.
* Actions of one node must be distinct labels in a GameTree: an empty or repeated action
  label ``x`` at position k becomes ``x#k`` (``#k`` when empty).
* Outcomes at non-terminal nodes are added to the payoffs of every end below them.
* An outcome number given again without payoffs reuses the payoffs given first.
* A terminal's label is its node label, or its outcome label when the node has none.

>>> tree = parse_efg('EFG 2 R "Entry" { "E" "I" } "" '
...                  'p "" 1 1 "" { "Out" "In" } 0 t "" 1 "" { 0, 2 } '
...                  'p "" 2 1 "" { "Fight" "Accommodate" } 0 '
...                  't "" 2 "" { -1, -1 } t "" 3 "" { 1, 1 }')
>>> tree.players, tree.node(("In", "Fight")).payoffs
(('E', 'I'), (-1.0, -1.0))
>>> parse_efg(write_efg(tree)) == tree
True
"""

from __future__ import annotations

import re
from fractions import Fraction
from os import PathLike
from pathlib import Path
from typing import Any

from games.errors import FileFormatError, GameError
from games.trees.tree import Chance, Decision, GameTree, Node, Terminal

#: Exponents beyond this are refused before Fraction builds a power of ten of that size.
MAX_EXPONENT = 400
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)$")
_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([{}])|(,)|([^\s{},"]+))', re.S)


class _Tokens:
    """The file as a stream of (kind, text, line) tokens, with errors that name the line."""

    def __init__(self, text: str, source: str):
        self.source = source
        self.items: list[tuple[str, str, int]] = []
        pos, line = 0, 1
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip():
                    raise self.error_at(line, f"cannot read {text[pos:pos + 20]!r} (an unclosed quote?)")
                break
            line += text.count("\n", pos, match.start(match.lastindex))
            quoted, brace, _comma, word = match.groups()
            if quoted is not None:
                self.items.append(("string", re.sub(r"\\(.)", r"\1", quoted[1:-1]), line))
            elif brace is not None:
                self.items.append((brace, brace, line))
            elif word is not None:
                self.items.append(("word", word, line))
            line += text.count("\n", match.start(match.lastindex), match.end())
            pos = match.end()
        self.pos = 0

    def error_at(self, line: int, message: str) -> FileFormatError:
        return FileFormatError(f"{self.source}, line {line}: {message}")

    def error(self, message: str) -> FileFormatError:
        line = self.items[min(self.pos, len(self.items) - 1)][2] if self.items else 1
        return self.error_at(line, message)

    def peek(self) -> str | None:
        return self.items[self.pos][0] if self.pos < len(self.items) else None

    def take(self, kind: str, what: str) -> str:
        if self.pos >= len(self.items) or self.items[self.pos][0] != kind:
            if self.pos >= len(self.items):
                raise self.error(f"expected {what}, found the end of the file (the file ends too "
                                 f"early: is it truncated?)")
            raise self.error(f"expected {what}, found {self.items[self.pos][1]!r}")
        self.pos += 1
        return self.items[self.pos - 1][1]

    def integer(self, what: str) -> int:
        text = self.take("word", what)
        if not (text.isascii() and text.isdigit()):  # int() refuses some Unicode digits ("²")
            raise self.error(f"expected {what} (a whole number), found {text!r}")
        return int(text)

    def number(self, what: str) -> Fraction:
        text = self.take("word", what)
        # Fraction("1e99999999") spends minutes building 10**99999999: look at the exponent first.
        exponent = _EXPONENT.search(text)
        try:
            if exponent and abs(int(exponent.group(1))) > MAX_EXPONENT:
                raise OverflowError
            value = Fraction(text)
            float(value)  # payoffs and probabilities become floats: they must fit in one
        except (ValueError, ZeroDivisionError):
            raise self.error(f"expected {what} (a number such as 3, -1.5 or 2/3), found {text!r}") from None
        except OverflowError:
            raise self.error(f"{what} {text!r} is outside the range of floating-point numbers "
                             f"(about 1e308)") from None
        return value

    def strings(self, what: str) -> list[str]:
        self.take("{", f"'{{' opening {what}")
        out = []
        while self.peek() == "string":
            out.append(self.take("string", what))
        self.take("}", f"'}}' closing {what}")
        return out


def _action_labels(labels: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for k, label in enumerate(labels, start=1):
        # Checked against the labels given so far, numbered ones included: "a#3" in a file
        # may already be taken when the third "a" comes.
        while not label or label in out:
            label = f"{label}#{k}"
        out.append(label)
    return tuple(out)


class _Reader:
    def __init__(self, tokens: _Tokens):
        self.t = tokens
        self.outcomes: dict[int, tuple[str, tuple[Fraction, ...]]] = {}
        self.infosets: dict[tuple[int, int], dict[str, Any]] = {}

    def header(self) -> tuple[str, list[str]]:
        t = self.t
        if t.take("word", "'EFG' at the start of the file") != "EFG":
            raise t.error("not an .efg file: it must start with 'EFG 2 R'")
        version = t.take("word", "the format version 2")
        if version != "2":
            raise t.error(f"format version {version!r} is not supported; only 'EFG 2' files are read")
        kind = t.take("word", "R or D after EFG 2")
        if kind not in ("R", "D"):
            raise t.error(f"expected R (rational) or D (decimal) after EFG 2, found {kind!r}")
        title = t.take("string", "the game's title in double quotes")
        players = t.strings("the list of player names")
        if not players:
            raise t.error("the player list is empty; name at least one player")
        if t.peek() == "string":
            t.take("string", "the comment")
        return title, players

    def outcome(self, n_players: int) -> tuple[Fraction, ...] | None:
        t = self.t
        number = t.integer("an outcome number (0 for none)")
        if t.peek() == "string":
            label = t.take("string", "the outcome's label")
            if t.peek() == "{":
                t.take("{", "'{'")
                payoffs = []
                while t.peek() == "word":
                    payoffs.append(t.number("a payoff"))
                t.take("}", "'}' closing the payoffs")
                if len(payoffs) != n_players:
                    raise t.error(f"outcome {number} has {len(payoffs)} payoffs but the game has "
                                  f"{n_players} players; give one payoff per player")
                if number == 0:
                    raise t.error("outcome 0 means 'no outcome' and cannot carry payoffs; number it from 1")
                self.outcomes.setdefault(number, (label, tuple(payoffs)))
                return tuple(payoffs)
        if number == 0:
            return None
        if number not in self.outcomes:
            raise t.error(f"outcome {number} is used before its payoffs are given")
        return self.outcomes[number][1]

    def node(self, players: list[str], accrued: tuple[Fraction, ...]) -> Node:
        t = self.t
        kind = t.take("word", "a node: c (chance), p (player) or t (terminal)")
        label = t.take("string", "the node's label in double quotes")
        n = len(players)
        if kind == "t":
            if t.peek() == "word":
                outcome_label = self._peek_outcome_label()
                payoffs = self.outcome(n) or (Fraction(0),) * n
            else:
                outcome_label, payoffs = "", (Fraction(0),) * n
            try:
                total = tuple(float(a + b) for a, b in zip(accrued, payoffs))
            except OverflowError:
                raise t.error("the payoffs of this terminal, added to the outcomes above it, are "
                              "beyond the range of floating-point numbers (about 1e308)") from None
            return Terminal(total, label or outcome_label)
        if kind == "p":
            player = t.integer("the player number")
            if not 1 <= player <= n:
                raise t.error(f"player {player} does not exist: the game has players 1..{n}")
            key = (player, t.integer("the information set number"))
        elif kind == "c":
            key = (0, t.integer("the chance information set number"))
        else:
            raise t.error(f"unknown node type {kind!r}; nodes start with c, p or t")
        infoset_label = t.take("string", "the infoset label") if t.peek() == "string" else None
        seen = self.infosets.get(key)
        if t.peek() == "{":
            actions, probs = self._actions(kind == "c")
            if seen is not None and len(seen["actions"]) != len(actions):
                raise t.error(f"information set {key[1]} of "
                              f"{'chance' if kind == 'c' else players[key[0] - 1]} has "
                              f"{len(seen['actions'])} actions where it first appears and "
                              f"{len(actions)} here; a player cannot tell its nodes apart, so "
                              f"they need the same actions")
        elif seen is not None:
            actions, probs = seen["actions"], seen["probs"]
        else:
            raise t.error(f"information set {key[1]} appears for the first time without its actions")
        if seen is None:
            seen = self.infosets[key] = {"actions": actions, "probs": probs,
                                         "label": infoset_label or "", "nodes": 0}
        seen["nodes"] += 1
        outcome = self.outcome(n)
        if outcome is not None:
            accrued = tuple(a + b for a, b in zip(accrued, outcome))
        children = tuple(self.node(players, accrued) for _ in actions)
        if kind == "c":
            return Chance(_action_labels(actions), tuple(probs), children, label)
        # The infoset's name is settled after the whole file is read (see _name_infosets).
        return Decision(players[key[0] - 1], _action_labels(actions), children, f"\0{key[0]}\0{key[1]}", label)

    def _peek_outcome_label(self) -> str:
        items, pos = self.t.items, self.t.pos
        return items[pos + 1][1] if pos + 1 < len(items) and items[pos + 1][0] == "string" else ""

    def _actions(self, with_probabilities: bool) -> tuple[list[str], list[Fraction]]:
        t = self.t
        t.take("{", "'{' opening the actions")
        actions, probs = [], []
        while t.peek() == "string":
            actions.append(t.take("string", "an action label"))
            if with_probabilities:
                probs.append(t.number(f"the probability of chance action {actions[-1]!r}"))
        t.take("}", "'}' closing the actions")
        if not actions:
            raise t.error("a node has no actions; give at least one, or make it a terminal (t) node")
        return actions, probs


def _name_infosets(node: Node, names: dict[str, str | None]) -> Node:
    if isinstance(node, Terminal):
        return node
    children = tuple(_name_infosets(c, names) for c in node.children)
    if isinstance(node, Chance):
        return Chance(node.actions, node.probabilities, children, node.label)
    return Decision(node.player, node.actions, children, names[node.infoset], node.label)


def _infoset_names(infosets: dict[tuple[int, int], dict[str, Any]]) -> dict[str, str | None]:
    """Each infoset's name in the GameTree, keyed by its provisional name ``\\0player\\0number``.

    The label when no other infoset of the same player has it, else ``label#number``; none
    for an unlabelled single node. ``label#number`` names are all distinct, so a kept label
    that equals one of them ("a#2" beside two infosets labelled "a") takes its own as well,
    rather than merging two infosets.
    """
    uses: dict[tuple[int, str], int] = {}
    for (player, _), info in infosets.items():
        uses[(player, info["label"])] = uses.get((player, info["label"]), 0) + 1
    names: dict[tuple[int, int], str | None] = {}
    for (player, number), info in infosets.items():
        label = info["label"]
        if not label and info["nodes"] == 1:
            names[(player, number)] = None
        elif label and uses[(player, label)] == 1:
            names[(player, number)] = label
        else:
            names[(player, number)] = f"{label}#{number}"
    generated = {(player, name) for (player, number), name in names.items()
                 if name is not None and name != infosets[(player, number)]["label"]}
    for (player, number), name in names.items():
        if name is not None and name == infosets[(player, number)]["label"] and (player, name) in generated:
            names[(player, number)] = f"{name}#{number}"
    return {f"\0{player}\0{number}": name for (player, number), name in names.items()}


def parse_efg(text: str, *, source: str = "<text>") -> GameTree:
    """Read a GameTree from the text of an ``.efg`` file; ``source`` names it in error messages."""
    tokens = _Tokens(text, source)
    reader = _Reader(tokens)
    title, players = reader.header()
    try:
        root = reader.node(players, (Fraction(0),) * len(players))
    except RecursionError:
        raise FileFormatError(f"{source}: the tree is nested too deeply to read (more than a few "
                              f"hundred moves along one path)") from None
    if tokens.pos != len(tokens.items):
        raise tokens.error(f"unexpected {tokens.items[tokens.pos][1]!r} after the last node "
                           f"(the tree is complete; is a node's action list too short?)")
    names = _infoset_names(reader.infosets)
    try:
        return GameTree(players, _name_infosets(root, names), title=title)
    except GameError as exc:
        raise FileFormatError(f"{source}: {exc}") from None
    except RecursionError:
        raise FileFormatError(f"{source}: the tree is nested too deeply to read (more than a few "
                              f"hundred moves along one path)") from None


def read_efg(path: str | PathLike[str]) -> GameTree:
    """Read a Gambit ``.efg`` file into a GameTree (errors name the file and line).

    See the module documentation for what happens to repeated labels and to outcomes at
    non-terminal nodes.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")  # -sig: editors may add a BOM
    except OSError as exc:
        raise FileFormatError(f"cannot read {path}: {exc.strerror}") from None
    return parse_efg(text, source=str(path))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    text = repr(float(value))
    # Gambit reads plain decimals and fractions, not exponents: write those exactly as a/b.
    return text if "e" not in text else str(Fraction(float(value)))


def write_efg(tree: GameTree, path: str | PathLike[str] | None = None) -> str:
    """Write a numeric GameTree as ``.efg`` text (and to ``path`` if given); returns the text.

    Each end gets its own outcome; infosets are numbered per player in order of appearance
    and keep their names as labels. Bind a tree with parameters first (``tree.bind()``).
    """
    tree = tree.numeric("write_efg")
    players = {p: i + 1 for i, p in enumerate(tree.players)}
    lines = [f"EFG 2 R {_quote(tree.title)} {{ {' '.join(_quote(p) for p in tree.players)} }}", '""', ""]
    numbers: dict[tuple[str, str | None], int] = {}
    counters = {p: 0 for p in tree.players}
    chance_count = outcome_count = 0
    for history, node in tree.walk():
        if isinstance(node, Terminal):
            outcome_count += 1
            pay = ", ".join(_number(v) for v in node.payoffs)
            lines.append(f't "" {outcome_count} {_quote(node.label)} {{ {pay} }}')
        elif isinstance(node, Chance):
            chance_count += 1
            acts = " ".join(f"{_quote(a)} {_number(p)}" for a, p in zip(node.actions, node.probabilities))
            lines.append(f"c {_quote(node.label)} {chance_count} \"\" {{ {acts} }} 0")
        else:
            key = (node.player, node.infoset if node.infoset is not None else "\0" + "\0".join(history))
            if key not in numbers:
                counters[node.player] += 1
                numbers[key] = counters[node.player]
            acts = " ".join(_quote(a) for a in node.actions)
            lines.append(f"p {_quote(node.label)} {players[node.player]} {numbers[key]} "
                         f"{_quote(node.infoset or '')} {{ {acts} }} 0")
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
