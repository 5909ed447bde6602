"""The packages' shape, checked from the source: no import cycle inside ``deals`` or ``games``,
``games`` never imports ``deals``, no function over 100 lines, and an import inside a function
is either an optional or heavy extra or says why it is there (CONTRIBUTING.md, "Where things
go").

The graph is read with ``ast`` (nothing is imported): every ``import`` and ``from ... import`` at
any depth is an edge, except those under ``if TYPE_CHECKING:`` (annotations only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]
#: Packages a function may import where it needs them without a comment: optional extras and
#: third-party packages heavy enough that every start-up would pay for them.
LAZY_OK = {"matplotlib", "panel", "bokeh", "tornado", "ipywidgets", "IPython", "openpyxl",
           "scipy", "pandas", "dask", "distributed", "quantecon", "nashpy"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: str) -> dict[str, Path]:
    return {module_name(p): p for p in (ROOT / package).rglob("*.py")}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    return skip


def imports(name: str, path: Path) -> list[tuple[str, ast.stmt, bool]]:
    """(imported module, node, inside a function) for every import of one module."""
    tree = ast.parse(path.read_text())
    skip = _type_checking_nodes(tree)
    inner = {id(sub) for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef,
                                                                   ast.AsyncFunctionDef))
             for sub in ast.walk(fn)}
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            names = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for target in names:
            found.append((target, node, id(node) in inner))
    return found


def graph(package: str) -> dict[str, set[str]]:
    mods = modules(package)
    return {m: {t for t, _, _ in imports(m, p) if t in mods and t != m} for m, p in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("package", ["deals", "games"])
def test_no_import_cycle(package):
    assert cycles(graph(package)) == []


def test_games_never_imports_deals():
    offenders = [f"{m} imports {t}" for m, p in modules("games").items()
                 for t, _, _ in imports(m, p) if t.split(".")[0] == "deals"]
    assert offenders == []


def test_imports_inside_functions_say_why():
    """A function-level import of our own code or the standard library carries a comment."""
    unexplained = []
    for package in ("deals",):
        for m, p in modules(package).items():
            lines = p.read_text().splitlines()
            for target, node, inside in imports(m, p):
                if not inside or target.split(".")[0] in LAZY_OK:
                    continue
                line = lines[node.lineno - 1]
                if "#" not in line:
                    unexplained.append(f"{p.relative_to(ROOT)}:{node.lineno}: {line.strip()}")
    assert sorted(set(unexplained)) == []


def test_features_are_subpackages():
    """``deals`` keeps only its substrate at the top: features live in their own folders."""
    top = sorted(p.name for p in (ROOT / "deals").glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "errors.py", "numbers.py"]


def test_every_deal_file_section_is_registered_documented_and_a_deal_field():
    from dataclasses import fields

    from deals.deal.model import Deal
    from deals.deal.sections import SECTIONS

    headings = {line.lstrip("# ").strip() for line in
                (ROOT / "docs" / "deal-files.md").read_text().splitlines()
                if line.startswith("## ")}
    names = {f.name for f in fields(Deal)}
    for section in SECTIONS:
        assert section.key in names, section.key
        assert section.heading in headings, section.heading


#: The longest a function (or method) of deals or games may be, in lines from its ``def`` (or
#: first decorator) to its last line (CONTRIBUTING.md: split a longer one at its seams).
MAX_FUNCTION_LINES = 100


def long_functions(folder: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``path:line name (n lines)`` for every function under ``folder`` longer than ``limit``."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                length = node.end_lineno - first + 1
                if length > limit:
                    found.append(f"{path.relative_to(folder.parent)}:{node.lineno} {node.name} "
                                 f"({length} lines)")
    return found


def test_the_length_check_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{k} = {k}" for k in range(98))
    (tmp_path / "pkg").mkdir()  # fits: 100 lines; long: its decorator, def, 98 + 1 lines
    (tmp_path / "pkg" / "mod.py").write_text(
        f"def fits():\n{body}\n    pass\n\n\n@staticmethod\ndef long():\n{body}\n    pass\n")
    assert long_functions(tmp_path / "pkg") == ["pkg/mod.py:104 long (101 lines)"]


@pytest.mark.parametrize("package", ["deals", "games"])
def test_no_function_over_100_lines(package):
    assert long_functions(ROOT / package) == []


def test_every_slow_entry_names_a_test_that_exists():
    """tests/slow_tests.txt marks tests slow by name: a renamed test would silently join the
    fast loop again, so each entry must name a module and a function in it."""
    lines = (line.split("#", 1)[0].strip()
             for line in (ROOT / "tests" / "slow_tests.txt").read_text().splitlines())
    missing = []
    for entry in filter(None, lines):
        module, _, function = entry.partition("::")
        path = ROOT / module
        if not path.is_file() or (function and not any(
                isinstance(node, ast.FunctionDef) and node.name == function
                for node in ast.walk(ast.parse(path.read_text())))):
            missing.append(entry)
    assert missing == []
