"""Choose where to save; never replace a file without asking, never touch the original."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from .confirm import ConfirmScreen
from .dialog import Dialog


class SaveScreen(Dialog[Path | None]):
    """Returns the path saved to, or None. A failed save says why and keeps the dialog open."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    SaveScreen { align: center middle; }
    SaveScreen > Vertical {
        width: 80; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    SaveScreen #error { color: $text-error; }
    """

    def __init__(
        self, suggestion: Path, original: Path | None, save: Callable[[Path, bool], Path]
    ) -> None:
        super().__init__()
        self.suggestion, self.original, self.save = suggestion, original, save

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Save network"
            yield Label("Save to (.toml or .json; enter saves, esc cancels):")
            yield Input(value=str(self.suggestion), id="path")
            yield Label("", id="error")

    def fail(self, message: str) -> None:
        self.query_one("#error", Label).update(f"✗ {message}")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.fail("type a file name")
            return
        path = Path(text).expanduser()
        if path.suffix.lower() not in (".toml", ".json"):
            self.fail(f"{path.name} should end in .toml or .json")
            return
        if path.is_dir():
            self.fail(f"{path} is a folder")
            return
        if self.original is not None and path.resolve() == self.original.resolve():
            self.fail("that is the original file, which bpdebug never changes: choose a new name")
            return
        if path.exists():

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

    def write(self, path: Path, overwrite: bool) -> None:
        try:
            saved = self.save(path, overwrite)
        except FileExistsError:
            self.fail(f"{path} appeared meanwhile; save again to choose")
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self.fail(f"not saved: {reason}")
        else:
            self.dismiss(saved)

    def action_cancel(self) -> None:
        self.dismiss(None)
