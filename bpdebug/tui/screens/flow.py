"""The gradient flow over the iterations trained: one small curve per layer and quantity
(‖δ⁽ˡ⁾‖, ‖∂L/∂W⁽ˡ⁾‖, ‖W⁽ˡ⁾‖, dead relu units), the loss above them, and a marker on the
current iteration that ←/→ move to read the values of another.

Vanishing gradients show as ‖δ‖ curves an order of magnitude lower at each layer toward the
input; exploding ones as curves that climb; a dying relu layer as a dead count that rises.
Each curve is on its own log scale where its range calls for one (it says "log").
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget

from ...engine import Network
from ...engine.training import QUANTITIES, Flow
from ...notation import num
from ...notation.numbers import sup
from ...plot import Plot, Series, column_of, plot, styled_rows
from ..textual_private import Guarded
from .dialog import Dialog, Plain

GAP = 2  # spaces between two curves side by side
MARKER = "on grey35"  # the marked iteration's column: the curve's dots stay visible on it
LABELS = {"delta": "‖δ{l}‖", "dW": "‖∂L/∂W{l}‖", "W": "‖W{l}‖", "dead": "dead{l}"}


class FlowGrid(Guarded, Widget):
    """Every curve, drawn to the widget's width; the marker at row `at` of the flow."""

    DEFAULT_CSS = "FlowGrid { height: auto; }"

    def __init__(self, flow: Flow, network: Network) -> None:
        super().__init__()
        self.flow, self.network = flow, network
        relu = [layer.activation == "relu" for layer in network.layers]
        self.quantities = [q for q in QUANTITIES if q != "dead" or any(relu)]
        self.relu = relu
        self.at = flow.rows - 1

    def block_height(self) -> int:
        """Rows per layer (a label, then the curve): what the screen's height allows,
        from 3 to 8; a deep network scrolls."""
        spare = self.app.size.height - 8  # borders, the loss and its line, the hint
        return min(8, max(3, spare // max(1, self.network.depth) - 1))

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return 3 + self.network.depth * (self.block_height() + 1)

    def _cell(self, title: str, y: np.ndarray, width: int, height: int) -> list[Text]:
        """A label with the value at the marker, then the curve, the marker's column lit."""
        x = self.flow.iteration.astype(float)
        drawn = plot([Series(title, x, y)], width, height)
        value = float(y[self.at])
        label = Text(f"{title} {num(value, 3)}", style="bold")
        if drawn.log:
            label.append(" log", style="italic")
        scale = f" ({num(drawn.y_low, 2)}…{num(drawn.y_high, 2)})"
        if len(label) + len(scale) <= width:
            label.append(scale, style="dim")
        label.truncate(width)
        rows = styled_rows(drawn, color=True)
        self._mark(rows, drawn, width)
        return [label, *rows]

    def _mark(self, rows: list[Text], drawn: Plot, width: int) -> None:
        column = column_of(float(self.flow.iteration[self.at]), drawn, width)
        for row in rows:
            row.stylize(MARKER, column, column + 1)

    def render(self) -> Text:
        width = self.content_region.width
        if width < 8:
            return Text("")
        f, k = self.flow, self.at
        lines = [
            Text(f"iteration {int(f.iteration[k]):,}  ·  L = {num(float(f.loss[k]), 6)}"),
            *self._cell("L", f.loss, width, 2)[1:],
        ]
        lines.append(Text(""))
        n = len(self.quantities)
        cell_width = max(4, (width - GAP * (n - 1)) // n)
        for l in range(1, self.network.depth + 1):
            cells = []
            for q in self.quantities:
                title = LABELS[q].format(l=sup(l))
                if q == "dead" and not self.relu[l - 1]:
                    blank = Text(f"{title}: not relu", style="dim")
                    cells.append([blank] + [Text("")] * (self.block_height() - 1))
                    continue
                column = getattr(f, q)[:, l - 1].astype(float)
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
            lines.append(Text(""))
        return Text("\n").join(lines[:-1])


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

    def __init__(self, flow: Flow, network: Network, iteration: int) -> None:
        super().__init__()
        self.flow, self.network, self.iteration = flow, network, iteration

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
            yield FlowGrid(f, self.network)
            yield Plain(
                "← → move the marker (shift: one row) · home/end · esc closes.  ‖δ‖ shrinking "
                "toward layer 1: vanishing gradients; climbing: exploding; dead: relu units "
                "with z ≤ 0 for every example.",
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
