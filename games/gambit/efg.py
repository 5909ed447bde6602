"""Gambit ``.efg`` files (extensive form, format version 2): read into a GameTree and write back.

The format (Gambit manual, "Game representation formats") lists nodes in preorder::

    EFG 2 R "title" { "Player 1" "Player 2" }
    "optional comment"
    p "node" 1 1 "infoset" { "L" "R" } 0          player 1, infoset 1, no outcome
    c "node" 1 "" { "H" 1/2 "T" 1/2 } 0            chance, its infoset 1
    t "node" 1 "outcome" { 1, -1 }                  terminal with outcome 1

What the reader does with what the format allows but a GameTree does not:

* Labels are made distinct by the rule both Gambit formats follow
  (:func:`games.gambit.tokens.distinct_labels`): the first of a repeated label keeps it, a
  later one at position k becomes ``x#k`` (``#k`` when empty). For actions k is the position
  at the node; for information sets, identified by (player, number) as the format says, k is
  the infoset's number. A single-node infoset with no label becomes an ordinary (unnamed)
  perfect-information node.
* Node labels may repeat freely: a node's identity is its history, not its label.
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

from fractions import Fraction
from os import PathLike
from pathlib import Path
from typing import Any

from games.errors import FileFormatError, GameError
from games.gambit.tokens import TokenStream, distinct_labels, is_file_text, quote, read_number
from games.trees.tree import Chance, Decision, GameTree, Node, Terminal
from games.writing import write_text

_KINDS = {"number": "word", "symbol": "word", "text": "string", "{": "{", "}": "}", "end": None}


class _Tokens(TokenStream):
    """The file's tokens as the reader asks for them: words (numbers or symbols), strings and
    braces; commas separate payoffs as spaces do."""

    def __init__(self, text: str, source: str):
        super().__init__(text, source, commas=False)

    def peek(self) -> str | None:
        return _KINDS[self.current.kind]

    def take(self, kind: str, what: str) -> str:
        if self.peek() != kind:
            raise self.fail(what)
        return self.advance().text

    def integer(self, what: str) -> int:
        token = self.current
        text = self.take("word", what)
        if not (text.isascii() and text.isdigit()):  # int() refuses some Unicode digits ("²")
            raise self.fail(f"{what} (a whole number)", token)
        return int(text)

    def number(self, what: str) -> Fraction:
        token = self.current
        self.take("word", what)
        return read_number(token, self, what)

    def strings(self, what: str) -> list[str]:
        self.take("{", f"'{{' opening {what}")
        out = []
        while self.peek() == "string":
            out.append(self.take("string", what))
        self.take("}", f"'}}' closing {what}")
        return out


class _Reader:
    def __init__(self, tokens: _Tokens):
        self.t = tokens
        self.outcomes: dict[int, tuple[str, tuple[Fraction, ...]]] = {}
        self.infosets: dict[tuple[int, int], dict[str, Any]] = {}

    def header(self) -> tuple[str, list[str]]:
        t = self.t
        if t.take("word", "'EFG' at the start of the file") != "EFG":
            raise t.error("not an .efg file: it must start with 'EFG 2 R'", t.previous)
        version = t.take("word", "the format version 2")
        if version != "2":
            raise t.error(f"format version {version!r} is not supported; only 'EFG 2' files are read", t.previous)
        kind = t.take("word", "R or D after EFG 2")
        if kind not in ("R", "D"):
            raise t.error(f"expected R (rational) or D (decimal) after EFG 2, found {kind!r}", t.previous)
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
        at = t.current
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
                raise t.error(f"player {player} does not exist: the game has players 1..{n}", t.previous)
            key = (player, t.integer("the information set number"))
        elif kind == "c":
            key = (0, t.integer("the chance information set number"))
        else:
            raise t.error(f"unknown node type {kind!r}; nodes start with c, p or t", at)
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
            return Chance(distinct_labels(actions, lambda k: f"#{k}"), tuple(probs), children, label)
        # The infoset's name is settled after the whole file is read (see _name_infosets).
        return Decision(players[key[0] - 1], distinct_labels(actions, lambda k: f"#{k}"), children, f"\0{key[0]}\0{key[1]}", label)

    def _peek_outcome_label(self) -> str:
        tokens, index = self.t.tokens, self.t.index
        return tokens[index + 1].text if tokens[index + 1].kind == "text" else ""

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

    A player's infosets, in the order of their numbers, are named by the rule every Gambit
    label follows (:func:`games.gambit.tokens.distinct_labels`, ``k`` being the infoset's
    number): the first keeps a repeated label, a later one becomes ``label#number``, an
    unlabelled one ``#number``. An unlabelled single node has no name (perfect information).
    """
    names: dict[tuple[int, int], str | None] = dict.fromkeys(infosets)
    named: dict[int, list[int]] = {}
    for player, number in sorted(infosets):
        info = infosets[(player, number)]
        if info["label"] or info["nodes"] > 1:
            named.setdefault(player, []).append(number)
    for player, numbers in named.items():
        labels = [infosets[(player, n)]["label"] for n in numbers]
        for number, name in zip(numbers, distinct_labels(labels, lambda k: f"#{k}", numbers)):
            names[(player, number)] = name
    return {f"\0{player}\0{number}": name for (player, number), name in names.items()}


def parse_efg(text: str, *, source: str = "<text>") -> GameTree:
    """Read a GameTree from the text of an ``.efg`` file; ``source`` names it in error messages.

    >>> from games.trees import backward_induction
    >>> tree = parse_efg('''EFG 2 R "Entry" { "Entrant" "Incumbent" } ""
    ... p "" 1 1 "" { "Out" "In" } 0
    ... t "" 1 "" { 0, 2 }
    ... p "" 2 1 "" { "Fight" "Accommodate" } 0
    ... t "" 2 "" { -1, -1 }
    ... t "" 3 "" { 1, 1 }
    ... ''')
    >>> tree.players, backward_induction(tree).path
    (('Entrant', 'Incumbent'), ('In', 'Accommodate'))
    """
    tokens = _Tokens(text, source)
    reader = _Reader(tokens)
    title, players = reader.header()
    try:
        root = reader.node(players, (Fraction(0),) * len(players))
    except RecursionError:
        raise FileFormatError(f"{source}: the tree is nested too deeply to read (more than a few "
                              f"hundred moves along one path)") from None
    if not tokens.at_end:
        raise tokens.error(f"unexpected {tokens.current.describe()} after the last node "
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
    """Read a Gambit ``.efg`` file into a GameTree (errors name the file and line), from its
    path or, as :func:`games.gambit.read_nfg` does, from the file's text (a str starting with
    ``EFG``).

    See the module documentation for what happens to repeated labels and to outcomes at
    non-terminal nodes.

    >>> read_efg('EFG 2 R "" { "A" "B" } t "" 1 "" { 1, 2 }').root.payoffs
    (1.0, 2.0)
    """
    if not isinstance(path, (str, PathLike)):
        raise FileFormatError(f"read_efg takes the path of an .efg file or the file's text (a "
                              f"str), got {type(path).__name__}")
    if is_file_text(path):
        return parse_efg(path, source="<efg text>")
    try:
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")  # -sig: a BOM
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise FileFormatError(f"cannot read {str(path)[:200]}: {reason}; give the path of an "
                              f".efg file, or the file's text starting with EFG") from None
    return parse_efg(text, source=str(path))


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
    :func:`parse_efg` reads the text back to a tree with the same play:

    >>> from games.trees import backward_induction, entry_deterrence
    >>> text = write_efg(entry_deterrence())
    >>> text.splitlines()[0]
    'EFG 2 R "Entry deterrence" { "Entrant" "Incumbent" }'
    >>> backward_induction(parse_efg(text)).payoffs
    (1.0, 1.0)
    """
    tree = tree.numeric("write_efg")
    players = {p: i + 1 for i, p in enumerate(tree.players)}
    lines = [f"EFG 2 R {quote(tree.title)} {{ {' '.join(quote(p) for p in tree.players)} }}", '""', ""]
    numbers: dict[tuple[str, str | None], int] = {}
    counters = {p: 0 for p in tree.players}
    chance_count = outcome_count = 0
    for history, node in tree.walk():
        if isinstance(node, Terminal):
            outcome_count += 1
            pay = ", ".join(_number(v) for v in node.payoffs)
            lines.append(f't "" {outcome_count} {quote(node.label)} {{ {pay} }}')
        elif isinstance(node, Chance):
            chance_count += 1
            acts = " ".join(f"{quote(a)} {_number(p)}" for a, p in zip(node.actions, node.probabilities))
            lines.append(f"c {quote(node.label)} {chance_count} \"\" {{ {acts} }} 0")
        else:
            key = (node.player, node.infoset if node.infoset is not None else "\0" + "\0".join(history))
            if key not in numbers:
                counters[node.player] += 1
                numbers[key] = counters[node.player]
            acts = " ".join(quote(a) for a in node.actions)
            lines.append(f"p {quote(node.label)} {players[node.player]} {numbers[key]} "
                         f"{quote(node.infoset or '')} {{ {acts} }} 0")
    text = "\n".join(lines) + "\n"
    if path is not None:
        write_text(path, text)  # whole or not at all
    return text
