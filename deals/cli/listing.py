"""``chipdeals list``: the bundled deals, answered at once (no solver, sympy or pandas loads)."""

from __future__ import annotations

import argparse

from deals.deal.reading import library_names, library_path, parse_toml, read_file
from deals.views.output import Rows, Section


def cmd_list(args: argparse.Namespace) -> list[Section]:
    """``chipdeals list``: the bundled deals, read from their files' ``[deal]`` and ``[issues]``
    tables without building them (no sympy, no pandas: the command answers at once)."""
    rows = []
    for name in library_names():
        doc = parse_toml(read_file(library_path(name), name), name)
        rows.append((name, doc["deal"]["partner"], doc["deal"]["title"], ", ".join(doc["issues"])))
    return [Section("deals", Rows(("deal", "partner", "title", "issues"), tuple(rows)),
                    f"{len(rows)} deals in the library; show one with: chipdeals show DEAL",
                    name="deals")]
