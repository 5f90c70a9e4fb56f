"""Type a new value for the selected parameter; a bad value is refused inline."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from ...engine import Network
from ...engine.params import EditError
from .dialog import Dialog, Plain


class EditScreen(Dialog[Network | None]):
    """Returns the edited network, or None when cancelled. Nothing changes until it is valid."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    EditScreen > .box { width: 60; }
    """

    def __init__(self, label: str, current: str, apply: Callable[[str], Network]) -> None:
        super().__init__()
        self.label, self.current, self.apply = label, current, apply

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = f"Edit {self.label}"
            yield Plain(f"{self.label} is {self.current}. New value (enter applies, esc cancels):")
            yield Input(value=self.current, id="value", select_on_focus=True)
            yield Plain("", id="error")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        try:
            network = self.apply(event.value)
        except EditError as exc:
            self.query_one("#error", Plain).update(f"✗ {exc}")
            return
        self.dismiss(network)

    def action_cancel(self) -> None:
        self.dismiss(None)
