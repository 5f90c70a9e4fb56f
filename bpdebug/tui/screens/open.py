"""Open a network file by name; a bad file is refused inline and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from ...engine import Network
from ...netfile import NetworkFileError
from .dialog import Dialog, Plain


class OpenScreen(Dialog[Network | None]):
    """Returns the loaded network, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    OpenScreen > .box { width: 90; }
    """

    def __init__(self, load: Callable[[str], Network]) -> None:
        super().__init__()
        self.load = load

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Open network"
            yield Plain("A .toml or .json file, or a sample's name (enter opens, esc cancels):")
            yield Input(placeholder="path/to/net.toml", id="path")
            yield Plain("", id="error")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.query_one("#error", Plain).update("✗ type a file name")
            return
        try:
            network = self.load(text)
        except NetworkFileError as exc:  # every problem with a file comes as one
            self.query_one("#error", Plain).update(f"✗ {exc}")
            return
        self.dismiss(network)

    def action_cancel(self) -> None:
        self.dismiss(None)
