"""The gradient flow over the iterations trained: one small curve per layer and quantity
(‖δ⁽ˡ⁾‖, ‖∂L/∂W⁽ˡ⁾‖, ‖W⁽ˡ⁾‖, dead relu units), the loss above them, and a marker on the
current iteration that ←/→ move to read the values of another.

Vanishing gradients show as ‖δ‖ curves an order of magnitude lower at each layer toward the
input; exploding ones as curves that climb; a dying relu layer as a dead count that rises.
Each curve is labelled with its quantity and its value at the marker (at the precision
setting), and under it with its scale ("lin", or "log" where its range calls for one) and the
range it spans; the marker is a column of ┊ as well as a grey background, so it reads
without colour.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget

from bpdebug.engine import Network
from bpdebug.engine.training import QUANTITIES, Flow
from bpdebug.notation import DIGITS, num
from bpdebug.notation.numbers import sup
from bpdebug.output.plot import BRAILLE, Plot, Series, column_of, fitted, plot, styled_rows
from bpdebug.tui.screens.dialog import Dialog, Plain
from bpdebug.tui.textual_private import Guarded

GAP = 2  # spaces between two curves side by side
MARKER = "on grey35"  # the marked iteration's column: the curve's dots stay visible on it
MARK = "┊"  # …and where no dot is, this glyph: the marker without colour
LABELS = {"delta": "‖δ{l}‖", "dW": "‖∂L/∂W{l}‖", "W": "‖W{l}‖", "dead": "dead{l}"}


class FlowGrid(Guarded, Widget):
    """Every curve, drawn to the widget's width; the marker at row `at` of the flow.

    On top: the marker's iteration and loss, the loss curve and the iteration axis every
    curve shares. Then per layer and quantity: a label (the quantity and its value at the
    marker), the curve, and under it its scale (lin or log) and range."""

    DEFAULT_CSS = "FlowGrid { height: auto; }"

    def __init__(self, flow: Flow, network: Network, digits: int | None = DIGITS) -> None:
        super().__init__()
        self.flow, self.network, self.digits = flow, network, digits
        relu = [layer.activation == "relu" for layer in network.layers]
        self.quantities = [q for q in QUANTITIES if q != "dead" or any(relu)]
        self.relu = relu
        self.at = flow.rows - 1

    def block_height(self) -> int:
        """Rows per layer (a label, then the curve): what the screen's height allows,
        from 3 to 8; a deep network scrolls. Each block has its scale row below."""
        spare = self.app.size.height - 9  # borders, the loss, its axis, the hint
        return min(8, max(3, spare // max(1, self.network.depth) - 1))

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return 4 + self.network.depth * (self.block_height() + 1)

    def _cell(self, title: str, y: np.ndarray, width: int, height: int) -> list[Text]:
        """The label, the curve with the marker's column lit and marked ┊, the scale."""
        x = self.flow.iteration.astype(float)
        drawn = plot([Series(title, x, y)], width, height)
        rows = styled_rows(drawn, color=True)
        self._mark(rows, drawn, width)
        room = max(5, width - len(title) - 1)  # the value in full where it fits, else cut: …
        label = Text(f"{title} {fitted(float(y[self.at]), self.digits, room)}", style="bold")
        label.truncate(width, overflow="ellipsis")  # a cell too narrow even for the value
        return [label, *rows, self._scale(drawn, width)]

    def _scale(self, drawn: Plot, width: int) -> Text:
        """'log 0.0412…–5.51…': the curve's scale and the range it spans (the scale alone
        where the range does not fit)."""
        word = "log" if drawn.log else "lin"
        each = max(5, (width - 5) // 2)
        low, high = (fitted(v, self.digits, each) for v in (drawn.y_low, drawn.y_high))
        scale = f"{word} {low}–{high}"
        return Text(scale if len(scale) <= width else word[:width], style="dim")

    def _mark(self, rows: list[Text], drawn: Plot, width: int) -> None:
        column = column_of(float(self.flow.iteration[self.at]), drawn, width)
        for row in rows:
            if row.plain[column : column + 1] == chr(BRAILLE):  # no dot: the glyph shows it
                row.right_crop(len(row) - column)
                row.append(MARK)
                row.append(chr(BRAILLE) * (width - column - 1))
            row.stylize(MARKER, column, column + 1)

    def _axis(self, width: int) -> Text:
        """Under the loss: the iterations every curve spans, and the marker's column."""
        first, last = (f"{int(v):,}" for v in (self.flow.iteration[0], self.flow.iteration[-1]))
        middle = "iteration (every curve)"
        gap = width - len(first) - len(last) - len(middle)
        if gap < 2:
            middle, gap = "", width - len(first) - len(last)
        text = first + " " * (gap // 2) + middle + " " * (gap - gap // 2) + last
        column = column_of(float(self.flow.iteration[self.at]), self._loss_plot(width), width)
        if text[column : column + 1] == " ":
            text = text[:column] + MARK + text[column + 1 :]
        return Text(text, style="dim")

    def _loss_plot(self, width: int) -> Plot:
        return plot([Series("L", self.flow.iteration.astype(float), self.flow.loss)], width, 2)

    def _top(self, width: int) -> list[Text]:
        """The marker's iteration and loss, the loss's scale, its curve, the iteration axis."""
        f, k = self.flow, self.at
        drawn = self._loss_plot(width)
        head = Text(f"{MARK} marker at iteration {int(f.iteration[k]):,} · ", style="bold")
        head.append(f"loss L = {num(float(f.loss[k]), self.digits)}", style="bold")
        head.append("   ")
        head.append_text(self._scale(drawn, max(8, width - len(head))))
        head.truncate(width)
        rows = styled_rows(drawn, color=True)
        self._mark(rows, drawn, width)
        return [head, *rows, self._axis(width)]

    def render(self) -> Text:
        width = self.content_region.width
        if width < 8:
            return Text("")
        lines = self._top(width)
        n = len(self.quantities)
        cell_width = max(4, (width - GAP * (n - 1)) // n)
        for l in range(1, self.network.depth + 1):
            cells = []
            for q in self.quantities:
                title = LABELS[q].format(l=sup(l))
                if q == "dead" and not self.relu[l - 1]:
                    blank = Text(f"{title}: not relu", style="dim")
                    cells.append([blank] + [Text("")] * self.block_height())
                    continue
                column = getattr(self.flow, q)[:, l - 1].astype(float)
                cells.append(self._cell(title, column, cell_width, self.block_height() - 1))
            for parts in zip(*cells, strict=True):
                line = Text()
                for m, part in enumerate(parts):
                    part = part.copy()
                    part.truncate(cell_width, pad=True)
                    line.append_text(part)
                    if m < n - 1:
                        line.append(" " * GAP)
                lines.append(line)
        return Text("\n").join(lines)


class FlowScreen(Dialog[None]):
    """The gradient flow of the iterations trained so far; ←/→ move the marker."""

    BINDINGS = [
        Binding("escape,q,G", "close", "Close"),
        Binding("left", "move(-1)", "Earlier", show=False),
        Binding("right", "move(1)", "Later", show=False),
        Binding("shift+left", "move(-0.01)", "One back", show=False),
        Binding("shift+right", "move(0.01)", "One on", show=False),
        Binding("home", "move(-1e9)", "First", show=False),
        Binding("end", "move(1e9)", "Last", show=False),
    ]
    DEFAULT_CSS = """
    FlowScreen > .box { width: 100%; height: 100%; max-height: 100%; }
    FlowScreen .hint { color: $text-muted; }
    """

    def __init__(
        self, flow: Flow, network: Network, iteration: int, digits: int | None = DIGITS
    ) -> None:
        super().__init__()
        self.flow, self.network, self.iteration = flow, network, iteration
        self.digits = digits

    def compose(self) -> ComposeResult:
        f = self.flow
        with Vertical(classes="box") as box:
            spacing = ""
            if f.rows > 1 and int(f.iteration[1] - f.iteration[0]) > 1:
                spacing = f", every {int(f.iteration[1] - f.iteration[0])}th recorded"
            box.border_title = f"Gradient flow · iterations 0 – {self.iteration:,}{spacing}"
            if f.rows < 2:
                yield Plain(
                    "Nothing to plot yet: train some iterations (t for one, T for many), "
                    "then G shows how each layer's gradients changed over them."
                )
            yield FlowGrid(f, self.network, self.digits)
            yield Plain(
                f"← → move the marker {MARK} (shift: one row) · home/end · esc closes. Under "
                "each curve: its scale (lin/log) and range. ‖δ‖ shrinking toward layer 1: "
                "vanishing; climbing: exploding; dead: relu units with z ≤ 0 for every example.",
                classes="hint",
            )

    def action_move(self, by: float) -> None:
        grid = self.query_one(FlowGrid)
        rows = self.flow.rows
        width = max(1, grid.content_region.width // max(1, len(grid.quantities)))
        step = 1 if abs(by) < 1 else max(1, rows // (2 * width))
        moved = int(np.sign(by)) * step if abs(by) <= 1 else int(np.sign(by)) * rows
        grid.at = min(rows - 1, max(0, grid.at + moved))
        grid.refresh()

    def action_close(self) -> None:
        self.dismiss(None)
