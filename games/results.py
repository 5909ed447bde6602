"""Shared behaviour of result objects: print as a table, show as HTML in Jupyter.

A result class implements ``to_frame()`` (a pandas DataFrame) and, optionally, ``caption()``
(one or more lines that say how the result was made: method, tolerance, seed). This mixin
turns those two into ``__str__`` and ``_repr_html_``, where a missing value (a fixed
parameter's range, a ratio with no benchmark) reads as a dash, not as pandas' "NaN".

Every result records how it was made, under the same two names: ``method`` (the algorithm, in
words) and ``settings`` (a dict of the inputs that changed the answer and have no field of
their own; the tolerance, resolution or seed are fields where a class has them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from games import markup

__all__ = [
    "TabularResult", "EquilibriumSequence", "MISSING",
]

#: How a table shows a missing value (pandas' NaN or None).
MISSING = "\u2013"

if TYPE_CHECKING:
    import pandas as pd


class TabularResult:
    """Mixin for results that display as a table with a caption saying how they were made."""

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def caption(self) -> str:
        """One or more lines saying how the result was made (method, tolerance, seed); may be "".

        >>> from games import equilibria, prisoners_dilemma
        >>> equilibria(prisoners_dilemma()).caption().startswith("1 equilibrium by auto")
        True
        """
        return ""

    def __str__(self) -> str:
        import pandas as pd
        frame = self.to_frame()
        with pd.option_context("display.width", 120, "display.max_columns", 30,
                               "display.float_format", "{:.6g}".format):
            body = frame.to_string(na_rep=MISSING) if len(frame) else "(empty)"
        caption = self.caption()
        return f"{body}\n{caption}" if caption else body

    def _repr_html_(self) -> str:
        import pandas as pd
        frame = self.to_frame()
        with pd.option_context("display.float_format", "{:.6g}".format):
            table = frame.to_html(na_rep=MISSING)
        caption = self.caption()
        if caption:
            table += "<p><small>" + markup.text(caption).replace("\n", "<br>") + "</small></p>"
        return table


class EquilibriumSequence(TabularResult, Sequence):
    """Mixin for results that are a list of equilibria held in their ``equilibria`` field."""

    equilibria: tuple[Any, ...]

    def __getitem__(self, index: Any) -> Any:
        return self.equilibria[index]

    def __len__(self) -> int:
        return len(self.equilibria)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.equilibria)
