"""A game tree numbered breadth-first, as numpy arrays, for the vectorised solvers.

Breadth-first numbering makes every depth level a contiguous block of node numbers and every
node's children a contiguous block of the next level; the solvers then treat a whole level
with one ``reduceat`` per operation (see ``backward_induction.solve_levels``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from games.errors import TreeError
from games.trees.nodes import Decision, History, Node, Terminal, describe

if TYPE_CHECKING:  # a tree is passed in; the tree builds this view of itself
    from games.trees.tree import GameTree


class FlatTree:
    """Node arrays in breadth-first order: kind, mover, parent, children block, payoffs, infoset.

    ``levels`` holds each depth's (start, end) numbers; node 0 is the root. Built once per
    numeric tree (``GameTree.flat``) and shared by every solver.
    """

    def __init__(self, tree: GameTree):
        players = {p: i for i, p in enumerate(tree.players)}
        nodes: list[Node] = [tree.root]
        parent, action_index, depth = [-1], [-1], [0]
        child_start: list[int] = []
        queue = 0
        # Nodes are appended as discovered; a plain index walk over the growing list is BFS.
        while queue < len(nodes):
            node = nodes[queue]
            child_start.append(len(nodes))
            if not isinstance(node, Terminal):
                for k, child in enumerate(node.children):
                    nodes.append(child)
                    parent.append(queue)
                    action_index.append(k)
                    depth.append(depth[queue] + 1)
            queue += 1
        n = len(nodes)
        self.nodes = nodes
        self.n = n
        self.parent = np.asarray(parent, dtype=np.int64)
        self.action_index = np.asarray(action_index, dtype=np.int64)
        self.depth = np.asarray(depth, dtype=np.int64)
        self.child_start = np.asarray(child_start, dtype=np.int64)
        self.child_count = np.array([0 if isinstance(x, Terminal) else len(x.children) for x in nodes],
                                    dtype=np.int64)
        self.kind = np.array([0 if isinstance(x, Terminal) else 1 if isinstance(x, Decision) else 2
                              for x in nodes], dtype=np.int8)
        self.player = np.array([players[x.player] if isinstance(x, Decision) else -1 for x in nodes],
                               dtype=np.int64)
        # A symbolic tree is numbered for its structure only; the batch solver fills values.
        self.payoff = np.zeros((n, len(players)))
        self.edge_probability = np.ones(n)
        if tree.is_numeric:
            ends = np.flatnonzero(self.kind == 0)
            self.payoff[ends] = [nodes[i].payoffs for i in ends]
            for i in np.flatnonzero(self.kind == 2):
                start = child_start[i]
                self.edge_probability[start:start + len(nodes[i].children)] = nodes[i].probabilities
        bounds = np.searchsorted(self.depth, np.arange(self.depth[-1] + 2))
        self.levels = [(int(bounds[d]), int(bounds[d + 1])) for d in range(len(bounds) - 1)]
        # Information sets: defaults are singletons named by history.
        self.infoset = np.full(n, -1, dtype=np.int64)
        self.infoset_names: list[tuple[str, str]] = []
        index: dict[tuple[str, str], int] = {}
        for i, x in enumerate(nodes):
            if isinstance(x, Decision):
                key = (x.player, x.infoset if x.infoset is not None else "\0" + str(i))
                if key not in index:
                    index[key] = len(self.infoset_names)
                    self.infoset_names.append(key)
                self.infoset[i] = index[key]
        self.infoset_player = np.array([players[p] for p, _ in self.infoset_names], dtype=np.int64)

    def index(self, history: History) -> int:
        """The number of the node reached by ``history`` (a TreeError if there is none)."""
        i = 0
        for k, action in enumerate(history):
            node = self.nodes[i]
            if isinstance(node, Terminal) or action not in node.actions:
                raise TreeError(f"no action {action!r} {describe(tuple(history[:k]))}")
            i = int(self.child_start[i]) + node.actions.index(action)
        return i

    def history(self, i: int) -> History:
        actions = []
        while self.parent[i] >= 0:
            p = int(self.parent[i])
            actions.append(self.nodes[p].actions[int(self.action_index[i])])
            i = p
        return tuple(reversed(actions))
