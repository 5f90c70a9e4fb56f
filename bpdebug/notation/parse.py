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
_CELL = rf"(?:{NUMBER}|[⋯⋮⋱])"
_CORNERS = re.compile(rf"\[\s*{_CELL}(?:\s*[,;]\s*{_CELL})*\s*\]([₀-₉ₓ₍₎]+)")
OPERATORS = set("+−·⊙/=←,;><≤×Σ")


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "matrix", "elided", "op" or "other"
    text: str
    value: np.ndarray | None = None  # numbers: 1×1; matrices: their rows and columns
    shape: tuple[int, ...] = ()  # elided values: the shape written
    corners: Corners | None = None  # a matrix written in part: what of it is shown


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
        m = _CORNERS.match(text, i) if ch == "[" else None
        if m:
            body = m.group()[1 : m.start(1) - m.start() - 1]
            rows = [_cells(r) for r in body.split(";")]
            part = _matrix_of(rows, m.group(1))
            corners = part if isinstance(part, Corners) else None
            out.append(Token("corners", m.group(), corners=corners))
            i = m.end()
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


# ---------------------------------------------------------------- reading two-dimensional text

_SHAPE_MARK = str.maketrans("₀₁₂₃₄₅₆₇₈₉ₓ", "0123456789×", "₍₎")
_MARKS = set("₀₁₂₃₄₅₆₇₈₉ₓ₍₎")
_SCRIPTS = set("ᵀ⁰¹²³⁴⁵⁶⁷⁸⁹ₖⱼ")
_DOTS = set("⋯⋮⋱")
TALL_OPEN, TALL_CLOSE = set("⎛⎡"), set("⎞⎤")
_FILLERS = set("⎜⎝⎟⎠⎢⎣⎥⎦‖│ ")


@dataclass(frozen=True)
class Corners:
    """A matrix written in part: the entries shown (without the ⋮ row and ⋯ column), how
    many rows and columns stand before each gap, and the whole shape its mark says."""

    shown: np.ndarray
    rows_before: int  # rows above the ⋮ (all of them if there is none)
    cols_before: int  # columns left of the ⋯
    shape: tuple[int, ...]


def _cells(text: str) -> list[str]:
    return [c for c in re.split(r"\s+|,\s*", text.strip()) if c]


def _matrix_of(rows: list[list[str]], mark: str) -> np.ndarray | Corners:
    """Rows of cell texts as a matrix, or as the corners of one when ⋯/⋮ stand in them."""
    gap_rows = [i for i, r in enumerate(rows) if r and all(c in _DOTS for c in r)]
    kept = [r for i, r in enumerate(rows) if i not in gap_rows]
    gap_cols = {j for r in kept for j, c in enumerate(r) if c in _DOTS}
    values = [[float(c) for j, c in enumerate(r) if j not in gap_cols] for r in kept]
    if len({len(r) for r in values}) != 1:
        raise ValueError("a ragged matrix")
    shown = np.array(values, dtype=np.float64)
    if not gap_rows and not gap_cols and not mark:
        return shown
    shape = tuple(int(n) for n in mark.translate(_SHAPE_MARK).split("×")) if mark else ()
    rows_before = gap_rows[0] if gap_rows else len(kept)
    cols_before = min(gap_cols) if gap_cols else shown.shape[1]
    return Corners(shown, rows_before, cols_before, shape)


def _take_mark(line: str, at: int, allowed: set[str]) -> tuple[str, int]:
    end = at
    while end < len(line) and line[end] in allowed:
        end += 1
    return line[at:end], end


class _Grid:
    """Lines of two-dimensional text with the matrices cut out, each put back as one token
    on its middle row (where the formula's operators are)."""

    def __init__(self, lines: list[str]) -> None:
        width = max((len(line) for line in lines), default=0)
        self.rows = [list(line.ljust(width)) for line in lines]
        self.found: list[np.ndarray | Corners] = []
        self.written: list[str] = []  # each as one line: [a, b; c, d]
        self.middles: set[int] = set()

    def cut(self, top: int, left: int) -> None:
        """The matrix whose ┌ is at (top, left)."""
        rows = self.rows
        right = "".join(rows[top]).index("┐", left)
        bottom = top
        while rows[bottom][left] != "└":
            bottom += 1
        cells = ["".join(rows[y][left + 1 : right]) for y in range(top, bottom + 1)]
        line_top, line_bottom = "".join(rows[top]), "".join(rows[bottom])
        sup, sup_end = _take_mark(line_top, right + 1, _SCRIPTS)
        mark, mark_end = _take_mark(line_bottom, right + 1, _MARKS)
        sub, sub_end = _take_mark(line_bottom, mark_end, _SCRIPTS)
        rows_of_cells = [_cells(c) for c in cells]
        self.found.append(_matrix_of(rows_of_cells, mark))
        self.written.append("[" + "; ".join(", ".join(r) for r in rows_of_cells) + "]" + mark)
        for y in range(top, bottom + 1):
            end = {top: sup_end, bottom: sub_end}.get(y, right + 1)
            for x in range(left, end):
                rows[y][x] = " "
        middle = top + (bottom - top) // 2
        self.middles.add(middle)
        token = f"\x00{len(self.found) - 1}\x00{sup}{sub}"
        rows[middle][left : left + len(token)] = list(token)

    def tall_delimiters(self) -> None:
        """A tall ⎛ or ⎡ becomes one parenthesis on the middle row it spans (likewise ⎞)."""
        for y, row in enumerate(self.rows):
            for x, ch in enumerate(row):
                if ch in TALL_OPEN or ch in TALL_CLOSE:
                    bottom = y
                    while bottom + 1 < len(self.rows) and self.rows[bottom + 1][x] in _FILLERS:
                        bottom += 1
                        if self.rows[bottom][x] in "⎝⎠⎣⎦":
                            break
                    middle = next((m for m in range(y, bottom + 1) if m in self.middles), y)
                    for k in range(y, bottom + 1):
                        self.rows[k][x] = " "
                    self.rows[middle][x] = "(" if ch in TALL_OPEN else ")"


def _cut_out(lines: list[str]) -> tuple[_Grid, list[str]]:
    """The matrices cut out of the lines, and the rows left, each matrix's place marked."""
    grid = _Grid(lines)
    for y, row in enumerate(grid.rows):
        x = 0
        while x < len(row):
            if row[x] == "┌":
                grid.cut(y, x)
            x += 1
    grid.tall_delimiters()
    rows = ["".join(row) for row in grid.rows]
    return grid, [r for r in rows if r.strip() and not set(r) <= _FILLERS]


def linear(lines: list[str]) -> list[str]:
    """Two-dimensional text written on single lines again: each matrix as [a, b; c, d]."""
    grid, rows = _cut_out(lines)
    out = []
    for row in rows:
        parts = row.split("\x00")
        out.append("".join(grid.written[int(p)] if k % 2 else p for k, p in enumerate(parts)))
    joined = (" ".join(r.split()) for r in out)
    return [re.sub(r"\s+\)", ")", re.sub(r"\(\s+", "(", r)) for r in joined]


def read_grid(lines: list[str]) -> list[Token | np.ndarray | Corners]:
    """Two-dimensional text (the step panel, `bpdebug trace`) as tokens in reading order:
    each matrix as its array (or its `Corners` when written in part), the rest as `tokens`
    reads it; rows left with only the pieces of tall brackets are dropped."""
    grid, rows = _cut_out(lines)
    out: list[Token | np.ndarray | Corners] = []
    for line in rows:
        for k, part in enumerate(line.split("\x00")):
            if k % 2:
                out.append(grid.found[int(part)])
            else:
                out.extend(tokens(part))
    return out
