"""Conformance: every .nfg file of Gambit's public catalogue, read, round-tripped and solved.

The files are GPL test data: they are read from ../shared/conformance/gambit at test time
(set CHIPDEALS_CONFORMANCE to point elsewhere) and never copied into the project. Without the
folder these tests are skipped. Known answers come from the files' own titles, which quote the
papers (von Stengel's 75 equilibria, Winkels' 12 extreme equilibria, ...), and from two of our
methods agreeing with each other.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

from games.gambit.nfg import parse_nfg, read_nfg, write_nfg

CORPUS = Path(os.environ.get("CHIPDEALS_CONFORMANCE",
                             Path(__file__).resolve().parents[3] / "shared" / "conformance"))
GAMBIT = CORPUS / "gambit"
FILES = sorted(GAMBIT.rglob("*.nfg")) if GAMBIT.is_dir() else []
IDS = [str(f.relative_to(GAMBIT)) for f in FILES]
pytestmark = pytest.mark.skipif(not FILES, reason=f"no .nfg corpus at {GAMBIT}")

from games.normal_form.equilibria import equilibria, pure_equilibria

# Equilibrium counts stated by the files' titles (from the papers), two-player games.
# For degenerate games the count is of extreme equilibria.
STATED_COUNTS = {
    "catalog/journals/dcg/vonstengel1999/6x6_game_with_75_eq.nfg": 75,
    "catalog/journals/dcg/vonstengel1999/6x6_game_with_75_eq_small_payoffs.nfg": 75,
    "catalog/journals/ijgt/nau2004/sec3.nfg": 3,  # battle of the sexes
    "contrib/games/2x2.nfg": 1,
    "contrib/games/2x2a.nfg": 1,
    "contrib/games/2x2const.nfg": 1,
    "contrib/games/8x8.nfg": 5,
    "contrib/games/coord2.nfg": 3,
    "contrib/games/coord3.nfg": 7,
    "contrib/games/coord4.nfg": 15,
    "contrib/games/pd.nfg": 1,
    "contrib/games/winkels.nfg": 12,
    "contrib/games/zero.nfg": 4,  # every profile is an equilibrium: the 4 pure ones are extreme
}
# Pure-equilibrium counts stated by titles: "(3 pure)", "(two pure)", "no pure", irrational.
STATED_PURE = {
    "contrib/games/8x8.nfg": 3,
    "contrib/games/3x3x3.nfg": 2,
    "contrib/games/g1.nfg": 0,
    "contrib/games/g2.nfg": 0,
    "contrib/games/g3.nfg": 0,
    "catalog/journals/ijgt/nau2004/sec4.nfg": 0,
}
# Heavy for support enumeration (6x6 and 8x8): marked slow, still run by default.
HEAVY = {"catalog/journals/dcg/vonstengel1999/6x6_game_with_75_eq.nfg",
         "catalog/journals/dcg/vonstengel1999/6x6_game_with_75_eq_small_payoffs.nfg",
         "contrib/games/8x8.nfg"}


# Disagreements found by this suite and not yet fixed by the solver's owner go here (path ->
# reason); they are marked xfail (not strict) so an XPASS shows when the fix lands. Fixed so
# far: support enumeration took von Stengel's 6x6 game (payoffs near 1e6) for degenerate.
KNOWN_DISAGREEMENTS: dict[str, str] = {}


def two_player(files, known=None):
    params = []
    for f, i in files:
        if len(parse_nfg(f.read_text()).players) != 2:
            continue
        marks = [pytest.mark.slow] if i in HEAVY else []
        if known and i in known:
            marks.append(pytest.mark.xfail(reason=known[i], strict=False))
        params.append(pytest.param(f, id=i, marks=marks))
    return params


PAIRS = list(zip(FILES, IDS))
TWO_PLAYER = two_player(PAIRS)
N_PLAYER = [pytest.param(f, id=i) for f, i in PAIRS if len(parse_nfg(f.read_text()).players) > 2]


def test_corpus_is_complete():
    # The README promises 170 .nfg and .efg files; at least the 52 strategic-form ones.
    assert len(FILES) >= 50


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_file_reads(path):
    contents = parse_nfg(path.read_text(), str(path))
    game = read_nfg(path)
    assert game.shape == tuple(len(s) for s in contents.strategies)
    assert game.n_players == len(contents.players) >= 2
    assert game.title == contents.title
    assert all(p.shape == game.shape and np.all(np.isfinite(p)) for p in game.payoffs)
    # Names are kept unless empty or repeated (then made distinct).
    for ours, theirs in zip(game.strategies, contents.strategies):
        if len(set(theirs)) == len(theirs) and all(theirs):
            assert ours == theirs


@pytest.mark.parametrize("form", ["payoff", "outcome"])
@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_round_trip(path, form):
    game = read_nfg(path)
    again = read_nfg(write_nfg(game, form=form))
    assert (again.title, again.players, again.strategies) == (game.title, game.players, game.strategies)
    for ours, theirs in zip(again.payoffs, game.payoffs):
        np.testing.assert_array_equal(ours, theirs)


def brute_force_pure(game):
    """Pure profiles where no player gains by switching alone, by checking every deviation."""
    found = []
    for profile in itertools.product(*(range(m) for m in game.shape)):
        stable = True
        for player, payoff in enumerate(game.payoffs):
            here = payoff[profile]
            for other in range(game.shape[player]):
                deviation = list(profile)
                deviation[player] = other
                if payoff[tuple(deviation)] > here + 1e-12 * game.payoff_range:
                    stable = False
        if stable:
            found.append(profile)
    return found


def as_profile(equilibrium):
    return tuple(int(np.argmax(s)) for s in equilibrium.strategies)


@pytest.mark.parametrize("path", [p.values[0] for p in N_PLAYER + TWO_PLAYER],
                         ids=[p.id for p in N_PLAYER + TWO_PLAYER])
def test_pure_equilibria_match_brute_force(path):
    game = read_nfg(path)
    found = pure_equilibria(game)
    assert sorted(as_profile(e) for e in found) == sorted(brute_force_pure(game))
    assert all(e.regret <= 1e-9 * game.payoff_range for e in found)
    stated = STATED_PURE.get(str(path.relative_to(GAMBIT)))
    if stated is not None:
        assert len(found) == stated


def same_set(first, second, atol=1e-6):
    left = [np.concatenate(e.strategies) for e in first]
    right = [np.concatenate(e.strategies) for e in second]
    if len(left) != len(right):
        return False
    unmatched = list(range(len(right)))
    for x in left:
        hits = [k for k in unmatched if np.allclose(x, right[k], atol=atol)]
        if not hits:
            return False
        unmatched.remove(hits[0])
    return True


@pytest.mark.parametrize("path", two_player(PAIRS, KNOWN_DISAGREEMENTS))
def test_two_player_support_and_vertex_enumeration_agree(path):
    game = read_nfg(path)
    support = equilibria(game, method="support")
    vertex = equilibria(game, method="vertex")
    bound = 1e-9 * game.payoff_range
    for result in (support, vertex):
        assert len(result) >= 1  # every finite game has an equilibrium (Nash 1951)
        assert all(e.regret <= bound for e in result)
    assert support.degenerate == vertex.degenerate
    assert same_set(support, vertex), (len(support), len(vertex))
    stated = STATED_COUNTS.get(str(path.relative_to(GAMBIT)))
    if stated is not None:
        assert len(vertex) == stated


@pytest.mark.parametrize("path", TWO_PLAYER)
def test_two_player_extreme_equilibria_verified_and_counted(path):
    """Vertex enumeration alone: every equilibrium checked, counts as the papers state."""
    game = read_nfg(path)
    found = equilibria(game, method="vertex")
    assert all(e.regret <= 1e-9 * game.payoff_range for e in found)
    stated = STATED_COUNTS.get(str(path.relative_to(GAMBIT)))
    if stated is not None:
        assert len(found) == stated
    if not found.degenerate:
        # Lemke-Howson follows a different path (complementary pivoting) to one equilibrium:
        # in a nondegenerate game it must be one of the enumerated ones.
        one = equilibria(game, method="lemke-howson")
        assert len(one) == 1 and any(same_set(one, [e]) for e in found)
