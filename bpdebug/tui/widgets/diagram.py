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

from bpdebug.engine import Step, Trace
from bpdebug.notation import DIGITS
from bpdebug.tui.views import network_picture as pic
from bpdebug.tui.views.graph_picture import ROWS, Picture, graph_lines, view_span, window
from bpdebug.tui.views.panels import DiagramShown
from bpdebug.tui.views.phases import colours
from bpdebug.tui.widgets.cached_styles import CachedStyles

SUBTITLES = {"forward": "forward ─▶", "backward": "◀─ backward", "update": "update"}


class NetworkDiagram(CachedStyles, Widget):
    """Draws the network for the step it is given; computes nothing itself.

    A Line API widget. The ○ picture depends only on the network's shape, the active column
    and the phase, so most steps leave it as it is and a redraw hands over ready-made strips;
    the pictures with numbers change with every step and are drawn anew (they exist only
    for networks small enough to fit).
    """

    DEFAULT_CSS = "NetworkDiagram { height: 1fr; }"

    def __init__(self, shown: DiagramShown, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.shown = shown
        self.unit_rows = 0
        self.mode = "units"  # "edges", "numbers" or "units"
        self._height = 0
        self._graph_x = 0  # the first column of the graph in view (it scrolls to the step)
        self._graph_start: int | None = None  # the first node in view
        self._graph: tuple[Picture, list[Strip], Strip] | None = None  # lines, caption
        self._graphs: dict[tuple[object, ...], tuple[Picture, list[Strip], Strip]] = {}
        self._graphs_of: Trace | None = None
        self._widths: tuple[object, pic.Widths | None] | None = None
        self._drawn: tuple[object, ...] = ()
        self._strips: list[Strip] = []
        self._pictures: dict[tuple[object, ...], list[Strip]] = {}  # a network has few

    @property
    def trace(self) -> Trace:
        return self.shown.trace

    @property
    def step(self) -> Step:
        return self.shown.step

    @property
    def view(self) -> str:
        """What the panel shows: "units", or "graph" (the text's computational graph)."""
        return "graph" if self.shown.graph else "units"

    @property
    def graph_start(self) -> int:
        """The first node of the graph in view (it scrolls by whole nodes to the step's)."""
        return self._graph_start or 0

    @property
    def graph_x(self) -> int:
        """The first column of the graph in view."""
        return self._graph_x

    def show(self, shown: DiagramShown) -> None:
        """Draw `shown`: numbers at its precision, the values of the steps it veils (a quiz
        asks for them) as ?."""
        if shown.graph != self.shown.graph:
            self._drawn = ()  # units ⇄ graph: drawn anew
        self.shown = shown
        trace, step = shown.trace, shown.step
        rows = min(max(trace.network.sizes), shown.max_rows)
        if shown.graph:
            self._show_graph(shown.max_rows)
            return
        self.mode = self._mode(rows)
        if rows != self.unit_rows or self._height != 3 + rows + 2:  # no re-layout per step
            self.unit_rows = rows
            self._height = self.styles.height = 3 + rows + 2
        subtitle = SUBTITLES[step.phase]
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        m = trace.network.batch_size
        example = shown.example
        title = (
            f"Network · example {example} of {m}" if m > 1 and self.mode != "units" else "Network"
        )
        if self.border_title != title:
            self.border_title = title
        if self.mode != "units" or self._key() != self._drawn:
            self._drawn = ()
            self.refresh()

    def _show_graph(self, max_rows: int) -> None:
        """The graph at this step: whole nodes only, scrolled by nodes to keep the step's
        in view; the caption names the step's edge (in the border when the panel is short)."""
        compact = max_rows < 6
        height = ROWS - compact * 2 + 2
        if self._height != height:
            self._height = self.styles.height = height
        colour = colours(self.app)[self.step.phase]
        if self._graphs_of is not self.trace:  # only this trace's pictures are kept
            self._graphs, self._graphs_of = {}, self.trace
        index, digits = self.step.index, self.shown.digits
        veiled = frozenset(i for i in self.shown.veiled if i <= index)  # what it can show
        key = (index, veiled, compact, colour, digits)
        drawn = self._graphs.get(key)
        if drawn is None:  # each step's picture is drawn once: stepping back costs nothing
            picture = graph_lines(self.trace, self.step, colour, veiled, compact, digits)
            strips = [self._strip(line) for line in picture]
            drawn = self._graphs[key] = (picture, strips, self._strip(picture.caption))
        self._graph = drawn
        picture = drawn[0]
        width = self.content_region.width or 80
        self._graph_start = window(picture.active[0], picture.nodes, width, self._graph_start)
        self._graph_x = view_span(self._graph_start, picture.nodes, width)[0]
        self.border_title = "Computational graph"
        phase = SUBTITLES[self.step.phase]
        said = picture.caption[0][0].strip() if compact else ""
        if len(said) > width - 4:
            said = picture.short
        if said and len(said) + len(phase) + 3 <= width - 4:
            said = f"{said} · {phase}"
        self.border_subtitle = said or phase  # short: the edge's name, before the phase
        self._drawn = ("graph",)
        self.refresh()

    def _mode(self, rows: int) -> str:
        """The richest picture that fits the width (the height is the App's to give)."""
        width = self.content_region.width
        if width <= 0:
            return self.mode
        key = (self.trace, rows, width, self.shown.digits)
        if self._widths is None or self._widths[0] != key:
            self._widths = (key, self._measure(rows, width))
        w = self._widths[1]
        if w is None:
            return "units"
        if w.edges is not None and pic.picture_width(self.trace, w, True) <= width:
            return "edges"
        if pic.picture_width(self.trace, w, False) <= width:
            return "numbers"
        return "units"

    def _measure(self, rows: int, width: int) -> pic.Widths | None:
        """The columns' widths at the precision setting; with every digit, where those don't
        fit, at the default precision (the numbers then cut with …, never rounded)."""
        w = pic.widths(self.trace, rows, width, self.shown.digits)
        if self.shown.digits is None and (
            w is None or pic.picture_width(self.trace, w, False) > width
        ):
            return pic.widths(self.trace, rows, width, DIGITS)
        return w

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
        assert w is not None
        return pic.numbers_lines(
            self.trace,
            self.step,
            self.shown.example,
            w,
            rows,
            with_edges,
            colour,
            self.shown.digits,
            self.shown.veiled,
        )

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
            return self._graph_line(y)
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

    def _graph_line(self, y: int) -> Strip:
        """Row y of the graph view: the nodes in view, whole; the caption under them."""
        width = self.content_region.width
        if self._graph is None:
            return Strip.blank(width, self.style_of())
        picture, strips, caption = self._graph
        if y == len(strips) and len(strips) == ROWS - 1:  # the caption: never scrolled
            strip = caption.crop(0, width)
        elif y < len(strips):
            start = self._graph_start or 0
            x0, x1 = view_span(start, picture.nodes, width)
            strip = strips[y].crop(x0, min(x1, x0 + width))
        else:
            strip = Strip([])
        return strip.extend_cell_length(width, self.style_of())

    def notify_style_update(self) -> None:
        self._drawn, self._pictures = (), {}  # a theme change: draw again with its colours
        self._graphs = {}
        self.__dict__.pop("_parsed", None)
        super().notify_style_update()

    def on_resize(self) -> None:
        self.show(self.shown)
