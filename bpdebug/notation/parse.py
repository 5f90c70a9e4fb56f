"""Reading the text notation back: numbers, matrices ([a, b; c, d]) and shapes (⟨3×4⟩).

Numbers are written with an ASCII hyphen for their sign and operators with a true minus (−),
so `0.6 − 0.15 · (-0.12)` reads without ambiguity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

NUMBER = r"-?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|inf(?![a-z])|nan(?![a-z]))"
_NUMBER = re.compile(NUMBER)
_MATRIX = re.compile(rf"\[\s*{NUMBER}(?:\s*[,;]\s*{NUMBER})*\s*\]")
_ELIDED = re.compile(r"⟨(\d+(?:×\d+)?)⟩")
OPERATORS = set("+−·⊙/=←,;><≤×Σ")


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "matrix", "elided", "op" or "other"
    text: str
    value: np.ndarray | None = None  # numbers: 1×1; matrices: their rows and columns
    shape: tuple[int, ...] = ()  # elided values: the shape written


def matrix(text: str) -> np.ndarray:
    """'[a, b; c, d]' (or 'a, b; c, d') as a 2-D array; ValueError if it is not one."""
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    rows = [r for r in re.split(r"\s*;\s*|\n", body.strip())]
    cells = [[float(v) for v in re.split(r"\s*,\s*|\s+", r.strip()) if v] for r in rows]
    if not cells or any(not row for row in cells):
        raise ValueError(f"{text!r} is not a number or a matrix")
    if len({len(row) for row in cells}) != 1:
        raise ValueError(f"{text!r}: the rows have different lengths")
    return np.array(cells, dtype=np.float64)


def tokens(text: str) -> list[Token]:
    """The text as numbers, matrices, elided values, operators and everything else."""
    out: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        m = _MATRIX.match(text, i) if ch == "[" else None
        if m:
            out.append(Token("matrix", m.group(), matrix(m.group())))
            i = m.end()
            continue
        m = _ELIDED.match(text, i) if ch == "⟨" else None
        if m:
            shape = tuple(int(n) for n in m.group(1).split("×"))
            out.append(Token("elided", m.group(), shape=shape))
            i = m.end()
            continue
        m = _NUMBER.match(text, i) if (ch.isdigit() or ch in "-in.") else None
        if m and not (i and (text[i - 1].isalpha() or text[i - 1].isdigit())):
            out.append(Token("number", m.group(), np.array([[float(m.group())]])))
            i = m.end()
            continue
        out.append(Token("op" if ch in OPERATORS else "other", ch))
        i += 1
    return out


_WHOLE = re.compile(r"[0-9]{1,18}")


def shown(text: str, limit: int = 40) -> str:
    """A user's text quoted for a message, cut short if it is long."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def whole_number(text: str, low: int, high: int, what: str = "a whole number") -> int:
    """`text` as a whole number from `low` to `high`, or a ValueError saying what is wrong.

    Only the ASCII digits 0-9 count: str.isdigit() also accepts '²' and '٣', which int()
    then refuses or reads as another digit.
    """
    stripped = text.strip()
    if not _WHOLE.fullmatch(stripped) or not low <= int(stripped) <= high:
        raise ValueError(f"{shown(stripped)} is not {what} from {low:,} to {high:,}")
    return int(stripped)
