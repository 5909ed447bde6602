"""``--given``: a command's audit given the record (issue 25), shared by ``assess``, ``compare``,
``stages`` and ``portfolio``.

The record is conditioned once per command (:func:`deals.record.condition.condition`) and its
table of what moved is added to the command's output.
"""

from __future__ import annotations

import argparse

from typing import TYPE_CHECKING

from deals.views.output import Section

if TYPE_CHECKING:  # the record loads only when --given asks for it (start-up time)
    from deals.record.condition import Conditioned


def given_option(parser: argparse.ArgumentParser) -> None:
    """``--given``: audit given the record (the library's struck deals, or a record file)."""
    parser.add_argument("--given", metavar="record|FILE.toml",
                        help="audit given the record: 'record' (every library deal's struck "
                        "terms, signed by both sides) or a record file of signed and refused "
                        "terms; the parameter draws are those the record leaves possible")


def given_from(args: argparse.Namespace) -> Conditioned | None:
    """The conditioned distribution ``--given`` asks for (None without it); with ``--as-of``,
    the library's record as it stood then."""
    if not getattr(args, "given", None):
        return None
    from deals.record.condition import condition  # start-up time: the record, when asked for
    from deals.record.events import library_record, load_record  # start-up time: as above
    from deals.record.timeline import date_of, library_as_of  # start-up time: as above

    as_of = getattr(args, "as_of", None)
    if args.given == "record" and as_of:
        return condition(library_record(library_as_of(as_of)), seed=args.seed)
    if as_of:  # a record file as it stood then: its events dated later are left out
        return condition(load_record(args.given).until(date_of(as_of)), seed=args.seed)
    return condition(args.given, seed=args.seed)


def given_section(given: Conditioned | None) -> list[Section]:
    """What the record did to the parameters: a table of the ones that moved, if any."""
    if given is None or given.empty:
        return []
    from deals.record.conditioning_view import conditioning_section  # start-up time: as above

    return [conditioning_section(given)]
