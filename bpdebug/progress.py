"""Progress for long commands, on the terminal only."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_line() -> Iterator[Callable[[str], None]]:
    """Progress on one line of standard error, rewritten in place — on a terminal only
    (a log or a pipe gets none), and erased when the work is done."""
    shown_any = False

    def show(text: str) -> None:
        nonlocal shown_any
        if sys.stderr is not None and sys.stderr.isatty():
            sys.stderr.write(f"\r\x1b[2K{text}")
            sys.stderr.flush()
            shown_any = True

    try:
        yield show
    finally:
        if shown_any:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
