"""One line under the values: the selected parameter, the nudge step, the edit state.

What does not fit the width goes, least needed first: the nudge keys, then the nudge, then
the baseline; the parameter, its value and the unsaved mark stay.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

from bpdebug.notation import num
from bpdebug.tui.textual_private import Guarded
from bpdebug.tui.views.panels import EditShown

Part = tuple[str, str, int]  # text, style, priority (0 always stays; higher goes first)


class EditBar(Guarded, Static):
    DEFAULT_CSS = "EditBar { height: 1; padding: 0 1; background: $boost; }"

    shown = ""
    parts: list[Part] = []

    def show(self, shown: EditShown) -> None:
        label, value, nudge, edits, dirty, digits, since = shown
        self.parts = [
            ("✎ ", "bold", 0),
            (f"{label} = {num(value, digits)}", "bold", 0),
            (f"   nudge ±{num(nudge)}", "dim", 2),
            (" (+ − * /)", "dim", 3),
            (f"   {edits} change{'s' if edits != 1 else ''}", "dim", 1),
            (" · unsaved" if dirty else "", "bold", 0),
            (f" · {since}" if since else "", "bold", 1),
        ]
        self.draw()

    def on_resize(self, event: events.Resize) -> None:
        self.draw()

    def draw(self) -> None:
        width = max(self.content_region.width, 1) if self.is_mounted else 200
        parts = list(self.parts)
        for drop in (3, 2, 1):
            if sum(len(t) for t, _, _ in parts) <= width:
                break
            parts = [p for p in parts if p[2] != drop]
        text = Text()
        for part, style, _ in parts:
            text.append(part, style=style)
        if text.plain != self.shown:
            self.shown = text.plain
            self.update(text, layout=False)  # always one line
