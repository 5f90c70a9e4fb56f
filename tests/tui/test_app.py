"""The debugger driven by its keys: cursor, highlighted layer and step panel text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bpdebug.cli.snapshot import screen_text
from bpdebug.engine import build_trace
from bpdebug.engine.params import ParamRef, set_value
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.notation.parse import linear
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.palette import palette_commands
from bpdebug.tui.screens import GoToScreen, HelpScreen
from bpdebug.tui.textual_private import notifications
from bpdebug.tui.views.network_picture import active_column
from bpdebug.tui.widgets import EditBar, NetworkDiagram, StepPanel, Tape, ValuesView


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


def panel(app: BPDebugApp) -> str:
    """The step panel's text as shown, its wrapped lines joined (whitespace normalised)."""
    return " ".join(linear(app.query_one(StepPanel).text.plain.splitlines()))


def active_layer(app: BPDebugApp) -> int:
    diagram = app.query_one(NetworkDiagram)
    return active_column(diagram.step, diagram.trace.network.depth + 2)


async def test_opens_on_the_first_forward_step() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)):
        assert app.cursor == 0
        assert app.title == "Two-layer example"
        assert app.query_one("#title").text == "Two-layer example — iteration 0 · L = 0.298371"
        text = panel(app)
        assert text.startswith("▶ FORWARD step 1 of 20 · layer 1 · weighted input")
        assert "z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾" in text
        assert "= [0.15, 0.2; 0.25, 0.3] [0.05; 0.1] + [0.35; 0.35]" in text
        assert "= [0.3775; 0.3925] (2)" in text
        assert active_layer(app) == 1


@pytest.mark.parametrize(
    "name,keys,cursor,layer,lines",
    [
        (
            "two_layer",
            ["n", "n"],
            2,
            2,
            ["▶ FORWARD step 3 of 20 · layer 2 · weighted input", "= [1.10591; 1.22492] (2)"],
        ),
        (
            "two_layer",
            ["2", "]", "n", "n"],
            12,
            1,
            [
                "◀ BACKWARD step 13 of 20 · layer 1 · error δ",
                "δ⁽¹⁾ = ∂L/∂a⁽¹⁾ ⊙ σ′(z⁽¹⁾)",
                "= [0.0363503; 0.0413703] ⊙ [0.241301; 0.240613]",
                "= [0.00877135; 0.00995425] (2)",
            ],
        ),
        (
            "two_layer",
            ["3", "n", "n"],
            17,
            2,
            [
                "⟳ UPDATE step 18 of 20 · layer 2 · weight update",
                "W⁽²⁾ ← W⁽²⁾ − η ∂L/∂W⁽²⁾",
                "← [0.4, 0.45; 0.5, 0.55] − 0.5 · [0.082167, 0.0826676; -0.0226025, -0.0227402]",
                "= [0.358916, 0.408666; 0.511301, 0.56137] (2×2)",
            ],
        ),
        (
            "xor",
            ["n"],
            1,
            1,
            [
                "▶ FORWARD step 2 of 20 · layer 1 · activation",
                "a⁽¹⁾ = σ(z⁽¹⁾)",
                "= σ([0.03, 0.33, 0.03, 0.33; 0.67, -0.22, 0.4, -0.49; -0.25, -1.24, -0.7, -1.69])",
            ],
        ),
        (
            "xor",
            ["2", "]", "n", "n"],
            12,
            1,
            ["◀ BACKWARD step 13 of 20 · layer 1 · error δ", "δ⁽¹⁾ = ∂L/∂a⁽¹⁾ ⊙ σ′(z⁽¹⁾)"],
        ),
        (
            "xor",
            ["end"],
            19,
            None,
            [
                "⟳ UPDATE step 20 of 20 · loss after the update",
                "before L = 0.125938",
                "after L′ = 0.125864",
            ],
        ),
    ],
)
async def test_keys_reach_forward_backward_and_update_steps(
    name: str, keys: list[str], cursor: int, layer: int | None, lines: list[str]
) -> None:
    app = app_for(name)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press(*keys)
        assert app.cursor == cursor
        text = panel(app)
        for line in lines:
            assert line in text
        expected_column = layer if layer is not None else app.network.depth + 1
        assert active_layer(app) == expected_column
        assert f"▶{layer if layer is not None else 'L'}◀" in str(app.query_one(NetworkDiagram).text)


async def test_stepping_back_from_the_end_visits_every_step() -> None:
    app = app_for("deep")
    async with app.run_test(size=(100, 32)) as pilot:
        n = len(app.trace)
        app.action_last()
        seen = [app.cursor]
        while app.cursor > 0:
            app.action_step(-1)
            seen.append(app.cursor)
            assert f"step {app.cursor + 1} of {n}" in panel(app)
        assert seen == list(range(n - 1, -1, -1))
        app.action_step(-1)  # at the start, previous stays put
        assert app.cursor == 0
        await pilot.pause()


async def test_the_tape_scrolls_to_keep_the_current_step_in_view() -> None:
    app = app_for("deep")
    async with app.run_test(size=(100, 32)) as pilot:
        tape = app.query_one(Tape)
        assert len(tape.lines) > tape.size.height  # the tape is longer than its panel
        for where in (len(app.trace) - 1, 0, len(app.trace) // 2):
            app.go(where)
            await pilot.pause()
            top = tape.scroll_offset.y
            assert top <= tape.line_of_step[where] < top + tape.size.height
            row = tape.line_of_step[where] - top
            assert tape.render_line(row).text.startswith("▶")
        assert tape.scroll_offset.y > 0


async def test_breakpoints_stop_where_set_and_nowhere_else() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("1", "n", "n", "n", "n", "b")  # step 5: the loss
        app.go(12)
        await pilot.press("b")
        await pilot.press("home")
        assert app.breakpoints == {4, 12}
        await pilot.press("c")
        assert app.cursor == 4
        await pilot.press("c")
        assert app.cursor == 12
        await pilot.press("c")
        assert app.cursor == 19  # no more: the end
        await pilot.press("C")
        assert app.cursor == 12
        await pilot.press("C", "C")
        assert app.cursor == 0
        app.go(4)
        await pilot.press("b")  # toggled off
        await pilot.press("home", "c")
        assert app.cursor == 12
        tape = app.query_one(Tape)
        assert tape.breakpoints == {12}


async def test_layer_jumps_follow_the_tape_groups() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        starts = []
        for _ in range(8):
            await pilot.press("right_square_bracket")
            starts.append(app.cursor)
        assert starts == [2, 4, 5, 10, 15, 17, 19, 19]
        app.go(7)
        await pilot.press("left_square_bracket")
        assert app.cursor == 5  # start of backward · layer 2
        await pilot.press("left_square_bracket")
        assert app.cursor == 4


async def test_go_to_asks_and_refuses_what_is_not_a_step() -> None:
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("g")
        assert isinstance(app.screen, GoToScreen)
        await pilot.press("9", "9", "enter")
        assert isinstance(app.screen, GoToScreen)
        assert "'99' is not a step number from 1 to 20" in str(
            app.screen.query_one("#error").render()
        )
        await pilot.press("backspace", "backspace", "7", "enter")
        assert not isinstance(app.screen, GoToScreen)
        assert app.cursor == 6
        await pilot.press("g", "escape")
        assert app.cursor == 6


async def test_clicking_a_tape_line_jumps_there() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        tape = app.query_one(Tape)
        line = tape.line_of_step[8]
        await pilot.click(Tape, offset=(5, line + 1))  # +1 for the border
        assert app.cursor == 8
        tape.focus()
        await pilot.press("down", "down")
        assert app.cursor == 10


async def test_help_lists_every_binding() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(110, 110)) as pilot:  # tall enough to show every key
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.pause()
        text = screen_text(app)
        for binding in app.BINDINGS:
            assert binding.tooltip in text  # type: ignore[union-attr]
        for key in ("n → space", "p ←", "]", "[", "home", "end", "ctrl+p", "C", "?"):
            assert f"│ {key} " in text or f" {key}  " in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_opening_a_sample_and_a_bad_file_from_the_app(tmp_path: Path) -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        app.go(7)
        bad = tmp_path / "bad.toml"
        bad.write_text("loss = 'quadratic'\n[data")
        app.open_network(str(bad))
        await pilot.pause()
        assert app.network.name == "Two-layer example" and app.cursor == 7
        assert any("TOML syntax error" in n.message for n in notifications(app))
        app.open_network(str(sample_path("xor")))
        assert app.network.name == "XOR" and app.cursor == 0
        assert app.trace.loss == build_trace(load_network(sample_path("xor"))).loss


async def test_palette_offers_jumps_and_samples() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        titles = [c.title for c in palette_commands(app)]
        for title in (
            "Go to the backward phase",
            "Go to layer 2 (backward)",
            "Open sample: xor",
            "Open sample: wide",
            "Toggle breakpoint",
        ):
            assert title in titles
        await pilot.press("ctrl+p")  # the real palette: type, then enter runs the best match
        for ch in "layer 1 (backward":
            await pilot.press(ch if ch != " " else "space")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.cursor == app.trace.find("delta", 1).index


async def test_values_render_only_the_visible_part_of_a_large_matrix() -> None:
    app = app_for("wide")
    async with app.run_test(size=(100, 32)) as pilot:
        app.go(app.trace.find("dW", 1).index)  # reads δ 32×16 and x 64×16
        await pilot.pause()
        values = app.query_one(ValuesView)
        values.cells_formatted = 0
        values.refresh()
        await pilot.pause()
        visible_rows, visible_cols = values.size.height, values.size.width // 12 + 1
        assert 0 < values.cells_formatted <= visible_rows * visible_cols
        assert values.virtual_size.height > 100  # 32 + 64 + 32 rows, and headers


async def test_stepping_does_not_rebuild_the_trace() -> None:
    app = app_for("xor")
    async with app.run_test(size=(100, 32)):
        trace = app.trace
        for _ in range(10):
            app.action_step(1)
        app.action_last()
        app.action_previous_layer()
        assert app.trace is trace


async def test_a_theme_change_redraws_the_cached_panels_in_its_colours() -> None:
    """The diagram and the step panel keep drawn strips; a new theme must not reuse them."""
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        panels = [app.query_one(StepPanel), app.query_one(NetworkDiagram)]

        def backgrounds() -> list[object]:
            return [next(iter(panel.render_line(0))).style.bgcolor for panel in panels]

        dark = backgrounds()
        app.theme = "textual-light"
        await pilot.pause()
        light = backgrounds()
        assert all(a != b for a, b in zip(dark, light, strict=True))
        assert light == [panel.style_of().bgcolor for panel in panels]


async def test_the_step_panel_text_can_be_selected_with_the_mouse() -> None:
    """Authors copy formulas from the step panel: a drag selects its text as laid out."""
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        panel = app.query_one(StepPanel)
        left = panel.content_region.x - panel.region.x
        top = panel.content_region.y - panel.region.y
        await pilot.mouse_down(panel, offset=(left, top + 1))  # the formula's line
        await pilot.hover(panel, offset=(left + 12, top + 2))
        await pilot.mouse_up(panel, offset=(left + 12, top + 2))
        await pilot.pause()
        assert app.screen.get_selected_text() == "z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾\n  = ┌ 0.15  0"
        selected = app.screen.get_component_rich_style("screen--selection")
        assert next(iter(panel.render_line(1))).style.bgcolor == selected.bgcolor


async def test_d_shows_every_digit_and_back() -> None:
    """One precision everywhere: 6 significant digits by default; d shows every digit on the
    header, the step panel and the edit bar, and d again goes back."""
    app = app_for("scalar_chain")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("n")  # a⁽¹⁾ = σ(0.5)
        full = repr(float(np.asarray(app.trace[1].value).item()))
        assert "= 0.622459" in panel(app) and full not in panel(app)
        assert "L = 0.0760835" in app.view.status
        await pilot.press("d")
        assert app.digits is None
        assert f"= {full}" in panel(app) and f"L = {app.trace.loss!r}" in app.view.status
        app.select(ParamRef("W", 2, 0, 0))
        edited = set_value(app.network, ParamRef("W", 2, 0, 0), 1.23456789012)
        app.change_network(edited)
        assert "W⁽²⁾[0,0] = 1.23456789012" in str(app.query_one(EditBar).render())
        await pilot.press("d")
        assert app.digits == 6 and "W⁽²⁾[0,0] = 1.23457" in str(app.query_one(EditBar).render())


async def test_following_an_example_of_a_batch_with_the_keys() -> None:
    """. and , choose the example (column) the step panel and the values panel follow;
    past the last, the whole batch again. A batch of one says there is nothing to choose."""
    app = app_for("xor")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("full_stop")
        assert app.example == 0
        assert "example 0 of 4" in panel(app)
        assert "z⁽¹⁾₀ = [0, 0.3; -0.27, -0.89; -0.45, -0.99] [0; 0] + [0.03; 0.67; -0.25]" in panel(
            app
        )
        assert "= [0.03; 0.67; -0.25] (3)" in panel(app)  # column 0 of z⁽¹⁾
        values = app.query_one(ValuesView)
        assert values.example == 0
        await pilot.press("comma")  # back past the first: the whole batch
        assert app.example is None and "example 0 of 4" not in panel(app)
        await pilot.press("comma")  # and round to the last
        assert app.example == 3
        app.go(app.trace.find("loss").index)
        await pilot.pause()
        own = float(
            app.trace.network.loss_fn.value(
                *(np.asarray(app.trace.find(k, 2).value)[:, 3:4] for k in "za"),
                app.network.y[:, 3:4],
            )[0]
        )
        assert f"L₃ = ½ · ‖0.482891 − 0‖² = {own:.6g}" in panel(app)
        assert f"L = (1/4) Σₖ Lₖ = {app.trace.loss:.6g}" in panel(app)
        titles = [c.title for c in palette_commands(app)]
        assert "Follow example 2" in titles and "Follow the whole batch" in titles
    single = app_for("two_layer")
    async with single.run_test(size=(100, 32)) as pilot:
        await pilot.press("full_stop")
        assert single.example is None
        assert any("one example" in n.message for n in notifications(single))
