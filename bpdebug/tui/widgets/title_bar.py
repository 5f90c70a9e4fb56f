"""The top line: the network's name, the iteration and the loss (before → after an edit).

Textual's Header updates its title through the App's reactive title, which repaints the
whole screen and lands a frame or two after the edit that changed the loss; this line is
redrawn with the step, in the same frame.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..textual_private import Guarded


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

    def show(self, title: str, status: str) -> None:
        plain = f"{title} — {status}"
        if plain != self.text:
            self.text = plain
            line = Text(title, style="bold")
            line.append(f" — {status}", style="dim")
            self.update(line, layout=False)  # always one line
