"""Every parameter of every public function of ``deals`` says what it is (issue 26).

Each function that ``deals.__all__`` lists has a numpydoc ``Parameters`` section (the API
reference renders it) naming every parameter of its signature, each with a type line and a
description under it; a section that names a parameter the function no longer takes fails too.
"""

from __future__ import annotations

import inspect
import re

import pytest

import deals

FUNCTIONS = [name for name in deals.__all__
             if inspect.isfunction(getattr(deals, name))]


def described(doc: str) -> dict[str, str]:
    """Parameter name -> its description, from a numpydoc Parameters section."""
    match = re.search(r"^Parameters\n-{10}\n(.*?)(?=^\S[^\n]*\n-{3,}\n|\Z)", doc, re.S | re.M)
    if not match:
        return {}
    found: dict[str, str] = {}
    name = None
    for line in match.group(1).splitlines():
        head = re.match(r"^\**(\w+) : \S", line)
        if head:
            name = head.group(1)
            found[name] = ""
        elif name is not None and line.startswith("    ") and line.strip():
            found[name] += " " + line.strip()
    return {k: v.strip() for k, v in found.items()}


def test_the_parser_reads_a_section_and_stops_at_the_next():
    doc = "Do it.\n\nParameters\n----------\nx : int, default 1\n    The count.\ny : str\n\n" \
          "Examples\n--------\n>>> 1\n1\n"
    assert described(doc) == {"x": "The count.", "y": ""}


def test_there_are_functions_to_check():
    assert {"assess", "compare", "load", "stage_plan"} <= set(FUNCTIONS)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_parameter_is_described(name):
    fn = getattr(deals, name)
    wanted = [p for p in inspect.signature(fn).parameters]
    found = described(inspect.getdoc(fn) or "")
    missing = [p for p in wanted if len(found.get(p, "")) < 12]
    assert not missing, f"deals.{name}: no description of {missing} in its Parameters section"
    assert not set(found) - set(wanted), f"deals.{name} describes {set(found) - set(wanted)}"
