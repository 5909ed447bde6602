"""``chipdeals explore [DEAL]``: the concession explorer as a local web page."""

from __future__ import annotations

from typing import Any

from deals.cli.arguments import add_draws
from deals.views.app import PAGE_DRAWS, serve


def cmd_explore(args: Any) -> list:
    serve(args.deal, port=args.port, open_browser=not args.no_browser, draws=args.draws)
    return []


def explore_options(p: Any) -> None:
    """The ``explore`` command's own options: an optional DEAL, the port, the browser, draws."""
    p.add_argument("deal", nargs="?", metavar="DEAL", help="a library name or a .toml file")
    p.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    add_draws(p, PAGE_DRAWS, "Monte Carlo draws per update")
