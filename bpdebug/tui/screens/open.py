"""Open a network file by name; a bad file is refused inline and nothing changes.

Under the input, a list of what can be opened, filtered as you type: the shipped samples and
the network files of the working folder (served to a browser: the samples and the shared
folder's files). Tab completes the name (as far as the names that fit agree, else to the one
highlighted); in a terminal a typed path (`nets/`, `~/week3/`) lists and completes the files
and folders there. ↓ goes to the list, enter opens."""

from __future__ import annotations

import os
from collections.abc import Callable
from itertools import takewhile
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList

from bpdebug.engine import Network
from bpdebug.files.atomic import exists
from bpdebug.files.netfile import NetworkFileError
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.session.outbox import path_completions
from bpdebug.tui.screens.dialog import Dialog, Plain

SHOWN_CHOICES = 200  # the list is for picking; more are reached by typing
ABOUT = 150  # characters of a sample's description: two lines of the dialog
LIST_AROUND = 15  # rows the dialog takes besides its list, at its narrowest


class OpenScreen(Dialog[Network | None]):
    """Returns the loaded network, or None when cancelled. `served`: only `choices` open
    (the samples and the shared folder's files); else any path does, and typed paths are
    completed from the file system."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "to_list", show=False),
        Binding("tab", "complete", "Complete", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    OpenScreen > .box { width: 90; }
    OpenScreen OptionList { height: auto; max-height: 12; }
    OpenScreen #about { color: $text-muted; height: 2; }  /* steady: the box never jumps */
    """

    def __init__(
        self, load: Callable[[str], Network], choices: list[str], served: bool = False
    ) -> None:
        super().__init__()
        self.load, self.choices, self.served = load, choices, served

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            box.border_title = "Open network"
            if self.served:
                yield Plain(
                    "A sample, or a file in the folder this server shares (type to filter, "
                    "tab completes, ↓ to the list; enter opens, esc cancels):"
                )
                yield Input(placeholder="xor, nets/mine.toml…", id="path")
            else:
                yield Plain(
                    "A sample, or a .toml or .json file (type to filter, tab completes, ↓ to "
                    "the list; enter opens, esc cancels):"
                )
                yield Input(placeholder="xor, path/to/net.toml…", id="path")
            yield OptionList(*self.choices[:SHOWN_CHOICES], id="choices")
            yield Plain("", id="about")
            yield Plain("", id="error")

    def on_resize(self) -> None:
        """The list gives up rows on a short terminal, so the words above it stay in view."""
        room = self.size.height - LIST_AROUND
        self.query_one("#choices", OptionList).styles.max_height = max(2, min(12, room))

    def on_mount(self) -> None:
        self.on_resize()
        self.query_one("#path", Input).focus()
        listed = self.query_one("#choices", OptionList)
        listed.highlighted = 0 if listed.option_count else None

    def filtered(self, text: str) -> list[str]:
        """What `text` may become: the choices holding it (those starting with it first); in
        a terminal, a typed path's files and folders."""
        wanted = text.strip()
        if not self.served and ("/" in wanted or wanted.startswith("~")):
            return path_completions(wanted)
        low = wanted.lower()
        holding = [c for c in self.choices if low in c.lower()]
        return sorted(holding, key=lambda c: not c.lower().startswith(low))

    def shown(self) -> list[str]:
        listed = self.query_one("#choices", OptionList)
        return [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]

    @on(Input.Changed)
    def narrow(self, event: Input.Changed) -> None:
        shown = self.query_one("#choices", OptionList)
        shown.clear_options()
        shown.add_options(self.filtered(event.value)[:SHOWN_CHOICES])
        shown.highlighted = 0 if shown.option_count else None

    @on(OptionList.OptionHighlighted)
    def describe(self, event: OptionList.OptionHighlighted) -> None:
        name = str(event.option.prompt)
        label = self.query_one("#about", Plain)
        most = min(ABOUT, 2 * label.size.width - 12) if label.size.width else ABOUT
        label.update(about(name, most) if name in sample_names() else "")

    def action_complete(self) -> None:
        """The typed name as far as every name that fits agrees; already there, the one
        highlighted in the list."""
        field = self.query_one("#path", Input)
        text, listed = field.value, self.shown()
        starting = [c for c in listed if c.startswith(text)]
        common = os.path.commonprefix(starting) if starting else ""
        if len(common) <= len(text):
            highlighted = self.query_one("#choices", OptionList).highlighted
            common = listed[highlighted] if highlighted is not None and listed else text
        field.value = common
        field.cursor_position = len(common)
        field.focus()

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not self.opens_as_typed(text):
            matches = self.filtered(text)
            text = matches[0] if matches else text
        self.open(text)

    def opens_as_typed(self, text: str) -> bool:
        """A choice, or (in a terminal) a path to something: opened as written."""
        if text in self.choices or not text:
            return True
        try:
            return not self.served and exists(Path(text).expanduser())
        except (ValueError, RuntimeError):  # a NUL byte; ~someone who does not exist
            return True  # opening it says what is wrong

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        name = str(event.option.prompt)
        if name.endswith("/"):  # a folder: look inside it
            field = self.query_one("#path", Input)
            field.value, field.cursor_position = name, len(name)
            field.focus()
            return
        self.open(name)

    def open(self, text: str) -> None:
        if not text:
            self.query_one("#error", Plain).update("✗ type a file name")
            return
        try:
            network = self.load(text if self.served else os.path.expanduser(text))
        except NetworkFileError as exc:  # every problem with a file comes as one
            self.query_one("#error", Plain).update(f"✗ {exc}")
            return
        self.dismiss(network)

    def action_to_list(self) -> None:
        self.query_one("#choices", OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


def about(sample: str, most: int = ABOUT) -> str:
    """What a sample is: the first sentence of its opening comment (two, if the first is a
    heading like "Pathology: dead relu units.")."""
    lines = sample_path(sample).read_text(encoding="utf-8").splitlines()
    words = " ".join(line.lstrip("# ").strip() for line in takewhile(is_comment, lines))
    first, stop, rest = words.partition(". ")
    if len(first) < 40 and rest:
        second, stop, _ = rest.partition(". ")
        first = f"{first}. {second}"
    said = first + stop.strip()
    return said if len(said) <= most else said[:most].rsplit(" ", 1)[0] + " …"


def is_comment(line: str) -> bool:
    return line.startswith("#")
