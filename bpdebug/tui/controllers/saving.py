"""The debugger's files: saving (never over the original, never losing an edit), opening
another network (asking first if there is unsaved work), and exporting a worked solution and
a picture of the screen. Served to a browser, saves and exports are downloads and only the
shared folder opens (outbox.py). A part of the App (a mixin)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events

from bpdebug.engine import Network
from bpdebug.files.atomic import here
from bpdebug.files.netfile import NetworkFileError, load_network
from bpdebug.files.samples import resolve
from bpdebug.session.outbox import Folder, as_download, file_name, local_choices, write_here
from bpdebug.tui import screens

if TYPE_CHECKING:
    from bpdebug.tui.debugger import DebuggerApp
else:
    DebuggerApp = object  # a part of the App: at run time the App itself is the rest


class FileActions(DebuggerApp):
    served: Folder | None = None  # set when served to a browser: what it may open

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Downloads of the network under way: key → (file name, network, what next).
        self.pending_saves: dict[str, tuple[str, Network, Callable[[], None] | None]] = {}

    @property
    def downloads(self) -> bool:
        """Whether what the app makes goes to the browser as downloads (a served session)."""
        return self.served is not None or self.is_web

    def action_save(self, then: Callable[[], None] | None = None) -> None:
        def saved(path: Path | None) -> None:
            if path is None:
                return
            if self.downloads:  # done when the browser has it: on_delivery_complete
                self.notify(f"Sending {path.name} to your browser's downloads…")
                return
            self.show_edit_state()
            self.notify(f"Saved to {path}")
            if then is not None:
                then()

        def write(path: Path, overwrite: bool, magnitude: float | None) -> Path:
            return self.session.save(path, overwrite, self.limits, magnitude)

        def download(path: Path, overwrite: bool, magnitude: float | None) -> Path:
            text = self.session.file_text(path, self.limits, magnitude)
            key = self.deliver_text(as_download(text), save_filename=path.name)
            if key is not None:
                self.pending_saves[key] = (path.name, self.session.network, then)
            return path

        suggestion = self.session.save_suggestion()
        if self.downloads:
            suggestion = Path(file_name(suggestion.stem, suggestion.suffix))
        save = download if self.downloads else write
        dialog = screens.SaveScreen(suggestion, self.session.source, save, self.downloads)
        self.push_screen(dialog, saved)

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        if event.key not in self.pending_saves:
            return
        name, network, then = self.pending_saves.pop(event.key)
        self.session.mark_saved(network)
        self.show_edit_state()
        self.notify(f"Downloaded {name}")
        if then is not None:
            then()

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        name = self.pending_saves.pop(event.key, ("the file",))[0]
        self.notify(
            f"{name} did not reach the browser ({event.exception}); nothing is lost: "
            "press ctrl+s to try again",
            title="Not downloaded",
            severity="error",
            timeout=10,
        )

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

        folder = self.served

        def load(text: str) -> Network:
            return load_network(folder.resolve(text) if folder else resolve(text), self.limits)

        choices = folder.choices() if folder else local_choices()
        self.push_screen(screens.OpenScreen(load, choices, served=folder is not None), opened)

    def action_export(self) -> None:
        """Write NAME-worked.md (the whole iteration), NAME-stepK.svg (this screen) and the
        computational graph at this step (NAME-graph-stepK.dot, and .svg where Graphviz is);
        served, offer each as a download (a browser takes one download per key press)."""
        files = self.exports()
        if self.downloads:
            self.push_screen(screens.DownloadsScreen(files, self.send_download))
            return
        written = []
        for name, text in files:
            try:
                written.append(write_here(name, text).name)
            except OSError as exc:
                reason = exc.strerror or exc
                self.notify(f"{name}: {reason}", title="Not exported", severity="error")
                return
        self.notify(f"Exported {' and '.join(written)} to {here()}")

    def exports(self) -> list[tuple[str, str]]:
        """What `x` makes at this step: (file name, text) pairs. In a quiz the values it
        still asks for are blanks in the worked solution and ? in the graph and screenshot."""
        from bpdebug.output.explain import explain_markdown
        from bpdebug.output.graph import GraphvizMissing, render, to_dot

        origin = self.session.origin
        stem = Path(origin).stem if origin else "network"
        stem = file_name(stem) if self.downloads else stem  # a download's name: plain ASCII
        step = self.view.cursor + 1
        veiled = self.quiz_hidden_now()
        dot = to_dot(self.trace, self.view.cursor, veiled, self.view.digits)
        files: list[tuple[str, str]] = [
            (f"{stem}-worked.md", explain_markdown(self.trace, self.view.digits, veiled)),
            (f"{stem}-step{step}.svg", self.export_screenshot()),
            (f"{stem}-graph-step{step}.dot", dot),
        ]
        # Without Graphviz the DOT is written alone (`bpdebug graph` says how to get it).
        with contextlib.suppress(GraphvizMissing, RuntimeError):
            files.append((f"{stem}-graph-step{step}.svg", render(dot, "svg").decode()))
        return files

    def send_out(self, name: str, text: str) -> str:
        """A file the person asked for: a new file here, or served, a download. Says where;
        OSError if it cannot be written."""
        if self.downloads:
            name = file_name(Path(name).stem, Path(name).suffix)
            self.send_download(name, text)
            return f"sent {name} to your browser's downloads"
        return f"wrote {write_here(name, text)}"

    def send_download(self, name: str, text: str) -> None:
        """Hand `text` to the browser as the download `name`."""
        self.deliver_text(as_download(text), save_filename=name)
