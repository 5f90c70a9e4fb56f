"""`bpdebug snapshot`: run the app headless, press keys, save the screen as SVG or text."""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from textual.keys import Keys

from bpdebug.cli.progress import progress_line
from bpdebug.engine import Network
from bpdebug.files.atomic import OutputError, write_output
from bpdebug.notation.parse import shown
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.textual_private import character_to_key, screen_strips

SIZE = re.compile(r"^(\d{1,4})x(\d{1,4})$")
MIN_SIZE, MAX_SIZE = (20, 8), (500, 200)


class SnapshotError(ValueError):
    """A bad --keys, --size or --output: one line, exit 2."""


def parse_size(text: str) -> tuple[int, int]:
    match = SIZE.match(text.strip().lower())
    if not match:
        raise SnapshotError(f"--size: expected WIDTHxHEIGHT like 100x32, got {shown(text)}")
    w, h = int(match[1]), int(match[2])
    if not (MIN_SIZE[0] <= w <= MAX_SIZE[0] and MIN_SIZE[1] <= h <= MAX_SIZE[1]):
        raise SnapshotError(
            f"--size: {w}x{h} is outside {MIN_SIZE[0]}x{MIN_SIZE[1]} to {MAX_SIZE[0]}x{MAX_SIZE[1]}"
        )
    return w, h


# Textual's names for special keys and for every printable ASCII character ('plus', '?' → …)
KNOWN_KEYS = {k.value for k in Keys} | {character_to_key(chr(c)) for c in range(32, 127)}


MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")


def parse_keys(text: str, most: int) -> list[str]:
    """Space-separated keys: characters ('n', '?', '+') or Textual key names ('right',
    'question_mark', 'plus', 'ctrl+s'). Anything else is an error naming the key; more than
    `most` keys, an error naming the flag that allows them."""
    words = text.split()
    if len(words) > most:
        raise SnapshotError(
            f"--keys: {len(words):,} keys are more than the limit {most:,} (each takes a "
            f"frame, about 50 ms; raise it with --max-keys {len(words)})"
        )
    keys: list[str] = []
    for key in words:
        if len(key) == 1:
            keys.append(character_to_key(key))
            continue
        name = key.lower() if key.lower() in KNOWN_KEYS else key
        *mods, base = name.split("+")
        if name in KNOWN_KEYS or (mods and set(mods) <= set(MODIFIERS) and base in KNOWN_KEYS):
            keys.append(name)
        else:
            raise SnapshotError(
                f"--keys: unknown key {shown(key)} (use names like n, right, "
                "space, home, ctrl+s, question_mark)"
            )
    return keys


def screen_text(app: BPDebugApp) -> str:
    """The screen as plain text, one line per row, each ending in a newline (the last too:
    a file or a pipe gets whole lines)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        record=True,
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
    )
    console.print(screen_strips(app.screen))
    text = console.export_text()
    return text if text.endswith("\n") else text + "\n"


async def capture(
    app: BPDebugApp,
    keys: list[str],
    size: tuple[int, int],
    progress: Callable[[str], None] | None = None,
) -> tuple[str, str]:
    """Run the app headless, press the keys, return (svg, text) of the final screen."""
    async with app.run_test(size=size) as pilot:
        for n, key in enumerate(keys, start=1):
            await pilot.press(key)
            if progress is not None and (n % 20 == 0 or n == len(keys)):
                progress(f"pressed {n:,} of {len(keys):,} keys")
        await pilot.pause()
        return app.export_screenshot(), screen_text(app)


def write_new_file(path: Path, text: str, force: bool) -> None:
    """Atomic write that refuses to replace a file unless forced."""
    try:
        write_output(path, text, force)
    except OutputError as exc:
        raise SnapshotError(str(exc)) from None


def run_snapshot(args: argparse.Namespace, network: Network) -> int:
    try:
        size = parse_size(args.size)
        keys = parse_keys(args.keys, args.max_keys)
        if not args.output and not args.text:
            raise SnapshotError("give --output FILE.svg, --text, or both")
        if args.output and args.output.lower().endswith(".svg") is False:
            raise SnapshotError(f"--output: {args.output} should end in .svg")
        app = make_app(network)
        if args.theme not in app.available_themes:
            raise SnapshotError(
                f"--theme: unknown theme {args.theme!r} (themes: "
                + ", ".join(sorted(app.available_themes))
                + ")"
            )
        app.theme = args.theme
        with progress_line() as progress:
            svg, text = asyncio.run(capture(app, keys, size, progress))
        if args.output:
            write_new_file(Path(args.output), svg, args.force)
        if args.text:
            sys.stdout.write(text)
    except SnapshotError as exc:
        print(f"bpdebug snapshot: {exc}", file=sys.stderr)
        return 2
    return 0
