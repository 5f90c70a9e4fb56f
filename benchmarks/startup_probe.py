"""Start an app headless, let it draw its first full frame, exit. Timed from outside.

python benchmarks/startup_probe.py bpdebug   # the real entry: default network
python benchmarks/startup_probe.py bare      # the bare Textual app
"""

from __future__ import annotations

import sys
from pathlib import Path


async def _exit_after_first_frame(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()  # idle: the first full frame has been composited
    pilot.app.exit()


def main() -> None:
    if sys.argv[1] == "bare":
        sys.path.insert(0, str(Path(__file__).parent))
        from bare_app import BareApp

        app = BareApp()
    else:
        from bpdebug.netfile import load_network
        from bpdebug.samples import DEFAULT_SAMPLE, sample_path
        from bpdebug.tui.app import make_app

        app = make_app(load_network(sample_path(DEFAULT_SAMPLE)))
    app.run(headless=True, size=(100, 32), auto_pilot=_exit_after_first_frame)


if __name__ == "__main__":
    main()
