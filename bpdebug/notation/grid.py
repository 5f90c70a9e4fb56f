"""Formulas in two dimensions, for a terminal: the screen's step panel and `bpdebug trace`.

A matrix is written as its stacked rows between box-drawing brackets, the way LaTeX's bmatrix
looks, each column aligned on the decimal point; a vector is a column; everything else on the
line sits on the matrices' middle row (the baseline):

         ┌ -0.0848758   0.0779521 ┐   ┌ 0.249944  0.243315 ┐
    =    │  0.0670793  -0.0616073 │ ⊙ │ 0.223917  0.246999 │
         └  0.0492827  -0.0452625 ┘   └ 0.246134  0.174064 ┘

A formula wider than the room it has is broken before one of its operators, the operator
starting the next line (`flow`); a row of a matrix is never broken. Layout (`layout.py`)
decides what is written; this module only places it. Every character used is one cell wide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from bpdebug.notation import layout
from bpdebug.notation.boxes import (
    Apply,
    Box,
    Dots,
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
)
from bpdebug.notation.layout import KEEP_COLS, KEEP_ROWS, Equation, Keep
from bpdebug.notation.numbers import shape_mark
from bpdebug.notation.text import text


class Block(NamedTuple):
    """Lines of equal width; `base` is the row the rest of a formula lines up with."""

    lines: tuple[str, ...]
    base: int = 0

    @property
    def width(self) -> int:
        return len(self.lines[0]) if self.lines else 0

    @property
    def height(self) -> int:
        return len(self.lines)


def one_line(s: str) -> Block:
    return Block((s,), 0)


def hcat(blocks: Sequence[Block], sep: str = "") -> Block:
    """Blocks side by side, their baselines on one row."""
    blocks = [b for b in blocks if b.lines]
    if not blocks:
        return Block(("",), 0)
    if all(b.height == 1 for b in blocks):  # the common case, kept cheap
        return Block((sep.join(b.lines[0] for b in blocks),), 0)
    above = max(b.base for b in blocks)
    below = max(b.height - b.base - 1 for b in blocks)
    rows = []
    for y in range(above + below + 1):
        cells = []
        for b in blocks:
            k = y - (above - b.base)
            cells.append(b.lines[k] if 0 <= k < b.height else " " * b.width)
        rows.append(sep.join(cells))
    return Block(tuple(rows), above)


def vstack(blocks: Sequence[Block]) -> Block:
    """Blocks one under the other, left-aligned; the baseline is the first block's."""
    width = max((b.width for b in blocks), default=0)
    lines = tuple(line.ljust(width) for b in blocks for line in b.lines)
    return Block(lines, blocks[0].base if blocks else 0)


# ---------------------------------------------------------------- boxes


def block(box: Box, memo: dict[int, Block] | None = None) -> Block:
    """The box laid out in two dimensions (`memo`: blocks already made, by box)."""
    if memo is None:
        return _block(box, {})
    made = memo.get(id(box))
    if made is None:
        made = memo[id(box)] = _block(box, memo)
    return made


def _block(box: Box, memo: dict[int, Block]) -> Block:
    if not _tall(box):
        return one_line(text(box))
    if isinstance(box, Table):
        return table(box)
    if isinstance(box, Row):
        return _row(box, memo)
    if isinstance(box, Sup):
        return _script(block(box.base, memo), text(Sup(Mi(""), box.script)), top=True)
    if isinstance(box, Subscript):
        return _script(block(box.base, memo), text(Subscript(Mi(""), box.script)), top=False)
    if isinstance(box, Fenced):
        return fenced(box.open, block(box.body, memo), box.close)
    if isinstance(box, Apply):
        return hcat([block(box.fn, memo), fenced("(", block(box.arg, memo), ")")])
    if isinstance(box, Fraction):
        return _fraction(box, memo)
    raise TypeError(f"no block for {type(box).__name__}")


def _tall(box: Box) -> bool:
    """Whether the box takes more than one line (it holds a matrix of more than one row)."""
    if isinstance(box, Table):
        return len(box.rows) > 1
    if isinstance(box, Row):
        return any(_tall(b) for b in box.items)
    if isinstance(box, Sup | Subscript):
        return _tall(box.base)
    if isinstance(box, Fenced):
        return _tall(box.body)
    if isinstance(box, Apply):
        return _tall(box.arg)
    if isinstance(box, Fraction):
        return box.style == "div" and (_tall(box.num) or _tall(box.den))
    return False


def _row(box: Row, memo: dict[int, Block]) -> Block:
    if box.tight:
        return hcat([block(b, memo) for b in box.items])
    parts: list[Block] = []
    for k, item in enumerate(box.items):
        if k and not (isinstance(item, Mo) and item.text == ","):
            parts.append(one_line(" "))
        parts.append(block(item, memo))
    return hcat(parts)


def _script(base: Block, script: str, top: bool) -> Block:
    """A superscript just after the top line of a tall base (┐ᵀ), a subscript after its
    bottom line."""
    at = 0 if top else base.height - 1
    lines = [line.rstrip() + script if y == at else line for y, line in enumerate(base.lines)]
    width = max(len(line) for line in lines)
    return Block(tuple(line.ljust(width) for line in lines), base.base)


TALL = {  # (top, middle, bottom) pieces of a delimiter two or more lines high
    "(": ("⎛", "⎜", "⎝"),
    ")": ("⎞", "⎟", "⎠"),
    "[": ("⎡", "⎢", "⎣"),
    "]": ("⎤", "⎥", "⎦"),
    "‖": ("‖", "‖", "‖"),
    "|": ("|", "|", "|"),
}


def _delimiter(d: str, height: int) -> Block:
    if height == 1 or not d:
        return Block(tuple(d for _ in range(height)), 0)
    top, middle, bottom = TALL.get(d, (d, d, d))
    return Block((top, *[middle] * (height - 2), bottom), 0)


def fenced(open_: str, body: Block, close: str) -> Block:
    left, right = _delimiter(open_, body.height), _delimiter(close, body.height)
    lines = tuple(
        lt + line + rt for lt, line, rt in zip(left.lines, body.lines, right.lines, strict=True)
    )
    return Block(lines, body.base)


def _fraction(box: Fraction, memo: dict[int, Block]) -> Block:
    """Only an elementwise division reaches here with a matrix: `top / bottom`."""
    top, bottom = block(box.num, memo), block(box.den, memo)
    if isinstance(box.num, Row) and not box.num.tight:
        top = fenced("(", top, ")")
    if isinstance(box.den, Row) and not box.den.tight:
        bottom = fenced("(", bottom, ")")
    return hcat([top, one_line(" / "), bottom])


# ---------------------------------------------------------------- matrices


def _split(cell: str) -> tuple[str, str]:
    """A number cut where its column aligns: before the decimal point (or the exponent)."""
    at = cell.find(".")
    if at < 0:
        at = cell.find("e")
    return (cell[:at], cell[at:]) if at >= 0 else (cell, "")


def _columns(box: Table) -> list[list[str]]:
    """The table's cells as text, each column padded to align on the decimal point; a row
    of ⋮ (rows left out) and a column of ⋯ (columns left out) sit on the points."""
    columns: list[list[str]] = []
    for j in range(max(len(row) for row in box.rows)):
        cells = [row[j] for row in box.rows]
        parts = [_split(c.text) if type(c) is Mn else None for c in cells]
        left = max((len(p[0]) for p in parts if p is not None), default=1)
        right = max((len(p[1]) for p in parts if p is not None), default=0)
        columns.append(
            [
                p[0].rjust(left) + p[1].ljust(right)
                if p is not None
                else (" " * (left - 1) + c.text).ljust(left + right)  # ⋮ under the points
                for p, c in zip(parts, cells, strict=True)
            ]
        )
    return columns


def table(box: Table) -> Block:
    """A matrix as bracketed rows; a row vector as one line `[a  b  c]`; a matrix with rows
    or columns left out carries its whole shape after the closing bracket (`┘₁₂₈ₓ₇₈₄`)."""
    columns = _columns(box)
    rows = ["  ".join(col[i] for col in columns) for i in range(len(box.rows))]
    shape = shape_mark(box.shape)
    if len(rows) == 1:
        return one_line(f"[{rows[0]}]{shape}")
    pad = " " * len(shape)
    last = len(rows) - 1
    lines = []
    for i, row in enumerate(rows):
        left, right = ("┌", "┐") if i == 0 else ("└", "┘") if i == last else ("│", "│")
        lines.append(f"{left} {row} {right}" + (shape if i == last else pad))
    return Block(tuple(lines), (len(lines) - 1) // 2)


# ---------------------------------------------------------------- breaking long formulas


class _Atom(NamedTuple):
    block: Block
    operator: bool  # a line may break before it
    opens: int = 0  # parentheses it opens, on its left
    closes: int = 0  # parentheses it closes, on its right


def _atoms(box: Box, width: int, memo: dict[int, Block]) -> list[_Atom]:
    """The box cut where a line may break: a row too wide for `width` into its items (an
    operator starts a new piece), a parenthesised group into its own, recursively."""
    whole = block(box, memo)
    if whole.width <= width:
        return [_Atom(whole, isinstance(box, Mo))]
    if isinstance(box, Row) and not box.tight:
        out: list[_Atom] = []
        for item in box.items:
            if isinstance(item, Mo) and item.text != ",":
                out.append(_Atom(one_line(item.text), True))
            elif isinstance(item, Mo) and out:  # a comma stays with what it follows
                out[-1] = out[-1]._replace(block=hcat([out[-1].block, one_line(",")]))
            else:
                out.extend(_atoms(item, width, memo))
        return out
    if isinstance(box, Fenced) and box.open == "(":
        inner = _atoms(box.body, width, memo)
        first = inner[0]
        inner[0] = first._replace(block=hcat([one_line("("), first.block]), opens=first.opens + 1)
        last = inner[-1]
        inner[-1] = last._replace(block=hcat([last.block, one_line(")")]), closes=last.closes + 1)
        return inner
    return [_Atom(whole, False)]


class _Piece(NamedTuple):
    """What a line may hold unbroken: an operator and what follows it up to the next one."""

    block: Block
    opens: list[int]  # where in it each parenthesis it opens stands
    closes: int


def _pieces(atoms: list[_Atom]) -> list[_Piece]:
    groups: list[list[_Atom]] = []
    for atom in atoms:
        if atom.operator or not groups:
            groups.append([atom])
        else:
            groups[-1].append(atom)
    pieces = []
    for group in groups:
        opens, at = [], 0
        for k, atom in enumerate(group):
            at += 1 if k else 0
            opens += [at + j for j in range(atom.opens)]
            at += atom.block.width
        blocks = [
            one_line(" ") if k % 2 else group[k // 2].block for k in range(2 * len(group) - 1)
        ]
        pieces.append(_Piece(hcat(blocks), opens, sum(a.closes for a in group)))
    return pieces


def flow(box: Box, width: int, lead: str, indent: int | None = None) -> list[Block] | None:
    """The box after `lead`, broken before operators into lines no wider than `width`, each
    continuation starting with its operator `indent` cells in (under the lead's relation by
    default, or just inside the parenthesis the break falls in); None when some piece is
    wider than `width` on its own."""
    if indent is None:
        indent = max(len(lead.rstrip()) - 1, 0)
    lines: list[list[Block]] = [[one_line(lead)]]
    used = len(lead)
    inside: list[int] = []  # the columns just inside the parentheses still open
    for piece in _pieces(_atoms(box, width - len(lead), {})):
        gap = 1 if len(lines[-1]) > 1 else 0
        if len(lines[-1]) > 1 and used + gap + piece.block.width > width:
            at = inside[-1] if inside else indent
            lines.append([one_line(" " * at)])
            used, gap = at, 0
        if gap:
            lines[-1].append(one_line(" "))
        inside += [used + gap + k + 1 for k in piece.opens]
        del inside[len(inside) - min(piece.closes, len(inside)) :]
        lines[-1].append(piece.block)
        used += gap + piece.block.width
    blocks = [hcat(parts) for parts in lines]
    if any(b.width > width for b in blocks):
        return None
    return blocks


def equation_lines(
    eq: Equation, width: int, digits: int | None, lead: str, most_rows: int = 16
) -> tuple[list[str], bool]:
    """`lead` numbers, then `= result` under them, in two dimensions at the most detail
    that fits `width`, writing at most `most_rows` rows of a matrix; and whether the result
    was written whole."""
    pad = " " * max(len(lead) - 2, 0) + "= "

    def written(keep: Keep) -> tuple[list[str], bool] | None:
        numbers = flow(layout.numbers(eq, digits, 1, None, keep), width, lead)
        value = layout.result(eq, digits, 1, keep)
        result = flow(value, width, pad)
        if numbers is None or result is None:
            return None
        return flatten(numbers + result), not (isinstance(value, Table) and value.shape)

    for r in (r for r in KEEP_ROWS if r <= most_rows):
        found = most_detail(lambda c, r=r: written(Keep(r, c)) is not None, KEEP_COLS)  # type: ignore[misc]
        if found is not None:
            return written(Keep(r, found)) or ([], False)
    numbers_text = text(layout.numbers(eq, digits, 1, None, None))
    value = layout.result(eq, digits, 1, None)
    return [lead + numbers_text, pad + text(value)], not isinstance(value, Elided)


def most_detail(fits: Callable[[int], bool], counts: Sequence[int]) -> int | None:
    """The largest of `counts` (largest first) for which `fits` holds, by a binary search:
    fewer rows or columns are never wider."""
    low, high = 0, len(counts) - 1
    if fits(counts[low]):
        return counts[low]
    if not fits(counts[high]):
        return None
    while high - low > 1:
        mid = (low + high) // 2
        if fits(counts[mid]):
            high = mid
        else:
            low = mid
    return counts[high]


def flatten(blocks: Sequence[Block]) -> list[str]:
    """The lines of blocks stacked, trailing spaces removed."""
    return [line.rstrip() for b in blocks for line in b.lines]


__all__ = [
    "Block",
    "Dots",
    "Elided",
    "block",
    "equation_lines",
    "flatten",
    "flow",
    "hcat",
    "table",
    "vstack",
]
