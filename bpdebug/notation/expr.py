"""The formula model: what a step computes, as a small expression tree.

The engine builds one per step kind and network shape (with the plan); `layout` turns it into
the formula as written, symbolic or with its numbers, and `text`, `latex` and `mathml` write
that out. The tree says *what* is computed (a matrix product, a transpose, a batch mean); how
it looks (which operator sign, which parentheses) is decided once, in `layout`.

`Ref(k)` stands for the step's k-th operand: its symbol in the formula, its value in the
formula with numbers.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Union


class Sym(NamedTuple):
    """A named quantity: z⁽¹⁾ is Sym('z', '1'); L′ is Sym('L', prime=True); y is Sym('y')."""

    base: str
    layer: str | None = None
    prime: bool = False
    sub: str | None = None  # an index: the example k, or a unit j


class Grad(NamedTuple):
    """∂(of)/∂(wrt), e.g. ∂L/∂W⁽¹⁾."""

    wrt: Expr
    of: Expr = Sym("L")


class Ref(NamedTuple):
    """The step's operand number k."""

    k: int


class Const(NamedTuple):
    """A number that belongs to the formula: 1, 2, or a named one (n = 2 outputs, α = 0.01),
    written by name in the symbolic formula and by value with the numbers."""

    value: float
    name: str | None = None


class Frac(NamedTuple):
    """A constant fraction such as (1/m) or ½."""

    num: Expr
    den: Expr


class Add(NamedTuple):
    left: Expr
    right: Expr


class Sub(NamedTuple):
    left: Expr
    right: Expr


class Neg(NamedTuple):
    arg: Expr


class MatMul(NamedTuple):
    """A matrix product (or a scalar times anything): written side by side, or with · where
    a plain number stands on either side."""

    left: Expr
    right: Expr


class Had(NamedTuple):
    """The elementwise (Hadamard) product ⊙."""

    left: Expr
    right: Expr


class Div(NamedTuple):
    """Elementwise division."""

    num: Expr
    den: Expr


class T(NamedTuple):
    """The transpose."""

    arg: Expr


class Pow(NamedTuple):
    arg: Expr
    power: int


class Call(NamedTuple):
    """A function applied elementwise: σ(z), tanh²(z) (power 2), log(a), exp(−z)."""

    fn: str
    arg: Expr
    power: int | None = None


class Norm2(NamedTuple):
    """‖x‖², the squared Euclidean norm of each column."""

    arg: Expr


class SumUnits(NamedTuple):
    """Σⱼ (x)ⱼ: the sum over the units (rows) of each column."""

    arg: Expr


class BatchMean(NamedTuple):
    """The mean over the batch's m examples.

    With `sums` it is written (1/m) Σₖ arg, each per-example operand of `arg` taken for
    example k; without, (1/m) arg, where a matrix product already sums over the examples
    (δ (a)ᵀ). Following one example, only `arg` for that example is written.
    """

    arg: Expr
    m: int
    sums: bool = True


class Compare(NamedTuple):
    left: Expr
    op: str  # ">" or "≤"
    right: Expr


class Iverson(NamedTuple):
    """[condition]: 1 where it holds, 0 elsewhere."""

    cond: Expr


class Words(NamedTuple):
    """Prose inside a formula ('after the update')."""

    text: str


class Paren(NamedTuple):
    """Parentheses the formula keeps whatever the precedence says."""

    arg: Expr


Expr = Union[  # noqa: UP007 (a runtime alias, for isinstance too)
    Sym,
    Grad,
    Ref,
    Const,
    Frac,
    Add,
    Sub,
    Neg,
    MatMul,
    Had,
    Div,
    T,
    Pow,
    Call,
    Norm2,
    SumUnits,
    BatchMean,
    Compare,
    Iverson,
    Words,
    Paren,
]
NODES: tuple[type, ...] = Expr.__args__  # type: ignore[attr-defined]


def kind_equal(a: Any, b: Any) -> bool:
    """Nodes are equal when they are the same kind of node with equal fields (as tuples,
    Add(a, b) and Sub(a, b) would be equal, and share a cache entry)."""
    return type(a) is type(b) and bool(tuple.__eq__(a, b))


def kind_unequal(a: Any, b: Any) -> bool:
    return not kind_equal(a, b)


def kind_hash(a: Any) -> int:
    return hash((type(a).__name__, *a))


def compare_by_kind(node: type) -> None:
    """Make a NamedTuple class compare and hash by its kind and fields (notation/boxes.py's
    boxes are compared the same way)."""
    setattr(node, "__eq__", kind_equal)  # noqa: B010 (not a method mypy should see assigned)
    setattr(node, "__ne__", kind_unequal)  # noqa: B010
    setattr(node, "__hash__", kind_hash)  # noqa: B010


for _node in NODES:
    compare_by_kind(_node)


def named_constants(e: Expr) -> list[Const]:
    """The named constants of a formula, in order of appearance, once each."""
    found: list[Const] = []

    def walk(node: object) -> None:
        if isinstance(node, Const) and node.name and node not in found:
            found.append(node)
        if isinstance(node, BatchMean):
            walk(Const(node.m, "m"))
        if isinstance(node, NODES):
            for child in node:  # type: ignore[attr-defined]
                walk(child)

    walk(e)
    return found
