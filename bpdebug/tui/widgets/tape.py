"""The tape: every step listed like a debugger's source view, grouped by phase and layer
(the lines are views/tape_lines.py's; this widget draws them and marks the current step,
the breakpoints, nan/inf and what a quiz asks for).

A Line API view: a step redraws only the visible lines, whatever the trace's length.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bpdebug.engine import Trace
from bpdebug.tui.textual_private import set_virtual_size
from bpdebug.tui.views.phases import colours
from bpdebug.tui.views.tape_lines import TapeLine, tape_lines
from bpdebug.tui.widgets.cached_styles import CachedStyles


class Tape(CachedStyles, ScrollView, can_focus=True):
    """Shows the trace's steps; click one, or move with ↑/↓ when focused, to go there."""

    DEFAULT_CSS = "Tape { height: 1fr; overflow-y: auto; }"
    BINDINGS = [
        Binding("up", "move(-1)", "Step back", show=False),
        Binding("down", "move(1)", "Step on", show=False),
        Binding("home", "jump(0)", "First step", show=False),
        Binding("end", "jump(-1)", "Last step", show=False),
    ]

    class StepSelected(Message):
        """The user picked a step on the tape."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lines: list[TapeLine] = []
        self.line_of_step: dict[int, int] = {}
        self.current = 0
        self.breakpoints: frozenset[int] = frozenset()
        self.nonfinite: frozenset[int] = frozenset()
        self.masked: frozenset[int] = frozenset()  # a quiz asks for these: "z⁽¹⁾ = ?" only
        self._plan: object = None  # the plan the lines were made from

    def load(self, trace: Trace) -> None:
        """A new trace (a new network or an edit): rebuild the lines if its plan is another
        (a new shape), redraw the lines whose nan/inf mark changed."""
        if trace.plan is not self._plan:
            self._plan = trace.plan
            self.lines = tape_lines(trace)
            self.nonfinite = trace.nonfinite_steps
            self.line_of_step = {
                ln.step: i for i, ln in enumerate(self.lines) if ln.step is not None
            }
            width = max(len(ln.text) for ln in self.lines) + 3
            set_virtual_size(self, Size(width, len(self.lines)))
            self.refresh()
            return
        changed = self.nonfinite ^ trace.nonfinite_steps
        self.nonfinite = trace.nonfinite_steps
        for step in changed:
            self.refresh_line(self.line_of_step[step])

    def mask(self, masked: frozenset[int]) -> None:
        """Write these steps' formulas as a question ("δ⁽¹⁾ = ?"): a quiz asks for them."""
        if masked != self.masked:
            changed, self.masked = masked ^ self.masked, masked
            for step in changed:
                if step in self.line_of_step:
                    self.refresh_line(self.line_of_step[step])

    @property
    def natural_width(self) -> int:
        """Columns the longest line needs: its marks, its text and the scrollbar."""
        return max((len(ln.text) for ln in self.lines), default=0) + 3

    def show(self, current: int, breakpoints: frozenset[int]) -> None:
        """Mark `current`; only the lines whose marks changed are redrawn."""
        changed = {current, self.current} | (breakpoints ^ self.breakpoints)
        self.current, self.breakpoints = current, breakpoints
        if self.reveal():
            return
        for step in changed:
            if step in self.line_of_step:
                self.refresh_line(self.line_of_step[step])

    def reveal(self) -> bool:
        """Scroll the current step into view (a third from the top) if it is not; whether
        it scrolled."""
        line = self.line_of_step.get(self.current, 0)
        top, height = self.scroll_offset.y, self.size.height
        if height and not top <= line < top + height:
            self.scroll_to(y=max(line - height // 3, 0), animate=False, immediate=True)
            self.refresh()
            return True
        return False

    def on_resize(self) -> None:
        """A new size: the current step stays in view at once, not after the next key."""
        self.reveal()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width  # without the scrollbar
        base = self.style_of()
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line = self.lines[index]
        colour = colours(self.app)[line.phase]
        if line.step is None:
            segments = [Segment(f"── {line.text} ", base + Style(color=colour, bold=True))]
        else:
            here = line.step == self.current
            mark = "▶" if here else " "
            bp = "●" if line.step in self.breakpoints else " "
            style = base + (Style(bold=True, reverse=True) if here else Style())
            text = line.text
            if line.step in self.masked:
                lhs = text.split(" ← ")[0].split(" = ")[0]
                text = f"{lhs} {'←' if ' ← ' in line.text else '='} ?"
            if line.step in self.nonfinite:  # nan/inf: said in text, not only in colour
                text = "!" + (text[1:] if text.startswith(" ") else text)
                style += Style(color="red")
            segments = [
                Segment(mark, base + Style(color=colour, bold=True)),
                Segment(bp, base + Style(color="red", bold=True)),
                Segment(text, style),
            ]
        strip = Strip(segments)
        if strip.cell_length > scroll_x + width and width > 1:  # cut: say so with "…"
            cut = strip.crop(scroll_x, scroll_x + width - 1)
            return Strip.join([cut, Strip([Segment("…", segments[-1].style or base)])])
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    def action_move(self, delta: int) -> None:
        self.post_message(self.StepSelected(self.current + delta))

    def action_jump(self, index: int) -> None:
        """home and end keep meaning first and last step while the tape has focus."""
        last = max((ln.step for ln in self.lines if ln.step is not None), default=0)
        self.post_message(self.StepSelected(last if index < 0 else index))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:  # the border or a scrollbar
            return
        index = offset.y + self.scroll_offset.y
        if 0 <= index < len(self.lines):
            step = self.lines[index].step
            self.post_message(
                self.StepSelected(step if step is not None else self.lines[index + 1].step or 0)
            )
