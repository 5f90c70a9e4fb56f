"""The network as a picture: the input, each layer and the loss as columns of units, arrows
in the phase's direction, the active column marked. Rich Text only: the widget draws it.

Where there is room, each unit shows a number: its layer's latest value at the current step
(z, a, ∂L/∂a, σ′, δ of the followed example, or ∂L/∂b, b after the update), under a row
naming it; small layers (at most 4×4) show their weights beside the units they feed, row i
of W⁽ˡ⁾ beside unit i of layer l (∂L/∂W⁽ˡ⁾ or the new W⁽ˡ⁾ at the steps that compute them).
Numbers are written at the precision setting, or cut with … where the columns were measured
at fewer digits (never rounded to fewer); a value a quiz still asks for is `?`. What the
step writes is shown reversed, what it reads underlined. Without room, each unit is a ○.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from rich.text import Text

from bpdebug.engine import Step, Trace
from bpdebug.notation import DIGITS, num
from bpdebug.notation.numbers import sup
from bpdebug.output.graph import short_num
from bpdebug.tui.views.phases import ARROWS, FALLBACK

SHORT = {
    "identity": "id",
    "sigmoid": "σ",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "lrelu",
    "softplus": "s+",
    "softmax": "smax",
}
LOSS_SHORT = {
    "quadratic": "½‖·‖²",
    "mse": "mse",
    "binary_cross_entropy": "bce",
    "cross_entropy": "ce",
}
PER_UNIT = ("z", "a", "dL_da", "dact", "delta", "db", "b_new")  # a value per unit of a layer
EDGE_MAX = 4  # weights are written beside layers of at most 4×4
MAX_SCANNED = 64  # examples scanned for column widths; more: the widest any number can be
GAP = 4  # " ─▶ " between two blocks


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # the activation or loss, abbreviated
    units: int


def columns(trace: Trace) -> list[Column]:
    net = trace.network
    cols = [Column("x", "input", net.sizes[0])]
    cols += [
        Column(str(l), SHORT[layer.activation], layer.n_out)
        for l, layer in enumerate(net.layers, start=1)
    ]
    cols.append(Column("L", LOSS_SHORT[net.loss], 1))
    return cols


def active_column(step: Step, n_columns: int) -> int:
    """The column a step is about: its layer, or the loss column for the loss steps."""
    return step.layer if step.layer is not None else n_columns - 1


def visible_window(n: int, active: int, fits: int) -> range:
    """Which columns to draw when not all fit: a window that keeps the active one in view."""
    if n <= fits:
        return range(n)
    start = min(max(active - fits // 2, 0), n - fits)
    return range(start, start + fits)


# ---------------------------------------------------------------- units as ○


def render_units(
    trace: Trace, step: Step, width: int, height: int, colour: str | None = None
) -> Text:
    """The diagram with a ○ per unit, `width` × `height` cells at most."""
    cols = columns(trace)
    active = active_column(step, len(cols))
    col_w = max(5, *(len(c.kind) for c in cols)) + 1
    arrow, colour = ARROWS[step.phase], colour or FALLBACK[step.phase]
    window = visible_window(len(cols), active, max(1, (width + 3) // (col_w + 3)))
    unit_rows = max(1, height - 2)  # the name and kind rows come first
    lines = [Text() for _ in range(unit_rows + 2)]
    for pos, c in enumerate(window):
        col = cols[c]
        is_active = c == active
        if pos:
            reach = min(col.units, cols[c - 1].units, unit_rows)
            _append_arrows(lines, arrow, colour, _feeds(step.phase, c, active), reach)
        style = f"bold reverse {colour}" if is_active else "bold"
        name = f"▶{col.name}◀" if is_active else col.name
        lines[0].append(name.center(col_w), style=style)
        lines[1].append(col.kind.center(col_w), style="dim" if not is_active else "bold")
        for r, text in enumerate(_unit_cells(col.units, unit_rows)):
            unit_style = f"bold {colour}" if is_active else ""
            lines[2 + r].append(text.center(col_w), style=unit_style)
    if window.start > 0:
        lines[0] = Text("… ") + lines[0]
    if window.stop < len(cols):
        lines[0].append(" …")
    return Text("\n").join(line for line in lines if line.plain.strip())


def _feeds(phase: str, column: int, active: int) -> bool:
    """Whether the arrow before `column` is the one carrying values into/out of the active one."""
    return column == active if phase == "forward" else column == active + 1


def _append_arrows(lines: list[Text], arrow: str, colour: str, bold: bool, reach: int) -> None:
    """Arrows between two columns, on the unit rows where both have a unit."""
    style = f"bold {colour}" if bold else f"dim {colour}"
    for r, line in enumerate(lines):
        line.append(f" {arrow} " if 2 <= r < 2 + reach else "   ", style=style)


def _unit_cells(units: int, rows: int) -> list[str]:
    """One ○ per unit; a column taller than `rows` is cut and ends with its count."""
    if units <= rows:
        return ["○"] * units + [""] * (rows - units)
    shown = max(rows - 2, 0)
    return ["○"] * shown + ["⋮", f"×{units}"][: rows - shown]


# ---------------------------------------------------------------- units with numbers


class Shown(NamedTuple):
    """What a column or an edge shows at a step: a label, its numbers, whose value it is."""

    label: str
    values: np.ndarray  # a vector for a column, a matrix for an edge
    step: int | None  # the step whose value it is (None: the data or a parameter)
    hidden: bool = False  # a quiz still asks for it: each entry is written ?


def column_shows(
    trace: Trace, cursor: int, c: int, k: int, veiled: frozenset[int] = frozenset()
) -> Shown | None:
    """Column c's numbers at step `cursor`: x, a layer's latest per-unit value, or L."""
    net = trace.network
    if c == 0:
        return Shown("x", np.asarray(net.x)[:, k], None)
    where = trace.plan.where
    kinds = ("loss", "loss_after") if c == net.depth + 1 else PER_UNIT
    layer = None if c == net.depth + 1 else c
    done = [i for kind in kinds if (i := where.get((kind, layer))) is not None and i <= cursor]
    if not done:
        return None
    step = trace[max(done)]
    value = np.asarray(step.value, dtype=float)
    column = value[:, k] if value.ndim == 2 else value.reshape(-1)
    return Shown(_label(step.symbol, step.kind), column, step.index, step.index in veiled)


def edge_shows(trace: Trace, step: Step, l: int, veiled: frozenset[int] = frozenset()) -> Shown:
    """The weights into layer l: W⁽ˡ⁾, ∂L/∂W⁽ˡ⁾ at the step computing it, and the new W⁽ˡ⁾
    from its update on (the parameter's value then, as the bias column shows ← b⁽ˡ⁾)."""
    if step.layer == l and step.kind in ("dW", "W_new"):
        value = np.asarray(step.value, dtype=float)
        return Shown(_label(step.symbol, step.kind), value, step.index, step.index in veiled)
    update = trace.plan.where.get(("W_new", l))
    if update is not None and update < step.index:
        value = np.asarray(trace.value(update), dtype=float)
        label = _label(trace.plan.steps[update].symbol, "W_new")
        return Shown(label, value, update, update in veiled)
    return Shown(f"W{sup(l)}", np.asarray(trace.network.layers[l - 1].W), None)


EXACT = 256  # entries whose widths are measured one by one; more are bounded at once


def _width(values: np.ndarray, digits: int | None = DIGITS) -> int:
    """Characters the widest entry takes at `digits` significant digits: measured for a few
    entries, bounded from the exponents for many (an edit of a 784-wide net retraces)."""
    if values.size <= EXACT:
        return max((len(num(float(v), digits)) for v in values.flat), default=1)
    d = digits or 17
    v = values[np.isfinite(values) & (values != 0)]
    special = 4 if v.size < values.size else 1  # "-inf", "nan", "0"
    if not v.size:
        return special
    e = np.floor(np.log10(np.abs(v)))
    fixed = np.where(e >= 0, d + 1, d + 1 - e)  # "1.234", "0.001234"
    scientific = d + 5 + (np.abs(e) >= 100)  # "1.234e-05", "1.234e+100"
    width = np.where((e < -4) | (e >= d), scientific, fixed) + (v < 0)
    return max(int(width.max()), special)


class Widths(NamedTuple):
    """Characters each column's numbers and each edge's entries need, over the whole trace,
    so that the picture keeps its place from step to step."""

    columns: tuple[int, ...]
    edges: tuple[tuple[int, ...], ...] | None  # per layer, per column of W⁽ˡ⁾; None when
    # some layer is larger than 4×4 (or taller than the rows shown)


def widths(
    trace: Trace, rows: int, room: int = 10_000, digits: int | None = DIGITS
) -> Widths | None:
    """The widths every step of `trace` needs at `digits` (the first `rows` units of each
    column); None as soon as the columns alone are wider than `room` (a deep network is not
    measured)."""
    net = trace.network
    scanned = net.batch_size <= MAX_SCANNED
    cols: list[int] = []
    for c in range(net.depth + 2):
        if sum(cols) + GAP * len(cols) > room:
            return None
        labels, wide = [], 1
        kinds = ("x",) if c == 0 else ("loss", "loss_after") if c == net.depth + 1 else PER_UNIT
        for kind in kinds:
            value: np.ndarray | None = None
            if kind == "x":
                value, labels = np.asarray(net.x), ["x"]
            elif (i := trace.plan.where.get((kind, None if c > net.depth else c))) is not None:
                value = np.atleast_1d(np.asarray(trace.value(i), dtype=float))
                labels.append(_label(trace.plan.steps[i].symbol, kind))
            if value is not None:
                wide = max(wide, _width(value[:rows], digits) if scanned else (digits or 17) + 6)
        cols.append(max(wide, *(len(label) for label in labels), len(str(c)) + 2))
    limit = min(EDGE_MAX, rows)
    if any(la.W.shape[0] > limit or la.W.shape[1] > EDGE_MAX for la in net.layers):
        return Widths(tuple(cols), None)
    edges = []
    for l, layer in enumerate(net.layers, start=1):
        every = [np.asarray(layer.W)]
        every += [np.asarray(trace.find(kind, l).value, dtype=float) for kind in ("dW", "W_new")]
        edges.append(
            tuple(max(_width(m[:, j], digits) for m in every) for j in range(layer.W.shape[1]))
        )
    return Widths(tuple(cols), tuple(edges))


def _label(symbol: str, kind: str) -> str:
    """What a column or an edge says it shows: the symbol, "← " before an updated value."""
    return f"← {symbol}" if kind in ("W_new", "b_new") else symbol


def edge_width(entries: tuple[int, ...]) -> int:
    return sum(entries) + len(entries) - 1 + 2  # entries, spaces, brackets


def picture_width(trace: Trace, w: Widths, with_edges: bool) -> int:
    total = sum(w.columns) + GAP * (len(w.columns) - 1)
    if with_edges and w.edges is not None:
        total += sum(max(edge_width(e), 8) + GAP for e in w.edges)
    return total


class Cell(NamedTuple):
    text: str
    style: str


Block = list[Cell]  # one cell per row: name, kind, label, then the unit rows


Line = list[tuple[str, str]]  # (text, style) runs


def as_text(lines: list[Line]) -> Text:
    """Lines of (text, style) runs as one Rich text."""
    return Text("\n").join(Text.assemble(*line) for line in lines)


def numbers_lines(
    trace: Trace,
    step: Step,
    k: int,
    w: Widths,
    rows: int,
    with_edges: bool,
    colour: str | None = None,
    digits: int | None = DIGITS,
    veiled: frozenset[int] = frozenset(),
) -> list[Line]:
    """The picture with numbers: `rows` unit rows, example k, widths `w` (see `widths`),
    each number at `digits` or cut with … to its column; `veiled` steps' values are ?."""
    net = trace.network
    colour = colour or FALLBACK[step.phase]
    touched = Touched.by(step, net.depth)
    active = active_column(step, net.depth + 2)
    blocks: list[tuple[Block, int]] = []
    for c, col in enumerate(columns(trace)):
        if with_edges and w.edges is not None and 1 <= c <= net.depth:
            edge = edge_shows(trace, step, c, veiled)
            entries = w.edges[c - 1]
            look = touched.look(("edge", c), edge, colour)
            edge_block = _edge_block(edge, entries, rows, look, digits)
            blocks.append((edge_block, max(edge_width(entries), 8)))
        shown = column_shows(trace, step.index, c, k, veiled)
        look = touched.look(("col", c), shown, colour)
        block = _column_block(col, shown, rows, c == active, look, colour, digits, w.columns[c])
        blocks.append((block, w.columns[c]))
    return _join(blocks, rows, ARROWS[step.phase], colour)


def _join(blocks: list[tuple[Block, int]], rows: int, arrow: str, colour: str) -> list[Line]:
    """The blocks side by side; an arrow between two on each unit row where both have one."""
    lines = []
    gap_style = f"dim {colour}"
    for r in range(3 + rows):
        line: Line = []
        for b, (block, width) in enumerate(blocks):
            if b:
                both = r >= 3 and _unit(blocks[b - 1][0][r]) and _unit(block[r])
                line.append((f" {arrow} " if both else " " * GAP, gap_style))
            cell = block[r]
            line.append((cell.text.rjust(width) if r >= 3 else cell.text.center(width), cell.style))
        lines.append(line)
    return lines


def _unit(cell: Cell) -> bool:
    """Whether a cell stands for a unit (a number or "·"), not "⋮", "×n" or nothing."""
    return bool(cell.text) and cell.text != "⋮" and not cell.text.startswith("×")


class Touched(NamedTuple):
    """Where a step writes (a column or an edge) and what it reads."""

    written: tuple[str, int]
    read_steps: frozenset[int]  # the steps whose values it reads
    read_places: frozenset[tuple[str, int]]  # x (column 0) and the W⁽ˡ⁾ it reads (edges)

    @classmethod
    def by(cls, step: Step, depth: int) -> Touched:
        if step.kind in ("dW", "W_new"):
            written = ("edge", step.layer or 0)
        else:
            written = ("col", step.layer if step.layer is not None else depth + 1)
        places = {("col", 0)} if any(op.param == "x" for op in step.operands) else set()
        weights = [op.param for op in step.operands if op.param and op.param[0] == "W"]
        places |= {("edge", int(key[1:])) for key in weights}
        steps = frozenset(op.step for op in step.operands if op.step is not None)
        return cls(written, steps, frozenset(places))

    def look(self, place: tuple[str, int], shown: Shown | None, colour: str) -> str:
        """Reversed where the step writes, underlined where it reads, else plain."""
        if shown is None:
            return ""
        if place == self.written and (place[0] == "edge" or shown.step is not None):
            return f"bold reverse {colour}"
        if place in self.read_places or (shown.step is not None and shown.step in self.read_steps):
            return f"bold underline {colour}"
        return ""


def _column_block(
    col: Column,
    shown: Shown | None,
    rows: int,
    active: bool,
    look: str,
    colour: str,
    digits: int | None,
    width: int,
) -> Block:
    name_style = f"bold reverse {colour}" if active else "bold"
    cells = [Cell(f"▶{col.name}◀" if active else col.name, name_style)]
    cells.append(Cell(col.kind, "bold" if active else "dim"))
    if shown is None:  # not computed yet at this step
        cells.append(Cell("", ""))
        values = [Cell("·", "dim")] * min(col.units, rows)
    else:
        cells.append(Cell(shown.label, "bold" if look else "dim"))
        values = [Cell(_entry(float(v), shown, digits, width), look) for v in shown.values[:rows]]
    if col.units > rows:  # cut: the first units, then how many there are
        kept = max(rows - 2, 0)
        values = values[:kept] + [Cell("⋮", "dim"), Cell(f"×{col.units}", "dim")][: rows - kept]
    return cells + values + [Cell("", "")] * (rows - len(values))


def _entry(v: float, shown: Shown, digits: int | None, width: int) -> str:
    """One number as the picture writes it: ? while a quiz asks for it, else at `digits` or
    cut with … to `width`."""
    return "?" if shown.hidden else short_num(v, digits, width)


def _edge_block(
    shown: Shown, entries: tuple[int, ...], rows: int, look: str, digits: int | None
) -> Block:
    cells = [Cell("", ""), Cell("", ""), Cell(shown.label, "bold" if look else "dim")]
    for row in shown.values:
        text = " ".join(
            _entry(float(v), shown, digits, e).rjust(e) for v, e in zip(row, entries, strict=True)
        )
        cells.append(Cell(f"[{text}]", look))
    return cells + [Cell("", "")] * (3 + rows - len(cells))
