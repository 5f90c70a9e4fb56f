"""The layout uses the terminal: the tape as wide as its formulas, the current step in view
after a resize, dialogs whole at 50×14, value cells that keep their columns, a help that
explains every marker, and a short step panel that drops the least needed line first."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console
from textual.widgets import Static

from bpdebug.cli.snapshot import screen_text
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.notation.parse import linear
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.views.value_blocks import entry_text, format_cell, make_block
from bpdebug.tui.widgets import StepPanel, Tape


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


async def test_the_tape_takes_the_width_its_formulas_need_and_cut_lines_end_in_an_ellipsis() -> (
    None
):
    app = app_for("xor")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        tape = app.query_one(Tape)
        assert tape.size.width >= 50  # not the 34 columns of an 80-column layout
        text = screen_text(app)
        assert "∂L/∂W⁽¹⁾ = (1/m) δ⁽¹⁾ (a⁽⁰⁾)ᵀ, m = 4" in text  # whole
    app = app_for("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = [ln for ln in screen_text(app).splitlines() if "L = (1/m) Σₖ" in ln]
        assert lines and lines[0].split("│")[1].rstrip().endswith("…")


async def test_after_a_resize_the_tape_shows_the_current_step_at_once() -> None:
    app = app_for("deep")
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("end")
        await pilot.resize_terminal(100, 24)
        await pilot.pause()
        tape = app.query_one(Tape)
        line = tape.line_of_step[app.cursor]
        top = tape.scroll_offset.y
        assert top <= line < top + tape.size.height


@pytest.mark.parametrize("keys", [["e"], ["B"], ["o"], ["T"], ["g"], ["v"], ["ctrl+s"]])
async def test_dialogs_show_all_of_their_text_at_50x14(keys: list[str]) -> None:
    """Each dialog wraps its text to the smallest terminal: every word of it is on screen."""
    app = app_for("two_layer")
    async with app.run_test(size=(50, 14)) as pilot:
        await pilot.press("plus", *keys)
        await pilot.pause()
        on_screen = " ".join(screen_text(app).split())
        for label in app.screen.query("Plain"):
            words = str(label.render()).split()
            assert all(w in on_screen for w in words), (keys, str(label.render()))


def test_huge_and_nonfinite_entries_keep_their_columns() -> None:
    for m in ([[-3.5e180, 1.0], [2.0, 0.5]], [[float("-inf"), 1.0], [2.0, float("nan")]]):
        for role in ("read", "delta", "before"):
            block = make_block("t", role, np.array(m), 6)
            cells = [format_cell(v, role, False, 6, block.cell) for v in block.matrix.flat]
            assert {len(c) for c in cells} == {block.cell}, cells
            assert all(
                entry_text(v, role, 6) in c for v, c in zip(block.matrix.flat, cells, strict=True)
            )


async def test_the_help_explains_every_marker_the_screen_uses() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        console = Console(width=90, record=True, file=io.StringIO())
        for widget in app.screen.query(Static):
            console.print(widget.content)
        text = console.export_text()
        drawn = ("▶", "●", "!", "▶2◀", "◆", "=", "▸", "▾k", "Δ", "⟨3×4⟩", "⋮ ×n", "…", "✎", "✓ ✗")
        for mark in drawn:
            line = next((ln for ln in text.splitlines() if ln.strip().startswith(mark + " ")), "")
            assert len(line.split(mark, 1)[1].strip()) > 10, f"{mark} is not explained"


async def test_a_short_step_panel_drops_the_difference_before_the_formula() -> None:
    """80×24, XOR z⁽²⁾ after an edit: the change line is long; the formula stays, the
    matrices give up their middle columns, and the result is whole."""
    app = app_for("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "plus")
        text = " ".join(linear(app.query_one("#step").text.plain.splitlines()))
        assert "z⁽²⁾ = W⁽²⁾ a⁽¹⁾ + b⁽²⁾" in text and "= [-0.52, ⋯]₁ₓ₃ [0.507499, ⋯;" in text
        assert "= [0.267853, 0.0464403, 0.19891, -0.0102877]" in text
        assert "Δ" not in text and "⟨" not in text
    app = app_for("xor")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "n", "plus")
        assert "was [0.217103" in app.query_one("#step").text.plain  # room: it is said


async def test_a_narrow_step_panel_gives_the_formula_up_before_the_check_and_the_change() -> None:
    """At 80×24 the step panel has five rows: after an edit and `f`, ∂L/∂W⁽²⁾ shows its
    result named by its symbol, the edit's change and the check's verdict in their short
    forms, and not the formula (the tape shows it); it showed the formula and neither."""
    app = app_for("two_layer")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("plus")  # W⁽¹⁾[0,0] 0.15 → 0.25
        app.go(app.trace.find("dW", 2).index)
        await pilot.press("f")
        await pilot.pause()
        lines = app.query_one(StepPanel).text.plain.splitlines()
        assert lines[1].startswith("∂L/∂W⁽²⁾ = ┌"), lines
        assert any("4 of 4 differ, max |Δ|" in line for line in lines), lines
        assert lines[-1] == "✓ finite differences agree", lines
        assert not any("δ⁽²⁾ (a⁽¹⁾)ᵀ" in line for line in lines), lines
