"""The top line: the network's name, the iteration and the loss (before → after an edit).

The loss is what a narrow terminal keeps: the name is shortened (with "…") first, then goes.

Textual's Header updates its title through the App's reactive title, which repaints the
whole screen and lands a frame or two after the edit that changed the loss; this line is
redrawn with the step, in the same frame.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from bpdebug.tui.textual_private import Guarded


class TitleBar(Guarded, Static):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        height: 1;
        width: 1fr;
        background: $panel;
        color: $foreground;
        content-align: center middle;
    }
    """

    text = ""
    title = status = ""

    def show(self, title: str, status: str) -> None:
        self.title, self.status = title, status
        self.draw()

    def on_resize(self) -> None:
        self.draw()

    def draw(self) -> None:
        width = self.content_region.width if self.is_mounted else 0
        title, status = fitted(self.title, self.status, width or 10_000)
        plain = f"{title} — {status}" if title else status
        if plain != self.text:
            self.text = plain
            line = Text(title, style="bold")
            line.append(f" — {status}" if title else status, style="dim")
            self.update(line, layout=False)  # always one line


def fitted(title: str, status: str, width: int) -> tuple[str, str]:
    """The title and status as they fit `width`: the title cut with "…" (or dropped), then
    the status's words shortened; the loss itself is never cut but as the last resort."""
    room = width - len(status) - 3  # " — "
    if len(title) <= room:
        return title, status
    if room >= 8:
        return title[: room - 1].rstrip() + "…", status
    short = status.replace("iteration ", "it ")
    for _ in range(2):
        if len(short) <= width:
            return "", short
        short = short.rsplit(" (", 1)[0] if short.endswith(")") else short
    return "", short if len(short) <= width else short[: max(width - 1, 0)] + "…"
