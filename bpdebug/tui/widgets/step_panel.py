"""The step panel: phase, step k of N, the formula, the formula with numbers, the result.

What it says and how that fits the panel is `step_text`'s; this widget draws it.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from ...engine import Step, Trace
from ...notation import DIGITS
from ..phases import colours
from ..step_text import Parts, fit, quizzed, step_parts
from .cached_styles import CachedStyles


class StepPanel(CachedStyles, Widget):
    """Shows one step; the App tells it which.

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

    def on_mount(self) -> None:
        self.border_title = "Step"

    @property
    def text(self) -> Text:
        """Everything the panel shows now, one line per row."""
        return Text("\n").join(self._wrapped)

    def show(
        self,
        trace: Trace,
        step: Step,
        before: Step | None = None,
        extra: str = "",
        digits: int | None = DIGITS,
        example: int | None = None,
        since: str = "before the edit",
        quiz_hints: int | None = None,
        veiled: frozenset[int] = frozenset(),
    ) -> None:
        """`quiz_hints`: the step is asked for, with that many hints shown (None: not);
        `veiled`: the steps a quiz still asks for, whose values the numbers write `?`."""
        colour = colours(self.app)[step.phase]
        self.parts = step_parts(trace, step, before, extra, digits, example, colour, since, veiled)
        if quiz_hints is not None:
            self.parts = quizzed(self.parts, step, quiz_hints)
        old, new = self._lines, self._lay_out()
        width = self.size.width
        for y in range(max(len(old), len(new))):
            if y >= len(old) or y >= len(new) or old[y] != new[y]:
                self.refresh(Region(0, y, width, 1))

    def _lay_out(self) -> list[Strip]:
        """The step's lines fitted to the panel's size, one strip a line."""
        width, height = self._laid_out_at = (self.size.width, self.size.height)
        if not self.is_mounted or width <= 0 or self.parts is None:
            self._wrapped, self._lines = [], []
            return self._lines
        self._wrapped = fit(self.parts, width, max(height, 1), self.app.console)
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
