"""The values panel: the step's operands and result as labelled matrices.

Built on Textual's Line API: only the lines and the columns in view are ever formatted, so a
128×784 matrix costs the same per step as a 2×2 one.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...engine import Step
from ...engine.activations import Array
from ...engine.fmt import shape_text

CELL = 12  # characters per matrix entry
LABEL = 6  # the row-number gutter, which stays put when scrolling sideways

PARAM_NAMES = {"x": "input x", "y": "target y", "lr": "learning rate"}


@dataclass(frozen=True)
class Block:
    """One labelled matrix: a title line, a column-number line if wide, then its rows."""

    title: str
    role: str  # "read" or "result"
    matrix: Array  # always 2-D

    @property
    def header_lines(self) -> int:
        return 2 if self.matrix.shape[1] > 1 else 1

    @property
    def height(self) -> int:
        return self.header_lines + int(self.matrix.shape[0]) + 1  # a blank line after


def as_matrix(value: object) -> Array:
    """Scalars become 1×1 and vectors (b) columns, as in the math."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    return arr


def blocks_for(step: Step) -> list[Block]:
    blocks = []
    for op in step.operands:
        origin = (
            f"step {op.step + 1}"
            if op.step is not None
            else PARAM_NAMES.get(op.param or "", "parameter")
        )
        m = as_matrix(op.value)
        blocks.append(Block(f"◆ {op.name}  {shape_text(m.shape)}  read · {origin}", "read", m))
    m = as_matrix(step.value)
    blocks.append(Block(f"= {step.symbol}  {shape_text(m.shape)}  result", "result", m))
    return blocks


def format_cell(v: float) -> str:
    """One entry, right-aligned; non-finite entries carry a '!' so they show without colour."""
    if math.isfinite(v):
        return f"{v:>{CELL - 1}.6g} "
    return f"{str(v) + '!':>{CELL - 1}} "


class ValuesView(ScrollView, can_focus=True):
    """Scrolls through the blocks of the current step, rendering only what is visible."""

    COMPONENT_CLASSES = {"values--read", "values--result", "values--gutter", "values--bad"}
    DEFAULT_CSS = """
    ValuesView { height: 1fr; }
    ValuesView > .values--read { color: $text-primary; }
    ValuesView > .values--result { text-style: bold; }
    ValuesView > .values--gutter { color: $text-muted; }
    ValuesView > .values--bad { color: $text-error; text-style: bold reverse; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.blocks: list[Block] = []
        self.starts: list[int] = []
        self.cells_formatted = 0  # counted for tests: proves only the visible part is drawn

    def show(self, step: Step) -> None:
        self.blocks = blocks_for(step)
        self.starts = []
        y = 0
        for block in self.blocks:
            self.starts.append(y)
            y += block.height
        widest = max(b.matrix.shape[1] for b in self.blocks)
        title = max(len(b.title) for b in self.blocks)
        self.virtual_size = Size(max(LABEL + widest * CELL, title + 1), y)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = y + scroll_y
        width = self.size.width
        if not self.blocks or line >= self.virtual_size.height:
            return Strip.blank(width, self.rich_style)
        b = bisect_right(self.starts, line) - 1
        block, row = self.blocks[b], line - self.starts[b]
        base = self.rich_style
        if row == 0:
            style = base + Style(bold=True, reverse=block.role == "result")
            return (
                Strip([Segment(block.title, style)])
                .crop(scroll_x, scroll_x + width)
                .extend_cell_length(width, base)
            )
        if row == 1 and block.header_lines == 2:
            gutter = self.get_component_rich_style("values--gutter")
            return self._row(block.matrix.shape[1], None, scroll_x, width, gutter)
        r = row - block.header_lines
        if r >= block.matrix.shape[0]:
            return Strip.blank(width, base)
        style = self.get_component_rich_style(f"values--{block.role}")
        return self._row(block.matrix.shape[1], block.matrix[r], scroll_x, width, style, r)

    def _row(
        self,
        n_cols: int,
        values: Array | None,
        scroll_x: int,
        width: int,
        style: Style,
        r: int | None = None,
    ) -> Strip:
        """The gutter, then only the columns between scroll_x and scroll_x + width."""
        data_w = max(width - LABEL, 0)
        first = scroll_x // CELL
        last = min(n_cols, (scroll_x + data_w) // CELL + 1)
        gutter = f"{r:>{LABEL - 2}} │" if r is not None else " " * LABEL
        segments = [Segment(gutter, self.get_component_rich_style("values--gutter"))]
        bad = self.get_component_rich_style("values--bad")
        for c in range(first, last):
            if values is None:
                segments.append(Segment(f"{c:>{CELL - 1}} ", style))
                continue
            v = float(values[c])
            self.cells_formatted += 1
            segments.append(Segment(format_cell(v), style if math.isfinite(v) else bad))
        strip = Strip(segments)
        offset = scroll_x - first * CELL
        body = strip.crop(LABEL + offset, LABEL + offset + data_w)
        return Strip.join([Strip(segments[:1]), body]).extend_cell_length(width, self.rich_style)
