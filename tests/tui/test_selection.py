"""The selection follows the step (w and e act on the tensor the step is about, a step
without parameters keeps it, a gradient's cells choose its parameter's entries), and any
parameter is reached by its plain name, in the edit dialog and the command palette."""

from __future__ import annotations

from bpdebug.engine.params import ParamRef, get_value
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.screens import ChainScreen, EditScreen
from bpdebug.tui.widgets import ValuesView


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


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
        assert values.blocks[0].param == "W2" and values.selected_cell(values.blocks[0]) == (0, 0)
        values.focus()
        await pilot.press("down", "right")
        assert app.selected == ParamRef("W", 2, 1, 1)
        line = values.render_line(values.starts[0] + values.blocks[0].header_lines + 1)
        assert "▸-0.0227402" in line.text.replace(" ", "")
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen) and app.screen.ref == ParamRef("W", 2, 1, 1)


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
