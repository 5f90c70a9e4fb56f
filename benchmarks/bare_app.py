"""The framework's floor: a bare Textual app (Header, Static, Footer) whose 'n' updates the
Static. Start-up and key-to-frame of bpdebug are measured against it in the same run."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static


class BareApp(App[None]):
    BINDINGS = [Binding("n", "bump", "Next"), Binding("p", "bump", "Prev")]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("step 0", id="static")
        yield Footer()

    def action_bump(self) -> None:
        self.count += 1
        self.query_one("#static", Static).update(f"step {self.count}")


if __name__ == "__main__":  # served by benchmarks/served.py, as bpdebug serve serves bpdebug
    BareApp().run()
