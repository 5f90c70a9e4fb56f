"""Formulas as Unicode text: the screen, `bpdebug trace`, the tape."""

from __future__ import annotations

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
from bpdebug.notation.numbers import (
    SUBSCRIPTABLE,
    SUPERSCRIPTABLE,
    shape_mark,
    subscript,
    superscript,
)


def text(box: Box) -> str:
    """The box as one line of Unicode text."""
    if isinstance(box, Mi | Mn | Mo | Text):
        return box.text
    if isinstance(box, Row):
        return _row(box)
    if isinstance(box, Sup):
        return text(box.base) + _script(text(box.script), SUPERSCRIPTABLE, superscript, "^")
    if isinstance(box, Subscript):
        return text(box.base) + _script(text(box.script), SUBSCRIPTABLE, subscript, "_")
    if isinstance(box, Fraction):
        return _fraction(box)
    if isinstance(box, Fenced):
        return box.open + text(box.body) + box.close
    if isinstance(box, Table):
        body = "; ".join(", ".join(n.text for n in row) for row in box.rows)
        return f"[{body}]{shape_mark(box.shape)}"
    if isinstance(box, Elided):
        return f"⟨{box.shape}⟩"
    if isinstance(box, Apply):
        return text(box.fn) + "(" + text(box.arg) + ")"
    raise TypeError(f"no text for {type(box).__name__}")


def _row(box: Row) -> str:
    if box.tight:
        return "".join(text(b) for b in box.items)
    out = ""
    for k, item in enumerate(box.items):
        if k and not (isinstance(item, Mo) and item.text == ","):
            out += " "
        out += text(item)
    return out


def _script(t: str, allowed: set[str], convert: object, marker: str) -> str:
    if t == "⊤":
        return "ᵀ"
    if set(t) <= allowed:
        return convert(t)  # type: ignore[operator, no-any-return]
    return f"{marker}({t})" if len(t) > 1 else marker + t


def _compound(box: Box) -> bool:
    return (isinstance(box, Row) and not box.tight) or isinstance(box, Fraction)


def _fraction(box: Fraction) -> str:
    top, bottom = text(box.num), text(box.den)
    if box.style == "grad":
        return f"{top}/{bottom}"
    if box.style == "half":
        return "½"
    if box.style == "const":
        return f"({top}/{bottom})"
    top = f"({top})" if _compound(box.num) else top
    bottom = f"({bottom})" if _compound(box.den) else bottom
    return f"{top} / {bottom}"
