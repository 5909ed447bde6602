"""A linear system in dictionary form, pivoted in place: the engine of Lemke-Howson and the zero-sum simplex.

The system  C v + s = 1  (rows r, one basic variable each; every variable carries a label) is
kept as its *dictionary*: only the columns of the nonbasic variables and the right-hand side,
in one preallocated array. A basic variable's column in the full tableau is a unit vector and
need not be stored, which halves the work of a pivot on a square game; the pivot updates the
array in place (rank-one update into a preallocated buffer), so no temporary of the table's
size is made per pivot. The arithmetic is that of the full tableau pivot (Dantzig, *Linear
Programming and Extensions*, 1963, chapter 8), entry for entry.

Ties in the ratio test are broken lexicographically by the columns of B^{-1} (those of the
initial basic variables), which guarantees termination on degenerate systems.
"""

from __future__ import annotations

import numpy as np

from games.errors import GameError

#: An entry of the pivot column must exceed this to bound the entering variable. Entries are of
#: order one (payoffs normalised to [1, 2]); smaller ones are rounding noise of zeros.
PIVOT_TOL = 1e-9

UNBOUNDED = ("a pivot found an unbounded ray; this should not happen on a bounded polytope and "
             "signals numerical trouble. Try method='vertex'")


class Dictionary:
    """The system ``C v + s = 1`` with the slacks ``s`` basic; labels name the variables.

    ``coefficients`` is (rows, k) for the k nonbasic variables labelled ``nonbasic``; the
    slacks are labelled ``basic``. ``extra_rows`` rows (e.g. an objective row) are updated by
    every pivot but never leave: pass their coefficients and right-hand sides.
    """

    def __init__(self, coefficients: np.ndarray, nonbasic: list[int], basic: list[int],
                 extra_rows: np.ndarray | None = None, extra_rhs: np.ndarray | None = None):
        rows, k = coefficients.shape
        extra = 0 if extra_rows is None else len(extra_rows)
        self.rows = rows
        self.table = np.empty((rows + extra, k + 1))
        self.table[:rows, :k] = coefficients
        self.table[:rows, k] = 1.0
        if extra:
            self.table[rows:, :k] = extra_rows
            self.table[rows:, k] = extra_rhs
        self.basis = list(basic)                  # label of the basic variable of each row
        self.nonbasic = list(nonbasic)            # label of the variable of each column
        labels = max(basic + nonbasic) + 1
        self.row_of = np.full(labels, -1)         # row of a basic label, -1 if nonbasic
        self.column_of = np.full(labels, -1)      # column of a nonbasic label, -1 if basic
        self.row_of[basic] = np.arange(rows)
        self.column_of[nonbasic] = np.arange(k)
        self.lex_labels = list(basic)             # their columns form B^{-1}
        self._buffer = np.empty_like(self.table)
        self._column = np.empty((rows + extra, 1))
        self._ratios = np.empty(rows)

    def full_column(self, label: int) -> np.ndarray:
        """The tableau column of a variable (a unit vector when it is basic), pivot rows only."""
        column = self.column_of[label]
        if column >= 0:
            return self.table[:self.rows, column]
        unit = np.zeros(self.rows)
        unit[self.row_of[label]] = 1.0
        return unit

    def leaving_row(self, label: int) -> int:
        """Lexicographic minimum-ratio test for the entering variable (raises if unbounded)."""
        rows = self.rows
        entries = self.table[:rows, self.column_of[label]]
        positive = entries > PIVOT_TOL
        ratios = self._ratios
        ratios.fill(np.inf)
        np.divide(self.table[:rows, -1], entries, out=ratios, where=positive)
        first = int(ratios.argmin())
        best = ratios[first]
        if best == np.inf:
            raise GameError(UNBOUNDED)
        close = ratios <= best + 1e-12 * max(1.0, abs(best))
        if np.count_nonzero(close) == 1:
            return first
        tied = np.flatnonzero(close)
        for lex in self.lex_labels:
            key = self.full_column(lex)[tied] / entries[tied]
            best = key.min()
            tied = tied[key <= best + 1e-12 * max(1.0, abs(best))]
            if len(tied) == 1:
                break
        return int(tied[0])

    def pivot(self, label: int, row: int | None = None) -> int:
        """Let the variable ``label`` enter the basis; return the label that leaves."""
        if row is None:
            row = self.leaving_row(label)
        k = self.column_of[label]
        table, column = self.table, self._column
        column[:, 0] = table[:, k]
        pivot = column[row, 0]
        table[row] /= pivot
        inverse = 1.0 / pivot                     # the leaving unit column's entry, divided
        column[row, 0] = 0.0
        np.dot(column, table[row:row + 1], out=self._buffer)
        np.subtract(table, self._buffer, out=table)
        # The leaving variable's column (a unit vector before) takes the entering one's place.
        np.multiply(column[:, 0], -inverse, out=table[:, k])
        table[row, k] = inverse
        leaving = self.basis[row]
        self.basis[row], self.nonbasic[k] = label, leaving
        self.row_of[label], self.column_of[label] = row, -1
        self.row_of[leaving], self.column_of[leaving] = -1, k
        return leaving

    def values(self, size: int) -> np.ndarray:
        """Values of the variables labelled 0..size-1 (zero when nonbasic)."""
        out = np.zeros(size)
        out[self.basis] = self.table[:self.rows, -1]
        return out
