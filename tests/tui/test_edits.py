"""What-if edits, undo/redo, training and saving, driven through the app."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
from dialogs import type_into
from textual.widgets import ProgressBar
from textual.worker import WorkerFailed

from bpdebug.engine import build_trace, train
from bpdebug.engine.backprop import sgd_step
from bpdebug.engine.params import EditError, ParamRef, get_value, set_value
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path
from bpdebug.notation.parse import linear
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.screens import ConfirmScreen, EditScreen, SaveScreen, TrainScreen
from bpdebug.tui.textual_private import notifications
from bpdebug.tui.widgets import StepPanel, ValuesView


def app_for(name: str) -> BPDebugApp:
    return make_app(load_network(sample_path(name)))


def same_trace(a, b) -> bool:  # type: ignore[no-untyped-def]
    """Every step's value equal bit for bit."""
    return len(a) == len(b) and all(
        np.asarray(s.value).tobytes() == np.asarray(t.value).tobytes()
        for s, t in zip(a.steps, b.steps, strict=True)
    )


async def test_editing_a_weight_retraces_and_shows_the_differences() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        original = app.network
        app.go(12)  # δ⁽¹⁾
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        await type_into(pilot, "0.9")
        assert not isinstance(app.screen, EditScreen)
        assert app.cursor == 12  # stays on the same step
        assert get_value(app.network, ParamRef("W", 1, 0, 0)) == 0.9
        expected = set_value(original, ParamRef("W", 1, 0, 0), 0.9)
        assert app.network.same_as(expected)
        assert same_trace(app.trace, build_trace(expected))
        old, new = build_trace(original)[12].value, app.trace[12].value
        blocks = app.query_one(ValuesView).blocks
        delta = next(b for b in blocks if b.role == "delta" and "δ⁽¹⁾" in b.title)
        np.testing.assert_array_equal(delta.matrix, new - old)
        text = " ".join(linear(app.query_one(StepPanel).text.plain.splitlines()))
        assert "was [0.00877135; 0.00995425] Δ [-4.83338e-05; 1.71092e-05]" in text
        assert f"L = {app.before.loss:.6g} → {app.trace.loss:.6g} (edit)" in app.view.status
        assert "1 change · unsaved" in str(app.query_one("#editbar").render())


async def test_nudge_and_its_step() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        app.select(ParamRef("b", 2, 1))
        await pilot.press("plus")
        assert get_value(app.network, ParamRef("b", 2, 1)) == 0.6 + 0.1
        await pilot.press("slash", "minus", "minus")
        assert app.view.nudge == pytest.approx(0.01)
        assert (
            get_value(app.network, ParamRef("b", 2, 1))
            == 0.6 + 0.1 - app.view.nudge - app.view.nudge
        )
        assert same_trace(app.trace, build_trace(app.network))


async def test_undo_and_redo_round_trip_bit_for_bit() -> None:
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        original, first_trace = app.network, app.trace
        app.go(9)
        await pilot.press("plus", "plus")
        app.select(ParamRef("lr"))
        await pilot.press("e")
        await type_into(pilot, "0.25")
        await pilot.press("t")
        edited = app.network
        assert len(app.undo_stack) == 4 and app.iteration == 1
        await pilot.press("u")  # the training: iteration 0 again, nothing called an edit
        assert app.iteration == 0 and app.before is None
        assert "(edit)" not in app.query_one("#title").text
        await pilot.press("u")  # η: values show what the undo changed (L itself does not move)
        assert app.before is not None
        await pilot.press("u")  # a nudge: the title says how the undo moved L
        assert app.query_one("#title").text.endswith(
            f"L = {app.before.loss:.6g} → {app.trace.loss:.6g} (undo)"
        )
        await pilot.press("u")
        assert app.network is original and app.iteration == 0
        assert same_trace(app.trace, first_trace)
        assert app.cursor == 9
        await pilot.press("u")  # nothing left: says so, changes nothing
        assert app.network is original
        await pilot.press("U", "U", "U", "ctrl+r")
        assert app.network is edited and app.iteration == 1
        assert app.dirty and app.network is not app.session.saved


@pytest.mark.parametrize(
    "typed,message",
    [
        ("", "type a number"),
        ("abc", "'abc' is not a number"),
        ("nan", "nan is not a finite number"),
        ("inf", "inf is not a finite number"),
        ("1e300", "1e+300 is outside ±1e+09"),
    ],
)
async def test_bad_edits_are_refused_inline_and_change_nothing(typed: str, message: str) -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        app.go(5)
        network, trace = app.network, app.trace
        await pilot.press("e")
        await type_into(pilot, typed)
        assert isinstance(app.screen, EditScreen)
        assert f"✗ {message}" in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        assert app.network is network and app.trace is trace and app.cursor == 5
        assert not app.undo_stack


async def test_bad_learning_rate_and_targets_are_refused() -> None:
    app = app_for("softmax_classifier")
    async with app.run_test(size=(100, 32)) as pilot:
        network = app.network
        app.select(ParamRef("lr"))
        await pilot.press("e")
        await type_into(pilot, "-1")
        assert "learning rate must be above 0" in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        app.select(ParamRef("y", None, 0, 0))
        await pilot.press("minus")  # one-hot targets must still sum to 1
        assert app.network is network
        assert any("must sum to 1" in n.message for n in notifications(app))


async def test_arrow_keys_in_the_values_panel_choose_the_parameter() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        app.query_one(ValuesView).focus()
        await pilot.press("right", "down")
        assert app.selected == ParamRef("W", 1, 1, 1)
        await pilot.press("down")  # past W⁽¹⁾'s last row: into x, the next parameter shown
        assert app.selected == ParamRef("x", None, 0, 0)
        await pilot.press("down", "down")
        assert app.selected == ParamRef("b", 1, 0)
        await pilot.press("e")
        await type_into(pilot, "1")
        assert get_value(app.network, ParamRef("b", 1, 0)) == 1.0


async def test_train_one_iteration_is_the_engine_update() -> None:
    app = app_for("deep")
    async with app.run_test(size=(100, 32)) as pilot:
        net = app.network
        await pilot.press("t")
        assert app.network.same_as(sgd_step(net)[1])
        assert app.iteration == 1 and len(app.losses) == 2
        assert app.losses == [build_trace(net).loss, build_trace(app.network).loss]


async def test_train_n_iterations_matches_the_engine_and_plots_n_plus_one_points() -> None:
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        net = app.network
        await pilot.press("T")
        assert isinstance(app.screen, TrainScreen)
        await type_into(pilot, "25")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, TrainScreen)
        trained, losses = train(net, 25)[:2]
        assert app.network.same_as(trained)
        assert app.iteration == 25
        assert app.losses == losses and len(app.losses) == 26
        plot = app.query_one("#loss")
        assert plot.border_title == "Loss (linear) · iter. 0–25"  # the axes: loss, iterations


async def test_escape_stops_a_long_training_run_and_keeps_what_it_did() -> None:
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        net = app.network
        await pilot.press("T")
        await type_into(pilot, "1000000")
        while app.screen.query_one(ProgressBar).progress < 100:  # under way
            await pilot.pause(0.01)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, TrainScreen)
        done = app.iteration
        assert 100 <= done < 1_000_000
        assert len(app.losses) == done + 1
        assert app.network.same_as(train(net, done).network)  # stopped between whole iterations


async def test_train_dialog_refuses_a_bad_count() -> None:
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("T")
        await type_into(pilot, "lots")
        assert "'lots' is not a whole number" in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        assert app.iteration == 0


async def test_an_error_in_the_training_worker_is_said_in_the_dialog(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An engine bug while training ends the run, not the session: the dialog says it and
    stays open; esc closes it and the network is as it was."""

    def broken(self: TrainScreen, n: int) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(TrainScreen, "train", broken)
    app = app_for("xor")
    async with app.run_test(size=(100, 32)) as pilot:
        net = app.network
        await pilot.press("T")
        dialog = app.screen
        assert isinstance(dialog, TrainScreen)
        with pytest.raises(WorkerFailed):
            await dialog.start(10).wait()
        await pilot.pause()
        assert app.screen is dialog and app.is_running
        said = str(app.screen.query_one("#error").render())
        assert said == "✗ training stopped: RuntimeError: boom"
        await pilot.press("escape")
        assert not isinstance(app.screen, TrainScreen) and app.network is net


async def test_save_writes_a_new_file_that_loads_back_bit_for_bit(tmp_path: Path) -> None:
    source = tmp_path / "mine.toml"
    source.write_text(sample_path("two_layer").read_text())
    app = make_app(load_network(source))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", "t")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SaveScreen)
        suggested = app.screen.query_one("#path").value
        assert suggested == str(tmp_path / "mine-edited.toml")
        await pilot.press("enter")
        assert not isinstance(app.screen, SaveScreen)
        assert load_network(tmp_path / "mine-edited.toml").same_as(app.network)
        assert source.read_text() == sample_path("two_layer").read_text()  # untouched
        assert not app.dirty


async def test_save_asks_before_replacing_and_refuses_the_original(tmp_path: Path) -> None:
    source = tmp_path / "mine.toml"
    source.write_text(sample_path("xor").read_text())
    other = tmp_path / "other.toml"
    other.write_text("keep")
    app = make_app(load_network(source))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", "ctrl+s")
        await type_into(pilot, str(source))
        assert "that is the original file" in str(app.screen.query_one("#error").render())
        await type_into(pilot, str(other))
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # keep it
        assert other.read_text() == "keep"
        await pilot.press("enter")  # the save dialog again: try once more, and replace
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#replace")
        assert load_network(other).same_as(app.network)


async def test_a_failed_save_says_why_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root ignores modes: make the disk refuse instead

        def refuse(*args: object, **kwargs: object) -> None:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr("bpdebug.files.atomic.tempfile.mkstemp", refuse)
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus")
        edited = app.network
        await pilot.press("ctrl+s")
        await type_into(pilot, str(folder / "net.toml"))
        assert isinstance(app.screen, SaveScreen)
        assert "not saved: Permission denied" in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        assert app.network is edited and app.dirty
        assert list(folder.iterdir()) == []
    folder.chmod(0o755)


async def test_a_full_disk_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("bpdebug.files.atomic.os.fsync", full)
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", "ctrl+s")
        await type_into(pilot, str(tmp_path / "net.toml"))
        assert "No space left on device" in str(app.screen.query_one("#error").render())
        assert list(tmp_path.iterdir()) == []


async def test_quitting_with_unsaved_changes_asks_first() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", "q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # cancel
        assert app.is_running and not isinstance(app.screen, ConfirmScreen)
        await pilot.press("q")
        await pilot.click("#discard")
        await pilot.pause()
    assert app.return_code == 0


async def test_quitting_without_changes_just_quits() -> None:
    app = app_for("two_layer")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", "u", "q")
        await pilot.pause()
        assert not app.is_running


async def test_edits_are_held_to_the_magnitude_limit_the_app_was_started_with() -> None:
    """The same rule as a file's: --max-magnitude bounds a typed value too."""
    from bpdebug.files.netfile import Limits

    app = make_app(load_network(sample_path("two_layer")), Limits(max_magnitude=1e3))
    async with app.run_test(size=(100, 32)):
        app.select(ParamRef("W", 1, 0, 0))
        with pytest.raises(EditError, match=r"outside ±1000 \(the --max-magnitude limit\)"):
            app.apply_value(app.selected, "5000")
        assert app.apply_value(app.selected, "999").layers[0].W[0, 0] == 999
