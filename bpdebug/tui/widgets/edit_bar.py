"""One line under the values: the selected parameter, the nudge step, the edit state."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...notation import DIGITS, num
from ..textual_private import Guarded


class EditBar(Guarded, Static):
    DEFAULT_CSS = "EditBar { height: 1; padding: 0 1; background: $boost; }"

    shown = ""

    def show(
        self,
        label: str,
        value: float,
        nudge: float,
        edits: int,
        dirty: bool,
        digits: int | None = DIGITS,
    ) -> None:
        text = Text()
        text.append("✎ ", style="bold")
        text.append(f"{label} = {num(value, digits)}", style="bold")
        text.append(f"   nudge ±{num(nudge)} (+ − * /)   ", style="dim")
        text.append(f"{edits} change{'s' if edits != 1 else ''}", style="dim")
        if dirty:
            text.append(" · unsaved", style="bold")
        if text.plain != self.shown:
            self.shown = text.plain
            self.update(text, layout=False)  # always one line
