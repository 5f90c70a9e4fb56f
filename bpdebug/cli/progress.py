"""Progress for long commands, on the terminal only."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_line() -> Iterator[Callable[[str], None]]:
    """Progress on one line of standard error, rewritten in place — on a terminal only
    (a log or a pipe gets none), and erased when the work is done.

    The stream is the one standard error is on entry: a Textual app started inside
    (`snapshot`) puts a capture of its own in sys.stderr, which says it is a terminal."""
    stream = sys.stderr
    try:
        on_a_terminal = stream is not None and stream.isatty()
    except (ValueError, OSError):  # closed
        on_a_terminal = False
    shown_any = False

    def show(text: str) -> None:
        nonlocal shown_any
        if on_a_terminal:
            stream.write(f"\r\x1b[2K{text}")
            stream.flush()
            shown_any = True

    try:
        yield show
    finally:
        if shown_any:
            stream.write("\r\x1b[2K")
            stream.flush()
