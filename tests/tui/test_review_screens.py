"""What a new user's review of issue 24 found on the screen (its follow-up): each problem
driven through the app and asserted on what the screen shows."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from textual.widgets import Button, OptionList

from bpdebug.cli.snapshot import screen_text
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.notation import num
from bpdebug.notation.numbers import cell_width
from bpdebug.session.quiz import Quiz, parse_kinds
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.screens import AnswerScreen, ChainScreen, ScoreScreen
from bpdebug.tui.views.graph_picture import value_lines
from bpdebug.tui.widgets import LossPlot, NetworkDiagram, ValuesView


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


def diagram_text(app: BPDebugApp) -> str:
    return app.query_one(NetworkDiagram).text.plain


async def go_to(pilot, step: int) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("g", *str(step), "enter")
    await pilot.pause()


# ---------------------------------------------------------------- 1. the network panel


async def test_the_network_panel_keeps_the_updated_weights_after_their_update() -> None:
    """two_layer at 200×60: from W⁽¹⁾'s update (step 16) to the end, the edge into layer 1
    reads ← W⁽¹⁾ [0.149781 0.199561] / [0.249751 0.299502], never the old [0.15 0.2]; W⁽²⁾
    the same from step 18. Before its update, each edge shows the old weights."""
    app = app_for("two_layer")
    async with app.run_test(size=(200, 60)) as pilot:
        new_w1 = re.compile(r"\[\s*0\.149781\s+0\.199561\]")
        new_w2 = re.compile(r"\[\s*0\.358916\s+0\.408666\]")
        old_w1 = re.compile(r"\[\s*0\.15\s+0\.2\]")
        old_w2 = re.compile(r"\[\s*0\.4\s+0\.45\]")
        await go_to(pilot, 15)
        picture = diagram_text(app)
        assert old_w1.search(picture) and old_w2.search(picture)
        for step in range(16, 21):
            await go_to(pilot, step)
            picture = diagram_text(app)
            assert new_w1.search(picture) and not old_w1.search(picture), (step, picture)
            assert "← W⁽¹⁾" in picture
            if step >= 18:
                assert new_w2.search(picture) and not old_w2.search(picture), (step, picture)
            else:
                assert old_w2.search(picture), (step, picture)


# ---------------------------------------------------------------- 2. the w view


def chain_lines(app: BPDebugApp) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_the_w_view_follows_another_example_with_comma_and_full_stop() -> None:
    """xor, step 14, `w`: listed for example 0; `.` lists example 1's paths (its factors
    carry its subscript, the units their brackets: ∂L₁/∂a⁽²⁾₁[0] · σ′(z⁽²⁾₁[0]) · … · x₁[0]),
    `,` goes back, `,` again wraps to example 3; leaving the dialog, the app follows the
    example it was left on."""
    app = app_for("xor")
    async with app.run_test(size=(120, 36)) as pilot:
        await go_to(pilot, 14)
        await pilot.press("w")
        screen = app.screen
        assert isinstance(screen, ChainScreen) and screen.chain.example == 0
        assert "example 0 of 4 (, and . choose another)" in str(screen.query_one("#about").render())
        await pilot.press("full_stop")
        assert screen.chain.example == 1
        assert "example 1 of 4" in str(screen.query_one("#about").render())
        lines = chain_lines(app)
        assert lines[0].startswith(
            "path 1 (units 0→0): ∂L₁/∂a⁽²⁾₁[0] · σ′(z⁽²⁾₁[0]) · W⁽²⁾[0,0] · σ′(z⁽¹⁾₁[0]) · x₁[0] = "
        )
        assert any(
            line.startswith("example 1: Σ over the paths = ∂L₁/∂W⁽¹⁾[0,0]") for line in lines
        )
        x1 = float(app.network.x[0, 1])
        assert lines[5].strip().startswith(f"x₁[0] = {x1:g}")
        await pilot.press("comma", "comma")
        assert screen.chain.example == 3
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ChainScreen) and app.example == 3


async def test_the_w_view_writes_units_in_brackets_and_negative_terms_with_a_minus() -> None:
    """xor, step 14, `w` on W⁽¹⁾[0,0]: the batch mean reads (1/4) · (0 + 0 + 0.0178402 −
    0.0181904), no `+ -`; no factor writes a unit as a subscript (every subscript is an
    example's, before a bracket or a /)."""
    app = app_for("xor")
    async with app.run_test(size=(120, 36)) as pilot:
        await go_to(pilot, 14)
        await pilot.press("w")
        lines = chain_lines(app)
        mean = next(line for line in lines if line.startswith("batch mean: "))
        assert "(1/4) · (0 + 0 + 0.0178402 − 0.0181904) = -8.75402e-05" in mean
        assert "+ -" not in "\n".join(lines)
        for line in lines:
            assert not re.search(r"[₀-₉](?![₀-₉\[/])", line), line


async def test_the_w_view_and_the_hand_out_name_factors_alike() -> None:
    """two_layer W⁽¹⁾[0,0] (one example): each path's factors on screen are the factor
    names of `explain --why W1[0,0]`, path for path."""
    from bpdebug.engine.params import ParamRef
    from bpdebug.notation.text import text
    from bpdebug.output.why import derivations

    app = app_for("two_layer")
    async with app.run_test(size=(120, 36)) as pilot:
        await go_to(pilot, 14)
        await pilot.press("w")
        on_screen = [
            line.split(": ", 1)[1].rsplit(" = ", 1)[0]
            for line in chain_lines(app)
            if line.startswith("path ")
        ]
    trace = app.trace
    (d,) = derivations(trace, [ParamRef("W", 1, 0, 0)], 6)[trace.find("dW", 1).index]
    displays = [text(b.display) for b in d.blocks if b.display is not None]
    handout = [line.split(" = ")[0] for line in displays if line.startswith("∂L/∂a⁽²⁾")]
    assert len(on_screen) == 2 and sorted(on_screen) == sorted(handout)
    assert "∂L/∂a⁽²⁾[0] · σ′(z⁽²⁾[0]) · W⁽²⁾[0,0] · σ′(z⁽¹⁾[0]) · x[0]" in on_screen


async def test_the_w_view_in_a_quiz_shows_a_gradient_it_does_not_ask_and_never_writes_qq() -> None:
    """`bpdebug quiz xor --kinds delta`, step 14, `w`: the title is `Why is ∂L/∂W⁽¹⁾[0,0] =
    -8.75402e-05?` (the values panel shows it), the products and shares ?; with --kinds dW
    the gradient is asked: `Why is ∂L/∂W⁽¹⁾[0,0] what it is?`. Never `??`."""
    for kinds, title in (
        ("delta", "Why is ∂L/∂W⁽¹⁾[0,0] = -8.75402e-05?"),
        ("dW", "Why is ∂L/∂W⁽¹⁾[0,0] what it is?"),
    ):
        app = make_app(load_network(sample_path("xor")), quiz=Quiz(parse_kinds(kinds)))
        async with app.run_test(size=(120, 36)) as pilot:
            await go_to(pilot, 14)
            await pilot.press("w")
            box = app.screen.query_one(".box")
            assert str(box.border_title) == title
            text_ = screen_text(app)
            assert "??" not in text_ and title in text_
            lines = chain_lines(app)
            assert next(line for line in lines if line.startswith("example 0: ")).count("?") >= 2
            mean = next(line for line in lines if line.startswith("batch mean: "))
            if kinds == "delta":
                assert mean.endswith("= -8.75402e-05   ✓ step 14 is -8.75402e-05")
            else:
                assert mean.endswith("= ?   ✓ step 14 is ?")


# ---------------------------------------------------------------- 3. the values panel


@pytest.mark.parametrize(
    ("size", "shown"), [((80, 24), "cols 0–2 of 16 →"), ((120, 36), "cols 0–4 of 16 →")]
)
async def test_the_values_panel_fits_as_many_columns_as_the_numbers_allow(
    size: tuple[int, int], shown: str
) -> None:
    """wide, step 13 (δ⁽¹⁾, 32×16): its numbers are at most 11 characters; each column is
    13 (the number, the ▸ marker, a space), not 18, so 80×24 shows 3 columns and 120×36 5."""
    app = app_for("wide")
    async with app.run_test(size=size) as pilot:
        await go_to(pilot, 13)
        values = app.query_one(ValuesView)
        result = values.blocks[0]
        longest = max(len(num(float(v))) for v in np.asarray(result.matrix).flat)
        assert longest == 11 and result.cell == longest + 2
        assert shown in screen_text(app)


@settings(max_examples=300, deadline=None)
@example(15.8, 0, False, False, None, None)  # repr turns scientific at 1e16, %g at 10**d
@example(6.2, 0, False, True, None, 6)
@example(-4.2, 1, True, False, None, 6)  # '0.000…' beside '1.2e-05'
@example(-99.5, 2, False, False, None, 6)  # 'e-100'
@given(
    exponent=st.floats(-320, 307),
    seed=st.integers(0, 2**32 - 1),
    zeros=st.booleans(),
    positive=st.booleans(),
    special=st.sampled_from([None, np.nan, np.inf, -np.inf]),
    digits=st.sampled_from([6, None, 3]),
)
def test_a_large_matrix_s_column_width_holds_every_entry_and_no_more_than_d_plus_7(
    exponent: float,
    seed: int,
    zeros: bool,
    positive: bool,
    special: float | None,
    digits: int | None,
) -> None:
    """cell_width of a matrix of more than 64 entries, read from its range, is never less
    than the widest entry written (at 6 digits, 3, or every digit), and never more than
    d + 7 (sign, point, e-100)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(9, 12)) * 10.0**exponent
    if zeros:
        m[rng.random(m.shape) < 0.4] = 0.0
    if positive:
        m = np.abs(m)
    if special is not None:
        m[3, 4] = special
    widest = max(len(num(float(v), digits)) for v in m.flat)
    width = cell_width(m, digits)
    assert widest <= width <= max((digits or 17) + 7, 4)
    assert cell_width(np.ascontiguousarray(m.T), digits) == width  # the layout does not matter


# ---------------------------------------------------------------- 4. quiz dialogs


async def _score_box(size: tuple[int, int], notifications: bool) -> tuple[object, str]:
    app = make_app(load_network(sample_path("two_layer")), quiz=Quiz(parse_kinds("all")))
    async with app.run_test(size=size, notifications=notifications) as pilot:
        await pilot.press("end")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, ScoreScreen)
        box = screen.query_one(".box")
        box.scroll_home(animate=False)  # reading the tables from the top: the buttons stay
        await pilot.pause()
        for button in screen.query(Button):
            assert box.region.contains_region(button.region) and button.region.height == 3
            assert app.screen.region.contains_region(button.region)
        return box.region, screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_the_score_dialog_keeps_its_size_and_its_buttons_in_view(
    size: tuple[int, int],
) -> None:
    """`bpdebug quiz two_layer`, `end`: the score opens as the notice 'L (step 5) counts as
    shown' is raised; the dialog has the size it has with no notification at all, and its
    Export and Close buttons are whole on screen, also with the box scrolled to its top (a
    box taller than the screen scrolls its tables, not its buttons)."""
    box, text_ = await _score_box(size, notifications=True)
    assert "Export markdown (x)" in text_ and "Close" in text_
    assert (await _score_box(size, notifications=False))[0] == box


async def test_at_the_last_step_the_loss_panel_shows_the_loss_the_title_shows() -> None:
    """quiz two_layer, `end`: L counts as shown (L′'s step writes it); the title says
    L = 0.298371 and so does the loss panel's foot, not `L = ?`."""
    app = make_app(load_network(sample_path("two_layer")), quiz=Quiz(parse_kinds("all")))
    async with app.run_test(size=(120, 36)) as pilot:
        plot = app.query_one(LossPlot)
        await go_to(pilot, 19)
        assert str(plot.border_subtitle) == "L = ?" and "L = ?" in app.view.status
        await pilot.press("end")
        await pilot.pause(0.2)
        await pilot.press("escape")
        await pilot.pause()
        assert "L = 0.298371" in app.view.status
        assert "?" not in str(plot.border_subtitle) and "0.298371" in str(plot.border_subtitle)


async def _wrong_then_hints(kinds: str, hints: int) -> tuple[str, str]:
    """xor step 13 (δ⁽¹⁾, 3×4), a wrong answer, then `hints` presses of Hint."""
    app = make_app(load_network(sample_path("xor")), quiz=Quiz(parse_kinds(kinds)))
    async with app.run_test(size=(120, 36)) as pilot:
        await go_to(pilot, 13)
        await pilot.press("a", *"1,1,1,1;1,1,1,1;1,1,1,1", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnswerScreen)
        for _ in range(hints):
            screen.query_one("#hint-button", Button).press()
            await pilot.pause()
        return screen_text(app), str(screen.query_one("#hints").render())


async def test_a_hint_is_written_inside_the_answer_dialog() -> None:
    """xor, quiz on δ, step 13, a wrong answer: Hint writes the formula in the dialog
    (which covers the step panel), Hint again the formula with its numbers (∂L/∂a⁽¹⁾ ⊙
    σ′(z⁽¹⁾), as matrices); never 'Shown in the step panel'."""
    text_, _ = await _wrong_then_hints("delta", 1)
    assert "Hint 1, the formula: δ⁽¹⁾ = ∂L/∂a⁽¹⁾ ⊙ σ′(z⁽¹⁾)" in text_
    assert "Hint 2, " not in text_ and "Shown in the step panel" not in text_
    text_, hints = await _wrong_then_hints("delta", 2)
    assert "Hint 2, the formula with its numbers:" in hints
    assert "┌ -0.0848758   0.0779521   0.0713769  -0.0747604 ┐" in hints  # ∂L/∂a⁽¹⁾, row 0
    assert "⊙ │ 0.223917  0.246999  0.240261  0.235574 │" in hints  # σ′(z⁽¹⁾), row 1
    assert "Shown in the step panel" not in text_


async def test_a_hint_in_the_dialog_writes_an_asked_operand_as_a_question_mark() -> None:
    """The same with every step asked: ∂L/∂a⁽¹⁾ and σ′(z⁽¹⁾) are still asked, so the hint's
    numbers are `? ⊙ ?`, none of their digits."""
    text_, hints = await _wrong_then_hints("all", 2)
    assert "Hint 2, the formula with its numbers:\n  ? ⊙ ?" in hints
    assert "0.0848758" not in text_ and "0.223917" not in text_


# ---------------------------------------------------------------- 5. graph view and f


def test_a_graph_node_s_norm_is_never_glued_to_it() -> None:
    """x of xor (2×4, ‖x‖ = 2) in an 11-wide node: `‖·‖ = 2`, not `‖·‖2` (the 2-norm's
    symbol); a norm too long for the `=` keeps a space: `‖·‖ 2.46236`."""
    x = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
    assert value_lines(x, 11, 6) == ["2×4 entries", "‖·‖ = 2"]
    z = np.full((3, 4), 2.46236 / np.sqrt(12))
    assert value_lines(z, 11, 6) == ["3×4 entries", "‖·‖ 2.46236"]
    for scale in (1e-9, 0.5, 3.0, 7e5, -2e-7):
        norm_line = value_lines(np.full((3, 4), scale), 11, 6)[1]
        assert re.match(r"‖·‖ (= )?\S", norm_line), norm_line


async def test_the_graph_view_writes_x_s_norm_with_an_equals_sign() -> None:
    """xor, `m`, 120×36: the x node reads `2×4 entries` over `‖·‖ = 2`."""
    app = app_for("xor")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        text_ = screen_text(app)
        assert "│  ‖·‖ = 2  │" in text_ and "‖·‖2" not in text_


async def test_the_gradient_check_comes_right_after_the_result() -> None:
    """two_layer, `f`, step 9 (∂L/∂W⁽²⁾) at 120×36: the values panel shows the result, then
    ĝ and the relative errors, then the operands; the errors are on screen without
    scrolling."""
    app = app_for("two_layer")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f")
        await go_to(pilot, 9)
        roles = [b.role for b in app.query_one(ValuesView).blocks]
        assert roles[:3] == ["result", "numeric", "error"] and roles[3] == "read"
        assert "relative error |g − ĝ|" in screen_text(app)
