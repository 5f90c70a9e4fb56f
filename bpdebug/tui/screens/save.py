"""Choose where to save; never replace a file without asking, never touch the original.
Served to a browser, choose the download's file name (the browser chooses the folder)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from bpdebug.files.atomic import exists
from bpdebug.files.netfile import MagnitudeError
from bpdebug.notation.parse import shown
from bpdebug.session.outbox import file_name
from bpdebug.tui.screens.confirm import ConfirmScreen
from bpdebug.tui.screens.dialog import Dialog, Plain


class SaveScreen(Dialog[Path | None]):
    """Returns the path saved to, or None. A failed save says why and keeps the dialog open."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    SaveScreen > .box { width: 80; }
    """

    def __init__(
        self,
        suggestion: Path,
        original: Path | None,
        save: Callable[[Path, bool, float | None], Path],
        download: bool = False,
    ) -> None:
        super().__init__()
        self.suggestion, self.original, self.save = suggestion, original, save
        self.download = download

    def compose(self) -> ComposeResult:
        with Vertical(classes="box") as box:
            if self.download:
                box.border_title = "Download network"
                yield Plain("File name (.toml or .json; enter downloads it, esc cancels):")
            else:
                box.border_title = "Save network"
                yield Plain("Save to (.toml or .json; enter saves, esc cancels):")
            yield Input(value=str(self.suggestion), id="path")
            yield Plain("", id="error")

    def fail(self, message: str) -> None:
        self.query_one("#error", Plain).update(f"✗ {message}")

    def checked_path(self, text: str) -> Path:
        """The path typed, or a ValueError saying in one line why it cannot be saved to."""
        if not text:
            raise ValueError("type a file name")
        if self.download:
            return self.checked_name(text)
        try:
            path = Path(text).expanduser()
        except RuntimeError:  # ~someone who does not exist, or no home folder
            raise ValueError(f"{text.split('/')[0]}: no such user's home folder") from None
        if path.suffix.lower() not in (".toml", ".json"):
            raise ValueError(f"{shown(path.name)} should end in .toml or .json")
        size = len(os.fsencode(path.name))
        if size > 255:
            raise ValueError(f"the file name is {size} bytes long; at most 255")
        try:
            if path.is_dir():
                raise ValueError(f"{path} is a folder")
            if not path.parent.is_dir():
                raise ValueError(f"the folder {path.parent} does not exist")
            same = self.original is not None and path.resolve() == self.original.resolve()
        except OSError as exc:
            raise ValueError(f"{path}: {exc.strerror or exc}") from None
        if same:
            raise ValueError(
                "that is the original file, which bpdebug never changes: choose a new name"
            )
        return path

    def checked_name(self, text: str) -> Path:
        """A download's name: no folder (the browser picks it), only characters any file
        system and HTTP header take."""
        if "/" in text or "\\" in text:
            raise ValueError("a file name only: your browser chooses the folder")
        path = Path(text)
        if path.suffix.lower() not in (".toml", ".json"):
            raise ValueError(f"{shown(path.name)} should end in .toml or .json")
        return Path(file_name(path.stem, path.suffix.lower()))

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        try:
            path = self.checked_path(event.value.strip())
        except ValueError as exc:
            self.fail(str(exc))
            return
        if not self.download and exists(path):

            def answered(choice: str | None) -> None:
                if choice == "replace":
                    self.write(path, overwrite=True)

            self.app.push_screen(
                ConfirmScreen(
                    f"{path} already exists. Replace it?",
                    [("replace", "Replace"), ("keep", "Keep it")],
                ),
                answered,
            )
            return
        self.write(path, overwrite=False)

    def write(self, path: Path, overwrite: bool, magnitude: float | None = None) -> None:
        try:
            saved = self.save(path, overwrite, magnitude)
        except FileExistsError:
            self.fail(f"{path} appeared meanwhile; save again to choose")
        except MagnitudeError as exc:
            self.fail(f"not saved: {exc}")
            self.offer_beyond_limit(path, overwrite, exc)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self.fail(f"not saved: {reason}")
        else:
            self.dismiss(saved)

    def offer_beyond_limit(self, path: Path, overwrite: bool, exc: MagnitudeError) -> None:
        """Numbers beyond the magnitude limit: save only if asked, saying how to load it."""

        def answered(choice: str | None) -> None:
            if choice == "save":
                self.write(path, overwrite, exc.needed)

        self.app.push_screen(
            ConfirmScreen(
                f"{exc.key} is {exc.value:.3g}, beyond the limit of {exc.limit:g} that "
                f"bpdebug loads. Save anyway? The file will load with {exc.flag}.",
                [("save", "Save anyway"), ("keep", "Don't save")],
            ),
            answered,
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
