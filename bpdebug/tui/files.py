"""The debugger's files: saving (never over the original, never losing an edit), opening
another network (asking first if there is unsaved work), and exporting a worked solution and
a picture of the screen. A part of the App (a mixin)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import free_name, here
from ..engine import Network
from ..engine.params import ParamRef
from ..netfile import NetworkFileError, load_network
from ..samples import resolve
from . import screens

if TYPE_CHECKING:
    from textual.app import App

    from ..engine import Trace
    from ..netfile import Limits
    from .session import Session

    class _App(App[None]):
        """What the file actions use of the debugger app."""

        session: Session
        limits: Limits
        trace: Trace
        dirty: bool
        cursor: int
        digits: int | None
        example: int | None
        selected: ParamRef

        def show_edit_state(self) -> None: ...
        def load_trace(self, trace: Trace, cursor: int = 0, keep_scroll: bool = False) -> None: ...

else:
    _App = object


class FileActions(_App):
    def action_save(self, then: Callable[[], None] | None = None) -> None:
        def saved(path: Path | None) -> None:
            if path is None:
                return
            self.show_edit_state()
            self.notify(f"Saved to {path}")
            if then is not None:
                then()

        def write(path: Path, overwrite: bool, magnitude: float | None) -> Path:
            return self.session.save(path, overwrite, self.limits, magnitude)

        suggestion = self.session.save_suggestion()
        self.push_screen(screens.SaveScreen(suggestion, self.session.source, write), saved)

    def ask_to_discard(self, question: str, proceed: Callable[[], None]) -> None:
        """Run `proceed` now if nothing is unsaved; else ask: save first, discard, or cancel."""
        if not self.dirty:
            proceed()
            return

        def answered(choice: str | None) -> None:
            if choice == "save":
                self.action_save(then=proceed)
            elif choice == "discard":
                proceed()

        answers = [("save", "Save first"), ("discard", "Discard changes"), ("cancel", "Cancel")]
        self.push_screen(screens.ConfirmScreen(question, answers), answered)

    async def action_quit(self) -> None:
        self.ask_to_discard("There are unsaved changes. Save them before quitting?", self.exit)

    def open_network(self, path: str) -> None:
        """Load another network; a bad file is a notification and changes nothing."""
        try:
            network = load_network(path, self.limits)
        except NetworkFileError as exc:
            self.notify(str(exc), title="Not opened", severity="error", timeout=8)
            return
        question = f"There are unsaved changes. Save them before opening {network.name or path}?"
        self.ask_to_discard(question, lambda: self.replace_network(network))

    def action_open(self) -> None:
        def opened(network: Network | None) -> None:
            if network is not None:
                question = f"There are unsaved changes. Save them before opening {network.name}?"
                self.ask_to_discard(question, lambda: self.replace_network(network))

        def load(text: str) -> Network:
            return load_network(resolve(text), self.limits)

        self.push_screen(screens.OpenScreen(load), opened)

    def replace_network(self, network: Network, saved: bool = True) -> None:
        """Start afresh on another network: no breakpoints, history or edits carry over."""
        self.session.replace(network, saved)
        self.selected = ParamRef("W", 1, 0, 0)
        self.example = None
        self.load_trace(self.trace)
        if saved:
            self.notify(f"Opened {network.name or network.source}")

    def action_export(self) -> None:
        """Write NAME-worked.md (the whole iteration), NAME-stepK.svg (this screen) and the
        computational graph at this step (NAME-graph-stepK.dot, and .svg where Graphviz is)."""
        from ..atomic import write_atomically
        from ..explain import explain_markdown
        from ..graph import GraphvizMissing, render, to_dot

        origin = self.session.origin
        stem = Path(origin).stem if origin else "network"
        folder = here()
        written = []
        dot = to_dot(self.trace, self.cursor)
        files: list[tuple[str, str]] = [
            (f"{stem}-worked.md", explain_markdown(self.trace, self.digits)),
            (f"{stem}-step{self.cursor + 1}.svg", self.export_screenshot()),
            (f"{stem}-graph-step{self.cursor + 1}.dot", dot),
        ]
        # Without Graphviz the DOT is written alone (`bpdebug graph` says how to get it).
        with contextlib.suppress(GraphvizMissing, RuntimeError):
            files.append((f"{stem}-graph-step{self.cursor + 1}.svg", render(dot, "svg").decode()))
        for name, text in files:
            path = free_name(folder / name)
            try:
                write_atomically(path, text)
            except OSError as exc:
                reason = exc.strerror or exc
                self.notify(f"{path}: {reason}", title="Not exported", severity="error")
                return
            written.append(path.name)
        self.notify(f"Exported {' and '.join(written)} to {folder}")
