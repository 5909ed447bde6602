"""Game trees: players, decision and chance nodes, terminal payoffs, information sets.

Build a tree from three node constructors, nested the way the game is drawn:

>>> from games.trees import GameTree, decision, terminal
>>> entry = GameTree(["Entrant", "Incumbent"], decision("Entrant", {
...     "Out": terminal(0, 2),
...     "In": decision("Incumbent", {"Fight": terminal(-1, -1), "Accommodate": terminal(1, 1)}),
... }))
>>> entry.node_count, entry.is_perfect_information
(5, True)

Payoffs and chance probabilities are numbers or expression texts of named parameters
(parsed by the safe parser); :meth:`GameTree.bind` turns them into numbers. A node is
identified by its *history*: the tuple of action labels from the root (``()`` is the root).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from functools import cached_property
from numbers import Real
from typing import Any


from games.errors import ExpressionError, ParameterError, TreeError
from games.expressions import Expression, parse_expression
from games.parameters import read_parameters

from games.trees.flat import FlatTree
from games.trees.nodes import (PROBABILITY_TOLERANCE, Chance, Decision, History, Node,  # noqa: F401
                               Terminal, Value, chance, decision, describe, terminal)

def require_tree(tree: Any, what: str) -> "GameTree":
    """Refuse anything but a :class:`GameTree`, saying how to build one.

    >>> require_tree(None, "backward_induction")
    Traceback (most recent call last):
    ...
    games.errors.TreeError: backward_induction takes a GameTree, got NoneType; build one with GameTree(players, root) from decision(...), chance(...) and terminal(...)
    """
    if not isinstance(tree, GameTree):
        raise TreeError(f"{what} takes a GameTree, got {type(tree).__name__}; build one with "
                        "GameTree(players, root) from decision(...), chance(...) and terminal(...)")
    return tree


class _Where:
    """Where a node or value is, formatted only when an error message needs it."""

    __slots__ = ("history", "parts")

    def __init__(self, history: History, *parts: str):
        self.history = history
        self.parts = parts

    def __str__(self) -> str:
        return " ".join((*self.parts, describe(self.history)))


class GameTree:
    """A finite game in extensive form: players and a root node built with decision/chance/terminal.

    ``parameters`` (a ParameterSet or a mapping name -> value) names the quantities that
    expressions may use and gives their default values for :meth:`bind`.

    >>> tree = GameTree(["Row", "Col"], decision("Row", {
    ...     "L": terminal("a", 0), "R": terminal(1, 1)}), parameters={"a": 2})
    >>> tree.is_numeric, tree.bind(a=3).root.children[0].payoffs
    (False, (3.0, 0.0))
    """

    def __init__(self, players: Sequence[str], root: Node, *, title: str = "",
                 parameters: Any = None):
        if isinstance(players, str):
            raise TreeError(f"players must be a list of names, got the single string {players!r}; "
                            f"write [{players!r}] for one player")
        players = tuple(str(p) for p in players)
        if len(players) < 1 or len(set(players)) != len(players):
            raise TreeError(f"players must be one or more distinct names, got {players}")
        self.players = players
        self.title = str(title)
        self.parameters = _parameter_defaults(parameters)
        names = None if self.parameters is None else frozenset(self.parameters)
        self._infosets: dict[tuple[str, str], tuple[tuple[str, ...], list[History]]] = {}
        self.node_count = 0
        try:
            self.root = self._normalise(root, (), names)
        except RecursionError:
            raise TreeError("the tree is nested too deeply (more than a few hundred moves along "
                            "one path) to be checked") from None

    # ----------------------------------------------------------------- validation
    def _normalise(self, node: Any, history: History, names: frozenset[str] | None) -> Node:
        self.node_count += 1
        where = _Where(history)
        if isinstance(node, Terminal):
            return Terminal(self._payoffs(node.payoffs, where, names), node.label)
        if isinstance(node, Decision):
            if node.player not in self.players:
                raise TreeError(f"decision node {where} belongs to {node.player!r}, who is not a "
                                f"player of this tree ({', '.join(self.players)}); add the player "
                                f"or fix the name")
            self._check_actions(node, where)
            if node.infoset is not None:
                key = (node.player, node.infoset)
                seen = self._infosets.setdefault(key, (node.actions, []))
                if seen[0] != node.actions:
                    raise TreeError(
                        f"information set {node.infoset!r} of {node.player} has actions "
                        f"{list(seen[0])} at {describe(seen[1][0])} but {list(node.actions)} "
                        f"{where}; nodes a player cannot tell apart must offer the same actions")
                seen[1].append(history)
            children = tuple(self._normalise(c, history + (a,), names)
                             for a, c in zip(node.actions, node.children))
            return Decision(node.player, node.actions, children, node.infoset, node.label)
        if isinstance(node, Chance):
            self._check_actions(node, where)
            probs = tuple(_value(p, _Where(history, "chance probability of", repr(a)), names)
                          for a, p in zip(node.actions, node.probabilities))
            probs = _check_probabilities(probs, node.actions, where)
            children = tuple(self._normalise(c, history + (a,), names)
                             for a, c in zip(node.actions, node.children))
            return Chance(node.actions, probs, children, node.label)
        raise TreeError(f"the node {where} is a {type(node).__name__}; build nodes with "
                        f"decision(), chance() and terminal()")

    def _check_actions(self, node: Decision | Chance, where: _Where) -> None:
        mover = node.player if isinstance(node, Decision) else "chance"
        if not node.actions:
            raise TreeError(f"{mover}'s node {where} has no actions; give at least one action, "
                            f"or make it a terminal node")
        if len(node.actions) != len(node.children):
            raise TreeError(f"{mover}'s node {where} has {len(node.actions)} actions but "
                            f"{len(node.children)} children")
        if len(set(node.actions)) != len(node.actions):
            raise TreeError(f"{mover}'s node {where} repeats an action label: {list(node.actions)}")

    def _payoffs(self, payoffs: Any, where: _Where, names: frozenset[str] | None) -> tuple[Value, ...]:
        if isinstance(payoffs, Mapping):
            unknown = sorted(set(payoffs) - set(self.players))
            missing = [p for p in self.players if p not in payoffs]
            if unknown or missing:
                raise TreeError(f"terminal payoffs {where} name {sorted(payoffs)}; "
                                f"expected exactly the players {list(self.players)}"
                                + (f" (unknown: {unknown})" if unknown else "")
                                + (f" (missing: {missing})" if missing else ""))
            payoffs = [payoffs[p] for p in self.players]
        if len(payoffs) != len(self.players):
            raise TreeError(f"terminal {where} has {len(payoffs)} payoffs but the tree has "
                            f"{len(self.players)} players ({', '.join(self.players)}); give one "
                            f"payoff per player, in that order")
        if all(type(v) is float or type(v) is int for v in payoffs):  # fast path: plain numbers
            numbers = tuple(map(float, payoffs))
            if math.isfinite(sum(numbers)):
                return numbers
        return tuple(_value(v, _Where(where.history, "payoff of", p), names)
                     for p, v in zip(self.players, payoffs))

    # ----------------------------------------------------------------- structure
    def walk(self) -> Iterator[tuple[History, Node]]:
        """Every node with its history, in depth-first (pre-)order."""
        stack: list[tuple[History, Node]] = [((), self.root)]
        while stack:
            history, node = stack.pop()
            yield history, node
            if not isinstance(node, Terminal):
                stack.extend((history + (a,), c)
                             for a, c in reversed(list(zip(node.actions, node.children))))

    def node(self, history: Sequence[str]) -> Node:
        """The node reached by a sequence of action labels from the root."""
        node: Node = self.root
        for k, action in enumerate(history):
            if isinstance(node, Terminal) or action not in node.actions:
                raise TreeError(f"no action {action!r} {describe(tuple(history[:k]))}")
            node = node.children[node.actions.index(action)]
        return node

    @property
    def is_perfect_information(self) -> bool:
        """True when no information set holds more than one node."""
        return all(len(h) == 1 for _, h in self._infosets.values())

    @property
    def infosets(self) -> dict[tuple[str, str], tuple[History, ...]]:
        """Named information sets: (player, name) -> histories of its nodes."""
        return {k: tuple(h) for k, (_, h) in self._infosets.items()}

    # ----------------------------------------------------------------- parameters
    @cached_property
    def parameter_names(self) -> tuple[str, ...]:
        """Names used by payoff and probability expressions, sorted."""
        used: set[str] = set()
        for _, node in self.walk():
            values = node.payoffs if isinstance(node, Terminal) else (
                node.probabilities if isinstance(node, Chance) else ())
            used.update(n for v in values if isinstance(v, Expression) for n in v.names)
        return tuple(sorted(used))

    @property
    def is_numeric(self) -> bool:
        """True when every payoff and probability is a number."""
        return not self.parameter_names

    def bind(self, **values: float) -> GameTree:
        """The numeric tree at these parameter values (defaults from ``parameters`` fill the rest).

        Unknown names and values that are not numbers raise ParameterError (a misspelt name
        would otherwise leave its parameter at the default without a word).
        """
        check_parameter_values(self, values, "bind")
        # Names declared without a value default to NaN: those still need one here.
        merged = {k: v for k, v in (self.parameters or {}).items() if not math.isnan(v)}
        merged.update(values)
        missing = [n for n in self.parameter_names if n not in merged]
        if missing:
            raise ParameterError(f"bind needs values for {', '.join(missing)}; pass them as "
                                 f"keywords, e.g. tree.bind({missing[0]}=...)")
        root = _bind_node(self.root, merged, ())
        return GameTree(self.players, root, title=self.title,
                        parameters=None if self.parameters is None else merged)

    def numeric(self, what: str) -> GameTree:
        """This tree if numeric, else bound at the default parameter values, else an error."""
        if self.is_numeric:
            return self
        if self.parameters is not None:
            return self.bind()
        raise TreeError(f"{what} needs numbers, but the tree uses parameters "
                        f"{', '.join(self.parameter_names)}; call tree.bind(...) first")

    @cached_property
    def flat(self) -> FlatTree:
        """The solvers' array view of the numeric tree (bound at default values), built once.

        >>> from games.trees import textbook
        >>> textbook.entry_deterrence().flat.n  # nodes, root first
        5
        """
        return FlatTree(self.numeric("solving"))

    def __eq__(self, other: object) -> bool:
        # Node by node along walk(): comparing the nested roots recurses once per level and
        # overflows the stack on trees a few hundred moves deep.
        if not (isinstance(other, GameTree) and self.players == other.players
                and self.node_count == other.node_count):
            return False
        return all(h == g and _shallow(a) == _shallow(b)
                   for (h, a), (g, b) in zip(self.walk(), other.walk()))

    def __repr__(self) -> str:
        title = f" {self.title!r}" if self.title else ""
        return f"<GameTree{title}: {', '.join(self.players)}; {self.node_count} nodes>"


def _shallow(node: Node) -> tuple:
    """A node without its children: what two trees walked in step must agree on."""
    if isinstance(node, Terminal):
        return (Terminal, node.payoffs, node.label)
    if isinstance(node, Decision):
        return (Decision, node.player, node.actions, node.infoset, node.label)
    return (Chance, node.actions, node.probabilities, node.label)


def check_parameter_values(tree: GameTree, values: Mapping[str, Any], what: str) -> None:
    """Refuse names the tree neither declares nor uses; for ``bind``, also values that are not numbers."""
    known = set(tree.parameter_names) | set(tree.parameters or {})
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParameterError(f"{what}: unknown parameter(s) {', '.join(unknown)}; this tree's "
                             f"parameters are {', '.join(sorted(known)) or 'none'}")
    if what == "bind":
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, Real):
                raise ParameterError(f"bind: {name} must be a number, got {value!r}")


def _parameter_defaults(parameters: Any) -> dict[str, float] | None:
    """Every allowed name with its default value (NaN when it has none), or None for any name."""
    names, defaults = read_parameters(parameters)
    return None if names is None else {n: defaults.get(n, math.nan) for n in names}


def _value(value: Any, where: Any, names: frozenset[str] | None) -> Value:
    if type(value) is float or type(value) is int:  # the common case, checked cheaply
        if math.isfinite(value):
            return float(value)
        raise TreeError(f"{where} is not a finite number: {value!r}")
    if isinstance(value, bool):
        raise TreeError(f"{where} is a boolean ({value}); give a number or an expression")
    if isinstance(value, (Real, Fraction)):
        number = float(value)
        if not math.isfinite(number):
            raise TreeError(f"{where} is not a finite number: {value!r}")
        return number
    if isinstance(value, (str, Expression)):
        expression = parse_expression(value, names, where=str(where))
        if expression.is_constant:
            return float(expression())
        return expression
    raise TreeError(f"{where} must be a number or an expression text, got {type(value).__name__}")


def _check_probabilities(probs: tuple[Value, ...], actions: tuple[str, ...],
                         where: Any) -> tuple[Value, ...]:
    if any(isinstance(p, Expression) for p in probs):
        return probs  # checked when bound
    negative = [a for a, p in zip(actions, probs) if p < 0]
    if negative:
        raise TreeError(f"chance node {where} gives negative probability to {negative}")
    total = sum(probs)
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise TreeError(f"chance probabilities {where} sum to {total:.6g}, not 1 "
                        f"({dict(zip(actions, probs))}); fix them so that they add up to 1")
    # Rescale only visible rounding (.333333 three times), so that exact floats survive a
    # write/read round trip unchanged.
    return probs if abs(total - 1.0) <= 1e-12 else tuple(p / total for p in probs)


def _bind_node(node: Node, values: Mapping[str, float], history: History) -> Node:
    def number(v: Value) -> float:
        if not isinstance(v, Expression):
            return v
        try:
            return float(v(**values))
        except ExpressionError as exc:
            raise ParameterError(f"{describe(history)}: {exc}") from None

    if isinstance(node, Terminal):
        return Terminal(tuple(number(v) for v in node.payoffs), node.label)
    children = tuple(_bind_node(c, values, history + (a,))
                     for a, c in zip(node.actions, node.children))
    if isinstance(node, Decision):
        return Decision(node.player, node.actions, children, node.infoset, node.label)
    return Chance(node.actions, tuple(number(p) for p in node.probabilities), children, node.label)
