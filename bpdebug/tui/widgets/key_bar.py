"""The bottom line: the main keys, from the App's own bindings (so it is always true).

One Static instead of Textual's Footer: the Footer mounts a widget per key and rebuilds them
whenever the focus moves, which costs more at start-up than the whole first frame.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.markup import escape
from textual.widgets import Static

from ..textual_private import Guarded

KEY_LABELS = {
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "question_mark": "?",
    "ctrl+s": "^s",
    "plus": "+",
    "minus": "-",
}


def key_hints(bindings: list[Binding]) -> str:
    """Textual markup: each shown binding's key in the accent colour, then what it does."""
    parts = []
    for binding in bindings:
        if binding.show:
            key = binding.key.split(",")[0]
            label = escape(KEY_LABELS.get(key, key))
            parts.append(f"[bold $accent] {label} [/]{escape(binding.description)}")
    parts.append("[bold $accent] ^p [/]palette")
    return " ".join(parts)


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
