"""Notation: the formula model and its one layout, written as text, LaTeX or MathML.

A leaf package (NumPy only): the engine builds formulas with it, and every surface (the
screen, `trace`, the hand-outs) renders them through it, so no two can disagree.
"""

from bpdebug.notation.latex import latex
from bpdebug.notation.layout import (
    INLINE_MAX,
    Bound,
    Equation,
    numbers,
    result,
    substituted,
    symbolic,
)
from bpdebug.notation.mathml import mathml
from bpdebug.notation.numbers import DIGITS, num, shape_text, sup
from bpdebug.notation.text import text

__all__ = [
    "DIGITS",
    "INLINE_MAX",
    "Bound",
    "Equation",
    "latex",
    "mathml",
    "num",
    "numbers",
    "result",
    "shape_text",
    "substituted",
    "sup",
    "symbolic",
    "text",
]
