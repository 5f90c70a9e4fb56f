"""Edits followed back to the file: the title names the last action (edit, undo), D
measures every Δ against the file, v lists the changes and r resets to the file."""

from __future__ import annotations

import numpy as np
import pytest

from bpdebug.cli.snapshot import screen_text
from bpdebug.engine import build_trace
from bpdebug.engine.params import ParamRef, get_value
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.screens import ChangesScreen
from bpdebug.tui.widgets import ValuesView


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


async def test_after_an_undo_the_title_says_undo_not_edit() -> None:
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus")
        assert app.query_one("#title").text.endswith("(edit)")
        await pilot.press("u")
        title = app.query_one("#title").text
        assert "(edit)" not in title and title.endswith("0.125937 → 0.125938 (undo)")
        assert "0 changes" in app.query_one("#editbar").shown


async def test_differences_against_the_file_the_list_of_changes_and_reset() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        original = app.network
        await pilot.press("plus", "plus")  # W⁽¹⁾[0,0]: 0.15 → 0.35 in two edits
        app.go(12)  # δ⁽¹⁾
        await pilot.press("D")
        assert app.query_one("#title").text.endswith("(since the file)")
        values = app.query_one(ValuesView)
        titles = [b.title for b in values.blocks]
        assert "  δ⁽¹⁾ in the file" in titles
        against = next(b for b in values.blocks if b.title == "  δ⁽¹⁾ in the file")
        np.testing.assert_array_equal(against.matrix[:, 0], build_trace(original)[12].value[:, 0])
        await pilot.press("v")
        assert isinstance(app.screen, ChangesScreen)
        assert "W⁽¹⁾[0,0]  0.15 → 0.35   Δ +0.2" in screen_text(app)
        await pilot.press("r")
        assert app.network is original and app.session.baseline is None
        await pilot.press("u")  # the reset is undone like an edit
        assert get_value(app.network, ParamRef("W", 1, 0, 0)) == pytest.approx(0.35)
