"""Type a new value for a parameter, named by its plain name; bad input is refused inline.

The dialog opens on the selected parameter with its value ready to type over. The name can be
changed to any parameter of the network (W2[1,0], b1[0], x[0,3], y[1,0], eta): the line below
it says what that parameter is now, or what is wrong with the name.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label

from bpdebug.engine import Network
from bpdebug.engine.params import EditError, ParamRef
from bpdebug.tui.screens.dialog import Dialog, Plain

Describe = Callable[[str], tuple[ParamRef, str]]  # a name → (its parameter, its value as text)
Apply = Callable[[ParamRef, str], Network]  # (parameter, typed value) → the edited network


class EditScreen(Dialog[tuple[ParamRef, Network] | None]):
    """Returns the parameter and the edited network, or None when cancelled. Nothing changes
    until both the name and the value are valid."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    EditScreen > .box { width: 60; }
    EditScreen .field { height: 1; margin-top: 1; }
    EditScreen .field Label { width: 7; }
    EditScreen .field Input { width: 1fr; }
    EditScreen #now, EditScreen .hint { color: $text-muted; }
    """

    def __init__(self, ref: ParamRef, describe: Describe, apply: Apply) -> None:
        super().__init__()
        self.ref, self.describe, self.apply = ref, describe, apply
        self.current = describe(ref.name)[1]

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Edit a parameter"
            with Horizontal(classes="field"):
                yield Label("name")
                yield Input(value=self.ref.name, id="name", select_on_focus=True, compact=True)
            yield Plain(self._now(self.ref, self.current), id="now")
            with Horizontal(classes="field"):
                yield Label("value")
                yield Input(value=self.current, id="value", select_on_focus=True, compact=True)
            yield Plain("", id="error")
            yield Plain("enter applies · tab: the other field · esc cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    @staticmethod
    def _now(ref: ParamRef, value: str) -> str:
        return f"{ref.label()} is {value}"

    @on(Input.Changed, "#name")
    def name_changed(self, event: Input.Changed) -> None:
        """Say what the named parameter is now (and put its value in the value field)."""
        try:
            ref, value = self.describe(event.value)
        except EditError as exc:
            self.query_one("#now", Plain).update(f"✗ {exc}")
            return
        self.query_one("#now", Plain).update(self._now(ref, value))
        if ref != self.ref:
            self.ref = ref
            self.query_one("#value", Input).value = value

    @on(Input.Submitted)
    def submit(self) -> None:
        error = self.query_one("#error", Plain)
        try:
            ref = self.describe(self.query_one("#name", Input).value)[0]
            network = self.apply(ref, self.query_one("#value", Input).value)
        except EditError as exc:
            error.update(f"✗ {exc}")
            return
        self.dismiss((ref, network))

    def action_cancel(self) -> None:
        self.dismiss(None)
