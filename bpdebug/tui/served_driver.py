"""The driver of a served session: `bpdebug serve` runs each browser tab's bpdebug with it
(TEXTUAL_DRIVER). It is Textual's WebDriver with what a classroom server needs besides:

- The terminal size a tab claims is capped at MAX_SIZE: a tab that says it is 4000×4000 made
  its session lay out 16 million cells (435 MB) and send 53 MB.
- The request to end (the tab went) is carried out once the screen has settled. Textual's
  own quit, arriving while the first frames are laid out, can find two resizes of the screen
  queued between repaints; the shutdown holds repaints back for good, so each resize lays the
  screen out again and queues the other, the screen's message loop never waits, and nothing
  else (signals included) ever runs again: the process spun at 100% CPU until killed.
- A session whose server has gone (standard input closed, or standard output a broken pipe)
  ends by itself, as a terminal session does when its terminal hangs up: SIGHUP, which keeps
  unsaved work in a recovery file (tui/controllers/crashes.py).
- A last guard: a session asked to end that still runs GRACE seconds later exits anyway.

Written for Textual 8.2's WebDriver (its on_meta, run_input_thread and writes, and `_app`,
which every driver uses).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from textual.drivers.web_driver import WebDriver

MAX_SIZE = (500, 200)  # columns, rows: 100,000 cells, ~1.6× a 4K screen of 16-pixel text
GRACE = 20.0  # seconds from a request to end to the last guard (the server signals at 10)


def capped(width: object, height: object) -> tuple[int, int] | None:
    """A claimed terminal size within 1×1 and MAX_SIZE; None unless both are whole numbers."""
    if type(width) is not int or type(height) is not int:  # bool is an int too: not a size
        return None
    return min(max(width, 1), MAX_SIZE[0]), min(max(height, 1), MAX_SIZE[1])


def claimed_size() -> tuple[int, int]:
    """The size textual-serve passes from the page's address (COLUMNS, ROWS), capped."""
    try:
        size = capped(int(os.environ.get("COLUMNS", 80)), int(os.environ.get("ROWS", 24)))
    except ValueError:
        size = None
    return size or (80, 24)


def hang_up() -> None:
    """End as a terminal session whose terminal went: unsaved work to a recovery file."""
    os.kill(os.getpid(), signal.SIGHUP)


class ServedDriver(WebDriver):
    """Textual's web driver, with the size capped and every way of ending bounded."""

    def __init__(
        self,
        app: Any,
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size or claimed_size())
        self.ending = False

    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        if packet_type == "resize":
            size = capped(payload.get("width"), payload.get("height"))
            if size is not None:  # anything else is not a size: ignored
                super().on_meta("resize", {"width": size[0], "height": size[1]})
        elif packet_type == "quit":  # the tab went: end as a closed tab does, work not kept
            self.end(self._app.exit)
        else:
            super().on_meta(packet_type, payload)

    def write(self, data: str) -> None:
        with self.unless_the_server_went():
            super().write(data)

    def write_meta(self, data: dict[str, object]) -> None:
        with self.unless_the_server_went():
            super().write_meta(data)

    def write_binary_encoded(self, data: tuple[str | bytes, ...]) -> None:
        with self.unless_the_server_went():
            super().write_binary_encoded(data)

    @contextlib.contextmanager
    def unless_the_server_went(self) -> Iterator[None]:
        """A write to a server that has gone (a broken pipe) is no error of the app's (it
        opened the crash dialog): the session hangs up."""
        try:
            yield
        except BrokenPipeError:
            self.end(hang_up)

    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # not the app ending: standard input closed
            self.end(hang_up)

    def end(self, how: Callable[[], object]) -> None:
        """Call `how` in the app once the screen has settled (after its pending messages and
        a repaint), and exit anyway if the process still runs GRACE seconds later."""
        if self.ending:
            return
        self.ending = True
        self._app.call_after_refresh(how)
        threading.Thread(target=last_resort, name="bpdebug-last-resort", daemon=True).start()


def last_resort() -> None:
    """The session was asked to end GRACE seconds ago and has not: exit now."""
    time.sleep(GRACE)
    with contextlib.suppress(OSError):
        os.write(2, b"bpdebug: the served session did not end when asked; exiting\n")
    os._exit(1)
