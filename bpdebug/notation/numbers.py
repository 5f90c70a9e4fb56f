"""Numbers and shapes as text: one precision setting and one shape vocabulary for every surface.

A value is shown by what it is in the math, whatever its NumPy shape: one entry is a scalar,
a vector (b, or one column of a batch) is a column, a matrix keeps its rows and columns.
"""

from __future__ import annotations

import math
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
    """Characters that every entry of `matrix` needs at `digits` (`num`): exact for small
    matrices; for larger ones a bound read from the range of the entries (a few NumPy
    passes, nothing formatted), as tight as %g allows: d digits and a point, a sign if one
    is negative, '0.000' before a number under 1 (down to 1e-4), 'e-05' (e-100) after one
    written in scientific notation."""
    if matrix.size <= 64:
        return max((len(num(v, digits)) for v in matrix.flat), default=1)
    m = np.asarray(matrix, dtype=np.float64)
    top, smallest, negative, finite = _magnitudes(m)
    special = 1 if finite else 4  # "0"; "nan", "-inf"
    if top == 0.0:
        return special
    d = digits or 17
    width = 1
    if top >= 1e-4:  # fixed notation: "123.456", "0.000123456"
        least = max(smallest, 1e-4)
        width = d + 1 + max(0, -math.floor(math.log10(least)))
    above = 1e16 if digits is None else 10.0**d  # where repr, and %g at d digits, turn
    if smallest < 1e-4 or top >= above:  # to scientific notation: "1.23457e-05"
        wide_exponent = smallest < 1e-99 or top >= 1e100
        width = max(width, d + 5 + wide_exponent)
    return max(width + negative, special)


MAGNITUDE = np.uint64(0x7FFF_FFFF_FFFF_FFFF)  # a float64's bits but its sign
INF_BITS = 0x7FF0_0000_0000_0000  # the bits of inf; nan's are larger


def _magnitudes(m: np.ndarray) -> tuple[float, float, bool, bool]:
    """The largest finite |entry|, the smallest non-zero one (0 for none), whether a finite
    one is negative and whether all are finite. A float's bits without its sign order as
    its magnitude does, so the smallest non-zero one is the least of bits − 1 (0 wraps
    round to the largest): one copy, four passes, no mask (a masked minimum takes ten
    times as long)."""
    bits = np.ascontiguousarray(m).reshape(-1).view(np.uint64) & MAGNITUDE
    top = int(bits.max())
    bits -= np.uint64(1)
    least = (int(bits.min()) + 1) % 2**64
    if top < INF_BITS:
        return _float(top), _float(least), bool(m.min() < 0), True
    finite = m[np.isfinite(m)]  # nan or inf among them: the slow way, rarely
    a = np.abs(finite[finite != 0])
    if not a.size:
        return 0.0, 0.0, False, False
    return float(a.max()), float(a.min()), bool((finite < 0).any()), False


def _float(bits: int) -> float:
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


def changed(new: object, old: object) -> bool:
    """Whether a value of the same shape differs from what it was (nan equals nan): the
    same array is unchanged without a look, and nothing is copied to compare."""
    if new is old:
        return False
    a, b = np.asarray(new), np.asarray(old)
    return a.shape == b.shape and not np.array_equal(a, b, equal_nan=True)
