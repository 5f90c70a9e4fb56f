"""Start an app headless, let it draw its first full frame, exit. Timed from outside.

python benchmarks/startup_probe.py bpdebug   # the real entry, `bpdebug` on the default network
python benchmarks/startup_probe.py bare      # the bare Textual app
python benchmarks/startup_probe.py bare+numpy  # the same, importing NumPy first

Add --terminal to draw in the terminal it runs in instead (at its size): timed by hand in a
real terminal, e.g. inside tmux (benchmarks/NOTES.md has the loop).
"""

from __future__ import annotations

import sys
from functools import partialmethod
from pathlib import Path

from textual.app import App


async def _exit_after_first_frame(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()  # idle: the first full frame has been composited
    pilot.app.exit()


def main() -> None:
    # Whichever app runs does so headless, at a fixed size, and exits once idle.
    where = {} if "--terminal" in sys.argv else {"headless": True, "size": (100, 32)}
    App.run = partialmethod(  # type: ignore[method-assign]
        App.run, **where, auto_pilot=_exit_after_first_frame
    )
    if sys.argv[1] in ("bare", "bare+numpy"):
        sys.path.insert(0, str(Path(__file__).parent))
        if sys.argv[1] == "bare+numpy":
            import numpy  # noqa: F401
        from bare_app import BareApp

        BareApp().run()
    else:
        from bpdebug.cli import main as bpdebug

        sys.exit(bpdebug([]))


if __name__ == "__main__":
    main()
