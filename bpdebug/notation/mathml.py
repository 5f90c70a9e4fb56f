"""Formulas as MathML, which browsers typeset with no script: the HTML hand-out."""

from __future__ import annotations

from html import escape

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
    Text,
)
from bpdebug.notation.latex import EXPONENT


def mathml(box: Box, display: bool = True) -> str:
    """The box as a <math> element."""
    mode = "block" if display else "inline"
    return f'<math display="{mode}">{element(box)}</math>'


def aligned(lhs: Box, relation: str, rhs: Box, value: Box) -> str:
    """`lhs = rhs` and `= value` on two lines, aligned at the relation signs, as HTML: the
    right-hand side is cut into pieces where a line may break (pieces), each its own inline
    <math>, so the browser breaks a line too wide for the page (or the paper) before a
    sign, never inside a matrix, and nothing needs a scroll box."""
    cells = [
        f'<div class="lhs">{_inline(lhs)}</div>',
        f'<div class="rhs">{_run(Row((Mo(relation), rhs)), width(lhs))}</div>',
        '<div class="lhs"></div>',
        f'<div class="rhs">{_run(Row((Mo("="), value)), width(lhs))}</div>',
    ]
    return f'<div class="aligned">{"".join(cells)}</div>'


def display(box: Box) -> str:
    """A displayed formula, centred, as HTML: broken like aligned's lines where too wide."""
    return f'<div class="display">{_run(box)}</div>'


BREAK_BEFORE = {"+", "−", "⊙", "⊘", "·", "×", "=", "←"}  # the sign starts the next line


def pieces(box: Box) -> list[Box]:
    """The box cut where a line may break: before a sign of a row (+ − ⊙ ⊘ · = ←), after a
    list's comma, and between the factors of a product; never inside parentheses, a
    function's argument, a tight row (−y, a⁽¹⁾) or a matrix. A prefix (Σₖ) keeps to what
    follows it."""
    out: list[list[Box]] = []
    joins = True  # the next item joins the last piece
    for item in _flat(box):
        if isinstance(item, Mo) and item.text in BREAK_BEFORE and out:
            out.append([item])
            joins = True
        elif isinstance(item, Mo) and item.text in (",", ", ") and out:
            out[-1].append(item)
            joins = False
        elif joins and out:
            out[-1].append(item)
            joins = _prefix(item)
        else:
            out.append([item])
            joins = _prefix(item)
    return [items[0] if len(items) == 1 else Row(tuple(items)) for items in out]


def _flat(box: Box) -> list[Box]:
    if isinstance(box, Row) and not box.tight:
        return [leaf for item in box.items for leaf in _flat(item)]
    return [box]


def _prefix(box: Box) -> bool:
    """An operator that takes what follows it: Σₖ, a sign at the start."""
    if isinstance(box, Sup | Subscript):
        return _prefix(box.base)
    return isinstance(box, Mo)


EM = 0.53  # at most the ems a character of width() takes in display mathematics (measured)


ROOMY = 30  # a piece narrower than this many characters fits any page's line


def _run(box: Box, lhs: int = 0) -> str:
    """The pieces of a box as inline <math> elements, a space between them (where a line
    may break). A piece wider than its line by itself (a matrix of many columns inside
    parentheses, on a narrow page) is set smaller, as a last resort, to the width its line
    has: the container's, less the left-hand side beside it (CSS min(): no smaller where
    it fits)."""
    out = []
    for k, piece in enumerate(pieces(box)):
        style = ""
        chars = width(piece)
        if chars > ROOMY:
            room = f"100cqi - {lhs * EM:.1f}em" if lhs else "100cqi"
            style = f' style="font-size:min(100%, calc(({room}) / {chars * EM:.1f}))"'
        out.append(_inline(piece, infix=k > 0, style=style))
    return " ".join(out)


def _inline(box: Box, infix: bool = False, style: str = "") -> str:
    """A piece as inline display-style <math>; a sign that starts a piece after the first
    is still a binary one (the space before it is the space between the pieces)."""
    items = box.items if isinstance(box, Row) and not box.tight else (box,)
    sign = items[0]
    if infix and isinstance(sign, Mo) and sign.text in BREAK_BEFORE:
        rest = "".join(element(b) for b in items[1:])
        body = f'<mrow><mo form="infix" lspace="0">{escape(sign.text)}</mo>{rest}</mrow>'
    else:
        body = element(box)
    return f'<math display="inline" displaystyle="true"{style}>{body}</math>'


def width(box: Box) -> int:
    """About how many characters wide a box is set: a matrix by its widest entry per column."""
    if isinstance(box, Mn):
        return _chars(box)
    if isinstance(box, Mi | Text):
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
        return sum(max(_chars(row[j]) for row in box.rows) + 2 for j in range(len(box.rows[0])))
    if isinstance(box, Apply):
        return width(box.fn) + width(box.arg) + 2
    return len(box.shape) + 2 if isinstance(box, Elided) else 1


def _chars(n: Mn | Dots) -> int:
    """A number's width in characters: 1.2e-05 is set 1.2 × 10⁻⁵, about three more."""
    match = EXPONENT.match(n.text)
    return len(n.text) + 3 if match else len(n.text)


# Each display a block as wide as the page (the container its last-resort sizes are taken
# from); an aligned one a grid of two columns, the right one taking what is left and
# breaking its pieces into lines there; a display kept on one page when printed.
ALIGNED_CSS = (
    ".display,.aligned{margin:0.6em 0;container-type:inline-size;break-inside:avoid}"
    ".display{text-align:center}.display>math,.rhs>math{margin:0.15em 0}"
    ".aligned{display:grid;grid-template-columns:max-content minmax(0,max-content);"
    "justify-content:center;align-items:baseline;row-gap:0.35em}"
    ".aligned>.lhs{text-align:right;white-space:nowrap}"
)


def _cell(n: Mn | Dots) -> str:
    return number(n.text) if isinstance(n, Mn) else f"<mo>{n.text}</mo>"


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
            "<mtr>" + "".join(f"<mtd>{_cell(n)}</mtd>" for n in row) + "</mtr>" for row in box.rows
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
    match = EXPONENT.match(text)
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
