"""Gambit game files: strategic form (``.nfg``) and extensive form (``.efg``), read and written.

Both formats go through one tokenizer (:mod:`games.gambit.tokens`), so both report errors the
same way, as ``file, line L, column C: expected ..., found ...``, and both rename repeated
labels by one rule (see :func:`games.gambit.tokens.distinct_labels`).

>>> from games.gambit import read_nfg, write_nfg
>>> game = read_nfg('NFG 1 R "PD" { "Row" "Col" } { 2 2 } 3 3 5 0 0 5 1 1')
>>> read_nfg(write_nfg(game)).payoffs[0].tolist()
[[3.0, 0.0], [5.0, 1.0]]
"""

from games.gambit.nfg import parse_nfg, read_nfg, write_nfg
from games.gambit.efg import parse_efg, read_efg, write_efg

__all__ = ["parse_nfg", "read_nfg", "write_nfg", "parse_efg", "read_efg", "write_efg"]
