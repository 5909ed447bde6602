"""Backward induction at many parameter points at once: one numpy pass per depth level.

For a Monte Carlo or grid sweep over a symbolic tree, each payoff and probability expression
is evaluated once on the whole sample, and every draw is solved together: values are arrays
of shape (nodes, players, draws). Ties go to the first listed best action, as in
:func:`backward_induction`.

>>> from games.trees import risky_investment
>>> batch = backward_induction_batch(risky_investment(), p=[0.3, 0.4, 0.7])
>>> batch.payoffs[:, 0].round(6).tolist()
[3.0, 3.0, 5.0]
>>> batch.share((), "Invest")
0.3333333333333333
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, TYPE_CHECKING

import numpy as np

from games.errors import ParameterError, TreeError
from games.expressions import Expression
from games.results import TabularResult
from games.trees.backward_induction import (chance_values, level_blocks, mover_tolerances,
                                             player_tolerances, require_perfect_information)
from games.trees.flat import FlatTree
from games.trees.tree import GameTree, History, check_parameter_values, describe

if TYPE_CHECKING:
    import pandas as pd

PROBABILITY_TOLERANCE = 1e-9


def _sample(tree: GameTree, values: dict[str, Any]) -> tuple[dict[str, np.ndarray], int]:
    check_parameter_values(tree, values, "backward_induction_batch")
    merged: dict[str, Any] = {k: v for k, v in (tree.parameters or {}).items() if not np.isnan(v)}
    merged.update(values)
    missing = [n for n in tree.parameter_names if n not in merged]
    if missing:
        raise ParameterError(f"backward_induction_batch needs values for {', '.join(missing)}; "
                             f"pass arrays as keywords, e.g. {missing[0]}=[...]")
    arrays = {}
    for n in tree.parameter_names:
        try:
            arrays[n] = np.atleast_1d(np.asarray(merged[n], dtype=float)).ravel()
        except (TypeError, ValueError):
            raise ParameterError(f"backward_induction_batch: {n} must be numbers (one or an array "
                                 f"of them), got {merged[n]!r}") from None
    lengths = {len(a) for a in arrays.values() if len(a) != 1}
    if len(lengths) > 1:
        raise ParameterError(f"parameter arrays have different lengths {sorted(lengths)}; give "
                             f"arrays of one common length (or single numbers)")
    draws = lengths.pop() if lengths else 1
    if draws == 0:
        raise ParameterError("backward_induction_batch got empty parameter arrays; give at least "
                             "one draw")
    return {n: np.broadcast_to(a, (draws,)) for n, a in arrays.items()}, draws


def _evaluate(value: Any, sample: dict[str, np.ndarray], draws: int) -> np.ndarray:
    if isinstance(value, Expression) and value.is_name:
        # A bare name (a compiled tree passes precomputed arrays this way): no compiling.
        return sample[value.names[0]]
    if isinstance(value, Expression):
        return np.broadcast_to(np.asarray(value(**sample), dtype=float), (draws,))
    return np.full(draws, float(value))


def _values(tree: GameTree, flat: FlatTree, sample: dict[str, np.ndarray],
            draws: int) -> tuple[np.ndarray, np.ndarray]:
    payoff = np.zeros((flat.n, len(tree.players), draws))
    probability = np.ones((flat.n, draws))
    for i in np.flatnonzero(flat.kind == 0):
        for p, v in enumerate(flat.nodes[i].payoffs):
            payoff[i, p] = _evaluate(v, sample, draws)
    if not np.all(np.isfinite(payoff)):
        i, _, d = np.argwhere(~np.isfinite(payoff))[0]
        raise ParameterError(f"payoffs {describe(flat.history(int(i)))} are not finite at draw {d}")
    for i in np.flatnonzero(flat.kind == 2):
        node, start = flat.nodes[i], int(flat.child_start[i])
        block = np.array([_evaluate(q, sample, draws) for q in node.probabilities])
        bad = np.flatnonzero((block.min(axis=0) < -PROBABILITY_TOLERANCE)
                             | ~(np.abs(block.sum(axis=0) - 1) <= 1e-6))  # NaN is bad too
        if len(bad):
            d = int(bad[0])
            raise TreeError(f"chance probabilities {describe(flat.history(int(i)))} are "
                            f"{dict(zip(node.actions, block[:, d].round(6).tolist()))} at draw {d} "
                            f"({len(bad)} draws in all); they must be >= 0 and sum to 1")
        probability[start:start + len(node.children)] = block
    return payoff, probability


@dataclass(frozen=True, eq=False)
class BatchBackwardInduction(TabularResult):
    """From :func:`backward_induction_batch`: subgame-perfect payoffs and play per draw.

    ``payoffs`` is (draws x players); ``share(history, action)`` is the share of draws that
    take ``action`` at ``history``. ``regret`` is the largest one-shot deviation gain over the
    draws; each mover's is within its own tolerance in that draw, ``tol`` x its largest
    absolute payoff in the draw, as :func:`backward_induction` would judge the draw alone;
    ``tolerance`` is the largest. Investing (8 with probability p, else -2) beats keeping 3
    exactly when p > 1/2:

    >>> from games.trees import backward_induction_batch, risky_investment
    >>> batch = backward_induction_batch(risky_investment(), p=[0.3, 0.7])
    >>> batch.share((), "Invest"), batch.payoffs[:, 0].round(9).tolist()
    (0.5, [3.0, 5.0])
    """

    players: tuple[str, ...]
    payoffs: np.ndarray
    regret: float
    tolerance: float
    ties: np.ndarray
    kept: dict[History, np.ndarray] = field(repr=False)
    _flat: FlatTree = field(repr=False)
    _choice: np.ndarray = field(repr=False)
    _end: np.ndarray = field(repr=False)
    method: str = "backward induction, vectorised over the parameter draws"
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def draws(self) -> int:
        return self.payoffs.shape[0]

    @cached_property
    def _index(self) -> dict[History, int]:
        flat = self._flat
        return {flat.history(int(i)): int(i) for i in np.flatnonzero(flat.kind == 1)}

    def payoffs_at(self, history: Sequence[str]) -> np.ndarray:
        """Subgame-perfect payoffs (draws x players) of the subgame at a node named in ``keep``."""
        history = tuple(history)
        if history not in self.kept:
            raise TreeError(f"payoffs {describe(history)} were not kept; pass "
                            f"keep=[{list(history)!r}] to backward_induction_batch")
        return self.kept[history]

    def choices(self, history: Sequence[str]) -> np.ndarray:
        """The action index chosen at the decision node ``history``, one per draw."""
        history = tuple(history)
        if history not in self._index:
            raise TreeError(f"no decision node {describe(history)}")
        return self._choice[self._index[history]]

    def share(self, history: Sequence[str], action: str) -> float:
        """Fraction of draws in which the mover at ``history`` plays ``action`` (off path included)."""
        node = self._flat.nodes[self._index.get(tuple(history), 0)]
        chosen = self.choices(history)
        if action not in node.actions:
            raise TreeError(f"no action {action!r} {describe(tuple(history))}; "
                            f"actions there: {', '.join(node.actions)}")
        return float(np.mean(chosen == node.actions.index(action)))

    def paths(self) -> dict[tuple[str, ...], float]:
        """Each equilibrium path (likeliest branch at chance nodes) and the share of draws that take it."""
        ends, counts = np.unique(self._end, return_counts=True)
        return {self._flat.history(int(e)): c / self.draws for e, c in zip(ends, counts)}

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        rows = []
        for e in np.unique(self._end):
            mask = self._end == e
            row: dict[str, Any] = {"path": " > ".join(self._flat.history(int(e))),
                                   "share": float(mask.mean())}
            row.update({f"mean payoff {p}": float(self.payoffs[mask, k].mean())
                        for k, p in enumerate(self.players)})
            rows.append(row)
        return pd.DataFrame(rows).sort_values("share", ascending=False, ignore_index=True)

    def caption(self) -> str:
        return (f"backward induction at {self.draws} parameter points; one-shot regret "
                f"<= {self.regret:.3g} (each mover within its own tolerance, at most "
                f"{self.tolerance:.3g}); {int(self.ties.sum())} "
                f"draws with a tie, broken towards the first listed action")


def backward_induction_batch(tree: GameTree, *, tol: float = 1e-9,
                             keep: Sequence[Sequence[str]] = (),
                             **values: Any) -> BatchBackwardInduction:
    """Solve a perfect-information tree at many parameter points given as arrays of one length.

    Parameters not given take the tree's default values. Every draw's answer is checked: the
    largest one-shot deviation gain over all draws and nodes is reported as ``regret``.
    ``keep`` lists nodes (histories) whose subgame payoffs to keep, read with ``payoffs_at``;
    expected values over chance nodes below them included.

    >>> from games.trees import risky_investment
    >>> b = backward_induction_batch(risky_investment(), p=[0.3, 0.7], keep=[("Invest",)])
    >>> b.payoffs_at(("Invest",))[:, 0].round(6).tolist()
    [1.0, 5.0]
    """
    keep = [tuple(h) for h in keep]
    require_perfect_information(tree, "backward_induction_batch")
    sample, draws = _sample(tree, values)
    flat = FlatTree(tree)
    payoff, probability = _values(tree, flat, sample, draws)
    # Each player's tolerance in each draw is relative to that player's largest |payoff| in
    # that draw, as the single solver's is, so a draw's answer does not depend on the other
    # draws solved with it.
    atol = player_tolerances(payoff, tol)                                    # (players, draws)
    value = payoff.copy()
    choice = np.full((flat.n, draws), -1, dtype=np.int64)
    tie = np.zeros(draws, dtype=bool)
    regret = 0.0
    columns = np.arange(draws)
    for inner, counts, offsets, children in level_blocks(flat):
        mover = np.maximum(np.repeat(flat.player[inner], counts), 0)
        criterion = value[children, mover]                                   # (children, draws)
        best = np.maximum.reduceat(criterion, offsets, axis=0)               # (nodes, draws)
        is_best = criterion >= np.repeat(best, counts, axis=0) - mover_tolerances(
            flat, atol, inner, counts)
        position = np.where(is_best, np.arange(len(children))[:, None], len(children))
        first_best = np.minimum.reduceat(position, offsets, axis=0)
        n_best = np.add.reduceat(is_best.astype(np.int64), offsets, axis=0)
        decided = flat.kind[inner] == 1
        chosen = children[0] + first_best[decided]                           # (decided, draws)
        value[inner[decided]] = value[chosen, :, columns].transpose(0, 2, 1)
        choice[inner[decided]] = first_best[decided] - offsets[decided][:, None]
        weighted = value[children] * probability[children][:, None, :]
        value[inner[~decided]] = chance_values(flat, weighted, inner, offsets, ~decided)
        tie |= np.any(n_best[decided] > 1, axis=0)
        # Check: no mover gains by switching at its own node (the one-shot deviation test).
        own = value[inner[decided], flat.player[inner[decided]]]
        gain = best[decided] - own                                           # (decided, draws)
        if np.any(gain > atol[flat.player[inner[decided]]]):  # pragma: no cover - a bug
            raise AssertionError(f"batch backward induction left a one-shot regret of "
                                 f"{gain.max()}")
        regret = max(regret, float(gain.max(initial=0.0)))
    # Follow play from the root in every draw at once (likeliest branch at chance nodes).
    node = np.zeros(draws, dtype=np.int64)
    for _ in flat.levels:
        kind = flat.kind[node]
        if np.all(kind == 0):
            break
        step = np.where(kind == 1, choice[node, columns], 0)
        for i in np.unique(node[kind == 2]):
            start, count = int(flat.child_start[i]), int(flat.child_count[i])
            mask = node == i
            step[mask] = np.argmax(probability[start:start + count, mask], axis=0)
        node = np.where(kind == 0, node, flat.child_start[node] + step)
    kept = {h: value[flat.index(h)].T.copy() for h in keep}
    return BatchBackwardInduction(tree.players, value[0].T.copy(), regret,
                                  float(atol.max(initial=0.0)), tie, kept, flat,
                                  choice, node)
