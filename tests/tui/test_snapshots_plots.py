"""Plots that read without colour and the small glitches of issue 24: SVG snapshots (each
docstring says what the picture must show) and the screen states behind them."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from dialogs import run_training
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Checkbox, Input

from bpdebug.cli.snapshot import screen_text
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.output.plot import BRAILLE, DOT_BITS
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.screens import FlowScreen, OpenScreen, TrainScreen
from bpdebug.tui.screens.flow import MARK, FlowGrid
from bpdebug.tui.widgets import LossPlot


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


async def train_then_flow(pilot, iterations: int = 100, back: int = 30) -> None:  # type: ignore[no-untyped-def]
    """T N, wait for its result, then G with the marker moved back `back` rows."""
    await run_training(pilot, iterations)
    await pilot.press("G", *["shift+left"] * back)
    await pilot.pause()


# ---------------------------------------------------------------- snapshots


def test_loss_plot_after_one_t(snap_compare) -> None:
    """2-2-2 after one `t`, 120×36: the loss panel draws a line from L₀ (top left) to L₁
    (bottom right), not a dot and a bar; its title says 'Loss (linear) · iterations 0–1',
    its foot '0.298371 → 0.280471' at the 6 significant digits of the title bar."""
    assert snap_compare(app_for("two_layer"), press=["t"], terminal_size=(120, 36))


def test_gradient_flow_marker_reads_without_colour(snap_compare) -> None:
    """deep after 100 iterations, G, the marker moved back to iteration 70: a grey column
    with ┊ wherever no dot is, in the loss curve, the iteration axis and every cell; the top
    line names the marker's iteration and the loss (its scale and range beside it); each cell
    labelled ‖δ⁽ˡ⁾‖, ‖∂L/∂W⁽ˡ⁾‖, ‖W⁽ˡ⁾‖, dead⁽ˡ⁾ with its value at 6 digits, and under its
    curve 'lin' or 'log' and the range."""
    assert snap_compare(app_for("deep"), run_before=train_then_flow, terminal_size=(120, 36))


def test_train_dialog_at_120x36(snap_compare) -> None:
    """T at 120×36: the count (100), the checkbox 'stop if the loss diverges' whole on its
    line, the rule it means wrapped under it in full (10 in a row, 10× the first value)."""
    assert snap_compare(app_for("two_layer"), press=["T"], terminal_size=(120, 36))


def test_open_dialog_lists_the_samples(snap_compare, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """o at 120×36 in a folder holding mine.toml: under the input the shipped samples
    (badly_scaled first, in order; the list scrolls to the rest and mine.toml), the first
    highlighted, and its description under the list."""
    (tmp_path / "mine.toml").write_text(sample_path("xor").read_text())
    monkeypatch.chdir(tmp_path)
    assert snap_compare(app_for("two_layer"), press=["o"], terminal_size=(120, 36))


def test_key_bar_at_80x24(snap_compare) -> None:
    """80×24 at step 3: the key bar ends '? Help  q Quit', having dropped ] Layer and the
    palette hint to make room; the tape, diagram, step and values as usual."""
    assert snap_compare(app_for("two_layer"), press=["n", "n"], terminal_size=(80, 24))


# ---------------------------------------------------------------- the loss plot


def dot_grid(rows: list[str]) -> np.ndarray:
    """Braille rows as a boolean (dot rows, dot columns) array."""
    out = np.zeros((4 * len(rows), 2 * len(rows[0])), dtype=bool)
    for r, row in enumerate(rows):
        for c, char in enumerate(row):
            bits = ord(char) - BRAILLE
            for dr, dc in np.ndindex(4, 2):
                out[4 * r + dr, 2 * c + dc] = bool(bits & int(DOT_BITS[dr, dc]))
    return out


async def test_after_one_t_the_loss_plot_is_a_line_at_the_precision_setting() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        plot = app.query_one(LossPlot)
        dots = dot_grid(plot.render().plain.split("\n"))
        assert dots[0, 0] and dots[-1, -1]  # L₀ top left, L₁ bottom right
        assert dots.any(axis=0).all()  # a dot in every column: a line, not a dot and a bar
        assert max(int(c.sum()) for c in dots.T) <= 2
        assert str(plot.border_title) == "Loss (linear) · iterations 0–1"  # what fits
        assert str(plot.border_subtitle) == "0.298371 → 0.280471"
        await pilot.press("d")  # every digit: the full number, or a true prefix and …
        await pilot.pause()
        first, last = str(plot.border_subtitle).split(" → ")
        for shown, exact in zip((first, last), map(repr, app.losses), strict=True):
            assert shown == exact or (shown.endswith("…") and exact.startswith(shown[:-1]))
        assert first.endswith("…") and len(first) >= 12  # the narrow panel: visibly cut


async def test_a_narrow_loss_panel_shortens_its_title_not_its_meaning() -> None:
    app = app_for("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t", "t")
        await pilot.pause()
        plot = app.query_one(LossPlot)
        title = str(plot.border_title)
        assert title.startswith("Loss (linear)") and title.endswith("0–2")
        assert len(title) <= plot.size.width - 4


# ---------------------------------------------------------------- the gradient-flow screen


async def test_the_flow_marker_has_a_glyph_and_every_curve_a_label() -> None:
    app = app_for("deep")
    async with app.run_test(size=(120, 36)) as pilot:
        await train_then_flow(pilot)
        assert isinstance(app.screen, FlowScreen)
        grid = app.screen.query_one(FlowGrid)
        assert int(grid.flow.iteration[grid.at]) == 70
        lines = grid.render().plain.split("\n")
        loss = f"{float(grid.flow.loss[grid.at]):.6g}"
        assert lines[0].startswith(f"{MARK} marker at iteration 70 · loss L = {loss}")
        assert " lin " in lines[0] or " log " in lines[0]  # the loss curve's scale
        width = grid.content_region.width
        column = next(c for c in range(width) if lines[1][c] == MARK or lines[2][c] == MARK)
        assert all(lines[r][column] in (MARK, *map(chr, range(BRAILLE + 1, BRAILLE + 256)))
                   for r in (1, 2))  # fmt: skip
        assert lines[3][column] == MARK  # the axis marks it too
        axis = lines[3].split()
        assert axis[0] == "0" and axis[-1] == "100" and "iteration" in axis
        labels = "\n".join(lines)
        for l, sup in enumerate("¹²³⁴", start=1):
            for title in (f"‖δ⁽{sup}⁾‖", f"‖∂L/∂W⁽{sup}⁾‖", f"‖W⁽{sup}⁾‖"):
                assert f"{title} " in labels
            assert f"{float(grid.flow.delta[grid.at, l - 1]):.6g}" in labels
        scales = [ln for ln in lines if ln.lstrip().startswith(("lin ", "log "))]
        assert len(scales) == 4  # one scale row per layer, under its curves
        assert sum(ln.count("lin ") + ln.count("log ") for ln in scales) == 3 * 4 + 2  # dead: 2


# ---------------------------------------------------------------- the T dialog, the key bar


def shown_in(app: BPDebugApp, region: Region) -> str:
    """The words on screen inside `region`, row after row."""
    rows = screen_text(app).splitlines()[region.y : region.bottom]
    return " ".join(" ".join(row[region.x : region.right].split()) for row in rows).strip()


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_the_train_dialog_s_checkbox_label_fits(size: tuple[int, int]) -> None:
    app = app_for("two_layer")
    async with app.run_test(size=size) as pilot:
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(app.screen, TrainScreen)
        box, rules = app.screen.query_one(Checkbox), app.screen.query_one("#rules")
        assert shown_in(app, box.region) == "▐X▌ stop if the loss diverges"
        assert shown_in(app, rules.region) == (
            "it diverges when it rises 10 iterations in a row, or passes 10× its first value"
        )


@pytest.mark.parametrize("size", [(50, 14), (80, 24), (200, 30)])
async def test_the_key_bar_keeps_help_and_quit(size: tuple[int, int]) -> None:
    app = app_for("two_layer")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        bar = screen_text(app).splitlines()[-1]
        assert bar.rstrip().endswith("? Help  q Quit" if size[0] < 100 else "q Quit  ^p palette")
        assert bar.lstrip().startswith("n Next  p Prev")
        if size[0] >= 100:
            assert "] Layer" in bar and "b Break" in bar


# ---------------------------------------------------------------- toasts


async def _box_without_notifications(size: tuple[int, int], key: str) -> Region:
    app = app_for("two_layer")
    async with app.run_test(size=size) as pilot:
        await pilot.press(key)
        await pilot.pause(0.1)
        return app.screen.query_one(".box").region


async def _toasts_shown(pilot: Pilot[None], screen: Screen[None], wanted: list[str]) -> list[str]:
    """The toasts' texts once every one `wanted` is shown (a loaded machine mounts them some
    frames later), or after 5 seconds whatever they are."""
    end = time.monotonic() + 5
    while True:
        said = [str(t.render()) for t in screen.query("Toast")]
        if all(any(w in text for text in said) for w in wanted) or time.monotonic() > end:
            return said
        await pilot.pause(0.05)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
@pytest.mark.parametrize("key", ["T", "o", "question_mark", "G"])
async def test_a_toast_never_covers_a_dialog_or_the_edit_bar(
    size: tuple[int, int], key: str
) -> None:
    """`d` says "Numbers: every digit" in a toast, above the edit bar and the key bar; the
    dialog opened then keeps its size (the box it has with no notification at all) and has
    no toast; that toast, and a notification raised while it is open, wait (however long it
    stays open) and are shown, each for its full time, on the debugger's screen once the
    dialog closes."""
    app = app_for("two_layer")
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("d")
        main = app.screen
        await _toasts_shown(pilot, main, ["Numbers"])
        toasts = [t.region for t in main.query("Toast")]
        edit, keys = main.query_one("#editbar").region, main.query_one("#keys").region
        assert toasts and not any(t.overlaps(r) for t in toasts for r in (edit, keys))
        await pilot.press(key)
        await pilot.pause(0.1)
        dialog = app.screen
        assert dialog is not main and not dialog.query("Toast")
        assert dialog.query_one(".box").region == await _box_without_notifications(size, key)
        app.notify("raised while the dialog is open", timeout=0.5)
        await pilot.pause(0.7)  # open longer than the toast would last: it waits
        assert not dialog.query("Toast")
        await pilot.press("escape")
        said = await _toasts_shown(pilot, main, ["raised while the dialog is open", "Numbers"])
        assert app.screen is main
        assert any("raised while the dialog is open" in text for text in said), said
        assert any("Numbers: every digit" in text for text in said), said  # shown again


# ---------------------------------------------------------------- the open dialog


async def test_the_open_dialog_lists_samples_and_files_here_and_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.toml").write_text(sample_path("xor").read_text())
    (tmp_path / "notes.txt").write_text("not a network")
    (tmp_path / "week3").mkdir()
    (tmp_path / "week3" / "deep-ish.toml").write_text(sample_path("deep").read_text())
    monkeypatch.chdir(tmp_path)
    app = app_for("two_layer")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("o")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OpenScreen)
        assert dialog.shown() == [*sample_names(), "mine.toml"]  # no notes.txt, no folder
        assert "Plain gradient descent on badly scaled inputs" in str(
            dialog.query_one("#about").render()
        )
        field = dialog.query_one(Input)
        for ch in "mo":
            await pilot.press(ch)
        await pilot.pause()
        assert dialog.shown() == ["momentum"]
        await pilot.press("tab")
        assert field.value == "momentum"  # the one name starting with "mo"
        field.value = "s"
        await pilot.pause()
        await pilot.press("tab")  # scalar_chain, single_neuron, softmax_classifier: "s" only
        assert field.value == "scalar_chain"  # so the highlighted one
        field.value = "week"
        await pilot.pause()
        assert dialog.shown() == []
        field.value = "week3/"
        await pilot.pause()
        assert dialog.shown() == ["week3/deep-ish.toml"]
        field.value = "wee"
        await pilot.pause()
        field.value = "./wee"
        await pilot.pause()
        assert dialog.shown() == ["./week3/"]
        await pilot.press("tab")
        assert field.value == "./week3/"
        await pilot.pause()
        assert dialog.shown() == ["./week3/deep-ish.toml"]
        await pilot.press("down", "enter")  # from the list
        await pilot.pause()
        assert app.screen is not dialog and app.network.name == "Deep relu/tanh"
        await pilot.press("o")
        await pilot.pause()
        for ch in "xo":
            await pilot.press(ch)
        await pilot.press("enter")  # not a file: the first name that fits
        await pilot.pause()
        assert app.network.name == "XOR"
