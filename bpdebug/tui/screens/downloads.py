"""Served to a browser, `x` offers each export as its own download: a browser lets a page
start one download per key press or click, so the files are chosen one at a time."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from bpdebug.tui.screens.dialog import Dialog, Plain

WHAT = {  # the end of a file name → what the file is
    "-worked.md": "worked solution of the whole iteration (Markdown)",
    ".dot": "computational graph at this step (Graphviz DOT)",
    ".svg": "this screen (SVG)",
}


def described(name: str) -> str:
    if "-graph-step" in name and name.endswith(".svg"):
        return "computational graph at this step (SVG)"
    return next((what for end, what in WHAT.items() if name.endswith(end)), "")


class DownloadsScreen(Dialog[None]):
    """Each enter (or click) sends the highlighted file to the browser; esc closes."""

    BINDINGS = [Binding("escape", "close", "Close")]
    DEFAULT_CSS = "DownloadsScreen > .box { width: 84; }"

    def __init__(self, files: list[tuple[str, str]], send: Callable[[str, str], None]) -> None:
        super().__init__()
        self.files, self.send = files, send
        self.sent: set[int] = set()

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Download"
            yield Plain("Enter downloads the highlighted file; esc closes.")
            yield OptionList(*self.options(), id="files")

    def options(self) -> list[Option]:
        return [
            Option(f"{'✓' if k in self.sent else ' '} {name}  ·  {described(name)}", id=str(k))
            for k, (name, _) in enumerate(self.files)
        ]

    @on(OptionList.OptionSelected)
    def download(self, event: OptionList.OptionSelected) -> None:
        k = int(event.option.id or 0)
        name, text = self.files[k]
        self.send(name, text)
        self.sent.add(k)
        files = self.query_one("#files", OptionList)
        files.replace_option_prompt_at_index(k, self.options()[k].prompt)
        self.notify(f"Sent {name} to your browser's downloads")

    def action_close(self) -> None:
        self.dismiss(None)
