"""How much of a large matrix a formula writes: its first and last rows and columns.

A two-dimensional formula (the step panel, `bpdebug trace`) that cannot write a matrix whole
writes its corners, with ⋮ ⋯ ⋱ where rows and columns are left out and its whole shape after
it; `DETAIL` is the order in which the amounts are tried until the formula fits.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bpdebug.notation.boxes import Dots, Mn, Table
from bpdebug.notation.numbers import num


class Keep(NamedTuple):
    """How much of a large matrix to write: at most `rows` rows and `cols` columns, the
    first and the last ones, with ⋮ and ⋯ for those left out."""

    rows: int
    cols: int


KEEP_ROWS = (64, 32, 24, 16, 12, 8, 6, 4, 3, 2, 1)  # rows of a large matrix written, tried in turn
KEEP_COLS = (24, 16, 12, 8, 6, 4, 3, 2, 1)  # and columns, tried at each number of rows
DETAIL: tuple[Keep | None, ...] = (
    *(Keep(r, c) for r in KEEP_ROWS for c in KEEP_COLS),
    None,  # every matrix by its shape, the last resort
)  # the detail a two-dimensional formula is written with: DETAIL[detail(r, c)]


def detail(rows_at: int, cols_at: int) -> int:
    """The index in DETAIL of KEEP_ROWS[rows_at] rows and KEEP_COLS[cols_at] columns."""
    return rows_at * len(KEEP_COLS) + cols_at


def kept_count(n: int, most: int) -> int:
    """How many of n rows (or columns) `corners` writes when at most `most` may be."""
    return n if n <= most + 1 else most + 1


def kept(n: int, most: int) -> list[int | None]:
    """The indices shown of n when at most `most` are: all, or the first and last halves
    around a None (left out). Leaving out a single row would save nothing."""
    if n <= most + 1:
        return list(range(n))
    first = (most + 1) // 2
    return [*range(first), None, *range(n - (most - first), n)]


def corners(rows: np.ndarray, digits: int | None, keep: Keep, shape: str) -> Table:
    """The first and last rows and columns of a matrix, ⋮ ⋯ ⋱ for the rest."""
    r_kept, c_kept = kept(rows.shape[0], keep.rows), kept(rows.shape[1], keep.cols)
    if len(r_kept) == rows.shape[0] and len(c_kept) == rows.shape[1]:
        shape = ""  # everything fits after all
    table: list[tuple[Mn | Dots, ...]] = []
    for i in r_kept:
        if i is None:
            table.append(tuple(Dots("⋮" if j is not None else "⋱") for j in c_kept))
        else:
            table.append(
                tuple(Mn(num(rows[i, j], digits)) if j is not None else Dots("⋯") for j in c_kept)
            )
    return Table(tuple(table), shape)
