"""What ``pip install .`` (not editable) puts beside the code: every data file the library reads.

The README's first command installs the package that way; a file left out of
``[tool.setuptools.package-data]`` works from a checkout and fails only for that user (the
middle tier's country table once did: ``chipdeals portfolio middle-tier`` said the table did
not exist).
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = {".py", ".pyc", ".pyd", ".so", ".c"}


def test_every_data_file_of_deals_is_declared_package_data():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["deals"]
    package = ROOT / "deals"
    data = [p.relative_to(package).as_posix() for p in package.rglob("*")
            if p.is_file() and p.suffix not in CODE and "__pycache__" not in p.parts]
    assert data, "no data files found: the test would prove nothing"
    missing = [f for f in data if not any(fnmatch.fnmatch(f, g) for g in declared)]
    assert missing == []
