"""Gambit .efg reading and writing: the format's variants, repeated labels, malformed files, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games.errors import FileFormatError, TreeError
from games.trees import (
    GameTree,
    backward_induction,
    chance,
    decision,
    parse_efg,
    read_efg,
    terminal,
    write_efg,
)
from games.trees.textbook import entry_deterrence, risky_investment

HEADER = 'EFG 2 R "t" { "P1" "P2" }\n""\n'


def test_reads_chance_infosets_rationals_and_decimals():
    tree = parse_efg(HEADER + '''
c "" 1 "nature" { "H" 1/3 "T" 2/3 } 0
p "" 1 1 "blind" { "a" "b" } 0
t "" 1 "o1" { .5, -1.25 }
t "" 2 "o2" { 3 4 }
p "" 1 1 "blind" { "a" "b" } 0
t "" 3 "o3" { 0, 0 }
t "" 4 "o4" { 1, 1 }
''')
    assert tree.root.probabilities == pytest.approx((1 / 3, 2 / 3))
    assert tree.node(("H", "a")).payoffs == (0.5, -1.25)
    assert tree.node(("H", "b")).payoffs == (3.0, 4.0)  # payoffs without commas
    assert tree.node(("H", "a")).label == "o1"  # unnamed node: the outcome names it
    assert tree.infosets == {("P1", "blind"): (("H",), ("T",))}


def test_outcomes_at_inner_nodes_add_to_the_payoffs_below():
    tree = parse_efg(HEADER + '''
p "" 1 1 "" { "a" "b" } 1 "toll" { -1, 2 }
t "" 2 "x" { 5, 5 }
t "" 0
''')
    assert tree.node(("a",)).payoffs == (4.0, 7.0)
    assert tree.node(("b",)).payoffs == (-1.0, 2.0)


def test_outcome_reused_by_number_without_payoffs():
    tree = parse_efg(HEADER + 'p "" 1 1 "" { "a" "b" } 0\nt "" 1 "win" { 1, 0 }\nt "" 1\n')
    assert tree.node(("b",)).payoffs == (1.0, 0.0)


def test_infoset_actions_may_be_omitted_after_the_first_node():
    tree = parse_efg(HEADER + '''
p "" 1 1 "" { "L" "R" } 0
p "" 2 1 "h" { "x" "y" } 0
t "" 1 "" { 1, 0 }
t "" 2 "" { 0, 1 }
p "" 2 1 0
t "" 3 "" { 0, 1 }
t "" 4 "" { 1, 0 }
''')
    assert tree.node(("R",)).actions == ("x", "y")
    assert tree.infosets[("P2", "h")] == (("L",), ("R",))


def test_repeated_infoset_labels_get_the_number_appended():
    # Two different infosets of P2 both labelled "(2,1)": the format identifies infosets by
    # number, so they stay two infosets. By the one rule of games.gambit (the first keeps the
    # label, a later one takes its number) they are "(2,1)" and "(2,1)#2" (was "(2,1)#1" and
    # "(2,1)#2" while strategies and actions kept the first label).
    tree = parse_efg(HEADER + '''
p "same" 1 1 "(1,1)" { "L" "R" } 0
p "same" 2 1 "(2,1)" { "x" "y" } 0
t "" 1 "" { 1, 0 }
t "" 2 "" { 0, 1 }
p "same" 2 2 "(2,1)" { "x" "y" } 0
t "" 3 "" { 0, 1 }
t "" 4 "" { 1, 0 }
''')
    assert tree.node(("L",)).infoset == "(2,1)"
    assert tree.node(("R",)).infoset == "(2,1)#2"
    assert tree.node(()).infoset == "(1,1)"  # unique label kept as is
    assert tree.is_perfect_information
    assert tree.node(("R",)).label == "same"  # node labels repeat freely
    assert parse_efg(write_efg(tree)) == tree


def test_a_label_that_looks_like_a_numbered_name_does_not_merge_infosets():
    # Infosets 1 and 2 of P2 share the label "a"; infoset 3 is labelled "a#2" itself and used
    # to merge with infoset 2. The made-up name of infoset 2 avoids the label the file gives
    # infoset 3 (one rule for .nfg and .efg; the names were "a#1", "a#2", "a#2#3").
    tree = parse_efg(HEADER + 'p "" 1 1 "" { "L" "M" "R" } 0\n' + "".join(
        f'p "" 2 {k} "{label}" {{ "x" "y" }} 0\nt "" 0\nt "" 0\n'
        for k, label in [(1, "a"), (2, "a"), (3, "a#2")]))
    assert tree.is_perfect_information
    assert [tree.node((a,)).infoset for a in "LMR"] == ["a", "a#2#2", "a#2"]


def test_empty_and_repeated_action_labels_are_numbered():
    tree = parse_efg(HEADER + 'p "" 1 1 "" { "" "go" "go" } 0\nt "" 0\nt "" 0\nt "" 0\n')
    assert tree.root.actions == ("#1", "go", "go#3")
    # A label given in the file that equals a numbered one stays distinct (was refused).
    tree = parse_efg(HEADER + 'p "" 1 1 "" { "a#3" "a" "a" } 0\nt "" 0\nt "" 0\nt "" 0\n')
    assert tree.root.actions == ("a#3", "a", "a#3#3")


def test_labels_with_quotes_survive_a_round_trip():
    tree = GameTree(['say "hi"', "B\\C"], decision('say "hi"', {'"yes"': terminal(1, 0), "no": terminal(0, 1)}),
                    title='a "quoted" title')
    assert parse_efg(write_efg(tree)) == tree
    assert parse_efg(write_efg(tree)).title == 'a "quoted" title'


def test_tiny_and_huge_numbers_are_written_exactly():
    tree = GameTree(["A", "B"], decision("A", {"x": terminal(1e-30, 3.5e20), "y": terminal(0.1, -7)}))
    text = write_efg(tree)
    assert "e-" not in text and "e+" not in text
    assert parse_efg(text) == tree


def test_write_to_path_and_read_back(tmp_path):
    path = tmp_path / "entry.efg"
    write_efg(entry_deterrence(), path)
    back = read_efg(path)
    assert back == entry_deterrence()
    assert backward_induction(back).path == ("In", "Accommodate")


def test_symbolic_tree_is_written_at_its_default_values():
    assert parse_efg(write_efg(risky_investment())) == risky_investment().bind()
    no_defaults = GameTree(["A", "B"], decision("A", {"x": terminal("a", 0)}))
    with pytest.raises(TreeError, match="bind"):
        write_efg(no_defaults)


@pytest.mark.parametrize("text, message", [
    (HEADER + 'p "" 1 1 "" { "a" "b" } 0\nt "" 1 "" { 1, 0 }\n', "truncated"),
    (HEADER + 'p "" 1 1 "" { "a" } 0\nt "" 1 "" { 1, 0, 2 }\n', "3 payoffs"),
    (HEADER + 'q "" 1 1 "" { "a" } 0\n', "unknown node type 'q'"),
    (HEADER + 'p "" 3 1 "" { "a" } 0\nt "" 0\n', "player 3 does not exist"),
    (HEADER + 'p "" 1 1 "" { "a" } 0\nt "" 4\n', "outcome 4 is used before"),
    (HEADER + 'p "" 1 1 0\n', "without its actions"),
    (HEADER + 'c "" 1 "" { "a" 1/2 "b" 1/3 } 0\nt "" 0\nt "" 0\n', "sum to 0.833"),
    (HEADER + 'c "" 1 "" { "a" x "b" 1/3 } 0\n', "expected the probability of chance action 'a'"),
    (HEADER + 'p "" 1 1 "" { } 0\n', "no actions"),
    (HEADER + 't "" 0\nt "" 0\n', "after the last node"),
    ('EFG 1 R "t" { "A" }\n', "version '1'"),
    ('NFG 1 R "t" { "A" }\n', "not an .efg file"),
    ('EFG 2 R "t" { "A" \n', "the file ends too early"),
    (HEADER + 'p "" 1 1 "" { "a" "b" } 0\np "" 2 1 "" { "x" } 0\nt "" 0\np "" 2 1 "" { "x" "y" } 0\n',
     "1 actions where it first appears and 2 here"),
    (HEADER + 'p "unclosed 1 1 "" { "a" } 0\nt "" 0\n', "line"),
    # Fraction would spend minutes on 10**99999999 before overflowing a float.
    (HEADER + 't "" 1 "" { 1e99999999, 0 }\n', "outside the range of floating-point"),
    (HEADER + 'c "" 1 "" { "a" 1e400 "b" 0 } 0\nt "" 0\nt "" 0\n', "outside the range"),
    (HEADER + 'p "" 1 1 "" { "a" } 1 "" { 1e308, 0 }\nt "" 2 "" { 1e308, 0 }\n', "beyond the range"),
    (HEADER + 'p "" \u00b2 1 "" { "a" } 0\nt "" 0\n', "whole number"),  # "²".isdigit() is True
    (HEADER + 't "" 0 "" { 1, 0 }\n', r"number it from 1$"),  # not blamed on truncation
    (HEADER + 'p "" 1 1 "" { "a" } 0\n' * 600 + 't "" 0\n', "nested too deeply"),
], ids=["truncated", "payoff-count", "node-type", "player", "outcome-undefined", "infoset-actions",
        "probabilities", "bad-number", "no-actions", "trailing", "version", "not-efg", "eof-header",
        "infoset-mismatch", "unclosed-quote", "huge-exponent", "huge-probability", "overflowing-sum",
        "unicode-digit", "outcome-zero", "too-deep"])
def test_malformed_files_raise_file_format_errors(text, message):
    with pytest.raises(FileFormatError, match=message):
        parse_efg(text, source="bad.efg")


def test_errors_name_the_file_and_line():
    # One error style for .nfg and .efg: file, line and column (was "bad.efg, line 4").
    with pytest.raises(FileFormatError, match=r"bad\.efg: line 4, column 16"):
        parse_efg(HEADER + 'p "" 1 1 "" { "a" } 0\nt "" 1 "" { 1, x }\n', source="bad.efg")


def test_a_byte_order_mark_is_skipped(tmp_path):
    path = tmp_path / "bom.efg"
    path.write_text(write_efg(entry_deterrence()), encoding="utf-8-sig")
    assert read_efg(path) == entry_deterrence()


def test_missing_file():
    with pytest.raises(FileFormatError, match="cannot read"):
        read_efg("/nonexistent/game.efg")


@st.composite
def trees(draw):
    players = ["A", "B"]

    def node(depth: int, infoset_pool: list):
        if depth >= 3 or draw(st.booleans()):
            return terminal(draw(st.floats(-1e6, 1e6, allow_nan=False)), draw(st.integers(-5, 5)),
                            label=draw(st.sampled_from(["", "end", 'q"uote'])))
        width = draw(st.integers(1, 3))
        children = {f"a{k}": node(depth + 1, infoset_pool) for k in range(width)}
        if draw(st.integers(0, 3)) == 0:
            weights = draw(st.lists(st.integers(1, 5), min_size=width, max_size=width))
            return chance({a: (w / sum(weights), c) for (a, c), w in zip(children.items(), weights)})
        player = draw(st.sampled_from(players))
        # Reuse a named infoset when one with the same player and width exists.
        name = None
        if draw(st.booleans()):
            name = f"{player}{width}"
        return decision(player, children, infoset=name, label=draw(st.sampled_from(["", "n"])))

    return GameTree(players, node(0, []), title=draw(st.text(max_size=5)))


@settings(max_examples=60, deadline=None)
@given(trees())
def test_write_then_read_gives_the_same_tree(tree):
    assert parse_efg(write_efg(tree)) == tree


def test_read_efg_takes_the_files_text_as_read_nfg_does():
    text = write_efg(entry_deterrence())
    assert backward_induction(read_efg(text)).payoffs == backward_induction(entry_deterrence()).payoffs
    with pytest.raises(FileFormatError, match="read_efg takes the path"):
        read_efg(3.5)


@pytest.mark.parametrize("text", [
    HEADER + 'p "" 1 1 "" { "a" "b } 0\nt "" 1 "" { 1, 2 }\nt "" 2 "" { 0, 0 }\n',  # quote open
    HEADER + 't "" 1 "Out { 1, 2 }\n',
])
def test_a_label_left_open_over_lines_gives_a_one_line_error(text):
    with pytest.raises(FileFormatError) as caught:
        read_efg(text)
    assert "\n" not in str(caught.value), str(caught.value)


def test_a_path_that_cannot_be_read_is_named_shortly():
    with pytest.raises(FileFormatError, match="cannot read /no/such/dir/x.efg") as caught:
        read_efg("/no/such/dir/x.efg")
    assert "\n" not in str(caught.value)
