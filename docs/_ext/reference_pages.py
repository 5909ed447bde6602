"""Generate the reference pages that must not drift from the code.

At ``builder-inited`` this writes, under ``docs/reference/_generated/``:

- ``cli.md``: every ``chipdeals`` command with its options, from ``deals.cli.commands.build_parser()``;
- ``games-api.md`` and ``deals-api.md``: one ``autofunction``/``autoclass`` entry for every name
  in ``games.__all__`` and ``deals.__all__``; ``games-api-*.md``, one page per engine subpackage
  or module of :data:`SUBMODULES`, for the names of its ``__all__`` not on an earlier page;
- ``record.md``: the sourced record the deal files cite, from ``deals/record/facts.toml``.

The generated files are not committed (``.gitignore``); they are rebuilt on every build.
"""

from __future__ import annotations

import argparse
import inspect
import os
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "reference" / "_generated"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_page() -> str:
    """The command reference: the top-level help, then each command's ``--help``."""
    from deals.cli.commands import build_parser

    os.environ["COLUMNS"] = "88"
    parser = build_parser()
    lines = ["# Command-line reference", "",
             "Generated from the parser at build time; `chipdeals COMMAND --help` prints the same.",
             "Exit status: 0 on success, 2 on bad input (one line on stderr naming the file and",
             "field), 130 when interrupted.", "",
             "```text", parser.format_help().rstrip(), "```", ""]
    for name, sub in sorted(_subcommands(parser).items()):
        lines += [f"## `chipdeals {name}`", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


#: The packages and modules whose ``__all__`` the reference walks, after the two top levels:
#: the engine's subpackages and its substrate modules (names a domain layer builds on).
SUBMODULES = (
    "games.normal_form", "games.normal_form.equilibria", "games.trees", "games.bargaining",
    "games.bargaining.batch", "games.bargaining.affine_split", "games.bargaining.winset",
    "games.bargaining.proposer",
    "games.negotiation", "games.gambit", "games.teaching", "games.optimise", "games.decisions",
    "games.decisions.allocation",
    "games.parameters", "games.expressions", "games.sweeps", "games.parallel", "games.reservoir", "games.ranks",
    "games.results",
    "games.errors", "games.exports", "games.markup", "games.writing", "games.startup",
)


def public_names(package: str) -> list[tuple[str, object]]:
    """``(name, object)`` for every name in ``package.__all__``."""
    import importlib

    module = importlib.import_module(package)
    return [(name, getattr(module, name)) for name in getattr(module, "__all__", [])]


def documented_elsewhere(package: str) -> set[object]:
    """Objects of ``package`` already documented on a page before it (the top level's, or an
    earlier submodule's): each object gets one entry, so cross-references stay unambiguous."""
    top = "games" if package.startswith("games") else "deals"
    before = [top] + [m for m in SUBMODULES[: SUBMODULES.index(package)]] if package in SUBMODULES else []
    return {entry_key(name, obj) for module in before for name, obj in public_names(module)}


def entry_key(name: str, obj: object) -> object:
    """What makes a documented object the same one: its identity for a class or function (a
    re-export under any name), its name too for a constant (Python shares one object for
    equal small numbers and short strings, so 64 on one page is not another page's 64)."""
    return id(obj) if inspect.isclass(obj) or callable(obj) else (name, id(obj))


def api_page(package: str) -> str:
    """One autodoc entry per public name of ``package`` (its ``__all__``) not on an earlier page."""
    module = __import__(package, fromlist=["__all__"])
    seen = documented_elsewhere(package)
    names = [name for name, obj in public_names(package) if entry_key(name, obj) not in seen]
    lines = [f"# `{package}` API", "",
             f"Every public name of `{package}` (its `__all__`), with its docstring"
             + (" (names also on an earlier page are documented there)." if seen else "."), "",
             "```{eval-rst}", f".. currentmodule:: {package}", ""]
    for name in names:
        obj = getattr(module, name)
        if inspect.isclass(obj):
            lines += [f".. autoclass:: {package}.{name}", "   :members:", ""]
        elif callable(obj):
            lines += [f".. autofunction:: {package}.{name}", ""]
        else:  # a constant: its type and size (a dict's own docstring is not about it)
            size = f" of {len(obj)} entries" if hasattr(obj, "__len__") else ""
            lines += [f".. py:data:: {package}.{name}", "",
                      f"   {_article(type(obj).__name__)} {type(obj).__name__}{size}; see the "
                      "examples that use it.", ""]
    lines += ["```", ""]
    return "\n".join(lines)


def _article(word: str) -> str:
    """'An' before a word that opens with a vowel ('an int'), else 'A' ('a float')."""
    return "An" if word[:1].lower() in "aeiou" else "A"


def engine_index() -> str:
    """The page that lists the engine's subpackage pages (a toctree)."""
    lines = ["# `games` by subpackage", "",
             "The engine's public names module by module, past those of the top level.", "",
             "```{toctree}", ":maxdepth: 1", ""]
    lines += [f"games-api-{name.removeprefix('games.').replace('.', '-')}" for name in SUBMODULES]
    lines += ["```", ""]
    return "\n".join(lines)


def _write(name: str, text: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    if not path.exists() or path.read_text() != text:  # keep mtimes stable for incremental builds
        path.write_text(text)


def generate(app) -> None:  # noqa: ANN001 - Sphinx application
    _write("cli.md", cli_page())
    _write("games-api.md", api_page("games"))
    _write("deals-api.md", api_page("deals"))
    _write("games-subpackages.md", engine_index())
    for name in SUBMODULES:
        _write(f"games-api-{name.removeprefix('games.').replace('.', '-')}.md", api_page(name))
    from deals.record.facts_view import record_page

    _write("record.md", record_page())


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def library_page() -> str:
    """The library deals, each with its question, terms, parameters and sources, from the files."""
    import tomllib

    import deals

    lines = []
    for name in deals.library_names():
        with open(deals.library_path(name), "rb") as handle:
            data = tomllib.load(handle)
        head = data.get("deal", {})
        lines += [f"## {head.get('title', name)}", "", f"Library name: `{name}`. "
                  f"Supplier: {head.get('supplier', '?')}; partner: {head.get('partner', '?')}.", "",
                  _cell(head.get("description", "")), ""]
        for key, label in (("proposal", "The terms on the table"), ("outcome", "The deal as struck")):
            block = data.get(key)
            if isinstance(block, dict) and isinstance(block.get("terms"), dict):
                terms = ", ".join(f"{k} = {v:,}" if isinstance(v, (int, float)) else f"{k} = {v}"
                                  for k, v in block["terms"].items())
                lines += [f"**{label}:** {terms}. {_cell(block.get('description', ''))}", ""]
        params = data.get("parameters", {})
        if params:
            lines += ["| parameter | value | range | unit | source |", "|---|---|---|---|---|"]
            for pname, spec in params.items():
                if not isinstance(spec, dict):
                    continue
                rng = spec.get("range")
                rng_text = f"{rng[0]:g} to {rng[1]:g}" if isinstance(rng, list) and len(rng) == 2 else ""
                value = spec.get("value", "")
                lines.append(f"| `{pname}` | {value:g} | {rng_text} | {_cell(spec.get('unit', ''))} | "
                             f"{_cell(spec.get('source', ''))} |" if isinstance(value, (int, float)) else
                             f"| `{pname}` | {value} | {rng_text} | {_cell(spec.get('unit', ''))} | "
                             f"{_cell(spec.get('source', ''))} |")
            lines.append("")
            judgements = [p for p, s in params.items()
                          if isinstance(s, dict) and "judgement" in str(s.get("source", "")).lower()]
            if judgements:
                lines += ["Modelling judgements (each with a wide range, so the audit's drivers show "
                          "how much the verdict rests on it): " + ", ".join(f"`{p}`" for p in judgements)
                          + ".", ""]
        lines += ["The audit at 400 draws, as `chipdeals assess` prints it:", "",
                  f"```{{command-output}} chipdeals assess {name} --draws 400", "```", ""]
    return "\n".join(lines)


def generate_library(app) -> None:  # noqa: ANN001 - Sphinx application
    target = Path(__file__).resolve().parent.parent / "explanation" / "_generated"
    target.mkdir(parents=True, exist_ok=True)
    path = target / "library-deals.md"
    text = library_page()
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def setup(app):  # noqa: ANN001, ANN201 - Sphinx extension entry point
    app.connect("builder-inited", generate)
    app.connect("builder-inited", generate_library)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
