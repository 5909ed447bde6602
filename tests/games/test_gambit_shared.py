"""The two Gambit formats share one tokenizer, one error style and one label-renaming rule."""

from __future__ import annotations

import re

import pytest

from games.errors import FileFormatError
from games.gambit import parse_efg, read_nfg


@pytest.mark.parametrize("read, text", [
    (lambda text: read_nfg(text), 'NFG 1 R "t" { "A" "B" }\n{ 1 1 } 1 oops'),
    (lambda text: parse_efg(text, source="<text>"),
     'EFG 2 R "t" { "A" "B" } ""\np "" 1 1 "" { "a" } 0\nt "" 1 "" { 1, oops }'),
])
def test_both_formats_name_file_line_and_column(read, text):
    with pytest.raises(FileFormatError) as info:
        read(text)
    message = str(info.value)
    line = text.count("\n", 0, text.index("oops")) + 1
    column = text.index("oops") - (text.rfind("\n", 0, text.index("oops")) + 1) + 1
    assert re.match(rf"<\w+ ?\w*>: line {line}, column {column}: expected .*, found 'oops'", message)


def test_repeated_and_empty_labels_are_renamed_alike():
    game = read_nfg('NFG 1 R "" { "P" "Q" } { { "go" "go" "" } { "x" } } 1 2 3 4 5 6')
    tree = parse_efg('EFG 2 R "" { "P" } ""\np "" 1 1 "" { "go" "go" "" } 0\n'
                     't "" 0\nt "" 0\nt "" 0\n')
    assert game.strategies[0][:2] == tree.root.actions[:2] == ("go", "go#2")
