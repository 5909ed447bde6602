"""``chipdeals calibrate DEAL``: what would have to be true for the terms to be predicted."""

from __future__ import annotations

from typing import Any

import numpy as np

from deals.audit.calibration import calibrate
from deals.cli.arguments import deal_from_args
from deals.deal.model import Deal
from deals.errors import DealError
from deals.views.output import Section


def add_arguments(parser: Any) -> None:
    """The options of ``chipdeals calibrate``."""
    parser.add_argument("--terms", choices=("outcome", "proposal"), default="outcome",
                        help="which terms to explain (default: the deal as struck)")
    parser.add_argument("--disputed", action="store_true",
                        help="use the terms' disputed reading (e.g. India's oil shift)")
    parser.add_argument("--tolerance", type=float, default=0.01,
                        help="how close the gains must be to the solution's, as a share of "
                        "each side's range of gains (default 0.01)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def moved_text(share: float) -> str:
    """A move as a signed share of the parameter's range, never a signed zero.

    >>> [moved_text(v) for v in (0.05, -0.004, -0.00001, float("nan"))]
    ['+5%', '-0.4%', '0%', '']
    """
    if not np.isfinite(share):
        return ""
    if abs(share) >= 0.005:
        return f"{share:+.0%}"
    return f"{share:+.1%}" if abs(share) >= 0.0005 else "0%"  # "-0%" would read as a sign


def calibration_sections(deal: Deal, args: Any) -> list:
    """``chipdeals calibrate DEAL``: the table of moved parameters, with the sentences."""
    if not 0 < args.tolerance < 1:
        raise DealError("--tolerance: give a share between 0 and 1, e.g. 0.01")
    result = calibrate(deal, args.terms, disputed=args.disputed, tolerance=args.tolerance,
                       seed=args.seed)
    frame = result.to_frame()
    shown = frame.assign(moved=[moved_text(v) for v in frame["moved"]])
    return [Section(f"{deal.name}: what would have to be true", frame, result.caption(),
                    name="what_would_have_to_be_true", display=shown)]


def cmd_calibrate(args: Any) -> list:
    """``chipdeals calibrate DEAL``: what would have to be true for the terms to be predicted."""
    return calibration_sections(deal_from_args(args), args)
