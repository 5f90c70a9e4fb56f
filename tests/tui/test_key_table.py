"""The key table (tui/keys.py) is the one list of the debugger's keys: the key bar, the help
screen and the command palette are written from it, and the README's key table names exactly
its keys (and Textual's own two: tab moves the focus, ctrl+p opens the palette)."""

from __future__ import annotations

import re

from paths import ROOT

from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import make_app
from bpdebug.tui.keys import KEYS, TABLE, key_label
from bpdebug.tui.palette import palette_commands

TEXTUAL_KEYS = {"tab", "ctrl+p"}


def readme_keys() -> set[str]:
    """Every key the README's key table names (in backticks, in its first column)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| key | does |\n|---|---|\n", 1)[1].split("\n\n", 1)[0]
    return {
        key for row in table.splitlines() for key in re.findall(r"`([^`]+)`", row.split("|")[1])
    }


def test_the_readme_key_table_names_exactly_the_keys_of_the_table() -> None:
    keys = {key for binding in KEYS for key in key_label(binding.key).split()}
    assert readme_keys() == keys | TEXTUAL_KEYS


def test_the_bindings_are_the_table() -> None:
    assert [(b.key, b.action, b.description, b.tooltip, b.show) for b in KEYS] == [
        (k.keys, k.action, k.label, k.does, k.shown) for k in TABLE
    ]


async def test_the_palette_offers_every_titled_key_and_runs_its_action() -> None:
    app = make_app(load_network(sample_path("two_layer")))
    async with app.run_test(size=(100, 32)) as pilot:
        commands = {c.title: c for c in palette_commands(app)}
        for k in TABLE:
            if k.command:
                assert commands[k.command].help == f"{k.does} ({key_label(k.keys)})"
        await commands["Go to the backward phase"].run()  # type: ignore[misc]
        await pilot.pause()
        assert app.cursor == app.trace.phase_starts["backward"]
