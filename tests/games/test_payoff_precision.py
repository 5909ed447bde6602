"""Integer payoffs beyond float precision are refused, never rounded into a different game.

[[10**18+1, 10**18], [10**18, 10**18+1]] is the coordination game [[1, 0], [0, 1]] shifted by
10**18: three equilibria (two pure, one mixed). float64 rounds it to a constant game (4 pure
equilibria). The shifted game, which floats hold exactly, is the independent reference.
"""

from __future__ import annotations

import numpy as np
import pytest

from games import NormalFormGame, equilibria
from games.errors import FileFormatError, InvalidGameError
from games.gambit.nfg import parse_nfg

BIG = 10**18
COORDINATION = [[BIG + 1, BIG], [BIG, BIG + 1]]


@pytest.mark.parametrize("table", [COORDINATION, np.array(COORDINATION, dtype=np.int64),
                                   [[BIG + 1, 0.5], [0, 1]]])
def test_rounded_integers_are_refused_naming_the_entry_and_an_offset(table):
    with pytest.raises(InvalidGameError, match=r"Player 1's payoff at \(0, 0\) is "
                                               r"1000000000000000001.*offset"):
        NormalFormGame.from_arrays(table, table)


def test_the_suggested_offset_gives_the_true_game():
    shifted = (np.array(COORDINATION, dtype=object) - BIG).tolist()
    found = equilibria(NormalFormGame.from_arrays(shifted, shifted))
    assert len(found.equilibria) == 3  # the textbook coordination game


def test_large_integers_that_floats_hold_exactly_are_accepted():
    table = [[2**60, 0], [0, 2**60]]
    assert len(equilibria(NormalFormGame.from_arrays(table, table)).equilibria) == 3


def test_an_nfg_file_with_a_rounded_integer_is_refused_at_its_column():
    text = f'NFG 1 R "" {{ "A" "B" }} {{ 1 2 }} 1 2 {BIG + 1} 4'
    with pytest.raises(FileFormatError, match="line 1, column .*beyond float precision"):
        parse_nfg(text)
