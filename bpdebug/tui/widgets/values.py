"""The values panel: draws the blocks it is handed (views/value_blocks.py: the step's
operands and result as labelled matrices, and after an edit what each was and Δ).

Built on Textual's Line API: only the lines and the columns in view are ever formatted, so a
128×784 matrix costs the same per step as a 2×2 one. When focused, the arrow keys move a
cursor over the parameters shown (W, b, x, y, η, and the gradients and updates of W and b,
whose entries stand for the parameter's) to choose the one to edit.
"""

from __future__ import annotations

import math
from bisect import bisect_right

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bpdebug.engine.params import ParamRef, ref_for
from bpdebug.notation import DIGITS
from bpdebug.tui.textual_private import set_virtual_size
from bpdebug.tui.views.value_blocks import Block, ValuesShown, format_cell
from bpdebug.tui.widgets.cached_styles import CachedStyles

LABEL = 6  # the row-number gutter, which stays put when scrolling sideways


def whole_columns(block: Block, scroll_x: int, width: int) -> tuple[int, int]:
    """The columns [first, last) of `block` wholly in view when scrolled to `scroll_x`; a
    panel narrower than one number shows the one it starts in."""
    n_cols, cell = block.matrix.shape[1], block.cell
    data_w = max(width - LABEL, 0)
    first = min(-(-scroll_x // cell), n_cols)
    last = min(n_cols, (scroll_x + data_w) // cell)
    if last <= first:
        start = min(scroll_x // cell, n_cols - 1)
        return start, start  # nothing whole: _row crops the one it starts in
    return first, last


class ValuesView(CachedStyles, ScrollView, can_focus=True):
    """Scrolls through the blocks of the current step, rendering only what is visible."""

    COMPONENT_CLASSES = {
        "values--numeric",
        "values--error",
        "values--read",
        "values--result",
        "values--gutter",
        "values--bad",
        "values--before",
        "values--delta",
        "values--changed",
        "values--selected",
        "values--example",
        "values--hidden",
    }
    DEFAULT_CSS = """
    ValuesView { height: 1fr; }
    ValuesView > .values--read { color: $text-primary; }
    ValuesView > .values--result { text-style: bold; }
    ValuesView > .values--before { color: $text-muted; }
    ValuesView > .values--delta { color: $text-muted; }
    ValuesView > .values--changed { color: $text-warning; text-style: bold; }
    ValuesView > .values--gutter { color: $text-muted; }
    ValuesView > .values--bad { color: $text-error; text-style: bold reverse; }
    ValuesView > .values--selected { text-style: bold reverse; }
    ValuesView > .values--example { text-style: bold underline; }
    ValuesView > .values--numeric { color: $text-success; }
    ValuesView > .values--error { color: $text-muted; }
    ValuesView > .values--hidden { color: $text-muted; text-style: bold; }
    """
    BINDINGS = [
        Binding("up", "move_cell(-1, 0)", "Up", show=False),
        Binding("down", "move_cell(1, 0)", "Down", show=False),
        Binding("left", "move_cell(0, -1)", "Left", show=False),
        Binding("right", "move_cell(0, 1)", "Right", show=False),
    ]

    class CellSelected(Message):
        """The user moved the parameter cursor to `ref`."""

        def __init__(self, ref: ParamRef) -> None:
            super().__init__()
            self.ref = ref

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.blocks: list[Block] = []
        self.starts: list[int] = []
        self.selected: ParamRef | None = None
        self.digits: int | None = DIGITS
        self.example: int | None = None  # the followed example's column is marked
        self.cells_formatted = 0  # counted for tests: proves only the visible part is drawn

    def show(self, shown: ValuesShown, keep_scroll: bool = False) -> None:
        """Draw `shown`'s blocks (from the top, unless `keep_scroll`)."""
        self.blocks = list(shown.blocks)
        self.selected, self.digits, self.example = shown.selected, shown.digits, shown.example
        self.starts = []
        y = 0
        for block in self.blocks:
            self.starts.append(y)
            y += block.height
        widest = max((b.matrix.shape[1] * b.cell for b in self.blocks), default=0)
        title = max((len(b.title) for b in self.blocks), default=0)
        # Content smaller than the panel counts as the panel's size: scrollbars that show
        # everything stay as they are, so a step doesn't redraw them.
        view = self.scrollable_content_region.size
        width = max(LABEL + widest, title + 1, view.width)
        set_virtual_size(self, Size(width, max(y, view.height)))
        if not keep_scroll:
            self.scroll_to(0, 0, animate=False)
        self.refresh()

    def mark(self, ref: ParamRef) -> None:
        """Move ▸ to `ref` (chosen elsewhere: the edit dialog, the palette)."""
        self.selected = ref
        self.refresh()

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = y + scroll_y
        width = self.size.width
        base = self.style_of()
        if not self.blocks or line >= self.virtual_size.height:
            return Strip.blank(width, base)
        b = bisect_right(self.starts, line) - 1
        block, row = self.blocks[b], line - self.starts[b]
        if row == 0:
            style = base + Style(
                bold=block.role in ("read", "result"), reverse=block.role == "result"
            )
            return self._title(block, style, scroll_x, width)
        if row == 1 and block.header_lines == 2:
            return self._row(block, None, scroll_x, width)
        r = row - block.header_lines
        if r >= block.matrix.shape[0]:
            return Strip.blank(width, base)
        return self._row(block, r, scroll_x, width)

    def selected_cell(self, block: Block) -> tuple[int, int] | None:
        """The (row, column) ▸ marks in `block`, if it is the selected parameter's."""
        ref = self.selected
        if ref is None or block.param is None or block.param != ref.key:
            return None
        return (ref.i, ref.j)

    def _cell_style(self, block: Block, v: float, selected: bool, followed: bool) -> Style:
        if selected:
            return self.style_of("values--selected")
        if not math.isfinite(v):
            return self.style_of("values--bad")
        if block.role == "delta" and v:
            return self.style_of("values--changed")
        style = self.style_of(f"values--{block.role}")
        return style + self.style_of("values--example") if followed else style

    def _followed(self, block: Block) -> int | None:
        """The column of the followed example, in a block with one column per example."""
        return self.example if block.per_example else None

    def _title(self, block: Block, style: Style, scroll_x: int, width: int) -> Strip:
        """The block's title, always in view; where columns are out of view it says which
        are shown (`cols 0–5 of 8 →`), so no column is ever cut or left unnamed."""
        first, last = whole_columns(block, scroll_x, width)
        n_cols = block.matrix.shape[1]
        note = ""
        if first > 0 or last < n_cols:
            span = f"{first}–{last - 1}" if last - first > 1 else f"{first}"
            note = f"  {'← ' if first > 0 else ''}cols {span} of {n_cols}"
            note += " →" if last < n_cols else ""
        title = block.title
        if len(title) + len(note) > width:
            title = title[: max(width - len(note) - 1, 0)] + "…"
        strip = Strip([Segment(title, style), Segment(note, self.style_of("values--gutter"))])
        return strip.crop(0, width).extend_cell_length(width, self.style_of())

    def _row(self, block: Block, r: int | None, scroll_x: int, width: int) -> Strip:
        """The gutter, then only the whole columns between scroll_x and scroll_x + width: a
        number is never shown cut (the title says which columns are out of view)."""
        cell = block.cell
        data_w = max(width - LABEL, 0)
        first, last = whole_columns(block, scroll_x, width)
        narrow = last == first  # not even one whole number fits: the one in view, cut
        gutter_style = self.style_of("values--gutter")
        gutter = f"{r:>{LABEL - 2}} │" if r is not None else " " * LABEL
        segments = [Segment(" " * (first * cell - scroll_x))] if not narrow else []
        sel = self.selected_cell(block)
        followed = self._followed(block)
        for c in range(first, last + narrow):
            if r is None:  # the column numbers; ▾ marks the followed example
                label = f"▾{c}" if c == followed else str(c)
                style = (
                    gutter_style + self.style_of("values--example")
                    if c == followed
                    else gutter_style
                )
                segments.append(Segment(f"{label:>{cell - 1}} ", style))
                continue
            v = float(block.matrix[r, c])
            self.cells_formatted += 1
            is_sel = sel == (r, c)
            text = format_cell(v, block.role, is_sel, self.digits, cell)
            segments.append(Segment(text, self._cell_style(block, v, is_sel, c == followed)))
        body = Strip(segments)
        if narrow:
            body = body.crop(scroll_x - first * cell, scroll_x - first * cell + data_w)
        row = Strip.join([Strip([Segment(gutter, gutter_style)]), body.crop(0, data_w)])
        return row.extend_cell_length(width, self.style_of())

    # ------------------------------------------------------------------ the parameter cursor

    def param_blocks(self) -> list[int]:
        """Indices of the blocks whose cells choose a parameter's entries, the first of each
        parameter (∂L/∂W⁽²⁾ and W⁽²⁾ choose the same entries: the cursor marks both)."""
        first: dict[str, int] = {}
        for k, b in enumerate(self.blocks):
            if b.param is not None:
                first.setdefault(b.param, k)
        return list(first.values())

    def action_move_cell(self, dr: int, dc: int) -> None:
        editable = self.param_blocks()
        if not editable:
            cell = max((b.cell for b in self.blocks), default=12)
            self.scroll_relative(x=dc * cell, y=dr, animate=False)
            return
        current = next(
            (k for k in editable if self.blocks[k].param == getattr(self.selected, "key", None)),
            None,
        )
        if current is None:
            self._select(editable[0], 0, 0)
            return
        assert self.selected is not None
        r, c = self.selected.i + dr, self.selected.j + dc
        rows, cols = self.blocks[current].matrix.shape
        position = editable.index(current)
        if r < 0 and position > 0:
            k = editable[position - 1]
            self._select(k, self.blocks[k].matrix.shape[0] - 1, c)
        elif r >= rows and position < len(editable) - 1:
            self._select(editable[position + 1], 0, c)
        else:
            self._select(current, min(max(r, 0), rows - 1), min(max(c, 0), cols - 1))

    def scroll_to_cell(self, line: int, c: int, cell: int) -> None:
        """Scroll just enough that `line` and column `c` are in view (the gutter stays put)."""
        x, y = self.scroll_offset
        data_w, height = max(self.size.width - LABEL, cell), max(self.size.height, 1)
        if c * cell < x:
            x = c * cell
        elif (c + 1) * cell > x + data_w:
            x = (c + 1) * cell - data_w
        if line < y:
            y = line
        elif line >= y + height:
            y = line - height + 1
        self.scroll_to(x, y, animate=False, immediate=True)

    def _select(self, k: int, r: int, c: int) -> None:
        block = self.blocks[k]
        c = min(max(c, 0), block.matrix.shape[1] - 1)
        assert block.param is not None
        ref = ref_for(block.param, r, c)
        self.selected = ref
        self.scroll_to_cell(self.starts[k] + block.header_lines + r, c, block.cell)
        self.refresh()
        self.post_message(self.CellSelected(ref))
