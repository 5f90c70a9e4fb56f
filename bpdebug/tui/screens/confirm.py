"""A question with a few answers, as buttons; escape picks the last (the safe one)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from bpdebug.tui.screens.dialog import Dialog, Plain


class ConfirmScreen(Dialog[str]):
    """Returns the id of the chosen answer."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ConfirmScreen > .box { width: 70; border: round $warning; }
    """

    def __init__(self, question: str, answers: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question = question
        self.answers = answers  # (id, label); the last is what escape means

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Plain(self.question)
            with Horizontal(classes="buttons"):
                for i, (answer, label) in enumerate(self.answers):
                    yield Button(label, id=answer, variant="primary" if i == 0 else "default")

    @on(Button.Pressed)
    def answer(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or self.answers[-1][0])

    def action_cancel(self) -> None:
        self.dismiss(self.answers[-1][0])
