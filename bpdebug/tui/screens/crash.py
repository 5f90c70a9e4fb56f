"""An unexpected error: say what happened and offer to save before anything is lost."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from bpdebug.tui.screens.dialog import Dialog, Plain


class CrashScreen(Dialog[str]):
    """Returns "save", "keep" or "quit"."""

    DEFAULT_CSS = """
    CrashScreen > .box { width: 90; border: round $error; }
    CrashScreen VerticalScroll { height: auto; max-height: 12; }
    """

    def __init__(self, summary: str, details: str, kept: Path | None = None) -> None:
        super().__init__()
        self.summary, self.details, self.kept = summary, details, kept

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Something went wrong inside bpdebug"
            kept = f" A copy is already in {self.kept}." if self.kept else ""
            yield Plain(
                f"{self.summary}\nYour network and its edits are still here; save them "
                f"before anything else.{kept}"
            )
            with VerticalScroll():
                yield Static(self.details, markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save network…", id="save", variant="primary")
                yield Button("Keep working", id="keep")
                yield Button("Quit", id="quit", variant="error")

    @on(Button.Pressed)
    def answer(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "keep")
