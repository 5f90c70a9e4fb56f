"""The formula as written: a presentation tree, close to presentation MathML.

`layout` decides everything a reader sees (which operator sign, which parentheses, how many
digits, a matrix's rows and columns); the writers `text`, `latex` and `mathml` only spell
these boxes in their own syntax, so the three cannot disagree.
"""

from __future__ import annotations

from typing import NamedTuple, Union

from bpdebug.notation.expr import compare_by_kind


class Mi(NamedTuple):
    """An identifier or a function's name: z, W, δ, σ′, tanh, L′."""

    text: str


class Mn(NamedTuple):
    """A number as it is written ('0.15', '-0.3', '1.2e-05', 'nan')."""

    text: str


class Mo(NamedTuple):
    """An operator or relation: + − · ⊙ = ← > ≤ , Σ."""

    text: str


class Row(NamedTuple):
    """Boxes in a row; `tight` ones touch (−x), the others are set apart by a space."""

    items: tuple[Box, ...]
    tight: bool = False


class Sup(NamedTuple):
    """A superscript: a layer (z⁽¹⁾), a power (x²) or the transpose (xᵀ, script Mi('⊤'))."""

    base: Box
    script: Box


class Subscript(NamedTuple):
    """A subscript: an example (a⁽¹⁾₂, a⁽¹⁾ₖ) or a unit (Σⱼ)."""

    base: Box
    script: Box


class Fraction(NamedTuple):
    """A fraction. `style` 'const' is a constant written (1/m), 'half' is ½, 'grad' a
    derivative written ∂L/∂W, 'div' an elementwise division written a / b."""

    num: Box
    den: Box
    style: str


class Fenced(NamedTuple):
    """A body between delimiters: ( ), [ ] (an Iverson bracket), ‖ ‖."""

    open: str
    body: Box
    close: str


class Table(NamedTuple):
    """A vector or matrix of numbers, exactly as many rows and columns as the value shown;
    or, with `shape` (the whole value's, '128×784'), its first and last rows and columns with
    `Dots` where the others are left out."""

    rows: tuple[tuple[Mn | Dots, ...], ...]
    shape: str = ""


class Dots(NamedTuple):
    """Entries left out of a matrix: ⋯ (columns), ⋮ (rows), ⋱ (both)."""

    text: str


class Elided(NamedTuple):
    """A value too large to write out here, shown by its shape ('3×4')."""

    shape: str


class Text(NamedTuple):
    """Words inside a formula."""

    text: str


class Apply(NamedTuple):
    """A function applied to an argument: σ(…), tanh²(…)."""

    fn: Box
    arg: Box


Box = Union[Mi, Mn, Mo, Row, Sup, Subscript, Fraction, Fenced, Table, Dots, Elided, Text, Apply]  # noqa: UP007
for _box in Box.__args__:  # type: ignore[attr-defined]
    compare_by_kind(_box)  # as for expression nodes: Mi("x") != Mn("x")
