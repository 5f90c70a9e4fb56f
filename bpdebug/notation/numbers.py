"""Numbers and shapes as text: one precision setting and one shape vocabulary for every surface.

A value is shown by what it is in the math, whatever its NumPy shape: one entry is a scalar,
a vector (b, or one column of a batch) is a column, a matrix keeps its rows and columns.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

DIGITS = 6  # significant digits shown by default everywhere; None means full precision
FULL = None

_SUPERSCRIPT = str.maketrans("0123456789-+()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾")
_SUBSCRIPT = str.maketrans("0123456789-+()kjimn", "₀₁₂₃₄₅₆₇₈₉₋₊₍₎ₖⱼᵢₘₙ")
SUPERSCRIPTABLE = set("0123456789-+()")
SUBSCRIPTABLE = set("0123456789-+()kjimn")


@lru_cache(maxsize=256)
def sup(l: int | str) -> str:
    """The layer superscript of the notation: sup(2) == '⁽²⁾'."""
    return f"⁽{str(l).translate(_SUPERSCRIPT)}⁾"


def superscript(text: str | int) -> str:
    return str(text).translate(_SUPERSCRIPT)


def subscript(text: str | int) -> str:
    """'12' → '₁₂', 'k' → 'ₖ'."""
    return str(text).translate(_SUBSCRIPT)


def num(v: float, digits: int | None = DIGITS) -> str:
    """A number to `digits` significant figures (None: every digit that round-trips).

    -0 is written 0; nan and ±inf are spelled out.
    """
    f = float(v)
    if f == 0.0:
        return "0"  # also -0.0: the sign of zero is not a number anyone computes by hand
    if f != f:
        return "nan"
    if f in (float("inf"), float("-inf")):
        return "inf" if f > 0 else "-inf"
    if digits is None:
        return repr(f)
    return f"{f:.{digits}g}"


_SHAPE_MARK = str.maketrans("0123456789×()", "₀₁₂₃₄₅₆₇₈₉ₓ₍₎")


def shape_mark(shape: str) -> str:
    """A shape written small after a matrix shown in part: '128×784' → '₁₂₈ₓ₇₈₄'."""
    return shape.translate(_SHAPE_MARK)


def shape_text(shape: tuple[int, ...]) -> str:
    """The math shape: 'scalar' for one entry, 'n' for a vector or a single column, 'n×m'."""
    size = int(np.prod(shape)) if shape else 1
    if size == 1:
        return "scalar"
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        return str(shape[0])
    return "×".join(str(n) for n in shape)


def as_rows(value: object) -> np.ndarray:
    """A value as the matrix it is shown as: a scalar 1×1, a vector (n) a column n×1."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    return arr


def cell_width(matrix: np.ndarray, digits: int | None = DIGITS) -> int:
    """Characters that every entry of `matrix` needs at `digits` (exact for small matrices,
    a bound that holds for any float otherwise)."""
    if matrix.size <= 64:
        return max((len(num(v, digits)) for v in matrix.flat), default=1)
    return (digits or 17) + 8  # sign, point, 'e+308', and a '0.000' lead at most


def changed(new: object, old: object) -> bool:
    """Whether a value of the same shape differs from what it was (nan equals nan): the
    same array is unchanged without a look, and nothing is copied to compare."""
    if new is old:
        return False
    a, b = np.asarray(new), np.asarray(old)
    return a.shape == b.shape and not np.array_equal(a, b, equal_nan=True)
