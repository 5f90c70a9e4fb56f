"""The bottom line: the main keys, from the App's own bindings (so it is always true).

One Static instead of Textual's Footer: the Footer mounts a widget per key and rebuilds them
whenever the focus moves, which costs more at start-up than the whole first frame.

A narrow terminal drops the hints that matter least first (the palette, then ] Layer, b Break,
…), never Help or Quit: at 80×24 the bar still says how to get help and how to leave.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual.binding import Binding
from textual.markup import escape
from textual.widgets import Static

from bpdebug.tui.textual_private import Guarded

KEY_LABELS = {
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "question_mark": "?",
    "ctrl+s": "^s",
    "plus": "+",
    "minus": "-",
}
PALETTE = "palette"  # the command palette's hint (ctrl+p is Textual's, not a binding here)
# Dropped first to last when the bar is too narrow; an action not named here stays longest.
DROPPED_FIRST = (PALETTE, "next_layer", "toggle_breakpoint", "undo", "edit", "train_one", "save")


class Hint(NamedTuple):
    key: str  # as shown: "]", "^s"
    description: str
    action: str

    def markup(self) -> str:
        return f"[bold $accent] {escape(self.key)} [/]{escape(self.description)}"

    def width(self) -> int:
        return cell_len(f" {self.key} {self.description}")


class KeyHints(list[Hint]):
    """The key bar's hints in order; `fitted(width)` is the markup of those that fit."""

    def fitted(self, width: int | None = None) -> str:
        shown = list(self)
        for action in DROPPED_FIRST:
            if width is None or _width(shown) <= width:
                break
            shown = [h for h in shown if h.action != action]
        return " ".join(h.markup() for h in shown)

    def __str__(self) -> str:
        return self.fitted()


def _width(hints: list[Hint]) -> int:
    return sum(h.width() for h in hints) + max(0, len(hints) - 1)


def key_hints(bindings: list[Binding]) -> KeyHints:
    """Each shown binding's key (drawn in the accent colour), then what it does."""
    hints = KeyHints()
    for binding in bindings:
        if binding.show:
            key = binding.key.split(",")[0]
            hints.append(Hint(KEY_LABELS.get(key, key), binding.description, binding.action))
    hints.append(Hint("^p", "palette", PALETTE))
    return hints


class KeyBar(Guarded, Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, hints: KeyHints, **kwargs: object) -> None:
        super().__init__(hints.fitted(), **kwargs)  # type: ignore[arg-type]
        self.hints = hints

    def on_resize(self) -> None:
        self.update(self.hints.fitted(self.size.width))
