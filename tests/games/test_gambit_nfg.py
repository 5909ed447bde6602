"""Gambit .nfg reading and writing: the manual's examples, number forms, labels, errors, round trips."""

from __future__ import annotations

import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from games.errors import FileFormatError
from games.gambit.nfg import parse_nfg, read_nfg, write_nfg
from games.normal_form import NormalFormGame

# The two sample files of the Gambit manual ("The strategic game (.nfg) file format", payoff
# and outcome versions) describe the same 3x2 game (Selten, IJGT 1975, Figure 2).
SELTEN_PAYOFF = """NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"
{ "Player 1" "Player 2" } { 3 2 }

1 1 0 2 0 2 1 1 0 3 2 0
"""
SELTEN_OUTCOME = """NFG 1 R "Selten (IJGT, 75), Figure 2, normal form" { "Player 1" "Player 2" }

{
{ "1" "2" "3" }
{ "1" "2" }
}

{
{ "" 1, 1 }
{ "" 0, 2 }
{ "" 0, 2 }
{ "" 1, 1 }
{ "" 0, 3 }
{ "" 2, 0 }
}
1 2 3 4 5 6
"""
# Contingencies are listed with player 1's strategy changing fastest: (1,1) (2,1) (3,1) (1,2)...
SELTEN_A = [[1, 1], [0, 0], [0, 2]]
SELTEN_B = [[1, 1], [2, 3], [2, 0]]


@pytest.mark.parametrize("text", [SELTEN_PAYOFF, SELTEN_OUTCOME], ids=["payoff", "outcome"])
def test_manual_sample_files_give_selten_game(text):
    game = read_nfg(text)
    assert game.title == "Selten (IJGT, 75), Figure 2, normal form"
    assert game.players == ("Player 1", "Player 2")
    assert game.strategies == (("1", "2", "3"), ("1", "2"))
    np.testing.assert_array_equal(game.payoffs[0], SELTEN_A)
    np.testing.assert_array_equal(game.payoffs[1], SELTEN_B)


def test_three_players_first_player_fastest():
    # 2x2x2, payoff of player 1 in contingency k is k: order is (1,1,1) (2,1,1) (1,2,1) ...
    values = " ".join(f"{k} 0 0" for k in range(1, 9))
    game = read_nfg(f'NFG 1 R "" {{ "a" "b" "c" }} {{ 2 2 2 }} {values}')
    A = game.payoffs[0]
    assert A[0, 0, 0] == 1 and A[1, 0, 0] == 2 and A[0, 1, 0] == 3 and A[0, 0, 1] == 5
    assert A[1, 1, 1] == 8


@pytest.mark.parametrize(
    "token, value",
    [("3", 3.0), ("-4", -4.0), ("+2", 2.0), ("3/2", 1.5), ("-7/4", -1.75), ("2.5", 2.5),
     (".80", 0.8), ("1.", 1.0), ("1e3", 1000.0), ("1.5E-2", 0.015), ("-2.5e+1", -25.0),
     ("1/3", 1 / 3)],
)
def test_number_forms(token, value):
    game = read_nfg(f'NFG 1 R "" {{ "1" "2" }} {{ 1 1 }} {token} 0')
    assert game.payoffs[0][0, 0] == value


def test_outcome_index_zero_is_all_zero_and_commas_optional():
    game = read_nfg('NFG 1 R "" { "1" "2" } { { "a" "b" } { "c" } } "note" '
                    '{ { "x" 4 5 } } 0 1')
    np.testing.assert_array_equal(game.payoffs[0], [[0], [4]])
    np.testing.assert_array_equal(game.payoffs[1], [[0], [5]])


def test_labels_with_escaped_quotes_backslashes_and_newlines():
    game = read_nfg('NFG 1 R "say \\"hi\\"" { "C:\\\\x" "back\\slash" } '
                    '{ { "two\nlines" "b" } { "c" } } 1 2 3 4')
    assert game.title == 'say "hi"'
    assert game.players == ("C:\\x", "back\\slash")
    assert game.strategies[0] == ("two\nlines", "b")


def test_empty_and_repeated_labels_made_distinct():
    game = read_nfg('NFG 1 D "" { "" "" } { { "x" "x" "" } { "y" } } 1 2 3 4 5 6')
    assert game.players == ("Player 1", "Player 2")
    # One renaming rule for .nfg and .efg (games.gambit.tokens.distinct_labels): the repeat at
    # position 2 is "x#2" (it was "x_2" here while .efg said "x#2").
    assert game.strategies[0] == ("x", "x#2", "3")


def test_reads_path_and_writes_path(tmp_path):
    game = NormalFormGame.from_arrays([[1, 2]], [[3, 4]], title="t")
    target = tmp_path / "g.nfg"
    text = write_nfg(game, target)
    assert target.read_text() == text
    assert read_nfg(target) == game and read_nfg(str(target)) == game


# One record per malformed file: (text, fragments the message must contain).
MALFORMED = [
    ("EFG 2 R", ["line 1, column 1", "'NFG'"]),
    ("NFG 2 R \"\" { }", ["version number 1"]),
    ("NFG 1 X \"\"", ["R or D"]),
    ("NFG 1 R title", ["quoted game title"]),
    ('NFG 1 R "t" { "1" "2" } { 2 2 }\n1 2 3 4 5 6 7', ["line 2", "truncated", "contingency 4"]),
    ('NFG 1 R "t" { "1" "2" } { 2 2 }\n1 2 3 4 5 6 7 8 9', ["end of the file", "'9'"]),
    ('NFG 1 R "t" { "1" "2" } { 2 2 } 1 2 x 4 5 6 7 8', ["payoff of player 1", "'x'"]),
    ('NFG 1 R "t" { "1" "2" } { 2 0 } 1 2', ["number of strategies of player 2"]),
    ('NFG 1 R "t" { "1" "2" } { 2 1.5 } 1 2', ["number of strategies of player 2"]),
    ('NFG 1 R "t" { "1" "2" } { 1 1 } 1/0 2', ["zero denominator"]),
    ('NFG 1 R "t" { "1" "2" } { 1 1 } 1e999 2', ["finite"]),
    ('NFG 1 R "t" { "1" "2" } { 99999 99999 } 1 2', ["contingencies", "strategy counts"]),
    ('NFG 1 R "t" { "1" "2 } { 1 1 } 1 2', ["no closing double quote", "column 19"]),
    ('NFG 1 R "t" { "1" "2" } { { "a" } { "b" } } { { "o" 1 2 } } 2', ["outcome index between 0 and 1"]),
    ('NFG 1 R "t" { "1" "2" } { { "a" } { "b" } } { { "o" 1 } } 1', ["player 2 in outcome 1"]),
    ('NFG 1 R "t" { "1" "2" } { { "a" } { "b" } }', ["payoffs", "truncated"]),
    ('NFG 1 R "t" { "1" } { 1 } 1', ["at least two"]),
    ('NFG 1 R "t" { } { } ', ["at least one player"]),
]


@pytest.mark.parametrize("text, fragments", MALFORMED, ids=[f"bad{k}" for k in range(len(MALFORMED))])
def test_malformed_files_say_where_and_what(text, fragments):
    with pytest.raises(FileFormatError) as info:
        read_nfg(text)
    message = str(info.value)
    assert message.startswith("<nfg text>")
    for fragment in fragments:
        assert fragment in message


def test_missing_file_is_a_file_format_error(tmp_path):
    with pytest.raises(FileFormatError, match="cannot read"):
        read_nfg(tmp_path / "nowhere.nfg")


def test_wrong_argument_types_are_file_format_errors():
    # Both used to escape as raw TypeError / AttributeError.
    with pytest.raises(FileFormatError, match="got int"):
        read_nfg(123)
    with pytest.raises(FileFormatError, match="got list"):
        write_nfg([[1, 2]])


def test_payoffs_beyond_float_range_are_a_file_format_error():
    # Each number is finite, but their difference overflows: every tolerance would be inf.
    with pytest.raises(FileFormatError, match="float range"):
        read_nfg('NFG 1 R "" { "A" "B" } { 1 1 } 1e308 -1e308')


def test_symbolic_game_is_refused_by_writer():
    game = NormalFormGame.from_expressions([[["a", 0]], [[0, "a"]]], {"a": 1.0})
    with pytest.raises(FileFormatError, match="bind"):
        write_nfg(game)


# --- properties ---------------------------------------------------------------------------
labels = st.text(alphabet=string.ascii_letters + ' "\\{},\n', min_size=1, max_size=6)


@st.composite
def games(draw):
    n = draw(st.integers(2, 3))
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    integer = draw(st.booleans())
    values = (st.integers(-1000, 1000) if integer
              else st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))
    arrays = [np.array(draw(st.lists(values, min_size=int(np.prod(shape)),
                                     max_size=int(np.prod(shape)))), dtype=float).reshape(shape)
              for _ in range(n)]
    players = draw(st.lists(labels, min_size=n, max_size=n, unique=True))
    strategies = [draw(st.lists(labels, min_size=m, max_size=m, unique=True)) for m in shape]
    title = draw(st.text(alphabet=string.printable, max_size=12))
    return NormalFormGame.from_arrays(*arrays, players=players, strategies=strategies, title=title)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(game=games(), form=st.sampled_from(["payoff", "outcome"]))
def test_round_trip_keeps_payoffs_names_and_title(game, form):
    again = read_nfg(write_nfg(game, form=form))
    assert again.title == game.title
    assert again.players == game.players and again.strategies == game.strategies
    for ours, theirs in zip(again.payoffs, game.payoffs):
        np.testing.assert_array_equal(ours, theirs)


@st.composite
def mangled(draw):
    text = write_nfg(draw(games()), form=draw(st.sampled_from(["payoff", "outcome"])))
    for _ in range(draw(st.integers(1, 3))):
        cut = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["truncate", "delete", "insert", "replace"]))
        if action == "truncate":
            text = text[:cut]
        elif action == "delete":
            text = text[:cut] + text[cut + draw(st.integers(1, 8)):]
        else:
            noise = draw(st.text(alphabet='{}",.-/eE0123456789 \\xNR\n', min_size=1, max_size=4))
            end = cut + (len(noise) if action == "replace" else 0)
            text = text[:cut] + noise + text[end:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mangled())
def test_mangled_text_reads_or_raises_file_format_error(text):
    try:
        game = read_nfg(text)
    except FileFormatError as exc:
        assert "line" in str(exc) or "cannot read" in str(exc)
    else:
        assert all(np.all(np.isfinite(p)) for p in game.payoffs)


def test_parse_reports_form():
    assert parse_nfg(SELTEN_PAYOFF).form == "payoff"
    assert parse_nfg(SELTEN_OUTCOME).form == "outcome"
