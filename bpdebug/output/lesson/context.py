"""What a lesson's sentence is written from (the trace, the step, the precision, whether its
numbers may be shown) and the small helpers that write its formulas and arithmetic through
the layout, as every formula is written."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bpdebug.engine import Network, Step, Trace
from bpdebug.notation import expr as ex
from bpdebug.notation.boxes import Box, Mo, Row, Text
from bpdebug.notation.layout import Setting, lay

MAX_TERMS = 4  # a unit's sum is written term by term when it has at most this many


class Context(NamedTuple):
    trace: Trace
    step: Step
    digits: int | None
    first: bool  # the first step of its kind in the document
    numbers: bool  # its numbers may be written (no quiz still asks one of them)
    used: set[int]  # the steps whose values the sentence read (ctx.value)

    def entry(self, value: object, i: int = 0, j: int = 0) -> float:
        """Entry [i, j] of a value (a vector's i; one example's column j of a batch)."""
        a = np.asarray(value, dtype=float)
        return float(a.reshape(-1)[0] if a.size == 1 else a[i] if a.ndim == 1 else a[i, j])

    def value(self, kind: str, layer: int | None) -> object:
        step = self.trace.find(kind, layer)
        self.used.add(step.index)
        return step.value

    @property
    def net(self) -> Network:
        return self.trace.network

    @property
    def batch(self) -> bool:
        return self.net.batch_size > 1


def symbol(base: str, layer: int | str | None = None, sub: str | None = None) -> Box:
    """z⁽¹⁾₀, δ⁽²⁾, W⁽¹⁾ as boxes of the layout."""
    layer = None if layer is None else str(layer)
    return lay(ex.Sym(base, layer, sub=sub), (), Setting()).box


def entry_of(box: Box, i: int, j: int) -> Box:
    """W⁽²⁾[0,1]: an entry of a matrix, as the app names it."""
    return Row((box, Text(f"[{i},{j}]")), tight=True)


def numbers(e: ex.Expr, digits: int | None) -> Box:
    """Arithmetic written by the layout: 0.15 · 0.05 + 0.2 · (−0.1)."""
    return lay(e, (), Setting(numbers=True, digits=digits)).box


def c(v: float) -> ex.Const:
    return ex.Const(float(v))


def equals(left: Box, right: Box) -> Box:
    return Row((left, Mo("="), right))


def unit(ctx: Context, i: int = 0) -> str:
    return f"unit {i}" + (" of the first example" if ctx.batch else "")


def arithmetic(ctx: Context, e: ex.Expr, value: float) -> Box:
    return equals(numbers(e, ctx.digits), numbers(c(value), ctx.digits))


def plus(e: ex.Expr, v: float) -> ex.Expr:
    """e + v, or e − |v| for a negative v: 0.2 · 0.1 − 0.3, as a person writes it."""
    return ex.Sub(e, c(-v)) if v < 0 else ex.Add(e, c(v))


def weighted_sum(pairs: list[tuple[float, float]]) -> ex.Expr:
    """w₀ · a₀ + w₁ · a₁ …, a negative weight after the first written as a minus:
    0.44 · (−0.93) − 0.29 · (−0.03)."""
    (w, a), rest = pairs[0], pairs[1:]
    e: ex.Expr = ex.MatMul(c(w), c(a))
    for w, a in rest:
        term = ex.MatMul(c(abs(w)), c(a))
        e = ex.Sub(e, term) if w < 0 else ex.Add(e, term)
    return e


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sup(l: int) -> str:
    return str(l).translate(_SUPERSCRIPT)
