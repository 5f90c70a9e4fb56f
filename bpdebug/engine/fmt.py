"""Numbers as text: scalars in full, small arrays inline, large ones by their shape."""

from __future__ import annotations

import numpy as np

from .activations import Array

INLINE_MAX = 8  # arrays with more entries than this are written by their shape


def shape_text(shape: tuple[int, ...]) -> str:
    """'2×3' for a matrix, '2' for a vector, 'scalar' for a number."""
    return "×".join(str(n) for n in shape) if shape else "scalar"


def full(v: float) -> str:
    """A float at full round-trip precision ('0.1', not '0.1000000000000000055')."""
    return repr(float(v))


def short(v: float, digits: int = 6) -> str:
    """A float to `digits` significant figures, with nan/inf spelled out."""
    return f"{float(v):.{digits}g}"


def inline(value: Array | float, digits: int = 6, max_entries: int = INLINE_MAX) -> str:
    """A value as it appears inside a formula: [r1c1, r1c2; r2c1, r2c2] (';' ends a row)."""
    arr = np.asarray(value)
    if arr.size == 1:
        return full(arr.reshape(()).item())
    if arr.size > max_entries:
        return f"⟨{shape_text(arr.shape)}⟩"
    if arr.ndim == 1:
        return "[" + ", ".join(short(v, digits) for v in arr) + "]"
    rows = "; ".join(", ".join(short(v, digits) for v in row) for row in arr)
    return f"[{rows}]"
