"""The deal-file schema: a TOML document (as a dict) to a validated :class:`Deal`.

The way back, a deal to its document, is :func:`deals.deal.writing.deal_to_dict`.

The schema is documented in ``docs/deal-files.md``. Every error raised here is a
:class:`DealFileError` naming the file, the field (as a dotted TOML path such as
``issues.chips.range``) and the fix.

>>> deal = deal_from_dict({
...     "deal": {"name": "toy", "title": "Toy", "supplier": "US", "partner": "P"},
...     "parameters": {"v": {"value": 2.0, "range": [1.0, 3.0], "source": "judgement"}},
...     "issues": {"chips": {"range": [0, 1], "giver": "supplier"},
...                "pay": {"range": [0, 1], "giver": "partner"}},
...     "utility": {"supplier": "pay - 0.5 * chips", "partner": "v * chips - pay"},
...     "outside_option": {"supplier": "0", "partner": "0"}})
>>> from deals.deal.writing import deal_to_dict
>>> deal_from_dict(deal_to_dict(deal)) == deal
True
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

from deals.errors import DealFileError
from deals.deal.writing import TERMS_TABLES
from deals.deal.model import SIDES, Belief, Deal, Issue, Stance, Terms
from deals.deal.reading import control_problem
from deals.deal.sections import SECTIONS
from games.errors import GameError
from games.parameters import Parameter

# Required and optional keys of each table; the values say what type each key holds.
_DEAL_KEYS = {"name": str, "title": str, "supplier": str, "partner": str}
_DEAL_OPTIONAL = {"description": str, "months_between_offers": "number"}
_PARAMETER_KEYS = {"value": "number"}
_PARAMETER_OPTIONAL = {"range": "pair", "distribution": str, "unit": str, "source": str}
_ISSUE_KEYS = {"range": "pair", "giver": str}
_ISSUE_OPTIONAL = {"unit": str, "description": str, "levels": "numbers", "default": "number"}
_TERMS_OPTIONAL = {"description": str, "source": str, "imposed": str, "rests_on": "list",
                   "unsettled": "list", "first_tranche": "bool"}
_TOP = ("deal", "parameters", "issues", "definitions", "utility", "outside_option", "discount",
        "stances", "proposal", "belief", "outcome", *(s.key for s in SECTIONS))
_STANCE_RESERVED = ("walk_away", "description")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class DocumentReader:
    """Type-checks one deal document, naming file and field in every error."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, field: str, message: str) -> DealFileError:
        return DealFileError(message, path=self.path, field=field)

    def table(self, doc: Mapping[str, Any], key: str, where: str, *, required: bool = True
              ) -> dict[str, Any]:
        field = f"{where}.{key}" if where else key
        if key not in doc:
            if required:
                raise self.fail(field, f"missing table; add a [{field}] table")
            return {}
        value = doc[key]
        if not isinstance(value, Mapping):
            raise self.fail(field, f"expected a table, got {_kind(value)}")
        return dict(value)

    def keys(self, doc: Mapping[str, Any], where: str, required: Mapping[str, Any],
             optional: Mapping[str, Any]) -> dict[str, Any]:
        allowed = {**required, **optional}
        for key in doc:
            if key not in allowed:
                raise self.fail(f"{where}.{key}", "unknown field" + _suggest(key, allowed)
                                + f"; the fields are {sorted(allowed)}")
        for key in required:
            if key not in doc:
                raise self.fail(f"{where}.{key}", f"missing field; add {key} = ...")
        return {k: self.typed(doc[k], allowed[k], f"{where}.{k}") for k in doc}

    def typed(self, value: Any, kind: Any, field: str) -> Any:
        if kind is str:
            if not isinstance(value, str):
                raise self.fail(field, f"expected text in quotes, got {_kind(value)}")
            problem = control_problem(value)
            if problem:  # ESC [2J in a title would clear the terminal that prints it
                raise self.fail(field, problem)
            return value
        if kind == "number":
            return self.number(value, field)
        if kind == "bool":
            if not isinstance(value, bool):
                raise self.fail(field, f"expected true or false, got {_kind(value)}")
            return value
        if kind == "expression":
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise self.fail(field, f"expected an expression in quotes, got {_kind(value)}")
            return value if isinstance(value, str) else repr(self.number(value, field))
        if kind == "list":
            if not isinstance(value, list):
                raise self.fail(field, f"expected a list, got {_kind(value)}")
            return value
        if kind in ("pair", "numbers"):
            if not isinstance(value, list):
                raise self.fail(field, f"expected a list of numbers, got {_kind(value)}")
            numbers = [self.number(v, f"{field}[{i}]") for i, v in enumerate(value)]
            if kind == "pair" and len(numbers) != 2:
                raise self.fail(field, f"expected [low, high], got {len(numbers)} numbers")
            return numbers
        raise AssertionError(kind)  # pragma: no cover - a schema typo, not user input

    def number(self, value: Any, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(field, f"expected a number, got {_kind(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond the float range
            raise self.fail(field, f"expected a number within the float range (about 1e308), "
                            f"got an integer of {len(str(abs(value)))} digits") from None
        if not math.isfinite(number):
            raise self.fail(field, f"expected a finite number, got {value}")
        return number

    def name(self, name: str, field: str) -> str:
        if not _NAME.match(name) or name.startswith("_"):
            raise self.fail(field, f"{name!r} is not a valid name; use letters, digits and "
                            "underscores, starting with a letter")
        return name


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return type(value).__name__


def _suggest(key: str, allowed: Any) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _sides(reader: DocumentReader, doc: Mapping[str, Any], key: str, *, required: bool = True
           ) -> dict[str, str] | None:
    if key not in doc and not required:
        return None
    table = reader.table(doc, key, "")
    return reader.keys(table, key, {s: "expression" for s in SIDES}, {})


def _terms(reader: DocumentReader, doc: Mapping[str, Any], key: str) -> Terms | None:
    if key not in doc:
        return None
    table = reader.table(doc, key, "")
    values = reader.table(table, "terms", key)
    extra = {}
    for part in ("setting", "disputed"):
        extra[part] = {k: reader.number(v, f"{key}.{part}.{k}")
                       for k, v in reader.table(table, part, key, required=False).items()}
    explained = {k: reader.typed(v, str, f"{key}.explained.{k}")
                 for k, v in reader.table(table, "explained", key, required=False).items()}
    rest = reader.keys({k: v for k, v in table.items()
                        if k not in ("terms", "explained") + TERMS_TABLES},
                       key, {}, _TERMS_OPTIONAL)
    terms = {k: reader.number(v, f"{key}.terms.{k}") for k, v in values.items()}
    if "imposed" in rest and (key != "outcome" or rest["imposed"] not in SIDES):
        raise reader.fail(f"{key}.imposed", "only the deal as struck ([outcome]) can be imposed, "
                          "by \"supplier\" or \"partner\" (the side that set the terms alone)"
                          if key == "outcome" else "a proposal is not imposed; remove the field")
    rests_on = rest.get("rests_on", [])
    if not all(isinstance(n, str) for n in rests_on):
        raise reader.fail(f"{key}.rests_on", "expected a list of parameter names in quotes")
    unsettled = rest.get("unsettled", [])
    if not all(isinstance(n, str) for n in unsettled):
        raise reader.fail(f"{key}.unsettled", "expected a list of issue names in quotes")
    if key != "outcome" and (unsettled or explained or "first_tranche" in rest):
        field = next(f for f in ("unsettled", "explained", "first_tranche")
                     if f in rest or (f == "explained" and explained))
        raise reader.fail(f"{key}.{field}", "only the deal as struck ([outcome]) says what the "
                          "record shows of it; remove the field")
    return Terms(terms, description=rest.get("description", ""), source=rest.get("source", ""),
                 imposed=rest.get("imposed", ""), rests_on=tuple(rests_on),
                 unsettled=tuple(unsettled), first_tranche=rest.get("first_tranche", False),
                 explained=explained, **extra)


def parameter_from_spec(r: DocumentReader, name: str, spec: Any, table: str) -> Parameter:
    """One ``[TABLE.NAME]`` parameter table (value, range, distribution, unit, source)."""
    where = f"{table}.{r.name(name, f'{table}.{name}')}"
    if not isinstance(spec, Mapping):
        raise r.fail(where, f"expected a table with value, range, unit, source; got "
                     f"{_kind(spec)}")
    spec = r.keys(spec, where, _PARAMETER_KEYS, _PARAMETER_OPTIONAL)
    try:
        return Parameter(name, spec["value"],
                         range=tuple(spec["range"]) if "range" in spec else None,
                         distribution=spec.get("distribution"),
                         unit=spec.get("unit", ""), source=spec.get("source", ""))
    except GameError as exc:
        raise r.fail(where, str(exc)) from None


def deal_from_dict(doc: Mapping[str, Any], path: str = "<dict>") -> Deal:
    """Build a validated :class:`Deal` from a parsed TOML document (errors name ``path``)."""
    r = DocumentReader(str(path))
    if not isinstance(doc, Mapping):
        raise r.fail("(document)", "expected a TOML document of tables")
    for key in doc:
        if key not in _TOP:
            raise r.fail(key, "unknown table" + _suggest(key, _TOP)
                         + f"; the tables are {list(_TOP)}")
    head = r.keys(r.table(doc, "deal", ""), "deal", _DEAL_KEYS, _DEAL_OPTIONAL)
    parameters = []
    for name, spec in r.table(doc, "parameters", "", required=False).items():
        parameters.append(parameter_from_spec(r, name, spec, "parameters"))
    issues = []
    for name, spec in r.table(doc, "issues", "").items():
        where = f"issues.{r.name(name, f'issues.{name}')}"
        if name in _STANCE_RESERVED:
            raise r.fail(where, f"{name!r} is reserved in stance tables; rename the issue")
        if not isinstance(spec, Mapping):
            raise r.fail(where, f"expected a table with range and giver; got {_kind(spec)}")
        spec = r.keys(spec, where, _ISSUE_KEYS, _ISSUE_OPTIONAL)
        issues.append(_build(r, where, Issue, name, tuple(spec["range"]), spec["giver"],
                             unit=spec.get("unit", ""), description=spec.get("description", ""),
                             levels=spec.get("levels"), default=spec.get("default")))
    definitions = {}
    for name, text in r.table(doc, "definitions", "", required=False).items():
        definitions[r.name(name, f"definitions.{name}")] = r.typed(
            text, "expression", f"definitions.{name}")
    stances = []
    table = r.table(doc, "stances", "", required=False)
    for key in table:
        if key not in SIDES:
            raise r.fail(f"stances.{key}", "stances belong to 'supplier' or 'partner'; write "
                         "[stances.supplier.NAME] or [stances.partner.NAME]")
    for side in SIDES:
        for name, spec in r.table(table, side, "stances", required=False).items():
            where = f"stances.{side}.{r.name(name, f'stances.{side}.{name}')}"
            if not isinstance(spec, Mapping):
                raise r.fail(where, f"expected a table such as {{ chips = 50000 }} or "
                             f"{{ walk_away = true }}; got {_kind(spec)}")
            fixes = {k: r.number(v, f"{where}.{k}") for k, v in spec.items()
                     if k not in _STANCE_RESERVED}
            walk = r.typed(spec.get("walk_away", False), "bool", f"{where}.walk_away")
            note = r.typed(spec.get("description", ""), str, f"{where}.description")
            stances.append(_build(r, where, Stance, name, side, fixes, walk_away=walk,
                                  description=note))
    belief = None
    if "belief" in doc:
        btable = r.table(doc, "belief", "")
        values = r.table(btable, "values", "belief")
        rest = r.keys({k: v for k, v in btable.items() if k != "values"}, "belief", {},
                      {"description": str})
        belief = Belief({k: r.number(v, f"belief.values.{k}") for k, v in values.items()},
                        description=rest.get("description", ""))
    return _build(r, "deal", Deal, name=head["name"], title=head["title"],
                  supplier=head["supplier"], partner=head["partner"],
                  description=head.get("description", ""),
                  months_between_offers=head.get("months_between_offers", 1.0),
                  issues=issues, parameters=parameters, definitions=definitions,
                  utility=_sides(r, doc, "utility"),
                  outside_option=_sides(r, doc, "outside_option"),
                  discount=_sides(r, doc, "discount", required=False), stances=stances,
                  proposal=_terms(r, doc, "proposal"), outcome=_terms(r, doc, "outcome"),
                  belief=belief,
                  **{s.key: s.read(r.table(doc, s.key, ""), r.fail)
                     for s in SECTIONS if s.key in doc})


_FIELD = re.compile(r"^(?:expression in )?([A-Za-z_][\w.\[\]]*)(?::| is | must | does | uses )")


def _build(r: DocumentReader, where: str, cls: Any, *args: Any, **kwargs: Any) -> Any:
    """Construct a model object; its own error (which names a field) gains the file name."""
    try:
        return cls(*args, **kwargs)
    except GameError as exc:
        message = str(exc)
        match = _FIELD.match(message)
        field = match.group(1) if match else where
        if match and message.startswith(field + ": "):
            message = message[len(field) + 2:]
        raise r.fail(field, message) from None
