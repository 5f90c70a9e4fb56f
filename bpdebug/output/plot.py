"""Curves drawn in braille: each character cell holds 2×4 dots, so a plot of W×H cells has
2W×4H points of resolution. Used by the app's loss plot and gradient-flow screen and by
`bpdebug compare`; no Textual here, only which dots are set and which curve set them.

A curve whose finite values span more than two powers of ten (and are all positive) is drawn
on a log scale, or all but its first iterations would be one flat line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from bpdebug.notation import DIGITS, num

if TYPE_CHECKING:
    from rich.text import Text

DECADES = 2  # a range wider than this many powers of ten is drawn on a log scale
BRAILLE = 0x2800
# the bit of dot (row, column) of a braille cell, rows 0-3 top down, columns 0-1
DOT_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.int64)


class Series(NamedTuple):
    name: str
    x: np.ndarray  # increasing
    y: np.ndarray  # nan/inf: not drawn (the curve breaks there)


class Plot(NamedTuple):
    """Which dots each series sets, as text rows, and the scales they were drawn on."""

    chars: list[str]  # one string of braille per row, top first
    owners: np.ndarray  # (rows, columns) bitmask: series k set a dot of that cell → bit k
    y_low: float  # the bottom and top of the y scale (in the data's units, not log₁₀)
    y_high: float
    x_low: float
    x_high: float
    log: bool


def log_scale(values: Sequence[float] | np.ndarray) -> bool:
    """Whether these values call for a log scale: positive, spanning > DECADES decades."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2 or v.min() <= 0:
        return False
    return bool(math.log10(v.max()) - math.log10(v.min()) > DECADES)


def plot(
    series: Sequence[Series],
    width: int,
    height: int,
    log: bool | None = None,
    x_range: tuple[float, float] | None = None,
) -> Plot:
    """Draw every series on one canvas of width×height cells, sharing both scales."""
    width, height = max(1, width), max(1, height)
    ys = [s.y[np.isfinite(s.y)] for s in series]
    every_y = np.concatenate(ys) if ys else np.array([])
    if log is None:
        log = log_scale(every_y)
    shown = np.log10(every_y) if log else every_y
    y0, y1 = (float(shown.min()), float(shown.max())) if shown.size else (0.0, 1.0)
    if x_range is None:
        xs = [s.x for s in series if s.x.size]
        x0 = float(min(x.min() for x in xs)) if xs else 0.0
        x1 = float(max(x.max() for x in xs)) if xs else 1.0
    else:
        x0, x1 = x_range
    dots_w, dots_h = 2 * width, 4 * height
    owners = np.zeros((height, width), dtype=np.int64)
    bits = np.zeros((height, width), dtype=np.int64)
    for k, s in enumerate(series):
        with np.errstate(all="ignore"):  # a value ≤ 0 on a log scale is not drawn
            y = np.log10(np.where(s.y > 0, s.y, np.nan)) if log else s.y.astype(float)
        cols, tops, bottoms = _pixels(s.x, y, (x0, x1), (y0, y1), dots_w, dots_h)
        dots = _dots(cols, tops, bottoms, dots_w, dots_h)
        cells = np.zeros((height, width), dtype=np.int64)
        for r in range(4):
            for c in range(2):
                cells |= dots[r::4, c::2] * DOT_BITS[r, c]
        bits |= cells
        owners |= (cells != 0) * (1 << k)
    chars = ["".join(chr(BRAILLE + int(b)) for b in row) for row in bits]
    lo, hi = (10**y0, 10**y1) if log else (y0, y1)
    return Plot(chars, owners, lo, hi, x0, x1, log)


def _dots(
    cols: np.ndarray, tops: np.ndarray, bottoms: np.ndarray, dots_w: int, dots_h: int
) -> np.ndarray:
    """The dots set (rows × columns, 0 or 1): in each column `cols[i]`, rows `tops[i]` to
    `bottoms[i]`, by counting where spans start and end (no loop over the spans)."""
    edges = np.zeros((dots_h + 1, dots_w), dtype=np.int64)
    np.add.at(edges, (tops, cols), 1)
    np.add.at(edges, (bottoms + 1, cols), -1)
    return (np.cumsum(edges, axis=0)[:dots_h] > 0).astype(np.int64)


def _scaled(v: np.ndarray, low: float, high: float) -> np.ndarray:
    """(v − low) / (high − low), also where the range itself overflows (−1e308 to 1e308)."""
    if high <= low:
        return np.full_like(v, 0.5, dtype=float)
    if np.isfinite(high - low):
        return (v - low) / (high - low)
    return (v / 2 - low / 2) / (high / 2 - low / 2)


def _pixels(
    x: np.ndarray,
    y: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    dots_w: int,
    dots_h: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per dot column the curve passes: the span of dot rows to set (top, bottom). Between
    two points columns apart the line runs through every column in between, and each column
    reaches the row where the curve left the one before: a line, never scattered dots (two
    losses are a line from L₀ to L₁, not a dot and a bar). A nan or inf breaks the curve:
    every unbroken stretch (a run) is drawn so, all runs at once (a million points broken a
    million times take no longer than one line)."""
    (x0, x1), (y0, y1) = x_range, y_range
    keep = np.isfinite(y) & np.isfinite(x)
    at = np.flatnonzero(keep)
    empty = np.zeros(0, dtype=np.int64)
    if not at.size:
        return empty, empty, empty
    with np.errstate(all="ignore"):
        fx = _scaled(x.astype(float), x0, x1)[at] * (dots_w - 1) if x1 > x0 else 0 * at
        fy = (1 - _scaled(y.astype(float), y0, y1)[at]) * (dots_h - 1)
    fx, fy = np.asarray(fx, dtype=float), np.asarray(fy, dtype=float)
    c, r = np.rint(fx).astype(np.int64), np.rint(fy).astype(np.int64)
    run = np.cumsum(~keep)[at]  # points with the same count of breaks before them: one run
    first = np.flatnonzero(np.diff(run, prepend=-1))  # each run's first point
    last = np.append(first[1:] - 1, len(at) - 1)
    which = np.cumsum(np.diff(run, prepend=run[0]) != 0)  # each point's run, 0, 1, …
    lengths = c[last] - c[first] + 1  # the columns each run covers
    start = np.cumsum(lengths) - lengths  # where each run's columns begin below
    of = np.repeat(np.arange(first.size), lengths)
    cols = c[first][of] + np.arange(int(lengths.sum())) - start[of]
    along = np.clip(cols, fx[first][of], fx[last][of])  # inside its own run: no other's points
    through = np.rint(np.interp(along, fx, fy)).astype(np.int64)  # the line between points
    top, bottom, leaves = through.copy(), through.copy(), through.copy()
    group = np.ones(len(at), dtype=bool)  # the points of a run that share a column
    group[1:] = (which[1:] != which[:-1]) | (c[1:] != c[:-1])
    starts = np.flatnonzero(group)
    ends = np.append(starts[1:] - 1, len(at) - 1)
    held = start[which[starts]] + c[starts] - c[first][which[starts]]  # their own rows
    top[held], bottom[held] = np.minimum.reduceat(r, starts), np.maximum.reduceat(r, starts)
    leaves[held] = r[ends]
    inner = np.ones(cols.size, dtype=bool)
    inner[start] = False  # a run's first column: nothing before it to reach back to
    before = np.roll(leaves, 1)
    top = np.where(inner, np.minimum(top, before), top)
    bottom = np.where(inner, np.maximum(bottom, before), bottom)
    top, bottom = np.maximum(top, 0), np.minimum(bottom, dots_h - 1)
    inside = (cols >= 0) & (cols < dots_w) & (top <= bottom)
    return cols[inside], top[inside], bottom[inside]


def column_of(x: float, p: Plot, width: int) -> int:
    """The character column where x falls on a plot `width` cells wide."""
    if p.x_high <= p.x_low:
        return 0
    dot = round((x - p.x_low) / (p.x_high - p.x_low) * (2 * width - 1))
    return min(width - 1, max(0, dot // 2))


def fitted(value: float, digits: int | None = DIGITS, room: int | None = None) -> str:
    """`value` at the precision setting (`d`: every digit); longer than `room`, visibly
    shortened, never rounded: its exact leading digits then '…', an exponent kept
    (0.0087713…, 1.2345…e-05); a number whose whole part does not fit takes an exponent."""
    text = num(value, digits)
    if room is None or len(text) <= room or not math.isfinite(value):
        return text
    mantissa, _, exponent = _exact(value, "e" in text).partition("e")
    whole = len(mantissa.split(".")[0])
    if not exponent and whole > max(3, room - 2):  # 123456.7 in 5 columns: 1.2…e+05
        mantissa, _, exponent = _exact(value, True).partition("e")
        whole = len(mantissa.split(".")[0])
    tail = f"e{exponent}" if exponent else ""
    keep = max(whole + 1, room - 1 - len(tail))  # the whole part and its point at least
    return mantissa + tail if keep >= len(mantissa) else mantissa[:keep] + "…" + tail


def _exact(value: float, scientific: bool) -> str:
    """Every digit of `value` (the shortest that reads back as it), with or without an
    exponent."""
    if scientific:
        return np.format_float_scientific(value, unique=True, trim="-", exp_digits=2)
    return np.format_float_positional(value, unique=True, trim="-")


def tick(value: float, digits: int | None = DIGITS) -> str:
    """A scale label, at the precision setting."""
    return fitted(value, digits)


# The first and second curve, and a cell both set: one colour on every surface (a Rich style
# in the app and in `compare`, Textual markup in the legend); a terminal without true colour
# gets the nearest it has. Colour is never the only sign: the second curve is drawn with •
# and a cell both set with ∗, in colour or not.
SERIES_STYLES = ("#36c2ce", "#e254c4")
BOTH_STYLE = "#a8a8a8"
MARKS = ("⣿", "•", "∗")  # the first curve (braille), the second, a cell both set


def styled_rows(p: Plot, color: bool) -> list[Text]:
    """The plot's rows as Rich text: the first curve in braille, the second as •, a cell both
    set as ∗; coloured by curve when `color`."""
    from rich.text import Text

    lines = []
    for chars, owners in zip(p.chars, p.owners, strict=True):
        line = Text()
        for char, owner in zip(chars, owners, strict=True):
            owner = int(owner)
            mark = char if owner <= 1 else MARKS[1] if owner == 2 else MARKS[2]
            if owner and color:
                line.append(mark, SERIES_STYLES[owner - 1] if owner <= 2 else BOTH_STYLE)
            else:
                line.append(mark)
        lines.append(line)
    return lines


def legend(names: Sequence[str], color: bool, first: int = 0) -> Text:
    """Which curve is which: '⣿ A: first   • B: second   ∗ both' (in their colours);
    `first`: the names start at that curve (a panel of the second curve alone: '• B: …')."""
    from rich.text import Text

    line = Text()
    for k, name in enumerate(names, start=first):
        if k > first:
            line.append("   ")
        line.append(MARKS[k], SERIES_STYLES[k] if color else "")
        line.append(f" {name}")
    if len(names) > 1:
        line.append("   ")
        line.append(f"{MARKS[2]} both", BOTH_STYLE if color else "")
    return line


def framed(p: Plot, color: bool, x_label: str = "iteration") -> list[Text]:
    """The plot with its y scale on the left and its x scale below."""
    from rich.text import Text

    top, bottom = tick(p.y_high), tick(p.y_low)
    margin = max(len(top), len(bottom))
    rows = styled_rows(p, color)
    out = []
    for k, row in enumerate(rows):
        label = top if k == 0 else bottom if k == len(rows) - 1 else ""
        out.append(Text(f"{label:>{margin}} ┤") + row)
    width = len(p.chars[0]) if p.chars else 0
    out.append(Text(" " * margin + " └" + "─" * width))
    left, right = tick(p.x_low), tick(p.x_high)
    room = width - len(left) - len(right)
    if room < len(x_label) + 2:  # too narrow to name the axis: its two ends only
        x_label = ""
    gap = max(1, room - len(x_label))
    half = max(1, gap // 2) if x_label else gap
    ends = left + " " * half + x_label + " " * max(0, gap - half) + right
    out.append(Text(" " * (margin + 2) + ends))
    return out
