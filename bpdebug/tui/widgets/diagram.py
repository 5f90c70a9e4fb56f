"""The network diagram: input, layers and loss as columns of units; the active one marked."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from ...engine import Step, Trace
from ..phases import ARROWS, FALLBACK, colours
from .cached_styles import CachedStyles

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
SUBTITLES = {"forward": "forward ─▶", "backward": "◀─ backward", "update": "update"}


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


def render_diagram(
    trace: Trace, step: Step, width: int, height: int, colour: str | None = None
) -> Text:
    """The diagram as text, `width` × `height` cells at most, the step's phase in `colour`."""
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
            reach = max(col.units, cols[c - 1].units)
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
    """Arrows between two columns, on the unit rows that either column fills."""
    style = f"bold {colour}" if bold else f"dim {colour}"
    for r, line in enumerate(lines):
        line.append(f" {arrow} " if 2 <= r < 2 + reach else "   ", style=style)


def _unit_cells(units: int, rows: int) -> list[str]:
    """One ○ per unit; a column taller than `rows` is cut and ends with its count."""
    if units <= rows:
        return ["○"] * units + [""] * (rows - units)
    shown = max(rows - 2, 0)
    return ["○"] * shown + ["⋮", f"×{units}"][: rows - shown]


class NetworkDiagram(CachedStyles, Widget):
    """Draws `render_diagram` for the step it is given; computes nothing itself.

    A Line API widget: the diagram depends only on the network's shape, the active column and
    the phase, so most steps leave it as it is, and a redraw hands over ready-made strips.
    """

    DEFAULT_CSS = "NetworkDiagram { height: 1fr; }"

    def __init__(self, trace: Trace, step: Step, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.trace, self.step = trace, step
        self.unit_rows = 0
        self._drawn: tuple[object, ...] = ()
        self._strips: list[Strip] = []
        self._pictures: dict[tuple[object, ...], list[Strip]] = {}  # a network has few

    def show(self, trace: Trace, step: Step, max_rows: int = 6) -> None:
        rows = min(max(trace.network.sizes), max_rows)
        if rows != self.unit_rows:
            self.unit_rows = rows
            self.styles.height = 2 + rows + 2  # name and kind rows, units, border
        self.trace, self.step = trace, step
        subtitle = SUBTITLES[step.phase]
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        if self._key() != self._drawn:
            self.refresh()

    def _key(self) -> tuple[object, ...]:
        """What the picture depends on: the network's shape, the active column, the phase."""
        net = self.trace.network
        shape = (net.sizes, net.loss, *(layer.activation for layer in net.layers))
        return (shape, active_column(self.step, net.depth + 2), self.step.phase, self.size)

    @property
    def text(self) -> Text:
        """The diagram as it is drawn now."""
        colour = colours(self.app)[self.step.phase]
        return render_diagram(self.trace, self.step, self.size.width, self.size.height, colour)

    def render_line(self, y: int) -> Strip:
        key = self._key()
        if key != self._drawn:
            self._drawn = key
            strips = self._pictures.get(key)
            if strips is None:
                if len(self._pictures) > 256:
                    self._pictures.clear()
                lines = self.text.split("\n")
                strips = self._pictures[key] = [self.text_strip(line) for line in lines]
            self._strips = strips
        return self.fit(self._strips[y] if y < len(self._strips) else None)

    def notify_style_update(self) -> None:
        self._drawn, self._pictures = (), {}  # a theme change: draw again with its colours
        super().notify_style_update()
