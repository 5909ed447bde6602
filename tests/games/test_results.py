"""Every result object of the engine records how it was made under the same two names."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import games
from games.parameters import ParameterSet
from games.normal_form import NormalFormGame
from games.results import EquilibriumSequence, TabularResult

NOT_RESULTS = {NormalFormGame, ParameterSet, EquilibriumSequence}  # data, or a mixin


def _result_classes():
    for module in pkgutil.walk_packages(games.__path__, "games."):
        importlib.import_module(module.name)
    seen, todo = set(), [TabularResult]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted((c for c in seen if c.__module__.startswith("games.") and c not in NOT_RESULTS),
                  key=lambda c: c.__qualname__)


def _has(cls, name):
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    return name in fields or isinstance(getattr(cls, name, None), property)


def test_every_result_records_method_and_settings():
    classes = _result_classes()
    assert len(classes) >= 15  # the scan found the results, not nothing
    missing = [f"{c.__module__}.{c.__qualname__}: {name}" for c in classes
               for name in ("method", "settings") if not _has(c, name)]
    assert not missing, missing


def test_caption_is_public_and_says_the_method():
    found = games.backward_induction(games.trees.textbook.entry_deterrence())
    assert found.method and found.method.split()[0] in found.caption()


def test_a_missing_value_reads_as_a_dash_in_text_and_html():
    """A fixed parameter has no range: its low and high show as a dash, never as NaN."""
    from games.parameters import Parameter, ParameterSet
    from games.results import MISSING

    params = ParameterSet([Parameter("fixed_one", 2.0), Parameter("ranged", 1.0, (0.5, 3.0))])
    text, html = str(params), params._repr_html_()
    assert "NaN" not in text and "NaN" not in html and "nan" not in text.lower()
    row = next(line for line in text.splitlines() if line.startswith("fixed_one"))
    assert row.split()[2:4] == [MISSING, MISSING]
    assert f"<td>{MISSING}</td>" in html
