"""From the formula model to the formula as written (symbolic, or with its numbers).

Every decision about how a formula looks is made here, once for every surface:
- a product of two plain numbers always carries its operator (0.6 · 1 + 0.9);
- a negative number after an operator is parenthesised (0.6 − 0.15 · (-0.12));
- values keep their true shape: a vector is a column, a 1×n matrix one row;
- named constants (m, n, α) are written by name in the formula and filled in with numbers;
- in a batch, (1/m) Σₖ takes each per-example operand for example k, and following one
  example writes that example's column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

import numpy as np

from bpdebug.notation import expr as ex
from bpdebug.notation.boxes import (
    Apply,
    Box,
    Elided,
    Fenced,
    Fraction,
    Mi,
    Mn,
    Mo,
    Row,
    Subscript,
    Sup,
    Table,
    Text,
)
from bpdebug.notation.detail import DETAIL as DETAIL  # re-exported: callers write layout.DETAIL
from bpdebug.notation.detail import KEEP_COLS as KEEP_COLS
from bpdebug.notation.detail import KEEP_ROWS as KEEP_ROWS
from bpdebug.notation.detail import Keep as Keep
from bpdebug.notation.detail import corners as corners
from bpdebug.notation.detail import detail as detail
from bpdebug.notation.detail import kept as kept
from bpdebug.notation.detail import kept_count as kept_count
from bpdebug.notation.numbers import DIGITS, as_rows, num, shape_text

INLINE_MAX = 8  # a value with more entries is written by its shape unless asked otherwise

SUM, PRODUCT, POSTFIX, ATOM = 1, 2, 3, 4


class Hidden:
    """The value of an operand a quiz still asks for: written `?` wherever it would stand."""

    def __repr__(self) -> str:
        return "HIDDEN"


HIDDEN = Hidden()


class Bound(NamedTuple):
    """An operand as a formula sees it: its symbol, its value, whether it has one column per
    example (z, a, δ, x, y …) rather than one value for the batch (W, b, η, ∂L/∂W)."""

    symbol: ex.Expr
    value: object = None
    per_example: bool = False


Ops = Sequence[Bound]


class Equation(NamedTuple):
    """`lhs relation rhs`, with the operands `Ref(k)` stands for and the result."""

    lhs: ex.Expr
    relation: str  # "=" or "←"
    rhs: ex.Expr
    operands: tuple[Bound, ...]
    value: object


class Setting(NamedTuple):
    numbers: bool = False  # write values instead of symbols
    digits: int | None = DIGITS
    max_entries: int = INLINE_MAX
    keep: Keep | None = None  # a larger value: its corners (else its shape)
    example: int | None = None  # follow this example (column) of a batch
    over_k: bool = False  # inside Σₖ: per-example operands are taken for example k


class Laid(NamedTuple):
    """A laid-out subexpression: its box, its precedence, and what it is as a value."""

    box: Box
    prec: int
    number: bool = False  # written as one plain number (or a constant fraction)
    negative: bool = False  # a plain number that starts with a minus sign
    scalar: bool = False  # its value is one number (known only with numbers)


def paren(box: Box) -> Box:
    return Fenced("(", box, ")")


def value_box(
    value: object, digits: int | None, max_entries: int, keep: Keep | None = None
) -> Laid:
    """A value as written: a number, a matrix of numbers; when it has more than
    `max_entries`, its corners (with `keep`) or its shape. Only the entries written are
    formatted, so a 128×784 matrix costs what its corners do."""
    if value is HIDDEN:
        return Laid(Mi("?"), ATOM)
    rows = as_rows(value)
    if rows.size == 1:
        text = num(rows.item(), digits)
        return Laid(Mn(text), ATOM, number=True, negative=text.startswith("-"), scalar=True)
    if rows.size <= max_entries:
        table = tuple(tuple(Mn(num(v, digits)) for v in row) for row in rows)
        return Laid(Table(table), ATOM)
    shape = shape_text(np.asarray(value).shape)
    if keep is None:
        return Laid(Elided(shape), ATOM)
    return Laid(corners(rows, digits, keep, shape), ATOM)


def _const(c: ex.Const, ops: Ops, s: Setting) -> Laid:
    if c.name and not s.numbers:
        return Laid(Mi(c.name), ATOM)
    v = float(c.value)
    text = str(int(v)) if v.is_integer() and abs(v) < 1e15 else num(v, s.digits)
    return Laid(Mn(text), ATOM, number=True, negative=text.startswith("-"), scalar=True)


def _sym(e: ex.Sym) -> Box:
    box: Box = Mi(e.base + ("′" if e.prime else ""))
    if e.layer is not None:
        box = Sup(box, Row((Mo("("), Mn(e.layer), Mo(")")), tight=True))
    if e.sub is not None:
        box = Subscript(box, Mi(e.sub))
    return box


def _right(l: Laid) -> Box:
    """An operand after a binary operator: a negative number gets parentheses."""
    return paren(l.box) if l.negative else l.box


def for_example(symbol: ex.Expr, k: str) -> ex.Expr | None:
    """A per-example symbol for example k, the index on the quantity itself: z⁽¹⁾ₖ,
    ∂L/∂a⁽²⁾ₖ, σ′(z⁽¹⁾ₖ); None when it has no one place for it."""
    if isinstance(symbol, ex.Sym):
        return symbol._replace(sub=k)
    if isinstance(symbol, ex.Grad) and isinstance(symbol.wrt, ex.Sym):
        return symbol._replace(wrt=symbol.wrt._replace(sub=k))
    if isinstance(symbol, ex.Call) and isinstance(symbol.arg, ex.Sym):
        return symbol._replace(arg=symbol.arg._replace(sub=k))
    return None


def _operand(e: ex.Ref, ops: Ops, s: Setting) -> Laid:
    op = ops[e.k]
    index = str(s.example) if s.example is not None else "k" if s.over_k else None
    if not s.numbers:
        symbol = op.symbol
        if op.per_example and index is not None:
            own = for_example(symbol, index)
            if own is not None:
                return lay(own, ops, s)
            inner = lay(symbol, ops, s)
            return Laid(Subscript(paren(inner.box), Mi(index)), ATOM)
        return lay(symbol, ops, s)
    value = op.value
    if value is HIDDEN:
        return Laid(Mi("?"), ATOM)
    if op.per_example and s.example is not None:
        value = np.asarray(value)[..., s.example]
    laid = value_box(value, s.digits, s.max_entries, s.keep)
    if op.per_example and s.over_k and s.example is None and not laid.number:
        box = laid.box
        if isinstance(box, Table) and box.shape:  # ₍₃ₓ₆₎ₖ, never read as a shape 3×6k
            box = box._replace(shape=f"({box.shape})")
        return Laid(Subscript(box, Mi("k")), ATOM)
    return laid


def _product_sign(left: Laid, right: Laid, elementwise: bool, numbers: bool) -> list[Box]:
    """The operator between two factors: · wherever a plain number is a factor of a formula
    with numbers (and between two in a symbolic one), · for an elementwise product of two
    scalars and ⊙ for other elementwise products; nothing (side by side) for a matrix
    product of arrays."""
    if (left.number and right.number) or (numbers and (left.number or right.number)):
        return [Mo("·")]
    if numbers and any(f.scalar and isinstance(f.box, Fenced) for f in (left, right)):
        return [Mo("·")]  # (1 − 0.9) · [..]: a bracketed scalar is a number too
    if elementwise:
        return [Mo("·")] if left.scalar and right.scalar else [Mo("⊙")]
    return []


def _postfix_base(l: Laid) -> Box:
    """The base of a power or a transpose: parenthesised unless it is a plain name, a
    bracketed value or a non-negative number (x², [..]ᵀ, but (a⁽¹⁾)ᵀ and (-0.5)²)."""
    bare = isinstance(l.box, Mi | Table | Elided | Fenced | Apply) or (l.number and not l.negative)
    return l.box if bare and l.prec == ATOM else paren(l.box)


def lay(e: ex.Expr, ops: Ops, s: Setting) -> Laid:
    """Lay out `e` (ops: what each Ref stands for)."""
    return _LAYOUTS[type(e)](e, ops, s)


def _lay_sym(e: ex.Sym, ops: Ops, s: Setting) -> Laid:
    return Laid(_sym(e), ATOM)


def _lay_grad(e: ex.Grad, ops: Ops, s: Setting) -> Laid:
    d = Mi("∂")
    top = Row((d, lay(e.of, ops, s).box), tight=True)
    bottom = Row((d, lay(e.wrt, ops, s).box), tight=True)
    return Laid(Fraction(top, bottom, "grad"), ATOM)


def _lay_frac(e: ex.Frac, ops: Ops, s: Setting) -> Laid:
    half = e == ex.Frac(ex.Const(1), ex.Const(2))  # written ½; a named n = 2 is (1/2)
    box = Fraction(lay(e.num, ops, s).box, lay(e.den, ops, s).box, "half" if half else "const")
    return Laid(box, ATOM, number=True, scalar=True)


def _lay_sum(e: ex.Add | ex.Sub, ops: Ops, s: Setting) -> Laid:
    left, right = lay(e.left, ops, s), lay(e.right, ops, s)
    sign = "+" if isinstance(e, ex.Add) else "−"
    rbox = paren(right.box) if right.prec <= SUM and sign == "−" else _right(right)
    return Laid(Row((left.box, Mo(sign), rbox)), SUM, scalar=left.scalar and right.scalar)


def _lay_neg(e: ex.Neg, ops: Ops, s: Setting) -> Laid:
    arg = lay(e.arg, ops, s)
    box = paren(arg.box) if arg.prec < PRODUCT or arg.negative else arg.box
    return Laid(Row((Mo("−"), box), tight=True), PRODUCT, scalar=arg.scalar)


def _lay_product(e: ex.MatMul | ex.Had, ops: Ops, s: Setting) -> Laid:
    left, right = lay(e.left, ops, s), lay(e.right, ops, s)
    lbox = paren(left.box) if left.prec < PRODUCT else left.box
    wrap = right.negative or (right.prec <= PRODUCT and not right.number)
    rbox = paren(right.box) if wrap else right.box
    sign = _product_sign(left, right, isinstance(e, ex.Had), s.numbers)
    return Laid(Row((lbox, *sign, rbox)), PRODUCT, scalar=left.scalar and right.scalar)


def _lay_div(e: ex.Div, ops: Ops, s: Setting) -> Laid:
    """Elementwise division: a fraction between numbers or scalars; of arrays, symbols or
    numbers, never one matrix set over another: −y ⊘ a⁽²⁾, [..] ⊘ [..] entry by entry, or
    [..] / (1 − 0.9) by a number."""
    top, bottom = lay(e.num, ops, s), lay(e.den, ops, s)
    arrays = _holds_array(e.num, ops) or _holds_array(e.den, ops)
    if (not s.numbers and not arrays) or (top.scalar and bottom.scalar):
        return Laid(Fraction(top.box, bottom.box, "div"), PRODUCT, scalar=top.scalar)
    tbox = paren(top.box) if top.prec < PRODUCT else top.box
    wrap = bottom.negative or (bottom.prec <= PRODUCT and not bottom.number)
    bbox = paren(bottom.box) if wrap else bottom.box
    by_number = bottom.scalar or (not s.numbers and not _holds_array(e.den, ops))
    return Laid(Row((tbox, Mo("/" if by_number else "⊘"), bbox)), PRODUCT)


def _holds_array(e: ex.Expr, ops: Ops) -> bool:
    """Whether an operand of `e` holds more than one number: its value says, or, in a
    formula without values (the plan's), whether it has a column per example (a, y, z …)."""
    if isinstance(e, ex.Ref):
        value = ops[e.k].value
        if value is None or value is HIDDEN:
            return ops[e.k].per_example
        return bool(np.size(cast(Any, value)) > 1)
    children = [c for c in e if isinstance(c, ex.NODES)]
    return any(_holds_array(cast(ex.Expr, c), ops) for c in children)


def _lay_transpose(e: ex.T, ops: Ops, s: Setting) -> Laid:
    arg = lay(e.arg, ops, s)
    if arg.number:  # a number is its own transpose
        return arg
    return Laid(Sup(_postfix_base(arg), Mi("⊤")), POSTFIX)


def _lay_pow(e: ex.Pow, ops: Ops, s: Setting) -> Laid:
    arg = lay(e.arg, ops, s)
    return Laid(Sup(_postfix_base(arg), Mn(str(e.power))), POSTFIX, scalar=arg.scalar)


def _lay_call(e: ex.Call, ops: Ops, s: Setting) -> Laid:
    arg = lay(e.arg, ops, s)
    fn: Box = Mi(e.fn) if e.power is None else Sup(Mi(e.fn), Mn(str(e.power)))
    return Laid(Apply(fn, arg.box), ATOM, scalar=arg.scalar)


def _lay_norm(e: ex.Norm2, ops: Ops, s: Setting) -> Laid:
    arg = lay(e.arg, ops, s)
    return Laid(Sup(Fenced("‖", arg.box, "‖"), Mn("2")), POSTFIX)


def _lay_sum_units(e: ex.SumUnits, ops: Ops, s: Setting) -> Laid:
    body = Subscript(paren(lay(e.arg, ops, s).box), Mi("j"))
    return Laid(Row((Subscript(Mo("Σ"), Mi("j")), body)), PRODUCT)


def _lay_compare(e: ex.Compare, ops: Ops, s: Setting) -> Laid:
    left, right = lay(e.left, ops, s), lay(e.right, ops, s)
    return Laid(Row((left.box, Mo(e.op), _right(right))), SUM)


def _lay_iverson(e: ex.Iverson, ops: Ops, s: Setting) -> Laid:
    return Laid(Fenced("[", lay(e.cond, ops, s).box, "]"), ATOM)


def _lay_words(e: ex.Words, ops: Ops, s: Setting) -> Laid:
    return Laid(Text(e.text), ATOM)


def _lay_paren(e: ex.Paren, ops: Ops, s: Setting) -> Laid:
    arg = lay(e.arg, ops, s)
    return Laid(paren(arg.box), ATOM, scalar=arg.scalar)


def _lay_batch_mean(e: ex.BatchMean, ops: Ops, s: Setting) -> Laid:
    if s.example is not None:  # one example's own term of the mean
        return lay(e.arg, ops, s)
    mean = lay(ex.Frac(ex.Const(1), ex.Const(e.m, "m")), ops, s)
    if not e.sums:  # the matrix product already sums over the examples
        arg = lay(e.arg, ops, s)
        sign = [Mo("·")] if arg.number or s.numbers else []
        return Laid(Row((mean.box, *sign, arg.box)), PRODUCT)
    arg = lay(e.arg, ops, s._replace(over_k=True))
    signed = isinstance(e.arg, ex.Neg)  # Σₖ (−Σⱼ …), never read as Σₖ minus Σⱼ
    body = paren(arg.box) if arg.prec <= SUM or signed else arg.box
    return Laid(Row((mean.box, Subscript(Mo("Σ"), Mi("k")), body)), PRODUCT)


_LAYOUTS: dict[type, Callable[[Any, Ops, Setting], Laid]] = {
    ex.Sym: _lay_sym,
    ex.Ref: _operand,
    ex.Const: _const,
    ex.Grad: _lay_grad,
    ex.Frac: _lay_frac,
    ex.Add: _lay_sum,
    ex.Sub: _lay_sum,
    ex.Neg: _lay_neg,
    ex.MatMul: _lay_product,
    ex.Had: _lay_product,
    ex.Div: _lay_div,
    ex.T: _lay_transpose,
    ex.Pow: _lay_pow,
    ex.Call: _lay_call,
    ex.Norm2: _lay_norm,
    ex.SumUnits: _lay_sum_units,
    ex.BatchMean: _lay_batch_mean,
    ex.Compare: _lay_compare,
    ex.Iverson: _lay_iverson,
    ex.Words: _lay_words,
    ex.Paren: _lay_paren,
}


# ---------------------------------------------------------------- whole equations


def where(eq: Equation) -> list[Box]:
    """', m = 4, n = 2': the named constants of the formula with their values."""
    out: list[Box] = []
    for c in ex.named_constants(eq.rhs):
        value = float(c.value)
        text = str(int(value)) if value.is_integer() else num(value, None)
        out.append(Row((Mi(c.name or ""), Mo("="), Mn(text))))
    return out


def symbolic(eq: Equation, example: int | None = None) -> Box:
    """The formula: 'z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾', and the named constants' values after a comma."""
    s = Setting(example=example)
    items: list[Box] = [lay(eq.lhs, eq.operands, s).box, Mo(eq.relation)]
    items.append(lay(eq.rhs, eq.operands, s).box)
    for constant in where(eq):
        items += [Mo(","), constant]
    return Row(tuple(items))


def numbers(
    eq: Equation,
    digits: int | None = DIGITS,
    max_entries: int = INLINE_MAX,
    example: int | None = None,
    keep: Keep | None = None,
) -> Box:
    """The right-hand side with every operand's value in place of its symbol."""
    s = Setting(numbers=True, digits=digits, max_entries=max_entries, example=example, keep=keep)
    return lay(eq.rhs, eq.operands, s).box


def result(
    eq: Equation,
    digits: int | None = DIGITS,
    max_entries: int = INLINE_MAX,
    keep: Keep | None = None,
) -> Box:
    """The step's value."""
    return value_box(eq.value, digits, max_entries, keep).box


def substituted(
    eq: Equation,
    digits: int | None = DIGITS,
    max_entries: int = INLINE_MAX,
    example: int | None = None,
) -> Box:
    """'z⁽¹⁾ = [numbers] = [result]': the formula with its numbers and its value."""
    s = Setting(example=example)
    lhs = lay(eq.lhs, eq.operands, s).box
    rhs = numbers(eq, digits, max_entries, example)
    return Row((lhs, Mo(eq.relation), rhs, Mo("="), result(eq, digits, max_entries)))
