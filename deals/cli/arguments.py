"""Argument types shared by the commands: a whole number with a least value.

argparse turns a refused value into one line naming the option, exit code 2:
``chipdeals stages DEAL --top -1`` says ``--top: must be at least 1`` instead of silently
dropping rows.

>>> at_least(1)("3"), at_least(0)("0")
(3, 0)
"""

from __future__ import annotations

import argparse
from typing import Callable


def at_least(low: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number ``>= low``."""
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}")
        return value

    whole.__name__ = f"whole number >= {low}"
    return whole
