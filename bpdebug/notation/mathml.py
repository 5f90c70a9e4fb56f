"""Formulas as MathML, which browsers typeset with no script: the HTML hand-out."""

from __future__ import annotations

from html import escape

from .boxes import (
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
from .latex import _EXPONENT


def mathml(box: Box, display: bool = True) -> str:
    """The box as a <math> element."""
    mode = "block" if display else "inline"
    return f'<math display="{mode}">{element(box)}</math>'


def aligned(lhs: Box, relation: str, rhs: Box, value: Box) -> str:
    """`lhs = rhs` and `= value` on two lines, aligned at the relation signs; a right-hand
    side wider than a page's line goes on at its + and − signs, one more line each.

    MathML Core (what browsers implement) has no columnalign: the page's stylesheet aligns
    the cells of a table of class "aligned" (see ALIGNED_CSS).
    """
    first, *rest = _lines(rhs)
    rows = [(element(lhs), f"<mo>{escape(relation)}</mo>{first}")]
    rows += [("", line) for line in rest]
    rows.append(("", f"<mo>=</mo>{element(value)}"))
    cells = "".join(f"<mtr><mtd>{a}</mtd><mtd><mrow>{b}</mrow></mtd></mtr>" for a, b in rows)
    # displaystyle: a table's cells are set compact by default, ∂L/∂a and (1/m) at script size
    return (
        f'<math display="block"><mtable class="aligned" displaystyle="true">{cells}</mtable></math>'
    )


LINE = 100  # about the characters of a display a 60em page holds


def _lines(rhs: Box) -> list[str]:
    """The right-hand side as lines of MathML: one, or where it is wider than LINE, broken
    before the + or − signs of its top level (a matrix is never broken)."""
    if width(rhs) <= LINE or not isinstance(rhs, Row) or rhs.tight:
        return [element(rhs)]
    lines: list[list[Box]] = [[]]
    for item in rhs.items:
        sign = isinstance(item, Mo) and item.text in ("+", "−")
        if sign and width(Row(tuple(lines[-1]))) > LINE // 2:
            lines.append([])
        lines[-1].append(item)
    return ["".join(element(b) for b in line) for line in lines]


def width(box: Box) -> int:
    """About how many characters wide a box is set: a matrix by its widest entry per column."""
    if isinstance(box, Mi | Mn | Text):
        return len(box.text)
    if isinstance(box, Mo):
        return 3
    if isinstance(box, Row):
        return sum(width(b) for b in box.items)
    if isinstance(box, Sup | Subscript):
        return width(box.base) + (width(box.script) + 1) // 2
    if isinstance(box, Fraction):
        return max(width(box.num), width(box.den))
    if isinstance(box, Fenced):
        return width(box.body) + 2
    if isinstance(box, Table):
        return sum(max(len(row[j].text) for row in box.rows) + 2 for j in range(len(box.rows[0])))
    if isinstance(box, Apply):
        return width(box.fn) + width(box.arg) + 2
    return len(box.shape) + 2 if isinstance(box, Elided) else 1


ALIGNED_CSS = (
    "mtable.aligned>mtr>mtd:first-child{text-align:right;padding-right:0}"
    "mtable.aligned>mtr>mtd:last-child{text-align:left;padding-left:0}"
)


NAMES = {"relu": "ReLU", "leaky_relu": "LeakyReLU"}  # an activation as the texts name it


def element(box: Box) -> str:
    if isinstance(box, Mi):
        return f"<mi>{escape(NAMES.get(box.text, box.text))}</mi>"
    if isinstance(box, Mn):
        return number(box.text)
    if isinstance(box, Mo):
        if box.text == ",":
            return '<mo separator="true">,</mo><mspace width="1em"/>'
        if box.text == ", ":  # a list's comma: max(0, z)
            return '<mo separator="true">,</mo>'
        return f"<mo>{escape(box.text)}</mo>"
    if isinstance(box, Row) and box.tight:  # (1), −y: no operator spacing inside
        inner = "".join(_tight(b) for b in box.items)
        return f"<mrow>{inner}</mrow>"
    if isinstance(box, Row):
        return "<mrow>" + "".join(element(b) for b in box.items) + "</mrow>"
    if isinstance(box, Sup):
        return f"<msup>{element(box.base)}{element(box.script)}</msup>"
    if isinstance(box, Subscript):
        return f"<msub>{element(box.base)}{element(box.script)}</msub>"
    if isinstance(box, Fraction):
        return f"<mfrac>{element(box.num)}{element(box.den)}</mfrac>"
    if isinstance(box, Fenced):
        return _fenced(box.open, element(box.body), box.close, _tall(box.body))
    if isinstance(box, Table):
        rows = "".join(
            "<mtr>" + "".join(f"<mtd>{number(n.text)}</mtd>" for n in row) + "</mtr>"
            for row in box.rows
        )
        return _fenced("[", f"<mtable>{rows}</mtable>", "]", len(box.rows) > 1)
    if isinstance(box, Elided):
        parts = "<mo>×</mo>".join(f"<mn>{n}</mn>" for n in box.shape.split("×"))
        return f"<mrow><mo>⟨</mo>{parts}<mo>⟩</mo></mrow>"
    if isinstance(box, Text):
        return f"<mtext>{escape(box.text)}</mtext>"
    if isinstance(box, Apply):
        arg = _fenced("(", element(box.arg), ")", _tall(box.arg))
        return f"<mrow>{element(box.fn)}<mo>&#x2061;</mo>{arg}</mrow>"
    raise TypeError(f"no MathML for {type(box).__name__}")


def _fenced(open_: str, body: str, close: str, tall: bool) -> str:
    """Delimiters that grow with a matrix or a fraction inside, and otherwise keep to their
    text (a stretchy parenthesis around one line stands apart from it: σ ( z ))."""
    fence = "" if tall else ' stretchy="false"'
    return f"<mrow><mo{fence}>{open_}</mo>{body}<mo{fence}>{close}</mo></mrow>"


def _tall(box: Box) -> bool:
    """Whether a box holds something taller than a line: a matrix, a fraction."""
    if isinstance(box, Table):
        return len(box.rows) > 1  # a row of numbers is one line tall
    if isinstance(box, Fraction | Elided):
        return not isinstance(box, Elided)
    if isinstance(box, Row):
        return any(_tall(b) for b in box.items)
    if isinstance(box, Sup | Subscript):
        return _tall(box.base)
    if isinstance(box, Fenced):
        return _tall(box.body)
    if isinstance(box, Apply):
        return _tall(box.arg)
    return False


def _tight(box: Box) -> str:
    """(1) of a⁽¹⁾ and the − of −y: no space around the operator, and a parenthesis that
    does not stretch (a stretchy one stands apart from its digit in a superscript)."""
    if isinstance(box, Mo):
        fence = ' stretchy="false"' if box.text in "()" else ""
        return f'<mo lspace="0" rspace="0"{fence}>{escape(box.text)}</mo>'
    return element(box)


def number(text: str) -> str:
    """One number as one <mn> (1.2e-05 as 1.2 × 10⁻⁵ inside one <mrow>), a negative one
    with the minus sign U+2212, not a hyphen."""
    if text in ("inf", "-inf"):
        return f"<mn>{minus(text.replace('inf', '∞'))}</mn>"
    match = _EXPONENT.match(text)
    if match:
        mantissa, sign, power = match.groups()
        exponent = ("−" if sign == "-" else "") + power
        return (
            f'<mrow class="number"><mn>{minus(mantissa)}</mn><mo>×</mo>'
            f"<msup><mn>10</mn><mn>{exponent}</mn></msup></mrow>"
        )
    return f"<mn>{minus(escape(text))}</mn>"


def minus(text: str) -> str:
    return "−" + text[1:] if text.startswith("-") else text
