"""What keeps a session's work when something goes wrong: the crash dialog, signals, and the
offer to reopen what an earlier session kept. A part of the App (a mixin), kept here so the
App reads as the debugger it is."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from bpdebug.files.netfile import NetworkFileError, load_network
from bpdebug.tui import screens
from bpdebug.tui.textual_private import LastResort

if TYPE_CHECKING:
    from bpdebug.tui.debugger import DebuggerApp
else:
    DebuggerApp = object  # a part of the App: at run time the App itself is the rest

SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class SafetyNet(LastResort, DebuggerApp):
    """Unexpected errors open the crash dialog; SIGTERM, SIGHUP and SIGINT end the app cleanly;
    unsaved work goes to a recovery file either way."""

    ended_by = ""  # the signal that ended the session
    signals_watched = False
    crashes = 0  # unexpected errors reported in a dialog instead of a traceback

    def report_unexpected(self, error: Exception) -> bool:
        """An unexpected error in any handler (the app's, a dialog's, a widget's): keep the
        work in a recovery file and say so in a dialog that offers to save, instead of exiting.

        Textual's default prints a traceback and quits, which would take unsaved edits with
        it. Errors before the screen exists, or a storm of them, still end the app (with the
        recovery file written first: see _handle_exception).
        """
        if not self.ready or self.crashes >= 10 or isinstance(self.screen, screens.CrashScreen):
            return False
        self.crashes += 1
        details = "".join(traceback.format_exception(error))[-5000:]
        kept = self.session.keep(f"an unexpected error, {type(error).__name__}")
        self.call_later(self.report_crash, f"{type(error).__name__}: {error}", details, kept)
        return True

    def keep_work(self, error: Exception) -> None:
        """The last resort (Textual is about to exit): keep the unsaved work first."""
        self.session.keep(f"an unexpected error, {type(error).__name__}")

    def report_crash(self, summary: str, details: str, kept: Path | None = None) -> None:
        def answered(choice: str | None) -> None:
            if choice == "save":
                self.action_save()
            elif choice == "quit":
                self.exit(return_code=1, message=details)

        self.push_screen(screens.CrashScreen(summary, details, kept), answered)

    def watch_signals(self) -> None:
        """SIGTERM, SIGHUP and SIGINT end the session cleanly: the terminal is restored and
        unsaved work goes to a recovery file (Textual handles none of them itself)."""
        try:
            loop = asyncio.get_running_loop()
            for sig in SIGNALS:
                loop.add_signal_handler(sig, self.end_by_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
            return
        self.signals_watched = True

    def end_by_signal(self, sig: int) -> None:
        self.ended_by = signal.Signals(sig).name
        self.session.keep(f"it received {self.ended_by}")
        self.exit(return_code=128 + sig)

    def on_unmount(self) -> None:
        if self.signals_watched:
            loop = asyncio.get_running_loop()
            for sig in SIGNALS:
                loop.remove_signal_handler(sig)

    def exit_notes(self) -> list[str]:
        """What the terminal is told once the app has ended: how, and where the work is."""
        notes = [f"bpdebug: ended by {self.ended_by}"] if self.ended_by else []
        if self.session.recovered_to is not None:
            notes.append(
                f"bpdebug: the unsaved network is in {self.session.recovered_to} "
                "(the next bpdebug offers to open it)"
            )
        elif self.session.recovery_error:
            notes.append(
                f"bpdebug: the unsaved network could not be kept: {self.session.recovery_error}"
            )
        return notes

    def offer_recovery(self) -> None:
        """Unsaved work kept by an earlier session: offer to open it."""
        from bpdebug.files.recovery import ended_why, pending

        found = pending()
        if not found:
            return
        newest = found[0]

        def answered(choice: str | None) -> None:
            if choice == "open":
                self.open_recovered(newest)
            elif choice == "delete":
                newest.unlink(missing_ok=True)
                self.notify(f"Deleted {newest}")

        more = f" ({len(found) - 1} older ones are in the same folder)" if len(found) > 1 else ""
        question = (
            f"{ended_why(newest) or 'An earlier session left unsaved work'}.\n"
            f"It was kept in {newest}{more}. Open it now?"
        )
        # the last answer is what escape means: keeping the file for later
        answers = [("open", "Open it"), ("delete", "Delete it"), ("keep", "Later")]
        self.push_screen(screens.ConfirmScreen(question, answers), answered)

    def open_recovered(self, path: Path) -> None:
        """Open a recovery file as unsaved work (the file is removed: the work is here now).
        Its numbers may be beyond this session's limits, its size not: a file larger than
        --max-file-bytes is refused, not read whole."""
        from bpdebug.files.recovery import LIMITS

        limits = dataclasses.replace(LIMITS, max_file_bytes=self.limits.max_file_bytes)
        try:
            network = load_network(path, limits)
        except NetworkFileError as exc:
            self.notify(
                f"{exc} (the file is kept)", title="Not opened", severity="error", timeout=8
            )
            return
        self.replace_network(network, saved=False)
        path.unlink(missing_ok=True)
        self.notify("Recovered the unsaved network: ctrl+s saves it")
