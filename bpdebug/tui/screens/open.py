"""Open a network file by name; a bad file is refused inline and nothing changes. Served to a
browser, the dialog lists what may be opened (the samples and the shared folder's files) and
typing filters the list."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList

from ...engine import Network
from ...netfile import NetworkFileError
from .dialog import Dialog, Plain

SHOWN_CHOICES = 200  # the list is for picking; more are reached by typing


class OpenScreen(Dialog[Network | None]):
    """Returns the loaded network, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "to_list", show=False)]
    DEFAULT_CSS = """
    OpenScreen > .box { width: 90; }
    OpenScreen OptionList { height: auto; max-height: 12; }
    """

    def __init__(self, load: Callable[[str], Network], choices: list[str] | None = None) -> None:
        super().__init__()
        self.load, self.choices = load, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Open network"
            if self.choices is None:
                yield Plain("A .toml or .json file, or a sample's name (enter opens, esc cancels):")
                yield Input(placeholder="path/to/net.toml", id="path")
            else:
                yield Plain(
                    "A sample, or a file in the folder this server shares "
                    "(type to filter, ↓ to the list; enter opens, esc cancels):"
                )
                yield Input(placeholder="xor, nets/mine.toml…", id="path")
                yield OptionList(*self.choices[:SHOWN_CHOICES], id="choices")
            yield Plain("", id="error")

    def filtered(self, text: str) -> list[str]:
        wanted = text.strip().lower()
        return [c for c in self.choices or [] if wanted in c.lower()]

    @on(Input.Changed)
    def narrow(self, event: Input.Changed) -> None:
        if self.choices is None:
            return
        shown = self.query_one("#choices", OptionList)
        shown.clear_options()
        shown.add_options(self.filtered(event.value)[:SHOWN_CHOICES])
        shown.highlighted = 0 if shown.option_count else None

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.choices is not None and text not in self.choices:
            matches = self.filtered(text)
            text = matches[0] if matches else text
        self.open(text)

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.open(str(event.option.prompt))

    def open(self, text: str) -> None:
        if not text:
            self.query_one("#error", Plain).update("✗ type a file name")
            return
        try:
            network = self.load(text)
        except NetworkFileError as exc:  # every problem with a file comes as one
            self.query_one("#error", Plain).update(f"✗ {exc}")
            return
        self.dismiss(network)

    def action_to_list(self) -> None:
        if self.choices is not None:
            self.query_one("#choices", OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
