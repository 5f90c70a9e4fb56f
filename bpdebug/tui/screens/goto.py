"""Ask for a step number; refuse anything that is not one, inline."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from bpdebug.notation.parse import whole_number
from bpdebug.tui.screens.dialog import Dialog, Plain


class GoToScreen(Dialog[int | None]):
    """Returns the chosen step's index (0-based), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    GoToScreen > .box { width: 50; }
    """

    def __init__(self, n_steps: int) -> None:
        super().__init__()
        self.n_steps = n_steps

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Go to step"
            yield Plain(f"Step number, 1 to {self.n_steps}:")
            yield Input(placeholder=f"1–{self.n_steps}", id="number")
            yield Plain("", id="error")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        try:
            number = whole_number(event.value, 1, self.n_steps, "a step number")
        except ValueError as exc:
            self.query_one("#error", Plain).update(f"✗ {exc}")
            return
        self.dismiss(number - 1)

    def action_cancel(self) -> None:
        self.dismiss(None)
