"""The documentation's reference covers the public API, and every public name is documented.

The API reference pages are generated from ``games.__all__`` and ``deals.__all__`` at build time
(``docs/_ext/reference_pages.py``); these tests hold the generator and the docstrings to that.
The build itself (``sphinx-build -W``) runs in ``.ci/run``.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
reference_pages = importlib.import_module("reference_pages")

PACKAGES = ["games", "deals"]


def _public(package: str) -> list[tuple[str, object]]:
    module = importlib.import_module(package)
    assert hasattr(module, "__all__"), f"{package} has no __all__"
    return [(name, getattr(module, name)) for name in module.__all__]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_in_the_reference(package):
    page = reference_pages.api_page(package)
    for name, _ in _public(package):
        assert re.search(rf"\b{package}\.{re.escape(name)}\b", page), f"{package}.{name} missing"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_has_a_docstring_with_an_example_or_a_see_line(package):
    missing = []
    for name, obj in _public(package):
        if not (inspect.isclass(obj) or callable(obj)):
            continue
        doc = inspect.getdoc(obj) or ""
        if ">>>" not in doc and not re.search(r"(?im)^\s*see\b|\bsee\s+`", doc):
            missing.append(name)
    assert not missing, f"{package}: no example or 'see' line in: {', '.join(missing)}"


def test_the_command_reference_lists_every_command():
    from deals.cli.commands import build_parser

    page = reference_pages.cli_page()
    for name in reference_pages._subcommands(build_parser()):
        assert f"chipdeals {name}" in page


def test_every_library_deal_is_explained():
    import deals

    page = reference_pages.library_page()
    for name in deals.library_names():
        assert f"`{name}`" in page


@pytest.mark.parametrize("package", reference_pages.SUBMODULES)
def test_every_engine_subpackage_name_is_on_a_reference_page(package):
    """A name of a subpackage's ``__all__`` is on its page, or on an earlier one (same object)."""
    page = reference_pages.api_page(package)
    earlier = reference_pages.documented_elsewhere(package)
    for name, obj in reference_pages.public_names(package):
        assert reference_pages.entry_key(name, obj) in earlier or re.search(rf"\b{re.escape(package)}\.{re.escape(name)}\b",
                                               page), f"{package}.{name} missing"


def test_a_constant_is_one_entry_by_its_name_and_a_function_by_itself():
    """Python shares one object for equal small numbers: a constant of one page equal to
    another page's is still documented (it was skipped as 'the same object')."""
    assert reference_pages.entry_key("BRANCH_DRAWS", 64) != reference_pages.entry_key("CAP", 64)
    assert reference_pages.entry_key("f", len) == reference_pages.entry_key("g", len)
    page = reference_pages.api_page("games.decisions.allocation")
    assert "games.decisions.allocation.BRANCH_DRAWS" in page


def test_the_reference_walks_every_engine_subpackage():
    root = DOCS.parent / "games"
    packages = {".".join(p.parent.relative_to(root.parent).parts) for p in root.rglob("__init__.py")}
    assert packages - {"games"} <= set(reference_pages.SUBMODULES)


def test_every_engine_name_deals_uses_is_public():
    """Every ``from games... import name`` in deals names something in a walked ``__all__``."""
    import ast

    walked = {id(obj) for package in ("games", *reference_pages.SUBMODULES)
              for _, obj in reference_pages.public_names(package)}
    missing = []
    for path in (DOCS.parent / "deals").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "games":
                module = importlib.import_module(node.module)
                for alias in node.names:
                    obj = getattr(module, alias.name)
                    if inspect.ismodule(obj):
                        continue
                    if id(obj) not in walked:
                        missing.append(f"{node.module}.{alias.name} ({path.name})")
    assert sorted(set(missing)) == []
