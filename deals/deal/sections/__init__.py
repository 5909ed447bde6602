"""Optional sections of a deal file (``[stages]``, ``[actors]``, ``[beliefs]``), registered in one place.

A section is one module here that reads its table, checks it against the deal, writes it back
and says where it is documented; :data:`SECTIONS` registers it, and the schema, the model and
the writer loop over that tuple. To add a section (CONTRIBUTING.md): write the module with a
frozen class that has ``checked(deal, parse)``, ``NAME_from_dict(table, fail)`` and
``NAME_to_dict(obj)``; add a :class:`FileSection` for it below; add the field of the same name
to :class:`deals.deal.model.Deal` (default ``None``); document it under its heading in
docs/deal-files.md (a test checks the heading).

>>> [s.key for s in SECTIONS]
['stages', 'actors', 'beliefs']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from deals.deal.sections.actors import actors_from_dict, actors_to_dict
from deals.deal.sections.beliefs import beliefs_from_dict, beliefs_to_dict
from deals.deal.sections.stages import stages_from_dict, stages_to_dict


@dataclass(frozen=True)
class FileSection:
    """One optional table of a deal file: its key (the TOML table and the ``Deal`` field), how it
    is read (``read(table, fail)``, ``fail(field, message)`` making the error) and written back
    (``write(obj)``), and the heading of docs/deal-files.md that documents it. The object read
    is checked against the whole deal by its own ``checked(deal, parse)`` when the deal is built.
    """

    key: str
    read: Callable[[Mapping[str, Any], Callable[[str, str], Exception]], Any]
    write: Callable[[Any], dict[str, Any]]
    heading: str


#: Every optional section, in the order a file is written.
SECTIONS: tuple[FileSection, ...] = (
    FileSection("stages", stages_from_dict, stages_to_dict, "Staged deals"),
    FileSection("actors", actors_from_dict, actors_to_dict, "Actors at home and two-sided beliefs"),
    FileSection("beliefs", beliefs_from_dict, beliefs_to_dict,
                "Actors at home and two-sided beliefs"),
)
