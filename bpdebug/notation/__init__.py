"""Notation: the formula model and its one layout, written as text, LaTeX or MathML.

A leaf package (NumPy only): the engine builds formulas with it, and every surface (the
screen, `trace`, the hand-outs) renders them through it, so no two can disagree.
"""

from .latex import latex
from .layout import INLINE_MAX, Bound, Equation, numbers, result, substituted, symbolic
from .mathml import mathml
from .numbers import DIGITS, num, shape_text, sup
from .text import text

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
