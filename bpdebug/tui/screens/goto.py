"""Ask for a step number; refuse anything that is not one, inline."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from .dialog import Dialog


class GoToScreen(Dialog[int | None]):
    """Returns the chosen step's index (0-based), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    GoToScreen { align: center middle; }
    GoToScreen > Vertical {
        width: 50; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    GoToScreen #error { color: $error; }
    """

    def __init__(self, n_steps: int) -> None:
        super().__init__()
        self.n_steps = n_steps

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Go to step"
            yield Label(f"Step number, 1 to {self.n_steps}:")
            yield Input(placeholder=f"1–{self.n_steps}", id="number")
            yield Label("", id="error")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text.isdigit() or not 1 <= int(text) <= self.n_steps:
            self.query_one("#error", Label).update(
                f"{text!r} is not a step number from 1 to {self.n_steps}"
            )
            return
        self.dismiss(int(text) - 1)

    def action_cancel(self) -> None:
        self.dismiss(None)
