"""The step panel: phase, step k of N, the formula, the formula with numbers, the result.

What it says is `step_text`'s (handed over as a StepShown), how that fits the panel
`step_fit`'s; this widget draws it.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from bpdebug.engine import Trace
from bpdebug.notation import DIGITS
from bpdebug.tui.views.panels import StepShown
from bpdebug.tui.views.step_fit import fit, tallest
from bpdebug.tui.views.step_text import Parts
from bpdebug.tui.widgets.cached_styles import CachedStyles

GROW_FROM = 30  # terminal rows from which the panel may grow past its stylesheet's height
KEEP_FOR_THE_REST = 12  # rows it leaves the panel below it (the values) when it grows
FITTED_KEPT = 64  # steps whose fitted lines are kept, for stepping back and forth


class StepPanel(CachedStyles, Widget):
    """Shows one step; the App hands it what to say.

    A Line API widget: a step's text is laid out once (wrapped to the panel's width), and
    only the lines that differ from the previous step's are redrawn. Its text can be
    selected with the mouse and copied, as a worked example's author would.
    """

    DEFAULT_CSS = "StepPanel { height: auto; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.parts: Parts | None = None
        self._wrapped: list[Text] = []  # the lines as fitted to the panel
        self._lines: list[Strip] = []  # the same, drawn
        self._laid_out_at = (0, 0)  # the size the lines were fitted to
        self._trace: Trace | None = None
        self._digits: int | None = DIGITS
        self._sized_for: tuple[object, ...] = ()  # what the height was chosen for
        self._shown_as: tuple[object, ...] = ()  # what `parts` says, as a key
        self._fitted: dict[tuple[object, ...], list[Text]] = {}  # steps already laid out

    def on_mount(self) -> None:
        self.border_title = "Step"

    @property
    def text(self) -> Text:
        """Everything the panel shows now, one line per row."""
        return Text("\n").join(self._wrapped)

    def show(self, shown: StepShown) -> None:
        """Draw `shown`; only the lines that differ from the previous step's are redrawn."""
        self.parts = shown.parts
        self._shown_as = shown.key
        self._trace, self._digits = shown.trace, shown.digits
        self.fit_height()
        old, new = self._lines, self._lay_out()
        width = self.size.width
        for y in range(max(len(old), len(new))):
            if y >= len(old) or y >= len(new) or old[y] != new[y]:
                self.refresh(Region(0, y, width, 1))

    @property
    def lines(self) -> list[Strip]:
        """The panel's lines as drawn now, one strip a row."""
        return self._lines

    def on_resize(self) -> None:
        self.fit_height()

    def fit_height(self) -> None:
        """As many rows as this network's tallest step needs to show every entry, within a
        share of the terminal (its stylesheet's height at least). Chosen once per network
        shape, width and terminal height: stepping never changes the layout."""
        trace = self._trace
        if trace is None or not self.is_mounted:
            return
        width, screen = self.content_region.width, self.screen.size.height
        key = (trace.plan, width, screen, self._digits)
        if key == self._sized_for or width <= 0:
            return
        self._sized_for = key
        base = self.styles.base.height
        rows = int(base.value) if base is not None and base.is_cells else 10
        most = max(rows, self._room()) if screen >= GROW_FROM else rows
        need = tallest(trace, width, most - 2, self._digits, self.app.console) + 2
        wanted = min(max(need, rows), most)
        self.styles.height = wanted if wanted != rows else None

    def _room(self) -> int:
        """The rows the panel may take: its column's, less its fixed-height neighbours' and
        a minimum for the one that takes what is left (the values)."""
        column = self.parent
        if not isinstance(column, Widget):
            return 0
        others = 0
        for sibling in column.children:
            if sibling is self or not sibling.display:
                continue
            height = sibling.styles.height
            if height is not None and height.is_fraction:
                others += KEEP_FOR_THE_REST
            else:
                others += sibling.outer_size.height
        return column.size.height - others

    def _lay_out(self) -> list[Strip]:
        """The step's lines fitted to the panel's size, one strip a line."""
        width, height = self._laid_out_at = (self.size.width, self.size.height)
        if not self.is_mounted or width <= 0 or self.parts is None:
            self._wrapped, self._lines = [], []
            return self._lines
        key = (*self._shown_as, width, height)
        wrapped = self._fitted.get(key)
        if wrapped is None:
            wrapped = fit(self.parts, width, max(height, 1), self.app.console)
            if len(self._fitted) >= FITTED_KEPT:  # keep the steps moved between lately
                self._fitted.pop(next(iter(self._fitted)))
            self._fitted[key] = wrapped
        self._wrapped = wrapped
        self._lines = [self.text_strip(line) for line in self._wrapped]
        return self._lines

    def render_line(self, y: int) -> Strip:
        if (self.size.width, self.size.height) != self._laid_out_at:  # resized: fit again
            self._lay_out()
        if y >= len(self._lines):
            return self.fit(None)
        strip = self._lines[y]
        selection = self.text_selection
        span = selection.get_span(y) if selection is not None else None
        if span is not None:
            start, end = span
            line = self._wrapped[y].copy()
            line.stylize(self.screen.get_component_rich_style("screen--selection"), start, end)
            strip = self.text_strip(line)
        # Offsets tell the mouse selection where each character is.
        return self.fit(strip).apply_offsets(0, y)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected part of the text, as laid out on the screen."""
        return selection.extract("\n".join(line.plain for line in self._wrapped)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._laid_out_at = (-1, -1)  # a theme change: lay out again in its colours
        self._fitted.clear()
