"""The screen follows what the person is looking at (issue 14): the selection follows the
step, conditions and stops say what they matched, edits can be followed back to the file,
the layout uses the terminal, and the diagram shows numbers. Each driven through the app."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from rich.console import Console
from rich.text import Text
from small_nets import net
from textual.widgets import Static

from bpdebug.cli.snapshot import screen_text
from bpdebug.engine import Network, build_trace, train
from bpdebug.engine.params import ParamRef, get_value
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.notation.parse import linear
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.screens import ChainScreen, ChangesScreen, EditScreen
from bpdebug.tui.views import network_picture as pic
from bpdebug.tui.widgets import LossPlot, NetworkDiagram, Tape, ValuesView
from bpdebug.tui.widgets.values import entry_text, format_cell, make_block


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


def recording(app: BPDebugApp) -> list[str]:
    """Every message the app shows from now on (its notifications)."""
    said: list[str] = []
    shown = app.notify

    def notify(message: str, **kwargs: object) -> None:
        said.append(message)
        shown(message, **kwargs)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]
    return said


# ---------------------------------------------------------------- the selection follows the step


async def test_w_and_e_act_on_the_tensor_the_step_is_about() -> None:
    """scalar_chain: at ∂L/∂W⁽²⁾ `w` explains ∂L/∂W⁽²⁾, not a leftover ∂L/∂W⁽¹⁾; at the loss
    `e` edits y (which the loss reads), not W⁽¹⁾; at b⁽²⁾ ← … `e` edits b⁽²⁾."""
    app = app_for("scalar_chain")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("g", "9", "enter")
        assert app.trace[app.cursor].kind == "dW" and app.selected == ParamRef("W", 2, 0, 0)
        await pilot.press("w")
        assert isinstance(app.screen, ChainScreen)
        assert app.screen.chain.ref == ParamRef("W", 2, 0, 0)
        await pilot.press("escape", "g", "5", "enter", "e")
        assert isinstance(app.screen, EditScreen) and app.screen.ref == ParamRef("y", None, 0, 0)
        await pilot.press("escape", "end", "p", "e")
        assert app.trace[app.cursor].kind == "b_new"
        assert isinstance(app.screen, EditScreen) and app.screen.ref == ParamRef("b", 2, 0, 0)


async def test_a_step_without_parameters_keeps_the_selection() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        app.select(ParamRef("b", 1, 1))
        await pilot.press("n")  # a⁽¹⁾ = σ(z⁽¹⁾) reads no parameter
        assert app.selected == ParamRef("b", 1, 1)
        await pilot.press("n")  # z⁽²⁾ reads W⁽²⁾, a⁽¹⁾, b⁽²⁾: the same row of W⁽²⁾
        assert app.selected == ParamRef("W", 2, 1, 0)


async def test_gradient_and_update_steps_have_a_cell_cursor() -> None:
    """At ∂L/∂W⁽²⁾ the result's cells choose W⁽²⁾'s entries: ▸ marks one, arrows move it."""
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        app.go(app.trace.find("dW", 2).index)
        await pilot.pause()
        values = app.query_one(ValuesView)
        assert values.blocks[0].param == "W2" and values._selected_cell(values.blocks[0]) == (0, 0)
        values.focus()
        await pilot.press("down", "right")
        assert app.selected == ParamRef("W", 2, 1, 1)
        line = values.render_line(values.starts[0] + values.blocks[0].header_lines + 1)
        assert "▸-0.0227402" in line.text.replace(" ", "")
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen) and app.screen.ref == ParamRef("W", 2, 1, 1)


# ---------------------------------------------------------------- parameters by plain name


async def test_the_edit_dialog_takes_any_parameter_by_its_plain_name() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, EditScreen)
        dialog.query_one("#name").value = "W9[0,0]"
        await pilot.pause()
        assert "✗ there is no layer 9: this network has layers 1 to 2" in str(
            dialog.query_one("#now").render()
        )
        await pilot.press("enter")
        assert app.screen is dialog and not app.undo_stack  # refused: nothing changed
        dialog.query_one("#name").value = "W2[1,0]"
        await pilot.pause()
        assert "W⁽²⁾[1,0] is 0.5" in str(dialog.query_one("#now").render())
        assert dialog.query_one("#value").value == "0.5"
        dialog.query_one("#value").value = "0.7"
        await pilot.press("enter")
        assert get_value(app.network, ParamRef("W", 2, 1, 0)) == 0.7
        assert app.selected == ParamRef("W", 2, 1, 0)


async def test_the_palette_reaches_a_parameter_by_name_on_a_large_network() -> None:
    """`wide` has too many parameters to list one "Select" each: a typed name still works."""
    app = app_for("wide")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"W2[3,1]")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == ParamRef("W", 2, 3, 1)
        await pilot.press("ctrl+p")
        await pilot.press(*"eta")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == ParamRef("lr")


# ---------------------------------------------------------------- conditions and stops


def dead_first_layer() -> Network:
    """relu layer 1 whose unit 1 has z = −x − 1 < 0 for both examples: dead from the start."""
    return net(
        [("relu", [[1.0], [-1.0]], [0.0, -1.0]), ("identity", [[1.0, 1.0]], [0.0])],
        [[1.0, 2.0]],
        [[0.0, 1.0]],
    )


async def test_dead_relu_in_layer_1_says_it_holds_here_and_stops_next_at_a() -> None:
    app = make_app(dead_first_layer())
    async with app.run_test(size=(100, 32)) as pilot:
        said = recording(app)
        app.add_condition("dead relu")
        assert said[-1] == (
            "Breaks when dead relu. It holds here, at step 1: layer 1: unit 1 is dead "
            "(1 of 2: z ≤ 0 for all 2 examples). Next at step 2: c goes there."
        )
        await pilot.press("c")
        assert app.cursor == app.trace.find("a", 1).index
        assert said[-1] == (
            "Step 2 (a⁽¹⁾): dead relu: layer 1: unit 1 is dead (1 of 2: z ≤ 0 for all 2 examples)"
        )


async def test_an_exploding_stop_names_the_entry_and_its_size() -> None:
    app = make_app(
        net([("identity", [[1.0]], [0.0]), ("identity", [[1.0]], [0.0])], [[1e3]], [[0.0]])
    )
    async with app.run_test(size=(100, 32)) as pilot:
        said = recording(app)
        app.add_condition("exploding dW 1e5")
        await pilot.press("c")
        assert app.trace[app.cursor].kind == "dW"
        assert (
            said[-1]
            == "Step 9 (∂L/∂W⁽²⁾): exploding dW 1e5: max |∂L/∂W⁽²⁾| = 2e+06 at [0,0] > 100000"
        )


async def test_continue_with_nothing_ahead_says_so() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        said = recording(app)
        await pilot.press("c")
        assert said[-1].startswith("No breakpoints or conditions are set (b, B)")
        assert app.cursor == len(app.trace) - 1
        app.go(2)
        await pilot.press("b")  # a breakpoint on step 3
        app.go(5)
        await pilot.press("c")
        assert said[-1] == (
            "No step after step 6 matches breakpoint 3: at the end of the iteration "
            "(step 20); t trains one iteration"
        )
        app.go(1)
        await pilot.press("C")
        assert said[-1] == (
            "No step before step 2 matches breakpoint 3: at the first step of the iteration"
        )
        assert app.cursor == 0


async def test_n_on_the_last_step_says_what_comes_next() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        said = recording(app)
        await pilot.press("end", "n")
        assert said[-1].startswith("Step 20 is the last of iteration 0: t applies the update")
        await pilot.press("n")  # held down: said once, not once a key
        assert len([s for s in said if s.startswith("Step 20 is the last")]) == 1


# ---------------------------------------------------------------- edits back to the file


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


# ---------------------------------------------------------------- layout


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


# ---------------------------------------------------------------- the diagram shows numbers


async def test_each_unit_shows_its_value_and_small_layers_their_weights() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        app.go(2)  # z⁽²⁾ = W⁽²⁾ a⁽¹⁾ + b⁽²⁾
        await pilot.pause()
        diagram = app.query_one(NetworkDiagram)
        assert diagram.mode == "numbers"
        text = diagram.text.plain
        for shown in ("a⁽¹⁾", "0.59327", "0.596884", "z⁽²⁾", "1.10591", "1.22492", "0.05"):
            assert shown in text
    app = app_for("two_layer")
    async with app.run_test(size=(200, 60)) as pilot:
        app.go(app.trace.find("dW", 2).index)
        await pilot.pause()
        diagram = app.query_one(NetworkDiagram)
        assert diagram.mode == "edges"
        picture = diagram.text
        assert re.search(r"\[\s*0\.15\s+0\.2\]", picture.plain)  # W⁽¹⁾'s first row
        written = _styled(picture, "reverse")
        read = _styled(picture, "underline")
        assert any("0.082167" in w for w in written)  # ∂L/∂W⁽²⁾ on layer 2's edge
        assert any("0.138499" in r for r in read) and any("0.59327" in r for r in read)


def _styled(text: Text, attribute: str) -> list[str]:
    return [text.plain[s.start : s.end] for s in text.spans if attribute in str(s.style)]


def test_no_arrow_comes_from_a_row_without_a_unit() -> None:
    """XOR's input has 2 units and its hidden layer 3: the third row has no arrow into it
    from the input (it did: `─▶   ○` with nothing on the left)."""
    trace = build_trace(load_network(sample_path("xor")))
    units = pic.render_units(trace, trace[0], 60, 6).plain.splitlines()
    assert units[4].strip().startswith("○")  # the third unit row: no arrow before its ○
    w = pic.widths(trace, 3)
    assert w is not None
    numbers = pic.as_text(pic.numbers_lines(trace, trace[0], 0, w, 3, True)).plain.splitlines()
    row3 = numbers[5]
    assert not row3.lstrip().startswith("─▶") and row3.split("[")[0].strip() == ""


async def test_the_loss_plot_turns_logarithmic_over_two_decades() -> None:
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        plot = app.query_one(LossPlot)
        run = train(app.network, 24_000)
        assert run.losses[0] / run.losses[-1] > 100
        app.session.advance(run)
        app.reload()
        await pilot.pause()
        assert plot.log_scale and "(log)" in str(plot.border_title)
        app.session.undo()
        app.reload()
        await pilot.pause()
        assert not plot.log_scale and "(log)" not in str(plot.border_title)


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
