"""The network diagram widget: draws `network_picture` for the step it is given.

Three pictures, the richest that fits the panel's width (decided once per trace and size,
so the picture keeps its place while stepping): numbers with the weights of small layers,
numbers alone, or a ○ per unit.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from ...engine import Step, Trace
from .. import network_picture as pic
from ..graph_picture import graph_lines, scroll_to
from ..phases import colours
from .cached_styles import CachedStyles

SUBTITLES = {"forward": "forward ─▶", "backward": "◀─ backward", "update": "update"}


class NetworkDiagram(CachedStyles, Widget):
    """Draws the network for the step it is given; computes nothing itself.

    A Line API widget. The ○ picture depends only on the network's shape, the active column
    and the phase, so most steps leave it as it is and a redraw hands over ready-made strips;
    the pictures with numbers change with every step and are drawn anew (they exist only
    for networks small enough to fit).
    """

    DEFAULT_CSS = "NetworkDiagram { height: 1fr; }"

    def __init__(self, trace: Trace, step: Step, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.trace, self.step = trace, step
        self.example = 0
        self.unit_rows = 0
        self.mode = "units"  # "edges", "numbers" or "units"
        self.hide = False  # a quiz asks for this step's value: no numbers
        self.view = "units"  # or "graph": the seed's computational graph (m toggles)
        self.max_rows = 6
        self._height = 0
        self._graph_x = 0  # the first column of the graph in view (it scrolls to the step)
        self._graphs: dict[tuple[object, ...], tuple[list[Strip], tuple[int, int]]] = {}
        self._graphs_of: Trace | None = None
        self._widths: tuple[object, pic.Widths | None] | None = None
        self._drawn: tuple[object, ...] = ()
        self._strips: list[Strip] = []
        self._pictures: dict[tuple[object, ...], list[Strip]] = {}  # a network has few

    def show(
        self, trace: Trace, step: Step, max_rows: int = 6, example: int = 0, hide: bool = False
    ) -> None:
        """`hide`: units without numbers (a quiz asks for this step's value)."""
        rows = min(max(trace.network.sizes), max_rows)
        self.trace, self.step, self.example, self.hide = trace, step, example, hide
        self.max_rows = max_rows
        if self.view == "graph":
            self._show_graph(max_rows)
            return
        self.mode = "units" if hide else self._mode(rows)
        if rows != self.unit_rows or self._height != 3 + rows + 2:  # no re-layout per step
            self.unit_rows = rows
            self._height = self.styles.height = 3 + rows + 2
        subtitle = SUBTITLES[step.phase]
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        m = trace.network.batch_size
        title = (
            f"Network · example {example} of {m}" if m > 1 and self.mode != "units" else "Network"
        )
        if self.border_title != title:
            self.border_title = title
        if self.mode != "units" or self._key() != self._drawn:
            self._drawn = ()
            self.refresh()

    def toggle_view(self) -> str:
        """Units ⇄ graph; the view now shown."""
        self.view = "graph" if self.view == "units" else "units"
        self._drawn = ()
        self.show(self.trace, self.step, self.max_rows, self.example, self.hide)
        return self.view

    def _show_graph(self, max_rows: int) -> None:
        compact = max_rows < 6
        height = (6 if compact else 8) + 2
        if self._height != height:
            self._height = self.styles.height = height
        colour = colours(self.app)[self.step.phase]
        if self._graphs_of is not self.trace:  # only this trace's pictures are kept
            self._graphs, self._graphs_of = {}, self.trace
        key = (self.step.index, self.hide, compact, colour)
        drawn = self._graphs.get(key)
        if drawn is None:  # each step's picture is drawn once: stepping back costs nothing
            picture = graph_lines(self.trace, self.step, colour, self.hide, compact)
            drawn = self._graphs[key] = ([self._strip(line) for line in picture], picture.active)
        self._strips, (start, end) = drawn
        width = self.content_region.width or 80
        if not self._graph_x <= start or end > self._graph_x + width:  # scroll to the step
            self._graph_x = scroll_to(start, end, width)
        self.border_title = "Computational graph"
        self.border_subtitle = SUBTITLES[self.step.phase]
        self._drawn = ("graph",)
        self.refresh()

    def _mode(self, rows: int) -> str:
        """The richest picture that fits the width (the height is the App's to give)."""
        width = self.content_region.width
        if width <= 0:
            return self.mode
        key = (self.trace, rows, width)
        if self._widths is None or self._widths[0] != key:
            self._widths = (key, pic.widths(self.trace, rows, width))
        w = self._widths[1]
        if w is None:
            return "units"
        if w.edges is not None and pic.picture_width(self.trace, w, True) <= width:
            return "edges"
        if pic.picture_width(self.trace, w, False) <= width:
            return "numbers"
        return "units"

    def _key(self) -> tuple[object, ...]:
        """What the ○ picture depends on: the network's shape, the active column, the phase."""
        net = self.trace.network
        shape = (net.sizes, net.loss, *(layer.activation for layer in net.layers))
        return (shape, pic.active_column(self.step, net.depth + 2), self.step.phase, self.size)

    def _numbers_lines(self) -> list[pic.Line]:
        assert self._widths is not None and self._widths[1] is not None
        colour = colours(self.app)[self.step.phase]
        with_edges = self.mode == "edges"
        w, rows = self._widths[1], self.unit_rows
        return pic.numbers_lines(self.trace, self.step, self.example, w, rows, with_edges, colour)

    def _strip(self, line: pic.Line) -> Strip:
        """One line of (text, style) runs, styles parsed once."""
        parsed = self.__dict__.setdefault("_parsed", {})
        segments = []
        for text, style in line:
            if style not in parsed:
                parsed[style] = Style.parse(style) if style else Style()
            segments.append(Segment(text, parsed[style]))
        return Strip(segments).apply_style(self.style_of())

    @property
    def text(self) -> Text:
        """The diagram as it is drawn now."""
        colour = colours(self.app)[self.step.phase]
        if self.mode == "units" or self._widths is None or self._widths[1] is None:
            return pic.render_units(
                self.trace, self.step, self.size.width, self.size.height, colour
            )
        return pic.as_text(self._numbers_lines())

    def render_line(self, y: int) -> Strip:
        if self.view == "graph":
            strip = self._strips[y] if y < len(self._strips) else Strip([])
            width = self.content_region.width
            return strip.crop(self._graph_x, self._graph_x + width).extend_cell_length(
                width, self.style_of()
            )
        if self.mode != "units":
            if not self._drawn:
                self._drawn = ("numbers",)
                self._strips = [self._strip(line) for line in self._numbers_lines()]
            return self.fit(self._strips[y] if y < len(self._strips) else None)
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
        self._graphs = {}
        self.__dict__.pop("_parsed", None)
        super().notify_style_update()

    def on_resize(self) -> None:
        self.show(self.trace, self.step, self.max_rows, self.example, self.hide)
