"""A portfolio's partners from a table: one row per country, a few fields each.

A portfolio file may list its partners in a CSV table instead of (or beside) ``[[deals]]``::

    [partners]
    table = "ai-diffusion-countries.csv"     # relative to the portfolio file

    [archetypes.ally]                        # how a row becomes a deal
    deal = "tier-upgrade-poland"             # a library deal (or a path), as in [[deals]]
    issue = "tier"
    volume = "bought"
    demand = "demand"
    scale = { demand = "demand", china_ties = ["p_divert"], alternatives = [] }

Each row names its ``archetype``; the archetype's deal is copied for the row with three of
its parameters set from the row (the deal's own other parameters are kept, each row drawn
independently):

- ``demand``: the partner's chip demand, 100k H100e per year; sets the parameter named by
  ``scale.demand`` (its value, and its range when the row gives ``demand_low`` and
  ``demand_high``; a row without a range keeps the number fixed);
- ``china_ties``: a multiplier (1 = as the archetype's own partner) of the parameters listed
  in ``scale.china_ties`` (diversion risk, share of the smuggled flow);
- ``alternatives``: a multiplier of the parameters in ``scale.alternatives`` (the partner's
  supply of non-US chips).

A row's ``_low`` and ``_high`` columns, where given, multiply the low and high ends of each
scaled parameter's range, so a judgement carries its width into the draws. The columns are
:data:`REQUIRED` and :data:`OPTIONAL`; ``tier`` is the January 2025 rule's tier (1, 2 or 3):
only Tier-2 rows become deals (Tier 1 had no limits, Tier 3 no access), the others are kept
in the portfolio's ``skipped`` list with their tier, so the table can cover every country.

Every mistake is one line naming the file, the row (number and country) and the column.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Sequence

from deals.errors import DealFileError
from games.parameters import Parameter, ParameterSet

#: Columns every partners table has.
REQUIRED = ("country", "tier", "archetype", "demand", "china_ties", "alternatives")
#: Columns a table may have (ranges of the three fields, a code, where the numbers come from).
OPTIONAL = ("iso", "demand_low", "demand_high", "china_ties_low", "china_ties_high",
            "alternatives_low", "alternatives_high", "source", "note")
#: The fields a row scales its archetype's deal by.
FIELDS = ("demand", "china_ties", "alternatives")
#: Most rows in one table (a country list is about 200).
MAX_ROWS = 400
#: Largest multiplier a row may give ties or alternatives (a wider one is a typo).
MAX_MULTIPLIER = 20.0
#: An archetype name for rows that are listed but not negotiated (Tier 1 and Tier 3).
NO_DEAL = "none"


@dataclass(frozen=True)
class PartnerRow:
    """One row of a partners table: a country, its tier and archetype, and its three fields
    as (value, low, high) with low = high = value where the row gives no range."""

    line: int
    country: str
    key: str
    tier: int
    archetype: str
    demand: tuple[float, float, float]
    china_ties: tuple[float, float, float]
    alternatives: tuple[float, float, float]
    iso: str = ""
    source: str = ""

    @property
    def where(self) -> str:
        return f"row {self.line} ({self.country})"


def partner_key(country: str) -> str:
    """A deal key from a country's name: lower case, words joined by underscores.

    >>> partner_key("Saint Kitts and Nevis"), partner_key("Côte d'Ivoire"), partner_key("Türkiye")
    ('saint_kitts_and_nevis', 'cote_d_ivoire', 'turkiye')
    """
    plain = "".join(c for c in unicodedata.normalize("NFKD", country)
                    if not unicodedata.combining(c))
    key = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")
    return key if key and not key[0].isdigit() else f"p_{key}"


def read_partners(data: bytes, path: str, archetypes: Sequence[str]) -> list[PartnerRow]:
    """The rows of a partners table (CSV, UTF-8, a header row), checked against the known
    ``archetypes``; the first mistake raises :class:`DealFileError` naming row and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DealFileError(f"not UTF-8 text (byte {exc.start}); save the table as UTF-8 CSV",
                            path=path, field="(file)") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DealFileError("empty table; give a header row and one row per partner",
                            path=path, field="(file)") from None
    except csv.Error as exc:
        raise DealFileError(f"not a CSV table ({exc})", path=path, field="row 1") from None
    for name in REQUIRED:
        if name not in header:
            raise DealFileError(f"missing column {name!r}; the table needs the columns "
                                f"{', '.join(REQUIRED)}", path=path, field="header")
    for name in header:
        if name not in REQUIRED and name not in OPTIONAL:
            raise DealFileError(f"unknown column {name!r}; the columns are "
                                f"{', '.join(REQUIRED + OPTIONAL)}", path=path, field="header")
    if len(set(header)) != len(header):
        raise DealFileError("a column appears twice in the header", path=path, field="header")
    rows: list[PartnerRow] = []
    keys: dict[str, int] = {}
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise DealFileError(f"more than {MAX_ROWS} rows", path=path,
                                    field=f"row {line}")
            if len(cells) != len(header):
                raise DealFileError(f"{len(cells)} cells, the header has {len(header)}",
                                    path=path, field=f"row {line}")
            row = _row(dict(zip(header, (c.strip() for c in cells))), line, path, archetypes)
            if row.key in keys:
                raise DealFileError(f"country {row.country!r} is also row {keys[row.key]}",
                                    path=path, field=f"{row.where}, column country")
            keys[row.key] = line
            rows.append(row)
    except csv.Error as exc:
        raise DealFileError(f"not a CSV table ({exc})", path=path,
                            field=f"row {reader.line_num}") from None
    if not rows:
        raise DealFileError("no partner rows under the header", path=path, field="(file)")
    return rows


def _row(cells: Mapping[str, str], line: int, path: str, archetypes: Sequence[str]
         ) -> PartnerRow:
    country = cells["country"]
    control = any(unicodedata.category(c) == "Cc" for c in country)  # ESC, DEL, CSI
    where = f"row {line} ({ascii(country) if control else country or 'no country'})"

    def fail(column: str, message: str) -> DealFileError:
        return DealFileError(message, path=path, field=f"{where}, column {column}")

    if not country:
        raise fail("country", "empty; name the country")
    if len(country) > 80 or control:
        raise fail("country", "give a plain name of at most 80 characters")
    tier = cells["tier"]
    if tier not in ("1", "2", "3"):
        raise fail("tier", f"{tier!r} is not a tier; give 1, 2 or 3 (the January 2025 rule's)")
    archetype = cells["archetype"]
    if archetype != NO_DEAL and archetype not in archetypes:
        raise fail("archetype", f"unknown archetype {archetype!r}; the portfolio's are "
                   f"{', '.join(sorted(archetypes))} (or {NO_DEAL!r} for a row not negotiated)")
    if tier == "2" and archetype == NO_DEAL:
        raise fail("archetype", "a Tier-2 partner needs an archetype (its deal)")
    fields = {}
    for name in FIELDS:
        if archetype == NO_DEAL and not cells[name]:
            fields[name] = (0.0, 0.0, 0.0)          # not negotiated: the fields may be blank
            continue
        value = _number(cells[name], name, fail)
        low = _number(cells.get(f"{name}_low", ""), f"{name}_low", fail, default=value)
        high = _number(cells.get(f"{name}_high", ""), f"{name}_high", fail, default=value)
        if name == "demand" and not value > 0 and archetype != NO_DEAL:
            raise fail(name, f"{value:g} is not a demand; give the partner's demand in 100k "
                       "H100e per year, above 0")
        if value < 0 or low < 0:
            raise fail(name if value < 0 else f"{name}_low",
                       f"{min(value, low):g} is below 0; give a multiplier of at least 0")
        if name != "demand" and high > MAX_MULTIPLIER:
            raise fail(f"{name}_high" if high != value else name,
                       f"{high:g} is above {MAX_MULTIPLIER:g}; give a multiplier (1 = as the "
                       "archetype's own partner)")
        if not low <= value <= high:
            raise fail(f"{name}_low", f"the range [{low:g}, {high:g}] does not hold the "
                       f"value {value:g}")
        fields[name] = (value, low, high)
    source = cells.get("source", "")
    if tier == "2" and not source:
        raise fail("source", "empty; say where the numbers come from (or 'judgement')")
    return PartnerRow(line, country, partner_key(country), int(tier), archetype,
                      fields["demand"], fields["china_ties"], fields["alternatives"],
                      cells.get("iso", ""), source)


def _number(text: str, column: str, fail, default: float | None = None) -> float:
    if text == "" and default is not None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise fail(column, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise fail(column, f"{text!r} is not a finite number")
    return value


def scaled_parameters(parameters: ParameterSet, row: PartnerRow, scale: Mapping[str, object],
                      table: str) -> ParameterSet:
    """The archetype deal's parameters with the row's fields applied (see the module
    docstring); each changed parameter's source names the table row and the original."""
    changed: dict[str, Parameter] = {}
    label = f"{table} {row.where}: {row.source or 'no source given'}"
    demand_name = scale.get("demand")
    if isinstance(demand_name, str):
        p = parameters[demand_name]
        value, low, high = row.demand
        if (value, low, high) != (p.value, p.low, p.high):     # the deal's own: its source
            changed[demand_name] = Parameter(
                demand_name, value, range=(low, high) if high > low else None,
                distribution=(p.distribution or "triangular") if high > low else None,
                unit=p.unit, source=f"{label}")
    for name in ("china_ties", "alternatives"):
        value, low, high = getattr(row, name)
        if value == low == high == 1.0:
            continue                                  # as the archetype's own partner
        for target in scale.get(name, ()) or ():  # type: ignore[union-attr]
            p = changed.get(target, parameters[target])
            lo, hi = p.range if p.range is not None else (p.value, p.value)
            new_range = (lo * low, hi * high)
            ranged = new_range[1] > new_range[0]
            point = min(max(p.value * value, new_range[0]), new_range[1])
            changed[target] = Parameter(
                target, point, range=new_range if ranged else None,
                distribution=(p.distribution or "triangular") if ranged else None,
                unit=p.unit, source=f"{p.source} x {name} {value:g} [{low:g}, {high:g}] "
                f"({label})")
    if not changed:
        return parameters
    return ParameterSet([changed.get(p.name, p) for p in parameters.values()])


_ARCHETYPE_SCALE = {"demand": str, "china_ties": "names", "alternatives": "names"}


def partner_entries(r, doc: Mapping[str, object], base, limited: bool, entry, read
                    ) -> tuple[list, list[tuple[str, str]]]:
    """The deals of a portfolio document's ``[partners]`` table: one per Tier-2 row, built
    from its archetype (``entry`` reads an archetype as a ``[[deals]]`` entry; ``read`` reads
    the table's bytes). Returns the deals and the rows not negotiated (name, reason)."""
    spec = r.keys(r.table(doc, "partners", ""), "partners", {"table": str}, {"source": str})
    table_name = r.typed(spec["table"], str, "partners.table")
    kinds = r.table(doc, "archetypes", "")
    if not kinds:
        raise r.fail("archetypes", "give at least one [archetypes.NAME] table")
    templates, scales = {}, {}
    for name, kind in kinds.items():
        where = f"archetypes.{name}"
        r.name(name, where)
        if name == NO_DEAL:
            raise r.fail(where, f"{NO_DEAL!r} is kept for rows not negotiated; rename it")
        if not isinstance(kind, Mapping):
            raise r.fail(where, "expected a table with deal, issue, volume and scale")
        kind = dict(kind)
        scale = kind.pop("scale", None)
        if not isinstance(scale, Mapping) or "demand" not in scale:
            raise r.fail(f"{where}.scale", "give scale = { demand = \"PARAMETER\", china_ties "
                         "= [...], alternatives = [...] }")
        got = entry(r, kind, 0, base, limited, where=where)
        if isinstance(got, tuple):
            raise r.fail(f"{where}.deal", "not found")
        params = got.deal.parameters
        for field, value in scale.items():
            if field not in _ARCHETYPE_SCALE:
                raise r.fail(f"{where}.scale.{field}", f"unknown field; the fields are "
                             f"{sorted(_ARCHETYPE_SCALE)}")
            names = [value] if field == "demand" else value
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise r.fail(f"{where}.scale.{field}", "give parameter names" if
                             field != "demand" else "give one parameter name")
            for n in names:
                if n not in params:
                    raise r.fail(f"{where}.scale.{field}", f"deal {got.deal.name!r} has no "
                                 f"parameter {n!r}")
        templates[name], scales[name] = got, dict(scale)
    path = Path(base) / table_name
    shown = str(path)
    if not path.is_file():
        raise r.fail("partners.table", f"no such file {shown!r}; give a CSV table (a path "
                     "relative to the portfolio file)")
    rows = read_partners(read(path, shown), shown, list(templates))
    deals = []
    listed: dict[int, list[str]] = {1: [], 3: []}
    for row in rows:
        if row.tier != 2:
            listed[row.tier].append(row.country)
            continue
        t = templates[row.archetype]
        try:
            params = scaled_parameters(t.deal.parameters, row, scales[row.archetype],
                                       table_name)
        except Exception as exc:                     # a scaled range a parameter refuses
            raise DealFileError(str(exc), path=shown, field=row.where) from None
        deal = replace(t.deal, partner=row.country, parameters=params)
        deals.append(replace(t, key=row.key, deal=deal, row=True))
    outside = [(f"{len(names)} Tier-{tier} "
                f"{'country' if len(names) == 1 else 'countries'} ({', '.join(names)})",
                f"Tier {tier} of the January 2025 rule: "
                + ("no limits" if tier == 1 else "no access") + ", not negotiated")
               for tier, names in listed.items() if names]
    return deals, outside
