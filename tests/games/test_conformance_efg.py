"""Conformance: every .efg file of Gambit's public catalogue read, round-tripped and solved.

The files are GPL test data: they are read from ../shared/conformance/gambit at test time
(set CHIPDEALS_CONFORMANCE to point elsewhere) and never copied into the project. Without the
folder these tests are skipped. Perfect-information trees are solved by backward induction and
the answer is cross-checked against the pure equilibria the normal-form solvers find in the
tree's reduced normal form; the rest are solved subgame by subgame.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from games.errors import GameTooLargeError, TreeError
from games.trees import (
    Decision,
    backward_induction,
    non_credible_equilibria,
    parse_efg,
    read_efg,
    reduced_normal_form,
    reduced_profile,
    solve_by_subgames,
    subgame_perfect_equilibria,
    write_efg,
)

CORPUS = Path(os.environ.get("CHIPDEALS_CONFORMANCE",
                             Path(__file__).resolve().parents[3] / "shared" / "conformance"))
GAMBIT = CORPUS / "gambit"
FILES = sorted(GAMBIT.rglob("*.efg")) if GAMBIT.is_dir() else []
IDS = [str(f.relative_to(GAMBIT)) for f in FILES]
pytestmark = pytest.mark.skipif(not FILES, reason=f"no .efg corpus at {GAMBIT}")

from games.normal_form.equilibria import pure_equilibria

TREES = {name: read_efg(path) for name, path in zip(IDS, FILES)} if FILES else {}
PERFECT = [name for name, tree in TREES.items() if tree.is_perfect_information]
IMPERFECT = [name for name, tree in TREES.items() if not tree.is_perfect_information]

# Answers known from theory, not from our program.
KNOWN_PATHS = {
    # Centipedes (Rosenthal 1981; constant-sum: Fey, McKelvey & Palfrey 1996): the first
    # mover takes at once.
    "contrib/games/cent4.efg": ("TAKE",),
    "contrib/games/cent6.efg": ("TAKE",),
    "contrib/games/centcs6.efg": ("TAKE",),
    "contrib/games/centcs10.efg": ("TAKE",),
}
KNOWN_PAYOFFS = {
    # Take 1 or 2 from one pile, taking the last stone wins: the mover wins unless the
    # pile is a multiple of 3. Five stones, Player 1 first; seven stones, Player 2 first.
    "contrib/games/e10.efg": (1.0, -1.0),
    "contrib/games/nim7.efg": (-1.0, 1.0),
}
# Three-player trees with no pure equilibrium at the root: mixed equilibria of n > 2 players
# are not computed, so decomposition refuses them and says why.
REFUSED_BY_DECOMPOSITION = {"contrib/games/g1.efg", "contrib/games/g2.efg", "contrib/games/g3.efg"}
MAX_CELLS = 20_000


def test_the_corpus_is_there_and_every_file_reads():
    assert len(TREES) == len(FILES) >= 100


@pytest.mark.parametrize("name", IDS)
def test_round_trip(name):
    tree = TREES[name]
    assert parse_efg(write_efg(tree), source=name) == tree


@pytest.mark.parametrize("name", IDS)
def test_reader_keeps_the_files_information_sets(name):
    # Count (player, infoset number) pairs straight from the text: the reader must neither
    # merge infosets whose labels repeat nor split any.
    text = (GAMBIT / name).read_text(errors="replace")
    pairs = set(re.findall(r'^\s*p\s+"(?:[^"\\]|\\.)*"\s+(\d+)\s+(\d+)', text, flags=re.M))
    tree = TREES[name]
    unnamed = sum(1 for _, n in tree.walk() if isinstance(n, Decision) and n.infoset is None)
    assert len(tree.infosets) + unnamed == len(pairs)


@pytest.mark.parametrize("name", PERFECT)
def test_perfect_information_trees_by_backward_induction(name):
    tree = TREES[name]
    spe = backward_induction(tree)
    assert spe.regret <= spe.tolerance
    try:
        every = subgame_perfect_equilibria(tree, limit=5000)
    except GameTooLargeError:
        every = None
    if every is not None:
        assert any(e.strategies == spe.strategies for e in every)
    try:
        game = reduced_normal_form(tree, max_cells=MAX_CELLS)
    except GameTooLargeError:
        pytest.skip(f"{name}: normal form beyond {MAX_CELLS} cells; backward induction only")
    profile = reduced_profile(tree, spe)
    cell = tuple(game.strategies[p].index(s) for p, s in enumerate(profile))
    assert tuple(float(t[cell]) for t in game.payoffs) == pytest.approx(spe.payoffs)
    found = pure_equilibria(game)
    assert any(all(e.strategies[p][k] == 1 for p, k in enumerate(cell)) for e in found)
    if every is not None:
        split = non_credible_equilibria(tree, limit=5000)
        assert len(split) + len(split.credible) == len(found) == split.nash_count


@pytest.mark.parametrize("name", sorted(KNOWN_PATHS))
def test_known_paths(name):
    assert backward_induction(TREES[name]).path == KNOWN_PATHS[name]


@pytest.mark.parametrize("name", sorted(KNOWN_PAYOFFS))
def test_known_payoffs(name):
    assert backward_induction(TREES[name]).payoffs == pytest.approx(KNOWN_PAYOFFS[name])


@pytest.mark.parametrize("name", IMPERFECT)
def test_imperfect_information_trees_by_subgame_decomposition(name):
    tree = TREES[name]
    if name in REFUSED_BY_DECOMPOSITION:
        with pytest.raises(TreeError, match="two players only"):
            solve_by_subgames(tree)
        return
    solution = solve_by_subgames(tree)
    scale = max(1.0, max(abs(v) for _, n in tree.walk() if hasattr(n, "payoffs") for v in n.payoffs))
    assert all(step.regret <= 1e-7 * scale for step in solution.steps)
    assert solution.steps[0].root == ()
    # The root's payoffs are a convex combination of the tree's ends.
    ends = np.array([n.payoffs for _, n in tree.walk() if hasattr(n, "payoffs")])
    assert np.all(ends.min(axis=0) - 1e-9 <= solution.payoffs)
    assert np.all(solution.payoffs <= ends.max(axis=0) + 1e-9)
